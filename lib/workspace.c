#include "workspace.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "config.h"
#include "ctx.h"
#include "err.h"
#include "git.h"
#include "lock.h"
#include "proc.h"
#include "sizes.h"
#include "task.h"
#include "util.h"

/* A short file of the workspace's .git, read without following a symlink: bytes read, or -1. */
static ssize_t
ws_read_small(const char *ws, const char *name, char *out, size_t n)
{
	char path[ORCH_PATH_MAX_3];
	ssize_t k;
	int fd;

	if (str_fmt(path, sizeof(path), "%s/.git/%s", ws, name) < 0 ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)) < 0)
		return -1;
	k = read(fd, out, n - 1);
	close(fd);
	out[k > 0 ? k : 0] = '\0';
	return k;
}

static int
ws_exists(const char *ws, const char *name)
{
	char path[ORCH_PATH_MAX_3];
	struct stat sb;

	return str_fmt(path, sizeof(path), "%s/.git/%s", ws, name) == 0 && lstat(path, &sb) == 0;
}

/* 1 when ws is a linked worktree of orch's repository (an item started before separate workspaces). */
static int
ws_legacy(const char *ws)
{
	char path[ORCH_PATH_MAX_3];
	struct stat sb;

	return str_fmt(path, sizeof(path), "%s/.git", ws) == 0 && lstat(path, &sb) == 0 &&
	    S_ISREG(sb.st_mode);
}

/* The agents' user (agent_user) resolved into u: 1, 0 when agents run as orch's own user, -1 with e. */
static int
ws_agent(struct orch_ctx *c, struct proc_user *u, struct orch_err *e)
{
	if (c->cfg->agent_user == NULL)
		return 0;
	return proc_user_lookup(c->cfg->agent_user, u, e) < 0 ? -1 : 1;
}

/*
 * GIT_CONFIG_GLOBAL=<home>/workspaces.gitconfig, a file of orch's that
 * trusts repositories owned by another user (safe.directory is honoured
 * only from global or system config): orch's git reads an agent_user's
 * workspace (upload-pack and receive-pack run there, with the hardened
 * command-scope config).  0 / -1 with e.
 */
static int
ws_trust_env(struct orch_ctx *c, char *env, size_t n, struct orch_err *e)
{
	static const char text[] =
	    "# orch: repositories orch reads as another user's (agent_user workspaces)\n"
	    "[safe]\n\tdirectory = *\n";
	char path[ORCH_PATH_MAX_1];
	struct stat sb;

	if (str_fmt(path, sizeof(path), "%s/workspaces.gitconfig", c->cfg->home) < 0 ||
	    str_fmt(env, n, "GIT_CONFIG_GLOBAL=%s", path) < 0)
		return err_set(e, EX_USAGE, "orch's home '%.64s...' is too long", c->cfg->home);
	if (lstat(path, &sb) == 0)
		return 0;
	return atomic_write(path, text, sizeof(text) - 1, 0600, e);
}

/*
 * An agent_user's workspace: the tree is the agent's, and the directories
 * above it (orch's home, worktrees/, the project's) can be passed through
 * but not listed (0711): the store, logs and token files keep their own
 * modes.  0 / -1 with e.
 */
static int
ws_give(struct orch_ctx *c, const struct proc_user *u, const char *path, struct orch_err *e)
{
	char dir[ORCH_PATH_MAX_1], *slash;

	str_copy(dir, sizeof(dir), path);
	while ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (chmod(dir, 0711) < 0)
			return err_set(e, EX_IOERR, "cannot open '%s' for passage (chmod 0711): %s", dir,
			    strerror(errno));
		if (strcmp(dir, c->cfg->home) == 0)
			break;
	}
	return proc_user_chown_tree(u, path, e);
}

