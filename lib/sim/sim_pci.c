/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "sim" PCI transport: what the driver sees of a sim controller through
 * lib/env's PCI interface. Config space (class 0x010802, the command
 * register), BAR0 (the register file), detach.
 */
#include <errno.h>
#include <string.h>

#include "sim_internal.h"

#define SIM_PCI_COMMAND_WRITABLE 0x0547 /* I/O, memory, master, parity, SERR, INTx disable */

static void put16(uint8_t *cfg, unsigned off, uint16_t v)
{
	cfg[off] = (uint8_t)v;
	cfg[off + 1] = (uint8_t)(v >> 8);
}

static void cfg_init(struct pnvme_sim *sim)
{
	uint8_t *c = sim->cfg;
	uint64_t bar = (uintptr_t)sim->bar;

	put16(c, 0x00, SIM_VID);
	put16(c, 0x02, SIM_DID);
	/* Memory and bus master on, as the pcie transport leaves a function at attach. */
	put16(c, SIM_PCI_COMMAND, 0x0006);
	c[0x08] = 0x01; /* revision */
	c[0x09] = (uint8_t)ENV_PCI_CLASS_NVME;
	c[0x0a] = (uint8_t)(ENV_PCI_CLASS_NVME >> 8);
	c[0x0b] = (uint8_t)(ENV_PCI_CLASS_NVME >> 16);
	/* BAR0: 64-bit memory BAR at the register file's own address. */
	put16(c, 0x10, (uint16_t)((bar & 0xfff0) | 0x4));
	put16(c, 0x12, (uint16_t)(bar >> 16));
	put16(c, 0x14, (uint16_t)(bar >> 32));
	put16(c, 0x16, (uint16_t)(bar >> 48));
	put16(c, 0x2c, SIM_VID);
	put16(c, 0x2e, SIM_DID);
	c[0x3d] = 0x01; /* INTA#, never raised */
}

static int cfg_read(struct env_pci_dev *dev, void *buf, size_t len, uint32_t off)
{
	struct pnvme_sim *sim = dev->priv;

	if (len == 0 || off >= SIM_CFG_SIZE || len > SIM_CFG_SIZE - off)
		return -EINVAL;
	if (pnvme_sim_is_removed(sim)) { /* gone from the bus: all ones */
		memset(buf, 0xff, len);
		return 0;
	}
	for (size_t i = 0; i < len; i++)
		((uint8_t *)buf)[i] = __atomic_load_n(&sim->cfg[off + i], __ATOMIC_RELAXED);
	return 0;
}

/* Only the command register is writable; the rest reads back unchanged. */
static int cfg_write(struct env_pci_dev *dev, const void *buf, size_t len, uint32_t off)
{
	struct pnvme_sim *sim = dev->priv;

	if (len == 0 || off >= SIM_CFG_SIZE || len > SIM_CFG_SIZE - off)
		return -EINVAL;
	if (pnvme_sim_is_removed(sim))
		return 0; /* goes nowhere */
	for (size_t i = 0; i < len; i++) {
		uint32_t at = off + (uint32_t)i;
		uint8_t mask, v;

		if (at != SIM_PCI_COMMAND && at != SIM_PCI_COMMAND + 1)
			continue;
		mask = (uint8_t)(SIM_PCI_COMMAND_WRITABLE >> (8 * (at - SIM_PCI_COMMAND)));
		v = (uint8_t)((sim->cfg[at] & ~mask) | (((const uint8_t *)buf)[i] & mask));
		__atomic_store_n(&sim->cfg[at], v, __ATOMIC_RELAXED);
	}
	return 0;
}

static void detach(struct env_pci_dev *dev)
{
	pnvme_sim_destroy(dev->priv);
}

static const struct env_pci_dev_ops g_sim_ops = {
	.cfg_read = cfg_read,
	.cfg_write = cfg_write,
	.detach = detach,
};

void sim_pci_init(struct pnvme_sim *sim)
{
	cfg_init(sim);
	sim->pci.vendor_id = SIM_VID;
	sim->pci.device_id = SIM_DID;
	sim->pci.bar0 = sim->bar;
	sim->pci.bar0_len = sim->bar_len;
	sim->pci.ops = &g_sim_ops;
	sim->pci.priv = sim;
}

static int sim_attach(const char *addr, const char *params, struct env_pci_dev **out)
{
	struct pnvme_sim *sim;
	int rc = pnvme_sim_create(addr, params, &sim);

	if (rc == 0)
		*out = &sim->pci;
	return rc;
}

struct env_pci_transport sim_pci_transport = {
	.name = "sim",
	.attach = sim_attach,
	.needs_iova_va = true,
	.enumerate = NULL,
};

/*
 * The software controller is a PCI provider like any other: env knows nothing
 * of it. Linked into libpnvme.a (one object) and libpnvme.so whole; programs
 * linking the internal archive pull this file in with -u sim_pci_transport.
 */
__attribute__((constructor)) static void sim_pci_register(void)
{
	env_pci_transport_register(&sim_pci_transport);
}
