/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe/TCP transport through the public API against a fake controller
 * (test/common/tcp_target.c) on 127.0.0.1: transport IDs, bring-up over
 * fabrics, reads and writes (C2HData with and without SUCCESS, in-capsule and
 * R2T/H2CData, heap memory, iovecs, digests), discovery, and failures: a
 * malformed PDU, a target that closes its sockets, one that is gone for
 * good, a short read. Every callback comes exactly once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <CUnit/CUnit.h>

#include "common/tcp_target.h"
#include "common/test_env.h"
#include "nvme/qpair.h"
#include "tcp/tcp.h"

/* ------------------------------------------------------------ transport IDs */

static int parse(const char *s, struct nvme_tcp_target *t)
{
	struct pnvme_trid trid;
	int rc = pnvme_trid_parse(&trid, s);

	return rc != 0 ? rc : nvme_tcp_trid_parse(&trid, t, NVME_TCP_DEFAULT_PORT, NULL);
}

static void test_trid_good(void)
{
	struct nvme_tcp_target t;
	struct pnvme_trid trid;

	CU_ASSERT_EQUAL(pnvme_trid_parse(&trid, "trtype:tcp adrfam:ipv4 traddr:127.0.0.1 "
						"trsvcid:4420 subnqn:nqn.2014-08.org.example:disk1"),
			0);
	CU_ASSERT_STRING_EQUAL(trid.trtype, "tcp");
	CU_ASSERT_STRING_EQUAL(trid.traddr, "127.0.0.1");
	CU_ASSERT_STRING_EQUAL(trid.params,
			       "adrfam=ipv4 trsvcid=4420 subnqn=nqn.2014-08.org.example:disk1");
	CU_ASSERT_EQUAL(nvme_tcp_trid_parse(&trid, &t, "4420", NULL), 0);
	CU_ASSERT_EQUAL(t.adrfam, AF_INET);
	CU_ASSERT_STRING_EQUAL(t.trsvcid, "4420");
	CU_ASSERT_STRING_EQUAL(t.subnqn, "nqn.2014-08.org.example:disk1");
	CU_ASSERT_FALSE(t.hdgst || t.ddgst);
	/* The default host identity: stable, a uuid NQN. */
	CU_ASSERT_EQUAL(strncmp(t.hostnqn, "nqn.2014-08.org.nvmexpress:uuid:", 32), 0);

	/* Defaults: port 4420; IPv6 from the address; key=value words too; digests. */
	CU_ASSERT_EQUAL(parse("trtype:TCP traddr:::1 subnqn=nqn.x:y hdgst:1 ddgst=1", &t), 0);
	CU_ASSERT_EQUAL(t.adrfam, AF_INET6);
	CU_ASSERT_STRING_EQUAL(t.trsvcid, "4420");
	CU_ASSERT_TRUE(t.hdgst && t.ddgst);
	CU_ASSERT_EQUAL(parse("trtype:tcp adrfam:IPv6 traddr:fe80::1 trsvcid:8009 subnqn:nqn.a "
			      "hostnqn:nqn.2014-08.org.example:host7 "
			      "hostid:00112233-4455-6677-8899-aabbccddeeff",
			      &t),
			0);
	CU_ASSERT_STRING_EQUAL(t.hostnqn, "nqn.2014-08.org.example:host7");
	CU_ASSERT_EQUAL(t.hostid[0], 0x00);
	CU_ASSERT_EQUAL(t.hostid[1], 0x11);
	CU_ASSERT_EQUAL(t.hostid[15], 0xff);
	/* Discovery's defaults: 8009 and the well-known NQN. */
	CU_ASSERT_EQUAL(pnvme_trid_parse(&trid, "trtype:tcp traddr:10.0.0.1"), 0);
	CU_ASSERT_EQUAL(nvme_tcp_trid_parse(&trid, &t, NVME_TCP_DISCOVERY_PORT, NVMF_DISC_NQN), 0);
	CU_ASSERT_STRING_EQUAL(t.trsvcid, "8009");
	CU_ASSERT_STRING_EQUAL(t.subnqn, NVMF_DISC_NQN);
	/* A PCI address is still a PCI address. */
	CU_ASSERT_EQUAL(pnvme_trid_parse(&trid, "0000:00:04.0"), 0);
	CU_ASSERT_STRING_EQUAL(trid.trtype, "pcie");
}

