/* SPDX-License-Identifier: MIT */
/*
 * forward.c - the syscalls the shim forwards, run on the host.
 *
 * The VMM decides again: a call that is not in this table is refused
 * whatever the shim says.  Arguments are numbers from the guest; buffers
 * are reached through the guest page tables as ring 3 could reach them
 * (vmm_mem_user_iov), so a bad pointer is -EFAULT and shim memory is out
 * of reach.  Structures the host reads (timespecs, iovec arrays) are
 * copied into host memory before they are checked.
 *
 * Descriptors: the guest's numbers index a table the VMM owns; each entry
 * names a host descriptor.  The guest never sees a host number.  In this
 * part only the standard streams exist (0, 1, 2 and their dups).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "names.h"
#include "vmm.h"

#define MAX_RW_COUNT	0x7ffff000L	/* Linux's cap on one read/write */
#define IOV_CHUNK	64		/* host iovecs per translation step */
#define HOST_IOV_MAX	1024		/* host iovecs per host call (IOV_MAX) */

/* The host descriptor behind guest fd, or -1 (EBADF). */
static int host_fd(const struct vmm *vm, uint64_t fd)
{
	struct vmm_file *f = vmm_fd_get(vm, fd);

	return f ? f->host : -1;
}

/* --- read and write ------------------------------------------------------- */

/* Linux's access_ok(): does [buf, buf + len) lie in user space at all? */
static bool user_range(uint64_t buf, uint64_t len)
{
	return buf <= LSTAR_USER_TOP && len <= LSTAR_USER_TOP - buf;
}

/* Could ring 3 access every byte of [buf, buf + len) (write: store)? */
static bool user_accessible(struct vmm *vm, uint64_t buf, uint64_t len, bool write)
{
	struct iovec iov[IOV_CHUNK];
	int n;

	while (len) {
		long got = vmm_mem_user_iov(&vm->mem, buf, len, write, iov,
					    IOV_CHUNK, &n);

		if (got <= 0 || ((uint64_t)got < len && n < IOV_CHUNK))
			return false;
		buf += got;
		len -= got;
	}
	return true;
}

/* A piece of user memory a call moves data to or from; also the layout
 * of the guest's struct iovec. */
struct user_seg {
	uint64_t base;
	uint64_t len;
};

/*
 * transfer - move data between host descriptor hfd and the user segments,
 * already checked accessible: as many host iovecs as one host call takes,
 * one call after another.  A short transfer ends it, as does the first
 * read from anything but a regular file (a pipe or a terminal returns
 * what it has, and a second read could block where Linux returns).
 * pos >= 0: at that file offset (preadv/pwritev), the file's own offset
 * untouched.  Returns bytes moved, or -errno if nothing moved.
 */
static long transfer(struct vmm *vm, int hfd, const struct user_seg *segs,
		     uint64_t nsegs, bool to_user, int64_t pos)
{
	static struct iovec iov[HOST_IOV_MAX];
	struct stat st;
	bool regular = fstat(hfd, &st) == 0 && S_ISREG(st.st_mode);
	uint64_t si = 0, off = 0;
	long done = 0;

	while (si < nsegs) {
		long want = 0;
		ssize_t got;
		int n = 0;

		while (si < nsegs && n < HOST_IOV_MAX) {
			int more;
			long covered;

			if (off == segs[si].len) {
				si++;
				off = 0;
				continue;
			}
			covered = vmm_mem_user_iov(&vm->mem, segs[si].base + off,
						   segs[si].len - off, to_user,
						   iov + n, HOST_IOV_MAX - n, &more);
			if (covered <= 0)
				break;
			n += more;
			want += covered;
			off += covered;
		}
		if (n == 0)
			break;
		if (pos >= 0)
			got = to_user ? preadv(hfd, iov, n, pos + done) :
					pwritev(hfd, iov, n, pos + done);
		else
			got = to_user ? readv(hfd, iov, n) : writev(hfd, iov, n);
		if (got < 0)
			return done ? done : -errno;
		done += got;
		if (got < want || (to_user && !regular))
			break;
	}
	return done;
}

/*
 * One read or write between host descriptor hfd and [buf, buf + len).
 * The whole buffer is checked before the host call: a range outside user
 * space, or with any page ring 3 could not access, is -EFAULT and nothing
 * moves (Linux checks the range first too, and a pipe moves all or
 * nothing).  A zero-length call still reaches the host, which decides
 * EBADF for a descriptor open the other way.
 */
