/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queue pairs: requests, trackers (one per SQ slot, CID-indexed), the software
 * queue, submission and completion. Shared by the admin queue and I/O queues.
 */
#ifndef PNVME_NVME_QPAIR_H
#define PNVME_NVME_QPAIR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "barrier.h"
#include "pnvme/nvme.h"

#define NVME_PAGE_SHIFT 12
#define NVME_PAGE_SIZE (1u << NVME_PAGE_SHIFT)
#define NVME_PRP_ENTRIES_PER_PAGE (NVME_PAGE_SIZE / sizeof(uint64_t))

enum nvme_payload_type {
	NVME_PAYLOAD_NONE,
	NVME_PAYLOAD_CONTIG, /* payload.buf, payload_size bytes */
	NVME_PAYLOAD_IOV,    /* payload.iov from iov_offset, payload_size bytes */
	NVME_PAYLOAD_DSM,    /* payload.ranges copied into the PRP page at submission */
	NVME_PAYLOAD_CONTIG_SGL, /* as CONTIG and IOV, described by an SGL */
	NVME_PAYLOAD_IOV_SGL,
};

struct nvme_request {
	struct pnvme_cmd cmd; /* built here, copied into the SQ slot */
	pnvme_cmd_cb cb;
	void *cb_arg;
	struct nvme_request *next; /* free list or software queue */
	union {
		void *buf;
		const struct iovec *iov;
		const struct pnvme_dsm_range *ranges;
	} payload;
	uint32_t payload_size;
	uint64_t payload_iova; /* bus address of a contiguous payload, or PNVME_VTOPHYS_ERROR */
	uint8_t payload_type;
	uint16_t iovcnt;
	uint32_t iov_offset;
	/* Split-only fields last: the common case does not touch them. */
	struct nvme_request *parent;
	union {
		struct {
			uint16_t children_left;
			uint8_t resubmits; /* times sent again after a reset (reset_resubmit) */
			bool child_failed;
		};
		uint32_t split_word; /* the three above, zeroed with one store */
	};
	uint32_t queued_sweep; /* the qpair's sweep count when it entered the software queue */
	struct pnvme_cpl parent_cpl;
	struct pnvme_dsm_range inline_range;
} __attribute__((aligned(64)));

struct nvme_tracker {
	struct nvme_request *req; /* NULL when free */
	struct nvme_tracker *next_free;
	uint64_t *prp_list;       /* this tracker's PRP list pages (DMA) */
	uint64_t prp_list_bus;
	uint16_t cid;             /* index | generation << cid_shift */
	uint8_t age;              /* timeout sweeps since it was posted (zeroed on completion) */
	uint8_t timeout_stage;    /* NVME_TIMEOUT_STAGE_*: how far the ladder went */
} __attribute__((aligned(64)));

/* A command's way down the timeout ladder (timeout.c). */
enum {
	NVME_TIMEOUT_STAGE_NONE,
	NVME_TIMEOUT_STAGE_ABORTING, /* Abort sent (or queued behind the ACL) */
	NVME_TIMEOUT_STAGE_WAITING,  /* the embedder chose to do nothing: wait for it */
	NVME_TIMEOUT_STAGE_RESET,    /* controller reset requested */
};

