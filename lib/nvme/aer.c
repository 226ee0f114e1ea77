/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Asynchronous events: ask for the ones the controller can report, read the
 * log page each event names (that is what re-arms events of its type), rescan
 * namespaces after Namespace Attribute Changed, then tell the embedder. All
 * of it asynchronous: it runs from the admin poll, where waiting is not
 * allowed. One event is handled at a time; others wait their turn.
 */
#include <errno.h>
#include <string.h>

#include "ctrlr.h"
#include "env/log.h"

#define CHANGED_NS_MAX 1024

static void aer_done(void *arg, const struct pnvme_cpl *cpl);
static void handle_event(struct pnvme_ctrlr *c, const struct pnvme_cpl *cpl);

uint32_t nvme_ctrlr_aec_bits(const struct pnvme_ctrlr *c)
{
	/*
	 * SMART critical warnings (spare, temperature, reliability, read-only, backup).
	 * Sanitize Operation Completed (I/O Command Specific Status, log 81h) has no
	 * AEC bit: the controller reports it whenever an AER waits; reading the
	 * Sanitize Status log with RAE clear (handle_event) re-arms it.
	 */
	return 0x1fu | (c->cdata.oaes & (PNVME_OAES_NS_ATTR | PNVME_OAES_FW_ACTIVATION));
}

static int submit_aer(struct pnvme_ctrlr *c)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_ASYNC_EVENT_REQUEST};

	return nvme_admin_submit(c, &cmd, NULL, 0, aer_done, c);
}

void nvme_ctrlr_submit_aers(struct pnvme_ctrlr *c)
{
	uint32_t n = (uint32_t)c->cdata.aerl + 1;

	if (n > NVME_MAX_AER_WAITING)
		n = NVME_MAX_AER_WAITING;
	/* Keep enough admin slots free for everything else. */
	if (n > c->adminq.num_entries / 4)
		n = c->adminq.num_entries / 4;
	for (uint32_t i = 0; i < n; i++) {
		if (submit_aer(c) != 0)
			break;
	}
}

/* The event is handled: tell the embedder, ask for the next one, take a waiting one. */
static void event_done(struct pnvme_ctrlr *c)
{
	if (c->aer_cb != NULL)
		c->aer_cb(c->aer_arg, &c->aer_event);
	c->aer_busy = false;
	if (c->state != NVME_STATE_READY || c->detaching)
		return;
	submit_aer(c);
	if (c->aer_waiting > 0) {
		struct pnvme_cpl next = c->aer_pending[0];

		c->aer_waiting--;
		memmove(&c->aer_pending[0], &c->aer_pending[1],
			c->aer_waiting * sizeof(c->aer_pending[0]));
		handle_event(c, &next);
	}
}

static void rescan_next(struct pnvme_ctrlr *c);

static void identify_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct pnvme_ctrlr *c = arg;
	const uint32_t *list = c->aer_page;
	uint32_t nsid = list[c->aer_ns_cursor];

	if (c->state != NVME_STATE_READY)
		return; /* a reset: bring-up identifies every namespace again */
	if (nsid >= 1 && nsid <= c->num_ns) {
		struct pnvme_ns *ns = &c->ns[nsid - 1];

		nvme_ns_init(ns, c, nsid, pnvme_cpl_is_error(cpl) ? NULL : c->scratch);
		PNVME_NOTICELOG("ns", "%s: namespace %u %s", c->trid.traddr, nsid,
				ns->active ? "rescanned" : "is gone");
	}
	c->aer_ns_cursor++;
	rescan_next(c);
}

static void rescan_next(struct pnvme_ctrlr *c)
{
	const uint32_t *list = c->aer_page;
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_IDENTIFY};

	while (c->aer_ns_cursor < c->aer_ns_count) {
		uint32_t nsid = list[c->aer_ns_cursor];

		if (nsid >= 1 && nsid <= c->num_ns) {
			cmd.nsid = nsid;
			cmd.cdw10 = PNVME_CNS_NS;
			if (nvme_admin_submit(c, &cmd, c->scratch, 4096, identify_done, c) == 0)
				return;
		}
		c->aer_ns_cursor++;
	}
	event_done(c);
}

