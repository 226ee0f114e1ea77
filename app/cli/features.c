/* SPDX-License-Identifier: BSD-3-Clause */
/* get-feature, set-feature, reset, device-self-test: small admin commands. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

#define FEAT_DATA_MAX (64 * 1024)

/* The spec's names for the features of the NVM Express Base Specification. */
static const char *feature_name(uint32_t fid)
{
	static const char *names[] = {
		[0x01] = "Arbitration", [0x02] = "Power Management", [0x03] = "LBA Range Type",
		[0x04] = "Temperature Threshold", [0x05] = "Error Recovery",
		[0x06] = "Volatile Write Cache", [0x07] = "Number of Queues",
		[0x08] = "Interrupt Coalescing", [0x09] = "Interrupt Vector Configuration",
		[0x0a] = "Write Atomicity Normal", [0x0b] = "Async Event Configuration",
		[0x0c] = "Autonomous Power State Transition", [0x0d] = "Host Memory Buffer",
		[0x0e] = "Timestamp", [0x0f] = "Keep Alive Timer",
		[0x10] = "Host Controlled Thermal Management",
		[0x11] = "Non-Operational Power State Config", [0x12] = "Read Recovery Level",
	};

	if (fid < sizeof(names) / sizeof(names[0]) && names[fid] != NULL)
		return names[fid];
	return fid >= 0xc0 ? "Vendor Specific" : "Unknown";
}

static const char *sel_name(uint32_t sel)
{
	static const char *names[] = {"Current", "Default", "Saved", "Supported capabilities"};

	return sel < 4 ? names[sel] : "Reserved";
}

/* The fields of a few features' value, for -H. */
static void decode(uint32_t fid, uint32_t v)
{
	switch (fid) {
	case PNVME_FEAT_NUMBER_OF_QUEUES:
		printf("\tNumber of IO Completion Queues Allocated (NCQA): %u\n"
		       "\tNumber of IO Submission Queues Allocated (NSQA): %u\n",
		       (v >> 16) + 1, (v & 0xffff) + 1);
		break;
	case PNVME_FEAT_VOLATILE_WRITE_CACHE:
		printf("\tVolatile Write Cache Enable (WCE): %s\n", v & 1 ? "Enabled" : "Disabled");
		break;
	case PNVME_FEAT_TEMPERATURE_THRESHOLD:
		printf("\tTemperature Threshold (TMPTH): %d C (%u K)\n", (int)(v & 0xffff) - 273,
		       v & 0xffff);
		break;
	case PNVME_FEAT_KEEP_ALIVE_TIMER:
		printf("\tKeep Alive Timeout (KATO) in milliseconds: %u\n", v);
		break;
	case PNVME_FEAT_ASYNC_EVENT_CONFIG:
		printf("\tSMART / Health Critical Warnings: %#x\n\tNamespace Attribute Notices: %s\n"
		       "\tFirmware Activation Notices: %s\n", v & 0xff,
		       v & (1u << 8) ? "Send" : "Do not send", v & (1u << 9) ? "Send" : "Do not send");
		break;
	default:
		break;
	}
}

/* The standard features asked for when no -f is given, as nvme-cli does. */
static const uint8_t g_all[] = {0x01, 0x02, 0x04, 0x05, 0x06, 0x07, 0x08, 0x0b, 0x0e, 0x0f};

static int get_one(struct cli *cli, uint32_t fid, uint32_t sel, uint32_t nsid, uint32_t cdw11,
		   uint32_t len, bool quiet_errors)
{
	uint8_t *buf = NULL;
	struct pnvme_cpl cpl;
	uint32_t v = 0;
	int rc;

	if (len != 0 && (buf = calloc(1, len)) == NULL)
		return cli_fail(cli, "out of memory");
	rc = pnvme_ctrlr_get_feature(cli->c, (uint8_t)fid, (uint8_t)sel, cdw11, nsid, buf, len,
				     &v, &cpl);
	if (rc != 0) {
		free(buf);
		if (quiet_errors)
			return 0;
		return cli_fail_rc(cli, "Get Features", rc, &cpl);
	}
	if (cli->fmt == CLI_BINARY && buf != NULL) {
		rc = cli_binary(cli, buf, len);
		free(buf);
		return rc;
	}
	/* nvme-cli's widths: "%#0*x" prints a zero without its "0x". */
	printf("get-feature:%#0*x (%s), %s value:%#0*x\n", fid ? 4 : 2, fid, feature_name(fid),
	       sel_name(sel), v ? 10 : 8, v);
	if (sel == 3)
		printf("\t%s, %s, %s\n", v & 1 ? "saveable" : "not saveable",
		       v & 2 ? "per-namespace" : "not per-namespace",
		       v & 4 ? "changeable" : "not changeable");
	else if (cli->human)
		decode(fid, v);
	for (uint32_t i = 0; buf != NULL && i < len; i++)
		printf("%02x%s", buf[i], i % 16 == 15 || i + 1 == len ? "\n" : " ");
	free(buf);
	return 0;
}

