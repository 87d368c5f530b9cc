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
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>

#include <asm/ioctls.h>
#include <asm/prctl.h>
#include <asm/termbits.h>
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
};
const size_t policy_nconsts = sizeof(policy_consts) / sizeof(policy_consts[0]);

#define E(n)	{ #n, n }

/* errno names, the usual name of each value first (EAGAIN before
 * EWOULDBLOCK): lstar_errno_name() returns the first. */
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
 * Names of syscall numbers 0..LSTAR_POLICY_NR-1, asked of libseccomp once
 * and kept for the life of the process: callers get pointers into this
 * table.  Not thread-safe on first use; the compiler and explain are
 * single-threaded.
 */
static char *sys_names[LSTAR_POLICY_NR];
static int sys_names_loaded;

static void load_sys_names(void)
{
	if (sys_names_loaded)
		return;
	for (int nr = 0; nr < LSTAR_POLICY_NR; nr++)
		sys_names[nr] = seccomp_syscall_resolve_num_arch(SCMP_ARCH_X86_64, nr);
	sys_names_loaded = 1;
}

const char *lstar_syscall_name(uint64_t nr)
{
	if (nr >= LSTAR_POLICY_NR)
		return NULL;
	load_sys_names();
	return sys_names[nr];
}

int lstar_syscall_number(const char *name)
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

const char *lstar_errno_name(int err)
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

/* Short names for the table below only. */
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

/*
 * S: n arguments; SA: the result is an address; TELL(i) in the second
 * place names the argument that tells uses apart, NOTELL none.
 */
#define NOTELL		0
#define TELL(i)		((i) + 1)
#define S(n, t, ...)	{ .listed = 1, .nargs = n, .tell = t, .arg = { __VA_ARGS__ } }
#define SA(n, t, ...)	{ .listed = 1, .nargs = n, .ret_addr = 1, .tell = t, \
			  .arg = { __VA_ARGS__ } }

/*
 * The calls lstar implements (the shim's sys_call_table, the VMM's
 * fwd_table) and a few common ones it refuses.
 *
 * The telling argument is for --learn, whose conditions are meant for a
 * reviewer: a value that says what the program does (which stream it
 * writes, which ioctl, whether memory becomes executable), never one
 * that merely differs from run to run (an address, a size, a descriptor
 * the program opened: learn.c keeps a descriptor condition only for 0, 1
 * and 2).
 */
