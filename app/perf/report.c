/* SPDX-License-Identifier: BSD-3-Clause */
/* pnvme-perf's results for people: a table, with -L percentiles, with -LL histograms. */
#include <stdio.h>
#include <string.h>

#include "perf.h"

const char *perf_fmt_str(const struct perf_fmt *f, char *buf, size_t len)
{
	int o;

	if (f->md_size == 0) {
		snprintf(buf, len, "%u bytes, no metadata", f->sector_size);
		return buf;
	}
	o = snprintf(buf, len, "%u + %u bytes (%s metadata)", f->sector_size, f->md_size,
		     f->md_extended ? "extended" : "separate");
	if (o < 0 || (size_t)o >= len)
		return buf;
	if (f->pi_type == PNVME_PI_NONE)
		snprintf(buf + o, len - (size_t)o, ", no PI");
	else
		snprintf(buf + o, len - (size_t)o, ", PI type %u in the %s 8 bytes", f->pi_type,
			 f->pi_first ? "first" : "last");
	return buf;
}

/* A line per namespace with metadata: its format, and what the tool does with PI. */
static void header_formats(const struct perf_layout *l)
{
	for (uint32_t i = 0; i < l->num_ns; i++) {
		const struct perf_fmt *f = &l->ns[i].fmt;
		char buf[128];

		if (f->md_size == 0)
			continue;
		printf("Namespace %s: %s", l->ns[i].name, perf_fmt_str(f, buf, sizeof(buf)));
		if (f->pi_type != PNVME_PI_NONE)
			printf("; PI %s%s", f->pi_generate ? "written by pnvme-perf" :
				"inserted by the controller (PRACT)",
			       f->pi_check ? ", checked on reads" : "");
		printf("\n");
	}
}

void perf_report_header(const struct perf_config *cfg, struct pnvme_ctrlr **ctrlrs, int n,
			const struct perf_layout *l)
{
	char flags[64];

	for (int i = 0; i < n; i++) {
		const struct pnvme_ctrlr_data *d = pnvme_ctrlr_get_data(ctrlrs[i]);
		int len = (int)sizeof(d->mn);

		while (len > 0 && (d->mn[len - 1] == ' ' || d->mn[len - 1] == '\0'))
			len--;
		printf("Controller %s: %.*s, %u namespace(s), max transfer %u KiB, "
		       "shadow doorbells %s\n",
		       pnvme_ctrlr_get_trid(ctrlrs[i])->traddr, len, (const char *)d->mn,
		       pnvme_ctrlr_get_num_ns(ctrlrs[i]),
		       pnvme_ctrlr_get_max_xfer_size(ctrlrs[i]) / 1024,
		       pnvme_ctrlr_uses_shadow_doorbells(ctrlrs[i]) ? "on" : "off");
	}
	printf("%s", perf_workload_names[cfg->workload]);
	if (cfg->workload == WL_RW || cfg->workload == WL_RANDRW)
		printf(" %u%% reads", cfg->read_pct);
	printf(", %u B, QD %u per qpair, %u qpair(s) per namespace per thread, %u thread(s) on "
	       "CPU", cfg->io_size, cfg->queue_depth, cfg->qpairs_per_ns, cfg->num_threads);
	for (uint32_t i = 0; i < cfg->num_threads; i++)
		printf("%s%u", i ? "," : " ", cfg->cores[i]);
	printf(", %u s", cfg->seconds);
	if (cfg->warmup_s)
		printf(" after %u s warm-up", cfg->warmup_s);
	if (cfg->max_ios)
		printf(" or %llu I/Os", (unsigned long long)cfg->max_ios);
	if (cfg->rate)
		printf(", open loop at %llu IOPS", (unsigned long long)cfg->rate);
	else
		printf(", closed loop");
	printf("%s%s", cfg->verify ? ", verify" : "", cfg->delay_doorbell ? ", batch" : "");
	printf(", data pointers %s, PI flags %s\n", perf_dptr_mode_str(cfg->dptr_mode),
	       perf_pi_flags_str(cfg->pi_flags, flags, sizeof(flags)));
	header_formats(l);
}

