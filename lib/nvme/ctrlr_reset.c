/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Controller reset: every outstanding request completes (aborted), the
 * controller is disabled and brought up again, and the I/O queue pairs the
 * user holds are created anew on the device, so handles stay valid.
 */
#include <errno.h>
#include <string.h>

#include "ctrlr.h"
#include "env/log.h"

/* Empty the rings: the controller starts every queue at 0 with phase 1. */
static void qpair_rewind(struct pnvme_qpair *qp)
{
	qp->sq_tail = qp->sq_tail_rung = 0;
	qp->cq_head = 0;
	qp->phase = 1;
	memset(qp->cq, 0, (size_t)qp->num_entries * sizeof(*qp->cq));
	qp->shadow_sq_tail = qp->shadow_cq_head = NULL;
	qp->ei_sq_tail = qp->ei_cq_head = NULL;
	qp->failed = false;
	qp->cold = qp->timeout_ticks != 0;
}

int pnvme_ctrlr_reset(struct pnvme_ctrlr *c)
{
	int rc;

	if (c == NULL)
		return -EINVAL;
	PNVME_NOTICELOG("ctrlr", "%s %s: reset", c->trid.trtype, c->trid.traddr);
	c->resetting = true;
	/* An orderly stop first (a live controller deletes its I/O queues), then disable. */
	for (struct pnvme_qpair *qp = c->qpairs; qp != NULL; qp = qp->next_in_ctrlr)
		nvme_qpair_quiesce(qp);
	pthread_mutex_lock(&c->admin_lock);
	nvme_qpair_abort_all(&c->adminq, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	qpair_rewind(&c->adminq);
	c->adminq.cold = true;
	pnvme_dma_free(c->shadow_db);
	pnvme_dma_free(c->eventidx);
	c->shadow_db = c->eventidx = NULL;
	for (uint32_t i = 0; i < c->num_ns; i++) {
		c->ns[i].ctrlr = NULL; /* identified again below */
		c->ns[i].active = false;
	}
	c->failed = false;
	c->keep_alive_ticks = 0;
	c->state = NVME_STATE_INIT;
	c->state_deadline = 0;
	c->init_error = 0;
	pthread_mutex_unlock(&c->admin_lock);

	/* INIT disables the controller first (CC.EN=0, wait for RDY=0): that is the reset. */
	while ((rc = nvme_ctrlr_init_step(c)) == 0)
		;
	c->resetting = false;
	if (rc < 0) {
		nvme_ctrlr_fail(c, "reset failed");
		return rc;
	}
	for (struct pnvme_qpair *qp = c->qpairs; qp != NULL; qp = qp->next_in_ctrlr) {
		if (qp->qid > c->num_io_queues) {
			nvme_ctrlr_fail(c, "fewer I/O queues granted after reset");
			return -EIO;
		}
		qpair_rewind(qp);
		nvme_pcie_qpair_attach_shadow(c, qp);
		rc = nvme_pcie_create_io_qpair(c, qp);
		if (rc != 0) {
			nvme_ctrlr_fail(c, "cannot create I/O queues after reset");
			return rc;
		}
	}
	return 0;
}