static void test_trid_bad(void)
{
	static const char *const bad[] = {
		"trtype:tcp subnqn:nqn.a",			       /* no traddr */
		"trtype:tcp traddr:localhost subnqn:nqn.a",	       /* not numeric */
		"trtype:tcp traddr:300.0.0.1 subnqn:nqn.a",
		"trtype:tcp adrfam:ipv6 traddr:127.0.0.1 subnqn:nqn.a", /* family mismatch */
		"trtype:tcp adrfam:ib traddr:127.0.0.1 subnqn:nqn.a",
		"trtype:tcp traddr:127.0.0.1 trsvcid:0 subnqn:nqn.a",
		"trtype:tcp traddr:127.0.0.1 trsvcid:65536 subnqn:nqn.a",
		"trtype:tcp traddr:127.0.0.1 trsvcid:44x subnqn:nqn.a",
		"trtype:tcp traddr:127.0.0.1",			       /* no subnqn */
		"trtype:tcp traddr:127.0.0.1 subnqn:nqn.a hdgst:2",
		"trtype:tcp traddr:127.0.0.1 subnqn:nqn.a ddgst:yes",
		"trtype:tcp traddr:127.0.0.1 subnqn:nqn.a hostid:1234",
		"trtype:tcp traddr:127.0.0.1 subnqn:nqn.a trsvid:4420", /* a typo */
		"trtype:tcp traddr:127.0.0.1 subnqn:nqn.a bogus",	       /* not key:value */
	};
	struct nvme_tcp_target t;
	char longnqn[300];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i], &t) != -EINVAL)
			fprintf(stderr, "\n  accepted: %s\n", bad[i]);
		CU_ASSERT_EQUAL(parse(bad[i], &t), -EINVAL);
	}
	/* 224 characters: one more than an NQN may have. */
	snprintf(longnqn, sizeof(longnqn), "trtype:tcp traddr:1.2.3.4 subnqn:nqn.%0220d", 0);
	CU_ASSERT_EQUAL(parse(longnqn, &t), -EINVAL);
	/* The same through pnvme_connect(): refused before any socket. */
	struct pnvme_ctrlr *c = NULL;

	CU_ASSERT_EQUAL(pnvme_connect("trtype:tcp traddr:127.0.0.1 trsvcid:0 subnqn:nqn.a", NULL,
				      &c),
			-EINVAL);
	CU_ASSERT_PTR_NULL(c);
}

/* ------------------------------------------------------------ against the fake target */

static struct tt_target *g_t;

static uint32_t g_kato; /* keep_alive_ms for the next attach */
static uint32_t g_io_timeout_ms = 30000;

static struct pnvme_ctrlr *attach(const char *extra, uint32_t reset_attempts, bool resubmit)
{
	struct pnvme_ctrlr_opts opts;
	struct pnvme_ctrlr *c = NULL;
	char trid[256];

	pnvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.num_io_queues = 2;
	opts.keep_alive_ms = g_kato; /* 0: mandatory on fabrics, becomes the default */
	opts.admin_timeout_ms = 5000;
	opts.reset_attempts = reset_attempts;
	opts.reset_resubmit = resubmit;
	opts.io_timeout_ms = g_io_timeout_ms;
	snprintf(trid, sizeof(trid), "trtype:tcp traddr:127.0.0.1 trsvcid:%s subnqn:%s%s",
		 tt_port(g_t), TT_SUBNQN, extra);
	CU_ASSERT_EQUAL(pnvme_connect(trid, &opts, &c), 0);
	return c;
}

static int setup(void)
{
	g_t = tt_start();
	return 0;
}

