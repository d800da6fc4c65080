/*
 * merge: merging is orch's job (SPEC section 12).
 *
 *   check_branch_mergeable (the last deploy-staging -> deploy sub-gate):
 *     take the project's merge lease (one task at a time; holder pid
 *     recorded; a lease whose holder process is dead is taken over), fetch
 *     main, rebase the branch onto it in the worktree (a conflict is red
 *     naming the files), run ci_cmd on the rebased head (red on failure),
 *     and record the tested commit (tasks.tested_sha).
 *   merge_land (the engine, once every edge gate passed): push exactly the
 *     tested commit to main, fast-forward only (no merge commit, no force;
 *     without a remote: a compare-and-swap of refs/heads/main), then verify
 *     it is an ancestor of a fresh main.  If main moved since the test, the
 *     push is refused and the task goes back through the merge gate: an
 *     untested combination is never deployed.
 *   merge_lease_release: the lease lives for one command run at most; the
 *     engine releases it on every path out of the edge.
 */
#ifndef ORCH_MERGE_H
#define ORCH_MERGE_H

#include <stddef.h>

#include "sizes.h"

struct gate_ctx;
struct gate_result;
struct orch_ctx;
struct orch_err;
struct project;
struct task;

void gate_mergeable(const struct gate_ctx *c, struct gate_result *r);
/*
 * Land the tested commit on main: 1 landed and verified (landed: the commit
 * now on main, the squashed one under land: squash), 0 refused because main
 * moved (*e says so, code EX_NO; the item goes back through the merge
 * gate), -1 error (*e).
 */
int merge_land(struct orch_ctx *c, const struct project *p, struct task *t, char landed[ORCH_SHA_BUF],
    struct orch_err *e);
void merge_lease_release(struct orch_ctx *c, const struct task *t);
/*
 * The project's remote is the one orch recorded when it first used it
 * (fetch and push URLs from the repository's config): 0 (recorded now on
 * first use when record is set), or -1 with e (EX_CONFIG) when it changed: nothing may be
 * fetched from or pushed to it until a person accepts the change.
 */
int merge_remote_trusted(struct orch_ctx *c, const struct project *p, int record, struct orch_err *e);
/*
 * The item's branch lives on the project's remote too (people work it from
 * their own clones): fetch it; a person's push on top of orch's branch is
 * taken (and handed to the workspace); orch's branch is pushed (when push)
 * with --force-with-lease against what orch last saw there, never over
 * someone else's push.  1 in step (or no remote), 0 the item waits (*e
 * says why, code EX_NO: both sides moved), -1 with e.
 */
/*
 * The item's workspace on this host (a cache of the branch: docs/multi-host.md): when t->worktree
 * is missing, it is created from orch's branch here, or, when this host has never had the branch,
 * from the remote's (another host started the item).  0 (it exists now) / -1 with e.
 */
int merge_workspace_ensure(
    struct orch_ctx *c, const struct project *p, const struct task *t, struct orch_err *e);
/*
 * The same, and then brought to the branch as the remote has it (merge_branch_exchange without a
 * push), on a shared store only: a host about to deploy from its workspace, or to commit the deploy
 * log there, may hold the branch as it was before another host rebased and merged it.  0 / -1 with e.
 */
int merge_workspace_current(
    struct orch_ctx *c, const struct project *p, const struct task *t, struct orch_err *e);
/*
 * Item branches are fetched from a project's remote once per run (merge_branch_exchange); a command
 * that goes on working (orch-work's loop, one job after another) forgets that before each job.
 */
void merge_fetch_forget(void);
int merge_branch_exchange(
    struct orch_ctx *c, const struct project *p, const struct task *t, int push, struct orch_err *e);
/* 1 when sha is what the remote holds of t's branch as far as orch knows (its last exchange), else 0. */
int merge_branch_published(struct orch_ctx *c, const struct task *t, const char *sha);
/* Record the remote's current URLs as trusted (orch doctor --accept-remote); url says what; 0 / -1. */
int merge_remote_accept(struct orch_ctx *c, const struct project *p, char *url, size_t n, struct orch_err *e);
/* The main ref orch compares against: refs/remotes/<remote>/<main> or refs/heads/<main>. */
void merge_main_ref(const struct project *p, char *out, size_t n);

#endif
