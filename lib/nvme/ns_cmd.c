/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * I/O commands: validate, build the 64-byte command in a request, and split
 * what one command cannot carry (MDTS, the optimal I/O boundary, a buffer no
 * PRP list can express) into children that complete their parent once.
 */
#include <errno.h>
#include <string.h>

#include "ctrlr.h"
#include "env/dma.h"
#include "env/log.h"

#define PAGE_MASK ((uintptr_t)NVME_PAGE_SIZE - 1)
#define IO_FLAGS_MASK (PNVME_IO_FLAGS_FUA | PNVME_IO_FLAGS_LIMITED_RETRY)
#define PRINFO_MASK (PNVME_IO_FLAGS_PRACT | PNVME_IO_FLAGS_PRCHK_GUARD | \
		     PNVME_IO_FLAGS_PRCHK_APPTAG | PNVME_IO_FLAGS_PRCHK_REFTAG)

/* What one request, and each piece of it, carries. */
struct payload {
	uint8_t type;   /* NVME_PAYLOAD_CONTIG or _IOV; _SGL added by set_payload */
	bool sgl;       /* data by SGL, not PRP */
	void *buf;
	uint64_t iova;  /* of buf when bus-contiguous, else PNVME_VTOPHYS_ERROR */
	const struct iovec *iov;
	uint16_t iovcnt;
	uint32_t block; /* bytes per block in the data buffer */
	/* Metadata and protection information. */
	uint64_t md_iova; /* separate metadata (MPTR), 0 for none */
	uint32_t md_block;
	uint32_t cdw15;   /* application tag mask and tag */
	bool reftag;      /* CDW14 from the LBA (PI types 1 and 2) */
};

static inline void build_rw(struct pnvme_cmd *cmd, uint8_t opc, uint32_t nsid, uint64_t lba,
			    uint32_t count, uint32_t io_flags)
{
	cmd->opc = opc;
	cmd->nsid = nsid;
	cmd->cdw10 = (uint32_t)lba;
	cmd->cdw11 = (uint32_t)(lba >> 32);
	cmd->cdw12 = (count - 1) | io_flags;
}

/* Metadata pointer, reference and application tags of a piece starting at block index. */
static void build_md(struct pnvme_cmd *cmd, const struct payload *p, uint64_t lba,
		     uint64_t index)
{
	if (p->md_iova != 0)
		cmd->mptr = p->md_iova + index * p->md_block;
	if (p->reftag)
		cmd->cdw14 = (uint32_t)lba;
	cmd->cdw15 = p->cdw15;
}

/* A namespace that takes I/O and a qpair of the same controller. */
static inline bool ns_qp_ok(const struct pnvme_ns *ns, const struct pnvme_qpair *qp)
{
	return likely(ns != NULL && qp != NULL && qp->ctrlr == ns->ctrlr &&
		      atomic_load_explicit(&ns->io_block, memory_order_acquire) == 0);
}

/* Why not: -EINVAL, -ENXIO for a removed namespace, -ENOTSUP for a format we refuse. */
static __attribute__((noinline, cold)) int ns_qp_errno(const struct pnvme_ns *ns,
							const struct pnvme_qpair *qp)
{
	int rc = nvme_ns_io_errno(ns, qp);

	return rc != 0 ? rc : -EINVAL;
}

/* The namespace, the qpair, the range; flags are checked by the caller. */
static inline int check_ns_range(struct pnvme_ns *ns, struct pnvme_qpair *qp, uint64_t lba,
				 uint32_t count)
{
	if (unlikely(!ns_qp_ok(ns, qp)))
		return ns_qp_errno(ns, qp);
	/* count - 1 in 64 bits: zero sectors wraps to the largest value and fails too. */
	if (unlikely(lba >= ns->num_sectors || (uint64_t)count - 1 >= ns->num_sectors - lba))
		return -EINVAL;
	return 0;
}

static inline int check_range(struct pnvme_ns *ns, struct pnvme_qpair *qp, uint64_t lba,
			      uint32_t count)
{
	int rc = check_ns_range(ns, qp, lba, count);

	if (rc == 0 && unlikely(qp->dead))
		return -ENXIO;
	return rc;
}

static inline int check_common(struct pnvme_ns *ns, struct pnvme_qpair *qp, uint64_t lba,
			       uint32_t count, uint32_t io_flags)
{
	if (unlikely(io_flags & ~IO_FLAGS_MASK))
		return -EINVAL;
	return check_range(ns, qp, lba, count);
}

/* Sectors from lba to the next optimal I/O boundary (no boundary: UINT32_MAX). */
static inline uint32_t sectors_to_boundary(const struct pnvme_ns *ns, uint64_t lba)
{
	if (likely(ns->boundary == 0))
		return UINT32_MAX;
	if (ns->boundary_mask != 0)
		return ns->boundary - (uint32_t)(lba & ns->boundary_mask);
	return ns->boundary - (uint32_t)(lba % ns->boundary); /* NOIOB not a power of two */
}

/* The whole buffer is DMA memory, dword aligned. */
static int check_dma(const void *buf, uint64_t len)
{
	const uint8_t *p = buf;

	if (p == NULL || ((uintptr_t)p & 3) != 0)
		return -EINVAL;
	while (len > 0) {
		uint64_t run = len;

		if (pnvme_vtophys(p, &run) == PNVME_VTOPHYS_ERROR || run == 0)
			return -EINVAL;
		p += run;
		len -= run;
	}
	return 0;
}

