/* SPDX-License-Identifier: BSD-3-Clause */
/* Identify: controller, namespace, active namespace list, NS descriptors. */
#include <stdio.h>
#include <string.h>

#include "sim_internal.h"

#define SIM_MN "pnvme sim controller"
#define SIM_FR "0.1"

/* Space-padded, not NUL-terminated, as the spec wants ASCII fields. */
static void ascii_field(char *dst, size_t len, const char *src)
{
	size_t n = strlen(src);

	memset(dst, ' ', len);
	memcpy(dst, src, n < len ? n : len);
}

void sim_identify_init(struct pnvme_sim *sim)
{
	struct pnvme_ctrlr_data *cd = &sim->cdata;
	char sn[24];

	memset(cd, 0, sizeof(*cd));
	cd->vid = SIM_VID;
	cd->ssvid = SIM_VID;
	snprintf(sn, sizeof(sn), "PNSIM%02X%02X%02X%02X", sim->ns[0].eui64[4],
		 sim->ns[0].eui64[5], sim->ns[0].eui64[6], sim->ns[0].eui64[7]);
	ascii_field(cd->sn, sizeof(cd->sn), sn);
	ascii_field(cd->mn, sizeof(cd->mn), SIM_MN);
	ascii_field(cd->fr, sizeof(cd->fr), SIM_FR);
	cd->rab = 6;
	cd->mdts = (uint8_t)sim->p.mdts;
	cd->cntlid = 1;
	cd->ver = sim->p.vs;
	cd->rtd3e = sim->p.rtd3e_us;
	cd->cntrltype = 1; /* I/O controller */
	cd->ctratt = sim->p.kas ? SIM_CTRATT_TBKAS : 0;
	/* Format NVM, Firmware Download/Commit, Namespace Management, Device Self-test. */
	cd->oacs = PNVME_OACS_FORMAT | PNVME_OACS_FIRMWARE | PNVME_OACS_NS_MANAGEMENT | 0x10;
	if (sim->p.dbbuf)
		cd->oacs |= PNVME_OACS_DOORBELL_BUFFER_CONFIG;
	cd->oaes = SIM_AEC_NS_ATTR | SIM_AEC_FW_ACT; /* namespace and firmware notices */
	cd->acl = (uint8_t)sim->p.acl;
	cd->aerl = SIM_AERL;
	/* SIM_FW_SLOTS slots, none read-only; activation without a reset. */
	cd->frmw = (uint8_t)(SIM_FW_SLOTS << 1 | PNVME_FRMW_ACTIVATE_NO_RESET);
	cd->fwug = SIM_FWUG;
	cd->edstt = 1;     /* extended self-test: about a minute (it is selftest_ms x 4) */
	cd->sanicap = PNVME_SANICAP_CES | PNVME_SANICAP_BES | PNVME_SANICAP_OWS;
	cd->lpa = 0x4;     /* extended Get Log Page: offsets, NUMDU */
	cd->elpe = SIM_ERRLOG_ENTRIES - 1;
	cd->wctemp = 343;  /* Kelvin */
	cd->cctemp = 353;
	cd->kas = (uint16_t)sim->p.kas; /* 100 ms units; 0: no keep alive */
	sim_le128(cd->tnvmcap, sim->p.ns_size * sim->p.nn);
	cd->sqes = 0x66;
	cd->cqes = 0x44;
	cd->nn = sim->p.nn;
	cd->mnan = sim->p.nn;
	cd->oncs = PNVME_ONCS_COMPARE | PNVME_ONCS_DSM | PNVME_ONCS_WRITE_ZEROES |
		   PNVME_ONCS_TIMESTAMP;
	cd->vwc = 0x7;     /* present; Flush of all namespaces supported */
	cd->fuses = sim->p.fused ? PNVME_FUSES_COMPARE_AND_WRITE : 0;
	cd->acwu = 0xffff; /* 0's based: Compare and Write of any length is atomic */
	if (sim->p.sgl != 0)
		cd->sgls = sim->p.sgl | (sim->p.sgl_bb ? PNVME_SGLS_BIT_BUCKET : 0) |
			   (sim->p.sgl_mptr ? PNVME_SGLS_MPTR_SGL : 0);
	snprintf(cd->subnqn, sizeof(cd->subnqn), "nqn.2024-01.io.pnvme:sim:%s", sim->name);
	cd->psd[0].mp = 2500; /* 25 W in 0.01 W units */
}

