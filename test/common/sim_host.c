/* SPDX-License-Identifier: BSD-3-Clause */
/* The host side of the lib/sim unit tests: see sim_host.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/sim_host.h"
#include "pnvme/env.h"

#define SIM_HOST_POLLS 3100

unsigned sim_host_st(const struct pnvme_cpl *c)
{
	return (c->status_raw >> 1) & 0x7ff;
}

uint64_t sim_host_iova(const void *p)
{
	return pnvme_vtophys(p, NULL);
}

void *sim_host_dma(size_t len)
{
	void *p = pnvme_dma_zmalloc(len, SIM_HOST_PAGE, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	return p;
}

uint32_t sim_host_rd(struct sim_host *h, uint32_t off)
{
	return *(volatile uint32_t *)(h->bar + off);
}

void sim_host_wr(struct sim_host *h, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(h->bar + off) = v;
}

void sim_host_ring(struct sim_host *h, uint16_t qid, int is_cq, uint32_t v)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (h->shadow != NULL && qid != 0)
		h->shadow[(2 * qid + (unsigned)is_cq) << h->dstrd] = v;
	else
		sim_host_wr(h, pnvme_doorbell_offset(qid, is_cq, h->dstrd), v);
}

void sim_host_hq_init(struct sim_hq *q, uint16_t qid, uint32_t size)
{
	q->qid = qid;
	q->size = size;
	q->sq = sim_host_dma(size * sizeof(struct pnvme_cmd));
	q->cq = sim_host_dma(size * sizeof(struct pnvme_cpl));
	q->sq_tail = 0;
	q->cq_head = 0;
	q->phase = 1;
}

void sim_host_hq_fini(struct sim_hq *q)
{
	pnvme_dma_free(q->sq);
	pnvme_dma_free((void *)q->cq);
	memset(q, 0, sizeof(*q));
}

/* Place a command in the SQ without ringing; returns its CID. */
uint16_t sim_host_post(struct sim_host *h, struct sim_hq *q, const struct pnvme_cmd *cmd)
{
	uint16_t cid = h->cid++;

	q->sq[q->sq_tail] = *cmd;
	q->sq[q->sq_tail].cid = cid;
	q->sq_tail = (q->sq_tail + 1) % q->size;
	return cid;
}

uint16_t sim_host_submit(struct sim_host *h, struct sim_hq *q, const struct pnvme_cmd *cmd)
{
	uint16_t cid = sim_host_post(h, q, cmd);

	sim_host_ring(h, q->qid, 0, q->sq_tail);
	return cid;
}

bool sim_host_reap(struct sim_host *h, struct sim_hq *q, struct pnvme_cpl *out, bool ring_db)
{
	volatile struct pnvme_cpl *c = &q->cq[q->cq_head];

	if ((c->status_raw & 1) != q->phase)
		return false;
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(out, (const void *)c, sizeof(*out));
	if (++q->cq_head == (q->cq_size ? q->cq_size : q->size)) {
		q->cq_head = 0;
		q->phase ^= 1;
	}
	if (ring_db)
		sim_host_ring(h, q->qid, 1, q->cq_head);
	return true;
}

static void sim_host_step(struct sim_host *h)
{
	if (pnvme_sim_poll(h->sim) < 0)
		usleep(50); /* thread mode: the device thread works meanwhile */
}

/* Poll for a completion: quickly at first, then in 1 ms naps, 3 s at most. */
int sim_host_wait_cpl(struct sim_host *h, struct sim_hq *q, struct pnvme_cpl *out)
{
	for (int i = 0; i < SIM_HOST_POLLS; i++) {
		if (sim_host_reap(h, q, out, true))
			return 0;
		sim_host_step(h);
		if (i > 100)
			usleep(1000);
	}
	return -ETIMEDOUT;
}

/* Submit, poll until the completion arrives, return its status. */
unsigned sim_host_run(struct sim_host *h, struct sim_hq *q, const struct pnvme_cmd *cmd,
		      struct pnvme_cpl *out)
{
	struct pnvme_cpl tmp;
	uint16_t cid;

