/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe/TCP queues: one connection each, polled by the qpair's owner. Commands
 * go out as capsules from the tracker's own PDU header, data from the caller's
 * buffers in place; C2HData lands in the command's buffers; completions go to
 * nvme_qpair_complete_cid(). A connection that fails is closed at once by its
 * owner (nothing can land in a buffer after that) and the controller is reset:
 * the reset takes its requests back.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "env/log.h"
#include "nvme/ctrlr.h"
#include "nvme/qpair.h"
#include "tcp.h"

int64_t nvme_tcp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint16_t qid_of(const struct nvme_tcp_qpair *tq)
{
	return tq->qp != NULL ? tq->qp->qid : 0;
}

void nvme_tcp_qpair_close(struct nvme_tcp_qpair *tq)
{
	if (tq->connected)
		nvme_tcp_conn_close(&tq->conn);
	tq->connected = false;
	tq->conn.sock.fd = -1;
}

/*
 * The connection is over: close it now, in the owner's thread, so no byte
 * lands in a buffer from here on; then the controller is reset (unless a
 * reset already parked this queue), which completes or resubmits what it held.
 */
static void tq_fail(struct nvme_tcp_qpair *tq, int err)
{
	struct pnvme_ctrlr *c = tq->qp != NULL ? tq->qp->ctrlr : NULL;

	if (tq->failed)
		return;
	if (!atomic_load_explicit(&tq->parked, memory_order_acquire))
		PNVME_ERRLOG("tcp", "qid %u: connection failed: %s", qid_of(tq), strerror(-err));
	nvme_tcp_qpair_close(tq);
	tq->failed = true;
	if (c != NULL && !atomic_load_explicit(&tq->parked, memory_order_acquire) &&
	    c->state == NVME_STATE_READY)
		nvme_ctrlr_fail(c, "NVMe/TCP connection failed");
}

/* ------------------------------------------------------------ what the receiver reports */

/* The command's per-tracker state, if cid is outstanding on this queue. */
static struct nvme_tcp_req *lookup(struct nvme_tcp_qpair *tq, uint16_t cid)
{
	struct pnvme_qpair *qp = tq->qp;
	struct nvme_tracker *tr;
	uint32_t i;

	if (qp == NULL)
		return NULL;
	i = cid & qp->cid_index_mask;
	tr = &qp->trackers[i];
	if (tr->req == NULL || tr->cid != cid || i >= tq->num_reqs)
		return NULL;
	return &tq->reqs[i];
}

static bool sync_waiting(const struct nvme_tcp_qpair *tq, uint16_t cid)
{
	return cid == tq->sync_cid && tq->sync_iov != NULL && !tq->sync_done;
}

static void h2c_unlink(struct nvme_tcp_qpair *tq, struct nvme_tcp_req *r)
{
	struct nvme_tcp_req **p = &tq->h2c_head, *prev = NULL;

	for (; *p != NULL; prev = *p, p = &(*p)->next_h2c) {
		if (*p == r) {
			*p = r->next_h2c;
			if (tq->h2c_tail == r)
				tq->h2c_tail = prev;
			break;
		}
	}
	r->h2c_pending = false;
}

/* A CQE to lib/nvme now (the owner's poll), or to the ring for its next poll. */
static int deliver(struct nvme_tcp_qpair *tq, const struct pnvme_cpl *cpl)
{
	if (tq->delivering) {
		nvme_qpair_complete_cid(tq->qp, cpl);
		tq->completed++;
		return 0;
	}
	/* The owner waits for its own command: this one waits for the next poll. */
	if (tq->pending_count == tq->pending_max)
		return -EPROTO; /* more completions than commands */
	tq->pending[(tq->pending_head + tq->pending_count++) % tq->pending_max] = *cpl;
	return 0;
}

/*
 * A write answered before the send queue passed its data (the controller
 * failed it early): no more H2CData for it, and while bytes of its buffer are
 * still queued its CQE waits in r (held_release() delivers it). A connection
 * that closes first leaves it to the reset, as any outstanding command.
 */
static bool write_answered(struct nvme_tcp_qpair *tq, struct nvme_tcp_req *r,
			   const struct pnvme_cpl *cpl)
{
	if (r->h2c_pending)
		h2c_unlink(tq, r);
	r->h2c.end = r->h2c.off;
	if (nvme_tcp_tx_passed(&tq->conn.tx, r->tx_mark))
		return false;
	r->held = true;
	r->held_cpl = *cpl;
	r->next_held = tq->held;
	tq->held = r;
	tq->num_held++;
	return true;
}