/*
 * The LBA formats every namespace lists: {512, 4096} x {no metadata, 8, 64
 * bytes}, and the one in use at index 6 when it is none of these. FLBAS picks
 * the one in use (and bit 4, extended); metadata may be extended or separate
 * (MC), PI of any type, first or last (DPC); DPS says what is in use.
 */
static const struct {
	uint16_t lba, ms;
} g_formats[] = {{512, 0}, {512, 8}, {512, 64}, {4096, 0}, {4096, 8}, {4096, 64}};
#define N_FORMATS (sizeof(g_formats) / sizeof(g_formats[0]))

static void ns_formats(const struct sim_ns *ns, struct pnvme_ns_data *nd);

bool sim_lbaf(const struct sim_ns *ns, uint32_t idx, uint32_t *lba, uint32_t *ms)
{
	struct pnvme_ns_data nd;

	if (idx > N_FORMATS)
		return false;
	if (idx < N_FORMATS) {
		*lba = g_formats[idx].lba;
		*ms = g_formats[idx].ms;
		return true;
	}
	/* The seventh: the format in use, when it is none of the six. */
	if (ns == NULL || !ns->allocated)
		return false;
	memset(&nd, 0, sizeof(nd));
	ns_formats(ns, &nd);
	if (nd.nlbaf != N_FORMATS)
		return false;
	*lba = 1u << ns->lba_shift;
	*ms = ns->ms;
	return true;
}

static void ns_formats(const struct sim_ns *ns, struct pnvme_ns_data *nd)
{
	uint32_t lba = 1u << ns->lba_shift, cur = N_FORMATS;

	for (uint32_t i = 0; i < N_FORMATS; i++) {
		nd->lbaf[i].ms = g_formats[i].ms;
		nd->lbaf[i].lbads = (uint8_t)__builtin_ctz(g_formats[i].lba);
		if (g_formats[i].lba == lba && g_formats[i].ms == ns->ms)
			cur = i;
	}
	if (cur == N_FORMATS) {
		nd->lbaf[cur].ms = (uint16_t)ns->ms;
		nd->lbaf[cur].lbads = (uint8_t)ns->lba_shift;
	}
	nd->nlbaf = (uint8_t)(cur == N_FORMATS ? N_FORMATS : N_FORMATS - 1); /* 0's based */
	nd->flbas = (uint8_t)(cur | (ns->ext ? PNVME_FLBAS_EXTENDED : 0));
	nd->mc = PNVME_MC_EXTENDED | PNVME_MC_SEPARATE;
	nd->dpc = PNVME_DPC_TYPE1 | PNVME_DPC_TYPE2 | PNVME_DPC_TYPE3 | PNVME_DPC_FIRST |
		  PNVME_DPC_LAST;
	if (ns->pi != 0)
		nd->dps = (uint8_t)(ns->pi | (ns->pil ? PNVME_DPS_PI_FIRST : 0));
}

/* An inactive namespace: a zero-filled structure, as the spec says. */
static void ns_data(const struct pnvme_sim *sim, const struct sim_ns *ns,
		    struct pnvme_ns_data *nd, bool allocated)
{
	memset(nd, 0, sizeof(*nd));
	if (allocated ? !ns->allocated : !ns->active)
		return;
	nd->nsze = ns->nsze;
	nd->ncap = ns->nsze;
	nd->nuse = ns->nsze;
	/* Deallocated reads zeroes (a PI guard of their CRC); Write Zeroes may deallocate. */
	nd->dlfeat = PNVME_DLFEAT_READ_ZEROES | PNVME_DLFEAT_WRITE_ZEROES_DEALLOC |
		     PNVME_DLFEAT_GUARD_CRC;
	nd->noiob = (uint16_t)sim->p.noiob;
	sim_le128(nd->nvmcap, ns->bytes);
	memcpy(nd->nguid, ns->nguid, sizeof(nd->nguid));
	memcpy(nd->eui64, ns->eui64, sizeof(nd->eui64));
	ns_formats(ns, nd);
}

