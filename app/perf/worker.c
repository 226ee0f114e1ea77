/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A slot: one qpair on one namespace, its tasks (an I/O buffer each), where
 * its I/O goes, submission and the completion callback. The hot path here
 * allocates nothing, makes no system call and divides nothing.
 */
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

static inline uint64_t ticks_to_ns(uint64_t ticks, uint64_t mult)
{
	return (uint64_t)(((unsigned __int128)ticks * mult) >> 32);
}

static void io_done(void *arg, const struct pnvme_cpl *cpl);

/*
 * -LLL, after a submission call that began at t0: outside a poll (without
 * --batch) the call rang the SQ doorbell itself, so its end is the doorbell;
 * inside one (a callback submitting the next I/O) the driver rings when the
 * poll ends, and perf_phases_poll_done() moves the stamp there.
 */
static __attribute__((noinline)) void phases_posted(struct perf_slot *s, struct perf_task *t,
						    uint64_t t0)
{
	t->sub_tick = t0;
	t->db_tick = pnvme_ticks();
	if (s->num_posted < s->num_tasks)
		s->posted[s->num_posted++] = t;
}

/* A poll that began at t0 ended at t1: what was submitted meanwhile went out at t1. */
void perf_phases_poll_done(struct perf_slot *s, uint64_t t0, uint64_t t1)
{
	bool batch = s->th->run->cfg->delay_doorbell;

	for (uint32_t i = 0; i < s->num_posted; i++) {
		struct perf_task *t = s->posted[i];

		/* One thread: whatever was submitted since t0 was submitted by this poll. */
		if (batch || t->sub_tick >= t0)
			t->db_tick = t1;
	}
	s->num_posted = 0;
}

static inline uint64_t since(uint64_t from, uint64_t to)
{
	return to > from ? to - from : 0;
}

/* -LLL: the three phases of a completed I/O; now is the callback's tick. */
static __attribute__((noinline)) void phases_record(struct perf_slot *s, struct perf_task *t,
						    uint64_t now)
{
	uint64_t mult = s->th->ns_mult, db = t->db_tick ? t->db_tick : t->sub_tick;

	struct histogram *h = s->st.phase;

	hist_record(&h[PERF_PHASE_TO_DOORBELL], ticks_to_ns(since(t->sub_tick, db), mult));
	hist_record(&h[PERF_PHASE_DEVICE], ticks_to_ns(since(db, s->poll_tick), mult));
	hist_record(&h[PERF_PHASE_TO_CALLBACK], ticks_to_ns(since(s->poll_tick, now), mult));
}

static inline uint64_t pick_unit(struct perf_slot *s)
{
	uint64_t unit;

	if (s->random) {
		unit = rng_below(&s->rng, s->num_units);
	} else {
		unit = s->next_seq;
		if (++s->next_seq == s->num_units)
			s->next_seq = 0;
	}
	if (s->unit_busy != NULL) {
		/* Never two I/Os on one unit at once: the check would race the write. */
		while (s->unit_busy[unit])
			unit = unit + 1 == s->num_units ? 0 : unit + 1;
		s->unit_busy[unit] = 1;
	}
	return unit;
}

static __attribute__((noinline, cold)) int submit_failed(struct perf_slot *s,
							  struct perf_task *t, int rc)
{
	if (s->unit_busy != NULL)
		s->unit_busy[t->unit] = 0;
	s->free[s->num_free++] = t;
	if (rc == -ENOMEM)
		return rc; /* the request pool is empty for now: try again after completions */
	if (s->st.errors++ < 10)
		fprintf(stderr, "pnvme-perf: %s: submit failed: %s\n", s->name, strerror(-rc));
	s->dead = true;
	return rc;
}

/*
 * A write on a namespace with metadata: with --verify the pattern goes into
 * the data and the metadata the host moves (not into PI); with PI and without
 * PRACT, the tool computes every block's PI (it covers what came before).
 */
