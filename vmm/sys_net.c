/* SPDX-License-Identifier: MIT */
/*
 * sys_net.c - sockets, under the policy's `net` rules (docs/DECISIONS.md,
 * "Network").
 *
 * A guest socket is a host socket the VMM holds behind a guest
 * descriptor, like a file (fdtable.c), with what the VMM keeps of it
 * (struct vmm_sock).  Every address the program names is copied out of
 * guest memory once, checked on that copy (its length against its
 * family's struct, its family against the socket's), judged against the
 * `net` rules, and that same copy is what the host gets: connect, bind,
 * sendto and sendmsg with an address.  On the way in, each accepted peer
 * and each datagram an unconnected UDP socket receives is judged too;
 * one no rule names is closed, or dropped, and the call waits on.
 *
 * AF_UNIX paths are paths: resolved beneath their tree as the path calls
 * resolve theirs (fs.c), then named to the host by descriptor through
 * /proc/self/fd (unix_host_name), so that the host reaches what was
 * resolved whatever is renamed meanwhile.  Abstract names are the host's
 * namespace, shared with every host process: refused.
 *
 * Data moves as read and write move it: between the host socket and the
 * program's pages, through the guest page tables, each buffer checked
 * whole first; msghdr and iovec arrays are copied in and checked as
 * readv checks them.  Control messages never cross: sendmsg with any is
 * EPERM, and recvmsg takes them into the VMM's memory, closes every
 * descriptor that came and tells the program MSG_CTRUNC.
 *
 * A call that may wait (connect, accept, a receive, a send into a full
 * buffer) waits in the host with the VMM's lock let go (block.c); a kick
 * ends it with EINTR, which the shim restarts or fails as Linux would.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "vmm.h"

#define MAX_RW_COUNT	0x7ffff000L	/* Linux's cap on one transfer */
#define HOST_IOV_MAX	1024		/* host iovecs in one host call */
#define OPT_MAX		64		/* bytes of an option value: more than
					 * any on the allow-list takes */
#define CMSG_ROOM	4096		/* control messages taken in to drop */
#define DGRAM_MAX	65536		/* the largest UDP datagram */
#define SIN6_LEN_RFC2133 24		/* sockaddr_in6 without sin6_scope_id */
#define UNIX_PATH_OFF	offsetof(struct sockaddr_un, sun_path)

/* The guest's struct msghdr (struct user_msghdr), as Linux lays it out. */
struct user_msghdr {
	uint64_t name;
	int32_t namelen;
	uint32_t pad1;
	uint64_t iov;
	uint64_t iovlen;
	uint64_t control;
	uint64_t controllen;
	int32_t flags;
	uint32_t pad2;
};
_Static_assert(sizeof(struct user_msghdr) == 56, "the kernel's user_msghdr");

/* ... and its struct mmsghdr. */
struct user_mmsghdr {
	struct user_msghdr hdr;
	uint32_t len;
	uint32_t pad;
};
_Static_assert(sizeof(struct user_mmsghdr) == 64, "the kernel's mmsghdr");

/* An address the program passed, copied: what is judged and what the
 * host gets. */
struct addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* An inet address as the policy sees it. */
struct inet_addr {
	int family;			/* 4 or 6 */
	uint8_t bytes[16];		/* network order */
	uint16_t port;			/* host order */
};

/* Linux's access_ok(): does [buf, buf + len) lie in user space at all? */
static bool user_range(uint64_t buf, uint64_t len)
{
	return buf <= LSTAR_USER_TOP && len <= LSTAR_USER_TOP - buf;
}

/* The socket guest descriptor fd names, held for the call (it may wait
 * with the lock let go): NULL with *err EBADF, or ENOTSOCK for a
 * descriptor that is no socket. */
static struct vmm_file *sock_hold(struct vmm_vcpu *cpu, uint64_t fd, int *err)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, fd);

	*err = -EBADF;
	if (!f)
		return NULL;
	if (!f->sock) {
		*err = -ENOTSOCK;
		return NULL;
	}
	return vmm_fd_hold(cpu->proc, fd);
}

static int net_proto(const struct vmm_sock *s)
{
	return s->type == SOCK_STREAM ? LSTAR_NET_TCP : LSTAR_NET_UDP;
}

static const char *proto_name(const struct vmm_sock *s)
{
	return s->type == SOCK_STREAM ? "tcp" : "udp";
}

static bool is_inet(int family)
{
	return family == AF_INET || family == AF_INET6;
}

/* The policy's view of an inet address the host or the program gave. */
static void inet_of(const struct sockaddr_storage *ss, struct inet_addr *ia)
{
	memset(ia, 0, sizeof(*ia));
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		ia->family = 4;
		memcpy(ia->bytes, &sin->sin_addr, 4);
		ia->port = ntohs(sin->sin_port);
	} else {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		ia->family = 6;
		memcpy(ia->bytes, &sin6->sin6_addr, 16);
		ia->port = ntohs(sin6->sin6_port);
	}
}

/* "10.0.0.1:80", "[::1]:53": an address in a note. */
static const char *inet_text(const struct inet_addr *ia, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	inet_ntop(ia->family == 4 ? AF_INET : AF_INET6, ia->bytes, a, sizeof(a));
	snprintf(buf, len, ia->family == 4 ? "%s:%u" : "[%s]:%u", a, ia->port);
	return buf;
}

/* The wildcard address (0.0.0.0, ::, ::ffff:0.0.0.0), and loopback
 * (127.0.0.0/8, ::1, ::ffff:127.x.y.z). */
static bool inet_wildcard(const struct inet_addr *ia)
{
	static const uint8_t zero[16];

	if (ia->family == 4)
		return !memcmp(ia->bytes, zero, 4);
	return !memcmp(ia->bytes, zero, 16) ||
	       (lstar_policy_net_mapped(ia->bytes) && !memcmp(ia->bytes + 12, zero, 4));
}

static bool inet_loopback(const struct inet_addr *ia)
{
	static const uint8_t one[16] = { [15] = 1 };

	if (ia->family == 4)
		return ia->bytes[0] == 127;
	return !memcmp(ia->bytes, one, 16) ||
	       (lstar_policy_net_mapped(ia->bytes) && ia->bytes[12] == 127);
}

/* Why no rule: the policy has none at all, or none of op's kind (enum
 * lstar_net_op) names it. */
static const char *no_rule(const struct vmm_process *proc, int op)
{
	if (!proc->policy->nnets)
		return "no net rule";
	return op == LSTAR_NET_CONNECT ? "no net connect rule names it" :
					 "no net listen rule names it";
}

/* Tell --learn how op (enum lstar_net_op) to ia on socket s was judged. */
static void learn(struct vmm_vcpu *cpu, int op, const struct vmm_sock *s,
		  const struct inet_addr *ia, enum vmm_net_verdict verdict)
{
	vmm_learn_net(cpu->vmm, op, net_proto(s), ia->family, ia->bytes, ia->port, verdict);
}

/* Say in the trace which rule let ia through (what it was: connect to,
 * bind, ...); true. */
static bool allowed_by(struct vmm_vcpu *cpu, const char *what, const struct inet_addr *ia,
		       const struct vmm_sock *s, const struct lstar_policy_net *n)
{
	char text[64], where[256];

	lstar_policy_where(cpu->proc->policy, n->src, where, sizeof(where));
	vmm_call_note(cpu, false, "%s %s/%s allowed by %s", what,
		      inet_text(ia, text, sizeof(text)), proto_name(s), where);
	return true;
}

