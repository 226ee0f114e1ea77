/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme-perf's open-loop schedule: the n-th I/O is due at start + n * interval
 * to the tick, however long the run (no drift from rounding the interval);
 * the schedules of several qpairs interleave; the backlog is counted right.
 */
#include <CUnit/CUnit.h>

#include "../../app/perf/rate.c"
#include "common/test_env.h"

/* Exact due tick of the n-th I/O of schedule index of slots, as fractions would have it. */
static uint64_t exact_due(uint64_t start, uint64_t hz, uint64_t iops, uint32_t slots,
			  uint32_t index, uint64_t n)
{
	return start + (uint64_t)((unsigned __int128)hz * index / iops) +
	       (uint64_t)((unsigned __int128)hz * slots * n / iops);
}

static void test_no_drift(void)
{
	static const struct {
		uint64_t hz, iops;
		uint32_t slots;
	} cases[] = {
		{2900000000ull, 2000, 1},     {2900000000ull, 3, 1},
		{3000000007ull, 1000000, 7},    {1000000000ull, 999999937, 1},
		{2400000000ull, 123457, 16},    {14318180ull, 50000, 2}, /* HPET-like */
	};
	int bad = 0;

	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct rate_sched r;
		uint64_t start = 123456789;

		rate_init(&r, start, cases[c].hz, cases[c].iops, cases[c].slots, 0);
		for (uint64_t n = 0; n < 3000000; n++) {
			uint64_t want = exact_due(start, cases[c].hz, cases[c].iops, cases[c].slots,
						  0, n);

			/* The fixed-point step may lose under a tick per 2^32 steps. */
			if (r.next + 1 < want || r.next > want)
				bad++;
			rate_advance(&r);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
}

static void test_slots_interleave(void)
{
	struct rate_sched r[4];
	uint64_t hz = 1000000, iops = 1000; /* 1000 ticks between I/Os in all */

	for (uint32_t i = 0; i < 4; i++)
		rate_init(&r[i], 0, hz, iops, 4, i);
	/* Each schedule every 4000 ticks, offset by 1000: together every 1000. */
	for (uint32_t i = 0; i < 4; i++) {
		CU_ASSERT_EQUAL(r[i].next, 1000u * i);
		CU_ASSERT_EQUAL(r[i].step, 4000);
		CU_ASSERT_EQUAL(r[i].frac, 0);
	}
	rate_advance(&r[3]);
	CU_ASSERT_EQUAL(r[3].next, 7000);
}

static void test_backlog(void)
{
	struct rate_sched r;

	rate_init(&r, 1000, 1000000, 1000, 1, 0); /* due at 1000, 2000, 3000 ... */
	CU_ASSERT_EQUAL(rate_backlog(&r, 999), 0);
	CU_ASSERT_EQUAL(rate_backlog(&r, 1000), 1);
	CU_ASSERT_EQUAL(rate_backlog(&r, 1999), 1);
	CU_ASSERT_EQUAL(rate_backlog(&r, 2000), 2);
	CU_ASSERT_EQUAL(rate_backlog(&r, 10500), 10);
	rate_advance(&r);
	CU_ASSERT_EQUAL(rate_backlog(&r, 10500), 9);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"due times do not drift over millions of I/Os", test_no_drift},
		{"the schedules of several qpairs interleave", test_slots_interleave},
		{"backlog counts the due I/Os not yet taken", test_backlog},
		{NULL, NULL},
	};

	test_add_suite("perf_rate", NULL, NULL, tests);
	return test_run_all();
}
