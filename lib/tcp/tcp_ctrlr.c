/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * An NVMe/TCP controller: the transport ID, the admin queue's connection
 * (ICReq, Fabrics Connect with KATO), registers as properties (Property
 * Get/Set, synchronous on the admin queue), and a stop that disconnects.
 * lib/nvme's bring-up runs unchanged on top: its first register read in INIT
 * connects the admin queue, so a reset (which stops, that is disconnects,
 * first) reconnects the same way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "env/log.h"
#include "nvme/ctrlr.h"
#include "tcp.h"

#define IOCCSZ_OFFSET 1792 /* Identify Controller, fabrics: IOCCSZ, IORCSZ */
#define IORCSZ_OFFSET 1796

int nvme_tcp_ctrlr_construct(struct pnvme_ctrlr *c)
{
	struct nvme_tcp_ctrlr *tc = calloc(1, sizeof(*tc));
	int rc;

	if (tc == NULL)
		return -ENOMEM;
	c->tr_ctrlr = tc;
	rc = nvme_tcp_trid_parse(&c->trid, &tc->target, NVME_TCP_DEFAULT_PORT, NULL);
	if (rc != 0)
		return rc;
	/* Keep alive is mandatory on fabrics: 0 would let the target drop us at will. */
	if (c->opts.keep_alive_ms == 0) {
		PNVME_NOTICELOG("tcp", "%s: keep alive is mandatory on fabrics: %u ms, not 0",
				c->trid.traddr, NVME_TCP_DEFAULT_KATO_MS);
		c->opts.keep_alive_ms = NVME_TCP_DEFAULT_KATO_MS;
	}
	tc->kato_ms = c->opts.keep_alive_ms;
	tc->ioccsz = 4; /* the SQE alone until Identify says more */
	return 0;
}

void nvme_tcp_ctrlr_destruct(struct pnvme_ctrlr *c)
{
	free(c->tr_ctrlr);
	c->tr_ctrlr = NULL;
}

static int timeout_ms(const struct pnvme_ctrlr *c)
{
	return c->opts.admin_timeout_ms > (uint32_t)INT32_MAX ? INT32_MAX
							     : (int)c->opts.admin_timeout_ms;
}

/* The admin queue's connection, made at the start of a bring-up (INIT) only. */
static struct nvme_tcp_qpair *admin_conn(struct pnvme_ctrlr *c)
{
	struct nvme_tcp_ctrlr *tc = c->tr_ctrlr;
	struct nvme_tcp_qpair *tq = c->adminq.tr_qpair;
	int rc;

	if (tq == NULL)
		return NULL;
	if (tq->connected)
		return tq;
	if (tq->failed || atomic_load(&c->state) != NVME_STATE_INIT)
		return NULL;
	/*
	 * A reset (the controller was up before: namespaces known) gives a target
	 * that is restarting or whose port flaps a window of retries per attempt,
	 * as the kernel's reconnect delay does; a first attach fails at once.
	 */
	int64_t until = c->ns != NULL ? nvme_tcp_now_ms() + NVME_TCP_RECONNECT_WINDOW_MS : 0;

	for (;;) {
		rc = nvme_tcp_qpair_connect(tq, &tc->target, 0, (uint16_t)c->adminq.num_entries,
					    NVMF_CNTLID_DYNAMIC, tc->kato_ms, timeout_ms(c),
					    &tc->cntlid);
		if (rc == 0 || nvme_tcp_now_ms() + NVME_TCP_RECONNECT_PAUSE_MS > until)
			break;
		usleep(NVME_TCP_RECONNECT_PAUSE_MS * 1000);
	}
	if (rc != 0) {
		tq->failed = true; /* once per bring-up: the next reset tries again */
		return NULL;
	}
	tq->icd_max = NVME_TCP_ADMIN_CCSZ;
	PNVME_INFOLOG("tcp", "%s port %s: %s, controller ID %u, digests: header %s, data %s",
		      tc->target.traddr, tc->target.trsvcid, tc->target.subnqn, tc->cntlid,
		      tq->conn.dg.hdgst ? "on" : "off", tq->conn.dg.ddgst ? "on" : "off");
	return tq;
}

