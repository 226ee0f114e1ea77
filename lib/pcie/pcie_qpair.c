/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * PCIe queue pairs: rings and PRP list pages in DMA memory, doorbells in BAR0
 * (or parked), and the data pointer of a request (PRPs or an SGL).
 */
#include <errno.h>
#include <string.h>

#include "pcie.h"
#include "pcie_hot.h"
#include "prp.h"
#include "sgl.h"

void nvme_pcie_qpair_set_doorbells(struct pnvme_qpair *qp, volatile void *bar0, uint32_t dstrd)
{
	volatile uint8_t *base = bar0;

	atomic_store_explicit(&qp->pcie.sq_tail_db,
			      (volatile uint32_t *)(base + pnvme_doorbell_offset(qp->qid, 0, dstrd)),
			      memory_order_release);
	atomic_store_explicit(&qp->pcie.cq_head_db,
			      (volatile uint32_t *)(base + pnvme_doorbell_offset(qp->qid, 1, dstrd)),
			      memory_order_release);
}

int nvme_pcie_qpair_init(struct pnvme_qpair *qp, uint32_t max_xfer)
{
	struct nvme_pcie_qpair *pq = &qp->pcie;
	struct pnvme_ctrlr *c = qp->ctrlr;
	uint32_t n = qp->num_entries, pages = nvme_prp_list_pages(max_xfer);
	uint64_t prp_bus;

	pq->num_entries = n;
	pq->cqe_phase = NVME_PCIE_CQE_PHASE;
	qp->prp_list_pages = pages;
	pq->sq_mem = pnvme_dma_zmalloc((size_t)n * sizeof(struct pnvme_cmd), NVME_PAGE_SIZE,
				       &pq->sq_bus);
	pq->cq_mem = pnvme_dma_zmalloc((size_t)n * sizeof(struct pnvme_cpl), NVME_PAGE_SIZE,
				       &pq->cq_bus);
	/* One tracker per SQ slot but one: a full SQ is tail + 1 == head. */
	pq->prp_mem = pnvme_dma_zmalloc((size_t)(n - 1) * pages * NVME_PAGE_SIZE, NVME_PAGE_SIZE,
					&prp_bus);
	if (!pq->sq_mem || !pq->cq_mem || !pq->prp_mem)
		return -ENOMEM;
	pq->sq = pq->sq_mem;
	pq->cq = pq->cq_mem;
	pq->cq_end = pq->cq + n;
	for (uint32_t i = 0; i < n - 1; i++) {
		struct nvme_tracker *tr = &qp->trackers[i];

		tr->prp_list = (uint64_t *)((uint8_t *)pq->prp_mem + (size_t)i * pages * NVME_PAGE_SIZE);
		tr->prp_list_bus = prp_bus + (uint64_t)i * pages * NVME_PAGE_SIZE;
	}
	/* A controller that is mapped already: the admin queue, a new I/O queue. */
	if (c != NULL && c->regs != NULL)
		nvme_pcie_qpair_set_doorbells(qp, c->regs, PNVME_CAP_DSTRD(c->cap));
	return 0;
}

void nvme_pcie_qpair_fini(struct pnvme_qpair *qp)
{
	struct nvme_pcie_qpair *pq = &qp->pcie;

	pnvme_dma_free(pq->sq_mem);
	pnvme_dma_free(pq->cq_mem);
	pnvme_dma_free(pq->prp_mem);
	pq->sq_mem = pq->cq_mem = pq->prp_mem = NULL;
	pq->sq = NULL;
	pq->cq = pq->cq_end = NULL;
}

/* Empty the rings: the controller starts every queue at 0 with phase 1. */
void nvme_pcie_qpair_reset(struct pnvme_qpair *qp)
{
	struct nvme_pcie_qpair *pq = &qp->pcie;

	pq->sq_tail = pq->sq_tail_rung = 0;
	pq->cq_head = 0;
	pq->cqe_phase = NVME_PCIE_CQE_PHASE;
	memset(pq->cq, 0, (size_t)pq->num_entries * sizeof(*pq->cq));
	pq->shadow_sq_tail = pq->shadow_cq_head = NULL;
	pq->ei_sq_tail = pq->ei_cq_head = NULL;
	nvme_qpair_set_shadow(qp, false);
}

void nvme_pcie_qpair_park(struct pnvme_qpair *qp)
{
	nvme_pcie_park_doorbells(&qp->pcie);
}

int nvme_pcie_build_payload(struct pnvme_qpair *qp, struct nvme_tracker *tr,
			    struct nvme_request *req)
{
	struct nvme_prp_list list = {tr->prp_list, tr->prp_list_bus, qp->prp_list_pages};
	bool dword = qp->ctrlr != NULL && qp->ctrlr->sgl_support == 2;

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
						  dword);
		return nvme_sgl_build_contig(&req->cmd, req->payload.buf, req->payload_size, dword,
					     &list);
	case NVME_PAYLOAD_IOV_SGL:
		return nvme_sgl_build_iov(&req->cmd, req->payload.iov, req->iovcnt,
					  req->iov_offset, req->payload_size, dword, &list);
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

/*
 * The table's I/O path, for a caller that goes through it: lib/nvme itself
 * calls the inline code instead (qpair.h, pcie_hot.h).
 */
int nvme_pcie_qpair_submit(struct pnvme_qpair *qp, struct nvme_tracker *tr,
			   struct nvme_request *req)
{
	int rc = nvme_pcie_build_payload(qp, tr, req);

	if (rc != 0)
		return rc;
	nvme_pcie_sq_copy(&qp->pcie, &req->cmd);
	if (!qp->delay_doorbell && !qp->in_completion)
		nvme_pcie_ring_sq(&qp->pcie);
	return 0;
}

uint32_t nvme_pcie_qpair_process(struct pnvme_qpair *qp, uint32_t max)
{
	return nvme_pcie_qpair_reap(qp, max, qp->sq_db_first);
}

void nvme_pcie_qpair_flush(struct pnvme_qpair *qp)
{
	nvme_pcie_ring_sq(&qp->pcie);
}
