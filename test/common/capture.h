/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a library writes to the process's stdout and stderr: fds 1 and 2 go to
 * a temporary file between start and end (anything a thread writes there, by
 * any means), and end hands the bytes back.
 */
#ifndef PNVME_TEST_CAPTURE_H
#define PNVME_TEST_CAPTURE_H

#include <stddef.h>

struct fd_capture {
	int fd, saved_out, saved_err;
};

/* 0, or -1 if the fds could not be redirected. */
int capture_start(struct fd_capture *c);
/* Put fds 1 and 2 back; buf gets what was written (NUL-terminated), the return its length. */
size_t capture_end(struct fd_capture *c, char *buf, size_t len);

#endif
