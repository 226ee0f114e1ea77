/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Device Self-test: a short test takes selftest_ms, an extended one four
 * times that; one at a time. The log shows the one running and its percent
 * done, then the twenty newest results, newest first. Code Fh aborts it; a
 * Controller Level Reset aborts a short one (result 2h) and leaves an
 * extended one running, as the NVMe Base specification has it.
 */
#include <string.h>

#include "sim_internal.h"

#define RESULT_OK 0x0
#define RESULT_ABORTED PNVME_DST_RESULT_ABORTED_CMD
#define RESULT_ABORTED_RESET PNVME_DST_RESULT_ABORTED_RESET
#define VDI_NSID 0x1

void sim_self_test_init(struct pnvme_sim *sim)
{
	memset(&sim->dstlog, 0, sizeof(sim->dstlog));
	for (unsigned i = 0; i < SIM_DST_RESULTS; i++)
		sim->dstlog.result[i].dsts = PNVME_DST_RESULT_UNUSED;
}

static void add_result(struct pnvme_sim *sim, uint8_t result)
{
	struct pnvme_self_test_log *l = &sim->dstlog;
	struct pnvme_self_test_result *r = &l->result[0];

	memmove(&l->result[1], &l->result[0], (SIM_DST_RESULTS - 1) * sizeof(l->result[0]));
	memset(r, 0, sizeof(*r));
	r->dsts = (uint8_t)(l->current_operation << 4 | result);
	r->poh = (sim->now_ns - sim->epoch_ns) / 3600000000000ull;
	if (sim->dst_nsid != 0 && sim->dst_nsid != SIM_NSID_ALL) {
		r->vdi = VDI_NSID;
		r->nsid = sim->dst_nsid;
	}
	l->current_operation = 0;
	l->completion = 0;
}

uint16_t sim_self_test(struct pnvme_sim *sim, struct sim_req *req)
{
	const struct pnvme_cmd *cmd = &req->cmd;
	uint32_t code = cmd->cdw10 & 0xf;
	uint64_t ms;

	if (code == PNVME_DST_ABORT) {
		if (sim->dstlog.current_operation != 0)
			add_result(sim, RESULT_ABORTED);
		return SIM_OK;
	}
	if (code != PNVME_DST_SHORT && code != PNVME_DST_EXTENDED)
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	if (cmd->nsid != 0 && cmd->nsid != SIM_NSID_ALL && sim_ns_active(sim, cmd->nsid) == NULL)
		return SIM_ERR(PNVME_SC_INVALID_NAMESPACE_OR_FORMAT);
	if (sim->dstlog.current_operation != 0)
		return SIM_CS_ERR(PNVME_SC_SELF_TEST_IN_PROGRESS);
	ms = (uint64_t)sim->p.selftest_ms * (code == PNVME_DST_EXTENDED ? 4 : 1);
	sim->dstlog.current_operation = (uint8_t)code;
	sim->dstlog.completion = 0;
	sim->dst_nsid = cmd->nsid;
	sim->dst_start_ns = sim->now_ns;
	sim->dst_end_ns = sim->now_ns + ms * 1000000ull;
	return SIM_OK;
}

void sim_self_test_step(struct pnvme_sim *sim)
{
	uint64_t span = sim->dst_end_ns - sim->dst_start_ns;

	if (sim->now_ns >= sim->dst_end_ns) {
		add_result(sim, RESULT_OK);
		return;
	}
	sim->dstlog.completion = (uint8_t)((sim->now_ns - sim->dst_start_ns) * 100 / span);
}

void sim_self_test_log(struct pnvme_sim *sim, uint8_t *buf)
{
	memcpy(buf, &sim->dstlog, sizeof(sim->dstlog));
}

void sim_self_test_reset(struct pnvme_sim *sim)
{
	if (sim->dstlog.current_operation == PNVME_DST_SHORT)
		add_result(sim, RESULT_ABORTED_RESET);
}
