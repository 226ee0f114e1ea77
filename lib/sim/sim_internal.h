/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The software NVMe controller's private state. One device thread (or the
 * caller of pnvme_sim_poll in step mode) owns everything here except the
 * fields marked "cross-thread", which the test thread may touch.
 */
#ifndef PNVME_SIM_INTERNAL_H
#define PNVME_SIM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "../env/log.h"
#include "../env/pci.h"
#include "pnvme/nvme_spec.h"
#include "pnvme/sim.h"

#define SIM_VID 0xfffe /* not a PCI-SIG vendor: nobody mistakes the sim for hardware */
#define SIM_DID 0x5349
#define SIM_PAGE_SHIFT 12
#define SIM_PAGE_SIZE (1u << SIM_PAGE_SHIFT) /* CAP.MPSMIN = MPSMAX = 0 */
#define SIM_PAGE_MASK ((uint64_t)SIM_PAGE_SIZE - 1)
#define SIM_CFG_SIZE 256
#define SIM_PCI_COMMAND 0x04 /* config space command register */
#define SIM_PCI_COMMAND_MASTER 0x4
#define SIM_MAX_FAULTS 16
#define SIM_MAX_EVENTS 16
#define SIM_MAX_BOGUS 16 /* pnvme_sim_post_bogus entries waiting for room */
#define SIM_AERL 3 /* 0's based: four AERs outstanding */
#define SIM_ACL 3 /* default of the acl parameter */
#define SIM_ERRLOG_ENTRIES 64
#define SIM_MAX_NS 128
#define SIM_NS_SIZE_MAX (1ull << 44) /* 16 TiB */
#define SIM_CHANGED_NS_MAX 1024     /* entries of the Changed Namespace List log page */
#define SIM_MAX_QUEUES 1024

/* Spec values nvme_spec.h does not carry. */
#define SIM_REG_CRTO 0x68            /* Controller Ready Timeouts (NVMe 2.0) */
#define SIM_CAP_CRWMS (1ull << 59)   /* CAP.CRMS: controller ready with media support */
#define SIM_CAP_CRIMS (1ull << 60)   /* CAP.CRMS: controller ready independent of media */
#define SIM_CAP_NSSRS (1ull << 36)   /* NVM subsystem reset supported */
#define SIM_NSSR_MAGIC 0x4e564d65u   /* "NVMe" written to NSSR */
#define SIM_CSTS_NSSRO (1u << 4)     /* NVM subsystem reset occurred */
#define SIM_CTRATT_TBKAS (1u << 6) /* traffic based keep alive */
#define SIM_CC_AMS(cc) (((cc) >> PNVME_CC_AMS_SHIFT) & 0x7)
#define SIM_CC_SHN(cc) (((cc) >> PNVME_CC_SHN_SHIFT) & 0x3)
#define SIM_NSID_ALL 0xffffffffu
#define SIM_LOG_CHANGED_NS_LIST 0x04
#define SIM_LOG_RAE (1u << 15)       /* Get Log Page CDW10: retain asynchronous event */
#define SIM_AEC_SMART 0xffu          /* AEC bits 7:0: SMART / Health critical warnings */
#define SIM_AEC_NS_ATTR (1u << 8)    /* AEC and OAES: Namespace Attribute Notices */
#define SIM_AEC_FW_ACT (1u << 9)     /* AEC and OAES: Firmware Activation Notices */
#define SIM_FW_SLOTS 3               /* firmware slots (FRMW) */
#define SIM_FW_MAX (1u << 20)        /* largest firmware image */
#define SIM_FWUG 1                   /* Identify FWUG: 4 KiB pieces */
#define SIM_DST_RESULTS 20           /* Device Self-test log entries */
#define SIM_MS_MAX 64                /* largest metadata size per block (param ms=) */
#define SIM_SGL_MAX_DESCS (1u << 20) /* descriptors one SGL may have (catches loops) */

