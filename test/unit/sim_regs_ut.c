/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/sim driven directly, without the driver, through the minimal host in
 * test/common/sim_host.c: parameters, the registry and the PCI interface,
 * enable/disable/shutdown, and what sets CFS.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/sim_host.h"
#include "common/test_env.h"
#include "env/pci.h"
#include "pnvme/env.h"
#include "pnvme/nvme_spec.h"
#include "pnvme/sim.h"

static void test_params(void)
{
	struct pnvme_sim *sim;
	uint64_t cap;
	volatile uint32_t *bar;

	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create("params0", "thread=0", &sim), 0);
	bar = pnvme_sim_bar0(sim);
	cap = bar[0] | (uint64_t)bar[1] << 32;
	CU_ASSERT_EQUAL(PNVME_CAP_MQES(cap), 1023);
	CU_ASSERT_EQUAL(PNVME_CAP_CQR(cap), 1);
	CU_ASSERT_EQUAL(PNVME_CAP_DSTRD(cap), 0);
	CU_ASSERT_TRUE(PNVME_CAP_CSS(cap) & PNVME_CAP_CSS_NVM);
	CU_ASSERT_EQUAL(PNVME_CAP_MPSMIN(cap), 0);
	CU_ASSERT_EQUAL(PNVME_CAP_MPSMAX(cap), 0);
	CU_ASSERT_TRUE(PNVME_CAP_TO(cap) * 500 >= 100); /* well above the few ms of ready */
	CU_ASSERT_EQUAL(bar[PNVME_REG_VS / 4], PNVME_VS(1, 4, 0));
	CU_ASSERT_TRUE(pnvme_sim_bar0_len(sim) >= 16384);
	CU_ASSERT_STRING_EQUAL(pnvme_sim_name(sim), "params0");
	pnvme_sim_destroy(sim);

	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create("params1", "thread=0 mqes=63 dstrd=2 to=9 "
				 "size=64M lba=4K queues=4 ns=3 mdts=0", &sim), 0);
	bar = pnvme_sim_bar0(sim);
	cap = bar[0] | (uint64_t)bar[1] << 32;
	CU_ASSERT_EQUAL(PNVME_CAP_MQES(cap), 63);
	CU_ASSERT_EQUAL(PNVME_CAP_DSTRD(cap), 2);
	CU_ASSERT_EQUAL(PNVME_CAP_TO(cap), 9);
	pnvme_sim_destroy(sim);

	static const char *const bad[] = {
		"bogus=1", "ns=0", "ns=x", "size=1Q", "lba=1000", "size=1000 lba=512",
		"mqes=0", "queues=0", "thread=2", "fault_ready=sometimes", "noequals",
		"=3", "mdts=-1", "latency_us=", NULL,
	};
	for (int i = 0; bad[i] != NULL; i++) {
		sim = NULL;
		CU_ASSERT_EQUAL(pnvme_sim_create("bad", bad[i], &sim), -EINVAL);
		CU_ASSERT_PTR_NULL(pnvme_sim_get("bad"));
	}
}

