/* SPDX-License-Identifier: BSD-3-Clause */
/* PRP building: a table of buffer offsets and sizes against the spec's rules. */
#include <string.h>

#include <CUnit/CUnit.h>

#include "common/test_env.h"
#include "pcie/prp.h"
#include "nvme/qpair.h"

#define PAGE 4096u

static uint8_t *g_buf;   /* 8 MiB of DMA memory, page aligned */
static uint64_t g_bus;
static uint64_t *g_list; /* 4 list pages */
static uint64_t g_list_bus;

static int setup(void)
{
	g_buf = pnvme_dma_zmalloc(8u << 20, PAGE, &g_bus);
	g_list = pnvme_dma_zmalloc(4 * PAGE, PAGE, &g_list_bus);
	return g_buf && g_list ? 0 : -1;
}

static int teardown(void)
{
	pnvme_dma_free(g_buf);
	pnvme_dma_free(g_list);
	return 0;
}

/* Check cmd describes [off, off+len) of g_buf exactly, walking lists as a device would. */
static void check_prps(const struct pnvme_cmd *cmd, uint32_t off, uint32_t len)
{
	uint64_t addr = g_bus + off;
	uint32_t first = PAGE - (uint32_t)(addr % PAGE);
	uint32_t pages_after = len > first ? (len - first + PAGE - 1) / PAGE : 0;

	CU_ASSERT_EQUAL(cmd->psdt, 0);
	CU_ASSERT_EQUAL(cmd->dptr.prp.prp1, addr);
	if (pages_after == 0) {
		CU_ASSERT_EQUAL(cmd->dptr.prp.prp2, 0);
		return;
	}
	if (pages_after == 1) {
		CU_ASSERT_EQUAL(cmd->dptr.prp.prp2, addr - addr % PAGE + PAGE);
		return;
	}
	/* A list: follow it, including the link in a full page's last slot. */
	uint64_t list_bus = cmd->dptr.prp.prp2;
	uint64_t expect = addr - addr % PAGE + PAGE;

	CU_ASSERT_EQUAL_FATAL(list_bus % 8, 0);
	for (uint32_t i = 0; i < pages_after; i++) {
		const uint64_t *entry = (const uint64_t *)((uintptr_t)list_bus); /* IOVA = VA */

		if ((list_bus % PAGE) == PAGE - 8 && i + 1 < pages_after) {
			/* Last slot of a list page with more to come: a link, page aligned. */
			list_bus = *entry;
			CU_ASSERT_EQUAL_FATAL(list_bus % PAGE, 0);
			entry = (const uint64_t *)((uintptr_t)list_bus);
		}
		CU_ASSERT_EQUAL(*entry, expect);
		CU_ASSERT_EQUAL(*entry % PAGE, 0);
		expect += PAGE;
		list_bus += 8;
	}
}

static void test_contig_table(void)
{
	static const struct {
		uint32_t off, len;
	} cases[] = {
		{0, 512},            /* inside one page */
		{0x200, 512},        /* offset, still one page */
		{0x800, 4096},       /* crosses into a second page: PRP2 is that page */
		{0, 4096},           /* exactly one page */
		{0, 8192},           /* exactly two pages: PRP2, no list */
		{0x800, 8192},       /* three pages touched: a list of two */
		{0, 12288},          /* three pages: list */
		{4, 128 * 1024},     /* dword offset, 33 pages */
		{0, 2u << 20},       /* 512 entries after PRP1: fills one list page exactly */
		{0x200, 2u << 20},   /* 512 after PRP1 with an offset: still one page */
		{0, 4u << 20},       /* 1023 entries: spans into a second and third list page */
		{0x800, 3u << 20},   /* spans into a second list page */
	};
	struct nvme_prp_list list = {g_list, g_list_bus, 4};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct pnvme_cmd cmd;

		memset(&cmd, 0xff, sizeof(cmd));
		memset(g_list, 0, 4 * PAGE);
		CU_ASSERT_EQUAL_FATAL(nvme_prp_build_contig(&cmd, g_buf + cases[i].off, cases[i].len,
							    &list), 0);
		check_prps(&cmd, cases[i].off, cases[i].len);
	}
}

