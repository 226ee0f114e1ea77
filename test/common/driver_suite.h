/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Whole-driver tests through the public API only, run against any controller:
 * the software controller on the host (test/sim) and QEMU's emulated NVMe
 * device through vfio in a guest (test/qemu).
 */
#ifndef PNVME_TEST_DRIVER_SUITE_H
#define PNVME_TEST_DRIVER_SUITE_H

#include <stdbool.h>
#include <stdint.h>

struct driver_suite_config {
	const char *trid_a;     /* two namespaces: 512-byte and 4096-byte sectors */
	const char *trid_b;     /* small MDTS, one namespace */
	const char *model;      /* expected Identify model number prefix, or NULL */
	bool probe_finds_both;  /* pnvme_probe(NULL) attaches A and B (vfio-bound) */
	bool deallocate_zeroes; /* deallocated blocks read back as zeroes */
	bool persistent;        /* data outlives detach (a software controller's does not) */
	/*
	 * NVMe over Fabrics (trtype:tcp): no PCI function to probe, no doorbells to
	 * shadow (those tests are skipped, by name, with the reason printed), any
	 * memory is a valid payload (the transport copies it), B's MDTS need not be
	 * below A's (Linux's nvmet-tcp reports MDTS 0, no limit), SMART carries no
	 * temperature (nvmet leaves it 0).
	 */
	bool fabrics;
};

struct pnvme_ns;
struct pnvme_qpair;

/*
 * depth random-size writes (1 sector to 4x max_xfer, at most 1 MiB) in flight,
 * then reads of them, plain or vectored, compared; rounds times. Each slot
 * keeps to its own LBA range from first_lba on.
 */
bool driver_suite_integrity(struct pnvme_ns *ns, struct pnvme_qpair *qp, int depth, int rounds,
			    uint64_t first_lba, uint64_t seed, uint32_t max_xfer);

/* Register the "driver" suite; the config must outlive the run. */
void driver_suite_register(const struct driver_suite_config *cfg);

#endif