/*
 * may_reach - may socket s send to, or hear from, ia (a `net connect`
 * rule, or a nameserver of `net dns`)?  A refusal is noted as what
 * (connect, sendto, a datagram from ...).
 */
static bool may_reach(struct vmm_vcpu *cpu, const struct vmm_sock *s,
		      const struct inet_addr *ia, const char *what)
{
	const struct lstar_policy_net *n = lstar_policy_net_find(cpu->proc->policy,
							       LSTAR_NET_CONNECT, net_proto(s),
							       ia->family, ia->bytes, ia->port);
	char text[64], where[256];

	if (n) {
		learn(cpu, LSTAR_NET_CONNECT, s, ia, VMM_NET_ALLOWED);
		return allowed_by(cpu, what, ia, s, n);
	}
	if (vmm_dns_allows(cpu->proc, net_proto(s), ia->family, ia->bytes, ia->port)) {
		learn(cpu, LSTAR_NET_CONNECT, s, ia, VMM_NET_DNS);
		lstar_policy_where(cpu->proc->policy, cpu->proc->policy->dns_src, where,
				   sizeof(where));
		vmm_call_note(cpu, false, "%s %s/%s allowed by %s (net dns)", what,
			      inet_text(ia, text, sizeof(text)), proto_name(s), where);
		return true;
	}
	learn(cpu, LSTAR_NET_CONNECT, s, ia, VMM_NET_REFUSED);
	vmm_call_note(cpu, true, "%s %s/%s refused: %s", what, inet_text(ia, text, sizeof(text)),
		      proto_name(s), no_rule(cpu->proc, LSTAR_NET_CONNECT));
	return false;
}

/* The last `net listen` rule for proto that covers port, whatever its
 * address: what lets the program bind the wildcard there. */
static const struct lstar_policy_net *listen_port_rule(const struct lstar_policy *p, int proto,
						       uint16_t port)
{
	for (int i = p->nnets - 1; i >= 0; i--) {
		const struct lstar_policy_net *n = &p->nets[i];

		if (n->op == LSTAR_NET_LISTEN && (n->protos & proto) &&
		    port >= n->port_lo && port <= n->port_hi)
			return n;
	}
	return NULL;
}

/*
 * may_bind - may socket s bind ia?  An ephemeral port (0) on the wildcard
 * or loopback whenever the policy has any `net` rule (it reaches nobody);
 * the wildcard where a `net listen` rule covers the port (each peer is
 * judged as it comes); any other address as a `net listen` rule names it.
 */
static bool may_bind(struct vmm_vcpu *cpu, const struct vmm_sock *s, const struct inet_addr *ia)
{
	const struct lstar_policy *p = cpu->proc->policy;
	const struct lstar_policy_net *n;
	char text[64];

	if (ia->port == 0 && (inet_wildcard(ia) || inet_loopback(ia)) && (p->nnets || p->dns))
		return true;
	n = inet_wildcard(ia) ? listen_port_rule(p, net_proto(s), ia->port) :
	    lstar_policy_net_find(p, LSTAR_NET_LISTEN, net_proto(s), ia->family, ia->bytes,
				  ia->port);
	learn(cpu, LSTAR_NET_LISTEN, s, ia, n ? VMM_NET_ALLOWED : VMM_NET_REFUSED);
	if (n)
		return allowed_by(cpu, "bind", ia, s, n);
	vmm_call_note(cpu, true, "bind %s/%s refused: %s", inet_text(ia, text, sizeof(text)),
		      proto_name(s), no_rule(cpu->proc, LSTAR_NET_LISTEN));
	return false;
}

/*
 * copy_addr - the address at gva, len bytes (an int, as the kernel reads
 * it), copied once into *a, as Linux's move_addr_to_kernel: EINVAL for a
 * length below 0 or above a sockaddr_storage, EFAULT where ring 3 could
 * not read.
 */
static int copy_addr(struct vmm_vcpu *cpu, uint64_t gva, int len, struct addr *a)
{
	memset(a, 0, sizeof(*a));
	if (len < 0 || (size_t)len > sizeof(a->ss))
		return -EINVAL;
	if (len && vmm_mem_copy_from_user(cpu->mem, &a->ss, gva, (uint64_t)len))
		return -EFAULT;
	a->len = (socklen_t)len;
	/* The trace shows this copy, the address the call was judged on. */
	if (cpu->call && !cpu->call->addr_len) {
		memcpy(cpu->call->addr, &a->ss, (size_t)len);
		cpu->call->addr_len = len;
	}
	return 0;
}

/* move_addr_to_user: the host's (or lstar's) address kaddr, klen bytes,
 * to the program's uaddr, cut to the length at ulen, which then says
 * klen.  0 or -errno. */
static int put_addr(struct vmm_vcpu *cpu, uint64_t uaddr, uint64_t ulen, const void *kaddr,
		    int klen)
{
	int len;

	if (vmm_mem_copy_from_user(cpu->mem, &len, ulen, sizeof(len)))
		return -EFAULT;
	if (len > klen)
		len = klen;
	if (len < 0)
		return -EINVAL;
	if (len && vmm_mem_copy_to_user(cpu->mem, uaddr, kaddr, (uint64_t)len))
		return -EFAULT;
	return vmm_mem_copy_to_user(cpu->mem, ulen, &klen, sizeof(klen)) ? -EFAULT : 0;
}

/* What a call does with an address: connect, send to it, bind it. */
enum addr_use { USE_CONNECT, USE_SEND, USE_BIND };

/*
 * check_inet - address a for inet socket s, checked as Linux checks it
 * before using it: long enough for the socket's family (a sockaddr_in,
 * or a sockaddr_in6 without its scope id), and of that family.
 * AF_UNSPEC is what Linux makes of it: to connect, a disconnect, which
 * reaches nobody; to send from an IPv6 socket, no address; to send from
 * an IPv4 socket, or to bind INADDR_ANY there, the IPv4 address it holds
 * (a is made AF_INET, so the host uses what is judged).  0: judge a;
 * 1: nothing to judge; or -errno.
 */
static int check_inet(const struct vmm_sock *s, struct addr *a, enum addr_use use)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&a->ss;
	size_t need = s->family == AF_INET ? sizeof(struct sockaddr_in) : SIN6_LEN_RFC2133;

	if (a->len < sizeof(sa_family_t))
		return -EINVAL;
	if (a->ss.ss_family == AF_UNSPEC) {
		if (use == USE_CONNECT)
			return 1;
		if (use == USE_SEND && s->family == AF_INET6) {
			a->len = 0;
			return 1;
		}
	}
	if (a->len < need)
		return -EINVAL;
	if (a->ss.ss_family == AF_UNSPEC && s->family == AF_INET &&
	    (use == USE_SEND || sin->sin_addr.s_addr == htonl(INADDR_ANY)))
		a->ss.ss_family = AF_INET;
	return a->ss.ss_family == s->family ? 0 : -EAFNOSUPPORT;
}

/*
 * unix_path - the path of AF_UNIX address a, as Linux takes it: the bytes
 * after the family, up to the first NUL or the end of the length, into
 * path (sizeof(sun_path) + 1 bytes).  EINVAL for a length Linux refuses
 * or another family; EACCES for an abstract name.
 */
