/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme_mem_unregister()'s question to the driver: has a request whose data or
 * metadata lies in [start, start+len) not completed yet, on any queue of any
 * attached controller?
 *
 * Nothing is added to the I/O path for it. Every request of a qpair lives in
 * its fixed pool (qp->reqs) from allocation to completion, and its payload
 * type is NONE exactly while it is free (nvme_request_put clears it, on a
 * cache line the put writes anyway). A request submitted before the
 * unregister began keeps its type and payload until it completes, wherever it
 * is in between (software queue, tracker, resubmission after a reset), so a
 * walk over the pools finds it, whatever the owner threads do meanwhile.
 *
 * The owners keep running: the walk reads their requests with plain atomic
 * loads and may see requests that are being reused. That only matters for
 * requests on other memory; they can make the answer a cautious "busy", never
 * hide a request on the region. The one thing the caller must promise is
 * that nothing is submitted on the region while it unregisters it (env.h).
 *
 * Pools are pnvme's own memory and live as long as their qpair, which cannot
 * be freed while we hold its controller's admin lock. Iovec arrays are the
 * caller's: they are read with process_vm_readv, which fails cleanly (EFAULT)
 * on memory that a completing request's owner has just freed.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <unistd.h>

#include "ctrlr.h"
#include "env/log.h"
#include "env/mem.h"

#define PEEK(x) __atomic_load_n(&(x), __ATOMIC_RELAXED)
#define IOV_CHUNK 32
#define LOCK_RETRY_US 100
#define LOCK_RETRY_MAX 100000 /* 10 s of admin locks held elsewhere: give up (busy) */

static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pnvme_ctrlr **g_ctrlrs;
static size_t g_num, g_cap;

struct scan {
	uintptr_t start;
	uint64_t len;
	bool unknown; /* an iovec could not be read: say busy */
};

static bool overlaps(const struct scan *s, uintptr_t a, uint64_t alen)
{
	return alen != 0 && a < s->start + s->len && s->start < a + alen;
}

/* Bytes [offset, offset+size) of the iovec's stream, element by element. */
static bool iov_busy(struct scan *s, const struct iovec *iov, uint16_t iovcnt, uint32_t offset,
		     uint32_t size)
{
	uint64_t pos = 0, end = (uint64_t)offset + size;
	struct iovec chunk[IOV_CHUNK];

	for (unsigned i = 0; i < iovcnt && pos < end;) {
		unsigned n = iovcnt - i < IOV_CHUNK ? iovcnt - i : IOV_CHUNK;
		struct iovec local = {chunk, n * sizeof(*chunk)};
		struct iovec remote = {(void *)(iov + i), n * sizeof(*chunk)};
		ssize_t got = process_vm_readv(getpid(), &local, 1, &remote, 1, 0);

		if (got != (ssize_t)(n * sizeof(*chunk))) {
			/* EFAULT: gone, so its request completed. Anything else: cannot look. */
			if (got >= 0 || errno != EFAULT)
				s->unknown = true;
			return false;
		}
		for (unsigned k = 0; k < n && pos < end; k++) {
			uint64_t a = pos > offset ? pos : offset;
			uint64_t b = pos + chunk[k].iov_len < end ? pos + chunk[k].iov_len : end;

			if (a < b && overlaps(s, (uintptr_t)chunk[k].iov_base + (a - pos), b - a))
				return true;
			pos += chunk[k].iov_len;
		}
		i += n;
	}
	return false;
}

static bool req_busy(struct scan *s, struct nvme_request *req)
{
	uint64_t mptr;

	switch (PEEK(req->payload_type)) {
	case NVME_PAYLOAD_CONTIG:
	case NVME_PAYLOAD_CONTIG_SGL:
		if (overlaps(s, (uintptr_t)PEEK(req->payload.buf), PEEK(req->payload_size)))
			return true;
		break;
	case NVME_PAYLOAD_IOV:
	case NVME_PAYLOAD_IOV_SGL:
		if (iov_busy(s, PEEK(req->payload.iov), PEEK(req->iovcnt), PEEK(req->iov_offset),
			     PEEK(req->payload_size)))
			return true;
		break;
	default:
		/* Free; no data (a split parent: its children carry it); DSM ranges (copied). */
		return false;
	}
	/*
	 * Separate metadata: one buffer that vtophys found whole in one region,
	 * and registered memory exists only with IOVA = VA, so MPTR is its address.
	 */
	mptr = PEEK(req->cmd_partial) ? 0 : PEEK(req->cmd.mptr); /* partial: no MPTR */
	return mptr != 0 && mptr - s->start < s->len;
}

