/* SPDX-License-Identifier: MIT */
/*
 * dns.c - `net dns [FILE]`: name resolution without the host's /etc.
 *
 * At start, before confinement, the VMM reads FILE (the host's
 * /etc/resolv.conf when the policy names none) and keeps only what a
 * resolver needs from it: the nameserver addresses, the search list and
 * the options.  From those it writes the text of a made-up
 * /etc/resolv.conf, and /etc/hosts is localhost alone; both are held in
 * sealed memfds that dev.c shows the program as read-only files
 * (docs/DECISIONS.md, "Network").  The program may then reach exactly
 * the nameservers it was shown, on port 53 (vmm_dns_allows).
 *
 * The file is the host's and may hold anything: it is read whole within
 * a bound, line by line, and nothing of it is copied out as it was
 * written.  Each kept line is written anew from what was parsed (an
 * address as inet_ntop spells it, names and options checked byte by
 * byte), so that no other host fact, comment or odd byte reaches the
 * program, and the program sees no nameserver it may not reach.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmm.h"

#define HOST_RESOLV_CONF	"/etc/resolv.conf"
#define CONF_MAX		(1 << 20)	/* bytes: far above any real one */
#define LINE_MAX_KEPT		4096		/* a longer line is left out whole */
/* musl reads resolv.conf through a 256-byte line buffer: a line it
 * would cut in two must not be written. */
#define OUT_LINE_MAX		255
#define NAME_MAX_DNS		253		/* a domain name's longest text */
#define OPTION_MAX		64

static const char hosts_text[] =
	"127.0.0.1 localhost\n"
	"::1 localhost ip6-localhost ip6-loopback\n";

/* One whitespace-separated word of a line: [*s, end). */
static bool next_word(const char **s, const char *end, const char **w, size_t *n)
{
	const char *p = *s;

	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	*w = p;
	while (p < end && *p != ' ' && *p != '\t' && *p != '\r')
		p++;
	*n = (size_t)(p - *w);
	*s = p;
	return *n > 0;
}

/* Is [w, w + n) made only of bytes a name or an option may hold?  No
 * control byte, no quote, nothing a shell or a parser could misread. */
static bool plain_word(const char *w, size_t n, bool option)
{
	for (size_t i = 0; i < n; i++) {
		char c = w[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
		      (option && c == ':')))
			return false;
	}
	return n > 0;
}

/* Does keyword kw begin the line [s, end), followed by a blank? */
static bool keyword(const char *s, const char *end, const char *kw)
{
	size_t n = strlen(kw);

	return (size_t)(end - s) > n && !memcmp(s, kw, n) &&
	       (s[n] == ' ' || s[n] == '\t');
}

/*
 * The nameserver word w: kept (appended to dns->servers) when it is an
 * address a resolver can be asked at.  IPv4-mapped IPv6 is kept as the
 * IPv4 address it maps (the network checks judge it so); the
 * unspecified and multicast addresses are nobody to ask.  A scoped IPv6
 * address (fe80::1%eth0) names an interface of the host: left out, and
 * counted in *scoped.
 */
static void keep_server(struct vmm_dns *dns, const char *w, size_t n, int *scoped)
{
	struct vmm_dns_server s = { 0 };
	char text[INET6_ADDRSTRLEN];

	if (memchr(w, '%', n)) {
		(*scoped)++;
		return;
	}
	if (n >= sizeof(text))
		return;
	memcpy(text, w, n);
	text[n] = '\0';
	if (inet_pton(AF_INET, text, s.addr) == 1) {
		s.family = 4;
	} else if (inet_pton(AF_INET6, text, s.addr) == 1) {
		s.family = 6;
		if (lstar_policy_net_mapped(s.addr)) {
			memmove(s.addr, s.addr + 12, 4);
			memset(s.addr + 4, 0, 12);
			s.family = 4;
		}
	} else {
		return;		/* not an address: the libcs skip it too */
	}
	if (s.family == 4 ? (!memcmp(s.addr, "\0\0\0\0", 4) || (s.addr[0] & 0xf0) == 0xe0 ||
			     !memcmp(s.addr, "\xff\xff\xff\xff", 4)) :
			    (s.addr[0] == 0xff ||
			     !memcmp(s.addr, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16)))
		return;
	for (int i = 0; i < dns->nservers; i++)
		if (dns->servers[i].family == s.family &&
		    !memcmp(dns->servers[i].addr, s.addr, 16))
			return;		/* once is enough */
	/* The libcs ask the first three and ignore the rest; a program is
	 * shown, and may reach, no more than it would use. */
	if (dns->nservers < VMM_DNS_MAX_SERVERS)
		dns->servers[dns->nservers++] = s;
}