/* Raw CQE status (phase bit clear). */
static inline uint16_t sim_status(unsigned sct, unsigned sc, bool dnr)
{
	return (uint16_t)(PNVME_STATUS_RAW(sct, sc) | (dnr ? PNVME_STATUS_DNR_BIT : 0));
}
/* A 128-bit little-endian counter from a 64-bit value. */
static inline void sim_le128(uint8_t out[16], uint64_t v)
{
	for (int i = 0; i < 16; i++)
		out[i] = i < 8 ? (uint8_t)(v >> (8 * i)) : 0;
}

#define SIM_OK 0
#define SIM_ERR(sc) sim_status(PNVME_SCT_GENERIC, (sc), true)
#define SIM_CS_ERR(sc) sim_status(PNVME_SCT_COMMAND_SPECIFIC, (sc), true)

/* Transport-ID parameters (sim_params.c). */
struct sim_params {
	uint32_t ns_count; /* namespaces allocated and attached at start */
	uint32_t nn;       /* Identify NN: namespace IDs 1..nn (0 until parsed: ns_count) */
	uint32_t sanitize_ms; /* how long a sanitize operation takes */
	uint32_t selftest_ms; /* how long a short device self-test takes (extended: 4x) */
	uint64_t ns_size;  /* bytes per namespace */
	uint32_t lba_size;       /* the first namespace's */
	uint32_t lba_sizes[SIM_MAX_NS]; /* lba=512,4096: one per namespace, the last repeats */
	uint32_t n_lba_sizes;
	uint32_t mdts;     /* 0: no limit */
	uint32_t mqes;     /* CAP.MQES, 0's based */
	uint32_t queues;   /* I/O queue pairs offered */
	uint32_t dstrd;
	uint32_t to;       /* CAP.TO, 500 ms units; 0: derived from ready_ms (or crto_ms) */
	uint32_t vs;       /* VS and Identify VER */
	uint32_t crto_ms;  /* VS >= 2.0: CRTO.CRWMT = CRIMT, rounded up to 500 ms; 0: CAP.TO */
	uint32_t rtd3e_us; /* Identify RTD3E */
	int64_t shutdown_ms; /* < 0: as long as ready_ms */
	uint32_t latency_us;
	uint32_t ready_ms;
	uint32_t idle_us;
	uint32_t noiob;
	uint32_t kas;      /* Keep Alive granularity, 100 ms units; 0: unsupported */
	uint32_t acl;      /* Identify ACL, 0's based: Aborts outstanding at once */
	uint32_t ms;       /* metadata bytes per block */
	bool mset;         /* metadata as an extended LBA (FLBAS bit 4) */
	uint32_t pi;       /* protection information type (DPS bits 2:0) */
	bool pil;          /* PI in the first eight bytes of metadata (DPS bit 3) */
	uint32_t sgl;      /* Identify SGLS bits 1:0: 0 none, 1 byte, 2 dword granular */
	bool sgl_bb;       /* SGLS bit 16: Bit Bucket descriptors */
	bool sgl_mptr;     /* SGLS bit 19: MPTR holds the address of an SGL (PSDT 10b) */
	bool fused;        /* FUSES bit 0: Compare and Write */
	bool thread;
	bool dbbuf;        /* advertise Doorbell Buffer Config */
	bool nssr;         /* CAP.NSSRS: NVM subsystem reset through the NSSR register */
	bool never_ready;
	int64_t fault_ready_ms; /* < 0: none; else RDY delay not reflected in CAP.TO */
	uint32_t fault_io;      /* fail this many of the first I/O commands (Unrecovered Read Error) */
	uint32_t fault_bogus;   /* an extra completion, CID not outstanding, for the first N I/Os */
};

int sim_params_parse(const char *name, const char *text, struct sim_params *p);