static int check_iov(const struct iovec *iov, int iovcnt, uint64_t bytes)
{
	uint64_t total = 0;

	if (iov == NULL || iovcnt <= 0 || iovcnt > UINT16_MAX)
		return -EINVAL;
	for (int i = 0; i < iovcnt && total < bytes; i++) {
		if (iov[i].iov_len == 0 || check_dma(iov[i].iov_base, iov[i].iov_len) != 0)
			return -EINVAL;
		total += iov[i].iov_len;
	}
	return total >= bytes ? 0 : -EINVAL;
}

/* Could one PRP list describe bytes of the iovec? (No element boundary off a page.) */
static bool iov_fits_prp(const struct iovec *iov, uint64_t bytes)
{
	for (int i = 0; bytes > iov[i].iov_len; i++) {
		bytes -= iov[i].iov_len;
		if ((((uintptr_t)iov[i].iov_base + iov[i].iov_len) & PAGE_MASK) != 0 ||
		    ((uintptr_t)iov[i + 1].iov_base & PAGE_MASK) != 0)
			return false;
	}
	return true;
}

/* Elements bytes of the iovec spans (each at least one SGL descriptor). */
static uint32_t iov_elements(const struct iovec *iov, uint64_t bytes)
{
	uint32_t n = 1;

	for (int i = 0; bytes > iov[i].iov_len; i++, n++)
		bytes -= iov[i].iov_len;
	return n;
}

static void set_payload(struct nvme_request *req, const struct payload *p, uint64_t offset,
			uint32_t size)
{
	req->payload_size = size;
	req->payload_type = p->type;
	if (p->type == NVME_PAYLOAD_CONTIG) {
		req->payload.buf = (uint8_t *)p->buf + offset;
		req->payload_iova = p->iova == PNVME_VTOPHYS_ERROR ? p->iova : p->iova + offset;
		if (p->sgl)
			req->payload_type = NVME_PAYLOAD_CONTIG_SGL;
	} else if (p->type == NVME_PAYLOAD_IOV) {
		req->payload.iov = p->iov;
		req->iovcnt = p->iovcnt;
		req->iov_offset = (uint32_t)offset;
		if (p->sgl)
			req->payload_type = NVME_PAYLOAD_IOV_SGL;
	}
}

/* Append a child for [lba, lba+count) at block index; the parent owns the chain. */
static int add_child(struct pnvme_qpair *qp, struct nvme_request *parent,
		     struct nvme_request **tail, const struct pnvme_ns *ns, const struct payload *p,
		     uint64_t index, uint64_t lba, uint32_t count, uint32_t io_flags)
{
	struct nvme_request *child = nvme_request_get(qp, nvme_request_child_cb, parent);

	if (child == NULL)
		return -ENOMEM;
	build_rw(&child->cmd, parent->cmd.opc, ns->id, lba, count, io_flags);
	build_md(&child->cmd, p, lba, index);
	if (p->type != NVME_PAYLOAD_NONE)
		set_payload(child, p, index * p->block, count * p->block);
	child->next = NULL; /* the chain ends here until another child follows */
	(*tail)->next = child;
	*tail = child;
	parent->children_left++;
	return 0;
}

static struct nvme_request *new_parent(struct pnvme_qpair *qp, uint8_t opc, pnvme_cmd_cb cb,
				       void *arg)
{
	struct nvme_request *parent = nvme_request_get(qp, cb, arg);

	if (parent == NULL)
		return NULL;
	parent->cmd.opc = opc;
	parent->split_qp = qp;
	parent->child_failed = false;
	memset(&parent->parent_cpl, 0, sizeof(parent->parent_cpl));
	return parent;
}

/* Children of at most max sectors each that do not cross the boundary. */
static __attribute__((noinline)) int split_by_sectors(struct pnvme_ns *ns, struct pnvme_qpair *qp, uint8_t opc,
			    const struct payload *p, uint64_t lba, uint32_t count, uint32_t max,
			    pnvme_cmd_cb cb, void *arg, uint32_t io_flags)
{
	struct nvme_request *parent = new_parent(qp, opc, cb, arg), *tail = parent;
	uint64_t index = 0;

	if (parent == NULL)
		return -ENOMEM;
	while (count > 0) {
		uint32_t n = count < max ? count : max;
		uint32_t to_boundary = sectors_to_boundary(ns, lba);

		if (n > to_boundary)
			n = to_boundary;
		if (add_child(qp, parent, &tail, ns, p, index, lba, n, io_flags) != 0) {
			nvme_request_put_tree(qp, parent);
			return -ENOMEM;
		}
		index += n;
		lba += n;
		count -= n;
	}
	nvme_qpair_submit(qp, parent);
	return 0;
}

/*
 * Children that each stop at the size and boundary limits, and, for PRP,
 * wherever two iovec elements do not meet on page boundaries (for SGL, where
 * the list would hold no more). A cut must fall on a block.
 */
