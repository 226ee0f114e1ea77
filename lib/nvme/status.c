/* SPDX-License-Identifier: BSD-3-Clause */
/* Names for completion statuses. */
#include "pnvme/nvme.h"

struct status_name {
	uint8_t sct;
	uint8_t sc;
	const char *name;
};

static const struct status_name names[] = {
	{PNVME_SCT_GENERIC, PNVME_SC_SUCCESS, "Successful Completion"},
	{PNVME_SCT_GENERIC, PNVME_SC_INVALID_OPCODE, "Invalid Command Opcode"},
	{PNVME_SCT_GENERIC, PNVME_SC_INVALID_FIELD, "Invalid Field in Command"},
	{PNVME_SCT_GENERIC, PNVME_SC_COMMAND_ID_CONFLICT, "Command ID Conflict"},
	{PNVME_SCT_GENERIC, PNVME_SC_DATA_TRANSFER_ERROR, "Data Transfer Error"},
	{PNVME_SCT_GENERIC, PNVME_SC_ABORTED_POWER_LOSS, "Commands Aborted due to Power Loss"},
	{PNVME_SCT_GENERIC, PNVME_SC_INTERNAL_DEVICE_ERROR, "Internal Error"},
	{PNVME_SCT_GENERIC, PNVME_SC_ABORTED_BY_REQUEST, "Command Abort Requested"},
	{PNVME_SCT_GENERIC, PNVME_SC_ABORTED_SQ_DELETION, "Command Aborted due to SQ Deletion"},
	{PNVME_SCT_GENERIC, PNVME_SC_ABORTED_FAILED_FUSED, "Command Aborted due to Failed Fused"},
	{PNVME_SCT_GENERIC, PNVME_SC_ABORTED_MISSING_FUSED, "Command Aborted due to Missing Fused"},
	{PNVME_SCT_GENERIC, PNVME_SC_INVALID_NAMESPACE_OR_FORMAT, "Invalid Namespace or Format"},
	{PNVME_SCT_GENERIC, PNVME_SC_COMMAND_SEQUENCE_ERROR, "Command Sequence Error"},
	{PNVME_SCT_GENERIC, PNVME_SC_INVALID_SGL_SEG_DESCRIPTOR, "Invalid SGL Segment Descriptor"},
	{PNVME_SCT_GENERIC, PNVME_SC_DATA_SGL_LENGTH_INVALID, "Data SGL Length Invalid"},
	{PNVME_SCT_GENERIC, PNVME_SC_INVALID_PRP_OFFSET, "Invalid PRP Offset"},
	{PNVME_SCT_GENERIC, PNVME_SC_SANITIZE_FAILED, "Sanitize Failed"},
	{PNVME_SCT_GENERIC, PNVME_SC_SANITIZE_IN_PROGRESS, "Sanitize In Progress"},
	{PNVME_SCT_GENERIC, PNVME_SC_LBA_OUT_OF_RANGE, "LBA Out of Range"},
	{PNVME_SCT_GENERIC, PNVME_SC_CAPACITY_EXCEEDED, "Capacity Exceeded"},
	{PNVME_SCT_GENERIC, PNVME_SC_NAMESPACE_NOT_READY, "Namespace Not Ready"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_COMPLETION_QUEUE_INVALID, "Completion Queue Invalid"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_INVALID_QUEUE_IDENTIFIER, "Invalid Queue Identifier"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_INVALID_QUEUE_SIZE, "Invalid Queue Size"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_ABORT_COMMAND_LIMIT_EXCEEDED,
	 "Abort Command Limit Exceeded"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_ASYNC_EVENT_REQUEST_LIMIT_EXCEEDED,
	 "Asynchronous Event Request Limit Exceeded"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_INVALID_FIRMWARE_SLOT, "Invalid Firmware Slot"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_INVALID_FIRMWARE_IMAGE, "Invalid Firmware Image"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_INVALID_LOG_PAGE, "Invalid Log Page"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_INVALID_FORMAT, "Invalid Format"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_FW_REQUIRES_CONVENTIONAL_RESET,
	 "Firmware Activation Requires Conventional Reset"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_INVALID_QUEUE_DELETION, "Invalid Queue Deletion"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_FEATURE_ID_NOT_SAVEABLE, "Feature Not Saveable"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_FEATURE_NOT_CHANGEABLE, "Feature Not Changeable"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_FEATURE_NOT_NS_SPECIFIC,
	 "Feature Not Namespace Specific"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_OVERLAPPING_RANGE, "Overlapping Range"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_NS_INSUFFICIENT_CAPACITY,
	 "Namespace Insufficient Capacity"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_NS_ID_UNAVAILABLE, "Namespace Identifier Unavailable"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_NS_ALREADY_ATTACHED, "Namespace Already Attached"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_NS_IS_PRIVATE, "Namespace Is Private"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_NS_NOT_ATTACHED, "Namespace Not Attached"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_CONTROLLER_LIST_INVALID, "Controller List Invalid"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_SELF_TEST_IN_PROGRESS,
	 "Device Self-test In Progress"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_CONFLICTING_ATTRIBUTES, "Conflicting Attributes"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_INVALID_PROTECTION_INFO, "Invalid Protection Information"},
	{PNVME_SCT_COMMAND_SPECIFIC, PNVME_SC_ATTEMPTED_WRITE_TO_RO_RANGE,
	 "Attempted Write to Read Only Range"},
	{PNVME_SCT_MEDIA_ERROR, PNVME_SC_WRITE_FAULTS, "Write Fault"},
	{PNVME_SCT_MEDIA_ERROR, PNVME_SC_UNRECOVERED_READ_ERROR, "Unrecovered Read Error"},
	{PNVME_SCT_MEDIA_ERROR, PNVME_SC_GUARD_CHECK_ERROR, "End-to-end Guard Check Error"},
	{PNVME_SCT_MEDIA_ERROR, PNVME_SC_APPLICATION_TAG_CHECK_ERROR,
	 "End-to-end Application Tag Check Error"},
	{PNVME_SCT_MEDIA_ERROR, PNVME_SC_REFERENCE_TAG_CHECK_ERROR,
	 "End-to-end Reference Tag Check Error"},
	{PNVME_SCT_MEDIA_ERROR, PNVME_SC_COMPARE_FAILURE, "Compare Failure"},
	{PNVME_SCT_MEDIA_ERROR, PNVME_SC_ACCESS_DENIED, "Access Denied"},
	{PNVME_SCT_MEDIA_ERROR, PNVME_SC_DEALLOCATED_OR_UNWRITTEN_BLOCK,
	 "Deallocated or Unwritten Logical Block"},
};

const char *pnvme_status_str(uint8_t sct, uint8_t sc)
{
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].sct == sct && names[i].sc == sc)
			return names[i].name;
	}
	switch (sct) {
	case PNVME_SCT_GENERIC:
		return "Unknown Generic Status";
	case PNVME_SCT_COMMAND_SPECIFIC:
		return "Unknown Command Specific Status";
	case PNVME_SCT_MEDIA_ERROR:
		return "Unknown Media Error";
	case PNVME_SCT_PATH:
		return "Path Related Status";
	case PNVME_SCT_VENDOR_SPECIFIC:
		return "Vendor Specific Status";
	default:
		return "Reserved Status Code Type";
	}
}