/* A command between fetch and the posting of its completion. */
enum sim_req_state {
	SIM_REQ_FREE = 0,
	SIM_REQ_EXEC,   /* being executed */
	SIM_REQ_QUEUED, /* on its CQ's posting list */
	SIM_REQ_HELD,   /* completion dropped by a fault: Abort or deletion frees it */
	SIM_REQ_AER,    /* Asynchronous Event Request waiting for an event */
	SIM_REQ_WAIT,   /* Delete I/O SQ waiting for that SQ to drain */
	SIM_REQ_STALLED, /* fetched, neither executed nor completed until its deadline */
	SIM_REQ_ABORT_HELD, /* an Abort the controller never answers (PNVME_SIM_ABORT_HOLD) */
};

#define SIM_REQ_BOGUS_CID 0x1
#define SIM_REQ_DUPLICATE 0x2
#define SIM_REQ_DROP 0x4
#define SIM_REQ_STALL 0x8  /* a STALL fault fired: due_ns is the end of the stall */
#define SIM_REQ_FAILED 0x10 /* a FAIL fault fired: complete with status, never execute */

/* Returned by a command handler whose completion comes later (AER, Delete SQ). */
#define SIM_HELD ((uint16_t)PNVME_STATUS_PHASE_BIT)

struct sim_sq;

struct sim_req {
	struct pnvme_cmd cmd;
	uint32_t cdw0;
	uint16_t status;       /* raw, no phase */
	uint8_t state;
	uint8_t flags;         /* SIM_REQ_* */
	uint64_t due_ns;       /* queued: 0 = post as soon as the CQ has room; stalled: end */
	struct sim_sq *sq;
	struct sim_req *next;  /* free list, CQ posting list or stalled list */
};

struct sim_cq {
	uint16_t qid;
	uint32_t size;
	struct pnvme_cpl *ring;
	uint32_t tail;         /* next slot the sim writes */
	uint32_t head;         /* host's head, as last observed */
	uint8_t phase;
	uint32_t nr_sqs;       /* SQs bound to this CQ */
	struct sim_req *post_head, *post_tail;
};

struct sim_sq {
	uint16_t qid;
	struct sim_cq *cq;
	uint32_t size;
	struct pnvme_cmd *ring;
	uint32_t head;         /* next slot the sim fetches */
	uint32_t tail;         /* host's tail, as last observed */
	uint32_t outstanding;  /* fetched, completion not yet posted */
	struct sim_req *reqs, *free;
	bool deleting;
	uint32_t del_tail;     /* fetch and abort up to here, then delete */
};

/*
 * One namespace: sparse anonymous mappings for the data and, with a metadata
 * format, for each block's metadata (ms bytes a block, apart from the data
 * whatever the host's layout). Protection information is stored with its
 * application and reference tags inverted (sim_pi.c), so metadata that was
 * never written, or was deallocated, reads back as the escape values.
 */
struct sim_ns {
	uint8_t *data;
	uint64_t bytes;        /* size of data */
	uint8_t *md;           /* nsze * ms bytes; NULL without metadata */
	uint64_t md_bytes;
	bool active;           /* allocated and attached to the controller */
	bool allocated;        /* exists (Namespace Management): has memory and a format */
	uint64_t nsze;         /* blocks */
	uint32_t lba_shift;
	uint32_t ms;           /* metadata bytes per block, 0..SIM_MS_MAX */
	bool ext;              /* extended LBA: metadata after each block's data, through DPTR */
	uint8_t pi;            /* protection information type, 0 for none */
	bool pil;              /* PI in the first eight bytes of the metadata, not the last */
	uint8_t eui64[8];
	uint8_t nguid[16];
	uint8_t uuid[16];
};

/* Data segments of one transfer, host side, after PRP or SGL translation. */
struct sim_seg {
	uint8_t *addr;         /* NULL: an SGL bit bucket, the data is discarded */
	size_t len;
};

struct sim_sgl {
	struct sim_seg *seg;
	unsigned n, cap;
	size_t len;
};

