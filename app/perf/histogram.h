/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log-linear histogram of unsigned 64-bit values (pnvme-perf records
 * nanoseconds): exact below 128, then 64 buckets per power of two, so a
 * bucket is at most 1/64 (1.6%) of its values wide. Fixed size, no allocation
 * and no division when recording.
 */
#ifndef PNVME_PERF_HISTOGRAM_H
#define PNVME_PERF_HISTOGRAM_H

#include <stdint.h>

#define HIST_SUB_BITS 6
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_RANGES (64 - HIST_SUB_BITS)
#define HIST_BUCKETS ((HIST_RANGES + 1) * HIST_SUB)

struct histogram {
	uint64_t count;
	uint64_t sum;
	uint64_t min; /* UINT64_MAX while empty */
	uint64_t max;
	uint64_t buckets[HIST_BUCKETS];
};

void hist_init(struct histogram *h);
void hist_merge(struct histogram *dst, const struct histogram *src);
/*
 * The value at a percentile given in parts per million (990000 = p99): the
 * upper edge of the bucket holding the sample of rank ceil(count * ppm / 10^6)
 * (at least 1), capped by max. So it lies in the same bucket as the exact
 * nearest-rank percentile. 0 for an empty histogram.
 */
uint64_t hist_percentile_ppm(const struct histogram *h, uint32_t ppm);
/* The same with pct in percent (99.9), rounded to parts per million. */
uint64_t hist_percentile(const struct histogram *h, double pct);
/* Bucket index of a value, and the range [lo, hi] (both included) a bucket covers. */
uint32_t hist_bucket(uint64_t v);
void hist_bucket_range(uint32_t b, uint64_t *lo, uint64_t *hi);

static inline uint32_t hist_bucket_inline(uint64_t v)
{
	uint32_t range;

	if (v < 2 * HIST_SUB)
		return (uint32_t)v;
	/* range = position of the highest set bit - HIST_SUB_BITS, at least 1 */
	range = 63u - (uint32_t)__builtin_clzll(v) - HIST_SUB_BITS;
	return (range + 1) * HIST_SUB + (uint32_t)((v >> range) & (HIST_SUB - 1));
}

static inline void hist_record(struct histogram *h, uint64_t v)
{
	h->buckets[hist_bucket_inline(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

#endif
