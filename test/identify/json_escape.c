/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Feeds pnvme-identify's JSON writer (app/identify/json.c) the strings a
 * controller could put in its ASCII fields: quotes, backslashes, control
 * characters, DEL, valid and invalid UTF-8. identify_test.sh checks that the
 * output parses and that each string reads back as expected.
 */
#include <stdio.h>

#include "json.h"

int main(void)
{
	struct json_writer w;

	json_init(&w, stdout);
	json_object_begin(&w, NULL);
	json_string(&w, "quote", "Model \"X\" \\ back");
	json_string(&w, "control", "a\tb\nc\rd\be\ff\x01g\x1fh\x7fi");
	json_string(&w, "utf8", "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x92\xbe");
	json_string(&w, "latin1", "caf\xe9 \xff\xc3(");
	json_string(&w, "overlong", "\xc0\xaf\xe0\x80\xaf\xed\xa0\x80");
	json_string(&w, "empty", "");
	json_string(&w, "key \"odd\"\n", "v");
	json_array_begin(&w, "list");
	json_uint(&w, NULL, 18446744073709551615ull);
	json_number_text(&w, NULL, "340282366920938463463374607431768211455");
	json_double(&w, NULL, 1.5, 3);
	json_bool(&w, NULL, true);
	json_null(&w, NULL);
	json_object_begin(&w, NULL);
	json_object_end(&w);
	json_array_begin(&w, NULL);
	json_array_end(&w);
	json_array_end(&w);
	json_object_end(&w);
	json_finish(&w);
	return 0;
}
