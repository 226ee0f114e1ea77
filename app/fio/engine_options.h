/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef PNVME_FIO_OPTIONS_H
#define PNVME_FIO_OPTIONS_H

/* The --pnvme_* options (options.c); needs fio's parse.h before it. */
extern struct fio_option pfio_fio_options[];

#endif /* PNVME_FIO_OPTIONS_H */
