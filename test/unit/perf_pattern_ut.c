/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme-perf's verify pattern with metadata: blocks that lie a stride apart
 * (extended LBA, where the stride need not be a multiple of 8) keep the
 * metadata between them untouched, the metadata pattern leaves PI alone, and
 * a change to any byte the tool owns is found at the right block and byte.
 */
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "../../app/perf/pattern.c"
#include "common/test_env.h"

#define BLOCKS 8
#define SS 512

/* Plain and strided forms agree when the blocks are contiguous. */
static void test_contiguous_agrees(void)
{
	static uint8_t a[BLOCKS * SS], b[BLOCKS * SS];

	perf_pattern_fill(a, sizeof(a), SS, 1000, 7);
	perf_pattern_fill_blocks(b, BLOCKS, SS, SS, 1000, 7);
	CU_ASSERT_EQUAL(memcmp(a, b, sizeof(a)), 0);
	CU_ASSERT_EQUAL(perf_pattern_check_blocks(a, BLOCKS, SS, SS, 1000, 7), 0);
	CU_ASSERT_NOT_EQUAL(perf_pattern_check_blocks(a, BLOCKS, SS, SS, 1001, 7), 0);
	CU_ASSERT_NOT_EQUAL(perf_pattern_check_blocks(a, BLOCKS, SS, SS, 1000, 8), 0);
}

/* Extended blocks of 512 + 12 bytes: data and metadata patterns side by side. */
static void test_extended_unaligned_stride(void)
{
	const uint32_t ms = 12, stride = SS + ms;
	uint8_t *buf = malloc(BLOCKS * stride);
	uint64_t bad;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	memset(buf, 0xee, BLOCKS * stride);
	perf_pattern_fill_blocks(buf, BLOCKS, SS, stride, 77, 3);
	for (uint32_t b = 0; b < BLOCKS; b++) {
		for (uint32_t j = 0; j < ms; j++)
			CU_ASSERT_EQUAL(buf[b * stride + SS + j], 0xee); /* metadata left alone */
	}
	/* PI in the last 8 bytes: only the first 4 metadata bytes get a pattern. */
	perf_md_fill(buf + SS, BLOCKS, ms, stride, ms - 8, 8, 77, 3);
	for (uint32_t b = 0; b < BLOCKS; b++) {
		for (uint32_t j = ms - 8; j < ms; j++)
			CU_ASSERT_EQUAL(buf[b * stride + SS + j], 0xee); /* PI left alone */
	}
	CU_ASSERT_EQUAL(perf_pattern_check_blocks(buf, BLOCKS, SS, stride, 77, 3), 0);
	CU_ASSERT_EQUAL(perf_md_check(buf + SS, BLOCKS, ms, stride, ms - 8, 8, 77, 3), 0);

	/* A PI byte changed: neither check cares (PI has its own). */
	buf[5 * stride + SS + ms - 1] ^= 0x10;
	CU_ASSERT_EQUAL(perf_pattern_check_blocks(buf, BLOCKS, SS, stride, 77, 3), 0);
	CU_ASSERT_EQUAL(perf_md_check(buf + SS, BLOCKS, ms, stride, ms - 8, 8, 77, 3), 0);

	/* A data byte of block 5: data offset 5 x 512 + 100 (+ 1), rounded to its word. */
	buf[5 * stride + 100] ^= 1;
	bad = perf_pattern_check_blocks(buf, BLOCKS, SS, stride, 77, 3);
	CU_ASSERT_EQUAL(bad, 5u * SS + 96 + 1);
	buf[5 * stride + 100] ^= 1;

	/* A metadata byte of block 6, byte 2. */
	buf[6 * stride + SS + 2] ^= 0x80;
	CU_ASSERT_EQUAL(perf_pattern_check_blocks(buf, BLOCKS, SS, stride, 77, 3), 0);
	CU_ASSERT_EQUAL(perf_md_check(buf + SS, BLOCKS, ms, stride, ms - 8, 8, 77, 3),
			6u * ms + 2 + 1);
	free(buf);
}

/* Separate metadata, PI first: the bytes after it are the tool's. */
static void test_separate_pi_first(void)
{
	const uint32_t ms = 16;
	uint8_t md[BLOCKS * 16];

	memset(md, 0, sizeof(md));
	perf_md_fill(md, BLOCKS, ms, ms, 0, 8, 5, 9);
	for (uint32_t b = 0; b < BLOCKS; b++) {
		for (uint32_t j = 0; j < 8; j++)
			CU_ASSERT_EQUAL(md[b * ms + j], 0);
	}
	CU_ASSERT_EQUAL(perf_md_check(md, BLOCKS, ms, ms, 0, 8, 5, 9), 0);
	/* Another LBA or generation does not match (some byte of 64 differs). */
	CU_ASSERT_NOT_EQUAL(perf_md_check(md, BLOCKS, ms, ms, 0, 8, 6, 9), 0);
	CU_ASSERT_NOT_EQUAL(perf_md_check(md, BLOCKS, ms, ms, 0, 8, 5, 10), 0);
	md[3 * ms + 15] ^= 1;
	CU_ASSERT_EQUAL(perf_md_check(md, BLOCKS, ms, ms, 0, 8, 5, 9), 3u * ms + 15 + 1);
}

/* Metadata without PI: every byte is the tool's. */
static void test_metadata_without_pi(void)
{
	const uint32_t ms = 8;
	uint8_t md[BLOCKS * 8];

	perf_md_fill(md, BLOCKS, ms, ms, 0, 0, 123, 1);
	CU_ASSERT_EQUAL(perf_md_check(md, BLOCKS, ms, ms, 0, 0, 123, 1), 0);
	md[0] ^= 0xff;
	CU_ASSERT_EQUAL(perf_md_check(md, BLOCKS, ms, ms, 0, 0, 123, 1), 1);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"contiguous blocks: strided and plain forms agree", test_contiguous_agrees},
		{"extended 512+12: data, metadata, PI apart", test_extended_unaligned_stride},
		{"separate 16-byte metadata, PI first", test_separate_pi_first},
		{"metadata without PI: every byte checked", test_metadata_without_pi},
		{NULL, NULL},
	};

	test_add_suite("perf_pattern", NULL, NULL, tests);
	return test_run_all();
}
