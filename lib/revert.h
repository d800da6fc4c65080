/*
 * revert: orch-deploy --revert WI, the way out of a DEGRADED production
 * that takes the change out of main (issue 23 point 4; docs/operations.md
 * "Stopping, retrying and reverting").
 *
 * Calling sequence, under the DEGRADED item's claim:
 *
 *   1. the item's merged commits, landed_base..tested_sha (task.h), are
 *      reverted as one commit, authored by orch, on top of main as fetched
 *      now, in a scratch repository (ws_scratch): `git revert -n` of the
 *      range, the item's own docs/work-items/WI/ kept, `git commit`; the
 *      commit is fetched into orch's repository as refs/orch/revert/WI.
 *      A conflict or an empty revert refuses here, before anything else.
 *   2. a tracker issue "Revert WI: <title>" is created through the
 *      tracker interface (status Backlog), its description (or, where the
 *      tracker has none to set, a comment) naming the item and the commits.
 *   3. one transaction: the DEGRADED item is unblocked (closed as handled,
 *      like --accept), tasks.reverted_by set to the new item, the event
 *      degraded_reverted and one notice; then its tracker status Done.
 *   4. the new item's branch is cut at the revert commit, and the item is
 *      started (engine_start: the existing branch is kept, its analysis
 *      stage begins) like any other.
 *
 * Idempotent: an item with reverted_by set says which item reverts it
 * (refused, exit 1); one whose new item was created but not started (a
 * crash between 3 and 4) is started by the next --revert.
 */
#ifndef ORCH_REVERT_H
#define ORCH_REVERT_H

#include "engine.h"

/*
 * orch-deploy --revert WI: 0 with r (r->refused when wi has no open
 * DEGRADED watch or is reverted already; r->reason names the new item), -1
 * with r->err.
 */
int deploy_revert(struct orch_ctx *c, const char *wi, struct advance_result *r);

#endif
