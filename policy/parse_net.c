/* SPDX-License-Identifier: MIT */
/*
 * parse_net.c - the `net` statement: `net connect ADDR:PORT[/PROTO]`,
 * `net listen ADDR:PORT[/PROTO]` (or `net listen PORT[/PROTO]`: the
 * loopback addresses), `net dns [FILE]`, and the socket calls every one
 * of them implies.  docs/POLICY.md "net" is the reference and
 * docs/DECISIONS.md "Network" says how the VMM judges what they grant.
 *
 * An address rule is one word (the lexer ends a word only at blanks and
 * the language's punctuation, none of which an address holds), taken
 * apart here piece by piece, so that a message points at the piece that
 * is wrong.  A rule that is wider than it looks is an error, never a
 * guess: a name where an address belongs, host bits past a prefix.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>

#include "compiler.h"

/* What a `net` line lets out of the guest, and what `net dns` does:
 * include/syscalls.def's NET and NET_DNS lines. */
static const int net_calls[] = {
#define NET(name) __NR_##name,
#include "syscalls.def"
};

static const int dns_calls[] = {
#define NET_DNS(name) __NR_##name,
#include "syscalls.def"
};

#define NET_HINT_EXAMPLE "for example: net connect 127.0.0.1:8080, net listen 8080/tcp, net dns"
#define NET_HINT_PORT	"a port is a decimal number 0..65535, a range such as 8000-8099, or *"
#define NET_HINT_NAMES	"net rules take addresses; `net dns` lets the program resolve names"

/* The word being taken apart, for messages: where it starts. */
struct word {
	const char *s;
	size_t len;
	int col;		/* of s[0] */
};

static bool is_digit(char ch)
{
	return ch >= '0' && ch <= '9';
}

static bool is_letter(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

/* Does s (len bytes) hold a letter or a '_' (and so read as a host name
 * rather than a mistyped address)?  Not past a ':', '[' or '*': those
 * are an address's. */
static bool looks_like_name(const char *s, size_t len)
{
	bool letter = false;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == ':' || s[i] == '[' || s[i] == '*')
			return false;
		letter |= is_letter(s[i]) || s[i] == '_';
	}
	return letter;
}

/* A host name where an address belongs: an error with the way out. */
static void name_error(struct compiler *c, const struct word *w, size_t off, size_t len)
{
	char q[SHOW_BUF];

	policy_error(c, w->col + (int)off,
		     len == 9 && !memcmp(w->s + off, "localhost", 9) ?
		     "localhost is 127.0.0.1 (and [::1]): " NET_HINT_NAMES : NET_HINT_NAMES,
		     "'%s' is a host name, not an address",
		     policy_show(q, sizeof(q), w->s + off, len));
}

/*
 * parse_decimal - the digits at s (len bytes, at least one, nothing else)
 * as a number of at most max.  0, -1 for a bad number, -2 for one above
 * max.  (Decimal only: 010 is ten, never eight, in an address or a port.)
 */
static int parse_decimal(const char *s, size_t len, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > max)
			return -2;
	}
	*out = v;
	return 0;
}

/*
 * parse_ipv4 - four decimal numbers 0..255 joined by dots, without
 * leading zeros (inet_aton would read 010 as eight), into addr[0..3].
 * 0 or -1.
 */
static int parse_ipv4(const char *s, size_t len, uint8_t *addr)
{
	size_t i = 0;

	for (int part = 0; part < 4; part++) {
		size_t start = i;
		unsigned long v;

		while (i < len && s[i] != '.')
			i++;
		if (i - start > 3 || (i - start > 1 && s[start] == '0') ||
		    parse_decimal(s + start, i - start, 255, &v) < 0)
			return -1;
		addr[part] = (uint8_t)v;
		if (part < 3) {
			if (i == len)
				return -1;
			i++;	/* the dot */
		}
	}
	return i == len ? 0 : -1;
}

/* parse_ipv6 - s (len bytes) through inet_pton into addr.  0 or -1. */
static int parse_ipv6(const char *s, size_t len, uint8_t *addr)
{
	char buf[INET6_ADDRSTRLEN];

	if (len == 0 || len >= sizeof(buf))
		return -1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, addr) == 1 ? 0 : -1;
}

