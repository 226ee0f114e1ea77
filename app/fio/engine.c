/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme as a fio ioengine: ioengine=external:build/lib/pnvme_fio.so, thread=1,
 * filename=trtype=pcie traddr=0000.00.04.0 ns=1 (docs/fio.md).
 *
 * Set-up (fio's main thread) attaches the controllers the job's files name,
 * shared with every other file and job (ctrlrs.c); each fio thread gets one
 * qpair per controller it uses when it opens a file; fio's buffers are DMA
 * memory. The I/O path is io.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fio.h"
#include "optgroup.h"

#include "engine.h"
#include "engine_io.h"
#include "engine_options.h"
#include "pnvme_fio.h"

/* ------------------------------------------------------------ set-up */

static void pfio_error(struct thread_data *td, int err, const char *file, const char *msg)
{
	if (file != NULL)
		log_err("pnvme: filename '%s': %s\n", file, msg);
	else
		log_err("pnvme: %s\n", msg);
	td_verror(td, err, "pnvme");
}

static void pfio_file_release(struct fio_file *f)
{
	struct pfio_file *pf = f->engine_data;

	if (pf == NULL)
		return;
	pfio_ctrlr_put(pf->c);
	free(pf);
	f->engine_data = NULL;
}

/* The namespace's format against the PI options; 0 or -EINVAL with err set. */
static int pfio_file_format(struct pfio_file *pf, const struct pfio_options *o,
			    uint32_t io_flags, char *err, size_t errlen)
{
	uint32_t md = pnvme_ns_get_md_size(pf->ns);
	enum pnvme_pi_type pi = pnvme_ns_get_pi_type(pf->ns);
	uint32_t ss = pnvme_ns_get_sector_size(pf->ns);

	pf->shift = (uint32_t)__builtin_ctz(ss);
	pf->mask = ss - 1u;
	pf->io_flags = io_flags;
	pf->apptag = (uint16_t)o->apptag;
	pf->apptag_mask = (uint16_t)o->apptag_mask;
	if (md == 0) {
		if (io_flags != 0) {
			snprintf(err, errlen, "namespace %u has no protection information: "
					      "--pnvme_pract and --pnvme_prchk need one",
				 pnvme_ns_get_id(pf->ns));
			return -EINVAL;
		}
		return 0;
	}
	if (pi == PNVME_PI_NONE || md != 8 || !o->pract) {
		snprintf(err, errlen, "namespace %u has %u bytes of metadata per block (PI %s): "
				      "the engine moves none, so it needs 8 bytes of PI and "
				      "--pnvme_pract=1 (the controller inserts and strips it)",
			 pnvme_ns_get_id(pf->ns), md, pi == PNVME_PI_NONE ? "none" : "on");
		return -EINVAL;
	}
	pf->with_md = true;
	return 0;
}

static int pfio_setup(struct thread_data *td)
{
	struct pfio_options *o = td->eo;
	struct pnvme_ctrlr_opts copts;
	enum pnvme_dptr_mode dptr;
	char err[PFIO_ERR_MAX] = "";
	uint32_t io_flags;
	struct fio_file *f;
	unsigned int i;

	if (!td->o.use_thread) {
		pfio_error(td, EINVAL, NULL,
			   "fio must run this job as a thread: add thread=1 to the job file "
			   "(or --thread): the controllers, queues and DMA memory belong to "
			   "one process");
		return 1;
	}
	if (pfio_options_dptr(o, &dptr, err, sizeof(err)) != 0 ||
	    pfio_options_io_flags(o, &io_flags, err, sizeof(err)) != 0) {
		pfio_error(td, EINVAL, NULL, err);
		return 1;
	}
	if (pfio_env_start(o, err, sizeof(err)) < 0) {
		pfio_error(td, EIO, NULL, err);
		return 1;
	}
	pfio_options_ctrlr(o, &copts);
	/* fio's threads poll the admin queues only now and then. */
	copts.keep_alive_ms = 0;
	for_each_file(td, f, i) {
		struct pfio_target target;
		struct pfio_file *pf;
		int rc;

		if (f->engine_data != NULL)
			continue;
		pf = calloc(1, sizeof(*pf));
		if (pf == NULL) {
			pfio_error(td, ENOMEM, f->file_name, "out of memory");
			goto fail;
		}
		rc = pfio_filename_parse(f->file_name, &target, err, sizeof(err));
		if (rc == 0)
			rc = pfio_ctrlr_get(&target, &copts, &pf->c, err, sizeof(err));
		if (rc != 0) {
			free(pf);
			pfio_error(td, -rc, f->file_name, err);
			goto fail;
		}
		f->engine_data = pf;
		pf->ns = pfio_ns_get(pf->c, target.nsid, err, sizeof(err));
		if (pf->ns == NULL || pfio_file_format(pf, o, io_flags, err, sizeof(err)) != 0) {
			pfio_error(td, pf->ns == NULL ? ENODEV : EINVAL, f->file_name, err);
			goto fail;
		}
		f->real_file_size = pnvme_ns_get_size(pf->ns);
		fio_file_set_size_known(f);
	}
	return 0;
fail:
	for_each_file(td, f, i)
		pfio_file_release(f);
	return 1;
}

static int pfio_init(struct thread_data *td)
{
	struct pfio_options *o = td->eo;
	struct pfio_thread *t;
	char err[PFIO_ERR_MAX] = "";

	if (!td->o.use_thread) {
		pfio_error(td, EINVAL, NULL, "fio must run this job as a thread: add thread=1");
		return 1;
	}
	if (pfio_env_start(o, err, sizeof(err)) < 0) {
		pfio_error(td, EIO, NULL, err);
		return 1;
	}
	t = calloc(1, sizeof(*t));
	if (t != NULL) {
		t->cap = td->o.iodepth ? td->o.iodepth : 1;
		t->events = calloc(t->cap, sizeof(t->events[0]));
	}
	if (t == NULL || t->events == NULL) {
		free(t);
		pfio_error(td, ENOMEM, NULL, "out of memory");
		return 1;
	}
	t->batch = o->batch != 0;
	t->stats = o->stats != 0;
	t->hz = pnvme_ticks_hz();
	t->ticks_per_ns_q20 = (t->hz << 20) / 1000000000u;
	t->admin_period = t->hz / 10;
	t->next_admin = pnvme_ticks() + t->admin_period;
	td->io_ops_data = t;
	return 0;
}

static void pfio_cleanup(struct thread_data *td)
{
	struct pfio_thread *t = td->io_ops_data;
	struct fio_file *f;
	unsigned int i;

	if (t != NULL) {
		struct pnvme_qpair_stats st, sum = {0};

		for (i = 0; i < t->nqps; i++) {
			pnvme_qpair_get_stats(t->qps[i].qp, &st);
			sum.sq_doorbell_writes += st.sq_doorbell_writes;
			sum.cq_doorbell_writes += st.cq_doorbell_writes;
			sum.invalid_completions += st.invalid_completions;
			pnvme_ctrlr_free_io_qpair(t->qps[i].qp);
		}
		/* stderr: fio's own output may be JSON. */
		if (t->stats)
			fprintf(stderr, "pnvme: %s thread %u: %llu commands, %llu SQ doorbell writes, "
					"%llu CQ doorbell writes, %llu invalid completions, %u qpairs\n",
				td->o.name, td->thread_number, (unsigned long long)t->commands,
				(unsigned long long)sum.sq_doorbell_writes,
				(unsigned long long)sum.cq_doorbell_writes,
				(unsigned long long)sum.invalid_completions, t->nqps);
		free(t->events);
		free(t);
		td->io_ops_data = NULL;
	}
	if (td->files == NULL)
		return;
	for_each_file(td, f, i)
		pfio_file_release(f);
}

/* Requests a thread may need at once: fio's I/O, each split into pieces. */
static uint32_t pfio_requests(struct thread_data *td, struct pnvme_ctrlr *ctrlr,
			      uint32_t queue_size)
{
	unsigned long long max_bs = td->o.max_bs[DDIR_READ];
	uint32_t xfer = pnvme_ctrlr_get_max_xfer_size(ctrlr);
	uint64_t pieces, want;

	if (td->o.max_bs[DDIR_WRITE] > max_bs)
		max_bs = td->o.max_bs[DDIR_WRITE];
	pieces = xfer ? max_bs / xfer + 2 : 2;
	want = (uint64_t)td->o.iodepth * pieces;
	if (want < 2ull * queue_size)
		want = 2ull * queue_size;
	return want > 65536 ? 65536 : (uint32_t)want;
}

static int pfio_open_file(struct thread_data *td, struct fio_file *f)
{
	struct pfio_options *o = td->eo;
	struct pfio_thread *t = td->io_ops_data;
	struct pfio_file *pf = f->engine_data;
	struct pnvme_io_qpair_opts qopts;
	char err[PFIO_ERR_MAX] = "";
	struct pfio_qp *q;
	int rc;

	if (t == NULL || pf == NULL) {
		pfio_error(td, EINVAL, f->file_name, "opened before the engine's set-up");
		return 1;
	}
	if (pf->qp != NULL)
		return 0;
	for (unsigned i = 0; i < t->nqps; i++) {
		if (t->qps[i].c == pf->c) {
			pf->qp = t->qps[i].qp;
			return 0;
		}
	}
	if (t->nqps == PFIO_MAX_QPAIRS) {
		snprintf(err, sizeof(err), "one thread does I/O to at most %d controllers",
			 PFIO_MAX_QPAIRS);
		pfio_error(td, EINVAL, f->file_name, err);
		return 1;
	}
	q = &t->qps[t->nqps];
	pnvme_ctrlr_get_default_io_qpair_opts(pf->c->ctrlr, &qopts, sizeof(qopts));
	if (o->qsize != 0)
		qopts.io_queue_size = o->qsize;
	qopts.io_queue_requests = pfio_requests(td, pf->c->ctrlr, qopts.io_queue_size);
	qopts.delay_doorbell = t->batch;
	if (pfio_options_dptr(o, &qopts.dptr_mode, err, sizeof(err)) != 0) {
		pfio_error(td, EINVAL, f->file_name, err);
		return 1;
	}
	rc = pnvme_ctrlr_alloc_io_qpair(pf->c->ctrlr, &qopts, &q->qp);
	if (rc != 0) {
		snprintf(err, sizeof(err), "cannot allocate an I/O queue pair on %s: %s%s",
			 pf->c->key, strerror(-rc),
			 rc == -ENOTSUP && qopts.dptr_mode == PNVME_DPTR_SGL ?
				 " (--pnvme_dptr=sgl: the controller takes no SGLs)" : "");
		pfio_error(td, -rc, f->file_name, err);
		return 1;
	}
	q->c = pf->c;
	t->nqps++;
	pf->qp = q->qp;
	return 0;
}

static int pfio_close_file(struct thread_data *td, struct fio_file *f)
{
	(void)td;
	(void)f;
	return 0; /* the qpair stays with the thread until cleanup */
}

static int pfio_get_file_size(struct thread_data *td, struct fio_file *f)
{
	struct pfio_file *pf = f->engine_data;

	(void)td;
	if (pf == NULL)
		return EINVAL;
	f->real_file_size = pnvme_ns_get_size(pf->ns);
	fio_file_set_size_known(f);
	return 0;
}

static int pfio_io_u_init(struct thread_data *td, struct io_u *io_u)
{
	struct pfio_iou *pi = calloc(1, sizeof(*pi));

	if (pi == NULL)
		return 1;
	pi->t = td->io_ops_data;
	io_u->engine_data = pi;
	return 0;
}

static void pfio_io_u_free(struct thread_data *td, struct io_u *io_u)
{
	(void)td;
	free(io_u->engine_data);
	io_u->engine_data = NULL;
}

/* fio's I/O buffers in DMA memory: the controller reads and writes them directly. */
static int pfio_iomem_alloc(struct thread_data *td, size_t total)
{
	td->orig_buffer = pnvme_dma_zmalloc(total, 4096, NULL);
	if (td->orig_buffer == NULL) {
		log_err("pnvme: cannot allocate %zu bytes of DMA memory for fio's buffers "
			"(hugepages reserved? --pnvme_mem_mb without them)\n", total);
		return 1;
	}
	return 0;
}

static void pfio_iomem_free(struct thread_data *td)
{
	pnvme_dma_free(td->orig_buffer);
}

/* fio finds the engine by this name (dlsym). */
struct ioengine_ops ioengine = {
	.name = "pnvme",
	.version = FIO_IOOPS_VERSION,
	.flags = FIO_RAWIO | FIO_NOEXTEND | FIO_NODISKUTIL | FIO_MEMALIGN | FIO_DISKLESSIO,
	.setup = pfio_setup,
	.init = pfio_init,
	.queue = pfio_queue,
	.commit = pfio_commit,
	.getevents = pfio_getevents,
	.event = pfio_event,
	.errdetails = pfio_errdetails,
	.cleanup = pfio_cleanup,
	.open_file = pfio_open_file,
	.close_file = pfio_close_file,
	.get_file_size = pfio_get_file_size,
	.io_u_init = pfio_io_u_init,
	.io_u_free = pfio_io_u_free,
	.iomem_alloc = pfio_iomem_alloc,
	.iomem_free = pfio_iomem_free,
	.option_struct_size = sizeof(struct pfio_options),
	.options = pfio_fio_options,
};