static __attribute__((noinline)) void prepare_md_write(struct perf_slot *s, struct perf_task *t,
							 uint64_t lba)
{
	const struct perf_fmt *f = &s->fmt;
	int rc;

	if (s->unit_gen != NULL) {
		perf_pattern_fill_blocks(t->buf, s->sectors_per_io, f->sector_size, f->block_bytes,
					 lba, t->gen);
		if (f->md_xfer != 0) {
			uint8_t *md = f->md_extended ? (uint8_t *)t->buf + f->sector_size : t->md;
			uint32_t stride = f->md_extended ? f->block_bytes : f->md_size;

			perf_md_fill(md, s->sectors_per_io, f->md_size, stride, f->pi_offset,
				     f->pi_type != PNVME_PI_NONE ? 8 : 0, lba, t->gen);
		}
	}
	if (f->pi_generate) {
		rc = pnvme_pi_generate(s->ns, t->buf, t->md, lba, s->sectors_per_io, f->apptag);
		if (rc != 0 && s->st.errors++ < 10)
			fprintf(stderr, "pnvme-perf: %s: PI for LBA %llu not generated: %s\n", s->name,
				(unsigned long long)lba, strerror(-rc));
	}
}

static inline int submit_md(struct perf_slot *s, struct perf_task *t, uint64_t lba)
{
	const struct perf_fmt *f = &s->fmt;

	if (t->is_read)
		return pnvme_ns_cmd_read_with_md(s->ns, s->qpair, t->buf, t->md, lba,
						 s->sectors_per_io, io_done, t, f->io_flags,
						 f->apptag_mask, f->apptag);
	return pnvme_ns_cmd_write_with_md(s->ns, s->qpair, t->buf, t->md, lba, s->sectors_per_io,
					  io_done, t, f->io_flags, f->apptag_mask, f->apptag);
}

/*
 * Submit task t (not on the free list). start: its scheduled tick in open
 * loop. *end gets the tick after the submission when the driver is timed.
 */
static inline int submit(struct perf_slot *s, struct perf_task *t, uint64_t start, uint64_t *end)
{
	struct perf_thread *th = s->th;
	uint64_t lba, t0 = 0;
	int rc;

	t->unit = pick_unit(s);
	t->is_read = ((rng_next(&s->rng) >> 32) * 100 >> 32) < s->read_threshold;
	lba = (s->unit_base + t->unit) * s->sectors_per_io;
	if (!t->is_read && s->unit_gen != NULL) {
		t->gen = ++s->generation;
		if (perf_likely(!s->with_md))
			perf_pattern_fill(t->buf, s->sectors_per_io * s->sector_size,
					  s->sector_size, lba, t->gen);
	}
	if (perf_unlikely(s->with_md) && !t->is_read)
		prepare_md_write(s, t, lba);
	t->counted = th->measuring;
	if (!th->open_loop || th->cpu_time || s->phases)
		t0 = pnvme_ticks();
	t->start_tick = th->open_loop ? start : t0;
	if (perf_unlikely(s->with_md))
		rc = submit_md(s, t, lba);
	else if (t->is_read)
		rc = pnvme_ns_cmd_read(s->ns, s->qpair, t->buf, lba, s->sectors_per_io, io_done, t,
				       0);
	else
		rc = pnvme_ns_cmd_write(s->ns, s->qpair, t->buf, lba, s->sectors_per_io, io_done, t,
					0);
	if (perf_unlikely(s->phases) && rc == 0)
		phases_posted(s, t, t0);
	if (th->cpu_time) {
		uint64_t t1 = pnvme_ticks();

		if (perf_likely(t1 - t0 < th->cpu_limit)) {
			s->st.submit_ticks += t1 - t0;
			s->st.submits++;
		} else {
			s->st.cpu_skipped++;
		}
		*end = t1;
	}
	if (perf_unlikely(rc != 0))
		return submit_failed(s, t, rc);
	s->in_flight++;
	if (t->counted && --th->quota == 0)
		th->submitting = false;
	return 0;
}

