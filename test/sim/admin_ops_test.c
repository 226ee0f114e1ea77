/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The admin helpers through the public API against the software controller:
 * Format NVM then I/O at the new block size on the same namespace handle
 * (sync rescan, and the AER's rescan after an asynchronous format), Namespace
 * Management and Attachment with I/O, firmware download in FWUG pieces and
 * commit with its Firmware Activation notice, sanitize to completion,
 * device self-test, one callback per request, and fields refused before
 * anything reaches the device.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "common/test_env.h"
#include "pnvme/nvme.h"
#include "pnvme/sim.h"

struct rig {
	struct pnvme_ctrlr *c;
	struct pnvme_qpair *qp;
	struct pnvme_sim *sim;
};

static bool rig_open(struct rig *r, const char *params)
{
	char trid[256];

	memset(r, 0, sizeof(*r));
	snprintf(trid, sizeof(trid), "trtype:sim traddr:ops size=16M %s", params);
	if (pnvme_connect(trid, NULL, &r->c) != 0)
		return false;
	r->sim = pnvme_sim_get("ops");
	return r->sim != NULL && pnvme_ctrlr_alloc_io_qpair(r->c, NULL, &r->qp) == 0;
}

static void rig_close(struct rig *r)
{
	CU_ASSERT_EQUAL(pnvme_detach(r->c), 0);
}

static uint64_t deadline(unsigned ms)
{
	return pnvme_ticks() + ms * pnvme_ticks_hz() / 1000;
}

static int io_wait(struct rig *r, struct io_wait *w)
{
	uint64_t end = deadline(5000);

	while (w->calls == 0 && pnvme_ticks() < end)
		pnvme_qpair_process_completions(r->qp, 0);
	return w->calls;
}

/* Write a pattern to block lba of ns and read it back; true when it matches. */
static bool write_read(struct rig *r, struct pnvme_ns *ns, uint64_t lba, uint8_t seed)
{
	uint32_t bs = pnvme_ns_get_sector_size(ns);
	uint8_t *w = pnvme_dma_zmalloc(bs, 4096, NULL), *rd = pnvme_dma_zmalloc(bs, 4096, NULL);
	struct io_wait a = {0}, b = {0};
	bool same = false;

	if (w == NULL || rd == NULL)
		goto out;
	for (uint32_t i = 0; i < bs; i++)
		w[i] = (uint8_t)(i * 7 + seed);
	if (pnvme_ns_cmd_write(ns, r->qp, w, lba, 1, io_cb, &a, 0) != 0 || io_wait(r, &a) != 1 ||
	    pnvme_cpl_is_error(&a.cpl))
		goto out;
	if (pnvme_ns_cmd_read(ns, r->qp, rd, lba, 1, io_cb, &b, 0) != 0 || io_wait(r, &b) != 1 ||
	    pnvme_cpl_is_error(&b.cpl))
		goto out;
	same = memcmp(w, rd, bs) == 0;
out:
	pnvme_dma_free(w);
	pnvme_dma_free(rd);
	return same;
}

static void test_format(void)
{
	struct pnvme_format f = {.lbaf = 3}; /* 4096 bytes, no metadata */
	struct pnvme_cpl cpl;
	struct pnvme_ns *ns;
	struct rig r;
	uint8_t zero[4096];

	if (!rig_open(&r, "ns=2")) {
		CU_FAIL("attach");
		return;
	}
	ns = pnvme_ctrlr_get_ns(r.c, 1);
	CU_ASSERT_EQUAL(pnvme_ns_get_sector_size(ns), 512);
	CU_ASSERT_TRUE(write_read(&r, ns, 5, 1));
	CU_ASSERT_EQUAL(pnvme_ctrlr_format(r.c, 1, &f, &cpl), 0);
	/* The same handle, the new geometry. */
	CU_ASSERT_PTR_EQUAL(pnvme_ctrlr_get_ns(r.c, 1), ns);
	CU_ASSERT_EQUAL(pnvme_ns_get_sector_size(ns), 4096);
	CU_ASSERT_EQUAL(pnvme_ns_get_num_sectors(ns), (16u << 20) / 4096);
	CU_ASSERT_EQUAL(pnvme_ns_get_sector_size(pnvme_ctrlr_get_ns(r.c, 2)), 512);
	CU_ASSERT_TRUE(write_read(&r, ns, 7, 2));
	CU_ASSERT_TRUE(write_read(&r, ns, (16u << 20) / 4096 - 1, 3));
	/* Data before the format is gone: block 0 reads zeroes. */
	memset(zero, 0, sizeof(zero));
	{
		uint8_t *rd = pnvme_dma_zmalloc(4096, 4096, NULL);
		struct io_wait w = {0};

		CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns, r.qp, rd, 0, 1, io_cb, &w, 0), 0);
		CU_ASSERT_EQUAL(io_wait(&r, &w), 1);
		CU_ASSERT_EQUAL(memcmp(rd, zero, 4096), 0);
		pnvme_dma_free(rd);
	}
	/* A format that does not exist: Invalid Format, the namespace as it was. */
	f.lbaf = 9;
	CU_ASSERT_EQUAL(pnvme_ctrlr_format(r.c, 1, &f, &cpl), -EIO);
	CU_ASSERT_EQUAL(cpl.status.sct, PNVME_SCT_COMMAND_SPECIFIC);
	CU_ASSERT_EQUAL(cpl.status.sc, PNVME_SC_INVALID_FORMAT);
	CU_ASSERT_EQUAL(pnvme_ns_get_sector_size(ns), 4096);
	/* PI needs metadata: type 1 on a format without is Invalid Format. */
	f = (struct pnvme_format){.lbaf = 0, .pi = 1};
	CU_ASSERT_EQUAL(pnvme_ctrlr_format(r.c, 1, &f, &cpl), -EIO);
	CU_ASSERT_EQUAL(cpl.status.sc, PNVME_SC_INVALID_FORMAT);
	/* 512 + 8 bytes of metadata with PI type 1: the driver sees PI. */
	f = (struct pnvme_format){.lbaf = 1, .pi = 1, .mset = true};
	CU_ASSERT_EQUAL(pnvme_ctrlr_format(r.c, 1, &f, &cpl), 0);
	CU_ASSERT_EQUAL(pnvme_ns_get_sector_size(ns), 512);
	CU_ASSERT_EQUAL(pnvme_ns_get_md_size(ns), 8);
	CU_ASSERT_TRUE(pnvme_ns_md_is_extended(ns));
	CU_ASSERT_EQUAL(pnvme_ns_get_pi_type(ns), PNVME_PI_TYPE1);
	/* Every namespace at once. */
	f = (struct pnvme_format){.lbaf = 3};
	CU_ASSERT_EQUAL(pnvme_ctrlr_format(r.c, 0xffffffffu, &f, &cpl), 0);
	CU_ASSERT_EQUAL(pnvme_ns_get_sector_size(ns), 4096);
	CU_ASSERT_EQUAL(pnvme_ns_get_sector_size(pnvme_ctrlr_get_ns(r.c, 2)), 4096);
	rig_close(&r);
}

