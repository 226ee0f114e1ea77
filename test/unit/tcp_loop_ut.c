/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe/TCP end to end without lib/nvme: lib/tcp's connection against a tiny
 * fake target, a thread of this test on 127.0.0.1 with blocking sockets. It
 * answers the ICReq, a fabrics Connect (in-capsule connect data), Property Get
 * and Set, reads (C2HData, with and without SUCCESS) and writes (R2T/H2CData,
 * in-capsule), with and without digests; and it misbehaves on request, so the
 * host's refusals (ICResp fields, timeouts, TermReq) are seen on a real socket.
 */
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/tcp_target.h"
#include "common/test_env.h"
#include "tcp/conn.h"
#include "tcp/digest.h"
#include "tcp/nvmf.h"

#define SUBNQN "nqn.2024-01.io.pnvme:loop"
#define CNTLID 0x1234
#define CAP_VALUE 0x0020003c0f0107ffull
#define MAXH2C 4096u

/* ------------------------------------------------------------ the fake target */

enum misbehave {
	GOOD,
	ICRESP_SMALL_MAXH2C,
	ICRESP_CPDA,
	ICRESP_PFV,
	ICRESP_EXTRA_DIGEST,
	ICRESP_NEVER,
	TERM_FOR_ICREQ,
	BAD_PDU_AFTER_CONNECT,
};

struct target {
	int lfd, fd;
	char port[8];
	enum misbehave how;
	bool hd, dd;	    /* negotiated, from the ICReq */
	uint64_t cc;	    /* Property Set CC */
	uint8_t mem[65536]; /* the namespace, byte addressed by cdw10 */
	char err[256];	    /* the first thing that went wrong, for the main thread */
	pthread_t thread;
};

/* The H2CTermReq the last target received. */
static struct nvme_tcp_term g_term_seen;
static int g_terms;

static void t_fail(struct target *t, const char *what)
{
	if (t->err[0] == '\0')
		snprintf(t->err, sizeof(t->err), "target: %s", what);
}

/* A host PDU: header (digest checked), data (digest checked) into data. */
static int t_recv(struct target *t, union nvme_tcp_pdu_hdr *h, uint8_t *data, uint32_t *data_len)
{
	uint32_t hd, dd, dlen;

	if (tt_read_full(t->fd, h, 8) != 0)
		return -1;
	hd = (h->common.flags & NVME_TCP_F_HDGST) ? 4 : 0;
	dd = (h->common.flags & NVME_TCP_F_DDGST) ? 4 : 0;
	if (h->common.hlen < 8 || h->common.hlen > 128 ||
	    tt_read_full(t->fd, h->raw + 8, h->common.hlen - 8 + hd))
		return -1;
	if (hd) {
		uint32_t v;

		memcpy(&v, h->raw + h->common.hlen, 4);
		if (v != nvme_tcp_digest(h->raw, h->common.hlen))
			t_fail(t, "header digest");
	}
	if (!!hd != t->hd && h->common.type != NVME_TCP_PDU_ICREQ &&
	    h->common.type != NVME_TCP_PDU_H2C_TERM)
		t_fail(t, "HDGST flag not as negotiated");
	dlen = h->common.pdo ? h->common.plen - h->common.pdo - dd : 0;
	if (h->common.pdo && h->common.pdo != h->common.hlen + hd)
		t_fail(t, "pdo");
	if (!h->common.pdo && h->common.plen != h->common.hlen + hd &&
	    h->common.type != NVME_TCP_PDU_H2C_TERM)
		t_fail(t, "plen without data");
	if (h->common.type == NVME_TCP_PDU_H2C_TERM)
		dlen = h->common.plen - h->common.hlen;
	if (dlen > sizeof(t->mem) || tt_read_full(t->fd, data, dlen) != 0)
		return -1;
	if (dd) {
		uint32_t v;

		if (tt_read_full(t->fd, &v, 4) != 0)
			return -1;
		if (v != nvme_tcp_digest(data, dlen))
			t_fail(t, "data digest");
	}
	*data_len = dlen;
	return 0;
}

