/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host's send side of NVMe/TCP: builders for ICReq, CapsuleCmd and
 * H2CData PDUs, and the queue of iovecs they go into, flushed with one
 * vectored send per call. Headers (with their digest) live in the caller's
 * struct nvme_tcp_tx_pdu and data stays in the caller's buffers: both must
 * stay untouched until the queue has sent them (nvme_tcp_tx_empty()).
 */
#ifndef PNVME_TCP_PDU_SEND_H
#define PNVME_TCP_PDU_SEND_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "pdu.h"

#define NVME_TCP_TX_IOV 128 /* iovecs queued at once (one sendmsg) */

/* The header of one PDU being sent, its header digest right after it, and its data digest. */
struct nvme_tcp_tx_pdu {
	union nvme_tcp_pdu_hdr hdr;
	uint32_t ddgst;
};

struct nvme_tcp_tx {
	int head, tail; /* iov[head, tail) wait; iov[head] may be partly sent already */
	uint64_t sent;	/* iovecs handed to the socket in full, ever */
	struct iovec iov[NVME_TCP_TX_IOV];
};

/* Write iov out: bytes written, 0 when nothing can be now, or a negative errno. */
typedef ssize_t (*nvme_tcp_write_fn)(void *ctx, const struct iovec *iov, int iovcnt);

void nvme_tcp_tx_init(struct nvme_tcp_tx *tx);

static inline bool nvme_tcp_tx_empty(const struct nvme_tcp_tx *tx)
{
	return tx->head == tx->tail;
}

/*
 * A mark for everything queued now: once nvme_tcp_tx_passed() says so, the
 * queue holds no pointer to any of it (the memory is the caller's again).
 */
static inline uint64_t nvme_tcp_tx_mark(const struct nvme_tcp_tx *tx)
{
	return tx->sent + (uint64_t)(tx->tail - tx->head);
}

static inline bool nvme_tcp_tx_passed(const struct nvme_tcp_tx *tx, uint64_t mark)
{
	return tx->sent >= mark;
}

/* Send what is queued: 0 all of it, 1 some is left (the peer is slow), or a negative errno. */
int nvme_tcp_tx_flush(struct nvme_tcp_tx *tx, nvme_tcp_write_fn write, void *ctx);

/* Digests in force on the connection. */
struct nvme_tcp_digests {
	bool hdgst, ddgst;
};

/* ICReq: PFV 0, HPDA 0, the digests asked for, maxr2t (0's based). */
int nvme_tcp_icreq(struct nvme_tcp_tx *tx, struct nvme_tcp_tx_pdu *pdu, bool hdgst, bool ddgst,
		   uint32_t maxr2t);

/*
 * A command capsule for cmd (copied into pdu; its SGL1 and PSDT are set here).
 * data/iovcnt/len is the command's data, write the direction. A write of at
 * most icd_max bytes goes in the capsule (an offset SGL descriptor, data
 * digest if negotiated); any other data is announced with a transport SGL
 * data block and moves in C2HData or, after an R2T, H2CData PDUs; no data is
 * a transport data block of length 0.
 * 0, or -EAGAIN (nothing queued: flush first), or -EINVAL when the iovecs
 * hold less than len, or -E2BIG when in-capsule data needs more iovecs than
 * the queue holds.
 */
/* In-capsule data an I/O queue takes: IOCCSZ (Identify Controller, 16-byte units)
 * counts the SQE too. The admin queue takes NVME_TCP_ADMIN_CCSZ. */
static inline uint32_t nvme_tcp_icd_max(uint32_t ioccsz)
{
	uint32_t sqe = (uint32_t)sizeof(struct pnvme_cmd);

	return ioccsz * 16 > sqe ? ioccsz * 16 - sqe : 0;
}

int nvme_tcp_capsule_cmd(struct nvme_tcp_tx *tx, struct nvme_tcp_tx_pdu *pdu,
			 const struct pnvme_cmd *cmd, const struct iovec *data, int iovcnt,
			 uint32_t len, bool write, uint32_t icd_max, struct nvme_tcp_digests dg);

/* Answering one R2T: what is left of its range of the command's data. */
struct nvme_tcp_h2c {
	const struct iovec *iov;
	int iovcnt;
	uint16_t cccid, ttag;
	uint32_t off, end;
};

/* -ERANGE when the R2T asks for bytes beyond len (the command's data), -EPROTO for r2tl 0. */
int nvme_tcp_h2c_init(struct nvme_tcp_h2c *h, const struct nvme_tcp_r2t *r2t,
		      const struct iovec *iov, int iovcnt, uint32_t len);

static inline bool nvme_tcp_h2c_done(const struct nvme_tcp_h2c *h)
{
	return h->off == h->end;
}

/*
 * Queue the next H2CData PDU: at most maxh2cdata bytes (fewer when the queue
 * has iovecs for fewer), LAST_PDU on the R2T's last one. 1 queued, 0 nothing
 * left to send, -EAGAIN no room now (flush first).
 */
int nvme_tcp_h2c_next(struct nvme_tcp_h2c *h, struct nvme_tcp_tx *tx, struct nvme_tcp_tx_pdu *pdu,
		      uint32_t maxh2cdata, struct nvme_tcp_digests dg);

/* An H2CTermReq into out (NVME_TCP_TERM_MAX_PLEN bytes) with up to 128 bytes of the
 * offending header; returns its length. */
uint32_t nvme_tcp_h2c_term(uint8_t *out, uint16_t fes, uint32_t fei, const void *bad,
			   uint32_t bad_len);

#endif
