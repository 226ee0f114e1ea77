/* SPDX-License-Identifier: BSD-3-Clause */
/* Controllers: attach, probe, detach, admin polling, accessors. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctrlr.h"
#include "env/log.h"

#define DEFAULT_ADMIN_QUEUE_SIZE 32
#define DEFAULT_NUM_IO_QUEUES 64

void pnvme_ctrlr_opts_init(struct pnvme_ctrlr_opts *opts, size_t opts_size)
{
	struct pnvme_ctrlr_opts d = {
		.opts_size = opts_size,
		.admin_queue_size = DEFAULT_ADMIN_QUEUE_SIZE,
		.num_io_queues = DEFAULT_NUM_IO_QUEUES,
		.keep_alive_ms = 10000,
		.admin_timeout_ms = 30000,
		.io_timeout_ms = 30000,
		.shadow_doorbells = false,
		.reset_attempts = 3,
		.reset_resubmit = false,
		.resubmit_limit = 3,
	};

	if (opts == NULL)
		return;
	memcpy(opts, &d, opts_size < sizeof(d) ? opts_size : sizeof(d));
}

/* Take the fields the caller's (maybe older, smaller) struct has. */
static void opts_copy(struct pnvme_ctrlr_opts *dst, const struct pnvme_ctrlr_opts *src)
{
	size_t n;

	pnvme_ctrlr_opts_init(dst, sizeof(*dst));
	if (src == NULL)
		return;
	n = src->opts_size < sizeof(*dst) ? src->opts_size : sizeof(*dst);
	memcpy(dst, src, n);
	dst->opts_size = sizeof(*dst);
}

static void ctrlr_free(struct pnvme_ctrlr *c)
{
	if (c->adminq.trackers != NULL)
		nvme_qpair_fini(&c->adminq);
	pnvme_dma_free(c->scratch);
	pnvme_dma_free(c->aer_page);
	if (c->tr_constructed)
		c->tr->ctrlr_destruct(c);
	pthread_mutex_destroy(&c->admin_lock);
	pthread_mutex_destroy(&c->recovery_lock);
	free(c->ns);
	free(c->active_ns);
	free(c->qid_bitmap);
	free(c);
}

static int validate_opts(const struct pnvme_ctrlr_opts *o)
{
	if (o->admin_queue_size < 2 || o->admin_queue_size > 4096)
		return -EINVAL;
	if (o->num_io_queues == 0 || o->num_io_queues > 65535)
		return -EINVAL;
	if (o->admin_timeout_ms == 0)
		return -EINVAL;
	return 0;
}

static int ctrlr_attach(const struct pnvme_trid *trid, const struct pnvme_ctrlr_opts *opts,
			struct pnvme_ctrlr **out)
{
	pthread_mutexattr_t attr;
	struct pnvme_ctrlr *c;
	int rc;

	rc = pnvme_env_init(NULL);
	if (rc != 0)
		return rc;
	c = calloc(1, sizeof(*c));
	if (c == NULL)
		return -ENOMEM;
	c->trid = *trid;
	opts_copy(&c->opts, opts);
	/* Recursive: an admin callback may submit another admin command. */
	pthread_mutexattr_init(&attr);
	pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
	pthread_mutex_init(&c->admin_lock, &attr);
	pthread_mutexattr_destroy(&attr);
	pthread_mutex_init(&c->recovery_lock, NULL);
	rc = validate_opts(&c->opts);
	if (rc != 0) {
		PNVME_ERRLOG("ctrlr", "invalid controller options");
		goto err;
	}
	c->tr = nvme_transport_find(trid->trtype);
	rc = c->tr->ctrlr_construct(c);
	c->tr_constructed = true; /* destruct undoes what it got to */
	if (rc != 0)
		goto err;
	c->scratch = pnvme_dma_zmalloc(4096, 4096, &c->scratch_bus);
	c->aer_page = pnvme_dma_zmalloc(4096, 4096, &c->aer_page_bus);
	if (c->scratch == NULL || c->aer_page == NULL) {
		rc = -ENOMEM;
		goto err;
	}
	uint32_t entries = c->opts.admin_queue_size;

