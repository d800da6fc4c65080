/*
 * deployhook: running a deploy hook and logging it, below the engine
 * (docs/deploy.md, docs/architecture.md "Deploy state").
 *
 * What a hook is told (deploy_hook_cmd), the wrapper that runs it
 * (orch-deploy --run-hook: deploy_hook_wrapper, detached by Phase B or run
 * by deploy_run_hook under orch-advance), and the deploy log it ends in:
 * 14-deploy-log.md committed to the branch on SUCCESS, deploy-log.md in the
 * deploy state directory on FAILED.  The sentinels it reads and writes are
 * deploystate.h's (the only module that names their files); confirm,
 * finalize and the watch are deploy.h's, above the engine.
 *
 * Calling sequence, not self_deploy (engine on_pass, after the merge):
 *   deploy_run_hook -> INITIATED -> wrapper (WRAPPER_PID, HOOK_PGID,
 *   RESULT) -> deploy_write_log -> FINALIZED (and WATCH when armed).
 * self_deploy: deploy.c's Phase B spawns the same wrapper detached
 * (deploy_wrapper_path, deploy_wrapper_argv); Phase C writes the log.
 *
 * Return conventions: 0 ok, -1 error with *e; deploy_run_hook also 1
 * (a hook an earlier run started still runs); deploy_hook_wrapper returns
 * the process's exit code.
 */
#ifndef ORCH_DEPLOYHOOK_H
#define ORCH_DEPLOYHOOK_H

#include <stddef.h>

struct orch_ctx;
struct orch_err;
struct project;
struct task;

/*
 * What a deploy hook is told, in both paths (run here, or detached by
 * Confirm Deploy): {work_item} {project} {branch} {worktree} {sha} in its
 * arguments, and ORCH_WORK_ITEM ORCH_PROJECT ORCH_BRANCH ORCH_WORKTREE
 * ORCH_DEPLOY_SHA in its environment (sha: the tested commit that went to
 * main).  0, or -1 (an argument over 64 KiB, out of memory); free with
 * deploy_hook_cmd_free().
 */
struct deploy_hook_cmd {
	char **argv;
	char *env[6];
};
int deploy_hook_cmd(
    const struct project *p, const struct task *t, const char *sha, struct deploy_hook_cmd *h);
/* The same for any command (the rollback_hook gets what the deploy hook gets). */
int deploy_cmd_for(char *const *cmd, const struct task *t, const char *sha, struct deploy_hook_cmd *h);
void deploy_hook_cmd_free(struct deploy_hook_cmd *h);

/* The hook's wrapper: orch-deploy beside the running command; -1 when it cannot be located. */
int deploy_wrapper_path(char *out, size_t n);
/*
 * The wrapper's argv into argv (at most 40 entries with the NULL):
 * WRAPPER --run-hook DIR WORKTREE TIMEOUT_S -- HOOK...; tmo is the caller's
 * buffer for the timeout.
 */
void deploy_wrapper_argv(const char **argv, const char *wrapper, const char *dir, const char *worktree,
    int timeout_s, char tmo[16], char *const *hook);
/*
 * The wrapper itself (orch-deploy --run-hook): write WRAPPER_PID in dir, run
 * argv in cwd (HOOK_PGID once it runs), then RESULT with its exit code; the
 * hook's output goes to the wrapper's stdout and stderr (hook.log).
 */
int deploy_hook_wrapper(const char *dir, const char *cwd, int timeout_s, const char *const *argv);

/*
 * Non-self project: run deploy_hook now (through orch-deploy's wrapper,
 * which writes RESULT, so a run killed meanwhile does not lose it) and
 * log it: 0 (log written), 1 a hook an earlier run started still runs
 * (nothing written: wait for it), -1 error.  At most once per deploy: when
 * an earlier run started the hook and died, its RESULT is logged once the
 * hook ended; a hook that ended without one is logged FAILED (exit 130),
 * never run again.
 */
int deploy_run_hook(struct orch_ctx *c, const struct project *p, const struct task *t, struct orch_err *e);

/*
 * The deploy log: a SUCCESS is 14-deploy-log.md committed to the branch by
 * orch; a FAILED one is DEPLOY_FAILED_LOG in the deploy state directory, so
 * it never lands on main (check_deploy_status reads FINALIZED for it).
 */
int deploy_write_log(
    struct orch_ctx *c, const struct task *t, int ok, int exit_code, const char *sha, struct orch_err *e);
/* Write docs/work-items/<WI>/<name> in the worktree and commit it (orch's own artifacts). */
int deploy_commit_artifact(
    struct orch_ctx *c, const struct task *t, const char *name, const char *text, struct orch_err *e);

#endif