/* An asynchronous format: the Namespace Attribute Changed notice rescans. */
static void test_format_async_aer(void)
{
	struct pnvme_format f = {.lbaf = 3};
	struct io_wait w = {0};
	struct pnvme_ns *ns;
	struct rig r;
	uint64_t end;

	if (!rig_open(&r, "")) {
		CU_FAIL("attach");
		return;
	}
	ns = pnvme_ctrlr_get_ns(r.c, 1);
	CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_format(r.c, 1, &f, io_cb, &w), 0);
	end = deadline(5000);
	while ((w.calls == 0 || pnvme_ns_get_sector_size(ns) != 4096) && pnvme_ticks() < end)
		pnvme_ctrlr_process_admin_completions(r.c);
	CU_ASSERT_EQUAL(w.calls, 1);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	CU_ASSERT_EQUAL(pnvme_ns_get_sector_size(ns), 4096);
	CU_ASSERT_TRUE(write_read(&r, ns, 1, 4));
	rig_close(&r);
}

static void test_ns_management(void)
{
	struct pnvme_cpl cpl;
	struct pnvme_ns *ns3;
	uint32_t nsid = 0;
	struct io_wait w = {0};
	uint8_t *buf;
	struct rig r;

	if (!rig_open(&r, "ns=2 nn=4")) {
		CU_FAIL("attach");
		return;
	}
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_num_ns(r.c), 4);
	ns3 = pnvme_ctrlr_get_ns(r.c, 3);
	CU_ASSERT_FALSE(pnvme_ns_is_active(ns3));
	/* 2048 blocks of 4096 bytes (format 3). */
	CU_ASSERT_EQUAL(pnvme_ctrlr_ns_create(r.c, 2048, 2048, 3, 0, 0, &nsid, &cpl), 0);
	CU_ASSERT_EQUAL(nsid, 3);
	CU_ASSERT_FALSE(pnvme_ns_is_active(ns3)); /* created, not attached */
	CU_ASSERT_EQUAL(pnvme_ctrlr_ns_attach(r.c, 3, true, NULL, 0, &cpl), 0);
	CU_ASSERT_PTR_EQUAL(pnvme_ctrlr_get_ns(r.c, 3), ns3);
	CU_ASSERT_TRUE(pnvme_ns_is_active(ns3));
	CU_ASSERT_EQUAL(pnvme_ns_get_sector_size(ns3), 4096);
	CU_ASSERT_EQUAL(pnvme_ns_get_num_sectors(ns3), 2048);
	CU_ASSERT_TRUE(write_read(&r, ns3, 2047, 5));
	CU_ASSERT_EQUAL(pnvme_ctrlr_ns_attach(r.c, 3, true, NULL, 0, &cpl), -EIO);
	CU_ASSERT_EQUAL(cpl.status.sc, PNVME_SC_NS_ALREADY_ATTACHED);
	/* A controller list without this controller. */
	{
		uint16_t other = 7;

		CU_ASSERT_EQUAL(pnvme_ctrlr_ns_attach(r.c, 3, false, &other, 1, &cpl), -EIO);
		CU_ASSERT_EQUAL(cpl.status.sc, PNVME_SC_CONTROLLER_LIST_INVALID);
	}
	CU_ASSERT_EQUAL(pnvme_ctrlr_ns_attach(r.c, 3, false, NULL, 0, &cpl), 0);
	CU_ASSERT_FALSE(pnvme_ns_is_active(ns3));
	/* I/O on the detached namespace: refused at submission. */
	buf = pnvme_dma_zmalloc(4096, 4096, NULL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns3, r.qp, buf, 0, 1, io_cb, &w, 0), -ENXIO);
	CU_ASSERT_EQUAL(w.calls, 0);
	pnvme_dma_free(buf);
	/* Capacity: 4 x 16 MiB in all, 2 x 16 MiB + 8 MiB used. */
	CU_ASSERT_EQUAL(pnvme_ctrlr_ns_create(r.c, 8192, 8192, 3, 0, 0, &nsid, &cpl), -EIO);
	CU_ASSERT_EQUAL(cpl.status.sc, PNVME_SC_NS_INSUFFICIENT_CAPACITY);
	CU_ASSERT_EQUAL(pnvme_ctrlr_ns_delete(r.c, 3, &cpl), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_ns_delete(r.c, 3, &cpl), -EIO);
	CU_ASSERT_EQUAL(cpl.status.sc, PNVME_SC_INVALID_NAMESPACE_OR_FORMAT);
	/* Delete an attached one: its handle reports it gone. */
	CU_ASSERT_EQUAL(pnvme_ctrlr_ns_delete(r.c, 2, &cpl), 0);
	CU_ASSERT_FALSE(pnvme_ns_is_active(pnvme_ctrlr_get_ns(r.c, 2)));
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_next_active_ns(r.c, 1), 0);
	rig_close(&r);
}