enum sim_state {
	SIM_ST_DISABLED,
	SIM_ST_ENABLING,  /* EN seen, RDY after ready_ms */
	SIM_ST_READY,
	SIM_ST_DISABLING, /* EN cleared, RDY drops after ready_ms */
	SIM_ST_FAILED,    /* bad configuration: CFS, never ready */
};

struct sim_features {
	uint32_t arbitration;
	uint32_t power_mgmt;
	uint32_t temp_thresh;
	uint32_t err_recovery;
	uint32_t vwc;
	uint32_t irq_coalescing;
	uint32_t aec;
	uint32_t kato;          /* ms, 0: off */
	uint64_t ts_ms;         /* host-set timestamp ... */
	uint64_t ts_set_ns;     /* ... at this sim time */
	bool ts_set;
	uint32_t nsqa, ncqa;    /* granted I/O queues, 1's based */
};

struct sim_health {
	uint64_t host_reads, host_writes;
	uint64_t units_read, units_written; /* 512-byte units */
	uint64_t errors;
};

struct sim_fault_rule {
	struct pnvme_sim_fault f;
	unsigned left;
};

struct sim_event {
	uint8_t type, info, log_page;
};

/* A completion entry a test asked for (pnvme_sim_post_bogus). */
struct sim_bogus {
	uint16_t qid, cid, status;
};

struct pnvme_sim {
	struct env_pci_dev pci; /* what env_pci_attach returns */
	char name[ENV_PCI_ADDR_MAX];
	struct sim_params p;
	uint8_t *bar;
	size_t bar_len;
	uint8_t cfg[SIM_CFG_SIZE];
	uint64_t cap;

	/* controller state, device thread only */
	enum sim_state state;
	uint32_t cc;            /* CC as last acted upon */
	uint64_t timer_ns;      /* when ENABLING/DISABLING/shutdown ends */
	bool shutting_down;
	uint64_t shutdown_ns;
	uint64_t epoch_ns;      /* creation time */
	uint64_t now_ns;        /* this step's time */
	struct sim_sq **sqs;    /* [0..queues], NULL when absent */
	struct sim_cq **cqs;
	uint32_t nr_io_sqs, nr_io_cqs;
	uint32_t sq_hi, cq_hi;  /* highest queue ids created since the last reset */
	uint32_t *db_seen;      /* last MMIO value of each doorbell */
	struct sim_sq *admin_wait; /* SQ whose deletion blocks the admin queue */
	struct sim_req *admin_wait_req;
	struct sim_req *aers[SIM_AERL + 1];
	unsigned nr_aers;
	volatile uint32_t *shadow_db, *eventidx; /* Doorbell Buffer Config */
	uint32_t shadow_slots;  /* doorbells that fit in the shadow page */
	uint64_t ka_last_ns;
	struct sim_features feat;
	struct sim_health health;
	struct pnvme_error_log_entry errlog[SIM_ERRLOG_ENTRIES];
	unsigned errlog_next;
	struct pnvme_ctrlr_data cdata;
	struct sim_ns *ns;
	struct sim_sgl sgl;     /* the command's data (DPTR) */
	struct sim_sgl mdsgl;   /* its separate metadata (MPTR) */
	unsigned n_posted;      /* CQEs posted by the current step */
	struct sim_req *stalled; /* stalled commands, any SQ (sim_stall.c) */
	uint64_t stall_next_ns; /* the earliest end of a stall */
	struct sim_bogus bogus[SIM_MAX_BOGUS]; /* waiting for room on their CQ */
	unsigned n_bogus;
	uint32_t changed_ns[SIM_CHANGED_NS_MAX]; /* since the log page was last read */
	unsigned n_changed;     /* SIM_CHANGED_NS_MAX + 1: more than the list holds */
	bool ns_notice_masked;  /* notice sent, log page not read since */
	/* Firmware (sim_fw.c): slots 1..SIM_FW_SLOTS, the image being downloaded. */
	char fw_rev[SIM_FW_SLOTS][8];
	uint8_t fw_active;      /* slot running */
	uint8_t fw_next;        /* slot to activate at the next reset, 0: none */
	uint8_t *fw_img;
	uint32_t fw_img_len;
	/* Sanitize (sim_sanitize.c). */
	struct pnvme_sanitize_log sanlog;
	bool san_running;
	bool san_notice_masked; /* Sanitize Operation Completed sent, log not read since */
	uint64_t san_start_ns, san_end_ns;
	/* Device self-test (sim_selftest.c). */
	struct pnvme_self_test_log dstlog;
	uint32_t dst_nsid;
	uint64_t dst_start_ns, dst_end_ns;