int
ws_create(struct orch_ctx *c, const char *repo, const char *branch, const char *path, struct orch_err *e)
{
	char parent[ORCH_PATH_MAX_1], tmp[ORCH_PATH_MAX_2], *slash;
	struct stat sb;

	if (lstat(path, &sb) == 0)
		return 0; /* made by an earlier run (it appears only complete: see below) */
	str_copy(parent, sizeof(parent), path);
	if ((slash = strrchr(parent, '/')) != NULL)
		*slash = '\0';
	/* cloned and checked out beside it, then renamed: a run killed half-way leaves no half workspace */
	if (str_fmt(tmp, sizeof(tmp), "%s.creating", path) < 0)
		return err_set(e, EX_USAGE, "workspace path '%.64s...' is too long", path);
	util_rm_tree(tmp);
	struct git g = { .dir = parent, .st = c->st };
	if (git_clone_private(&g, repo, tmp, branch, 0, e) < 0)
		return -1;
	struct proc_user u;
	int agent = ws_agent(c, &u, e);
	if (agent < 0 || (agent && ws_give(c, &u, tmp, e) < 0))
		return -1;
	if (rename(tmp, path) < 0)
		return err_set(e, EX_IOERR, "cannot rename '%s' to '%s': %s", tmp, path, strerror(errno));
	return atomic_sync_parent(path, e);
}

/*
 * 1 when a live process works in ws (its current directory is there): a
 * held index.lock.  A lock nobody holds is what a killed git left behind.
 */
static int
ws_someone_inside(const char *ws)
{
	char link[64], cwd[ORCH_PATH_MAX_1];
	size_t len = strlen(ws);
	struct dirent *de;
	ssize_t k;
	DIR *d;
	int in = 0;

	if ((d = opendir("/proc")) == NULL)
		return 1; /* cannot tell: assume a person is there */
	while (!in && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '1' || de->d_name[0] > '9')
			continue;
		snprintf(link, sizeof(link), "/proc/%.20s/cwd", de->d_name);
		if ((k = readlink(link, cwd, sizeof(cwd) - 1)) <= 0)
			continue;
		cwd[k] = '\0';
		in = strncmp(cwd, ws, len) == 0 && (cwd[len] == '\0' || cwd[len] == '/');
	}
	closedir(d);
	return in;
}

/* Why a person's (or agent's) git operation makes the workspace busy; NULL when none is in progress. */
static const char *
ws_operation(const char *ws)
{
	static const struct {
		const char *file, *what;
	} ops[] = {
		{ "rebase-merge", "a rebase" },
		{ "rebase-apply", "a rebase (or git am)" },
		{ "MERGE_HEAD", "a merge" },
		{ "CHERRY_PICK_HEAD", "a cherry-pick" },
		{ "REVERT_HEAD", "a revert" },
		{ "BISECT_LOG", "a bisect" },
		{ "index.lock", "a git command (index.lock is held)" },
	};
	size_t i;

	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (ws_exists(ws, ops[i].file) &&
		    (strcmp(ops[i].file, "index.lock") != 0 || ws_someone_inside(ws)))
			return ops[i].what;
	return NULL;
}

/* HEAD must be the item's branch: 0, or -1 with why (detached, or another branch). */
static int
ws_head_check(const struct task *t, char *why, size_t wn)
{
	char head[512], want[320];

	snprintf(want, sizeof(want), "ref: refs/heads/%s", t->branch);
	if (ws_read_small(t->worktree, "HEAD", head, sizeof(head)) < 0) {
		snprintf(why, wn,
		    "the workspace %s has no readable .git/HEAD; restore it or restart the item",
		    t->worktree);
		return -1;
	}
	str_trim(head);
	if (strcmp(head, want) == 0)
		return 0;
	if (strncmp(head, "ref: ", 5) == 0)
		snprintf(why, wn,
		    "the workspace %s has %.200s checked out, not %s: only refs/heads/%s is judged; "
		    "check out %s there (git checkout %s)",
		    t->worktree, head + 5, t->branch, t->branch, t->branch, t->branch);
	else
		snprintf(why, wn,
		    "the workspace %s has a detached HEAD (%.12s), not branch %s: only commits on the "
		    "branch are judged; commit on %s (git checkout %s)",
		    t->worktree, head, t->branch, t->branch, t->branch);
	return -1;
}

/*
 * The workspace's branch head as its loose ref says (a hint: a packed or
 * unreadable ref reads as unknown and the fetch decides).  1 known, 0 not.
 */
static int
ws_ref_hint(const struct task *t, char sha[ORCH_SHA_BUF])
{
	char name[300], v[128];

	if (str_fmt(name, sizeof(name), "refs/heads/%s", t->branch) < 0 ||
	    ws_read_small(t->worktree, name, v, sizeof(v)) < 40 || strspn(v, "0123456789abcdef") < 40)
		return 0;
	memcpy(sha, v, 40);
	sha[40] = '\0';
	return 1;
}

