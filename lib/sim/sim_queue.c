/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Queues and the life of a command: fetch from the SQ, execute, wait on the
 * CQ's posting list (latency, CQ full), post the CQE with the phase tag.
 */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "sim_internal.h"

struct sim_cq *sim_cq_new(struct pnvme_sim *sim, uint16_t qid, uint32_t size, void *ring)
{
	struct sim_cq *cq = calloc(1, sizeof(*cq));

	if (cq == NULL)
		return NULL;
	cq->qid = qid;
	cq->size = size;
	cq->ring = ring;
	cq->phase = 1;
	sim->cqs[qid] = cq;
	if (qid > sim->cq_hi)
		sim->cq_hi = qid;
	if (qid != 0)
		sim->nr_io_cqs++;
	sim_db_clear(sim, 2u * qid + 1);
	return cq;
}

struct sim_sq *sim_sq_new(struct pnvme_sim *sim, uint16_t qid, uint32_t size, void *ring,
			  struct sim_cq *cq)
{
	struct sim_sq *sq = calloc(1, sizeof(*sq));

	if (sq == NULL)
		return NULL;
	/* At most size commands in flight: the pool never runs dry mid-command. */
	sq->reqs = calloc(size, sizeof(*sq->reqs));
	if (sq->reqs == NULL) {
		free(sq);
		return NULL;
	}
	for (uint32_t i = size; i-- > 0;) {
		sq->reqs[i].sq = sq;
		sq->reqs[i].next = sq->free;
		sq->free = &sq->reqs[i];
	}
	sq->qid = qid;
	sq->size = size;
	sq->ring = ring;
	sq->cq = cq;
	cq->nr_sqs++;
	sim->sqs[qid] = sq;
	if (qid != 0)
		sim->nr_io_sqs++;
	if (qid > sim->sq_hi)
		sim->sq_hi = qid;
	sim_db_clear(sim, 2u * qid);
	return sq;
}

void sim_cq_free(struct pnvme_sim *sim, struct sim_cq *cq)
{
	sim_bogus_forget_cq(sim, cq->qid);
	sim->cqs[cq->qid] = NULL;
	if (cq->qid != 0)
		sim->nr_io_cqs--;
	sim_db_clear(sim, 2u * cq->qid + 1);
	free(cq);
}

void sim_sq_free(struct pnvme_sim *sim, struct sim_sq *sq)
{
	if (unlikely(sim->stalled != NULL))
		sim_stall_forget_sq(sim, sq);
	sq->cq->nr_sqs--;
	sim->sqs[sq->qid] = NULL;
	if (sq->qid != 0)
		sim->nr_io_sqs--;
	sim_db_clear(sim, 2u * sq->qid);
	free(sq->reqs);
	free(sq);
}

/* Controller reset: queues and commands vanish without completions. */
void sim_queues_reset(struct pnvme_sim *sim)
{
	/* The host may free its shadow pages on reset: never touch them again. */
	sim->shadow_db = NULL;
	sim->eventidx = NULL;
	sim->shadow_slots = 0;
	for (uint32_t qid = 0; qid <= sim->p.queues; qid++) {
		if (sim->sqs[qid] != NULL)
			sim_sq_free(sim, sim->sqs[qid]);
	}
	for (uint32_t qid = 0; qid <= sim->p.queues; qid++) {
		if (sim->cqs[qid] != NULL)
			sim_cq_free(sim, sim->cqs[qid]);
	}
	for (uint32_t idx = 0; idx < 2 * (sim->p.queues + 1); idx++)
		sim_db_clear(sim, idx);
	sim->sq_hi = 0;
	sim->cq_hi = 0;
}

static void req_free(struct sim_req *req)
{
	struct sim_sq *sq = req->sq;

	req->state = SIM_REQ_FREE;
	req->next = sq->free;
	sq->free = req;
	sq->outstanding--;
}

struct sim_req *sim_sq_find(struct sim_sq *sq, uint16_t cid)
{
	for (uint32_t i = 0; i < sq->size; i++) {
		if (sq->reqs[i].state != SIM_REQ_FREE && sq->reqs[i].cmd.cid == cid)
			return &sq->reqs[i];
	}
	return NULL;
}

/* A command's result is known: queue it for posting, or hold it (DROP fault). */
void sim_req_complete(struct pnvme_sim *sim, struct sim_req *req)
{
	struct sim_cq *cq = req->sq->cq;
	unsigned lat;

	if (req->status != SIM_OK)
		sim_errlog_add(sim, req);
	if (unlikely(req->flags & SIM_REQ_DROP)) {
		req->state = SIM_REQ_HELD;
		SIM_STAT_ADD(sim->stats.dropped, 1);
		return;
	}
	lat = atomic_load_explicit(&sim->latency_us, memory_order_relaxed);
	req->due_ns = lat ? sim->now_ns + lat * 1000ull : 0;
	req->state = SIM_REQ_QUEUED;
	req->next = NULL;
	if (cq->post_tail != NULL)
		cq->post_tail->next = req;
	else
		cq->post_head = req;
	cq->post_tail = req;
}

