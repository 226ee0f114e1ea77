/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The main thread while the workers run: admin completions (keep-alive) every
 * 10 ms, stop requests, and progress on stderr: a line rewritten in place each
 * second when stderr is a terminal, or with --status-interval N one whole line
 * every N seconds, into a pipe or file too. Set-up polls the admin queues
 * through perf_poll_admin() too.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "perf.h"

static void progress_line(const struct perf_run *run, struct perf_thread *th, uint32_t n,
			  uint64_t now, uint64_t *last_done, uint64_t *last_tick, bool whole)
{
	uint64_t done = 0, errors = 0;
	double dt = (double)(now - *last_tick) / (double)run->hz, iops;
	int state = atomic_load_explicit(&th[0].pub_state, memory_order_acquire);

	for (uint32_t i = 0; i < n; i++) {
		done += atomic_load_explicit(&th[i].pub_done, memory_order_relaxed);
		errors += atomic_load_explicit(&th[i].pub_errors, memory_order_relaxed);
	}
	iops = dt > 0 ? (double)(done - *last_done) / dt : 0;
	fprintf(stderr, "%s%5.0f s %-8s %12.0f IOPS %10.1f MiB/s %8llu errors%s", whole ? "" : "\r",
		(double)(now - run->t_start) / (double)run->hz,
		state == PERF_TH_WARMUP ? "warm-up" : state == PERF_TH_MEASURE ? "running" : "ending",
		iops, iops * run->cfg->io_size / (1024.0 * 1024.0), (unsigned long long)errors,
		whole ? "\n" : "");
	fflush(stderr);
	*last_done = done;
	*last_tick = now;
}

void perf_poll_admin(struct perf_run *run)
{
	uint64_t now = pnvme_ticks();

	if (now < run->next_admin)
		return;
	for (int i = 0; i < run->num_ctrlrs; i++)
		pnvme_ctrlr_process_admin_completions(run->ctrlrs[i]);
	run->next_admin = now + run->hz / 100;
}

void perf_wait(struct perf_run *run, struct perf_thread *th, uint32_t n,
	       volatile sig_atomic_t *interrupted)
{
	const struct timespec nap = {0, 1000000};
	bool whole = run->cfg->status_interval != 0;
	bool show = whole || isatty(STDERR_FILENO) == 1, printed = false;
	uint64_t hz = run->hz, start = run->t_start;
	uint64_t every = whole ? hz * run->cfg->status_interval : hz;
	uint64_t next_progress = start + every, last_done = 0, last_tick = start;

	for (;;) {
		uint32_t done = 0;
		uint64_t now;

		for (uint32_t i = 0; i < n; i++)
			done += atomic_load_explicit(&th[i].pub_state, memory_order_acquire) ==
				PERF_TH_DONE;
		if (done == n)
			break;
		if (*interrupted)
			atomic_store_explicit(&run->stop, 1, memory_order_relaxed);
		perf_poll_admin(run);
		now = pnvme_ticks();
		if (show && now >= next_progress) {
			progress_line(run, th, n, now, &last_done, &last_tick, whole);
			printed = !whole;
			next_progress += every;
		}
		nanosleep(&nap, NULL);
	}
	if (printed)
		fputc('\n', stderr);
}
