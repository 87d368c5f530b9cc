/* SPDX-License-Identifier: MIT */
/*
 * sys_io.c - reading and writing: between a host descriptor and guest
 * buffers (read, write and their vector and positioned kinds), between
 * two descriptors (sendfile, copy_file_range), the file offset (lseek),
 * the host's entropy (getrandom) and the pages of a file mapping.
 *
 * Guest buffers are reached through the guest page tables as ring 3
 * could reach them (vmm_mem_user_iov), so a bad pointer is -EFAULT and
 * shim memory is out of reach.  A whole buffer is checked before any
 * byte moves.  Structures the host reads (iovec arrays, offsets) are
 * copied into host memory before they are checked.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "vmm.h"

#define MAX_RW_COUNT	0x7ffff000L	/* Linux's cap on one read/write */
#define IOV_CHUNK	64		/* host iovecs per translation step */
#define HOST_IOV_MAX	1024		/* host iovecs per host call (IOV_MAX) */

/* Linux's access_ok(): does [buf, buf + len) lie in user space at all? */
static bool user_range(uint64_t buf, uint64_t len)
{
	return buf <= LSTAR_USER_TOP && len <= LSTAR_USER_TOP - buf;
}

/* Could ring 3 access every byte of [buf, buf + len) (write: store)? */
static bool user_accessible(struct vmm_vcpu *cpu, uint64_t buf, uint64_t len, bool write)
{
	struct iovec iov[IOV_CHUNK];
	int n;

	while (len) {
		long got = vmm_mem_user_iov(cpu->mem, buf, len, write, iov,
					    IOV_CHUNK, &n);

		if (got <= 0 || ((uint64_t)got < len && n < IOV_CHUNK))
			return false;
		buf += got;
		len -= got;
	}
	return true;
}

/*
 * A device's open (dev.c) that may not move data this way: EBADF, as
 * Linux checks the file's mode before the buffer.  0 for any other file
 * (the host decides).
 */
static int dev_check(const struct vmm_file *f, bool to_user)
{
	if (!f->dev)
		return 0;
	return (to_user ? vmm_dev_readable(f) : vmm_dev_writable(f)) ? 0 : -EBADF;
}

/* Fill host memory [p, p + len) as device dev reads: zeros, or the
 * host's entropy (getrandom, as /dev/random and /dev/urandom read on a
 * Linux whose generator is ready; a wait for it ends early). */
static long dev_fill(const struct vmm_mem *m, int dev, uint8_t *p, size_t len)
{
	size_t done = 0;

	if (dev != VMM_DEV_RANDOM && dev != VMM_DEV_URANDOM)
		return vmm_mem_zero_user(m, p, len) ? -EFAULT : (long)len;
	while (done < len) {
		ssize_t got = getrandom(p + done, len - done, 0);

		if (got < 0)
			return done ? (long)done : -errno;
		done += (size_t)got;
	}
	return (long)done;
}

/*
 * dev_transfer - what a device (dev.c) does with the user segments,
 * already checked accessible: null reads nothing and takes every byte;
 * zero and full read zeros; random and urandom the host's entropy; full
 * refuses writes (ENOSPC), the others take them whole and keep nothing
 * (a write to random does not reach the host's pool).  The /dev listing
 * is a directory: EISDIR.
 */
