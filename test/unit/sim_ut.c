/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * lib/sim driven directly, without the driver: a minimal host in this file
 * writes registers, builds SQEs by hand, rings doorbells and reaps CQEs, and
 * (step mode, thread=0) calls pnvme_sim_poll to let the controller act.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/test_env.h"
#include "env/pci.h"
#include "pnvme/env.h"
#include "pnvme/nvme_spec.h"
#include "pnvme/sim.h"

#define PAGE 4096u
#define AQ_SIZE 32
#define IOQ_SIZE 64
#define POLLS 3100

/* Status as SCT << 8 | SC, to compare against S(). */
#define S(sct, sc) ((unsigned)(sct) << 8 | (unsigned)(sc))
#define OK S(0, 0)

struct hq {
	uint16_t qid;
	uint32_t size;
	uint32_t cq_size; /* 0: same as size */
	struct pnvme_cmd *sq;
	volatile struct pnvme_cpl *cq;
	uint32_t sq_tail, cq_head;
	unsigned phase;
};

struct host {
	struct pnvme_sim *sim;
	volatile uint8_t *bar;
	struct hq aq, io;
	uint16_t cid;
	uint32_t dstrd; /* CAP.DSTRD */
	/* Shadow doorbells: when set, I/O doorbells go to this page only. */
	volatile uint32_t *shadow, *eventidx;
};

static unsigned st(const struct pnvme_cpl *c)
{
	return (c->status_raw >> 1) & 0x7ff;
}

static uint64_t iova(const void *p)
{
	return pnvme_vtophys(p, NULL);
}

static void *dma(size_t len)
{
	void *p = pnvme_dma_zmalloc(len, PAGE, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	return p;
}

static uint32_t rd(struct host *h, uint32_t off)
{
	return *(volatile uint32_t *)(h->bar + off);
}

static void wr(struct host *h, uint32_t off, uint32_t v)
{
	*(volatile uint32_t *)(h->bar + off) = v;
}

static void ring(struct host *h, uint16_t qid, int is_cq, uint32_t v)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	if (h->shadow != NULL && qid != 0)
		h->shadow[(2 * qid + (unsigned)is_cq) << h->dstrd] = v;
	else
		wr(h, pnvme_doorbell_offset(qid, is_cq, h->dstrd), v);
}

static void hq_init(struct hq *q, uint16_t qid, uint32_t size)
{
	q->qid = qid;
	q->size = size;
	q->sq = dma(size * sizeof(struct pnvme_cmd));
	q->cq = dma(size * sizeof(struct pnvme_cpl));
	q->sq_tail = 0;
	q->cq_head = 0;
	q->phase = 1;
}

static void hq_fini(struct hq *q)
{
	pnvme_dma_free(q->sq);
	pnvme_dma_free((void *)q->cq);
	memset(q, 0, sizeof(*q));
}

/* Place a command in the SQ without ringing; returns its CID. */
static uint16_t post(struct host *h, struct hq *q, const struct pnvme_cmd *cmd)
{
	uint16_t cid = h->cid++;

	q->sq[q->sq_tail] = *cmd;
	q->sq[q->sq_tail].cid = cid;
	q->sq_tail = (q->sq_tail + 1) % q->size;
	return cid;
}

static uint16_t submit(struct host *h, struct hq *q, const struct pnvme_cmd *cmd)
{
	uint16_t cid = post(h, q, cmd);

	ring(h, q->qid, 0, q->sq_tail);
	return cid;
}

static bool reap(struct host *h, struct hq *q, struct pnvme_cpl *out, bool ring_db)
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
		ring(h, q->qid, 1, q->cq_head);
	return true;
}

static void step(struct host *h)
{
	if (pnvme_sim_poll(h->sim) < 0)
		usleep(50); /* thread mode: the device thread works meanwhile */
}

/* Poll for a completion: quickly at first, then in 1 ms naps, 3 s at most. */
static int wait_cpl(struct host *h, struct hq *q, struct pnvme_cpl *out)
{
	for (int i = 0; i < POLLS; i++) {
		if (reap(h, q, out, true))
			return 0;
		step(h);
		if (i > 100)
			usleep(1000);
	}
	return -ETIMEDOUT;
}

/* Submit, poll until the completion arrives, return its status. */
static unsigned run(struct host *h, struct hq *q, const struct pnvme_cmd *cmd,
		    struct pnvme_cpl *out)
{
	struct pnvme_cpl tmp;
	uint16_t cid;

	if (out == NULL)
		out = &tmp;
	cid = submit(h, q, cmd);
	if (wait_cpl(h, q, out) != 0)
		return 0xffff;
	CU_ASSERT_EQUAL(out->cid, cid);
	CU_ASSERT_EQUAL(out->sqid, q->qid);
	return st(out);
}

static bool csts_has(struct host *h, uint32_t bit)
{
	return (rd(h, PNVME_REG_CSTS) & bit) != 0;
}

/* Poll (and nap) until CSTS & mask == want, for at most 2 s. */
static bool wait_csts(struct host *h, uint32_t mask, uint32_t want)
{
	for (int i = 0; i < 4000; i++) {
		pnvme_sim_poll(h->sim);
		if ((rd(h, PNVME_REG_CSTS) & mask) == want)
			return true;
		usleep(500);
	}
	return false;
}

static uint32_t cc_default(void)
{
	return PNVME_CC_EN | 6u << PNVME_CC_IOSQES_SHIFT | 4u << PNVME_CC_IOCQES_SHIFT;
}

/* Admin queue registers, 64-bit ones as two halves; then CC. */
static void host_program(struct host *h, uint32_t cc)
{
	uint64_t asq = iova(h->aq.sq), acq = iova((void *)h->aq.cq);

	wr(h, PNVME_REG_AQA, PNVME_AQA(AQ_SIZE, AQ_SIZE));
	wr(h, PNVME_REG_ASQ, (uint32_t)asq);
	wr(h, PNVME_REG_ASQ + 4, (uint32_t)(asq >> 32));
	wr(h, PNVME_REG_ACQ, (uint32_t)acq);
	wr(h, PNVME_REG_ACQ + 4, (uint32_t)(acq >> 32));
	wr(h, PNVME_REG_CC, cc);
}

static int host_create(struct host *h, const char *params)
{
	char p[512];
	int rc;

	memset(h, 0, sizeof(*h));
	snprintf(p, sizeof(p), "thread=0 ready_ms=1 %s", params ? params : "");
	rc = pnvme_sim_create(NULL, p, &h->sim);
	if (rc != 0)
		return rc;
	h->bar = pnvme_sim_bar0(h->sim);
	h->dstrd = PNVME_CAP_DSTRD(rd(h, PNVME_REG_CAP) | (uint64_t)rd(h, PNVME_REG_CAP + 4) << 32);
	hq_init(&h->aq, 0, AQ_SIZE);
	return 0;
}

static void host_start(struct host *h, const char *params)
{
	CU_ASSERT_EQUAL_FATAL(host_create(h, params), 0);
	host_program(h, cc_default());
	CU_ASSERT_FATAL(wait_csts(h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
}

static void host_stop(struct host *h)
{
	pnvme_sim_destroy(h->sim);
	hq_fini(&h->aq);
	if (h->io.sq != NULL)
		hq_fini(&h->io);
}

static struct pnvme_cmd create_cq_cmd(uint16_t qid, uint32_t size, const void *ring)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_CREATE_IO_CQ};

	c.dptr.prp.prp1 = iova(ring);
	c.cdw10 = (size - 1) << 16 | qid;
	c.cdw11 = PNVME_QUEUE_PHYS_CONTIG;
	return c;
}

static struct pnvme_cmd create_sq_cmd(uint16_t qid, uint32_t size, const void *ring,
				      uint16_t cqid)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_CREATE_IO_SQ};

	c.dptr.prp.prp1 = iova(ring);
	c.cdw10 = (size - 1) << 16 | qid;
	c.cdw11 = (uint32_t)cqid << 16 | PNVME_QUEUE_PHYS_CONTIG;
	return c;
}

static void host_io_queue(struct host *h, uint16_t qid, uint32_t size)
{
	struct pnvme_cmd c;

	hq_init(&h->io, qid, size);
	c = create_cq_cmd(qid, size, (const void *)h->io.cq);
	CU_ASSERT_EQUAL_FATAL(run(h, &h->aq, &c, NULL), OK);
	c = create_sq_cmd(qid, size, h->io.sq, qid);
	CU_ASSERT_EQUAL_FATAL(run(h, &h->aq, &c, NULL), OK);
}

/* PRP1/PRP2, or a list in list (one page) when the buffer needs one. */
static void set_prps(struct pnvme_cmd *c, const void *buf, size_t len, uint64_t *list)
{
	uint64_t a = iova(buf);
	size_t first = PAGE - (a & (PAGE - 1)), i = 0;

	c->dptr.prp.prp1 = a;
	if (len <= first)
		return;
	if (len - first <= PAGE) {
		c->dptr.prp.prp2 = a + first;
		return;
	}
	for (size_t off = first; off < len; off += PAGE)
		list[i++] = a + off;
	c->dptr.prp.prp2 = iova(list);
}

static struct pnvme_cmd rw_cmd(uint8_t opc, uint32_t nsid, uint64_t slba, uint32_t nlb)
{
	struct pnvme_cmd c = {.opc = opc, .nsid = nsid};

	c.cdw10 = (uint32_t)slba;
	c.cdw11 = (uint32_t)(slba >> 32);
	c.cdw12 = nlb - 1;
	return c;
}

static unsigned io(struct host *h, uint8_t opc, uint64_t slba, uint32_t nlb, void *buf,
		   size_t len)
{
	uint64_t *list = dma(PAGE);
	struct pnvme_cmd c = rw_cmd(opc, 1, slba, nlb);
	unsigned s;

	set_prps(&c, buf, len, list);
	s = run(h, &h->io, &c, NULL);
	pnvme_dma_free(list);
	return s;
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 9));
}

static unsigned admin(struct host *h, struct pnvme_cmd *c, struct pnvme_cpl *cpl)
{
	return run(h, &h->aq, c, cpl);
}

