/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * NVMe on-wire structures (NVM Express Base 1.4 / 2.0, NVM Command Set).
 * Only what the specification fixes lives here; every fixed size and offset
 * is checked at compile time.
 */
#ifndef PNVME_NVME_SPEC_H
#define PNVME_NVME_SPEC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
#define PNVME_SPEC_ASSERT(cond, msg) static_assert(cond, msg)
#else
#define PNVME_SPEC_ASSERT(cond, msg) _Static_assert(cond, msg)
#endif

/* ---------------------------------------------------------------- registers */

/* Offsets in BAR0. */
enum pnvme_reg_offset {
	PNVME_REG_CAP = 0x00,
	PNVME_REG_VS = 0x08,
	PNVME_REG_INTMS = 0x0c,
	PNVME_REG_INTMC = 0x10,
	PNVME_REG_CC = 0x14,
	PNVME_REG_CSTS = 0x1c,
	PNVME_REG_NSSR = 0x20,
	PNVME_REG_AQA = 0x24,
	PNVME_REG_ASQ = 0x28,
	PNVME_REG_ACQ = 0x30,
	PNVME_REG_CMBLOC = 0x38,
	PNVME_REG_CMBSZ = 0x3c,
	PNVME_REG_CRTO = 0x68, /* NVMe 2.0: Controller Ready Timeouts */
	PNVME_REG_DBS = 0x1000, /* first doorbell (admin SQ tail) */
};

/* CAP: Controller Capabilities (64 bit). */
#define PNVME_CAP_MQES(cap) ((uint32_t)((cap) & 0xffff))
#define PNVME_CAP_CQR(cap) ((uint32_t)(((cap) >> 16) & 0x1))
#define PNVME_CAP_AMS(cap) ((uint32_t)(((cap) >> 17) & 0x3))
#define PNVME_CAP_TO(cap) ((uint32_t)(((cap) >> 24) & 0xff)) /* 500 ms units */
#define PNVME_CAP_DSTRD(cap) ((uint32_t)(((cap) >> 32) & 0xf))
#define PNVME_CAP_NSSRS(cap) ((uint32_t)(((cap) >> 36) & 0x1))
#define PNVME_CAP_CSS(cap) ((uint32_t)(((cap) >> 37) & 0xff))
#define PNVME_CAP_MPSMIN(cap) ((uint32_t)(((cap) >> 48) & 0xf))
#define PNVME_CAP_MPSMAX(cap) ((uint32_t)(((cap) >> 52) & 0xf))
#define PNVME_CAP_CSS_NVM 0x1u
#define PNVME_CAP_CRWMS (1ull << 59) /* NVMe 2.0: CRTO.CRWMT is reported */
#define PNVME_CAP_CRIMS (1ull << 60)

/* VS: Version. */
#define PNVME_VS(mjr, mnr, ter) (((uint32_t)(mjr) << 16) | ((uint32_t)(mnr) << 8) | (uint32_t)(ter))
#define PNVME_VS_MJR(vs) ((vs) >> 16)
#define PNVME_VS_MNR(vs) (((vs) >> 8) & 0xff)

/* CC: Controller Configuration. */
#define PNVME_CC_EN (1u << 0)
#define PNVME_CC_CSS_SHIFT 4
#define PNVME_CC_MPS_SHIFT 7
#define PNVME_CC_AMS_SHIFT 11
#define PNVME_CC_SHN_SHIFT 14
#define PNVME_CC_SHN_MASK (3u << PNVME_CC_SHN_SHIFT)
#define PNVME_CC_SHN_NORMAL (1u << PNVME_CC_SHN_SHIFT)
#define PNVME_CC_SHN_ABRUPT (2u << PNVME_CC_SHN_SHIFT)
#define PNVME_CC_IOSQES_SHIFT 16
#define PNVME_CC_IOCQES_SHIFT 20
#define PNVME_CC_MPS(cc) (((cc) >> PNVME_CC_MPS_SHIFT) & 0xf)
#define PNVME_CC_CSS(cc) (((cc) >> PNVME_CC_CSS_SHIFT) & 0x7)
#define PNVME_CC_IOSQES(cc) (((cc) >> PNVME_CC_IOSQES_SHIFT) & 0xf)
#define PNVME_CC_IOCQES(cc) (((cc) >> PNVME_CC_IOCQES_SHIFT) & 0xf)

/* CSTS: Controller Status. */
#define PNVME_CSTS_RDY (1u << 0)
#define PNVME_CSTS_CFS (1u << 1)
#define PNVME_CSTS_SHST_SHIFT 2
#define PNVME_CSTS_SHST_MASK (3u << PNVME_CSTS_SHST_SHIFT)
#define PNVME_CSTS_SHST_NORMAL (0u << PNVME_CSTS_SHST_SHIFT)
#define PNVME_CSTS_SHST_OCCURRING (1u << PNVME_CSTS_SHST_SHIFT)
#define PNVME_CSTS_SHST_COMPLETE (2u << PNVME_CSTS_SHST_SHIFT)

/* AQA: Admin Queue Attributes (sizes are 0's based). */
#define PNVME_AQA(asqs, acqs) ((((uint32_t)(acqs) - 1) << 16) | ((uint32_t)(asqs) - 1))
#define PNVME_AQA_ASQS(aqa) (((aqa) & 0xfff) + 1)
#define PNVME_AQA_ACQS(aqa) ((((aqa) >> 16) & 0xfff) + 1)

