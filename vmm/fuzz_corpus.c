/* SPDX-License-Identifier: MIT */
/*
 * fuzz_corpus.c - `lstar fuzz --corpus DIR`: each file of DIR run once.
 *
 * The driver is a fork-server client, as afl-fuzz is: it starts the VMM
 * as a child process with the protocol's pipes on descriptors 198 and 199
 * (fuzz.c), puts each input where the program reads it (a memfd as its
 * standard input, or the --input-file path), says go, and reads back the
 * sentinel's pid and the execution's wait status.  An execution that
 * outlasts --timeout is cut short by killing the sentinel, as afl-fuzz
 * does.  The driver runs no guest code; what it reads from the VMM is
 * four-byte numbers it only prints.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "lstar_fuzz.h"
#include "vmm.h"

/* How long the program may take to start and reach its input. */
#define STARTUP_SECONDS	60.0

struct driver {
	const struct vmm_options *opt;
	int ctl, st;			/* our ends of the protocol's pipes */
	int input;			/* the memfd of --stdin, or -1 */
	pid_t vmm;
	double timeout;			/* per execution; 0: none */
};

static int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* The whole regular file at dirfd/name (malloc'd), or NULL with errno. */
static char *slurp(int dirfd, const char *name, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *buf = NULL;
	size_t got = 0;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !(buf = malloc((size_t)st.st_size + 1)))
		goto fail;
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	*len = got;
	return buf;
fail:
	free(buf);
	close(fd);
	return NULL;
}

/* Put the input where the program reads it. */
static int place_input(struct driver *d, const char *buf, size_t len)
{
	int fd, err;

	if (d->input >= 0) {
		if (ftruncate(d->input, 0) < 0 || lseek(d->input, 0, SEEK_SET) < 0)
			return -errno;
		if ((err = write_all(d->input, buf, len)))
			return err;
		return lseek(d->input, 0, SEEK_SET) < 0 ? -errno : 0;
	}
	fd = open(d->opt->fuzz->input_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0)
		return -errno;
	err = write_all(fd, buf, len);
	close(fd);
	return err;
}

