/* SPDX-License-Identifier: MIT */
/*
 * test_shim_lib.c - the shim's memset, memcpy, memmove and memcmp
 * (shim-kernel/lib.c, string instructions), built for the host under
 * other names and compared with the C library's on every size up to 300,
 * every alignment and every overlap in both directions.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tests.h"

#define SHIM_HOST_TEST
#define memset shim_memset
#define memcpy shim_memcpy
#define memmove shim_memmove
#define memcmp shim_memcmp
#include "../shim-kernel/lib.c"
#undef memset
#undef memcpy
#undef memmove
#undef memcmp

#define AREA 1024

static void fill(unsigned char *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (unsigned char)(seed * 131 + i * 7 + (i >> 3));
}

START_TEST(copies_like_libc)
{
	static unsigned char a[AREA], b[AREA], src[AREA];

	for (size_t n = 0; n <= 300; n++) {
		for (size_t so = 0; so < 9; so++) {
			for (size_t doff = 0; doff < 9; doff++) {
				fill(src, AREA, (unsigned)(n + so));
				memset(a, 0xaa, AREA);
				memset(b, 0xaa, AREA);
				ck_assert_ptr_eq(shim_memcpy(a + 64 + doff, src + so, n), a + 64 + doff);
				memcpy(b + 64 + doff, src + so, n);
				ck_assert_msg(!memcmp(a, b, AREA), "memcpy n %zu, offsets %zu %zu",
					      n, so, doff);
				ck_assert_ptr_eq(shim_memset(a + doff, (int)(n + so), n), a + doff);
				memset(b + doff, (int)(n + so), n);
				ck_assert_msg(!memcmp(a, b, AREA), "memset n %zu, offset %zu", n, doff);
			}
		}
	}
}
END_TEST

/* Overlapping moves, dst above and below src by every distance up to 24
 * and a few far ones. */
START_TEST(moves_like_libc)
{
	static unsigned char a[AREA], b[AREA];
	static const long shifts[] = { -200, -33, -24, -17, -16, -9, -8, -7, -3, -1, 0,
				       1, 2, 3, 7, 8, 9, 15, 16, 17, 24, 33, 200 };

	for (size_t n = 0; n <= 300; n++) {
		for (size_t k = 0; k < sizeof(shifts) / sizeof(shifts[0]); k++) {
			size_t s = 300, d = (size_t)(300 + shifts[k]);

			fill(a, AREA, (unsigned)n);
			fill(b, AREA, (unsigned)n);
			ck_assert_ptr_eq(shim_memmove(a + d, a + s, n), a + d);
			memmove(b + d, b + s, n);
			ck_assert_msg(!memcmp(a, b, AREA), "memmove n %zu, shift %ld", n, shifts[k]);
		}
	}
}
END_TEST

START_TEST(compares_like_libc)
{
	unsigned char x[64], y[64];

	fill(x, sizeof(x), 1);
	memcpy(y, x, sizeof(y));
	ck_assert_int_eq(shim_memcmp(x, y, sizeof(x)), 0);
	y[40]++;
	ck_assert_int_lt(shim_memcmp(x, y, sizeof(x)), 0);
	ck_assert_int_gt(shim_memcmp(y, x, sizeof(x)), 0);
	ck_assert_int_eq(shim_memcmp(x, y, 40), 0);
}
END_TEST

Suite *suite_shim_lib(void)
{
	Suite *s = suite_create("shim_lib");
	TCase *tc = tcase_create("lib");

	tcase_add_test(tc, copies_like_libc);
	tcase_add_test(tc, moves_like_libc);
	tcase_add_test(tc, compares_like_libc);
	suite_add_tcase(s, tc);
	return s;
}
