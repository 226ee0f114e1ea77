/* SPDX-License-Identifier: BSD-3-Clause */
/* pnvme-perf's command line: every usage error is one line on stderr. */
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "perf.h"

const char *const perf_workload_names[6] = {"read", "write", "randread", "randwrite", "rw",
					    "randrw"};

const struct perf_pi_word perf_pi_words[4] = {
	{"PRACT", PNVME_IO_FLAGS_PRACT},
	{"PRCHK_GUARD", PNVME_IO_FLAGS_PRCHK_GUARD},
	{"PRCHK_REFTAG", PNVME_IO_FLAGS_PRCHK_REFTAG},
	{"PRCHK_APPTAG", PNVME_IO_FLAGS_PRCHK_APPTAG},
};

const char *perf_pi_flags_str(uint32_t flags, char *buf, size_t len)
{
	size_t o = 0;

	if (len == 0)
		return buf;
	buf[0] = '\0';
	for (int i = 0; i < 4; i++) {
		if ((flags & perf_pi_words[i].flag) == 0)
			continue;
		o += (size_t)snprintf(buf + o, o < len ? len - o : 0, "%s%s", o ? "," : "",
				      perf_pi_words[i].name);
		if (o >= len)
			break;
	}
	if (o == 0)
		snprintf(buf, len, "none");
	return buf;
}

const char *perf_dptr_mode_str(enum pnvme_dptr_mode mode)
{
	switch (mode) {
	case PNVME_DPTR_PRP:
		return "PRP";
	case PNVME_DPTR_SGL:
		return "SGL";
	default:
		return "auto";
	}
}

void perf_usage(FILE *f)
{
	fprintf(f,
		"Usage: pnvme-perf [options]\n"
		"Keeps I/O in flight on every active namespace of the controllers given and\n"
		"reports IOPS, bandwidth, latency and the driver's CPU time per I/O.\n"
		"\n"
		"What to drive:\n"
		"  -r, --trid TRID       controller: 'trtype:pcie traddr:0000:00:04.0', a PCI\n"
		"                        address, 'trtype:sim [params]', or 'trtype:tcp\n"
		"                        traddr:IP [trsvcid:4420] subnqn:NQN [hdgst:1] [ddgst:1]';\n"
		"                        repeatable (up to %d).\n"
		"                        Default: every controller bound to vfio-pci, else trtype:sim\n"
		"  -w, --workload W      read|write|randread|randwrite|rw|randrw (default randread)\n"
		"  -M, --rwmix PCT       reads in percent for rw/randrw, 0..100 (default 50)\n"
		"  -o, --io-size BYTES   I/O size, a multiple of the sector size; k/m suffixes\n"
		"                        (default 4096)\n"
		"  -q, --qd DEPTH        I/Os in flight per qpair, 1..65536 (default 32)\n"
		"      --nsid NSID       only this namespace of each controller (it must be\n"
		"                        active on every one). Default: every active namespace\n"
		"\n"
		"Threads and queues:\n"
		"  -n, --threads N       worker threads, pinned to the first N CPUs this process\n"
		"                        may use (default 1)\n"
		"  -c, --core-mask MASK  worker threads on these CPUs instead, hex (0x3: CPUs 0, 1)\n"
		"  -P, --qpairs N        qpairs per namespace per thread, 1..%d (default 1)\n"
		"      --queue-size N    hardware queue entries (default: the driver's, raised to\n"
		"                        the depth + 1)\n"
		"      --batch           one SQ doorbell per poll instead of one per I/O\n"
		"      --shadow-doorbells     use Doorbell Buffer Config when the controller offers it\n"
		"      --no-shadow-doorbells  MMIO doorbells only (the default)\n"
		"      --cq-doorbell-first  after a poll's callbacks, ring the CQ head doorbell\n"
		"                        before the SQ tail doorbell (default: SQ tail first)\n"
		"      --sq-doorbell-first  the default order, SQ tail before CQ head\n"
		"\n"
		"How long and how fast:\n"
		"  -t, --time SECONDS    measured time, 1..86400 (default 10)\n"
		"  -a, --warmup SECONDS  run this long first, not counted (default 0)\n"
		"  -d, --count N         stop after N measured I/Os in all threads (-t stays the\n"
		"                        upper bound)\n"
		"      --rate IOPS       open loop: submit at this total rate (k/m suffixes: 1000s),\n"
		"                        split evenly over the qpairs; latency counts from each\n"
		"                        I/O's scheduled time. Default: closed loop (-q in flight)\n"
		"\n"
		"Metadata and data pointers:\n"
		"  -e, --pi FLAGS        end-to-end protection, on namespaces formatted with PI\n"
		"                        only: a comma list of PRACT, PRCHK_GUARD, PRCHK_REFTAG,\n"
		"                        PRCHK_APPTAG (spdk_nvme_perf's 'PRACT=1,PRCHK=GUARD|REFTAG'\n"
		"                        too). Without PRACT the tool writes PI of its own\n"
		"      --sgl             SGL data pointers on every qpair (the controller must\n"
		"                        support SGLs)\n"
		"      --prp             PRP data pointers on every qpair. Default: the driver's\n"
		"                        choice per I/O\n"
		"\n"
		"What to report:\n"
		"  -L, --latency         latency percentiles p50 p90 p99 p99.9 p99.99 max;\n"
		"                        -LL also the histogram (non-empty buckets); -LLL also\n"
		"                        each I/O's round trip in phases: submission to its SQ\n"
		"                        doorbell, doorbell to the first poll that sees its\n"
		"                        completion, that poll to the callback (costs nothing\n"
		"                        without it)\n"
		"      --no-cpu-time     do not time the driver's calls (cpu ns/IO)\n"
		"      --verify          write a pattern (LBA + generation) and check every read;\n"
		"                        with protection information, its PI too\n"
		"      --json            results as one JSON document on stdout\n"
		"      --status-interval N  a progress line on stderr every N seconds, also into\n"
		"                        a pipe or file (fio's option)\n"
		"  -h, --help            this text\n"
		"      --version         the version (pnvme-perf X.Y.Z), nothing else\n"
		"\n"
		"A progress line goes to stderr each second when stderr is a terminal (rewritten\n"
		"in place); with --status-interval, one whole line every N seconds wherever\n"
		"stderr goes.\n"
		"Exit status: 0 when every I/O succeeded, 1 on I/O errors, verify mismatches (data\n"
		"or PI), invalid completions (the device broke the protocol), a failed controller\n"
		"or --sgl without SGL support, 2 on bad usage (one line on stderr says what; -e on\n"
		"a namespace without PI too).\n",
		PERF_MAX_TRIDS, PERF_MAX_QPAIRS_PER_NS);
}

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("pnvme-perf: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return PERF_ARGS_USAGE;
}

