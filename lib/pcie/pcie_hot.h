/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PCIe completion loop for a batch (lib/nvme/qpair.c's poll takes one
 * entry itself): entries while the phase bit matches, each completed through
 * the common nvme_qpair_complete_one(), one CQ head doorbell write per batch;
 * the phase test; and the slow path's data pointer building. For
 * lib/nvme/qpair.c only.
 */
#ifndef PNVME_PCIE_HOT_H
#define PNVME_PCIE_HOT_H

#include "nvme/qpair.h"
#include "pcie_qpair.h"

/* The slow submission's data pointer: PRPs or an SGL in the tracker's pages. */
int nvme_pcie_build_payload(struct pnvme_qpair *qp, struct nvme_tracker *tr,
			    struct nvme_request *req);

/*
 * Reap at most max entries; the CQ head doorbell after them (after the SQ
 * tail's, when sq_first, qp->sq_db_first: new commands the callbacks posted
 * reach the device before it is told of the free CQ slots).
 */
static inline __attribute__((always_inline)) uint32_t nvme_pcie_qpair_reap(struct pnvme_qpair *qp,
									  uint32_t max,
									  bool sq_first)
{
	struct nvme_pcie_qpair *pq = &qp->pcie;
	/*
	 * The position in locals, written back once after the loop: every
	 * callback is an opaque call after which the compiler would reload each
	 * field, and no callback can reach this CQ (a nested poll returns at
	 * once; freeing or resetting the qpair is refused inside a callback).
	 * pq->cq_head keeps the batch's first entry until then (ring_cq's).
	 */
	const struct pnvme_cpl *cpl = &pq->cq[pq->cq_head];
	uint32_t phase = pq->cqe_phase;
	uint32_t n = 0;

	/* max >= 1 (the caller caps it): the first entry needs no count test. */
	for (;;) {
		uint32_t dw3 = nvme_pcie_cqe_dw3_load(cpl);

		if ((dw3 & NVME_PCIE_CQE_PHASE) != phase)
			break;
		nvme_rmb(); /* the rest of the entry (cdw0, sqhd, status) after its phase bit */
		n++;
		nvme_qpair_complete_one(qp, cpl, dw3);
		if (__builtin_expect(++cpl == pq->cq_end, 0)) {
			cpl = pq->cq;
			phase ^= NVME_PCIE_CQE_PHASE;
			pq->cqe_phase = phase;
		}
		if (n == max)
			break;
	}
	if (n == 0)
		return 0;
	if (sq_first)
		nvme_pcie_ring_sq(pq);
	nvme_pcie_ring_cq(pq, (uint32_t)(cpl - pq->cq));
	return n;
}

/*
 * An entry, by its dword 3, is new: it has the phase expected from the CQ
 * head to the ring's end (the device wrote it since the head last passed).
 */
static inline __attribute__((always_inline)) bool nvme_pcie_cqe_new(const struct nvme_pcie_qpair *pq,
								   uint32_t dw3)
{
	return (dw3 & NVME_PCIE_CQE_PHASE) == pq->cqe_phase;
}

#endif /* PNVME_PCIE_HOT_H */
