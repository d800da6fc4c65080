#include "merge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "ctx.h"
#include "err.h"
#include "gate.h"
#include "lock.h"
#include "git.h"
#include "proc.h"
#include "stages.h"
#include "sizes.h"
#include "store.h"
#include "task.h"
#include "util.h"
#include "wi.h"
#include "workspace.h"

void
merge_main_ref(const struct project *p, char *out, size_t n)
{
	if (p->remote)
		snprintf(out, n, "refs/remotes/%s/%s", p->remote, p->main_branch);
	else
		snprintf(out, n, "refs/heads/%s", p->main_branch);
}

/* The remote's fetch and push URLs as the repository's config says now ("url\npushurl..."); 0 / -1 with e. */
static int
remote_live(struct store *st, const struct project *p, char *out, size_t n, struct orch_err *e)
{
	struct git repo = { .dir = p->repo, .st = st };
	char key[300];
	struct proc_result r;

	snprintf(key, sizeof(key), "^remote\\.%s\\.(url|pushurl)$", p->remote);
	const char *args[] = { "config", "--get-regexp", key, NULL };
	git_run(&repo, args, &r);
	if (r.status != PROC_OK && !(r.status == PROC_EXIT_NONZERO && r.exit_code == 1)) {
		char desc[600];
		proc_describe(
		    &r, desc, sizeof(desc)); /* git itself could not answer: not the remote's fault */
		proc_result_free(&r);
		return err_set(e, EX_UNAVAILABLE,
		    "git config in '%s' %s; check the repository (the next tick retries)", p->repo, desc);
	}
	if (r.status != PROC_OK || r.out.len == 0) {
		proc_result_free(&r);
		return err_set(e, EX_CONFIG,
		    "remote '%s' of '%s' has no url; set it (git remote add %s URL) or fix "
		    "remote: in orch.yaml",
		    p->remote, p->repo, p->remote);
	}
	snprintf(out, n, "%.*s", (int)r.out.len - (r.out.data[r.out.len - 1] == '\n'), r.out.data);
	proc_result_free(&r);
	return 0;
}

int
merge_remote_trusted(struct orch_ctx *c, const struct project *p, int record, struct orch_err *e)
{
	char live[2048], rec[2048];
	int have;

	if (p->remote == NULL)
		return 0;
	if (remote_live(c->st, p, live, sizeof(live), e) < 0 ||
	    (have = task_remote_get(c->st, p->key, rec, sizeof(rec), e)) < 0)
		return -1;
	if (!have) /* first use: what the operator set up is what orch trusts from now on */
		return record ? task_remote_put(c->st, p->key, live, e) : 0;
	if (strcmp(live, rec) == 0)
		return 0;
	for (char *q = live; *q; q++)
		if (*q == '\n')
			*q = ' ';
	return err_set(e, EX_CONFIG,
	    "remote '%s' of '%s' changed since orch recorded it (now: %.400s; recorded: "
	    "%.400s): nothing is fetched from or pushed to it and the item holds; if you changed it, run "
	    "orch doctor "
	    "--accept-remote %s",
	    p->remote, p->repo, live, rec, p->key);
}

int
merge_remote_accept(struct orch_ctx *c, const struct project *p, char *url, size_t n, struct orch_err *e)
{
	if (p->remote == NULL)
		return err_set(e, EX_USAGE, "project '%s' has no remote: nothing to accept", p->key);
	if (remote_live(c->st, p, url, n, e) < 0 || task_remote_put(c->st, p->key, url, e) < 0)
		return -1;
	for (char *q = url; *q; q++)
		if (*q == '\n')
			*q = ' ';
	return 0;
}

/* The ids of n refs of repo into ids ("" for one that does not exist); 0 / -1 with e. */
static int
resolve_opt(struct git *repo, const char *const *refs, size_t n, char (*ids)[41], struct orch_err *e)
{
	size_t i;

	for (i = 0; i < n; i++) {
		struct orch_err ne = { 0 };
		if (git_rev_parse(repo, refs[i], ids[i], &ne) < 0) {
			if (ne.code != EX_NOINPUT)
				return *e = ne, -1;
			ids[i][0] = '\0';
		}
	}
	return 0;
}

