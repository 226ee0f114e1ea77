/* SPDX-License-Identifier: BSD-3-Clause */
/* SGL data pointers (NVMe base spec, "Scatter Gather List"). */
#ifndef PNVME_NVME_SGL_H
#define PNVME_NVME_SGL_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "pnvme/nvme_spec.h"
#include "prp.h"

/* Descriptors one command's list can hold in the tracker's pages. */
static inline uint32_t nvme_sgl_capacity(const struct nvme_prp_list *list)
{
	return list->pages * 4096u / (uint32_t)sizeof(struct pnvme_sgl_desc);
}

/*
 * Describe len bytes of the iovec, from byte offset on, with SGL descriptors:
 * one Data Block in DPTR when one bus-contiguous run carries it all, else a
 * Last Segment in DPTR pointing to Data Blocks in the list. dword: the
 * controller wants dword-aligned addresses and lengths (SGLS 10b). Sets PSDT
 * (metadata, if any, as one buffer at MPTR). -EINVAL for memory that is not
 * DMA-able or misaligned, -E2BIG for more runs than the list holds.
 */
int nvme_sgl_build_iov(struct pnvme_cmd *cmd, const struct iovec *iov, uint32_t iovcnt,
		       uint32_t offset, uint32_t len, bool dword, const struct nvme_prp_list *list);
int nvme_sgl_build_contig(struct pnvme_cmd *cmd, void *buf, uint32_t len, bool dword,
			  const struct nvme_prp_list *list);
/* A payload known to be bus-contiguous from iova: one Data Block, no look-ups. */
int nvme_sgl_build_bus(struct pnvme_cmd *cmd, uint64_t iova, uint32_t len, bool dword);

#endif
