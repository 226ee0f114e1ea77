/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver's inline view of DMA memory: with IOVA as VA, a buffer is
 * DMA-able when it lies inside one of DPDK's memory ranges or a region the
 * program registered (pnvme_mem_register), and its bus address is its virtual
 * address. A handful of compares, no call, per I/O.
 */
#ifndef PNVME_ENV_DMA_H
#define PNVME_ENV_DMA_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "pnvme/env.h"

#define ENV_MAX_DMA_RANGES 32
#define ENV_MAX_EXT_REGIONS 64

/*
 * A registered region in one word, so that a reader never sees the start of
 * one region with the length of another: the page number of its start in the
 * low 36 bits (48-bit addresses), its length in pages in the high 28 (1 TiB).
 * 0 is an empty slot.
 */
#define ENV_EXT_PAGE_SHIFT 12
#define ENV_EXT_START_BITS 36
#define ENV_EXT_MAX_ADDR (1ull << (ENV_EXT_START_BITS + ENV_EXT_PAGE_SHIFT))
#define ENV_EXT_MAX_LEN (((1ull << (64 - ENV_EXT_START_BITS)) - 1) << ENV_EXT_PAGE_SHIFT)

static inline uint64_t env_ext_pack(uintptr_t start, uint64_t len)
{
	return (uint64_t)start >> ENV_EXT_PAGE_SHIFT |
	       (len >> ENV_EXT_PAGE_SHIFT) << ENV_EXT_START_BITS;
}

static inline uintptr_t env_ext_start(uint64_t w)
{
	return (uintptr_t)((w & ((1ull << ENV_EXT_START_BITS) - 1)) << ENV_EXT_PAGE_SHIFT);
}

static inline uint64_t env_ext_len(uint64_t w)
{
	return (w >> ENV_EXT_START_BITS) << ENV_EXT_PAGE_SHIFT;
}

struct env_dma_range {
	uintptr_t start;
	uintptr_t len;
};

struct env_dma_map {
	/*
	 * [start, end) of ranges[0] when IOVA is VA, else empty (0, 0):
	 * env_vtophys_range_first()'s one range, the mode folded in (no test of
	 * iova_va on the fast path).
	 */
	struct {
		uintptr_t start, end;
	} first_va;
	bool iova_va;
	unsigned n_ranges;
	struct env_dma_range ranges[ENV_MAX_DMA_RANGES]; /* DPDK's memseg lists */
	/* Registered regions (env/mem.c): slots below n_ext may be in use. */
	_Atomic unsigned n_ext;
	_Atomic uint64_t ext[ENV_MAX_EXT_REGIONS];
};

/* DPDK's ranges are filled at start-up and read-only afterwards. */
extern struct env_dma_map env_dma_map;

/* The registered region holding [v, v+len): its slot word, or 0. */
static inline uint64_t env_ext_find(uintptr_t v, uint64_t len)
{
	unsigned n = atomic_load_explicit(&env_dma_map.n_ext, memory_order_acquire);

	for (unsigned i = 0; i < n; i++) {
		uint64_t w = atomic_load_explicit(&env_dma_map.ext[i], memory_order_relaxed);
		uintptr_t start = env_ext_start(w);
		uint64_t rlen = env_ext_len(w);

		if (v - start < rlen)
			return len <= rlen - (v - start) ? w : 0;
	}
	return 0;
}

/*
 * env_vtophys_range() for DPDK's first memory range only, where its hugepage
 * memory starts and most I/O buffers live: no loop and no call, so that the
 * read/write fast path stays a leaf function. PNVME_VTOPHYS_ERROR for any
 * other memory (or IOVA as PA): the caller then asks env_vtophys_range().
 */
static inline uint64_t env_vtophys_range_first(const void *va, uint64_t len)
{
	uintptr_t v = (uintptr_t)va;

	/*
	 * v + len does not wrap: a user address is far below 2^63, and len (at
	 * least 1, so the empty range takes nothing) is an I/O's size.
	 */
	if (v >= env_dma_map.first_va.start && v + len <= env_dma_map.first_va.end)
		return (uint64_t)v;
	return PNVME_VTOPHYS_ERROR;
}

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
		return env_ext_find(v, len) != 0 ? (uint64_t)v : PNVME_VTOPHYS_ERROR;
	}
	uint64_t run = len, iova = pnvme_vtophys(va, &run);

	return run == len ? iova : PNVME_VTOPHYS_ERROR;
}

#endif /* PNVME_ENV_DMA_H */