/* Push local to the remote's branch, only if the remote still has lease ("" = no such branch); 1 / 0 / -1. */
static int
push_lease(struct git *repo, const struct project *p, const struct task *t, const char *local,
    const char *lease, struct orch_err *e)
{
	char spec[400], with[400];
	struct proc_result r;

	snprintf(spec, sizeof(spec), "%s:refs/heads/%s", local, t->branch);
	snprintf(with, sizeof(with), "--force-with-lease=refs/heads/%s:%s", t->branch, lease);
	const char *push[] = { "push", "--quiet", "--porcelain", with, "--", p->remote, spec, NULL };
	git_run(repo, push, &r);
	if (r.status == PROC_OK) {
		proc_result_free(&r);
		return 1;
	}
	if (r.status == PROC_EXIT_NONZERO && strstr(buf_str(&r.out), "[rejected]")) {
		proc_result_free(&r);
		return 0; /* someone pushed meanwhile: the next tick fetches it first */
	}
	err_set(e, EX_UNAVAILABLE, "push of branch %s to '%s' failed: %.300s; the next tick retries",
	    t->branch, p->remote, buf_str(&r.err));
	proc_result_free(&r);
	return -1;
}

/* Move orch's branch to the remote's head (a person's push) and hand it to the workspace; 0 / -1. */
static int
take_remote(struct orch_ctx *c, struct git *repo, const struct task *t, const char *head, const char *old,
    struct orch_err *e)
{
	char ref[300];
	struct proc_result r;

	snprintf(ref, sizeof(ref), "refs/heads/%s", t->branch);
	const char *upd[] = { "update-ref", "-m", "orch: the branch as pushed to the remote", ref, head, old,
		NULL };
	git_run(repo, upd, &r);
	if (r.status != PROC_OK) {
		proc_result_free(&r);
		return err_set(e, EX_TEMPFAIL,
		    "branch %s moved while orch took the remote's; the next tick retries", t->branch);
	}
	proc_result_free(&r);
	return ws_sync(c, t, e);
}

/* Where orch keeps the branch head it last pushed (or found on the remote): its next push's lease. */
static void
pushed_ref(const struct task *t, char *out, size_t n)
{
	snprintf(out, n, "refs/orch/pushed/%s", t->work_item);
}

int
merge_branch_published(struct orch_ctx *c, const struct task *t, const char *sha)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	char ref[300], at[ORCH_SHA_BUF];

	pushed_ref(t, ref, sizeof(ref));
	return git_rev_parse(&repo, ref, at, NULL) == 0 && strcmp(at, sha) == 0;
}

/* The repositories whose item branches this run fetched already (fetch_items_once). */
static char fetched_repos[32][ORCH_PATH_MAX];
static int nfetched;

void
merge_fetch_forget(void)
{
	nfetched = 0;
}

/*
 * A shared store: the remote's branch is the item's, and this host's
 * clone and workspace are caches (docs/multi-host.md).  Both moved: this
 * host's commits the remote lacks come from a run that was stopped or
 * killed before it published (the job ran again elsewhere), so the
 * remote's branch is taken; they are kept as refs/orch/discarded/<WI>,
 * with an event naming them.  When old is what this host last pushed
 * (another host rebased the branch for the merge) nothing is discarded.
 * 0 / -1 with e.
 */
static int
take_remote_over(struct orch_ctx *c, struct git *repo, const struct task *t, const char *head,
    const char *old, const char *pushed, struct orch_err *e)
{
	char keep[300], msg[400];
	struct proc_result r;

	if (strcmp(old, pushed) == 0)
		return take_remote(c, repo, t, head, old, e);
	snprintf(keep, sizeof(keep), "refs/orch/discarded/%s", t->work_item);
	const char *upd[] = { "update-ref", keep, old, NULL };
	git_run(repo, upd, &r);
	proc_result_free(&r);
	if (take_remote(c, repo, t, head, old, e) < 0)
		return -1;
	snprintf(msg, sizeof(msg),
	    "branch %s: this host's unpublished commits up to %.12s were left for the remote's %.12s "
	    "(kept as %s in '%s')",
	    t->branch, old, head, keep, t->repo);
	return event_add(c->st, t->work_item, "branch_taken_from_remote", t->stage, t->stage, msg, e);
}

/*
 * Every item branch of the project's remote, and its main, fetched once per
 * run (one glob refspec: a branch the remote does not have is no error), so
 * that a tick costs one fetch per project, not one per item.  Main comes
 * along because a code id is taken against it: a host whose main lags the
 * commit a branch was cut from (on another host) would count main's own
 * changes in the branch's code.  0 / -1 with e.
 */
static int
fetch_items_once(
    struct orch_ctx *c, const struct project *p, struct git *repo, char *spec, size_t n, struct orch_err *e)
{
	char dst[320], msrc[300], mdst[320];
	const char *refs[] = { spec, dst, msrc, mdst, NULL };
	int i;

