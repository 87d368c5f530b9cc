/* SPDX-License-Identifier: MIT */
/*
 * json.c - a strict JSON reader and the little lstar-oci needs to write
 * JSON (json.h says what strict means here).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "json.h"

struct reader {
	const char *s, *end;
	const char *start;		/* for the offset in messages */
	char *err;
	size_t errlen;
	bool failed;
};

static bool fail(struct reader *r, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (r->failed)
		return false;
	r->failed = true;
	n = snprintf(r->err, r->errlen, "at byte %zu: ", (size_t)(r->s - r->start));
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < r->errlen)
		vsnprintf(r->err + n, r->errlen - (size_t)n, fmt, ap);
	va_end(ap);
	return false;
}

static void skip_space(struct reader *r)
{
	while (r->s < r->end && (*r->s == ' ' || *r->s == '\t' || *r->s == '\n' || *r->s == '\r'))
		r->s++;
}

static bool literal(struct reader *r, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(r->end - r->s) < n || memcmp(r->s, word, n))
		return fail(r, "not a JSON value");
	r->s += n;
	return true;
}

/* One UTF-8 sequence at p (at most end - p bytes): its length, or 0 when
 * it is no valid, shortest-form encoding of a scalar value. */
static size_t utf8_len(const unsigned char *p, const unsigned char *end)
{
	uint32_t c;
	size_t n;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0)
		n = 2, c = p[0] & 0x1f;
	else if ((p[0] & 0xf0) == 0xe0)
		n = 3, c = p[0] & 0x0f;
	else if ((p[0] & 0xf8) == 0xf0)
		n = 4, c = p[0] & 0x07;
	else
		return 0;
	if ((size_t)(end - p) < n)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		c = c << 6 | (p[i] & 0x3f);
	}
	if ((n == 2 && c < 0x80) || (n == 3 && c < 0x800) || (n == 4 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	return n;
}

static char *put_utf8(char *o, uint32_t c)
{
	if (c < 0x80) {
		*o++ = (char)c;
	} else if (c < 0x800) {
		*o++ = (char)(0xc0 | c >> 6);
		*o++ = (char)(0x80 | (c & 0x3f));
	} else if (c < 0x10000) {
		*o++ = (char)(0xe0 | c >> 12);
		*o++ = (char)(0x80 | (c >> 6 & 0x3f));
		*o++ = (char)(0x80 | (c & 0x3f));
	} else {
		*o++ = (char)(0xf0 | c >> 18);
		*o++ = (char)(0x80 | (c >> 12 & 0x3f));
		*o++ = (char)(0x80 | (c >> 6 & 0x3f));
		*o++ = (char)(0x80 | (c & 0x3f));
	}
	return o;
}

static bool hex4(struct reader *r, uint32_t *out)
{
	uint32_t v = 0;

	if (r->end - r->s < 4)
		return fail(r, "a \\u escape needs four hex digits");
	for (int i = 0; i < 4; i++) {
		char c = *r->s++;

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (uint32_t)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (uint32_t)(c - 'a' + 10);
		else if (c >= 'A' && c <= 'F')
			v |= (uint32_t)(c - 'A' + 10);
		else
			return fail(r, "a \\u escape needs four hex digits");
	}
	*out = v;
	return true;
}

/* A string, r->s at its opening quote: decoded into a new C string.  The
 * decoded form is never longer than the escaped one. */
static char *string(struct reader *r)
{
	const char *p;
	char *out, *o;

	r->s++;
	for (p = r->s; p < r->end && *p != '"'; p++)
		if (*p == '\\' && p + 1 < r->end)
			p++;
	if (p >= r->end) {
		fail(r, "a string does not end");
		return NULL;
	}
	if (!(out = o = malloc((size_t)(p - r->s) + 1))) {
		fail(r, "out of memory");
		return NULL;
	}
	while (*r->s != '"') {
		unsigned char c = (unsigned char)*r->s;
		uint32_t u, lo;
		size_t n;

		if (c < 0x20) {
			fail(r, "a control character in a string (escape it)");
			goto bad;
		}
		if (c != '\\') {
			if (!(n = utf8_len((const unsigned char *)r->s, (const unsigned char *)r->end))) {
				fail(r, "a string that is not UTF-8");
				goto bad;
			}
			memcpy(o, r->s, n);
			o += n;
			r->s += n;
			continue;
		}
		r->s++;
		switch (*r->s++) {
		case '"':  *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '/':  *o++ = '/'; break;
		case 'b':  *o++ = '\b'; break;
		case 'f':  *o++ = '\f'; break;
		case 'n':  *o++ = '\n'; break;
		case 'r':  *o++ = '\r'; break;
		case 't':  *o++ = '\t'; break;
		case 'u':
			if (!hex4(r, &u))
				goto bad;
			if (u >= 0xdc00 && u <= 0xdfff) {
				fail(r, "a lone low surrogate in a \\u escape");
				goto bad;
			}
			if (u >= 0xd800 && u <= 0xdbff) {
				if (r->end - r->s < 2 || r->s[0] != '\\' || r->s[1] != 'u') {
					fail(r, "a high surrogate without its low one");
					goto bad;
				}
				r->s += 2;
				if (!hex4(r, &lo))
					goto bad;
				if (lo < 0xdc00 || lo > 0xdfff) {
					fail(r, "a high surrogate without its low one");
					goto bad;
				}
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
			}
			if (u == 0) {
				fail(r, "a NUL character in a string");
				goto bad;
			}
			o = put_utf8(o, u);
			break;
		default:
			r->s--;
			fail(r, "an unknown escape in a string");
			goto bad;
		}
	}
	r->s++;
	*o = '\0';
	return out;
bad:
	free(out);
	return NULL;
}

/* RFC 8259's number grammar; the text is kept as written. */
static bool number(struct reader *r, struct json *j)
{
	const char *p = r->s;

	if (p < r->end && *p == '-')
		p++;
	if (p < r->end && *p == '0')
		p++;
	else if (p < r->end && *p >= '1' && *p <= '9')
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	else
		return fail(r, "not a JSON value");
	if (p < r->end && *p == '.') {
		if (++p >= r->end || *p < '0' || *p > '9')
			return fail(r, "a number needs digits after '.'");
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (p < r->end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < r->end && (*p == '+' || *p == '-'))
			p++;
		if (p >= r->end || *p < '0' || *p > '9')
			return fail(r, "a number needs digits in its exponent");
		while (p < r->end && *p >= '0' && *p <= '9')
			p++;
	}
	if (!(j->text = strndup(r->s, (size_t)(p - r->s))))
		return fail(r, "out of memory");
	j->type = JSON_NUMBER;
	r->s = p;
	return true;
}

static bool value(struct reader *r, struct json *j, int depth);

/* Append a fresh null value to an array or object. */
static struct json *grow(struct reader *r, struct json *j, size_t *cap)
{
	if (j->n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 4;
		struct json *item = realloc(j->item, ncap * sizeof(*item));
		char **key = j->type == JSON_OBJECT ? realloc(j->key, ncap * sizeof(*key)) : NULL;

		if (item)
			j->item = item;
		if (key)
			j->key = key;
		if (!item || (j->type == JSON_OBJECT && !key)) {
			fail(r, "out of memory");
			return NULL;
		}
		*cap = ncap;
	}
	memset(&j->item[j->n], 0, sizeof(j->item[0]));
	if (j->type == JSON_OBJECT)
		j->key[j->n] = NULL;
	return &j->item[j->n++];
}

static int key_order(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* No key twice in the object j: its keys sorted (a copy of their
 * pointers), then neighbours compared, so that a hostile object of many
 * keys costs n log n, not n squared. */
static bool unique_keys(struct reader *r, const struct json *j)
{
	char **keys;
	bool ok = true;

	if (j->n < 2)
		return true;
	if (!(keys = malloc(j->n * sizeof(*keys))))
		return fail(r, "out of memory");
	memcpy(keys, j->key, j->n * sizeof(*keys));
	qsort(keys, j->n, sizeof(*keys), key_order);
	for (size_t i = 1; i < j->n && ok; i++)
		if (!strcmp(keys[i - 1], keys[i]))
			ok = fail(r, "the key \"%.64s\" twice in one object", keys[i]);
	free(keys);
	return ok;
}

static bool container(struct reader *r, struct json *j, int depth)
{
	char close = *r->s == '[' ? ']' : '}';
	size_t cap = 0;

	if (depth >= JSON_MAX_DEPTH)
		return fail(r, "nested deeper than %d levels", JSON_MAX_DEPTH);
	j->type = close == ']' ? JSON_ARRAY : JSON_OBJECT;
	r->s++;
	skip_space(r);
	if (r->s < r->end && *r->s == close) {
		r->s++;
		return true;
	}
	for (;;) {
		char *key = NULL;
		struct json *v;

		skip_space(r);
		if (j->type == JSON_OBJECT) {
			if (r->s >= r->end || *r->s != '"')
				return fail(r, "an object's member needs a \"key\"");
			if (!(key = string(r)))
				return false;
			skip_space(r);
			if (r->s >= r->end || *r->s != ':') {
				free(key);
				return fail(r, "':' expected after a key");
			}
			r->s++;
		}
		if (!(v = grow(r, j, &cap))) {
			free(key);
			return false;
		}
		if (key)
			j->key[j->n - 1] = key;
		if (!value(r, v, depth + 1))
			return false;
		skip_space(r);
		if (r->s < r->end && *r->s == ',') {
			r->s++;
			continue;
		}
		if (r->s < r->end && *r->s == close) {
			r->s++;
			return j->type == JSON_ARRAY || unique_keys(r, j);
		}
		return fail(r, "',' or '%c' expected", close);
	}
}

static bool value(struct reader *r, struct json *j, int depth)
{
	skip_space(r);
	if (r->s >= r->end)
		return fail(r, "a value expected, the text ends");
	switch (*r->s) {
	case '{':
	case '[':
		return container(r, j, depth);
	case '"':
		j->type = JSON_STRING;
		return (j->text = string(r)) != NULL;
	case 't':
		j->type = JSON_BOOL;
		j->boolean = true;
		return literal(r, "true");
	case 'f':
		j->type = JSON_BOOL;
		return literal(r, "false");
	case 'n':
		j->type = JSON_NULL;
		return literal(r, "null");
	default:
		return number(r, j);
	}
}

static void json_clear(struct json *j)
{
	for (size_t i = 0; i < j->n; i++) {
		json_clear(&j->item[i]);
		if (j->key)
			free(j->key[i]);
	}
	free(j->item);
	free(j->key);
	free(j->text);
}

void json_free(struct json *j)
{
	if (j) {
		json_clear(j);
		free(j);
	}
}

struct json *json_parse(const char *text, size_t len, char *err, size_t errlen)
{
	struct reader r = { .s = text, .end = text + len, .start = text, .err = err, .errlen = errlen };
	struct json *j = calloc(1, sizeof(*j));

	if (!j) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (len > JSON_MAX_SIZE) {
		snprintf(err, errlen, "larger than %u bytes", JSON_MAX_SIZE);
		free(j);
		return NULL;
	}
	if (value(&r, j, 0)) {
		skip_space(&r);
		if (r.s == r.end)
			return j;
		fail(&r, "more text after the value");
	}
	json_free(j);
	return NULL;
}

struct json *json_load(int dirfd, const char *path, char *err, size_t errlen)
{
	struct json *j = NULL;
	struct stat st;
	char *text = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		snprintf(err, errlen, "%s", strerror(errno));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "not a regular file");
		goto out;
	}
	if (!(text = malloc(JSON_MAX_SIZE + 1))) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	/* Read to the end, whatever st_size said: one byte more than the
	 * limit tells a file too large. */
	while (len <= JSON_MAX_SIZE && (n = read(fd, text + len, JSON_MAX_SIZE + 1 - len)) > 0)
		len += (size_t)n;
	if (len > JSON_MAX_SIZE)
		snprintf(err, errlen, "larger than %u bytes", JSON_MAX_SIZE);
	else
		j = json_parse(text, len, err, errlen);
out:
	free(text);
	close(fd);
	return j;
}

