/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe/TCP Transport Specification 1.0: the PDUs on the wire. Every PDU starts
 * with the 8-byte common header; hlen is the whole PDU header, pdo where data
 * starts (0 when there is none), plen the whole PDU with digests and padding.
 * Multi-byte fields are little endian, as on the hosts pnvme runs on.
 */
#ifndef PNVME_TCP_PDU_H
#define PNVME_TCP_PDU_H

#include <stddef.h>
#include <stdint.h>

#include "pnvme/nvme_spec.h"

enum nvme_tcp_pdu_type {
	NVME_TCP_PDU_ICREQ = 0x00,
	NVME_TCP_PDU_ICRESP = 0x01,
	NVME_TCP_PDU_H2C_TERM = 0x02,
	NVME_TCP_PDU_C2H_TERM = 0x03,
	NVME_TCP_PDU_CAPSULE_CMD = 0x04,
	NVME_TCP_PDU_CAPSULE_RESP = 0x05,
	NVME_TCP_PDU_H2C_DATA = 0x06,
	NVME_TCP_PDU_C2H_DATA = 0x07,
	NVME_TCP_PDU_R2T = 0x09,
};

/* Common header flags. */
#define NVME_TCP_F_HDGST (1u << 0)
#define NVME_TCP_F_DDGST (1u << 1)
#define NVME_TCP_F_DATA_LAST (1u << 2)	  /* H2CData/C2HData: last PDU of the transfer */
#define NVME_TCP_F_DATA_SUCCESS (1u << 3) /* C2HData: command done, no CapsuleResp follows */

/* ICReq/ICResp digest field. */
#define NVME_TCP_DGST_HDGST_ENABLE (1u << 0)
#define NVME_TCP_DGST_DDGST_ENABLE (1u << 1)

#define NVME_TCP_PFV_1_0 0
#define NVME_TCP_DIGEST_LEN 4
#define NVME_TCP_MIN_MAXH2CDATA 4096u
#define NVME_TCP_ADMIN_CCSZ 8192u   /* in-capsule data on the admin queue */
#define NVME_TCP_TERM_MAX_PLEN 152u /* TermReq: 24-byte header + up to 128 bytes of the bad PDU */

/* Fatal Error Status of a TermReq. */
enum nvme_tcp_fes {
	NVME_TCP_FES_INVALID_HEADER = 0x01,
	NVME_TCP_FES_PDU_SEQUENCE = 0x02,
	NVME_TCP_FES_HDGST = 0x03,
	NVME_TCP_FES_DATA_OUT_OF_RANGE = 0x04,
	NVME_TCP_FES_DATA_LIMIT = 0x05, /* also R2T limit exceeded */
	NVME_TCP_FES_UNSUPPORTED_PARAM = 0x06,
};

struct nvme_tcp_hdr {
	uint8_t type;
	uint8_t flags;
	uint8_t hlen;
	uint8_t pdo;
	uint32_t plen;
};
PNVME_SPEC_ASSERT(sizeof(struct nvme_tcp_hdr) == 8, "common header is 8 bytes");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_hdr, hlen) == 2, "HLEN at byte 2");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_hdr, pdo) == 3, "PDO at byte 3");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_hdr, plen) == 4, "PLEN at byte 4");

struct nvme_tcp_icreq {
	struct nvme_tcp_hdr hdr;
	uint16_t pfv;
	uint8_t hpda; /* host PDU data alignment, dwords, 0's based */
	uint8_t dgst;
	uint32_t maxr2t; /* 0's based */
	uint8_t rsvd[112];
};
PNVME_SPEC_ASSERT(sizeof(struct nvme_tcp_icreq) == 128, "ICReq is 128 bytes");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_icreq, pfv) == 8, "ICReq PFV at byte 8");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_icreq, hpda) == 10, "ICReq HPDA at byte 10");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_icreq, dgst) == 11, "ICReq DGST at byte 11");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_icreq, maxr2t) == 12, "ICReq MAXR2T at byte 12");

