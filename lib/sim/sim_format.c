/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Format NVM: one namespace, or every one (NSID FFFFFFFFh), to one of the
 * LBA formats Identify Namespace lists, with the metadata layout and
 * protection information asked for. The data is erased whatever SES says
 * (fresh memory reads as zeroes), and the host is told through a Namespace
 * Attribute Changed notice, as for any change of format.
 */
#include "sim_internal.h"

/* The format cdw10 asks of ns; a status other than SIM_OK if it names none. */
static uint16_t wanted(const struct sim_ns *ns, uint32_t cdw10, struct sim_ns_format *f)
{
	uint32_t idx = PNVME_FORMAT_CDW10_LBAF(cdw10), lba, ms;

	if (!sim_lbaf(ns, idx, &lba, &ms))
		return SIM_CS_ERR(PNVME_SC_INVALID_FORMAT);
	f->lba_size = lba;
	f->ms = ms;
	f->ext = ms != 0 && (cdw10 & PNVME_FORMAT_MSET);
	f->pi = (uint8_t)((cdw10 >> 5) & 0x7);
	f->pil = f->pi != 0 && (cdw10 & PNVME_FORMAT_PIL);
	if (f->pi > 3)
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	/* PI needs eight bytes of metadata: a format with less cannot carry it. */
	if (!sim_ns_format_valid(f))
		return SIM_CS_ERR(PNVME_SC_INVALID_FORMAT);
	return SIM_OK;
}

uint16_t sim_format_nvm(struct pnvme_sim *sim, struct sim_req *req)
{
	const struct pnvme_cmd *cmd = &req->cmd;
	uint32_t first = cmd->nsid, last = cmd->nsid;
	struct sim_ns_format f;
	uint16_t st;

	if (PNVME_FORMAT_CDW10_SES(cmd->cdw10) > 2)
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	if (sim_sanitizing(sim))
		return SIM_ERR(PNVME_SC_SANITIZE_IN_PROGRESS);
	if (cmd->nsid == SIM_NSID_ALL) {
		first = 1;
		last = sim->p.nn;
	} else if (sim_ns_active(sim, cmd->nsid) == NULL) {
		return SIM_ERR(PNVME_SC_INVALID_NAMESPACE_OR_FORMAT);
	}
	/* Every namespace is checked before any is changed: all or nothing. */
	for (uint32_t id = first; id <= last; id++) {
		if (sim_ns_active(sim, id) == NULL)
			continue;
		st = wanted(&sim->ns[id - 1], cmd->cdw10, &f);
		if (st != SIM_OK)
			return st;
	}
	for (uint32_t id = first; id <= last; id++) {
		if (sim_ns_active(sim, id) == NULL)
			continue;
		wanted(&sim->ns[id - 1], cmd->cdw10, &f);
		if (sim_ns_remap(sim, id, &f, 0) != 0)
			return SIM_ERR(PNVME_SC_INTERNAL_DEVICE_ERROR);
	}
	return SIM_OK;
}
