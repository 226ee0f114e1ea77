/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme-perf's results for scripts: one JSON document on stdout. Each row is
 * one line that starts with its name ("Total" for the total), so a line-based
 * script can pick a row and its "iops" out without a JSON parser.
 */
#include <stdio.h>
#include <sys/time.h>
#include <time.h>

#include "perf.h"

static void json_str(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			printf("\\%c", c);
		else if (c < 0x20)
			printf("\\u%04x", c);
		else
			putchar(c);
	}
	putchar('"');
}

static const char *json_bool(bool b)
{
	return b ? "true" : "false";
}

static void json_histogram(const struct histogram *h)
{
	bool first = true;

	printf(", \"histogram\": [");
	for (uint32_t b = 0; b < HIST_BUCKETS; b++) {
		uint64_t lo, hi;

		if (h->buckets[b] == 0)
			continue;
		hist_bucket_range(b, &lo, &hi);
		printf("%s{\"lo_us\": %.3f, \"hi_us\": %.3f, \"count\": %llu}", first ? "" : ", ",
		       (double)lo / 1000.0, ((double)hi + 1.0) / 1000.0,
		       (unsigned long long)h->buckets[b]);
		first = false;
	}
	printf("]");
}

/* fio's clat_ns shape: nanoseconds, percentiles keyed "99.000000"; null when empty. */
static void json_lat_ns(const struct histogram *h)
{
	struct perf_lat l;

	perf_lat_figures(h, &l);
	if (l.count == 0) {
		printf("null");
		return;
	}
	printf("{\"N\": %llu, \"min\": %llu, \"max\": %llu, \"mean\": %.1f, \"percentile\": "
	       "{\"50.000000\": %llu, \"90.000000\": %llu, \"99.000000\": %llu, "
	       "\"99.900000\": %llu, \"99.990000\": %llu}}",
	       (unsigned long long)l.count, (unsigned long long)l.min, (unsigned long long)l.max,
	       l.mean, (unsigned long long)l.p50, (unsigned long long)l.p90,
	       (unsigned long long)l.p99, (unsigned long long)l.p999, (unsigned long long)l.p9999);
}

/* The row's lat_us object's shape for one direction; null when empty. */
static void json_lat_us(const struct histogram *h)
{
	struct perf_lat l;

	perf_lat_figures(h, &l);
	if (l.count == 0) {
		printf("null");
		return;
	}
	printf("{\"avg\": %.3f, \"min\": %.3f, \"max\": %.3f, \"p50\": %.3f, \"p90\": %.3f, "
	       "\"p99\": %.3f, \"p99_9\": %.3f, \"p99_99\": %.3f}",
	       l.mean / 1000.0, (double)l.min / 1000.0, (double)l.max / 1000.0,
	       (double)l.p50 / 1000.0, (double)l.p90 / 1000.0, (double)l.p99 / 1000.0,
	       (double)l.p999 / 1000.0, (double)l.p9999 / 1000.0);
}

/* "read" or "write": that direction's share of the row. */
static void json_dir(const char *name, const struct perf_row *row, uint64_t ios,
		     const struct histogram *h)
{
	const struct perf_stats *st = &row->st;
	uint64_t bytes = st->ios ? st->bytes / st->ios * ios : 0;
	double secs = row->seconds;

	printf(", \"%s\": {\"ios\": %llu, \"bytes\": %llu, \"iops\": %.1f, \"mib_per_s\": %.2f, "
	       "\"lat_us\": ", name, (unsigned long long)ios, (unsigned long long)bytes,
	       secs > 0 ? (double)ios / secs : 0.0,
	       secs > 0 ? (double)bytes / secs / (1024.0 * 1024.0) : 0.0);
	json_lat_us(h);
	printf(", \"lat_ns\": ");
	json_lat_ns(h);
	printf("}");
}

