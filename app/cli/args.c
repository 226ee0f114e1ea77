/* SPDX-License-Identifier: BSD-3-Clause */
/* Option parsing: a table per subcommand turned into getopt_long's, numbers checked. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_OPTS 32

int cli_fail(const struct cli *cli, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, CLI_PROG "%s%s: ", cli->cmd ? " " : "", cli->cmd ? cli->cmd : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 1;
}

int cli_fail_rc(const struct cli *cli, const char *what, int rc, const struct pnvme_cpl *cpl)
{
	if (rc == -EIO && cpl != NULL)
		return cli_fail(cli, "%s: %s (sct %u, sc 0x%02x)", what, pnvme_cpl_status_str(cpl),
				cpl->status.sct, cpl->status.sc);
	return cli_fail(cli, "%s: %s", what, strerror(-rc));
}

static int parse_num(const char *s, uint64_t *out)
{
	char *end;

	if (s == NULL || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return errno != 0 || *end != '\0' ? -EINVAL : 0;
}

static void usage(const struct cli *cli, const struct cli_opt *opts, const char *synopsis,
		  bool fmt_ok, bool destructive)
{
	printf("usage: " CLI_PROG " %s %s\n", cli->cmd, synopsis);
	for (const struct cli_opt *o = opts; o->name != NULL; o++) {
		char left[48];

		if (o->letter)
			snprintf(left, sizeof(left), "-%c, --%s%s", o->letter, o->name,
				 o->kind == OPT_FLAG ? "" : "=VAL");
		else
			snprintf(left, sizeof(left), "    --%s%s", o->name,
				 o->kind == OPT_FLAG ? "" : "=VAL");
		printf("  %-28s %s\n", left, o->help);
	}
	if (fmt_ok) {
		printf("  %-28s %s\n", "-o, --output-format=FMT", "normal, json or binary");
		printf("  %-28s %s\n", "-H, --human-readable", "decode fields");
	}
	if (destructive)
		printf("  %-28s %s\n", "    --force", "do not ask for confirmation");
}

static const char *fmt_names[] = {"normal", "json", "binary"};

static int set_fmt(struct cli *cli, const char *s)
{
	for (int i = 0; i < 3; i++) {
		if (strcmp(s, fmt_names[i]) == 0) {
			cli->fmt = (enum cli_fmt)i;
			return 0;
		}
	}
	cli_fail(cli, "unknown output format '%s' (normal, json or binary)", s);
	return -1;
}

/* The common options after the command's own. */
enum { COMMON_FORCE = 1000, COMMON_HELP = 'h', COMMON_FMT = 'o', COMMON_HUMAN = 'H' };

static int store(struct cli *cli, struct cli_opt *o, const char *arg)
{
	o->seen = true;
	switch (o->kind) {
	case OPT_FLAG:
		*(bool *)o->dest = true;
		return 0;
	case OPT_NUM:
		if (parse_num(arg, o->dest) != 0) {
			cli_fail(cli, "--%s: '%s' is not a number", o->name, arg);
			return -1;
		}
		return 0;
	default:
		*(const char **)o->dest = arg;
		return 0;
	}
}

int cli_parse(struct cli *cli, int argc, char **argv, struct cli_opt *opts, bool fmt_ok,
	      bool destructive, const char *synopsis)
{
	struct option lo[MAX_OPTS + 8];
	/* ':' first: a missing value is told apart; GNU order: the device anywhere. */
	char so[3 * MAX_OPTS + 16] = ":h";
	int n = 0, m, c;

	for (struct cli_opt *o = opts; o->name != NULL && n < MAX_OPTS; o++, n++) {
		lo[n] = (struct option){o->name, o->kind == OPT_FLAG ? no_argument : required_argument,
					NULL, o->letter ? o->letter : 2000 + n};
		if (o->letter) {
			size_t l = strlen(so);

			so[l] = (char)o->letter;
			so[l + 1] = '\0';
			if (o->kind != OPT_FLAG)
				strcat(so, ":");
		}
	}
	m = n;
	if (fmt_ok) {
		lo[m++] = (struct option){"output-format", required_argument, NULL, COMMON_FMT};
		lo[m++] = (struct option){"human-readable", no_argument, NULL, COMMON_HUMAN};
		lo[m++] = (struct option){"raw-binary", no_argument, NULL, 'b'};
		strcat(so, "o:Hb");
	}
	if (destructive)
		lo[m++] = (struct option){"force", no_argument, NULL, COMMON_FORCE};
	lo[m++] = (struct option){"help", no_argument, NULL, COMMON_HELP};
	lo[m] = (struct option){NULL, 0, NULL, 0};
	optind = 0; /* a fresh scan (batch runs several) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, so, lo, NULL)) != -1) {
		struct cli_opt *hit = NULL;

		if (c == COMMON_HELP) {
			usage(cli, opts, synopsis, fmt_ok, destructive);
			return 1;
		}
		if (c == '?' || c == ':') {
			cli_fail(cli, "%s option '%s' (see --help)",
				 c == ':' ? "missing value for" : "unknown",
				 argv[optind - 1]);
			return -1;
		}
		if (fmt_ok && c == COMMON_FMT) {
			if (set_fmt(cli, optarg) != 0)
				return -1;
			continue;
		}
		if (fmt_ok && c == COMMON_HUMAN) {
			cli->human = true;
			continue;
		}
		if (fmt_ok && c == 'b') {
			cli->fmt = CLI_BINARY;
			continue;
		}
		if (c == COMMON_FORCE) {
			cli->force = true;
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (opts[i].letter ? opts[i].letter == c : 2000 + i == c)
				hit = &opts[i];
		}
		if (hit == NULL || store(cli, hit, optarg) != 0)
			return -1;
	}
	for (int i = optind; i < argc; i++) {
		if (cli->batch || cli->dev != NULL) {
			cli_fail(cli, "unexpected argument '%s'", argv[i]);
			return -1;
		}
		cli->dev = argv[i];
	}
	if (cli->dev == NULL && !cli->batch && !cli->dev_optional) {
		cli_fail(cli, "no device given: a PCI address (0000:01:00.0) or a transport ID "
			      "('trtype:sim')");
		return -1;
	}
	return 0;
}

bool cli_given(const struct cli_opt *opts, const char *name)
{
	for (const struct cli_opt *o = opts; o->name != NULL; o++) {
		if (strcmp(o->name, name) == 0)
			return o->seen;
	}
	return false;
}
