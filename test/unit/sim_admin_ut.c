/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/sim driven directly, without the driver, through the minimal host in
 * test/common/sim_host.c: Identify, queue creation and deletion,
 * features, log pages, asynchronous events, keep alive.
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

static void test_identify(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_ctrlr_data *cd = (void *)buf;
	struct pnvme_ns_data *nd = (void *)buf;
	uint32_t *list = (void *)buf;
	struct pnvme_ns_id_desc *d;
	uint8_t eui[8];

	sim_host_start(&h, "ns=3 size=16M lba=4096 mdts=6 noiob=64");
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_CTRLR, 0, buf), SIM_HOST_OK);
	CU_ASSERT_EQUAL(memcmp(cd->mn, "pnvme sim controller    ", 24), 0);
	CU_ASSERT_NOT_EQUAL(cd->sn[0], ' ');
	CU_ASSERT_EQUAL(cd->mdts, 6);
	CU_ASSERT_EQUAL(cd->ver, PNVME_VS(1, 4, 0));
	CU_ASSERT_EQUAL(cd->sqes, 0x66);
	CU_ASSERT_EQUAL(cd->cqes, 0x44);
	CU_ASSERT_EQUAL(cd->nn, 3);
	CU_ASSERT_EQUAL(cd->aerl, 3);
	CU_ASSERT_EQUAL(cd->acl, 3);
	CU_ASSERT_TRUE(cd->kas > 0);
	CU_ASSERT_TRUE(cd->ctratt & (1u << 6)); /* TBKAS */
	CU_ASSERT_TRUE(cd->vwc & 1);
	/* Defaults: byte-granular SGLs, bit buckets, MPTR as an SGL; Compare and Write. */
	CU_ASSERT_EQUAL(cd->sgls, PNVME_SGLS_BYTE_ALIGNED | PNVME_SGLS_BIT_BUCKET |
					  PNVME_SGLS_MPTR_SGL);
	CU_ASSERT_EQUAL(cd->fuses, PNVME_FUSES_COMPARE_AND_WRITE);
	CU_ASSERT_TRUE(cd->oacs & PNVME_OACS_DOORBELL_BUFFER_CONFIG);
	CU_ASSERT_EQUAL(cd->oncs & (PNVME_ONCS_COMPARE | PNVME_ONCS_DSM |
				    PNVME_ONCS_WRITE_ZEROES | PNVME_ONCS_TIMESTAMP),
			PNVME_ONCS_COMPARE | PNVME_ONCS_DSM | PNVME_ONCS_WRITE_ZEROES |
				PNVME_ONCS_TIMESTAMP);
	CU_ASSERT_NOT_EQUAL(cd->vid, 0);

	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS, 2, buf), SIM_HOST_OK);
	CU_ASSERT_EQUAL(nd->nsze, 4096);
	CU_ASSERT_EQUAL(nd->ncap, 4096);
	/* Six formats: {512, 4096} x {0, 8, 64} bytes of metadata; 4096 + 0 in use. */
	CU_ASSERT_EQUAL(nd->nlbaf, 5);
	CU_ASSERT_EQUAL(nd->flbas, 3);
	CU_ASSERT_EQUAL(nd->lbaf[3].lbads, 12);
	CU_ASSERT_EQUAL(nd->lbaf[3].ms, 0);
	CU_ASSERT_EQUAL(nd->lbaf[0].lbads, 9);
	CU_ASSERT_EQUAL(nd->lbaf[5].ms, 64);
	CU_ASSERT_EQUAL(nd->noiob, 64);
	CU_ASSERT_EQUAL(nd->dlfeat & 0x7, 1);
	memcpy(eui, nd->eui64, 8);
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS, 0, buf), SIM_HOST_ST(0, 0x0b));
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS, 4, buf), SIM_HOST_ST(0, 0x0b));

	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_ACTIVE_NS_LIST, 0, buf), SIM_HOST_OK);
	CU_ASSERT_EQUAL(list[0], 1);
	CU_ASSERT_EQUAL(list[1], 2);
	CU_ASSERT_EQUAL(list[2], 3);
	CU_ASSERT_EQUAL(list[3], 0);
	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_ACTIVE_NS_LIST, 2, buf), SIM_HOST_OK);
	CU_ASSERT_EQUAL(list[0], 3);
	CU_ASSERT_EQUAL(list[1], 0);

	CU_ASSERT_EQUAL(sim_host_identify(&h, PNVME_CNS_NS_DESC_LIST, 2, buf), SIM_HOST_OK);
	d = (void *)buf;
	CU_ASSERT_EQUAL(d->nidt, PNVME_NIDT_EUI64);
	CU_ASSERT_EQUAL(d->nidl, 8);
	CU_ASSERT_EQUAL(memcmp(d->nid, eui, 8), 0);
	d = (void *)(buf + 4 + 8);
	CU_ASSERT_EQUAL(d->nidt, PNVME_NIDT_NGUID);
	CU_ASSERT_EQUAL(d->nidl, 16);
	d = (void *)(buf + 4 + 8 + 4 + 16);
	CU_ASSERT_EQUAL(d->nidt, PNVME_NIDT_UUID);
	CU_ASSERT_EQUAL(d->nidl, 16);

	CU_ASSERT_EQUAL(sim_host_identify(&h, 0x55, 0, buf),
			SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));
	sim_host_stop(&h);
	pnvme_dma_free(buf);
}

