/* SPDX-License-Identifier: BSD-3-Clause */
/* The PCIe transport's functions behind its ops table (lib/pcie). */
#ifndef PNVME_PCIE_PCIE_H
#define PNVME_PCIE_PCIE_H

#include <stdbool.h>
#include <stdint.h>

#include "nvme/ctrlr.h"
#include "nvme/qpair.h"
#include "pcie_hot.h"

/* Controller (pcie_ctrlr.c). */
int nvme_pcie_ctrlr_construct(struct pnvme_ctrlr *c);
void nvme_pcie_ctrlr_destruct(struct pnvme_ctrlr *c);
uint32_t nvme_pcie_get_reg_4(struct pnvme_ctrlr *c, uint32_t off);
uint64_t nvme_pcie_get_reg_8(struct pnvme_ctrlr *c, uint32_t off);
void nvme_pcie_set_reg_4(struct pnvme_ctrlr *c, uint32_t off, uint32_t val);
int nvme_pcie_ctrlr_enable(struct pnvme_ctrlr *c);
void nvme_pcie_ctrlr_setup(struct pnvme_ctrlr *c);
void nvme_pcie_ctrlr_quiesce(struct pnvme_ctrlr *c);
bool nvme_pcie_ctrlr_stop(struct pnvme_ctrlr *c);

/* Queue memory and doorbells (pcie_qpair.c). */
int nvme_pcie_qpair_init(struct pnvme_qpair *qp, uint32_t max_xfer);
void nvme_pcie_qpair_fini(struct pnvme_qpair *qp);
/* Point the qpair at its doorbells (BAR0 + offset per CAP.DSTRD). */
void nvme_pcie_qpair_set_doorbells(struct pnvme_qpair *qp, volatile void *bar0, uint32_t dstrd);
void nvme_pcie_qpair_reset(struct pnvme_qpair *qp);
void nvme_pcie_qpair_park(struct pnvme_qpair *qp);
/* The ops table's I/O path (lib/nvme calls the inline code instead). */
int nvme_pcie_qpair_submit(struct pnvme_qpair *qp, struct nvme_tracker *tr,
			   struct nvme_request *req);
uint32_t nvme_pcie_qpair_process(struct pnvme_qpair *qp, uint32_t max);
void nvme_pcie_qpair_flush(struct pnvme_qpair *qp);

/* Queue commands on the admin queue (pcie_queue.c). */
int nvme_pcie_create_io_qpair(struct pnvme_ctrlr *c, struct pnvme_qpair *qp);
int nvme_pcie_delete_io_sq(struct pnvme_ctrlr *c, struct pnvme_qpair *qp);
int nvme_pcie_delete_io_cq(struct pnvme_ctrlr *c, struct pnvme_qpair *qp);
int nvme_pcie_enable_shadow_doorbells(struct pnvme_ctrlr *c);
void nvme_pcie_qpair_attach_shadow(struct pnvme_ctrlr *c, struct pnvme_qpair *qp);
int nvme_pcie_qpair_create(struct pnvme_qpair *qp);
bool nvme_pcie_qpair_delete(struct pnvme_qpair *qp);

#endif /* PNVME_PCIE_PCIE_H */
