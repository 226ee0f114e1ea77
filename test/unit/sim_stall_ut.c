/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/sim driven directly through the minimal host in test/common/sim_host.c:
 * stalled commands (the device still owns the buffer), what ends a stall, and
 * the Abort modes and Abort Command Limit.
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

/* Long enough that the checks before its end cannot be late on a loaded machine. */
#define STALL_MS 200

static struct pnvme_sim_stats stats(struct sim_host *h)
{
	struct pnvme_sim_stats s;

	pnvme_sim_get_stats(h->sim, &s);
	return s;
}

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

/* A one-page Read or Write of LBA 0..7 on h->io, submitted, not waited for. */
static uint16_t submit_rw(struct sim_host *h, uint8_t opc, void *buf)
{
	struct pnvme_cmd c = sim_host_rw_cmd(opc, 1, 0, 8);

	c.dptr.prp.prp1 = sim_host_iova(buf);
	return sim_host_submit(h, &h->io, &c);
}

static struct pnvme_cmd abort_cmd(uint16_t sqid, uint16_t cid)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_ABORT};

	c.cdw10 = (uint32_t)cid << 16 | sqid;
	return c;
}

/* The next I/O completion, which must be cid's with status st. */
static void expect_io_cpl(struct sim_host *h, uint16_t cid, unsigned st)
{
	struct pnvme_cpl cpl;

	CU_ASSERT_EQUAL_FATAL(sim_host_wait_cpl(h, &h->io, &cpl), 0);
	CU_ASSERT_EQUAL(cpl.cid, cid);
	CU_ASSERT_EQUAL(sim_host_st(&cpl), st);
}

static void test_stall_read_and_write(void)
{
	struct sim_host h;
	uint8_t *data = sim_host_dma(SIM_HOST_PAGE), *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_sim_stats a, b;
	struct pnvme_cpl cpl;
	uint16_t cid;

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	sim_host_fill(data, SIM_HOST_PAGE, 3);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 0, 8, data, SIM_HOST_PAGE), SIM_HOST_OK);

	/* Read: no completion and the buffer untouched until the stall ends. */
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1, STALL_MS), 0);
	a = stats(&h);
	memset(buf, 0xaa, SIM_HOST_PAGE);
	cid = submit_rw(&h, PNVME_OPC_READ, buf);
	poll_n(&h, 5);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));
	CU_ASSERT_TRUE(all_bytes(buf, SIM_HOST_PAGE, 0xaa));
	b = stats(&h);
	CU_ASSERT_EQUAL(b.stalled - a.stalled, 1);
	CU_ASSERT_EQUAL(b.bytes_read, a.bytes_read);
	CU_ASSERT_EQUAL(b.io_cmds[PNVME_OPC_READ] - a.io_cmds[PNVME_OPC_READ], 1); /* fetched */
	/* Other commands flow past it meanwhile. */
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 8, 8, data, SIM_HOST_PAGE), SIM_HOST_OK);
	CU_ASSERT_TRUE(all_bytes(buf, SIM_HOST_PAGE, 0xaa));
	usleep((STALL_MS + 10) * 1000);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE_FATAL(sim_host_reap(&h, &h.io, &cpl, true));
	CU_ASSERT_EQUAL(cpl.cid, cid);
	CU_ASSERT_EQUAL(sim_host_st(&cpl), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(buf, data, SIM_HOST_PAGE), 0);
	b = stats(&h);
	CU_ASSERT_EQUAL(b.bytes_read - a.bytes_read, SIM_HOST_PAGE);
	CU_ASSERT_EQUAL(b.stall_discarded, a.stall_discarded);

	/* Write: the data is taken from host memory when the stall ends, not at fetch. */
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_IO, PNVME_OPC_WRITE, 1, STALL_MS), 0);
	sim_host_fill(buf, SIM_HOST_PAGE, 4);
	cid = submit_rw(&h, PNVME_OPC_WRITE, buf);
	poll_n(&h, 3);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));
	sim_host_fill(buf, SIM_HOST_PAGE, 5); /* what the device will see */
	usleep((STALL_MS + 10) * 1000);
	expect_io_cpl(&h, cid, SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 8, data, SIM_HOST_PAGE), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(buf, data, SIM_HOST_PAGE), 0);

	/* A stalled command that also fails: the status comes when the stall ends. */
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1, STALL_MS), 0);
	CU_ASSERT_EQUAL(pnvme_sim_fail_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1,
					    PNVME_SCT_MEDIA_ERROR, PNVME_SC_UNRECOVERED_READ_ERROR,
					    true), 0);
	memset(buf, 0xaa, SIM_HOST_PAGE);
	cid = submit_rw(&h, PNVME_OPC_READ, buf);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));
	usleep((STALL_MS + 10) * 1000);
	expect_io_cpl(&h, cid, SIM_HOST_ST(PNVME_SCT_MEDIA_ERROR, PNVME_SC_UNRECOVERED_READ_ERROR));
	CU_ASSERT_TRUE(all_bytes(buf, SIM_HOST_PAGE, 0xaa));
	sim_host_stop(&h);
	pnvme_dma_free(data);
	pnvme_dma_free(buf);
}