int cmd_get_feature(struct cli *cli, int argc, char **argv)
{
	uint64_t fid = 0, sel = 0, nsid = 0, cdw11 = 0, len = 0;
	struct cli_opt opts[] = {
		{"feature-id", 'f', OPT_NUM, &fid, "feature (default: every standard one)", false},
		{"sel", 's', OPT_NUM, &sel, "0 current, 1 default, 2 saved, 3 supported", false},
		{"namespace-id", 'n', OPT_NUM, &nsid, "namespace, for a namespace feature", false},
		{"cdw11", 'c', OPT_NUM, &cdw11, "dword 11", false},
		{"data-len", 'l', OPT_NUM, &len, "bytes of data the feature returns", false},
		OPT_END,
	};
	int rc = cli_parse(cli, argc, argv, opts, true, false, "DEVICE [-f FID] [options]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (cli_given(opts, "feature-id") && (fid == 0 || fid > 0xff))
		return cli_fail(cli, "feature-id %#llx is out of range (0x01..0xff)",
				(unsigned long long)fid);
	if (sel > 3)
		return cli_fail(cli, "sel %llu is out of range (0..3)", (unsigned long long)sel);
	if (len > FEAT_DATA_MAX || (len & 3) || cdw11 > UINT32_MAX || nsid > UINT32_MAX)
		return cli_fail(cli, "data-len, cdw11 or namespace-id out of range");
	if (cli_open(cli) != 0)
		return 1;
	if (cli_given(opts, "feature-id"))
		return get_one(cli, (uint32_t)fid, (uint32_t)sel, (uint32_t)nsid, (uint32_t)cdw11,
			       (uint32_t)len, false);
	for (size_t i = 0; i < sizeof(g_all); i++)
		get_one(cli, g_all[i], (uint32_t)sel, (uint32_t)nsid, (uint32_t)cdw11,
			g_all[i] == PNVME_FEAT_TIMESTAMP ? 8 : 0, true);
	return 0;
}

static int read_file(struct cli *cli, const char *path, uint8_t **out, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	size_t n;

	if (f == NULL)
		return cli_fail(cli, "cannot open '%s': %s", path, strerror(errno));
	buf = malloc(FEAT_DATA_MAX + 1);
	n = buf ? fread(buf, 1, FEAT_DATA_MAX + 1, f) : 0;
	fclose(f);
	if (buf == NULL || n > FEAT_DATA_MAX) {
		free(buf);
		return cli_fail(cli, "'%s' is larger than %u bytes", path, FEAT_DATA_MAX);
	}
	*out = buf;
	*len = n;
	return 0;
}

int cmd_set_feature(struct cli *cli, int argc, char **argv)
{
	uint64_t fid = 0, value = 0, cdw12 = 0, nsid = 0, len = 0;
	const char *data = NULL;
	bool save = false;
	struct cli_opt opts[] = {
		{"feature-id", 'f', OPT_NUM, &fid, "feature (required)", false},
		{"value", 'v', OPT_NUM, &value, "dword 11", false},
		{"cdw12", 'c', OPT_NUM, &cdw12, "dword 12", false},
		{"namespace-id", 'n', OPT_NUM, &nsid, "namespace, for a namespace feature", false},
		{"data-len", 'l', OPT_NUM, &len, "bytes of data (from --data)", false},
		{"data", 'd', OPT_STR, &data, "file with the feature's data", false},
		{"save", 's', OPT_FLAG, &save, "keep the value across power cycles", false},
		OPT_END,
	};
	uint8_t *buf = NULL;
	size_t got = 0;
	struct pnvme_cpl cpl;
	int rc = cli_parse(cli, argc, argv, opts, false, false, "DEVICE -f FID [-v VALUE] [options]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (!cli_given(opts, "feature-id"))
		return cli_fail(cli, "feature-id is required (-f)");
	if (fid == 0 || fid > 0xff)
		return cli_fail(cli, "feature-id %#llx is out of range (0x01..0xff)",
				(unsigned long long)fid);
	if (value > UINT32_MAX || cdw12 > UINT32_MAX || nsid > UINT32_MAX)
		return cli_fail(cli, "value, cdw12 or namespace-id is wider than 32 bits");
	if (data != NULL && read_file(cli, data, &buf, &got) != 0)
		return 1;
	if (data != NULL && len == 0)
		len = got;
	if (len != got || (len & 3)) {
		free(buf);
		return cli_fail(cli, "data-len %llu does not match the data (%zu bytes, a dword "
				     "multiple)", (unsigned long long)len, got);
	}
	if (cli_open(cli) != 0) {
		free(buf);
		return 1;
	}
	rc = pnvme_ctrlr_set_feature(cli->c, (uint8_t)fid, (uint32_t)value, (uint32_t)cdw12, save,
				     (uint32_t)nsid, buf, (uint32_t)len, &cpl);
	free(buf);
	if (rc != 0)
		return cli_fail_rc(cli, "Set Features", rc, &cpl);
	printf("set-feature:%#0*llx (%s), value:%#0*llx, cdw12:%#0*llx, save:%#x\n", fid ? 4 : 2,
	       (unsigned long long)fid, feature_name((uint32_t)fid), value ? 10 : 8,
	       (unsigned long long)value, cdw12 ? 10 : 8, (unsigned long long)cdw12, save);
	return 0;
}

int cmd_reset(struct cli *cli, int argc, char **argv)
{
	struct cli_opt opts[] = {OPT_END};
	int rc = cli_parse(cli, argc, argv, opts, false, false, "DEVICE");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (cli_open(cli) != 0)
		return 1;
	rc = pnvme_ctrlr_reset(cli->c);
	if (rc != 0)
		return cli_fail(cli, "controller reset failed: %s", strerror(-rc));
	printf("%s: controller reset\n", cli->devname);
	return 0;
}

int cmd_device_self_test(struct cli *cli, int argc, char **argv)
{
	uint64_t nsid = 0, code = 0;
	bool wait = false;
	struct cli_opt opts[] = {
		{"namespace-id", 'n', OPT_NUM, &nsid, "namespace to test (default: the controller)",
		 false},
		{"self-test-code", 's', OPT_NUM, &code, "1 short, 2 extended, 15 (0xf) abort",
		 false},
		{"wait", 'w', OPT_FLAG, &wait, "wait until the test is over", false},
		OPT_END,
	};
	struct pnvme_cpl cpl;
	int rc = cli_parse(cli, argc, argv, opts, false, false, "DEVICE -s CODE [options]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (code != PNVME_DST_SHORT && code != PNVME_DST_EXTENDED && code != PNVME_DST_ABORT)
		return cli_fail(cli, "self-test-code %#llx: want 1 (short), 2 (extended) or 0xf "
				     "(abort)", (unsigned long long)code);
	if (cli_open(cli) != 0)
		return 1;
	if (nsid != 0 && cli_check_nsid(cli, nsid, true) != 0)
		return 1;
	rc = pnvme_ctrlr_device_self_test(cli->c, (uint32_t)nsid, (uint8_t)code, &cpl);
	if (rc != 0)
		return cli_fail_rc(cli, "Device Self-test", rc, &cpl);
	printf("%s\n", code == PNVME_DST_ABORT ? "Aborting device self-test operation" :
	       code == PNVME_DST_SHORT ? "Short Device self-test started" :
					 "Extended Device self-test started");
	while (wait && code != PNVME_DST_ABORT) {
		struct pnvme_self_test_log l;

		rc = pnvme_ctrlr_get_log_page(cli->c, PNVME_LOG_PAGE_SELF_TEST, 0, &l, sizeof(l),
					      0, 0, &cpl);
		if (rc != 0)
			return cli_fail_rc(cli, "self-test log", rc, &cpl);
		if (l.current_operation == 0)
			break;
		printf("\r[%3u%%]", l.completion);
		fflush(stdout);
		usleep(100000);
	}
	if (wait)
		printf("\rTest complete\n");
	return 0;
}
