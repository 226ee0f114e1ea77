/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * nvme_spec.h: sizes and offsets are checked at compile time there; here the
 * register helpers are checked against values worked out from the spec.
 */
#include <CUnit/CUnit.h>

#include "common/test_env.h"
#include "pnvme/nvme_spec.h"

static void test_cap_decoding(void)
{
	/* CAP read from QEMU 7.2's controller (see shared/qemu-testing.md). */
	uint64_t cap = 0x004018200f0107ffull;

	CU_ASSERT_EQUAL(PNVME_CAP_MQES(cap), 2047);
	CU_ASSERT_EQUAL(PNVME_CAP_CQR(cap), 1);
	CU_ASSERT_EQUAL(PNVME_CAP_TO(cap), 15);
	CU_ASSERT_EQUAL(PNVME_CAP_DSTRD(cap), 0);
	CU_ASSERT_EQUAL(PNVME_CAP_CSS(cap) & PNVME_CAP_CSS_NVM, 1);
	CU_ASSERT_EQUAL(PNVME_CAP_MPSMIN(cap), 0);
	CU_ASSERT_EQUAL(PNVME_CAP_MPSMAX(cap), 4);
}

static void test_doorbell_offsets(void)
{
	CU_ASSERT_EQUAL(pnvme_doorbell_offset(0, 0, 0), 0x1000);
	CU_ASSERT_EQUAL(pnvme_doorbell_offset(0, 1, 0), 0x1004);
	CU_ASSERT_EQUAL(pnvme_doorbell_offset(1, 0, 0), 0x1008);
	CU_ASSERT_EQUAL(pnvme_doorbell_offset(1, 1, 0), 0x100c);
	/* DSTRD 2: stride 16 bytes. */
	CU_ASSERT_EQUAL(pnvme_doorbell_offset(3, 1, 2), 0x1000 + 7 * 16);
}

static void test_aqa_and_vs(void)
{
	uint32_t aqa = PNVME_AQA(32, 64);

	CU_ASSERT_EQUAL(aqa, (63u << 16) | 31u);
	CU_ASSERT_EQUAL(PNVME_AQA_ASQS(aqa), 32);
	CU_ASSERT_EQUAL(PNVME_AQA_ACQS(aqa), 64);
	CU_ASSERT_EQUAL(PNVME_VS(1, 4, 0), 0x00010400u);
	CU_ASSERT_EQUAL(PNVME_VS_MJR(0x00010400u), 1);
	CU_ASSERT_EQUAL(PNVME_VS_MNR(0x00010400u), 4);
}

static void test_status_field_layout(void)
{
	struct pnvme_cpl cpl = {0};

	/* SCT 2 (media), SC 0x85 (compare failure), DNR, phase 1. */
	cpl.status_raw = PNVME_STATUS_RAW(PNVME_SCT_MEDIA_ERROR, PNVME_SC_COMPARE_FAILURE) |
			 PNVME_STATUS_DNR_BIT | PNVME_STATUS_PHASE_BIT;
	CU_ASSERT_EQUAL(cpl.status.p, 1);
	CU_ASSERT_EQUAL(cpl.status.sc, PNVME_SC_COMPARE_FAILURE);
	CU_ASSERT_EQUAL(cpl.status.sct, PNVME_SCT_MEDIA_ERROR);
	CU_ASSERT_EQUAL(cpl.status.dnr, 1);
	CU_ASSERT_EQUAL(cpl.status.m, 0);
	CU_ASSERT_EQUAL(cpl.status_raw, 0x8000 | (2 << 9) | (0x85 << 1) | 1);
}

static void test_cmd_bitfields(void)
{
	struct pnvme_cmd cmd = {0};
	const uint8_t *raw = (const uint8_t *)&cmd;

	cmd.opc = PNVME_OPC_READ;
	cmd.psdt = 1;
	cmd.fuse = 2;
	cmd.cid = 0x1234;
	CU_ASSERT_EQUAL(raw[0], 0x02);
	CU_ASSERT_EQUAL(raw[1], (1 << 6) | 2);
	CU_ASSERT_EQUAL(raw[2], 0x34);
	CU_ASSERT_EQUAL(raw[3], 0x12);
}

static void test_lbaf_layout(void)
{
	struct pnvme_ns_data ns = {0};
	const uint8_t *raw = (const uint8_t *)&ns;

	ns.lbaf[1].ms = 8;
	ns.lbaf[1].lbads = 12;
	ns.lbaf[1].rp = 2;
	CU_ASSERT_EQUAL(raw[128 + 4], 8);
	CU_ASSERT_EQUAL(raw[128 + 6], 12);
	CU_ASSERT_EQUAL(raw[128 + 7], 2);
	ns.flbas = 0x11;
	CU_ASSERT_EQUAL(PNVME_FLBAS_FORMAT(ns.flbas), 1);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"CAP fields decode as the spec lays them out", test_cap_decoding},
		{"doorbell offsets follow 2*qid+is_cq and DSTRD", test_doorbell_offsets},
		{"AQA is 0's based, VS packs major/minor", test_aqa_and_vs},
		{"CQE status field bit layout", test_status_field_layout},
		{"SQE dword 0 bit layout", test_cmd_bitfields},
		{"LBA format descriptor layout", test_lbaf_layout},
		{NULL, NULL},
	};

	test_add_suite("nvme_spec", NULL, NULL, tests);
	return test_run_all();
}