static void test_list_capacity(void)
{
	struct nvme_prp_list one_page = {g_list, g_list_bus, 1};
	struct pnvme_cmd cmd;

	/* 512 entries fit one page without a link; 513 do not. */
	CU_ASSERT_EQUAL(nvme_prp_build_contig(&cmd, g_buf, (512 + 1) * PAGE, &one_page), 0);
	CU_ASSERT_EQUAL(nvme_prp_build_contig(&cmd, g_buf, (513 + 1) * PAGE, &one_page), -EINVAL);
	CU_ASSERT_EQUAL(nvme_prp_list_pages(128 * 1024), 1);
	CU_ASSERT_EQUAL(nvme_prp_list_pages(2u << 20), 2); /* 513 entries with an offset */
	CU_ASSERT_TRUE(nvme_prp_list_pages(4u << 20) >= 3);
}

static void test_bad_buffers(void)
{
	struct nvme_prp_list list = {g_list, g_list_bus, 4};
	static uint8_t not_dma[8192];
	struct pnvme_cmd cmd;

	CU_ASSERT_EQUAL(nvme_prp_build_contig(&cmd, g_buf + 2, 512, &list), -EINVAL);
	CU_ASSERT_EQUAL(nvme_prp_build_contig(&cmd, not_dma, 4096, &list), -EINVAL);
}

static void test_iov_rules(void)
{
	struct nvme_prp_list list = {g_list, g_list_bus, 4};
	struct pnvme_cmd cmd;
	/* First element may start anywhere (dword), must end on a page; the next starts on one. */
	struct iovec ok[] = {
		{g_buf + 0x800, 0x800},
		{g_buf + 4 * PAGE, 2 * PAGE},
		{g_buf + 8 * PAGE, 100},
	};
	struct iovec gap_mid[] = {
		{g_buf, 0x800}, /* ends mid-page: nothing may follow in one command */
		{g_buf + 4 * PAGE, PAGE},
	};
	struct iovec unaligned_next[] = {
		{g_buf, PAGE},
		{g_buf + 4 * PAGE + 512, PAGE},
	};

	CU_ASSERT_EQUAL(nvme_prp_build_iov(&cmd, ok, 3, 0, 0x800 + 2 * PAGE + 100, &list), 0);
	CU_ASSERT_EQUAL(cmd.dptr.prp.prp1, g_bus + 0x800);
	CU_ASSERT_EQUAL(cmd.dptr.prp.prp2, g_list_bus);
	CU_ASSERT_EQUAL(g_list[0], g_bus + 4 * PAGE);
	CU_ASSERT_EQUAL(g_list[1], g_bus + 5 * PAGE);
	CU_ASSERT_EQUAL(g_list[2], g_bus + 8 * PAGE);
	CU_ASSERT_EQUAL(nvme_prp_build_iov(&cmd, gap_mid, 2, 0, 0x800 + PAGE, &list), -EINVAL);
	CU_ASSERT_EQUAL(nvme_prp_build_iov(&cmd, unaligned_next, 2, 0, 2 * PAGE, &list), -EINVAL);
	/* Starting at an offset into the vector: from the middle of the second element. */
	CU_ASSERT_EQUAL(nvme_prp_build_iov(&cmd, ok, 3, 0x800 + PAGE, PAGE, &list), 0);
	CU_ASSERT_EQUAL(cmd.dptr.prp.prp1, g_bus + 5 * PAGE);
	CU_ASSERT_EQUAL(cmd.dptr.prp.prp2, 0);
	/* More bytes than the vector holds. */
	CU_ASSERT_EQUAL(nvme_prp_build_iov(&cmd, ok, 3, 0, 64 * PAGE, &list), -EINVAL);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"contiguous buffers: offsets 0/0x200/0x800, 1-2 pages, lists, linked list pages",
		 test_contig_table},
		{"list capacity and pages per tracker", test_list_capacity},
		{"misaligned or non-DMA buffers are refused", test_bad_buffers},
		{"iovec rules: page-aligned junctions only", test_iov_rules},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("prp", setup, teardown, tests);
	return test_run_all();
}
