/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fused Compare and Write (NVMe Base 1.4 4.12, NVM Command Set Compare):
 * a Compare with FUSE 01b immediately followed in the same SQ by a Write with
 * FUSE 10b, run as one atomic unit. The fetch loop (sim_queue.c) hands both
 * over together, waiting for the Write if the tail does not cover it yet;
 * a fused command without its partner next to it goes through sim_nvm_exec
 * and gets Missing Fused Command.
 *
 * The Compare runs first. If it fails (a miscompare: Compare Failure; or any
 * other error, protection checks included) the Write is not run and gets
 * Command Aborted due to Failed Fused Command. If it succeeds the Write runs
 * and both get their own status. Both must name the same namespace and LBA
 * range; if they do not, both get Invalid Field in Command, as the fused
 * operation rules ask. A first command that is not a Compare, or a second that
 * is not a Write, gets Invalid Field and its partner Failed Fused Command.
 * Each command gets its completion, the Compare's first.
 */
#include "sim_internal.h"

static bool same_range(const struct pnvme_cmd *a, const struct pnvme_cmd *b)
{
	return a->nsid == b->nsid && a->cdw10 == b->cdw10 && a->cdw11 == b->cdw11 &&
	       (a->cdw12 & 0xffff) == (b->cdw12 & 0xffff);
}

static void fused_exec(struct pnvme_sim *sim, struct sim_req *cmp, struct sim_req *wr)
{
	uint16_t failed = sim_status(PNVME_SCT_GENERIC, PNVME_SC_ABORTED_FAILED_FUSED, false);
	uint16_t invalid = SIM_ERR(PNVME_SC_INVALID_FIELD);
	struct sim_ns *ns, *wns;

	if (cmp->cmd.opc != PNVME_OPC_COMPARE) {
		cmp->status = invalid;
		wr->status = failed;
		return;
	}
	if (wr->cmd.opc != PNVME_OPC_WRITE) {
		cmp->status = failed;
		wr->status = invalid;
		return;
	}
	if (!same_range(&cmp->cmd, &wr->cmd)) {
		cmp->status = invalid;
		wr->status = invalid;
		return;
	}
	cmp->status = sim_nvm_check(sim, &cmp->cmd, &ns);
	if (cmp->status != SIM_OK) {
		wr->status = failed;
		return;
	}
	wr->status = sim_nvm_check(sim, &wr->cmd, &wns);
	if (wr->status != SIM_OK) {
		cmp->status = failed; /* not run: the unit fails as a whole */
		return;
	}
	cmp->status = sim_rw(sim, &cmp->cmd, ns);
	if (cmp->status != SIM_OK) {
		wr->status = failed;
		return;
	}
	wr->status = sim_rw(sim, &wr->cmd, ns);
}

/*
 * Run a fetched pair and complete both. FAIL faults that fired on either
 * (sim_fault_apply ran already) stand for its result: the other one is then
 * not run and gets Failed Fused Command.
 */
void sim_fused_run(struct pnvme_sim *sim, struct sim_req *cmp, struct sim_req *wr)
{
	uint16_t failed = sim_status(PNVME_SCT_GENERIC, PNVME_SC_ABORTED_FAILED_FUSED, false);

	cmp->state = SIM_REQ_EXEC;
	wr->state = SIM_REQ_EXEC;
	sim_nvm_count(sim, &cmp->cmd);
	sim_nvm_count(sim, &wr->cmd);
	if (unlikely((cmp->flags | wr->flags) & SIM_REQ_FAILED)) {
		if (!(cmp->flags & SIM_REQ_FAILED))
			cmp->status = failed;
		if (!(wr->flags & SIM_REQ_FAILED))
			wr->status = failed;
	} else {
		fused_exec(sim, cmp, wr);
	}
	sim_req_complete(sim, cmp);
	sim_req_complete(sim, wr);
}
