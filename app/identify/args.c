/* SPDX-License-Identifier: BSD-3-Clause */
/* pnvme-identify's command line. */
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "identify.h"

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: " ID_PROG " [options]\n"
		"Show what a controller and its namespaces say about themselves (Identify).\n"
		"  -r, --trid TRID   controller: 'trtype:pcie traddr:0000:00:04.0', a PCI address,\n"
		"                    'trtype:sim [params]' or 'trtype:tcp traddr:IP subnqn:NQN';\n"
		"                    repeatable. Default: every\n"
		"                    controller bound to vfio-pci\n"
		"      --ns NSID     only namespace NSID (it must be active)\n"
		"      --json        one JSON document on stdout (an array of controllers)\n"
		"  -h, --help        this text\n"
		"      --version     the version (" ID_PROG " X.Y.Z), nothing else\n"
		"Exit status: 0 on success, 1 when a controller cannot be attached, 2 on bad usage\n"
		"or a namespace that is not active.\n");
}

static int parse_nsid(const char *s, uint32_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 0);
	if (end == s || *end != '\0' || s[0] == '-' || errno != 0 || v == 0 ||
	    v >= 0xffffffffull) {
		fprintf(stderr, ID_PROG ": --ns wants a namespace ID from 1 to 4294967294, not "
				"'%s'\n", s);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

/* Reject what the driver could never attach before anything starts. */
static int check_trid(const char *s)
{
	struct pnvme_trid trid;

	if (pnvme_trid_parse(&trid, s) != 0) {
		fprintf(stderr, ID_PROG ": malformed transport ID '%s' (try 'trtype:pcie "
				"traddr:0000:00:04.0', '0000:00:04.0', 'trtype:sim' or 'trtype:tcp "
				"traddr:127.0.0.1 subnqn:NQN')\n", s);
		return -1;
	}
	if (strcmp(trid.trtype, "pcie") != 0 && strcmp(trid.trtype, "sim") != 0 &&
	    strcmp(trid.trtype, "tcp") != 0) {
		fprintf(stderr, ID_PROG ": unknown transport type '%s' in '%s' (pcie, sim or tcp)\n",
			trid.trtype, s);
		return -1;
	}
	return 0;
}

int id_parse_args(int argc, char **argv, struct id_config *cfg)
{
	enum { OPT_JSON = 256, OPT_NS, OPT_VERSION };
	static const struct option longopts[] = {
		{"trid", required_argument, NULL, 'r'},
		{"ns", required_argument, NULL, OPT_NS},
		{"json", no_argument, NULL, OPT_JSON},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, OPT_VERSION},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(cfg, 0, sizeof(*cfg));
	opterr = 0;
	optind = 1;
	while ((c = getopt_long(argc, argv, ":r:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (cfg->num_trids == ID_MAX_TRIDS) {
				fprintf(stderr, ID_PROG ": at most %d controllers (-r)\n",
					ID_MAX_TRIDS);
				return -1;
			}
			if (check_trid(optarg) != 0)
				return -1;
			cfg->trids[cfg->num_trids++] = optarg;
			break;
		case OPT_NS:
			if (parse_nsid(optarg, &cfg->nsid) != 0)
				return -1;
			break;
		case OPT_JSON:
			cfg->json = true;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case OPT_VERSION:
			printf(ID_PROG " %s\n", pnvme_version());
			return 1;
		case ':':
			fprintf(stderr, ID_PROG ": option '%s' needs a value (see --help)\n",
				argv[optind - 1]);
			return -1;
		default:
			if (optopt != 0 && optopt < 256)
				fprintf(stderr, ID_PROG ": unknown option '-%c' (see --help)\n",
					optopt);
			else
				fprintf(stderr, ID_PROG ": unknown option '%s' (see --help)\n",
					argv[optind - 1]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, ID_PROG ": unexpected argument '%s' (see --help)\n", argv[optind]);
		return -1;
	}
	return 0;
}
