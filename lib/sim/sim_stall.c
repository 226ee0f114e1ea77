/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stalled commands: fetched, but neither executed nor completed until their
 * stall ends (STALL faults). The device still owns the host's buffer
 * meanwhile: a Read's data reaches host memory, and a Write's data is taken
 * from it, only when the stall ends. An Abort, the deletion of the SQ or a
 * controller reset ends a stall without any data transfer.
 *
 * Stalled commands sit on one list through req->next; it is short, so it is
 * walked rather than indexed.
 */
#include <stdint.h>

#include "sim_internal.h"

void sim_stall_start(struct pnvme_sim *sim, struct sim_req *req)
{
	req->state = SIM_REQ_STALLED;
	req->next = sim->stalled;
	sim->stalled = req;
	if (sim->stalled->next == NULL || req->due_ns < sim->stall_next_ns)
		sim->stall_next_ns = req->due_ns;
	SIM_STAT_ADD(sim->stats.stalled, 1);
}

static void unlink_req(struct pnvme_sim *sim, const struct sim_req *req)
{
	for (struct sim_req **p = &sim->stalled; *p != NULL; p = &(*p)->next) {
		if (*p == req) {
			*p = req->next;
			return;
		}
	}
}

static void next_due(struct pnvme_sim *sim)
{
	uint64_t next = UINT64_MAX;

	for (const struct sim_req *r = sim->stalled; r != NULL; r = r->next) {
		if (r->due_ns < next)
			next = r->due_ns;
	}
	sim->stall_next_ns = next;
}

static struct sim_req *first_due(const struct pnvme_sim *sim)
{
	for (struct sim_req *r = sim->stalled; r != NULL; r = r->next) {
		if (r->due_ns <= sim->now_ns)
			return r;
	}
	return NULL;
}

/*
 * End the stalls that are due: the command executes now. One at a time, from
 * the list head: running one (Delete SQ, Abort) may end others.
 */
void sim_stall_step(struct pnvme_sim *sim)
{
	struct sim_req *req;

	if (sim->stalled == NULL || sim->now_ns < sim->stall_next_ns)
		return;
	while ((req = first_due(sim)) != NULL) {
		unlink_req(sim, req);
		req->flags &= (uint8_t)~SIM_REQ_STALL;
		sim_req_run(sim, req);
	}
	next_due(sim);
}

/* Abort or SQ deletion: complete with status, no data transfer ever. */
void sim_stall_cancel(struct pnvme_sim *sim, struct sim_req *req, uint16_t status)
{
	unlink_req(sim, req);
	next_due(sim);
	SIM_STAT_ADD(sim->stats.stall_discarded, 1);
	req->status = status;
	req->flags = 0;
	req->state = SIM_REQ_EXEC;
	sim_req_complete(sim, req);
}

/* The SQ is freed (controller reset): its stalled commands vanish. */
void sim_stall_forget_sq(struct pnvme_sim *sim, const struct sim_sq *sq)
{
	struct sim_req **p = &sim->stalled;

	while (*p != NULL) {
		if ((*p)->sq == sq) {
			*p = (*p)->next;
			SIM_STAT_ADD(sim->stats.stall_discarded, 1);
		} else {
			p = &(*p)->next;
		}
	}
	next_due(sim);
}