static void test_stall_forever_then_reset(void)
{
	struct sim_host h;
	uint8_t *data = sim_host_dma(SIM_HOST_PAGE), *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_sim_stats a, b;
	struct pnvme_cpl cpl;

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	sim_host_fill(data, SIM_HOST_PAGE, 7);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 0, 8, data, SIM_HOST_PAGE), SIM_HOST_OK);
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1, 0), 0);
	a = stats(&h);
	memset(buf, 0xaa, SIM_HOST_PAGE);
	submit_rw(&h, PNVME_OPC_READ, buf);
	poll_n(&h, 5);
	usleep(30000);
	poll_n(&h, 5);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));
	/* Controller reset: the command is gone, and its buffer is never written. */
	sim_host_wr(&h, PNVME_REG_CC, 0);
	CU_ASSERT_TRUE(sim_host_wait_csts(&h, PNVME_CSTS_RDY, 0));
	usleep(30000);
	poll_n(&h, 10);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));
	CU_ASSERT_TRUE(all_bytes(buf, SIM_HOST_PAGE, 0xaa));
	b = stats(&h);
	CU_ASSERT_EQUAL(b.stalled - a.stalled, 1);
	CU_ASSERT_EQUAL(b.stall_discarded - a.stall_discarded, 1);
	CU_ASSERT_EQUAL(b.bytes_read, a.bytes_read);

	/* The controller comes back and reads as usual. */
	sim_host_hq_fini(&h.aq);
	sim_host_hq_fini(&h.io);
	sim_host_hq_init(&h.aq, 0, SIM_HOST_AQ_SIZE);
	sim_host_program(&h, sim_host_cc_default());
	CU_ASSERT_TRUE_FATAL(sim_host_wait_csts(&h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 8, buf, SIM_HOST_PAGE), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(buf, data, SIM_HOST_PAGE), 0);
	sim_host_stop(&h);
	pnvme_dma_free(data);
	pnvme_dma_free(buf);
}

