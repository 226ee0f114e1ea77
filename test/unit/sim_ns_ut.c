/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/sim driven directly through the minimal host in test/common/sim_host.c:
 * namespaces changed behind the host's back (format, removal), the
 * Namespace Attribute Changed notice, Asynchronous Event Configuration, the
 * Changed Namespace List log page, and metadata / PI formats in Identify.
 */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/sim_host.h"
#include "common/test_env.h"
#include "pnvme/env.h"
#include "pnvme/nvme_spec.h"
#include "pnvme/sim.h"

#define LID_CHANGED_NS 0x04
#define RAE (1u << 15)
#define AEC_NS_ATTR (1u << 8)
#define CHANGED_NS_ENTRIES 1024

static void poll_n(struct sim_host *h, int n)
{
	for (int i = 0; i < n; i++)
		pnvme_sim_poll(h->sim);
}

static unsigned set_aec(struct sim_host *h, uint32_t v)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_SET_FEATURES, .cdw10 = PNVME_FEAT_ASYNC_EVENT_CONFIG,
			      .cdw11 = v};

	return sim_host_admin(h, &c, NULL);
}

static uint32_t get_aec(struct sim_host *h)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_GET_FEATURES, .cdw10 = PNVME_FEAT_ASYNC_EVENT_CONFIG};
	struct pnvme_cpl cpl;

	CU_ASSERT_EQUAL(sim_host_admin(h, &c, &cpl), SIM_HOST_OK);
	return cpl.cdw0;
}

/* The Changed Namespace List (4 KiB, one page) into list; rae: leave it and its notices be. */
static unsigned changed_log(struct sim_host *h, uint32_t *list, bool rae)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_GET_LOG_PAGE, .nsid = 0xffffffff};
	uint32_t numd = CHANGED_NS_ENTRIES - 1;

	memset(list, 0xee, CHANGED_NS_ENTRIES * 4);
	c.cdw10 = LID_CHANGED_NS | (rae ? RAE : 0) | numd << 16;
	c.dptr.prp.prp1 = sim_host_iova(list);
	return sim_host_admin(h, &c, NULL);
}

static unsigned n_listed(const uint32_t *list)
{
	unsigned n = 0;

	while (n < CHANGED_NS_ENTRIES && list[n] != 0)
		n++;
	return n;
}

/* An AER outstanding on the admin queue; returns its CID. */
static uint16_t aer_submit(struct sim_host *h)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_ASYNC_EVENT_REQUEST};

	return sim_host_submit(h, &h->aq, &c);
}

static void expect_ns_notice(struct sim_host *h, uint16_t cid)
{
	struct pnvme_cpl cpl;

	CU_ASSERT_EQUAL_FATAL(sim_host_wait_cpl(h, &h->aq, &cpl), 0);
	CU_ASSERT_EQUAL(cpl.cid, cid);
	CU_ASSERT_EQUAL(sim_host_st(&cpl), SIM_HOST_OK);
	CU_ASSERT_EQUAL(PNVME_AER_TYPE(cpl.cdw0), 2);
	CU_ASSERT_EQUAL(PNVME_AER_INFO(cpl.cdw0), 0x00);
	CU_ASSERT_EQUAL(PNVME_AER_LOG_PAGE(cpl.cdw0), LID_CHANGED_NS);
}

static unsigned ns_io(struct sim_host *h, uint8_t opc, uint32_t nsid, void *buf)
{
	struct pnvme_cmd c = sim_host_rw_cmd(opc, nsid, 0, 1);

	c.dptr.prp.prp1 = sim_host_iova(buf);
	return sim_host_run(h, &h->io, &c, NULL);
}