static int teardown(void)
{
	if (tt_error(g_t)[0] != '\0')
		fprintf(stderr, "\n  %s\n", tt_error(g_t));
	tt_stop(g_t);
	return 0;
}

/* Poll until every wait has its callback (bounded). */
static void wait_all(struct pnvme_qpair *qp, struct pnvme_ctrlr *c, struct io_wait *w, int n)
{
	for (int spins = 0; spins < 2000000; spins++) {
		int done = 0;

		for (int i = 0; i < n; i++)
			done += w[i].calls > 0;
		if (done == n)
			return;
		pnvme_qpair_process_completions(qp, 0);
		if (spins % 64 == 0)
			pnvme_ctrlr_process_admin_completions(c);
	}
}

static void test_bring_up(void)
{
	struct pnvme_ctrlr *c = attach("", 3, false);
	const struct pnvme_ctrlr_data *cd;

	if (c == NULL)
		return;
	cd = pnvme_ctrlr_get_data(c);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_num_ns(c), 1);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_first_active_ns(c), 1);
	CU_ASSERT_EQUAL(pnvme_ns_get_num_sectors(pnvme_ctrlr_get_ns(c, 1)), TT_SECTORS);
	CU_ASSERT_EQUAL(memcmp(cd->sn, "TT-1", 4), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_max_xfer_size(c), 128 * 1024);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_num_io_queues(c), 2);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_vs(c), 0x10400);
	CU_ASSERT_STRING_EQUAL(pnvme_ctrlr_get_trid(c)->trtype, "tcp");
	/* The admin poll sends keep alives and reads CSTS over the fabric. */
	for (int i = 0; i < 10; i++)
		CU_ASSERT(pnvme_ctrlr_process_admin_completions(c) >= 0);
	CU_ASSERT_FALSE(pnvme_ctrlr_is_failed(c));
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
	if (tt_error(g_t)[0] != 0)
		fprintf(stderr, "\n  %s\n", tt_error(g_t));
	CU_ASSERT_STRING_EQUAL(tt_error(g_t), "");
}

/* KATO in the admin Connect (0 became 10 s), and Keep Alives every KATO / 2 from the admin poll. */
static void test_keep_alive(void)
{
	struct pnvme_ctrlr *c = attach("", 3, false);
	uint64_t until;
	int before;

	if (c == NULL)
		return;
	CU_ASSERT_EQUAL(tt_kato(g_t), 10000);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
	g_kato = 200;
	c = attach("", 3, false);
	g_kato = 0;
	if (c == NULL)
		return;
	CU_ASSERT_EQUAL(tt_kato(g_t), 200);
	before = tt_keep_alives(g_t);
	until = pnvme_ticks() + pnvme_ticks_hz() / 2;
	int rc = 0;

	while (pnvme_ticks() < until && rc >= 0)
		rc = pnvme_ctrlr_process_admin_completions(c);
	CU_ASSERT(rc >= 0);
	CU_ASSERT(tt_keep_alives(g_t) - before >= 3);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
}

