/* SPDX-License-Identifier: BSD-3-Clause */
/* The controllers to drive: those given with -r, else every vfio-pci one, else trtype:sim. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "perf.h"

struct probe_ctx {
	const struct perf_config *cfg;
	struct pnvme_ctrlr **ctrlrs;
	int *n;
	int max;
};

static bool probe_cb(void *ctx, const struct pnvme_trid *trid, struct pnvme_ctrlr_opts *opts)
{
	struct probe_ctx *p = ctx;

	(void)trid;
	opts->shadow_doorbells = p->cfg->shadow_doorbells;
	return *p->n < p->max;
}

static void attach_cb(void *ctx, const struct pnvme_trid *trid, struct pnvme_ctrlr *ctrlr)
{
	struct probe_ctx *p = ctx;

	(void)trid;
	if (*p->n < p->max)
		p->ctrlrs[(*p->n)++] = ctrlr;
	else
		pnvme_detach(ctrlr);
}

int perf_attach(const struct perf_config *cfg, struct pnvme_ctrlr **ctrlrs, int max, int *n)
{
	struct probe_ctx p = {cfg, ctrlrs, n, max};
	struct pnvme_ctrlr_opts opts;
	int rc;

	*n = 0;
	pnvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.shadow_doorbells = cfg->shadow_doorbells;
	for (int i = 0; i < cfg->num_trids && *n < max; i++) {
		rc = pnvme_connect(cfg->trids[i], &opts, &ctrlrs[*n]);
		if (rc != 0) {
			fprintf(stderr, "pnvme-perf: cannot attach '%s': %s\n", cfg->trids[i],
				strerror(-rc));
			return rc;
		}
		(*n)++;
	}
	if (cfg->num_trids > 0)
		return 0;
	rc = pnvme_probe(NULL, &p, probe_cb, attach_cb);
	if (rc > 0) {
		fprintf(stderr, "pnvme-perf: using %d controller(s) bound to vfio-pci\n", rc);
		return 0;
	}
	fprintf(stderr, "pnvme-perf: no controller bound to vfio-pci%s; using the software "
			"controller (trtype:sim)\n", rc < 0 ? " could be attached" : "");
	rc = pnvme_connect("trtype:sim", &opts, &ctrlrs[0]);
	if (rc != 0) {
		fprintf(stderr, "pnvme-perf: cannot attach trtype:sim: %s\n", strerror(-rc));
		return rc;
	}
	*n = 1;
	return 0;
}