/* Deliver the held CQEs whose data the send queue has passed, at most max: how many. */
static uint32_t held_release(struct nvme_tcp_qpair *tq, uint32_t max)
{
	struct nvme_tcp_req **p = &tq->held, *r;
	uint32_t n = 0;

	while ((r = *p) != NULL && n < max) {
		if (!nvme_tcp_tx_passed(&tq->conn.tx, r->tx_mark)) {
			p = &r->next_held;
			continue;
		}
		*p = r->next_held;
		r->held = false;
		nvme_qpair_complete_cid(tq->qp, &r->held_cpl);
		n++;
	}
	return n;
}

static int rx_cpl(void *ctx, const struct pnvme_cpl *cpl)
{
	struct nvme_tcp_qpair *tq = ctx;
	struct nvme_tcp_req *r;

	if (sync_waiting(tq, cpl->cid)) {
		if (!tq->sync_write && !pnvme_cpl_is_error(cpl) && tq->sync_c2h != tq->sync_len)
			return -EPROTO;
		tq->sync_cpl = *cpl;
		tq->sync_done = true;
		return 0;
	}
	r = lookup(tq, cpl->cid);
	if (r != NULL && r->write) {
		if (r->held)
			return -EPROTO; /* a second answer */
		if (write_answered(tq, r, cpl))
			return 0;
	} else if (r != NULL && r->len > 0 && !pnvme_cpl_is_error(cpl) && r->c2h_bytes != r->len) {
		/* Success stands for all the data: a short read is the controller's lie. */
		PNVME_ERRLOG("tcp", "qid %u: CID 0x%x completed with %u of %u bytes read",
			     qid_of(tq), cpl->cid, r->c2h_bytes, r->len);
		return -EPROTO;
	}
	if (tq->qp == NULL)
		return -EPROTO;
	return deliver(tq, cpl);
}

static int rx_c2h_buf(void *ctx, uint16_t cccid, const struct iovec **iov, int *iovcnt,
		      uint32_t *len)
{
	struct nvme_tcp_qpair *tq = ctx;
	struct nvme_tcp_req *r;

	if (sync_waiting(tq, cccid) && !tq->sync_write) {
		*iov = tq->sync_iov;
		*iovcnt = tq->sync_iovcnt;
		*len = tq->sync_len;
		return 0;
	}
	r = lookup(tq, cccid);
	if (r == NULL || r->write || r->len == 0)
		return -ENOENT;
	*iov = r->iov;
	*iovcnt = r->iovcnt;
	*len = r->len;
	return 0;
}

static int rx_c2h_done(void *ctx, const struct nvme_tcp_data *hdr)
{
	struct nvme_tcp_qpair *tq = ctx;
	struct nvme_tcp_req *r;

	if (sync_waiting(tq, hdr->cccid)) {
		tq->sync_c2h += hdr->datal;
		return 0;
	}
	r = lookup(tq, hdr->cccid);
	if (r == NULL)
		return -ENOENT;
	r->c2h_bytes += hdr->datal;
	return 0;
}

/* Queue the next H2CData PDU of r; what the queue has no room for waits on the list. */
static int h2c_pump(struct nvme_tcp_qpair *tq, struct nvme_tcp_req *r)
{
	int rc = nvme_tcp_h2c_next(&r->h2c, &tq->conn.tx, &r->h2c_pdu, tq->conn.maxh2cdata,
				   tq->conn.dg);

	if (rc < 0 && rc != -EAGAIN)
		return rc;
	if (rc == 1)
		r->tx_mark = nvme_tcp_tx_mark(&tq->conn.tx);
	/* One header per tracker: the next PDU waits until this one is sent. */
	if (!nvme_tcp_h2c_done(&r->h2c) && !r->h2c_pending) {
		r->h2c_pending = true;
		r->next_h2c = NULL;
		if (tq->h2c_tail != NULL)
			tq->h2c_tail->next_h2c = r;
		else
			tq->h2c_head = r;
		tq->h2c_tail = r;
	}
	return 0;
}

static int rx_r2t(void *ctx, const struct nvme_tcp_r2t *r2t)
{
	struct nvme_tcp_qpair *tq = ctx;
	struct nvme_tcp_req *r = lookup(tq, r2t->cccid);
	int rc;

	/* pnvme asks for one R2T at a time (MAXR2T 0): a second one before the first is done lies. */
	if (r == NULL || !r->write || r->in_capsule || r->len == 0 || r->held ||
	    (r->r2t_active && !nvme_tcp_h2c_done(&r->h2c)))
		return -EPROTO;
	rc = nvme_tcp_h2c_init(&r->h2c, r2t, r->iov, r->iovcnt, r->len);
	if (rc != 0)
		return rc;
	r->r2t_active = true;
	return h2c_pump(tq, r);
}

