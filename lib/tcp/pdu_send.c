/* SPDX-License-Identifier: BSD-3-Clause */
/* PDU builders and the send queue (pdu_send.h). */
#include <errno.h>
#include <string.h>

#include "digest.h"
#include "nvmf.h"
#include "pdu_send.h"

void nvme_tcp_tx_init(struct nvme_tcp_tx *tx)
{
	tx->head = tx->tail = 0;
	tx->sent = 0;
}

/* Free slots, after moving what waits to the front. */
static int tx_room(struct nvme_tcp_tx *tx)
{
	if (tx->head == tx->tail) {
		tx->head = tx->tail = 0;
	} else if (tx->head > 0) {
		memmove(tx->iov, tx->iov + tx->head,
			(size_t)(tx->tail - tx->head) * sizeof(tx->iov[0]));
		tx->tail -= tx->head;
		tx->head = 0;
	}
	return NVME_TCP_TX_IOV - tx->tail;
}

static void tx_push(struct nvme_tcp_tx *tx, const void *p, size_t len)
{
	tx->iov[tx->tail].iov_base = (void *)(uintptr_t)p;
	tx->iov[tx->tail].iov_len = len;
	tx->tail++;
}

int nvme_tcp_tx_flush(struct nvme_tcp_tx *tx, nvme_tcp_write_fn write, void *ctx)
{
	while (tx->head < tx->tail) {
		ssize_t n = write(ctx, tx->iov + tx->head, tx->tail - tx->head);

		if (n < 0)
			return (int)n;
		if (n == 0)
			return 1;
		/* Keep the cursor: drop what went, shorten what went in part. */
		size_t left = (size_t)n;

		while (left > 0 && left >= tx->iov[tx->head].iov_len) {
			left -= tx->iov[tx->head++].iov_len;
			tx->sent++;
		}
		if (left > 0) {
			tx->iov[tx->head].iov_base = (uint8_t *)tx->iov[tx->head].iov_base + left;
			tx->iov[tx->head].iov_len -= left;
		}
	}
	tx->head = tx->tail = 0;
	return 0;
}

/* Push [off, off + len) of iov using at most max slots; the bytes it covered. */
static uint32_t push_window(struct nvme_tcp_tx *tx, const struct iovec *iov, int iovcnt,
			    uint32_t off, uint32_t len, int max)
{
	uint32_t done = 0;

	for (int i = 0; i < iovcnt && done < len && max > 0; i++) {
		if (off >= iov[i].iov_len) {
			off -= (uint32_t)iov[i].iov_len;
			continue;
		}
		size_t take = iov[i].iov_len - off;

		if (take > len - done)
			take = len - done;
		tx_push(tx, (const uint8_t *)iov[i].iov_base + off, take);
		done += (uint32_t)take;
		off = 0;
		max--;
	}
	return done;
}

/* Iovecs [off, off + len) spans; -1 when the array holds less. */
static int window_count(const struct iovec *iov, int iovcnt, uint32_t off, uint32_t len)
{
	int n = 0;

	for (int i = 0; i < iovcnt && len > 0; i++) {
		if (off >= iov[i].iov_len) {
			off -= (uint32_t)iov[i].iov_len;
			continue;
		}
		size_t take = iov[i].iov_len - off;

		if (take > len)
			take = len;
		len -= (uint32_t)take;
		off = 0;
		n++;
	}
	return len == 0 ? n : -1;
}

static void hdr_set(struct nvme_tcp_hdr *h, uint8_t type, uint8_t flags, uint8_t hlen, uint8_t pdo,
		    uint32_t plen)
{
	h->type = type;
	h->flags = flags;
	h->hlen = hlen;
	h->pdo = pdo;
	h->plen = plen;
}