static __attribute__((noinline)) int split_iov(struct pnvme_ns *ns, struct pnvme_qpair *qp, uint8_t opc,
		     const struct payload *p, uint64_t lba, uint32_t count, uint32_t max,
		     pnvme_cmd_cb cb, void *arg, uint32_t io_flags)
{
	struct nvme_request *parent = new_parent(qp, opc, cb, arg), *tail = parent;
	const struct iovec *iov = p->iov;
	uint64_t total = (uint64_t)count * p->block, pos = 0, elem_off = 0;
	uint32_t sgl_cap = qp->prp_list_pages * NVME_PAGE_SIZE / sizeof(struct pnvme_sgl_desc);
	int i = 0;

	if (parent == NULL)
		return -ENOMEM;
	while (pos < total) {
		uint64_t start = pos, child = 0;
		uint32_t to_boundary = sectors_to_boundary(ns, lba), elements = 1;
		uint64_t limit = (uint64_t)(max < to_boundary ? max : to_boundary) * p->block;

		for (;;) {
			uint64_t take = iov[i].iov_len - elem_off;

			if (take > limit - child)
				take = limit - child;
			if (take > total - pos)
				take = total - pos;
			child += take;
			pos += take;
			elem_off += take;
			if (elem_off == iov[i].iov_len) {
				i++;
				elem_off = 0;
			}
			if (child == limit || pos == total)
				break;
			if (p->sgl) {
				if (++elements > sgl_cap)
					break;
				continue;
			}
			/* At a junction of two elements: one command only if both sit on pages. */
			if ((((uintptr_t)iov[i - 1].iov_base + iov[i - 1].iov_len) & PAGE_MASK) != 0 ||
			    ((uintptr_t)iov[i].iov_base & PAGE_MASK) != 0)
				break;
		}
		if (child % p->block != 0) {
			PNVME_ERRLOG("ns", "iovec element boundary falls inside a block and no "
					   "data pointer can express it");
			nvme_request_put_tree(qp, parent);
			return -EINVAL;
		}
		uint32_t n = (uint32_t)(child / p->block);

		if (add_child(qp, parent, &tail, ns, p, start / p->block, lba, n, io_flags) != 0) {
			nvme_request_put_tree(qp, parent);
			return -ENOMEM;
		}
		lba += n;
	}
	nvme_qpair_submit(qp, parent);
	return 0;
}

/*
 * Metadata, PI flags and the data pointer type, checked and settled: md is the
 * separate metadata (NULL for none). The block size of the data buffer follows.
 */
static int prepare_md(struct pnvme_ns *ns, struct pnvme_qpair *qp, struct payload *p, void *md,
		      uint32_t count, uint32_t io_flags, uint16_t apptag_mask, uint16_t apptag)
{
	bool pract = (io_flags & PNVME_IO_FLAGS_PRACT) != 0;
	/* PRACT with 8-byte metadata: the controller inserts/strips PI, no metadata moves. */
	bool md_moves = ns->md_size != 0 && !(pract && ns->md_size == 8);

	if (io_flags & ~(IO_FLAGS_MASK | PRINFO_MASK))
		return -EINVAL;
	if ((io_flags & PRINFO_MASK) && ns->pi_type == PNVME_PI_NONE) {
		PNVME_ERRLOG("ns", "namespace %u: protection information flags, and its format "
				   "has no protection information", ns->id);
		return -EINVAL;
	}
	p->block = ns->sector_size + (ns->md_extended && md_moves ? ns->md_size : 0);
	if (md != NULL && (!md_moves || ns->md_extended)) {
		PNVME_ERRLOG("ns", "namespace %u: a metadata buffer, and its format %s", ns->id,
			     ns->md_size == 0 ? "has no metadata"
			     : ns->md_extended ? "carries metadata in the data buffer (extended)"
					       : "moves none with PRACT and 8-byte metadata");
		return -EINVAL;
	}
	if (md == NULL && md_moves && !ns->md_extended) {
		PNVME_ERRLOG("ns", "namespace %u: its format has %u bytes of separate metadata per "
				   "block: use the *_with_md calls with a metadata buffer", ns->id,
			     ns->md_size);
		return -EINVAL;
	}
	if (md != NULL) {
		uint64_t len = (uint64_t)count * ns->md_size;

		/* MPTR is one bus-contiguous buffer. */
		p->md_iova = env_vtophys_range(md, len);
		if (p->md_iova == PNVME_VTOPHYS_ERROR || (p->md_iova & 3) != 0 || len > UINT32_MAX)
			return -EINVAL;
		p->md_block = ns->md_size;
	}
	p->reftag = ns->pi_type == PNVME_PI_TYPE1 || ns->pi_type == PNVME_PI_TYPE2;
	p->cdw15 = ns->pi_type ? ((uint32_t)apptag_mask << 16 | apptag) : 0;
	(void)qp;
	return 0;
}