static void test_create_queues_and_errors(void)
{
	struct sim_host h;
	struct pnvme_cmd c;
	void *sq = sim_host_dma(SIM_HOST_IOQ_SIZE * 64), *cq = sim_host_dma(SIM_HOST_IOQ_SIZE * 16);
	static char not_dma[2 * SIM_HOST_PAGE] __attribute__((aligned(4096)));
	const unsigned bad_qid = SIM_HOST_ST(1, PNVME_SC_INVALID_QUEUE_IDENTIFIER);
	const unsigned bad_size = SIM_HOST_ST(1, PNVME_SC_INVALID_QUEUE_SIZE);

	sim_host_start(&h, "queues=4 mqes=255");
	/* CQ errors. */
	c = sim_host_create_cq_cmd(0, 16, cq);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), bad_qid);
	c = sim_host_create_cq_cmd(5, 16, cq);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), bad_qid);
	c = sim_host_create_cq_cmd(1, 1, cq);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), bad_size);
	c = sim_host_create_cq_cmd(1, 257, cq);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), bad_size);
	c = sim_host_create_cq_cmd(1, 16, cq);
	c.cdw11 = 0;
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));
	c = sim_host_create_cq_cmd(1, 16, cq);
	c.dptr.prp.prp1 += 256;
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_ST(0, PNVME_SC_INVALID_PRP_OFFSET));
	c = sim_host_create_cq_cmd(1, 16, cq);
	c.dptr.prp.prp1 = (uintptr_t)not_dma;
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_ST(0, PNVME_SC_DATA_TRANSFER_ERROR));
	c = sim_host_create_cq_cmd(1, 256, cq);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), bad_qid); /* exists already */

	/* SQ errors. */
	c = sim_host_create_sq_cmd(0, 16, sq, 1);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), bad_qid);
	c = sim_host_create_sq_cmd(5, 16, sq, 1);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), bad_qid);
	c = sim_host_create_sq_cmd(1, 1, sq, 1);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), bad_size);
	c = sim_host_create_sq_cmd(1, 16, sq, 2);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL),
			SIM_HOST_ST(1, PNVME_SC_COMPLETION_QUEUE_INVALID));
	c = sim_host_create_sq_cmd(1, 16, sq, 0);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL),
			SIM_HOST_ST(1, PNVME_SC_COMPLETION_QUEUE_INVALID));
	c = sim_host_create_sq_cmd(1, 16, sq, 1);
	c.cdw11 &= ~PNVME_QUEUE_PHYS_CONTIG;
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));
	c = sim_host_create_sq_cmd(1, 16, sq, 1);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), bad_qid);

	/* Deletion: a CQ with an SQ on it cannot go; unknown queues are invalid. */
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_CQ, .cdw10 = 1};
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL),
			SIM_HOST_ST(1, PNVME_SC_INVALID_QUEUE_DELETION));
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_SQ, .cdw10 = 3};
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), bad_qid);
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_SQ, .cdw10 = 0};
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), bad_qid);
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_CQ, .cdw10 = 2};
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), bad_qid);
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_SQ, .cdw10 = 1};
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_OK);
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_CQ, .cdw10 = 1};
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_OK);
	/* Unknown admin opcode (Get LBA Status, which the sim does not offer). */
	c = (struct pnvme_cmd){.opc = 0x86};
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_ST(0, PNVME_SC_INVALID_OPCODE));
	c = (struct pnvme_cmd){.opc = PNVME_OPC_IDENTIFY, .psdt = 1, .cdw10 = 1};
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	sim_host_stop(&h);
	pnvme_dma_free(sq);
	pnvme_dma_free(cq);
}

