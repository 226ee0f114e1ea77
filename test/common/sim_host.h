/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A minimal host for the test/unit/sim_*_ut tests, which drive lib/sim
 * directly, without the driver: it writes registers, builds SQEs by hand,
 * rings doorbells and reaps CQEs, and (step mode, thread=0) calls
 * pnvme_sim_poll to let the controller act. The helpers use CUnit
 * assertions, so call them from inside a test.
 */
#ifndef PNVME_TEST_SIM_HOST_H
#define PNVME_TEST_SIM_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pnvme/nvme_spec.h"
#include "pnvme/sim.h"

#define SIM_HOST_PAGE 4096u
#define SIM_HOST_AQ_SIZE 32
#define SIM_HOST_IOQ_SIZE 64

/* Status as SCT << 8 | SC, as sim_host_st() returns it. */
#define SIM_HOST_ST(sct, sc) ((unsigned)(sct) << 8 | (unsigned)(sc))
#define SIM_HOST_OK SIM_HOST_ST(0, 0)

/* One queue pair as the host sees it: an SQ and its CQ, in DMA memory. */
struct sim_hq {
	uint16_t qid;
	uint32_t size;
	uint32_t cq_size; /* 0: same as size */
	struct pnvme_cmd *sq;
	volatile struct pnvme_cpl *cq;
	uint32_t sq_tail, cq_head;
	unsigned phase;
};

struct sim_host {
	struct pnvme_sim *sim;
	volatile uint8_t *bar;
	struct sim_hq aq, io;
	uint16_t cid;
	uint32_t dstrd; /* CAP.DSTRD */
	/* Shadow doorbells: when set, I/O doorbells go to this page only. */
	volatile uint32_t *shadow, *eventidx;
};

/* A completion's status as SCT << 8 | SC. */
unsigned sim_host_st(const struct pnvme_cpl *c);

uint64_t sim_host_iova(const void *p);

/* Zeroed, page-aligned DMA memory; a fatal assertion if there is none. */
void *sim_host_dma(size_t len);

/* BAR0 registers and doorbells (through the shadow page when one is set). */
uint32_t sim_host_rd(struct sim_host *h, uint32_t off);
void sim_host_wr(struct sim_host *h, uint32_t off, uint32_t v);
void sim_host_ring(struct sim_host *h, uint16_t qid, int is_cq, uint32_t v);

void sim_host_hq_init(struct sim_hq *q, uint16_t qid, uint32_t size);
void sim_host_hq_fini(struct sim_hq *q);

/* Place a command in the SQ without ringing; returns its CID. */
uint16_t sim_host_post(struct sim_host *h, struct sim_hq *q, const struct pnvme_cmd *cmd);

/* Post and ring the SQ tail doorbell; returns the CID. */
uint16_t sim_host_submit(struct sim_host *h, struct sim_hq *q, const struct pnvme_cmd *cmd);

/* Take the next completion if its phase says it is new; optionally ring the CQ head. */
bool sim_host_reap(struct sim_host *h, struct sim_hq *q, struct pnvme_cpl *out, bool ring_db);

/* Poll for a completion: quickly at first, then in 1 ms naps, 3 s at most. */
int sim_host_wait_cpl(struct sim_host *h, struct sim_hq *q, struct pnvme_cpl *out);

/* Submit, poll until the completion arrives, return its status (0xffff: none came). */
unsigned sim_host_run(struct sim_host *h, struct sim_hq *q, const struct pnvme_cmd *cmd,
		      struct pnvme_cpl *out);

bool sim_host_csts_has(struct sim_host *h, uint32_t bit);

/* Poll (and nap) until CSTS & mask == want, for at most 2 s. */
bool sim_host_wait_csts(struct sim_host *h, uint32_t mask, uint32_t want);

/* CC.EN with 64-byte SQ and 16-byte CQ entries. */
uint32_t sim_host_cc_default(void);

/* Admin queue registers, 64-bit ones as two halves; then CC. */
void sim_host_program(struct sim_host *h, uint32_t cc);

/* A sim in step mode ("thread=0 ready_ms=1" before params) and the admin queue memory. */
int sim_host_create(struct sim_host *h, const char *params);

/* sim_host_create, enable, and wait for RDY (fatal assertions). */
void sim_host_start(struct sim_host *h, const char *params);

/* Destroy the sim and free the host's queues. */
void sim_host_stop(struct sim_host *h);

struct pnvme_cmd sim_host_create_cq_cmd(uint16_t qid, uint32_t size, const void *ring);
struct pnvme_cmd sim_host_create_sq_cmd(uint16_t qid, uint32_t size, const void *ring,
					uint16_t cqid);

/* Create I/O queue pair qid (CQ then SQ) as h->io (fatal assertions). */
void sim_host_io_queue(struct sim_host *h, uint16_t qid, uint32_t size);

/* PRP1/PRP2, or a list in list (one page) when the buffer needs one. */
void sim_host_set_prps(struct pnvme_cmd *c, const void *buf, size_t len, uint64_t *list);

/* A read/write-style command: SLBA in CDW10/11, 0's based NLB in CDW12. */
struct pnvme_cmd sim_host_rw_cmd(uint8_t opc, uint32_t nsid, uint64_t slba, uint32_t nlb);

/* opc on namespace 1 through h->io, data in buf; returns the status. */
unsigned sim_host_io(struct sim_host *h, uint8_t opc, uint64_t slba, uint32_t nlb, void *buf,
		     size_t len);

/* An SGL descriptor: type (PNVME_SGL_TYPE_*), address subtype, the buffer's bus address. */
void sim_host_sgl_desc(struct pnvme_sgl_desc *d, uint8_t type, const void *buf, uint32_t len);

/* SGL1 as one Data Block for buf (PSDT 01b: MPTR, if used, one buffer). */
void sim_host_set_sgl(struct pnvme_cmd *c, const void *buf, size_t len);

/* A Read/Write/Compare with everything metadata and PI can ask for. */
struct sim_host_rw {
	uint8_t opc;
	uint32_t nsid;       /* 0: namespace 1 */
	uint64_t slba;
	uint32_t nlb;
	void *buf;           /* DPTR */
	size_t len;
	void *md;            /* MPTR: one contiguous buffer, or NULL */
	uint32_t prinfo;     /* CDW12 PRINFO: PNVME_PRINFO_* bits */
	uint32_t cdw14;      /* (E)ILBRT */
	uint16_t app, mask;  /* CDW15: (E)LBAT, (E)LBATM */
	bool sgl;            /* DPTR as one SGL Data Block (PSDT 01b) instead of PRPs */
};

/* Run io through h->io; returns the status. */
unsigned sim_host_rw(struct sim_host *h, const struct sim_host_rw *io);

/* A deterministic pattern from seed. */
void sim_host_fill(uint8_t *p, size_t len, unsigned seed);

unsigned sim_host_admin(struct sim_host *h, struct pnvme_cmd *c, struct pnvme_cpl *cpl);
unsigned sim_host_identify(struct sim_host *h, uint32_t cns, uint32_t nsid, void *buf);

bool sim_host_all_zero(const uint8_t *p, size_t len);

#endif
