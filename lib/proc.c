#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "err.h"
#include "sizes.h"
#include "util.h"

extern char **environ;

static const char *const secret_env[] = {
	"ORCH_PLANE_API_TOKEN=",
	"ORCH_TELEGRAM_BOT_TOKEN=",
	NULL,
};

int
proc_is_secret_env(const char *entry)
{
	size_t i;

	for (i = 0; secret_env[i]; i++)
		if (strncmp(entry, secret_env[i], strlen(secret_env[i])) == 0)
			return 1;
	return 0;
}

const char *
proc_status_name(enum proc_status s)
{
	switch (s) {
	case PROC_OK: return "ok";
	case PROC_EXIT_NONZERO: return "exit_nonzero";
	case PROC_TIMEOUT: return "timeout";
	case PROC_NOT_FOUND: return "not_found";
	case PROC_SIGNALED: return "signaled";
	case PROC_SPAWN_ERROR: return "spawn_error";
	case PROC_INTERRUPTED: return "interrupted";
	}
	return "unknown";
}

int
proc_exit_code(const struct proc_result *r)
{
	switch (r->status) {
	case PROC_OK:
	case PROC_EXIT_NONZERO: return r->exit_code;
	case PROC_TIMEOUT: return 124;
	case PROC_NOT_FOUND: return 127;
	case PROC_SIGNALED: return 128 + r->signal;
	case PROC_INTERRUPTED: return 130;
	case PROC_SPAWN_ERROR: break;
	}
	return 126;
}

/*
 * From /proc/<pid>/stat ("pid (comm) state ppid pgrp session ..."): the
 * state letter, parent, process group and session, or -1 (no such
 * process, or no /proc).  The command name may hold spaces and
 * parentheses: the fields follow its last ')'.
 */
struct proc_stat {
	char state;
	long ppid, pgrp, sid;
};

static int
proc_stat(long pid, struct proc_stat *ps)
{
	char path[64], text[512], *p;
	ssize_t k;
	int fd;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	k = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[k > 0 ? k : 0] = '\0';
	if ((p = strrchr(text, ')')) == NULL ||
	    sscanf(p + 1, " %c %ld %ld %ld", &ps->state, &ps->ppid, &ps->pgrp, &ps->sid) != 4)
		return -1;
	return 0;
}

/* A zombie has ended: its parent died too and nobody reaps it (an init that does not wait). */
static int
is_zombie(long pid)
{
	struct proc_stat ps;

	return proc_stat(pid, &ps) == 0 && (ps.state == 'Z' || ps.state == 'X');
}

int
proc_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM) && !is_zombie(pid);
}

/* 1 when a process of group pgid that is not a zombie is listed in /proc; -1 when /proc cannot be read. */
static int
group_has_live_member(long pgid)
{
	struct dirent *d;
	struct proc_stat ps;
	long long pid;
	int live = 0;
	DIR *dir = opendir("/proc");

	if (dir == NULL)
		return -1;
	while (!live && (d = readdir(dir)) != NULL)
		if (num_parse(d->d_name, 1, 1LL << 30, &pid) == 0 && proc_stat((long)pid, &ps) == 0 &&
		    ps.pgrp == pgid)
			live = ps.state != 'Z' && ps.state != 'X';
	closedir(dir);
	return live;
}

int
proc_group_alive(long pgid)
{
	if (pgid <= 1 || (kill(-(pid_t)pgid, 0) < 0 && errno != EPERM))
		return 0;
	return group_has_live_member(pgid) != 0; /* without /proc: alive, as kill says */
}

void
proc_kill_group(long pgid)
{
	if (pgid > 1)
		kill(-(pid_t)pgid, SIGKILL);
}

/*
 * The signal that asked this process to stop (SIGTERM, SIGINT), or 0.  A
 * handler can only set a flag; proc_run() sees it and stops its child's
 * group, so an interrupted command leaves no child behind.  stop_mode says
 * what happens then: STOP_EXIT (proc_supervise, every command) ends the
 * process by the signal once the run is stopped, and at once when no run
 * is in progress; STOP_RETURN (proc_interrupt_on_signals, orch-work) hands
 * PROC_INTERRUPTED back to a caller that records it and ends its loop.
 */
