/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/sim driven directly (test/common/sim_host.c): SGLs. Identify SGLS from
 * the params; one Data Block; several crossing pages at odd addresses;
 * chained segments; bit buckets; every invalid descriptor and length the
 * controller must refuse, with its status; PSDT against SGLS; the PRP/SGL
 * command counters.
 */
#include <errno.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "common/sim_host.h"
#include "common/test_env.h"
#include "pnvme/env.h"
#include "pnvme/nvme_spec.h"
#include "pnvme/sim.h"

#define ST(sc) SIM_HOST_ST(0, sc)
#define DB PNVME_SGL_TYPE_DATA_BLOCK
#define BB PNVME_SGL_TYPE_BIT_BUCKET
#define SEG PNVME_SGL_TYPE_SEGMENT
#define LAST PNVME_SGL_TYPE_LAST_SEGMENT

static uint32_t identify_sgls(const char *params)
{
	struct sim_host h;
	struct pnvme_ctrlr_data *cd = sim_host_dma(SIM_HOST_PAGE);
	uint32_t sgls;

	sim_host_start(&h, params);
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, cd), SIM_HOST_OK);
	sgls = cd->sgls;
	sim_host_stop(&h);
	pnvme_dma_free(cd);
	return sgls;
}

static void test_identify_sgls(void)
{
	CU_ASSERT_EQUAL(identify_sgls(""), 0x1u | 1u << 16 | 1u << 19);
	CU_ASSERT_EQUAL(identify_sgls("sgl=0"), 0);
	CU_ASSERT_EQUAL(identify_sgls("sgl=2 sgl_bb=0"), 0x2u | 1u << 19);
	CU_ASSERT_EQUAL(identify_sgls("sgl=1 sgl_mptr=0"), 0x1u | 1u << 16);
	for (const char *const *p = (const char *const[]){"sgl=3", "sgl_bb=2", "sgl_mptr=x",
							   "fused=2", NULL};
	     *p != NULL; p++) {
		struct pnvme_sim *sim = NULL;

		CU_ASSERT_EQUAL(pnvme_sim_create("badsgl", *p, &sim), -EINVAL);
	}
}

/* A command with SGL1 = d (PSDT 01b). */
static struct pnvme_cmd sgl_cmd(uint8_t opc, uint64_t slba, uint32_t nlb,
				const struct pnvme_sgl_desc *d)
{
	struct pnvme_cmd c = sim_host_rw_cmd(opc, 1, slba, nlb);

	c.psdt = PNVME_PSDT_SGL_MPTR_CONTIG;
	c.dptr.sgl = *d;
	return c;
}

static unsigned run_sgl(struct sim_host *h, uint8_t opc, uint64_t slba, uint32_t nlb,
			const struct pnvme_sgl_desc *d)
{
	struct pnvme_cmd c = sgl_cmd(opc, slba, nlb, d);

	return sim_host_run(h, &h->io, &c, NULL);
}

static void test_single_data_block(void)
{
	struct sim_host h;
	uint8_t *w = sim_host_dma(4 * SIM_HOST_PAGE), *r = sim_host_dma(4 * SIM_HOST_PAGE);
	struct pnvme_sim_stats st0, st1;
	struct pnvme_sgl_desc d;

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	pnvme_sim_get_stats(h.sim, &st0);
	/* Written through an SGL at an odd address, read through PRPs, and the other way. */
	sim_host_fill(w, 4 * SIM_HOST_PAGE, 5);
	sim_host_sgl_desc(&d, DB, w + 3, 8 * 512);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_WRITE, 16, 8, &d), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 16, 8, r, 8 * 512), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(r, w + 3, 8 * 512), 0);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 32, 8, w + 512, 8 * 512), SIM_HOST_OK);
	memset(r, 0, 4 * SIM_HOST_PAGE);
	sim_host_sgl_desc(&d, DB, r + 1001, 8 * 512);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 32, 8, &d), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(r + 1001, w + 512, 8 * 512), 0);
	CU_ASSERT_TRUE(sim_host_all_zero(r, 1001));
	CU_ASSERT_TRUE(sim_host_all_zero(r + 1001 + 8 * 512, 100));
	/* Compare through an SGL. */
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_COMPARE, 32, 8, &d), SIM_HOST_OK);
	r[1001 + 4000] ^= 1;
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_COMPARE, 32, 8, &d),
			SIM_HOST_ST(PNVME_SCT_MEDIA_ERROR, PNVME_SC_COMPARE_FAILURE));
	/* The counters: 2 PRP commands, 4 SGL ones. */
	pnvme_sim_get_stats(h.sim, &st1);
	CU_ASSERT_EQUAL(st1.prp_cmds - st0.prp_cmds, 2);
	CU_ASSERT_EQUAL(st1.sgl_cmds - st0.sgl_cmds, 4);
	sim_host_stop(&h);
	pnvme_dma_free(w);
	pnvme_dma_free(r);
}

