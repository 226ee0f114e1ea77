/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Controller bring-up as a non-blocking state machine: each call does what it
 * can and returns, so several controllers can come up side by side and a test
 * can step it against a fake register file.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctrlr.h"
#include "env/log.h"

#define MAX_XFER_CAP (2u * 1024 * 1024) /* when MDTS says "no limit" */
#define MAX_AERS 4

static uint64_t ms_to_ticks(uint64_t ms)
{
	return ms * pnvme_ticks_hz() / 1000;
}

static const char *state_name(enum nvme_ctrlr_state state)
{
	static const char *const names[] = {
		[NVME_STATE_INIT] = "init",
		[NVME_STATE_DISABLE_WAIT_RDY_1] = "disable, wait for RDY 1",
		[NVME_STATE_DISABLE_WAIT_RDY_0] = "disable, wait for RDY 0",
		[NVME_STATE_ENABLE] = "enable",
		[NVME_STATE_ENABLE_WAIT_RDY_1] = "enable, wait for RDY 1",
		[NVME_STATE_IDENTIFY] = "identify controller",
		[NVME_STATE_SET_NUM_QUEUES] = "set number of queues",
		[NVME_STATE_IDENTIFY_NS_LIST] = "identify active namespace list",
		[NVME_STATE_IDENTIFY_NS] = "identify namespaces",
		[NVME_STATE_SHADOW_DOORBELLS] = "shadow doorbells",
		[NVME_STATE_KEEP_ALIVE] = "keep alive",
		[NVME_STATE_AER] = "asynchronous events",
		[NVME_STATE_READY] = "ready",
		[NVME_STATE_FAILED] = "failed",
		[NVME_STATE_RESETTING] = "resetting",
	};

	if ((unsigned)state < sizeof(names) / sizeof(names[0]) && names[state] != NULL)
		return names[state];
	return "unknown";
}

static void set_state(struct pnvme_ctrlr *c, enum nvme_ctrlr_state state, uint64_t timeout_ms)
{
	c->state = state;
	c->state_deadline = timeout_ms ? pnvme_ticks() + ms_to_ticks(timeout_ms) : 0;
	PNVME_DEBUGLOG("ctrlr", "%s: state: %s", c->trid.traddr, state_name(state));
}

static int fail(struct pnvme_ctrlr *c, int err, const char *why)
{
	PNVME_ERRLOG("ctrlr", "%s %s: bring-up failed: %s", c->trid.trtype, c->trid.traddr, why);
	c->state = NVME_STATE_FAILED;
	c->init_error = err;
	return err;
}

static bool timed_out(const struct pnvme_ctrlr *c)
{
	return c->state_deadline != 0 && pnvme_ticks() > c->state_deadline;
}

/*
 * CAP.TO is in 500 ms units. NVMe 2.0 controllers that report CRTO (CAP.CRMS)
 * may need longer to be ready with media: CRTO.CRWMT, also in 500 ms units.
 */
uint64_t nvme_ctrlr_ready_timeout_ms(const struct pnvme_ctrlr *c)
{
	uint64_t to = PNVME_CAP_TO(c->cap);

	if (c->vs >= PNVME_VS(2, 0, 0) && (c->cap & PNVME_CAP_CRWMS) && c->crto != 0xffffffffu) {
		uint64_t crwmt = c->crto & 0xffff;

		if (crwmt > to)
			to = crwmt;
	}
	return (to ? to : 1) * 500;
}


static void admin_done(void *arg, const struct pnvme_cpl *cpl)
{
	struct pnvme_ctrlr *c = arg;

	c->admin_cpl = *cpl;
	c->admin_pending = false;
}

/*
 * Drive one bring-up admin command: submit it on the first call, then poll.
 * Returns 1 when it completed (status in c->admin_cpl), 0 while in flight.
 */
static int admin_step(struct pnvme_ctrlr *c, const struct pnvme_cmd *cmd, void *buf,
		      uint32_t len)
{
	int rc;

	if (c->state_deadline == 0) {
		c->admin_pending = true;
		rc = nvme_admin_submit(c, cmd, buf, len, admin_done, c);
		if (rc != 0)
			return fail(c, rc, "cannot submit an admin command");
		c->state_deadline = pnvme_ticks() + ms_to_ticks(c->opts.admin_timeout_ms);
	}
	pthread_mutex_lock(&c->admin_lock);
	nvme_qpair_process(&c->adminq, 0);
	pthread_mutex_unlock(&c->admin_lock);
	if (c->admin_pending) {
		if (nvme_ctrlr_check_fatal(c))
			return fail(c, -EIO, "controller fatal status during bring-up");
		if (timed_out(c))
			return fail(c, -ETIMEDOUT, "admin command timed out");
		return 0;
	}
	c->state_deadline = 0;
	return 1;
}

