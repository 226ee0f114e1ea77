/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe/TCP PDUs (lib/tcp): CRC32C vectors, the builders of the send side, the
 * receive machine fed a byte stream a piece at a time, with and without its
 * stage (valid PDUs of each type, data placed into a command's iovecs, every
 * malformed field refused), R2T
 * answered in H2CData chunks, and partial sends through a queue cursor.
 * The PDUs the "controller" sends are made here, field by field, not by lib/tcp.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/test_env.h"
#include "tcp/digest.h"
#include "tcp/nvmf.h"
#include "tcp/pdu_recv.h"
#include "tcp/pdu_send.h"

/* ------------------------------------------------------------ CRC32C */

static void test_crc_vectors(void)
{
	uint8_t buf[32];
	struct iovec iov[3];

	CU_ASSERT_EQUAL(nvme_tcp_digest("123456789", 9), 0xe3069283u);
	/* RFC 3720 B.4: 32 bytes of zeros, of ones, incrementing. */
	memset(buf, 0, sizeof(buf));
	CU_ASSERT_EQUAL(nvme_tcp_digest(buf, 32), 0x8a9136aau);
	memset(buf, 0xff, sizeof(buf));
	CU_ASSERT_EQUAL(nvme_tcp_digest(buf, 32), 0x62a8ab43u);
	for (int i = 0; i < 32; i++)
		buf[i] = (uint8_t)i;
	CU_ASSERT_EQUAL(nvme_tcp_digest(buf, 32), 0x46dd794eu);
	/* Streaming over iovecs, from an offset, gives the same. */
	iov[0] = (struct iovec){buf, 5};
	iov[1] = (struct iovec){buf + 5, 1};
	iov[2] = (struct iovec){buf + 6, 26};
	CU_ASSERT_EQUAL(
	    nvme_tcp_crc_final(nvme_tcp_crc_update_iov(NVME_TCP_CRC_INIT, iov, 3, 0, 32)),
	    0x46dd794eu);
	CU_ASSERT_EQUAL(
	    nvme_tcp_crc_final(nvme_tcp_crc_update_iov(NVME_TCP_CRC_INIT, iov, 3, 3, 20)),
	    nvme_tcp_digest(buf + 3, 20));
	CU_ASSERT_EQUAL(nvme_tcp_crc_final(nvme_tcp_crc_update(
			    nvme_tcp_crc_update(NVME_TCP_CRC_INIT, "1234", 4), "56789", 5)),
			0xe3069283u);
}

/* ------------------------------------------------------------ a byte stream */

/* The wire: what was written, read back at most chunk bytes per call. */
struct wire {
	uint8_t buf[1 << 20];
	size_t len, pos;
	size_t chunk;
	int calls;
	const uint8_t *direct_lo, *direct_hi; /* reads straight into [lo, hi) are counted */
	int direct;
};

static struct wire g_wire;

static ssize_t wire_read(void *ctx, const struct iovec *iov, int iovcnt)
{
	struct wire *w = ctx;
	size_t n = 0, max = w->chunk ? w->chunk : SIZE_MAX;

	w->calls++;
	if (iovcnt > 0 && (const uint8_t *)iov[0].iov_base >= w->direct_lo &&
	    (const uint8_t *)iov[0].iov_base < w->direct_hi)
		w->direct++;
	for (int i = 0; i < iovcnt && w->pos < w->len && n < max; i++) {
		size_t take = iov[i].iov_len;

		if (take > w->len - w->pos)
			take = w->len - w->pos;
		if (take > max - n)
			take = max - n;
		memcpy(iov[i].iov_base, w->buf + w->pos, take);
		w->pos += take;
		n += take;
		if (take < iov[i].iov_len)
			break;
	}
	return (ssize_t)n;
}

static ssize_t wire_write(void *ctx, const struct iovec *iov, int iovcnt)
{
	struct wire *w = ctx;
	size_t n = 0, max = w->chunk ? w->chunk : SIZE_MAX;

	w->calls++;
	for (int i = 0; i < iovcnt && n < max; i++) {
		size_t take = iov[i].iov_len;

		if (take > max - n)
			take = max - n;
		CU_ASSERT_FATAL(w->len + take <= sizeof(w->buf));
		memcpy(w->buf + w->len, iov[i].iov_base, take);
		w->len += take;
		n += take;
	}
	return (ssize_t)n;
}

static void wire_reset(size_t chunk)
{
	g_wire.len = g_wire.pos = 0;
	g_wire.chunk = chunk;
	g_wire.calls = 0;
	g_wire.direct = 0;
	g_wire.direct_lo = g_wire.direct_hi = NULL;
}

static void wire_put(const void *p, size_t len)
{
	CU_ASSERT_FATAL(g_wire.len + len <= sizeof(g_wire.buf));
	memcpy(g_wire.buf + g_wire.len, p, len);
	g_wire.len += len;
}

static void put_le32(uint32_t v)
{
	wire_put(&v, 4);
}

/* ------------------------------------------------------------ the controller's PDUs */

static void hdr(struct nvme_tcp_hdr *h, uint8_t type, uint8_t flags, uint8_t hlen, uint8_t pdo,
		uint32_t plen)
{
	h->type = type;
	h->flags = flags;
	h->hlen = hlen;
	h->pdo = pdo;
	h->plen = plen;
}

static void put_icresp(uint8_t dgst, uint32_t maxh2cdata)
{
	struct nvme_tcp_icresp r;

	memset(&r, 0, sizeof(r));
	hdr(&r.hdr, NVME_TCP_PDU_ICRESP, 0, 128, 0, 128);
	r.dgst = dgst;
	r.maxh2cdata = maxh2cdata;
	wire_put(&r, sizeof(r));
}

/* A header of hlen bytes, its digest when hd. */
static void put_hdr(const void *h, size_t hlen, bool hd)
{
	wire_put(h, hlen);
	if (hd)
		put_le32(nvme_tcp_digest(h, hlen));
}

static void put_resp(uint16_t cid, uint16_t status, uint32_t cdw0, bool hd)
{
	struct nvme_tcp_capsule_resp r;

	memset(&r, 0, sizeof(r));
	hdr(&r.hdr, NVME_TCP_PDU_CAPSULE_RESP, hd ? NVME_TCP_F_HDGST : 0, 24, 0, 24 + (hd ? 4 : 0));
	r.cqe.cid = cid;
	r.cqe.cdw0 = cdw0;
	r.cqe.status_raw = status;
	r.cqe.sqhd = 7;
	put_hdr(&r, sizeof(r), hd);
}

static void put_r2t(uint16_t cccid, uint16_t ttag, uint32_t off, uint32_t len, bool hd)
{
	struct nvme_tcp_r2t r;

	memset(&r, 0, sizeof(r));
	hdr(&r.hdr, NVME_TCP_PDU_R2T, hd ? NVME_TCP_F_HDGST : 0, 24, 0, 24 + (hd ? 4 : 0));
	r.cccid = cccid;
	r.ttag = ttag;
	r.r2to = off;
	r.r2tl = len;
	put_hdr(&r, sizeof(r), hd);
}

