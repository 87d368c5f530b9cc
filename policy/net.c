/* SPDX-License-Identifier: MIT */
/*
 * net.c - judging an address against the policy's `net` rules, and
 * writing a rule as the language spells it.
 *
 * The VMM copies the address a program passes to connect, bind, sendto
 * or sendmsg out of guest memory once and asks here which rule, if any,
 * lets it through (docs/POLICY.md "net").  The last matching rule is the
 * one named in --trace and -v, as for every other rule.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "compile.h"

static bool prefix_matches(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned whole = bits / 8, rest = bits % 8;

	if (memcmp(a, b, whole))
		return false;
	return !rest || ((a[whole] ^ b[whole]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

bool lstar_policy_net_mapped(const uint8_t *addr)
{
	static const uint8_t prefix[12] = { [10] = 0xff, [11] = 0xff };

	return !memcmp(addr, prefix, sizeof(prefix));
}

const struct lstar_policy_net *lstar_policy_net_find(const struct lstar_policy *p, int op,
						     int proto, int family,
						     const uint8_t *addr, uint16_t port)
{
	if (family == 6 && lstar_policy_net_mapped(addr)) {
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

const char *lstar_policy_net_text(const struct lstar_policy_net *n, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN + 8], port[16];
	const char *proto = n->protos == LSTAR_NET_TCP ? "/tcp" :
			    n->protos == LSTAR_NET_UDP ? "/udp" : "";

	/* A prefix is written only where it leaves bits out, as the
	 * parser reads an address without one: all of it. */
	if (n->family == 4 && inet_ntop(AF_INET, n->addr, addr, sizeof(addr))) {
		if (n->prefix != 32)
			snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "/%u", n->prefix);
	} else if (n->family == 6 && inet_ntop(AF_INET6, n->addr, addr + 1, sizeof(addr) - 2)) {
		addr[0] = '[';
		if (n->prefix != 128)
			snprintf(addr + strlen(addr), sizeof(addr) - strlen(addr), "/%u", n->prefix);
		strcat(addr, "]");
	} else {
		snprintf(addr, sizeof(addr), "*");
	}
	if (n->port_lo == 0 && n->port_hi == 65535)
		snprintf(port, sizeof(port), "*");
	else if (n->port_lo == n->port_hi)
		snprintf(port, sizeof(port), "%u", n->port_lo);
	else
		snprintf(port, sizeof(port), "%u-%u", n->port_lo, n->port_hi);
	snprintf(buf, len, "%s:%s%s", addr, port, proto);
	return buf;
}
