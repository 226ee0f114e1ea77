/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hot path against a fake device: the test reads the SQ the driver fills
 * and posts completions into its CQ by hand. CID look-up, phase flip on wrap,
 * the completion cap, the software queue, splitting and every-request-once.
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "common/test_env.h"
#include "nvme/ctrlr.h"
#include "pcie/pcie.h"
#include "pcie/pcie_hot.h"
#include "nvme/qpair.h"

static struct pnvme_ctrlr g_ctrlr, g_other_ctrlr;
static struct pnvme_ns g_ns;
static uint32_t g_bar[4096];
static uint8_t *g_buf;

/* The fake device's side of the CQ. */
static uint32_t g_dev_cq_tail;
static uint8_t g_dev_phase;

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
	g_ctrlr.max_xfer = 128 * 1024;
	g_ctrlr.regs = g_bar;
	nvme_ns_init(&g_ns, &g_ctrlr, 1, &nsd);
	g_buf = pnvme_dma_zmalloc(4u << 20, 4096, NULL);
	return g_buf ? 0 : -1;
}

static int teardown(void)
{
	pnvme_dma_free(g_buf);
	return 0;
}

static void qp_open(struct pnvme_qpair *qp, uint32_t entries, uint32_t reqs)
{
	CU_ASSERT_EQUAL_FATAL(nvme_qpair_init(qp, &g_ctrlr, 1, entries, reqs, g_ctrlr.max_xfer), 0);
	nvme_pcie_qpair_set_doorbells(qp, g_bar, 0);
	g_dev_cq_tail = 0;
	g_dev_phase = 1;
	memset(g_bar, 0, sizeof(g_bar));
}

static void post(struct pnvme_qpair *qp, uint16_t cid, uint16_t status)
{
	struct pnvme_cpl *cpl = &qp->pcie.cq[g_dev_cq_tail];

	memset(cpl, 0, sizeof(*cpl));
	cpl->cid = cid;
	cpl->sqid = qp->qid;
	cpl->status_raw = (uint16_t)(status | g_dev_phase);
	if (++g_dev_cq_tail == qp->num_entries) {
		g_dev_cq_tail = 0;
		g_dev_phase ^= 1;
	}
}

static uint32_t sq_db(void)
{
	return g_bar[0x1008 / 4]; /* qid 1 SQ tail, stride 4 */
}

static uint32_t cq_db(void)
{
	return g_bar[0x100c / 4];
}

static void test_cid_lookup_and_phase_wrap(void)
{
	struct pnvme_qpair qp;
	struct done d = {0};

	qp_open(&qp, 4, 8);
	for (int round = 0; round < 10; round++) {
		uint16_t slot = qp.pcie.sq_tail;

		CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, (uint64_t)round, 1,
							on_done, &d, 0), 0);
		CU_ASSERT_EQUAL(qp.pcie.sq[slot].opc, PNVME_OPC_READ);
		CU_ASSERT_EQUAL(qp.pcie.sq[slot].cdw10, (uint32_t)round);
		CU_ASSERT_EQUAL(sq_db(), (slot + 1u) % 4);
		post(&qp, qp.pcie.sq[slot].cid, 0);
		CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 1);
		CU_ASSERT_EQUAL(d.calls, round + 1);
		CU_ASSERT_EQUAL(cq_db(), qp.pcie.cq_head);
		CU_ASSERT_FALSE(pnvme_cpl_is_error(&d.cpl));
	}
	/* Ten completions in a CQ of four: the phase flipped twice (10 / 4). */
	CU_ASSERT_EQUAL(qp.pcie.cqe_phase, NVME_PCIE_CQE_PHASE);
	CU_ASSERT_EQUAL(qp.pcie.cq_head, 2);
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 0); /* stale phase: nothing new */
	nvme_qpair_fini(&qp);
}

static void test_completion_cap(void)
{
	struct pnvme_qpair qp;
	struct done d = {0};

	qp_open(&qp, 16, 16); /* cap = 16 / 4 = 4 */
	for (int i = 0; i < 10; i++)
		CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 1, on_done, &d, 0), 0);
	for (int i = 0; i < 10; i++)
		post(&qp, qp.pcie.sq[i].cid, 0);
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 1), 1);
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 4);
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 100), 4);
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 1);
	CU_ASSERT_EQUAL(d.calls, 10);
	CU_ASSERT_EQUAL(cq_db(), 10);
	nvme_qpair_fini(&qp);
}