	for (i = 0; i < nfetched; i++)
		if (strcmp(fetched_repos[i], p->repo) == 0)
			return 0;
	snprintf(spec, n, "refs/heads/%s*", WI_BRANCH_PREFIX);
	snprintf(dst, sizeof(dst), "refs/remotes/%s/%s*", p->remote, WI_BRANCH_PREFIX);
	snprintf(msrc, sizeof(msrc), "refs/heads/%s", p->main_branch);
	merge_main_ref(p, mdst, sizeof(mdst));
	if (merge_remote_trusted(c, p, 1, e) < 0 || git_fetch_refs(repo, p->remote, refs, e) < 0)
		return -1;
	if (nfetched < 32)
		str_copy(fetched_repos[nfetched++], sizeof(fetched_repos[0]), p->repo);
	return 0;
}

static int
exchange_locked(
    struct orch_ctx *c, const struct project *p, const struct task *t, int push, struct orch_err *e)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	char lref[300], rref[300], pref[300], glob[320], ids[3][41];
	const char *refs[3] = { lref, rref, pref };
	int rc;

	if (p->remote == NULL)
		return 1;
	snprintf(lref, sizeof(lref), "refs/heads/%s", t->branch);
	snprintf(rref, sizeof(rref), "refs/remotes/%s/%s", p->remote, t->branch);
	pushed_ref(t, pref, sizeof(pref));
	if (fetch_items_once(c, p, &repo, glob, sizeof(glob), e) < 0 ||
	    resolve_opt(&repo, refs, 3, ids, e) < 0)
		return -1;
	const char *now = ids[0]; /* what the remote holds afterwards, as far as orch knows */
	int theirs = ids[1][0] && strcmp(ids[1], ids[2]) != 0; /* someone else pushed since orch last did */
	if (strcmp(ids[0], ids[1]) == 0) {
		now = ids[1];
	} else if (theirs && git_is_ancestor(&repo, ids[0], ids[1], NULL) == 1) {
		if (take_remote(c, &repo, t, ids[1], ids[0], e) < 0) /* a person pushed on top of orch's */
			return -1;
		now = ids[1];
	} else if (theirs && git_is_ancestor(&repo, ids[1], ids[0], NULL) != 1 && c->cfg->store != NULL) {
		if (take_remote_over(c, &repo, t, ids[1], ids[0], ids[2], e) < 0)
			return -1;
		now = ids[1];
	} else if (theirs && git_is_ancestor(&repo, ids[1], ids[0], NULL) != 1) {
		err_set(e, EX_NO,
		    "branch %s on '%s' and the workspace have both moved (someone pushed %.12s): merge the "
		    "remote's branch in the workspace (git pull %s %s) and commit; orch never pushes over it",
		    t->branch, p->remote, ids[1], p->remote, t->branch);
		return 0;
	} else if (!push || (rc = push_lease(&repo, p, t, ids[0], ids[1], e)) <= 0) {
		return push && rc < 0 ? -1 : 1;
	}
	/* the lease of the next push */
	const char *upd[] = { "update-ref", pref, now, NULL };
	struct proc_result r;
	git_run(&repo, upd, &r);
	proc_result_free(&r);
	return 1;
}

static int
ensure_locked(struct orch_ctx *c, const struct project *p, const struct task *t, struct orch_err *e)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	char lref[300], rref[300], glob[320], ids[2][41], parent[ORCH_PATH_MAX_1], *slash;
	const char *refs[2] = { lref, rref };
	struct stat sb;

	if (t->worktree[0] == '\0')
		return err_set(e, EX_USAGE, "the workspace path of %s is too long for this host's ORCH_HOME",
		    t->work_item);
	if (lstat(t->worktree, &sb) == 0)
		return 0;
	snprintf(lref, sizeof(lref), "refs/heads/%s", t->branch);
	snprintf(rref, sizeof(rref), "refs/remotes/%s/%s", p->remote ? p->remote : "-", t->branch);
	if ((p->remote && fetch_items_once(c, p, &repo, glob, sizeof(glob), e) < 0) ||
	    resolve_opt(&repo, refs, p->remote ? 2 : 1, ids, e) < 0)
		return -1;
	/* pushed since this run fetched (a long orch-work): that one branch, now */
	if (ids[0][0] == '\0' && ids[1][0] == '\0' && p->remote) {
		struct orch_err fe = { 0 }; /* a branch the remote lacks is said below, as no branch */
		if (git_fetch_into(&repo, p->remote, lref, rref, &fe) == 0 &&
		    resolve_opt(&repo, refs, 2, ids, e) < 0)
			return -1;
	}
	if (ids[0][0] == '\0') {
		if (p->remote == NULL || ids[1][0] == '\0')
			return err_set(e, EX_NOINPUT,
			    "branch %s of %s is neither in '%s' nor on the project's remote%s; the host that "
			    "started the item must push it (a project shared by hosts needs remote:)",
			    t->branch, t->work_item, t->repo, p->remote ? "" : " (it has none)");
		/* the remote's branch, where another host's work reached it: create only, never move */
		const char *upd[] = { "update-ref", "-m", "orch: the item's branch from the remote", lref,
			ids[1], "0000000000000000000000000000000000000000", NULL };
		struct proc_result r;
		git_run(&repo, upd, &r);
		proc_result_free(&r);
	}
	str_copy(parent, sizeof(parent), t->worktree);
	if ((slash = strrchr(parent, '/')) != NULL)
		*slash = '\0';
	if (mkdir_p(parent, 0700) < 0)
		return err_set(
		    e, EX_IOERR, "cannot create '%s': %s; make ORCH_HOME writable", parent, strerror(errno));
	if (ws_create(c, t->repo, t->branch, t->worktree, e) < 0)
		return -1;
	return event_add(c->st, t->work_item, "workspace_created", t->stage, t->stage, t->worktree, e);
}