/* Append the words of [s, end) that pass plain_word to line (a kept
 * line being built, len bytes so far), while it stays one line musl
 * reads whole; at most max of them. */
static void keep_words(char *line, size_t *len, const char *s, const char *end,
		       bool option, int max)
{
	const char *w;
	size_t n;

	for (int kept = 0; kept < max && next_word(&s, end, &w, &n);) {
		if (n > (option ? OPTION_MAX : NAME_MAX_DNS) || !plain_word(w, n, option) ||
		    *len + 1 + n + 1 > OUT_LINE_MAX)
			continue;
		line[(*len)++] = ' ';
		memcpy(line + *len, w, n);
		*len += n;
		line[*len] = '\0';
		kept++;
	}
}

/* Append "head body\n" to text (cap bytes, *used of them written) while
 * it fits; *used counts on past cap, so that the caller sees it did not. */
static void put_line(char *text, size_t cap, size_t *used, const char *head,
		     const char *body)
{
	size_t n = strlen(head) + strlen(body) + 1;

	if (*used + n < cap)
		snprintf(text + *used, cap - *used, "%s%s\n", head, body);
	*used += n;
}

int vmm_dns_build(const char *conf, size_t len, struct vmm_dns *dns, char *text,
		  size_t cap, int *scoped)
{
	char search[OUT_LINE_MAX + 1] = "", options[OUT_LINE_MAX + 1] = "options";
	size_t slen = 0, olen = strlen(options), used = 0;
	const char *s = conf, *conf_end = conf + len;

	dns->nservers = 0;
	*scoped = 0;
	if (cap)
		text[0] = '\0';	/* when nothing is kept */
	while (s < conf_end) {
		const char *nl = memchr(s, '\n', (size_t)(conf_end - s));
		const char *end = nl ? nl : conf_end, *cut, *w;
		bool garbage = false;
		size_t n;

		/* A line too long for any resolver, or holding a control
		 * byte, is not one a person wrote: left out whole. */
		for (const unsigned char *p = (const unsigned char *)s;
		     p < (const unsigned char *)end && !garbage; p++)
			garbage = (*p < 0x20 && *p != '\t' && *p != '\r') || *p == 0x7f;
		if (end - s >= LINE_MAX_KEPT || garbage)
			goto next;
		/* '#' and ';' begin a comment wherever they stand. */
		for (cut = s; cut < end && *cut != '#' && *cut != ';'; cut++)
			;
		end = cut;
		if (keyword(s, end, "nameserver")) {
			s += strlen("nameserver");
			if (next_word(&s, end, &w, &n))
				keep_server(dns, w, n, scoped);
		} else if (keyword(s, end, "search") || keyword(s, end, "domain")) {
			/* The last search or domain line wins, as in both
			 * libcs; a domain line names one domain. */
			bool domain = *s == 'd';

			slen = (size_t)snprintf(search, sizeof(search), "%s",
						domain ? "domain" : "search");
			keep_words(search, &slen, s + 6, end, false, domain ? 1 : 64);
			if (slen == 6)
				slen = 0;	/* nothing fit: no line */
		} else if (keyword(s, end, "options")) {
			/* Each options line adds to the ones before. */
			keep_words(options, &olen, s + 7, end, true, 64);
		}
next:
		s = nl ? nl + 1 : conf_end;
	}
	for (int i = 0; i < dns->nservers; i++) {
		char a[INET6_ADDRSTRLEN];

		inet_ntop(dns->servers[i].family == 4 ? AF_INET : AF_INET6,
			  dns->servers[i].addr, a, sizeof(a));
		put_line(text, cap, &used, "nameserver ", a);
	}
	if (slen)
		put_line(text, cap, &used, "", search);
	if (olen > strlen("options"))
		put_line(text, cap, &used, "", options);
	return used < cap ? (int)used : -ENOSPC;
}

/* A sealed memfd holding text: nobody, the VMM included, can change it. */
static int sealed_file(const char *name, const char *text, size_t len, int *out)
{
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING), err = 0;

	if (fd < 0)
		return -errno;
	if ((size_t)write(fd, text, len) != len)
		err = -EIO;
	else if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE |
		       F_SEAL_SEAL) < 0)
		err = -errno;
	if (err) {
		close(fd);
		return err;
	}
	*out = fd;
	return 0;
}

/* Read the regular file path whole (at most CONF_MAX bytes) into *out
 * (malloc'd).  0 or -errno; -EFBIG when larger. */
