/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging through a callback, when pnvme starts the EAL: with a callback set,
 * nothing reaches fds 1 and 2 while the EAL starts, a controller is attached,
 * does I/O, fails a call, and is detached; the callback gets DPDK's EAL lines
 * (level raised so that the EAL says something) and pnvme's, bring-up states
 * by name. Then fini shuts the EAL down for good and init says so. Its own
 * process: the EAL can start only once.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <CUnit/CUnit.h>

#include "common/capture.h"
#include "common/test_env.h"
#include "pnvme/nvme.h"

static char g_log[1 << 20];
static pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;

static void log_cb(void *arg, enum pnvme_log_level level, const char *component, const char *msg)
{
	size_t used;

	(void)arg;
	pthread_mutex_lock(&g_log_lock);
	used = strlen(g_log);
	snprintf(g_log + used, sizeof(g_log) - used, "%d %s: %s\n", (int)level, component, msg);
	pthread_mutex_unlock(&g_log_lock);
}

static bool logged(const char *words)
{
	return strstr(g_log, words) != NULL;
}

static bool wait_io(struct pnvme_qpair *qp, struct io_wait *w)
{
	uint64_t deadline = pnvme_ticks() + 10 * pnvme_ticks_hz();

	while (w->calls == 0 && pnvme_ticks() < deadline)
		pnvme_qpair_process_completions(qp, 0);
	return w->calls == 1;
}

static void test_everything_through_the_callback(void)
{
	struct fd_capture cap;
	struct pnvme_ctrlr *c = NULL, *bad = NULL;
	struct pnvme_qpair *qp = NULL;
	struct io_wait w[2] = {0};
	uint8_t *buf;
	char out[4096];
	size_t n;

	pnvme_log_set_level(PNVME_LOG_DEBUG);
	CU_ASSERT_EQUAL_FATAL(capture_start(&cap), 0);
	/* The EAL starts here, pnvme's way: its lines come to us. */
	CU_ASSERT_EQUAL(pnvme_env_init(NULL), 0);
	CU_ASSERT_EQUAL(pnvme_connect("trtype:sim traddr:logged size=16M", NULL, &c), 0);
	if (c != NULL) {
		struct pnvme_ns *ns = pnvme_ctrlr_get_ns(c, 1);

		buf = pnvme_dma_zmalloc(4096, 4096, NULL);
		CU_ASSERT_EQUAL(pnvme_ctrlr_alloc_io_qpair(c, NULL, &qp), 0);
		if (qp != NULL && buf != NULL) {
			memset(buf, 0x3c, 4096);
			CU_ASSERT_EQUAL(pnvme_ns_cmd_write(ns, qp, buf, 0, 8, io_cb, &w[0], 0), 0);
			CU_ASSERT_TRUE(wait_io(qp, &w[0]));
			/* An error: protection information flags on a namespace without any. */
			CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns, qp, buf, 0, 8, io_cb, &w[1],
							  PNVME_IO_FLAGS_PRCHK_GUARD),
					-EINVAL);
		}
		/* And another: a transport nobody knows. */
		CU_ASSERT_NOT_EQUAL(pnvme_connect("trtype:carrier-pigeon", NULL, &bad), 0);
		pnvme_dma_free(buf);
		CU_ASSERT_EQUAL(pnvme_detach(c), 0);
	}
	n = capture_end(&cap, out, sizeof(out));
	CU_ASSERT_EQUAL(n, 0);
	if (n != 0)
		fprintf(stderr, "written to fds 1/2:\n%s", out);

	CU_ASSERT_TRUE(logged("eal: ")); /* DPDK's own, e.g. the lcores it found */
	CU_ASSERT_TRUE(logged("Selected IOVA mode"));
	CU_ASSERT_TRUE(logged("2 env: no hugepages reserved and mounted")); /* a notice */
	CU_ASSERT_TRUE(logged("ctrlr: sim logged: ready"));
	CU_ASSERT_TRUE(logged("state: identify controller")); /* by name, not number */
	CU_ASSERT_TRUE(logged("0 ns: namespace 1: protection information flags"));
	CU_ASSERT_TRUE(logged("0 pci: unknown transport type 'carrier-pigeon'"));
	CU_ASSERT_FALSE(logged("\n\n")); /* one line each, no stray newlines */
}

static void test_fini_then_init_refused(void)
{
	struct fd_capture cap;
	struct pnvme_ctrlr *c = NULL;
	char out[4096];

	pnvme_log_set_level(PNVME_LOG_ERROR);
	g_log[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(capture_start(&cap), 0);
	CU_ASSERT_EQUAL(pnvme_connect("trtype:sim traddr:held", NULL, &c), 0);
	pnvme_env_fini(); /* a controller is attached: refused */
	CU_ASSERT_TRUE(pnvme_env_is_initialized());
	CU_ASSERT_TRUE(logged("detach them first"));
	CU_ASSERT_EQUAL(pnvme_detach(c), 0);
	pnvme_env_fini();
	CU_ASSERT_FALSE(pnvme_env_is_initialized());
	/* pnvme started this EAL and shut it down: DPDK cannot start another. */
	CU_ASSERT_EQUAL(pnvme_env_init(NULL), -ESHUTDOWN);
	CU_ASSERT_EQUAL(pnvme_connect("trtype:sim", NULL, &c), -ESHUTDOWN);
	CU_ASSERT_PTR_NULL(pnvme_dma_zmalloc(4096, 0, NULL));
	CU_ASSERT_EQUAL(errno, ESHUTDOWN);
	CU_ASSERT_TRUE(logged("cannot start one again in this process"));
	CU_ASSERT_EQUAL(capture_end(&cap, out, sizeof(out)), 0);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"with a callback: EAL and pnvme lines to it, nothing to fds 1/2",
		 test_everything_through_the_callback},
		{"fini shuts pnvme's EAL down; init then says it cannot start another",
		 test_fini_then_init_refused},
		{NULL, NULL},
	};

	pnvme_log_set_callback(log_cb, NULL);
	test_add_suite("log", NULL, NULL, tests);
	return test_run_all();
}
