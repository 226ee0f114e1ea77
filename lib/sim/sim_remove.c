/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Surprise removal: the function is gone from the bus. Every BAR0 and config
 * space read returns all ones, writes go nowhere, and the controller makes no
 * DMA: it fetches, executes and posts nothing. BAR0 is plain memory that the
 * host reads directly, so the sim fills it with ones and refills it on every
 * pass (a host write may read back until the next pass, as with a posted
 * write that has not reached the device yet). The memory stays valid until
 * detach or destroy, which free everything as usual.
 */
#include <stdatomic.h>
#include <string.h>

#include "sim_internal.h"

static int do_remove(struct pnvme_sim *sim, void *arg)
{
	(void)arg;
	atomic_store(&sim->removed, true);
	sim_removed_step(sim);
	PNVME_INFOLOG("sim", "%s: surprise removal", sim->name);
	return 0;
}

void pnvme_sim_remove(struct pnvme_sim *sim)
{
	if (!pnvme_sim_is_removed(sim))
		sim_call(sim, do_remove, NULL);
}

bool pnvme_sim_is_removed(const struct pnvme_sim *sim)
{
	return atomic_load(&sim->removed);
}

/* Each pass once removed: whatever the host wrote reads as ones again. */
void sim_removed_step(struct pnvme_sim *sim)
{
	memset(sim->bar, 0xff, sim->bar_len);
}
