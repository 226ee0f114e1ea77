/* SPDX-License-Identifier: BSD-3-Clause */
/* smart-log, error-log and fw-log: log pages under nvme-cli's JSON keys. */
#include <stdlib.h>
#include <string.h>

#include "fields.h"

static const struct field g_smart[] = {
	{"critical_warning", 0, 1, F_UINT}, {"temperature", 1, 2, F_UINT},
	{"avail_spare", 3, 1, F_UINT}, {"spare_thresh", 4, 1, F_UINT},
	{"percent_used", 5, 1, F_UINT}, {"endurance_grp_critical_warning_summary", 6, 1, F_UINT},
	{"data_units_read", 32, 16, F_U128}, {"data_units_written", 48, 16, F_U128},
	{"host_read_commands", 64, 16, F_U128}, {"host_write_commands", 80, 16, F_U128},
	{"controller_busy_time", 96, 16, F_U128}, {"power_cycles", 112, 16, F_U128},
	{"power_on_hours", 128, 16, F_U128}, {"unsafe_shutdowns", 144, 16, F_U128},
	{"media_errors", 160, 16, F_U128}, {"num_err_log_entries", 176, 16, F_U128},
	{"warning_temp_time", 192, 4, F_UINT}, {"critical_comp_time", 196, 4, F_UINT},
	{NULL, 0, 0, F_UINT},
};
static const struct field g_smart_thm[] = {
	{"thm_temp1_trans_count", 216, 4, F_UINT}, {"thm_temp2_trans_count", 220, 4, F_UINT},
	{"thm_temp1_total_time", 224, 4, F_UINT}, {"thm_temp2_total_time", 228, 4, F_UINT},
	{NULL, 0, 0, F_UINT},
};
static const char *g_warnings[] = {"available_spare", "temp_threshold", "reliability_degraded",
				   "ro", "vmbu_failed", "pmr_ro"};

/* What each Critical Warning bit says when set (SMART / Health log byte 0). */
static const char *g_warning_text[] = {
	"Available Spare below its Threshold", "Temperature beyond a Threshold",
	"NVM Subsystem Reliability Degraded", "Media Placed in Read-Only Mode",
	"Volatile Memory Backup Device Failed", "Persistent Memory Region Read-Only",
};

/* A temperature the log gives in Kelvin, in Celsius and Kelvin. */
static void temp_line(const char *name, uint16_t kelvin)
{
	printf("%-10s: %d C (%u K)\n", name, (int)kelvin - 273, kelvin);
}

/* -H: the warning bits one a line, every temperature in Celsius and Kelvin. */
static void smart_human(const uint8_t *d)
{
	char name[32];

	printf("%-10s: %#x\n", "critical_warning", d[0]);
	for (unsigned i = 0; i < 6; i++)
		printf("  [%u:%u] : %u\t%s\n", i, i, (d[0] >> i) & 1, g_warning_text[i]);
	temp_line("temperature", cli_le16(d + 1));
	fields_text(g_smart + 2, d); /* from avail_spare on */
	for (unsigned i = 0; i < 8; i++) {
		uint16_t t = cli_le16(d + 200 + 2 * i);

		if (t == 0)
			continue;
		snprintf(name, sizeof(name), "Temperature Sensor %u", i + 1);
		temp_line(name, t);
	}
	fields_text(g_smart_thm, d);
}

static int get_log(struct cli *cli, uint8_t lid, uint32_t nsid, void *buf, uint32_t len,
		   const char *what)
{
	struct pnvme_cpl cpl;
	int rc = pnvme_ctrlr_get_log_page(cli->c, lid, nsid, buf, len, 0, 0, &cpl);

	return rc == 0 ? 0 : cli_fail_rc(cli, what, rc, &cpl);
}