/* Everything: metadata, iovecs, SGL, splitting, IOVA as PA. */
static __attribute__((noinline)) int rw_md(struct pnvme_ns *ns, struct pnvme_qpair *qp,
					   uint8_t opc, struct payload *p, void *md, uint64_t lba,
					   uint32_t count, pnvme_cmd_cb cb, void *arg,
					   uint32_t io_flags, uint16_t apptag_mask, uint16_t apptag)
{
	struct nvme_request *req;
	uint64_t bytes;
	uint32_t max;
	int rc;

	rc = check_range(ns, qp, lba, count);
	if (rc == 0)
		rc = prepare_md(ns, qp, p, md, count, io_flags, apptag_mask, apptag);
	if (unlikely(rc != 0))
		return rc;
	bytes = (uint64_t)count * p->block;
	if (unlikely(bytes > UINT32_MAX))
		return -EINVAL;
	if (likely(p->type == NVME_PAYLOAD_CONTIG)) {
		p->iova = env_vtophys_range(p->buf, bytes);
		if (unlikely(p->iova == PNVME_VTOPHYS_ERROR || (p->iova & 3) != 0)) {
			/* Not one bus-contiguous run (IOVA as PA): check it page by page. */
			p->iova = PNVME_VTOPHYS_ERROR;
			rc = check_dma(p->buf, bytes);
		}
	} else {
		rc = check_iov(p->iov, p->iovcnt, bytes);
	}
	/* A transport that copies the data (TCP) takes any memory. */
	if (unlikely(rc != 0) && qp->tr->needs_dma)
		return rc;
	/* SGL when forced, or (auto) where it carries an iovec that PRP would split. */
	p->sgl = qp->dptr_mode == PNVME_DPTR_SGL ||
		 (qp->dptr_mode == PNVME_DPTR_AUTO && p->type == NVME_PAYLOAD_IOV &&
		  qp->ctrlr->sgl_support != 0 && !iov_fits_prp(p->iov, bytes));
	max = p->block == ns->sector_size ? ns->max_sectors : ns->max_sectors_ext;
	if (unlikely(count > max || count > sectors_to_boundary(ns, lba))) {
		if (p->type == NVME_PAYLOAD_CONTIG)
			return split_by_sectors(ns, qp, opc, p, lba, count, max, cb, arg, io_flags);
		return split_iov(ns, qp, opc, p, lba, count, max, cb, arg, io_flags);
	}
	if (p->type == NVME_PAYLOAD_IOV &&
	    (p->sgl ? iov_elements(p->iov, bytes) > qp->prp_list_pages * NVME_PAGE_SIZE /
							 sizeof(struct pnvme_sgl_desc)
		    : !iov_fits_prp(p->iov, bytes)))
		return split_iov(ns, qp, opc, p, lba, count, max, cb, arg, io_flags);

	req = nvme_request_get(qp, cb, arg);
	if (unlikely(req == NULL))
		return -ENOMEM;
	build_rw(&req->cmd, opc, ns->id, lba, count, io_flags);
	build_md(&req->cmd, p, lba, 0);
	set_payload(req, p, 0, (uint32_t)bytes);
	nvme_qpair_submit(qp, req);
	return 0;
}

static inline int rw(struct pnvme_ns *ns, struct pnvme_qpair *qp, uint8_t opc,
		     struct payload *p, uint64_t lba, uint32_t count, pnvme_cmd_cb cb, void *arg,
		     uint32_t io_flags)
{
	return rw_md(ns, qp, opc, p, NULL, lba, count, cb, arg, io_flags, 0, 0);
}

/* A command as its eight 8-byte words (a 64-byte SQ entry). */
typedef uint64_t __attribute__((may_alias)) nvme_cmd_words;
_Static_assert(sizeof(struct pnvme_cmd) == 8 * sizeof(uint64_t), "a command is eight words");

/*
 * The common case, inline and nothing else: one contiguous buffer in DMA
 * memory that one command carries (within MDTS, no boundary to split at, at
 * most two pages), a free tracker and request, nothing queued, a live PCIe
 * qpair. Everything is tested before anything is taken, so that any other
 * case (and every error) starts over in the slow path, which tells the
 * reason: false means "take rw()". make bench-sim counts it with the
 * doorbell, per I/O: 103 instructions (docs/bench.md).
 */
