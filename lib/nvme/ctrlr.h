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

/* Why I/O on a namespace is refused (0: it is not). */
enum nvme_ns_io_block {
	NVME_NS_IO_OK = 0,
	NVME_NS_IO_INACTIVE, /* -EINVAL */
	NVME_NS_IO_REMOVED,  /* gone at a rescan: -ENXIO */
	NVME_NS_IO_FORMAT,   /* metadata or protection information: -ENOTSUP */
};

struct pnvme_ns {
	struct pnvme_ctrlr *ctrlr;
	uint64_t nsid_dw01; /* id << 32: its commands' dwords 0-1 less opcode and CID */
	uint32_t id;
	/* Tested on every I/O; written by a rescan in the admin thread. */
	_Atomic uint8_t io_block;
	bool active;
	uint32_t sector_size;
	uint32_t lba_shift;
	uint64_t num_sectors;
	uint32_t max_sectors;  /* per command: MDTS and the PRP list */
	/*
	 * min(max_sectors, num_sectors); 0 for a boundary or metadata, and while
	 * io_block refuses I/O: the inline path's only gate (acquire), so that it
	 * does not test io_block apart.
	 */
	_Atomic uint32_t fast_max_sectors;
	uint32_t boundary;     /* NOIOB in sectors, 0 for none */
	uint32_t boundary_mask; /* boundary - 1 when a power of two, else 0 */
	/* Metadata and protection information of the format in use (0: none). */
	uint32_t md_size;
	uint32_t ext_sector_size; /* sector + metadata when extended, else sector */
	uint32_t max_sectors_ext; /* per command when metadata travels with the data */
	uint8_t pi_type;
	bool pi_first;
	bool md_extended;
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
	NVME_STATE_RESETTING, /* recovery: disabled or coming up again (recovery.c) */
};

/* An Abort the driver sent, or holds back behind the Abort Command Limit (abort.c). */
#define NVME_MAX_ABORTS 64
#define NVME_MAX_AER_WAITING 4
struct nvme_abort_slot {
	struct pnvme_ctrlr *ctrlr;
	struct pnvme_qpair *qp; /* NULL once the qpair is gone */
	uint16_t sqid, cid;
	bool used, sent;
};

struct pnvme_ctrlr {
	const struct nvme_transport_ops *tr; /* NULL: PCIe (a bare controller in a test) */
	void *tr_ctrlr; /* a transport other than PCIe keeps its state here */
	bool tr_constructed; /* ctrlr_construct ran: ctrlr_destruct at the end */
	/* PCIe (lib/pcie): the function and its BAR0; nothing else touches them. */
	struct env_pci_dev *pci;
	volatile void *regs;
	struct pnvme_trid trid;
	struct pnvme_ctrlr_opts opts;
	uint64_t cap;
	uint32_t vs;
	uint32_t crto; /* NVMe 2.0 CRTO register, 0 before 2.0 */
	uint32_t dstrd;
	uint32_t max_xfer;
	uint32_t num_io_queues;
	uint32_t bar_max_io_queues; /* I/O queues whose doorbells BAR0 maps (PCIe) */
	uint32_t sgl_support;       /* Identify SGLS bits 1:0: 0 none, 1 byte, 2 dword aligned */
	uint32_t max_queue_entries; /* CAP.MQES + 1 */

	_Atomic enum nvme_ctrlr_state state; /* read by other threads (submission, abort) */
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

	void *shadow_db;  /* Doorbell Buffer Config pages (PCIe), freed only at detach */
	bool shadow_db_on; /* the controller took them (this bring-up) */
	void *eventidx;
	uint64_t shadow_db_bus, eventidx_bus;

	uint64_t keep_alive_ticks;
	uint64_t next_keep_alive;
	pnvme_aer_cb aer_cb;
	void *aer_arg;
	pnvme_timeout_cb timeout_cb;
	void *timeout_arg;
	bool detaching;

	/* Aborts under the Abort Command Limit (abort.c; admin lock). */
	struct nvme_abort_slot aborts[NVME_MAX_ABORTS];
	uint32_t aborts_sent;
	uint32_t abort_limit; /* Identify ACL + 1 */

	/*
	 * Recovery (recovery.c). A reset bumps reset_epoch, then disabled_epoch
	 * once the device can no longer touch memory, then ready_epoch once it is
	 * up again; each I/O qpair's owner follows at its next poll.
	 */
	pthread_mutex_t recovery_lock; /* one recovery at a time */
	_Atomic uint32_t reset_epoch;
	_Atomic uint32_t disabled_epoch;
	_Atomic uint32_t ready_epoch;
	_Atomic bool reset_requested;
	_Atomic bool dead;
	uint32_t num_resets;
	/* AER handling (aer.c). */
	void *aer_page; /* one DMA page for log pages and Identify Namespace */
	uint64_t aer_page_bus;
	uint32_t aer_ns_cursor;
	uint32_t aer_ns_count;
	struct pnvme_cpl aer_event;
	bool aer_busy;
	uint32_t aer_waiting;
	struct pnvme_cpl aer_pending[NVME_MAX_AER_WAITING];
};

/* Run the bring-up state machine one step; 1 = ready, 0 = call again, < 0 = failed. */
int nvme_ctrlr_init_step(struct pnvme_ctrlr *ctrlr);
/* Shutdown notification, bounded wait (RTD3E, at least 5 s, at most 60 s). */
void nvme_ctrlr_shutdown(struct pnvme_ctrlr *ctrlr);
uint64_t nvme_ctrlr_shutdown_timeout_ms(const struct pnvme_ctrlr *ctrlr);
/* Something is wrong with the controller: reset it (or declare it dead). */
void nvme_ctrlr_fail(struct pnvme_ctrlr *ctrlr, const char *why);
/* Read CSTS: all ones or CFS fails the controller; true if it did. */
bool nvme_ctrlr_check_fatal(struct pnvme_ctrlr *ctrlr);
static inline bool nvme_ctrlr_is_dead(const struct pnvme_ctrlr *ctrlr)
{
	return atomic_load_explicit(&ctrlr->dead, memory_order_acquire);
}