	/* cross-thread */
	pthread_mutex_t call_lock; /* sim_call: one call at a time into the device side */
	pthread_cond_t call_cond;
	struct sim_call *call;
	atomic_bool call_pending;
	pthread_mutex_t lock;   /* faults and queued events */
	atomic_uint faults_armed;
	atomic_uint events_queued;
	atomic_uint latency_us;
	atomic_uint ready_ms;
	atomic_bool never_ready;
	atomic_bool stop;
	atomic_uint abort_mode; /* enum pnvme_sim_abort_mode */
	atomic_bool removed;    /* surprise removal: no register, no DMA from then on */
	struct sim_fault_rule faults[SIM_MAX_FAULTS];
	struct sim_event events[SIM_MAX_EVENTS];
	unsigned ev_head;
	bool has_thread;
	pthread_t thread;
	struct pnvme_sim_stats stats; /* written by the device side only */
	struct pnvme_sim *next;       /* registry */
};

static inline volatile uint32_t *sim_reg32(struct pnvme_sim *sim, uint32_t off)
{
	return (volatile uint32_t *)(void *)(sim->bar + off);
}

/* Doorbell index: 2*qid for the SQ tail, 2*qid+1 for the CQ head. */
static inline volatile uint32_t *sim_db(struct pnvme_sim *sim, unsigned idx)
{
	return sim_reg32(sim, PNVME_REG_DBS + idx * (4u << sim->p.dstrd));
}

/* Single-writer counters the test thread may read at any time. */
#define SIM_STAT_ADD(var, n) \
	__atomic_store_n(&(var), __atomic_load_n(&(var), __ATOMIC_RELAXED) + (n), __ATOMIC_RELAXED)

uint64_t sim_now_ns(void);

/* sim_pci.c: config space and the env_pci_dev; the provider registers itself */
void sim_pci_init(struct pnvme_sim *sim);
extern struct env_pci_transport sim_pci_transport;

/* sim_regs.c: registers, CC/CSTS state machine */
void sim_regs_init(struct pnvme_sim *sim);
void sim_regs_step(struct pnvme_sim *sim);
void sim_fatal(struct pnvme_sim *sim, const char *why);
bool sim_is_fatal(const struct pnvme_sim *sim);
uint32_t sim_csts(const struct pnvme_sim *sim);

/* sim_doorbell.c: doorbells, shadow doorbells and event indexes */
void sim_doorbells_scan(struct pnvme_sim *sim);
void sim_db_clear(struct pnvme_sim *sim, unsigned idx);
void sim_eventidx_set(struct pnvme_sim *sim, unsigned idx, uint32_t v);
void sim_shadow_setup(struct pnvme_sim *sim, void *db_page, void *ei_page);

/* sim_queue.c: queues, requests, completion posting */
struct sim_cq *sim_cq_new(struct pnvme_sim *sim, uint16_t qid, uint32_t size, void *ring);
struct sim_sq *sim_sq_new(struct pnvme_sim *sim, uint16_t qid, uint32_t size, void *ring,
			  struct sim_cq *cq);
