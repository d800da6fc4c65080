/*
 * task: orch's record of a work item in the pipeline (SPEC section 4), and
 * the per-task rows written with every transition: events and applied verdicts.
 *
 * Reads return 0 / -1 (EX_NOINPUT: no task for that work item).  Writes
 * are plain statements; the engine wraps each transition's writes (task
 * update + job + event + outbox) in one store transaction.
 *
 * Jobs are in job.h.
 */
#ifndef ORCH_TASK_H
#define ORCH_TASK_H

#include <stddef.h>
#include <stdint.h>

#include "sizes.h"

struct orch_err;
struct store;

struct task {
	int64_t id;
	char project[17];
	char work_item[32];
	char issue_id[64];
	char title[512];
	char repo[4096];
	char branch[256];
	char worktree[4096];
	char stage[24];
	int blocked;
	int retries;
	int review_requested; /* the human gate's "please review" was posted */
	int64_t version;      /* bumped by every task_update: the compare-and-set token */
	int manual; /* every stage of this item is worked by people (orch-advance --manual, label "manual") */
	int round;  /* rollbacks so far: a verdict binds its code for this round only */
	char stopped[16]; /* "" live, or who stopped it how: TASK_STOP_* (always with blocked set) */
};
/*
 * A person's stop (issue 23): the tracker's Cancelled, Done or Blocked set
 * by a person, or orch-advance --cancel.  A stopped task is also blocked,
 * so nothing that skips blocked tasks (the engine, job leases, Confirm
 * Deploy) acts on it.  Cancelled and done are terminal; blocked is held
 * until --unblock or To Analyse.
 */
#define TASK_STOP_CANCELLED "cancelled"
#define TASK_STOP_DONE "done"
#define TASK_STOP_BLOCKED "blocked"
/* 1 when t was stopped for good (cancelled, or done by a person). */
int task_stopped_terminal(const struct task *t);

/*
 * With a shared store (cfg->store), tasks read from now on name this host's paths: repo is the
 * project's repository in cfg, worktree <cfg->home>/worktrees/<project>/<WI> (its workspace cache
 * here, which merge_workspace_ensure creates from the remote's branch when it is missing).  The
 * command layer calls it once, after loading the configuration; cfg must outlive every read.
 */
struct config;
void task_local_paths(const struct config *cfg);

int task_get(struct store *st, const char *wi, struct task *t, struct orch_err *e);
int task_get_id(struct store *st, int64_t id, struct task *t, struct orch_err *e);
int task_insert(struct store *st, struct task *t, struct orch_err *e);
/*
 * Write stage, blocked, retries, review_requested, round, stopped and updated_at, on the
 * condition that the row still has t->version (the state the change was
 * computed from); bumps the version.  1 applied (t->version is the new
 * one), 0 the task moved on meanwhile (nothing written), -1 error.
 */
int task_update(struct store *st, struct task *t, struct orch_err *e);

/*
 * Per-task claims: one process works a task's side-effecting gates (merge,
 * deploy, the security report) at a time.  A claim is a leases row
 * "task:<WI>" with the holder's pid, host, a random token (per process)
 * and an expiry in the store's clock (orch_now()).  A holder on this host
 * is judged by its pid (a dead one's claim is taken over), a holder on
 * another host by the expiry alone, which the holder renews while its long
 * children run (task_claim_beat), so hosts whose clocks differ agree.
 * 1 claimed now (release it), 2 already ours (a nested caller: do not
 * release), 0 held by another live process (holder describes it), -1 error.
 */
int task_claim(
    struct store *st, const struct task *t, int ttl_s, char *holder, size_t hn, struct orch_err *e);
void task_release(struct store *st, const struct task *t);
/*
 * The child a claim's holder runs: proc_spec.on_start of a long child run
 * under the claim (the deploy hook's wrapper, ci_cmd) records its process
 * group in the claim (best effort; ctx is a struct task_child).  A holder
 * killed with SIGKILL (no handler runs) leaves its child behind: task_claim
 * then does not take the claim over while that group lives.  It waits for a
 * deploy hook (reported as busy: a running deploy is never judged) and stops
 * any other child (ci_cmd: its result is nobody's now), busy this time.
 * task_lease_release_dead keeps such a claim too.
 */
struct task_child {
	struct store *st;
	const struct task *t;
	const char *kind; /* TASK_CHILD_HOOK, or the tool's name */
	int ttl_s;        /* task_claim_beat renews the claim for this long (0: it does not) */
};
#define TASK_CHILD_HOOK "deploy_hook"
void task_claim_child(void *ctx, long pgid);
/*
 * proc_spec.on_beat of that child (ctx a struct task_child): renews the
 * claim for ttl_s in the store's clock, on the condition that this process
 * still holds it.  Nonzero (stop the child) when another holder took the
 * claim over meanwhile, except for the deploy hook, which is never stopped.
 * A store that cannot be reached renews nothing and stops nothing.
 */
