/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queue pairs: requests, trackers (one per SQ slot, CID-indexed), the software
 * queue, submission and completion. Shared by the admin queue and I/O queues.
 */
#ifndef PNVME_NVME_QPAIR_H
#define PNVME_NVME_QPAIR_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "env/barrier.h"
#include "pnvme/nvme.h"
#include "transport.h"

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

/*
 * Two cache lines on the common path: the command (line 0) and everything
 * the submission and the completion touch (line 1, up to iov_offset). The
 * split-only and queue-only fields follow in line 2, which a single 4 KiB
 * read or write never touches.
 */
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
	uint64_t payload_iova; /* bus address of a contiguous payload, or PNVME_VTOPHYS_ERROR */
	uint32_t payload_size;
	uint8_t payload_type;
	/*
	 * cmd holds dwords 0-1 and 10-12 only, the rest is zero by definition,
	 * and payload_iova is not set (the inline read/write path built the
	 * command in the SQ slot); see nvme_request_fill_cmd().
	 */
	bool cmd_partial;
	uint16_t iovcnt;
	/* Split-only: zero for a request that is not a split parent. */
	union {
		struct {
			uint16_t children_left;
			uint8_t resubmits; /* times sent again after a reset (reset_resubmit) */
			bool child_failed;
		};
		uint32_t split_word; /* the three above, zeroed with one store */
	};
	uint32_t iov_offset;
	/* Cold: the software queue and the split parent's own completion. */
	uint32_t queued_sweep; /* the qpair's sweep count when it entered the software queue */
	/* A split parent's qpair: its children complete through nvme_request_child_cb(parent). */
	struct pnvme_qpair *split_qp;
	struct pnvme_cpl parent_cpl;
	struct pnvme_dsm_range inline_range;
} __attribute__((aligned(64)));

_Static_assert(offsetof(struct nvme_request, iov_offset) + sizeof(uint32_t) <= 128,
	       "a request's common fields fit the line after its command");

struct nvme_tracker {
	struct nvme_request *req; /* NULL when free */
	struct nvme_tracker *next_free;
	uint64_t *prp_list;       /* the transport's per-command DMA pages (PCIe: PRP list) */
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
	/* The PCIe transport's rings and doorbells, hot, first (lib/pcie/pcie_qpair.h). */
	struct nvme_pcie_qpair pcie;

	/* Hot, one cache line: trackers, requests, the software queue. */
	_Alignas(64) union {
		struct {
			bool delay_doorbell; /* the embedder batches: pnvme_qpair_flush() rings */
			bool in_completion;  /* callbacks running: doorbell rung once at the end */
			bool shadow_sq;      /* shadow doorbells: a post rings out of line */
			uint8_t poll_other;  /* NVME_POLL_OTHER_*: polls take process_other() */
			/*
			 * Set (by any thread) when the owner must look at the
			 * controller: a reset, a failure, a paused or dead qpair.
			 * Submission and completion each test it once; everything
			 * behind it is the slow path.
			 */
			_Atomic uint8_t cold;
			uint8_t tr_kind; /* enum nvme_transport_kind: PCIe (0) inline, others by tr */
		};
		uint32_t post_gates; /* bytes 0-3, which only the owner writes */
		uint64_t gates;      /* all of them: one test reads several, NVME_GATE_* */
	};
	uint16_t cid_gen;     /* 1 << cid_shift: added to a tracker's CID per use */
	uint16_t cid_index_mask;
	uint16_t poll_countdown; /* polls until the next look at the clock (timeouts) */
	uint8_t fast_off;  /* NVME_FAST_OFF_*: read/write take rw(), not the inline path */
	struct nvme_tracker *trackers; /* cid_index_mask + 1 of them: any CID indexes one */
	struct nvme_tracker *free_trackers;
	struct nvme_request *free_reqs;
	struct nvme_request *queued_head; /* software queue, FIFO */
	struct pnvme_ctrlr *ctrlr; /* read/write check the namespace's against it */
	uint32_t num_outstanding;

