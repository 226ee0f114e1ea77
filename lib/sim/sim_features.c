/* SPDX-License-Identifier: BSD-3-Clause */
/* Get Features / Set Features. Nothing is saveable; everything resets with CC.EN. */
#include <string.h>

#include "sim_internal.h"

#define FID(cdw10) ((cdw10) & 0xff)
#define SEL(cdw10) (((cdw10) >> 8) & 0x7)
#define SAVE (1u << 31)
#define SEL_CURRENT 0
#define SEL_DEFAULT 1
#define SEL_SAVED 2
#define SEL_CAPS 3
#define CAP_CHANGEABLE (1u << 2)
#define TS_ORIGIN_SET (1u << 1) /* timestamp attributes: set by the host */

static void features_default(const struct pnvme_sim *sim, struct sim_features *f)
{
	memset(f, 0, sizeof(*f));
	f->temp_thresh = 343; /* Kelvin, over-temperature, composite sensor */
	f->vwc = 1;
	f->nsqa = sim->p.queues;
	f->ncqa = sim->p.queues;
}

void sim_features_reset(struct pnvme_sim *sim)
{
	features_default(sim, &sim->feat);
}

static bool fid_known(const struct pnvme_sim *sim, uint32_t fid)
{
	switch (fid) {
	case PNVME_FEAT_KEEP_ALIVE_TIMER:
		return sim->p.kas != 0;
	case PNVME_FEAT_ARBITRATION:
	case PNVME_FEAT_POWER_MANAGEMENT:
	case PNVME_FEAT_TEMPERATURE_THRESHOLD:
	case PNVME_FEAT_ERROR_RECOVERY:
	case PNVME_FEAT_VOLATILE_WRITE_CACHE:
	case PNVME_FEAT_NUMBER_OF_QUEUES:
	case PNVME_FEAT_INTERRUPT_COALESCING:
	case PNVME_FEAT_ASYNC_EVENT_CONFIG:
	case PNVME_FEAT_TIMESTAMP:
		return true;
	default:
		return false;
	}
}

/* Timestamp data: 48-bit milliseconds, then the attribute byte. */
static uint16_t timestamp_get(struct pnvme_sim *sim, const struct sim_features *f,
			      struct sim_req *req)
{
	uint8_t data[8] = {0};
	uint64_t ms;

	if (f->ts_set)
		ms = f->ts_ms + (sim->now_ns - f->ts_set_ns) / 1000000;
	else
		ms = (sim->now_ns - sim->epoch_ns) / 1000000;
	for (int i = 0; i < 6; i++)
		data[i] = (uint8_t)(ms >> (8 * i));
	data[6] = f->ts_set ? TS_ORIGIN_SET : 0;
	return sim_xfer_to_host(sim, &req->cmd, data, sizeof(data), sizeof(data));
}

static uint32_t feature_value(const struct sim_features *f, uint32_t fid)
{
	switch (fid) {
	case PNVME_FEAT_ARBITRATION:
		return f->arbitration;
	case PNVME_FEAT_POWER_MANAGEMENT:
		return f->power_mgmt;
	case PNVME_FEAT_TEMPERATURE_THRESHOLD:
		return f->temp_thresh;
	case PNVME_FEAT_ERROR_RECOVERY:
		return f->err_recovery;
	case PNVME_FEAT_VOLATILE_WRITE_CACHE:
		return f->vwc;
	case PNVME_FEAT_NUMBER_OF_QUEUES:
		return (f->ncqa - 1) << 16 | (f->nsqa - 1);
	case PNVME_FEAT_INTERRUPT_COALESCING:
		return f->irq_coalescing;
	case PNVME_FEAT_ASYNC_EVENT_CONFIG:
		return f->aec;
	case PNVME_FEAT_KEEP_ALIVE_TIMER:
		return f->kato;
	default:
		return 0;
	}
}