static void rx_term(void *ctx, const struct nvme_tcp_term *term, const uint8_t *data, uint32_t len)
{
	struct nvme_tcp_qpair *tq = ctx;

	(void)data;
	(void)len;
	PNVME_ERRLOG("tcp", "qid %u: the controller ended the connection (C2HTermReq, FES 0x%x)",
		     qid_of(tq), term->fes);
}

static const struct nvme_tcp_rx_ops rx_ops = {
	.cpl = rx_cpl,
	.r2t = rx_r2t,
	.c2h_buf = rx_c2h_buf,
	.c2h_done = rx_c2h_done,
	.term = rx_term,
};

/* ------------------------------------------------------------ sending */

/* Send what is queued, then the H2CData that waited for room: 0, or the failure. */
static int tq_flush(struct nvme_tcp_qpair *tq)
{
	int rc;

	if (!tq->connected || atomic_load_explicit(&tq->parked, memory_order_acquire))
		return 0;
	for (;;) {
		rc = nvme_tcp_conn_flush(&tq->conn);
		if (rc < 0) {
			tq_fail(tq, rc);
			return rc;
		}
		if (rc == 1 || tq->h2c_head == NULL)
			return 0;
		/* The queue is empty: every header is free again. */
		struct nvme_tcp_req *r = tq->h2c_head;

		tq->h2c_head = tq->h2c_tail = NULL;
		while (r != NULL) {
			struct nvme_tcp_req *next = r->next_h2c;

			r->h2c_pending = false;
			rc = h2c_pump(tq, r);
			if (rc < 0) {
				tq_fail(tq, rc);
				return rc;
			}
			r = next;
		}
	}
}

/* Room in the send queue, waiting for the socket if it must (a full queue is rare). */
static int tx_wait(struct nvme_tcp_qpair *tq, int64_t deadline)
{
	int rc = tq_flush(tq);

	if (rc < 0 || !tq->connected)
		return rc < 0 ? rc : -ENOTCONN;
	if (nvme_tcp_now_ms() > deadline)
		return -ETIMEDOUT;
	if (!nvme_tcp_tx_empty(&tq->conn.tx))
		(void)nvme_tcp_sock_wait(&tq->conn.sock, POLLOUT, 10);
	return 0;
}

/* A closed connection's per-command transport state: the reset takes the commands back. */
static void tq_forget(struct nvme_tcp_qpair *tq)
{
	tq->h2c_head = tq->h2c_tail = NULL;
	tq->held = NULL;
	tq->pending_head = tq->pending_count = 0;
	for (uint32_t i = 0; i < tq->num_reqs; i++) {
		tq->reqs[i].h2c_pending = false;
		tq->reqs[i].held = false;
	}
}

void nvme_tcp_qpair_init_bare(struct nvme_tcp_qpair *tq)
{
	memset(tq, 0, sizeof(*tq));
	tq->conn.sock.fd = -1;
}

