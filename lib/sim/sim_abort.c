/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Abort, the Abort Command Limit (Identify ACL), and how the controller
 * answers an Abort (pnvme_sim_set_abort_mode): abort what it can, ignore
 * every Abort, or never complete one.
 */
#include <stdatomic.h>

#include "sim_internal.h"

#define ABORT_SQID(cdw10) ((uint16_t)((cdw10) & 0xffff))
#define ABORT_CID(cdw10) ((uint16_t)((cdw10) >> 16))

/*
 * Aborts the controller has fetched and not answered, and will not answer by
 * itself soon: held by PNVME_SIM_ABORT_HOLD, stalled, or dropped by a fault.
 */
static unsigned aborts_outstanding(const struct pnvme_sim *sim)
{
	const struct sim_sq *aq = sim->sqs[0];
	unsigned n = 0;

	for (uint32_t i = 0; i < aq->size; i++) {
		const struct sim_req *r = &aq->reqs[i];

		if (r->cmd.opc == PNVME_OPC_ABORT &&
		    (r->state == SIM_REQ_ABORT_HELD || r->state == SIM_REQ_STALLED ||
		     r->state == SIM_REQ_HELD))
			n++;
	}
	return n;
}

/* The victim completes as Aborted by Request if the controller still has it. */
static bool abort_victim(struct pnvme_sim *sim, const struct sim_req *req)
{
	uint16_t sqid = ABORT_SQID(req->cmd.cdw10), cid = ABORT_CID(req->cmd.cdw10);
	uint16_t st = sim_status(PNVME_SCT_GENERIC, PNVME_SC_ABORTED_BY_REQUEST, false);
	struct sim_req *victim = NULL;

	if (sqid <= sim->p.queues && sim->sqs[sqid] != NULL)
		victim = sim_sq_find(sim->sqs[sqid], cid);
	if (victim == NULL || victim == req)
		return false;
	switch (victim->state) {
	case SIM_REQ_STALLED: /* no data transfer */
		sim_stall_cancel(sim, victim, st);
		return true;
	case SIM_REQ_HELD:
		victim->status = st;
		victim->flags &= (uint8_t)~SIM_REQ_DROP;
		sim_req_complete(sim, victim);
		return true;
	case SIM_REQ_QUEUED: /* its completion is only delayed */
		victim->status = st;
		return true;
	default:
		return false;
	}
}

uint16_t sim_abort(struct pnvme_sim *sim, struct sim_req *req)
{
	if (aborts_outstanding(sim) > sim->p.acl)
		return sim_status(PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_ABORT_COMMAND_LIMIT_EXCEEDED,
				  false);
	req->cdw0 = 1; /* not aborted */
	switch (atomic_load_explicit(&sim->abort_mode, memory_order_relaxed)) {
	case PNVME_SIM_ABORT_IGNORE:
		return SIM_OK;
	case PNVME_SIM_ABORT_HOLD: /* until a controller reset */
		req->state = SIM_REQ_ABORT_HELD;
		return SIM_HELD;
	default:
		if (abort_victim(sim, req))
			req->cdw0 = 0;
		return SIM_OK;
	}
}

void pnvme_sim_set_abort_mode(struct pnvme_sim *sim, enum pnvme_sim_abort_mode mode)
{
	atomic_store(&sim->abort_mode, (unsigned)mode);
}
