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
 *     runner's pid and a lease deadline, and counts the attempt.  Two
 *     runners can never lease the same job.
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

#include <stdint.h>

struct orch_err;
struct store;

struct job {
	int64_t id, task_id, run_id;
	char work_item[32];
	char agent[24];
	char stage[24];
	int attempts;
	char *description;	/* malloc'd */
};

int job_enqueue(struct store *st, int64_t task_id, const char *agent, const char *stage,
    const char *description, int64_t *job_id, struct orch_err *e);
/* Queued or running jobs of the task (for agent, or any agent when NULL). */
int job_active(struct store *st, int64_t task_id, const char *agent, struct orch_err *e);
/* The newest job of the task at stage that is not done (for orch-status): 1 found, 0 none, -1 error. */
struct job_view {
	int64_t id;
	char agent[24];
	char status[16];	/* queued | running | failed | dead */
	int attempts;
	int64_t available_at;	/* unix seconds: a queued job waits for it (backoff) */
	long pid;
};
int job_latest(struct store *st, int64_t task_id, const char *stage, struct job_view *v, struct orch_err *e);
/*
 * Queued jobs still in their backoff at now (their task not blocked): how
 * many, and the earliest available_at (for orch-work's "skipped" line).
 */
int job_backoff(struct store *st, int64_t now, int *count, int64_t *next, struct orch_err *e);
/* Returns how many jobs it marked done, or -1. */
int job_finish_agent(struct store *st, int64_t task_id, const char *agent, struct orch_err *e);

/* 1 leased into *j, 0 nothing available now, -1 error. */
int job_lease(struct store *st, int pid, int64_t now, int lease_s, struct job *j, struct orch_err *e);
/* Start a run record for a leased job (sets j->run_id). */
int job_run_start(struct store *st, struct job *j, int pid, struct orch_err *e);

struct job_outcome {
	int ok;			/* the agent exited 0 */
	int exit_code;		/* -1 when it did not exit normally */
	const char *status;	/* proc status name */
	int64_t duration_ms;
	const char *log_path;
	const char *reason;	/* one line for the event and the alert */
	int interrupted;	/* the runner was stopped (SIGTERM/SIGINT): requeue, attempt not counted */
};

/* Returns the job's new status ("done", "queued", "dead") via *new_status. */
int job_complete(struct store *st, const struct job *j, const struct job_outcome *o, int max_attempts,
    int backoff_s, int64_t now, const char **new_status, struct orch_err *e);
void job_free(struct job *j);
/*
 * The running job's agent process group (its pid): the reaper requeues a
 * job only when both its runner and this group are gone.
 */
int job_note_agent(struct store *st, int64_t job_id, long pgid, struct orch_err *e);

/*
 * The reaper's side (orch-reconcile): it decides from liveness which
 * running jobs to requeue; these are its only statements on jobs.
 */
struct job_running {
	long long id, pid, attempts, strikes;
	long long started;	/* unix seconds of the lease (jobs.updated_at), 0 when unknown */
	long long exited;	/* 1: the latest agent run finished while the job still says running */
	long long pgid;		/* the agent's process group, 0 when not yet noted */
	char wi[32], agent[24];
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

/* Replace {work_item} {stage} {worktree} {branch} in arg; malloc'd. */
char *job_expand_arg(const char *arg, const char *wi, const char *stage, const char *worktree,
    const char *branch);

/*
 * orch-status's job list (store_rows_json's row objects appended to items,
 * struct cJSON being cJSON's own type): the jobs not done, newest first, at
 * most max, then the 20 newest done, each {id, work_item, agent, status,
 * attempts, pid, lease_until}.  0 / -1.
 */
struct cJSON;
int job_items_json(struct store *st, int max, struct cJSON *items, struct orch_err *e);

#endif
