/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe over Fabrics 1.1: the Fabrics commands (Connect, Property Get/Set), the
 * SGL descriptors a fabrics host uses, the Discovery log page, and helpers to
 * build and parse them. Transport neutral; lives beside NVMe/TCP, its only user.
 */
#ifndef PNVME_TCP_NVMF_H
#define PNVME_TCP_NVMF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pnvme/nvme_spec.h"

#define NVMF_OPC_FABRICS 0x7f
#define NVMF_FCTYPE_PROPERTY_SET 0x00
#define NVMF_FCTYPE_CONNECT 0x01
#define NVMF_FCTYPE_PROPERTY_GET 0x04

#define NVMF_NQN_MAX 223 /* characters, without the terminating NUL */
#define NVMF_NQN_FIELD 256
#define NVMF_DISC_NQN "nqn.2014-08.org.nvmexpress.discovery"
#define NVMF_CNTLID_DYNAMIC 0xffff

/* SGL descriptor types and subtypes of fabrics (nvme_spec.h has the memory ones). */
#define NVMF_SGL_TYPE_TRANSPORT_DATA_BLOCK 0x5
#define NVMF_SGL_SUBTYPE_OFFSET 0x1	 /* in-capsule data: address is an offset */
#define NVMF_SGL_SUBTYPE_TRANSPORT_A 0xa /* NVMe/TCP: data in H2CData/C2HData PDUs */

/* The part of a Fabrics command every fctype shares (64 bytes, an SQE). */
struct nvmf_cmd_common {
	uint8_t opcode; /* 0x7f */
	uint8_t flags;	/* PSDT in bits 7:6 */
	uint16_t cid;
	uint8_t fctype;
	uint8_t rsvd1[19];
	struct pnvme_sgl_desc sgl1;
	uint8_t specific[24];
};
PNVME_SPEC_ASSERT(sizeof(struct nvmf_cmd_common) == 64, "Fabrics command is an SQE");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_cmd_common, fctype) == 4, "FCTYPE at byte 4");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_cmd_common, sgl1) == 24, "SGL1 at byte 24");

struct nvmf_connect_cmd {
	uint8_t opcode;
	uint8_t flags;
	uint16_t cid;
	uint8_t fctype;
	uint8_t rsvd1[19];
	struct pnvme_sgl_desc sgl1;
	uint16_t recfmt;
	uint16_t qid;
	uint16_t sqsize; /* 0's based */
	uint8_t cattr;
	uint8_t rsvd2;
	uint32_t kato; /* ms, admin queue only */
	uint8_t rsvd3[12];
};
PNVME_SPEC_ASSERT(sizeof(struct nvmf_connect_cmd) == 64, "Connect is an SQE");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_connect_cmd, recfmt) == 40, "RECFMT at byte 40");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_connect_cmd, qid) == 42, "QID at byte 42");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_connect_cmd, sqsize) == 44, "SQSIZE at byte 44");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_connect_cmd, cattr) == 46, "CATTR at byte 46");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_connect_cmd, kato) == 48, "KATO at byte 48");

#define NVMF_CATTR_PRIORITY_CLASS_MASK 0x3
#define NVMF_CATTR_SQ_FLOW_CONTROL_DISABLE (1u << 2)

/* Connect data: the 1024 bytes that travel with a Connect. */
struct nvmf_connect_data {
	uint8_t hostid[16];
	uint16_t cntlid;
	uint8_t rsvd1[238];
	char subnqn[NVMF_NQN_FIELD];
	char hostnqn[NVMF_NQN_FIELD];
	uint8_t rsvd2[256];
};
PNVME_SPEC_ASSERT(sizeof(struct nvmf_connect_data) == 1024, "Connect data is 1024 bytes");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_connect_data, cntlid) == 16, "CNTLID at byte 16");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_connect_data, subnqn) == 256, "SUBNQN at byte 256");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_connect_data, hostnqn) == 512, "HOSTNQN at byte 512");

/* The Connect response's dword 0. */
struct nvmf_connect_rsp_dw0 {
	uint16_t cntlid;
	uint16_t authreq;
};
PNVME_SPEC_ASSERT(sizeof(struct nvmf_connect_rsp_dw0) == 4, "Connect response DW0 is 4 bytes");

/* Property Get (fctype 4) and Set (fctype 0); Get's value comes in DW0-DW1. */
struct nvmf_property_cmd {
	uint8_t opcode;
	uint8_t flags;
	uint16_t cid;
	uint8_t fctype;
	uint8_t rsvd1[35];
	uint8_t attrib; /* bits 2:0 size: 0 = 4 bytes, 1 = 8 bytes */
	uint8_t rsvd2[3];
	uint32_t offset;
	uint64_t value; /* Set only */
	uint8_t rsvd3[8];
};
PNVME_SPEC_ASSERT(sizeof(struct nvmf_property_cmd) == 64, "Property Get/Set is an SQE");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_property_cmd, attrib) == 40, "ATTRIB at byte 40");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_property_cmd, offset) == 44, "OFST at byte 44");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_property_cmd, value) == 48, "VALUE at byte 48");

#define NVMF_PROP_SIZE_4 0x0
#define NVMF_PROP_SIZE_8 0x1

/* Discovery log page (LID 70h): a 1024-byte header, then 1024-byte entries. */
#define NVMF_LOG_DISCOVERY 0x70

