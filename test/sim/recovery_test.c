/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Failure semantics against the software controller: a buffer goes back to
 * its owner only when the device can no longer touch it. Stalled commands
 * whose data moves late, Aborts that do not abort, the Abort Command Limit,
 * the embedder's timeout callback, surprise removal, namespace changes,
 * formats the driver refuses, calls that are not allowed from callbacks.
 * Each request gets exactly one callback, counted.
 */
#include <errno.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "common/driver_suite.h"
#include "common/test_env.h"
#include "env/barrier.h"
#include "pnvme/nvme.h"
#include "pnvme/sim.h"

struct rig {
	struct pnvme_ctrlr *c;
	struct pnvme_qpair *qp;
	struct pnvme_ns *ns;
	struct pnvme_sim *sim;
	uint8_t *buf;
};

static bool rig_open(struct rig *r, const char *params, uint32_t io_timeout_ms)
{
	struct pnvme_ctrlr_opts opts;
	char trid[256];

	memset(r, 0, sizeof(*r));
	pnvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.io_timeout_ms = io_timeout_ms;
	opts.admin_timeout_ms = 1000;
	snprintf(trid, sizeof(trid), "trtype:sim traddr:rec %s", params);
	if (pnvme_connect(trid, &opts, &r->c) != 0)
		return false;
	r->sim = pnvme_sim_get("rec");
	r->ns = pnvme_ctrlr_get_ns(r->c, 1);
	r->buf = pnvme_dma_zmalloc(1 << 20, 4096, NULL);
	return r->sim && r->ns && r->buf && pnvme_ctrlr_alloc_io_qpair(r->c, NULL, &r->qp) == 0;
}

static void rig_close(struct rig *r)
{
	pnvme_dma_free(r->buf);
	CU_ASSERT_EQUAL(pnvme_detach(r->c), 0);
}

static uint64_t ms_ticks(uint32_t ms)
{
	return (uint64_t)ms * pnvme_ticks_hz() / 1000;
}

/* Poll the qpair and the admin queue until w has its callback or ms pass. */
static int poll_for(struct rig *r, struct io_wait *w, uint32_t ms)
{
	uint64_t deadline = pnvme_ticks() + ms_ticks(ms);

	while (w->calls == 0 && pnvme_ticks() < deadline) {
		pnvme_qpair_process_completions(r->qp, 0);
		pnvme_ctrlr_process_admin_completions(r->c);
	}
	return w->calls;
}

static void poll_ms(struct rig *r, uint32_t ms)
{
	struct io_wait none = {0};

	poll_for(r, &none, ms);
}

static bool all_bytes(const uint8_t *p, size_t n, uint8_t v)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != v)
			return false;
	return true;
}

/*
 * A read stalls in the device past its timeout, and its Abort is ignored. The
 * callback comes only after the reset disabled the controller; a canary
 * written into the buffer after the callback is still there after the stall
 * would have ended: the device never wrote it.
 */
static void test_stalled_read_keeps_its_buffer(void)
{
	struct rig r;
	struct io_wait w = {0};
	struct pnvme_sim_stats before, after;
	uint64_t start;

	CU_ASSERT_FATAL(rig_open(&r, "", 100));
	/* Data on the media to read back: not the canary. */
	memset(r.buf, 0x5a, 4096);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write(r.ns, r.qp, r.buf, 0, 8, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL_FATAL(poll_for(&r, &w, 2000), 1);
	pnvme_sim_set_abort_mode(r.sim, PNVME_SIM_ABORT_IGNORE);
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(r.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1, 1500), 0);
	pnvme_sim_get_stats(r.sim, &before);
	memset(r.buf, 0, 4096);
	memset(&w, 0, sizeof(w));
	start = pnvme_ticks();
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 8, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL_FATAL(poll_for(&r, &w, 1400), 1);
	/* Before the stall ended, and through a reset, not a made-up completion. */
	CU_ASSERT_TRUE(pnvme_ticks() - start < ms_ticks(1500));
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_num_resets(r.c), 1);
	CU_ASSERT_TRUE(pnvme_cpl_is_error(&w.cpl));
	CU_ASSERT_EQUAL(w.cpl.status.sc, PNVME_SC_ABORTED_SQ_DELETION);
	memset(r.buf, 0xc3, 4096); /* the canary: the buffer is the caller's again */
	while (pnvme_ticks() - start < ms_ticks(1800))
		poll_ms(&r, 50);
	CU_ASSERT_TRUE(all_bytes(r.buf, 4096, 0xc3));
	pnvme_sim_get_stats(r.sim, &after);
	CU_ASSERT_EQUAL(after.bytes_read, before.bytes_read);
	CU_ASSERT_EQUAL(w.calls, 1);
	rig_close(&r);
}

