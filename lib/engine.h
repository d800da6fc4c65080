/*
 * engine: stages, their gates, and the rules that move a task (SPEC 5, 7).
 *
 *   analysis -> architecture -> development -> review -> testing
 *            -> deploy-staging -> deploy -> done
 *
 * Invariants:
 *  1. Every transition writes the task, its job, its event and its
 *     notification in ONE store transaction; a crash leaves all or none.
 *     The tracker's display status is set after the commit (a stale
 *     display status is repaired by the next transition or the reconciler).
 *  2. A human verdict (Approved/Rejected on the analysis gate) is claimed
 *     by its key (issue id, state id, updated_at) in the same transaction
 *     as its effect: a verdict seen again does nothing.
 *  3. Red at review/testing/deploy-staging/deploy rolls back to
 *     development and enqueues developer with the findings quoted; red at
 *     analysis/architecture/development re-enqueues that stage's agent.
 *     Each red counts one retry; the red after max_developer_retries
 *     blocks the task (tracker Blocked + alert).  A blocked task is never
 *     advanced until engine_unblock(), which resets the count.
 *  4. A stage whose agent job is queued or running is waiting.
 *  5. Nothing here aborts: gate failures are outcomes; store failures
 *     return -1 with *e and leave the task as it was.
 *
 * Who moves what:
 *   engine_start    (none) -> analysis         orch-advance --start
 *   engine_advance  stage  -> next | development | same (retry) | blocked
 *   engine_unblock  blocked -> same stage, retries 0  orch-advance --unblock
 *   engine_resume   blocked|idle -> same stage        tracker To Analyse
 *   engine_stop     live -> stopped (blocked)         --cancel, a person's Cancelled/Done/Blocked
 *   (Confirm Deploy is deploy_confirm_verdict in deploy.h, above the engine)
 */
#ifndef ORCH_ENGINE_H
#define ORCH_ENGINE_H

#include <stdint.h>

#include "err.h"

#include "ctx.h"

/* OUT_BUSY: another process holds the task's claim; skipped this tick (exit 0). */
enum engine_outcome { OUT_ADVANCED, OUT_ROLLED_BACK, OUT_WAITING, OUT_BLOCKED, OUT_NOOP, OUT_BUSY };

struct advance_result {
	char work_item[32];
	char stage_before[24], stage_after[24];
	enum engine_outcome outcome;
	char gate[48];
	int passed;
	char reason[1024];
	char enq_agent[24]; /* empty: nothing enqueued */
	int64_t job_id;
	int retry_count, retry_max;
	int dry_run;
	int refused;         /* a plain "no": the item is not where this command acts (exit 1) */
	struct orch_err err; /* err.code != 0: this item failed (exit class) */
};

const char *engine_outcome_name(enum engine_outcome o);
/* r emptied for wi: outcome OUT_NOOP, retry_max max (0 where retries do not apply: the deploy steps). */
void engine_result_init(struct advance_result *r, const char *wi, int max);
struct task;
/*
 * Take t's claim (task_claim) and re-read t under it: 1 ours now (the
 * caller releases it), 2 ours already (an outer step holds it), 0 busy
 * (r->outcome OUT_BUSY, r->reason names the holder), -1 error in r->err.
 * Every side effect on a claimed stage (a gate that acts, a deploy step)
 * runs only after this, on what it re-read.
 */
int engine_claim(struct orch_ctx *c, struct task *t, struct advance_result *r);
/* The stage after s, or NULL for done / unknown. */
const char *engine_next_stage(const char *s);
const char *engine_stage_agent(const char *s);
int engine_stage_valid(const char *s);
/* One of the stages' agents (analyst ... deployer), what --agent names. */
int engine_agent_valid(const char *a);

/*
 * Start wi: branch, worktree, task at analysis, analyst job.  Under the
 * item's claim: a second starter at the same moment is OUT_BUSY, and one
 * after it finds the task ("already started").
 */
int engine_start(struct orch_ctx *c, const char *wi, struct advance_result *r);
int engine_advance(
    struct orch_ctx *c, const char *wi, const char *agent_done, int dry_run, struct advance_result *r);
/*
 * engine_advance of the task with row id (orch-advance --all walks
 * task_list_ids()).  It reads under a store snapshot (store.h 5), which it
 * ends before a gate runs and leaves open when the item only waits: the
 * caller ends it with store_snapshot_end() after the last id.
 */
int engine_advance_id(
    struct orch_ctx *c, int64_t id, const char *agent_done, int dry_run, struct advance_result *r);
