/* SPDX-License-Identifier: MIT */
/*
 * trace.c - one line per system call, strace-like (docs/TRACE.md):
 *
 *   openat(AT_FDCWD, "/etc/passwd", O_RDONLY) = -ENOENT [denied: p.policy:4] (guest)
 *
 * Every call with --trace, refused and missing ones with -v, and the
 * calls a `log` rule names.  The tag is the verdict and the FILE:LINE of
 * the rule that decided it; the suffix says where the call was answered:
 * "(guest)" by the shim, "(vmm)" by the VMM (forwarded).
 *
 * Everything printed comes from the guest and is untrusted: numbers are
 * shown as numbers, and what a pointer points at (a path, the bytes a
 * write sends) is copied out of guest memory through its page tables,
 * bounded, and escaped.  A pointer ring 3 could not read shows as the
 * number it is.  Nothing of the host (its pointers, its descriptors)
 * appears in a line.
 *
 * Each line is built whole in a buffer and written with one call, so
 * lines never interleave with the program's own output mid-line.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "names.h"
#include "vmm.h"

#define TRACE_LINE_MAX	8192	/* a line longer than this is cut, "..." */
#define TRACE_JSON_MAX	65536	/* a JSON line: never cut (see put) */
#define TRACE_DATA_MAX	32	/* bytes of a read's or write's data shown */
#define TRACE_PATH_MAX	4096	/* bytes of a path read from the guest */
#define TRACE_PATH_SHOW	512	/* ... and shown */
#define TRACE_IOV_MAX	4	/* iovec entries shown */

/*
 * What each argument of a call is (a descriptor, a path, open flags, ...)
 * comes from the one table of it, policy_sys_args() in policy/names.c,
 * which explain and --learn read too: a value the trace names is named
 * the same way everywhere.
 */

/* --- the line ------------------------------------------------------------- */

/*
 * One line being built; what does not fit is cut and marked.  A JSON
 * line (--trace-format=json) has room for the longest one there can be
 * (two whole paths of \u00NN escapes, 6 bytes each, and the rest): it is
 * never cut into invalid JSON.
 */
struct tline {
	char buf[TRACE_JSON_MAX];
	size_t max;			/* TRACE_LINE_MAX, or TRACE_JSON_MAX */
	size_t len;
	bool cut;
	bool json;
};

_Static_assert(TRACE_JSON_MAX > 2 * 6 * TRACE_PATH_MAX + 8192, "a JSON line fits");

