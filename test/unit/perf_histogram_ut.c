/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme-perf's latency histogram: every value lands in a bucket whose range
 * holds it, the ranges tile 0..2^64-1 without gap or overlap, percentiles
 * agree with exact ones from a sorted array to the bucket's precision, and
 * merging two histograms equals recording everything into one.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "../../app/perf/histogram.c"
#include "common/test_env.h"

#define NSAMPLES 200000

static uint64_t g_rng = 0x9e3779b97f4a7c15ull;
static uint64_t g_samples[NSAMPLES];
static struct histogram g_h, g_h2, g_h3;

static uint64_t rnd(void)
{
	g_rng ^= g_rng << 13;
	g_rng ^= g_rng >> 7;
	g_rng ^= g_rng << 17;
	return g_rng;
}

static double rnd_unit(void) /* (0, 1] */
{
	return ((double)(rnd() >> 11) + 1.0) / 9007199254740992.0;
}

static uint64_t g_bad;

static void check_value(uint64_t v)
{
	uint64_t lo, hi;
	uint32_t b = hist_bucket(v);

	if (b >= HIST_BUCKETS) {
		g_bad++;
		return;
	}
	hist_bucket_range(b, &lo, &hi);
	if (!(lo <= v && v <= hi))
		g_bad++;
}

static void test_every_value_in_its_bucket(void)
{
	g_bad = 0;
	for (uint64_t v = 0; v < 65536; v++)
		check_value(v);
	for (int k = 0; k < 64; k++) {
		uint64_t p = 1ull << k;

		check_value(p - 1);
		check_value(p);
		check_value(p + 1);
		check_value(p | (p - 1)); /* all ones below bit k */
		check_value(p + (p >> 1));
	}
	check_value(UINT64_MAX);
	check_value(UINT64_MAX - 1);
	/* Random values of every length. */
	for (int i = 0; i < 1000000; i++) {
		uint32_t bits = (uint32_t)(rnd() % 64) + 1;
		uint64_t v = bits == 64 ? rnd() : rnd() & ((1ull << bits) - 1);

		check_value(v);
	}
	CU_ASSERT_EQUAL(g_bad, 0);
}