/* C2HData of len bytes of data at datao, pad bytes between header and data. */
static void put_c2h(uint16_t cccid, uint32_t datao, const uint8_t *data, uint32_t len,
		    uint8_t flags, bool hd, bool dd, uint8_t pad)
{
	struct nvme_tcp_data d;
	uint8_t zeros[64] = {0};
	uint8_t pdo = (uint8_t)(24 + (hd ? 4 : 0) + pad);

	memset(&d, 0, sizeof(d));
	hdr(&d.hdr, NVME_TCP_PDU_C2H_DATA,
	    (uint8_t)(flags | (hd ? NVME_TCP_F_HDGST : 0) | (dd ? NVME_TCP_F_DDGST : 0)), 24, pdo,
	    pdo + len + (dd ? 4 : 0));
	d.cccid = cccid;
	d.datao = datao;
	d.datal = len;
	put_hdr(&d, sizeof(d), hd);
	wire_put(zeros, pad);
	wire_put(data, len);
	if (dd)
		put_le32(nvme_tcp_digest(data, len));
}

static void put_term(uint16_t fes, uint32_t datalen)
{
	struct nvme_tcp_term t;
	uint8_t data[128];

	memset(&t, 0, sizeof(t));
	memset(data, 0xab, sizeof(data));
	hdr(&t.hdr, NVME_TCP_PDU_C2H_TERM, 0, 24, 0, 24 + datalen);
	t.fes = fes;
	wire_put(&t, sizeof(t));
	wire_put(data, datalen);
}

/* ------------------------------------------------------------ the host's side */

#define CMDS 4
static struct {
	struct iovec iov[4];
	int iovcnt;
	uint32_t len;
} g_cmd[CMDS];

static struct {
	int cpls, r2ts, c2h_done, terms, icresps;
	struct pnvme_cpl cpl;
	struct nvme_tcp_r2t r2t;
	struct nvme_tcp_icresp icresp;
	uint16_t term_fes;
	uint32_t term_len;
	uint32_t c2h_bytes;
} g_rec;

static int rec_cpl(void *ctx, const struct pnvme_cpl *cpl)
{
	(void)ctx;
	g_rec.cpls++;
	g_rec.cpl = *cpl;
	return 0;
}

static int rec_r2t(void *ctx, const struct nvme_tcp_r2t *r2t)
{
	(void)ctx;
	g_rec.r2ts++;
	g_rec.r2t = *r2t;
	return 0;
}

static int rec_c2h_buf(void *ctx, uint16_t cccid, const struct iovec **iov, int *iovcnt,
		       uint32_t *len)
{
	(void)ctx;
	if (cccid >= CMDS || g_cmd[cccid].iovcnt == 0)
		return -ENOENT;
	*iov = g_cmd[cccid].iov;
	*iovcnt = g_cmd[cccid].iovcnt;
	*len = g_cmd[cccid].len;
	return 0;
}

static int rec_c2h_done(void *ctx, const struct nvme_tcp_data *d)
{
	(void)ctx;
	g_rec.c2h_done++;
	g_rec.c2h_bytes += d->datal;
	return 0;
}

static void rec_term(void *ctx, const struct nvme_tcp_term *t, const uint8_t *data, uint32_t len)
{
	(void)ctx;
	g_rec.terms++;
	g_rec.term_fes = t->fes;
	g_rec.term_len = len;
	for (uint32_t i = 0; i < len; i++)
		CU_ASSERT_EQUAL(data[i], 0xab);
}

static int rec_icresp(void *ctx, const struct nvme_tcp_icresp *r)
{
	(void)ctx;
	g_rec.icresps++;
	g_rec.icresp = *r;
	return 0;
}

static const struct nvme_tcp_rx_ops g_ops = {
	.cpl = rec_cpl,
	.r2t = rec_r2t,
	.c2h_buf = rec_c2h_buf,
	.c2h_done = rec_c2h_done,
	.term = rec_term,
	.icresp = rec_icresp,
};

/* The destination of command 1: three pieces (100, 1, 4000 bytes) inside guarded memory. */
static uint8_t g_dst[8192];
#define GUARD 0x5a

static void cmds_reset(void)
{
	memset(g_cmd, 0, sizeof(g_cmd));
	memset(&g_rec, 0, sizeof(g_rec));
	memset(g_dst, GUARD, sizeof(g_dst));
	g_cmd[1].iov[0] = (struct iovec){g_dst + 16, 100};
	g_cmd[1].iov[1] = (struct iovec){g_dst + 200, 1};
	g_cmd[1].iov[2] = (struct iovec){g_dst + 300, 4000};
	g_cmd[1].iovcnt = 3;
	g_cmd[1].len = 4101;
}

/* Byte i of command 1's buffer, and a check that everything else kept the guard. */
static uint8_t *dst_byte(uint32_t i)
{
	return i < 100 ? g_dst + 16 + i : i < 101 ? g_dst + 200 : g_dst + 300 + (i - 101);
}

static bool dst_guards_intact(void)
{
	for (uint32_t i = 0; i < sizeof(g_dst); i++) {
		bool inside = (i >= 16 && i < 116) || i == 200 || (i >= 300 && i < 4300);

		if (!inside && g_dst[i] != GUARD)
			return false;
	}
	return true;
}

static struct nvme_tcp_rx g_rx;
/* Stage sizes the receive tests run with: none (every part read exactly), tiny, normal. */
static const uint32_t g_stages[] = {0, 5, NVME_TCP_RX_STAGE};
static uint32_t g_stage = NVME_TCP_RX_STAGE;

/* A receiver past its ICResp, with the digests given. */
static void rx_ready(bool hd, bool dd)
{
	nvme_tcp_rx_init(&g_rx, wire_read, &g_wire, &g_ops, NULL);
	g_rx.want_icresp = false;
	g_rx.stage_max = g_stage;
	nvme_tcp_rx_set_digests(&g_rx, hd, dd);
}

/* Poll until the wire is drained or the machine stops; delivered PDUs or the error. */
static int rx_drain(void)
{
	int total = 0;

	for (int spins = 0; spins < 100000; spins++) {
		int rc = nvme_tcp_rx_poll(&g_rx, 64);

		if (rc < 0)
			return rc;
		total += rc;
		if (g_wire.pos == g_wire.len && g_rx.state == NVME_TCP_RX_HDR && g_rx.have == 0 &&
		    g_rx.stage_pos == g_rx.stage_len)
			return total;
	}
	return -1000;
}

static const size_t g_chunks[] = {0, 1, 3, 7, 25, 4096};

static void test_rx_icresp(void)
{
	cmds_reset();
	wire_reset(1);
	put_icresp(NVME_TCP_DGST_HDGST_ENABLE, 65536);
	put_resp(1, 0, 0, true);
	nvme_tcp_rx_init(&g_rx, wire_read, &g_wire, &g_ops, NULL);
	/* The ICResp alone is delivered, then the owner sets the digests. */
	int rc = 0;

	for (int i = 0; i < 1000 && rc == 0; i++)
		rc = nvme_tcp_rx_poll(&g_rx, 8);
	CU_ASSERT_EQUAL(rc, 1);
	CU_ASSERT_EQUAL(g_rec.icresps, 1);
	CU_ASSERT_EQUAL(g_rec.icresp.maxh2cdata, 65536);
	CU_ASSERT_EQUAL(g_rec.icresp.dgst, NVME_TCP_DGST_HDGST_ENABLE);
	CU_ASSERT_EQUAL(g_rec.cpls, 0);
	CU_ASSERT_FALSE(g_rx.want_icresp);
	nvme_tcp_rx_set_digests(&g_rx, true, false);
	CU_ASSERT_EQUAL(rx_drain(), 1);
	CU_ASSERT_EQUAL(g_rec.cpls, 1);
}

