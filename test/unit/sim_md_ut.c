/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/sim driven directly (test/common/sim_host.c): metadata and end-to-end
 * protection information. Every combination of {512, 4096} x {ms 0, 8, 64} x
 * {extended, separate} x {no PI, type 1, 2, 3} (x PI first or last) x
 * {PRACT 0, 1} is written, then read back byte for byte through PRPs and
 * SGLs; then the checks and their statuses, the escape values, Write Zeroes,
 * deallocation, Compare, MDTS and the metadata pointer's errors.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>
#include <isa-l/crc.h>

#include "common/sim_host.h"
#include "common/test_env.h"
#include "pnvme/env.h"
#include "pnvme/nvme_spec.h"
#include "pnvme/sim.h"

#define NS_BYTES (16u << 20)
#define BUF_BYTES (64u * 1024)
#define PRCHK_ALL PNVME_PRINFO_PRCHK_MASK
#define ST_MEDIA(sc) SIM_HOST_ST(PNVME_SCT_MEDIA_ERROR, sc)

struct fmt {
	uint32_t lba, ms;
	bool ext, pil;
	uint8_t pi;
};

static char g_combo[160];

/* An assertion that names the combination it failed in. */
#define CHECK(cond)                                                                         \
	do {                                                                                \
		if (!(cond))                                                                \
			fprintf(stderr, "\n    [%s] line %d: %s", g_combo, __LINE__, #cond); \
		CU_ASSERT(cond);                                                            \
	} while (0)

static uint32_t pi_off(const struct fmt *f)
{
	return f->pil ? 0 : f->ms - 8;
}

/* The guard as the spec computes it: the data, and the metadata before a last tuple. */
static uint16_t guard_of(const struct fmt *f, const uint8_t *data, const uint8_t *md)
{
	uint16_t crc = crc16_t10dif(0, data, f->lba);

	if (!f->pil && f->ms > 8)
		crc = crc16_t10dif(crc, md, f->ms - 8);
	return crc;
}

static void put_pi(uint8_t *t, uint16_t guard, uint16_t app, uint32_t ref)
{
	t[0] = (uint8_t)(guard >> 8);
	t[1] = (uint8_t)guard;
	t[2] = (uint8_t)(app >> 8);
	t[3] = (uint8_t)app;
	t[4] = (uint8_t)(ref >> 24);
	t[5] = (uint8_t)(ref >> 16);
	t[6] = (uint8_t)(ref >> 8);
	t[7] = (uint8_t)ref;
}

/*
 * Blocks as they cross the bus: DPTR gets each block's data, followed by its
 * metadata when extended; MPTR (mbuf) the metadata when separate. md_xfer
 * false: no metadata crosses. Returns the DPTR length.
 */
static size_t to_wire(const struct fmt *f, bool md_xfer, uint32_t nlb, const uint8_t *data,
		      const uint8_t *md, uint8_t *dbuf, uint8_t *mbuf)
{
	size_t off = 0;

	for (uint32_t i = 0; i < nlb; i++) {
		memcpy(dbuf + off, data + (size_t)i * f->lba, f->lba);
		off += f->lba;
		if (!md_xfer || f->ms == 0)
			continue;
		if (f->ext) {
			memcpy(dbuf + off, md + (size_t)i * f->ms, f->ms);
			off += f->ms;
		} else {
			memcpy(mbuf + (size_t)i * f->ms, md + (size_t)i * f->ms, f->ms);
		}
	}
	return off;
}

static size_t wire_len(const struct fmt *f, bool md_xfer, uint32_t nlb)
{
	return (size_t)nlb * (f->lba + (md_xfer && f->ext ? f->ms : 0));
}

struct bufs {
	uint8_t *data, *md, *exp;      /* reference blocks: data, what the host sent, what to read */
	uint8_t *wd, *wm;              /* write: DPTR, MPTR */
	uint8_t *ed, *em;              /* expected read */
	uint8_t *rd, *rm;              /* read */
	uint8_t *sd, *sm;              /* read through an SGL */
	struct pnvme_sgl_desc *mdesc;  /* the descriptor MPTR points to (PSDT 10b) */
};

static void bufs_init(struct bufs *b)
{
	b->data = malloc(BUF_BYTES);
	b->md = malloc(BUF_BYTES);
	b->exp = malloc(BUF_BYTES);
	CU_ASSERT_FATAL(b->data != NULL && b->md != NULL && b->exp != NULL);
	b->wd = sim_host_dma(BUF_BYTES);
	b->wm = sim_host_dma(BUF_BYTES);
	b->ed = sim_host_dma(BUF_BYTES);
	b->em = sim_host_dma(BUF_BYTES);
	b->rd = sim_host_dma(BUF_BYTES);
	b->rm = sim_host_dma(BUF_BYTES);
	b->sd = sim_host_dma(BUF_BYTES);
	b->sm = sim_host_dma(BUF_BYTES);
	b->mdesc = sim_host_dma(SIM_HOST_PAGE);
}

static void bufs_fini(struct bufs *b)
{
	free(b->data);
	free(b->md);
	free(b->exp);
	pnvme_dma_free(b->wd);
	pnvme_dma_free(b->wm);
	pnvme_dma_free(b->ed);
	pnvme_dma_free(b->em);
	pnvme_dma_free(b->rd);
	pnvme_dma_free(b->rm);
	pnvme_dma_free(b->sd);
	pnvme_dma_free(b->sm);
	pnvme_dma_free(b->mdesc);
}

/* Read the blocks back with prinfo and compare with what exp says, byte for byte. */
static void read_back(struct sim_host *h, const struct fmt *f, struct bufs *b, uint64_t slba,
		      uint32_t nlb, uint32_t prinfo, uint32_t ilbrt, uint16_t app)
{
	bool md_xfer = f->ms != 0 && !(f->pi && (prinfo & PNVME_PRINFO_PRACT) && f->ms == 8);
	size_t len = wire_len(f, md_xfer, nlb), mlen = md_xfer && !f->ext ? nlb * f->ms : 0;
	struct sim_host_rw io = {
		.opc = PNVME_OPC_READ, .slba = slba, .nlb = nlb, .buf = b->rd, .len = len,
		.md = mlen ? b->rm : NULL, .prinfo = prinfo, .cdw14 = ilbrt, .app = app,
		.mask = 0xffff,
	};
	unsigned st;

	to_wire(f, md_xfer, nlb, b->data, b->exp, b->ed, b->em);
	memset(b->rd, 0xaa, len + 64);
	memset(b->rm, 0xaa, mlen + 64);
	st = sim_host_rw(h, &io);
	CHECK(st == SIM_HOST_OK);
	CHECK(memcmp(b->rd, b->ed, len) == 0);
	CHECK(b->rd[len] == 0xaa); /* not a byte more */
	CHECK(memcmp(b->rm, b->em, mlen) == 0);
	CHECK(b->rm[mlen] == 0xaa);

	/* The same through an SGL (PSDT 01b, MPTR one buffer): the same bytes. */
	io.buf = b->sd;
	io.md = mlen ? b->sm : NULL;
	io.sgl = true;
	memset(b->sd, 0x55, len);
	memset(b->sm, 0x55, mlen);
	st = sim_host_rw(h, &io);
	CHECK(st == SIM_HOST_OK);
	CHECK(memcmp(b->sd, b->rd, len) == 0);
	CHECK(memcmp(b->sm, b->rm, mlen) == 0);

	/* Separate metadata through MPTR as an SGL (PSDT 10b). */
	if (mlen != 0) {
		struct pnvme_cmd c = sim_host_rw_cmd(PNVME_OPC_READ, 1, slba, nlb);

		c.cdw12 |= prinfo;
		c.cdw14 = ilbrt;
		c.cdw15 = app | 0xffffu << 16;
		sim_host_set_sgl(&c, b->sd, len);
		c.psdt = PNVME_PSDT_SGL_MPTR_SGL;
		sim_host_sgl_desc(b->mdesc, PNVME_SGL_TYPE_DATA_BLOCK, b->sm, (uint32_t)mlen);
		c.mptr = sim_host_iova(b->mdesc);
		memset(b->sm, 0x55, mlen);
		st = sim_host_run(h, &h->io, &c, NULL);
		CHECK(st == SIM_HOST_OK);
		CHECK(memcmp(b->sm, b->rm, mlen) == 0);
	}
}

/* One format, one PRACT: write three blocks, read them back every way there is. */
static void one_combo(struct sim_host *h, const struct fmt *f, bool pract, struct bufs *b,
		      unsigned seed)
{
	const uint32_t nlb = 3;
	const uint64_t slba = 7;
	const uint32_t ilbrt = (uint32_t)slba;
	const uint16_t app = (uint16_t)(0x1234 + seed);
	bool md_xfer = f->ms != 0 && !(f->pi && pract && f->ms == 8);
	size_t len, mlen = md_xfer && !f->ext ? nlb * f->ms : 0;
	struct sim_host_rw io = {
		.opc = PNVME_OPC_WRITE, .slba = slba, .nlb = nlb, .cdw14 = ilbrt, .app = app,
		.mask = 0xffff,
	};
	unsigned st;

	snprintf(g_combo, sizeof(g_combo), "lba %u ms %u %s pi %u %s PRACT %d", f->lba, f->ms,
		 f->ext ? "extended" : "separate", f->pi, f->pil ? "first" : "last", pract);
	sim_host_fill(b->data, (size_t)nlb * f->lba, seed);
	sim_host_fill(b->md, (size_t)nlb * f->ms, seed + 77);
	memcpy(b->exp, b->md, (size_t)nlb * f->ms);
	for (uint32_t i = 0; f->pi && i < nlb; i++) {
		uint8_t *d = b->data + (size_t)i * f->lba, *m = b->md + (size_t)i * f->ms;
		uint8_t *e = b->exp + (size_t)i * f->ms;
		uint32_t ref = f->pi == 3 ? ilbrt : ilbrt + i;

		/* PRACT: the host's tuple (a pattern here) is the controller's to replace. */
		if (!pract)
			put_pi(m + pi_off(f), guard_of(f, d, m), app, ref);
		memcpy(e, m, f->ms);
		put_pi(e + pi_off(f), guard_of(f, d, e), app, ref);
	}
	len = to_wire(f, md_xfer, nlb, b->data, b->md, b->wd, b->wm);
	io.buf = b->wd;
	io.len = len;
	io.md = mlen ? b->wm : NULL;
	io.prinfo = pract ? PNVME_PRINFO_PRACT : (f->pi ? PRCHK_ALL : 0);
	st = sim_host_rw(h, &io);
	CHECK(st == SIM_HOST_OK); /* without PI, PRACT means nothing: the metadata as sent */

	read_back(h, f, b, slba, nlb, f->pi ? PRCHK_ALL : 0, ilbrt, app);
	if (f->pi) /* PRACT on a read: the tuple stripped when it is all the metadata */
		read_back(h, f, b, slba, nlb, PNVME_PRINFO_PRACT | PRCHK_ALL, ilbrt, app);

	/* Compare, data and metadata as they were read. */
	len = to_wire(f, f->ms != 0, nlb, b->data, b->exp, b->ed, b->em);
	io.opc = PNVME_OPC_COMPARE;
	io.buf = b->ed;
	io.len = len;
	io.md = f->ms && !f->ext ? b->em : NULL;
	io.prinfo = f->pi ? PRCHK_ALL : 0;
	st = sim_host_rw(h, &io);
	CHECK(st == SIM_HOST_OK);
}

/* Every metadata layout, PI type and location and PRACT, for one block and metadata size. */
static void matrix(uint32_t lba, uint32_t ms)
{
	struct sim_host h;
	struct bufs b;
	unsigned seed = 1, combos = 0;

	bufs_init(&b);
	sim_host_start(&h, "size=16M");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	for (int ext = 0; ext <= 1; ext++) {
		for (uint8_t pi = 0; pi <= 3; pi++) {
			for (int pil = 0; pil <= 1; pil++) {
				struct fmt f = {.lba = lba, .ms = ms, .ext = ext, .pi = pi, .pil = pil};

				if ((ms == 0 && (ext || pi)) || (pi && ms < 8) || (!pi && pil))
					continue;
				for (int pract = 0; pract <= 1; pract++) {
					CU_ASSERT_EQUAL_FATAL(pnvme_sim_ns_format_md(h.sim, 1, lba, ms,
										     ext, pi, pil,
										     NS_BYTES), 0);
					one_combo(&h, &f, pract, &b, seed++);
					combos++;
				}
			}
		}
	}
	CU_ASSERT_EQUAL(combos, ms == 0 ? 2u : 2 * (2 + 3 * 2 * 2));
	sim_host_stop(&h);
	bufs_fini(&b);
}

static void test_matrix_512_ms0(void)
{
	matrix(512, 0);
}

static void test_matrix_512_ms8(void)
{
	matrix(512, 8);
}

static void test_matrix_512_ms64(void)
{
	matrix(512, 64);
}

static void test_matrix_4096_ms0(void)
{
	matrix(4096, 0);
}

static void test_matrix_4096_ms8(void)
{
	matrix(4096, 8);
}

static void test_matrix_4096_ms64(void)
{
	matrix(4096, 64);
}

/* ================================================================ checks */

static bool all_byte(const uint8_t *p, size_t len, uint8_t v)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != v)
			return false;
	}
	return true;
}

