/*
 * job: agent jobs and their runs (SPEC section 9, orch-work).
 *
 *     enqueue        lease                 exit 0
 *   ---------> queued -----> running -----------------> done
 *                ^              |
 *                |  failure,    | failure, attempts == job_max_attempts
 *                |  attempts    v
 *                +-- left --- (backoff)        dead (+ alert)
 *
 * Invariants:
 *  1. job_enqueue() adds a queued job unless the task already has a queued
 *     or running job for that agent (it then returns that job's id): a
 *     replay never doubles work.
 *  2. job_lease() is one BEGIN IMMEDIATE transaction: it picks the oldest
 *     queued job whose available_at has come, marks it running with the
 *     runner's pid and host, a random lease token and a lease deadline in
 *     the store's clock (orch_now() + lease_s), and counts the attempt.
 *     Two runners can never lease the same job.  job_renew() extends the
 *     lease while the agent runs (orch-work's heartbeat); job_complete()
 *     and job_note_agent() are conditioned on the token, so a job rescued
 *     from a host whose lease expired (the reaper of any host) cannot be
 *     completed, or noted, by its first runner: the fencing token.
 *  3. A run row (agent_runs) is written when the run starts, with the
 *     runner's pid, so a runner killed mid-job leaves a running job with a
 *     dead pid and a lease deadline: everything the reaper needs.
 *  4. job_complete() records the run's end and moves the job to done, back
 *     to queued with available_at = now + backoff * 2^(attempts-1), or dead
 *     with an alert — in one transaction.
 *  5. job_finish_agent() marks the task's queued/running jobs of an agent
 *     done (orch-advance --agent: the agent reports it finished).
 *  6. The reaper (reconcile.c) requeues or kills a job only through
 *     job_reap(), which changes nothing unless the job is still running.
 */
#ifndef ORCH_JOB_H
#define ORCH_JOB_H

#include <stddef.h>
#include <stdint.h>

#include "sizes.h"

struct orch_err;
struct store;

struct job {
	int64_t id, task_id, run_id;
	char token[33]; /* the lease's token ("" for a job leased before schema 24) */
	char work_item[32];
	char agent[24];
	char stage[24];
	int attempts;
	char *description; /* malloc'd */
};

int job_enqueue(struct store *st, int64_t task_id, const char *agent, const char *stage,
    const char *description, int64_t *job_id, struct orch_err *e);
/* Queued or running jobs of the task (for agent, or any agent when NULL). */
int job_active(struct store *st, int64_t task_id, const char *agent, struct orch_err *e);
/* The newest job of the task at stage that is not done (for orch-status): 1 found, 0 none, -1 error. */
struct job_view {
	int64_t id;
	char agent[24];
	char status[16]; /* queued | running | failed | dead */
	int attempts;
	int64_t available_at; /* unix seconds: a queued job waits for it (backoff) */
	long pid;
};
int job_latest(struct store *st, int64_t task_id, const char *stage, struct job_view *v, struct orch_err *e);
/*
 * What a brief needs of a task's history at stage (lib/brief.h): the
 * description of job job_id (0: the newest job at stage; none: "") and
 * when a run of the stage's jobs last finished ("" never), ISO-8601.
 * 0 with h->description malloc'd (job_stage_history_free), -1 with *e.
 */
struct job_stage_history {
	char *description;
	char last_run[40];
};
int job_stage_history(struct store *st, int64_t task_id, const char *stage, int64_t job_id,
    struct job_stage_history *h, struct orch_err *e);
void job_stage_history_free(struct job_stage_history *h);
/*
 * Queued jobs still in their backoff at now (their task not blocked): how
 * many, and the earliest available_at (for orch-work's "skipped" line).
 */
int job_backoff(struct store *st, int64_t now, int *count, int64_t *next, struct orch_err *e);
/* Returns how many jobs it marked done, or -1. */
int job_finish_agent(struct store *st, int64_t task_id, const char *agent, struct orch_err *e);

