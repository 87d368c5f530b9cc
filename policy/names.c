/* SPDX-License-Identifier: MIT */
/*
 * names.c - the names a policy may use: syscalls (through libseccomp, so
 * every x86-64 name is known), constants, errno names, and the "did you
 * mean" search behind the compiler's hints; the one table of what each
 * syscall argument means (for --trace, explain and --learn), and how the
 * language spells values, verdicts and strings.
 *
 * The constants' values come from the headers, never typed as numbers.
 * Where the kernel and libc disagree, the kernel's UAPI header wins: a
 * policy compares what the program put in a register, which is the
 * kernel's ABI.  (glibc's <fcntl.h> says O_LARGEFILE is 0 on x86-64;
 * musl passes the kernel's 0x8000 in every open.)  Those headers and
 * glibc's <signal.h> and <sys/socket.h> cannot meet in one file for some
 * types, so signals, sockets and clocks come from glibc, whose values on
 * Linux are the kernel's.
 */
#include <ctype.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include <asm/ioctls.h>
#include <asm/prctl.h>
#include <asm/termbits.h>
#include <linux/futex.h>
#include <linux/errno.h>
#include <linux/fcntl.h>
#include <linux/mman.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "compile.h"
#include "names.h"

#define C(n, cls)	{ #n, (uint64_t)(n), POLICY_CLS_##cls, 0 }
#define FLAG(n, cls)	{ #n, (uint64_t)(n), POLICY_CLS_##cls, 1 }

/*
 * Within a class, the first name for a value is the one explain prints:
 * aliases (O_NDELAY, AF_LOCAL, AT_EACCESS) come after the usual name.
 * Flags are listed widest first so that explain spells O_SYNC, not
 * O_DSYNC|0x100000.
 */
