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

/* The library's version, "MAJOR.MINOR.PATCH" (e.g. "0.2.0"); a program linked with the
 * shared library gets the version of the one it runs with. */
const char *pnvme_version(void);

/* ------------------------------------------------------------ transport IDs */

#define PNVME_TRTYPE_MAX 16
#define PNVME_TRADDR_MAX 64
#define PNVME_TRPARAMS_MAX 256

struct pnvme_trid {
	char trtype[PNVME_TRTYPE_MAX];     /* "pcie", "sim" or "tcp" */
	char traddr[PNVME_TRADDR_MAX];     /* PCI address, a sim's name, or an IP address */
	char params[PNVME_TRPARAMS_MAX];   /* the other words, "key=value ..." */
};

/*
 * Parse "trtype:pcie traddr:0000:00:04.0" (words separated by spaces; "key:v"
 * and "key=v" both accepted). A bare PCI address is taken as trtype:pcie.
 * Words other than trtype and traddr go to params as "key=value": NVMe/TCP's
 * "trtype:tcp adrfam:ipv4 traddr:127.0.0.1 trsvcid:4420 subnqn:NQN" plus
 * optional hostnqn:, hostid: (a uuid), hdgst:1, ddgst:1 (checked when the
 * controller is attached: -EINVAL, with a log line, for a malformed one).
 * Returns 0 or -EINVAL.
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
	uint32_t io_timeout_ms;     /* I/O command timeout; default 30000, 0: none */
	bool shadow_doorbells;      /* use Doorbell Buffer Config if offered; default false:
				       in QEMU 7.2 it saved no MMIO write and cost IOPS
				       (docs/bench.md) */
	/*
	 * Failed resets in a row before the controller is declared dead (every
	 * request then fails with -ENXIO); default 3. 0: never reset by itself,
	 * a failure disables the controller and declares it dead at once.
	 */
	uint32_t reset_attempts;
	/*
	 * Send again, once the qpair is back, the reads, writes, flushes, write
	 * zeroes and deallocates that a reset took from the device (they had no
	 * completion), up to resubmit_limit times each; default false.
	 */
	bool reset_resubmit;
	uint32_t resubmit_limit;    /* default 3 */
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

/* ------------------------------------------------------------ NVMe over Fabrics discovery */

/* One entry of a Discovery log page: where a subsystem (or a discovery controller) is. */
struct pnvme_discovery_entry {
	char trtype[16];  /* "tcp", "rdma", "fc", "loop", or the number */
	char adrfam[16];  /* "ipv4", "ipv6", "ib", "fc", "loop", or the number */
	char traddr[257];
	char trsvcid[33];
	char subnqn[257];
	uint8_t subtype;  /* 1 discovery referral, 2 NVM subsystem, 3 this discovery controller */
	uint8_t treq;     /* transport requirements (bits 1:0 secure channel, bit 2 SQ flow
			   * control disable supported) */
	uint16_t portid;
	uint16_t cntlid;  /* 0xffff: dynamic */
	uint16_t asqsz;   /* admin queue entries the port takes at least */
	uint16_t eflags;  /* entry flags (duplicate returned info, explicit persistent connection) */
	uint8_t sectype;  /* TCP: security type (0 none, 1 TLS 1.2, 2 TLS 1.3) */
	uint64_t genctr;  /* the log page's generation counter */
};

typedef void (*pnvme_discover_cb)(void *ctx, const struct pnvme_discovery_entry *entry);

/*
 * Ask the discovery controller at trid ("trtype:tcp traddr:IP [trsvcid:8009]
 * [subnqn:...]": port 8009 and the well-known discovery NQN unless given;
 * hostnqn/hostid as for pnvme_connect) for its Discovery log page (all
 * records), call cb for each entry in order, and disconnect. Blocks for the
 * exchange (bounded by a 10 s timeout). Returns the number of entries, or a
 * negative errno: -EINVAL for a malformed trid, -ENOTSUP for a trtype other
 * than tcp, -ECONNREFUSED/-ETIMEDOUT/-EIO when the controller cannot be
 * reached or refuses. No environment (DMA memory) is needed.
 */
int pnvme_discover(const char *trid, pnvme_discover_cb cb, void *ctx);

