/* SPDX-License-Identifier: BSD-3-Clause */
/* The engine's options (options.c) as engine.c reads them and env.c applies them; no fio header. */
#ifndef PNVME_FIO_ENGINE_H
#define PNVME_FIO_ENGINE_H

#include <stdbool.h>
#include <stdint.h>

#include "pnvme/nvme.h"

/* fio's engine option block (td->eo); fio writes a pointer at offset 0. */
struct pfio_options {
	void *pad;
	unsigned int qsize;            /* --pnvme_qsize: I/O queue entries, 0: driver default */
	unsigned int shadow_doorbells; /* --pnvme_shadow_doorbells */
	unsigned int batch;            /* --pnvme_batch: SQ doorbell once per fio commit */
	char *dptr;                    /* --pnvme_dptr: auto, prp or sgl */
	unsigned int pract;            /* --pnvme_pract: controller inserts/strips PI */
	char *prchk;                   /* --pnvme_prchk: guard,reftag,apptag */
	unsigned int apptag;           /* --pnvme_apptag */
	unsigned int apptag_mask;      /* --pnvme_apptag_mask */
	unsigned int io_timeout_ms;    /* --pnvme_io_timeout_ms, 0: driver default */
	unsigned int no_huge;          /* --pnvme_no_huge */
	unsigned int mem_mb;           /* --pnvme_mem_mb: memory without hugepages */
	char *eal_args;                /* --pnvme_eal_args: extra EAL arguments */
	unsigned int stats;            /* --pnvme_stats: commands and doorbells at the end */
};

/* What the options ask of the driver; -EINVAL with err set for a bad value. */
int pfio_options_ctrlr(const struct pfio_options *o, struct pnvme_ctrlr_opts *opts);
int pfio_options_dptr(const struct pfio_options *o, enum pnvme_dptr_mode *mode, char *err,
		      size_t errlen);
int pfio_options_io_flags(const struct pfio_options *o, uint32_t *flags, char *err,
			  size_t errlen);
/* Start the environment once per process, with the first job's options. */
int pfio_env_start(const struct pfio_options *o, char *err, size_t errlen);

#endif /* PNVME_FIO_ENGINE_H */
