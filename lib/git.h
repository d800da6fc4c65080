/*
 * git: the git operations orch needs, all run through proc (argv, timeout).
 *
 * Every function takes a struct git naming the repository (or worktree)
 * directory; refs and paths are passed as separate argv elements after
 * "--" where git allows it, so no ref or path is ever parsed as an option
 * or by a shell.  Callers validate work item ids before building refs.
 *
 * Return conventions: 0 ok / -1 error with *e (EX_UNAVAILABLE when git
 * itself failed); predicates return 1 yes, 0 no, -1 error.
 */
#ifndef ORCH_GIT_H
#define ORCH_GIT_H

#include <stddef.h>

#include "buf.h"

struct orch_err;
struct proc_result;
struct store;

#define GIT_TIMEOUT_MS (300 * 1000)

struct git {
	const char *dir;
	struct store *st;	/* tool metrics; may be NULL */
};

int git_run(const struct git *g, const char *const *args, struct proc_result *r);
int git_rev_parse(const struct git *g, const char *ref, char sha[41], struct orch_err *e);
/* Resolve n refs to commit ids in one git run (cat-file --batch-check); errors as git_rev_parse. */
int git_resolve(const struct git *g, const char *const *refs, size_t n, char (*sha)[41], struct orch_err *e);
int git_ref_exists(const struct git *g, const char *ref);
/* The blob id of path at ref (what a manual stage's red was judged on). */
int git_blob_id(const struct git *g, const char *ref, const char *path, char sha[41], struct orch_err *e);
int git_is_ancestor(const struct git *g, const char *a, const char *b, struct orch_err *e);
int git_fetch(const struct git *g, const char *remote, const char *branch, struct orch_err *e);
int git_branch_create(const struct git *g, const char *branch, const char *start, struct orch_err *e);
/* Add (or reuse, when it is already a worktree on branch) path for branch. */
/* Remove a worktree and delete its local branch (a done item's clean-up); idempotent. */
int git_worktree_remove(const struct git *g, const char *path, const char *branch, struct orch_err *e);
int git_worktree_add(const struct git *g, const char *path, const char *branch, struct orch_err *e);
/* 1 when the worktree has no uncommitted changes. */
int git_is_clean(const struct git *g, struct orch_err *e);
/*
 * Read the committed blob ref:path into out (cap max bytes).  Returns 0,
 * or -1 with a reason for a red gate (missing, a symlink, not a file, over
 * max), or -2 with *e when git itself failed.
 */
int git_read_artifact(const struct git *g, const char *ref, const char *path, size_t max,
    struct buf *out, char *reason, size_t rn, struct orch_err *e);
/* Stage and commit one path in worktree g as orch (hooks skipped); 0 also when nothing changed. */
int git_commit_path(const struct git *g, const char *path, const char *message, struct orch_err *e);
/*
 * The code id of commit (a full id) against main ref base: the stable
 * patch-id of `git diff <merge-base(base, commit)> commit` over every path
 * but exclude (a directory, e.g. the item's docs/work-items/WI/), so a rebase
 * onto a newer main keeps it.  0 with id set ("" when the commit changes
 * nothing outside exclude), -1 with *e (no merge base, git failed, a diff
 * over GIT_DIFF_MAX bytes).
 */
#define GIT_DIFF_MAX (64 * BUF_MIB)
int git_code_id(const struct git *g, const char *base, const char *commit, const char *exclude, char id[41],
    struct orch_err *e);
/* The paths outside exclude that differ between commits a and b, ", "-separated, into out (capped). */
int git_changed_files(const struct git *g, const char *a, const char *b, const char *exclude, char *out, size_t n,
    struct orch_err *e);
/* The commit that last changed path in the history of ref (git log -1): 0 with sha, -1 with *e (none: EX_NOINPUT). */
int git_last_commit(const struct git *g, const char *ref, const char *path, char sha[41], struct orch_err *e);
/* Names of the entries of directory dir at ref (NULL-terminated); 0 / -1. */
int git_ls_dir(const struct git *g, const char *ref, const char *dir, char ***names,
    struct orch_err *e);

#endif