static void test_bogus_and_duplicate_cids(void)
{
	struct pnvme_qpair qp;
	struct done a = {0}, b = {0};
	uint16_t cid_a;

	qp_open(&qp, 8, 8);
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 1, on_done, &a, 0), 0);
	cid_a = qp.pcie.sq[0].cid;
	post(&qp, (uint16_t)(cid_a ^ 0x5), 0);    /* a CID nobody holds */
	post(&qp, (uint16_t)(cid_a + 0x100), 0);  /* right index, wrong generation */
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 2);
	CU_ASSERT_EQUAL(a.calls, 0);
	post(&qp, cid_a, 0);
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 1);
	CU_ASSERT_EQUAL(a.calls, 1);
	/* The tracker is reused by b with a new generation; a's duplicate must not hit b. */
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 1, 1, on_done, &b, 0), 0);
	CU_ASSERT_NOT_EQUAL(qp.pcie.sq[1].cid, cid_a);
	post(&qp, cid_a, 0);
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 1);
	CU_ASSERT_EQUAL(a.calls, 1);
	CU_ASSERT_EQUAL(b.calls, 0);
	post(&qp, qp.pcie.sq[1].cid, 0);
	nvme_qpair_process(&qp, 0);
	CU_ASSERT_EQUAL(b.calls, 1);
	nvme_qpair_fini(&qp);
}

static void test_software_queue_order_and_enomem(void)
{
	struct pnvme_qpair qp;
	struct done d[7] = {{0}};

	qp_open(&qp, 4, 6); /* 3 trackers, 6 requests */
	for (int i = 0; i < 6; i++)
		CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, (uint64_t)i * 8, 1,
							on_done, &d[i], 0), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 99, 1, on_done, &d[6], 0), -ENOMEM);
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(&qp), 6);
	CU_ASSERT_EQUAL(sq_db(), 3);
	/* As each completes, the oldest queued request goes out: LBAs 24, 32, 40 in order. */
	for (int i = 0; i < 6; i++) {
		uint16_t slot = (uint16_t)(i % 4);

		CU_ASSERT_EQUAL(qp.pcie.sq[slot].cdw10, (uint32_t)i * 8);
		post(&qp, qp.pcie.sq[slot].cid, 0);
		CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 1);
		CU_ASSERT_EQUAL(d[i].calls, 1);
	}
	CU_ASSERT_EQUAL(d[6].calls, 0);
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(&qp), 0);
	nvme_qpair_fini(&qp);
}

static void test_delayed_doorbell(void)
{
	struct pnvme_qpair qp;
	struct done d = {0};

	qp_open(&qp, 16, 16);
	qp.delay_doorbell = true;
	for (int i = 0; i < 5; i++)
		pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 1, on_done, &d, 0);
	CU_ASSERT_EQUAL(sq_db(), 0);
	pnvme_qpair_flush(&qp);
	CU_ASSERT_EQUAL(sq_db(), 5);
	nvme_qpair_abort_all(&qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	CU_ASSERT_EQUAL(d.calls, 5);
	nvme_qpair_fini(&qp);
}

/* Complete everything in the SQ from slot `from` to the tail, with status for one LBA. */
static int complete_sq(struct pnvme_qpair *qp, uint16_t from, uint32_t fail_lba)
{
	int n = 0;

	for (uint16_t s = from; s != qp->pcie.sq_tail; s = (uint16_t)((s + 1) % qp->num_entries), n++)
		post(qp, qp->pcie.sq[s].cid,
		     qp->pcie.sq[s].cdw10 == fail_lba
			     ? PNVME_STATUS_RAW(PNVME_SCT_GENERIC, PNVME_SC_LBA_OUT_OF_RANGE)
			     : 0);
	while (nvme_qpair_process(qp, 0) > 0)
		;
	return n;
}

/*
 * The inline read builds its command in the SQ slot and keeps only dwords 0-1
 * and 10-12 in the request; what a resubmission needs is filled in again:
 * nothing of the request's earlier command (MPTR, dwords 2-3, 13-15) survives.
 */
