/* SPDX-License-Identifier: MIT */
/*
 * fuzz_me.c - a tiny parser with a planted bug, to try `lstar fuzz` on
 * (README.md, "Fuzzing").
 *
 * Its input is records: a type byte, a length byte, then that many bytes.
 * Types 'a', 'b' and 'c' each have a handler; 'd' was planned and never
 * written, and nothing checks for the hole in the table: a record of
 * type 'd' calls through a null pointer.
 */
#include <stdio.h>
#include <unistd.h>

typedef unsigned (*handler)(const unsigned char *p, size_t len);

static unsigned sum(const unsigned char *p, size_t len)
{
	unsigned s = 0;

	while (len--)
		s += *p++;
	return s;
}

static unsigned count(const unsigned char *p, size_t len)
{
	(void)p;
	return (unsigned)len;
}

static unsigned first(const unsigned char *p, size_t len)
{
	return len ? p[0] : 0;
}

static const handler handlers[4] = { sum, count, first, NULL /* 'd' */ };

int main(void)
{
	unsigned char buf[4096];
	ssize_t n = read(0, buf, sizeof(buf));
	size_t at = 0, records = 0;
	unsigned total = 0;

	while (n > 0 && at + 2 <= (size_t)n) {
		unsigned char type = buf[at], len = buf[at + 1];

		if (type < 'a' || type > 'd' || at + 2 + len > (size_t)n) {
			fprintf(stderr, "fuzz_me: bad record at %zu\n", at);
			return 1;
		}
		total += handlers[type - 'a'](buf + at + 2, len);
		at += 2 + (size_t)len;
		records++;
	}
	printf("%zu records, total %u\n", records, total);
	return 0;
}
