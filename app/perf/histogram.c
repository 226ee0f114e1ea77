/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "histogram.h"

void hist_init(struct histogram *h)
{
	memset(h, 0, sizeof(*h));
	h->min = UINT64_MAX;
}

/*
 * Values below 2 * HIST_SUB map one to one. Above, the bucket is the position
 * of the highest set bit (the range) and the HIST_SUB_BITS bits below it.
 */
uint32_t hist_bucket(uint64_t v)
{
	return hist_bucket_inline(v);
}

void hist_bucket_range(uint32_t b, uint64_t *lo, uint64_t *hi)
{
	uint32_t range;

	if (b < 2 * HIST_SUB) {
		*lo = *hi = b;
		return;
	}
	range = b / HIST_SUB - 1;
	*lo = ((uint64_t)(HIST_SUB + b % HIST_SUB)) << range;
	*hi = *lo + ((1ull << range) - 1);
}

void hist_merge(struct histogram *dst, const struct histogram *src)
{
	for (uint32_t i = 0; i < HIST_BUCKETS; i++)
		dst->buckets[i] += src->buckets[i];
	dst->count += src->count;
	dst->sum += src->sum;
	if (src->min < dst->min)
		dst->min = src->min;
	if (src->max > dst->max)
		dst->max = src->max;
}

uint64_t hist_percentile_ppm(const struct histogram *h, uint32_t ppm)
{
	uint64_t rank, seen = 0, lo, hi;

	if (h->count == 0)
		return 0;
	if (ppm > 1000000)
		ppm = 1000000;
	/* Nearest rank: the smallest sample with at least ppm of them at or below it. */
	rank = (uint64_t)(((unsigned __int128)h->count * ppm + 999999) / 1000000);
	if (rank == 0)
		rank = 1;
	for (uint32_t b = 0; b < HIST_BUCKETS; b++) {
		seen += h->buckets[b];
		if (seen >= rank) {
			hist_bucket_range(b, &lo, &hi);
			if (hi > h->max)
				hi = h->max;
			if (hi < h->min)
				hi = h->min;
			return hi;
		}
	}
	return h->max;
}

uint64_t hist_percentile(const struct histogram *h, double pct)
{
	double ppm = pct * 10000.0 + 0.5;

	if (ppm <= 0)
		return hist_percentile_ppm(h, 0);
	return hist_percentile_ppm(h, ppm >= 1000000.0 ? 1000000u : (uint32_t)ppm);
}