/* Byte offset of a doorbell: SQ tail is 2*qid, CQ head 2*qid+1, stride 4 << DSTRD. */
static inline uint32_t pnvme_doorbell_offset(uint16_t qid, int is_cq, uint32_t dstrd)
{
	return PNVME_REG_DBS + ((2u * qid + (is_cq ? 1u : 0u)) * (4u << dstrd));
}

/* ---------------------------------------------------------------- commands */

/* Submission Queue Entry: 64 bytes. */
/* An SGL descriptor (16 bytes; id is the descriptor type << 4 | subtype). */
struct pnvme_sgl_desc {
	uint64_t address;
	uint32_t length;
	uint8_t rsvd[3];
	uint8_t id;
};

struct pnvme_cmd {
	uint8_t opc;
	uint8_t fuse : 2;
	uint8_t rsvd1 : 4;
	uint8_t psdt : 2;
	uint16_t cid;
	uint32_t nsid;
	uint32_t cdw2;
	uint32_t cdw3;
	uint64_t mptr;
	union {
		struct {
			uint64_t prp1;
			uint64_t prp2;
		} prp;
		uint8_t sgl1[16];
		struct pnvme_sgl_desc sgl;
	} dptr;
	uint32_t cdw10;
	uint32_t cdw11;
	uint32_t cdw12;
	uint32_t cdw13;
	uint32_t cdw14;
	uint32_t cdw15;
};
PNVME_SPEC_ASSERT(sizeof(struct pnvme_cmd) == 64, "SQE is 64 bytes");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_cmd, cid) == 2, "CID at byte 2");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_cmd, nsid) == 4, "NSID at byte 4");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_cmd, mptr) == 16, "MPTR at byte 16");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_cmd, dptr) == 24, "DPTR at byte 24");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_cmd, cdw10) == 40, "CDW10 at byte 40");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_cmd, cdw15) == 60, "CDW15 at byte 60");

/* Status field (upper 16 bits of CQE dword 3, phase in bit 0). */
struct pnvme_status {
	uint16_t p : 1;   /* phase tag */
	uint16_t sc : 8;  /* status code */
	uint16_t sct : 3; /* status code type */
	uint16_t crd : 2; /* command retry delay */
	uint16_t m : 1;   /* more */
	uint16_t dnr : 1; /* do not retry */
};
PNVME_SPEC_ASSERT(sizeof(struct pnvme_status) == 2, "status field is 2 bytes");

/* Completion Queue Entry: 16 bytes. */
struct pnvme_cpl {
	uint32_t cdw0;
	uint32_t cdw1;
	uint16_t sqhd;
	uint16_t sqid;
	uint16_t cid;
	union {
		uint16_t status_raw;
		struct pnvme_status status;
	};
};
PNVME_SPEC_ASSERT(sizeof(struct pnvme_cpl) == 16, "CQE is 16 bytes");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_cpl, sqhd) == 8, "SQHD at byte 8");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_cpl, cid) == 12, "CID at byte 12");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_cpl, status_raw) == 14, "status at byte 14");

/* Raw status helpers: status_raw = P | SC << 1 | SCT << 9 | CRD << 12 | M << 14 | DNR << 15. */
#define PNVME_STATUS_RAW(sct, sc) ((uint16_t)(((uint16_t)(sct) << 9) | ((uint16_t)(sc) << 1)))
#define PNVME_STATUS_DNR_BIT ((uint16_t)(1u << 15))
#define PNVME_STATUS_PHASE_BIT ((uint16_t)1u)

/* Status Code Types. */
enum pnvme_sct {
	PNVME_SCT_GENERIC = 0x0,
	PNVME_SCT_COMMAND_SPECIFIC = 0x1,
	PNVME_SCT_MEDIA_ERROR = 0x2,
	PNVME_SCT_PATH = 0x3,
	PNVME_SCT_VENDOR_SPECIFIC = 0x7,
};

/* Generic Command Status. */
enum pnvme_sc_generic {
	PNVME_SC_SUCCESS = 0x00,
	PNVME_SC_INVALID_OPCODE = 0x01,
	PNVME_SC_INVALID_FIELD = 0x02,
	PNVME_SC_COMMAND_ID_CONFLICT = 0x03,
	PNVME_SC_DATA_TRANSFER_ERROR = 0x04,
	PNVME_SC_ABORTED_POWER_LOSS = 0x05,
	PNVME_SC_INTERNAL_DEVICE_ERROR = 0x06,
	PNVME_SC_ABORTED_BY_REQUEST = 0x07,
	PNVME_SC_ABORTED_SQ_DELETION = 0x08,
	PNVME_SC_ABORTED_FAILED_FUSED = 0x09,
	PNVME_SC_ABORTED_MISSING_FUSED = 0x0a,
	PNVME_SC_INVALID_NAMESPACE_OR_FORMAT = 0x0b,
	PNVME_SC_COMMAND_SEQUENCE_ERROR = 0x0c,
	PNVME_SC_INVALID_SGL_SEG_DESCRIPTOR = 0x0d,
	PNVME_SC_INVALID_NUM_SGL_DESCIRPTORS = 0x0e,
	PNVME_SC_DATA_SGL_LENGTH_INVALID = 0x0f,
	PNVME_SC_METADATA_SGL_LENGTH_INVALID = 0x10,
	PNVME_SC_SGL_DESCRIPTOR_TYPE_INVALID = 0x11,
	PNVME_SC_INVALID_CONTROLLER_MEM_BUF = 0x12,
	PNVME_SC_INVALID_PRP_OFFSET = 0x13,
	PNVME_SC_ATOMIC_WRITE_UNIT_EXCEEDED = 0x14,
	PNVME_SC_INVALID_SGL_OFFSET = 0x16,
	PNVME_SC_HOST_ID_INCONSISTENT = 0x18,
	PNVME_SC_ABORTED_PREEMPT = 0x1b,
	PNVME_SC_SANITIZE_FAILED = 0x1c,
	PNVME_SC_SANITIZE_IN_PROGRESS = 0x1d,
	PNVME_SC_SGL_DATA_BLOCK_GRANULARITY_INVALID = 0x1e,
	PNVME_SC_LBA_OUT_OF_RANGE = 0x80,
	PNVME_SC_CAPACITY_EXCEEDED = 0x81,
	PNVME_SC_NAMESPACE_NOT_READY = 0x82,
};

