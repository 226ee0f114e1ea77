/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine's state as both of its halves see it: io.c (the I/O path:
 * queue, commit, getevents, event) and engine.c (set-up, files, memory, the
 * ops table). Needs fio's headers.
 */
#ifndef PNVME_FIO_ENGINE_IO_H
#define PNVME_FIO_ENGINE_IO_H

#include <stdbool.h>
#include <stdint.h>

#include "fio.h"

#include "pnvme_fio.h"

/* Controllers one fio thread does I/O to. */
#define PFIO_MAX_QPAIRS 32
/* getevents() calls between looks at the clock for admin polling. */
#define PFIO_ADMIN_POLL_CALLS 256

struct pfio_thread;

/* One per io_u (io_u->engine_data). */
struct pfio_iou {
	struct pfio_thread *t;
	uint16_t status; /* sct << 8 | sc of a failed command, for errdetails */
};

struct pfio_qp {
	struct pfio_ctrlr *c;
	struct pnvme_qpair *qp;
};

/* One per fio thread (td->io_ops_data). */
struct pfio_thread {
	struct io_u **events; /* completed, not yet handed to fio */
	unsigned nevents;
	unsigned returned;    /* of those, handed out by the last getevents() */
	unsigned cap;
	unsigned nqps;
	bool batch;
	unsigned polls;
	bool stats;
	uint64_t commands;    /* accepted by the driver */
	uint64_t next_admin;  /* tick of the next admin poll */
	uint64_t admin_period;
	uint64_t hz;
	uint64_t ticks_per_ns_q20; /* ticks per ns, 20 fraction bits: no division */
	struct pfio_qp qps[PFIO_MAX_QPAIRS];
};

/* One per fio file (f->engine_data): a namespace, through this thread's qpair. */
struct pfio_file {
	struct pnvme_ns *ns;
	struct pnvme_qpair *qp;
	uint64_t mask;      /* sector size - 1 */
	uint32_t shift;     /* log2(sector size) */
	uint32_t io_flags;
	bool with_md;       /* PI through PRACT: the *_with_md calls, md NULL */
	uint16_t apptag;
	uint16_t apptag_mask;
	struct pfio_ctrlr *c;
};

enum fio_q_status pfio_queue(struct thread_data *td, struct io_u *io_u);
int pfio_commit(struct thread_data *td);
int pfio_getevents(struct thread_data *td, unsigned int min, unsigned int max,
		   const struct timespec *ts);
struct io_u *pfio_event(struct thread_data *td, int event);
char *pfio_errdetails(struct io_u *io_u);

#endif /* PNVME_FIO_ENGINE_IO_H */