static unsigned identify(struct host *h, uint32_t cns, uint32_t nsid, void *buf)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_IDENTIFY, .nsid = nsid};

	c.cdw10 = cns;
	c.dptr.prp.prp1 = iova(buf);
	return admin(h, &c, NULL);
}

/* ================================================================ registers */

static void test_params(void)
{
	struct pnvme_sim *sim;
	uint64_t cap;
	volatile uint32_t *bar;

	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create("params0", "thread=0", &sim), 0);
	bar = pnvme_sim_bar0(sim);
	cap = bar[0] | (uint64_t)bar[1] << 32;
	CU_ASSERT_EQUAL(PNVME_CAP_MQES(cap), 1023);
	CU_ASSERT_EQUAL(PNVME_CAP_CQR(cap), 1);
	CU_ASSERT_EQUAL(PNVME_CAP_DSTRD(cap), 0);
	CU_ASSERT_TRUE(PNVME_CAP_CSS(cap) & PNVME_CAP_CSS_NVM);
	CU_ASSERT_EQUAL(PNVME_CAP_MPSMIN(cap), 0);
	CU_ASSERT_EQUAL(PNVME_CAP_MPSMAX(cap), 0);
	CU_ASSERT_TRUE(PNVME_CAP_TO(cap) * 500 >= 100); /* well above the few ms of ready */
	CU_ASSERT_EQUAL(bar[PNVME_REG_VS / 4], PNVME_VS(1, 4, 0));
	CU_ASSERT_TRUE(pnvme_sim_bar0_len(sim) >= 16384);
	CU_ASSERT_STRING_EQUAL(pnvme_sim_name(sim), "params0");
	pnvme_sim_destroy(sim);

	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create("params1", "thread=0 mqes=63 dstrd=2 to=9 "
				 "size=64M lba=4K queues=4 ns=3 mdts=0", &sim), 0);
	bar = pnvme_sim_bar0(sim);
	cap = bar[0] | (uint64_t)bar[1] << 32;
	CU_ASSERT_EQUAL(PNVME_CAP_MQES(cap), 63);
	CU_ASSERT_EQUAL(PNVME_CAP_DSTRD(cap), 2);
	CU_ASSERT_EQUAL(PNVME_CAP_TO(cap), 9);
	pnvme_sim_destroy(sim);

	static const char *const bad[] = {
		"bogus=1", "ns=0", "ns=x", "size=1Q", "lba=1000", "size=1000 lba=512",
		"mqes=0", "queues=0", "thread=2", "fault_ready=sometimes", "noequals",
		"=3", "mdts=-1", "latency_us=", NULL,
	};
	for (int i = 0; bad[i] != NULL; i++) {
		sim = NULL;
		CU_ASSERT_EQUAL(pnvme_sim_create("bad", bad[i], &sim), -EINVAL);
		CU_ASSERT_PTR_NULL(pnvme_sim_get("bad"));
	}
}

static void test_registry_and_pci(void)
{
	struct pnvme_sim *a, *b, *c;
	struct env_pci_dev *dev = NULL;
	uint8_t cls[3];
	uint16_t cmd;

	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create(NULL, "thread=0", &a), 0);
	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create("", "thread=0", &b), 0);
	CU_ASSERT_STRING_NOT_EQUAL(pnvme_sim_name(a), pnvme_sim_name(b));
	CU_ASSERT_EQUAL(strncmp(pnvme_sim_name(a), "sim", 3), 0);
	CU_ASSERT_PTR_EQUAL(pnvme_sim_get(pnvme_sim_name(b)), b);
	CU_ASSERT_EQUAL(pnvme_sim_create(pnvme_sim_name(a), "thread=0", &c), -EEXIST);
	pnvme_sim_destroy(a);
	pnvme_sim_destroy(b);

	/* Through the PCI interface, as the driver does. */
	CU_ASSERT_EQUAL_FATAL(env_pci_attach("sim", "simA", "ns=2 thread=0", &dev), 0);
	CU_ASSERT_STRING_EQUAL(dev->addr, "simA");
	CU_ASSERT_PTR_NOT_NULL(dev->bar0);
	CU_ASSERT_TRUE(dev->bar0_len >= 16384);
	CU_ASSERT_PTR_NOT_NULL(pnvme_sim_get("simA"));
	CU_ASSERT_PTR_EQUAL(pnvme_sim_bar0(pnvme_sim_get("simA")), dev->bar0);
	CU_ASSERT_EQUAL(dev->ops->cfg_read(dev, cls, 3, 0x09), 0);
	CU_ASSERT_EQUAL(cls[0] | cls[1] << 8 | cls[2] << 16, ENV_PCI_CLASS_NVME);
	CU_ASSERT_EQUAL(dev->ops->cfg_read(dev, &cmd, 2, 0), 0);
	CU_ASSERT_EQUAL(cmd, dev->vendor_id);
	cmd = 0;
	CU_ASSERT_EQUAL(dev->ops->cfg_write(dev, &cmd, 2, 0x04), 0);
	CU_ASSERT_EQUAL(dev->ops->cfg_read(dev, &cmd, 2, 0x04), 0);
	CU_ASSERT_EQUAL(cmd & 0x4, 0);
	CU_ASSERT_EQUAL(env_pci_enable_bus_master(dev), 0);
	CU_ASSERT_EQUAL(dev->ops->cfg_read(dev, &cmd, 2, 0x04), 0);
	CU_ASSERT_EQUAL(cmd & 0x4, 0x4);
	CU_ASSERT_EQUAL(dev->ops->cfg_read(dev, &cmd, 2, 255), -EINVAL);
	CU_ASSERT_EQUAL(env_pci_attach("sim", "simA", "", &dev), -EEXIST);
	env_pci_detach(dev);
	CU_ASSERT_PTR_NULL(pnvme_sim_get("simA"));
	CU_ASSERT_EQUAL(env_pci_attach("sim", "simB", "ns=2 frobnicate=1", &dev), -EINVAL);
}

static void test_enable_handshake(void)
{
	struct host h;

	CU_ASSERT_EQUAL_FATAL(host_create(&h, "ready_ms=40"), 0);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_RDY));
	host_program(&h, cc_default());
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_RDY)); /* never on the write itself */
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_RDY)); /* nor before the delay */
	usleep(50000);
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_RDY)); /* nor without a poll */
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(csts_has(&h, PNVME_CSTS_RDY));

	/* Disable: RDY drops after the delay. */
	wr(&h, PNVME_REG_CC, 0);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(csts_has(&h, PNVME_CSTS_RDY));
	usleep(50000);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_RDY));

	/* Enable again, then a normal shutdown. */
	host_program(&h, cc_default());
	CU_ASSERT_TRUE(wait_csts(&h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
	wr(&h, PNVME_REG_CC, cc_default() | PNVME_CC_SHN_NORMAL);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_EQUAL(rd(&h, PNVME_REG_CSTS) & PNVME_CSTS_SHST_MASK, PNVME_CSTS_SHST_OCCURRING);
	CU_ASSERT_TRUE(wait_csts(&h, PNVME_CSTS_SHST_MASK, PNVME_CSTS_SHST_COMPLETE));
	/* A reset after shutdown clears SHST. */
	wr(&h, PNVME_REG_CC, 0);
	CU_ASSERT_TRUE(wait_csts(&h, PNVME_CSTS_RDY | PNVME_CSTS_SHST_MASK, 0));
	host_stop(&h);
}

#define NO_AQA UINT32_MAX

static void expect_bad_cc(uint32_t cc, uint32_t aqa, bool misalign)
{
	struct host h;

	CU_ASSERT_EQUAL_FATAL(host_create(&h, ""), 0);
	host_program(&h, 0);
	if (aqa != NO_AQA)
		wr(&h, PNVME_REG_AQA, aqa);
	if (misalign)
		wr(&h, PNVME_REG_ASQ, (uint32_t)iova(h.aq.sq) + 64);
	wr(&h, PNVME_REG_CC, cc);
	CU_ASSERT_TRUE(wait_csts(&h, PNVME_CSTS_CFS, PNVME_CSTS_CFS));
	usleep(5000);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_RDY));
	/* A reset clears the fatal status. */
	wr(&h, PNVME_REG_CC, 0);
	CU_ASSERT_TRUE(wait_csts(&h, PNVME_CSTS_CFS | PNVME_CSTS_RDY, 0));
	host_stop(&h);
}

static void test_bad_cc_is_fatal(void)
{
	uint32_t cc = cc_default();

	expect_bad_cc((cc & ~(0xfu << PNVME_CC_IOSQES_SHIFT)) | 5u << PNVME_CC_IOSQES_SHIFT,
		      NO_AQA, false);
	expect_bad_cc((cc & ~(0xfu << PNVME_CC_IOCQES_SHIFT)) | 3u << PNVME_CC_IOCQES_SHIFT,
		      NO_AQA, false);
	expect_bad_cc(cc | 1u << PNVME_CC_MPS_SHIFT, NO_AQA, false);
	expect_bad_cc(cc | 1u << PNVME_CC_CSS_SHIFT, NO_AQA, false);
	expect_bad_cc(cc | 1u << PNVME_CC_AMS_SHIFT, NO_AQA, false);
	expect_bad_cc(cc, 0x00000000, false); /* AQA 1 entry each: too small */
	expect_bad_cc(cc, NO_AQA, true);      /* ASQ not page aligned */
}

