/* SPDX-License-Identifier: BSD-3-Clause */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "common/driver_suite.h"
#include "common/test_env.h"
#include "pnvme/nvme.h"

static const struct driver_suite_config *g_cfg;

static struct pnvme_ctrlr *attach(const char *trid)
{
	struct pnvme_ctrlr *c = NULL;
	int rc = pnvme_connect(trid, NULL, &c);

	if (rc != 0)
		fprintf(stderr, "attach '%s' failed: %d\n", trid, rc);
	return c;
}

/* Poll until all n waits have their callback, 20 s at most. */
static bool wait_all(struct pnvme_qpair *qp, struct io_wait *w, int n)
{
	uint64_t deadline = pnvme_ticks() + 20 * pnvme_ticks_hz();

	for (;;) {
		int done = 0;

		for (int i = 0; i < n; i++)
			done += w[i].calls > 0;
		if (done == n)
			return true;
		if (pnvme_qpair_process_completions(qp, 0) < 0 || pnvme_ticks() > deadline)
			return false;
	}
}

static void fill(uint8_t *buf, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i += 8) {
		uint64_t v = seed * 0x9e3779b97f4a7c15ull + i;

		memcpy(buf + i, &v, len - i < 8 ? len - i : 8);
	}
}

static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int sync_cmd(struct pnvme_qpair *qp, int rc, struct io_wait *w);

/* ------------------------------------------------------------ identify, probe */