	if (out == NULL)
		out = &tmp;
	cid = sim_host_submit(h, q, cmd);
	if (sim_host_wait_cpl(h, q, out) != 0)
		return 0xffff;
	CU_ASSERT_EQUAL(out->cid, cid);
	CU_ASSERT_EQUAL(out->sqid, q->qid);
	return sim_host_st(out);
}

bool sim_host_csts_has(struct sim_host *h, uint32_t bit)
{
	return (sim_host_rd(h, PNVME_REG_CSTS) & bit) != 0;
}

/* Poll (and nap) until CSTS & mask == want, for at most 2 s. */
bool sim_host_wait_csts(struct sim_host *h, uint32_t mask, uint32_t want)
{
	for (int i = 0; i < 4000; i++) {
		pnvme_sim_poll(h->sim);
		if ((sim_host_rd(h, PNVME_REG_CSTS) & mask) == want)
			return true;
		usleep(500);
	}
	return false;
}

uint32_t sim_host_cc_default(void)
{
	return PNVME_CC_EN | 6u << PNVME_CC_IOSQES_SHIFT | 4u << PNVME_CC_IOCQES_SHIFT;
}

/* Admin queue registers, 64-bit ones as two halves; then CC. */
void sim_host_program(struct sim_host *h, uint32_t cc)
{
	uint64_t asq = sim_host_iova(h->aq.sq), acq = sim_host_iova((void *)h->aq.cq);

	sim_host_wr(h, PNVME_REG_AQA, PNVME_AQA(SIM_HOST_AQ_SIZE, SIM_HOST_AQ_SIZE));
	sim_host_wr(h, PNVME_REG_ASQ, (uint32_t)asq);
	sim_host_wr(h, PNVME_REG_ASQ + 4, (uint32_t)(asq >> 32));
	sim_host_wr(h, PNVME_REG_ACQ, (uint32_t)acq);
	sim_host_wr(h, PNVME_REG_ACQ + 4, (uint32_t)(acq >> 32));
	sim_host_wr(h, PNVME_REG_CC, cc);
}

int sim_host_create(struct sim_host *h, const char *params)
{
	char p[512];
	int rc;

	memset(h, 0, sizeof(*h));
	snprintf(p, sizeof(p), "thread=0 ready_ms=1 %s", params ? params : "");
	rc = pnvme_sim_create(NULL, p, &h->sim);
	if (rc != 0)
		return rc;
	h->bar = pnvme_sim_bar0(h->sim);
	h->dstrd = PNVME_CAP_DSTRD(sim_host_rd(h, PNVME_REG_CAP) |
				   (uint64_t)sim_host_rd(h, PNVME_REG_CAP + 4) << 32);
	sim_host_hq_init(&h->aq, 0, SIM_HOST_AQ_SIZE);
	return 0;
}

void sim_host_start(struct sim_host *h, const char *params)
{
	CU_ASSERT_EQUAL_FATAL(sim_host_create(h, params), 0);
	sim_host_program(h, sim_host_cc_default());
	CU_ASSERT_FATAL(sim_host_wait_csts(h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
}

void sim_host_stop(struct sim_host *h)
{
	pnvme_sim_destroy(h->sim);
	sim_host_hq_fini(&h->aq);
	if (h->io.sq != NULL)
		sim_host_hq_fini(&h->io);
}

struct pnvme_cmd sim_host_create_cq_cmd(uint16_t qid, uint32_t size, const void *ring)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_CREATE_IO_CQ};

	c.dptr.prp.prp1 = sim_host_iova(ring);
	c.cdw10 = (size - 1) << 16 | qid;
	c.cdw11 = PNVME_QUEUE_PHYS_CONTIG;
	return c;
}

struct pnvme_cmd sim_host_create_sq_cmd(uint16_t qid, uint32_t size, const void *ring,
					uint16_t cqid)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_CREATE_IO_SQ};

	c.dptr.prp.prp1 = sim_host_iova(ring);
	c.cdw10 = (size - 1) << 16 | qid;
	c.cdw11 = (uint32_t)cqid << 16 | PNVME_QUEUE_PHYS_CONTIG;
	return c;
}