static bool qpair_busy(struct scan *s, struct pnvme_qpair *qp)
{
	for (uint32_t i = 0; i < qp->num_requests; i++) {
		if (req_busy(s, &qp->reqs[i]))
			return true;
	}
	return false;
}

/* 1 busy, 0 not, -EAGAIN if an admin lock is taken elsewhere, -EDEADLK from an admin callback. */
static int scan_all(struct scan *s)
{
	int rc = 0;

	pthread_mutex_lock(&g_lock);
	for (size_t i = 0; i < g_num && rc == 0; i++) {
		struct pnvme_ctrlr *c = g_ctrlrs[i];

		/*
		 * Never wait for an admin lock while holding ours: its holder
		 * may be an admin callback waiting for ours in an unregister.
		 */
		if (pthread_mutex_trylock(&c->admin_lock) != 0) {
			rc = -EAGAIN;
			break;
		}
		/* Recursive: we hold it only if no one else does, or if we are inside it. */
		if (c->adminq.in_completion) {
			rc = -EDEADLK;
		} else if (qpair_busy(s, &c->adminq)) {
			rc = 1;
		} else {
			for (struct pnvme_qpair *qp = c->qpairs; qp != NULL && rc == 0;
			     qp = qp->next_in_ctrlr)
				rc = qpair_busy(s, qp) ? 1 : 0;
		}
		pthread_mutex_unlock(&c->admin_lock);
	}
	pthread_mutex_unlock(&g_lock);
	return rc;
}

static int range_busy(uintptr_t start, uint64_t len)
{
	struct scan s = {.start = start, .len = len};
	int rc;

	for (unsigned attempt = 0;; attempt++) {
		rc = scan_all(&s);
		if (rc != -EAGAIN)
			break;
		if (attempt == LOCK_RETRY_MAX) {
			PNVME_ERRLOG("mem", "a controller's admin lock stayed taken for 10 s: cannot "
					    "check [%#lx, +%#lx) for I/O",
				     (unsigned long)start, (unsigned long)len);
			return 1;
		}
		usleep(LOCK_RETRY_US);
	}
	if (rc == -EDEADLK) {
		PNVME_ERRLOG("mem", "pnvme_mem_unregister() from an admin or AER callback: not "
				    "allowed");
		return rc;
	}
	if (rc == 0 && s.unknown) {
		PNVME_ERRLOG("mem", "cannot read an outstanding request's iovec "
				    "(process_vm_readv refused): treating [%#lx, +%#lx) as busy",
			     (unsigned long)start, (unsigned long)len);
		return 1;
	}
	return rc;
}

int nvme_mem_track(struct pnvme_ctrlr *c)
{
	int rc = 0;

	pthread_mutex_lock(&g_lock);
	if (g_num == g_cap) {
		size_t cap = g_cap ? 2 * g_cap : 8;
		struct pnvme_ctrlr **p = realloc(g_ctrlrs, cap * sizeof(*p));

		if (p == NULL) {
			rc = -ENOMEM;
			goto out;
		}
		g_ctrlrs = p;
		g_cap = cap;
	}
	g_ctrlrs[g_num++] = c;
	if (g_num == 1)
		env_mem_set_busy_check(range_busy);
out:
	pthread_mutex_unlock(&g_lock);
	return rc;
}

void nvme_mem_untrack(struct pnvme_ctrlr *c)
{
	pthread_mutex_lock(&g_lock);
	for (size_t i = 0; i < g_num; i++) {
		if (g_ctrlrs[i] == c) {
			g_ctrlrs[i] = g_ctrlrs[--g_num];
			break;
		}
	}
	pthread_mutex_unlock(&g_lock);
}
