/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Controller reset and death, and how each I/O qpair's owner follows them.
 *
 * The thread that drives a reset (pnvme_ctrlr_reset, the admin poll, or an
 * I/O poller that saw the request first) disables the controller and only
 * then publishes disabled_epoch; it brings the controller up again and
 * publishes ready_epoch. It touches no I/O qpair: each owner, at its next
 * poll, stops sending (software queue), completes or keeps for resubmission
 * what its queue held once the disable is published, empties its rings, and
 * creates its queues anew once the controller is ready. So a request is
 * completed only when its own completion came or the device can no longer
 * reach its memory, and no I/O thread has to stop for a reset.
 */
#include <errno.h>
#include <string.h>

#include "ctrlr.h"
#include "env/log.h"

static bool epoch_reached(uint32_t published, uint32_t want)
{
	return (int32_t)(published - want) >= 0;
}

static void kick_all(struct pnvme_ctrlr *c)
{
	pthread_mutex_lock(&c->admin_lock);
	for (struct pnvme_qpair *qp = c->qpairs; qp != NULL; qp = qp->next_in_ctrlr)
		nvme_qpair_kick(qp);
	pthread_mutex_unlock(&c->admin_lock);
}

/*
 * Before the disable: no I/O qpair's owner may reach the device's queues any
 * more, even one that has not noticed the reset yet (PCIe: doorbell writes go
 * to a word of the qpair's own, not BAR0). Its owner points them back when it
 * creates its queues again.
 */
static void park_all(struct pnvme_ctrlr *c)
{
	const struct nvme_transport_ops *tr = nvme_ctrlr_tr(c);

	pthread_mutex_lock(&c->admin_lock);
	for (struct pnvme_qpair *qp = c->qpairs; qp != NULL; qp = qp->next_in_ctrlr) {
		tr->qpair_park(qp);
		nvme_qpair_kick(qp);
	}
	pthread_mutex_unlock(&c->admin_lock);
	/*
	 * An owner that loaded a BAR0 address just before gets a moment to store
	 * it. One preempted longer still cannot reach a live queue: the store lands
	 * before the disable (what it rang is taken back after it), or on a queue
	 * that does not exist, since only that owner, once past the store, makes its
	 * queues again.
	 */
	atomic_thread_fence(memory_order_seq_cst);
	for (uint64_t until = pnvme_ticks() + pnvme_ticks_hz() / 1000; pnvme_ticks() < until;)
		;
}

/* The rings are empty again: the controller starts every queue afresh. */
static void rewind_rings(struct pnvme_qpair *qp)
{
	qp->tr->qpair_reset(qp);
}

bool nvme_ctrlr_stop_device(struct pnvme_ctrlr *c)
{
	return nvme_ctrlr_tr(c)->ctrlr_stop(c);
}