struct aer_seen {
	int calls;
	uint32_t cdw0;
	int io_calls; /* I/O Command Specific Status events (sanitize) among them */
	uint32_t io_cdw0;
};

static void aer_cb(void *arg, const struct pnvme_cpl *cpl)
{
	struct aer_seen *s = arg;

	s->calls++;
	s->cdw0 = cpl->cdw0;
	if (PNVME_AER_TYPE(cpl->cdw0) == PNVME_AER_TYPE_IO_SPECIFIC) {
		s->io_calls++;
		s->io_cdw0 = cpl->cdw0;
	}
}

static void test_firmware(void)
{
	static uint8_t img[10 * 1024];
	struct pnvme_sim_stats before, after;
	struct pnvme_firmware_log fw;
	struct pnvme_ctrlr_data cd;
	struct aer_seen seen = {0};
	struct pnvme_cpl cpl;
	struct rig r;
	uint64_t end;

	if (!rig_open(&r, "")) {
		CU_FAIL("attach");
		return;
	}
	pnvme_ctrlr_register_aer_callback(r.c, aer_cb, &seen);
	memcpy(img, "FW-2.0.1", 8);
	pnvme_sim_get_stats(r.sim, &before);
	/* FWUG 4 KiB: 10 KiB in three pieces (4 + 4 + 2). */
	CU_ASSERT_EQUAL(pnvme_ctrlr_fw_download(r.c, img, sizeof(img), 0, &cpl), 0);
	pnvme_sim_get_stats(r.sim, &after);
	CU_ASSERT_EQUAL(after.admin_cmds[PNVME_OPC_FIRMWARE_IMAGE_DOWNLOAD] -
			before.admin_cmds[PNVME_OPC_FIRMWARE_IMAGE_DOWNLOAD], 3);
	/* A piece size that is not a FWUG multiple: refused before any command. */
	CU_ASSERT_EQUAL(pnvme_ctrlr_fw_download(r.c, img, sizeof(img), 6144, &cpl), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ctrlr_fw_download(r.c, img, 10, 0, &cpl), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ctrlr_fw_commit(r.c, 5, PNVME_FW_CA_REPLACE, &cpl), -EIO);
	CU_ASSERT_EQUAL(cpl.status.sc, PNVME_SC_INVALID_FIRMWARE_SLOT);
	CU_ASSERT_EQUAL(pnvme_ctrlr_fw_commit(r.c, 2, PNVME_FW_CA_ACTIVATE_NOW, &cpl), 0);
	end = deadline(5000);
	while (seen.calls == 0 && pnvme_ticks() < end)
		pnvme_ctrlr_process_admin_completions(r.c);
	CU_ASSERT_EQUAL(seen.calls, 1);
	CU_ASSERT_EQUAL(PNVME_AER_TYPE(seen.cdw0), PNVME_AER_TYPE_NOTICE);
	CU_ASSERT_EQUAL(PNVME_AER_INFO(seen.cdw0), PNVME_AER_NOTICE_FW_ACTIVATION_STARTING);
	CU_ASSERT_EQUAL(PNVME_AER_LOG_PAGE(seen.cdw0), PNVME_LOG_PAGE_FIRMWARE_SLOT);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_log_page(r.c, PNVME_LOG_PAGE_FIRMWARE_SLOT, 0xffffffffu,
						 &fw, sizeof(fw), 0, 0, &cpl), 0);
	CU_ASSERT_EQUAL(fw.afi & 7, 2);
	CU_ASSERT_EQUAL(memcmp(fw.frs[1], "FW-2.0.1", 8), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_identify(r.c, PNVME_CNS_CTRLR, 0, &cd, &cpl), 0);
	CU_ASSERT_EQUAL(memcmp(cd.fr, "FW-2.0.1", 8), 0);
	/* Slot 1 again, at the next reset. */
	CU_ASSERT_EQUAL(pnvme_ctrlr_fw_commit(r.c, 1, PNVME_FW_CA_ACTIVATE, &cpl), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_reset(r.c), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_log_page(r.c, PNVME_LOG_PAGE_FIRMWARE_SLOT, 0xffffffffu,
						 &fw, sizeof(fw), 0, 0, &cpl), 0);
	CU_ASSERT_EQUAL(fw.afi, 1);
	rig_close(&r);
}