static void test_stall_abort_and_delete(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_sim_stats a, b;
	struct pnvme_cmd c;
	struct pnvme_cpl cpl, acpl;
	uint16_t cid;

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	a = stats(&h);
	/* Abort: Aborted by Request, bit 0 clear, no data transfer. */
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC, 1, 0), 0);
	memset(buf, 0xaa, SIM_HOST_PAGE);
	cid = submit_rw(&h, PNVME_OPC_READ, buf);
	poll_n(&h, 3);
	c = abort_cmd(1, cid);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, &acpl), SIM_HOST_OK);
	CU_ASSERT_EQUAL(acpl.cdw0 & 1, 0);
	expect_io_cpl(&h, cid, SIM_HOST_ST(0, PNVME_SC_ABORTED_BY_REQUEST));
	CU_ASSERT_TRUE(all_bytes(buf, SIM_HOST_PAGE, 0xaa));
	/* A second Abort finds nothing. */
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, &acpl), SIM_HOST_OK);
	CU_ASSERT_EQUAL(acpl.cdw0 & 1, 1);

	/* A stalled Write that is aborted never reads the host's buffer into the medium. */
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_IO, PNVME_OPC_WRITE, 1, 0), 0);
	cid = submit_rw(&h, PNVME_OPC_WRITE, buf);
	poll_n(&h, 3);
	c = abort_cmd(1, cid);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, &acpl), SIM_HOST_OK);
	expect_io_cpl(&h, cid, SIM_HOST_ST(0, PNVME_SC_ABORTED_BY_REQUEST));
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 8, buf, SIM_HOST_PAGE), SIM_HOST_OK);
	CU_ASSERT_TRUE(sim_host_all_zero(buf, SIM_HOST_PAGE));

	/* SQ deletion: Aborted - SQ Deletion, no data transfer, then the Delete completes. */
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1, 0), 0);
	memset(buf, 0xaa, SIM_HOST_PAGE);
	cid = submit_rw(&h, PNVME_OPC_READ, buf);
	poll_n(&h, 3);
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_SQ, .cdw10 = 1};
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_OK);
	CU_ASSERT_TRUE_FATAL(sim_host_reap(&h, &h.io, &cpl, true));
	CU_ASSERT_EQUAL(cpl.cid, cid);
	CU_ASSERT_EQUAL(sim_host_st(&cpl), SIM_HOST_ST(0, PNVME_SC_ABORTED_SQ_DELETION));
	usleep(20000);
	poll_n(&h, 3);
	CU_ASSERT_TRUE(all_bytes(buf, SIM_HOST_PAGE, 0xaa));
	b = stats(&h);
	CU_ASSERT_EQUAL(b.stalled - a.stalled, 3);
	CU_ASSERT_EQUAL(b.stall_discarded - a.stall_discarded, 3);
	CU_ASSERT_EQUAL(b.bytes_written, a.bytes_written);
	CU_ASSERT_EQUAL(b.bytes_read - a.bytes_read, SIM_HOST_PAGE); /* the check read only */
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	sim_host_stop(&h);
	pnvme_dma_free(buf);
}

static void test_stall_admin(void)
{
	struct sim_host h;
	uint8_t *id = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c = {.opc = PNVME_OPC_IDENTIFY, .cdw10 = PNVME_CNS_CTRLR};
	struct pnvme_cpl cpl;
	uint16_t cid;

	sim_host_start(&h, "");
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_ADMIN, PNVME_OPC_IDENTIFY, 1,
					     STALL_MS), 0);
	c.dptr.prp.prp1 = sim_host_iova(id);
	cid = sim_host_submit(&h, &h.aq, &c);
	poll_n(&h, 3);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.aq, &cpl, true));
	CU_ASSERT_TRUE(sim_host_all_zero(id, SIM_HOST_PAGE));
	/* The admin queue keeps going meanwhile. */
	{
		struct pnvme_cmd ka = {.opc = PNVME_OPC_KEEP_ALIVE};

		CU_ASSERT_EQUAL(sim_host_admin(&h, &ka, NULL), SIM_HOST_OK);
	}
	usleep((STALL_MS + 10) * 1000);
	CU_ASSERT_EQUAL_FATAL(sim_host_wait_cpl(&h, &h.aq, &cpl), 0);
	CU_ASSERT_EQUAL(cpl.cid, cid);
	CU_ASSERT_EQUAL(sim_host_st(&cpl), SIM_HOST_OK);
	CU_ASSERT_EQUAL(((struct pnvme_ctrlr_data *)id)->vid, 0xfffe);
	/* Bad arguments. */
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC, 0, 1),
			-EINVAL);
	sim_host_stop(&h);
	pnvme_dma_free(id);
}

