/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole driver on the real path, inside the QEMU guest. By default QEMU's
 * emulated NVMe controllers bound to vfio-pci, DMA through the vIOMMU,
 * hugepages from DPDK; test/qemu/run.sh exports their addresses as
 * PNVME_CTRL_A/B. With PNVME_TRID_A and PNVME_TRID_B set, the suite runs on
 * those full transport IDs instead: trtype:tcp ones (test/qemu/tcp_test.sh,
 * the kernel's nvmet-tcp on loopback) run it as fabrics, skipping by name,
 * with the reason printed, the tests that only a PCIe controller can pass.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/driver_suite.h"
#include "common/test_env.h"

int main(void)
{
	static char trid_a[512], trid_b[512];
	static struct driver_suite_config cfg = {
		.trid_a = trid_a,
		.trid_b = trid_b,
		.model = "QEMU NVMe Ctrl",
		.probe_finds_both = true,
		.deallocate_zeroes = true,
		.persistent = true,
	};
	const char *ta = getenv("PNVME_TRID_A"), *tb = getenv("PNVME_TRID_B");
	const char *a = getenv("PNVME_CTRL_A"), *b = getenv("PNVME_CTRL_B");

	if (ta != NULL && tb != NULL && ta[0] != '\0' && tb[0] != '\0') {
		snprintf(trid_a, sizeof(trid_a), "%s", ta);
		snprintf(trid_b, sizeof(trid_b), "%s", tb);
		if (strstr(ta, "trtype:tcp") != NULL) {
			cfg.model = getenv("PNVME_TRID_MODEL"); /* nvmet's attr_model, or NULL */
			cfg.probe_finds_both = false;
			cfg.fabrics = true;
		}
		printf("driver_test: A '%s', B '%s'%s\n", trid_a, trid_b,
		       cfg.fabrics ? " (fabrics)" : "");
	} else if (a != NULL && b != NULL && a[0] != '\0' && b[0] != '\0') {
		snprintf(trid_a, sizeof(trid_a), "trtype:pcie traddr:%s", a);
		snprintf(trid_b, sizeof(trid_b), "trtype:pcie traddr:%s", b);
	} else {
		fprintf(stderr, "driver_test: PNVME_CTRL_A and PNVME_CTRL_B must name the guest's "
				"controllers (run it through test/qemu/run.sh), or PNVME_TRID_A and "
				"PNVME_TRID_B give two transport IDs\n");
		return 1;
	}
	test_env_init();
	driver_suite_register(&cfg);
	return test_run_all();
}
