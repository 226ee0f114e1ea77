/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Controller bring-up, register phase, stepped one call at a time against a
 * fake register file: the test plays the controller by setting CSTS.
 */
#include <string.h>

#include <CUnit/CUnit.h>

#include "common/test_env.h"
#include "env/barrier.h"
#include "nvme/ctrlr.h"
#include "pcie/pcie.h"

static uint32_t g_regs[0x2000 / 4];
static struct pnvme_ctrlr g_c;

static uint32_t reg(uint32_t off)
{
	return g_regs[off / 4];
}

static void set_reg(uint32_t off, uint32_t v)
{
	g_regs[off / 4] = v;
}

/* CAP: MQES 63, CQR, TO 1 (500 ms), CSS NVM, MPSMIN 0, MPSMAX 4. */
#define FAKE_CAP (63ull | (1ull << 16) | (1ull << 24) | (1ull << 37) | (4ull << 52))

static void fake_open(uint64_t cap, uint32_t cc, uint32_t csts)
{
	memset(g_regs, 0, sizeof(g_regs));
	set_reg(PNVME_REG_CAP, (uint32_t)cap);
	set_reg(PNVME_REG_CAP + 4, (uint32_t)(cap >> 32));
	set_reg(PNVME_REG_VS, PNVME_VS(1, 4, 0));
	set_reg(PNVME_REG_CC, cc);
	set_reg(PNVME_REG_CSTS, csts);
	memset(&g_c, 0, sizeof(g_c));
	g_c.regs = g_regs;
	snprintf(g_c.trid.trtype, sizeof(g_c.trid.trtype), "fake");
	pnvme_ctrlr_opts_init(&g_c.opts, sizeof(g_c.opts));
	pthread_mutex_init(&g_c.admin_lock, NULL);
	CU_ASSERT_EQUAL_FATAL(nvme_qpair_init(&g_c.adminq, &g_c, 0, 32, 32, 4096), 0);
	nvme_pcie_qpair_set_doorbells(&g_c.adminq, g_regs, 0);
	g_c.state = NVME_STATE_INIT;
}

static void fake_close(void)
{
	nvme_qpair_fini(&g_c.adminq);
	pthread_mutex_destroy(&g_c.admin_lock);
}

/* Step until the state changes or the call reports an end; at most n calls. */
static int step_until_change(int n)
{
	enum nvme_ctrlr_state s = g_c.state;
	int rc = 0;

	while (n-- > 0 && (rc = nvme_ctrlr_init_step(&g_c)) == 0 && g_c.state == s)
		;
	return rc;
}

static void test_cold_controller_comes_up(void)
{
	fake_open(FAKE_CAP, 0, 0);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), 0);
	CU_ASSERT_EQUAL(g_c.state, NVME_STATE_DISABLE_WAIT_RDY_0);
	CU_ASSERT_EQUAL(g_c.max_queue_entries, 64);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), 0);
	CU_ASSERT_EQUAL(g_c.state, NVME_STATE_ENABLE);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), 0);
	CU_ASSERT_EQUAL(g_c.state, NVME_STATE_ENABLE_WAIT_RDY_1);
	/* Admin queue registers, then CC with the entry sizes, 4 KiB pages, NVM, EN. */
	CU_ASSERT_EQUAL(reg(PNVME_REG_AQA), PNVME_AQA(32, 32));
	CU_ASSERT_EQUAL(mmio_read64(g_regs, PNVME_REG_ASQ), g_c.adminq.pcie.sq_bus);
	CU_ASSERT_EQUAL(mmio_read64(g_regs, PNVME_REG_ACQ), g_c.adminq.pcie.cq_bus);
	CU_ASSERT_EQUAL(PNVME_CC_IOSQES(reg(PNVME_REG_CC)), 6);
	CU_ASSERT_EQUAL(PNVME_CC_IOCQES(reg(PNVME_REG_CC)), 4);
	CU_ASSERT_EQUAL(PNVME_CC_MPS(reg(PNVME_REG_CC)), 0);
	CU_ASSERT_EQUAL(PNVME_CC_CSS(reg(PNVME_REG_CC)), 0);
	CU_ASSERT_TRUE(reg(PNVME_REG_CC) & PNVME_CC_EN);
	/* Not ready yet: it waits. */
	for (int i = 0; i < 100; i++)
		CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), 0);
	CU_ASSERT_EQUAL(g_c.state, NVME_STATE_ENABLE_WAIT_RDY_1);
	set_reg(PNVME_REG_CSTS, PNVME_CSTS_RDY);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), 0);
	CU_ASSERT_EQUAL(g_c.state, NVME_STATE_IDENTIFY);
	fake_close();
}