/* Every type, with and without digests, fed in pieces of every size. */
static void test_rx_stream(void)
{
	uint8_t data[4101];

	for (uint32_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	for (int dg = 0; dg < 4 * 3; dg++) {
		bool hd = dg & 1, dd = dg & 2;

		g_stage = g_stages[dg / 4];

		for (size_t c = 0; c < sizeof(g_chunks) / sizeof(g_chunks[0]); c++) {
			cmds_reset();
			wire_reset(g_chunks[c]);
			put_resp(2, 0x0002 << 1, 0xdeadbeef, hd);
			put_r2t(3, 0x77, 512, 1024, hd);
			/* Command 1's data in three PDUs, out of order, the last with SUCCESS. */
			put_c2h(1, 50, data + 50, 4000, 0, hd, dd, 0);
			put_c2h(1, 0, data, 50, 0, hd, dd, 8);
			put_c2h(1, 4050, data + 4050, 51,
				NVME_TCP_F_DATA_LAST | NVME_TCP_F_DATA_SUCCESS, hd, dd, 0);
			rx_ready(hd, dd);
			CU_ASSERT_EQUAL_FATAL(rx_drain(), 5);
			CU_ASSERT_EQUAL(g_rec.r2ts, 1);
			CU_ASSERT_EQUAL(g_rec.r2t.cccid, 3);
			CU_ASSERT_EQUAL(g_rec.r2t.ttag, 0x77);
			CU_ASSERT_EQUAL(g_rec.r2t.r2to, 512);
			CU_ASSERT_EQUAL(g_rec.r2t.r2tl, 1024);
			CU_ASSERT_EQUAL(g_rec.c2h_done, 3);
			CU_ASSERT_EQUAL(g_rec.c2h_bytes, 4101);
			/* Two completions: the capsule's, then the one SUCCESS stands for. */
			CU_ASSERT_EQUAL(g_rec.cpls, 2);
			CU_ASSERT_EQUAL(g_rec.cpl.cid, 1);
			CU_ASSERT_EQUAL(g_rec.cpl.status_raw, 0);
			bool same = true;

			for (uint32_t i = 0; i < sizeof(data); i++)
				same &= *dst_byte(i) == data[i];
			CU_ASSERT(same);
			CU_ASSERT(dst_guards_intact());
			if (g_chunks[c] == 1) /* really one byte a call */
				CU_ASSERT(g_wire.calls >= (int)g_wire.len);
		}
	}
	g_stage = NVME_TCP_RX_STAGE;
	/* The capsule's CQE as sent. */
	cmds_reset();
	wire_reset(0);
	put_resp(2, 0x0002 << 1, 0xdeadbeef, false);
	rx_ready(false, false);
	CU_ASSERT_EQUAL(rx_drain(), 1);
	CU_ASSERT_EQUAL(g_rec.cpl.cid, 2);
	CU_ASSERT_EQUAL(g_rec.cpl.cdw0, 0xdeadbeef);
	CU_ASSERT_EQUAL(g_rec.cpl.status.sc, 2);
	CU_ASSERT_EQUAL(g_rec.cpl.sqhd, 7);
}

static void test_rx_term(void)
{
	cmds_reset();
	wire_reset(5);
	put_term(NVME_TCP_FES_INVALID_HEADER, 72);
	put_resp(1, 0, 0, false); /* never read: the connection is over */
	rx_ready(false, false);
	CU_ASSERT_EQUAL(rx_drain(), -ECONNABORTED);
	CU_ASSERT_EQUAL(g_rec.terms, 1);
	CU_ASSERT_EQUAL(g_rec.term_fes, NVME_TCP_FES_INVALID_HEADER);
	CU_ASSERT_EQUAL(g_rec.term_len, 72);
	CU_ASSERT_EQUAL(g_rec.cpls, 0);
	CU_ASSERT_EQUAL(nvme_tcp_rx_poll(&g_rx, 1), -ECONNABORTED);
	/* Also before the ICResp. */
	wire_reset(0);
	put_term(NVME_TCP_FES_UNSUPPORTED_PARAM, 0);
	nvme_tcp_rx_init(&g_rx, wire_read, &g_wire, &g_ops, NULL);
	CU_ASSERT_EQUAL(rx_drain(), -ECONNABORTED);
	CU_ASSERT_EQUAL(g_rec.term_fes, NVME_TCP_FES_UNSUPPORTED_PARAM);
}

/* ------------------------------------------------------------ malformed PDUs */

enum bad_kind { RESP, C2H, R2T, TERM, ICRESP };

struct bad_case {
	const char *what;
	enum bad_kind kind;
	bool hd, dd;	/* negotiated */
	bool before_ic; /* while the ICResp is awaited */
	int field;	/* byte offset changed (-1: none) */
	uint32_t value;
	int width; /* bytes of value written at field */
	int err;
	uint16_t fes;
};

static const struct bad_case g_bad[] = {
	{"unknown type 8", RESP, 0, 0, 0, 0, 0x08, 1, -EPROTO, NVME_TCP_FES_INVALID_HEADER},
	{"type 0x0a", RESP, 0, 0, 0, 0, 0x0a, 1, -EPROTO, NVME_TCP_FES_INVALID_HEADER},
	{"host-to-controller type H2CData", C2H, 0, 0, 0, 0, NVME_TCP_PDU_H2C_DATA, 1, -EPROTO, 1},
	{"CapsuleCmd from the controller", RESP, 0, 0, 0, 0, NVME_TCP_PDU_CAPSULE_CMD, 1, -EPROTO, 1},
	{"ICReq from the controller", ICRESP, 0, 0, 1, 0, NVME_TCP_PDU_ICREQ, 1, -EPROTO, 2},
	{"ICResp after the first", ICRESP, 0, 0, 0, -1, 0, 0, -EPROTO, NVME_TCP_FES_PDU_SEQUENCE},
	{"CapsuleResp before the ICResp", RESP, 0, 0, 1, -1, 0, 0, -EPROTO, NVME_TCP_FES_PDU_SEQUENCE},
	{"CapsuleResp hlen 25", RESP, 0, 0, 0, 2, 25, 1, -EPROTO, 1},
	{"CapsuleResp hlen 8", RESP, 0, 0, 0, 2, 8, 1, -EPROTO, 1},
	{"CapsuleResp pdo 24", RESP, 0, 0, 0, 3, 24, 1, -EPROTO, 1},
	{"CapsuleResp plen 23", RESP, 0, 0, 0, 4, 23, 4, -EPROTO, 1},
	{"CapsuleResp plen 28 without digest", RESP, 0, 0, 0, 4, 28, 4, -EPROTO, 1},
	{"CapsuleResp HDGST flag not negotiated", RESP, 0, 0, 0, 1, NVME_TCP_F_HDGST, 1, -EPROTO, 1},
	{"CapsuleResp without HDGST flag, negotiated", RESP, 1, 0, 0, 1, 0, 1, -EPROTO, 1},
	{"CapsuleResp DDGST flag", RESP, 0, 1, 0, 1, NVME_TCP_F_DDGST, 1, -EPROTO, 1},
	{"CapsuleResp header digest wrong", RESP, 1, 0, 0, 24, 0x12345678, 4, -EBADMSG,
	 NVME_TCP_FES_HDGST},
	{"CapsuleResp header changed under its digest", RESP, 1, 0, 0, 8, 0x99, 1, -EBADMSG,
	 NVME_TCP_FES_HDGST},
	{"C2HData hlen 28", C2H, 0, 0, 0, 2, 28, 1, -EPROTO, 1},
	{"C2HData pdo below hlen", C2H, 0, 0, 0, 3, 20, 1, -EPROTO, 1},
	{"C2HData pdo below hlen + digest", C2H, 1, 0, 0, 3, 24, 1, -EPROTO, 1},
	{"C2HData plen == pdo: no data", C2H, 0, 0, 0, 4, 24, 4, -EPROTO, 1},
	{"C2HData plen below pdo", C2H, 0, 0, 0, 4, 10, 4, -EPROTO, 1},
	{"C2HData datal not plen - pdo", C2H, 0, 0, 0, 16, 99, 4, -EPROTO, 1},
	{"C2HData plen over the limit", C2H, 0, 0, 0, 4, 0x7fffffff, 4, -EMSGSIZE,
	 NVME_TCP_FES_DATA_LIMIT},
	{"C2HData datao + datal past the buffer", C2H, 0, 0, 0, 12, 4062, 4, -ERANGE,
	 NVME_TCP_FES_DATA_OUT_OF_RANGE},
	{"C2HData datao wrapping 32 bits", C2H, 0, 0, 0, 12, 0xffffff00u, 4, -ERANGE,
	 NVME_TCP_FES_DATA_OUT_OF_RANGE},
	{"C2HData unknown cccid", C2H, 0, 0, 0, 8, 3, 2, -EPROTO, 1},
	{"C2HData SUCCESS without LAST_PDU", C2H, 0, 0, 0, 1, NVME_TCP_F_DATA_SUCCESS, 1, -EPROTO, 1},
	{"C2HData DDGST flag not negotiated", C2H, 0, 0, 0, 1, NVME_TCP_F_DDGST, 1, -EPROTO, 1},
	{"C2HData no DDGST flag, negotiated", C2H, 0, 1, 0, 1, 0, 1, -EPROTO, 1},
	{"C2HData data digest wrong", C2H, 0, 1, 0, -2, 0, 0, -EBADMSG, 0},
	{"C2HData header digest wrong", C2H, 1, 1, 0, 25, 0x55, 1, -EBADMSG, NVME_TCP_FES_HDGST},
	{"R2T r2tl 0", R2T, 0, 0, 0, 16, 0, 4, -EPROTO, 1},
	{"R2T plen 48", R2T, 0, 0, 0, 4, 48, 4, -EPROTO, 1},
	{"R2T pdo 24", R2T, 0, 0, 0, 3, 24, 1, -EPROTO, 1},
	{"C2HTermReq plen 153", TERM, 0, 0, 0, 4, 153, 4, -EPROTO, 1},
	{"C2HTermReq plen 23", TERM, 0, 0, 0, 4, 23, 4, -EPROTO, 1},
	{"C2HTermReq with HDGST flag", TERM, 1, 0, 0, 1, NVME_TCP_F_HDGST, 1, -EPROTO, 1},
	{"C2HTermReq hlen 28", TERM, 0, 0, 0, 2, 28, 1, -EPROTO, 1},
	{"ICResp plen 129", ICRESP, 0, 0, 1, 4, 129, 4, -EPROTO, 1},
	{"ICResp hlen 24", ICRESP, 0, 0, 1, 2, 24, 1, -EPROTO, 1},
	{"ICResp pdo 8", ICRESP, 0, 0, 1, 3, 8, 1, -EPROTO, 1},
	{"ICResp with HDGST flag", ICRESP, 0, 0, 1, 1, NVME_TCP_F_HDGST, 1, -EPROTO, 1},
};

static void test_rx_malformed(void)
{
	uint8_t data[64];

	memset(data, 0x3c, sizeof(data));
	for (size_t i = 0; i < sizeof(g_bad) / sizeof(g_bad[0]); i++) {
		const struct bad_case *b = &g_bad[i];

		for (int c = 0; c < 9; c++) {
			g_stage = g_stages[c / 3];
			cmds_reset();
			wire_reset(c % 3 == 0 ? 0 : c % 3 == 1 ? 1 : 13);
			switch (b->kind) {
			case RESP:
				put_resp(1, 0, 0, b->hd);
				break;
			case C2H:
				put_c2h(1, 100, data, 40, 0, b->hd, b->dd, 0);
				break;
			case R2T:
				put_r2t(1, 1, 0, 512, b->hd);
				break;
			case TERM:
				put_term(1, 16);
				break;
			case ICRESP:
				put_icresp(0, 8192);
				break;
			}
			if (b->field >= 0)
				memcpy(g_wire.buf + b->field, &b->value, (size_t)b->width);
			if (b->field == -2) /* the last byte: the data digest */
				g_wire.buf[g_wire.len - 1] ^= 1;
			if (b->before_ic) {
				nvme_tcp_rx_init(&g_rx, wire_read, &g_wire, &g_ops, NULL);
			} else {
				rx_ready(b->hd, b->dd);
			}
			/* A good PDU after: it must never be delivered. */
			put_resp(2, 0, 0, b->hd);
			int rc = rx_drain();

			if (rc != b->err)
				fprintf(stderr, "\n  %s: %d, expected %d\n", b->what, rc, b->err);
			CU_ASSERT_EQUAL(rc, b->err);
			CU_ASSERT_EQUAL(g_rx.fes, b->fes);
			CU_ASSERT_EQUAL(g_rec.cpls, 0);
			CU_ASSERT_EQUAL(g_rec.c2h_done, 0);
			CU_ASSERT_EQUAL(g_rec.terms, 0);
			/* Stopped for good; nothing written outside the command's buffer, and
			 * nothing at all when the header was refused. */
			CU_ASSERT_EQUAL(nvme_tcp_rx_poll(&g_rx, 1), b->err);
			CU_ASSERT(dst_guards_intact());
			if (b->err != -EBADMSG || b->kind != C2H || b->field != -2) {
				bool untouched = true;

				for (uint32_t j = 0; j < 4101; j++)
					untouched &= *dst_byte(j) == GUARD;
				CU_ASSERT(untouched);
			}
		}
	}
	g_stage = NVME_TCP_RX_STAGE;
}

/* The stage: a burst of responses in one read; big data straight into its buffer. */
static void test_rx_stage(void)
{
	static uint8_t big[20000], data[20000];

	cmds_reset();
	wire_reset(0);
	for (uint16_t i = 0; i < 32; i++)
		put_resp(i, 0, i, true);
	rx_ready(true, false);
	CU_ASSERT_EQUAL(rx_drain(), 32);
	CU_ASSERT_EQUAL(g_rec.cpls, 32);
	CU_ASSERT_EQUAL(g_rec.cpl.cdw0, 31);
	CU_ASSERT(g_wire.calls <= 2); /* the burst, then "nothing more" */
	wire_reset(0);
	for (uint16_t i = 0; i < 32; i++)
		put_resp(i, 0, i, true);
	g_stage = 0;
	rx_ready(true, false);
	CU_ASSERT_EQUAL(rx_drain(), 32);
	CU_ASSERT(g_wire.calls >= 64); /* without it: header, then its digest, each */
	g_stage = NVME_TCP_RX_STAGE;

	for (uint32_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 3 + 1);
	memset(big, 0, sizeof(big));
	cmds_reset();
	g_cmd[2].iov[0] = (struct iovec){big, sizeof(big)};
	g_cmd[2].iovcnt = 1;
	g_cmd[2].len = sizeof(big);
	wire_reset(0);
	g_wire.direct_lo = big;
	g_wire.direct_hi = big + sizeof(big);
	put_c2h(2, 0, data, sizeof(data), NVME_TCP_F_DATA_LAST | NVME_TCP_F_DATA_SUCCESS, true,
		true, 0);
	put_resp(1, 0, 0, true);
	rx_ready(true, true);
	CU_ASSERT_EQUAL(rx_drain(), 2);
	CU_ASSERT_EQUAL(memcmp(big, data, sizeof(data)), 0);
	/* What the first read staged was copied; the rest came straight in, in one read. */
	CU_ASSERT_EQUAL(g_wire.direct, 1);
	CU_ASSERT(g_wire.calls <= 4);
	CU_ASSERT_EQUAL(g_rec.cpls, 2);
}

/* A buffer that says it is longer than its iovecs are. */
static void test_rx_short_iovecs(void)
{
	uint8_t data[200];

	memset(data, 1, sizeof(data));
	cmds_reset();
	g_cmd[1].len = 10000;
	wire_reset(0);
	put_c2h(1, 4000, data, 200, 0, false, false, 0);
	rx_ready(false, false);
	CU_ASSERT_EQUAL(rx_drain(), -ERANGE);
	CU_ASSERT(dst_guards_intact());
}

/* ------------------------------------------------------------ the send side */

static struct nvme_tcp_tx g_tx;

static void test_icreq(void)
{
	struct nvme_tcp_tx_pdu pdu;
	const struct nvme_tcp_icreq *r = (const struct nvme_tcp_icreq *)g_wire.buf;

	nvme_tcp_tx_init(&g_tx);
	wire_reset(0);
	CU_ASSERT_EQUAL(nvme_tcp_icreq(&g_tx, &pdu, true, true, 3), 0);
	CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, wire_write, &g_wire), 0);
	CU_ASSERT_EQUAL(g_wire.len, 128);
	CU_ASSERT_EQUAL(r->hdr.type, NVME_TCP_PDU_ICREQ);
	CU_ASSERT_EQUAL(r->hdr.hlen, 128);
	CU_ASSERT_EQUAL(r->hdr.pdo, 0);
	CU_ASSERT_EQUAL(r->hdr.plen, 128);
	CU_ASSERT_EQUAL(r->hdr.flags, 0);
	CU_ASSERT_EQUAL(r->pfv, 0);
	CU_ASSERT_EQUAL(r->hpda, 0);
	CU_ASSERT_EQUAL(r->dgst, 3);
	CU_ASSERT_EQUAL(r->maxr2t, 3);
	for (int i = 16; i < 128; i++)
		CU_ASSERT_EQUAL(g_wire.buf[i], 0);
	wire_reset(0);
	CU_ASSERT_EQUAL(nvme_tcp_icreq(&g_tx, &pdu, false, true, 0), 0);
	CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, wire_write, &g_wire), 0);
	CU_ASSERT_EQUAL(r->dgst, NVME_TCP_DGST_DDGST_ENABLE);
}