static size_t add_desc(uint8_t *buf, size_t off, uint8_t type, const uint8_t *id, uint8_t len)
{
	struct pnvme_ns_id_desc *d = (struct pnvme_ns_id_desc *)(void *)(buf + off);

	d->nidt = type;
	d->nidl = len;
	memcpy(buf + off + sizeof(*d), id, len);
	return off + sizeof(*d) + len;
}

static void ns_descs(const struct sim_ns *ns, uint8_t *buf)
{
	size_t off = 0;

	off = add_desc(buf, off, PNVME_NIDT_EUI64, ns->eui64, sizeof(ns->eui64));
	off = add_desc(buf, off, PNVME_NIDT_NGUID, ns->nguid, sizeof(ns->nguid));
	add_desc(buf, off, PNVME_NIDT_UUID, ns->uuid, sizeof(ns->uuid));
}

static void active_list(const struct pnvme_sim *sim, uint32_t after, uint32_t *list,
			bool allocated)
{
	unsigned n = 0;

	for (uint32_t nsid = after + 1; nsid <= sim->p.nn && n < 1024; nsid++) {
		if (allocated ? sim->ns[nsid - 1].allocated : sim->ns[nsid - 1].active)
			list[n++] = nsid;
	}
}

static bool nsid_valid(const struct pnvme_sim *sim, uint32_t nsid)
{
	return nsid != 0 && nsid <= sim->p.nn;
}

uint16_t sim_identify(struct pnvme_sim *sim, struct sim_req *req)
{
	const struct pnvme_cmd *cmd = &req->cmd;
	_Alignas(8) uint8_t buf[4096];

	memset(buf, 0, sizeof(buf));
	switch (cmd->cdw10 & 0xff) {
	case PNVME_CNS_NS:
		if (!nsid_valid(sim, cmd->nsid))
			return SIM_ERR(PNVME_SC_INVALID_NAMESPACE_OR_FORMAT);
		ns_data(sim, &sim->ns[cmd->nsid - 1], (struct pnvme_ns_data *)(void *)buf, false);
		break;
	case PNVME_CNS_CTRLR:
		memcpy(buf, &sim->cdata, sizeof(sim->cdata));
		sim_le128(((struct pnvme_ctrlr_data *)(void *)buf)->unvmcap,
			  sim_unallocated_bytes(sim));
		break;
	case PNVME_CNS_ACTIVE_NS_LIST:
		if (cmd->nsid >= 0xfffffffeu)
			return SIM_ERR(PNVME_SC_INVALID_NAMESPACE_OR_FORMAT);
		active_list(sim, cmd->nsid, (uint32_t *)(void *)buf, false);
		break;
	case PNVME_CNS_ALLOCATED_NS_LIST:
		if (cmd->nsid >= 0xfffffffeu)
			return SIM_ERR(PNVME_SC_INVALID_NAMESPACE_OR_FORMAT);
		active_list(sim, cmd->nsid, (uint32_t *)(void *)buf, true);
		break;
	case PNVME_CNS_NS_ALLOCATED:
		if (!nsid_valid(sim, cmd->nsid))
			return SIM_ERR(PNVME_SC_INVALID_NAMESPACE_OR_FORMAT);
		ns_data(sim, &sim->ns[cmd->nsid - 1], (struct pnvme_ns_data *)(void *)buf, true);
		break;
	case PNVME_CNS_CTRLR_LIST:
	case PNVME_CNS_NS_CTRLR_LIST: {
		uint16_t *ids = (uint16_t *)(void *)buf;

		if ((cmd->cdw10 & 0xff) == PNVME_CNS_NS_CTRLR_LIST && !nsid_valid(sim, cmd->nsid))
			return SIM_ERR(PNVME_SC_INVALID_NAMESPACE_OR_FORMAT);
		if ((cmd->cdw10 & 0xff) == PNVME_CNS_CTRLR_LIST || sim->ns[cmd->nsid - 1].active) {
			ids[0] = 1;
			ids[1] = sim->cdata.cntlid;
		}
		break;
	}
	case PNVME_CNS_NS_DESC_LIST:
		if (sim_ns_active(sim, cmd->nsid) == NULL)
			return SIM_ERR(PNVME_SC_INVALID_NAMESPACE_OR_FORMAT);
		ns_descs(&sim->ns[cmd->nsid - 1], buf);
		break;
	default:
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	}
	return sim_xfer_to_host(sim, cmd, buf, sizeof(buf), sizeof(buf));
}