/* Writes (in-capsule, R2T in several H2CData PDUs) then reads back, from heap memory. */
static void rw_roundtrip(const char *extra)
{
	struct pnvme_ctrlr *c = attach(extra, 3, false);
	struct pnvme_qpair *qp = NULL;
	struct pnvme_ns *ns;
	static const uint32_t sizes[] = {1, 8, 9, 40, 256, 300}; /* sectors: 512 B .. 150 KiB */
	uint8_t *wbuf = malloc(300 * 512), *rbuf = malloc(300 * 512);
	struct io_wait w[2];

	if (c == NULL)
		goto out;
	ns = pnvme_ctrlr_get_ns(c, 1);
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(c, NULL, &qp), 0);
	for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		uint32_t n = sizes[s], lba = (uint32_t)(s * 301 % (TT_SECTORS - n));

		for (uint32_t i = 0; i < n * 512; i++)
			wbuf[i] = (uint8_t)(i * 31 + s);
		memset(w, 0, sizeof(w));
		CU_ASSERT_EQUAL(pnvme_ns_cmd_write(ns, qp, wbuf, lba, n, io_cb, &w[0], 0), 0);
		wait_all(qp, c, w, 1);
		CU_ASSERT_EQUAL(w[0].calls, 1);
		CU_ASSERT_FALSE(pnvme_cpl_is_error(&w[0].cpl));
		CU_ASSERT_EQUAL(memcmp(tt_mem(g_t) + (size_t)lba * 512, wbuf, n * 512), 0);
		/* Two reads at once: one answered with SUCCESS, one with a CapsuleResp. */
		memset(rbuf, 0, n * 512);
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns, qp, rbuf, lba, n, io_cb, &w[1], 0), 0);
		wait_all(qp, c, &w[1], 1);
		CU_ASSERT_EQUAL(w[1].calls, 1);
		CU_ASSERT_FALSE(pnvme_cpl_is_error(&w[1].cpl));
		CU_ASSERT_EQUAL(memcmp(rbuf, wbuf, n * 512), 0);
	}
	/* Vectored, elements of odd sizes. */
	struct iovec iov[3] = {{wbuf, 1000}, {wbuf + 4000, 3000}, {wbuf + 9000, 96}};
	struct iovec riov[2] = {{rbuf, 100}, {rbuf + 200, 3996}};

	memset(w, 0, sizeof(w));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_writev(ns, qp, iov, 3, 100, 8, io_cb, &w[0], 0), 0);
	wait_all(qp, c, w, 1);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_readv(ns, qp, riov, 2, 100, 8, io_cb, &w[1], 0), 0);
	wait_all(qp, c, &w[1], 1);
	CU_ASSERT_EQUAL(w[0].calls + w[1].calls, 2);
	CU_ASSERT_EQUAL(memcmp(rbuf, wbuf, 100), 0);
	CU_ASSERT_EQUAL(memcmp(rbuf + 200, wbuf + 100, 900), 0);
	CU_ASSERT_EQUAL(memcmp(rbuf + 1100, wbuf + 4000, 3000), 0);
	CU_ASSERT_EQUAL(memcmp(rbuf + 4100, wbuf + 9000, 96), 0);
	/* Commands without data, and Dataset Management's ranges in the capsule. */
	struct io_wait z[3];

	memset(z, 0, sizeof(z));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_flush(ns, qp, io_cb, &z[0]), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_deallocate(ns, qp, 8, 8, io_cb, &z[1]), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write_zeroes(ns, qp, 64, 8, io_cb, &z[2], 0), 0);
	wait_all(qp, c, z, 3);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL(z[i].calls, 1);
		CU_ASSERT_FALSE(pnvme_cpl_is_error(&z[i].cpl));
	}
	/* Every write was answered after its data went: none was held. */
	CU_ASSERT_EQUAL(((struct nvme_tcp_qpair *)qp->tr_qpair)->num_held, 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_free_io_qpair(qp), 0);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
out:
	free(wbuf);
	free(rbuf);
	if (tt_error(g_t)[0] != 0)
		fprintf(stderr, "\n  %s\n", tt_error(g_t));
	CU_ASSERT_STRING_EQUAL(tt_error(g_t), "");
}

static void test_rw(void)
{
	rw_roundtrip("");
	CU_ASSERT_FALSE(tt_hdgst(g_t) || tt_ddgst(g_t));
}

static void test_rw_digests(void)
{
	rw_roundtrip(" hdgst:1 ddgst:1");
	CU_ASSERT_TRUE(tt_hdgst(g_t) && tt_ddgst(g_t));
}

/*
 * A fault on the I/O queue: the queue fails, the controller resets (a new
 * admin Connect), the qpair reconnects with its handle unchanged; the
 * request in flight completes once (resubmitted: success).
 */