/*
 * Shut the controller down, disable it, and free it. Requests still
 * outstanding on any of its qpairs complete (Aborted SQ Deletion) once the
 * device is stopped, before this returns; qpairs are freed. No other thread may
 * use the controller meanwhile; from a completion callback: -EBUSY.
 */
int pnvme_detach(struct pnvme_ctrlr *ctrlr);

/*
 * Reset the controller: disable it (CSTS.RDY seen 0; a function reset or bus
 * mastering off where it does not answer), complete the admin commands
 * outstanding, bring it up again. Other threads may go on polling and
 * submitting meanwhile: each I/O qpair's owner completes that qpair's
 * outstanding requests (Aborted SQ Deletion, or sends them again with
 * opts.reset_resubmit) at its next poll once the controller is disabled,
 * and the qpair is created anew on the device with its handle unchanged;
 * requests submitted in between wait in the software queue. Allowed from a
 * completion callback. Returns 0, or a negative errno when the reset failed
 * (after opts.reset_attempts failures the controller is dead: -ENXIO).
 */
int pnvme_ctrlr_reset(struct pnvme_ctrlr *ctrlr);
/* Ask for a reset without waiting for it: the next admin or I/O poll drives it. */
void pnvme_ctrlr_request_reset(struct pnvme_ctrlr *ctrlr);

/* What to do about a command that timed out (pnvme_timeout_cb's answer). */
enum pnvme_timeout_action {
	PNVME_TIMEOUT_ABORT, /* send Abort; reset if it is still there one period later */
	PNVME_TIMEOUT_RESET, /* reset the controller now */
	PNVME_TIMEOUT_NONE,  /* wait one more period, then ask again */
};
/*
 * Called in the thread that polls the command's queue (qpair NULL and
 * is_admin true for an admin command). Without a callback: Abort for I/O,
 * reset for admin commands.
 */
typedef enum pnvme_timeout_action (*pnvme_timeout_cb)(void *arg, struct pnvme_ctrlr *ctrlr,
						      struct pnvme_qpair *qpair, uint16_t cid,
						      bool is_admin);
void pnvme_ctrlr_register_timeout_callback(struct pnvme_ctrlr *ctrlr, pnvme_timeout_cb cb,
					   void *arg);

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
/*
 * True once the controller is dead: it stopped answering (removed) or could
 * not be reset (opts.reset_attempts). Every request then fails with -ENXIO.
 */
bool pnvme_ctrlr_is_failed(const struct pnvme_ctrlr *ctrlr);
/* Resets done so far (by the driver's recovery or pnvme_ctrlr_reset). */
uint32_t pnvme_ctrlr_get_num_resets(const struct pnvme_ctrlr *ctrlr);
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

/* ------------------------------------------------------------ admin helpers */

/*
 * Each builds one admin command and submits it as pnvme_ctrlr_cmd_admin_raw
 * does: buf is DMA memory (pnvme_dma_zmalloc) of len bytes, or NULL when the
 * command moves no data; cb runs once from pnvme_ctrlr_process_admin_completions().
 * They return 0 or a negative errno (-EINVAL for a field out of range: nothing
 * is sent); device status comes in the callback.
 */
/* Identify: cns (PNVME_CNS_*) for nsid; buf is 4096 bytes. */
int pnvme_ctrlr_cmd_identify(struct pnvme_ctrlr *ctrlr, uint8_t cns, uint32_t nsid, void *buf,
			     pnvme_cmd_cb cb, void *arg);
/* Get Log Page lid from byte offset (dword aligned), len bytes (a multiple of 4). */
#define PNVME_GET_LOG_RAE (1u << 0) /* retain the asynchronous event the page clears */
int pnvme_ctrlr_cmd_get_log_page(struct pnvme_ctrlr *ctrlr, uint8_t lid, uint32_t nsid,
				 void *buf, uint32_t len, uint64_t offset, uint32_t flags,
				 pnvme_cmd_cb cb, void *arg);
/* Get Features fid with select sel (0 current, 1 default, 2 saved, 3 capabilities). */
int pnvme_ctrlr_cmd_get_feature(struct pnvme_ctrlr *ctrlr, uint8_t fid, uint8_t sel,
				uint32_t cdw11, uint32_t nsid, void *buf, uint32_t len,
				pnvme_cmd_cb cb, void *arg);
