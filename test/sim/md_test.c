/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Metadata, protection information, SGLs and fused Compare and Write through
 * the public API against the software controller: every combination of
 * {512, 4096} x {ms 0, 8, 64} x {extended, separate} x {no PI, types 1-3} x
 * {PRACT off, on} written and read back; PI errors the device finds; SGL and
 * PRP agreeing byte for byte; a fused pair that matches and one that does not.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "common/test_env.h"
#include "pnvme/nvme.h"
#include "pnvme/sim.h"

#define BLOCKS 24 /* enough to cross MDTS (sim default 128 KiB) at 4096+64 */

struct rig {
	struct pnvme_ctrlr *c;
	struct pnvme_qpair *qp;
	struct pnvme_ns *ns;
	struct pnvme_sim *sim;
};

static bool rig_open(struct rig *r, const char *params, enum pnvme_dptr_mode mode)
{
	struct pnvme_io_qpair_opts o;
	char trid[256];

	memset(r, 0, sizeof(*r));
	snprintf(trid, sizeof(trid), "trtype:sim traddr:md size=64M %s", params);
	if (pnvme_connect(trid, NULL, &r->c) != 0)
		return false;
	r->sim = pnvme_sim_get("md");
	r->ns = pnvme_ctrlr_get_ns(r->c, 1);
	pnvme_ctrlr_get_default_io_qpair_opts(r->c, &o, sizeof(o));
	o.dptr_mode = mode;
	return r->sim && r->ns && pnvme_ctrlr_alloc_io_qpair(r->c, &o, &r->qp) == 0;
}

static void rig_close(struct rig *r)
{
	CU_ASSERT_EQUAL(pnvme_detach(r->c), 0);
}

static int wait_for(struct rig *r, struct io_wait *w)
{
	uint64_t deadline = pnvme_ticks() + 5 * pnvme_ticks_hz();

	while (w->calls == 0 && pnvme_ticks() < deadline)
		pnvme_qpair_process_completions(r->qp, 0);
	return w->calls;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * 31 + seed * 7 + (i >> 9));
}

