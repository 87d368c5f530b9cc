/* SPDX-License-Identifier: MIT */
/*
 * net.c - judging an address against the policy's `net` rules.
 *
 * The VMM copies the address a program passes to connect, bind, sendto
 * or sendmsg out of guest memory once and asks here which rule, if any,
 * lets it through (docs/POLICY.md "net").  The last matching rule is the
 * one named in --trace and -v, as for every other rule.
 */
#include <string.h>

#include "compile.h"

static bool prefix_matches(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole))
		return false;
	return !rest || ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

const struct lstar_policy_net *lstar_policy_net_find(const struct lstar_policy *p, int op,
						     int proto, int family,
						     const uint8_t *addr, uint16_t port)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

	if (family == 6 && !memcmp(addr, v4mapped, sizeof(v4mapped))) {
		family = 4;
		addr += 12;
	}
	for (int i = p->nnets - 1; i >= 0; i--) {
		const struct lstar_policy_net *n = &p->nets[i];

		if (n->op != op || !(n->protos & proto) ||
		    port < n->port_lo || port > n->port_hi)
			continue;
		if (n->family == 0 ||
		    (n->family == family && prefix_matches(n->addr, addr, n->prefix)))
			return n;
	}
	return NULL;
}
