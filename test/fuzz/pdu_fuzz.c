/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for NVMe/TCP's receive side (lib/tcp/pdu_recv.c) and the
 * H2CData builder it feeds. The input is the byte stream a controller sends,
 * read by the state machine in pieces whose sizes the input picks, with four
 * commands whose data buffers are separate heap blocks of exact size (ASan
 * sees any byte placed outside). Every R2T delivered is answered into a send
 * queue whose output is parsed back and checked. Invariants (abort() if one
 * breaks): a C2HData delivered lies within its command's buffer; an error is
 * one of the documented ones and sticks; the whole stream is consumed or the
 * machine stopped; H2CData covers exactly the R2T's range in order, chunks of
 * at most MAXH2CDATA, LAST_PDU on the last.
 *
 * Input (missing bytes read as 0):
 *   byte 0  bit 0 HDGST, bit 1 DDGST negotiated; bit 2 start awaiting the
 *           ICResp; bit 3 the owner's callbacks refuse odd CIDs; bit 4 fix
 *           digests: the harness rewrites every PDU's digests to match (the
 *           stream split by plen), so mutations get past them; bit 5 no
 *           stage (each part read exactly), bit 6 a 7-byte stage
 *   byte 1  bytes per read (0: as much as asked)
 *   byte 2  max_data in KiB (0: the default)
 *   byte 3  MAXH2CDATA in 4 KiB units, minus 1
 *   then the stream.
 * PDU_FUZZ_VERBOSE=1 prints how far each input got and how it ended.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pnvme/env.h"
#include "tcp/digest.h"
#include "tcp/pdu_recv.h"
#include "tcp/pdu_send.h"

#define FZ_CMDS 4

struct fz_cmd {
	struct iovec iov[16];
	int iovcnt;
	uint32_t len;
};

struct fz {
	const uint8_t *in;
	size_t len, pos;
	size_t chunk;
	bool refuse_odd;
	uint32_t maxh2cdata;
	struct fz_cmd cmd[FZ_CMDS];
	struct nvme_tcp_tx tx;
	struct nvme_tcp_tx_pdu pdus[64];
	uint8_t *h2c_out;
	size_t h2c_len;
};

#define FZ_CHECK(cond)                                                                             \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "pdu_fuzz: %s:%d: %s\n", __FILE__, __LINE__, #cond);       \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

static ssize_t fz_read(void *ctx, const struct iovec *iov, int iovcnt)
{
	struct fz *f = ctx;
	size_t n = 0, max = f->chunk ? f->chunk : SIZE_MAX;

	FZ_CHECK(iovcnt > 0);
	for (int i = 0; i < iovcnt && f->pos < f->len && n < max; i++) {
		size_t take = iov[i].iov_len;

		FZ_CHECK(take > 0);
		if (take > f->len - f->pos)
			take = f->len - f->pos;
		if (take > max - n)
			take = max - n;
		memcpy(iov[i].iov_base, f->in + f->pos, take);
		f->pos += take;
		n += take;
		if (take < iov[i].iov_len)
			break;
	}
	return (ssize_t)n;
}

static ssize_t fz_write(void *ctx, const struct iovec *iov, int iovcnt)
{
	struct fz *f = ctx;
	size_t n = 0;

	for (int i = 0; i < iovcnt; i++) {
		f->h2c_out = realloc(f->h2c_out, f->h2c_len + iov[i].iov_len);
		FZ_CHECK(f->h2c_out != NULL || iov[i].iov_len == 0);
		memcpy(f->h2c_out + f->h2c_len, iov[i].iov_base, iov[i].iov_len);
		f->h2c_len += iov[i].iov_len;
		n += iov[i].iov_len;
	}
	return (ssize_t)n;
}

static int fz_cpl(void *ctx, const struct pnvme_cpl *cpl)
{
	struct fz *f = ctx;

	return f->refuse_odd && (cpl->cid & 1) ? -EIO : 0;
}

static int fz_c2h_buf(void *ctx, uint16_t cccid, const struct iovec **iov, int *iovcnt,
		      uint32_t *len)
{
	struct fz *f = ctx;

	if (cccid >= FZ_CMDS)
		return -ENOENT;
	*iov = f->cmd[cccid].iov;
	*iovcnt = f->cmd[cccid].iovcnt;
	*len = f->cmd[cccid].len;
	return 0;
}

static int fz_c2h_done(void *ctx, const struct nvme_tcp_data *d)
{
	struct fz *f = ctx;

	FZ_CHECK(d->cccid < FZ_CMDS);
	FZ_CHECK(d->datal > 0);
	FZ_CHECK((uint64_t)d->datao + d->datal <= f->cmd[d->cccid].len);
	return f->refuse_odd && (d->cccid & 1) ? -EIO : 0;
}

