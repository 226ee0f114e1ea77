/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme: a userspace, polled-mode NVMe driver.
 *
 * Controllers are attached by transport ID ("trtype:pcie traddr:0000:00:04.0",
 * "trtype:sim ns=2 size=1G"), I/O goes through queue pairs that one thread
 * owns each, and completions arrive in callbacks run from
 * pnvme_qpair_process_completions(). Every function returning int returns 0
 * (or a count) on success and a negative errno on failure; device status
 * arrives only in completion callbacks. Every request accepted (return 0) gets
 * exactly one callback, also when its qpair is freed or its controller
 * detached with it outstanding (status: Aborted SQ Deletion).
 */
#ifndef PNVME_NVME_H
#define PNVME_NVME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "pnvme/env.h"
#include "pnvme/nvme_spec.h"

#ifdef __cplusplus
extern "C" {
#endif

struct pnvme_ctrlr;
struct pnvme_ns;
struct pnvme_qpair;

/* ------------------------------------------------------------ transport IDs */

#define PNVME_TRTYPE_MAX 16
#define PNVME_TRADDR_MAX 64
#define PNVME_TRPARAMS_MAX 256

struct pnvme_trid {
	char trtype[PNVME_TRTYPE_MAX];     /* "pcie" or "sim" */
	char traddr[PNVME_TRADDR_MAX];     /* PCI address, or a sim's name */
	char params[PNVME_TRPARAMS_MAX];   /* the other words, "key=value ..." */
};

/*
 * Parse "trtype:pcie traddr:0000:00:04.0" (words separated by spaces; "key:v"
 * and "key=v" both accepted for trtype and traddr). A bare PCI address is taken
 * as trtype:pcie. Returns 0 or -EINVAL.
 */
int pnvme_trid_parse(struct pnvme_trid *trid, const char *str);
/* "trtype:X traddr:Y params" into buf; returns buf. */
const char *pnvme_trid_str(const struct pnvme_trid *trid, char *buf, size_t len);

/* ------------------------------------------------------------ controllers */

struct pnvme_ctrlr_opts {
	size_t opts_size;           /* sizeof(struct pnvme_ctrlr_opts) of the caller */
	uint32_t admin_queue_size;  /* default 32 */
	uint32_t num_io_queues;     /* I/O queues asked for; default 64 */
	uint32_t keep_alive_ms;     /* 0: off; default 10000 if the controller supports it */
	uint32_t admin_timeout_ms;  /* admin command timeout; default 30000 */
	uint32_t io_timeout_ms;     /* 0 (default): I/O never times out */
	bool shadow_doorbells;      /* use Doorbell Buffer Config if offered; default false:
				       in QEMU 7.2 it saved no MMIO write and cost IOPS
				       (docs/bench.md) */
};

void pnvme_ctrlr_opts_init(struct pnvme_ctrlr_opts *opts, size_t opts_size);

/*
 * Attach one controller: start the environment if needed, claim the device,
 * bring it up (reset, admin queue, identify, number of queues, namespaces).
 * opts may be NULL. Blocks until ready or failed.
 */
int pnvme_connect(const char *trid, const struct pnvme_ctrlr_opts *opts,
		  struct pnvme_ctrlr **ctrlr);

/* Return true to attach the controller at trid; opts may be adjusted. */
typedef bool (*pnvme_probe_cb)(void *ctx, const struct pnvme_trid *trid,
			       struct pnvme_ctrlr_opts *opts);
typedef void (*pnvme_attach_cb)(void *ctx, const struct pnvme_trid *trid,
				struct pnvme_ctrlr *ctrlr);

/*
 * Attach the controllers at trid, or with trid NULL every NVMe function bound
 * to vfio-pci, asking probe_cb (NULL: take all) before each. Returns the
 * number attached, or a negative errno if none could be and one failed.
 */
int pnvme_probe(const struct pnvme_trid *trid, void *ctx, pnvme_probe_cb probe_cb,
		pnvme_attach_cb attach_cb);

/*
 * Shut the controller down and free it. Requests still outstanding on any of
 * its qpairs complete (Aborted SQ Deletion) before this returns; qpairs are freed.
 */
int pnvme_detach(struct pnvme_ctrlr *ctrlr);

/*
 * Reset the controller (also one that failed): every outstanding request on
 * its qpairs and admin queue completes (Aborted SQ Deletion), the controller
 * is disabled and brought up again, and the qpairs are created anew, so
 * qpair and namespace handles stay valid. No other thread may use the
 * controller or its qpairs during the call. Returns 0, or a negative errno
 * with the controller failed.
 */
int pnvme_ctrlr_reset(struct pnvme_ctrlr *ctrlr);

const struct pnvme_trid *pnvme_ctrlr_get_trid(const struct pnvme_ctrlr *ctrlr);
const struct pnvme_ctrlr_data *pnvme_ctrlr_get_data(const struct pnvme_ctrlr *ctrlr);
uint64_t pnvme_ctrlr_get_cap(const struct pnvme_ctrlr *ctrlr);
uint32_t pnvme_ctrlr_get_vs(const struct pnvme_ctrlr *ctrlr);
/* Identify's NN: namespace IDs run from 1 to this. */
uint32_t pnvme_ctrlr_get_num_ns(const struct pnvme_ctrlr *ctrlr);
/* The namespace with that ID (active or not), NULL outside 1..NN. */
struct pnvme_ns *pnvme_ctrlr_get_ns(struct pnvme_ctrlr *ctrlr, uint32_t nsid);
/* Active namespaces in order; 0 when there are no more. */
uint32_t pnvme_ctrlr_get_first_active_ns(const struct pnvme_ctrlr *ctrlr);
uint32_t pnvme_ctrlr_get_next_active_ns(const struct pnvme_ctrlr *ctrlr, uint32_t prev);
/* Largest transfer one command carries (MDTS, capped by the PRP list); larger I/O is split. */
uint32_t pnvme_ctrlr_get_max_xfer_size(const struct pnvme_ctrlr *ctrlr);
/* I/O queues the controller granted. */
uint32_t pnvme_ctrlr_get_num_io_queues(const struct pnvme_ctrlr *ctrlr);
/* True once the controller reported a fatal status or stopped answering. */
bool pnvme_ctrlr_is_failed(const struct pnvme_ctrlr *ctrlr);
/* True when shadow doorbells (Doorbell Buffer Config) are in use. */
bool pnvme_ctrlr_uses_shadow_doorbells(const struct pnvme_ctrlr *ctrlr);

/* ------------------------------------------------------------ completions */

typedef void (*pnvme_cmd_cb)(void *arg, const struct pnvme_cpl *cpl);

static inline bool pnvme_cpl_is_error(const struct pnvme_cpl *cpl)
{
	return (cpl->status_raw & 0xfffe) != 0 &&
	       !(cpl->status.sct == PNVME_SCT_GENERIC && cpl->status.sc == PNVME_SC_SUCCESS);
}

/* A name for a status ("LBA Out of Range"); never NULL. */
const char *pnvme_status_str(uint8_t sct, uint8_t sc);
static inline const char *pnvme_cpl_status_str(const struct pnvme_cpl *cpl)
{
	return pnvme_status_str((uint8_t)cpl->status.sct, (uint8_t)cpl->status.sc);
}

/* ------------------------------------------------------------ admin */

/*
 * Submit an admin command as given (the driver sets CID and the data pointer
 * from buf/len; buf must be DMA memory or NULL). cb runs from
 * pnvme_ctrlr_process_admin_completions(). Safe from several threads.
 */
int pnvme_ctrlr_cmd_admin_raw(struct pnvme_ctrlr *ctrlr, const struct pnvme_cmd *cmd, void *buf,
			      uint32_t len, pnvme_cmd_cb cb, void *arg);
/* Reap admin completions (and run keep-alive and AER handling). Returns the count. */
int pnvme_ctrlr_process_admin_completions(struct pnvme_ctrlr *ctrlr);

/* Called for each Asynchronous Event the controller reports (cdw0 of the completion). */
typedef void (*pnvme_aer_cb)(void *arg, const struct pnvme_cpl *cpl);
void pnvme_ctrlr_register_aer_callback(struct pnvme_ctrlr *ctrlr, pnvme_aer_cb cb, void *arg);

/* ------------------------------------------------------------ namespaces */

uint32_t pnvme_ns_get_id(const struct pnvme_ns *ns);
bool pnvme_ns_is_active(const struct pnvme_ns *ns);
const struct pnvme_ns_data *pnvme_ns_get_data(const struct pnvme_ns *ns);
uint32_t pnvme_ns_get_sector_size(const struct pnvme_ns *ns);
uint64_t pnvme_ns_get_num_sectors(const struct pnvme_ns *ns);
uint64_t pnvme_ns_get_size(const struct pnvme_ns *ns);
/* Optimal I/O boundary in sectors (NOIOB); 0 if none. I/O crossing it is split. */
uint32_t pnvme_ns_get_optimal_io_boundary(const struct pnvme_ns *ns);

/* ------------------------------------------------------------ qpairs */

struct pnvme_io_qpair_opts {
	size_t opts_size;
	uint32_t io_queue_size;     /* entries; default 256, capped by CAP.MQES */
	uint32_t io_queue_requests; /* request pool; default 2x queue size, at least the queue */
	bool delay_doorbell;        /* ring the SQ doorbell only in pnvme_qpair_flush() or
				       process_completions() (batching) */
};

void pnvme_ctrlr_get_default_io_qpair_opts(const struct pnvme_ctrlr *ctrlr,
					   struct pnvme_io_qpair_opts *opts, size_t opts_size);
/* A new I/O queue pair; opts may be NULL. One thread uses a qpair at a time. */
int pnvme_ctrlr_alloc_io_qpair(struct pnvme_ctrlr *ctrlr, const struct pnvme_io_qpair_opts *opts,
			       struct pnvme_qpair **qpair);
/* Delete the queue pair; outstanding and queued requests complete (aborted) first. */
int pnvme_ctrlr_free_io_qpair(struct pnvme_qpair *qpair);

/*
 * Reap up to max completions (0: as many as the cap allows), run their
 * callbacks, submit queued requests. Called from one of this qpair's own
 * callbacks it returns 0 and does nothing. Returns the number reaped, or -ENXIO
 * once the controller has failed (outstanding requests are then completed
 * with an aborted status).
 */
int32_t pnvme_qpair_process_completions(struct pnvme_qpair *qpair, uint32_t max);
/* Ring the SQ doorbell for commands submitted with delay_doorbell. */
void pnvme_qpair_flush(struct pnvme_qpair *qpair);
struct pnvme_qpair_stats {
	uint64_t sq_doorbell_writes; /* MMIO writes to the SQ tail doorbell */
	uint64_t cq_doorbell_writes; /* MMIO writes to the CQ head doorbell */
	uint64_t invalid_completions; /* completions dropped: CID not outstanding, or a duplicate */
};
/* Counters since the qpair was allocated. */
void pnvme_qpair_get_stats(const struct pnvme_qpair *qpair, struct pnvme_qpair_stats *stats);

/* Requests submitted and not yet completed (in the device or the software queue). */
uint32_t pnvme_qpair_get_num_outstanding(const struct pnvme_qpair *qpair);

/* ------------------------------------------------------------ I/O */

#define PNVME_IO_FLAGS_FUA (1u << 30)
#define PNVME_IO_FLAGS_LIMITED_RETRY (1u << 31)

/*
 * Read/write/compare lba_count sectors at lba. buf: DMA memory (pnvme_dma_zmalloc),
 * dword aligned, lba_count sectors long; it must stay valid until the callback.
 * Errors: -EINVAL (bad range, zero sectors, buffer not DMA-able or misaligned,
 * qpair of another controller, inactive namespace), -ENOMEM (request pool
 * exhausted: retry after completions), -ENXIO (controller failed).
 */
int pnvme_ns_cmd_read(struct pnvme_ns *ns, struct pnvme_qpair *qpair, void *buf, uint64_t lba,
		      uint32_t lba_count, pnvme_cmd_cb cb, void *arg, uint32_t io_flags);
int pnvme_ns_cmd_write(struct pnvme_ns *ns, struct pnvme_qpair *qpair, void *buf, uint64_t lba,
		       uint32_t lba_count, pnvme_cmd_cb cb, void *arg, uint32_t io_flags);
int pnvme_ns_cmd_compare(struct pnvme_ns *ns, struct pnvme_qpair *qpair, void *buf, uint64_t lba,
			 uint32_t lba_count, pnvme_cmd_cb cb, void *arg, uint32_t io_flags);

/*
 * Vectored forms: the iovec array (DMA memory elements) must stay valid until
 * the callback. Elements that one PRP list cannot express together (one that
 * does not end on a page boundary in the middle) are split transparently.
 */
int pnvme_ns_cmd_readv(struct pnvme_ns *ns, struct pnvme_qpair *qpair, const struct iovec *iov,
		       int iovcnt, uint64_t lba, uint32_t lba_count, pnvme_cmd_cb cb, void *arg,
		       uint32_t io_flags);
int pnvme_ns_cmd_writev(struct pnvme_ns *ns, struct pnvme_qpair *qpair, const struct iovec *iov,
			int iovcnt, uint64_t lba, uint32_t lba_count, pnvme_cmd_cb cb, void *arg,
			uint32_t io_flags);

int pnvme_ns_cmd_write_zeroes(struct pnvme_ns *ns, struct pnvme_qpair *qpair, uint64_t lba,
			      uint32_t lba_count, pnvme_cmd_cb cb, void *arg, uint32_t io_flags);
int pnvme_ns_cmd_flush(struct pnvme_ns *ns, struct pnvme_qpair *qpair, pnvme_cmd_cb cb,
		       void *arg);
/*
 * Dataset Management (attributes: PNVME_DSM_ATTR_DEALLOCATE...). The ranges are
 * copied into DMA memory before the command goes out; they must stay valid
 * until the callback.
 */
int pnvme_ns_cmd_dataset_management(struct pnvme_ns *ns, struct pnvme_qpair *qpair,
				    uint32_t attributes, const struct pnvme_dsm_range *ranges,
				    uint16_t num_ranges, pnvme_cmd_cb cb, void *arg);
/* Deallocate lba_count sectors at lba (DSM with one range). */
int pnvme_ns_cmd_deallocate(struct pnvme_ns *ns, struct pnvme_qpair *qpair, uint64_t lba,
			    uint32_t lba_count, pnvme_cmd_cb cb, void *arg);

/* Submit an I/O command as given (the driver sets CID and the data pointer). */
int pnvme_ctrlr_cmd_io_raw(struct pnvme_ctrlr *ctrlr, struct pnvme_qpair *qpair,
			   const struct pnvme_cmd *cmd, void *buf, uint32_t len, pnvme_cmd_cb cb,
			   void *arg);

#ifdef __cplusplus
}
#endif

#endif /* PNVME_NVME_H */
