/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Admin command set: queue management, Asynchronous Event Request, Keep
 * Alive, Doorbell Buffer Config, and the dispatch to Identify, features, log
 * pages and Abort (their own files).
 */
#include <stdatomic.h>
#include <string.h>

#include "sim_internal.h"

#define QID(cdw10) ((uint16_t)((cdw10) & 0xffff))
#define QSIZE(cdw10) (((cdw10) >> 16) + 1) /* 0's based on the wire */

static uint16_t queue_ring(const struct pnvme_cmd *cmd, size_t len, void **ring)
{
	uint64_t base = cmd->dptr.prp.prp1;

	if (!(cmd->cdw11 & PNVME_QUEUE_PHYS_CONTIG))
		return SIM_ERR(PNVME_SC_INVALID_FIELD); /* CAP.CQR: contiguous only */
	if (base & SIM_PAGE_MASK)
		return SIM_ERR(PNVME_SC_INVALID_PRP_OFFSET);
	*ring = env_pci_iova_to_vaddr(base, len);
	if (*ring == NULL)
		return SIM_ERR(PNVME_SC_DATA_TRANSFER_ERROR);
	return SIM_OK;
}

static uint16_t create_cq(struct pnvme_sim *sim, const struct pnvme_cmd *cmd)
{
	uint16_t qid = QID(cmd->cdw10);
	uint32_t size = QSIZE(cmd->cdw10);
	void *ring;
	uint16_t st;

	if (qid == 0 || qid > sim->feat.ncqa || sim->cqs[qid] != NULL)
		return SIM_CS_ERR(PNVME_SC_INVALID_QUEUE_IDENTIFIER);
	if (size < 2 || size > sim->p.mqes + 1)
		return SIM_CS_ERR(PNVME_SC_INVALID_QUEUE_SIZE);
	st = queue_ring(cmd, (size_t)size * sizeof(struct pnvme_cpl), &ring);
	if (st != SIM_OK)
		return st;
	/* No interrupts: IEN and IV are accepted and ignored. */
	if (sim_cq_new(sim, qid, size, ring) == NULL)
		return SIM_ERR(PNVME_SC_INTERNAL_DEVICE_ERROR);
	return SIM_OK;
}

static uint16_t create_sq(struct pnvme_sim *sim, const struct pnvme_cmd *cmd)
{
	uint16_t qid = QID(cmd->cdw10), cqid = (uint16_t)(cmd->cdw11 >> 16);
	uint32_t size = QSIZE(cmd->cdw10);
	void *ring;
	uint16_t st;

	if (qid == 0 || qid > sim->feat.nsqa || sim->sqs[qid] != NULL)
		return SIM_CS_ERR(PNVME_SC_INVALID_QUEUE_IDENTIFIER);
	if (size < 2 || size > sim->p.mqes + 1)
		return SIM_CS_ERR(PNVME_SC_INVALID_QUEUE_SIZE);
	if (cqid == 0 || cqid > sim->p.queues || sim->cqs[cqid] == NULL)
		return SIM_CS_ERR(PNVME_SC_COMPLETION_QUEUE_INVALID);
	st = queue_ring(cmd, (size_t)size * sizeof(struct pnvme_cmd), &ring);
	if (st != SIM_OK)
		return st;
	if (sim_sq_new(sim, qid, size, ring, sim->cqs[cqid]) == NULL)
		return SIM_ERR(PNVME_SC_INTERNAL_DEVICE_ERROR);
	return SIM_OK;
}

static uint16_t delete_sq(struct pnvme_sim *sim, struct sim_req *req)
{
	uint16_t qid = QID(req->cmd.cdw10);
	struct sim_sq *sq;

	if (qid == 0 || qid > sim->p.queues || sim->sqs[qid] == NULL ||
	    sim->sqs[qid]->deleting)
		return SIM_CS_ERR(PNVME_SC_INVALID_QUEUE_IDENTIFIER);
	sq = sim->sqs[qid];
	sim_sq_start_delete(sim, sq);
	/* Completes in sim_admin_step once the SQ's last CQE is posted. */
	sim->admin_wait = sq;
	sim->admin_wait_req = req;
	req->state = SIM_REQ_WAIT;
	return SIM_HELD;
}

static uint16_t delete_cq(struct pnvme_sim *sim, const struct pnvme_cmd *cmd)
{
	uint16_t qid = QID(cmd->cdw10);

	if (qid == 0 || qid > sim->p.queues || sim->cqs[qid] == NULL)
		return SIM_CS_ERR(PNVME_SC_INVALID_QUEUE_IDENTIFIER);
	if (sim->cqs[qid]->nr_sqs != 0)
		return SIM_CS_ERR(PNVME_SC_INVALID_QUEUE_DELETION);
	sim_cq_free(sim, sim->cqs[qid]);
	return SIM_OK;
}

static uint32_t event_cdw0(const struct sim_event *ev)
{
	return ev->type | (uint32_t)ev->info << 8 | (uint32_t)ev->log_page << 16;
}

static uint16_t async_event(struct pnvme_sim *sim, struct sim_req *req)
{
	struct sim_event ev;

	if (sim->nr_aers > SIM_AERL)
		return SIM_CS_ERR(PNVME_SC_ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED);
	if (sim_event_pop(sim, &ev)) {
		req->cdw0 = event_cdw0(&ev);
		return SIM_OK;
	}
	sim->aers[sim->nr_aers++] = req;
	req->state = SIM_REQ_AER;
	return SIM_HELD;
}

