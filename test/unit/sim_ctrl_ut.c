/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/sim driven directly through the minimal host in test/common/sim_host.c:
 * controller-level faults (completion entries with any CID, surprise
 * removal, a controller stuck with CFS) and the knobs of bring-up tests
 * (version, CRTO, RTD3E, shutdown time).
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

#define PCI_COMMAND 0x04

static void poll_n(struct sim_host *h, int n)
{
	for (int i = 0; i < n; i++)
		pnvme_sim_poll(h->sim);
}

static bool all_bytes(const uint8_t *p, size_t len, uint8_t v)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != v)
			return false;
	}
	return true;
}

static uint64_t cap_of(struct pnvme_sim *sim)
{
	volatile uint32_t *bar = pnvme_sim_bar0(sim);

	return bar[0] | (uint64_t)bar[1] << 32;
}

static uint32_t reg_of(struct pnvme_sim *sim, uint32_t off)
{
	return ((volatile uint32_t *)pnvme_sim_bar0(sim))[off / 4];
}

/* ================================================================ bogus CID */

static void test_post_bogus(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cpl cpl;
	uint16_t st = PNVME_STATUS_RAW(PNVME_SCT_GENERIC, PNVME_SC_INTERNAL_DEVICE_ERROR) |
		      PNVME_STATUS_DNR_BIT;

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, 4); /* room for 3 entries */
	CU_ASSERT_EQUAL(pnvme_sim_post_bogus(h.sim, 1, 0x7f, 0), 0);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE_FATAL(sim_host_reap(&h, &h.io, &cpl, true));
	CU_ASSERT_EQUAL(cpl.cid, 0x7f);
	CU_ASSERT_EQUAL(sim_host_st(&cpl), SIM_HOST_OK);
	CU_ASSERT_EQUAL(cpl.sqid, 1);
	CU_ASSERT_EQUAL(cpl.sqhd, 0);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));

	/* Any status; a phase bit passed in is not the sim's phase. */
	CU_ASSERT_EQUAL(pnvme_sim_post_bogus(h.sim, 1, 0xffff, st | PNVME_STATUS_PHASE_BIT), 0);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE_FATAL(sim_host_reap(&h, &h.io, &cpl, true));
	CU_ASSERT_EQUAL(cpl.cid, 0xffff);
	CU_ASSERT_EQUAL(sim_host_st(&cpl), SIM_HOST_ST(0, PNVME_SC_INTERNAL_DEVICE_ERROR));
	CU_ASSERT_TRUE(cpl.status_raw & PNVME_STATUS_DNR_BIT);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));

	/* A full CQ: what does not fit waits until the host frees entries. */
	for (uint16_t i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(pnvme_sim_post_bogus(h.sim, 1, (uint16_t)(100 + i), 0), 0);
	poll_n(&h, 3);
	for (uint16_t i = 0; i < 3; i++) {
		CU_ASSERT_TRUE_FATAL(sim_host_reap(&h, &h.io, &cpl, false));
		CU_ASSERT_EQUAL(cpl.cid, 100 + i);
	}
	poll_n(&h, 3);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, false));
	sim_host_ring(&h, 1, 1, h.io.cq_head);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE_FATAL(sim_host_reap(&h, &h.io, &cpl, true));
	CU_ASSERT_EQUAL(cpl.cid, 103);
	/* Real completions carry on after them. */
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 8, buf, SIM_HOST_PAGE), SIM_HOST_OK);

	/* The admin CQ too; no such CQ: -EINVAL. */
	CU_ASSERT_EQUAL(pnvme_sim_post_bogus(h.sim, 0, 0x7f, 0), 0);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE_FATAL(sim_host_reap(&h, &h.aq, &cpl, true));
	CU_ASSERT_EQUAL(cpl.cid, 0x7f);
	CU_ASSERT_EQUAL(cpl.sqid, 0);
	CU_ASSERT_EQUAL(pnvme_sim_post_bogus(h.sim, 2, 1, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_post_bogus(h.sim, 5000, 1, 0), -EINVAL);
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	sim_host_stop(&h);

	/* Thread mode: posted by the device thread. */
	sim_host_start(&h, "thread=1");
	CU_ASSERT_EQUAL(pnvme_sim_post_bogus(h.sim, 0, 0x1234, 0), 0);
	CU_ASSERT_EQUAL_FATAL(sim_host_wait_cpl(&h, &h.aq, &cpl), 0);
	CU_ASSERT_EQUAL(cpl.cid, 0x1234);
	CU_ASSERT_EQUAL(pnvme_sim_post_bogus(h.sim, 1, 1, 0), -EINVAL);
	sim_host_stop(&h);
	pnvme_dma_free(buf);
}