const struct policy_const policy_consts[] = {
	/* open(2) and openat(2) flags, arg1 and arg2. */
	C(O_RDONLY, OPEN), FLAG(O_ACCMODE, OPEN), FLAG(O_WRONLY, OPEN), FLAG(O_RDWR, OPEN),
	FLAG(O_CREAT, OPEN), FLAG(O_EXCL, OPEN),
	FLAG(O_NOCTTY, OPEN), FLAG(O_TRUNC, OPEN), FLAG(O_APPEND, OPEN),
	FLAG(O_NONBLOCK, OPEN), C(O_NDELAY, OPEN), FLAG(O_SYNC, OPEN),
	FLAG(O_DSYNC, OPEN), FLAG(O_DIRECT, OPEN), FLAG(O_LARGEFILE, OPEN),
	FLAG(O_TMPFILE, OPEN), FLAG(O_DIRECTORY, OPEN), FLAG(O_NOFOLLOW, OPEN),
	FLAG(O_NOATIME, OPEN), FLAG(O_CLOEXEC, OPEN), FLAG(O_PATH, OPEN),
	FLAG(FASYNC, OPEN),
	/*
	 * AT_FDCWD is the int -100: the kernel reads the low 32 bits of the
	 * register.  glibc leaves the upper half zero (0x00000000ffffff9c),
	 * musl sign-extends (0xffffffffffffff9c), so the constant is the
	 * 32-bit value and a rule compares (argN & 0xffffffff) with it.
	 */
	{ "AT_FDCWD", (uint32_t)AT_FDCWD, POLICY_CLS_DIRFD, 0 },
	FLAG(AT_SYMLINK_NOFOLLOW, AT), FLAG(AT_REMOVEDIR, AT),
	C(AT_EACCESS, AT), FLAG(AT_SYMLINK_FOLLOW, AT), FLAG(AT_NO_AUTOMOUNT, AT),
	FLAG(AT_EMPTY_PATH, AT), FLAG(AT_RECURSIVE, AT),
	/* fcntl(2) commands, arg1, and its descriptor flag. */
	C(F_DUPFD, FCNTL), C(F_GETFD, FCNTL), C(F_SETFD, FCNTL),
	C(F_GETFL, FCNTL), C(F_SETFL, FCNTL), C(F_GETLK, FCNTL),
	C(F_SETLK, FCNTL), C(F_SETLKW, FCNTL), C(F_SETOWN, FCNTL),
	C(F_GETOWN, FCNTL), C(F_SETSIG, FCNTL), C(F_GETSIG, FCNTL),
	C(F_DUPFD_CLOEXEC, FCNTL), C(F_SETPIPE_SZ, FCNTL),
	C(F_GETPIPE_SZ, FCNTL), C(F_ADD_SEALS, FCNTL), C(F_GET_SEALS, FCNTL),
	C(F_OFD_GETLK, FCNTL), C(F_OFD_SETLK, FCNTL), C(F_OFD_SETLKW, FCNTL),
	FLAG(FD_CLOEXEC, FD),
	/* access(2) modes. */
	C(F_OK, ACCESS), FLAG(R_OK, ACCESS), FLAG(W_OK, ACCESS), FLAG(X_OK, ACCESS),
	/* mmap(2), mprotect(2) and madvise(2). */
	C(PROT_NONE, PROT), FLAG(PROT_READ, PROT), FLAG(PROT_WRITE, PROT),
	FLAG(PROT_EXEC, PROT), FLAG(PROT_GROWSDOWN, PROT), FLAG(PROT_GROWSUP, PROT),
	FLAG(MAP_SHARED, MAP), FLAG(MAP_PRIVATE, MAP), C(MAP_SHARED_VALIDATE, MAP),
	C(MAP_TYPE, MAP), FLAG(MAP_FIXED, MAP), FLAG(MAP_ANONYMOUS, MAP),
	{ "MAP_ANON", MAP_ANONYMOUS, POLICY_CLS_MAP, 0 }, FLAG(MAP_32BIT, MAP), FLAG(MAP_GROWSDOWN, MAP),
	FLAG(MAP_DENYWRITE, MAP), FLAG(MAP_EXECUTABLE, MAP), FLAG(MAP_LOCKED, MAP),
	FLAG(MAP_NORESERVE, MAP), FLAG(MAP_POPULATE, MAP), FLAG(MAP_NONBLOCK, MAP),
	FLAG(MAP_STACK, MAP), FLAG(MAP_HUGETLB, MAP), FLAG(MAP_SYNC, MAP),
	FLAG(MAP_FIXED_NOREPLACE, MAP),
	C(MADV_NORMAL, MADV), C(MADV_RANDOM, MADV), C(MADV_SEQUENTIAL, MADV),
	C(MADV_WILLNEED, MADV), C(MADV_DONTNEED, MADV), C(MADV_FREE, MADV),
	C(MADV_REMOVE, MADV), C(MADV_DONTFORK, MADV), C(MADV_DOFORK, MADV),
	C(MADV_MERGEABLE, MADV), C(MADV_UNMERGEABLE, MADV),
	C(MADV_HUGEPAGE, MADV), C(MADV_NOHUGEPAGE, MADV),
	C(MADV_DONTDUMP, MADV), C(MADV_DODUMP, MADV), C(MADV_COLD, MADV),
	C(MADV_PAGEOUT, MADV),
	/* socket(2): domain (arg0) and type (arg1, with its two flags). */
	C(AF_UNSPEC, AF), C(AF_UNIX, AF), C(AF_LOCAL, AF), C(AF_INET, AF),
	C(AF_INET6, AF), C(AF_NETLINK, AF), C(AF_PACKET, AF), C(AF_VSOCK, AF),
	C(SOCK_STREAM, SOCK), C(SOCK_DGRAM, SOCK), C(SOCK_RAW, SOCK),
	C(SOCK_SEQPACKET, SOCK), FLAG(SOCK_NONBLOCK, SOCK), FLAG(SOCK_CLOEXEC, SOCK),
	/* Clocks. */
	C(CLOCK_REALTIME, CLOCK), C(CLOCK_MONOTONIC, CLOCK),
	C(CLOCK_PROCESS_CPUTIME_ID, CLOCK), C(CLOCK_THREAD_CPUTIME_ID, CLOCK),
	C(CLOCK_MONOTONIC_RAW, CLOCK), C(CLOCK_REALTIME_COARSE, CLOCK),
	C(CLOCK_MONOTONIC_COARSE, CLOCK), C(CLOCK_BOOTTIME, CLOCK),
	C(CLOCK_REALTIME_ALARM, CLOCK), C(CLOCK_BOOTTIME_ALARM, CLOCK),
	C(CLOCK_TAI, CLOCK),
	/* ioctl(2) requests, arg1: terminals and descriptors. */
	C(TCGETS, IOCTL), C(TCSETS, IOCTL), C(TCSETSW, IOCTL), C(TCSETSF, IOCTL),
	C(TCGETA, IOCTL), C(TCSETA, IOCTL), C(TCSBRK, IOCTL), C(TCXONC, IOCTL),
	C(TCFLSH, IOCTL), C(TIOCSCTTY, IOCTL), C(TIOCNOTTY, IOCTL),
	C(TIOCGPGRP, IOCTL), C(TIOCSPGRP, IOCTL), C(TIOCOUTQ, IOCTL),
	C(TIOCGWINSZ, IOCTL), C(TIOCSWINSZ, IOCTL), C(TIOCGPTN, IOCTL),
	C(TIOCSPTLCK, IOCTL), C(FIONREAD, IOCTL), C(FIONBIO, IOCTL),
	C(FIOCLEX, IOCTL), C(FIONCLEX, IOCTL), C(FIOASYNC, IOCTL),
	/* Signals: numbers (kill, tgkill, rt_sigaction) and sigprocmask's how. */
	C(SIGHUP, SIG), C(SIGINT, SIG), C(SIGQUIT, SIG), C(SIGILL, SIG),
	C(SIGTRAP, SIG), C(SIGABRT, SIG), C(SIGBUS, SIG), C(SIGFPE, SIG),
	C(SIGKILL, SIG), C(SIGUSR1, SIG), C(SIGSEGV, SIG), C(SIGUSR2, SIG),
	C(SIGPIPE, SIG), C(SIGALRM, SIG), C(SIGTERM, SIG), C(SIGSTKFLT, SIG),
	C(SIGCHLD, SIG), C(SIGCONT, SIG), C(SIGSTOP, SIG), C(SIGTSTP, SIG),
	C(SIGTTIN, SIG), C(SIGTTOU, SIG), C(SIGURG, SIG), C(SIGXCPU, SIG),
	C(SIGXFSZ, SIG), C(SIGVTALRM, SIG), C(SIGPROF, SIG), C(SIGWINCH, SIG),
	C(SIGIO, SIG), C(SIGPWR, SIG), C(SIGSYS, SIG),
	C(SIG_BLOCK, SIGHOW), C(SIG_UNBLOCK, SIGHOW), C(SIG_SETMASK, SIGHOW),
	/* arch_prctl(2) codes, arg0. */
	C(ARCH_SET_GS, ARCH), C(ARCH_SET_FS, ARCH), C(ARCH_GET_FS, ARCH),
	C(ARCH_GET_GS, ARCH), C(ARCH_GET_CPUID, ARCH), C(ARCH_SET_CPUID, ARCH),
	/* lseek(2) whence, arg2. */
	C(SEEK_SET, SEEK), C(SEEK_CUR, SEEK), C(SEEK_END, SEEK),
	C(SEEK_DATA, SEEK), C(SEEK_HOLE, SEEK),
	/* futex(2) operations, arg1, alone and with the private flag. */
	C(FUTEX_WAIT, FUTEX), C(FUTEX_WAKE, FUTEX), C(FUTEX_FD, FUTEX),
	C(FUTEX_REQUEUE, FUTEX), C(FUTEX_CMP_REQUEUE, FUTEX), C(FUTEX_WAKE_OP, FUTEX),
	C(FUTEX_LOCK_PI, FUTEX), C(FUTEX_UNLOCK_PI, FUTEX), C(FUTEX_TRYLOCK_PI, FUTEX),
	C(FUTEX_WAIT_BITSET, FUTEX), C(FUTEX_WAKE_BITSET, FUTEX),
	C(FUTEX_WAIT_REQUEUE_PI, FUTEX), C(FUTEX_CMP_REQUEUE_PI, FUTEX),
	C(FUTEX_LOCK_PI2, FUTEX),
	C(FUTEX_WAIT_PRIVATE, FUTEX), C(FUTEX_WAKE_PRIVATE, FUTEX),
	C(FUTEX_REQUEUE_PRIVATE, FUTEX), C(FUTEX_CMP_REQUEUE_PRIVATE, FUTEX),
	C(FUTEX_WAKE_OP_PRIVATE, FUTEX), C(FUTEX_LOCK_PI_PRIVATE, FUTEX),
	C(FUTEX_UNLOCK_PI_PRIVATE, FUTEX), C(FUTEX_TRYLOCK_PI_PRIVATE, FUTEX),
	C(FUTEX_WAIT_BITSET_PRIVATE, FUTEX), C(FUTEX_WAKE_BITSET_PRIVATE, FUTEX),
	FLAG(FUTEX_PRIVATE_FLAG, FUTEX), FLAG(FUTEX_CLOCK_REALTIME, FUTEX),
};
const size_t policy_nconsts = sizeof(policy_consts) / sizeof(policy_consts[0]);