static void json_row(const struct perf_config *cfg, const struct perf_results *r,
		     const struct perf_row *row, const char *indent, const char *sep)
{
	const struct perf_stats *st = &row->st;
	struct perf_figures f;

	perf_row_figures(row, r->hz, &f);
	printf("%s{\"name\": ", indent);
	json_str(row->name);
	printf(", \"ios\": %llu, \"iops\": %.1f, \"mib_per_s\": %.2f", (unsigned long long)st->ios,
	       f.iops, f.mibs);
	if (row->thread >= 0)
		printf(", \"thread\": %d, \"core\": %d", row->thread, row->core);
	printf(", \"seconds\": %.6f, \"reads\": %llu, \"writes\": %llu", row->seconds,
	       (unsigned long long)st->reads, (unsigned long long)st->writes);
	printf(", \"lat_us\": {\"avg\": %.3f, \"min\": %.3f, \"max\": %.3f, \"p50\": %.3f, "
	       "\"p90\": %.3f, \"p99\": %.3f, \"p99_9\": %.3f, \"p99_99\": %.3f}",
	       f.avg_us, f.min_us, f.max_us, f.p50, f.p90, f.p99, f.p999, f.p9999);
	printf(", \"lat_ns\": ");
	json_lat_ns(&st->lat);
	json_dir("read", row, st->reads, &st->lat_dir[0]);
	json_dir("write", row, st->writes, &st->lat_dir[1]);
	if (cfg->cpu_time)
		printf(", \"cpu_ns_per_io\": {\"submit\": %.1f, \"complete\": %.1f, \"total\": %.1f, "
		       "\"skipped_calls\": %llu}", f.submit_ns, f.complete_ns, f.total_ns,
		       (unsigned long long)st->cpu_skipped);
	else
		printf(", \"cpu_ns_per_io\": null");
	printf(", \"doorbells_per_io\": {\"sq\": %.4f, \"cq\": %.4f}", f.sq_db_per_io,
	       f.cq_db_per_io);
	printf(", \"errors\": %llu, \"verified\": %llu, \"verify_failures\": %llu, "
	       "\"pi_verified\": %llu, \"pi_failures\": %llu, \"invalid_completions\": %llu",
	       (unsigned long long)st->errors, (unsigned long long)st->verified,
	       (unsigned long long)st->verify_failures, (unsigned long long)st->pi_verified,
	       (unsigned long long)st->pi_failures, (unsigned long long)st->invalid_cpls);
	if (cfg->latency_detail >= 2)
		json_histogram(&st->lat);
	printf("}%s\n", sep);
}

static void json_pi_flags(uint32_t flags)
{
	bool first = true;

	putchar('[');
	for (int i = 0; i < 4; i++) {
		if ((flags & perf_pi_words[i].flag) == 0)
			continue;
		printf("%s\"%s\"", first ? "" : ", ", perf_pi_words[i].name);
		first = false;
	}
	putchar(']');
}

/* What each namespace's format is and what the tool did with its metadata. */
static void json_formats(const struct perf_layout *l)
{
	printf(", \"namespace_formats\": [");
	for (uint32_t i = 0; i < l->num_ns; i++) {
		const struct perf_fmt *f = &l->ns[i].fmt;

		printf("%s{\"name\": ", i ? ", " : "");
		json_str(l->ns[i].name);
		printf(", \"sector_size\": %u, \"metadata_size\": %u, \"metadata_extended\": %s, "
		       "\"pi_type\": %u, \"pi_first\": %s, \"io_flags\": ", f->sector_size,
		       f->md_size, json_bool(f->md_extended), (unsigned)f->pi_type,
		       json_bool(f->pi_first));
		json_pi_flags(f->io_flags);
		printf(", \"metadata_moved\": %s, \"pi_generated\": %s, \"pi_checked\": %s}",
		       json_bool(f->md_xfer != 0), json_bool(f->pi_generate),
		       json_bool(f->pi_check));
	}
	printf("]");
}

