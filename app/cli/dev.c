/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The controller a subcommand works on: refused when the kernel's nvme
 * driver holds it (its data is the kernel's, and pnvme could not claim it
 * anyway), attached otherwise; and the confirmation destructive commands ask.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* The driver sysfs says the PCI function at addr is bound to ("" for none). */
static void pci_driver(const char *addr, char *out, size_t len)
{
	const char *root = getenv("PNVME_SYSFS_ROOT");
	char path[PATH_MAX], link[PATH_MAX];
	ssize_t n;

	snprintf(path, sizeof(path), "%s/bus/pci/devices/%s/driver", root ? root : "/sys", addr);
	n = readlink(path, link, sizeof(link) - 1);
	out[0] = '\0';
	if (n <= 0)
		return;
	const char *base;

	link[n] = '\0';
	base = strrchr(link, '/') ? strrchr(link, '/') + 1 : link;
	if (strlen(base) < len)
		memcpy(out, base, strlen(base) + 1);
}

/* 0, or 1 after saying why this controller is not one pnvme-cli may take. */
static int check_device(struct cli *cli, struct pnvme_trid *trid)
{
	char drv[64];

	if (strncmp(cli->dev, "/dev/", 5) == 0)
		return cli_fail(cli, "%s is a kernel device: pnvme-cli takes a PCI address bound to "
				     "vfio-pci ('pnvme-setup bind') or a transport ID; for kernel "
				     "devices use nvme-cli", cli->dev);
	if (pnvme_trid_parse(trid, cli->dev) != 0)
		return cli_fail(cli, "'%s' is neither a PCI address nor a transport ID", cli->dev);
	if (strcmp(trid->trtype, "pcie") != 0)
		return 0;
	pci_driver(trid->traddr, drv, sizeof(drv));
	if (strcmp(drv, "nvme") == 0)
		return cli_fail(cli, "%s is in use by the kernel's nvme driver: refusing it (use "
				     "nvme-cli, or 'pnvme-setup bind %s' to hand it to pnvme)",
				trid->traddr, trid->traddr);
	return 0;
}

int cli_open(struct cli *cli)
{
	struct pnvme_trid trid;
	int rc;

	if (cli->c != NULL)
		return 0;
	if (check_device(cli, &trid) != 0)
		return 1;
	snprintf(cli->devname, sizeof(cli->devname), "%s", trid.traddr);
	rc = pnvme_connect(cli->dev, NULL, &cli->c);
	if (rc != 0) {
		cli->c = NULL;
		return cli_fail(cli, "cannot attach '%s': %s", cli->dev, strerror(-rc));
	}
	if (cli->devname[0] == '\0') /* a sim named by the driver */
		snprintf(cli->devname, sizeof(cli->devname), "%s",
			 pnvme_ctrlr_get_trid(cli->c)->traddr);
	return 0;
}

void cli_close(struct cli *cli)
{
	if (cli->c != NULL)
		pnvme_detach(cli->c);
	cli->c = NULL;
}

int cli_confirm(struct cli *cli, const char *what)
{
	char answer[16];

	if (cli->force)
		return 0;
	if (cli->batch || !isatty(STDIN_FILENO))
		return cli_fail(cli, "refusing to %s without --force: no terminal to confirm on",
				what);
	fprintf(stderr, CLI_PROG " %s: this will %s on %s.\nType 'yes' to go on: ", cli->cmd,
		what, cli->dev);
	if (fgets(answer, sizeof(answer), stdin) == NULL || strcmp(answer, "yes\n") != 0)
		return cli_fail(cli, "not confirmed: nothing done");
	return 0;
}

int cli_check_nsid(const struct cli *cli, uint64_t nsid, bool allow_all)
{
	uint32_t nn = pnvme_ctrlr_get_num_ns(cli->c);

	if (allow_all && nsid == 0xffffffffu)
		return 0;
	if (nsid == 0 || nsid > nn)
		return cli_fail(cli, "namespace %llu does not exist (this controller has IDs 1..%u)",
				(unsigned long long)nsid, nn);
	return 0;
}
