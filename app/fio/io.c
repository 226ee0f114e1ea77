/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's I/O path. queue() builds a command with the SQ doorbell held
 * back, commit() rings it once per qpair for the batch, getevents() polls the
 * thread's qpairs and event() hands out what completed: no system call, lock,
 * allocation or division between them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_io.h"

static void pfio_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct io_u *io_u = arg;
	struct pfio_iou *pi = io_u->engine_data;
	struct pfio_thread *t = pi->t;

	if (__builtin_expect(pnvme_cpl_is_error(cpl), 0)) {
		pi->status = (uint16_t)(cpl->status.sct << 8 | cpl->status.sc);
		io_u->error = EIO;
	} else {
		io_u->error = 0;
	}
	/* Never more than iodepth outstanding: the array holds them all. */
	if (__builtin_expect(t->nevents < t->cap, 1))
		t->events[t->nevents++] = io_u;
}

enum fio_q_status pfio_queue(struct thread_data *td, struct io_u *io_u)
{
	struct pfio_file *pf = io_u->file->engine_data;
	struct pfio_iou *pi = io_u->engine_data;
	uint64_t lba = io_u->offset >> pf->shift;
	uint32_t n = (uint32_t)(io_u->xfer_buflen >> pf->shift);
	int rc;

	(void)td;
	pi->status = 0;
	if (__builtin_expect(((io_u->offset | io_u->xfer_buflen) & pf->mask) != 0, 0) &&
	    io_u->ddir != DDIR_SYNC && io_u->ddir != DDIR_DATASYNC) {
		io_u->error = EINVAL;
		return FIO_Q_COMPLETED;
	}
	switch (io_u->ddir) {
	case DDIR_READ:
		rc = pf->with_md ? pnvme_ns_cmd_read_with_md(pf->ns, pf->qp, io_u->xfer_buf, NULL,
							      lba, n, pfio_done, io_u, pf->io_flags,
							      pf->apptag_mask, pf->apptag)
				 : pnvme_ns_cmd_read(pf->ns, pf->qp, io_u->xfer_buf, lba, n,
						     pfio_done, io_u, pf->io_flags);
		break;
	case DDIR_WRITE:
		rc = pf->with_md ? pnvme_ns_cmd_write_with_md(pf->ns, pf->qp, io_u->xfer_buf, NULL,
							       lba, n, pfio_done, io_u, pf->io_flags,
							       pf->apptag_mask, pf->apptag)
				 : pnvme_ns_cmd_write(pf->ns, pf->qp, io_u->xfer_buf, lba, n,
						      pfio_done, io_u, pf->io_flags);
		break;
	case DDIR_TRIM:
		rc = pnvme_ns_cmd_deallocate(pf->ns, pf->qp, lba, n, pfio_done, io_u);
		break;
	case DDIR_SYNC:
	case DDIR_DATASYNC:
		rc = pnvme_ns_cmd_flush(pf->ns, pf->qp, pfio_done, io_u);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	if (__builtin_expect(rc == 0, 1)) {
		pi->t->commands++;
		return FIO_Q_QUEUED;
	}
	if (rc == -ENOMEM)
		return FIO_Q_BUSY; /* request pool empty: fio reaps, then queues again */
	io_u->error = -rc;
	return FIO_Q_COMPLETED;
}

int pfio_commit(struct thread_data *td)
{
	struct pfio_thread *t = td->io_ops_data;

	for (unsigned i = 0; i < t->nqps; i++)
		pnvme_qpair_flush(t->qps[i].qp);
	return 0;
}

/* Keep alive and asynchronous events: the admin queues, now and then. */
static void pfio_admin_poll(struct pfio_thread *t)
{
	uint64_t now = pnvme_ticks();

	if (now < t->next_admin)
		return;
	t->next_admin = now + t->admin_period;
	for (unsigned i = 0; i < t->nqps; i++)
		pnvme_ctrlr_process_admin_completions(t->qps[i].c->ctrlr);
}

int pfio_getevents(struct thread_data *td, unsigned int min, unsigned int max,
		   const struct timespec *ts)
{
	struct pfio_thread *t = td->io_ops_data;
	uint64_t deadline = 0;
	int dead = 0;

	/* Completions beyond the last call's max are handed out first. */
	if (__builtin_expect(t->returned != 0, 1)) {
		unsigned left = t->nevents - t->returned;

		if (left != 0)
			memmove(t->events, t->events + t->returned, left * sizeof(t->events[0]));
		t->nevents = left;
		t->returned = 0;
	}
	if (__builtin_expect((++t->polls & (PFIO_ADMIN_POLL_CALLS - 1)) == 0, 0))
		pfio_admin_poll(t);
	for (;;) {
		for (unsigned i = 0; i < t->nqps && t->nevents < max; i++) {
			int32_t rc = pnvme_qpair_process_completions(t->qps[i].qp,
								     max - t->nevents);

			if (__builtin_expect(rc < 0, 0))
				dead = rc;
		}
		if (t->nevents >= min || dead != 0)
			break;
		if (ts != NULL) {
			uint64_t now = pnvme_ticks();

			if (deadline == 0)
				deadline = now + (uint64_t)ts->tv_sec * t->hz +
					   (((uint64_t)ts->tv_nsec * t->ticks_per_ns_q20) >> 20);
			else if (now >= deadline)
				break;
		}
	}
	t->returned = t->nevents < max ? t->nevents : max;
	if (t->returned == 0 && dead != 0)
		return dead;
	return (int)t->returned;
}

struct io_u *pfio_event(struct thread_data *td, int event)
{
	struct pfio_thread *t = td->io_ops_data;

	return t->events[event];
}

char *pfio_errdetails(struct io_u *io_u)
{
	struct pfio_iou *pi = io_u->engine_data;
	char *s = NULL;

	if (pi != NULL && pi->status != 0) {
		uint8_t sct = (uint8_t)(pi->status >> 8), sc = (uint8_t)pi->status;

		if (asprintf(&s, "pnvme: NVMe status %s (SCT 0x%x, SC 0x%02x)",
			     pnvme_status_str(sct, sc), sct, sc) < 0)
			s = NULL;
	} else if (asprintf(&s, "pnvme: %s", strerror((int)io_u->error)) < 0) {
		s = NULL;
	}
	return s != NULL ? s : strdup("pnvme: error");
}
