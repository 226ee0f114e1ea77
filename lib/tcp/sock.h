/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A non-blocking TCP client socket. Only connecting waits (poll, bounded);
 * sending and receiving never block: they move what the kernel takes or has
 * and say how much, straight from and into the caller's buffers.
 */
#ifndef PNVME_TCP_SOCK_H
#define PNVME_TCP_SOCK_H

#include <sys/types.h>
#include <sys/uio.h>

struct nvme_tcp_sock {
	int fd;
};

/*
 * Connect to traddr (IPv4 or IPv6, numeric) port trsvcid within timeout_ms;
 * the socket is non-blocking with TCP_NODELAY. 0, or a negative errno:
 * -EINVAL for an address that does not parse, -ETIMEDOUT, -ECONNREFUSED...
 */
int nvme_tcp_sock_connect(struct nvme_tcp_sock *s, const char *traddr, const char *trsvcid,
			  int timeout_ms);

/* Take an already connected socket (a socketpair in tests): made non-blocking. */
int nvme_tcp_sock_from_fd(struct nvme_tcp_sock *s, int fd);

/* Bytes sent (0 when the socket buffer is full), or a negative errno. */
ssize_t nvme_tcp_sock_sendv(struct nvme_tcp_sock *s, const struct iovec *iov, int iovcnt);

/* Bytes received (0 when nothing is there), -ECONNRESET when the peer closed;
 * iov holds at least one byte. */
ssize_t nvme_tcp_sock_recvv(struct nvme_tcp_sock *s, const struct iovec *iov, int iovcnt);

/* Wait up to timeout_ms for POLLIN/POLLOUT: 1 ready, 0 timed out, negative errno. */
int nvme_tcp_sock_wait(struct nvme_tcp_sock *s, short events, int timeout_ms);

void nvme_tcp_sock_close(struct nvme_tcp_sock *s);

#endif