/* Several Data Blocks of odd lengths at odd addresses, crossing pages, in a Last Segment. */
static void test_many_descriptors(void)
{
	struct sim_host h;
	uint8_t *w = sim_host_dma(8 * SIM_HOST_PAGE), *r = sim_host_dma(8 * SIM_HOST_PAGE);
	uint8_t *pool = sim_host_dma(16 * SIM_HOST_PAGE);
	struct pnvme_sgl_desc *seg = sim_host_dma(SIM_HOST_PAGE), d;
	/* 16 blocks = 8192 bytes, scattered: lengths and offsets in the pool. */
	static const uint32_t len[] = {1, 4095, 3, 2048, 1000, 1044, 1};
	static const uint32_t off[] = {7, 4 * 4096 + 4093, 9 * 4096 + 1, 2 * 4096 + 3000,
				       12 * 4096 + 4000, 6 * 4096 + 11, 15 * 4096 + 4095};
	const unsigned n = sizeof(len) / sizeof(len[0]);
	size_t at = 0;

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	for (unsigned i = 0; i < n; i++)
		at += len[i];
	CU_ASSERT_EQUAL_FATAL(at, 8192);
	sim_host_fill(w, 8192, 11);
	at = 0;
	for (unsigned i = 0; i < n; i++) {
		memcpy(pool + off[i], w + at, len[i]);
		sim_host_sgl_desc(&seg[i], DB, pool + off[i], len[i]);
		at += len[i];
	}
	sim_host_sgl_desc(&d, LAST, seg, n * 16);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_WRITE, 100, 16, &d), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 100, 16, r, 8192), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(r, w, 8192), 0);
	/* Read back through the same scattered list: the same bytes land in the pool. */
	memset(pool, 0, 16 * SIM_HOST_PAGE);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 100, 16, &d), SIM_HOST_OK);
	at = 0;
	for (unsigned i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(memcmp(pool + off[i], w + at, len[i]), 0);
		at += len[i];
	}
	sim_host_stop(&h);
	pnvme_dma_free(w);
	pnvme_dma_free(r);
	pnvme_dma_free(pool);
	pnvme_dma_free(seg);
}

/*
 * Segments chained through memory: SGL1 is a Segment whose list ends in a
 * Segment, whose list ends in a Last Segment. The same data as PRPs give.
 */
static void build_chain(struct pnvme_sgl_desc *segs, uint8_t *buf, struct pnvme_sgl_desc *sgl1)
{
	struct pnvme_sgl_desc *a = segs, *b = segs + 16, *c = segs + 32;

	sim_host_sgl_desc(&a[0], DB, buf, 1024);
	sim_host_sgl_desc(&a[1], DB, buf + 1024, 1024);
	sim_host_sgl_desc(&a[2], SEG, b, 2 * 16);
	sim_host_sgl_desc(&b[0], DB, buf + 2048, 2000);
	sim_host_sgl_desc(&b[1], LAST, c, 3 * 16);
	sim_host_sgl_desc(&c[0], DB, buf + 4048, 48);
	sim_host_sgl_desc(&c[1], DB, buf + 4096, 4000);
	sim_host_sgl_desc(&c[2], DB, buf + 8096, 96);
	sim_host_sgl_desc(sgl1, SEG, a, 3 * 16);
}

