/* SPDX-License-Identifier: MIT */
/*
 * diag.c - the compiler's messages: errors and warnings at FILE:LINE:COL,
 * with a hint where one helps and the chain of `use` lines that led there;
 * untrusted text is shown escaped and cut.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "compiler.h"

/*
 * show - s (len bytes) as a message may print it: at most SHOW_MAX bytes,
 * bytes outside printable ASCII as \xNN, "..." when cut.  A policy file
 * may hold anything, and a terminal should not receive it raw.
 */
const char *policy_show(char *buf, size_t size, const char *s, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len && o + 8 < size; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (i == SHOW_MAX) {
			o += (size_t)snprintf(buf + o, size - o, "...");
			break;
		}
		if (ch >= 0x20 && ch < 0x7f)
			buf[o++] = (char)ch;
		else
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", ch);
	}
	buf[o] = '\0';
	return buf;
}


static void vreport(struct compiler *c, const char *level, int col,
		    const char *hint, const char *fmt, va_list ap)
{
	const struct frame *f = &c->stack[c->depth - 1];

	if (!c->diag)
		return;
	if (col > 0)
		fprintf(c->diag, "%s:%d:%d: %s: ", f->name, f->line, col, level);
	else
		fprintf(c->diag, "%s:%d: %s: ", f->name, f->line, level);
	vfprintf(c->diag, fmt, ap);
	fputc('\n', c->diag);
	if (hint && *hint)
		fprintf(c->diag, "  hint: %s\n", hint);
	/* The chain of `use` lines that led here, innermost first. */
	for (int i = c->depth - 2; i >= 0; i--)
		fprintf(c->diag, "%s:%d: note: used from here\n",
			c->stack[i].name, c->stack[i].line);
}

/* An error at column col (0: the whole line) of the line being read. */
void policy_error(struct compiler *c, int col, const char *hint, const char *fmt, ...)
{
	va_list ap;

	if (c->stopped)
		return;
	va_start(ap, fmt);
	vreport(c, "error", col, hint, fmt, ap);
	va_end(ap);
	if (++c->errors >= MAX_ERRORS) {
		c->stopped = true;
		if (c->diag)
			fprintf(c->diag, "too many errors (%d); stopping\n", c->errors);
	}
}

void policy_warning(struct compiler *c, int col, const char *hint, const char *fmt, ...)
{
	va_list ap;

	if (c->stopped || c->warnings > MAX_WARNINGS)
		return;
	if (++c->warnings > MAX_WARNINGS) {
		if (c->diag)
			fprintf(c->diag, "too many warnings (%d); no more are shown\n",
				MAX_WARNINGS);
		return;
	}
	va_start(ap, fmt);
	vreport(c, "warning", col, hint, fmt, ap);
	va_end(ap);
}

void policy_input_error(struct compiler *c, const char *name, const char *fmt, ...)
{
	char q[SHOW_BUF];
	va_list ap;

	c->errors++;
	if (!c->diag)
		return;
	fprintf(c->diag, "%s: error: ", policy_show(q, sizeof(q), name, strlen(name)));
	va_start(ap, fmt);
	vfprintf(c->diag, fmt, ap);
	va_end(ap);
	fputc('\n', c->diag);
}

/* A "did you mean" hint into buf, or an empty one. */
const char *policy_did_you_mean(char *buf, size_t size, const char *word, size_t len,
				const char *(*get)(size_t, void *), size_t count, void *ctx)
{
	const char *best = policy_suggest(word, len, get, count, ctx);

	if (best)
		snprintf(buf, size, "did you mean '%s'?", best);
	else
		buf[0] = '\0';
	return buf;
}
