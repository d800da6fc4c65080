/*
 * reconcile: make the pipeline converge on what is observed now (SPEC
 * section 13, orch-reconcile) — the level-triggered rule.
 *
 *  F-1 gate-side   a task idle at a stage (no queued or running job, not
 *                  blocked, not at the human analysis gate, not done) whose
 *                  gate passes now is advanced through the normal engine.
 *  F-2 tracker     every project's full listing (at most once per
 *                  reconcile_full_list_s) is replayed through orch-poll's
 *                  handlers: issues changed longer ago than
 *                  reconcile_grace_s with an actionable status; terminal
 *                  ones skipped; a status applied before is deduped by its
 *                  key; "unblocked" notices only when the replay changed the
 *                  stage, once per (issue, state).
 *  reaper          a running job whose runner pid is gone on 2 consecutive
 *                  runs, whose run already recorded an exit, or that ran
 *                  past reaper_max_running_s is requeued (attempts left) or
 *                  dead + alert; a lease held by a dead pid is released.
 * Kill switches: reconcile_enabled (F-1, F-2), reconcile_tracker_enabled
 * (F-2), reaper_enabled.  Counters (table counters) show in orch-status.
 * One issue's or project's failure never stops the others.
 */
#ifndef ORCH_RECONCILE_H
#define ORCH_RECONCILE_H

#include "engine.h"

struct reconcile_stats {
	int advanced, replayed, unblocked, skipped_terminal, deduped, reaped, leases_released, failed;
	int worktrees_removed;
	int worst;
};

typedef void (*reconcile_report)(void *ctx, const char *what, const struct advance_result *r);

int reconcile_run(
    struct orch_ctx *c, reconcile_report report, void *rctx, struct reconcile_stats *rs, struct orch_err *e);

/*
 * orch-status's reads of the reconciler's tables.  0 / -1.
 *   reconcile_counters_json    the counters into rec ({advanced, replayed,
 *                              unblocked, skipped_terminal, deduped,
 *                              stale_temp_removed}) and reaper ({reaped,
 *                              leases_released}), 0 when never counted
 *                              (struct cJSON is cJSON's own type)
 *   reconcile_worktrees_bytes  the worktrees' size in bytes as the last run
 *                              measured it, -1 when never measured
 */
struct cJSON;
int reconcile_counters_json(struct store *st, struct cJSON *rec, struct cJSON *reaper, struct orch_err *e);
int reconcile_worktrees_bytes(struct store *st, long long *bytes, struct orch_err *e);

#endif