static void test_delete_sq_aborts_outstanding(void)
{
	struct sim_host h;
	struct pnvme_cmd c;
	struct pnvme_cpl cpl[4];
	uint8_t *buf = sim_host_dma(SIM_HOST_PAGE);
	uint16_t cid[3];
	int n = 0;

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	/* One command held by a DROP fault, two submitted but never fetched. */
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1), 0);
	c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 0, 1);
	c.dptr.prp.prp1 = sim_host_iova(buf);
	cid[0] = sim_host_submit(&h, &h.io, &c);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.io, &cpl[0], true));
	cid[1] = sim_host_post(&h, &h.io, &c);
	cid[2] = sim_host_post(&h, &h.io, &c);
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_SQ, .cdw10 = 1};
	sim_host_submit(&h, &h.aq, &c);
	/* The I/O doorbell rings with the delete already queued: admin goes first. */
	sim_host_ring(&h, 1, 0, h.io.sq_tail);
	CU_ASSERT_EQUAL(sim_host_wait_cpl(&h, &h.aq, &cpl[3]), 0);
	CU_ASSERT_EQUAL(sim_host_st(&cpl[3]), SIM_HOST_OK);
	while (n < 4 && sim_host_reap(&h, &h.io, &cpl[n], true))
		n++;
	CU_ASSERT_EQUAL(n, 3);
	for (int i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(sim_host_st(&cpl[i]), SIM_HOST_ST(0, PNVME_SC_ABORTED_SQ_DELETION));
		CU_ASSERT_EQUAL(cpl[i].cid, cid[i]);
	}
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_CQ, .cdw10 = 1};
	CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL), SIM_HOST_OK);
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	sim_host_stop(&h);
	pnvme_dma_free(buf);
}

static unsigned get_feat(struct sim_host *h, uint32_t fid, uint32_t sel, uint32_t *cdw0, void *buf)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_GET_FEATURES, .cdw10 = fid | sel << 8};
	struct pnvme_cpl cpl;
	unsigned s;

	if (buf != NULL)
		c.dptr.prp.prp1 = sim_host_iova(buf);
	s = sim_host_admin(h, &c, &cpl);
	*cdw0 = cpl.cdw0;
	return s;
}

static unsigned set_feat(struct sim_host *h, uint32_t cdw10, uint32_t cdw11, uint32_t *cdw0,
			 void *buf)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_SET_FEATURES, .cdw10 = cdw10, .cdw11 = cdw11};
	struct pnvme_cpl cpl;
	unsigned s;

	if (buf != NULL)
		c.dptr.prp.prp1 = sim_host_iova(buf);
	s = sim_host_admin(h, &c, &cpl);
	if (cdw0 != NULL)
		*cdw0 = cpl.cdw0;
	return s;
}