#define E(n)	{ #n, n }

/* errno names, the usual name of each value first (EAGAIN before
 * EWOULDBLOCK): lstar_policy_errno_name() returns the first. */
static const struct {
	const char *name;
	int value;
} errnos[] = {
	E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG),
	E(ENOEXEC), E(EBADF), E(ECHILD), E(EAGAIN), E(EWOULDBLOCK), E(ENOMEM),
	E(EACCES), E(EFAULT), E(ENOTBLK), E(EBUSY), E(EEXIST), E(EXDEV),
	E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE),
	E(ENOTTY), E(ETXTBSY), E(EFBIG), E(ENOSPC), E(ESPIPE), E(EROFS),
	E(EMLINK), E(EPIPE), E(EDOM), E(ERANGE), E(EDEADLK), E(ENAMETOOLONG),
	E(ENOLCK), E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(ENOMSG), E(EIDRM),
	E(ENOSTR), E(ENODATA), E(ETIME), E(ENOSR), E(ENOLINK), E(EPROTO),
	E(EBADMSG), E(EOVERFLOW), E(EILSEQ), E(EUSERS), E(ENOTSOCK),
	E(EDESTADDRREQ), E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT),
	E(EPROTONOSUPPORT), E(ESOCKTNOSUPPORT), E(EOPNOTSUPP),
	{ "ENOTSUP", EOPNOTSUPP },	/* glibc's alias; not in the UAPI header */
	E(EPFNOSUPPORT), E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL),
	E(ENETDOWN), E(ENETUNREACH), E(ENETRESET), E(ECONNABORTED),
	E(ECONNRESET), E(ENOBUFS), E(EISCONN), E(ENOTCONN), E(ESHUTDOWN),
	E(ETOOMANYREFS), E(ETIMEDOUT), E(ECONNREFUSED), E(EHOSTDOWN),
	E(EHOSTUNREACH), E(EALREADY), E(EINPROGRESS), E(ESTALE), E(EDQUOT),
	E(ENOMEDIUM), E(EMEDIUMTYPE), E(ECANCELED), E(ENOKEY), E(EKEYEXPIRED),
	E(EKEYREVOKED), E(EKEYREJECTED), E(EOWNERDEAD), E(ENOTRECOVERABLE),
	E(ERFKILL), E(EHWPOISON),
};
#define NERRNOS	(sizeof(errnos) / sizeof(errnos[0]))

