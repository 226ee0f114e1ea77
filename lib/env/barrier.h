/* SPDX-License-Identifier: BSD-3-Clause */
/* Memory barriers and MMIO register access for the NVMe transport. */
#ifndef PNVME_NVME_BARRIER_H
#define PNVME_NVME_BARRIER_H

#include <stdint.h>

#if defined(__x86_64__) || defined(__i386__)
/* x86 keeps stores in order and loads in order: the compiler must not reorder. */
#define nvme_wmb() __asm__ volatile("" ::: "memory")
#define nvme_rmb() __asm__ volatile("" ::: "memory")
/* Store then load of another location (event index rule) needs a real fence. */
#define nvme_mb() __asm__ volatile("mfence" ::: "memory")
#elif defined(__aarch64__)
#define nvme_wmb() __asm__ volatile("dmb oshst" ::: "memory")
#define nvme_rmb() __asm__ volatile("dmb oshld" ::: "memory")
#define nvme_mb() __asm__ volatile("dmb osh" ::: "memory")
#else
#define nvme_wmb() __atomic_thread_fence(__ATOMIC_RELEASE)
#define nvme_rmb() __atomic_thread_fence(__ATOMIC_ACQUIRE)
#define nvme_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#endif

static inline uint32_t mmio_read32(volatile void *base, uint32_t off)
{
	return *(volatile uint32_t *)((volatile uint8_t *)base + off);
}

static inline void mmio_write32(volatile void *base, uint32_t off, uint32_t val)
{
	*(volatile uint32_t *)((volatile uint8_t *)base + off) = val;
}

/* 64-bit registers as two 32-bit accesses, low half first: works on every bus. */
static inline uint64_t mmio_read64(volatile void *base, uint32_t off)
{
	uint64_t lo = mmio_read32(base, off);
	uint64_t hi = mmio_read32(base, off + 4);

	return lo | (hi << 32);
}

static inline void mmio_write64(volatile void *base, uint32_t off, uint64_t val)
{
	mmio_write32(base, off, (uint32_t)val);
	mmio_write32(base, off + 4, (uint32_t)(val >> 32));
}

#endif /* PNVME_NVME_BARRIER_H */
