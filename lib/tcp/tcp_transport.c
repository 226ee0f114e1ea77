/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe/TCP transport's ops table, registered by itself at start-up (as
 * lib/sim's PCI provider is): lib/nvme finds it by trtype "tcp" and never
 * names it. Programs linking the internal archive pull this file in with
 * -u nvme_tcp_transport (the Makefile's TCP_TRANSPORT).
 */
#include "tcp.h"
#include "nvme/transport.h"

const struct nvme_transport_ops nvme_tcp_transport = {
	.name = "tcp",
	.kind = NVME_TRANSPORT_OTHER,
	.needs_dma = false, /* the kernel copies: any memory will do */
	.fabrics = true,
	.ctrlr_construct = nvme_tcp_ctrlr_construct,
	.ctrlr_destruct = nvme_tcp_ctrlr_destruct,
	.get_reg_4 = nvme_tcp_get_reg_4,
	.get_reg_8 = nvme_tcp_get_reg_8,
	.set_reg_4 = nvme_tcp_set_reg_4,
	.ctrlr_enable = nvme_tcp_ctrlr_enable,
	.ctrlr_setup = nvme_tcp_ctrlr_setup,
	.ctrlr_quiesce = NULL,
	.ctrlr_stop = nvme_tcp_ctrlr_stop,
	.qpair_init = nvme_tcp_qpair_init,
	.qpair_fini = nvme_tcp_qpair_fini,
	.qpair_create = nvme_tcp_qpair_create,
	.qpair_delete = nvme_tcp_qpair_delete,
	.qpair_reset = nvme_tcp_qpair_reset,
	.qpair_park = nvme_tcp_qpair_park,
	.qpair_submit = nvme_tcp_qpair_submit,
	.qpair_process = nvme_tcp_qpair_process,
	.qpair_flush = nvme_tcp_qpair_flush,
};

__attribute__((constructor)) static void nvme_tcp_register(void)
{
	nvme_transport_register(&nvme_tcp_transport);
}