static bool cid_in_flight(struct sim_sq *sq, uint16_t cid)
{
	if (sim_sq_find(sq, cid) != NULL)
		return true;
	/* Submitted but not yet fetched counts too. */
	for (uint32_t i = sq->head; i != sq->tail; i = (i + 1) % sq->size) {
		if (sq->ring[i].cid == cid)
			return true;
	}
	return false;
}

static uint16_t bogus_cid(struct sim_sq *sq, uint16_t cid)
{
	uint16_t c = cid ^ 0x8000;

	while (cid_in_flight(sq, c))
		c++;
	return c;
}

/* One CQE; status is raw without the phase tag, which the sim adds. */
void sim_cqe_put(struct pnvme_sim *sim, struct sim_cq *cq, uint32_t cdw0, uint16_t sqhd,
		 uint16_t sqid, uint16_t cid, uint16_t status)
{
	volatile uint32_t *d = (volatile uint32_t *)(void *)&cq->ring[cq->tail];

	status &= (uint16_t)~PNVME_STATUS_PHASE_BIT;
	d[0] = cdw0;
	d[1] = 0;
	d[2] = sqhd | (uint32_t)sqid << 16;
	/* The phase tag goes last: the host must see a whole entry once it flips. */
	atomic_thread_fence(memory_order_release);
	d[3] = cid | (uint32_t)(status | cq->phase) << 16;
	if (++cq->tail == cq->size) {
		cq->tail = 0;
		cq->phase ^= 1;
	}
	SIM_STAT_ADD(sim->stats.completions, 1);
	if (status != SIM_OK)
		SIM_STAT_ADD(sim->stats.errors, 1);
}

static void cqe_write(struct pnvme_sim *sim, struct sim_cq *cq, const struct sim_req *req,
		      uint16_t cid)
{
	sim_cqe_put(sim, cq, req->cdw0, (uint16_t)req->sq->head, req->sq->qid, cid, req->status);
}

uint32_t sim_cq_room(const struct sim_cq *cq)
{
	return cq->size - 1 - (cq->tail + cq->size - cq->head) % cq->size;
}

static unsigned cq_post(struct pnvme_sim *sim, struct sim_cq *cq)
{
	struct sim_req *req;
	unsigned n = 0;

	while ((req = cq->post_head) != NULL) {
		uint32_t need = 1 + !!(req->flags & SIM_REQ_BOGUS_CID) +
				!!(req->flags & SIM_REQ_DUPLICATE);

		if (req->due_ns > sim->now_ns)
			break;
		if (sim_cq_room(cq) < need) {
			/* Full: ask a shadowing host to ring when it frees entries. */
			sim_eventidx_set(sim, 2u * cq->qid + 1, cq->head);
			break;
		}
		if (unlikely(req->flags & SIM_REQ_BOGUS_CID))
			cqe_write(sim, cq, req, bogus_cid(req->sq, req->cmd.cid));
		cqe_write(sim, cq, req, req->cmd.cid);
		if (unlikely(req->flags & SIM_REQ_DUPLICATE))
			cqe_write(sim, cq, req, req->cmd.cid);
		cq->post_head = req->next;
		if (cq->post_head == NULL)
			cq->post_tail = NULL;
		req_free(req);
		n++;
	}
	return n;
}

unsigned sim_cqs_post(struct pnvme_sim *sim)
{
	unsigned n = 0;

	for (uint32_t qid = 0; qid <= sim->cq_hi; qid++) {
		struct sim_cq *cq = sim->cqs[qid];

		if (cq != NULL && cq->post_head != NULL)
			n += cq_post(sim, cq);
	}
	return n;
}

/* Delete I/O SQ: every command in flight completes as Aborted - SQ Deletion. */
void sim_sq_start_delete(struct pnvme_sim *sim, struct sim_sq *sq)
{
	uint16_t st = sim_status(PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION, false);

	sq->deleting = true;
	sq->del_tail = sq->tail;
	for (uint32_t i = 0; i < sq->size; i++) {
		struct sim_req *req = &sq->reqs[i];

		if (req->state == SIM_REQ_QUEUED) {
			req->status = st;
		} else if (req->state == SIM_REQ_HELD) {
			req->status = st;
			req->flags = 0;
			sim_req_complete(sim, req);
		} else if (req->state == SIM_REQ_STALLED) {
			sim_stall_cancel(sim, req, st); /* no data transfer */
		}
	}
}

static struct sim_req *fetch(struct sim_sq *sq)
{
	struct sim_req *req = sq->free;