int
merge_workspace_ensure(struct orch_ctx *c, const struct project *p, const struct task *t, struct orch_err *e)
{
	struct stat sb;
	int fd, rc;

	if (t->worktree[0] != '\0' && lstat(t->worktree, &sb) == 0)
		return 0; /* the common case takes no lock */
	if (ws_repo_lock(c, t, &fd, e) < 0)
		return -1;
	rc = ensure_locked(c, p, t, e);
	lock_release(fd);
	return rc;
}

int
merge_branch_exchange(
    struct orch_ctx *c, const struct project *p, const struct task *t, int push, struct orch_err *e)
{
	int fd, rc;

	if (p->remote == NULL)
		return 1;
	if (ws_repo_lock(c, t, &fd, e) < 0)
		return -1;
	rc = exchange_locked(c, p, t, push, e);
	lock_release(fd);
	return rc;
}

int
merge_workspace_current(struct orch_ctx *c, const struct project *p, const struct task *t, struct orch_err *e)
{
	if (c->cfg->store == NULL)
		return 0;
	if (merge_workspace_ensure(c, p, t, e) < 0)
		return -1;
	/* 0 (both moved, the item waits) is never the answer on a shared store: the remote wins there */
	return merge_branch_exchange(c, p, t, 0, e) <= 0 ? -1 : 0;
}

/* 1 ours now, 0 held by another live task (holder in who), -1 error. */
static int
lease_take(struct store *st, const struct task *t, int ttl_s, char *who, size_t wn, struct orch_err *e)
{
	struct task_lease l;
	char name[64];

	snprintf(name, sizeof(name), "merge:%s", t->project);
	if (store_begin(st, e) < 0)
		return -1;
	if (task_lease_holder(st, name, &l, e) < 0)
		goto fail;
	snprintf(who, wn, "%s", l.work_item);
	/* held by another live process (here, or on a host whose lease runs): one merge at a time */
	if (task_lease_alive(st, &l) && !(l.pid == (long)getpid() && strcmp(l.host, st->host) == 0)) {
		store_rollback(st);
		return 0;
	}
	/* free, ours, or held by a process that died: take it */
	if (task_lease_put(st, name, t, (long)getpid(), ttl_s, e) < 0)
		goto fail;
	if (l.task_id && l.task_id != t->id)
		event_add(st, t->work_item, "lease_reclaimed", t->stage, t->stage, who, NULL);
	return store_commit(st, e) < 0 ? -1 : 1;
fail:
	store_rollback(st);
	return -1;
}

void
merge_lease_release(struct orch_ctx *c, const struct task *t)
{
	char name[64];

	snprintf(name, sizeof(name), "merge:%s", t->project);
	task_lease_drop(c->st, name, t);
}

static void
red_release(const struct gate_ctx *gc, struct gate_result *r, struct orch_ctx *c)
{
	r->outcome = GATE_RED;
	merge_lease_release(c, gc->task);
}

/* Take the lease and fetch main: 0 to go on, -1 when r is decided (the lease not kept). */
static int
merge_begin(const struct gate_ctx *gc, struct gate_result *r, struct orch_ctx *c)
{
	const struct project *p = gc->project;
	const struct task *t = gc->task;
	struct git repo = { .dir = t->repo, .st = gc->st };
	struct orch_err e = { 0 };
	char who[32] = "";
	int rc;

	if ((rc = lease_take(gc->st, t, task_claim_ttl(gc->cfg), who, sizeof(who), &e)) < 0) {
		r->outcome = GATE_ERROR;
		r->err = e;
		snprintf(r->reason, sizeof(r->reason), "merge lease: %s", e.msg);
		return -1;
	}
	if (rc == 0) {
		r->outcome = GATE_WAIT;
		snprintf(r->reason, sizeof(r->reason), "merge lease of %s held by %s; waiting for its merge",
		    p->key, who);
		return -1;
	}
	if (p->remote &&
	    (merge_remote_trusted(c, p, 1, &e) < 0 || git_fetch(&repo, p->remote, p->main_branch, &e) < 0)) {
		/* a changed remote, or one unreachable (or git broken) is not the branch's fault: hold, alert
		 * once, retry */
		snprintf(r->reason, sizeof(r->reason),
		    "merge gate could not run (the item stays; the next tick "
		    "retries): %s",
		    e.msg);
		r->outcome = GATE_ERROR;
		r->err = e;
		merge_lease_release(c, t);
		return -1;
	}
	return 0;
}

