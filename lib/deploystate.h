/*
 * deploystate: the state of one deploy, below the engine (docs/deploy.md).
 *
 * The sentinels of a task's deploy live in
 * $ORCH_HOME/deploy-state/<project>/<WI>/, each written atomically, so every
 * phase is restart-safe:
 *
 *   approve-requested  Phase A asked for Confirm Deploy      (engine, on the edge)
 *   initiated          Phase B started: the tested sha        (deploy_confirm, deploy_run_hook)
 *   wrapper-pid        the detached wrapper runs              (deploy_hook_wrapper)
 *   hook-pgid          the hook's process group               (deploy_hook_wrapper)
 *   result             the hook's exit code                   (deploy_hook_wrapper, or a lost deploy)
 *   finalized          14-deploy-log.md written               (deploy_finalize, deploy_run_hook)
 *   watch / watched    the post-deploy watch's counts / end   (deploy_monitor)
 *
 * deploy_reset() forgets them when a new deploy of the task begins.  The
 * engine uses this module; confirm, finalize and the watch (deploy.h) sit
 * above the engine and use both.
 */
#ifndef ORCH_DEPLOYSTATE_H
#define ORCH_DEPLOYSTATE_H

#include <stddef.h>

struct config;
struct orch_ctx;
struct orch_err;
struct project;
struct task;

int deploy_marker(const struct config *cfg, const struct task *t, const char *name);
/* A new deploy of the task begins: forget the sentinels of the last one. */
void deploy_reset(const struct config *cfg, const struct task *t);
int deploy_mark(const struct config *cfg, const struct task *t, const char *name, const char *content,
    struct orch_err *e);
/* Write 14-deploy-log.md to the branch (committed by orch). */
int deploy_write_log(struct orch_ctx *c, const struct task *t, int ok, int exit_code, const char *sha,
    struct orch_err *e);
/*
 * Non-self project: run deploy_hook now and log it; 0 (log written) / -1.
 * At most once per deploy: when an earlier run started the hook and died,
 * the deploy is logged FAILED (exit 130) instead of run again.
 */
int deploy_run_hook(struct orch_ctx *c, const struct project *p, const struct task *t, struct orch_err *e);
/* Read a sentinel (at most n-1 bytes); -1 when it is absent. */
int deploy_read_marker(const struct config *cfg, const struct task *t, const char *name, char *out, size_t n);
/* $ORCH_HOME/deploy-state/<project>/<WI>. */
int deploy_state_dir(const struct config *cfg, const struct task *t, char *out, size_t n);
/* Write docs/work-items/<WI>/<name> in the worktree and commit it (orch's own artifacts). */
int deploy_commit_artifact(struct orch_ctx *c, const struct task *t, const char *name, const char *text,
    struct orch_err *e);

#endif