/* Write four blocks with PRACT (the controller's tuples: app 0x1234, ref slba + i). */
static void write_pract(struct sim_host *h, const struct fmt *f, uint8_t *buf, uint8_t *md,
			uint64_t slba)
{
	bool md_xfer = f->ms > 8;
	struct sim_host_rw io = {
		.opc = PNVME_OPC_WRITE, .slba = slba, .nlb = 4, .buf = buf,
		.len = wire_len(f, md_xfer, 4), .md = md_xfer && !f->ext ? md : NULL,
		.prinfo = PNVME_PRINFO_PRACT, .cdw14 = (uint32_t)slba, .app = 0x1234,
		.mask = 0xffff,
	};

	sim_host_fill(buf, io.len, (unsigned)slba);
	CU_ASSERT_EQUAL(sim_host_rw(h, &io), SIM_HOST_OK);
}

/* Read (PRACT set: for ms 8 nothing but data) four blocks at slba with these checks. */
static unsigned read_chk(struct sim_host *h, const struct fmt *f, uint8_t *buf, uint8_t *md,
			 uint64_t slba, uint32_t prchk, uint32_t ref, uint16_t app, uint16_t mask)
{
	bool md_xfer = f->ms > 8;
	struct sim_host_rw io = {
		.opc = PNVME_OPC_READ, .slba = slba, .nlb = 4, .buf = buf,
		.len = wire_len(f, md_xfer, 4), .md = md_xfer && !f->ext ? md : NULL,
		.prinfo = PNVME_PRINFO_PRACT | prchk, .cdw14 = ref, .app = app, .mask = mask,
	};

	return sim_host_rw(h, &io);
}

