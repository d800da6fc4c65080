/*
 * deploystate: the state of one deploy, below the engine (docs/deploy.md).
 *
 * A task's deploy state is the set of its sentinels.  Those orch's commands
 * decide (APPROVE_REQUESTED, INITIATED, FINALIZED, WATCH, WATCHED) are rows
 * of deploy_marks in the store, keyed by task, deploy attempt (the
 * transitions that begin a deploy, counted from their events) and host;
 * the three the hook's wrapper writes (WRAPPER_PID, HOOK_PGID, RESULT) are
 * files in $ORCH_HOME/deploy-state/<project>/<WI>/, written atomically,
 * because the wrapper runs detached without the store.  Each is written by
 * one step and read by the next, so every phase is restart-safe: a killed
 * orch-deploy or orch-advance is finished by the next tick from what they
 * say.  This module is the only one that names, writes and reads them; the
 * deploy is split by role around it: deployhook.h runs the hook and writes
 * its log (below the engine, which runs it after a merge), deploy.h
 * confirms, finalizes and watches (above the engine).  A host reads and
 * writes its own rows only (as it did its own files); the deploys row below
 * is the once-only record across hosts.
 *
 * The states, and the function that performs each transition (the way
 * SQLite's pager.c names its states):
 *
 *   (none)                     deploy_reset() forgets every sentinel when a
 *     |                        new deploy of the task begins (on_pass in
 *     |                        engine.c, on the edge deploy-staging -> deploy)
 *     |  self_deploy only
 *     v
 *   APPROVE_REQUESTED          on_pass (engine.c), Phase A: the tracker says
 *     |                        Awaiting Deploy, an alert asks for Confirm Deploy
 *     v
 *   INITIATED  "<sha>" + clocks  start_detached (deploy.c), Phase B, before
 *     |                        the hook starts: a second confirm is a no-op.
 *     |                        Not self_deploy: deploy_run_hook() (deployhook.c) writes it
 *     |                        with no sha, runs the wrapper itself (adding
 *     |                        its pgid) and goes on to FINALIZED
 *     v
 *   WRAPPER_PID  "<pid>"       deploy_hook_wrapper (deployhook.c), the
 *   HOOK_PGID    "<pgid>"      wrapper (detached or not), then its hook's process group
 *     |
 *     v
 *   RESULT  "<exit code>"      deploy_hook_wrapper when the hook exits;
 *     |                        start_failed (deploy.c, 127) when it cannot start;
 *     |                        deploy_result_due (deploy.c) for a lost deploy
 *     |                        (137 wrapper died, 124 past deploy_timeout_s)
 *     v
 *   FINALIZED  SUCCESS|FAILED|INTERRUPTED
 *     |                        finalize_one (deploy.c), Phase C, after
 *     |                        14-deploy-log.md; deploy_run_hook() in one go
 *     |                        (INTERRUPTED: an earlier run died mid-hook)
 *     |  SUCCESS, and health_cmd or health_url set
 *     v
 *   WATCH  "<total> <failed>"  written with FINALIZED by the same functions
 *     |                        ("0 0"), then rewritten by monitor_one
 *     |                        (deploy.c) after each probe
 *     v
 *   WATCHED  HEALTHY|DEGRADED  monitor_one after deploy_watch_checks probes
 *
 * Invariants:
 *  1. A sentinel is written only by the holder of the task's claim (or by
 *     the wrapper that holder started), and never removed except by
 *     deploy_reset() (a new attempt's rows start empty in any case).
 *  2. INITIATED exists before the hook can start: a deploy runs at most once.
 *  3. FINALIZED ends the deploy; WATCH without WATCHED keeps the task (and
 *     its worktree) under watch.
 *
 * hook.log (DEPLOY_HOOK_LOG) beside the wrapper's files is the hook's
 * output, not a state.  A file in the directory named like a state kept in
 * the store is never read (deploy_import_files aside, once per host).
 */
#ifndef ORCH_DEPLOYSTATE_H
#define ORCH_DEPLOYSTATE_H

#include <stddef.h>
#include <stdint.h>

#include "sizes.h"

struct config;
struct orch_ctx;
struct orch_err;
struct project;
struct store;
struct task;

/* The sentinels, in the order a deploy writes them; deploy_sentinel_file() gives each one's file name. */
enum deploy_sentinel {
	DEPLOY_APPROVE_REQUESTED,
	DEPLOY_INITIATED,
	DEPLOY_WRAPPER_PID,
	DEPLOY_HOOK_PGID,
	DEPLOY_RESULT,
	DEPLOY_FINALIZED,
	DEPLOY_WATCH,
	DEPLOY_WATCHED,
	DEPLOY_NSENTINELS
};

