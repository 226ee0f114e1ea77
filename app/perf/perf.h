/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme-perf: the configuration, the slots (one qpair on one namespace, owned
 * by one worker thread), the worker threads and the result rows.
 */
#ifndef PNVME_PERF_H
#define PNVME_PERF_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "histogram.h"
#include "pnvme/nvme.h"
#include "rate.h"

#define PERF_MAX_TRIDS 8
#define PERF_MAX_THREADS 256
#define PERF_MAX_QPAIRS_PER_NS 64
/*
 * A submit or poll that takes longer than this was interrupted or preempted
 * (the driver itself needs well under a microsecond per I/O): its time is
 * left out of the CPU figures and the call counted as skipped.
 */
#define PERF_CPU_LIMIT_US 50
/* The tasks' I/O buffers come from DMA regions of about this size (worker.c). */
#define PERF_BUF_CHUNK (16u << 20)
#define PERF_BUF_ALIGN 4096u

#define perf_likely(x) __builtin_expect(!!(x), 1)
#define perf_unlikely(x) __builtin_expect(!!(x), 0)

/* Exit status of the tool. */
enum perf_exit {
	PERF_EXIT_OK = 0,
	PERF_EXIT_FAILED = 1, /* an I/O error, a verify mismatch, a controller that failed */
	PERF_EXIT_USAGE = 2,  /* bad options (or options the controllers cannot take) */
};

/* What perf_parse_args() returns. */
enum perf_args_rc {
	PERF_ARGS_RUN = 0,
	PERF_ARGS_HELP = 1,             /* --help or --version printed: exit 0 */
	PERF_ARGS_USAGE = PERF_EXIT_USAGE, /* one line on stderr said why */
};

enum workload {
	WL_READ,
	WL_WRITE,
	WL_RANDREAD,
	WL_RANDWRITE,
	WL_RW,
	WL_RANDRW,
};

extern const char *const perf_workload_names[6];

struct perf_config {
	const char *trids[PERF_MAX_TRIDS];
	int num_trids;
	uint32_t queue_depth;   /* -q: I/Os in flight per qpair */
	uint32_t io_size;       /* -o: bytes */
	enum workload workload; /* -w */
	uint32_t read_pct;      /* -M: 0..100 (100 for read workloads, 0 for write) */
	uint32_t seconds;       /* -t: measured time */
	uint32_t warmup_s;      /* -a: time before, not counted */
	uint64_t max_ios;       /* -d: stop after this many measured I/Os in all (0: no limit) */
	uint64_t rate;          /* --rate: open loop at this total IOPS (0: closed loop) */
	uint32_t num_threads;   /* -n, or the cores of -c */
	uint16_t cores[PERF_MAX_THREADS]; /* the CPU each worker thread is pinned to */
	uint32_t qpairs_per_ns; /* -P: per namespace per thread */
	uint32_t nsid;          /* --nsid: only this namespace of each controller; 0: all */
	uint32_t latency_detail; /* -L: 1 percentiles, 2 (-LL) the histogram too, 3 (-LLL)
				  * each I/O's round trip in phases as well */
	uint32_t status_interval; /* --status-interval: seconds between whole progress lines
				   * on stderr, terminal or not (0: a \r line each second on
				   * a terminal only) */
	bool cpu_time;          /* time the driver's calls (off with --no-cpu-time) */
	bool verify;
	bool json;
	bool delay_doorbell;    /* --batch: ring SQ doorbells once per poll */
	bool sq_doorbell_first; /* SQ tail before CQ head after callbacks; off: --cq-doorbell-first */
	bool shadow_doorbells; /* --shadow-doorbells; off by default, as in the driver */
	uint32_t queue_size;    /* --queue-size: 0 = the driver's default, raised to -q + 1 */
	uint32_t pi_flags;      /* -e: PNVME_IO_FLAGS_PRACT and PRCHK_* (0: none) */
	enum pnvme_dptr_mode dptr_mode; /* --sgl / --prp; default PNVME_DPTR_AUTO */
};

