/*
 * deploy: the deploy phases (SPEC section 12, orch-deploy).
 *
 *          merge gate + merge_land (edge deploy-staging -> deploy)
 *                          |
 *        +-----------------+------------------+
 *   not self_deploy                      self_deploy
 *   deploy_hook: run now,                Phase A: stage deploy, tracker
 *   14-deploy-log.md, advance            Awaiting Deploy, comment + alert,
 *   no hook: deployer agent              marker approve-requested
 *                                             | Confirm Deploy (orch-poll) or
 *                                             | orch-deploy --confirm, stage deploy only
 *                                        Phase B: verify main has the tested
 *                                        commit, marker initiated (a second
 *                                        confirm is a no-op), the hook started
 *                                        detached, tracker Deploying
 *                                             | the hook's exit code -> sentinel result
 *                                        Phase C (--finalize, every tick):
 *                                        14-deploy-log.md, marker finalized,
 *                                        advance: SUCCESS and merged -> done,
 *                                        FAILED -> development
 *                                             |
 *                                        --monitor: health_cmd (or a GET of
 *                                        health_url) once per tick,
 *                                        16-post-deploy-log.md after
 *                                        deploy_watch_checks probes:
 *                                        HEALTHY -> Done, DEGRADED -> Blocked
 *                                        + alert + rollback_hook
 *
 * Sentinels live in $ORCH_HOME/deploy-state/<project>/<WI>/ and are written
 * atomically, so every phase is restart-safe: a killed orch-deploy is
 * finished by the next tick from what the files say.
 */
#ifndef ORCH_DEPLOY_H
#define ORCH_DEPLOY_H

#include <stddef.h>

#include "engine.h"

struct project;
struct task;
struct tracker;

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
/* Phase B for wi; r says what happened (noop when not due). */
int deploy_confirm(struct orch_ctx *c, const char *wi, struct advance_result *r);
/* Phase C and the watch for every due task; report() per task acted on. */
typedef void (*deploy_report)(void *ctx, const struct advance_result *r);
int deploy_finalize(struct orch_ctx *c, deploy_report report, void *rctx);
int deploy_monitor(struct orch_ctx *c, deploy_report report, void *rctx);
/* The hook wrapper: run argv in cwd, then write dir/result with its exit code. */
int deploy_hook_wrapper(const char *dir, const char *cwd, int timeout_s, const char *const *argv);

#endif