static void test_inline_read_keeps_a_partial_command(void)
{
	struct pnvme_qpair qp;
	struct done d = {0};
	struct nvme_request *req, *again;
	struct pnvme_cmd want;

	qp_open(&qp, 16, 16);
	/* An earlier command in the request the read will reuse (the free list is LIFO). */
	req = nvme_request_get(&qp, on_done, &d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(req);
	req->cmd.opc = PNVME_OPC_READ;
	req->cmd.nsid = 1;
	req->cmd.cdw2 = 0x22;
	req->cmd.cdw3 = 0x33;
	req->cmd.mptr = 0x1000;
	req->cmd.cdw13 = 0xd;
	req->cmd.cdw14 = 0xe;
	req->cmd.cdw15 = 0xf;
	nvme_qpair_submit(&qp, req);
	CU_ASSERT_EQUAL(complete_sq(&qp, 0, UINT32_MAX), 1);
	CU_ASSERT_EQUAL(d.calls, 1);

	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 77, 8, on_done, &d,
						PNVME_IO_FLAGS_FUA), 0);
	CU_ASSERT_EQUAL_FATAL(qp.pcie.sq_tail, 2);
	want = qp.pcie.sq[1];
	again = qp.trackers[want.cid & qp.cid_index_mask].req;
	CU_ASSERT_PTR_EQUAL_FATAL(again, req);
	CU_ASSERT_TRUE(again->cmd_partial); /* the inline path took it */
	/* The SQ entry is whole: nothing of the earlier command in it. */
	CU_ASSERT_EQUAL(want.opc, PNVME_OPC_READ);
	CU_ASSERT_EQUAL(want.nsid, 1);
	CU_ASSERT_EQUAL(want.cdw2 | want.cdw3 | want.cdw13 | want.cdw14 | want.cdw15, 0);
	CU_ASSERT_EQUAL(want.mptr, 0);
	CU_ASSERT_EQUAL(want.dptr.prp.prp1, pnvme_vtophys(g_buf, NULL));
	CU_ASSERT_EQUAL(want.cdw10, 77);
	CU_ASSERT_EQUAL(want.cdw12, 7u | PNVME_IO_FLAGS_FUA);
	/* The request has what cannot be built again... */
	CU_ASSERT_EQUAL(memcmp(&again->cmd, &want, 8), 0);
	CU_ASSERT_EQUAL(again->cmd.cdw10, want.cdw10);
	CU_ASSERT_EQUAL(again->cmd.cdw11, want.cdw11);
	CU_ASSERT_EQUAL(again->cmd.cdw12, want.cdw12);
	/* ...and, filled in for a resubmission, is the SQ entry less its PRPs (built again). */
	nvme_request_fill_cmd(again);
	CU_ASSERT_FALSE(again->cmd_partial);
	memset(&want.dptr, 0, sizeof(want.dptr));
	CU_ASSERT_EQUAL(memcmp(&again->cmd, &want, sizeof(want)), 0);
	/* The payload's bus address was not kept: built again, it is looked up. */
	CU_ASSERT_EQUAL(again->payload_iova, PNVME_VTOPHYS_ERROR);
	CU_ASSERT_EQUAL(nvme_pcie_build_payload(&qp, &qp.trackers[want.cid & qp.cid_index_mask],
						again), 0);
	CU_ASSERT_EQUAL(again->cmd.dptr.prp.prp1, pnvme_vtophys(g_buf, NULL));
	CU_ASSERT_EQUAL(again->cmd.dptr.prp.prp2, 0);
	CU_ASSERT_EQUAL(complete_sq(&qp, 1, UINT32_MAX), 1);
	CU_ASSERT_EQUAL(d.calls, 2);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&d.cpl));
	nvme_qpair_fini(&qp);
}

static void test_split_by_mdts(void)
{
	struct pnvme_qpair qp;
	struct done d = {0};

	qp_open(&qp, 32, 32);
	/* 1000 sectors with 256 per command (128 KiB / 512): 256+256+256+232. */
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 100, 1000, on_done, &d, 0), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 4);
	CU_ASSERT_EQUAL(qp.pcie.sq[0].cdw10, 100);
	CU_ASSERT_EQUAL(qp.pcie.sq[0].cdw12 & 0xffff, 255);
	CU_ASSERT_EQUAL(qp.pcie.sq[1].cdw10, 356);
	CU_ASSERT_EQUAL(qp.pcie.sq[3].cdw10, 868);
	CU_ASSERT_EQUAL(qp.pcie.sq[3].cdw12 & 0xffff, 231);
	/* Each child's data pointer is its own part of the buffer. */
	CU_ASSERT_EQUAL(qp.pcie.sq[1].dptr.prp.prp1, pnvme_vtophys(g_buf + 256 * 512, NULL));
	CU_ASSERT_EQUAL(complete_sq(&qp, 0, UINT32_MAX), 4);
	CU_ASSERT_EQUAL(d.calls, 1);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&d.cpl));

	/* One child fails: the parent completes once, with that error. */
	memset(&d, 0, sizeof(d));
	uint16_t from = qp.pcie.sq_tail;

	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_write(&g_ns, &qp, g_buf, 0, 600, on_done, &d, 0), 0);
	CU_ASSERT_EQUAL(complete_sq(&qp, from, 256), 3);
	CU_ASSERT_EQUAL(d.calls, 1);
	CU_ASSERT_TRUE(pnvme_cpl_is_error(&d.cpl));
	CU_ASSERT_EQUAL(d.cpl.status.sc, PNVME_SC_LBA_OUT_OF_RANGE);
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(&qp), 0);
	nvme_qpair_fini(&qp);
}

