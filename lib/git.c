#include "git.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "proc.h"
#include "sizes.h"
#include "store.h"
#include "util.h"

const char *const git_hardened_env[] = { GIT_HARDEN_ENV, NULL };
static const char *const git_env[] = { GIT_HARDEN_ENV, NULL };
const char *const git_ident_env[] = { GIT_HARDEN_ENV, "GIT_AUTHOR_NAME=orch",
	"GIT_AUTHOR_EMAIL=orch@localhost", "GIT_COMMITTER_NAME=orch", "GIT_COMMITTER_EMAIL=orch@localhost",
	NULL };

/* "git" and args into argv (cap entries, NULL-terminated; extra args are dropped: callers pass few). */
static void
git_argv(const char *const *args, const char **argv, size_t cap)
{
	size_t n = 0;

	argv[n++] = "git";
	while (*args && n < cap - 1)
		argv[n++] = *args++;
	argv[n] = NULL;
}

static int git_run_expect(
    const struct git *g, const char *const *args, unsigned expected, struct proc_result *r);

int
git_run(const struct git *g, const char *const *args, struct proc_result *r)
{
	return git_run_expect(g, args, 0, r);
}

/* Run git ARGS with stdin (NULL: none) and an output cap (0: 8 MiB). */
static int
git_run_in(const struct git *g, const char *const *args, unsigned expected, const struct buf *in, size_t cap,
    struct proc_result *r)
{
	const char *argv[32], *env[32];
	size_t n, k = 0;

	git_argv(args, argv, 32);
	for (n = 0; git_env[n] && k < 31; n++)
		env[k++] = git_env[n];
	for (n = 0; g->env && g->env[n] && k < 31; n++)
		env[k++] = g->env[n];
	env[k] = NULL;
	struct proc_spec s = {
		.argv = argv,
		.cwd = g->dir,
		.env_extra = env,
		.timeout_ms = GIT_TIMEOUT_MS,
		.run_as = g->run_as,
		.out_cap = cap ? cap : 8 * BUF_MIB,
		.tool = "git",
		.expected_codes = expected,
		.observe = g->st ? store_tool_observe : NULL,
		.observe_ctx = g->st,
		.stdin_data = in ? buf_str(in) : NULL,
		.stdin_len = in ? in->len : 0,
	};
	return proc_run(&s, r);
}

