/* SPDX-License-Identifier: BSD-3-Clause */
/* The receive state machine (pdu_recv.h). */
#include <errno.h>
#include <string.h>

#include "digest.h"
#include "pdu_recv.h"

#define MAX_DATA_DEFAULT (16u << 20)

void nvme_tcp_rx_init(struct nvme_tcp_rx *rx, nvme_tcp_read_fn read, void *read_ctx,
		      const struct nvme_tcp_rx_ops *ops, void *ctx)
{
	memset(rx, 0, sizeof(*rx));
	rx->read = read;
	rx->read_ctx = read_ctx;
	rx->ops = ops;
	rx->ctx = ctx;
	rx->want_icresp = true;
	rx->max_data = MAX_DATA_DEFAULT;
	rx->stage_max = NVME_TCP_RX_STAGE;
	rx->state = NVME_TCP_RX_HDR;
}

void nvme_tcp_rx_set_digests(struct nvme_tcp_rx *rx, bool hdgst, bool ddgst)
{
	rx->hdgst = hdgst;
	rx->ddgst = ddgst;
}

/* Stop for good; fei is the byte offset of the offending field. */
static int fail(struct nvme_tcp_rx *rx, int err, uint16_t fes, uint32_t fei)
{
	rx->err_hdr_len = rx->state == NVME_TCP_RX_HDR ? rx->have : rx->hdr_len;
	rx->state = NVME_TCP_RX_ERROR;
	rx->err = err;
	rx->fes = fes;
	rx->fei = fei;
	return err;
}

static int malformed(struct nvme_tcp_rx *rx, uint32_t fei)
{
	return fail(rx, -EPROTO, NVME_TCP_FES_INVALID_HEADER, fei);
}

/* The common header: type, hlen, flags, pdo and plen against each other. */
static int check_common(struct nvme_tcp_rx *rx)
{
	const struct nvme_tcp_hdr *h = &rx->hdr.common;
	uint8_t hd = h->flags & NVME_TCP_F_HDGST, dd = h->flags & NVME_TCP_F_DDGST;
	uint32_t hlen = 24, dgst_len;

	if (rx->want_icresp && h->type != NVME_TCP_PDU_ICRESP && h->type != NVME_TCP_PDU_C2H_TERM)
		return fail(rx, -EPROTO, NVME_TCP_FES_PDU_SEQUENCE, 0);
	switch (h->type) {
	case NVME_TCP_PDU_ICRESP:
		if (!rx->want_icresp)
			return fail(rx, -EPROTO, NVME_TCP_FES_PDU_SEQUENCE, 0);
		hlen = sizeof(struct nvme_tcp_icresp);
		/* fall through */
	case NVME_TCP_PDU_C2H_TERM:
		/* Never digested. */
		if (hd || dd)
			return malformed(rx, 1);
		break;
	case NVME_TCP_PDU_CAPSULE_RESP:
	case NVME_TCP_PDU_R2T:
		if (!hd != !rx->hdgst || dd)
			return malformed(rx, 1);
		break;
	case NVME_TCP_PDU_C2H_DATA:
		if (!hd != !rx->hdgst || !dd != !rx->ddgst)
			return malformed(rx, 1);
		if ((h->flags & NVME_TCP_F_DATA_SUCCESS) && !(h->flags & NVME_TCP_F_DATA_LAST))
			return malformed(rx, 1);
		break;
	default:
		return malformed(rx, 0);
	}
	if (h->hlen != hlen)
		return malformed(rx, 2);
	rx->hdr_len = hlen + (hd ? NVME_TCP_DIGEST_LEN : 0);
	dgst_len = dd ? NVME_TCP_DIGEST_LEN : 0;
	rx->pad = 0;
	rx->data_len = 0;
	if (h->type == NVME_TCP_PDU_C2H_DATA) {
		if (h->pdo < rx->hdr_len)
			return malformed(rx, 3);
		if (h->plen <= h->pdo + dgst_len)
			return malformed(rx, 4);
		if (h->plen - h->pdo - dgst_len > rx->max_data)
			return fail(rx, -EMSGSIZE, NVME_TCP_FES_DATA_LIMIT, 4);
		rx->pad = h->pdo - rx->hdr_len;
		rx->data_len = h->plen - h->pdo - dgst_len;
		return 0;
	}
	if (h->pdo != 0)
		return malformed(rx, 3);
	if (h->type == NVME_TCP_PDU_C2H_TERM) {
		if (h->plen < hlen || h->plen > NVME_TCP_TERM_MAX_PLEN)
			return malformed(rx, 4);
		rx->data_len = h->plen - hlen;
		return 0;
	}
	if (h->plen != rx->hdr_len)
		return malformed(rx, 4);
	return 0;
}