/* The merge gate's working state: main and branch ids, the scratch copy it rebases and tests in. */
struct merge_run {
	char main_ref[512], main[ORCH_SHA_BUF], head[ORCH_SHA_BUF], tested[ORCH_SHA_BUF],
	    scratch[ORCH_PATH_MAX_1];
};

/* Rebase the head onto main in the scratch: 0, or -1 with the reason and findings naming the conflicts. */
static int
merge_rebase(const struct gate_ctx *gc, struct gate_result *r, struct merge_run *m)
{
	struct git s = { .dir = m->scratch, .st = gc->st };
	const char *rebase[] = { "rebase", "--quiet", m->main, NULL };
	const char *un[] = { "diff", "--name-only", "--diff-filter=U", NULL };
	struct proc_result pr, ur;

	git_run_as_orch(&s, rebase, &pr);
	if (pr.status == PROC_OK) {
		proc_result_free(&pr);
		return 0;
	}
	git_run(&s, un, &ur);
	snprintf(r->reason, sizeof(r->reason), "rebase onto %s conflicts in: %.600s", m->main_ref + 5,
	    ur.out.len ? buf_str(&ur.out) : "(unknown files)");
	for (char *q = r->reason; *q; q++)
		if (*q == '\n')
			*q = q[1] ? ' ' : '\0';
	buf_addf(&r->findings, "Resolve the conflicts with %s on branch %s:\n%s", m->main_ref + 5,
	    gc->task->branch, buf_str(&ur.out));
	proc_result_free(&ur);
	proc_result_free(&pr);
	return -1;
}

/*
 * The rebased commit into orch's repository, before any code of the branch
 * runs in the scratch (what ci_cmd does there cannot change what orch
 * pushes): 0, or -1 with the reason.
 */
static int
merge_take_rebased(const struct gate_ctx *gc, struct gate_result *r, struct merge_run *m)
{
	struct git s = { .dir = m->scratch, .st = gc->st }, repo = { .dir = gc->task->repo, .st = gc->st };
	struct orch_err e = { 0 };
	char dst[300];

	snprintf(dst, sizeof(dst), "refs/orch/tested/%s", gc->task->work_item);
	if (git_rev_parse(&s, "HEAD", m->tested, &e) < 0 ||
	    git_fetch_into(&repo, m->scratch, "HEAD", dst, &e) < 0) {
		snprintf(r->reason, sizeof(r->reason), "merge gate: %s", e.msg);
		return -1;
	}
	return 0;
}

/* ci_cmd at the rebased head, recorded as tested when it passes: 0, or -1 with the reason (and CI's output).
 */
static int
merge_ci(const struct gate_ctx *gc, struct gate_result *r, struct merge_run *m)
{
	const struct project *p = gc->project;
	struct orch_err e = { 0 };
	struct proc_result pr;
	char desc[300];

	if (p->ci_cmd == NULL) {
		snprintf(r->reason, sizeof(r->reason),
		    "project '%s' has no ci_cmd; the rebased head cannot be tested", p->key);
		return -1;
	}
	/* a SIGKILLed holder's ci_cmd is stopped; a live one's keeps the claim (another host may look) */
	struct task_child tc = { gc->st, gc->task, "ci_cmd", task_claim_ttl(gc->cfg) };
	struct proc_spec s = {
		.argv = (const char *const *)p->ci_cmd,
		.cwd = m->scratch,
		.timeout_ms = gc->cfg->ci_timeout_s * 1000,
		.out_cap = BUF_MIB,
		.tool = "ci_cmd",
		.observe = store_tool_observe,
		.observe_ctx = gc->st,
		.on_start = task_claim_child,
		.on_start_ctx = &tc,
		.on_beat = task_claim_beat,
		.on_beat_ctx = &tc,
		.beat_ms = task_claim_beat_ms(tc.ttl_s),
	};
	proc_run(&s, &pr);
	if (pr.status != PROC_OK) {
		proc_describe(&pr, desc, sizeof(desc));
		snprintf(r->reason, sizeof(r->reason), "ci_cmd on the branch rebased onto %s %s at %.12s",
		    m->main_ref + 5, desc, m->tested);
		buf_addf(&r->findings, "CI output after the rebase (last lines):\n%s%s",
		    buf_str(&pr.out) + (pr.out.len > 3000 ? pr.out.len - 3000 : 0),
		    buf_str(&pr.err) + (pr.err.len > 3000 ? pr.err.len - 3000 : 0));
		proc_result_free(&pr);
		return -1;
	}
	proc_result_free(&pr);
	if (task_set_tested(gc->st, gc->task, m->tested, &e) < 0) {
		snprintf(r->reason, sizeof(r->reason), "merge gate: %s", e.msg);
		return -1;
	}
	return 0;
}