static void
ws_seen_ref(const struct task *t, char *out, size_t n)
{
	snprintf(out, n, "refs/orch/workspace/%s", t->work_item);
}

/* Fetch the workspace's branch and move orch's to it when it moved: 0 (moved set) / -1 with e. */
static int
ws_fetch(struct orch_ctx *c, const struct task *t, int *moved, struct orch_err *e)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	char seen[300], src[300], head[300], ids[2][ORCH_SHA_BUF];
	const char *refs[2] = { head, seen };

	struct git reader = repo;
	struct proc_user u;
	char trust[ORCH_PATH_MAX_2];
	const char *env[] = { trust, NULL };
	int agent;

	ws_seen_ref(t, seen, sizeof(seen));
	snprintf(src, sizeof(src), "refs/heads/%s", t->branch);
	snprintf(head, sizeof(head), "refs/heads/%s", t->branch);
	if ((agent = ws_agent(c, &u, e)) < 0 || (agent && ws_trust_env(c, trust, sizeof(trust), e) < 0))
		return -1;
	reader.env = agent ? env : NULL;
	if (git_fetch_into(&reader, t->worktree, src, seen, e) < 0)
		return -1;
	if (git_resolve(&repo, refs, 2, ids, e) < 0)
		return -1;
	if (strcmp(ids[0], ids[1]) == 0)
		return 0;
	/*
	 * The workspace wins: its branch is the item's work (orch's own commits
	 * were synced to it; one it dropped is written again by its gate).
	 */
	const char *upd[] = { "update-ref", "-m", "orch: import from the workspace", head, ids[1], ids[0],
		NULL };
	struct proc_result r;
	git_run(&repo, upd, &r);
	if (r.status != PROC_OK) {
		err_set(e, EX_TEMPFAIL,
		    "cannot move %s to the workspace's %.12s in '%s' (it moved meanwhile?); the "
		    "next tick retries",
		    head, ids[1], t->repo);
		proc_result_free(&r);
		return -1;
	}
	proc_result_free(&r);
	*moved = 1;
	return 0;
}

/*
 * 1 when the branch already holds what orch last fetched (seen): equal, or
 * orch's own commit on top of it.  0 when the branch is behind it: another
 * command fetched and has not moved the branch yet, or was killed between
 * the two steps; judging the branch then would judge old work, so the
 * import is finished here (the update-ref is conditioned on the old id).
 */
static int
ws_import_done(const struct git *repo, const struct task *t, const char *seen_id)
{
	char head[300], id[ORCH_SHA_BUF];

	snprintf(head, sizeof(head), "refs/heads/%s", t->branch);
	if (git_rev_parse(repo, head, id, NULL) < 0)
		return 0;
	return strcmp(id, seen_id) == 0 || git_is_ancestor(repo, id, seen_id, NULL) != 1;
}

static int ws_import_locked(struct orch_ctx *c, const struct task *t, int *moved, struct orch_err *e);

int
ws_repo_lock(struct orch_ctx *c, const struct task *t, int *fd, struct orch_err *e)
{
	char name[64];

	snprintf(name, sizeof(name), "git-%s", t->project);
	return lock_take(c->cfg->home, name, 1, fd, e) == LOCK_TAKEN ? 0 : -1;
}

int
ws_import(struct orch_ctx *c, const struct task *t, int *moved, struct orch_err *e)
{
	int fd, rc;

	if (ws_repo_lock(c, t, &fd, e) < 0)
		return -1;
	rc = ws_import_locked(c, t, moved, e);
	lock_release(fd);
	return rc;
}

static int
ws_import_locked(struct orch_ctx *c, const struct task *t, int *moved, struct orch_err *e)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	char seen[300], hint[ORCH_SHA_BUF], last[ORCH_SHA_BUF], why[900];
	const char *op;

	*moved = 0;
	if (ws_legacy(t->worktree))
		return WS_OK; /* a linked worktree: its commits are already orch's refs */
	if ((op = ws_operation(t->worktree)) != NULL) {
		err_set(e, EX_WAITING,
		    "busy: %s is in progress in %s; finish or abort it (the gate waits, no retry is "
		    "charged)",
		    op, t->worktree);
		return WS_BUSY;
	}
	if (ws_head_check(t, why, sizeof(why)) < 0) {
		err_set(e, EX_NO, "%s", why);
		return WS_RED;
	}
	ws_seen_ref(t, seen, sizeof(seen));
	/* nothing new since orch last fetched or synced: no git run at all */
	if (ws_ref_hint(t, hint) && git_rev_parse(&repo, seen, last, NULL) == 0 && strcmp(hint, last) == 0 &&
	    ws_import_done(&repo, t, last))
		return WS_OK;
	return ws_fetch(c, t, moved, e) < 0 ? -1 : WS_OK;
}