/* Answer the R2T completely, then parse what was sent and check it. */
static int fz_r2t(void *ctx, const struct nvme_tcp_r2t *r2t)
{
	struct fz *f = ctx;
	struct nvme_tcp_digests dg = {true, (r2t->ttag & 1) != 0};
	struct nvme_tcp_h2c h;
	const struct fz_cmd *c;
	uint32_t expect, pdus = 0;
	int rc;

	if (r2t->cccid >= FZ_CMDS)
		return -ENOENT;
	c = &f->cmd[r2t->cccid];
	rc = nvme_tcp_h2c_init(&h, r2t, c->iov, c->iovcnt, c->len);
	if (rc != 0) {
		FZ_CHECK(r2t->r2tl == 0 || (uint64_t)r2t->r2to + r2t->r2tl > c->len);
		return rc;
	}
	/* Bound the work per input: a huge R2T on the big buffer is answered too. */
	nvme_tcp_tx_init(&f->tx);
	f->h2c_len = 0;
	expect = r2t->r2to;
	while (!nvme_tcp_h2c_done(&h)) {
		rc = nvme_tcp_h2c_next(&h, &f->tx, &f->pdus[pdus % 64], f->maxh2cdata, dg);
		if (rc == -EAGAIN || pdus % 64 == 63) {
			FZ_CHECK(nvme_tcp_tx_flush(&f->tx, fz_write, f) == 0);
			if (rc == -EAGAIN)
				continue;
		}
		FZ_CHECK(rc == 1);
		pdus++;
	}
	FZ_CHECK(nvme_tcp_h2c_next(&h, &f->tx, &f->pdus[0], f->maxh2cdata, dg) == 0);
	FZ_CHECK(nvme_tcp_tx_flush(&f->tx, fz_write, f) == 0);
	/* What went out: H2CData, in order, each within MAXH2CDATA, digests right. */
	for (size_t pos = 0; pos < f->h2c_len;) {
		struct nvme_tcp_data d;
		uint32_t v;

		FZ_CHECK(pos + sizeof(d) + 4 <= f->h2c_len);
		memcpy(&d, f->h2c_out + pos, sizeof(d));
		FZ_CHECK(d.hdr.type == NVME_TCP_PDU_H2C_DATA && d.cccid == r2t->cccid &&
			 d.ttag == r2t->ttag);
		FZ_CHECK(d.datao == expect && d.datal > 0 && d.datal <= f->maxh2cdata);
		FZ_CHECK(d.hdr.pdo == 28 && d.hdr.plen == 28 + d.datal + (dg.ddgst ? 4 : 0));
		FZ_CHECK(pos + d.hdr.plen <= f->h2c_len);
		memcpy(&v, f->h2c_out + pos + 24, 4);
		FZ_CHECK(v == nvme_tcp_digest(f->h2c_out + pos, 24));
		if (dg.ddgst) {
			memcpy(&v, f->h2c_out + pos + 28 + d.datal, 4);
			FZ_CHECK(v == nvme_tcp_digest(f->h2c_out + pos + 28, d.datal));
		}
		expect += d.datal;
		pos += d.hdr.plen;
		FZ_CHECK(!!(d.hdr.flags & NVME_TCP_F_DATA_LAST) == (pos == f->h2c_len));
	}
	FZ_CHECK(expect == r2t->r2to + r2t->r2tl);
	return f->refuse_odd && (r2t->cccid & 1) ? -EIO : 0;
}

static void fz_term(void *ctx, const struct nvme_tcp_term *t, const uint8_t *data, uint32_t len)
{
	(void)ctx;
	(void)data;
	FZ_CHECK(t->hdr.plen == 24 + len && len <= NVME_TCP_TERM_MAX_PLEN - 24);
}

static int fz_icresp(void *ctx, const struct nvme_tcp_icresp *r)
{
	(void)ctx;
	FZ_CHECK(r->hdr.hlen == 128 && r->hdr.plen == 128);
	return 0;
}

static const struct nvme_tcp_rx_ops fz_ops = {
	.cpl = fz_cpl,
	.r2t = fz_r2t,
	.c2h_buf = fz_c2h_buf,
	.c2h_done = fz_c2h_done,
	.term = fz_term,
	.icresp = fz_icresp,
};

/* Command buffers: each piece its own heap block of exact size. */
static const uint32_t fz_layout[FZ_CMDS][16] = {
	{512},
	{100, 1, 4000},
	{65536},
	{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1},
};

