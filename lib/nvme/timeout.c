/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timeouts, without a clock read per I/O: every timeout / 4 the owner of a
 * qpair sweeps its trackers, and a tracker's age counts the sweeps it has
 * been outstanding for (completion zeroes it). Five sweeps is at least one
 * whole timeout. Then the ladder: the embedder's callback, Abort, and, if the
 * command is still there one period later, a controller reset. A timed-out
 * command is never completed here: only its own completion, or the reset's
 * disable, ends it (docs/api.md, "Who owns a request's memory").
 */
#include <errno.h>

#include "ctrlr.h"
#include "env/log.h"

#define TIMEOUT_SWEEPS 5       /* ages at which a command counts as timed out */
#define SILENT_CHECK_MS 100    /* a queue with work and no completion this long: read CSTS */
#define COUNTDOWN_MAX 4096

static enum pnvme_timeout_action ask_embedder(struct pnvme_qpair *qp, struct nvme_tracker *tr)
{
	struct pnvme_ctrlr *c = qp->ctrlr;
	pnvme_timeout_cb cb;
	void *arg;

	pthread_mutex_lock(&c->admin_lock);
	cb = c->timeout_cb;
	arg = c->timeout_arg;
	pthread_mutex_unlock(&c->admin_lock);
	if (cb != NULL)
		return cb(arg, c, qp->qid == 0 ? NULL : qp, tr->cid, qp->qid == 0);
	/* The admin queue has no Abort step: an Abort would queue behind what is stuck. */
	return qp->qid == 0 ? PNVME_TIMEOUT_RESET : PNVME_TIMEOUT_ABORT;
}

static void escalate(struct pnvme_qpair *qp, struct nvme_tracker *tr, const char *why)
{
	PNVME_ERRLOG("qpair", "qid %u: CID 0x%x (opcode 0x%02x) %s; resetting the controller",
		     qp->qid, tr->cid, tr->req->cmd.opc, why);
	tr->timeout_stage = NVME_TIMEOUT_STAGE_RESET;
	nvme_ctrlr_request_reset(qp->ctrlr, "command timeout");
}

static void timed_out(struct pnvme_qpair *qp, struct nvme_tracker *tr)
{
	switch (tr->timeout_stage) {
	case NVME_TIMEOUT_STAGE_NONE:
	case NVME_TIMEOUT_STAGE_WAITING:
		switch (ask_embedder(qp, tr)) {
		case PNVME_TIMEOUT_NONE:
			/* Ask again one period later. */
			tr->timeout_stage = NVME_TIMEOUT_STAGE_WAITING;
			tr->age = 1;
			return;
		case PNVME_TIMEOUT_RESET:
			escalate(qp, tr, "timed out");
			return;
		case PNVME_TIMEOUT_ABORT:
		default:
			break;
		}
		PNVME_WARNLOG("qpair", "qid %u: CID 0x%x (opcode 0x%02x) timed out; aborting it",
			      qp->qid, tr->cid, tr->req->cmd.opc);
		if (nvme_ctrlr_abort_cmd(qp->ctrlr, qp, tr->cid) != 0) {
			escalate(qp, tr, "timed out and cannot be aborted");
			return;
		}
		tr->timeout_stage = NVME_TIMEOUT_STAGE_ABORTING;
		tr->age = 1; /* one more period for the Abort to work */
		return;
	case NVME_TIMEOUT_STAGE_ABORTING:
		escalate(qp, tr, "still outstanding one period after its Abort");
		return;
	default:
		return; /* a reset is coming */
	}
}

