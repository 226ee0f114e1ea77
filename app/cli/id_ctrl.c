/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * id-ctrl: Identify Controller, every field under nvme-cli's JSON key, at
 * its NVMe 2.0 offset, with power state descriptors as "psds".
 */
#include <string.h>

#include "fields.h"
#include "human.h"

static const struct field g_ctrl[] = {
	{"vid", 0, 2, F_UINT}, {"ssvid", 2, 2, F_UINT}, {"sn", 4, 20, F_ASCII},
	{"mn", 24, 40, F_ASCII}, {"fr", 64, 8, F_ASCII}, {"rab", 72, 1, F_UINT},
	{"ieee", 73, 3, F_IEEE}, {"cmic", 76, 1, F_UINT}, {"mdts", 77, 1, F_UINT},
	{"cntlid", 78, 2, F_UINT}, {"ver", 80, 4, F_UINT}, {"rtd3r", 84, 4, F_UINT},
	{"rtd3e", 88, 4, F_UINT}, {"oaes", 92, 4, F_UINT}, {"ctratt", 96, 4, F_UINT},
	{"rrls", 100, 2, F_UINT}, {"cntrltype", 111, 1, F_UINT}, {"fguid", 112, 16, F_UUID},
	{"crdt1", 128, 2, F_UINT}, {"crdt2", 130, 2, F_UINT}, {"crdt3", 132, 2, F_UINT},
	{"nvmsr", 253, 1, F_UINT}, {"vwci", 254, 1, F_UINT}, {"mec", 255, 1, F_UINT},
	{"oacs", 256, 2, F_UINT}, {"acl", 258, 1, F_UINT}, {"aerl", 259, 1, F_UINT},
	{"frmw", 260, 1, F_UINT}, {"lpa", 261, 1, F_UINT}, {"elpe", 262, 1, F_UINT},
	{"npss", 263, 1, F_UINT}, {"avscc", 264, 1, F_UINT}, {"apsta", 265, 1, F_UINT},
	{"wctemp", 266, 2, F_UINT}, {"cctemp", 268, 2, F_UINT}, {"mtfa", 270, 2, F_UINT},
	{"hmpre", 272, 4, F_UINT}, {"hmmin", 276, 4, F_UINT}, {"tnvmcap", 280, 16, F_U128},
	{"unvmcap", 296, 16, F_U128}, {"rpmbs", 312, 4, F_UINT}, {"edstt", 316, 2, F_UINT},
	{"dsto", 318, 1, F_UINT}, {"fwug", 319, 1, F_UINT}, {"kas", 320, 2, F_UINT},
	{"hctma", 322, 2, F_UINT}, {"mntmt", 324, 2, F_UINT}, {"mxtmt", 326, 2, F_UINT},
	{"sanicap", 328, 4, F_UINT}, {"hmminds", 332, 4, F_UINT}, {"hmmaxd", 336, 2, F_UINT},
	{"nsetidmax", 338, 2, F_UINT}, {"endgidmax", 340, 2, F_UINT}, {"anatt", 342, 1, F_UINT},
	{"anacap", 343, 1, F_UINT}, {"anagrpmax", 344, 4, F_UINT}, {"nanagrpid", 348, 4, F_UINT},
	{"pels", 352, 4, F_UINT}, {"domainid", 356, 2, F_UINT}, {"megcap", 368, 16, F_U128},
	{"sqes", 512, 1, F_UINT}, {"cqes", 513, 1, F_UINT}, {"maxcmd", 514, 2, F_UINT},
	{"nn", 516, 4, F_UINT}, {"oncs", 520, 2, F_UINT}, {"fuses", 522, 2, F_UINT},
	{"fna", 524, 1, F_UINT}, {"vwc", 525, 1, F_UINT}, {"awun", 526, 2, F_UINT},
	{"awupf", 528, 2, F_UINT}, {"icsvscc", 530, 1, F_UINT}, {"nwpc", 531, 1, F_UINT},
	{"acwu", 532, 2, F_UINT}, {"ocfs", 534, 2, F_UINT}, {"sgls", 536, 4, F_UINT},
	{"mnan", 540, 4, F_UINT}, {"maxdna", 544, 16, F_U128}, {"maxcna", 560, 4, F_UINT},
	{NULL, 0, 0, F_UINT},
};
/* After subnqn (printed only when not empty, as nvme-cli does). */
static const struct field g_ctrl_fabrics[] = {
	{"ioccsz", 1792, 4, F_UINT}, {"iorcsz", 1796, 4, F_UINT}, {"icdoff", 1800, 2, F_UINT},
	{"fcatt", 1802, 1, F_UINT}, {"msdbd", 1803, 1, F_UINT}, {"ofcs", 1804, 2, F_UINT},
	{NULL, 0, 0, F_UINT},
};
static const struct field g_subnqn[] = {{"subnqn", 768, 256, F_ASCII}, {NULL, 0, 0, F_UINT}};