static void test_features(void)
{
	struct sim_host h;
	uint8_t *ts = sim_host_dma(SIM_HOST_PAGE);
	uint32_t v;
	uint64_t ms = 0;

	sim_host_start(&h, "queues=8");
	/* Number of Queues: granted counts, 0's based, capped at what the sim has. */
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_NUMBER_OF_QUEUES, 0, &v, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(v, 7u << 16 | 7u);
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_NUMBER_OF_QUEUES, 99u << 16 | 1u, &v, NULL),
			SIM_HOST_OK);
	CU_ASSERT_EQUAL(v, 7u << 16 | 1u);
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_NUMBER_OF_QUEUES, 0xffffu, &v, NULL),
			SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_NUMBER_OF_QUEUES, 2u << 16 | 2u, &v, NULL),
			SIM_HOST_OK);
	CU_ASSERT_EQUAL(v, 2u << 16 | 2u);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_NUMBER_OF_QUEUES, 0, &v, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(v, 2u << 16 | 2u);
	/* Three granted: qid 4 is refused. */
	{
		void *cq = sim_host_dma(SIM_HOST_PAGE);
		struct pnvme_cmd c = sim_host_create_cq_cmd(4, 16, cq);

		CU_ASSERT_EQUAL(sim_host_admin(&h, &c, NULL),
				SIM_HOST_ST(1, PNVME_SC_INVALID_QUEUE_IDENTIFIER));
		pnvme_dma_free(cq);
	}
	sim_host_io_queue(&h, 3, 16);
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_NUMBER_OF_QUEUES, 0, &v, NULL),
			SIM_HOST_ST(0, PNVME_SC_COMMAND_SEQUENCE_ERROR));

	/* Volatile write cache, arbitration, async event config, keep alive. */
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_VOLATILE_WRITE_CACHE, 0, NULL, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_VOLATILE_WRITE_CACHE, 0, &v, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_VOLATILE_WRITE_CACHE, 1, &v, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(v, 1); /* default */
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_ARBITRATION, 0x3, NULL, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_ARBITRATION, 0, &v, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(v, 0x3);
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_ASYNC_EVENT_CONFIG, 0x1ff, NULL, NULL),
			SIM_HOST_OK);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_ASYNC_EVENT_CONFIG, 0, &v, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(v, 0x1ff);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_KEEP_ALIVE_TIMER, 0, &v, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_VOLATILE_WRITE_CACHE, 3, &v, NULL), SIM_HOST_OK);
	CU_ASSERT_TRUE(v & 0x4); /* changeable */

	/* Timestamp: set, then read back no earlier than what was set. */
	ts[0] = 0x10;
	ts[1] = 0x27; /* 10000 ms */
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_TIMESTAMP, 0, NULL, ts), SIM_HOST_OK);
	memset(ts, 0, 8);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_TIMESTAMP, 0, &v, ts), SIM_HOST_OK);
	for (int i = 0; i < 6; i++)
		ms |= (uint64_t)ts[i] << (8 * i);
	CU_ASSERT_TRUE(ms >= 10000 && ms < 20000);
	CU_ASSERT_EQUAL((ts[6] >> 1) & 0x7, 1); /* set by the host */

	/* Errors. */
	CU_ASSERT_EQUAL(get_feat(&h, 0x7f, 0, &v, NULL), SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_ARBITRATION | 1u << 31, 0, NULL, NULL),
			SIM_HOST_ST(1, PNVME_SC_FEATURE_ID_NOT_SAVEABLE));
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_POWER_MANAGEMENT, 1, NULL, NULL),
			SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));
	sim_host_stop(&h);
	pnvme_dma_free(ts);
}

static uint64_t le64_at(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static unsigned get_log(struct sim_host *h, uint8_t lid, uint32_t nsid, void *buf, uint32_t len,
			uint64_t off)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_GET_LOG_PAGE, .nsid = nsid};
	uint32_t numd = len / 4 - 1;
	uint64_t list[2];

	c.cdw10 = lid | (numd & 0xffff) << 16;
	c.cdw11 = numd >> 16;
	c.cdw12 = (uint32_t)off;
	c.cdw13 = (uint32_t)(off >> 32);
	sim_host_set_prps(&c, buf, len, list);
	return sim_host_admin(h, &c, NULL);
}