/*
 * Names of syscall numbers 0..LSTAR_POLICY_NR-1, each asked of libseccomp
 * the first time it is wanted and kept for the life of the process:
 * callers get pointers into this table.  One at a time, because
 * libseccomp finds a number's name by a walk of its whole table, and
 * asking for every number at once cost ~0.1 ms of each run's start.
 * Any thread may ask (--trace and --learn ask from vCPU threads): the
 * first answer stored is kept, a second one freed.
 */
static char *sys_names[LSTAR_POLICY_NR];
static char no_name[1];		/* stored for a number libseccomp does not know */

const char *lstar_policy_syscall_name(uint64_t nr)
{
	char *name, *stored = NULL;

	if (nr >= LSTAR_POLICY_NR)
		return NULL;
	name = __atomic_load_n(&sys_names[nr], __ATOMIC_ACQUIRE);
	if (!name) {
		name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, (int)nr);
		if (!name)
			name = no_name;
		if (!__atomic_compare_exchange_n(&sys_names[nr], &stored, name, false,
						 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
			if (name != no_name)
				free(name);
			name = stored;
		}
	}
	return name == no_name ? NULL : name;
}

int lstar_policy_syscall_number(const char *name)
{
	int nr = seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name);

	/* Negative numbers are libseccomp's pseudo-syscalls: names other
	 * architectures have (socketcall, fstatat64), not x86-64. */
	if (nr < 0 || nr >= LSTAR_POLICY_NR)
		return -1;
	return nr;
}

