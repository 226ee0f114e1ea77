/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/sim driven directly, without the driver, through the minimal host in
 * test/common/sim_host.c: I/O commands (read/write through PRPs,
 * DSM, Write Zeroes, Compare) and their errors, CQ wrap and stall, doorbell
 * stride, shadow doorbells, and the controller in its own thread.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/sim_host.h"
#include "common/test_env.h"
#include "pnvme/env.h"
#include "pnvme/nvme_spec.h"
#include "pnvme/sim.h"

static void test_rw_prp1_prp2(void)
{
	struct sim_host h;
	uint8_t *w = sim_host_dma(4 * SIM_HOST_PAGE), *r = sim_host_dma(4 * SIM_HOST_PAGE);

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	/* PRP1 only: one page, then 512 bytes at an offset inside a page. */
	sim_host_fill(w, 4 * SIM_HOST_PAGE, 1);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 0, 8, w, SIM_HOST_PAGE), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 8, r, SIM_HOST_PAGE), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(w, r, SIM_HOST_PAGE), 0);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 100, 1, w + 1024, 512), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 100, 1, r + 2048, 512), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(w + 1024, r + 2048, 512), 0);
	/* PRP1 + PRP2: 8 KiB aligned, and 4 KiB starting mid-page (two pages). */
	sim_host_fill(w, 4 * SIM_HOST_PAGE, 2);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 200, 16, w, 2 * SIM_HOST_PAGE),
			SIM_HOST_OK);
	memset(r, 0, 4 * SIM_HOST_PAGE);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 200, 16, r, 2 * SIM_HOST_PAGE),
			SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(w, r, 2 * SIM_HOST_PAGE), 0);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 300, 8, w + 512, SIM_HOST_PAGE),
			SIM_HOST_OK);
	memset(r, 0, 4 * SIM_HOST_PAGE);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 300, 8, r + 3072, SIM_HOST_PAGE),
			SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(w + 512, r + 3072, SIM_HOST_PAGE), 0);
	/* A list in one page: 16 KiB. */
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 400, 32, w, 4 * SIM_HOST_PAGE),
			SIM_HOST_OK);
	memset(r, 0, 4 * SIM_HOST_PAGE);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 400, 32, r, 4 * SIM_HOST_PAGE),
			SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(w, r, 4 * SIM_HOST_PAGE), 0);
	sim_host_stop(&h);
	pnvme_dma_free(w);
	pnvme_dma_free(r);
}

/* 600 KiB through a PRP list that starts 100 slots before the end of its page. */
static void prp_two_list_pages(struct sim_host *h, uint8_t opc, uint8_t *pool, uint8_t *lists)
{
	const unsigned pages = 150;
	uint64_t *l1 = (uint64_t *)(lists + SIM_HOST_PAGE - 100 * 8),
		 *l2 = (uint64_t *)(lists + SIM_HOST_PAGE);
	struct pnvme_cmd c = sim_host_rw_cmd(opc, 1, 1000, pages * 8);
	unsigned n = 0;

	/* Data pages in a scrambled order: page i of the transfer is pool page (i*7)%pages. */
	c.dptr.prp.prp1 = sim_host_iova(pool);
	for (unsigned i = 1; i < pages; i++) {
		uint64_t pa = sim_host_iova(pool + (size_t)((i * 7) % pages) * SIM_HOST_PAGE);

		if (n < 99)
			l1[n] = pa;
		else
			l2[n - 99] = pa;
		n++;
	}
	l1[99] = sim_host_iova(l2); /* last slot of the first list page chains to the next */
	c.dptr.prp.prp2 = sim_host_iova(l1);
	CU_ASSERT_EQUAL(sim_host_run(h, &h->io, &c, NULL), SIM_HOST_OK);
}

static void test_rw_prp_list_two_pages(void)
{
	struct sim_host h;
	const size_t len = 150 * SIM_HOST_PAGE;
	uint8_t *w = sim_host_dma(len), *r = sim_host_dma(len),
		*lists = sim_host_dma(2 * SIM_HOST_PAGE), *chk = sim_host_dma(len);

	sim_host_start(&h, "mdts=8");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	sim_host_fill(w, len, 3);
	prp_two_list_pages(&h, PNVME_OPC_WRITE, w, lists);
	prp_two_list_pages(&h, PNVME_OPC_READ, r, lists);
	CU_ASSERT_EQUAL(memcmp(w, r, len), 0);
	/* Read linearly: transfer page i was taken from pool page (i*7)%150. */
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 1000, 8, chk, SIM_HOST_PAGE), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(chk, w, SIM_HOST_PAGE), 0);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 1000 + 8 * 120, 8, chk, SIM_HOST_PAGE),
			SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(chk, w + (size_t)((120 * 7) % 150) * SIM_HOST_PAGE,
			       SIM_HOST_PAGE), 0);
	sim_host_stop(&h);
	pnvme_dma_free(w);
	pnvme_dma_free(r);
	pnvme_dma_free(lists);
	pnvme_dma_free(chk);
}

