/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Table-driven structure printing: each field a name (nvme-cli's JSON key),
 * a byte offset, a size and a kind; one walk prints it as "name : value"
 * lines or as JSON members of the same names and types.
 */
#ifndef PNVME_CLI_FIELDS_H
#define PNVME_CLI_FIELDS_H

#include "cli.h"

enum field_kind {
	F_UINT,   /* little-endian 1, 2, 4 or 8 bytes: a JSON number */
	F_U128,   /* 16 bytes: a decimal JSON string, as nvme-cli prints 128-bit counters */
	F_ASCII,  /* space-padded ASCII: a JSON string, padding kept as nvme-cli keeps it */
	F_HEX,    /* bytes in order as hex digits: a JSON string (EUI64, NGUID) */
	F_UUID,   /* 16 bytes as 8-4-4-4-12 hex: a JSON string */
	F_IEEE,   /* 3 bytes, little-endian: a number */
};

struct field {
	const char *name;
	uint16_t off, size;
	enum field_kind kind;
};

/* Every field of tab (NULL-name terminated) from base, as JSON members or text lines. */
void fields_json(struct json_writer *w, const struct field *tab, const uint8_t *base);
void fields_text(const struct field *tab, const uint8_t *base);
struct bits;
/* The same, with -H's lines for the fields bits decodes (NULL: none). */
void fields_text_bits(const struct field *tab, const uint8_t *base, const struct bits *bits);
/* One field: as a number (F_UINT, F_IEEE) or its text. */
uint64_t field_uint(const struct field *f, const uint8_t *base);
void field_text(const struct field *f, const uint8_t *base, char *out, size_t len);

#endif
