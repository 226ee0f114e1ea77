/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme-cli SUBCOMMAND DEVICE [options]: nvme-cli's language for controllers
 * bound to vfio-pci. "batch DEVICE [FILE]" runs one subcommand per line of
 * FILE (or stdin) on one attached controller, which is what a sim's state
 * needs to outlive a command; every line runs, the status is 1 if one failed.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"

static const struct {
	const char *name;
	cli_cmd_fn fn;
	const char *summary;
} g_cmds[] = {
	{"list", cmd_list, "namespaces of a controller, or of every one bound to vfio-pci"},
	{"id-ctrl", cmd_id_ctrl, "Identify Controller"},
	{"id-ns", cmd_id_ns, "Identify Namespace"},
	{"list-ns", cmd_list_ns, "active (or allocated) namespace IDs"},
	{"smart-log", cmd_smart_log, "SMART / Health Information log"},
	{"error-log", cmd_error_log, "Error Information log"},
	{"fw-log", cmd_fw_log, "Firmware Slot Information log"},
	{"sanitize-log", cmd_sanitize_log, "Sanitize Status log"},
	{"self-test-log", cmd_self_test_log, "Device Self-test log"},
	{"get-feature", cmd_get_feature, "Get Features"},
	{"set-feature", cmd_set_feature, "Set Features"},
	{"format", cmd_format, "Format NVM (destructive)"},
	{"sanitize", cmd_sanitize, "Sanitize (destructive)"},
	{"fw-download", cmd_fw_download, "Firmware Image Download, in pieces"},
	{"fw-commit", cmd_fw_commit, "Firmware Commit (destructive)"},
	{"create-ns", cmd_create_ns, "Namespace Management: create"},
	{"delete-ns", cmd_delete_ns, "Namespace Management: delete (destructive)"},
	{"attach-ns", cmd_attach_ns, "Namespace Attachment: attach"},
	{"detach-ns", cmd_detach_ns, "Namespace Attachment: detach"},
	{"device-self-test", cmd_device_self_test, "start (or abort) a device self-test"},
	{"reset", cmd_reset, "controller reset"},
	{"discover", cmd_discover, "NVMe/TCP Discovery log page (-t tcp -a ADDR -s SVCID)"},
};
#define NUM_CMDS (sizeof(g_cmds) / sizeof(g_cmds[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: " CLI_PROG " SUBCOMMAND DEVICE [options]\n"
		   "       " CLI_PROG " batch DEVICE [FILE]   (one subcommand a line, one attach)\n"
		   "DEVICE: a PCI address bound to vfio-pci (0000:01:00.0) or a transport ID\n"
		   "        ('trtype:sim ns=2'). SUBCOMMAND --help for its options.\n\n");
	for (size_t i = 0; i < NUM_CMDS; i++)
		fprintf(f, "  %-18s %s\n", g_cmds[i].name, g_cmds[i].summary);
	fprintf(f, "  %-18s %s\n", "version", "the version of pnvme-cli");
}

static int run(struct cli *cli, int argc, char **argv)
{
	for (size_t i = 0; i < NUM_CMDS; i++) {
		if (strcmp(argv[0], g_cmds[i].name) == 0) {
			cli->cmd = g_cmds[i].name;
			cli->fmt = CLI_NORMAL;
			cli->human = cli->force = false;
			return g_cmds[i].fn(cli, argc, argv);
		}
	}
	cli->cmd = NULL;
	return cli_fail(cli, "unknown subcommand '%s' (" CLI_PROG " help lists them)", argv[0]);
}

#define BATCH_ARGS 32

/* Split line into words (no quoting: options and values have no spaces). */
static int split(char *line, char **argv)
{
	int n = 0;

	for (char *tok = strtok(line, " \t\r\n"); tok != NULL && n < BATCH_ARGS - 1;
	     tok = strtok(NULL, " \t\r\n"))
		argv[n++] = tok;
	argv[n] = NULL;
	return n;
}

static int batch(struct cli *cli, int argc, char **argv)
{
	char line[1024], *words[BATCH_ARGS];
	FILE *f = stdin;
	int rc = 0, lineno = 0, failed = 0;

	if (argc < 2 || argc > 3)
		return cli_fail(cli, "usage: " CLI_PROG " batch DEVICE [FILE]");
	cli->dev = argv[1];
	if (argc == 3 && (f = fopen(argv[2], "r")) == NULL)
		return cli_fail(cli, "cannot open '%s': %s", argv[2], strerror(errno));
	if (cli_open(cli) != 0) {
		if (f != stdin)
			fclose(f);
		return 1;
	}
	cli->batch = true;
	while (fgets(line, sizeof(line), f) != NULL) {
		int n;

		lineno++;
		if (line[strspn(line, " \t")] == '#')
			continue;
		n = split(line, words);
		if (n == 0)
			continue;
		fflush(stdout);
		rc = run(cli, n, words);
		fflush(stdout);
		if (rc != 0) {
			fprintf(stderr, CLI_PROG " batch: line %d failed\n", lineno);
			failed++;
		}
	}
	if (f != stdin)
		fclose(f);
	cli->batch = false;
	cli_close(cli);
	return failed ? 1 : 0;
}

/* Admin commands move a few pages: ordinary memory, the hugepages left to I/O tools. */
static int start_env(void)
{
	struct pnvme_env_opts opts;
	int rc;

	pnvme_env_opts_init(&opts, sizeof(opts));
	opts.name = CLI_PROG;
	opts.no_huge = 1;
	opts.mem_mb = 256;
	rc = pnvme_env_init(&opts);
	if (rc != 0)
		fprintf(stderr, CLI_PROG ": environment failed to start: %s\n", strerror(-rc));
	return rc;
}

int main(int argc, char **argv)
{
	struct cli cli = {0};
	int rc;

	if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "-h") == 0) {
		usage(argc < 2 ? stderr : stdout);
		return argc < 2 ? 1 : 0;
	}
	if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
		printf(CLI_PROG " %s\n", pnvme_version());
		return 0;
	}
	if (start_env() != 0)
		return 1;
	if (strcmp(argv[1], "batch") == 0) {
		cli.cmd = "batch";
		rc = batch(&cli, argc - 1, argv + 1);
	} else {
		rc = run(&cli, argc - 1, argv + 1);
		cli_close(&cli);
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, CLI_PROG ": cannot write the output: %s\n", strerror(errno));
		rc = 1;
	}
	pnvme_env_fini();
	return rc;
}
