/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hot path: requests from a per-qpair pool, trackers by CID, the SQ tail
 * doorbell once per batch, completions by phase bit, the software queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "barrier.h"
#include "ctrlr.h"
#include "env/log.h"
#include "prp.h"
#include "qpair.h"
#include "sgl.h"

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

/* ------------------------------------------------------------ doorbells */

static inline void ring_cq(struct pnvme_qpair *qp, uint32_t old_head)
{
	uint32_t head = qp->cq_head;

	if (unlikely(qp->shadow_cq_head != NULL)) {
		*qp->shadow_cq_head = head;
		nvme_mb();
		if (!nvme_need_mmio((uint16_t)*qp->ei_cq_head, (uint16_t)head, (uint16_t)old_head))
			return;
	}
	*atomic_load_explicit(&qp->cq_head_db, memory_order_relaxed) = head;
	qp->cq_doorbell_writes++;
}

/* ------------------------------------------------------------ submission */

/* Fill the data pointer from the request's payload, using the tracker's PRP list. */
static int build_payload(struct pnvme_qpair *qp, struct nvme_tracker *tr,
			 struct nvme_request *req)
{
	struct nvme_prp_list list = {tr->prp_list, tr->prp_list_bus, qp->prp_list_pages};

	switch (req->payload_type) {
	case NVME_PAYLOAD_CONTIG:
		if (req->payload_iova != PNVME_VTOPHYS_ERROR)
			return nvme_prp_build_bus(&req->cmd, req->payload_iova, req->payload_size,
						  &list);
		return nvme_prp_build_contig(&req->cmd, req->payload.buf, req->payload_size, &list);
	case NVME_PAYLOAD_IOV:
		return nvme_prp_build_iov(&req->cmd, req->payload.iov, req->iovcnt,
					  req->iov_offset, req->payload_size, &list);
	case NVME_PAYLOAD_CONTIG_SGL:
		if (req->payload_iova != PNVME_VTOPHYS_ERROR)
			return nvme_sgl_build_bus(&req->cmd, req->payload_iova, req->payload_size,
						  qp->ctrlr->sgl_support == 2);
		return nvme_sgl_build_contig(&req->cmd, req->payload.buf, req->payload_size,
					     qp->ctrlr->sgl_support == 2, &list);
	case NVME_PAYLOAD_IOV_SGL:
		return nvme_sgl_build_iov(&req->cmd, req->payload.iov, req->iovcnt,
					  req->iov_offset, req->payload_size,
					  qp->ctrlr->sgl_support == 2, &list);
	case NVME_PAYLOAD_DSM:
		/* The ranges go into the tracker's own DMA page. */
		memcpy(tr->prp_list, req->payload.ranges, req->payload_size);
		req->cmd.dptr.prp.prp1 = tr->prp_list_bus;
		req->cmd.dptr.prp.prp2 = 0;
		return 0;
	default:
		return 0;
	}
}

static void fail_request(struct pnvme_qpair *qp, struct nvme_request *req, uint16_t sct,
			 uint16_t sc);

