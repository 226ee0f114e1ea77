/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Open-loop schedule: submit times spaced evenly at a fixed rate, in ticks
 * with a 32-bit fraction, so the rate does not drift and advancing costs an
 * add and a carry (no division per I/O).
 */
#ifndef PNVME_PERF_RATE_H
#define PNVME_PERF_RATE_H

#include <stdint.h>

struct rate_sched {
	uint64_t next; /* tick the next I/O is due */
	uint64_t step; /* whole ticks between two I/Os */
	uint32_t frac; /* and the fraction of a tick, in 1/2^32 */
	uint32_t acc;  /* fractions accumulated */
};

/*
 * iops_total spread over num_slots schedules; this one is number index and
 * starts index/iops_total seconds after start, so the slots interleave.
 * iops_total must not be 0.
 */
void rate_init(struct rate_sched *r, uint64_t start, uint64_t hz, uint64_t iops_total,
	       uint32_t num_slots, uint32_t index);
/* Scheduled I/Os due at now and not yet taken (0 when not behind). */
uint64_t rate_backlog(const struct rate_sched *r, uint64_t now);

static inline void rate_advance(struct rate_sched *r)
{
	uint32_t old = r->acc;

	r->next += r->step;
	r->acc += r->frac;
	if (r->acc < old)
		r->next++;
}

#endif