/* An image from two files: the second at a byte offset, its pieces after it. */
static void test_firmware_offset(void)
{
	static uint8_t a[4096], b[12 * 1024];
	struct pnvme_sim_stats before, after;
	struct pnvme_firmware_log fw;
	struct pnvme_cpl cpl;
	struct rig r;

	if (!rig_open(&r, "")) {
		CU_FAIL("attach");
		return;
	}
	memcpy(a, "FW-3.0.0", 8);
	CU_ASSERT_EQUAL(pnvme_ctrlr_fw_download_at(r.c, 0, a, sizeof(a), 0, &cpl), 0);
	/* Not FWUG-aligned (4 KiB): refused before any command. */
	pnvme_sim_get_stats(r.sim, &before);
	CU_ASSERT_EQUAL(pnvme_ctrlr_fw_download_at(r.c, 2048, b, sizeof(b), 0, &cpl), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ctrlr_fw_download_at(r.c, 1ull << 32, b, sizeof(b), 0, &cpl),
			-EINVAL);
	pnvme_sim_get_stats(r.sim, &after);
	CU_ASSERT_EQUAL(after.admin_cmds[PNVME_OPC_FIRMWARE_IMAGE_DOWNLOAD],
			before.admin_cmds[PNVME_OPC_FIRMWARE_IMAGE_DOWNLOAD]);
	/* Beyond the sim's 1 MiB image: Invalid Field, and the image so far stays. */
	CU_ASSERT_EQUAL(pnvme_ctrlr_fw_download_at(r.c, 1u << 20, b, sizeof(b), 0, &cpl), -EIO);
	CU_ASSERT_EQUAL(cpl.status.sc, PNVME_SC_INVALID_FIELD);
	/* 12 KiB at 4096 in 8 KiB pieces: two commands, at 4096 and 12288. */
	pnvme_sim_get_stats(r.sim, &before);
	CU_ASSERT_EQUAL(pnvme_ctrlr_fw_download_at(r.c, 4096, b, sizeof(b), 8192, &cpl), 0);
	pnvme_sim_get_stats(r.sim, &after);
	CU_ASSERT_EQUAL(after.admin_cmds[PNVME_OPC_FIRMWARE_IMAGE_DOWNLOAD] -
			before.admin_cmds[PNVME_OPC_FIRMWARE_IMAGE_DOWNLOAD], 2);
	/* The image now ends at 16 KiB: 12288 overlaps it. */
	CU_ASSERT_EQUAL(pnvme_ctrlr_fw_download_at(r.c, 12288, a, sizeof(a), 0, &cpl), -EIO);
	CU_ASSERT_EQUAL(cpl.status.sc, PNVME_SC_OVERLAPPING_RANGE);
	CU_ASSERT_EQUAL(pnvme_ctrlr_fw_commit(r.c, 3, PNVME_FW_CA_REPLACE, &cpl), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_log_page(r.c, PNVME_LOG_PAGE_FIRMWARE_SLOT, 0xffffffffu,
						 &fw, sizeof(fw), 0, 0, &cpl), 0);
	CU_ASSERT_EQUAL(memcmp(fw.frs[2], "FW-3.0.0", 8), 0);
	rig_close(&r);
}