#define PSD_OFF 2048
#define PSD_SIZE 32

static void psd_json(struct json_writer *w, const uint8_t *p)
{
	json_object_begin(w, NULL);
	json_uint(w, "max_power", cli_le16(p));
	json_uint(w, "flags", p[3]);
	json_uint(w, "entry_lat", cli_le32(p + 4));
	json_uint(w, "exit_lat", cli_le32(p + 8));
	json_uint(w, "read_tput", p[12]);
	json_uint(w, "read_lat", p[13]);
	json_uint(w, "write_tput", p[14]);
	json_uint(w, "write_lat", p[15]);
	json_uint(w, "idle_power", cli_le16(p + 16));
	json_uint(w, "idle_scale", p[18] >> 6);
	json_uint(w, "active_power", cli_le16(p + 20));
	json_uint(w, "active_power_work", p[22] & 0x7);
	json_uint(w, "active_scale", p[22] >> 6);
	json_object_end(w);
}

static void psd_text(unsigned i, const uint8_t *p)
{
	uint16_t mp = cli_le16(p);
	unsigned scale = p[3] & 1 ? 10000 : 100; /* MXPS: 0.0001 W or 0.01 W units */

	printf("ps %4u : mp:%u.%02uW %s enlat:%u exlat:%u rrt:%u rrl:%u\n          rwt:%u rwl:%u "
	       "idle_power:%u active_power:%u\n", i, mp / scale, (mp % scale) * 100 / scale,
	       p[3] & 2 ? "non-operational" : "operational", cli_le32(p + 4), cli_le32(p + 8),
	       p[12] & 0x1f, p[13] & 0x1f, p[14] & 0x1f, p[15] & 0x1f, cli_le16(p + 16),
	       cli_le16(p + 20));
}

int cmd_id_ctrl(struct cli *cli, int argc, char **argv)
{
	bool vs = false;
	struct cli_opt opts[] = {
		{"vendor-specific", 'v', OPT_FLAG, &vs, "also the vendor area (hex)", false},
		OPT_END,
	};
	uint8_t d[4096];
	struct pnvme_cpl cpl;
	int rc;

	rc = cli_parse(cli, argc, argv, opts, true, false, "DEVICE [options]");
	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (cli_open(cli) != 0)
		return 1;
	rc = pnvme_ctrlr_identify(cli->c, PNVME_CNS_CTRLR, 0, d, &cpl);
	if (rc != 0)
		return cli_fail_rc(cli, "Identify Controller", rc, &cpl);
	if (cli->fmt == CLI_BINARY)
		return cli_binary(cli, d, sizeof(d));
	if (cli->fmt == CLI_JSON) {
		struct json_writer w;

		json_init(&w, stdout);
		json_object_begin(&w, NULL);
		fields_json(&w, g_ctrl, d);
		if (d[768] != 0)
			fields_json(&w, g_subnqn, d);
		fields_json(&w, g_ctrl_fabrics, d);
		json_array_begin(&w, "psds");
		for (unsigned i = 0; i <= d[263] && i < 32; i++)
			psd_json(&w, d + PSD_OFF + i * PSD_SIZE);
		json_array_end(&w);
		json_object_end(&w);
		json_finish(&w);
		return 0;
	}
	printf("NVME Identify Controller:\n");
	fields_text_bits(g_ctrl, d, cli->human ? g_ctrl_bits : NULL);
	fields_text(g_subnqn, d);
	fields_text(g_ctrl_fabrics, d);
	for (unsigned i = 0; i <= d[263] && i < 32; i++)
		psd_text(i, d + PSD_OFF + i * PSD_SIZE);
	if (vs) {
		printf("vs[]:\n");
		for (unsigned i = 0; i < 1024; i++)
			printf("%02x%s", d[3072 + i], i % 16 == 15 ? "\n" : " ");
	}
	return 0;
}