static void test_chained_segments(void)
{
	struct sim_host h;
	uint8_t *w = sim_host_dma(4 * SIM_HOST_PAGE), *r = sim_host_dma(4 * SIM_HOST_PAGE);
	struct pnvme_sgl_desc *segs = sim_host_dma(SIM_HOST_PAGE), d;

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	sim_host_fill(w, 8192, 21);
	build_chain(segs, w, &d);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_WRITE, 200, 16, &d), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 200, 16, r, 8192), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(r, w, 8192), 0);
	build_chain(segs, r, &d);
	memset(r, 0, 8192);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 200, 16, &d), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(r, w, 8192), 0);
	sim_host_stop(&h);
	pnvme_dma_free(w);
	pnvme_dma_free(r);
	pnvme_dma_free(segs);
}

/* Bit buckets: a Read discards what they cover; a Write may not have one. */
static void test_bit_bucket(void)
{
	struct sim_host h;
	uint8_t *w = sim_host_dma(2 * SIM_HOST_PAGE), *r = sim_host_dma(2 * SIM_HOST_PAGE);
	struct pnvme_sgl_desc *seg = sim_host_dma(SIM_HOST_PAGE), d;

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	sim_host_fill(w, 4096, 31);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 300, 8, w, 4096), SIM_HOST_OK);
	/* Blocks 0-1 to r, 2-5 to the bucket, 6-7 to r + 1024. */
	sim_host_sgl_desc(&seg[0], DB, r, 1024);
	sim_host_sgl_desc(&seg[1], BB, NULL, 2048);
	sim_host_sgl_desc(&seg[2], DB, r + 1024, 1024);
	sim_host_sgl_desc(&d, LAST, seg, 3 * 16);
	memset(r, 0xee, 8192);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 300, 8, &d), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(r, w, 1024), 0);
	CU_ASSERT_EQUAL(memcmp(r + 1024, w + 3072, 1024), 0);
	CU_ASSERT_EQUAL(r[2048], 0xee);
	/* A bucket alone in SGL1. */
	sim_host_sgl_desc(&d, BB, NULL, 4096);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 300, 8, &d), SIM_HOST_OK);
	/* Writes and Compares take data from the host: no bucket there. */
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_WRITE, 300, 8, &d),
			ST(PNVME_SC_SGL_DESCRIPTOR_TYPE_INVALID));
	sim_host_sgl_desc(&d, LAST, seg, 3 * 16);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_COMPARE, 300, 8, &d),
			ST(PNVME_SC_SGL_DESCRIPTOR_TYPE_INVALID));
	sim_host_stop(&h);

	/* Without SGLS bit 16 a bucket is a type the controller does not take. */
	sim_host_start(&h, "sgl_bb=0");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 300, 8, &d),
			ST(PNVME_SC_SGL_DESCRIPTOR_TYPE_INVALID));
	sim_host_stop(&h);
	pnvme_dma_free(w);
	pnvme_dma_free(r);
	pnvme_dma_free(seg);
}