int nvme_tcp_sync_cmd(struct nvme_tcp_qpair *tq, struct pnvme_cmd *cmd, const struct iovec *iov,
		      int iovcnt, uint32_t len, bool write, int timeout_ms, struct pnvme_cpl *cpl)
{
	static const struct iovec none;
	int64_t deadline = nvme_tcp_now_ms() + timeout_ms;
	uint64_t mark;
	int rc, n;

	if (!tq->connected)
		return -ENOTCONN;
	cmd->cid = tq->sync_cid;
	tq->sync_iov = iov != NULL ? iov : &none;
	tq->sync_iovcnt = iov != NULL ? iovcnt : 1;
	tq->sync_len = len;
	tq->sync_c2h = 0;
	tq->sync_write = write;
	tq->sync_done = false;
	while ((rc = nvme_tcp_capsule_cmd(&tq->conn.tx, &tq->sync_pdu, cmd, iov, iovcnt, len, write,
					  NVME_TCP_ADMIN_CCSZ, tq->conn.dg)) == -EAGAIN) {
		rc = tx_wait(tq, deadline);
		if (rc < 0)
			goto out;
	}
	if (rc < 0)
		goto out;
	mark = nvme_tcp_tx_mark(&tq->conn.tx);
	while (!tq->sync_done) {
		/* The owner's own poll may be under us (a callback): completions wait. */
		bool was = tq->delivering;

		tq->delivering = false;
		rc = nvme_tcp_conn_flush(&tq->conn);
		n = rc < 0 ? rc : nvme_tcp_rx_poll(&tq->conn.rx, 16);
		tq->delivering = was;
		if (n < 0) {
			rc = n;
			tq_fail(tq, rc);
			goto out;
		}
		if (n > 0 || tq->sync_done)
			continue;
		rc = tq_flush(tq);
		if (rc < 0)
			goto out;
		if (nvme_tcp_now_ms() > deadline) {
			/* Its data could still come: only a closed connection keeps the buffer safe. */
			PNVME_ERRLOG("tcp", "qid %u: no answer to opcode 0x%02x in %d ms", qid_of(tq),
				     cmd->opc, timeout_ms);
			rc = -ETIMEDOUT;
			tq_fail(tq, rc);
			goto out;
		}
		(void)nvme_tcp_sock_wait(&tq->conn.sock,
					 nvme_tcp_tx_empty(&tq->conn.tx) ? POLLIN : POLLIN | POLLOUT,
					 10);
	}
	/* Answered before its in-capsule data went: the caller's again once sent, or closed. */
	while (write && !nvme_tcp_tx_passed(&tq->conn.tx, mark)) {
		rc = tx_wait(tq, deadline);
		if (rc == 0 && atomic_load_explicit(&tq->parked, memory_order_acquire))
			rc = -ECANCELED; /* a reset: nothing more is sent */
		if (rc == -ETIMEDOUT || rc == -ECANCELED)
			tq_fail(tq, rc); /* closed: the queue is discarded */
		if (rc < 0)
			goto out;
	}
	*cpl = tq->sync_cpl;
	rc = 0;
out:
	tq->sync_iov = NULL;
	return rc;
}

int nvme_tcp_qpair_connect(struct nvme_tcp_qpair *tq, const struct nvme_tcp_target *t,
			   uint16_t qid, uint16_t entries, uint16_t cntlid, uint32_t kato_ms,
			   int timeout_ms, uint16_t *cntlid_out)
{
	struct nvme_tcp_conn_opts opts = {
		.hdgst = t->hdgst, .ddgst = t->ddgst, .maxr2t = 0, .timeout_ms = timeout_ms};
	struct nvmf_connect_data data;
	struct iovec iov = {.iov_base = &data, .iov_len = sizeof(data)};
	struct pnvme_cmd cmd;
	struct pnvme_cpl cpl;
	int rc;

	nvme_tcp_qpair_close(tq);
	tq->failed = false;
	tq_forget(tq);
	rc = nvme_tcp_conn_connect(&tq->conn, t->traddr, t->trsvcid, &opts, &rx_ops, tq);
	if (rc != 0) {
		PNVME_ERRLOG("tcp", "qid %u: cannot connect to %s port %s: %s", qid, t->traddr,
			     t->trsvcid, strerror(-rc));
		tq->conn.sock.fd = -1;
		return rc;
	}
	tq->connected = true;
	nvmf_connect_cmd(&cmd, qid, entries, kato_ms);
	rc = nvmf_connect_data(&data, t->hostid, cntlid, t->subnqn, t->hostnqn);
	if (rc == 0)
		rc = nvme_tcp_sync_cmd(tq, &cmd, &iov, 1, sizeof(data), true, timeout_ms, &cpl);
	if (rc == 0 && pnvme_cpl_is_error(&cpl)) {
		PNVME_ERRLOG("tcp", "qid %u: Connect to %s refused: %s (subnqn %s, hostnqn %s)", qid,
			     t->traddr, pnvme_cpl_status_str(&cpl), t->subnqn, t->hostnqn);
		rc = -EIO;
	}
	if (rc != 0) {
		nvme_tcp_qpair_close(tq);
		return rc;
	}
	if (cntlid_out != NULL)
		*cntlid_out = nvmf_connect_rsp_cntlid(&cpl);
	return 0;
}

/* ------------------------------------------------------------ the ops table's queue side */