/*
 * git in the workspace, hardened, as the agent's user when there is one
 * (as): its config is the agent's, so nothing it prints decides anything,
 * and any filter it names runs with the agent's rights.
 */
static int
ws_git(struct orch_ctx *c, const struct task *t, const char *const *args, const struct proc_user *as,
    struct orch_err *e)
{
	static const char *const agent_env[] = { "GIT_CONFIG_GLOBAL=/dev/null", NULL }; /* not orch's $HOME */
	struct git w = { .dir = t->worktree, .st = c->st, .run_as = as, .env = as ? agent_env : NULL };
	struct proc_result r;
	char desc[200];

	git_run(&w, args, &r);
	if (r.status != PROC_OK) {
		proc_describe(&r, desc, sizeof(desc));
		err_set(e, EX_UNAVAILABLE, "git %s in the workspace %s %s: %.300s", args[0], t->worktree,
		    desc, buf_str(&r.err));
		proc_result_free(&r);
		return -1;
	}
	proc_result_free(&r);
	return 0;
}

/*
 * An agent_user's workspace cannot read orch's repository: orch pushes the
 * branch into the workspace's refs/remotes/orch/ (receive-pack runs there
 * with the hardened config; no branch of the agent's is touched), gives the
 * new objects to the agent, and the checkout runs as the agent.  0 / -1.
 */
static int
ws_sync_as_agent(struct orch_ctx *c, const struct task *t, const struct proc_user *u, const char *refspec,
    const char *const *co, struct orch_err *e)
{
	char trust[ORCH_PATH_MAX_2], gitdir[ORCH_PATH_MAX_1];
	const char *env[] = { trust, NULL };
	struct git repo = { .dir = t->repo, .st = c->st, .env = env };
	struct proc_result r;

	if (ws_trust_env(c, trust, sizeof(trust), e) < 0 ||
	    str_fmt(gitdir, sizeof(gitdir), "%s/.git", t->worktree) < 0)
		return -1;
	const char *push[] = { "push", "--quiet", "--no-verify", "--", t->worktree, refspec, NULL };
	git_run(&repo, push, &r);
	if (r.status != PROC_OK) {
		err_set(e, EX_UNAVAILABLE, "git push of orch's branch into the workspace %s failed: %.300s",
		    t->worktree, buf_str(&r.err));
		proc_result_free(&r);
		return -1;
	}
	proc_result_free(&r);
	if (proc_user_chown_tree(u, gitdir, e) < 0)
		return -1;
	return ws_git(c, t, co, u, e);
}

int
ws_sync(struct orch_ctx *c, const struct task *t, struct orch_err *e)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	char src[300], dst[300], seen[300], head[ORCH_SHA_BUF];

	if (ws_legacy(t->worktree))
		return 0;
	if (ws_exists(t->worktree, "index.lock") && !ws_someone_inside(t->worktree) &&
	    str_fmt(src, sizeof(src), "%s/.git/index.lock", t->worktree) == 0)
		unlink(src); /* left by a git that was killed: git's own advice is to remove it */
	snprintf(src, sizeof(src), "refs/heads/%s", t->branch);
	snprintf(dst, sizeof(dst), "refs/remotes/orch/%s", t->branch);
	if (git_rev_parse(&repo, src, head, e) < 0)
		return -1;
	const char *fetch[] = { "fetch", "--quiet", "--no-tags", "--no-write-fetch-head", "--", t->repo, NULL,
		NULL };
	char refspec[700];
	snprintf(refspec, sizeof(refspec), "+%s:%s", src, dst);
	fetch[6] = refspec;
	/* -B keeps uncommitted work that does not conflict; a conflict fails and the next sync retries */
	const char *co[] = { "checkout", "--quiet", "-B", t->branch, dst, NULL };
	struct proc_user u;
	int agent = ws_agent(c, &u, e);
	if (agent < 0)
		return -1;
	if (agent && ws_sync_as_agent(c, t, &u, refspec, co, e) < 0)
		return -1;
	if (!agent && (ws_git(c, t, fetch, NULL, e) < 0 || ws_git(c, t, co, NULL, e) < 0))
		return -1;
	ws_seen_ref(t, seen, sizeof(seen));
	const char *upd[] = { "update-ref", seen, head, NULL };
	struct proc_result r;
	git_run(&repo, upd, &r);
	proc_result_free(&r); /* a stale "seen" only costs one fetch */
	return 0;
}