static void test_sanitize(void)
{
	struct pnvme_sanitize_log l;
	struct pnvme_cpl cpl;
	struct pnvme_ns *ns;
	struct io_wait w = {0};
	uint16_t last = 0;
	bool monotonic = true, io_refused = false;
	uint8_t *buf;
	struct rig r;
	uint64_t end;

	if (!rig_open(&r, "sanitize_ms=300")) {
		CU_FAIL("attach");
		return;
	}
	ns = pnvme_ctrlr_get_ns(r.c, 1);
	CU_ASSERT_TRUE(write_read(&r, ns, 3, 6));
	CU_ASSERT_EQUAL(pnvme_ctrlr_sanitize(r.c, 0, 0, &cpl), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ctrlr_sanitize(r.c, PNVME_SANACT_BLOCK_ERASE, 0, &cpl), 0);
	buf = pnvme_dma_zmalloc(512, 4096, NULL);
	end = deadline(5000);
	do {
		CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_get_log_page(r.c, PNVME_LOG_PAGE_SANITIZE, 0, &l,
							       sizeof(l), 0, 0, &cpl), 0);
		monotonic &= l.sprog >= last;
		last = l.sprog;
		if (PNVME_SSTAT_STATE(l.sstat) == PNVME_SSTAT_IN_PROGRESS && !io_refused) {
			w.calls = 0;
			CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns, r.qp, buf, 3, 1, io_cb, &w, 0), 0);
			io_wait(&r, &w);
			io_refused = w.calls == 1 && w.cpl.status.sc == PNVME_SC_SANITIZE_IN_PROGRESS;
		}
	} while (PNVME_SSTAT_STATE(l.sstat) == PNVME_SSTAT_IN_PROGRESS && pnvme_ticks() < end);
	CU_ASSERT_TRUE(monotonic);
	CU_ASSERT_TRUE(io_refused);
	CU_ASSERT_EQUAL(PNVME_SSTAT_STATE(l.sstat), PNVME_SSTAT_COMPLETED);
	CU_ASSERT_EQUAL(l.sprog, 65535);
	CU_ASSERT_TRUE(l.sstat & PNVME_SSTAT_GLOBAL_ERASED);
	CU_ASSERT_EQUAL(l.scdw10, PNVME_SANACT_BLOCK_ERASE);
	/* Erased: the block written before reads zeroes. */
	w.calls = 0;
	memset(buf, 0xa5, 512);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns, r.qp, buf, 3, 1, io_cb, &w, 0), 0);
	CU_ASSERT_EQUAL(io_wait(&r, &w), 1);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w.cpl));
	CU_ASSERT_EQUAL(buf[0] | buf[100] | buf[511], 0);
	pnvme_dma_free(buf);
	rig_close(&r);
}