static void test_registry_and_pci(void)
{
	struct pnvme_sim *a, *b, *c;
	struct env_pci_dev *dev = NULL;
	uint8_t cls[3];
	uint16_t cmd;

	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create(NULL, "thread=0", &a), 0);
	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create("", "thread=0", &b), 0);
	CU_ASSERT_STRING_NOT_EQUAL(pnvme_sim_name(a), pnvme_sim_name(b));
	CU_ASSERT_EQUAL(strncmp(pnvme_sim_name(a), "sim", 3), 0);
	CU_ASSERT_PTR_EQUAL(pnvme_sim_get(pnvme_sim_name(b)), b);
	CU_ASSERT_EQUAL(pnvme_sim_create(pnvme_sim_name(a), "thread=0", &c), -EEXIST);
	pnvme_sim_destroy(a);
	pnvme_sim_destroy(b);

	/* Through the PCI interface, as the driver does. */
	CU_ASSERT_EQUAL_FATAL(env_pci_attach("sim", "simA", "ns=2 thread=0", &dev), 0);
	CU_ASSERT_STRING_EQUAL(dev->addr, "simA");
	CU_ASSERT_PTR_NOT_NULL(dev->bar0);
	CU_ASSERT_TRUE(dev->bar0_len >= 16384);
	CU_ASSERT_PTR_NOT_NULL(pnvme_sim_get("simA"));
	CU_ASSERT_PTR_EQUAL(pnvme_sim_bar0(pnvme_sim_get("simA")), dev->bar0);
	CU_ASSERT_EQUAL(dev->ops->cfg_read(dev, cls, 3, 0x09), 0);
	CU_ASSERT_EQUAL(cls[0] | cls[1] << 8 | cls[2] << 16, ENV_PCI_CLASS_NVME);
	CU_ASSERT_EQUAL(dev->ops->cfg_read(dev, &cmd, 2, 0), 0);
	CU_ASSERT_EQUAL(cmd, dev->vendor_id);
	cmd = 0;
	CU_ASSERT_EQUAL(dev->ops->cfg_write(dev, &cmd, 2, 0x04), 0);
	CU_ASSERT_EQUAL(dev->ops->cfg_read(dev, &cmd, 2, 0x04), 0);
	CU_ASSERT_EQUAL(cmd & 0x4, 0);
	CU_ASSERT_EQUAL(env_pci_enable_bus_master(dev), 0);
	CU_ASSERT_EQUAL(dev->ops->cfg_read(dev, &cmd, 2, 0x04), 0);
	CU_ASSERT_EQUAL(cmd & 0x4, 0x4);
	CU_ASSERT_EQUAL(dev->ops->cfg_read(dev, &cmd, 2, 255), -EINVAL);
	CU_ASSERT_EQUAL(env_pci_attach("sim", "simA", "", &dev), -EEXIST);
	env_pci_detach(dev);
	CU_ASSERT_PTR_NULL(pnvme_sim_get("simA"));
	CU_ASSERT_EQUAL(env_pci_attach("sim", "simB", "ns=2 frobnicate=1", &dev), -EINVAL);
}

static void test_enable_handshake(void)
{
	struct sim_host h;

	CU_ASSERT_EQUAL_FATAL(sim_host_create(&h, "ready_ms=40"), 0);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_RDY));
	sim_host_program(&h, sim_host_cc_default());
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_RDY)); /* never on the write itself */
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_RDY)); /* nor before the delay */
	usleep(50000);
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_RDY)); /* nor without a poll */
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(sim_host_csts_has(&h, PNVME_CSTS_RDY));

	/* Disable: RDY drops after the delay. */
	sim_host_wr(&h, PNVME_REG_CC, 0);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(sim_host_csts_has(&h, PNVME_CSTS_RDY));
	usleep(50000);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_RDY));

	/* Enable again, then a normal shutdown. */
	sim_host_program(&h, sim_host_cc_default());
	CU_ASSERT_TRUE(sim_host_wait_csts(&h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
	sim_host_wr(&h, PNVME_REG_CC, sim_host_cc_default() | PNVME_CC_SHN_NORMAL);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_EQUAL(sim_host_rd(&h, PNVME_REG_CSTS) & PNVME_CSTS_SHST_MASK,
			PNVME_CSTS_SHST_OCCURRING);
	CU_ASSERT_TRUE(sim_host_wait_csts(&h, PNVME_CSTS_SHST_MASK, PNVME_CSTS_SHST_COMPLETE));
	/* A reset after shutdown clears SHST. */
	sim_host_wr(&h, PNVME_REG_CC, 0);
	CU_ASSERT_TRUE(sim_host_wait_csts(&h, PNVME_CSTS_RDY | PNVME_CSTS_SHST_MASK, 0));
	sim_host_stop(&h);
}

#define NO_AQA UINT32_MAX

static void expect_bad_cc(uint32_t cc, uint32_t aqa, bool misalign)
{
	struct sim_host h;

	CU_ASSERT_EQUAL_FATAL(sim_host_create(&h, ""), 0);
	sim_host_program(&h, 0);
	if (aqa != NO_AQA)
		sim_host_wr(&h, PNVME_REG_AQA, aqa);
	if (misalign)
		sim_host_wr(&h, PNVME_REG_ASQ, (uint32_t)sim_host_iova(h.aq.sq) + 64);
	sim_host_wr(&h, PNVME_REG_CC, cc);
	CU_ASSERT_TRUE(sim_host_wait_csts(&h, PNVME_CSTS_CFS, PNVME_CSTS_CFS));
	usleep(5000);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_RDY));
	/* A reset clears the fatal status. */
	sim_host_wr(&h, PNVME_REG_CC, 0);
	CU_ASSERT_TRUE(sim_host_wait_csts(&h, PNVME_CSTS_CFS | PNVME_CSTS_RDY, 0));
	sim_host_stop(&h);
}