/* Recovery (recovery.c). */
void nvme_ctrlr_request_reset(struct pnvme_ctrlr *ctrlr, const char *why);
/* Drive a requested reset if no other thread does; 0 or a negative errno. */
int nvme_ctrlr_recover(struct pnvme_ctrlr *ctrlr);
/*
 * Stop the device from touching memory: CC.EN = 0 and CSTS.RDY seen 0, or,
 * where it does not answer, a function reset and bus mastering off. Returns
 * false when the registers read all ones (the device is gone).
 */
bool nvme_ctrlr_stop_device(struct pnvme_ctrlr *ctrlr);
/* The owner of an I/O qpair catches up with resets and death (slow path). */
void nvme_qpair_recovery_poll(struct pnvme_qpair *qp);
/* Until nothing of qp is left on the device, resetting if it must (freeing a qpair). */
void nvme_qpair_drain(struct pnvme_qpair *qp);
/* Delete qp's queues on a live controller; false if the device may still hold commands. */
bool nvme_qpair_delete_on_device(struct pnvme_qpair *qp);
/* True when this thread runs an admin completion callback of ctrlr right now. */
bool nvme_ctrlr_in_admin_callback(struct pnvme_ctrlr *ctrlr);
/* CAP.TO, or CRTO's when the controller reports one (NVMe 2.0), in ms. */
uint64_t nvme_ctrlr_ready_timeout_ms(const struct pnvme_ctrlr *ctrlr);

/*
 * pnvme_mem_unregister()'s in-flight check (mem_check.c): a controller is
 * tracked from the end of its bring-up until its device is stopped at detach.
 */
int nvme_mem_track(struct pnvme_ctrlr *ctrlr);
void nvme_mem_untrack(struct pnvme_ctrlr *ctrlr);

/* Abort with the Abort Command Limit (abort.c). */
int nvme_ctrlr_abort_cmd(struct pnvme_ctrlr *ctrlr, struct pnvme_qpair *qp, uint16_t cid);
void nvme_ctrlr_forget_aborts(struct pnvme_ctrlr *ctrlr, struct pnvme_qpair *qp);
void nvme_ctrlr_clear_aborts(struct pnvme_ctrlr *ctrlr);

/* Asynchronous events (aer.c). */
/* The Async Event Configuration bits worth asking for (OAES, critical warnings). */
uint32_t nvme_ctrlr_aec_bits(const struct pnvme_ctrlr *ctrlr);

/* Admin commands (admin.c). All take the admin lock themselves. */
int nvme_admin_submit(struct pnvme_ctrlr *ctrlr, const struct pnvme_cmd *cmd, void *buf,
		      uint32_t len, pnvme_cmd_cb cb, void *arg);
/* Submit and poll for the completion (bring-up, qpair set-up); bounded by admin_timeout_ms. */
int nvme_admin_sync(struct pnvme_ctrlr *ctrlr, const struct pnvme_cmd *cmd, void *buf,
		    uint32_t len, struct pnvme_cpl *cpl);
void nvme_ctrlr_submit_aers(struct pnvme_ctrlr *ctrlr);
/* A synchronous wait: nvme_sync_done is the callback, nvme_admin_wait polls for it. */
struct nvme_sync_wait {
	struct pnvme_cpl cpl;
	bool done;
};
void nvme_sync_done(void *arg, const struct pnvme_cpl *cpl);
int nvme_admin_wait(struct pnvme_ctrlr *ctrlr, struct nvme_sync_wait *w, uint8_t opc,
		    struct pnvme_cpl *cpl);

/* Namespaces (ns.c). data NULL: inactive. Updates a namespace in place (rescan). */
void nvme_ns_init(struct pnvme_ns *ns, struct pnvme_ctrlr *ctrlr, uint32_t nsid,
		  const struct pnvme_ns_data *data);
/* Recompute what the I/O fast path checks after max_sectors or boundary change. */
void nvme_ns_update_fast_path(struct pnvme_ns *ns);
/* The errno for I/O on a namespace that refuses it (or a qpair of another controller). */
int nvme_ns_io_errno(const struct pnvme_ns *ns, const struct pnvme_qpair *qp);

/* The controller's transport: PCIe for a bare controller (unit tests). */
static inline const struct nvme_transport_ops *nvme_ctrlr_tr(const struct pnvme_ctrlr *c)
{
	return c->tr != NULL ? c->tr : &nvme_pcie_transport;
}

/* Controller registers (properties) through the transport. */
static inline uint32_t nvme_ctrlr_get_reg_4(struct pnvme_ctrlr *c, uint32_t off)
{
	return nvme_ctrlr_tr(c)->get_reg_4(c, off);
}

static inline uint64_t nvme_ctrlr_get_reg_8(struct pnvme_ctrlr *c, uint32_t off)
{
	return nvme_ctrlr_tr(c)->get_reg_8(c, off);
}

static inline void nvme_ctrlr_set_reg_4(struct pnvme_ctrlr *c, uint32_t off, uint32_t val)
{
	nvme_ctrlr_tr(c)->set_reg_4(c, off, val);
}

#endif /* PNVME_NVME_CTRLR_H */
