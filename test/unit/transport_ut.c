/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transport interface: a fake transport, registered by the test, carries
 * commands in a list of its own and completes them through the common
 * nvme_qpair_complete_cid(). Found by trtype; lib/nvme never takes PCIe's
 * inline path for it; every callback comes exactly once; bogus, stale and
 * duplicate CIDs are counted and dropped; the software queue is fed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "common/test_env.h"
#include "nvme/ctrlr.h"
#include "nvme/qpair.h"
#include "nvme/transport.h"

#define FAKE_MAX 64

/* What the fake "wire" holds: commands sent and not completed yet. */
struct fake_qpair {
	struct pnvme_cmd sent[FAKE_MAX];
	uint32_t num_sent;
	uint32_t flushes;
	uint32_t processed_calls;
};

static int fake_qpair_init(struct pnvme_qpair *qp, uint32_t max_xfer)
{
	(void)max_xfer;
	qp->tr_qpair = calloc(1, sizeof(struct fake_qpair));
	return qp->tr_qpair != NULL ? 0 : -ENOMEM;
}

static void fake_qpair_fini(struct pnvme_qpair *qp)
{
	free(qp->tr_qpair);
	qp->tr_qpair = NULL;
}

static int fake_qpair_submit(struct pnvme_qpair *qp, struct nvme_tracker *tr,
			     struct nvme_request *req)
{
	struct fake_qpair *f = qp->tr_qpair;

	CU_ASSERT_PTR_EQUAL(tr->req, req);
	CU_ASSERT_EQUAL(tr->cid, req->cmd.cid);
	if (f->num_sent == FAKE_MAX)
		return -EIO;
	f->sent[f->num_sent++] = req->cmd;
	return 0;
}

/* The device answers everything sent, in order, success; each through the common path. */
static uint32_t fake_qpair_process(struct pnvme_qpair *qp, uint32_t max)
{
	struct fake_qpair *f = qp->tr_qpair;
	uint32_t n = 0;

	f->processed_calls++;
	while (n < max && n < f->num_sent) {
		struct pnvme_cpl cpl = {.cid = f->sent[n].cid, .sqid = qp->qid};

		nvme_qpair_complete_cid(qp, &cpl);
		n++;
	}
	memmove(f->sent, f->sent + n, (f->num_sent - n) * sizeof(f->sent[0]));
	f->num_sent -= n;
	return n;
}

static void fake_qpair_flush(struct pnvme_qpair *qp)
{
	((struct fake_qpair *)qp->tr_qpair)->flushes++;
}

static const struct nvme_transport_ops g_fake = {
	.name = "fake",
	.kind = NVME_TRANSPORT_OTHER,
	.needs_dma = false,
	.qpair_init = fake_qpair_init,
	.qpair_fini = fake_qpair_fini,
	.qpair_submit = fake_qpair_submit,
	.qpair_process = fake_qpair_process,
	.qpair_flush = fake_qpair_flush,
};

static struct pnvme_ctrlr g_ctrlr;
static struct pnvme_ns g_ns;
static uint8_t *g_buf;

struct done {
	int calls;
	struct pnvme_cpl cpl;
};

static void on_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct done *d = arg;

	d->calls++;
	d->cpl = *cpl;
}

static int setup(void)
{
	struct pnvme_ns_data nsd;

	memset(&nsd, 0, sizeof(nsd));
	nsd.nsze = nsd.ncap = 1u << 20;
	nsd.lbaf[0].lbads = 9;
	nvme_transport_register(&g_fake);
	g_ctrlr.tr = nvme_transport_find("fake");
	g_ctrlr.max_xfer = 128 * 1024;
	nvme_ns_init(&g_ns, &g_ctrlr, 1, &nsd);
	g_buf = pnvme_dma_zmalloc(1u << 20, 4096, NULL);
	return g_buf ? 0 : -1;
}

static int teardown(void)
{
	nvme_transport_unregister(&g_fake);
	pnvme_dma_free(g_buf);
	return 0;
}

