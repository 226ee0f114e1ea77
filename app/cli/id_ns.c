/* SPDX-License-Identifier: BSD-3-Clause */
/* id-ns, list-ns and list: namespaces as nvme-cli shows them. */
#include <string.h>

#include "fields.h"
#include "human.h"

static const struct field g_ns_head[] = {
	{"nsze", 0, 8, F_UINT}, {"ncap", 8, 8, F_UINT}, {"nuse", 16, 8, F_UINT},
	{"nsfeat", 24, 1, F_UINT}, {"nlbaf", 25, 1, F_UINT}, {"flbas", 26, 1, F_UINT},
	{"mc", 27, 1, F_UINT}, {"dpc", 28, 1, F_UINT}, {"dps", 29, 1, F_UINT},
	{"nmic", 30, 1, F_UINT}, {"rescap", 31, 1, F_UINT}, {"fpi", 32, 1, F_UINT},
	{"dlfeat", 33, 1, F_UINT}, {"nawun", 34, 2, F_UINT}, {"nawupf", 36, 2, F_UINT},
	{"nacwu", 38, 2, F_UINT}, {"nabsn", 40, 2, F_UINT}, {"nabo", 42, 2, F_UINT},
	{"nabspf", 44, 2, F_UINT}, {"noiob", 46, 2, F_UINT}, {"nvmcap", 48, 16, F_U128},
	{"nsattr", 99, 1, F_UINT}, {"nvmsetid", 100, 2, F_UINT},
	{NULL, 0, 0, F_UINT},
};
/* Only with NSFEAT bit 4 (OPTPERF), as nvme-cli prints them. */
static const struct field g_ns_perf[] = {
	{"npwg", 64, 2, F_UINT}, {"npwa", 66, 2, F_UINT}, {"npdg", 68, 2, F_UINT},
	{"npda", 70, 2, F_UINT}, {"nows", 72, 2, F_UINT},
	{NULL, 0, 0, F_UINT},
};
static const struct field g_ns_tail[] = {
	{"mssrl", 74, 2, F_UINT}, {"mcl", 76, 4, F_UINT}, {"msrc", 80, 1, F_UINT},
	{"nulbaf", 82, 1, F_UINT}, {"anagrpid", 92, 4, F_UINT}, {"endgid", 102, 2, F_UINT},
	{"eui64", 120, 8, F_HEX}, {"nguid", 104, 16, F_HEX},
	{NULL, 0, 0, F_UINT},
};

#define LBAF_OFF 128

static int identify_ns(struct cli *cli, uint32_t nsid, uint8_t cns, uint8_t *d)
{
	struct pnvme_cpl cpl;
	int rc = pnvme_ctrlr_identify(cli->c, cns, nsid, d, &cpl);

	return rc == 0 ? 0 : cli_fail_rc(cli, "Identify Namespace", rc, &cpl);
}

static void show_ns_json(const uint8_t *d)
{
	struct json_writer w;

	json_init(&w, stdout);
	json_object_begin(&w, NULL);
	fields_json(&w, g_ns_head, d);
	if (d[24] & PNVME_NSFEAT_OPTPERF)
		fields_json(&w, g_ns_perf, d);
	fields_json(&w, g_ns_tail, d);
	json_array_begin(&w, "lbafs");
	for (unsigned i = 0; i <= d[25] && i < 64; i++) {
		const uint8_t *f = d + LBAF_OFF + 4 * i;

		json_object_begin(&w, NULL);
		json_uint(&w, "ms", cli_le16(f));
		json_uint(&w, "ds", f[2]);
		json_uint(&w, "rp", f[3] & 0x3);
		json_object_end(&w);
	}
	json_array_end(&w);
	json_object_end(&w);
	json_finish(&w);
}

static void show_ns_text(uint32_t nsid, const uint8_t *d, bool human)
{
	static const char *rp[] = {"Best", "Better", "Good", "Degraded"};
	unsigned cur = PNVME_FLBAS_FORMAT(d[26]);

	printf("NVME Identify Namespace %u:\n", nsid);
	fields_text_bits(g_ns_head, d, human ? g_ns_bits : NULL);
	if (d[24] & PNVME_NSFEAT_OPTPERF)
		fields_text(g_ns_perf, d);
	fields_text_bits(g_ns_tail, d, human ? g_ns_bits : NULL);
	for (unsigned i = 0; i <= d[25] && i < 64; i++) {
		const uint8_t *f = d + LBAF_OFF + 4 * i;

		if (human)
			printf("LBA Format %2u : Metadata Size: %-3u bytes - Data Size: %-4u bytes - "
			       "Relative Performance: %#x %s", i, cli_le16(f),
			       f[2] >= 9 && f[2] < 32 ? 1u << f[2] : 0, f[3] & 3, rp[f[3] & 3]);
		else
			printf("lbaf %2u : ms:%-3u lbads:%-2u rp:%#x", i, cli_le16(f), f[2], f[3] & 3);
		printf("%s\n", i == cur ? " (in use)" : "");
	}
}

