/* SPDX-License-Identifier: BSD-3-Clause */
/* The JSON writer: structure, commas, indentation, string escaping. */
#include <math.h>

#include "json.h"

void json_init(struct json_writer *w, FILE *f)
{
	w->f = f;
	w->depth = 0;
	w->has_items[0] = false;
}

void json_finish(struct json_writer *w)
{
	fputc('\n', w->f);
}

static void indent(struct json_writer *w)
{
	for (int i = 0; i < w->depth; i++)
		fputs("  ", w->f);
}

/* The comma, new line, indentation and key that come before any value. */
static void item(struct json_writer *w, const char *key)
{
	if (w->depth > 0) {
		fputs(w->has_items[w->depth] ? ",\n" : "\n", w->f);
		w->has_items[w->depth] = true;
		indent(w);
	}
	if (key != NULL) {
		fputc('"', w->f);
		json_escape(w->f, key);
		fputs("\": ", w->f);
	}
}

static void container_open(struct json_writer *w, const char *key, char c)
{
	item(w, key);
	fputc(c, w->f);
	if (w->depth + 1 < JSON_MAX_DEPTH)
		w->depth++;
	w->has_items[w->depth] = false;
}

static void container_close(struct json_writer *w, char c)
{
	bool had = w->has_items[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (had) {
		fputc('\n', w->f);
		indent(w);
	}
	fputc(c, w->f);
}

void json_object_begin(struct json_writer *w, const char *key)
{
	container_open(w, key, '{');
}

void json_object_end(struct json_writer *w)
{
	container_close(w, '}');
}

void json_array_begin(struct json_writer *w, const char *key)
{
	container_open(w, key, '[');
}

void json_array_end(struct json_writer *w)
{
	container_close(w, ']');
}

/* Length of the well-formed UTF-8 sequence at s (2 to 4 bytes), or 0. */
static int utf8_seq_len(const unsigned char *s)
{
	unsigned char c = s[0];
	uint32_t cp;
	int n;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* Overlong forms, surrogates, past U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void json_escape(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	while (*s != '\0') {
		unsigned char c = *s;
		int n;

		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\b':
			fputs("\\b", f);
			break;
		case '\f':
			fputs("\\f", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f) {
				fprintf(f, "\\u%04x", c);
			} else if (c < 0x80) {
				fputc(c, f);
			} else if ((n = utf8_seq_len(s)) > 0) {
				fwrite(s, 1, (size_t)n, f);
				s += n;
				continue;
			} else {
				/* Not UTF-8: the byte as the Latin-1 character of that value. */
				fprintf(f, "\\u%04x", c);
			}
			break;
		}
		s++;
	}
}

void json_string(struct json_writer *w, const char *key, const char *s)
{
	item(w, key);
	fputc('"', w->f);
	json_escape(w->f, s);
	fputc('"', w->f);
}

void json_string_or_null(struct json_writer *w, const char *key, const char *s)
{
	if (s == NULL)
		json_null(w, key);
	else
		json_string(w, key, s);
}

void json_uint(struct json_writer *w, const char *key, uint64_t v)
{
	item(w, key);
	fprintf(w->f, "%llu", (unsigned long long)v);
}

void json_double(struct json_writer *w, const char *key, double v, int decimals)
{
	item(w, key);
	if (isfinite(v))
		fprintf(w->f, "%.*f", decimals, v);
	else
		fputs("null", w->f);
}

void json_bool(struct json_writer *w, const char *key, bool v)
{
	item(w, key);
	fputs(v ? "true" : "false", w->f);
}

void json_null(struct json_writer *w, const char *key)
{
	item(w, key);
	fputs("null", w->f);
}

void json_number_text(struct json_writer *w, const char *key, const char *digits)
{
	item(w, key);
	fputs(digits[0] != '\0' ? digits : "0", w->f);
}
