/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fault injection, asynchronous events and statistics: the parts a test
 * thread touches while the device thread runs. Rules and events sit behind a
 * mutex; the per-command path only reads one atomic counter unless a rule is
 * armed.
 */
#include <errno.h>
#include <stdatomic.h>
#include <string.h>

#include "sim_internal.h"

void sim_faults_init(struct pnvme_sim *sim)
{
	pthread_mutex_init(&sim->lock, NULL);
	atomic_init(&sim->faults_armed, 0);
	atomic_init(&sim->events_queued, 0);
}

static bool rule_matches(const struct sim_fault_rule *r, const struct sim_req *req, bool admin)
{
	if (r->left == 0 || (r->f.queue == PNVME_SIM_ADMIN) != admin)
		return false;
	/* A fused pair runs as one: neither half is stalled apart (the rule waits). */
	if (r->f.type == PNVME_SIM_FAULT_STALL && req->cmd.fuse != PNVME_FUSE_NORMAL)
		return false;
	return r->f.opc == PNVME_SIM_ANY_OPC || r->f.opc == req->cmd.opc;
}

static void rule_fire(struct pnvme_sim *sim, struct sim_fault_rule *r, struct sim_req *req)
{
	if (--r->left == 0)
		atomic_fetch_sub(&sim->faults_armed, 1);
	SIM_STAT_ADD(sim->stats.faults, 1);
	switch (r->f.type) {
	case PNVME_SIM_FAULT_FAIL:
		req->status = sim_status(r->f.sct, r->f.sc, r->f.dnr);
		req->flags |= SIM_REQ_FAILED;
		break;
	case PNVME_SIM_FAULT_DROP:
		req->flags |= SIM_REQ_DROP;
		break;
	case PNVME_SIM_FAULT_BOGUS_CID:
		req->flags |= SIM_REQ_BOGUS_CID;
		break;
	case PNVME_SIM_FAULT_DUPLICATE:
		req->flags |= SIM_REQ_DUPLICATE;
		break;
	case PNVME_SIM_FAULT_STALL:
		req->flags |= SIM_REQ_STALL;
		req->due_ns = r->f.stall_ms ? sim->now_ns + r->f.stall_ms * 1000000ull : UINT64_MAX;
		break;
	}
}

/* Apply every armed rule that matches: the request's flags say what fired. */
void sim_fault_apply(struct pnvme_sim *sim, struct sim_req *req, bool admin)
{
	pthread_mutex_lock(&sim->lock);
	for (unsigned i = 0; i < SIM_MAX_FAULTS; i++) {
		struct sim_fault_rule *r = &sim->faults[i];

		if (rule_matches(r, req, admin))
			rule_fire(sim, r, req);
	}
	pthread_mutex_unlock(&sim->lock);
}