static void identify_cmd(struct pnvme_cmd *cmd, uint8_t cns, uint32_t nsid)
{
	memset(cmd, 0, sizeof(*cmd));
	cmd->opc = PNVME_OPC_IDENTIFY;
	cmd->nsid = nsid;
	cmd->cdw10 = cns;
}

static int step_registers(struct pnvme_ctrlr *c, uint32_t cc, uint32_t csts)
{
	switch (atomic_load(&c->state)) {
	case NVME_STATE_INIT:
		c->cap = nvme_ctrlr_get_reg_8(c, PNVME_REG_CAP);
		c->vs = nvme_ctrlr_get_reg_4(c, PNVME_REG_VS);
		c->crto = c->vs >= PNVME_VS(2, 0, 0) ? nvme_ctrlr_get_reg_4(c, PNVME_REG_CRTO) : 0;
		c->shadow_db_on = false;
		c->dstrd = PNVME_CAP_DSTRD(c->cap);
		c->max_queue_entries = PNVME_CAP_MQES(c->cap) + 1;
		if (!(PNVME_CAP_CSS(c->cap) & PNVME_CAP_CSS_NVM))
			return fail(c, -ENOTSUP, "NVM command set not supported");
		if (PNVME_CAP_MPSMIN(c->cap) != 0)
			return fail(c, -ENOTSUP, "4 KiB memory pages not supported (CAP.MPSMIN)");
		if (c->max_queue_entries < 2)
			return fail(c, -EIO, "CAP.MQES below 1");
		if (cc & PNVME_CC_EN) {
			/* Failed while enabling (CFS, no RDY): it will never finish; clear EN. */
			if ((csts & PNVME_CSTS_RDY) || (csts & PNVME_CSTS_CFS)) {
				nvme_ctrlr_set_reg_4(c, PNVME_REG_CC, cc & ~PNVME_CC_EN);
				set_state(c, NVME_STATE_DISABLE_WAIT_RDY_0, nvme_ctrlr_ready_timeout_ms(c));
			} else {
				set_state(c, NVME_STATE_DISABLE_WAIT_RDY_1, nvme_ctrlr_ready_timeout_ms(c));
			}
		} else {
			set_state(c, NVME_STATE_DISABLE_WAIT_RDY_0, nvme_ctrlr_ready_timeout_ms(c));
		}
		return 0;
	case NVME_STATE_DISABLE_WAIT_RDY_1:
		if (csts & PNVME_CSTS_RDY) {
			nvme_ctrlr_set_reg_4(c, PNVME_REG_CC, cc & ~PNVME_CC_EN);
			set_state(c, NVME_STATE_DISABLE_WAIT_RDY_0, nvme_ctrlr_ready_timeout_ms(c));
		} else if (timed_out(c)) {
			return fail(c, -ETIMEDOUT, "CSTS.RDY did not become 1 (CAP.TO)");
		}
		return 0;
	case NVME_STATE_DISABLE_WAIT_RDY_0:
		/* A reset also clears CFS; give it until CAP.TO, then try the enable anyway. */
		if (!(csts & PNVME_CSTS_RDY) && (!(csts & PNVME_CSTS_CFS) || timed_out(c)))
			set_state(c, NVME_STATE_ENABLE, 0);
		else if (timed_out(c))
			return fail(c, -ETIMEDOUT, "CSTS.RDY did not become 0 after disable (CAP.TO)");
		return 0;
	case NVME_STATE_ENABLE:
		/* Where the admin queue is (PCIe: bus mastering on, AQA/ASQ/ACQ). */
		if (nvme_ctrlr_tr(c)->ctrlr_enable(c) != 0)
			return fail(c, -EIO, "cannot set up the admin queue (bus mastering, AQA)");
		cc = (6u << PNVME_CC_IOSQES_SHIFT) | (4u << PNVME_CC_IOCQES_SHIFT) |
		     (0u << PNVME_CC_MPS_SHIFT) | (0u << PNVME_CC_CSS_SHIFT) | PNVME_CC_EN;
		nvme_ctrlr_set_reg_4(c, PNVME_REG_CC, cc);
		set_state(c, NVME_STATE_ENABLE_WAIT_RDY_1, nvme_ctrlr_ready_timeout_ms(c));
		return 0;
	case NVME_STATE_ENABLE_WAIT_RDY_1:
		if (csts & PNVME_CSTS_CFS)
			return fail(c, -EIO, "controller fatal status while enabling");
		if (csts & PNVME_CSTS_RDY)
			set_state(c, NVME_STATE_IDENTIFY, 0);
		else if (timed_out(c))
			return fail(c, -ETIMEDOUT, "CSTS.RDY did not become 1 after enable (CAP.TO)");
		return 0;
	default:
		return fail(c, -EINVAL, "bad state");
	}
}