static void test_enabled_and_ready_is_disabled_first(void)
{
	fake_open(FAKE_CAP, PNVME_CC_EN | (6u << PNVME_CC_IOSQES_SHIFT), PNVME_CSTS_RDY);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), 0);
	CU_ASSERT_EQUAL(g_c.state, NVME_STATE_DISABLE_WAIT_RDY_0);
	CU_ASSERT_FALSE(reg(PNVME_REG_CC) & PNVME_CC_EN);
	/* The admin queue must not be set while RDY is still 1. */
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), 0);
	CU_ASSERT_EQUAL(reg(PNVME_REG_AQA), 0);
	set_reg(PNVME_REG_CSTS, 0);
	CU_ASSERT_EQUAL(step_until_change(10), 0);
	CU_ASSERT_EQUAL(g_c.state, NVME_STATE_ENABLE);
	fake_close();
}

static void test_enabled_not_ready_waits_for_ready_before_disable(void)
{
	fake_open(FAKE_CAP, PNVME_CC_EN, 0);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), 0);
	CU_ASSERT_EQUAL(g_c.state, NVME_STATE_DISABLE_WAIT_RDY_1);
	CU_ASSERT_TRUE(reg(PNVME_REG_CC) & PNVME_CC_EN); /* untouched until RDY */
	set_reg(PNVME_REG_CSTS, PNVME_CSTS_RDY);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), 0);
	CU_ASSERT_EQUAL(g_c.state, NVME_STATE_DISABLE_WAIT_RDY_0);
	CU_ASSERT_FALSE(reg(PNVME_REG_CC) & PNVME_CC_EN);
	fake_close();
}

static void test_enabled_failed_while_enabling_is_disabled(void)
{
	/* EN=1, RDY=0, CFS=1: it will never become ready; the spec's way out is EN=0. */
	fake_open(FAKE_CAP, PNVME_CC_EN, PNVME_CSTS_CFS);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), 0);
	CU_ASSERT_EQUAL(g_c.state, NVME_STATE_DISABLE_WAIT_RDY_0);
	CU_ASSERT_FALSE(reg(PNVME_REG_CC) & PNVME_CC_EN);
	set_reg(PNVME_REG_CSTS, 0); /* the controller clears RDY and CFS */
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), 0);
	CU_ASSERT_EQUAL(g_c.state, NVME_STATE_ENABLE);
	fake_close();
}

static void test_crto_and_rtd3e(void)
{
	/* NVMe 2.0 with CRTO.CRWMT = 20 (10 s) beyond CAP.TO (500 ms): CRTO counts. */
	fake_open(FAKE_CAP | PNVME_CAP_CRWMS, 0, 0);
	set_reg(PNVME_REG_VS, PNVME_VS(2, 0, 0));
	set_reg(PNVME_REG_CRTO, 20);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), 0);
	CU_ASSERT_EQUAL(nvme_ctrlr_ready_timeout_ms(&g_c), 10000);
	fake_close();
	/* The same CRTO from a 1.4 controller is not a register: CAP.TO alone. */
	fake_open(FAKE_CAP | PNVME_CAP_CRWMS, 0, 0);
	set_reg(PNVME_REG_CRTO, 20);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), 0);
	CU_ASSERT_EQUAL(nvme_ctrlr_ready_timeout_ms(&g_c), 500);
	/* Shutdown waits RTD3E (us), at least 5 s and at most 60 s. */
	g_c.cdata.rtd3e = 0;
	CU_ASSERT_EQUAL(nvme_ctrlr_shutdown_timeout_ms(&g_c), 5000);
	g_c.cdata.rtd3e = 15000000;
	CU_ASSERT_EQUAL(nvme_ctrlr_shutdown_timeout_ms(&g_c), 15000);
	g_c.cdata.rtd3e = 600000000;
	CU_ASSERT_EQUAL(nvme_ctrlr_shutdown_timeout_ms(&g_c), 60000);
	fake_close();
}