/*
 * parse_prefix - "/N" at w->s + off (len bytes, the '/' included) for an
 * address of bits bits.  0 (*prefix set) or -1 after reporting it.
 */
static int parse_prefix(struct compiler *c, const struct word *w, size_t off, size_t len,
			unsigned bits, uint8_t *prefix)
{
	char q[SHOW_BUF];
	unsigned long v;
	int r = parse_decimal(w->s + off + 1, len - 1, 1000, &v);

	if (r == 0 && v <= bits) {
		*prefix = (uint8_t)v;
		return 0;
	}
	if (r == 0 || r == -2)
		policy_error(c, w->col + (int)off, "a prefix counts the address's leading bits: "
			     "/0../32 for IPv4, /0../128 for IPv6",
			     "prefix '%s' is longer than an IPv%d address (%u bits)",
			     policy_show(q, sizeof(q), w->s + off, len), bits == 32 ? 4 : 6, bits);
	else
		policy_error(c, w->col + (int)off, "a prefix is '/' and a number of bits: 10.0.0.0/8, "
			     "[2001:db8::/32]",
			     "bad prefix '%s'", policy_show(q, sizeof(q), w->s + off, len));
	return -1;
}

/*
 * check_host_bits - an address with bits set past its prefix (10.1.2.3/8)
 * is an error, not the network it lies in: the writer may have meant
 * the one address, or another prefix.  The hint names both readings.
 */
static int check_host_bits(struct compiler *c, const struct word *w, size_t len,
			   struct lstar_policy_net *r)
{
	struct lstar_policy_net net = *r, one = *r;
	unsigned bytes = r->family == 4 ? 4 : 16;
	char q[SHOW_BUF], a[64], b[64], hint[200];
	bool set = false;

	for (unsigned i = r->prefix; i < bytes * 8; i++) {
		uint8_t bit = (uint8_t)(0x80 >> (i % 8));

		set |= (net.addr[i / 8] & bit) != 0;
		net.addr[i / 8] &= (uint8_t)~bit;
	}
	if (!set)
		return 0;
	/* Shown as rules of any port, cut at the ':' of the port. */
	net.port_lo = one.port_lo = 0;
	net.port_hi = one.port_hi = 65535;
	net.protos = one.protos = LSTAR_NET_TCP | LSTAR_NET_UDP;
	one.prefix = (uint8_t)(bytes * 8);
	lstar_policy_net_text(&net, a, sizeof(a));
	lstar_policy_net_text(&one, b, sizeof(b));
	*strrchr(a, ':') = '\0';
	*strrchr(b, ':') = '\0';
	snprintf(hint, sizeof(hint), "the network is %s; for the one address write %s", a, b);
	policy_error(c, w->col, hint, "address '%s' has bits set past its /%u prefix",
		     policy_show(q, sizeof(q), w->s, len), r->prefix);
	return -1;
}

/*
 * parse_addr - the address at the start of w, up to the ':' of the port:
 * "*", an IPv4 address, or an IPv6 one in brackets, each but '*' with an
 * optional "/PREFIX".  Sets r's family, prefix and addr, and *end to the
 * ':' that follows.  0, or -1 after reporting what is wrong.
 */
