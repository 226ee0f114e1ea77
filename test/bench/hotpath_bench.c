/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver's own cost per I/O, apart from any device:
 *
 *   hotpath_bench fake QD N [write]
 *                             submit + reap N 4 KiB reads (or writes) against
 *                             an in-process fake device that answers between
 *                             polls; the driver's work is in
 *                             pnvme_ns_cmd_read() (_write()) and
 *                             pnvme_qpair_process_completions(), which
 *                             callgrind counts (make bench-sim does that).
 *   hotpath_bench sim QD SECONDS [batch] [noshadow]
 *                             the same against the software controller's
 *                             thread: IOPS and doorbell writes per I/O.
 *
 * Prints figures; asserts nothing about time.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nvme/ctrlr.h"
#include "pcie/pcie.h"
#include "nvme/qpair.h"
#include "pnvme/nvme.h"
#include "pnvme/sim.h"

static uint64_t g_done;

static void done_cb(void *arg, const struct pnvme_cpl *cpl)
{
	(void)arg;
	(void)cpl;
	g_done++;
}

/* The fake device: complete every command the SQ holds, in order. */
static void fake_device(struct pnvme_qpair *qp, uint16_t *sq_head, uint16_t *cq_tail,
			uint8_t *phase)
{
	while (*sq_head != qp->pcie.sq_tail) {
		struct pnvme_cpl *cpl = &qp->pcie.cq[*cq_tail];

		cpl->cid = qp->pcie.sq[*sq_head].cid;
		cpl->sqhd = *sq_head;
		cpl->sqid = qp->qid;
		cpl->cdw0 = 0;
		__atomic_store_n(&cpl->status_raw, (uint16_t)*phase, __ATOMIC_RELEASE);
		if (++*sq_head == qp->num_entries)
			*sq_head = 0;
		if (++*cq_tail == qp->num_entries) {
			*cq_tail = 0;
			*phase ^= 1;
		}
	}
}

static int bench_fake(uint32_t qd, uint64_t n, bool write)
{
	static struct pnvme_ctrlr ctrlr;
	static uint32_t bar[4096];
	struct pnvme_ns_data nsd;
	struct pnvme_ns ns;
	struct pnvme_qpair qp;
	uint16_t sq_head = 0, cq_tail = 0;
	uint8_t phase = 1;
	uint64_t submitted = 0, start, ticks;
	uint8_t *buf;

	memset(&nsd, 0, sizeof(nsd));
	memset(&ns, 0, sizeof(ns));
	nsd.nsze = 1u << 24;
	nsd.lbaf[0].lbads = 9;
	ctrlr.max_xfer = 128 * 1024;
	ctrlr.regs = bar;
	nvme_ns_init(&ns, &ctrlr, 1, &nsd);
	buf = pnvme_dma_zmalloc(4096, 4096, NULL);
	if (buf == NULL || nvme_qpair_init(&qp, &ctrlr, 1, 1024, 2048, ctrlr.max_xfer) != 0)
		return 1;
	nvme_pcie_qpair_set_doorbells(&qp, bar, 0);
	/* As a qpair from pnvme_ctrlr_alloc_io_qpair(): on the device, 30 s I/O timeout. */
	qp.on_device = true;
	qp.timeout_ticks = 30 * pnvme_ticks_hz();

	g_done = 0;
	start = pnvme_ticks();
	while (g_done < n) {
		while (submitted - g_done < qd && submitted < n) {
			uint64_t lba = (submitted * 8) & 0xffff;
			int rc = write ? pnvme_ns_cmd_write(&ns, &qp, buf, lba, 8, done_cb, NULL, 0)
				       : pnvme_ns_cmd_read(&ns, &qp, buf, lba, 8, done_cb, NULL, 0);

			if (rc != 0)
				return 1;
			submitted++;
		}
		fake_device(&qp, &sq_head, &cq_tail, &phase);
		pnvme_qpair_process_completions(&qp, 0);
	}
	ticks = pnvme_ticks() - start;
	printf("fake device, QD %u, %s: %llu I/Os, %.1f ns per I/O (submit + reap, driver only)\n",
	       qd, write ? "writes" : "reads", (unsigned long long)n,
	       (double)ticks * 1e9 / (double)pnvme_ticks_hz() / (double)n);
	nvme_qpair_fini(&qp);
	pnvme_dma_free(buf);
	return 0;
}