/*
 * The application tag pnvme-perf writes into protection information (its own
 * PI, or the controller's with PRACT) and checks with PRCHK_APPTAG: "PC".
 */
#define PERF_PI_APPTAG 0x5043u
/* -e's words, in the order reports list them. */
struct perf_pi_word {
	const char *name;
	uint32_t flag;
};
extern const struct perf_pi_word perf_pi_words[4];
/* "PRACT,PRCHK_GUARD" for flags into buf ("none" for 0); returns buf. */
const char *perf_pi_flags_str(uint32_t flags, char *buf, size_t len);
/* "auto", "PRP" or "SGL". */
const char *perf_dptr_mode_str(enum pnvme_dptr_mode mode);

/*
 * How the tool lays out I/O on one namespace: worked out once per namespace
 * from its format and -e (setup.c), copied into each of its slots.
 */
struct perf_fmt {
	uint32_t sector_size;    /* data bytes per block */
	uint32_t ext_size;       /* bytes per block in a data buffer: + metadata if extended */
	uint32_t md_size;        /* metadata bytes per block of the format in use (0: none) */
	bool md_extended;        /* metadata interleaved with the data (extended LBA) */
	bool pi_first;           /* PI in the first 8 bytes of the metadata, else the last */
	enum pnvme_pi_type pi_type;
	uint32_t block_bytes;    /* one block in a data buffer: data, + metadata if extended
				  * and moved */
	uint32_t md_xfer;        /* metadata bytes per block the host moves: md_size, or 0
				  * when PRACT has the controller insert and strip 8-byte PI */
	uint32_t pi_offset;      /* PI's offset in a block's metadata */
	uint32_t io_flags;       /* -e on this namespace */
	uint16_t apptag;         /* PERF_PI_APPTAG with PI */
	uint16_t apptag_mask;    /* 0xffff with PRCHK_APPTAG */
	bool pi_generate;        /* writes carry PI the tool computed (PI without PRACT) */
	bool pi_check;           /* --verify checks the PI of reads (PI moved to the host) */
	uint32_t pi_check_flags; /* what that checks: guard, app tag, ref tag (types 1, 2) */
};

/* Counters one slot keeps; merged into rows for the report. */
struct perf_stats {
	uint64_t ios, reads, writes, bytes; /* measured, successful */
	uint64_t errors;                    /* failed I/O, the whole run (warm-up too) */
	uint64_t verified, verify_failures; /* the whole run: data (and metadata) compared */
	uint64_t pi_verified, pi_failures;  /* the whole run: PI checked on the host */
	uint64_t submit_ticks, submits;     /* inside pnvme_ns_cmd_read/write */
	uint64_t complete_ticks, completes; /* inside process_completions, callbacks excluded */
	uint64_t cpu_skipped;               /* timed calls over PERF_CPU_LIMIT_US: left out */
	uint64_t sq_doorbells, cq_doorbells; /* MMIO doorbell writes while measuring */
	uint64_t invalid_cpls;  /* completions the driver dropped (CID not outstanding, or a
				 * duplicate), the whole run: filled in from the qpair at the end */
	/* Histograms last (reset_stats zeroes what comes before). Device latency in ns:
	 * a slot records each I/O in lat_dir[0] (reads) or lat_dir[1] (writes); lat,
	 * both together, is filled in for the rows (rows.c). */
	struct histogram lat;
	struct histogram lat_dir[2];
	/*
	 * -LLL: each I/O's round trip in three phases (enum perf_phase): the
	 * submission call to its SQ doorbell write, the doorbell to the first
	 * poll that saw its completion, that poll's start to the callback.
	 */
	struct histogram phase[3];
};

enum perf_phase {
	PERF_PHASE_TO_DOORBELL,
	PERF_PHASE_DEVICE,
	PERF_PHASE_TO_CALLBACK,
};
/* Empty histograms. */
void perf_stats_hist_init(struct perf_stats *st);
/* -LLL: a poll of slot s ran from t0 to t1: what it submitted went out with its doorbell. */
struct perf_slot;
void perf_phases_poll_done(struct perf_slot *s, uint64_t t0, uint64_t t1);

