/* SPDX-License-Identifier: BSD-3-Clause */
/* Printing a structure through its field table. */
#include <string.h>

#include "fields.h"
#include "human.h"

uint64_t field_uint(const struct field *f, const uint8_t *base)
{
	const uint8_t *p = base + f->off;

	switch (f->size) {
	case 1:
		return p[0];
	case 2:
		return cli_le16(p);
	case 3:
		return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16;
	case 4:
		return cli_le32(p);
	default:
		return cli_le64(p);
	}
}

static void hex(const uint8_t *p, size_t n, char *out, size_t len)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 3 <= len; i++)
		k += (size_t)snprintf(out + k, len - k, "%02x", p[i]);
}

void field_text(const struct field *f, const uint8_t *base, char *out, size_t len)
{
	const uint8_t *p = base + f->off;

	switch (f->kind) {
	case F_U128:
		cli_u128_str(p, out, len);
		break;
	case F_ASCII: {
		size_t n = f->size < len - 1 ? f->size : len - 1;

		memcpy(out, p, n);
		out[n] = '\0';
		out[strnlen(out, n)] = '\0';
		break;
	}
	case F_HEX:
		hex(p, f->size, out, len);
		break;
	case F_UUID:
		snprintf(out, len, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
				   "%02x%02x%02x%02x%02x%02x", p[0], p[1], p[2], p[3], p[4], p[5],
			 p[6], p[7], p[8], p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
		break;
	default:
		snprintf(out, len, "%llu", (unsigned long long)field_uint(f, base));
		break;
	}
}

void fields_json(struct json_writer *w, const struct field *tab, const uint8_t *base)
{
	char text[300];

	for (const struct field *f = tab; f->name != NULL; f++) {
		if (f->kind == F_UINT || f->kind == F_IEEE) {
			json_uint(w, f->name, field_uint(f, base));
			continue;
		}
		field_text(f, base, text, sizeof(text));
		json_string(w, f->name, text);
	}
}

void fields_text_bits(const struct field *tab, const uint8_t *base, const struct bits *bits)
{
	char text[300];

	for (const struct field *f = tab; f->name != NULL; f++) {
		if (f->kind == F_UINT || f->kind == F_IEEE) {
			uint64_t v = field_uint(f, base);

			/* Small fields read best in hex, as nvme-cli shows most of them. */
			if (f->size <= 4 && v > 9)
				printf("%-10s: %#llx\n", f->name, (unsigned long long)v);
			else
				printf("%-10s: %llu\n", f->name, (unsigned long long)v);
			bits_print(bits, f->name, v);
			continue;
		}
		field_text(f, base, text, sizeof(text));
		printf("%-10s: %s\n", f->name, text);
	}
}

void fields_text(const struct field *tab, const uint8_t *base)
{
	fields_text_bits(tab, base, NULL);
}
