/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVM command set on sparse memory: Read, Write, Compare, Flush, Write Zeroes,
 * Dataset Management. Each namespace is an anonymous MAP_NORESERVE mapping
 * (sim_ns.c), so untouched blocks cost nothing and read as zeroes.
 */
#include <string.h>
#include <sys/mman.h>

#include "sim_internal.h"

/* Zero a byte range; whole pages go back to the kernel and read as zeroes. */
static void zero_range(uint8_t *base, uint64_t off, uint64_t len)
{
	uint64_t start = (off + SIM_PAGE_MASK) & ~SIM_PAGE_MASK;
	uint64_t end = (off + len) & ~SIM_PAGE_MASK;

	if (start >= end) {
		memset(base + off, 0, len);
		return;
	}
	memset(base + off, 0, start - off);
	if (madvise(base + start, end - start, MADV_DONTNEED) != 0)
		memset(base + start, 0, end - start);
	memset(base + end, 0, off + len - end);
}

static uint16_t lba_check(const struct sim_ns *ns, uint64_t slba, uint64_t nlb)
{
	if (slba >= ns->nsze || nlb > ns->nsze - slba)
		return SIM_ERR(PNVME_SC_LBA_OUT_OF_RANGE);
	return SIM_OK;
}

static uint16_t compare(const struct sim_sgl *sgl, const uint8_t *data)
{
	for (unsigned i = 0; i < sgl->n; i++) {
		if (memcmp(sgl->seg[i].addr, data, sgl->seg[i].len) != 0)
			return sim_status(PNVME_SCT_MEDIA_ERROR, PNVME_SC_COMPARE_FAILURE, true);
		data += sgl->seg[i].len;
	}
	return SIM_OK;
}

static void account(struct pnvme_sim *sim, uint8_t opc, uint64_t bytes)
{
	if (opc == PNVME_OPC_READ) {
		sim->health.host_reads++;
		sim->health.units_read += bytes / 512;
		SIM_STAT_ADD(sim->stats.bytes_read, bytes);
	} else if (opc == PNVME_OPC_WRITE) {
		sim->health.host_writes++;
		sim->health.units_written += bytes / 512;
		SIM_STAT_ADD(sim->stats.bytes_written, bytes);
	} else {
		sim->health.host_reads++; /* Compare reads the medium */
	}
}

static uint16_t read_write(struct pnvme_sim *sim, const struct pnvme_cmd *cmd,
			   const struct sim_ns *ns)
{
	uint64_t slba = cmd->cdw10 | (uint64_t)cmd->cdw11 << 32;
	uint64_t nlb = (cmd->cdw12 & 0xffff) + 1;
	uint64_t len = nlb << ns->lba_shift;
	uint16_t st = lba_check(ns, slba, nlb);
	uint8_t *data;

	if (st != SIM_OK)
		return st;
	data = ns->data + (slba << ns->lba_shift);
	if (sim->p.mdts && len > ((uint64_t)SIM_PAGE_SIZE << sim->p.mdts))
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	st = sim_prp_map(&sim->sgl, cmd->dptr.prp.prp1, cmd->dptr.prp.prp2, len);
	if (st != SIM_OK)
		return st;
	if (cmd->opc == PNVME_OPC_WRITE)
		sim_sgl_from_host(&sim->sgl, data, len);
	else if (cmd->opc == PNVME_OPC_READ)
		sim_sgl_to_host(&sim->sgl, data, len);
	else if ((st = compare(&sim->sgl, data)) != SIM_OK)
		return st;
	account(sim, cmd->opc, len);
	return SIM_OK;
}

static uint16_t write_zeroes(const struct pnvme_cmd *cmd, const struct sim_ns *ns)
{
	uint64_t slba = cmd->cdw10 | (uint64_t)cmd->cdw11 << 32;
	uint64_t nlb = (cmd->cdw12 & 0xffff) + 1;
	uint16_t st = lba_check(ns, slba, nlb);

	if (st == SIM_OK)
		zero_range(ns->data, slba << ns->lba_shift, nlb << ns->lba_shift);
	return st;
}

static uint16_t dataset_mgmt(struct pnvme_sim *sim, const struct pnvme_cmd *cmd,
			     const struct sim_ns *ns)
{
	struct pnvme_dsm_range r[PNVME_DSM_MAX_RANGES];
	uint32_t nr = (cmd->cdw10 & 0xff) + 1;
	uint16_t st = sim_xfer_from_host(sim, cmd, r, nr * sizeof(r[0]));

	if (st != SIM_OK)
		return st;
	for (uint32_t i = 0; i < nr; i++) {
		st = lba_check(ns, r[i].starting_lba, r[i].length);
		if (st != SIM_OK)
			return st;
	}
	if (!(cmd->cdw11 & PNVME_DSM_ATTR_DEALLOCATE))
		return SIM_OK; /* hints only */
	for (uint32_t i = 0; i < nr; i++)
		zero_range(ns->data, r[i].starting_lba << ns->lba_shift,
			   (uint64_t)r[i].length << ns->lba_shift);
	return SIM_OK;
}

static uint16_t flush(struct pnvme_sim *sim, uint32_t nsid)
{
	/* Memory is the medium: nothing is volatile beyond it. */
	if (nsid == SIM_NSID_ALL || sim_ns_active(sim, nsid) != NULL)
		return SIM_OK;
	return SIM_ERR(PNVME_SC_INVALID_NAMESPACE_OR_FORMAT);
}

uint16_t sim_nvm_exec(struct pnvme_sim *sim, struct sim_req *req)
{
	const struct pnvme_cmd *cmd = &req->cmd;
	const struct sim_ns *ns;

	if (cmd->fuse != 0 || cmd->psdt != 0)
		return SIM_ERR(PNVME_SC_INVALID_FIELD); /* no fused commands, no SGLs */
	if (cmd->opc == PNVME_OPC_FLUSH)
		return flush(sim, cmd->nsid);
	if (cmd->opc != PNVME_OPC_READ && cmd->opc != PNVME_OPC_WRITE &&
	    cmd->opc != PNVME_OPC_COMPARE && cmd->opc != PNVME_OPC_WRITE_ZEROES &&
	    cmd->opc != PNVME_OPC_DATASET_MANAGEMENT)
		return SIM_ERR(PNVME_SC_INVALID_OPCODE);
	ns = sim_ns_active(sim, cmd->nsid);
	if (ns == NULL)
		return SIM_ERR(PNVME_SC_INVALID_NAMESPACE_OR_FORMAT);
	/* Metadata is reported, not moved yet: what would carry it is refused (not DSM, Flush). */
	if (sim->p.ms != 0 && cmd->opc != PNVME_OPC_DATASET_MANAGEMENT)
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	switch (cmd->opc) {
	case PNVME_OPC_WRITE_ZEROES:
		return write_zeroes(cmd, ns);
	case PNVME_OPC_DATASET_MANAGEMENT:
		return dataset_mgmt(sim, cmd, ns);
	default:
		return read_write(sim, cmd, ns);
	}
}