enum { STOP_DEFAULT, STOP_EXIT, STOP_RETURN };
static volatile sig_atomic_t interrupted_by, stop_mode, in_run;
static void (*stop_hook)(void *ctx, int sig);
static void *stop_hook_ctx;

static void
on_stop_signal(int sig)
{
	interrupted_by = sig;
	if (stop_mode == STOP_EXIT && !in_run) {
		signal(sig, SIG_DFL); /* no child to stop: end as the signal would have */
		raise(sig);
	}
}

static void
install_stop_handler(int mode)
{
	struct sigaction sa;

	stop_mode = mode;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal; /* no SA_RESTART: poll() returns at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

int
proc_supervise(void)
{
	if (stop_mode != STOP_RETURN)
		install_stop_handler(STOP_EXIT);
	return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0 ? -1 : 0;
}

void
proc_on_stop(void (*fn)(void *ctx, int sig), void *ctx)
{
	stop_hook = fn;
	stop_hook_ctx = ctx;
}

void
proc_interrupt_on_signals(void)
{
	install_stop_handler(STOP_RETURN);
}

int
proc_interrupted(void)
{
	return interrupted_by;
}

/* STOP_EXIT after a stopped run: the command's record, then the end the signal asked for. */
__attribute__((noreturn)) static void
stop_now(int sig)
{
	if (stop_hook)
		stop_hook(stop_hook_ctx, sig);
	fflush(NULL);
	signal(sig, SIG_DFL);
	raise(sig);
	_exit(128 + sig);
}

/*
 * The sessions proc_spawn_detached() started (each is its first child's
 * pid): their members are re-parented to us while we live, and must
 * outlive us.
 */
static pid_t *kept;
static size_t nkept;
static int kept_lost; /* one could not be remembered: sweep no more */

static int
kept_session(long sid)
{
	size_t i;

	for (i = 0; i < nkept; i++)
		if (kept[i] == sid)
			return 1;
	return 0;
}

/* Our children outside the kept sessions, up to max, into pids (their zombies too).  Returns how many. */
static int
escaped_children(pid_t *pids, int max)
{
	long me = (long)getpid(), pid;
	struct proc_stat ps;
	struct dirent *de;
	char *end;
	int n = 0;
	DIR *d;

	if ((d = opendir("/proc")) == NULL)
		return 0;
	while (n < max && (de = readdir(d)) != NULL) {
		pid = strtol(de->d_name, &end, 10);
		if (*end != '\0' || pid <= 1 || pid == me || proc_stat(pid, &ps) < 0 || ps.ppid != me)
			continue;
		if (kept_session(ps.sid) && ps.state != 'Z')
			continue; /* a detached hook still running: it outlives us */
		pids[n++] = (pid_t)pid;
	}
	closedir(d);
	return n;
}

/*
 * One pass: TERM to every escaped child (a git gc --auto that detached
 * removes its lock files on TERM), KILL to those left after the grace, and
 * reap them all.  Their own children are ours before they are zombies: the
 * next pass finds them.  Returns how many were reaped.
 */
static int
sweep_once(void)
{
	pid_t pids[256];
	int n = escaped_children(pids, 256), left = n, i, status;
	int64_t t0 = time_mono_ms();

	for (i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	while (left > 0 && time_mono_ms() - t0 < PROC_KILL_GRACE_MS) {
		for (i = 0; i < n; i++)
			if (pids[i] > 0 && waitpid(pids[i], &status, WNOHANG) == pids[i]) {
				pids[i] = -1;
				left--;
			}
		if (left > 0)
			poll(NULL, 0, 10); /* no descriptor tells us of a stranger's exit: look again soon */
	}
	for (i = 0; i < n; i++) {
		if (pids[i] <= 0)
			continue;
		kill(pids[i], SIGKILL);
		while (waitpid(pids[i], &status, 0) < 0 && errno == EINTR)
			;
	}
	return n;
}

int
proc_sweep_descendants(void)
{
	siginfo_t si;
	int total = 0, n, round;

	for (round = 0; round < 10000 && !kept_lost; round++) {
		memset(&si, 0, sizeof(si));
		/* no child at all (ECHILD, the usual case): nothing escaped, no /proc walk */
		if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) < 0)
			break;
		if ((n = sweep_once()) == 0)
			break;
		total += n;
	}
	return total;
}

static int
runnable(const char *path)
{
	struct stat sb;

	return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && access(path, X_OK) == 0;
}

