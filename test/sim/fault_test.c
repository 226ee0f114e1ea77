/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole driver against the software controller, with the faults real
 * hardware rarely shows on demand: error statuses, lost completions (timeout,
 * Abort, quarantine), bogus and duplicate CIDs, fatal status, slow or no
 * ready, a failing Identify, asynchronous events. Each ends in the right
 * status at the caller, exactly one callback per request, and no leak.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "common/driver_suite.h"
#include "common/test_env.h"
#include "pnvme/nvme.h"
#include "env/pci.h"
#include "env/barrier.h"
#include "pnvme/sim.h"

struct rig {
	struct pnvme_ctrlr *c;
	struct pnvme_qpair *qp;
	struct pnvme_ns *ns;
	struct pnvme_sim *sim;
	uint8_t *buf;
};

/* Failed resets before the controller is dead (opts.reset_attempts) for the next rig. */
static uint32_t g_rig_reset_attempts = 3;

static bool rig_open(struct rig *r, const char *trid, const char *name, uint32_t io_timeout_ms)
{
	struct pnvme_ctrlr_opts opts;

	memset(r, 0, sizeof(*r));
	pnvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.io_timeout_ms = io_timeout_ms;
	opts.reset_attempts = g_rig_reset_attempts;
	opts.admin_timeout_ms = 2000;
	if (pnvme_connect(trid, &opts, &r->c) != 0)
		return false;
	r->sim = pnvme_sim_get(name);
	r->ns = pnvme_ctrlr_get_ns(r->c, 1);
	r->buf = pnvme_dma_zmalloc(1 << 20, 4096, NULL);
	return r->sim && r->ns && r->buf && pnvme_ctrlr_alloc_io_qpair(r->c, NULL, &r->qp) == 0;
}

static void rig_close(struct rig *r)
{
	pnvme_dma_free(r->buf);
	CU_ASSERT_EQUAL(pnvme_detach(r->c), 0);
	CU_ASSERT_PTR_NULL(pnvme_sim_get("fault")); /* the sim went with its controller */
}

/* Poll until the wait completes or ms pass; returns the number of callbacks. */
static int poll_for(struct rig *r, struct io_wait *w, uint32_t ms)
{
	uint64_t deadline = pnvme_ticks() + ms * pnvme_ticks_hz() / 1000;

	while (w->calls == 0 && pnvme_ticks() < deadline) {
		pnvme_qpair_process_completions(r->qp, 0);
		pnvme_ctrlr_process_admin_completions(r->c);
	}
	return w->calls;
}

static void test_injected_error_status(void)
{
	struct rig r;
	struct io_wait w = {0};

	CU_ASSERT_FATAL(rig_open(&r, "trtype:sim traddr:fault", "fault", 0));
	CU_ASSERT_EQUAL(pnvme_sim_fail_next(r.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1,
					    PNVME_SCT_MEDIA_ERROR, PNVME_SC_UNRECOVERED_READ_ERROR,
					    true), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 8, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL(poll_for(&r, &w, 2000), 1);
	CU_ASSERT_TRUE(pnvme_cpl_is_error(&w.cpl));
	CU_ASSERT_EQUAL(w.cpl.status.sct, PNVME_SCT_MEDIA_ERROR);
	CU_ASSERT_EQUAL(w.cpl.status.sc, PNVME_SC_UNRECOVERED_READ_ERROR);
	CU_ASSERT_EQUAL(w.cpl.status.dnr, 1);
	CU_ASSERT_STRING_EQUAL(pnvme_cpl_status_str(&w.cpl), "Unrecovered Read Error");
	/* One child of a split read fails: the parent reports it, once. */
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(pnvme_sim_fail_next(r.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1,
					    PNVME_SCT_GENERIC, PNVME_SC_INTERNAL_DEVICE_ERROR,
					    false), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 2048, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL(poll_for(&r, &w, 2000), 1);
	CU_ASSERT_EQUAL(w.cpl.status.sc, PNVME_SC_INTERNAL_DEVICE_ERROR);
	/* And the next read is fine. */
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 8, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL(poll_for(&r, &w, 2000), 1);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(r.qp), 0);
	rig_close(&r);
}

static void test_lost_completion_aborted(void)
{
	struct rig r;
	struct io_wait w = {0};
	struct pnvme_sim_stats st;

	CU_ASSERT_FATAL(rig_open(&r, "trtype:sim traddr:fault", "fault", 200));
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(r.sim, PNVME_SIM_IO, PNVME_OPC_WRITE, 1), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write(r.ns, r.qp, r.buf, 64, 8, io_cb, &w, 0), 0);
	/* The driver sends Abort after 200 ms; the sim resolves the held command. */
	CU_ASSERT_EQUAL(poll_for(&r, &w, 3000), 1);
	CU_ASSERT_TRUE(pnvme_cpl_is_error(&w.cpl));
	CU_ASSERT_EQUAL(w.cpl.status.sc, PNVME_SC_ABORTED_BY_REQUEST);
	pnvme_sim_get_stats(r.sim, &st);
	CU_ASSERT_EQUAL(st.admin_cmds[PNVME_OPC_ABORT], 1);
	/* Nothing else arrives for it later. */
	poll_for(&r, &(struct io_wait){0}, 300);
	CU_ASSERT_EQUAL(w.calls, 1);
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(r.qp), 0);
	rig_close(&r);
}