static long dev_transfer(struct vmm_vcpu *cpu, const struct vmm_file *f,
			 const struct vmm_seg *segs, uint64_t nsegs, bool to_user)
{
	struct iovec iov[IOV_CHUNK];
	long done = 0;

	if (vmm_dev_is_dir(f->dev))
		return -EISDIR;
	if (!to_user) {
		for (uint64_t i = 0; i < nsegs && done < MAX_RW_COUNT; i++)
			done += (long)(segs[i].len < (uint64_t)(MAX_RW_COUNT - done) ?
				       segs[i].len : (uint64_t)(MAX_RW_COUNT - done));
		return f->dev == VMM_DEV_FULL ? -ENOSPC : done;
	}
	if (f->dev == VMM_DEV_NULL)
		return 0;
	/* At most what one call moves (MAX_RW_COUNT), as the callers
	 * checked it. */
	for (uint64_t i = 0; i < nsegs && done < MAX_RW_COUNT; i++) {
		uint64_t off = 0, len = segs[i].len < (uint64_t)(MAX_RW_COUNT - done) ?
					segs[i].len : (uint64_t)(MAX_RW_COUNT - done);

		while (off < len) {
			int n;
			long got = vmm_mem_user_iov(cpu->mem, segs[i].base + off,
						    len - off, true, iov,
						    IOV_CHUNK, &n);

			if (got <= 0)
				return done ? done : -EFAULT;
			for (int k = 0; k < n; k++) {
				long r = dev_fill(cpu->mem, f->dev, iov[k].iov_base,
						  iov[k].iov_len);

				if (r < 0)
					return done ? done : r;
				done += r;
				if ((size_t)r < iov[k].iov_len)
					return done;
			}
			off += (uint64_t)got;
		}
	}
	return done;
}

/* A zero-length read or write of a device: its checks, nothing moved. */
static long dev_empty(const struct vmm_file *f, bool to_user)
{
	if (vmm_dev_is_dir(f->dev) && to_user)
		return -EISDIR;
	return !to_user && f->dev == VMM_DEV_FULL ? -ENOSPC : 0;
}

/* transfer, defined below. */
static long transfer(struct vmm_vcpu *cpu, int hfd, const struct vmm_seg *segs,
		     uint64_t nsegs, bool to_user, int64_t pos);

/*
 * text_transfer - a read of a made-up file (dev.c: /etc/resolv.conf and
 * /etc/hosts with net dns) into the user segments, already checked: from
 * its sealed memfd, shared by every open of it, so always positioned:
 * at pos (pread, preadv), or at the file's own offset, which it then
 * advances.  Called under the VMM's lock, as every call is: two threads
 * reading one descriptor do not read the same bytes twice.
 */
static long text_transfer(struct vmm_vcpu *cpu, struct vmm_file *f,
			  const struct vmm_seg *segs, uint64_t nsegs, int64_t pos)
{
	long r;

	if (pos >= 0)
		return transfer(cpu, f->host, segs, nsegs, true, pos);
	if (f->pos > (uint64_t)INT64_MAX)
		return 0;		/* sought far past the end */
	r = transfer(cpu, f->host, segs, nsegs, true, (int64_t)f->pos);
	if (r > 0)
		f->pos += (uint64_t)r;
	return r;
}

/* text_seek - lseek of a made-up file, on its own offset: as on a
 * regular file of its size (a hole is only at the end). */
static int64_t text_seek(const struct vmm_process *proc, struct vmm_file *f,
			 int64_t off, int whence)
{
	struct stat st;
	int64_t base;

	vmm_dev_stat(proc, f->dev, &st);
	switch (whence) {
	case SEEK_SET:
		base = 0;
		break;
	case SEEK_CUR:
		base = (int64_t)f->pos;
		break;
	case SEEK_END:
		base = st.st_size;
		break;
	case SEEK_DATA:
	case SEEK_HOLE:
		if (off < 0 || off >= st.st_size)
			return -ENXIO;
		f->pos = (uint64_t)(whence == SEEK_DATA ? off : st.st_size);
		return (int64_t)f->pos;
	default:
		return -EINVAL;
	}
	if ((off > 0 && base > INT64_MAX - off) || base + off < 0)
		return off > 0 ? -EOVERFLOW : -EINVAL;
	f->pos = (uint64_t)(base + off);
	return (int64_t)f->pos;
}

/*
 * transfer - move data between host descriptor hfd and the user segments,
 * already checked accessible: as many host iovecs as one host call takes,
 * one call after another.  A short transfer ends it, as does the first
 * read from anything but a regular file (a pipe or a terminal returns
 * what it has, and a second read could block where Linux returns).
 * pos >= 0: at that file offset (preadv/pwritev), the file's own offset
 * untouched.  Returns bytes moved, or -errno if nothing moved.
 */
