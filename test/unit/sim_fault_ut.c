/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/sim driven directly, without the driver, through the minimal host in
 * test/common/sim_host.c: fault injection (fail, drop, bogus CID,
 * duplicate completion, CFS, latency) and the controller's statistics.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/sim_host.h"
#include "common/test_env.h"
#include "pnvme/env.h"
#include "pnvme/nvme_spec.h"
#include "pnvme/sim.h"

static void test_fault_fail_next(void)
{
	struct sim_host h;
	uint8_t *w = sim_host_dma(SIM_HOST_PAGE), *r = sim_host_dma(SIM_HOST_PAGE);
	uint8_t *idb = sim_host_dma(SIM_HOST_PAGE);

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	sim_host_fill(w, SIM_HOST_PAGE, 5);
	CU_ASSERT_EQUAL(pnvme_sim_fail_next(h.sim, PNVME_SIM_IO, PNVME_OPC_WRITE, 2,
					    PNVME_SCT_MEDIA_ERROR, PNVME_SC_WRITE_FAULTS, true), 0);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 8, r, SIM_HOST_PAGE),
			SIM_HOST_OK); /* other opcode */
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 0, 8, w, SIM_HOST_PAGE),
			SIM_HOST_ST(PNVME_SCT_MEDIA_ERROR, PNVME_SC_WRITE_FAULTS));
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 8, r, SIM_HOST_PAGE), SIM_HOST_OK);
	CU_ASSERT_TRUE(sim_host_all_zero(r, SIM_HOST_PAGE)); /* a failed write did not execute */
	{
		struct pnvme_cpl cpl;
		struct pnvme_cmd c = sim_host_rw_cmd(PNVME_OPC_WRITE, 1, 0, 8);

		c.dptr.prp.prp1 = sim_host_iova(w);
		CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, &cpl),
				SIM_HOST_ST(PNVME_SCT_MEDIA_ERROR, PNVME_SC_WRITE_FAULTS));
		CU_ASSERT_TRUE(cpl.status_raw & PNVME_STATUS_DNR_BIT);
	}
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 0, 8, w, SIM_HOST_PAGE), SIM_HOST_OK);
	/* Admin opcodes, any opcode, clearing. */
	CU_ASSERT_EQUAL(pnvme_sim_fail_next(h.sim, PNVME_SIM_ADMIN, PNVME_OPC_IDENTIFY, 1,
					    PNVME_SCT_GENERIC, PNVME_SC_INTERNAL_DEVICE_ERROR,
					    false), 0);
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, idb),
			SIM_HOST_ST(0, PNVME_SC_INTERNAL_DEVICE_ERROR));
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, idb), SIM_HOST_OK);
	CU_ASSERT_EQUAL(pnvme_sim_fail_next(h.sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC, 5,
					    PNVME_SCT_GENERIC, PNVME_SC_ABORTED_POWER_LOSS,
					    false), 0);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 8, r, SIM_HOST_PAGE),
			SIM_HOST_ST(0, PNVME_SC_ABORTED_POWER_LOSS));
	pnvme_sim_clear_faults(h.sim);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 8, r, SIM_HOST_PAGE), SIM_HOST_OK);
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(h.sim, PNVME_SIM_IO, 0x200, 1), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(h.sim, PNVME_SIM_IO, 1, 0), -EINVAL);
	sim_host_stop(&h);
	pnvme_dma_free(w);
	pnvme_dma_free(r);
	pnvme_dma_free(idb);
}