static int name_width(const struct perf_results *r)
{
	int w = 9;

	for (uint32_t i = 0; i < r->num_ns_rows; i++) {
		int len = (int)strlen(r->ns_rows[i].name);

		if (len > w)
			w = len;
	}
	return w;
}

static void core_col(const struct perf_row *row)
{
	if (row->core >= 0)
		printf("%4d ", row->core);
	else
		printf("%4s ", "");
}

static void table_row(const struct perf_config *cfg, const struct perf_row *row, uint64_t hz,
		      int w)
{
	struct perf_figures f;

	perf_row_figures(row, hz, &f);
	core_col(row);
	printf("%-*s %11.1f %9.2f %8.2f %8.2f %8.2f %8.2f %9.2f %9.2f", w, row->name, f.iops,
	       f.mibs, f.avg_us, f.min_us, f.p50, f.p99, f.p999, f.max_us);
	if (cfg->cpu_time)
		printf(" %7.0f %7.0f\n", f.submit_ns, f.complete_ns);
	else
		printf(" %7s %7s\n", "-", "-");
}

static void percentile_row(const struct perf_row *row, uint64_t hz, int w)
{
	struct perf_figures f;

	perf_row_figures(row, hz, &f);
	core_col(row);
	printf("%-*s %10.2f %10.2f %10.2f %10.2f %10.2f %10.2f\n", w, row->name, f.p50, f.p90,
	       f.p99, f.p999, f.p9999, f.max_us);
}

static void histogram_rows(const struct perf_row *row)
{
	const struct histogram *h = &row->st.lat;
	uint64_t cum = 0;

	if (row->core >= 0)
		printf("\nLatency histogram: %s on CPU %d (us: from, below, count, %%, cumulative %%)\n",
		       row->name, row->core);
	else
		printf("\nLatency histogram: %s (us: from, below, count, %%, cumulative %%)\n",
		       row->name);
	if (h->count == 0) {
		printf("  (no I/O)\n");
		return;
	}
	for (uint32_t b = 0; b < HIST_BUCKETS; b++) {
		uint64_t lo, hi;

		if (h->buckets[b] == 0)
			continue;
		hist_bucket_range(b, &lo, &hi);
		cum += h->buckets[b];
		printf("  %12.3f %12.3f %10llu %7.3f%% %8.3f%%\n", (double)lo / 1000.0,
		       ((double)hi + 1.0) / 1000.0, (unsigned long long)h->buckets[b],
		       100.0 * (double)h->buckets[b] / (double)h->count,
		       100.0 * (double)cum / (double)h->count);
	}
}

/* -LLL: where each round trip went, over every measured I/O. */
static void phase_rows(const struct perf_stats *st)
{
	static const char *const names[3] = {
		[PERF_PHASE_TO_DOORBELL] = "submit -> SQ doorbell",
		[PERF_PHASE_DEVICE] = "doorbell -> CQE seen",
		[PERF_PHASE_TO_CALLBACK] = "CQE seen -> callback",
	};

	printf("\nRound trip in phases (us; -LLL)\n%-22s %9s %9s %9s %9s %9s %9s\n", "phase",
	       "mean", "p50", "p90", "p99", "p99.9", "max");
	for (int i = 0; i < 3; i++) {
		const struct histogram *h = &st->phase[i];

		printf("%-22s %9.3f %9.3f %9.3f %9.3f %9.3f %9.3f\n", names[i],
		       h->count ? (double)h->sum / (double)h->count / 1000.0 : 0.0,
		       (double)hist_percentile(h, 50) / 1000.0,
		       (double)hist_percentile(h, 90) / 1000.0,
		       (double)hist_percentile(h, 99) / 1000.0,
		       (double)hist_percentile(h, 99.9) / 1000.0, (double)h->max / 1000.0);
	}
	printf("SQ doorbell: the end of the submission call, or of the poll whose callback "
	       "submitted (after that poll's CQ head doorbell too);\nCQE seen: the start of the "
	       "poll that ran the callback (one poll's resolution)\n");
}

