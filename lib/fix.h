/*
 * fix: the fix pipeline behind orch-fix (docs/fix-pipeline.md):
 *
 *   plan -> policy -> patch -> patch policy -> validate -> commit -> review
 *
 *  1. Plan: derived from the dependency audit of the branch head
 *     (--from-audit: each vulnerable pinned requirement pinned to the lowest
 *     version that fixes all its advisories), read from --plan FILE or the
 *     branch's docs/work-items/<WI>/18-fix-plan.json, or written by the
 *     project's `fixer` agent on stdout (an invalid plan is sent back with
 *     the errors and the previous output, at most FIX_MAX_REPAIRS times).
 *  2. Policy (fixplan.h) before and after patching; the patch is made by
 *     fixpatch.h from the committed files at the branch head.
 *  3. Validation in a scratch worktree detached at the branch head: git
 *     apply --check, the project's ci_cmd (ci_timeout_s), and for
 *     dependency plans the audit again: the plan's advisories gone and no
 *     new ones.
 *  4. Only then the validated commit (the patch and 19-fix-report.md) is
 *     fast-forwarded onto the branch in the task's worktree, which must be
 *     clean and still at the head the patch was made from; the task goes
 *     back to review (the reviewer enqueued, a queued developer job
 *     superseded) in one store transaction, unless no_advance.  Never a
 *     merge, never a push.
 *
 * Every run but a dry run is a fix_runs row, whatever its outcome; a
 * refused run commits nothing to the branch.
 *
 * Return: 0 with r->status one of validated | dry_run | invalid (the plan
 * or an operation is bad) | blocked (policy) | failed (validation, or the
 * branch moved) | busy (another process holds the task's claim, task.h) |
 * error (a tool or the store failed; see r->reason); -1
 * only when there is no run to record (unknown work item, store failure),
 * with *e.
 */
#ifndef ORCH_FIX_H
#define ORCH_FIX_H

#include <stdint.h>

#include "buf.h"
#include "fixplan.h"
#include "sizes.h"

struct orch_ctx;
struct orch_err;
struct project;
struct task;

#define FIX_MAX_REPAIRS 2

struct fix_opts {
	const char *work_item;
	const char *plan_file; /* --plan FILE */
	int from_audit;        /* --from-audit */
	int dry_run;           /* print the plan and the diff; change nothing */
	int no_advance;        /* commit the fix, leave the stage */
};

struct fix_result {
	int64_t run_id;
	char work_item[32];
	char source[16]; /* audit | file | branch | agent */
	char status[16];
	char reason[1024];
	char *plan_json; /* canonical plan, malloc'd */
	struct fix_plan plan;
	int have_plan;
	struct buf diff;
	struct fix_stats stats;
	char plan_decision[512], patch_decision[512], validation[1024];
	struct buf vlog; /* the validation output, its tail goes in the report */
	char base[ORCH_SHA_BUF], commit[ORCH_SHA_BUF];
	int repairs;
	char stage_after[24]; /* "" when the stage did not change */
};

int fix_run(struct orch_ctx *c, const struct fix_opts *o, struct fix_result *r, struct orch_err *e);
/* --plan FILE before anything is claimed: 0, or the exit code (66 missing, 64 not a regular file) with why.
 */
int fix_plan_file_check(const char *path, char *why, size_t wn);
/*
 * The security gate's rollback path (engine.c): when p->auto_fix is set
 * and the committed 17-security-report.md says secrets_found: 0 (a pin
 * never clears a secret), run the pipeline --from-audit --no-advance for
 * task t (status "skipped" otherwise).  Returns 1 when a
 * fix validated and was committed (the caller then moves the task to
 * review instead of enqueuing developer), 0 when not (r->reason says why;
 * enqueue developer as usual), -1 with *e for a store failure.  It opens
 * its own store transactions: call it outside one.
 */
int fix_auto(struct orch_ctx *c, const struct project *p, const struct task *t, struct fix_result *r,
    struct orch_err *e);
void fix_result_free(struct fix_result *r);
/* The run as a cJSON object (void * to keep cJSON out of this header). */
void *fix_result_json(const struct fix_result *r);

/*
 * orch-status's fix runs: the n newest, appended to runs (struct cJSON is
 * cJSON's own type) as {id, work_item, source, status, reason, danger,
 * commit_sha, started_at}.  0 / -1.
 */
struct cJSON;
struct store;
int fix_runs_json(struct store *st, int n, struct cJSON *runs, struct orch_err *e);

#endif
