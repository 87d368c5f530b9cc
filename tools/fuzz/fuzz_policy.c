/* SPDX-License-Identifier: MIT */
/*
 * fuzz_policy.c - the policy compiler on any text (lstar-policy check's
 * path, and lstar run's -p): it must answer with diagnostics or a table
 * that passes its own validation, never crash or leak (libFuzzer, ASan,
 * UBSan; make fuzz-parsers).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lstar_policy_input in = { "fuzz", NULL };
	struct lstar_policy p;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = 0;
	in.text = text;
	if (lstar_policy_compile(&in, 1, &p, NULL) == 0)
		lstar_policy_free(&p);
	free(text);
	return 0;
}
