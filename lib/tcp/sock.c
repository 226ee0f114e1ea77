/* SPDX-License-Identifier: BSD-3-Clause */
/* Non-blocking TCP client sockets (sock.h). */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sock.h"

static int nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return -errno;
	return 0;
}

int nvme_tcp_sock_wait(struct nvme_tcp_sock *s, short events, int timeout_ms)
{
	struct pollfd p = {.fd = s->fd, .events = events};
	int rc;

	do {
		rc = poll(&p, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -errno;
	return rc > 0 ? 1 : 0;
}

static int connect_one(const struct addrinfo *ai, int timeout_ms)
{
	int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	int one = 1, err = 0, rc;
	socklen_t len = sizeof(err);
	struct nvme_tcp_sock s = {.fd = fd};

	if (fd < 0)
		return -errno;
	/* Commands are small and latency is what counts: no Nagle. */
	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		goto fail_errno;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return fd;
	if (errno != EINPROGRESS)
		goto fail_errno;
	rc = nvme_tcp_sock_wait(&s, POLLOUT, timeout_ms);
	if (rc <= 0) {
		close(fd);
		return rc == 0 ? -ETIMEDOUT : rc;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		goto fail_errno;
	if (err != 0) {
		close(fd);
		return -err;
	}
	return fd;
fail_errno:
	err = errno;
	close(fd);
	return -err;
}

int nvme_tcp_sock_connect(struct nvme_tcp_sock *s, const char *traddr, const char *trsvcid,
			  int timeout_ms)
{
	struct addrinfo hints = {
	    .ai_family = AF_UNSPEC,
	    .ai_socktype = SOCK_STREAM,
	    .ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, /* no name service on this path */
	};
	struct addrinfo *res = NULL;
	int fd = -EINVAL;

	s->fd = -1;
	if (!traddr || !trsvcid || getaddrinfo(traddr, trsvcid, &hints, &res) != 0 || !res)
		return -EINVAL;
	fd = connect_one(res, timeout_ms);
	freeaddrinfo(res);
	if (fd < 0)
		return fd;
	s->fd = fd;
	return 0;
}

int nvme_tcp_sock_from_fd(struct nvme_tcp_sock *s, int fd)
{
	s->fd = fd; /* the caller's no more, even on error: nvme_tcp_sock_close() closes it */
	return nonblock(fd);
}

ssize_t nvme_tcp_sock_sendv(struct nvme_tcp_sock *s, const struct iovec *iov, int iovcnt)
{
	struct msghdr msg = {.msg_iov = (struct iovec *)(uintptr_t)iov,
			     .msg_iovlen = (size_t)iovcnt};
	ssize_t n;

	do {
		/* No SIGPIPE for a peer that went away: the caller gets -EPIPE. */
		n = sendmsg(s->fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n >= 0)
		return n;
	return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
}

ssize_t nvme_tcp_sock_recvv(struct nvme_tcp_sock *s, const struct iovec *iov, int iovcnt)
{
	struct msghdr msg = {.msg_iov = (struct iovec *)(uintptr_t)iov,
			     .msg_iovlen = (size_t)iovcnt};
	ssize_t n;

	do {
		n = recvmsg(s->fd, &msg, MSG_DONTWAIT);
	} while (n < 0 && errno == EINTR);
	if (n > 0)
		return n;
	if (n == 0)
		return -ECONNRESET;
	return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
}

void nvme_tcp_sock_close(struct nvme_tcp_sock *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}