struct nvmf_disc_log_hdr {
	uint64_t genctr;
	uint64_t numrec;
	uint16_t recfmt;
	uint8_t rsvd[1006];
};
PNVME_SPEC_ASSERT(sizeof(struct nvmf_disc_log_hdr) == 1024, "Discovery log header is 1024 bytes");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_disc_log_hdr, numrec) == 8, "NUMREC at byte 8");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_disc_log_hdr, recfmt) == 16, "RECFMT at byte 16");

enum nvmf_trtype {
	NVMF_TRTYPE_RDMA = 1,
	NVMF_TRTYPE_FC = 2,
	NVMF_TRTYPE_TCP = 3,
	NVMF_TRTYPE_LOOP = 254,
};

enum nvmf_adrfam {
	NVMF_ADRFAM_IPV4 = 1,
	NVMF_ADRFAM_IPV6 = 2,
	NVMF_ADRFAM_IB = 3,
	NVMF_ADRFAM_FC = 4,
	NVMF_ADRFAM_LOOP = 254,
};

enum nvmf_subtype {
	NVMF_SUBTYPE_DISCOVERY_REFERRAL = 1,
	NVMF_SUBTYPE_NVME = 2,
	NVMF_SUBTYPE_DISCOVERY_CURRENT = 3,
};

struct nvmf_disc_entry {
	uint8_t trtype;
	uint8_t adrfam;
	uint8_t subtype;
	uint8_t treq;
	uint16_t portid;
	uint16_t cntlid;
	uint16_t asqsz;
	uint8_t rsvd1[22];
	char trsvcid[32];
	uint8_t rsvd2[192];
	char subnqn[NVMF_NQN_FIELD];
	char traddr[256];
	uint8_t tsas[256]; /* TCP: byte 0 is SECTYPE */
};
PNVME_SPEC_ASSERT(sizeof(struct nvmf_disc_entry) == 1024, "Discovery log entry is 1024 bytes");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_disc_entry, portid) == 4, "PORTID at byte 4");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_disc_entry, asqsz) == 8, "ASQSZ at byte 8");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_disc_entry, trsvcid) == 32, "TRSVCID at byte 32");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_disc_entry, subnqn) == 256, "SUBNQN at byte 256");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_disc_entry, traddr) == 512, "TRADDR at byte 512");
PNVME_SPEC_ASSERT(offsetof(struct nvmf_disc_entry, tsas) == 768, "TSAS at byte 768");

/* ------------------------------------------------------------ helpers (fabrics.c) */

/*
 * A Connect SQE: qid 0 is the admin queue (kato in ms), others I/O queues
 * (kato 0). entries is the queue size (sent 0's based). SGL1 is left for the
 * transport to fill: the 1024 bytes of connect data go with it.
 */
void nvmf_connect_cmd(struct pnvme_cmd *cmd, uint16_t qid, uint16_t entries, uint32_t kato_ms);

/*
 * Connect data: cntlid NVMF_CNTLID_DYNAMIC for the admin queue, the admin
 * Connect's answer for an I/O queue. -EINVAL when an NQN is empty or longer
 * than NVMF_NQN_MAX; 0 otherwise.
 */
int nvmf_connect_data(struct nvmf_connect_data *data, const uint8_t hostid[16], uint16_t cntlid,
		      const char *subnqn, const char *hostnqn);

/* The controller ID in a successful Connect response. */
static inline uint16_t nvmf_connect_rsp_cntlid(const struct pnvme_cpl *cpl)
{
	return (uint16_t)(cpl->cdw0 & 0xffff);
}

/* Property size by offset: 8 for CAP (and the 64-bit ASQ/ACQ/CMBMSC), 4 otherwise. */
unsigned int nvmf_property_size(uint32_t offset);

void nvmf_property_get_cmd(struct pnvme_cmd *cmd, uint32_t offset);
void nvmf_property_set_cmd(struct pnvme_cmd *cmd, uint32_t offset, uint64_t value);

/* A Property Get's value from its completion (cdw0, and cdw1 for 8 bytes). */
static inline uint64_t nvmf_property_get_value(const struct pnvme_cpl *cpl)
{
	return (uint64_t)cpl->cdw1 << 32 | cpl->cdw0;
}

/* The SGL descriptors: in-capsule data at offset 0, or data the transport carries. */
void nvmf_sgl_incapsule(struct pnvme_cmd *cmd, uint32_t len);
void nvmf_sgl_transport(struct pnvme_cmd *cmd, uint32_t len);

/* A hex digit's value, or -1 (machine-id and hostid= uuids). */
int nvmf_hexval(char c);

/*
 * The host's identity for Connect: hostid, and hostnqn
 * "nqn.2014-08.org.nvmexpress:uuid:<uuid>" with the same uuid. The uuid comes
 * from machine_id_path (normally /etc/machine-id: 32 hex digits, stable for the
 * machine) or, when that is missing or unreadable, a fixed one, so the identity
 * never changes between runs. Returns 0, or -EINVAL for hostnqn_len too small.
 */
#define NVMF_MACHINE_ID_PATH "/etc/machine-id"
int nvmf_host_identity(const char *machine_id_path, uint8_t hostid[16], char *hostnqn,
		       size_t hostnqn_len);

/*
 * A Discovery log page of len bytes: *genctr and *numrec from its header, and
 * up to max entries copied to out (traddr, trsvcid and subnqn NUL-terminated,
 * trailing spaces removed, as the fields are space padded). Returns how many
 * entries were copied (no more than the page holds), or -EINVAL when len is
 * smaller than the header.
 */
int nvmf_discovery_parse(const void *log, size_t len, uint64_t *genctr, uint64_t *numrec,
			 struct nvmf_disc_entry *out, int max);

#endif
