#include "revert.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "deploystate.h"
#include "git.h"
#include "merge.h"
#include "notify.h"
#include "proc.h"
#include "sizes.h"
#include "stages.h"
#include "store.h"
#include "task.h"
#include "tracker.h"
#include "util.h"
#include "wi.h"
#include "workspace.h"

/* The item's merged commits and the revert of them, as one --revert computes them. */
struct revert_plan {
	char base[ORCH_SHA_BUF], landed[ORCH_SHA_BUF], commit[ORCH_SHA_BUF];
	char range[96], ref[128], title[512];
};

/*
 * landed_base..tested_sha of t, checked: the landed commit on main, the
 * base an ancestor of it.  An item landed before orch recorded the base
 * (schema 23) and squashed is one commit (base its parent); one merged by
 * fast-forward then cannot be reverted here.  0 / -1 with e.
 */
static int
revert_range(struct orch_ctx *c, const struct project *p, const struct task *t, struct revert_plan *pl,
    struct orch_err *e)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	char main_ref[512], spec[64];

	if (task_tested_sha(c->st, t, pl->landed, e) < 0)
		return -1;
	if (task_landed_base(c->st, t, pl->base) < 0)
		return err_set(e, EX_TEMPFAIL,
		    "cannot read what %s landed on from the store; run orch doctor", t->work_item);
	if (strlen(pl->landed) != ORCH_SHA_LEN)
		return err_set(e, EX_NOINPUT,
		    "%s has no landed commit recorded: nothing to revert; revert it by hand "
		    "through a new work item, then orch-deploy --accept %s",
		    t->work_item, t->work_item);
	if (pl->base[0] == '\0' && p->land_squash) {
		snprintf(spec, sizeof(spec), "%s^", pl->landed);
		if (git_rev_parse(&repo, spec, pl->base, e) < 0)
			return -1;
	}
	if (pl->base[0] == '\0')
		return err_set(e, EX_NOINPUT,
		    "%s landed before orch recorded the main it landed on: its merged commits "
		    "are not known; revert them by hand through a new work item, then orch-deploy --accept "
		    "%s",
		    t->work_item, t->work_item);
	merge_main_ref(p, main_ref, sizeof(main_ref));
	if ((p->remote && git_fetch(&repo, p->remote, p->main_branch, e) < 0) ||
	    git_is_ancestor(&repo, pl->base, pl->landed, e) != 1 ||
	    git_is_ancestor(&repo, pl->landed, main_ref, e) != 1) {
		if (e->code == 0)
			err_set(e, EX_NOINPUT,
			    "the landed commit %.12s of %s is not on %s (or %.12s is not under it): "
			    "nothing orch can revert; check the repository",
			    pl->landed, t->work_item, main_ref + 5, pl->base);
		return -1;
	}
	snprintf(pl->range, sizeof(pl->range), "%s..%s", pl->base, pl->landed);
	snprintf(pl->ref, sizeof(pl->ref), "refs/orch/revert/%s", t->work_item);
	snprintf(pl->title, sizeof(pl->title), "Revert %s: %.400s", t->work_item, t->title);
	return 0;
}

/* One git run in the scratch, as orch: 0, or -1 with e saying what failed (git's first words). */
static int
scratch_git(const struct git *s, const char *const *args, const char *what, struct orch_err *e)
{
	struct proc_result r;
	int rc = 0;

	git_run_as_orch(s, args, &r);
	if (r.status != PROC_OK)
		rc = err_set(e, EX_UNAVAILABLE, "%s failed: %.300s", what,
		    r.err.len ? buf_str(&r.err) : buf_str(&r.out));
	proc_result_free(&r);
	return rc;
}

/* The conflicted paths of a failed revert in the scratch, as a refusal with what to do.  -1. */
static int
revert_conflict(const struct git *s, const struct task *t, const struct revert_plan *pl, struct orch_err *e)
{
	const char *un[] = { "diff", "--name-only", "--diff-filter=U", NULL };
	struct proc_result r;

	git_run(s, un, &r);
	for (char *q = r.out.data; q && *q; q++)
		if (*q == '\n')
			*q = ' ';
	err_set(e, EX_DATAERR,
	    "the revert of %s's merged commits %.25s conflicts with main in: %.300s; revert them "
	    "by hand through a new work item, then orch-deploy --accept %s",
	    t->work_item, pl->range, r.out.len ? buf_str(&r.out) : "(unknown files)", t->work_item);
	proc_result_free(&r);
	return -1;
}