static void test_identify(void)
{
	struct pnvme_ctrlr *a = attach(g_cfg->trid_a), *b;
	const struct pnvme_ctrlr_data *d;
	uint32_t id1, id2;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	d = pnvme_ctrlr_get_data(a);
	if (g_cfg->model != NULL)
		CU_ASSERT_EQUAL(strncmp(d->mn, g_cfg->model, strlen(g_cfg->model)), 0);
	id1 = pnvme_ctrlr_get_first_active_ns(a);
	id2 = pnvme_ctrlr_get_next_active_ns(a, id1);
	CU_ASSERT_NOT_EQUAL(id1, 0);
	CU_ASSERT_NOT_EQUAL(id2, 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_next_active_ns(a, id2), 0);
	CU_ASSERT_EQUAL(pnvme_ns_get_sector_size(pnvme_ctrlr_get_ns(a, id1)), 512);
	CU_ASSERT_EQUAL(pnvme_ns_get_sector_size(pnvme_ctrlr_get_ns(a, id2)), 4096);
	CU_ASSERT_TRUE(pnvme_ns_get_num_sectors(pnvme_ctrlr_get_ns(a, id1)) > 0);
	CU_ASSERT_TRUE(pnvme_ctrlr_get_num_io_queues(a) >= 2);
	CU_ASSERT_PTR_NULL(pnvme_ctrlr_get_ns(a, 0));
	CU_ASSERT_PTR_NULL(pnvme_ctrlr_get_ns(a, pnvme_ctrlr_get_num_ns(a) + 1));

	b = attach(g_cfg->trid_b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	/* Two controllers at once, B's small MDTS below A's (fabrics: both bounded). */
	if (!g_cfg->fabrics)
		CU_ASSERT_TRUE(pnvme_ctrlr_get_max_xfer_size(b) < pnvme_ctrlr_get_max_xfer_size(a));
	CU_ASSERT_TRUE(pnvme_ctrlr_get_max_xfer_size(a) > 0);
	CU_ASSERT_TRUE(pnvme_ctrlr_get_max_xfer_size(b) > 0);
	CU_ASSERT_EQUAL(pnvme_detach(b), 0);
	CU_ASSERT_EQUAL(pnvme_detach(a), 0);
}

static struct pnvme_ctrlr *g_probed[8];
static int g_num_probed;

static void probe_attach_cb(void *ctx, const struct pnvme_trid *trid, struct pnvme_ctrlr *c)
{
	(void)ctx;
	(void)trid;
	if (g_num_probed < 8)
		g_probed[g_num_probed++] = c;
}

static void test_probe_all(void)
{
	int n;

	if (!g_cfg->probe_finds_both)
		return;
	g_num_probed = 0;
	n = pnvme_probe(NULL, NULL, NULL, probe_attach_cb);
	CU_ASSERT_EQUAL(n, 2);
	CU_ASSERT_EQUAL(g_num_probed, 2);
	for (int i = 0; i < g_num_probed; i++)
		CU_ASSERT_EQUAL(pnvme_detach(g_probed[i]), 0);
}

/* ------------------------------------------------------------ data integrity */

struct slot {
	uint8_t *wbuf, *rbuf;
	struct iovec iov[8];
	int iovcnt;
	uint64_t lba;
	uint32_t count;
	struct io_wait w;
};

/* Cut the read buffer into page-aligned pieces, sometimes at a sector inside a page. */
static int make_iov(struct slot *s, uint32_t bytes, uint32_t sector, uint64_t *seed)
{
	uint32_t off = 0;
	int n = 0;

	while (off < bytes && n < 7) {
		uint32_t left = bytes - off, len;

		if (rnd(seed) % 3 == 0) {
			len = (uint32_t)(rnd(seed) % 4 + 1) * 4096;
		} else {
			len = (uint32_t)(rnd(seed) % 8 + 1) * sector;
		}
		if (len > left)
			len = left;
		s->iov[n].iov_base = s->rbuf + off;
		s->iov[n].iov_len = len;
		off += len;
		n++;
	}
	if (off < bytes) {
		s->iov[n].iov_base = s->rbuf + off;
		s->iov[n].iov_len = bytes - off;
		n++;
	}
	return n;
}

/* depth writes in flight, then depth reads (plain or vectored), rounds times. */
bool driver_suite_integrity(struct pnvme_ns *ns, struct pnvme_qpair *qp, int depth, int rounds,
		      uint64_t first_lba, uint64_t seed, uint32_t max_xfer)
{
	uint32_t ss = pnvme_ns_get_sector_size(ns);
	uint32_t max_bytes = 4 * max_xfer < (1u << 20) ? 4 * max_xfer : (1u << 20);
	uint32_t max_sectors = max_bytes / ss; /* up to 4x MDTS per I/O: the driver splits */
	struct slot *slots = calloc((size_t)depth, sizeof(*slots));
	bool ok = slots != NULL;

	for (int i = 0; ok && i < depth; i++) {
		slots[i].wbuf = pnvme_dma_zmalloc((size_t)max_sectors * ss, 4096, NULL);
		slots[i].rbuf = pnvme_dma_zmalloc((size_t)max_sectors * ss, 4096, NULL);
		ok = slots[i].wbuf && slots[i].rbuf;
	}
	for (int r = 0; ok && r < rounds; r++) {
		for (int i = 0; ok && i < depth; i++) {
			struct slot *s = &slots[i];

			s->count = (uint32_t)(rnd(&seed) % max_sectors) + 1;
			s->lba = first_lba + (uint64_t)i * max_sectors * 2 +
				 rnd(&seed) % max_sectors;
			fill(s->wbuf, (size_t)s->count * ss, seed + (uint64_t)i);
			memset(&s->w, 0, sizeof(s->w));
			ok = pnvme_ns_cmd_write(ns, qp, s->wbuf, s->lba, s->count, io_cb, &s->w, 0) == 0;
		}
		for (int i = 0; i < depth && ok; i++)
			ok = wait_all(qp, &slots[i].w, 1) && !pnvme_cpl_is_error(&slots[i].w.cpl);
		for (int i = 0; ok && i < depth; i++) {
			struct slot *s = &slots[i];
			int rc;

			memset(s->rbuf, 0xee, (size_t)s->count * ss);
			memset(&s->w, 0, sizeof(s->w));
			if (rnd(&seed) % 2) {
				s->iovcnt = make_iov(s, s->count * ss, ss, &seed);
				rc = pnvme_ns_cmd_readv(ns, qp, s->iov, s->iovcnt, s->lba, s->count, io_cb,
							&s->w, 0);
			} else {
				rc = pnvme_ns_cmd_read(ns, qp, s->rbuf, s->lba, s->count, io_cb, &s->w, 0);
			}
			ok = rc == 0;
		}
		for (int i = 0; ok && i < depth; i++) {
			struct slot *s = &slots[i];

			ok = wait_all(qp, &s->w, 1) && !pnvme_cpl_is_error(&s->w.cpl) &&
			     memcmp(s->wbuf, s->rbuf, (size_t)s->count * ss) == 0;
			if (!ok)
				fprintf(stderr, "integrity: slot %d LBA %llu count %u failed (%s)\n", i,
					(unsigned long long)s->lba, s->count,
					s->w.calls ? pnvme_cpl_status_str(&s->w.cpl) : "no completion");
		}
	}
	/* After a failure requests may still be out: their callbacks write into slots. */
	uint64_t deadline = pnvme_ticks() + 20 * pnvme_ticks_hz();

	while (pnvme_qpair_get_num_outstanding(qp) > 0 && pnvme_ticks() < deadline)
		pnvme_qpair_process_completions(qp, 0);
	if (pnvme_qpair_get_num_outstanding(qp) > 0)
		return false; /* leak the slots rather than free them under the device */
	for (int i = 0; slots != NULL && i < depth; i++) {
		pnvme_dma_free(slots[i].wbuf);
		pnvme_dma_free(slots[i].rbuf);
	}
	free(slots);
	return ok;
}

static void integrity_on(const char *trid, uint32_t queue_size, int depth, int rounds)
{
	struct pnvme_ctrlr *c = attach(trid);
	struct pnvme_io_qpair_opts opts;
	struct pnvme_qpair *qp;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	pnvme_ctrlr_get_default_io_qpair_opts(c, &opts, sizeof(opts));
	opts.io_queue_size = queue_size;
	opts.io_queue_requests = 4096;
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(c, &opts, &qp), 0);
	for (uint32_t id = pnvme_ctrlr_get_first_active_ns(c); id != 0;
	     id = pnvme_ctrlr_get_next_active_ns(c, id))
		CU_ASSERT_TRUE(driver_suite_integrity(pnvme_ctrlr_get_ns(c, id), qp, depth, rounds, 0, 42 + id,
					 pnvme_ctrlr_get_max_xfer_size(c)));
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(qp), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_free_io_qpair(qp), 0);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
}