int
proc_which(const char *name, char *out, size_t n)
{
	const char *path = getenv("PATH"), *p, *end;
	int len;

	if (name == NULL || *name == '\0')
		return -1;
	if (strchr(name, '/'))
		return runnable(name) && (size_t)snprintf(out, n, "%s", name) < n ? 0 : -1;
	if (path == NULL)
		path = "/bin:/usr/bin"; /* what execvpe searches then */
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		/* an empty entry is the current directory, as for execvpe */
		len = end > p ? snprintf(out, n, "%.*s/%s", (int)(end - p), p, name)
			      : snprintf(out, n, "%s", name);
		if (len > 0 && (size_t)len < n && runnable(out))
			return 0;
		if (*end == '\0')
			return -1;
	}
}

void
proc_describe(const struct proc_result *r, char *out, size_t n)
{
	switch (r->status) {
	case PROC_OK: snprintf(out, n, "ok"); break;
	case PROC_EXIT_NONZERO: snprintf(out, n, "exited with code %d", r->exit_code); break;
	case PROC_TIMEOUT:
		snprintf(out, n, "timed out after %lld ms (process group killed)", (long long)r->elapsed_ms);
		break;
	case PROC_SIGNALED: snprintf(out, n, "killed by signal %d", r->signal); break;
	case PROC_INTERRUPTED:
		snprintf(out, n, "interrupted: orch got signal %d and stopped the process group", r->signal);
		break;
	case PROC_NOT_FOUND:
	case PROC_SPAWN_ERROR: snprintf(out, n, "%s", r->error); break;
	}
}

/* Build the child's environment before fork: no allocation after it. */
static char **
build_env(const char *const *extra)
{
	size_t n = 0, m = 0, i, j, k = 0;
	char **env;

	while (environ[n])
		n++;
	while (extra && extra[m])
		m++;
	if ((env = calloc(n + m + 1, sizeof(*env))) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		const char *eq = strchr(environ[i], '=');
		int overridden = 0;
		if (proc_is_secret_env(environ[i]))
			continue;
		for (j = 0; eq && j < m; j++)
			if (strncmp(extra[j], environ[i], (size_t)(eq - environ[i]) + 1) == 0)
				overridden = 1;
		if (!overridden)
			env[k++] = environ[i];
	}
	for (j = 0; j < m; j++)
		env[k++] = (char *)extra[j];
	env[k] = NULL;
	return env;
}

/* Marks an errno from chdir, not from exec: a missing directory is not a missing program. */
#define CHILD_CHDIR_FAILED 0x10000
/* Marks an errno from the switch to spec->run_as. */
#define CHILD_SETID_FAILED 0x20000

__attribute__((noreturn)) static void
child_fail(int fd, int err)
{
	ssize_t w = write(fd, &err, sizeof(err));
	(void)w;
	_exit(127);
}

static void
kill_group(pid_t pg, int sig)
{
	if (pg > 0)
		kill(-pg, sig);
}