int nvme_tcp_qpair_init(struct pnvme_qpair *qp, uint32_t max_xfer)
{
	struct nvme_tcp_qpair *tq = calloc(1, sizeof(*tq));

	(void)max_xfer;
	if (tq == NULL)
		return -ENOMEM;
	nvme_tcp_qpair_init_bare(tq);
	tq->qp = qp;
	tq->num_reqs = qp->num_entries - 1; /* trackers that take commands */
	/* The one tracker index that never takes a command: the synchronous CID. */
	tq->sync_cid = (uint16_t)(qp->num_entries - 1);
	tq->pending_max = qp->num_entries;
	tq->reqs = calloc(tq->num_reqs, sizeof(*tq->reqs));
	tq->pending = calloc(tq->pending_max, sizeof(*tq->pending));
	qp->tr_qpair = tq;
	/* lib/nvme's SGL element limit (a page of descriptors): iovecs per command. */
	qp->prp_list_pages = 1;
	if (tq->reqs == NULL || tq->pending == NULL)
		return -ENOMEM; /* nvme_qpair_fini() frees what there is */
	return 0;
}

void nvme_tcp_qpair_fini(struct pnvme_qpair *qp)
{
	struct nvme_tcp_qpair *tq = qp->tr_qpair;

	if (tq == NULL)
		return;
	nvme_tcp_qpair_close(tq);
	free(tq->reqs);
	free(tq->pending);
	free(tq);
	qp->tr_qpair = NULL;
}

int nvme_tcp_qpair_create(struct pnvme_qpair *qp)
{
	struct pnvme_ctrlr *c = qp->ctrlr;
	struct nvme_tcp_ctrlr *tc = c->tr_ctrlr;
	struct nvme_tcp_qpair *tq = qp->tr_qpair;
	int rc;

	atomic_store_explicit(&tq->parked, false, memory_order_release);
	rc = nvme_tcp_qpair_connect(tq, &tc->target, qp->qid, (uint16_t)(qp->num_entries),
				    tc->cntlid, 0, NVME_TCP_CONNECT_TIMEOUT_MS, NULL);
	tq->icd_max = nvme_tcp_icd_max(tc->ioccsz);
	return rc;
}