/* In the scratch at main: revert the range, keep the item's docs, commit as orch.  0 / -1 with e. */
static int
revert_in_scratch(const struct git *s, const struct task *t, const struct revert_plan *pl, struct orch_err *e)
{
	char docs[128], spec[160], type[16], msg[1400];
	struct proc_result r;
	int ok;

	const char *rv[] = { "revert", "--no-edit", "-n", pl->range, NULL };
	git_run_as_orch(s, rv, &r);
	ok = r.status == PROC_OK;
	proc_result_free(&r);
	if (!ok)
		return revert_conflict(s, t, pl, e);
	/* the item's own record (docs/work-items/WI/) stays on main: only its change goes */
	snprintf(docs, sizeof(docs), "docs/work-items/%s", t->work_item);
	snprintf(spec, sizeof(spec), "HEAD:%s", docs);
	const char *keep[] = { "checkout", "HEAD", "--", docs, NULL };
	if (git_object_type(s, spec, type, e) < 0 ||
	    (strcmp(type, "tree") == 0 &&
		scratch_git(s, keep, "keeping the item's docs in the revert", e) < 0))
		return -1;
	const char *diff[] = { "diff", "--cached", "--quiet", NULL };
	git_run(s, diff, &r);
	ok = r.status == PROC_OK; /* exit 0: the index is main's: nothing left to revert */
	proc_result_free(&r);
	if (ok)
		return err_set(e, EX_NOINPUT,
		    "%s's merged commits %.25s change nothing on main outside %s (or main "
		    "reverted them already): nothing to revert; orch-deploy --accept %s closes it",
		    t->work_item, pl->range, docs, t->work_item);
	snprintf(msg, sizeof(msg),
	    "%s\n\nReverts the commits %s merged to main (%s): its post-deploy watch was "
	    "DEGRADED.\nMade by orch-deploy --revert %s.\n",
	    pl->title, t->work_item, pl->range, t->work_item);
	const char *ci[] = { "commit", "--quiet", "--no-verify", "-m", msg, NULL };
	return scratch_git(s, ci, "committing the revert", e);
}

/*
 * The revert commit on top of main as fetched, into orch's repository as
 * pl->ref (pl->commit its id).  0 / -1 with e.
 */
static int
revert_build(struct orch_ctx *c, const struct project *p, const struct task *t, struct revert_plan *pl,
    struct orch_err *e)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	char main_ref[512], main[ORCH_SHA_BUF], dir[ORCH_PATH_MAX_1];
	int rc;

	merge_main_ref(p, main_ref, sizeof(main_ref));
	if (git_rev_parse(&repo, main_ref, main, e) < 0 ||
	    ws_scratch(c, t->repo, main, dir, sizeof(dir), e) < 0)
		return -1;
	struct git s = { .dir = dir, .st = c->st };
	rc = revert_in_scratch(&s, t, pl, e);
	if (rc == 0 &&
	    (git_rev_parse(&s, "HEAD", pl->commit, e) < 0 ||
		git_fetch_into(&repo, dir, "HEAD", pl->ref, e) < 0))
		rc = -1;
	util_rm_tree(dir);
	return rc;
}

/* The new issue's description: the item, the range, its commits (git log, capped). */
static void
revert_description(struct orch_ctx *c, const struct task *t, const struct revert_plan *pl, struct buf *d)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	const char *lg[] = { "log", "--format=- %H %s", pl->range, NULL };
	struct proc_result r;

	buf_addf(d,
	    "Reverts %s (%s): its post-deploy watch was DEGRADED, and production rolled back from it.\n\n"
	    "The branch holds one commit, %s, made by orch on top of main: the revert of the commits %s "
	    "merged "
	    "(%s):\n",
	    t->work_item, t->title, pl->commit, t->work_item, pl->range);
	git_run(&repo, lg, &r);
	if (r.status == PROC_OK && buf_append(d, buf_str(&r.out), r.out.len < 8000 ? r.out.len : 8000) == 0)
		buf_addf(d, "%s", r.out.len < 8000 ? "" : "(list cut)\n");
	else
		buf_addf(d, "(git log %s could not be read)\n", pl->range);
	buf_addf(d, "\nOpened by orch-deploy --revert %s.\n", t->work_item);
	proc_result_free(&r);
}