static void test_ready_timeouts(void)
{
	uint64_t start;

	/* Never becomes not-ready after disable: -ETIMEDOUT after CAP.TO (500 ms). */
	fake_open(FAKE_CAP, PNVME_CC_EN, PNVME_CSTS_RDY);
	start = pnvme_ticks();
	while (nvme_ctrlr_init_step(&g_c) == 0)
		;
	CU_ASSERT_EQUAL(g_c.state, NVME_STATE_FAILED);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), -ETIMEDOUT);
	CU_ASSERT_TRUE(pnvme_ticks() - start >= pnvme_ticks_hz() / 2);
	CU_ASSERT_TRUE(pnvme_ticks() - start < 30 * pnvme_ticks_hz()); /* bounded, not fast */
	fake_close();

	/* Never becomes ready after enable. */
	fake_open(FAKE_CAP, 0, 0);
	while (nvme_ctrlr_init_step(&g_c) == 0)
		;
	CU_ASSERT_EQUAL(g_c.init_error, -ETIMEDOUT);
	CU_ASSERT_TRUE(reg(PNVME_REG_CC) & PNVME_CC_EN);
	fake_close();
}

static void test_fatal_and_dead_device(void)
{
	fake_open(FAKE_CAP, 0, 0);
	CU_ASSERT_EQUAL(step_until_change(3), 0);
	CU_ASSERT_EQUAL(step_until_change(3), 0);
	CU_ASSERT_EQUAL(step_until_change(3), 0);
	CU_ASSERT_EQUAL(g_c.state, NVME_STATE_ENABLE_WAIT_RDY_1);
	set_reg(PNVME_REG_CSTS, PNVME_CSTS_CFS);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), -EIO);
	fake_close();

	/* A surprise-removed device reads all ones. */
	fake_open(FAKE_CAP, 0, 0xffffffffu);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), -ENODEV);
	fake_close();
}

static void test_unsupported_capabilities(void)
{
	/* No NVM command set. */
	fake_open(FAKE_CAP & ~(1ull << 37), 0, 0);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), -ENOTSUP);
	fake_close();
	/* Smallest page 8 KiB: the driver's 4 KiB PRPs would be wrong. */
	fake_open(FAKE_CAP | (1ull << 48), 0, 0);
	CU_ASSERT_EQUAL(nvme_ctrlr_init_step(&g_c), -ENOTSUP);
	fake_close();
}

static void test_doorbell_stride(void)
{
	struct pnvme_qpair qp;

	/* DSTRD 2: 16-byte stride; qid 3's doorbells at 0x1000 + 6*16 and + 7*16. */
	CU_ASSERT_EQUAL_FATAL(nvme_qpair_init(&qp, &g_c, 3, 8, 8, 4096), 0);
	nvme_pcie_qpair_set_doorbells(&qp, g_regs, 2);
	CU_ASSERT_PTR_EQUAL(atomic_load(&qp.pcie.sq_tail_db), (volatile uint32_t *)((uint8_t *)g_regs + 0x1000 + 96));
	CU_ASSERT_PTR_EQUAL(atomic_load(&qp.pcie.cq_head_db), (volatile uint32_t *)((uint8_t *)g_regs + 0x1000 + 112));
	nvme_qpair_fini(&qp);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"a disabled controller: admin queue, CC, wait for RDY", test_cold_controller_comes_up},
		{"enabled and ready: disabled first, admin queue only after RDY=0",
		 test_enabled_and_ready_is_disabled_first},
		{"enabled, not ready: wait for RDY=1 before clearing EN",
		 test_enabled_not_ready_waits_for_ready_before_disable},
		{"enabled, not ready, fatal: EN cleared at once",
		 test_enabled_failed_while_enabling_is_disabled},
		{"CRTO (NVMe 2.0) and RTD3E set the waits", test_crto_and_rtd3e},
		{"CAP.TO bounds every wait", test_ready_timeouts},
		{"fatal status and a dead device", test_fatal_and_dead_device},
		{"unsupported command set or page size", test_unsupported_capabilities},
		{"doorbell stride from CAP.DSTRD", test_doorbell_stride},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("ctrlr_init", NULL, NULL, tests);
	return test_run_all();
}
