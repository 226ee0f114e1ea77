/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The verify pattern: every 8 bytes of a sector hold its LBA, the write's
 * generation and the word's index, so a read that returns another block,
 * an older write or a shifted buffer all show. Metadata bytes (but PI, which
 * has its own checks) get a pattern of the same LBA and generation.
 */
#include <stdint.h>
#include <string.h>

#include "perf.h"

static inline uint64_t word(uint64_t lba, uint32_t gen, uint32_t i)
{
	return (lba << 24) ^ ((uint64_t)gen << 8) ^ i ^ 0x9e3779b97f4a7c15ull;
}

void perf_pattern_fill(void *buf, uint32_t len, uint32_t sector_size, uint64_t lba, uint32_t gen)
{
	uint64_t *p = buf;
	uint32_t per_sector = sector_size / 8;

	for (uint32_t off = 0; off < len / 8; off += per_sector, lba++) {
		for (uint32_t i = 0; i < per_sector; i++)
			p[off + i] = word(lba, gen, i);
	}
}

uint64_t perf_pattern_check(const void *buf, uint32_t len, uint32_t sector_size, uint64_t lba,
			    uint32_t gen)
{
	const uint64_t *p = buf;
	uint32_t per_sector = sector_size / 8;

	for (uint32_t off = 0; off < len / 8; off += per_sector, lba++) {
		for (uint32_t i = 0; i < per_sector; i++) {
			if (p[off + i] != word(lba, gen, i))
				return (uint64_t)(off + i) * 8 + 1;
		}
	}
	return 0;
}

/*
 * Blocks stride bytes apart (extended LBA formats): stride need not be a
 * multiple of 8, so words go through memcpy (no misaligned access).
 */
void perf_pattern_fill_blocks(void *buf, uint32_t blocks, uint32_t sector_size, uint32_t stride,
			      uint64_t lba, uint32_t gen)
{
	uint32_t per_sector = sector_size / 8;

	for (uint32_t b = 0; b < blocks; b++, lba++) {
		uint8_t *p = (uint8_t *)buf + (size_t)b * stride;

		for (uint32_t i = 0; i < per_sector; i++) {
			uint64_t w = word(lba, gen, i);

			memcpy(p + (size_t)i * 8, &w, 8);
		}
	}
}

uint64_t perf_pattern_check_blocks(const void *buf, uint32_t blocks, uint32_t sector_size,
				   uint32_t stride, uint64_t lba, uint32_t gen)
{
	uint32_t per_sector = sector_size / 8;

	for (uint32_t b = 0; b < blocks; b++, lba++) {
		const uint8_t *p = (const uint8_t *)buf + (size_t)b * stride;

		for (uint32_t i = 0; i < per_sector; i++) {
			uint64_t w;

			memcpy(&w, p + (size_t)i * 8, 8);
			if (w != word(lba, gen, i))
				return (uint64_t)b * sector_size + (uint64_t)i * 8 + 1;
		}
	}
	return 0;
}

/* Metadata byte j of a block: another mix of the same three, so md moved or stale shows. */
static inline uint8_t md_byte(uint64_t lba, uint32_t gen, uint32_t j)
{
	return (uint8_t)((word(lba, gen, j ^ 0x5a5a00u) * 0xff51afd7ed558ccdull) >> 56);
}

void perf_md_fill(void *md, uint32_t blocks, uint32_t md_size, uint32_t stride, uint32_t skip_off,
		  uint32_t skip_len, uint64_t lba, uint32_t gen)
{
	for (uint32_t b = 0; b < blocks; b++, lba++) {
		uint8_t *p = (uint8_t *)md + (size_t)b * stride;

		for (uint32_t j = 0; j < md_size; j++) {
			if (j - skip_off >= skip_len) /* unsigned: also j < skip_off */
				p[j] = md_byte(lba, gen, j);
		}
	}
}

uint64_t perf_md_check(const void *md, uint32_t blocks, uint32_t md_size, uint32_t stride,
		       uint32_t skip_off, uint32_t skip_len, uint64_t lba, uint32_t gen)
{
	for (uint32_t b = 0; b < blocks; b++, lba++) {
		const uint8_t *p = (const uint8_t *)md + (size_t)b * stride;

		for (uint32_t j = 0; j < md_size; j++) {
			if (j - skip_off >= skip_len && p[j] != md_byte(lba, gen, j))
				return (uint64_t)b * md_size + j + 1;
		}
	}
	return 0;
}
