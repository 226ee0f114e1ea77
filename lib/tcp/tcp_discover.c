/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * pnvme_discover(): one connection to a discovery controller, enabled with
 * Property Set, its Discovery log page read whole (header first for NUMREC,
 * then header and every entry, again if GENCTR moved), then disconnected.
 * A bare queue (no lib/nvme qpair): every command is a synchronous one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "env/log.h"
#include "tcp.h"

#define DISC_TIMEOUT_MS 10000
#define DISC_QUEUE_SIZE 32
#define DISC_MAX_RECORDS 1024 /* 1 MiB of log: more than any discovery controller lists */
#define DISC_TRIES 3

static int cmd_sync(struct nvme_tcp_qpair *tq, struct pnvme_cmd *cmd, void *buf, uint32_t len,
		    struct pnvme_cpl *cpl)
{
	struct iovec iov = {.iov_base = buf, .iov_len = len};
	int rc = nvme_tcp_sync_cmd(tq, cmd, buf ? &iov : NULL, buf ? 1 : 0, len, false,
				   DISC_TIMEOUT_MS, cpl);

	if (rc == 0 && pnvme_cpl_is_error(cpl)) {
		PNVME_ERRLOG("tcp", "discovery: opcode 0x%02x failed: %s", cmd->opc,
			     pnvme_cpl_status_str(cpl));
		rc = -EIO;
	}
	return rc;
}

static int prop_get(struct nvme_tcp_qpair *tq, uint32_t off, uint64_t *v)
{
	struct pnvme_cmd cmd;
	struct pnvme_cpl cpl;
	int rc;

	nvmf_property_get_cmd(&cmd, off);
	rc = cmd_sync(tq, &cmd, NULL, 0, &cpl);
	*v = nvmf_property_get_value(&cpl);
	return rc;
}

/* CC.EN = 1 and wait for CSTS.RDY, within CAP.TO. */
static int enable(struct nvme_tcp_qpair *tq)
{
	struct pnvme_cmd cmd;
	struct pnvme_cpl cpl;
	uint64_t cap, csts;
	struct timespec start, now;
	int rc = prop_get(tq, PNVME_REG_CAP, &cap);

	if (rc != 0)
		return rc;
	nvmf_property_set_cmd(&cmd, PNVME_REG_CC,
			      (6u << PNVME_CC_IOSQES_SHIFT) | (4u << PNVME_CC_IOCQES_SHIFT) |
				      PNVME_CC_EN);
	rc = cmd_sync(tq, &cmd, NULL, 0, &cpl);
	clock_gettime(CLOCK_MONOTONIC, &start);
	while (rc == 0) {
		rc = prop_get(tq, PNVME_REG_CSTS, &csts);
		if (rc != 0 || (csts & PNVME_CSTS_RDY))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if ((uint64_t)(now.tv_sec - start.tv_sec) * 1000 >
		    (PNVME_CAP_TO(cap) ? PNVME_CAP_TO(cap) : 1) * 500u + 1000u)
			rc = -ETIMEDOUT;
	}
	return rc;
}

static void get_log_cmd(struct pnvme_cmd *cmd, uint32_t len)
{
	uint32_t numd = len / 4 - 1;

	memset(cmd, 0, sizeof(*cmd));
	cmd->opc = PNVME_OPC_GET_LOG_PAGE;
	cmd->cdw10 = NVMF_LOG_DISCOVERY | (numd & 0xffff) << 16;
	cmd->cdw11 = numd >> 16;
}

static const char *trtype_name(uint8_t v, char *buf, size_t len)
{
	switch (v) {
	case NVMF_TRTYPE_RDMA:
		return "rdma";
	case NVMF_TRTYPE_FC:
		return "fc";
	case NVMF_TRTYPE_TCP:
		return "tcp";
	case NVMF_TRTYPE_LOOP:
		return "loop";
	default:
		snprintf(buf, len, "%u", v);
		return buf;
	}
}

static const char *adrfam_name(uint8_t v, char *buf, size_t len)
{
	switch (v) {
	case NVMF_ADRFAM_IPV4:
		return "ipv4";
	case NVMF_ADRFAM_IPV6:
		return "ipv6";
	case NVMF_ADRFAM_IB:
		return "ib";
	case NVMF_ADRFAM_FC:
		return "fc";
	case NVMF_ADRFAM_LOOP:
		return "loop";
	default:
		snprintf(buf, len, "%u", v);
		return buf;
	}
}

