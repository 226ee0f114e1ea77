/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * From controllers to work: every active namespace, checked against the
 * options; each thread gets -P slots (qpairs) on each namespace, and each
 * slot its own stretch of the namespace, so no two qpairs touch one block
 * at once (which --verify needs) and sequential streams do not overlap.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"

/*
 * How I/O goes on this namespace: its format (metadata, PI) and -e. With
 * PRACT on a format whose metadata is the 8 bytes of PI alone, the controller
 * inserts it on writes and strips it from reads: no metadata moves, and an
 * extended format's data buffer holds the data alone (the specification's
 * rule; spdk_nvme_perf does the same).
 */
static void work_out_format(struct perf_fmt *f, const struct perf_config *cfg,
			    const struct pnvme_ns *ns)
{
	memset(f, 0, sizeof(*f));
	f->sector_size = pnvme_ns_get_sector_size(ns);
	f->md_size = pnvme_ns_get_md_size(ns);
	f->ext_size = pnvme_ns_get_extended_sector_size(ns);
	f->block_bytes = f->sector_size;
	if (f->md_size == 0)
		return;
	f->md_extended = pnvme_ns_md_is_extended(ns);
	f->pi_type = pnvme_ns_get_pi_type(ns);
	f->md_xfer = f->md_size;
	if (f->pi_type != PNVME_PI_NONE) {
		f->pi_first = pnvme_ns_pi_is_first(ns);
		f->pi_offset = f->pi_first || f->md_size < 8 ? 0 : f->md_size - 8;
		f->io_flags = cfg->pi_flags;
		f->apptag = PERF_PI_APPTAG;
		f->apptag_mask = (cfg->pi_flags & PNVME_IO_FLAGS_PRCHK_APPTAG) ? 0xffff : 0;
		if ((cfg->pi_flags & PNVME_IO_FLAGS_PRACT) && f->md_size == 8)
			f->md_xfer = 0;
		f->pi_generate = !(cfg->pi_flags & PNVME_IO_FLAGS_PRACT);
		f->pi_check = cfg->verify && f->md_xfer != 0;
		f->pi_check_flags = PNVME_IO_FLAGS_PRCHK_GUARD | PNVME_IO_FLAGS_PRCHK_APPTAG;
		if (f->pi_type == PNVME_PI_TYPE1 || f->pi_type == PNVME_PI_TYPE2)
			f->pi_check_flags |= PNVME_IO_FLAGS_PRCHK_REFTAG;
	}
	if (f->md_extended)
		f->block_bytes += f->md_xfer;
}

static int add_namespace(struct perf_layout *l, const struct perf_config *cfg,
			 struct pnvme_ctrlr *c, struct pnvme_ns *ns)
{
	struct perf_ns *p;
	uint32_t ss = pnvme_ns_get_sector_size(ns);
	uint64_t per_slot, need = cfg->verify ? cfg->queue_depth : 1;
	uint32_t slots = cfg->num_threads * cfg->qpairs_per_ns;

	if (l->num_ns == PERF_MAX_NAMESPACES) {
		fprintf(stderr, "pnvme-perf: more than %d namespaces; the rest are left out\n",
			PERF_MAX_NAMESPACES);
		return 0;
	}
	p = &l->ns[l->num_ns];
	p->ctrlr = c;
	p->ns = ns;
	snprintf(p->name, sizeof(p->name), "%s ns %u", pnvme_ctrlr_get_trid(c)->traddr,
		 pnvme_ns_get_id(ns));
	work_out_format(&p->fmt, cfg, ns);
	if (cfg->pi_flags != 0 && p->fmt.pi_type == PNVME_PI_NONE) {
		char flags[64], fmt[128];

		fprintf(stderr, "pnvme-perf: -e %s: %s has no protection information; its format: "
				"%s\n",
			perf_pi_flags_str(cfg->pi_flags, flags, sizeof(flags)), p->name,
			perf_fmt_str(&p->fmt, fmt, sizeof(fmt)));
		return -EINVAL;
	}
	if (cfg->io_size % ss != 0) {
		fprintf(stderr, "pnvme-perf: I/O size (-o) %u is not a multiple of %s's sector "
				"size %u\n", cfg->io_size, p->name, ss);
		return -EINVAL;
	}
	p->units = pnvme_ns_get_num_sectors(ns) / (cfg->io_size / ss);
	per_slot = p->units / slots;
	if (per_slot < need) {
		fprintf(stderr, "pnvme-perf: %s holds %llu I/Os of %u bytes: too few for %u "
				"qpair(s)%s\n", p->name, (unsigned long long)p->units, cfg->io_size,
			slots, cfg->verify ? " at this depth with --verify" : "");
		return -EINVAL;
	}
	l->num_ns++;
	return 0;
}

static int init_thread(struct perf_layout *l, const struct perf_config *cfg,
		       struct perf_run *run, uint32_t t)
{
	struct perf_thread *th = &l->threads[t];
	uint32_t per_ns = cfg->qpairs_per_ns;