int perf_slot_submit_free(struct perf_slot *s, uint64_t start_tick)
{
	uint64_t end;

	return submit(s, s->free[--s->num_free], start_tick, &end);
}

static __attribute__((noinline, cold)) void io_failed(struct perf_slot *s, struct perf_task *t,
						       const struct pnvme_cpl *cpl)
{
	if (s->th->abandoned)
		return; /* already counted as lost */
	if (s->st.errors++ < 10)
		fprintf(stderr, "pnvme-perf: %s: %s at LBA %llu failed: %s\n", s->name,
			t->is_read ? "read" : "write",
			(unsigned long long)((s->unit_base + t->unit) * s->sectors_per_io),
			pnvme_cpl_status_str(cpl));
}

/*
 * A read on a namespace with metadata: the data of each block, the metadata
 * bytes the host moves but PI, and with PI moved to the host, the PI
 * (pnvme_pi_verify), which counts apart.
 */
static __attribute__((noinline)) void verify_md_read(struct perf_slot *s, struct perf_task *t,
						      uint64_t lba, uint32_t gen)
{
	const struct perf_fmt *f = &s->fmt;
	uint64_t bad, bad_lba = lba;
	int rc;

	bad = perf_pattern_check_blocks(t->buf, s->sectors_per_io, f->sector_size, f->block_bytes,
					lba, gen);
	s->st.verified++;
	if (bad != 0) {
		if (s->st.verify_failures++ < 10)
			fprintf(stderr, "pnvme-perf: %s: verify failed at LBA %llu, byte %llu\n",
				s->name, (unsigned long long)(lba + (bad - 1) / f->sector_size),
				(unsigned long long)((bad - 1) % f->sector_size));
	} else if (f->md_xfer != 0) {
		const uint8_t *md = f->md_extended ? (const uint8_t *)t->buf + f->sector_size : t->md;
		uint32_t stride = f->md_extended ? f->block_bytes : f->md_size;

		bad = perf_md_check(md, s->sectors_per_io, f->md_size, stride, f->pi_offset,
				    f->pi_type != PNVME_PI_NONE ? 8 : 0, lba, gen);
		if (bad != 0 && s->st.verify_failures++ < 10)
			fprintf(stderr, "pnvme-perf: %s: verify failed at LBA %llu, metadata byte "
					"%llu\n", s->name,
				(unsigned long long)(lba + (bad - 1) / f->md_size),
				(unsigned long long)((bad - 1) % f->md_size));
	}
	if (!f->pi_check)
		return;
	rc = pnvme_pi_verify(s->ns, t->buf, t->md, lba, s->sectors_per_io, f->pi_check_flags,
			     0xffff, f->apptag, &bad_lba);
	s->st.pi_verified++;
	if (rc != 0 && s->st.pi_failures++ < 10) {
		if (rc == -EILSEQ)
			fprintf(stderr, "pnvme-perf: %s: protection information check failed at "
					"LBA %llu\n", s->name, (unsigned long long)bad_lba);
		else
			fprintf(stderr, "pnvme-perf: %s: protection information of LBA %llu not "
					"checked: %s\n", s->name, (unsigned long long)lba,
				strerror(-rc));
	}
}

static void verify_done(struct perf_slot *s, struct perf_task *t)
{
	uint64_t lba = (s->unit_base + t->unit) * s->sectors_per_io, bad;

	if (!t->is_read) {
		s->unit_gen[t->unit] = t->gen;
		return;
	}
	if (s->unit_gen[t->unit] == 0)
		return; /* never written in this run: nothing to compare with */
	if (s->with_md) {
		verify_md_read(s, t, lba, s->unit_gen[t->unit]);
		return;
	}
	bad = perf_pattern_check(t->buf, s->sectors_per_io * s->sector_size, s->sector_size, lba,
				 s->unit_gen[t->unit]);
	s->st.verified++;
	if (bad != 0 && s->st.verify_failures++ < 10)
		fprintf(stderr, "pnvme-perf: %s: verify failed at LBA %llu, byte %llu\n", s->name,
			(unsigned long long)lba, (unsigned long long)(bad - 1));
}