static void test_capsule_cmd(void)
{
	struct nvme_tcp_tx_pdu pdu;
	struct pnvme_cmd cmd;
	uint8_t data[3000];
	struct iovec iov[2] = {{data, 1000}, {data + 1000, 2000}};
	const struct nvme_tcp_capsule_cmd *c = (const struct nvme_tcp_capsule_cmd *)g_wire.buf;

	for (uint32_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i ^ 0x5a);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = 0x01;
	cmd.cid = 9;
	cmd.nsid = 1;
	nvme_tcp_tx_init(&g_tx);
	for (int dg = 0; dg < 4; dg++) {
		struct nvme_tcp_digests d = {dg & 1, (dg & 2) != 0};
		uint32_t hd = d.hdgst ? 4 : 0, dd = d.ddgst ? 4 : 0;

		/* A write within icd_max: in the capsule, an offset descriptor. */
		wire_reset(0);
		CU_ASSERT_EQUAL(
		    nvme_tcp_capsule_cmd(&g_tx, &pdu, &cmd, iov, 2, 3000, true, 4096, d), 0);
		CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, wire_write, &g_wire), 0);
		CU_ASSERT_EQUAL(c->hdr.type, NVME_TCP_PDU_CAPSULE_CMD);
		CU_ASSERT_EQUAL(c->hdr.hlen, 72);
		CU_ASSERT_EQUAL(c->hdr.pdo, 72 + hd);
		CU_ASSERT_EQUAL(c->hdr.plen, 72 + hd + 3000 + dd);
		CU_ASSERT_EQUAL(c->hdr.flags, (d.hdgst ? NVME_TCP_F_HDGST : 0) |
						  (d.ddgst ? NVME_TCP_F_DDGST : 0));
		CU_ASSERT_EQUAL(g_wire.len, c->hdr.plen);
		CU_ASSERT_EQUAL(c->sqe.cid, 9);
		CU_ASSERT_EQUAL(c->sqe.psdt, PNVME_PSDT_SGL_MPTR_CONTIG);
		CU_ASSERT_EQUAL(c->sqe.dptr.sgl.id, 0x01);
		CU_ASSERT_EQUAL(c->sqe.dptr.sgl.address, 0);
		CU_ASSERT_EQUAL(c->sqe.dptr.sgl.length, 3000);
		CU_ASSERT_EQUAL(memcmp(g_wire.buf + 72 + hd, data, 3000), 0);
		if (d.hdgst) {
			uint32_t v;

			memcpy(&v, g_wire.buf + 72, 4);
			CU_ASSERT_EQUAL(v, nvme_tcp_digest(g_wire.buf, 72));
		}
		if (d.ddgst) {
			uint32_t v;

			memcpy(&v, g_wire.buf + 72 + hd + 3000, 4);
			CU_ASSERT_EQUAL(v, nvme_tcp_digest(data, 3000));
		}
		/* Beyond icd_max, or a read: a transport data block and nothing after. */
		for (int rd = 0; rd < 2; rd++) {
			wire_reset(0);
			CU_ASSERT_EQUAL(nvme_tcp_capsule_cmd(&g_tx, &pdu, &cmd, iov, 2, 3000,
							     rd == 0, rd == 0 ? 2999 : 8192, d),
					0);
			CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, wire_write, &g_wire), 0);
			CU_ASSERT_EQUAL(g_wire.len, 72 + hd);
			CU_ASSERT_EQUAL(c->hdr.pdo, 0);
			CU_ASSERT_EQUAL(c->hdr.plen, 72 + hd);
			CU_ASSERT_EQUAL(c->hdr.flags, d.hdgst ? NVME_TCP_F_HDGST : 0);
			CU_ASSERT_EQUAL(c->sqe.dptr.sgl.id, 0x5a);
			CU_ASSERT_EQUAL(c->sqe.dptr.sgl.length, 3000);
			CU_ASSERT_EQUAL(c->sqe.dptr.sgl.address, 0);
		}
	}
	/* No data: no descriptor length, no data. */
	wire_reset(0);
	CU_ASSERT_EQUAL(nvme_tcp_capsule_cmd(&g_tx, &pdu, &cmd, NULL, 0, 0, false, 0,
					     (struct nvme_tcp_digests){false, true}),
			0);
	CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, wire_write, &g_wire), 0);
	CU_ASSERT_EQUAL(g_wire.len, 72);
	CU_ASSERT_EQUAL(c->hdr.flags, 0);
	CU_ASSERT_EQUAL(c->sqe.psdt, PNVME_PSDT_SGL_MPTR_CONTIG);
	CU_ASSERT_EQUAL(c->sqe.dptr.sgl.id, 0x5a);
	CU_ASSERT_EQUAL(c->sqe.dptr.sgl.length, 0);
	/* Iovecs shorter than the length. */
	CU_ASSERT_EQUAL(nvme_tcp_capsule_cmd(&g_tx, &pdu, &cmd, iov, 2, 3001, true, 4096,
					     (struct nvme_tcp_digests){0, 0}),
			-EINVAL);
	CU_ASSERT(nvme_tcp_tx_empty(&g_tx));
	/* IOCCSZ counts the SQE: 4 (64 bytes) leaves nothing, 260 leaves 4096. */
	CU_ASSERT_EQUAL(nvme_tcp_icd_max(4), 0);
	CU_ASSERT_EQUAL(nvme_tcp_icd_max(0), 0);
	CU_ASSERT_EQUAL(nvme_tcp_icd_max(260), 4096);
}

