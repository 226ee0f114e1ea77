/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "common/capture.h"

int capture_start(struct fd_capture *c)
{
	char path[] = "/tmp/pnvme-capture-XXXXXX";

	fflush(stdout);
	fflush(stderr);
	c->fd = mkstemp(path);
	if (c->fd < 0)
		return -1;
	unlink(path);
	c->saved_out = dup(1);
	c->saved_err = dup(2);
	if (c->saved_out < 0 || c->saved_err < 0 || dup2(c->fd, 1) < 0 || dup2(c->fd, 2) < 0)
		return -1;
	return 0;
}

size_t capture_end(struct fd_capture *c, char *buf, size_t len)
{
	ssize_t n;

	fflush(stdout);
	fflush(stderr);
	dup2(c->saved_out, 1);
	dup2(c->saved_err, 2);
	close(c->saved_out);
	close(c->saved_err);
	n = pread(c->fd, buf, len - 1, 0);
	close(c->fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	return (size_t)n;
}