/* Corrupted fields, wrong expectations: the right status, and nothing transferred. */
static void check_errors(struct sim_host *h, const struct fmt *f, uint8_t *buf, uint8_t *md)
{
	const uint64_t slba = 40;
	const uint32_t ref = (uint32_t)slba;
	bool refchk = f->pi != 3; /* type 3: the reference tag is the host's, never checked */
	unsigned ref_st = refchk ? ST_MEDIA(PNVME_SC_REFERENCE_TAG_CHECK_ERROR) : SIM_HOST_OK;

	snprintf(g_combo, sizeof(g_combo), "errors: ms %u %s pi %u %s", f->ms,
		 f->ext ? "extended" : "separate", f->pi, f->pil ? "first" : "last");
	CU_ASSERT_EQUAL_FATAL(pnvme_sim_ns_format_md(h->sim, 1, f->lba, f->ms, f->ext, f->pi,
						     f->pil, NS_BYTES), 0);
	write_pract(h, f, buf, md, slba);
	CHECK(read_chk(h, f, buf, md, slba, PRCHK_ALL, ref, 0x1234, 0xffff) == SIM_HOST_OK);
	/* Wrong expectations. */
	CHECK(read_chk(h, f, buf, md, slba, PNVME_PRINFO_PRCHK_APPTAG, ref, 0x1235, 0xffff) ==
	      ST_MEDIA(PNVME_SC_APPLICATION_TAG_CHECK_ERROR));
	CHECK(read_chk(h, f, buf, md, slba, PNVME_PRINFO_PRCHK_APPTAG, ref, 0x1235, 0xfff0) ==
	      SIM_HOST_OK); /* the mask leaves the differing bit out */
	CHECK(read_chk(h, f, buf, md, slba, PNVME_PRINFO_PRCHK_APPTAG, ref, 0x5555, 0) ==
	      SIM_HOST_OK);
	CHECK(read_chk(h, f, buf, md, slba, PNVME_PRINFO_PRCHK_REFTAG, ref + 1, 0x1234, 0xffff) ==
	      ref_st);
	CHECK(read_chk(h, f, buf, md, slba, PRCHK_ALL & ~PNVME_PRINFO_PRCHK_REFTAG, ref + 1, 0x1234,
		       0xffff) == SIM_HOST_OK);

	/* Corrupted guard of block 2: found by the guard check only; nothing transferred. */
	CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(h->sim, 1, slba + 2, PNVME_SIM_PI_GUARD), 0);
	memset(buf, 0xaa, 4 * (f->lba + f->ms));
	memset(md, 0xaa, 4 * f->ms);
	CHECK(read_chk(h, f, buf, md, slba, PRCHK_ALL, ref, 0x1234, 0xffff) ==
	      ST_MEDIA(PNVME_SC_GUARD_CHECK_ERROR));
	CHECK(all_byte(buf, 4 * (f->lba + f->ms), 0xaa) && all_byte(md, 4 * f->ms, 0xaa));
	CHECK(read_chk(h, f, buf, md, slba, PRCHK_ALL & ~PNVME_PRINFO_PRCHK_GUARD, ref, 0x1234,
		       0xffff) == SIM_HOST_OK);
	CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(h->sim, 1, slba + 2, PNVME_SIM_PI_GUARD), 0);
	CHECK(read_chk(h, f, buf, md, slba, PRCHK_ALL, ref, 0x1234, 0xffff) == SIM_HOST_OK);

	/* Corrupted application tag. */
	CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(h->sim, 1, slba + 3, PNVME_SIM_PI_APP_TAG), 0);
	CHECK(read_chk(h, f, buf, md, slba, PRCHK_ALL, ref, 0x1234, 0xffff) ==
	      ST_MEDIA(PNVME_SC_APPLICATION_TAG_CHECK_ERROR));
	CHECK(read_chk(h, f, buf, md, slba, PRCHK_ALL & ~PNVME_PRINFO_PRCHK_APPTAG, ref, 0x1234,
		       0xffff) == SIM_HOST_OK);
	CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(h->sim, 1, slba + 3, PNVME_SIM_PI_APP_TAG), 0);

	/* Corrupted reference tag. */
	CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(h->sim, 1, slba, PNVME_SIM_PI_REF_TAG), 0);
	CHECK(read_chk(h, f, buf, md, slba, PRCHK_ALL, ref, 0x1234, 0xffff) == ref_st);
	CHECK(read_chk(h, f, buf, md, slba, PRCHK_ALL & ~PNVME_PRINFO_PRCHK_REFTAG, ref, 0x1234,
		       0xffff) == SIM_HOST_OK);
	CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(h->sim, 1, slba, PNVME_SIM_PI_REF_TAG), 0);

	/* Compare checks the medium too. */
	CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(h->sim, 1, slba + 1, PNVME_SIM_PI_GUARD), 0);
	{
		struct sim_host_rw io = {
			.opc = PNVME_OPC_COMPARE, .slba = slba, .nlb = 4, .buf = buf,
			.len = wire_len(f, f->ms > 8, 4), .md = f->ms > 8 && !f->ext ? md : NULL,
			.prinfo = PNVME_PRINFO_PRACT | PNVME_PRINFO_PRCHK_GUARD, .cdw14 = ref,
			.app = 0x1234, .mask = 0xffff,
		};

		CHECK(sim_host_rw(h, &io) == ST_MEDIA(PNVME_SC_GUARD_CHECK_ERROR));
	}
}