static void fault_then_reconnect(enum tt_fault f, bool resubmit, const char *extra)
{
	struct pnvme_ctrlr *c = attach(extra, 3, resubmit);
	struct pnvme_qpair *qp = NULL;
	struct pnvme_ns *ns;
	uint8_t *buf = calloc(1, 4096);
	struct io_wait w[3];
	int connects;

	if (c == NULL)
		goto out;
	ns = pnvme_ctrlr_get_ns(c, 1);
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(c, NULL, &qp), 0);
	connects = tt_admin_connects(g_t);
	memset(w, 0, sizeof(w));
	tt_fault(g_t, f);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns, qp, buf, 0, 8, io_cb, &w[0], 0), 0);
	wait_all(qp, c, w, 1);
	CU_ASSERT_EQUAL(w[0].calls, 1);
	if (resubmit) {
		CU_ASSERT_FALSE(pnvme_cpl_is_error(&w[0].cpl));
	} else {
		CU_ASSERT_EQUAL(w[0].cpl.status.sc, PNVME_SC_ABORTED_SQ_DELETION);
	}
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_num_resets(c), 1);
	CU_ASSERT_EQUAL(tt_admin_connects(g_t), connects + 1);
	/* The same handle works after the reset. */
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write(ns, qp, buf, 16, 8, io_cb, &w[1], 0), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns, qp, buf, 16, 8, io_cb, &w[2], 0), 0);
	wait_all(qp, c, &w[1], 2);
	CU_ASSERT_EQUAL(w[1].calls, 1);
	CU_ASSERT_EQUAL(w[2].calls, 1);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w[1].cpl) || pnvme_cpl_is_error(&w[2].cpl));
	/* Nothing completes twice. */
	for (int i = 0; i < 1000; i++)
		pnvme_qpair_process_completions(qp, 0);
	CU_ASSERT_EQUAL(w[0].calls + w[1].calls + w[2].calls, 3);
	CU_ASSERT_EQUAL(pnvme_ctrlr_free_io_qpair(qp), 0);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
out:
	free(buf);
	if (tt_error(g_t)[0] != 0)
		fprintf(stderr, "\n  %s\n", tt_error(g_t));
	CU_ASSERT_STRING_EQUAL(tt_error(g_t), "");
}

static void test_malformed_pdu(void)
{
	fault_then_reconnect(TT_BAD_PDU, false, "");
}

static void test_target_closes(void)
{
	fault_then_reconnect(TT_CLOSE, true, "");
}

/* The target away for a moment (3 connections refused): one reset's retries ride it out. */
static void test_target_flaps(void)
{
	fault_then_reconnect(TT_FLAP, true, "");
}

/* A data digest that does not match: the connection fails, the read goes again. */
static void test_bad_ddgst(void)
{
	fault_then_reconnect(TT_BAD_DDGST, true, " hdgst:1 ddgst:1");
}

/* A command the target never answers: timeout, Abort ("not aborted"), reset, resubmitted. */
static void test_timeout_ladder(void)
{
	g_io_timeout_ms = 200;
	fault_then_reconnect(TT_HOLD, true, "");
	g_io_timeout_ms = 30000;
}

static void test_short_read(void)
{
	fault_then_reconnect(TT_SHORT_READ, true, "");
}

/* ------------------------------------------------------------ a write failed early */

/* Whether the send queue still points into [p, p + len). */
static bool tx_refs(const struct nvme_tcp_qpair *tq, const uint8_t *p, size_t len)
{
	const struct nvme_tcp_tx *tx = &tq->conn.tx;

	for (int i = tx->head; i < tx->tail; i++) {
		const uint8_t *b = tx->iov[i].iov_base;

		if (b + tx->iov[i].iov_len > p && b < p + len)
			return true;
	}
	return false;
}

struct early {
	struct nvme_tcp_qpair *tq;
	uint8_t *buf;
	size_t len;
	int calls;
	bool referenced; /* the send queue pointed into the buffer at the callback */
	struct pnvme_cpl cpl;
};

/* The caller takes its buffer back: checked, poisoned and freed (ASan sees any later read). */
static void early_cb(void *arg, const struct pnvme_cpl *cpl)
{
	struct early *e = arg;

	e->calls++;
	e->cpl = *cpl;
	if (e->buf == NULL)
		return;
	e->referenced = tx_refs(e->tq, e->buf, e->len);
	memset(e->buf, 0xdb, e->len);
	free(e->buf);
	e->buf = NULL;
}