static void test_integrity_qd1(void)
{
	integrity_on(g_cfg->trid_a, 64, 1, 24);
	integrity_on(g_cfg->trid_b, 64, 1, 24);
}

static void test_integrity_qd32(void)
{
	integrity_on(g_cfg->trid_a, 256, 32, 3);
	integrity_on(g_cfg->trid_b, 256, 32, 3);
}

static void test_integrity_beyond_hw_queue(void)
{
	/* 8 entries and up to 16 commands per I/O after splitting: the software queue works. */
	integrity_on(g_cfg->trid_a, 8, 48, 2);
	integrity_on(g_cfg->trid_b, 8, 48, 2);
}

static void test_integrity_shadow_doorbells(void)
{
	struct pnvme_ctrlr_opts opts;
	struct pnvme_ctrlr *c = NULL;
	struct pnvme_qpair *qp;

	/* Off by default; on request, the controller offering it, they carry all the I/O. */
	pnvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.shadow_doorbells = true;
	CU_ASSERT_EQUAL_FATAL(pnvme_connect(g_cfg->trid_a, &opts, &c), 0);
	CU_ASSERT_TRUE(pnvme_ctrlr_uses_shadow_doorbells(c));
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(c, NULL, &qp), 0);
	for (uint32_t id = pnvme_ctrlr_get_first_active_ns(c); id != 0;
	     id = pnvme_ctrlr_get_next_active_ns(c, id))
		CU_ASSERT_TRUE(driver_suite_integrity(pnvme_ctrlr_get_ns(c, id), qp, 32, 3, 0, 7 + id,
						      pnvme_ctrlr_get_max_xfer_size(c)));
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
}

/*
 * One write and one read of 2 x the maximum transfer + 3 sectors: the driver
 * splits each into children (three at least) that complete as one, once.
 */
static void test_split_beyond_max_xfer(void)
{
	struct pnvme_ctrlr *c = attach(g_cfg->trid_a);
	struct pnvme_qpair *qp;
	struct pnvme_ns *ns;
	struct io_wait w;
	uint8_t *a, *b;
	uint32_t ss, max_xfer, blocks;
	size_t bytes;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	max_xfer = pnvme_ctrlr_get_max_xfer_size(c);
	/* A controller without a limit (MDTS 0) still gets a bounded one from the driver. */
	CU_ASSERT_TRUE_FATAL(max_xfer > 0 && max_xfer <= (8u << 20));
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(c, NULL, &qp), 0);
	for (uint32_t id = pnvme_ctrlr_get_first_active_ns(c); id != 0;
	     id = pnvme_ctrlr_get_next_active_ns(c, id)) {
		ns = pnvme_ctrlr_get_ns(c, id);
		ss = pnvme_ns_get_sector_size(ns);
		blocks = 2 * (max_xfer / ss) + 3;
		bytes = (size_t)blocks * ss;
		a = pnvme_dma_zmalloc(bytes, 4096, NULL);
		b = pnvme_dma_zmalloc(bytes, 4096, NULL);
		CU_ASSERT_PTR_NOT_NULL_FATAL(a);
		CU_ASSERT_PTR_NOT_NULL_FATAL(b);
		fill(a, bytes, 1234 + id);
		memset(b, 0xee, bytes);
		memset(&w, 0, sizeof(w));
		CU_ASSERT_EQUAL(sync_cmd(qp, pnvme_ns_cmd_write(ns, qp, a, 64, blocks, io_cb, &w, 0),
					 &w), 0);
		CU_ASSERT_EQUAL(w.calls, 1);
		CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
		memset(&w, 0, sizeof(w));
		CU_ASSERT_EQUAL(sync_cmd(qp, pnvme_ns_cmd_read(ns, qp, b, 64, blocks, io_cb, &w, 0),
					 &w), 0);
		CU_ASSERT_EQUAL(w.calls, 1);
		CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
		CU_ASSERT_EQUAL(memcmp(a, b, bytes), 0);
		pnvme_dma_free(a);
		pnvme_dma_free(b);
	}
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(qp), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_free_io_qpair(qp), 0);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
}

/* ------------------------------------------------------------ other commands */

static int sync_cmd(struct pnvme_qpair *qp, int rc, struct io_wait *w)
{
	if (rc != 0)
		return rc;
	return wait_all(qp, w, 1) ? 0 : -ETIMEDOUT;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}