static void test_ready_faults(void)
{
	struct host h;

	/* fault_ready=never: EN set, RDY never comes. */
	CU_ASSERT_EQUAL_FATAL(host_create(&h, "fault_ready=never"), 0);
	host_program(&h, cc_default());
	for (int i = 0; i < 20; i++) {
		pnvme_sim_poll(h.sim);
		usleep(1000);
	}
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_RDY));
	pnvme_sim_set_never_ready(h.sim, false);
	CU_ASSERT_TRUE(wait_csts(&h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
	host_stop(&h);

	/* Slow ready at run time: the next enable takes longer. */
	CU_ASSERT_EQUAL_FATAL(host_create(&h, ""), 0);
	pnvme_sim_set_ready_ms(h.sim, 60);
	host_program(&h, cc_default());
	pnvme_sim_poll(h.sim);
	usleep(20000);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_RDY));
	CU_ASSERT_TRUE(wait_csts(&h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
	host_stop(&h);
}

static void test_bad_doorbells_are_fatal(void)
{
	struct host h;

	/* Doorbell of a queue that does not exist. */
	host_start(&h, "");
	ring(&h, 5, 0, 1);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(csts_has(&h, PNVME_CSTS_CFS));
	host_stop(&h);

	/* SQ tail beyond the queue size. */
	host_start(&h, "");
	ring(&h, 0, 0, AQ_SIZE);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(csts_has(&h, PNVME_CSTS_CFS));
	host_stop(&h);

	/* CQ head beyond what was posted. */
	host_start(&h, "");
	ring(&h, 0, 1, 3);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(csts_has(&h, PNVME_CSTS_CFS));
	host_stop(&h);
}

/* ================================================================ admin */

static void test_identify(void)
{
	struct host h;
	uint8_t *buf = dma(PAGE);
	struct pnvme_ctrlr_data *cd = (void *)buf;
	struct pnvme_ns_data *nd = (void *)buf;
	uint32_t *list = (void *)buf;
	struct pnvme_ns_id_desc *d;
	uint8_t eui[8];

	host_start(&h, "ns=3 size=16M lba=4096 mdts=6 noiob=64");
	CU_ASSERT_EQUAL(identify(&h, PNVME_CNS_CTRLR, 0, buf), OK);
	CU_ASSERT_EQUAL(memcmp(cd->mn, "pnvme sim controller    ", 24), 0);
	CU_ASSERT_NOT_EQUAL(cd->sn[0], ' ');
	CU_ASSERT_EQUAL(cd->mdts, 6);
	CU_ASSERT_EQUAL(cd->ver, PNVME_VS(1, 4, 0));
	CU_ASSERT_EQUAL(cd->sqes, 0x66);
	CU_ASSERT_EQUAL(cd->cqes, 0x44);
	CU_ASSERT_EQUAL(cd->nn, 3);
	CU_ASSERT_EQUAL(cd->aerl, 3);
	CU_ASSERT_EQUAL(cd->acl, 3);
	CU_ASSERT_TRUE(cd->kas > 0);
	CU_ASSERT_TRUE(cd->ctratt & (1u << 6)); /* TBKAS */
	CU_ASSERT_TRUE(cd->vwc & 1);
	CU_ASSERT_EQUAL(cd->sgls, 0);
	CU_ASSERT_TRUE(cd->oacs & PNVME_OACS_DOORBELL_BUFFER_CONFIG);
	CU_ASSERT_EQUAL(cd->oncs & (PNVME_ONCS_COMPARE | PNVME_ONCS_DSM |
				    PNVME_ONCS_WRITE_ZEROES | PNVME_ONCS_TIMESTAMP),
			PNVME_ONCS_COMPARE | PNVME_ONCS_DSM | PNVME_ONCS_WRITE_ZEROES |
				PNVME_ONCS_TIMESTAMP);
	CU_ASSERT_NOT_EQUAL(cd->vid, 0);

	CU_ASSERT_EQUAL(identify(&h, PNVME_CNS_NS, 2, buf), OK);
	CU_ASSERT_EQUAL(nd->nsze, 4096);
	CU_ASSERT_EQUAL(nd->ncap, 4096);
	CU_ASSERT_EQUAL(nd->nlbaf, 0);
	CU_ASSERT_EQUAL(PNVME_FLBAS_FORMAT(nd->flbas), 0);
	CU_ASSERT_EQUAL(nd->lbaf[0].lbads, 12);
	CU_ASSERT_EQUAL(nd->noiob, 64);
	CU_ASSERT_EQUAL(nd->dlfeat & 0x7, 1);
	memcpy(eui, nd->eui64, 8);
	CU_ASSERT_EQUAL(identify(&h, PNVME_CNS_NS, 0, buf), S(0, 0x0b));
	CU_ASSERT_EQUAL(identify(&h, PNVME_CNS_NS, 4, buf), S(0, 0x0b));

	CU_ASSERT_EQUAL(identify(&h, PNVME_CNS_ACTIVE_NS_LIST, 0, buf), OK);
	CU_ASSERT_EQUAL(list[0], 1);
	CU_ASSERT_EQUAL(list[1], 2);
	CU_ASSERT_EQUAL(list[2], 3);
	CU_ASSERT_EQUAL(list[3], 0);
	CU_ASSERT_EQUAL(identify(&h, PNVME_CNS_ACTIVE_NS_LIST, 2, buf), OK);
	CU_ASSERT_EQUAL(list[0], 3);
	CU_ASSERT_EQUAL(list[1], 0);

	CU_ASSERT_EQUAL(identify(&h, PNVME_CNS_NS_DESC_LIST, 2, buf), OK);
	d = (void *)buf;
	CU_ASSERT_EQUAL(d->nidt, PNVME_NIDT_EUI64);
	CU_ASSERT_EQUAL(d->nidl, 8);
	CU_ASSERT_EQUAL(memcmp(d->nid, eui, 8), 0);
	d = (void *)(buf + 4 + 8);
	CU_ASSERT_EQUAL(d->nidt, PNVME_NIDT_NGUID);
	CU_ASSERT_EQUAL(d->nidl, 16);
	d = (void *)(buf + 4 + 8 + 4 + 16);
	CU_ASSERT_EQUAL(d->nidt, PNVME_NIDT_UUID);
	CU_ASSERT_EQUAL(d->nidl, 16);

	CU_ASSERT_EQUAL(identify(&h, 0x55, 0, buf), S(0, PNVME_SC_INVALID_FIELD));
	host_stop(&h);
	pnvme_dma_free(buf);
}

static void test_create_queues_and_errors(void)
{
	struct host h;
	struct pnvme_cmd c;
	void *sq = dma(IOQ_SIZE * 64), *cq = dma(IOQ_SIZE * 16);
	static char not_dma[2 * PAGE] __attribute__((aligned(4096)));
	const unsigned bad_qid = S(1, PNVME_SC_INVALID_QUEUE_IDENTIFIER);
	const unsigned bad_size = S(1, PNVME_SC_INVALID_QUEUE_SIZE);

	host_start(&h, "queues=4 mqes=255");
	/* CQ errors. */
	c = create_cq_cmd(0, 16, cq);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), bad_qid);
	c = create_cq_cmd(5, 16, cq);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), bad_qid);
	c = create_cq_cmd(1, 1, cq);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), bad_size);
	c = create_cq_cmd(1, 257, cq);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), bad_size);
	c = create_cq_cmd(1, 16, cq);
	c.cdw11 = 0;
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), S(0, PNVME_SC_INVALID_FIELD));
	c = create_cq_cmd(1, 16, cq);
	c.dptr.prp.prp1 += 256;
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), S(0, PNVME_SC_INVALID_PRP_OFFSET));
	c = create_cq_cmd(1, 16, cq);
	c.dptr.prp.prp1 = (uintptr_t)not_dma;
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), S(0, PNVME_SC_DATA_TRANSFER_ERROR));
	c = create_cq_cmd(1, 256, cq);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), OK);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), bad_qid); /* exists already */

	/* SQ errors. */
	c = create_sq_cmd(0, 16, sq, 1);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), bad_qid);
	c = create_sq_cmd(5, 16, sq, 1);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), bad_qid);
	c = create_sq_cmd(1, 1, sq, 1);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), bad_size);
	c = create_sq_cmd(1, 16, sq, 2);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), S(1, PNVME_SC_COMPLETION_QUEUE_INVALID));
	c = create_sq_cmd(1, 16, sq, 0);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), S(1, PNVME_SC_COMPLETION_QUEUE_INVALID));
	c = create_sq_cmd(1, 16, sq, 1);
	c.cdw11 &= ~PNVME_QUEUE_PHYS_CONTIG;
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), S(0, PNVME_SC_INVALID_FIELD));
	c = create_sq_cmd(1, 16, sq, 1);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), OK);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), bad_qid);

	/* Deletion: a CQ with an SQ on it cannot go; unknown queues are invalid. */
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_CQ, .cdw10 = 1};
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), S(1, PNVME_SC_INVALID_QUEUE_DELETION));
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_SQ, .cdw10 = 3};
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), bad_qid);
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_SQ, .cdw10 = 0};
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), bad_qid);
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_CQ, .cdw10 = 2};
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), bad_qid);
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_SQ, .cdw10 = 1};
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), OK);
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_CQ, .cdw10 = 1};
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), OK);
	/* Unknown admin opcode. */
	c = (struct pnvme_cmd){.opc = PNVME_OPC_FORMAT_NVM};
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), S(0, PNVME_SC_INVALID_OPCODE));
	c = (struct pnvme_cmd){.opc = PNVME_OPC_IDENTIFY, .psdt = 1, .cdw10 = 1};
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), S(0, PNVME_SC_INVALID_FIELD));
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_CFS));
	host_stop(&h);
	pnvme_dma_free(sq);
	pnvme_dma_free(cq);
}

static void test_delete_sq_aborts_outstanding(void)
{
	struct host h;
	struct pnvme_cmd c;
	struct pnvme_cpl cpl[4];
	uint8_t *buf = dma(PAGE);
	uint16_t cid[3];
	int n = 0;

	host_start(&h, "");
	host_io_queue(&h, 1, IOQ_SIZE);
	/* One command held by a DROP fault, two submitted but never fetched. */
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1), 0);
	c = rw_cmd(PNVME_OPC_READ, 1, 0, 1);
	c.dptr.prp.prp1 = iova(buf);
	cid[0] = submit(&h, &h.io, &c);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(reap(&h, &h.io, &cpl[0], true));
	cid[1] = post(&h, &h.io, &c);
	cid[2] = post(&h, &h.io, &c);
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_SQ, .cdw10 = 1};
	submit(&h, &h.aq, &c);
	/* The I/O doorbell rings with the delete already queued: admin goes first. */
	ring(&h, 1, 0, h.io.sq_tail);
	CU_ASSERT_EQUAL(wait_cpl(&h, &h.aq, &cpl[3]), 0);
	CU_ASSERT_EQUAL(st(&cpl[3]), OK);
	while (n < 4 && reap(&h, &h.io, &cpl[n], true))
		n++;
	CU_ASSERT_EQUAL(n, 3);
	for (int i = 0; i < n; i++) {
		CU_ASSERT_EQUAL(st(&cpl[i]), S(0, PNVME_SC_ABORTED_SQ_DELETION));
		CU_ASSERT_EQUAL(cpl[i].cid, cid[i]);
	}
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DELETE_IO_CQ, .cdw10 = 1};
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), OK);
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_CFS));
	host_stop(&h);
	pnvme_dma_free(buf);
}

