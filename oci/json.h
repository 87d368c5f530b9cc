/* SPDX-License-Identifier: MIT */
/*
 * json.h - the JSON lstar-oci reads (a bundle's config.json, exec's
 * process.json) and writes (the state it keeps, `state`, `features`).
 *
 * The reader is strict, because the bundle is not trusted: RFC 8259 and
 * nothing more (no comments, no trailing commas), at most JSON_MAX_DEPTH
 * levels, valid UTF-8 only, no NUL in a string (every string becomes a C
 * string), no key twice in one object (two readers could disagree on which
 * one counts).  Numbers are kept as written and read through json_u64 and
 * json_i64, which say when a value does not fit.
 */
#ifndef LSTAR_OCI_JSON_H
#define LSTAR_OCI_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define JSON_MAX_DEPTH	64
#define JSON_MAX_SIZE	(8u << 20)	/* the largest document read */

enum json_type { JSON_NULL, JSON_BOOL, JSON_NUMBER, JSON_STRING, JSON_ARRAY, JSON_OBJECT };

struct json {
	enum json_type type;
	bool boolean;			/* JSON_BOOL */
	char *text;			/* JSON_STRING: decoded; JSON_NUMBER: as written */
	size_t n;			/* JSON_ARRAY, JSON_OBJECT: how many */
	struct json *item;		/* JSON_ARRAY, JSON_OBJECT: the values */
	char **key;			/* JSON_OBJECT: item[i]'s key */
};

/* Parse len bytes.  NULL on an error, with where and why in err. */
struct json *json_parse(const char *text, size_t len, char *err, size_t errlen);
/* Read and parse a file (at most JSON_MAX_SIZE bytes). */
struct json *json_load(int dirfd, const char *path, char *err, size_t errlen);
void json_free(struct json *j);

/* The value j, moved out of the document that holds it (the caller's:
 * json_get's answers are views of it) into one of its own, which outlives
 * that document; j is null there after.  NULL when memory is short (j
 * left in place). */
struct json *json_take(const struct json *j);

/* An object's member, or NULL (also when j is NULL or no object). */
const struct json *json_get(const struct json *j, const char *key);
const char *json_type_name(enum json_type t);

/* A number as an integer: 0, or -ERANGE (does not fit), -EINVAL (not an
 * integer, or no number at all). */
int json_u64(const struct json *j, uint64_t *out);
int json_i64(const struct json *j, int64_t *out);

/* s as a JSON string, quotes included. */
void json_put_string(FILE *f, const char *s);

#endif
