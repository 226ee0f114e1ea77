/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Abort, within the controller's Abort Command Limit (Identify ACL + 1 in
 * flight): more wait in a slot until one completes. An Abort that did not
 * abort (cdw0 bit 0 set, or an error status) tells the command's qpair, whose
 * owner then resets rather than wait another period. Slots live under the
 * admin lock; a freed qpair's slots are forgotten, never written.
 */
#include <errno.h>

#include "ctrlr.h"
#include "env/log.h"

static void send_pending(struct pnvme_ctrlr *c);

static void abort_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct nvme_abort_slot *slot = arg;
	struct pnvme_ctrlr *c = slot->ctrlr;
	/* Aborted by a reset: the reset takes care of the command too. */
	bool refused = c->state == NVME_STATE_READY &&
		       (pnvme_cpl_is_error(cpl) || (cpl->cdw0 & 1u) != 0);

	/* Runs under the admin lock (admin completions are reaped holding it). */
	if (refused)
		PNVME_NOTICELOG("ctrlr", "Abort of sqid %u CID 0x%x: %s", slot->sqid, slot->cid,
				pnvme_cpl_is_error(cpl) ? pnvme_cpl_status_str(cpl) : "not aborted");
	if (refused && slot->qp != NULL) {
		atomic_store_explicit(&slot->qp->abort_refused_cid, 0x10000u | slot->cid,
				      memory_order_release);
		nvme_qpair_kick(slot->qp);
	}
	slot->used = false;
	slot->qp = NULL;
	c->aborts_sent--;
	send_pending(c);
}

static int send_slot(struct pnvme_ctrlr *c, struct nvme_abort_slot *slot)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_ABORT};
	int rc;

	cmd.cdw10 = slot->sqid | ((uint32_t)slot->cid << 16);
	rc = nvme_admin_submit(c, &cmd, NULL, 0, abort_done, slot);
	if (rc == 0) {
		slot->sent = true;
		c->aborts_sent++;
	}
	return rc;
}

/* Oldest first is not promised: any waiting slot goes when there is room. */
static void send_pending(struct pnvme_ctrlr *c)
{
	if (c->state != NVME_STATE_READY)
		return; /* a reset is under way: nvme_ctrlr_clear_aborts() follows */
	for (uint32_t i = 0; i < NVME_MAX_ABORTS && c->aborts_sent < c->abort_limit; i++) {
		struct nvme_abort_slot *slot = &c->aborts[i];

		if (!slot->used || slot->sent)
			continue;
		if (slot->qp == NULL || send_slot(c, slot) != 0) {
			if (slot->qp != NULL) {
				atomic_store_explicit(&slot->qp->abort_refused_cid,
						      0x10000u | slot->cid, memory_order_release);
				nvme_qpair_kick(slot->qp);
			}
			slot->used = false;
			slot->qp = NULL;
		}
	}
}

int nvme_ctrlr_abort_cmd(struct pnvme_ctrlr *c, struct pnvme_qpair *qp, uint16_t cid)
{
	struct nvme_abort_slot *slot = NULL;
	int rc = 0;

	pthread_mutex_lock(&c->admin_lock);
	if (c->state != NVME_STATE_READY) {
		rc = -EAGAIN;
		goto out;
	}
	for (uint32_t i = 0; i < NVME_MAX_ABORTS; i++) {
		if (!c->aborts[i].used) {
			slot = &c->aborts[i];
			break;
		}
	}
	if (slot == NULL) {
		rc = -ENOSPC;
		goto out;
	}
	*slot = (struct nvme_abort_slot){.ctrlr = c, .qp = qp, .sqid = qp->qid, .cid = cid, .used = true};
	if (c->aborts_sent < c->abort_limit) {
		rc = send_slot(c, slot);
		if (rc != 0)
			slot->used = false;
	}
out:
	pthread_mutex_unlock(&c->admin_lock);
	return rc;
}

void nvme_ctrlr_forget_aborts(struct pnvme_ctrlr *c, struct pnvme_qpair *qp)
{
	pthread_mutex_lock(&c->admin_lock);
	for (uint32_t i = 0; i < NVME_MAX_ABORTS; i++) {
		struct nvme_abort_slot *slot = &c->aborts[i];

		if (slot->used && slot->qp == qp) {
			slot->qp = NULL;
			if (!slot->sent)
				slot->used = false;
		}
	}
	pthread_mutex_unlock(&c->admin_lock);
}

/* After a disable: no Abort is in flight any more (their callbacks already ran). */
void nvme_ctrlr_clear_aborts(struct pnvme_ctrlr *c)
{
	for (uint32_t i = 0; i < NVME_MAX_ABORTS; i++)
		c->aborts[i] = (struct nvme_abort_slot){0};
	c->aborts_sent = 0;
}