/* The tracker issue of the revert (status Backlog, or the project's first), its description: 0 / -1 with e.
 */
static int
revert_issue(struct orch_ctx *c, const struct task *t, const struct revert_plan *pl, struct tracker_issue *is,
    struct orch_err *e)
{
	struct tracker_state *v = NULL;
	const struct tracker_state *s;
	struct orch_err de = { 0 };
	struct tracker tr;
	size_t n = 0;
	struct buf d;
	int rc = -1;

	if (tracker_open(&tr, c, t->project, e) < 0)
		return -1;
	if (tr.ops->states(&tr, t->project, &v, &n, e) < 0)
		goto out;
	if ((s = tracker_state_by_key(v, n, "backlog")) == NULL && (s = n ? &v[0] : NULL) == NULL) {
		err_set(e, EX_DATAERR, "project '%s' has no tracker states; check its tracker", t->project);
		goto out;
	}
	if (tr.ops->create(&tr, t->project, pl->title, s->id, is, e) < 0)
		goto out;
	buf_init(&d, 16 * 1024);
	revert_description(c, t, pl, &d);
	/* a description that cannot be written does not stop the revert: the event names the commits too */
	if (tr.ops->set_description ? tr.ops->set_description(&tr, is, buf_str(&d), &de) < 0
				    : tr.ops->comment(&tr, is, buf_str(&d), &de) < 0)
		event_add(c->st, t->work_item, "revert_description_lost", t->stage, t->stage, de.msg, NULL);
	buf_free(&d);
	rc = 0;
out:
	free(v);
	tracker_close(&tr);
	return rc;
}

/*
 * The DEGRADED item closed as handled by nwi, one transaction conditioned
 * on its version: unblocked, reverted_by, the event and one notice; then
 * tracker Done.  1 applied, 0 it moved on meanwhile, -1 with e.
 */
static int
revert_close(struct orch_ctx *c, struct task *t, const char *nwi, const struct revert_plan *pl, char *msg,
    size_t mn, struct orch_err *e)
{
	int rc;

	snprintf(msg, mn,
	    "the DEGRADED production of %s is handled by %s, which reverts its merged commits %.25s "
	    "(orch-deploy --revert): it goes through the pipeline like any other item",
	    t->work_item, nwi, pl->range);
	t->blocked = 0;
	if (store_begin(c->st, e) < 0)
		return -1;
	if ((rc = task_update(c->st, t, e)) <= 0 || task_set_reverted_by(c->st, t, nwi, e) < 0 ||
	    event_add(c->st, t->work_item, "degraded_reverted", t->stage, t->stage, msg, e) < 0 ||
	    notify_queue(c->st, "info", t->work_item, msg, e) < 0) {
		store_rollback(c->st);
		return rc == 0 ? 0 : -1;
	}
	if (store_commit(c->st, e) < 0)
		return -1;
	tracker_show(c, t, "done", msg, TRACKER_BY_PERSON);
	return 1;
}

/* The new item's branch (named as engine_start names it) cut at the revert commit: 0 / -1 with e. */
static int
revert_branch(struct orch_ctx *c, const struct task *t, const char *nwi, const struct revert_plan *pl,
    struct orch_err *e)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	struct tracker_issue is;
	struct tracker tr;
	char branch[256];
	int rc;

	if (tracker_open(&tr, c, t->project, e) < 0)
		return -1;
	rc = tr.ops->get(
	    &tr, nwi, &is, e); /* the title as the tracker keeps it: the branch's name comes from it */
	tracker_close(&tr);
	if (rc < 0)
		return -1;
	if (wi_branch(nwi, is.name, branch, sizeof(branch)) < 0)
		return err_set(e, EX_USAGE, "the branch name of %s is too long", nwi);
	return git_branch_create(&repo, branch, pl->ref, e);
}

/*
 * Whether t was reverted already (by into *nwi): 1 and the new item is
 * started (r refused, says which), 2 created but not started (finish it),
 * 0 not reverted, -1 with r->err.
 */
static int
reverted_already(struct orch_ctx *c, const struct task *t, char *nwi, size_t n, struct advance_result *r)
{
	struct orch_err e = { 0 };
	struct task nt;

	if (task_reverted_by(c->st, t, nwi, n, &r->err) < 0)
		return -1;
	if (nwi[0] == '\0')
		return 0;
	if (task_get(c->st, nwi, &nt, &e) < 0)
		return e.code == EX_NOINPUT ? 2 : (r->err = e, -1);
	r->refused = 1;
	snprintf(r->reason, sizeof(r->reason), "%s is reverted already by %s (stage %s%s): nothing to do",
	    t->work_item, nwi, nt.stage, nt.blocked ? ", blocked" : "");
	return 1;
}