/* Descriptors and lengths the controller refuses, with the spec's status for each. */
static void test_invalid_descriptors(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(4 * SIM_HOST_PAGE);
	struct pnvme_sgl_desc *seg = sim_host_dma(SIM_HOST_PAGE), *seg2 = seg + 64, d;
	static uint8_t not_dma[64];

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	/* Types and subtypes: keyed data block, vendor specific, a Data Block with the offset subtype. */
	sim_host_sgl_desc(&d, DB, buf, 4096);
	d.id = PNVME_SGL_ID(0x4, 0);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d),
			ST(PNVME_SC_SGL_DESCRIPTOR_TYPE_INVALID));
	d.id = PNVME_SGL_ID(0xf, 0);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d),
			ST(PNVME_SC_SGL_DESCRIPTOR_TYPE_INVALID));
	d.id = PNVME_SGL_ID(DB, 0x1);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d),
			ST(PNVME_SC_SGL_DESCRIPTOR_TYPE_INVALID));
	/* Lengths: short, long. */
	sim_host_sgl_desc(&d, DB, buf, 4095);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d),
			ST(PNVME_SC_DATA_SGL_LENGTH_INVALID));
	sim_host_sgl_desc(&d, DB, buf, 4097);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_WRITE, 0, 8, &d),
			ST(PNVME_SC_DATA_SGL_LENGTH_INVALID));
	sim_host_sgl_desc(&seg[0], DB, buf, 2048);
	sim_host_sgl_desc(&seg[1], DB, buf + 2048, 1024);
	sim_host_sgl_desc(&d, LAST, seg, 2 * 16);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d),
			ST(PNVME_SC_DATA_SGL_LENGTH_INVALID));
	/* Segment descriptors: not last in their segment, inside a Last Segment, bad lengths. */
	sim_host_sgl_desc(&seg[0], DB, buf, 2048);
	sim_host_sgl_desc(&seg[1], LAST, seg2, 16);
	sim_host_sgl_desc(&seg[2], DB, buf + 2048, 2048);
	sim_host_sgl_desc(&seg2[0], DB, buf + 2048, 2048);
	sim_host_sgl_desc(&d, SEG, seg, 3 * 16);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d),
			ST(PNVME_SC_INVALID_SGL_SEG_DESCRIPTOR));
	sim_host_sgl_desc(&d, SEG, seg, 2 * 16); /* now well formed */
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d), SIM_HOST_OK);
	sim_host_sgl_desc(&d, LAST, seg, 2 * 16);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d),
			ST(PNVME_SC_INVALID_SGL_SEG_DESCRIPTOR));
	sim_host_sgl_desc(&d, LAST, seg, 0);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d),
			ST(PNVME_SC_INVALID_SGL_SEG_DESCRIPTOR));
	sim_host_sgl_desc(&d, SEG, seg, 24);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d),
			ST(PNVME_SC_INVALID_SGL_SEG_DESCRIPTOR));
	/* A segment reached through a Segment descriptor must end with a next one. */
	sim_host_sgl_desc(&seg[0], DB, buf, 4096);
	sim_host_sgl_desc(&d, SEG, seg, 16);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d),
			ST(PNVME_SC_INVALID_SGL_SEG_DESCRIPTOR));
	sim_host_sgl_desc(&d, LAST, seg, 16);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d), SIM_HOST_OK);
	/* A segment that points to itself: too many descriptors, not a hang. */
	sim_host_sgl_desc(&seg[0], DB, buf, 0);
	sim_host_sgl_desc(&seg[1], SEG, seg, 2 * 16);
	sim_host_sgl_desc(&d, SEG, seg, 2 * 16);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d),
			ST(PNVME_SC_INVALID_NUM_SGL_DESCIRPTORS));
	/* Memory that is not DMA memory: a segment, a data block. */
	sim_host_sgl_desc(&d, LAST, NULL, 16);
	d.address = (uintptr_t)not_dma;
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d),
			ST(PNVME_SC_DATA_TRANSFER_ERROR));
	sim_host_sgl_desc(&d, DB, NULL, 4096);
	d.address = (uintptr_t)not_dma;
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d),
			ST(PNVME_SC_DATA_TRANSFER_ERROR));
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	sim_host_stop(&h);
	pnvme_dma_free(buf);
	pnvme_dma_free(seg);
}

/* SGLS 10b: Data Blocks dword aligned and a multiple of 4 bytes long. */
static void test_dword_granularity(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(4 * SIM_HOST_PAGE);
	struct pnvme_sgl_desc *seg = sim_host_dma(SIM_HOST_PAGE), d;

	sim_host_start(&h, "sgl=2");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	sim_host_sgl_desc(&d, DB, buf + 4, 4096);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_WRITE, 0, 8, &d), SIM_HOST_OK);
	sim_host_sgl_desc(&d, DB, buf + 2, 4096);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_WRITE, 0, 8, &d),
			ST(PNVME_SC_SGL_DATA_BLOCK_GRANULARITY_INVALID));
	sim_host_sgl_desc(&seg[0], DB, buf, 1026);
	sim_host_sgl_desc(&seg[1], DB, buf + 2048, 3070);
	sim_host_sgl_desc(&d, LAST, seg, 2 * 16);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d),
			ST(PNVME_SC_SGL_DATA_BLOCK_GRANULARITY_INVALID));
	sim_host_sgl_desc(&seg[0], DB, buf, 1024);
	sim_host_sgl_desc(&seg[1], DB, buf + 2048, 3072);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d), SIM_HOST_OK);
	/* A bucket's length is not a data block's: any length goes. */
	sim_host_sgl_desc(&seg[1], BB, NULL, 3072);
	sim_host_sgl_desc(&seg[0], DB, buf, 1024);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 8, &d), SIM_HOST_OK);
	sim_host_stop(&h);
	pnvme_dma_free(buf);
	pnvme_dma_free(seg);
}