static void io_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct perf_task *t = arg;
	struct perf_slot *s = t->s;
	struct perf_thread *th = s->th;
	uint64_t now = pnvme_ticks(), out = 0;

	s->in_flight--;
	s->done++;
	if (perf_unlikely(pnvme_cpl_is_error(cpl))) {
		io_failed(s, t, cpl);
		/*
		 * A failed write may still have reached the media (one aborted by a
		 * reset or a lost connection often has): its blocks hold the old
		 * data or the new, so --verify compares nothing there until the
		 * next write succeeds.
		 */
		if (!t->is_read && s->unit_gen != NULL)
			s->unit_gen[t->unit] = 0;
	} else {
		if (perf_likely(t->counted)) {
			s->st.ios++;
			s->st.reads += t->is_read;
			hist_record(&s->st.lat_dir[!t->is_read],
				    ticks_to_ns(now - t->start_tick, th->ns_mult));
			if (perf_unlikely(s->phases))
				phases_record(s, t, now);
		}
		if (s->unit_gen != NULL)
			verify_done(s, t);
	}
	if (s->unit_busy != NULL)
		s->unit_busy[t->unit] = 0;
	/* Closed loop: the next I/O goes out from here. Open loop: the schedule says when. */
	if (!th->open_loop && th->submitting && !s->dead)
		submit(s, t, 0, &out);
	else
		s->free[s->num_free++] = t;
	if (th->cpu_time) {
		if (out == 0)
			out = pnvme_ticks();
		s->cb_ticks += out - now;
	}
}

void perf_slot_reset_stats(struct perf_slot *s)
{
	uint64_t errors = s->st.errors, verified = s->st.verified, vfail = s->st.verify_failures;
	uint64_t pi_verified = s->st.pi_verified, pi_fail = s->st.pi_failures;

	memset(&s->st, 0, offsetof(struct perf_stats, lat));
	perf_stats_hist_init(&s->st);
	s->st.errors = errors;
	s->st.verified = verified;
	s->st.verify_failures = vfail;
	s->st.pi_verified = pi_verified;
	s->st.pi_failures = pi_fail;
	pnvme_qpair_get_stats(s->qpair, &s->db_base);
}

void perf_slot_count_doorbells(struct perf_slot *s)
{
	struct pnvme_qpair_stats now;

	pnvme_qpair_get_stats(s->qpair, &now);
	s->st.sq_doorbells = now.sq_doorbell_writes - s->db_base.sq_doorbell_writes;
	s->st.cq_doorbells = now.cq_doorbell_writes - s->db_base.cq_doorbell_writes;
}

static uint32_t queue_size_for(const struct perf_config *cfg, struct pnvme_ctrlr *ctrlr,
			       uint32_t dflt)
{
	uint32_t mqes = (uint32_t)(pnvme_ctrlr_get_cap(ctrlr) & 0xffff) + 1;
	uint32_t want = cfg->queue_depth + 1;

	if (cfg->queue_size != 0)
		return cfg->queue_size;
	if (want < dflt)
		want = dflt;
	return want < mqes ? want : mqes;
}

/*
 * Distance between two tasks' buffers: below a page, the next power of two
 * (a buffer then never crosses a page: PRP1 alone); from a page up, whole
 * pages (every buffer page aligned, as a buffer of its own would be).
 */
static uint32_t buf_stride(uint32_t io_size)
{
	uint32_t stride = 512;

	if (io_size >= PERF_BUF_ALIGN)
		return (io_size + PERF_BUF_ALIGN - 1) & ~(PERF_BUF_ALIGN - 1);
	while (stride < io_size)
		stride <<= 1;
	return stride;
}