static struct fake_qpair *fake(struct pnvme_qpair *qp)
{
	return qp->tr_qpair;
}

static void test_found_by_trtype(void)
{
	CU_ASSERT_PTR_EQUAL(nvme_transport_find("fake"), &g_fake);
	/* Registering twice keeps one entry; PCIe answers for every other name. */
	nvme_transport_register(&g_fake);
	CU_ASSERT_PTR_EQUAL(nvme_transport_find("pcie"), &nvme_pcie_transport);
	CU_ASSERT_PTR_EQUAL(nvme_transport_find("sim"), &nvme_pcie_transport);
	CU_ASSERT_TRUE(nvme_pcie_transport.needs_dma);
	CU_ASSERT_EQUAL(nvme_pcie_transport.kind, NVME_TRANSPORT_PCIE);
}

static void test_qpair_uses_the_table(void)
{
	struct pnvme_qpair qp;

	CU_ASSERT_EQUAL_FATAL(nvme_qpair_init(&qp, &g_ctrlr, 1, 16, 32, g_ctrlr.max_xfer), 0);
	CU_ASSERT_PTR_EQUAL(qp.tr, &g_fake);
	CU_ASSERT_EQUAL(qp.tr_kind, NVME_TRANSPORT_OTHER);
	/* No rings: PCIe's inline code would fault on them. */
	CU_ASSERT_PTR_NULL(qp.pcie.sq);
	CU_ASSERT_PTR_NULL(qp.pcie.cq);
	CU_ASSERT_NOT_EQUAL(qp.fast_off & NVME_FAST_OFF_TRANSPORT, 0);
	CU_ASSERT_PTR_NOT_NULL_FATAL(qp.tr_qpair);
	nvme_qpair_fini(&qp);
	CU_ASSERT_PTR_NULL(qp.tr_qpair);
}

static void test_each_callback_once(void)
{
	struct pnvme_qpair qp;
	struct done d[8];

	memset(d, 0, sizeof(d));
	CU_ASSERT_EQUAL_FATAL(nvme_qpair_init(&qp, &g_ctrlr, 1, 16, 32, g_ctrlr.max_xfer), 0);
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf + i * 4096, (uint64_t)i * 8, 8,
						  on_done, &d[i], 0), 0);
	CU_ASSERT_EQUAL(fake(&qp)->num_sent, 8);
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(&qp), 8);
	/* The command went down as built: opcode, LBA, a fresh CID each. */
	CU_ASSERT_EQUAL(fake(&qp)->sent[3].opc, PNVME_OPC_READ);
	CU_ASSERT_EQUAL(fake(&qp)->sent[3].cdw10, 24);
	CU_ASSERT_NOT_EQUAL(fake(&qp)->sent[3].cid, fake(&qp)->sent[4].cid);

	struct pnvme_cmd first = fake(&qp)->sent[0];

	CU_ASSERT_EQUAL(pnvme_qpair_process_completions(&qp, 0), 4); /* capped: 16 / 4 */
	CU_ASSERT_EQUAL(pnvme_qpair_process_completions(&qp, 0), 4);
	CU_ASSERT_TRUE(fake(&qp)->flushes >= 2); /* once per poll, through the table */
	for (int i = 0; i < 8; i++) {
		CU_ASSERT_EQUAL(d[i].calls, 1);
		CU_ASSERT_FALSE(pnvme_cpl_is_error(&d[i].cpl));
	}
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(&qp), 0);

	/* A duplicate of a completion already taken: dropped, counted, no callback. */
	struct pnvme_cpl dup = {.cid = first.cid, .sqid = 1};
	struct pnvme_qpair_stats st;

	CU_ASSERT_FALSE(nvme_qpair_complete_cid(&qp, &dup));
	/* A CID no tracker has, and one outside every tracker's generation. */
	dup.cid = 0x7fff;
	CU_ASSERT_FALSE(nvme_qpair_complete_cid(&qp, &dup));
	dup.cid = 15;
	CU_ASSERT_FALSE(nvme_qpair_complete_cid(&qp, &dup));
	pnvme_qpair_get_stats(&qp, &st);
	CU_ASSERT_EQUAL(st.invalid_completions, 3);
	CU_ASSERT_EQUAL(st.sq_doorbell_writes, 0); /* no MMIO on this transport */
	for (int i = 0; i < 8; i++)
		CU_ASSERT_EQUAL(d[i].calls, 1);
	nvme_qpair_fini(&qp);
}