/* ================================================================ surprise removal */

/* A sim attached through the PCI interface, as the driver does, and enabled. */
static struct env_pci_dev *attach_host(struct sim_host *h, const char *name, const char *params)
{
	struct env_pci_dev *dev = NULL;

	memset(h, 0, sizeof(*h));
	CU_ASSERT_EQUAL_FATAL(env_pci_attach("sim", name, params, &dev), 0);
	h->sim = pnvme_sim_get(name);
	h->bar = dev->bar0;
	sim_host_hq_init(&h->aq, 0, SIM_HOST_AQ_SIZE);
	sim_host_program(h, sim_host_cc_default());
	CU_ASSERT_FATAL(sim_host_wait_csts(h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
	sim_host_io_queue(h, 1, SIM_HOST_IOQ_SIZE);
	return dev;
}

static bool bar_all_ones(struct sim_host *h)
{
	size_t len = pnvme_sim_bar0_len(h->sim);

	for (uint32_t off = 0; off < len; off += 4) {
		if (sim_host_rd(h, off) != 0xffffffffu)
			return false;
	}
	return *(volatile uint64_t *)(h->bar + PNVME_REG_CAP) == UINT64_MAX;
}

static void test_surprise_removal(void)
{
	struct sim_host h;
	struct env_pci_dev *dev = attach_host(&h, "simRemoved", "thread=0 ready_ms=1");
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE), *stalled = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 8);
	struct pnvme_sim_stats a, b;
	struct pnvme_cpl cpl;
	uint32_t cfg;