static long xfer(struct vmm *vm, int hfd, uint64_t buf, uint64_t len, bool to_user)
{
	struct user_seg seg = { buf, len };

	if (!user_range(buf, len))
		return -EFAULT;
	if (len > MAX_RW_COUNT)
		seg.len = MAX_RW_COUNT;
	if (seg.len == 0) {
		ssize_t r = to_user ? read(hfd, NULL, 0) : write(hfd, NULL, 0);

		return r < 0 ? -errno : 0;
	}
	if (!user_accessible(vm, buf, seg.len, to_user))
		return -EFAULT;
	return transfer(vm, hfd, &seg, 1, to_user, -1);
}

static int64_t fwd_read(struct vmm *vm, const uint64_t *a)
{
	int hfd = host_fd(vm, a[0]);

	return hfd < 0 ? -EBADF : xfer(vm, hfd, a[1], a[2], true);
}

static int64_t fwd_write(struct vmm *vm, const uint64_t *a)
{
	int hfd = host_fd(vm, a[0]);

	return hfd < 0 ? -EBADF : xfer(vm, hfd, a[1], a[2], false);
}


static int64_t fwd_rw_vec(struct vmm *vm, const uint64_t *a, bool to_user,
			  int64_t pos)
{
	int hfd = host_fd(vm, a[0]);
	uint64_t cnt = a[2], total = 0;
	struct user_seg *gv;
	int64_t done = 0;

	if (hfd < 0)
		return -EBADF;
	if (cnt > IOV_MAX)
		return -EINVAL;
	if (cnt == 0) {
		ssize_t r = pos >= 0 ?
			    (to_user ? preadv(hfd, NULL, 0, pos) : pwritev(hfd, NULL, 0, pos)) :
			    (to_user ? readv(hfd, NULL, 0) : writev(hfd, NULL, 0));

		return r < 0 ? -errno : 0;
	}
	if (!(gv = calloc(cnt, sizeof(*gv))))
		return -ENOMEM;
	/* Copy the array once, then check the copy: every piece in user
	 * space and accessible, the total within what one call may move
	 * (Linux's import_iovec rules), before anything moves. */
	if (vmm_mem_copy_from_user(&vm->mem, gv, a[1], cnt * sizeof(*gv))) {
		done = -EFAULT;
		goto out;
	}
	for (uint64_t i = 0; i < cnt; i++) {
		if (gv[i].len > (uint64_t)SSIZE_MAX - total) {
			done = -EINVAL;
			goto out;
		}
		total += gv[i].len;
		if (!user_range(gv[i].base, gv[i].len)) {
			done = -EFAULT;
			goto out;
		}
	}
	total = 0;
	for (uint64_t i = 0; i < cnt && total < MAX_RW_COUNT; i++) {
		uint64_t len = gv[i].len < MAX_RW_COUNT - total ?
			       gv[i].len : MAX_RW_COUNT - total;

		if (!user_accessible(vm, gv[i].base, len, to_user)) {
			done = -EFAULT;
			goto out;
		}
		gv[i].len = len;
		total += len;
	}
	/* One host call over all of them: a readv returns what a pipe has,
	 * as Linux's does, instead of waiting for every piece. */
	done = transfer(vm, hfd, gv, cnt, to_user, pos);
out:
	free(gv);
	return done;
}

static int64_t fwd_readv(struct vmm *vm, const uint64_t *a)
{
	return fwd_rw_vec(vm, a, true, -1);
}

static int64_t fwd_writev(struct vmm *vm, const uint64_t *a)
{
	return fwd_rw_vec(vm, a, false, -1);
}

/* preadv/pwritev(fd, iov, cnt, pos_l, pos_h): on x86-64 pos_l is the
 * whole offset. */
static int64_t fwd_preadv(struct vmm *vm, const uint64_t *a)
{
	return (int64_t)a[3] < 0 ? -EINVAL : fwd_rw_vec(vm, a, true, (int64_t)a[3]);
}

static int64_t fwd_pwritev(struct vmm *vm, const uint64_t *a)
{
	return (int64_t)a[3] < 0 ? -EINVAL : fwd_rw_vec(vm, a, false, (int64_t)a[3]);
}

/*
 * Fill the private file mapping the shim made at [addr, addr + len) from
 * descriptor a[4] at offset a[5] (the program's mmap arguments, as the
 * kernel reads them).  Written through the page tables as ring 3 could
 * read them (read-only pages too: they are the mapping's own).  Past the
 * end of the file the pages stay zero (Linux would raise SIGBUS).
 */