int cmd_id_ns(struct cli *cli, int argc, char **argv)
{
	uint64_t nsid = 0;
	bool vs = false, force = false;
	struct cli_opt opts[] = {
		{"namespace-id", 'n', OPT_NUM, &nsid, "namespace (default: the first active)", false},
		{"vendor-specific", 'v', OPT_FLAG, &vs, "accepted, as nvme-cli (nothing more shown)",
		 false},
		{"force", 0, OPT_FLAG, &force, "the allocated namespace (attached or not)", false},
		OPT_END,
	};
	uint8_t d[4096];
	int rc = cli_parse(cli, argc, argv, opts, true, false, "DEVICE [-n NSID] [options]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (cli_open(cli) != 0)
		return 1;
	if (!cli_given(opts, "namespace-id"))
		nsid = pnvme_ctrlr_get_first_active_ns(cli->c);
	if (cli_check_nsid(cli, nsid, false) != 0)
		return 1;
	if (identify_ns(cli, (uint32_t)nsid, force ? PNVME_CNS_NS_ALLOCATED : PNVME_CNS_NS, d))
		return 1;
	if (cli->fmt == CLI_BINARY)
		return cli_binary(cli, d, sizeof(d));
	if (cli->fmt == CLI_JSON)
		show_ns_json(d);
	else
		show_ns_text((uint32_t)nsid, d, cli->human);
	return 0;
}

int cmd_list_ns(struct cli *cli, int argc, char **argv)
{
	uint64_t start = 0;
	bool all = false;
	struct cli_opt opts[] = {
		{"namespace-id", 'n', OPT_NUM, &start, "list the IDs above this one", false},
		{"all", 'a', OPT_FLAG, &all, "allocated namespaces, attached or not", false},
		OPT_END,
	};
	uint32_t list[1024];
	struct pnvme_cpl cpl;
	int rc = cli_parse(cli, argc, argv, opts, true, false, "DEVICE [-n NSID] [-a] [options]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (start >= 0xfffffffeu)
		return cli_fail(cli, "namespace-id %llu is out of range", (unsigned long long)start);
	if (cli_open(cli) != 0)
		return 1;
	rc = pnvme_ctrlr_identify(cli->c, all ? PNVME_CNS_ALLOCATED_NS_LIST :
				  PNVME_CNS_ACTIVE_NS_LIST, (uint32_t)start, list, &cpl);
	if (rc != 0)
		return cli_fail_rc(cli, "Identify Namespace List", rc, &cpl);
	if (cli->fmt == CLI_BINARY)
		return cli_binary(cli, list, sizeof(list));
	if (cli->fmt == CLI_JSON) {
		struct json_writer w;

		json_init(&w, stdout);
		json_object_begin(&w, NULL);
		json_array_begin(&w, "nsid_list");
		for (unsigned i = 0; i < 1024 && list[i] != 0; i++) {
			json_object_begin(&w, NULL);
			json_uint(&w, "nsid", list[i]);
			json_object_end(&w);
		}
		json_array_end(&w);
		json_object_end(&w);
		json_finish(&w);
		return 0;
	}
	for (unsigned i = 0; i < 1024 && list[i] != 0; i++)
		printf("[%4u]:%#x\n", i, list[i]);
	return 0;
}

/* ------------------------------------------------------------ list */

static void list_item_json(struct json_writer *w, const struct cli *cli, struct pnvme_ns *ns)
{
	const struct pnvme_ctrlr_data *cd = pnvme_ctrlr_get_data(cli->c);
	const struct pnvme_ns_data *nd = pnvme_ns_get_data(ns);
	char sn[24], mn[44], fr[12];

	cli_ascii((const uint8_t *)cd->sn, sizeof(cd->sn), sn, sizeof(sn));
	cli_ascii((const uint8_t *)cd->mn, sizeof(cd->mn), mn, sizeof(mn));
	cli_ascii((const uint8_t *)cd->fr, sizeof(cd->fr), fr, sizeof(fr));
	json_object_begin(w, NULL);
	json_uint(w, "NameSpace", pnvme_ns_get_id(ns));
	json_string(w, "DevicePath", cli->devname);
	json_string(w, "Firmware", fr);
	json_string(w, "ModelNumber", mn);
	json_string(w, "SerialNumber", sn);
	json_uint(w, "UsedBytes", nd->nuse * pnvme_ns_get_sector_size(ns));
	json_uint(w, "MaximumLBA", pnvme_ns_get_num_sectors(ns));
	json_uint(w, "PhysicalSize", pnvme_ns_get_size(ns));
	json_uint(w, "SectorSize", pnvme_ns_get_sector_size(ns));
	json_object_end(w);
}

static void list_item_text(const struct cli *cli, struct pnvme_ns *ns)
{
	const struct pnvme_ctrlr_data *cd = pnvme_ctrlr_get_data(cli->c);
	const struct pnvme_ns_data *nd = pnvme_ns_get_data(ns);
	char sn[24], mn[44], fr[12], usage[40], format[24];

	cli_ascii((const uint8_t *)cd->sn, sizeof(cd->sn), sn, sizeof(sn));
	cli_ascii((const uint8_t *)cd->mn, sizeof(cd->mn), mn, sizeof(mn));
	cli_ascii((const uint8_t *)cd->fr, sizeof(cd->fr), fr, sizeof(fr));
	snprintf(usage, sizeof(usage), "%6.2f GB / %6.2f GB",
		 (double)(nd->nuse * pnvme_ns_get_sector_size(ns)) / 1e9,
		 (double)pnvme_ns_get_size(ns) / 1e9);
	snprintf(format, sizeof(format), "%u B + %u B", pnvme_ns_get_sector_size(ns),
		 pnvme_ns_get_md_size(ns));
	printf("%-21s %-20s %-40s %-9u %-26s %-16s %-8s\n", cli->devname, sn, mn,
	       pnvme_ns_get_id(ns), usage, format, fr);
}

#define LIST_MAX 32

static struct pnvme_ctrlr *g_found[LIST_MAX];
static int g_num_found;

static bool probe_cb(void *ctx, const struct pnvme_trid *trid, struct pnvme_ctrlr_opts *opts)
{
	(void)ctx;
	(void)trid;
	(void)opts;
	return g_num_found < LIST_MAX;
}

static void attach_cb(void *ctx, const struct pnvme_trid *trid, struct pnvme_ctrlr *c)
{
	(void)ctx;
	(void)trid;
	g_found[g_num_found++] = c;
}

static void list_ctrlr(struct cli *cli, struct json_writer *w)
{
	for (uint32_t id = pnvme_ctrlr_get_first_active_ns(cli->c); id != 0;
	     id = pnvme_ctrlr_get_next_active_ns(cli->c, id)) {
		struct pnvme_ns *ns = pnvme_ctrlr_get_ns(cli->c, id);

		if (cli->fmt == CLI_JSON)
			list_item_json(w, cli, ns);
		else
			list_item_text(cli, ns);
	}
}

/* Without a device: every controller bound to vfio-pci (none is not an error). */
static void list_all(struct cli *cli, struct json_writer *w)
{
	pnvme_probe(NULL, NULL, probe_cb, attach_cb);
	for (int i = 0; i < g_num_found; i++) {
		cli->c = g_found[i];
		snprintf(cli->devname, sizeof(cli->devname), "%s",
			 pnvme_ctrlr_get_trid(cli->c)->traddr);
		list_ctrlr(cli, w);
		cli_close(cli);
	}
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
	struct cli_opt opts[] = {OPT_END};
	struct json_writer w;
	int rc;

	cli->dev_optional = true;
	rc = cli_parse(cli, argc, argv, opts, true, false, "[DEVICE] [options]");
	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (cli->fmt == CLI_BINARY)
		return cli_fail(cli, "no binary form for a list");
	if (cli->dev != NULL && cli_open(cli) != 0)
		return 1;
	json_init(&w, stdout);
	if (cli->fmt == CLI_JSON) {
		json_init(&w, stdout);
		json_object_begin(&w, NULL);
		json_array_begin(&w, "Devices");
	} else {
		printf("%-21s %-20s %-40s %-9s %-26s %-16s %-8s\n", "Node", "SN", "Model",
		       "Namespace", "Usage", "Format", "FW Rev");
		printf("%.21s %.20s %.40s %.9s %.26s %.16s %.8s\n", "-----------------------",
		       "----------------------", "------------------------------------------",
		       "-----------", "----------------------------", "------------------",
		       "----------");
	}
	if (cli->c != NULL)
		list_ctrlr(cli, &w);
	else
		list_all(cli, &w);
	if (cli->fmt == CLI_JSON) {
		json_array_end(&w);
		json_object_end(&w);
		json_finish(&w);
	}
	return 0;
}