struct json *json_take(const struct json *j)
{
	struct json *out = malloc(sizeof(*out));

	if (out) {
		*out = *j;
		*(struct json *)j = (struct json){ .type = JSON_NULL };
	}
	return out;
}

const struct json *json_get(const struct json *j, const char *key)
{
	if (!j || j->type != JSON_OBJECT)
		return NULL;
	for (size_t i = 0; i < j->n; i++)
		if (!strcmp(j->key[i], key))
			return &j->item[i];
	return NULL;
}

const char *json_type_name(enum json_type t)
{
	static const char *const names[] = {
		[JSON_NULL] = "null", [JSON_BOOL] = "a boolean", [JSON_NUMBER] = "a number",
		[JSON_STRING] = "a string", [JSON_ARRAY] = "an array", [JSON_OBJECT] = "an object",
	};
	return names[t];
}

/* The digits of an integer's text (after its sign): -EINVAL when it has
 * a fraction or an exponent. */
static int digits(const struct json *j, bool *neg, uint64_t *out)
{
	const char *p;
	uint64_t v = 0;

	if (!j || j->type != JSON_NUMBER)
		return -EINVAL;
	p = j->text;
	if ((*neg = *p == '-'))
		p++;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return -EINVAL;
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return -ERANGE;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	*out = v;
	return 0;
}

int json_u64(const struct json *j, uint64_t *out)
{
	bool neg;
	int err = digits(j, &neg, out);

	if (!err && neg && *out)
		err = -ERANGE;
	return err;
}

int json_i64(const struct json *j, int64_t *out)
{
	uint64_t v;
	bool neg;
	int err = digits(j, &neg, &v);

	if (err)
		return err;
	if (v > (uint64_t)INT64_MAX + neg)
		return -ERANGE;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

void json_put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}
