/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/sim driven directly (test/common/sim_host.c): fused Compare and Write.
 * The pair succeeds atomically or the Write does not happen; a fused command
 * without its partner, a pair that disagrees, and a controller without
 * FUSES get the spec's statuses; a doorbell that covers only the first
 * command makes the controller wait for the second (in step mode, exactly).
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

#define ST(sc) SIM_HOST_ST(0, sc)
#define MISCOMPARE SIM_HOST_ST(PNVME_SCT_MEDIA_ERROR, PNVME_SC_COMPARE_FAILURE)
#define NLB 4
#define LEN (NLB * 512)

static struct pnvme_cmd fused(uint8_t opc, unsigned fuse, uint64_t slba, uint32_t nlb,
			      const void *buf)
{
	struct pnvme_cmd c = sim_host_rw_cmd(opc, 1, slba, nlb);

	c.fuse = (uint8_t)(fuse & 0x3);
	c.dptr.prp.prp1 = sim_host_iova(buf);
	return c;
}

/* Post both with one doorbell write; take both completions (first, second). */
static void run_pair(struct sim_host *h, const struct pnvme_cmd *a, const struct pnvme_cmd *b,
		     unsigned *sa, unsigned *sb)
{
	struct pnvme_cpl ca, cb;
	uint16_t ida = sim_host_post(h, &h->io, a), idb = sim_host_post(h, &h->io, b);

	sim_host_ring(h, h->io.qid, 0, h->io.sq_tail);
	CU_ASSERT_EQUAL_FATAL(sim_host_wait_cpl(h, &h->io, &ca), 0);
	CU_ASSERT_EQUAL_FATAL(sim_host_wait_cpl(h, &h->io, &cb), 0);
	CU_ASSERT_EQUAL(ca.cid, ida); /* the first command's completion first */
	CU_ASSERT_EQUAL(cb.cid, idb);
	*sa = sim_host_st(&ca);
	*sb = sim_host_st(&cb);
}

static void test_identify_fuses(void)
{
	struct sim_host h;
	struct pnvme_ctrlr_data *cd = sim_host_dma(SIM_HOST_PAGE);

	sim_host_start(&h, "");
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, cd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(cd->fuses, PNVME_FUSES_COMPARE_AND_WRITE);
	CU_ASSERT_TRUE(cd->oncs & PNVME_ONCS_COMPARE);
	sim_host_stop(&h);
	sim_host_start(&h, "fused=0");
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, cd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(cd->fuses, 0);
	sim_host_stop(&h);
	pnvme_dma_free(cd);
}

struct rig {
	struct sim_host h;
	uint8_t *old, *cmp, *new, *rd;
};

/* A queue of 8 entries; blocks 10..13 hold old (written without metadata unless !fill). */
static void rig_open(struct rig *r, const char *params, bool fill)
{
	sim_host_start(&r->h, params);
	sim_host_io_queue(&r->h, 1, 8);
	r->old = sim_host_dma(SIM_HOST_PAGE);
	r->cmp = sim_host_dma(SIM_HOST_PAGE);
	r->new = sim_host_dma(SIM_HOST_PAGE);
	r->rd = sim_host_dma(SIM_HOST_PAGE);
	sim_host_fill(r->old, LEN, 1);
	sim_host_fill(r->new, LEN, 2);
	memcpy(r->cmp, r->old, LEN);
	if (fill)
		CU_ASSERT_EQUAL(sim_host_io(&r->h, PNVME_OPC_WRITE, 10, NLB, r->old, LEN),
				SIM_HOST_OK);
}

static void rig_close(struct rig *r)
{
	sim_host_stop(&r->h);
	pnvme_dma_free(r->old);
	pnvme_dma_free(r->cmp);
	pnvme_dma_free(r->new);
	pnvme_dma_free(r->rd);
}

