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
 * finished by the next tick from what the files say.  deploystate.h names
 * them (enum deploy_sentinel) and the function that writes each.
 */
#ifndef ORCH_DEPLOY_H
#define ORCH_DEPLOY_H

#include <stddef.h>

#include "deployhook.h"
#include "deploystate.h"
#include "engine.h"

struct project;
struct task;
struct tracker;

struct gate_verdict;
/*
 * Confirm Deploy seen by orch-poll: claimed once per verdict key (event
 * confirm_deploy), then Phase B (deploy_confirm), which acts only on stage
 * deploy of a self_deploy project and only once.  A key seen before is
 * acted on again while it stands (recorded after the task last entered
 * deploy, no deploy initiated): a confirm whose first try died, found the
 * task busy or failed to fetch is not lost.
 */
int deploy_confirm_verdict(
    struct orch_ctx *c, const char *wi, const struct gate_verdict *key, struct advance_result *r);
/* Phase B for wi; r says what happened (noop when not due). */
int deploy_confirm(struct orch_ctx *c, const char *wi, struct advance_result *r);
/*
 * Phase C and the watch for every due task; report() per task acted on
 * (an item's own failure is in its result's err).  0, or -1 with *e when
 * the due tasks could not be listed (nothing was acted on).
 */
typedef void (*deploy_report)(void *ctx, const struct advance_result *r);
int deploy_finalize(struct orch_ctx *c, deploy_report report, void *rctx, struct orch_err *e);
int deploy_monitor(struct orch_ctx *c, deploy_report report, void *rctx, struct orch_err *e);
/*
 * orch-deploy --retry: an item held at deploy after a failed production
 * deploy (deploy_failure: hold) is unblocked and deployed again, the same
 * tested commit, without going back through the pipeline.  A new Confirm
 * Deploy on such an item does the same.  r->refused when it is not held.
 */
int deploy_retry(struct orch_ctx *c, const char *wi, struct advance_result *r);
/*
 * orch-deploy --accept: a done item blocked by a DEGRADED post-deploy watch
 * is closed (production was fixed otherwise): unblocked, tracker Done.
 * r->refused when it has no open DEGRADED watch.
 */
int deploy_accept(struct orch_ctx *c, const char *wi, struct advance_result *r);

#endif