static void test_log_pages(void)
{
	struct sim_host h;
	uint8_t *buf = sim_host_dma(4 * SIM_HOST_PAGE), *log = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_health_log *smart = (void *)log;
	struct pnvme_error_log_entry *err = (void *)log;
	struct pnvme_firmware_log *fw = (void *)log;
	struct pnvme_cmd c;
	struct pnvme_cpl cpl;

	sim_host_start(&h, "");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	/* 3 writes of 8 blocks (24 units of 512 bytes), 2 reads of 16 KiB. */
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_WRITE, 8u * i, 8, buf, 4096),
				SIM_HOST_OK);
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 32, buf, 16384), SIM_HOST_OK);
	CU_ASSERT_EQUAL(get_log(&h, PNVME_LOG_PAGE_HEALTH, 0xffffffff, log, 512, 0), SIM_HOST_OK);
	CU_ASSERT_EQUAL(le64_at(smart->host_write_commands), 3);
	CU_ASSERT_EQUAL(le64_at(smart->host_read_commands), 2);
	CU_ASSERT_EQUAL(le64_at(smart->data_units_written), 1); /* 24 units, rounded up */
	CU_ASSERT_EQUAL(le64_at(smart->data_units_read), 1);
	CU_ASSERT_EQUAL(le64_at(smart->power_cycles), 1);
	CU_ASSERT_TRUE(smart->temperature > 273);
	sim_host_stop(&h);

	sim_host_start(&h, "mdts=10");
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	{
		uint8_t *big = sim_host_dma(512 * 1024);

		for (int i = 0; i < 2; i++)
			CU_ASSERT_EQUAL(sim_host_io(&h, PNVME_OPC_READ, 0, 1000, big, 1000 * 512),
					SIM_HOST_OK);
		pnvme_dma_free(big);
	}
	CU_ASSERT_EQUAL(get_log(&h, PNVME_LOG_PAGE_HEALTH, 0, log, 512, 0), SIM_HOST_OK);
	CU_ASSERT_EQUAL(le64_at(smart->data_units_read), 2);
	CU_ASSERT_EQUAL(get_log(&h, PNVME_LOG_PAGE_HEALTH, 1, log, 512, 0),
			SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));

	/* Error log: the newest failure first. */
	c = sim_host_rw_cmd(PNVME_OPC_READ, 1, 1ull << 40, 1);
	c.dptr.prp.prp1 = sim_host_iova(buf);
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &c, &cpl),
			SIM_HOST_ST(0, PNVME_SC_LBA_OUT_OF_RANGE));
	CU_ASSERT_EQUAL(get_log(&h, PNVME_LOG_PAGE_ERROR, 0, log, SIM_HOST_PAGE, 0), SIM_HOST_OK);
	CU_ASSERT_TRUE(err[0].error_count >= 1);
	CU_ASSERT_EQUAL(err[0].sqid, 1);
	CU_ASSERT_EQUAL(err[0].cid, cpl.cid);
	CU_ASSERT_EQUAL((err[0].status >> 1) & 0xff, PNVME_SC_LBA_OUT_OF_RANGE);
	CU_ASSERT_EQUAL(err[0].lba, 1ull << 40);
	CU_ASSERT_EQUAL(err[0].error_count, err[1].error_count + 1);
	/* An offset into the page and a short read: entry 1 alone. */
	{
		uint64_t second = err[1].error_count;

		memset(log, 0xff, SIM_HOST_PAGE);
		CU_ASSERT_EQUAL(get_log(&h, PNVME_LOG_PAGE_ERROR, 0, log, 64, 64), SIM_HOST_OK);
		CU_ASSERT_EQUAL(err[0].error_count, second);
		CU_ASSERT_EQUAL(log[64], 0xff); /* nothing past the 64 bytes asked for */
	}
	CU_ASSERT_EQUAL(get_log(&h, PNVME_LOG_PAGE_ERROR, 0, log, 64, 2),
			SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));

	CU_ASSERT_EQUAL(get_log(&h, PNVME_LOG_PAGE_FIRMWARE_SLOT, 0, log, 512, 0), SIM_HOST_OK);
	CU_ASSERT_EQUAL(fw->afi & 0x7, 1);
	CU_ASSERT_EQUAL(memcmp(fw->frs[0], "0.1", 3), 0);
	CU_ASSERT_EQUAL(get_log(&h, 0x70, 0, log, 512, 0),
			SIM_HOST_ST(1, PNVME_SC_INVALID_LOG_PAGE));
	sim_host_stop(&h);
	pnvme_dma_free(buf);
	pnvme_dma_free(log);
}

