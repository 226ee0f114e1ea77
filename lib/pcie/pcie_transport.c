/* SPDX-License-Identifier: BSD-3-Clause */
/* The PCIe transport's ops table: what lib/nvme calls when not inline. */
#include "pcie.h"

/* lib/nvme runs the I/O path (submit, process, flush) inline: qpair.h, pcie_hot.h. */
const struct nvme_transport_ops nvme_pcie_transport = {
	.name = "pcie",
	.kind = NVME_TRANSPORT_PCIE,
	.needs_dma = true,
	.ctrlr_construct = nvme_pcie_ctrlr_construct,
	.ctrlr_destruct = nvme_pcie_ctrlr_destruct,
	.get_reg_4 = nvme_pcie_get_reg_4,
	.get_reg_8 = nvme_pcie_get_reg_8,
	.set_reg_4 = nvme_pcie_set_reg_4,
	.ctrlr_enable = nvme_pcie_ctrlr_enable,
	.ctrlr_setup = nvme_pcie_ctrlr_setup,
	.ctrlr_quiesce = nvme_pcie_ctrlr_quiesce,
	.ctrlr_stop = nvme_pcie_ctrlr_stop,
	.qpair_init = nvme_pcie_qpair_init,
	.qpair_fini = nvme_pcie_qpair_fini,
	.qpair_create = nvme_pcie_qpair_create,
	.qpair_delete = nvme_pcie_qpair_delete,
	.qpair_reset = nvme_pcie_qpair_reset,
	.qpair_park = nvme_pcie_qpair_park,
	.qpair_submit = nvme_pcie_qpair_submit,
	.qpair_process = nvme_pcie_qpair_process,
	.qpair_flush = nvme_pcie_qpair_flush,
};
