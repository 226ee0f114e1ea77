/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Metadata, protection information, SGLs and fused pairs against a fake
 * device: the test reads the commands the driver put in the SQ. Split
 * arithmetic (data, MPTR and reference tag per child), SGL descriptors (one,
 * many, crossing pages, more than a page of them), adjacent fused commands
 * under one doorbell, and the host PI helpers.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "common/test_env.h"
#include "nvme/ctrlr.h"
#include "pcie/pcie.h"
#include "nvme/qpair.h"
#include "pcie/sgl.h"

static struct pnvme_ctrlr g_ctrlr;
static uint32_t g_bar[4096];
static uint8_t *g_buf, *g_md;

static void ns_open(struct pnvme_ns *ns, uint8_t lbads, uint16_t ms, bool extended,
		    uint8_t pi_type, bool pi_first)
{
	struct pnvme_ns_data d;

	memset(&d, 0, sizeof(d));
	memset(ns, 0, sizeof(*ns));
	d.nsze = d.ncap = 1u << 20;
	d.lbaf[0].lbads = lbads;
	d.lbaf[0].ms = ms;
	d.flbas = extended ? PNVME_FLBAS_EXTENDED : 0;
	d.dps = (uint8_t)(pi_type | (pi_first ? PNVME_DPS_PI_FIRST : 0));
	nvme_ns_init(ns, &g_ctrlr, 1, &d);
}

static void qp_open(struct pnvme_qpair *qp, uint32_t entries, enum pnvme_dptr_mode mode)
{
	CU_ASSERT_EQUAL_FATAL(nvme_qpair_init(qp, &g_ctrlr, 1, entries, 4 * entries,
					      g_ctrlr.max_xfer), 0);
	nvme_pcie_qpair_set_doorbells(qp, g_bar, 0);
	qp->dptr_mode = (uint8_t)mode;
	if (mode == PNVME_DPTR_SGL)
		qp->fast_off |= NVME_FAST_OFF_SGL;
	memset(g_bar, 0, sizeof(g_bar));
}

static int setup(void)
{
	g_ctrlr.max_xfer = 128 * 1024;
	g_ctrlr.regs = g_bar;
	g_ctrlr.sgl_support = 1;
	g_ctrlr.cdata.fuses = PNVME_FUSES_COMPARE_AND_WRITE;
	g_ctrlr.cdata.oncs = PNVME_ONCS_COMPARE;
	g_buf = pnvme_dma_zmalloc(8u << 20, 4096, NULL);
	g_md = pnvme_dma_zmalloc(1u << 20, 4096, NULL);
	return g_buf && g_md ? 0 : -1;
}

static int teardown(void)
{
	pnvme_dma_free(g_buf);
	pnvme_dma_free(g_md);
	return 0;
}

static uint64_t iova(const void *p)
{
	return pnvme_vtophys(p, NULL);
}

/* 512+8 separate, PI type 1: 600 blocks split at 256 (128 KiB): MPTR and reftag per child. */
static void test_split_separate_md(void)
{
	struct pnvme_ns ns;
	struct pnvme_qpair qp;

	ns_open(&ns, 9, 8, false, PNVME_PI_TYPE1, false);
	CU_ASSERT_EQUAL(pnvme_ns_get_md_size(&ns), 8);
	CU_ASSERT_EQUAL(pnvme_ns_get_extended_sector_size(&ns), 512);
	qp_open(&qp, 16, PNVME_DPTR_PRP);
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_write_with_md(&ns, &qp, g_buf, g_md, 1000, 600, NULL,
							 NULL, PNVME_IO_FLAGS_PRCHK_GUARD |
								 PNVME_IO_FLAGS_PRCHK_REFTAG,
							 0xffff, 0x1234), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 3);
	for (int i = 0; i < 3; i++) {
		const struct pnvme_cmd *c = &qp.pcie.sq[i];
		uint32_t first = (uint32_t)i * 256;

		CU_ASSERT_EQUAL(c->cdw10, 1000 + first);
		CU_ASSERT_EQUAL(c->cdw12 & 0xffff, (i < 2 ? 256u : 88u) - 1);
		CU_ASSERT_EQUAL(c->cdw12 & ~0xffffu, PNVME_IO_FLAGS_PRCHK_GUARD |
							  PNVME_IO_FLAGS_PRCHK_REFTAG);
		CU_ASSERT_EQUAL(c->mptr, iova(g_md) + (uint64_t)first * 8);
		CU_ASSERT_EQUAL(c->cdw14, 1000 + first); /* initial reference tag: the LBA */
		CU_ASSERT_EQUAL(c->cdw15, 0xffff1234u);
		CU_ASSERT_EQUAL(c->dptr.prp.prp1, iova(g_buf + (size_t)first * 512));
		CU_ASSERT_EQUAL(c->psdt, PNVME_PSDT_PRP);
	}
	nvme_qpair_abort_all(&qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	nvme_qpair_fini(&qp);
}