static int64_t fill_file_mapping(struct vmm *vm, const uint64_t *a, uint64_t addr,
				 uint64_t len)
{
	struct vmm_file *f = vmm_fd_get(vm, a[4]);
	struct iovec iov[HOST_IOV_MAX];
	uint64_t done = 0;
	struct stat st;
	int fl;

	if (!f)
		return -EBADF;
	/* As Linux's file_mmap_ok: the mapping must end within the largest
	 * file offset there is. */
	if (a[5] > (uint64_t)INT64_MAX || a[1] > (uint64_t)INT64_MAX - a[5])
		return -EOVERFLOW;
	if (fstat(f->host, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENODEV;
	if ((fl = fcntl(f->host, F_GETFL)) < 0)
		return -errno;
	if ((fl & O_ACCMODE) == O_WRONLY)
		return -EACCES;
	if (len && !user_range(addr, len))
		return -EFAULT;
	while (done < len) {
		int n;
		long want = vmm_mem_user_iov(&vm->mem, addr + done, len - done,
					     false, iov, HOST_IOV_MAX, &n);
		ssize_t got;

		if (want <= 0)
			return -EFAULT;
		got = preadv(f->host, iov, n, (off_t)(a[5] + done));
		/* An offset past what the file system holds is past the end:
		 * Linux maps it (and a touch is SIGBUS); here it reads zero. */
		if (got < 0 && errno == EINVAL)
			break;
		if (got < 0)
			return -errno;
		if (got < want)
			break;	/* end of file: the rest stays zero */
		done += got;
	}
	return 0;
}

int64_t vmm_mmap_file(struct vmm *vm, const struct lstar_hc_mmap *m)
{
	/* The policy, again, on the program's own call: the address the
	 * shim chose is no argument of it. */
	struct lstar_verdict v = lstar_policy_eval(vm->policy->table, SYS_mmap, m->args);
	struct vmm_trace_call c = {
		.nr = SYS_mmap, .args = m->args, .v = v, .forwarded = true,
		.kind = LSTAR_TRACE_GUEST,
	};
	uint64_t a[6];

	switch (v.action) {
	case LSTAR_ACT_KILL:
		c.ret = -ENOSYS;
		c.kind = LSTAR_TRACE_DENIED;
		vmm_trace_call(vm, &c);
		vmm_policy_kill(vm, SYS_mmap, v.src);
		return -ENOSYS;
	case LSTAR_ACT_ERRNO:
		c.ret = -(int64_t)v.err;
		c.kind = LSTAR_TRACE_DENIED;
		break;
	default:
		for (int i = 0; i < 6; i++)
			a[i] = m->args[i] & policy_arg_bits(policy_arg_kind(SYS_mmap, i));
		c.ret = fill_file_mapping(vm, a, m->addr, m->len);
		break;
	}
	/* What the program got: the address, or the error. */
	if (c.ret == 0)
		c.ret = (int64_t)m->addr;
	vmm_trace_call(vm, &c);
	return c.ret < 0 ? c.ret : 0;
}

/* An in/out file offset the guest passes by pointer: copied in, copied
 * back after the call. */
static int get_offset(struct vmm *vm, uint64_t gva, off_t *off, off_t **p)
{
	*p = NULL;
	if (!gva)
		return 0;
	if (vmm_mem_copy_from_user(&vm->mem, off, gva, sizeof(*off)))
		return -EFAULT;
	*p = off;
	return 0;
}

/* sendfile(out, in, offset*, count): between two guest descriptors, on
 * the host, without passing through guest memory. */
static int64_t fwd_sendfile(struct vmm *vm, const uint64_t *a)
{
	int out = host_fd(vm, a[0]), in = host_fd(vm, a[1]), err;
	off_t off, *poff;
	ssize_t r;

	if (out < 0 || in < 0)
		return -EBADF;
	if ((err = get_offset(vm, a[2], &off, &poff)))
		return err;
	r = sendfile(out, in, poff, a[3] < MAX_RW_COUNT ? a[3] : MAX_RW_COUNT);
	if (r < 0)
		return -errno;
	if (poff && vmm_mem_copy_to_user(&vm->mem, a[2], &off, sizeof(off)))
		return -EFAULT;
	return r;
}

/* copy_file_range(in, off_in*, out, off_out*, len, flags) */
static int64_t fwd_copy_file_range(struct vmm *vm, const uint64_t *a)
{
	int in = host_fd(vm, a[0]), out = host_fd(vm, a[2]), err;
	off_t off_in, off_out, *pin, *pout;
	ssize_t r;

	if (in < 0 || out < 0)
		return -EBADF;
	if (a[5])
		return -EINVAL;
	if ((err = get_offset(vm, a[1], &off_in, &pin)) ||
	    (err = get_offset(vm, a[3], &off_out, &pout)))
		return err;
	r = copy_file_range(in, pin, out, pout,
			    a[4] < MAX_RW_COUNT ? a[4] : MAX_RW_COUNT, 0);
	if (r < 0)
		return -errno;
	if ((pin && vmm_mem_copy_to_user(&vm->mem, a[1], &off_in, sizeof(off_in))) ||
	    (pout && vmm_mem_copy_to_user(&vm->mem, a[3], &off_out, sizeof(off_out))))
		return -EFAULT;
	return r;
}

static int64_t fwd_lseek(struct vmm *vm, const uint64_t *a)
{
	int hfd = host_fd(vm, a[0]);
	off_t r;

	if (hfd < 0)
		return -EBADF;
	if (a[2] > SEEK_HOLE)
		return -EINVAL;
	r = lseek(hfd, (off_t)a[1], (int)a[2]);
	return r < 0 ? -errno : r;
}

/* --- metadata ------------------------------------------------------------- */

static int64_t stat_to_user(struct vmm *vm, int hfd, uint64_t dst)
{
	struct stat st;

	if (fstat(hfd, &st) < 0)
		return -errno;
	vmm_fs_guest_ids(vm, &st);
	return vmm_mem_copy_to_user(&vm->mem, dst, &st, sizeof(st));
}

static int64_t fwd_fstat(struct vmm *vm, const uint64_t *a)
{
	int hfd = host_fd(vm, a[0]);

	return hfd < 0 ? -EBADF : stat_to_user(vm, hfd, a[1]);
}

/* Is the guest string at gva empty?  -EFAULT if unreadable. */
static int empty_path(struct vmm *vm, uint64_t gva)
{
	char c;

	if (vmm_mem_copy_from_user(&vm->mem, &c, gva, 1))
		return -EFAULT;
	return c == '\0';
}

/* newfstatat(fd, "", buf, AT_EMPTY_PATH) is how libcs spell fstat(fd);
 * with a path it is a path call (fs.c). */
static int64_t fwd_newfstatat(struct vmm *vm, const uint64_t *a)
{
	int hfd, empty;

	if (!(a[3] & AT_EMPTY_PATH) || (empty = empty_path(vm, a[1])) == 0)
		return vmm_fs_fstatat(vm, a);
	if (empty < 0)
		return empty;
	if ((int)a[0] == AT_FDCWD) {
		struct stat st;
		int err = vmm_fs_stat_cwd(vm, &st);

		if (err)
			return err;
		vmm_fs_guest_ids(vm, &st);
		return vmm_mem_copy_to_user(&vm->mem, a[2], &st, sizeof(st));
	}
	if ((hfd = host_fd(vm, a[0])) < 0)
		return -EBADF;
	return stat_to_user(vm, hfd, a[2]);
}

static int64_t fwd_statx(struct vmm *vm, const uint64_t *a)
{
	struct statx stx;
	int hfd, empty;

	if (a[2] & ~(uint64_t)(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW |
			       AT_NO_AUTOMOUNT | AT_STATX_SYNC_TYPE))
		return -EINVAL;
	if (!(a[2] & AT_EMPTY_PATH) || (empty = empty_path(vm, a[1])) == 0)
		return vmm_fs_statx(vm, a);
	if (empty < 0)
		return empty;
	if ((hfd = host_fd(vm, a[0])) < 0)
		return -EBADF;
	if (statx(hfd, "", (int)a[2], (unsigned)a[3], &stx) < 0)
		return -errno;
	vmm_fs_guest_statx_ids(vm, &stx);
	return vmm_mem_copy_to_user(&vm->mem, a[4], &stx, sizeof(stx));
}

/* --- descriptors ---------------------------------------------------------- */

static int64_t fwd_close(struct vmm *vm, const uint64_t *a)
{
	return vmm_fd_close(vm, a[0]);
}

static int64_t fwd_dup(struct vmm *vm, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(vm, a[0]);

	return f ? vmm_fd_install(vm, f, 0, false) : -EBADF;
}

static int64_t fwd_dup2(struct vmm *vm, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(vm, a[0]);

	if (!f)
		return -EBADF;
	if (a[0] == a[1])
		return (int64_t)a[1];
	return vmm_fd_install_at(vm, f, a[1], false);
}

static int64_t fwd_dup3(struct vmm *vm, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(vm, a[0]);

	if (a[2] & ~(uint64_t)O_CLOEXEC)
		return -EINVAL;
	if (!f)
		return -EBADF;
	if (a[0] == a[1])
		return -EINVAL;
	return vmm_fd_install_at(vm, f, a[1], a[2] & O_CLOEXEC);
}

static int64_t fwd_fcntl(struct vmm *vm, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(vm, a[0]);
	int fl;

	if (!f)
		return -EBADF;
	switch (a[1]) {
	case F_GETFD:
		return vm->fds[a[0]].cloexec ? FD_CLOEXEC : 0;
	case F_SETFD:
		vm->fds[a[0]].cloexec = a[2] & FD_CLOEXEC;
		return 0;
	case F_GETFL:
		fl = fcntl(f->host, F_GETFL);
		return fl < 0 ? -errno : fl;
	case F_SETFL:
		/* The status flags a program may change, as Linux's SETFL_MASK
		 * less O_DIRECT and O_ASYNC (no signals yet). */
		return fcntl(f->host, F_SETFL,
			     (int)a[2] & (O_APPEND | O_NONBLOCK | O_NOATIME)) < 0 ?
		       -errno : 0;
	case F_DUPFD:
	case F_DUPFD_CLOEXEC:
		if (a[2] >= vmm_fd_limit(vm))
			return -EINVAL;
		return vmm_fd_install(vm, f, a[2], a[1] == F_DUPFD_CLOEXEC);
	default:
		return -EINVAL;
	}
}

static int64_t fwd_ioctl(struct vmm *vm, const uint64_t *a)
{
	int hfd = host_fd(vm, a[0]);
	uint8_t buf[64];	/* larger than either answer */
	size_t len;

	if (hfd < 0)
		return -EBADF;
	switch (a[1]) {
	case TCGETS:
		len = 36;	/* the kernel's struct termios */
		break;
	case TIOCGWINSZ:
		len = sizeof(struct winsize);
		break;
	case FIONREAD:
		len = sizeof(int);
		break;
	default:
		return -ENOTTY;
	}
	memset(buf, 0, sizeof(buf));
	if (ioctl(hfd, a[1], buf) < 0)
		return -errno;
	return vmm_mem_copy_to_user(&vm->mem, a[2], buf, len);
}

/* --- time and randomness -------------------------------------------------- */

/* The clocks a program may read; CPU clocks of other processes are not. */
static bool clock_ok(uint64_t id)
{
	switch (id) {
	case CLOCK_REALTIME: case CLOCK_MONOTONIC: case CLOCK_PROCESS_CPUTIME_ID:
	case CLOCK_THREAD_CPUTIME_ID: case CLOCK_MONOTONIC_RAW:
	case CLOCK_REALTIME_COARSE: case CLOCK_MONOTONIC_COARSE:
	case CLOCK_BOOTTIME: case CLOCK_TAI:
		return true;
	default:
		return false;
	}
}

static int64_t fwd_clock_gettime(struct vmm *vm, const uint64_t *a)
{
	struct timespec ts;

	if (!clock_ok(a[0]))
		return -EINVAL;
	if (clock_gettime((clockid_t)a[0], &ts) < 0)
		return -errno;
	return vmm_mem_copy_to_user(&vm->mem, a[1], &ts, sizeof(ts));
}

static int64_t fwd_clock_getres(struct vmm *vm, const uint64_t *a)
{
	struct timespec ts;

	if (!clock_ok(a[0]))
		return -EINVAL;
	if (clock_getres((clockid_t)a[0], &ts) < 0)
		return -errno;
	return a[1] ? vmm_mem_copy_to_user(&vm->mem, a[1], &ts, sizeof(ts)) : 0;
}

static int64_t fwd_gettimeofday(struct vmm *vm, const uint64_t *a)
{
	struct timespec ts;
	struct { int64_t sec, usec; } tv;
	struct { int32_t minuteswest, dsttime; } tz = { 0, 0 };
	int err;

	clock_gettime(CLOCK_REALTIME, &ts);
	tv.sec = ts.tv_sec;
	tv.usec = ts.tv_nsec / 1000;
	if (a[0] && (err = vmm_mem_copy_to_user(&vm->mem, a[0], &tv, sizeof(tv))))
		return err;
	if (a[1] && (err = vmm_mem_copy_to_user(&vm->mem, a[1], &tz, sizeof(tz))))
		return err;
	return 0;
}

static int64_t fwd_time(struct vmm *vm, const uint64_t *a)
{
	int64_t t = (int64_t)time(NULL);

	if (a[0] && vmm_mem_copy_to_user(&vm->mem, a[0], &t, sizeof(t)))
		return -EFAULT;
	return t;
}

/* Copy and check a guest timespec. */
static int get_timespec(struct vmm *vm, uint64_t gva, struct timespec *ts)
{
	struct { int64_t sec, nsec; } g;

	if (vmm_mem_copy_from_user(&vm->mem, &g, gva, sizeof(g)))
		return -EFAULT;
	if (g.sec < 0 || g.nsec < 0 || g.nsec >= 1000000000)
		return -EINVAL;
	ts->tv_sec = g.sec;
	ts->tv_nsec = g.nsec;
	return 0;
}

static int64_t sleep_result(struct vmm *vm, int r, uint64_t rem_gva,
			    const struct timespec *rem)
{
	if (r == 0)
		return 0;
	/* Interrupted only by lstar's own timer: the run is over anyway. */
	if (r == EINTR && rem_gva)
		vmm_mem_copy_to_user(&vm->mem, rem_gva, rem, sizeof(*rem));
	return -r;
}

static int64_t fwd_nanosleep(struct vmm *vm, const uint64_t *a)
{
	struct timespec req, rem = { 0, 0 };
	int err;

	if ((err = get_timespec(vm, a[0], &req)))
		return err;
	err = clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem);
	return sleep_result(vm, err, a[1], &rem);
}

static int64_t fwd_clock_nanosleep(struct vmm *vm, const uint64_t *a)
{
	struct timespec req, rem = { 0, 0 };
	int err;

	if (!clock_ok(a[0]))
		return -EINVAL;
	if ((err = get_timespec(vm, a[2], &req)))
		return err;
	/* Linux looks at TIMER_ABSTIME only and ignores other flag bits;
	 * the host decides the rest (EOPNOTSUPP for the thread CPU clock). */
	err = syscall(SYS_clock_nanosleep, (clockid_t)a[0],
		      (int)(a[1] & TIMER_ABSTIME), &req, &rem) < 0 ? errno : 0;
	return sleep_result(vm, err, (a[1] & TIMER_ABSTIME) ? 0 : a[3], &rem);
}

static int64_t fwd_getrandom(struct vmm *vm, const uint64_t *a)
{
	struct iovec iov[IOV_CHUNK];
	uint64_t len = a[1];
	long want;
	int64_t done = 0;
	int n;

	if (a[2] & ~(uint64_t)(GRND_NONBLOCK | GRND_RANDOM | GRND_INSECURE))
		return -EINVAL;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (len == 0)
		return 0;
	want = vmm_mem_user_iov(&vm->mem, a[0], len, true, iov, IOV_CHUNK, &n);
	if (want < 0)
		return want;
	for (int i = 0; i < n; i++) {
		ssize_t got = getrandom(iov[i].iov_base, iov[i].iov_len,
					(unsigned)a[2]);

		if (got < 0)
			return done ? done : -errno;
		done += got;
		if ((size_t)got < iov[i].iov_len)
			break;
	}
	return done;
}

/* --- positioned I/O, sync, pipes ----------------------------------------- */

/* pread64/pwrite64: one host call on the whole (checked) buffer. */
static int64_t fwd_prw(struct vmm *vm, const uint64_t *a, bool to_user)
{
	struct iovec iov[IOV_CHUNK];
	int hfd = host_fd(vm, a[0]), n;
	uint64_t len = a[2];
	long want;
	ssize_t got;

	if (hfd < 0)
		return -EBADF;
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	if (!user_range(a[1], len))
		return -EFAULT;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (len == 0) {
		got = to_user ? pread(hfd, NULL, 0, (off_t)a[3]) :
				pwrite(hfd, NULL, 0, (off_t)a[3]);
		return got < 0 ? -errno : 0;
	}
	if (!user_accessible(vm, a[1], len, to_user))
		return -EFAULT;
	want = vmm_mem_user_iov(&vm->mem, a[1], len, to_user, iov, IOV_CHUNK, &n);
	if (want < 0)
		return want;
	got = to_user ? preadv(hfd, iov, n, (off_t)a[3]) :
			pwritev(hfd, iov, n, (off_t)a[3]);
	return got < 0 ? -errno : got;
}

static int64_t fwd_pread64(struct vmm *vm, const uint64_t *a)
{
	return fwd_prw(vm, a, true);
}

static int64_t fwd_pwrite64(struct vmm *vm, const uint64_t *a)
{
	return fwd_prw(vm, a, false);
}

static int64_t fwd_ftruncate(struct vmm *vm, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(vm, a[0]);

	if (!f)
		return -EBADF;
	if ((int64_t)a[1] < 0)
		return -EINVAL;
	return ftruncate(f->host, (off_t)a[1]) < 0 ? -errno : 0;
}

static int64_t fwd_fsync(struct vmm *vm, const uint64_t *a)
{
	int hfd = host_fd(vm, a[0]);

	return hfd < 0 ? -EBADF : fsync(hfd) < 0 ? -errno : 0;
}

static int64_t fwd_fdatasync(struct vmm *vm, const uint64_t *a)
{
	int hfd = host_fd(vm, a[0]);

	return hfd < 0 ? -EBADF : fdatasync(hfd) < 0 ? -errno : 0;
}

/* pipe2(fds, flags): a host pipe, both ends the guest's. */
static int64_t fwd_pipe2(struct vmm *vm, const uint64_t *a)
{
	struct vmm_file *ends[2] = { NULL, NULL };
	int host[2], gfd[2] = { -1, -1 };
	int32_t out[2];
	int64_t err = -ENOMEM;

	if (a[1] & ~(uint64_t)(O_CLOEXEC | O_NONBLOCK | O_DIRECT))
		return -EINVAL;
	if (pipe2(host, O_CLOEXEC | ((int)a[1] & (O_NONBLOCK | O_DIRECT))) < 0)
		return -errno;
	for (int i = 0; i < 2; i++)
		if (!(ends[i] = vmm_file_new(host[i], NULL, NULL)))
			goto out_close;
	for (int i = 0; i < 2; i++)
		if ((gfd[i] = vmm_fd_install(vm, ends[i], 0, a[1] & O_CLOEXEC)) < 0) {
			err = gfd[i];
			goto out_uninstall;
		}
	out[0] = gfd[0];
	out[1] = gfd[1];
	if (vmm_mem_copy_to_user(&vm->mem, a[0], out, sizeof(out))) {
		err = -EFAULT;
		goto out_uninstall;
	}
	return 0;

out_uninstall:
	/* Closing an installed end frees it and its host descriptor. */
	for (int i = 0; i < 2; i++) {
		if (gfd[i] >= 0) {
			vmm_fd_close(vm, gfd[i]);
			ends[i] = NULL;
			host[i] = -1;
		}
	}
out_close:
	for (int i = 0; i < 2; i++) {
		if (host[i] >= 0)
			close(host[i]);
		if (ends[i])
			free(ends[i]);
	}
	return err;
}

/* umask: the VMM creates the guest's files, so its umask is the guest's
 * (inherited from lstar's caller, as a program's would be). */
static int64_t fwd_umask(struct vmm *vm, const uint64_t *a)
{
	(void)vm;
	return umask((mode_t)a[0] & 0777);
}

static int64_t fwd_pipe(struct vmm *vm, const uint64_t *a)
{
	const uint64_t args[6] = { a[0], 0 };

	return fwd_pipe2(vm, args);
}

/* --- the table ------------------------------------------------------------ */

typedef int64_t (*fwd_handler)(struct vmm *vm, const uint64_t *args);

static const fwd_handler fwd_table[] = {
	[SYS_read] = fwd_read,
	[SYS_write] = fwd_write,
	[SYS_readv] = fwd_readv,
	[SYS_writev] = fwd_writev,
	[SYS_lseek] = fwd_lseek,
	[SYS_fstat] = fwd_fstat,
	[SYS_newfstatat] = fwd_newfstatat,
	[SYS_statx] = fwd_statx,
	[SYS_close] = fwd_close,
	[SYS_dup] = fwd_dup,
	[SYS_dup2] = fwd_dup2,
	[SYS_dup3] = fwd_dup3,
	[SYS_fcntl] = fwd_fcntl,
	[SYS_ioctl] = fwd_ioctl,
	[SYS_clock_gettime] = fwd_clock_gettime,
	[SYS_clock_getres] = fwd_clock_getres,
	[SYS_clock_nanosleep] = fwd_clock_nanosleep,
	[SYS_gettimeofday] = fwd_gettimeofday,
	[SYS_time] = fwd_time,
	[SYS_nanosleep] = fwd_nanosleep,
	[SYS_getrandom] = fwd_getrandom,
	[SYS_pread64] = fwd_pread64,
	[SYS_pwrite64] = fwd_pwrite64,
	[SYS_ftruncate] = fwd_ftruncate,
	[SYS_fsync] = fwd_fsync,
	[SYS_fdatasync] = fwd_fdatasync,
	[SYS_pipe] = fwd_pipe,
	[SYS_pipe2] = fwd_pipe2,
	[SYS_umask] = fwd_umask,
	[SYS_preadv] = fwd_preadv,
	[SYS_pwritev] = fwd_pwritev,
	[SYS_sendfile] = fwd_sendfile,
	[SYS_copy_file_range] = fwd_copy_file_range,
	/* The process's limits (rlimit.c). */
	[SYS_prlimit64] = vmm_rlimit_prlimit64,
	[SYS_getrlimit] = vmm_rlimit_getrlimit,
	[SYS_setrlimit] = vmm_rlimit_setrlimit,
	/* Path calls (fs.c). */
	[SYS_open] = vmm_fs_open,
	[SYS_creat] = vmm_fs_creat,
	[SYS_openat] = vmm_fs_openat,
	[SYS_stat] = vmm_fs_stat,
	[SYS_lstat] = vmm_fs_lstat,
	[SYS_access] = vmm_fs_access,
	[SYS_faccessat] = vmm_fs_faccessat,
	[SYS_faccessat2] = vmm_fs_faccessat2,
	[SYS_readlink] = vmm_fs_readlink,
	[SYS_readlinkat] = vmm_fs_readlinkat,
	[SYS_getdents64] = vmm_fs_getdents64,
	[SYS_getcwd] = vmm_fs_getcwd,
	[SYS_chdir] = vmm_fs_chdir,
	[SYS_fchdir] = vmm_fs_fchdir,
	[SYS_mkdir] = vmm_fs_mkdir,
	[SYS_mkdirat] = vmm_fs_mkdirat,
	[SYS_unlink] = vmm_fs_unlink,
	[SYS_rmdir] = vmm_fs_rmdir,
	[SYS_unlinkat] = vmm_fs_unlinkat,
	[SYS_rename] = vmm_fs_rename,
	[SYS_renameat] = vmm_fs_renameat,
	[SYS_renameat2] = vmm_fs_renameat2,
	[SYS_truncate] = vmm_fs_truncate,
	[SYS_symlink] = vmm_fs_symlink,
	[SYS_symlinkat] = vmm_fs_symlinkat,
	[SYS_link] = vmm_fs_link,
	[SYS_linkat] = vmm_fs_linkat,
	[SYS_chmod] = vmm_fs_chmod,
	[SYS_fchmodat] = vmm_fs_fchmodat,
	[SYS_fchmod] = vmm_fs_fchmod,
	[SYS_utimensat] = vmm_fs_utimensat,
	[SYS_statfs] = vmm_fs_statfs,
	[SYS_fstatfs] = vmm_fs_fstatfs,
};

int64_t vmm_forward(struct vmm *vm, uint64_t nr, const uint64_t args[6])
{
	/* The VMM's own verdict, on its own copy of the arguments: whatever
	 * the shim decided, a call the policy refuses is not run here. */
	struct lstar_verdict v = lstar_policy_eval(vm->policy->table, nr, args);
	uint64_t a[6];
	struct vmm_trace_call c = {
		.nr = nr, .args = args, .v = v, .forwarded = true,
		.kind = LSTAR_TRACE_GUEST,
	};

	switch (v.action) {
	case LSTAR_ACT_KILL:
		/* The shim should have ended the program already. */
		c.ret = -ENOSYS;
		c.kind = LSTAR_TRACE_DENIED;
		vmm_trace_call(vm, &c);
		vmm_policy_kill(vm, nr, v.src);
		return -ENOSYS;
	case LSTAR_ACT_ERRNO:
		c.ret = -(int64_t)v.err;
		c.kind = LSTAR_TRACE_DENIED;
		break;
	default:
		if (nr >= sizeof(fwd_table) / sizeof(fwd_table[0]) || !fwd_table[nr]) {
			/* The shim never forwards these: it is broken or hostile. */
			c.ret = -ENOSYS;
			c.kind = LSTAR_TRACE_NOSYS;
			break;
		}
		/* The values the kernel would act on, which are the values the
		 * policy judged: an int's low 32 bits, a mode's low 16
		 * (policy_arg_bits); the upper half of an int is garbage the
		 * program may put there, as on Linux. */
		for (int i = 0; i < 6; i++)
			a[i] = args[i] & policy_arg_bits(policy_arg_kind(nr, i));
		c.ret = fwd_table[nr](vm, a);
		break;
	}
	vmm_trace_call(vm, &c);
	return c.ret;
}
