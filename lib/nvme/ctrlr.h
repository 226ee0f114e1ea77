/* SPDX-License-Identifier: BSD-3-Clause */
/* Controllers and namespaces: state, bring-up, admin commands. */
#ifndef PNVME_NVME_CTRLR_H
#define PNVME_NVME_CTRLR_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "env/pci.h"
#include "pnvme/nvme.h"
#include "qpair.h"

struct pnvme_ns {
	struct pnvme_ctrlr *ctrlr;
	uint32_t id;
	bool active;
	uint32_t sector_size;
	uint32_t lba_shift;
	uint64_t num_sectors;
	uint32_t max_sectors;  /* per command: MDTS and the PRP list */
	uint32_t fast_max_sectors; /* max_sectors, or 0 when a boundary may split any I/O */
	uint32_t boundary;     /* NOIOB in sectors, 0 for none */
	uint32_t boundary_mask; /* boundary - 1 when a power of two, else 0 */
	struct pnvme_ns_data data;
};

/* Bring-up steps (NVMe base spec, "Initialization"). */
enum nvme_ctrlr_state {
	NVME_STATE_INIT,
	NVME_STATE_DISABLE_WAIT_RDY_1, /* EN=1, RDY=0 found: let it finish enabling first */
	NVME_STATE_DISABLE_WAIT_RDY_0,
	NVME_STATE_ENABLE,
	NVME_STATE_ENABLE_WAIT_RDY_1,
	NVME_STATE_IDENTIFY,
	NVME_STATE_SET_NUM_QUEUES,
	NVME_STATE_IDENTIFY_NS_LIST,
	NVME_STATE_IDENTIFY_NS,
	NVME_STATE_SHADOW_DOORBELLS,
	NVME_STATE_KEEP_ALIVE,
	NVME_STATE_AER,
	NVME_STATE_READY,
	NVME_STATE_FAILED,
};

struct pnvme_ctrlr {
	struct env_pci_dev *pci;
	volatile void *regs;
	struct pnvme_trid trid;
	struct pnvme_ctrlr_opts opts;
	uint64_t cap;
	uint32_t vs;
	uint32_t dstrd;
	uint32_t max_xfer;
	uint32_t num_io_queues;
	uint32_t max_queue_entries; /* CAP.MQES + 1 */

	enum nvme_ctrlr_state state;
	uint64_t state_deadline; /* ticks; 0 = none */
	bool admin_pending;      /* a bring-up admin command is in flight */
	struct pnvme_cpl admin_cpl;
	uint32_t ns_cursor;
	int init_error;

	pthread_mutex_t admin_lock;
	struct pnvme_qpair adminq;
	void *scratch; /* one DMA page for bring-up identify data */
	uint64_t scratch_bus;
	struct pnvme_ctrlr_data cdata;
	uint32_t num_ns;
	struct pnvme_ns *ns;  /* [num_ns], index nsid - 1 */
	uint32_t *active_ns;  /* sorted list of active nsids */
	uint32_t num_active_ns;

	uint64_t *qid_bitmap; /* I/O queue IDs in use */
	struct pnvme_qpair *qpairs;

	void *shadow_db;  /* Doorbell Buffer Config pages, NULL when unused */
	void *eventidx;
	uint64_t shadow_db_bus, eventidx_bus;

	uint64_t keep_alive_ticks;
	uint64_t next_keep_alive;
	pnvme_aer_cb aer_cb;
	void *aer_arg;
	bool failed;
	bool detaching;
	bool resetting;
};

/* Run the bring-up state machine one step; 1 = ready, 0 = call again, < 0 = failed. */
int nvme_ctrlr_init_step(struct pnvme_ctrlr *ctrlr);
/* Shutdown notification, bounded wait. */
void nvme_ctrlr_shutdown(struct pnvme_ctrlr *ctrlr);
/* CC.EN = 0 and wait for RDY = 0 (CAP.TO): the device stops using its queues. */
void nvme_ctrlr_disable(struct pnvme_ctrlr *ctrlr);
void nvme_ctrlr_fail(struct pnvme_ctrlr *ctrlr, const char *why);
/* Check CSTS.CFS (cold path); true if the controller failed. */
bool nvme_ctrlr_check_fatal(struct pnvme_ctrlr *ctrlr);

/* Admin commands (admin.c). All take the admin lock themselves. */
int nvme_admin_submit(struct pnvme_ctrlr *ctrlr, const struct pnvme_cmd *cmd, void *buf,
		      uint32_t len, pnvme_cmd_cb cb, void *arg);
/* Submit and poll for the completion (bring-up, qpair set-up); bounded by admin_timeout_ms. */
int nvme_admin_sync(struct pnvme_ctrlr *ctrlr, const struct pnvme_cmd *cmd, void *buf,
		    uint32_t len, struct pnvme_cpl *cpl);
int nvme_ctrlr_send_abort(struct pnvme_ctrlr *ctrlr, uint16_t sqid, uint16_t cid);
void nvme_ctrlr_submit_aers(struct pnvme_ctrlr *ctrlr);

/* Namespaces (ns.c). */
void nvme_ns_init(struct pnvme_ns *ns, struct pnvme_ctrlr *ctrlr, uint32_t nsid,
		  const struct pnvme_ns_data *data);
/* Recompute what the I/O fast path checks after max_sectors or boundary change. */
void nvme_ns_update_fast_path(struct pnvme_ns *ns);

/* I/O queues on the device (pcie.c). */
int nvme_pcie_create_io_qpair(struct pnvme_ctrlr *ctrlr, struct pnvme_qpair *qp);
int nvme_pcie_delete_io_qpair(struct pnvme_ctrlr *ctrlr, struct pnvme_qpair *qp);
/*
 * Stop a qpair on the device (io_qpair.c): reap what is done, delete its
 * queues, reap what the deletion aborted, complete the rest driver-side.
 */
void nvme_qpair_quiesce(struct pnvme_qpair *qp);
int nvme_pcie_enable_shadow_doorbells(struct pnvme_ctrlr *ctrlr);
void nvme_pcie_qpair_attach_shadow(struct pnvme_ctrlr *ctrlr, struct pnvme_qpair *qp);

#endif /* PNVME_NVME_CTRLR_H */