/* The same for a write: the device does not read the buffer after the callback. */
static void test_stalled_write_keeps_its_buffer(void)
{
	struct rig r;
	struct io_wait w = {0};
	struct pnvme_sim_stats before, after;
	uint64_t start;

	CU_ASSERT_FATAL(rig_open(&r, "", 100));
	pnvme_sim_set_abort_mode(r.sim, PNVME_SIM_ABORT_IGNORE);
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(r.sim, PNVME_SIM_IO, PNVME_OPC_WRITE, 1, 1500), 0);
	pnvme_sim_get_stats(r.sim, &before);
	memset(r.buf, 0x11, 4096);
	start = pnvme_ticks();
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write(r.ns, r.qp, r.buf, 64, 8, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL_FATAL(poll_for(&r, &w, 1400), 1);
	CU_ASSERT_EQUAL(w.cpl.status.sc, PNVME_SC_ABORTED_SQ_DELETION);
	memset(r.buf, 0xc3, 4096); /* reused for something else */
	while (pnvme_ticks() - start < ms_ticks(1800))
		poll_ms(&r, 50);
	pnvme_sim_get_stats(r.sim, &after);
	CU_ASSERT_EQUAL(after.bytes_written, before.bytes_written);
	/* Neither the old nor the new content reached the media. */
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 64, 8, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL(poll_for(&r, &w, 2000), 1);
	CU_ASSERT_TRUE(all_bytes(r.buf, 4096, 0));
	rig_close(&r);
}

/* A stall shorter than the timeout is just slow: its own completion, its data. */
static void test_short_stall_completes_normally(void)
{
	struct rig r;
	struct io_wait w = {0};

	CU_ASSERT_FATAL(rig_open(&r, "", 1000));
	memset(r.buf, 0x77, 4096);
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(r.sim, PNVME_SIM_IO, PNVME_OPC_WRITE, 1, 100), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write(r.ns, r.qp, r.buf, 8, 8, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL(poll_for(&r, &w, 3000), 1);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_num_resets(r.c), 0);
	rig_close(&r);
}

/* Abort Command Limit 1 (acl=0) and Aborts held: never more than one in flight. */
static void test_abort_limit_then_reset(void)
{
	struct rig r;
	struct io_wait w[8];
	struct pnvme_sim_stats st;

	CU_ASSERT_FATAL(rig_open(&r, "acl=0", 100));
	pnvme_sim_set_abort_mode(r.sim, PNVME_SIM_ABORT_HOLD);
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(r.sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC, 8, 0), 0);
	memset(w, 0, sizeof(w));
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf + i * 4096, (uint64_t)i * 8, 8,
						  io_cb, &w[i], 0), 0);
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(poll_for(&r, &w[i], 3000), 1);
	pnvme_sim_get_stats(r.sim, &st);
	CU_ASSERT_EQUAL(st.admin_cmds[PNVME_OPC_ABORT], 1); /* the others waited their turn */
	CU_ASSERT_TRUE(pnvme_ctrlr_get_num_resets(r.c) >= 1);
	poll_ms(&r, 300);
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL(w[i].calls, 1);
		CU_ASSERT_EQUAL(w[i].cpl.status.sc, PNVME_SC_ABORTED_SQ_DELETION);
	}
	/* The qpair works after it. */
	memset(&w[0], 0, sizeof(w[0]));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 8, io_cb, &w[0], 0), 0);
	CU_ASSERT_EQUAL(poll_for(&r, &w[0], 2000), 1);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w[0].cpl));
	rig_close(&r);
}

/* With a normal Abort the device ends the command itself: no reset needed. */
static void test_abort_works(void)
{
	struct rig r;
	struct io_wait w = {0};

	CU_ASSERT_FATAL(rig_open(&r, "", 100));
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(r.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1, 0), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 8, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL(poll_for(&r, &w, 3000), 1);
	CU_ASSERT_EQUAL(w.cpl.status.sc, PNVME_SC_ABORTED_BY_REQUEST);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_num_resets(r.c), 0);
	rig_close(&r);
}

struct timeout_seen {
	int calls;
	struct pnvme_qpair *qp;
	uint16_t cid;
	bool is_admin;
	enum pnvme_timeout_action answer;
};