static void test_zeroes_dealloc_compare_flush(void)
{
	struct pnvme_ctrlr *c = attach(g_cfg->trid_a);
	struct pnvme_qpair *qp;
	struct pnvme_ns *ns;
	struct io_wait w;
	uint8_t *a, *b;
	uint32_t ss;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(c, NULL, &qp), 0);
	ns = pnvme_ctrlr_get_ns(c, pnvme_ctrlr_get_first_active_ns(c));
	ss = pnvme_ns_get_sector_size(ns);
	a = pnvme_dma_zmalloc(16 * ss, 4096, NULL);
	b = pnvme_dma_zmalloc(16 * ss, 4096, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);

	fill(a, 16 * ss, 7);
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(sync_cmd(qp, pnvme_ns_cmd_write(ns, qp, a, 1000, 16, io_cb, &w, 0), &w), 0);
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(sync_cmd(qp, pnvme_ns_cmd_write_zeroes(ns, qp, 1004, 4, io_cb, &w, 0), &w), 0);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(sync_cmd(qp, pnvme_ns_cmd_read(ns, qp, b, 1000, 16, io_cb, &w, 0), &w), 0);
	CU_ASSERT_EQUAL(memcmp(a, b, 4 * ss), 0);
	CU_ASSERT_TRUE(all_zero(b + 4 * ss, 4 * ss));
	CU_ASSERT_EQUAL(memcmp(a + 8 * ss, b + 8 * ss, 8 * ss), 0);

	/* Compare: equal data succeeds, different data fails with Compare Failure. */
	if (pnvme_ctrlr_get_data(c)->oncs & PNVME_ONCS_COMPARE) {
		memset(&w, 0, sizeof(w));
		CU_ASSERT_EQUAL(sync_cmd(qp, pnvme_ns_cmd_compare(ns, qp, b, 1000, 16, io_cb, &w, 0),
					 &w), 0);
		CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
		b[ss + 3] ^= 0xff;
		memset(&w, 0, sizeof(w));
		CU_ASSERT_EQUAL(sync_cmd(qp, pnvme_ns_cmd_compare(ns, qp, b, 1000, 16, io_cb, &w, 0),
					 &w), 0);
		CU_ASSERT_TRUE(pnvme_cpl_is_error(&w.cpl));
		CU_ASSERT_EQUAL(w.cpl.status.sct, PNVME_SCT_MEDIA_ERROR);
		CU_ASSERT_EQUAL(w.cpl.status.sc, PNVME_SC_COMPARE_FAILURE);
	} else {
		printf("\n    (compare left out: ONCS 0x%x has no Compare) ",
		       pnvme_ctrlr_get_data(c)->oncs);
	}

	/* Deallocate, then read zeroes (where the controller says it reads them so). */
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(sync_cmd(qp, pnvme_ns_cmd_deallocate(ns, qp, 1000, 16, io_cb, &w), &w), 0);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	if (g_cfg->deallocate_zeroes) {
		memset(&w, 0, sizeof(w));
		CU_ASSERT_EQUAL(sync_cmd(qp, pnvme_ns_cmd_read(ns, qp, b, 1000, 16, io_cb, &w, 0), &w),
				0);
		CU_ASSERT_TRUE(all_zero(b, 16 * ss));
	}
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(sync_cmd(qp, pnvme_ns_cmd_flush(ns, qp, io_cb, &w), &w), 0);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));

	pnvme_dma_free(a);
	pnvme_dma_free(b);
	CU_ASSERT_EQUAL(pnvme_ctrlr_free_io_qpair(qp), 0);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
}

static int admin_sync(struct pnvme_ctrlr *c, struct pnvme_cmd *cmd, void *buf, uint32_t len,
		      struct io_wait *w)
{
	uint64_t deadline = pnvme_ticks() + 10 * pnvme_ticks_hz();
	int rc;

	memset(w, 0, sizeof(*w));
	rc = pnvme_ctrlr_cmd_admin_raw(c, cmd, buf, len, io_cb, w);
	if (rc != 0)
		return rc;
	while (w->calls == 0 && pnvme_ticks() < deadline)
		pnvme_ctrlr_process_admin_completions(c);
	return w->calls == 1 ? 0 : -ETIMEDOUT;
}

static void test_admin_passthrough(void)
{
	struct pnvme_ctrlr *c = attach(g_cfg->trid_a);
	struct pnvme_health_log *smart;
	struct pnvme_cmd cmd;
	struct io_wait w;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	smart = pnvme_dma_zmalloc(sizeof(*smart), 4096, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(smart);
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = PNVME_OPC_GET_LOG_PAGE;
	cmd.nsid = 0xffffffffu;
	cmd.cdw10 = PNVME_LOG_PAGE_HEALTH | ((uint32_t)(sizeof(*smart) / 4 - 1) << 16);
	CU_ASSERT_EQUAL(admin_sync(c, &cmd, smart, sizeof(*smart), &w), 0);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	if (!g_cfg->fabrics) /* Linux's nvmet reports no temperature */
		CU_ASSERT_TRUE(smart->temperature > 200); /* Kelvin */

	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = PNVME_OPC_GET_FEATURES;
	cmd.cdw10 = PNVME_FEAT_NUMBER_OF_QUEUES;
	CU_ASSERT_EQUAL(admin_sync(c, &cmd, NULL, 0, &w), 0);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	CU_ASSERT_TRUE((w.cpl.cdw0 & 0xffff) + 1 >= pnvme_ctrlr_get_num_io_queues(c));

	/* A log page nobody defines: an error status, delivered in the callback. */
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = PNVME_OPC_GET_LOG_PAGE;
	cmd.cdw10 = 0x6f | (127u << 16);
	CU_ASSERT_EQUAL(admin_sync(c, &cmd, smart, sizeof(*smart), &w), 0);
	CU_ASSERT_TRUE(pnvme_cpl_is_error(&w.cpl));

	/* Not DMA memory: refused at submission (a fabrics transport copies any memory). */
	static uint8_t not_dma[512];
	if (!g_cfg->fabrics)
		CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_admin_raw(c, &cmd, not_dma, sizeof(not_dma), io_cb,
							  &w), -EINVAL);
	pnvme_dma_free(smart);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
}