/* Set Features fid; save asks the controller to keep the value across power cycles. */
int pnvme_ctrlr_cmd_set_feature(struct pnvme_ctrlr *ctrlr, uint8_t fid, uint32_t cdw11,
				uint32_t cdw12, bool save, uint32_t nsid, void *buf, uint32_t len,
				pnvme_cmd_cb cb, void *arg);
/* What Format NVM asks for. */
struct pnvme_format {
	uint8_t lbaf;  /* LBA format index, 0..63 */
	uint8_t ses;   /* secure erase: 0 none, 1 user data, 2 cryptographic */
	uint8_t pi;    /* protection information type 0..3 */
	bool pil;      /* PI in the first eight bytes of metadata */
	bool mset;     /* metadata as part of an extended LBA */
};
/* Format NVM of nsid (0xffffffff: every namespace). Namespace handles are not
 * updated: pnvme_ctrlr_rescan_ns() (the sync form does it) or the AER does. */
int pnvme_ctrlr_cmd_format(struct pnvme_ctrlr *ctrlr, uint32_t nsid,
			   const struct pnvme_format *fmt, pnvme_cmd_cb cb, void *arg);
/* Sanitize: cdw10 is SANACT (PNVME_SANACT_*) | PNVME_SANITIZE_* flags; ovrpat for Overwrite. */
int pnvme_ctrlr_cmd_sanitize(struct pnvme_ctrlr *ctrlr, uint32_t cdw10, uint32_t ovrpat,
			     pnvme_cmd_cb cb, void *arg);
/* Firmware Image Download: len bytes of the image at byte offset (both dword multiples). */
int pnvme_ctrlr_cmd_fw_image_download(struct pnvme_ctrlr *ctrlr, uint32_t offset, void *buf,
				      uint32_t len, pnvme_cmd_cb cb, void *arg);
/* Firmware Commit: slot 0..7, action PNVME_FW_CA_*. */
int pnvme_ctrlr_cmd_fw_commit(struct pnvme_ctrlr *ctrlr, uint8_t slot, uint8_t action,
			      pnvme_cmd_cb cb, void *arg);
/* Namespace Management create: data (DMA, 4096 bytes) gives NSZE, NCAP, FLBAS, DPS,
 * NMIC; the new NSID arrives in the completion's cdw0. */
int pnvme_ctrlr_cmd_ns_create(struct pnvme_ctrlr *ctrlr, struct pnvme_ns_data *data,
			      pnvme_cmd_cb cb, void *arg);
int pnvme_ctrlr_cmd_ns_delete(struct pnvme_ctrlr *ctrlr, uint32_t nsid, pnvme_cmd_cb cb,
			      void *arg);
/* Namespace Attachment: attach (true) or detach nsid for the controllers in list (DMA). */
int pnvme_ctrlr_cmd_ns_attach(struct pnvme_ctrlr *ctrlr, uint32_t nsid, bool attach,
			      struct pnvme_ctrlr_list *list, pnvme_cmd_cb cb, void *arg);
/* Device Self-test: code PNVME_DST_SHORT, _EXTENDED or _ABORT; nsid 0 for the controller. */
int pnvme_ctrlr_cmd_device_self_test(struct pnvme_ctrlr *ctrlr, uint32_t nsid, uint8_t code,
				     pnvme_cmd_cb cb, void *arg);

/*
 * Synchronous forms for tools: they submit, poll the admin queue until the
 * completion (at most opts.admin_timeout_ms), and return 0, -EIO when the
 * device answered with an error (its entry in *cpl when cpl is not NULL), or
 * another negative errno. Their buffers are ordinary memory (copied through
 * DMA memory). Not from a completion callback (-EDEADLK).
 */
int pnvme_ctrlr_identify(struct pnvme_ctrlr *ctrlr, uint8_t cns, uint32_t nsid, void *buf,
			 struct pnvme_cpl *cpl);
int pnvme_ctrlr_get_log_page(struct pnvme_ctrlr *ctrlr, uint8_t lid, uint32_t nsid, void *buf,
			     uint32_t len, uint64_t offset, uint32_t flags, struct pnvme_cpl *cpl);