static inline __attribute__((always_inline)) bool rw_fast(struct pnvme_ns *ns,
							  struct pnvme_qpair *qp, uint8_t opc,
							  void *buf, uint64_t lba, uint32_t count,
							  pnvme_cmd_cb cb, void *arg,
							  uint32_t io_flags)
{
	struct nvme_tracker *tr;
	struct nvme_request *req;
	nvme_cmd_words *sqe, *req_words;
	uint32_t tail, cdw12;
	uint64_t bytes, iova, end, prp2, dw01;
	uint16_t cid;

	/* io_block is not tested here: fast_max_sectors is 0 while it refuses I/O. */
	if (unlikely(ns == NULL || qp == NULL || qp->ctrlr != ns->ctrlr))
		return false;
	/*
	 * One compare for the count (zero wraps to the largest value) and one for
	 * the range: fast_max_sectors is at most num_sectors, so num_sectors -
	 * count does not wrap. fast_max_sectors is 0 for a boundary or metadata,
	 * and while I/O is refused; acquire: the fields it guards are read after.
	 */
	if (unlikely(count - 1 >= atomic_load_explicit(&ns->fast_max_sectors, memory_order_acquire) ||
		     lba > ns->num_sectors - count))
		return false;
	bytes = (uint64_t)count * ns->sector_size; /* within max_xfer when count <= max_sectors */
	/* Other memory takes rw_contig(), which looks it up everywhere. */
	iova = env_vtophys_range_first(buf, bytes);
	/*
	 * PNVME_VTOPHYS_ERROR has its low bits set: one test catches it,
	 * misalignment and a qpair that is dead, forces SGLs or is not PCIe
	 * (fast_off).
	 */
	if (unlikely(((iova & 3) | qp->fast_off) != 0))
		return false;
	/* PRP1 and PRP2 (0, or the second page); more takes a PRP list. */
	end = (iova & (NVME_PCIE_PAGE - 1)) + bytes; /* the payload's end, from its first page */
	prp2 = 0;
	if (end > NVME_PCIE_PAGE) {
		if (unlikely(end > 2 * NVME_PCIE_PAGE))
			return false;
		prp2 = (iova & ~(uint64_t)(NVME_PCIE_PAGE - 1)) + NVME_PCIE_PAGE;
	}
	/*
	 * Flags beyond FUA and limited retry (PI) are rw()'s to check; here,
	 * with the qpair's tests, GCC merges the test (1 instruction fewer).
	 * The software queue and the cold flag in one OR: one test, and the
	 * flag's load no longer takes a callee-saved register (2 fewer).
	 */
	tr = qp->free_trackers;
	req = qp->free_reqs;
	if (unlikely((io_flags & ~IO_FLAGS_MASK) || tr == NULL || req == NULL ||
		     ((uintptr_t)qp->queued_head |
		      atomic_load_explicit(&qp->cold, memory_order_relaxed)) != 0))
		return false;

	/* In the order that lets each value go early (fewer registers live at once). */
	qp->free_reqs = req->next;
	req->cb = cb;
	req->cb_arg = arg;
	req->payload.buf = buf; /* payload_iova is not kept: cmd_partial */
	req->payload_size = (uint32_t)bytes;
	/* These four are adjacent: GCC stores them as one 8-byte constant. */
	req->payload_type = NVME_PAYLOAD_CONTIG;
	req->cmd_partial = true;
	req->iovcnt = 0;
	req->split_word = 0;
	qp->num_outstanding++;
	cid = nvme_tracker_claim(qp, tr, req);
	tail = qp->pcie.sq_tail; /* in a local: the stores below may alias the field */
	sqe = (nvme_cmd_words *)&qp->pcie.sq[tail];
	/* Dword 0 (little-endian): opcode, flags 0 (no fusing, PRPs), CID; dword 1 the NSID. */
	dw01 = ns->nsid_dw01 | (uint32_t)cid << 16 | opc;
	cdw12 = (count - 1) | io_flags;
	/*
	 * The whole command as eight 8-byte stores in the SQ slot itself, with
	 * no copy from the request: GCC builds a designated initializer field by
	 * field (4 instructions more). Dwords 0-1 as one value, so that the
	 * request's copy does not read back the stores just made.
	 */
	sqe[0] = dw01;
	sqe[1] = 0; /* dwords 2-3 */
	sqe[2] = 0; /* MPTR */
	sqe[3] = iova;
	sqe[4] = prp2;
	sqe[5] = lba; /* dwords 10-11 */
	sqe[6] = cdw12; /* dword 13 is 0 */
	sqe[7] = 0; /* dwords 14-15 */
	/*
	 * The request keeps only what a resubmission after a reset cannot
	 * rebuild: dwords 0-1 and 10-12 (cmd_partial; the PRPs are built again
	 * and the rest is zero, nvme_request_fill_cmd()).
	 */
	req_words = (nvme_cmd_words *)&req->cmd;
	req_words[0] = dw01;
	req->cmd.cdw10 = (uint32_t)lba;
	req->cmd.cdw11 = (uint32_t)(lba >> 32);
	req->cmd.cdw12 = cdw12;
	qp->pcie.sq_tail = __builtin_expect(++tail == qp->pcie.num_entries, 0) ? 0 : tail;
	nvme_qpair_ring_posted(qp);
	return true;
}

/*
 * What rw_fast() does not take: any DMA memory (not only the first range),
 * a buffer beyond two pages, the software queue; inline still when the
 * payload needs no PRP list. Anything else takes rw().
 */
static inline __attribute__((always_inline)) int rw_contig(struct pnvme_ns *ns,
							   struct pnvme_qpair *qp, uint8_t opc,
							   void *buf, uint64_t lba, uint32_t count,
							   pnvme_cmd_cb cb, void *arg,
							   uint32_t io_flags)
{
	struct nvme_request *req;
	uint64_t bytes, iova;
	int rc;

	/* Flags beyond FUA and limited retry (PI) are rw()'s to check. */
	if (unlikely(io_flags & ~IO_FLAGS_MASK))
		goto slow;
	rc = check_ns_range(ns, qp, lba, count);
	if (unlikely(rc != 0))
		return rc;
	bytes = (uint64_t)count << ns->lba_shift; /* within max_xfer when count <= max_sectors */
	iova = env_vtophys_range(buf, bytes);
	/* fast_max_sectors is 0 for a boundary or metadata. */
	if (unlikely(count > ns->fast_max_sectors || ((iova & 3) | qp->fast_off) != 0))
		goto slow;
	req = nvme_request_get_typed(qp, cb, arg, NVME_PAYLOAD_CONTIG);
	if (unlikely(req == NULL))
		return -ENOMEM;
	build_rw(&req->cmd, opc, ns->id, lba, count, io_flags);
	req->payload.buf = buf;
	req->payload_size = (uint32_t)bytes;
	req->payload_iova = iova;
	nvme_qpair_submit_pcie(qp, req);
	return 0;
slow:;
	struct payload p = {.type = NVME_PAYLOAD_CONTIG, .buf = buf};

	return rw(ns, qp, opc, &p, lba, count, cb, arg, io_flags);
}