struct perf_thread;
struct perf_task;

/* One qpair on one namespace, driven by one thread. */
struct perf_slot {
	/* Hot: read or written for every I/O. */
	struct perf_thread *th;
	struct pnvme_ns *ns;
	struct pnvme_qpair *qpair;
	uint32_t sectors_per_io;
	uint32_t read_threshold; /* a read when (rand32 * 100) >> 32 < this */
	uint64_t unit_base;      /* this slot's units: unit_base .. unit_base + num_units - 1 */
	uint64_t num_units;
	uint64_t next_seq;       /* sequential workloads: next unit, relative */
	uint64_t rng;
	bool random;
	bool dead;               /* submission failed for good: no more I/O here */
	bool with_md;            /* the format has metadata: the *_with_md calls (fmt) */
	uint32_t in_flight;
	uint32_t num_free;       /* tasks not in flight */
	struct perf_task **free;
	uint64_t cb_ticks;       /* time inside our callbacks, to subtract from polls */
	uint64_t done;           /* completions (every phase), for the progress line */
	struct rate_sched sched; /* open loop */
	struct perf_stats st;
	/* -LLL only (phases set): the tasks submitted since the last poll ended. */
	bool phases;
	uint32_t num_posted;
	struct perf_task **posted;
	uint64_t poll_tick;      /* when the poll under way began */
	struct pnvme_qpair_stats db_base; /* the qpair's doorbell counters when measuring began */
	/* Verification: a generation per unit, and which units are in flight. */
	uint32_t *unit_gen;
	uint8_t *unit_busy;
	uint32_t generation;
	/* Cold. */
	struct pnvme_ctrlr *ctrlr;
	struct perf_task *tasks;
	uint32_t num_tasks;
	void **buf_chunks;       /* the tasks' buffers, carved out of a few DMA regions */
	uint32_t num_buf_chunks;
	void **md_chunks;        /* separate metadata buffers, carved the same way */
	uint32_t num_md_chunks;
	struct perf_fmt fmt;
	uint32_t sector_size;
	uint32_t ns_index;       /* which namespace (row) of the run */
	uint32_t qpair_index;    /* 0 .. qpairs_per_ns - 1 */
	char name[96];           /* "traddr ns N" */
};

struct perf_task {
	struct perf_slot *s;
	void *buf;
	void *md;            /* separate metadata (NULL without, or extended) */
	uint64_t unit;       /* relative to the slot's unit_base */
	uint64_t start_tick; /* submitted (closed loop) or scheduled (open loop) */
	uint64_t sub_tick;   /* -LLL: the submission call began */
	uint64_t db_tick;    /* -LLL: its SQ doorbell was written (0: not yet) */
	uint32_t gen;
	bool is_read;
	bool counted;        /* submitted while measuring */
};

/* Shared by the main thread and the workers. */
struct perf_run {
	const struct perf_config *cfg;
	uint64_t hz;
	uint64_t ns_mult;            /* ns = ticks * ns_mult >> 32 */
	uint32_t num_threads;
	uint64_t t_start;            /* set before the workers are released */
	atomic_int go;               /* 1: start at t_start; -1: give up (setup failed) */
	atomic_int stop;             /* ask every worker to stop submitting (SIGINT) */
	/* The main thread's alone: the controllers whose admin queues it polls. */
	struct pnvme_ctrlr **ctrlrs;
	int num_ctrlrs;
	uint64_t next_admin;         /* tick of the next admin poll */
};

enum perf_thread_state {
	PERF_TH_WARMUP,
	PERF_TH_MEASURE,
	PERF_TH_DRAIN,
	PERF_TH_DONE,
};

