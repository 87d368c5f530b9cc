/* SPDX-License-Identifier: MIT */
/*
 * fuzz_json.c - lstar-oci's JSON reader on any bytes (what a bundle's
 * config.json or exec's process.json can hold): it must read a document
 * or refuse it with a reason, never crash; what it reads holds its
 * promises (every string a C string of valid UTF-8, every number an
 * RFC 8259 number), and a string it reads and writes back reads the same
 * (libFuzzer, ASan, UBSan; make fuzz-parsers).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../oci/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_string(const char *s)
{
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json *back;

	if (!f)
		abort();
	json_put_string(f, s);
	fclose(f);
	back = json_parse(buf, len, err, sizeof(err));
	if (!back || back->type != JSON_STRING || strcmp(back->text, s))
		abort();	/* written, it must read back the same */
	json_free(back);
	free(buf);
}

static void walk(const struct json *j, int depth)
{
	uint64_t u;
	int64_t i;

	if (depth > JSON_MAX_DEPTH)
		abort();
	switch (j->type) {
	case JSON_STRING:
		check_string(j->text);
		break;
	case JSON_NUMBER:
		if (!j->text[0])
			abort();
		(void)json_u64(j, &u);
		(void)json_i64(j, &i);
		break;
	case JSON_OBJECT:
		for (size_t k = 0; k < j->n; k++) {
			check_string(j->key[k]);
			if (json_get(j, j->key[k]) != &j->item[k])
				abort();	/* keys are unique */
		}
		/* fall through */
	case JSON_ARRAY:
		for (size_t k = 0; k < j->n; k++)
			walk(&j->item[k], depth + 1);
		break;
	default:
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256] = "";
	struct json *j = json_parse((const char *)data, size, err, sizeof(err));

	if (!j) {
		if (!err[0] || !memchr(err, 0, sizeof(err)))
			abort();	/* a refusal always says why */
		return 0;
	}
	walk(j, 0);
	json_free(j);
	return 0;
}