#define DEPLOY_HOOK_LOG "hook.log"
/* a failed deploy's log (never on the branch, so never on main) and the rollback hook's output */
#define DEPLOY_FAILED_LOG "deploy-log.md"
#define DEPLOY_ROLLBACK_LOG "rollback.log"

/* The name of s ("approve-requested", ...): its row's name, or its file's in the deploy state directory. */
const char *deploy_sentinel_file(enum deploy_sentinel s);
/* $ORCH_HOME/deploy-state/<project>/<WI>. */
int deploy_state_dir(const struct config *cfg, const struct task *t, char *out, size_t n);
/* The path of s's file for t (what the wrapper, or an older orch, writes); -1 when it does not fit in n. */
int deploy_marker_path(
    const struct config *cfg, const struct task *t, enum deploy_sentinel s, char *out, size_t n);
/* 1 when t's sentinel s exists (this host's row of the current deploy, or the wrapper's file); 0 also when
 * the store does not answer. */
int deploy_marker(struct orch_ctx *c, const struct task *t, enum deploy_sentinel s);
/* The same, with the store's failure told apart: 1 present, 0 absent, -1 with e (the store did not answer).
 */
int deploy_has(struct orch_ctx *c, const struct task *t, enum deploy_sentinel s, struct orch_err *e);
/*
 * For a view (orch-status, --explain, a stop's notice): 1 when any host
 * holds s (a state kept in the store) for t's current deploy (this host's
 * first), its name in host; 0 none (or the store did not answer).  Never for a decision: each host
 * acts on its own states (deploy_marker).
 */
int deploy_marker_any(struct orch_ctx *c, const struct task *t, enum deploy_sentinel s, char *host, size_t n);
/*
 * Once per host, before the first look at deploy state after the upgrade
 * that moved it into the store: the files an older orch left in
 * deploy-state/ become this host's rows (a deploy under way then goes on
 * where it was).  After that the files of those states are never read, so
 * a file planted there steers nothing.  0 / -1 with e.
 */
int deploy_import_files(struct orch_ctx *c, struct orch_err *e);
/* A new deploy of the task begins: forget the sentinels of the last one. */
void deploy_reset(struct orch_ctx *c, const struct task *t);
/* Write s with content (this host's row; a wrapper's sentinel: its file, atomically); 0 / -1 with e. */
int deploy_mark(struct orch_ctx *c, const struct task *t, enum deploy_sentinel s, const char *content,
    struct orch_err *e) __attribute__((warn_unused_result));
/*
 * Start the post-deploy watch: tasks.watching (what deploy_monitor reads
 * instead of every done task) and then the watch sentinel.
 */
int deploy_arm_watch(struct orch_ctx *c, const struct task *t, struct orch_err *e)
    __attribute__((warn_unused_result));
/* Write s with content in dir (the wrapper's: it knows its directory, not the task); 0 / -1 with e. */
int deploy_mark_dir(const char *dir, enum deploy_sentinel s, const char *content, struct orch_err *e)
    __attribute__((warn_unused_result));
/* Read s (at most n-1 bytes); -1 when it is absent. */
int deploy_read_marker(struct orch_ctx *c, const struct task *t, enum deploy_sentinel s, char *out, size_t n);
/*
 * The INITIATED record: the tested sha on its first line (empty when the
 * hook runs under orch-advance), then "wall <unix s>", "boottime <s>"
 * (CLOCK_BOOTTIME), "boot_id <id>", "limit_s <s>" (the hook wrapper's own
 * timeout) and, for a hook run under orch-advance, "pgid <n>": its
 * wrapper's process group, added once it runs.  A deploy's age is read on
 * the clock that does not step (boottime, same boot id), else on the wall
 * clock (after a reboot; a record of an older orch: its mtime).
 */
struct deploy_started {
	char sha[ORCH_SHA_BUF];
	long long wall, boottime, limit_s, pgid;
	char boot_id[64];
};
struct deploy_clock {
	long long wall, boottime;
	char boot_id[64];
};
void deploy_clock_now(struct deploy_clock *now);
/* A record of a deploy starting now (sha may be ""). */
void deploy_started_now(struct deploy_started *s, const char *sha, int limit_s);
int deploy_write_started(
    struct orch_ctx *c, const struct task *t, const struct deploy_started *s, struct orch_err *e);
/* The number s holds (RESULT, WRAPPER_PID, HOOK_PGID), 0..max: 0 read into *n, -1 absent or not a number. */
int deploy_marker_num(
    struct orch_ctx *c, const struct task *t, enum deploy_sentinel s, long long max, long long *n);