static void test_lost_completion_and_lost_abort(void)
{
	struct rig r;
	struct io_wait w = {0}, after = {0};

	CU_ASSERT_FATAL(rig_open(&r, "trtype:sim traddr:fault", "fault", 150));
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(r.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1), 0);
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(r.sim, PNVME_SIM_ADMIN, PNVME_OPC_ABORT, 1), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 8, io_cb, &w, 0), 0);
	/* No answer to the Abort either: the driver completes the read itself. */
	CU_ASSERT_EQUAL(poll_for(&r, &w, 3000), 1);
	CU_ASSERT_EQUAL(w.cpl.status.sc, PNVME_SC_ABORTED_BY_REQUEST);
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(r.qp), 0);
	/* The qpair goes on working around the quarantined CID. */
	for (int i = 0; i < 300; i++) {
		memset(&after, 0, sizeof(after));
		CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 8, 8, io_cb, &after, 0), 0);
		CU_ASSERT_EQUAL_FATAL(poll_for(&r, &after, 2000), 1);
		CU_ASSERT_FALSE(pnvme_cpl_is_error(&after.cpl));
	}
	CU_ASSERT_EQUAL(w.calls, 1);
	rig_close(&r);
}

static void test_lost_admin_completion(void)
{
	struct pnvme_ctrlr_opts opts;
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_GET_FEATURES};
	struct pnvme_ctrlr *c;
	struct io_wait w = {0};
	uint64_t deadline;

	pnvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.admin_timeout_ms = 300;
	CU_ASSERT_EQUAL_FATAL(pnvme_connect("trtype:sim traddr:fault", &opts, &c), 0);
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(pnvme_sim_get("fault"), PNVME_SIM_ADMIN,
					    PNVME_OPC_GET_FEATURES, 1), 0);
	cmd.cdw10 = PNVME_FEAT_NUMBER_OF_QUEUES;
	CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_admin_raw(c, &cmd, NULL, 0, io_cb, &w), 0);
	deadline = pnvme_ticks() + 3 * pnvme_ticks_hz();
	while (w.calls == 0 && pnvme_ticks() < deadline)
		pnvme_ctrlr_process_admin_completions(c);
	CU_ASSERT_EQUAL(w.calls, 1);
	/* Not answered: the controller is reset, and that completes it, once. */
	CU_ASSERT_EQUAL(w.cpl.status.sc, PNVME_SC_ABORTED_SQ_DELETION);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_num_resets(c), 1);
	/* The AERs outstanding all along were not timed out, and admin still works. */
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_admin_raw(c, &cmd, NULL, 0, io_cb, &w), 0);
	deadline = pnvme_ticks() + 3 * pnvme_ticks_hz();
	while (w.calls == 0 && pnvme_ticks() < deadline)
		pnvme_ctrlr_process_admin_completions(c);
	CU_ASSERT_EQUAL(w.calls, 1);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	CU_ASSERT_EQUAL(pnvme_sim_raise_aer(pnvme_sim_get("fault"), 1, 0, 2), 0);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
}

