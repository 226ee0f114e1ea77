/* SPDX-License-Identifier: BSD-3-Clause */
/* The public I/O qpair API: allocate, free, poll. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctrlr.h"
#include "env/log.h"

#define DEFAULT_IO_QUEUE_SIZE 256

void pnvme_ctrlr_get_default_io_qpair_opts(const struct pnvme_ctrlr *c,
					   struct pnvme_io_qpair_opts *opts, size_t opts_size)
{
	struct pnvme_io_qpair_opts d = {
		.opts_size = opts_size,
		.io_queue_size = DEFAULT_IO_QUEUE_SIZE,
		.io_queue_requests = 2 * DEFAULT_IO_QUEUE_SIZE,
		.sq_doorbell_first = true,
	};

	if (opts == NULL)
		return;
	if (c != NULL && d.io_queue_size > c->max_queue_entries)
		d.io_queue_size = c->max_queue_entries;
	memcpy(opts, &d, opts_size < sizeof(d) ? opts_size : sizeof(d));
}

static int alloc_qid(struct pnvme_ctrlr *c)
{
	for (uint32_t qid = 1; qid <= c->num_io_queues; qid++) {
		if (!(c->qid_bitmap[qid / 64] & (1ull << (qid % 64)))) {
			c->qid_bitmap[qid / 64] |= 1ull << (qid % 64);
			return (int)qid;
		}
	}
	return -EBUSY;
}

static void free_qid(struct pnvme_ctrlr *c, uint16_t qid)
{
	c->qid_bitmap[qid / 64] &= ~(1ull << (qid % 64));
}

int pnvme_ctrlr_alloc_io_qpair(struct pnvme_ctrlr *c, const struct pnvme_io_qpair_opts *user,
			       struct pnvme_qpair **out)
{
	struct pnvme_io_qpair_opts opts;
	struct pnvme_qpair *qp;
	int qid, rc;

	if (c == NULL || out == NULL)
		return -EINVAL;
	if (nvme_ctrlr_is_dead(c))
		return -ENXIO;
	if (c->state != NVME_STATE_READY)
		return -EAGAIN; /* a reset is under way */
	pnvme_ctrlr_get_default_io_qpair_opts(c, &opts, sizeof(opts));
	if (user != NULL)
		memcpy(&opts, user, user->opts_size < sizeof(opts) ? user->opts_size : sizeof(opts));
	if (opts.io_queue_size < 2 || opts.io_queue_size > c->max_queue_entries) {
		PNVME_ERRLOG("qpair", "queue size %u outside 2..%u (CAP.MQES)", opts.io_queue_size,
			     c->max_queue_entries);
		return -EINVAL;
	}
	if (opts.io_queue_requests < opts.io_queue_size - 1)
		opts.io_queue_requests = opts.io_queue_size - 1;
	if (opts.dptr_mode > PNVME_DPTR_SGL)
		return -EINVAL;
	if (opts.dptr_mode == PNVME_DPTR_SGL && c->sgl_support == 0) {
		PNVME_ERRLOG("qpair", "%s: SGL data pointers asked for, and the controller has none "
				      "(Identify SGLS)", c->trid.traddr);
		return -ENOTSUP;
	}
	qp = aligned_alloc(64, sizeof(*qp));
	if (qp == NULL)
		return -ENOMEM;
	pthread_mutex_lock(&c->admin_lock);
	qid = alloc_qid(c);
	pthread_mutex_unlock(&c->admin_lock);
	if (qid < 0) {
		PNVME_ERRLOG("qpair", "all %u I/O queues granted are in use", c->num_io_queues);
		free(qp);
		return qid;
	}
	rc = nvme_qpair_init(qp, c, (uint16_t)qid, opts.io_queue_size, opts.io_queue_requests,
			     c->max_xfer);
	if (rc == 0) {
		qp->delay_doorbell = opts.delay_doorbell;
		qp->sq_db_first = opts.sq_doorbell_first;
		if (!qp->sq_db_first)
			qp->poll_other |= NVME_POLL_OTHER_CQ_FIRST;
		qp->dptr_mode = (uint8_t)opts.dptr_mode;
		if (opts.dptr_mode == PNVME_DPTR_SGL)
			qp->fast_off |= NVME_FAST_OFF_SGL;
		qp->timeout_ticks = (uint64_t)c->opts.io_timeout_ms * pnvme_ticks_hz() / 1000;
		qp->epoch = atomic_load_explicit(&c->reset_epoch, memory_order_acquire);
		rc = qp->tr->qpair_create(qp);
		qp->on_device = rc == 0;
	}
	if (rc != 0) {
		nvme_qpair_fini(qp);
		pthread_mutex_lock(&c->admin_lock);
		free_qid(c, (uint16_t)qid);
		pthread_mutex_unlock(&c->admin_lock);
		free(qp);
		return rc;
	}
	pthread_mutex_lock(&c->admin_lock);
	qp->next_in_ctrlr = c->qpairs;
	c->qpairs = qp;
	pthread_mutex_unlock(&c->admin_lock);
	*out = qp;
	return 0;
}

int pnvme_ctrlr_free_io_qpair(struct pnvme_qpair *qp)
{
	struct pnvme_ctrlr *c;

	if (qp == NULL || qp->qid == 0)
		return -EINVAL;
	if (qp->in_completion) {
		PNVME_ERRLOG("qpair", "qid %u: freed from its own completion callback: not allowed",
			     qp->qid);
		return -EBUSY;
	}
	c = qp->ctrlr;
	/* Until the device holds nothing of it: deleted, or the controller reset. */
	nvme_qpair_drain(qp);
	nvme_ctrlr_forget_aborts(c, qp);

	pthread_mutex_lock(&c->admin_lock);
	for (struct pnvme_qpair **p = &c->qpairs; *p != NULL; p = &(*p)->next_in_ctrlr) {
		if (*p == qp) {
			*p = qp->next_in_ctrlr;
			break;
		}
	}
	free_qid(c, qp->qid);
	pthread_mutex_unlock(&c->admin_lock);
	nvme_qpair_fini(qp);
	free(qp);
	return 0;
}

void pnvme_qpair_flush(struct pnvme_qpair *qp)
{
	nvme_qpair_flush(qp);
}

void pnvme_qpair_get_stats(const struct pnvme_qpair *qp, struct pnvme_qpair_stats *stats)
{
	/* MMIO doorbell writes: PCIe's; other transports have none. */
	stats->sq_doorbell_writes = qp->pcie.sq_doorbell_writes;
	stats->cq_doorbell_writes = qp->pcie.cq_doorbell_writes;
	stats->invalid_completions = qp->invalid_completions;
}

uint32_t pnvme_qpair_get_num_outstanding(const struct pnvme_qpair *qp)
{
	return qp->num_outstanding;
}
