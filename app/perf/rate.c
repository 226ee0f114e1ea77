/* SPDX-License-Identifier: BSD-3-Clause */
#include "rate.h"

void rate_init(struct rate_sched *r, uint64_t start, uint64_t hz, uint64_t iops_total,
	       uint32_t num_slots, uint32_t index)
{
	/* The interval of one schedule, hz * num_slots / iops_total, in 32.32 fixed point. */
	unsigned __int128 step = ((unsigned __int128)hz * num_slots << 32) / iops_total;

	r->step = (uint64_t)(step >> 32);
	r->frac = (uint32_t)step;
	r->acc = 0;
	r->next = start + (uint64_t)((unsigned __int128)hz * index / iops_total);
}

uint64_t rate_backlog(const struct rate_sched *r, uint64_t now)
{
	unsigned __int128 step = ((unsigned __int128)r->step << 32) | r->frac;

	if (now < r->next || step == 0)
		return 0;
	return (uint64_t)(((unsigned __int128)(now - r->next) << 32) / step) + 1;
}
