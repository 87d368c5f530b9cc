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
 *
 * A program built with afl-clang-fast gets a coverage map of the
 * driver's own, as afl-fuzz would give one (unless lstar itself runs
 * with afl-fuzz's __AFL_SHM_ID): after each execution the driver counts
 * the map's edges the corpus has reached so far.  On a terminal, one
 * status line, rewritten in place, says how far the run is (inputs,
 * executions a second, crashes, time-outs, edges) and stands for the
 * lines of the inputs that ended normally; crashes and time-outs are
 * still said each on a line of its own.  Elsewhere (a pipe, a file),
 * every input has its line.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/shm.h>
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
	fd = vmm_output_open(NULL, d->opt->fuzz->input_file, true, 0600);
	if (fd < 0)
		return fd;
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

/*
 * The coverage map: a System V segment, as afl-fuzz makes, whose id the
 * VMM and the program find in __AFL_SHM_ID (the VMM hands the segment to
 * the program's shmat).  Marked for removal at once (Linux lets the VMM
 * attach it by id still), so that nothing is left behind whatever
 * becomes of lstar.  seen[] has a bit per edge any execution reached.
 */
#define COVERAGE_MAP_SIZE	65536	/* afl's MAP_SIZE, what the runtime uses
					 * unless told otherwise */

struct coverage {
	uint8_t *map;			/* NULL: no map */
	uint8_t seen[COVERAGE_MAP_SIZE / 8];
	unsigned edges;			/* bits set in seen[] */
};

uint8_t *vmm_fuzz_coverage_map(void)
{
	char id[16];
	uint8_t *map;
	int shm;

	unsetenv("__AFL_SHM_ID");
	shm = shmget(IPC_PRIVATE, COVERAGE_MAP_SIZE, IPC_CREAT | 0600);
	if (shm < 0)
		return NULL;
	map = shmat(shm, NULL, 0);
	shmctl(shm, IPC_RMID, NULL);
	if (map == (void *)-1)
		return NULL;
	snprintf(id, sizeof(id), "%d", shm);
	setenv("__AFL_SHM_ID", id, 1);
	return map;
}

/* After an execution: the edges it reached join seen[]; the map is
 * cleared for the next. */
static void coverage_take(struct coverage *c)
{
	if (!c->map)
		return;
	/* Byte 0 is no edge: AFL++'s runtime sets it to say the map works
	 * (afl-showmap does not count it either). */
	for (size_t i = 1; i < COVERAGE_MAP_SIZE; i++)
		if (c->map[i] && !(c->seen[i / 8] & (1u << (i % 8)))) {
			c->seen[i / 8] |= (uint8_t)(1u << (i % 8));
			c->edges++;
		}
	memset(c->map, 0, COVERAGE_MAP_SIZE);
}

static void coverage_close(struct coverage *c)
{
	if (c->map)
		shmdt(c->map);
}

/* The status line, on a terminal: rewritten in place at most ten times
 * a second, and wiped before each line of the report. */
struct status {
	bool tty;
	bool shown;
	double start, last;
};

static void status_wipe(struct status *st)
{
	if (st->shown)
		fputs("\r\033[K", stderr);
	st->shown = false;
}

static void status_show(struct status *st, unsigned done, int total, unsigned crashed,
			unsigned hung, const struct coverage *c, bool now)
{
	double t = vmm_now(), rate;
	int cols = 80;
	struct winsize ws;
	char line[256];

	if (!st->tty || (!now && t - st->last < 0.1))
		return;
	st->last = t;
	rate = t > st->start ? done / (t - st->start) : 0;
	snprintf(line, sizeof(line), "lstar: fuzz: %u/%d inputs, %.0f/s, %u killed the program, "
		 "%u timed out", done, total, rate, crashed, hung);
	if (c->edges)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), ", %u edges", c->edges);
	if (ioctl(2, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		cols = ws.ws_col;
	/* One row: a line that wrapped could not be rewritten. */
	if ((int)strlen(line) >= cols)
		line[cols - 1] = '\0';
	fprintf(stderr, "\r\033[K%s", line);
	fflush(stderr);
	st->shown = true;
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
		    const char *crashes_dir, double timeout, uint8_t *map)
{
	struct driver d = { .opt = opt, .ctl = -1, .st = -1, .input = -1, .timeout = timeout };
	struct dirent **names = NULL;
	int dirfd, crashes = -1, n, err, ws, status = LSTAR_EXIT_FAILURE;
	unsigned ran = 0, crashed = 0, hung = 0;
	struct status st = { .tty = isatty(2) == 1 };
	struct coverage cov = { .map = map };	/* 8 KiB */
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
	if (crashes_dir && (crashes = vmm_output_dir(crashes_dir)) < 0) {
		vmm_err("fuzz: --crashes %s: %s", crashes_dir, vmm_output_error(crashes));
		goto out;
	}
	if (opt->fuzz->stdin_input && (d.input = memfd_create("lstar-fuzz-input", MFD_CLOEXEC)) < 0) {
		vmm_err("fuzz: cannot make the input file: %s", strerror(errno));
		goto out;
	}
	/* The input file exists before the program starts (it may open it
	 * at once): empty until the first input. */
	if (!opt->fuzz->stdin_input && (err = place_input(&d, "", 0))) {
		vmm_err("fuzz: --input-file %s: %s", opt->fuzz->input_file, vmm_output_error(err));
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
	st.start = vmm_now();
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
		coverage_take(&cov);
		describe(what, sizeof(what), ws32, timed_out, (vmm_now() - t0) * 1000);
		if (timed_out || WIFSIGNALED(ws32) || !st.tty)
			status_wipe(&st);
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
		} else if (!st.tty) {
			/* On a terminal, the status line stands for them. */
			fprintf(stderr, "lstar: fuzz: %s: %s\n", name, what);
		}
		status_show(&st, ran, n, crashed, hung, &cov, i == n - 1);
		free(buf);
	}
	status_wipe(&st);
wait:
	/* The end of the control pipe ends the VMM's campaign. */
	close(d.ctl);
	d.ctl = -1;
	while (waitpid(d.vmm, &ws, 0) < 0 && errno == EINTR)
		;
	if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
		status = LSTAR_EXIT_FAILURE;
	if (status != LSTAR_EXIT_FAILURE && cov.edges)
		fprintf(stderr, "lstar: fuzz: %u inputs: %u killed the program, %u timed out; "
			"%u edges covered\n", ran, crashed, hung, cov.edges);
	else if (status != LSTAR_EXIT_FAILURE)
		fprintf(stderr, "lstar: fuzz: %u inputs: %u killed the program, %u timed out\n",
			ran, crashed, hung);
out:
	coverage_close(&cov);
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
