/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme-identify: attach the controllers given (or every one bound to
 * vfio-pci), show what Identify Controller and Identify Namespace say, as a
 * summary for people or as JSON, and detach them again.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "identify.h"

static struct pnvme_ctrlr *g_ctrlrs[ID_MAX_CTRLRS];
static int g_num_ctrlrs;
static int g_probe_skipped;

static bool probe_cb(void *ctx, const struct pnvme_trid *trid, struct pnvme_ctrlr_opts *opts)
{
	(void)ctx;
	(void)trid;
	(void)opts;
	if (g_num_ctrlrs < ID_MAX_CTRLRS)
		return true;
	g_probe_skipped++;
	return false;
}

static void attach_cb(void *ctx, const struct pnvme_trid *trid, struct pnvme_ctrlr *ctrlr)
{
	(void)ctx;
	(void)trid;
	if (g_num_ctrlrs < ID_MAX_CTRLRS)
		g_ctrlrs[g_num_ctrlrs++] = ctrlr;
	else
		pnvme_detach(ctrlr);
}

/* 0, or 1 after reporting the controller that could not be attached. */
static int attach_controllers(const struct id_config *cfg)
{
	struct pnvme_ctrlr_opts opts;
	int rc;

	/* The driver's defaults: "queues granted" is then what a workload would get. */
	pnvme_ctrlr_opts_init(&opts, sizeof(opts));
	for (int i = 0; i < cfg->num_trids; i++) {
		struct pnvme_ctrlr *c;

		rc = pnvme_connect(cfg->trids[i], &opts, &c);
		if (rc != 0) {
			fprintf(stderr, ID_PROG ": cannot attach '%s': %s\n", cfg->trids[i],
				strerror(-rc));
			return 1;
		}
		attach_cb(NULL, NULL, c);
	}
	if (cfg->num_trids > 0)
		return 0;
	rc = pnvme_probe(NULL, NULL, probe_cb, attach_cb);
	if (g_num_ctrlrs > 0) {
		if (g_probe_skipped > 0)
			fprintf(stderr, ID_PROG ": showing the first %d controllers, %d more not "
					"attached\n", ID_MAX_CTRLRS, g_probe_skipped);
		return 0;
	}
	if (rc < 0)
		fprintf(stderr, ID_PROG ": no controller bound to vfio-pci could be attached (%s); "
				"bind one with 'pnvme-setup bind', or use -r trtype:sim\n",
			strerror(-rc));
	else
		fprintf(stderr, ID_PROG ": no NVMe controller bound to vfio-pci; bind one with "
				"'pnvme-setup bind', or use -r trtype:sim\n");
	return 1;
}

/* 0 when every controller has nsid active, else 2 after one line per one that lacks it. */
static int check_nsid(uint32_t nsid)
{
	int rc = 0;

	for (int i = 0; i < g_num_ctrlrs; i++) {
		struct pnvme_ctrlr *c = g_ctrlrs[i];
		struct pnvme_ns *ns = pnvme_ctrlr_get_ns(c, nsid);
		char trid[320];

		if (ns != NULL && pnvme_ns_is_active(ns))
			continue;
		fprintf(stderr, ID_PROG ": no active namespace %u on %s (NN %u, %u active)\n", nsid,
			pnvme_trid_str(pnvme_ctrlr_get_trid(c), trid, sizeof(trid)),
			pnvme_ctrlr_get_num_ns(c), id_num_active_ns(c));
		rc = 2;
	}
	return rc;
}

static int start_env(void)
{
	struct pnvme_env_opts opts;
	int rc;

	/*
	 * Identify moves a few 4 KiB pages: ordinary memory is plenty, leaves the
	 * hugepages to the tools that need them, and keeps the tool quiet about it.
	 */
	pnvme_env_opts_init(&opts, sizeof(opts));
	opts.name = ID_PROG;
	opts.no_huge = 1;
	opts.mem_mb = 256;
	rc = pnvme_env_init(&opts);
	if (rc != 0)
		fprintf(stderr, ID_PROG ": environment failed to start: %s\n", strerror(-rc));
	return rc;
}

int main(int argc, char **argv)
{
	struct id_config cfg;
	int rc;

	rc = id_parse_args(argc, argv, &cfg);
	if (rc != 0)
		return rc > 0 ? 0 : 2;
	if (start_env() != 0)
		return 1;
	rc = attach_controllers(&cfg);
	if (rc == 0 && cfg.nsid != 0)
		rc = check_nsid(cfg.nsid);
	if (rc == 0) {
		if (cfg.json) {
			id_json_report(stdout, g_ctrlrs, g_num_ctrlrs, cfg.nsid);
		} else {
			for (int i = 0; i < g_num_ctrlrs; i++) {
				if (i > 0)
					putchar('\n');
				id_print_ctrlr(stdout, g_ctrlrs[i], cfg.nsid);
			}
		}
		if (fflush(stdout) != 0 || ferror(stdout)) {
			fprintf(stderr, ID_PROG ": cannot write the output: %s\n", strerror(errno));
			rc = 1;
		}
	}
	for (int i = 0; i < g_num_ctrlrs; i++)
		pnvme_detach(g_ctrlrs[i]);
	pnvme_env_fini();
	return rc;
}