/* What blocks 10..13 hold now is want. */
static bool holds(struct rig *r, const uint8_t *want)
{
	memset(r->rd, 0, LEN);
	CU_ASSERT_EQUAL(sim_host_io(&r->h, PNVME_OPC_READ, 10, NLB, r->rd, LEN), SIM_HOST_OK);
	return memcmp(r->rd, want, LEN) == 0;
}

static void test_compare_and_write(void)
{
	struct rig r;
	struct pnvme_cmd c, w;
	struct pnvme_sim_stats st;
	unsigned sc, sw;

	rig_open(&r, "", true);
	/* Equal: the Write happens. */
	c = fused(PNVME_OPC_COMPARE, PNVME_FUSE_FIRST, 10, NLB, r.cmp);
	w = fused(PNVME_OPC_WRITE, PNVME_FUSE_SECOND, 10, NLB, r.new);
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, SIM_HOST_OK);
	CU_ASSERT_EQUAL(sw, SIM_HOST_OK);
	CU_ASSERT_TRUE(holds(&r, r.new));
	/* Not equal any more (the blocks hold new): Compare Failure, the Write aborted. */
	sim_host_fill(r.new, LEN, 3);
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, MISCOMPARE);
	CU_ASSERT_EQUAL(sw, ST(PNVME_SC_ABORTED_FAILED_FUSED));
	CU_ASSERT_FALSE(holds(&r, r.new));
	/* One byte off is a miscompare too. */
	sim_host_fill(r.cmp, LEN, 2);
	r.cmp[LEN - 1] ^= 1;
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, MISCOMPARE);
	CU_ASSERT_EQUAL(sw, ST(PNVME_SC_ABORTED_FAILED_FUSED));
	r.cmp[LEN - 1] ^= 1;
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, SIM_HOST_OK);
	CU_ASSERT_EQUAL(sw, SIM_HOST_OK);
	CU_ASSERT_TRUE(holds(&r, r.new));
	/* An error in the Compare (out of range) fails the Write the same way. */
	c = fused(PNVME_OPC_COMPARE, PNVME_FUSE_FIRST, 1ull << 40, NLB, r.cmp);
	w = fused(PNVME_OPC_WRITE, PNVME_FUSE_SECOND, 1ull << 40, NLB, r.new);
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, ST(PNVME_SC_LBA_OUT_OF_RANGE));
	CU_ASSERT_EQUAL(sw, ST(PNVME_SC_ABORTED_FAILED_FUSED));
	pnvme_sim_get_stats(r.h.sim, &st);
	CU_ASSERT_EQUAL(st.io_cmds[PNVME_OPC_COMPARE], 5);
	rig_close(&r);
}

/* The pair across the end of the SQ (slots 7 and 0). */
static void test_pair_wraps(void)
{
	struct rig r;
	struct pnvme_cmd c, w;
	unsigned sc, sw;

	rig_open(&r, "", true);
	for (int i = 0; i < 6; i++) /* with rig_open's write the tail is at 7 */
		CU_ASSERT_EQUAL(sim_host_io(&r.h, PNVME_OPC_READ, 10, NLB, r.rd, LEN), SIM_HOST_OK);
	CU_ASSERT_EQUAL(r.h.io.sq_tail, 7);
	c = fused(PNVME_OPC_COMPARE, PNVME_FUSE_FIRST, 10, NLB, r.cmp);
	w = fused(PNVME_OPC_WRITE, PNVME_FUSE_SECOND, 10, NLB, r.new);
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, SIM_HOST_OK);
	CU_ASSERT_EQUAL(sw, SIM_HOST_OK);
	CU_ASSERT_EQUAL(r.h.io.sq_tail, 1);
	CU_ASSERT_TRUE(holds(&r, r.new));
	rig_close(&r);
}