/* Run a sanitize to its end; the event it raises lands in seen->io_cdw0. */
static void sanitize_until_aer(struct rig *r, uint32_t cdw10, struct aer_seen *seen)
{
	struct pnvme_cpl cpl;
	uint64_t end;

	seen->io_calls = 0;
	CU_ASSERT_EQUAL(pnvme_ctrlr_sanitize(r->c, cdw10, 0, &cpl), 0);
	end = deadline(5000);
	while (seen->io_calls == 0 && pnvme_ticks() < end)
		pnvme_ctrlr_process_admin_completions(r->c);
	/* A little longer: a second event for the same sanitize would show. */
	end = deadline(50);
	while (pnvme_ticks() < end)
		pnvme_ctrlr_process_admin_completions(r->c);
	CU_ASSERT_EQUAL(seen->io_calls, 1);
	CU_ASSERT_EQUAL(PNVME_AER_TYPE(seen->io_cdw0), PNVME_AER_TYPE_IO_SPECIFIC);
	CU_ASSERT_EQUAL(PNVME_AER_LOG_PAGE(seen->io_cdw0), PNVME_LOG_PAGE_SANITIZE);
}

/*
 * Sanitize Operation Completed: an I/O Command Specific Status event naming the
 * Sanitize Status log, which the driver reads (RAE clear) before the callback;
 * that re-arms it, so each sanitize notifies once. (The sim also raises a
 * Namespace Attribute Changed notice: the erase remaps every namespace.)
 */
static void test_sanitize_aer(void)
{
	struct aer_seen seen = {0};
	struct pnvme_sanitize_log l;
	struct pnvme_cpl cpl;
	struct rig r;

	if (!rig_open(&r, "sanitize_ms=100")) {
		CU_FAIL("attach");
		return;
	}
	pnvme_ctrlr_register_aer_callback(r.c, aer_cb, &seen);
	sanitize_until_aer(&r, PNVME_SANACT_BLOCK_ERASE, &seen);
	CU_ASSERT_EQUAL(PNVME_AER_INFO(seen.io_cdw0), PNVME_AER_IO_SANITIZE_COMPLETED);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_log_page(r.c, PNVME_LOG_PAGE_SANITIZE, 0, &l, sizeof(l), 0,
						 0, &cpl), 0);
	CU_ASSERT_EQUAL(PNVME_SSTAT_STATE(l.sstat), PNVME_SSTAT_COMPLETED);
	/* Re-armed by the driver's read: the next one notifies too (No-Deallocate asked,
	 * the sim deallocates anyway: "with unexpected deallocation"). */
	sanitize_until_aer(&r, PNVME_SANACT_CRYPTO_ERASE | PNVME_SANITIZE_NDAS, &seen);
	CU_ASSERT_EQUAL(PNVME_AER_INFO(seen.io_cdw0), PNVME_AER_IO_SANITIZE_COMPLETED_DEALLOC);
	/* Across a controller reset too (the driver submits its AERs again). */
	CU_ASSERT_EQUAL(pnvme_ctrlr_reset(r.c), 0);
	sanitize_until_aer(&r, PNVME_SANACT_OVERWRITE | 1u << 4, &seen);
	CU_ASSERT_EQUAL(PNVME_AER_INFO(seen.io_cdw0), PNVME_AER_IO_SANITIZE_COMPLETED);
	rig_close(&r);
}

static void self_test_log(struct rig *r, struct pnvme_self_test_log *l)
{
	struct pnvme_cpl cpl;

	CU_ASSERT_EQUAL(pnvme_ctrlr_get_log_page(r->c, PNVME_LOG_PAGE_SELF_TEST, 0, l, sizeof(*l),
						 0, 0, &cpl), 0);
}