static void test_ns_format(void)
{
	struct sim_host h;
	uint32_t *list = sim_host_dma(SIM_HOST_PAGE);
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_ctrlr_data *cd = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_ns_data *nd = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cpl cpl;
	uint16_t aer;

	sim_host_start(&h, "ns=2 size=64M");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, cd), SIM_HOST_OK);
	CU_ASSERT_TRUE(cd->oaes & AEC_NS_ATTR);
	CU_ASSERT_EQUAL(get_aec(&h), 0); /* notices off by default */
	sim_host_fill(buf, SIM_HOST_PAGE, 2);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 0, 8, buf, SIM_HOST_PAGE), SIM_HOST_OK);

	/* AEC bit 8 clear: the change is listed, no notice. */
	aer = aer_submit(&h);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 1, 4096, 0), 0);
	poll_n(&h, 5);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.aq, &cpl, true));
	CU_ASSERT_EQUAL(changed_log(&h, list, true), SIM_HOST_OK);
	CU_ASSERT_EQUAL(n_listed(list), 1);
	CU_ASSERT_EQUAL(list[0], 1);
	CU_ASSERT_EQUAL(list[1], 0);
	CU_ASSERT_EQUAL(changed_log(&h, list, false), SIM_HOST_OK); /* read and clear */
	CU_ASSERT_EQUAL(n_listed(list), 1);
	CU_ASSERT_EQUAL(changed_log(&h, list, false), SIM_HOST_OK);
	CU_ASSERT_EQUAL(n_listed(list), 0);
	/* The new format: 64 MiB of 4 KiB blocks, and the data is gone. */
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS, 1, nd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(nd->nsze, 64u << 20 >> 12);
	CU_ASSERT_EQUAL(nd->lbaf[PNVME_FLBAS_FORMAT(nd->flbas)].lbads, 12);
	memset(buf, 0xaa, SIM_HOST_PAGE);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 1, buf, SIM_HOST_PAGE), SIM_HOST_OK);
	CU_ASSERT_TRUE(sim_host_all_zero(buf, SIM_HOST_PAGE));

	/* AEC bit 8 set: a notice for the outstanding AER. */
	CU_ASSERT_EQUAL(set_aec(&h, AEC_NS_ATTR | 0xffff0000u), SIM_HOST_OK);
	CU_ASSERT_EQUAL(get_aec(&h), AEC_NS_ATTR); /* unsupported bits are not kept */
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 1, 512, 8u << 20), 0);
	expect_ns_notice(&h, aer);
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS, 1, nd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(nd->nsze, 8u << 20 >> 9);
	CU_ASSERT_EQUAL(nd->lbaf[PNVME_FLBAS_FORMAT(nd->flbas)].lbads, 9);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 16383, 1, buf, 512), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 16384, 1, buf, 512),
			SIM_HOST_ST(0, PNVME_SC_LBA_OUT_OF_RANGE));

	/* Masked until the log page is read without RAE. */
	aer = aer_submit(&h);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 2, 4096, 0), 0);
	poll_n(&h, 5);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.aq, &cpl, true));
	CU_ASSERT_EQUAL(changed_log(&h, list, true), SIM_HOST_OK); /* RAE: still masked */
	CU_ASSERT_EQUAL(n_listed(list), 2);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 2, 512, 0), 0);
	poll_n(&h, 5);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.aq, &cpl, true));
	CU_ASSERT_EQUAL(changed_log(&h, list, false), SIM_HOST_OK);
	CU_ASSERT_EQUAL(n_listed(list), 2); /* NSIDs 1 and 2, each once */
	CU_ASSERT_TRUE((list[0] == 1 && list[1] == 2) || (list[0] == 2 && list[1] == 1));
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 2, 4096, 0), 0);
	expect_ns_notice(&h, aer);
	CU_ASSERT_EQUAL(changed_log(&h, list, false), SIM_HOST_OK);
	CU_ASSERT_EQUAL(n_listed(list), 1);
	CU_ASSERT_EQUAL(list[0], 2);

	/* The raw hook ignores AEC and masking. */
	CU_ASSERT_EQUAL(set_aec(&h, 0), SIM_HOST_OK);
	aer = aer_submit(&h);
	CU_ASSERT_EQUAL(pnvme_sim_raise_aer(h.sim, 2, 0x00, LID_CHANGED_NS), 0);
	expect_ns_notice(&h, aer);

	/* Bad arguments. */
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 0, 512, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 3, 512, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 1, 1000, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 1, 256, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 1, 131072, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 1, 4096, 3 * 4096 + 512), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 1, 4096, 1ull << 50), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 1, 512, (8u << 20) + 4096), 0);
	/* Size kept, but it is no multiple of 64 KiB. */
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 1, 65536, 0), -EINVAL);
	sim_host_stop(&h);
	pnvme_dma_free(list);
	pnvme_dma_free(buf);
	pnvme_dma_free(cd);
	pnvme_dma_free(nd);
}