/* Command Specific Status. */
enum pnvme_sc_command_specific {
	PNVME_SC_COMPLETION_QUEUE_INVALID = 0x00,
	PNVME_SC_INVALID_QUEUE_IDENTIFIER = 0x01,
	PNVME_SC_INVALID_QUEUE_SIZE = 0x02,
	PNVME_SC_ABORT_COMMAND_LIMIT_EXCEEDED = 0x03,
	PNVME_SC_ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED = 0x05,
	PNVME_SC_INVALID_FIRMWARE_SLOT = 0x06,
	PNVME_SC_INVALID_FIRMWARE_IMAGE = 0x07,
	PNVME_SC_INVALID_LOG_PAGE = 0x09,
	PNVME_SC_INVALID_FORMAT = 0x0a,
	PNVME_SC_FW_REQUIRES_CONVENTIONAL_RESET = 0x0b,
	PNVME_SC_INVALID_QUEUE_DELETION = 0x0c,
	PNVME_SC_FEATURE_ID_NOT_SAVEABLE = 0x0d,
	PNVME_SC_FEATURE_NOT_CHANGEABLE = 0x0e,
	PNVME_SC_FEATURE_NOT_NS_SPECIFIC = 0x0f,
	PNVME_SC_OVERLAPPING_RANGE = 0x14,
	PNVME_SC_NS_INSUFFICIENT_CAPACITY = 0x15,
	PNVME_SC_NS_ID_UNAVAILABLE = 0x16,
	PNVME_SC_NS_ALREADY_ATTACHED = 0x18,
	PNVME_SC_NS_IS_PRIVATE = 0x19,
	PNVME_SC_NS_NOT_ATTACHED = 0x1a,
	PNVME_SC_CONTROLLER_LIST_INVALID = 0x1c,
	PNVME_SC_SELF_TEST_IN_PROGRESS = 0x1d,
	PNVME_SC_CONFLICTING_ATTRIBUTES = 0x80,
	PNVME_SC_INVALID_PROTECTION_INFO = 0x81,
	PNVME_SC_ATTEMPTED_WRITE_TO_RO_RANGE = 0x82,
};

/* Media and Data Integrity Errors. */
enum pnvme_sc_media_error {
	PNVME_SC_WRITE_FAULTS = 0x80,
	PNVME_SC_UNRECOVERED_READ_ERROR = 0x81,
	PNVME_SC_GUARD_CHECK_ERROR = 0x82,
	PNVME_SC_APPLICATION_TAG_CHECK_ERROR = 0x83,
	PNVME_SC_REFERENCE_TAG_CHECK_ERROR = 0x84,
	PNVME_SC_COMPARE_FAILURE = 0x85,
	PNVME_SC_ACCESS_DENIED = 0x86,
	PNVME_SC_DEALLOCATED_OR_UNWRITTEN_BLOCK = 0x87,
};

/* Admin opcodes. */
enum pnvme_admin_opcode {
	PNVME_OPC_DELETE_IO_SQ = 0x00,
	PNVME_OPC_CREATE_IO_SQ = 0x01,
	PNVME_OPC_GET_LOG_PAGE = 0x02,
	PNVME_OPC_DELETE_IO_CQ = 0x04,
	PNVME_OPC_CREATE_IO_CQ = 0x05,
	PNVME_OPC_IDENTIFY = 0x06,
	PNVME_OPC_ABORT = 0x08,
	PNVME_OPC_SET_FEATURES = 0x09,
	PNVME_OPC_GET_FEATURES = 0x0a,
	PNVME_OPC_ASYNC_EVENT_REQUEST = 0x0c,
	PNVME_OPC_NS_MANAGEMENT = 0x0d,
	PNVME_OPC_FIRMWARE_COMMIT = 0x10,
	PNVME_OPC_FIRMWARE_IMAGE_DOWNLOAD = 0x11,
	PNVME_OPC_DEVICE_SELF_TEST = 0x14,
	PNVME_OPC_NS_ATTACHMENT = 0x15,
	PNVME_OPC_KEEP_ALIVE = 0x18,
	PNVME_OPC_DOORBELL_BUFFER_CONFIG = 0x7c,
	PNVME_OPC_FORMAT_NVM = 0x80,
	PNVME_OPC_SANITIZE = 0x84,
};

