/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The NVMe/TCP transport of lib/nvme: the glue between the ops table
 * (nvme/transport.h) and the protocol core (conn.h, nvmf.h). One
 * nvme_tcp_qpair per queue (admin included) lives in qp->tr_qpair, one
 * nvme_tcp_ctrlr in c->tr_ctrlr. Only the qpair's owner touches its socket.
 */
#ifndef PNVME_TCP_TCP_H
#define PNVME_TCP_TCP_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "conn.h"
#include "nvmf.h"
#include "pnvme/nvme.h"

struct pnvme_ctrlr;
struct pnvme_qpair;
struct nvme_tracker;
struct nvme_request;

#define NVME_TCP_DEFAULT_PORT "4420"
#define NVME_TCP_DISCOVERY_PORT "8009"
#define NVME_TCP_DEFAULT_KATO_MS 10000u
#define NVME_TCP_CONNECT_TIMEOUT_MS 5000
/* A reset's admin connect retries this long, pausing between tries (tcp_ctrlr.c). */
#define NVME_TCP_RECONNECT_WINDOW_MS 2000u
#define NVME_TCP_RECONNECT_PAUSE_MS 100u
#define NVME_TCP_VIEW_IOV 64 /* iovecs of a command whose data starts inside an element */

/* Where a controller is and how to talk to it: the transport ID, checked (tcp_trid.c). */
struct nvme_tcp_target {
	char traddr[PNVME_TRADDR_MAX];
	char trsvcid[8];
	int adrfam; /* AF_INET, AF_INET6 */
	char subnqn[NVMF_NQN_FIELD];
	char hostnqn[NVMF_NQN_FIELD];
	uint8_t hostid[16];
	bool hdgst, ddgst;
};

/*
 * From trid (trtype tcp): traddr required and numeric for its adrfam, trsvcid
 * (default def_port) 1..65535, subnqn (default def_subnqn, else required),
 * hostnqn/hostid (default: the stable identity of nvmf_host_identity()),
 * hdgst/ddgst 0 or 1. -EINVAL, with a log line saying what, for anything else.
 */
int nvme_tcp_trid_parse(const struct pnvme_trid *trid, struct nvme_tcp_target *t,
			const char *def_port, const char *def_subnqn);

/* Per tracker: the command's data as iovecs, its PDUs, and what arrived. */
struct nvme_tcp_req {
	const struct iovec *iov;
	int iovcnt;
	uint32_t len;
	bool write;        /* host to controller */
	bool in_capsule;   /* the data went with the command */
	bool h2c_pending;  /* on the qpair's list: H2CData left to queue */
	bool r2t_active;
	bool held;	    /* answered, but its data is still in the send queue */
	uint32_t c2h_bytes; /* C2HData bytes placed */
	uint64_t tx_mark;   /* writes: the send queue has passed its data at this mark */
	struct pnvme_cpl held_cpl;
	struct nvme_tcp_req *next_held;
	struct nvme_tcp_h2c h2c;
	struct nvme_tcp_req *next_h2c;
	struct iovec one;   /* a contiguous payload */
	struct nvme_tcp_tx_pdu cmd_pdu;
	struct nvme_tcp_tx_pdu h2c_pdu;
	struct iovec view[NVME_TCP_VIEW_IOV];
};

struct nvme_tcp_qpair {
	struct nvme_tcp_conn conn;
	struct pnvme_qpair *qp; /* NULL: a bare connection (discovery) */
	struct nvme_tcp_req *reqs; /* by tracker index */
	uint32_t num_reqs;
	bool connected;
	bool failed;     /* the connection broke or refused a PDU: closed */
	bool delivering; /* completions go to lib/nvme now; else to pending */
	_Atomic bool parked; /* a reset: send nothing more */
	uint32_t icd_max;    /* in-capsule data bytes for writes */
	uint32_t completed;  /* completions delivered in this poll */
	/* CQEs that arrived while the owner waited for its own command (sync). */
	struct pnvme_cpl *pending;
	uint32_t pending_head, pending_count, pending_max;
	struct nvme_tcp_req *h2c_head, *h2c_tail;
	struct nvme_tcp_req *held; /* answered writes waiting for the send queue */
	uint32_t num_held;	   /* how many ever were (tests) */
	/* One synchronous command at a time (Connect, Property Get/Set): its own CID. */
	uint16_t sync_cid;
	bool sync_done;
	bool sync_write;
	struct pnvme_cpl sync_cpl;
	const struct iovec *sync_iov;
	int sync_iovcnt;
	uint32_t sync_len, sync_c2h;
	struct nvme_tcp_tx_pdu sync_pdu;
};