static void
drain(int *fd, struct buf *b, int *trunc)
{
	char chunk[65536];
	size_t room;
	ssize_t n;

	n = read(*fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	if (*trunc || buf_append(b, chunk, (size_t)n) == 0)
		return;
	/* over the cap (or out of memory): keep what fits, read and drop the rest */
	*trunc = 1;
	room = b->max - b->len < (size_t)n ? b->max - b->len : (size_t)n;
	if (room > 0 && buf_append(b, chunk, room) < 0)
		return; /* not even that: what was read before stays */
}

static void
finish(const struct proc_spec *spec, struct proc_result *r, int64_t t0)
{
	r->elapsed_ms = time_mono_ms() - t0;
	r->failed = r->status != PROC_OK &&
	    !(r->status == PROC_EXIT_NONZERO && r->exit_code < 32 &&
		(spec->expected_codes >> r->exit_code) & 1u);
	if (spec->observe) {
		const char *tool = spec->tool, *slash;
		if (tool == NULL) {
			slash = strrchr(spec->argv[0], '/');
			tool = slash ? slash + 1 : spec->argv[0];
		}
		spec->observe(spec->observe_ctx, tool, r);
	}
}

/*
 * A descriptor that polls readable when pid exits (Linux 5.3+), or -1.
 * Without it a child that has closed its output but is not yet a zombie
 * (the usual moment: exit closes files first) costs a 20 ms nap per run.
 */
static int
exit_fd(pid_t pid)
{
#ifdef SYS_pidfd_open
	return (int)syscall(SYS_pidfd_open, pid, 0);
#else
	(void)pid;
	return -1;
#endif
}

/* Wait for pid with a deadline; returns 1 reaped, 0 still running. */
static int
reap(pid_t pid, int *status, int block)
{
	pid_t w;

	do
		w = waitpid(pid, status, block ? 0 : WNOHANG);
	while (w < 0 && errno == EINTR);
	return w == pid;
}

/*
 * One run's moving parts, shaped like git's struct child_process: the
 * parent's ends of the pipes (-1 once closed), the child, and what the
 * pump has seen of it.  proc_run() is spawn, pump, decode over this.
 */
struct child {
	pid_t pid;
	int out, err, in;
	size_t in_off; /* bytes of spec->stdin_data written so far */
	int status;    /* waitpid status, valid once reaped */
	int reaped, timed_out, stopped_by;
	int xfd; /* exit_fd(pid), -1 without pidfd */
	int64_t t0, deadline, term_at, reaped_at, next_beat;
	int beat_stopped;
};

/*
 * The forked child becomes u: groups first (they need the privilege the
 * uid switch gives up), then the gid, then the uid; then the check that
 * it took and that the old uid cannot be taken back.  Any failure ends the
 * child with the reason: it never runs on as orch's user.
 */
static void
child_drop(const struct proc_user *u, int ex)
{
	int was_root = geteuid() == 0;

	/* ambient capabilities would survive exec: none for the agent (EINVAL before Linux 4.3: none to
	 * clear) */
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (setgroups((size_t)u->ngroups, u->groups) < 0 || setgid(u->gid) < 0 || setuid(u->uid) < 0)
		child_fail(ex, errno | CHILD_SETID_FAILED);
	if (getuid() != u->uid || geteuid() != u->uid || getgid() != u->gid || getegid() != u->gid)
		child_fail(ex, EPERM | CHILD_SETID_FAILED);
	/* from root the switch clears every capability: uid 0 must be out of reach now (with CAP_SETUID exec
	 * clears them) */
	if (was_root && (setuid(0) == 0 || seteuid(0) == 0))
		child_fail(ex, EPERM | CHILD_SETID_FAILED);
}

/*
 * The child of a spec with on_start waits for the parent's go: its program
 * runs only once on_start has recorded its group (a SIGKILL of the parent
 * in between leaves nothing running unrecorded).  EOF: the parent died
 * first, so the program never runs.
 */
static void
child_wait_go(const int go[2])
{
	char b;
	ssize_t n;

	close(go[1]); /* ours would keep the pipe open: no EOF when the parent dies */
	while ((n = read(go[0], &b, 1)) < 0 && errno == EINTR)
		;
	if (n != 1)
		_exit(126);
	close(go[0]);
}

/* The forked child: wire the pipes, enter cwd, exec.  Only async-signal-safe calls. */
__attribute__((noreturn)) static void
child_exec(const struct proc_spec *spec, char **env, int in, int out, int err, int ex, const int go[2])
{
	int nul;

	setpgid(0, 0);
	if (go[0] >= 0)
		child_wait_go(go);
	signal(SIGPIPE, SIG_DFL);
	/* the child inherits no descriptor of ours (locks, the database) */
	close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
	if (dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(err, 2) < 0)
		child_fail(ex, errno);
	if (spec->stdin_data == NULL && (nul = open("/dev/null", O_RDONLY)) >= 0)
		dup2(nul, 0);
	if (spec->cwd && chdir(spec->cwd) < 0)
		child_fail(ex, errno | CHILD_CHDIR_FAILED);
	if (spec->run_as)
		child_drop(spec->run_as, ex);
	execvpe(spec->argv[0], (char *const *)spec->argv, env);
	child_fail(ex, errno);
}

/* The envelope of a child whose exec (or chdir) failed, from the errno it sent back. */
static void
exec_failed(const struct proc_spec *spec, int exec_errno, struct proc_result *r)
{
	if (exec_errno & CHILD_CHDIR_FAILED) {
		/* a missing directory must not read as a missing program */
		r->status = PROC_SPAWN_ERROR;
		snprintf(r->error, sizeof(r->error),
		    "cannot run '%s' in '%s': cannot enter that directory: %s; "
		    "fix the path (a project's repo: in orch.yaml) or create it",
		    spec->argv[0], spec->cwd, strerror(exec_errno & ~CHILD_CHDIR_FAILED));
		return;
	}
	if (exec_errno & CHILD_SETID_FAILED) {
		r->status = PROC_SPAWN_ERROR;
		snprintf(r->error, sizeof(r->error),
		    "cannot run '%s' as user '%s' (uid %ld): %s; orch must run as "
		    "root or with CAP_SETUID and CAP_SETGID to use agent_user (see orch doctor)",
		    spec->argv[0], spec->run_as ? spec->run_as->name : "?",
		    spec->run_as ? (long)spec->run_as->uid : -1L, strerror(exec_errno & ~CHILD_SETID_FAILED));
		return;
	}
	r->status = (exec_errno == ENOENT || exec_errno == EACCES) ? PROC_NOT_FOUND : PROC_SPAWN_ERROR;
	snprintf(r->error, sizeof(r->error), "cannot run '%s': %s%s", spec->argv[0], strerror(exec_errno),
	    r->status == PROC_NOT_FOUND ? "; install it or fix PATH" : "");
}

/*
 * Start the child with its three pipes.  Returns 0 when it runs (ch holds
 * our ends), -1 when it never ran: r's status and error then say why.
 */
static int
child_spawn(const struct proc_spec *spec, struct child *ch, struct proc_result *r)
{
	int out[2] = { -1, -1 }, errp[2] = { -1, -1 }, in[2] = { -1, -1 }, ex[2] = { -1, -1 };
	int go[2] = { -1, -1 }, exec_errno = 0, saved;
	char **env;
	ssize_t n;

	/* built before fork: the child must not allocate */
	if ((env = build_env(spec->env_extra)) == NULL)
		goto fail;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 || pipe2(in, O_CLOEXEC) < 0 ||
	    pipe2(ex, O_CLOEXEC) < 0 || (spec->on_start && pipe2(go, O_CLOEXEC) < 0))
		goto fail;
	fflush(NULL);
	if ((ch->pid = fork()) < 0)
		goto fail;
	if (ch->pid == 0)
		child_exec(spec, env, in[0], out[1], errp[1], ex[1], go);
	setpgid(ch->pid, ch->pid); /* both sides set it: no race with kill(-pid) */
	free(env);
	close(out[1]);
	close(errp[1]);
	close(in[0]);
	close(ex[1]);
	ch->out = out[0];
	ch->err = errp[0];
	ch->in = in[1];
	if (spec->on_start) {
		/* recorded before the program may run (child_wait_go); a failed exec leaves a dead group
		 * noted */
		close(go[0]);
		spec->on_start(spec->on_start_ctx, (long)ch->pid);
		/* a failed write: the child died already (on_start stopped it), nothing to tell */
		if (write(go[1], "g", 1) < 0)
			errno = 0;
		close(go[1]);
	}
	/* EOF here means exec succeeded (the pipe is close-on-exec); 4 bytes are its errno */
	n = read(ex[0], &exec_errno, sizeof(exec_errno));
	close(ex[0]);
	if (n != (ssize_t)sizeof(exec_errno))
		return 0;
	reap(ch->pid, &ch->status, 1);
	close(ch->out);
	close(ch->err);
	close(ch->in);
	exec_failed(spec, exec_errno, r);
	return -1;

fail:
	saved = errno;
	free(env);
	if (out[0] >= 0) {
		close(out[0]);
		close(out[1]);
	}
	if (errp[0] >= 0) {
		close(errp[0]);
		close(errp[1]);
	}
	if (in[0] >= 0) {
		close(in[0]);
		close(in[1]);
	}
	if (ex[0] >= 0) {
		close(ex[0]);
		close(ex[1]);
	}
	if (go[0] >= 0) {
		close(go[0]);
		close(go[1]);
	}
	r->status = PROC_SPAWN_ERROR;
	snprintf(r->error, sizeof(r->error), "cannot start '%s': %s", spec->argv[0], strerror(saved));
	return -1;
}

