/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver's inline view of DMA memory: with IOVA as VA, a buffer is
 * DMA-able when it lies inside one of DPDK's memory ranges, and its bus
 * address is its virtual address. A handful of compares, no call, per I/O.
 */
#ifndef PNVME_ENV_DMA_H
#define PNVME_ENV_DMA_H

#include <stdbool.h>
#include <stdint.h>

#include "pnvme/env.h"

#define ENV_MAX_DMA_RANGES 32

struct env_dma_range {
	uintptr_t start;
	uintptr_t len;
};

struct env_dma_map {
	bool iova_va;
	unsigned n_ranges;
	struct env_dma_range ranges[ENV_MAX_DMA_RANGES];
};

/* Filled at start-up, read-only afterwards. */
extern struct env_dma_map env_dma_map;

/* Bus address of [va, va+len) if it is bus-contiguous DMA memory, else PNVME_VTOPHYS_ERROR. */
static inline uint64_t env_vtophys_range(const void *va, uint64_t len)
{
	uintptr_t v = (uintptr_t)va;

	if (__builtin_expect(env_dma_map.iova_va, 1)) {
		/* One unsigned compare each for "inside" and "fits"; most memory is in range 0. */
		for (unsigned i = 0; i < ENV_MAX_DMA_RANGES; i++) {
			const struct env_dma_range *r = &env_dma_map.ranges[i];

			if (v - r->start < r->len)
				return len <= r->len - (v - r->start) ? (uint64_t)v : PNVME_VTOPHYS_ERROR;
			if (i + 1 >= env_dma_map.n_ranges)
				break;
		}
		return PNVME_VTOPHYS_ERROR;
	}
	uint64_t run = len, iova = pnvme_vtophys(va, &run);

	return run == len ? iova : PNVME_VTOPHYS_ERROR;
}

#endif /* PNVME_ENV_DMA_H */