static void test_stall_thread_mode(void)
{
	struct sim_host h;
	uint8_t *data = sim_host_dma(SIM_HOST_PAGE), *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c;
	struct pnvme_cpl cpl, acpl;
	uint16_t cid;

	sim_host_start(&h, "thread=1 idle_us=50");
	CU_ASSERT_EQUAL(pnvme_sim_poll(h.sim), -EBUSY);
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	sim_host_fill(data, SIM_HOST_PAGE, 9);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 0, 8, data, SIM_HOST_PAGE), SIM_HOST_OK);
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1, STALL_MS), 0);
	memset(buf, 0xaa, SIM_HOST_PAGE);
	cid = submit_rw(&h, PNVME_OPC_READ, buf);
	usleep(5000);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));
	CU_ASSERT_TRUE(all_bytes(buf, SIM_HOST_PAGE, 0xaa));
	expect_io_cpl(&h, cid, SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(buf, data, SIM_HOST_PAGE), 0);

	/* Forever, then Abort from this thread while the device thread runs. */
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1, 0), 0);
	memset(buf, 0xaa, SIM_HOST_PAGE);
	cid = submit_rw(&h, PNVME_OPC_READ, buf);
	usleep(20000);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));
	c = abort_cmd(1, cid);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, &acpl), SIM_HOST_OK);
	CU_ASSERT_EQUAL(acpl.cdw0 & 1, 0);
	expect_io_cpl(&h, cid, SIM_HOST_ST(0, PNVME_SC_ABORTED_BY_REQUEST));
	CU_ASSERT_TRUE(all_bytes(buf, SIM_HOST_PAGE, 0xaa));
	sim_host_stop(&h);
	pnvme_dma_free(data);
	pnvme_dma_free(buf);
}

/* ================================================================ abort modes */

static void test_abort_ignore_and_hold(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c;
	struct pnvme_cpl cpl, acpl;
	uint16_t cid, acid;

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1, 0), 0);
	memset(buf, 0xaa, SIM_HOST_PAGE);
	cid = submit_rw(&h, PNVME_OPC_READ, buf);
	poll_n(&h, 3);
	c = abort_cmd(1, cid);

	/* IGNORE: success at once, bit 0 set, the victim stays stalled. */
	pnvme_sim_set_abort_mode(h.sim, PNVME_SIM_ABORT_IGNORE);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, &acpl), SIM_HOST_OK);
	CU_ASSERT_EQUAL(acpl.cdw0 & 1, 1);
	poll_n(&h, 3);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));

	/* HOLD: the Abort never completes, the victim stays stalled. */
	pnvme_sim_set_abort_mode(h.sim, PNVME_SIM_ABORT_HOLD);
	acid = sim_host_submit(&h, &h.aq, &c);
	poll_n(&h, 5);
	usleep(20000);
	poll_n(&h, 5);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.aq, &acpl, true));
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));
	/* Other admin commands still complete. */
	{
		struct pnvme_cmd ka = {.opc = PNVME_OPC_KEEP_ALIVE};

		CU_ASSERT_EQUAL(sim_host_admin(&h, &ka, NULL), SIM_HOST_OK);
	}

	/* NORMAL again: a new Abort reaches the victim; the held one stays held. */
	pnvme_sim_set_abort_mode(h.sim, PNVME_SIM_ABORT_NORMAL);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, &acpl), SIM_HOST_OK);
	CU_ASSERT_NOT_EQUAL(acpl.cid, acid);
	CU_ASSERT_EQUAL(acpl.cdw0 & 1, 0);
	expect_io_cpl(&h, cid, SIM_HOST_ST(0, PNVME_SC_ABORTED_BY_REQUEST));
	CU_ASSERT_TRUE(all_bytes(buf, SIM_HOST_PAGE, 0xaa));
	poll_n(&h, 3);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.aq, &acpl, true));

	/* A dropped completion: IGNORE leaves it dropped. */
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1), 0);
	cid = submit_rw(&h, PNVME_OPC_READ, buf);
	poll_n(&h, 3);
	pnvme_sim_set_abort_mode(h.sim, PNVME_SIM_ABORT_IGNORE);
	c = abort_cmd(1, cid);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, &acpl), SIM_HOST_OK);
	CU_ASSERT_EQUAL(acpl.cdw0 & 1, 1);
	poll_n(&h, 3);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl, true));

	/* A reset ends the held Abort without a completion; after it, all is normal. */
	sim_host_wr(&h, PNVME_REG_CC, 0);
	CU_ASSERT_TRUE(sim_host_wait_csts(&h, PNVME_CSTS_RDY, 0));
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.aq, &acpl, false));
	sim_host_hq_fini(&h.aq);
	sim_host_hq_fini(&h.io);
	sim_host_hq_init(&h.aq, 0, SIM_HOST_AQ_SIZE);
	sim_host_program(&h, sim_host_cc_default());
	CU_ASSERT_TRUE_FATAL(sim_host_wait_csts(&h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, buf), SIM_HOST_OK);
	sim_host_stop(&h);
	pnvme_dma_free(buf);
}

