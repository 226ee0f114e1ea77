/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A fake NVMe/TCP controller for tests: a listening socket on 127.0.0.1 and a
 * thread per connection (blocking sockets). It answers ICReq, Connect (admin
 * and I/O queues), Property Get/Set (CC.EN sets CSTS.RDY, a shutdown
 * completes), Identify (controller, active namespace list, namespace),
 * Set/Get Features, Keep Alive, Get Log Page (Discovery 0x70), holds AERs,
 * and reads (C2HData in 5000-byte PDUs, SUCCESS on every other one) and
 * writes (in-capsule up to IOCCSZ, else R2Ts of at most 12000 bytes) on one
 * namespace of 512-byte sectors in memory. Closing the admin connection ends
 * the controller and its I/O connections, as Linux's nvmet does. It
 * misbehaves on request.
 */
#ifndef PNVME_TEST_TCP_TARGET_H
#define PNVME_TEST_TCP_TARGET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TT_SUBNQN "nqn.2014-08.org.example:disk1"
#define TT_SECTORS 2048u /* 1 MiB */
#define TT_IOCCSZ ((4096u + 64u) / 16u) /* 4 KiB in-capsule */
#define TT_MAXH2C 8192u

enum tt_fault {
	TT_GOOD,
	TT_BAD_PDU,    /* the next I/O command gets a malformed PDU instead of an answer */
	TT_CLOSE,      /* the next I/O command: every connection closed, listening still */
	TT_GONE,       /* the next I/O command: every connection closed, no more listening */
	TT_SHORT_READ, /* the next read: SUCCESS with half its data */
	TT_FLAP,       /* as TT_CLOSE, and the next 3 connections are closed at their ICReq */
	TT_HOLD,       /* the next I/O command is never answered (Abort: "not aborted") */
	TT_BAD_DDGST,  /* the next read's C2HData carries a wrong data digest */
	TT_EARLY_ERROR, /* the next write: an R2T for all of it, at once a CapsuleResp with
			 * Data Transfer Error, then its connection reads nothing until
			 * tt_release() (then drops that command's H2CData) */
};

struct tt_target;

/* Start one; its port is tt_port(). */
struct tt_target *tt_start(void);
const char *tt_port(const struct tt_target *t);
/* Arm a fault for the next I/O command (on any I/O queue). */
void tt_fault(struct tt_target *t, enum tt_fault f);
/* TT_EARLY_ERROR: the connection reads again; how many of its H2CData bytes it dropped. */
void tt_release(struct tt_target *t);
uint32_t tt_dropped(const struct tt_target *t);
/* SO_RCVBUF of connections accepted from now on (0: the system's). */
void tt_rcvbuf(struct tt_target *t, int bytes);
/* Keep Alive commands received, and the KATO of the last admin Connect (ms). */
int tt_keep_alives(const struct tt_target *t);
uint32_t tt_kato(const struct tt_target *t);
/* Admin Connects seen (each a new controller). */
int tt_admin_connects(const struct tt_target *t);
/* The digests of the last ICReq. */
bool tt_hdgst(const struct tt_target *t);
bool tt_ddgst(const struct tt_target *t);
/* The first protocol complaint, or "". */
const char *tt_error(const struct tt_target *t);
/* The namespace's bytes. */
uint8_t *tt_mem(struct tt_target *t);
/* Stop: every connection closed, threads joined. */
void tt_stop(struct tt_target *t);

/* Blocking socket I/O of exactly len bytes: 0, or -1 (closed, error). */
int tt_read_full(int fd, void *p, size_t len);
int tt_write_full(int fd, const void *p, size_t len);

#endif