	sim_host_fill(buf, SIM_HOST_PAGE, 1);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 0, 8, buf, SIM_HOST_PAGE), SIM_HOST_OK);
	/* A read the device holds when it goes away. */
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1, 0), 0);
	memset(stalled, 0xaa, SIM_HOST_PAGE);
	c.dptr.prp.prp1 = sim_host_iova(stalled);
	sim_host_submit(&h, &h.io, &c);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(pnvme_sim_is_removed(h.sim));

	pnvme_sim_remove(h.sim);
	CU_ASSERT_TRUE(pnvme_sim_is_removed(h.sim));
	CU_ASSERT_TRUE(bar_all_ones(&h));
	CU_ASSERT_EQUAL(dev->ops->cfg_read(dev, &cfg, 4, 0), 0);
	CU_ASSERT_EQUAL(cfg, 0xffffffffu);
	CU_ASSERT_EQUAL(dev->ops->cfg_read(dev, &cfg, 2, PCI_COMMAND), 0);
	CU_ASSERT_EQUAL(cfg & 0xffff, 0xffff);
	pnvme_sim_get_stats(h.sim, &a);

	/* Nothing is fetched or posted: not the new read, not the stalled one. */
	memset(buf, 0xaa, SIM_HOST_PAGE);
	c.dptr.prp.prp1 = sim_host_iova(buf);
	sim_host_submit(&h, &h.io, &c);
	sim_host_wr(&h, PNVME_REG_CC, 0); /* ignored */
	poll_n(&h, 5);
	usleep(30000);
	CU_ASSERT_EQUAL(pnvme_sim_poll(h.sim), 0);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, false));
	CU_ASSERT_TRUE(all_bytes(buf, SIM_HOST_PAGE, 0xaa));
	CU_ASSERT_TRUE(all_bytes(stalled, SIM_HOST_PAGE, 0xaa));
	CU_ASSERT_TRUE(bar_all_ones(&h)); /* the CC write reads back as ones */
	pnvme_sim_get_stats(h.sim, &b);
	CU_ASSERT_EQUAL(b.io_cmds[PNVME_OPC_READ], a.io_cmds[PNVME_OPC_READ]);
	CU_ASSERT_EQUAL(b.completions, a.completions);
	CU_ASSERT_EQUAL(b.bytes_read, a.bytes_read);
	/* Hooks that would touch the device do nothing. */
	pnvme_sim_set_cfs(h.sim);
	pnvme_sim_remove(h.sim);
	CU_ASSERT_TRUE(bar_all_ones(&h));
	cfg = 0;
	CU_ASSERT_EQUAL(dev->ops->cfg_write(dev, &cfg, 2, PCI_COMMAND), 0);
	env_pci_detach(dev); /* frees everything: ASan checks */
	CU_ASSERT_PTR_NULL(pnvme_sim_get("simRemoved"));
	sim_host_hq_fini(&h.aq);
	sim_host_hq_fini(&h.io);

	/* Thread mode: removal is in effect when the call returns. */
	dev = attach_host(&h, "simRemovedT", "thread=1 ready_ms=1");
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 8, buf, SIM_HOST_PAGE), SIM_HOST_OK);
	pnvme_sim_remove(h.sim);
	CU_ASSERT_TRUE(bar_all_ones(&h));
	memset(buf, 0xaa, SIM_HOST_PAGE);
	sim_host_submit(&h, &h.io, &c);
	usleep(20000);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, false));
	CU_ASSERT_TRUE(all_bytes(buf, SIM_HOST_PAGE, 0xaa));
	CU_ASSERT_TRUE(bar_all_ones(&h));
	CU_ASSERT_EQUAL(pnvme_sim_post_bogus(h.sim, 1, 1, 0), -ENODEV);
	env_pci_detach(dev);
	sim_host_hq_fini(&h.aq);
	sim_host_hq_fini(&h.io);
	pnvme_dma_free(buf);
	pnvme_dma_free(stalled);
}

/* ================================================================ stuck CFS */

/* Clear CC.EN; RDY and CFS must drop; then enable again and run a command. */
static void recover(struct sim_host *h)
{
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);

	sim_host_wr(h, PNVME_REG_CC, 0);
	CU_ASSERT_TRUE(sim_host_wait_csts(h, PNVME_CSTS_RDY | PNVME_CSTS_CFS, 0));
	if (h->io.sq != NULL)
		sim_host_hq_fini(&h->io);
	sim_host_hq_fini(&h->aq);
	sim_host_hq_init(&h->aq, 0, SIM_HOST_AQ_SIZE);
	sim_host_program(h, sim_host_cc_default());
	CU_ASSERT_TRUE_FATAL(sim_host_wait_csts(h, PNVME_CSTS_RDY | PNVME_CSTS_CFS,
						PNVME_CSTS_RDY));
	CU_ASSERT_EQUAL(sim_host_identify(h, PNVME_CNS_CTRLR, 0, buf), SIM_HOST_OK);
	pnvme_dma_free(buf);
}