static void test_prp_errors(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(8 * SIM_HOST_PAGE);
	uint64_t *list = sim_host_dma(SIM_HOST_PAGE);
	static char not_dma[SIM_HOST_PAGE] __attribute__((aligned(4096)));
	struct pnvme_cmd c;
	const unsigned bad_off = SIM_HOST_ST(0, PNVME_SC_INVALID_PRP_OFFSET);

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	/* PRP1 not dword aligned. */
	c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 1);
	c.dptr.prp.prp1 = sim_host_iova(buf) + 2;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), bad_off);
	/* PRP2 as a data pointer with an offset. */
	c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 16);
	c.dptr.prp.prp1 = sim_host_iova(buf);
	c.dptr.prp.prp2 = sim_host_iova(buf) + SIM_HOST_PAGE + 512;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), bad_off);
	/* PRP2 as a list pointer, not dword aligned. */
	c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 24);
	c.dptr.prp.prp1 = sim_host_iova(buf);
	c.dptr.prp.prp2 = sim_host_iova(list) + 1;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), bad_off);
	/* A list entry with an offset. */
	list[0] = sim_host_iova(buf) + SIM_HOST_PAGE;
	list[1] = sim_host_iova(buf) + 2 * SIM_HOST_PAGE + 8;
	c.dptr.prp.prp2 = sim_host_iova(list);
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), bad_off);
	/* Addresses that are not DMA memory: Data Transfer Error, never a crash. */
	list[1] = (uintptr_t)not_dma;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL),
			SIM_HOST_ST(0, PNVME_SC_DATA_TRANSFER_ERROR));
	c = sim_host_rw_cmd(PNVME_OPC_WRITE, 1, 0, 1);
	c.dptr.prp.prp1 = 0x1000;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL),
			SIM_HOST_ST(0, PNVME_SC_DATA_TRANSFER_ERROR));
	c.dptr.prp.prp1 = sim_host_iova(buf);
	c.psdt = 3; /* reserved (SGLs: sim_sgl_ut.c) */
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	sim_host_stop(&h);
	pnvme_dma_free(buf);
	pnvme_dma_free(list);
}

static void test_io_errors(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(64 * SIM_HOST_PAGE);
	struct pnvme_cmd c;

	sim_host_start(&h, "size=1M mdts=2"); /* 2048 blocks, 16 KiB transfers */
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 2047, 1, buf, 512), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 2047, 2, buf, 1024),
			SIM_HOST_ST(0, PNVME_SC_LBA_OUT_OF_RANGE));
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 4096, 1, buf, 512),
			SIM_HOST_ST(0, PNVME_SC_LBA_OUT_OF_RANGE));
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 32, buf, 16384), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 33, buf, 16896),
			SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));
	for (uint32_t nsid = 0; nsid < 3; nsid++) {
		c = sim_host_rw_cmd(PNVME_OPC_READ, nsid ? (nsid == 1 ? 2 : 0xffffffff) : 0, 0, 1);
		c.dptr.prp.prp1 = sim_host_iova(buf);
		CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL),
				SIM_HOST_ST(0, PNVME_SC_INVALID_NAMESPACE_OR_FORMAT));
	}
	c = (struct pnvme_cmd){.opc = 0x7e, .nsid = 1};
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_ST(0, PNVME_SC_INVALID_OPCODE));
	c = (struct pnvme_cmd){.opc = PNVME_OPC_FLUSH, .nsid = 1};
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	c.nsid = 0xffffffff;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	c.nsid = 9;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL),
			SIM_HOST_ST(0, PNVME_SC_INVALID_NAMESPACE_OR_FORMAT));
	sim_host_stop(&h);
	pnvme_dma_free(buf);
}