struct pnvme_qpair {
	/* Hot: submission and completion. */
	struct pnvme_cmd *sq;
	struct pnvme_cpl *cq;
	/* Atomic: a reset parks them on parked_db (recovery.c) from another thread. */
	_Atomic(volatile uint32_t *) sq_tail_db;
	_Atomic(volatile uint32_t *) cq_head_db;
	uint32_t sq_tail;
	uint32_t sq_tail_rung; /* last tail value the doorbell got */
	uint32_t cq_head;
	uint8_t phase;
	bool delay_doorbell;
	bool in_completion; /* callbacks running: doorbell rung once at the end */
	/*
	 * Set (by any thread) when the owner must look at the controller: a reset,
	 * a failure, a paused or dead qpair. Submission and completion each test
	 * it once; everything behind it is the slow path.
	 */
	_Atomic uint8_t cold;
	uint32_t num_entries; /* up to 65536 (CAP.MQES = 0xffff) */
	uint16_t cid_shift;   /* CID = tracker index | generation << cid_shift */
	uint16_t cid_index_mask;
	uint16_t max_completions;
	uint16_t poll_countdown; /* polls until the next look at the clock (timeouts) */
	uint8_t dptr_mode; /* enum pnvme_dptr_mode */
	uint8_t fast_off;  /* NVME_FAST_OFF_*: read/write take rw(), not the inline path */
	struct nvme_tracker *trackers; /* cid_index_mask + 1 of them: any CID indexes one */
	struct nvme_tracker *free_trackers;
	struct nvme_request *free_reqs;
	struct nvme_request *queued_head; /* software queue, FIFO */
	struct nvme_request *queued_tail;
	uint32_t num_outstanding;
	uint64_t sq_doorbell_writes; /* MMIO writes, for pnvme_qpair_get_stats() */
	uint64_t cq_doorbell_writes;

	/* Shadow doorbells (Doorbell Buffer Config), NULL when not in use. */
	volatile uint32_t *shadow_sq_tail;
	volatile uint32_t *shadow_cq_head;
	volatile uint32_t *ei_sq_tail;
	volatile uint32_t *ei_cq_head;

	/* Cold. */
	struct pnvme_ctrlr *ctrlr;
	uint16_t qid;
	uint32_t num_requests;
	uint32_t prp_list_pages;
	uint64_t invalid_completions; /* CID not outstanding, or a duplicate: dropped */
	/* Timeouts (timeout.c): a sweep of the trackers every timeout / 4. */
	uint64_t timeout_ticks; /* 0: no timeouts */
	uint64_t next_sweep;
	uint64_t last_slow_tick;
	uint32_t sweep_count;
	uint16_t poll_countdown_reset;
	/* Recovery (recovery.c): owner-side view of the controller's resets. */
	uint32_t epoch;      /* the controller reset this qpair has caught up with */
	bool on_device;      /* its queues exist on the controller */
	bool rewound;        /* off the device: what it held is handled, rings emptied */
	bool closing;        /* being freed: not made again after a reset */
	bool dead;           /* the controller is dead: everything fails with -ENXIO */
	bool paused;         /* not on_device, closing or dead: new requests wait (or fail) */
	_Atomic uint32_t abort_refused_cid; /* 0x10000 | CID of an Abort that did not abort */
	/* A queue with work and no completion for a while gets a CSTS read (timeout.c). */
	uint32_t silent_cq_head;
	uint8_t silent_phase;
	uint64_t silent_since;
	struct nvme_request *reqs;
	void *sq_mem, *cq_mem, *prp_mem;
	uint64_t sq_bus, cq_bus;
	struct pnvme_qpair *next_in_ctrlr;
	uint32_t parked_db[2]; /* where doorbell writes go while a reset owns the queue */
} __attribute__((aligned(64))); /* aligned_alloc wants a size that is a multiple of 64 */

/* Memory and bookkeeping for a queue pair; no device commands. */
int nvme_qpair_init(struct pnvme_qpair *qp, struct pnvme_ctrlr *ctrlr, uint16_t qid,
		    uint32_t num_entries, uint32_t num_requests, uint32_t max_xfer);
void nvme_qpair_fini(struct pnvme_qpair *qp);
/* Point the qpair at its doorbells (BAR0 + offset per CAP.DSTRD). */
void nvme_qpair_set_doorbells(struct pnvme_qpair *qp, volatile void *bar0, uint32_t dstrd);

#define NVME_FAST_OFF_DEAD 0x1 /* mirrors dead: -ENXIO */
#define NVME_FAST_OFF_SGL 0x2  /* SGL forced: the inline path would build PRPs */

static inline void nvme_qpair_set_dead(struct pnvme_qpair *qp, bool dead)
{
	qp->dead = dead;
	qp->fast_off = (uint8_t)((qp->fast_off & ~NVME_FAST_OFF_DEAD) | (dead ? NVME_FAST_OFF_DEAD : 0));
}