int cmd_smart_log(struct cli *cli, int argc, char **argv)
{
	uint64_t nsid = 0xffffffffu;
	struct cli_opt opts[] = {
		{"namespace-id", 'n', OPT_NUM, &nsid, "namespace (default: the controller)", false},
		OPT_END,
	};
	uint8_t d[512];
	int rc = cli_parse(cli, argc, argv, opts, true, false, "DEVICE [options]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (cli_open(cli) != 0 || cli_check_nsid(cli, nsid, true) != 0)
		return 1;
	if (get_log(cli, PNVME_LOG_PAGE_HEALTH, (uint32_t)nsid, d, sizeof(d), "SMART log"))
		return 1;
	if (cli->fmt == CLI_BINARY)
		return cli_binary(cli, d, sizeof(d));
	if (cli->fmt == CLI_JSON) {
		struct json_writer w;
		char key[32];

		json_init(&w, stdout);
		json_object_begin(&w, NULL);
		if (cli->human) {
			/* -H: the warning bits one by one, as nvme-cli's verbose JSON. */
			json_object_begin(&w, "critical_warning");
			json_uint(&w, "value", d[0]);
			for (unsigned i = 0; i < 6; i++)
				json_uint(&w, g_warnings[i], (d[0] >> i) & 1);
			json_object_end(&w);
			fields_json(&w, g_smart + 1, d);
		} else {
			fields_json(&w, g_smart, d);
		}
		for (unsigned i = 0; i < 8; i++) {
			uint16_t t = cli_le16(d + 200 + 2 * i);

			if (t == 0)
				continue;
			snprintf(key, sizeof(key), "temperature_sensor_%u", i + 1);
			json_uint(&w, key, t);
		}
		fields_json(&w, g_smart_thm, d);
		json_object_end(&w);
		json_finish(&w);
		return 0;
	}
	printf("Smart Log for NVME device:%s namespace-id:%x\n", cli->devname, (uint32_t)nsid);
	if (cli->human) {
		smart_human(d);
		return 0;
	}
	fields_text(g_smart, d);
	temp_line("temperature", cli_le16(d + 1));
	fields_text(g_smart_thm, d);
	return 0;
}

int cmd_error_log(struct cli *cli, int argc, char **argv)
{
	uint64_t entries = 0;
	struct cli_opt opts[] = {
		{"log-entries", 'e', OPT_NUM, &entries, "entries (default: all, ELPE + 1)", false},
		OPT_END,
	};
	const struct pnvme_ctrlr_data *cd;
	uint8_t *d;
	int rc = cli_parse(cli, argc, argv, opts, true, false, "DEVICE [-e N] [options]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (cli_given(opts, "log-entries") && (entries == 0 || entries > 256))
		return cli_fail(cli, "log-entries %llu is out of range (1..256)",
				(unsigned long long)entries);
	if (cli_open(cli) != 0)
		return 1;
	cd = pnvme_ctrlr_get_data(cli->c);
	if (entries == 0 || entries > (uint64_t)cd->elpe + 1)
		entries = (uint64_t)cd->elpe + 1;
	d = calloc(entries, 64);
	if (d == NULL)
		return cli_fail(cli, "out of memory");
	rc = get_log(cli, PNVME_LOG_PAGE_ERROR, 0xffffffffu, d, (uint32_t)entries * 64,
		     "error log");
	if (rc == 0 && cli->fmt == CLI_BINARY)
		rc = cli_binary(cli, d, entries * 64);
	else if (rc == 0 && cli->fmt == CLI_JSON) {
		struct json_writer w;

		json_init(&w, stdout);
		json_object_begin(&w, NULL);
		json_array_begin(&w, "errors");
		for (uint64_t i = 0; i < entries; i++) {
			const uint8_t *e = d + 64 * i;

			json_object_begin(&w, NULL);
			json_uint(&w, "error_count", cli_le64(e));
			json_uint(&w, "sqid", cli_le16(e + 8));
			json_uint(&w, "cmdid", cli_le16(e + 10));
			json_uint(&w, "status_field", cli_le16(e + 12) >> 1);
			json_uint(&w, "phase_tag", cli_le16(e + 12) & 1);
			json_uint(&w, "parm_error_location", cli_le16(e + 14));
			json_uint(&w, "lba", cli_le64(e + 16));
			json_uint(&w, "nsid", cli_le32(e + 24));
			json_uint(&w, "vs", e[28]);
			json_uint(&w, "trtype", e[29]);
			json_uint(&w, "cs", cli_le64(e + 32));
			json_uint(&w, "trtype_spec_info", cli_le16(e + 40));
			json_object_end(&w);
		}
		json_array_end(&w);
		json_object_end(&w);
		json_finish(&w);
	} else if (rc == 0) {
		printf("Error Log Entries for device:%s entries:%llu\n", cli->devname,
		       (unsigned long long)entries);
		for (uint64_t i = 0; i < entries; i++) {
			const uint8_t *e = d + 64 * i;
			uint16_t st = cli_le16(e + 12);

			printf(" Entry[%2llu]\nerror_count\t: %llu\nsqid\t\t: %u\ncmdid\t\t: %#x\n"
			       "status_field\t: %#x (%s)\nparm_err_loc\t: %#x\nlba\t\t: %#llx\n"
			       "nsid\t\t: %#x\n", (unsigned long long)i,
			       (unsigned long long)cli_le64(e), cli_le16(e + 8), cli_le16(e + 10),
			       st >> 1, pnvme_status_str((st >> 9) & 7, (st >> 1) & 0xff),
			       cli_le16(e + 14), (unsigned long long)cli_le64(e + 16),
			       cli_le32(e + 24));
		}
	}
	free(d);
	return rc;
}

int cmd_fw_log(struct cli *cli, int argc, char **argv)
{
	struct cli_opt opts[] = {OPT_END};
	struct pnvme_firmware_log fw;
	int rc = cli_parse(cli, argc, argv, opts, true, false, "DEVICE [options]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (cli_open(cli) != 0)
		return 1;
	if (get_log(cli, PNVME_LOG_PAGE_FIRMWARE_SLOT, 0xffffffffu, &fw, sizeof(fw),
		    "firmware slot log"))
		return 1;
	if (cli->fmt == CLI_BINARY)
		return cli_binary(cli, &fw, sizeof(fw));
	if (cli->fmt == CLI_JSON) {
		struct json_writer w;

		json_init(&w, stdout);
		json_object_begin(&w, NULL);
		json_object_begin(&w, cli->devname);
		json_uint(&w, "Active Firmware Slot (afi)", fw.afi);
		for (int i = 0; i < 7; i++) {
			char key[32], val[48], rev[9];

			if (fw.frs[i][0] == 0)
				continue;
			for (int k = 0; k < 8; k++)
				rev[k] = fw.frs[i][k] >= '!' && fw.frs[i][k] <= '~' ? fw.frs[i][k] : '.';
			rev[8] = '\0';
			snprintf(key, sizeof(key), "Firmware Rev Slot %d", i + 1);
			snprintf(val, sizeof(val), "%llu (%s)",
				 (unsigned long long)cli_le64((const uint8_t *)fw.frs[i]), rev);
			json_string(&w, key, val);
		}
		json_object_end(&w);
		json_object_end(&w);
		json_finish(&w);
		return 0;
	}
	printf("Firmware Log for device:%s\nafi  : %#x\n", cli->devname, fw.afi);
	if (cli->human)
		printf("  active slot %u, next at reset %u\n", fw.afi & 7, (fw.afi >> 4) & 7);
	for (int i = 0; i < 7; i++) {
		char rev[12];

		if (fw.frs[i][0] == 0)
			continue;
		cli_ascii((const uint8_t *)fw.frs[i], 8, rev, sizeof(rev));
		printf("frs%d : %s\n", i + 1, rev);
	}
	return 0;
}