static void test_dsm_write_zeroes_compare(void)
{
	struct sim_host h;
	uint8_t *w = sim_host_dma(8 * SIM_HOST_PAGE), *r = sim_host_dma(8 * SIM_HOST_PAGE);
	struct pnvme_dsm_range *ranges = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c;

	sim_host_start(&h, "lba=4096 size=64M");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	sim_host_fill(w, 8 * SIM_HOST_PAGE, 4);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 10, 8, w, 8 * SIM_HOST_PAGE), SIM_HOST_OK);
	/* Compare: match, then mismatch by one byte. */
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_COMPARE, 10, 8, w, 8 * SIM_HOST_PAGE),
			SIM_HOST_OK);
	memcpy(r, w, 8 * SIM_HOST_PAGE);
	r[5 * SIM_HOST_PAGE + 17] ^= 1;
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_COMPARE, 10, 8, r, 8 * SIM_HOST_PAGE),
			SIM_HOST_ST(PNVME_SCT_MEDIA_ERROR, PNVME_SC_COMPARE_FAILURE));
	/* Deallocate blocks 11..12 and 16: they read back as zeroes, the others stay. */
	ranges[0] = (struct pnvme_dsm_range){.length = 2, .starting_lba = 11};
	ranges[1] = (struct pnvme_dsm_range){.length = 1, .starting_lba = 16};
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DATASET_MANAGEMENT, .nsid = 1};
	c.cdw10 = 1; /* two ranges */
	c.cdw11 = PNVME_DSM_ATTR_DEALLOCATE;
	c.dptr.prp.prp1 = sim_host_iova(ranges);
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 10, 8, r, 8 * SIM_HOST_PAGE), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(r, w, SIM_HOST_PAGE), 0);
	CU_ASSERT_TRUE(sim_host_all_zero(r + SIM_HOST_PAGE, 2 * SIM_HOST_PAGE));
	CU_ASSERT_EQUAL(memcmp(r + 3 * SIM_HOST_PAGE, w + 3 * SIM_HOST_PAGE, 3 * SIM_HOST_PAGE), 0);
	CU_ASSERT_TRUE(sim_host_all_zero(r + 6 * SIM_HOST_PAGE, SIM_HOST_PAGE));
	CU_ASSERT_EQUAL(memcmp(r + 7 * SIM_HOST_PAGE, w + 7 * SIM_HOST_PAGE, SIM_HOST_PAGE), 0);
	/* A range beyond the namespace fails the whole command. */
	ranges[1].starting_lba = 1ull << 30;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL),
			SIM_HOST_ST(0, PNVME_SC_LBA_OUT_OF_RANGE));
	/* Write Zeroes over block 10. */
	c = sim_host_rw_cmd(PNVME_OPC_WRITE_ZEROES, 1, 10, 1);
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 10, 1, r, SIM_HOST_PAGE), SIM_HOST_OK);
	CU_ASSERT_TRUE(sim_host_all_zero(r, SIM_HOST_PAGE));
	sim_host_stop(&h);
	pnvme_dma_free(w);
	pnvme_dma_free(r);
	pnvme_dma_free(ranges);
}

static void test_phase_wraps(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cpl cpl;
	struct pnvme_cmd c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 1);

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, 4);
	c.dptr.prp.prp1 = sim_host_iova(buf);
	for (unsigned i = 0; i < 11; i++) {
		unsigned slot = h.io.cq_head, phase = h.io.phase;

		CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, &cpl), SIM_HOST_OK);
		CU_ASSERT_EQUAL(cpl.status_raw & 1, phase);
		CU_ASSERT_EQUAL(phase, (i / 4) % 2 == 0 ? 1u : 0u);
		CU_ASSERT_EQUAL(slot, i % 4);
		CU_ASSERT_EQUAL(cpl.sqhd, (i + 1) % 4);
	}
	sim_host_stop(&h);
	pnvme_dma_free(buf);
}