/* Property Get; all ones when the controller cannot be reached (as a gone PCIe device reads). */
static uint64_t property_get(struct pnvme_ctrlr *c, uint32_t off)
{
	struct nvme_tcp_qpair *tq;
	struct pnvme_cmd cmd;
	struct pnvme_cpl cpl;
	uint64_t v = UINT64_MAX;

	pthread_mutex_lock(&c->admin_lock);
	tq = admin_conn(c);
	if (tq != NULL) {
		nvmf_property_get_cmd(&cmd, off);
		if (nvme_tcp_sync_cmd(tq, &cmd, NULL, 0, 0, false, timeout_ms(c), &cpl) == 0) {
			if (!pnvme_cpl_is_error(&cpl))
				v = nvmf_property_get_value(&cpl);
			else
				PNVME_ERRLOG("tcp", "%s: Property Get 0x%x: %s", c->trid.traddr, off,
					     pnvme_cpl_status_str(&cpl));
		}
	}
	pthread_mutex_unlock(&c->admin_lock);
	return v;
}

uint32_t nvme_tcp_get_reg_4(struct pnvme_ctrlr *c, uint32_t off)
{
	uint64_t v = property_get(c, off);

	return v == UINT64_MAX ? UINT32_MAX : (uint32_t)v;
}

uint64_t nvme_tcp_get_reg_8(struct pnvme_ctrlr *c, uint32_t off)
{
	return property_get(c, off);
}

void nvme_tcp_set_reg_4(struct pnvme_ctrlr *c, uint32_t off, uint32_t val)
{
	struct nvme_tcp_qpair *tq;
	struct pnvme_cmd cmd;
	struct pnvme_cpl cpl;

	pthread_mutex_lock(&c->admin_lock);
	tq = admin_conn(c);
	if (tq != NULL) {
		nvmf_property_set_cmd(&cmd, off, val);
		if (nvme_tcp_sync_cmd(tq, &cmd, NULL, 0, 0, false, timeout_ms(c), &cpl) == 0 &&
		    pnvme_cpl_is_error(&cpl))
			PNVME_ERRLOG("tcp", "%s: Property Set 0x%x = 0x%x: %s", c->trid.traddr, off,
				     val, pnvme_cpl_status_str(&cpl));
	}
	pthread_mutex_unlock(&c->admin_lock);
}

/* No admin queue registers on a fabric: Connect made it. */
int nvme_tcp_ctrlr_enable(struct pnvme_ctrlr *c)
{
	return admin_conn(c) != NULL ? 0 : -ENOTCONN;
}

/* After Identify: what the fabric's capsules hold, and how deep a queue may be. */
void nvme_tcp_ctrlr_setup(struct pnvme_ctrlr *c)
{
	struct nvme_tcp_ctrlr *tc = c->tr_ctrlr;
	const uint8_t *id = (const uint8_t *)&c->cdata;
	uint32_t ioccsz, iorcsz;

	memcpy(&ioccsz, id + IOCCSZ_OFFSET, sizeof(ioccsz));
	memcpy(&iorcsz, id + IORCSZ_OFFSET, sizeof(iorcsz));
	tc->ioccsz = ioccsz >= 4 ? ioccsz : 4;
	if (c->cdata.maxcmd != 0 && c->cdata.maxcmd < c->max_queue_entries)
		c->max_queue_entries = c->cdata.maxcmd;
	PNVME_INFOLOG("tcp", "%s: IOCCSZ %u (in-capsule writes up to %u bytes), IORCSZ %u, "
			     "MAXCMD %u, SGLS 0x%x", c->trid.traddr, ioccsz,
		      nvme_tcp_icd_max(tc->ioccsz), iorcsz, c->cdata.maxcmd, c->cdata.sgls);
}

/*
 * Disconnect the admin queue: the target tears the controller down, its I/O
 * queues with it, and no byte of ours is read any more (their owners close
 * theirs when they take their requests back). A fabric never reads "gone".
 */
bool nvme_tcp_ctrlr_stop(struct pnvme_ctrlr *c)
{
	struct nvme_tcp_qpair *tq = c->adminq.tr_qpair;

	pthread_mutex_lock(&c->admin_lock);
	if (tq != NULL) {
		nvme_tcp_qpair_close(tq);
		tq->failed = false; /* the next bring-up connects again */
	}
	pthread_mutex_unlock(&c->admin_lock);
	return true;
}