/* The queue full: -EAGAIN and nothing half queued; after a flush it goes. */
static void test_tx_full(void)
{
	static struct nvme_tcp_tx_pdu pdus[NVME_TCP_TX_IOV + 1];
	struct pnvme_cmd cmd;
	uint8_t data[64] = {0};
	struct iovec iov = {data, sizeof(data)};
	int i;

	memset(&cmd, 0, sizeof(cmd));
	nvme_tcp_tx_init(&g_tx);
	for (i = 0; i < NVME_TCP_TX_IOV - 1; i++)
		CU_ASSERT_EQUAL(nvme_tcp_capsule_cmd(&g_tx, &pdus[i], &cmd, NULL, 0, 0, false, 0,
						     (struct nvme_tcp_digests){0, 0}),
				0);
	/* One slot left: a capsule with data needs two. */
	CU_ASSERT_EQUAL(nvme_tcp_capsule_cmd(&g_tx, &pdus[i], &cmd, &iov, 1, 64, true, 64,
					     (struct nvme_tcp_digests){0, 0}),
			-EAGAIN);
	CU_ASSERT_EQUAL(g_tx.tail, NVME_TCP_TX_IOV - 1);
	wire_reset(0);
	CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, wire_write, &g_wire), 0);
	CU_ASSERT_EQUAL(g_wire.len, 72u * (NVME_TCP_TX_IOV - 1));
	CU_ASSERT_EQUAL(nvme_tcp_capsule_cmd(&g_tx, &pdus[i], &cmd, &iov, 1, 64, true, 64,
					     (struct nvme_tcp_digests){0, 0}),
			0);
}

