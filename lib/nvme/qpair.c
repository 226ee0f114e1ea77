/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hot path, transport-neutral: requests from a per-qpair pool, trackers
 * by CID, completion by CID, the software queue. PCIe's rings are inline
 * (lib/pcie/pcie_hot.h); other transports go through their ops table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctrlr.h"
#include "env/log.h"
#include "pcie/pcie_hot.h" /* the PCIe completion loop, inline */
#include "qpair.h"

/* ------------------------------------------------------------ requests */

void nvme_request_put_tree(struct pnvme_qpair *qp, struct nvme_request *req)
{
	/* Children of an unsubmitted parent hang off req->next until submission. */
	struct nvme_request *child = req->children_left ? req->next : NULL;

	while (child != NULL) {
		struct nvme_request *next = child->next;

		nvme_request_put(qp, child);
		child = next;
	}
	nvme_request_put(qp, req);
}

/* ------------------------------------------------------------ submission */

static void fail_request(struct pnvme_qpair *qp, struct nvme_request *req, uint16_t sct,
			 uint16_t sc);

/* Give req a tracker and send it. The caller made sure one is free. */
static void submit_to_device(struct pnvme_qpair *qp, struct nvme_request *req)
{
	struct nvme_tracker *tr = qp->free_trackers;
	int rc;

	if (likely(qp->tr_kind == NVME_TRANSPORT_PCIE)) {
		rc = nvme_pcie_build_payload(qp, tr, req);
		if (likely(rc == 0))
			nvme_qpair_post_pcie(qp, tr, req);
	} else {
		nvme_tracker_take(qp, tr, req);
		rc = qp->tr->qpair_submit(qp, tr, req);
		if (rc != 0)
			nvme_tracker_free(qp, tr);
	}
	/* Checked at submission; only a buffer freed under us gets here. */
	if (unlikely(rc != 0))
		fail_request(qp, req, PNVME_SCT_GENERIC, PNVME_SC_DATA_TRANSFER_ERROR);
}

static void enqueue(struct pnvme_qpair *qp, struct nvme_request *req)
{
	req->next = NULL;
	req->queued_sweep = qp->sweep_count;
	if (qp->queued_tail != NULL)
		qp->queued_tail->next = req;
	else
		qp->queued_head = req;
	qp->queued_tail = req;
}