static int unix_path(struct vmm_vcpu *cpu, const struct addr *a, char *path)
{
	const struct sockaddr_un *sun = (const void *)&a->ss;
	size_t n;

	if (a->len <= UNIX_PATH_OFF || a->len > sizeof(*sun) || sun->sun_family != AF_UNIX)
		return -EINVAL;
	if (!sun->sun_path[0]) {
		vmm_call_note(cpu, true, "abstract AF_UNIX names are the host's: refused");
		return -EACCES;
	}
	n = a->len - UNIX_PATH_OFF;
	memcpy(path, sun->sun_path, n);
	path[n] = '\0';
	return 0;
}

/*
 * unix_host_name - the name the host gets for a socket lstar resolved:
 * /proc/self/fd/N (N the socket's own O_PATH descriptor, name NULL) or
 * /proc/self/fd/N/NAME (N its directory's).  The magic link is the very
 * inode fs.c found beneath the tree, so a rename or a symlink swapped in
 * meanwhile changes nothing.  (There is no bindat or connectat, and a
 * relative name after fchdir would race with the other vCPU threads,
 * which share the VMM's working directory.)  Landlock sees the real
 * directory a bind creates in: beneath the rw tree, where lstar may make
 * sockets.  -ENAMETOOLONG when it does not fit sun_path.
 */
static int unix_host_name(struct sockaddr_un *sun, socklen_t *len, int fd, const char *name)
{
	int n = name ? snprintf(sun->sun_path, sizeof(sun->sun_path), "/proc/self/fd/%d/%s", fd, name) :
		       snprintf(sun->sun_path, sizeof(sun->sun_path), "/proc/self/fd/%d", fd);

	if (n < 0 || (size_t)n >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	sun->sun_family = AF_UNIX;
	*len = (socklen_t)(UNIX_PATH_OFF + (size_t)n + 1);
	return 0;
}

/* The AF_UNIX socket the program names by a, resolved: its descriptor
 * (to close after the host call) and the host's name for it in *host. */
static int unix_reach(struct vmm_vcpu *cpu, const struct addr *a, char *path,
		      struct sockaddr_un *host, socklen_t *hlen)
{
	int node, err;

	if ((err = unix_path(cpu, a, path)))
		return err;
	if ((node = vmm_fs_unix_node(cpu, path)) < 0)
		return node;
	if ((err = unix_host_name(host, hlen, node, NULL))) {
		close(node);
		return err;
	}
	return node;
}

/* --- making sockets -------------------------------------------------------- */

/*
 * check_kind - may the program have a socket of family, type (SOCK_*,
 * with SOCK_NONBLOCK and SOCK_CLOEXEC) and protocol?  In Linux's order:
 * the flags, the family, the type, the protocol.  0, or -errno with a
 * note saying what lstar does not offer.
 */
static int check_kind(struct vmm_vcpu *cpu, int family, int type, int protocol)
{
	const struct lstar_policy *p = cpu->proc->policy;
	int kind = type & 0xf, err;

	if (type & ~(0xf | SOCK_NONBLOCK | SOCK_CLOEXEC))
		return -EINVAL;
	if (is_inet(family) && !p->nnets && !p->dns) {
		vmm_call_note(cpu, true, "%s: no net rule, no network", family == AF_INET ? "AF_INET" : "AF_INET6");
		return -EAFNOSUPPORT;
	}
	if (family != AF_UNIX && !is_inet(family)) {
		vmm_call_note(cpu, true, "address family %d: lstar offers AF_UNIX, AF_INET and AF_INET6", family);
		return -EAFNOSUPPORT;
	}
	if (kind >= 11)				/* SOCK_MAX */
		return -EINVAL;
	if (kind == SOCK_RAW || kind == SOCK_PACKET) {
		vmm_call_note(cpu, true, "raw sockets: refused, as without CAP_NET_RAW");
		return -EPERM;
	}
	if (family == AF_UNIX) {
		if (kind != SOCK_STREAM && kind != SOCK_DGRAM && kind != SOCK_SEQPACKET)
			return -ESOCKTNOSUPPORT;
		return protocol == 0 || protocol == PF_UNIX ? 0 : -EPROTONOSUPPORT;
	}
	if (kind != SOCK_STREAM && kind != SOCK_DGRAM)
		err = -ESOCKTNOSUPPORT;
	else if (protocol == 0 || protocol == (kind == SOCK_STREAM ? IPPROTO_TCP : IPPROTO_UDP))
		return 0;
	else
		err = -EPROTONOSUPPORT;
	vmm_call_note(cpu, true, "socket type %d, protocol %d: lstar offers TCP and UDP", kind, protocol);
	return err;
}

/* A new guest descriptor for host socket host (taken: closed on failure). */
static int64_t sock_install(struct vmm_vcpu *cpu, int host, int family, int type,
			    const char *name, bool cloexec)
{
	struct vmm_sock *s = calloc(1, sizeof(*s));
	struct vmm_file *f = NULL;
	int64_t fd = -ENOMEM;

	if (!s || (name && !(s->name = strdup(name))) || !(f = vmm_file_new(host, NULL, NULL)))
		goto out_free;
	s->family = family;
	s->type = type;
	f->sock = s;
	if ((fd = vmm_fd_install(cpu->proc, f, 0, cloexec)) < 0) {
		f->sock = NULL;
		goto out_free;
	}
	return fd;

out_free:
	if (s)
		free(s->name);
	free(s);
	free(f);
	close(host);
	return fd;
}

int64_t vmm_sys_socket(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int family = (int)a[0], type = (int)a[1], protocol = (int)a[2], host, err;

	if ((err = check_kind(cpu, family, type, protocol)))
		return err;
	host = socket(family, type | SOCK_CLOEXEC, protocol);
	if (host < 0)
		return -errno;
	return sock_install(cpu, host, family, type & 0xf, NULL, type & SOCK_CLOEXEC);
}

/* socketpair(family, type, protocol, sv): AF_UNIX only, as on Linux
 * (inet sockets have no pairs: EOPNOTSUPP). */
int64_t vmm_sys_socketpair(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int family = (int)a[0], type = (int)a[1], host[2], err;
	int32_t gfd[2] = { -1, -1 };

	if ((err = check_kind(cpu, family, type, (int)a[2])))
		return err;
	if (family != AF_UNIX)
		return -EOPNOTSUPP;
	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, host) < 0)
		return -errno;
	for (int i = 0; i < 2; i++) {
		int64_t fd = sock_install(cpu, host[i], AF_UNIX, type & 0xf, NULL,
					  type & SOCK_CLOEXEC);

		if (fd < 0) {
			err = (int)fd;
			if (i == 0)
				close(host[1]);
			goto out_uninstall;
		}
		gfd[i] = (int32_t)fd;
	}
	if (!vmm_mem_copy_to_user(cpu->mem, a[3], gfd, sizeof(gfd)))
		return 0;
	err = -EFAULT;
out_uninstall:
	for (int i = 0; i < 2; i++)
		if (gfd[i] >= 0)
			vmm_fd_close(cpu->proc, (uint64_t)gfd[i]);
	return err;
}

/* --- addresses: connect, bind, listen, accept ------------------------------- */

