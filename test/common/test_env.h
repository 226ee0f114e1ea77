/* SPDX-License-Identifier: BSD-3-Clause */
/* Shared by the CUnit binaries: start the environment and run the registry. */
#ifndef PNVME_TEST_ENV_H
#define PNVME_TEST_ENV_H

#include <CUnit/CUnit.h>

#include "pnvme/nvme_spec.h"

/* Start DPDK for a test binary (no hugepages unless reserved); exits on failure. */
void test_env_init(void);

/* Run every registered suite verbosely; returns the process exit status. */
int test_run_all(void);

/* Add a suite with its tests; tests is a NULL-name-terminated array. */
struct test_case {
	const char *name;
	CU_TestFunc fn;
};
void test_add_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc fini,
		    const struct test_case *tests);

/* A completion recorded: how many callbacks came, and the last one's entry. */
struct io_wait {
	int calls;
	struct pnvme_cpl cpl;
};

/* pnvme_cmd_cb for an io_wait. */
void io_cb(void *arg, const struct pnvme_cpl *cpl);

#endif