/*
 * A person stopped the task (engine_stop): its queued and running jobs
 * become done with cancelled_at, inside the caller's transaction; the
 * running ones' agent process groups (those noted) go into pgids (at most
 * max, *np of them) for the caller to stop after the commit.  A runner
 * whose job was cancelled finds it no longer running ("lost") and records
 * nothing.  How many jobs were cancelled, or -1.
 */
int job_cancel_task(struct store *st, int64_t task_id, long *pgids, int max, int *np, struct orch_err *e);
/*
 * The newest job of the task at stage, whatever its status (the engine
 * reads whether its stage's agent went dead): 1 into *v, 0 none, -1.
 */
struct job_last {
	int64_t id;
	char agent[24], status[16];
	int attempts;
	char last_error[512]; /* the reason of its last failed run, "" when none */
	char at[32];          /* updated_at: when it went dead */
};
int job_last(struct store *st, int64_t task_id, const char *stage, struct job_last *v, struct orch_err *e);
/* 1 leased into *j (by host, for lease_s), 0 nothing available now, -1 error. */
int job_lease(
    struct store *st, int pid, const char *host, int64_t now, int lease_s, struct job *j, struct orch_err *e);
/* Extend the running job's lease to orch_now() + lease_s: 1 still ours, 0 lost (rescued, cancelled), -1. */
int job_renew(struct store *st, const struct job *j, int lease_s, struct orch_err *e);
/* Start a run record for a leased job (sets j->run_id). */
int job_run_start(struct store *st, struct job *j, int pid, struct orch_err *e);

struct job_outcome {
	int ok;             /* the agent exited 0 */
	int exit_code;      /* -1 when it did not exit normally */
	const char *status; /* proc status name */
	int64_t duration_ms;
	const char *log_path;
	const char *reason;     /* one line for the event and the alert */
	int interrupted;        /* the runner was stopped (SIGTERM/SIGINT): requeue, attempt not counted */
	const char *result_sha; /* the branch head the run left (pushed to the remote), or NULL */
};

/*
 * The commit an agent's run left on another host (jobs.result_sha, pushed
 * to the remote by its runner): the newest such job of the task's current
 * stage (a later stage's gates judged it already), 1 into
 * *ref, 0 none, -1 with e.  A gate judges the branch only once this host's
 * copy holds that commit (or long after: lib/gate.c); the record stays, as
 * every host asks its own copy.
 */
struct job_result_ref {
	int64_t job_id;
	char sha[ORCH_SHA_BUF];
	char host[256];
	int64_t finished_us; /* when the job was completed (its host's clock), 0 unknown */
};
int job_result_elsewhere(struct store *st, int64_t task_id, struct job_result_ref *ref, struct orch_err *e);

/* Job statuses (the jobs.status column). */
#define JOB_QUEUED "queued"
#define JOB_RUNNING "running"
#define JOB_DONE "done"
#define JOB_DEAD "dead"
/* Returns the job's new status ("done", "queued", "dead") via *new_status. */
int job_complete(struct store *st, const struct job *j, const struct job_outcome *o, int max_attempts,
    int backoff_s, int64_t now, const char **new_status, struct orch_err *e);
void job_free(struct job *j);
/*
 * The running job's agent process group (its pid): the reaper requeues a
 * job only when both its runner and this group are gone.  0; -1 with *e
 * clear when the job no longer runs (cancelled meanwhile: the runner stops
 * the agent it just started), -1 with *e on a store error.
 */
int job_note_agent(struct store *st, const struct job *j, long pgid, struct orch_err *e);

/*
 * The reaper's side (orch-reconcile): it decides from liveness which
 * running jobs to requeue; these are its only statements on jobs.
 */
