/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Sanitize: block erase, overwrite or crypto erase of every namespace, which
 * takes sanitize_ms. Meanwhile the Sanitize Status log page shows the
 * progress, I/O commands and Format NVM fail with Sanitize In Progress, and
 * another Sanitize too. At the end every allocated namespace reads as zeroes,
 * and the controller raises a Sanitize Operation Completed event (type I/O
 * Command Specific Status, log page Sanitize Status; no AEC bit gates it), or
 * Completed With Unexpected Deallocation when No-Deallocate was asked for and
 * the sim deallocated anyway (it always does). The event type stays masked
 * until the host reads the Sanitize Status log with RAE clear (or a reset).
 */
#include <string.h>

#include "sim_internal.h"

#define PROGRESS_FULL 65535u

bool sim_sanitizing(const struct pnvme_sim *sim)
{
	return sim->san_running;
}

static uint32_t seconds(uint32_t ms)
{
	return (ms + 999) / 1000;
}

uint16_t sim_sanitize(struct pnvme_sim *sim, struct sim_req *req)
{
	uint32_t cdw10 = req->cmd.cdw10, sanact = cdw10 & 0x7;
	struct pnvme_sanitize_log *l = &sim->sanlog;

	if (sim->san_running)
		return SIM_ERR(PNVME_SC_SANITIZE_IN_PROGRESS);
	if (sanact < PNVME_SANACT_EXIT_FAILURE || sanact > PNVME_SANACT_CRYPTO_ERASE)
		return SIM_ERR(PNVME_SC_INVALID_FIELD);
	if (sanact == PNVME_SANACT_EXIT_FAILURE)
		return SIM_OK; /* this controller's sanitize never fails: no failure mode to leave */
	memset(l, 0, sizeof(*l));
	l->scdw10 = cdw10;
	l->sstat = PNVME_SSTAT_IN_PROGRESS;
	l->eto = l->etbe = l->etce = seconds(sim->p.sanitize_ms);
	l->etond = l->etbend = l->etcend = seconds(sim->p.sanitize_ms);
	sim->san_running = true;
	sim->san_start_ns = sim->now_ns;
	sim->san_end_ns = sim->now_ns + (uint64_t)sim->p.sanitize_ms * 1000000ull;
	return SIM_OK;
}

void sim_sanitize_unmask(struct pnvme_sim *sim)
{
	sim->san_notice_masked = false;
}

/* The completion event, unless one is waiting for the host to read the log. */
static void notify(struct pnvme_sim *sim)
{
	uint8_t info = PNVME_SSTAT_STATE(sim->sanlog.sstat) == PNVME_SSTAT_COMPLETED_ND
			       ? PNVME_AER_IO_SANITIZE_COMPLETED_DEALLOC
			       : PNVME_AER_IO_SANITIZE_COMPLETED;

	if (sim->san_notice_masked)
		return;
	if (sim_event_push(sim, PNVME_AER_TYPE_IO_SPECIFIC, info, PNVME_LOG_PAGE_SANITIZE) == 0)
		sim->san_notice_masked = true;
}

static void finish(struct pnvme_sim *sim)
{
	struct pnvme_sanitize_log *l = &sim->sanlog;
	uint32_t passes;

	for (uint32_t id = 1; id <= sim->p.nn; id++) {
		struct sim_ns *ns = &sim->ns[id - 1];
		struct sim_ns_format f;

		if (!ns->allocated)
			continue;
		sim_ns_current_format(ns, &f);
		sim_ns_remap(sim, id, &f, ns->bytes);
	}
	passes = (l->scdw10 & 0x7) == PNVME_SANACT_OVERWRITE ? ((l->scdw10 >> 4) & 0xf) : 1;
	if (passes == 0)
		passes = 16; /* OWPASS 0 means sixteen */
	l->sprog = PROGRESS_FULL;
	l->sstat = (uint16_t)((l->scdw10 & PNVME_SANITIZE_NDAS ? PNVME_SSTAT_COMPLETED_ND
								: PNVME_SSTAT_COMPLETED) |
			      (passes & 0x1f) << 3 | PNVME_SSTAT_GLOBAL_ERASED);
	sim->san_running = false;
	notify(sim);
}

void sim_sanitize_step(struct pnvme_sim *sim)
{
	uint64_t span = sim->san_end_ns - sim->san_start_ns;

	if (sim->now_ns >= sim->san_end_ns) {
		finish(sim);
		return;
	}
	sim->sanlog.sprog = (uint16_t)((sim->now_ns - sim->san_start_ns) * PROGRESS_FULL / span);
}

void sim_sanitize_log(struct pnvme_sim *sim, uint8_t *buf)
{
	memcpy(buf, &sim->sanlog, sizeof(sim->sanlog));
}
