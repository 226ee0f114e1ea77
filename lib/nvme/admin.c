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

	if (buf != NULL && len > 0 && pnvme_vtophys(buf, NULL) == PNVME_VTOPHYS_ERROR)
		return -EINVAL;
	if (len > c->max_xfer && c->max_xfer != 0)
		return -EINVAL;
	pthread_mutex_lock(&c->admin_lock);
	if (c->failed) {
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

struct sync_wait {
	struct pnvme_cpl cpl;
	bool done;
};

static void sync_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct sync_wait *w = arg;

	w->cpl = *cpl;
	w->done = true;
}

int nvme_admin_sync(struct pnvme_ctrlr *c, const struct pnvme_cmd *cmd, void *buf, uint32_t len,
		    struct pnvme_cpl *cpl)
{
	struct sync_wait w = {.done = false};
	uint64_t deadline;
	int rc;

	rc = nvme_admin_submit(c, cmd, buf, len, sync_done, &w);
	if (rc != 0)
		return rc;
	deadline = pnvme_ticks() + (uint64_t)c->opts.admin_timeout_ms * pnvme_ticks_hz() / 1000;
	while (!w.done) {
		pnvme_ctrlr_process_admin_completions(c);
		if (w.done)
			break;
		if (c->failed || pnvme_ticks() > deadline) {
			/* Fail the controller: its admin queue is no longer trustworthy. */
			if (!c->failed)
				nvme_ctrlr_fail(c, "admin command timed out");
			pthread_mutex_lock(&c->admin_lock);
			nvme_qpair_abort_all(&c->adminq, PNVME_SCT_GENERIC,
					     PNVME_SC_ABORTED_SQ_DELETION);
			pthread_mutex_unlock(&c->admin_lock);
			return -ETIMEDOUT;
		}
	}
	if (cpl != NULL)
		*cpl = w.cpl;
	return pnvme_cpl_is_error(&w.cpl) ? -EIO : 0;
}

int pnvme_ctrlr_cmd_admin_raw(struct pnvme_ctrlr *c, const struct pnvme_cmd *cmd, void *buf,
			      uint32_t len, pnvme_cmd_cb cb, void *arg)
{
	if (c == NULL || cmd == NULL || (buf == NULL) != (len == 0))
		return -EINVAL;
	return nvme_admin_submit(c, cmd, buf, len, cb, arg);
}

static void abort_done(void *arg, const struct pnvme_cpl *cpl)
{
	(void)arg;
	if (pnvme_cpl_is_error(cpl))
		PNVME_NOTICELOG("ctrlr", "Abort failed: %s", pnvme_cpl_status_str(cpl));
}

int nvme_ctrlr_send_abort(struct pnvme_ctrlr *c, uint16_t sqid, uint16_t cid)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_ABORT};

	cmd.cdw10 = sqid | ((uint32_t)cid << 16);
	return nvme_admin_submit(c, &cmd, NULL, 0, abort_done, c);
}

static void aer_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct pnvme_ctrlr *c = arg;
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_ASYNC_EVENT_REQUEST};

	/* Aborted at detach or rejected: do not ask again. */
	if (pnvme_cpl_is_error(cpl) || c->detaching || c->resetting || c->failed)
		return;
	if (c->aer_cb != NULL)
		c->aer_cb(c->aer_arg, cpl);
	/* Called with the admin lock held (from the admin poll): submit directly. */
	struct nvme_request *req = nvme_request_get(&c->adminq, aer_done, c);

	if (req == NULL)
		return;
	req->cmd = cmd;
	nvme_qpair_submit(&c->adminq, req);
}

void nvme_ctrlr_submit_aers(struct pnvme_ctrlr *c)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_ASYNC_EVENT_REQUEST};
	uint32_t n = (uint32_t)c->cdata.aerl + 1;

	if (n > 4)
		n = 4;
	/* Keep enough admin requests free for everything else. */
	if (n > c->adminq.num_entries / 4)
		n = c->adminq.num_entries / 4;
	for (uint32_t i = 0; i < n; i++) {
		if (nvme_admin_submit(c, &cmd, NULL, 0, aer_done, c) != 0)
			break;
	}
}

void pnvme_ctrlr_register_aer_callback(struct pnvme_ctrlr *c, pnvme_aer_cb cb, void *arg)
{
	pthread_mutex_lock(&c->admin_lock);
	c->aer_cb = cb;
	c->aer_arg = arg;
	pthread_mutex_unlock(&c->admin_lock);
}
