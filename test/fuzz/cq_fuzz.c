/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the completion path. A real qpair (nvme_qpair_init on a
 * calloc'd controller, DMA rings from the environment) faces a fake device
 * played by this file: the input decides the queue's size, what is submitted,
 * and every completion queue entry the "device" writes (any CID, right or wrong
 * phase, any SQHD and status), and when the driver reaps them. At the end the
 * qpair is emptied driver-side as freeing it does, and every request submitted
 * must have had exactly one callback, nothing may be left outstanding, every
 * request and tracker must be free again, and no DMA memory may be left.
 * ASan and UBSan watch every step; a broken invariant calls abort().
 *
 * Input (missing bytes read as 0):
 *   byte 0     size class: see entries_for()
 *   bytes 1-2  entries, for the "any size" classes
 *   byte 3     request pool: trackers + (int8_t)byte, at least 1
 *   bytes 4-5  requests submitted at once (modulo pool + 1)
 *   byte 6     bit 0: admin queue (qid 0, no Abort on timeout); bit 1: doorbell
 *              delayed to flushes; bit 2: callbacks keep acting during teardown;
 *              bit 3: shadow doorbells (I/O queue only); bits 4-7: what the
 *              first requests' callbacks do (see fz_cb)
 *   then operations, one opcode byte (low 4 bits) and its arguments (op()).
 *
 * CQ_FUZZ_VERBOSE=1 prints the decoded input and each operation (to replay a
 * crash file); PNVME_LOG=debug lets the driver's own log through.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_lcore.h>
#include <rte_malloc.h>

#include "nvme/ctrlr.h"
#include "pcie/pcie.h"
#include "nvme/qpair.h"
#include "pnvme/env.h"

/* ================================================================ adapter
 * Everything this target knows of the qpair's internals is in this section:
 * adapt it when they change; the rest speaks only through these functions.
 */
#define FZ_MAX_XFER 4096u /* one PRP list page per tracker */

static int fz_qpair_init(struct pnvme_qpair *qp, struct pnvme_ctrlr *ctrlr, uint16_t qid,
			 uint32_t entries, uint32_t pool, volatile void *bar)
{
	int rc = nvme_qpair_init(qp, ctrlr, qid, entries, pool, FZ_MAX_XFER);

	if (rc == 0)
		nvme_pcie_qpair_set_doorbells(qp, bar, 0);
	return rc;
}

/* Shadow doorbells (Doorbell Buffer Config) in two 4 KiB pages; I/O queues only. */
static void fz_attach_shadow(struct pnvme_ctrlr *ctrlr, struct pnvme_qpair *qp, uint32_t *shadow,
			     uint32_t *eventidx)
{
	ctrlr->shadow_db = shadow;
	ctrlr->eventidx = eventidx;
	ctrlr->shadow_db_on = true;
	nvme_pcie_qpair_attach_shadow(ctrlr, qp);
}

static void fz_qpair_fini(struct pnvme_qpair *qp)
{
	nvme_qpair_fini(qp);
}

/* Trackers that can hold a command at once (one SQ slot stays empty). */
static uint32_t fz_usable_trackers(uint32_t entries)
{
	return entries - 1;
}

/* A request with an all-zero command, or NULL when the pool is empty. */
static struct nvme_request *fz_request_get(struct pnvme_qpair *qp, pnvme_cmd_cb cb, void *arg)
{
	return nvme_request_get(qp, cb, arg);
}

static struct pnvme_cmd *fz_request_cmd(struct nvme_request *req)
{
	return &req->cmd;
}

/* A split parent with n children (as ns_cmd.c builds one); NULL if the pool runs out. */
static struct nvme_request *fz_request_get_split(struct pnvme_qpair *qp, pnvme_cmd_cb cb, void *arg,
						 uint32_t n)
{
	struct nvme_request *parent = nvme_request_get(qp, cb, arg), *tail = parent;

	if (parent == NULL)
		return NULL;
	parent->split_qp = qp;
	parent->child_failed = false;
	memset(&parent->parent_cpl, 0, sizeof(parent->parent_cpl));
	for (uint32_t i = 0; i < n; i++) {
		struct nvme_request *child = nvme_request_get(qp, nvme_request_child_cb, parent);

		if (child == NULL) {
			nvme_request_put_tree(qp, parent);
			return NULL;
		}
		child->next = NULL;
		tail->next = child;
		tail = child;
		parent->children_left++;
	}
	return parent;
}

/* The children of a split parent, in order, for filling their commands. */
static struct nvme_request *fz_split_first_child(struct nvme_request *parent)
{
	return parent->next;
}

static struct nvme_request *fz_split_next_child(struct nvme_request *child)
{
	return child->next;
}

static void fz_submit(struct pnvme_qpair *qp, struct nvme_request *req)
{
	nvme_qpair_submit(qp, req);
}

static int32_t fz_process(struct pnvme_qpair *qp, uint32_t max)
{
	return nvme_qpair_process(qp, max);
}

/* What an embedder calls (also fails the qpair's requests once it failed). */
static int32_t fz_poll(struct pnvme_qpair *qp, uint32_t max)
{
	return pnvme_qpair_process_completions(qp, max);
}

/* Complete everything outstanding and queued, driver-side, as freeing the qpair does. */
static void fz_abort_all(struct pnvme_qpair *qp, uint16_t sct, uint16_t sc)
{
	nvme_qpair_abort_all(qp, sct, sc);
}

static void fz_teardown(struct pnvme_qpair *qp)
{
	nvme_qpair_abort_all(qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
}

static bool fz_failed(const struct pnvme_qpair *qp)
{
	return qp->dead || atomic_load(&qp->ctrlr->dead);
}

/*
 * The qpair itself died (dead and paused: nvme_qpair_abort_all() sets dead for
 * a moment only): its rings were rewound, no command the SQ showed is in it.
 */
static bool fz_rings_rewound(const struct pnvme_qpair *qp)
{
	return qp->dead && qp->paused;
}

/* The controller is declared dead (after it was stopped): the owner's next poll ends it all. */
static void fz_set_failed(struct pnvme_qpair *qp)
{
	atomic_store(&qp->ctrlr->dead, true);
	nvme_qpair_kick(qp);
}

static void fz_set_delay_doorbell(struct pnvme_qpair *qp, bool on)
{
	qp->delay_doorbell = on;
}

static bool fz_delay_doorbell(const struct pnvme_qpair *qp)
{
	return qp->delay_doorbell;
}

static void fz_flush(struct pnvme_qpair *qp)
{
	pnvme_qpair_flush(qp);
}

static const struct pnvme_cmd *fz_sq(const struct pnvme_qpair *qp)
{
	return qp->pcie.sq;
}

static uint32_t fz_sq_tail(const struct pnvme_qpair *qp)
{
	return qp->pcie.sq_tail;
}

static struct pnvme_cpl *fz_cq(const struct pnvme_qpair *qp)
{
	return qp->pcie.cq;
}

static uint32_t fz_cq_head(const struct pnvme_qpair *qp)
{
	return qp->pcie.cq_head;
}

static uint8_t fz_phase(const struct pnvme_qpair *qp)
{
	return qp->pcie.cqe_phase != 0;
}

static uint32_t fz_outstanding(const struct pnvme_qpair *qp)
{
	return qp->num_outstanding;
}

static uint32_t fz_free_requests(const struct pnvme_qpair *qp)
{
	uint32_t n = 0;

	for (const struct nvme_request *r = qp->free_reqs; r != NULL; r = r->next)
		n++;
	return n;
}

static uint32_t fz_free_trackers(const struct pnvme_qpair *qp)
{
	uint32_t n = 0;

	for (const struct nvme_tracker *t = qp->free_trackers; t != NULL; t = t->next_free)
		n++;
	return n;
}

static bool fz_queue_empty(const struct pnvme_qpair *qp)
{
	return qp->queued_head == NULL;
}

static bool fz_tracker_free(const struct pnvme_qpair *qp)
{
	return qp->free_trackers != NULL;
}

/*
 * One process call through the owner's slow path (timeouts, recovery), as
 * another thread's kick asks for. Timeouts themselves never complete a
 * command (they escalate to a controller reset, which the sim tier and
 * make soak cover): a fake controller here has nothing to reset.
 */
static int32_t fz_timeout_sweep(struct pnvme_qpair *qp, uint32_t max)
{
	nvme_qpair_kick(qp);
	return nvme_qpair_process(qp, max);
}

/* ================================================================ the harness */

#define FZ_MAX_SUBMITS (1u << 18) /* per input */
#define FZ_MAX_OPS 4096
#define FZ_INFLIGHT (1u << 17) /* CIDs the device has fetched, a power of two */
#define FZ_STALE 64
#define FZ_MAX_DEPTH 4 /* callbacks acting from callbacks */
#define FZ_CHILD_TAG 0x80000000u

/* Callback behaviours (two bits per request). */
enum { CB_NOTHING, CB_RESUBMIT, CB_POLL, CB_RESUBMIT_POLL };

enum {
	REC_POSTED = 1u << 2, /* the device fetched its command */
	REC_SPLIT = 1u << 3,
};

struct fz_rec {
	uint16_t cid;  /* as the device fetched it */
	uint8_t calls; /* callbacks so far */
	uint8_t flags; /* behaviour (bits 0-1), REC_* */
};

static struct {
	struct pnvme_qpair qp;
	struct pnvme_ctrlr *ctrlr;
	uint32_t bar[4096]; /* BAR0: the doorbells land here */
	uint32_t shadow[1024], eventidx[1024];
	uint32_t entries, pool;
	uint16_t qid;
	/* The device. */
	uint32_t sq_seen; /* next SQ slot to fetch */
	uint32_t cq_tail;
	uint8_t cq_phase;
	/* Only posted at the tail and never overrun: a drain must reap it all. */
	bool cq_honest;
	uint16_t *inflight; /* ring of fetched CIDs not yet answered */
	uint32_t if_head, if_count;
	uint16_t stale[FZ_STALE]; /* CIDs answered lately */
	uint32_t n_stale;
	/* The requests. */
	struct fz_rec *rec;
	uint32_t n_rec;
	int depth;
	bool teardown, teardown_acts;
	/* The input. */
	const uint8_t *in;
	size_t in_left;
	bool verbose;
} g;

static __attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "cq_fuzz: %u entries, qid %u: ", g.entries, g.qid);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define TRACE(...)                                                                                 \
	do {                                                                                       \
		if (g.verbose)                                                                     \
			fprintf(stderr, "cq_fuzz: " __VA_ARGS__);                                  \
	} while (0)

static uint8_t in_u8(void)
{
	if (g.in_left == 0)
		return 0;
	g.in_left--;
	return *g.in++;
}

static uint16_t in_u16(void)
{
	uint16_t lo = in_u8();

	return (uint16_t)(lo | in_u8() << 8);
}

/* ------------------------------------------------------------ the device */

static void inflight_push(uint16_t cid)
{
	if (g.if_count == FZ_INFLIGHT) { /* forget the oldest */
		g.if_head = (g.if_head + 1) & (FZ_INFLIGHT - 1);
		g.if_count--;
	}
	g.inflight[(g.if_head + g.if_count) & (FZ_INFLIGHT - 1)] = cid;
	g.if_count++;
}

/* The k-th fetched CID (k modulo how many), taken off the list if take. */
static bool inflight_pick(uint32_t k, bool take, uint16_t *cid)
{
	uint32_t i, head = g.if_head;

	if (g.if_count == 0)
		return false;
	i = (head + k % g.if_count) & (FZ_INFLIGHT - 1);
	*cid = g.inflight[i];
	if (take) { /* the head takes its slot */
		g.inflight[i] = g.inflight[head];
		g.if_head = (head + 1) & (FZ_INFLIGHT - 1);
		g.if_count--;
		g.stale[g.n_stale++ % FZ_STALE] = *cid;
	}
	return true;
}

/* Fetch the commands the driver put in the SQ since last time. */
static void dev_fetch(void)
{
	uint32_t tail = fz_sq_tail(&g.qp);
	/*
	 * Declared dead only after it was stopped: a stopped device answers nothing it
	 * finds in the SQ; what the driver put there is still noted for the checks. Once
	 * the dead qpair's rings were rewound, the SQ holds nothing new.
	 */
	bool stopped = fz_failed(&g.qp);

	if (fz_rings_rewound(&g.qp)) {
		g.sq_seen = tail;
		return;
	}
	while (g.sq_seen != tail) {
		const struct pnvme_cmd *cmd = &fz_sq(&g.qp)[g.sq_seen];
		uint32_t idx = cmd->cdw10 & ~FZ_CHILD_TAG;
		struct fz_rec *r;

		if (idx >= g.n_rec)
			die("SQ slot %u holds a command nobody submitted (tag 0x%x, CID 0x%x)",
			    g.sq_seen, cmd->cdw10, cmd->cid);
		r = &g.rec[idx];
		if ((cmd->cdw10 & FZ_CHILD_TAG) == 0) {
			if (r->flags & REC_POSTED)
				die("request %u is in the SQ twice (CIDs 0x%x, 0x%x)", idx, r->cid,
				    cmd->cid);
			r->flags |= REC_POSTED;
			r->cid = cmd->cid;
		}
		if (!stopped)
			inflight_push(cmd->cid);
		if (++g.sq_seen == g.entries)
			g.sq_seen = 0;
	}
}

/* CQ entries written and not yet reaped (as the device counts them). */
static uint32_t dev_cq_pending(void)
{
	return (g.cq_tail + g.entries - fz_cq_head(&g.qp)) % g.entries;
}

static void dev_write(uint32_t slot, uint16_t cid, uint16_t status, uint16_t sqhd, uint32_t cdw0,
		      uint8_t phase)
{
	struct pnvme_cpl *cpl = &fz_cq(&g.qp)[slot];

	/* Declared dead only after it was stopped: a stopped device writes nothing either. */
	if (fz_failed(&g.qp))
		return;
	cpl->cdw0 = cdw0;
	cpl->cdw1 = 0;
	cpl->sqhd = sqhd;
	cpl->sqid = g.qid;
	cpl->cid = cid;
	cpl->status_raw = (uint16_t)((status & ~PNVME_STATUS_PHASE_BIT) | (phase & 1u));
}

/* The next entry at the device's tail, with its phase. */
static void dev_post(uint16_t cid, uint16_t status, uint16_t sqhd, uint32_t cdw0)
{
	if (fz_failed(&g.qp))
		return;
	if (dev_cq_pending() >= g.entries - 1)
		g.cq_honest = false; /* overruns entries the driver did not reap */
	dev_write(g.cq_tail, cid, status, sqhd, cdw0, g.cq_phase);
	if (++g.cq_tail == g.entries) {
		g.cq_tail = 0;
		g.cq_phase ^= 1;
	}
}

/* ------------------------------------------------------------ requests */

static void fz_cb(void *arg, const struct pnvme_cpl *cpl);

/* Submit one request (n_children > 0: a split parent); false if none was taken. */
static bool submit(uint8_t behaviour, uint32_t n_children, bool raw)
{
	struct nvme_request *req;
	uint32_t idx = g.n_rec;
	void *arg = (void *)(uintptr_t)idx;

	/* The public entry points refuse new work on a failed qpair. */
	if (idx == FZ_MAX_SUBMITS || (fz_failed(&g.qp) && !raw))
		return false;
	req = n_children ? fz_request_get_split(&g.qp, fz_cb, arg, n_children)
			 : fz_request_get(&g.qp, fz_cb, arg);
	if (req == NULL)
		return false;
	g.rec[idx].flags = (uint8_t)((behaviour & 3u) | (n_children ? REC_SPLIT : 0));
	g.n_rec++;
	fz_request_cmd(req)->opc = behaviour & 4u ? PNVME_OPC_ASYNC_EVENT_REQUEST : PNVME_OPC_READ;
	fz_request_cmd(req)->cdw10 = idx;
	if (n_children) {
		for (struct nvme_request *c = fz_split_first_child(req); c != NULL;
		     c = fz_split_next_child(c)) {
			fz_request_cmd(c)->opc = PNVME_OPC_READ;
			fz_request_cmd(c)->cdw10 = idx | FZ_CHILD_TAG;
		}
	}
	fz_submit(&g.qp, req);
	return true;
}

static bool cpl_in_cq(const struct pnvme_cpl *cpl)
{
	const struct pnvme_cpl *cq = fz_cq(&g.qp);

	return cpl >= cq && cpl < cq + g.entries;
}

static void fz_cb(void *arg, const struct pnvme_cpl *cpl)
{
	uint32_t idx = (uint32_t)(uintptr_t)arg;
	struct fz_rec *r;

	if (idx >= g.n_rec)
		die("callback for request %u, never submitted", idx);
	r = &g.rec[idx];
	if (++r->calls > 1)
		die("request %u (CID 0x%x): callback number %u", idx, r->cid, r->calls);
	dev_fetch();
	/* Straight from the CQ: it must be the answer to this request's own command. */
	if (cpl_in_cq(cpl) && !(r->flags & REC_SPLIT)) {
		if (!(r->flags & REC_POSTED))
			die("request %u completed from CQ slot %u but was never in the SQ", idx,
			    (unsigned)(cpl - fz_cq(&g.qp)));
		if (cpl->cid != r->cid)
			die("request %u (CID 0x%x) completed by an entry for CID 0x%x", idx, r->cid,
			    cpl->cid);
	}
	if ((g.teardown && !g.teardown_acts) || g.depth >= FZ_MAX_DEPTH)
		return;
	g.depth++;
	switch (r->flags & 3u) {
	case CB_RESUBMIT:
		submit(r->flags & 3u, 0, false);
		break;
	case CB_POLL:
		fz_poll(&g.qp, 0);
		break;
	case CB_RESUBMIT_POLL:
		submit(r->flags & 3u, 0, false);
		fz_poll(&g.qp, 0);
		break;
	default:
		break;
	}
	g.depth--;
}

/* ------------------------------------------------------------ operations */

/*
 * Entries of the qpair: the low 4 bits of the class pick from the table. The
 * big ones cost 10 to 150 ms a run (the driver zeroes a PRP page and more per
 * tracker), the small ones well under 1 ms: 4096, 65536 and "any size up to
 * 65536" are taken only when the high 4 bits are all set (else the class is
 * "any size up to 1024"), and "any size up to 65536" is log-uniform.
 */
static uint32_t entries_for(uint8_t class)
{
	/* 0: any size, 2 .. 1024 at 12, 2 .. 65536 at 15. */
	/* clang-format off */
	static const uint32_t fixed[16] = {
		2, 3, 4, 5, 8, 16, 64, 100, 127, 257, 1000, 1024, 0, 4096, 65536, 0,
	};
	/* clang-format on */
	uint16_t any = in_u16();
	uint32_t i = class & 15u, n;

	if (i >= 13 && (class & 0xf0) != 0xf0)
		i = 12;
	if (fixed[i] != 0)
		return fixed[i];
	if (i == 12)
		return 2u + any % 1023u;
	n = 2u + (any & ((2u << (any >> 12)) - 1u)); /* up to 2 + 2^(1 + top 4 bits) - 1 */
	return n > 65536 ? 65536 : n;
}

/* Reap until nothing is left; all the device posted must be gone then. */
static void drain(void)
{
	for (uint32_t i = 0; i <= g.entries && fz_process(&g.qp, 0) > 0; i++)
		;
	/* A dead qpair's polls end in -ENXIO: what its CQ still holds does not matter. */
	if (g.cq_honest && !fz_failed(&g.qp) &&
	    (fz_cq_head(&g.qp) != g.cq_tail || fz_phase(&g.qp) != g.cq_phase))
		die("drained, the driver's CQ head is %u phase %u, the device's tail %u phase %u",
		    fz_cq_head(&g.qp), fz_phase(&g.qp), g.cq_tail, g.cq_phase);
}

static void op(uint8_t code)
{
	switch (code & 15) {
	case 0:
	case 1:
	case 2:
	case 3:
	case 4: { /* write a completion queue entry */
		uint8_t mode = in_u8();
		uint16_t a = in_u16(), status = in_u16(), sqhd = in_u16();
		uint16_t cid = a;
		bool wrong_phase = mode & 4, inject = mode & 8;

		dev_fetch();
		switch (mode & 3) {
		case 1: /* the answer to a fetched command */
			inflight_pick(a, true, &cid);
			break;
		case 2: /* a fetched command's CID with one bit flipped */
			if (inflight_pick(a, false, &cid))
				cid ^= (uint16_t)(1u << (a >> 12));
			break;
		case 3: /* a CID answered before */
			if (g.n_stale > 0)
				cid = g.stale[a % (g.n_stale < FZ_STALE ? g.n_stale : FZ_STALE)];
			break;
		default: /* any CID */
			break;
		}
		if (!(mode & 16))
			sqhd = (uint16_t)g.sq_seen;
		if (inject) { /* anywhere from the driver's head on, not moving the tail */
			uint32_t slot = (fz_cq_head(&g.qp) + (mode >> 5)) % g.entries;

			g.cq_honest = false;
			TRACE("cqe at head+%u: cid 0x%x status 0x%x sqhd %u%s\n", mode >> 5, cid,
			      status, sqhd, wrong_phase ? " wrong phase" : "");
			dev_write(slot, cid, status, sqhd, a,
				  (uint8_t)(fz_phase(&g.qp) ^ wrong_phase));
		} else if (wrong_phase) { /* a stale entry at the tail: not posted */
			TRACE("cqe at tail %u, wrong phase: cid 0x%x\n", g.cq_tail, cid);
			dev_write(g.cq_tail, cid, status, sqhd, a, (uint8_t)(g.cq_phase ^ 1));
		} else {
			TRACE("cqe at tail %u: cid 0x%x status 0x%x sqhd %u\n", g.cq_tail, cid,
			      status, sqhd);
			dev_post(cid, status, sqhd, a);
		}
		break;
	}
	case 5:
	case 6: { /* reap */
		uint8_t m = in_u8();
		uint32_t max = m == 255 ? UINT32_MAX : m;
		int32_t n = fz_process(&g.qp, max);

		TRACE("process max %u: %d\n", max, n);
		break;
	}
	case 7: { /* reap as an embedder does */
		uint8_t m = in_u8();
		int32_t n = fz_poll(&g.qp, m);

		TRACE("poll max %u: %d\n", m, n);
		break;
	}
	case 8:
	case 9: { /* submit n requests */
		uint32_t n = in_u8(), done = 0;
		uint8_t b = in_u8();

		while (done < n && submit(b, 0, (b & 0x80) != 0))
			done++;
		TRACE("submit %u of %u (behaviour %u%s%s): %u outstanding\n", done, n, b & 3u,
		      b & 4 ? ", AER" : "", b & 0x80 ? ", raw" : "", fz_outstanding(&g.qp));
		break;
	}
	case 10: { /* submit a split request */
		uint32_t n = 1u + in_u8() % 8u;
		uint8_t b = in_u8();
		bool ok = submit(b, n, (b & 0x80) != 0);

		TRACE("split into %u: %s\n", n, ok ? "submitted" : "refused");
		break;
	}
	case 11: { /* a well-behaved device answers the oldest commands, the driver reaps */
		uint32_t n = in_u8(), room, done = 0;
		uint8_t s = in_u8();
		uint16_t cid;
		uint16_t status =
		    s & 1 ? PNVME_STATUS_RAW(PNVME_SCT_GENERIC, PNVME_SC_LBA_OUT_OF_RANGE) : 0;

		dev_fetch();
		room = fz_usable_trackers(g.entries) - dev_cq_pending();
		if (room > fz_usable_trackers(g.entries))
			room = 0;
		while (done < n && done < room && inflight_pick(0, true, &cid)) {
			dev_post(cid, status, (uint16_t)g.sq_seen, 0);
			done++;
		}
		drain();
		TRACE("device answers %u: %u outstanding\n", done, fz_outstanding(&g.qp));
		break;
	}
	case 12: { /* doorbells */
		uint8_t b = in_u8();

		if (b & 1)
			fz_set_delay_doorbell(&g.qp, !fz_delay_doorbell(&g.qp));
		else
			fz_flush(&g.qp);
		TRACE("%s\n", b & 1 ? "toggle delayed doorbell" : "flush");
		break;
	}
	case 13: { /* everything outstanding times out */
		uint8_t m = in_u8();
		int32_t n = fz_timeout_sweep(&g.qp, m);

		TRACE("timeout sweep, max %u: %d reaped, %u outstanding\n", m, n,
		      fz_outstanding(&g.qp));
		break;
	}
	case 14: { /* the driver completes everything itself (delete, detach) */
		uint16_t st = in_u16();

		TRACE("abort all, status 0x%x\n", st);
		fz_abort_all(&g.qp, (uint16_t)((st >> 8) & 7u), (uint8_t)st);
		break;
	}
	default: { /* rare ones */
		uint8_t b = in_u8();

		if ((b & 7) == 0) {
			TRACE("qpair failed\n");
			fz_set_failed(&g.qp);
		} else if ((b & 7) == 1) {
			TRACE("drain\n");
			drain();
		} else if ((b & 7) == 2) { /* the device moves its shadow event indexes */
			uint16_t sq = in_u16(), cq = in_u16();

			TRACE("event index sq %u cq %u\n", sq, cq);
			for (int i = 0; i < 16; i += 2) {
				g.eventidx[i] = sq;
				g.eventidx[i + 1] = cq;
			}
		}
		break;
	}
	}
	dev_fetch();
	/* Between calls, nobody waits for a tracker that is free (a failed qpair aside). */
	if (!fz_queue_empty(&g.qp) && fz_tracker_free(&g.qp) && !fz_failed(&g.qp))
		die("requests wait in the software queue while a tracker is free");
}

/* ------------------------------------------------------------ libFuzzer */

static uint64_t dma_in_use(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t sum = 0;

	for (unsigned i = 0; i < rte_socket_count(); i++) {
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			sum += st.heap_allocsz_bytes;
	}
	return sum;
}

/* The driver's error log (bogus CIDs are its daily bread here) only on request. */
void __real_pnvme_log(enum pnvme_log_level level, const char *component, const char *fmt, ...);
void __wrap_pnvme_log(enum pnvme_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void __wrap_pnvme_log(enum pnvme_log_level level, const char *component, const char *fmt, ...)
{
	static int wanted = -1;
	char msg[512];
	va_list ap;

	if (wanted < 0)
		wanted = getenv("PNVME_LOG") != NULL;
	if (!wanted)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	__real_pnvme_log(level, component, "%s", msg);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	/* Memory mapped once, not given back and faulted in again at every free. */
	static const char *eal_args[] = {"--legacy-mem"};
	struct pnvme_env_opts opts;
	int rc;

	(void)argc;
	(void)argv;
	pnvme_env_opts_init(&opts, sizeof(opts));
	opts.name = "pnvme-fuzz";
	opts.no_huge = 1;
	opts.mem_mb = 768; /* a 65536-entry qpair takes 261 MiB */
	opts.eal_args = eal_args;
	opts.eal_argc = (int)(sizeof(eal_args) / sizeof(eal_args[0]));
	rc = pnvme_env_init(&opts);
	if (rc != 0) {
		fprintf(stderr, "cq_fuzz: environment failed to start: %d\n", rc);
		exit(1);
	}
	g.rec = calloc(FZ_MAX_SUBMITS, sizeof(*g.rec));
	g.inflight = calloc(FZ_INFLIGHT, sizeof(*g.inflight));
	if (g.rec == NULL || g.inflight == NULL) {
		fprintf(stderr, "cq_fuzz: out of memory\n");
		exit(1);
	}
	g.verbose = getenv("CQ_FUZZ_VERBOSE") != NULL;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t dma_before = dma_in_use();
	uint8_t flags;
	uint32_t first, trackers, free_reqs, free_trackers;
	int pool, rc;

	g.in = data;
	g.in_left = size;
	g.entries = entries_for(in_u8());
	trackers = fz_usable_trackers(g.entries);
	pool = (int)trackers + (int8_t)in_u8();
	g.pool = pool < 1 ? 1u : (uint32_t)pool;
	first = in_u16() % (g.pool + 1u);
	flags = in_u8();
	g.qid = flags & 1 ? 0 : 1;
	g.teardown_acts = flags & 4;
	g.teardown = false;
	g.depth = 0;
	g.sq_seen = g.cq_tail = 0;
	g.cq_phase = 1;
	g.cq_honest = true;
	g.if_head = g.if_count = g.n_stale = 0;
	g.n_rec = 0;
	memset(g.bar, 0, sizeof(g.bar));
	TRACE("%u entries, qid %u, %u requests, %u submitted first, flags 0x%x\n", g.entries, g.qid,
	      g.pool, first, flags);

	g.ctrlr = calloc(1, sizeof(*g.ctrlr));
	if (g.ctrlr == NULL)
		die("out of memory");
	g.ctrlr->max_xfer = FZ_MAX_XFER;
	g.ctrlr->regs = g.bar;
	rc = fz_qpair_init(&g.qp, g.ctrlr, g.qid, g.entries, g.pool, g.bar);
	if (rc != 0)
		die("qpair init failed: %d", rc);
	fz_set_delay_doorbell(&g.qp, flags & 2);
	if (flags & 8) {
		memset(g.shadow, 0, sizeof(g.shadow));
		memset(g.eventidx, 0, sizeof(g.eventidx));
		fz_attach_shadow(g.ctrlr, &g.qp, g.shadow, g.eventidx);
	}

	for (uint32_t i = 0; i < first && submit((uint8_t)(flags >> 4), 0, false); i++)
		;
	dev_fetch();
	for (int n = 0; n < FZ_MAX_OPS && g.in_left > 0; n++)
		op(in_u8());

	/* Free the qpair: everything still out completes driver-side. */
	g.teardown = true;
	fz_teardown(&g.qp);
	for (uint32_t i = 0; i < g.n_rec; i++) {
		if (g.rec[i].calls != 1)
			die("request %u (CID 0x%x%s): %u callbacks after teardown", i, g.rec[i].cid,
			    g.rec[i].flags & REC_POSTED ? "" : ", never fetched", g.rec[i].calls);
	}
	if (fz_outstanding(&g.qp) != 0)
		die("%u requests outstanding after teardown", fz_outstanding(&g.qp));
	if (!fz_queue_empty(&g.qp))
		die("software queue not empty after teardown");
	free_reqs = fz_free_requests(&g.qp);
	if (free_reqs != g.pool)
		die("%u of %u requests free after teardown", free_reqs, g.pool);
	free_trackers = fz_free_trackers(&g.qp);
	if (free_trackers != trackers)
		die("%u of %u trackers free after teardown", free_trackers, trackers);
	TRACE("teardown: %u requests, each called back once\n", g.n_rec);

	fz_qpair_fini(&g.qp);
	free(g.ctrlr);
	memset(g.rec, 0, g.n_rec * sizeof(*g.rec));
	if (dma_in_use() != dma_before)
		die("DMA memory in use went from %lu to %lu bytes", (unsigned long)dma_before,
		    (unsigned long)dma_in_use());
	return 0;
}
