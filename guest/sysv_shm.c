/* SPDX-License-Identifier: MIT */
/*
 * sysv_shm.c - System V shared memory, checked the same natively and
 * under lstar: shmget with IPC_PRIVATE and with keys, shmat and shmdt,
 * IPC_STAT and IPC_RMID, a parent and its forked child seeing each
 * other's writes (and a shared futex between them), SHM_RDONLY, the
 * address rules of shmat, munmap and madvise of an attachment.  Prints
 * a line for each check that failed (every check with -v; never an id
 * or an address), then a summary; exits 1 if any check failed.
 *
 * "sysv_shm hostile" makes the calls a hostile program would (huge and
 * wrapping sizes, addresses in the kernel half and across the top of
 * user space, bad buffers, the segment table and the attachments
 * exhausted): each must end in a clean errno, and the run in a summary.
 * Those are lstar's own limits, not compared with native.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "probe.h"

#define PG 4096UL
#define FUTEX_WAIT 0	/* linux/futex.h's (musl's headers lack it) */
#define FUTEX_WAKE 1

#ifndef SHM_REMAP
#define SHM_REMAP 040000
#endif
#ifndef SHM_DEST
#define SHM_DEST 01000
#endif

static long xshmget(long key, unsigned long size, long flg)
{
	return sys(SYS_shmget, key, (long)size, flg, 0, 0, 0);
}

static long xshmat(long id, unsigned long addr, long flg)
{
	return sys(SYS_shmat, id, (long)addr, flg, 0, 0, 0);
}

static long xshmdt(unsigned long addr)
{
	return sys(SYS_shmdt, (long)addr, 0, 0, 0, 0, 0);
}

static long xshmctl(long id, long cmd, void *buf)
{
	return sys(SYS_shmctl, id, cmd, (long)buf, 0, 0, 0);
}

static long nattch(long id)
{
	struct shmid_ds ds;

	if (xshmctl(id, IPC_STAT, &ds) < 0)
		return -1;
	return (long)ds.shm_nattch;
}

/* Can ring 3 write the page at p?  getrandom answers without a fault. */
static int writable(void *p)
{
	return sys(SYS_getrandom, (long)p, 1, 0, 0, 0, 0) == 1;
}

static void basics(void)
{
	struct shmid_ds ds;
	long id = xshmget(IPC_PRIVATE, 10000, IPC_CREAT | 0600), p, q;

	check("shmget IPC_PRIVATE", id >= 0);
	check_ret("IPC_STAT", xshmctl(id, IPC_STAT, &ds), 0);
	check("IPC_STAT: size as asked", ds.shm_segsz == 10000);
	check("IPC_STAT: mode", (ds.shm_perm.mode & 0777) == 0600);
	check("IPC_STAT: creator is the caller", ds.shm_cpid == getpid());
	check("IPC_STAT: no attachment yet", ds.shm_nattch == 0);
	check("IPC_STAT: key IPC_PRIVATE", ds.shm_perm.__key == IPC_PRIVATE);

	p = xshmat(id, 0, 0);
	check("shmat", p > 0 && p % PG == 0);
	check("a new segment reads zero", ((char *)p)[0] == 0 && ((char *)p)[9999] == 0);
	check_ret("one attachment", nattch(id), 1);
	strcpy((char *)p, "written through the first");
	q = xshmat(id, 0, 0);
	check("a second shmat, elsewhere", q > 0 && q != p);
	check("the second sees the first's write",
	      !strcmp((char *)q, "written through the first"));
	((char *)q)[9999] = 'z';
	check("the first sees the second's write", ((char *)p)[9999] == 'z');
	check_ret("two attachments", nattch(id), 2);
	check("the page past the size is the segment's too", writable((char *)q + 10000));
	check_ret("shmdt the second", xshmdt((unsigned long)q), 0);
	check_ret("one attachment again", nattch(id), 1);
	check_err("shmdt it again", xshmdt((unsigned long)q), EINVAL);
	check_err("shmdt inside an attachment", xshmdt((unsigned long)p + PG), EINVAL);
	check_err("shmdt unaligned", xshmdt((unsigned long)p + 1), EINVAL);

	/* madvise(DONTNEED) keeps a shared page's contents. */
	check_ret("madvise DONTNEED", sys(SYS_madvise, p, PG, MADV_DONTNEED, 0, 0, 0), 0);
	check("the contents stay", !strcmp((char *)p, "written through the first"));

	/* Removed while attached: the key goes, the pages stay until the
	 * last attachment does. */
	check_ret("IPC_RMID while attached", xshmctl(id, IPC_RMID, NULL), 0);
	check_ret("IPC_STAT after IPC_RMID", xshmctl(id, IPC_STAT, &ds), 0);
	check("marked SHM_DEST", (ds.shm_perm.mode & SHM_DEST) != 0);
	check("still readable", !strcmp((char *)p, "written through the first"));
	check_ret("shmdt the last", xshmdt((unsigned long)p), 0);
	check_err("gone with it", xshmctl(id, IPC_STAT, &ds), EINVAL);
	check_err("shmat of the gone id", xshmat(id, 0, 0), EINVAL);

	id = xshmget(IPC_PRIVATE, PG, 0600);
	check_ret("IPC_RMID unattached", xshmctl(id, IPC_RMID, NULL), 0);
	check_err("gone at once", xshmctl(id, IPC_STAT, &ds), EINVAL);
	check_err("shmget size 0", xshmget(IPC_PRIVATE, 0, 0600), EINVAL);
	check_err("shmctl of a bad id", xshmctl(0x7ffffff0, IPC_STAT, &ds), EINVAL);
	check_err("shmctl with an unknown cmd", xshmctl(0, 99, &ds), EINVAL);
	check_err("shmat of a bad id", xshmat(0x7ffffff0, 0, 0), EINVAL);
	check_err("shmat of a negative id", xshmat(-1, 0, 0), EINVAL);
}