/* Poll the queue and the admin queue for ms, or until *calls is set. */
static void poll_for(struct pnvme_qpair *qp, struct pnvme_ctrlr *c, uint32_t ms, int *calls)
{
	uint64_t until = pnvme_ticks() + pnvme_ticks_hz() * ms / 1000;

	while (pnvme_ticks() < until && (calls == NULL || *calls == 0)) {
		pnvme_qpair_process_completions(qp, 0);
		pnvme_ctrlr_process_admin_completions(c);
	}
}

enum early_end { EARLY_RELEASE, EARLY_RESET, EARLY_DETACH };

/*
 * The target asks for a 128 KiB write with one R2T and fails it at once, then
 * stops reading (tiny socket buffers on both ends): the CQE is in while most of
 * the data still waits in the host's send queue. The callback must wait until
 * the queue no longer points into the buffer: when the queue drained (the
 * target reads again), or when the connection closed (a reset, a detach).
 */
static void early_error(enum early_end end)
{
	struct tt_target *saved = g_t;
	struct pnvme_ctrlr *c;
	struct pnvme_qpair *qp = NULL;
	struct nvme_tcp_qpair *tq;
	struct pnvme_ns *ns;
	struct early e = {.len = 128 * 1024};
	int small = 4096, connects;

	g_t = tt_start();
	tt_rcvbuf(g_t, small);
	c = attach("", 3, false);
	if (c == NULL)
		goto out;
	ns = pnvme_ctrlr_get_ns(c, 1);
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(c, NULL, &qp), 0);
	tq = qp->tr_qpair;
	CU_ASSERT_EQUAL(setsockopt(tq->conn.sock.fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)),
			0);
	connects = tt_admin_connects(g_t);
	e.tq = tq;
	e.buf = malloc(e.len);
	memset(e.buf, 0x5a, e.len);
	tt_fault(g_t, TT_EARLY_ERROR);
	CU_ASSERT_EQUAL(
	    pnvme_ns_cmd_write(ns, qp, e.buf, 0, (uint32_t)(e.len / 512), early_cb, &e, 0), 0);
	/* The answer is in, the data is stuck: no callback, the CQE is held. */
	poll_for(qp, c, 300, &e.calls);
	CU_ASSERT_EQUAL(e.calls, 0);
	CU_ASSERT_EQUAL(tq->num_held, 1);
	CU_ASSERT_PTR_NOT_NULL(tq->held);
	CU_ASSERT_TRUE(e.buf != NULL && tx_refs(tq, e.buf, e.len));
	switch (end) {
	case EARLY_RELEASE: {
		/* The target reads again: the queued rest goes, then the callback, once. */
		struct io_wait w;
		uint8_t *buf = malloc(64 * 1024);

		tt_release(g_t);
		poll_for(qp, c, 5000, &e.calls);
		CU_ASSERT_EQUAL(e.calls, 1);
		CU_ASSERT_EQUAL(e.cpl.status.sc, PNVME_SC_DATA_TRANSFER_ERROR);
		CU_ASSERT_FALSE(e.referenced);
		/* The PDUs queued before the answer went; no more were made. */
		CU_ASSERT(tt_dropped(g_t) > 0 && tt_dropped(g_t) < e.len);
		/* No reset: the queue goes on, and a write answered after its data is not held. */
		memset(&w, 0, sizeof(w));
		memset(buf, 0x3c, 64 * 1024);
		CU_ASSERT_EQUAL(pnvme_ns_cmd_write(ns, qp, buf, 512, 128, io_cb, &w, 0), 0);
		wait_all(qp, c, &w, 1);
		CU_ASSERT_EQUAL(w.calls, 1);
		CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
		CU_ASSERT_EQUAL(memcmp(tt_mem(g_t) + 512 * 512, buf, 64 * 1024), 0);
		CU_ASSERT_EQUAL(tq->num_held, 1);
		CU_ASSERT_EQUAL(tt_admin_connects(g_t), connects);
		CU_ASSERT_EQUAL(pnvme_ctrlr_get_num_resets(c), 0);
		free(buf);
		break;
	}
	case EARLY_RESET:
		/* The target keeps this connection open: the reset closes it first. */
		CU_ASSERT_EQUAL(pnvme_ctrlr_reset(c), 0);
		poll_for(qp, c, 5000, &e.calls);
		CU_ASSERT_EQUAL(e.calls, 1);
		CU_ASSERT_EQUAL(e.cpl.status.sc, PNVME_SC_ABORTED_SQ_DELETION);
		CU_ASSERT_FALSE(e.referenced);
		break;
	case EARLY_DETACH:
		break;
	}
	poll_for(qp, c, 50, NULL);
	if (end != EARLY_DETACH)
		CU_ASSERT_EQUAL(pnvme_ctrlr_free_io_qpair(qp), 0);
	/* Detach deletes the queue: its connection closes before its requests complete. */
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
	CU_ASSERT_EQUAL(e.calls, 1);
	CU_ASSERT_FALSE(e.referenced);
	if (end == EARLY_DETACH)
		CU_ASSERT_EQUAL(e.cpl.status.sc, PNVME_SC_ABORTED_SQ_DELETION);