/* A controller reset aborts a short self-test (result 2h); an extended one runs on. */
static void test_self_test_reset(void)
{
	struct pnvme_self_test_log l;
	struct pnvme_cpl cpl;
	struct rig r;

	if (!rig_open(&r, "selftest_ms=60000")) {
		CU_FAIL("attach");
		return;
	}
	CU_ASSERT_EQUAL(pnvme_ctrlr_device_self_test(r.c, 0, PNVME_DST_SHORT, &cpl), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_reset(r.c), 0);
	self_test_log(&r, &l);
	CU_ASSERT_EQUAL(l.current_operation, 0);
	CU_ASSERT_EQUAL(l.result[0].dsts, PNVME_DST_SHORT << 4 | PNVME_DST_RESULT_ABORTED_RESET);
	CU_ASSERT_EQUAL(l.result[1].dsts & 0xf, PNVME_DST_RESULT_UNUSED);
	CU_ASSERT_EQUAL(pnvme_ctrlr_device_self_test(r.c, 0, PNVME_DST_EXTENDED, &cpl), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_reset(r.c), 0);
	self_test_log(&r, &l);
	CU_ASSERT_EQUAL(l.current_operation, PNVME_DST_EXTENDED);
	CU_ASSERT_EQUAL(l.result[0].dsts, PNVME_DST_SHORT << 4 | PNVME_DST_RESULT_ABORTED_RESET);
	/* Still the one running: a second cannot start. */
	CU_ASSERT_EQUAL(pnvme_ctrlr_device_self_test(r.c, 0, PNVME_DST_SHORT, &cpl), -EIO);
	CU_ASSERT_EQUAL(cpl.status.sc, PNVME_SC_SELF_TEST_IN_PROGRESS);
	CU_ASSERT_EQUAL(pnvme_ctrlr_device_self_test(r.c, 0, PNVME_DST_ABORT, &cpl), 0);
	self_test_log(&r, &l);
	CU_ASSERT_EQUAL(l.current_operation, 0);
	CU_ASSERT_EQUAL(l.result[0].dsts, PNVME_DST_EXTENDED << 4 | PNVME_DST_RESULT_ABORTED_CMD);
	rig_close(&r);
}

static void test_self_test(void)
{
	struct pnvme_self_test_log l;
	struct pnvme_cpl cpl;
	struct rig r;

	if (!rig_open(&r, "selftest_ms=60000")) {
		CU_FAIL("attach");
		return;
	}
	CU_ASSERT_EQUAL(pnvme_ctrlr_device_self_test(r.c, 1, PNVME_DST_SHORT, &cpl), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_device_self_test(r.c, 0, PNVME_DST_SHORT, &cpl), -EIO);
	CU_ASSERT_EQUAL(cpl.status.sc, PNVME_SC_SELF_TEST_IN_PROGRESS);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_log_page(r.c, PNVME_LOG_PAGE_SELF_TEST, 0, &l, sizeof(l),
						 0, 0, &cpl), 0);
	CU_ASSERT_EQUAL(l.current_operation, PNVME_DST_SHORT);
	CU_ASSERT_EQUAL(l.result[0].dsts & 0xf, PNVME_DST_RESULT_UNUSED);
	CU_ASSERT_EQUAL(pnvme_ctrlr_device_self_test(r.c, 0, PNVME_DST_ABORT, &cpl), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_log_page(r.c, PNVME_LOG_PAGE_SELF_TEST, 0, &l, sizeof(l),
						 0, 0, &cpl), 0);
	CU_ASSERT_EQUAL(l.current_operation, 0);
	CU_ASSERT_EQUAL(l.result[0].dsts, PNVME_DST_SHORT << 4 | 1); /* aborted by command */
	CU_ASSERT_EQUAL(l.result[0].vdi & 1, 1);
	CU_ASSERT_EQUAL(l.result[0].nsid, 1);
	CU_ASSERT_EQUAL(pnvme_ctrlr_device_self_test(r.c, 9, PNVME_DST_SHORT, &cpl), -EIO);
	CU_ASSERT_EQUAL(cpl.status.sc, PNVME_SC_INVALID_NAMESPACE_OR_FORMAT);
	rig_close(&r);
}