static int
git_run_expect(const struct git *g, const char *const *args, unsigned expected, struct proc_result *r)
{
	return git_run_in(g, args, expected, NULL, 0, r);
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
git_ok(
    const struct git *g, const char *what, const char *const *args, struct proc_result *r, struct orch_err *e)
{
	git_run(g, args, r);
	if (r->status != PROC_OK)
		return git_fail(what, r, e);
	return 0;
}

/*
 * A fetch, run again once when it lost a race on a ref with another fetch
 * of the same repository ("cannot lock ref ...: is at X but expected Y"):
 * the other one moved the ref, and the second run finds it current.
 */
static int
git_fetch_ok(const struct git *g, const char *remote, const char *const *args, struct orch_err *e)
{
	struct proc_result r;

	git_run(g, args, &r);
	if (r.status == PROC_EXIT_NONZERO && strstr(buf_str(&r.err), "cannot lock ref") != NULL) {
		proc_result_free(&r);
		git_run(g, args, &r);
	}
	if (r.status == PROC_OK) {
		proc_result_free(&r);
		return 0;
	}
	int missing = r.status == PROC_NOT_FOUND;
	git_fail("fetch", &r, e);
	if (e && !missing && remote[0] != '/') { /* a remote (not a workspace): git's own line rarely says */
		size_t l = strlen(e->msg);
		snprintf(e->msg + l, sizeof(e->msg) - l,
		    "; check that remote '%.300s' of '%s' is reachable (the next tick retries)", remote,
		    g->dir);
	}
	return -1;
}

int
git_run_as_orch(const struct git *g, const char *const *args, struct proc_result *r)
{
	const char *argv[32];

	git_argv(args, argv, 32);
	struct proc_spec s = {
		.argv = argv,
		.cwd = g->dir,
		.env_extra = git_ident_env,
		.timeout_ms = GIT_TIMEOUT_MS,
		.out_cap = 8 * BUF_MIB,
		.tool = "git",
		.observe = g->st ? store_tool_observe : NULL,
		.observe_ctx = g->st,
	};
	return proc_run(&s, r);
}

int
git_rev_parse(const struct git *g, const char *ref, char sha[ORCH_SHA_BUF], struct orch_err *e)
{
	struct proc_result r;
	char spec[512];

	if (str_fmt(spec, sizeof(spec), "%s^{commit}", ref) < 0)
		return err_set(e, EX_USAGE, "ref '%.64s...' is too long", ref);
	const char *args[] = { "rev-parse", "--verify", "--quiet", "--end-of-options", spec, NULL };
	git_run_expect(g, args, 1u << 1, &r); /* exit 1: no such ref, an answer */
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
git_resolve(
    const struct git *g, const char *const *refs, size_t n, char (*sha)[ORCH_SHA_BUF], struct orch_err *e)
{
	const char *args[] = { "cat-file", "--batch-check", NULL }, *p;
	struct proc_result r;
	struct buf in;
	size_t i;

	buf_init(&in, 64 * 1024);
	for (i = 0; i < n; i++)
		if (strchr(refs[i], '\n') || buf_printf(&in, "%s^{commit}\n", refs[i]) < 0) {
			buf_free(&in);
			return err_set(e, EX_USAGE, "ref '%.64s...' is not a usable ref", refs[i]);
		}
	git_run_in(g, args, 0, &in, 0, &r);
	buf_free(&in);
	if (r.status != PROC_OK)
		return git_fail("cat-file --batch-check", &r, e);
	/* one line per ref, in order: "<sha> commit <size>", or "<ref>^{commit} missing" */
	for (i = 0, p = buf_str(&r.out); i < n; i++) {
		const char *nl = strchr(p, '\n');
		if (nl == NULL || nl - p < 48 || strspn(p, "0123456789abcdef") != 40 ||
		    strncmp(p + 40, " commit ", 8) != 0) {
			proc_result_free(&r);
			return err_set(e, EX_NOINPUT, "ref '%s' does not exist in '%s'", refs[i], g->dir);
		}
		memcpy(sha[i], p, 40);
		sha[i][40] = '\0';
		p = nl + 1;
	}
	proc_result_free(&r);
	return 0;
}

int
git_blob_id(
    const struct git *g, const char *ref, const char *path, char sha[ORCH_SHA_BUF], struct orch_err *e)
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
	char sha[ORCH_SHA_BUF];

	return git_rev_parse(g, ref, sha, NULL) == 0;
}

int
git_is_ancestor(const struct git *g, const char *a, const char *b, struct orch_err *e)
{
	struct proc_result r;
	const char *args[] = { "merge-base", "--is-ancestor", a, b, NULL };
	int rc;

	git_run_expect(g, args, 1u << 1, &r); /* exit 1 is the answer "no" */
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
	char refspec[512];

	if (str_fmt(refspec, sizeof(refspec), "+refs/heads/%s:refs/remotes/%s/%s", branch, remote, branch) <
	    0)
		return err_set(e, EX_USAGE, "branch name '%.64s' is too long", branch);
	/* auto maintenance is left to the repository's own users (one process less per fetch) */
	const char *args[] = { "-c", "maintenance.auto=false", "fetch", "--quiet", "--no-tags", "--", remote,
		refspec, NULL };
	return git_fetch_ok(g, remote, args, e);
}

int
git_branch_create(const struct git *g, const char *branch, const char *start, struct orch_err *e)
{
	struct proc_result r;
	char ref[512];

	if (str_fmt(ref, sizeof(ref), "refs/heads/%s", branch) < 0)
		return err_set(e, EX_USAGE, "branch name is too long");
	if (git_ref_exists(g, ref))
		return 0; /* idempotent: a rerun after a crash reuses it */
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
	char gitdir[ORCH_PATH_MAX_1];
	struct stat sb;

	/* a workspace of its own (lib/workspace.h) is a directory orch made; a linked worktree is git's to
	 * remove */
	if (str_fmt(gitdir, sizeof(gitdir), "%s/.git", path) == 0 && lstat(gitdir, &sb) == 0 &&
	    S_ISDIR(sb.st_mode)) {
		util_rm_tree(path);
		r.status = PROC_OK;
		buf_init(&r.out, 0);
		buf_init(&r.err, 0);
	} else {
		git_run(g, rm, &r);
	}
	/* git's answer is not the test: a worktree it could not see (repository gone) is still on disk */
	if (lstat(path, &sb) == 0) {
		err_set(e, EX_SOFTWARE,
		    "the worktree '%s' is still there after git worktree remove in '%s': %.300s", path,
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
	char gitfile[ORCH_PATH_MAX_1];

	if (str_fmt(gitfile, sizeof(gitfile), "%s/.git", path) < 0)
		return err_set(e, EX_USAGE, "worktree path is too long");
	if (lstat(gitfile, &sb) == 0)
		return 0; /* already added by an earlier (perhaps killed) run */
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

/*
 * The next object of a `cat-file --batch` answer at *p: 0 with its type,
 * size and body (*p moves past it); -1 for a "missing" (or "ambiguous")
 * line; -2 when the answer ends early (over the output cap).
 */
static int
batch_next(const char **p, const char *end, char type[8], unsigned long long *size, const char **body)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	char sha[72];

	if (nl == NULL)
		return GIT_FAILED;
	/* "<sha> <type> <size>": a missing line starts with the request ("<ref>:<path>"), never with hex */
	if (sscanf(*p, "%71s %7s %llu", sha, type, size) != 3 || strspn(sha, "0123456789abcdef") < 40 ||
	    sha[strspn(sha, "0123456789abcdef")] != '\0') {
		*p = nl + 1;
		return -1;
	}
	*body = nl + 1;
	if ((unsigned long long)(end - *body) < *size + 1)
		return GIT_FAILED;
	*p = *body + *size + 1;
	return 0;
}

/* Object ids are SHA-1 (40 hex digits) throughout orch; a raw tree entry holds 20 bytes. */
#define GIT_RAW_ID 20

/* The mode of entry name in a raw tree object ("<mode> <name>\0<id>"...); 0, or -1 when absent. */
static int
tree_mode(const char *t, size_t len, const char *name, size_t idlen, char mode[8])
{
	const char *end = t + len, *sp, *nul;

	for (; t < end; t = nul + 1 + idlen) {
		if ((sp = memchr(t, ' ', (size_t)(end - t))) == NULL ||
		    (nul = memchr(sp, '\0', (size_t)(end - sp))) == NULL)
			return -1;
		if (strcmp(sp + 1, name) == 0 && sp - t < 8) {
			snprintf(mode, 8, "%.*s", (int)(sp - t), t);
			return 0;
		}
	}
	return -1;
}

/* Check the entry's mode, then take the blob: 0, or GIT_ARTIFACT_RED with the reason (EX_NO). */
static int
artifact_take(const char *path, const char *mode, int rc, unsigned long long size, const char *body,
    size_t max, struct buf *out, struct orch_err *e)
{
	if (strcmp(mode, "120000") == 0)
		return err_set(e, EX_NO, "%s is a symlink; artifacts must be regular files", path);
	if (strncmp(mode, "100", 3) != 0)
		return err_set(e, EX_NO, "%s is not a file", path);
	if (rc == -1)
		return err_set(e, EX_NO, "cannot read the tree entry of %s", path);
	if (rc != -1 && size > max)
		return err_set(e, EX_NO, "%s is %llu bytes, over the %zu-byte limit", path, size, max);
	if (rc < 0 || buf_append(out, body, (size_t)size) < 0)
		return err_set(e, EX_NO, "%s is over the %zu-byte limit", path, max);
	return 0;
}

int
git_read_artifact(
    const struct git *g, const char *ref, const char *path, size_t max, struct buf *out, struct orch_err *e)
{
	const char *args[] = { "cat-file", "--batch", NULL }, *slash = strrchr(path, '/'), *p, *end, *tree,
		   *body;
	unsigned long long tsize, size = 0;
	char type[8], mode[8];
	struct proc_result r;
	struct buf in;
	int rc;

	if (strchr(ref, '\n') || strchr(path, '\n') || *path == '\0')
		return err_set(e, EX_NO, "cannot read the tree entry of %s", path);
	/* one git run: the ref's tree (does it exist?), the directory's (the entry's mode), the entry */
	buf_init(&in, 8192);
	buf_addf(&in, "%s^{tree}\n", ref);
	if (slash)
		buf_addf(&in, "%s:%.*s\n", ref, (int)(slash - path), path);
	buf_addf(&in, "%s:%s\n", ref, path);
	if (buf_failed(&in)) { /* a ref or path of kilobytes: not a name git would take */
		buf_free(&in);
		return err_set(e, EX_NO, "the name of %s at %.40s is too long to look up", path, ref);
	}
	git_run_in(g, args, 0, &in, max + 8 * BUF_MIB, &r);
	buf_free(&in);
	if (r.status != PROC_OK) {
		git_fail("cat-file --batch", &r, e);
		return GIT_FAILED;
	}
	p = buf_str(&r.out);
	end = p + r.out.len;
	if (batch_next(&p, end, type, &tsize, &tree) < 0) {
		proc_result_free(&r);
		err_set(e, EX_UNAVAILABLE, "git cat-file: '%s' names no tree in '%s'", ref, g->dir);
		return GIT_FAILED;
	}
	if ((slash && ((rc = batch_next(&p, end, type, &tsize, &tree)) < 0 || strcmp(type, "tree") != 0)) ||
	    tree_mode(tree, (size_t)tsize, slash ? slash + 1 : path, GIT_RAW_ID, mode) < 0) {
		proc_result_free(&r);
		return err_set(e, EX_NO, "%s is missing at %s (not committed?)", path, ref);
	}
	rc = batch_next(&p, end, type, &size, &body);
	rc = artifact_take(path, mode, rc, size, body, max, out, e);
	proc_result_free(&r);
	return rc;
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
	const char *args[] = { "ls-tree", "--full-tree", "--name-only", "--end-of-options", ref, "--", spec,
		NULL };
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

/* Run git with env (hardened + extra) and stdin; the output of a plumbing step is small. */
static int
git_plumb(const struct git *g, const char *const *args, const char *const *env, const char *in, size_t inlen,
    struct proc_result *r, struct orch_err *e)
{
	const char *argv[24];

	git_argv(args, argv, 24);
	struct proc_spec s = {
		.argv = argv,
		.cwd = g->dir,
		.env_extra = env,
		.timeout_ms = GIT_TIMEOUT_MS,
		.out_cap = BUF_MIB,
		.tool = "git",
		.observe = g->st ? store_tool_observe : NULL,
		.observe_ctx = g->st,
		.stdin_data = in,
		.stdin_len = inlen,
	};
	proc_run(&s, r);
	if (r->status != PROC_OK)
		return git_fail(argv[1], r, e);
	return 0;
}

/* The first 40 hex digits of a plumbing step's output into sha; -1 with e when there are none. */
static int
take_id(struct proc_result *r, const char *what, char sha[ORCH_SHA_BUF], struct orch_err *e)
{
	int ok = r->out.len >= 40 && strspn(buf_str(&r->out), "0123456789abcdef") >= 40;

	if (ok) {
		memcpy(sha, r->out.data, 40);
		sha[40] = '\0';
	}
	proc_result_free(r);
	return ok ? 0 : err_set(e, EX_UNAVAILABLE, "git %s printed no object id", what);
}

/* The tree of base with path set to the blob (a private index, never a work tree's): 0 / -1. */
static int
tree_with(const struct git *g, const char *base, const char *path, const char *blob, const char *index,
    char tree[ORCH_SHA_BUF], struct orch_err *e)
{
	char ienv[ORCH_PATH_MAX_1], info[1200];
	struct proc_result r;

	if (str_fmt(ienv, sizeof(ienv), "GIT_INDEX_FILE=%s", index) < 0 ||
	    str_fmt(info, sizeof(info), "100644,%s,%s", blob, path) < 0)
		return err_set(e, EX_USAGE, "path '%.64s' is too long for an index entry", path);
	const char *env[] = { GIT_HARDEN_ENV, ienv, NULL };
	const char *rt[] = { "read-tree", base, NULL };
	const char *ui[] = { "update-index", "--add", "--cacheinfo", info, NULL };
	const char *wt[] = { "write-tree", NULL };
	int rc = git_plumb(g, rt, env, NULL, 0, &r, e);
	if (rc == 0) {
		proc_result_free(&r);
		rc = git_plumb(g, ui, env, NULL, 0, &r, e);
	}
	if (rc == 0) {
		proc_result_free(&r);
		rc = git_plumb(g, wt, env, NULL, 0, &r, e) == 0 ? take_id(&r, "write-tree", tree, e) : -1;
	}
	unlink(index);
	return rc;
}

int
git_commit_file(const struct git *g, const char *branch, const char *path, const char *data, size_t len,
    const char *message, const char *index, char out[ORCH_SHA_BUF], char blob[ORCH_SHA_BUF],
    struct orch_err *e)
{
	char ref[300], old[ORCH_SHA_BUF], tree[ORCH_SHA_BUF], base_tree[ORCH_SHA_BUF], spec[64];
	struct proc_result r;

	if (str_fmt(ref, sizeof(ref), "refs/heads/%s", branch) < 0)
		return err_set(e, EX_USAGE, "branch name is too long");
	if (git_rev_parse(g, ref, old, e) < 0)
		return -1;
	if (git_hash_blob(g, data, len, blob, e) < 0)
		return -1;
	if (tree_with(g, old, path, blob, index, tree, e) < 0)
		return -1;
	snprintf(spec, sizeof(spec), "%s^{tree}", old);
	if (git_rev_parse_any(g, spec, base_tree, e) < 0)
		return -1;
	if (strcmp(tree, base_tree) == 0) { /* the same report again: nothing to commit */
		snprintf(out, 41, "%s", old);
		return 0;
	}
	const char *ct[] = { "commit-tree", tree, "-p", old, "-m", message, NULL };
	if (git_plumb(g, ct, git_ident_env, NULL, 0, &r, e) < 0 || take_id(&r, "commit-tree", out, e) < 0)
		return -1;
	/* compare-and-swap: a branch that moved meanwhile is not overwritten */
	const char *ur[] = { "update-ref", "-m", "orch: commit", ref, out, old, NULL };
	if (git_plumb(g, ur, git_env, NULL, 0, &r, e) < 0)
		return -1;
	proc_result_free(&r);
	return 0;
}

int
git_hash_blob(const struct git *g, const char *data, size_t len, char blob[ORCH_SHA_BUF], struct orch_err *e)
{
	const char *ho[] = { "hash-object", "-w", "--stdin", NULL };
	struct proc_result r;

	if (git_plumb(g, ho, git_env, data, len, &r, e) < 0)
		return -1;
	return take_id(&r, "hash-object", blob, e);
}

int
git_object_type(const struct git *g, const char *spec, char type[16], struct orch_err *e)
{
	const char *args[] = { "cat-file", "-t", spec, NULL };
	struct proc_result r;

	type[0] = '\0';
	git_run_expect(g, args, 0, &r); /* 128: no such object, an answer */
	if (r.status == PROC_OK)
		snprintf(type, 16, "%.*s", (int)strcspn(buf_str(&r.out), "\n"), buf_str(&r.out));
	else if (r.status != PROC_EXIT_NONZERO)
		return git_fail("cat-file -t", &r, e);
	proc_result_free(&r);
	return 0;
}

int
git_rev_parse_any(const struct git *g, const char *spec, char sha[ORCH_SHA_BUF], struct orch_err *e)
{
	const char *args[] = { "rev-parse", "--verify", "--quiet", "--end-of-options", spec, NULL };
	struct proc_result r;

	git_run_expect(g, args, 1u << 1, &r);
	if (r.status != PROC_OK || r.out.len < 40) {
		proc_result_free(&r);
		return err_set(e, EX_NOINPUT, "'%s' does not name an object in '%s'", spec, g->dir);
	}
	memcpy(sha, r.out.data, 40);
	sha[40] = '\0';
	proc_result_free(&r);
	return 0;
}

int
git_clone_private(const struct git *parent, const char *src, const char *dst, const char *branch, int shared,
    struct orch_err *e)
{
	struct proc_result r;

	/* --no-local: objects through the pack protocol, never hard links into src's object store */
	const char *args[] = { "clone", "--quiet", shared ? "--shared" : "--no-local", "--no-checkout",
		"--origin", "orch", "--", src, dst, NULL };
	if (git_ok(parent, "clone", args, &r, e) < 0)
		return -1;
	proc_result_free(&r);
	if (branch == NULL)
		return 0;
	struct git w = { .dir = dst, .st = parent->st };
	char start[300];
	if (str_fmt(start, sizeof(start), "orch/%s", branch) < 0)
		return err_set(e, EX_USAGE, "branch name is too long");
	const char *co[] = { "checkout", "--quiet", "-B", branch, start, NULL };
	if (git_ok(&w, "checkout", co, &r, e) < 0)
		return -1;
	proc_result_free(&r);
	return 0;
}

int
git_fetch_into(
    const struct git *g, const char *url, const char *src_ref, const char *dst_ref, struct orch_err *e)
{
	const char *refs[] = { src_ref, dst_ref, NULL };

	return git_fetch_refs(g, url, refs, e);
}

int
git_fetch_refs(const struct git *g, const char *url, const char *const *refs, struct orch_err *e)
{
	char spec[2][700];
	int i;

	for (i = 0; i < 2 && refs[2 * i]; i++)
		if (str_fmt(spec[i], sizeof(spec[i]), "+%s:%s", refs[2 * i], refs[2 * i + 1]) < 0)
			return err_set(e, EX_USAGE, "ref name is too long");
	if (i == 0 || refs[2 * i] != NULL)
		BUG("git_fetch_refs takes one or two pairs of refs");
	const char *args[] = { "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", url, spec[0],
		i > 1 ? spec[1] : NULL, NULL };
	return git_fetch_ok(g, url, args, e);
}

/* The merge base of a and b into sha: 0, -1 with *e (EX_NOINPUT: none). */
static int
git_merge_base(const struct git *g, const char *a, const char *b, char sha[ORCH_SHA_BUF], struct orch_err *e)
{
	const char *args[] = { "merge-base", "--end-of-options", a, b, NULL };
	struct proc_result r;

	git_run_expect(g, args, 1u << 1, &r); /* exit 1: no common ancestor, an answer */
	if (r.status == PROC_EXIT_NONZERO && r.exit_code == 1) {
		proc_result_free(&r);
		return err_set(e, EX_NOINPUT,
		    "'%.40s' and '%.200s' have no common history in '%s'; cut the branch "
		    "from main",
		    b, a, g->dir);
	}
	if (r.status != PROC_OK)
		return git_fail("merge-base", &r, e);
	if (r.out.len < 40 || strspn(r.out.data, "0123456789abcdef") < 40) {
		proc_result_free(&r);
		return err_set(e, EX_DATAERR, "git merge-base printed no commit id in '%s'", g->dir);
	}
	memcpy(sha, r.out.data, 40);
	sha[40] = '\0';
	proc_result_free(&r);
	return 0;
}

/* ":(top,exclude)<dir>" for a pathspec: 0, -1 with *e. */
static int
exclude_spec(const char *exclude, char *out, size_t n, struct orch_err *e)
{
	if (str_fmt(out, n, ":(top,exclude)%s", exclude) < 0)
		return err_set(e, EX_USAGE, "path '%.64s...' is too long", exclude);
	return 0;
}

int
git_code_id(const struct git *g, const char *base, const char *commit, const char *exclude,
    char id[ORCH_SHA_BUF], struct orch_err *e)
{
	char mb[ORCH_SHA_BUF], spec[1100];
	struct proc_result d, p;

	id[0] = '\0';
	if (git_merge_base(g, base, commit, mb, e) < 0 || exclude_spec(exclude, spec, sizeof(spec), e) < 0)
		return -1;
	/* --binary --full-index: a changed binary changes the id; no renames, no drivers: one answer per tree
	 * pair */
	const char *diff[] = { "diff", "--no-color", "--no-ext-diff", "--no-textconv", "--no-renames",
		"--binary", "--full-index", "--end-of-options", mb, commit, "--", spec, NULL };
	git_run_in(g, diff, 0, NULL, GIT_DIFF_MAX, &d);
	if (d.status != PROC_OK)
		return git_fail("diff", &d, e);
	if (d.out_truncated) {
		proc_result_free(&d);
		return err_set(e, EX_DATAERR,
		    "the change of %.12s against main is over %d MiB; orch cannot bind a "
		    "verdict to it: split the work item",
		    commit, (int)(GIT_DIFF_MAX / BUF_MIB));
	}
	if (d.out.len == 0) { /* no change: the id stays "" */
		proc_result_free(&d);
		return 0;
	}
	const char *pid[] = { "patch-id", "--stable", NULL };
	git_run_in(g, pid, 0, &d.out, 0, &p);
	proc_result_free(&d);
	if (p.status != PROC_OK)
		return git_fail("patch-id", &p, e);
	/* "<patch-id> <commit-id>"; nothing when the diff has no hunks (a mode change only) */
	if (p.out.len >= 40 && strspn(p.out.data, "0123456789abcdef") >= 40) {
		memcpy(id, p.out.data, 40);
		id[40] = '\0';
	}
	proc_result_free(&p);
	return 0;
}

int
git_changed_files(const struct git *g, const char *a, const char *b, const char *exclude, char *out, size_t n,
    struct orch_err *e)
{
	char spec[1100];
	struct proc_result r;
	size_t len = 0;
	char *p, *nl;

	out[0] = '\0';
	if (exclude_spec(exclude, spec, sizeof(spec), e) < 0)
		return -1;
	const char *args[] = { "diff", "--name-only", "--no-renames", "-z", "--end-of-options", a, b, "--",
		spec, NULL };
	if (git_ok(g, "diff --name-only", args, &r, e) < 0)
		return -1;
	for (p = r.out.data; p && p < r.out.data + r.out.len; p = nl + 1) {
		nl = memchr(p, '\0', (size_t)(r.out.data + r.out.len - p));
		if (nl == NULL)
			break;
		int k = snprintf(out + len, n - len, "%s%s", len ? ", " : "", p);
		if (k < 0 || (size_t)k >= n - len) {
			if (n > 4 && len + 4 < n)
				snprintf(out + len, n - len, "%s...", len ? ", " : "");
			break;
		}
		len += (size_t)k;
	}
	proc_result_free(&r);
	return 0;
}

int
git_last_commit(
    const struct git *g, const char *ref, const char *path, char sha[ORCH_SHA_BUF], struct orch_err *e)
{
	const char *args[] = { "log", "-1", "--format=%H", "--end-of-options", ref, "--", path, NULL };
	struct proc_result r;

	sha[0] = '\0';
	if (git_ok(g, "log", args, &r, e) < 0)
		return -1;
	if (r.out.len < 40 || strspn(r.out.data, "0123456789abcdef") < 40) {
		proc_result_free(&r);
		return err_set(e, EX_NOINPUT, "no commit of %s changes %s in '%s'", ref, path, g->dir);
	}
	memcpy(sha, r.out.data, 40);
	sha[40] = '\0';
	proc_result_free(&r);
	return 0;
}

int
git_ls_tree_r(const struct git *g, const char *ref, struct buf *out, struct orch_err *e)
{
	const char *args[] = { "ls-tree", "-r", "-z", "--full-tree", "--end-of-options", ref, NULL };
	struct proc_result r;

	if (git_ok(g, "ls-tree -r", args, &r, e) < 0)
		return -1;
	if (buf_append(out, r.out.data ? r.out.data : "", r.out.len) < 0) {
		proc_result_free(&r);
		return err_set(
		    e, EX_DATAERR, "the tree of '%.80s' lists more than %zu bytes of names", ref, out->max);
	}
	proc_result_free(&r);
	return 0;
}

int
git_read_blobs(
    const struct git *g, const char (*ids)[41], size_t n, size_t max, struct buf *outs, struct orch_err *e)
{
	const char *args[] = { "cat-file", "--batch", NULL }, *p, *end, *body;
	unsigned long long size;
	struct proc_result r;
	char type[8];
	struct buf in;
	size_t i;

	buf_init(&in, n * 42 + 1);
	for (i = 0; i < n; i++)
		buf_addf(&in, "%.40s\n", ids[i]);
	git_run_in(g, args, 0, &in, n * (max + 64) + BUF_MIB, &r);
	buf_free(&in);
	if (r.status != PROC_OK)
		return git_fail("cat-file --batch", &r, e);
	p = buf_str(&r.out);
	end = p + r.out.len;
	for (i = 0; i < n; i++) {
		if (batch_next(&p, end, type, &size, &body) < 0 || strcmp(type, "blob") != 0 || size > max ||
		    buf_append(&outs[i], body, (size_t)size) < 0) {
			proc_result_free(&r);
			return err_set(e, EX_DATAERR, "git cat-file: blob %.12s is missing or over %zu bytes",
			    ids[i], max);
		}
	}
	proc_result_free(&r);
	return 0;
}

/* Write len bytes of data to the new file path (0600, not followed through a symlink); 0 / -1. */
static int
diff_side(const char *path, const char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	size_t off = 0;
	ssize_t k;

	if (fd < 0)
		return -1;
	while (off < len) {
		if ((k = write(fd, data + off, len - off)) < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		off += (size_t)k;
	}
	return close(fd) < 0 || off < len ? -1 : 0;
}

/*
 * Append git's hunks [p, end) to diff, each hunk header without the
 * section heading git adds after its closing "@@" (the enclosing function
 * by git's default funcname rule): what the hunk changes, nothing else.
 * Lines are copied by length (a NUL in a text stays).  0 / -1 over the cap.
 */
static int
diff_hunks(struct buf *diff, const char *p, const char *end)
{
	const char *nl, *close;
	size_t n;

	for (; p < end; p = nl) {
		nl = memchr(p, '\n', (size_t)(end - p));
		nl = nl ? nl + 1 : end;
		n = (size_t)(nl - p);
		if (n > 4 && memcmp(p, "@@ -", 4) == 0 && (close = memmem(p + 4, n - 4, " @@", 3)) != NULL) {
			if (buf_append(diff, p, (size_t)(close + 3 - p)) < 0 || buf_append(diff, "\n", 1) < 0)
				return -1;
		} else if (buf_append(diff, p, n) < 0) {
			return -1;
		}
	}
	return 0;
}

/* git's diff of a and b in dir (exit 1: they differ) into r; 0 / -1 with e. */
static int
diff_run(const struct git *g, const char *dir, struct proc_result *r, struct orch_err *e)
{
	/* every knob that changes the hunks is pinned: a user's diff.* config must not change orch's patches
	 */
	static const char *const args[] = { "-c", "diff.suppressBlankEmpty=false", "-c",
		"diff.noprefix=false", "diff", "--no-index", "--no-color", "--no-ext-diff", "--no-textconv",
		"--text", "--unified=3", "--inter-hunk-context=0", "--diff-algorithm=myers",
		"--indent-heuristic", "--", "a", "b", NULL };
	struct git in = { .dir = dir, .st = g->st, .env = g->env };

	git_run_expect(&in, args, 1u << 1, r);
	if (r->status == PROC_OK || (r->status == PROC_EXIT_NONZERO && proc_exit_code(r) == 1))
		return 0;
	return git_fail("diff --no-index", r, e);
}

int
git_diff_texts(const struct git *g, const char *path, const char *a, size_t alen, const char *b, size_t blen,
    struct buf *diff, struct orch_err *e)
{
	const char *tmp = getenv("TMPDIR"), *out, *hunks;
	char dir[ORCH_PATH_MAX], pa[ORCH_PATH_MAX_1] = "", pb[ORCH_PATH_MAX_1] = "";
	struct proc_result r;
	int rc = -1;

	if (alen == blen && memcmp(a, b, alen) == 0)
		return 0;
	if (str_fmt(dir, sizeof(dir), "%s/orch-diff.XXXXXX", tmp && *tmp ? tmp : "/tmp") < 0 ||
	    mkdtemp(dir) == NULL)
		return err_set(
		    e, EX_IOERR, "cannot create a temporary directory for a diff: %s", strerror(errno));
	if (str_fmt(pa, sizeof(pa), "%s/a", dir) < 0 || str_fmt(pb, sizeof(pb), "%s/b", dir) < 0 ||
	    diff_side(pa, a, alen) < 0 || diff_side(pb, b, blen) < 0) {
		err_set(e, EX_IOERR, "cannot write the texts to diff under '%s': %s", dir, strerror(errno));
		goto out;
	}
	if (diff_run(g, dir, &r, e) < 0)
		goto out;
	/* git's hunks under orch's header (the temporary names are not the file's) */
	out = buf_str(&r.out);
	hunks = strncmp(out, "@@ ", 3) == 0 ? out : strstr(out, "\n@@ ");
	if (hunks == NULL || r.out_truncated)
		err_set(e, EX_SOFTWARE, "git diff --no-index of '%s' gave no hunks%s", path,
		    r.out_truncated ? " (its output was cut)" : "");
	else if (buf_printf(diff, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n", path, path, path, path) < 0 ||
	    diff_hunks(diff, hunks + (*hunks == '\n'), out + r.out.len) < 0)
		err_set(e, EX_DATAERR, "the diff of '%s' is over its cap", path);
	else
		rc = 0;
	proc_result_free(&r);
out:
	if (pa[0])
		unlink(pa);
	if (pb[0])
		unlink(pb);
	rmdir(dir);
	return rc;
}