/*
 * The tested branch (orch's own commits, the rebase) on the remote too, before it lands: a host that
 * takes the item later (a deploy on another host) starts from it.  Best effort: 0.
 */
static int
merge_move_pushed(const struct gate_ctx *gc, struct orch_ctx *c)
{
	struct orch_err e = { 0 };

	if (merge_branch_exchange(c, gc->project, gc->task, 1, &e) < 0)
		event_add(gc->st, gc->task->work_item, "branch_exchange_failed", gc->task->stage,
		    gc->task->stage, e.msg, NULL);
	return 0;
}

/* The branch becomes the tested commit (compare-and-swap), handed back to the workspace: 0 / -1. */
static int
merge_move_branch(const struct gate_ctx *gc, struct gate_result *r, struct merge_run *m)
{
	struct git repo = { .dir = gc->task->repo, .st = gc->st };
	struct orch_ctx c = { .cfg = gc->cfg, .st = gc->st };
	struct orch_err e = { 0 };
	struct proc_result pr;
	char ref[300];

	if (strcmp(m->tested, m->head) == 0)
		return merge_move_pushed(gc, &c);
	snprintf(ref, sizeof(ref), "refs/heads/%s", gc->task->branch);
	const char *upd[] = { "update-ref", "-m", "orch: rebased onto main and tested", ref, m->tested,
		m->head, NULL };
	git_run(&repo, upd, &pr);
	if (pr.status != PROC_OK) {
		snprintf(r->reason, sizeof(r->reason),
		    "branch %s moved while the merge gate tested it; the next tick "
		    "judges the new head",
		    gc->task->branch);
		proc_result_free(&pr);
		return -1;
	}
	proc_result_free(&pr);
	if (ws_sync(&c, gc->task, &e) < 0)
		event_add(gc->st, gc->task->work_item, "workspace_sync_failed", gc->task->stage,
		    gc->task->stage, e.msg, NULL);
	return merge_move_pushed(gc, &c);
}

/* 1 when the tested commit is still the branch head and sits on main as fetched (a retry after a failed
 * push). */
static int
merge_still_tested(const struct gate_ctx *gc, struct merge_run *m)
{
	struct git repo = { .dir = gc->task->repo, .st = gc->st };
	char tested[ORCH_SHA_BUF] = "";

	if (task_tested_sha(gc->st, gc->task, tested, NULL) < 0 || strcmp(tested, m->head) != 0)
		return 0;
	snprintf(m->tested, sizeof(m->tested), "%s", tested);
	return git_is_ancestor(&repo, m->main, tested, NULL) == 1;
}

/* Main and the branch head, resolved in orch's repository: 0, or -1 with r in error. */
static int
merge_resolve(const struct gate_ctx *gc, struct gate_result *r, struct merge_run *m)
{
	struct git repo = { .dir = gc->task->repo, .st = gc->st };
	char head[300], ids[2][ORCH_SHA_BUF];
	const char *refs[2] = { m->main_ref, head };
	struct orch_err e = { 0 };

	merge_main_ref(gc->project, m->main_ref, sizeof(m->main_ref));
	snprintf(head, sizeof(head), "refs/heads/%s", gc->task->branch);
	if (git_resolve(&repo, refs, 2, ids, &e) < 0) {
		r->outcome = GATE_ERROR;
		r->err = e;
		snprintf(r->reason, sizeof(r->reason), "merge gate: %s", e.msg);
		return -1;
	}
	memcpy(m->main, ids[0], 41);
	memcpy(m->head, ids[1], 41);
	return 0;
}

/* Rebase (when main moved), hand the result to orch, run ci_cmd, move the branch: 0, or -1 with r's reason.
 */
static int
merge_test(const struct gate_ctx *gc, struct gate_result *r, struct merge_run *m)
{
	struct orch_ctx c = { .cfg = gc->cfg, .st = gc->st };
	struct git repo = { .dir = gc->task->repo, .st = gc->st };
	struct orch_err e = { 0 };
	int rc = -1, based;

	if (ws_scratch(&c, gc->task->repo, m->head, m->scratch, sizeof(m->scratch), &e) < 0) {
		snprintf(r->reason, sizeof(r->reason), "merge gate: %s", e.msg);
		return -1;
	}
	based = git_is_ancestor(&repo, m->main, m->head, NULL) == 1;
	if ((based || merge_rebase(gc, r, m) == 0) && merge_take_rebased(gc, r, m) == 0 &&
	    merge_ci(gc, r, m) == 0 && merge_move_branch(gc, r, m) == 0)
		rc = 0;
	util_rm_tree(m->scratch);
	return rc;
}

