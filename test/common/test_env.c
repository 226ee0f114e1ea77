/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <CUnit/Basic.h>

#include "common/test_env.h"
#include "pnvme/env.h"

void test_env_init(void)
{
	struct pnvme_env_opts opts;
	int rc;

	pnvme_env_opts_init(&opts, sizeof(opts));
	opts.name = "pnvme-test";
	opts.mem_mb = 512;
	rc = pnvme_env_init(&opts);
	if (rc != 0) {
		fprintf(stderr, "test: environment failed to start: %d\n", rc);
		exit(1);
	}
}

void test_add_suite(const char *name, CU_InitializeFunc init, CU_CleanupFunc fini,
		    const struct test_case *tests)
{
	/* For chasing a rare failure: PNVME_TEST_ONLY=substring, PNVME_TEST_REPEAT=N. */
	const char *only = getenv("PNVME_TEST_ONLY"), *rep = getenv("PNVME_TEST_REPEAT");
	int repeat = rep != NULL && atoi(rep) > 0 ? atoi(rep) : 1;
	CU_pSuite suite;

	if (CU_get_registry() == NULL && CU_initialize_registry() != CUE_SUCCESS) {
		fprintf(stderr, "test: cannot initialise CUnit\n");
		exit(1);
	}
	suite = CU_add_suite(name, init, fini);

	if (suite == NULL) {
		fprintf(stderr, "test: cannot add suite %s\n", name);
		exit(1);
	}
	for (; tests->name != NULL; tests++) {
		if (only != NULL && strstr(tests->name, only) == NULL)
			continue;
		for (int i = 0; i < repeat; i++)
			if (CU_add_test(suite, tests->name, tests->fn) == NULL) {
				fprintf(stderr, "test: cannot add %s\n", tests->name);
				exit(1);
			}
	}
}

int test_run_all(void)
{
	unsigned failures;

	CU_basic_set_mode(CU_BRM_VERBOSE);
	CU_basic_run_tests();
	failures = CU_get_number_of_failures() + CU_get_number_of_tests_failed();
	CU_cleanup_registry();
	return failures ? 1 : 0;
}

void io_cb(void *arg, const struct pnvme_cpl *cpl)
{
	struct io_wait *w = arg;

	w->calls++;
	w->cpl = *cpl;
}