static void test_pi_check_errors(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(BUF_BYTES), *md = sim_host_dma(BUF_BYTES);

	sim_host_start(&h, "size=16M");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	for (uint8_t pi = 1; pi <= 3; pi++) {
		for (int ext = 0; ext <= 1; ext++) {
			for (int pil = 0; pil <= 1; pil++) {
				struct fmt f8 = {.lba = 512, .ms = 8, .ext = ext, .pi = pi, .pil = pil};
				struct fmt f64 = {.lba = 4096, .ms = 64, .ext = ext, .pi = pi,
						  .pil = pil};

				check_errors(&h, &f8, buf, md);
				check_errors(&h, &f64, buf, md);
			}
		}
	}
	/* The hook's own errors. */
	CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(h.sim, 1, NS_BYTES / 4096, PNVME_SIM_PI_GUARD),
			-EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(h.sim, 1, 0, (enum pnvme_sim_pi_field)3), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(h.sim, 2, 0, PNVME_SIM_PI_GUARD), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format_md(h.sim, 1, 512, 8, false, 0, false, 0), 0);
	CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(h.sim, 1, 0, PNVME_SIM_PI_GUARD), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_remove(h.sim, 1), 0);
	CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(h.sim, 1, 0, PNVME_SIM_PI_GUARD), -ENOENT);
	sim_host_stop(&h);
	pnvme_dma_free(buf);
	pnvme_dma_free(md);
}