void sim_host_io_queue(struct sim_host *h, uint16_t qid, uint32_t size)
{
	struct pnvme_cmd c;

	sim_host_hq_init(&h->io, qid, size);
	c = sim_host_create_cq_cmd(qid, size, (const void *)h->io.cq);
	CU_ASSERT_EQUAL_FATAL(sim_host_run(h, &h->aq, &c, NULL), SIM_HOST_OK);
	c = sim_host_create_sq_cmd(qid, size, h->io.sq, qid);
	CU_ASSERT_EQUAL_FATAL(sim_host_run(h, &h->aq, &c, NULL), SIM_HOST_OK);
}

/* PRP1/PRP2, or a list in list (one page) when the buffer needs one. */
void sim_host_set_prps(struct pnvme_cmd *c, const void *buf, size_t len, uint64_t *list)
{
	uint64_t a = sim_host_iova(buf);
	size_t first = SIM_HOST_PAGE - (a & (SIM_HOST_PAGE - 1)), i = 0;

	c->dptr.prp.prp1 = a;
	if (len <= first)
		return;
	if (len - first <= SIM_HOST_PAGE) {
		c->dptr.prp.prp2 = a + first;
		return;
	}
	for (size_t off = first; off < len; off += SIM_HOST_PAGE)
		list[i++] = a + off;
	c->dptr.prp.prp2 = sim_host_iova(list);
}

struct pnvme_cmd sim_host_rw_cmd(uint8_t opc, uint32_t nsid, uint64_t slba, uint32_t nlb)
{
	struct pnvme_cmd c = {.opc = opc, .nsid = nsid};

	c.cdw10 = (uint32_t)slba;
	c.cdw11 = (uint32_t)(slba >> 32);
	c.cdw12 = nlb - 1;
	return c;
}

unsigned sim_host_io(struct sim_host *h, uint8_t opc, uint64_t slba, uint32_t nlb, void *buf,
		     size_t len)
{
	uint64_t *list = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c = sim_host_rw_cmd(opc, 1, slba, nlb);
	unsigned s;

	sim_host_set_prps(&c, buf, len, list);
	s = sim_host_run(h, &h->io, &c, NULL);
	pnvme_dma_free(list);
	return s;
}

void sim_host_sgl_desc(struct pnvme_sgl_desc *d, uint8_t type, const void *buf, uint32_t len)
{
	memset(d, 0, sizeof(*d));
	d->address = buf != NULL ? sim_host_iova(buf) : 0;
	d->length = len;
	d->id = PNVME_SGL_ID(type, PNVME_SGL_SUBTYPE_ADDRESS);
}

void sim_host_set_sgl(struct pnvme_cmd *c, const void *buf, size_t len)
{
	c->psdt = PNVME_PSDT_SGL_MPTR_CONTIG;
	sim_host_sgl_desc(&c->dptr.sgl, PNVME_SGL_TYPE_DATA_BLOCK, buf, (uint32_t)len);
}

unsigned sim_host_rw(struct sim_host *h, const struct sim_host_rw *io)
{
	uint64_t *list = sim_host_dma(SIM_HOST_PAGE);
	struct pnvme_cmd c = sim_host_rw_cmd(io->opc, io->nsid ? io->nsid : 1, io->slba, io->nlb);
	unsigned s;

	c.cdw12 |= io->prinfo;
	c.cdw14 = io->cdw14;
	c.cdw15 = io->app | (uint32_t)io->mask << 16;
	if (io->md != NULL)
		c.mptr = sim_host_iova(io->md);
	if (io->sgl)
		sim_host_set_sgl(&c, io->buf, io->len);
	else
		sim_host_set_prps(&c, io->buf, io->len, list);
	s = sim_host_run(h, &h->io, &c, NULL);
	pnvme_dma_free(list);
	return s;
}

void sim_host_fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 9));
}

unsigned sim_host_admin(struct sim_host *h, struct pnvme_cmd *c, struct pnvme_cpl *cpl)
{
	return sim_host_run(h, &h->aq, c, cpl);
}

unsigned sim_host_identify(struct sim_host *h, uint32_t cns, uint32_t nsid, void *buf)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_IDENTIFY, .nsid = nsid};

	c.cdw10 = cns;
	c.dptr.prp.prp1 = sim_host_iova(buf);
	return sim_host_admin(h, &c, NULL);
}

bool sim_host_all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}
