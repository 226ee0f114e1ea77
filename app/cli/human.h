/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * -H in normal output: after a field's "name : value" line, one line per
 * bit or bit range it has, "  [hi:lo] : value  meaning", as nvme-cli 2.x
 * lays its human-readable decoding out.
 */
#ifndef PNVME_CLI_HUMAN_H
#define PNVME_CLI_HUMAN_H

#include <stdint.h>

enum bits_kind {
	B_SUP,  /* one bit: "<what> Supported" or "<what> Not Supported" */
	B_NUM,  /* a range: its value is the meaning ("Number of ...") */
	B_ENUM, /* a range: names[value] when there is one */
	B_FLAG, /* one bit: "<what>: Yes" or "<what>: No" */
	B_TEMP, /* a temperature in Kelvin: "N C (K K)" */
};

struct bits {
	const char *field; /* the field's name in its struct field table */
	uint8_t hi, lo;
	enum bits_kind kind;
	const char *what;
	const char *const *names; /* B_ENUM: value -> meaning, NULL-terminated */
};

/* The decoding tables of id-ctrl, id-ns (NULL-field terminated). */
extern const struct bits g_ctrl_bits[];
extern const struct bits g_ns_bits[];

/* The lines of every entry of tab for field, whose value is v. */
void bits_print(const struct bits *tab, const char *field, uint64_t v);

#endif