bool policy_syscall_elsewhere(const char *name)
{
	/* libseccomp numbers a syscall of another architecture below -1
	 * (__PNR_*); -1 (__NR_SCMP_ERROR) is a name it does not know. */
	return seccomp_syscall_resolve_name_arch(SCMP_ARCH_X86_64, name) < -1;
}

const char *lstar_policy_errno_name(int err)
{
	for (size_t i = 0; i < NERRNOS; i++)
		if (errnos[i].value == err)
			return errnos[i].name;
	/* The rare ones the table leaves out: glibc knows them all. */
	return err > 0 ? strerrorname_np(err) : NULL;
}

int policy_errno_find(const char *name, size_t len)
{
	for (size_t i = 0; i < NERRNOS; i++)
		if (strlen(errnos[i].name) == len && !memcmp(errnos[i].name, name, len))
			return errnos[i].value;
	return -1;
}

const struct policy_const *policy_const_find(const char *name, size_t len)
{
	for (size_t i = 0; i < policy_nconsts; i++)
		if (strlen(policy_consts[i].name) == len &&
		    !memcmp(policy_consts[i].name, name, len))
			return &policy_consts[i];
	return NULL;
}

int policy_const_spell(uint64_t value, int cls, char *buf, size_t len)
{
	uint64_t left = value;
	size_t used = 0;

	if (len == 0)
		return -1;
	buf[0] = '\0';
	if (cls == POLICY_CLS_NONE)
		return -1;
	for (size_t i = 0; i < policy_nconsts; i++) {
		const struct policy_const *c = &policy_consts[i];

		if (c->cls == cls && c->value == value) {
			snprintf(buf, len, "%s", c->name);
			return 0;
		}
	}
	/* A combination of flags: take each flag wholly inside what is left
	 * (0 is no combination: only a name for 0 itself spells it). */
	if (left == 0)
		return -1;
	for (size_t i = 0; i < policy_nconsts && left; i++) {
		const struct policy_const *c = &policy_consts[i];
		int n;

		if (c->cls != cls || !c->flag || !c->value || (c->value & ~left))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "|" : "", c->name);
		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
		left &= ~c->value;
	}
	if (left) {
		buf[0] = '\0';
		return -1;
	}
	return 0;
}

/* --- what each syscall argument is ---------------------------------------- */

/*
 * The table, from include/syscalls.def: the short names it uses are
 * spelled out here, for this one inclusion.
 */
