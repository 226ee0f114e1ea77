/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * make soak: random mixed I/O with verify over several qpairs and threads
 * against the software controller, while faults of every kind fire at random:
 * error statuses, lost completions (timeout, Abort), bogus and duplicate CIDs,
 * stalled commands, fatal status, resets, namespace changes. It counts, and
 * prints "0 data errors undetected, 0 lost callbacks" only when it counted so.
 *
 *   soak [SECONDS] [THREADS] [QPAIRS_PER_THREAD] [QD] [FAULT_MASK]
 *
 * FAULT_MASK (hex, default all) picks the kinds of soak_faults.h that fire.
 *
 * Each I/O slot owns its blocks: it writes a pattern naming the block and a
 * generation, and reads back to check. A write that fails leaves its blocks
 * unknown until written again; a read that succeeds must match what is known.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pnvme/nvme.h"
#include "pnvme/sim.h"
#include "soak_faults.h"

#define SLOT_BLOCKS 8
#define BLOCK 512
#define SLOT_BYTES (SLOT_BLOCKS * BLOCK)
#define MAX_QPAIRS 4
#define MAX_QD 64
#define MAX_THREADS 8

struct worker;

struct slot {
	struct worker *w;
	uint64_t lba;
	uint8_t *buf;
	uint8_t *expect;
	uint32_t gen;      /* generation last written successfully */
	uint32_t ns_gen;   /* the namespace generation it was written in */
	bool known;        /* the blocks hold generation gen */
	bool writing;
	bool busy;
	uint32_t want_gen; /* generation of the write in flight */
	int callbacks;     /* for the request in flight: must end at exactly 1 */
};

struct worker {
	pthread_t tid;
	struct pnvme_ctrlr *c;
	struct pnvme_ns *ns;
	struct pnvme_qpair *qp[MAX_QPAIRS];
	struct slot slots[MAX_QPAIRS][MAX_QD];
	uint32_t nqp, qd;
	uint64_t ios, io_errors, data_errors, dup_callbacks, lost, refused;
	uint32_t seed;
};

static atomic_bool g_stop;
atomic_uint g_soak_ns_gen; /* bumped when a namespace's data is thrown away */

static uint32_t rnd(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void fill(uint8_t *p, uint64_t lba, uint32_t gen)
{
	for (uint32_t b = 0; b < SLOT_BLOCKS; b++)
		for (uint32_t i = 0; i < BLOCK; i += 8) {
			uint64_t v = ((lba + b) << 24) ^ ((uint64_t)gen << 12) ^ i;

			memcpy(p + b * BLOCK + i, &v, 8);
		}
}

static void io_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct slot *s = arg;
	struct worker *w = s->w;

	if (++s->callbacks > 1) {
		w->dup_callbacks++;
		return;
	}
	s->busy = false;
	w->ios++;
	if (pnvme_cpl_is_error(cpl)) {
		w->io_errors++;
		if (s->writing)
			s->known = false; /* it may or may not have reached the media */
		return;
	}
	if (s->writing) {
		s->gen = s->want_gen;
		s->known = true;
		return;
	}
	/* Data thrown away by a format since the write (or one running): nothing to compare. */
	if (s->known && s->ns_gen == atomic_load(&g_soak_ns_gen) && (s->ns_gen & 1) == 0) {
		fill(s->expect, s->lba, s->gen);
		if (memcmp(s->expect, s->buf, SLOT_BYTES) != 0)
			w->data_errors++;
	}
}

static void start(struct worker *w, struct slot *s, struct pnvme_qpair *qp)
{
	int rc;

	if (s->ns_gen != atomic_load(&g_soak_ns_gen))
		s->known = false;
	s->writing = !s->known || rnd(&w->seed) % 2 == 0;
	s->callbacks = 0;
	s->busy = true;
	if (s->writing) {
		s->want_gen = s->gen + 1 + rnd(&w->seed) % 1000;
		s->ns_gen = atomic_load(&g_soak_ns_gen);
		fill(s->buf, s->lba, s->want_gen);
		rc = pnvme_ns_cmd_write(w->ns, qp, s->buf, s->lba, SLOT_BLOCKS, io_done, s, 0);
	} else {
		memset(s->buf, 0xa5, SLOT_BYTES);
		rc = pnvme_ns_cmd_read(w->ns, qp, s->buf, s->lba, SLOT_BLOCKS, io_done, s, 0);
	}
	if (rc != 0) {
		s->busy = false; /* refused (-ENOMEM, -EAGAIN, -ENXIO): no callback comes */
		w->refused++;
		if (w->refused < 5)
			fprintf(stderr, "soak: submission refused: %s\n", strerror(-rc));
	}
}

static void *worker_main(void *arg)
{
	struct worker *w = arg;

	while (!atomic_load(&g_stop)) {
		for (uint32_t q = 0; q < w->nqp; q++) {
			for (uint32_t i = 0; i < w->qd; i++)
				if (!w->slots[q][i].busy)
					start(w, &w->slots[q][i], w->qp[q]);
			pnvme_qpair_process_completions(w->qp[q], 0);
		}
	}
	/* Drain: every request in flight must call back, within a bound. */
	uint64_t end = pnvme_ticks() + 120 * pnvme_ticks_hz();
	bool busy = true;

	while (busy && pnvme_ticks() < end) {
		busy = false;
		for (uint32_t q = 0; q < w->nqp; q++) {
			pnvme_qpair_process_completions(w->qp[q], 0);
			for (uint32_t i = 0; i < w->qd; i++)
				busy |= w->slots[q][i].busy;
		}
	}
	for (uint32_t q = 0; q < w->nqp; q++)
		for (uint32_t i = 0; i < w->qd; i++)
			w->lost += w->slots[q][i].busy;
	return NULL;
}