/* NVM command set opcodes. */
enum pnvme_nvm_opcode {
	PNVME_OPC_FLUSH = 0x00,
	PNVME_OPC_WRITE = 0x01,
	PNVME_OPC_READ = 0x02,
	PNVME_OPC_WRITE_UNCORRECTABLE = 0x04,
	PNVME_OPC_COMPARE = 0x05,
	PNVME_OPC_WRITE_ZEROES = 0x08,
	PNVME_OPC_DATASET_MANAGEMENT = 0x09,
};

/* Identify CNS values. */
enum pnvme_identify_cns {
	PNVME_CNS_NS = 0x00,
	PNVME_CNS_CTRLR = 0x01,
	PNVME_CNS_ACTIVE_NS_LIST = 0x02,
	PNVME_CNS_NS_DESC_LIST = 0x03,
	PNVME_CNS_ALLOCATED_NS_LIST = 0x10,
	PNVME_CNS_NS_ALLOCATED = 0x11,   /* Identify Namespace of an allocated NSID */
	PNVME_CNS_NS_CTRLR_LIST = 0x12,  /* controllers attached to the NSID */
	PNVME_CNS_CTRLR_LIST = 0x13,     /* controllers in the subsystem */
};

/* Feature identifiers. */
enum pnvme_feat {
	PNVME_FEAT_ARBITRATION = 0x01,
	PNVME_FEAT_POWER_MANAGEMENT = 0x02,
	PNVME_FEAT_TEMPERATURE_THRESHOLD = 0x04,
	PNVME_FEAT_ERROR_RECOVERY = 0x05,
	PNVME_FEAT_VOLATILE_WRITE_CACHE = 0x06,
	PNVME_FEAT_NUMBER_OF_QUEUES = 0x07,
	PNVME_FEAT_INTERRUPT_COALESCING = 0x08,
	PNVME_FEAT_ASYNC_EVENT_CONFIG = 0x0b,
	PNVME_FEAT_TIMESTAMP = 0x0e,
	PNVME_FEAT_KEEP_ALIVE_TIMER = 0x0f,
};

/* Log page identifiers. */
enum pnvme_log_page {
	PNVME_LOG_PAGE_ERROR = 0x01,
	PNVME_LOG_PAGE_HEALTH = 0x02,
	PNVME_LOG_PAGE_FIRMWARE_SLOT = 0x03,
	PNVME_LOG_PAGE_CHANGED_NS = 0x04, /* up to 1024 NSIDs, 0xffffffff: more changed */
	PNVME_LOG_PAGE_SELF_TEST = 0x06,
	PNVME_LOG_PAGE_SANITIZE = 0x81,
};

/* Dataset Management attributes and range (16 bytes). */
#define PNVME_DSM_ATTR_DEALLOCATE (1u << 2)
struct pnvme_dsm_range {
	uint32_t attributes;
	uint32_t length; /* in logical blocks, not 0's based */
	uint64_t starting_lba;
};
PNVME_SPEC_ASSERT(sizeof(struct pnvme_dsm_range) == 16, "DSM range is 16 bytes");
#define PNVME_DSM_MAX_RANGES 256

/* SGL descriptors (16 bytes; the id byte is type << 4 | subtype). */
PNVME_SPEC_ASSERT(sizeof(struct pnvme_sgl_desc) == 16, "SGL descriptor is 16 bytes");
#define PNVME_SGL_TYPE_DATA_BLOCK 0x0
#define PNVME_SGL_TYPE_BIT_BUCKET 0x1
#define PNVME_SGL_TYPE_SEGMENT 0x2
#define PNVME_SGL_TYPE_LAST_SEGMENT 0x3
#define PNVME_SGL_SUBTYPE_ADDRESS 0x0
#define PNVME_SGL_ID(type, subtype) ((uint8_t)((type) << 4 | (subtype)))
/* PSDT: how DPTR (and MPTR) are to be read. */
#define PNVME_PSDT_PRP 0x0
#define PNVME_PSDT_SGL_MPTR_CONTIG 0x1 /* SGL for data, MPTR one buffer */
#define PNVME_PSDT_SGL_MPTR_SGL 0x2    /* SGL for data, MPTR the address of an SGL */
/* Identify Controller SGLS. */
#define PNVME_SGLS_SUPPORT(sgls) ((sgls) & 0x3) /* 0: none, 1: byte aligned, 2: dword aligned */
#define PNVME_SGLS_BYTE_ALIGNED 0x1u
#define PNVME_SGLS_DWORD_ALIGNED 0x2u
#define PNVME_SGLS_BIT_BUCKET (1u << 16)
#define PNVME_SGLS_MPTR_CONTIG_BYTE (1u << 17) /* MPTR buffer may be byte aligned (PSDT 01b) */
#define PNVME_SGLS_OVERSIZED (1u << 18)        /* an SGL may describe more than the transfer */
#define PNVME_SGLS_MPTR_SGL (1u << 19)
/* FUSE field of a command. */
#define PNVME_FUSE_FIRST 0x1
#define PNVME_FUSE_SECOND 0x2
#define PNVME_FUSE_NORMAL 0x0
/* Identify Controller FUSES and ONCS bits. */
#define PNVME_FUSES_COMPARE_AND_WRITE (1u << 0)
#define PNVME_ONCS_COMPARE (1u << 0)
/* Create I/O CQ/SQ dword 11 flags. */
#define PNVME_QUEUE_PHYS_CONTIG (1u << 0)
#define PNVME_CQ_IRQ_ENABLED (1u << 1)

