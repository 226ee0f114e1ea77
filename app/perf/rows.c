/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Results: slots merged into one row per thread and namespace, one per
 * thread, and the total; and a row's figures in the units reports print.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"

static void stats_add(struct perf_stats *d, const struct perf_stats *s)
{
	d->ios += s->ios;
	d->reads += s->reads;
	d->writes += s->writes;
	d->bytes += s->bytes;
	d->errors += s->errors;
	d->verified += s->verified;
	d->verify_failures += s->verify_failures;
	d->pi_verified += s->pi_verified;
	d->pi_failures += s->pi_failures;
	d->submit_ticks += s->submit_ticks;
	d->submits += s->submits;
	d->complete_ticks += s->complete_ticks;
	d->completes += s->completes;
	d->cpu_skipped += s->cpu_skipped;
	d->sq_doorbells += s->sq_doorbells;
	d->cq_doorbells += s->cq_doorbells;
	d->invalid_cpls += s->invalid_cpls;
	hist_merge(&d->lat, &s->lat);
	hist_merge(&d->lat_dir[0], &s->lat_dir[0]);
	hist_merge(&d->lat_dir[1], &s->lat_dir[1]);
	for (int i = 0; i < 3; i++)
		hist_merge(&d->phase[i], &s->phase[i]);
}

void perf_stats_hist_init(struct perf_stats *st)
{
	hist_init(&st->lat);
	hist_init(&st->lat_dir[0]);
	hist_init(&st->lat_dir[1]);
	for (int i = 0; i < 3; i++)
		hist_init(&st->phase[i]);
}

static void row_init(struct perf_row *r, int thread, int core, int ns_index, double seconds)
{
	memset(r, 0, offsetof(struct perf_row, st) + offsetof(struct perf_stats, lat));
	perf_stats_hist_init(&r->st);
	r->thread = thread;
	r->core = core;
	r->ns_index = ns_index;
	r->seconds = seconds;
}

/* A slot's counters with the figures the hot path leaves out filled in. */
static void slot_stats(const struct perf_slot *s, struct perf_stats *out)
{
	struct pnvme_qpair_stats q;

	*out = s->st;
	hist_init(&out->lat);
	hist_merge(&out->lat, &s->st.lat_dir[0]);
	hist_merge(&out->lat, &s->st.lat_dir[1]);
	out->writes = s->st.ios - s->st.reads;
	out->bytes = s->st.ios * s->sectors_per_io * s->sector_size;
	out->invalid_cpls = 0;
	if (s->qpair != NULL) {
		pnvme_qpair_get_stats(s->qpair, &q);
		out->invalid_cpls = q.invalid_completions;
	}
}

int perf_results_build(struct perf_results *r, struct perf_thread *th, uint32_t n,
		       uint32_t num_namespaces, uint64_t hz)
{
	struct perf_stats *tmp;

	memset(r, 0, offsetof(struct perf_results, total));
	r->hz = hz;
	r->pi_checked = false;
	r->num_threads = n;
	r->num_namespaces = num_namespaces;
	r->num_ns_rows = n * num_namespaces;
	r->ns_rows = malloc(r->num_ns_rows * sizeof(*r->ns_rows));
	r->thread_rows = malloc(n * sizeof(*r->thread_rows));
	tmp = malloc(sizeof(*tmp));
	if (r->ns_rows == NULL || r->thread_rows == NULL || tmp == NULL) {
		free(tmp);
		perf_results_free(r);
		return -ENOMEM;
	}
	r->seconds = 0;
	r->lost = 0;
	r->behind = 0;
	for (uint32_t t = 0; t < n; t++) {
		double secs = (double)(th[t].t_finish - th[t].t_measure) / (double)hz;

		if (th[t].t_finish < th[t].t_measure)
			secs = 0;
		if (secs > r->seconds)
			r->seconds = secs;
		r->lost += th[t].lost;
		r->behind += th[t].behind;
		row_init(&r->thread_rows[t], (int)t, th[t].core, -1, secs);
		snprintf(r->thread_rows[t].name, sizeof(r->thread_rows[t].name), "thread %u", t);
		for (uint32_t j = 0; j < num_namespaces; j++) {
			struct perf_row *row = &r->ns_rows[t * num_namespaces + j];

			row_init(row, (int)t, th[t].core, (int)j, secs);
		}
		for (uint32_t i = 0; i < th[t].num_slots; i++) {
			const struct perf_slot *s = &th[t].slots[i];
			struct perf_row *row = &r->ns_rows[t * num_namespaces + s->ns_index];

			snprintf(row->name, sizeof(row->name), "%s", s->name);
			slot_stats(s, tmp);
			stats_add(&row->st, tmp);
			stats_add(&r->thread_rows[t].st, tmp);
		}
	}
	row_init(&r->total, -1, -1, -1, r->seconds);
	snprintf(r->total.name, sizeof(r->total.name), "Total");
	for (uint32_t t = 0; t < n; t++)
		stats_add(&r->total.st, &r->thread_rows[t].st);
	r->total.st.errors += r->lost;
	free(tmp);
	return 0;
}

void perf_results_free(struct perf_results *r)
{
	free(r->ns_rows);
	free(r->thread_rows);
	r->ns_rows = NULL;
	r->thread_rows = NULL;
}

static double ns_to_us(uint64_t ns)
{
	return (double)ns / 1000.0;
}

void perf_lat_figures(const struct histogram *h, struct perf_lat *l)
{
	memset(l, 0, sizeof(*l));
	l->count = h->count;
	if (h->count == 0)
		return;
	l->min = h->min;
	l->max = h->max;
	l->mean = (double)h->sum / (double)h->count;
	l->p50 = hist_percentile_ppm(h, 500000);
	l->p90 = hist_percentile_ppm(h, 900000);
	l->p99 = hist_percentile_ppm(h, 990000);
	l->p999 = hist_percentile_ppm(h, 999000);
	l->p9999 = hist_percentile_ppm(h, 999900);
}

void perf_row_figures(const struct perf_row *row, uint64_t hz, struct perf_figures *f)
{
	const struct perf_stats *st = &row->st;
	const struct histogram *h = &st->lat;
	double ns_per_tick = 0;

	memset(f, 0, sizeof(*f));
	if (row->seconds > 0) {
		f->iops = (double)st->ios / row->seconds;
		f->mibs = (double)st->bytes / row->seconds / (1024.0 * 1024.0);
	}
	if (h->count != 0) {
		f->avg_us = (double)h->sum / (double)h->count / 1000.0;
		f->min_us = ns_to_us(h->min);
		f->max_us = ns_to_us(h->max);
		f->p50 = ns_to_us(hist_percentile_ppm(h, 500000));
		f->p90 = ns_to_us(hist_percentile_ppm(h, 900000));
		f->p99 = ns_to_us(hist_percentile_ppm(h, 990000));
		f->p999 = ns_to_us(hist_percentile_ppm(h, 999000));
		f->p9999 = ns_to_us(hist_percentile_ppm(h, 999900));
	}
	if (st->ios != 0) {
		f->sq_db_per_io = (double)st->sq_doorbells / (double)st->ios;
		f->cq_db_per_io = (double)st->cq_doorbells / (double)st->ios;
	}
	ns_per_tick = hz ? 1e9 / (double)hz : 0;
	if (st->submits != 0)
		f->submit_ns = (double)st->submit_ticks * ns_per_tick / (double)st->submits;
	if (st->completes != 0)
		f->complete_ns = (double)st->complete_ticks * ns_per_tick / (double)st->completes;
	f->total_ns = f->submit_ns + f->complete_ns;
}