static void test_stuck_cfs(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 8);
	struct pnvme_cpl cpl;

	/* Found so at attach: CC.EN = 1, RDY = 0, CFS = 1, and it stays so. */
	CU_ASSERT_EQUAL_FATAL(sim_host_create(&h, ""), 0);
	pnvme_sim_set_stuck_cfs(h.sim);
	CU_ASSERT_TRUE(sim_host_rd(&h, PNVME_REG_CC) & PNVME_CC_EN);
	poll_n(&h, 3);
	usleep(5000);
	poll_n(&h, 3);
	CU_ASSERT_EQUAL(sim_host_rd(&h, PNVME_REG_CSTS) & (PNVME_CSTS_RDY | PNVME_CSTS_CFS),
			PNVME_CSTS_CFS);
	recover(&h);
	sim_host_stop(&h);

	/* A running controller fails: nothing more is processed until the reset. */
	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	pnvme_sim_set_stuck_cfs(h.sim);
	CU_ASSERT_EQUAL(sim_host_rd(&h, PNVME_REG_CSTS) & (PNVME_CSTS_RDY | PNVME_CSTS_CFS),
			PNVME_CSTS_CFS);
	CU_ASSERT_TRUE(sim_host_rd(&h, PNVME_REG_CC) & PNVME_CC_EN);
	memset(buf, 0xaa, SIM_HOST_PAGE);
	c.dptr.prp.prp1 = sim_host_iova(buf);
	sim_host_submit(&h, &h.io, &c);
	poll_n(&h, 5);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, false));
	CU_ASSERT_TRUE(all_bytes(buf, SIM_HOST_PAGE, 0xaa));
	recover(&h);
	CU_ASSERT_TRUE(all_bytes(buf, SIM_HOST_PAGE, 0xaa));
	sim_host_stop(&h);

	/* Thread mode: in effect when the call returns. */
	sim_host_start(&h, "thread=1");
	pnvme_sim_set_stuck_cfs(h.sim);
	CU_ASSERT_EQUAL(sim_host_rd(&h, PNVME_REG_CSTS) & (PNVME_CSTS_RDY | PNVME_CSTS_CFS),
			PNVME_CSTS_CFS);
	recover(&h);
	sim_host_stop(&h);
	pnvme_dma_free(buf);
}

/* ================================================================ subsystem reset */

#define NSSR_MAGIC 0x4e564d65u
#define CSTS_NSSRO (1u << 4)

static void test_subsystem_reset(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 8);
	struct pnvme_sim_stats a, b;
	struct pnvme_cpl cpl;

	/* Not offered (default): the write has no effect and NSSR reads 0. */
	sim_host_start(&h, "");
	CU_ASSERT_EQUAL(PNVME_CAP_NSSRS(cap_of(h.sim)), 0);
	sim_host_wr(&h, PNVME_REG_NSSR, NSSR_MAGIC);
	poll_n(&h, 2);
	CU_ASSERT_EQUAL(sim_host_rd(&h, PNVME_REG_NSSR), 0);
	CU_ASSERT_EQUAL(sim_host_rd(&h, PNVME_REG_CSTS), PNVME_CSTS_RDY);
	sim_host_stop(&h);

	/* nssr=1: a stalled read is discarded without a data transfer. */
	sim_host_start(&h, "nssr=1");
	CU_ASSERT_EQUAL(PNVME_CAP_NSSRS(cap_of(h.sim)), 1);
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1, 0), 0);
	memset(buf, 0xaa, SIM_HOST_PAGE);
	c.dptr.prp.prp1 = sim_host_iova(buf);
	sim_host_submit(&h, &h.io, &c);
	poll_n(&h, 2);
	pnvme_sim_get_stats(h.sim, &a);
	sim_host_wr(&h, PNVME_REG_NSSR, 0x1234); /* any other value: no effect */
	poll_n(&h, 2);
	CU_ASSERT_TRUE(sim_host_csts_has(&h, PNVME_CSTS_RDY));
	sim_host_wr(&h, PNVME_REG_NSSR, NSSR_MAGIC);
	poll_n(&h, 2);
	CU_ASSERT_EQUAL(sim_host_rd(&h, PNVME_REG_CSTS), CSTS_NSSRO);
	CU_ASSERT_EQUAL(sim_host_rd(&h, PNVME_REG_CC), 0);
	CU_ASSERT_EQUAL(sim_host_rd(&h, PNVME_REG_AQA), 0);
	CU_ASSERT_EQUAL(sim_host_rd(&h, PNVME_REG_NSSR), 0);
	usleep(10000);
	poll_n(&h, 3);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, false));
	CU_ASSERT_TRUE(all_bytes(buf, SIM_HOST_PAGE, 0xaa));
	pnvme_sim_get_stats(h.sim, &b);
	CU_ASSERT_EQUAL(b.stall_discarded - a.stall_discarded, 1);
	CU_ASSERT_EQUAL(b.bytes_read, a.bytes_read);
	/* The host brings it up again; NSSRO clears with the enable. */
	sim_host_hq_fini(&h.io);
	sim_host_hq_fini(&h.aq);
	sim_host_hq_init(&h.aq, 0, SIM_HOST_AQ_SIZE);
	sim_host_program(&h, sim_host_cc_default());
	CU_ASSERT_TRUE_FATAL(sim_host_wait_csts(&h, PNVME_CSTS_RDY | CSTS_NSSRO, PNVME_CSTS_RDY));
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, buf), SIM_HOST_OK);
	sim_host_stop(&h);
	pnvme_dma_free(buf);
}