/*
 * One look at the child between polls: reap it, or stop its group at the
 * deadline or on our own SIGTERM/SIGINT.  Returns 1 when the pump is done.
 */
static int
pump_check(struct child *ch, int64_t now)
{
	if (!ch->reaped && reap(ch->pid, &ch->status, 0)) {
		ch->reaped = 1;
		ch->reaped_at = now;
		kill_group(ch->pid, SIGKILL); /* leftovers of the group */
		proc_sweep_descendants();     /* and what left the group: its pipes close with it */
	}
	if (ch->reaped && ch->out < 0 && ch->err < 0)
		return 1;
	/* an escaped descendant holding our pipes must not hold us */
	if (ch->reaped && (ch->timed_out || (ch->reaped_at && now - ch->reaped_at > PROC_KILL_GRACE_MS)))
		return 1;
	if (ch->reaped || !((ch->deadline && now >= ch->deadline) || (interrupted_by && !ch->timed_out)))
		return 0;
	if (!ch->timed_out) {
		/* TERM first so the child can clean up; KILL only after the grace */
		ch->timed_out = 1;
		ch->stopped_by = interrupted_by;
		kill_group(ch->pid, SIGTERM);
		ch->term_at = now;
	} else if (now - ch->term_at >= PROC_KILL_GRACE_MS) {
		kill_group(ch->pid, SIGKILL);
	}
	return 0;
}