static enum pnvme_timeout_action on_timeout(void *arg, struct pnvme_ctrlr *c,
					    struct pnvme_qpair *qp, uint16_t cid, bool is_admin)
{
	struct timeout_seen *t = arg;

	(void)c;
	t->calls++;
	t->qp = qp;
	t->cid = cid;
	t->is_admin = is_admin;
	/* Wait once, then reset. */
	return t->calls == 1 ? PNVME_TIMEOUT_NONE : t->answer;
}

static void test_timeout_callback_decides(void)
{
	struct rig r;
	struct io_wait w = {0};
	struct timeout_seen t = {.answer = PNVME_TIMEOUT_RESET};
	struct pnvme_sim_stats st;

	CU_ASSERT_FATAL(rig_open(&r, "", 100));
	pnvme_ctrlr_register_timeout_callback(r.c, on_timeout, &t);
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(r.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1, 0), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 8, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL(poll_for(&r, &w, 3000), 1);
	CU_ASSERT_EQUAL(t.calls, 2);
	CU_ASSERT_PTR_EQUAL(t.qp, r.qp);
	CU_ASSERT_FALSE(t.is_admin);
	pnvme_sim_get_stats(r.sim, &st);
	CU_ASSERT_EQUAL(st.admin_cmds[PNVME_OPC_ABORT], 0); /* it chose reset, not Abort */
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_num_resets(r.c), 1);
	CU_ASSERT_EQUAL(w.cpl.status.sc, PNVME_SC_ABORTED_SQ_DELETION);
	rig_close(&r);
}

/* mqes=1: a 2-entry queue, one command in the device; its timeout still fires. */
static void test_timeout_on_tiny_queue(void)
{
	struct rig r;
	struct io_wait w[3];

	CU_ASSERT_FATAL(rig_open(&r, "mqes=1", 50));
	pnvme_sim_set_abort_mode(r.sim, PNVME_SIM_ABORT_HOLD);
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(r.sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC, 1, 0), 0);
	memset(w, 0, sizeof(w));
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 8, io_cb, &w[i], 0), 0);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(poll_for(&r, &w[i], 3000), 1);
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(r.qp), 0);
	rig_close(&r);
}

/* Surprise removal with only the I/O poller running: callbacks, -ENXIO, no hang. */
static void test_surprise_removal(void)
{
	struct rig r;
	struct io_wait w[16];
	uint64_t deadline;
	int32_t rc = 0;

	CU_ASSERT_FATAL(rig_open(&r, "latency_us=20000", 0));
	memset(w, 0, sizeof(w));
	for (int i = 0; i < 16; i++)
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf + i * 4096, (uint64_t)i * 8, 8,
						  io_cb, &w[i], 0), 0);
	pnvme_sim_remove(r.sim);
	deadline = pnvme_ticks() + 10 * pnvme_ticks_hz();
	while ((rc = pnvme_qpair_process_completions(r.qp, 0)) >= 0 && pnvme_ticks() < deadline)
		;
	CU_ASSERT_EQUAL(rc, -ENXIO);
	CU_ASSERT_TRUE(pnvme_ctrlr_is_failed(r.c));
	for (int i = 0; i < 16; i++)
		CU_ASSERT_EQUAL(w[i].calls, 1);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 8, io_cb, &w[0], 0), -ENXIO);
	CU_ASSERT_EQUAL(pnvme_ctrlr_process_admin_completions(r.c), -ENXIO);
	rig_close(&r);
}

/* A format behind our back: an AER, a rescan, the same handle with the new size. */
static void test_namespace_change(void)
{
	struct rig r;
	struct io_wait w = {0};
	uint64_t deadline;

	CU_ASSERT_FATAL(rig_open(&r, "ns=2 size=64M", 0));
	CU_ASSERT_EQUAL(pnvme_ns_get_sector_size(r.ns), 512);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(r.sim, 1, 4096, 32u << 20), 0);
	deadline = pnvme_ticks() + 3 * pnvme_ticks_hz();
	while (pnvme_ns_get_sector_size(r.ns) != 4096 && pnvme_ticks() < deadline)
		pnvme_ctrlr_process_admin_completions(r.c);
	CU_ASSERT_EQUAL(pnvme_ns_get_sector_size(r.ns), 4096);
	CU_ASSERT_EQUAL(pnvme_ns_get_num_sectors(r.ns), (32u << 20) / 4096);
	CU_ASSERT_TRUE(driver_suite_integrity(r.ns, r.qp, 4, 2, 0, 7,
					      pnvme_ctrlr_get_max_xfer_size(r.c)));
	/* A second change is reported too (the log page read re-armed the event). */
	CU_ASSERT_EQUAL(pnvme_sim_ns_remove(r.sim, 2), 0);
	struct pnvme_ns *ns2 = pnvme_ctrlr_get_ns(r.c, 2);

	deadline = pnvme_ticks() + 3 * pnvme_ticks_hz();
	while (pnvme_ns_is_active(ns2) && pnvme_ticks() < deadline)
		pnvme_ctrlr_process_admin_completions(r.c);
	CU_ASSERT_FALSE(pnvme_ns_is_active(ns2));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns2, r.qp, r.buf, 0, 1, io_cb, &w, 0), -ENXIO);
	CU_ASSERT_EQUAL(w.calls, 0);
	rig_close(&r);
}

