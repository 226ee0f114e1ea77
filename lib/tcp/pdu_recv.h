/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The host's receive side of NVMe/TCP: an incremental state machine that reads
 * controller-to-host PDUs from a non-blocking byte source, a piece at a time,
 * in this order: header (first the 24 bytes every such PDU has, then the rest
 * and its digest), padding up to PDO, data, data digest. Headers and digests
 * come through a small stage filled by one read of whatever has arrived (a
 * burst of responses costs one system call); C2HData is read from the socket
 * straight into the command's own buffer, but for the bytes the stage already
 * holds, which are copied. Everything is checked before a byte is placed.
 * A PDU that breaks the rules stops the machine for good with a negative
 * errno, and fes/fei say what a H2CTermReq would report:
 *   -EPROTO    malformed: unknown or unexpected type, hlen, pdo, plen or flags
 *              that do not fit the type, an unknown command, zero lengths
 *   -EMSGSIZE  more data in one PDU than max_data
 *   -ERANGE    C2HData outside its command's buffer (datao + datal)
 *   -EBADMSG   header or data digest mismatch
 *   -ECONNABORTED  after a C2HTermReq was delivered
 * or the byte source's own error (-ECONNRESET when the peer closed), or the
 * negative value an ops callback returned.
 */
#ifndef PNVME_TCP_PDU_RECV_H
#define PNVME_TCP_PDU_RECV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "pdu.h"

/* What the receiver tells its owner; a negative return stops the machine with it. */
struct nvme_tcp_rx_ops {
	/* A CapsuleResp's CQE, or the one a C2HData with SUCCESS stands for
	 * (cid = cccid, everything else 0). */
	int (*cpl)(void *ctx, const struct pnvme_cpl *cpl);
	/* The controller is ready for r2tl bytes at r2to of command cccid. */
	int (*r2t)(void *ctx, const struct nvme_tcp_r2t *r2t);
	/* The data buffer of command cccid, for its C2HData: iovecs and their
	 * total length. Negative (e.g. -ENOENT) when no such command reads data. */
	int (*c2h_buf)(void *ctx, uint16_t cccid, const struct iovec **iov, int *iovcnt,
		       uint32_t *len);
	/* Optional: a C2HData's data was placed and verified (before cpl, if SUCCESS). */
	int (*c2h_done)(void *ctx, const struct nvme_tcp_data *hdr);
	/* A C2HTermReq: data is (part of) the PDU header the controller refused. */
	void (*term)(void *ctx, const struct nvme_tcp_term *term, const uint8_t *data,
		     uint32_t len);
	/* The ICResp, the only PDU accepted while want_icresp is set. */
	int (*icresp)(void *ctx, const struct nvme_tcp_icresp *icresp);
};

/* Read into iov: bytes read, 0 when nothing is available now, or a negative errno. */
typedef ssize_t (*nvme_tcp_read_fn)(void *ctx, const struct iovec *iov, int iovcnt);

#define NVME_TCP_RX_HDR_MIN 24u /* every controller-to-host PDU header is at least this */
#define NVME_TCP_RX_IOV 16	/* iovecs per read into a command's buffer */
#define NVME_TCP_RX_STAGE 8192u /* bytes read at once for headers */

enum nvme_tcp_rx_state {
	NVME_TCP_RX_HDR,
	NVME_TCP_RX_PAD,
	NVME_TCP_RX_DATA,
	NVME_TCP_RX_DDGST,
	NVME_TCP_RX_ERROR,
};

struct nvme_tcp_rx {
	const struct nvme_tcp_rx_ops *ops;
	void *ctx;
	nvme_tcp_read_fn read;
	void *read_ctx;
	bool hdgst, ddgst;  /* negotiated digests */
	bool want_icresp;   /* before the ICResp: nothing else is accepted */
	uint32_t max_data;  /* data bytes one PDU may carry */
	uint32_t stage_max; /* bytes of stage used; 0: read exactly what each part needs */

	enum nvme_tcp_rx_state state;
	bool checked;	   /* the common header was checked, hdr_len is known */
	uint32_t have;	   /* bytes of the current part read */
	uint32_t hdr_len;  /* hlen + header digest */
	uint32_t pad;	   /* bytes between header and PDO */
	uint32_t data_len; /* data bytes of this PDU */
	uint32_t crc;
	const struct iovec *buf; /* C2HData: the command's buffer */
	int bufcnt;
	uint32_t buf_off; /* where the next data byte goes in buf */
	uint32_t ddgst_wire;
	union nvme_tcp_pdu_hdr hdr;
	uint8_t term_data[NVME_TCP_TERM_MAX_PLEN];
	uint8_t scratch[256];	       /* padding is read here and dropped */
	uint32_t stage_pos, stage_len; /* stage[stage_pos, stage_len) is read, not yet used */
	uint8_t stage[NVME_TCP_RX_STAGE];

	int err;
	uint16_t fes; /* for a H2CTermReq after err; 0: none to send */
	uint32_t fei;
	uint32_t err_hdr_len; /* bytes of hdr received when it stopped */
};

/* A receiver over read(read_ctx, ...) reporting to ops(ctx, ...); no digests, ICResp first. */
void nvme_tcp_rx_init(struct nvme_tcp_rx *rx, nvme_tcp_read_fn read, void *read_ctx,
		      const struct nvme_tcp_rx_ops *ops, void *ctx);

/* After the ICResp: the digests both sides agreed on. */
void nvme_tcp_rx_set_digests(struct nvme_tcp_rx *rx, bool hdgst, bool ddgst);

/*
 * Read and deliver PDUs until the source has nothing more or max_pdus were
 * delivered. Returns how many were delivered (0 included), or the machine's
 * negative errno (the same on every later call).
 */
int nvme_tcp_rx_poll(struct nvme_tcp_rx *rx, int max_pdus);

#endif
