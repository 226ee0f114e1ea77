/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Completion entries a test asks for (pnvme_sim_post_bogus): any CID, any
 * status, on any existing CQ, posted as soon as the CQ has room. The host
 * sees an entry no command of its own produced.
 */
#include <errno.h>
#include <string.h>

#include "sim_internal.h"

struct bogus_arg {
	struct sim_bogus b;
};

static int bogus_add(struct pnvme_sim *sim, void *arg)
{
	const struct bogus_arg *a = arg;

	if (pnvme_sim_is_removed(sim))
		return -ENODEV;
	if (a->b.qid > sim->p.queues || sim->cqs[a->b.qid] == NULL)
		return -EINVAL;
	if (sim->n_bogus == SIM_MAX_BOGUS)
		return -ENOSPC;
	sim->bogus[sim->n_bogus++] = a->b;
	return 0;
}

int pnvme_sim_post_bogus(struct pnvme_sim *sim, uint16_t qid, uint16_t cid, uint16_t status)
{
	struct bogus_arg a = {.b = {.qid = qid, .cid = cid, .status = status}};

	if (sim == NULL)
		return -EINVAL;
	return sim_call(sim, bogus_add, &a);
}

/* The SQ that reports its head in an entry on this CQ: same qid first. */
static const struct sim_sq *cq_sq(const struct pnvme_sim *sim, uint16_t qid)
{
	if (qid <= sim->sq_hi && sim->sqs[qid] != NULL && sim->sqs[qid]->cq->qid == qid)
		return sim->sqs[qid];
	for (uint32_t i = 0; i <= sim->sq_hi; i++) {
		if (sim->sqs[i] != NULL && sim->sqs[i]->cq->qid == qid)
			return sim->sqs[i];
	}
	return NULL;
}

static void drop_at(struct pnvme_sim *sim, unsigned i)
{
	memmove(&sim->bogus[i], &sim->bogus[i + 1], (sim->n_bogus - i - 1) * sizeof(sim->bogus[0]));
	sim->n_bogus--;
}

/* Post what fits, in the order asked; the rest waits for the host to free entries. */
unsigned sim_bogus_post(struct pnvme_sim *sim)
{
	unsigned n = 0;

	for (unsigned i = 0; i < sim->n_bogus;) {
		const struct sim_bogus *b = &sim->bogus[i];
		struct sim_cq *cq = sim->cqs[b->qid];
		const struct sim_sq *sq;

		if (sim_cq_room(cq) == 0) {
			sim_eventidx_set(sim, 2u * b->qid + 1, cq->head);
			i++;
			continue;
		}
		sq = cq_sq(sim, b->qid);
		sim_cqe_put(sim, cq, 0, sq ? (uint16_t)sq->head : 0, sq ? sq->qid : b->qid, b->cid,
			    b->status);
		drop_at(sim, i);
		n++;
	}
	return n;
}

/* The CQ is deleted (or the controller reset): its entries are not posted. */
void sim_bogus_forget_cq(struct pnvme_sim *sim, uint16_t qid)
{
	for (unsigned i = 0; i < sim->n_bogus;) {
		if (sim->bogus[i].qid == qid)
			drop_at(sim, i);
		else
			i++;
	}
}