static void test_bogus_and_duplicate_completions(void)
{
	struct rig r;
	struct io_wait w[16];

	CU_ASSERT_FATAL(rig_open(&r, "trtype:sim traddr:fault", "fault", 0));
	CU_ASSERT_EQUAL(pnvme_sim_bogus_cid_next(r.sim, PNVME_SIM_IO, PNVME_OPC_READ, 2), 0);
	CU_ASSERT_EQUAL(pnvme_sim_duplicate_next(r.sim, PNVME_SIM_IO, PNVME_OPC_WRITE, 2), 0);
	memset(w, 0, sizeof(w));
	for (int i = 0; i < 16; i++) {
		int rc = i % 2 ? pnvme_ns_cmd_read(r.ns, r.qp, r.buf, (uint64_t)i * 8, 8, io_cb,
						   &w[i], 0)
			       : pnvme_ns_cmd_write(r.ns, r.qp, r.buf, (uint64_t)i * 8, 8, io_cb,
						    &w[i], 0);

		CU_ASSERT_EQUAL(rc, 0);
	}
	for (int i = 0; i < 16; i++)
		poll_for(&r, &w[i], 2000);
	poll_for(&r, &(struct io_wait){0}, 100); /* let any duplicate arrive */
	for (int i = 0; i < 16; i++) {
		CU_ASSERT_EQUAL(w[i].calls, 1);
		CU_ASSERT_FALSE(pnvme_cpl_is_error(&w[i].cpl));
	}
	rig_close(&r);
}

static void test_fatal_status(void)
{
	struct rig r;
	struct io_wait w[8];
	int32_t rc = 0;

	uint64_t deadline;

	/* No resets allowed: a fatal status kills the controller. */
	g_rig_reset_attempts = 0;
	CU_ASSERT_FATAL(rig_open(&r, "trtype:sim traddr:fault latency_us=100000", "fault", 0));
	g_rig_reset_attempts = 3;
	memset(w, 0, sizeof(w));
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 8, io_cb, &w[i], 0), 0);
	pnvme_sim_set_cfs(r.sim);
	/* An I/O-only poller notices (its queue goes silent, it reads CSTS). */
	deadline = pnvme_ticks() + 5 * pnvme_ticks_hz();
	while ((rc = pnvme_qpair_process_completions(r.qp, 0)) >= 0 && pnvme_ticks() < deadline)
		;
	CU_ASSERT_TRUE(pnvme_ctrlr_is_failed(r.c));
	CU_ASSERT_EQUAL(rc, -ENXIO);
	/* It was disabled before anything completed. */
	CU_ASSERT_FALSE(mmio_read32(pnvme_sim_bar0(r.sim), PNVME_REG_CC) & PNVME_CC_EN);
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL(w[i].calls, 1);
		CU_ASSERT_EQUAL(w[i].cpl.status.sc, PNVME_SC_ABORTED_SQ_DELETION);
	}
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 8, io_cb, &w[0], 0), -ENXIO);
	CU_ASSERT_EQUAL(w[0].calls, 1);
	rig_close(&r);
}

static void test_reset(void)
{
	struct rig r;
	struct io_wait w[8], after = {0};

	CU_ASSERT_FATAL(rig_open(&r, "trtype:sim traddr:fault", "fault", 0));
	memset(w, 0, sizeof(w));
	pnvme_sim_set_latency_us(r.sim, 200000);
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(pnvme_ns_cmd_write(r.ns, r.qp, r.buf, (uint64_t)i * 8, 8, io_cb, &w[i],
						   0), 0);
	/* Reset with I/O in flight: each request completes once, aborted, at the owner's poll. */
	CU_ASSERT_EQUAL(pnvme_ctrlr_reset(r.c), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_num_resets(r.c), 1);
	pnvme_qpair_process_completions(r.qp, 0);
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL(w[i].calls, 1);
		CU_ASSERT_EQUAL(w[i].cpl.status.sc, PNVME_SC_ABORTED_SQ_DELETION);
	}
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(r.qp), 0);
	pnvme_sim_set_latency_us(r.sim, 0);
	/* The same qpair and namespace handles work after it. */
	CU_ASSERT_TRUE(pnvme_ns_is_active(r.ns));
	CU_ASSERT_TRUE(driver_suite_integrity(r.ns, r.qp, 8, 4, 0, 5, 131072));
	poll_for(&r, &(struct io_wait){0}, 100); /* late completions of the old queue: none */
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(w[i].calls, 1);

	/* A controller with fatal status comes back by itself: the admin poll resets it. */
	pnvme_sim_set_cfs(r.sim);
	for (int i = 0; i < 100 && pnvme_ctrlr_get_num_resets(r.c) < 2; i++)
		pnvme_ctrlr_process_admin_completions(r.c);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_num_resets(r.c), 2);
	CU_ASSERT_FALSE(pnvme_ctrlr_is_failed(r.c));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, r.buf, 0, 8, io_cb, &after, 0), 0);
	CU_ASSERT_EQUAL(poll_for(&r, &after, 2000), 1);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&after.cpl));
	rig_close(&r);
}