static int parse_addr(struct compiler *c, const struct word *w, struct lstar_policy_net *r,
		      size_t *end)
{
	char q[SHOW_BUF];
	size_t alen, slash;

	if (w->s[0] == '[') {
		const char *close = memchr(w->s, ']', w->len);
		uint8_t v4[4];

		if (!close) {
			policy_error(c, w->col, "an IPv6 address goes in brackets, and the port after "
				     "them: [::1]:5432", "'[' is not closed");
			return -1;
		}
		alen = (size_t)(close - w->s);
		for (slash = 1; slash < alen && w->s[slash] != '/'; slash++)
			;
		if (parse_ipv6(w->s + 1, slash - 1, r->addr) < 0) {
			policy_error(c, w->col + 1, parse_ipv4(w->s + 1, slash - 1, v4) == 0 ?
				     "brackets are for IPv6: write an IPv4 address as it is, "
				     "127.0.0.1:80" : "for example: [::1], [2001:db8::/32]",
				     "bad IPv6 address '%s'",
				     policy_show(q, sizeof(q), w->s + 1, slash - 1));
			return -1;
		}
		r->family = 6;
		r->prefix = 128;
		if (slash < alen && parse_prefix(c, w, slash, alen - slash, 128, &r->prefix) < 0)
			return -1;
		if (check_host_bits(c, w, alen + 1, r) < 0)
			return -1;
		*end = alen + 1;
		if (*end == w->len || w->s[*end] != ':') {
			policy_error(c, w->col + (int)*end, "the port follows the bracket: [::1]:5432",
				     "expected ':' and a port after ']'");
			return -1;
		}
		/* An IPv4-mapped address is the IPv4 address it maps: the VMM
		 * judges it so (lstar_policy_net_find), so the rule is one. */
		if (r->prefix >= 96 && lstar_policy_net_mapped(r->addr)) {
			memmove(r->addr, r->addr + 12, 4);
			memset(r->addr + 4, 0, 12);
			r->family = 4;
			r->prefix = (uint8_t)(r->prefix - 96);
		}
		return 0;
	}
	/* Without brackets the address ends at the first ':'. */
	for (alen = 0; alen < w->len && w->s[alen] != ':'; alen++)
		;
	if (alen < w->len && memchr(w->s + alen + 1, ':', w->len - alen - 1)) {
		policy_error(c, w->col, "an IPv6 address goes in brackets, and the port after them: "
			     "[::1]:5432, [2001:db8::/32]:443",
			     "IPv6 address without brackets in '%s'",
			     policy_show(q, sizeof(q), w->s, w->len));
		return -1;
	}
	if (alen == 0) {
		policy_error(c, w->col, "for example: 127.0.0.1:8080, or *:53 for any address",
			     "expected an address before ':'");
		return -1;
	}
	*end = alen;
	if (w->s[0] == '*') {
		if (alen != 1) {
			policy_error(c, w->col, "'*' alone is any address, IPv4 and IPv6; "
				     "0.0.0.0/0 is any IPv4 one, [::/0] any IPv6 one",
				     "bad address '%s'", policy_show(q, sizeof(q), w->s, alen));
			return -1;
		}
		r->family = 0;
		r->prefix = 0;
		return 0;
	}
	for (slash = 0; slash < alen && w->s[slash] != '/'; slash++)
		;
	if (looks_like_name(w->s, slash)) {
		name_error(c, w, 0, slash);
		return -1;
	}
	if (parse_ipv4(w->s, slash, r->addr) < 0) {
		policy_error(c, w->col, "an IPv4 address is four numbers 0..255 (no leading zeros): "
			     "10.0.0.1; an IPv6 one goes in brackets: [::1]",
			     "bad address '%s'", policy_show(q, sizeof(q), w->s, slash));
		return -1;
	}
	r->family = 4;
	r->prefix = 32;
	if (slash < alen && parse_prefix(c, w, slash, alen - slash, 32, &r->prefix) < 0)
		return -1;
	return check_host_bits(c, w, alen, r);
}

/* One port number at w->s + off (len bytes).  0 or -1, reported. */
static int parse_port_number(struct compiler *c, const struct word *w, size_t off, size_t len,
			     uint16_t *port)
{
	char q[SHOW_BUF];
	unsigned long v;
	int r = parse_decimal(w->s + off, len, 65535, &v);

	if (r == 0) {
		*port = (uint16_t)v;
		return 0;
	}
	if (r == -2)
		policy_error(c, w->col + (int)off, NULL, "port %s is out of range: 0..65535",
			     policy_show(q, sizeof(q), w->s + off, len));
	else if (len == 0)
		policy_error(c, w->col + (int)off, NET_HINT_PORT, "expected a port");
	else
		policy_error(c, w->col + (int)off, is_letter(w->s[off]) ?
			     "ports are numbers, not service names: 443, not https" : NET_HINT_PORT,
			     "bad port '%s'", policy_show(q, sizeof(q), w->s + off, len));
	return -1;
}

