/* SPDX-License-Identifier: MIT */
/*
 * lex.c - a line of policy text into tokens (words, strings, operators),
 * and the numbers in them.  Lines may be of any length and hold any
 * byte; numbers may overflow: both are errors, never undefined.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "compiler.h"

void policy_free_toks(struct tok *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(t[i].str);
}

static bool is_space(char ch)
{
	return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\v' || ch == '\f';
}

/* Bytes that end a word: whitespace and the language's punctuation. */
static bool ends_word(char ch)
{
	return is_space(ch) || strchr("#\"()&|=!<>", ch) != NULL;
}

/*
 * tokenize - cut line (len bytes, no '\n') into *toks (*n of them; the
 * caller frees them with free_toks and free).  A '#' outside a string
 * ends the line.  Returns 0, or -1 after reporting an error.
 */
int policy_tokenize(struct compiler *c, const char *line, size_t len,
		    struct tok **toks, size_t *n, size_t *cap)
{
	size_t i = 0;

	*n = 0;
	while (i < len) {
		unsigned char ch = (unsigned char)line[i];
		struct tok t = { .col = (int)(i + 1) };

		if (ch == '#')
			break;
		if (is_space((char)ch)) {
			i++;
			continue;
		}
		if (ch == '\0') {
			policy_error(c, t.col, NULL, "NUL byte in the line");
			return -1;
		}
		if (ch < 0x20 || ch == 0x7f) {
			policy_error(c, t.col, NULL, "unexpected control character 0x%02x", ch);
			return -1;
		}
		if (ch == '"') {
			size_t j = i + 1, o = 0;
			char *s = malloc(len - i);	/* the decoded text is shorter */

			if (!s) {
				policy_error(c, t.col, NULL, "out of memory");
				return -1;
			}
			while (j < len && line[j] != '"') {
				if (line[j] == '\\') {
					if (j + 1 < len && (line[j + 1] == '"' || line[j + 1] == '\\')) {
						s[o++] = line[j + 1];
						j += 2;
						continue;
					}
					policy_error(c, (int)j + 1, "in a string, only \\\" and \\\\ are escapes",
					      "unknown escape in string");
					free(s);
					return -1;
				}
				if (line[j] == '\0' || (unsigned char)line[j] < 0x20) {
					policy_error(c, (int)j + 1, NULL, "control character in string");
					free(s);
					return -1;
				}
				s[o++] = line[j++];
			}
			if (j == len) {
				policy_error(c, t.col, "end it with '\"' on the same line",
				      "string is not closed");
				free(s);
				return -1;
			}
			s[o] = '\0';
			t.kind = TK_STRING;
			t.s = t.str = s;
			t.len = o;
			i = j + 1;
		} else if (strchr("()&|", ch)) {
			t.kind = ch == '(' ? TK_LPAREN : ch == ')' ? TK_RPAREN :
				 ch == '&' ? TK_AMP : TK_PIPE;
			t.s = line + i;
			t.len = 1;
			i++;
		} else if (strchr("=!<>", ch)) {
			bool eq = i + 1 < len && line[i + 1] == '=';

			if (ch == '!' && i == 0 && c->stack[c->depth - 1].line == 1) {
				/* lstar --learn's mark on a file it has not
				 * finished writing (vmm/learn.c). */
				policy_error(c, t.col, "the learning run was cut short; run it again",
				      "an unfinished `lstar run --learn` output, not a policy");
				return -1;
			}
			if ((ch == '=' || ch == '!') && !eq) {
				policy_error(c, t.col, "comparisons are ==, !=, <, <=, > and >=",
				      "'%c' alone is not a comparison", ch);
				return -1;
			}
			t.kind = TK_CMP;
			t.s = line + i;
			t.len = eq ? 2 : 1;
			t.op = ch == '=' ? LSTAR_CMP_EQ : ch == '!' ? LSTAR_CMP_NE :
			       ch == '<' ? (eq ? LSTAR_CMP_LE : LSTAR_CMP_LT) :
					   (eq ? LSTAR_CMP_GE : LSTAR_CMP_GT);
			i += t.len;
		} else {
			size_t j = i;

			while (j < len && !ends_word(line[j]) && line[j] != '\0' &&
			       (unsigned char)line[j] >= 0x20 && line[j] != 0x7f)
				j++;
			t.kind = TK_WORD;
			t.s = line + i;
			t.len = j - i;
			i = j;
		}
		t.end = i;
		if (policy_grow((void **)toks, cap, *n, sizeof(**toks)) < 0) {
			free(t.str);
			policy_error(c, t.col, NULL, "out of memory");
			return -1;
		}
		(*toks)[(*n)++] = t;
	}
	return 0;
}

/* Is t the word w?  (Keywords are case-sensitive, as syscall names are.) */
bool policy_is_word(const struct tok *t, const char *w)
{
	return t->kind == TK_WORD && t->len == strlen(w) && !memcmp(t->s, w, t->len);
}

/*
 * parse_number - s (len bytes) as an unsigned 64-bit number: decimal,
 * 0x hexadecimal, or octal written 0o17 or, as in C and the kernel's
 * headers, 017.  0, -EINVAL for a malformed number, -ERANGE for one that
 * does not fit in 64 bits.
 */
int policy_parse_number(const char *s, size_t len, uint64_t *out)
{
	unsigned base = 10;
	size_t i = 0;
	uint64_t v = 0;

	if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	} else if (len >= 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
		base = 8;
		i = 2;
	} else if (len >= 2 && s[0] == '0') {
		base = 8;
		i = 1;
	}
	if (i == len)
		return -EINVAL;
	for (; i < len; i++) {
		char ch = s[i];
		unsigned d;

		if (ch >= '0' && ch <= '9')
			d = (unsigned)(ch - '0');
		else if (ch >= 'a' && ch <= 'f')
			d = (unsigned)(ch - 'a') + 10;
		else if (ch >= 'A' && ch <= 'F')
			d = (unsigned)(ch - 'A') + 10;
		else
			return -EINVAL;
		if (d >= base)
			return -EINVAL;
		if (v > (UINT64_MAX - d) / base)
			return -ERANGE;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

/* Does t look like a number (and so is not a name)?  A sign counts, so
 * that "-1" is reported as a negative number, not an unknown constant. */
bool policy_starts_number(const struct tok *t)
{
	return t->kind == TK_WORD && t->len > 0 &&
	       ((t->s[0] >= '0' && t->s[0] <= '9') || t->s[0] == '-' || t->s[0] == '+');
}

/* A number token, reported when bad.  0 or -1. */
int policy_number_tok(struct compiler *c, const struct tok *t, uint64_t *out)
{
	char q[SHOW_BUF];
	int r;

	if (t->s[0] == '-') {
		policy_error(c, t->col, "values are unsigned; an int argument is compared on its low "
		      "32 bits, so -100 is 0xffffff9c (AT_FDCWD)",
		      "negative number '%s'", policy_show(q, sizeof(q), t->s, t->len));
		return -1;
	}
	r = policy_parse_number(t->s, t->len, out);
	if (r == -ERANGE)
		policy_error(c, t->col, NULL, "number '%s' is too large (at most 0xffffffffffffffff)",
		      policy_show(q, sizeof(q), t->s, t->len));
	else if (r < 0)
		policy_error(c, t->col, "numbers are decimal (42), hexadecimal (0x2a) or octal (0o52 or 052)",
		      "bad number '%s'", policy_show(q, sizeof(q), t->s, t->len));
	return r < 0 ? -1 : 0;
}
