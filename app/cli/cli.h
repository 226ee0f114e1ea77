/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme-cli: nvme-cli's subcommands, options and JSON for controllers bound
 * to vfio-pci (or the sim). One subcommand per run, or several from a script
 * with "batch" on one attached controller.
 */
#ifndef PNVME_CLI_H
#define PNVME_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "../identify/json.h"
#include "pnvme/nvme.h"

#define CLI_PROG "pnvme-cli"

enum cli_fmt { CLI_NORMAL, CLI_JSON, CLI_BINARY };

struct cli {
	const char *cmd;       /* the subcommand running */
	const char *dev;       /* transport ID or PCI address as given */
	struct pnvme_ctrlr *c; /* attached by cli_open */
	bool batch;            /* in a batch: the controller stays attached */
	bool dev_optional;     /* list: no device means every one bound to vfio-pci */
	enum cli_fmt fmt;
	bool human;            /* -H */
	bool force;            /* --force */
	char devname[PNVME_TRADDR_MAX]; /* what JSON calls the device: its traddr */
};

/* ------------------------------------------------------------ options (args.c) */

enum cli_opt_kind { OPT_FLAG, OPT_NUM, OPT_STR };

struct cli_opt {
	const char *name;  /* long name, without "--" */
	int letter;        /* short letter, 0 for none */
	enum cli_opt_kind kind;
	void *dest;        /* bool *, uint64_t * or const char ** */
	const char *help;
	bool seen;
};
#define OPT_END {NULL, 0, OPT_FLAG, NULL, NULL, false}

/*
 * Parse argv (argv[0] the subcommand) against opts plus -o/--output-format
 * (when fmt_ok), -H, --force (when destructive) and -h. The first word that
 * is not an option is the device (none in a batch). 0 to run, 1 after --help,
 * -1 after a one-line error.
 */
int cli_parse(struct cli *cli, int argc, char **argv, struct cli_opt *opts, bool fmt_ok,
	      bool destructive, const char *synopsis);
/* Was option name given? */
bool cli_given(const struct cli_opt *opts, const char *name);
/* One line "pnvme-cli CMD: ..." to stderr; returns 1 (the exit status). */
int cli_fail(const struct cli *cli, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A device error: the status name, "pnvme-cli CMD: WHAT: Invalid Format (sct 1, sc 0x0a)". */
int cli_fail_rc(const struct cli *cli, const char *what, int rc, const struct pnvme_cpl *cpl);

/* ------------------------------------------------------------ the device (dev.c) */

/* Attach cli->dev (refusing one the kernel's nvme driver holds); 0 or 1 after a line. */
int cli_open(struct cli *cli);
void cli_close(struct cli *cli);
/* Destructive commands: --force, or a "yes" typed on a terminal; 0 to go on, else 1. */
int cli_confirm(struct cli *cli, const char *what);
/* The namespace given with -n, checked against the controller: 0 or 1 after a line. */
int cli_check_nsid(const struct cli *cli, uint64_t nsid, bool allow_all);

/* ------------------------------------------------------------ output helpers (out.c) */

uint16_t cli_le16(const uint8_t *p);
uint32_t cli_le32(const uint8_t *p);
uint64_t cli_le64(const uint8_t *p);
/* A 128-bit little-endian counter in decimal. */
void cli_u128_str(const uint8_t *p, char *out, size_t len);
/* An ASCII field without its trailing spaces. */
void cli_ascii(const uint8_t *p, size_t n, char *out, size_t len);
/* Write raw bytes to stdout (-o binary); 0 or 1. */
int cli_binary(const struct cli *cli, const void *buf, size_t len);

/* ------------------------------------------------------------ subcommands */

typedef int (*cli_cmd_fn)(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_id_ctrl(struct cli *cli, int argc, char **argv);
int cmd_id_ns(struct cli *cli, int argc, char **argv);
int cmd_list_ns(struct cli *cli, int argc, char **argv);
int cmd_smart_log(struct cli *cli, int argc, char **argv);
int cmd_error_log(struct cli *cli, int argc, char **argv);
int cmd_fw_log(struct cli *cli, int argc, char **argv);
int cmd_sanitize_log(struct cli *cli, int argc, char **argv);
int cmd_self_test_log(struct cli *cli, int argc, char **argv);
int cmd_get_feature(struct cli *cli, int argc, char **argv);
int cmd_set_feature(struct cli *cli, int argc, char **argv);
int cmd_reset(struct cli *cli, int argc, char **argv);
int cmd_discover(struct cli *cli, int argc, char **argv);
int cmd_device_self_test(struct cli *cli, int argc, char **argv);
int cmd_format(struct cli *cli, int argc, char **argv);
int cmd_sanitize(struct cli *cli, int argc, char **argv);
int cmd_fw_download(struct cli *cli, int argc, char **argv);
int cmd_fw_commit(struct cli *cli, int argc, char **argv);
int cmd_create_ns(struct cli *cli, int argc, char **argv);
int cmd_delete_ns(struct cli *cli, int argc, char **argv);
int cmd_attach_ns(struct cli *cli, int argc, char **argv);
int cmd_detach_ns(struct cli *cli, int argc, char **argv);

#endif