static void sweep(struct pnvme_qpair *qp)
{
	uint32_t refused = atomic_exchange_explicit(&qp->abort_refused_cid, 0, memory_order_acquire);
	struct pnvme_cpl cpl;

	qp->sweep_count++;
	for (uint32_t i = 0; i + 1 < qp->num_entries; i++) {
		struct nvme_tracker *tr = &qp->trackers[i];

		if (tr->req == NULL)
			continue;
		/* An Asynchronous Event Request waits for an event: it has no deadline. */
		if (qp->qid == 0 && tr->req->cmd.opc == PNVME_OPC_ASYNC_EVENT_REQUEST)
			continue;
		if (refused != 0 && tr->cid == (uint16_t)refused &&
		    tr->timeout_stage == NVME_TIMEOUT_STAGE_ABORTING) {
			escalate(qp, tr, "timed out and the controller did not abort it");
			continue;
		}
		if (tr->age < UINT8_MAX)
			tr->age++;
		if (tr->age >= TIMEOUT_SWEEPS)
			timed_out(qp, tr);
	}
	/* The device never saw a queued request: completing it is always safe. */
	nvme_cpl_make(&cpl, qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_BY_REQUEST, true);
	while (qp->queued_head != NULL &&
	       qp->sweep_count - qp->queued_head->queued_sweep >= TIMEOUT_SWEEPS) {
		struct nvme_request *req = qp->queued_head;

		PNVME_WARNLOG("qpair", "qid %u: a request waited in the software queue past the "
				       "timeout; completing it as aborted (never sent)", qp->qid);
		qp->queued_head = req->next;
		if (qp->queued_head == NULL)
			qp->queued_tail = NULL;
		nvme_qpair_finish(qp, req, &cpl);
	}
}

/* Fewer polls between looks at the clock when polls are far apart, more when close. */
static void adapt_countdown(struct pnvme_qpair *qp, uint64_t now)
{
	uint64_t interval = qp->timeout_ticks ? qp->timeout_ticks / 4 : pnvme_ticks_hz();
	uint64_t since = now - qp->last_slow_tick;

	if (since > interval / 16 && qp->poll_countdown_reset > 1)
		qp->poll_countdown_reset /= 2;
	else if (since < interval / 256 && qp->poll_countdown_reset < COUNTDOWN_MAX)
		qp->poll_countdown_reset *= 2;
	qp->last_slow_tick = now;
	qp->poll_countdown = qp->poll_countdown_reset;
}

/* A queue with work that has been silent a while: is the controller still there? */
static void check_silent(struct pnvme_qpair *qp, uint64_t now)
{
	/*
	 * Progress: PCIe's CQ head and phase; elsewhere the free tracker list's
	 * head, which moves whenever a command completes (or is sent).
	 */
	uint32_t pos = qp->tr_kind == NVME_TRANSPORT_PCIE ? qp->pcie.cq_head
							 : (uint32_t)(uintptr_t)qp->free_trackers;
	uint8_t phase = qp->tr_kind == NVME_TRANSPORT_PCIE && qp->pcie.cqe_phase != 0;

	if (qp->num_outstanding == 0 || pos != qp->silent_cq_head || phase != qp->silent_phase) {
		qp->silent_cq_head = pos;
		qp->silent_phase = phase;
		qp->silent_since = now;
		return;
	}
	if (now - qp->silent_since < SILENT_CHECK_MS * pnvme_ticks_hz() / 1000)
		return;
	qp->silent_since = now;
	nvme_ctrlr_check_fatal(qp->ctrlr);
}

void nvme_qpair_poll_slow(struct pnvme_qpair *qp)
{
	uint64_t now = pnvme_ticks();

	adapt_countdown(qp, now);
	if (qp->ctrlr == NULL)
		return; /* a bare qpair (unit tests, fuzzing) */
	if (qp->qid != 0)
		nvme_qpair_recovery_poll(qp);
	if (qp->timeout_ticks != 0 && now >= qp->next_sweep) {
		qp->next_sweep = now + qp->timeout_ticks / 4;
		/* Bring-up and recovery bound their admin commands themselves. */
		if (!qp->paused && !qp->dead &&
		    (qp->qid != 0 || qp->ctrlr->state == NVME_STATE_READY))
			sweep(qp);
	}
	if (qp->qid != 0 && !qp->paused && !qp->dead)
		check_silent(qp, now);
}

void pnvme_ctrlr_register_timeout_callback(struct pnvme_ctrlr *c, pnvme_timeout_cb cb, void *arg)
{
	pthread_mutex_lock(&c->admin_lock);
	c->timeout_cb = cb;
	c->timeout_arg = arg;
	pthread_mutex_unlock(&c->admin_lock);
}