static void t_send_hdr(struct target *t, void *h, uint32_t hlen, const void *data, uint32_t dlen,
		       uint8_t pad)
{
	struct nvme_tcp_hdr *c = h;
	uint8_t buf[128 + 4 + 64 + 4] = {0};
	uint32_t hd = t->hd ? 4 : 0, dd = t->dd && dlen ? 4 : 0;

	c->flags |= (uint8_t)((t->hd ? NVME_TCP_F_HDGST : 0) | (dd ? NVME_TCP_F_DDGST : 0));
	c->hlen = (uint8_t)hlen;
	c->pdo = (uint8_t)(dlen ? hlen + hd + pad : 0);
	c->plen = hlen + hd + (dlen ? pad + dlen + dd : 0);
	memcpy(buf, h, hlen);
	if (hd) {
		uint32_t v = nvme_tcp_digest(h, hlen);

		memcpy(buf + hlen, &v, 4);
	}
	tt_write_full(t->fd, buf, hlen + hd + (dlen ? pad : 0));
	if (dlen) {
		tt_write_full(t->fd, data, dlen);
		if (dd) {
			uint32_t v = nvme_tcp_digest(data, dlen);

			tt_write_full(t->fd, &v, 4);
		}
	}
}

static void t_resp(struct target *t, uint16_t cid, uint16_t status, uint64_t value)
{
	struct nvme_tcp_capsule_resp r;

	memset(&r, 0, sizeof(r));
	r.hdr.type = NVME_TCP_PDU_CAPSULE_RESP;
	r.cqe.cid = cid;
	r.cqe.cdw0 = (uint32_t)value;
	r.cqe.cdw1 = (uint32_t)(value >> 32);
	r.cqe.status_raw = (uint16_t)(status << 1);
	t_send_hdr(t, &r, sizeof(r), NULL, 0, 0);
}

static void t_icresp(struct target *t, const struct nvme_tcp_icreq *req)
{
	struct nvme_tcp_icresp r;

	if (req->pfv != 0 || req->hpda != 0 || req->hdr.plen != 128 || req->hdr.hlen != 128)
		t_fail(t, "ICReq fields");
	if (t->how == ICRESP_NEVER) {
		uint8_t b;

		(void)read(t->fd, &b, 1); /* until the host gives up and closes */
		return;
	}
	if (t->how == TERM_FOR_ICREQ) {
		struct nvme_tcp_term term;

		memset(&term, 0, sizeof(term));
		term.hdr.type = NVME_TCP_PDU_C2H_TERM;
		term.hdr.hlen = 24;
		term.hdr.plen = 24;
		term.fes = NVME_TCP_FES_UNSUPPORTED_PARAM;
		tt_write_full(t->fd, &term, sizeof(term));
		return;
	}
	memset(&r, 0, sizeof(r));
	r.hdr.type = NVME_TCP_PDU_ICRESP;
	r.hdr.hlen = 128;
	r.hdr.plen = 128;
	r.dgst = req->dgst;
	r.maxh2cdata = MAXH2C;
	if (t->how == ICRESP_SMALL_MAXH2C)
		r.maxh2cdata = 1024;
	if (t->how == ICRESP_CPDA)
		r.cpda = 1;
	if (t->how == ICRESP_PFV)
		r.pfv = 1;
	if (t->how == ICRESP_EXTRA_DIGEST)
		r.dgst = NVME_TCP_DGST_HDGST_ENABLE | NVME_TCP_DGST_DDGST_ENABLE;
	t->hd = req->dgst & NVME_TCP_DGST_HDGST_ENABLE;
	t->dd = req->dgst & NVME_TCP_DGST_DDGST_ENABLE;
	tt_write_full(t->fd, &r, sizeof(r));
}

static void t_connect(struct target *t, const struct pnvme_cmd *cmd, const uint8_t *data,
		      uint32_t len)
{
	const struct nvmf_connect_cmd *c = (const struct nvmf_connect_cmd *)cmd;
	const struct nvmf_connect_data *d = (const struct nvmf_connect_data *)data;

	if (len != 1024 || cmd->dptr.sgl.id != 0x01 || cmd->dptr.sgl.length != 1024)
		t_fail(t, "connect data not in the capsule");
	else if (c->qid != 0 || c->sqsize != 31 || c->kato != 30000 || d->cntlid != 0xffff ||
		 strcmp(d->subnqn, SUBNQN) != 0 ||
		 strncmp(d->hostnqn, "nqn.2014-08.org.nvmexpress:uuid:", 32) != 0)
		t_fail(t, "connect fields");
	t_resp(t, cmd->cid, 0, CNTLID);
	if (t->how == BAD_PDU_AFTER_CONNECT) {
		/* hlen 25: refused; the host should answer with a H2CTermReq. */
		uint8_t bad[8] = {NVME_TCP_PDU_CAPSULE_RESP, 0, 25, 0, 25, 0, 0, 0};

		tt_write_full(t->fd, bad, sizeof(bad));
	}
}

