/* SPDX-License-Identifier: BSD-3-Clause */
/* A fake NVMe/TCP controller for tests (tcp_target.h). Test code only. */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tcp/digest.h"
#include "tcp/nvmf.h"
#include "tcp/pdu.h"
#include "tcp_target.h"

#define MAX_CONNS 32
#define MAX_DATA (256u * 1024u)
#define CAP_VALUE (0x7full | 1ull << 16 | 1ull << 24 | 1ull << 37) /* MQES 127, CQR, TO, NVM */

/* Commands that arrived while the connection waited for H2CData of another. */
#define BACKLOG 64
struct tt_cmd {
	union nvme_tcp_pdu_hdr h;
	uint32_t n;
	uint8_t data[8192];
};

struct tt_conn {
	struct tt_target *t;
	struct tt_cmd backlog[BACKLOG];
	int backlog_head, backlog_count;
	int fd;
	bool done, hd, dd, bad_ddgst;
	bool dropping; /* H2CData for drop_cid is thrown away (TT_EARLY_ERROR) */
	bool stalled;  /* TT_EARLY_ERROR: waits for tt_release(), stays open meanwhile */
	uint16_t drop_cid;
	uint16_t qid, cntlid;
	pthread_t thread;
	uint8_t data[MAX_DATA];
};

struct tt_target {
	int lfd;
	char port[8];
	pthread_t listener;
	pthread_mutex_t lock;
	struct tt_conn *conns[MAX_CONNS];
	enum tt_fault fault;
	uint16_t next_cntlid;
	uint16_t cntlid; /* the live controller's, 0: none */
	uint32_t cc, csts;
	int admin_connects;
	int keep_alives;
	uint32_t kato;
	int refuse; /* connections to close at their ICReq */
	int reads;
	bool released;	  /* TT_EARLY_ERROR: read again */
	uint32_t dropped; /* H2CData bytes thrown away */
	int rcvbuf;
	bool hd, dd, stopping;
	char err[256];
	uint8_t mem[TT_SECTORS * 512];
};

static void tt_err(struct tt_target *t, const char *what)
{
	pthread_mutex_lock(&t->lock);
	if (t->err[0] == '\0')
		snprintf(t->err, sizeof(t->err), "fake target: %s", what);
	pthread_mutex_unlock(&t->lock);
}