static void test_fault_drop_and_abort(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 1),
			 ab = {.opc = PNVME_OPC_ABORT};
	struct pnvme_cpl cpl, acpl;
	struct pnvme_sim_stats s;
	uint16_t cid;

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	c.dptr.prp.prp1 = sim_host_iova(buf);
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1), 0);
	cid = sim_host_submit(&h, &h.io, &c);
	for (int i = 0; i < 10; i++)
		pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));
	pnvme_sim_get_stats(h.sim, &s);
	CU_ASSERT_EQUAL(s.dropped, 1);
	/* Later commands still complete. */
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	/* Abort resolves it: the read as Aborted by Request, the Abort with bit 0 clear. */
	ab.cdw10 = (uint32_t)cid << 16 | 1;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.aq, &ab, &acpl), SIM_HOST_OK);
	CU_ASSERT_EQUAL(acpl.cdw0 & 1, 0);
	CU_ASSERT_EQUAL_FATAL(sim_host_wait_cpl(&h, &h.io, &cpl), 0);
	CU_ASSERT_EQUAL(cpl.cid, cid);
	CU_ASSERT_EQUAL(sim_host_st(&cpl), SIM_HOST_ST(0, PNVME_SC_ABORTED_BY_REQUEST));
	/* Nothing left to abort: bit 0 set. */
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.aq, &ab, &acpl), SIM_HOST_OK);
	CU_ASSERT_EQUAL(acpl.cdw0 & 1, 1);
	ab.cdw10 = 7u << 16 | 9; /* no such SQ */
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.aq, &ab, &acpl), SIM_HOST_OK);
	CU_ASSERT_EQUAL(acpl.cdw0 & 1, 1);

	/* A dropped admin command vanishes with a controller reset; re-enable works. */
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(h.sim, PNVME_SIM_ADMIN, PNVME_OPC_IDENTIFY, 1), 0);
	c = (struct pnvme_cmd){.opc = PNVME_OPC_IDENTIFY, .cdw10 = 1};
	c.dptr.prp.prp1 = sim_host_iova(buf);
	sim_host_submit(&h, &h.aq, &c);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.aq, &cpl, true));
	sim_host_wr(&h, PNVME_REG_CC, 0);
	CU_ASSERT_TRUE(sim_host_wait_csts(&h, PNVME_CSTS_RDY, 0));
	sim_host_hq_fini(&h.aq);
	sim_host_hq_fini(&h.io);
	sim_host_hq_init(&h.aq, 0, SIM_HOST_AQ_SIZE);
	sim_host_program(&h, sim_host_cc_default());
	CU_ASSERT_TRUE(sim_host_wait_csts(&h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, buf), SIM_HOST_OK);
	sim_host_stop(&h);
	pnvme_dma_free(buf);
}

static void test_fault_bogus_and_duplicate(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 1);
	struct pnvme_cpl a, b;
	uint16_t cid;

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	c.dptr.prp.prp1 = sim_host_iova(buf);
	CU_ASSERT_EQUAL(pnvme_sim_bogus_cid_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1), 0);
	cid = sim_host_submit(&h, &h.io, &c);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE_FATAL(sim_host_reap(&h, &h.io, &a, true));
	CU_ASSERT_TRUE_FATAL(sim_host_reap(&h, &h.io, &b, true));
	CU_ASSERT_NOT_EQUAL(a.cid, cid);
	CU_ASSERT_EQUAL(b.cid, cid);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &a, true));

	CU_ASSERT_EQUAL(pnvme_sim_duplicate_next(h.sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC, 1), 0);
	cid = sim_host_submit(&h, &h.io, &c);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE_FATAL(sim_host_reap(&h, &h.io, &a, true));
	CU_ASSERT_TRUE_FATAL(sim_host_reap(&h, &h.io, &b, true));
	CU_ASSERT_EQUAL(a.cid, cid);
	CU_ASSERT_EQUAL(b.cid, cid);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &a, true));
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	sim_host_stop(&h);
	pnvme_dma_free(buf);
}

static void test_fault_cfs_and_latency(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 1);
	struct pnvme_cpl cpl;

	sim_host_start(&h, "latency_us=30000");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE); /* admin commands wait too */
	c.dptr.prp.prp1 = sim_host_iova(buf);
	sim_host_submit(&h, &h.io, &c);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));
	usleep(35000);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(sim_host_reap(&h, &h.io, &cpl, true));
	/* Abort reaches a command whose completion is only delayed. */
	{
		struct pnvme_cmd ab = {.opc = PNVME_OPC_ABORT};
		struct pnvme_cpl acpl;
		uint16_t cid = sim_host_submit(&h, &h.io, &c);

		pnvme_sim_poll(h.sim);
		ab.cdw10 = (uint32_t)cid << 16 | 1;
		CU_ASSERT_EQUAL(sim_host_run(&h, &h.aq, &ab, &acpl), SIM_HOST_OK);
		CU_ASSERT_EQUAL(acpl.cdw0 & 1, 0);
		CU_ASSERT_EQUAL_FATAL(sim_host_wait_cpl(&h, &h.io, &cpl), 0);
		CU_ASSERT_EQUAL(cpl.cid, cid);
		CU_ASSERT_EQUAL(sim_host_st(&cpl), SIM_HOST_ST(0, PNVME_SC_ABORTED_BY_REQUEST));
	}
	pnvme_sim_set_latency_us(h.sim, 0);
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);

	/* CFS now: set at once, and nothing more is processed. */
	pnvme_sim_set_cfs(h.sim);
	CU_ASSERT_TRUE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	sim_host_submit(&h, &h.io, &c);
	for (int i = 0; i < 10; i++)
		pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));
	sim_host_wr(&h, PNVME_REG_CC, 0);
	CU_ASSERT_TRUE(sim_host_wait_csts(&h, PNVME_CSTS_RDY | PNVME_CSTS_CFS, 0));
	sim_host_stop(&h);
	pnvme_dma_free(buf);
}