static void test_split_by_boundary(void)
{
	struct pnvme_qpair qp;
	struct done d = {0};
	struct pnvme_ns ns = g_ns;

	ns.boundary = 64;
	ns.boundary_mask = 63;
	nvme_ns_update_fast_path(&ns);
	qp_open(&qp, 16, 16);
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&ns, &qp, g_buf, 60, 10, on_done, &d, 0), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 2);
	CU_ASSERT_EQUAL(qp.pcie.sq[0].cdw12 & 0xffff, 3); /* 60..63 */
	CU_ASSERT_EQUAL(qp.pcie.sq[1].cdw10, 64);
	CU_ASSERT_EQUAL(qp.pcie.sq[1].cdw12 & 0xffff, 5); /* 64..69 */
	/* A boundary that is no power of two (NOIOB 48). */
	ns.boundary = 48;
	ns.boundary_mask = 0;
	nvme_ns_update_fast_path(&ns);
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&ns, &qp, g_buf, 40, 20, on_done, &d, 0), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 4);
	CU_ASSERT_EQUAL(qp.pcie.sq[2].cdw12 & 0xffff, 7); /* 40..47 */
	CU_ASSERT_EQUAL(qp.pcie.sq[3].cdw10, 48);
	complete_sq(&qp, 0, UINT32_MAX);
	CU_ASSERT_EQUAL(d.calls, 2);
	nvme_qpair_fini(&qp);
}

static void test_split_iov(void)
{
	struct pnvme_qpair qp;
	struct done d = {0};
	/* 4 KiB, then 2 KiB ending mid-page, then 6 KiB on a page: cut after the 2 KiB. */
	struct iovec iov[] = {
		{g_buf, 4096},
		{g_buf + 65536, 2048},
		{g_buf + 131072, 6144},
	};
	struct iovec bad[] = {
		{g_buf, 1000}, /* a cut here would fall inside a sector */
		{g_buf + 65536, 24},
	};

	qp_open(&qp, 16, 16);
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_readv(&g_ns, &qp, iov, 3, 0, 24, on_done, &d, 0), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 2);
	CU_ASSERT_EQUAL(qp.pcie.sq[0].cdw12 & 0xffff, 11); /* 12 sectors: 4 KiB + 2 KiB */
	CU_ASSERT_EQUAL(qp.pcie.sq[0].dptr.prp.prp1, pnvme_vtophys(g_buf, NULL));
	CU_ASSERT_EQUAL(qp.pcie.sq[0].dptr.prp.prp2, pnvme_vtophys(g_buf + 65536, NULL));
	CU_ASSERT_EQUAL(qp.pcie.sq[1].cdw10, 12);
	CU_ASSERT_EQUAL(qp.pcie.sq[1].dptr.prp.prp1, pnvme_vtophys(g_buf + 131072, NULL));
	complete_sq(&qp, 0, UINT32_MAX);
	CU_ASSERT_EQUAL(d.calls, 1);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_readv(&g_ns, &qp, bad, 2, 0, 2, on_done, &d, 0), -EINVAL);
	CU_ASSERT_EQUAL(d.calls, 1);
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(&qp), 0);
	nvme_qpair_fini(&qp);
}

static void test_bad_input(void)
{
	struct pnvme_qpair qp, other;
	struct done d = {0};
	static uint8_t not_dma[4096];

	qp_open(&qp, 8, 8);
	CU_ASSERT_EQUAL(nvme_qpair_init(&other, &g_other_ctrlr, 2, 8, 8, 4096), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 0, on_done, &d, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 1u << 20, 1, on_done, &d, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, (1u << 20) - 1, 2, on_done, &d, 0),
			-EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, UINT64_MAX, 2, on_done, &d, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, not_dma, 0, 1, on_done, &d, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf + 1, 0, 1, on_done, &d, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, NULL, 0, 1, on_done, &d, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &other, g_buf, 0, 1, on_done, &d, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 1, on_done, &d, 0x1234), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_deallocate(&g_ns, &qp, 0, 0, on_done, &d), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_dataset_management(&g_ns, &qp, 0, NULL, 1, on_done, &d), -EINVAL);
	CU_ASSERT_EQUAL(d.calls, 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 0);
	nvme_qpair_fini(&qp);
	nvme_qpair_fini(&other);
}

/*
 * The inline path has one gate, fast_max_sectors, which nvme_ns_init() keeps
 * at 0 while io_block refuses I/O: a namespace gone at a rescan, or changed
 * to a format the driver refuses, gets its errno and nothing reaches the SQ.
 */