/* Write with PRACT clear: the host's tuples are checked first, and a failure writes nothing. */
static void test_pi_write_checks(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(BUF_BYTES), *old = sim_host_dma(BUF_BYTES);
	struct fmt f = {.lba = 512, .ms = 8, .ext = true, .pi = 1};
	struct sim_host_rw io = {
		.opc = PNVME_OPC_WRITE, .slba = 10, .nlb = 2, .buf = buf, .len = 2 * 520,
		.prinfo = PRCHK_ALL, .cdw14 = 10, .app = 0x77, .mask = 0xffff,
	};
	struct sim_host_rw rd = io;

	sim_host_start(&h, "size=16M ms=8 mset=1 pi=1");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	rd.opc = PNVME_OPC_READ;
	rd.buf = old;
	rd.prinfo = 0;
	for (uint8_t pi = 1; pi <= 3; pi++) {
		f.pi = pi;
		CU_ASSERT_EQUAL_FATAL(pnvme_sim_ns_format_md(h.sim, 1, 512, 8, true, pi, false, 0),
				      0);
		snprintf(g_combo, sizeof(g_combo), "write checks, type %u", pi);
		/* Good tuples: stored as sent. */
		sim_host_fill(buf, 2 * 520, pi);
		put_pi(buf + 512, guard_of(&f, buf, NULL), 0x77, 10);
		put_pi(buf + 520 + 512, guard_of(&f, buf + 520, NULL), 0x77, 11);
		CHECK(sim_host_rw(&h, &io) == SIM_HOST_OK);
		CHECK(sim_host_rw(&h, &rd) == SIM_HOST_OK);
		CHECK(memcmp(old, buf, 2 * 520) == 0);
		/* A bad guard in the second block: Guard Check Error, the first block not written either. */
		sim_host_fill(buf, 512, 99);
		put_pi(buf + 512, guard_of(&f, buf, NULL), 0x77, 10);
		buf[520 + 512] ^= 0x10;
		CHECK(sim_host_rw(&h, &io) == ST_MEDIA(PNVME_SC_GUARD_CHECK_ERROR));
		CHECK(sim_host_rw(&h, &rd) == SIM_HOST_OK);
		CHECK(memcmp(old, buf, 512) != 0);
		buf[520 + 512] ^= 0x10;
		/* Application tag. */
		put_pi(buf + 520 + 512, guard_of(&f, buf + 520, NULL), 0x78, 11);
		CHECK(sim_host_rw(&h, &io) == ST_MEDIA(PNVME_SC_APPLICATION_TAG_CHECK_ERROR));
		/* Reference tag: checked for types 1 and 2. */
		put_pi(buf + 520 + 512, guard_of(&f, buf + 520, NULL), 0x77, 12);
		CHECK(sim_host_rw(&h, &io) ==
		      (pi == 3 ? SIM_HOST_OK : ST_MEDIA(PNVME_SC_REFERENCE_TAG_CHECK_ERROR)));
		/* Escape: application tag FFFFh (and for type 3 reference tag FFFFFFFFh) turns the
		 * checks of that block off, the bad guard too. */
		put_pi(buf + 520 + 512, 0xdead, 0xffff, 0x12345678);
		CHECK(sim_host_rw(&h, &io) ==
		      (pi == 3 ? ST_MEDIA(PNVME_SC_GUARD_CHECK_ERROR) : SIM_HOST_OK));
		put_pi(buf + 520 + 512, 0xdead, 0xffff, 0xffffffff);
		CHECK(sim_host_rw(&h, &io) == SIM_HOST_OK);
		/* ... and stays off when it is read with every check. */
		rd.prinfo = PRCHK_ALL;
		CHECK(sim_host_rw(&h, &rd) == SIM_HOST_OK);
		CHECK(memcmp(old, buf, 2 * 520) == 0);
		rd.prinfo = 0;
	}
	sim_host_stop(&h);
	pnvme_dma_free(buf);
	pnvme_dma_free(old);
}