static void test_ranges_tile_without_gap_or_overlap(void)
{
	uint64_t lo, hi, prev_hi = 0;
	int bad = 0;

	hist_bucket_range(0, &lo, &hi);
	CU_ASSERT_EQUAL(lo, 0);
	for (uint32_t b = 0; b < HIST_BUCKETS; b++) {
		hist_bucket_range(b, &lo, &hi);
		if (b > 0 && lo != prev_hi + 1)
			bad++; /* gap or overlap with the bucket before */
		if (hi < lo)
			bad++;
		if (hist_bucket(lo) != b || hist_bucket(hi) != b)
			bad++;
		/* Precision: a bucket is at most 1/64 of its values wide (exact below 128). */
		if (b >= 2 * HIST_SUB && (hi - lo) + 1 > lo / HIST_SUB)
			bad++;
		if (b < 2 * HIST_SUB && hi != lo)
			bad++;
		prev_hi = hi;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(prev_hi, UINT64_MAX);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Exact nearest-rank percentile of a sorted array. */
static uint64_t exact_ppm(const uint64_t *sorted, uint64_t n, uint32_t ppm)
{
	uint64_t rank = (uint64_t)(((unsigned __int128)n * ppm + 999999) / 1000000);

	if (rank == 0)
		rank = 1;
	return sorted[rank - 1];
}

static const uint32_t g_ppms[] = {0,      1,      10000,  250000, 500000, 900000,
				  990000, 999000, 999900, 999999, 1000000};

/* Record samples[0..n), then compare every percentile with the sorted array. */
static void check_percentiles(uint64_t n)
{
	uint64_t sum = 0;
	int bad = 0;

	hist_init(&g_h);
	for (uint64_t i = 0; i < n; i++) {
		hist_record(&g_h, g_samples[i]);
		sum += g_samples[i];
	}
	qsort(g_samples, n, sizeof(g_samples[0]), cmp_u64);
	CU_ASSERT_EQUAL(g_h.count, n);
	CU_ASSERT_EQUAL(g_h.sum, sum);
	CU_ASSERT_EQUAL(g_h.min, g_samples[0]);
	CU_ASSERT_EQUAL(g_h.max, g_samples[n - 1]);
	for (size_t i = 0; i < sizeof(g_ppms) / sizeof(g_ppms[0]); i++) {
		uint64_t exact = exact_ppm(g_samples, n, g_ppms[i]);
		uint64_t got = hist_percentile_ppm(&g_h, g_ppms[i]);

		/* Same bucket, never below the exact value, within the bucket's width. */
		if (hist_bucket(got) != hist_bucket(exact) || got < exact ||
		    got - exact > exact / HIST_SUB || got > g_h.max)
			bad++;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(hist_percentile_ppm(&g_h, 1000000), g_samples[n - 1]);
	/* The percent form rounds to parts per million. */
	CU_ASSERT_EQUAL(hist_percentile(&g_h, 99.9), hist_percentile_ppm(&g_h, 999000));
	CU_ASSERT_EQUAL(hist_percentile(&g_h, 99.99), hist_percentile_ppm(&g_h, 999900));
	CU_ASSERT_EQUAL(hist_percentile(&g_h, 50), hist_percentile_ppm(&g_h, 500000));
}

static void test_percentiles_uniform(void)
{
	for (int i = 0; i < NSAMPLES; i++)
		g_samples[i] = 1000 + rnd() % 999000;
	check_percentiles(NSAMPLES);
	for (int i = 0; i < NSAMPLES; i++)
		g_samples[i] = rnd() % 300; /* across the exact part and the first ranges */
	check_percentiles(NSAMPLES);
}

static void test_percentiles_exponential(void)
{
	for (int i = 0; i < NSAMPLES; i++)
		g_samples[i] = (uint64_t)(-log(rnd_unit()) * 50000.0);
	check_percentiles(NSAMPLES);
}

static void test_percentiles_bimodal(void)
{
	for (int i = 0; i < NSAMPLES; i++)
		g_samples[i] = (rnd() % 100 < 95) ? 8000 + rnd() % 4000 : 900000 + rnd() % 200000;
	check_percentiles(NSAMPLES);
	/* A tail of one in a thousand, which p99.9 and p99.99 must see. */
	for (int i = 0; i < NSAMPLES; i++)
		g_samples[i] = (i % 1000 == 7) ? 5000000 + rnd() % 1000 : 10000 + rnd() % 100;
	check_percentiles(NSAMPLES);
}

static void test_percentiles_all_equal(void)
{
	for (int i = 0; i < 1000; i++)
		g_samples[i] = 123456789;
	check_percentiles(1000);
	for (size_t i = 0; i < sizeof(g_ppms) / sizeof(g_ppms[0]); i++)
		CU_ASSERT_EQUAL(hist_percentile_ppm(&g_h, g_ppms[i]), 123456789);
}

static void test_percentiles_one_sample(void)
{
	g_samples[0] = 777777;
	check_percentiles(1);
	for (size_t i = 0; i < sizeof(g_ppms) / sizeof(g_ppms[0]); i++)
		CU_ASSERT_EQUAL(hist_percentile_ppm(&g_h, g_ppms[i]), 777777);
	g_samples[0] = 0;
	check_percentiles(1);
	g_samples[0] = UINT64_MAX;
	check_percentiles(1);
}

static void test_percentiles_huge_values(void)
{
	for (int i = 0; i < NSAMPLES; i++)
		g_samples[i] = (rnd() >> (rnd() % 8)) | 1;
	check_percentiles(NSAMPLES);
}

/* Values below 128 have buckets of one: every percentile is exact, rank for rank. */
static void test_percentiles_small_sets_exact(void)
{
	int bad = 0;

	for (uint64_t n = 1; n <= 60; n++) {
		for (uint64_t i = 0; i < n; i++)
			g_samples[i] = rnd() % 128;
		hist_init(&g_h);
		for (uint64_t i = 0; i < n; i++)
			hist_record(&g_h, g_samples[i]);
		qsort(g_samples, n, sizeof(g_samples[0]), cmp_u64);
		for (uint32_t ppm = 0; ppm <= 1000000; ppm += 2500) {
			if (hist_percentile_ppm(&g_h, ppm) != exact_ppm(g_samples, n, ppm))
				bad++;
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	/* 10, 20, 30: p40 is the second (nearest rank ceil(1.2) = 2), p34 too, p33 the first. */
	hist_init(&g_h);
	hist_record(&g_h, 30);
	hist_record(&g_h, 10);
	hist_record(&g_h, 20);
	CU_ASSERT_EQUAL(hist_percentile(&g_h, 40), 20);
	CU_ASSERT_EQUAL(hist_percentile(&g_h, 34), 20);
	CU_ASSERT_EQUAL(hist_percentile(&g_h, 33), 10);
	CU_ASSERT_EQUAL(hist_percentile(&g_h, 67), 30);
	CU_ASSERT_EQUAL(hist_percentile(&g_h, 0), 10);
	CU_ASSERT_EQUAL(hist_percentile(&g_h, 100), 30);
}

static void test_empty(void)
{
	hist_init(&g_h);
	CU_ASSERT_EQUAL(g_h.count, 0);
	CU_ASSERT_EQUAL(g_h.min, UINT64_MAX);
	CU_ASSERT_EQUAL(hist_percentile_ppm(&g_h, 500000), 0);
	CU_ASSERT_EQUAL(hist_percentile(&g_h, 99.99), 0);
}

static void test_merge(void)
{
	/* Two halves from different distributions, merged, equal the whole. */
	hist_init(&g_h);
	hist_init(&g_h2);
	hist_init(&g_h3);
	for (int i = 0; i < NSAMPLES; i++) {
		uint64_t v = i & 1 ? 5000 + rnd() % 1000 : (uint64_t)(-log(rnd_unit()) * 1e6);

		hist_record(i < NSAMPLES / 3 ? &g_h : &g_h2, v);
		hist_record(&g_h3, v);
	}
	hist_merge(&g_h, &g_h2);
	CU_ASSERT_EQUAL(g_h.count, g_h3.count);
	CU_ASSERT_EQUAL(g_h.sum, g_h3.sum);
	CU_ASSERT_EQUAL(g_h.min, g_h3.min);
	CU_ASSERT_EQUAL(g_h.max, g_h3.max);
	CU_ASSERT_EQUAL(memcmp(g_h.buckets, g_h3.buckets, sizeof(g_h.buckets)), 0);
	for (size_t i = 0; i < sizeof(g_ppms) / sizeof(g_ppms[0]); i++)
		CU_ASSERT_EQUAL(hist_percentile_ppm(&g_h, g_ppms[i]),
				hist_percentile_ppm(&g_h3, g_ppms[i]));

	/* An empty histogram changes nothing either way. */
	hist_init(&g_h2);
	hist_merge(&g_h, &g_h2);
	CU_ASSERT_EQUAL(g_h.min, g_h3.min);
	CU_ASSERT_EQUAL(g_h.count, g_h3.count);
	hist_merge(&g_h2, &g_h3);
	CU_ASSERT_EQUAL(g_h2.min, g_h3.min);
	CU_ASSERT_EQUAL(g_h2.max, g_h3.max);
	CU_ASSERT_EQUAL(memcmp(&g_h2, &g_h3, sizeof(g_h2)), 0);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"every value maps into a bucket whose range holds it",
		 test_every_value_in_its_bucket},
		{"bucket ranges tile 0..2^64-1, no gap or overlap, 1/64 wide at most",
		 test_ranges_tile_without_gap_or_overlap},
		{"percentiles: uniform", test_percentiles_uniform},
		{"percentiles: exponential", test_percentiles_exponential},
		{"percentiles: bimodal and a thin tail", test_percentiles_bimodal},
		{"percentiles: all equal", test_percentiles_all_equal},
		{"percentiles: one sample", test_percentiles_one_sample},
		{"percentiles: values up to 2^64", test_percentiles_huge_values},
		{"percentiles: small sets, exact rank by rank", test_percentiles_small_sets_exact},
		{"empty histogram", test_empty},
		{"merge equals recording everything in one", test_merge},
		{NULL, NULL},
	};

	test_add_suite("perf_histogram", NULL, NULL, tests);
	return test_run_all();
}