/* 4096+8 extended: the buffer carries the metadata; MDTS counts it. */
static void test_split_extended_md(void)
{
	struct pnvme_ns ns;
	struct pnvme_qpair qp;
	uint32_t ext = 4096 + 8, per = (128 * 1024) / ext; /* 31 blocks per command */

	ns_open(&ns, 12, 8, true, PNVME_PI_TYPE3, true);
	CU_ASSERT_EQUAL(pnvme_ns_get_extended_sector_size(&ns), ext);
	CU_ASSERT_TRUE(pnvme_ns_pi_is_first(&ns));
	qp_open(&qp, 16, PNVME_DPTR_PRP);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read_with_md(&ns, &qp, g_buf, g_md, 0, 40, NULL, NULL, 0, 0,
						  0), -EINVAL); /* md buffer where it is inline */
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&ns, &qp, g_buf, 0, 40, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 2);
	CU_ASSERT_EQUAL(qp.pcie.sq[0].cdw12 & 0xffff, per - 1);
	CU_ASSERT_EQUAL(qp.pcie.sq[1].cdw10, per);
	CU_ASSERT_EQUAL(qp.pcie.sq[1].dptr.prp.prp1, iova(g_buf + (size_t)per * ext));
	CU_ASSERT_EQUAL(qp.pcie.sq[0].mptr, 0);
	CU_ASSERT_EQUAL(qp.pcie.sq[1].cdw14, 0); /* type 3: no reference tag */
	/* PRACT with 8 bytes of metadata: data only moves, 4096 bytes a block. */
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&ns, &qp, g_buf, 0, 40, NULL, NULL,
						PNVME_IO_FLAGS_PRACT), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 4);
	CU_ASSERT_EQUAL(qp.pcie.sq[2].cdw12 & 0xffff, 31); /* 32 blocks: 128 KiB of data */
	CU_ASSERT_EQUAL(qp.pcie.sq[3].dptr.prp.prp1, iova(g_buf + 32 * 4096));
	nvme_qpair_abort_all(&qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	nvme_qpair_fini(&qp);
}

static void test_sgl_descriptors(void)
{
	struct pnvme_ns ns;
	struct pnvme_qpair qp;
	struct iovec iov[300];
	const struct pnvme_sgl_desc *list;
	uint32_t page_descs = 4096 / 16;

	ns_open(&ns, 9, 0, false, 0, false);
	qp_open(&qp, 16, PNVME_DPTR_SGL);
	/* One contiguous buffer, even a small one: one Data Block in the command. */
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&ns, &qp, g_buf + 100 * 4, 0, 1, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq[0].psdt, PNVME_PSDT_SGL_MPTR_CONTIG);
	CU_ASSERT_EQUAL(qp.pcie.sq[0].dptr.sgl.id, PNVME_SGL_ID(PNVME_SGL_TYPE_DATA_BLOCK, 0));
	CU_ASSERT_EQUAL(qp.pcie.sq[0].dptr.sgl.address, iova(g_buf + 400));
	CU_ASSERT_EQUAL(qp.pcie.sq[0].dptr.sgl.length, 512);
	/* 3 elements, not page aligned: a Last Segment with 3 Data Blocks. */
	iov[0] = (struct iovec){g_buf + 1000, 512};
	iov[1] = (struct iovec){g_buf + 70000, 1024};
	iov[2] = (struct iovec){g_buf + 200000, 512};
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_readv(&ns, &qp, iov, 3, 0, 4, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 2);
	CU_ASSERT_EQUAL(qp.pcie.sq[1].dptr.sgl.id, PNVME_SGL_ID(PNVME_SGL_TYPE_LAST_SEGMENT, 0));
	CU_ASSERT_EQUAL(qp.pcie.sq[1].dptr.sgl.length, 3 * 16);
	list = (const struct pnvme_sgl_desc *)qp.trackers[1].prp_list;
	CU_ASSERT_EQUAL(qp.pcie.sq[1].dptr.sgl.address, qp.trackers[1].prp_list_bus);
	CU_ASSERT_EQUAL(list[1].address, iova(g_buf + 70000));
	CU_ASSERT_EQUAL(list[1].length, 1024);
	/* More elements than one page of descriptors: the list runs on in the next page. */
	for (int i = 0; i < 300; i++)
		iov[i] = (struct iovec){g_buf + (size_t)i * 8192 + 4, 512};
	CU_ASSERT_TRUE(nvme_sgl_capacity(&(struct nvme_prp_list){NULL, 0, qp.prp_list_pages}) >=
		       300 || qp.prp_list_pages == 1);
	if (qp.prp_list_pages * page_descs >= 300) {
		CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_readv(&ns, &qp, iov, 300, 0, 300, NULL, NULL, 0),
				      0);
		CU_ASSERT_EQUAL(qp.pcie.sq[2].dptr.sgl.length, 300 * 16);
	} else {
		/* Fewer descriptors fit: split where the list is full, never mid-block. */
		CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_readv(&ns, &qp, iov, 300, 0, 300, NULL, NULL, 0),
				      0);
		CU_ASSERT_EQUAL(qp.pcie.sq[2].dptr.sgl.length, page_descs * qp.prp_list_pages * 16);
	}
	nvme_qpair_abort_all(&qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	nvme_qpair_fini(&qp);
}

