/*
 * work: the agent runner behind orch-work (SPEC section 9).
 *
 * work_run_one() leases one job (job_lease), runs the project's agent
 * command for it through proc in the task's worktree, records the run and
 * completes the job (job_complete), then, when the job is done, advances
 * the task through the engine with the finished agent.
 *
 * The agent gets: argv from config with {work_item} {stage} {worktree}
 * {branch} replaced inside each argument; the task description on stdin
 * and in ORCH_TASK_DESC; ORCH_WORK_ITEM, ORCH_STAGE, ORCH_WORKTREE,
 * ORCH_BRANCH, ORCH_AGENT, ORCH_JOB_ID in the environment (orch's own
 * secrets removed by proc); a timeout of job_timeout_s that kills its whole
 * process group.  Its stdout and stderr go to
 * $ORCH_HOME/logs/jobs/<WI>-job<ID>-attempt<N>.log (written atomically).
 *
 * The run's outcome is written to its run record (job.h) before the store
 * is asked, and job_complete is tried again while orch.db is locked
 * (bounded); a finished run the store did not take is settled from its
 * record by the next orch-work (first thing it does) or the reaper.
 *
 * Returns 1 when a job ran or was settled from its record (whatever its
 * result, in *r), 0 when no job was available, -1 on a store error (*e:
 * when the agent ran, it says so and where its outcome is kept).  A broken agent never stops the
 * runner: it is a failed job with a reason.
 */
#ifndef ORCH_WORK_H
#define ORCH_WORK_H

#include <stdint.h>

#include "engine.h"
#include "sizes.h"

struct work_result {
	int64_t job_id;
	char work_item[32];
	char agent[24];
	int attempt;
	const char *job_status; /* done | queued (retry later) | dead | lost */
	char proc_status[16];
	int exit_code;
	int64_t duration_ms;
	char log_path[ORCH_PATH_MAX_2];
	char reason[512];
	char
	    result_sha[ORCH_SHA_BUF]; /* the branch head the run left, published to the remote ("" unknown) */
	int advanced;                 /* the engine ran after the job */
	struct advance_result adv;
};

int work_run_one(struct orch_ctx *c, struct work_result *r, struct orch_err *e);
/*
 * Complete the running job jr (its runner and agent gone) from its finished
 * run record (job.h), then advance as work_run_one does: 1 settled (r says
 * how), 0 no finished record (the agent may not have run, or may have
 * acted: a started record), -1 error (e).  orch-work and the reaper call it
 * before anything would run the agent again.
 */
struct job_running;
int work_settle(struct orch_ctx *c, const struct job_running *jr, struct work_result *r, struct orch_err *e);

#endif