void sim_cq_free(struct pnvme_sim *sim, struct sim_cq *cq);
void sim_sq_free(struct pnvme_sim *sim, struct sim_sq *sq);
void sim_queues_reset(struct pnvme_sim *sim);
void sim_sq_start_delete(struct pnvme_sim *sim, struct sim_sq *sq);
unsigned sim_sq_process(struct pnvme_sim *sim, struct sim_sq *sq, unsigned budget);
void sim_req_complete(struct pnvme_sim *sim, struct sim_req *req);
void sim_req_run(struct pnvme_sim *sim, struct sim_req *req);
unsigned sim_cqs_post(struct pnvme_sim *sim);
void sim_cqe_put(struct pnvme_sim *sim, struct sim_cq *cq, uint32_t cdw0, uint16_t sqhd,
		 uint16_t sqid, uint16_t cid, uint16_t status);
uint32_t sim_cq_room(const struct sim_cq *cq);
struct sim_req *sim_sq_find(struct sim_sq *sq, uint16_t cid);

/* sim_admin.c, sim_identify.c, sim_features.c, sim_logpage.c */
uint16_t sim_admin_exec(struct pnvme_sim *sim, struct sim_req *req);
void sim_admin_step(struct pnvme_sim *sim);
void sim_admin_reset(struct pnvme_sim *sim);
void sim_identify_init(struct pnvme_sim *sim);
uint16_t sim_identify(struct pnvme_sim *sim, struct sim_req *req);
void sim_features_reset(struct pnvme_sim *sim);
uint16_t sim_get_features(struct pnvme_sim *sim, struct sim_req *req);
uint16_t sim_set_features(struct pnvme_sim *sim, struct sim_req *req);
uint16_t sim_get_log_page(struct pnvme_sim *sim, struct sim_req *req);
uint16_t sim_abort(struct pnvme_sim *sim, struct sim_req *req);
void sim_errlog_add(struct pnvme_sim *sim, const struct sim_req *req);

/* sim_ns.c */
int sim_ns_init(struct pnvme_sim *sim);
void sim_ns_fini(struct pnvme_sim *sim);
struct sim_ns *sim_ns_active(struct pnvme_sim *sim, uint32_t nsid); /* NULL if inactive */
void sim_changed_ns_log(const struct pnvme_sim *sim, uint32_t *list);
void sim_changed_ns_clear(struct pnvme_sim *sim);

/* Namespace changes (sim_ns.c) for Format NVM, Sanitize and Namespace Management. */
struct sim_ns_format {
	uint32_t lba_size, ms;
	bool ext, pil;
	uint8_t pi;
};
bool sim_ns_format_valid(const struct sim_ns_format *f);
/* Fresh memory in format f, bytes of data (0: as before); the host is told. */
int sim_ns_remap(struct pnvme_sim *sim, uint32_t nsid, const struct sim_ns_format *f,
		 uint64_t bytes);
void sim_ns_current_format(const struct sim_ns *ns, struct sim_ns_format *f);
void sim_ns_changed(struct pnvme_sim *sim, uint32_t nsid);
void sim_ns_release(struct sim_ns *ns); /* unallocated: memory back, no format */
/* LBA format idx of a namespace as Identify lists it; false if there is none. */
bool sim_lbaf(const struct sim_ns *ns, uint32_t idx, uint32_t *lba, uint32_t *ms);

/* sim_format.c: Format NVM, sim_sanitize.c: Sanitize and its log, sim_selftest.c,
 * sim_fw.c: firmware slots, sim_nsmgmt.c: Namespace Management and Attachment. */
uint16_t sim_format_nvm(struct pnvme_sim *sim, struct sim_req *req);
uint16_t sim_sanitize(struct pnvme_sim *sim, struct sim_req *req);
void sim_sanitize_step(struct pnvme_sim *sim);
void sim_sanitize_log(struct pnvme_sim *sim, uint8_t *buf);
bool sim_sanitizing(const struct pnvme_sim *sim);
uint16_t sim_self_test(struct pnvme_sim *sim, struct sim_req *req);
void sim_self_test_step(struct pnvme_sim *sim);
void sim_self_test_log(struct pnvme_sim *sim, uint8_t *buf);
void sim_self_test_init(struct pnvme_sim *sim);
/* A Controller Level Reset: a short self-test is aborted, an extended one runs on. */
void sim_self_test_reset(struct pnvme_sim *sim);
/* A Controller Level Reset, and the Sanitize Status log read with RAE clear: the
 * next completion notifies again. */