static long transfer(struct vmm_vcpu *cpu, int hfd, const struct vmm_seg *segs,
		     uint64_t nsegs, bool to_user, int64_t pos)
{
	struct iovec iov[HOST_IOV_MAX];	/* 16 KiB: the thread's stack has room */
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
			covered = vmm_mem_user_iov(cpu->mem, segs[si].base + off,
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
		/* A pipe, a terminal, a socket may block: let the other
		 * vCPUs' calls in meanwhile (the caller holds the file). */
		if (regular) {
			if (pos >= 0)
				got = to_user ? preadv(hfd, iov, n, pos + done) :
						pwritev(hfd, iov, n, pos + done);
			else
				got = to_user ? readv(hfd, iov, n) : writev(hfd, iov, n);
			if (got < 0)
				got = -errno;
		} else if (pos >= 0) {
			got = vmm_block_call(cpu, to_user ? SYS_preadv : SYS_pwritev, hfd,
					     (long)iov, n, pos + done, 0, 0);
		} else {
			got = vmm_block_call(cpu, to_user ? SYS_readv : SYS_writev, hfd,
					     (long)iov, n, 0, 0, 0);
		}
		if (got < 0)
			return done ? done : got;
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
static long xfer(struct vmm_vcpu *cpu, struct vmm_file *f, uint64_t buf,
		 uint64_t len, bool to_user)
{
	struct vmm_seg seg = { buf, len };
	int hfd = f->host, err;

	if ((err = dev_check(f, to_user)))
		return err;
	if (!user_range(buf, len))
		return -EFAULT;
	if (len > MAX_RW_COUNT)
		seg.len = MAX_RW_COUNT;
	if (seg.len == 0) {
		ssize_t r;

		if (f->dev)
			return dev_empty(f, to_user);
		r = to_user ? read(hfd, NULL, 0) : write(hfd, NULL, 0);
		return r < 0 ? -errno : 0;
	}
	if (!user_accessible(cpu, buf, seg.len, to_user))
		return -EFAULT;
	if (to_user && vmm_net_filtered(f))
		return vmm_net_read(cpu, f, &seg, 1);
	if (vmm_dev_has_text(f->dev))
		return text_transfer(cpu, f, &seg, 1, -1);
	if (f->dev)
		return dev_transfer(cpu, f, &seg, 1, to_user);
	return transfer(cpu, hfd, &seg, 1, to_user, -1);
}

/* read and write, on the file held for the call (it may block). */
static int64_t rw(struct vmm_vcpu *cpu, const uint64_t *a, bool to_user)
{
	struct vmm_file *f = vmm_fd_hold(cpu->proc, a[0]);
	int64_t r;

	if (!f)
		return -EBADF;
	r = xfer(cpu, f, a[1], a[2], to_user);
	vmm_file_release(f);
	return r;
}

int64_t vmm_sys_read(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return rw(cpu, a, true);
}

int64_t vmm_sys_write(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return rw(cpu, a, false);
}

static int64_t rw_vec_file(struct vmm_vcpu *cpu, const uint64_t *a, bool to_user,
			   int64_t pos, struct vmm_file *f)
{
	uint64_t cnt = a[2], total = 0;
	struct vmm_seg *gv;
	int64_t done = 0;
	int hfd = f->host;

	if ((done = dev_check(f, to_user)))
		return done;
	if (cnt > IOV_MAX)
		return -EINVAL;
	if (cnt == 0 && f->dev)
		return dev_empty(f, to_user);
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
	if (vmm_mem_copy_from_user(cpu->mem, gv, a[1], cnt * sizeof(*gv))) {
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

		if (!user_accessible(cpu, gv[i].base, len, to_user)) {
			done = -EFAULT;
			goto out;
		}
		gv[i].len = len;
		total += len;
	}
	/* One host call over all of them: a readv returns what a pipe has,
	 * as Linux's does, instead of waiting for every piece. */
	done = to_user && pos < 0 && vmm_net_filtered(f) ? vmm_net_read(cpu, f, gv, cnt) :
	       vmm_dev_has_text(f->dev) ? text_transfer(cpu, f, gv, cnt, pos) :
	       f->dev ? dev_transfer(cpu, f, gv, cnt, to_user) :
			transfer(cpu, hfd, gv, cnt, to_user, pos);
out:
	free(gv);
	return done;
}

/* readv, writev, preadv, pwritev, on the file held for the call. */
static int64_t rw_vec(struct vmm_vcpu *cpu, const uint64_t *a, bool to_user,
		      int64_t pos)
{
	struct vmm_file *f = vmm_fd_hold(cpu->proc, a[0]);
	int64_t r;

	if (!f)
		return -EBADF;
	r = rw_vec_file(cpu, a, to_user, pos, f);
	vmm_file_release(f);
	return r;
}

int64_t vmm_sys_readv(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return rw_vec(cpu, a, true, -1);
}

int64_t vmm_sys_writev(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return rw_vec(cpu, a, false, -1);
}

/* preadv/pwritev(fd, iov, cnt, pos_l, pos_h): on x86-64 pos_l is the
 * whole offset. */
int64_t vmm_sys_preadv(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return (int64_t)a[3] < 0 ? -EINVAL : rw_vec(cpu, a, true, (int64_t)a[3]);
}

int64_t vmm_sys_pwritev(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return (int64_t)a[3] < 0 ? -EINVAL : rw_vec(cpu, a, false, (int64_t)a[3]);
}

/* pread64/pwrite64: one host call on the whole (checked) buffer. */
static int64_t prw(struct vmm_vcpu *cpu, const uint64_t *a, bool to_user)
{
	struct iovec iov[IOV_CHUNK];
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);
	uint64_t len = a[2];
	int hfd, n;
	long want;
	ssize_t got;

	if (!f)
		return -EBADF;
	hfd = f->host;
	if ((n = dev_check(f, to_user)))
		return n;
	if ((int64_t)a[3] < 0)
		return -EINVAL;
	if (!user_range(a[1], len))
		return -EFAULT;
	if (len > MAX_RW_COUNT)
		len = MAX_RW_COUNT;
	if (len == 0 && f->dev)
		return dev_empty(f, to_user);
	if (len == 0) {
		got = to_user ? pread(hfd, NULL, 0, (off_t)a[3]) :
				pwrite(hfd, NULL, 0, (off_t)a[3]);
		return got < 0 ? -errno : 0;
	}
	if (!user_accessible(cpu, a[1], len, to_user))
		return -EFAULT;
	if (f->dev && !vmm_dev_has_text(f->dev)) {
		struct vmm_seg seg = { a[1], len };

		return dev_transfer(cpu, f, &seg, 1, to_user);
	}
	want = vmm_mem_user_iov(cpu->mem, a[1], len, to_user, iov, IOV_CHUNK, &n);
	if (want < 0)
		return want;
	got = to_user ? preadv(hfd, iov, n, (off_t)a[3]) :
			pwritev(hfd, iov, n, (off_t)a[3]);
	return got < 0 ? -errno : got;
}

int64_t vmm_sys_pread64(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return prw(cpu, a, true);
}

int64_t vmm_sys_pwrite64(struct vmm_vcpu *cpu, const uint64_t *a)
{
	return prw(cpu, a, false);
}

/* An in/out file offset the guest passes by pointer: copied in, copied
 * back after the call. */
static int get_offset(struct vmm_vcpu *cpu, uint64_t gva, off_t *off, off_t **p)
{
	*p = NULL;
	if (!gva)
		return 0;
	if (vmm_mem_copy_from_user(cpu->mem, off, gva, sizeof(*off)))
		return -EFAULT;
	*p = off;
	return 0;
}

/* sendfile(out, in, offset*, count): between two guest descriptors, on
 * the host, without passing through guest memory. */
int64_t vmm_sys_sendfile(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int out = vmm_fd_host(cpu->proc, a[0]), in = vmm_fd_host(cpu->proc, a[1]), err;
	off_t off, *poff, *own = NULL;
	struct vmm_file *from;
	ssize_t r;

	if (out < 0 || in < 0)
		return -EBADF;
	from = vmm_fd_get(cpu->proc, a[1]);
	/* Not between lstar's devices (dev.c): the program's fallback,
	 * read and write, works with them (docs/DECISIONS.md).  A made-up
	 * file may be read from, at its own offset (busybox cat's way). */
	if (vmm_fd_get(cpu->proc, a[0])->dev ||
	    (from->dev && !vmm_dev_has_text(from->dev)))
		return -EINVAL;
	/* Nor from a socket (sendfile(2): in_fd "cannot be a socket"):
	 * the host would read it past the checks a UDP socket's
	 * datagrams get (sys_net.c). */
	if (from->sock)
		return -EINVAL;
	if (from->dev && !vmm_dev_readable(from))
		return -EBADF;
	if ((err = get_offset(cpu, a[2], &off, &poff)))
		return err;
	if (from->dev && !poff) {
		off = (off_t)from->pos;
		own = &off;
	}
	r = sendfile(out, in, poff ? poff : own, a[3] < MAX_RW_COUNT ? a[3] : MAX_RW_COUNT);
	if (r < 0)
		return -errno;
	if (own)
		from->pos = (uint64_t)off;
	if (poff && vmm_mem_copy_to_user(cpu->mem, a[2], &off, sizeof(off)))
		return -EFAULT;
	return r;
}

/* copy_file_range(in, off_in*, out, off_out*, len, flags) */
int64_t vmm_sys_copy_file_range(struct vmm_vcpu *cpu, const uint64_t *a)
{
	int in = vmm_fd_host(cpu->proc, a[0]), out = vmm_fd_host(cpu->proc, a[2]), err;
	off_t off_in, off_out, *pin, *pout;
	ssize_t r;

	if (in < 0 || out < 0)
		return -EBADF;
	if (a[5])
		return -EINVAL;
	/* Not a regular file: EINVAL, as Linux says of a device. */
	if (vmm_fd_get(cpu->proc, a[0])->dev || vmm_fd_get(cpu->proc, a[2])->dev)
		return -EINVAL;
	if ((err = get_offset(cpu, a[1], &off_in, &pin)) ||
	    (err = get_offset(cpu, a[3], &off_out, &pout)))
		return err;
	r = copy_file_range(in, pin, out, pout,
			    a[4] < MAX_RW_COUNT ? a[4] : MAX_RW_COUNT, 0);
	if (r < 0)
		return -errno;
	if ((pin && vmm_mem_copy_to_user(cpu->mem, a[1], &off_in, sizeof(off_in))) ||
	    (pout && vmm_mem_copy_to_user(cpu->mem, a[3], &off_out, sizeof(off_out))))
		return -EFAULT;
	return r;
}

int64_t vmm_sys_lseek(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[0]);
	int hfd;
	off_t r;

	if (!f)
		return -EBADF;
	hfd = f->host;
	if (a[2] > SEEK_HOLE)
		return -EINVAL;
	/* A device stays at 0, as Linux's null, zero and full; /dev's
	 * listing goes back to where SEEK_SET says. */
	if (vmm_dev_has_text(f->dev))
		return text_seek(cpu->proc, f, (int64_t)a[1], (int)a[2]);
	if (vmm_dev_is_dir(f->dev)) {
		if (a[2] != SEEK_SET || (int64_t)a[1] < 0)
			return -EINVAL;
		f->pos = a[1];
		return (int64_t)a[1];
	}
	if (f->dev)
		return 0;
	r = lseek(hfd, (off_t)a[1], (int)a[2]);
	return r < 0 ? -errno : r;
}

