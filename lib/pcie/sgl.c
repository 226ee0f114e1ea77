/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SGL data pointers. A payload becomes bus-contiguous runs; one run is a Data
 * Block descriptor in the command itself, several are Data Blocks in the
 * tracker's list pages with a Last Segment descriptor in the command. The
 * pages are contiguous on the bus, so one segment holds the whole list.
 */
#include <errno.h>

#include "env/dma.h"
#include "sgl.h"

struct runs {
	struct pnvme_sgl_desc *list;
	uint32_t cap, n;
	bool dword;
};

static void desc_set(struct pnvme_sgl_desc *d, uint8_t type, uint64_t addr, uint32_t len)
{
	d->address = addr;
	d->length = len;
	d->rsvd[0] = d->rsvd[1] = d->rsvd[2] = 0;
	d->id = PNVME_SGL_ID(type, PNVME_SGL_SUBTYPE_ADDRESS);
}

/* Add [p, p + len) as runs of bus-contiguous memory, merging with the last run. */
static int add_runs(struct runs *r, const uint8_t *p, uint64_t len)
{
	while (len > 0) {
		uint64_t run = len, iova = pnvme_vtophys(p, &run);

		if (iova == PNVME_VTOPHYS_ERROR || run == 0)
			return -EINVAL;
		if (run > len)
			run = len;
		if (run > UINT32_MAX)
			run = UINT32_MAX & ~3u;
		if (r->dword && ((iova | run) & 3) != 0)
			return -EINVAL;
		if (r->n > 0 && r->list[r->n - 1].address + r->list[r->n - 1].length == iova &&
		    (uint64_t)r->list[r->n - 1].length + run <= UINT32_MAX) {
			r->list[r->n - 1].length += (uint32_t)run;
		} else {
			if (r->n == r->cap)
				return -E2BIG;
			desc_set(&r->list[r->n++], PNVME_SGL_TYPE_DATA_BLOCK, iova, (uint32_t)run);
		}
		p += run;
		len -= run;
	}
	return 0;
}

/* One run goes in the command; more go in the list behind a Last Segment. */
static void finish(struct pnvme_cmd *cmd, const struct runs *r, const struct nvme_prp_list *list)
{
	cmd->psdt = PNVME_PSDT_SGL_MPTR_CONTIG;
	if (r->n == 1)
		cmd->dptr.sgl = r->list[0];
	else
		desc_set(&cmd->dptr.sgl, PNVME_SGL_TYPE_LAST_SEGMENT, list->bus,
			 r->n * (uint32_t)sizeof(struct pnvme_sgl_desc));
}

int nvme_sgl_build_iov(struct pnvme_cmd *cmd, const struct iovec *iov, uint32_t iovcnt,
		       uint32_t offset, uint32_t len, bool dword, const struct nvme_prp_list *list)
{
	struct runs r = {(struct pnvme_sgl_desc *)list->entries, nvme_sgl_capacity(list), 0, dword};
	uint32_t i = 0;
	int rc;

	while (i < iovcnt && offset >= iov[i].iov_len)
		offset -= (uint32_t)iov[i++].iov_len;
	for (; len > 0 && i < iovcnt; i++, offset = 0) {
		uint64_t take = iov[i].iov_len - offset;

		if (take > len)
			take = len;
		rc = add_runs(&r, (const uint8_t *)iov[i].iov_base + offset, take);
		if (rc != 0)
			return rc;
		len -= (uint32_t)take;
	}
	if (len > 0 || r.n == 0)
		return -EINVAL;
	finish(cmd, &r, list);
	return 0;
}

int nvme_sgl_build_contig(struct pnvme_cmd *cmd, void *buf, uint32_t len, bool dword,
			  const struct nvme_prp_list *list)
{
	struct iovec iov = {buf, len};

	return nvme_sgl_build_iov(cmd, &iov, 1, 0, len, dword, list);
}

int nvme_sgl_build_bus(struct pnvme_cmd *cmd, uint64_t iova, uint32_t len, bool dword)
{
	if (dword && ((iova | len) & 3) != 0)
		return -EINVAL;
	cmd->psdt = PNVME_PSDT_SGL_MPTR_CONTIG;
	desc_set(&cmd->dptr.sgl, PNVME_SGL_TYPE_DATA_BLOCK, iova, len);
	return 0;
}