/* check_branch_mergeable: lease, fetch, rebase the branch head onto main in a scratch, ci_cmd at the result.
 */
void
gate_mergeable(const struct gate_ctx *gc, struct gate_result *r)
{
	struct orch_ctx c = { .cfg = gc->cfg, .st = gc->st };
	struct merge_run m = { 0 };

	if (gc->dry_run) {
		r->outcome = GATE_PASS;
		snprintf(
		    r->reason, sizeof(r->reason), "dry run: the merge gate (rebase, ci, lease) is not run");
		return;
	}
	if (merge_begin(gc, r, &c) < 0)
		return;
	if (merge_resolve(gc, r, &m) < 0)
		return merge_lease_release(&c, gc->task);
	if (merge_still_tested(gc, &m)) {
		r->outcome = GATE_PASS;
		snprintf(r->reason, sizeof(r->reason), "%.12s was tested on %s already (lease held)",
		    m.tested, m.main_ref + 5);
		return;
	}
	if (merge_test(gc, r, &m) < 0)
		return red_release(gc, r, &c);
	r->outcome = GATE_PASS;
	snprintf(r->reason, sizeof(r->reason), "rebased onto %s and ci_cmd passed at %.12s (lease held)",
	    m.main_ref + 5, m.tested);
}

/* 1 when git push --porcelain says the remote refused a non-fast-forward (main moved), not any other failure.
 */
