/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A program that defines, for its own use, names the pnvme library uses inside:
 * nvme_ctrlr_fail (lib/nvme), env_pci_attach (lib/env) and sim_regs_init
 * (lib/sim), as another static library linked beside pnvme might (SPDK's
 * libspdk_nvme.a has an nvme_ctrlr_fail). Linked with libpnvme.a it must link,
 * call its own functions, and the driver inside must still work.
 */
#include <stdio.h>
#include <string.h>

#include <pnvme/nvme.h>

int nvme_ctrlr_fail(int x);
int env_pci_attach(int x);
int sim_regs_init(int x);

int nvme_ctrlr_fail(int x)
{
	return x + 1;
}

int env_pci_attach(int x)
{
	return x + 2;
}

int sim_regs_init(int x)
{
	return x + 3;
}

int main(void)
{
	struct pnvme_ctrlr *ctrlr;
	int rc;

	if (nvme_ctrlr_fail(10) != 11 || env_pci_attach(10) != 12 || sim_regs_init(10) != 13) {
		fprintf(stderr, "collide: a call reached the library's function, not ours\n");
		return 1;
	}
	/* The driver inside still reaches its own nvme_ / env_ / sim_ functions. */
	rc = pnvme_connect("trtype:sim", NULL, &ctrlr);
	if (rc != 0) {
		fprintf(stderr, "collide: pnvme_connect(trtype:sim): %s\n", strerror(-rc));
		return 1;
	}
	if (pnvme_ctrlr_get_first_active_ns(ctrlr) == 0) {
		fprintf(stderr, "collide: the controller has no active namespace\n");
		pnvme_detach(ctrlr);
		return 1;
	}
	rc = pnvme_detach(ctrlr);
	if (rc != 0) {
		fprintf(stderr, "collide: pnvme_detach: %s\n", strerror(-rc));
		return 1;
	}
	printf("collide: pnvme %s attached and detached trtype:sim\n", pnvme_version());
	return 0;
}