static int step_identify(struct pnvme_ctrlr *c)
{
	struct pnvme_cmd cmd;
	int rc;

	identify_cmd(&cmd, PNVME_CNS_CTRLR, 0);
	rc = admin_step(c, &cmd, c->scratch, 4096);
	if (rc <= 0)
		return rc;
	if (pnvme_cpl_is_error(&c->admin_cpl))
		return fail(c, -EIO, "Identify Controller failed");
	memcpy(&c->cdata, c->scratch, sizeof(c->cdata));
	c->sgl_support = PNVME_SGLS_SUPPORT(c->cdata.sgls);
	if (c->sgl_support == 3)
		c->sgl_support = 0; /* reserved value */
	/* MDTS is in units of the minimum page size (4 KiB, checked in INIT). */
	uint32_t max_xfer = MAX_XFER_CAP;

	if (c->cdata.mdts != 0 && c->cdata.mdts < 20 && (4096u << c->cdata.mdts) < MAX_XFER_CAP)
		max_xfer = 4096u << c->cdata.mdts;
	/* After a reset, qpairs' PRP lists are sized for the old limit: never grow it. */
	if (c->max_xfer == 0 || max_xfer < c->max_xfer)
		c->max_xfer = max_xfer;
	if (c->ns != NULL) {
		/* A reset: users hold namespace handles, so the array stays where it is. */
		if (c->cdata.nn < c->num_ns)
			c->num_ns = c->cdata.nn;
		set_state(c, NVME_STATE_SET_NUM_QUEUES, 0);
		return 0;
	}
	c->num_ns = c->cdata.nn;
	if (c->num_ns > 1024) {
		PNVME_WARNLOG("ctrlr", "%s: %u namespaces; using the first 1024", c->trid.traddr,
			      c->num_ns);
		c->num_ns = 1024;
	}
	if (c->num_ns > 0) {
		c->ns = calloc(c->num_ns, sizeof(*c->ns));
		c->active_ns = calloc(c->num_ns, sizeof(*c->active_ns));
		if (c->ns == NULL || c->active_ns == NULL)
			return fail(c, -ENOMEM, "out of memory");
	}
	set_state(c, NVME_STATE_SET_NUM_QUEUES, 0);
	return 0;
}

static int step_num_queues(struct pnvme_ctrlr *c)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_SET_FEATURES};
	uint32_t want = c->opts.num_io_queues ? c->opts.num_io_queues : 1;
	int rc;

	if (want > 65535)
		want = 65535;
	cmd.cdw10 = PNVME_FEAT_NUMBER_OF_QUEUES;
	cmd.cdw11 = (want - 1) | ((want - 1) << 16);
	rc = admin_step(c, &cmd, NULL, 0);
	if (rc <= 0)
		return rc;
	if (pnvme_cpl_is_error(&c->admin_cpl))
		return fail(c, -EIO, "Set Features (Number of Queues) failed");
	uint32_t nsq = (c->admin_cpl.cdw0 & 0xffff) + 1;
	uint32_t ncq = (c->admin_cpl.cdw0 >> 16) + 1;

	c->num_io_queues = nsq < ncq ? nsq : ncq;
	if (c->num_io_queues > want)
		c->num_io_queues = want;
	if (c->bar_max_io_queues != 0 && c->num_io_queues > c->bar_max_io_queues)
		c->num_io_queues = c->bar_max_io_queues;
	if (c->qid_bitmap == NULL) {
		/* Room for every queue ID, so a reset never has to move it. */
		c->qid_bitmap = calloc(65536 / 64, sizeof(uint64_t));
		if (c->qid_bitmap == NULL)
			return fail(c, -ENOMEM, "out of memory");
		c->qid_bitmap[0] = 1; /* qid 0 is the admin queue */
	}
	set_state(c, NVME_STATE_IDENTIFY_NS_LIST, 0);
	return 0;
}

