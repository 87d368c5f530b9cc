/* SPDX-License-Identifier: MIT */
/*
 * net_dns.c - what a program sees of `net dns` (docs/DECISIONS.md,
 * "Network"): the made-up /etc/resolv.conf and /etc/hosts, and name
 * resolution through them.
 *
 *   net_dns show [NAME...]  print both files as read, then what
 *                           getaddrinfo gives for localhost and each NAME
 *                           (its addresses, sorted, or the EAI_ error)
 *   net_dns files [-v]      the files behave as small read-only regular
 *                           files: stat, read, pread, lseek, mmap, /etc's
 *                           listing (a probe: checks and a summary)
 *   net_dns tamper DIR [-v] every way to change them fails, from DIR (a
 *                           writable tree) too, and they stay as they were
 *   net_dns absent [-v]     without net dns: /etc/resolv.conf and
 *                           /etc/hosts do not exist
 *   net_dns reach ADDR PORT a UDP datagram and a TCP connect to ADDR:PORT:
 *                           "udp ERRNO tcp ERRNO" (the sandbox's answer,
 *                           not the peer's: "0" for the datagram sent)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "probe.h"

#define RESOLV	"/etc/resolv.conf"
#define HOSTS	"/etc/hosts"

/* The whole of path, as read(2) gives it, into buf; its length or -1. */
static long slurp(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY);
	size_t used = 0;
	ssize_t n;

	if (fd < 0)
		return -1;
	while (used < cap - 1 && (n = read(fd, buf + used, cap - 1 - used)) > 0)
		used += (size_t)n;
	close(fd);
	buf[used] = '\0';
	return (long)used;
}

static const char *eai_name(int e)
{
	switch (e) {
	case EAI_NONAME: return "EAI_NONAME";
	case EAI_AGAIN: return "EAI_AGAIN";
	case EAI_FAIL: return "EAI_FAIL";
	case EAI_FAMILY: return "EAI_FAMILY";
	case EAI_SYSTEM: return "EAI_SYSTEM";
#ifdef EAI_NODATA
	case EAI_NODATA: return "EAI_NODATA";
#endif
	default: return "EAI_?";
	}
}

static int by_text(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

/* "NAME: ADDR ADDR ..." (each once, sorted), or "NAME: EAI_..." */
static void resolve(const char *name)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char addrs[16][INET6_ADDRSTRLEN];
	int n = 0, e = getaddrinfo(name, NULL, &hints, &res);

	if (e) {
		printf("%s: %s\n", name, eai_name(e));
		return;
	}
	for (ai = res; ai && n < 16; ai = ai->ai_next) {
		const void *a = ai->ai_family == AF_INET ?
				(const void *)&((struct sockaddr_in *)ai->ai_addr)->sin_addr :
				(const void *)&((struct sockaddr_in6 *)ai->ai_addr)->sin6_addr;
		bool seen = false;

		inet_ntop(ai->ai_family, a, addrs[n], sizeof(addrs[n]));
		for (int i = 0; i < n && !seen; i++)
			seen = !strcmp(addrs[i], addrs[n]);
		if (!seen)
			n++;
	}
	freeaddrinfo(res);
	qsort(addrs, (size_t)n, sizeof(addrs[0]), by_text);
	printf("%s:", name);
	for (int i = 0; i < n; i++)
		printf(" %s", addrs[i]);
	printf("\n");
}

static int show(int argc, char **argv)
{
	static char buf[65536];

	printf("== %s\n", RESOLV);
	if (slurp(RESOLV, buf, sizeof(buf)) < 0)
		printf("(%s)\n", errname(errno));
	else
		fputs(buf, stdout);
	printf("== %s\n", HOSTS);
	if (slurp(HOSTS, buf, sizeof(buf)) < 0)
		printf("(%s)\n", errname(errno));
	else
		fputs(buf, stdout);
	printf("==\n");
	resolve("localhost");
	for (int i = 0; i < argc; i++)
		resolve(argv[i]);
	return 0;
}