/* Give req a tracker and put it in the SQ. The caller made sure one is free. */
static void submit_to_device(struct pnvme_qpair *qp, struct nvme_request *req)
{
	if (unlikely(build_payload(qp, qp->free_trackers, req) != 0)) {
		/* Checked at submission; only a buffer freed under us gets here. */
		fail_request(qp, req, PNVME_SCT_GENERIC, PNVME_SC_DATA_TRANSFER_ERROR);
		return;
	}
	nvme_qpair_post(qp, qp->free_trackers, req);
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
		nvme_qpair_ring_sq(qp);
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

static void child_done(struct pnvme_qpair *qp, struct nvme_request *parent,
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

static inline __attribute__((always_inline)) void request_complete(struct pnvme_qpair *qp,
								   struct nvme_request *req,
								   const struct pnvme_cpl *cpl)
{
	pnvme_cmd_cb cb = req->cb;
	void *arg = req->cb_arg;
	struct nvme_request *parent = req->parent;

	/* Free first: the callback may submit again and reuse the request. */
	nvme_request_put(qp, req);
	if (parent != NULL) {
		child_done(qp, parent, cpl);
		return;
	}
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

static __attribute__((noinline, cold)) void invalid_completion(struct pnvme_qpair *qp,
								const struct pnvme_cpl *cpl)
{
	qp->invalid_completions++;
	PNVME_ERRLOG("qpair", "qid %u: completion for CID 0x%x that is not outstanding (dropped)",
		     qp->qid, cpl->cid);
}

static inline __attribute__((always_inline)) int32_t process(struct pnvme_qpair *qp,
								 uint32_t max)
{
	uint32_t old_head = qp->cq_head;
	uint32_t n = 0;

	/* Called again from one of its own callbacks: the outer call is still reaping. */
	if (unlikely(qp->in_completion))
		return 0;
	if (max == 0 || max > qp->max_completions)
		max = qp->max_completions;
	qp->in_completion = true;
	while (n < max) {
		struct pnvme_cpl *cpl = &qp->cq[qp->cq_head];
		struct nvme_tracker *tr;

		if ((cpl->status_raw & PNVME_STATUS_PHASE_BIT) != qp->phase)
			break;
		nvme_rmb(); /* the rest of the entry after its phase bit */
		if (unlikely(++qp->cq_head == qp->num_entries)) {
			qp->cq_head = 0;
			qp->phase ^= 1;
		}
		n++;
		/* The array has an entry for every index the mask lets through. */
		tr = &qp->trackers[cpl->cid & qp->cid_index_mask];
		if (unlikely(tr->req == NULL || tr->cid != cpl->cid)) {
			invalid_completion(qp, cpl);
			continue;
		}
		complete_tracker(qp, tr, cpl);
	}
	if (n > 0)
		ring_cq(qp, old_head);
	qp->in_completion = false;
	if (qp->queued_head != NULL)
		nvme_qpair_submit_queued(qp);
	nvme_qpair_ring_sq(qp);
	/*
	 * Timeouts, resets and failure: a countdown, and a flag other threads set.
	 * A dead qpair keeps the flag set, so -ENXIO costs the live path nothing.
	 */
	if (unlikely(--qp->poll_countdown == 0 ||
		     atomic_load_explicit(&qp->cold, memory_order_relaxed))) {
		nvme_qpair_poll_slow(qp);
		if (unlikely(qp->dead))
			return -ENXIO;
	}
	return (int32_t)n;
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

void nvme_qpair_set_doorbells(struct pnvme_qpair *qp, volatile void *bar0, uint32_t dstrd)
{
	volatile uint8_t *base = bar0;

	atomic_store_explicit(&qp->sq_tail_db,
			      (volatile uint32_t *)(base + pnvme_doorbell_offset(qp->qid, 0, dstrd)),
			      memory_order_release);
	atomic_store_explicit(&qp->cq_head_db,
			      (volatile uint32_t *)(base + pnvme_doorbell_offset(qp->qid, 1, dstrd)),
			      memory_order_release);
}

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
	uint32_t pages = nvme_prp_list_pages(max_xfer);
	uint64_t prp_bus;

	if (num_entries < 2 || num_entries > 65536 || num_requests == 0)
		return -EINVAL;
	memset(qp, 0, sizeof(*qp));
	qp->ctrlr = ctrlr;
	qp->qid = qid;
	qp->num_entries = num_entries;
	qp->poll_countdown = qp->poll_countdown_reset = 64;
	qp->dptr_mode = PNVME_DPTR_AUTO;
	qp->on_device = true; /* a creator that has no device queue yet says so */
	qp->num_requests = num_requests;
	qp->prp_list_pages = pages;
	qp->phase = 1;
	qp->cid_shift = bits_for(num_entries);
	qp->cid_index_mask = (uint16_t)((1u << qp->cid_shift) - 1);
	/* A bounded batch per call keeps one call's latency bounded. */
	qp->max_completions = (uint16_t)(num_entries / 4);
	if (qp->max_completions == 0)
		qp->max_completions = 1;
	if (qp->max_completions > 128)
		qp->max_completions = 128;

	qp->sq_mem = pnvme_dma_zmalloc((size_t)num_entries * sizeof(struct pnvme_cmd),
				       NVME_PAGE_SIZE, &qp->sq_bus);
	qp->cq_mem = pnvme_dma_zmalloc((size_t)num_entries * sizeof(struct pnvme_cpl),
				       NVME_PAGE_SIZE, &qp->cq_bus);
	/* One tracker per SQ slot but one: a full SQ is tail + 1 == head. */
	qp->prp_mem = pnvme_dma_zmalloc((size_t)(num_entries - 1) * pages * NVME_PAGE_SIZE,
					NVME_PAGE_SIZE, &prp_bus);
	/* Sized to the CID mask: a device's CID, whatever it is, indexes a tracker. */
	qp->trackers = aligned_alloc(64, sizeof(struct nvme_tracker) * (qp->cid_index_mask + 1u));
	qp->reqs = aligned_alloc(64, sizeof(struct nvme_request) * num_requests);
	if (!qp->sq_mem || !qp->cq_mem || !qp->prp_mem || !qp->trackers || !qp->reqs) {
		nvme_qpair_fini(qp);
		return -ENOMEM;
	}
	qp->sq = qp->sq_mem;
	qp->cq = qp->cq_mem;
	memset(qp->trackers, 0, sizeof(struct nvme_tracker) * (qp->cid_index_mask + 1u));
	memset(qp->reqs, 0, sizeof(struct nvme_request) * num_requests);
	for (uint32_t i = num_entries - 1; i-- > 0;) {
		struct nvme_tracker *tr = &qp->trackers[i];

		tr->cid = (uint16_t)i;
		tr->prp_list = (uint64_t *)((uint8_t *)qp->prp_mem +
					    (size_t)i * pages * NVME_PAGE_SIZE);
		tr->prp_list_bus = prp_bus + (uint64_t)i * pages * NVME_PAGE_SIZE;
		tr->next_free = qp->free_trackers;
		qp->free_trackers = tr;
	}
	/* Trackers from num_entries - 1 on never get a command: their CIDs stay unused. */
	for (uint32_t i = num_entries - 1; i <= qp->cid_index_mask; i++)
		qp->trackers[i].cid = (uint16_t)i;
	for (uint32_t i = num_requests; i-- > 0;)
		nvme_request_put(qp, &qp->reqs[i]);
	return 0;
}

void nvme_qpair_fini(struct pnvme_qpair *qp)
{
	pnvme_dma_free(qp->sq_mem);
	pnvme_dma_free(qp->cq_mem);
	pnvme_dma_free(qp->prp_mem);
	free(qp->trackers);
	free(qp->reqs);
	qp->sq_mem = qp->cq_mem = qp->prp_mem = NULL;
	qp->trackers = NULL;
	qp->reqs = NULL;
}