static int
push_refused_ff(const struct proc_result *pr)
{
	const char *p = buf_str(&pr->out);

	if (pr->status != PROC_EXIT_NONZERO)
		return 0;
	for (; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (*p == '!' && strncmp(p, "!\t", 2) == 0 && strstr(p, "[rejected]") &&
		    (strstr(p, "non-fast-forward") || strstr(p, "fetch first")))
			return 1;
	return 0;
}

static void
one_line_of(const char *s, char *out, size_t n)
{
	size_t k = strcspn(s, "\n");

	snprintf(out, n, "%.*s", (int)(k < n ? k : n - 1), s);
}

/*
 * land: squash: one commit on main whose tree is exactly the tested tree,
 * its parent main as tested, its message naming the item, its title and the
 * commits its review and test verdicts judged; the full branch stays on the
 * remote.  parent is main as tested; into the new commit; 0 / -1 with e.
 */
static int
squash_commit(struct orch_ctx *c, struct git *repo, const struct task *t, const char *tested,
    const char *parent, char into[41], struct orch_err *e)
{
	char spec[64], tree[41], got[41], rv[41] = "", ts[41] = "", id[41];
	struct buf msg;
	struct proc_result r;
	int rc;

	snprintf(spec, sizeof(spec), "%s^{tree}", tested);
	if (git_rev_parse_any(repo, spec, tree, e) < 0)
		return -1;
	task_verdict_bound(c->st, t, stage_review()->name, rv, id, NULL);
	task_verdict_bound(c->st, t, stage_review()->next, ts, id, NULL);
	buf_init(&msg, 8192);
	buf_addf(&msg,
	    "%s: %s\n\nLanded by orch as one commit (land: squash): the tree tested at %s.\nReviewed at %s, "
	    "tested at %s; the full history is branch %s.\n",
	    t->work_item, t->title, tested,
	    rv[0] ? rv
		  : "(none "
		    "recorded)",
	    ts[0] ? ts : "(none recorded)", t->branch);
	const char *ct[] = { "commit-tree", tree, "-p", parent, "-m", buf_str(&msg), NULL };
	git_run_as_orch(repo, ct, &r);
	buf_free(&msg);
	rc = r.status == PROC_OK && r.out.len >= 40 ? 0 : -1;
	if (rc == 0)
		snprintf(into, 41, "%.40s", r.out.data);
	else
		err_set(e, EX_UNAVAILABLE, "git commit-tree for the squashed commit of %s failed: %.300s",
		    t->work_item, buf_str(&r.err));
	proc_result_free(&r);
	if (rc < 0)
		return -1;
	/* verified before the push: what lands is exactly the tested tree */
	snprintf(spec, sizeof(spec), "%s^{tree}", into);
	if (git_rev_parse_any(repo, spec, got, e) < 0)
		return -1;
	if (strcmp(got, tree) != 0)
		return err_set(e, EX_SOFTWARE,
		    "the squashed commit's tree %.12s is not the tested tree %.12s; nothing "
		    "landed (report this as a bug)",
		    got, tree);
	return 0;
}

/*
 * The squashed commit to land instead of tested (into tested): 1, 0 when
 * main moved since the test (e says so, code EX_NO), -1 with e.
 */
static int
squash_landing(struct orch_ctx *c, struct git *repo, const struct task *t, const char *main_ref,
    char tested[41], struct orch_err *e)
{
	char parent[41], squashed[41];
	int anc;

	if (git_rev_parse(repo, main_ref, parent, e) < 0 ||
	    (anc = git_is_ancestor(repo, parent, tested, e)) < 0)
		return -1;
	if (!anc) {
		err_set(e, EX_NO, "main moved since the merge gate tested %.12s; back through the merge gate",
		    tested);
		return 0;
	}
	if (squash_commit(c, repo, t, tested, parent, squashed, e) < 0)
		return -1;
	memcpy(tested, squashed, 41);
	return 1;
}

int
merge_land(struct orch_ctx *c, const struct project *p, struct task *t, char landed[ORCH_SHA_BUF],
    struct orch_err *e)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	char tested[ORCH_SHA_BUF] = "", main_ref[512], dst[300], old[ORCH_SHA_BUF], base[ORCH_SHA_BUF];
	struct proc_result pr;
	int anc;

	if (task_tested_sha(c->st, t, tested, e) < 0)
		return -1;
	if (strlen(tested) != 40)
		return err_set(e, EX_SOFTWARE,
		    "no tested commit recorded for %s; the merge gate must pass first", t->work_item);
	merge_main_ref(p, main_ref, sizeof(main_ref));
	if (git_rev_parse(&repo, main_ref, base, e) < 0)
		return -1; /* what it lands on: its merged commits are base..tested (orch-deploy --revert) */
	if (p->land_squash && (anc = squash_landing(c, &repo, t, main_ref, tested, e)) <= 0)
		return anc; /* tested is the squashed commit from here on */
	snprintf(dst, sizeof(dst), "%s:refs/heads/%s", tested, p->main_branch);
	if (p->remote && merge_remote_trusted(c, p, 1, e) < 0)
		return -1;
	if (p->remote) {
		const char *push[] = { "push", "--quiet", "--porcelain", p->remote, dst, NULL };
		git_run(&repo, push, &pr); /* no --force: a moved main is refused */
	} else {
		const char *upd[] = { "update-ref", main_ref, tested, old, NULL };
		if (git_rev_parse(&repo, main_ref, old, e) < 0)
			return -1;
		if ((anc = git_is_ancestor(&repo, old, tested, e)) < 0)
			return -1;
		if (!anc) {
			err_set(e, EX_NO,
			    "main moved since the merge gate tested %.12s; back through the merge gate",
			    tested);
			return 0;
		}
		git_run(&repo, upd, &pr); /* compare-and-swap: fails if main moved meanwhile */
	}
	if (pr.status != PROC_OK && p->remote && !push_refused_ff(&pr)) {
		/* not main moving: the remote is down, refuses us, or timed out; the test still holds */
		char first[400];
		one_line_of(buf_str(&pr.err), first, sizeof(first));
		err_set(e, EX_UNAVAILABLE,
		    "push of %.12s to %s of '%s' failed (%s): %s; fix the remote or its "
		    "credentials: the next tick pushes the same tested commit again",
		    tested, p->main_branch, p->remote, proc_status_name(pr.status),
		    first[0] ? first : "git said nothing");
		proc_result_free(&pr);
		return -1;
	}
	if (pr.status != PROC_OK) {
		proc_result_free(&pr);
		if (task_set_tested(c->st, t, NULL, e) < 0)
			return -1;
		err_set(e, EX_NO,
		    "push of %.12s to %s refused (main moved since it was tested); back through the "
		    "merge gate",
		    tested, p->main_branch);
		return 0;
	}
	proc_result_free(&pr);
	if (p->remote && git_fetch(&repo, p->remote, p->main_branch, e) < 0)
		return -1;
	if ((anc = git_is_ancestor(&repo, tested, main_ref, e)) < 0)
		return -1;
	if (!anc)
		return err_set(e, EX_UNAVAILABLE, "pushed %.12s but it is not on %s; check the remote",
		    tested, main_ref + 5);
	/* the landed commit is what later gates and the deploy hook know as the tested one */
	if (p->land_squash && task_set_tested(c->st, t, tested, e) < 0)
		return -1;
	if (git_is_ancestor(&repo, base, tested, NULL) == 1 && task_set_landed_base(c->st, t, base, e) < 0)
		return -1;
	memcpy(landed, tested, ORCH_SHA_BUF);
	return 1;
}
