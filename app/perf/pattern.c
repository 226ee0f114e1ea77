/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The verify pattern: every 8 bytes of a sector hold its LBA, the write's
 * generation and the word's index, so a read that returns another block,
 * an older write or a shifted buffer all show.
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