/* A read: cdw10 is the byte offset, the SGL's length the size; C2HData in 5000-byte PDUs. */
static void t_read(struct target *t, const struct pnvme_cmd *cmd)
{
	uint32_t off = cmd->cdw10, len = cmd->dptr.sgl.length;
	bool success = cmd->cdw11 & 1; /* the test asks for SUCCESS instead of a CapsuleResp */

	if (cmd->dptr.sgl.id != 0x5a || off + len > sizeof(t->mem)) {
		t_fail(t, "read descriptor");
		return;
	}
	for (uint32_t done = 0; done < len;) {
		struct nvme_tcp_data d;
		uint32_t n = len - done < 5000 ? len - done : 5000;

		memset(&d, 0, sizeof(d));
		d.hdr.type = NVME_TCP_PDU_C2H_DATA;
		if (done + n == len)
			d.hdr.flags = (uint8_t)(NVME_TCP_F_DATA_LAST |
						(success ? NVME_TCP_F_DATA_SUCCESS : 0));
		d.cccid = cmd->cid;
		d.datao = done;
		d.datal = n;
		t_send_hdr(t, &d, sizeof(d), t->mem + off + done, n, done == 0 ? 4 : 0);
		done += n;
	}
	if (!success)
		t_resp(t, cmd->cid, 0, 0);
}

/* A write: in the capsule, or R2Ts of at most 12000 bytes, one at a time (MAXR2T 0). */
static void t_write(struct target *t, const struct pnvme_cmd *cmd, const uint8_t *icd,
		    uint32_t icd_len)
{
	uint32_t off = cmd->cdw10, len = cmd->dptr.sgl.length;
	static uint8_t buf[65536];

	if (off + len > sizeof(t->mem)) {
		t_fail(t, "write range");
		return;
	}
	if (cmd->dptr.sgl.id == 0x01) {
		if (icd_len != len)
			t_fail(t, "in-capsule length");
		memcpy(t->mem + off, icd, icd_len);
		t_resp(t, cmd->cid, 0, 0);
		return;
	}
	if (cmd->dptr.sgl.id != 0x5a || icd_len != 0)
		t_fail(t, "write descriptor");
	for (uint32_t r2to = 0; r2to < len;) {
		struct nvme_tcp_r2t r;
		uint32_t r2tl = len - r2to < 12000 ? len - r2to : 12000, got = 0;
		bool last = false;

		memset(&r, 0, sizeof(r));
		r.hdr.type = NVME_TCP_PDU_R2T;
		r.cccid = cmd->cid;
		r.ttag = (uint16_t)(0x100 + r2to / 12000);
		r.r2to = r2to;
		r.r2tl = r2tl;
		t_send_hdr(t, &r, sizeof(r), NULL, 0, 0);
		while (!last) {
			union nvme_tcp_pdu_hdr h;
			uint32_t n;

			if (t_recv(t, &h, buf, &n) != 0) {
				t_fail(t, "H2CData lost");
				return;
			}
			if (h.common.type != NVME_TCP_PDU_H2C_DATA || h.data.cccid != cmd->cid ||
			    h.data.ttag != r.ttag || h.data.datao != r2to + got ||
			    n != h.data.datal || n > MAXH2C || got + n > r2tl) {
				t_fail(t, "H2CData fields");
				return;
			}
			memcpy(t->mem + off + h.data.datao, buf, n);
			got += n;
			last = h.common.flags & NVME_TCP_F_DATA_LAST;
		}
		if (got != r2tl)
			t_fail(t, "H2CData short of the R2T");
		r2to += r2tl;
	}
	t_resp(t, cmd->cid, 0, 0);
}