int64_t vmm_sys_getrandom(struct vmm_vcpu *cpu, const uint64_t *a)
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
	want = vmm_mem_user_iov(cpu->mem, a[0], len, true, iov, IOV_CHUNK, &n);
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

/* Zero the user range [addr, addr + len) the shim mapped (writable for
 * ring 3 or not). */
static int64_t zero_mapping(struct vmm_vcpu *cpu, uint64_t addr, uint64_t len)
{
	struct iovec iov[64];
	uint64_t done = 0;

	while (done < len) {
		int n;
		long want = vmm_mem_user_iov(cpu->mem, addr + done, len - done,
					     false, iov, 64, &n);

		if (want <= 0)
			return -EFAULT;
		for (int i = 0; i < n; i++) {
			vmm_mem_mark(cpu->mem, (uint64_t)((uint8_t *)iov[i].iov_base -
							  cpu->mem->host), iov[i].iov_len);
			if (vmm_mem_zero_user(cpu->mem, iov[i].iov_base, iov[i].iov_len))
				return -EFAULT;
		}
		done += (uint64_t)want;
	}
	return 0;
}

/*
 * Fill the private file mapping the shim made at [addr, addr + len) from
 * descriptor a[4] at offset a[5] (the program's mmap arguments, as the
 * kernel reads them).  Written through the page tables as ring 3 could
 * read them (read-only pages too: they are the mapping's own).  Past the
 * end of the file the bytes read zero (the shim's fresh pages are, and
 * refilled ones are zeroed here); pages wholly past it the shim drops
 * (*valid), and a touch there is SIGBUS.
 */