/* Admin side of a disable: what the admin queue held is over. */
static void admin_disabled(struct pnvme_ctrlr *c, uint32_t epoch)
{
	pthread_mutex_lock(&c->admin_lock);
	nvme_qpair_abort_all(&c->adminq, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	nvme_ctrlr_clear_aborts(c);
	c->aer_busy = false;
	c->aer_waiting = 0;
	rewind_rings(&c->adminq);
	atomic_store_explicit(&c->disabled_epoch, epoch, memory_order_release);
	pthread_mutex_unlock(&c->admin_lock);
	kick_all(c);
}

static int reset_once(struct pnvme_ctrlr *c)
{
	uint32_t epoch;
	int rc;

	pthread_mutex_lock(&c->admin_lock);
	c->state = NVME_STATE_RESETTING;
	epoch = atomic_fetch_add_explicit(&c->reset_epoch, 1, memory_order_acq_rel) + 1;
	pthread_mutex_unlock(&c->admin_lock);
	park_all(c);
	if (nvme_ctrlr_tr(c)->ctrlr_quiesce != NULL)
		nvme_ctrlr_tr(c)->ctrlr_quiesce(c);

	bool alive = nvme_ctrlr_stop_device(c);

	admin_disabled(c, epoch);
	if (!alive)
		return -ENODEV;
	c->num_resets++;
	pthread_mutex_lock(&c->admin_lock);
	c->keep_alive_ticks = 0;
	c->state = NVME_STATE_INIT;
	c->state_deadline = 0;
	c->init_error = 0;
	pthread_mutex_unlock(&c->admin_lock);
	/* INIT disables it once more (already done) and brings it up. */
	while ((rc = nvme_ctrlr_init_step(c)) == 0)
		;
	if (rc < 0) {
		/* Whatever bring-up left in the admin queue ends with the next disable. */
		return rc;
	}
	atomic_store_explicit(&c->ready_epoch, epoch, memory_order_release);
	kick_all(c);
	PNVME_NOTICELOG("ctrlr", "%s %s: reset done", c->trid.trtype, c->trid.traddr);
	return 0;
}

static void declare_dead(struct pnvme_ctrlr *c, const char *why)
{
	PNVME_ERRLOG("ctrlr", "%s %s: dead: %s; every request fails from now on", c->trid.trtype,
		     c->trid.traddr, why);
	/* Bring-up may have enabled it again: stop it before anything completes. */
	park_all(c);
	nvme_ctrlr_stop_device(c);
	pthread_mutex_lock(&c->admin_lock);
	c->state = NVME_STATE_FAILED;
	atomic_store_explicit(&c->dead, true, memory_order_release);
	nvme_qpair_abort_all(&c->adminq, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	nvme_ctrlr_clear_aborts(c);
	pthread_mutex_unlock(&c->admin_lock);
	kick_all(c);
}

/* by_user: pnvme_ctrlr_reset() resets even with opts.reset_attempts = 0. */
static int recover(struct pnvme_ctrlr *c, bool by_user)
{
	uint32_t failures = 0, limit = c->opts.reset_attempts;
	int rc;

	if (nvme_ctrlr_is_dead(c))
		return -ENXIO;
	if (pthread_mutex_trylock(&c->recovery_lock) != 0)
		return -EBUSY;
	if (by_user && limit == 0)
		limit = 1;
	do {
		atomic_store_explicit(&c->reset_requested, false, memory_order_release);
		if (limit == 0) {
			rc = -EIO;
			break;
		}
		rc = reset_once(c);
		if (rc != 0)
			failures++;
	} while (rc != 0 && rc != -ENODEV && failures < limit);
	if (rc != 0) {
		declare_dead(c, rc == -ENODEV ? "the device is gone (registers read all ones)"
			     : limit == 0 ? "failed, and opts.reset_attempts is 0"
					  : "it could not be reset");
		rc = -ENXIO;
	}
	pthread_mutex_unlock(&c->recovery_lock);
	return rc;
}

int nvme_ctrlr_recover(struct pnvme_ctrlr *c)
{
	if (c->detaching)
		return -EBUSY;
	return recover(c, false);
}

void nvme_ctrlr_request_reset(struct pnvme_ctrlr *c, const char *why)
{
	if (nvme_ctrlr_is_dead(c))
		return;
	if (!atomic_exchange_explicit(&c->reset_requested, true, memory_order_acq_rel))
		PNVME_NOTICELOG("ctrlr", "%s %s: reset requested: %s", c->trid.trtype,
				c->trid.traddr, why);
	/* Pollers drive it if the admin poll does not come first. */
	kick_all(c);
}

void nvme_ctrlr_fail(struct pnvme_ctrlr *c, const char *why)
{
	if (c->detaching || nvme_ctrlr_is_dead(c))
		return;
	PNVME_ERRLOG("ctrlr", "%s %s: failed: %s", c->trid.trtype, c->trid.traddr, why);
	nvme_ctrlr_request_reset(c, why);
}

void pnvme_ctrlr_request_reset(struct pnvme_ctrlr *c)
{
	if (c != NULL)
		nvme_ctrlr_request_reset(c, "asked for");
}

/* True when this thread runs an admin completion callback of c right now. */
bool nvme_ctrlr_in_admin_callback(struct pnvme_ctrlr *c)
{
	bool inside;

	/* The lock is recursive: only its holder gets it while it is held. */
	if (pthread_mutex_trylock(&c->admin_lock) != 0)
		return false;
	inside = c->adminq.in_completion;
	pthread_mutex_unlock(&c->admin_lock);
	return inside;
}

int pnvme_ctrlr_reset(struct pnvme_ctrlr *c)
{
	int rc;

	if (c == NULL)
		return -EINVAL;
	if (nvme_ctrlr_is_dead(c))
		return -ENXIO;
	if (c->detaching)
		return -EBUSY;
	PNVME_NOTICELOG("ctrlr", "%s %s: reset", c->trid.trtype, c->trid.traddr);
	if (nvme_ctrlr_in_admin_callback(c)) {
		/* The admin queue is being reaped under us: the next admin poll resets. */
		nvme_ctrlr_request_reset(c, "pnvme_ctrlr_reset() from an admin callback");
		return -EINPROGRESS;
	}
	rc = recover(c, true);
	if (rc == -EBUSY) {
		/* Another thread is resetting: wait for it to finish. */
		pthread_mutex_lock(&c->recovery_lock);
		pthread_mutex_unlock(&c->recovery_lock);
		rc = nvme_ctrlr_is_dead(c) ? -ENXIO : 0;
	}
	return rc;
}

/* ------------------------------------------------------------ the qpair owner's side */

static bool resubmittable(const struct pnvme_ctrlr *c, const struct nvme_request *req)
{
	/* A fused command must go with its pair: never alone. */
	if (!c->opts.reset_resubmit || req->resubmits >= c->opts.resubmit_limit || req->cmd.fuse)
		return false;
	switch (req->cmd.opc) {
	case PNVME_OPC_READ:
	case PNVME_OPC_WRITE:
	case PNVME_OPC_FLUSH:
	case PNVME_OPC_WRITE_ZEROES:
	case PNVME_OPC_DATASET_MANAGEMENT:
		return true;
	default:
		return false;
	}
}

/*
 * The controller was disabled: what the device held is ours again. Complete
 * it (Aborted SQ Deletion, no DNR: it may be tried again), or keep it at the
 * front of the software queue to go again once the queue is back.
 */
static void take_back(struct pnvme_qpair *qp)
{
	struct nvme_request *again = NULL, **tail = &again, *last = NULL;
	struct pnvme_cpl cpl;

	/* First: a fabric's connection closes: nothing queued to send points at a buffer. */
	rewind_rings(qp);
	nvme_cpl_make(&cpl, qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION, false);
	qp->in_completion = true; /* callbacks may submit (queued), not free or poll */
	for (uint32_t i = 0; i <= qp->cid_index_mask; i++) {
		struct nvme_tracker *tr = &qp->trackers[i];
		struct nvme_request *req = tr->req;

		if (req == NULL)
			continue;
		cpl.cid = tr->cid;
		nvme_tracker_free(qp, tr);
		if (resubmittable(qp->ctrlr, req)) {
			nvme_request_fill_cmd(req); /* posted from req->cmd again */
			req->resubmits++;
			req->queued_sweep = qp->sweep_count;
			*tail = req;
			tail = &req->next;
			last = req;
			continue;
		}
		nvme_qpair_finish(qp, req, &cpl);
	}
	if (again != NULL) {
		*tail = qp->queued_head;
		if (qp->queued_head == NULL)
			qp->queued_tail = last;
		qp->queued_head = again;
	}
	qp->in_completion = false;
}

static int recreate(struct pnvme_qpair *qp)
{
	struct pnvme_ctrlr *c = qp->ctrlr;
	int rc;

	if (qp->qid > c->num_io_queues) {
		PNVME_ERRLOG("qpair", "qid %u: the controller grants %u I/O queues after the reset",
			     qp->qid, c->num_io_queues);
		return -ENXIO;
	}
	rc = qp->tr->qpair_create(qp);
	if (rc == 0)
		qp->on_device = true;
	return rc;
}

static void qpair_die(struct pnvme_qpair *qp)
{
	if (qp->dead)
		return;
	nvme_qpair_set_dead(qp, true);
	qp->paused = true;
	rewind_rings(qp); /* the device was stopped; a fabric's connection closes here */
	qp->in_completion = true;
	nvme_qpair_abort_all(qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	qp->in_completion = false;
}

void nvme_qpair_recovery_poll(struct pnvme_qpair *qp)
{
	struct pnvme_ctrlr *c = qp->ctrlr;
	uint32_t epoch;

	if (atomic_load_explicit(&c->reset_requested, memory_order_acquire))
		nvme_ctrlr_recover(c);
	if (nvme_ctrlr_is_dead(c)) {
		/* Declared dead only after the device was stopped. */
		qpair_die(qp);
		return; /* stays cold: submissions fail with -ENXIO */
	}
	if (qp->dead)
		return;
	epoch = atomic_load_explicit(&c->reset_epoch, memory_order_acquire);
	if (epoch != qp->epoch) {
		qp->epoch = epoch;
		qp->on_device = false;
		qp->rewound = false;
		qp->paused = true;
	}
	if (!qp->on_device) {
		if (!qp->rewound) {
			if (!epoch_reached(atomic_load_explicit(&c->disabled_epoch,
								memory_order_acquire), qp->epoch))
				return;
			take_back(qp);
			qp->rewound = true;
		}
		if (qp->closing || !epoch_reached(atomic_load_explicit(&c->ready_epoch,
								       memory_order_acquire),
						  qp->epoch))
			return;
		if (recreate(qp) != 0) {
			if (atomic_load_explicit(&c->reset_epoch, memory_order_acquire) == qp->epoch &&
			    !nvme_ctrlr_is_dead(c))
				qpair_die(qp);
			return;
		}
		qp->paused = false;
		nvme_qpair_submit_queued(qp);
		nvme_qpair_flush(qp);
	}
	if (qp->paused)
		return; /* closing */
	/* Nothing pending: clear the flag, then look again, so no kick is lost. */
	atomic_store_explicit(&qp->cold, 0, memory_order_relaxed);
	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(&c->reset_epoch, memory_order_relaxed) != qp->epoch ||
	    atomic_load_explicit(&c->reset_requested, memory_order_relaxed) ||
	    nvme_ctrlr_is_dead(c))
		nvme_qpair_kick(qp);
}

bool nvme_qpair_delete_on_device(struct pnvme_qpair *qp)
{
	/* Take in what is done; the transport takes the queue off the device. */
	while (nvme_qpair_process(qp, 0) > 0)
		;
	if (!qp->tr->qpair_delete(qp))
		return false;
	qp->tr->qpair_park(qp);
	qp->on_device = false;
	qp->rewound = true;
	rewind_rings(qp);
	return true;
}

void nvme_qpair_drain(struct pnvme_qpair *qp)
{
	struct pnvme_ctrlr *c = qp->ctrlr;

	/* Nothing new goes to the device, and the queue is not made again. */
	qp->closing = true;
	qp->paused = true;
	nvme_qpair_kick(qp);
	for (;;) {
		nvme_qpair_recovery_poll(qp);
		if (qp->dead)
			break;
		if (!qp->on_device) {
			if (qp->rewound)
				break;
			/* A reset is under way: help it along until the disable. */
			pnvme_ctrlr_process_admin_completions(c);
			continue;
		}
		if (c->state == NVME_STATE_READY && nvme_qpair_delete_on_device(qp))
			break;
		/* The device still holds commands: only a disable gives them back. */
		nvme_ctrlr_request_reset(c, "a queue being deleted still holds commands");
		if (nvme_ctrlr_recover(c) == -EBUSY)
			pnvme_ctrlr_process_admin_completions(c);
	}
	nvme_qpair_abort_queued(qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
}