static const struct policy_sys_args sys_args[] = {
	[SYS_read] = S(3, TELL(0), FD, RBUF, SIZE),
	[SYS_write] = S(3, TELL(0), FD, WBUF, SIZE),
	[SYS_open] = S(3, TELL(1), PATH, OPEN, MODE),
	[SYS_close] = S(1, NOTELL, FD),
	[SYS_stat] = S(2, NOTELL, PATH, PTR),
	[SYS_fstat] = S(2, NOTELL, FD, PTR),
	[SYS_lstat] = S(2, NOTELL, PATH, PTR),
	[SYS_poll] = S(3, NOTELL, PTR, SIZE, INT),
	[SYS_lseek] = S(3, TELL(2), FD, OFF, SEEK),
	[SYS_mmap] = SA(6, TELL(2), PTR, SIZE, PROT, MAPF, FD, NUM),
	[SYS_mprotect] = S(3, TELL(2), PTR, SIZE, PROT),
	[SYS_munmap] = S(2, NOTELL, PTR, SIZE),
	[SYS_brk] = SA(1, NOTELL, PTR),
	[SYS_rt_sigaction] = S(4, TELL(0), SIG, PTR, PTR, SIZE),
	[SYS_rt_sigprocmask] = S(4, TELL(0), SIGHOW, PTR, PTR, SIZE),
	[SYS_rt_sigreturn] = S(0, NOTELL),
	[SYS_ioctl] = S(3, TELL(1), FD, IOCTL, PTR),
	[SYS_pread64] = S(4, NOTELL, FD, RBUF, SIZE, OFF),
	[SYS_pwrite64] = S(4, NOTELL, FD, WBUF, SIZE, OFF),
	[SYS_readv] = S(3, TELL(0), FD, RIOV, SIZE),
	[SYS_writev] = S(3, TELL(0), FD, WIOV, SIZE),
	[SYS_access] = S(2, NOTELL, PATH, ACCESS),
	[SYS_pipe] = S(1, NOTELL, PTR),
	[SYS_sched_yield] = S(0, NOTELL),
	[SYS_mremap] = SA(5, NOTELL, PTR, SIZE, SIZE, NUM, PTR),
	[SYS_madvise] = S(3, TELL(2), PTR, SIZE, MADV),
	[SYS_dup] = S(1, NOTELL, FD),
	[SYS_dup2] = S(2, NOTELL, FD, FD),
	[SYS_nanosleep] = S(2, NOTELL, PTR, PTR),
	[SYS_getpid] = S(0, NOTELL),
	[SYS_sendfile] = S(4, NOTELL, FD, FD, PTR, SIZE),
	[SYS_socket] = S(3, TELL(0), AF, SOCK, INT),
	[SYS_connect] = S(3, NOTELL, FD, PTR, SIZE),
	[SYS_socketpair] = S(4, NOTELL, AF, SOCK, INT, PTR),
	[SYS_clone] = S(5, NOTELL, NUM, PTR, PTR, PTR, NUM),
	[SYS_fork] = S(0, NOTELL),
	[SYS_vfork] = S(0, NOTELL),
	[SYS_execve] = S(3, NOTELL, PATH, PTR, PTR),
	[SYS_exit] = S(1, NOTELL, INT),
	[SYS_wait4] = S(4, NOTELL, INT, PTR, FLAGS, PTR),
	[SYS_kill] = S(2, NOTELL, INT, SIG),
	[SYS_uname] = S(1, NOTELL, PTR),
	[SYS_fcntl] = S(3, TELL(1), FD, FCNTL, NUM),
	[SYS_fsync] = S(1, NOTELL, FD),
	[SYS_fdatasync] = S(1, NOTELL, FD),
	[SYS_truncate] = S(2, NOTELL, PATH, OFF),
	[SYS_ftruncate] = S(2, NOTELL, FD, OFF),
	[SYS_getcwd] = S(2, NOTELL, PTR, SIZE),
	[SYS_chdir] = S(1, NOTELL, PATH),
	[SYS_fchdir] = S(1, NOTELL, FD),
	[SYS_rename] = S(2, NOTELL, PATH, PATH),
	[SYS_mkdir] = S(2, NOTELL, PATH, MODE),
	[SYS_rmdir] = S(1, NOTELL, PATH),
	[SYS_creat] = S(2, NOTELL, PATH, MODE),
	[SYS_link] = S(2, NOTELL, PATH, PATH),
	[SYS_unlink] = S(1, NOTELL, PATH),
	[SYS_symlink] = S(2, NOTELL, PATH, PATH),
	[SYS_readlink] = S(3, NOTELL, PATH, PTR, SIZE),
	[SYS_chmod] = S(2, NOTELL, PATH, MODE),
	[SYS_fchmod] = S(2, NOTELL, FD, MODE),
	[SYS_umask] = S(1, NOTELL, MODE),
	[SYS_gettimeofday] = S(2, NOTELL, PTR, PTR),
	/* The resource (an RLIMIT_* number) tells: a stack or descriptor
	 * limit says something, which the policy has no names for. */
	[SYS_getrlimit] = S(2, TELL(0), INT, PTR),
	[SYS_ptrace] = S(4, NOTELL, INT, INT, PTR, PTR),
	[SYS_getuid] = S(0, NOTELL),
	[SYS_getgid] = S(0, NOTELL),
	[SYS_geteuid] = S(0, NOTELL),
	[SYS_getegid] = S(0, NOTELL),
	[SYS_getppid] = S(0, NOTELL),
	[SYS_sigaltstack] = S(2, NOTELL, PTR, PTR),
	[SYS_statfs] = S(2, NOTELL, PATH, PTR),
	[SYS_fstatfs] = S(2, NOTELL, FD, PTR),
	[SYS_arch_prctl] = S(2, TELL(0), ARCH, PTR),
	[SYS_setrlimit] = S(2, TELL(0), INT, PTR),
	[SYS_gettid] = S(0, NOTELL),
	[SYS_tkill] = S(2, NOTELL, INT, SIG),
	[SYS_time] = S(1, NOTELL, PTR),
	[SYS_futex] = S(6, NOTELL, PTR, INT, INT, PTR, PTR, INT),
	[SYS_getdents64] = S(3, NOTELL, FD, PTR, UINT),
	[SYS_set_tid_address] = S(1, NOTELL, PTR),
	[SYS_clock_gettime] = S(2, TELL(0), CLOCK, PTR),
	[SYS_clock_getres] = S(2, TELL(0), CLOCK, PTR),
	[SYS_clock_nanosleep] = S(4, TELL(0), CLOCK, FLAGS, PTR, PTR),
	[SYS_exit_group] = S(1, NOTELL, INT),
	[SYS_tgkill] = S(3, NOTELL, INT, INT, SIG),
	[SYS_openat] = S(4, TELL(2), DIRFD, PATH, OPEN, MODE),
	[SYS_mkdirat] = S(3, NOTELL, DIRFD, PATH, MODE),
	[SYS_mknodat] = S(4, NOTELL, DIRFD, PATH, MODE, FLAGS),
	[SYS_fchownat] = S(5, NOTELL, DIRFD, PATH, INT, INT, ATF),
	[SYS_newfstatat] = S(4, NOTELL, DIRFD, PATH, PTR, ATF),
	[SYS_unlinkat] = S(3, NOTELL, DIRFD, PATH, ATF),
	[SYS_renameat] = S(4, NOTELL, DIRFD, PATH, DIRFD, PATH),
	[SYS_linkat] = S(5, NOTELL, DIRFD, PATH, DIRFD, PATH, ATF),
	[SYS_symlinkat] = S(3, NOTELL, PATH, DIRFD, PATH),
	[SYS_readlinkat] = S(4, NOTELL, DIRFD, PATH, PTR, SIZE),
	[SYS_fchmodat] = S(3, NOTELL, DIRFD, PATH, MODE),
	[SYS_faccessat] = S(3, NOTELL, DIRFD, PATH, ACCESS),
	[SYS_set_robust_list] = S(2, NOTELL, PTR, SIZE),
	[SYS_utimensat] = S(4, NOTELL, DIRFD, PATH, PTR, ATF),
	[SYS_accept4] = S(4, NOTELL, FD, PTR, PTR, SOCK),
	[SYS_dup3] = S(3, NOTELL, FD, FD, OFLAGS),
	[SYS_pipe2] = S(2, NOTELL, PTR, OFLAGS),
	[SYS_preadv] = S(4, NOTELL, FD, RIOV, SIZE, OFF),
	[SYS_pwritev] = S(4, NOTELL, FD, WIOV, SIZE, OFF),
	[SYS_prlimit64] = S(4, TELL(1), INT, INT, PTR, PTR),
	[SYS_getcpu] = S(3, NOTELL, PTR, PTR, PTR),
	[SYS_renameat2] = S(5, NOTELL, DIRFD, PATH, DIRFD, PATH, FLAGS),
	[SYS_getrandom] = S(3, NOTELL, PTR, SIZE, FLAGS),
	[SYS_copy_file_range] = S(6, NOTELL, FD, PTR, FD, PTR, SIZE, FLAGS),
	[SYS_statx] = S(5, NOTELL, DIRFD, PATH, ATF, FLAGS, PTR),
	[SYS_rseq] = S(4, NOTELL, PTR, SIZE, NUM, NUM),
	[SYS_faccessat2] = S(4, NOTELL, DIRFD, PATH, ACCESS, ATF),
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
#undef NOTELL
#undef TELL
#undef S
#undef SA

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
	name = lstar_errno_name(err);
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
	return lstar_syscall_name(i);
}

size_t policy_nerrnos(void)
{
	return NERRNOS;
}
