/* SPDX-License-Identifier: MIT */
/*
 * test_json.c - lstar-oci's JSON reader (oci/json.c): what RFC 8259 allows
 * is read back exactly; every strictness rule of json.h refuses what
 * breaks it, with the byte where it did.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../oci/json.h"
#include "tests.h"

static struct json *parse(const char *text)
{
	char err[256];
	struct json *j = json_parse(text, strlen(text), err, sizeof(err));

	ck_assert_msg(j, "\"%s\" refused: %s", text, err);
	return j;
}

START_TEST(reads_values)
{
	struct json *j = parse(" {\"a\": [1, -2.5e3, true, false, null, \"x\\u00e9\\n\\ud83d\\ude00\"],"
			       " \"b\": {}, \"c\": [], \"d\": \"\"} ");
	const struct json *a = json_get(j, "a");
	uint64_t u;
	int64_t i;

	ck_assert_int_eq(j->type, JSON_OBJECT);
	ck_assert_int_eq(a->type, JSON_ARRAY);
	ck_assert_uint_eq(a->n, 6);
	ck_assert_int_eq(json_u64(&a->item[0], &u), 0);
	ck_assert_uint_eq(u, 1);
	ck_assert_int_eq(json_i64(&a->item[1], &i), -EINVAL);	/* not an integer */
	ck_assert_str_eq(a->item[1].text, "-2.5e3");
	ck_assert(a->item[2].type == JSON_BOOL && a->item[2].boolean);
	ck_assert(a->item[3].type == JSON_BOOL && !a->item[3].boolean);
	ck_assert_int_eq(a->item[4].type, JSON_NULL);
	ck_assert_str_eq(a->item[5].text, "x\xc3\xa9\n\xf0\x9f\x98\x80");
	ck_assert_int_eq(json_get(j, "b")->type, JSON_OBJECT);
	ck_assert_uint_eq(json_get(j, "c")->n, 0);
	ck_assert_str_eq(json_get(j, "d")->text, "");
	ck_assert_ptr_null(json_get(j, "e"));
	json_free(j);
}
END_TEST

START_TEST(integers_in_range)
{
	struct json *j = parse("[18446744073709551615, 18446744073709551616, -1, "
			       "9223372036854775807, -9223372036854775808, -9223372036854775809, -0]");
	uint64_t u;
	int64_t i;

	ck_assert_int_eq(json_u64(&j->item[0], &u), 0);
	ck_assert_uint_eq(u, UINT64_MAX);
	ck_assert_int_eq(json_u64(&j->item[1], &u), -ERANGE);
	ck_assert_int_eq(json_u64(&j->item[2], &u), -ERANGE);
	ck_assert_int_eq(json_i64(&j->item[2], &i), 0);
	ck_assert_int_eq(i, -1);
	ck_assert_int_eq(json_i64(&j->item[3], &i), 0);
	ck_assert_int_eq(i, INT64_MAX);
	ck_assert_int_eq(json_i64(&j->item[4], &i), 0);
	ck_assert_int_eq(i, INT64_MIN);
	ck_assert_int_eq(json_i64(&j->item[5], &i), -ERANGE);
	ck_assert_int_eq(json_u64(&j->item[6], &u), 0);
	ck_assert_uint_eq(u, 0);
	ck_assert_int_eq(json_u64(json_get(j, "x"), &u), -EINVAL);	/* absent */
	json_free(j);
}
END_TEST

/* Each text is refused, and the message says why. */
static const struct {
	const char *text;
	const char *why;
} refused[] = {
	{ "", "a value expected" },
	{ "{\"a\":1,}", "needs a \"key\"" },
	{ "[1,]", "not a JSON value" },
	{ "{\"a\":1 \"b\":2}", "',' or '}' expected" },
	{ "{\"a\":1,\"a\":2}", "the key \"a\" twice" },
	{ "\"abc", "does not end" },
	{ "\"a\\u0000b\"", "NUL" },
	{ "\"a\\ud800\"", "high surrogate" },
	{ "\"a\\udc00\"", "low surrogate" },
	{ "\"a\\x\"", "unknown escape" },
	{ "\"a\\u12\"", "four hex digits" },
	{ "\"\xc0\xaf\"", "not UTF-8" },		/* an overlong '/' */
	{ "\"\xed\xa0\x80\"", "not UTF-8" },		/* a surrogate, encoded */
	{ "\"\xf4\x90\x80\x80\"", "not UTF-8" },	/* beyond U+10FFFF */
	{ "\"a\tb\"", "control character" },
	{ "01", "more text" },
	{ "1.", "digits after '.'" },
	{ "1e", "exponent" },
	{ "-", "not a JSON value" },
	{ "tru", "not a JSON value" },
	{ "nul", "not a JSON value" },
	{ "// comment\n{}", "not a JSON value" },
	{ "{} {}", "more text" },
	{ "NaN", "not a JSON value" },
};