/* The doorbell covers the first only: nothing runs until the second is there. */
static void test_doorbell_covers_first_only(void)
{
	struct rig r;
	struct pnvme_cmd c, w;
	struct pnvme_cpl cpl;
	uint16_t idc, idw;

	rig_open(&r, "", true);
	c = fused(PNVME_OPC_COMPARE, PNVME_FUSE_FIRST, 10, NLB, r.cmp);
	w = fused(PNVME_OPC_WRITE, PNVME_FUSE_SECOND, 10, NLB, r.new);
	idc = sim_host_submit(&r.h, &r.h.io, &c);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(pnvme_sim_poll(r.h.sim), 0);
	CU_ASSERT_FALSE(sim_host_reap(&r.h, &r.h.io, &cpl, true));
	/* The admin queue is not held up meanwhile. */
	CU_ASSERT_EQUAL(sim_host_identify(&r.h, PNVME_CNS_CTRLR, 0, r.rd), SIM_HOST_OK);
	idw = sim_host_submit(&r.h, &r.h.io, &w);
	CU_ASSERT_EQUAL(pnvme_sim_poll(r.h.sim), 2);
	CU_ASSERT_TRUE_FATAL(sim_host_reap(&r.h, &r.h.io, &cpl, true));
	CU_ASSERT_EQUAL(cpl.cid, idc);
	CU_ASSERT_EQUAL(sim_host_st(&cpl), SIM_HOST_OK);
	CU_ASSERT_TRUE_FATAL(sim_host_reap(&r.h, &r.h.io, &cpl, true));
	CU_ASSERT_EQUAL(cpl.cid, idw);
	CU_ASSERT_EQUAL(sim_host_st(&cpl), SIM_HOST_OK);
	CU_ASSERT_TRUE(holds(&r, r.new));

	/* A first left waiting when its SQ is deleted: Aborted - SQ Deletion, no hang. */
	idc = sim_host_submit(&r.h, &r.h.io, &c);
	CU_ASSERT_EQUAL(pnvme_sim_poll(r.h.sim), 0);
	{
		struct pnvme_cmd del = {.opc = PNVME_OPC_DELETE_IO_SQ, .cdw10 = r.h.io.qid};

		CU_ASSERT_EQUAL(sim_host_admin(&r.h, &del, NULL), SIM_HOST_OK);
	}
	CU_ASSERT_TRUE_FATAL(sim_host_reap(&r.h, &r.h.io, &cpl, true));
	CU_ASSERT_EQUAL(cpl.cid, idc);
	CU_ASSERT_EQUAL(sim_host_st(&cpl), ST(PNVME_SC_ABORTED_SQ_DELETION));
	rig_close(&r);
}

/* A fused command without its partner next to it: Missing Fused Command. */
static void test_missing_fused(void)
{
	struct rig r;
	struct pnvme_cmd c, w, rd;
	unsigned s1, s2;

	rig_open(&r, "", true);
	c = fused(PNVME_OPC_COMPARE, PNVME_FUSE_FIRST, 10, NLB, r.cmp);
	w = fused(PNVME_OPC_WRITE, PNVME_FUSE_SECOND, 10, NLB, r.new);
	rd = fused(PNVME_OPC_READ, 0, 10, NLB, r.rd);
	/* First, then an ordinary command. */
	run_pair(&r.h, &c, &rd, &s1, &s2);
	CU_ASSERT_EQUAL(s1, ST(PNVME_SC_ABORTED_MISSING_FUSED));
	CU_ASSERT_EQUAL(s2, SIM_HOST_OK);
	/* An ordinary command, then a second alone. */
	run_pair(&r.h, &rd, &w, &s1, &s2);
	CU_ASSERT_EQUAL(s1, SIM_HOST_OK);
	CU_ASSERT_EQUAL(s2, ST(PNVME_SC_ABORTED_MISSING_FUSED));
	/* Two firsts in a row: the first is alone, the second pairs with what follows. */
	{
		struct pnvme_cpl cpl[3];
		uint16_t id[3];

		id[0] = sim_host_post(&r.h, &r.h.io, &c);
		id[1] = sim_host_post(&r.h, &r.h.io, &c);
		id[2] = sim_host_post(&r.h, &r.h.io, &w);
		sim_host_ring(&r.h, 1, 0, r.h.io.sq_tail);
		for (int i = 0; i < 3; i++) {
			CU_ASSERT_EQUAL_FATAL(sim_host_wait_cpl(&r.h, &r.h.io, &cpl[i]), 0);
			CU_ASSERT_EQUAL(cpl[i].cid, id[i]);
		}
		CU_ASSERT_EQUAL(sim_host_st(&cpl[0]), ST(PNVME_SC_ABORTED_MISSING_FUSED));
		CU_ASSERT_EQUAL(sim_host_st(&cpl[1]), SIM_HOST_OK);
		CU_ASSERT_EQUAL(sim_host_st(&cpl[2]), SIM_HOST_OK);
	}
	CU_ASSERT_TRUE(holds(&r, r.new));
	rig_close(&r);
}