/* Under t's claim: the revert commit, the new issue, t closed, the branch; nwi the item to start (else "").
 */
static int
revert_claimed(struct orch_ctx *c, struct task *t, char *nwi, size_t n, struct advance_result *r)
{
	const struct project *p = config_project(c->cfg, t->project);
	struct orch_err be = { 0 };
	struct tracker_issue is;
	struct revert_plan pl;
	int rc;

	memset(&pl, 0, sizeof(pl));
	if ((rc = reverted_already(c, t, nwi, n, r)) != 0 && rc != 2) {
		if (rc == 1)
			nwi[0] = '\0';
		return rc < 0 ? -1 : 0;
	}
	if (rc == 0 && !(t->blocked && stage_is_last(t->stage) && deploy_degraded(c, t))) {
		r->refused = 1;
		snprintf(r->reason, sizeof(r->reason),
		    "%s has no open DEGRADED post-deploy watch (stage %s%s): nothing "
		    "to revert (orch-deploy --revert acts on an item whose post-deploy watch was DEGRADED)",
		    t->work_item, t->stage, t->blocked ? ", blocked" : "");
		return 0;
	}
	if (p == NULL)
		return err_set(&r->err, EX_CONFIG,
		    "project '%s' of %s is not configured; add it under projects: in "
		    "orch.yaml",
		    t->project, t->work_item);
	if (revert_range(c, p, t, &pl, &r->err) < 0 || revert_build(c, p, t, &pl, &r->err) < 0)
		return -1;
	if (rc == 0) {
		if (revert_issue(c, t, &pl, &is, &r->err) < 0)
			return -1;
		str_copy(nwi, n, is.work_item);
		if ((rc = revert_close(c, t, nwi, &pl, r->reason, sizeof(r->reason), &r->err)) <= 0)
			return rc < 0
			    ? -1
			    : err_set(&r->err, EX_TEMPFAIL,
				  "%s moved on while %s was opened to revert it; "
				  "close %s in the tracker, then check %s with orch-advance --explain",
				  t->work_item, nwi, nwi, t->work_item);
	} else {
		snprintf(r->reason, sizeof(r->reason), "%s is reverted by %s (opened earlier, started now)",
		    t->work_item, nwi);
	}
	if (revert_branch(c, t, nwi, &pl, &be) < 0)
		return err_set(&r->err, be.code,
		    "%s was opened to revert %s but its branch was not cut: %s; run "
		    "orch-deploy --revert %s again",
		    nwi, t->work_item, be.msg, t->work_item);
	r->outcome = OUT_ADVANCED;
	r->passed = 1;
	return 0;
}

int
deploy_revert(struct orch_ctx *c, const char *wi, struct advance_result *r)
{
	struct advance_result sr;
	char nwi[32] = "", why[sizeof(r->reason)];
	struct task t;
	int held, rc;

	engine_result_init(r, wi, 0);
	str_copy(r->gate, sizeof(r->gate), "deploy_revert");
	if (task_get(c->st, wi, &t, &r->err) < 0)
		return -1;
	str_copy(r->stage_before, sizeof(r->stage_before), t.stage);
	str_copy(r->stage_after, sizeof(r->stage_after), t.stage);
	if ((held = engine_claim(c, &t, r)) <= 0)
		return held;
	rc = revert_claimed(c, &t, nwi, sizeof(nwi), r);
	if (held == 1)
		task_release(c->st, &t);
	if (rc < 0 || nwi[0] == '\0')
		return rc;
	/* the new item like any other: its analysis begins on the branch cut above */
	if (engine_start(c, nwi, &sr) < 0 || sr.err.code)
		return err_set(&r->err, sr.err.code ? sr.err.code : EX_SOFTWARE,
		    "%s was opened to revert %s but not "
		    "started: %s; run orch-deploy --revert %s again",
		    nwi, wi, sr.err.msg, wi);
	str_copy(why, sizeof(why), r->reason);
	snprintf(r->reason, sizeof(r->reason), "%.700s; %s: %.250s", why, nwi, sr.reason);
	return 0;
}
