/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme-perf's command line: each usage error returns PERF_ARGS_USAGE with
 * exactly one line on stderr that names the problem; valid combinations give
 * the configuration asked for.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "../../app/perf/args.c"
#include "../../app/perf/cpus.c"
#include "common/test_env.h"

static struct perf_config g_cfg;
static char g_err[4096];
static int g_err_lines;
static uint16_t g_cpus[PERF_MAX_THREADS];
static int g_ncpus;

/* Parse the NULL-terminated arguments; stderr (and stdout) are caught in g_err. */
static char *g_argv[64];
static int g_argc;

static int parse(const char *first, ...)
{
	char **argv = g_argv;
	int argc = 0, rc, saved_err, saved_out;
	FILE *tmp = tmpfile();
	const char *a;
	va_list ap;
	size_t len;

	CU_ASSERT_PTR_NOT_NULL_FATAL(tmp);
	/* The previous arguments live until now: the config points into them. */
	for (int i = 0; i < g_argc; i++)
		free(g_argv[i]);
	argv[argc++] = strdup("pnvme-perf");
	va_start(ap, first);
	for (a = first; a != NULL && argc < 63; a = va_arg(ap, const char *))
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;

	fflush(stdout);
	fflush(stderr);
	saved_err = dup(2);
	saved_out = dup(1);
	dup2(fileno(tmp), 2);
	dup2(fileno(tmp), 1);
	rc = perf_parse_args(argc, argv, &g_cfg);
	fflush(stdout);
	fflush(stderr);
	dup2(saved_err, 2);
	dup2(saved_out, 1);
	close(saved_err);
	close(saved_out);

	rewind(tmp);
	len = fread(g_err, 1, sizeof(g_err) - 1, tmp);
	g_err[len] = '\0';
	fclose(tmp);
	g_err_lines = 0;
	for (size_t i = 0; i < len; i++)
		g_err_lines += g_err[i] == '\n';
	g_argc = argc;
	return rc;
}

/* The last parse failed as a usage error, with one line naming the problem. */
static void expect_usage(const char *word)
{
	CU_ASSERT_EQUAL(g_err_lines, 1);
	CU_ASSERT_PTR_NOT_NULL(strstr(g_err, word));
	CU_ASSERT_EQUAL(strncmp(g_err, "pnvme-perf: ", 12), 0);
	if (g_err_lines != 1 || strstr(g_err, word) == NULL)
		fprintf(stderr, "\n    wanted one line with '%s', got: %s", word, g_err);
}

#define USAGE(word, ...)                                                                   \
	do {                                                                               \
		CU_ASSERT_EQUAL(parse(__VA_ARGS__, NULL), PERF_ARGS_USAGE);                 \
		expect_usage(word);                                                        \
	} while (0)

static int setup(void)
{
	g_ncpus = perf_cpus_allowed(g_cpus, PERF_MAX_THREADS);
	return g_ncpus > 0 ? 0 : -1;
}

