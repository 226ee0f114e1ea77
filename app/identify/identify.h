/* SPDX-License-Identifier: BSD-3-Clause */
/* pnvme-identify: configuration, the facts gathered per controller, renderers. */
#ifndef PNVME_IDENTIFY_H
#define PNVME_IDENTIFY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "pnvme/nvme.h"

#define ID_PROG "pnvme-identify"
#define ID_MAX_TRIDS 16
#define ID_MAX_CTRLRS 32

struct id_config {
	const char *trids[ID_MAX_TRIDS];
	int num_trids;
	uint32_t nsid; /* 0: every active namespace */
	bool json;
};

/* args.c: 0 to run, 1 after --help, -1 on a usage error (already reported). */
int id_parse_args(int argc, char **argv, struct id_config *cfg);

/* ------------------------------------------------------------ fields.c */

/* One optional-feature bit of a capability field (OACS, ONCS, SGLS). */
struct id_bit {
	uint32_t mask;
	const char *name; /* for people */
	const char *key;  /* for JSON */
};

extern const struct id_bit id_oacs_bits[];
extern const struct id_bit id_oncs_bits[];
extern const struct id_bit id_sgls_bits[];
extern const struct id_bit id_fuses_bits[];
extern const struct id_bit id_mc_bits[];
extern const struct id_bit id_dpc_bits[];

/*
 * A fixed-width ASCII field of the spec without its padding: up to the first
 * NUL, spaces trimmed on both ends, into out (NUL-terminated, len + 1 bytes).
 */
void id_ascii_field(char *out, const char *field, size_t len);
/* s with every byte that is not printable ASCII as \xNN, for a terminal. */
void id_printable(char *out, size_t out_len, const char *s);
/* "1.4.0"; "not reported" for 0. */
const char *id_version_str(uint32_t vs, char *buf, size_t len);
/* A little-endian 128-bit count (TNVMCAP, NVMCAP) in decimal. */
const char *id_u128_str(const uint8_t v[16], char *buf, size_t len);
/* Hex of n bytes, or NULL when they are all zero. */
const char *id_hex_id(const uint8_t *v, size_t n, char *buf, size_t len);
/* Relative performance of an LBA format: "best", "better", "good", "degraded". */
const char *id_rp_str(unsigned rp);
/* SGLS bits 1:0 in words. */
const char *id_sgl_support_str(uint32_t sgls);
/* The LBA format in use: FLBAS bits 3:0, and bits 6:5 above them with more than 16 formats. */
unsigned id_lbaf_in_use(const struct pnvme_ns_data *nd);
/* DPS in words: "none", "type 1, in the last 8 bytes of metadata". */
const char *id_pi_in_use_str(uint8_t dps, char *buf, size_t len);
/* VWC bits 2:1 (Flush with NSID FFFFFFFFh) in words. */
const char *id_vwc_flush_str(uint8_t vwc);
/* "128 KiB", "1.50 GiB"... */
const char *id_bytes_str(uint64_t bytes, char *buf, size_t len);
/* MDTS in bytes (2^MDTS pages of CAP.MPSMIN); 0 when the controller sets no limit. */
uint64_t id_mdts_bytes(const struct pnvme_ctrlr *ctrlr);
/* Number of active namespaces. */
uint32_t id_num_active_ns(const struct pnvme_ctrlr *ctrlr);

/* ------------------------------------------------------------ renderers */

/* print.c: the human summary of one controller (nsid 0: every active namespace). */
void id_print_ctrlr(FILE *f, struct pnvme_ctrlr *ctrlr, uint32_t nsid);
/* report_json.c: every controller, one JSON document. */
void id_json_report(FILE *f, struct pnvme_ctrlr **ctrlrs, int n, uint32_t nsid);

#endif