/* A paused qpair (reset under way) keeps new requests in the software queue. */
static void submit_one(struct pnvme_qpair *qp, struct nvme_request *req)
{
	qp->num_outstanding++;
	if (unlikely(atomic_load_explicit(&qp->cold, memory_order_acquire)) && !qp->in_completion)
		nvme_qpair_poll_slow(qp);
	if (likely(qp->free_trackers != NULL && qp->queued_head == NULL && !qp->paused &&
		   !qp->dead))
		submit_to_device(qp, req);
	else if (unlikely(qp->dead))
		fail_request(qp, req, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	else
		enqueue(qp, req);
}

/* Two trackers free: a fused pair needs adjacent SQ slots. */
static bool two_free(const struct pnvme_qpair *qp)
{
	return qp->free_trackers != NULL && qp->free_trackers->next_free != NULL;
}

/* Both commands of a fused pair, back to back, under one doorbell write. */
static void post_pair(struct pnvme_qpair *qp, struct nvme_request *first)
{
	struct nvme_request *second = first->next;
	bool delay = qp->delay_doorbell;

	qp->delay_doorbell = true;
	submit_to_device(qp, first);
	submit_to_device(qp, second);
	qp->delay_doorbell = delay;
	if (!delay && !qp->in_completion)
		nvme_qpair_flush(qp);
}

static void submit_pair(struct pnvme_qpair *qp, struct nvme_request *first)
{
	struct nvme_request *second = first->next;

	qp->num_outstanding += 2;
	if (unlikely(atomic_load_explicit(&qp->cold, memory_order_acquire)) && !qp->in_completion)
		nvme_qpair_poll_slow(qp);
	if (qp->queued_head == NULL && two_free(qp) && !qp->paused && !qp->dead) {
		post_pair(qp, first);
	} else if (qp->dead) {
		fail_request(qp, first, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
		fail_request(qp, second, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	} else {
		enqueue(qp, first);
		enqueue(qp, second);
	}
}

void nvme_qpair_submit_slow(struct pnvme_qpair *qp, struct nvme_request *req)
{
	if (likely(req->children_left == 0)) {
		submit_one(qp, req);
		return;
	}
	/* A split parent: its children wait on req->next; the parent itself is not sent. */
	struct nvme_request *child = req->next;

	if (child->cmd.fuse == PNVME_FUSE_FIRST) {
		req->next = NULL;
		submit_pair(qp, child);
		return;
	}

	req->next = NULL;
	while (child != NULL) {
		struct nvme_request *next = child->next;

		submit_one(qp, child);
		child = next;
	}
}

void nvme_qpair_submit_queued(struct pnvme_qpair *qp)
{
	while (qp->queued_head != NULL && qp->free_trackers != NULL && !qp->paused) {
		struct nvme_request *req = qp->queued_head;

		if (unlikely(req->cmd.fuse == PNVME_FUSE_FIRST)) {
			if (!two_free(qp))
				return;
			qp->queued_head = req->next->next;
			if (qp->queued_head == NULL)
				qp->queued_tail = NULL;
			post_pair(qp, req);
			continue;
		}
		qp->queued_head = req->next;
		if (qp->queued_head == NULL)
			qp->queued_tail = NULL;
		submit_to_device(qp, req);
	}
}

/* ------------------------------------------------------------ completion */

void nvme_request_child_done(struct pnvme_qpair *qp, struct nvme_request *parent,
			     const struct pnvme_cpl *cpl)
{
	/* The parent reports the first error of its children, or the last success. */
	if (pnvme_cpl_is_error(cpl)) {
		if (!parent->child_failed)
			parent->parent_cpl = *cpl;
		parent->child_failed = true;
	} else if (!parent->child_failed) {
		parent->parent_cpl = *cpl;
	}
	if (--parent->children_left == 0) {
		/* A copy: the parent goes back to the pool before its callback runs. */
		struct pnvme_cpl done = parent->parent_cpl;

		nvme_request_complete(qp, parent, &done);
	}
}

void nvme_request_child_cb(void *parent, const struct pnvme_cpl *cpl)
{
	struct nvme_request *p = parent;

	nvme_request_child_done(p->split_qp, p, cpl);
}

static inline __attribute__((always_inline)) void request_complete(struct pnvme_qpair *qp,
								   struct nvme_request *req,
								   const struct pnvme_cpl *cpl)
{
	pnvme_cmd_cb cb = req->cb;
	void *arg = req->cb_arg;

	/* Free first: the callback may submit again and reuse the request. */
	nvme_request_put(qp, req);
	if (cb != NULL)
		cb(arg, cpl);
}

void nvme_request_complete(struct pnvme_qpair *qp, struct nvme_request *req,
			   const struct pnvme_cpl *cpl)
{
	request_complete(qp, req, cpl);
}

/* A request that went through submit_one() is done: it no longer counts. */
static inline __attribute__((always_inline)) void finish_submitted(struct pnvme_qpair *qp,
								   struct nvme_request *req,
								   const struct pnvme_cpl *cpl)
{
	qp->num_outstanding--;
	request_complete(qp, req, cpl);
}

void nvme_qpair_finish(struct pnvme_qpair *qp, struct nvme_request *req,
		       const struct pnvme_cpl *cpl)
{
	finish_submitted(qp, req, cpl);
}

void nvme_cpl_make(struct pnvme_cpl *cpl, const struct pnvme_qpair *qp, uint16_t sct,
		   uint16_t sc, bool dnr)
{
	memset(cpl, 0, sizeof(*cpl));
	cpl->sqid = qp->qid;
	cpl->status_raw = (uint16_t)(PNVME_STATUS_RAW(sct, sc) | (dnr ? PNVME_STATUS_DNR_BIT : 0));
}

static void fail_request(struct pnvme_qpair *qp, struct nvme_request *req, uint16_t sct,
			 uint16_t sc)
{
	struct pnvme_cpl cpl;

	nvme_cpl_make(&cpl, qp, sct, sc, true);
	finish_submitted(qp, req, &cpl);
}

static inline __attribute__((always_inline)) void complete_tracker(struct pnvme_qpair *qp,
								   struct nvme_tracker *tr,
								   const struct pnvme_cpl *cpl)
{
	struct nvme_request *req = tr->req;

	nvme_tracker_free(qp, tr);
	finish_submitted(qp, req, cpl);
}

void nvme_qpair_invalid_completion(struct pnvme_qpair *qp, const struct pnvme_cpl *cpl)
{
	qp->invalid_completions++;
	PNVME_ERRLOG("qpair", "qid %u: completion for CID 0x%x that is not outstanding (dropped)",
		     qp->qid, cpl->cid);
}

bool nvme_qpair_complete_cid(struct pnvme_qpair *qp, const struct pnvme_cpl *cpl)
{
	return nvme_qpair_complete_cid_inline(qp, cpl);
}

void nvme_qpair_flush_other(struct pnvme_qpair *qp)
{
	if (qp->tr->qpair_flush != NULL)
		qp->tr->qpair_flush(qp);
}

void nvme_qpair_ring_posted_gated(struct pnvme_qpair *qp)
{
	if (!qp->delay_doorbell && !qp->in_completion)
		nvme_pcie_ring_sq_posted(&qp->pcie);
}

/*
 * Timeouts, resets and failure: every poll counts down to a look at the
 * clock and tests the flag other threads set (the inline poll at its start,
 * with its other gates; it takes process_other() then, which ends here). A
 * dead qpair keeps the flag set, so -ENXIO costs the live path nothing.
 */
static inline __attribute__((always_inline)) int32_t poll_end_slow(struct pnvme_qpair *qp,
								       uint32_t n)
{
	nvme_qpair_poll_slow(qp);
	if (unlikely(qp->dead))
		return -ENXIO;
	return (int32_t)n;
}

static inline __attribute__((always_inline)) int32_t poll_end(struct pnvme_qpair *qp, uint32_t n)
{
	if (unlikely(--qp->poll_countdown == 0 ||
		     atomic_load_explicit(&qp->cold, memory_order_relaxed)))
		return poll_end_slow(qp, n);
	return (int32_t)n;
}

/* The inline poll's end: the cold flag was tested at its start. */
static inline __attribute__((always_inline)) int32_t poll_end_inline(struct pnvme_qpair *qp,
									 uint32_t n)
{
	if (unlikely(--qp->poll_countdown == 0))
		return poll_end_slow(qp, n);
	return (int32_t)n;
}

/* 0 (wraps to the largest value) or above the cap: the cap. */
static inline uint32_t capped(const struct pnvme_qpair *qp, uint32_t max)
{
	return max - 1 >= qp->max_completions ? qp->max_completions : max;
}

/*
 * A poll the inline one does not take (qp->gates' NVME_GATE_POLL): called
 * from one of its own callbacks (the outer call is still reaping), a
 * transport other than PCIe, the CQ-head-first order, shadow doorbells, or
 * the cold flag set (poll_end() takes the slow path after the reap).
 */
static __attribute__((noinline)) int32_t process_other(struct pnvme_qpair *qp, uint32_t max)
{
	uint32_t n;

	if (qp->in_completion)
		return 0;
	max = capped(qp, max);
	qp->in_completion = true;
	if (qp->tr_kind == NVME_TRANSPORT_PCIE) {
		n = nvme_pcie_qpair_reap(qp, max, qp->sq_db_first);
		qp->in_completion = false;
		if (qp->queued_head != NULL)
			nvme_qpair_submit_queued(qp);
		nvme_pcie_ring_sq(&qp->pcie);
	} else {
		n = qp->tr->qpair_process(qp, max);
		qp->in_completion = false;
		if (qp->queued_head != NULL)
			nvme_qpair_submit_queued(qp);
		nvme_qpair_flush_other(qp);
	}
	return poll_end(qp, n);
}

/* After the callbacks of an inline poll: the software queue, then what they posted. */
static inline __attribute__((always_inline)) void after_callbacks(struct pnvme_qpair *qp)
{
	qp->in_completion = false;
	if (qp->queued_head != NULL)
		nvme_qpair_submit_queued(qp);
	nvme_pcie_ring_sq_mmio(&qp->pcie);
}

/*
 * The inline poll with more than one new entry: the batch loop, one SQ tail
 * doorbell for what the callbacks posted, then one CQ head doorbell.
 */
static __attribute__((noinline)) int32_t process_batch(struct pnvme_qpair *qp, uint32_t max)
{
	uint32_t n;

	max = capped(qp, max);
	qp->in_completion = true;
	n = nvme_pcie_qpair_reap(qp, max, true);
	after_callbacks(qp);
	return poll_end(qp, n);
}

/*
 * The poll. Inline: PCIe with MMIO doorbells, the SQ tail doorbell first,
 * not inside a callback, and one new entry, the common case at low depth.
 * Its live state across the callback is the qpair alone, so the poll saves
 * one register, not five: the CQ head moves before the callback, and
 * nothing of the entry is needed after it. Two or more new entries take the
 * batch loop, out of line.
 */
static inline __attribute__((always_inline)) int32_t process(struct pnvme_qpair *qp,
								 uint32_t max)
{
	struct nvme_pcie_qpair *pq = &qp->pcie;
	const struct pnvme_cpl *cpl;
	uint32_t dw3, head;

	if (unlikely(__atomic_load_n(&qp->gates, __ATOMIC_RELAXED) & NVME_GATE_POLL))
		return process_other(qp, max);
	head = pq->cq_head;
	cpl = &pq->cq[head];
	dw3 = nvme_pcie_cqe_dw3_load(cpl);
	if (!nvme_pcie_cqe_new(pq, dw3))
		return poll_end_inline(qp, 0);
	if (likely(++head != pq->num_entries)) {
		if (unlikely(nvme_pcie_cqe_new(pq, nvme_pcie_cqe_dw3_load(cpl + 1))) && max != 1)
			return process_batch(qp, max);
	} else {
		/* The ring's last entry: the next is the first, a phase later. No batch. */
		head = 0;
		pq->cqe_phase ^= NVME_PCIE_CQE_PHASE;
	}
	nvme_rmb(); /* the rest of the entry (cdw0, sqhd, status) after its phase bit */
	qp->in_completion = true;
	/*
	 * The CQ head past the entry before the callback (the poll that would
	 * move it on is refused inside one); its doorbell after the SQ tail's,
	 * so a command the callback submits reaches the controller one MMIO
	 * write sooner.
	 */
	pq->cq_head = head;
	nvme_qpair_complete_one(qp, cpl, dw3);
	after_callbacks(qp);
	nvme_pcie_write_cq_db(pq, pq->cq_head);
	return poll_end_inline(qp, 1);
}

int32_t nvme_qpair_process(struct pnvme_qpair *qp, uint32_t max)
{
	return process(qp, max);
}

int32_t pnvme_qpair_process_completions(struct pnvme_qpair *qp, uint32_t max)
{
	return process(qp, max);
}

/* ------------------------------------------------------------ failure paths */

void nvme_qpair_abort_queued(struct pnvme_qpair *qp, uint16_t sct, uint16_t sc)
{
	struct pnvme_cpl cpl;

	nvme_cpl_make(&cpl, qp, sct, sc, true);
	while (qp->queued_head != NULL) {
		struct nvme_request *req = qp->queued_head;

		qp->queued_head = req->next;
		if (qp->queued_head == NULL)
			qp->queued_tail = NULL;
		finish_submitted(qp, req, &cpl);
	}
}

void nvme_qpair_abort_all(struct pnvme_qpair *qp, uint16_t sct, uint16_t sc)
{
	struct pnvme_cpl cpl;
	bool was_dead = qp->dead, was_in = qp->in_completion;

	nvme_cpl_make(&cpl, qp, sct, sc, true);
	/*
	 * Callbacks submitting again get -ENXIO, and polling from them does
	 * nothing (it would post queued requests behind the sweep): nothing new
	 * while we empty it.
	 */
	nvme_qpair_set_dead(qp, true);
	qp->in_completion = true;
	for (uint32_t i = 0; i <= qp->cid_index_mask; i++) {
		struct nvme_tracker *tr = &qp->trackers[i];

		if (tr->req != NULL) {
			cpl.cid = tr->cid;
			complete_tracker(qp, tr, &cpl);
		}
	}
	nvme_qpair_abort_queued(qp, sct, sc);
	qp->in_completion = was_in;
	nvme_qpair_set_dead(qp, was_dead);
}

/* ------------------------------------------------------------ set-up */

static uint16_t bits_for(uint32_t n)
{
	uint16_t bits = 0;

	while ((1u << bits) < n)
		bits++;
	return bits;
}

int nvme_qpair_init(struct pnvme_qpair *qp, struct pnvme_ctrlr *ctrlr, uint16_t qid,
		    uint32_t num_entries, uint32_t num_requests, uint32_t max_xfer)
{
	const struct nvme_transport_ops *tr = ctrlr->tr != NULL ? ctrlr->tr : &nvme_pcie_transport;
	int rc;

	if (num_entries < 2 || num_entries > 65536 || num_requests == 0)
		return -EINVAL;
	memset(qp, 0, sizeof(*qp));
	qp->ctrlr = ctrlr;
	qp->tr = tr;
	qp->tr_kind = tr->kind;
	if (tr->kind != NVME_TRANSPORT_PCIE) {
		qp->fast_off = NVME_FAST_OFF_TRANSPORT;
		qp->poll_other = NVME_POLL_OTHER_TRANSPORT;
	}
	qp->qid = qid;
	qp->num_entries = num_entries;
	qp->poll_countdown = qp->poll_countdown_reset = 64;
	qp->sq_db_first = true; /* the inline poll's order; I/O qpairs take their opts' */
	qp->dptr_mode = PNVME_DPTR_AUTO;
	qp->on_device = true; /* a creator that has no device queue yet says so */
	qp->num_requests = num_requests;
	qp->cid_shift = bits_for(num_entries);
	qp->cid_index_mask = (uint16_t)((1u << qp->cid_shift) - 1);
	qp->cid_gen = (uint16_t)(1u << qp->cid_shift); /* 65536 entries: 0, no generation */
	/* A bounded batch per call keeps one call's latency bounded. */
	qp->max_completions = (uint16_t)(num_entries / 4);
	if (qp->max_completions == 0)
		qp->max_completions = 1;
	if (qp->max_completions > 128)
		qp->max_completions = 128;

	/* Sized to the CID mask: a device's CID, whatever it is, indexes a tracker. */
	qp->trackers = aligned_alloc(64, sizeof(struct nvme_tracker) * (qp->cid_index_mask + 1u));
	qp->reqs = aligned_alloc(64, sizeof(struct nvme_request) * num_requests);
	if (!qp->trackers || !qp->reqs) {
		nvme_qpair_fini(qp);
		return -ENOMEM;
	}
	memset(qp->trackers, 0, sizeof(struct nvme_tracker) * (qp->cid_index_mask + 1u));
	memset(qp->reqs, 0, sizeof(struct nvme_request) * num_requests);
	/* One tracker per SQ slot but one: a full SQ is tail + 1 == head. */
	for (uint32_t i = num_entries - 1; i-- > 0;) {
		struct nvme_tracker *tr_i = &qp->trackers[i];

		tr_i->cid = (uint16_t)i;
		tr_i->next_free = qp->free_trackers;
		qp->free_trackers = tr_i;
	}
	/* Trackers from num_entries - 1 on never get a command: their CIDs stay unused. */
	for (uint32_t i = num_entries - 1; i <= qp->cid_index_mask; i++)
		qp->trackers[i].cid = (uint16_t)i;
	for (uint32_t i = num_requests; i-- > 0;)
		nvme_request_put(qp, &qp->reqs[i]);
	/* The transport's memory: rings, the trackers' list pages. */
	rc = tr->qpair_init(qp, max_xfer);
	if (rc != 0) {
		nvme_qpair_fini(qp);
		return rc;
	}
	return 0;
}

void nvme_qpair_fini(struct pnvme_qpair *qp)
{
	if (qp->tr != NULL)
		qp->tr->qpair_fini(qp);
	free(qp->trackers);
	free(qp->reqs);
	qp->trackers = NULL;
	qp->reqs = NULL;
}