void sim_sanitize_unmask(struct pnvme_sim *sim);
void sim_fw_init(struct pnvme_sim *sim);
void sim_fw_fini(struct pnvme_sim *sim);
uint16_t sim_fw_download(struct pnvme_sim *sim, struct sim_req *req);
uint16_t sim_fw_commit(struct pnvme_sim *sim, struct sim_req *req);
void sim_fw_reset(struct pnvme_sim *sim);
void sim_fw_log(const struct pnvme_sim *sim, uint8_t *buf);
uint16_t sim_ns_mgmt(struct pnvme_sim *sim, struct sim_req *req);
uint16_t sim_ns_attach(struct pnvme_sim *sim, struct sim_req *req);
uint64_t sim_unallocated_bytes(const struct pnvme_sim *sim);

/* sim_nvm.c */
uint16_t sim_nvm_exec(struct pnvme_sim *sim, struct sim_req *req);
uint16_t sim_nvm_check(struct pnvme_sim *sim, const struct pnvme_cmd *cmd, struct sim_ns **ns);
void sim_nvm_count(struct pnvme_sim *sim, const struct pnvme_cmd *cmd);

/* sim_prp.c: PRPs, host segment lists and copies through them */
uint16_t sim_prp_map(struct sim_sgl *sgl, uint64_t prp1, uint64_t prp2, size_t len);
uint16_t sim_seg_add(struct sim_sgl *sgl, uint64_t iova, size_t len);
uint16_t sim_seg_add_bucket(struct sim_sgl *sgl, size_t len);
void sim_sgl_to_host(const struct sim_sgl *sgl, const void *src, size_t len);
void sim_sgl_from_host(const struct sim_sgl *sgl, void *dst, size_t len);
uint16_t sim_xfer_to_host(struct pnvme_sim *sim, const struct pnvme_cmd *cmd,
			  const void *src, size_t srclen, size_t len);
uint16_t sim_xfer_from_host(struct pnvme_sim *sim, const struct pnvme_cmd *cmd,
			    void *dst, size_t len);
void sim_sgl_fini(struct sim_sgl *sgl);

/* A position in a segment list: a transfer is walked block by block. */
struct sim_cur {
	const struct sim_sgl *l;
	unsigned i;            /* segment */
	size_t off;            /* offset in it */
};
void sim_cur_init(struct sim_cur *c, const struct sim_sgl *l);
void sim_cur_to_host(struct sim_cur *c, const void *src, size_t n); /* bit buckets discard */
void sim_cur_from_host(struct sim_cur *c, void *dst, size_t n);
bool sim_cur_equal(struct sim_cur *c, const void *ref, size_t n);
uint16_t sim_cur_crc(struct sim_cur *c, uint16_t crc, size_t n); /* CRC-16 T10-DIF, chained */

/* sim_sgl.c: SGL descriptors; DPTR and MPTR as PSDT says */
uint16_t sim_psdt_check(const struct pnvme_sim *sim, const struct pnvme_cmd *cmd);
uint16_t sim_sgl_map(struct pnvme_sim *sim, struct sim_sgl *out, const void *first, size_t len,
		     bool to_host, bool md);
uint16_t sim_dptr_map(struct pnvme_sim *sim, const struct pnvme_cmd *cmd, size_t len,
		      bool to_host);
uint16_t sim_mptr_map(struct pnvme_sim *sim, const struct pnvme_cmd *cmd, size_t len,
		      bool to_host);