static void keys(void)
{
	long key = 0x15000000 + (getpid() & 0xffffff), id, again;
	struct shmid_ds ds;

	/* A key nobody else has: this pid's. */
	xshmctl(xshmget(key, PG, 0600), IPC_RMID, NULL);
	check_err("shmget of a missing key", xshmget(key, PG, 0600), ENOENT);
	id = xshmget(key, 2 * PG, IPC_CREAT | 0640);
	check("shmget IPC_CREAT of a key", id >= 0);
	again = xshmget(key, PG, 0);
	check("shmget of the key finds it", again == id);
	check("and with IPC_CREAT too", xshmget(key, 2 * PG, IPC_CREAT | 0600) == id);
	check_err("IPC_CREAT|IPC_EXCL of it", xshmget(key, PG, IPC_CREAT | IPC_EXCL | 0600), EEXIST);
	check_err("larger than it is", xshmget(key, 3 * PG, 0), EINVAL);
	check_ret("IPC_STAT", xshmctl(id, IPC_STAT, &ds), 0);
	check("IPC_STAT: its key", ds.shm_perm.__key == key);
	ds.shm_perm.mode = 0400;
	check_ret("IPC_SET mode 0400", xshmctl(id, IPC_SET, &ds), 0);
	check_ret("IPC_STAT", xshmctl(id, IPC_STAT, &ds), 0);
	check("IPC_SET took", (ds.shm_perm.mode & 0777) == 0400);
	/* Not checked here: root natively passes by CAP_IPC_OWNER
	 * (the hostile part checks them under lstar, never root). */
	check("shmat SHM_RDONLY of a 0400 segment", xshmat(id, 0, SHM_RDONLY) > 0);
	check_ret("IPC_RMID", xshmctl(id, IPC_RMID, NULL), 0);
	check_err("the key is gone", xshmget(key, PG, 0600), ENOENT);
}