/* A decimal number with an optional k or m suffix worth unit and unit^2. */
static int parse_num(const char *s, uint64_t unit, uint64_t *out)
{
	char *end;
	unsigned long long v;
	uint64_t mult = 1;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	v = strtoull(s, &end, 10);
	if (*end == 'k' || *end == 'K')
		mult = unit, end++;
	else if (*end == 'm' || *end == 'M')
		mult = unit * unit, end++;
	if (*end != '\0' || (mult > 1 && v > UINT64_MAX / mult))
		return -1;
	*out = v * mult;
	return 0;
}

static int parse_u32(const char *s, const char *what, uint32_t min, uint32_t max, uint32_t *out)
{
	uint64_t v;

	if (parse_num(s, 1024, &v) != 0 || v < min || v > max)
		return usage_error("%s must be a number from %u to %u, not '%s'", what, min, max, s);
	*out = (uint32_t)v;
	return 0;
}

/* --status-interval: seconds, "N", "Ns" or "Nm" (as fio takes a time), 1 s .. 1 day. */
static int parse_interval(const char *s, uint32_t *out)
{
	unsigned long long v = 0;
	const char *p = s;

	while (*p >= '0' && *p <= '9' && v <= 86400)
		v = v * 10 + (unsigned long long)(*p++ - '0');
	if (p != s && *p == 'm' && p[1] == '\0')
		v *= 60;
	else if (p == s || !(*p == '\0' || (*p == 's' && p[1] == '\0')))
		v = 0;
	if (v < 1 || v > 86400)
		return usage_error("status interval (--status-interval) must be 1 to 86400 seconds "
				   "(N, Ns or Nm), not '%s'", s);
	*out = (uint32_t)v;
	return 0;
}