static unsigned get_feat(struct host *h, uint32_t fid, uint32_t sel, uint32_t *cdw0, void *buf)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_GET_FEATURES, .cdw10 = fid | sel << 8};
	struct pnvme_cpl cpl;
	unsigned s;

	if (buf != NULL)
		c.dptr.prp.prp1 = iova(buf);
	s = admin(h, &c, &cpl);
	*cdw0 = cpl.cdw0;
	return s;
}

static unsigned set_feat(struct host *h, uint32_t cdw10, uint32_t cdw11, uint32_t *cdw0,
			 void *buf)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_SET_FEATURES, .cdw10 = cdw10, .cdw11 = cdw11};
	struct pnvme_cpl cpl;
	unsigned s;

	if (buf != NULL)
		c.dptr.prp.prp1 = iova(buf);
	s = admin(h, &c, &cpl);
	if (cdw0 != NULL)
		*cdw0 = cpl.cdw0;
	return s;
}

static void test_features(void)
{
	struct host h;
	uint8_t *ts = dma(PAGE);
	uint32_t v;
	uint64_t ms = 0;

	host_start(&h, "queues=8");
	/* Number of Queues: granted counts, 0's based, capped at what the sim has. */
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_NUMBER_OF_QUEUES, 0, &v, NULL), OK);
	CU_ASSERT_EQUAL(v, 7u << 16 | 7u);
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_NUMBER_OF_QUEUES, 99u << 16 | 1u, &v, NULL), OK);
	CU_ASSERT_EQUAL(v, 7u << 16 | 1u);
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_NUMBER_OF_QUEUES, 0xffffu, &v, NULL),
			S(0, PNVME_SC_INVALID_FIELD));
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_NUMBER_OF_QUEUES, 2u << 16 | 2u, &v, NULL), OK);
	CU_ASSERT_EQUAL(v, 2u << 16 | 2u);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_NUMBER_OF_QUEUES, 0, &v, NULL), OK);
	CU_ASSERT_EQUAL(v, 2u << 16 | 2u);
	/* Three granted: qid 4 is refused. */
	{
		void *cq = dma(PAGE);
		struct pnvme_cmd c = create_cq_cmd(4, 16, cq);

		CU_ASSERT_EQUAL(admin(&h, &c, NULL), S(1, PNVME_SC_INVALID_QUEUE_IDENTIFIER));
		pnvme_dma_free(cq);
	}
	host_io_queue(&h, 3, 16);
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_NUMBER_OF_QUEUES, 0, &v, NULL),
			S(0, PNVME_SC_COMMAND_SEQUENCE_ERROR));

	/* Volatile write cache, arbitration, async event config, keep alive. */
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_VOLATILE_WRITE_CACHE, 0, NULL, NULL), OK);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_VOLATILE_WRITE_CACHE, 0, &v, NULL), OK);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_VOLATILE_WRITE_CACHE, 1, &v, NULL), OK);
	CU_ASSERT_EQUAL(v, 1); /* default */
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_ARBITRATION, 0x3, NULL, NULL), OK);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_ARBITRATION, 0, &v, NULL), OK);
	CU_ASSERT_EQUAL(v, 0x3);
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_ASYNC_EVENT_CONFIG, 0x1ff, NULL, NULL), OK);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_ASYNC_EVENT_CONFIG, 0, &v, NULL), OK);
	CU_ASSERT_EQUAL(v, 0x1ff);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_KEEP_ALIVE_TIMER, 0, &v, NULL), OK);
	CU_ASSERT_EQUAL(v, 0);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_VOLATILE_WRITE_CACHE, 3, &v, NULL), OK);
	CU_ASSERT_TRUE(v & 0x4); /* changeable */

	/* Timestamp: set, then read back no earlier than what was set. */
	ts[0] = 0x10;
	ts[1] = 0x27; /* 10000 ms */
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_TIMESTAMP, 0, NULL, ts), OK);
	memset(ts, 0, 8);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_TIMESTAMP, 0, &v, ts), OK);
	for (int i = 0; i < 6; i++)
		ms |= (uint64_t)ts[i] << (8 * i);
	CU_ASSERT_TRUE(ms >= 10000 && ms < 20000);
	CU_ASSERT_EQUAL((ts[6] >> 1) & 0x7, 1); /* set by the host */

	/* Errors. */
	CU_ASSERT_EQUAL(get_feat(&h, 0x7f, 0, &v, NULL), S(0, PNVME_SC_INVALID_FIELD));
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_ARBITRATION | 1u << 31, 0, NULL, NULL),
			S(1, PNVME_SC_FEATURE_ID_NOT_SAVEABLE));
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_POWER_MANAGEMENT, 1, NULL, NULL),
			S(0, PNVME_SC_INVALID_FIELD));
	host_stop(&h);
	pnvme_dma_free(ts);
}

static uint64_t le64_at(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static unsigned get_log(struct host *h, uint8_t lid, uint32_t nsid, void *buf, uint32_t len,
			uint64_t off)
{
	struct pnvme_cmd c = {.opc = PNVME_OPC_GET_LOG_PAGE, .nsid = nsid};
	uint32_t numd = len / 4 - 1;
	uint64_t list[2];

	c.cdw10 = lid | (numd & 0xffff) << 16;
	c.cdw11 = numd >> 16;
	c.cdw12 = (uint32_t)off;
	c.cdw13 = (uint32_t)(off >> 32);
	set_prps(&c, buf, len, list);
	return admin(h, &c, NULL);
}

static void test_log_pages(void)
{
	struct host h;
	uint8_t *buf = dma(4 * PAGE), *log = dma(PAGE);
	struct pnvme_health_log *smart = (void *)log;
	struct pnvme_error_log_entry *err = (void *)log;
	struct pnvme_firmware_log *fw = (void *)log;
	struct pnvme_cmd c;
	struct pnvme_cpl cpl;

	host_start(&h, "");
	host_io_queue(&h, 1, IOQ_SIZE);
	/* 3 writes of 8 blocks (24 units of 512 bytes), 2 reads of 16 KiB. */
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(io(&h, PNVME_OPC_WRITE, 8u * i, 8, buf, 4096), OK);
	for (int i = 0; i < 2; i++)
		CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 0, 32, buf, 16384), OK);
	CU_ASSERT_EQUAL(get_log(&h, PNVME_LOG_PAGE_HEALTH, 0xffffffff, log, 512, 0), OK);
	CU_ASSERT_EQUAL(le64_at(smart->host_write_commands), 3);
	CU_ASSERT_EQUAL(le64_at(smart->host_read_commands), 2);
	CU_ASSERT_EQUAL(le64_at(smart->data_units_written), 1); /* 24 units, rounded up */
	CU_ASSERT_EQUAL(le64_at(smart->data_units_read), 1);
	CU_ASSERT_EQUAL(le64_at(smart->power_cycles), 1);
	CU_ASSERT_TRUE(smart->temperature > 273);
	host_stop(&h);

	host_start(&h, "mdts=10");
	host_io_queue(&h, 1, IOQ_SIZE);
	{
		uint8_t *big = dma(512 * 1024);

		for (int i = 0; i < 2; i++)
			CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 0, 1000, big, 1000 * 512), OK);
		pnvme_dma_free(big);
	}
	CU_ASSERT_EQUAL(get_log(&h, PNVME_LOG_PAGE_HEALTH, 0, log, 512, 0), OK);
	CU_ASSERT_EQUAL(le64_at(smart->data_units_read), 2);
	CU_ASSERT_EQUAL(get_log(&h, PNVME_LOG_PAGE_HEALTH, 1, log, 512, 0),
			S(0, PNVME_SC_INVALID_FIELD));

	/* Error log: the newest failure first. */
	c = rw_cmd(PNVME_OPC_READ, 1, 1ull << 40, 1);
	c.dptr.prp.prp1 = iova(buf);
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, &cpl), S(0, PNVME_SC_LBA_OUT_OF_RANGE));
	CU_ASSERT_EQUAL(get_log(&h, PNVME_LOG_PAGE_ERROR, 0, log, PAGE, 0), OK);
	CU_ASSERT_TRUE(err[0].error_count >= 1);
	CU_ASSERT_EQUAL(err[0].sqid, 1);
	CU_ASSERT_EQUAL(err[0].cid, cpl.cid);
	CU_ASSERT_EQUAL((err[0].status >> 1) & 0xff, PNVME_SC_LBA_OUT_OF_RANGE);
	CU_ASSERT_EQUAL(err[0].lba, 1ull << 40);
	CU_ASSERT_EQUAL(err[0].error_count, err[1].error_count + 1);
	/* An offset into the page and a short read: entry 1 alone. */
	{
		uint64_t second = err[1].error_count;

		memset(log, 0xff, PAGE);
		CU_ASSERT_EQUAL(get_log(&h, PNVME_LOG_PAGE_ERROR, 0, log, 64, 64), OK);
		CU_ASSERT_EQUAL(err[0].error_count, second);
		CU_ASSERT_EQUAL(log[64], 0xff); /* nothing past the 64 bytes asked for */
	}
	CU_ASSERT_EQUAL(get_log(&h, PNVME_LOG_PAGE_ERROR, 0, log, 64, 2),
			S(0, PNVME_SC_INVALID_FIELD));

	CU_ASSERT_EQUAL(get_log(&h, PNVME_LOG_PAGE_FIRMWARE_SLOT, 0, log, 512, 0), OK);
	CU_ASSERT_EQUAL(fw->afi & 0x7, 1);
	CU_ASSERT_EQUAL(memcmp(fw->frs[0], "0.1", 3), 0);
	CU_ASSERT_EQUAL(get_log(&h, 0x70, 0, log, 512, 0), S(1, PNVME_SC_INVALID_LOG_PAGE));
	host_stop(&h);
	pnvme_dma_free(buf);
	pnvme_dma_free(log);
}

