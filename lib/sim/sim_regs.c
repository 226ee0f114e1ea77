/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The register file: CAP/VS/CRTO at creation, the CC -> CSTS state machine
 * (enable, reset, shutdown, fatal status) and NVM subsystem reset. The
 * doorbells are in sim_doorbell.c.
 */
#include <stdatomic.h>
#include <string.h>

#include "sim_internal.h"

#define MS_NS 1000000ull

static uint32_t *csts_word(struct pnvme_sim *sim)
{
	return (uint32_t *)(void *)(sim->bar + PNVME_REG_CSTS);
}

/* CSTS is also written by pnvme_sim_set_cfs from another thread: atomic. */
static void csts_set(struct pnvme_sim *sim, uint32_t bits)
{
	__atomic_fetch_or(csts_word(sim), bits, __ATOMIC_SEQ_CST);
}

static void csts_clear(struct pnvme_sim *sim, uint32_t bits)
{
	__atomic_fetch_and(csts_word(sim), ~bits, __ATOMIC_SEQ_CST);
}

uint32_t sim_csts(const struct pnvme_sim *sim)
{
	return __atomic_load_n((const uint32_t *)(const void *)(sim->bar + PNVME_REG_CSTS),
			       __ATOMIC_ACQUIRE);
}

bool sim_is_fatal(const struct pnvme_sim *sim)
{
	return (sim_csts(sim) & PNVME_CSTS_CFS) != 0;
}

void sim_fatal(struct pnvme_sim *sim, const char *why)
{
	if (!sim_is_fatal(sim))
		PNVME_WARNLOG("sim", "%s: controller fatal status: %s", sim->name, why);
	csts_set(sim, PNVME_CSTS_CFS);
}

/* CRTO (NVMe 2.0): ready timeouts in 500 ms units, the same with or without media. */
static uint32_t crto_units(const struct pnvme_sim *sim, uint64_t to)
{
	if (sim->p.crto_ms == 0)
		return (uint32_t)to;
	return (sim->p.crto_ms + 499) / 500;
}

void sim_regs_init(struct pnvme_sim *sim)
{
	uint64_t to = sim->p.to;
	bool v2 = PNVME_VS_MJR(sim->p.vs) >= 2;
	uint32_t crto = 0;

	if (to == 0) /* four times the ready delay, at least a second */
		to = (sim->p.ready_ms * 4 + 499) / 500;
	if (to < 2)
		to = 2;
	if (to > 255)
		to = 255;
	if (v2) {
		crto = crto_units(sim, to);
		/* CAP.TO follows CRTO, as the spec wants, unless to= says otherwise. */
		if (sim->p.to == 0 && sim->p.crto_ms != 0)
			to = crto < 255 ? crto : 255;
	}
	sim->cap = (uint64_t)sim->p.mqes | (1ull << 16) /* CQR */ | (to << 24) |
		   ((uint64_t)sim->p.dstrd << 32) | ((uint64_t)PNVME_CAP_CSS_NVM << 37);
	/* NVMe 2.0: CRTO is there, and ready comes as fast with media as without. */
	if (v2)
		sim->cap |= SIM_CAP_CRWMS | SIM_CAP_CRIMS;
	if (sim->p.nssr)
		sim->cap |= SIM_CAP_NSSRS;
	/* MPSMIN = MPSMAX = 0: 4 KiB pages only. */
	*sim_reg32(sim, PNVME_REG_CAP) = (uint32_t)sim->cap;
	*sim_reg32(sim, PNVME_REG_CAP + 4) = (uint32_t)(sim->cap >> 32);
	*sim_reg32(sim, PNVME_REG_VS) = sim->p.vs;
	*sim_reg32(sim, SIM_REG_CRTO) = crto | crto << 16; /* CRIMT = CRWMT */
	sim->state = SIM_ST_DISABLED;
}

static uint64_t reg64(struct pnvme_sim *sim, uint32_t off)
{
	/* The host may write 64-bit registers as two halves: read them the same way. */
	return (uint64_t)*sim_reg32(sim, off) | ((uint64_t)*sim_reg32(sim, off + 4) << 32);
}

