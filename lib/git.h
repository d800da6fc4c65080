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
#include "sizes.h"

struct orch_err;
struct proc_result;
struct store;

#define GIT_TIMEOUT_MS (300 * 1000)

/*
 * Command-scope configuration (GIT_CONFIG_COUNT, git 2.31+) for every git orch
 * runs, and for the scanners that run git for it: it wins over any
 * repository's own config, so no hook, fsmonitor or ext:: transport named
 * there runs inside orch's git (docs/security-model.md).
 */
#define GIT_HARDEN_ENV \
	"GIT_CONFIG_COUNT=6", "GIT_CONFIG_KEY_0=core.hooksPath", "GIT_CONFIG_VALUE_0=/dev/null", \
	    "GIT_CONFIG_KEY_1=core.fsmonitor", "GIT_CONFIG_VALUE_1=false", \
	    "GIT_CONFIG_KEY_2=protocol.ext.allow", "GIT_CONFIG_VALUE_2=never", \
	    "GIT_CONFIG_KEY_3=maintenance.auto", "GIT_CONFIG_VALUE_3=false", "GIT_CONFIG_KEY_4=gc.auto", \
	    "GIT_CONFIG_VALUE_4=0", "GIT_CONFIG_KEY_5=core.untrackedCache", "GIT_CONFIG_VALUE_5=false", \
	    "GIT_TERMINAL_PROMPT=0", "LC_ALL=C"

struct proc_user;

struct git {
	const char *dir;
	struct store *st;               /* tool metrics; may be NULL */
	const char *const *env;         /* more NAME=value after the hardened environment; may be NULL */
	const struct proc_user *run_as; /* run git as this user (an agent_user's workspace); NULL: as orch */
};

int git_run(const struct git *g, const char *const *args, struct proc_result *r);
/* git_run with orch as author and committer (a rebase in orch's scratch). */
int git_run_as_orch(const struct git *g, const char *const *args, struct proc_result *r);
int git_rev_parse(const struct git *g, const char *ref, char sha[ORCH_SHA_BUF], struct orch_err *e);
/* Resolve n refs to commit ids in one git run (cat-file --batch-check); errors as git_rev_parse. */
int git_resolve(
    const struct git *g, const char *const *refs, size_t n, char (*sha)[ORCH_SHA_BUF], struct orch_err *e);
int git_ref_exists(const struct git *g, const char *ref);
/* The blob id of path at ref (what a manual stage's red was judged on). */
int git_blob_id(
    const struct git *g, const char *ref, const char *path, char sha[ORCH_SHA_BUF], struct orch_err *e);
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
 * GIT_ARTIFACT_RED (-1) with the reason for a red gate in *e (code EX_NO:
 * missing, a symlink, not a file, over max), or GIT_FAILED (-2) with *e
 * when git itself failed.  A caller that goes on past a red clears *e.
 */
#define GIT_ARTIFACT_RED (-1)
#define GIT_FAILED (-2)
int git_read_artifact(
    const struct git *g, const char *ref, const char *path, size_t max, struct buf *out, struct orch_err *e);
/*
 * Commit data as path on top of refs/heads/<branch> in repository g, as
 * orch, with plumbing only (hash-object, a private index file at index,
 * commit-tree, a compare-and-swap update-ref): no work tree is read or
 * written, no hook or filter runs.  out is the new head (the old one when
 * the file already held data), blob the file's blob id.  0 / -1 with e.
 */
int git_commit_file(const struct git *g, const char *branch, const char *path, const char *data, size_t len,
    const char *message, const char *index, char out[ORCH_SHA_BUF], char blob[ORCH_SHA_BUF],
    struct orch_err *e);
/* Write data as a blob into g's object store (no filter: no path is given); its id into blob.  0 / -1. */
int git_hash_blob(
    const struct git *g, const char *data, size_t len, char blob[ORCH_SHA_BUF], struct orch_err *e);