/*
 * Fabrics: the transport copies the payload, so plain heap memory is a valid
 * buffer for I/O and for admin commands (PCIe refuses it: test_bad_input).
 */
static void test_heap_buffers(void)
{
	struct pnvme_ctrlr *c = attach(g_cfg->trid_a);
	struct pnvme_health_log *smart;
	struct pnvme_qpair *qp;
	struct pnvme_ns *ns;
	struct pnvme_cmd cmd;
	struct io_wait w;
	uint8_t *a, *b;
	uint32_t ss;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(c, NULL, &qp), 0);
	ns = pnvme_ctrlr_get_ns(c, pnvme_ctrlr_get_first_active_ns(c));
	ss = pnvme_ns_get_sector_size(ns);
	a = malloc(64 * (size_t)ss);
	b = malloc(64 * (size_t)ss);
	smart = malloc(sizeof(*smart));
	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_PTR_NOT_NULL_FATAL(smart);
	fill(a, 64 * (size_t)ss, 4242);
	memset(b, 0xee, 64 * (size_t)ss);
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(sync_cmd(qp, pnvme_ns_cmd_write(ns, qp, a + 8, 7000, 63, io_cb, &w, 0), &w),
			0); /* not even sector aligned */
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	memset(&w, 0, sizeof(w));
	CU_ASSERT_EQUAL(sync_cmd(qp, pnvme_ns_cmd_read(ns, qp, b, 7000, 63, io_cb, &w, 0), &w), 0);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	CU_ASSERT_EQUAL(memcmp(a + 8, b, 63 * (size_t)ss), 0);

	memset(smart, 0xff, sizeof(*smart));
	memset(&cmd, 0, sizeof(cmd));
	cmd.opc = PNVME_OPC_GET_LOG_PAGE;
	cmd.nsid = 0xffffffffu;
	cmd.cdw10 = PNVME_LOG_PAGE_HEALTH | ((uint32_t)(sizeof(*smart) / 4 - 1) << 16);
	CU_ASSERT_EQUAL(admin_sync(c, &cmd, smart, sizeof(*smart), &w), 0);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	/* The log landed in the heap buffer: its reserved tail is zeroes, not the 0xff put there. */
	CU_ASSERT_TRUE(all_zero((const uint8_t *)smart + 256, sizeof(*smart) - 256));
	free(a);
	free(b);
	free(smart);
	CU_ASSERT_EQUAL(pnvme_ctrlr_free_io_qpair(qp), 0);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
}

/* ------------------------------------------------------------ detach, threads, bad input */

/* A 16-entry qpair with a large request pool (most I/O waits in software), first namespace. */
static int open_small_queue(struct pnvme_ctrlr *c, struct pnvme_qpair **qp, struct pnvme_ns **ns)
{
	struct pnvme_io_qpair_opts opts;

	pnvme_ctrlr_get_default_io_qpair_opts(c, &opts, sizeof(opts));
	opts.io_queue_size = 16;
	opts.io_queue_requests = 256;
	*ns = pnvme_ctrlr_get_ns(c, pnvme_ctrlr_get_first_active_ns(c));
	return pnvme_ctrlr_alloc_io_qpair(c, &opts, qp);
}

static void test_detach_with_outstanding(void)
{
	struct pnvme_ctrlr *c = attach(g_cfg->trid_a);
	struct pnvme_qpair *qp;
	struct pnvme_ns *ns;
	struct io_wait w[64], pw;
	uint8_t *buf, *check;
	uint32_t ss;
	int accepted = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(open_small_queue(c, &qp, &ns), 0);
	ss = pnvme_ns_get_sector_size(ns);
	buf = pnvme_dma_zmalloc(64 * 8 * ss, 4096, NULL);
	check = pnvme_dma_zmalloc(8 * ss, 4096, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_PTR_NOT_NULL_FATAL(check);

	/* Something known on the medium first. */
	fill(buf, 8 * ss, 99);
	memset(&pw, 0, sizeof(pw));
	CU_ASSERT_EQUAL(sync_cmd(qp, pnvme_ns_cmd_write(ns, qp, buf, 5000, 8, io_cb, &pw, 0), &pw), 0);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&pw.cpl));

	memset(w, 0, sizeof(w));
	for (int i = 0; i < 64; i++) {
		if (pnvme_ns_cmd_read(ns, qp, buf + (size_t)i * 8 * ss, 20000 + (uint64_t)i * 8, 8,
				      io_cb, &w[i], 0) == 0)
			accepted++;
	}
	CU_ASSERT_EQUAL(accepted, 64);
	CU_ASSERT_TRUE(pnvme_qpair_get_num_outstanding(qp) > 16); /* some wait in software */
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
	for (int i = 0; i < 64; i++) {
		CU_ASSERT_EQUAL(w[i].calls, 1);
		if (pnvme_cpl_is_error(&w[i].cpl))
			CU_ASSERT_EQUAL(w[i].cpl.status.sc, PNVME_SC_ABORTED_SQ_DELETION);
	}

	/* Attach again: what was written before is still there. */
	c = attach(g_cfg->trid_a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(c, NULL, &qp), 0);
	ns = pnvme_ctrlr_get_ns(c, pnvme_ctrlr_get_first_active_ns(c));
	fill(buf, 8 * ss, 99);
	memset(&pw, 0, sizeof(pw));
	CU_ASSERT_EQUAL(sync_cmd(qp, pnvme_ns_cmd_read(ns, qp, check, 5000, 8, io_cb, &pw, 0), &pw),
			0);
	if (g_cfg->persistent)
		CU_ASSERT_EQUAL(memcmp(buf, check, 8 * ss), 0);
	pnvme_dma_free(buf);
	pnvme_dma_free(check);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
}