/* Pairs that disagree; FUSE 11b; a controller without FUSES. */
static void test_invalid_pairs(void)
{
	struct rig r;
	struct pnvme_cmd c, w;
	unsigned sc, sw;

	rig_open(&r, "", true);
	/* Different LBA ranges (start, length, namespace): both Invalid Field, nothing written. */
	c = fused(PNVME_OPC_COMPARE, PNVME_FUSE_FIRST, 10, NLB, r.cmp);
	w = fused(PNVME_OPC_WRITE, PNVME_FUSE_SECOND, 11, NLB, r.new);
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, ST(PNVME_SC_INVALID_FIELD));
	CU_ASSERT_EQUAL(sw, ST(PNVME_SC_INVALID_FIELD));
	w = fused(PNVME_OPC_WRITE, PNVME_FUSE_SECOND, 10, NLB - 1, r.new);
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, ST(PNVME_SC_INVALID_FIELD));
	CU_ASSERT_EQUAL(sw, ST(PNVME_SC_INVALID_FIELD));
	CU_ASSERT_TRUE(holds(&r, r.old));
	/* Not Compare then Write. */
	c = fused(PNVME_OPC_READ, PNVME_FUSE_FIRST, 10, NLB, r.rd);
	w = fused(PNVME_OPC_WRITE, PNVME_FUSE_SECOND, 10, NLB, r.new);
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, ST(PNVME_SC_INVALID_FIELD));
	CU_ASSERT_EQUAL(sw, ST(PNVME_SC_ABORTED_FAILED_FUSED));
	c = fused(PNVME_OPC_COMPARE, PNVME_FUSE_FIRST, 10, NLB, r.cmp);
	w = fused(PNVME_OPC_READ, PNVME_FUSE_SECOND, 10, NLB, r.rd);
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, ST(PNVME_SC_ABORTED_FAILED_FUSED));
	CU_ASSERT_EQUAL(sw, ST(PNVME_SC_INVALID_FIELD));
	CU_ASSERT_TRUE(holds(&r, r.old));
	/* FUSE 11b is reserved. */
	c = fused(PNVME_OPC_READ, 3, 10, NLB, r.rd);
	CU_ASSERT_EQUAL(sim_host_run(&r.h, &r.h.io, &c, NULL), ST(PNVME_SC_INVALID_FIELD));
	/* Fused admin commands do not exist. */
	c = (struct pnvme_cmd){.opc = PNVME_OPC_IDENTIFY, .cdw10 = PNVME_CNS_CTRLR};
	c.fuse = PNVME_FUSE_FIRST;
	c.dptr.prp.prp1 = sim_host_iova(r.rd);
	CU_ASSERT_EQUAL(sim_host_admin(&r.h, &c, NULL), ST(PNVME_SC_INVALID_FIELD));
	rig_close(&r);

	/* Without FUSES bit 0 a fused command is an invalid field, and nothing is written. */
	rig_open(&r, "fused=0", true);
	c = fused(PNVME_OPC_COMPARE, PNVME_FUSE_FIRST, 10, NLB, r.cmp);
	w = fused(PNVME_OPC_WRITE, PNVME_FUSE_SECOND, 10, NLB, r.new);
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, ST(PNVME_SC_INVALID_FIELD));
	CU_ASSERT_EQUAL(sw, ST(PNVME_SC_INVALID_FIELD));
	CU_ASSERT_TRUE(holds(&r, r.old));
	rig_close(&r);
}