static int64_t unix_connect(struct vmm_vcpu *cpu, struct vmm_file *f, struct addr *ad)
{
	struct vmm_sock *s = f->sock;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	struct sockaddr_un host;
	socklen_t hlen = 0;
	int64_t r;
	int node;

	/* A datagram socket's AF_UNSPEC: a disconnect, reaching nobody. */
	if (ad->len >= sizeof(sa_family_t) && ad->ss.ss_family == AF_UNSPEC &&
	    s->type == SOCK_DGRAM)
		return connect(f->host, (struct sockaddr *)&ad->ss, ad->len) < 0 ? -errno : 0;
	if ((node = unix_reach(cpu, ad, path, &host, &hlen)) < 0)
		return node;
	r = vmm_block_call_parked(cpu, SYS_connect, f->host, (long)&host, hlen, 0, 0, 0);
	close(node);
	if (r == 0) {
		/* getpeername's answer: the path as the program named it. */
		free(s->peer);
		s->peer = strdup(path);
	}
	return r;
}

int64_t vmm_sys_connect(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct addr ad;
	struct vmm_file *f;
	int64_t r;
	int err;

	if (!(f = sock_hold(cpu, a[0], &err)))
		return err;
	if ((r = copy_addr(cpu, a[1], (int)a[2], &ad)))
		goto out;
	if (f->sock->family == AF_UNIX) {
		r = unix_connect(cpu, f, &ad);
		goto out;
	}
	if ((r = check_inet(f->sock, &ad, USE_CONNECT)) < 0)
		goto out;
	if (r == 0) {
		struct inet_addr ia;

		inet_of(&ad.ss, &ia);
		if (!may_reach(cpu, f->sock, &ia, "connect to")) {
			r = -EACCES;
			goto out;
		}
	}
	/* A blocking TCP connect waits for the handshake. */
	r = vmm_block_call_parked(cpu, SYS_connect, f->host, (long)&ad.ss, ad.len, 0, 0, 0);
out:
	vmm_file_release(f);
	return r;
}

static int64_t unix_bind(struct vmm_vcpu *cpu, struct vmm_file *f, const struct addr *ad)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1], name[256];
	struct sockaddr_un host;
	socklen_t hlen = 0;
	int dir, err;

	/* The family alone asks for an autobind: an abstract name. */
	if (ad->len == UNIX_PATH_OFF && ad->ss.ss_family == AF_UNIX) {
		vmm_call_note(cpu, true, "autobind: abstract AF_UNIX names are the host's: refused");
		return -EACCES;
	}
	if ((err = unix_path(cpu, ad, path)))
		return err;
	if ((dir = vmm_fs_unix_bind(cpu, path, name, sizeof(name))) < 0)
		return dir;
	if (!(err = unix_host_name(&host, &hlen, dir, name)))
		err = bind(f->host, (struct sockaddr *)&host, hlen) < 0 ? -errno : 0;
	close(dir);
	if (!err) {
		free(f->sock->name);
		f->sock->name = strdup(path);
	}
	return err;
}

int64_t vmm_sys_bind(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct inet_addr ia;
	struct vmm_file *f;
	struct addr ad;
	int64_t r;
	int err;

	if (!(f = sock_hold(cpu, a[0], &err)))
		return err;
	if ((r = copy_addr(cpu, a[1], (int)a[2], &ad)))
		goto out;
	if (f->sock->family == AF_UNIX) {
		r = unix_bind(cpu, f, &ad);
		goto out;
	}
	/* (check_inet never answers 1 for a bind.) */
	if ((r = check_inet(f->sock, &ad, USE_BIND)))
		goto out;
	inet_of(&ad.ss, &ia);
	if (!may_bind(cpu, f->sock, &ia))
		r = -EACCES;
	else
		r = bind(f->host, (struct sockaddr *)&ad.ss, ad.len) < 0 ? -errno : 0;
out:
	vmm_file_release(f);
	return r;
}

int64_t vmm_sys_listen(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f;
	int64_t r;
	int err;

	if (!(f = sock_hold(cpu, a[0], &err)))
		return err;
	/* An unbound socket listens on an ephemeral port of the wildcard,
	 * which a port-0 bind gives too; its peers are judged in accept. */
	r = listen(f->host, (int)a[1]) < 0 ? -errno : 0;
	vmm_file_release(f);
	return r;
}

/*
 * peer_allowed - may the program hear from peer, accepted on host socket
 * conn of listening socket s?  A `net listen` rule must name the peer's
 * address and the local port it came to.
 */
static bool peer_allowed(struct vmm_vcpu *cpu, const struct vmm_sock *s, int conn,
			 const struct sockaddr_storage *peer)
{
	const struct lstar_policy_net *n;
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	struct inet_addr ia, la, named;
	char text[64];

	if (getsockname(conn, (struct sockaddr *)&local, &llen) < 0)
		return false;
	inet_of(peer, &ia);
	inet_of(&local, &la);
	n = lstar_policy_net_find(cpu->proc->policy, LSTAR_NET_LISTEN, net_proto(s), ia.family,
				  ia.bytes, la.port);
	named = ia;		/* what a rule names: the peer, the local port */
	named.port = la.port;
	learn(cpu, LSTAR_NET_LISTEN, s, &named, n ? VMM_NET_ALLOWED : VMM_NET_REFUSED);
	if (n)
		return allowed_by(cpu, "peer", &ia, s, n);
	vmm_call_note(cpu, true, "peer %s on port %u/%s refused and closed: %s",
		      inet_text(&ia, text, sizeof(text)), la.port, proto_name(s),
		      no_rule(cpu->proc, LSTAR_NET_LISTEN));
	return false;
}

/*
 * accept and accept4: a peer no rule names is closed at once, with a
 * reset (SO_LINGER 0), and the wait goes on; a listener that does not
 * block answers EAGAIN once none is left.  The program's address and
 * length are written as Linux writes them (cut to its length, the real
 * length back); an AF_UNIX peer is shown unnamed, never a host path.
 */
static int64_t do_accept(struct vmm_vcpu *cpu, const uint64_t *a, int flags)
{
	const struct sockaddr_un unnamed = { .sun_family = AF_UNIX };
	struct sockaddr_storage peer;
	struct vmm_file *f;
	struct vmm_sock *s;
	socklen_t plen;
	int64_t r;
	int err, conn;

	if (flags & ~(SOCK_CLOEXEC | SOCK_NONBLOCK))
		return -EINVAL;
	if (!(f = sock_hold(cpu, a[0], &err)))
		return err;
	s = f->sock;
	for (;;) {
		plen = sizeof(peer);
		conn = (int)vmm_block_call_parked(cpu, SYS_accept4, f->host, (long)&peer,
						  (long)&plen, SOCK_CLOEXEC | (flags & SOCK_NONBLOCK),
						  0, 0);
		if (conn < 0 || !is_inet(s->family) || peer_allowed(cpu, s, conn, &peer))
			break;
		setsockopt(conn, SOL_SOCKET, SO_LINGER, &(struct linger){ 1, 0 },
			   sizeof(struct linger));
		close(conn);
	}
	if (conn < 0) {
		r = conn;
		goto out;
	}
	if (a[1] && (r = is_inet(s->family) ?
			 put_addr(cpu, a[1], a[2], &peer, (int)plen) :
			 put_addr(cpu, a[1], a[2], &unnamed, sizeof(sa_family_t)))) {
		close(conn);
		goto out;
	}
	/* It shares the listener's name, as on Linux. */
	r = sock_install(cpu, conn, s->family, s->type, s->name, flags & SOCK_CLOEXEC);
out:
	vmm_file_release(f);
	return r;
}

int64_t vmm_sys_accept(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_accept(cpu, a, 0);
}

int64_t vmm_sys_accept4(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return do_accept(cpu, a, (int)a[3]);
}