static void test_refused_namespace_on_the_inline_path(void)
{
	struct pnvme_qpair qp;
	struct pnvme_ns ns;
	struct pnvme_ns_data nsd;
	struct done d = {0};

	memset(&ns, 0, sizeof(ns));
	memset(&nsd, 0, sizeof(nsd));
	nsd.nsze = nsd.ncap = 1u << 20;
	nsd.lbaf[0].lbads = 9;
	nvme_ns_init(&ns, &g_ctrlr, 1, &nsd);
	qp_open(&qp, 8, 8);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&ns, &qp, g_buf, 0, 8, on_done, &d, 0), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 1);
	/* Gone at a rescan: -ENXIO. */
	nvme_ns_init(&ns, &g_ctrlr, 1, NULL);
	CU_ASSERT_EQUAL(atomic_load(&ns.fast_max_sectors), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&ns, &qp, g_buf, 0, 8, on_done, &d, 0), -ENXIO);
	/*
	 * Back, with protection information and no metadata to hold it (not a
	 * format the driver drives): -ENOTSUP, though md_size is 0.
	 */
	nsd.dps = 1;
	nvme_ns_init(&ns, &g_ctrlr, 1, &nsd);
	CU_ASSERT_EQUAL(atomic_load(&ns.fast_max_sectors), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&ns, &qp, g_buf, 0, 8, on_done, &d, 0), -ENOTSUP);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 1);
	/* A plain format again: the inline path takes it. */
	nsd.dps = 0;
	nvme_ns_init(&ns, &g_ctrlr, 1, &nsd);
	CU_ASSERT_NOT_EQUAL(atomic_load(&ns.fast_max_sectors), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&ns, &qp, g_buf, 8, 8, on_done, &d, 0), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 2);
	CU_ASSERT_EQUAL(complete_sq(&qp, 0, UINT32_MAX), 2);
	CU_ASSERT_EQUAL(d.calls, 2);
	nvme_qpair_fini(&qp);
}

static void test_abort_all_completes_each_once(void)
{
	struct pnvme_qpair qp;
	struct done d[8] = {{0}};

	qp_open(&qp, 4, 12);
	for (int i = 0; i < 5; i++) /* 3 in the device, 2 in the software queue */
		pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 1, on_done, &d[i], 0);
	/* A split request too: its parent must complete once. */
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 600, on_done, &d[5], 0), 0);
	nvme_qpair_abort_all(&qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	for (int i = 0; i < 6; i++) {
		CU_ASSERT_EQUAL(d[i].calls, 1);
		CU_ASSERT_EQUAL(d[i].cpl.status.sc, PNVME_SC_ABORTED_SQ_DELETION);
	}
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(&qp), 0);
	/* Every request is back in the pool: 12 fit again. */
	for (int i = 0; i < 12; i++)
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 1, NULL, NULL, 0), 0);
	nvme_qpair_fini(&qp);
}

static struct pnvme_qpair *g_resubmit_qp;
static int g_resubmit_rc[8], g_resubmits;

static void resubmit_cb(void *arg, const struct pnvme_cpl *cpl)
{
	(void)arg;
	(void)cpl;
	/* A callback that submits again while its qpair is being emptied. */
	g_resubmit_rc[g_resubmits++ & 7] =
		pnvme_ns_cmd_read(&g_ns, g_resubmit_qp, g_buf, 0, 1, resubmit_cb, NULL, 0);
}

static void test_abort_all_refuses_resubmission(void)
{
	struct pnvme_qpair qp;
	uint16_t tail;

	qp_open(&qp, 8, 16);
	g_resubmit_qp = &qp;
	g_resubmits = 0;
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 1, resubmit_cb, NULL, 0), 0);
	tail = qp.pcie.sq_tail;
	nvme_qpair_abort_all(&qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	CU_ASSERT_EQUAL(g_resubmits, 4);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(g_resubmit_rc[i], -ENXIO);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, tail); /* nothing new went to the device */
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(&qp), 0);
	nvme_qpair_fini(&qp);
}

/* A device may post any CID: none reads outside the trackers (100 entries: mask 127). */
static void test_any_cid_from_the_device(void)
{
	struct pnvme_qpair qp;
	struct done d[4];

	qp_open(&qp, 100, 200);
	memset(d, 0, sizeof(d));
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 1, on_done, &d[i], 0), 0);
	for (uint32_t cid = 0; cid <= 0xffff; cid++) {
		bool live = false;

		for (int i = 0; i < 4; i++)
			live |= qp.pcie.sq[i].cid == cid;
		if (live)
			continue;
		post(&qp, (uint16_t)cid, 0);
		nvme_qpair_process(&qp, 0);
	}
	CU_ASSERT_EQUAL(qp.invalid_completions, 0x10000 - 4);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(d[i].calls, 0);
	CU_ASSERT_EQUAL(complete_sq(&qp, 0, UINT32_MAX), 4);
	for (int i = 0; i < 4; i++)
		CU_ASSERT_EQUAL(d[i].calls, 1);
	nvme_qpair_fini(&qp);
}