/* Metadata and PI take part: the Compare checks and compares them, the Write stores them. */
static void test_fused_with_pi(void)
{
	struct rig r;
	struct pnvme_cmd c, w;
	uint8_t *md_old = sim_host_dma(SIM_HOST_PAGE), *md_new = sim_host_dma(SIM_HOST_PAGE);
	unsigned sc, sw;

	rig_open(&r, "ms=16 pi=1", false);
	/* The blocks with metadata and the controller's tuples (PRACT). */
	sim_host_fill(md_old, NLB * 16, 5);
	c = fused(PNVME_OPC_WRITE, 0, 10, NLB, r.old);
	c.mptr = sim_host_iova(md_old);
	c.cdw12 |= PNVME_PRINFO_PRACT;
	c.cdw14 = 10;
	c.cdw15 = 0x99;
	CU_ASSERT_EQUAL(sim_host_run(&r.h, &r.h.io, &c, NULL), SIM_HOST_OK);
	c.opc = PNVME_OPC_READ;
	c.cdw12 = (NLB - 1) | PNVME_PRINFO_PRCHK_MASK;
	CU_ASSERT_EQUAL(sim_host_run(&r.h, &r.h.io, &c, NULL), SIM_HOST_OK); /* md_old with tuples */

	c = fused(PNVME_OPC_COMPARE, PNVME_FUSE_FIRST, 10, NLB, r.cmp);
	c.mptr = sim_host_iova(md_old);
	c.cdw12 |= PNVME_PRINFO_PRCHK_MASK;
	c.cdw14 = 10;
	c.cdw15 = 0x99 | 0xffffu << 16;
	w = fused(PNVME_OPC_WRITE, PNVME_FUSE_SECOND, 10, NLB, r.new);
	w.mptr = sim_host_iova(md_new);
	w.cdw12 |= PNVME_PRINFO_PRACT;
	w.cdw14 = 10;
	w.cdw15 = 0x42;
	/* A metadata byte off: miscompare. */
	md_old[3] ^= 1;
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, MISCOMPARE);
	CU_ASSERT_EQUAL(sw, ST(PNVME_SC_ABORTED_FAILED_FUSED));
	md_old[3] ^= 1;
	/* A corrupted guard: the Compare's check fails first. */
	CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(r.h.sim, 1, 11, PNVME_SIM_PI_GUARD), 0);
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, SIM_HOST_ST(PNVME_SCT_MEDIA_ERROR, PNVME_SC_GUARD_CHECK_ERROR));
	CU_ASSERT_EQUAL(sw, ST(PNVME_SC_ABORTED_FAILED_FUSED));
	CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(r.h.sim, 1, 11, PNVME_SIM_PI_GUARD), 0);
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, SIM_HOST_OK);
	CU_ASSERT_EQUAL(sw, SIM_HOST_OK);
	/* The Write's tuples: app tag 0x42 now. */
	c = fused(PNVME_OPC_READ, 0, 10, NLB, r.rd);
	c.mptr = sim_host_iova(md_new);
	c.cdw12 |= PNVME_PRINFO_PRCHK_MASK;
	c.cdw14 = 10;
	c.cdw15 = 0x42 | 0xffffu << 16;
	CU_ASSERT_EQUAL(sim_host_run(&r.h, &r.h.io, &c, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(r.rd, r.new, LEN), 0);
	rig_close(&r);
	pnvme_dma_free(md_old);
	pnvme_dma_free(md_new);
}

