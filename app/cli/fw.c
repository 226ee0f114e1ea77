/* SPDX-License-Identifier: BSD-3-Clause */
/* fw-download and fw-commit. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

#define FW_FILE_MAX (256u << 20)

static int load(struct cli *cli, const char *path, uint8_t **out, size_t *len)
{
	struct stat st;
	FILE *f;
	uint8_t *buf;

	f = fopen(path, "rb");
	if (f == NULL)
		return cli_fail(cli, "firmware file '%s': %s", path, strerror(errno));
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0 ||
	    (uint64_t)st.st_size > FW_FILE_MAX) {
		fclose(f);
		return cli_fail(cli, "firmware file '%s' is empty, not a regular file, or larger "
				     "than %u MiB", path, FW_FILE_MAX >> 20);
	}
	if (st.st_size % 4 != 0) {
		fclose(f);
		return cli_fail(cli, "firmware file '%s' is %lld bytes: not a multiple of 4 (dwords)",
				path, (long long)st.st_size);
	}
	buf = malloc((size_t)st.st_size);
	if (buf == NULL || fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
		free(buf);
		fclose(f);
		return cli_fail(cli, "cannot read '%s'", path);
	}
	fclose(f);
	*out = buf;
	*len = (size_t)st.st_size;
	return 0;
}

int cmd_fw_download(struct cli *cli, int argc, char **argv)
{
	const char *file = NULL;
	uint64_t xfer = 0, offset = 0;
	struct cli_opt opts[] = {
		{"fw", 'f', OPT_STR, &file, "firmware image file (required)", false},
		{"xfer", 'x', OPT_NUM, &xfer, "bytes per command (default: FWUG)", false},
		{"offset", 'o', OPT_NUM, &offset, "where the image goes (only 0: whole images)",
		 false},
		OPT_END,
	};
	const struct pnvme_ctrlr_data *cd;
	uint8_t *img = NULL;
	size_t len = 0;
	struct pnvme_cpl cpl = {0};
	int rc = cli_parse(cli, argc, argv, opts, false, false, "DEVICE -f FILE [-x XFER]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (file == NULL)
		return cli_fail(cli, "no firmware file given (-f FILE)");
	if (offset != 0)
		return cli_fail(cli, "--offset %llu: pnvme-cli downloads whole images from 0",
				(unsigned long long)offset);
	if (xfer > UINT32_MAX || (xfer & 3))
		return cli_fail(cli, "xfer %llu: want a multiple of 4 below 4 GiB",
				(unsigned long long)xfer);
	if (load(cli, file, &img, &len) != 0)
		return 1;
	if (cli_open(cli) != 0) {
		free(img);
		return 1;
	}
	cd = pnvme_ctrlr_get_data(cli->c);
	if (!(cd->oacs & PNVME_OACS_FIRMWARE)) {
		free(img);
		return cli_fail(cli, "the controller does not support firmware download (OACS)");
	}
	rc = pnvme_ctrlr_fw_download(cli->c, img, len, (uint32_t)xfer, &cpl);
	free(img);
	if (rc == -EINVAL)
		return cli_fail(cli, "xfer %llu does not fit FWUG (%u x 4 KiB) or the transfer "
				     "limit", (unsigned long long)xfer, cd->fwug);
	if (rc != 0)
		return cli_fail_rc(cli, "Firmware Image Download", rc, &cpl);
	printf("Firmware download success\n");
	return 0;
}

int cmd_fw_commit(struct cli *cli, int argc, char **argv)
{
	uint64_t slot = 0, action = 0, bpid = 0;
	struct cli_opt opts[] = {
		{"slot", 's', OPT_NUM, &slot, "slot 0..7 (0: the controller chooses)", false},
		{"action", 'a', OPT_NUM, &action, "0 replace, 1 replace + activate at reset, "
						  "2 activate at reset, 3 replace + activate now", false},
		{"bpid", 'b', OPT_NUM, &bpid, "boot partition (not supported: 0)", false},
		OPT_END,
	};
	struct pnvme_cpl cpl;
	char what[80];
	int rc = cli_parse(cli, argc, argv, opts, false, true, "DEVICE -s SLOT -a ACTION");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (slot > 7 || action > 3 || bpid != 0)
		return cli_fail(cli, "slot (0..7), action (0..3) or bpid (0) out of range");
	if (cli_open(cli) != 0)
		return 1;
	snprintf(what, sizeof(what), "commit firmware to slot %llu (action %llu)",
		 (unsigned long long)slot, (unsigned long long)action);
	if (cli_confirm(cli, what) != 0)
		return 1;
	rc = pnvme_ctrlr_fw_commit(cli->c, (uint8_t)slot, (uint8_t)action, &cpl);
	if (rc != 0)
		return cli_fail_rc(cli, "Firmware Commit", rc, &cpl);
	printf("Success committing firmware action:%llu slot:%llu\n", (unsigned long long)action,
	       (unsigned long long)slot);
	if (action == PNVME_FW_CA_REPLACE_ACTIVATE || action == PNVME_FW_CA_ACTIVATE)
		printf("The new firmware runs after the next controller reset ('reset')\n");
	/* Let the Firmware Activation notice reach the driver before detaching. */
	for (int i = 0; i < 100 && action == PNVME_FW_CA_ACTIVATE_NOW; i++)
		pnvme_ctrlr_process_admin_completions(cli->c);
	return 0;
}