/* One word of -e: ours (PRCHK_GUARD), or spdk_nvme_perf's (PRACT=1, PRCHK=GUARD|REFTAG). */
static int parse_pi_word(const char *w, size_t len, uint32_t *flags)
{
	static const char *const spdk_checks[3] = {"GUARD", "REFTAG", "APPTAG"};
	static const uint32_t spdk_flags[3] = {PNVME_IO_FLAGS_PRCHK_GUARD,
					       PNVME_IO_FLAGS_PRCHK_REFTAG,
					       PNVME_IO_FLAGS_PRCHK_APPTAG};

	for (int i = 0; i < 4; i++) {
		if (strlen(perf_pi_words[i].name) == len &&
		    strncasecmp(w, perf_pi_words[i].name, len) == 0) {
			*flags |= perf_pi_words[i].flag;
			return 0;
		}
	}
	if (len == 7 && strncasecmp(w, "PRACT=", 6) == 0 && (w[6] == '0' || w[6] == '1')) {
		if (w[6] == '1')
			*flags |= PNVME_IO_FLAGS_PRACT;
		return 0;
	}
	if (len > 6 && strncasecmp(w, "PRCHK=", 6) == 0) {
		const char *p = w + 6, *end = w + len;

		for (;;) {
			size_t n = strcspn(p, "|");
			int i;

			if (p + n > end)
				n = (size_t)(end - p);
			for (i = 0; i < 3; i++) {
				if (strlen(spdk_checks[i]) == n && strncasecmp(p, spdk_checks[i], n) == 0)
					break;
			}
			if (i == 3)
				return -1;
			*flags |= spdk_flags[i];
			if (p + n == end)
				return 0;
			p += n + 1;
		}
	}
	return -1;
}

/* -e: a comma list of words; a repeated -e replaces the earlier one. */
static int parse_pi(const char *s, struct perf_config *cfg)
{
	uint32_t flags = 0;
	const char *p = s;

	for (;;) {
		size_t len = strcspn(p, ",");

		if (len == 0 || parse_pi_word(p, len, &flags) != 0)
			return usage_error("%s '%.*s' in -e '%s' (a comma list of PRACT, PRCHK_GUARD, "
					   "PRCHK_REFTAG, PRCHK_APPTAG)",
					   len == 0 ? "empty word" : "unknown word", (int)len, p, s);
		if (p[len] == '\0')
			break;
		p += len + 1;
	}
	cfg->pi_flags = flags;
	return 0;
}

static int parse_workload(const char *s, struct perf_config *cfg)
{
	for (int i = 0; i < 6; i++) {
		if (strcmp(s, perf_workload_names[i]) == 0) {
			cfg->workload = (enum workload)i;
			return 0;
		}
	}
	return usage_error("unknown workload '%s' (read, write, randread, randwrite, rw, randrw)",
			   s);
}

/* -n: the first n CPUs the process may use. */
static int pick_threads(const char *s, struct perf_config *cfg)
{
	uint16_t cpus[PERF_MAX_THREADS];
	uint32_t n = 0;
	int avail;

	if (parse_u32(s, "thread count (-n)", 1, PERF_MAX_THREADS, &n) != 0)
		return PERF_ARGS_USAGE;
	avail = perf_cpus_allowed(cpus, PERF_MAX_THREADS);
	if ((int)n > avail)
		return usage_error("%u threads (-n) but this process may use only %d CPU%s", n,
				   avail, avail == 1 ? "" : "s");
	memcpy(cfg->cores, cpus, n * sizeof(cpus[0]));
	cfg->num_threads = n;
	return 0;
}

static int pick_mask(const char *s, struct perf_config *cfg)
{
	char why[160];
	int n = perf_parse_core_mask(s, cfg->cores, PERF_MAX_THREADS, why, sizeof(why));

	if (n < 0)
		return usage_error("%s", why);
	cfg->num_threads = (uint32_t)n;
	return 0;
}

/* The option as the user wrote it, for messages about it. */
static const char *option_text(char **argv, int c)
{
	static char buf[4];
	const char *arg = argv[optind - 1];

	if (arg != NULL && strncmp(arg, "--", 2) == 0) {
		static char name[64];
		size_t len = strcspn(arg, "=");

		snprintf(name, sizeof(name), "%.*s", (int)(len < 63 ? len : 63), arg);
		return name;
	}
	snprintf(buf, sizeof(buf), "-%c", c);
	return buf;
}

void perf_config_defaults(struct perf_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->queue_depth = 32;
	cfg->io_size = 4096;
	cfg->workload = WL_RANDREAD;
	cfg->read_pct = 50;
	cfg->seconds = 10;
	cfg->qpairs_per_ns = 1;
	cfg->cpu_time = true;
	cfg->dptr_mode = PNVME_DPTR_AUTO;
	cfg->sq_doorbell_first = true;
}