struct nvme_tcp_icresp {
	struct nvme_tcp_hdr hdr;
	uint16_t pfv;
	uint8_t cpda; /* controller PDU data alignment, dwords, 0's based */
	uint8_t dgst;
	uint32_t maxh2cdata; /* bytes per H2CData PDU */
	uint8_t rsvd[112];
};
PNVME_SPEC_ASSERT(sizeof(struct nvme_tcp_icresp) == 128, "ICResp is 128 bytes");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_icresp, cpda) == 10, "ICResp CPDA at byte 10");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_icresp, dgst) == 11, "ICResp DGST at byte 11");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_icresp, maxh2cdata) == 12, "MAXH2CDATA at byte 12");

/* H2CTermReq and C2HTermReq; the data is the header of the PDU in error. */
struct nvme_tcp_term {
	struct nvme_tcp_hdr hdr;
	uint16_t fes;
	uint8_t fei[4]; /* bytes, as a 32-bit field would not sit at byte 10 */
	uint8_t rsvd[10];
};
PNVME_SPEC_ASSERT(sizeof(struct nvme_tcp_term) == 24, "TermReq header is 24 bytes");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_term, fes) == 8, "FES at byte 8");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_term, fei) == 10, "FEI at byte 10");

struct nvme_tcp_capsule_cmd {
	struct nvme_tcp_hdr hdr;
	struct pnvme_cmd sqe;
};
PNVME_SPEC_ASSERT(sizeof(struct nvme_tcp_capsule_cmd) == 72, "CapsuleCmd header is 72 bytes");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_capsule_cmd, sqe) == 8, "SQE at byte 8");

struct nvme_tcp_capsule_resp {
	struct nvme_tcp_hdr hdr;
	struct pnvme_cpl cqe;
};
PNVME_SPEC_ASSERT(sizeof(struct nvme_tcp_capsule_resp) == 24, "CapsuleResp header is 24 bytes");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_capsule_resp, cqe) == 8, "CQE at byte 8");

/* H2CData and C2HData (ttag is reserved in C2HData). */
struct nvme_tcp_data {
	struct nvme_tcp_hdr hdr;
	uint16_t cccid;
	uint16_t ttag;
	uint32_t datao;
	uint32_t datal;
	uint8_t rsvd[4];
};
PNVME_SPEC_ASSERT(sizeof(struct nvme_tcp_data) == 24, "data PDU header is 24 bytes");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_data, cccid) == 8, "CCCID at byte 8");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_data, ttag) == 10, "TTAG at byte 10");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_data, datao) == 12, "DATAO at byte 12");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_data, datal) == 16, "DATAL at byte 16");

struct nvme_tcp_r2t {
	struct nvme_tcp_hdr hdr;
	uint16_t cccid;
	uint16_t ttag;
	uint32_t r2to;
	uint32_t r2tl;
	uint8_t rsvd[4];
};
PNVME_SPEC_ASSERT(sizeof(struct nvme_tcp_r2t) == 24, "R2T is 24 bytes");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_r2t, ttag) == 10, "R2T TTAG at byte 10");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_r2t, r2to) == 12, "R2TO at byte 12");
PNVME_SPEC_ASSERT(offsetof(struct nvme_tcp_r2t, r2tl) == 16, "R2TL at byte 16");

/* Any PDU header, with room for a header digest after the longest one. */
union nvme_tcp_pdu_hdr {
	struct nvme_tcp_hdr common;
	struct nvme_tcp_icreq icreq;
	struct nvme_tcp_icresp icresp;
	struct nvme_tcp_term term;
	struct nvme_tcp_capsule_cmd cmd;
	struct nvme_tcp_capsule_resp rsp;
	struct nvme_tcp_data data;
	struct nvme_tcp_r2t r2t;
	uint8_t raw[128 + NVME_TCP_DIGEST_LEN];
};

#endif
