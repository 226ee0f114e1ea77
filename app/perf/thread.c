/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker threads: each pinned to its CPU, each alone on its slots' qpairs.
 * The loop submits (every free task in closed loop, the I/O that are due in
 * open loop), polls each qpair, and once a millisecond looks at the clock
 * for the warm-up's end, the run's end and a stop request.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>

#include "perf.h"

/* How long in-flight I/O may take to finish after the end before it counts as lost. */
#define DRAIN_TIMEOUT_S 10

static __attribute__((noinline, cold)) void slot_failed(struct perf_slot *s, int32_t rc)
{
	if (!s->dead)
		fprintf(stderr, "pnvme-perf: %s: polling failed: %s\n", s->name, strerror(-rc));
	s->dead = true;
}

/* Submit what may go now; returns the tick after it when anything went. */
static inline uint64_t refill(struct perf_thread *th, struct perf_slot *s, uint64_t now)
{
	if (!th->open_loop) {
		while (s->num_free != 0 && th->submitting && !s->dead) {
			if (perf_slot_submit_free(s, 0) != 0)
				break;
		}
		return pnvme_ticks();
	}
	if (s->sched.next > now)
		return now;
	/* Everything due, in schedule order; what is late keeps its scheduled time. */
	while (s->num_free != 0 && th->submitting && !s->dead && s->sched.next <= now) {
		if (perf_slot_submit_free(s, s->sched.next) != 0)
			break;
		rate_advance(&s->sched);
	}
	return pnvme_ticks();
}

/* Poll one qpair; t0 is the tick just before. Returns the tick after. */
static inline uint64_t poll(struct perf_thread *th, struct perf_slot *s, uint64_t t0)
{
	uint64_t cb = s->cb_ticks, t1;
	int32_t n;

	/* -LLL's "CQE seen": this poll's own start (t0 can be older: housekeeping ran since). */
	if (perf_unlikely(s->phases))
		s->poll_tick = pnvme_ticks();
	n = pnvme_qpair_process_completions(s->qpair, 0);
	t1 = pnvme_ticks();
	if (perf_unlikely(s->phases))
		perf_phases_poll_done(s, s->poll_tick, t1);
	if (n > 0) {
		if (th->cpu_time) {
			/* The driver's share: the poll minus our callbacks (and what they submit). */
			uint64_t d = (t1 - t0) - (s->cb_ticks - cb);

			if (perf_likely(d < th->cpu_limit)) {
				s->st.complete_ticks += d;
				s->st.completes += (uint64_t)n;
			} else {
				s->st.cpu_skipped++;
			}
		}
	} else if (perf_unlikely(n < 0)) {
		slot_failed(s, n);
	}
	return t1;
}

static void publish(struct perf_thread *th)
{
	uint64_t done = 0, errors = 0;

	for (uint32_t i = 0; i < th->num_slots; i++) {
		done += th->slots[i].done;
		errors += th->slots[i].st.errors + th->slots[i].st.verify_failures +
			  th->slots[i].st.pi_failures;
	}
	atomic_store_explicit(&th->pub_done, done, memory_order_relaxed);
	atomic_store_explicit(&th->pub_errors, errors, memory_order_relaxed);
	atomic_store_explicit(&th->pub_state, (int)th->state, memory_order_release);
}

static void start_measuring(struct perf_thread *th, uint64_t now)
{
	for (uint32_t i = 0; i < th->num_slots; i++)
		perf_slot_reset_stats(&th->slots[i]);
	th->measuring = true;
	th->t_measure = now;
	th->state = PERF_TH_MEASURE;
}

static void start_draining(struct perf_thread *th, uint64_t now)
{
	th->submitting = false;
	th->state = PERF_TH_DRAIN;
	for (uint32_t i = 0; i < th->num_slots; i++)
		perf_slot_count_doorbells(&th->slots[i]);
	th->t_drain_deadline = now + DRAIN_TIMEOUT_S * th->run->hz;
	if (th->t_measure == 0)
		th->t_measure = now; /* stopped during the warm-up: nothing measured */
	if (th->open_loop && th->quota != 0) {
		for (uint32_t i = 0; i < th->num_slots; i++)
			th->behind += rate_backlog(&th->slots[i].sched, now);
	}
}

