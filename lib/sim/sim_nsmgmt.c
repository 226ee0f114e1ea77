/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Namespace Management and Attachment: namespace IDs ns+1..nn start
 * unallocated; create takes the lowest free ID and memory out of the
 * capacity (size x nn in all), attach and detach make it active or not for
 * this controller (the only one: CNTLID 1), delete frees it. A change to an
 * attached namespace raises a Namespace Attribute Changed notice.
 */
#include <string.h>

#include "sim_internal.h"

static uint16_t create(struct pnvme_sim *sim, struct sim_req *req)
{
	const struct pnvme_cmd *cmd = &req->cmd;
	_Alignas(8) struct pnvme_ns_data d;
	struct sim_ns_format f = {0};
	uint32_t lba, ms, nsid = 0;
	uint16_t st;

	st = sim_xfer_from_host(sim, cmd, &d, sizeof(d));
	if (st != SIM_OK)
		return st;
	if (!sim_lbaf(NULL, PNVME_FLBAS_FORMAT(d.flbas), &lba, &ms))
		return SIM_CS_ERR(PNVME_SC_INVALID_FORMAT);
	f.lba_size = lba;
	f.ms = ms;
	f.ext = ms != 0 && (d.flbas & PNVME_FLBAS_EXTENDED);
	f.pi = (uint8_t)PNVME_DPS_PI_TYPE(d.dps);
	f.pil = f.pi != 0 && (d.dps & PNVME_DPS_PI_FIRST);
	if (!sim_ns_format_valid(&f))
		return SIM_CS_ERR(PNVME_SC_INVALID_FORMAT);
	/* Thin provisioning is not offered: the capacity is the size. */
	if (d.nsze == 0 || d.ncap != d.nsze || d.nmic > 1)
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	if (d.nsze > SIM_NS_SIZE_MAX / lba || d.nsze * lba > sim_unallocated_bytes(sim))
		return SIM_CS_ERR(PNVME_SC_NS_INSUFFICIENT_CAPACITY);
	for (uint32_t id = 1; id <= sim->p.nn && nsid == 0; id++)
		nsid = sim->ns[id - 1].allocated ? 0 : id;
	if (nsid == 0)
		return SIM_CS_ERR(PNVME_SC_NS_ID_UNAVAILABLE);
	if (sim_ns_remap(sim, nsid, &f, d.nsze * lba) != 0)
		return SIM_CS_ERR(PNVME_SC_NS_INSUFFICIENT_CAPACITY);
	req->cdw0 = nsid;
	return SIM_OK;
}

static void delete_one(struct pnvme_sim *sim, uint32_t nsid)
{
	bool was_active = sim->ns[nsid - 1].active;

	sim_ns_release(&sim->ns[nsid - 1]);
	if (was_active)
		sim_ns_changed(sim, nsid);
}

uint16_t sim_ns_mgmt(struct pnvme_sim *sim, struct sim_req *req)
{
	const struct pnvme_cmd *cmd = &req->cmd;

	switch (cmd->cdw10 & 0xf) {
	case PNVME_NS_MGMT_CREATE:
		return create(sim, req);
	case PNVME_NS_MGMT_DELETE:
		if (cmd->nsid == SIM_NSID_ALL) {
			for (uint32_t id = 1; id <= sim->p.nn; id++) {
				if (sim->ns[id - 1].allocated)
					delete_one(sim, id);
			}
			return SIM_OK;
		}
		if (cmd->nsid == 0 || cmd->nsid > sim->p.nn || !sim->ns[cmd->nsid - 1].allocated)
			return SIM_ERR(PNVME_SC_INVALID_NAMESPACE_OR_FORMAT);
		delete_one(sim, cmd->nsid);
		return SIM_OK;
	default:
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	}
}

uint16_t sim_ns_attach(struct pnvme_sim *sim, struct sim_req *req)
{
	const struct pnvme_cmd *cmd = &req->cmd;
	_Alignas(8) struct pnvme_ctrlr_list l;
	uint32_t sel = cmd->cdw10 & 0xf;
	struct sim_ns *ns;
	bool us = false;
	uint16_t st;

	if (sel != PNVME_NS_ATTACH && sel != PNVME_NS_DETACH)
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	if (cmd->nsid == 0 || cmd->nsid > sim->p.nn || !sim->ns[cmd->nsid - 1].allocated)
		return SIM_ERR(PNVME_SC_INVALID_NAMESPACE_OR_FORMAT);
	st = sim_xfer_from_host(sim, cmd, &l, sizeof(l));
	if (st != SIM_OK)
		return st;
	if (l.num == 0 || l.num > 2047)
		return SIM_CS_ERR(PNVME_SC_CONTROLLER_LIST_INVALID);
	for (uint32_t i = 0; i < l.num; i++) {
		if (l.ids[i] != sim->cdata.cntlid)
			return SIM_CS_ERR(PNVME_SC_CONTROLLER_LIST_INVALID);
		us = true;
	}
	ns = &sim->ns[cmd->nsid - 1];
	if (sel == PNVME_NS_ATTACH && ns->active)
		return SIM_CS_ERR(PNVME_SC_NS_ALREADY_ATTACHED);
	if (sel == PNVME_NS_DETACH && !ns->active)
		return SIM_CS_ERR(PNVME_SC_NS_NOT_ATTACHED);
	ns->active = us && sel == PNVME_NS_ATTACH;
	sim_ns_changed(sim, cmd->nsid);
	return SIM_OK;
}