#define NUM	POLICY_ARG_NUM
#define PTR	POLICY_ARG_PTR
#define INT	POLICY_ARG_INT
#define FD	POLICY_ARG_FD
#define DIRFD	POLICY_ARG_DIRFD
#define SIZE	POLICY_ARG_SIZE
#define OFF	POLICY_ARG_OFF
#define MODE	POLICY_ARG_MODE
#define PATH	POLICY_ARG_PATH
#define WBUF	POLICY_ARG_WBUF
#define RBUF	POLICY_ARG_RBUF
#define WIOV	POLICY_ARG_WIOV
#define RIOV	POLICY_ARG_RIOV
#define OPEN	POLICY_ARG_OPEN
#define OFLAGS	POLICY_ARG_OFLAGS
#define ATF	POLICY_ARG_AT
#define ACCESS	POLICY_ARG_ACCESS
#define PROT	POLICY_ARG_PROT
#define MAPF	POLICY_ARG_MAP
#define MADV	POLICY_ARG_MADV
#define IOCTL	POLICY_ARG_IOCTL
#define FCNTL	POLICY_ARG_FCNTL
#define SEEK	POLICY_ARG_SEEK
#define CLOCK	POLICY_ARG_CLOCK
#define SIG	POLICY_ARG_SIG
#define SIGHOW	POLICY_ARG_SIGHOW
#define ARCH	POLICY_ARG_ARCH
#define AF	POLICY_ARG_AF
#define SOCK	POLICY_ARG_SOCK
#define FLAGS	POLICY_ARG_FLAGS
#define UINT	POLICY_ARG_UINT
#define FUTEX	POLICY_ARG_FUTEX
#define SOCKADDR	POLICY_ARG_SOCKADDR
#define SIGSET	POLICY_ARG_SIGSET
#define SIGSEL	POLICY_ARG_SIGSEL
#define MSG	POLICY_ARG_MSG
#define NA	0xff		/* past the last argument */
#define KIND(k)		((k) == NA ? POLICY_ARG_NUM : (k))
#define IS_ARG(k)	((k) != NA)
#define NOTELL		0
#define TELL(i)		((i) + 1)
#define RET_NUM		0
#define RET_ADDR	1

#define SYSCALL(nm, w, g, p, t, r, a0, a1, a2, a3, a4, a5)			\
	[SYS_##nm] = {								\
		.listed = 1,							\
		.nargs = IS_ARG(a0) + IS_ARG(a1) + IS_ARG(a2) + IS_ARG(a3) +	\
			 IS_ARG(a4) + IS_ARG(a5),				\
		.ret_addr = RET_##r, .tell = t,					\
		.arg = { KIND(a0), KIND(a1), KIND(a2), KIND(a3), KIND(a4), KIND(a5) }, \
		.where = POLICY_WHERE_##w, .group = POLICY_GROUP_##g,		\
		.path = POLICY_PATH_##p,					\
	},

static const struct policy_sys_args sys_args[] = {
#include "syscalls.def"
};

#undef NUM
#undef PTR
#undef INT
#undef FD
#undef DIRFD
#undef SIZE
#undef OFF
#undef MODE
#undef PATH
#undef WBUF
#undef RBUF
#undef WIOV
#undef RIOV
#undef OPEN
#undef OFLAGS
#undef ATF
#undef ACCESS
#undef PROT
#undef MAPF
#undef MADV
#undef IOCTL
#undef FCNTL
#undef SEEK
#undef CLOCK
#undef SIG
#undef SIGHOW
#undef ARCH
#undef AF
#undef SOCK
#undef FLAGS
#undef UINT
#undef FUTEX
#undef SOCKADDR
#undef SIGSET
#undef SIGSEL
#undef MSG
#undef NA
#undef KIND
#undef IS_ARG
#undef NOTELL
#undef TELL
#undef RET_NUM
#undef RET_ADDR

#define NSYS_ARGS	(sizeof(sys_args) / sizeof(sys_args[0]))

const struct policy_sys_args *policy_sys_args(uint64_t nr)
{
	return nr < NSYS_ARGS && sys_args[nr].listed ? &sys_args[nr] : NULL;
}

