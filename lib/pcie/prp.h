/* SPDX-License-Identifier: BSD-3-Clause */
/* PRP1/PRP2 and PRP lists (NVMe base spec, "Physical Region Page Entry and List"). */
#ifndef PNVME_NVME_PRP_H
#define PNVME_NVME_PRP_H

#include <stdint.h>
#include <sys/uio.h>

#include "pnvme/nvme_spec.h"

/*
 * Where a command's PRP list may go: list_pages contiguous pages (virtually
 * and on the bus). When the list outgrows a page, that page's last entry
 * points to the next page, as the spec has it.
 */
struct nvme_prp_list {
	uint64_t *entries;
	uint64_t bus;
	uint32_t pages;
};

/*
 * Describe len bytes of the iovec, from byte offset on, in cmd's PRP1/PRP2
 * (and the list). Every element but the first of the range must start on a
 * page, every one but the last must end on one, and all must be DMA memory,
 * dword aligned. Returns 0, or -EINVAL when the range breaks those rules or
 * needs more entries than the list holds.
 */
int nvme_prp_build_iov(struct pnvme_cmd *cmd, const struct iovec *iov, uint32_t iovcnt,
		       uint32_t offset, uint32_t len, const struct nvme_prp_list *list);
int nvme_prp_build_contig(struct pnvme_cmd *cmd, void *buf, uint32_t len,
			  const struct nvme_prp_list *list);

/* The same for a payload known to be bus-contiguous from iova. */
int nvme_prp_build_bus(struct pnvme_cmd *cmd, uint64_t iova, uint32_t len,
		       const struct nvme_prp_list *list);

/* List pages a command of max_xfer bytes can need, whatever its buffer's offset. */
uint32_t nvme_prp_list_pages(uint32_t max_xfer);

#endif /* PNVME_NVME_PRP_H */