/* One format: write, read back, compare data and (where it moves) metadata and PI. */
static void one_format(uint32_t lba, uint32_t ms, bool ext, unsigned pi, bool pract)
{
	char params[128];
	struct rig r;
	struct io_wait w = {0};
	uint32_t chk = 0, flags;
	bool md_moves = ms != 0 && !(pract && ms == 8);
	uint32_t block = lba + (ext && md_moves ? ms : 0);
	size_t data = (size_t)BLOCKS * block, mdlen = (size_t)BLOCKS * ms;
	uint8_t *wbuf, *rbuf, *wmd = NULL, *rmd = NULL;
	bool separate = md_moves && !ext;

	snprintf(params, sizeof(params), "lba=%u ms=%u mset=%d pi=%u", lba, ms, ext ? 1 : 0, pi);
	if (!rig_open(&r, params, PNVME_DPTR_AUTO)) {
		CU_FAIL("attach");
		return;
	}
	CU_ASSERT_EQUAL(pnvme_ns_get_md_size(r.ns), ms);
	CU_ASSERT_EQUAL(pnvme_ns_get_pi_type(r.ns), (enum pnvme_pi_type)pi);
	CU_ASSERT_EQUAL(pnvme_ns_md_is_extended(r.ns), ms != 0 && ext);
	if (pi != 0)
		chk = PNVME_IO_FLAGS_PRCHK_GUARD | PNVME_IO_FLAGS_PRCHK_APPTAG |
		      (pi != 3 ? PNVME_IO_FLAGS_PRCHK_REFTAG : 0);
	flags = chk | (pract ? PNVME_IO_FLAGS_PRACT : 0);
	wbuf = pnvme_dma_zmalloc(data, 4096, NULL);
	rbuf = pnvme_dma_zmalloc(data, 4096, NULL);
	if (separate) {
		wmd = pnvme_dma_zmalloc(mdlen, 64, NULL);
		rmd = pnvme_dma_zmalloc(mdlen, 64, NULL);
	}
	fill(wbuf, data, lba + ms + pi);
	if (wmd != NULL)
		fill(wmd, mdlen, 3 * pi + 1);
	/* Without PRACT the host makes the PI that the controller checks. */
	if (pi != 0 && !pract)
		CU_ASSERT_EQUAL(pnvme_pi_generate(r.ns, wbuf, wmd, 100, BLOCKS, 0x5043), 0);
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_write_with_md(r.ns, r.qp, wbuf, wmd, 100, BLOCKS, io_cb,
							 &w, flags, 0xffff, 0x5043), 0);
	CU_ASSERT_EQUAL(wait_for(&r, &w), 1);
	if (pnvme_cpl_is_error(&w.cpl))
		fprintf(stderr, "%s pract=%d: write: %s\n", params, pract,
			pnvme_cpl_status_str(&w.cpl));
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read_with_md(r.ns, r.qp, rbuf, rmd, 100, BLOCKS, io_cb,
							&w, flags, 0xffff, 0x5043), 0);
	CU_ASSERT_EQUAL(wait_for(&r, &w), 1);
	if (pnvme_cpl_is_error(&w.cpl))
		fprintf(stderr, "%s pract=%d: read: %s\n", params, pract,
			pnvme_cpl_status_str(&w.cpl));
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	if (pi != 0 && pract && ms > 8) {
		/* The controller wrote its own PI over ours: data and other metadata match. */
		uint64_t bad = 0;

		CU_ASSERT_EQUAL(pnvme_pi_verify(r.ns, rbuf, rmd, 100, BLOCKS, chk, 0xffff, 0x5043,
						&bad), 0);
	} else {
		CU_ASSERT_EQUAL(memcmp(wbuf, rbuf, data), 0);
		if (separate)
			CU_ASSERT_EQUAL(memcmp(wmd, rmd, mdlen), 0);
	}
	pnvme_dma_free(wbuf);
	pnvme_dma_free(rbuf);
	pnvme_dma_free(wmd);
	pnvme_dma_free(rmd);
	rig_close(&r);
}

static void test_every_format(void)
{
	static const uint32_t lbas[] = {512, 4096}, mss[] = {0, 8, 64};

	for (int l = 0; l < 2; l++)
		for (int m = 0; m < 3; m++)
			for (int ext = 0; ext < 2; ext++) {
				if (mss[m] == 0 && ext)
					continue; /* no metadata: nothing to interleave */
				for (unsigned pi = 0; pi <= 3; pi++) {
					if (pi != 0 && mss[m] < 8)
						continue;
					one_format(lbas[l], mss[m], ext, pi, false);
					if (pi != 0)
						one_format(lbas[l], mss[m], ext, pi, true);
				}
			}
}