/* 0 read into *s, -1 no INITIATED record. */
int deploy_read_started(struct orch_ctx *c, const struct task *t, struct deploy_started *s);
/* Seconds since s was recorded, at now. */
long long deploy_age_s(const struct deploy_started *s, const struct deploy_clock *now);
/* Write name (a plain file, not a sentinel) in the deploy state directory, atomically.  0 / -1 with e. */
int deploy_state_file(const struct config *cfg, const struct task *t, const char *name, const char *text,
    struct orch_err *e) __attribute__((warn_unused_result));
/* 1 when the last deploy ended FAILED or INTERRUPTED (*code: the hook's exit code, 130 interrupted), else 0.
 */
int deploy_failed_code(struct orch_ctx *c, const struct task *t, long long *code);
/* 1 when the post-deploy watch ended DEGRADED. */
int deploy_degraded(struct orch_ctx *c, const struct task *t);
/*
 * A blocked task that a deploy holds: failed at deploy with deploy_failure:
 * hold (kind "deploy_failed"), or done with a DEGRADED watch ("degraded");
 * detail says what happened and what to do.  1 described, 0 not such a task.
 */
int deploy_hold_describe(struct orch_ctx *c, const struct task *t, const char **kind, char *detail, size_t n);

/*
 * The deploys table (issue 27): one row per deploy of a task (unique per
 * task and attempt), inserted by the host that starts the hook before it
 * writes INITIATED: with a shared store a second host (or a second run)
 * finds the row and never starts the hook again.  Only that host records
 * the result (mine_only); another host records a deploy lost
 * (status "lost", 124) when it has no result past deploy_timeout_s, and the
 * first host's late result then changes nothing.  On one host's SQLite
 * store the row is kept the same way (the history, orch-status), and
 * INITIATED keeps the once-only rule, as before.
 */
struct deploy_row {
	int64_t attempt;
	char host[256], status[16], finished_by[256];
	int64_t age_s; /* since it started, in the store's clock */
	int result;    /* the hook's exit code, -1 none yet */
};
/* Margin past the wrapper's own limit: it stops its hook (TERM, KILL after the grace) and writes RESULT. */
#define DEPLOY_WRAPPER_GRACE_S 60
/*
 * Before this host starts t's hook (sha: the tested commit): 1 start it
 * (the current attempt's row is this host's: on SQLite always), 0 not here
 * (e, code EX_WAITING, says why: another host's deploy runs or ended, or
 * deploy_host names another host), 2 another host's deploy had no result
 * past deploy_timeout_s: its row is recorded lost with an alert, and
 * INITIATED and RESULT 124 are written here, so this host's usual path
 * logs it FAILED (never a second start).  -1 with e.
 */
int deploy_row_gate(
    struct orch_ctx *c, const struct project *p, const struct task *t, const char *sha, struct orch_err *e);
/*
 * This host's deploy of t ended with code: its row says so.  1 recorded
 * (or no row: one host's store), 0 another host recorded it lost meanwhile:
 * an alert says what happened here; the caller logs nothing more.  -1.
 */
int deploy_row_result(struct orch_ctx *c, const struct task *t, int code, struct orch_err *e);
/*
 * This host's sentinels belong to one deploy of t (the attempt in the file
 * DEPLOY_ATTEMPT_FILE beside them).  With a shared store another host may
 * have begun a newer deploy since they were written: then they are forgotten
 * (deploy_reset) and the attempt recorded.  Called after deploy_reset where
 * a deploy begins, and before this host acts on t's deploy.  0 / -1 with e.
 */
#define DEPLOY_ATTEMPT_FILE "attempt"
int deploy_local_sync(struct orch_ctx *c, const struct task *t, struct orch_err *e);
/*
 * This host's deploys that another host recorded lost and whose hook has
 * ended here since: each gets deploy_row_result's alert (once: its row
 * becomes "late") and FINALIZED INTERRUPTED here.  How many, or -1.
 */
int deploy_rows_late(struct orch_ctx *c, struct orch_err *e);
/* 1 this host inserted the row of the current attempt (start the hook), 0 it exists (*d says whose), -1. */
int deploy_row_start(
    struct store *st, const struct task *t, const char *sha, struct deploy_row *d, struct orch_err *e);
/* The current attempt's row: 1 into *d, 0 none yet, -1 with e. */
int deploy_row_current(struct store *st, const struct task *t, struct deploy_row *d, struct orch_err *e);
/* Record the running row's end (status success|failed|interrupted|lost): 1 recorded, 0 not running, -1. */
int deploy_row_finish(
    struct store *st, const struct task *t, const char *status, int code, int mine_only, struct orch_err *e);

#endif