static void test_callbacks_and_refusals(void)
{
	struct pnvme_format f = {.lbaf = 64};
	struct pnvme_sim_stats before, after;
	struct io_wait w = {0};
	struct pnvme_cpl cpl;
	uint32_t value = 0;
	uint8_t *buf;
	struct rig r;
	uint64_t end;

	if (!rig_open(&r, "")) {
		CU_FAIL("attach");
		return;
	}
	buf = pnvme_dma_zmalloc(4096, 4096, NULL);
	/* Exactly one callback per accepted request. */
	CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_identify(r.c, PNVME_CNS_CTRLR, 0, buf, io_cb, &w), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_get_log_page(r.c, PNVME_LOG_PAGE_HEALTH, 0xffffffffu, buf,
						     512, 0, 0, io_cb, &w), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_get_feature(r.c, PNVME_FEAT_NUMBER_OF_QUEUES, 0, 0, 0,
						    NULL, 0, io_cb, &w), 0);
	end = deadline(5000);
	while (w.calls < 3 && pnvme_ticks() < end)
		pnvme_ctrlr_process_admin_completions(r.c);
	for (int i = 0; i < 100; i++)
		pnvme_ctrlr_process_admin_completions(r.c);
	CU_ASSERT_EQUAL(w.calls, 3);
	/* Bad fields: -EINVAL and nothing sent. */
	pnvme_sim_get_stats(r.sim, &before);
	CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_format(r.c, 1, &f, io_cb, &w), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_get_log_page(r.c, 2, 0, buf, 510, 0, 0, io_cb, &w), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_get_log_page(r.c, 2, 0, buf, 512, 2, 0, io_cb, &w), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_get_feature(r.c, 7, 4, 0, 0, NULL, 0, io_cb, &w), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_fw_commit(r.c, 8, 0, io_cb, &w), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_sanitize(r.c, 5, 0, io_cb, &w), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_device_self_test(r.c, 0, 0x10, io_cb, &w), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ctrlr_cmd_ns_delete(r.c, 0, io_cb, &w), -EINVAL);
	pnvme_sim_get_stats(r.sim, &after);
	CU_ASSERT_EQUAL(memcmp(before.admin_cmds, after.admin_cmds, sizeof(after.admin_cmds)), 0);
	CU_ASSERT_EQUAL(w.calls, 3);
	/* Sync get/set feature round trip, and a log page at an offset. */
	CU_ASSERT_EQUAL(pnvme_ctrlr_set_feature(r.c, PNVME_FEAT_TEMPERATURE_THRESHOLD, 350, 0,
						false, 0, NULL, 0, &cpl), 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_get_feature(r.c, PNVME_FEAT_TEMPERATURE_THRESHOLD, 0, 0, 0,
						NULL, 0, &value, &cpl), 0);
	CU_ASSERT_EQUAL(value & 0xffff, 350);
	{
		struct pnvme_health_log h;
		uint8_t tail[16];

		CU_ASSERT_EQUAL(pnvme_ctrlr_get_log_page(r.c, PNVME_LOG_PAGE_HEALTH, 0xffffffffu, &h,
							 sizeof(h), 0, 0, &cpl), 0);
		CU_ASSERT_EQUAL(pnvme_ctrlr_get_log_page(r.c, PNVME_LOG_PAGE_HEALTH, 0xffffffffu,
							 tail, sizeof(tail), 112, 0, &cpl), 0);
		CU_ASSERT_EQUAL(memcmp(tail, h.power_cycles, 16), 0);
		CU_ASSERT_EQUAL(tail[0], 1);
	}
	pnvme_dma_free(buf);
	rig_close(&r);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"format, then I/O at the new block size on the same handle", test_format},
		{"asynchronous format: the AER rescans", test_format_async_aer},
		{"namespace create/attach/I/O/detach/delete", test_ns_management},
		{"firmware download in FWUG pieces, commit, the AER", test_firmware},
		{"firmware download at an offset; bad offsets change nothing", test_firmware_offset},
		{"sanitize: progress to completion, I/O refused meanwhile", test_sanitize},
		{"device self-test: in progress, abort, log", test_self_test},
		{"sanitize raises Sanitize Operation Completed, re-armed by the log", test_sanitize_aer},
		{"controller reset aborts a short self-test, not an extended one",
		 test_self_test_reset},
		{"one callback per request; bad fields never sent", test_callbacks_and_refusals},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("admin helpers", NULL, NULL, tests);
	return test_run_all();
}