/* The header (and its digest) as one iovec. */
static void push_header(struct nvme_tcp_tx *tx, struct nvme_tcp_tx_pdu *pdu, bool hdgst)
{
	uint32_t hlen = pdu->hdr.common.hlen;

	if (hdgst) {
		uint32_t d = nvme_tcp_digest(pdu->hdr.raw, hlen);

		memcpy(pdu->hdr.raw + hlen, &d, sizeof(d));
		hlen += NVME_TCP_DIGEST_LEN;
	}
	tx_push(tx, pdu->hdr.raw, hlen);
}

int nvme_tcp_icreq(struct nvme_tcp_tx *tx, struct nvme_tcp_tx_pdu *pdu, bool hdgst, bool ddgst,
		   uint32_t maxr2t)
{
	struct nvme_tcp_icreq *r = &pdu->hdr.icreq;

	if (tx_room(tx) < 1)
		return -EAGAIN;
	memset(r, 0, sizeof(*r));
	hdr_set(&r->hdr, NVME_TCP_PDU_ICREQ, 0, sizeof(*r), 0, sizeof(*r));
	r->pfv = NVME_TCP_PFV_1_0;
	r->hpda = 0;
	r->dgst = (uint8_t)((hdgst ? NVME_TCP_DGST_HDGST_ENABLE : 0) |
			    (ddgst ? NVME_TCP_DGST_DDGST_ENABLE : 0));
	r->maxr2t = maxr2t;
	push_header(tx, pdu, false);
	return 0;
}

int nvme_tcp_capsule_cmd(struct nvme_tcp_tx *tx, struct nvme_tcp_tx_pdu *pdu,
			 const struct pnvme_cmd *cmd, const struct iovec *data, int iovcnt,
			 uint32_t len, bool write, uint32_t icd_max, struct nvme_tcp_digests dg)
{
	struct nvme_tcp_capsule_cmd *c = &pdu->hdr.cmd;
	uint32_t icd = write && len > 0 && len <= icd_max ? len : 0;
	uint8_t hd = dg.hdgst ? NVME_TCP_DIGEST_LEN : 0, dd = 0;
	uint8_t flags = dg.hdgst ? NVME_TCP_F_HDGST : 0;
	int need = 1;

	if (len > 0) {
		int span = window_count(data, iovcnt, 0, len);

		if (span < 0)
			return -EINVAL;
		if (icd > 0) {
			if (span + 2 > NVME_TCP_TX_IOV)
				return -E2BIG;
			need += span + (dg.ddgst ? 1 : 0);
		}
	}
	if (tx_room(tx) < need)
		return -EAGAIN;
	c->sqe = *cmd;
	if (icd > 0) {
		nvmf_sgl_incapsule(&c->sqe, icd);
		if (dg.ddgst) {
			flags |= NVME_TCP_F_DDGST;
			dd = NVME_TCP_DIGEST_LEN;
		}
	} else {
		/* No data: a transport data block of length 0 (Fabrics always uses SGLs). */
		nvmf_sgl_transport(&c->sqe, len);
	}
	hdr_set(&c->hdr, NVME_TCP_PDU_CAPSULE_CMD, flags, sizeof(*c),
		(uint8_t)(icd > 0 ? sizeof(*c) + hd : 0), (uint32_t)sizeof(*c) + hd + icd + dd);
	push_header(tx, pdu, dg.hdgst);
	if (icd > 0) {
		push_window(tx, data, iovcnt, 0, icd, NVME_TCP_TX_IOV);
		if (dd) {
			pdu->ddgst = nvme_tcp_crc_final(
			    nvme_tcp_crc_update_iov(NVME_TCP_CRC_INIT, data, iovcnt, 0, icd));
			tx_push(tx, &pdu->ddgst, NVME_TCP_DIGEST_LEN);
		}
	}
	return 0;
}

