#include "proc.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/close_range.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util.h"

extern char **environ;

static const char *const secret_env[] = {
	"ORCH_PLANE_API_TOKEN=", "ORCH_TELEGRAM_BOT_TOKEN=", NULL,
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
	case PROC_EXIT_NONZERO:
		return r->exit_code;
	case PROC_TIMEOUT:
		return 124;
	case PROC_NOT_FOUND:
		return 127;
	case PROC_SIGNALED:
		return 128 + r->signal;
	case PROC_INTERRUPTED:
		return 130;
	case PROC_SPAWN_ERROR:
		break;
	}
	return 126;
}

int
proc_alive(long pid)
{
	return pid > 0 && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

int
proc_group_alive(long pgid)
{
	return pgid > 1 && (kill(-(pid_t)pgid, 0) == 0 || errno == EPERM);
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
 * group, so an interrupted runner leaves no agent behind.
 */
static volatile sig_atomic_t interrupted_by;

static void
on_stop_signal(int sig)
{
	interrupted_by = sig;
}

void
proc_interrupt_on_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;	/* no SA_RESTART: poll() returns at once */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

int
proc_interrupted(void)
{
	return interrupted_by;
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
		path = "/bin:/usr/bin";	/* what execvpe searches then */
	for (p = path;; p = end + 1) {
		end = strchrnul(p, ':');
		/* an empty entry is the current directory, as for execvpe */
		len = end > p ? snprintf(out, n, "%.*s/%s", (int)(end - p), p, name) : snprintf(out, n, "%s", name);
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
	case PROC_OK:
		snprintf(out, n, "ok");
		break;
	case PROC_EXIT_NONZERO:
		snprintf(out, n, "exited with code %d", r->exit_code);
		break;
	case PROC_TIMEOUT:
		snprintf(out, n, "timed out after %lld ms (process group killed)", (long long)r->elapsed_ms);
		break;
	case PROC_SIGNALED:
		snprintf(out, n, "killed by signal %d", r->signal);
		break;
	case PROC_INTERRUPTED:
		snprintf(out, n, "interrupted: orch got signal %d and stopped the process group", r->signal);
		break;
	case PROC_NOT_FOUND:
	case PROC_SPAWN_ERROR:
		snprintf(out, n, "%s", r->error);
		break;
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

static void
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
	ssize_t n;

	n = read(*fd, chunk, sizeof(chunk));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	if (!*trunc && buf_append(b, chunk, (size_t)n) < 0) {
		size_t room = b->max - b->len;
		buf_append(b, chunk, room);
		*trunc = 1;
	}
}

static void
finish(const struct proc_spec *spec, struct proc_result *r, int64_t t0)
{
	r->elapsed_ms = time_mono_ms() - t0;
	r->failed = r->status != PROC_OK && !(r->status == PROC_EXIT_NONZERO && r->exit_code < 32 &&
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

int
proc_run(const struct proc_spec *spec, struct proc_result *r)
{
	int out[2] = {-1, -1}, errp[2] = {-1, -1}, in[2] = {-1, -1}, ex[2] = {-1, -1};
	size_t cap = spec->out_cap ? spec->out_cap : PROC_DEFAULT_CAP, in_off = 0;
	int64_t t0 = time_mono_ms(), deadline, term_at = 0, reaped_at = 0;
	int status = 0, exec_errno = 0, reaped = 0, timed_out = 0, stopped_by = 0, xfd = -1;
	char **env;
	pid_t pid;
	ssize_t n;

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
	if ((env = build_env(spec->env_extra)) == NULL)
		goto spawn_error;
	if (pipe2(out, O_CLOEXEC) < 0 || pipe2(errp, O_CLOEXEC) < 0 ||
	    pipe2(in, O_CLOEXEC) < 0 || pipe2(ex, O_CLOEXEC) < 0)
		goto spawn_error;
	fflush(NULL);
	if ((pid = fork()) < 0)
		goto spawn_error;
	if (pid == 0) {
		int nul;
		setpgid(0, 0);
		signal(SIGPIPE, SIG_DFL);
		/* the child inherits no descriptor of ours (locks, the database) */
		close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		if (dup2(in[0], 0) < 0 || dup2(out[1], 1) < 0 || dup2(errp[1], 2) < 0)
			child_fail(ex[1], errno);
		if (spec->stdin_data == NULL && (nul = open("/dev/null", O_RDONLY)) >= 0)
			dup2(nul, 0);
		if (spec->cwd && chdir(spec->cwd) < 0)
			child_fail(ex[1], errno | CHILD_CHDIR_FAILED);
		execvpe(spec->argv[0], (char *const *)spec->argv, env);
		child_fail(ex[1], errno);
	}
	setpgid(pid, pid);	/* both sides set it: no race with kill(-pid) */
	free(env);
	env = NULL;
	close(out[1]);
	close(errp[1]);
	close(in[0]);
	close(ex[1]);
	out[1] = errp[1] = in[0] = ex[1] = -1;
	n = read(ex[0], &exec_errno, sizeof(exec_errno));
	close(ex[0]);
	ex[0] = -1;
	if (n == (ssize_t)sizeof(exec_errno)) {
		reap(pid, &status, 1);
		close(out[0]);
		close(errp[0]);
		close(in[1]);
		if (exec_errno & CHILD_CHDIR_FAILED) {
			r->status = PROC_SPAWN_ERROR;
			snprintf(r->error, sizeof(r->error), "cannot run '%s' in '%s': cannot enter that directory: %s; "
			    "fix the path (a project's repo: in orch.yaml) or create it", spec->argv[0], spec->cwd,
			    strerror(exec_errno & ~CHILD_CHDIR_FAILED));
			finish(spec, r, t0);
			return 0;
		}
		r->status = (exec_errno == ENOENT || exec_errno == EACCES) ? PROC_NOT_FOUND : PROC_SPAWN_ERROR;
		snprintf(r->error, sizeof(r->error), "cannot run '%s': %s%s", spec->argv[0],
		    strerror(exec_errno), r->status == PROC_NOT_FOUND ? "; install it or fix PATH" : "");
		finish(spec, r, t0);
		return 0;
	}
	if (spec->stdin_data == NULL || spec->stdin_len == 0) {
		close(in[1]);
		in[1] = -1;
	} else {
		fcntl(in[1], F_SETFL, O_NONBLOCK);
	}
	if (spec->on_start)
		spec->on_start(spec->on_start_ctx, (long)pid);
	xfd = exit_fd(pid);
	deadline = spec->timeout_ms > 0 ? t0 + spec->timeout_ms : 0;
	for (;;) {
		struct pollfd pf[4];
		int nf = 0, wait_ms = 100;
		int64_t now = time_mono_ms();


		if (!reaped && reap(pid, &status, 0)) {
			reaped = 1;
			reaped_at = now;
			kill_group(pid, SIGKILL);	/* leftovers of the group */
		}
		if (reaped && out[0] < 0 && errp[0] < 0)
			break;
		/* an escaped descendant holding our pipes must not hold us */
		if (reaped && (timed_out || (reaped_at && now - reaped_at > PROC_KILL_GRACE_MS)))
			break;
		if (!reaped && ((deadline && now >= deadline) || (interrupted_by && !timed_out))) {
			if (!timed_out) {
				timed_out = 1;
				stopped_by = interrupted_by;
				kill_group(pid, SIGTERM);
				term_at = now;
			} else if (now - term_at >= PROC_KILL_GRACE_MS) {
				kill_group(pid, SIGKILL);
			}
		}
		if (out[0] >= 0)
			pf[nf++] = (struct pollfd){.fd = out[0], .events = POLLIN};
		if (errp[0] >= 0)
			pf[nf++] = (struct pollfd){.fd = errp[0], .events = POLLIN};
		if (in[1] >= 0)
			pf[nf++] = (struct pollfd){.fd = in[1], .events = POLLOUT};
		if (deadline && !timed_out && deadline - now < wait_ms)
			wait_ms = (int)(deadline - now) + 1;
		if (nf == 0 && (xfd < 0 || reaped)) {
			/* child closed its output but runs on: check it again soon */
			poll(NULL, 0, wait_ms > 20 ? 20 : wait_ms);
			continue;
		}
		/* its exit wakes us too: a descendant holding the pipes must not delay the reaping */
		if (xfd >= 0 && !reaped)
			pf[nf++] = (struct pollfd){.fd = xfd, .events = POLLIN};
		if (poll(pf, (nfds_t)nf, wait_ms) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < nf; i++) {
			if (!pf[i].revents)
				continue;
			if (pf[i].fd == out[0])
				drain(&out[0], &r->out, &r->out_truncated);
			else if (pf[i].fd == errp[0])
				drain(&errp[0], &r->err, &r->err_truncated);
			else if (pf[i].fd == in[1]) {
				n = write(in[1], spec->stdin_data + in_off, spec->stdin_len - in_off);
				if (n > 0)
					in_off += (size_t)n;
				if ((n < 0 && errno != EAGAIN && errno != EINTR) || in_off >= spec->stdin_len) {
					close(in[1]);
					in[1] = -1;
				}
			}
		}
	}
	if (out[0] >= 0)
		close(out[0]);
	if (errp[0] >= 0)
		close(errp[0]);
	if (in[1] >= 0)
		close(in[1]);
	if (xfd >= 0)
		close(xfd);
	if (!reaped)
		reap(pid, &status, 1);
	if (timed_out && stopped_by) {
		r->status = PROC_INTERRUPTED;
		r->signal = stopped_by;
	} else if (timed_out) {
		r->status = PROC_TIMEOUT;
		r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	} else if (WIFEXITED(status)) {
		r->exit_code = WEXITSTATUS(status);
		r->status = r->exit_code == 0 ? PROC_OK : PROC_EXIT_NONZERO;
	} else {
		r->status = PROC_SIGNALED;
		r->signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
	finish(spec, r, t0);
	return 0;

spawn_error:
	{
		int saved = errno;
		free(env);
		if (out[0] >= 0) { close(out[0]); close(out[1]); }
		if (errp[0] >= 0) { close(errp[0]); close(errp[1]); }
		if (in[0] >= 0) { close(in[0]); close(in[1]); }
		if (ex[0] >= 0) { close(ex[0]); close(ex[1]); }
		r->status = PROC_SPAWN_ERROR;
		snprintf(r->error, sizeof(r->error), "cannot start '%s': %s", spec->argv[0], strerror(saved));
		finish(spec, r, t0);
		return 0;
	}
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

int
proc_spawn_detached(const char *const *argv, const char *cwd, const char *log_path, char *why, size_t wn)
{
	int ex[2], status, err = 0, logfd;
	pid_t pid;
	ssize_t n;

	if (pipe2(ex, O_CLOEXEC) < 0 ||
	    (logfd = open(log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		snprintf(why, wn, "cannot prepare '%s': %s", log_path, strerror(errno));
		return -1;
	}
	fflush(NULL);
	if ((pid = fork()) < 0) {
		snprintf(why, wn, "fork: %s", strerror(errno));
		close(logfd);
		return -1;
	}
	if (pid == 0) {
		int nul = open("/dev/null", O_RDONLY);
		setsid();
		signal(SIGPIPE, SIG_DFL);
		if (fork() != 0)
			_exit(0);	/* the grandchild is adopted by init: never our zombie */
		if (nul < 0 || dup2(nul, 0) < 0 || dup2(logfd, 1) < 0 || dup2(logfd, 2) < 0)
			child_fail(ex[1], errno);
		if (cwd && chdir(cwd) < 0)
			child_fail(ex[1], errno | CHILD_CHDIR_FAILED);
		close_range(3, ~0U, CLOSE_RANGE_CLOEXEC);
		execvp(argv[0], (char *const *)argv);
		child_fail(ex[1], errno);
	}
	close(ex[1]);
	close(logfd);
	reap(pid, &status, 1);
	n = read(ex[0], &err, sizeof(err));	/* EOF on exec: the grandchild started */
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
