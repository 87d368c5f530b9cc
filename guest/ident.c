/* SPDX-License-Identifier: MIT */
/*
 * ident.c - who a program is told it is (lstar run --uid, --gid,
 * --hostname, --rlimit), from every place it can ask:
 *   ident ids [PATH]   its ids from getuid & co, getresuid, getresgid and
 *                      the auxv; the si_uid of a signal
 *                      it sends itself, of one its parent sends it, of its
 *                      child's SIGCHLD and of waitid; a System V segment's
 *                      owner; its forked child's ids; PATH's owner (stat)
 *   ident groups       getgroups: the count, then the list
 *   ident uname        its host name, from uname and gethostname
 *   ident limits       every resource limit, then its forked child's
 * Each line is one fact, the same natively when the run's values are the
 * caller's own.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t usr1_uid = -1;

static void on_usr1(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	usr1_uid = (sig_atomic_t)si->si_uid;
}

static void print_ids(const char *who)
{
	uid_t r, e, s;
	gid_t rg, eg, sg;

	printf("%s: uid %u euid %u gid %u egid %u\n", who, getuid(), geteuid(), getgid(),
	       getegid());
	if (getresuid(&r, &e, &s) || getresgid(&rg, &eg, &sg))
		printf("%s: getresuid/getresgid failed: %m\n", who);
	else
		printf("%s: resuid %u %u %u resgid %u %u %u\n", who, r, e, s, rg, eg, sg);
}

static int ids(const char *path)
{
	struct sigaction sa = { .sa_sigaction = on_usr1, .sa_flags = SA_SIGINFO };
	sigset_t usr1, chld;
	siginfo_t si;
	pid_t pid;
	int id;

	print_ids("self");
	printf("auxv: uid %lu euid %lu gid %lu egid %lu\n", getauxval(AT_UID),
	       getauxval(AT_EUID), getauxval(AT_GID), getauxval(AT_EGID));

	/* A signal to itself: the shim's own siginfo. */
	sigaction(SIGUSR1, &sa, NULL);
	kill(getpid(), SIGUSR1);
	printf("kill self: si_uid %d\n", (int)usr1_uid);

	/* A segment it makes is its own. */
	if ((id = shmget(IPC_PRIVATE, 4096, 0600)) >= 0) {
		struct shmid_ds ds;

		if (shmctl(id, IPC_STAT, &ds) == 0)
			printf("shm: uid %u gid %u cuid %u cgid %u\n", ds.shm_perm.uid,
			       ds.shm_perm.gid, ds.shm_perm.cuid, ds.shm_perm.cgid);
		shmctl(id, IPC_RMID, NULL);
	}

	/* A child: its ids, a signal from its parent, then its end as the
	 * parent hears of it (SIGCHLD, then waitid).  SIGUSR1 stays blocked
	 * until the child waits for it, so the kill cannot come too soon. */
	sigemptyset(&usr1);
	sigaddset(&usr1, SIGUSR1);
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &usr1, NULL);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	fflush(stdout);
	usr1_uid = -1;
	if ((pid = fork()) == 0) {
		sigset_t none;

		print_ids("child");
		sigemptyset(&none);
		while (usr1_uid == -1)
			sigsuspend(&none);
		printf("child: kill from parent: si_uid %d\n", (int)usr1_uid);
		fflush(stdout);
		_exit(3);
	}
	if (pid < 0) {
		printf("fork failed: %m\n");
		return 1;
	}
	kill(pid, SIGUSR1);
	{
		struct timespec ts = { 10, 0 };

		if (sigtimedwait(&chld, &si, &ts) == SIGCHLD)
			printf("SIGCHLD: code %d status %d si_uid %u\n", si.si_code,
			       si.si_status, si.si_uid);
	}
	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED) == 0)
		printf("waitid: code %d status %d si_uid %u\n", si.si_code, si.si_status,
		       si.si_uid);

	if (path) {
		struct stat st;

		if (stat(path, &st) == 0)
			printf("stat: uid %u gid %u\n", st.st_uid, st.st_gid);
		else
			printf("stat: %m\n");
	}
	return 0;
}

static int groups(void)
{
	gid_t list[64];
	int n = getgroups(0, NULL), m;

	printf("getgroups(0): %d\n", n);
	if ((m = getgroups(64, list)) < 0) {
		printf("getgroups: %m\n");
		return 1;
	}
	printf("groups:");
	for (int i = 0; i < m; i++)
		printf(" %u", list[i]);
	printf("\n");
	static volatile int minus_one = -1;	/* hidden from -Wstringop-overflow */

	printf("getgroups(-1): %s\n", getgroups(minus_one, list) < 0 && errno == EINVAL ?
	       "EINVAL" : "not EINVAL");
	return 0;
}

static int hostname(void)
{
	struct utsname u;
	char name[256];

	if (uname(&u) || gethostname(name, sizeof(name))) {
		printf("uname/gethostname: %m\n");
		return 1;
	}
	printf("nodename %s\nhostname %s\n", u.nodename, name);
	return 0;
}

static void print_limits(const char *who)
{
	static const struct {
		int r;
		const char *name;
	} res[] = {
		{ RLIMIT_AS, "as" }, { RLIMIT_CORE, "core" }, { RLIMIT_CPU, "cpu" },
		{ RLIMIT_DATA, "data" }, { RLIMIT_FSIZE, "fsize" }, { RLIMIT_LOCKS, "locks" },
		{ RLIMIT_MEMLOCK, "memlock" }, { RLIMIT_MSGQUEUE, "msgqueue" },
		{ RLIMIT_NICE, "nice" }, { RLIMIT_NOFILE, "nofile" }, { RLIMIT_NPROC, "nproc" },
		{ RLIMIT_RSS, "rss" }, { RLIMIT_RTPRIO, "rtprio" }, { RLIMIT_RTTIME, "rttime" },
		{ RLIMIT_SIGPENDING, "sigpending" }, { RLIMIT_STACK, "stack" },
	};

	for (size_t i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
		struct rlimit l;

		if (getrlimit(res[i].r, &l)) {
			printf("%s: %s: %m\n", who, res[i].name);
			continue;
		}
		printf("%s: %s ", who, res[i].name);
		if (l.rlim_cur == RLIM_INFINITY)
			printf("unlimited ");
		else
			printf("%llu ", (unsigned long long)l.rlim_cur);
		if (l.rlim_max == RLIM_INFINITY)
			printf("unlimited\n");
		else
			printf("%llu\n", (unsigned long long)l.rlim_max);
	}
}

static int limits(void)
{
	pid_t pid;
	int status;

	print_limits("self");
	fflush(stdout);
	if ((pid = fork()) == 0) {
		print_limits("child");
		fflush(stdout);
		_exit(0);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return 1;
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";

	if (!strcmp(mode, "ids"))
		return ids(argc > 2 ? argv[2] : NULL);
	if (!strcmp(mode, "groups"))
		return groups();
	if (!strcmp(mode, "limits"))
		return limits();
	if (!strcmp(mode, "uname"))
		return hostname();
	fprintf(stderr, "usage: ident ids [PATH] | groups | uname | limits\n");
	return 2;
}
