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

/* FWUG's granularity in bytes: where pieces may start (4: the controller gives none). */
static uint32_t fw_gran(const struct pnvme_ctrlr_data *cd)
{
	return cd->fwug == 0 || cd->fwug == 0xff ? 4 : (uint32_t)cd->fwug * 4096u;
}

/* The checks that need no device: 0, or 1 after a line. */
static int fw_args(struct cli *cli, const char *file, uint64_t xfer, uint64_t offset)
{
	if (file == NULL)
		return cli_fail(cli, "no firmware file given (-f FILE)");
	if (xfer > UINT32_MAX || (xfer & 3))
		return cli_fail(cli, "xfer %llu: want a multiple of 4 below 4 GiB",
				(unsigned long long)xfer);
	if (offset > UINT32_MAX || (offset & 3))
		return cli_fail(cli, "--offset %llu: want a byte offset, a multiple of 4 below 4 GiB",
				(unsigned long long)offset);
	return 0;
}

/* Download img at offset; 0, or 1 after a line. */
static int fw_send(struct cli *cli, const uint8_t *img, size_t len, uint64_t offset,
		   uint64_t xfer)
{
	const struct pnvme_ctrlr_data *cd = pnvme_ctrlr_get_data(cli->c);
	struct pnvme_cpl cpl = {0};
	char what[96];
	int rc;

	if (!(cd->oacs & PNVME_OACS_FIRMWARE))
		return cli_fail(cli, "the controller does not support firmware download (OACS)");
	if (offset % fw_gran(cd) != 0)
		return cli_fail(cli, "--offset %llu: not a multiple of FWUG (%u bytes), "
				     "nothing downloaded", (unsigned long long)offset, fw_gran(cd));
	if (offset + len > UINT32_MAX)
		return cli_fail(cli, "--offset %llu + %zu bytes: beyond 4 GiB, nothing downloaded",
				(unsigned long long)offset, len);
	rc = pnvme_ctrlr_fw_download_at(cli->c, offset, img, len, (uint32_t)xfer, &cpl);
	if (rc == -EINVAL)
		return cli_fail(cli, "xfer %llu does not fit FWUG (%u x 4 KiB) or the transfer "
				     "limit", (unsigned long long)xfer, cd->fwug);
	snprintf(what, sizeof(what), "Firmware Image Download of %zu bytes at offset %llu", len,
		 (unsigned long long)offset);
	return rc != 0 ? cli_fail_rc(cli, what, rc, &cpl) : 0;
}

int cmd_fw_download(struct cli *cli, int argc, char **argv)
{
	const char *file = NULL;
	uint64_t xfer = 0, offset = 0;
	struct cli_opt opts[] = {
		{"fw", 'f', OPT_STR, &file, "firmware image file (required)", false},
		{"xfer", 'x', OPT_NUM, &xfer, "bytes per command (default: FWUG)", false},
		{"offset", 'o', OPT_NUM, &offset, "byte offset of this piece of the image "
						  "(default 0)", false},
		OPT_END,
	};
	uint8_t *img = NULL;
	size_t len = 0;
	int rc = cli_parse(cli, argc, argv, opts, false, false,
			   "DEVICE -f FILE [-x XFER] [-o OFFSET]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (fw_args(cli, file, xfer, offset) != 0 || load(cli, file, &img, &len) != 0)
		return 1;
	if (cli_open(cli) != 0) {
		free(img);
		return 1;
	}
	rc = fw_send(cli, img, len, offset, xfer);
	free(img);
	if (rc != 0)
		return 1;
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
