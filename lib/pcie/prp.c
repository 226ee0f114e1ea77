/* SPDX-License-Identifier: BSD-3-Clause */
/* Building PRP entries and lists from buffers. */
#include <errno.h>

#include "env/log.h"
#include "prp.h"
#include "pnvme/env.h"
#include "nvme/qpair.h"

#define PAGE_MASK ((uint64_t)NVME_PAGE_SIZE - 1)

struct prp_builder {
	struct pnvme_cmd *cmd;
	const struct nvme_prp_list *list;
	uint32_t n;    /* entries so far, PRP1 included */
	uint32_t slot; /* next free slot in the list */
	uint64_t end;  /* bus address just past the last byte added */
};

static int prp_add(struct prp_builder *b, uint64_t addr)
{
	uint64_t *list = b->list->entries;

	if (b->n == 0) {
		b->cmd->dptr.prp.prp1 = addr;
	} else if (b->n == 1) {
		b->cmd->dptr.prp.prp2 = addr;
	} else {
		if (b->n == 2) {
			/* A third page: PRP2 becomes a pointer to the list. */
			list[0] = b->cmd->dptr.prp.prp2;
			b->cmd->dptr.prp.prp2 = b->list->bus;
			b->slot = 1;
		}
		if ((b->slot & (NVME_PRP_ENTRIES_PER_PAGE - 1)) == 0) {
			/* The page is full: its last entry becomes the link to the next. */
			if (b->slot + 1 >= b->list->pages * NVME_PRP_ENTRIES_PER_PAGE)
				return -EINVAL;
			list[b->slot] = list[b->slot - 1];
			list[b->slot - 1] = b->list->bus + b->slot * sizeof(uint64_t);
			b->slot++;
		}
		if (b->slot >= b->list->pages * NVME_PRP_ENTRIES_PER_PAGE)
			return -EINVAL;
		list[b->slot++] = addr;
	}
	b->n++;
	return 0;
}

/* Add a bus-contiguous run of bytes. */
static int prp_add_run(struct prp_builder *b, uint64_t addr, uint64_t len)
{
	uint64_t page;
	int rc;

	if ((addr & 3) != 0)
		return -EINVAL;
	if (b->n > 0 && ((addr & PAGE_MASK) != 0 || (b->end & PAGE_MASK) != 0)) {
		/* Not at a page boundary: can continue only where the last run ended. */
		if (addr != b->end)
			return -EINVAL;
		page = (addr & ~PAGE_MASK) + NVME_PAGE_SIZE;
	} else {
		rc = prp_add(b, addr);
		if (rc != 0)
			return rc;
		page = (addr & ~PAGE_MASK) + NVME_PAGE_SIZE;
	}
	for (; page < addr + len; page += NVME_PAGE_SIZE) {
		rc = prp_add(b, page);
		if (rc != 0)
			return rc;
	}
	b->end = addr + len;
	return 0;
}

/* Translate [va, va+len) run by run; IOVA as VA gives one run. */
static int prp_add_virt(struct prp_builder *b, const uint8_t *va, uint64_t len)
{
	while (len > 0) {
		uint64_t run = len;
		uint64_t addr = pnvme_vtophys(va, &run);
		int rc;

		if (addr == PNVME_VTOPHYS_ERROR || run == 0)
			return -EINVAL;
		rc = prp_add_run(b, addr, run);
		if (rc != 0)
			return rc;
		va += run;
		len -= run;
	}
	return 0;
}

int nvme_prp_build_iov(struct pnvme_cmd *cmd, const struct iovec *iov, uint32_t iovcnt,
		       uint32_t offset, uint32_t len, const struct nvme_prp_list *list)
{
	struct prp_builder b = {.cmd = cmd, .list = list};
	uint32_t i = 0;

	cmd->psdt = 0;
	cmd->dptr.prp.prp1 = 0;
	cmd->dptr.prp.prp2 = 0;
	while (i < iovcnt && offset >= iov[i].iov_len)
		offset -= (uint32_t)iov[i++].iov_len;
	for (; len > 0 && i < iovcnt; i++, offset = 0) {
		uint64_t part = iov[i].iov_len - offset;
		int rc;

		if (part > len)
			part = len;
		rc = prp_add_virt(&b, (const uint8_t *)iov[i].iov_base + offset, part);
		if (rc != 0)
			return rc;
		len -= (uint32_t)part;
	}
	return len == 0 ? 0 : -EINVAL;
}

int nvme_prp_build_contig(struct pnvme_cmd *cmd, void *buf, uint32_t len,
			  const struct nvme_prp_list *list)
{
	uint64_t run = len;
	uint64_t addr = pnvme_vtophys(buf, &run);

	cmd->psdt = 0;
	/* The common case: bus-contiguous, one or two pages. */
	if (likely(addr != PNVME_VTOPHYS_ERROR && run == len && (addr & 3) == 0)) {
		uint64_t first = NVME_PAGE_SIZE - (addr & PAGE_MASK);

		cmd->dptr.prp.prp1 = addr;
		if (len <= first) {
			cmd->dptr.prp.prp2 = 0;
			return 0;
		}
		if (len - first <= NVME_PAGE_SIZE) {
			cmd->dptr.prp.prp2 = addr + first;
			return 0;
		}
	}
	struct iovec iov = {.iov_base = buf, .iov_len = len};

	return nvme_prp_build_iov(cmd, &iov, 1, 0, len, list);
}

int nvme_prp_build_bus(struct pnvme_cmd *cmd, uint64_t iova, uint32_t len,
		       const struct nvme_prp_list *list)
{
	struct prp_builder b = {.cmd = cmd, .list = list};

	cmd->psdt = 0;
	cmd->dptr.prp.prp2 = 0;
	return prp_add_run(&b, iova, len);
}

uint32_t nvme_prp_list_pages(uint32_t max_xfer)
{
	/* Entries after PRP1: at most one per page of the transfer. */
	uint32_t entries = max_xfer / NVME_PAGE_SIZE + 1;
	uint32_t per_page = NVME_PRP_ENTRIES_PER_PAGE - 1; /* one slot links to the next */
	uint32_t pages = 1;

	if (entries > NVME_PRP_ENTRIES_PER_PAGE)
		pages += (entries - NVME_PRP_ENTRIES_PER_PAGE + per_page - 1) / per_page;
	return pages;
}