int engine_unblock(struct orch_ctx *c, const char *wi, struct advance_result *r);
/*
 * Manual per item (orch-advance --manual / --auto, the tracker label
 * "manual"): on, every stage of wi is worked by people (its queued agent
 * jobs are cancelled); off, automated again (the current stage's agent is
 * enqueued).  Event manual_on / manual_off and one notice, in one
 * transaction; source says who asked.  0 (r says what), -1 in r.
 */
int engine_set_manual(
    struct orch_ctx *c, const char *wi, int on, const char *source, struct advance_result *r);
struct gate_verdict;
/*
 * A person stops a live item (issue 23; docs/operations.md "Stopping,
 * retrying and reverting"): how is TASK_STOP_CANCELLED (orch-advance
 * --cancel, the tracker's Cancelled), TASK_STOP_DONE (the tracker's Done
 * on an item not done) or TASK_STOP_BLOCKED (the tracker's Blocked set by
 * a person).  One transaction, conditioned on the task's version (a
 * transition committed meanwhile: the task is read again): the task
 * blocked and stopped, its queued and running jobs cancelled, the event
 * and one notice; key (the tracker status, NULL for the command) claimed
 * in it.  Then the cancelled jobs' agents and the claim's ci_cmd are
 * stopped; a running production deploy hook is not (the stop applies
 * after it).  The tracker keeps the person's status; --cancel sets
 * Cancelled.  A done, stopped, or (for Blocked) blocked item: nothing.
 */
int engine_stop(struct orch_ctx *c, const char *wi, const char *how, const char *reason,
    const struct gate_verdict *key, struct advance_result *r);
/*
 * Tracker status To Analyse on an existing task (orch-poll): applied once
 * per verdict key.  A blocked task is unblocked (retries reset); an idle
 * one gets its stage's agent enqueued; the display status returns to the
 * stage's.  A key seen before is a noop that writes nothing.
 */
int engine_resume(
    struct orch_ctx *c, const char *wi, const struct gate_verdict *key, struct advance_result *r);
/*
 * Claim a verdict key with an event and nothing else (Confirm Deploy, an
 * ignored verdict): 1 claimed now, 0 seen before, 2 the task moved on
 * meanwhile (not claimed: seen again next poll), -1 error.
 */
int engine_claim_verdict(struct orch_ctx *c, const char *wi, const struct gate_verdict *key,
    const char *event, const char *why, struct advance_result *r);
/*
 * A human verdict that deliberately does nothing here (Approved on deploy):
 * recorded once per key with an event saying why.  1 recorded now, 0 seen
 * before, -1 error.
 */
int engine_note_verdict(struct orch_ctx *c, const char *wi, const struct gate_verdict *key, const char *why,
    struct advance_result *r);
struct buf;
struct store;
struct task;
/*
 * For orch-advance --explain: each artifact the current stage's gate reads,
 * its frontmatter key and value, and which are missing or red.  Reads only.
 */
int engine_explain(struct orch_ctx *c, const char *wi, struct buf *out, struct orch_err *e);
/*
 * What a task waits for now, for orch-status, in the engine's own terms:
 * kind is one of blocked, job (queued or running), backoff (a failed job's
 * retry at next_attempt, unix seconds), dead_job, verdict (a human's
 * tracker status), manual (people work the stage and owe an artifact),
 * artifact (an agent's stage finished without its artifact, or it is red),
 * deploy (production deploy under way), gate (everything is there: the next
 * orch-advance decides), error (git could not answer), "" (nothing: done).
 * With read_branch 0 the branch is not read (the caller's cap on git reads)
 * and a stage without a job says "not examined".  Reads only; returns 1
 * when it read the branch, 0 when not, -1 on a store error.
 */
struct engine_wait {
	const char *kind;
	char detail[700];
	int64_t next_attempt;
};
int engine_waits_for(const struct config *cfg, struct store *st, const struct task *t, int read_branch,
    struct engine_wait *w, struct orch_err *e);
/* 1 when stage of project is worked by people (its agent has no command). */
int engine_stage_manual(const struct config *cfg, const char *project, const char *stage);
/* Exit code for one result (0 advanced/noop, 1 red/blocked, 2 waiting, or err.code). */
int engine_result_exit(const struct advance_result *r);
/* Fold r into the exit code rc of a run over many items (--all: 0 unless one errored). */
int engine_result_combine(int rc, const struct advance_result *r, int many);

#endif