static void fz_cmds(struct fz *f)
{
	for (int i = 0; i < FZ_CMDS; i++) {
		struct fz_cmd *c = &f->cmd[i];

		c->len = 0;
		c->iovcnt = 0;
		for (int j = 0; j < 16 && fz_layout[i][j]; j++) {
			c->iov[j].iov_base = malloc(fz_layout[i][j]);
			c->iov[j].iov_len = fz_layout[i][j];
			c->len += fz_layout[i][j];
			c->iovcnt++;
		}
	}
}

/* Make every digest in the stream right, PDU by PDU as plen splits it. */
static void fz_fix_digests(uint8_t *s, size_t len)
{
	for (size_t pos = 0; pos + 8 <= len;) {
		struct nvme_tcp_hdr h;

		memcpy(&h, s + pos, sizeof(h));
		if (h.plen < 8 || h.plen > len - pos)
			return;
		if ((h.flags & NVME_TCP_F_HDGST) && h.hlen >= 8 && h.hlen + 4u <= h.plen) {
			uint32_t v = nvme_tcp_digest(s + pos, h.hlen);

			memcpy(s + pos + h.hlen, &v, 4);
		}
		if ((h.flags & NVME_TCP_F_DDGST) && h.pdo > 0 && h.pdo + 4u <= h.plen) {
			uint32_t v = nvme_tcp_digest(s + pos + h.pdo, h.plen - h.pdo - 4u);

			memcpy(s + pos + h.plen - 4, &v, 4);
		}
		pos += h.plen;
	}
}

void __wrap_pnvme_log(enum pnvme_log_level level, const char *component, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void __wrap_pnvme_log(enum pnvme_log_level level, const char *component, const char *fmt, ...)
{
	(void)level;
	(void)component;
	(void)fmt;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;
	static struct nvme_tcp_rx rx;
	uint8_t hdr[4] = {0};
	uint8_t *stream;
	int rc = 0;

	memcpy(hdr, data, size < 4 ? size : 4);
	memset(&f, 0, sizeof(f));
	f.len = size > 4 ? size - 4 : 0;
	stream = malloc(f.len ? f.len : 1);
	if (f.len)
		memcpy(stream, data + 4, f.len);
	if (hdr[0] & 0x10)
		fz_fix_digests(stream, f.len);
	f.in = stream;
	f.chunk = hdr[1];
	f.refuse_odd = hdr[0] & 0x08;
	f.maxh2cdata = 4096u * ((uint32_t)hdr[3] + 1);
	fz_cmds(&f);

	nvme_tcp_rx_init(&rx, fz_read, &f, &fz_ops, &f);
	rx.want_icresp = hdr[0] & 0x04;
	nvme_tcp_rx_set_digests(&rx, hdr[0] & 1, hdr[0] & 2);
	if (hdr[2])
		rx.max_data = (uint32_t)hdr[2] << 10;
	if (hdr[0] & 0x20)
		rx.stage_max = 0;
	else if (hdr[0] & 0x40)
		rx.stage_max = 7;
	for (;;) {
		size_t before = f.pos;

		rc = nvme_tcp_rx_poll(&rx, 1 + (int)(f.pos % 7));
		if (rc < 0)
			break;
		/* No bytes and nothing delivered: the stream is used up. */
		if (f.pos == before && rc == 0)
			break;
	}
	if (getenv("PDU_FUZZ_VERBOSE"))
		fprintf(stderr, "pdu_fuzz: %zu of %zu stream bytes read, rc %d, fes %u fei %u\n",
			f.pos, f.len, rc, rx.fes, rx.fei);
	if (rc < 0) {
		FZ_CHECK(rc == -EPROTO || rc == -EMSGSIZE || rc == -ERANGE || rc == -EBADMSG ||
			 rc == -ECONNABORTED || rc == -EIO || rc == -ENOENT);
		FZ_CHECK(nvme_tcp_rx_poll(&rx, 1) == rc);
		FZ_CHECK(rx.fes <= NVME_TCP_FES_UNSUPPORTED_PARAM);
		FZ_CHECK(rx.err_hdr_len <= sizeof(rx.hdr.raw));
	} else {
		FZ_CHECK(f.pos == f.len);
		FZ_CHECK(rx.stage_pos == rx.stage_len);
	}
	for (int i = 0; i < FZ_CMDS; i++)
		for (int j = 0; j < f.cmd[i].iovcnt; j++)
			free(f.cmd[i].iov[j].iov_base);
	free(f.h2c_out);
	free(stream);
	return 0;
}