/* ================================================================ stats */

static void test_stats(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(2 * SIM_HOST_PAGE);
	struct pnvme_sim_stats a, b;
	struct pnvme_cmd c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 16);

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	pnvme_sim_poll(h.sim); /* sees the last admin CQ head doorbell */
	pnvme_sim_get_stats(h.sim, &a);
	CU_ASSERT_EQUAL(a.admin_cmds[PNVME_OPC_CREATE_IO_CQ], 1);
	CU_ASSERT_EQUAL(a.admin_cmds[PNVME_OPC_CREATE_IO_SQ], 1);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 0, 16, buf, 2 * SIM_HOST_PAGE),
				SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 16, buf, 2 * SIM_HOST_PAGE),
			SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 1u << 30, 16, buf, 2 * SIM_HOST_PAGE),
			SIM_HOST_ST(0, PNVME_SC_LBA_OUT_OF_RANGE));
	/* A batch of 4 behind one doorbell write. */
	c.dptr.prp.prp1 = sim_host_iova(buf);
	c.dptr.prp.prp2 = sim_host_iova(buf) + SIM_HOST_PAGE;
	for (int i = 0; i < 4; i++)
		sim_host_post(&h, &h.io, &c);
	sim_host_ring(&h, 1, 0, h.io.sq_tail);
	for (int n = 0; n < 4;) {
		struct pnvme_cpl cpl;

		pnvme_sim_poll(h.sim);
		while (sim_host_reap(&h, &h.io, &cpl, false))
			n++;
	}
	sim_host_ring(&h, 1, 1, h.io.cq_head);
	pnvme_sim_poll(h.sim);
	pnvme_sim_get_stats(h.sim, &b);
	CU_ASSERT_EQUAL(b.io_cmds[PNVME_OPC_WRITE] - a.io_cmds[PNVME_OPC_WRITE], 3);
	CU_ASSERT_EQUAL(b.io_cmds[PNVME_OPC_READ] - a.io_cmds[PNVME_OPC_READ], 6);
	CU_ASSERT_EQUAL(b.bytes_written - a.bytes_written, 3 * 2 * SIM_HOST_PAGE);
	CU_ASSERT_EQUAL(b.bytes_read - a.bytes_read, 5 * 2 * SIM_HOST_PAGE);
	CU_ASSERT_EQUAL(b.sq_doorbell_writes - a.sq_doorbell_writes, 6);
	CU_ASSERT_EQUAL(b.cq_doorbell_writes - a.cq_doorbell_writes, 6);
	CU_ASSERT_EQUAL(b.completions - a.completions, 9);
	CU_ASSERT_EQUAL(b.errors - a.errors, 1);
	sim_host_stop(&h);
	pnvme_dma_free(buf);
}

int main(void)
{
	static const struct test_case fault_tests[] = {
		{"fail the next N", test_fault_fail_next},
		{"drop, then Abort or reset", test_fault_drop_and_abort},
		{"bogus CID and duplicate completion", test_fault_bogus_and_duplicate},
		{"CFS now and latency", test_fault_cfs_and_latency},
		{NULL, NULL},
	};
	static const struct test_case stats_tests[] = {
		{"stats", test_stats},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("sim faults", NULL, NULL, fault_tests);
	test_add_suite("sim stats", NULL, NULL, stats_tests);
	return test_run_all();
}