START_TEST(refuses)
{
	char err[256] = "";
	struct json *j = json_parse(refused[_i].text, strlen(refused[_i].text), err, sizeof(err));

	ck_assert_msg(!j, "\"%s\" was read", refused[_i].text);
	ck_assert_msg(strstr(err, refused[_i].why), "\"%s\": \"%s\", not \"%s\"",
		      refused[_i].text, err, refused[_i].why);
	ck_assert_ptr_nonnull(strstr(err, "at byte "));
}
END_TEST

START_TEST(depth_limited)
{
	char text[2 * (JSON_MAX_DEPTH + 2) + 1], err[256];
	struct json *j;
	int n;

	/* JSON_MAX_DEPTH levels are read; one more is refused. */
	for (int depth = JSON_MAX_DEPTH; depth <= JSON_MAX_DEPTH + 1; depth++) {
		for (n = 0; n < depth; n++)
			text[n] = '[';
		for (int k = 0; k < depth; k++)
			text[n++] = ']';
		text[n] = '\0';
		j = json_parse(text, (size_t)n, err, sizeof(err));
		if (depth == JSON_MAX_DEPTH) {
			ck_assert_msg(j, "%d levels refused: %s", depth, err);
			json_free(j);
		} else {
			ck_assert_ptr_null(j);
			ck_assert_ptr_nonnull(strstr(err, "nested deeper"));
		}
	}
}
END_TEST

START_TEST(size_limited)
{
	size_t len = JSON_MAX_SIZE + 1;
	char *text = malloc(len), err[256];

	ck_assert_ptr_nonnull(text);
	memset(text, ' ', len);
	text[0] = '0';
	ck_assert_ptr_null(json_parse(text, len, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "larger than"));
	free(text);
}
END_TEST

/* The duplicate check holds for objects of many keys (and costs little:
 * a quadratic one would take minutes here, past the test's timeout). */
START_TEST(many_keys)
{
	size_t n = 200000, len = 0;
	char *text = malloc(n * 16 + 64), err[256];
	struct json *j;

	ck_assert_ptr_nonnull(text);
	text[len++] = '{';
	for (size_t i = 0; i < n; i++)
		len += (size_t)sprintf(text + len, "%s\"k%zu\":1", i ? "," : "", i);
	text[len] = '}';
	j = json_parse(text, len + 1, err, sizeof(err));
	ck_assert_msg(j && j->n == n, "%s", err);
	json_free(j);
	len += (size_t)sprintf(text + len, ",\"k%zu\":2}", n / 2);
	ck_assert_ptr_null(json_parse(text, len, err, sizeof(err)));
	ck_assert_msg(strstr(err, "the key \"k100000\" twice"), "%s", err);
	free(text);
}
END_TEST

/* What json_put_string writes reads back as the same string. */
START_TEST(writes_what_it_reads)
{
	const char *s = "q\"b\\s/n\nt\tc\x01\x1f" "d\x7f\xc3\xa9";
	char *buf = NULL, err[256];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json *j;

	json_put_string(f, s);
	fclose(f);
	j = json_parse(buf, len, err, sizeof(err));
	ck_assert_msg(j, "%s: %s", buf, err);
	ck_assert_str_eq(j->text, s);
	json_free(j);
	free(buf);
}
END_TEST

Suite *suite_json(void)
{
	Suite *s = suite_create("json");
	TCase *tc = tcase_create("json");

	tcase_add_test(tc, reads_values);
	tcase_add_test(tc, integers_in_range);
	tcase_add_loop_test(tc, refuses, 0, sizeof(refused) / sizeof(refused[0]));
	tcase_add_test(tc, depth_limited);
	tcase_add_test(tc, size_limited);
	tcase_add_test(tc, many_keys);
	tcase_add_test(tc, writes_what_it_reads);
	suite_add_tcase(s, tc);
	return s;
}