/* Fabrics: closing the connection deletes the queue; what it held ends here. */
bool nvme_tcp_qpair_delete(struct pnvme_qpair *qp)
{
	struct nvme_tcp_qpair *tq = qp->tr_qpair;

	nvme_tcp_qpair_close(tq);
	tq->failed = true;
	tq_forget(tq); /* held CQEs too: the abort below ends their commands */
	nvme_qpair_abort_all(qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	return true;
}

void nvme_tcp_qpair_reset(struct pnvme_qpair *qp)
{
	struct nvme_tcp_qpair *tq = qp->tr_qpair;

	nvme_tcp_qpair_close(tq);
	tq->failed = false;
	tq_forget(tq);
	atomic_store_explicit(&tq->parked, false, memory_order_release);
}

void nvme_tcp_qpair_park(struct pnvme_qpair *qp)
{
	struct nvme_tcp_qpair *tq = qp->tr_qpair;

	atomic_store_explicit(&tq->parked, true, memory_order_release);
}

/* The request's data as iovecs from its start: in place where it can be. */
static int data_view(struct nvme_tcp_req *r, const struct nvme_request *req)
{
	const struct iovec *iov;
	uint32_t off, left;
	int n;

	r->len = req->payload_size;
	switch (req->payload_type) {
	case NVME_PAYLOAD_NONE:
		r->iov = NULL;
		r->iovcnt = 0;
		r->len = 0;
		return 0;
	case NVME_PAYLOAD_CONTIG:
	case NVME_PAYLOAD_CONTIG_SGL:
		r->one.iov_base = req->payload.buf;
		r->one.iov_len = req->payload_size;
		r->iov = &r->one;
		r->iovcnt = 1;
		return 0;
	case NVME_PAYLOAD_DSM:
		/* The caller keeps its ranges until the callback (nvme.h): sent in place. */
		r->one.iov_base = (void *)(uintptr_t)req->payload.ranges;
		r->one.iov_len = req->payload_size;
		r->iov = &r->one;
		r->iovcnt = 1;
		return 0;
	default:
		break;
	}
	/* Vectored: skip to iov_offset; a start inside an element needs a copy. */
	iov = req->payload.iov;
	off = req->iov_offset;
	while (off > 0 && off >= iov->iov_len) {
		off -= (uint32_t)iov->iov_len;
		iov++;
	}
	if (off == 0) {
		r->iov = iov;
		r->iovcnt = req->iovcnt - (int)(iov - req->payload.iov);
		return 0;
	}
	left = req->payload_size;
	for (n = 0; left > 0 && n < NVME_TCP_VIEW_IOV; n++, iov++, off = 0) {
		size_t take = iov->iov_len - off;

		if (take > left)
			take = left;
		r->view[n].iov_base = (uint8_t *)iov->iov_base + off;
		r->view[n].iov_len = take;
		left -= (uint32_t)take;
	}
	if (left > 0)
		return -E2BIG;
	r->iov = r->view;
	r->iovcnt = n;
	return 0;
}

int nvme_tcp_qpair_submit(struct pnvme_qpair *qp, struct nvme_tracker *tr,
			  struct nvme_request *req)
{
	struct nvme_tcp_qpair *tq = qp->tr_qpair;
	struct nvme_tcp_req *r = &tq->reqs[tr - qp->trackers];
	unsigned int dir = nvme_tcp_cmd_dir(&req->cmd);
	uint32_t icd_max = qp->qid == 0 ? NVME_TCP_ADMIN_CCSZ : tq->icd_max;
	int64_t deadline;
	int rc;

	/* Separate metadata (MPTR) has no place on a fabric. */
	if (req->cmd.mptr != 0)
		return -ENOTSUP;
	rc = data_view(r, req);
	if (rc != 0)
		return rc;
	if (r->len > 0 && dir != 1 && dir != 2)
		return -EINVAL; /* bidirectional, or data for a command that moves none */
	r->write = dir == 1;
	r->in_capsule = r->write && r->len <= icd_max;
	r->c2h_bytes = 0;
	r->r2t_active = false;
	r->h2c_pending = false;
	/* held is false here: only an answer sets it, its delivery or a close clears it. */
	/* A closed connection: the request waits in its tracker for the reset to take it back. */
	if (!tq->connected)
		return 0;
	deadline = 0; /* no clock read unless the send queue is full */
	while ((rc = nvme_tcp_capsule_cmd(&tq->conn.tx, &r->cmd_pdu, &req->cmd, r->iov, r->iovcnt,
					  r->len, r->write, icd_max, tq->conn.dg)) == -EAGAIN) {
		if (atomic_load_explicit(&tq->parked, memory_order_acquire))
			return 0; /* the reset takes it back */
		if (deadline == 0)
			deadline = nvme_tcp_now_ms() + (int64_t)qp->ctrlr->opts.admin_timeout_ms;
		rc = tx_wait(tq, deadline);
		if (rc < 0)
			return rc == -ETIMEDOUT ? rc : 0;
	}
	if (rc == -E2BIG) {
		/* Too many iovecs to go in the capsule: R2T and H2CData carry any number. */
		r->in_capsule = false;
		rc = nvme_tcp_capsule_cmd(&tq->conn.tx, &r->cmd_pdu, &req->cmd, r->iov, r->iovcnt,
					  r->len, r->write, 0, tq->conn.dg);
	}
	if (rc != 0)
		return rc;
	/* Its header, and in-capsule data: the caller's buffer until the queue passed them. */
	if (r->write)
		r->tx_mark = nvme_tcp_tx_mark(&tq->conn.tx);
	if (!qp->delay_doorbell && !qp->in_completion)
		tq_flush(tq);
	return 0;
}

uint32_t nvme_tcp_qpair_process(struct pnvme_qpair *qp, uint32_t max)
{
	struct nvme_tcp_qpair *tq = qp->tr_qpair;
	uint32_t done = 0;
	int n;

	/* What arrived while the owner waited for a command of its own. */
	while (tq->pending_count > 0 && done < max) {
		struct pnvme_cpl cpl = tq->pending[tq->pending_head];

		tq->pending_head = (tq->pending_head + 1) % tq->pending_max;
		tq->pending_count--;
		nvme_qpair_complete_cid(qp, &cpl);
		done++;
	}
	if (!tq->connected || done == max)
		return done;
	if (tq_flush(tq) < 0)
		return done;
	if (tq->held != NULL)
		done += held_release(tq, max - done);
	if (done == max)
		return done;
	tq->delivering = true;
	tq->completed = 0;
	n = nvme_tcp_rx_poll(&tq->conn.rx, (int)(max - done));
	tq->delivering = false;
	done += tq->completed;
	if (n < 0)
		tq_fail(tq, n);
	else if (n > 0)
		tq_flush(tq); /* H2CData for the R2Ts just received */
	/* Answered writes whose data the flushes just sent: only a connected queue's. */
	if (tq->held != NULL && tq->connected && done < max)
		done += held_release(tq, max - done);
	return done;
}

void nvme_tcp_qpair_flush(struct pnvme_qpair *qp)
{
	tq_flush(qp->tr_qpair);
}
