/* SPDX-License-Identifier: BSD-3-Clause */
/* A worker keeps queue_depth I/Os in flight on one namespace's qpair. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "perf.h"

static inline uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: fast, and good enough to spread I/O. */
	uint64_t x = *s;

	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	*s = x;
	return x * 0x2545f4914f6cdd1dull;
}

/* A uniform value below n without a division. */
static inline uint64_t rng_below(uint64_t *s, uint64_t n)
{
	return (uint64_t)(((unsigned __int128)rng_next(s) * n) >> 64);
}

static void io_done(void *arg, const struct pnvme_cpl *cpl);

static int submit_task(struct perf_task *t)
{
	struct perf_worker *w = t->w;
	uint64_t unit, lba;
	int rc;

	if (w->random) {
		unit = rng_below(&w->rng, w->num_units);
	} else {
		unit = w->next_seq;
		if (++w->next_seq == w->num_units)
			w->next_seq = 0;
	}
	t->is_read = ((rng_next(&w->rng) >> 32) * 100 >> 32) < w->read_threshold;
	if (w->unit_busy != NULL) {
		/* Never two I/Os on one unit at once: the check would race the write. */
		while (w->unit_busy[unit])
			unit = unit + 1 == w->num_units ? 0 : unit + 1;
		w->unit_busy[unit] = 1;
	}
	t->unit = unit;
	lba = unit * w->sectors_per_io;
	if (!t->is_read && w->unit_gen != NULL) {
		t->gen = ++w->generation;
		perf_pattern_fill(t->buf, w->sectors_per_io * pnvme_ns_get_sector_size(w->ns),
				  pnvme_ns_get_sector_size(w->ns), lba, t->gen);
	}
	t->submit_tick = pnvme_ticks();
	if (t->is_read)
		rc = pnvme_ns_cmd_read(w->ns, w->qpair, t->buf, lba, w->sectors_per_io, io_done, t, 0);
	else
		rc = pnvme_ns_cmd_write(w->ns, w->qpair, t->buf, lba, w->sectors_per_io, io_done, t,
					0);
	if (rc != 0) {
		if (w->unit_busy != NULL)
			w->unit_busy[unit] = 0;
		fprintf(stderr, "pnvme-perf: %s: submit failed: %s\n", w->name, strerror(-rc));
		w->errors++;
		return rc;
	}
	w->in_flight++;
	return 0;
}

static void io_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct perf_task *t = arg;
	struct perf_worker *w = t->w;
	uint64_t now = pnvme_ticks();
	uint32_t ss = pnvme_ns_get_sector_size(w->ns);

	w->in_flight--;
	hist_record(&w->hist, now - t->submit_tick);
	if (pnvme_cpl_is_error(cpl)) {
		if (w->errors++ < 10)
			fprintf(stderr, "pnvme-perf: %s: %s at LBA %llu failed: %s\n", w->name,
				t->is_read ? "read" : "write",
				(unsigned long long)(t->unit * w->sectors_per_io),
				pnvme_cpl_status_str(cpl));
	} else {
		w->ios++;
		w->bytes += (uint64_t)w->sectors_per_io * ss;
		if (t->is_read)
			w->reads++;
		else
			w->writes++;
		if (w->unit_gen != NULL) {
			uint64_t lba = t->unit * w->sectors_per_io;

			if (!t->is_read) {
				w->unit_gen[t->unit] = t->gen;
			} else if (w->unit_gen[t->unit] != 0) {
				uint64_t bad = perf_pattern_check(t->buf, w->sectors_per_io * ss, ss,
								  lba, w->unit_gen[t->unit]);

				w->verified++;
				if (bad != 0 && w->verify_failures++ < 10)
					fprintf(stderr, "pnvme-perf: %s: verify failed at LBA %llu, "
							"byte %llu\n", w->name,
						(unsigned long long)lba,
						(unsigned long long)(bad - 1));
			}
		}
	}
	if (w->unit_busy != NULL)
		w->unit_busy[t->unit] = 0;
	if (!w->stopping)
		submit_task(t);
}

