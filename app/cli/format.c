/* SPDX-License-Identifier: BSD-3-Clause */
/* format and sanitize: the commands that erase, behind --force or a typed "yes". */
#include <string.h>

#include "cli.h"

/* The LBA format of nsid whose data size is bs bytes (and no metadata); -1 if none. */
static int lbaf_for_block_size(const struct pnvme_ns_data *d, uint64_t bs)
{
	for (int i = 0; i <= d->nlbaf && i < 64; i++) {
		if (d->lbaf[i].ms == 0 && d->lbaf[i].lbads < 32 && (1ull << d->lbaf[i].lbads) == bs)
			return i;
	}
	return -1;
}

int cmd_format(struct cli *cli, int argc, char **argv)
{
	uint64_t nsid = 0, lbaf = 0, ses = 0, pi = 0, pil = 0, ms = 0, bs = 0, timeout = 0;
	bool reset = false;
	struct cli_opt opts[] = {
		{"namespace-id", 'n', OPT_NUM, &nsid, "namespace (0xffffffff: all; default: the "
						       "first active)", false},
		{"lbaf", 'l', OPT_NUM, &lbaf, "LBA format index (default: the one in use)", false},
		{"block-size", 'b', OPT_NUM, &bs, "or the format with this block size", false},
		{"ses", 's', OPT_NUM, &ses, "secure erase: 0 none, 1 user data, 2 crypto", false},
		{"pi", 'i', OPT_NUM, &pi, "protection information type 0..3", false},
		{"pil", 'p', OPT_NUM, &pil, "1: PI first in the metadata", false},
		{"ms", 'm', OPT_NUM, &ms, "1: metadata as an extended LBA", false},
		{"reset", 'r', OPT_FLAG, &reset, "reset the controller afterwards", false},
		{"timeout", 't', OPT_NUM, &timeout, "accepted, as nvme-cli (the admin timeout "
						  "applies)", false},
		OPT_END,
	};
	struct pnvme_format f = {0};
	struct pnvme_ns *ns;
	struct pnvme_cpl cpl;
	const struct pnvme_ns_data *d;
	char what[96];
	int rc = cli_parse(cli, argc, argv, opts, false, true, "DEVICE [-n NSID] [-l LBAF] [options]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (lbaf > 63 || ses > 7 || pi > 7 || pil > 1 || ms > 1)
		return cli_fail(cli, "lbaf (0..63), ses (0..7), pi (0..7), pil or ms (0, 1) out of "
				     "range");
	if (cli_given(opts, "lbaf") && cli_given(opts, "block-size"))
		return cli_fail(cli, "give --lbaf or --block-size, not both");
	if (cli_open(cli) != 0)
		return 1;
	if (!cli_given(opts, "namespace-id"))
		nsid = pnvme_ctrlr_get_first_active_ns(cli->c);
	if (cli_check_nsid(cli, nsid, true) != 0)
		return 1;
	ns = pnvme_ctrlr_get_ns(cli->c, nsid == 0xffffffffu ?
				pnvme_ctrlr_get_first_active_ns(cli->c) : (uint32_t)nsid);
	if (ns == NULL || !pnvme_ns_is_active(ns))
		return cli_fail(cli, "namespace %llu is not active", (unsigned long long)nsid);
	d = pnvme_ns_get_data(ns);
	if (cli_given(opts, "block-size")) {
		int i = lbaf_for_block_size(d, bs);

		if (i < 0)
			return cli_fail(cli, "no LBA format of %llu-byte blocks without metadata",
					(unsigned long long)bs);
		lbaf = (uint64_t)i;
	} else if (!cli_given(opts, "lbaf")) {
		lbaf = PNVME_FLBAS_FORMAT(d->flbas);
	}
	if (lbaf > d->nlbaf)
		return cli_fail(cli, "LBA format %llu does not exist (namespace %u has 0..%u)",
				(unsigned long long)lbaf, pnvme_ns_get_id(ns), d->nlbaf);
	snprintf(what, sizeof(what), "format namespace %#llx and lose all its data",
		 (unsigned long long)nsid);
	if (cli_confirm(cli, what) != 0)
		return 1;
	f.lbaf = (uint8_t)lbaf;
	f.ses = (uint8_t)ses;
	f.pi = (uint8_t)pi;
	f.pil = pil != 0;
	f.mset = ms != 0;
	rc = pnvme_ctrlr_format(cli->c, (uint32_t)nsid, &f, &cpl);
	if (rc != 0)
		return cli_fail_rc(cli, "Format NVM", rc, &cpl);
	printf("Success formatting namespace:%llx\n", (unsigned long long)nsid);
	if (reset && (rc = pnvme_ctrlr_reset(cli->c)) != 0)
		return cli_fail(cli, "controller reset failed: %s", strerror(-rc));
	return 0;
}

int cmd_sanitize(struct cli *cli, int argc, char **argv)
{
	uint64_t sanact = 0, owpass = 0, ovrpat = 0;
	bool nodealloc = false, oipbp = false, ause = false;
	struct cli_opt opts[] = {
		{"sanact", 'a', OPT_NUM, &sanact, "1 exit failure mode, 2 block erase, 3 overwrite, "
						 "4 crypto erase", false},
		{"no-dealloc", 'd', OPT_FLAG, &nodealloc, "no deallocation after sanitize", false},
		{"oipbp", 'i', OPT_FLAG, &oipbp, "overwrite: invert the pattern between passes",
		 false},
		{"owpass", 'n', OPT_NUM, &owpass, "overwrite passes (0..15, 0 means 16)", false},
		{"ause", 'u', OPT_FLAG, &ause, "allow unrestricted sanitize exit", false},
		{"ovrpat", 'p', OPT_NUM, &ovrpat, "overwrite pattern (32 bits)", false},
		OPT_END,
	};
	const struct pnvme_ctrlr_data *cd;
	struct pnvme_cpl cpl;
	uint32_t cdw10;
	int rc = cli_parse(cli, argc, argv, opts, false, true, "DEVICE -a SANACT [options]");

	if (rc != 0)
		return rc > 0 ? 0 : 1;
	if (sanact < PNVME_SANACT_EXIT_FAILURE || sanact > PNVME_SANACT_CRYPTO_ERASE)
		return cli_fail(cli, "sanact %llu: want 1 (exit failure), 2 (block erase), 3 "
				     "(overwrite) or 4 (crypto erase)", (unsigned long long)sanact);
	if (owpass > 15 || ovrpat > UINT32_MAX)
		return cli_fail(cli, "owpass (0..15) or ovrpat (32 bits) out of range");
	if (cli_open(cli) != 0)
		return 1;
	cd = pnvme_ctrlr_get_data(cli->c);
	if ((sanact == PNVME_SANACT_BLOCK_ERASE && !(cd->sanicap & PNVME_SANICAP_BES)) ||
	    (sanact == PNVME_SANACT_OVERWRITE && !(cd->sanicap & PNVME_SANICAP_OWS)) ||
	    (sanact == PNVME_SANACT_CRYPTO_ERASE && !(cd->sanicap & PNVME_SANICAP_CES)))
		return cli_fail(cli, "the controller does not offer that sanitize action (SANICAP "
				     "%#x)", cd->sanicap);
	if (sanact != PNVME_SANACT_EXIT_FAILURE &&
	    cli_confirm(cli, "sanitize the whole NVM subsystem and lose all data") != 0)
		return 1;
	cdw10 = (uint32_t)sanact | (ause ? PNVME_SANITIZE_AUSE : 0) |
		PNVME_SANITIZE_OWPASS(owpass) | (oipbp ? PNVME_SANITIZE_OIPBP : 0) |
		(nodealloc ? PNVME_SANITIZE_NDAS : 0);
	rc = pnvme_ctrlr_sanitize(cli->c, cdw10, (uint32_t)ovrpat, &cpl);
	if (rc != 0)
		return cli_fail_rc(cli, "Sanitize", rc, &cpl);
	printf("Sanitize started: follow it with sanitize-log\n");
	return 0;
}