int task_claim_beat(void *ctx);
/* How often task_claim_beat runs: a quarter of the claim's life, at most a minute. */
int task_claim_beat_ms(int ttl_s);
/*
 * A person stopped t (engine_stop): the child its claim's holder runs is
 * stopped (ci_cmd: TERM, then KILL) unless it is the production deploy
 * hook, which is never killed.  what says which.  1 stopped, 2 a deploy
 * hook runs (left alone), 0 no child, -1 error.
 */
int task_claim_stop_child(struct store *st, const struct task *t, char *what, size_t wn, struct orch_err *e);
/*
 * Named leases other than claims (merge.c's "merge:<project>"): the caller
 * decides in its own transaction who may take one; these only read and
 * write the row.
 */
struct task_lease {
	int64_t task_id;
	char work_item[32];
	long pid;
	char host[256]; /* the holder's host ("" for a lease of an older orch: this host's) */
	int live;       /* not past its expiry in the store's clock */
};
/* The holder of lease name: 1 into *l, 0 free (*l zeroed), -1 error. */
int task_lease_holder(struct store *st, const char *name, struct task_lease *l, struct orch_err *e);
/*
 * 1 when l's holder keeps others out: on this host its pid lives, on another host its lease has not run
 * out in the store's clock.  0 for a free lease.
 */
int task_lease_alive(const struct store *st, const struct task_lease *l);
/* Make t (process pid on this host) the holder of lease name for ttl_s seconds, replacing any holder. */
int task_lease_put(
    struct store *st, const char *name, const struct task *t, long pid, int ttl_s, struct orch_err *e);
/* Drop lease name if t holds it; best effort, like task_release(). */
void task_lease_drop(struct store *st, const char *name, const struct task *t);
/*
 * Delete this host's leases and claims whose holder pid is not alive (and
 * whose child is gone), at most 32 a pass (the reaper): how many were
 * deleted, or -1.  Another host's are left to run out in the store's clock.
 */
int task_lease_release_dead(struct store *st, struct orch_err *e);
struct config;
/* Seconds a claim lives: past the longest gate work (ci_cmd, scanners, a hook), so a live holder keeps it. */
int task_claim_ttl(const struct config *cfg);
/* Work item ids of the tasks not done (the ones --all visits), in id order. */
int task_list(struct store *st, char ***wis, struct orch_err *e);
/* Their row ids, the same order (*ids malloc'd, freed by the caller): advance --all looks tasks up by id. */
int task_list_ids(struct store *st, int64_t **ids, size_t *n, struct orch_err *e);

int event_add(struct store *st, const char *wi, const char *kind, const char *from, const char *to,
    const char *detail, struct orch_err *e);
/*
 * The security gate's dependency audit of wi (gate_result.deps_audit): an event deps_degraded (detail: why)
 * or deps_audited, written only when it is not what the last one said (a tick repeating it writes nothing).
 * 0, or -1 with *e.
 */
int task_deps_audit(
    struct store *st, const char *wi, const char *stage, int degraded, const char *note, struct orch_err *e);

/* Applied human verdicts: 1 inserted (apply it now), 0 already applied. */
int verdict_claim(struct store *st, const char *issue_id, const char *state_id, const char *updated_at,
    const char *wi, const char *verdict, struct orch_err *e);

/*
 * The merge gate's tested commit (tasks.tested_sha, "" when none): 0, or -1
 * with e when the store could not answer (never read as "nothing tested").
 * task_set_tested: NULL clears it.
 */
int task_tested_sha(struct store *st, const struct task *t, char sha[ORCH_SHA_BUF], struct orch_err *e);
int task_set_tested(struct store *st, const struct task *t, const char *sha, struct orch_err *e);
/*
 * The main commit t landed on (tasks.landed_base: its merged commits are landed_base..tested_sha), ""
 * when none was recorded (landed before schema 23); 0, or -1 when the store could not answer.
 */
int task_landed_base(struct store *st, const struct task *t, char sha[ORCH_SHA_BUF]);
int task_set_landed_base(struct store *st, const struct task *t, const char *sha, struct orch_err *e);
/* The work item that reverts t (orch-deploy --revert) into wi (size n, "" when none); 0 / -1 with e. */
int task_reverted_by(struct store *st, const struct task *t, char *wi, size_t n, struct orch_err *e);
int task_set_reverted_by(struct store *st, const struct task *t, const char *wi, struct orch_err *e);
/* A blob orch wrote as path of wi (an artifact only orch writes); 0 / -1. */
int task_blob_record(
    struct store *st, const char *wi, const char *path, const char *blob, struct orch_err *e);