static int read_conf(const char *path, char **out, size_t *len)
{
	/* O_NONBLOCK: a FIFO put at the name must not hang the start. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY), err = 0;
	size_t used = 0;
	struct stat st;
	char *buf;

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -EINVAL;
	}
	if (!(buf = malloc(CONF_MAX + 1))) {
		close(fd);
		return -ENOMEM;
	}
	for (;;) {
		ssize_t got = read(fd, buf + used, CONF_MAX + 1 - used);

		if (got < 0) {
			err = -errno;
			break;
		}
		if (got == 0)
			break;
		used += (size_t)got;
		if (used > CONF_MAX) {
			err = -EFBIG;
			break;
		}
	}
	close(fd);
	if (err) {
		free(buf);
		return err;
	}
	*out = buf;
	*len = used;
	return 0;
}

int vmm_dns_init(struct vmm_process *proc)
{
	const struct lstar_policy *p = proc->policy;
	const char *path = p->dns_conf ? p->dns_conf : HOST_RESOLV_CONF;
	struct vmm_dns *dns = &proc->dns;
	char where[256], text[1024], *conf = NULL;
	size_t len = 0;
	int err, n, scoped;

	if (!p->dns)
		return 0;
	lstar_policy_where(p, p->dns_src, where, sizeof(where));
	/* A grant of the host's own file there would only seem to work:
	 * the made-up one hides it. */
	for (int i = 0; i < proc->ntrees; i++) {
		const char *t = proc->trees[i].path;

		if (vmm_fs_tree_contains("/etc/resolv.conf", t) ||
		    vmm_fs_tree_contains("/etc/hosts", t)) {
			vmm_err("%s: net dns makes up %s; a tree granting %s would be "
				"hidden by it", where, !strncmp(t, "/etc/hosts", 10) ?
				"/etc/hosts" : "/etc/resolv.conf", t);
			return -EEXIST;
		}
	}
	if ((err = read_conf(path, &conf, &len))) {
		vmm_err("%s: net dns: %s: %s", where, path,
			err == -EINVAL ? "not a regular file" :
			err == -EFBIG ? "larger than 1 MiB: not a resolv.conf" :
			strerror(-err));
		return err;
	}
	n = vmm_dns_build(conf, len, dns, text, sizeof(text), &scoped);
	free(conf);
	if (n < 0) {			/* cannot be: every line is bounded */
		vmm_err("%s: net dns: %s: %s", where, path, strerror(-n));
		return n;
	}
	if (scoped)
		vmm_err("warning: %s: net dns: %s: %d nameserver%s with a scope "
			"(ADDRESS%%INTERFACE) left out: it names an interface of the host",
			where, path, scoped, scoped == 1 ? "" : "s");
	if (!dns->nservers)
		vmm_err("warning: %s: net dns: %s names no nameserver lstar can use; "
			"the program can resolve only localhost", where, path);
	if ((err = sealed_file("lstar-resolv.conf", text, (size_t)n, &dns->resolv_fd)) ||
	    (err = sealed_file("lstar-hosts", hosts_text, strlen(hosts_text),
			       &dns->hosts_fd))) {
		vmm_err("net dns: cannot make the files it shows: %s", strerror(-err));
		return err;
	}
	dns->resolv_size = (uint64_t)n;
	dns->hosts_size = strlen(hosts_text);
	dns->on = true;
	return 0;
}

void vmm_dns_close(struct vmm_process *proc)
{
	if (proc->dns.resolv_fd >= 0)
		close(proc->dns.resolv_fd);
	if (proc->dns.hosts_fd >= 0)
		close(proc->dns.hosts_fd);
	proc->dns.resolv_fd = proc->dns.hosts_fd = -1;
	proc->dns.on = false;
}

bool vmm_dns_allows(const struct vmm_process *proc, int proto, int family,
		    const uint8_t *addr, uint16_t port)
{
	const struct vmm_dns *dns = &proc->dns;
	uint8_t a[16] = { 0 };

	if (!proc->policy->dns || !dns->on || port != 53 ||
	    (proto != LSTAR_NET_TCP && proto != LSTAR_NET_UDP))
		return false;
	if (family == 6 && lstar_policy_net_mapped(addr)) {
		family = 4;
		addr += 12;
	}
	if (family != 4 && family != 6)
		return false;
	memcpy(a, addr, family == 4 ? 4 : 16);
	for (int i = 0; i < dns->nservers; i++)
		if (dns->servers[i].family == family && !memcmp(dns->servers[i].addr, a, 16))
			return true;
	return false;
}