out:
	free(e.buf);
	if (tt_error(g_t)[0] != 0)
		fprintf(stderr, "\n  %s\n", tt_error(g_t));
	CU_ASSERT_STRING_EQUAL(tt_error(g_t), "");
	tt_stop(g_t);
	g_t = saved;
}

static void test_early_error_drained(void)
{
	early_error(EARLY_RELEASE);
}

static void test_early_error_reset(void)
{
	early_error(EARLY_RESET);
}

static void test_early_error_detach(void)
{
	early_error(EARLY_DETACH);
}

/* The target goes away for good: after reset_attempts the controller is dead, -ENXIO. */
static void test_target_gone(void)
{
	struct pnvme_ctrlr *c = attach("", 2, true);
	struct pnvme_qpair *qp = NULL;
	struct pnvme_ns *ns;
	uint8_t *buf = calloc(1, 8192);
	struct io_wait w[2];
	int rc = 0;

	if (c == NULL)
		goto out;
	ns = pnvme_ctrlr_get_ns(c, 1);
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(c, NULL, &qp), 0);
	memset(w, 0, sizeof(w));
	tt_fault(g_t, TT_GONE);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns, qp, buf, 0, 8, io_cb, &w[0], 0), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write(ns, qp, buf + 4096, 8, 8, io_cb, &w[1], 0), 0);
	for (int i = 0; i < 100000 && rc != -ENXIO; i++)
		rc = pnvme_qpair_process_completions(qp, 0);
	CU_ASSERT_EQUAL(rc, -ENXIO);
	CU_ASSERT_TRUE(pnvme_ctrlr_is_failed(c));
	CU_ASSERT_EQUAL(w[0].calls, 1);
	CU_ASSERT_EQUAL(w[1].calls, 1);
	CU_ASSERT_TRUE(pnvme_cpl_is_error(&w[0].cpl) && pnvme_cpl_is_error(&w[1].cpl));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns, qp, buf, 0, 8, io_cb, &w[0], 0), -ENXIO);
	CU_ASSERT_EQUAL(pnvme_ctrlr_free_io_qpair(qp), 0);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
out:
	free(buf);
	/* The next test gets a target of its own. */
	tt_stop(g_t);
	g_t = tt_start();
}

static void on_entry(void *ctx, const struct pnvme_discovery_entry *e)
{
	struct pnvme_discovery_entry *out = ctx;

	for (int i = 0; i < 4; i++) {
		if (out[i].trtype[0] == '\0') {
			out[i] = *e;
			return;
		}
	}
}