/* The whole header is in: its digest, then what the type's own fields must say. */
static int check_header(struct nvme_tcp_rx *rx)
{
	const struct nvme_tcp_hdr *h = &rx->hdr.common;

	if (h->flags & NVME_TCP_F_HDGST) {
		uint32_t wire;

		memcpy(&wire, rx->hdr.raw + h->hlen, sizeof(wire));
		if (nvme_tcp_digest(rx->hdr.raw, h->hlen) != wire)
			return fail(rx, -EBADMSG, NVME_TCP_FES_HDGST, 0);
	}
	if (h->type == NVME_TCP_PDU_R2T && rx->hdr.r2t.r2tl == 0)
		return malformed(rx, 16);
	if (h->type == NVME_TCP_PDU_C2H_DATA) {
		const struct nvme_tcp_data *d = &rx->hdr.data;
		uint32_t len;

		if (d->datal != rx->data_len)
			return malformed(rx, 16);
		if (rx->ops->c2h_buf(rx->ctx, d->cccid, &rx->buf, &rx->bufcnt, &len) != 0)
			return malformed(rx, 8);
		if ((uint64_t)d->datao + d->datal > len)
			return fail(rx, -ERANGE, NVME_TCP_FES_DATA_OUT_OF_RANGE, 12);
		rx->buf_off = d->datao;
		rx->crc = NVME_TCP_CRC_INIT;
	}
	return 0;
}

/* [off, off + len) of buf as at most NVME_TCP_RX_IOV iovecs; how many. */
static int window(const struct iovec *buf, int bufcnt, uint32_t off, uint32_t len, struct iovec *w)
{
	int n = 0;

	for (int i = 0; i < bufcnt && len > 0 && n < NVME_TCP_RX_IOV; i++) {
		if (off >= buf[i].iov_len) {
			off -= (uint32_t)buf[i].iov_len;
			continue;
		}
		size_t take = buf[i].iov_len - off;

		if (take > len)
			take = len;
		w[n].iov_base = (uint8_t *)buf[i].iov_base + off;
		w[n].iov_len = take;
		n++;
		len -= (uint32_t)take;
		off = 0;
	}
	return n;
}

/* Copy up to len staged bytes into iov; how many. */
static uint32_t unstage(struct nvme_tcp_rx *rx, const struct iovec *iov, int cnt, uint32_t len)
{
	uint32_t n = 0;

	for (int i = 0; i < cnt && n < len && rx->stage_pos < rx->stage_len; i++) {
		uint32_t take = (uint32_t)iov[i].iov_len;

		if (take > len - n)
			take = len - n;
		if (take > rx->stage_len - rx->stage_pos)
			take = rx->stage_len - rx->stage_pos;
		memcpy(iov[i].iov_base, rx->stage + rx->stage_pos, take);
		rx->stage_pos += take;
		n += take;
		if (take < iov[i].iov_len)
			break;
	}
	return n;
}

/*
 * Read up to len bytes into iov: from what is staged first. With nothing
 * staged, data goes straight from the socket into iov (direct: a command's
 * buffer, no copy); headers and digests refill the stage with one read of
 * whatever has arrived, so a burst of small PDUs costs one system call.
 */
static ssize_t rx_in(struct nvme_tcp_rx *rx, const struct iovec *iov, int cnt, uint32_t len,
		     bool direct)
{
	ssize_t n;

	if (rx->stage_pos < rx->stage_len)
		return unstage(rx, iov, cnt, len);
	if (direct || rx->stage_max == 0)
		return rx->read(rx->read_ctx, iov, cnt);
	struct iovec v = {.iov_base = rx->stage, .iov_len = rx->stage_max};

	n = rx->read(rx->read_ctx, &v, 1);
	if (n <= 0)
		return n;
	rx->stage_pos = 0;
	rx->stage_len = (uint32_t)n;
	return unstage(rx, iov, cnt, len);
}

static ssize_t read_into(struct nvme_tcp_rx *rx, void *p, uint32_t len)
{
	struct iovec v = {.iov_base = p, .iov_len = len};

	return rx_in(rx, &v, 1, len, false);
}

/* The PDU is complete: hand it over and start the next one. */
static int deliver(struct nvme_tcp_rx *rx)
{
	const struct nvme_tcp_hdr *h = &rx->hdr.common;
	int rc = 0;

	rx->state = NVME_TCP_RX_HDR;
	rx->have = 0;
	rx->checked = false;
	switch (h->type) {
	case NVME_TCP_PDU_ICRESP:
		rx->want_icresp = false;
		rc = rx->ops->icresp ? rx->ops->icresp(rx->ctx, &rx->hdr.icresp) : -EPROTO;
		break;
	case NVME_TCP_PDU_CAPSULE_RESP:
		rc = rx->ops->cpl(rx->ctx, &rx->hdr.rsp.cqe);
		break;
	case NVME_TCP_PDU_R2T:
		rc = rx->ops->r2t(rx->ctx, &rx->hdr.r2t);
		break;
	case NVME_TCP_PDU_C2H_DATA:
		if (rx->ops->c2h_done)
			rc = rx->ops->c2h_done(rx->ctx, &rx->hdr.data);
		if (rc == 0 && (h->flags & NVME_TCP_F_DATA_SUCCESS)) {
			struct pnvme_cpl cpl = {.cid = rx->hdr.data.cccid};

			rc = rx->ops->cpl(rx->ctx, &cpl);
		}
		break;
	case NVME_TCP_PDU_C2H_TERM:
		if (rx->ops->term)
			rx->ops->term(rx->ctx, &rx->hdr.term, rx->term_data, rx->data_len);
		/* The controller closes the connection after it. */
		rx->state = NVME_TCP_RX_ERROR;
		rx->err = -ECONNABORTED;
		return rx->err;
	}
	if (rc < 0)
		return fail(rx, rc, 0, 0);
	return 0;
}