/* The device finds a damaged guard or a wrong reference tag: the spec's status. */
static void test_pi_errors(void)
{
	static const struct {
		enum pnvme_sim_pi_field field;
		uint8_t sc;
	} cases[] = {
		{PNVME_SIM_PI_GUARD, PNVME_SC_GUARD_CHECK_ERROR},
		{PNVME_SIM_PI_APP_TAG, PNVME_SC_APPLICATION_TAG_CHECK_ERROR},
		{PNVME_SIM_PI_REF_TAG, PNVME_SC_REFERENCE_TAG_CHECK_ERROR},
	};
	uint32_t chk = PNVME_IO_FLAGS_PRCHK_GUARD | PNVME_IO_FLAGS_PRCHK_APPTAG |
		       PNVME_IO_FLAGS_PRCHK_REFTAG;
	struct rig r;
	uint8_t *buf, *md;

	CU_ASSERT_FATAL(rig_open(&r, "ms=8 pi=1", PNVME_DPTR_AUTO));
	buf = pnvme_dma_zmalloc(8 * 512, 4096, NULL);
	md = pnvme_dma_zmalloc(8 * 8, 64, NULL);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct io_wait w = {0};
		uint64_t lba = 1000 + i * 8;

		fill(buf, 8 * 512, (unsigned)i);
		/* The controller makes the PI (PRACT, 8 bytes of metadata: none moves). */
		CU_ASSERT_EQUAL(pnvme_ns_cmd_write_with_md(r.ns, r.qp, buf, NULL, lba, 8, io_cb, &w,
							   PNVME_IO_FLAGS_PRACT, 0, 0x77), 0);
		CU_ASSERT_EQUAL(wait_for(&r, &w), 1);
		CU_ASSERT_EQUAL(pnvme_sim_corrupt_pi(r.sim, 1, lba + 5, cases[i].field), 0);
		memset(&w, 0, sizeof(w));
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read_with_md(r.ns, r.qp, buf, md, lba, 8, io_cb, &w, chk,
							  0xffff, 0x77), 0);
		CU_ASSERT_EQUAL(wait_for(&r, &w), 1);
		CU_ASSERT_EQUAL(w.cpl.status.sct, PNVME_SCT_MEDIA_ERROR);
		CU_ASSERT_EQUAL(w.cpl.status.sc, cases[i].sc);
		/* Without that check the same read succeeds. */
		memset(&w, 0, sizeof(w));
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read_with_md(r.ns, r.qp, buf, md, lba, 8, io_cb, &w,
							  chk & ~(cases[i].field == PNVME_SIM_PI_GUARD
								  ? PNVME_IO_FLAGS_PRCHK_GUARD
								  : cases[i].field == PNVME_SIM_PI_APP_TAG
									  ? PNVME_IO_FLAGS_PRCHK_APPTAG
									  : PNVME_IO_FLAGS_PRCHK_REFTAG),
							  0xffff, 0x77), 0);
		CU_ASSERT_EQUAL(wait_for(&r, &w), 1);
		CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	}
	CU_ASSERT_STRING_EQUAL(pnvme_status_str(PNVME_SCT_MEDIA_ERROR, PNVME_SC_GUARD_CHECK_ERROR),
			       "End-to-end Guard Check Error");
	pnvme_dma_free(buf);
	pnvme_dma_free(md);
	rig_close(&r);
}

/* The same scattered payload through SGL and through PRP (split): byte for byte. */
static void test_sgl_and_prp_agree(void)
{
	static const enum pnvme_dptr_mode modes[] = {PNVME_DPTR_SGL, PNVME_DPTR_PRP,
						     PNVME_DPTR_AUTO};
	struct pnvme_sim_stats before, after;
	uint8_t *mem = NULL, *back;
	struct iovec iov[5];
	size_t total = 0;

	for (int m = 0; m < 3; m++) {
		struct rig r;
		struct io_wait w = {0};

		CU_ASSERT_FATAL(rig_open(&r, "lba=512", modes[m]));
		if (mem == NULL) {
			mem = pnvme_dma_zmalloc(1 << 20, 4096, NULL);
			back = pnvme_dma_zmalloc(64 * 1024, 4096, NULL);
			/* Elements that do not meet on pages: PRP must split, SGL need not. */
			size_t lens[5] = {512, 1536, 4096 + 512, 2048, 3584};
			size_t offs[5] = {100, 9000, 30000, 70004, 140000};

			for (int i = 0; i < 5; i++) {
				iov[i].iov_base = mem + offs[i];
				iov[i].iov_len = lens[i];
				total += lens[i];
			}
			fill(mem, 1 << 20, 9);
		}
		pnvme_sim_get_stats(r.sim, &before);
		CU_ASSERT_EQUAL(pnvme_ns_cmd_writev(r.ns, r.qp, iov, 5, 64, (uint32_t)(total / 512),
						    io_cb, &w, 0), 0);
		CU_ASSERT_EQUAL(wait_for(&r, &w), 1);
		CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
		pnvme_sim_get_stats(r.sim, &after);
		if (modes[m] == PNVME_DPTR_PRP) {
			CU_ASSERT_EQUAL(after.sgl_cmds, before.sgl_cmds);
			CU_ASSERT_TRUE(after.prp_cmds - before.prp_cmds > 1); /* split */
		} else {
			CU_ASSERT_EQUAL(after.sgl_cmds - before.sgl_cmds, 1); /* one command */
		}
		memset(&w, 0, sizeof(w));
		memset(back, 0, total);
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, back, 64, (uint32_t)(total / 512), io_cb,
						  &w, 0), 0);
		CU_ASSERT_EQUAL(wait_for(&r, &w), 1);
		for (int i = 0, off = 0; i < 5; off += (int)iov[i].iov_len, i++)
			CU_ASSERT_EQUAL(memcmp(back + off, iov[i].iov_base, iov[i].iov_len), 0);
		rig_close(&r);
	}
	pnvme_dma_free(mem);
	pnvme_dma_free(back);
}