	/* MDTS is not known yet: admin PRP lists are sized for the largest transfer. */
	rc = nvme_qpair_init(&c->adminq, c, 0, entries, entries, 2u * 1024 * 1024);
	if (rc != 0)
		goto err;
	/* An admin command the controller never answers still completes, once. */
	c->adminq.timeout_ticks = (uint64_t)c->opts.admin_timeout_ms * pnvme_ticks_hz() / 1000;
	c->adminq.on_device = true;
	c->state = NVME_STATE_INIT;
	while ((rc = nvme_ctrlr_init_step(c)) == 0)
		;
	if (rc < 0)
		goto err;
	/* Known to pnvme_mem_unregister()'s in-flight check from here to detach. */
	rc = nvme_mem_track(c);
	if (rc != 0)
		goto err;
	PNVME_INFOLOG("ctrlr", "%s %s: ready, %u namespaces, %u I/O queues, max transfer %u",
		      c->trid.trtype, c->trid.traddr, c->num_active_ns, c->num_io_queues,
		      c->max_xfer);
	*out = c;
	return 0;
err:
	ctrlr_free(c);
	return rc;
}

int pnvme_connect(const char *trid_str, const struct pnvme_ctrlr_opts *opts,
		  struct pnvme_ctrlr **ctrlr)
{
	struct pnvme_trid trid;
	int rc;

	if (trid_str == NULL || ctrlr == NULL)
		return -EINVAL;
	rc = pnvme_trid_parse(&trid, trid_str);
	if (rc != 0) {
		PNVME_ERRLOG("ctrlr", "cannot parse transport ID '%s'", trid_str);
		return rc;
	}
	return ctrlr_attach(&trid, opts, ctrlr);
}

struct probe_ctx {
	void *ctx;
	pnvme_probe_cb probe_cb;
	pnvme_attach_cb attach_cb;
	int attached;
	int last_error;
};

static void probe_one(struct probe_ctx *p, const struct pnvme_trid *trid)
{
	struct pnvme_ctrlr_opts opts;
	struct pnvme_ctrlr *c;
	int rc;

	pnvme_ctrlr_opts_init(&opts, sizeof(opts));
	if (p->probe_cb != NULL && !p->probe_cb(p->ctx, trid, &opts))
		return;
	rc = ctrlr_attach(trid, &opts, &c);
	if (rc != 0) {
		p->last_error = rc;
		return;
	}
	p->attached++;
	if (p->attach_cb != NULL)
		p->attach_cb(p->ctx, &c->trid, c);
}

static int probe_enum_cb(void *arg, const char *trtype, const char *addr)
{
	struct pnvme_trid trid = {0};

	/* Only real functions: the sim is attached by name, never discovered. */
	if (strcmp(trtype, "pcie") != 0)
		return 0;
	snprintf(trid.trtype, sizeof(trid.trtype), "%s", trtype);
	snprintf(trid.traddr, sizeof(trid.traddr), "%s", addr);
	probe_one(arg, &trid);
	return 0;
}

int pnvme_probe(const struct pnvme_trid *trid, void *ctx, pnvme_probe_cb probe_cb,
		pnvme_attach_cb attach_cb)
{
	struct probe_ctx p = {ctx, probe_cb, attach_cb, 0, 0};
	int rc;

	rc = pnvme_env_init(NULL);
	if (rc != 0)
		return rc;
	if (trid != NULL)
		probe_one(&p, trid);
	else
		env_pci_enumerate(probe_enum_cb, &p);
	if (p.attached == 0 && p.last_error != 0)
		return p.last_error;
	return p.attached;
}

static void send_keep_alive(struct pnvme_ctrlr *c)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_KEEP_ALIVE};
	uint64_t now = pnvme_ticks();

	if (now < c->next_keep_alive)
		return;
	c->next_keep_alive = now + c->keep_alive_ticks;
	nvme_admin_submit(c, &cmd, NULL, 0, NULL, NULL);
}