static const char *const protos[] = { "tcp", "udp" };

static const char *proto_at(size_t i, void *ctx)
{
	(void)ctx;
	return protos[i];
}

/*
 * parse_ports - "PORT", "LO-HI" or "*", then "/tcp", "/udp" or nothing,
 * from w->s + off to the end of the word, into r.  0 or -1, reported.
 */
static int parse_ports(struct compiler *c, const struct word *w, size_t off,
		       struct lstar_policy_net *r)
{
	char q[SHOW_BUF], hint[128];
	size_t end, dash;

	for (end = off; end < w->len && w->s[end] != '/'; end++)
		;
	for (dash = off; dash < end && w->s[dash] != '-'; dash++)
		;
	if (end - off == 1 && w->s[off] == '*') {
		r->port_lo = 0;
		r->port_hi = 65535;
	} else if (dash == end) {
		if (parse_port_number(c, w, off, end - off, &r->port_lo) < 0)
			return -1;
		r->port_hi = r->port_lo;
	} else {
		if (parse_port_number(c, w, off, dash - off, &r->port_lo) < 0 ||
		    parse_port_number(c, w, dash + 1, end - dash - 1, &r->port_hi) < 0)
			return -1;
		if (r->port_lo > r->port_hi) {
			snprintf(hint, sizeof(hint), "the lower port comes first: %u-%u",
				 r->port_hi, r->port_lo);
			policy_error(c, w->col + (int)off, hint, "port range '%s' runs backwards",
				     policy_show(q, sizeof(q), w->s + off, end - off));
			return -1;
		}
	}
	r->protos = LSTAR_NET_TCP | LSTAR_NET_UDP;
	if (end == w->len)
		return 0;
	end++;	/* the '/' */
	for (int i = 0; i < 2; i++)
		if (w->len - end == 3 && !memcmp(w->s + end, protos[i], 3)) {
			r->protos = i == 0 ? LSTAR_NET_TCP : LSTAR_NET_UDP;
			return 0;
		}
	if (end == w->len) {
		policy_error(c, w->col + (int)end, NULL, "expected tcp or udp after '/'");
		return -1;
	}
	policy_did_you_mean(hint, sizeof(hint), w->s + end, w->len - end, proto_at, 2, NULL);
	policy_error(c, w->col + (int)end, *hint ? hint : "a rule is for /tcp or /udp; "
		     "without either it covers both",
		     "unknown protocol '%s'", policy_show(q, sizeof(q), w->s + end, w->len - end));
	return -1;
}

/* Two rules that grant the same: the duplicate warning's notion. */
static bool same_net(const struct lstar_policy_net *a, const struct lstar_policy_net *b)
{
	return a->op == b->op && a->protos == b->protos && a->family == b->family &&
	       a->prefix == b->prefix && !memcmp(a->addr, b->addr, sizeof(a->addr)) &&
	       a->port_lo == b->port_lo && a->port_hi == b->port_hi;
}

/*
 * add_net - keep rule r (its src set), in source order: the VMM names
 * the last one that matches.  A rule the same file wrote before is a
 * warning at col (once per line: *warned).  0, or -1 after an error.
 */
static int add_net(struct compiler *c, const struct lstar_policy_net *r, int col, bool *warned)
{
	uint32_t file = c->srcs[r->src].file;

	if (c->nnets >= MAX_NET_RULES) {
		policy_error(c, 0, NULL, "too many net rules: a policy holds at most %d",
			     MAX_NET_RULES);
		c->stopped = true;	/* every later one would say the same */
		return -1;
	}
	/* A linear walk: MAX_NET_RULES bounds it. */
	for (size_t i = 0; i < c->nnets && !*warned; i++)
		if (c->srcs[c->nets[i].src].file == file && same_net(&c->nets[i], r)) {
			policy_warning(c, col, NULL, "duplicate of line %d",
				       c->srcs[c->nets[i].src].line);
			*warned = true;
		}
	if (GROW(c, nets, nnets, nets_cap) < 0) {
		policy_error(c, 0, NULL, "out of memory");
		return -1;
	}
	c->nets[c->nnets++] = *r;
	return 0;
}