static void test_bad_cc_is_fatal(void)
{
	uint32_t cc = sim_host_cc_default();

	expect_bad_cc((cc & ~(0xfu << PNVME_CC_IOSQES_SHIFT)) | 5u << PNVME_CC_IOSQES_SHIFT,
		      NO_AQA, false);
	expect_bad_cc((cc & ~(0xfu << PNVME_CC_IOCQES_SHIFT)) | 3u << PNVME_CC_IOCQES_SHIFT,
		      NO_AQA, false);
	expect_bad_cc(cc | 1u << PNVME_CC_MPS_SHIFT, NO_AQA, false);
	expect_bad_cc(cc | 1u << PNVME_CC_CSS_SHIFT, NO_AQA, false);
	expect_bad_cc(cc | 1u << PNVME_CC_AMS_SHIFT, NO_AQA, false);
	expect_bad_cc(cc, 0x00000000, false); /* AQA 1 entry each: too small */
	expect_bad_cc(cc, NO_AQA, true);      /* ASQ not page aligned */
}

static void test_ready_faults(void)
{
	struct sim_host h;

	/* fault_ready=never: EN set, RDY never comes. */
	CU_ASSERT_EQUAL_FATAL(sim_host_create(&h, "fault_ready=never"), 0);
	sim_host_program(&h, sim_host_cc_default());
	for (int i = 0; i < 20; i++) {
		pnvme_sim_poll(h.sim);
		usleep(1000);
	}
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_RDY));
	pnvme_sim_set_never_ready(h.sim, false);
	CU_ASSERT_TRUE(sim_host_wait_csts(&h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
	sim_host_stop(&h);

	/* Slow ready at run time: the next enable takes longer. */
	CU_ASSERT_EQUAL_FATAL(sim_host_create(&h, ""), 0);
	pnvme_sim_set_ready_ms(h.sim, 60);
	sim_host_program(&h, sim_host_cc_default());
	pnvme_sim_poll(h.sim);
	usleep(20000);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_RDY));
	CU_ASSERT_TRUE(sim_host_wait_csts(&h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
	sim_host_stop(&h);
}

static void test_bad_doorbells_are_fatal(void)
{
	struct sim_host h;

	/* Doorbell of a queue that does not exist. */
	sim_host_start(&h, "");
	sim_host_ring(&h, 5, 0, 1);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	sim_host_stop(&h);

	/* SQ tail beyond the queue size. */
	sim_host_start(&h, "");
	sim_host_ring(&h, 0, 0, SIM_HOST_AQ_SIZE);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	sim_host_stop(&h);

	/* CQ head beyond what was posted. */
	sim_host_start(&h, "");
	sim_host_ring(&h, 0, 1, 3);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	sim_host_stop(&h);
}

int main(void)
{
	static const struct test_case regs[] = {
		{"parameters, CAP and VS", test_params},
		{"registry and the PCI interface", test_registry_and_pci},
		{"enable handshake, disable, shutdown", test_enable_handshake},
		{"bad CC or admin queue registers set CFS", test_bad_cc_is_fatal},
		{"never ready, slow ready", test_ready_faults},
		{"bad doorbell writes set CFS", test_bad_doorbells_are_fatal},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("sim registers", NULL, NULL, regs);
	return test_run_all();
}