	/* Cold. */
	struct nvme_request *queued_tail;
	uint8_t sq_db_first; /* ring the SQ tail before the CQ head after callbacks (default) */
	uint8_t dptr_mode;   /* enum pnvme_dptr_mode */
	uint16_t max_completions; /* a poll's cap: its latency bounded */
	uint32_t num_entries; /* up to 65536 (CAP.MQES = 0xffff) */
	uint16_t cid_shift;   /* CID = tracker index | generation << cid_shift */
	const struct nvme_transport_ops *tr;
	void *tr_qpair; /* a transport other than PCIe keeps its state here */
	uint16_t qid;
	uint32_t num_requests;
	uint32_t prp_list_pages; /* data pointer list pages per command (PCIe) */
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
	struct pnvme_qpair *next_in_ctrlr;
} __attribute__((aligned(64))); /* aligned_alloc wants a size that is a multiple of 64 */

/*
 * qp->gates, one byte per field (little-endian): one test reads several.
 * A post rings the MMIO doorbell itself unless NVME_GATE_POST (post_gates,
 * the owner's bytes); a poll is the inline PCIe one unless NVME_GATE_POLL
 * (gates, read relaxed: other threads set cold). An imm32 mask of 0xffffff00
 * is sign-extended to 64 bits: bytes 1-7.
 */
#define NVME_GATE_POST 0x00ffffffu /* delay_doorbell, in_completion, shadow_sq */
/* in_completion, shadow_sq, poll_other, cold, tr_kind; bytes 6-7 are padding, zero */
#define NVME_GATE_POLL 0xffffffffffffff00ull
_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "qp->gates' masks are little-endian");
_Static_assert(offsetof(struct pnvme_qpair, in_completion) - offsetof(struct pnvme_qpair, gates) == 1 &&
		       offsetof(struct pnvme_qpair, shadow_sq) - offsetof(struct pnvme_qpair, gates) == 2 &&
		       offsetof(struct pnvme_qpair, poll_other) - offsetof(struct pnvme_qpair, gates) == 3 &&
		       offsetof(struct pnvme_qpair, cold) - offsetof(struct pnvme_qpair, gates) == 4 &&
		       offsetof(struct pnvme_qpair, tr_kind) - offsetof(struct pnvme_qpair, gates) == 5,
	       "qp->gates' bytes where the masks say");

/* Why a poll is not the inline PCIe one (qp->poll_other). */
#define NVME_POLL_OTHER_TRANSPORT 0x1 /* not PCIe: the transport's own poll */
#define NVME_POLL_OTHER_CQ_FIRST 0x2  /* sq_doorbell_first off: the CQ head before the SQ tail */
#define NVME_POLL_OTHER_SHADOW 0x4    /* shadow doorbells: the event index rule */

/* The hot path touches PCIe's two lines and this one: keep it so. */
_Static_assert(offsetof(struct pnvme_qpair, num_outstanding) + sizeof(uint32_t) -
			       offsetof(struct pnvme_qpair, gates) <= 64,
	       "the common hot fields fit one cache line");

/*
 * Memory and bookkeeping for a queue pair, with the controller's transport
 * (PCIe when it has none yet); no device commands.
 */
int nvme_qpair_init(struct pnvme_qpair *qp, struct pnvme_ctrlr *ctrlr, uint16_t qid,
		    uint32_t num_entries, uint32_t num_requests, uint32_t max_xfer);
void nvme_qpair_fini(struct pnvme_qpair *qp);

#define NVME_FAST_OFF_DEAD 0x1 /* mirrors dead: -ENXIO */
#define NVME_FAST_OFF_SGL 0x2  /* SGL forced: the inline path would build PRPs */
#define NVME_FAST_OFF_TRANSPORT 0x4 /* not PCIe: the inline path is PCIe's */

static inline void nvme_qpair_set_dead(struct pnvme_qpair *qp, bool dead)
{
	qp->dead = dead;
	qp->fast_off = (uint8_t)((qp->fast_off & ~NVME_FAST_OFF_DEAD) | (dead ? NVME_FAST_OFF_DEAD : 0));
}

