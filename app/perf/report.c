/* SPDX-License-Identifier: BSD-3-Clause */
/* pnvme-perf's results: a table for people, JSON for scripts. */
#include <stdio.h>

#include "perf.h"

static const char *const workload_names[] = {"read",      "write", "randread",
					     "randwrite", "rw",    "randrw"};

struct row {
	const char *name;
	double iops, mibs, avg_us, min_us, max_us, p50, p99, p999;
	uint64_t ios, errors, verify_failures, verified;
};

static double to_us(uint64_t ticks, uint64_t hz)
{
	return (double)ticks * 1e6 / (double)hz;
}

static void make_row(struct row *r, const char *name, const struct histogram *h, uint64_t ios,
		     uint64_t bytes, uint64_t errors, uint64_t vfail, uint64_t verified,
		     double seconds, uint64_t hz)
{
	r->name = name;
	r->ios = ios;
	r->errors = errors;
	r->verify_failures = vfail;
	r->verified = verified;
	r->iops = (double)ios / seconds;
	r->mibs = (double)bytes / seconds / (1024.0 * 1024.0);
	r->avg_us = h->count ? to_us(h->sum, hz) / (double)h->count : 0;
	r->min_us = h->count ? to_us(h->min, hz) : 0;
	r->max_us = to_us(h->max, hz);
	r->p50 = to_us(hist_percentile(h, 50), hz);
	r->p99 = to_us(hist_percentile(h, 99), hz);
	r->p999 = to_us(hist_percentile(h, 99.9), hz);
}

static void print_json_row(const struct row *r, const char *sep)
{
	printf("    {\"name\": \"%s\", \"ios\": %llu, \"iops\": %.1f, \"mib_per_s\": %.2f, "
	       "\"lat_us\": {\"avg\": %.2f, \"min\": %.2f, \"max\": %.2f, \"p50\": %.2f, "
	       "\"p99\": %.2f, \"p99_9\": %.2f}, \"errors\": %llu, \"verified\": %llu, "
	       "\"verify_failures\": %llu}%s\n",
	       r->name, (unsigned long long)r->ios, r->iops, r->mibs, r->avg_us, r->min_us,
	       r->max_us, r->p50, r->p99, r->p999, (unsigned long long)r->errors,
	       (unsigned long long)r->verified, (unsigned long long)r->verify_failures, sep);
}

void perf_report(const struct perf_config *cfg, struct perf_worker *w, int n, double seconds,
		 uint64_t hz)
{
	struct histogram total;
	uint64_t ios = 0, bytes = 0, errors = 0, vfail = 0, verified = 0;
	struct row rows[64], all;
	int nrows = n < 64 ? n : 64;

	hist_init(&total);
	for (int i = 0; i < n; i++) {
		hist_merge(&total, &w[i].hist);
		ios += w[i].ios;
		bytes += w[i].bytes;
		errors += w[i].errors;
		vfail += w[i].verify_failures;
		verified += w[i].verified;
		if (i < nrows)
			make_row(&rows[i], w[i].name, &w[i].hist, w[i].ios, w[i].bytes, w[i].errors,
				 w[i].verify_failures, w[i].verified, seconds, hz);
	}
	make_row(&all, "Total", &total, ios, bytes, errors, vfail, verified, seconds, hz);

	if (cfg->json) {
		printf("{\n  \"config\": {\"workload\": \"%s\", \"queue_depth\": %u, "
		       "\"io_size\": %u, \"read_pct\": %u, \"seconds\": %u, \"verify\": %s, "
		       "\"batch\": %s, \"shadow_doorbells\": %s, \"controllers\": [",
		       workload_names[cfg->workload], cfg->queue_depth, cfg->io_size, cfg->read_pct,
		       cfg->seconds, cfg->verify ? "true" : "false",
		       cfg->delay_doorbell ? "true" : "false",
		       n > 0 && pnvme_ctrlr_uses_shadow_doorbells(w[0].ctrlr) ? "true" : "false");
		for (int i = 0; i < n; i++) {
			char buf[512];

			printf("%s\"%s\"", i ? ", " : "",
			       pnvme_trid_str(pnvme_ctrlr_get_trid(w[i].ctrlr), buf, sizeof(buf)));
		}
		printf("]},\n  \"elapsed_s\": %.3f,\n  \"namespaces\": [\n", seconds);
		for (int i = 0; i < nrows; i++)
			print_json_row(&rows[i], i + 1 < nrows ? "," : "");
		printf("  ],\n  \"total\":\n");
		print_json_row(&all, "");
		printf("}\n");
		return;
	}
	printf("%-36s %12s %10s %10s %10s %10s %10s %10s %10s\n", "Namespace", "IOPS", "MiB/s",
	       "avg(us)", "min(us)", "max(us)", "p50(us)", "p99(us)", "p99.9(us)");
	for (int i = 0; i <= nrows; i++) {
		const struct row *r = i < nrows ? &rows[i] : &all;

		printf("%-36s %12.1f %10.2f %10.2f %10.2f %10.2f %10.2f %10.2f %10.2f\n", r->name,
		       r->iops, r->mibs, r->avg_us, r->min_us, r->max_us, r->p50, r->p99, r->p999);
	}
	if (cfg->verify)
		printf("verify: %llu reads checked, %llu mismatches\n", (unsigned long long)verified,
		       (unsigned long long)vfail);
	if (errors != 0)
		printf("I/O errors: %llu\n", (unsigned long long)errors);
}