static void test_reset_with_io_in_flight(void)
{
	struct pnvme_ctrlr *c = attach(g_cfg->trid_a);
	struct pnvme_qpair *qp;
	struct pnvme_ns *ns;
	struct io_wait w[64];
	uint8_t *buf;
	uint32_t ss;

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL_FATAL(open_small_queue(c, &qp, &ns), 0);
	ss = pnvme_ns_get_sector_size(ns);
	buf = pnvme_dma_zmalloc(64 * 8 * ss, 4096, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memset(w, 0, sizeof(w));
	for (int i = 0; i < 64; i++)
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns, qp, buf + (size_t)i * 8 * ss,
						  30000 + (uint64_t)i * 8, 8, io_cb, &w[i], 0), 0);
	/* A controller reset with commands in the device and in the software queue. */
	CU_ASSERT_EQUAL(pnvme_ctrlr_reset(c), 0);
	/* The qpair's owner (this thread) completes them at its next polls. */
	for (uint64_t end = pnvme_ticks() + 5 * pnvme_ticks_hz();
	     pnvme_qpair_get_num_outstanding(qp) > 0 && pnvme_ticks() < end;)
		pnvme_qpair_process_completions(qp, 0);
	for (int i = 0; i < 64; i++) {
		CU_ASSERT_EQUAL(w[i].calls, 1);
		if (pnvme_cpl_is_error(&w[i].cpl))
			CU_ASSERT_EQUAL(w[i].cpl.status.sc, PNVME_SC_ABORTED_SQ_DELETION);
	}
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(qp), 0);
	/* The same handles carry verified I/O after it, and nothing old comes back. */
	CU_ASSERT_TRUE(pnvme_ns_is_active(ns));
	CU_ASSERT_TRUE(driver_suite_integrity(ns, qp, 8, 3, 40000, 11,
					      pnvme_ctrlr_get_max_xfer_size(c)));
	for (int i = 0; i < 64; i++)
		CU_ASSERT_EQUAL(w[i].calls, 1);
	pnvme_dma_free(buf);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
}

/*
 * Reset during heavy I/O: two threads with two qpairs each keep writing and
 * verifying while this thread resets the controller. Resubmission is on, so
 * every request must end in success and every byte read back must match.
 */
#define HEAVY_DEPTH 16
#define HEAVY_BLOCKS 8

struct heavy_thread {
	struct pnvme_ctrlr *c;
	struct pnvme_qpair *qp[2];
	uint64_t first_lba;
	volatile bool *stop;
	uint64_t rounds, errors, mismatches, lost;
};

static bool heavy_wait(struct heavy_thread *t, struct io_wait *w, int n)
{
	uint64_t deadline = pnvme_ticks() + 60 * pnvme_ticks_hz();

	for (;;) {
		int done = 0;

		for (int i = 0; i < n; i++)
			done += w[i].calls > 0;
		if (done == n)
			return true;
		if (pnvme_ticks() > deadline)
			return false;
		pnvme_qpair_process_completions(t->qp[0], 0);
		pnvme_qpair_process_completions(t->qp[1], 0);
	}
}