/* A transport that lends the driver a sim and keeps it after detach, to look at it. */
static struct pnvme_sim *g_kept;
static struct env_pci_dev g_kept_dev;

static int kept_cfg_read(struct env_pci_dev *dev, void *buf, size_t len, uint32_t off)
{
	struct env_pci_dev *real = dev->priv;

	return real->ops->cfg_read(real, buf, len, off);
}

static int kept_cfg_write(struct env_pci_dev *dev, const void *buf, size_t len, uint32_t off)
{
	struct env_pci_dev *real = dev->priv;

	return real->ops->cfg_write(real, buf, len, off);
}

static void kept_detach(struct env_pci_dev *dev)
{
	(void)dev; /* the test destroys the sim itself */
}

static const struct env_pci_dev_ops kept_ops = {
	.cfg_read = kept_cfg_read,
	.cfg_write = kept_cfg_write,
	.detach = kept_detach,
};

static int kept_attach(const char *addr, const char *params, struct env_pci_dev **out)
{
	struct env_pci_dev *real;
	/* The software controller's provider, as it registered itself. */
	int rc = env_pci_transport_find("sim")->attach(addr, params, &real);

	if (rc != 0)
		return rc;
	g_kept = pnvme_sim_get(real->addr);
	g_kept_dev = *real;
	g_kept_dev.ops = &kept_ops;
	g_kept_dev.priv = real;
	*out = &g_kept_dev;
	return 0;
}

static void test_detach_disables_controller(void)
{
	static struct env_pci_transport kept = {.name = "keptsim", .attach = kept_attach};
	struct pnvme_ctrlr *c;
	uint64_t deadline;

	env_pci_transport_register(&kept);
	CU_ASSERT_EQUAL_FATAL(pnvme_connect("trtype:keptsim traddr:kept", NULL, &c), 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_kept);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
	/* Its admin queue memory is gone: the controller must no longer be enabled. */
	CU_ASSERT_FALSE(mmio_read32(pnvme_sim_bar0(g_kept), PNVME_REG_CC) & PNVME_CC_EN);
	deadline = pnvme_ticks() + 5 * pnvme_ticks_hz();
	while ((mmio_read32(pnvme_sim_bar0(g_kept), PNVME_REG_CSTS) & PNVME_CSTS_RDY) &&
	       pnvme_ticks() < deadline)
		;
	CU_ASSERT_FALSE(mmio_read32(pnvme_sim_bar0(g_kept), PNVME_REG_CSTS) & PNVME_CSTS_RDY);
	pnvme_sim_destroy(g_kept);
	env_pci_transport_unregister(&kept);
}

static void test_ready_faults(void)
{
	struct pnvme_ctrlr *c = NULL;
	uint64_t start = pnvme_ticks();

	/* Never ready: bring-up gives up after CAP.TO (to=2: 1 s). */
	CU_ASSERT_EQUAL(pnvme_connect("trtype:sim traddr:fault to=2 fault_ready=never", NULL, &c),
			-ETIMEDOUT);
	CU_ASSERT_TRUE(pnvme_ticks() - start < 30 * pnvme_ticks_hz()); /* bounded, not fast */
	CU_ASSERT_PTR_NULL(pnvme_sim_get("fault"));
	/* Slow but within CAP.TO: fine. */
	CU_ASSERT_EQUAL(pnvme_connect("trtype:sim traddr:fault to=4 ready_ms=400", NULL, &c), 0);
	CU_ASSERT_PTR_NOT_NULL(c);
	if (c != NULL)
		CU_ASSERT_EQUAL(pnvme_detach(c), 0);
	/* Bad parameters: a clear error, nothing attached. */
	CU_ASSERT_EQUAL(pnvme_connect("trtype:sim traddr:fault lba=1000", NULL, &c), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_connect("trtype:sim traddr:fault bogus=1", NULL, &c), -EINVAL);
}