/* *value: the completion's cdw0. buf may be NULL (len 0). */
int pnvme_ctrlr_get_feature(struct pnvme_ctrlr *ctrlr, uint8_t fid, uint8_t sel, uint32_t cdw11,
			    uint32_t nsid, void *buf, uint32_t len, uint32_t *value,
			    struct pnvme_cpl *cpl);
int pnvme_ctrlr_set_feature(struct pnvme_ctrlr *ctrlr, uint8_t fid, uint32_t cdw11,
			    uint32_t cdw12, bool save, uint32_t nsid, const void *buf,
			    uint32_t len, struct pnvme_cpl *cpl);
/* Format, then pnvme_ctrlr_rescan_ns(): handles stay where they were, with the new format. */
int pnvme_ctrlr_format(struct pnvme_ctrlr *ctrlr, uint32_t nsid, const struct pnvme_format *fmt,
		       struct pnvme_cpl *cpl);
/* Start a sanitize; it runs on in the device: the Sanitize Status log page has its progress. */
int pnvme_ctrlr_sanitize(struct pnvme_ctrlr *ctrlr, uint32_t cdw10, uint32_t ovrpat,
			 struct pnvme_cpl *cpl);
/*
 * Download a whole image in pieces of xfer bytes (0: the controller's FWUG
 * granularity, 4 KiB when it gives none, never above the transfer limit);
 * xfer must be a multiple of FWUG when FWUG is set. len is a dword multiple.
 */
int pnvme_ctrlr_fw_download(struct pnvme_ctrlr *ctrlr, const void *image, size_t len,
			    uint32_t xfer, struct pnvme_cpl *cpl);
/*
 * The same for a piece of an image split in several files: it goes at byte
 * offset (a multiple of FWUG's granularity, a dword when FWUG gives none),
 * its pieces at offset + k * xfer; offset + len stays below 4 GiB.
 */
int pnvme_ctrlr_fw_download_at(struct pnvme_ctrlr *ctrlr, uint64_t offset, const void *image,
			       size_t len, uint32_t xfer, struct pnvme_cpl *cpl);
int pnvme_ctrlr_fw_commit(struct pnvme_ctrlr *ctrlr, uint8_t slot, uint8_t action,
			  struct pnvme_cpl *cpl);
/* Create a namespace: nsze/ncap in blocks of LBA format flbas; *nsid the new ID. */
int pnvme_ctrlr_ns_create(struct pnvme_ctrlr *ctrlr, uint64_t nsze, uint64_t ncap,
			  uint8_t flbas, uint8_t dps, uint8_t nmic, uint32_t *nsid,
			  struct pnvme_cpl *cpl);
/* Delete, attach, detach: then pnvme_ctrlr_rescan_ns(). ctrlr_ids NULL: this controller. */
int pnvme_ctrlr_ns_delete(struct pnvme_ctrlr *ctrlr, uint32_t nsid, struct pnvme_cpl *cpl);
int pnvme_ctrlr_ns_attach(struct pnvme_ctrlr *ctrlr, uint32_t nsid, bool attach,
			  const uint16_t *ctrlr_ids, uint16_t num_ids, struct pnvme_cpl *cpl);
int pnvme_ctrlr_device_self_test(struct pnvme_ctrlr *ctrlr, uint32_t nsid, uint8_t code,
				 struct pnvme_cpl *cpl);
/*
 * Read the active namespace list and Identify every namespace again, updating
 * each handle in place (pnvme_ctrlr_get_ns() pointers stay valid): a new
 * format's sector size, a namespace that appeared, one that went away (its
 * I/O then fails with -ENXIO). NN does not change: handles exist for 1..NN.
 */
int pnvme_ctrlr_rescan_ns(struct pnvme_ctrlr *ctrlr);

/* ------------------------------------------------------------ namespaces */

uint32_t pnvme_ns_get_id(const struct pnvme_ns *ns);
bool pnvme_ns_is_active(const struct pnvme_ns *ns);
const struct pnvme_ns_data *pnvme_ns_get_data(const struct pnvme_ns *ns);
uint32_t pnvme_ns_get_sector_size(const struct pnvme_ns *ns);
uint64_t pnvme_ns_get_num_sectors(const struct pnvme_ns *ns);
uint64_t pnvme_ns_get_size(const struct pnvme_ns *ns);
/* Optimal I/O boundary in sectors (NOIOB); 0 if none. I/O crossing it is split. */
uint32_t pnvme_ns_get_optimal_io_boundary(const struct pnvme_ns *ns);

