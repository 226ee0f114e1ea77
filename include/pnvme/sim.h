/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The software NVMe controller ("sim" transport): a controller that behaves as
 * the NVMe specification says, reachable through the PCI interface like a real
 * function (trtype:sim), or driven directly through this API.
 *
 * Every controller has a name (its traddr). The driver attaches one with
 * "trtype:sim traddr:simA ns=2 ..."; a test finds it with pnvme_sim_get("simA")
 * to inject faults. docs/sim.md lists the parameters.
 */
#ifndef PNVME_SIM_H
#define PNVME_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct pnvme_sim;

/*
 * Create a controller named name ("" or NULL: the first free "simN") with the
 * whitespace-separated "key=value" params (NULL for defaults).
 * Returns 0, -EINVAL for a bad parameter, -EEXIST if the name is taken,
 * -ENOMEM, or another negative errno.
 */
int pnvme_sim_create(const char *name, const char *params, struct pnvme_sim **out);
/* Stop and free a controller made by pnvme_sim_create (not one the driver attached). */
void pnvme_sim_destroy(struct pnvme_sim *sim);
/* The live controller of that name, or NULL. Valid until it is detached/destroyed. */
struct pnvme_sim *pnvme_sim_get(const char *name);
const char *pnvme_sim_name(const struct pnvme_sim *sim);

/* The register file (BAR0): registers at their spec offsets, doorbells from 0x1000. */
volatile void *pnvme_sim_bar0(struct pnvme_sim *sim);
size_t pnvme_sim_bar0_len(const struct pnvme_sim *sim);

/*
 * Step mode (param thread=0): do all pending register and doorbell work once.
 * Returns the number of commands processed, or -EBUSY if a device thread runs.
 */
int pnvme_sim_poll(struct pnvme_sim *sim);

/* ---------------------------------------------------------------- faults */

enum pnvme_sim_queue {
	PNVME_SIM_ADMIN = 0, /* the admin queue */
	PNVME_SIM_IO = 1,    /* any I/O queue */
};

/* Matches every opcode. */
#define PNVME_SIM_ANY_OPC 0x100u

enum pnvme_sim_fault_type {
	PNVME_SIM_FAULT_FAIL,      /* complete with sct/sc (and DNR) without executing */
	PNVME_SIM_FAULT_DROP,      /* execute, never post the completion */
	PNVME_SIM_FAULT_BOGUS_CID, /* post an extra completion with a CID not outstanding first */
	PNVME_SIM_FAULT_DUPLICATE, /* post the completion twice */
	PNVME_SIM_FAULT_STALL,     /* fetch, then neither execute nor complete for stall_ms */
};

struct pnvme_sim_fault {
	enum pnvme_sim_fault_type type;
	enum pnvme_sim_queue queue;
	unsigned opc;   /* opcode, or PNVME_SIM_ANY_OPC */
	unsigned count; /* the next count matching commands */
	uint8_t sct;    /* FAIL only */
	uint8_t sc;
	bool dnr;
	uint32_t stall_ms; /* STALL only: 0 = until an Abort, SQ deletion or reset */
};

/* Arm a fault for the next matching commands. -EINVAL for a bad fault, -ENOSPC if full. */
int pnvme_sim_inject(struct pnvme_sim *sim, const struct pnvme_sim_fault *fault);
int pnvme_sim_fail_next(struct pnvme_sim *sim, enum pnvme_sim_queue queue, unsigned opc,
			unsigned count, uint8_t sct, uint8_t sc, bool dnr);
int pnvme_sim_drop_next(struct pnvme_sim *sim, enum pnvme_sim_queue queue, unsigned opc,
			unsigned count);
int pnvme_sim_bogus_cid_next(struct pnvme_sim *sim, enum pnvme_sim_queue queue, unsigned opc,
			     unsigned count);
int pnvme_sim_duplicate_next(struct pnvme_sim *sim, enum pnvme_sim_queue queue, unsigned opc,
			     unsigned count);