static int files(void)
{
	static char whole[65536], part[65536];
	long size = slurp(RESOLV, whole, sizeof(whole));
	struct stat st, fst;
	char small[8];
	bool listed_resolv = false, listed_hosts = false;
	struct dirent *d;
	DIR *dir;
	int fd, fd2;
	void *map;

	check("read " RESOLV, size >= 0);
	check_err("stat " RESOLV, stat(RESOLV, &st), 0);
	check("  a regular file", S_ISREG(st.st_mode));
	check("  mode 0444", (st.st_mode & 07777) == 0444);
	check("  its size is what read gave", st.st_size == size);
	check("  owned by nobody (root's)", st.st_uid == 65534 && st.st_gid == 65534);
	check("  one link", st.st_nlink == 1);
	check_err("stat " HOSTS, stat(HOSTS, &st), 0);
	check("  a regular file, 0444", S_ISREG(st.st_mode) && (st.st_mode & 07777) == 0444);
	check_err("lstat " HOSTS, lstat(HOSTS, &st), 0);
	check("  no symlink", S_ISREG(st.st_mode));

	fd = open(RESOLV, O_RDONLY | O_CLOEXEC);
	check_err("open " RESOLV, fd, 0);
	check_err("fstat", fstat(fd, &fst), 0);
	check("  the same as stat", fst.st_size == size && S_ISREG(fst.st_mode));
	/* Each open has its offset: a second one starts at 0. */
	check_ret("read 8", read(fd, small, sizeof(small)), size < 8 ? size : 8);
	fd2 = open(RESOLV, O_RDONLY);
	check_ret("a second open reads from 0", read(fd2, part, sizeof(part)), size);
	check("  the same bytes", !memcmp(part, whole, (size_t)size));
	check_ret("  then end of file", read(fd2, part, sizeof(part)), 0);
	check_ret("the first goes on at 8", read(fd, part, sizeof(part)),
		  size < 8 ? 0 : size - 8);
	check("  with the rest", size < 8 || !memcmp(part, whole + 8, (size_t)(size - 8)));
	check_ret("pread at 2", pread(fd, part, 4, 2), size < 6 ? size - 2 : 4);
	check("  the bytes there", !memcmp(part, whole + 2, 4));
	check_ret("pread past the end", pread(fd, part, 4, size + 100), 0);
	check_ret("lseek SEEK_END", lseek(fd, 0, SEEK_END), size);
	check_ret("lseek SEEK_SET 1", lseek(fd, 1, SEEK_SET), 1);
	check_ret("lseek SEEK_CUR 2", lseek(fd, 2, SEEK_CUR), 3);
	check_err("lseek to -1", lseek(fd, -10, SEEK_SET), EINVAL);
	check_ret("read after lseek", read(fd, part, 2), 2);
	check("  the bytes at 3", !memcmp(part, whole + 3, 2));
	check_err("lseek SEEK_DATA past the end", lseek(fd, size, SEEK_DATA), ENXIO);
	check_ret("lseek SEEK_HOLE", lseek(fd, 0, SEEK_HOLE), size);
	map = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
	check("mmap MAP_PRIVATE", map != MAP_FAILED);
	check("  the file's bytes", map != MAP_FAILED && !memcmp(map, whole, (size_t)size));
	if (map != MAP_FAILED)
		munmap(map, 4096);
	check_err("write to a read-only open", write(fd, "x", 1), EBADF);
	check_err("ftruncate", ftruncate(fd, 0), EINVAL);
	check_err("fsync", fsync(fd), 0);
	close(fd);
	close(fd2);

	/* /etc lists them (a made-up directory, or a tree's). */
	dir = opendir("/etc");
	check("opendir /etc", dir != NULL);
	while (dir && (d = readdir(dir))) {
		listed_resolv |= !strcmp(d->d_name, "resolv.conf");
		listed_hosts |= !strcmp(d->d_name, "hosts");
	}
	if (dir)
		closedir(dir);
	check("  lists resolv.conf and hosts", listed_resolv && listed_hosts);
	check_err("stat /etc", stat("/etc", &st), 0);
	check("  a directory", S_ISDIR(st.st_mode));
	check_err("chdir /etc", chdir("/etc"), 0);
	check("  then hosts by a relative name",
	      slurp("hosts", part, sizeof(part)) > 0 && strstr(part, "localhost"));
	check_err("open resolv.conf/ (a file)", open(RESOLV "/", O_RDONLY), ENOTDIR);
	check_err("open resolv.conf/x", open(RESOLV "/x", O_RDONLY), ENOTDIR);
	check_err("open O_DIRECTORY", open(RESOLV, O_RDONLY | O_DIRECTORY), ENOTDIR);
	check_err("access R_OK", access(RESOLV, R_OK), 0);
	check_err("access X_OK", access(RESOLV, X_OK), EACCES);
	return probe_summary("net_dns files");
}