static void test_sgl_refused_without_support(void)
{
	struct rig r;

	CU_ASSERT_FALSE(rig_open(&r, "sgl=0", PNVME_DPTR_SGL));
	CU_ASSERT_FALSE(pnvme_ctrlr_supports_sgl(r.c));
	CU_ASSERT_EQUAL(pnvme_detach(r.c), 0);
}

static void test_fused_compare_and_write(void)
{
	struct rig r;
	struct io_wait w = {0};
	uint8_t *old, *new, *back;

	CU_ASSERT_FATAL(rig_open(&r, "", PNVME_DPTR_AUTO));
	CU_ASSERT_TRUE(pnvme_ctrlr_supports_compare_and_write(r.c));
	old = pnvme_dma_zmalloc(4096, 4096, NULL);
	new = pnvme_dma_zmalloc(4096, 4096, NULL);
	back = pnvme_dma_zmalloc(4096, 4096, NULL);
	fill(old, 4096, 1);
	fill(new, 4096, 2);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write(r.ns, r.qp, old, 8, 8, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL(wait_for(&r, &w), 1);
	/* Matches: the write happens. */
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_compare_and_write(r.ns, r.qp, old, new, 8, 8, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL(wait_for(&r, &w), 1);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, back, 8, 8, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL(wait_for(&r, &w), 1);
	CU_ASSERT_EQUAL(memcmp(back, new, 4096), 0);
	/* Does not match any more: Compare Failure, and nothing written. */
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_compare_and_write(r.ns, r.qp, old, old, 8, 8, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL(wait_for(&r, &w), 1);
	CU_ASSERT_EQUAL(w.cpl.status.sct, PNVME_SCT_MEDIA_ERROR);
	CU_ASSERT_EQUAL(w.cpl.status.sc, PNVME_SC_COMPARE_FAILURE);
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(r.ns, r.qp, back, 8, 8, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL(wait_for(&r, &w), 1);
	CU_ASSERT_EQUAL(memcmp(back, new, 4096), 0);
	pnvme_dma_free(old);
	pnvme_dma_free(new);
	pnvme_dma_free(back);
	rig_close(&r);
	/* A controller without it: -ENOTSUP, no callback. */
	CU_ASSERT_FATAL(rig_open(&r, "fused=0", PNVME_DPTR_AUTO));
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_compare_and_write(r.ns, r.qp, r.ns, r.ns, 0, 1, io_cb, &w, 0),
			-ENOTSUP);
	CU_ASSERT_EQUAL(w.calls, 0);
	rig_close(&r);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"every format x PI type x PRACT: written and read back", test_every_format},
		{"PI errors: guard, application tag, reference tag statuses", test_pi_errors},
		{"SGL, PRP and auto agree byte for byte on a scattered payload",
		 test_sgl_and_prp_agree},
		{"SGL forced without SGL support: -ENOTSUP", test_sgl_refused_without_support},
		{"fused compare and write: match writes, miscompare does not",
		 test_fused_compare_and_write},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("metadata", NULL, NULL, tests);
	return test_run_all();
}