/* CAP.MQES = 0xffff allows 65536 entries: 65535 commands in the device, more queued. */
static void test_largest_queue(void)
{
	struct pnvme_qpair qp;
	static struct done d;
	uint32_t n = 65535 + 100, done = 0;

	CU_ASSERT_EQUAL_FATAL(nvme_qpair_init(&qp, &g_ctrlr, 1, 65536, n, 4096), 0);
	nvme_pcie_qpair_set_doorbells(&qp, g_bar, 0);
	g_dev_cq_tail = 0;
	g_dev_phase = 1;
	CU_ASSERT_EQUAL(qp.num_entries, 65536);
	memset(&d, 0, sizeof(d));
	for (uint32_t i = 0; i < n; i++)
		CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 1, on_done, &d, 0), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_tail, 65535);
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(&qp), n);
	/* Complete in SQ order, round and round, until all are done. */
	for (uint32_t slot = 0; done < n; slot = (slot + 1) % 65536) {
		post(&qp, qp.pcie.sq[slot].cid, 0);
		done++;
		nvme_qpair_process(&qp, 0);
	}
	while (nvme_qpair_process(&qp, 0) > 0)
		;
	CU_ASSERT_EQUAL(d.calls, (int)n);
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(&qp), 0);
	CU_ASSERT_EQUAL(qp.invalid_completions, 0);
	nvme_qpair_fini(&qp);
}

/* A split request's callback gets a status that survives reuse of the parent. */
static struct pnvme_qpair *g_split_qp;
static struct done g_split_done, g_split_again;

static void split_cb(void *arg, const struct pnvme_cpl *cpl)
{
	(void)arg;
	/* Submit a new split first: it takes the parent's request from the pool. */
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, g_split_qp, g_buf, 0, 600, on_done,
					  &g_split_again, 0), 0);
	g_split_done.calls++;
	g_split_done.cpl = *cpl;
}

static void test_split_status_is_stable(void)
{
	struct pnvme_qpair qp;

	qp_open(&qp, 16, 32);
	g_split_qp = &qp;
	memset(&g_split_done, 0, sizeof(g_split_done));
	memset(&g_split_again, 0, sizeof(g_split_again));
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 600, split_cb, NULL, 0), 0);
	CU_ASSERT_EQUAL(complete_sq(&qp, 0, 256), 3);
	CU_ASSERT_EQUAL(g_split_done.calls, 1);
	CU_ASSERT_TRUE(pnvme_cpl_is_error(&g_split_done.cpl));
	CU_ASSERT_EQUAL(g_split_done.cpl.status.sc, PNVME_SC_LBA_OUT_OF_RANGE);
	nvme_qpair_abort_all(&qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
	CU_ASSERT_EQUAL(g_split_again.calls, 1);
	nvme_qpair_fini(&qp);
}

static struct pnvme_qpair *g_reentrant_qp;
static int32_t g_reentrant_rc = -1;

static void reentrant_cb(void *arg, const struct pnvme_cpl *cpl)
{
	(void)cpl;
	(*(int *)arg)++;
	g_reentrant_rc = pnvme_qpair_process_completions(g_reentrant_qp, 0);
}

/* What a callback saw of the CQ head when it ran. */
static struct pnvme_qpair *g_seen_qp;
static uint32_t g_seen_cq_db, g_seen_cq_head;
static uint16_t g_seen_cid;

static void seen_cb(void *arg, const struct pnvme_cpl *cpl)
{
	(*(int *)arg)++;
	g_seen_cq_db = cq_db();
	g_seen_cq_head = g_seen_qp->pcie.cq_head;
	g_seen_cid = cpl->cid;
}

/* n reads with seen_cb, each completed by the device (in SQ order). */
static void reads_completed(struct pnvme_qpair *qp, int n, int *calls)
{
	uint32_t slot = qp->pcie.sq_tail;

	for (int i = 0; i < n; i++)
		CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&g_ns, qp, g_buf, 0, 1, seen_cb, calls, 0), 0);
	for (int i = 0; i < n; i++)
		post(qp, qp->pcie.sq[(slot + (uint32_t)i) % qp->num_entries].cid, 0);
}

/*
 * One new entry: the CQ head moves before the callback, its doorbell after
 * it. Two or more: one doorbell after them all. A poll capped at one takes
 * one. At the ring's last entry a poll takes that one alone; a batch from
 * before the end runs across it.
 */