static void changed_ns_read(struct pnvme_ctrlr *c)
{
	uint32_t *list = c->aer_page;
	uint32_t n = 0;

	if (list[0] == 0xffffffffu) {
		/* More than 1024 changed: look at every namespace. */
		for (uint32_t id = 1; id <= c->num_ns && id <= CHANGED_NS_MAX; id++)
			list[n++] = id;
	} else {
		while (n < CHANGED_NS_MAX && list[n] != 0)
			n++;
	}
	c->aer_ns_count = n;
	c->aer_ns_cursor = 0;
	rescan_next(c);
}

/* Sanitize Operation Completed: the log just read (RAE clear) says how it ended. */
static void sanitize_done(const struct pnvme_ctrlr *c)
{
	const struct pnvme_sanitize_log *l = c->aer_page;

	PNVME_NOTICELOG("ctrlr", "%s: sanitize finished, status %#x (%s)", c->trid.traddr,
			l->sstat, PNVME_SSTAT_STATE(l->sstat) == PNVME_SSTAT_FAILED ? "failed"
											: "completed");
}

static void log_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct pnvme_ctrlr *c = arg;
	uint32_t cdw0 = c->aer_event.cdw0;

	if (c->state != NVME_STATE_READY)
		return;
	if (!pnvme_cpl_is_error(cpl) && PNVME_AER_TYPE(cdw0) == PNVME_AER_TYPE_NOTICE &&
	    PNVME_AER_INFO(cdw0) == PNVME_AER_NOTICE_NS_ATTR_CHANGED &&
	    PNVME_AER_LOG_PAGE(cdw0) == PNVME_LOG_PAGE_CHANGED_NS) {
		changed_ns_read(c);
		return;
	}
	if (!pnvme_cpl_is_error(cpl) && PNVME_AER_TYPE(cdw0) == PNVME_AER_TYPE_IO_SPECIFIC &&
	    PNVME_AER_LOG_PAGE(cdw0) == PNVME_LOG_PAGE_SANITIZE)
		sanitize_done(c);
	if (pnvme_cpl_is_error(cpl))
		PNVME_NOTICELOG("ctrlr", "%s: reading log page 0x%02x for an event failed: %s",
				c->trid.traddr, PNVME_AER_LOG_PAGE(cdw0), pnvme_cpl_status_str(cpl));
	event_done(c);
}

/* How much of the event's log page to read (reading it re-arms the event type). */
static uint32_t log_len(uint8_t lid)
{
	switch (lid) {
	case PNVME_LOG_PAGE_ERROR:
		return 64; /* the newest entry */
	case PNVME_LOG_PAGE_CHANGED_NS:
		return 4096;
	default:
		return 512;
	}
}

static void handle_event(struct pnvme_ctrlr *c, const struct pnvme_cpl *cpl)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_GET_LOG_PAGE};
	uint8_t lid = (uint8_t)PNVME_AER_LOG_PAGE(cpl->cdw0);
	uint32_t len = log_len(lid);

	c->aer_busy = true;
	c->aer_event = *cpl;
	memset(c->aer_page, 0, 4096);
	cmd.nsid = 0xffffffffu;
	cmd.cdw10 = lid | (((len / 4) - 1) << 16); /* RAE clear: the event type is re-armed */
	if (nvme_admin_submit(c, &cmd, c->aer_page, len, log_done, c) != 0)
		event_done(c);
}

static void aer_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct pnvme_ctrlr *c = arg;

	/* Aborted at detach or reset, or refused: do not ask again. */
	if (pnvme_cpl_is_error(cpl) || c->detaching || c->state != NVME_STATE_READY)
		return;
	if (!c->aer_busy) {
		handle_event(c, cpl);
		return;
	}
	/* One at a time: at most as many wait as AERs were outstanding. */
	if (c->aer_waiting < NVME_MAX_AER_WAITING)
		c->aer_pending[c->aer_waiting++] = *cpl;
}