struct connect_arg {
	const char *trid;
	struct pnvme_ctrlr *c;
	int rc;
};

static void *connect_thread(void *p)
{
	struct connect_arg *a = p;
	struct pnvme_ctrlr_opts opts;

	pnvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.admin_timeout_ms = 1000;
	a->rc = pnvme_connect(a->trid, &opts, &a->c);
	return NULL;
}

static void test_identify_fails(void)
{
	struct connect_arg a = {"trtype:sim traddr:fault fault_ready=500", NULL, 0};
	struct pnvme_sim *sim = NULL;
	pthread_t th;
	uint64_t deadline = pnvme_ticks() + 2 * pnvme_ticks_hz();

	/* Arm the fault while the controller is still becoming ready. */
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, connect_thread, &a), 0);
	while ((sim = pnvme_sim_get("fault")) == NULL && pnvme_ticks() < deadline)
		;
	CU_ASSERT_PTR_NOT_NULL(sim);
	if (sim != NULL)
		pnvme_sim_fail_next(sim, PNVME_SIM_ADMIN, PNVME_OPC_IDENTIFY, 1, PNVME_SCT_GENERIC,
				    PNVME_SC_INTERNAL_DEVICE_ERROR, true);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(a.rc, -EIO);
	CU_ASSERT_PTR_NULL(a.c);
	CU_ASSERT_PTR_NULL(pnvme_sim_get("fault"));
}

static int g_aer_calls;
static uint32_t g_aer_cdw0;

static void aer_cb(void *arg, const struct pnvme_cpl *cpl)
{
	(void)arg;
	g_aer_calls++;
	g_aer_cdw0 = cpl->cdw0;
}

static void test_async_event(void)
{
	struct rig r;
	uint64_t deadline;

	CU_ASSERT_FATAL(rig_open(&r, "trtype:sim traddr:fault", "fault", 0));
	g_aer_calls = 0;
	pnvme_ctrlr_register_aer_callback(r.c, aer_cb, NULL);
	CU_ASSERT_EQUAL(pnvme_sim_raise_aer(r.sim, 1, 2, PNVME_LOG_PAGE_HEALTH), 0);
	deadline = pnvme_ticks() + 2 * pnvme_ticks_hz();
	while (g_aer_calls == 0 && pnvme_ticks() < deadline)
		pnvme_ctrlr_process_admin_completions(r.c);
	CU_ASSERT_EQUAL(g_aer_calls, 1);
	CU_ASSERT_EQUAL(PNVME_AER_TYPE(g_aer_cdw0), 1);
	CU_ASSERT_EQUAL(PNVME_AER_LOG_PAGE(g_aer_cdw0), PNVME_LOG_PAGE_HEALTH);
	/* The driver asked again: a second event arrives too. */
	CU_ASSERT_EQUAL(pnvme_sim_raise_aer(r.sim, 2, 0, PNVME_LOG_PAGE_HEALTH), 0);
	deadline = pnvme_ticks() + 2 * pnvme_ticks_hz();
	while (g_aer_calls == 1 && pnvme_ticks() < deadline)
		pnvme_ctrlr_process_admin_completions(r.c);
	CU_ASSERT_EQUAL(g_aer_calls, 2);
	rig_close(&r);
}