/* Never-written and deallocated blocks: data and metadata zero, the tuple escape values. */
static void test_pi_unwritten_deallocated(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(BUF_BYTES), *md = sim_host_dma(BUF_BYTES);
	struct pnvme_dsm_range *r = sim_host_dma(SIM_HOST_PAGE);
	struct fmt f = {.lba = 512, .ms = 16, .pi = 1};
	uint8_t want[16] = {0};
	struct sim_host_rw rd = {
		.opc = PNVME_OPC_READ, .slba = 100, .nlb = 4, .buf = buf, .len = 4 * 512, .md = md,
		.prinfo = PRCHK_ALL, .cdw14 = 100, .app = 0x4321, .mask = 0xffff,
	};
	struct pnvme_cmd c;

	sim_host_start(&h, "size=16M ms=16 pi=1");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	put_pi(want + pi_off(&f), 0, 0xffff, 0xffffffff);
	memset(md, 0xaa, 64);
	CU_ASSERT_EQUAL(sim_host_rw(&h, &rd), SIM_HOST_OK);
	CU_ASSERT_TRUE(sim_host_all_zero(buf, 4 * 512));
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(memcmp(md + 16 * i, want, 16), 0);

	/* Written, then deallocated: the same again. */
	sim_host_fill(buf, 4 * 512, 3);
	sim_host_fill(md, 4 * 16, 4);
	rd.opc = PNVME_OPC_WRITE;
	rd.prinfo = PNVME_PRINFO_PRACT;
	CU_ASSERT_EQUAL(sim_host_rw(&h, &rd), SIM_HOST_OK);
	r->starting_lba = 100;
	r->length = 4;
	c = sim_host_rw_cmd(PNVME_OPC_DATASET_MANAGEMENT, 1, 0, 1);
	c.cdw10 = 0;
	c.cdw11 = PNVME_DSM_ATTR_DEALLOCATE;
	c.cdw12 = 0;
	c.dptr.prp.prp1 = sim_host_iova(r);
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	rd.opc = PNVME_OPC_READ;
	rd.prinfo = PRCHK_ALL;
	CU_ASSERT_EQUAL(sim_host_rw(&h, &rd), SIM_HOST_OK);
	CU_ASSERT_TRUE(sim_host_all_zero(buf, 4 * 512));
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(memcmp(md + 16 * i, want, 16), 0);
	sim_host_stop(&h);
	pnvme_dma_free(buf);
	pnvme_dma_free(md);
	pnvme_dma_free(r);
}