/* Read and write's slow path, out of line: rw_fast() took nothing. */
static __attribute__((noinline)) int read_slow(struct pnvme_ns *ns, struct pnvme_qpair *qp,
					       void *buf, uint64_t lba, uint32_t lba_count,
					       pnvme_cmd_cb cb, void *arg, uint32_t io_flags)
{
	return rw_contig(ns, qp, PNVME_OPC_READ, buf, lba, lba_count, cb, arg, io_flags);
}

static __attribute__((noinline)) int write_slow(struct pnvme_ns *ns, struct pnvme_qpair *qp,
						void *buf, uint64_t lba, uint32_t lba_count,
						pnvme_cmd_cb cb, void *arg, uint32_t io_flags)
{
	return rw_contig(ns, qp, PNVME_OPC_WRITE, buf, lba, lba_count, cb, arg, io_flags);
}

int pnvme_ns_cmd_read(struct pnvme_ns *ns, struct pnvme_qpair *qp, void *buf, uint64_t lba,
		      uint32_t lba_count, pnvme_cmd_cb cb, void *arg, uint32_t io_flags)
{
	if (likely(rw_fast(ns, qp, PNVME_OPC_READ, buf, lba, lba_count, cb, arg, io_flags)))
		return 0;
	return read_slow(ns, qp, buf, lba, lba_count, cb, arg, io_flags);
}

int pnvme_ns_cmd_write(struct pnvme_ns *ns, struct pnvme_qpair *qp, void *buf, uint64_t lba,
		       uint32_t lba_count, pnvme_cmd_cb cb, void *arg, uint32_t io_flags)
{
	if (likely(rw_fast(ns, qp, PNVME_OPC_WRITE, buf, lba, lba_count, cb, arg, io_flags)))
		return 0;
	return write_slow(ns, qp, buf, lba, lba_count, cb, arg, io_flags);
}

int pnvme_ns_cmd_compare(struct pnvme_ns *ns, struct pnvme_qpair *qp, void *buf, uint64_t lba,
			 uint32_t lba_count, pnvme_cmd_cb cb, void *arg, uint32_t io_flags)
{
	struct payload p = {.type = NVME_PAYLOAD_CONTIG, .buf = buf};

	return rw(ns, qp, PNVME_OPC_COMPARE, &p, lba, lba_count, cb, arg, io_flags);
}

static int rwv(struct pnvme_ns *ns, struct pnvme_qpair *qp, uint8_t opc, const struct iovec *iov,
	       int iovcnt, uint64_t lba, uint32_t lba_count, pnvme_cmd_cb cb, void *arg,
	       uint32_t io_flags)
{
	struct payload p = {.type = NVME_PAYLOAD_IOV, .iov = iov, .iovcnt = (uint16_t)iovcnt};

	if (iovcnt <= 0 || iovcnt > UINT16_MAX)
		return -EINVAL;
	return rw(ns, qp, opc, &p, lba, lba_count, cb, arg, io_flags);
}

int pnvme_ns_cmd_readv(struct pnvme_ns *ns, struct pnvme_qpair *qp, const struct iovec *iov,
		       int iovcnt, uint64_t lba, uint32_t lba_count, pnvme_cmd_cb cb, void *arg,
		       uint32_t io_flags)
{
	return rwv(ns, qp, PNVME_OPC_READ, iov, iovcnt, lba, lba_count, cb, arg, io_flags);
}

int pnvme_ns_cmd_writev(struct pnvme_ns *ns, struct pnvme_qpair *qp, const struct iovec *iov,
			int iovcnt, uint64_t lba, uint32_t lba_count, pnvme_cmd_cb cb, void *arg,
			uint32_t io_flags)
{
	return rwv(ns, qp, PNVME_OPC_WRITE, iov, iovcnt, lba, lba_count, cb, arg, io_flags);
}

int pnvme_ns_cmd_read_with_md(struct pnvme_ns *ns, struct pnvme_qpair *qp, void *buf, void *md,
			      uint64_t lba, uint32_t lba_count, pnvme_cmd_cb cb, void *arg,
			      uint32_t io_flags, uint16_t apptag_mask, uint16_t apptag)
{
	struct payload p = {.type = NVME_PAYLOAD_CONTIG, .buf = buf};

	return rw_md(ns, qp, PNVME_OPC_READ, &p, md, lba, lba_count, cb, arg, io_flags,
		     apptag_mask, apptag);
}

int pnvme_ns_cmd_write_with_md(struct pnvme_ns *ns, struct pnvme_qpair *qp, void *buf, void *md,
			       uint64_t lba, uint32_t lba_count, pnvme_cmd_cb cb, void *arg,
			       uint32_t io_flags, uint16_t apptag_mask, uint16_t apptag)
{
	struct payload p = {.type = NVME_PAYLOAD_CONTIG, .buf = buf};

	return rw_md(ns, qp, PNVME_OPC_WRITE, &p, md, lba, lba_count, cb, arg, io_flags,
		     apptag_mask, apptag);
}