int64_t vmm_sys_shutdown(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f;
	int64_t r;
	int err;

	if (!(f = sock_hold(cpu, a[0], &err)))
		return err;
	r = shutdown(f->host, (int)a[1]) < 0 ? -errno : 0;
	vmm_file_release(f);
	return r;
}

/* An AF_UNIX socket's own name, or its peer's, as the program named it:
 * the family alone when there is none. */
static int unix_name(const char *path, struct sockaddr_un *sun)
{
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (!path)
		return (int)sizeof(sa_family_t);
	snprintf(sun->sun_path, sizeof(sun->sun_path), "%s", path);
	return (int)(UNIX_PATH_OFF + strlen(sun->sun_path) + 1);
}

static int64_t get_name(struct vmm_vcpu *cpu, const uint64_t *a, bool peer)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct vmm_file *f;
	int64_t r;
	int err;

	if (!(f = sock_hold(cpu, a[0], &err)))
		return err;
	/* The host's answer, or its error (ENOTCONN); an AF_UNIX name it
	 * gives is lstar's /proc/self/fd one or a host path: the program
	 * gets the path it named instead. */
	r = (peer ? getpeername(f->host, (struct sockaddr *)&ss, &len) :
		    getsockname(f->host, (struct sockaddr *)&ss, &len)) < 0 ? -errno : 0;
	if (!r && f->sock->family == AF_UNIX) {
		struct sockaddr_un sun;
		int n = unix_name(peer ? f->sock->peer : f->sock->name, &sun);

		r = put_addr(cpu, a[1], a[2], &sun, n);
	} else if (!r) {
		r = put_addr(cpu, a[1], a[2], &ss, (int)len);
	}
	vmm_file_release(f);
	return r;
}

int64_t vmm_sys_getsockname(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return get_name(cpu, a, false);
}

int64_t vmm_sys_getpeername(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return get_name(cpu, a, true);
}

/* --- options --------------------------------------------------------------- */

/* The options a program may read and set (docs/DECISIONS.md): the ones
 * servers and clients set.  get: read-only. */
static const struct sock_opt {
	int level, name;
	bool get;
} sock_opts[] = {
	{ SOL_SOCKET, SO_REUSEADDR, false }, { SOL_SOCKET, SO_REUSEPORT, false },
	{ SOL_SOCKET, SO_KEEPALIVE, false }, { SOL_SOCKET, SO_RCVBUF, false },
	{ SOL_SOCKET, SO_SNDBUF, false }, { SOL_SOCKET, SO_LINGER, false },
	{ SOL_SOCKET, SO_BROADCAST, false },
	{ SOL_SOCKET, 20, false }, { SOL_SOCKET, 21, false },	/* SO_{RCV,SND}TIMEO_OLD */
	{ SOL_SOCKET, 66, false }, { SOL_SOCKET, 67, false },	/* SO_{RCV,SND}TIMEO_NEW */
	{ SOL_SOCKET, SO_ERROR, true }, { SOL_SOCKET, SO_TYPE, true },
	{ SOL_SOCKET, SO_DOMAIN, true }, { SOL_SOCKET, SO_PROTOCOL, true },
	{ SOL_SOCKET, SO_ACCEPTCONN, true },
	{ IPPROTO_TCP, TCP_NODELAY, false }, { IPPROTO_TCP, TCP_KEEPIDLE, false },
	{ IPPROTO_TCP, TCP_KEEPINTVL, false }, { IPPROTO_TCP, TCP_KEEPCNT, false },
	{ IPPROTO_TCP, TCP_CORK, false },
	{ IPPROTO_IP, IP_TTL, false },
	{ IPPROTO_IPV6, IPV6_V6ONLY, false }, { IPPROTO_IPV6, IPV6_UNICAST_HOPS, false },
	/* glibc's resolver sets these on its UDP socket and gives up when it
	 * cannot; the errors they queue are read with MSG_ERRQUEUE, which
	 * lstar refuses, so they only make ICMP errors reach recv as errnos */
	{ IPPROTO_IP, IP_RECVERR, false }, { IPPROTO_IPV6, IPV6_RECVERR, false },
};

static const char *level_name(int level)
{
	switch (level) {
	case SOL_SOCKET: return "SOL_SOCKET";
	case IPPROTO_TCP: return "IPPROTO_TCP";
	case IPPROTO_IP: return "IPPROTO_IP";
	case IPPROTO_IPV6: return "IPPROTO_IPV6";
	case IPPROTO_UDP: return "IPPROTO_UDP";
	default: return "level";
	}
}

/* Is option level/name on the list (set: to be set)?  Noted if not. */
static bool opt_listed(struct vmm_vcpu *cpu, int level, int name, bool set)
{
	for (size_t i = 0; i < sizeof(sock_opts) / sizeof(sock_opts[0]); i++)
		if (sock_opts[i].level == level && sock_opts[i].name == name &&
		    !(set && sock_opts[i].get))
			return true;
	vmm_call_note(cpu, true, "%s %s %d, option %d: not on lstar's list of socket options",
		      set ? "setting" : "reading", level_name(level), level, name);
	return false;
}

/* setsockopt(fd, level, name, value, len): the value copied once (at
 * most OPT_MAX bytes of it: no listed option reads more). */
int64_t vmm_sys_setsockopt(struct vmm_vcpu *cpu, const uint64_t *a)
{
	uint8_t val[OPT_MAX];
	int level = (int)a[1], name = (int)a[2], len = (int)a[4], err;
	struct vmm_file *f;
	int64_t r;

	if (!(f = sock_hold(cpu, a[0], &err)))
		return err;
	if (!opt_listed(cpu, level, name, true)) {
		r = -ENOPROTOOPT;
		goto out;
	}
	if (len < 0) {
		r = -EINVAL;
		goto out;
	}
	if (len > OPT_MAX)
		len = OPT_MAX;
	if (len && vmm_mem_copy_from_user(cpu->mem, val, a[3], (uint64_t)len)) {
		r = -EFAULT;
		goto out;
	}
	r = setsockopt(f->host, level, name, val, (socklen_t)len) < 0 ? -errno : 0;
out:
	vmm_file_release(f);
	return r;
}

int64_t vmm_sys_getsockopt(struct vmm_vcpu *cpu, const uint64_t *a)
{
	uint8_t val[OPT_MAX] = { 0 };
	int level = (int)a[1], name = (int)a[2], len, err;
	struct vmm_file *f;
	socklen_t hlen = 0;
	int64_t r;

	if (!(f = sock_hold(cpu, a[0], &err)))
		return err;
	if (!opt_listed(cpu, level, name, false)) {
		r = -ENOPROTOOPT;
		goto out;
	}
	if (vmm_mem_copy_from_user(cpu->mem, &len, a[4], sizeof(len))) {
		r = -EFAULT;
		goto out;
	}
	if (len < 0) {
		r = -EINVAL;
		goto out;
	}
	hlen = (socklen_t)(len < OPT_MAX ? len : OPT_MAX);
	if (getsockopt(f->host, level, name, val, &hlen) < 0) {
		r = -errno;
		goto out;
	}
	len = (int)hlen;
	r = (hlen && vmm_mem_copy_to_user(cpu->mem, a[3], val, hlen)) ||
	    vmm_mem_copy_to_user(cpu->mem, a[4], &len, sizeof(len)) ? -EFAULT : 0;
out:
	vmm_file_release(f);
	return r;
}

/* --- moving data ----------------------------------------------------------- */

