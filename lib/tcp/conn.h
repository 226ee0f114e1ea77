/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One NVMe/TCP connection (one queue pair's transport): the socket, the
 * ICReq/ICResp exchange, the send queue and the receive machine. Connecting
 * waits, bounded by a timeout; afterwards nothing blocks: nvme_tcp_conn_poll()
 * sends what is queued and delivers what arrived through the caller's rx ops.
 */
#ifndef PNVME_TCP_CONN_H
#define PNVME_TCP_CONN_H

#include <stdbool.h>
#include <stdint.h>

#include "pdu_recv.h"
#include "pdu_send.h"
#include "sock.h"

struct nvme_tcp_conn_opts {
	bool hdgst, ddgst; /* digests to ask for */
	uint32_t maxr2t;   /* outstanding R2Ts per command, 0's based */
	int timeout_ms;	   /* connect, ICReq and ICResp together */
};

struct nvme_tcp_conn {
	struct nvme_tcp_sock sock;
	struct nvme_tcp_digests dg; /* negotiated */
	uint32_t maxh2cdata;
	uint8_t cpda;
	int icresp_rc; /* 1 while waiting, then 0 or the ICResp's fault */
	struct nvme_tcp_tx tx;
	struct nvme_tcp_rx rx;
	struct nvme_tcp_tx_pdu icreq;
	uint8_t term[NVME_TCP_TERM_MAX_PLEN];
};

/*
 * Connect to traddr:trsvcid and negotiate: 0 with the connection ready (its
 * PDUs go to ops/ctx from now on), or a negative errno: the socket's
 * (-ECONNREFUSED, -ETIMEDOUT, -EINVAL for a bad address), -ETIMEDOUT when no
 * ICResp came in time, -EPROTO for an ICResp pnvme does not accept (PFV not 0,
 * CPDA not 0, digests other than asked, MAXH2CDATA below 4096 or not a
 * multiple of 4), or a C2HTermReq's -ECONNABORTED. Nothing is left open on error.
 */
int nvme_tcp_conn_connect(struct nvme_tcp_conn *c, const char *traddr, const char *trsvcid,
			  const struct nvme_tcp_conn_opts *opts, const struct nvme_tcp_rx_ops *ops,
			  void *ctx);

/* The same over a socket already connected (tests: a socketpair); fd is the conn's after. */
int nvme_tcp_conn_start(struct nvme_tcp_conn *c, int fd, const struct nvme_tcp_conn_opts *opts,
			const struct nvme_tcp_rx_ops *ops, void *ctx);

/* Send what is queued: 0 all sent, 1 some left, or a negative errno. */
int nvme_tcp_conn_flush(struct nvme_tcp_conn *c);

/* Flush, deliver up to max PDUs, flush what they queued: how many were delivered,
 * or a negative errno (the connection is dead). */
int nvme_tcp_conn_poll(struct nvme_tcp_conn *c, int max);

/* Close, discarding the send queue; when the receiver refused a PDU, a H2CTermReq
 * saying why is tried first. */
void nvme_tcp_conn_close(struct nvme_tcp_conn *c);

#endif