	th->run = run;
	th->index = t;
	th->core = cfg->cores[t];
	th->open_loop = cfg->rate != 0;
	th->cpu_time = cfg->cpu_time;
	th->ns_mult = run->ns_mult;
	th->cpu_limit = run->hz * PERF_CPU_LIMIT_US / 1000000;
	th->quota = UINT64_MAX;
	if (cfg->max_ios != 0)
		th->quota = cfg->max_ios / cfg->num_threads + (t < cfg->max_ios % cfg->num_threads);
	th->num_slots = l->num_ns * per_ns;
	th->slots = calloc(th->num_slots, sizeof(*th->slots));
	if (th->slots == NULL)
		return -ENOMEM;
	for (uint32_t j = 0; j < l->num_ns; j++) {
		const struct perf_ns *p = &l->ns[j];
		uint64_t span = p->units / (cfg->num_threads * per_ns);

		for (uint32_t q = 0; q < per_ns; q++) {
			struct perf_slot *s = &th->slots[j * per_ns + q];
			uint64_t part = (uint64_t)t * per_ns + q;
			int rc;

			s->th = th;
			s->ns_index = j;
			s->qpair_index = q;
			snprintf(s->name, sizeof(s->name), "%s", p->name);
			rc = perf_slot_init(s, cfg, p, part * span, span,
					    0x5eed0000u + ((uint64_t)t * th->num_slots + j * per_ns + q) *
								  7919);
			if (rc != 0)
				return rc;
			perf_poll_admin(run);
		}
	}
	return 0;
}

int perf_layout_build(struct perf_layout *l, const struct perf_config *cfg,
		      struct perf_run *run, struct pnvme_ctrlr **ctrlrs, int num_ctrlrs)
{
	size_t size;
	int rc;

	memset(l, 0, sizeof(*l));
	for (int i = 0; i < num_ctrlrs; i++) {
		struct pnvme_ctrlr *c = ctrlrs[i];

		bool found = false;

		for (uint32_t id = pnvme_ctrlr_get_first_active_ns(c); id != 0;
		     id = pnvme_ctrlr_get_next_active_ns(c, id)) {
			if (cfg->nsid != 0 && id != cfg->nsid)
				continue;
			found = true;
			rc = add_namespace(l, cfg, c, pnvme_ctrlr_get_ns(c, id));
			if (rc != 0)
				return PERF_EXIT_USAGE;
		}
		if (cfg->nsid != 0 && !found) {
			fprintf(stderr, "pnvme-perf: --nsid %u: controller %s has no active namespace "
					"%u (not attached, or no such ID)\n", cfg->nsid,
				pnvme_ctrlr_get_trid(c)->traddr, cfg->nsid);
			return PERF_EXIT_FAILED;
		}
	}
	if (l->num_ns == 0) {
		fprintf(stderr, "pnvme-perf: no active namespace on the controllers given\n");
		return PERF_EXIT_FAILED;
	}
	/* Said before any qpair is asked for (the driver would refuse it with -ENOTSUP). */
	for (int i = 0; i < num_ctrlrs && cfg->dptr_mode == PNVME_DPTR_SGL; i++) {
		if (!pnvme_ctrlr_supports_sgl(ctrlrs[i])) {
			fprintf(stderr, "pnvme-perf: --sgl, but controller %s does not take SGLs "
					"(Identify SGLS 0x%08x); leave --sgl out or use --prp\n",
				pnvme_ctrlr_get_trid(ctrlrs[i])->traddr,
				pnvme_ctrlr_get_data(ctrlrs[i])->sgls);
			return PERF_EXIT_FAILED;
		}
	}
	size = (cfg->num_threads * sizeof(*l->threads) + 63) & ~(size_t)63;
	l->threads = aligned_alloc(64, size);
	if (l->threads == NULL)
		return PERF_EXIT_FAILED;
	memset(l->threads, 0, size);
	l->num_threads = cfg->num_threads;
	for (uint32_t t = 0; t < cfg->num_threads; t++) {
		rc = init_thread(l, cfg, run, t);
		if (rc != 0)
			return rc == -E2BIG ? PERF_EXIT_USAGE : PERF_EXIT_FAILED;
	}
	return 0;
}

bool perf_layout_checks_pi(const struct perf_layout *l)
{
	for (uint32_t i = 0; i < l->num_ns; i++) {
		if (l->ns[i].fmt.pi_check)
			return true;
	}
	return false;
}

void perf_layout_free(struct perf_layout *l)
{
	for (uint32_t t = 0; l->threads != NULL && t < l->num_threads; t++) {
		struct perf_thread *th = &l->threads[t];

		for (uint32_t i = 0; th->slots != NULL && i < th->num_slots; i++)
			perf_slot_fini(&th->slots[i]);
		free(th->slots);
	}
	free(l->threads);
	l->threads = NULL;
}