struct job_running {
	long long id, pid, attempts, strikes;
	long long started; /* unix seconds of the lease (jobs.updated_at), 0 when unknown */
	long long exited;  /* 1: the latest agent run finished while the job still says running */
	long long pgid;    /* the agent's process group, 0 when not yet noted */
	long long expired; /* 1: its lease ran out in the store's clock (no heartbeat) */
	char wi[32], agent[24];
	char host[72]; /* the runner's host ("": leased before schema 24, this host's) */
};
/* The running jobs, at most max, into v: how many, or -1. */
int job_list_running(struct store *st, struct job_running *v, int max, struct orch_err *e);
/* Record dead_strikes of a job still running (the reaper's "looked dead last time"). */
int job_set_dead_strikes(struct store *st, int64_t job_id, int strikes, struct orch_err *e);
/*
 * Requeue (available at now) or kill a job that is still running, inside
 * the caller's transaction.  1 done, 0 the job was no longer running
 * (settled by someone else: the caller rolls back), -1 error.
 */
int job_reap(struct store *st, int64_t job_id, int requeue, int64_t now, struct orch_err *e);

/*
 * Run records: what an agent run did, durable before orch needs the store
 * (an outside write lock on orch.db past busy_timeout must not make a
 * finished run look lost).  One file per attempt,
 * $ORCH_HOME/runs/jobs/job<ID>-attempt<N>.json, written atomically by the
 * runner: "started" just before the agent is spawned, "finished" with the
 * outcome as soon as it exited.  orch-work's next run and the reaper
 * complete a running job from a finished record (job_complete with the
 * recorded outcome) instead of running the agent again; a started record
 * without an outcome says the agent may have acted.  The file is removed
 * once the store holds the outcome.
 */
struct job_record {
	int64_t job_id, run_id;
	int attempt;
	char work_item[32], agent[24], stage[24];
	long runner_pid;
	char token[33]; /* the lease token: a completion from the record is fenced like the runner's */
	int finished;   /* 0: started only */
	int ok, exit_code, interrupted;
	char status[16];
	int64_t duration_ms;
	char log_path[ORCH_PATH_MAX_2];
	char reason[512];
};
/* The record's path; -1 when it does not fit. */
int job_record_path(const char *home, int64_t job_id, int attempt, char *out, size_t n);
/* Write r atomically (creating runs/jobs); 0 / -1 with e. */
int job_record_write(const char *home, const struct job_record *r, struct orch_err *e)
    __attribute__((warn_unused_result));
/* 1 read into *r, 0 no record, -1 unreadable (e says which file and why). */
int job_record_read(const char *home, int64_t job_id, int attempt, struct job_record *r, struct orch_err *e);
/* Forget the record once the store holds the outcome (best effort: a leftover is never read again). */
void job_record_remove(const char *home, int64_t job_id, int attempt);
/* The job and outcome a finished record stands for (o's strings point into r). */
void job_record_outcome(const struct job_record *r, struct job *j, struct job_outcome *o);
/* 1 when agent's runs deploy (the deployer): never run again once started without a recorded outcome. */
int job_agent_deploys(const char *agent);

/* Replace {work_item} {stage} {worktree} {branch} {brief} (the brief file's path) in arg; malloc'd. */
char *job_expand_arg(const char *arg, const char *wi, const char *stage, const char *worktree,
    const char *branch, const char *brief);

/*
 * orch-status's job list (store_rows_json's row objects appended to items,
 * struct cJSON being cJSON's own type): the jobs not done, newest first, at
 * most max, then the 20 newest done, each {id, work_item, agent, status,
 * attempts, pid, lease_until}.  0 / -1.
 */
struct cJSON;
/*
 * Dead jobs that still need a person: the item is still at the job's stage
 * and not done.  One whose item moved on (or is done) leaves the attention
 * list (it stays listed, with open false in job_items_json).
 */
int job_dead_open(struct store *st, int *n, struct orch_err *e);
int job_items_json(struct store *st, int max, struct cJSON *items, struct orch_err *e);

#endif