static void test_a_poll_takes_one_entry_or_a_batch(void)
{
	struct pnvme_qpair qp;
	int calls = 0;
	uint16_t cid;

	qp_open(&qp, 4, 4);
	qp.max_completions = 4; /* not the 4 / 4 of a real queue: batches here */
	g_seen_qp = &qp;
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 1, seen_cb, &calls, 0), 0);
	cid = qp.pcie.sq[0].cid;
	post(&qp, cid, 0);
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 1);
	CU_ASSERT_EQUAL(calls, 1);
	CU_ASSERT_EQUAL(g_seen_cq_db, 0); /* the doorbell after the callback */
	CU_ASSERT_EQUAL(g_seen_cq_head, 1); /* the head before it */
	CU_ASSERT_EQUAL(g_seen_cid, cid);
	CU_ASSERT_EQUAL(cq_db(), 1);
	CU_ASSERT_EQUAL(qp.pcie.cq_doorbell_writes, 1);

	/* Slots 1 and 2: a batch, one doorbell after both callbacks. */
	reads_completed(&qp, 2, &calls);
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 2);
	CU_ASSERT_EQUAL(calls, 3);
	CU_ASSERT_EQUAL(g_seen_cq_db, 1); /* the last callback ran before the doorbell */
	CU_ASSERT_EQUAL(cq_db(), 3);
	CU_ASSERT_EQUAL(qp.pcie.cq_doorbell_writes, 2);

	/* Slot 3, the last, and slot 0 after it: one entry per poll there. */
	reads_completed(&qp, 2, &calls);
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 1);
	CU_ASSERT_EQUAL(qp.pcie.cq_head, 0);
	CU_ASSERT_EQUAL(qp.pcie.cqe_phase, 0); /* wrapped */
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 1);
	CU_ASSERT_EQUAL(calls, 5);
	CU_ASSERT_EQUAL(cq_db(), 1);

	/* Slots 1, 2 and 3: a capped poll takes one, the next the rest and wraps. */
	reads_completed(&qp, 3, &calls);
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 1), 1);
	CU_ASSERT_EQUAL(cq_db(), 2);
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 2);
	CU_ASSERT_EQUAL(cq_db(), 0);
	CU_ASSERT_EQUAL(qp.pcie.cqe_phase, NVME_PCIE_CQE_PHASE);
	CU_ASSERT_EQUAL(calls, 8);
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 0);
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(&qp), 0);
	nvme_qpair_fini(&qp);
}

/*
 * Shadow doorbells take the out-of-line doorbell code on both sides: with
 * the controller's event index ahead, a post and a poll update the shadow
 * values and write no MMIO doorbell (the inline code would write both).
 */
static void test_shadow_doorbells_take_the_event_index_rule(void)
{
	struct pnvme_qpair qp;
	uint32_t shadow[2] = {0, 0}, eventidx[2] = {100, 100};
	int calls = 0;

	qp_open(&qp, 8, 8);
	qp.pcie.shadow_sq_tail = &shadow[0];
	qp.pcie.shadow_cq_head = &shadow[1];
	qp.pcie.ei_sq_tail = &eventidx[0];
	qp.pcie.ei_cq_head = &eventidx[1];
	nvme_qpair_set_shadow(&qp, true);
	CU_ASSERT_TRUE(qp.shadow_sq);
	CU_ASSERT_TRUE(qp.poll_other & NVME_POLL_OTHER_SHADOW);
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 1, seen_cb, &calls, 0), 0);
	CU_ASSERT_EQUAL(shadow[0], 1);
	CU_ASSERT_EQUAL(sq_db(), 0);
	post(&qp, qp.pcie.sq[0].cid, 0);
	CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), 1);
	CU_ASSERT_EQUAL(calls, 1);
	CU_ASSERT_EQUAL(shadow[1], 1);
	CU_ASSERT_EQUAL(cq_db(), 0);
	CU_ASSERT_EQUAL(qp.pcie.sq_doorbell_writes + qp.pcie.cq_doorbell_writes, 0);
	/* A reset's rewind drops them: MMIO again, inline. */
	nvme_pcie_qpair_reset(&qp);
	CU_ASSERT_FALSE(qp.shadow_sq);
	CU_ASSERT_EQUAL(qp.poll_other, 0);
	nvme_qpair_fini(&qp);
}

static void on_count(void *arg, const struct pnvme_cpl *cpl)
{
	(void)cpl;
	(*(int *)arg)++;
}

/* A callback that submits the next read, as a QD 1 loop does. */
static struct pnvme_qpair *g_next_qp;
static int g_next_rc = -1;

static void submit_next_cb(void *arg, const struct pnvme_cpl *cpl)
{
	(void)cpl;
	(*(int *)arg)++;
	g_next_rc = pnvme_ns_cmd_read(&g_ns, g_next_qp, g_buf, 0, 1, on_count, arg, 0);
}