static void put(struct tline *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put(struct tline *l, const char *fmt, ...)
{
	size_t room = l->max - l->len;
	va_list ap;
	int n;

	if (l->cut)
		return;
	va_start(ap, fmt);
	n = vsnprintf(l->buf + l->len, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room) {
		l->len = l->max - 1;
		l->cut = true;
		return;
	}
	l->len += (size_t)n;
}

/* A name or a number in hex: as is, or a JSON string. */
static void put_word(struct tline *l, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void put_word(struct tline *l, const char *fmt, ...)
{
	char w[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(w, sizeof(w), fmt, ap);
	va_end(ap);
	put(l, l->json ? "\"%s\"" : "%s", w);
}

/*
 * Bytes from the guest as a C string literal: printable ASCII as is,
 * \n \t \r \" \\ by name, anything else \xNN; "..." after it when more
 * followed than is shown.  In a JSON line the same escapes but \u00NN,
 * one code point per byte (a byte above 0x7f is U+0080..U+00FF, not part
 * of a UTF-8 sequence), so that any bytes give valid JSON and can be had
 * back exactly; no "...": the size beside it says how many there were.
 */
static void put_quoted(struct tline *l, const uint8_t *s, size_t n, bool more)
{
	put(l, "\"");
	for (size_t i = 0; i < n; i++) {
		uint8_t ch = s[i];

		switch (ch) {
		case '\n': put(l, "\\n"); break;
		case '\t': put(l, "\\t"); break;
		case '\r': put(l, "\\r"); break;
		case '"': put(l, "\\\""); break;
		case '\\': put(l, "\\\\"); break;
		default:
			if (ch >= 0x20 && ch < 0x7f)
				put(l, "%c", ch);
			else
				put(l, l->json ? "\\u%04x" : "\\x%02x", ch);
		}
	}
	put(l, more && !l->json ? "\"..." : "\"");
}

/* --- reading the guest ---------------------------------------------------- */

static void put_ptr(struct tline *l, uint64_t v)
{
	if (v)
		put_word(l, "0x%llx", (unsigned long long)v);
	else
		put(l, l->json ? "null" : "NULL");
}

/* What a pointer points at could not be read (or is not to be shown):
 * the pointer, or JSON's null (the line's "regs" have the pointer). */
static void put_unread(struct tline *l, uint64_t v)
{
	if (l->json)
		put(l, "null");
	else
		put_ptr(l, v);
}

/*
 * A NUL-terminated string at gva: copied page by page (a string that
 * ends just before an unmapped page is fine), at most TRACE_PATH_MAX
 * bytes.  Shown quoted, or as the pointer when not even its first byte
 * can be read or no NUL comes before a fault.
 */
static void put_guest_path(struct vmm_vcpu *cpu, struct tline *l, uint64_t gva)
{
	uint8_t s[TRACE_PATH_MAX];
	size_t n = 0;

	while (n < sizeof(s)) {
		uint64_t chunk = LSTAR_PAGE_SIZE - ((gva + n) & (LSTAR_PAGE_SIZE - 1));
		const uint8_t *nul;

		if (chunk > sizeof(s) - n)
			chunk = sizeof(s) - n;
		/* gva + n cannot wrap to a user address: copy_from_user
		 * refuses anything outside user space first. */
		if (gva + n < gva || vmm_mem_copy_from_user(cpu->mem, s + n, gva + n, chunk)) {
			put_unread(l, gva);
			return;
		}
		if ((nul = memchr(s + n, '\0', chunk))) {
			size_t len = (size_t)(nul - s);

			/* JSON: the whole path. */
			if (l->json)
				put_quoted(l, s, len, false);
			else
				put_quoted(l, s, len < TRACE_PATH_SHOW ? len : TRACE_PATH_SHOW,
					   len > TRACE_PATH_SHOW);
			return;
		}
		n += chunk;
	}
	/* No NUL in TRACE_PATH_MAX bytes: longer than any path the kernel
	 * takes (ENAMETOOLONG). */
	if (l->json)
		put_unread(l, gva);
	else
		put_quoted(l, s, TRACE_PATH_SHOW, true);
}

/*
 * Up to TRACE_DATA_MAX of the len bytes at gva, quoted; the pointer when
 * they cannot be read.  Whole or nothing: copy_from_user fails the copy
 * on any fault.
 */
static void put_data(struct vmm_vcpu *cpu, struct tline *l, uint64_t gva, uint64_t len)
{
	uint8_t d[TRACE_DATA_MAX];
	uint64_t n = len < sizeof(d) ? len : sizeof(d);

	if (n && vmm_mem_copy_from_user(cpu->mem, d, gva, n)) {
		put_unread(l, gva);
		return;
	}
	put_quoted(l, d, (size_t)n, len > n);
}

/*
 * An iovec array: the first TRACE_IOV_MAX entries, each with its data
 * (write: all of it, read: what the result covers, in order), as strace
 * shows them.  The array itself is copied once; an unreadable one shows
 * as its pointer.
 */
static void put_iov(struct vmm_vcpu *cpu, struct tline *l, uint64_t gva, uint64_t cnt,
		    bool read, int64_t ret)
{
	struct { uint64_t base, len; } iov[TRACE_IOV_MAX];
	uint64_t n = cnt < TRACE_IOV_MAX ? cnt : TRACE_IOV_MAX;
	uint64_t left = read ? (ret > 0 ? (uint64_t)ret : 0) : UINT64_MAX;

	if (n && vmm_mem_copy_from_user(cpu->mem, iov, gva, n * sizeof(iov[0]))) {
		put_unread(l, gva);
		return;
	}
	put(l, "[");
	for (uint64_t i = 0; i < n; i++) {
		uint64_t show = iov[i].len < left ? iov[i].len : left;

		put(l, l->json ? "%s{\"base\":" : "%s{iov_base=", i ? ", " : "");
		if (read && ret < 0)
			put_unread(l, iov[i].base);
		else
			put_data(cpu, l, iov[i].base, show);
		put(l, l->json ? ", \"len\":%llu}" : ", iov_len=%llu}",
		    (unsigned long long)iov[i].len);
		left -= show;
	}
	put(l, "%s]", cnt > n && !l->json ? ", ..." : "");
}

/* --- numbers -------------------------------------------------------------- */

/* An int argument: the kernel reads the low 32 bits.  Upper bits that are
 * neither zero nor the sign's are shown, in hex: the whole register. */
static bool is_int(uint64_t v)
{
	return v <= 0xffffffffULL || (int64_t)v == (int64_t)(int32_t)(uint32_t)v;
}

static void put_int(struct tline *l, uint64_t v)
{
	if (is_int(v))
		put(l, "%d", (int32_t)(uint32_t)v);
	else
		put_word(l, "0x%llx", (unsigned long long)v);
}

static void put_hex(struct tline *l, uint64_t v)
{
	put_word(l, v ? "0x%llx" : "0", (unsigned long long)v);
}

/*
 * v as constants of class cls: one name, or flags joined by '|' with any
 * bits no name covers left in hex (O_RDONLY|0x40000000).  Hex when
 * nothing fits.
 */
static void spell_named(char *w, size_t len, uint64_t v, int cls, bool flags)
{
	uint64_t left = v;
	size_t n = 0;

	if (policy_const_spell(v, cls, w, len) == 0)
		return;
	w[0] = '\0';
	for (size_t i = 0; flags && i < policy_nconsts && left; i++) {
		const struct policy_const *k = &policy_consts[i];

		if (k->cls != cls || !k->flag || !k->value || (k->value & ~left))
			continue;
		n += (size_t)snprintf(w + n, n < len ? len - n : 0, "%s%s", n ? "|" : "", k->name);
		left &= ~k->value;
	}
	if (!n)
		snprintf(w, len, v ? "0x%llx" : "0", (unsigned long long)v);
	else if (left)
		snprintf(w + n, n < len ? len - n : 0, "|0x%llx", (unsigned long long)left);
}

static void put_named(struct tline *l, uint64_t v, int cls, bool flags)
{
	char w[384];

	spell_named(w, sizeof(w), v, cls, flags);
	put_word(l, "%s", w);
}

/* Open flags the strace way: the access mode always, then the rest. */
static void put_open(struct tline *l, uint64_t v)
{
	static const char *const acc[4] = { "O_RDONLY", "O_WRONLY", "O_RDWR", "O_ACCMODE" };
	char rest[384] = "";

	if (v & ~(uint64_t)O_ACCMODE)
		spell_named(rest, sizeof(rest), v & ~(uint64_t)O_ACCMODE, POLICY_CLS_OPEN, true);
	put_word(l, "%s%s%s", acc[v & O_ACCMODE], rest[0] ? "|" : "", rest);
}

/* A socket's type the same way: the type (the low four bits, a value),
 * then SOCK_NONBLOCK and SOCK_CLOEXEC. */
static void put_sock(struct tline *l, uint64_t v)
{
	char type[64], rest[128] = "";

	spell_named(type, sizeof(type), v & 0xf, POLICY_CLS_SOCK, false);
	if (v & ~0xfULL)
		spell_named(rest, sizeof(rest), v & ~0xfULL, POLICY_CLS_SOCK, true);
	put_word(l, "%s%s%s", type, rest[0] ? "|" : "", rest);
}

/*
 * A socket address the call reads (connect, bind, sendto), len bytes as
 * the kernel reads the length: its family and what it names,
 * {AF_INET, 10.0.0.1:80}, {AF_INET6, [::1]:53}, {AF_UNIX, "/tmp/s"}
 * (an abstract name with its leading NUL as \x00); in JSON an object
 * with "family" and "addr" or "path".  The pointer when it cannot be
 * read, or its length is not one the kernel takes.
 */
static void put_sockaddr(struct vmm_vcpu *cpu, struct tline *l, const struct vmm_call *c,
			 uint64_t gva, uint64_t len)
{
	uint8_t sa[128] = { 0 };
	int n = (int)len, family;
	char text[INET6_ADDRSTRLEN + 16], a[INET6_ADDRSTRLEN] = "?";
	size_t plen;

	/* The VMM's copy when it judged one (another thread of the program
	 * may have changed guest memory since); guest memory otherwise. */
	if (c->addr_len >= 2 && c->addr_len == n)
		memcpy(sa, c->addr, (size_t)n);
	else if (!gva || n < 2 || n > (int)sizeof(sa) ||
		 vmm_mem_copy_from_user(cpu->mem, sa, gva, (uint64_t)n)) {
		put_ptr(l, gva);
		return;
	}
	family = sa[0] | sa[1] << 8;
	if (family == AF_UNIX) {
		/* The path to its first NUL, or the whole name if it begins
		 * with one (abstract). */
		for (plen = 1; plen < (size_t)n - 2 && sa[2 + plen]; plen++)
			;
		if (!sa[2])
			plen = (size_t)n - 2;
		else if (n == 2)
			plen = 0;
		put(l, l->json ? "{\"family\":\"AF_UNIX\",\"path\":" : "{AF_UNIX, ");
		put_quoted(l, sa + 2, plen, false);
		put(l, "}");
		return;
	}
	if (family == AF_INET && n >= 16) {
		inet_ntop(AF_INET, sa + 4, a, sizeof(a));
		snprintf(text, sizeof(text), "%s:%u", a, sa[2] << 8 | sa[3]);
	} else if (family == AF_INET6 && n >= 24) {
		inet_ntop(AF_INET6, sa + 8, a, sizeof(a));
		snprintf(text, sizeof(text), "[%s]:%u", a, sa[2] << 8 | sa[3]);
	} else {
		snprintf(text, sizeof(text), "...");
	}
	if (l->json) {
		char fam[64];

		spell_named(fam, sizeof(fam), (uint64_t)family, POLICY_CLS_AF, false);
		put(l, "{\"family\":\"%s\",\"addr\":\"%s\"}", fam, text);
		return;
	}
	put(l, "{");
	put_named(l, (uint64_t)family, POLICY_CLS_AF, false);
	put(l, ", %s}", text);
}

/* --- one line ------------------------------------------------------------- */

/* Argument i of call c, of kind kind (enum policy_arg, policy/names.h). */
static void put_arg(struct vmm_vcpu *cpu, struct tline *l, const struct vmm_call *c,
		    int kind, int i, bool ran)
{
	const uint64_t *a = c->args;
	/* The bits the kernel reads, which are what the policy judged and
	 * the handler got: an int's low 32. */
	uint64_t v = a[i] & policy_arg_bits(kind);

	switch (kind) {
	case POLICY_ARG_PTR:
	case POLICY_ARG_SIGSET:
	case POLICY_ARG_SIGSEL:
		put_ptr(l, v);
		break;
	case POLICY_ARG_INT:
	case POLICY_ARG_FD:
		put_int(l, v);
		break;
	case POLICY_ARG_DIRFD:
		if (is_int(v) && (int32_t)(uint32_t)v == AT_FDCWD)
			put_word(l, "AT_FDCWD");
		else
			put_int(l, v);
		break;
	case POLICY_ARG_SIZE:
		put(l, "%llu", (unsigned long long)v);
		break;
	case POLICY_ARG_UINT:
		put(l, "%llu", (unsigned long long)v);
		break;
	case POLICY_ARG_OFF:
		put(l, "%lld", (long long)v);
		break;
	case POLICY_ARG_MODE:
		put_word(l, v ? "0%llo" : "0", (unsigned long long)v);
		break;
	case POLICY_ARG_PATH:
		put_guest_path(cpu, l, v);
		break;
	case POLICY_ARG_WBUF:
		put_data(cpu, l, v, i < 5 ? a[i + 1] : 0);
		break;
	case POLICY_ARG_RBUF:
		/* What the program got: the bytes the call returned. */
		if (ran && c->ret >= 0)
			put_data(cpu, l, v, (uint64_t)c->ret);
		else
			put_unread(l, v);
		break;
	case POLICY_ARG_SOCKADDR:
		put_sockaddr(cpu, l, c, v, i < 5 ? a[i + 1] : 0);
		break;
	case POLICY_ARG_WIOV:
	case POLICY_ARG_RIOV:
		put_iov(cpu, l, v, i < 5 ? a[i + 1] : 0, kind == POLICY_ARG_RIOV,
			ran ? c->ret : -1);
		break;
	case POLICY_ARG_OPEN:
		put_open(l, v);
		break;
	case POLICY_ARG_OFLAGS:
		if (!v) {
			put_word(l, "0");
			break;
		}
		/* fall through */
	case POLICY_ARG_PROT:
	case POLICY_ARG_MAP:
	case POLICY_ARG_AT:
	case POLICY_ARG_ACCESS:
		put_named(l, v, policy_arg_cls(kind), true);
		break;
	case POLICY_ARG_SOCK:
		put_sock(l, v);
		break;
	case POLICY_ARG_MADV:
	case POLICY_ARG_IOCTL:
	case POLICY_ARG_FCNTL:
	case POLICY_ARG_CLOCK:
	case POLICY_ARG_SIG:
	case POLICY_ARG_SIGHOW:
	case POLICY_ARG_ARCH:
	case POLICY_ARG_SEEK:
	case POLICY_ARG_AF:
	case POLICY_ARG_FUTEX:
		put_named(l, v, policy_arg_cls(kind), false);
		break;
	default:
		put_hex(l, v);
		break;
	}
}

/* The verdict's word: what the policy (or lstar) did with the call. */
static const char *verdict_word(const struct vmm_call *c)
{
	if (c->kind == LSTAR_TRACE_NOSYS)
		return "not implemented";
	if (c->v.action == LSTAR_ACT_KILL)
		return "killed";
	if (c->kind == LSTAR_TRACE_DENIED || c->v.action == LSTAR_ACT_ERRNO)
		return "denied";
	if (c->v.action == LSTAR_ACT_LOG)
		return "logged";
	return "allowed";
}

/* The process a line is of: the sandbox's pid. */
static int line_pid(const struct vmm *vmm)
{
	return vmm->me ? vmm->me->pid : LSTAR_GUEST_PID;
}

/* The start of a line of another process than the first: which one, as
 * strace -f says it.  (A JSON line says it in "pid".) */
static int pid_prefix(const struct vmm *vmm, char *buf, size_t len)
{
	return vmm->child ? snprintf(buf, len, "[pid %d] ", line_pid(vmm)) : 0;
}

/* Seconds since the run began (the first process's start), for JSON. */
static double run_time(const struct vmm *vmm)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - vmm->obs.t0.tv_sec) +
	       (double)(now.tv_nsec - vmm->obs.t0.tv_nsec) / 1e9;
}

static void line_start(struct tline *l, bool json)
{
	l->len = 0;
	l->cut = false;
	l->json = json;
	l->max = json ? TRACE_JSON_MAX : TRACE_LINE_MAX;
}

/* Write the finished line whole: one write for the stream's buffer (the
 * processes of a sandbox share the stream, line by line).  recall: a
 * line of lstar fuzz's crash report, to stderr. */
static void trace_write(struct vmm *vmm, struct tline *l, bool recall)
{
	FILE *out = vmm->obs.trace && !recall ? vmm->obs.trace : stderr;
	char pre[32];
	int n = recall ? snprintf(pre, sizeof(pre), "lstar: fuzz:   ") :
		l->json ? 0 : pid_prefix(vmm, pre, sizeof(pre));

	if (l->cut) {
		/* Never for JSON (struct tline); keep the end readable:
		 * "...\n" over the last bytes. */
		l->len = l->max - 5;
		memcpy(l->buf + l->len, "...", 3);
		l->len += 3;
	}
	l->buf[l->len++] = '\n';
	/* One buffered line: the stream is flushed after it. */
	fwrite(pre, 1, (size_t)n, out);
	fwrite(l->buf, 1, l->len, out);
	fflush(out);
}

/* A call interrupted for a signal: what becomes of it is decided when the
 * signal is delivered (strace shows the same).  Its code, and what the
 * text trace says of it. */
static const char *restart_name(int64_t ret, const char **meaning)
{
	static const struct { int code; const char *name, *meaning; } codes[] = {
		{ LSTAR_ERESTARTSYS, "ERESTARTSYS", "restarted if SA_RESTART is set" },
		{ LSTAR_ERESTARTNOINTR, "ERESTARTNOINTR", "restarted" },
		{ LSTAR_ERESTARTNOHAND, "ERESTARTNOHAND", "restarted if no handler runs" },
		{ LSTAR_ERESTART_RESTARTBLOCK, "ERESTART_RESTARTBLOCK", "interrupted" },
	};

	for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
		if (-ret == codes[i].code) {
			*meaning = codes[i].meaning;
			return codes[i].name;
		}
	return NULL;
}

/* The result, the verdict and where: " = -ENOENT [denied: p.policy:4]
 * (guest)", or JSON's fields for them. */
static void put_outcome(struct vmm_vcpu *cpu, struct tline *l, const struct vmm_call *c,
			bool noret, const struct policy_sys_args *shape)
{
	const char *meaning, *restart = restart_name(c->ret, &meaning);
	const char *err = c->ret < 0 && c->ret >= -LSTAR_POLICY_MAX_ERRNO ?
			  lstar_policy_errno_name((int)-c->ret) : NULL;
	char where[256];

	if (c->kind != LSTAR_TRACE_NOSYS)
		lstar_policy_where(cpu->vmm->proc.policy, c->v.src, where, sizeof(where));
	if (l->json) {
		if (noret)
			put(l, ",\"result\":null");
		else if (restart)
			put(l, ",\"result\":null,\"restart\":\"%s\"", restart);
		else
			put(l, ",\"result\":%lld", (long long)c->ret);
		if (!noret && !restart && err)
			put(l, ",\"error\":\"%s\"", err);
		put(l, ",\"verdict\":\"%s\",\"rule\":", verdict_word(c));
		if (c->kind == LSTAR_TRACE_NOSYS)
			put(l, "null");
		else
			put_quoted(l, (const uint8_t *)where, strlen(where), false);
		put(l, ",\"where\":\"%s\"", c->forwarded ? "vmm" : "guest");
		if (c->note[0]) {
			put(l, ",\"note\":");
			put_quoted(l, (const uint8_t *)c->note, strlen(c->note), false);
		}
		put(l, "}");
		return;
	}
	put(l, " = ");
	if (noret)
		put(l, "?");
	else if (restart)
		put(l, "? %s (%s)", restart, meaning);
	else if (err)
		put(l, "-%s", err);
	else if (shape && shape->ret_addr)
		put(l, "0x%llx", (unsigned long long)c->ret);
	else
		put(l, "%lld", (long long)c->ret);
	if (c->kind == LSTAR_TRACE_NOSYS)
		put(l, " [not implemented]");
	else
		put(l, " [%s: %s]", verdict_word(c), where);
	put(l, c->forwarded ? " (vmm)" : " (guest)");
	/* The handler's word on it (vmm_call_note): lstar's own, with
	 * the program's values in it as numbers. */
	if (c->note[0])
		put(l, ": %s", c->note);
}

/*
 * Format call c as a line: name(args) = result [verdict: FILE:LINE]
 * (where), or as one JSON object (docs/TRACE.md).  noret: the call never
 * returned (exit_group, a kill): "= ?".  recall: for lstar fuzz's crash
 * report, always text.
 */
static void trace_line(struct vmm_vcpu *cpu, const struct vmm_call *c, bool noret,
		       bool recall)
{
	struct tline line;		/* 64 KiB: a vCPU thread's stack has room */
	struct tline *l = &line;
	const char *name = lstar_policy_syscall_name(c->nr);
	/* Unknown to the table: six numbers in hex. */
	const struct policy_sys_args *shape = policy_sys_args(c->nr);
	/* The call ran: its results (a read's bytes) are there to show. */
	bool ran = !noret && c->kind == LSTAR_TRACE_GUEST;
	int nargs = shape ? shape->nargs : 6;

	line_start(l, cpu->vmm->opt->trace_json && !recall);
	if (l->json) {
		put(l, "{\"type\":\"call\",\"pid\":%d,\"tid\":%d,\"time\":%.6f,\"syscall\":",
		    line_pid(cpu->vmm), cpu->tid, run_time(cpu->vmm));
		put(l, name ? "\"%s\"" : "null", name);
		put(l, ",\"nr\":%llu,\"args\":[", (unsigned long long)c->nr);
	} else if (name) {
		put(l, "%s(", name);
	} else {
		put(l, "syscall_%llu(", (unsigned long long)c->nr);
	}
	/* open's mode means something only when the call may create. */
	if ((c->nr == SYS_open || c->nr == SYS_openat) &&
	    !(c->args[nargs - 2] & (O_CREAT | __O_TMPFILE)))
		nargs--;
	for (int i = 0; i < nargs; i++) {
		if (i)
			put(l, ", ");
		put_arg(cpu, l, c, shape ? shape->arg[i] : POLICY_ARG_NUM, i, ran);
	}
	if (l->json) {
		put(l, "],\"regs\":[");
		for (int i = 0; i < 6; i++)
			put(l, "%s\"0x%llx\"", i ? ", " : "", (unsigned long long)c->args[i]);
		put(l, "]");
	} else {
		put(l, ")");
	}
	put_outcome(cpu, l, c, noret, shape);
	trace_write(cpu->vmm, l, recall);
}

/*
 * Is c to be printed?  --trace: all.  A `log` rule: its calls (to the
 * trace, or stderr).  -v: what was refused (by the policy, or by the
 * handler with a note) or is missing.  And always a
 * call the shim forwarded that the VMM does not have: the shim never
 * does that unless it is broken or taken over (docs/DECISIONS.md).
 */
static bool trace_wanted(const struct vmm *vmm, const struct vmm_call *c)
{
	return vmm->opt->trace || c->v.action == LSTAR_ACT_LOG ||
	       (vmm->opt->verbose && (c->kind != LSTAR_TRACE_GUEST || c->refused)) ||
	       (c->forwarded && c->kind == LSTAR_TRACE_NOSYS);
}

/* --- the API -------------------------------------------------------------- */

int vmm_trace_open(struct vmm *vmm)
{
	int fd;

	clock_gettime(CLOCK_MONOTONIC, &vmm->obs.t0);
	if (!vmm->opt->trace_path)
		return 0;
	/* Created now: once lstar is confined it can create nothing. */
	fd = vmm_output_open(vmm, vmm->opt->trace_path, true, 0644);
	if (fd < 0)
		return fd;
	if (!(vmm->obs.trace = fdopen(fd, "w"))) {
		int err = -errno;

		close(fd);
		return err;
	}
	return 0;
}

void vmm_trace_close(struct vmm *vmm)
{
	if (vmm->obs.trace)
		fclose(vmm->obs.trace);
	vmm->obs.trace = NULL;
}

/*
 * The last line of a trace: how the run ended (how: "exited", "killed",
 * "timed out", "stopped"), as strace ends one: "+++ exited with 0 +++",
 * "+++ killed by SIGSEGV +++", "+++ stopped: lstar got SIGTERM +++", or
 * a JSON object of type "end".  n: the status, or the signal.  A trace
 * without it was cut off (lstar itself was killed).
 */
static void trace_end(struct vmm *vmm, const char *how, int n)
{
	const char *abbrev = n >= 1 && n <= 31 ? sigabbrev_np(n) : NULL;
	bool exited = !strcmp(how, "exited"), signal = n && !exited;
	struct tline line, *l = &line;
	char sig[24];

	if (!vmm->opt->trace)
		return;
	if (abbrev)
		snprintf(sig, sizeof(sig), "SIG%s", abbrev);
	else
		snprintf(sig, sizeof(sig), "signal %d", n);
	line_start(l, vmm->opt->trace_json);
	if (l->json) {
		put(l, "{\"type\":\"end\",\"pid\":%d,\"time\":%.6f,\"how\":\"%s\"",
		    line_pid(vmm), run_time(vmm), how);
		if (exited)
			put(l, ",\"status\":%d", n);
		else if (signal)
			put(l, ",\"signal\":%d,\"signame\":\"%s\"", n, sig);
		put(l, "}");
	} else if (exited) {
		put(l, "+++ exited with %d +++", n);
	} else if (!strcmp(how, "stopped")) {
		put(l, "+++ stopped: lstar got %s +++", sig);
	} else {
		put(l, signal ? "+++ %s by %s +++" : "+++ %s +++", how, sig);
	}
	trace_write(vmm, l, false);
}

void vmm_trace_stop(struct vmm *vmm)
{
	if (vmm->stopped_by == SIGALRM)
		trace_end(vmm, "timed out", 0);
	else
		trace_end(vmm, "stopped", vmm->stopped_by);
}

void vmm_trace_call(struct vmm_vcpu *cpu, const struct vmm_call *c)
{
	if (trace_wanted(cpu->vmm, c))
		trace_line(cpu, c, c->noreturn || c->v.action == LSTAR_ACT_KILL, false);
}

void vmm_trace_recall(struct vmm_vcpu *cpu, const struct vmm_call *c)
{
	trace_line(cpu, c, c->noreturn, true);
}

/* The six argument registers of the frame in regs. */
static void frame_args(const uint64_t *regs, uint64_t args[6])
{
	args[0] = regs[LSTAR_REG_RDI];
	args[1] = regs[LSTAR_REG_RSI];
	args[2] = regs[LSTAR_REG_RDX];
	args[3] = regs[LSTAR_REG_R10];
	args[4] = regs[LSTAR_REG_R8];
	args[5] = regs[LSTAR_REG_R9];
}

void vmm_trace_exit(struct vmm_vcpu *cpu, const struct lstar_hc_exit *e)
{
	uint64_t args[6] = { 0 };
	struct vmm_call c = { .args = args, .kind = LSTAR_TRACE_GUEST };

	switch (e->kind) {
	case LSTAR_EXIT_NORMAL:
		/*
		 * exit or exit_group.  The shim may send the call's frame
		 * (error_code is then its number, as orig_rax); without it,
		 * the call is exit_group with the status as its argument.
		 */
		if ((e->error_code == SYS_exit || e->error_code == SYS_exit_group) &&
		    e->regs[LSTAR_REG_ORIG_RAX] == e->error_code) {
			c.nr = e->error_code;
			frame_args(e->regs, args);
		} else {
			c.nr = SYS_exit_group;
			args[0] = (uint32_t)e->status;
		}
		/* The shim's verdict is not in the block: the VMM's own, on
		 * the same table, is the same one. */
		c.v = lstar_policy_eval(cpu->vmm->proc.policy->table, c.nr, args);
		break;
	case LSTAR_EXIT_SIGNAL:
		if (e->vector != LSTAR_EXIT_VECTOR_POLICY) {
			if (e->status >= 1 && e->status <= LSTAR_NSIG)
				trace_end(cpu->vmm, "killed", e->status);
			return;
		}
		/* A kill rule: the frame is the call's (orig_rax its number)
		 * and fault_addr the rule's src. */
		c.nr = (uint32_t)e->regs[LSTAR_REG_ORIG_RAX];	/* as dispatched */
		frame_args(e->regs, args);
		c.v.action = LSTAR_ACT_KILL;
		c.v.src = (uint32_t)e->fault_addr;
		c.kind = LSTAR_TRACE_DENIED;
		break;
	default:
		return;		/* a shim panic: hcall.c reports it */
	}
	c.noreturn = true;
	vmm_observe(cpu, &c);
	if (e->kind == LSTAR_EXIT_NORMAL)
		trace_end(cpu->vmm, "exited", e->status & 0xff);
	else
		trace_end(cpu->vmm, "killed", SIGSYS);
}
