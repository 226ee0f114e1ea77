/* SPDX-License-Identifier: BSD-3-Clause */
/* Get Log Page: Error Information, SMART / Health, Firmware Slot, Changed Namespace List,
 * Device Self-test, Sanitize Status. */
#include <string.h>

#include "sim_internal.h"

#define ERRLOG_SIZE (SIM_ERRLOG_ENTRIES * sizeof(struct pnvme_error_log_entry))
_Static_assert(SIM_CHANGED_NS_MAX * sizeof(uint32_t) <= ERRLOG_SIZE,
	       "one buffer holds every log page");

static bool has_lba(const struct pnvme_cmd *cmd, bool io)
{
	return io && (cmd->opc == PNVME_OPC_READ || cmd->opc == PNVME_OPC_WRITE ||
		      cmd->opc == PNVME_OPC_COMPARE || cmd->opc == PNVME_OPC_WRITE_ZEROES);
}

/* Every failed command leaves an entry; the newest 64 are kept. */
void sim_errlog_add(struct pnvme_sim *sim, const struct sim_req *req)
{
	struct pnvme_error_log_entry *e = &sim->errlog[sim->errlog_next];
	bool io = req->sq->qid != 0;

	memset(e, 0, sizeof(*e));
	e->error_count = ++sim->health.errors;
	e->sqid = req->sq->qid;
	e->cid = req->cmd.cid;
	e->status = req->status;
	e->error_location = 0xffff;
	e->nsid = req->cmd.nsid;
	if (has_lba(&req->cmd, io))
		e->lba = req->cmd.cdw10 | (uint64_t)req->cmd.cdw11 << 32;
	sim->errlog_next = (sim->errlog_next + 1) % SIM_ERRLOG_ENTRIES;
}

static void error_log(const struct pnvme_sim *sim, uint8_t *buf)
{
	struct pnvme_error_log_entry *out = (struct pnvme_error_log_entry *)(void *)buf;

	/* Newest first. */
	for (unsigned i = 0; i < SIM_ERRLOG_ENTRIES; i++) {
		unsigned idx = (sim->errlog_next + SIM_ERRLOG_ENTRIES - 1 - i) % SIM_ERRLOG_ENTRIES;

		out[i] = sim->errlog[idx];
	}
}

static void health_log(const struct pnvme_sim *sim, uint8_t *buf)
{
	struct pnvme_health_log *h = (struct pnvme_health_log *)(void *)buf;
	const struct sim_health *c = &sim->health;
	uint64_t hours = (sim->now_ns - sim->epoch_ns) / 3600000000000ull;

	h->temperature = 313; /* 40 C */
	h->available_spare = 100;
	h->available_spare_threshold = 10;
	/* Data units are thousands of 512-byte units, rounded up. */
	sim_le128(h->data_units_read, (c->units_read + 999) / 1000);
	sim_le128(h->data_units_written, (c->units_written + 999) / 1000);
	sim_le128(h->host_read_commands, c->host_reads);
	sim_le128(h->host_write_commands, c->host_writes);
	sim_le128(h->power_cycles, 1);
	sim_le128(h->power_on_hours, hours);
	sim_le128(h->num_error_info_log_entries, c->errors);
}

uint16_t sim_get_log_page(struct pnvme_sim *sim, struct sim_req *req)
{
	const struct pnvme_cmd *cmd = &req->cmd;
	uint32_t lid = cmd->cdw10 & 0xff;
	uint64_t numd = ((uint64_t)(cmd->cdw11 & 0xffff) << 16 | cmd->cdw10 >> 16) + 1;
	uint64_t off = cmd->cdw12 | (uint64_t)cmd->cdw13 << 32;
	uint64_t len = numd * 4, max = sim->p.mdts ? (uint64_t)SIM_PAGE_SIZE << sim->p.mdts : 0;
	_Alignas(8) uint8_t buf[ERRLOG_SIZE];
	size_t size;
	uint16_t st;

	memset(buf, 0, sizeof(buf));
	switch (lid) {
	case PNVME_LOG_PAGE_ERROR:
		error_log(sim, buf);
		size = ERRLOG_SIZE;
		break;
	case PNVME_LOG_PAGE_HEALTH:
		/* LPA bit 0 clear: the controller-wide page only. */
		if (cmd->nsid != 0 && cmd->nsid != SIM_NSID_ALL)
			return SIM_ERR(PNVME_SC_INVALID_FIELD);
		health_log(sim, buf);
		size = sizeof(struct pnvme_health_log);
		break;
	case PNVME_LOG_PAGE_FIRMWARE_SLOT:
		sim_fw_log(sim, buf);
		size = sizeof(struct pnvme_firmware_log);
		break;
	case PNVME_LOG_PAGE_SELF_TEST:
		sim_self_test_log(sim, buf);
		size = sizeof(struct pnvme_self_test_log);
		break;
	case PNVME_LOG_PAGE_SANITIZE:
		sim_sanitize_log(sim, buf);
		size = sizeof(struct pnvme_sanitize_log);
		break;
	case SIM_LOG_CHANGED_NS_LIST:
		sim_changed_ns_log(sim, (uint32_t *)(void *)buf);
		size = SIM_CHANGED_NS_MAX * sizeof(uint32_t);
		break;
	default:
		return SIM_CS_ERR(PNVME_SC_INVALID_LOG_PAGE);
	}
	if ((off & 3) || off > size || (max && len > max))
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	st = sim_xfer_to_host(sim, cmd, buf + off, size - off, len);
	/* Read without RAE: the list empties and its notices are unmasked; the same
	 * re-arms Sanitize Operation Completed. */
	if (st == SIM_OK && lid == SIM_LOG_CHANGED_NS_LIST && !(cmd->cdw10 & SIM_LOG_RAE))
		sim_changed_ns_clear(sim);
	if (st == SIM_OK && lid == PNVME_LOG_PAGE_SANITIZE && !(cmd->cdw10 & SIM_LOG_RAE))
		sim_sanitize_unmask(sim);
	return st;
}
