/* SPDX-License-Identifier: BSD-3-Clause */
/* create-ns, delete-ns, attach-ns, detach-ns: Namespace Management and Attachment. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#define MAX_IDS 64

static int need_ns_mgmt(struct cli *cli)
{
	if (!(pnvme_ctrlr_get_data(cli->c)->oacs & PNVME_OACS_NS_MANAGEMENT))
		return cli_fail(cli, "the controller does not support namespace management (OACS)");
	return 0;
}

int cmd_create_ns(struct cli *cli, int argc, char **argv)
{
	uint64_t nsze = 0, ncap = 0, flbas = 0, dps = 0, nmic = 0, bs = 0;
	struct cli_opt opts[] = {
		{"nsze", 's', OPT_NUM, &nsze, "size in blocks (required)", false},
		{"ncap", 'c', OPT_NUM, &ncap, "capacity in blocks (default: nsze)", false},
		{"flbas", 'f', OPT_NUM, &flbas, "LBA format index (and bit 4: extended)", false},
		{"dps", 'd', OPT_NUM, &dps, "protection information settings", false},
		{"nmic", 'm', OPT_NUM, &nmic, "1: shared (multi-controller)", false},
		{"block-size", 'b', OPT_NUM, &bs, "or the format of this block size, no metadata",
		 false},
		OPT_END,
	};
	struct pnvme_cpl cpl;
	uint32_t nsid = 0;
	int rc = cli_parse(cli, argc, argv, opts, false, false, "DEVICE -s NSZE [options]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (nsze == 0)
		return cli_fail(cli, "nsze (-s, blocks) is required");
	if (ncap == 0)
		ncap = nsze;
	if (flbas > 0x7f || dps > 0xff || nmic > 1 || ncap > nsze)
		return cli_fail(cli, "flbas, dps, nmic out of range, or ncap above nsze");
	if (cli_given(opts, "block-size") && cli_given(opts, "flbas"))
		return cli_fail(cli, "give --flbas or --block-size, not both");
	if (cli_open(cli) != 0 || need_ns_mgmt(cli) != 0)
		return 1;
	if (cli_given(opts, "block-size")) {
		/* The formats an existing namespace lists are the controller's. */
		struct pnvme_ns *ns = pnvme_ctrlr_get_ns(cli->c,
							 pnvme_ctrlr_get_first_active_ns(cli->c));
		const struct pnvme_ns_data *d = ns ? pnvme_ns_get_data(ns) : NULL;
		int hit = -1;

		for (int i = 0; d != NULL && i <= d->nlbaf && hit < 0; i++) {
			if (d->lbaf[i].ms == 0 && d->lbaf[i].lbads < 32 &&
			    (1ull << d->lbaf[i].lbads) == bs)
				hit = i;
		}
		if (hit < 0)
			return cli_fail(cli, "no LBA format of %llu-byte blocks is known",
					(unsigned long long)bs);
		flbas = (uint64_t)hit;
	}
	rc = pnvme_ctrlr_ns_create(cli->c, nsze, ncap, (uint8_t)flbas, (uint8_t)dps,
				   (uint8_t)nmic, &nsid, &cpl);
	if (rc != 0)
		return cli_fail_rc(cli, "Namespace Management (create)", rc, &cpl);
	printf("create-ns: Success, created nsid:%u\n", nsid);
	return 0;
}

int cmd_delete_ns(struct cli *cli, int argc, char **argv)
{
	uint64_t nsid = 0;
	struct cli_opt opts[] = {
		{"namespace-id", 'n', OPT_NUM, &nsid, "namespace (required; 0xffffffff: all)", false},
		OPT_END,
	};
	struct pnvme_cpl cpl;
	char what[80];
	int rc = cli_parse(cli, argc, argv, opts, false, true, "DEVICE -n NSID");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (!cli_given(opts, "namespace-id"))
		return cli_fail(cli, "namespace-id is required (-n)");
	if (cli_open(cli) != 0 || need_ns_mgmt(cli) != 0 || cli_check_nsid(cli, nsid, true) != 0)
		return 1;
	snprintf(what, sizeof(what), "delete namespace %#llx and lose all its data",
		 (unsigned long long)nsid);
	if (cli_confirm(cli, what) != 0)
		return 1;
	rc = pnvme_ctrlr_ns_delete(cli->c, (uint32_t)nsid, &cpl);
	if (rc != 0)
		return cli_fail_rc(cli, "Namespace Management (delete)", rc, &cpl);
	printf("delete-ns: Success, deleted nsid:%llu\n", (unsigned long long)nsid);
	return 0;
}

/* "1,2,3" into ids; the count, or -1. */
static int parse_ids(const char *s, uint16_t *ids)
{
	int n = 0;

	while (s != NULL && *s != '\0') {
		char *end;
		unsigned long v = strtoul(s, &end, 0);

		if (end == s || v > 0xffff || n == MAX_IDS || (*end != ',' && *end != '\0'))
			return -1;
		ids[n++] = (uint16_t)v;
		s = *end == ',' ? end + 1 : end;
	}
	return n;
}

static int attach(struct cli *cli, int argc, char **argv, bool on)
{
	uint64_t nsid = 0;
	const char *ctrls = NULL;
	struct cli_opt opts[] = {
		{"namespace-id", 'n', OPT_NUM, &nsid, "namespace (required)", false},
		{"controllers", 'c', OPT_STR, &ctrls, "controller IDs, comma separated (default: "
						     "this one)", false},
		OPT_END,
	};
	uint16_t ids[MAX_IDS];
	int n = 0;
	struct pnvme_cpl cpl;
	int rc = cli_parse(cli, argc, argv, opts, false, false, "DEVICE -n NSID [-c IDS]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (!cli_given(opts, "namespace-id"))
		return cli_fail(cli, "namespace-id is required (-n)");
	if (ctrls != NULL && (n = parse_ids(ctrls, ids)) <= 0)
		return cli_fail(cli, "bad controller list '%s' (IDs, comma separated)", ctrls);
	if (cli_open(cli) != 0 || need_ns_mgmt(cli) != 0 || cli_check_nsid(cli, nsid, false) != 0)
		return 1;
	rc = pnvme_ctrlr_ns_attach(cli->c, (uint32_t)nsid, on, ctrls ? ids : NULL, (uint16_t)n,
				   &cpl);
	if (rc != 0)
		return cli_fail_rc(cli, on ? "Namespace Attachment (attach)" :
				   "Namespace Attachment (detach)", rc, &cpl);
	printf("%s: Success, nsid:%llu\n", on ? "attach-ns" : "detach-ns",
	       (unsigned long long)nsid);
	return 0;
}

int cmd_attach_ns(struct cli *cli, int argc, char **argv)
{
	return attach(cli, argc, argv, true);
}

int cmd_detach_ns(struct cli *cli, int argc, char **argv)
{
	return attach(cli, argc, argv, false);
}