static int step_ns_list(struct pnvme_ctrlr *c)
{
	struct pnvme_cmd cmd;
	const uint32_t *list = c->scratch;
	int rc;

	if (c->num_ns == 0) {
		set_state(c, NVME_STATE_SHADOW_DOORBELLS, 0);
		return 0;
	}
	identify_cmd(&cmd, PNVME_CNS_ACTIVE_NS_LIST, 0);
	rc = admin_step(c, &cmd, c->scratch, 4096);
	if (rc <= 0)
		return rc;
	c->num_active_ns = 0;
	if (pnvme_cpl_is_error(&c->admin_cpl)) {
		/* Before NVMe 1.1 there is no list: every ID up to NN is a candidate. */
		for (uint32_t id = 1; id <= c->num_ns; id++)
			c->active_ns[c->num_active_ns++] = id;
	} else {
		for (uint32_t i = 0; i < 1024 && list[i] != 0 && list[i] <= c->num_ns; i++)
			c->active_ns[c->num_active_ns++] = list[i];
	}
	c->ns_cursor = 0;
	set_state(c, NVME_STATE_IDENTIFY_NS, 0);
	return 0;
}

static int step_identify_ns(struct pnvme_ctrlr *c)
{
	struct pnvme_cmd cmd;
	uint32_t nsid;
	int rc;

	if (c->ns_cursor == c->num_active_ns) {
		/* Inactive IDs get a handle too, reporting inactive. */
		for (uint32_t id = 1; id <= c->num_ns; id++) {
			if (c->ns[id - 1].ctrlr == NULL)
				nvme_ns_init(&c->ns[id - 1], c, id, NULL);
		}
		set_state(c, NVME_STATE_SHADOW_DOORBELLS, 0);
		return 0;
	}
	nsid = c->active_ns[c->ns_cursor];
	identify_cmd(&cmd, PNVME_CNS_NS, nsid);
	rc = admin_step(c, &cmd, c->scratch, 4096);
	if (rc <= 0)
		return rc;
	if (pnvme_cpl_is_error(&c->admin_cpl))
		nvme_ns_init(&c->ns[nsid - 1], c, nsid, NULL);
	else
		nvme_ns_init(&c->ns[nsid - 1], c, nsid, c->scratch);
	c->ns_cursor++;
	return 0;
}

static int step_shadow_doorbells(struct pnvme_ctrlr *c)
{
	/* The transport's own bring-up step (PCIe: Doorbell Buffer Config). */
	if (nvme_ctrlr_tr(c)->ctrlr_setup != NULL)
		nvme_ctrlr_tr(c)->ctrlr_setup(c);
	set_state(c, NVME_STATE_KEEP_ALIVE, 0);
	return 0;
}

static int step_keep_alive(struct pnvme_ctrlr *c)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_SET_FEATURES};
	int rc;

	if (c->cdata.kas == 0 || c->opts.keep_alive_ms == 0) {
		set_state(c, NVME_STATE_AER, 0);
		return 0;
	}
	cmd.cdw10 = PNVME_FEAT_KEEP_ALIVE_TIMER;
	cmd.cdw11 = c->opts.keep_alive_ms;
	rc = admin_step(c, &cmd, NULL, 0);
	if (rc <= 0)
		return rc;
	if (!pnvme_cpl_is_error(&c->admin_cpl)) {
		/* Send one at half the timeout, so one late poll does not expire it. */
		c->keep_alive_ticks = ms_to_ticks(c->opts.keep_alive_ms) / 2;
		c->next_keep_alive = pnvme_ticks() + c->keep_alive_ticks;
	}
	set_state(c, NVME_STATE_AER, 0);
	return 0;
}

/* Asynchronous Event Configuration for what the controller can report, then the AERs. */
static int step_aer(struct pnvme_ctrlr *c)
{
	struct pnvme_cmd cmd = {.opc = PNVME_OPC_SET_FEATURES};
	int rc;

	cmd.cdw10 = PNVME_FEAT_ASYNC_EVENT_CONFIG;
	cmd.cdw11 = nvme_ctrlr_aec_bits(c);
	if (cmd.cdw11 != 0) {
		rc = admin_step(c, &cmd, NULL, 0);
		if (rc <= 0)
			return rc;
		if (pnvme_cpl_is_error(&c->admin_cpl))
			PNVME_NOTICELOG("ctrlr", "%s: Set Features (Async Event Configuration) "
						 "failed: %s", c->trid.traddr,
					pnvme_cpl_status_str(&c->admin_cpl));
	}
	c->abort_limit = (uint32_t)c->cdata.acl + 1;
	pthread_mutex_lock(&c->admin_lock);
	set_state(c, NVME_STATE_READY, 0);
	nvme_ctrlr_submit_aers(c);
	pthread_mutex_unlock(&c->admin_lock);
	return 1;
}