/*
 * Every directory above path on the branch must be a directory (or absent):
 * a symlink or file an agent committed there is refused, with the reason
 * (EX_DATAERR), before anything is written.  0 / -1 with e.
 */
static int
ws_parents_are_trees(struct git *repo, const struct task *t, const char *path, struct orch_err *e)
{
	char spec[1200], type[16];
	const char *p;

	for (p = strchr(path, '/'); p; p = strchr(p + 1, '/')) {
		if (str_fmt(spec, sizeof(spec), "refs/heads/%s:%.*s", t->branch, (int)(p - path), path) < 0)
			return err_set(e, EX_USAGE, "path '%.64s' is too long", path);
		if (git_object_type(repo, spec, type, e) < 0)
			return -1;
		if (type[0] && strcmp(type, "tree") != 0)
			return err_set(e, EX_DATAERR,
			    "%.*s on branch %s is a symlink or a file, not a directory: orch "
			    "writes its artifacts only into a real directory; remove it from the branch",
			    (int)(p - path), path, t->branch);
	}
	return 0;
}

int
ws_commit_file(struct orch_ctx *c, const struct task *t, const char *path, const char *text, size_t len,
    const char *message, struct orch_err *e)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	char index[ORCH_PATH_MAX_1], rnd[17], dir[ORCH_PATH_MAX_1], head[ORCH_SHA_BUF], blob[ORCH_SHA_BUF];
	struct orch_err se = { 0 };

	if (random_hex(rnd, 8) < 0 || str_fmt(dir, sizeof(dir), "%s/runs/tmp", c->cfg->home) < 0 ||
	    mkdir_p(dir, 0700) < 0 || str_fmt(index, sizeof(index), "%s/index-%s", dir, rnd) < 0)
		return err_set(e, EX_IOERR, "cannot make a private index under '%s'", dir);
	if (ws_parents_are_trees(&repo, t, path, e) < 0)
		return -1;
	/* recorded before the commit: a blob orch wrote is never refused, even after a crash in between */
	if (git_hash_blob(&repo, text, len, blob, e) < 0 ||
	    task_blob_record(c->st, t->work_item, path, blob, e) < 0 ||
	    git_commit_file(&repo, t->branch, path, text, len, message, index, head, blob, e) < 0)
		return -1;
	if (ws_sync(c, t, &se) < 0) /* the workspace catches up at its next job; the commit stands */
		event_add(c->st, t->work_item, "workspace_sync_failed", t->stage, t->stage, se.msg, NULL);
	return 0;
}

int
ws_scratch(struct orch_ctx *c, const char *repo, const char *commit, char *dir, size_t dn, struct orch_err *e)
{
	char base[ORCH_PATH_MAX_1], rnd[17];
	struct proc_result r;

	if (random_hex(rnd, 8) < 0 || str_fmt(base, sizeof(base), "%s/scratch", c->cfg->home) < 0 ||
	    mkdir_p(base, 0700) < 0 || str_fmt(dir, dn, "%s/%s", base, rnd) < 0)
		return err_set(
		    e, EX_IOERR, "cannot make a scratch directory under '%s/scratch'", c->cfg->home);
	struct git g = { .dir = base, .st = c->st }, s = { .dir = dir, .st = c->st };
	if (git_clone_private(&g, repo, dir, NULL, 1, e) < 0)
		return -1;
	const char *co[] = { "checkout", "--quiet", "--detach", commit, NULL };
	git_run(&s, co, &r);
	if (r.status != PROC_OK) {
		err_set(e, EX_UNAVAILABLE, "cannot check out %.12s in the scratch %s: %.300s", commit, dir,
		    buf_str(&r.err));
		proc_result_free(&r);
		util_rm_tree(dir);
		return -1;
	}
	proc_result_free(&r);
	return 0;
}
