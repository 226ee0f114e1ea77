/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The PCIe controller: a PCI function from env (vfio, or a provider such as
 * the software controller), its registers in BAR0, and how it is stopped.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "env/barrier.h"
#include "env/log.h"
#include "pcie.h"

/* BAR0 must reach the admin doorbells; I/O queues are limited to the ones it maps. */
static bool bar0_holds_doorbells(struct pnvme_ctrlr *c, uint64_t cap)
{
	size_t pair = 2u * (4u << PNVME_CAP_DSTRD(cap));

	if (cap == UINT64_MAX) {
		PNVME_ERRLOG("ctrlr", "%s: registers read all ones: no device answers", c->pci->addr);
		return false;
	}
	if (c->pci->bar0_len < 0x1000 + pair) {
		PNVME_ERRLOG("ctrlr", "%s: BAR0 is %zu bytes: no room for the admin doorbells",
			     c->pci->addr, c->pci->bar0_len);
		return false;
	}
	c->bar_max_io_queues = (uint32_t)((c->pci->bar0_len - 0x1000) / pair - 1);
	return true;
}

int nvme_pcie_ctrlr_construct(struct pnvme_ctrlr *c)
{
	int rc = env_pci_attach(c->trid.trtype, c->trid.traddr, c->trid.params, &c->pci);

	if (rc != 0) {
		c->pci = NULL;
		return rc;
	}
	c->regs = c->pci->bar0;
	if (c->trid.traddr[0] == '\0')
		snprintf(c->trid.traddr, sizeof(c->trid.traddr), "%s", c->pci->addr);
	/* CAP.MQES governs I/O queues; the admin queue's limit is AQA's 4096 (checked). */
	c->cap = mmio_read64(c->regs, PNVME_REG_CAP);
	if (!bar0_holds_doorbells(c, c->cap))
		return -ENODEV;
	return 0;
}

void nvme_pcie_ctrlr_destruct(struct pnvme_ctrlr *c)
{
	pnvme_dma_free(c->shadow_db);
	pnvme_dma_free(c->eventidx);
	c->shadow_db = c->eventidx = NULL;
	if (c->pci != NULL)
		env_pci_detach(c->pci);
	c->pci = NULL;
	c->regs = NULL;
}

uint32_t nvme_pcie_get_reg_4(struct pnvme_ctrlr *c, uint32_t off)
{
	return mmio_read32(c->regs, off);
}

uint64_t nvme_pcie_get_reg_8(struct pnvme_ctrlr *c, uint32_t off)
{
	return mmio_read64(c->regs, off);
}

void nvme_pcie_set_reg_4(struct pnvme_ctrlr *c, uint32_t off, uint32_t val)
{
	nvme_wmb(); /* what the register write announces is in memory first */
	mmio_write32(c->regs, off, val);
}

int nvme_pcie_ctrlr_enable(struct pnvme_ctrlr *c)
{
	/* Disabled now: the function may master the bus again (off since attach). */
	if (c->pci != NULL && env_pci_enable_bus_master(c->pci) != 0)
		return -EIO;
	mmio_write32(c->regs, PNVME_REG_AQA,
		     PNVME_AQA(c->adminq.num_entries, c->adminq.num_entries));
	mmio_write64(c->regs, PNVME_REG_ASQ, c->adminq.pcie.sq_bus);
	mmio_write64(c->regs, PNVME_REG_ACQ, c->adminq.pcie.cq_bus);
	return 0;
}

void nvme_pcie_ctrlr_setup(struct pnvme_ctrlr *c)
{
	if (c->opts.shadow_doorbells && (c->cdata.oacs & PNVME_OACS_DOORBELL_BUFFER_CONFIG) &&
	    nvme_pcie_enable_shadow_doorbells(c) != 0)
		PNVME_NOTICELOG("ctrlr", "%s: shadow doorbells not enabled; using MMIO doorbells",
				c->trid.traddr);
}

/* Commands the I/O qpairs have outstanding; each owner writes its own count. */
static uint32_t io_outstanding(struct pnvme_ctrlr *c)
{
	uint32_t n = 0;

	pthread_mutex_lock(&c->admin_lock);
	for (struct pnvme_qpair *qp = c->qpairs; qp != NULL; qp = qp->next_in_ctrlr)
		n += __atomic_load_n(&qp->num_outstanding, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&c->admin_lock);
	return n;
}

/*
 * With the doorbells parked (recovery.c), let a live device finish what it already fetched
 * or was told about before CC.EN goes to 0: devices (and QEMU's emulated one,
 * which can free a queue under a read it fetched during the disable) expect
 * quiet queues at a disable, as Linux gives them by deleting its queues first.
 * The owners keep reaping; the wait ends when nothing is outstanding, when
 * nothing completed for 20 ms (what is left is stuck, or never reached the
 * device), or after 100 ms.
 */
static void let_device_settle(struct pnvme_ctrlr *c)
{
	uint64_t hz = pnvme_ticks_hz(), now = pnvme_ticks();
	uint64_t give_up = now + hz / 10, quiet_since = now;
	uint32_t left = io_outstanding(c), was = left;
	uint32_t csts = mmio_read32(c->regs, PNVME_REG_CSTS);

	if (csts == 0xffffffffu || (csts & PNVME_CSTS_CFS))
		return;
	while (left != 0 && now < give_up && now - quiet_since < hz / 50) {
		for (uint64_t next = now + hz / 20000; (now = pnvme_ticks()) < next;)
			; /* 50 us: the lock is not taken in a tight loop */
		left = io_outstanding(c);
		if (left != was) {
			was = left;
			quiet_since = now;
		}
	}
}

void nvme_pcie_ctrlr_quiesce(struct pnvme_ctrlr *c)
{
	let_device_settle(c);
}

bool nvme_pcie_ctrlr_stop(struct pnvme_ctrlr *c)
{
	uint64_t deadline = pnvme_ticks() + nvme_ctrlr_ready_timeout_ms(c) * pnvme_ticks_hz() / 1000;
	uint32_t cc = mmio_read32(c->regs, PNVME_REG_CC);
	uint32_t csts;

	if (cc != 0xffffffffu) {
		mmio_write32(c->regs, PNVME_REG_CC, cc & ~(PNVME_CC_EN | PNVME_CC_SHN_MASK));
		for (;;) {
			csts = mmio_read32(c->regs, PNVME_REG_CSTS);
			if (csts == 0xffffffffu)
				break;
			if (!(csts & PNVME_CSTS_RDY))
				return true;
			if (pnvme_ticks() > deadline)
				break;
		}
	}
	/* It did not answer as the spec says: reset the function, take DMA away. */
	PNVME_ERRLOG("ctrlr", "%s %s: no CSTS.RDY = 0 after disable; function reset and bus "
			      "mastering off", c->trid.trtype, c->trid.traddr);
	env_pci_reset(c->pci);
	env_pci_disable_bus_master(c->pci); /* bring-up turns it on again before enabling */
	return mmio_read32(c->regs, PNVME_REG_CSTS) != 0xffffffffu;
}