static int bench_sim(uint32_t qd, uint32_t seconds, bool batch, bool shadow)
{
	struct pnvme_ctrlr_opts opts;
	struct pnvme_io_qpair_opts qopts;
	struct pnvme_sim_stats before, after;
	struct pnvme_ctrlr *c;
	struct pnvme_qpair *qp;
	struct pnvme_ns *ns;
	uint64_t submitted = 0, end, start, lba = 0;
	uint8_t *buf;

	pnvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.shadow_doorbells = shadow;
	if (pnvme_connect("trtype:sim traddr:bench mqes=1023", &opts, &c) != 0)
		return 1;
	pnvme_ctrlr_get_default_io_qpair_opts(c, &qopts, sizeof(qopts));
	qopts.io_queue_size = 1024;
	qopts.io_queue_requests = 2048;
	qopts.delay_doorbell = batch;
	buf = pnvme_dma_zmalloc(4096, 4096, NULL);
	if (buf == NULL || pnvme_ctrlr_alloc_io_qpair(c, &qopts, &qp) != 0)
		return 1;
	ns = pnvme_ctrlr_get_ns(c, 1);
	g_done = 0;
	pnvme_sim_get_stats(pnvme_sim_get("bench"), &before);
	start = pnvme_ticks();
	end = start + seconds * pnvme_ticks_hz();
	while (pnvme_ticks() < end) {
		while (submitted - g_done < qd) {
			lba = (lba + 7919 * 8) & ((1u << 21) - 8);
			if (pnvme_ns_cmd_read(ns, qp, buf, lba, 8, done_cb, NULL, 0) != 0)
				return 1;
			submitted++;
		}
		pnvme_qpair_flush(qp);
		pnvme_qpair_process_completions(qp, 0);
	}
	while (g_done < submitted)
		pnvme_qpair_process_completions(qp, 0);
	pnvme_sim_get_stats(pnvme_sim_get("bench"), &after);
	double secs = (double)(pnvme_ticks() - start) / (double)pnvme_ticks_hz();
	printf("sim, QD %4u, %s doorbells%s: %10.0f IOPS, %.3f SQ + %.3f CQ MMIO doorbell writes "
	       "per I/O\n",
	       qd, pnvme_ctrlr_uses_shadow_doorbells(c) ? "shadow" : "MMIO",
	       batch ? ", batched" : "", (double)g_done / secs,
	       (double)(after.sq_doorbell_writes - before.sq_doorbell_writes) / (double)g_done,
	       (double)(after.cq_doorbell_writes - before.cq_doorbell_writes) / (double)g_done);
	pnvme_dma_free(buf);
	pnvme_detach(c);
	return 0;
}

int main(int argc, char **argv)
{
	if (pnvme_env_init(NULL) != 0)
		return 1;
	if (argc >= 4 && strcmp(argv[1], "fake") == 0)
		return bench_fake((uint32_t)atoi(argv[2]), strtoull(argv[3], NULL, 10),
				  argc >= 5 && strcmp(argv[4], "write") == 0);
	if (argc >= 4 && strcmp(argv[1], "sim") == 0) {
		bool batch = false, shadow = true;

		for (int i = 4; i < argc; i++) {
			batch |= strcmp(argv[i], "batch") == 0;
			shadow &= strcmp(argv[i], "noshadow") != 0;
		}
		return bench_sim((uint32_t)atoi(argv[2]), (uint32_t)atoi(argv[3]), batch, shadow);
	}
	fprintf(stderr,
		"usage: hotpath_bench fake QD N [write] | sim QD SECONDS [batch] [noshadow]\n");
	return 2;
}
