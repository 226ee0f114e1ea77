/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The whole-driver suite against the software controller: controller A with
 * a 512-byte and a 4096-byte namespace, controller B with a small MDTS.
 */
#include "common/driver_suite.h"
#include "common/test_env.h"

int main(void)
{
	static const struct driver_suite_config cfg = {
		.trid_a = "trtype:sim traddr:simA ns=2 lba=512,4096 size=1G",
		.trid_b = "trtype:sim traddr:simB mdts=2 size=256M",
		.model = "pnvme sim controller",
		.probe_finds_both = false, /* probing finds vfio-bound functions, never sims */
		.deallocate_zeroes = true,
	};

	test_env_init();
	driver_suite_register(&cfg);
	return test_run_all();
}