int pnvme_ns_cmd_compare_with_md(struct pnvme_ns *ns, struct pnvme_qpair *qp, void *buf,
				 void *md, uint64_t lba, uint32_t lba_count, pnvme_cmd_cb cb,
				 void *arg, uint32_t io_flags, uint16_t apptag_mask, uint16_t apptag)
{
	struct payload p = {.type = NVME_PAYLOAD_CONTIG, .buf = buf};

	return rw_md(ns, qp, PNVME_OPC_COMPARE, &p, md, lba, lba_count, cb, arg, io_flags,
		     apptag_mask, apptag);
}

static int rwv_md(struct pnvme_ns *ns, struct pnvme_qpair *qp, uint8_t opc,
		  const struct iovec *iov, int iovcnt, void *md, uint64_t lba, uint32_t lba_count,
		  pnvme_cmd_cb cb, void *arg, uint32_t io_flags, uint16_t apptag_mask,
		  uint16_t apptag)
{
	struct payload p = {.type = NVME_PAYLOAD_IOV, .iov = iov, .iovcnt = (uint16_t)iovcnt};

	if (iovcnt <= 0 || iovcnt > UINT16_MAX)
		return -EINVAL;
	return rw_md(ns, qp, opc, &p, md, lba, lba_count, cb, arg, io_flags, apptag_mask, apptag);
}

int pnvme_ns_cmd_readv_with_md(struct pnvme_ns *ns, struct pnvme_qpair *qp,
			       const struct iovec *iov, int iovcnt, void *md, uint64_t lba,
			       uint32_t lba_count, pnvme_cmd_cb cb, void *arg, uint32_t io_flags,
			       uint16_t apptag_mask, uint16_t apptag)
{
	return rwv_md(ns, qp, PNVME_OPC_READ, iov, iovcnt, md, lba, lba_count, cb, arg, io_flags,
		      apptag_mask, apptag);
}

int pnvme_ns_cmd_writev_with_md(struct pnvme_ns *ns, struct pnvme_qpair *qp,
				const struct iovec *iov, int iovcnt, void *md, uint64_t lba,
				uint32_t lba_count, pnvme_cmd_cb cb, void *arg, uint32_t io_flags,
				uint16_t apptag_mask, uint16_t apptag)
{
	return rwv_md(ns, qp, PNVME_OPC_WRITE, iov, iovcnt, md, lba, lba_count, cb, arg,
		      io_flags, apptag_mask, apptag);
}

/*
 * Fused Compare and Write: a parent with two children, compare then write,
 * that the qpair posts in adjacent SQ slots under one doorbell write.
 */
int pnvme_ns_cmd_compare_and_write(struct pnvme_ns *ns, struct pnvme_qpair *qp,
				   void *compare_buf, void *write_buf, uint64_t lba,
				   uint32_t lba_count, pnvme_cmd_cb cb, void *arg, uint32_t io_flags)
{
	struct payload cmp = {.type = NVME_PAYLOAD_CONTIG, .buf = compare_buf};
	struct payload wr = {.type = NVME_PAYLOAD_CONTIG, .buf = write_buf};
	struct nvme_request *parent, *tail;
	uint32_t bytes;
	int rc;

	rc = check_common(ns, qp, lba, lba_count, io_flags);
	if (rc != 0)
		return rc;
	if (!pnvme_ctrlr_supports_compare_and_write(qp->ctrlr)) {
		PNVME_ERRLOG("ns", "%s: the controller has no fused Compare and Write (FUSES, "
				   "ONCS)", qp->ctrlr->trid.traddr);
		return -ENOTSUP;
	}
	if (ns->md_size != 0 || lba_count > ns->max_sectors ||
	    lba_count > sectors_to_boundary(ns, lba))
		return -EINVAL; /* one command each: the pair cannot be split */
	bytes = lba_count << ns->lba_shift;
	cmp.iova = env_vtophys_range(compare_buf, bytes);
	wr.iova = env_vtophys_range(write_buf, bytes);
	if (check_dma(compare_buf, bytes) != 0 || check_dma(write_buf, bytes) != 0)
		return -EINVAL;
	cmp.block = wr.block = ns->sector_size;
	cmp.sgl = wr.sgl = qp->dptr_mode == PNVME_DPTR_SGL;
	parent = new_parent(qp, PNVME_OPC_COMPARE, cb, arg);
	if (parent == NULL)
		return -ENOMEM;
	tail = parent;
	if (add_child(qp, parent, &tail, ns, &cmp, 0, lba, lba_count, io_flags) != 0 ||
	    add_child(qp, parent, &tail, ns, &wr, 0, lba, lba_count, io_flags) != 0) {
		nvme_request_put_tree(qp, parent);
		return -ENOMEM;
	}
	tail->cmd.opc = PNVME_OPC_WRITE;
	parent->next->cmd.fuse = PNVME_FUSE_FIRST;
	tail->cmd.fuse = PNVME_FUSE_SECOND;
	nvme_qpair_submit(qp, parent);
	return 0;
}