static int finish(struct perf_config *cfg, bool mix_given, bool threads_given, bool mask_given,
		  unsigned dptr_given)
{
	if (threads_given && mask_given)
		return usage_error("give -n (thread count) or -c (core mask), not both");
	if (dptr_given > 1)
		return usage_error("give --sgl or --prp, not both");
	if (!threads_given && !mask_given) {
		uint16_t cpus[1];

		if (perf_cpus_allowed(cpus, 1) < 1)
			return usage_error("cannot tell which CPUs this process may use");
		cfg->cores[0] = cpus[0];
		cfg->num_threads = 1;
	}
	if (cfg->io_size % 512 != 0)
		return usage_error("I/O size (-o) %u is not a multiple of 512", cfg->io_size);
	switch (cfg->workload) {
	case WL_READ:
	case WL_RANDREAD:
		cfg->read_pct = 100;
		break;
	case WL_WRITE:
	case WL_RANDWRITE:
		cfg->read_pct = 0;
		break;
	default:
		break;
	}
	if (mix_given && cfg->workload != WL_RW && cfg->workload != WL_RANDRW)
		return usage_error("-M applies to rw and randrw only, not %s",
				   perf_workload_names[cfg->workload]);
	if (cfg->queue_size != 0 && cfg->queue_size < 2)
		return usage_error("queue size must be at least 2");
	return PERF_ARGS_RUN;
}