int nvme_ctrlr_init_step(struct pnvme_ctrlr *c)
{
	uint32_t cc, csts;

	if (c->state == NVME_STATE_READY)
		return 1;
	if (c->state == NVME_STATE_FAILED)
		return c->init_error ? c->init_error : -EIO;
	cc = nvme_ctrlr_get_reg_4(c, PNVME_REG_CC);
	csts = nvme_ctrlr_get_reg_4(c, PNVME_REG_CSTS);
	if (csts == 0xffffffffu) {
		/* A fabric's controller may come back: the reset ladder tries again. */
		if (nvme_ctrlr_tr(c)->fabrics)
			return fail(c, -ENOTCONN, "controller not reachable (no connection)");
		return fail(c, -ENODEV, "device not responding (registers read all ones)");
	}

	switch (atomic_load(&c->state)) {
	case NVME_STATE_IDENTIFY:
		return step_identify(c);
	case NVME_STATE_SET_NUM_QUEUES:
		return step_num_queues(c);
	case NVME_STATE_IDENTIFY_NS_LIST:
		return step_ns_list(c);
	case NVME_STATE_IDENTIFY_NS:
		return step_identify_ns(c);
	case NVME_STATE_SHADOW_DOORBELLS:
		return step_shadow_doorbells(c);
	case NVME_STATE_KEEP_ALIVE:
		return step_keep_alive(c);
	case NVME_STATE_AER:
		return step_aer(c);
	default:
		return step_registers(c, cc, csts);
	}
}

bool nvme_ctrlr_check_fatal(struct pnvme_ctrlr *c)
{
	uint32_t csts;

	if (nvme_ctrlr_is_dead(c))
		return true;
	csts = nvme_ctrlr_get_reg_4(c, PNVME_REG_CSTS);
	if (csts == 0xffffffffu || (csts & PNVME_CSTS_CFS)) {
		nvme_ctrlr_fail(c, csts == 0xffffffffu ? "device not responding (registers read all ones)"
						      : "controller fatal status (CSTS.CFS)");
		return true;
	}
	return false;
}

/*
 * Shutdown notification. RTD3E (microseconds) says how long the controller may
 * take; without one, 5 s. Bounded at 60 s so a broken value cannot hang detach.
 */
#define SHUTDOWN_DEFAULT_MS 5000
#define SHUTDOWN_MAX_MS 60000

uint64_t nvme_ctrlr_shutdown_timeout_ms(const struct pnvme_ctrlr *c)
{
	uint64_t ms = c->cdata.rtd3e ? (c->cdata.rtd3e + 999) / 1000 : SHUTDOWN_DEFAULT_MS;

	if (ms < SHUTDOWN_DEFAULT_MS)
		ms = SHUTDOWN_DEFAULT_MS;
	return ms > SHUTDOWN_MAX_MS ? SHUTDOWN_MAX_MS : ms;
}

void nvme_ctrlr_shutdown(struct pnvme_ctrlr *c)
{
	uint32_t cc = nvme_ctrlr_get_reg_4(c, PNVME_REG_CC);
	uint64_t timeout_ms = nvme_ctrlr_shutdown_timeout_ms(c);
	uint64_t deadline;

	if (cc == 0xffffffffu || !(cc & PNVME_CC_EN) || nvme_ctrlr_is_dead(c))
		return;
	cc = (cc & ~PNVME_CC_SHN_MASK) | PNVME_CC_SHN_NORMAL;
	nvme_ctrlr_set_reg_4(c, PNVME_REG_CC, cc);
	deadline = pnvme_ticks() + ms_to_ticks(timeout_ms);
	while ((nvme_ctrlr_get_reg_4(c, PNVME_REG_CSTS) & PNVME_CSTS_SHST_MASK) !=
	       PNVME_CSTS_SHST_COMPLETE) {
		if (pnvme_ticks() > deadline) {
			PNVME_WARNLOG("ctrlr", "%s: shutdown did not complete in %lu ms",
				      c->trid.traddr, (unsigned long)timeout_ms);
			return;
		}
	}
}