/* Parse H2CData PDUs from the wire: check each, rebuild the data; how many PDUs. */
static int parse_h2c(uint8_t *out, uint32_t *lo, uint32_t *hi, uint32_t maxh2cdata, bool hd,
		     bool dd, uint16_t cccid, uint16_t ttag)
{
	size_t pos = 0;
	int n = 0;

	*lo = UINT32_MAX;
	*hi = 0;
	while (pos < g_wire.len) {
		struct nvme_tcp_data d;

		memcpy(&d, g_wire.buf + pos, sizeof(d));
		CU_ASSERT_EQUAL_FATAL(d.hdr.type, NVME_TCP_PDU_H2C_DATA);
		CU_ASSERT_EQUAL(d.hdr.hlen, 24);
		CU_ASSERT_EQUAL(d.hdr.pdo, 24 + (hd ? 4 : 0));
		CU_ASSERT_EQUAL(d.hdr.plen, d.hdr.pdo + d.datal + (dd ? 4 : 0));
		CU_ASSERT(d.datal > 0 && d.datal <= maxh2cdata);
		CU_ASSERT_EQUAL(d.cccid, cccid);
		CU_ASSERT_EQUAL(d.ttag, ttag);
		CU_ASSERT_EQUAL(!!(d.hdr.flags & NVME_TCP_F_HDGST), hd);
		CU_ASSERT_EQUAL(!!(d.hdr.flags & NVME_TCP_F_DDGST), dd);
		CU_ASSERT_EQUAL(d.hdr.flags & NVME_TCP_F_DATA_SUCCESS, 0);
		if (hd) {
			uint32_t v;

			memcpy(&v, g_wire.buf + pos + 24, 4);
			CU_ASSERT_EQUAL(v, nvme_tcp_digest(g_wire.buf + pos, 24));
		}
		/* In order, no gap. */
		if (n > 0)
			CU_ASSERT_EQUAL(d.datao, *hi);
		if (d.datao < *lo)
			*lo = d.datao;
		*hi = d.datao + d.datal;
		memcpy(out + d.datao, g_wire.buf + pos + d.hdr.pdo, d.datal);
		if (dd) {
			uint32_t v;

			memcpy(&v, g_wire.buf + pos + d.hdr.pdo + d.datal, 4);
			CU_ASSERT_EQUAL(v, nvme_tcp_digest(g_wire.buf + pos + d.hdr.pdo, d.datal));
		}
		pos += d.hdr.plen;
		n++;
		/* LAST_PDU on the last one only. */
		CU_ASSERT_EQUAL(!!(d.hdr.flags & NVME_TCP_F_DATA_LAST), pos == g_wire.len);
	}
	CU_ASSERT_EQUAL(pos, g_wire.len);
	return n;
}