/*
 * Stall the next count matching commands: they are fetched, but neither
 * executed nor completed for stall_ms ms; then they execute (a Read's data is
 * written to host memory, a Write's data read from it, at that moment) and
 * complete. stall_ms == 0: until something else ends the stall. An Abort
 * (PNVME_SIM_ABORT_NORMAL) completes it as Aborted by Request, deleting its SQ
 * as Aborted - SQ Deletion, both without any data transfer; a controller reset
 * (CC.EN 1 -> 0) or NVM subsystem reset (param nssr=1) discards it without a
 * completion or data transfer.
 */
int pnvme_sim_stall_next(struct pnvme_sim *sim, enum pnvme_sim_queue queue, unsigned opc,
			 unsigned count, uint32_t stall_ms);
/*
 * Post one completion entry on CQ qid with exactly this CID (any value) and
 * raw status (CQE dword 3 bits 31:16; the sim sets the phase tag), cdw0 0,
 * SQ ID and head of the SQ using that CQ. Posted as soon as the CQ has room;
 * dropped if the CQ is deleted first. -EINVAL if there is no such CQ,
 * -ENOSPC if 16 entries are waiting already, -ENODEV after pnvme_sim_remove.
 */
int pnvme_sim_post_bogus(struct pnvme_sim *sim, uint16_t qid, uint16_t cid, uint16_t status);
/* Disarm every fault not yet fired (held completions stay held). */
void pnvme_sim_clear_faults(struct pnvme_sim *sim);

/* How the controller answers an Abort command. */
enum pnvme_sim_abort_mode {
	/*
	 * Default: a command the controller still holds (stalled, completion
	 * dropped or delayed) completes as Aborted by Request and the Abort's
	 * cdw0 bit 0 is 0; otherwise bit 0 is 1 (not aborted).
	 */
	PNVME_SIM_ABORT_NORMAL = 0,
	/* Every Abort completes at once, successfully, with cdw0 bit 0 = 1; the victim is untouched. */
	PNVME_SIM_ABORT_IGNORE = 1,
	/* No Abort completes until a controller reset (CC.EN 1 -> 0); the victim is untouched. */
	PNVME_SIM_ABORT_HOLD = 2,
};

/*
 * For Aborts fetched from now on. Whatever the mode, an Abort that arrives
 * while ACL + 1 Aborts are outstanding (held by ABORT_HOLD, stalled or
 * dropped) completes with Abort Command Limit Exceeded (param acl=, default 3).
 */
void pnvme_sim_set_abort_mode(struct pnvme_sim *sim, enum pnvme_sim_abort_mode mode);

/* Delay every completion posted from now on by us microseconds. */
void pnvme_sim_set_latency_us(struct pnvme_sim *sim, uint32_t us);
/* CSTS.RDY delay for the next enable or disable (CAP.TO does not change). */
void pnvme_sim_set_ready_ms(struct pnvme_sim *sim, uint32_t ms);
/* Never set CSTS.RDY while true. */
void pnvme_sim_set_never_ready(struct pnvme_sim *sim, bool never);
/* Controller Fatal Status now: CSTS.CFS set, processing stops until a reset. */
void pnvme_sim_set_cfs(struct pnvme_sim *sim);
/*
 * A controller that failed while enabling: CC.EN = 1 (the sim sets it in CC
 * if the host left it clear), CSTS.RDY = 0, CSTS.CFS = 1, nothing processed.
 * Clearing CC.EN then resets it as usual (RDY = 0, CFS = 0 after ready_ms),
 * and a new enable works. In effect when the call returns.
 */
void pnvme_sim_set_stuck_cfs(struct pnvme_sim *sim);
/*
 * Queue an asynchronous event; an outstanding AER completes with it. -ENOSPC
 * if full. A raw test hook: it ignores Asynchronous Event Configuration and
 * the masking of an event type until its log page is read.
 */
int pnvme_sim_raise_aer(struct pnvme_sim *sim, uint8_t type, uint8_t info, uint8_t log_page);

/* ---------------------------------------------------------------- namespaces */

/*
 * Namespace changes a controller may make behind the host's back. Each one
 * lists nsid in the Changed Namespace List log page (LID 04h) and, if the
 * host enabled Namespace Attribute Notices (Set Features Asynchronous Event
 * Configuration, bit 8) and has read that log page (RAE clear) since the last
 * notice, raises a Namespace Attribute Changed event (type 2 Notice, info 00h,
 * log page 04h).
 */