int perf_worker_init(struct perf_worker *w, const struct perf_config *cfg,
		     struct pnvme_ctrlr *ctrlr, struct pnvme_ns *ns, uint64_t seed)
{
	struct pnvme_io_qpair_opts qopts;
	uint32_t ss = pnvme_ns_get_sector_size(ns);
	int rc;

	memset(w, 0, sizeof(*w));
	w->ctrlr = ctrlr;
	w->ns = ns;
	w->rng = seed | 1;
	hist_init(&w->hist);
	snprintf(w->name, sizeof(w->name), "%s ns %u", pnvme_ctrlr_get_trid(ctrlr)->traddr,
		 pnvme_ns_get_id(ns));
	if (cfg->io_size % ss != 0) {
		fprintf(stderr, "pnvme-perf: I/O size %u is not a multiple of %s's sector size %u\n",
			cfg->io_size, w->name, ss);
		return -EINVAL;
	}
	w->sectors_per_io = cfg->io_size / ss;
	w->num_units = pnvme_ns_get_num_sectors(ns) / w->sectors_per_io;
	if (w->num_units < cfg->queue_depth) {
		fprintf(stderr, "pnvme-perf: %s is too small for depth %u of %u-byte I/Os\n",
			w->name, cfg->queue_depth, cfg->io_size);
		return -EINVAL;
	}
	w->random = cfg->workload == WL_RANDREAD || cfg->workload == WL_RANDWRITE ||
		    cfg->workload == WL_RANDRW;
	w->read_threshold = cfg->read_pct;
	if (cfg->verify) {
		w->unit_gen = calloc(w->num_units, sizeof(*w->unit_gen));
		w->unit_busy = calloc(w->num_units, 1);
		if (w->unit_gen == NULL || w->unit_busy == NULL)
			return -ENOMEM;
	}
	pnvme_ctrlr_get_default_io_qpair_opts(ctrlr, &qopts, sizeof(qopts));
	if (cfg->queue_size != 0)
		qopts.io_queue_size = cfg->queue_size;
	/* Enough requests for the depth, split children included. */
	qopts.io_queue_requests = cfg->queue_depth *
		(1 + cfg->io_size / pnvme_ctrlr_get_max_xfer_size(ctrlr) + 1) + qopts.io_queue_size;
	qopts.delay_doorbell = cfg->delay_doorbell;
	rc = pnvme_ctrlr_alloc_io_qpair(ctrlr, &qopts, &w->qpair);
	if (rc != 0) {
		fprintf(stderr, "pnvme-perf: %s: cannot allocate a qpair: %s\n", w->name,
			strerror(-rc));
		return rc;
	}
	w->tasks = calloc(cfg->queue_depth, sizeof(*w->tasks));
	if (w->tasks == NULL)
		return -ENOMEM;
	w->num_tasks = cfg->queue_depth;
	for (uint32_t i = 0; i < w->num_tasks; i++) {
		w->tasks[i].w = w;
		w->tasks[i].buf = pnvme_dma_zmalloc(cfg->io_size, 4096, NULL);
		if (w->tasks[i].buf == NULL) {
			fprintf(stderr, "pnvme-perf: out of DMA memory for %u buffers of %u bytes\n",
				w->num_tasks, cfg->io_size);
			return -ENOMEM;
		}
	}
	return 0;
}

int perf_worker_start(struct perf_worker *w)
{
	for (uint32_t i = 0; i < w->num_tasks; i++) {
		int rc = submit_task(&w->tasks[i]);

		if (rc != 0)
			return rc;
	}
	pnvme_qpair_flush(w->qpair);
	return 0;
}

void perf_worker_fini(struct perf_worker *w)
{
	if (w->qpair != NULL)
		pnvme_ctrlr_free_io_qpair(w->qpair);
	for (uint32_t i = 0; w->tasks != NULL && i < w->num_tasks; i++)
		pnvme_dma_free(w->tasks[i].buf);
	free(w->tasks);
	free(w->unit_gen);
	free(w->unit_busy);
	w->qpair = NULL;
	w->tasks = NULL;
}