int nvme_tcp_h2c_init(struct nvme_tcp_h2c *h, const struct nvme_tcp_r2t *r2t,
		      const struct iovec *iov, int iovcnt, uint32_t len)
{
	if (r2t->r2tl == 0)
		return -EPROTO;
	if ((uint64_t)r2t->r2to + r2t->r2tl > len)
		return -ERANGE;
	h->iov = iov;
	h->iovcnt = iovcnt;
	h->cccid = r2t->cccid;
	h->ttag = r2t->ttag;
	h->off = r2t->r2to;
	h->end = r2t->r2to + r2t->r2tl;
	return 0;
}

int nvme_tcp_h2c_next(struct nvme_tcp_h2c *h, struct nvme_tcp_tx *tx, struct nvme_tcp_tx_pdu *pdu,
		      uint32_t maxh2cdata, struct nvme_tcp_digests dg)
{
	struct nvme_tcp_data *d = &pdu->hdr.data;
	uint32_t chunk = h->end - h->off, hd = dg.hdgst ? NVME_TCP_DIGEST_LEN : 0;
	uint32_t dd = dg.ddgst ? NVME_TCP_DIGEST_LEN : 0;
	int room;
	uint8_t flags;

	if (h->off == h->end)
		return 0;
	room = tx_room(tx) - 1 - (dg.ddgst ? 1 : 0); /* header, digest */
	if (room < 1)
		return -EAGAIN;
	if (chunk > maxh2cdata)
		chunk = maxh2cdata;
	/* Data first: it may cover less than chunk when the queue is short of iovecs. */
	int at = tx->tail;

	tx->tail++; /* the header's slot */
	chunk = push_window(tx, h->iov, h->iovcnt, h->off, chunk, room);
	if (chunk == 0) { /* the command's iovecs end early: h2c_init's len lied */
		tx->tail = at;
		return -EINVAL;
	}
	flags = (uint8_t)((dg.hdgst ? NVME_TCP_F_HDGST : 0) | (dg.ddgst ? NVME_TCP_F_DDGST : 0) |
			  (h->off + chunk == h->end ? NVME_TCP_F_DATA_LAST : 0));
	memset(d, 0, sizeof(*d));
	hdr_set(&d->hdr, NVME_TCP_PDU_H2C_DATA, flags, sizeof(*d), (uint8_t)(sizeof(*d) + hd),
		(uint32_t)sizeof(*d) + hd + chunk + dd);
	d->cccid = h->cccid;
	d->ttag = h->ttag;
	d->datao = h->off;
	d->datal = chunk;
	if (hd) {
		uint32_t v = nvme_tcp_digest(pdu->hdr.raw, sizeof(*d));

		memcpy(pdu->hdr.raw + sizeof(*d), &v, sizeof(v));
	}
	tx->iov[at].iov_base = pdu->hdr.raw;
	tx->iov[at].iov_len = sizeof(*d) + hd;
	if (dd) {
		pdu->ddgst = nvme_tcp_crc_final(
		    nvme_tcp_crc_update_iov(NVME_TCP_CRC_INIT, h->iov, h->iovcnt, h->off, chunk));
		tx_push(tx, &pdu->ddgst, NVME_TCP_DIGEST_LEN);
	}
	h->off += chunk;
	return 1;
}

uint32_t nvme_tcp_h2c_term(uint8_t *out, uint16_t fes, uint32_t fei, const void *bad,
			   uint32_t bad_len)
{
	struct nvme_tcp_term t;

	if (bad_len > NVME_TCP_TERM_MAX_PLEN - sizeof(t))
		bad_len = NVME_TCP_TERM_MAX_PLEN - sizeof(t);
	memset(&t, 0, sizeof(t));
	hdr_set(&t.hdr, NVME_TCP_PDU_H2C_TERM, 0, sizeof(t), 0, (uint32_t)sizeof(t) + bad_len);
	t.fes = fes;
	memcpy(t.fei, &fei, sizeof(t.fei));
	memcpy(out, &t, sizeof(t));
	if (bad_len > 0)
		memcpy(out + sizeof(t), bad, bad_len);
	return (uint32_t)sizeof(t) + bad_len;
}