/* AUTO: PRP where PRP carries it, SGL where PRP would need a split. */
static void test_dptr_auto(void)
{
	struct pnvme_ns ns;
	struct pnvme_qpair qp;
	struct iovec iov[2] = {{g_buf + 512, 512}, {g_buf + 65536 + 100, 512}};

	ns_open(&ns, 9, 0, false, 0, false);
	qp_open(&qp, 16, PNVME_DPTR_AUTO);
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&ns, &qp, g_buf, 0, 8, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq[0].psdt, PNVME_PSDT_PRP);
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_readv(&ns, &qp, iov, 2, 0, 2, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 2); /* one command, not two */
	CU_ASSERT_EQUAL(qp.pcie.sq[1].psdt, PNVME_PSDT_SGL_MPTR_CONTIG);
	/* Forced PRP: the same iovec is split in two. */
	qp.dptr_mode = PNVME_DPTR_PRP;
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_readv(&ns, &qp, iov, 2, 0, 2, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 4);
	nvme_qpair_abort_all(&qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	nvme_qpair_fini(&qp);
}

/* Fused: adjacent slots, compare first, one doorbell write for both. */
static void test_fused_pair(void)
{
	struct pnvme_ns ns;
	struct pnvme_qpair qp;
	struct io_wait w = {0};

	ns_open(&ns, 9, 0, false, 0, false);
	qp_open(&qp, 4, PNVME_DPTR_AUTO);
	/* Two of three trackers busy: the pair waits, and goes out together later. */
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&ns, &qp, g_buf, 0, 1, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&ns, &qp, g_buf, 0, 1, NULL, NULL, 0), 0);
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_compare_and_write(&ns, &qp, g_buf, g_buf + 4096, 8, 2,
							     io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 2);
	CU_ASSERT_PTR_NOT_NULL(qp.queued_head);
	/* The device finishes both reads: the pair goes out, adjacent, one doorbell. */
	for (int i = 0; i < 2; i++) {
		qp.pcie.cq[i].cid = qp.pcie.sq[i].cid;
		qp.pcie.cq[i].status_raw = 1;
	}
	uint32_t before = g_bar[0x1008 / 4];

	/* A 4-entry queue (3 trackers) reaps one per call: then two are free for the pair. */
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 1);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 0); /* 2 + 2 wraps a 4-entry ring */
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 1);
	CU_ASSERT_EQUAL(qp.pcie.sq[2].opc, PNVME_OPC_COMPARE);
	CU_ASSERT_EQUAL(qp.pcie.sq[2].fuse, PNVME_FUSE_FIRST);
	CU_ASSERT_EQUAL(qp.pcie.sq[3].opc, PNVME_OPC_WRITE);
	CU_ASSERT_EQUAL(qp.pcie.sq[3].fuse, PNVME_FUSE_SECOND);
	CU_ASSERT_EQUAL(qp.pcie.sq[3].cdw10, 8);
	CU_ASSERT_NOT_EQUAL(g_bar[0x1008 / 4], before);
	CU_ASSERT_EQUAL(qp.pcie.sq_doorbell_writes, 3); /* read, read, then the pair once */
	CU_ASSERT_EQUAL(w.calls, 0);
	nvme_qpair_abort_all(&qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	CU_ASSERT_EQUAL(w.calls, 1);
	nvme_qpair_fini(&qp);
	/* Without FUSES the pair is refused. */
	g_ctrlr.cdata.fuses = 0;
	qp_open(&qp, 4, PNVME_DPTR_AUTO);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_compare_and_write(&ns, &qp, g_buf, g_buf, 0, 1, io_cb, &w, 0),
			-ENOTSUP);
	g_ctrlr.cdata.fuses = PNVME_FUSES_COMPARE_AND_WRITE;
	nvme_qpair_fini(&qp);
}