static void entry_out(const struct nvmf_disc_entry *raw, const struct nvmf_disc_entry *e,
		      uint64_t genctr, struct pnvme_discovery_entry *o)
{
	char num[8];
	uint16_t eflags;

	memset(o, 0, sizeof(*o));
	snprintf(o->trtype, sizeof(o->trtype), "%s", trtype_name(e->trtype, num, sizeof(num)));
	snprintf(o->adrfam, sizeof(o->adrfam), "%s", adrfam_name(e->adrfam, num, sizeof(num)));
	snprintf(o->traddr, sizeof(o->traddr), "%.*s", (int)sizeof(e->traddr), e->traddr);
	snprintf(o->trsvcid, sizeof(o->trsvcid), "%.*s", (int)sizeof(e->trsvcid), e->trsvcid);
	snprintf(o->subnqn, sizeof(o->subnqn), "%.*s", (int)sizeof(e->subnqn), e->subnqn);
	o->subtype = e->subtype;
	o->treq = e->treq;
	o->portid = e->portid;
	o->cntlid = e->cntlid;
	o->asqsz = e->asqsz;
	memcpy(&eflags, (const uint8_t *)raw + 10, sizeof(eflags)); /* EFLAGS, bytes 11:10 */
	o->eflags = eflags;
	o->sectype = e->trtype == NVMF_TRTYPE_TCP ? e->tsas[0] : 0;
	o->genctr = genctr;
}

/* The whole log: header for NUMREC, then all of it until GENCTR holds still. */
static int read_log(struct nvme_tcp_qpair *tq, pnvme_discover_cb cb, void *ctx)
{
	struct nvmf_disc_log_hdr hdr;
	struct pnvme_cmd cmd;
	struct pnvme_cpl cpl;
	uint64_t genctr, numrec;
	int rc;

	for (int tries = 0; tries < DISC_TRIES; tries++) {
		get_log_cmd(&cmd, sizeof(hdr));
		rc = cmd_sync(tq, &cmd, &hdr, sizeof(hdr), &cpl);
		if (rc != 0)
			return rc;
		numrec = hdr.numrec < DISC_MAX_RECORDS ? hdr.numrec : DISC_MAX_RECORDS;
		if (hdr.numrec > DISC_MAX_RECORDS)
			PNVME_WARNLOG("tcp", "discovery: %llu records; reading the first %d",
				      (unsigned long long)hdr.numrec, DISC_MAX_RECORDS);
		uint32_t len = (uint32_t)(numrec + 1) * sizeof(struct nvmf_disc_entry);
		uint8_t *log = malloc(len);
		struct nvmf_disc_entry *e = calloc(numrec ? numrec : 1, sizeof(*e));

		if (log == NULL || e == NULL) {
			free(log);
			free(e);
			return -ENOMEM;
		}
		get_log_cmd(&cmd, len);
		rc = cmd_sync(tq, &cmd, log, len, &cpl);
		if (rc == 0) {
			uint64_t n2;

			rc = nvmf_discovery_parse(log, len, &genctr, &n2, e, (int)numrec);
			if (rc >= 0 && genctr == hdr.genctr && n2 == hdr.numrec) {
				for (int i = 0; i < rc; i++) {
					struct pnvme_discovery_entry out;

					entry_out((const struct nvmf_disc_entry *)(log + 1024) + i,
						  &e[i], genctr, &out);
					if (cb != NULL)
						cb(ctx, &out);
				}
				free(log);
				free(e);
				return rc;
			}
			rc = -EAGAIN; /* the log changed under us: again */
		}
		free(log);
		free(e);
		if (rc != -EAGAIN)
			return rc;
	}
	return -EAGAIN;
}

int pnvme_discover(const char *trid_str, pnvme_discover_cb cb, void *ctx)
{
	struct pnvme_trid trid;
	struct nvme_tcp_target t;
	struct nvme_tcp_qpair *tq;
	int rc;

	if (trid_str == NULL || pnvme_trid_parse(&trid, trid_str) != 0) {
		PNVME_ERRLOG("tcp", "discovery: cannot parse transport ID '%s'",
			     trid_str ? trid_str : "(null)");
		return -EINVAL;
	}
	if (strcmp(trid.trtype, "tcp") != 0) {
		PNVME_ERRLOG("tcp", "discovery: trtype %s: only tcp has discovery", trid.trtype);
		return -ENOTSUP;
	}
	rc = nvme_tcp_trid_parse(&trid, &t, NVME_TCP_DISCOVERY_PORT, NVMF_DISC_NQN);
	if (rc != 0)
		return rc;
	tq = calloc(1, sizeof(*tq)); /* large (the receive stage): not on the stack */
	if (tq == NULL)
		return -ENOMEM;
	nvme_tcp_qpair_init_bare(tq);
	/* KATO 0: a one-shot discovery keeps no association. */
	rc = nvme_tcp_qpair_connect(tq, &t, 0, DISC_QUEUE_SIZE, NVMF_CNTLID_DYNAMIC, 0,
				    DISC_TIMEOUT_MS, NULL);
	if (rc == 0)
		rc = enable(tq);
	if (rc == 0)
		rc = read_log(tq, cb, ctx);
	nvme_tcp_qpair_close(tq);
	free(tq);
	return rc;
}