static void test_ns_remove(void)
{
	struct sim_host h;
	uint32_t *list = sim_host_dma(SIM_HOST_PAGE);
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c;
	uint16_t aer;

	sim_host_start(&h, "ns=3 size=1M");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	CU_ASSERT_EQUAL(set_aec(&h, AEC_NS_ATTR), SIM_HOST_OK);
	aer = aer_submit(&h);
	CU_ASSERT_EQUAL(pnvme_sim_ns_remove(h.sim, 2), 0);
	expect_ns_notice(&h, aer);
	CU_ASSERT_EQUAL(changed_log(&h, list, false), SIM_HOST_OK);
	CU_ASSERT_EQUAL(n_listed(list), 1);
	CU_ASSERT_EQUAL(list[0], 2);

	/* Inactive: zeroes from Identify, not listed, I/O refused. */
	memset(buf, 0xff, SIM_HOST_PAGE);
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS, 2, buf), SIM_HOST_OK);
	CU_ASSERT_TRUE(sim_host_all_zero(buf, SIM_HOST_PAGE));
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_ACTIVE_NS_LIST, 0, list), SIM_HOST_OK);
	CU_ASSERT_EQUAL(list[0], 1);
	CU_ASSERT_EQUAL(list[1], 3);
	CU_ASSERT_EQUAL(list[2], 0);
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS_DESC_LIST, 2, buf),
			SIM_HOST_ST(0, PNVME_SC_INVALID_NAMESPACE_OR_FORMAT));
	CU_ASSERT_EQUAL(ns_io(&h, PNVME_OPC_READ, 2, buf),
			SIM_HOST_ST(0, PNVME_SC_INVALID_NAMESPACE_OR_FORMAT));
	CU_ASSERT_EQUAL(ns_io(&h, PNVME_OPC_WRITE, 2, buf),
			SIM_HOST_ST(0, PNVME_SC_INVALID_NAMESPACE_OR_FORMAT));
	c = (struct pnvme_cmd){.opc = PNVME_OPC_FLUSH, .nsid = 2};
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL),
			SIM_HOST_ST(0, PNVME_SC_INVALID_NAMESPACE_OR_FORMAT));
	c.nsid = 0xffffffff;
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(ns_io(&h, PNVME_OPC_READ, 3, buf), SIM_HOST_OK);
	/* Once only; an inactive namespace cannot be formatted. */
	CU_ASSERT_EQUAL(pnvme_sim_ns_remove(h.sim, 2), -ENOENT);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 2, 512, 0), -ENOENT);
	CU_ASSERT_EQUAL(pnvme_sim_ns_remove(h.sim, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_remove(h.sim, 4), -EINVAL);

	/* A controller reset unmasks: the next change notifies again. */
	CU_ASSERT_EQUAL(set_aec(&h, AEC_NS_ATTR), SIM_HOST_OK);
	aer = aer_submit(&h);
	CU_ASSERT_EQUAL(pnvme_sim_ns_remove(h.sim, 3), 0);
	expect_ns_notice(&h, aer);
	sim_host_wr(&h, PNVME_REG_CC, 0);
	CU_ASSERT_TRUE(sim_host_wait_csts(&h, PNVME_CSTS_RDY, 0));
	sim_host_hq_fini(&h.aq);
	sim_host_hq_fini(&h.io);
	sim_host_hq_init(&h.aq, 0, SIM_HOST_AQ_SIZE);
	sim_host_program(&h, sim_host_cc_default());
	CU_ASSERT_TRUE_FATAL(sim_host_wait_csts(&h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
	CU_ASSERT_EQUAL(get_aec(&h), 0); /* features reset too */
	CU_ASSERT_EQUAL(set_aec(&h, AEC_NS_ATTR), SIM_HOST_OK);
	aer = aer_submit(&h);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 1, 4096, 0), 0);
	expect_ns_notice(&h, aer);
	CU_ASSERT_EQUAL(changed_log(&h, list, false), SIM_HOST_OK);
	CU_ASSERT_EQUAL(n_listed(list), 2); /* 3, not read before the reset, and 1 */
	sim_host_stop(&h);
	pnvme_dma_free(list);
	pnvme_dma_free(buf);
}