/* Feed the child's stdin without blocking; close it once all is written or it stops reading. */
static void
pump_stdin(const struct proc_spec *spec, struct child *ch)
{
	ssize_t n = write(ch->in, spec->stdin_data + ch->in_off, spec->stdin_len - ch->in_off);

	if (n > 0)
		ch->in_off += (size_t)n;
	if ((n < 0 && errno != EAGAIN && errno != EINTR) || ch->in_off >= spec->stdin_len) {
		close(ch->in);
		ch->in = -1;
	}
}

/* Move bytes between the child's pipes and r until it exits, times out or is interrupted. */
static void
child_pump(const struct proc_spec *spec, struct child *ch, struct proc_result *r)
{
	for (;;) {
		struct pollfd pf[4];
		int nf = 0, wait_ms = 100;
		int64_t now = time_mono_ms();

		if (pump_check(ch, now))
			break;
		if (ch->out >= 0)
			pf[nf++] = (struct pollfd){ .fd = ch->out, .events = POLLIN };
		if (ch->err >= 0)
			pf[nf++] = (struct pollfd){ .fd = ch->err, .events = POLLIN };
		if (ch->in >= 0)
			pf[nf++] = (struct pollfd){ .fd = ch->in, .events = POLLOUT };
		/* the heartbeat: a no from it stops the child like its deadline */
		if (spec->on_beat && !ch->reaped && !ch->timed_out && now >= ch->next_beat) {
			ch->next_beat = now + spec->beat_ms;
			if (spec->on_beat(spec->on_beat_ctx) != 0) {
				ch->beat_stopped = 1;
				ch->deadline = now;
				continue;
			}
		}
		if (spec->on_beat && !ch->timed_out && ch->next_beat - now < wait_ms)
			wait_ms = (int)(ch->next_beat - now) + 1;
		/* wake at the deadline, not up to 100 ms after it */
		if (ch->deadline && !ch->timed_out && ch->deadline - now < wait_ms)
			wait_ms = (int)(ch->deadline - now) + 1;
		if (nf == 0 && (ch->xfd < 0 || ch->reaped)) {
			/* child closed its output but runs on: check it again soon */
			poll(NULL, 0, wait_ms > 20 ? 20 : wait_ms);
			continue;
		}
		/* its exit wakes us too: a descendant holding the pipes must not delay the reaping */
		if (ch->xfd >= 0 && !ch->reaped)
			pf[nf++] = (struct pollfd){ .fd = ch->xfd, .events = POLLIN };
		if (poll(pf, (nfds_t)nf, wait_ms) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < nf; i++) {
			if (!pf[i].revents)
				continue;
			if (pf[i].fd == ch->out)
				drain(&ch->out, &r->out, &r->out_truncated);
			else if (pf[i].fd == ch->err)
				drain(&ch->err, &r->err, &r->err_truncated);
			else if (pf[i].fd == ch->in)
				pump_stdin(spec, ch);
		}
	}
}