static uint16_t doorbell_buffer_config(struct pnvme_sim *sim, const struct pnvme_cmd *cmd)
{
	uint64_t db = cmd->dptr.prp.prp1, ei = cmd->dptr.prp.prp2;
	void *db_page, *ei_page;

	if ((db & SIM_PAGE_MASK) || (ei & SIM_PAGE_MASK) || db == 0 || ei == 0)
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	db_page = env_pci_iova_to_vaddr(db, SIM_PAGE_SIZE);
	ei_page = env_pci_iova_to_vaddr(ei, SIM_PAGE_SIZE);
	if (db_page == NULL || ei_page == NULL)
		return SIM_ERR(PNVME_SC_DATA_TRANSFER_ERROR);
	sim_shadow_setup(sim, db_page, ei_page);
	return SIM_OK;
}

uint16_t sim_admin_exec(struct pnvme_sim *sim, struct sim_req *req)
{
	const struct pnvme_cmd *cmd = &req->cmd;

	if (cmd->fuse != 0 || cmd->psdt != 0)
		return SIM_ERR(PNVME_SC_INVALID_FIELD); /* no fused admin commands, no SGLs */
	switch (cmd->opc) {
	case PNVME_OPC_DELETE_IO_SQ:
		return delete_sq(sim, req);
	case PNVME_OPC_CREATE_IO_SQ:
		return create_sq(sim, cmd);
	case PNVME_OPC_GET_LOG_PAGE:
		return sim_get_log_page(sim, req);
	case PNVME_OPC_DELETE_IO_CQ:
		return delete_cq(sim, cmd);
	case PNVME_OPC_CREATE_IO_CQ:
		return create_cq(sim, cmd);
	case PNVME_OPC_IDENTIFY:
		return sim_identify(sim, req);
	case PNVME_OPC_ABORT:
		return sim_abort(sim, req);
	case PNVME_OPC_SET_FEATURES:
		return sim_set_features(sim, req);
	case PNVME_OPC_GET_FEATURES:
		return sim_get_features(sim, req);
	case PNVME_OPC_ASYNC_EVENT_REQUEST:
		return async_event(sim, req);
	case PNVME_OPC_KEEP_ALIVE:
		if (sim->p.kas == 0)
			break;
		sim->ka_last_ns = sim->now_ns;
		return SIM_OK;
	case PNVME_OPC_FORMAT_NVM:
		return sim_format_nvm(sim, req);
	case PNVME_OPC_SANITIZE:
		return sim_sanitize(sim, req);
	case PNVME_OPC_FIRMWARE_IMAGE_DOWNLOAD:
		return sim_fw_download(sim, req);
	case PNVME_OPC_FIRMWARE_COMMIT:
		return sim_fw_commit(sim, req);
	case PNVME_OPC_NS_MANAGEMENT:
		return sim_ns_mgmt(sim, req);
	case PNVME_OPC_NS_ATTACHMENT:
		return sim_ns_attach(sim, req);
	case PNVME_OPC_DEVICE_SELF_TEST:
		return sim_self_test(sim, req);
	case PNVME_OPC_DOORBELL_BUFFER_CONFIG:
		if (sim->p.dbbuf)
			return doorbell_buffer_config(sim, cmd);
		break;
	default:
		break;
	}
	return SIM_ERR(PNVME_SC_INVALID_OPCODE);
}

static void deliver_events(struct pnvme_sim *sim)
{
	struct sim_event ev;

	while (sim->nr_aers > 0 && sim_event_pop(sim, &ev)) {
		struct sim_req *req = sim->aers[0];

		memmove(&sim->aers[0], &sim->aers[1], --sim->nr_aers * sizeof(sim->aers[0]));
		req->cdw0 = event_cdw0(&ev);
		req->status = SIM_OK;
		sim_req_complete(sim, req);
	}
}

static void keep_alive_check(struct pnvme_sim *sim)
{
	/* Expiry: KATO rounded up to the KAS granularity, plus one granule of slack. */
	uint64_t gran = (uint64_t)sim->p.kas * 100;
	uint64_t limit = ((sim->feat.kato + gran - 1) / gran + 1) * gran * 1000000ull;

	if (sim->now_ns - sim->ka_last_ns <= limit)
		return;
	sim->feat.kato = 0;
	sim_fatal(sim, "keep alive timer expired");
}

/* Per step: finish a waiting SQ deletion, hand out events, watch keep alive. */
void sim_admin_step(struct pnvme_sim *sim)
{
	struct sim_sq *sq = sim->admin_wait;

	if (sq != NULL && sq->outstanding == 0 && sq->head == sq->del_tail) {
		struct sim_req *req = sim->admin_wait_req;

		sim->admin_wait = NULL;
		sim->admin_wait_req = NULL;
		sim_sq_free(sim, sq);
		req->status = SIM_OK;
		sim_req_complete(sim, req);
	}
	if (unlikely(sim->san_running))
		sim_sanitize_step(sim);
	if (unlikely(sim->dstlog.current_operation != 0))
		sim_self_test_step(sim);
	if (atomic_load_explicit(&sim->events_queued, memory_order_relaxed) != 0)
		deliver_events(sim);
	if (unlikely(sim->feat.kato != 0))
		keep_alive_check(sim);
}

void sim_admin_reset(struct pnvme_sim *sim)
{
	sim->nr_aers = 0;
	sim->admin_wait = NULL;
	sim->admin_wait_req = NULL;
	sim->ns_notice_masked = false; /* AERs died with the reset: the next change notifies */
	sim_sanitize_unmask(sim);
	sim_self_test_reset(sim);
	sim_features_reset(sim);
	sim_fw_reset(sim); /* a firmware image committed for activation at reset runs now */
}
