/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole driver on the real path, inside the QEMU guest: QEMU's emulated
 * NVMe controllers bound to vfio-pci, DMA through the vIOMMU, hugepages from
 * DPDK. test/qemu/run.sh exports the controllers' addresses.
 */
#include <stdio.h>
#include <stdlib.h>

#include "common/driver_suite.h"
#include "common/test_env.h"

int main(void)
{
	static char trid_a[96], trid_b[96];
	static struct driver_suite_config cfg = {
		.trid_a = trid_a,
		.trid_b = trid_b,
		.model = "QEMU NVMe Ctrl",
		.probe_finds_both = true,
		.deallocate_zeroes = true,
		.persistent = true,
	};
	const char *a = getenv("PNVME_CTRL_A"), *b = getenv("PNVME_CTRL_B");

	if (a == NULL || b == NULL) {
		fprintf(stderr, "driver_test: PNVME_CTRL_A and PNVME_CTRL_B must name the guest's "
				"controllers (run it through test/qemu/run.sh)\n");
		return 1;
	}
	snprintf(trid_a, sizeof(trid_a), "trtype:pcie traddr:%s", a);
	snprintf(trid_b, sizeof(trid_b), "trtype:pcie traddr:%s", b);
	test_env_init();
	driver_suite_register(&cfg);
	return test_run_all();
}