int tt_read_full(int fd, void *p, size_t len)
{
	for (size_t got = 0; got < len;) {
		ssize_t n = read(fd, (uint8_t *)p + got, len - got);

		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	return 0;
}

int tt_write_full(int fd, const void *p, size_t len)
{
	for (size_t put = 0; put < len;) {
		ssize_t n = send(fd, (const uint8_t *)p + put, len - put, MSG_NOSIGNAL);

		if (n <= 0)
			return -1;
		put += (size_t)n;
	}
	return 0;
}

/* A host PDU, digests checked; data into c->data. */
static int t_recv(struct tt_conn *c, union nvme_tcp_pdu_hdr *h, uint32_t *dlen)
{
	uint32_t hd, dd, n;

	if (tt_read_full(c->fd, h, 8) != 0)
		return -1;
	hd = (h->common.flags & NVME_TCP_F_HDGST) ? 4 : 0;
	dd = (h->common.flags & NVME_TCP_F_DDGST) ? 4 : 0;
	if (h->common.hlen < 8 || h->common.hlen > 128 ||
	    tt_read_full(c->fd, h->raw + 8, h->common.hlen - 8 + hd) != 0)
		return -1;
	if (hd) {
		uint32_t v;

		memcpy(&v, h->raw + h->common.hlen, 4);
		if (v != nvme_tcp_digest(h->raw, h->common.hlen))
			tt_err(c->t, "header digest");
	}
	n = h->common.pdo ? h->common.plen - h->common.pdo - dd : 0;
	if (h->common.type == NVME_TCP_PDU_H2C_TERM)
		n = h->common.plen - h->common.hlen;
	if (n > MAX_DATA || tt_read_full(c->fd, c->data, n) != 0)
		return -1;
	if (dd) {
		uint32_t v;

		if (tt_read_full(c->fd, &v, 4) != 0)
			return -1;
		if (v != nvme_tcp_digest(c->data, n))
			tt_err(c->t, "data digest");
	}
	*dlen = n;
	return 0;
}

static void t_send(struct tt_conn *c, void *h, uint32_t hlen, const void *data, uint32_t dlen)
{
	struct nvme_tcp_hdr *ch = h;
	uint8_t buf[160] = {0};
	uint32_t hd = c->hd ? 4 : 0, dd = c->dd && dlen ? 4 : 0;

	ch->flags |= (uint8_t)((c->hd ? NVME_TCP_F_HDGST : 0) | (dd ? NVME_TCP_F_DDGST : 0));
	ch->hlen = (uint8_t)hlen;
	ch->pdo = (uint8_t)(dlen ? hlen + hd : 0);
	ch->plen = hlen + hd + dlen + dd;
	memcpy(buf, h, hlen);
	if (hd) {
		uint32_t v = nvme_tcp_digest(h, hlen);

		memcpy(buf + hlen, &v, 4);
	}
	tt_write_full(c->fd, buf, hlen + hd);
	if (dlen) {
		tt_write_full(c->fd, data, dlen);
		if (dd) {
			uint32_t v = nvme_tcp_digest(data, dlen) ^ (c->bad_ddgst ? 1u : 0u);

			c->bad_ddgst = false;
			tt_write_full(c->fd, &v, 4);
		}
	}
}

static void t_resp(struct tt_conn *c, uint16_t cid, uint16_t status, uint64_t value)
{
	struct nvme_tcp_capsule_resp r;

	memset(&r, 0, sizeof(r));
	r.hdr.type = NVME_TCP_PDU_CAPSULE_RESP;
	r.cqe.cid = cid;
	r.cqe.sqid = c->qid;
	r.cqe.cdw0 = (uint32_t)value;
	r.cqe.cdw1 = (uint32_t)(value >> 32);
	r.cqe.status_raw = (uint16_t)(status << 1);
	t_send(c, &r, sizeof(r), NULL, 0);
}

/* Data to the host in 5000-byte C2HData PDUs; SUCCESS instead of a response when asked. */
static void t_c2h(struct tt_conn *c, uint16_t cid, const uint8_t *p, uint32_t len, bool success)
{
	for (uint32_t done = 0; done < len;) {
		struct nvme_tcp_data d;
		uint32_t n = len - done < 5000 ? len - done : 5000;

		memset(&d, 0, sizeof(d));
		d.hdr.type = NVME_TCP_PDU_C2H_DATA;
		if (done + n == len)
			d.hdr.flags = (uint8_t)(NVME_TCP_F_DATA_LAST |
						(success ? NVME_TCP_F_DATA_SUCCESS : 0));
		d.cccid = cid;
		d.datao = done;
		d.datal = n;
		t_send(c, &d, sizeof(d), p + done, n);
		done += n;
	}
	if (!success)
		t_resp(c, cid, 0, 0);
}

/* Data from the host: in the capsule, or by R2Ts of at most 12000 bytes. */
static int t_h2c(struct tt_conn *c, const struct pnvme_cmd *cmd, uint32_t icd, uint8_t *dst,
		 uint32_t len)
{
	static const uint32_t r2t_max = 12000;

	if (cmd->dptr.sgl.id == 0x01) {
		uint32_t max = c->qid == 0 ? 8192 : TT_IOCCSZ * 16 - 64;

		if (icd != len || len > max) {
			tt_err(c->t, "in-capsule data length");
			return -1;
		}
		memcpy(dst, c->data, len);
		return 0;
	}
	if (cmd->dptr.sgl.id != 0x5a || icd != 0 || cmd->dptr.sgl.length != len) {
		tt_err(c->t, "write descriptor");
		return -1;
	}
	for (uint32_t r2to = 0; r2to < len;) {
		struct nvme_tcp_r2t r;
		uint32_t r2tl = len - r2to < r2t_max ? len - r2to : r2t_max, got = 0;
		bool last = false;

		memset(&r, 0, sizeof(r));
		r.hdr.type = NVME_TCP_PDU_R2T;
		r.cccid = cmd->cid;
		r.ttag = (uint16_t)(0x100 + r2to / r2t_max);
		r.r2to = r2to;
		r.r2tl = r2tl;
		t_send(c, &r, sizeof(r), NULL, 0);
		while (!last) {
			union nvme_tcp_pdu_hdr h;
			uint32_t n;

			if (t_recv(c, &h, &n) != 0)
				return -1;
			if (h.common.type == NVME_TCP_PDU_CAPSULE_CMD && c->backlog_count < BACKLOG &&
			    n <= sizeof(c->backlog[0].data)) {
				/* Another command meanwhile: served after this one. */
				struct tt_cmd *b = &c->backlog[(c->backlog_head + c->backlog_count++) %
							      BACKLOG];

				b->h = h;
				b->n = n;
				memcpy(b->data, c->data, n);
				continue;
			}
			if (h.common.type != NVME_TCP_PDU_H2C_DATA || h.data.cccid != cmd->cid ||
			    h.data.ttag != r.ttag || h.data.datao != r2to + got ||
			    n != h.data.datal || n > TT_MAXH2C || got + n > r2tl) {
				char why[160];

				snprintf(why, sizeof(why), "H2CData fields: type %u cid %x/%x ttag %x/%x "
					 "datao %u/%u datal %u n %u r2tl %u", h.common.type,
					 h.data.cccid, cmd->cid, h.data.ttag, r.ttag, h.data.datao,
					 r2to + got, h.data.datal, n, r2tl);
				tt_err(c->t, why);
				return -1;
			}
			memcpy(dst + h.data.datao, c->data, n);
			got += n;
			last = h.common.flags & NVME_TCP_F_DATA_LAST;
		}
		r2to += r2tl;
	}
	return 0;
}

/* Close the connections of controller cntlid (0: every one), and maybe stop listening. */
static void t_drop(struct tt_target *t, uint16_t cntlid, bool listener)
{
	pthread_mutex_lock(&t->lock);
	for (int i = 0; i < MAX_CONNS; i++) {
		if (t->conns[i] != NULL && t->conns[i]->fd >= 0 && !t->conns[i]->stalled &&
		    (cntlid == 0 || t->conns[i]->cntlid == cntlid))
			shutdown(t->conns[i]->fd, SHUT_RDWR);
	}
	if (cntlid != 0 && cntlid != t->cntlid) {
		pthread_mutex_unlock(&t->lock);
		return; /* an older controller: the live one stays */
	}
	t->cntlid = 0;
	t->cc = t->csts = 0;
	if (listener)
		shutdown(t->lfd, SHUT_RDWR);
	pthread_mutex_unlock(&t->lock);
}

static void t_identify(struct tt_conn *c, const struct pnvme_cmd *cmd)
{
	static uint8_t page[4096];
	uint32_t ioccsz = TT_IOCCSZ, iorcsz = 1;

	memset(page, 0, sizeof(page));
	switch (cmd->cdw10 & 0xff) {
	case 1: {
		struct pnvme_ctrlr_data *d = (struct pnvme_ctrlr_data *)page;

		d->vid = 0x1b36;
		memcpy(d->sn, "TT-1", 4);
		memcpy(d->mn, "pnvme fake tcp", 14);
		d->mdts = 5; /* 128 KiB */
		d->cntlid = c->cntlid;
		d->ver = 0x10400;
		d->acl = 3;
		d->aerl = 3;
		d->kas = 10;
		d->sqes = 0x66;
		d->cqes = 0x44;
		d->maxcmd = 64;
		d->nn = 1;
		d->sgls = 1;
		snprintf(d->subnqn, sizeof(d->subnqn), "%s", TT_SUBNQN);
		memcpy(page + 1792, &ioccsz, 4);
		memcpy(page + 1796, &iorcsz, 4);
		break;
	}
	case 0: {
		struct pnvme_ns_data *n = (struct pnvme_ns_data *)page;

		if (cmd->nsid == 1) {
			n->nsze = n->ncap = n->nuse = TT_SECTORS;
			n->lbaf[0].lbads = 9;
		}
		break;
	}
	case 2:
		page[0] = 1;
		break;
	default:
		t_resp(c, cmd->cid, 0x2, 0); /* Invalid Field */
		return;
	}
	t_c2h(c, cmd->cid, page, 4096, false);
}

static void t_log(struct tt_conn *c, const struct pnvme_cmd *cmd)
{
	static uint8_t log[8192];
	uint32_t lid = cmd->cdw10 & 0xff;
	uint32_t len = (((cmd->cdw10 >> 16) | (cmd->cdw11 << 16)) + 1) * 4;
	uint64_t off = cmd->cdw12 | (uint64_t)cmd->cdw13 << 32;

	memset(log, 0, sizeof(log));
	if (lid == NVMF_LOG_DISCOVERY) {
		struct nvmf_disc_log_hdr *h = (struct nvmf_disc_log_hdr *)log;
		struct nvmf_disc_entry *e = (struct nvmf_disc_entry *)(log + 1024);

		h->genctr = 7;
		h->numrec = 2;
		for (int i = 0; i < 2; i++) {
			e[i].trtype = NVMF_TRTYPE_TCP;
			e[i].adrfam = NVMF_ADRFAM_IPV4;
			e[i].subtype = i == 0 ? NVMF_SUBTYPE_DISCOVERY_CURRENT : NVMF_SUBTYPE_NVME;
			e[i].portid = 1;
			e[i].cntlid = 0xffff;
			memset(e[i].trsvcid, ' ', sizeof(e[i].trsvcid));
			memcpy(e[i].trsvcid, c->t->port, strlen(c->t->port));
			memset(e[i].traddr, ' ', sizeof(e[i].traddr));
			memcpy(e[i].traddr, "127.0.0.1", 9);
			snprintf(e[i].subnqn, sizeof(e[i].subnqn), "%s",
				 i == 0 ? NVMF_DISC_NQN : TT_SUBNQN);
		}
	}
	if (off + len > sizeof(log) || cmd->dptr.sgl.length != len) {
		t_resp(c, cmd->cid, 0x2, 0);
		return;
	}
	t_c2h(c, cmd->cid, log + off, len, false);
}

static void t_fabrics(struct tt_conn *c, const struct pnvme_cmd *cmd, uint32_t n)
{
	const struct nvmf_property_cmd *p = (const struct nvmf_property_cmd *)cmd;
	struct tt_target *t = c->t;

	if (p->fctype == NVMF_FCTYPE_CONNECT) {
		const struct nvmf_connect_cmd *cc = (const struct nvmf_connect_cmd *)cmd;
		const struct nvmf_connect_data *d = (const struct nvmf_connect_data *)c->data;
		uint16_t status = 0;

		if (n != 1024 || cmd->dptr.sgl.id != 0x01) {
			tt_err(t, "connect data not in the capsule");
			return;
		}
		pthread_mutex_lock(&t->lock);
		c->qid = cc->qid;
		if (cc->qid == 0) {
			/* Keep alive is mandatory but for a one-shot discovery. */
			if (d->cntlid != 0xffff ||
			    (cc->kato == 0 && strcmp(d->subnqn, NVMF_DISC_NQN) != 0))
				snprintf(t->err, sizeof(t->err), "fake target: admin connect fields");
			t->cntlid = c->cntlid = ++t->next_cntlid;
			t->kato = cc->kato;
			t->admin_connects++;
			t->cc = t->csts = 0;
		} else if (d->cntlid != t->cntlid || t->cntlid == 0 || cc->kato != 0) {
			status = 0x182; /* Connect Invalid Parameters */
		} else {
			c->cntlid = d->cntlid;
		}
		if (strcmp(d->subnqn, TT_SUBNQN) != 0 && strcmp(d->subnqn, NVMF_DISC_NQN) != 0)
			status = 0x184; /* Connect Invalid Host: close enough */
		pthread_mutex_unlock(&t->lock);
		t_resp(c, cmd->cid, status, c->cntlid);
		return;
	}
	pthread_mutex_lock(&t->lock);
	uint64_t v = 0;

	if (p->fctype == NVMF_FCTYPE_PROPERTY_GET) {
		v = p->offset == 0 ? CAP_VALUE : p->offset == 8 ? 0x10400 : p->offset == 0x14 ? t->cc
		    : p->offset == 0x1c ? t->csts : 0;
	} else if (p->fctype == NVMF_FCTYPE_PROPERTY_SET && p->offset == 0x14) {
		t->cc = (uint32_t)p->value;
		t->csts = (t->cc & 1) ? 1 : 0;
		if (t->cc & (3u << 14))
			t->csts |= 2u << 2; /* shutdown complete */
	}
	pthread_mutex_unlock(&t->lock);
	t_resp(c, cmd->cid, 0, v);
}

static void t_admin(struct tt_conn *c, const struct pnvme_cmd *cmd, uint32_t n)
{
	switch (cmd->opc) {
	case NVMF_OPC_FABRICS:
		t_fabrics(c, cmd, n);
		return;
	case PNVME_OPC_IDENTIFY:
		t_identify(c, cmd);
		return;
	case PNVME_OPC_GET_LOG_PAGE:
		t_log(c, cmd);
		return;
	case PNVME_OPC_SET_FEATURES:
		t_resp(c, cmd->cid, 0, (cmd->cdw10 & 0xff) == 7 ? (3u | 3u << 16) : 0);
		return;
	case PNVME_OPC_ASYNC_EVENT_REQUEST:
		return; /* held: no event ever comes */
	case PNVME_OPC_KEEP_ALIVE:
		pthread_mutex_lock(&c->t->lock);
		c->t->keep_alives++;
		pthread_mutex_unlock(&c->t->lock);
		t_resp(c, cmd->cid, 0, 0);
		return;
	case PNVME_OPC_ABORT:
		t_resp(c, cmd->cid, 0, 1); /* not aborted */
		return;
	default:
		t_resp(c, cmd->cid, 0, 0);
	}
}

/* An armed fault, taken by the first I/O command that sees it. */
static enum tt_fault take_fault(struct tt_target *t, uint8_t opc)
{
	enum tt_fault f;

	pthread_mutex_lock(&t->lock);
	f = t->fault;
	if ((f == TT_SHORT_READ || f == TT_BAD_DDGST) && opc != PNVME_OPC_READ)
		f = TT_GOOD;
	if (f == TT_EARLY_ERROR && opc != PNVME_OPC_WRITE)
		f = TT_GOOD;
	if (f == TT_EARLY_ERROR)
		t->released = false;
	if (f != TT_GOOD)
		t->fault = TT_GOOD;
	pthread_mutex_unlock(&t->lock);
	return f;
}

/*
 * Ask for all of a write's data, then fail it before reading any (Data Transfer
 * Error), and read nothing more until released (bounded): the host's send side
 * stalls with the data queued. Its H2CData is dropped afterwards.
 */
static void t_early_error(struct tt_conn *c, const struct pnvme_cmd *cmd, uint32_t len)
{
	struct tt_target *t = c->t;
	struct nvme_tcp_r2t r;

	memset(&r, 0, sizeof(r));
	r.hdr.type = NVME_TCP_PDU_R2T;
	r.cccid = cmd->cid;
	r.ttag = 0x77;
	r.r2to = 0;
	r.r2tl = len;
	t_send(c, &r, sizeof(r), NULL, 0);
	t_resp(c, cmd->cid, PNVME_SC_DATA_TRANSFER_ERROR, 0);
	/* Stuck: even the controller's end (a reset) leaves this connection open. */
	pthread_mutex_lock(&t->lock);
	c->stalled = true;
	pthread_mutex_unlock(&t->lock);
	for (int ms = 0; ms < 10000; ms++) {
		pthread_mutex_lock(&t->lock);
		bool go = t->released || t->stopping;

		pthread_mutex_unlock(&t->lock);
		if (go)
			break;
		usleep(1000);
	}
	pthread_mutex_lock(&t->lock);
	c->stalled = false;
	if (t->stopping)
		shutdown(c->fd, SHUT_RDWR); /* tt_stop() passed it by */
	pthread_mutex_unlock(&t->lock);
	c->dropping = true;
	c->drop_cid = cmd->cid;
}

static void t_io(struct tt_conn *c, const struct pnvme_cmd *cmd, uint32_t n)
{
	struct tt_target *t = c->t;
	uint64_t slba = cmd->cdw10 | (uint64_t)cmd->cdw11 << 32;
	uint32_t len = ((cmd->cdw12 & 0xffff) + 1) * 512;
	enum tt_fault f = take_fault(t, cmd->opc);

	if (f == TT_BAD_PDU) {
		/* hlen 25 for a CapsuleResp: the host must refuse it. */
		uint8_t bad[8] = {NVME_TCP_PDU_CAPSULE_RESP, 0, 25, 0, 25, 0, 0, 0};

		tt_write_full(c->fd, bad, sizeof(bad));
		return;
	}
	if (f == TT_CLOSE || f == TT_GONE || f == TT_FLAP) {
		pthread_mutex_lock(&t->lock);
		t->refuse = f == TT_FLAP ? 3 : 0;
		pthread_mutex_unlock(&t->lock);
		t_drop(t, 0, f == TT_GONE);
		return;
	}
	if (f == TT_HOLD)
		return; /* the host's timeout ladder must deal with it */
	if (f == TT_EARLY_ERROR) {
		t_early_error(c, cmd, len);
		return;
	}
	c->bad_ddgst = f == TT_BAD_DDGST; /* t_send flips a bit of the next data digest */
	if (cmd->opc != PNVME_OPC_READ && cmd->opc != PNVME_OPC_WRITE) {
		t_resp(c, cmd->cid, 0, 0);
		return;
	}
	if (cmd->nsid != 1 || slba + len / 512 > TT_SECTORS || len != cmd->dptr.sgl.length) {
		t_resp(c, cmd->cid, 0x80, 0); /* LBA Out of Range */
		return;
	}
	if (cmd->opc == PNVME_OPC_WRITE) {
		if (t_h2c(c, cmd, n, t->mem + slba * 512, len) == 0)
			t_resp(c, cmd->cid, 0, 0);
		return;
	}
	pthread_mutex_lock(&t->lock);
	bool success = (t->reads++ & 1) != 0;
	pthread_mutex_unlock(&t->lock);
	t_c2h(c, cmd->cid, t->mem + slba * 512, f == TT_SHORT_READ ? len / 2 : len,
	      success || f == TT_SHORT_READ);
}

static void *conn_main(void *arg)
{
	struct tt_conn *c = arg;
	struct tt_target *t = c->t;
	union nvme_tcp_pdu_hdr h;
	uint32_t n;

	if (t_recv(c, &h, &n) != 0 || h.common.type != NVME_TCP_PDU_ICREQ)
		goto out;
	pthread_mutex_lock(&t->lock);
	bool refuse = t->refuse > 0;

	if (refuse)
		t->refuse--;
	pthread_mutex_unlock(&t->lock);
	if (refuse)
		goto out;
	{
		struct nvme_tcp_icresp r;

		memset(&r, 0, sizeof(r));
		r.hdr.type = NVME_TCP_PDU_ICRESP;
		r.hdr.hlen = r.hdr.plen = 128;
		r.dgst = h.icreq.dgst;
		r.maxh2cdata = TT_MAXH2C;
		c->hd = h.icreq.dgst & NVME_TCP_DGST_HDGST_ENABLE;
		c->dd = h.icreq.dgst & NVME_TCP_DGST_DDGST_ENABLE;
		pthread_mutex_lock(&t->lock);
		t->hd = c->hd;
		t->dd = c->dd;
		pthread_mutex_unlock(&t->lock);
		tt_write_full(c->fd, &r, sizeof(r));
	}
	for (;;) {
		if (c->backlog_count > 0) {
			struct tt_cmd *b = &c->backlog[c->backlog_head];

			c->backlog_head = (c->backlog_head + 1) % BACKLOG;
			c->backlog_count--;
			h = b->h;
			n = b->n;
			memcpy(c->data, b->data, n);
		} else if (t_recv(c, &h, &n) != 0) {
			break;
		}
		if (h.common.type == NVME_TCP_PDU_H2C_TERM)
			break;
		if (h.common.type == NVME_TCP_PDU_H2C_DATA && c->dropping &&
		    h.data.cccid == c->drop_cid) {
			pthread_mutex_lock(&t->lock);
			t->dropped += n;
			pthread_mutex_unlock(&t->lock);
			continue;
		}
		if (h.common.type != NVME_TCP_PDU_CAPSULE_CMD) {
			tt_err(t, "not a command");
			break;
		}
		if (c->qid == 0 && h.cmd.sqe.opc != NVMF_OPC_FABRICS)
			t_admin(c, &h.cmd.sqe, n);
		else if (h.cmd.sqe.opc == NVMF_OPC_FABRICS)
			t_fabrics(c, &h.cmd.sqe, n);
		else
			t_io(c, &h.cmd.sqe, n);
	}
out:
	shutdown(c->fd, SHUT_RDWR); /* the host sees the end at once */
	/* The admin queue gone: the controller ends, its I/O queues with it. */
	if (c->qid == 0 && c->cntlid != 0)
		t_drop(t, c->cntlid, false);
	pthread_mutex_lock(&t->lock);
	c->done = true;
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* Connections whose thread ended give their slot back (under the lock). */
static void reap(struct tt_target *t)
{
	for (int i = 0; i < MAX_CONNS; i++) {
		struct tt_conn *c = t->conns[i];

		if (c != NULL && c->done) {
			pthread_join(c->thread, NULL);
			close(c->fd);
			free(c);
			t->conns[i] = NULL;
		}
	}
}

static void *listen_main(void *arg)
{
	struct tt_target *t = arg;

	for (;;) {
		int fd = accept(t->lfd, NULL, NULL);
		int slot = -1;

		if (fd < 0)
			return NULL;
		pthread_mutex_lock(&t->lock);
		reap(t);
		for (int i = 0; i < MAX_CONNS && slot < 0; i++) {
			if (t->conns[i] == NULL)
				slot = i;
		}
		if (slot < 0 || t->stopping) {
			pthread_mutex_unlock(&t->lock);
			close(fd);
			continue;
		}
		struct tt_conn *c = calloc(1, sizeof(*c));

		if (t->rcvbuf > 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &t->rcvbuf, sizeof(t->rcvbuf));
		c->t = t;
		c->fd = fd;
		t->conns[slot] = c;
		pthread_create(&c->thread, NULL, conn_main, c);
		pthread_mutex_unlock(&t->lock);
	}
}

struct tt_target *tt_start(void)
{
	struct tt_target *t = calloc(1, sizeof(*t));
	struct sockaddr_in a = {.sin_family = AF_INET};
	socklen_t alen = sizeof(a);
	int one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	pthread_mutex_init(&t->lock, NULL);
	t->lfd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(t->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (t->lfd < 0 || bind(t->lfd, (struct sockaddr *)&a, alen) != 0 ||
	    listen(t->lfd, 16) != 0 || getsockname(t->lfd, (struct sockaddr *)&a, &alen) != 0)
		abort();
	snprintf(t->port, sizeof(t->port), "%u", ntohs(a.sin_port));
	for (uint32_t i = 0; i < sizeof(t->mem); i++)
		t->mem[i] = (uint8_t)(i * 13 + i / 509);
	pthread_create(&t->listener, NULL, listen_main, t);
	return t;
}

const char *tt_port(const struct tt_target *t)
{
	return t->port;
}

void tt_fault(struct tt_target *t, enum tt_fault f)
{
	pthread_mutex_lock(&t->lock);
	t->fault = f;
	pthread_mutex_unlock(&t->lock);
}

void tt_release(struct tt_target *t)
{
	pthread_mutex_lock(&t->lock);
	t->released = true;
	pthread_mutex_unlock(&t->lock);
}

uint32_t tt_dropped(const struct tt_target *t)
{
	return t->dropped;
}

void tt_rcvbuf(struct tt_target *t, int bytes)
{
	pthread_mutex_lock(&t->lock);
	t->rcvbuf = bytes;
	/* The listener's own: the window its handshakes offer. */
	if (bytes > 0)
		setsockopt(t->lfd, SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
	pthread_mutex_unlock(&t->lock);
}

int tt_keep_alives(const struct tt_target *t)
{
	return t->keep_alives;
}

uint32_t tt_kato(const struct tt_target *t)
{
	return t->kato;
}

int tt_admin_connects(const struct tt_target *t)
{
	return t->admin_connects;
}

bool tt_hdgst(const struct tt_target *t)
{
	return t->hd;
}

bool tt_ddgst(const struct tt_target *t)
{
	return t->dd;
}

const char *tt_error(const struct tt_target *t)
{
	return t->err;
}

uint8_t *tt_mem(struct tt_target *t)
{
	return t->mem;
}

void tt_stop(struct tt_target *t)
{
	pthread_mutex_lock(&t->lock);
	t->stopping = true;
	pthread_mutex_unlock(&t->lock);
	t_drop(t, 0, true);
	pthread_join(t->listener, NULL);
	close(t->lfd);
	for (int i = 0; i < MAX_CONNS; i++) {
		if (t->conns[i] != NULL) {
			pthread_join(t->conns[i]->thread, NULL);
			close(t->conns[i]->fd);
			free(t->conns[i]);
		}
	}
	pthread_mutex_destroy(&t->lock);
	free(t);
}