static void test_async_events(void)
{
	struct host h;
	struct pnvme_cmd c = {.opc = PNVME_OPC_ASYNC_EVENT_REQUEST};
	struct pnvme_cpl cpl;
	uint16_t cids[4];

	host_start(&h, "");
	for (int i = 0; i < 4; i++)
		cids[i] = submit(&h, &h.aq, &c);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(reap(&h, &h.aq, &cpl, true));
	/* A fifth is over AERL+1. */
	CU_ASSERT_EQUAL(run(&h, &h.aq, &c, &cpl),
			S(1, PNVME_SC_ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED));
	CU_ASSERT_EQUAL(pnvme_sim_raise_aer(h.sim, 2, 0x01, PNVME_LOG_PAGE_HEALTH), 0);
	CU_ASSERT_EQUAL(wait_cpl(&h, &h.aq, &cpl), 0);
	CU_ASSERT_EQUAL(st(&cpl), OK);
	CU_ASSERT_EQUAL(cpl.cid, cids[0]);
	CU_ASSERT_EQUAL(PNVME_AER_TYPE(cpl.cdw0), 2);
	CU_ASSERT_EQUAL(PNVME_AER_INFO(cpl.cdw0), 0x01);
	CU_ASSERT_EQUAL(PNVME_AER_LOG_PAGE(cpl.cdw0), PNVME_LOG_PAGE_HEALTH);
	/* An event queued with no AER outstanding waits for the next AER. */
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(pnvme_sim_raise_aer(h.sim, 1, (uint8_t)i, 1), 0);
	pnvme_sim_poll(h.sim);
	for (int i = 0; i < 3; i++) {
		CU_ASSERT_EQUAL_FATAL(wait_cpl(&h, &h.aq, &cpl), 0);
		CU_ASSERT_EQUAL(cpl.cid, cids[i + 1]);
		CU_ASSERT_EQUAL(PNVME_AER_INFO(cpl.cdw0), i);
	}
	CU_ASSERT_EQUAL(pnvme_sim_raise_aer(h.sim, 0, 7, 1), 0);
	CU_ASSERT_EQUAL(run(&h, &h.aq, &c, &cpl), OK);
	CU_ASSERT_EQUAL(PNVME_AER_INFO(cpl.cdw0), 7);
	CU_ASSERT_EQUAL(pnvme_sim_raise_aer(h.sim, 9, 0, 0), -EINVAL);
	host_stop(&h);
}

static void test_keep_alive(void)
{
	struct host h;
	struct pnvme_cmd ka = {.opc = PNVME_OPC_KEEP_ALIVE};
	uint32_t v;

	host_start(&h, "");
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_KEEP_ALIVE_TIMER, 100, NULL, NULL), OK);
	CU_ASSERT_EQUAL(get_feat(&h, PNVME_FEAT_KEEP_ALIVE_TIMER, 0, &v, NULL), OK);
	CU_ASSERT_EQUAL(v, 100);
	for (int i = 0; i < 4; i++) {
		usleep(60000);
		CU_ASSERT_EQUAL(admin(&h, &ka, NULL), OK);
	}
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_CFS));
	/* Traffic based: I/O alone keeps the controller alive too. */
	host_io_queue(&h, 1, IOQ_SIZE);
	for (int i = 0; i < 4; i++) {
		struct pnvme_cmd fl = {.opc = PNVME_OPC_FLUSH, .nsid = 1};

		usleep(60000);
		CU_ASSERT_EQUAL(run(&h, &h.io, &fl, NULL), OK);
	}
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_CFS));
	usleep(350000); /* no keep alive for over KATO + slack */
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(csts_has(&h, PNVME_CSTS_CFS));
	host_stop(&h);

	/* kas=0: no keep alive at all. */
	host_start(&h, "kas=0");
	CU_ASSERT_EQUAL(set_feat(&h, PNVME_FEAT_KEEP_ALIVE_TIMER, 100, NULL, NULL),
			S(0, PNVME_SC_INVALID_FIELD));
	CU_ASSERT_EQUAL(admin(&h, &ka, NULL), S(0, PNVME_SC_INVALID_OPCODE));
	host_stop(&h);
}

/* ================================================================ I/O */

static void test_rw_prp1_prp2(void)
{
	struct host h;
	uint8_t *w = dma(4 * PAGE), *r = dma(4 * PAGE);

	host_start(&h, "");
	host_io_queue(&h, 1, IOQ_SIZE);
	/* PRP1 only: one page, then 512 bytes at an offset inside a page. */
	fill(w, 4 * PAGE, 1);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_WRITE, 0, 8, w, PAGE), OK);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 0, 8, r, PAGE), OK);
	CU_ASSERT_EQUAL(memcmp(w, r, PAGE), 0);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_WRITE, 100, 1, w + 1024, 512), OK);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 100, 1, r + 2048, 512), OK);
	CU_ASSERT_EQUAL(memcmp(w + 1024, r + 2048, 512), 0);
	/* PRP1 + PRP2: 8 KiB aligned, and 4 KiB starting mid-page (two pages). */
	fill(w, 4 * PAGE, 2);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_WRITE, 200, 16, w, 2 * PAGE), OK);
	memset(r, 0, 4 * PAGE);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 200, 16, r, 2 * PAGE), OK);
	CU_ASSERT_EQUAL(memcmp(w, r, 2 * PAGE), 0);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_WRITE, 300, 8, w + 512, PAGE), OK);
	memset(r, 0, 4 * PAGE);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 300, 8, r + 3072, PAGE), OK);
	CU_ASSERT_EQUAL(memcmp(w + 512, r + 3072, PAGE), 0);
	/* A list in one page: 16 KiB. */
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_WRITE, 400, 32, w, 4 * PAGE), OK);
	memset(r, 0, 4 * PAGE);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 400, 32, r, 4 * PAGE), OK);
	CU_ASSERT_EQUAL(memcmp(w, r, 4 * PAGE), 0);
	host_stop(&h);
	pnvme_dma_free(w);
	pnvme_dma_free(r);
}

/* 600 KiB through a PRP list that starts 100 slots before the end of its page. */
static void prp_two_list_pages(struct host *h, uint8_t opc, uint8_t *pool, uint8_t *lists)
{
	const unsigned pages = 150;
	uint64_t *l1 = (uint64_t *)(lists + PAGE - 100 * 8), *l2 = (uint64_t *)(lists + PAGE);
	struct pnvme_cmd c = rw_cmd(opc, 1, 1000, pages * 8);
	unsigned n = 0;

	/* Data pages in a scrambled order: page i of the transfer is pool page (i*7)%pages. */
	c.dptr.prp.prp1 = iova(pool);
	for (unsigned i = 1; i < pages; i++) {
		uint64_t pa = iova(pool + (size_t)((i * 7) % pages) * PAGE);

		if (n < 99)
			l1[n] = pa;
		else
			l2[n - 99] = pa;
		n++;
	}
	l1[99] = iova(l2); /* last slot of the first list page chains to the next */
	c.dptr.prp.prp2 = iova(l1);
	CU_ASSERT_EQUAL(run(h, &h->io, &c, NULL), OK);
}

static void test_rw_prp_list_two_pages(void)
{
	struct host h;
	const size_t len = 150 * PAGE;
	uint8_t *w = dma(len), *r = dma(len), *lists = dma(2 * PAGE), *chk = dma(len);

	host_start(&h, "mdts=8");
	host_io_queue(&h, 1, IOQ_SIZE);
	fill(w, len, 3);
	prp_two_list_pages(&h, PNVME_OPC_WRITE, w, lists);
	prp_two_list_pages(&h, PNVME_OPC_READ, r, lists);
	CU_ASSERT_EQUAL(memcmp(w, r, len), 0);
	/* Read linearly: transfer page i was taken from pool page (i*7)%150. */
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 1000, 8, chk, PAGE), OK);
	CU_ASSERT_EQUAL(memcmp(chk, w, PAGE), 0);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 1000 + 8 * 120, 8, chk, PAGE), OK);
	CU_ASSERT_EQUAL(memcmp(chk, w + (size_t)((120 * 7) % 150) * PAGE, PAGE), 0);
	host_stop(&h);
	pnvme_dma_free(w);
	pnvme_dma_free(r);
	pnvme_dma_free(lists);
	pnvme_dma_free(chk);
}

static void test_prp_errors(void)
{
	struct host h;
	uint8_t *buf = dma(8 * PAGE);
	uint64_t *list = dma(PAGE);
	static char not_dma[PAGE] __attribute__((aligned(4096)));
	struct pnvme_cmd c;
	const unsigned bad_off = S(0, PNVME_SC_INVALID_PRP_OFFSET);

	host_start(&h, "");
	host_io_queue(&h, 1, IOQ_SIZE);
	/* PRP1 not dword aligned. */
	c = rw_cmd(PNVME_OPC_READ, 1, 0, 1);
	c.dptr.prp.prp1 = iova(buf) + 2;
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), bad_off);
	/* PRP2 as a data pointer with an offset. */
	c = rw_cmd(PNVME_OPC_READ, 1, 0, 16);
	c.dptr.prp.prp1 = iova(buf);
	c.dptr.prp.prp2 = iova(buf) + PAGE + 512;
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), bad_off);
	/* PRP2 as a list pointer, not dword aligned. */
	c = rw_cmd(PNVME_OPC_READ, 1, 0, 24);
	c.dptr.prp.prp1 = iova(buf);
	c.dptr.prp.prp2 = iova(list) + 1;
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), bad_off);
	/* A list entry with an offset. */
	list[0] = iova(buf) + PAGE;
	list[1] = iova(buf) + 2 * PAGE + 8;
	c.dptr.prp.prp2 = iova(list);
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), bad_off);
	/* Addresses that are not DMA memory: Data Transfer Error, never a crash. */
	list[1] = (uintptr_t)not_dma;
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), S(0, PNVME_SC_DATA_TRANSFER_ERROR));
	c = rw_cmd(PNVME_OPC_WRITE, 1, 0, 1);
	c.dptr.prp.prp1 = 0x1000;
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), S(0, PNVME_SC_DATA_TRANSFER_ERROR));
	c.dptr.prp.prp1 = iova(buf);
	c.psdt = 1; /* SGL: not supported */
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), S(0, PNVME_SC_INVALID_FIELD));
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_CFS));
	host_stop(&h);
	pnvme_dma_free(buf);
	pnvme_dma_free(list);
}

