/* SPDX-License-Identifier: MIT */
/*
 * fmap.c - shared file mappings: mmap(MAP_SHARED) of a file.
 *
 * The VMM maps the host file MAP_SHARED into a window of its own address
 * space (vmm_mem_map_init: --mem bytes, PROT_NONE where nothing is),
 * which every VM of the process has as one memory slot right above the
 * System V segments; the shim maps the program's pages to those frames.
 * The pages are then the host's page cache: what the program writes
 * through the mapping, read(2) sees, and what write(2) (the program's,
 * another process's of the sandbox, the host's) puts in the file, the
 * mapping shows, as on Linux, with no copy and no call.  One memory slot
 * holds every mapping, so KVM's limit on slots never comes into it;
 * mapping and unmapping are host mmap calls in the window, and KVM drops
 * what it made of the old pages (its MMU notifier) when they change.
 *
 * A forked VMM has a copy of the window (the host keeps MAP_SHARED
 * mappings shared across fork) and of this process's list of mappings,
 * so the child shares its parent's mappings as on Linux.  execve empties
 * the window.  A mapping goes when no page of it is left in the page
 * tables (the shim tells which range it unmapped, the VMM looks itself).
 *
 * Every number is the guest's: the offset and length are checked for
 * overflow and against the largest file offset, the descriptor's access
 * decides whether the mapping may be written (the host mapping is made
 * read-only otherwise, so not even a taken-over shim writes the file),
 * and only a regular file maps.
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include "vmm.h"

#define PAGE_SIZE	LSTAR_PAGE_SIZE

/* Put PROT_NONE back over [off, off + len) of the window. */
static void window_clear(const struct vmm_mem *m, uint64_t off, uint64_t len)
{
	mmap(m->map_host + off, len, PROT_NONE,
	     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
}

/* The lowest free range of len bytes in the window, as the index its
 * mapping takes in the list (kept by offset) and the offset; -ENOMEM. */
static int window_fit(const struct vmm_process *p, uint64_t size, uint64_t len,
		      uint64_t *off)
{
	uint64_t at = 0;

	if (p->nfmaps == VMM_FILE_MAPS)
		return -ENOMEM;
	for (int i = 0; i <= p->nfmaps; i++) {
		uint64_t next = i < p->nfmaps ? p->fmaps[i].off : size;

		if (next >= at && next - at >= len) {
			*off = at;
			return i;
		}
		if (i < p->nfmaps)
			at = p->fmaps[i].off + p->fmaps[i].len;
	}
	return -ENOMEM;
}

uint64_t vmm_fmap_within(uint64_t size, uint64_t off, uint64_t len)
{
	uint64_t in = size > off ? size - off : 0;

	if (in >= len)
		return len;
	return (in + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
}

int64_t vmm_fmap_shared(struct vmm_vcpu *cpu, const uint64_t *a, uint64_t addr,
			uint64_t len, struct lstar_hc_mmap *live)
{
	const struct vmm_mem *m = cpu->mem;
	struct vmm_process *p = cpu->proc;
	struct vmm_file *f = vmm_fd_get(p, a[4]);
	int prot = PROT_READ, fl, i;
	uint64_t off;
	struct stat st;
	void *got;

	if (!m->map_size)
		return -ENODEV;		/* lstar fuzz: no window */
	if (!f)
		return -EBADF;
	/* The devices (dev.c) have no shared mapping: ENODEV, /dev/zero
	 * too (Linux would give shared anonymous memory). */
	if (f->dev)
		return -ENODEV;
	/* As Linux's file_mmap_ok: within the largest file offset. */
	if (a[5] > (uint64_t)INT64_MAX || a[1] > (uint64_t)INT64_MAX - a[5])
		return -EOVERFLOW;
	if (fstat(f->host, &st) < 0)
		return -errno;
	if (!S_ISREG(st.st_mode))
		return -ENODEV;		/* a directory, a pipe, a socket */
	if ((fl = fcntl(f->host, F_GETFL)) < 0)
		return -errno;
	/* Linux's do_mmap: read access always, write access for a
	 * writable mapping (O_APPEND does not matter; an append-only
	 * inode cannot be opened for writing in the sandbox's trees
	 * without it showing in the descriptor's flags on the host, where
	 * the host's mmap below refuses it). */
	if ((fl & O_ACCMODE) == O_WRONLY)
		return -EACCES;
	live->may_write = (fl & O_ACCMODE) == O_RDWR;
	if ((a[2] & PROT_WRITE) && !live->may_write)
		return -EACCES;
	if (live->may_write)
		prot |= PROT_WRITE;
	if (len > m->map_size)
		return -ENOMEM;		/* more than the window holds */
	if (!len || len % PAGE_SIZE || addr % PAGE_SIZE ||
	    addr >= LSTAR_USER_TOP || len > LSTAR_USER_TOP - addr)
		return -EINVAL;
	if ((i = window_fit(p, m->map_size, len, &off)) < 0)
		return i;		/* the window is full: as out of memory */
	if ((i = vmm_vm_use_slot(&cpu->vmm->vm, VMM_SLOT_WINDOW)))
		return i;
	got = mmap(m->map_host + off, len, prot, MAP_SHARED | MAP_FIXED, f->host, (off_t)a[5]);
	if (got == MAP_FAILED) {
		int err = -errno;

		window_clear(m, off, len);
		return err;
	}
	memmove(&p->fmaps[i + 1], &p->fmaps[i], (size_t)(p->nfmaps - i) * sizeof(p->fmaps[0]));
	p->nfmaps++;
	p->fmaps[i] = (struct vmm_fmap){
		.start = addr, .end = addr + len, .off = off, .len = len, .seq = ++p->fmap_seq,
	};
	/* The pages within the file map; a touch past them is SIGBUS. */
	live->valid = vmm_fmap_within((uint64_t)st.st_size, a[5], len);
	live->gpa = m->map_gpa + off;
	return 0;
}

/* Does any page of the user range still map a frame of the mapping? */
static bool still_mapped(const struct vmm_mem *m, const struct vmm_fmap *fm)
{
	uint64_t lo = m->map_gpa + fm->off, hi = lo + fm->len;

	for (uint64_t va = fm->start; va < fm->end; va += PAGE_SIZE) {
		uint64_t frame = vmm_mem_user_frame(m, va);

		if (frame >= lo && frame < hi)
			return true;
	}
	return false;
}

void vmm_fmap_unmapped(struct vmm *vmm, uint64_t addr, uint64_t len)
{
	struct vmm_process *p = &vmm->proc;
	const struct vmm_mem *m = &vmm->vm.mem;
	uint64_t end = len > UINT64_MAX - addr ? UINT64_MAX : addr + len;

	for (int i = 0; i < p->nfmaps;) {
		const struct vmm_fmap *fm = &p->fmaps[i];

		if (fm->start < end && addr < fm->end && !still_mapped(m, fm)) {
			window_clear(m, fm->off, fm->len);
			memmove(&p->fmaps[i], &p->fmaps[i + 1],
				(size_t)(p->nfmaps - i - 1) * sizeof(p->fmaps[0]));
			p->nfmaps--;
		} else {
			i++;
		}
	}
}

int64_t vmm_fmap_fault(struct vmm *vmm, uint64_t addr, uint64_t *gpa)
{
	const struct vmm_process *p = &vmm->proc;
	const struct vmm_fmap *best = NULL;
	uint64_t off;

	/* Where a newer mapping was put over part of an older one that
	 * still has pages, both hold addr: the shim's mapping there is the
	 * newer. */
	for (int i = 0; i < p->nfmaps; i++)
		if (p->fmaps[i].start <= addr && addr < p->fmaps[i].end &&
		    (!best || p->fmaps[i].seq > best->seq))
			best = &p->fmaps[i];
	if (!best)
		return -EFAULT;
	off = best->off + ((addr - best->start) & ~(uint64_t)(PAGE_SIZE - 1));
	if (!vmm_mem_window_probe(&vmm->vm.mem, off))
		return -EFAULT;		/* still past the end: SIGBUS */
	*gpa = vmm->vm.mem.map_gpa + off;
	return 0;
}

void vmm_fmap_reset(struct vmm *vmm)
{
	const struct vmm_mem *m = &vmm->vm.mem;

	if (m->map_size && vmm->proc.nfmaps)
		window_clear(m, 0, m->map_size);
	vmm->proc.nfmaps = 0;
}