/*
 * host_iov - the host iovecs for the program's segments: each in user
 * space and accessible as a whole (to_user: writable), all of them
 * together at most MAX_RW_COUNT bytes, as Linux's import_iovec cuts
 * them; what does not fit HOST_IOV_MAX host iovecs is left for a short
 * transfer.  The number of host iovecs, or -EFAULT.
 */
static int host_iov(struct vmm_vcpu *cpu, const struct vmm_seg *segs, uint64_t nsegs,
		    bool to_user, struct iovec *iov, uint64_t *total)
{
	uint64_t left = MAX_RW_COUNT;
	int n = 0;

	*total = 0;
	for (uint64_t i = 0; i < nsegs && left; i++) {
		uint64_t off = 0, len = segs[i].len < left ? segs[i].len : left;

		if (!user_range(segs[i].base, segs[i].len))
			return -EFAULT;
		while (off < len) {
			int more;
			long got;

			if (n == HOST_IOV_MAX)
				return n;	/* the rest: a short transfer */
			got = vmm_mem_user_iov(cpu->mem, segs[i].base + off, len - off, to_user,
					       iov + n, HOST_IOV_MAX - n, &more);
			if (got <= 0)
				return -EFAULT;
			n += more;
			off += (uint64_t)got;
			*total += (uint64_t)got;
			if (off < len && n < HOST_IOV_MAX)
				return -EFAULT;	/* a page ring 3 cannot reach */
		}
		left -= len;
	}
	return n;
}

/* The flags a send may carry; others are EINVAL (noted).  MSG_FASTOPEN
 * would connect without connect, MSG_ZEROCOPY lend the pages. */
#define SEND_FLAGS	(MSG_DONTWAIT | MSG_NOSIGNAL | MSG_MORE | MSG_OOB | MSG_EOR)
/* ... and a receive.  MSG_ERRQUEUE delivers only control messages. */
#define RECV_FLAGS	(MSG_DONTWAIT | MSG_PEEK | MSG_WAITALL | MSG_TRUNC | MSG_OOB | \
			 MSG_CMSG_CLOEXEC)

static bool flags_ok(struct vmm_vcpu *cpu, int flags, int allowed, const char *what)
{
	if (!(flags & ~allowed))
		return true;
	vmm_call_note(cpu, true, "%s flags 0x%x: not offered by lstar", what, flags & ~allowed);
	return false;
}

/*
 * send_one - send the program's segments (copied, not yet checked) to
 * address ad (copied; length 0: none) with flags (checked) on socket f.
 * The address is what the program's socket makes of it: a datagram
 * socket's is judged; a stream socket's Linux ignores (TCP without
 * MSG_FASTOPEN, SEQPACKET) or refuses (AF_UNIX streams).  Bytes sent, or
 * -errno.
 */
static int64_t send_one(struct vmm_vcpu *cpu, const struct vmm_file *f, const struct vmm_seg *segs,
			uint64_t nsegs, struct addr *ad, int flags)
{
	struct iovec iov[HOST_IOV_MAX];	/* 16 KiB: the thread's stack has room */
	const struct vmm_sock *s = f->sock;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path) + 1];
	struct msghdr m = { 0 };
	struct sockaddr_un host;
	socklen_t hlen = 0;
	uint64_t total;
	int n, node = -1;
	int64_t r;

	if ((n = host_iov(cpu, segs, nsegs, false, iov, &total)) < 0)
		return n;
	if (ad->len && s->type != SOCK_DGRAM) {
		if (s->family == AF_UNIX && s->type == SOCK_STREAM)
			return getpeername(f->host, (struct sockaddr *)&host,
					   &(socklen_t){ sizeof(host) }) == 0 ? -EISCONN : -EOPNOTSUPP;
	} else if (ad->len && s->family == AF_UNIX) {
		if ((node = unix_reach(cpu, ad, path, &host, &hlen)) < 0)
			return node;
		m.msg_name = &host;
		m.msg_namelen = hlen;
	} else if (ad->len) {
		struct inet_addr ia;

		if ((r = check_inet(s, ad, USE_SEND)) < 0)
			return r;
		if (r == 0) {
			inet_of(&ad->ss, &ia);
			if (!may_reach(cpu, s, &ia, "send to"))
				return -EACCES;
			m.msg_name = &ad->ss;
			m.msg_namelen = ad->len;
		}
	}
	m.msg_iov = iov;
	m.msg_iovlen = (size_t)n;
	/* Never SIGPIPE for lstar: the shim raises the program's. */
	r = vmm_block_call(cpu, SYS_sendmsg, f->host, (long)&m, flags | MSG_NOSIGNAL, 0, 0, 0);
	if (node >= 0)
		close(node);
	return r;
}

/*
 * drop_control - control messages the host delivered into the VMM's
 * buffer: every descriptor among them is closed (none reaches the
 * program, MSG_CMSG_CLOEXEC kept them from any exec meanwhile).  True
 * when anything came, or more was cut: the program is told MSG_CTRUNC.
 */
static bool drop_control(struct msghdr *m)
{
	bool any = m->msg_flags & MSG_CTRUNC;

	for (struct cmsghdr *c = CMSG_FIRSTHDR(m); c; c = CMSG_NXTHDR(m, c)) {
		any = true;
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS &&
		    c->cmsg_len >= CMSG_LEN(0)) {
			size_t nfd = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);

			for (size_t i = 0; i < nfd; i++) {
				int fd;

				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
				close(fd);
			}
		}
	}
	return any;
}

/* May an unconnected UDP socket (host descriptor host) hear from src: a
 * peer it may send to, or one a `net listen` rule names for its port? */
static bool may_hear(struct vmm_vcpu *cpu, const struct vmm_sock *s, int host,
		     const struct sockaddr_storage *src)
{
	const struct lstar_policy_net *n;
	struct sockaddr_storage local;
	socklen_t llen = sizeof(local);
	struct inet_addr ia, la;

	inet_of(src, &ia);
	if (getsockname(host, (struct sockaddr *)&local, &llen) == 0) {
		inet_of(&local, &la);
		if ((n = lstar_policy_net_find(cpu->proc->policy, LSTAR_NET_LISTEN, net_proto(s),
					       ia.family, ia.bytes, la.port)))
			return allowed_by(cpu, "a datagram from", &ia, s, n);
	}
	return may_reach(cpu, s, &ia, "a datagram from");
}

/* Copy len bytes of buf out to the program's segments, checked already. */
static int to_segs(struct vmm_vcpu *cpu, const struct vmm_seg *segs, uint64_t nsegs,
		   const uint8_t *buf, uint64_t len)
{
	for (uint64_t i = 0; i < nsegs && len; i++) {
		uint64_t n = segs[i].len < len ? segs[i].len : len;

		if (n && vmm_mem_copy_to_user(cpu->mem, segs[i].base, buf, n))
			return -EFAULT;
		buf += n;
		len -= n;
	}
	return 0;
}

/*
 * recv_one - receive one message on socket f into the program's segments
 * (copied, not yet checked), flags checked: bytes received, the source
 * in *from (length 0: none, and never an AF_UNIX name, which would be
 * the host's) and the message's flags in *mflags (MSG_CTRUNC when
 * control messages were dropped).
 *
 * A UDP socket hears only from peers the rules name: each datagram goes
 * to a buffer of the VMM's first, is judged on the source the host
 * reports, and only then copied out; one from elsewhere is dropped and
 * the receive goes on (EAGAIN when it may not wait).  Connected or not:
 * a connect leaves what came before it queued, and another thread may
 * disconnect the socket while this one waits.
 */