/* A request from the qpair's pool with an all-zero command and this payload type, or NULL. */
static inline __attribute__((always_inline)) struct nvme_request *
nvme_request_get_typed(struct pnvme_qpair *qp, pnvme_cmd_cb cb, void *arg, uint8_t type)
{
	struct nvme_request *req = qp->free_reqs;

	if (__builtin_expect(req == NULL, 0))
		return NULL;
	qp->free_reqs = req->next;
	/* Only the fields every request uses; split-only ones are set by the splitter. */
	memset(&req->cmd, 0, sizeof(req->cmd));
	req->cb = cb;
	req->cb_arg = arg;
	/* req->next is not cleared: whoever links a request (queue, split) sets it. */
	req->payload_type = type;
	req->payload_size = 0;
	req->payload_iova = PNVME_VTOPHYS_ERROR;
	req->parent = NULL;
	req->split_word = 0;
	return req;
}

static inline __attribute__((always_inline)) struct nvme_request *
nvme_request_get(struct pnvme_qpair *qp, pnvme_cmd_cb cb, void *arg)
{
	return nvme_request_get_typed(qp, cb, arg, NVME_PAYLOAD_NONE);
}

static inline __attribute__((always_inline)) void nvme_request_put(struct pnvme_qpair *qp,
								   struct nvme_request *req)
{
	/* Free requests carry no payload: what pnvme_mem_unregister's check relies on. */
	req->payload_type = NVME_PAYLOAD_NONE;
	req->next = qp->free_reqs;
	qp->free_reqs = req;
}
/* Free a request and any children of it that were not submitted (split failed). */
void nvme_request_put_tree(struct pnvme_qpair *qp, struct nvme_request *req);

/* Everything nvme_qpair_submit() does not do inline. */
void nvme_qpair_submit_slow(struct pnvme_qpair *qp, struct nvme_request *req);
int32_t nvme_qpair_process(struct pnvme_qpair *qp, uint32_t max);
/*
 * Complete everything outstanding and queued with this status. Only once the
 * device can no longer touch those commands' memory: the controller was
 * disabled, the function reset, or bus mastering turned off.
 */
void nvme_qpair_abort_all(struct pnvme_qpair *qp, uint16_t sct, uint16_t sc);
/* Complete only the requests waiting in the software queue (never seen by the device). */
void nvme_qpair_abort_queued(struct pnvme_qpair *qp, uint16_t sct, uint16_t sc);
/* Ask the owner to look at the controller at its next submission or poll. */
static inline void nvme_qpair_kick(struct pnvme_qpair *qp)
{
	atomic_store_explicit(&qp->cold, 1, memory_order_release);
}
/* Doorbell writes to parked_db instead of BAR0: the queue is gone or going. */
static inline void nvme_qpair_park_doorbells(struct pnvme_qpair *qp)
{
	atomic_store_explicit(&qp->sq_tail_db, &qp->parked_db[0], memory_order_release);
	atomic_store_explicit(&qp->cq_head_db, &qp->parked_db[1], memory_order_release);
}
/* The owner's slow path: timeouts, resets, failure (timeout.c, recovery.c). */
void nvme_qpair_poll_slow(struct pnvme_qpair *qp);
/* Tracker done: back to the free list. */
static inline void nvme_tracker_free(struct pnvme_qpair *qp, struct nvme_tracker *tr)
{
	tr->req = NULL;
	tr->age = 0;
	tr->timeout_stage = NVME_TIMEOUT_STAGE_NONE;
	tr->next_free = qp->free_trackers;
	qp->free_trackers = tr;
}
/* Finish a request that went through submission (it counts as outstanding). */
void nvme_qpair_finish(struct pnvme_qpair *qp, struct nvme_request *req,
		       const struct pnvme_cpl *cpl);
/* Feed the software queue to the device while trackers are free. */
void nvme_qpair_submit_queued(struct pnvme_qpair *qp);
/* A driver-side completion entry: sct/sc, with or without DNR. */
void nvme_cpl_make(struct pnvme_cpl *cpl, const struct pnvme_qpair *qp, uint16_t sct,
		   uint16_t sc, bool dnr);

