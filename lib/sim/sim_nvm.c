/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVM command set on sparse memory: Read, Write, Compare (sim_rw.c), Flush,
 * Write Zeroes, Dataset Management. Each namespace is an anonymous
 * MAP_NORESERVE mapping (sim_ns.c), so untouched blocks cost nothing and read
 * as zeroes. Fused Compare and Write is in sim_fused.c; a fused command that
 * arrives here came without its partner.
 */
#include <string.h>

#include "sim_internal.h"

static bool moves_data(uint8_t opc)
{
	return opc == PNVME_OPC_READ || opc == PNVME_OPC_WRITE || opc == PNVME_OPC_COMPARE ||
	       opc == PNVME_OPC_DATASET_MANAGEMENT;
}

/* stats.prp_cmds / sgl_cmds: which kind of data pointer commands that move data carry. */
void sim_nvm_count(struct pnvme_sim *sim, const struct pnvme_cmd *cmd)
{
	if (!moves_data(cmd->opc))
		return;
	if (cmd->psdt == PNVME_PSDT_PRP)
		SIM_STAT_ADD(sim->stats.prp_cmds, 1);
	else
		SIM_STAT_ADD(sim->stats.sgl_cmds, 1);
}

static uint16_t dataset_mgmt(struct pnvme_sim *sim, const struct pnvme_cmd *cmd,
			     struct sim_ns *ns)
{
	struct pnvme_dsm_range r[PNVME_DSM_MAX_RANGES];
	uint32_t nr = (cmd->cdw10 & 0xff) + 1;
	uint16_t st = sim_xfer_from_host(sim, cmd, r, nr * sizeof(r[0]));

	if (st != SIM_OK)
		return st;
	for (uint32_t i = 0; i < nr; i++) {
		st = sim_lba_check(ns, r[i].starting_lba, r[i].length);
		if (st != SIM_OK)
			return st;
	}
	if (!(cmd->cdw11 & PNVME_DSM_ATTR_DEALLOCATE))
		return SIM_OK; /* hints only */
	/* Deallocated: data and metadata zero, so a tuple reads as the escape values. */
	for (uint32_t i = 0; i < nr; i++) {
		sim_zero_range(ns->data, r[i].starting_lba << ns->lba_shift,
			       (uint64_t)r[i].length << ns->lba_shift);
		if (ns->ms != 0)
			sim_zero_range(ns->md, r[i].starting_lba * ns->ms,
				       (uint64_t)r[i].length * ns->ms);
	}
	return SIM_OK;
}

/*
 * What every command here is checked for before it runs: a known opcode, a
 * PSDT that Identify SGLS allows, and (but for Flush of every namespace) an
 * active namespace.
 */
uint16_t sim_nvm_check(struct pnvme_sim *sim, const struct pnvme_cmd *cmd, struct sim_ns **ns)
{
	uint16_t st;

	*ns = NULL;
	if (cmd->opc != PNVME_OPC_FLUSH && !moves_data(cmd->opc) &&
	    cmd->opc != PNVME_OPC_WRITE_ZEROES)
		return SIM_ERR(PNVME_SC_INVALID_OPCODE);
	st = sim_psdt_check(sim, cmd);
	if (st != SIM_OK)
		return st;
	if (unlikely(sim_sanitizing(sim)))
		return SIM_ERR(PNVME_SC_SANITIZE_IN_PROGRESS);
	if (cmd->opc == PNVME_OPC_FLUSH && cmd->nsid == SIM_NSID_ALL)
		return SIM_OK;
	*ns = sim_ns_active(sim, cmd->nsid);
	return *ns == NULL ? SIM_ERR(PNVME_SC_INVALID_NAMESPACE_OR_FORMAT) : SIM_OK;
}

/* One command, fused ones that came alone included. */
uint16_t sim_nvm_exec(struct pnvme_sim *sim, struct sim_req *req)
{
	const struct pnvme_cmd *cmd = &req->cmd;
	struct sim_ns *ns;
	uint16_t st;

	sim_nvm_count(sim, cmd);
	if (unlikely(cmd->fuse != PNVME_FUSE_NORMAL)) {
		/* Without FUSES bit 0 the field must be 0; 11b is reserved. */
		if (!sim->p.fused || (cmd->fuse != PNVME_FUSE_FIRST && cmd->fuse != PNVME_FUSE_SECOND))
			return SIM_ERR(PNVME_SC_INVALID_FIELD);
		/* The pair is run by sim_fused.c: this one's partner was not next to it. */
		return sim_status(PNVME_SCT_GENERIC, PNVME_SC_ABORTED_MISSING_FUSED, false);
	}
	st = sim_nvm_check(sim, cmd, &ns);
	if (st != SIM_OK)
		return st;
	switch (cmd->opc) {
	case PNVME_OPC_FLUSH:
		return SIM_OK; /* memory is the medium: nothing is volatile beyond it */
	case PNVME_OPC_WRITE_ZEROES:
		return sim_write_zeroes(cmd, ns);
	case PNVME_OPC_DATASET_MANAGEMENT:
		return dataset_mgmt(sim, cmd, ns);
	default:
		return sim_rw(sim, cmd, ns);
	}
}