uint16_t sim_get_features(struct pnvme_sim *sim, struct sim_req *req)
{
	uint32_t fid = FID(req->cmd.cdw10), sel = SEL(req->cmd.cdw10);
	struct sim_features defaults;
	const struct sim_features *f = &sim->feat;

	if (!fid_known(sim, fid) || sel > SEL_CAPS)
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	if (sel == SEL_CAPS) {
		req->cdw0 = CAP_CHANGEABLE;
		return SIM_OK;
	}
	if (sel == SEL_DEFAULT || sel == SEL_SAVED) { /* nothing saveable: saved = default */
		features_default(sim, &defaults);
		f = &defaults;
	}
	if (fid == PNVME_FEAT_TIMESTAMP)
		return timestamp_get(sim, f, req);
	req->cdw0 = feature_value(f, fid);
	return SIM_OK;
}

static uint16_t set_queues(struct pnvme_sim *sim, struct sim_req *req)
{
	uint32_t nsqr = req->cmd.cdw11 & 0xffff, ncqr = req->cmd.cdw11 >> 16;

	if (sim->nr_io_sqs != 0 || sim->nr_io_cqs != 0)
		return SIM_ERR(PNVME_SC_COMMAND_SEQUENCE_ERROR);
	if (nsqr == 0xffff || ncqr == 0xffff)
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	sim->feat.nsqa = nsqr + 1 < sim->p.queues ? nsqr + 1 : sim->p.queues;
	sim->feat.ncqa = ncqr + 1 < sim->p.queues ? ncqr + 1 : sim->p.queues;
	req->cdw0 = feature_value(&sim->feat, PNVME_FEAT_NUMBER_OF_QUEUES);
	return SIM_OK;
}

static uint16_t set_timestamp(struct pnvme_sim *sim, struct sim_req *req)
{
	uint8_t data[8];
	uint64_t ms = 0;
	uint16_t st = sim_xfer_from_host(sim, &req->cmd, data, sizeof(data));

	if (st != SIM_OK)
		return st;
	for (int i = 0; i < 6; i++)
		ms |= (uint64_t)data[i] << (8 * i);
	sim->feat.ts_ms = ms;
	sim->feat.ts_set_ns = sim->now_ns;
	sim->feat.ts_set = true;
	return SIM_OK;
}

uint16_t sim_set_features(struct pnvme_sim *sim, struct sim_req *req)
{
	uint32_t fid = FID(req->cmd.cdw10), v = req->cmd.cdw11;
	struct sim_features *f = &sim->feat;

	if (!fid_known(sim, fid))
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	if (req->cmd.cdw10 & SAVE)
		return SIM_CS_ERR(PNVME_SC_FEATURE_ID_NOT_SAVEABLE);
	switch (fid) {
	case PNVME_FEAT_ARBITRATION:
		f->arbitration = v;
		break;
	case PNVME_FEAT_POWER_MANAGEMENT:
		if ((v & 0x1f) != 0) /* NPSS = 0: power state 0 only */
			return SIM_ERR(PNVME_SC_INVALID_FIELD);
		f->power_mgmt = v;
		break;
	case PNVME_FEAT_TEMPERATURE_THRESHOLD:
		f->temp_thresh = v;
		break;
	case PNVME_FEAT_ERROR_RECOVERY:
		f->err_recovery = v;
		break;
	case PNVME_FEAT_VOLATILE_WRITE_CACHE:
		f->vwc = v & 1;
		break;
	case PNVME_FEAT_NUMBER_OF_QUEUES:
		return set_queues(sim, req);
	case PNVME_FEAT_INTERRUPT_COALESCING:
		f->irq_coalescing = v;
		break;
	case PNVME_FEAT_ASYNC_EVENT_CONFIG:
		/* The rest: events this controller does not report. */
		f->aec = v & (SIM_AEC_SMART | SIM_AEC_NS_ATTR | SIM_AEC_FW_ACT);
		break;
	case PNVME_FEAT_TIMESTAMP:
		return set_timestamp(sim, req);
	case PNVME_FEAT_KEEP_ALIVE_TIMER:
		f->kato = v;
		sim->ka_last_ns = sim->now_ns;
		break;
	}
	return SIM_OK;
}