static const char *cc_check(uint32_t cc)
{
	if (PNVME_CC_CSS(cc) != 0)
		return "CC.CSS is not the NVM command set";
	if (PNVME_CC_MPS(cc) != 0)
		return "CC.MPS outside CAP.MPSMIN..MPSMAX (4 KiB only)";
	if (SIM_CC_AMS(cc) != 0)
		return "CC.AMS is not round robin";
	if (PNVME_CC_IOSQES(cc) != 6)
		return "CC.IOSQES is not 6 (64-byte SQEs)";
	if (PNVME_CC_IOCQES(cc) != 4)
		return "CC.IOCQES is not 4 (16-byte CQEs)";
	return NULL;
}

/* Admin queues from AQA/ASQ/ACQ, read at the moment EN is seen. */
static const char *admin_setup(struct pnvme_sim *sim)
{
	uint32_t aqa = *sim_reg32(sim, PNVME_REG_AQA);
	uint64_t asq = reg64(sim, PNVME_REG_ASQ), acq = reg64(sim, PNVME_REG_ACQ);
	uint32_t sqs = PNVME_AQA_ASQS(aqa), cqs = PNVME_AQA_ACQS(aqa);
	void *sq_ring, *cq_ring;
	struct sim_cq *cq;

	if (sqs < 2 || cqs < 2)
		return "AQA: admin queues need at least 2 entries";
	if ((asq & SIM_PAGE_MASK) || (acq & SIM_PAGE_MASK))
		return "ASQ/ACQ not page aligned";
	sq_ring = env_pci_iova_to_vaddr(asq, (size_t)sqs * sizeof(struct pnvme_cmd));
	cq_ring = env_pci_iova_to_vaddr(acq, (size_t)cqs * sizeof(struct pnvme_cpl));
	if (sq_ring == NULL || cq_ring == NULL)
		return "ASQ/ACQ is not DMA-able memory";
	cq = sim_cq_new(sim, 0, cqs, cq_ring);
	if (cq == NULL || sim_sq_new(sim, 0, sqs, sq_ring, cq) == NULL)
		return "out of memory for the admin queues";
	return NULL;
}

static void enable(struct pnvme_sim *sim, uint32_t cc)
{
	const char *why = cc_check(cc);

	/* NSSRO is cleared here: the host's write-1-to-clear is not seen in plain memory. */
	csts_clear(sim, PNVME_CSTS_RDY | PNVME_CSTS_CFS | PNVME_CSTS_SHST_MASK | SIM_CSTS_NSSRO);
	sim_queues_reset(sim);
	sim_admin_reset(sim);
	if (why == NULL)
		why = admin_setup(sim);
	if (why != NULL) {
		sim_fatal(sim, why);
		sim->state = SIM_ST_FAILED;
		return;
	}
	sim->state = SIM_ST_ENABLING;
	sim->timer_ns = sim->now_ns + atomic_load(&sim->ready_ms) * MS_NS;
}

/* EN 1 -> 0: a controller reset; every queue and command vanishes. */
static void disable(struct pnvme_sim *sim)
{
	sim_queues_reset(sim);
	sim_admin_reset(sim);
	sim->shutting_down = false;
	sim->state = SIM_ST_DISABLING;
	sim->timer_ns = sim->now_ns + atomic_load(&sim->ready_ms) * MS_NS;
}

static uint64_t shutdown_ms(struct pnvme_sim *sim)
{
	if (sim->p.shutdown_ms >= 0)
		return (uint64_t)sim->p.shutdown_ms;
	return atomic_load(&sim->ready_ms);
}

static void cc_changed(struct pnvme_sim *sim, uint32_t cc)
{
	bool en = cc & PNVME_CC_EN, was = sim->cc & PNVME_CC_EN;

	if (en && !was)
		enable(sim, cc);
	else if (!en && was)
		disable(sim);
	else if (en && SIM_CC_SHN(cc) != 0 && SIM_CC_SHN(sim->cc) == 0) {
		csts_clear(sim, PNVME_CSTS_SHST_MASK);
		csts_set(sim, PNVME_CSTS_SHST_OCCURRING);
		sim->shutting_down = true;
		sim->shutdown_ns = sim->now_ns + shutdown_ms(sim) * MS_NS;
	}
	sim->cc = cc;
}