static void test_discover(void)
{
	struct pnvme_discovery_entry e[4];
	char trid[128];

	memset(e, 0, sizeof(e));
	snprintf(trid, sizeof(trid), "trtype:tcp traddr:127.0.0.1 trsvcid:%s", tt_port(g_t));
	CU_ASSERT_EQUAL(pnvme_discover(trid, on_entry, e), 2);
	CU_ASSERT_STRING_EQUAL(e[0].subnqn, NVMF_DISC_NQN);
	CU_ASSERT_EQUAL(e[0].subtype, 3);
	CU_ASSERT_STRING_EQUAL(e[1].trtype, "tcp");
	CU_ASSERT_STRING_EQUAL(e[1].adrfam, "ipv4");
	CU_ASSERT_STRING_EQUAL(e[1].traddr, "127.0.0.1"); /* space padding trimmed */
	CU_ASSERT_STRING_EQUAL(e[1].trsvcid, tt_port(g_t));
	CU_ASSERT_STRING_EQUAL(e[1].subnqn, TT_SUBNQN);
	CU_ASSERT_EQUAL(e[1].subtype, 2);
	CU_ASSERT_EQUAL(e[1].portid, 1);
	CU_ASSERT_EQUAL(e[1].cntlid, 0xffff);
	CU_ASSERT_EQUAL(e[1].genctr, 7);
	CU_ASSERT_EQUAL(pnvme_discover("trtype:sim", on_entry, e), -ENOTSUP);
	CU_ASSERT_EQUAL(pnvme_discover("trtype:tcp traddr:nowhere", on_entry, e), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_discover("trtype:tcp traddr:127.0.0.1 trsvcid:1", NULL, NULL),
			-ECONNREFUSED);
	CU_ASSERT_STRING_EQUAL(tt_error(g_t), "");
}

/* No target at all: attach fails cleanly. */
static void test_refused(void)
{
	struct pnvme_ctrlr *c = NULL;

	CU_ASSERT_EQUAL(pnvme_connect("trtype:tcp traddr:127.0.0.1 trsvcid:1 subnqn:nqn.a", NULL,
				      &c),
			-ENOTCONN);
	CU_ASSERT_PTR_NULL(c);
}

int main(void)
{
	static const struct test_case trids[] = {
		{"tcp transport IDs: fields, defaults, IPv6, host identity", test_trid_good},
		{"malformed tcp transport IDs: -EINVAL", test_trid_bad},
		{NULL, NULL},
	};
	static const struct test_case ctrlr[] = {
		{"bring-up over fabrics: Connect, properties, Identify", test_bring_up},
		{"keep alive: KATO in Connect (0 is the default), Keep Alives from the admin poll",
		 test_keep_alive},
		{"reads and writes: in-capsule, R2T, SUCCESS, iovecs, heap memory", test_rw},
		{"the same with header and data digests", test_rw_digests},
		{"a malformed PDU: reset, reconnect, callbacks once", test_malformed_pdu},
		{"the target closes its sockets: reset, reconnect, resubmitted once",
		 test_target_closes},
		{"the target refuses a few connections: the reset retries, reconnects",
		 test_target_flaps},
		{"a wrong data digest: reset, reconnect, resubmitted once", test_bad_ddgst},
		{"an unanswered command: timeout, Abort, reset, resubmitted once",
		 test_timeout_ladder},
		{"a SUCCESS before all data: the queue fails, the read is resubmitted",
		 test_short_read},
		{"the target gone for good: dead after reset_attempts, -ENXIO", test_target_gone},
		{"a write failed while its data is queued: callback once the queue drained",
		 test_early_error_drained},
		{"the same, ended by a reset: the connection closes before the callback",
		 test_early_error_reset},
		{"the same, ended by detach: the connection closes before the callback",
		 test_early_error_detach},
		{"nothing listening: attach fails", test_refused},
		{"discovery: the log page's entries, defaults, errors", test_discover},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("tcp_trid", NULL, NULL, trids);
	test_add_suite("tcp_ctrlr", setup, teardown, ctrlr);
	return test_run_all();
}