static void test_io_errors(void)
{
	struct host h;
	uint8_t *buf = dma(64 * PAGE);
	struct pnvme_cmd c;

	host_start(&h, "size=1M mdts=2"); /* 2048 blocks, 16 KiB transfers */
	host_io_queue(&h, 1, IOQ_SIZE);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 2047, 1, buf, 512), OK);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 2047, 2, buf, 1024),
			S(0, PNVME_SC_LBA_OUT_OF_RANGE));
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_WRITE, 4096, 1, buf, 512),
			S(0, PNVME_SC_LBA_OUT_OF_RANGE));
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 0, 32, buf, 16384), OK);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 0, 33, buf, 16896), S(0, PNVME_SC_INVALID_FIELD));
	for (uint32_t nsid = 0; nsid < 3; nsid++) {
		c = rw_cmd(PNVME_OPC_READ, nsid ? (nsid == 1 ? 2 : 0xffffffff) : 0, 0, 1);
		c.dptr.prp.prp1 = iova(buf);
		CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL),
				S(0, PNVME_SC_INVALID_NAMESPACE_OR_FORMAT));
	}
	c = (struct pnvme_cmd){.opc = 0x7e, .nsid = 1};
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), S(0, PNVME_SC_INVALID_OPCODE));
	c = (struct pnvme_cmd){.opc = PNVME_OPC_FLUSH, .nsid = 1};
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), OK);
	c.nsid = 0xffffffff;
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), OK);
	c.nsid = 9;
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), S(0, PNVME_SC_INVALID_NAMESPACE_OR_FORMAT));
	host_stop(&h);
	pnvme_dma_free(buf);
}

static bool all_zero(const uint8_t *p, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		if (p[i] != 0)
			return false;
	}
	return true;
}

static void test_dsm_write_zeroes_compare(void)
{
	struct host h;
	uint8_t *w = dma(8 * PAGE), *r = dma(8 * PAGE);
	struct pnvme_dsm_range *ranges = dma(PAGE);
	struct pnvme_cmd c;

	host_start(&h, "lba=4096 size=64M");
	host_io_queue(&h, 1, IOQ_SIZE);
	fill(w, 8 * PAGE, 4);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_WRITE, 10, 8, w, 8 * PAGE), OK);
	/* Compare: match, then mismatch by one byte. */
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_COMPARE, 10, 8, w, 8 * PAGE), OK);
	memcpy(r, w, 8 * PAGE);
	r[5 * PAGE + 17] ^= 1;
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_COMPARE, 10, 8, r, 8 * PAGE),
			S(PNVME_SCT_MEDIA_ERROR, PNVME_SC_COMPARE_FAILURE));
	/* Deallocate blocks 11..12 and 16: they read back as zeroes, the others stay. */
	ranges[0] = (struct pnvme_dsm_range){.length = 2, .starting_lba = 11};
	ranges[1] = (struct pnvme_dsm_range){.length = 1, .starting_lba = 16};
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DATASET_MANAGEMENT, .nsid = 1};
	c.cdw10 = 1; /* two ranges */
	c.cdw11 = PNVME_DSM_ATTR_DEALLOCATE;
	c.dptr.prp.prp1 = iova(ranges);
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), OK);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 10, 8, r, 8 * PAGE), OK);
	CU_ASSERT_EQUAL(memcmp(r, w, PAGE), 0);
	CU_ASSERT_TRUE(all_zero(r + PAGE, 2 * PAGE));
	CU_ASSERT_EQUAL(memcmp(r + 3 * PAGE, w + 3 * PAGE, 3 * PAGE), 0);
	CU_ASSERT_TRUE(all_zero(r + 6 * PAGE, PAGE));
	CU_ASSERT_EQUAL(memcmp(r + 7 * PAGE, w + 7 * PAGE, PAGE), 0);
	/* A range beyond the namespace fails the whole command. */
	ranges[1].starting_lba = 1ull << 30;
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), S(0, PNVME_SC_LBA_OUT_OF_RANGE));
	/* Write Zeroes over block 10. */
	c = rw_cmd(PNVME_OPC_WRITE_ZEROES, 1, 10, 1);
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), OK);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 10, 1, r, PAGE), OK);
	CU_ASSERT_TRUE(all_zero(r, PAGE));
	host_stop(&h);
	pnvme_dma_free(w);
	pnvme_dma_free(r);
	pnvme_dma_free(ranges);
}

static void test_phase_wraps(void)
{
	struct host h;
	uint8_t *buf = dma(PAGE);
	struct pnvme_cpl cpl;
	struct pnvme_cmd c = rw_cmd(PNVME_OPC_READ, 1, 0, 1);

	host_start(&h, "");
	host_io_queue(&h, 1, 4);
	c.dptr.prp.prp1 = iova(buf);
	for (unsigned i = 0; i < 11; i++) {
		unsigned slot = h.io.cq_head, phase = h.io.phase;

		CU_ASSERT_EQUAL(run(&h, &h.io, &c, &cpl), OK);
		CU_ASSERT_EQUAL(cpl.status_raw & 1, phase);
		CU_ASSERT_EQUAL(phase, (i / 4) % 2 == 0 ? 1u : 0u);
		CU_ASSERT_EQUAL(slot, i % 4);
		CU_ASSERT_EQUAL(cpl.sqhd, (i + 1) % 4);
	}
	host_stop(&h);
	pnvme_dma_free(buf);
}

static void test_cq_full_stalls(void)
{
	struct host h;
	uint8_t *buf = dma(PAGE);
	struct pnvme_cmd c = rw_cmd(PNVME_OPC_READ, 1, 0, 1);
	void *cq = dma(PAGE), *sq = dma(PAGE);
	struct hq q = {.qid = 2, .size = 8, .cq_size = 4, .sq = sq, .cq = cq, .phase = 1};
	struct pnvme_cpl cpl[8];
	unsigned n = 0;

	host_start(&h, "");
	/* CQ of 4 entries (3 usable) behind an SQ of 8. */
	c = create_cq_cmd(2, 4, cq);
	CU_ASSERT_EQUAL_FATAL(admin(&h, &c, NULL), OK);
	c = create_sq_cmd(2, 8, sq, 2);
	CU_ASSERT_EQUAL_FATAL(admin(&h, &c, NULL), OK);
	c = rw_cmd(PNVME_OPC_READ, 1, 0, 1);
	c.dptr.prp.prp1 = iova(buf);
	for (int i = 0; i < 6; i++)
		post(&h, &q, &c);
	ring(&h, 2, 0, q.sq_tail);
	for (int i = 0; i < 5; i++)
		pnvme_sim_poll(h.sim);
	/* The host reads without freeing: only 3 posted, the 4th slot untouched. */
	while (reap(&h, &q, &cpl[n], false))
		n++;
	CU_ASSERT_EQUAL(n, 3);
	CU_ASSERT_EQUAL(((volatile struct pnvme_cpl *)cq)[3].status_raw, 0);
	for (int i = 0; i < 5; i++)
		pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(reap(&h, &q, &cpl[n], false));
	/* Free the entries: the rest arrive, in order. */
	ring(&h, 2, 1, q.cq_head);
	for (int i = 0; i < 20 && n < 6; i++) {
		pnvme_sim_poll(h.sim);
		while (n < 6 && reap(&h, &q, &cpl[n], true))
			n++;
	}
	CU_ASSERT_EQUAL(n, 6);
	for (unsigned i = 1; i < n; i++)
		CU_ASSERT_EQUAL((uint16_t)(cpl[i].cid - cpl[i - 1].cid), 1);
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_CFS));
	host_stop(&h);
	pnvme_dma_free(buf);
	pnvme_dma_free(cq);
	pnvme_dma_free(sq);
}

static void test_doorbell_stride_and_namespaces(void)
{
	struct host h;
	uint8_t *a = dma(PAGE), *b = dma(PAGE), *r = dma(PAGE);
	struct pnvme_cmd c;

	host_start(&h, "dstrd=2 ns=2 queues=3");
	CU_ASSERT_EQUAL(h.dstrd, 2);
	host_io_queue(&h, 3, IOQ_SIZE);
	fill(a, PAGE, 7);
	fill(b, PAGE, 8);
	/* The same LBA in two namespaces holds two different blocks. */
	c = rw_cmd(PNVME_OPC_WRITE, 1, 5, 8);
	c.dptr.prp.prp1 = iova(a);
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), OK);
	c.nsid = 2;
	c.dptr.prp.prp1 = iova(b);
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), OK);
	c = rw_cmd(PNVME_OPC_READ, 1, 5, 8);
	c.dptr.prp.prp1 = iova(r);
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), OK);
	CU_ASSERT_EQUAL(memcmp(r, a, PAGE), 0);
	c.nsid = 2;
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), OK);
	CU_ASSERT_EQUAL(memcmp(r, b, PAGE), 0);
	/* Padding between strided doorbells is not a doorbell: qid 2 (absent) is fatal. */
	wr(&h, pnvme_doorbell_offset(3, 0, 0), 1);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_CFS));
	wr(&h, pnvme_doorbell_offset(2, 0, 2), 1);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(csts_has(&h, PNVME_CSTS_CFS));
	host_stop(&h);
	pnvme_dma_free(a);
	pnvme_dma_free(b);
	pnvme_dma_free(r);
}

/* ================================================================ faults */

