/* SPDX-License-Identifier: BSD-3-Clause */
/* Admin commands: submission under the admin lock, synchronous waits, AER, abort. */
#include <errno.h>
#include <string.h>

#include "ctrlr.h"
#include "env/log.h"

int nvme_admin_submit(struct pnvme_ctrlr *c, const struct pnvme_cmd *cmd, void *buf,
		      uint32_t len, pnvme_cmd_cb cb, void *arg)
{
	struct nvme_request *req;

	if (buf != NULL && len > 0 && nvme_ctrlr_tr(c)->needs_dma &&
	    pnvme_vtophys(buf, NULL) == PNVME_VTOPHYS_ERROR)
		return -EINVAL;
	if (len > c->max_xfer && c->max_xfer != 0)
		return -EINVAL;
	pthread_mutex_lock(&c->admin_lock);
	if (nvme_ctrlr_is_dead(c)) {
		pthread_mutex_unlock(&c->admin_lock);
		return -ENXIO;
	}
	req = nvme_request_get(&c->adminq, cb, arg);
	if (req == NULL) {
		pthread_mutex_unlock(&c->admin_lock);
		return -ENOMEM;
	}
	req->cmd = *cmd;
	if (buf != NULL && len > 0) {
		req->payload_type = NVME_PAYLOAD_CONTIG;
		req->payload.buf = buf;
		req->payload_size = len;
	}
	nvme_qpair_submit(&c->adminq, req);
	pthread_mutex_unlock(&c->admin_lock);
	return 0;
}

void nvme_sync_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct nvme_sync_wait *w = arg;

	w->cpl = *cpl;
	w->done = true;
}

int nvme_admin_wait(struct pnvme_ctrlr *c, struct nvme_sync_wait *w, uint8_t opc,
		    struct pnvme_cpl *cpl)
{
	uint64_t deadline;
	bool late = false;

	deadline = pnvme_ticks() + (uint64_t)c->opts.admin_timeout_ms * pnvme_ticks_hz() / 1000;
	/*
	 * w lives on the caller's stack: return only after its callback ran, which
	 * a reset's disable guarantees if the controller never answers.
	 */
	while (!w->done) {
		pnvme_ctrlr_process_admin_completions(c); /* also drives a requested reset */
		if (w->done)
			break;
		if (!late && pnvme_ticks() > deadline) {
			late = true;
			PNVME_ERRLOG("ctrlr", "%s: admin command 0x%02x timed out", c->trid.traddr,
				     opc);
			if (c->state == NVME_STATE_READY && !c->detaching) {
				nvme_ctrlr_request_reset(c, "admin command timed out");
			} else {
				/* Bring-up, recovery or detach: stop the device here and now. */
				nvme_ctrlr_stop_device(c);
				pthread_mutex_lock(&c->admin_lock);
				nvme_qpair_abort_all(&c->adminq, PNVME_SCT_GENERIC,
						     PNVME_SC_ABORTED_SQ_DELETION);
				pthread_mutex_unlock(&c->admin_lock);
			}
		}
	}
	if (cpl != NULL)
		*cpl = w->cpl;
	if (late)
		return -ETIMEDOUT;
	return pnvme_cpl_is_error(&w->cpl) ? -EIO : 0;
}

int nvme_admin_sync(struct pnvme_ctrlr *c, const struct pnvme_cmd *cmd, void *buf, uint32_t len,
		    struct pnvme_cpl *cpl)
{
	struct nvme_sync_wait w = {.done = false};
	int rc;

	/* Waiting here would wait for the very admin poll that is running us. */
	if (nvme_ctrlr_in_admin_callback(c))
		return -EDEADLK;
	rc = nvme_admin_submit(c, cmd, buf, len, nvme_sync_done, &w);
	if (rc != 0)
		return rc;
	return nvme_admin_wait(c, &w, cmd->opc, cpl);
}

int pnvme_ctrlr_cmd_admin_raw(struct pnvme_ctrlr *c, const struct pnvme_cmd *cmd, void *buf,
			      uint32_t len, pnvme_cmd_cb cb, void *arg)
{
	if (c == NULL || cmd == NULL || (buf == NULL) != (len == 0))
		return -EINVAL;
	if (c->state != NVME_STATE_READY && !nvme_ctrlr_is_dead(c))
		return -EAGAIN; /* a reset is under way */
	return nvme_admin_submit(c, cmd, buf, len, cb, arg);
}

void pnvme_ctrlr_register_aer_callback(struct pnvme_ctrlr *c, pnvme_aer_cb cb, void *arg)
{
	pthread_mutex_lock(&c->admin_lock);
	c->aer_cb = cb;
	c->aer_arg = arg;
	pthread_mutex_unlock(&c->admin_lock);
}