static int64_t recv_one(struct vmm_vcpu *cpu, const struct vmm_file *f, const struct vmm_seg *segs,
			uint64_t nsegs, int flags, struct addr *from, int *mflags)
{
	struct iovec iov[HOST_IOV_MAX];	/* 16 KiB: the thread's stack has room */
	const struct vmm_sock *s = f->sock;
	uint8_t *bounce = NULL, *control;
	struct msghdr m;
	uint64_t total;
	bool filter;
	int64_t r;
	int n;

	if ((n = host_iov(cpu, segs, nsegs, true, iov, &total)) < 0)
		return n;
	filter = vmm_net_filtered(f);
	if (!(control = malloc(CMSG_ROOM)))
		return -ENOMEM;
	if (filter) {
		total = total < DGRAM_MAX ? total : DGRAM_MAX;
		if (!(bounce = malloc(total ? total : 1))) {
			free(control);
			return -ENOMEM;
		}
		iov[0] = (struct iovec){ bounce, total };
		n = 1;
	}
	for (;;) {
		m = (struct msghdr){
			.msg_name = &from->ss, .msg_namelen = sizeof(from->ss),
			.msg_iov = iov, .msg_iovlen = (size_t)n,
			.msg_control = control, .msg_controllen = CMSG_ROOM,
		};
		r = vmm_block_call(cpu, SYS_recvmsg, f->host, (long)&m, flags | MSG_CMSG_CLOEXEC,
				   0, 0, 0);
		if (r < 0)
			break;
		*mflags = m.msg_flags | (drop_control(&m) ? MSG_CTRUNC : 0);
		from->len = s->family == AF_UNIX ? 0 : m.msg_namelen;
		if (!filter || (m.msg_namelen && may_hear(cpu, s, f->host, &from->ss)))
			break;
		/* A peeked one is still there: take it, to wait for the next. */
		if (flags & MSG_PEEK)
			recvmsg(f->host, &(struct msghdr){ 0 }, MSG_DONTWAIT);
	}
	if (r >= 0 && filter &&
	    to_segs(cpu, segs, nsegs, bounce, (uint64_t)r < total ? (uint64_t)r : total))
		r = -EFAULT;
	free(bounce);
	free(control);
	return r;
}

/* recvfrom(fd, buf, len, flags, addr, addrlen) */
int64_t vmm_sys_recvfrom(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_seg seg = { a[1], a[2] };
	int flags = (int)a[3], mflags, err;
	struct vmm_file *f;
	struct addr from;
	int64_t r;

	if (!(f = sock_hold(cpu, a[0], &err)))
		return err;
	if (!flags_ok(cpu, flags, RECV_FLAGS, "recvfrom")) {
		r = -EINVAL;
		goto out;
	}
	r = recv_one(cpu, f, &seg, 1, flags, &from, &mflags);
	if (r >= 0 && a[4]) {
		int e = put_addr(cpu, a[4], a[5], &from.ss, (int)from.len);

		if (e)
			r = e;
	}
out:
	vmm_file_release(f);
	return r;
}

/* sendto(fd, buf, len, flags, addr, addrlen) */
int64_t vmm_sys_sendto(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_seg seg = { a[1], a[2] };
	int flags = (int)a[3], err;
	struct vmm_file *f;
	struct addr ad = { .len = 0 };
	int64_t r;

	if (!(f = sock_hold(cpu, a[0], &err)))
		return err;
	if (!flags_ok(cpu, flags, SEND_FLAGS, "sendto"))
		r = -EINVAL;
	else if (!a[4] || !(r = copy_addr(cpu, a[4], (int)a[5], &ad)))
		r = send_one(cpu, f, &seg, 1, &ad, flags);
	vmm_file_release(f);
	return r;
}

/* A msghdr of the program's, copied and checked as Linux's
 * copy_msghdr_from_user checks it. */
struct msg {
	struct user_msghdr h;
	struct vmm_seg *segs;		/* its iovec array, copied */
};

/*
 * get_msg - copy the msghdr at gva and its iovec array once, then check
 * the copies: a name length below 0 is EINVAL and above a
 * sockaddr_storage is cut to one; more than UIO_MAXIOV iovecs is
 * EMSGSIZE; lengths whose sum passes SSIZE_MAX are EINVAL, a piece
 * outside user space EFAULT.  0 or -errno; m->segs to free.
 */
static int get_msg(struct vmm_vcpu *cpu, uint64_t gva, struct msg *m)
{
	uint64_t total = 0;

	m->segs = NULL;
	if (vmm_mem_copy_from_user(cpu->mem, &m->h, gva, sizeof(m->h)))
		return -EFAULT;
	if (!m->h.name)
		m->h.namelen = 0;
	if (m->h.namelen < 0)
		return -EINVAL;
	if ((size_t)m->h.namelen > sizeof(struct sockaddr_storage))
		m->h.namelen = sizeof(struct sockaddr_storage);
	if (m->h.iovlen > UIO_MAXIOV)
		return -EMSGSIZE;
	if (!(m->segs = calloc(m->h.iovlen ? m->h.iovlen : 1, sizeof(*m->segs))))
		return -ENOMEM;
	if (m->h.iovlen &&
	    vmm_mem_copy_from_user(cpu->mem, m->segs, m->h.iov, m->h.iovlen * sizeof(*m->segs)))
		return -EFAULT;
	for (uint64_t i = 0; i < m->h.iovlen; i++) {
		if (m->segs[i].len > (uint64_t)SSIZE_MAX - total)
			return -EINVAL;
		total += m->segs[i].len;
		if (!user_range(m->segs[i].base, m->segs[i].len))
			return -EFAULT;
	}
	return 0;
}

/* One sendmsg, of the msghdr at gva (sendmsg itself, and each of
 * sendmmsg's).  Bytes sent or -errno. */
static int64_t send_msg(struct vmm_vcpu *cpu, struct vmm_file *f, uint64_t gva, int flags)
{
	struct addr ad = { .len = 0 };
	struct msg m;
	int64_t r;

	if ((r = get_msg(cpu, gva, &m)))
		goto out;
	if (m.h.namelen && (r = copy_addr(cpu, m.h.name, m.h.namelen, &ad)))
		goto out;
	/* SCM_RIGHTS would hand a host descriptor across the sandbox's edge,
	 * SCM_CREDENTIALS names host ids: no control message goes out. */
	if (m.h.controllen) {
		vmm_call_note(cpu, true, "control messages (SCM_RIGHTS, SCM_CREDENTIALS): refused");
		r = -EPERM;
		goto out;
	}
	r = send_one(cpu, f, m.segs, m.h.iovlen, &ad, flags);
out:
	free(m.segs);
	return r;
}

/* One recvmsg into the msghdr at gva: its name, name length, flags, and
 * a control length of 0 (none is delivered) written back.  Bytes
 * received or -errno. */