/* Asynchronous event completion dword 0. */
#define PNVME_AER_TYPE(cdw0) ((cdw0) & 0x7)
#define PNVME_AER_INFO(cdw0) (((cdw0) >> 8) & 0xff)
#define PNVME_AER_LOG_PAGE(cdw0) (((cdw0) >> 16) & 0xff)
#define PNVME_AER_TYPE_ERROR 0
#define PNVME_AER_TYPE_SMART 1
#define PNVME_AER_TYPE_NOTICE 2
#define PNVME_AER_NOTICE_NS_ATTR_CHANGED 0x00
#define PNVME_AER_NOTICE_FW_ACTIVATION_STARTING 0x01
/* I/O Command Specific Status events (type 6h); their log page is the Sanitize Status log. */
#define PNVME_AER_TYPE_IO_SPECIFIC 6
#define PNVME_AER_IO_SANITIZE_COMPLETED 0x01
#define PNVME_AER_IO_SANITIZE_COMPLETED_DEALLOC 0x02 /* deallocated despite No-Deallocate */
/* OAES (Identify Controller) and Async Event Configuration bits. */
#define PNVME_OAES_NS_ATTR (1u << 8)
#define PNVME_OAES_FW_ACTIVATION (1u << 9)
#define PNVME_AEC_SMART_CRITICAL 0xffu /* one bit per SMART critical warning */
/* Get Log Page: Retain Asynchronous Event (cdw10 bit 15). */
#define PNVME_LOG_RAE (1u << 15)

/* Format NVM CDW10. */
#define PNVME_FORMAT_LBAF(i) (((uint32_t)(i) & 0xf) | ((((uint32_t)(i) >> 4) & 0x3) << 12))
#define PNVME_FORMAT_MSET (1u << 4)
#define PNVME_FORMAT_PI(t) (((uint32_t)(t) & 0x7) << 5)
#define PNVME_FORMAT_PIL (1u << 8)
#define PNVME_FORMAT_SES(s) (((uint32_t)(s) & 0x7) << 9)
#define PNVME_FORMAT_CDW10_LBAF(cdw10) (((cdw10) & 0xf) | ((((cdw10) >> 12) & 0x3) << 4))
#define PNVME_FORMAT_CDW10_SES(cdw10) (((cdw10) >> 9) & 0x7)
/* Sanitize CDW10 and Identify SANICAP. */
#define PNVME_SANACT_EXIT_FAILURE 1
#define PNVME_SANACT_BLOCK_ERASE 2
#define PNVME_SANACT_OVERWRITE 3
#define PNVME_SANACT_CRYPTO_ERASE 4
#define PNVME_SANITIZE_AUSE (1u << 3)
#define PNVME_SANITIZE_OWPASS(n) (((uint32_t)(n) & 0xf) << 4)
#define PNVME_SANITIZE_OIPBP (1u << 8)
#define PNVME_SANITIZE_NDAS (1u << 9)
#define PNVME_SANICAP_CES (1u << 0)
#define PNVME_SANICAP_BES (1u << 1)
#define PNVME_SANICAP_OWS (1u << 2)
/* Sanitize Status (SSTAT) bits 2:0, the state of the latest sanitize operation. */
#define PNVME_SSTAT_NEVER 0
#define PNVME_SSTAT_COMPLETED 1
#define PNVME_SSTAT_IN_PROGRESS 2
#define PNVME_SSTAT_FAILED 3
#define PNVME_SSTAT_COMPLETED_ND 4
#define PNVME_SSTAT_STATE(s) ((s) & 0x7)
#define PNVME_SSTAT_PASSES(s) (((s) >> 3) & 0x1f)
#define PNVME_SSTAT_GLOBAL_ERASED (1u << 8)
/* Firmware Commit CDW10: slot (FS) and Commit Action (CA); Identify FRMW. */
#define PNVME_FW_COMMIT(slot, ca) (((uint32_t)(slot) & 0x7) | (((uint32_t)(ca) & 0x7) << 3))
#define PNVME_FW_CA_REPLACE 0          /* download into the slot, not activated */
#define PNVME_FW_CA_REPLACE_ACTIVATE 1 /* ... and activated at the next reset */
#define PNVME_FW_CA_ACTIVATE 2         /* the slot's image activated at the next reset */
#define PNVME_FW_CA_ACTIVATE_NOW 3     /* replace and activate without a reset */
#define PNVME_FRMW_SLOT1_RO (1u << 0)
#define PNVME_FRMW_NUM_SLOTS(frmw) (((frmw) >> 1) & 0x7)
#define PNVME_FRMW_ACTIVATE_NO_RESET (1u << 4)
/* Namespace Management / Attachment CDW10 SEL. */
#define PNVME_NS_MGMT_CREATE 0
#define PNVME_NS_MGMT_DELETE 1
#define PNVME_NS_ATTACH 0
#define PNVME_NS_DETACH 1
/* A controller list (Namespace Attachment's data, Identify CNS 12h/13h): 4096 bytes. */
struct pnvme_ctrlr_list {
	uint16_t num;
	uint16_t ids[2047];
};
/* Device Self-test CDW10 Self-test Code. */
#define PNVME_DST_SHORT 0x1
#define PNVME_DST_EXTENDED 0x2
#define PNVME_DST_ABORT 0xf