/* needs_dma false: a buffer outside DMA memory is the transport's to carry. */
static void test_any_memory(void)
{
	struct pnvme_qpair qp;
	struct done d = {0};
	uint8_t *heap = malloc(8192);

	CU_ASSERT_PTR_NOT_NULL_FATAL(heap);
	CU_ASSERT_EQUAL_FATAL(nvme_qpair_init(&qp, &g_ctrlr, 1, 16, 32, g_ctrlr.max_xfer), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write(&g_ns, &qp, heap, 0, 16, on_done, &d, 0), 0);
	CU_ASSERT_EQUAL(fake(&qp)->num_sent, 1);
	CU_ASSERT_EQUAL(pnvme_qpair_process_completions(&qp, 0), 1);
	CU_ASSERT_EQUAL(d.calls, 1);
	nvme_qpair_fini(&qp);
	free(heap);
}

static void test_software_queue_is_fed(void)
{
	struct pnvme_qpair qp;
	struct done d[6];

	memset(d, 0, sizeof(d));
	/* 4 entries: 3 trackers; 3 more requests wait in the software queue. */
	CU_ASSERT_EQUAL_FATAL(nvme_qpair_init(&qp, &g_ctrlr, 1, 4, 8, g_ctrlr.max_xfer), 0);
	for (int i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(pnvme_ns_cmd_flush(&g_ns, &qp, on_done, &d[i]), 0);
	CU_ASSERT_EQUAL(fake(&qp)->num_sent, 3);
	for (int polls = 0; polls < 16 && pnvme_qpair_get_num_outstanding(&qp) != 0; polls++)
		CU_ASSERT_TRUE(pnvme_qpair_process_completions(&qp, 0) >= 0);
	for (int i = 0; i < 6; i++)
		CU_ASSERT_EQUAL(d[i].calls, 1);
	CU_ASSERT_EQUAL(fake(&qp)->num_sent, 0);
	nvme_qpair_fini(&qp);
}

static void test_abort_all_once(void)
{
	struct pnvme_qpair qp;
	struct done d[5];

	memset(d, 0, sizeof(d));
	CU_ASSERT_EQUAL_FATAL(nvme_qpair_init(&qp, &g_ctrlr, 1, 4, 8, g_ctrlr.max_xfer), 0);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(pnvme_ns_cmd_flush(&g_ns, &qp, on_done, &d[i]), 0);
	/* The device let go (a disconnect): everything completes once, with an error. */
	nvme_qpair_abort_all(&qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	for (int i = 0; i < 5; i++) {
		CU_ASSERT_EQUAL(d[i].calls, 1);
		CU_ASSERT_TRUE(pnvme_cpl_is_error(&d[i].cpl));
	}
	/* Completions the wire still delivers afterwards are stale: dropped. */
	CU_ASSERT_EQUAL(fake_qpair_process(&qp, 8), 3);
	CU_ASSERT_EQUAL(qp.invalid_completions, 3);
	for (int i = 0; i < 5; i++)
		CU_ASSERT_EQUAL(d[i].calls, 1);
	nvme_qpair_fini(&qp);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"a registered transport is found by trtype, PCIe otherwise", test_found_by_trtype},
		{"a qpair of another transport goes through its table", test_qpair_uses_the_table},
		{"completions by CID: each callback once, bogus CIDs counted",
		 test_each_callback_once},
		{"any memory when the transport needs no DMA", test_any_memory},
		{"the software queue is fed to the transport", test_software_queue_is_fed},
		{"abort_all completes once; late completions are dropped", test_abort_all_once},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("transport", setup, teardown, tests);
	return test_run_all();
}