/* The VMM, as a child with the protocol's pipes at 198 and 199. */
static int start_vmm(struct driver *d)
{
	int ctl[2], st[2];

	if (pipe2(ctl, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(st, O_CLOEXEC) < 0) {
		close(ctl[0]);
		close(ctl[1]);
		return -errno;
	}
	fflush(NULL);
	d->vmm = fork();
	if (d->vmm == 0) {
		if (dup2(ctl[0], LSTAR_FUZZ_CTL_FD) < 0 || dup2(st[1], LSTAR_FUZZ_ST_FD) < 0 ||
		    (d->input >= 0 && dup2(d->input, 0) < 0))
			_exit(LSTAR_EXIT_FAILURE);
		close_range(3, LSTAR_FUZZ_CTL_FD - 1, 0);
		close_range(LSTAR_FUZZ_ST_FD + 1, ~0U, 0);
		_exit(vmm_run(d->opt));
	}
	close(ctl[0]);
	close(st[1]);
	if (d->vmm < 0) {
		close(ctl[1]);
		close(st[0]);
		return -errno;
	}
	d->ctl = ctl[1];
	d->st = st[0];
	return 0;
}

/* How an execution ended, in words. */
static void describe(char *buf, size_t len, uint32_t status, bool timed_out, double ms)
{
	if (timed_out)
		snprintf(buf, len, "timed out (%.0f ms)", ms);
	else if (WIFSIGNALED(status))
		snprintf(buf, len, "killed by SIG%s (%.2f ms)",
			 sigabbrev_np(WTERMSIG(status)) ?: "?", ms);
	else
		snprintf(buf, len, "exit %d (%.2f ms)", WEXITSTATUS(status), ms);
}

/* Copy a crashing input into the crashes directory, under its own name. */
static void save_crash(int crashes, const char *name, const char *buf, size_t len)
{
	int fd = openat(crashes, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);

	if (fd < 0 || write_all(fd, buf, len))
		vmm_err("fuzz: cannot save %s: %s", name, strerror(errno));
	if (fd >= 0)
		close(fd);
}

static int regular_file(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

/* The rest of the newer handshake (the VMM opened with it, as the
 * program's runtime did): answer, then take its options and the closing
 * word.  Only the map size can come: lstar offers nothing else. */
static int new_handshake(struct driver *d, uint32_t hello)
{
	uint32_t options, size, closing;
	int err;

	if ((err = write_all(d->ctl, &(uint32_t){ ~hello }, 4)) ||
	    (err = vmm_fuzz_read4(d->st, &options, 0)))
		return err;
	if (options & ~FS_NEW_OPT_MAPSIZE)
		return -EPROTO;
	if ((options & FS_NEW_OPT_MAPSIZE) && (err = vmm_fuzz_read4(d->st, &size, 0)))
		return err;
	if ((err = vmm_fuzz_read4(d->st, &closing, 0)))
		return err;
	return closing == hello ? 0 : -EPROTO;
}

int vmm_fuzz_corpus(const struct vmm_options *opt, const char *corpus,
		    const char *crashes_dir, double timeout)
{
	struct driver d = { .opt = opt, .ctl = -1, .st = -1, .input = -1, .timeout = timeout };
	struct dirent **names = NULL;
	int dirfd, crashes = -1, n, err, ws, status = LSTAR_EXIT_FAILURE;
	unsigned ran = 0, crashed = 0, hung = 0;
	uint32_t hello;

	if ((dirfd = open(corpus, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		vmm_err("fuzz: --corpus %s: %s", corpus, strerror(errno));
		return LSTAR_EXIT_FAILURE;
	}
	if ((n = scandirat(dirfd, ".", &names, regular_file, alphasort)) < 0) {
		vmm_err("fuzz: --corpus %s: %s", corpus, strerror(errno));
		close(dirfd);
		return LSTAR_EXIT_FAILURE;
	}
	if (n == 0) {
		vmm_err("fuzz: --corpus %s: no inputs there", corpus);
		goto out;
	}
	if (crashes_dir && ((mkdir(crashes_dir, 0755) < 0 && errno != EEXIST) ||
			    (crashes = open(crashes_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)) {
		vmm_err("fuzz: --crashes %s: %s", crashes_dir, strerror(errno));
		goto out;
	}
	if (opt->fuzz->stdin_input && (d.input = memfd_create("lstar-fuzz-input", MFD_CLOEXEC)) < 0) {
		vmm_err("fuzz: cannot make the input file: %s", strerror(errno));
		goto out;
	}
	/* The input file exists before the program starts (it may open it
	 * at once): empty until the first input. */
	if (!opt->fuzz->stdin_input && (err = place_input(&d, "", 0))) {
		vmm_err("fuzz: --input-file %s: %s", opt->fuzz->input_file, strerror(-err));
		goto out;
	}
	signal(SIGPIPE, SIG_IGN);
	if ((err = start_vmm(&d))) {
		vmm_err("fuzz: cannot start: %s", strerror(-err));
		goto out;
	}
	/* The VMM says hello once the snapshot is taken. */
	if ((err = vmm_fuzz_read4(d.st, &hello, STARTUP_SECONDS))) {
		if (err == -ETIMEDOUT)
			vmm_err("fuzz: %s did not reach its input within %.0f seconds",
				opt->program, STARTUP_SECONDS);
		goto wait;
	}
	if (vmm_fuzz_new_hello(hello) && (err = new_handshake(&d, hello))) {
		vmm_err("fuzz: the handshake failed: %s", strerror(-err));
		goto wait;
	}
	status = 0;
	for (int i = 0; i < n; i++) {
		const char *name = names[i]->d_name;
		uint32_t pid, ws32;
		bool timed_out = false;
		char what[96];
		size_t len;
		double t0;
		char *buf = slurp(dirfd, name, &len);

		if (!buf) {
			if (errno != ELOOP && errno != EISDIR)
				vmm_err("fuzz: %s/%s: %s", corpus, name, strerror(errno));
			continue;
		}
		t0 = vmm_now();
		if ((err = place_input(&d, buf, len)) || (err = write_all(d.ctl, &(uint32_t){ 0 }, 4)) ||
		    (err = vmm_fuzz_read4(d.st, &pid, 0))) {
			free(buf);
			status = LSTAR_EXIT_FAILURE;
			break;
		}
		err = vmm_fuzz_read4(d.st, &ws32, d.timeout);
		if (err == -ETIMEDOUT) {
			timed_out = true;
			kill((pid_t)pid, SIGKILL);
			err = vmm_fuzz_read4(d.st, &ws32, 0);
		}
		if (err) {
			free(buf);
			status = LSTAR_EXIT_FAILURE;
			break;
		}
		ran++;
		describe(what, sizeof(what), ws32, timed_out, (vmm_now() - t0) * 1000);
		if (timed_out) {
			hung++;
			fprintf(stderr, "lstar: fuzz: %s: %s\n", name, what);
		} else if (WIFSIGNALED(ws32)) {
			crashed++;
			status = 1;
			if (crashes >= 0) {
				save_crash(crashes, name, buf, len);
				fprintf(stderr, "lstar: fuzz: %s: %s, saved as %s/%s\n", name,
					what, crashes_dir, name);
			} else {
				fprintf(stderr, "lstar: fuzz: %s: %s\n", name, what);
			}
		} else {
			fprintf(stderr, "lstar: fuzz: %s: %s\n", name, what);
		}
		free(buf);
	}
wait:
	/* The end of the control pipe ends the VMM's campaign. */
	close(d.ctl);
	d.ctl = -1;
	while (waitpid(d.vmm, &ws, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		status = LSTAR_EXIT_FAILURE;
	if (status != LSTAR_EXIT_FAILURE)
		fprintf(stderr, "lstar: fuzz: %u inputs: %u killed the program, %u timed out\n",
			ran, crashed, hung);
out:
	for (int i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (d.st >= 0)
		close(d.st);
	if (d.input >= 0)
		close(d.input);
	if (crashes >= 0)
		close(crashes);
	close(dirfd);
	return status;
}