int pnvme_sim_inject(struct pnvme_sim *sim, const struct pnvme_sim_fault *fault)
{
	int rc = -ENOSPC;

	if (sim == NULL || fault == NULL || fault->count == 0 || fault->opc > PNVME_SIM_ANY_OPC ||
	    (fault->queue != PNVME_SIM_ADMIN && fault->queue != PNVME_SIM_IO) ||
	    fault->type > PNVME_SIM_FAULT_STALL || fault->sct > 7)
		return -EINVAL;
	pthread_mutex_lock(&sim->lock);
	for (unsigned i = 0; i < SIM_MAX_FAULTS; i++) {
		if (sim->faults[i].left == 0) {
			sim->faults[i].f = *fault;
			sim->faults[i].left = fault->count;
			atomic_fetch_add(&sim->faults_armed, 1);
			rc = 0;
			break;
		}
	}
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

static int inject(struct pnvme_sim *sim, enum pnvme_sim_fault_type type,
		  enum pnvme_sim_queue queue, unsigned opc, unsigned count)
{
	struct pnvme_sim_fault f = {.type = type, .queue = queue, .opc = opc, .count = count};

	return pnvme_sim_inject(sim, &f);
}

int pnvme_sim_fail_next(struct pnvme_sim *sim, enum pnvme_sim_queue queue, unsigned opc,
			unsigned count, uint8_t sct, uint8_t sc, bool dnr)
{
	struct pnvme_sim_fault f = {
		.type = PNVME_SIM_FAULT_FAIL, .queue = queue, .opc = opc, .count = count,
		.sct = sct, .sc = sc, .dnr = dnr,
	};

	return pnvme_sim_inject(sim, &f);
}

int pnvme_sim_drop_next(struct pnvme_sim *sim, enum pnvme_sim_queue queue, unsigned opc,
			unsigned count)
{
	return inject(sim, PNVME_SIM_FAULT_DROP, queue, opc, count);
}

int pnvme_sim_bogus_cid_next(struct pnvme_sim *sim, enum pnvme_sim_queue queue, unsigned opc,
			     unsigned count)
{
	return inject(sim, PNVME_SIM_FAULT_BOGUS_CID, queue, opc, count);
}

int pnvme_sim_duplicate_next(struct pnvme_sim *sim, enum pnvme_sim_queue queue, unsigned opc,
			     unsigned count)
{
	return inject(sim, PNVME_SIM_FAULT_DUPLICATE, queue, opc, count);
}

int pnvme_sim_stall_next(struct pnvme_sim *sim, enum pnvme_sim_queue queue, unsigned opc,
			 unsigned count, uint32_t stall_ms)
{
	struct pnvme_sim_fault f = {
		.type = PNVME_SIM_FAULT_STALL, .queue = queue, .opc = opc, .count = count,
		.stall_ms = stall_ms,
	};

	return pnvme_sim_inject(sim, &f);
}

void pnvme_sim_clear_faults(struct pnvme_sim *sim)
{
	pthread_mutex_lock(&sim->lock);
	for (unsigned i = 0; i < SIM_MAX_FAULTS; i++)
		sim->faults[i].left = 0;
	atomic_store(&sim->faults_armed, 0);
	pthread_mutex_unlock(&sim->lock);
}

void pnvme_sim_set_latency_us(struct pnvme_sim *sim, uint32_t us)
{
	atomic_store(&sim->latency_us, us);
}

void pnvme_sim_set_ready_ms(struct pnvme_sim *sim, uint32_t ms)
{
	atomic_store(&sim->ready_ms, ms);
}

void pnvme_sim_set_never_ready(struct pnvme_sim *sim, bool never)
{
	atomic_store(&sim->never_ready, never);
}

void pnvme_sim_set_cfs(struct pnvme_sim *sim)
{
	if (pnvme_sim_is_removed(sim))
		return; /* BAR0 reads all ones already */
	sim_fatal(sim, "set by pnvme_sim_set_cfs");
}

/* ---------------------------------------------------------------- events */

/* Queue an event for the next AER; -ENOSPC if SIM_MAX_EVENTS wait already. */
int sim_event_push(struct pnvme_sim *sim, uint8_t type, uint8_t info, uint8_t log_page)
{
	int rc = -ENOSPC;
	unsigned n;

	pthread_mutex_lock(&sim->lock);
	n = atomic_load(&sim->events_queued);
	if (n < SIM_MAX_EVENTS) {
		struct sim_event *ev = &sim->events[(sim->ev_head + n) % SIM_MAX_EVENTS];

		ev->type = type;
		ev->info = info;
		ev->log_page = log_page;
		atomic_store(&sim->events_queued, n + 1);
		rc = 0;
	}
	pthread_mutex_unlock(&sim->lock);
	return rc;
}

/* A test hook: bypasses AEC and the masking of notices until a log page is read. */
int pnvme_sim_raise_aer(struct pnvme_sim *sim, uint8_t type, uint8_t info, uint8_t log_page)
{
	if (type > 7)
		return -EINVAL;
	return sim_event_push(sim, type, info, log_page);
}

bool sim_event_pop(struct pnvme_sim *sim, struct sim_event *ev)
{
	bool got = false;

	if (atomic_load_explicit(&sim->events_queued, memory_order_relaxed) == 0)
		return false;
	pthread_mutex_lock(&sim->lock);
	if (atomic_load(&sim->events_queued) > 0) {
		*ev = sim->events[sim->ev_head];
		sim->ev_head = (sim->ev_head + 1) % SIM_MAX_EVENTS;
		atomic_fetch_sub(&sim->events_queued, 1);
		got = true;
	}
	pthread_mutex_unlock(&sim->lock);
	return got;
}

/* ---------------------------------------------------------------- stats */

_Static_assert(sizeof(struct pnvme_sim_stats) % sizeof(uint64_t) == 0,
	       "stats are copied as an array of 64-bit counters");

void pnvme_sim_get_stats(struct pnvme_sim *sim, struct pnvme_sim_stats *out)
{
	const uint64_t *src = (const uint64_t *)(const void *)&sim->stats;
	uint64_t *dst = (uint64_t *)(void *)out;

	/* Field by field: the device thread may be counting meanwhile. */
	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}