static void *target_main(void *arg)
{
	struct target *t = arg;
	static uint8_t data[65536];
	union nvme_tcp_pdu_hdr h;
	uint32_t n;

	if (t->lfd >= 0)
		t->fd = accept(t->lfd, NULL, NULL);
	if (t->fd < 0)
		return NULL;
	if (t_recv(t, &h, data, &n) != 0 || h.common.type != NVME_TCP_PDU_ICREQ) {
		t_fail(t, "no ICReq");
		goto out;
	}
	t_icresp(t, &h.icreq);
	while (t_recv(t, &h, data, &n) == 0) {
		const struct pnvme_cmd *cmd = &h.cmd.sqe;

		if (h.common.type == NVME_TCP_PDU_H2C_TERM) {
			memcpy(&g_term_seen, &h.term, sizeof(g_term_seen));
			g_terms++;
			break;
		}
		if (h.common.type != NVME_TCP_PDU_CAPSULE_CMD) {
			t_fail(t, "not a command");
			break;
		}
		if (cmd->opc == NVMF_OPC_FABRICS) {
			const struct nvmf_property_cmd *p = (const struct nvmf_property_cmd *)cmd;

			if (p->fctype == NVMF_FCTYPE_CONNECT) {
				t_connect(t, cmd, data, n);
			} else if (p->fctype == NVMF_FCTYPE_PROPERTY_GET) {
				t_resp(t, cmd->cid, 0,
				       p->offset == 0 && p->attrib == 1 ? CAP_VALUE : 0);
			} else if (p->fctype == NVMF_FCTYPE_PROPERTY_SET) {
				t->cc = p->value;
				t_resp(t, cmd->cid, p->offset == 0x14 && p->attrib == 0 ? 0 : 2, 0);
			} else {
				t_resp(t, cmd->cid, 1, 0);
			}
		} else if (cmd->opc == 0x02) {
			t_read(t, cmd);
		} else if (cmd->opc == 0x01) {
			t_write(t, cmd, data, n);
		} else {
			t_resp(t, cmd->cid, 1, 0);
		}
	}
out:
	close(t->fd);
	return NULL;
}

static struct target *target_start_af(enum misbehave how, int af)
{
	struct target *t = calloc(1, sizeof(*t));
	struct sockaddr_storage ss;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	socklen_t alen = af == AF_INET ? sizeof(*a4) : sizeof(*a6);

	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		a4->sin_family = AF_INET;
		a4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	} else {
		a6->sin6_family = AF_INET6;
		a6->sin6_addr = in6addr_loopback;
	}
	t->how = how;
	t->lfd = socket(af, SOCK_STREAM, 0);
	if (t->lfd < 0 || bind(t->lfd, (struct sockaddr *)&ss, alen) != 0 ||
	    listen(t->lfd, 1) != 0 || getsockname(t->lfd, (struct sockaddr *)&ss, &alen) != 0) {
		/* Only IPv6 may be missing here (a container without it). */
		if (af == AF_INET)
			abort();
		if (t->lfd >= 0)
			close(t->lfd);
		free(t);
		return NULL;
	}
	snprintf(t->port, sizeof(t->port), "%u",
		 ntohs(af == AF_INET ? a4->sin_port : a6->sin6_port));
	for (uint32_t i = 0; i < sizeof(t->mem); i++)
		t->mem[i] = (uint8_t)(i * 7 + i / 251);
	pthread_create(&t->thread, NULL, target_main, t);
	return t;
}

static struct target *target_start(enum misbehave how)
{
	return target_start_af(how, AF_INET);
}

/* A target on one end of a socketpair (for nvme_tcp_conn_start()); *host_fd the other. */
static struct target *target_start_pair(int *host_fd)
{
	struct target *t = calloc(1, sizeof(*t));
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) != 0)
		abort();
	t->how = GOOD;
	t->lfd = -1;
	t->fd = sv[1];
	*host_fd = sv[0];
	pthread_create(&t->thread, NULL, target_main, t);
	return t;
}

/* Join the target; its first complaint, if any, fails the test. */
static void target_stop(struct target *t)
{
	pthread_join(t->thread, NULL);
	if (t->lfd >= 0)
		close(t->lfd);
	if (t->err[0])
		fprintf(stderr, "\n  %s\n", t->err);
	CU_ASSERT_STRING_EQUAL(t->err, "");
	free(t);
}

/* ------------------------------------------------------------ the host */

#define CIDS 8
struct host_cmd {
	struct iovec iov[4];
	int iovcnt;
	uint32_t len;
	bool done;
	struct pnvme_cpl cpl;
	struct nvme_tcp_tx_pdu cmd_pdu;
	struct nvme_tcp_tx_pdu h2c_pdu[8];
	int h2c_used;
	struct nvme_tcp_h2c h2c;
};