/* ---------------------------------------------------------------- identify */

struct pnvme_power_state {
	uint16_t mp;
	uint8_t rsvd2;
	uint8_t flags;
	uint32_t enlat;
	uint32_t exlat;
	uint8_t rrt, rrl, rwt, rwl;
	uint16_t idlp;
	uint8_t ips;
	uint8_t rsvd19;
	uint16_t actp;
	uint8_t apw_aps;
	uint8_t rsvd23[9];
};
PNVME_SPEC_ASSERT(sizeof(struct pnvme_power_state) == 32, "power state is 32 bytes");

/* Identify Controller data structure: 4096 bytes. */
struct pnvme_ctrlr_data {
	uint16_t vid;
	uint16_t ssvid;
	char sn[20];
	char mn[40];
	char fr[8];
	uint8_t rab;
	uint8_t ieee[3];
	uint8_t cmic;
	uint8_t mdts; /* 2^mdts * minimum page size; 0 = no limit */
	uint16_t cntlid;
	uint32_t ver;
	uint32_t rtd3r;
	uint32_t rtd3e;
	uint32_t oaes;
	uint32_t ctratt;
	uint16_t rrls;
	uint8_t rsvd102[9];
	uint8_t cntrltype;
	uint8_t fguid[16];
	uint16_t crdt1, crdt2, crdt3;
	uint8_t rsvd134[122];
	/* admin command set attributes: offset 256 */
	uint16_t oacs;
	uint8_t acl;  /* abort command limit, 0's based */
	uint8_t aerl; /* async event request limit, 0's based */
	uint8_t frmw;
	uint8_t lpa;
	uint8_t elpe;
	uint8_t npss;
	uint8_t avscc;
	uint8_t apsta;
	uint16_t wctemp;
	uint16_t cctemp;
	uint16_t mtfa;
	uint32_t hmpre;
	uint32_t hmmin;
	uint8_t tnvmcap[16];
	uint8_t unvmcap[16];
	uint32_t rpmbs;
	uint16_t edstt;
	uint8_t dsto;
	uint8_t fwug;
	uint16_t kas; /* keep alive support, 100 ms units */
	uint16_t hctma;
	uint16_t mntmt;
	uint16_t mxtmt;
	uint32_t sanicap;
	uint32_t hmminds;
	uint16_t hmmaxd;
	uint16_t nsetidmax;
	uint16_t endgidmax;
	uint8_t anatt;
	uint8_t anacap;
	uint32_t anagrpmax;
	uint32_t nanagrpid;
	uint32_t pels;
	uint8_t rsvd356[156];
	/* NVM command set attributes: offset 512 */
	uint8_t sqes;
	uint8_t cqes;
	uint16_t maxcmd;
	uint32_t nn;
	uint16_t oncs;
	uint16_t fuses;
	uint8_t fna;
	uint8_t vwc;
	uint16_t awun;
	uint16_t awupf;
	uint8_t nvscc;
	uint8_t nwpc;
	uint16_t acwu;
	uint16_t rsvd534;
	uint32_t sgls;
	uint32_t mnan;
	uint8_t rsvd544[224];
	char subnqn[256];
	uint8_t rsvd1024[1024];
	struct pnvme_power_state psd[32];
	uint8_t vs[1024];
};
PNVME_SPEC_ASSERT(sizeof(struct pnvme_ctrlr_data) == 4096, "identify controller is 4 KiB");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, sn) == 4, "SN at byte 4");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, mn) == 24, "MN at byte 24");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, fr) == 64, "FR at byte 64");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, mdts) == 77, "MDTS at byte 77");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, ver) == 80, "VER at byte 80");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, oaes) == 92, "OAES at byte 92");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, cntrltype) == 111, "CNTRLTYPE at 111");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, oacs) == 256, "OACS at byte 256");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, kas) == 320, "KAS at byte 320");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, sqes) == 512, "SQES at byte 512");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, nn) == 516, "NN at byte 516");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, oncs) == 520, "ONCS at byte 520");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, vwc) == 525, "VWC at byte 525");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, sgls) == 536, "SGLS at byte 536");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, subnqn) == 768, "SUBNQN at byte 768");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, psd) == 2048, "PSD0 at byte 2048");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ctrlr_data, vs) == 3072, "vendor area at 3072");

/* OACS bits. */
#define PNVME_OACS_SECURITY (1u << 0)
#define PNVME_OACS_FORMAT (1u << 1)
#define PNVME_OACS_FIRMWARE (1u << 2)
#define PNVME_OACS_NS_MANAGEMENT (1u << 3)
#define PNVME_OACS_DOORBELL_BUFFER_CONFIG (1u << 8)
/* ONCS bits. */
#define PNVME_ONCS_WRITE_UNCORRECTABLE (1u << 1)
#define PNVME_ONCS_DSM (1u << 2)
#define PNVME_ONCS_WRITE_ZEROES (1u << 3)
#define PNVME_ONCS_TIMESTAMP (1u << 6)
#define PNVME_ONCS_COPY (1u << 8)

