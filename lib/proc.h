/*
 * proc: the only module that creates processes (SPEC section 14).
 *
 * Calling sequence: fill a struct proc_spec (argv array, never a shell
 * string; cwd; extra environment; timeout; output cap; optional stdin
 * data), call proc_run(), read the struct proc_result envelope, then
 * proc_result_free().
 *
 * Guarantees:
 *  1. The child runs in its own process group.  On timeout the whole group
 *     gets SIGTERM, then SIGKILL after PROC_KILL_GRACE_MS.  When the child
 *     exits, members of its group still alive are killed: a run leaves no
 *     processes behind.
 *  2. The child environment is the caller's minus orch's own secrets
 *     (proc_is_secret_env) plus spec->env_extra ("NAME=value").
 *  3. Output beyond out_cap is read and discarded; *_truncated says so.
 *  4. exec failures come back over a close-on-exec pipe: ENOENT/EACCES is
 *     PROC_NOT_FOUND, anything else PROC_SPAWN_ERROR.  A cwd that cannot be
 *     entered is PROC_SPAWN_ERROR whose error names the directory (never
 *     "cannot run 'git'" while git is installed).  The child does only
 *     async-signal-safe work between fork and exec.
 *  5. SIGPIPE is ignored in the calling process from the first run on (a
 *     child that never reads its stdin must not kill orch); the child gets
 *     the default disposition back.
 *  6. When spec->observe is set it is called once per run with the result
 *     (the store uses it for per-tool metrics).
 *  7. A run returns as soon as the child has exited and its output is
 *     drained: a pidfd (Linux 5.3+) wakes the wait, never a timed nap.
 *  8. No descendant outlives its run.  After proc_supervise() this process
 *     is a child subreaper: a descendant that left the group (setsid,
 *     setpgid) is re-parented to us when its parent dies, and when a run
 *     ends (exit, timeout, interruption) every process re-parented to us is
 *     stopped (TERM, KILL after the grace) and reaped, until none is left.  The sessions started by
 *     proc_spawn_detached() are spared: they are meant to outlive orch.
 *  9. With spec->run_as the child drops to that user, its primary group and
 *     its supplementary groups just before exec (setgroups, setgid, setuid),
 *     and checks that the switch took and cannot be undone; a failure is
 *     PROC_SPAWN_ERROR with the reason: the command never runs as orch's
 *     own user instead.
 *
 * Return: 0 when the envelope is filled (whatever the child did), -1 only
 * when the arguments are unusable (empty argv).
 */
#ifndef ORCH_PROC_H
#define ORCH_PROC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

struct orch_err;

#define PROC_KILL_GRACE_MS 2000
#define PROC_DEFAULT_CAP (4 * BUF_MIB)

enum proc_status {
	PROC_OK,
	PROC_EXIT_NONZERO,
	PROC_TIMEOUT,
	PROC_NOT_FOUND,
	PROC_SIGNALED,
	PROC_SPAWN_ERROR,
	PROC_INTERRUPTED, /* this process got SIGTERM/SIGINT: the child's group was stopped */
};

struct proc_result;

#define PROC_MAX_GROUPS 64

/* A user to run a child as, resolved in the parent (getpwnam is not async-signal-safe). */
struct proc_user {
	char name[64];
	uid_t uid;
	gid_t gid;
	gid_t groups[PROC_MAX_GROUPS];
	int ngroups;
};

struct proc_spec {
	const char *const *argv;      /* argv[0] searched in PATH */
	const char *cwd;              /* NULL: inherit */
	const char *const *env_extra; /* NULL-terminated "K=V", may be NULL */
	int timeout_ms;               /* <= 0: no timeout (not used by orch) */
	size_t out_cap;               /* 0: PROC_DEFAULT_CAP */
	const char *stdin_data;       /* NULL: /dev/null */
	size_t stdin_len;
	const char *tool;        /* metric name; NULL: basename of argv[0] */
	unsigned expected_codes; /* bit n: exit code n is an answer, not a failure (metrics) */
	void (*observe)(void *ctx, const char *tool, const struct proc_result *r);
	void *observe_ctx;
	/*
	 * Called once the child exists, with its pid (= its process group id),
	 * before its program runs: the child waits until this returns, and never
	 * runs its program when this process dies first.  So whatever on_start
	 * records (a claim's child group) is recorded before the program can act.
	 * When the exec then fails, what it recorded names a group already gone.
	 */
	void (*on_start)(void *ctx, long pid);
	void *on_start_ctx;
	const struct proc_user *run_as; /* NULL: as this process's user (guarantee 9) */
	/*
	 * Called every beat_ms while the child runs (orch-work renews its job's
	 * lease); a nonzero return stops the child's group as a timeout does
	 * (TERM, KILL after the grace; status PROC_TIMEOUT, beat_stopped set).
	 */
	int (*on_beat)(void *ctx);
	void *on_beat_ctx;
	int beat_ms;
};