int perf_parse_args(int argc, char **argv, struct perf_config *cfg)
{
	enum {
		OPT_VERIFY = 256,
		OPT_JSON,
		OPT_BATCH,
		OPT_SQ_DB_FIRST,
		OPT_CQ_DB_FIRST,
		OPT_NO_SHADOW, OPT_SHADOW,
		OPT_QUEUE_SIZE,
		OPT_RATE,
		OPT_NO_CPU_TIME,
		OPT_SGL, OPT_PRP,
		OPT_VERSION,
		OPT_STATUS_INTERVAL,
		OPT_NSID,
	};
	static const struct option longopts[] = {
		{"trid", required_argument, NULL, 'r'},
		{"qd", required_argument, NULL, 'q'},
		{"io-size", required_argument, NULL, 'o'},
		{"workload", required_argument, NULL, 'w'},
		{"rwmix", required_argument, NULL, 'M'},
		{"time", required_argument, NULL, 't'},
		{"warmup", required_argument, NULL, 'a'},
		{"count", required_argument, NULL, 'd'},
		{"threads", required_argument, NULL, 'n'},
		{"core-mask", required_argument, NULL, 'c'},
		{"qpairs", required_argument, NULL, 'P'},
		{"latency", no_argument, NULL, 'L'},
		{"rate", required_argument, NULL, OPT_RATE},
		{"no-cpu-time", no_argument, NULL, OPT_NO_CPU_TIME},
		{"verify", no_argument, NULL, OPT_VERIFY},
		{"json", no_argument, NULL, OPT_JSON},
		{"batch", no_argument, NULL, OPT_BATCH},
		{"sq-doorbell-first", no_argument, NULL, OPT_SQ_DB_FIRST},
		{"cq-doorbell-first", no_argument, NULL, OPT_CQ_DB_FIRST},
		{"no-shadow-doorbells", no_argument, NULL, OPT_NO_SHADOW},
		{"shadow-doorbells", no_argument, NULL, OPT_SHADOW},
		{"queue-size", required_argument, NULL, OPT_QUEUE_SIZE},
		{"pi", required_argument, NULL, 'e'},
		{"metadata", required_argument, NULL, 'e'}, /* spdk_nvme_perf's name */
		{"sgl", no_argument, NULL, OPT_SGL},
		{"prp", no_argument, NULL, OPT_PRP},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{"status-interval", required_argument, NULL, OPT_STATUS_INTERVAL},
		{"nsid", required_argument, NULL, OPT_NSID},
		{NULL, 0, NULL, 0},
	};
	bool mix_given = false, threads_given = false, mask_given = false;
	unsigned dptr_given = 0;
	int c, rc;

	perf_config_defaults(cfg);
	opterr = 0;
	optind = 0; /* 0: glibc starts over, also after an earlier parse */
	while ((c = getopt_long(argc, argv, ":r:q:o:w:M:t:a:d:n:c:P:e:Lh", longopts, NULL)) != -1) {
		rc = 0;
		switch (c) {
		case 'r':
			if (cfg->num_trids == PERF_MAX_TRIDS)
				return usage_error("at most %d controllers (-r)", PERF_MAX_TRIDS);
			cfg->trids[cfg->num_trids++] = optarg;
			break;
		case 'q':
			rc = parse_u32(optarg, "queue depth (-q)", 1, 65536, &cfg->queue_depth);
			break;
		case 'o':
			rc = parse_u32(optarg, "I/O size (-o)", 512, 64u << 20, &cfg->io_size);
			break;
		case 'w':
			rc = parse_workload(optarg, cfg);
			break;
		case 'M':
			rc = parse_u32(optarg, "read percentage (-M)", 0, 100, &cfg->read_pct);
			mix_given = true;
			break;
		case 't':
			rc = parse_u32(optarg, "time (-t)", 1, 86400, &cfg->seconds);
			break;
		case 'a':
			rc = parse_u32(optarg, "warm-up time (-a)", 0, 86400, &cfg->warmup_s);
			break;
		case 'd':
			if (parse_num(optarg, 1000, &cfg->max_ios) != 0 || cfg->max_ios == 0)
				return usage_error("count (-d) must be a positive number, not '%s'",
						   optarg);
			break;
		case 'n':
			rc = pick_threads(optarg, cfg);
			threads_given = true;
			break;
		case 'c':
			rc = pick_mask(optarg, cfg);
			mask_given = true;
			break;
		case 'P':
			rc = parse_u32(optarg, "qpairs per namespace (-P)", 1, PERF_MAX_QPAIRS_PER_NS,
				       &cfg->qpairs_per_ns);
			break;
		case 'L':
			if (cfg->latency_detail < 3)
				cfg->latency_detail++;
			break;
		case OPT_RATE:
			if (parse_num(optarg, 1000, &cfg->rate) != 0 || cfg->rate == 0 ||
			    cfg->rate > 1000000000ull)
				return usage_error("rate (--rate) must be from 1 to 1000000000 IOPS, "
						   "not '%s'", optarg);
			break;
		case OPT_NO_CPU_TIME:
			cfg->cpu_time = false;
			break;
		case OPT_VERIFY:
			cfg->verify = true;
			break;
		case OPT_NSID:
			rc = parse_u32(optarg, "namespace ID (--nsid)", 1, 0xfffffffeu, &cfg->nsid);
			break;
		case OPT_JSON:
			cfg->json = true;
			break;
		case OPT_BATCH:
			cfg->delay_doorbell = true;
			break;
		case OPT_SQ_DB_FIRST:
			cfg->sq_doorbell_first = true;
			break;
		case OPT_CQ_DB_FIRST:
			cfg->sq_doorbell_first = false;
			break;
		case OPT_NO_SHADOW:
			cfg->shadow_doorbells = false;
			break;
		case OPT_SHADOW:
			cfg->shadow_doorbells = true;
			break;
		case 'e':
			rc = parse_pi(optarg, cfg);
			break;
		case OPT_SGL:
			dptr_given += cfg->dptr_mode != PNVME_DPTR_SGL;
			cfg->dptr_mode = PNVME_DPTR_SGL;
			break;
		case OPT_PRP:
			dptr_given += cfg->dptr_mode != PNVME_DPTR_PRP;
			cfg->dptr_mode = PNVME_DPTR_PRP;
			break;
		case OPT_QUEUE_SIZE:
			rc = parse_u32(optarg, "queue size (--queue-size)", 2, 65536, &cfg->queue_size);
			break;
		case 'h':
			perf_usage(stdout);
			return PERF_ARGS_HELP;
		case OPT_VERSION:
			printf("pnvme-perf %s\n", pnvme_version());
			return PERF_ARGS_HELP;
		case OPT_STATUS_INTERVAL:
			rc = parse_interval(optarg, &cfg->status_interval);
			break;
		case ':':
			return usage_error("option %s needs a value (see --help)",
					   option_text(argv, optopt));
		default:
			if (optopt != 0 && optopt < 256)
				return usage_error("unknown option '-%c' (see --help)", optopt);
			return usage_error("unknown option '%s' (see --help)", argv[optind - 1]);
		}
		if (rc != 0)
			return PERF_ARGS_USAGE;
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s' (see --help)", argv[optind]);
	return finish(cfg, mix_given, threads_given, mask_given, dptr_given);
}