/* Complete a request (or a child) with cpl, driver-side. */
void nvme_request_complete(struct pnvme_qpair *qp, struct nvme_request *req,
			   const struct pnvme_cpl *cpl);

/* ------------------------------------------------------------ the hot path, inline */

/* Event-index rule: ring when the new value has passed the controller's index. */
static inline bool nvme_need_mmio(uint16_t event_idx, uint16_t new_val, uint16_t old_val)
{
	return (uint16_t)(new_val - event_idx - 1) < (uint16_t)(new_val - old_val);
}

/* Ring the SQ tail doorbell if the tail moved since the last ring. */
static inline __attribute__((always_inline)) void nvme_qpair_ring_sq(struct pnvme_qpair *qp)
{
	uint32_t tail = qp->sq_tail, old = qp->sq_tail_rung;

	if (tail == old)
		return;
	nvme_wmb(); /* commands in the SQ before the doorbell */
	qp->sq_tail_rung = tail;
	if (__builtin_expect(qp->shadow_sq_tail != NULL, 0)) {
		*qp->shadow_sq_tail = tail;
		nvme_mb(); /* shadow value visible before the event index is read */
		if (!nvme_need_mmio((uint16_t)*qp->ei_sq_tail, (uint16_t)tail, (uint16_t)old))
			return;
	}
	*atomic_load_explicit(&qp->sq_tail_db, memory_order_relaxed) = tail;
	qp->sq_doorbell_writes++;
}

/* Give req the tracker tr (the head of the free list) and put it in the SQ. */
static inline __attribute__((always_inline)) void nvme_qpair_post(struct pnvme_qpair *qp, struct nvme_tracker *tr,
				   struct nvme_request *req)
{
	uint16_t cid;

	qp->free_trackers = tr->next_free;
	tr->req = req;
	/* A new generation per use: a stale or duplicate completion will not match. */
	cid = (uint16_t)(tr->cid + (1u << qp->cid_shift));
	tr->cid = cid;
	req->cmd.cid = cid;
	qp->sq[qp->sq_tail] = req->cmd;
	if (__builtin_expect(++qp->sq_tail == qp->num_entries, 0))
		qp->sq_tail = 0;
	if (!qp->delay_doorbell && !qp->in_completion)
		nvme_qpair_ring_sq(qp);
}

/*
 * Hand a request (or a split parent) to the qpair: to the device if a tracker
 * is free, else to the software queue. Never fails. Inline for the common case:
 * a free tracker, nothing queued, and no payload or a contiguous one of at most
 * two pages whose bus address is known.
 */
static inline __attribute__((always_inline)) void nvme_qpair_submit(struct pnvme_qpair *qp, struct nvme_request *req)
{
	struct nvme_tracker *tr = qp->free_trackers;

	if (__builtin_expect(tr != NULL && qp->queued_head == NULL && req->children_left == 0 &&
				     !atomic_load_explicit(&qp->cold, memory_order_relaxed), 1)) {
		if (req->payload_type == NVME_PAYLOAD_CONTIG &&
		    req->payload_iova != PNVME_VTOPHYS_ERROR) {
			uint64_t iova = req->payload_iova;
			uint32_t first = NVME_PAGE_SIZE - (uint32_t)(iova & (NVME_PAGE_SIZE - 1));

			if (req->payload_size <= first) {
				req->cmd.dptr.prp.prp1 = iova;
				req->cmd.dptr.prp.prp2 = 0;
			} else if (req->payload_size - first <= NVME_PAGE_SIZE) {
				req->cmd.dptr.prp.prp1 = iova;
				req->cmd.dptr.prp.prp2 = iova + first;
			} else {
				nvme_qpair_submit_slow(qp, req);
				return;
			}
		} else if (req->payload_type != NVME_PAYLOAD_NONE) {
			nvme_qpair_submit_slow(qp, req);
			return;
		}
		qp->num_outstanding++;
		nvme_qpair_post(qp, tr, req);
		return;
	}
	nvme_qpair_submit_slow(qp, req);
}

#endif /* PNVME_NVME_QPAIR_H */