int pnvme_ns_cmd_write_zeroes(struct pnvme_ns *ns, struct pnvme_qpair *qp, uint64_t lba,
			      uint32_t lba_count, pnvme_cmd_cb cb, void *arg, uint32_t io_flags)
{
	struct payload none = {.type = NVME_PAYLOAD_NONE};
	struct nvme_request *req;
	int rc;

	rc = check_common(ns, qp, lba, lba_count, io_flags);
	if (rc != 0)
		return rc;
	/* No data moves, so MDTS does not apply; NLB (16 bits) and the boundary do. */
	if (lba_count > 65536 || lba_count > sectors_to_boundary(ns, lba))
		return split_by_sectors(ns, qp, PNVME_OPC_WRITE_ZEROES, &none, lba, lba_count,
					65536, cb, arg, io_flags);
	req = nvme_request_get(qp, cb, arg);
	if (req == NULL)
		return -ENOMEM;
	build_rw(&req->cmd, PNVME_OPC_WRITE_ZEROES, ns->id, lba, lba_count, io_flags);
	nvme_qpair_submit(qp, req);
	return 0;
}

int pnvme_ns_cmd_flush(struct pnvme_ns *ns, struct pnvme_qpair *qp, pnvme_cmd_cb cb, void *arg)
{
	struct nvme_request *req;

	if (!ns_qp_ok(ns, qp))
		return ns_qp_errno(ns, qp);
	if (qp->dead)
		return -ENXIO;
	req = nvme_request_get(qp, cb, arg);
	if (req == NULL)
		return -ENOMEM;
	req->cmd.opc = PNVME_OPC_FLUSH;
	req->cmd.nsid = ns->id;
	nvme_qpair_submit(qp, req);
	return 0;
}

static int dsm(struct pnvme_ns *ns, struct pnvme_qpair *qp, uint32_t attributes,
	       const struct pnvme_dsm_range *ranges, uint16_t num_ranges, pnvme_cmd_cb cb,
	       void *arg, struct nvme_request **out)
{
	struct nvme_request *req;

	if (!ns_qp_ok(ns, qp))
		return ns_qp_errno(ns, qp);
	if (ranges == NULL)
		return -EINVAL;
	if (num_ranges == 0 || num_ranges > PNVME_DSM_MAX_RANGES)
		return -EINVAL;
	for (uint16_t i = 0; i < num_ranges; i++) {
		if (ranges[i].starting_lba >= ns->num_sectors ||
		    ranges[i].length > ns->num_sectors - ranges[i].starting_lba)
			return -EINVAL;
	}
	if (qp->dead)
		return -ENXIO;
	req = nvme_request_get(qp, cb, arg);
	if (req == NULL)
		return -ENOMEM;
	req->cmd.opc = PNVME_OPC_DATASET_MANAGEMENT;
	req->cmd.nsid = ns->id;
	req->cmd.cdw10 = (uint32_t)num_ranges - 1;
	req->cmd.cdw11 = attributes;
	req->payload_type = NVME_PAYLOAD_DSM;
	req->payload.ranges = ranges;
	req->payload_size = (uint32_t)num_ranges * sizeof(*ranges);
	*out = req;
	return 0;
}

int pnvme_ns_cmd_dataset_management(struct pnvme_ns *ns, struct pnvme_qpair *qp,
				    uint32_t attributes, const struct pnvme_dsm_range *ranges,
				    uint16_t num_ranges, pnvme_cmd_cb cb, void *arg)
{
	struct nvme_request *req;
	int rc = dsm(ns, qp, attributes, ranges, num_ranges, cb, arg, &req);

	if (rc == 0)
		nvme_qpair_submit(qp, req);
	return rc;
}

int pnvme_ns_cmd_deallocate(struct pnvme_ns *ns, struct pnvme_qpair *qp, uint64_t lba,
			    uint32_t lba_count, pnvme_cmd_cb cb, void *arg)
{
	struct pnvme_dsm_range range = {.length = lba_count, .starting_lba = lba};
	struct nvme_request *req;
	int rc;

	if (lba_count == 0)
		return -EINVAL;
	rc = dsm(ns, qp, PNVME_DSM_ATTR_DEALLOCATE, &range, 1, cb, arg, &req);
	if (rc != 0)
		return rc;
	/* The request keeps its own copy: the caller's range may go out of scope. */
	req->inline_range = range;
	req->payload.ranges = &req->inline_range;
	nvme_qpair_submit(qp, req);
	return 0;
}

int pnvme_ctrlr_cmd_io_raw(struct pnvme_ctrlr *ctrlr, struct pnvme_qpair *qp,
			   const struct pnvme_cmd *cmd, void *buf, uint32_t len, pnvme_cmd_cb cb,
			   void *arg)
{
	struct nvme_request *req;

	if (ctrlr == NULL || qp == NULL || cmd == NULL || qp->ctrlr != ctrlr ||
	    (buf == NULL) != (len == 0) || len > ctrlr->max_xfer)
		return -EINVAL;
	if (buf != NULL && check_dma(buf, len) != 0)
		return -EINVAL;
	if (qp->dead)
		return -ENXIO;
	req = nvme_request_get(qp, cb, arg);
	if (req == NULL)
		return -ENOMEM;
	req->cmd = *cmd;
	req->cmd.psdt = 0;
	if (buf != NULL) {
		req->payload_type = NVME_PAYLOAD_CONTIG;
		req->payload.buf = buf;
		req->payload_size = len;
	}
	nvme_qpair_submit(qp, req);
	return 0;
}