/* The same for a separate metadata buffer: never across a page when it fits in one. */
static uint32_t md_stride(uint32_t md_len)
{
	uint32_t stride = 8;

	if (md_len >= PERF_BUF_ALIGN)
		return (md_len + PERF_BUF_ALIGN - 1) & ~(PERF_BUF_ALIGN - 1);
	while (stride < md_len)
		stride <<= 1;
	return stride;
}

/*
 * One buffer of len bytes per task, carved out of DMA regions of about
 * PERF_BUF_CHUNK each: a handful of allocations at any depth (one per buffer
 * made set-up quadratic in DPDK's allocator), none so large that fragmented
 * hugepage memory cannot hold it. The admin queues are polled between
 * regions. md: the tasks' metadata buffers, else their data buffers.
 */
static int alloc_buffers(struct perf_slot *s, uint32_t len, bool md)
{
	uint32_t stride = md ? md_stride(len) : buf_stride(len);
	uint32_t per_chunk = PERF_BUF_CHUNK / stride, done = 0, num;
	void **chunks;

	if (per_chunk == 0)
		per_chunk = 1;
	if (per_chunk > s->num_tasks)
		per_chunk = s->num_tasks;
	num = (s->num_tasks + per_chunk - 1) / per_chunk;
	chunks = calloc(num, sizeof(*chunks));
	if (chunks == NULL)
		return -ENOMEM;
	if (md) {
		s->md_chunks = chunks;
		s->num_md_chunks = num;
	} else {
		s->buf_chunks = chunks;
		s->num_buf_chunks = num;
	}
	for (uint32_t c = 0; c < num; c++) {
		uint32_t n = s->num_tasks - done < per_chunk ? s->num_tasks - done : per_chunk;
		uint8_t *mem = pnvme_dma_zmalloc((size_t)n * stride, PERF_BUF_ALIGN, NULL);

		if (mem == NULL) {
			fprintf(stderr, "pnvme-perf: out of DMA memory for %u %sbuffers of %u bytes "
					"(%llu MiB)\n", s->num_tasks, md ? "metadata " : "", len,
				(unsigned long long)s->num_tasks * stride >> 20);
			return -ENOMEM;
		}
		chunks[c] = mem;
		for (uint32_t i = 0; i < n; i++) {
			if (md)
				s->tasks[done + i].md = mem + (size_t)i * stride;
			else
				s->tasks[done + i].buf = mem + (size_t)i * stride;
		}
		done += n;
		perf_poll_admin(s->th->run);
	}
	return 0;
}

