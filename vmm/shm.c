/* SPDX-License-Identifier: MIT */
/*
 * shm.c - System V shared memory, private to the sandbox.
 *
 * The sandbox's segments live in one host mapping, the segments' region
 * (vmm_mem_shm_init: MAP_SHARED, made by the first VMM before it forks
 * any other), which every process's VM has as a memory slot of its own
 * right above guest memory.  A segment is a page-aligned range of it; the
 * shim maps its frames into the program's address space itself, so that
 * a word one process writes is the word every other process reads, with
 * no copy and no call.  The region is --mem bytes: all segments together
 * hold at most that (ENOSPC past it, as past Linux's SHMALL).
 *
 * What the processes must agree on (the segments, their keys, modes and
 * attachment counts) lives in the book (struct vmm_procs), under its
 * lock; which addresses this process attached is its own (struct
 * vmm_process), copied by fork.  Nothing here is the host's System V
 * IPC: the host's segments and other sandboxes' are out of sight, and
 * the VMM makes no host call for these but madvise (MADV_REMOVE) to give
 * a removed segment's pages back, which also zeroes them for the next.
 *
 * Every number from the guest is checked here: ids name a live entry of
 * this book or nothing, sizes are bounded by the region before any sum,
 * and the attachments the shim reports are checked against the page
 * tables, which the VMM reads itself.
 */
#include <errno.h>
#include <linux/ipc.h>
#include <linux/shm.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "vmm.h"

#define PAGE_SIZE	LSTAR_PAGE_SIZE
#define SHM_ID_MAX	(INT32_MAX / VMM_SHM_SEGS)	/* sequences before ids repeat */
#define SHM_DEST	01000	/* Linux's mode bit: removed, gone with the last attachment */

static int64_t now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_REALTIME, &t);
	return t.tv_sec;
}