static void test_fault_fail_next(void)
{
	struct host h;
	uint8_t *w = dma(PAGE), *r = dma(PAGE);
	uint8_t *idb = dma(PAGE);

	host_start(&h, "");
	host_io_queue(&h, 1, IOQ_SIZE);
	fill(w, PAGE, 5);
	CU_ASSERT_EQUAL(pnvme_sim_fail_next(h.sim, PNVME_SIM_IO, PNVME_OPC_WRITE, 2,
					    PNVME_SCT_MEDIA_ERROR, PNVME_SC_WRITE_FAULTS, true), 0);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 0, 8, r, PAGE), OK); /* other opcode */
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_WRITE, 0, 8, w, PAGE),
			S(PNVME_SCT_MEDIA_ERROR, PNVME_SC_WRITE_FAULTS));
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 0, 8, r, PAGE), OK);
	CU_ASSERT_TRUE(all_zero(r, PAGE)); /* a failed write did not execute */
	{
		struct pnvme_cpl cpl;
		struct pnvme_cmd c = rw_cmd(PNVME_OPC_WRITE, 1, 0, 8);

		c.dptr.prp.prp1 = iova(w);
		CU_ASSERT_EQUAL(run(&h, &h.io, &c, &cpl),
				S(PNVME_SCT_MEDIA_ERROR, PNVME_SC_WRITE_FAULTS));
		CU_ASSERT_TRUE(cpl.status_raw & PNVME_STATUS_DNR_BIT);
	}
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_WRITE, 0, 8, w, PAGE), OK);
	/* Admin opcodes, any opcode, clearing. */
	CU_ASSERT_EQUAL(pnvme_sim_fail_next(h.sim, PNVME_SIM_ADMIN, PNVME_OPC_IDENTIFY, 1,
					    PNVME_SCT_GENERIC, PNVME_SC_INTERNAL_DEVICE_ERROR,
					    false), 0);
	CU_ASSERT_EQUAL(identify(&h, PNVME_CNS_CTRLR, 0, idb),
			S(0, PNVME_SC_INTERNAL_DEVICE_ERROR));
	CU_ASSERT_EQUAL(identify(&h, PNVME_CNS_CTRLR, 0, idb), OK);
	CU_ASSERT_EQUAL(pnvme_sim_fail_next(h.sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC, 5,
					    PNVME_SCT_GENERIC, PNVME_SC_ABORTED_POWER_LOSS,
					    false), 0);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 0, 8, r, PAGE), S(0, PNVME_SC_ABORTED_POWER_LOSS));
	pnvme_sim_clear_faults(h.sim);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 0, 8, r, PAGE), OK);
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(h.sim, PNVME_SIM_IO, 0x200, 1), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(h.sim, PNVME_SIM_IO, 1, 0), -EINVAL);
	host_stop(&h);
	pnvme_dma_free(w);
	pnvme_dma_free(r);
	pnvme_dma_free(idb);
}

static void test_fault_drop_and_abort(void)
{
	struct host h;
	uint8_t *buf = dma(PAGE);
	struct pnvme_cmd c = rw_cmd(PNVME_OPC_READ, 1, 0, 1), ab = {.opc = PNVME_OPC_ABORT};
	struct pnvme_cpl cpl, acpl;
	struct pnvme_sim_stats s;
	uint16_t cid;

	host_start(&h, "");
	host_io_queue(&h, 1, IOQ_SIZE);
	c.dptr.prp.prp1 = iova(buf);
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1), 0);
	cid = submit(&h, &h.io, &c);
	for (int i = 0; i < 10; i++)
		pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(reap(&h, &h.io, &cpl, true));
	pnvme_sim_get_stats(h.sim, &s);
	CU_ASSERT_EQUAL(s.dropped, 1);
	/* Later commands still complete. */
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), OK);
	/* Abort resolves it: the read as Aborted by Request, the Abort with bit 0 clear. */
	ab.cdw10 = (uint32_t)cid << 16 | 1;
	CU_ASSERT_EQUAL(run(&h, &h.aq, &ab, &acpl), OK);
	CU_ASSERT_EQUAL(acpl.cdw0 & 1, 0);
	CU_ASSERT_EQUAL_FATAL(wait_cpl(&h, &h.io, &cpl), 0);
	CU_ASSERT_EQUAL(cpl.cid, cid);
	CU_ASSERT_EQUAL(st(&cpl), S(0, PNVME_SC_ABORTED_BY_REQUEST));
	/* Nothing left to abort: bit 0 set. */
	CU_ASSERT_EQUAL(run(&h, &h.aq, &ab, &acpl), OK);
	CU_ASSERT_EQUAL(acpl.cdw0 & 1, 1);
	ab.cdw10 = 7u << 16 | 9; /* no such SQ */
	CU_ASSERT_EQUAL(run(&h, &h.aq, &ab, &acpl), OK);
	CU_ASSERT_EQUAL(acpl.cdw0 & 1, 1);

	/* A dropped admin command vanishes with a controller reset; re-enable works. */
	CU_ASSERT_EQUAL(pnvme_sim_drop_next(h.sim, PNVME_SIM_ADMIN, PNVME_OPC_IDENTIFY, 1), 0);
	c = (struct pnvme_cmd){.opc = PNVME_OPC_IDENTIFY, .cdw10 = 1};
	c.dptr.prp.prp1 = iova(buf);
	submit(&h, &h.aq, &c);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(reap(&h, &h.aq, &cpl, true));
	wr(&h, PNVME_REG_CC, 0);
	CU_ASSERT_TRUE(wait_csts(&h, PNVME_CSTS_RDY, 0));
	hq_fini(&h.aq);
	hq_fini(&h.io);
	hq_init(&h.aq, 0, AQ_SIZE);
	host_program(&h, cc_default());
	CU_ASSERT_TRUE(wait_csts(&h, PNVME_CSTS_RDY, PNVME_CSTS_RDY));
	CU_ASSERT_EQUAL(identify(&h, PNVME_CNS_CTRLR, 0, buf), OK);
	host_stop(&h);
	pnvme_dma_free(buf);
}

static void test_fault_bogus_and_duplicate(void)
{
	struct host h;
	uint8_t *buf = dma(PAGE);
	struct pnvme_cmd c = rw_cmd(PNVME_OPC_READ, 1, 0, 1);
	struct pnvme_cpl a, b;
	uint16_t cid;

	host_start(&h, "");
	host_io_queue(&h, 1, IOQ_SIZE);
	c.dptr.prp.prp1 = iova(buf);
	CU_ASSERT_EQUAL(pnvme_sim_bogus_cid_next(h.sim, PNVME_SIM_IO, PNVME_OPC_READ, 1), 0);
	cid = submit(&h, &h.io, &c);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE_FATAL(reap(&h, &h.io, &a, true));
	CU_ASSERT_TRUE_FATAL(reap(&h, &h.io, &b, true));
	CU_ASSERT_NOT_EQUAL(a.cid, cid);
	CU_ASSERT_EQUAL(b.cid, cid);
	CU_ASSERT_FALSE(reap(&h, &h.io, &a, true));

	CU_ASSERT_EQUAL(pnvme_sim_duplicate_next(h.sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC, 1), 0);
	cid = submit(&h, &h.io, &c);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE_FATAL(reap(&h, &h.io, &a, true));
	CU_ASSERT_TRUE_FATAL(reap(&h, &h.io, &b, true));
	CU_ASSERT_EQUAL(a.cid, cid);
	CU_ASSERT_EQUAL(b.cid, cid);
	CU_ASSERT_FALSE(reap(&h, &h.io, &a, true));
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), OK);
	host_stop(&h);
	pnvme_dma_free(buf);
}

static void test_fault_cfs_and_latency(void)
{
	struct host h;
	uint8_t *buf = dma(PAGE);
	struct pnvme_cmd c = rw_cmd(PNVME_OPC_READ, 1, 0, 1);
	struct pnvme_cpl cpl;

	host_start(&h, "latency_us=30000");
	host_io_queue(&h, 1, IOQ_SIZE); /* admin commands wait too */
	c.dptr.prp.prp1 = iova(buf);
	submit(&h, &h.io, &c);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(reap(&h, &h.io, &cpl, true));
	usleep(35000);
	pnvme_sim_poll(h.sim);
	CU_ASSERT_TRUE(reap(&h, &h.io, &cpl, true));
	/* Abort reaches a command whose completion is only delayed. */
	{
		struct pnvme_cmd ab = {.opc = PNVME_OPC_ABORT};
		struct pnvme_cpl acpl;
		uint16_t cid = submit(&h, &h.io, &c);

		pnvme_sim_poll(h.sim);
		ab.cdw10 = (uint32_t)cid << 16 | 1;
		CU_ASSERT_EQUAL(run(&h, &h.aq, &ab, &acpl), OK);
		CU_ASSERT_EQUAL(acpl.cdw0 & 1, 0);
		CU_ASSERT_EQUAL_FATAL(wait_cpl(&h, &h.io, &cpl), 0);
		CU_ASSERT_EQUAL(cpl.cid, cid);
		CU_ASSERT_EQUAL(st(&cpl), S(0, PNVME_SC_ABORTED_BY_REQUEST));
	}
	pnvme_sim_set_latency_us(h.sim, 0);
	CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), OK);

	/* CFS now: set at once, and nothing more is processed. */
	pnvme_sim_set_cfs(h.sim);
	CU_ASSERT_TRUE(csts_has(&h, PNVME_CSTS_CFS));
	submit(&h, &h.io, &c);
	for (int i = 0; i < 10; i++)
		pnvme_sim_poll(h.sim);
	CU_ASSERT_FALSE(reap(&h, &h.io, &cpl, true));
	wr(&h, PNVME_REG_CC, 0);
	CU_ASSERT_TRUE(wait_csts(&h, PNVME_CSTS_RDY | PNVME_CSTS_CFS, 0));
	host_stop(&h);
	pnvme_dma_free(buf);
}

/* ================================================================ shadow doorbells, stats */