int policy_arg_kind(uint64_t nr, unsigned int arg)
{
	const struct policy_sys_args *a = policy_sys_args(nr);

	return a && arg < a->nargs ? a->arg[arg] : POLICY_ARG_NUM;
}

uint64_t policy_arg_bits(int kind)
{
	switch (kind) {
	case POLICY_ARG_MODE:
		return 0xffff;
	case POLICY_ARG_INT: case POLICY_ARG_FD: case POLICY_ARG_DIRFD:
	case POLICY_ARG_OPEN: case POLICY_ARG_OFLAGS: case POLICY_ARG_AT:
	case POLICY_ARG_ACCESS: case POLICY_ARG_PROT: case POLICY_ARG_MAP:
	case POLICY_ARG_MADV: case POLICY_ARG_IOCTL: case POLICY_ARG_FCNTL:
	case POLICY_ARG_SEEK: case POLICY_ARG_CLOCK: case POLICY_ARG_SIG:
	case POLICY_ARG_SIGHOW: case POLICY_ARG_ARCH: case POLICY_ARG_AF:
	case POLICY_ARG_SOCK: case POLICY_ARG_FLAGS: case POLICY_ARG_UINT:
	case POLICY_ARG_MSG:
	case POLICY_ARG_FUTEX:
		/* mmap's prot and flags are unsigned long in the kernel, but
		 * no bit above 31 means anything to it: the same. */
		return 0xffffffff;
	default:
		return UINT64_MAX;
	}
}

int policy_arg_cls(int kind)
{
	static const uint8_t cls[POLICY_ARG_MAX] = {
		[POLICY_ARG_DIRFD] = POLICY_CLS_DIRFD,
		[POLICY_ARG_OPEN] = POLICY_CLS_OPEN,
		[POLICY_ARG_OFLAGS] = POLICY_CLS_OPEN,
		[POLICY_ARG_AT] = POLICY_CLS_AT,
		[POLICY_ARG_ACCESS] = POLICY_CLS_ACCESS,
		[POLICY_ARG_PROT] = POLICY_CLS_PROT,
		[POLICY_ARG_MAP] = POLICY_CLS_MAP,
		[POLICY_ARG_MADV] = POLICY_CLS_MADV,
		[POLICY_ARG_IOCTL] = POLICY_CLS_IOCTL,
		[POLICY_ARG_FCNTL] = POLICY_CLS_FCNTL,
		[POLICY_ARG_SEEK] = POLICY_CLS_SEEK,
		[POLICY_ARG_CLOCK] = POLICY_CLS_CLOCK,
		[POLICY_ARG_SIG] = POLICY_CLS_SIG,
		[POLICY_ARG_SIGHOW] = POLICY_CLS_SIGHOW,
		[POLICY_ARG_FUTEX] = POLICY_CLS_FUTEX,
		[POLICY_ARG_ARCH] = POLICY_CLS_ARCH,
		[POLICY_ARG_AF] = POLICY_CLS_AF,
		[POLICY_ARG_SOCK] = POLICY_CLS_SOCK,
	};

	return kind >= 0 && kind < POLICY_ARG_MAX ? cls[kind] : POLICY_CLS_NONE;
}

void policy_arg_spell(uint64_t v, int kind, char *buf, size_t len)
{
	/* pipe2's and dup3's 0 is "no flags": O_RDONLY would say an access
	 * mode, which these calls do not take. */
	if (!(kind == POLICY_ARG_OFLAGS && v == 0) &&
	    policy_const_spell(v, policy_arg_cls(kind), buf, len) == 0)
		return;
	snprintf(buf, len, v < 0x1000 ? "%llu" : "0x%llx", (unsigned long long)v);
}

/* --- verdicts and strings ------------------------------------------------- */