static void rdonly_and_addresses(void)
{
	long id = xshmget(IPC_PRIVATE, 2 * PG, 0600), p, q, r;
	char *anon;

	p = xshmat(id, 0, 0);
	strcpy((char *)p, "rw");
	q = xshmat(id, 0, SHM_RDONLY);
	check("shmat SHM_RDONLY", q > 0);
	check("reads the segment", !strcmp((char *)q, "rw"));
	check("not writable", !writable((void *)q));
	check_err("mprotect it writable", sys(SYS_mprotect, q, PG, PROT_READ | PROT_WRITE, 0, 0, 0),
		  EACCES);
	check_ret("mprotect it PROT_NONE", sys(SYS_mprotect, q, PG, PROT_NONE, 0, 0, 0), 0);
	check_ret("and readable again", sys(SYS_mprotect, q, PG, PROT_READ, 0, 0, 0), 0);
	check("with the same page", !strcmp((char *)q, "rw"));
	check_ret("shmdt", xshmdt((unsigned long)q), 0);

	/* An address: aligned, or rounded with SHM_RND; not over a mapping
	 * unless SHM_REMAP. */
	anon = (char *)sys(SYS_mmap, 0, 4 * PG, PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	check_err("shmat over a mapping", xshmat(id, (unsigned long)anon, 0), EINVAL);
	check_err("shmat unaligned", xshmat(id, (unsigned long)anon + 1, 0), EINVAL);
	r = xshmat(id, (unsigned long)anon + 1, SHM_RND | SHM_REMAP);
	check("SHM_RND|SHM_REMAP over it", r == (long)anon);
	check("it is the segment", !strcmp(anon, "rw"));
	check_err("SHM_REMAP without an address", xshmat(id, 0, SHM_REMAP), EINVAL);
	check("the anonymous rest is there", writable(anon + 3 * PG));
	check_ret("shmdt", xshmdt((unsigned long)r), 0);
	check("the place is free again", !writable(anon));
	check_ret("the rest unmapped", sys(SYS_munmap, (long)anon + 2 * PG, 2 * PG, 0, 0, 0, 0), 0);

	/* munmap ends an attachment once no page of it is left. */
	q = xshmat(id, 0, 0);
	check_ret("two attachments", nattch(id), 2);
	check_ret("munmap half of one", sys(SYS_munmap, q, PG, 0, 0, 0, 0), 0);
	check_ret("still two", nattch(id), 2);
	check_ret("munmap the rest", sys(SYS_munmap, q + PG, PG, 0, 0, 0, 0), 0);
	check_ret("one left", nattch(id), 1);
	check_ret("IPC_RMID", xshmctl(id, IPC_RMID, NULL), 0);
	check_ret("shmdt", xshmdt((unsigned long)p), 0);
}

static void with_a_child(void)
{
	long id = xshmget(IPC_PRIVATE, 3 * PG, 0600), p;
	volatile uint32_t *word;
	int status = -1;
	pid_t pid;

	p = xshmat(id, 0, 0);
	word = (volatile uint32_t *)(p + 2 * PG);
	strcpy((char *)p, "from the parent");
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		long q;
		int bad = 0;

		/* The child: the parent's attachment came along. */
		bad |= strcmp((char *)p, "from the parent") != 0;
		bad |= nattch(id) != 2;
		q = xshmat(id, 0, 0);
		bad |= nattch(id) != 3;
		strcpy((char *)q + PG, "from the child");
		/* Wake the parent through a futex in the segment. */
		__atomic_store_n(word, 1, __ATOMIC_SEQ_CST);
		sys(SYS_futex, (long)word, FUTEX_WAKE, 1, 0, 0, 0);
		_exit(bad);
	}
	while (!__atomic_load_n(word, __ATOMIC_SEQ_CST))
		sys(SYS_futex, (long)word, FUTEX_WAIT, 0, 0, 0, 0);
	check("a shared futex woke the parent", *word == 1);
	check("fork", pid > 0);
	check("the child saw the segment and its counts",
	      waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	check("the parent sees the child's write", !strcmp((char *)p + PG, "from the child"));
	check_ret("the child's attachments ended with it", nattch(id), 1);
	check_ret("IPC_RMID", xshmctl(id, IPC_RMID, NULL), 0);
	check_ret("shmdt", xshmdt((unsigned long)p), 0);
}

/* --- hostile ------------------------------------------------------------ */

static void hostile(void)
{
	long id = xshmget(IPC_PRIVATE, PG, 0600), ids[200], atts[300];
	struct shmid_ds ds;
	int n, made = 0;

	check_ret("IPC_STAT", xshmctl(id, IPC_STAT, &ds), 0);

	check_err("size 2^62", xshmget(IPC_PRIVATE, 1UL << 62, 0600), EINVAL);
	check_err("size ~0", xshmget(IPC_PRIVATE, ~0UL, 0600), EINVAL);
	check_err("size past the region", xshmget(IPC_PRIVATE, 1UL << 40, 0600), EINVAL);
	check_err("shmat in the kernel half", xshmat(id, 0xffff888000000000UL, 0), EINVAL);
	check_err("shmat across the top", xshmat(id, 0x00007ffffffff000UL, 0), EINVAL);
	check_err("shmat below mmap_min", xshmat(id, PG, SHM_REMAP), EINVAL);
	check_err("shmdt in the kernel half", xshmdt(0xffffffff80000000UL), EINVAL);
	check_err("shmdt of nothing", xshmdt(0x10000000UL), EINVAL);
	check_err("IPC_STAT into the kernel", xshmctl(id, IPC_STAT, (void *)0xffff888000000000UL),
		  EFAULT);
	check_err("IPC_STAT into nothing", xshmctl(id, IPC_STAT, (void *)16), EFAULT);
	check_err("IPC_SET from nothing", xshmctl(id, IPC_SET, (void *)16), EFAULT);
	check_err("cmd with IPC_64", xshmctl(id, IPC_STAT | 0x100, NULL), EINVAL);
	check_err("negative id", xshmctl(-5, IPC_STAT, NULL), EINVAL);
	check_err("SHM_STAT of index 100000", xshmctl(100000, SHM_STAT, NULL), EINVAL);
	ds.shm_perm.mode = 0400;
	check_ret("IPC_SET mode 0400", xshmctl(id, IPC_SET, &ds), 0);
	check_err("shmat for writing a 0400 segment", xshmat(id, 0, 0), EACCES);
	check_err("IPC_STAT of a 0200 segment", (ds.shm_perm.mode = 0200,
		  xshmctl(id, IPC_SET, &ds), xshmctl(id, IPC_STAT, &ds)), EACCES);
	ds.shm_perm.mode = 0600;
	check_ret("IPC_SET mode 0600", xshmctl(id, IPC_SET, &ds), 0);

	/* Exhaust the attachments, then the segment table. */
	for (n = 0; n < 300; n++)
		if ((atts[n] = xshmat(id, 0, 0)) < 0)
			break;
	check("attachments run out", n < 300);
	check("with EMFILE", n < 300 && errno == EMFILE);
	for (int i = 0; i < n; i++)
		xshmdt((unsigned long)atts[i]);
	check_ret("all detached", nattch(id), 0);
	for (n = 0; n < 200; n++) {
		if ((ids[n] = xshmget(IPC_PRIVATE, PG, 0600)) < 0)
			break;
		made++;
	}
	check("segments run out", n < 200);
	check("with ENOSPC", n < 200 && errno == ENOSPC);
	while (made--)
		xshmctl(ids[made], IPC_RMID, NULL);
	/* The region (--mem) runs out: ENOSPC, never a crash. */
	n = 0;
	for (int i = 0; i < 100; i++) {
		long s = xshmget(IPC_PRIVATE, 8UL << 20, 0600);

		if (s < 0) {
			check("the region runs out with ENOSPC", errno == ENOSPC);
			n = 1;
			break;
		}
		ids[made = i] = s;
	}
	check("the region ran out", n == 1);
	for (; made >= 0; made--)
		xshmctl(ids[made], IPC_RMID, NULL);
	check_ret("IPC_RMID", xshmctl(id, IPC_RMID, NULL), 0);
	check("a segment can be had again", (id = xshmget(IPC_PRIVATE, 8UL << 20, 0600)) >= 0);
	xshmctl(id, IPC_RMID, NULL);
}

/* "private KEY": no segment of that key is to be seen (the host's and
 * an earlier sandbox's are not this one's); make one and leave it. */
static void private_key(long key)
{
	check_err("the key is nobody's here", xshmget(key, PG, 0600), ENOENT);
	check("a segment of that key is made", xshmget(key, PG, IPC_CREAT | 0600) >= 0);
}

int main(int argc, char **argv)
{
	probe_init(argc, argv);
	if (argc > 2 && !strcmp(argv[argc - 2], "private")) {
		private_key(strtol(argv[argc - 1], NULL, 0));
		return probe_summary("sysv_shm private");
	}
	if (argc > 1 && !strcmp(argv[argc - 1], "hostile")) {
		hostile();
		return probe_summary("sysv_shm hostile");
	}
	basics();
	keys();
	rdonly_and_addresses();
	with_a_child();
	return probe_summary("sysv_shm");
}
