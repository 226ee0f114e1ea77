/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme-perf: worker threads keep I/O in flight on every active namespace of
 * the controllers given, each on qpairs of its own, and the tool reports IOPS,
 * bandwidth, latency and the driver's CPU time per I/O.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"

#define MAX_CTRLRS 16

static struct pnvme_ctrlr *g_ctrlrs[MAX_CTRLRS];
static int g_num_ctrlrs;
static struct perf_layout g_layout;
static volatile sig_atomic_t g_interrupted;

static void on_signal(int sig)
{
	(void)sig;
	g_interrupted = 1;
}

/*
 * A completion for a command that was not outstanding, or a second one for
 * the same command: the device broke the protocol, so nothing it reported in
 * this run can be trusted. One line names the first row that saw it.
 */
static void report_invalid(const struct perf_results *r)
{
	const char *where = "?";
	uint32_t rows = 0;

	for (uint32_t i = 0; i < r->num_ns_rows; i++) {
		if (r->ns_rows[i].st.invalid_cpls == 0)
			continue;
		if (rows++ == 0)
			where = r->ns_rows[i].name;
	}
	fprintf(stderr, "pnvme-perf: the device broke the protocol: %llu invalid completion(s) "
			"(CID not outstanding, or a duplicate) on %s%s; the run failed\n",
		(unsigned long long)r->total.st.invalid_cpls, where, rows > 1 ? " and others" : "");
}

/* Run the workers to the end and report; the exit status. */
static int run_and_report(const struct perf_config *cfg, struct perf_run *run)
{
	struct perf_results res;
	uint64_t bad;
	int rc;

	rc = perf_threads_start(run, g_layout.threads, g_layout.num_threads);
	if (rc != 0)
		return PERF_EXIT_FAILED;
	perf_wait(run, g_layout.threads, g_layout.num_threads, &g_interrupted);
	perf_threads_join(g_layout.threads, g_layout.num_threads);
	if (g_interrupted)
		fprintf(stderr, "pnvme-perf: interrupted: the results cover the time until then\n");
	if (perf_results_build(&res, g_layout.threads, g_layout.num_threads, g_layout.num_ns,
			       run->hz) != 0) {
		fprintf(stderr, "pnvme-perf: out of memory for the results\n");
		return PERF_EXIT_FAILED;
	}
	res.pi_checked = perf_layout_checks_pi(&g_layout);
	if (cfg->json)
		perf_report_json(cfg, &res, g_ctrlrs, g_num_ctrlrs, &g_layout);
	else
		perf_report_table(cfg, &res);
	fflush(stdout);
	bad = res.total.st.errors + res.total.st.verify_failures + res.total.st.pi_failures;
	if (res.total.st.invalid_cpls != 0) {
		report_invalid(&res);
		bad++;
	}
	perf_results_free(&res);
	for (int i = 0; i < g_num_ctrlrs; i++) {
		if (pnvme_ctrlr_is_failed(g_ctrlrs[i])) {
			fprintf(stderr, "pnvme-perf: controller %s failed during the run\n",
				pnvme_ctrlr_get_trid(g_ctrlrs[i])->traddr);
			bad++;
		}
	}
	return bad != 0 ? PERF_EXIT_FAILED : PERF_EXIT_OK;
}

int main(int argc, char **argv)
{
	static struct perf_config cfg;
	struct perf_run run;
	int rc;

	rc = perf_parse_args(argc, argv, &cfg);
	if (rc == PERF_ARGS_HELP)
		return PERF_EXIT_OK;
	if (rc != PERF_ARGS_RUN)
		return PERF_EXIT_USAGE;
	rc = pnvme_env_init(NULL);
	if (rc != 0) {
		fprintf(stderr, "pnvme-perf: environment failed to start: %s\n", strerror(-rc));
		return PERF_EXIT_FAILED;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	memset(&run, 0, sizeof(run));
	run.cfg = &cfg;
	run.hz = pnvme_ticks_hz();
	run.ns_mult = (uint64_t)(((unsigned __int128)1000000000u << 32) / run.hz);
	run.num_threads = cfg.num_threads;
	run.ctrlrs = g_ctrlrs;
	rc = perf_attach(&cfg, g_ctrlrs, MAX_CTRLRS, &g_num_ctrlrs);
	run.num_ctrlrs = g_num_ctrlrs;
	if (rc != 0)
		rc = rc == -EINVAL ? PERF_EXIT_USAGE : PERF_EXIT_FAILED;
	else
		rc = perf_layout_build(&g_layout, &cfg, &run, g_ctrlrs, g_num_ctrlrs);
	if (rc == 0) {
		if (!cfg.json)
			perf_report_header(&cfg, g_ctrlrs, g_num_ctrlrs, &g_layout);
		fflush(stdout);
		rc = run_and_report(&cfg, &run);
	}
	perf_layout_free(&g_layout);
	for (int i = 0; i < g_num_ctrlrs; i++)
		pnvme_detach(g_ctrlrs[i]);
	return rc;
}