static void *heavy_main(void *p)
{
	struct heavy_thread *t = p;
	struct pnvme_ns *ns = pnvme_ctrlr_get_ns(t->c, pnvme_ctrlr_get_first_active_ns(t->c));
	uint32_t ss = pnvme_ns_get_sector_size(ns), bytes = HEAVY_BLOCKS * ss;
	struct io_wait w[2 * HEAVY_DEPTH];
	uint8_t *wbuf = pnvme_dma_zmalloc((size_t)2 * HEAVY_DEPTH * bytes, 4096, NULL);
	uint8_t *rbuf = pnvme_dma_zmalloc((size_t)2 * HEAVY_DEPTH * bytes, 4096, NULL);
	uint64_t seed = t->first_lba + 1;

	while (wbuf && rbuf && !*t->stop) {
		int n = 2 * HEAVY_DEPTH;

		fill(wbuf, (size_t)n * bytes, seed++);
		memset(rbuf, 0xee, (size_t)n * bytes);
		memset(w, 0, sizeof(w));
		for (int i = 0; i < n; i++)
			if (pnvme_ns_cmd_write(ns, t->qp[i % 2], wbuf + (size_t)i * bytes,
					       t->first_lba + (uint64_t)i * HEAVY_BLOCKS, HEAVY_BLOCKS,
					       io_cb, &w[i], 0) != 0)
				w[i].calls = -1000; /* refused: counted as an error below */
		if (!heavy_wait(t, w, n)) {
			t->lost++;
			break;
		}
		for (int i = 0; i < n; i++)
			t->errors += w[i].calls != 1 || pnvme_cpl_is_error(&w[i].cpl);
		memset(w, 0, sizeof(w));
		for (int i = 0; i < n; i++)
			if (pnvme_ns_cmd_read(ns, t->qp[i % 2], rbuf + (size_t)i * bytes,
					      t->first_lba + (uint64_t)i * HEAVY_BLOCKS, HEAVY_BLOCKS,
					      io_cb, &w[i], 0) != 0)
				w[i].calls = -1000;
		if (!heavy_wait(t, w, n)) {
			t->lost++;
			break;
		}
		for (int i = 0; i < n; i++)
			t->errors += w[i].calls != 1 || pnvme_cpl_is_error(&w[i].cpl);
		t->mismatches += memcmp(wbuf, rbuf, (size_t)n * bytes) != 0;
		t->rounds++;
	}
	pnvme_dma_free(wbuf);
	pnvme_dma_free(rbuf);
	return NULL;
}

static void test_reset_during_heavy_io(void)
{
	struct pnvme_ctrlr_opts opts;
	struct pnvme_ctrlr *c = NULL;
	struct heavy_thread t[2];
	volatile bool stop = false;
	pthread_t th[2];

	pnvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.reset_resubmit = true;
	CU_ASSERT_EQUAL_FATAL(pnvme_connect(g_cfg->trid_a, &opts, &c), 0);
	for (int i = 0; i < 2; i++) {
		t[i] = (struct heavy_thread){.c = c, .first_lba = 200000 + (uint64_t)i * 4096,
					     .stop = &stop};
		CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(c, NULL, &t[i].qp[0]), 0);
		CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(c, NULL, &t[i].qp[1]), 0);
	}
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, heavy_main, &t[i]), 0);
	/* Three resets while the threads run, with admin polling in between. */
	for (int r = 0; r < 3; r++) {
		uint64_t until = pnvme_ticks() + pnvme_ticks_hz() / 5;

		while (pnvme_ticks() < until)
			pnvme_ctrlr_process_admin_completions(c);
		CU_ASSERT_EQUAL(pnvme_ctrlr_reset(c), 0);
	}
	for (uint64_t until = pnvme_ticks() + pnvme_ticks_hz() / 5; pnvme_ticks() < until;)
		pnvme_ctrlr_process_admin_completions(c);
	stop = true;
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_num_resets(c), 3);
	for (int i = 0; i < 2; i++) {
		CU_ASSERT_TRUE(t[i].rounds > 0);
		CU_ASSERT_EQUAL(t[i].errors, 0);
		CU_ASSERT_EQUAL(t[i].mismatches, 0);
		CU_ASSERT_EQUAL(t[i].lost, 0);
		CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(t[i].qp[0]), 0);
		CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(t[i].qp[1]), 0);
	}
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
}

struct thread_arg {
	struct pnvme_ctrlr *c;
	uint64_t first_lba;
	bool ok;
};

static void *thread_main(void *p)
{
	struct thread_arg *t = p;
	struct pnvme_io_qpair_opts opts;
	struct pnvme_qpair *qp;

	pnvme_ctrlr_get_default_io_qpair_opts(t->c, &opts, sizeof(opts));
	opts.io_queue_requests = 2048;
	if (pnvme_ctrlr_alloc_io_qpair(t->c, &opts, &qp) != 0)
		return NULL;
	t->ok = driver_suite_integrity(pnvme_ctrlr_get_ns(t->c, pnvme_ctrlr_get_first_active_ns(t->c)), qp, 8,
			  4, t->first_lba, t->first_lba + 1, pnvme_ctrlr_get_max_xfer_size(t->c));
	pnvme_ctrlr_free_io_qpair(qp);
	return NULL;
}