/* LBA Format descriptor. */
struct pnvme_lbaf {
	uint16_t ms;   /* metadata size */
	uint8_t lbads; /* LBA data size, 2^n bytes */
	uint8_t rp : 2;
	uint8_t rsvd : 6;
};
PNVME_SPEC_ASSERT(sizeof(struct pnvme_lbaf) == 4, "LBA format is 4 bytes");

/* Identify Namespace data structure (NVM command set): 4096 bytes. */
struct pnvme_ns_data {
	uint64_t nsze;
	uint64_t ncap;
	uint64_t nuse;
	uint8_t nsfeat;
	uint8_t nlbaf; /* 0's based */
	uint8_t flbas; /* bits 3:0 index of the format in use */
	uint8_t mc;
	uint8_t dpc;
	uint8_t dps;
	uint8_t nmic;
	uint8_t rescap;
	uint8_t fpi;
	uint8_t dlfeat;
	uint16_t nawun;
	uint16_t nawupf;
	uint16_t nacwu;
	uint16_t nabsn;
	uint16_t nabo;
	uint16_t nabspf;
	uint16_t noiob; /* namespace optimal I/O boundary, in blocks */
	uint8_t nvmcap[16];
	uint16_t npwg;
	uint16_t npwa;
	uint16_t npdg;
	uint16_t npda;
	uint16_t nows;
	uint8_t rsvd74[18];
	uint32_t anagrpid;
	uint8_t rsvd96[3];
	uint8_t nsattr;
	uint16_t nvmsetid;
	uint16_t endgid;
	uint8_t nguid[16];
	uint8_t eui64[8];
	struct pnvme_lbaf lbaf[64];
	uint8_t rsvd384[3712];
};
PNVME_SPEC_ASSERT(sizeof(struct pnvme_ns_data) == 4096, "identify namespace is 4 KiB");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ns_data, nlbaf) == 25, "NLBAF at byte 25");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ns_data, flbas) == 26, "FLBAS at byte 26");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ns_data, dlfeat) == 33, "DLFEAT at byte 33");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ns_data, noiob) == 46, "NOIOB at byte 46");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ns_data, nvmcap) == 48, "NVMCAP at byte 48");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ns_data, anagrpid) == 92, "ANAGRPID at byte 92");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ns_data, nguid) == 104, "NGUID at byte 104");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ns_data, eui64) == 120, "EUI64 at byte 120");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_ns_data, lbaf) == 128, "LBAF0 at byte 128");

#define PNVME_NSFEAT_OPTPERF (1u << 4)
/* The format in use: bits 3:0, and (NVMe 2.0, more than 16 formats) bits 6:5 above them. */
#define PNVME_FLBAS_FORMAT(flbas) (((flbas) & 0xf) | (((flbas) & 0x60) >> 1))
#define PNVME_FLBAS_EXTENDED (1u << 4) /* metadata at the end of each block's data */
#define PNVME_DPS_PI_TYPE(dps) ((dps) & 0x7)
#define PNVME_DPS_PI_FIRST (1u << 3) /* PI in the first 8 bytes of the metadata, not the last */
#define PNVME_MC_EXTENDED (1u << 0)  /* metadata as part of an extended data LBA */
#define PNVME_MC_SEPARATE (1u << 1)  /* metadata in a separate buffer (MPTR) */
#define PNVME_DPC_TYPE1 (1u << 0)
#define PNVME_DPC_TYPE2 (1u << 1)
#define PNVME_DPC_TYPE3 (1u << 2)
#define PNVME_DPC_FIRST (1u << 3)
#define PNVME_DPC_LAST (1u << 4)

/*
 * Protection information: 8 bytes at the start or end of each block's
 * metadata, every field big-endian: a CRC-16 T10-DIF guard over the block's
 * data, an application tag, and a reference tag.
 */
struct pnvme_pi {
	uint16_t guard;
	uint16_t app_tag;
	uint32_t ref_tag;
};
PNVME_SPEC_ASSERT(sizeof(struct pnvme_pi) == 8, "protection information is 8 bytes");
/* CDW12 PRINFO of Read/Write/Compare: PRACT and the three checks. */
#define PNVME_PRINFO_PRCHK_REFTAG (1u << 26)
#define PNVME_PRINFO_PRCHK_APPTAG (1u << 27)
#define PNVME_PRINFO_PRCHK_GUARD (1u << 28)
#define PNVME_PRINFO_PRACT (1u << 29)
#define PNVME_PRINFO_PRCHK_MASK (7u << 26)
/* Escape values: an application tag of FFFFh (types 1 and 2), or FFFFh with a
 * reference tag of FFFFFFFFh (type 3), turns every check of that block off. */
#define PNVME_PI_APP_TAG_ESCAPE 0xffffu
#define PNVME_PI_REF_TAG_ESCAPE 0xffffffffu
/* CDW15 of Read/Write/Compare/Write Zeroes: (expected) application tag and its mask. */
#define PNVME_CDW15_APP_TAG(cdw15) ((uint16_t)((cdw15) & 0xffff))
#define PNVME_CDW15_APP_MASK(cdw15) ((uint16_t)((cdw15) >> 16))
/* DLFEAT: what a deallocated block reads as. */
#define PNVME_DLFEAT_READ_ZEROES 0x1u
#define PNVME_DLFEAT_WRITE_ZEROES_DEALLOC (1u << 3)
#define PNVME_DLFEAT_GUARD_CRC (1u << 4) /* PI guard = CRC of what is read, not FFFFh */

