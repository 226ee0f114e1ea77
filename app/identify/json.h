/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A small streaming JSON writer: nested objects and arrays, commas and
 * indentation handled, strings escaped so that any bytes make valid JSON.
 * Inside an object every value takes a key; inside an array key is NULL.
 */
#ifndef PNVME_IDENTIFY_JSON_H
#define PNVME_IDENTIFY_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH 16

struct json_writer {
	FILE *f;
	int depth;
	bool has_items[JSON_MAX_DEPTH]; /* a comma goes before the next item */
};

void json_init(struct json_writer *w, FILE *f);
/* Ends the document with a newline. */
void json_finish(struct json_writer *w);

void json_object_begin(struct json_writer *w, const char *key);
void json_object_end(struct json_writer *w);
void json_array_begin(struct json_writer *w, const char *key);
void json_array_end(struct json_writer *w);

/* s may hold any bytes: control characters, quotes, invalid UTF-8 are escaped. */
void json_string(struct json_writer *w, const char *key, const char *s);
/* s NULL: null. */
void json_string_or_null(struct json_writer *w, const char *key, const char *s);
void json_uint(struct json_writer *w, const char *key, uint64_t v);
void json_double(struct json_writer *w, const char *key, double v, int decimals);
void json_bool(struct json_writer *w, const char *key, bool v);
void json_null(struct json_writer *w, const char *key);
/* A number already in decimal (a 128-bit count, say); digits only. */
void json_number_text(struct json_writer *w, const char *key, const char *digits);

/* Escape s into f as the inside of a JSON string (no quotes added). */
void json_escape(FILE *f, const char *s);

#endif