/* The type of object spec ("tree", "blob", "commit"; "" when it names nothing); 0 / -1 with e. */
int git_object_type(const struct git *g, const char *spec, char type[16], struct orch_err *e);
/* Any object name (trees too) to its id; -1 with e (EX_NOINPUT) when it names nothing. */
int git_rev_parse_any(const struct git *g, const char *spec, char sha[ORCH_SHA_BUF], struct orch_err *e);
/*
 * A repository of its own at dst, cloned from src (remote "orch"): its
 * config, hooks and info/ are new, never src's.  shared: borrow src's
 * objects (a scratch copy orch deletes); else copy them.  branch (may be
 * NULL: no checkout) is checked out from orch/<branch>.  g names the
 * directory git runs in.  0 / -1 with e.
 */
int git_clone_private(const struct git *g, const char *src, const char *dst, const char *branch, int shared,
    struct orch_err *e);
/* Fetch src_ref of url (a path or URL) into dst_ref of g, forced; 0 / -1 with e. */
int git_fetch_into(
    const struct git *g, const char *url, const char *src_ref, const char *dst_ref, struct orch_err *e);
/* The same for one or two (src, dst) pairs in one fetch: refs is src, dst[, src, dst], NULL. */
int git_fetch_refs(const struct git *g, const char *url, const char *const *refs, struct orch_err *e);
/* The hardened environment of every git run (command-scope config): for scanners that run git too. */
extern const char *const git_hardened_env[];
/* The same, with orch as author and committer. */
extern const char *const git_ident_env[];
/*
 * The code id of commit (a full id) against main ref base: the stable
 * patch-id of `git diff <merge-base(base, commit)> commit` over every path
 * but exclude (a directory, e.g. the item's docs/work-items/WI/), so a rebase
 * onto a newer main keeps it.  0 with id set ("" when the commit changes
 * nothing outside exclude), -1 with *e (no merge base, git failed, a diff
 * over GIT_DIFF_MAX bytes).
 */
#define GIT_DIFF_MAX (64 * BUF_MIB)
int git_code_id(const struct git *g, const char *base, const char *commit, const char *exclude,
    char id[ORCH_SHA_BUF], struct orch_err *e);
/* The paths outside exclude that differ between commits a and b, ", "-separated, into out (capped). */
int git_changed_files(const struct git *g, const char *a, const char *b, const char *exclude, char *out,
    size_t n, struct orch_err *e);
/* The commit that last changed path in the history of ref (git log -1): 0 with sha, -1 with *e (none:
 * EX_NOINPUT). */
/*
 * The unified diff of path from text a to text b, git's own (git diff
 * --no-index on two files in a private temporary directory; three lines of
 * context, --text, myers with the indent heuristic, whatever the user's
 * diff.* config says), appended to diff under orch's header "diff --git
 * a/P b/P", "--- a/P", "+++ b/P"; nothing when they are equal.  Only g's
 * st and env are used.  0, or -1 with *e: EX_DATAERR over diff's cap,
 * another class when git or the temporary files failed.
 */
int git_diff_texts(const struct git *g, const char *path, const char *a, size_t alen, const char *b,
    size_t blen, struct buf *diff, struct orch_err *e);
int git_last_commit(
    const struct git *g, const char *ref, const char *path, char sha[ORCH_SHA_BUF], struct orch_err *e);
/* Names of the entries of directory dir at ref (NULL-terminated); 0 / -1. */
int git_ls_dir(const struct git *g, const char *ref, const char *dir, char ***names, struct orch_err *e);
/* The whole tree of ref (ls-tree -r -z: "<mode> <type> <id>\t<path>\0"...) appended to out; 0 / -1 with e. */
int git_ls_tree_r(const struct git *g, const char *ref, struct buf *out, struct orch_err *e);
/*
 * The blobs ids[0..n-1] (40 hex each) in one cat-file --batch, each appended
 * to outs[i] (initialised by the caller); -1 with e (EX_DATAERR) when one is
 * missing, not a blob or over max bytes.
 */
int git_read_blobs(
    const struct git *g, const char (*ids)[41], size_t n, size_t max, struct buf *outs, struct orch_err *e);

#endif
