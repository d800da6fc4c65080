#include "git.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "err.h"
#include "proc.h"
#include "store.h"
#include "util.h"

static const char *const git_env[] = { "GIT_TERMINAL_PROMPT=0", "LC_ALL=C", NULL };

static int
git_run_expect(const struct git *g, const char *const *args, unsigned expected, struct proc_result *r);

int
git_run(const struct git *g, const char *const *args, struct proc_result *r)
{
	return git_run_expect(g, args, 0, r);
}

static int
git_run_expect(const struct git *g, const char *const *args, unsigned expected, struct proc_result *r)
{
	const char *argv[32];
	size_t n = 0;

	argv[n++] = "git";
	while (*args && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	struct proc_spec s = {
		.argv = argv, .cwd = g->dir, .env_extra = git_env, .timeout_ms = GIT_TIMEOUT_MS,
		.out_cap = 8 * BUF_MIB, .tool = "git", .expected_codes = expected,
		.observe = g->st ? store_tool_observe : NULL, .observe_ctx = g->st,
	};
	return proc_run(&s, r);
}

static int
git_fail(const char *what, struct proc_result *r, struct orch_err *e)
{
	char desc[300], first[300] = "";
	const char *err = buf_str(&r->err), *nl;

	proc_describe(r, desc, sizeof(desc));
	if ((nl = strchr(err, '\n')) != NULL)
		snprintf(first, sizeof(first), ": %.*s", (int)(nl - err), err);
	else if (*err)
		snprintf(first, sizeof(first), ": %.250s", err);
	err_set(e, EX_UNAVAILABLE, "git %s %s%s", what, desc, first);
	proc_result_free(r);
	return -1;
}

/* Run and require exit 0. */
static int
git_ok(const struct git *g, const char *what, const char *const *args, struct proc_result *r,
    struct orch_err *e)
{
	git_run(g, args, r);
	if (r->status != PROC_OK)
		return git_fail(what, r, e);
	return 0;
}

int
git_rev_parse(const struct git *g, const char *ref, char sha[41], struct orch_err *e)
{
	struct proc_result r;
	char spec[512];

	if (str_fmt(spec, sizeof(spec), "%s^{commit}", ref) < 0)
		return err_set(e, EX_USAGE, "ref '%.64s...' is too long", ref);
	const char *args[] = { "rev-parse", "--verify", "--quiet", "--end-of-options", spec, NULL };
	git_run_expect(g, args, 1u << 1, &r);	/* exit 1: no such ref, an answer */
	if (r.status != PROC_OK) {
		if (r.status == PROC_EXIT_NONZERO && r.exit_code == 1) {
			proc_result_free(&r);
			return err_set(e, EX_NOINPUT, "ref '%s' does not exist in '%s'", ref, g->dir);
		}
		return git_fail("rev-parse", &r, e);
	}
	if (r.out.len < 40) {
		proc_result_free(&r);
		return err_set(e, EX_DATAERR, "git rev-parse '%s' printed no commit id", ref);
	}
	memcpy(sha, r.out.data, 40);
	sha[40] = '\0';
	proc_result_free(&r);
	return 0;
}

int
git_blob_id(const struct git *g, const char *ref, const char *path, char sha[41], struct orch_err *e)
{
	struct proc_result r;
	char spec[1024];

	if (str_fmt(spec, sizeof(spec), "%s:%s", ref, path) < 0)
		return err_set(e, EX_USAGE, "path '%.64s...' is too long", path);
	const char *args[] = { "rev-parse", "--verify", "--quiet", "--end-of-options", spec, NULL };
	git_run_expect(g, args, 1u << 1, &r);
	if (r.status != PROC_OK || r.out.len < 40) {
		proc_result_free(&r);
		return err_set(e, EX_NOINPUT, "no %s at %s in '%s'", path, ref, g->dir);
	}
	memcpy(sha, r.out.data, 40);
	sha[40] = '\0';
	proc_result_free(&r);
	return 0;
}

int
git_ref_exists(const struct git *g, const char *ref)
{
	char sha[41];

	return git_rev_parse(g, ref, sha, NULL) == 0;
}

int
git_is_ancestor(const struct git *g, const char *a, const char *b, struct orch_err *e)
{
	struct proc_result r;
	const char *args[] = { "merge-base", "--is-ancestor", a, b, NULL };
	int rc;

	git_run_expect(g, args, 1u << 1, &r);	/* exit 1 is the answer "no" */
	if (r.status == PROC_OK)
		rc = 1;
	else if (r.status == PROC_EXIT_NONZERO && r.exit_code == 1)
		rc = 0;
	else
		return git_fail("merge-base --is-ancestor", &r, e);
	proc_result_free(&r);
	return rc;
}

int
git_fetch(const struct git *g, const char *remote, const char *branch, struct orch_err *e)
{
	struct proc_result r;
	char refspec[512];

	if (str_fmt(refspec, sizeof(refspec), "+refs/heads/%s:refs/remotes/%s/%s", branch, remote, branch) < 0)
		return err_set(e, EX_USAGE, "branch name '%.64s' is too long", branch);
	const char *args[] = { "fetch", "--quiet", "--no-tags", "--", remote, refspec, NULL };
	if (git_ok(g, "fetch", args, &r, e) < 0) {
		if (e && r.status != PROC_NOT_FOUND) {	/* say what to do: git's own line rarely does */
			size_t l = strlen(e->msg);
			snprintf(e->msg + l, sizeof(e->msg) - l, "; check that remote '%s' of '%s' is reachable "
			    "(the next tick retries)", remote, g->dir);
		}
		return -1;
	}
	proc_result_free(&r);
	return 0;
}

int
git_branch_create(const struct git *g, const char *branch, const char *start, struct orch_err *e)
{
	struct proc_result r;
	char ref[512];

	if (str_fmt(ref, sizeof(ref), "refs/heads/%s", branch) < 0)
		return err_set(e, EX_USAGE, "branch name is too long");
	if (git_ref_exists(g, ref))
		return 0;	/* idempotent: a rerun after a crash reuses it */
	const char *args[] = { "branch", "--no-track", "--", branch, start, NULL };
	if (git_ok(g, "branch", args, &r, e) < 0)
		return -1;
	proc_result_free(&r);
	return 0;
}

int
git_worktree_remove(const struct git *g, const char *path, const char *branch, struct orch_err *e)
{
	struct proc_result r;

	/* --force: a done item's worktree may hold build output; the branch is merged */
	const char *rm[] = { "worktree", "remove", "--force", "--", path, NULL };
	struct stat sb;

	git_run(g, rm, &r);
	/* git's answer is not the test: a worktree it could not see (repository gone) is still on disk */
	if (lstat(path, &sb) == 0) {
		err_set(e, EX_SOFTWARE, "the worktree '%s' is still there after git worktree remove in '%s': %.300s", path,
		    g->dir, buf_str(&r.err));
		proc_result_free(&r);
		return -1;
	}
	proc_result_free(&r);
	const char *prune[] = { "worktree", "prune", NULL };
	git_run(g, prune, &r);
	proc_result_free(&r);
	const char *del[] = { "branch", "-D", "--", branch, NULL };
	git_run(g, del, &r);
	if (r.status != PROC_OK && git_ref_exists(g, branch)) {
		proc_result_free(&r);
		return err_set(e, EX_SOFTWARE, "cannot delete branch '%s' in '%s'", branch, g->dir);
	}
	proc_result_free(&r);
	return 0;
}

int
git_worktree_add(const struct git *g, const char *path, const char *branch, struct orch_err *e)
{
	struct proc_result r;
	struct stat sb;
	char gitfile[4200];

	if (str_fmt(gitfile, sizeof(gitfile), "%s/.git", path) < 0)
		return err_set(e, EX_USAGE, "worktree path is too long");
	if (lstat(gitfile, &sb) == 0)
		return 0;	/* already added by an earlier (perhaps killed) run */
	const char *prune[] = { "worktree", "prune", NULL };
	git_run(g, prune, &r);
	proc_result_free(&r);
	const char *args[] = { "worktree", "add", "--quiet", "--", path, branch, NULL };
	if (git_ok(g, "worktree add", args, &r, e) < 0)
		return -1;
	proc_result_free(&r);
	return 0;
}

int
git_is_clean(const struct git *g, struct orch_err *e)
{
	struct proc_result r;
	const char *args[] = { "status", "--porcelain", "--untracked-files=normal", NULL };
	int clean;

	if (git_ok(g, "status", args, &r, e) < 0)
		return -1;
	clean = r.out.len == 0;
	proc_result_free(&r);
	return clean;
}

int
git_read_artifact(const struct git *g, const char *ref, const char *path, size_t max,
    struct buf *out, char *reason, size_t rn, struct orch_err *e)
{
	struct proc_result r;
	char mode[8], type[8], sha[41];
	long long size;

	const char *ls[] = { "ls-tree", "--full-tree", "-l", "--end-of-options", ref, "--", path, NULL };
	if (git_ok(g, "ls-tree", ls, &r, e) < 0)
		return -2;
	/* "<mode> SP <type> SP <sha> SP+ <size> TAB <path>" */
	if (r.out.len == 0) {
		proc_result_free(&r);
		snprintf(reason, rn, "%s is missing at %s (not committed?)", path, ref);
		return -1;
	}
	{
		char sizestr[32];
		if (sscanf(r.out.data, "%7s %7s %40s %31s", mode, type, sha, sizestr) != 4) {
			proc_result_free(&r);
			snprintf(reason, rn, "cannot read the tree entry of %s", path);
			return -1;
		}
		proc_result_free(&r);
		if (strcmp(mode, "120000") == 0) {
			snprintf(reason, rn, "%s is a symlink; artifacts must be regular files", path);
			return -1;
		}
		if (strcmp(type, "blob") != 0) {
			snprintf(reason, rn, "%s is not a file", path);
			return -1;
		}
		if (num_parse(sizestr, 0, (long long)1 << 40, &size) < 0 || (size_t)size > max) {
			snprintf(reason, rn, "%s is %s bytes, over the %zu-byte limit", path, sizestr, max);
			return -1;
		}
	}
	const char *cat[] = { "cat-file", "blob", sha, NULL };
	if (git_ok(g, "cat-file", cat, &r, e) < 0)
		return -2;
	if (r.out_truncated || r.out.len > max || buf_append(out, r.out.data ? r.out.data : "", r.out.len) < 0) {
		proc_result_free(&r);
		snprintf(reason, rn, "%s is over the %zu-byte limit", path, max);
		return -1;
	}
	proc_result_free(&r);
	return 0;
}

int
git_ls_dir(const struct git *g, const char *ref, const char *dir, char ***names, struct orch_err *e)
{
	struct proc_result r;
	char spec[1024];
	char **v;
	size_t n = 0, cap = 8;
	char *p, *nl;

	if (str_fmt(spec, sizeof(spec), "%s/", dir) < 0)
		return err_set(e, EX_USAGE, "directory name is too long");
	const char *args[] = { "ls-tree", "--full-tree", "--name-only", "--end-of-options", ref, "--", spec, NULL };
	if (git_ok(g, "ls-tree", args, &r, e) < 0)
		return -1;
	if ((v = calloc(cap, sizeof(*v))) == NULL)
		goto oom;
	for (p = r.out.data; p && *p; p = nl + 1) {
		const char *base;
		if ((nl = strchr(p, '\n')) == NULL)
			nl = p + strlen(p);
		*nl = '\0';
		base = strrchr(p, '/');
		base = base ? base + 1 : p;
		if (n + 2 > cap) {
			char **nv = realloc(v, (cap *= 2) * sizeof(*v));
			if (nv == NULL)
				goto oom;
			v = nv;
		}
		if ((v[n] = strdup(base)) == NULL)
			goto oom;
		v[++n] = NULL;
		if (nl >= r.out.data + r.out.len)
			break;
	}
	proc_result_free(&r);
	*names = v;
	return 0;
oom:
	argv_free(v);
	proc_result_free(&r);
	return err_set(e, EX_SOFTWARE, "out of memory listing '%s'", dir);
}

int
git_commit_path(const struct git *g, const char *path, const char *message, struct orch_err *e)
{
	static const char *const ident[] = { "GIT_TERMINAL_PROMPT=0", "LC_ALL=C", "GIT_AUTHOR_NAME=orch",
		"GIT_AUTHOR_EMAIL=orch@localhost", "GIT_COMMITTER_NAME=orch", "GIT_COMMITTER_EMAIL=orch@localhost", NULL };
	const char *add[] = { "git", "add", "--", path, NULL };
	const char *diff[] = { "git", "diff", "--cached", "--quiet", "--", path, NULL };
	const char *commit[] = { "git", "commit", "-q", "--no-verify", "-m", message, "--", path, NULL };
	struct proc_spec s = { .cwd = g->dir, .env_extra = ident, .timeout_ms = GIT_TIMEOUT_MS, .tool = "git",
		.observe = g->st ? store_tool_observe : NULL, .observe_ctx = g->st, .expected_codes = 1u << 1 };
	struct proc_result r;

	s.argv = add;
	proc_run(&s, &r);
	if (r.status != PROC_OK)
		return git_fail("add", &r, e);
	proc_result_free(&r);
	s.argv = diff;
	proc_run(&s, &r);
	if (r.status == PROC_OK) {	/* nothing staged: the same report again */
		proc_result_free(&r);
		return 0;
	}
	proc_result_free(&r);
	s.argv = commit;
	proc_run(&s, &r);
	if (r.status != PROC_OK)
		return git_fail("commit", &r, e);
	proc_result_free(&r);
	return 0;
}