/* Faults: a FAIL on the Compare fails the pair; a STALL rule waits for an unfused command. */
static void test_fused_faults(void)
{
	struct rig r;
	struct pnvme_cmd c, w;
	struct pnvme_sim_stats st;
	unsigned sc, sw;

	rig_open(&r, "", true);
	c = fused(PNVME_OPC_COMPARE, PNVME_FUSE_FIRST, 10, NLB, r.cmp);
	w = fused(PNVME_OPC_WRITE, PNVME_FUSE_SECOND, 10, NLB, r.new);
	CU_ASSERT_EQUAL(pnvme_sim_fail_next(r.h.sim, PNVME_SIM_IO, PNVME_OPC_COMPARE, 1,
					    PNVME_SCT_MEDIA_ERROR, PNVME_SC_UNRECOVERED_READ_ERROR,
					    true), 0);
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, SIM_HOST_ST(PNVME_SCT_MEDIA_ERROR, PNVME_SC_UNRECOVERED_READ_ERROR));
	CU_ASSERT_EQUAL(sw, ST(PNVME_SC_ABORTED_FAILED_FUSED));
	CU_ASSERT_TRUE(holds(&r, r.old));
	CU_ASSERT_EQUAL(pnvme_sim_stall_next(r.h.sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC, 1, 0), 0);
	run_pair(&r.h, &c, &w, &sc, &sw);
	CU_ASSERT_EQUAL(sc, SIM_HOST_OK);
	CU_ASSERT_EQUAL(sw, SIM_HOST_OK);
	pnvme_sim_get_stats(r.h.sim, &st);
	CU_ASSERT_EQUAL(st.stalled, 0);
	pnvme_sim_clear_faults(r.h.sim);
	rig_close(&r);
}

/* With the device thread: the pair, posted with one doorbell or two. */
static void test_fused_thread_mode(void)
{
	struct rig r;
	struct pnvme_cmd c, w;
	struct pnvme_cpl cpl;

	rig_open(&r, "thread=1", true);
	for (int round = 0; round < 50; round++) {
		sim_host_fill(r.new, LEN, (unsigned)round + 10);
		c = fused(PNVME_OPC_COMPARE, PNVME_FUSE_FIRST, 10, NLB, r.cmp);
		w = fused(PNVME_OPC_WRITE, PNVME_FUSE_SECOND, 10, NLB, r.new);
		sim_host_submit(&r.h, &r.h.io, &c);
		if (round & 1)
			usleep(100);
		sim_host_submit(&r.h, &r.h.io, &w);
		for (int i = 0; i < 2; i++) {
			CU_ASSERT_EQUAL_FATAL(sim_host_wait_cpl(&r.h, &r.h.io, &cpl), 0);
			CU_ASSERT_EQUAL(sim_host_st(&cpl), SIM_HOST_OK);
		}
		memcpy(r.cmp, r.new, LEN);
	}
	CU_ASSERT_TRUE(holds(&r, r.new));
	rig_close(&r);
}

int main(void)
{
	static const struct test_case fused_tests[] = {
		{"Identify FUSES and ONCS", test_identify_fuses},
		{"compare and write: equal, miscompare, error", test_compare_and_write},
		{"the pair across the end of the SQ", test_pair_wraps},
		{"a doorbell covering the first only", test_doorbell_covers_first_only},
		{"missing fused command", test_missing_fused},
		{"invalid pairs, FUSE 11b, fused=0", test_invalid_pairs},
		{"with metadata and PI", test_fused_with_pi},
		{"faults on fused commands", test_fused_faults},
		{"thread mode", test_fused_thread_mode},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("sim fused compare and write", NULL, NULL, fused_tests);
	return test_run_all();
}