static void test_cq_full_stalls(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 1);
	void *cq = sim_host_dma(SIM_HOST_PAGE), *sq = sim_host_dma(SIM_HOST_PAGE);
	struct sim_hq q = {.qid = 2, .size = 8, .cq_size = 4, .sq = sq, .cq = cq, .phase = 1};
	struct pnvme_cpl cpl[8];
	unsigned n = 0;

	sim_host_start(&h, "");
	/* CQ of 4 entries (3 usable) behind an SQ of 8. */
	c = sim_host_create_cq_cmd(2, 4, cq);
	CU_ASSERT_EQUAL_FATAL(sim_host_admin(&h, &c, NULL), SIM_HOST_OK);
	c = sim_host_create_sq_cmd(2, 8, sq, 2);
	CU_ASSERT_EQUAL_FATAL(sim_host_admin(&h, &c, NULL), SIM_HOST_OK);
	c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 1);
	c.dptr.prp.prp1 = sim_host_iova(buf);
	for (int i = 0; i < 6; i++)
		sim_host_post(&h, &q, &c);
	sim_host_ring(&h, 2, 0, q.sq_tail);
	for (int i = 0; i < 5; i++)
		pnvme_sim_poll(h.sim);
	/* The host reads without freeing: only 3 posted, the 4th slot untouched. */
	while (sim_host_reap(&h, &q, &cpl[n], false))
		n++;
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(((volatile struct pnvme_cpl *)cq)[3].status_raw, 0);
	for (int i = 0; i < 5; i++)
		pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(sim_host_reap(&h, &q, &cpl[n], false));
	/* Free the entries: the rest arrive, in order. */
	sim_host_ring(&h, 2, 1, q.cq_head);
	for (int i = 0; i < 20 && n < 6; i++) {
		pnvme_sim_poll(h.sim);
		while (n < 6 && sim_host_reap(&h, &q, &cpl[n], true))
			n++;
	}
	CU_ASSERT_EQUAL(n, 6);
	for (unsigned i = 1; i < n; i++)
		CU_ASSERT_EQUAL((uint16_t)(cpl[i].cid - cpl[i - 1].cid), 1);
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	sim_host_stop(&h);
	pnvme_dma_free(buf);
	pnvme_dma_free(cq);
	pnvme_dma_free(sq);
}

static void test_doorbell_stride_and_namespaces(void)
{
	struct sim_host h;
	uint8_t *a = sim_host_dma(SIM_HOST_PAGE), *b = sim_host_dma(SIM_HOST_PAGE),
		*r = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c;

	sim_host_start(&h, "dstrd=2 ns=2 queues=3");
	CU_ASSERT_EQUAL(h.dstrd, 2);
	sim_host_io_queue(&h, 3, SIM_HOST_IOQ_SIZE);
	sim_host_fill(a, SIM_HOST_PAGE, 7);
	sim_host_fill(b, SIM_HOST_PAGE, 8);
	/* The same LBA in two namespaces holds two different blocks. */
	c = sim_host_rw_cmd(PNVME_OPC_WRITE, 1, 5, 8);
	c.dptr.prp.prp1 = sim_host_iova(a);
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	c.nsid = 2;
	c.dptr.prp.prp1 = sim_host_iova(b);
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 5, 8);
	c.dptr.prp.prp1 = sim_host_iova(r);
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(r, a, SIM_HOST_PAGE), 0);
	c.nsid = 2;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(r, b, SIM_HOST_PAGE), 0);
	/* Padding between strided doorbells is not a doorbell: qid 2 (absent) is fatal. */
	sim_host_wr(&h, pnvme_doorbell_offset(3, 0, 0), 1);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	sim_host_wr(&h, pnvme_doorbell_offset(2, 0, 2), 1);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	sim_host_stop(&h);
	pnvme_dma_free(a);
	pnvme_dma_free(b);
	pnvme_dma_free(r);
}

/* ================================================================ shadow doorbells */

static void test_shadow_doorbells(void)
{
	struct sim_host h;
	uint32_t *db = sim_host_dma(SIM_HOST_PAGE), *ei = sim_host_dma(SIM_HOST_PAGE);
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c = {.opc = PNVME_OPC_DOORBELL_BUFFER_CONFIG};
	struct pnvme_sim_stats before, after;

	sim_host_start(&h, "");
	c.dptr.prp.prp1 = sim_host_iova(db) + 8;
	c.dptr.prp.prp2 = sim_host_iova(ei);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));
	c.dptr.prp.prp1 = sim_host_iova(db);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_OK);
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	h.shadow = db;
	h.eventidx = ei;
	pnvme_sim_poll(h.sim); /* sees the last admin CQ head doorbell */
	pnvme_sim_get_stats(h.sim, &before);
	for (int i = 0; i < 5; i++) {
		c = sim_host_rw_cmd(PNVME_OPC_WRITE, 1, (uint64_t)i, 1);
		c.dptr.prp.prp1 = sim_host_iova(buf);
		CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
		/* The sim asks for an MMIO write once the tail passes what it has seen. */
		CU_ASSERT_EQUAL(ei[2], h.io.sq_tail);
	}
	pnvme_sim_get_stats(h.sim, &after);
	CU_ASSERT_EQUAL(after.io_cmds[PNVME_OPC_WRITE] - before.io_cmds[PNVME_OPC_WRITE], 5);
	CU_ASSERT_EQUAL(after.sq_doorbell_writes, before.sq_doorbell_writes);
	CU_ASSERT_EQUAL(after.cq_doorbell_writes, before.cq_doorbell_writes);
	CU_ASSERT_EQUAL(db[2], h.io.sq_tail);
	CU_ASSERT_EQUAL(db[3], h.io.cq_head);
	/* An MMIO write on a shadowed queue is still counted (and harmless). */
	sim_host_wr(&h, pnvme_doorbell_offset(1, 0, 0), h.io.sq_tail);
	pnvme_sim_poll(h.sim);
	pnvme_sim_get_stats(h.sim, &after);
	CU_ASSERT_EQUAL(after.sq_doorbell_writes, before.sq_doorbell_writes + 1);
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	h.shadow = NULL;
	sim_host_stop(&h);
	pnvme_dma_free(db);
	pnvme_dma_free(ei);
	pnvme_dma_free(buf);

	/* dbbuf=0: the command is not offered. */
	sim_host_start(&h, "dbbuf=0");
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DOORBELL_BUFFER_CONFIG};
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_ST(0, PNVME_SC_INVALID_OPCODE));
	sim_host_stop(&h);
}

