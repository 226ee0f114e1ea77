/* SPDX-License-Identifier: BSD-3-Clause */
/* The soak test's faults, drawn at random; the rarer ones reset the controller. */
#include <stdio.h>

#include "soak_faults.h"

static const char *const g_names[SOAK_NUM_FAULTS] = {
	"error status", "lost completion", "lost completion + lost Abort", "bogus CID",
	"duplicate completion", "stall", "stall past timeout", "fatal status", "reset",
	"namespace change", "SMART event",
};

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

void soak_faults_init(struct soak_faults *f, struct pnvme_ctrlr *c, struct pnvme_sim *sim,
		      uint32_t seed)
{
	*f = (struct soak_faults){.c = c, .sim = sim, .seed = seed ? seed : 1, .kinds = ~0u};
	f->next_tick = pnvme_ticks() + pnvme_ticks_hz() / 10;
}

/* Common faults often, the ones that reset the controller about once in 25 draws. */
static enum soak_fault draw(struct soak_faults *f)
{
	uint32_t r = rnd(&f->seed) % 100;

	if (r < 20)
		return SOAK_ERROR;
	if (r < 35)
		return SOAK_DROP;
	if (r < 47)
		return SOAK_BOGUS;
	if (r < 59)
		return SOAK_DUPLICATE;
	if (r < 75)
		return SOAK_STALL;
	if (r < 80)
		return SOAK_AER;
	if (r < 84)
		return SOAK_STALL_LONG;
	if (r < 88)
		return SOAK_NS_CHANGE;
	if (r < 92)
		return SOAK_DROP_ABORT;
	if (r < 96)
		return SOAK_CFS;
	return SOAK_RESET;
}

static int fire(struct soak_faults *f, enum soak_fault kind)
{
	uint8_t sc = (uint8_t)(rnd(&f->seed) % 2 ? PNVME_SC_INTERNAL_DEVICE_ERROR
						  : PNVME_SC_DATA_TRANSFER_ERROR);

	switch (kind) {
	case SOAK_ERROR:
		return pnvme_sim_fail_next(f->sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC,
					   1 + rnd(&f->seed) % 3, PNVME_SCT_GENERIC, sc,
					   rnd(&f->seed) % 2);
	case SOAK_DROP:
		return pnvme_sim_drop_next(f->sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC, 1);
	case SOAK_DROP_ABORT:
		if (pnvme_sim_drop_next(f->sim, PNVME_SIM_ADMIN, PNVME_OPC_ABORT, 1) != 0)
			return -1;
		return pnvme_sim_drop_next(f->sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC, 1);
	case SOAK_BOGUS:
		return pnvme_sim_bogus_cid_next(f->sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC,
						1 + rnd(&f->seed) % 3);
	case SOAK_DUPLICATE:
		return pnvme_sim_duplicate_next(f->sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC,
						1 + rnd(&f->seed) % 3);
	case SOAK_STALL:
		return pnvme_sim_stall_next(f->sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC, 1,
					    1 + rnd(&f->seed) % 100);
	case SOAK_STALL_LONG:
		/* Past the 300 ms timeout; 0 = until the controller is disabled. */
		return pnvme_sim_stall_next(f->sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC, 1,
					    rnd(&f->seed) % 2 ? 0 : 400 + rnd(&f->seed) % 600);
	case SOAK_CFS:
		pnvme_sim_set_cfs(f->sim);
		return 0;
	case SOAK_RESET:
		return pnvme_ctrlr_reset(f->c) == 0 ? 0 : -1;
	case SOAK_NS_CHANGE: {
		int rc;

		/* Odd while the format runs: no slot trusts data written meanwhile. */
		atomic_fetch_add(&g_soak_ns_gen, 1);
		rc = pnvme_sim_ns_format(f->sim, 1, 512, 0);
		atomic_fetch_add(&g_soak_ns_gen, 1);
		return rc;
	}
	case SOAK_AER:
		return pnvme_sim_raise_aer(f->sim, PNVME_AER_TYPE_SMART, 0, PNVME_LOG_PAGE_HEALTH);
	default:
		return -1;
	}
}

void soak_faults_step(struct soak_faults *f)
{
	uint64_t now = pnvme_ticks();
	enum soak_fault kind;

	if (now < f->next_tick)
		return;
	f->next_tick = now + (10 + rnd(&f->seed) % 30) * pnvme_ticks_hz() / 1000;
	kind = draw(f);
	if (!(f->kinds & (1u << kind)))
		return;
	if (fire(f, kind) == 0) {
		f->fired++;
		f->by_kind[kind]++;
	}
}

void soak_faults_quiet(struct soak_faults *f)
{
	pnvme_sim_clear_faults(f->sim);
}

void soak_faults_report(const struct soak_faults *f)
{
	printf("soak: faults:");
	for (int k = 0; k < SOAK_NUM_FAULTS; k++)
		printf(" %s %llu%s", g_names[k], (unsigned long long)f->by_kind[k],
		       k + 1 < SOAK_NUM_FAULTS ? "," : "\n");
}