static void test_defaults(void)
{
	CU_ASSERT_EQUAL(parse(NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_err_lines, 0);
	CU_ASSERT_EQUAL(g_cfg.num_trids, 0);
	CU_ASSERT_EQUAL(g_cfg.queue_depth, 32);
	CU_ASSERT_EQUAL(g_cfg.io_size, 4096);
	CU_ASSERT_EQUAL(g_cfg.workload, WL_RANDREAD);
	CU_ASSERT_EQUAL(g_cfg.read_pct, 100);
	CU_ASSERT_EQUAL(g_cfg.seconds, 10);
	CU_ASSERT_EQUAL(g_cfg.warmup_s, 0);
	CU_ASSERT_EQUAL(g_cfg.max_ios, 0);
	CU_ASSERT_EQUAL(g_cfg.rate, 0);
	CU_ASSERT_EQUAL(g_cfg.num_threads, 1);
	CU_ASSERT_EQUAL(g_cfg.cores[0], g_cpus[0]);
	CU_ASSERT_EQUAL(g_cfg.qpairs_per_ns, 1);
	CU_ASSERT_EQUAL(g_cfg.latency_detail, 0);
	CU_ASSERT_TRUE(g_cfg.cpu_time);
	CU_ASSERT_FALSE(g_cfg.verify);
	CU_ASSERT_FALSE(g_cfg.json);
	CU_ASSERT_FALSE(g_cfg.delay_doorbell);
	CU_ASSERT_FALSE(g_cfg.shadow_doorbells);
	CU_ASSERT_EQUAL(g_cfg.queue_size, 0);
	CU_ASSERT_EQUAL(g_cfg.pi_flags, 0);
	CU_ASSERT_EQUAL(g_cfg.dptr_mode, PNVME_DPTR_AUTO);
}

static void test_everything_at_once(void)
{
	CU_ASSERT_EQUAL(parse("-r", "trtype:sim ns=2", "-r", "0000:01:00.0", "-q", "64", "-o", "8k",
			      "-w", "randrw", "-M", "70", "-t", "3", "-a", "1", "-d", "5k",
			      "--rate", "2k", "-P", "2", "-LL", "--no-cpu-time", "--verify",
			      "--json", "--batch", "--shadow-doorbells", "--queue-size", "128",
			      NULL),
			PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_err_lines, 0);
	CU_ASSERT_EQUAL(g_cfg.num_trids, 2);
	CU_ASSERT_STRING_EQUAL(g_cfg.trids[0], "trtype:sim ns=2");
	CU_ASSERT_STRING_EQUAL(g_cfg.trids[1], "0000:01:00.0");
	CU_ASSERT_EQUAL(g_cfg.queue_depth, 64);
	CU_ASSERT_EQUAL(g_cfg.io_size, 8192);
	CU_ASSERT_EQUAL(g_cfg.workload, WL_RANDRW);
	CU_ASSERT_EQUAL(g_cfg.read_pct, 70);
	CU_ASSERT_EQUAL(g_cfg.seconds, 3);
	CU_ASSERT_EQUAL(g_cfg.warmup_s, 1);
	CU_ASSERT_EQUAL(g_cfg.max_ios, 5000);
	CU_ASSERT_EQUAL(g_cfg.rate, 2000);
	CU_ASSERT_EQUAL(g_cfg.qpairs_per_ns, 2);
	CU_ASSERT_EQUAL(g_cfg.latency_detail, 2);
	CU_ASSERT_FALSE(g_cfg.cpu_time);
	CU_ASSERT_TRUE(g_cfg.verify);
	CU_ASSERT_TRUE(g_cfg.json);
	CU_ASSERT_TRUE(g_cfg.delay_doorbell);
	CU_ASSERT_TRUE(g_cfg.shadow_doorbells);
	CU_ASSERT_EQUAL(g_cfg.queue_size, 128);
}

static void test_long_forms(void)
{
	CU_ASSERT_EQUAL(parse("--trid", "trtype:sim", "--qd", "1", "--io-size", "512",
			      "--workload=rw", "--rwmix", "0", "--time", "1", "--warmup", "0",
			      "--count", "1000", "--threads", "1", "--qpairs", "3", "--latency",
			      "--rate", "1M", NULL),
			PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.queue_depth, 1);
	CU_ASSERT_EQUAL(g_cfg.io_size, 512);
	CU_ASSERT_EQUAL(g_cfg.workload, WL_RW);
	CU_ASSERT_EQUAL(g_cfg.read_pct, 0);
	CU_ASSERT_EQUAL(g_cfg.max_ios, 1000);
	CU_ASSERT_EQUAL(g_cfg.qpairs_per_ns, 3);
	CU_ASSERT_EQUAL(g_cfg.latency_detail, 1);
	CU_ASSERT_EQUAL(g_cfg.rate, 1000000);
}

static void test_workloads_set_the_mix(void)
{
	static const struct {
		const char *name;
		enum workload wl;
		uint32_t pct;
	} cases[] = {
		{"read", WL_READ, 100},   {"randread", WL_RANDREAD, 100}, {"write", WL_WRITE, 0},
		{"randwrite", WL_RANDWRITE, 0}, {"rw", WL_RW, 50},       {"randrw", WL_RANDRW, 50},
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		CU_ASSERT_EQUAL(parse("-w", cases[i].name, NULL), PERF_ARGS_RUN);
		CU_ASSERT_EQUAL(g_cfg.workload, cases[i].wl);
		CU_ASSERT_EQUAL(g_cfg.read_pct, cases[i].pct);
	}
	CU_ASSERT_EQUAL(parse("-w", "randrw", "-M", "100", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.read_pct, 100);
}

static void test_latency_levels(void)
{
	CU_ASSERT_EQUAL(parse("-L", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.latency_detail, 1);
	CU_ASSERT_EQUAL(parse("-L", "-L", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.latency_detail, 2);
	/* -LLL: the round trip in phases too; more L's change nothing. */
	CU_ASSERT_EQUAL(parse("-LLL", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.latency_detail, 3);
	CU_ASSERT_EQUAL(parse("-LLLL", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.latency_detail, 3);
	CU_ASSERT_TRUE(g_cfg.sq_doorbell_first); /* the default order */
	CU_ASSERT_EQUAL(parse("--cq-doorbell-first", NULL), PERF_ARGS_RUN);
	CU_ASSERT_FALSE(g_cfg.sq_doorbell_first);
	CU_ASSERT_EQUAL(parse("--cq-doorbell-first", "--sq-doorbell-first", NULL), PERF_ARGS_RUN);
	CU_ASSERT_TRUE(g_cfg.sq_doorbell_first);
}

static void test_threads_and_cores(void)
{
	char n[16], mask[16], too_many[16];

	snprintf(n, sizeof(n), "%d", g_ncpus);
	CU_ASSERT_EQUAL(parse("-n", n, NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.num_threads, (uint32_t)g_ncpus);
	for (int i = 0; i < g_ncpus; i++)
		CU_ASSERT_EQUAL(g_cfg.cores[i], g_cpus[i]);

	if (g_cpus[0] < 32) {
		snprintf(mask, sizeof(mask), "0x%x", 1u << g_cpus[0]);
		CU_ASSERT_EQUAL(parse("-c", mask, NULL), PERF_ARGS_RUN);
		CU_ASSERT_EQUAL(g_cfg.num_threads, 1);
		CU_ASSERT_EQUAL(g_cfg.cores[0], g_cpus[0]);
		snprintf(mask, sizeof(mask), "%X", 1u << g_cpus[0]); /* no 0x, upper case */
		CU_ASSERT_EQUAL(parse("--core-mask", mask, NULL), PERF_ARGS_RUN);
		CU_ASSERT_EQUAL(g_cfg.cores[0], g_cpus[0]);
	}
	if (g_ncpus >= 2 && g_cpus[1] < 32) {
		snprintf(mask, sizeof(mask), "0x%x", (1u << g_cpus[0]) | (1u << g_cpus[1]));
		CU_ASSERT_EQUAL(parse("-c", mask, NULL), PERF_ARGS_RUN);
		CU_ASSERT_EQUAL(g_cfg.num_threads, 2);
		CU_ASSERT_EQUAL(g_cfg.cores[0], g_cpus[0]);
		CU_ASSERT_EQUAL(g_cfg.cores[1], g_cpus[1]);
	}
	snprintf(too_many, sizeof(too_many), "%d", g_ncpus + 1);
	USAGE("threads", "-n", too_many);
	USAGE("CPU", "-n", too_many);
}

static void test_core_mask_errors(void)
{
	/* CPU 1023: no machine this runs on lets a process use it. */
	char far[300] = "0x8";

	for (int i = 0; i < 255; i++)
		strcat(far, "0");
	USAGE("core mask", "-c", "0");
	USAGE("core mask", "-c", "0x0");
	USAGE("core mask", "-c", "0x");
	USAGE("core mask", "-c", "xyz");
	USAGE("core mask", "-c", "0x3g");
	USAGE("core mask", "-c", "-1");
	USAGE("CPU 1023", "-c", far);
	USAGE("not both", "-n", "1", "-c", "0x1");
}

static void test_usage_errors(void)
{
	USAGE("unknown workload 'foo'", "-w", "foo");
	USAGE("queue depth (-q)", "-q", "0");
	USAGE("queue depth (-q)", "-q", "65537");
	USAGE("queue depth (-q)", "-q", "many");
	USAGE("I/O size (-o)", "-o", "100");
	USAGE("not a multiple of 512", "-o", "1000");
	USAGE("-M", "-w", "rw", "-M", "101");
	USAGE("-M", "-w", "randrw", "-M", "-1");
	USAGE("-M applies to rw and randrw", "-M", "50");
	USAGE("time (-t)", "-t", "0");
	USAGE("warm-up", "-a", "soon");
	USAGE("count (-d)", "-d", "0");
	USAGE("count (-d)", "-d", "-5");
	USAGE("thread count (-n)", "-n", "0");
	USAGE("qpairs per namespace (-P)", "-P", "0");
	USAGE("rate (--rate)", "--rate", "0");
	USAGE("rate (--rate)", "--rate", "fast");
	USAGE("queue size", "--queue-size", "1");
	USAGE("unknown option '--bogus'", "--bogus");
	USAGE("unknown option '-x'", "-x");
	USAGE("option -q needs a value", "-q");
	USAGE("option --rate needs a value", "--rate");
	USAGE("option --qd needs a value", "--qd");
	USAGE("unexpected argument 'extra'", "-q", "4", "extra");
	USAGE("at most 8 controllers", "-r", "a", "-r", "b", "-r", "c", "-r", "d", "-r", "e", "-r",
	      "f", "-r", "g", "-r", "h", "-r", "i");
}

/* -e: our words in any subset and order, spdk_nvme_perf's spelling, and the errors. */
static void test_pi_flags(void)
{
	const uint32_t all = PNVME_IO_FLAGS_PRACT | PNVME_IO_FLAGS_PRCHK_GUARD |
			     PNVME_IO_FLAGS_PRCHK_REFTAG | PNVME_IO_FLAGS_PRCHK_APPTAG;
	char buf[80];

	CU_ASSERT_EQUAL(parse("-e", "PRACT", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.pi_flags, PNVME_IO_FLAGS_PRACT);
	CU_ASSERT_EQUAL(parse("-e", "PRCHK_REFTAG,PRCHK_GUARD", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.pi_flags, PNVME_IO_FLAGS_PRCHK_GUARD | PNVME_IO_FLAGS_PRCHK_REFTAG);
	CU_ASSERT_EQUAL(parse("--pi", "PRACT,PRCHK_GUARD,PRCHK_REFTAG,PRCHK_APPTAG", NULL),
			PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.pi_flags, all);
	CU_ASSERT_STRING_EQUAL(perf_pi_flags_str(g_cfg.pi_flags, buf, sizeof(buf)),
			       "PRACT,PRCHK_GUARD,PRCHK_REFTAG,PRCHK_APPTAG");
	CU_ASSERT_STRING_EQUAL(perf_pi_flags_str(0, buf, sizeof(buf)), "none");
	CU_ASSERT_EQUAL(parse("-e", "prchk_apptag,PRCHK_APPTAG", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.pi_flags, PNVME_IO_FLAGS_PRCHK_APPTAG);
	/* spdk_nvme_perf: -e 'PRACT=1,PRCHK=GUARD|REFTAG|APPTAG' (--metadata there). */
	CU_ASSERT_EQUAL(parse("-e", "PRACT=1,PRCHK=GUARD|REFTAG|APPTAG", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.pi_flags, all);
	CU_ASSERT_EQUAL(parse("--metadata", "PRACT=0,PRCHK=GUARD", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.pi_flags, PNVME_IO_FLAGS_PRCHK_GUARD);
	/* The last -e counts. */
	CU_ASSERT_EQUAL(parse("-e", "PRACT", "-e", "PRCHK_GUARD", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.pi_flags, PNVME_IO_FLAGS_PRCHK_GUARD);
	USAGE("unknown word 'GUARD'", "-e", "GUARD");
	USAGE("unknown word 'PRCHK_FOO'", "-e", "PRACT,PRCHK_FOO");
	USAGE("empty word", "-e", "PRACT,");
	USAGE("empty word", "-e", "");
	USAGE("empty word", "-e", ",PRACT");
	USAGE("unknown word 'PRACT=2'", "-e", "PRACT=2");
	USAGE("unknown word 'PRCHK=GUARD|'", "-e", "PRCHK=GUARD|");
	USAGE("unknown word 'PRCHK=CRC'", "-e", "PRCHK=CRC");
	USAGE("option -e needs a value", "-e");
}

static void test_dptr_mode(void)
{
	CU_ASSERT_EQUAL(parse("--sgl", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.dptr_mode, PNVME_DPTR_SGL);
	CU_ASSERT_STRING_EQUAL(perf_dptr_mode_str(g_cfg.dptr_mode), "SGL");
	CU_ASSERT_EQUAL(parse("--prp", "--prp", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.dptr_mode, PNVME_DPTR_PRP);
	CU_ASSERT_STRING_EQUAL(perf_dptr_mode_str(g_cfg.dptr_mode), "PRP");
	CU_ASSERT_EQUAL(parse(NULL), PERF_ARGS_RUN);
	CU_ASSERT_STRING_EQUAL(perf_dptr_mode_str(g_cfg.dptr_mode), "auto");
	USAGE("--sgl or --prp, not both", "--sgl", "--prp");
	USAGE("--sgl or --prp, not both", "--prp", "--sgl");
}

static void test_help(void)
{
	const char *opts[] = {"-r,", "-q,", "-o,", "-w,", "-M,", "-t,", "-a,", "-d,", "-n,", "-c,",
			      "-P,", "-L,", "-e,", "--rate", "--no-cpu-time", "--verify", "--json",
			      "--batch", "--no-shadow-doorbells", "--queue-size", "--sgl", "--prp",
			      "--help"};

	CU_ASSERT_EQUAL(parse("--help", NULL), PERF_ARGS_HELP);
	for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++)
		CU_ASSERT_PTR_NOT_NULL(strstr(g_err, opts[i]));
	CU_ASSERT_EQUAL(parse("-h", NULL), PERF_ARGS_HELP);
}

static void test_parse_twice(void)
{
	CU_ASSERT_EQUAL(parse("-q", "7", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.queue_depth, 7);
	CU_ASSERT_EQUAL(parse("-q", "9", "-t", "2", NULL), PERF_ARGS_RUN);
	CU_ASSERT_EQUAL(g_cfg.queue_depth, 9);
	CU_ASSERT_EQUAL(g_cfg.seconds, 2);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"defaults", test_defaults},
		{"every option at once", test_everything_at_once},
		{"long forms and suffixes", test_long_forms},
		{"workloads set the read mix", test_workloads_set_the_mix},
		{"-L and -LL", test_latency_levels},
		{"-n and -c pick CPUs", test_threads_and_cores},
		{"bad core masks", test_core_mask_errors},
		{"usage errors: one line each, naming the problem", test_usage_errors},
		{"-e: PI flags, spdk_nvme_perf's spelling too", test_pi_flags},
		{"--sgl and --prp", test_dptr_mode},
		{"--help lists every option", test_help},
		{"parsing starts over each time", test_parse_twice},
		{NULL, NULL},
	};

	test_add_suite("perf_args", setup, NULL, tests);
	return test_run_all();
}