/* ================================================================ thread mode */

static void test_thread_mode(void)
{
	struct sim_host h;
	struct pnvme_sim *sim;
	uint8_t *w = sim_host_dma(SIM_HOST_PAGE), *r = sim_host_dma(SIM_HOST_PAGE);
	char name[64];

	memset(&h, 0, sizeof(h));
	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create("simthread", "ready_ms=2 idle_us=50", &sim), 0);
	h.sim = sim;
	h.bar = pnvme_sim_bar0(sim);
	CU_ASSERT_EQUAL(pnvme_sim_poll(sim), -EBUSY);
	sim_host_hq_init(&h.aq, 0, SIM_HOST_AQ_SIZE);
	sim_host_program(&h, sim_host_cc_default());
	for (int i = 0; i < 2000 && !sim_host_csts_has(&h, PNVME_CSTS_RDY); i++)
		usleep(1000);
	CU_ASSERT_TRUE_FATAL(sim_host_csts_has(&h, PNVME_CSTS_RDY));
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	for (unsigned i = 0; i < 100; i++) {
		sim_host_fill(w, SIM_HOST_PAGE, i);
		CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, i * 8, 8, w, SIM_HOST_PAGE),
				SIM_HOST_OK);
		CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, i * 8, 8, r, SIM_HOST_PAGE),
				SIM_HOST_OK);
		CU_ASSERT_EQUAL(memcmp(w, r, SIM_HOST_PAGE), 0);
	}
	/* Faults armed from this thread while the device thread runs. */
	CU_ASSERT_EQUAL(pnvme_sim_fail_next(sim, PNVME_SIM_IO, PNVME_OPC_READ, 1,
					    PNVME_SCT_GENERIC, PNVME_SC_INTERNAL_DEVICE_ERROR,
					    false), 0);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 8, r, SIM_HOST_PAGE),
			SIM_HOST_ST(0, PNVME_SC_INTERNAL_DEVICE_ERROR));
	/* Idle for a while (the thread naps), then work again. */
	usleep(20000);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 8, r, SIM_HOST_PAGE), SIM_HOST_OK);
	snprintf(name, sizeof(name), "%s", pnvme_sim_name(sim));
	sim_host_stop(&h);
	CU_ASSERT_PTR_NULL(pnvme_sim_get(name));
	pnvme_dma_free(w);
	pnvme_dma_free(r);
}

int main(void)
{
	static const struct test_case io_tests[] = {
		{"read/write with PRP1 and PRP1+PRP2", test_rw_prp1_prp2},
		{"600 KiB through two PRP list pages", test_rw_prp_list_two_pages},
		{"PRP errors", test_prp_errors},
		{"LBA range, MDTS, namespace, opcode errors", test_io_errors},
		{"DSM deallocate, write zeroes, compare", test_dsm_write_zeroes_compare},
		{"phase tag flips on CQ wrap", test_phase_wraps},
		{"CQ full stalls, then resumes", test_cq_full_stalls},
		{"doorbell stride 2, two namespaces", test_doorbell_stride_and_namespaces},
		{NULL, NULL},
	};
	static const struct test_case dbbuf_thread_tests[] = {
		{"shadow doorbells and event index", test_shadow_doorbells},
		{"thread mode", test_thread_mode},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("sim io", NULL, NULL, io_tests);
	test_add_suite("sim shadow doorbells, thread", NULL, NULL, dbbuf_thread_tests);
	return test_run_all();
}