/*
 * Format nsid with lba_size-byte blocks (512..64K, a power of 2) and
 * size_bytes in all (0: keep the byte size; else 4K..16T, a multiple of
 * lba_size), keeping its metadata format. The data is lost: every block reads
 * back as zeroes. -EINVAL for a bad argument, -ENOENT if the namespace is
 * inactive, -ENOMEM.
 */
int pnvme_sim_ns_format(struct pnvme_sim *sim, uint32_t nsid, uint32_t lba_size,
			uint64_t size_bytes);
/*
 * The same with a metadata format, as the params ms=, mset=, pi=, pil= give
 * one: ms bytes of metadata a block (0..64), extended (after each block's
 * data) or separate (MPTR), protection information type pi (0 none, 1..3;
 * needs ms >= 8) in the first (pil) or last eight bytes of the metadata.
 * Data and metadata are lost; never-written PI reads as the escape values.
 */
int pnvme_sim_ns_format_md(struct pnvme_sim *sim, uint32_t nsid, uint32_t lba_size,
			   uint32_t ms, bool extended, uint8_t pi, bool pil, uint64_t size_bytes);

/* A field of the protection information of a block. */
enum pnvme_sim_pi_field {
	PNVME_SIM_PI_GUARD = 0,
	PNVME_SIM_PI_APP_TAG = 1,
	PNVME_SIM_PI_REF_TAG = 2,
};
/*
 * Flip the lowest bit of one stored PI field of block lba, so that a Read or
 * Compare that checks that field (PRCHK) fails with Guard, Application Tag or
 * Reference Tag Check Error (an application tag that becomes FFFFh disables
 * the checks instead, as the spec says). -EINVAL for a bad argument, an LBA
 * beyond the namespace or a format without PI, -ENOENT if inactive.
 */
int pnvme_sim_corrupt_pi(struct pnvme_sim *sim, uint32_t nsid, uint64_t lba,
			 enum pnvme_sim_pi_field what);
/*
 * Make nsid inactive: Identify Namespace returns zeroes, it leaves the active
 * namespace list, and I/O to it gets Invalid Namespace or Format. Its data is
 * freed. -EINVAL for a bad nsid, -ENOENT if it is inactive already.
 */
int pnvme_sim_ns_remove(struct pnvme_sim *sim, uint32_t nsid);

/*
 * Surprise removal, from now on: every BAR0 read returns all ones (the sim
 * refills the register file with ones on every pass, so a host write may read
 * back until the next pass or poll), register and doorbell writes are
 * ignored, config space reads return all ones and writes are ignored, and no
 * DMA happens: nothing is fetched, executed or posted. There is no way back;
 * detach or destroy free everything as usual.
 */
void pnvme_sim_remove(struct pnvme_sim *sim);
bool pnvme_sim_is_removed(const struct pnvme_sim *sim);

/* ---------------------------------------------------------------- stats */

struct pnvme_sim_stats {
	uint64_t admin_cmds[256]; /* commands fetched, by opcode */
	uint64_t io_cmds[256];
	uint64_t bytes_read;      /* Read data really written to host memory */
	uint64_t bytes_written;   /* Write data really read from host memory */
	uint64_t sq_doorbell_writes; /* MMIO SQ tail doorbell changes seen */
	uint64_t cq_doorbell_writes; /* MMIO CQ head doorbell changes seen */
	uint64_t completions;     /* CQEs posted, injected ones included */
	uint64_t errors;          /* CQEs posted with a non-zero status */
	uint64_t dropped;         /* completions held back by DROP faults */
	uint64_t faults;          /* faults that fired */
	uint64_t stalled;         /* commands stalled by STALL faults */
	uint64_t stall_discarded; /* stalled commands ended without executing (Abort, deletion, reset) */
	uint64_t prp_cmds;        /* I/O commands moving data (Read, Write, Compare, DSM) with PRPs */
	uint64_t sgl_cmds;        /* ... with an SGL (PSDT 01b or 10b) */
};

void pnvme_sim_get_stats(struct pnvme_sim *sim, struct pnvme_sim_stats *stats);

#ifdef __cplusplus
}
#endif

#endif /* PNVME_SIM_H */