struct host {
	struct nvme_tcp_conn conn;
	struct host_cmd c[CIDS];
	int r2ts;
	int c2h_pdus;
};

static int h_cpl(void *ctx, const struct pnvme_cpl *cpl)
{
	struct host *h = ctx;

	if (cpl->cid >= CIDS || h->c[cpl->cid].done)
		return -EPROTO;
	h->c[cpl->cid].done = true;
	h->c[cpl->cid].cpl = *cpl;
	return 0;
}

static int h_c2h_buf(void *ctx, uint16_t cid, const struct iovec **iov, int *iovcnt, uint32_t *len)
{
	struct host *h = ctx;

	if (cid >= CIDS || h->c[cid].iovcnt == 0)
		return -ENOENT;
	*iov = h->c[cid].iov;
	*iovcnt = h->c[cid].iovcnt;
	*len = h->c[cid].len;
	return 0;
}

static int h_c2h_done(void *ctx, const struct nvme_tcp_data *d)
{
	(void)d;
	((struct host *)ctx)->c2h_pdus++;
	return 0;
}

/* Answer the R2T: every chunk queued now (one PDU store per chunk). */
static int h_r2t(void *ctx, const struct nvme_tcp_r2t *r2t)
{
	struct host *h = ctx;
	int rc;

	if (r2t->cccid >= CIDS)
		return -EPROTO;
	struct host_cmd *c = &h->c[r2t->cccid];

	h->r2ts++;
	rc = nvme_tcp_h2c_init(&c->h2c, r2t, c->iov, c->iovcnt, c->len);
	if (rc != 0)
		return rc;
	c->h2c_used = 0;
	while (c->h2c_used < 8 &&
	       (rc = nvme_tcp_h2c_next(&c->h2c, &h->conn.tx, &c->h2c_pdu[c->h2c_used],
				       h->conn.maxh2cdata, h->conn.dg)) == 1)
		c->h2c_used++;
	return rc < 0 ? rc : 0;
}

static const struct nvme_tcp_rx_ops g_host_ops = {
	.cpl = h_cpl,
	.r2t = h_r2t,
	.c2h_buf = h_c2h_buf,
	.c2h_done = h_c2h_done,
};

/* Poll until command cid completes: 0, or the connection's error, or -ETIMEDOUT. */
static int h_wait(struct host *h, uint16_t cid)
{
	for (int i = 0; i < 5000 && !h->c[cid].done; i++) {
		int rc = nvme_tcp_conn_poll(&h->conn, 16);

		if (rc < 0)
			return rc;
		if (rc == 0)
			nvme_tcp_sock_wait(&h->conn.sock, POLLIN, 1);
	}
	return h->c[cid].done ? 0 : -ETIMEDOUT;
}

static int h_submit(struct host *h, struct pnvme_cmd *cmd, uint16_t cid, bool write,
		    uint32_t icd_max)
{
	cmd->cid = cid;
	h->c[cid].done = false;
	return nvme_tcp_capsule_cmd(&h->conn.tx, &h->c[cid].cmd_pdu, cmd, h->c[cid].iov,
				    h->c[cid].iovcnt, h->c[cid].len, write, icd_max, h->conn.dg);
}

static const struct nvme_tcp_conn_opts *opts_for(bool hd, bool dd)
{
	static struct nvme_tcp_conn_opts o;

	o = (struct nvme_tcp_conn_opts){.hdgst = hd, .ddgst = dd, .maxr2t = 0, .timeout_ms = 3000};
	return &o;
}