/* One step: read what the current part still needs. 1 progressed, 0 no data, <0 error. */
static int step(struct nvme_tcp_rx *rx, bool *done)
{
	struct iovec w[NVME_TCP_RX_IOV];
	ssize_t n = 0;
	int rc, cnt;

	*done = false;
	switch (rx->state) {
	case NVME_TCP_RX_HDR: {
		uint32_t want = rx->checked ? rx->hdr_len : NVME_TCP_RX_HDR_MIN;

		n = read_into(rx, rx->hdr.raw + rx->have, want - rx->have);
		if (n <= 0)
			break;
		rx->have += (uint32_t)n;
		if (!rx->checked && rx->have >= sizeof(struct nvme_tcp_hdr)) {
			rc = check_common(rx);
			if (rc < 0)
				return rc;
			rx->checked = true;
		}
		if (!rx->checked || rx->have < rx->hdr_len)
			return 1;
		rc = check_header(rx);
		if (rc < 0)
			return rc;
		rx->have = 0;
		if (rx->pad > 0)
			rx->state = NVME_TCP_RX_PAD;
		else if (rx->data_len > 0)
			rx->state = NVME_TCP_RX_DATA;
		else
			*done = true;
		return 1;
	}
	case NVME_TCP_RX_PAD:
		n = read_into(rx, rx->scratch + rx->have, rx->pad - rx->have);
		if (n <= 0)
			break;
		rx->have += (uint32_t)n;
		if (rx->have == rx->pad) {
			rx->have = 0;
			rx->state = NVME_TCP_RX_DATA;
		}
		return 1;
	case NVME_TCP_RX_DATA:
		if (rx->hdr.common.type == NVME_TCP_PDU_C2H_TERM) {
			n = read_into(rx, rx->term_data + rx->have, rx->data_len - rx->have);
		} else {
			cnt = window(rx->buf, rx->bufcnt, rx->buf_off, rx->data_len - rx->have, w);
			if (cnt == 0) /* c2h_buf's iovecs hold less than it said */
				return fail(rx, -ERANGE, NVME_TCP_FES_DATA_OUT_OF_RANGE, 12);
			n = rx_in(rx, w, cnt, rx->data_len - rx->have, true);
			if (n > 0 && rx->ddgst)
				rx->crc = nvme_tcp_crc_update_iov(rx->crc, w, cnt, 0, (size_t)n);
			if (n > 0)
				rx->buf_off += (uint32_t)n;
		}
		if (n <= 0)
			break;
		rx->have += (uint32_t)n;
		if (rx->have < rx->data_len)
			return 1;
		rx->have = 0;
		if (rx->hdr.common.flags & NVME_TCP_F_DDGST)
			rx->state = NVME_TCP_RX_DDGST;
		else
			*done = true;
		return 1;
	case NVME_TCP_RX_DDGST:
		n = read_into(rx, (uint8_t *)&rx->ddgst_wire + rx->have,
			      NVME_TCP_DIGEST_LEN - rx->have);
		if (n <= 0)
			break;
		rx->have += (uint32_t)n;
		if (rx->have < NVME_TCP_DIGEST_LEN)
			return 1;
		if (nvme_tcp_crc_final(rx->crc) != rx->ddgst_wire)
			return fail(rx, -EBADMSG, 0,
				    0); /* no FES names it: close without a TermReq */
		*done = true;
		return 1;
	case NVME_TCP_RX_ERROR:
		return rx->err;
	}
	if (n < 0)
		return fail(rx, (int)n, 0, 0);
	return 0;
}

int nvme_tcp_rx_poll(struct nvme_tcp_rx *rx, int max_pdus)
{
	int delivered = 0;

	if (rx->state == NVME_TCP_RX_ERROR)
		return rx->err;
	while (delivered < max_pdus) {
		bool done;
		int rc = step(rx, &done);

		if (rc < 0)
			return rc;
		if (done) {
			rc = deliver(rx);
			if (rc < 0)
				return rc;
			delivered++;
			/* The ICResp changes what comes next: the owner sets digests first. */
			if (rx->hdr.common.type == NVME_TCP_PDU_ICRESP)
				break;
			continue;
		}
		if (rc == 0)
			break;
	}
	return delivered;
}