struct nvme_tcp_ctrlr {
	struct nvme_tcp_target target;
	uint16_t cntlid;
	uint32_t ioccsz; /* Identify: in 16-byte units, the SQE included */
	uint32_t kato_ms;
};

/* Monotonic milliseconds. */
int64_t nvme_tcp_now_ms(void);

/* tcp_qpair.c: one connection of a queue. */
void nvme_tcp_qpair_init_bare(struct nvme_tcp_qpair *tq);
/*
 * Socket, ICReq/ICResp and Fabrics Connect (qid, entries; cntlid DYNAMIC for
 * the admin queue): 0 with *cntlid the controller's ID, or a negative errno
 * (-ECONNREFUSED...; -EIO when the Connect was refused, logged with its status).
 */
int nvme_tcp_qpair_connect(struct nvme_tcp_qpair *tq, const struct nvme_tcp_target *t,
			   uint16_t qid, uint16_t entries, uint16_t cntlid, uint32_t kato_ms,
			   int timeout_ms, uint16_t *cntlid_out);
/*
 * Send cmd with data (write: to the controller) on the queue and wait for its
 * completion, at most timeout_ms. Other completions that arrive meanwhile wait
 * for the next poll. 0 with *cpl, or a negative errno (the connection failed).
 */
int nvme_tcp_sync_cmd(struct nvme_tcp_qpair *tq, struct pnvme_cmd *cmd, const struct iovec *iov,
		      int iovcnt, uint32_t len, bool write, int timeout_ms, struct pnvme_cpl *cpl);
void nvme_tcp_qpair_close(struct nvme_tcp_qpair *tq);

/* The ops table's queue functions. */
int nvme_tcp_qpair_init(struct pnvme_qpair *qp, uint32_t max_xfer);
void nvme_tcp_qpair_fini(struct pnvme_qpair *qp);
int nvme_tcp_qpair_create(struct pnvme_qpair *qp);
bool nvme_tcp_qpair_delete(struct pnvme_qpair *qp);
void nvme_tcp_qpair_reset(struct pnvme_qpair *qp);
void nvme_tcp_qpair_park(struct pnvme_qpair *qp);
int nvme_tcp_qpair_submit(struct pnvme_qpair *qp, struct nvme_tracker *tr,
			  struct nvme_request *req);
uint32_t nvme_tcp_qpair_process(struct pnvme_qpair *qp, uint32_t max);
void nvme_tcp_qpair_flush(struct pnvme_qpair *qp);

/* tcp_ctrlr.c: the controller over fabrics. */
int nvme_tcp_ctrlr_construct(struct pnvme_ctrlr *c);
void nvme_tcp_ctrlr_destruct(struct pnvme_ctrlr *c);
uint32_t nvme_tcp_get_reg_4(struct pnvme_ctrlr *c, uint32_t off);
uint64_t nvme_tcp_get_reg_8(struct pnvme_ctrlr *c, uint32_t off);
void nvme_tcp_set_reg_4(struct pnvme_ctrlr *c, uint32_t off, uint32_t val);
int nvme_tcp_ctrlr_enable(struct pnvme_ctrlr *c);
void nvme_tcp_ctrlr_setup(struct pnvme_ctrlr *c);
bool nvme_tcp_ctrlr_stop(struct pnvme_ctrlr *c);

/* The command's data direction: 1 host to controller, 2 controller to host, 0 none. */
static inline unsigned int nvme_tcp_cmd_dir(const struct pnvme_cmd *cmd)
{
	if (cmd->opc == NVMF_OPC_FABRICS)
		return ((const struct nvmf_cmd_common *)cmd)->fctype & 3;
	return cmd->opc & 3;
}

#endif /* PNVME_TCP_TCP_H */