/* Turn the wait status (and whether we stopped the child) into the envelope's status. */
static void
child_decode(const struct child *ch, struct proc_result *r)
{
	if (ch->timed_out && ch->stopped_by) {
		r->status = PROC_INTERRUPTED;
		r->signal = ch->stopped_by;
	} else if (ch->timed_out) {
		r->status = PROC_TIMEOUT;
		r->signal = WIFSIGNALED(ch->status) ? WTERMSIG(ch->status) : 0;
	} else if (WIFEXITED(ch->status)) {
		r->exit_code = WEXITSTATUS(ch->status);
		r->status = r->exit_code == 0 ? PROC_OK : PROC_EXIT_NONZERO;
	} else {
		r->status = PROC_SIGNALED;
		r->signal = WIFSIGNALED(ch->status) ? WTERMSIG(ch->status) : 0;
	}
}

int
proc_run(const struct proc_spec *spec, struct proc_result *r)
{
	size_t cap = spec->out_cap ? spec->out_cap : PROC_DEFAULT_CAP;
	struct child ch = { .out = -1, .err = -1, .in = -1, .xfd = -1, .t0 = time_mono_ms() };

	memset(r, 0, sizeof(*r));
	/* a child that exits without reading its stdin must not kill us with SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	buf_init(&r->out, cap);
	buf_init(&r->err, cap);
	if (spec->argv == NULL || spec->argv[0] == NULL || spec->argv[0][0] == '\0') {
		r->status = PROC_SPAWN_ERROR;
		snprintf(r->error, sizeof(r->error), "empty command");
		return -1;
	}
	in_run = 1; /* from here a stop signal stops the child instead of ending us at once */
	if (child_spawn(spec, &ch, r) < 0) {
		in_run = 0;
		finish(spec, r, ch.t0);
		if (interrupted_by && stop_mode == STOP_EXIT)
			stop_now(interrupted_by);
		return 0;
	}
	if (spec->stdin_data == NULL || spec->stdin_len == 0) {
		close(ch.in);
		ch.in = -1;
	} else {
		fcntl(ch.in, F_SETFL, O_NONBLOCK); /* a full pipe must not stall reading its output */
	}
	ch.xfd = exit_fd(ch.pid);
	ch.deadline = spec->timeout_ms > 0 ? ch.t0 + spec->timeout_ms : 0;
	ch.next_beat = ch.t0 + (spec->beat_ms > 0 ? spec->beat_ms : 1000);
	child_pump(spec, &ch, r);
	r->beat_stopped = ch.beat_stopped;
	if (ch.xfd >= 0)
		close(ch.xfd);
	if (ch.out >= 0)
		close(ch.out);
	if (ch.err >= 0)
		close(ch.err);
	if (ch.in >= 0)
		close(ch.in);
	if (!ch.reaped)
		reap(ch.pid, &ch.status, 1);
	proc_sweep_descendants();
	in_run = 0;
	child_decode(&ch, r);
	finish(spec, r, ch.t0);
	if (interrupted_by && stop_mode == STOP_EXIT)
		stop_now(interrupted_by);
	return 0;
}

void
proc_result_free(struct proc_result *r)
{
	buf_free(&r->out);
	buf_free(&r->err);
}

int
proc_exec_replace(const char *path, const char *const *argv)
{
	fflush(NULL);
	execv(path, (char *const *)argv);
	return -1;
}

/* Remember a detached session; out of memory: stop sweeping (a deploy must never be killed by us). */
static void
keep_session(pid_t sid)
{
	pid_t *k = realloc(kept, (nkept + 1) * sizeof(*kept));

	if (k == NULL) {
		kept_lost = 1;
		return;
	}
	kept = k;
	kept[nkept++] = sid;
}