/* The n calls as implied allows from source src. */
static void imply(struct compiler *c, const int *calls, size_t n, uint32_t src)
{
	for (size_t i = 0; i < n; i++)
		if (policy_add_implied(c, calls[i], src) < 0)
			return;
}

/* "net dns [FILE]" */
static void stmt_dns(struct compiler *c, const struct tok *toks, size_t n,
		     const char *text, size_t text_len)
{
	const struct frame *f = &c->stack[c->depth - 1];
	char q[SHOW_BUF];
	char *conf = NULL;
	int64_t src;

	if (n > 3) {
		policy_error(c, toks[3].col, "a file name with spaces or punctuation goes in double quotes",
			     "expected the end of the line after the file, got '%s'",
			     policy_show(q, sizeof(q), toks[3].s, toks[3].len));
		return;
	}
	if (n == 3) {
		const struct tok *t = &toks[2];

		if (t->kind != TK_WORD && t->kind != TK_STRING) {
			policy_error(c, t->col, "for example: net dns, or net dns /etc/lstar/resolv.conf",
				     "expected a file after 'net dns', or the end of the line");
			return;
		}
		if (t->len == 0 || t->s[0] != '/') {
			policy_error(c, t->col, "net dns names a resolv.conf by its absolute path, "
				     "such as /etc/lstar/resolv.conf",
				     "file '%s' is not absolute", policy_show(q, sizeof(q), t->s, t->len));
			return;
		}
		if (!(conf = policy_normalize_path(c, t)))
			return;
	}
	if (c->dns_file == (int64_t)f->file)
		policy_warning(c, toks[1].col, NULL, "net dns set again (line %d set it too): "
			       "this one counts", c->srcs[c->dns_src].line);
	if ((src = policy_add_source(c, text, text_len)) < 0) {
		free(conf);
		return;
	}
	free(c->dns_conf);
	c->dns = true;
	c->dns_conf = conf;
	c->dns_src = (uint32_t)src;
	c->dns_file = f->file;
	imply(c, net_calls, sizeof(net_calls) / sizeof(net_calls[0]), (uint32_t)src);
	imply(c, dns_calls, sizeof(dns_calls) / sizeof(dns_calls[0]), (uint32_t)src);
}

static const char *const verbs[] = { "connect", "listen", "dns" };

static const char *verb_at(size_t i, void *ctx)
{
	(void)ctx;
	return verbs[i];
}

/* Is r's address the unspecified one (0.0.0.0, ::), alone? */
static bool unspecified(const struct lstar_policy_net *r)
{
	static const uint8_t zero[16];

	return r->family && r->prefix == (r->family == 4 ? 32 : 128) &&
	       !memcmp(r->addr, zero, r->family == 4 ? 4 : 16);
}

/* "net connect|listen ADDR:PORT[/PROTO]", "net listen PORT[/PROTO]",
 * "net dns [FILE]" */