static int64_t recv_msg(struct vmm_vcpu *cpu, struct vmm_file *f, uint64_t gva, int flags)
{
	struct addr from;
	struct msg m;
	int64_t r;
	int mflags = 0;

	if ((r = get_msg(cpu, gva, &m)))
		goto out;
	if ((r = recv_one(cpu, f, m.segs, m.h.iovlen, flags, &from, &mflags)) < 0)
		goto out;
	if (m.h.name) {
		int klen = (int)from.len, len = m.h.namelen < klen ? m.h.namelen : klen;

		if ((len && vmm_mem_copy_to_user(cpu->mem, m.h.name, &from.ss, (uint64_t)len)) ||
		    vmm_mem_copy_to_user(cpu->mem, gva + offsetof(struct user_msghdr, namelen),
					 &klen, sizeof(klen))) {
			r = -EFAULT;
			goto out;
		}
	}
	m.h.flags = mflags & ~MSG_CMSG_CLOEXEC;
	m.h.controllen = 0;
	if (vmm_mem_copy_to_user(cpu->mem, gva + offsetof(struct user_msghdr, controllen),
				 &m.h.controllen, sizeof(m.h.controllen)) ||
	    vmm_mem_copy_to_user(cpu->mem, gva + offsetof(struct user_msghdr, flags),
				 &m.h.flags, sizeof(m.h.flags)))
		r = -EFAULT;
out:
	free(m.segs);
	return r;
}

int64_t vmm_sys_sendmsg(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int flags = (int)a[2], err;
	struct vmm_file *f;
	int64_t r;

	if (!(f = sock_hold(cpu, a[0], &err)))
		return err;
	r = flags_ok(cpu, flags, SEND_FLAGS, "sendmsg") ? send_msg(cpu, f, a[1], flags) : -EINVAL;
	vmm_file_release(f);
	return r;
}

int64_t vmm_sys_recvmsg(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int flags = (int)a[2], err;
	struct vmm_file *f;
	int64_t r;

	if (!(f = sock_hold(cpu, a[0], &err)))
		return err;
	r = flags_ok(cpu, flags, RECV_FLAGS, "recvmsg") ? recv_msg(cpu, f, a[1], flags) : -EINVAL;
	vmm_file_release(f);
	return r;
}

/* sendmmsg(fd, msgvec, vlen, flags): each as sendmsg, its length in its
 * msg_len; an error after the first message ends it with the count. */
int64_t vmm_sys_sendmmsg(struct vmm_vcpu *cpu, const uint64_t *a)
{
	uint32_t vlen = (uint32_t)a[2] < UIO_MAXIOV ? (uint32_t)a[2] : UIO_MAXIOV;
	int flags = (int)a[3], err;
	struct vmm_file *f;
	int64_t r = 0;
	uint32_t i;

	if (!(f = sock_hold(cpu, a[0], &err)))
		return err;
	if (!flags_ok(cpu, flags, SEND_FLAGS, "sendmmsg")) {
		r = -EINVAL;
		goto out;
	}
	for (i = 0; i < vlen; i++) {
		uint64_t gva = a[1] + (uint64_t)i * sizeof(struct user_mmsghdr);
		uint32_t len;

		if ((r = send_msg(cpu, f, gva, flags)) < 0)
			break;
		len = (uint32_t)r;
		if (vmm_mem_copy_to_user(cpu->mem, gva + offsetof(struct user_mmsghdr, len),
					 &len, sizeof(len))) {
			r = -EFAULT;
			break;
		}
	}
	if (i > 0)
		r = i;
out:
	vmm_file_release(f);
	return r;
}

/*
 * recvmmsg(fd, msgvec, vlen, flags, timeout): each as recvmsg; with
 * MSG_WAITFORONE only the first waits.  The timeout, as Linux keeps it,
 * is looked at after each message (a wait for one is not cut short by
 * it) and written back with what is left.
 */
int64_t vmm_sys_recvmmsg(struct vmm_vcpu *cpu, const uint64_t *a)
{
	uint32_t vlen = (uint32_t)a[2] < UIO_MAXIOV ? (uint32_t)a[2] : UIO_MAXIOV;
	int flags = (int)a[3], err;
	struct timespec end, now, left = { 0, 0 };
	struct { int64_t sec, nsec; } ts;
	struct vmm_file *f;
	int64_t r = 0;
	uint32_t i;

	if (!(f = sock_hold(cpu, a[0], &err)))
		return err;
	if (!flags_ok(cpu, flags, RECV_FLAGS | MSG_WAITFORONE, "recvmmsg")) {
		r = -EINVAL;
		goto out;
	}
	if (a[4]) {
		if (vmm_mem_copy_from_user(cpu->mem, &ts, a[4], sizeof(ts))) {
			r = -EFAULT;
			goto out;
		}
		if (ts.sec < 0 || ts.nsec < 0 || ts.nsec >= 1000000000) {
			r = -EINVAL;
			goto out;
		}
		clock_gettime(CLOCK_MONOTONIC, &end);
		end.tv_sec += ts.sec > INT32_MAX ? INT32_MAX : ts.sec;
		end.tv_nsec += ts.nsec;
		if (end.tv_nsec >= 1000000000) {
			end.tv_sec++;
			end.tv_nsec -= 1000000000;
		}
	}
	for (i = 0; i < vlen; i++) {
		uint64_t gva = a[1] + (uint64_t)i * sizeof(struct user_mmsghdr);
		uint32_t len;

		if ((r = recv_msg(cpu, f, gva, flags & ~MSG_WAITFORONE)) < 0)
			break;
		len = (uint32_t)r;
		if (vmm_mem_copy_to_user(cpu->mem, gva + offsetof(struct user_mmsghdr, len),
					 &len, sizeof(len))) {
			r = -EFAULT;
			break;
		}
		if (flags & MSG_WAITFORONE)
			flags |= MSG_DONTWAIT;
		if (a[4]) {
			clock_gettime(CLOCK_MONOTONIC, &now);
			left.tv_sec = end.tv_sec - now.tv_sec;
			left.tv_nsec = end.tv_nsec - now.tv_nsec;
			if (left.tv_nsec < 0) {
				left.tv_sec--;
				left.tv_nsec += 1000000000;
			}
			if (left.tv_sec < 0) {
				left = (struct timespec){ 0, 0 };
				i++;
				break;
			}
		}
	}
	if (i > 0)
		r = i;
	if (r >= 0 && a[4]) {
		ts.sec = left.tv_sec;
		ts.nsec = left.tv_nsec;
		if (vmm_mem_copy_to_user(cpu->mem, a[4], &ts, sizeof(ts)))
			r = -EFAULT;
	}
out:
	vmm_file_release(f);
	return r;
}

bool vmm_net_filtered(const struct vmm_file *f)
{
	return f->sock && is_inet(f->sock->family) && f->sock->type == SOCK_DGRAM;
}

int vmm_net_pending(struct vmm_vcpu *cpu, const struct vmm_file *f)
{
	for (;;) {
		struct sockaddr_storage from;
		struct msghdr m = { .msg_name = &from, .msg_namelen = sizeof(from) };
		ssize_t n = recvmsg(f->host, &m, MSG_PEEK | MSG_TRUNC | MSG_DONTWAIT);

		if (n < 0)
			return errno == EAGAIN ? 0 : -errno;
		if (m.msg_namelen && may_hear(cpu, f->sock, f->host, &from))
			return n > INT_MAX ? INT_MAX : (int)n;
		recvmsg(f->host, &(struct msghdr){ 0 }, MSG_DONTWAIT);	/* dropped */
	}
}

int64_t vmm_net_read(struct vmm_vcpu *cpu, const struct vmm_file *f, const struct vmm_seg *segs,
		     uint64_t nsegs)
{
	struct addr from;
	uint64_t any = 0;
	int mflags;

	/* A read of nothing takes no datagram, as Linux's sock_read_iter. */
	for (uint64_t i = 0; i < nsegs; i++)
		any |= segs[i].len;
	return any ? recv_one(cpu, f, segs, nsegs, 0, &from, &mflags) : 0;
}