static void json_config(const struct perf_config *cfg, struct pnvme_ctrlr **ctrlrs, int n,
			const struct perf_results *r, const struct perf_layout *l)
{
	printf("  \"config\": {\"workload\": \"%s\", \"queue_depth\": %u, \"io_size\": %u, "
	       "\"read_pct\": %u, \"seconds\": %u, \"warmup_s\": %u, \"max_ios\": %llu, "
	       "\"rate_iops\": %llu, \"open_loop\": %s, \"threads\": %u, \"cores\": [",
	       perf_workload_names[cfg->workload], cfg->queue_depth, cfg->io_size, cfg->read_pct,
	       cfg->seconds, cfg->warmup_s, (unsigned long long)cfg->max_ios,
	       (unsigned long long)cfg->rate, json_bool(cfg->rate != 0), cfg->num_threads);
	for (uint32_t i = 0; i < cfg->num_threads; i++)
		printf("%s%u", i ? ", " : "", cfg->cores[i]);
	printf("], \"qpairs_per_ns\": %u, \"queue_size\": %u, \"status_interval\": %u, "
	       "\"verify\": %s, \"batch\": %s, "
	       "\"shadow_doorbells\": %s, \"cpu_time\": %s, \"latency_detail\": %u, "
	       "\"namespaces\": %u, \"controllers\": [",
	       cfg->qpairs_per_ns, cfg->queue_size, cfg->status_interval, json_bool(cfg->verify),
	       json_bool(cfg->delay_doorbell),
	       json_bool(n > 0 && pnvme_ctrlr_uses_shadow_doorbells(ctrlrs[0])),
	       json_bool(cfg->cpu_time), cfg->latency_detail, r->num_namespaces);
	for (int i = 0; i < n; i++) {
		char buf[512];

		printf("%s", i ? ", " : "");
		json_str(pnvme_trid_str(pnvme_ctrlr_get_trid(ctrlrs[i]), buf, sizeof(buf)));
	}
	printf("], \"dptr_mode\": \"%s\", \"pi_flags\": ", perf_dptr_mode_str(cfg->dptr_mode));
	json_pi_flags(cfg->pi_flags);
	printf(", \"pi_apptag\": %u", PERF_PI_APPTAG);
	json_formats(l);
	printf("},\n");
}

void perf_report_json(const struct perf_config *cfg, const struct perf_results *r,
		      struct pnvme_ctrlr **ctrlrs, int num_ctrlrs, const struct perf_layout *l)
{
	struct timeval now;
	struct tm tm;
	char when[32];

	gettimeofday(&now, NULL);
	gmtime_r(&now.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
	printf("{\n  \"version\": ");
	json_str(pnvme_version());
	printf(",\n  \"timestamp\": %lld,\n  \"timestamp_ms\": %lld,\n  \"time\": \"%s\",\n",
	       (long long)now.tv_sec, (long long)now.tv_sec * 1000 + now.tv_usec / 1000, when);
	json_config(cfg, ctrlrs, num_ctrlrs, r, l);
	printf("  \"elapsed_s\": %.6f,\n  \"namespaces\": [\n", r->seconds);
	for (uint32_t i = 0; i < r->num_ns_rows; i++)
		json_row(cfg, r, &r->ns_rows[i], "    ", i + 1 < r->num_ns_rows ? "," : "");
	printf("  ],\n  \"threads\": [\n");
	for (uint32_t i = 0; i < r->num_threads; i++)
		json_row(cfg, r, &r->thread_rows[i], "    ", i + 1 < r->num_threads ? "," : "");
	printf("  ],\n");
	if (cfg->rate) {
		struct perf_figures f;

		perf_row_figures(&r->total, r->hz, &f);
		printf("  \"rate\": {\"target_iops\": %llu, \"achieved_iops\": %.1f, "
		       "\"behind_ios\": %llu},\n", (unsigned long long)cfg->rate, f.iops,
		       (unsigned long long)r->behind);
	} else {
		printf("  \"rate\": null,\n");
	}
	printf("  \"lost_ios\": %llu,\n  \"errors\": %llu,\n  \"verify_failures\": %llu,\n"
	       "  \"pi_failures\": %llu,\n  \"invalid_completions\": %llu,\n",
	       (unsigned long long)r->lost, (unsigned long long)r->total.st.errors,
	       (unsigned long long)r->total.st.verify_failures,
	       (unsigned long long)r->total.st.pi_failures,
	       (unsigned long long)r->total.st.invalid_cpls);
	printf("  \"total\":\n");
	json_row(cfg, r, &r->total, "  ", "");
	printf("}\n");
}
