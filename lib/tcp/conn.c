/* SPDX-License-Identifier: BSD-3-Clause */
/* NVMe/TCP connections: ICReq/ICResp, then polled send and receive (conn.h). */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "conn.h"

static ssize_t conn_read(void *ctx, const struct iovec *iov, int iovcnt)
{
	return nvme_tcp_sock_recvv(ctx, iov, iovcnt);
}

static ssize_t conn_write(void *ctx, const struct iovec *iov, int iovcnt)
{
	return nvme_tcp_sock_sendv(ctx, iov, iovcnt);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The ICResp: what pnvme can live with. */
static int icresp_check(void *ctx, const struct nvme_tcp_icresp *r)
{
	struct nvme_tcp_conn *c = ctx;
	uint8_t asked = (uint8_t)((c->icreq.hdr.icreq.dgst) &
				  (NVME_TCP_DGST_HDGST_ENABLE | NVME_TCP_DGST_DDGST_ENABLE));

	c->icresp_rc = -EPROTO;
	if (r->pfv != NVME_TCP_PFV_1_0)
		return -EPROTO;
	/* pnvme sends in-capsule data right after the header: no alignment padding. */
	if (r->cpda != 0)
		return -EPROTO;
	if (r->dgst != asked) /* one not asked for, or one refused: both surprise the host */
		return -EPROTO;
	if (r->maxh2cdata < NVME_TCP_MIN_MAXH2CDATA || r->maxh2cdata % 4 != 0)
		return -EPROTO;
	c->cpda = r->cpda;
	c->maxh2cdata = r->maxh2cdata;
	c->dg.hdgst = r->dgst & NVME_TCP_DGST_HDGST_ENABLE;
	c->dg.ddgst = r->dgst & NVME_TCP_DGST_DDGST_ENABLE;
	c->icresp_rc = 0;
	return 0;
}

static const struct nvme_tcp_rx_ops icresp_ops = {
	.icresp = icresp_check,
};

/* Until deadline: -ETIMEDOUT past it, else what poll says. */
static int wait_until(struct nvme_tcp_conn *c, short events, int64_t deadline)
{
	int64_t left = deadline - now_ms();
	int rc;

	if (left <= 0)
		return -ETIMEDOUT;
	rc = nvme_tcp_sock_wait(&c->sock, events, (int)left);
	return rc == 0 ? -ETIMEDOUT : rc < 0 ? rc : 0;
}

static int negotiate(struct nvme_tcp_conn *c, const struct nvme_tcp_conn_opts *opts,
		     const struct nvme_tcp_rx_ops *ops, void *ctx, int64_t deadline)
{
	int rc;

	c->dg.hdgst = c->dg.ddgst = false;
	c->maxh2cdata = 0;
	c->icresp_rc = 1;
	nvme_tcp_tx_init(&c->tx);
	nvme_tcp_rx_init(&c->rx, conn_read, &c->sock, &icresp_ops, c);
	rc = nvme_tcp_icreq(&c->tx, &c->icreq, opts->hdgst, opts->ddgst, opts->maxr2t);
	while (rc == 0 && (rc = nvme_tcp_conn_flush(c)) == 1)
		rc = wait_until(c, POLLOUT, deadline);
	while (rc == 0 && c->icresp_rc == 1) {
		rc = nvme_tcp_rx_poll(&c->rx, 1);
		if (rc == 0)
			rc = wait_until(c, POLLIN, deadline);
		else if (rc > 0)
			rc = 0;
	}
	if (rc < 0)
		return rc;
	if (c->icresp_rc != 0)
		return c->icresp_rc;
	nvme_tcp_rx_set_digests(&c->rx, c->dg.hdgst, c->dg.ddgst);
	c->rx.ops = ops;
	c->rx.ctx = ctx;
	return 0;
}

int nvme_tcp_conn_start(struct nvme_tcp_conn *c, int fd, const struct nvme_tcp_conn_opts *opts,
			const struct nvme_tcp_rx_ops *ops, void *ctx)
{
	int rc = nvme_tcp_sock_from_fd(&c->sock, fd);

	if (rc == 0)
		rc = negotiate(c, opts, ops, ctx, now_ms() + opts->timeout_ms);
	if (rc != 0)
		nvme_tcp_sock_close(&c->sock);
	return rc;
}

int nvme_tcp_conn_connect(struct nvme_tcp_conn *c, const char *traddr, const char *trsvcid,
			  const struct nvme_tcp_conn_opts *opts, const struct nvme_tcp_rx_ops *ops,
			  void *ctx)
{
	int64_t deadline = now_ms() + opts->timeout_ms;
	int rc = nvme_tcp_sock_connect(&c->sock, traddr, trsvcid, opts->timeout_ms);

	if (rc != 0)
		return rc;
	rc = negotiate(c, opts, ops, ctx, deadline);
	if (rc != 0)
		nvme_tcp_sock_close(&c->sock);
	return rc;
}

int nvme_tcp_conn_flush(struct nvme_tcp_conn *c)
{
	return nvme_tcp_tx_flush(&c->tx, conn_write, &c->sock);
}

int nvme_tcp_conn_poll(struct nvme_tcp_conn *c, int max)
{
	int rc = nvme_tcp_conn_flush(c), n;

	if (rc < 0)
		return rc;
	n = nvme_tcp_rx_poll(&c->rx, max);
	/* What the PDUs just received queued (H2CData for an R2T) goes now, not next poll. */
	if (n > 0 && !nvme_tcp_tx_empty(&c->tx)) {
		rc = nvme_tcp_conn_flush(c);
		if (rc < 0)
			return rc;
	}
	return n;
}

void nvme_tcp_conn_close(struct nvme_tcp_conn *c)
{
	if (c->sock.fd < 0)
		return;
	if (c->rx.state == NVME_TCP_RX_ERROR && c->rx.fes != 0) {
		/* Best effort, once, without waiting: the connection is over anyway. */
		uint32_t len = nvme_tcp_h2c_term(c->term, c->rx.fes, c->rx.fei, c->rx.hdr.raw,
						 c->rx.err_hdr_len);
		struct iovec v = {.iov_base = c->term, .iov_len = len};

		(void)nvme_tcp_sock_sendv(&c->sock, &v, 1);
	}
	nvme_tcp_sock_close(&c->sock);
	nvme_tcp_tx_init(&c->tx); /* nothing queued is sent any more: forget the pointers */
}
