/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PCIe completion loop, inline into nvme_qpair_process(): entries while
 * the phase bit matches, each completed through the common
 * nvme_qpair_complete_cid_inline(), one CQ head doorbell write per batch;
 * and the slow path's data pointer building. For lib/nvme/qpair.c only.
 */
#ifndef PNVME_PCIE_HOT_H
#define PNVME_PCIE_HOT_H

#include "nvme/qpair.h"
#include "pcie_qpair.h"

/* The slow submission's data pointer: PRPs or an SGL in the tracker's pages. */
int nvme_pcie_build_payload(struct pnvme_qpair *qp, struct nvme_tracker *tr,
			    struct nvme_request *req);

static inline __attribute__((always_inline)) uint32_t nvme_pcie_qpair_reap(struct pnvme_qpair *qp,
									  uint32_t max)
{
	struct nvme_pcie_qpair *pq = &qp->pcie;
	uint32_t old_head = pq->cq_head;
	uint32_t n = 0;

	while (n < max) {
		struct pnvme_cpl *cpl = &pq->cq[pq->cq_head];

		if ((cpl->status_raw & PNVME_STATUS_PHASE_BIT) != pq->phase)
			break;
		nvme_rmb(); /* the rest of the entry after its phase bit */
		if (__builtin_expect(++pq->cq_head == pq->num_entries, 0)) {
			pq->cq_head = 0;
			pq->phase ^= 1;
		}
		n++;
		nvme_qpair_complete_cid_inline(qp, cpl);
	}
	if (n > 0)
		nvme_pcie_ring_cq(pq, old_head);
	return n;
}

#endif /* PNVME_PCIE_HOT_H */