struct perf_thread {
	/* Hot. */
	struct perf_slot *slots;
	uint32_t num_slots;
	bool submitting;
	bool measuring;
	bool open_loop;
	bool cpu_time;
	uint64_t quota;        /* measured I/Os still to submit (UINT64_MAX: no -d) */
	uint64_t ns_mult;
	uint64_t cpu_limit;    /* PERF_CPU_LIMIT_US in ticks */
	uint64_t next_event;   /* tick of the next housekeeping (1 ms apart) */
	enum perf_thread_state state;
	/* Cold. */
	struct perf_run *run;
	uint32_t index;
	uint32_t core;
	pthread_t tid;
	bool started;
	bool abandoned;        /* gave up waiting for in-flight I/O */
	uint64_t t_warm_end, t_end, t_drain_deadline;
	uint64_t t_measure;    /* when counting started */
	uint64_t t_finish;     /* when the last counted I/O was done */
	uint64_t lost;         /* I/Os that never completed (abandoned) */
	uint64_t behind;       /* open loop: scheduled I/Os never submitted */
	/* Published for the progress line, on their own cache line. */
	_Alignas(64) atomic_uint_fast64_t pub_done;
	atomic_uint_fast64_t pub_errors;
	atomic_int pub_state;
};

/* args.c */
void perf_config_defaults(struct perf_config *cfg);
/* PERF_ARGS_RUN, PERF_ARGS_HELP (printed), or PERF_ARGS_USAGE (one line on stderr). */
int perf_parse_args(int argc, char **argv, struct perf_config *cfg);
void perf_usage(FILE *f);

/* cpus.c: CPU sets without the caller knowing cpu_set_t. */
/* CPUs this process may run on, in order, into cpus (at most max); returns how many. */
int perf_cpus_allowed(uint16_t *cpus, int max);
/*
 * A hex core mask ("0x3", "3", "0xff00") into the CPU list; -1 with a reason in
 * why (one line) if it is malformed, empty or names a CPU not available.
 */
int perf_parse_core_mask(const char *s, uint16_t *cpus, int max, char *why, size_t why_len);

/* attach.c: the controllers of -r, else every one bound to vfio-pci, else trtype:sim. */
int perf_attach(const struct perf_config *cfg, struct pnvme_ctrlr **ctrlrs, int max, int *n);

/* setup.c: namespaces, threads and their slots. */
#define PERF_MAX_NAMESPACES 1024

struct perf_ns {
	struct pnvme_ctrlr *ctrlr;
	struct pnvme_ns *ns;
	char name[96];
	uint64_t units; /* I/Os of io_size the namespace holds */
	struct perf_fmt fmt;
};

struct perf_layout {
	struct perf_ns ns[PERF_MAX_NAMESPACES];
	uint32_t num_ns;
	struct perf_thread *threads;
	uint32_t num_threads;
};

/* 0, or the exit status after saying why (PERF_EXIT_USAGE when the options do not fit). */
int perf_layout_build(struct perf_layout *l, const struct perf_config *cfg,
		      struct perf_run *run, struct pnvme_ctrlr **ctrlrs, int num_ctrlrs);
void perf_layout_free(struct perf_layout *l);

/* worker.c: slots. */
int perf_slot_init(struct perf_slot *s, const struct perf_config *cfg, const struct perf_ns *p,
		   uint64_t unit_base, uint64_t num_units, uint64_t seed);
void perf_slot_fini(struct perf_slot *s);
/* Submit a free task (the schedule's tick in open loop); returns 0 or a negative errno. */
int perf_slot_submit_free(struct perf_slot *s, uint64_t start_tick);
void perf_slot_reset_stats(struct perf_slot *s);
/* The doorbell writes since perf_slot_reset_stats(), into s->st. */
void perf_slot_count_doorbells(struct perf_slot *s);

/* thread.c */
int perf_threads_start(struct perf_run *run, struct perf_thread *th, uint32_t n);
void perf_threads_join(struct perf_thread *th, uint32_t n);

/* progress.c: the main thread while the workers run. */
/*
 * Poll the admin queues (Keep Alive, asynchronous events) if the last poll is
 * 10 ms old. The main thread calls it while it sets up too: a long set-up
 * must not let a controller's keep-alive timer run out.
 */
void perf_poll_admin(struct perf_run *run);
void perf_wait(struct perf_run *run, struct perf_thread *th, uint32_t n,
	       volatile sig_atomic_t *interrupted);