/* Write Zeroes: zero data and metadata; the tuple the controller's with PRACT, else zero. */
static void test_pi_write_zeroes(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(BUF_BYTES);
	struct fmt f = {.lba = 512, .ms = 64, .ext = true, .pi = 2};
	struct sim_host_rw rd = {
		.opc = PNVME_OPC_READ, .slba = 8, .nlb = 3, .buf = buf, .len = 3 * 576,
		.prinfo = PRCHK_ALL, .cdw14 = 8, .app = 0xabc, .mask = 0xffff,
	};
	struct pnvme_cmd c = sim_host_rw_cmd(PNVME_OPC_WRITE_ZEROES, 1, 8, 3);
	uint8_t want[64] = {0};

	sim_host_start(&h, "size=16M ms=64 mset=1 pi=2");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	/* Something else there first. */
	sim_host_fill(buf, 3 * 576, 9);
	rd.opc = PNVME_OPC_WRITE;
	rd.prinfo = PNVME_PRINFO_PRACT;
	CU_ASSERT_EQUAL(sim_host_rw(&h, &rd), SIM_HOST_OK);
	rd.opc = PNVME_OPC_READ;
	rd.prinfo = PRCHK_ALL;

	c.cdw12 |= PNVME_PRINFO_PRACT;
	c.cdw14 = 8;
	c.cdw15 = 0xabc;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_rw(&h, &rd), SIM_HOST_OK);
	for (uint32_t i = 0; i < 3; i++) {
		uint8_t zero[512] = {0};

		put_pi(want + pi_off(&f), guard_of(&f, zero, want), 0xabc, 8 + i);
		CU_ASSERT_TRUE(sim_host_all_zero(buf + 576 * i, 512));
		CU_ASSERT_EQUAL(memcmp(buf + 576 * i + 512, want, 64), 0);
	}
	/* PRACT clear: the tuple is zero, so tag checks fail (guard, app, ref: the first). */
	c.cdw12 &= ~PNVME_PRINFO_PRACT;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_rw(&h, &rd), ST_MEDIA(PNVME_SC_APPLICATION_TAG_CHECK_ERROR));
	rd.prinfo = PNVME_PRINFO_PRCHK_GUARD | PNVME_PRINFO_PRCHK_REFTAG;
	CU_ASSERT_EQUAL(sim_host_rw(&h, &rd), ST_MEDIA(PNVME_SC_REFERENCE_TAG_CHECK_ERROR));
	rd.prinfo = 0;
	CU_ASSERT_EQUAL(sim_host_rw(&h, &rd), SIM_HOST_OK);
	CU_ASSERT_TRUE(sim_host_all_zero(buf, 3 * 576));
	sim_host_stop(&h);
	pnvme_dma_free(buf);
}