/*
 * Metadata asked for where the format has none, missing where it needs one,
 * PI flags without PI: -EINVAL, a log line, no callback. (Formats the driver
 * cannot drive at all, PI with under 8 bytes of metadata, get -ENOTSUP.)
 */
static void test_metadata_bad_input(void)
{
	struct rig r;
	struct io_wait w = {0};
	struct iovec iov = {0};
	uint8_t *md;

	CU_ASSERT_FATAL(rig_open(&r, "ms=8", 0));
	md = pnvme_dma_zmalloc(4096, 4096, NULL);
	iov.iov_base = r.buf;
	iov.iov_len = 4096;
	CU_ASSERT_EQUAL(pnvme_ns_get_md_size(r.ns), 8);
	CU_ASSERT_FALSE(pnvme_ns_md_is_extended(r.ns));
	/* Separate metadata: the plain calls would leave MPTR pointing nowhere. */
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 1, io_cb, &w, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write(r.ns, r.qp, r.buf, 0, 1, io_cb, &w, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_readv(r.ns, r.qp, &iov, 1, 0, 1, io_cb, &w, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read_with_md(r.ns, r.qp, r.buf, NULL, 0, 1, io_cb, &w, 0, 0,
						  0), -EINVAL);
	/* No protection information in this format: PI flags are refused. */
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read_with_md(r.ns, r.qp, r.buf, md, 0, 1, io_cb, &w,
						  PNVME_IO_FLAGS_PRCHK_GUARD, 0, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_pi_generate(r.ns, r.buf, md, 0, 1, 0), -EINVAL);
	CU_ASSERT_EQUAL(w.calls, 0);
	rig_close(&r);

	/* No metadata at all: a metadata buffer is refused, and so are PI flags. */
	CU_ASSERT_FATAL(rig_open(&r, "", 0));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write_with_md(r.ns, r.qp, r.buf, md, 0, 1, io_cb, &w, 0, 0,
						   0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 1, io_cb, &w, PNVME_IO_FLAGS_PRACT),
			-EINVAL);
	CU_ASSERT_EQUAL(w.calls, 0);
	pnvme_dma_free(md);
	rig_close(&r);
}

/* ------------------------------------------------------------ calls from callbacks */

static struct rig *g_rig;
static int g_free_rc, g_detach_rc, g_alloc_rc, g_reset_rc;

static void free_self_cb(void *arg, const struct pnvme_cpl *cpl)
{
	(void)cpl;
	(void)arg;
	g_free_rc = pnvme_ctrlr_free_io_qpair(g_rig->qp);
	g_detach_rc = pnvme_detach(g_rig->c);
	g_reset_rc = pnvme_ctrlr_reset(g_rig->c);
}

static void aer_calls_sync(void *arg, const struct pnvme_cpl *cpl)
{
	struct pnvme_qpair *qp = NULL;

	(void)cpl;
	(void)arg;
	g_alloc_rc = pnvme_ctrlr_alloc_io_qpair(g_rig->c, NULL, &qp);
	if (g_alloc_rc == 0)
		pnvme_ctrlr_free_io_qpair(qp);
}