/* PI helpers: generate, verify, and each corruption found at its block. */
static void test_pi_helpers(void)
{
	static const struct {
		uint8_t lbads;
		uint16_t ms;
		bool ext, first;
		uint8_t type;
	} fmt[] = {
		{9, 8, false, false, 1}, {9, 8, true, false, 2}, {12, 64, false, false, 1},
		{12, 64, true, true, 3}, {12, 16, false, true, 2},
	};

	for (size_t f = 0; f < sizeof(fmt) / sizeof(fmt[0]); f++) {
		struct pnvme_ns ns;
		uint32_t flags = PNVME_IO_FLAGS_PRCHK_GUARD | PNVME_IO_FLAGS_PRCHK_APPTAG |
				 PNVME_IO_FLAGS_PRCHK_REFTAG;
		uint64_t bad = 0;
		void *md;
		uint8_t *pi;

		ns_open(&ns, fmt[f].lbads, fmt[f].ms, fmt[f].ext, fmt[f].type, fmt[f].first);
		md = fmt[f].ext ? NULL : g_md;
		for (size_t i = 0; i < 16u * pnvme_ns_get_extended_sector_size(&ns); i++)
			g_buf[i] = (uint8_t)(i * 7 + f);
		CU_ASSERT_EQUAL(pnvme_pi_generate(&ns, g_buf, md, 5000, 16, 0xabcd), 0);
		CU_ASSERT_EQUAL(pnvme_pi_verify(&ns, g_buf, md, 5000, 16, flags, 0xffff, 0xabcd, &bad),
				0);
		/* The PI of block 9. */
		pi = fmt[f].ext ? g_buf + 9 * (size_t)ns.ext_sector_size + ns.sector_size +
					  (fmt[f].first ? 0 : fmt[f].ms - 8)
				: g_md + 9 * (size_t)fmt[f].ms + (fmt[f].first ? 0 : fmt[f].ms - 8);
		/* A flipped data bit: the guard catches it. */
		g_buf[9 * (size_t)ns.ext_sector_size + 3] ^= 1;
		CU_ASSERT_EQUAL(pnvme_pi_verify(&ns, g_buf, md, 5000, 16, flags, 0xffff, 0xabcd,
						&bad), -EILSEQ);
		CU_ASSERT_EQUAL(bad, 5009);
		CU_ASSERT_EQUAL(pnvme_pi_verify(&ns, g_buf, md, 5000, 16, PNVME_IO_FLAGS_PRCHK_APPTAG,
						0xffff, 0xabcd, &bad), 0); /* not checked */
		g_buf[9 * (size_t)ns.ext_sector_size + 3] ^= 1;
		/* Another application tag. */
		pi[2] ^= 0x10;
		CU_ASSERT_EQUAL(pnvme_pi_verify(&ns, g_buf, md, 5000, 16, PNVME_IO_FLAGS_PRCHK_APPTAG,
						0xffff, 0xabcd, &bad), -EILSEQ);
		CU_ASSERT_EQUAL(pnvme_pi_verify(&ns, g_buf, md, 5000, 16, PNVME_IO_FLAGS_PRCHK_APPTAG,
						0xef00, 0xabcd, &bad), 0); /* masked out */
		pi[2] ^= 0x10;
		/* The wrong LBA: the reference tag catches it (not for type 3). */
		CU_ASSERT_EQUAL(pnvme_pi_verify(&ns, g_buf, md, 6000, 16, PNVME_IO_FLAGS_PRCHK_REFTAG,
						0, 0, &bad),
				fmt[f].type == 3 ? 0 : -EILSEQ);
	}
}

int main(void)
{
	static const struct test_case tests[] = {
		{"separate metadata split: MPTR and reference tag per child", test_split_separate_md},
		{"extended metadata split at MDTS; PRACT moves data only", test_split_extended_md},
		{"SGL: one Data Block, a Last Segment, lists past a page", test_sgl_descriptors},
		{"data pointer AUTO: PRP, or SGL where PRP would split", test_dptr_auto},
		{"fused compare and write: adjacent, one doorbell, waits together", test_fused_pair},
		{"PI generate and verify; each corruption found", test_pi_helpers},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("md_sgl", setup, teardown, tests);
	return test_run_all();
}