static void test_h2c_chunks(void)
{
	static uint8_t data[20000], out[20000];
	static struct nvme_tcp_tx_pdu pdus[8];
	struct iovec iov[3] = {{data, 333}, {data + 333, 10000}, {data + 10333, 9667}};
	struct nvme_tcp_r2t r2t = {.cccid = 5, .ttag = 0x4242, .r2to = 1000, .r2tl = 9000};
	struct nvme_tcp_h2c h;
	uint32_t lo, hi;

	for (uint32_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 13 + i / 256);
	for (int dg = 0; dg < 4; dg++) {
		struct nvme_tcp_digests d = {dg & 1, (dg & 2) != 0};
		const uint32_t maxes[] = {4096, 8192, 9000, 65536, 4097};

		for (size_t m = 0; m < sizeof(maxes) / sizeof(maxes[0]); m++) {
			int k = 0, rc;

			nvme_tcp_tx_init(&g_tx);
			wire_reset(0);
			memset(out, 0, sizeof(out));
			CU_ASSERT_EQUAL_FATAL(nvme_tcp_h2c_init(&h, &r2t, iov, 3, 20000), 0);
			while ((rc = nvme_tcp_h2c_next(&h, &g_tx, &pdus[k], maxes[m], d)) == 1)
				k++;
			CU_ASSERT_EQUAL(rc, 0);
			CU_ASSERT(nvme_tcp_h2c_done(&h));
			CU_ASSERT_EQUAL(k, (int)((9000 + maxes[m] - 1) / maxes[m]));
			CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, wire_write, &g_wire), 0);
			CU_ASSERT_EQUAL(
			    parse_h2c(out, &lo, &hi, maxes[m], d.hdgst, d.ddgst, 5, 0x4242), k);
			CU_ASSERT_EQUAL(lo, 1000);
			CU_ASSERT_EQUAL(hi, 10000);
			CU_ASSERT_EQUAL(memcmp(out + 1000, data + 1000, 9000), 0);
		}
	}
	/* The R2T's range checked against the command's data. */
	r2t.r2to = 19000;
	r2t.r2tl = 1001;
	CU_ASSERT_EQUAL(nvme_tcp_h2c_init(&h, &r2t, iov, 3, 20000), -ERANGE);
	r2t.r2to = 0xffffff00u;
	r2t.r2tl = 0x200;
	CU_ASSERT_EQUAL(nvme_tcp_h2c_init(&h, &r2t, iov, 3, 20000), -ERANGE);
	r2t.r2to = 0;
	r2t.r2tl = 0;
	CU_ASSERT_EQUAL(nvme_tcp_h2c_init(&h, &r2t, iov, 3, 20000), -EPROTO);
}

/* A chunk needing more iovecs than the queue has left gets shorter, not refused. */
static void test_h2c_few_iovecs(void)
{
	static uint8_t data[4096], out[4096];
	static struct iovec iov[512];
	static struct nvme_tcp_tx_pdu pdus[16];
	struct nvme_tcp_r2t r2t = {.cccid = 1, .ttag = 2, .r2to = 0, .r2tl = 4096};
	struct nvme_tcp_h2c h;
	uint32_t lo, hi;
	int k = 0, rc;

	for (int i = 0; i < 512; i++)
		iov[i] = (struct iovec){data + 8 * i, 8};
	for (uint32_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 31);
	nvme_tcp_tx_init(&g_tx);
	wire_reset(0);
	CU_ASSERT_EQUAL_FATAL(nvme_tcp_h2c_init(&h, &r2t, iov, 512, 4096), 0);
	for (;;) {
		rc = nvme_tcp_h2c_next(&h, &g_tx, &pdus[k % 16], 65536,
				       (struct nvme_tcp_digests){true, true});
		if (rc == -EAGAIN) {
			CU_ASSERT_EQUAL_FATAL(nvme_tcp_tx_flush(&g_tx, wire_write, &g_wire), 0);
			continue;
		}
		if (rc != 1)
			break;
		k++;
	}
	CU_ASSERT_EQUAL(rc, 0);
	CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, wire_write, &g_wire), 0);
	CU_ASSERT(k >= 5); /* 512 iovecs, at most 126 a PDU */
	CU_ASSERT_EQUAL(parse_h2c(out, &lo, &hi, 65536, true, true, 1, 2), k);
	CU_ASSERT_EQUAL(memcmp(out, data, sizeof(data)), 0);
}

/* Partial writes: the cursor resumes exactly where the writer stopped. */
static void test_tx_partial(void)
{
	static uint8_t data[5000], ref[6000];
	struct nvme_tcp_tx_pdu p1, p2;
	struct pnvme_cmd cmd;
	struct iovec iov[2] = {{data, 17}, {data + 17, 4983}};
	size_t ref_len;
	const size_t chunks[] = {1, 5, 13, 71, 4096};

	memset(&cmd, 0, sizeof(cmd));
	for (uint32_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 3);
	nvme_tcp_tx_init(&g_tx);
	wire_reset(0);
	nvme_tcp_capsule_cmd(&g_tx, &p1, &cmd, iov, 2, 5000, true, 8192,
			     (struct nvme_tcp_digests){true, true});
	nvme_tcp_icreq(&g_tx, &p2, 1, 0, 0);
	CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, wire_write, &g_wire), 0);
	ref_len = g_wire.len;
	memcpy(ref, g_wire.buf, ref_len);
	for (size_t c = 0; c < sizeof(chunks) / sizeof(chunks[0]); c++) {
		int rc, spins = 0;

		nvme_tcp_tx_init(&g_tx);
		wire_reset(chunks[c]);
		nvme_tcp_capsule_cmd(&g_tx, &p1, &cmd, iov, 2, 5000, true, 8192,
				     (struct nvme_tcp_digests){true, true});
		nvme_tcp_icreq(&g_tx, &p2, 1, 0, 0);
		/* The writer takes chunk bytes a call and then says "full" once in a while. */
		do {
			rc = nvme_tcp_tx_flush(&g_tx, wire_write, &g_wire);
		} while (rc != 0 && ++spins < 100000);
		CU_ASSERT_EQUAL(rc, 0);
		CU_ASSERT_EQUAL(g_wire.len, ref_len);
		CU_ASSERT_EQUAL(memcmp(g_wire.buf, ref, ref_len), 0);
		CU_ASSERT(nvme_tcp_tx_empty(&g_tx));
	}
}

/* A writer that takes at most g_budget bytes in all, then says "full". */
static size_t g_budget;

static ssize_t budget_write(void *ctx, const struct iovec *iov, int iovcnt)
{
	size_t n = 0;

	(void)ctx;
	for (int i = 0; i < iovcnt; i++)
		n += iov[i].iov_len;
	if (n > g_budget)
		n = g_budget;
	g_budget -= n;
	return (ssize_t)n;
}

/*
 * Marks: a PDU's memory is passed only when every byte of it went to the
 * writer, however the writes split it and whatever is queued after it.
 */