static void test_calls_from_callbacks(void)
{
	struct rig r;
	uint64_t deadline;

	CU_ASSERT_FATAL(rig_open(&r, "", 0));
	g_rig = &r;
	g_free_rc = g_detach_rc = g_reset_rc = 1;
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 8, free_self_cb, NULL, 0), 0);
	deadline = pnvme_ticks() + 2 * pnvme_ticks_hz();
	while (g_free_rc == 1 && pnvme_ticks() < deadline)
		pnvme_qpair_process_completions(r.qp, 0);
	CU_ASSERT_EQUAL(g_free_rc, -EBUSY);
	CU_ASSERT_EQUAL(g_detach_rc, -EBUSY);
	CU_ASSERT_EQUAL(g_reset_rc, 0); /* from an I/O callback a reset is fine */
	/* A synchronous admin call from an AER callback would wait for itself. */
	g_alloc_rc = 1;
	pnvme_ctrlr_register_aer_callback(r.c, aer_calls_sync, NULL);
	CU_ASSERT_EQUAL(pnvme_sim_raise_aer(r.sim, PNVME_AER_TYPE_SMART, 0,
					    PNVME_LOG_PAGE_HEALTH), 0);
	deadline = pnvme_ticks() + 2 * pnvme_ticks_hz();
	while (g_alloc_rc == 1 && pnvme_ticks() < deadline) {
		pnvme_ctrlr_process_admin_completions(r.c);
		pnvme_qpair_process_completions(r.qp, 0);
	}
	CU_ASSERT_EQUAL(g_alloc_rc, -EDEADLK);
	/* And the controller is healthy after all that. */
	CU_ASSERT_TRUE(driver_suite_integrity(r.ns, r.qp, 4, 2, 0, 3,
					      pnvme_ctrlr_get_max_xfer_size(r.c)));
	rig_close(&r);
}

/* ------------------------------------------------------------ bring-up */

static void test_bring_up_edges(void)
{
	struct rig r;
	uint64_t start;

	/* Stuck enabling with CFS: a reset clears EN rather than wait CAP.TO. */
	CU_ASSERT_FATAL(rig_open(&r, "to=20", 0));
	pnvme_sim_set_stuck_cfs(r.sim);
	start = pnvme_ticks();
	CU_ASSERT_EQUAL(pnvme_ctrlr_reset(r.c), 0);
	CU_ASSERT_TRUE(pnvme_ticks() - start < 5 * pnvme_ticks_hz()); /* CAP.TO is 10 s */
	CU_ASSERT_TRUE(driver_suite_integrity(r.ns, r.qp, 2, 1, 0, 5,
					      pnvme_ctrlr_get_max_xfer_size(r.c)));
	rig_close(&r);
	/* NVMe 2.0: ready after 1.5 s, CAP.TO says 500 ms, CRTO says 4 s. */
	CU_ASSERT_TRUE(rig_open(&r, "vs=2.0 to=1 fault_ready=1500 crto_ms=4000", 0));
	rig_close(&r);
}

/* CAP.MQES = 0xffff: a 65536-entry I/O queue carries verified I/O. */
static void test_largest_queue(void)
{
	struct rig r;
	struct pnvme_io_qpair_opts opts;
	struct pnvme_qpair *big;

	CU_ASSERT_FATAL(rig_open(&r, "mqes=65535 size=64M", 0));
	pnvme_ctrlr_get_default_io_qpair_opts(r.c, &opts, sizeof(opts));
	opts.io_queue_size = 65536;
	opts.io_queue_requests = 65536;
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(r.c, &opts, &big), 0);
	CU_ASSERT_TRUE(driver_suite_integrity(r.ns, big, 64, 2, 0, 9,
					      pnvme_ctrlr_get_max_xfer_size(r.c)));
	CU_ASSERT_EQUAL(pnvme_ctrlr_free_io_qpair(big), 0);
	rig_close(&r);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"stalled read past its timeout: callback after the disable, canary intact",
		 test_stalled_read_keeps_its_buffer},
		{"stalled write past its timeout: the device never reads the buffer after",
		 test_stalled_write_keeps_its_buffer},
		{"a stall within the timeout completes normally", test_short_stall_completes_normally},
		{"Abort ends a stuck command: its own completion, no reset", test_abort_works},
		{"Abort Command Limit 1, Aborts held: one in flight, then reset",
		 test_abort_limit_then_reset},
		{"the embedder's timeout callback decides: wait, then reset",
		 test_timeout_callback_decides},
		{"a 2-entry queue (mqes=1): timeouts still fire", test_timeout_on_tiny_queue},
		{"surprise removal: an I/O-only poller gets every callback and -ENXIO",
		 test_surprise_removal},
		{"namespace format and removal behind our back: AER, rescan, handles kept",
		 test_namespace_change},
		{"metadata buffers and PI flags where the format does not fit: -EINVAL",
		 test_metadata_bad_input},
		{"from callbacks: free/detach -EBUSY, reset ok, sync admin -EDEADLK",
		 test_calls_from_callbacks},
		{"bring-up: CFS while enabling, CRTO", test_bring_up_edges},
		{"a 65536-entry I/O queue", test_largest_queue},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("recovery", NULL, NULL, tests);
	return test_run_all();
}
