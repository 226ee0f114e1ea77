/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The doorbells, from BAR0 or from the host's shadow doorbell page (Doorbell
 * Buffer Config), and the event index the sim writes back for a shadowing
 * host.
 */
#include <stdatomic.h>

#include "sim_internal.h"

static bool shadowed(const struct pnvme_sim *sim, unsigned idx)
{
	/* The admin queue keeps MMIO doorbells, as Linux and SPDK hosts expect. */
	return sim->shadow_db != NULL && idx >= 2 && idx < sim->shadow_slots;
}

static void sq_tail_set(struct pnvme_sim *sim, struct sim_sq *sq, uint32_t v)
{
	if (v >= sq->size) {
		sim_fatal(sim, "SQ tail doorbell beyond the queue size");
		return;
	}
	sq->tail = v;
}

static void cq_head_set(struct pnvme_sim *sim, struct sim_cq *cq, uint32_t v)
{
	uint32_t used = (cq->tail + cq->size - cq->head) % cq->size;

	if (v >= cq->size || (v + cq->size - cq->head) % cq->size > used) {
		sim_fatal(sim, "CQ head doorbell beyond the posted entries");
		return;
	}
	cq->head = v;
}

static void db_apply(struct pnvme_sim *sim, unsigned idx, uint32_t v)
{
	uint16_t qid = (uint16_t)(idx / 2);

	if (idx & 1) {
		if (sim->cqs[qid] == NULL)
			sim_fatal(sim, "CQ head doorbell of a queue that does not exist");
		else
			cq_head_set(sim, sim->cqs[qid], v);
	} else {
		if (sim->sqs[qid] == NULL)
			sim_fatal(sim, "SQ tail doorbell of a queue that does not exist");
		else
			sq_tail_set(sim, sim->sqs[qid], v);
	}
}

static bool queue_exists(const struct pnvme_sim *sim, unsigned idx)
{
	return (idx & 1) ? sim->cqs[idx / 2] != NULL : sim->sqs[idx / 2] != NULL;
}

static volatile uint32_t *shadow_slot(volatile uint32_t *page, struct pnvme_sim *sim,
				      unsigned idx)
{
	return page + ((size_t)idx << sim->p.dstrd);
}

static void shadow_scan(struct pnvme_sim *sim)
{
	for (unsigned idx = 2; idx < sim->shadow_slots; idx++) {
		if (!queue_exists(sim, idx))
			continue;
		db_apply(sim, idx, *shadow_slot(sim->shadow_db, sim, idx));
	}
}

/*
 * Look at every doorbell once. A changed MMIO value counts as one doorbell
 * write; a shadowed queue then takes its value from the shadow page.
 */
void sim_doorbells_scan(struct pnvme_sim *sim)
{
	unsigned n = 2 * (sim->p.queues + 1);

	for (unsigned idx = 0; idx < n; idx++) {
		uint32_t v = *sim_db(sim, idx);

		if (v == sim->db_seen[idx])
			continue;
		sim->db_seen[idx] = v;
		if (idx & 1)
			SIM_STAT_ADD(sim->stats.cq_doorbell_writes, 1);
		else
			SIM_STAT_ADD(sim->stats.sq_doorbell_writes, 1);
		if (!shadowed(sim, idx))
			db_apply(sim, idx, v);
		else if (!queue_exists(sim, idx))
			sim_fatal(sim, "doorbell of a queue that does not exist");
	}
	if (sim->shadow_db != NULL)
		shadow_scan(sim);
	/* SQ entries written before the doorbell are visible from here on. */
	atomic_thread_fence(memory_order_acquire);
}

/* Tell a shadowing host the doorbell value we want an MMIO write after. */
void sim_eventidx_set(struct pnvme_sim *sim, unsigned idx, uint32_t v)
{
	volatile uint32_t *slot;

	if (!shadowed(sim, idx))
		return;
	slot = shadow_slot(sim->eventidx, sim, idx);
	/* Store only on change: the host reads this line on every submission. */
	if (*slot != v) {
		atomic_thread_fence(memory_order_release);
		*slot = v;
	}
}

/* A queue is born (or dies) with its doorbell at zero. */
void sim_db_clear(struct pnvme_sim *sim, unsigned idx)
{
	*sim_db(sim, idx) = 0;
	sim->db_seen[idx] = 0;
	if (shadowed(sim, idx)) {
		*shadow_slot(sim->shadow_db, sim, idx) = 0;
		*shadow_slot(sim->eventidx, sim, idx) = 0;
	}
}

/* Doorbell Buffer Config: existing queues start from their current values. */
void sim_shadow_setup(struct pnvme_sim *sim, void *db_page, void *ei_page)
{
	unsigned n = 2 * (sim->p.queues + 1);
	unsigned fit = SIM_PAGE_SIZE / (4u << sim->p.dstrd);

	sim->shadow_db = db_page;
	sim->eventidx = ei_page;
	sim->shadow_slots = n < fit ? n : fit;
	for (unsigned idx = 2; idx < sim->shadow_slots; idx++) {
		uint16_t qid = (uint16_t)(idx / 2);
		uint32_t v = 0;

		if (!(idx & 1) && sim->sqs[qid] != NULL)
			v = sim->sqs[qid]->tail;
		else if ((idx & 1) && sim->cqs[qid] != NULL)
			v = sim->cqs[qid]->head;
		*shadow_slot(sim->shadow_db, sim, idx) = v;
		*shadow_slot(sim->eventidx, sim, idx) = v;
	}
}