void perf_report_table(const struct perf_config *cfg, const struct perf_results *r)
{
	int w = name_width(r);
	bool thread_rows = r->num_threads > 1 && r->num_namespaces > 1;

	printf("\n%4s %-*s %11s %9s %8s %8s %8s %8s %9s %9s %7s %7s\n", "CPU", w, "Namespace",
	       "IOPS", "MiB/s", "avg(us)", "min(us)", "p50(us)", "p99(us)", "p99.9(us)", "max(us)",
	       "sub(ns)", "cpl(ns)");
	for (uint32_t i = 0; i < r->num_ns_rows; i++)
		table_row(cfg, &r->ns_rows[i], r->hz, w);
	for (uint32_t i = 0; thread_rows && i < r->num_threads; i++)
		table_row(cfg, &r->thread_rows[i], r->hz, w);
	table_row(cfg, &r->total, r->hz, w);
	if (cfg->cpu_time)
		printf("sub/cpl: the driver's CPU time per I/O, inside pnvme_ns_cmd_read/write and "
		       "inside\npnvme_qpair_process_completions() less the callbacks (%llu calls "
		       "over %d us left out)\n", (unsigned long long)r->total.st.cpu_skipped,
		       PERF_CPU_LIMIT_US);
	{
		struct perf_figures f;

		perf_row_figures(&r->total, r->hz, &f);
		printf("MMIO doorbell writes per I/O: SQ %.3f, CQ %.3f\n", f.sq_db_per_io,
		       f.cq_db_per_io);
	}

	if (cfg->latency_detail >= 1) {
		printf("\nLatency percentiles (us)\n%4s %-*s %10s %10s %10s %10s %10s %10s\n", "CPU", w,
		       "Namespace", "p50", "p90", "p99", "p99.9", "p99.99", "max");
		for (uint32_t i = 0; i < r->num_ns_rows; i++)
			percentile_row(&r->ns_rows[i], r->hz, w);
		for (uint32_t i = 0; thread_rows && i < r->num_threads; i++)
			percentile_row(&r->thread_rows[i], r->hz, w);
		percentile_row(&r->total, r->hz, w);
	}
	if (cfg->latency_detail >= 2) {
		for (uint32_t i = 0; r->num_ns_rows > 1 && i < r->num_ns_rows; i++)
			histogram_rows(&r->ns_rows[i]);
		histogram_rows(&r->total);
	}
	if (cfg->latency_detail >= 3)
		phase_rows(&r->total.st);
	printf("\n%llu I/Os in %.3f s (%llu reads, %llu writes)\n",
	       (unsigned long long)r->total.st.ios, r->seconds,
	       (unsigned long long)r->total.st.reads, (unsigned long long)r->total.st.writes);
	if (cfg->rate) {
		struct perf_figures f;

		perf_row_figures(&r->total, r->hz, &f);
		printf("open loop: %llu IOPS asked, %.1f achieved; %llu scheduled I/Os not submitted "
		       "by the end (device or tool behind)\n", (unsigned long long)cfg->rate, f.iops,
		       (unsigned long long)r->behind);
	}
	if (cfg->verify)
		printf("verify: %llu reads checked, %llu mismatches\n",
		       (unsigned long long)r->total.st.verified,
		       (unsigned long long)r->total.st.verify_failures);
	if (cfg->verify && (r->pi_checked || r->total.st.pi_verified != 0))
		printf("protection information: %llu reads checked, %llu mismatches\n",
		       (unsigned long long)r->total.st.pi_verified,
		       (unsigned long long)r->total.st.pi_failures);
	if (r->total.st.errors != 0)
		printf("I/O errors: %llu\n", (unsigned long long)r->total.st.errors);
	if (r->total.st.invalid_cpls != 0)
		printf("invalid completions: %llu (dropped by the driver: CID not outstanding, or a "
		       "duplicate)\n", (unsigned long long)r->total.st.invalid_cpls);
}