	sq->free = req->next;
	sq->outstanding++;
	req->cmd = sq->ring[sq->head];
	if (++sq->head == sq->size)
		sq->head = 0;
	req->cdw0 = 0;
	req->status = SIM_OK;
	req->flags = 0;
	req->state = SIM_REQ_EXEC;
	return req;
}

/* Commands still in a deleted SQ are fetched only to be aborted. */
static unsigned sq_drain_deleted(struct pnvme_sim *sim, struct sim_sq *sq)
{
	unsigned n = 0;

	while (sq->head != sq->del_tail && sq->free != NULL) {
		struct sim_req *req = fetch(sq);

		req->status = sim_status(PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION, false);
		sim_req_complete(sim, req);
		n++;
	}
	return n;
}

/* Execute a fetched command (or take the status a FAIL fault gave it) and complete it. */
void sim_req_run(struct pnvme_sim *sim, struct sim_req *req)
{
	uint16_t st;

	req->state = SIM_REQ_EXEC;
	if (unlikely(req->flags & SIM_REQ_FAILED)) {
		sim_req_complete(sim, req);
		return;
	}
	st = req->sq->qid == 0 ? sim_admin_exec(sim, req) : sim_nvm_exec(sim, req);
	if (st != SIM_HELD) {
		req->status = st;
		sim_req_complete(sim, req);
	}
}

static void exec(struct pnvme_sim *sim, struct sim_req *req, bool admin)
{
	if (admin)
		SIM_STAT_ADD(sim->stats.admin_cmds[req->cmd.opc], 1);
	else
		SIM_STAT_ADD(sim->stats.io_cmds[req->cmd.opc], 1);
	if (unlikely(atomic_load_explicit(&sim->faults_armed, memory_order_relaxed))) {
		sim_fault_apply(sim, req, admin);
		if (req->flags & SIM_REQ_STALL) {
			sim_stall_start(sim, req);
			return;
		}
	}
	sim_req_run(sim, req);
}

/* A fused pair, fetched together: both are counted, both see the faults, then run as one. */
static void exec_fused(struct pnvme_sim *sim, struct sim_req *first, struct sim_req *second)
{
	SIM_STAT_ADD(sim->stats.io_cmds[first->cmd.opc], 1);
	SIM_STAT_ADD(sim->stats.io_cmds[second->cmd.opc], 1);
	if (unlikely(atomic_load_explicit(&sim->faults_armed, memory_order_relaxed))) {
		sim_fault_apply(sim, first, false);
		sim_fault_apply(sim, second, false);
	}
	sim_fused_run(sim, first, second);
}

enum fused_take {
	FUSED_ALONE, /* no partner next to it: run alone (Missing Fused Command) */
	FUSED_PAIR,  /* both submitted and two requests free */
	FUSED_WAIT,  /* the second is not submitted yet, or no room: leave both in the SQ */
};

/* The SQ's head is a first fused command (FUSE 01b) and FUSES offers fusing. */
static enum fused_take fused_head(const struct sim_sq *sq)
{
	uint32_t next = sq->head + 1;

	if (next == sq->size)
		next = 0;
	if (next == sq->tail)
		return FUSED_WAIT; /* the doorbell covered the first only: the second comes */
	if (sq->ring[next].fuse != PNVME_FUSE_SECOND)
		return FUSED_ALONE;
	return sq->free->next != NULL ? FUSED_PAIR : FUSED_WAIT;
}

unsigned sim_sq_process(struct pnvme_sim *sim, struct sim_sq *sq, unsigned budget)
{
	bool admin = sq->qid == 0, waiting = false;
	unsigned n = 0;

	if (unlikely(sq->deleting))
		return sq_drain_deleted(sim, sq);
	while (sq->head != sq->tail && n < budget && sq->free != NULL) {
		if (unlikely(sq->ring[sq->head].fuse == PNVME_FUSE_FIRST) && !admin &&
		    sim->p.fused) {
			enum fused_take t = fused_head(sq);

			if (t == FUSED_WAIT) {
				waiting = true;
				break;
			}
			if (t == FUSED_PAIR) {
				struct sim_req *first = fetch(sq);

				exec_fused(sim, first, fetch(sq));
				n += 2;
				continue;
			}
		}
		exec(sim, fetch(sq), admin);
		n++;
		/* A Delete SQ waiting for its queue to drain holds the admin queue. */
		if (admin && (sim->admin_wait != NULL || sim_is_fatal(sim)))
			break;
	}
	/* Fetched all, or waiting for a fused command's partner: a shadowing host rings next time. */
	if (sq->head == sq->tail || waiting)
		sim_eventidx_set(sim, 2u * sq->qid, sq->tail);
	if (n != 0) /* CTRATT.TBKAS: any command restarts the keep alive timer */
		sim->ka_last_ns = sim->now_ns;
	return n;
}