static void end_to_end(bool hd, bool dd, bool v6)
{
	struct target *t = target_start_af(GOOD, v6 ? AF_INET6 : AF_INET);
	struct host *h;
	struct nvmf_connect_data cd;
	struct pnvme_cmd cmd;
	uint8_t hostid[16];
	char hostnqn[NVMF_NQN_FIELD];
	static uint8_t rbuf[20000], wbuf[20000];

	if (!t) {
		printf("(no IPv6 loopback here: skipped) ");
		return;
	}
	h = calloc(1, sizeof(*h));
	CU_ASSERT_EQUAL_FATAL(nvme_tcp_conn_connect(&h->conn, v6 ? "::1" : "127.0.0.1", t->port,
						    opts_for(hd, dd), &g_host_ops, h),
			      0);
	CU_ASSERT_EQUAL(h->conn.maxh2cdata, MAXH2C);
	CU_ASSERT_EQUAL(h->conn.dg.hdgst, hd);
	CU_ASSERT_EQUAL(h->conn.dg.ddgst, dd);

	/* Connect: admin queue, dynamic controller, connect data in the capsule. */
	CU_ASSERT_EQUAL(nvmf_host_identity(NVMF_MACHINE_ID_PATH, hostid, hostnqn, sizeof(hostnqn)),
			0);
	CU_ASSERT_EQUAL(nvmf_connect_data(&cd, hostid, NVMF_CNTLID_DYNAMIC, SUBNQN, hostnqn), 0);
	nvmf_connect_cmd(&cmd, 0, 32, 30000);
	h->c[0].iov[0] = (struct iovec){&cd, sizeof(cd)};
	h->c[0].iovcnt = 1;
	h->c[0].len = sizeof(cd);
	CU_ASSERT_EQUAL(h_submit(h, &cmd, 0, true, NVME_TCP_ADMIN_CCSZ), 0);
	CU_ASSERT_EQUAL_FATAL(h_wait(h, 0), 0);
	CU_ASSERT_EQUAL(h->c[0].cpl.status_raw, 0);
	CU_ASSERT_EQUAL(nvmf_connect_rsp_cntlid(&h->c[0].cpl), CNTLID);
	memset(&h->c[0], 0, sizeof(h->c[0]));

	/* Property Get CAP (8 bytes), Property Set CC, both queued in one send. */
	nvmf_property_get_cmd(&cmd, PNVME_REG_CAP);
	CU_ASSERT_EQUAL(h_submit(h, &cmd, 1, false, 0), 0);
	nvmf_property_set_cmd(&cmd, PNVME_REG_CC, 0x00460001);
	CU_ASSERT_EQUAL(h_submit(h, &cmd, 2, false, 0), 0);
	CU_ASSERT_EQUAL(h_wait(h, 1), 0);
	CU_ASSERT_EQUAL(h_wait(h, 2), 0);
	CU_ASSERT_EQUAL(nvmf_property_get_value(&h->c[1].cpl), CAP_VALUE);
	CU_ASSERT_EQUAL(h->c[2].cpl.status_raw, 0);
	CU_ASSERT_EQUAL(t->cc, 0x00460001);

	/* Reads into three iovecs: one ends with SUCCESS, one with a CapsuleResp. */
	for (int success = 0; success < 2; success++) {
		uint16_t cid = (uint16_t)(3 + success);

		memset(rbuf, 0, sizeof(rbuf));
		memset(&cmd, 0, sizeof(cmd));
		cmd.opc = 0x02;
		cmd.cdw10 = 1000;
		cmd.cdw11 = (uint32_t)success;
		h->c[cid].iov[0] = (struct iovec){rbuf, 3};
		h->c[cid].iov[1] = (struct iovec){rbuf + 3, 9997};
		h->c[cid].iov[2] = (struct iovec){rbuf + 10000, 6384};
		h->c[cid].iovcnt = 3;
		h->c[cid].len = 16384;
		h->c2h_pdus = 0;
		CU_ASSERT_EQUAL(h_submit(h, &cmd, cid, false, 8192), 0);
		CU_ASSERT_EQUAL(h_wait(h, cid), 0);
		CU_ASSERT_EQUAL(h->c[cid].cpl.status_raw, 0);
		CU_ASSERT_EQUAL(h->c2h_pdus, 4);
		CU_ASSERT_EQUAL(memcmp(rbuf, t->mem + 1000, 16384), 0);
		CU_ASSERT_EQUAL(rbuf[16384], 0);
	}

	/* A write beyond the in-capsule size: two R2Ts, H2CData of at most MAXH2CDATA. */
	for (uint32_t i = 0; i < sizeof(wbuf); i++)
		wbuf[i] = (uint8_t)(i * 5 + 77);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = 0x01;
	cmd.cdw10 = 30000;
	h->c[5].iov[0] = (struct iovec){wbuf, 7};
	h->c[5].iov[1] = (struct iovec){wbuf + 7, 19993};
	h->c[5].iovcnt = 2;
	h->c[5].len = 20000;
	h->r2ts = 0;
	CU_ASSERT_EQUAL(h_submit(h, &cmd, 5, true, 8192), 0);
	CU_ASSERT_EQUAL(h_wait(h, 5), 0);
	CU_ASSERT_EQUAL(h->c[5].cpl.status_raw, 0);
	CU_ASSERT_EQUAL(h->r2ts, 2);
	CU_ASSERT_EQUAL(memcmp(t->mem + 30000, wbuf, 20000), 0);

	/* A small write in the capsule. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = 0x01;
	cmd.cdw10 = 100;
	h->c[6].iov[0] = (struct iovec){wbuf + 1, 512};
	h->c[6].iovcnt = 1;
	h->c[6].len = 512;
	h->r2ts = 0;
	CU_ASSERT_EQUAL(h_submit(h, &cmd, 6, true, 8192), 0);
	CU_ASSERT_EQUAL(h_wait(h, 6), 0);
	CU_ASSERT_EQUAL(h->r2ts, 0);
	CU_ASSERT_EQUAL(memcmp(t->mem + 100, wbuf + 1, 512), 0);

	nvme_tcp_conn_close(&h->conn);
	target_stop(t);
	free(h);
}

static void test_plain(void)
{
	end_to_end(false, false, false);
}

static void test_digests(void)
{
	end_to_end(true, true, false);
	end_to_end(true, false, false);
	end_to_end(false, true, false);
}

static void test_ipv6(void)
{
	end_to_end(true, true, true);
}

/* A connection over a socket the caller connected: ICReq/ICResp, then a Property Get. */
static void test_socketpair(void)
{
	int fd;
	struct target *t = target_start_pair(&fd);
	struct host *h = calloc(1, sizeof(*h));
	struct pnvme_cmd cmd;

	CU_ASSERT_EQUAL_FATAL(nvme_tcp_conn_start(&h->conn, fd, opts_for(true, false), &g_host_ops, h),
			      0);
	CU_ASSERT_EQUAL(h->conn.maxh2cdata, MAXH2C);
	CU_ASSERT(h->conn.dg.hdgst);
	CU_ASSERT(!h->conn.dg.ddgst);
	nvmf_property_get_cmd(&cmd, PNVME_REG_CAP);
	CU_ASSERT_EQUAL(h_submit(h, &cmd, 1, false, 0), 0);
	CU_ASSERT_EQUAL(h_wait(h, 1), 0);
	CU_ASSERT_EQUAL(nvmf_property_get_value(&h->c[1].cpl), CAP_VALUE);
	nvme_tcp_conn_close(&h->conn);
	CU_ASSERT_EQUAL(h->conn.sock.fd, -1);
	target_stop(t);
	free(h);
}

/* ICResps the host must refuse, and a target that never answers. */
static void test_icresp_refused(void)
{
	static const struct {
		enum misbehave how;
		bool hd;
		int timeout_ms;
		int err;
	} cases[] = {
		{ICRESP_SMALL_MAXH2C, false, 3000, -EPROTO},
		{ICRESP_CPDA, false, 3000, -EPROTO},
		{ICRESP_PFV, true, 3000, -EPROTO},
		{ICRESP_EXTRA_DIGEST, false, 3000, -EPROTO},
		{TERM_FOR_ICREQ, false, 3000, -ECONNABORTED},
		{ICRESP_NEVER, false, 200, -ETIMEDOUT},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct target *t = target_start(cases[i].how);
		struct host *h = calloc(1, sizeof(*h));
		struct nvme_tcp_conn_opts o = {.hdgst = cases[i].hd,
					       .timeout_ms = cases[i].timeout_ms};

		CU_ASSERT_EQUAL(
		    nvme_tcp_conn_connect(&h->conn, "127.0.0.1", t->port, &o, &g_host_ops, h),
		    cases[i].err);
		CU_ASSERT_EQUAL(h->conn.sock.fd, -1);
		target_stop(t);
		free(h);
	}
}

static void test_connect_errors(void)
{
	struct host *h = calloc(1, sizeof(*h));
	struct nvme_tcp_conn_opts o = {.timeout_ms = 1000};
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	char port[8];

	/* A port nobody listens on: bound, never listening. */
	CU_ASSERT_FATAL(bind(lfd, (struct sockaddr *)&a, sizeof(a)) == 0);
	CU_ASSERT_FATAL(getsockname(lfd, (struct sockaddr *)&a, &alen) == 0);
	snprintf(port, sizeof(port), "%u", ntohs(a.sin_port));
	CU_ASSERT_EQUAL(nvme_tcp_conn_connect(&h->conn, "127.0.0.1", port, &o, &g_host_ops, h),
			-ECONNREFUSED);
	CU_ASSERT_EQUAL(nvme_tcp_conn_connect(&h->conn, "::1", port, &o, &g_host_ops, h) < 0, 1);
	CU_ASSERT_EQUAL(nvme_tcp_conn_connect(&h->conn, "300.1.1.1", "4420", &o, &g_host_ops, h),
			-EINVAL);
	CU_ASSERT_EQUAL(nvme_tcp_conn_connect(&h->conn, "localhost", "4420", &o, &g_host_ops, h),
			-EINVAL); /* names are not looked up */
	CU_ASSERT_EQUAL(nvme_tcp_conn_connect(&h->conn, "127.0.0.1", "nvme", &o, &g_host_ops, h),
			-EINVAL);
	close(lfd);
	free(h);
}

/* A malformed PDU from the target: the poll fails and closing sends a H2CTermReq. */
static void test_bad_pdu_term(void)
{
	struct target *t = target_start(BAD_PDU_AFTER_CONNECT);
	struct host *h = calloc(1, sizeof(*h));
	struct nvmf_connect_data cd;
	struct pnvme_cmd cmd;
	uint8_t hostid[16] = {1};
	int rc = 0;

	CU_ASSERT_EQUAL_FATAL(
	    nvme_tcp_conn_connect(&h->conn, "127.0.0.1", t->port, opts_for(0, 0), &g_host_ops, h),
	    0);
	nvmf_connect_data(&cd, hostid, NVMF_CNTLID_DYNAMIC, SUBNQN,
			  "nqn.2014-08.org.nvmexpress:uuid:00000000-0000-0000-0000-000000000000");
	nvmf_connect_cmd(&cmd, 0, 32, 30000);
	h->c[0].iov[0] = (struct iovec){&cd, sizeof(cd)};
	h->c[0].iovcnt = 1;
	h->c[0].len = sizeof(cd);
	CU_ASSERT_EQUAL(h_submit(h, &cmd, 0, true, NVME_TCP_ADMIN_CCSZ), 0);
	for (int i = 0; i < 5000 && rc >= 0; i++) {
		rc = nvme_tcp_conn_poll(&h->conn, 16);
		if (rc == 0)
			nvme_tcp_sock_wait(&h->conn.sock, POLLIN, 1);
	}
	/* The CapsuleResp completes the Connect; the next header's hlen 25 is refused. */
	CU_ASSERT(h->c[0].done);
	CU_ASSERT_EQUAL(rc, -EPROTO);
	CU_ASSERT_EQUAL(nvme_tcp_conn_poll(&h->conn, 1), -EPROTO);
	g_terms = 0;
	nvme_tcp_conn_close(&h->conn);
	target_stop(t);
	/* The target got a H2CTermReq: invalid header field, at byte 2 (HLEN). */
	uint32_t fei;

	memcpy(&fei, g_term_seen.fei, 4);
	CU_ASSERT_EQUAL(g_terms, 1);
	CU_ASSERT_EQUAL(g_term_seen.fes, NVME_TCP_FES_INVALID_HEADER);
	CU_ASSERT_EQUAL(fei, 2);
	CU_ASSERT_EQUAL(g_term_seen.hdr.plen, 24 + 8); /* with the 8 bytes it got */
	free(h);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"ICReq, Connect, Property Get/Set, reads (C2HData), writes (R2T/H2CData, in-capsule)",
		 test_plain},
		{"the same with header and/or data digests", test_digests},
		{"the same over IPv6 (::1)", test_ipv6},
		{"over a socketpair the caller connected (nvme_tcp_conn_start)", test_socketpair},
		{"ICResp refused: MAXH2CDATA, CPDA, PFV, digests; C2HTermReq; no answer",
		 test_icresp_refused},
		{"connect: refused port, bad addresses", test_connect_errors},
		{"malformed PDU from the target: the connection fails", test_bad_pdu_term},
		{NULL, NULL},
	};

	test_add_suite("tcp_loop", NULL, NULL, tests);
	return test_run_all();
}