/* ================================================================ bring-up knobs */

#define CAP_CRWMS (1ull << 59)
#define CAP_CRIMS (1ull << 60)
#define REG_CRTO 0x68
#define CC_CRIME (1u << 24)

static void test_version_and_crto(void)
{
	struct pnvme_sim *sim;
	struct sim_host h;
	struct pnvme_ctrlr_data *cd = sim_host_dma(SIM_HOST_PAGE);
	uint64_t cap;

	/* 1.4 (default): no CRTO. */
	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create("vs14", "thread=0", &sim), 0);
	cap = cap_of(sim);
	CU_ASSERT_EQUAL(reg_of(sim, PNVME_REG_VS), PNVME_VS(1, 4, 0));
	CU_ASSERT_EQUAL(cap & (CAP_CRWMS | CAP_CRIMS), 0);
	CU_ASSERT_EQUAL(reg_of(sim, REG_CRTO), 0);
	pnvme_sim_destroy(sim);

	/* 2.0: CRMS set, CRTO = CAP.TO by default. */
	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create("vs20", "thread=0 vs=2.0", &sim), 0);
	cap = cap_of(sim);
	CU_ASSERT_EQUAL(reg_of(sim, PNVME_REG_VS), PNVME_VS(2, 0, 0));
	CU_ASSERT_EQUAL(cap & (CAP_CRWMS | CAP_CRIMS), CAP_CRWMS | CAP_CRIMS);
	CU_ASSERT_EQUAL(reg_of(sim, REG_CRTO) & 0xffff, PNVME_CAP_TO(cap));
	CU_ASSERT_EQUAL(reg_of(sim, REG_CRTO) >> 16, PNVME_CAP_TO(cap));
	pnvme_sim_destroy(sim);

	/* crto_ms in 500 ms units, rounded up; CAP.TO follows up to FFh ... */
	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create("crto", "thread=0 vs=2.0 crto_ms=60001", &sim), 0);
	CU_ASSERT_EQUAL(reg_of(sim, REG_CRTO), 121u | 121u << 16);
	CU_ASSERT_EQUAL(PNVME_CAP_TO(cap_of(sim)), 121);
	pnvme_sim_destroy(sim);
	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create("crto", "thread=0 vs=2.1 crto_ms=300000", &sim), 0);
	CU_ASSERT_EQUAL(reg_of(sim, REG_CRTO) & 0xffff, 600);
	CU_ASSERT_EQUAL(PNVME_CAP_TO(cap_of(sim)), 255);
	pnvme_sim_destroy(sim);
	/* ... unless to= breaks the rule on purpose. */
	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create("crto", "thread=0 vs=2.0 crto_ms=20000 to=2", &sim),
			      0);
	CU_ASSERT_EQUAL(reg_of(sim, REG_CRTO) & 0xffff, 40);
	CU_ASSERT_EQUAL(PNVME_CAP_TO(cap_of(sim)), 2);
	pnvme_sim_destroy(sim);

	static const char *const bad[] = {
		"crto_ms=1000", "vs=2.0 crto_ms=0", "vs=2.0 crto_ms=40000000", "vs=3.0", "vs=0.9",
		"vs=2", "vs=2.", "vs=x", "vs=1.4.0.0", "vs=1.256", "vs=-1.0", "rtd3e_us=-1",
		"shutdown_ms=600001", "shutdown_ms=x", NULL,
	};
	for (int i = 0; bad[i] != NULL; i++) {
		sim = NULL;
		CU_ASSERT_EQUAL(pnvme_sim_create("badknob", bad[i], &sim), -EINVAL);
		CU_ASSERT_PTR_NULL(sim);
	}

	/* Identify: VER as VS, RTD3E; a 2.0 host may set CC.CRIME. */
	sim_host_start(&h, "vs=1.3.1 rtd3e_us=2500000");
	CU_ASSERT_EQUAL(sim_host_rd(&h, PNVME_REG_VS), PNVME_VS(1, 3, 1));
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, cd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(cd->ver, PNVME_VS(1, 3, 1));
	CU_ASSERT_EQUAL(cd->rtd3e, 2500000);
	sim_host_stop(&h);
	CU_ASSERT_EQUAL_FATAL(sim_host_create(&h, "vs=2.0"), 0);
	sim_host_program(&h, sim_host_cc_default() | CC_CRIME);
	CU_ASSERT_TRUE_FATAL(sim_host_wait_csts(&h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, cd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(cd->ver, PNVME_VS(2, 0, 0));
	CU_ASSERT_EQUAL(cd->rtd3e, 0);
	sim_host_stop(&h);
	pnvme_dma_free(cd);
}

static uint32_t shst(struct sim_host *h)
{
	return sim_host_rd(h, PNVME_REG_CSTS) & PNVME_CSTS_SHST_MASK;
}

static void test_shutdown_time(void)
{
	struct sim_host h;

	/* Default: as long as ready_ms (1 ms here). */
	sim_host_start(&h, "");
	sim_host_wr(&h, PNVME_REG_CC, sim_host_cc_default() | 1u << PNVME_CC_SHN_SHIFT);
	CU_ASSERT_TRUE(sim_host_wait_csts(&h, PNVME_CSTS_SHST_MASK, PNVME_CSTS_SHST_COMPLETE));
	sim_host_stop(&h);

	/* shutdown_ms=300: occurring for 300 ms, ready stays quick. */
	sim_host_start(&h, "shutdown_ms=300");
	sim_host_wr(&h, PNVME_REG_CC, sim_host_cc_default() | 1u << PNVME_CC_SHN_SHIFT);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_EQUAL(shst(&h), PNVME_CSTS_SHST_OCCURRING);
	usleep(20000);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_EQUAL(shst(&h), PNVME_CSTS_SHST_OCCURRING);
	usleep(300000);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_EQUAL(shst(&h), PNVME_CSTS_SHST_COMPLETE);
	sim_host_stop(&h);

	/* shutdown_ms=0: complete at the next poll. */
	sim_host_start(&h, "shutdown_ms=0 ready_ms=50");
	sim_host_wr(&h, PNVME_REG_CC, sim_host_cc_default() | 1u << PNVME_CC_SHN_SHIFT);
	pnvme_sim_poll(h.sim);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_EQUAL(shst(&h), PNVME_CSTS_SHST_COMPLETE);
	sim_host_stop(&h);
}

int main(void)
{
	static const struct test_case fault_tests[] = {
		{"completion entries with any CID", test_post_bogus},
		{"surprise removal", test_surprise_removal},
		{"stuck with CFS while enabling", test_stuck_cfs},
		{"NVM subsystem reset", test_subsystem_reset},
		{NULL, NULL},
	};
	static const struct test_case knob_tests[] = {
		{"version, CRTO, RTD3E", test_version_and_crto},
		{"shutdown time", test_shutdown_time},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("sim controller faults", NULL, NULL, fault_tests);
	test_add_suite("sim bring-up knobs", NULL, NULL, knob_tests);
	return test_run_all();
}
