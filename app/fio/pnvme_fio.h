/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pnvme fio ioengine's parts that need no fio header: fio filenames as
 * transport IDs (filename.c) and the controllers shared by every file, job and
 * thread of one fio process (ctrlrs.c). engine.c and options.c glue them to fio.
 */
#ifndef PNVME_FIO_H
#define PNVME_FIO_H

#include <stddef.h>
#include <stdint.h>

#include "pnvme/nvme.h"

#define PFIO_NQN_MAX 224 /* NVMe-oF: at most 223 bytes */
/* "trtype:tcp traddr:A trsvcid:P subnqn:N" is the longest. */
#define PFIO_KEY_MAX (PNVME_TRTYPE_MAX + PNVME_TRADDR_MAX + PFIO_NQN_MAX + 64)
#define PFIO_TRID_MAX (PFIO_KEY_MAX + PNVME_TRPARAMS_MAX)
#define PFIO_ERR_MAX 640 /* a message that names a controller (its key) */

/* The software controller a "trtype=sim" filename without traddr names. */
#define PFIO_SIM_DEFAULT_NAME "fio"

/*
 * One fio filename, "trtype=pcie traddr=0000.00.04.0 ns=1" or
 * "trtype=sim nn=2 size=256M ns=2": words split on whitespace, each key=value.
 *   trtype  pcie or sim (required)
 *   traddr  pcie: the PCI address, '.' or ':' between its fields (fio splits
 *           filenames on ':'); sim: the controller's name (default "fio")
 *   ns      the namespace ID (default 1)
 *   nn      sim: namespaces the controller has (the sim's own "ns" parameter)
 *   other   sim: passed to the software controller as given (docs/sim.md)
 */
struct pfio_target {
	char key[PFIO_KEY_MAX];   /* "trtype:pcie traddr:0000:00:04.0": one controller */
	char params[PNVME_TRPARAMS_MAX]; /* the controller's parameters (sim, tcp) */
	char trid[PFIO_TRID_MAX]; /* for pnvme_connect(): key and params */
	uint32_t nsid;
};

/* 0, or -EINVAL with one line in err saying what is wrong. */
int pfio_filename_parse(const char *name, struct pfio_target *t, char *err, size_t errlen);

/* A controller attached for fio: shared, reference counted. */
struct pfio_ctrlr {
	struct pfio_ctrlr *next;
	char key[PFIO_KEY_MAX];
	char params[PNVME_TRPARAMS_MAX];
	struct pnvme_ctrlr *ctrlr;
	unsigned refs;
};

/*
 * The controller t names, attached with opts (NULL: defaults) when no other
 * file holds it, else the one attached, with one more reference. A second
 * file naming the same controller with other parameters fails (-EEXIST): the
 * first attach decided them. Returns 0 or a negative errno with err set.
 */
int pfio_ctrlr_get(const struct pfio_target *t, const struct pnvme_ctrlr_opts *opts,
		   struct pfio_ctrlr **out, char *err, size_t errlen);
/* One reference less; the last one detaches the controller. */
void pfio_ctrlr_put(struct pfio_ctrlr *c);
/* Controllers attached now (for tests). */
unsigned pfio_ctrlr_count(void);

/*
 * The namespace t asks for on c, checked: active, a power-of-two sector size.
 * NULL with err set when it does not exist or cannot be used.
 */
struct pnvme_ns *pfio_ns_get(struct pfio_ctrlr *c, uint32_t nsid, char *err, size_t errlen);

#endif /* PNVME_FIO_H */
