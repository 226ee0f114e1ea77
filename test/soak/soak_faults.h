/* SPDX-License-Identifier: BSD-3-Clause */
/* The soak test's fault menu: one random fault at a time, counted by kind. */
#ifndef PNVME_TEST_SOAK_FAULTS_H
#define PNVME_TEST_SOAK_FAULTS_H

#include <stdatomic.h>
#include <stdint.h>

#include "pnvme/nvme.h"
#include "pnvme/sim.h"

enum soak_fault {
	SOAK_ERROR,      /* an error status */
	SOAK_DROP,       /* a lost completion: timeout, Abort */
	SOAK_DROP_ABORT, /* a lost completion and a lost Abort: reset */
	SOAK_BOGUS,      /* a completion for a CID not outstanding */
	SOAK_DUPLICATE,  /* a completion posted twice */
	SOAK_STALL,      /* a command held a while, its data moved late */
	SOAK_STALL_LONG, /* held past the timeout: Abort or reset take it back */
	SOAK_CFS,        /* controller fatal status: reset */
	SOAK_RESET,      /* pnvme_ctrlr_reset() from the admin thread */
	SOAK_NS_CHANGE,  /* namespace formatted (data gone) with an AER: rescan */
	SOAK_AER,        /* a SMART event: its log page read */
	SOAK_NUM_FAULTS,
};

struct soak_faults {
	struct pnvme_ctrlr *c;
	struct pnvme_sim *sim;
	uint32_t seed;
	uint64_t next_tick;
	uint32_t kinds; /* bit per enum soak_fault: which may fire */
	uint64_t fired;
	uint64_t by_kind[SOAK_NUM_FAULTS];
};

/* Bumped before a namespace's data is thrown away (soak.c reads it). */
extern atomic_uint g_soak_ns_gen;

void soak_faults_init(struct soak_faults *f, struct pnvme_ctrlr *c, struct pnvme_sim *sim,
		      uint32_t seed);
/* Fire one fault when it is time (every 10 to 40 ms). */
void soak_faults_step(struct soak_faults *f);
/* Disarm what has not fired, so the drain can end. */
void soak_faults_quiet(struct soak_faults *f);
void soak_faults_report(const struct soak_faults *f);

#endif
