/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whole-driver tests through the public API only, run against any controller:
 * the software controller on the host (test/sim) and QEMU's emulated NVMe
 * device through vfio in a guest (test/qemu).
 */
#ifndef PNVME_TEST_DRIVER_SUITE_H
#define PNVME_TEST_DRIVER_SUITE_H

#include <stdbool.h>

struct driver_suite_config {
	const char *trid_a;     /* two namespaces: 512-byte and 4096-byte sectors */
	const char *trid_b;     /* small MDTS, one namespace */
	const char *model;      /* expected Identify model number prefix, or NULL */
	bool probe_finds_both;  /* pnvme_probe(NULL) attaches A and B (vfio-bound) */
	bool deallocate_zeroes; /* deallocated blocks read back as zeroes */
};

/* Register the "driver" suite; the config must outlive the run. */
void driver_suite_register(const struct driver_suite_config *cfg);

#endif