/*
 * After callbacks that submitted, the SQ tail doorbell goes first and the CQ
 * head doorbell last (sq_doorbell_first, the default), one entry or a batch;
 * with sq_db_first off, the other way round. The two doorbells share one
 * address here, so what it holds is the last write.
 */
static void test_doorbell_order_after_callbacks(void)
{
	for (int sq_first = 1; sq_first >= 0; sq_first--) {
		struct pnvme_qpair qp;
		int calls = 0;

		qp_open(&qp, 16, 16);
		if (!sq_first) {
			qp.sq_db_first = false;
			qp.poll_other |= NVME_POLL_OTHER_CQ_FIRST;
		}
		atomic_store(&qp.pcie.cq_head_db, atomic_load(&qp.pcie.sq_tail_db));
		g_next_qp = &qp;
		for (int batch = 1; batch <= 3; batch += 2) {
			uint32_t head = qp.pcie.cq_head, tail = qp.pcie.sq_tail;

			for (int i = 0; i < batch; i++) {
				CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 1,
									submit_next_cb, &calls, 0), 0);
				post(&qp, qp.pcie.sq[tail + i].cid, 0);
			}
			g_next_rc = -1;
			CU_ASSERT_EQUAL(nvme_qpair_process(&qp, 0), batch);
			CU_ASSERT_EQUAL(g_next_rc, 0);
			CU_ASSERT_EQUAL(qp.pcie.sq_tail, tail + 2u * batch);
			CU_ASSERT_EQUAL(qp.pcie.cq_head, head + batch);
			CU_ASSERT_EQUAL(sq_db(), sq_first ? qp.pcie.cq_head : qp.pcie.sq_tail);
		}
		nvme_qpair_abort_all(&qp, PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION);
		CU_ASSERT_EQUAL(calls, 8);
		nvme_qpair_fini(&qp);
	}
}

static void test_reentrant_poll_is_a_no_op(void)
{
	struct pnvme_qpair qp;
	int calls = 0;

	qp_open(&qp, 8, 8);
	g_reentrant_qp = &qp;
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(pnvme_ns_cmd_read(&g_ns, &qp, g_buf, 0, 1, reentrant_cb, &calls, 0), 0);
	post(&qp, qp.pcie.sq[0].cid, 0);
	post(&qp, qp.pcie.sq[1].cid, 0);
	CU_ASSERT_EQUAL(pnvme_qpair_process_completions(&qp, 0), 2);
	CU_ASSERT_EQUAL(calls, 2);
	CU_ASSERT_EQUAL(g_reentrant_rc, 0);
	CU_ASSERT_EQUAL(qp.pcie.cq_head, 2);
	CU_ASSERT_EQUAL(cq_db(), 2);
	nvme_qpair_fini(&qp);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"CID look-up and phase flip on CQ wrap", test_cid_lookup_and_phase_wrap},
		{"completions per call are capped", test_completion_cap},
		{"bogus, stale and duplicate CIDs are dropped", test_bogus_and_duplicate_cids},
		{"any CID from the device: no read outside the trackers",
		 test_any_cid_from_the_device},
		{"65536 entries (MQES 0xffff): 32-bit counts", test_largest_queue},
		{"a split's callback status survives reuse of the parent",
		 test_split_status_is_stable},
		{"software queue: FIFO order, -ENOMEM beyond the pool",
		 test_software_queue_order_and_enomem},
		{"delayed doorbell rings once on flush", test_delayed_doorbell},
		{"the inline read keeps a partial command, filled in for a resubmission",
		 test_inline_read_keeps_a_partial_command},
		{"split by MDTS; parent completes once with the first error", test_split_by_mdts},
		{"split at the optimal I/O boundary", test_split_by_boundary},
		{"iovec split where no PRP list can express it", test_split_iov},
		{"bad input gets -EINVAL and no callback", test_bad_input},
		{"a removed or refused namespace is refused on the inline path too",
		 test_refused_namespace_on_the_inline_path},
		{"abort_all completes every request exactly once", test_abort_all_completes_each_once},
		{"a callback cannot submit while its qpair is emptied",
		 test_abort_all_refuses_resubmission},
		{"polling from a callback of the same qpair does nothing",
		 test_reentrant_poll_is_a_no_op},
		{"a poll takes one entry (head released first) or a batch (one doorbell)",
		 test_a_poll_takes_one_entry_or_a_batch},
		{"shadow doorbells take the event index rule on post and poll",
		 test_shadow_doorbells_take_the_event_index_rule},
		{"after callbacks that submit: SQ tail doorbell, then CQ head (or the other way)",
		 test_doorbell_order_after_callbacks},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("qpair", setup, teardown, tests);
	return test_run_all();
}