void policy_stmt_net(struct compiler *c, const struct tok *toks, size_t n,
		     const char *text, size_t text_len)
{
	struct lstar_policy_net r = { 0 };
	char q[SHOW_BUF], hint[128];
	bool loopback = false, warned = false;
	const char *verb;
	struct word w;
	size_t end;
	int64_t src;

	if (n < 2 || toks[1].kind != TK_WORD) {
		policy_error(c, n < 2 ? policy_end_col(toks, n) : toks[1].col, NET_HINT_EXAMPLE,
			     "expected connect, listen or dns after 'net'");
		return;
	}
	if (policy_is_word(&toks[1], "dns")) {
		stmt_dns(c, toks, n, text, text_len);
		return;
	}
	if (policy_is_word(&toks[1], "connect")) {
		r.op = LSTAR_NET_CONNECT;
	} else if (policy_is_word(&toks[1], "listen")) {
		r.op = LSTAR_NET_LISTEN;
	} else {
		policy_did_you_mean(hint, sizeof(hint), toks[1].s, toks[1].len, verb_at, 3, NULL);
		policy_error(c, toks[1].col, *hint ? hint : "net rules are: net connect ADDR:PORT, "
			     "net listen ADDR:PORT, net dns [FILE]",
			     "unknown net rule '%s'", policy_show(q, sizeof(q), toks[1].s, toks[1].len));
		return;
	}
	verb = r.op == LSTAR_NET_CONNECT ? "connect" : "listen";
	if (n < 3 || toks[2].kind != TK_WORD) {
		snprintf(hint, sizeof(hint), "%sfor example: net %s 127.0.0.1:8080%s",
			 n >= 3 && toks[2].kind == TK_STRING ? "an address goes without quotes; " : "",
			 verb, r.op == LSTAR_NET_LISTEN ?
			 ", or net listen 8080 for the loopback addresses" : "");
		policy_error(c, n < 3 ? policy_end_col(toks, n) : toks[2].col, hint,
			     "expected ADDR:PORT after 'net %s'", verb);
		return;
	}
	if (n > 3) {
		bool proto = policy_is_word(&toks[3], "tcp") || policy_is_word(&toks[3], "udp") ||
			     policy_is_word(&toks[3], "/tcp") || policy_is_word(&toks[3], "/udp");

		policy_error(c, toks[3].col, proto ? "the protocol follows the port, without a blank: "
			     "127.0.0.1:53/udp" : "one address and port per line",
			     "expected the end of the line after the address, got '%s'",
			     policy_show(q, sizeof(q), toks[3].s, toks[3].len));
		return;
	}
	w = (struct word){ .s = toks[2].s, .len = toks[2].len, .col = toks[2].col };
	if (w.s[0] != '[' && !memchr(w.s, ':', w.len)) {
		/* No address: PORT alone, which means the loopback addresses
		 * for listen and nothing for connect. */
		size_t head;

		for (head = 0; head < w.len && w.s[head] != '/'; head++)
			;
		if (looks_like_name(w.s, head)) {
			name_error(c, &w, 0, head);
			return;
		}
		if (memchr(w.s, '.', head)) {
			snprintf(hint, sizeof(hint), "for example: net %s 10.0.0.1:443", verb);
			policy_error(c, w.col + (int)w.len, hint, "expected ':' and a port after the address");
			return;
		}
		if (r.op == LSTAR_NET_CONNECT) {
			policy_error(c, w.col, "`net listen PORT` alone means the loopback addresses; "
				     "a connection names one: net connect 127.0.0.1:8080",
				     "expected ADDR:PORT: a connect rule names the address");
			return;
		}
		if (parse_ports(c, &w, 0, &r) < 0)
			return;
		loopback = true;
	} else if (parse_addr(c, &w, &r, &end) < 0 || parse_ports(c, &w, end + 1, &r) < 0) {
		return;
	}
	/* A listen rule's address is also whom the program may hear: the
	 * unspecified address is no peer's, so such a rule accepts no one. */
	if (r.op == LSTAR_NET_LISTEN && unspecified(&r))
		policy_warning(c, w.col, "any peer: net listen *:PORT; this machine only: "
			       "net listen PORT",
			       "this rule lets the program bind the port but hear no peer: a "
			       "listen rule's address is whom it may hear, and no peer is %s",
			       r.family == 4 ? "0.0.0.0" : "[::]");
	if ((src = policy_add_source(c, text, text_len)) < 0)
		return;
	r.src = (uint32_t)src;
	if (loopback) {
		struct lstar_policy_net v4 = r, v6 = r;

		v4.family = 4;
		v4.prefix = 8;
		v4.addr[0] = 127;		/* 127.0.0.0/8 */
		v6.family = 6;
		v6.prefix = 128;
		v6.addr[15] = 1;		/* ::1 */
		if (add_net(c, &v4, w.col, &warned) < 0 || add_net(c, &v6, w.col, &warned) < 0)
			return;
	} else if (add_net(c, &r, w.col, &warned) < 0) {
		return;
	}
	imply(c, net_calls, sizeof(net_calls) / sizeof(net_calls[0]), (uint32_t)src);
}