/* Metadata bytes per block in the format in use; 0 for none. */
uint32_t pnvme_ns_get_md_size(const struct pnvme_ns *ns);
/* True when the metadata is interleaved with the data (extended LBA, FLBAS bit 4). */
bool pnvme_ns_md_is_extended(const struct pnvme_ns *ns);
/* Bytes per block in a data buffer: sector size, plus the metadata when extended. */
uint32_t pnvme_ns_get_extended_sector_size(const struct pnvme_ns *ns);
enum pnvme_pi_type {
	PNVME_PI_NONE = 0,
	PNVME_PI_TYPE1 = 1,
	PNVME_PI_TYPE2 = 2,
	PNVME_PI_TYPE3 = 3,
};
/* End-to-end protection of the format in use (DPS). */
enum pnvme_pi_type pnvme_ns_get_pi_type(const struct pnvme_ns *ns);
/* True when PI is the first 8 bytes of the metadata, false when the last (DPS bit 3). */
bool pnvme_ns_pi_is_first(const struct pnvme_ns *ns);

/* ------------------------------------------------------------ qpairs */

struct pnvme_io_qpair_opts {
	size_t opts_size;
	uint32_t io_queue_size;     /* entries; default 256, capped by CAP.MQES */
	uint32_t io_queue_requests; /* request pool; default 2x queue size, at least the queue */
	bool delay_doorbell;        /* ring the SQ doorbell only in pnvme_qpair_flush() or
				       process_completions() (batching) */
	enum pnvme_dptr_mode {
		PNVME_DPTR_AUTO, /* PRP where PRP can carry the payload, SGL where it saves a split */
		PNVME_DPTR_PRP,  /* always PRP (split where PRP cannot carry it) */
		PNVME_DPTR_SGL,  /* always SGL (-ENOTSUP at allocation without SGL support) */
	} dptr_mode;
	/*
	 * After the callbacks of a poll, ring the SQ tail doorbell (for what they
	 * submitted) before the CQ head doorbell, as Linux and SPDK order them:
	 * the controller has the new commands one doorbell write sooner. Default
	 * true (pnvme_ctrlr_get_default_io_qpair_opts()); false, CQ head first,
	 * takes a poll that is out of line. Either order is correct on hardware.
	 */
	bool sq_doorbell_first;
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
 * once the controller is dead (outstanding requests are then completed with
 * an aborted status, after the device was stopped).
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

/* True when the controller takes SGL data pointers for NVM commands (Identify SGLS). */
bool pnvme_ctrlr_supports_sgl(const struct pnvme_ctrlr *ctrlr);
/* True when it takes Compare and Write as a fused pair (FUSES bit 0). */
bool pnvme_ctrlr_supports_compare_and_write(const struct pnvme_ctrlr *ctrlr);

/* ------------------------------------------------------------ I/O */

#define PNVME_IO_FLAGS_FUA (1u << 30)
#define PNVME_IO_FLAGS_LIMITED_RETRY (1u << 31)
/* End-to-end protection (namespaces with PI): insert/strip, and which fields to check. */
#define PNVME_IO_FLAGS_PRACT PNVME_PRINFO_PRACT
#define PNVME_IO_FLAGS_PRCHK_GUARD PNVME_PRINFO_PRCHK_GUARD
#define PNVME_IO_FLAGS_PRCHK_APPTAG PNVME_PRINFO_PRCHK_APPTAG
#define PNVME_IO_FLAGS_PRCHK_REFTAG PNVME_PRINFO_PRCHK_REFTAG

/*
 * Read/write/compare lba_count sectors at lba. buf: DMA memory (pnvme_dma_zmalloc),
 * dword aligned, lba_count sectors long; it must stay valid until the callback.
 * On an NVMe/TCP controller (trtype:tcp) any memory will do, at any alignment:
 * the socket carries the bytes (here and in the vectored and admin calls).
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

/*
 * Metadata and protection information. buf holds lba_count blocks of
 * pnvme_ns_get_extended_sector_size() bytes: with an extended format the
 * metadata is in it and md must be NULL; with a separate format md (DMA
 * memory, lba_count x metadata size) is required. One exception: PRACT with
 * 8 bytes of metadata moves none (the controller inserts or strips the PI),
 * so buf holds sector-size blocks and md is NULL. io_flags may add PRACT and
 * PRCHK_*; the initial reference tag is the LBA's low 32 bits (types 1 and
 * 2), advanced for each piece of a split request; apptag/apptag_mask go to the
 * command as given. Errors as for pnvme_ns_cmd_read, and -EINVAL for md
 * missing, given where the format has none, or PI flags on a namespace
 * without PI.
 */
int pnvme_ns_cmd_read_with_md(struct pnvme_ns *ns, struct pnvme_qpair *qpair, void *buf,
			      void *md, uint64_t lba, uint32_t lba_count, pnvme_cmd_cb cb,
			      void *arg, uint32_t io_flags, uint16_t apptag_mask, uint16_t apptag);
int pnvme_ns_cmd_write_with_md(struct pnvme_ns *ns, struct pnvme_qpair *qpair, void *buf,
			       void *md, uint64_t lba, uint32_t lba_count, pnvme_cmd_cb cb,
			       void *arg, uint32_t io_flags, uint16_t apptag_mask, uint16_t apptag);
int pnvme_ns_cmd_compare_with_md(struct pnvme_ns *ns, struct pnvme_qpair *qpair, void *buf,
				 void *md, uint64_t lba, uint32_t lba_count, pnvme_cmd_cb cb,
				 void *arg, uint32_t io_flags, uint16_t apptag_mask,
				 uint16_t apptag);
int pnvme_ns_cmd_readv_with_md(struct pnvme_ns *ns, struct pnvme_qpair *qpair,
			       const struct iovec *iov, int iovcnt, void *md, uint64_t lba,
			       uint32_t lba_count, pnvme_cmd_cb cb, void *arg, uint32_t io_flags,
			       uint16_t apptag_mask, uint16_t apptag);
int pnvme_ns_cmd_writev_with_md(struct pnvme_ns *ns, struct pnvme_qpair *qpair,
				const struct iovec *iov, int iovcnt, void *md, uint64_t lba,
				uint32_t lba_count, pnvme_cmd_cb cb, void *arg, uint32_t io_flags,
				uint16_t apptag_mask, uint16_t apptag);

/*
 * Host-side protection information (CRC-16 T10-DIF guards through ISA-L) for
 * lba_count blocks laid out as the namespace's format says (md NULL for an
 * extended format). generate fills every block's PI (reference tag from the
 * LBA for types 1 and 2); verify checks the fields io_flags' PRCHK_* name and
 * returns -EILSEQ with *bad_lba set at the first block that fails.
 */
int pnvme_pi_generate(const struct pnvme_ns *ns, void *buf, void *md, uint64_t lba,
		      uint32_t lba_count, uint16_t apptag);
int pnvme_pi_verify(const struct pnvme_ns *ns, const void *buf, const void *md, uint64_t lba,
		    uint32_t lba_count, uint32_t io_flags, uint16_t apptag_mask, uint16_t apptag,
		    uint64_t *bad_lba);

/*
 * Fused Compare and Write: compare_buf against the blocks, and only if they
 * match write write_buf, atomically; one callback with the first failure
 * (Compare Failure when they differ: nothing is written). -ENOTSUP where the
 * controller lacks it.
 */
int pnvme_ns_cmd_compare_and_write(struct pnvme_ns *ns, struct pnvme_qpair *qpair,
				   void *compare_buf, void *write_buf, uint64_t lba,
				   uint32_t lba_count, pnvme_cmd_cb cb, void *arg, uint32_t io_flags);

/* Submit an I/O command as given (the driver sets CID and the data pointer). */
int pnvme_ctrlr_cmd_io_raw(struct pnvme_ctrlr *ctrlr, struct pnvme_qpair *qpair,
			   const struct pnvme_cmd *cmd, void *buf, uint32_t len, pnvme_cmd_cb cb,
			   void *arg);

#ifdef __cplusplus
}
#endif

#endif /* PNVME_NVME_H */