static void test_abort_command_limit(void)
{
	struct sim_host h;
	struct pnvme_ctrlr_data *cd = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c = abort_cmd(1, 0x1234);
	struct pnvme_cpl cpl;

	/* Default: ACL 3, four Aborts outstanding at most. */
	sim_host_start(&h, "");
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, cd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(cd->acl, 3);
	pnvme_sim_set_abort_mode(h.sim, PNVME_SIM_ABORT_HOLD);
	for (int i = 0; i < 4; i++)
		sim_host_submit(&h, &h.aq, &c);
	poll_n(&h, 3);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.aq, &cpl, true));
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, &cpl),
			SIM_HOST_ST(PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_ABORT_COMMAND_LIMIT_EXCEEDED));
	CU_ASSERT_FALSE(cpl.status_raw & PNVME_STATUS_DNR_BIT);
	sim_host_stop(&h);

	/* acl=0: one. Stalled Aborts count as outstanding too. */
	sim_host_start(&h, "acl=0");
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, cd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(cd->acl, 0);
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(h.sim, PNVME_SIM_ADMIN, PNVME_OPC_ABORT, 1, 0), 0);
	sim_host_submit(&h, &h.aq, &c);
	poll_n(&h, 3);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.aq, &cpl, true));
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, &cpl),
			SIM_HOST_ST(PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_ABORT_COMMAND_LIMIT_EXCEEDED));
	sim_host_stop(&h);

	/* acl=255 parses; 256 does not. */
	sim_host_start(&h, "acl=255");
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, cd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(cd->acl, 255);
	sim_host_stop(&h);
	CU_ASSERT_EQUAL(sim_host_create(&h, "acl=256"), -EINVAL);
	pnvme_dma_free(cd);
}

int main(void)
{
	static const struct test_case stall_tests[] = {
		{"stalled read and write: data moves when the stall ends", test_stall_read_and_write},
		{"stalled forever, then reset: buffer never written", test_stall_forever_then_reset},
		{"stalled, then Abort or SQ deletion: no data transfer", test_stall_abort_and_delete},
		{"stalled admin command", test_stall_admin},
		{"stall in thread mode", test_stall_thread_mode},
		{NULL, NULL},
	};
	static const struct test_case abort_tests[] = {
		{"abort modes: ignore, hold, normal", test_abort_ignore_and_hold},
		{"abort command limit", test_abort_command_limit},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("sim stall", NULL, NULL, stall_tests);
	test_add_suite("sim abort", NULL, NULL, abort_tests);
	return test_run_all();
}