/* Does path still read as want? */
static bool unchanged(const char *path, const char *want)
{
	static char buf[65536];

	return slurp(path, buf, sizeof(buf)) >= 0 && !strcmp(buf, want);
}

static int tamper(const char *dir)
{
	static char resolv[65536], hosts[65536];
	char mine[4096], lnk[4096], other[4096];
	int fd;

	check("read " RESOLV, slurp(RESOLV, resolv, sizeof(resolv)) >= 0);
	check("read " HOSTS, slurp(HOSTS, hosts, sizeof(hosts)) >= 0);
	snprintf(mine, sizeof(mine), "%s/mine", dir);
	snprintf(lnk, sizeof(lnk), "%s/link", dir);
	snprintf(other, sizeof(other), "%s/other", dir);
	fd = open(mine, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	check_err("create a file in the writable tree", fd, 0);
	check_ret("  write it", write(fd, "nameserver 192.0.2.66\n", 22), 22);
	close(fd);

	check_err("open O_WRONLY", open(RESOLV, O_WRONLY), EROFS);
	check_err("open O_RDWR", open(HOSTS, O_RDWR), EROFS);
	check_err("open O_RDONLY|O_TRUNC", open(RESOLV, O_RDONLY | O_TRUNC), EROFS);
	check_err("open O_WRONLY|O_APPEND", open(RESOLV, O_WRONLY | O_APPEND), EROFS);
	check_err("open O_CREAT|O_EXCL", open(HOSTS, O_RDONLY | O_CREAT | O_EXCL, 0644), EEXIST);
	check_err("creat", creat(RESOLV, 0644), EROFS);
	check_err("truncate", truncate(RESOLV, 0), EROFS);
	check_err("unlink", unlink(RESOLV), EROFS);
	check_err("rmdir", rmdir(HOSTS), EROFS);
	check_err("rename it away", rename(RESOLV, other), EROFS);
	check_err("rename a file over it", rename(mine, RESOLV), EROFS);
	check_err("rename a file over hosts", rename(mine, HOSTS), EROFS);
	check_err("link to it", link(RESOLV, other), EPERM);
	check_err("link a file over it", link(mine, HOSTS), EEXIST);
	check_err("symlink at its name", symlink(mine, RESOLV), EEXIST);
	check_err("mkdir at its name", mkdir(HOSTS, 0755), EEXIST);
	check_err("chmod", chmod(RESOLV, 0666), EROFS);
	check_err("utimensat", utimensat(AT_FDCWD, HOSTS, NULL, 0), EROFS);
	check_err("access W_OK", access(RESOLV, W_OK), EROFS);
	fd = open(RESOLV, O_RDONLY);
	check_err("fchmod of an open", fchmod(fd, 0666), EPERM);
	check_err("futimens of an open", futimens(fd, NULL), EPERM);
	check_err("write to it", write(fd, "x", 1), EBADF);
	check_err("pwrite to it", pwrite(fd, "x", 1, 0), EBADF);
	check("mmap MAP_SHARED|PROT_WRITE", mmap(NULL, 4096, PROT_READ | PROT_WRITE,
						 MAP_SHARED, fd, 0) == MAP_FAILED);
	close(fd);
	/* Through a symlink the program made: the same file, as read-only. */
	check_err("symlink to it in the tree", symlink(RESOLV, lnk), 0);
	check_err("  open it to write", open(lnk, O_WRONLY | O_TRUNC), EROFS);
	check("  read it", unchanged(lnk, resolv));
	check_err("  unlink the link", unlink(lnk), 0);
	/* /etc is lstar's when no tree holds it. */
	check_err("create in /etc", open("/etc/other", O_WRONLY | O_CREAT, 0644), EROFS);
	check_err("mkdir in /etc", mkdir("/etc/d", 0755), EROFS);
	check_err("rename /etc", rename("/etc", other), EROFS);
	check_err("rmdir /etc", rmdir("/etc"), EROFS);

	check(RESOLV " unchanged", unchanged(RESOLV, resolv));
	check(HOSTS " unchanged", unchanged(HOSTS, hosts));
	return probe_summary("net_dns tamper");
}

static int absent(void)
{
	struct stat st;

	check_err("open " RESOLV, open(RESOLV, O_RDONLY), ENOENT);
	check_err("open " HOSTS, open(HOSTS, O_RDONLY), ENOENT);
	check_err("stat " RESOLV, stat(RESOLV, &st), ENOENT);
	check_err("opendir /etc", open("/etc", O_RDONLY | O_DIRECTORY), ENOENT);
	return probe_summary("net_dns absent");
}

/* errname, and the network's errnos errname.h does not know. */
static const char *net_errname(int e)
{
	switch (e) {
	case EAFNOSUPPORT: return "EAFNOSUPPORT";
	case ECONNREFUSED: return "ECONNREFUSED";
	case ENETUNREACH: return "ENETUNREACH";
	default: return errname(e);
	}
}

/* What the sandbox says to a datagram and a connect to addr:port. */
static int reach(const char *addr, const char *port)
{
	struct sockaddr_storage ss = { 0 };
	struct sockaddr_in *in = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	int fd, r;

	if (inet_pton(AF_INET, addr, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons((uint16_t)atoi(port));
		len = sizeof(*in);
	} else if (inet_pton(AF_INET6, addr, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons((uint16_t)atoi(port));
		len = sizeof(*in6);
	} else {
		fprintf(stderr, "net_dns: %s: not an address\n", addr);
		return 2;
	}
	fd = socket(ss.ss_family, SOCK_DGRAM, 0);
	r = fd < 0 ? -1 : (int)sendto(fd, "", 1, 0, (struct sockaddr *)&ss, len);
	printf("udp %s", r < 0 ? net_errname(errno) : "0");
	if (fd >= 0)
		close(fd);
	fd = socket(ss.ss_family, SOCK_STREAM, 0);
	/* Refused by the sandbox (EACCES), or by nobody listening. */
	r = fd < 0 ? -1 : connect(fd, (struct sockaddr *)&ss, len);
	printf(" tcp %s\n", r < 0 ? net_errname(errno) : "0");
	if (fd >= 0)
		close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	/* -v after the mode (and its argument) */
	verbose = argc > 2 && !strcmp(argv[argc - 1], "-v");
	if (!strcmp(mode, "show"))
		return show(argc - 2, argv + 2);
	if (!strcmp(mode, "files"))
		return files();
	if (!strcmp(mode, "tamper") && argc > 2)
		return tamper(argv[2]);
	if (!strcmp(mode, "absent"))
		return absent();
	if (!strcmp(mode, "reach") && argc > 3)
		return reach(argv[2], argv[3]);
	fprintf(stderr, "usage: net_dns show [NAME...] | files | tamper DIR | absent [-v] | "
		"reach ADDR PORT\n");
	return 2;
}