struct proc_result {
	enum proc_status status;
	int exit_code; /* valid for OK / EXIT_NONZERO */
	int signal;    /* valid for SIGNALED / TIMEOUT */
	int64_t elapsed_ms;
	struct buf out, err;
	int out_truncated, err_truncated;
	char error[256];  /* spawn / not-found detail */
	int failed;       /* for metrics: not ok and not an expected exit code */
	int beat_stopped; /* spec->on_beat asked to stop the child */
};

int proc_run(const struct proc_spec *spec, struct proc_result *r);
void proc_result_free(struct proc_result *r);
const char *proc_status_name(enum proc_status s);
/* 1 when NAME=... must never reach a child (tracker and bot tokens). */
int proc_is_secret_env(const char *entry);
/* The run as a shell would report it: the exit code, 124 timeout, 127 not found, 128+signal. */
int proc_exit_code(const struct proc_result *r);
/* 1 when a process with this pid exists (ours or not), 0 when it is gone or pid <= 0. */
int proc_alive(long pid);
/* 1 when a process group with this id still has a member. */
int proc_group_alive(long pgid);
/* SIGKILL to every member of the group (a stuck agent or deploy hook). */
void proc_kill_group(long pgid);
/*
 * The common start-up of every command that may run children (cli_init):
 * make this process a child subreaper (guarantee 8) and install the stop
 * handler.  SIGTERM/SIGINT while no run is in progress end the process as
 * the signal would; during a run they stop the child's group (TERM, then
 * KILL after the grace), kill what escaped it, record the run through
 * spec->observe, call the on_stop hook (the command's run record), and
 * then end the process by the same signal.  Returns 0, or -1 with errno
 * when the kernel refuses the subreaper (the group kill still applies).
 */
int proc_supervise(void);
/* Called once, after an interrupted run is stopped and before the process ends (see proc_supervise). */
void proc_on_stop(void (*fn)(void *ctx, int sig), void *ctx);
/*
 * For a caller that records the interruption itself (orch-work requeues
 * its job): from now on SIGTERM/SIGINT only set a flag; a running
 * proc_run() stops its child's group and returns PROC_INTERRUPTED, and the
 * caller checks proc_interrupted() (the signal, 0: none) between runs.
 */
void proc_interrupt_on_signals(void);
int proc_interrupted(void);
/*
 * Kill and reap every process re-parented to this one except the detached
 * sessions (guarantee 8); proc_run() does it after each run.  Returns how
 * many were killed.
 */
int proc_sweep_descendants(void);
/*
 * The file a run of name would execute: the first regular, executable
 * PATH entry (PATH as children get it; unset: /bin:/usr/bin), or name
 * itself when it holds a '/'.  0 with the path in out, -1 when none (the
 * run would be PROC_NOT_FOUND).  Starts no process.
 */
int proc_which(const char *name, char *out, size_t n);
/* One line describing a failed run, for gate reasons and metrics. */
void proc_describe(const struct proc_result *r, char *out, size_t n);

/*
 * Start argv detached: in its own session (setsid), stdin from /dev/null,
 * stdout and stderr appended to log_path, no descriptor of ours, not waited
 * for (it outlives orch; the sweep of guarantee 8 spares its session, and
 * only reaps it once it has exited).  Its environment is ours minus orch's secrets, plus
 * env_extra ("NAME=value", may be NULL).  Returns 0 once it is started, -1
 * with why.
 */
int proc_spawn_detached(const char *const *argv, const char *cwd, const char *const *env_extra,
    const char *log_path, char *why, size_t wn);

/*
 * The user name (agent_user) as a proc_user: uid, primary gid and every
 * group it belongs to (getpwnam, getgrouplist).  0, or -1 with why in e
 * (unknown user, root, more than PROC_MAX_GROUPS groups).
 */
int proc_user_lookup(const char *name, struct proc_user *u, struct orch_err *e);
/* 1 when this process may switch a child to another user (root, or CAP_SETUID and CAP_SETGID). */
int proc_can_switch_user(void);
/*
 * Give the tree under dir (dir included) to u: lchown of every entry to
 * u's uid and primary gid, symlinks not followed, no other filesystem
 * entered.  For the workspace of an agent that runs as agent_user.  0, or
 * -1 with the first path that failed in e.
 */
int proc_user_chown_tree(const struct proc_user *u, const char *dir, struct orch_err *e);

/*
 * Replace this process with argv (the orch dispatcher's hand-off, like
 * git running git-<name>).  path is the program file; argv[0] its name.
 * Returns only on failure (-1, errno set).
 */
int proc_exec_replace(const char *path, const char *const *argv);

#endif