/* sim_pi.c: protection information */
struct sim_pi {
	uint16_t guard, app;
	uint32_t ref;
};
/* What a command asks of protection information (CDW12 PRINFO, CDW14, CDW15). */
struct sim_pi_args {
	bool pract;
	uint32_t prchk;        /* PNVME_PRINFO_PRCHK_* bits */
	uint32_t ref;          /* (E)ILBRT: the first block's reference tag */
	uint16_t app, mask;    /* (E)LBAT, (E)LBATM */
};
void sim_pi_args(const struct pnvme_cmd *cmd, struct sim_pi_args *a);
uint32_t sim_pi_off(const struct sim_ns *ns);
uint16_t sim_pi_guard(const struct sim_ns *ns, const uint8_t *data, const uint8_t *md);
void sim_pi_get(const struct sim_ns *ns, const uint8_t *md, struct sim_pi *pi);
void sim_pi_put(const struct sim_ns *ns, uint8_t *md, const struct sim_pi *pi);
void sim_pi_make(const struct sim_ns *ns, const struct sim_pi_args *a, uint64_t i,
		 uint16_t guard, struct sim_pi *pi);
uint16_t sim_pi_check(const struct sim_ns *ns, const struct sim_pi_args *a, uint64_t i,
		      const struct sim_pi *pi, uint16_t guard);
void sim_md_load(const struct sim_ns *ns, uint8_t *dst, const uint8_t *stored);
void sim_md_store(const struct sim_ns *ns, uint8_t *stored, const uint8_t *src);

/* sim_rw.c: Read, Write, Compare and Write Zeroes, with metadata and PI */
uint16_t sim_rw(struct pnvme_sim *sim, const struct pnvme_cmd *cmd, struct sim_ns *ns);
uint16_t sim_write_zeroes(const struct pnvme_cmd *cmd, struct sim_ns *ns);
void sim_zero_range(uint8_t *base, uint64_t off, uint64_t len);
uint16_t sim_lba_check(const struct sim_ns *ns, uint64_t slba, uint64_t nlb);

/* sim_fused.c: Compare and Write */
void sim_fused_run(struct pnvme_sim *sim, struct sim_req *first, struct sim_req *second);

/* sim_fault.c */
void sim_fault_apply(struct pnvme_sim *sim, struct sim_req *req, bool admin);
bool sim_event_pop(struct pnvme_sim *sim, struct sim_event *ev);
int sim_event_push(struct pnvme_sim *sim, uint8_t type, uint8_t info, uint8_t log_page);
void sim_faults_init(struct pnvme_sim *sim);

/* sim_stall.c: commands fetched but held back (STALL faults) */
void sim_stall_start(struct pnvme_sim *sim, struct sim_req *req);
void sim_stall_step(struct pnvme_sim *sim);
void sim_stall_cancel(struct pnvme_sim *sim, struct sim_req *req, uint16_t status);
void sim_stall_forget_sq(struct pnvme_sim *sim, const struct sim_sq *sq);

/* sim_remove.c */
void sim_removed_step(struct pnvme_sim *sim);

/* sim_bogus.c: completion entries posted on a test's request */
unsigned sim_bogus_post(struct pnvme_sim *sim);
void sim_bogus_forget_cq(struct pnvme_sim *sim, uint16_t qid);

/*
 * sim_call.c: run fn on the device side (the device thread, or the caller in
 * step mode) and return its result. For test hooks that change device state.
 */
typedef int (*sim_call_fn)(struct pnvme_sim *sim, void *arg);
struct sim_call {
	sim_call_fn fn;
	void *arg;
	int rc;
	bool done;
};
void sim_call_init(struct pnvme_sim *sim);
void sim_call_fini(struct pnvme_sim *sim);
int sim_call(struct pnvme_sim *sim, sim_call_fn fn, void *arg);
void sim_call_serve(struct pnvme_sim *sim);

#endif /* PNVME_SIM_INTERNAL_H */