/* Compare looks at metadata too; metadata without PI is kept as written. */
static void test_md_compare_and_plain(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(BUF_BYTES), *md = sim_host_dma(SIM_HOST_PAGE);
	struct sim_host_rw io = {
		.opc = PNVME_OPC_WRITE, .slba = 5, .nlb = 2, .buf = buf, .len = 2 * 4096, .md = md,
	};

	sim_host_start(&h, "size=16M lba=4096 ms=64");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	sim_host_fill(buf, 2 * 4096, 1);
	sim_host_fill(md, 128, 2);
	CU_ASSERT_EQUAL(sim_host_rw(&h, &io), SIM_HOST_OK);
	io.opc = PNVME_OPC_COMPARE;
	CU_ASSERT_EQUAL(sim_host_rw(&h, &io), SIM_HOST_OK);
	md[100] ^= 1;
	CU_ASSERT_EQUAL(sim_host_rw(&h, &io), ST_MEDIA(PNVME_SC_COMPARE_FAILURE));
	md[100] ^= 1;
	buf[4095] ^= 1;
	CU_ASSERT_EQUAL(sim_host_rw(&h, &io), ST_MEDIA(PNVME_SC_COMPARE_FAILURE));
	sim_host_stop(&h);
	pnvme_dma_free(buf);
	pnvme_dma_free(md);
}

/* MDTS counts extended metadata, not a separate buffer; MPTR must be aligned DMA memory. */
static void test_md_mdts_and_mptr(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(BUF_BYTES), *md = sim_host_dma(SIM_HOST_PAGE);
	struct sim_host_rw io = {
		.opc = PNVME_OPC_WRITE, .slba = 0, .nlb = 16, .buf = buf, .len = 16 * 512, .md = md,
	};
	struct pnvme_cmd c;
	static uint8_t not_dma[64];

	sim_host_start(&h, "size=16M mdts=1 ms=8");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	CU_ASSERT_EQUAL(sim_host_rw(&h, &io), SIM_HOST_OK); /* 8 KiB + 128 bytes apart */
	io.nlb = 17;
	io.len = 17 * 512;
	CU_ASSERT_EQUAL(sim_host_rw(&h, &io), SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));
	/* MPTR misaligned, or not DMA memory. */
	c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 1);
	c.dptr.prp.prp1 = sim_host_iova(buf);
	c.mptr = sim_host_iova(md) + 2;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));
	c.mptr = (uintptr_t)not_dma;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL),
			SIM_HOST_ST(0, PNVME_SC_DATA_TRANSFER_ERROR));
	c.mptr = sim_host_iova(md) + 4; /* dword aligned is enough */
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	/* Extended: the metadata is part of the transfer MDTS limits. */
	CU_ASSERT_EQUAL(pnvme_sim_ns_format_md(h.sim, 1, 512, 8, true, 0, false, 0), 0);
	io.md = NULL;
	io.nlb = 15;
	io.len = 15 * 520;
	CU_ASSERT_EQUAL(sim_host_rw(&h, &io), SIM_HOST_OK);
	io.nlb = 16;
	io.len = 16 * 520;
	CU_ASSERT_EQUAL(sim_host_rw(&h, &io), SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));
	sim_host_stop(&h);
	pnvme_dma_free(buf);
	pnvme_dma_free(md);
}

int main(void)
{
	static const struct test_case md_tests[] = {
		{"write/read back: 512, no metadata", test_matrix_512_ms0},
		{"write/read back: 512 + 8, every layout, PI and PRACT", test_matrix_512_ms8},
		{"write/read back: 512 + 64, every layout, PI and PRACT", test_matrix_512_ms64},
		{"write/read back: 4096, no metadata", test_matrix_4096_ms0},
		{"write/read back: 4096 + 8, every layout, PI and PRACT", test_matrix_4096_ms8},
		{"write/read back: 4096 + 64, every layout, PI and PRACT", test_matrix_4096_ms64},
		{"PI: corrupted fields, wrong expectations, statuses", test_pi_check_errors},
		{"PI: a write's tuples are checked, escape values", test_pi_write_checks},
		{"PI: unwritten and deallocated blocks", test_pi_unwritten_deallocated},
		{"PI: Write Zeroes with and without PRACT", test_pi_write_zeroes},
		{"metadata: compare, no PI", test_md_compare_and_plain},
		{"metadata: MDTS and MPTR errors", test_md_mdts_and_mptr},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("sim metadata and PI", NULL, NULL, md_tests);
	return test_run_all();
}