static void timers(struct pnvme_sim *sim)
{
	uint64_t now = sim->now_ns;

	if (sim->state == SIM_ST_ENABLING && now >= sim->timer_ns &&
	    !atomic_load(&sim->never_ready)) {
		sim->state = SIM_ST_READY;
		sim->ka_last_ns = now;
		csts_set(sim, PNVME_CSTS_RDY);
	} else if (sim->state == SIM_ST_DISABLING && now >= sim->timer_ns) {
		sim->state = SIM_ST_DISABLED;
		csts_clear(sim, PNVME_CSTS_RDY | PNVME_CSTS_CFS | PNVME_CSTS_SHST_MASK);
	}
	if (sim->shutting_down && now >= sim->shutdown_ns) {
		sim->shutting_down = false;
		csts_clear(sim, PNVME_CSTS_SHST_MASK);
		csts_set(sim, PNVME_CSTS_SHST_COMPLETE);
	}
}

/*
 * A controller that failed while enabling: CC.EN = 1 (set in CC if the host
 * left it clear), CSTS.RDY = 0, CSTS.CFS = 1. Nothing is processed; clearing
 * CC.EN resets it as usual, RDY and CFS clear ready_ms later.
 */
static int stuck_cfs(struct pnvme_sim *sim, void *arg)
{
	uint32_t cc = *sim_reg32(sim, PNVME_REG_CC) | PNVME_CC_EN;

	(void)arg;
	if (pnvme_sim_is_removed(sim))
		return 0;
	*sim_reg32(sim, PNVME_REG_CC) = cc;
	sim->cc = cc;
	sim->state = SIM_ST_FAILED;
	sim->shutting_down = false;
	csts_clear(sim, PNVME_CSTS_RDY | PNVME_CSTS_SHST_MASK);
	sim_fatal(sim, "set by pnvme_sim_set_stuck_cfs");
	return 0;
}

void pnvme_sim_set_stuck_cfs(struct pnvme_sim *sim)
{
	sim_call(sim, stuck_cfs, NULL);
}

/*
 * NVM subsystem reset: every queue and command vanishes at once (a stalled
 * command without its data transfer), the registers return to their reset
 * values, and CSTS.NSSRO tells the host what happened.
 */
static void subsystem_reset(struct pnvme_sim *sim)
{
	static const uint32_t regs[] = {
		PNVME_REG_CC, PNVME_REG_AQA, PNVME_REG_ASQ, PNVME_REG_ASQ + 4,
		PNVME_REG_ACQ, PNVME_REG_ACQ + 4,
	};

	PNVME_INFOLOG("sim", "%s: NVM subsystem reset", sim->name);
	sim_queues_reset(sim);
	sim_admin_reset(sim);
	for (size_t i = 0; i < sizeof(regs) / sizeof(regs[0]); i++)
		*sim_reg32(sim, regs[i]) = 0;
	sim->cc = 0;
	sim->state = SIM_ST_DISABLED;
	sim->shutting_down = false;
	__atomic_store_n(csts_word(sim), SIM_CSTS_NSSRO, __ATOMIC_SEQ_CST);
}

/* NSSR reads 0; "NVMe" written there resets the subsystem if CAP.NSSRS says so. */
static bool nssr_written(struct pnvme_sim *sim)
{
	uint32_t v = *sim_reg32(sim, PNVME_REG_NSSR);

	if (likely(v == 0))
		return false;
	*sim_reg32(sim, PNVME_REG_NSSR) = 0;
	return sim->p.nssr && v == SIM_NSSR_MAGIC;
}

void sim_regs_step(struct pnvme_sim *sim)
{
	uint32_t cc;

	if (unlikely(nssr_written(sim)))
		subsystem_reset(sim);
	cc = *sim_reg32(sim, PNVME_REG_CC);

	if (cc != sim->cc)
		cc_changed(sim, cc);
	timers(sim);
}
