/*
 * workspace: where an item's agents and people work, and how their work
 * reaches orch (docs/security-model.md).
 *
 * An item's workspace, <home>/worktrees/<project>/<WI>, is a repository of
 * its own (git_clone_private): its config, hooks, info/ and work tree are
 * the agent's to write, and orch never runs a git command there on its own
 * behalf.  Work reaches orch only as commits on the workspace's
 * refs/heads/<branch>, which orch fetches into its own repository the way
 * one fetches from an untrusted remote (ws_import).  Orch's own commits
 * (reports, deploy logs) are made in its repository with plumbing
 * (ws_commit_file) and handed back to the workspace (ws_sync).
 *
 * Items started before workspaces were separate keep their linked worktree
 * (".git" is a file): ws_import treats their refs as shared and imports
 * nothing; the hardened git environment still applies.
 *
 * ws_scratch: a throw-away repository for running the project's ci_cmd on
 * an exact commit; whatever the code under test does to it, orch only ever
 * reads the commit id it checked out, and deletes the directory.
 */
#ifndef ORCH_WORKSPACE_H
#define ORCH_WORKSPACE_H

#include <stddef.h>

struct orch_ctx;
struct orch_err;
struct task;

/*
 * The project's repository on this host is written by several of this host's
 * commands at once (orch-work slots, orch-advance): its item refs are fetched,
 * imported and pushed under this lock (a blocking flock in ORCH_HOME/locks,
 * "git-<project>", held for one such step, never across another), so that two
 * fetches do not fail each other on git's ref locks.  0 (release with
 * lock_release(*fd)) / -1 with e.
 */
int ws_repo_lock(struct orch_ctx *c, const struct task *t, int *fd, struct orch_err *e);

/* Create the workspace at path for branch of repo (idempotent: an existing one is kept).  0 / -1 with e. */
int ws_create(struct orch_ctx *c, const char *repo, const char *branch, const char *path, struct orch_err *e);

enum ws_state { WS_OK, WS_RED, WS_BUSY };
/*
 * Bring the workspace's branch into orch's repository: WS_OK (imported or
 * nothing new; *moved set when refs/heads/<branch> changed), WS_RED (HEAD
 * detached or on another branch: e says so, EX_NO), WS_BUSY (a git
 * operation is in progress there: e says which, EX_WAITING), or -1 with e
 * (git failed).
 */
int ws_import(struct orch_ctx *c, const struct task *t, int *moved, struct orch_err *e);
/* Hand orch's branch head to the workspace (checked out there); 0 / -1 with e. */
int ws_sync(struct orch_ctx *c, const struct task *t, struct orch_err *e);
/* Commit text as path on the item's branch in orch's repository, then sync the workspace; 0 / -1. */
int ws_commit_file(struct orch_ctx *c, const struct task *t, const char *path, const char *text, size_t len,
    const char *message, struct orch_err *e);
/* A scratch repository at a fresh dir under <home>/scratch with commit checked out (detached); 0 / -1. */
int ws_scratch(
    struct orch_ctx *c, const char *repo, const char *commit, char *dir, size_t dn, struct orch_err *e);

#endif
