/*
 * cleanup: what a finished work item leaves on disk (SPEC 3, issue 16).
 *
 * A task at `done` keeps its worktree and local branch for
 * worktree_retention_s after it got there (0 keeps them forever), then
 * orch-reconcile removes both, once: never while a job is queued or
 * running, while another process holds the task's claim, or while the
 * post-deploy watch still runs.  Each removal records an event
 * `worktree_removed`.  A removal git cannot do (the worktree is still on
 * disk afterwards) is recorded (`worktree_cleanup_failed`), alerted once and
 * not tried again: the operator removes it by hand.  Candidates come from
 * the partial index tasks_uncleaned (tasks.cleaned), so a pass reads only
 * done tasks it has not finished with, not the whole history.  The worktrees' disk use is measured on every
 * pass and kept for orch-status (reconcile_state key worktrees_bytes).
 */
#ifndef ORCH_CLEANUP_H
#define ORCH_CLEANUP_H

#include <stdint.h>

struct orch_ctx;

struct cleanup_stats {
	int removed, failed;
	int64_t bytes; /* disk the remaining worktrees take */
	char why[300]; /* cleanup_host_caches: the last failure */
};

int cleanup_worktrees(struct orch_ctx *c, struct cleanup_stats *cs);
/*
 * A shared store (docs/multi-host.md): each host holds its own workspace
 * and branch of an item (caches), and cleanup_worktrees runs on the one
 * host that holds the reconciler's cluster-wide lock.  This host's caches
 * of the newest 256 items cleaned there go too (never during this host's
 * post-deploy watch of the item), each with an event `worktree_removed`
 * naming the host; a removal git cannot do counts in failed and is tried
 * again at the next pass.  Runs on every host, before the cluster-wide
 * lock; nothing on SQLite.  0.
 */
int cleanup_host_caches(struct orch_ctx *c, struct cleanup_stats *cs);
/* Bytes under dir (st_blocks, symlinks not followed); -1 when unreadable. */
int64_t cleanup_disk_usage(const char *dir);

#endif