static void test_shadow_doorbells(void)
{
	struct host h;
	uint32_t *db = dma(PAGE), *ei = dma(PAGE);
	uint8_t *buf = dma(PAGE);
	struct pnvme_cmd c = {.opc = PNVME_OPC_DOORBELL_BUFFER_CONFIG};
	struct pnvme_sim_stats before, after;

	host_start(&h, "");
	c.dptr.prp.prp1 = iova(db) + 8;
	c.dptr.prp.prp2 = iova(ei);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), S(0, PNVME_SC_INVALID_FIELD));
	c.dptr.prp.prp1 = iova(db);
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), OK);
	host_io_queue(&h, 1, IOQ_SIZE);
	h.shadow = db;
	h.eventidx = ei;
	pnvme_sim_poll(h.sim); /* sees the last admin CQ head doorbell */
	pnvme_sim_get_stats(h.sim, &before);
	for (int i = 0; i < 5; i++) {
		c = rw_cmd(PNVME_OPC_WRITE, 1, (uint64_t)i, 1);
		c.dptr.prp.prp1 = iova(buf);
		CU_ASSERT_EQUAL(run(&h, &h.io, &c, NULL), OK);
		/* The sim asks for an MMIO write once the tail passes what it has seen. */
		CU_ASSERT_EQUAL(ei[2], h.io.sq_tail);
	}
	pnvme_sim_get_stats(h.sim, &after);
	CU_ASSERT_EQUAL(after.io_cmds[PNVME_OPC_WRITE] - before.io_cmds[PNVME_OPC_WRITE], 5);
	CU_ASSERT_EQUAL(after.sq_doorbell_writes, before.sq_doorbell_writes);
	CU_ASSERT_EQUAL(after.cq_doorbell_writes, before.cq_doorbell_writes);
	CU_ASSERT_EQUAL(db[2], h.io.sq_tail);
	CU_ASSERT_EQUAL(db[3], h.io.cq_head);
	/* An MMIO write on a shadowed queue is still counted (and harmless). */
	wr(&h, pnvme_doorbell_offset(1, 0, 0), h.io.sq_tail);
	pnvme_sim_poll(h.sim);
	pnvme_sim_get_stats(h.sim, &after);
	CU_ASSERT_EQUAL(after.sq_doorbell_writes, before.sq_doorbell_writes + 1);
	CU_ASSERT_FALSE(csts_has(&h, PNVME_CSTS_CFS));
	h.shadow = NULL;
	host_stop(&h);
	pnvme_dma_free(db);
	pnvme_dma_free(ei);
	pnvme_dma_free(buf);

	/* dbbuf=0: the command is not offered. */
	host_start(&h, "dbbuf=0");
	c = (struct pnvme_cmd){.opc = PNVME_OPC_DOORBELL_BUFFER_CONFIG};
	CU_ASSERT_EQUAL(admin(&h, &c, NULL), S(0, PNVME_SC_INVALID_OPCODE));
	host_stop(&h);
}

static void test_stats(void)
{
	struct host h;
	uint8_t *buf = dma(2 * PAGE);
	struct pnvme_sim_stats a, b;
	struct pnvme_cmd c = rw_cmd(PNVME_OPC_READ, 1, 0, 16);

	host_start(&h, "");
	host_io_queue(&h, 1, IOQ_SIZE);
	pnvme_sim_poll(h.sim); /* sees the last admin CQ head doorbell */
	pnvme_sim_get_stats(h.sim, &a);
	CU_ASSERT_EQUAL(a.admin_cmds[PNVME_OPC_CREATE_IO_CQ], 1);
	CU_ASSERT_EQUAL(a.admin_cmds[PNVME_OPC_CREATE_IO_SQ], 1);
	for (int i = 0; i < 3; i++)
		CU_ASSERT_EQUAL(io(&h, PNVME_OPC_WRITE, 0, 16, buf, 2 * PAGE), OK);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 0, 16, buf, 2 * PAGE), OK);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 1u << 30, 16, buf, 2 * PAGE),
			S(0, PNVME_SC_LBA_OUT_OF_RANGE));
	/* A batch of 4 behind one doorbell write. */
	c.dptr.prp.prp1 = iova(buf);
	c.dptr.prp.prp2 = iova(buf) + PAGE;
	for (int i = 0; i < 4; i++)
		post(&h, &h.io, &c);
	ring(&h, 1, 0, h.io.sq_tail);
	for (int n = 0; n < 4;) {
		struct pnvme_cpl cpl;

		pnvme_sim_poll(h.sim);
		while (reap(&h, &h.io, &cpl, false))
			n++;
	}
	ring(&h, 1, 1, h.io.cq_head);
	pnvme_sim_poll(h.sim);
	pnvme_sim_get_stats(h.sim, &b);
	CU_ASSERT_EQUAL(b.io_cmds[PNVME_OPC_WRITE] - a.io_cmds[PNVME_OPC_WRITE], 3);
	CU_ASSERT_EQUAL(b.io_cmds[PNVME_OPC_READ] - a.io_cmds[PNVME_OPC_READ], 6);
	CU_ASSERT_EQUAL(b.bytes_written - a.bytes_written, 3 * 2 * PAGE);
	CU_ASSERT_EQUAL(b.bytes_read - a.bytes_read, 5 * 2 * PAGE);
	CU_ASSERT_EQUAL(b.sq_doorbell_writes - a.sq_doorbell_writes, 6);
	CU_ASSERT_EQUAL(b.cq_doorbell_writes - a.cq_doorbell_writes, 6);
	CU_ASSERT_EQUAL(b.completions - a.completions, 9);
	CU_ASSERT_EQUAL(b.errors - a.errors, 1);
	host_stop(&h);
	pnvme_dma_free(buf);
}

/* ================================================================ thread mode */

static void test_thread_mode(void)
{
	struct host h;
	struct pnvme_sim *sim;
	uint8_t *w = dma(PAGE), *r = dma(PAGE);
	char name[64];

	memset(&h, 0, sizeof(h));
	CU_ASSERT_EQUAL_FATAL(pnvme_sim_create("simthread", "ready_ms=2 idle_us=50", &sim), 0);
	h.sim = sim;
	h.bar = pnvme_sim_bar0(sim);
	CU_ASSERT_EQUAL(pnvme_sim_poll(sim), -EBUSY);
	hq_init(&h.aq, 0, AQ_SIZE);
	host_program(&h, cc_default());
	for (int i = 0; i < 2000 && !csts_has(&h, PNVME_CSTS_RDY); i++)
		usleep(1000);
	CU_ASSERT_TRUE_FATAL(csts_has(&h, PNVME_CSTS_RDY));
	host_io_queue(&h, 1, IOQ_SIZE);
	for (unsigned i = 0; i < 100; i++) {
		fill(w, PAGE, i);
		CU_ASSERT_EQUAL(io(&h, PNVME_OPC_WRITE, i * 8, 8, w, PAGE), OK);
		CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, i * 8, 8, r, PAGE), OK);
		CU_ASSERT_EQUAL(memcmp(w, r, PAGE), 0);
	}
	/* Faults armed from this thread while the device thread runs. */
	CU_ASSERT_EQUAL(pnvme_sim_fail_next(sim, PNVME_SIM_IO, PNVME_OPC_READ, 1,
					    PNVME_SCT_GENERIC, PNVME_SC_INTERNAL_DEVICE_ERROR,
					    false), 0);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 0, 8, r, PAGE),
			S(0, PNVME_SC_INTERNAL_DEVICE_ERROR));
	/* Idle for a while (the thread naps), then work again. */
	usleep(20000);
	CU_ASSERT_EQUAL(io(&h, PNVME_OPC_READ, 0, 8, r, PAGE), OK);
	snprintf(name, sizeof(name), "%s", pnvme_sim_name(sim));
	host_stop(&h);
	CU_ASSERT_PTR_NULL(pnvme_sim_get(name));
	pnvme_dma_free(w);
	pnvme_dma_free(r);
}

int main(void)
{
	static const struct test_case regs[] = {
		{"parameters, CAP and VS", test_params},
		{"registry and the PCI interface", test_registry_and_pci},
		{"enable handshake, disable, shutdown", test_enable_handshake},
		{"bad CC or admin queue registers set CFS", test_bad_cc_is_fatal},
		{"never ready, slow ready", test_ready_faults},
		{"bad doorbell writes set CFS", test_bad_doorbells_are_fatal},
		{NULL, NULL},
	};
	static const struct test_case admin_tests[] = {
		{"identify CNS 0/1/2/3", test_identify},
		{"create/delete queues and their errors", test_create_queues_and_errors},
		{"delete SQ aborts what is in flight", test_delete_sq_aborts_outstanding},
		{"get/set features", test_features},
		{"log pages: SMART, error, firmware", test_log_pages},
		{"asynchronous events", test_async_events},
		{"keep alive timer", test_keep_alive},
		{NULL, NULL},
	};
	static const struct test_case io_tests[] = {
		{"read/write with PRP1 and PRP1+PRP2", test_rw_prp1_prp2},
		{"600 KiB through two PRP list pages", test_rw_prp_list_two_pages},
		{"PRP errors", test_prp_errors},
		{"LBA range, MDTS, namespace, opcode errors", test_io_errors},
		{"DSM deallocate, write zeroes, compare", test_dsm_write_zeroes_compare},
		{"phase tag flips on CQ wrap", test_phase_wraps},
		{"CQ full stalls, then resumes", test_cq_full_stalls},
		{"doorbell stride 2, two namespaces", test_doorbell_stride_and_namespaces},
		{NULL, NULL},
	};
	static const struct test_case fault_tests[] = {
		{"fail the next N", test_fault_fail_next},
		{"drop, then Abort or reset", test_fault_drop_and_abort},
		{"bogus CID and duplicate completion", test_fault_bogus_and_duplicate},
		{"CFS now and latency", test_fault_cfs_and_latency},
		{NULL, NULL},
	};
	static const struct test_case misc_tests[] = {
		{"shadow doorbells and event index", test_shadow_doorbells},
		{"stats", test_stats},
		{"thread mode", test_thread_mode},
		{NULL, NULL},
	};

	test_env_init();
	test_add_suite("sim registers", NULL, NULL, regs);
	test_add_suite("sim admin", NULL, NULL, admin_tests);
	test_add_suite("sim io", NULL, NULL, io_tests);
	test_add_suite("sim faults", NULL, NULL, fault_tests);
	test_add_suite("sim doorbells, stats, thread", NULL, NULL, misc_tests);
	return test_run_all();
}