int perf_slot_init(struct perf_slot *s, const struct perf_config *cfg, const struct perf_ns *p,
		   uint64_t unit_base, uint64_t num_units, uint64_t seed)
{
	struct pnvme_io_qpair_opts qopts;
	struct pnvme_ctrlr *ctrlr = p->ctrlr;
	uint32_t ss = p->fmt.sector_size, ext = p->fmt.ext_size;
	int rc;

	s->ctrlr = ctrlr;
	s->ns = p->ns;
	s->fmt = p->fmt;
	s->with_md = p->fmt.md_size != 0;
	s->rng = seed | 1;
	s->sector_size = ss;
	s->sectors_per_io = cfg->io_size / ss;
	s->unit_base = unit_base;
	s->num_units = num_units;
	s->random = cfg->workload == WL_RANDREAD || cfg->workload == WL_RANDWRITE ||
		    cfg->workload == WL_RANDRW;
	s->read_threshold = cfg->read_pct;
	perf_stats_hist_init(&s->st);
	if (cfg->verify) {
		s->unit_gen = calloc(num_units, sizeof(*s->unit_gen));
		s->unit_busy = calloc(num_units, 1);
		if (s->unit_gen == NULL || s->unit_busy == NULL)
			return -ENOMEM;
	}
	pnvme_ctrlr_get_default_io_qpair_opts(ctrlr, &qopts, sizeof(qopts));
	qopts.io_queue_size = queue_size_for(cfg, ctrlr, qopts.io_queue_size);
	/* Enough requests for the depth, split children included. */
	qopts.io_queue_requests = cfg->queue_depth *
		(1 + s->sectors_per_io * ext / pnvme_ctrlr_get_max_xfer_size(ctrlr) + 1) +
		qopts.io_queue_size;
	qopts.delay_doorbell = cfg->delay_doorbell;
	qopts.sq_doorbell_first = cfg->sq_doorbell_first;
	qopts.dptr_mode = cfg->dptr_mode;
	rc = pnvme_ctrlr_alloc_io_qpair(ctrlr, &qopts, &s->qpair);
	if (rc != 0) {
		if (rc == -EBUSY)
			fprintf(stderr, "pnvme-perf: %s: cannot allocate a qpair: the controller "
					"granted %u I/O queues, fewer than threads x namespaces x "
					"-P need\n", s->name, pnvme_ctrlr_get_num_io_queues(ctrlr));
		else if (rc == -ENOTSUP && cfg->dptr_mode == PNVME_DPTR_SGL)
			fprintf(stderr, "pnvme-perf: %s: --sgl, but the controller does not take SGLs "
					"(Identify SGLS 0x%08x); leave --sgl out or use --prp\n",
				s->name, pnvme_ctrlr_get_data(ctrlr)->sgls);
		else
			fprintf(stderr, "pnvme-perf: %s: cannot allocate a qpair: %s\n", s->name,
				strerror(-rc));
		s->qpair = NULL;
		return rc == -EBUSY ? -E2BIG : rc;
	}
	s->tasks = calloc(cfg->queue_depth, sizeof(*s->tasks));
	s->free = calloc(cfg->queue_depth, sizeof(*s->free));
	if (s->tasks == NULL || s->free == NULL)
		return -ENOMEM;
	s->num_tasks = cfg->queue_depth;
	if (cfg->latency_detail >= 3) {
		s->posted = calloc(cfg->queue_depth, sizeof(*s->posted));
		if (s->posted == NULL)
			return -ENOMEM;
		s->phases = true;
	}
	rc = alloc_buffers(s, s->sectors_per_io * ext, false);
	/* Separate metadata that moves (not with PRACT on 8-byte PI: md is NULL then). */
	if (rc == 0 && s->with_md && !p->fmt.md_extended && p->fmt.md_xfer != 0)
		rc = alloc_buffers(s, s->sectors_per_io * p->fmt.md_size, true);
	if (rc != 0)
		return rc;
	for (uint32_t i = 0; i < s->num_tasks; i++) {
		struct perf_task *t = &s->tasks[s->num_tasks - 1 - i];

		t->s = s;
		s->free[s->num_free++] = t;
	}
	return 0;
}

void perf_slot_fini(struct perf_slot *s)
{
	if (s->qpair != NULL)
		pnvme_ctrlr_free_io_qpair(s->qpair);
	for (uint32_t i = 0; s->buf_chunks != NULL && i < s->num_buf_chunks; i++)
		pnvme_dma_free(s->buf_chunks[i]);
	for (uint32_t i = 0; s->md_chunks != NULL && i < s->num_md_chunks; i++)
		pnvme_dma_free(s->md_chunks[i]);
	free(s->buf_chunks);
	free(s->md_chunks);
	free(s->tasks);
	free(s->free);
	free(s->posted);
	free(s->unit_gen);
	free(s->unit_busy);
	s->qpair = NULL;
	s->tasks = NULL;
	s->buf_chunks = NULL;
	s->md_chunks = NULL;
	s->free = NULL;
	s->unit_gen = NULL;
	s->unit_busy = NULL;
}