int main(int argc, char **argv)
{
	uint32_t seconds = argc > 1 ? (uint32_t)atoi(argv[1]) : 120;
	uint32_t threads = argc > 2 ? (uint32_t)atoi(argv[2]) : 2;
	uint32_t nqp = argc > 3 ? (uint32_t)atoi(argv[3]) : 2;
	uint32_t qd = argc > 4 ? (uint32_t)atoi(argv[4]) : 16;
	struct pnvme_ctrlr_opts opts;
	struct pnvme_ctrlr *c;
	static struct worker w[MAX_THREADS];
	struct soak_faults faults;
	uint64_t total[6] = {0};
	uint64_t lba = 0;
	int rc;

	if (threads == 0 || threads > MAX_THREADS || nqp == 0 || nqp > MAX_QPAIRS || qd == 0 ||
	    qd > MAX_QD) {
		fprintf(stderr, "usage: soak [SECONDS] [THREADS 1..8] [QPAIRS 1..4] [QD 1..64]\n");
		return 2;
	}
	pnvme_ctrlr_opts_init(&opts, sizeof(opts));
	opts.io_timeout_ms = 300;
	opts.admin_timeout_ms = 1500;
	opts.reset_attempts = 5;
	opts.reset_resubmit = true;
	rc = pnvme_connect("trtype:sim traddr:soak ns=1 size=256M mqes=255 acl=1", &opts, &c);
	if (rc != 0) {
		fprintf(stderr, "soak: cannot attach the software controller: %s\n", strerror(-rc));
		return 1;
	}
	for (uint32_t t = 0; t < threads; t++) {
		w[t].c = c;
		w[t].ns = pnvme_ctrlr_get_ns(c, 1);
		w[t].nqp = nqp;
		w[t].qd = qd;
		w[t].seed = 0x9e3779b9u * (t + 1);
		for (uint32_t q = 0; q < nqp; q++) {
			struct pnvme_io_qpair_opts qo;

			pnvme_ctrlr_get_default_io_qpair_opts(c, &qo, sizeof(qo));
			qo.io_queue_size = 32;
			if (pnvme_ctrlr_alloc_io_qpair(c, &qo, &w[t].qp[q]) != 0) {
				fprintf(stderr, "soak: cannot allocate a qpair\n");
				return 1;
			}
			for (uint32_t i = 0; i < qd; i++) {
				struct slot *s = &w[t].slots[q][i];

				s->w = &w[t];
				s->lba = lba;
				lba += SLOT_BLOCKS;
				s->buf = pnvme_dma_zmalloc(SLOT_BYTES, 4096, NULL);
				s->expect = malloc(SLOT_BYTES);
				if (s->buf == NULL || s->expect == NULL)
					return 1;
			}
		}
	}
	soak_faults_init(&faults, c, pnvme_sim_get("soak"), 0x12345678u);
	if (argc > 5)
		faults.kinds = (uint32_t)strtoul(argv[5], NULL, 16);
	for (uint32_t t = 0; t < threads; t++)
		pthread_create(&w[t].tid, NULL, worker_main, &w[t]);
	uint64_t end = pnvme_ticks() + (uint64_t)seconds * pnvme_ticks_hz();

	while (pnvme_ticks() < end && !pnvme_ctrlr_is_failed(c)) {
		pnvme_ctrlr_process_admin_completions(c);
		soak_faults_step(&faults);
	}
	soak_faults_quiet(&faults);
	atomic_store(&g_stop, true);
	/* Keep the admin queue polled while the workers drain. */
	for (uint32_t t = 0; t < threads; t++) {
		while (pthread_tryjoin_np(w[t].tid, NULL) != 0)
			pnvme_ctrlr_process_admin_completions(c);
	}
	for (uint32_t t = 0; t < threads; t++) {
		total[0] += w[t].ios;
		total[1] += w[t].io_errors;
		total[2] += w[t].data_errors;
		total[3] += w[t].lost;
		total[4] += w[t].dup_callbacks;
		total[5] += w[t].refused;
	}
	printf("soak: %u s, %u threads x %u qpairs x QD %u: %llu I/Os (%llu with an error "
	       "status, %llu refused at submission), %llu faults fired, %u resets%s\n",
	       seconds, threads, nqp, qd, (unsigned long long)total[0],
	       (unsigned long long)total[1], (unsigned long long)total[5],
	       (unsigned long long)faults.fired, pnvme_ctrlr_get_num_resets(c),
	       pnvme_ctrlr_is_failed(c) ? " (controller dead)" : "");
	soak_faults_report(&faults);
	for (uint32_t t = 0; t < threads; t++) {
		for (uint32_t q = 0; q < nqp; q++) {
			struct pnvme_qpair_stats st;

			pnvme_qpair_get_stats(w[t].qp[q], &st);
			(void)st;
		}
	}
	rc = pnvme_detach(c);
	bool ok = total[2] == 0 && total[3] == 0 && total[4] == 0 && rc == 0 && total[0] > 0;

	printf("soak: %llu data errors undetected, %llu lost callbacks, %llu duplicated "
	       "callbacks: %s\n", (unsigned long long)total[2], (unsigned long long)total[3],
	       (unsigned long long)total[4], ok ? "PASSED" : "FAILED");
	printf("soak: %d passed, %d failed\n", ok ? 1 : 0, ok ? 0 : 1);
	return ok ? 0 : 1;
}