int64_t vmm_io_fill_mapping(struct vmm_vcpu *cpu, const uint64_t *a, uint64_t addr,
			    uint64_t len, bool refill, uint64_t *valid)
{
	struct vmm_file *f = vmm_fd_get(cpu->proc, a[4]);
	struct iovec iov[HOST_IOV_MAX];
	uint64_t done = 0;
	struct stat st;
	int fl;

	/* The mapping's whole length (len is 0 for a PROT_NONE one, which
	 * is not filled); all of it, unless the file ends before. */
	*valid = a[1] > LSTAR_USER_TOP ? LSTAR_USER_TOP :
		 (a[1] + LSTAR_PAGE_SIZE - 1) & ~(uint64_t)(LSTAR_PAGE_SIZE - 1);
	if (!f)
		return -EBADF;
	/* /dev/zero maps fresh zeros (how some old code gets anonymous
	 * memory: the shim's pages are zero already); the other devices
	 * have no mapping, ENODEV as on Linux. */
	if (f->dev == VMM_DEV_ZERO) {
		if (!vmm_dev_readable(f))
			return -EACCES;
		if (!refill || !len)
			return 0;	/* the shim's fresh pages are zero */
		return user_range(addr, len) ? zero_mapping(cpu, addr, len) : -EFAULT;
	}
	/* A made-up file maps as the small regular file it is. */
	if (vmm_dev_has_text(f->dev) && !vmm_dev_readable(f))
		return -EACCES;
	if (f->dev && !vmm_dev_has_text(f->dev))
		return -ENODEV;
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
	/* The whole pages that hold the file's bytes: past them, SIGBUS. */
	*valid = vmm_fmap_within((uint64_t)st.st_size, a[5], *valid);
	while (done < len) {
		int n;
		long want = vmm_mem_user_iov(cpu->mem, addr + done, len - done,
					     false, iov, HOST_IOV_MAX, &n);
		ssize_t got;

		if (want <= 0)
			return -EFAULT;
		for (int i = 0; i < n; i++)	/* the VMM writes them (lstar fuzz) */
			vmm_mem_mark(cpu->mem, (uint64_t)((uint8_t *)iov[i].iov_base -
							  cpu->mem->host), iov[i].iov_len);
		got = preadv(f->host, iov, n, (off_t)(a[5] + done));
		/* An offset past what the file system holds is past the end
		 * (the shim drops those pages: a touch is SIGBUS). */
		if (got < 0 && errno == EINVAL)
			break;
		if (got < 0)
			return -errno;
		done += (uint64_t)got;
		if (got < want)
			break;	/* end of file: the rest is zero */
	}
	return refill ? zero_mapping(cpu, addr + done, len - done) : 0;
}