int pnvme_ctrlr_process_admin_completions(struct pnvme_ctrlr *c)
{
	int32_t n;

	if (c == NULL)
		return -EINVAL;
	pthread_mutex_lock(&c->admin_lock);
	if (nvme_ctrlr_is_dead(c)) {
		/* Declared dead only after the device was stopped: safe to complete. */
		nvme_qpair_abort_all(&c->adminq, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
		pthread_mutex_unlock(&c->admin_lock);
		return -ENXIO;
	}
	if (c->keep_alive_ticks != 0 && c->state == NVME_STATE_READY)
		send_keep_alive(c);
	n = nvme_qpair_process(&c->adminq, 0);
	/* An idle admin poll reads CSTS: a dead or fatal controller shows there. */
	if (n == 0 && c->state == NVME_STATE_READY && !c->detaching)
		nvme_ctrlr_check_fatal(c);
	pthread_mutex_unlock(&c->admin_lock);
	if (atomic_load_explicit(&c->reset_requested, memory_order_acquire))
		nvme_ctrlr_recover(c);
	return nvme_ctrlr_is_dead(c) ? -ENXIO : n;
}

static bool any_in_callback(struct pnvme_ctrlr *c)
{
	bool inside = c->adminq.in_completion;

	pthread_mutex_lock(&c->admin_lock);
	for (struct pnvme_qpair *qp = c->qpairs; qp != NULL && !inside; qp = qp->next_in_ctrlr)
		inside = qp->in_completion;
	pthread_mutex_unlock(&c->admin_lock);
	return inside;
}

int pnvme_detach(struct pnvme_ctrlr *c)
{
	bool live;

	if (c == NULL)
		return -EINVAL;
	/* The caller owns every qpair here: their flags are its own to read. */
	if (any_in_callback(c)) {
		PNVME_ERRLOG("ctrlr", "pnvme_detach() from a completion callback: not allowed");
		return -EBUSY;
	}
	c->detaching = true;
	live = !nvme_ctrlr_is_dead(c) && c->state == NVME_STATE_READY;
	/* An orderly end where the controller answers: delete the queues, shut down. */
	for (struct pnvme_qpair *qp = c->qpairs; live && qp != NULL; qp = qp->next_in_ctrlr) {
		qp->closing = true;
		qp->paused = true;
		nvme_qpair_kick(qp);
		if (qp->on_device && !nvme_qpair_delete_on_device(qp))
			live = false;
	}
	if (live)
		nvme_ctrlr_shutdown(c);
	/*
	 * The controller may hold commands, our AERs and the queues' addresses:
	 * stop it before anything completes or any memory is freed.
	 */
	nvme_ctrlr_stop_device(c);
	/* The device can no longer reach memory: its requests stop counting as in flight. */
	nvme_mem_untrack(c);
	pthread_mutex_lock(&c->admin_lock);
	nvme_qpair_abort_all(&c->adminq, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	pthread_mutex_unlock(&c->admin_lock);
	while (c->qpairs != NULL) {
		struct pnvme_qpair *qp = c->qpairs;

		/* Rings rewound, a fabric's connection closed: no send reads a buffer after. */
		qp->tr->qpair_reset(qp);
		nvme_qpair_abort_all(qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
		c->qpairs = qp->next_in_ctrlr;
		nvme_qpair_fini(qp);
		free(qp);
	}
	ctrlr_free(c);
	return 0;
}

const struct pnvme_trid *pnvme_ctrlr_get_trid(const struct pnvme_ctrlr *c)
{
	return &c->trid;
}

const struct pnvme_ctrlr_data *pnvme_ctrlr_get_data(const struct pnvme_ctrlr *c)
{
	return &c->cdata;
}

uint64_t pnvme_ctrlr_get_cap(const struct pnvme_ctrlr *c)
{
	return c->cap;
}

uint32_t pnvme_ctrlr_get_vs(const struct pnvme_ctrlr *c)
{
	return c->vs;
}

uint32_t pnvme_ctrlr_get_num_ns(const struct pnvme_ctrlr *c)
{
	return c->num_ns;
}

struct pnvme_ns *pnvme_ctrlr_get_ns(struct pnvme_ctrlr *c, uint32_t nsid)
{
	if (nsid == 0 || nsid > c->num_ns)
		return NULL;
	return &c->ns[nsid - 1];
}

uint32_t pnvme_ctrlr_get_first_active_ns(const struct pnvme_ctrlr *c)
{
	return pnvme_ctrlr_get_next_active_ns(c, 0);
}

uint32_t pnvme_ctrlr_get_next_active_ns(const struct pnvme_ctrlr *c, uint32_t prev)
{
	for (uint32_t id = prev + 1; id <= c->num_ns; id++) {
		if (c->ns[id - 1].active)
			return id;
	}
	return 0;
}

uint32_t pnvme_ctrlr_get_max_xfer_size(const struct pnvme_ctrlr *c)
{
	return c->max_xfer;
}

uint32_t pnvme_ctrlr_get_num_io_queues(const struct pnvme_ctrlr *c)
{
	return c->num_io_queues;
}

bool pnvme_ctrlr_is_failed(const struct pnvme_ctrlr *c)
{
	return nvme_ctrlr_is_dead(c);
}

uint32_t pnvme_ctrlr_get_num_resets(const struct pnvme_ctrlr *c)
{
	return c->num_resets;
}

bool pnvme_ctrlr_uses_shadow_doorbells(const struct pnvme_ctrlr *c)
{
	return c->shadow_db_on;
}

bool pnvme_ctrlr_supports_sgl(const struct pnvme_ctrlr *c)
{
	return c->sgl_support != 0;
}

bool pnvme_ctrlr_supports_compare_and_write(const struct pnvme_ctrlr *c)
{
	return (c->cdata.fuses & PNVME_FUSES_COMPARE_AND_WRITE) &&
	       (c->cdata.oncs & PNVME_ONCS_COMPARE);
}