/* The clock, stop requests and the end; true when the thread is done. */
static bool housekeeping(struct perf_thread *th, uint64_t now)
{
	struct perf_run *run = th->run;
	uint32_t in_flight = 0, alive = 0;

	for (uint32_t i = 0; i < th->num_slots; i++) {
		in_flight += th->slots[i].in_flight;
		alive += !th->slots[i].dead;
	}
	if (now >= th->next_event) {
		th->next_event = now + run->hz / 1000;
		if (th->state == PERF_TH_WARMUP && now >= th->t_warm_end)
			start_measuring(th, now);
		if (th->state <= PERF_TH_MEASURE &&
		    (now >= th->t_end || atomic_load_explicit(&run->stop, memory_order_relaxed)))
			start_draining(th, now);
		publish(th);
	}
	if (th->state <= PERF_TH_MEASURE && (!th->submitting || alive == 0))
		start_draining(th, now);
	if (th->state != PERF_TH_DRAIN)
		return false;
	if (in_flight == 0) {
		th->t_finish = now;
		return true;
	}
	if (now >= th->t_drain_deadline) {
		fprintf(stderr, "pnvme-perf: thread %u: %u I/Os did not complete within %d s of the "
				"end; counted as errors\n", th->index, in_flight, DRAIN_TIMEOUT_S);
		th->lost = in_flight;
		th->abandoned = true;
		th->t_finish = now;
		return true;
	}
	return false;
}

static void *thread_main(void *arg)
{
	struct perf_thread *th = arg;
	struct perf_run *run = th->run;
	const struct perf_config *cfg = run->cfg;
	uint64_t now, start;
	char name[16];
	int go;

	snprintf(name, sizeof(name), "perf-worker%u", th->index);
	pthread_setname_np(pthread_self(), name);
	while ((go = atomic_load_explicit(&run->go, memory_order_acquire)) == 0)
		sched_yield();
	if (go < 0)
		return NULL;
	start = run->t_start;
	th->t_warm_end = start + cfg->warmup_s * run->hz;
	th->t_end = th->t_warm_end + cfg->seconds * run->hz;
	th->next_event = start;
	if (cfg->warmup_s == 0) {
		th->measuring = true;
		th->t_measure = start;
		th->state = PERF_TH_MEASURE;
	} else {
		th->state = PERF_TH_WARMUP;
	}
	for (uint32_t i = 0; i < th->num_slots && th->open_loop; i++)
		rate_init(&th->slots[i].sched, start, run->hz, cfg->rate,
			  run->num_threads * th->num_slots, th->index * th->num_slots + i);
	th->submitting = th->quota != 0;
	while ((now = pnvme_ticks()) < start)
		;
	for (;;) {
		for (uint32_t i = 0; i < th->num_slots; i++) {
			struct perf_slot *s = &th->slots[i];

			if (s->num_free != 0 && th->submitting && !s->dead)
				now = refill(th, s, now);
			now = poll(th, s, now);
		}
		if (perf_unlikely(now >= th->next_event || !th->submitting)) {
			if (housekeeping(th, now))
				break;
		}
	}
	th->state = PERF_TH_DONE;
	publish(th);
	return NULL;
}

int perf_threads_start(struct perf_run *run, struct perf_thread *th, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		pthread_attr_t attr;
		cpu_set_t set;
		int rc;

		CPU_ZERO(&set);
		CPU_SET(th[i].core, &set);
		pthread_attr_init(&attr);
		rc = pthread_attr_setaffinity_np(&attr, sizeof(set), &set);
		if (rc == 0)
			rc = pthread_create(&th[i].tid, &attr, thread_main, &th[i]);
		pthread_attr_destroy(&attr);
		if (rc != 0) {
			fprintf(stderr, "pnvme-perf: cannot start a thread on CPU %u: %s\n",
				th[i].core, strerror(rc));
			atomic_store_explicit(&run->go, -1, memory_order_release);
			perf_threads_join(th, i);
			return -rc;
		}
		th[i].started = true;
	}
	/* A moment for every thread to reach its CPU, then all start together. */
	run->t_start = pnvme_ticks() + run->hz / 100;
	atomic_store_explicit(&run->go, 1, memory_order_release);
	return 0;
}

void perf_threads_join(struct perf_thread *th, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (th[i].started)
			pthread_join(th[i].tid, NULL);
		th[i].started = false;
	}
}