static void test_two_threads(void)
{
	struct pnvme_ctrlr *c = attach(g_cfg->trid_a);
	struct thread_arg args[2] = {{c, 0, false}, {c, 100000, false}};
	pthread_t th[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL_FATAL(pthread_create(&th[i], NULL, thread_main, &args[i]), 0);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	CU_ASSERT_TRUE(args[0].ok);
	CU_ASSERT_TRUE(args[1].ok);
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
}

static void test_bad_input(void)
{
	struct pnvme_ctrlr *a = attach(g_cfg->trid_a), *b = attach(g_cfg->trid_b);
	struct pnvme_io_qpair_opts opts;
	struct pnvme_qpair *qa, *qb;
	struct pnvme_ns *ns;
	struct io_wait w = {0};
	uint8_t *buf, *heap;

	CU_ASSERT_PTR_NOT_NULL_FATAL(a);
	CU_ASSERT_PTR_NOT_NULL_FATAL(b);
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(a, NULL, &qa), 0);
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(b, NULL, &qb), 0);
	ns = pnvme_ctrlr_get_ns(a, pnvme_ctrlr_get_first_active_ns(a));
	buf = pnvme_dma_zmalloc(4096, 4096, NULL);
	heap = malloc(4096);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns, qa, buf, pnvme_ns_get_num_sectors(ns), 1, io_cb, &w, 0),
			-EINVAL);
	if (!g_cfg->fabrics) /* a fabrics transport copies any memory */
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns, qa, heap, 0, 1, io_cb, &w, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns, qb, buf, 0, 1, io_cb, &w, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write(ns, qa, buf, 0, 0, io_cb, &w, 0), -EINVAL);
	CU_ASSERT_EQUAL(w.calls, 0);
	pnvme_ctrlr_get_default_io_qpair_opts(a, &opts, sizeof(opts));
	opts.io_queue_size = 1 + (uint32_t)PNVME_CAP_MQES(pnvme_ctrlr_get_cap(a)) + 1;
	CU_ASSERT_EQUAL(pnvme_ctrlr_alloc_io_qpair(a, &opts, &qb), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_connect("trtype:pcie traddr:0000:7f:1f.7", NULL, &a), -ENODEV);
	CU_ASSERT_EQUAL(pnvme_connect("nonsense", NULL, &a), -EINVAL);
	if (g_cfg->fabrics) {
		/* A port where nothing listens: refused, no controller. */
		struct pnvme_ctrlr *none = NULL;

		CU_ASSERT_NOT_EQUAL(pnvme_connect("trtype:tcp adrfam:ipv4 traddr:127.0.0.1 "
						  "trsvcid:4999 subnqn:nqn.2014-08.io.pnvme:none",
						  NULL, &none), 0);
		CU_ASSERT_PTR_NULL(none);
	}
	free(heap);
	pnvme_dma_free(buf);
	CU_ASSERT_EQUAL(pnvme_detach(a), 0);
	CU_ASSERT_EQUAL(pnvme_detach(b), 0);
}

/* Why a test cannot apply to this configuration, or NULL. */
static const char *skip_reason(CU_TestFunc fn)
{
	if (g_cfg->fabrics && fn == test_probe_all)
		return "pnvme_probe(NULL) enumerates PCI functions bound to vfio-pci; a fabrics "
		       "controller is reached only by its transport ID";
	if (!g_cfg->fabrics && fn == test_heap_buffers)
		return "the PCIe transport (QEMU's device, the software one) takes DMA memory only; "
		       "heap memory is refused (bad input)";
	if (g_cfg->fabrics && fn == test_integrity_shadow_doorbells)
		return "shadow doorbells (Doorbell Buffer Config) stand in for PCIe doorbell "
		       "writes; NVMe/TCP has no doorbells";
	return NULL;
}

void driver_suite_register(const struct driver_suite_config *cfg)
{
	static struct test_case run[32];
	static const struct test_case tests[] = {
		{"identify: model, namespaces, LBA formats, two controllers", test_identify},
		{"probe attaches every vfio-bound controller", test_probe_all},
		{"data integrity at QD 1 (plain and vectored, 1 block to 4x MDTS)",
		 test_integrity_qd1},
		{"data integrity at QD 32", test_integrity_qd32},
		{"data integrity deeper than the hardware queue", test_integrity_beyond_hw_queue},
		{"data integrity with shadow doorbells", test_integrity_shadow_doorbells},
		{"one write and read of 2x the max transfer + 3 sectors, split",
		 test_split_beyond_max_xfer},
		{"write zeroes, deallocate, compare, flush", test_zeroes_dealloc_compare_flush},
		{"admin passthrough: SMART log, Get Features, errors", test_admin_passthrough},
		{"fabrics: I/O and admin commands from plain heap memory", test_heap_buffers},
		{"detach with I/O outstanding, then attach and read back",
		 test_detach_with_outstanding},
		{"reset with I/O in flight: each completes once, handles work after",
		 test_reset_with_io_in_flight},
		{"two threads, a qpair each, verifying", test_two_threads},
		{"reset during heavy I/O: 2 threads x 2 qpairs, resubmitted, verified",
		 test_reset_during_heavy_io},
		{"bad input gets -EINVAL and no callback", test_bad_input},
		{NULL, NULL},
	};

	size_t n = 0;

	g_cfg = cfg;
	for (const struct test_case *t = tests; t->name != NULL; t++) {
		const char *why = skip_reason(t->fn);

		if (why != NULL) {
			printf("driver: SKIP \"%s\": %s\n", t->name, why);
			continue;
		}
		if (n + 1 < sizeof(run) / sizeof(run[0]))
			run[n++] = *t;
	}
	run[n] = (struct test_case){NULL, NULL};
	test_add_suite("driver", NULL, NULL, run);
}