/* 1 when orch wrote blob as path of wi, 0 not, -1 error. */
int task_blob_known(struct store *st, const char *wi, const char *path, const char *blob, struct orch_err *e);
/* The project's trusted remote URL into url: 1 recorded, 0 none yet, -1 error. */
int task_remote_get(struct store *st, const char *project, char *url, size_t n, struct orch_err *e);
/* Record (or replace) the project's trusted remote URL; 0 / -1. */
int task_remote_put(struct store *st, const char *project, const char *url, struct orch_err *e);

/*
 * Verdicts bound to commits (task_verdicts): a passing gate records the
 * commit it judged and its code id (git_code_id) under t->round, in the
 * transition's transaction.  task_verdict_bound: the latest of stage in
 * t's round: 1 found, 0 none, -1 error.
 */
int task_verdict_record(struct store *st, const struct task *t, const char *stage, const char *sha,
    const char *code_id, struct orch_err *e);
int task_verdict_bound(struct store *st, const struct task *t, const char *stage, char sha[ORCH_SHA_BUF],
    char code_id[ORCH_SHA_BUF], struct orch_err *e);
/*
 * What a human was asked to approve (task_asks): kind "analysis" (the
 * artifacts' blob ids) or "deploy" (the tested commit).  asked_at is orch's
 * clock; mark the tracker's updated_at once orch set the asking status.
 * task_ask_get: the latest ask of kind: 1, 0 none, -1 error.
 */
struct task_ask {
	char asked_at[32], mark[40], evidence[512];
};
int task_ask_record(
    struct store *st, const struct task *t, const char *kind, const char *evidence, struct orch_err *e);
int task_ask_mark(
    struct store *st, const struct task *t, const char *kind, const char *mark, struct orch_err *e);
int task_ask_get(
    struct store *st, const struct task *t, const char *kind, struct task_ask *a, struct orch_err *e);

/* The task's updated_at (moves with every transition) into out, "" when the task is gone; 0 / -1. */
int task_updated_at(struct store *st, const struct task *t, char out[32], struct orch_err *e);

/* 1 when wi's last event of kind came after its last advance into stage (reads only). */
int task_event_since_entry(struct store *st, const char *wi, const char *kind, const char *stage);

/*
 * Done tasks (and tasks a person cancelled or set Done) whose clean-up is
 * pending and that finished before cutoff (ISO-8601), oldest first, at
 * most limit (by the partial indexes tasks_uncleaned and tasks_stopped:
 * the finished history is not read again).
 */
int task_cleanup_due(struct store *st, const char *cutoff, int limit, char ***wis, struct orch_err *e);
enum { TASK_CLEAN_PENDING = 0, TASK_CLEAN_REMOVED = 1, TASK_CLEAN_GAVE_UP = 2 };
/* The newest limit tasks whose clean-up is done (TASK_CLEAN_REMOVED), newest first. */
int task_cleaned_recent(struct store *st, int limit, char ***wis, struct orch_err *e);
int task_set_cleaned(struct store *st, const struct task *t, int state, struct orch_err *e);

/* The work items at a stage other than done (by the partial index tasks_live), oldest first. */
int task_at_live_stage(struct store *st, const char *stage, char ***wis, struct orch_err *e);
/* Done tasks whose post-deploy watch may run (tasks.watching, by its partial index). */
int task_watch_list(struct store *st, char ***wis, struct orch_err *e);
/* Mark (1) or clear (0) a task's post-deploy watch. */
int task_set_watching(struct store *st, const struct task *t, int on, struct orch_err *e);

/* Claim a once-only key (notices): 1 claimed now, 0 claimed before, -1 error. */
int task_note_once(struct store *st, const char *key, struct orch_err *e);

/*
 * orch-status's reads (struct cJSON is cJSON's own type; store_rows_json's
 * row objects, appended to the array).  0 / -1.
 *   task_items_json   the live tasks, blocked first then newest, at most
 *                     max, then the 20 last done: {work_item, stage,
 *                     blocked (bool), retries, claimed_pid, claimed_host}
 *                     (the claim's holder, null when unclaimed)
 *   task_events_json  the last n events, newest first: {ts, work_item,
 *                     kind, stage_from, stage_to, detail}
 */
struct cJSON;
int task_items_json(struct store *st, int max, struct cJSON *items, struct orch_err *e);
int task_events_json(struct store *st, int n, struct cJSON *events, struct orch_err *e);
/* The live items whose last dependency audit could not complete: {work_item, stage, detail, ts}. */
int task_deps_degraded_json(struct store *st, struct cJSON *arr, struct orch_err *e);

#endif