int
proc_spawn_detached(const char *const *argv, const char *cwd, const char *const *env_extra,
    const char *log_path, char *why, size_t wn)
{
	int ex[2], status, err = 0, logfd;
	char **env;
	pid_t pid;
	ssize_t n;

	if ((env = build_env(env_extra)) == NULL) { /* before fork: the child must not allocate */
		snprintf(why, wn, "out of memory");
		return -1;
	}
	if (pipe2(ex, O_CLOEXEC) < 0 ||
	    (logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		snprintf(why, wn, "cannot prepare '%s': %s", log_path, strerror(errno));
		free(env);
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		snprintf(why, wn, "fork: %s", strerror(errno));
		close(logfd);
		free(env);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		setsid();
		signal(SIGPIPE, SIG_DFL);
		if (fork() != 0)
			_exit(
			    0); /* the grandchild is adopted by us (subreaper) or init; the sweep spares it */
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
			child_fail(ex[1], errno);
		if (cwd && chdir(cwd) < 0)
			child_fail(ex[1], errno | CHILD_CHDIR_FAILED);
		close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		execvpe(argv[0], (char *const *)argv, env);
		child_fail(ex[1], errno);
	}
	free(env);
	close(ex[1]);
	close(logfd);
	keep_session(pid);
	reap(pid, &status, 1);
	n = read(ex[0], &err, sizeof(err)); /* EOF on exec: the grandchild started */
	close(ex[0]);
	if (n == (ssize_t)sizeof(err) && (err & CHILD_CHDIR_FAILED)) {
		snprintf(why, wn, "cannot run '%s' in '%s': cannot enter that directory: %s", argv[0], cwd,
		    strerror(err & ~CHILD_CHDIR_FAILED));
		return -1;
	}
	if (n == (ssize_t)sizeof(err)) {
		snprintf(why, wn, "cannot run '%s': %s", argv[0], strerror(err));
		return -1;
	}
	return 0;
}

int
proc_user_lookup(const char *name, struct proc_user *u, struct orch_err *e)
{
	struct passwd *pw;
	int n = PROC_MAX_GROUPS;

	memset(u, 0, sizeof(*u));
	errno = 0;
	if (name == NULL || *name == '\0' || (pw = getpwnam(name)) == NULL)
		return err_set(e, EX_CONFIG,
		    "agent_user '%s' is not a user on this host%s%s; create it (adduser --system "
		    "%s) or fix agent_user",
		    name ? name : "", errno ? ": " : "", errno ? strerror(errno) : "", name ? name : "NAME");
	if (pw->pw_uid == 0)
		return err_set(e, EX_CONFIG,
		    "agent_user '%s' is root; agents must run as an unprivileged user: "
		    "create one (adduser --system) or leave agent_user unset",
		    name);
	if (str_copy(u->name, sizeof(u->name), name) < 0)
		return err_set(e, EX_CONFIG, "agent_user '%.40s...' is too long", name);
	u->uid = pw->pw_uid;
	u->gid = pw->pw_gid;
	if (getgrouplist(name, pw->pw_gid, u->groups, &n) < 0)
		return err_set(e, EX_CONFIG, "agent_user '%s' belongs to more than %d groups; remove some",
		    name, PROC_MAX_GROUPS);
	u->ngroups = n;
	return 0;
}

int
proc_can_switch_user(void)
{
	unsigned long long eff = 0;
	char line[256];
	FILE *f;

	if (geteuid() == 0)
		return 1;
	if ((f = fopen("/proc/self/status", "re")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "CapEff: %llx", &eff) == 1)
			break;
	fclose(f);
	/* CAP_SETGID is 6 (also what setgroups needs), CAP_SETUID 7 */
	return (eff >> 6 & 1) && (eff >> 7 & 1);
}

static const struct proc_user *chown_to;
static char chown_failed[ORCH_PATH_MAX_1];
static int chown_errno;

static int
chown_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)flag;
	(void)ftw;
	if (sb->st_uid == chown_to->uid && sb->st_gid == chown_to->gid)
		return 0;
	if (lchown(path, chown_to->uid, chown_to->gid) == 0)
		return 0;
	chown_errno = errno;
	snprintf(chown_failed, sizeof(chown_failed), "%s", path);
	return 1;
}

int
proc_user_chown_tree(const struct proc_user *u, const char *dir, struct orch_err *e)
{
	int rc;

	chown_to = u;
	chown_failed[0] = '\0';
	chown_errno = 0;
	rc = nftw(dir, chown_one, 32, FTW_PHYS | FTW_MOUNT);
	chown_to = NULL;
	if (rc == 0)
		return 0;
	if (rc > 0)
		return err_set(e, EX_IOERR,
		    "cannot give '%s' to agent_user '%s': %s; orch needs root or CAP_CHOWN "
		    "for it",
		    chown_failed, u->name, strerror(chown_errno));
	return err_set(
	    e, EX_IOERR, "cannot walk '%s' to give it to agent_user '%s': %s", dir, u->name, strerror(errno));
}