/* Shadow doorbells on or off: posts and polls take the out-of-line doorbell code. */
static inline void nvme_qpair_set_shadow(struct pnvme_qpair *qp, bool on)
{
	qp->shadow_sq = on;
	qp->poll_other = (uint8_t)((qp->poll_other & ~NVME_POLL_OTHER_SHADOW) |
				   (on ? NVME_POLL_OTHER_SHADOW : 0));
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
	req->cmd_partial = false;
	req->payload_size = 0;
	req->payload_iova = PNVME_VTOPHYS_ERROR;
	req->split_word = 0;
	return req;
}

/*
 * The whole command again, for one that is to be posted from req->cmd once
 * more; a partial one's payload is looked up again (its PRPs are built anew).
 */
static inline void nvme_request_fill_cmd(struct nvme_request *req)
{
	if (req->cmd_partial) {
		req->payload_iova = PNVME_VTOPHYS_ERROR;
		req->cmd.cdw2 = req->cmd.cdw3 = 0;
		req->cmd.mptr = 0;
		memset(&req->cmd.dptr, 0, sizeof(req->cmd.dptr));
		req->cmd.cdw13 = req->cmd.cdw14 = req->cmd.cdw15 = 0;
		req->cmd_partial = false;
	}
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

/*
 * The common completion of one entry a transport found: the tracker by CID
 * (generation checked), invalid_completions for a CID not outstanding, the
 * tracker freed, the request's callback (or its parent's accounting). Every
 * transport completes through it; the software queue is fed once per poll by
 * nvme_qpair_process(). False: the entry was dropped.
 */
bool nvme_qpair_complete_cid(struct pnvme_qpair *qp, const struct pnvme_cpl *cpl);

/* Out of line: the rare and the cold. */
__attribute__((cold)) void nvme_qpair_invalid_completion(struct pnvme_qpair *qp,
							 const struct pnvme_cpl *cpl);
void nvme_request_child_done(struct pnvme_qpair *qp, struct nvme_request *parent,
			     const struct pnvme_cpl *cpl);
/*
 * A split child's callback, its argument the parent: the parent's accounting.
 * So the completion path has one callback test for every request.
 */
void nvme_request_child_cb(void *parent, const struct pnvme_cpl *cpl);
/* Send what was posted and not announced, on a transport other than PCIe. */
void nvme_qpair_flush_other(struct pnvme_qpair *qp);

/* ------------------------------------------------------------ the hot path, inline */

/* Send what was posted and not announced yet: the SQ tail doorbell for PCIe. */
static inline __attribute__((always_inline)) void nvme_qpair_flush(struct pnvme_qpair *qp)
{
	if (__builtin_expect(qp->tr_kind == NVME_TRANSPORT_PCIE, 1))
		nvme_pcie_ring_sq(&qp->pcie);
	else
		nvme_qpair_flush_other(qp);
}

/*
 * req takes tr (the head of the free list) and a new CID generation, which
 * it returns; the command's CID field is the caller's.
 */
static inline __attribute__((always_inline)) uint16_t nvme_tracker_claim(struct pnvme_qpair *qp,
									struct nvme_tracker *tr,
									struct nvme_request *req)
{
	uint16_t cid;

	qp->free_trackers = tr->next_free;
	tr->req = req;
	/* A new generation per use: a stale or duplicate completion will not match. */
	cid = (uint16_t)(tr->cid + qp->cid_gen);
	tr->cid = cid;
	return cid;
}

/* req takes tr and a new CID generation, written into its command. */
static inline __attribute__((always_inline)) void nvme_tracker_take(struct pnvme_qpair *qp,
								   struct nvme_tracker *tr,
								   struct nvme_request *req)
{
	req->cmd.cid = nvme_tracker_claim(qp, tr, req);
}

/* A post's doorbell when not held (batching, in a callback), out of line. */
void nvme_qpair_ring_posted_gated(struct pnvme_qpair *qp);

/* PCIe, after a post: the SQ tail doorbell, unless batching or in a callback. */
static inline __attribute__((always_inline)) void nvme_qpair_ring_posted(struct pnvme_qpair *qp)
{
	/* One test; shadow doorbells take the out-of-line call. */
	if (__builtin_expect((qp->post_gates & NVME_GATE_POST) == 0, 1))
		nvme_pcie_ring_sq_posted_mmio(&qp->pcie);
	else
		nvme_qpair_ring_posted_gated(qp);
}

/* PCIe: give req the tracker tr, copy it into the SQ, ring unless batching. */
static inline __attribute__((always_inline)) void nvme_qpair_post_pcie(struct pnvme_qpair *qp,
								      struct nvme_tracker *tr,
								      struct nvme_request *req)
{
	nvme_tracker_take(qp, tr, req);
	nvme_pcie_sq_copy(&qp->pcie, &req->cmd);
	nvme_qpair_ring_posted(qp);
}

/*
 * nvme_qpair_submit() on a qpair known to be PCIe (fast_off clear): the
 * inline case is a free tracker, nothing queued, and no payload or a
 * contiguous one of at most two pages whose bus address is known.
 */
static inline __attribute__((always_inline)) void nvme_qpair_submit_pcie(struct pnvme_qpair *qp,
									struct nvme_request *req)
{
	struct nvme_tracker *tr = qp->free_trackers;

	if (__builtin_expect(tr != NULL && qp->queued_head == NULL && req->children_left == 0 &&
				     !atomic_load_explicit(&qp->cold, memory_order_relaxed), 1)) {
		if (req->payload_type == NVME_PAYLOAD_CONTIG &&
		    req->payload_iova != PNVME_VTOPHYS_ERROR) {
			if (!nvme_pcie_prp_fast(&req->cmd, req->payload_iova, req->payload_size)) {
				nvme_qpair_submit_slow(qp, req);
				return;
			}
		} else if (req->payload_type != NVME_PAYLOAD_NONE) {
			nvme_qpair_submit_slow(qp, req);
			return;
		}
		qp->num_outstanding++;
		nvme_qpair_post_pcie(qp, tr, req);
		return;
	}
	nvme_qpair_submit_slow(qp, req);
}

/*
 * Hand a request (or a split parent) to the qpair: to the device if a tracker
 * is free, else to the software queue. Never fails. PCIe's common case is
 * inline; other transports take nvme_qpair_submit_slow() and their ops table.
 */
static inline __attribute__((always_inline)) void nvme_qpair_submit(struct pnvme_qpair *qp,
								   struct nvme_request *req)
{
	if (__builtin_expect(qp->tr_kind != NVME_TRANSPORT_PCIE, 0)) {
		nvme_qpair_submit_slow(qp, req);
		return;
	}
	nvme_qpair_submit_pcie(qp, req);
}

/*
 * nvme_qpair_complete_cid(), inline for lib/pcie's completion loop, with the
 * entry's dword 3 already loaded (the CID with the phase, in one load).
 */
static inline __attribute__((always_inline)) bool
nvme_qpair_complete_one(struct pnvme_qpair *qp, const struct pnvme_cpl *cpl, uint32_t dw3)
{
	/* CQE dword 3: the CID in its low 16 bits (the status above is not looked at here). */
	uint16_t cid = (uint16_t)dw3;
	/*
	 * The array has an entry for every index the mask lets through. The AND
	 * in 64 bits: in 32, GCC zero-extends the index again (1 per completion).
	 */
	struct nvme_tracker *tr = &qp->trackers[(size_t)dw3 & qp->cid_index_mask];
	struct nvme_request *req = tr->req;
	pnvme_cmd_cb cb;
	void *arg;

	/* Free (req NULL), or a stale generation: not outstanding. */
	if (__builtin_expect(req == NULL || tr->cid != cid, 0)) {
		nvme_qpair_invalid_completion(qp, cpl);
		return false;
	}
	nvme_tracker_free(qp, tr);
	qp->num_outstanding--;
	cb = req->cb;
	arg = req->cb_arg;
	/* Free first: the callback may submit again and reuse the request. */
	nvme_request_put(qp, req);
	/* A split child's callback is nvme_request_child_cb(). */
	if (cb != NULL)
		cb(arg, cpl);
	return true;
}

static inline __attribute__((always_inline)) bool
nvme_qpair_complete_cid_inline(struct pnvme_qpair *qp, const struct pnvme_cpl *cpl)
{
	return nvme_qpair_complete_one(qp, cpl, cpl->cid);
}

#endif /* PNVME_NVME_QPAIR_H */