static void test_ns_changes_thread_mode(void)
{
	struct sim_host h;
	struct pnvme_ns_data *nd = sim_host_dma(SIM_HOST_PAGE);
	uint16_t aer;

	sim_host_start(&h, "thread=1 ns=2 size=1M");
	CU_ASSERT_EQUAL(set_aec(&h, AEC_NS_ATTR), SIM_HOST_OK);
	aer = aer_submit(&h);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 2, 4096, 2u << 20), 0);
	expect_ns_notice(&h, aer);
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS, 2, nd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(nd->nsze, 512);
	/* Applied when the call returns (no AER outstanding: the notice waits). */
	CU_ASSERT_EQUAL(pnvme_sim_ns_remove(h.sim, 1), 0);
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS, 1, nd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(nd->nsze, 0);
	sim_host_stop(&h);
	pnvme_dma_free(nd);
}

/* ================================================================ metadata formats */

static void test_metadata_formats(void)
{
	struct sim_host h;
	struct pnvme_ns_data *nd = sim_host_dma(SIM_HOST_PAGE);
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	const uint8_t all_dpc = PNVME_DPC_TYPE1 | PNVME_DPC_TYPE2 | PNVME_DPC_TYPE3 |
				PNVME_DPC_FIRST | PNVME_DPC_LAST;

	/* Default: format 0 (512, no metadata) of six; what the sim can do is listed. */
	sim_host_start(&h, "");
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS, 1, nd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(nd->nlbaf, 5);
	CU_ASSERT_EQUAL(nd->flbas, 0);
	CU_ASSERT_EQUAL(nd->lbaf[0].ms, 0);
	CU_ASSERT_EQUAL(nd->lbaf[0].lbads, 9);
	CU_ASSERT_EQUAL(nd->lbaf[1].ms, 8);
	CU_ASSERT_EQUAL(nd->lbaf[2].ms, 64);
	CU_ASSERT_EQUAL(nd->lbaf[4].lbads, 12);
	CU_ASSERT_EQUAL(nd->lbaf[4].ms, 8);
	CU_ASSERT_EQUAL(nd->mc, PNVME_MC_EXTENDED | PNVME_MC_SEPARATE);
	CU_ASSERT_EQUAL(nd->dpc, all_dpc);
	CU_ASSERT_EQUAL(nd->dps, 0);
	CU_ASSERT_TRUE(nd->dlfeat & PNVME_DLFEAT_GUARD_CRC);
	sim_host_stop(&h);

	/* Extended LBA with type 1 PI in the first eight bytes: format 1, FLBAS bit 4. */
	sim_host_start(&h, "ms=8 mset=1 pi=1 pil=1");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS, 1, nd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(PNVME_FLBAS_FORMAT(nd->flbas), 1);
	CU_ASSERT_TRUE(nd->flbas & PNVME_FLBAS_EXTENDED);
	CU_ASSERT_EQUAL(nd->lbaf[1].ms, 8);
	CU_ASSERT_EQUAL(nd->dps, 0x1 | PNVME_DPS_PI_FIRST);
	/* I/O works: 520-byte blocks through DPTR; PRACT and PRCHK clear, the PI as sent. */
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 0, 1, buf, 520), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 1, buf, 520), SIM_HOST_OK);
	sim_host_stop(&h);

	/* Separate buffer, 16 bytes, type 3 PI last: not a listed format, so format 6. */
	sim_host_start(&h, "ms=16 pi=3");
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS, 1, nd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(nd->nlbaf, 6);
	CU_ASSERT_EQUAL(nd->flbas, 6);
	CU_ASSERT_EQUAL(nd->lbaf[6].ms, 16);
	CU_ASSERT_EQUAL(nd->lbaf[6].lbads, 9);
	CU_ASSERT_EQUAL(nd->dps, 0x3);
	sim_host_stop(&h);

	/* Metadata without PI; the largest size. */
	sim_host_start(&h, "ms=64 lba=4096");
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS, 1, nd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(nd->flbas, 5);
	CU_ASSERT_EQUAL(nd->lbaf[5].ms, 64);
	CU_ASSERT_EQUAL(nd->dps, 0);
	/* pnvme_sim_ns_format_md: another format, and its checks. */
	CU_ASSERT_EQUAL(pnvme_sim_ns_format_md(h.sim, 1, 512, 8, true, 2, false, 0), 0);
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS, 1, nd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(nd->flbas, 1 | PNVME_FLBAS_EXTENDED);
	CU_ASSERT_EQUAL(nd->dps, 2);
	CU_ASSERT_EQUAL(nd->nsze, (1u << 30) / 512);
	/* pnvme_sim_ns_format keeps the metadata format. */
	CU_ASSERT_EQUAL(pnvme_sim_ns_format(h.sim, 1, 4096, 0), 0);
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS, 1, nd), SIM_HOST_OK);
	CU_ASSERT_EQUAL(nd->flbas, 4 | PNVME_FLBAS_EXTENDED);
	CU_ASSERT_EQUAL(nd->dps, 2);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format_md(h.sim, 1, 512, 65, false, 0, false, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format_md(h.sim, 1, 512, 4, false, 1, false, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format_md(h.sim, 1, 512, 0, true, 0, false, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format_md(h.sim, 1, 512, 8, false, 0, true, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format_md(h.sim, 1, 512, 8, false, 4, false, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format_md(h.sim, 1, 768, 8, false, 1, false, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_ns_format_md(h.sim, 2, 512, 8, false, 1, false, 0), -EINVAL);
	sim_host_stop(&h);

	static const char *const bad[] = {
		"ms=65", "pi=4", "mset=2", "pil=2", "pi=1", "ms=4 pi=2", "mset=1", "ms=8 pil=1", NULL,
	};
	for (int i = 0; bad[i] != NULL; i++) {
		struct pnvme_sim *sim = NULL;

		CU_ASSERT_EQUAL(pnvme_sim_create("badmeta", bad[i], &sim), -EINVAL);
		CU_ASSERT_PTR_NULL(sim);
	}
	pnvme_dma_free(nd);
	pnvme_dma_free(buf);
}

int main(void)
{
	static const struct test_case ns_tests[] = {
		{"format: notice, AEC, changed list, masking", test_ns_format},
		{"remove: inactive namespace", test_ns_remove},
		{"namespace changes in thread mode", test_ns_changes_thread_mode},
		{"metadata and PI formats in Identify", test_metadata_formats},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("sim namespaces", NULL, NULL, ns_tests);
	return test_run_all();
}
