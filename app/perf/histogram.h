/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Log-linear latency histogram: values in nanoseconds, exact below 128 ns,
 * then 64 sub-buckets per power of two (under 1.6% error). Fixed size, no
 * allocation while recording, no division per sample.
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
	uint64_t min;
	uint64_t max;
	uint64_t buckets[HIST_BUCKETS];
};

void hist_init(struct histogram *h);
void hist_merge(struct histogram *dst, const struct histogram *src);
/* Value at the given percentile (0..100): the upper edge of its bucket, capped by max. */
uint64_t hist_percentile(const struct histogram *h, double pct);
/* Bucket index of a value, and the range [lo, hi] a bucket covers. */
uint32_t hist_bucket(uint64_t v);
void hist_bucket_range(uint32_t b, uint64_t *lo, uint64_t *hi);

static inline void hist_record(struct histogram *h, uint64_t v)
{
	h->buckets[hist_bucket(v)]++;
	h->count++;
	h->sum += v;
	if (v < h->min)
		h->min = v;
	if (v > h->max)
		h->max = v;
}

#endif