const char *policy_verdict_text(uint8_t action, uint16_t err, char *buf, size_t len)
{
	const char *name;

	switch (action) {
	case LSTAR_ACT_ALLOW: return "allow";
	case LSTAR_ACT_KILL: return "kill";
	case LSTAR_ACT_LOG: return "log";
	}
	name = lstar_policy_errno_name(err);
	if (name)
		snprintf(buf, len, "deny %s", name);
	else
		snprintf(buf, len, "deny %u", err);
	return buf;
}

bool policy_quotable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	return true;
}

int policy_clean_path(const char *s, size_t len, bool dot_ok, char *out, size_t outlen)
{
	size_t o = 0, i = 0;

	if (len == 0 || s[0] != '/')
		return -EINVAL;
	while (i < len) {
		size_t start, n;

		while (i < len && s[i] == '/')
			i++;
		for (start = i; i < len && s[i] != '/'; i++)
			;
		n = i - start;
		if (n == 0 || (n == 1 && s[start] == '.' && dot_ok))
			continue;
		if ((n == 1 && s[start] == '.') || (n == 2 && s[start] == '.' && s[start + 1] == '.'))
			return -ELOOP;
		if (o + 1 + n + 1 > outlen)
			return -ENAMETOOLONG;
		out[o++] = '/';
		memcpy(out + o, s + start, n);
		o += n;
	}
	if (o == 0) {
		if (outlen < 2)
			return -ENAMETOOLONG;
		out[o++] = '/';
	}
	out[o] = '\0';
	return 0;
}

int policy_quote(FILE *out, const char *s)
{
	/* A word ends at whitespace or the language's punctuation: these
	 * bytes never end one (nor start a number or a comment). */
	static const char plain[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
				    "0123456789/._-+";

	if (!policy_quotable(s))
		return -EINVAL;
	if (*s && strspn(s, plain) == strlen(s)) {
		fputs(s, out);
		return 0;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', out);
		fputc(*s, out);
	}
	fputc('"', out);
	return 0;
}

/* Optimal string alignment distance, case-insensitive; words are short
 * (callers cap them), so the matrix is small. */
#define SUGGEST_MAX	64

static size_t edit_distance(const char *a, size_t n, const char *b, size_t m)
{
	size_t d[SUGGEST_MAX + 1][SUGGEST_MAX + 1];

	for (size_t i = 0; i <= n; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= n; i++) {
		for (size_t j = 1; j <= m; j++) {
			size_t cost = tolower((unsigned char)a[i - 1]) !=
				      tolower((unsigned char)b[j - 1]);
			size_t best = d[i - 1][j - 1] + cost;

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 &&
			    tolower((unsigned char)a[i - 1]) == tolower((unsigned char)b[j - 2]) &&
			    tolower((unsigned char)a[i - 2]) == tolower((unsigned char)b[j - 1]) &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[n][m];
}

const char *policy_suggest(const char *word, size_t len,
			   const char *(*get)(size_t i, void *ctx),
			   size_t count, void *ctx)
{
	const char *best = NULL;
	size_t best_d = SIZE_MAX;
	/* A typo is a few edits, in proportion to the word: "raed" is read,
	 * "x" is nothing in particular. */
	size_t limit = len <= 3 ? 1 : len <= 8 ? 2 : 3;

	if (len == 0 || len > SUGGEST_MAX)
		return NULL;
	for (size_t i = 0; i < count; i++) {
		const char *name = get(i, ctx);
		size_t m, d;

		if (!name || (m = strlen(name)) > SUGGEST_MAX)
			continue;
		d = edit_distance(word, len, name, m);
		if (d < best_d) {
			best_d = d;
			best = name;
		}
	}
	return best_d <= limit ? best : NULL;
}

const char *policy_const_at(size_t i, void *ctx)
{
	(void)ctx;
	return policy_consts[i].name;
}

const char *policy_errno_at(size_t i, void *ctx)
{
	(void)ctx;
	return errnos[i].name;
}

const char *policy_syscall_at(size_t i, void *ctx)
{
	(void)ctx;
	return lstar_policy_syscall_name(i);
}

size_t policy_nerrnos(void)
{
	return NERRNOS;
}
