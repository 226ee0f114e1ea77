/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme-perf: one thread keeps a queue depth of I/O in flight on every active
 * namespace of the controllers given, and reports IOPS, bandwidth and latency.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "perf.h"

#define MAX_CTRLRS 16
#define MAX_WORKERS 64

static struct pnvme_ctrlr *g_ctrlrs[MAX_CTRLRS];
static int g_num_ctrlrs;
static struct perf_worker g_workers[MAX_WORKERS];
static int g_num_workers;
static volatile sig_atomic_t g_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	g_interrupted = 1;
}

static void attach_cb(void *ctx, const struct pnvme_trid *trid, struct pnvme_ctrlr *ctrlr)
{
	(void)ctx;
	(void)trid;
	if (g_num_ctrlrs < MAX_CTRLRS)
		g_ctrlrs[g_num_ctrlrs++] = ctrlr;
	else
		pnvme_detach(ctrlr);
}

static bool probe_cb(void *ctx, const struct pnvme_trid *trid, struct pnvme_ctrlr_opts *opts)
{
	const struct perf_config *cfg = ctx;

	(void)trid;
	opts->shadow_doorbells = !cfg->no_shadow_doorbells;
	return g_num_ctrlrs < MAX_CTRLRS;
}

static int attach_controllers(const struct perf_config *cfg)
{
	struct pnvme_ctrlr_opts opts;
	int rc;

	pnvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.shadow_doorbells = !cfg->no_shadow_doorbells;
	for (int i = 0; i < cfg->num_trids; i++) {
		struct pnvme_ctrlr *c;

		rc = pnvme_connect(cfg->trids[i], &opts, &c);
		if (rc != 0) {
			fprintf(stderr, "pnvme-perf: cannot attach '%s': %s\n", cfg->trids[i],
				strerror(-rc));
			return rc;
		}
		attach_cb(NULL, NULL, c);
	}
	if (cfg->num_trids > 0)
		return 0;
	/* No -r: every controller bound to vfio-pci, else the software controller. */
	rc = pnvme_probe(NULL, (void *)cfg, probe_cb, attach_cb);
	if (rc > 0) {
		fprintf(stderr, "pnvme-perf: using %d controller(s) bound to vfio-pci\n", rc);
		return 0;
	}
	fprintf(stderr, "pnvme-perf: no controller bound to vfio-pci%s; using the software "
			"controller (trtype:sim)\n", rc < 0 ? " could be attached" : "");
	rc = pnvme_connect("trtype:sim", &opts, &g_ctrlrs[0]);
	if (rc != 0) {
		fprintf(stderr, "pnvme-perf: cannot attach trtype:sim: %s\n", strerror(-rc));
		return rc;
	}
	g_num_ctrlrs = 1;
	return 0;
}

static int make_workers(const struct perf_config *cfg)
{
	for (int i = 0; i < g_num_ctrlrs; i++) {
		struct pnvme_ctrlr *c = g_ctrlrs[i];

		for (uint32_t id = pnvme_ctrlr_get_first_active_ns(c); id != 0;
		     id = pnvme_ctrlr_get_next_active_ns(c, id)) {
			struct perf_worker *w = &g_workers[g_num_workers];
			int rc;

			if (g_num_workers == MAX_WORKERS)
				return 0;
			rc = perf_worker_init(w, cfg, c, pnvme_ctrlr_get_ns(c, id),
					      0x5eed0000u + (uint64_t)g_num_workers * 7919);
			g_num_workers++;
			if (rc != 0)
				return rc;
		}
	}
	if (g_num_workers == 0) {
		fprintf(stderr, "pnvme-perf: no active namespace on the controllers given\n");
		return -ENODEV;
	}
	return 0;
}

static void run(const struct perf_config *cfg, double *elapsed)
{
	uint64_t hz = pnvme_ticks_hz(), start = pnvme_ticks();
	uint64_t end = start + cfg->seconds * hz, next_admin = start, next_progress = start + hz;
	bool progress = isatty(STDERR_FILENO) && !cfg->json;
	uint64_t now = start, last_ios = 0;

	for (int i = 0; i < g_num_workers; i++)
		perf_worker_start(&g_workers[i]);
	while (now < end && !g_interrupted) {
		uint64_t done = 0;

		for (int i = 0; i < g_num_workers; i++) {
			pnvme_qpair_process_completions(g_workers[i].qpair, 0);
			done += g_workers[i].ios + g_workers[i].errors;
		}
		now = pnvme_ticks();
		if (cfg->max_ios != 0 && done >= cfg->max_ios)
			break;
		if (now >= next_admin) {
			for (int i = 0; i < g_num_ctrlrs; i++)
				pnvme_ctrlr_process_admin_completions(g_ctrlrs[i]);
			next_admin = now + hz / 100;
		}
		if (progress && now >= next_progress) {
			uint64_t ios = 0;

			for (int i = 0; i < g_num_workers; i++)
				ios += g_workers[i].ios;
			fprintf(stderr, "\r%5.0f s: %10llu IOPS", (double)(now - start) / (double)hz,
				(unsigned long long)(ios - last_ios));
			last_ios = ios;
			next_progress += hz;
		}
	}
	*elapsed = (double)(now - start) / (double)hz;
	if (progress)
		fprintf(stderr, "\n");
	/* Let what is in flight finish; it is not counted past the end, but checked. */
	for (int i = 0; i < g_num_workers; i++)
		g_workers[i].stopping = true;
	for (int i = 0; i < g_num_workers; i++) {
		while (g_workers[i].in_flight > 0) {
			if (pnvme_qpair_process_completions(g_workers[i].qpair, 0) < 0)
				break;
		}
	}
}

int main(int argc, char **argv)
{
	struct perf_config cfg;
	double elapsed = 0;
	uint64_t errors = 0;
	int rc;

	rc = perf_parse_args(argc, argv, &cfg);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	rc = pnvme_env_init(NULL);
	if (rc != 0) {
		fprintf(stderr, "pnvme-perf: environment failed to start: %s\n", strerror(-rc));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	rc = attach_controllers(&cfg);
	if (rc == 0)
		rc = make_workers(&cfg);
	if (rc == 0) {
		for (int i = 0; i < g_num_ctrlrs; i++) {
			const struct pnvme_ctrlr_data *d = pnvme_ctrlr_get_data(g_ctrlrs[i]);

			if (!cfg.json)
				printf("Controller %s: %.40s, %u namespace(s), max transfer %u KiB, "
				       "shadow doorbells %s\n",
				       pnvme_ctrlr_get_trid(g_ctrlrs[i])->traddr, d->mn,
				       pnvme_ctrlr_get_num_ns(g_ctrlrs[i]),
				       pnvme_ctrlr_get_max_xfer_size(g_ctrlrs[i]) / 1024,
				       pnvme_ctrlr_uses_shadow_doorbells(g_ctrlrs[i]) ? "on" : "off");
		}
		run(&cfg, &elapsed);
		perf_report(&cfg, g_workers, g_num_workers, elapsed > 0 ? elapsed : 1,
			    pnvme_ticks_hz());
		for (int i = 0; i < g_num_workers; i++)
			errors += g_workers[i].errors + g_workers[i].verify_failures;
	}
	for (int i = 0; i < g_num_workers; i++)
		perf_worker_fini(&g_workers[i]);
	for (int i = 0; i < g_num_ctrlrs; i++)
		pnvme_detach(g_ctrlrs[i]);
	if (rc == -EINVAL)
		return 2;
	return rc != 0 || errors != 0 ? 1 : 0;
}