static void test_async_events(void)
{
	struct sim_host h;
	struct pnvme_cmd c = {.opc = PNVME_OPC_ASYNC_EVENT_REQUEST};
	struct pnvme_cpl cpl;
	uint16_t cids[4];

	sim_host_start(&h, "");
	for (int i = 0; i < 4; i++)
		cids[i] = sim_host_submit(&h, &h.aq, &c);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(sim_host_reap(&h, &h.aq, &cpl, true));
	/* A fifth is over AERL+1. */
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.aq, &c, &cpl),
			SIM_HOST_ST(1, PNVME_SC_ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED));
	CU_ASSERT_EQUAL(pnvme_sim_raise_aer(h.sim, 2, 0x01, PNVME_LOG_PAGE_HEALTH), 0);
	CU_ASSERT_EQUAL(sim_host_wait_cpl(&h, &h.aq, &cpl), 0);
	CU_ASSERT_EQUAL(sim_host_st(&cpl), SIM_HOST_OK);
	CU_ASSERT_EQUAL(cpl.cid, cids[0]);
	CU_ASSERT_EQUAL(PNVME_AER_TYPE(cpl.cdw0), 2);
	CU_ASSERT_EQUAL(PNVME_AER_INFO(cpl.cdw0), 0x01);
	CU_ASSERT_EQUAL(PNVME_AER_LOG_PAGE(cpl.cdw0), PNVME_LOG_PAGE_HEALTH);
	/* An event queued with no AER outstanding waits for the next AER. */
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(pnvme_sim_raise_aer(h.sim, 1, (uint8_t)i, 1), 0);
	pnvme_sim_poll(h.sim);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL_FATAL(sim_host_wait_cpl(&h, &h.aq, &cpl), 0);
		CU_ASSERT_EQUAL(cpl.cid, cids[i + 1]);
		CU_ASSERT_EQUAL(PNVME_AER_INFO(cpl.cdw0), i);
	}
	CU_ASSERT_EQUAL(pnvme_sim_raise_aer(h.sim, 0, 7, 1), 0);
	CU_ASSERT_EQUAL(sim_host_run(&h, &h.aq, &c, &cpl), SIM_HOST_OK);
	CU_ASSERT_EQUAL(PNVME_AER_INFO(cpl.cdw0), 7);
	CU_ASSERT_EQUAL(pnvme_sim_raise_aer(h.sim, 9, 0, 0), -EINVAL);
	sim_host_stop(&h);
}

static void test_keep_alive(void)
{
	struct sim_host h;
	struct pnvme_cmd ka = {.opc = PNVME_OPC_KEEP_ALIVE};
	uint32_t v;

	sim_host_start(&h, "");
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_KEEP_ALIVE_TIMER, 100, NULL, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_KEEP_ALIVE_TIMER, 0, &v, NULL), SIM_HOST_OK);
	CU_ASSERT_EQUAL(v, 100);
	for (int i = 0; i < 4; i++) {
		usleep(60000);
		CU_ASSERT_EQUAL(sim_host_admin(&h, &ka, NULL), SIM_HOST_OK);
	}
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	/* Traffic based: I/O alone keeps the controller alive too. */
	sim_host_io_queue(&h, 1, SIM_HOST_IOQ_SIZE);
	for (int i = 0; i < 4; i++) {
		struct pnvme_cmd fl = {.opc = PNVME_OPC_FLUSH, .nsid = 1};

		usleep(60000);
		CU_ASSERT_EQUAL(sim_host_run(&h, &h.io, &fl, NULL), SIM_HOST_OK);
	}
	CU_ASSERT_FALSE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	usleep(350000); /* no keep alive for over KATO + slack */
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(sim_host_csts_has(&h, PNVME_CSTS_CFS));
	sim_host_stop(&h);

	/* kas=0: no keep alive at all. */
	sim_host_start(&h, "kas=0");
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_KEEP_ALIVE_TIMER, 100, NULL, NULL),
			SIM_HOST_ST(0, PNVME_SC_INVALID_FIELD));
	CU_ASSERT_EQUAL(sim_host_admin(&h, &ka, NULL), SIM_HOST_ST(0, PNVME_SC_INVALID_OPCODE));
	sim_host_stop(&h);
}

int main(void)
{
	static const struct test_case admin_tests[] = {
		{"identify CNS 0/1/2/3", test_identify},
		{"create/delete queues and their errors", test_create_queues_and_errors},
		{"delete SQ aborts what is in flight", test_delete_sq_aborts_outstanding},
		{"get/set features", test_features},
		{"log pages: SMART, error, firmware", test_log_pages},
		{"asynchronous events", test_async_events},
		{"keep alive timer", test_keep_alive},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("sim admin", NULL, NULL, admin_tests);
	return test_run_all();
}
