/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What lib/nvme asks of a transport: one ops table per transport, found by the
 * transport ID's trtype. PCIe (lib/pcie) is built in and takes every trtype
 * that env's PCI interface knows ("pcie", and providers such as "sim"); other
 * transports (NVMe/TCP, a test's fake) register a table of their own.
 *
 * The hot path does not go through the table for PCIe: qpair.h tests the
 * qpair's kind byte and calls lib/pcie's inline code; the table serves the
 * other kinds and every cold operation.
 */
#ifndef PNVME_NVME_TRANSPORT_H
#define PNVME_NVME_TRANSPORT_H

#include <stdbool.h>
#include <stdint.h>

#include "pcie/pcie_qpair.h" /* embedded in struct pnvme_qpair: the inline hot path */

struct pnvme_ctrlr;
struct pnvme_qpair;
struct nvme_request;
struct nvme_tracker;

enum nvme_transport_kind {
	NVME_TRANSPORT_PCIE = 0, /* a zeroed qpair is a PCIe one */
	NVME_TRANSPORT_OTHER,    /* everything through the ops table */
};

struct nvme_transport_ops {
	const char *name; /* the trtype it answers to (PCIe: any env PCI provider) */
	uint8_t kind;     /* enum nvme_transport_kind */
	/* Payloads must be DMA-able memory with a bus address (vtophys); TCP: false. */
	bool needs_dma;
	/*
	 * Registers are properties reached over a connection (NVMe-oF): all ones
	 * means "not reachable now", not "gone"; the reset ladder tries again.
	 */
	bool fabrics;

	/* ---- controller */
	/* Reach the controller named by c->trid; set c->cap (what attach needs of it). */
	int (*ctrlr_construct)(struct pnvme_ctrlr *c);
	/* Let go of it (after the device was stopped); frees what construct made. */
	void (*ctrlr_destruct)(struct pnvme_ctrlr *c);
	/*
	 * Controller registers (properties): PCIe reads BAR0, fabrics send
	 * Property Get/Set. A controller that cannot be reached reads all ones.
	 */
	uint32_t (*get_reg_4)(struct pnvme_ctrlr *c, uint32_t off);
	uint64_t (*get_reg_8)(struct pnvme_ctrlr *c, uint32_t off);
	void (*set_reg_4)(struct pnvme_ctrlr *c, uint32_t off, uint32_t val);
	/* Before CC.EN = 1: where the admin queue is (PCIe: bus master, AQA/ASQ/ACQ). */
	int (*ctrlr_enable)(struct pnvme_ctrlr *c);
	/* Optional bring-up step after Identify (PCIe: Doorbell Buffer Config). */
	void (*ctrlr_setup)(struct pnvme_ctrlr *c);
	/*
	 * Before a disable, with every I/O qpair parked (qpair_park): what the
	 * device holds gets a moment to finish (PCIe: wait for quiet queues;
	 * fabrics: nothing, or drain the sockets). May be NULL.
	 */
	void (*ctrlr_quiesce)(struct pnvme_ctrlr *c);
	/*
	 * The device must no longer touch host memory: PCIe, CC.EN = 0 and RDY 0,
	 * else a function reset and bus mastering off; fabrics, disconnect. False
	 * when the controller is gone.
	 */
	bool (*ctrlr_stop)(struct pnvme_ctrlr *c);

	/* ---- queue pairs */
	/* Memory for a qpair of qp->num_entries (rings, PRP pages); after the trackers. */
	int (*qpair_init)(struct pnvme_qpair *qp, uint32_t max_xfer);
	void (*qpair_fini)(struct pnvme_qpair *qp);
	/* An I/O qpair onto the device (PCIe: Create I/O CQ and SQ; fabrics: Connect). */
	int (*qpair_create)(struct pnvme_qpair *qp);
	/*
	 * Off the device (PCIe: Delete I/O SQ, reap, Delete I/O CQ; fabrics:
	 * disconnect). False when the device may still hold commands.
	 */
	bool (*qpair_delete)(struct pnvme_qpair *qp);
	/* Off the device (disabled, deleted): empty the rings, the next queue starts afresh. */
	void (*qpair_reset)(struct pnvme_qpair *qp);
	/*
	 * From another thread (a reset): nothing the owner does from now on may
	 * reach the device's queue (PCIe: doorbell writes go to a parked word).
	 */
	void (*qpair_park)(struct pnvme_qpair *qp);

	/* ---- the I/O path (PCIe inline, see qpair.h) */
	/*
	 * Send req, which holds tracker tr (its CID set): data placement, the
	 * command on its way, and the doorbell unless qp batches. Non-zero: the
	 * payload cannot be described; the caller completes req with an error.
	 */
	int (*qpair_submit)(struct pnvme_qpair *qp, struct nvme_tracker *tr,
			    struct nvme_request *req);
	/*
	 * Reap at most max completions, each through nvme_qpair_complete_cid();
	 * returns how many entries it took (valid or not).
	 */
	uint32_t (*qpair_process)(struct pnvme_qpair *qp, uint32_t max);
	/* Send what was posted and not announced yet (doorbell batching). */
	void (*qpair_flush)(struct pnvme_qpair *qp);
};

/* The built-in PCIe transport (lib/pcie). */
extern const struct nvme_transport_ops nvme_pcie_transport;

/* Add a transport (NVMe/TCP, a test's fake); the table must outlive its use. */
void nvme_transport_register(const struct nvme_transport_ops *ops);
void nvme_transport_unregister(const struct nvme_transport_ops *ops);
/* The transport for trtype: a registered one, else PCIe (it checks the name). */
const struct nvme_transport_ops *nvme_transport_find(const char *trtype);

#endif /* PNVME_NVME_TRANSPORT_H */