static uint64_t seg_pages(const struct vmm_shm_seg *s)
{
	return (s->size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
}

/* The live segment id names, or NULL (under the book's lock). */
static struct vmm_shm_seg *seg_of(struct vmm_procs *b, int64_t id)
{
	struct vmm_shm_seg *s;

	if (id <= 0 || id > INT32_MAX)
		return NULL;
	s = &b->shm[id % VMM_SHM_SEGS];
	return s->id == id ? s : NULL;
}

/*
 * Linux's ipcperms for a program without privilege (as every program
 * is here, uid 0 too: docs/DECISIONS.md): the owner's bits when
 * it owns or created the segment, the group's when its group does, else
 * the others'.  flg holds the access asked for as mode bits (0400 read,
 * 0200 write, in any of the three places).
 */
static bool may(const struct vmm_process *proc, const struct vmm_shm_seg *s, uint32_t flg)
{
	uint32_t want = ((flg >> 6) | (flg >> 3) | flg) & 7;
	uint32_t granted = s->mode;

	if (s->uid == proc->uid || s->cuid == proc->uid)
		granted >>= 6;
	else if (s->gid == proc->gid || s->cgid == proc->gid)
		granted >>= 3;
	return !(want & ~granted & 7);
}

static bool owner(const struct vmm_process *proc, const struct vmm_shm_seg *s)
{
	return s->uid == proc->uid || s->cuid == proc->uid;
}

/* Give the segment's pages back (zero for the next) and free its entry. */
static void seg_destroy(struct vmm *vmm, struct vmm_shm_seg *s)
{
	const struct vmm_mem *m = &vmm->vm.mem;

	madvise(m->shm_host + s->off, seg_pages(s), MADV_REMOVE);
	memset(s, 0, sizeof(*s));
}

/* The lowest free range of len bytes in the region, or -ENOSPC: first
 * fit over the entries (few, and only shmget looks). */
static int64_t region_fit(struct vmm_procs *b, uint64_t region, uint64_t len)
{
	uint64_t best = UINT64_MAX;

	for (int c = -1; c < VMM_SHM_SEGS; c++) {
		uint64_t at = c < 0 ? 0 : b->shm[c].off + seg_pages(&b->shm[c]);
		bool free = true;

		if (c >= 0 && !b->shm[c].id)
			continue;
		if (at > region || len > region - at || at >= best)
			continue;
		for (int i = 0; i < VMM_SHM_SEGS && free; i++)
			free = !b->shm[i].id || b->shm[i].off >= at + len ||
			       b->shm[i].off + seg_pages(&b->shm[i]) <= at;
		if (free)
			best = at;
	}
	return best == UINT64_MAX ? -ENOSPC : (int64_t)best;
}

static int64_t seg_new(struct vmm_vcpu *cpu, int32_t key, uint64_t size, uint32_t flg)
{
	struct vmm *vmm = cpu->vmm;
	struct vmm_procs *b = vmm->procs;
	uint64_t region = cpu->mem->shm_size, len;
	struct vmm_shm_seg *s = NULL;
	int64_t off;
	int slot;

	if (size < 1 || size > region)
		return -EINVAL;		/* SHMMIN, SHMMAX */
	len = (size + PAGE_SIZE - 1) & ~(uint64_t)(PAGE_SIZE - 1);
	for (slot = 0; slot < VMM_SHM_SEGS && !s; slot++)
		if (!b->shm[slot].id)
			s = &b->shm[slot];
	if (!s)
		return -ENOSPC;		/* SHMMNI */
	if ((off = region_fit(b, region, len)) < 0)
		return off;		/* SHMALL */
	slot = (int)(s - b->shm);
	if (++b->shm_seq >= SHM_ID_MAX)
		b->shm_seq = 1;
	*s = (struct vmm_shm_seg){
		.id = (int32_t)(b->shm_seq * VMM_SHM_SEGS + (uint32_t)slot),
		.key = key, .off = (uint64_t)off, .size = size, .mode = flg & 0777,
		.uid = cpu->proc->uid, .gid = cpu->proc->gid,
		.cuid = cpu->proc->uid, .cgid = cpu->proc->gid,
		.cpid = vmm->me->pid, .ctime = now_s(),
	};
	return s->id;
}

/* shmget(key, size, shmflg), in Linux's order (ipc/util.c ipcget). */
int64_t vmm_sys_shmget(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm_procs *b = cpu->vmm->procs;
	int32_t key = (int32_t)a[0];
	uint32_t flg = (uint32_t)a[2];
	struct vmm_shm_seg *s = NULL;
	int64_t ret;

	if (!cpu->mem->shm_size)
		return -ENOSYS;		/* lstar fuzz: nothing may outlive a run */
	vmm_procs_lock(b);
	if (key != IPC_PRIVATE)
		for (int i = 0; i < VMM_SHM_SEGS && !s; i++)
			if (b->shm[i].id && b->shm[i].key == key)
				s = &b->shm[i];
	if (key == IPC_PRIVATE || (!s && (flg & IPC_CREAT)))
		ret = seg_new(cpu, key, a[1], flg);
	else if (!s)
		ret = -ENOENT;
	else if ((flg & IPC_CREAT) && (flg & IPC_EXCL))
		ret = -EEXIST;
	else if (!may(cpu->proc, s, flg))
		ret = -EACCES;
	else if (s->size < a[1])
		ret = -EINVAL;
	else
		ret = s->id;
	vmm_procs_unlock(b);
	return ret;
}

/* struct shmid64_ds as x86-64 Linux fills it. */
static void seg_stat(const struct vmm_shm_seg *s, struct shmid64_ds *ds)
{
	memset(ds, 0, sizeof(*ds));
	ds->shm_perm.key = s->key;
	ds->shm_perm.uid = s->uid;
	ds->shm_perm.gid = s->gid;
	ds->shm_perm.cuid = s->cuid;
	ds->shm_perm.cgid = s->cgid;
	ds->shm_perm.mode = s->mode;
	ds->shm_perm.seq = (unsigned short)(s->id / VMM_SHM_SEGS);
	ds->shm_segsz = s->size;
	ds->shm_atime = s->atime;
	ds->shm_dtime = s->dtime;
	ds->shm_ctime = s->ctime;
	ds->shm_cpid = s->cpid;
	ds->shm_lpid = s->lpid;
	ds->shm_nattch = (unsigned long)s->nattch;
}

static int highest_slot(const struct vmm_procs *b)
{
	int hi = 0;

	for (int i = 0; i < VMM_SHM_SEGS; i++)
		if (b->shm[i].id)
			hi = i;
	return hi;
}

/*
 * shmctl(id, cmd, buf): IPC_STAT, SHM_STAT and SHM_STAT_ANY, IPC_SET,
 * IPC_RMID, IPC_INFO and SHM_INFO; SHM_LOCK and SHM_UNLOCK succeed (the
 * pages are never swapped out by lstar).  What goes to the program is
 * built in host memory and copied out once, after the lock.
 */
int64_t vmm_sys_shmctl(struct vmm_vcpu *cpu, const uint64_t *a)
{
	struct vmm *vmm = cpu->vmm;
	struct vmm_procs *b = vmm->procs;
	int32_t id = (int32_t)a[0], cmd = (int32_t)a[1];
	union {
		struct shmid64_ds ds;
		struct shminfo64 info;
		struct shm_info sinfo;
	} out;
	size_t out_len = 0;
	struct vmm_shm_seg *s;
	int64_t ret = 0;

	if (!cpu->mem->shm_size)
		return -ENOSYS;
	if (cmd < 0 || id < 0)
		return -EINVAL;
	if (cmd == IPC_SET) {
		/* Copied before the lock: the program may change it. */
		if (vmm_mem_copy_from_user(cpu->mem, &out.ds, a[2], sizeof(out.ds)))
			return -EFAULT;
	}
	vmm_procs_lock(b);
	switch (cmd) {
	case IPC_INFO:
		memset(&out.info, 0, sizeof(out.info));
		out.info.shmmax = cpu->mem->shm_size;
		out.info.shmmin = 1;
		out.info.shmmni = VMM_SHM_SEGS;
		out.info.shmseg = VMM_SHM_ATTACHES;
		out.info.shmall = cpu->mem->shm_size / PAGE_SIZE;
		out_len = sizeof(out.info);
		ret = highest_slot(b);
		break;
	case SHM_INFO:
		memset(&out.sinfo, 0, sizeof(out.sinfo));
		for (int i = 0; i < VMM_SHM_SEGS; i++)
			if (b->shm[i].id) {
				out.sinfo.used_ids++;
				out.sinfo.shm_tot += seg_pages(&b->shm[i]) / PAGE_SIZE;
				out.sinfo.shm_rss += seg_pages(&b->shm[i]) / PAGE_SIZE;
			}
		out_len = sizeof(out.sinfo);
		ret = highest_slot(b);
		break;
	case SHM_STAT:
	case SHM_STAT_ANY:
		/* id is an index into the table here. */
		s = id < VMM_SHM_SEGS && b->shm[id].id ? &b->shm[id] : NULL;
		if (!s) {
			ret = -EINVAL;
		} else if (cmd == SHM_STAT && !may(cpu->proc, s, 0400)) {
			ret = -EACCES;
		} else {
			seg_stat(s, &out.ds);
			out_len = sizeof(out.ds);
			ret = s->id;
		}
		break;
	case IPC_STAT:
		if (!(s = seg_of(b, id))) {
			ret = -EINVAL;
		} else if (!may(cpu->proc, s, 0400)) {
			ret = -EACCES;
		} else {
			seg_stat(s, &out.ds);
			out_len = sizeof(out.ds);
		}
		break;
	case IPC_SET:
		if (!(s = seg_of(b, id))) {
			ret = -EINVAL;
		} else if (!owner(cpu->proc, s)) {
			ret = -EPERM;
		} else {
			s->uid = out.ds.shm_perm.uid;
			s->gid = out.ds.shm_perm.gid;
			s->mode = (s->mode & ~0777u) | (out.ds.shm_perm.mode & 0777);
			s->ctime = now_s();
		}
		break;
	case IPC_RMID:
		/* The key goes at once; the pages when the last attachment
		 * does (Linux's SHM_DEST). */
		if (!(s = seg_of(b, id))) {
			ret = -EINVAL;
		} else if (!owner(cpu->proc, s)) {
			ret = -EPERM;
		} else {
			s->mode |= SHM_DEST;
			s->key = IPC_PRIVATE;
			s->ctime = now_s();
			if (s->nattch <= 0)
				seg_destroy(vmm, s);
		}
		break;
	case SHM_LOCK:
	case SHM_UNLOCK:
		ret = seg_of(b, id) ? 0 : -EINVAL;
		break;
	default:
		ret = -EINVAL;
	}
	vmm_procs_unlock(b);
	if (ret >= 0 && out_len &&
	    vmm_mem_copy_to_user(cpu->mem, a[2], &out, out_len))
		return -EFAULT;
	return ret;
}

/* --- attachments (LSTAR_HC_SHM) ---------------------------------------- */

/* One attachment of segment s fewer (under the lock). */
static void seg_unref(struct vmm *vmm, struct vmm_shm_seg *s)
{
	s->lpid = vmm->me->pid;
	s->dtime = now_s();
	if (--s->nattch <= 0 && (s->mode & SHM_DEST))
		seg_destroy(vmm, s);
}

/* End attachment i of this process (under the lock). */
static void attach_end(struct vmm *vmm, int i)
{
	struct vmm_process *p = &vmm->proc;
	struct vmm_shm_seg *s = seg_of(vmm->procs, p->shm_att[i].id);

	if (s)
		seg_unref(vmm, s);
	p->shm_att[i] = p->shm_att[--p->nshm_att];
}

/* Does any page of attachment at still map a frame of its segment? */
static bool attach_mapped(const struct vmm *vmm, const struct vmm_shm_attach *at)
{
	const struct vmm_mem *m = &vmm->vm.mem;
	const struct vmm_shm_seg *s = &vmm->procs->shm[at->slot];
	uint64_t lo = m->shm_gpa + s->off, hi = lo + seg_pages(s);

	for (uint64_t va = at->start; va < at->end; va += PAGE_SIZE) {
		uint64_t f = vmm_mem_user_frame(m, va);

		if (f >= lo && f < hi)
			return true;
	}
	return false;
}

static int64_t shm_lookup(struct vmm *vmm, const struct lstar_hc_shm *h,
			  struct lstar_hc_shm *live)
{
	struct vmm_shm_seg *s = seg_of(vmm->procs, h->id);
	int err;

	if (!s)
		return -EINVAL;
	if (!may(&vmm->proc, s, (h->flags & SHM_RDONLY) ? 0400 : 0600))
		return -EACCES;
	if ((err = vmm_vm_use_slot(&vmm->vm, VMM_SLOT_SHM)))
		return err;
	live->gpa = vmm->vm.mem.shm_gpa + s->off;
	live->size = s->size;
	return 0;
}

static int64_t shm_attach(struct vmm *vmm, const struct lstar_hc_shm *h)
{
	struct vmm_process *p = &vmm->proc;
	struct vmm_shm_seg *s = seg_of(vmm->procs, h->id);

	/* Still the segment the shim mapped (another process may have
	 * removed it since LOOKUP), at a user range of its length. */
	if (!s || h->gpa != vmm->vm.mem.shm_gpa + s->off || h->size != seg_pages(s))
		return -EIDRM;
	if (h->addr % PAGE_SIZE || h->addr >= LSTAR_USER_TOP ||
	    h->size > LSTAR_USER_TOP - h->addr)
		return -EINVAL;
	if (p->nshm_att == VMM_SHM_ATTACHES)
		return -EMFILE;		/* SHMSEG */
	p->shm_att[p->nshm_att++] = (struct vmm_shm_attach){
		.start = h->addr, .end = h->addr + h->size,
		.slot = (int32_t)(s - vmm->procs->shm), .id = s->id,
	};
	s->nattch++;
	s->lpid = vmm->me->pid;
	s->atime = now_s();
	return 0;
}

static int64_t shm_detach(struct vmm *vmm, const struct lstar_hc_shm *h,
			  struct lstar_hc_shm *live)
{
	struct vmm_process *p = &vmm->proc;

	for (int i = 0; i < p->nshm_att; i++)
		if (p->shm_att[i].start == h->addr) {
			live->size = p->shm_att[i].end - p->shm_att[i].start;
			attach_end(vmm, i);
			return 0;
		}
	return -EINVAL;
}

/* Attachments in [addr, addr + size) that have no page left end. */
static int64_t shm_unmapped(struct vmm *vmm, const struct lstar_hc_shm *h)
{
	struct vmm_process *p = &vmm->proc;
	uint64_t end = h->size > UINT64_MAX - h->addr ? UINT64_MAX : h->addr + h->size;

	for (int i = 0; i < p->nshm_att;) {
		const struct vmm_shm_attach *at = &p->shm_att[i];

		if (at->start < end && h->addr < at->end && !attach_mapped(vmm, at))
			attach_end(vmm, i);	/* moves the last one here */
		else
			i++;
	}
	return 0;
}

int64_t vmm_shm_hcall(struct vmm_vcpu *cpu, const struct lstar_hc_shm *h,
		      struct lstar_hc_shm *live)
{
	struct vmm *vmm = cpu->vmm;
	int64_t ret;

	/* Shared file mappings end as attachments do (fmap.c). */
	if (h->op == LSTAR_SHM_UNMAPPED)
		vmm_fmap_unmapped(vmm, h->addr, h->size);
	if (h->op == LSTAR_SHM_FAULT) {
		uint64_t gpa = 0;
		int64_t ret = vmm_fmap_fault(vmm, h->addr, &gpa);

		live->gpa = gpa;
		return ret;
	}
	if (!cpu->mem->shm_size || !vmm->procs)
		return h->op == LSTAR_SHM_UNMAPPED ? 0 : -EINVAL;
	vmm_procs_lock(vmm->procs);
	switch (h->op) {
	case LSTAR_SHM_LOOKUP:
		ret = shm_lookup(vmm, h, live);
		break;
	case LSTAR_SHM_ATTACH:
		ret = shm_attach(vmm, h);
		break;
	case LSTAR_SHM_DETACH:
		ret = shm_detach(vmm, h, live);
		break;
	case LSTAR_SHM_UNMAPPED:
		ret = shm_unmapped(vmm, h);
		break;
	default:
		ret = -EINVAL;
	}
	vmm_procs_unlock(vmm->procs);
	return ret;
}

void vmm_shm_fork(struct vmm *vmm, int undo)
{
	struct vmm_process *p = &vmm->proc;

	if (!p->nshm_att)
		return;
	vmm_procs_lock(vmm->procs);
	for (int i = 0; i < p->nshm_att; i++) {
		struct vmm_shm_seg *s = seg_of(vmm->procs, p->shm_att[i].id);

		if (s && undo)
			seg_unref(vmm, s);
		else if (s)
			s->nattch++;
	}
	vmm_procs_unlock(vmm->procs);
}

void vmm_shm_detach_all(struct vmm *vmm)
{
	if (!vmm->proc.nshm_att || !vmm->procs)
		return;
	vmm_procs_lock(vmm->procs);
	while (vmm->proc.nshm_att)
		attach_end(vmm, vmm->proc.nshm_att - 1);
	vmm_procs_unlock(vmm->procs);
}
