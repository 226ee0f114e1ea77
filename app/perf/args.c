/* SPDX-License-Identifier: BSD-3-Clause */
/* pnvme-perf's command line. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: pnvme-perf [options]\n"
		"  -r, --trid TRID       controller: 'trtype:pcie traddr:0000:00:04.0', a PCI\n"
		"                        address, or 'trtype:sim [params]'; repeatable. Default:\n"
		"                        every controller bound to vfio-pci, else trtype:sim\n"
		"  -q, --qd DEPTH        I/Os in flight per namespace (default 32)\n"
		"  -o, --io-size BYTES   I/O size, a multiple of the sector size (default 4096)\n"
		"  -w, --workload W      read|write|randread|randwrite|rw|randrw (default randread)\n"
		"  -M, --rwmix PCT       reads in percent for rw/randrw (default 50)\n"
		"  -t, --time SECONDS    run time (default 10)\n"
		"  -d, --count N         stop after N I/Os in all (with -t as the upper bound)\n"
		"      --verify          write a pattern (LBA + generation) and check every read\n"
		"      --json            results as JSON on stdout\n"
		"      --batch           one SQ doorbell per poll instead of one per I/O\n"
		"      --no-shadow-doorbells  MMIO doorbells even if Doorbell Buffer Config is offered\n"
		"      --queue-size N    hardware queue entries (default: the driver's, raised to the depth)\n"
		"  -h, --help            this text\n"
		"Exit status: 0 when every I/O succeeded, 1 on I/O or verify errors, 2 on bad usage.\n");
}

static int parse_u32(const char *s, const char *what, uint32_t min, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long long v;
	unsigned long long mult = 1;

	v = strtoull(s, &end, 10);
	if (end != s && (*end == 'k' || *end == 'K'))
		mult = 1024, end++;
	else if (end != s && (*end == 'm' || *end == 'M'))
		mult = 1024 * 1024, end++;
	if (end == s || *end != '\0' || s[0] == '-' || v * mult < min || v * mult > max) {
		fprintf(stderr, "pnvme-perf: %s must be a number from %u to %u, not '%s'\n", what,
			min, max, s);
		return -1;
	}
	*out = (uint32_t)(v * mult);
	return 0;
}

static int parse_workload(const char *s, struct perf_config *cfg)
{
	static const char *const names[] = {"read", "write", "randread", "randwrite", "rw", "randrw"};

	for (int i = 0; i < 6; i++) {
		if (strcmp(s, names[i]) == 0) {
			cfg->workload = (enum workload)i;
			return 0;
		}
	}
	fprintf(stderr, "pnvme-perf: unknown workload '%s' (read, write, randread, randwrite, "
			"rw, randrw)\n", s);
	return -1;
}

/* 0 to run, 1 after --help, -1 on a usage error (already reported). */
int perf_parse_args(int argc, char **argv, struct perf_config *cfg)
{
	enum { OPT_VERIFY = 256, OPT_JSON, OPT_BATCH, OPT_NO_SHADOW, OPT_QUEUE_SIZE };
	static const struct option longopts[] = {
		{"trid", required_argument, NULL, 'r'},
		{"qd", required_argument, NULL, 'q'},
		{"io-size", required_argument, NULL, 'o'},
		{"workload", required_argument, NULL, 'w'},
		{"rwmix", required_argument, NULL, 'M'},
		{"time", required_argument, NULL, 't'},
		{"count", required_argument, NULL, 'd'},
		{"verify", no_argument, NULL, OPT_VERIFY},
		{"json", no_argument, NULL, OPT_JSON},
		{"batch", no_argument, NULL, OPT_BATCH},
		{"no-shadow-doorbells", no_argument, NULL, OPT_NO_SHADOW},
		{"queue-size", required_argument, NULL, OPT_QUEUE_SIZE},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	bool mix_given = false;
	int c;

	memset(cfg, 0, sizeof(*cfg));
	cfg->queue_depth = 32;
	cfg->io_size = 4096;
	cfg->workload = WL_RANDREAD;
	cfg->read_pct = 50;
	cfg->seconds = 10;
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, "r:q:o:w:M:t:d:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (cfg->num_trids == PERF_MAX_TRIDS) {
				fprintf(stderr, "pnvme-perf: at most %d controllers\n", PERF_MAX_TRIDS);
				return -1;
			}
			cfg->trids[cfg->num_trids++] = optarg;
			break;
		case 'q':
			if (parse_u32(optarg, "queue depth (-q)", 1, 65536, &cfg->queue_depth))
				return -1;
			break;
		case 'o':
			if (parse_u32(optarg, "I/O size (-o)", 512, 64u << 20, &cfg->io_size))
				return -1;
			break;
		case 'w':
			if (parse_workload(optarg, cfg))
				return -1;
			break;
		case 'M':
			if (parse_u32(optarg, "read percentage (-M)", 0, 100, &cfg->read_pct))
				return -1;
			mix_given = true;
			break;
		case 't':
			if (parse_u32(optarg, "time (-t)", 1, 86400, &cfg->seconds))
				return -1;
			break;
		case 'd': {
			char *end;

			cfg->max_ios = strtoull(optarg, &end, 10);
			if (end == optarg || *end != '\0' || optarg[0] == '-' || cfg->max_ios == 0) {
				fprintf(stderr, "pnvme-perf: count (-d) must be a positive number, "
						"not '%s'\n", optarg);
				return -1;
			}
			break;
		}
		case OPT_VERIFY:
			cfg->verify = true;
			break;
		case OPT_JSON:
			cfg->json = true;
			break;
		case OPT_BATCH:
			cfg->delay_doorbell = true;
			break;
		case OPT_NO_SHADOW:
			cfg->no_shadow_doorbells = true;
			break;
		case OPT_QUEUE_SIZE:
			if (parse_u32(optarg, "queue size", 2, 65536, &cfg->queue_size))
				return -1;
			break;
		case 'h':
			usage(stdout);
			return 1;
		default:
			if (optopt != 0 && optopt < 256)
				fprintf(stderr, "pnvme-perf: option -%c needs a value or is unknown "
						"(see --help)\n", optopt);
			else
				fprintf(stderr, "pnvme-perf: unknown option '%s' (see --help)\n",
					argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "pnvme-perf: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -1;
	}
	if (cfg->io_size % 512 != 0) {
		fprintf(stderr, "pnvme-perf: I/O size %u is not a multiple of 512\n", cfg->io_size);
		return -1;
	}
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
	if (mix_given && cfg->workload != WL_RW && cfg->workload != WL_RANDRW) {
		fprintf(stderr, "pnvme-perf: -M applies to rw and randrw only\n");
		return -1;
	}
	return 0;
}
