/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The default: level error, no callback. Starting the EAL (without hugepages:
 * the notice about it stays quiet), attaching a controller, I/O and detach
 * write nothing at all to fds 1 and 2 - DPDK's lines included - and leave the
 * open-file limit where it was. Its own process: the EAL starts here.
 */
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

#include <CUnit/CUnit.h>

#include "common/capture.h"
#include "common/test_env.h"
#include "pnvme/nvme.h"

static void test_silent_at_error_level(void)
{
	struct fd_capture cap;
	struct rlimit before, after;
	struct pnvme_ctrlr *c = NULL;
	struct pnvme_qpair *qp = NULL;
	struct io_wait w[2] = {0};
	uint8_t *buf = NULL;
	char out[4096];
	size_t n;

	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_NOFILE, &before), 0);
	pnvme_log_set_level(PNVME_LOG_ERROR);
	CU_ASSERT_EQUAL_FATAL(capture_start(&cap), 0);
	CU_ASSERT_EQUAL(pnvme_connect("trtype:sim traddr:quiet size=16M", NULL, &c), 0);
	if (c != NULL) {
		struct pnvme_ns *ns = pnvme_ctrlr_get_ns(c, 1);
		uint64_t deadline = pnvme_ticks() + 10 * pnvme_ticks_hz();

		buf = pnvme_dma_zmalloc(8192, 4096, NULL);
		CU_ASSERT_EQUAL(pnvme_ctrlr_alloc_io_qpair(c, NULL, &qp), 0);
		if (qp != NULL && buf != NULL) {
			memset(buf, 0x77, 4096);
			CU_ASSERT_EQUAL(pnvme_ns_cmd_write(ns, qp, buf, 0, 8, io_cb, &w[0], 0), 0);
			CU_ASSERT_EQUAL(pnvme_ns_cmd_read(ns, qp, buf + 4096, 0, 8, io_cb, &w[1], 0),
					0);
			while (w[0].calls + w[1].calls < 2 && pnvme_ticks() < deadline)
				pnvme_qpair_process_completions(qp, 0);
		}
		pnvme_dma_free(buf);
		CU_ASSERT_EQUAL(pnvme_detach(c), 0);
	}
	n = capture_end(&cap, out, sizeof(out));
	CU_ASSERT_EQUAL(n, 0);
	if (n != 0)
		fprintf(stderr, "written to fds 1/2:\n%s", out);
	CU_ASSERT_EQUAL(w[0].calls + w[1].calls, 2);
	CU_ASSERT_EQUAL(getrlimit(RLIMIT_NOFILE, &after), 0);
	CU_ASSERT_EQUAL(after.rlim_cur, before.rlim_cur);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"error level, no callback: connect, I/O, detach print nothing",
		 test_silent_at_error_level},
		{NULL, NULL},
	};

	test_add_suite("quiet", NULL, NULL, tests);
	return test_run_all();
}