/* Fill and check the verify pattern (pattern.c). */
void perf_pattern_fill(void *buf, uint32_t len, uint32_t sector_size, uint64_t lba, uint32_t gen);
/* 0 if buf holds the pattern for lba/gen; else the byte offset of the first mismatch + 1. */
uint64_t perf_pattern_check(const void *buf, uint32_t len, uint32_t sector_size, uint64_t lba,
			    uint32_t gen);
/*
 * The same pattern in blocks that lie stride bytes apart (extended LBA: the
 * metadata between them is left alone). check: 0, or the offset in data bytes
 * (block x sector_size + byte) of the first mismatch + 1.
 */
void perf_pattern_fill_blocks(void *buf, uint32_t blocks, uint32_t sector_size, uint32_t stride,
			      uint64_t lba, uint32_t gen);
uint64_t perf_pattern_check_blocks(const void *buf, uint32_t blocks, uint32_t sector_size,
				   uint32_t stride, uint64_t lba, uint32_t gen);
/*
 * A pattern in each block's md_size metadata bytes (stride apart), bytes
 * skip_off .. skip_off + skip_len - 1 left out (where PI lies). check: 0, or
 * block x md_size + byte of the first mismatch + 1.
 */
void perf_md_fill(void *md, uint32_t blocks, uint32_t md_size, uint32_t stride, uint32_t skip_off,
		  uint32_t skip_len, uint64_t lba, uint32_t gen);
uint64_t perf_md_check(const void *md, uint32_t blocks, uint32_t md_size, uint32_t stride,
		       uint32_t skip_off, uint32_t skip_len, uint64_t lba, uint32_t gen);

/* rows.c: slots merged into rows (one per thread and namespace), threads and a total. */
struct perf_row {
	char name[128];
	int thread;          /* -1 for the total */
	int core;
	int ns_index;        /* -1 for thread rows and the total */
	double seconds;
	struct perf_stats st;
};

struct perf_results {
	struct perf_row *ns_rows;  /* thread-major */
	uint32_t num_ns_rows;
	struct perf_row *thread_rows;
	uint32_t num_threads;
	struct perf_row total;
	double seconds;
	uint64_t hz;
	uint64_t lost, behind;
	uint32_t num_namespaces;
	bool pi_checked;           /* --verify checks PI on some namespace (set by the caller) */
};

int perf_results_build(struct perf_results *r, struct perf_thread *th, uint32_t n,
		       uint32_t num_namespaces, uint64_t hz);
void perf_results_free(struct perf_results *r);

/* Figures of a row, in the units the report prints. */
/* A row's latency in ns, all I/O or one direction (lat_figures, rows.c). */
struct perf_lat {
	uint64_t count, min, max;
	double mean;
	uint64_t p50, p90, p99, p999, p9999;
};
void perf_lat_figures(const struct histogram *h, struct perf_lat *l);

struct perf_figures {
	double iops, mibs;
	double avg_us, min_us, max_us;
	double p50, p90, p99, p999, p9999; /* us */
	double submit_ns, complete_ns, total_ns; /* driver CPU time per I/O */
	double sq_db_per_io, cq_db_per_io;       /* MMIO doorbell writes per I/O */
};
void perf_row_figures(const struct perf_row *row, uint64_t hz, struct perf_figures *f);

/* report.c: the table; json.c: the JSON document. */
void perf_report_header(const struct perf_config *cfg, struct pnvme_ctrlr **ctrlrs, int n,
			const struct perf_layout *l);
void perf_report_table(const struct perf_config *cfg, const struct perf_results *r);
void perf_report_json(const struct perf_config *cfg, const struct perf_results *r,
		      struct pnvme_ctrlr **ctrlrs, int num_ctrlrs, const struct perf_layout *l);
/* "512 + 8 bytes (separate metadata), PI type 1 in the last 8 bytes" (report.c). */
const char *perf_fmt_str(const struct perf_fmt *f, char *buf, size_t len);
/* True when some namespace's reads get their PI checked by --verify. */
bool perf_layout_checks_pi(const struct perf_layout *l);

#endif