static void test_doorbells_per_batch(void)
{
	struct pnvme_ctrlr_opts opts;
	struct pnvme_io_qpair_opts qopts;
	struct pnvme_sim_stats before, after;
	struct pnvme_ctrlr *c;
	struct pnvme_qpair *qp;
	struct pnvme_sim *sim;
	struct io_wait w[32];
	uint8_t *buf;

	pnvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.shadow_doorbells = false;
	CU_ASSERT_EQUAL_FATAL(pnvme_connect("trtype:sim traddr:fault latency_us=2000", &opts, &c), 0);
	sim = pnvme_sim_get("fault");
	pnvme_ctrlr_get_default_io_qpair_opts(c, &qopts, sizeof(qopts));
	qopts.delay_doorbell = true;
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(c, &qopts, &qp), 0);
	buf = pnvme_dma_zmalloc(4096, 4096, NULL);
	memset(w, 0, sizeof(w));
	pnvme_sim_get_stats(sim, &before);
	for (int i = 0; i < 32; i++)
		pnvme_ns_cmd_read(pnvme_ctrlr_get_ns(c, 1), qp, buf, (uint64_t)i, 1, io_cb, &w[i], 0);
	pnvme_qpair_flush(qp);
	for (int done = 0; done < 32;) {
		pnvme_qpair_process_completions(qp, 0);
		done = 0;
		for (int i = 0; i < 32; i++)
			done += w[i].calls;
	}
	pnvme_sim_get_stats(sim, &after);
	/* 32 reads: one SQ doorbell for the burst, CQ doorbells at most one per reap. */
	CU_ASSERT_EQUAL(after.sq_doorbell_writes - before.sq_doorbell_writes, 1);
	CU_ASSERT_TRUE(after.cq_doorbell_writes - before.cq_doorbell_writes <= 32);
	printf("(32 I/Os: %llu SQ, %llu CQ doorbell writes) ",
	       (unsigned long long)(after.sq_doorbell_writes - before.sq_doorbell_writes),
	       (unsigned long long)(after.cq_doorbell_writes - before.cq_doorbell_writes));
	pnvme_dma_free(buf);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
}

static void verify_many(uint32_t qd, uint32_t queue_size, int rounds)
{
	struct pnvme_io_qpair_opts qopts;
	struct pnvme_ctrlr *c;
	struct pnvme_qpair *qp;

	CU_ASSERT_EQUAL_FATAL(pnvme_connect("trtype:sim traddr:many size=4G mqes=1023", NULL, &c), 0);
	pnvme_ctrlr_get_default_io_qpair_opts(c, &qopts, sizeof(qopts));
	qopts.io_queue_size = queue_size;
	qopts.io_queue_requests = qd * 4 + queue_size; /* beyond the queue: software queue */
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(c, &qopts, &qp), 0);
	CU_ASSERT_TRUE(driver_suite_integrity(pnvme_ctrlr_get_ns(c, 1), qp, (int)qd, rounds, 0, qd,
					      32768));
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(qp), 0);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
}

/* 100k verified random-size I/Os (writes + reads) at each depth. */
static void test_100k_qd1(void)
{
	verify_many(1, 64, 50000);
}

static void test_100k_qd32(void)
{
	verify_many(32, 64, 50000 / 32);
}

static void test_100k_qd1023(void)
{
	verify_many(1023, 256, 50000 / 1023 + 1);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"injected error status reaches the caller", test_injected_error_status},
		{"lost completion: timeout, Abort, aborted status", test_lost_completion_aborted},
		{"lost completion and lost Abort: completed by the driver, CID quarantined",
		 test_lost_completion_and_lost_abort},
		{"lost admin completion: completed once after admin_timeout_ms",
		 test_lost_admin_completion},
		{"bogus and duplicate completions are dropped", test_bogus_and_duplicate_completions},
		{"fatal status: every request completes once, submit gets -ENXIO", test_fatal_status},
		{"reset: in-flight I/O completes once; handles work after; a failed controller "
		 "comes back", test_reset},
		{"detach leaves the controller disabled", test_detach_disables_controller},
		{"never ready, slow ready, bad parameters", test_ready_faults},
		{"Identify Controller fails: attach fails cleanly", test_identify_fails},
		{"asynchronous events reach the AER callback", test_async_event},
		{"one SQ doorbell per batch", test_doorbells_per_batch},
		{"100k verified I/Os at QD 1", test_100k_qd1},
		{"100k verified I/Os at QD 32", test_100k_qd32},
		{"100k verified I/Os at QD 1023, pool beyond the queue", test_100k_qd1023},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("sim faults", NULL, NULL, tests);
	return test_run_all();
}