/* PSDT against SGLS; SGLs on admin commands; the metadata SGL's own checks. */
static void test_psdt_and_mptr(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(4 * SIM_HOST_PAGE), *md = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_sgl_desc *mdesc = sim_host_dma(SIM_HOST_PAGE), d;
	struct pnvme_cmd c;

	/* No SGLs: PSDT other than 00b is Invalid Field. */
	sim_host_start(&h, "sgl=0");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	sim_host_sgl_desc(&d, DB, buf, 512);
	CU_ASSERT_EQUAL(run_sgl(&h, PNVME_OPC_READ, 0, 1, &d), ST(PNVME_SC_INVALID_FIELD));
	sim_host_stop(&h);

	/* MPTR may not be an SGL without SGLS bit 19; 11b is reserved. */
	sim_host_start(&h, "sgl_mptr=0 ms=8");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	c = sgl_cmd(PNVME_OPC_READ, 0, 1, &d);
	c.mptr = sim_host_iova(md);
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	c.psdt = PNVME_PSDT_SGL_MPTR_SGL;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), ST(PNVME_SC_INVALID_FIELD));
	c.psdt = 3;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), ST(PNVME_SC_INVALID_FIELD));
	/* Admin commands take PRPs only. */
	c = (struct pnvme_cmd){.opc = PNVME_OPC_IDENTIFY, .cdw10 = PNVME_CNS_CTRLR};
	sim_host_set_sgl(&c, buf, 4096);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), ST(PNVME_SC_INVALID_FIELD));
	sim_host_stop(&h);

	/* MPTR as an SGL: qword aligned; its length errors are the metadata's. */
	sim_host_start(&h, "ms=8");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	c = sgl_cmd(PNVME_OPC_WRITE, 0, 4, &d);
	sim_host_sgl_desc(&c.dptr.sgl, DB, buf, 2048);
	c.psdt = PNVME_PSDT_SGL_MPTR_SGL;
	sim_host_sgl_desc(mdesc, DB, md, 32);
	c.mptr = sim_host_iova(mdesc);
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	sim_host_sgl_desc(mdesc, DB, md, 31);
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL),
			ST(PNVME_SC_METADATA_SGL_LENGTH_INVALID));
	/* A metadata SGL may scatter too: Last Segment with two blocks. */
	sim_host_sgl_desc(&mdesc[8], DB, md, 16);
	sim_host_sgl_desc(&mdesc[9], DB, md + 100, 16);
	sim_host_sgl_desc(mdesc, LAST, &mdesc[8], 32);
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	sim_host_sgl_desc(&mdesc[4], DB, md, 32);
	c.mptr = sim_host_iova(&mdesc[4]) + 4;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), ST(PNVME_SC_INVALID_FIELD));
	/* Dataset Management takes its ranges through an SGL too. */
	{
		struct pnvme_dsm_range *r = (void *)buf;

		r->starting_lba = 0;
		r->length = 4;
		r->attributes = 0;
		c = sgl_cmd(PNVME_OPC_DATASET_MANAGEMENT, 0, 1, &d);
		sim_host_sgl_desc(&c.dptr.sgl, DB, r, 16);
		c.cdw10 = 0;
		c.cdw11 = PNVME_DSM_ATTR_DEALLOCATE;
		c.cdw12 = 0;
		CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	}
	sim_host_stop(&h);
	pnvme_dma_free(buf);
	pnvme_dma_free(md);
	pnvme_dma_free(mdesc);
}

int main(void)
{
	static const struct test_case sgl_tests[] = {
		{"Identify SGLS from the params", test_identify_sgls},
		{"one Data Block, both ways, compare, counters", test_single_data_block},
		{"many descriptors, odd lengths, crossing pages", test_many_descriptors},
		{"segments chained through memory", test_chained_segments},
		{"bit buckets", test_bit_bucket},
		{"invalid descriptors and lengths", test_invalid_descriptors},
		{"dword granularity (sgl=2)", test_dword_granularity},
		{"PSDT, admin commands, MPTR as an SGL", test_psdt_and_mptr},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("sim SGLs", NULL, NULL, sgl_tests);
	return test_run_all();
}