/* Namespace Identification Descriptor header (CNS 3). */
struct pnvme_ns_id_desc {
	uint8_t nidt;
	uint8_t nidl;
	uint16_t rsvd;
	uint8_t nid[];
};
PNVME_SPEC_ASSERT(sizeof(struct pnvme_ns_id_desc) == 4, "NS ID descriptor header is 4 bytes");
enum pnvme_nidt {
	PNVME_NIDT_EUI64 = 1,
	PNVME_NIDT_NGUID = 2,
	PNVME_NIDT_UUID = 3,
	PNVME_NIDT_CSI = 4,
};

/* ---------------------------------------------------------------- log pages */

/* Error Information log entry: 64 bytes. */
struct pnvme_error_log_entry {
	uint64_t error_count;
	uint16_t sqid;
	uint16_t cid;
	uint16_t status;
	uint16_t error_location;
	uint64_t lba;
	uint32_t nsid;
	uint8_t vendor_specific;
	uint8_t trtype;
	uint8_t rsvd30[2];
	uint64_t command_specific;
	uint16_t trtype_specific;
	uint8_t rsvd42[22];
};
PNVME_SPEC_ASSERT(sizeof(struct pnvme_error_log_entry) == 64, "error log entry is 64 bytes");

/* SMART / Health Information log page: 512 bytes. */
struct pnvme_health_log {
	uint8_t critical_warning;
	uint16_t temperature; /* Kelvin; unaligned in the spec */
	uint8_t available_spare;
	uint8_t available_spare_threshold;
	uint8_t percentage_used;
	uint8_t endurance_group_critical_warning;
	uint8_t rsvd7[25];
	uint8_t data_units_read[16];
	uint8_t data_units_written[16];
	uint8_t host_read_commands[16];
	uint8_t host_write_commands[16];
	uint8_t controller_busy_time[16];
	uint8_t power_cycles[16];
	uint8_t power_on_hours[16];
	uint8_t unsafe_shutdowns[16];
	uint8_t media_errors[16];
	uint8_t num_error_info_log_entries[16];
	uint32_t warning_temp_time;
	uint32_t critical_temp_time;
	uint16_t temp_sensor[8];
	uint8_t rsvd216[296];
} __attribute__((packed));
PNVME_SPEC_ASSERT(sizeof(struct pnvme_health_log) == 512, "SMART log is 512 bytes");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_health_log, temperature) == 1, "temperature at byte 1");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_health_log, data_units_read) == 32, "DUR at byte 32");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_health_log, host_read_commands) == 64, "HRC at 64");
PNVME_SPEC_ASSERT(offsetof(struct pnvme_health_log, warning_temp_time) == 192, "WCTT at 192");

/* Firmware Slot Information log page: 512 bytes. */
struct pnvme_firmware_log {
	uint8_t afi;
	uint8_t rsvd1[7];
	char frs[7][8];
	uint8_t rsvd64[448];
};
PNVME_SPEC_ASSERT(sizeof(struct pnvme_firmware_log) == 512, "firmware slot log is 512 bytes");

/* Sanitize Status log page (81h): 512 bytes. */
struct pnvme_sanitize_log {
	uint16_t sprog; /* progress, of 65536 */
	uint16_t sstat;
	uint32_t scdw10;
	uint32_t eto;   /* estimated seconds: overwrite, block erase, crypto erase */
	uint32_t etbe;
	uint32_t etce;
	uint32_t etond; /* ... the same with No-Deallocate After Sanitize */
	uint32_t etbend;
	uint32_t etcend;
	uint8_t rsvd32[480];
};
PNVME_SPEC_ASSERT(sizeof(struct pnvme_sanitize_log) == 512, "sanitize log is 512 bytes");

/* One Device Self-test result (28 bytes); the log (06h) holds the 20 newest. */
struct pnvme_self_test_result {
	uint8_t dsts; /* bits 3:0 result (Fh: unused entry), 7:4 the self-test code */
	uint8_t seg;
	uint8_t vdi;  /* valid: bit 0 NSID, 1 FLBA, 2 SCT, 3 SC */
	uint8_t rsvd3;
	uint64_t poh;
	uint32_t nsid;
	uint64_t flba;
	uint8_t sct;
	uint8_t sc;
	uint8_t vs[2];
} __attribute__((packed));
PNVME_SPEC_ASSERT(sizeof(struct pnvme_self_test_result) == 28, "self-test result is 28 bytes");
#define PNVME_DST_RESULT_UNUSED 0xf
/* Device Self-test result codes (DSTS bits 3:0) other than 0h (completed without error). */
#define PNVME_DST_RESULT_ABORTED_CMD 0x1   /* by a Device Self-test command (code Fh) */
#define PNVME_DST_RESULT_ABORTED_RESET 0x2 /* by a Controller Level Reset */
struct pnvme_self_test_log {
	uint8_t current_operation; /* 0: none, else the code of the test running */
	uint8_t completion;        /* percent done of the one running */
	uint8_t rsvd2[2];
	struct pnvme_self_test_result result[20];
} __attribute__((packed));
PNVME_SPEC_ASSERT(sizeof(struct pnvme_self_test_log) == 564, "self-test log is 564 bytes");

#endif /* PNVME_NVME_SPEC_H */