static void test_tx_mark(void)
{
	static uint8_t data[5000];
	struct nvme_tcp_tx_pdu p1, p2, p3;
	struct pnvme_cmd cmd;
	struct iovec iov[2] = {{data, 17}, {data + 17, 4983}};
	size_t len1 = 72 + 4 + 5000 + 4, len2 = 128; /* header + hdgst, data, ddgst; ICReq */
	uint64_t m1, m2, m3;

	memset(&cmd, 0, sizeof(cmd));
	nvme_tcp_tx_init(&g_tx);
	CU_ASSERT(nvme_tcp_tx_passed(&g_tx, nvme_tcp_tx_mark(&g_tx))); /* nothing queued */
	CU_ASSERT_EQUAL(nvme_tcp_capsule_cmd(&g_tx, &p1, &cmd, iov, 2, 5000, true, 8192,
					     (struct nvme_tcp_digests){true, true}),
			0);
	m1 = nvme_tcp_tx_mark(&g_tx);
	CU_ASSERT_EQUAL(nvme_tcp_icreq(&g_tx, &p2, 0, 0, 0), 0);
	m2 = nvme_tcp_tx_mark(&g_tx);
	CU_ASSERT(!nvme_tcp_tx_passed(&g_tx, m1));
	/* Header only, then all but the last byte of the data digest: not passed. */
	g_budget = 76;
	CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, budget_write, NULL), 1);
	CU_ASSERT(!nvme_tcp_tx_passed(&g_tx, m1));
	g_budget = len1 - 76 - 1;
	CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, budget_write, NULL), 1);
	CU_ASSERT(!nvme_tcp_tx_passed(&g_tx, m1));
	/* The last byte: passed, the ICReq behind it not. */
	g_budget = 1;
	CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, budget_write, NULL), 1);
	CU_ASSERT(nvme_tcp_tx_passed(&g_tx, m1));
	CU_ASSERT(!nvme_tcp_tx_passed(&g_tx, m2));
	/* More queued after a partial write (the queue compacts): marks still count. */
	g_budget = 10;
	CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, budget_write, NULL), 1);
	CU_ASSERT_EQUAL(nvme_tcp_icreq(&g_tx, &p3, 0, 0, 0), 0);
	m3 = nvme_tcp_tx_mark(&g_tx);
	CU_ASSERT(m3 > m2);
	g_budget = len2 - 10;
	CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, budget_write, NULL), 1);
	CU_ASSERT(nvme_tcp_tx_passed(&g_tx, m2));
	CU_ASSERT(!nvme_tcp_tx_passed(&g_tx, m3));
	g_budget = len2;
	CU_ASSERT_EQUAL(nvme_tcp_tx_flush(&g_tx, budget_write, NULL), 0);
	CU_ASSERT(nvme_tcp_tx_passed(&g_tx, m3));
	CU_ASSERT(nvme_tcp_tx_empty(&g_tx));
}

/* Writer that stops after budget bytes (0 = "socket full"), a reset per round. */
static ssize_t sock_write(void *ctx, const struct iovec *iov, int iovcnt)
{
	int fd = *(int *)ctx;
	struct msghdr msg = {.msg_iov = (struct iovec *)(uintptr_t)iov,
			     .msg_iovlen = (size_t)iovcnt};
	ssize_t n = sendmsg(fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);

	if (n < 0)
		return errno == EAGAIN ? 0 : -errno;
	return n;
}

/* A real socket with a small send buffer: flush returns "some left", then finishes. */
static void test_tx_socketpair(void)
{
	static uint8_t data[256 * 1024], got[300 * 1024];
	static struct nvme_tcp_tx_pdu pdus[80];
	struct nvme_tcp_r2t r2t = {.cccid = 1, .ttag = 1, .r2to = 0, .r2tl = sizeof(data)};
	struct iovec iov = {data, sizeof(data)};
	struct nvme_tcp_h2c h;
	int sv[2], sndbuf = 4096, partial = 0, rc, k = 0;
	size_t have = 0;
	uint32_t lo, hi;

	CU_ASSERT_FATAL(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	fcntl(sv[1], F_SETFL, O_NONBLOCK);
	for (uint32_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 11 + 1);
	nvme_tcp_tx_init(&g_tx);
	CU_ASSERT_EQUAL_FATAL(nvme_tcp_h2c_init(&h, &r2t, &iov, 1, sizeof(data)), 0);
	/* Queue PDUs while the queue takes them (3 iovecs each), send, read the other end. */
	for (int spins = 0; spins < 1000000; spins++) {
		while (k < 80 && (rc = nvme_tcp_h2c_next(&h, &g_tx, &pdus[k], 4096,
							 (struct nvme_tcp_digests){0, 1})) == 1)
			k++;
		rc = nvme_tcp_tx_flush(&g_tx, sock_write, &sv[0]);
		CU_ASSERT_FATAL(rc >= 0);
		partial += rc == 1;
		ssize_t n = read(sv[1], got + have, sizeof(got) - have);

		if (n > 0)
			have += (size_t)n;
		if (rc == 0 && n <= 0 && nvme_tcp_h2c_done(&h))
			break;
	}
	CU_ASSERT_EQUAL(k, 64);
	CU_ASSERT(partial > 0);
	close(sv[0]);
	close(sv[1]);
	memcpy(g_wire.buf, got, have);
	g_wire.len = have;
	static uint8_t out[256 * 1024];

	CU_ASSERT_EQUAL(parse_h2c(out, &lo, &hi, 4096, false, true, 1, 1), 64);
	CU_ASSERT_EQUAL(memcmp(out, data, sizeof(data)), 0);
}

static void test_term_build(void)
{
	uint8_t out[NVME_TCP_TERM_MAX_PLEN], bad[200];
	const struct nvme_tcp_term *t = (const struct nvme_tcp_term *)out;
	uint32_t fei;

	memset(bad, 0xee, sizeof(bad));
	CU_ASSERT_EQUAL(nvme_tcp_h2c_term(out, NVME_TCP_FES_HDGST, 0x01020304, bad, 200), 152);
	CU_ASSERT_EQUAL(t->hdr.type, NVME_TCP_PDU_H2C_TERM);
	CU_ASSERT_EQUAL(t->hdr.hlen, 24);
	CU_ASSERT_EQUAL(t->hdr.plen, 152);
	CU_ASSERT_EQUAL(t->fes, NVME_TCP_FES_HDGST);
	memcpy(&fei, out + 10, 4);
	CU_ASSERT_EQUAL(fei, 0x01020304);
	CU_ASSERT_EQUAL(out[151], 0xee);
	CU_ASSERT_EQUAL(nvme_tcp_h2c_term(out, 1, 0, bad, 24), 48);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"CRC32C: known vectors, streaming over iovecs", test_crc_vectors},
		{"ICResp first, alone; digests set after it", test_rx_icresp},
		{"each C2H type, digests on/off, fed 1..4096 bytes a read; C2HData placed in 3 iovecs",
		 test_rx_stream},
		{"C2HTermReq delivered, then the connection is over", test_rx_term},
		{"malformed PDUs refused, field by field, nothing placed", test_rx_malformed},
		{"c2h_buf iovecs shorter than its length: refused", test_rx_short_iovecs},
		{"stage: a burst of responses in one read, big data read in place", test_rx_stage},
		{"ICReq fields", test_icreq},
		{"CapsuleCmd: in-capsule writes, transport SGL otherwise, digests", test_capsule_cmd},
		{"send queue full: -EAGAIN, nothing half queued", test_tx_full},
		{"R2T answered in H2CData chunks of at most MAXH2CDATA", test_h2c_chunks},
		{"H2CData chunk shortened to the iovecs the queue has", test_h2c_few_iovecs},
		{"partial writes resume at the cursor", test_tx_partial},
		{"send marks: passed only when every byte went", test_tx_mark},
		{"socketpair with a 4 KiB send buffer", test_tx_socketpair},
		{"H2CTermReq", test_term_build},
		{NULL, NULL},
	};

	test_add_suite("tcp_pdu", NULL, NULL, tests);
	return test_run_all();
}
