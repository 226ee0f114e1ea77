/* SPDX-License-Identifier: BSD-3-Clause */
/* The PCIe transport's queue commands: create/delete I/O queues, shadow doorbells. */
#include <errno.h>
#include <string.h>

#include "env/log.h"
#include "pcie.h"

int nvme_pcie_create_io_qpair(struct pnvme_ctrlr *c, struct pnvme_qpair *qp)
{
	struct pnvme_cmd cmd = {0};
	struct pnvme_cpl cpl;
	int rc;

	/* Completion queue first: the SQ names it. Physically contiguous, no interrupts. */
	cmd.opc = PNVME_OPC_CREATE_IO_CQ;
	cmd.dptr.prp.prp1 = qp->pcie.cq_bus;
	cmd.cdw10 = ((uint32_t)(qp->num_entries - 1) << 16) | qp->qid;
	cmd.cdw11 = PNVME_QUEUE_PHYS_CONTIG;
	rc = nvme_admin_sync(c, &cmd, NULL, 0, &cpl);
	if (rc != 0) {
		PNVME_ERRLOG("qpair", "Create I/O CQ %u failed: %s", qp->qid,
			     rc == -EIO ? pnvme_cpl_status_str(&cpl) : strerror(-rc));
		return rc;
	}
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = PNVME_OPC_CREATE_IO_SQ;
	cmd.dptr.prp.prp1 = qp->pcie.sq_bus;
	cmd.cdw10 = ((uint32_t)(qp->num_entries - 1) << 16) | qp->qid;
	cmd.cdw11 = ((uint32_t)qp->qid << 16) | PNVME_QUEUE_PHYS_CONTIG;
	rc = nvme_admin_sync(c, &cmd, NULL, 0, &cpl);
	if (rc != 0) {
		PNVME_ERRLOG("qpair", "Create I/O SQ %u failed: %s", qp->qid,
			     rc == -EIO ? pnvme_cpl_status_str(&cpl) : strerror(-rc));
		memset(&cmd, 0, sizeof(cmd));
		cmd.opc = PNVME_OPC_DELETE_IO_CQ;
		cmd.cdw10 = qp->qid;
		nvme_admin_sync(c, &cmd, NULL, 0, NULL);
		return rc;
	}
	return 0;
}

static int delete_queue(struct pnvme_ctrlr *c, uint8_t opc, uint16_t qid)
{
	struct pnvme_cmd cmd = {.opc = opc};

	cmd.cdw10 = qid;
	return nvme_admin_sync(c, &cmd, NULL, 0, NULL);
}

int nvme_pcie_delete_io_sq(struct pnvme_ctrlr *c, struct pnvme_qpair *qp)
{
	return delete_queue(c, PNVME_OPC_DELETE_IO_SQ, qp->qid);
}

int nvme_pcie_delete_io_cq(struct pnvme_ctrlr *c, struct pnvme_qpair *qp)
{
	return delete_queue(c, PNVME_OPC_DELETE_IO_CQ, qp->qid);
}

/*
 * Doorbell Buffer Config: the host writes new tail/head values to a shadow page
 * and rings MMIO only when the controller's event index asks for it, which saves
 * most MMIO writes (each one a VM exit under emulation).
 */
int nvme_pcie_enable_shadow_doorbells(struct pnvme_ctrlr *c)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_DOORBELL_BUFFER_CONFIG};
	int rc;

	/* Kept across resets: a qpair's owner may still hold pointers into them. */
	if (c->shadow_db == NULL)
		c->shadow_db = pnvme_dma_zmalloc(4096, 4096, &c->shadow_db_bus);
	if (c->eventidx == NULL)
		c->eventidx = pnvme_dma_zmalloc(4096, 4096, &c->eventidx_bus);
	if (c->shadow_db == NULL || c->eventidx == NULL) {
		rc = -ENOMEM;
		goto err;
	}
	cmd.dptr.prp.prp1 = c->shadow_db_bus;
	cmd.dptr.prp.prp2 = c->eventidx_bus;
	rc = nvme_admin_sync(c, &cmd, NULL, 0, NULL);
	if (rc == 0) {
		c->shadow_db_on = true;
		return 0;
	}
err:
	c->shadow_db_on = false;
	return rc;
}

void nvme_pcie_qpair_attach_shadow(struct pnvme_ctrlr *c, struct pnvme_qpair *qp)
{
	uint32_t stride = (4u << c->dstrd) / sizeof(uint32_t);
	uint32_t sq = 2u * qp->qid * stride, cq = (2u * qp->qid + 1) * stride;

	if (!c->shadow_db_on || qp->qid == 0 || (cq + 1) * sizeof(uint32_t) > 4096)
		return;
	qp->pcie.shadow_sq_tail = (uint32_t *)c->shadow_db + sq;
	qp->pcie.shadow_cq_head = (uint32_t *)c->shadow_db + cq;
	qp->pcie.ei_sq_tail = (uint32_t *)c->eventidx + sq;
	qp->pcie.ei_cq_head = (uint32_t *)c->eventidx + cq;
	*qp->pcie.shadow_sq_tail = 0;
	*qp->pcie.shadow_cq_head = 0;
	nvme_qpair_set_shadow(qp, true);
}

int nvme_pcie_qpair_create(struct pnvme_qpair *qp)
{
	struct pnvme_ctrlr *c = qp->ctrlr;
	int rc;

	nvme_pcie_qpair_attach_shadow(c, qp);
	rc = nvme_pcie_create_io_qpair(c, qp);
	/* Back from parked_db (a reset) to BAR0 once the queues exist. */
	if (rc == 0)
		nvme_pcie_qpair_set_doorbells(qp, c->regs, c->dstrd);
	return rc;
}

static uint32_t in_device(const struct pnvme_qpair *qp)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i <= qp->cid_index_mask; i++)
		n += qp->trackers[i].req != NULL;
	return n;
}

bool nvme_pcie_qpair_delete(struct pnvme_qpair *qp)
{
	struct pnvme_ctrlr *c = qp->ctrlr;

	/* Delete the SQ (the device ends what it held), reap that. */
	if (nvme_pcie_delete_io_sq(c, qp) != 0)
		return false;
	while (nvme_qpair_process(qp, 0) > 0)
		;
	/* The CQ goes last, and nothing rings its doorbell after. */
	if (in_device(qp) != 0 || nvme_pcie_delete_io_cq(c, qp) != 0)
		return false;
	return true;
}
