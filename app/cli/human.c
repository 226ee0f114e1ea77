/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -H decoding of Identify Controller and Identify Namespace bit fields
 * (NVMe Base 2.0, Figures "Identify Controller Data Structure" and "Identify
 * Namespace Data Structure"): the meaning of each bit, in this tool's words.
 */
#include <stdio.h>
#include <string.h>

#include "human.h"

static const char *const g_sgls[] = {"SGLs Not Supported", "SGLs Supported, any alignment",
				     "SGLs Supported, Dword alignment", NULL};
static const char *const g_vwc_flush[] = {"Flush with NSID FFFFFFFFh: Not Reported", "Reserved",
					  "Flush with NSID FFFFFFFFh: Not Supported",
					  "Flush with NSID FFFFFFFFh: Supported", NULL};
static const char *const g_pi_type[] = {"Protection Information Disabled",
					"Protection Information Type 1", "Protection Information Type 2",
					"Protection Information Type 3", NULL};
static const char *const g_nodmmas[] = {"Media after No-Deallocate sanitize: Not Reported",
					"Media after No-Deallocate sanitize: Not Modified",
					"Media after No-Deallocate sanitize: Modified", "Reserved", NULL};

#define SUP(f, b, w) {f, b, b, B_SUP, w, NULL}
#define FLAG(f, b, w) {f, b, b, B_FLAG, w, NULL}
#define NUM(f, h, l, w) {f, h, l, B_NUM, w, NULL}
#define ENUM(f, h, l, n) {f, h, l, B_ENUM, NULL, n}

const struct bits g_ctrl_bits[] = {
	FLAG("cmic", 3, "ANA Reporting"), FLAG("cmic", 2, "SR-IOV Virtual Function"),
	FLAG("cmic", 1, "Two or More Controllers in the NVM Subsystem"),
	FLAG("cmic", 0, "Two or More PCIe Ports"),
	SUP("oaes", 31, "Discovery Log Page Change Notice"),
	SUP("oaes", 27, "Zone Descriptor Changed Notice"),
	SUP("oaes", 15, "Normal NVM Subsystem Shutdown Event"),
	SUP("oaes", 14, "Endurance Group Event Aggregate Log Page Change Notice"),
	SUP("oaes", 13, "LBA Status Information Notice"),
	SUP("oaes", 12, "Predictable Latency Event Aggregate Log Change Notice"),
	SUP("oaes", 11, "Asymmetric Namespace Access Change Notice"),
	SUP("oaes", 9, "Firmware Activation Notice"),
	SUP("oaes", 8, "Namespace Attribute Changed Notice"),
	SUP("ctratt", 15, "Extended LBA Formats"), SUP("ctratt", 14, "Delete NVM Set"),
	SUP("ctratt", 13, "Delete Endurance Group"),
	SUP("ctratt", 12, "Variable Capacity Management"),
	SUP("ctratt", 11, "Fixed Capacity Management"), SUP("ctratt", 10, "Multi-Domain Subsystem"),
	SUP("ctratt", 9, "UUID List"), SUP("ctratt", 8, "SQ Associations"),
	SUP("ctratt", 7, "Namespace Granularity"), SUP("ctratt", 6, "Traffic Based Keep Alive"),
	SUP("ctratt", 5, "Predictable Latency Mode"), SUP("ctratt", 4, "Endurance Groups"),
	SUP("ctratt", 3, "Read Recovery Levels"), SUP("ctratt", 2, "NVM Sets"),
	SUP("ctratt", 1, "Non-Operational Power State Permissive Mode"),
	SUP("ctratt", 0, "128-bit Host Identifier"),
	SUP("oacs", 10, "Command and Feature Lockdown"), SUP("oacs", 9, "Get LBA Status"),
	SUP("oacs", 8, "Doorbell Buffer Config"), SUP("oacs", 7, "Virtualization Management"),
	SUP("oacs", 6, "NVMe-MI Send and Receive"), SUP("oacs", 5, "Directives"),
	SUP("oacs", 4, "Device Self-test"), SUP("oacs", 3, "Namespace Management and Attachment"),
	SUP("oacs", 2, "Firmware Commit and Image Download"), SUP("oacs", 1, "Format NVM"),
	SUP("oacs", 0, "Security Send and Receive"),
	SUP("frmw", 5, "Multiple Update Detection"),
	SUP("frmw", 4, "Firmware Activation Without Reset"),
	NUM("frmw", 3, 1, "Number of Firmware Slots"), FLAG("frmw", 0, "Firmware Slot 1 Read-Only"),
	SUP("lpa", 6, "Telemetry Data Area 4"),
	SUP("lpa", 5, "Supported Log Pages and Feature Identifiers Supported logs"),
	SUP("lpa", 4, "Persistent Event log"), SUP("lpa", 3, "Telemetry Host/Controller-Initiated logs"),
	SUP("lpa", 2, "Extended Data for Get Log Page (offsets)"),
	SUP("lpa", 1, "Commands Supported and Effects log"),
	SUP("lpa", 0, "SMART / Health log per Namespace"),
	ENUM("sanicap", 31, 30, g_nodmmas), FLAG("sanicap", 29, "No-Deallocate Inhibited"),
	SUP("sanicap", 2, "Overwrite Sanitize"), SUP("sanicap", 1, "Block Erase Sanitize"),
	SUP("sanicap", 0, "Crypto Erase Sanitize"),
	SUP("oncs", 8, "Copy"), SUP("oncs", 7, "Verify"), SUP("oncs", 6, "Timestamp"),
	SUP("oncs", 5, "Reservations"), SUP("oncs", 4, "Save and Select in Set/Get Features"),
	SUP("oncs", 3, "Write Zeroes"), SUP("oncs", 2, "Dataset Management"),
	SUP("oncs", 1, "Write Uncorrectable"), SUP("oncs", 0, "Compare"),
	SUP("fuses", 0, "Fused Compare and Write"),
	FLAG("fna", 3, "Format NVM with NSID FFFFFFFFh Refused"),
	SUP("fna", 2, "Cryptographic Erase as part of a Secure Erase"),
	FLAG("fna", 1, "Secure Erase Applies to All Namespaces"),
	FLAG("fna", 0, "Format Applies to All Namespaces"),
	ENUM("vwc", 2, 1, g_vwc_flush), FLAG("vwc", 0, "Volatile Write Cache Present"),
	SUP("sgls", 21, "Transport SGL Data Block"), SUP("sgls", 20, "SGL Address as an Offset"),
	SUP("sgls", 19, "MPTR holding one SGL Descriptor"),
	SUP("sgls", 18, "SGL Length Larger than the Data"),
	SUP("sgls", 17, "Byte-Aligned Contiguous Metadata Buffer"),
	SUP("sgls", 16, "SGL Bit Bucket Descriptor"), SUP("sgls", 2, "Keyed SGL Data Block"),
	ENUM("sgls", 1, 0, g_sgls),
	{"wctemp", 15, 0, B_TEMP, NULL, NULL}, {"cctemp", 15, 0, B_TEMP, NULL, NULL},
	{"mntmt", 15, 0, B_TEMP, NULL, NULL}, {"mxtmt", 15, 0, B_TEMP, NULL, NULL},
	NUM("sqes", 7, 4, "Max SQ Entry Size (2^n bytes)"),
	NUM("sqes", 3, 0, "Min SQ Entry Size (2^n bytes)"),
	NUM("cqes", 7, 4, "Max CQ Entry Size (2^n bytes)"),
	NUM("cqes", 3, 0, "Min CQ Entry Size (2^n bytes)"),
	{NULL, 0, 0, B_SUP, NULL, NULL},
};

const struct bits g_ns_bits[] = {
	FLAG("nsfeat", 4, "NPWG, NPWA, NPDG, NPDA and NOWS Fields Valid"),
	FLAG("nsfeat", 3, "NGUID and EUI64 Never Reused"),
	SUP("nsfeat", 2, "Deallocated or Unwritten Logical Block Error"),
	FLAG("nsfeat", 1, "NAWUN, NAWUPF and NACWU Fields Valid"),
	SUP("nsfeat", 0, "Thin Provisioning"),
	NUM("flbas", 6, 5, "LBA Format Index, bits 5:4"),
	FLAG("flbas", 4, "Metadata at the End of the Data LBA (extended)"),
	NUM("flbas", 3, 0, "LBA Format Index, bits 3:0"),
	SUP("mc", 1, "Metadata in a Separate Buffer"),
	SUP("mc", 0, "Metadata as Part of an Extended LBA"),
	SUP("dpc", 4, "Protection Information in the Last Eight Bytes of Metadata"),
	SUP("dpc", 3, "Protection Information in the First Eight Bytes of Metadata"),
	SUP("dpc", 2, "Protection Information Type 3"),
	SUP("dpc", 1, "Protection Information Type 2"),
	SUP("dpc", 0, "Protection Information Type 1"),
	FLAG("dps", 3, "Protection Information in the First Eight Bytes of Metadata"),
	ENUM("dps", 2, 0, g_pi_type),
	FLAG("nmic", 0, "Namespace May Be Attached to Two or More Controllers"),
	{NULL, 0, 0, B_SUP, NULL, NULL},
};

static void bits_line(const struct bits *b, uint64_t v)
{
	uint64_t x = (v >> b->lo) & ((2ull << (b->hi - b->lo)) - 1);
	const char *name = NULL;

	printf("  [%u:%u] : %#llx\t", b->hi, b->lo, (unsigned long long)x);
	switch (b->kind) {
	case B_SUP:
		printf("%s %s\n", b->what, x ? "Supported" : "Not Supported");
		break;
	case B_FLAG:
		printf("%s: %s\n", b->what, x ? "Yes" : "No");
		break;
	case B_TEMP:
		printf("%lld C (%llu K)\n", (long long)x - 273, (unsigned long long)x);
		break;
	case B_ENUM:
		for (uint64_t i = 0; b->names[i] != NULL; i++) {
			if (i == x)
				name = b->names[i];
		}
		printf("%s\n", name != NULL ? name : "Reserved");
		break;
	default:
		printf("%s\n", b->what);
		break;
	}
}

void bits_print(const struct bits *tab, const char *field, uint64_t v)
{
	for (const struct bits *b = tab; tab != NULL && b->field != NULL; b++) {
		if (strcmp(b->field, field) == 0)
			bits_line(b, v);
	}
}
