/* SPDX-License-Identifier: BSD-3-Clause */
/* pnvme-perf: configuration, per-namespace workers, results. */
#ifndef PNVME_PERF_H
#define PNVME_PERF_H

#include <stdbool.h>
#include <stdint.h>

#include "histogram.h"
#include "pnvme/nvme.h"

#define PERF_MAX_TRIDS 8

enum workload {
	WL_READ,
	WL_WRITE,
	WL_RANDREAD,
	WL_RANDWRITE,
	WL_RW,
	WL_RANDRW,
};

struct perf_config {
	const char *trids[PERF_MAX_TRIDS];
	int num_trids;
	uint32_t queue_depth;
	uint32_t io_size;
	enum workload workload;
	uint32_t read_pct; /* 0..100 */
	uint32_t seconds;
	uint64_t max_ios; /* -d: stop after this many I/Os in all (0: no limit) */
	bool verify;
	bool json;
	bool delay_doorbell; /* batch SQ doorbells per poll */
	bool no_shadow_doorbells;
	uint32_t queue_size; /* 0: driver default, raised to fit the depth */
};

struct perf_task;

struct perf_worker {
	struct pnvme_ctrlr *ctrlr;
	struct pnvme_ns *ns;
	struct pnvme_qpair *qpair;
	char name[96];
	uint32_t sectors_per_io;
	uint64_t num_units;    /* io_size units in the namespace */
	uint64_t next_seq;     /* next unit for sequential workloads */
	uint64_t rng;
	bool random;
	uint32_t read_threshold; /* a read when (rand32 * 100) >> 32 < this */
	struct perf_task *tasks;
	uint32_t num_tasks;
	/* Verification: a generation per unit, and which units are in flight. */
	uint32_t *unit_gen;
	uint8_t *unit_busy;
	uint32_t generation;
	/* Results. */
	uint64_t ios, reads, writes, bytes, errors, verify_failures, verified;
	struct histogram hist;
	bool stopping;
	uint32_t in_flight;
};

struct perf_task {
	struct perf_worker *w;
	void *buf;
	uint64_t unit;
	uint64_t submit_tick;
	uint32_t gen;
	bool is_read;
};

int perf_parse_args(int argc, char **argv, struct perf_config *cfg);
int perf_worker_init(struct perf_worker *w, const struct perf_config *cfg,
		     struct pnvme_ctrlr *ctrlr, struct pnvme_ns *ns, uint64_t seed);
void perf_worker_fini(struct perf_worker *w);
int perf_worker_start(struct perf_worker *w);
/* Fill and check the verify pattern (pattern.c). */
void perf_pattern_fill(void *buf, uint32_t len, uint32_t sector_size, uint64_t lba, uint32_t gen);
/* 0 if buf holds the pattern for lba/gen; else the byte offset of the first mismatch + 1. */
uint64_t perf_pattern_check(const void *buf, uint32_t len, uint32_t sector_size, uint64_t lba,
			    uint32_t gen);
void perf_report(const struct perf_config *cfg, struct perf_worker *w, int n, double seconds,
		 uint64_t ticks_hz);

#endif
