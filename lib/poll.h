/*
 * poll: read each project's tracker and apply actionable statuses
 * (SPEC section 9, orch-poll).  It talks only to the tracker interface.
 *
 *   To Analyse      no task -> engine_start; a task -> engine_resume
 *   Approved        task at analysis -> engine_advance (the human gate)
 *   Rejected        task at analysis -> engine_advance (rework, once)
 *   Confirm Deploy  task -> engine_confirm_deploy (the deploy hook point)
 *   Cancelled, Done (Plane: any state of the cancelled or completed group),
 *   Blocked         a live task a person stopped -> engine_stop (orch's own
 *                   Blocked on a task it blocked, Done at done: nothing)
 *   anything else, issues of states the project lacks: nothing.
 *
 * Every application is keyed (issue id, state id, updated_at) or
 * idempotent, so a status seen again does nothing, and a quiet tick
 * (nothing actionable, or only what was applied before) writes nothing.
 * One issue's failure is reported through the callback and never stops
 * the others; one project's never stops the next.
 */
#ifndef ORCH_POLL_H
#define ORCH_POLL_H

#include "engine.h"

struct poll_stats {
	int issues, actionable, applied, failed;
	int worst; /* highest error class seen, 0 when none */
};

struct tracker_issue;
/*
 * Apply one actionable issue through the same handlers orch-poll uses
 * (key: its logical state key).  1 applied (r filled), 0 nothing to do,
 * -1 failed (r->err).
 */
int poll_apply_issue(
    struct orch_ctx *c, const struct tracker_issue *is, const char *key, struct advance_result *r);

typedef void (*poll_report)(void *ctx, const struct advance_result *r, const char *status);

int poll_project(struct orch_ctx *c, const char *project, poll_report report, void *report_ctx,
    struct poll_stats *ps, struct orch_err *e);

/*
 * Every configured project (or only one), each isolated: a failure is
 * printed by project_failed() and the next project goes on.  Projects cut
 * short by the tracker's rate limit are remembered (plane_poll.
 * rate_limited_at) and polled first on the next tick, so a tick that runs
 * out of budget is continued where it stopped.  Returns the highest error
 * class seen (0 when none).
 */
typedef void (*poll_failed)(void *ctx, const char *project, const struct orch_err *e);
int poll_all(struct orch_ctx *c, const char *only, poll_report report, poll_failed project_failed,
    void *report_ctx, struct poll_stats *ps);

#endif
