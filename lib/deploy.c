#include "deploy.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "deployhook.h"
#include "deploystate.h"
#include "gate.h"
#include "http.h"
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

static int
record(struct orch_ctx *c, const struct task *t, const char *kind, const char *level, const char *msg,
    struct orch_err *e)
{
	if (store_begin(c->st, e) < 0)
		return -1;
	if (event_add(c->st, t->work_item, kind, t->stage, t->stage, msg, e) < 0 ||
	    (level && notify_queue(c->st, level, t->work_item, msg, e) < 0)) {
		store_rollback(c->st);
		return -1;
	}
	return store_commit(c->st, e);
}

/*
 * t's blocked flag (already set in *t) with its event and notification, one
 * transaction, compare-and-set on t's version: 1 applied, 0 the task moved
 * on meanwhile, -1 error in e.
 */
static int
transition(struct orch_ctx *c, struct task *t, const char *kind, const char *level, const char *msg,
    struct orch_err *e)
{
	int rc;

	if (store_begin(c->st, e) < 0)
		return -1;
	if ((rc = task_update(c->st, t, e)) <= 0 ||
	    event_add(c->st, t->work_item, kind, t->stage, t->stage, msg, e) < 0 ||
	    notify_queue(c->st, level, t->work_item, msg, e) < 0) {
		store_rollback(c->st);
		return rc == 0 ? 0 : -1;
	}
	return store_commit(c->st, e) < 0 ? -1 : 1;
}

/* r for a deploy step of wi at stage: nothing done yet (engine_result_init), gate names the step. */
static void
result_start(struct advance_result *r, const char *wi, const char *stage, const char *gate)
{
	engine_result_init(r, wi, 0);
	str_copy(r->stage_before, sizeof(r->stage_before), stage);
	str_copy(r->stage_after, sizeof(r->stage_after), stage);
	str_copy(r->gate, sizeof(r->gate), gate);
}

static int confirm_claimed(struct orch_ctx *c, struct task *t, struct advance_result *r);

/* 1 when t is held at deploy after a failed production deploy (deploy_failure: hold). */
static int
deploy_held(struct orch_ctx *c, const struct task *t)
{
	long long code;

	return t->blocked && strcmp(t->stage, stage_deploy()->name) == 0 &&
	    deploy_failed_code(c, t, &code) == 1;
}

/* The failed deploy's outputs are kept beside the next one's: hook.log -> hook.log.1 (best effort). */
static void
keep_failed_logs(const struct config *cfg, const struct task *t)
{
	char dir[ORCH_PATH_MAX_1], from[ORCH_PATH_MAX_2], to[ORCH_PATH_MAX_2];

	if (deploy_state_dir(cfg, t, dir, sizeof(dir)) < 0)
		return;
	if (str_fmt(from, sizeof(from), "%s/" DEPLOY_HOOK_LOG, dir) == 0 &&
	    str_fmt(to, sizeof(to), "%s/" DEPLOY_HOOK_LOG ".1", dir) == 0)
		(void)rename(from, to);
	if (str_fmt(from, sizeof(from), "%s/" DEPLOY_FAILED_LOG, dir) == 0 &&
	    str_fmt(to, sizeof(to), "%s/" DEPLOY_FAILED_LOG ".1", dir) == 0)
		(void)rename(from, to);
}

/*
 * Retry a held deploy under t's claim: unblock (event deploy_retry, one
 * transaction), forget the failed deploy's sentinels, then deploy the same
 * tested commit again: Phase B for self_deploy, else the hook through the
 * engine (after the claim is released: the engine takes it itself).
 */
static int
retry_claimed(struct orch_ctx *c, struct task *t, struct advance_result *r)
{
	const struct project *p = config_project(c->cfg, t->project);
	char msg[300];
	int rc;

	if (p == NULL || !deploy_held(c, t)) {
		r->refused = 1;
		snprintf(r->reason, sizeof(r->reason),
		    "%s is not held after a failed deploy (stage %s%s): nothing to "
		    "retry",
		    t->work_item, t->stage, t->blocked ? ", blocked" : "");
		return 0;
	}
	t->blocked = 0;
	snprintf(msg, sizeof(msg), "retrying the production deploy of %s (same tested commit)", t->work_item);
	if ((rc = transition(c, t, "deploy_retry", "info", msg, &r->err)) <= 0) {
		if (rc == 0)
			snprintf(r->reason, sizeof(r->reason), "%s moved on meanwhile", t->work_item);
		return rc;
	}
	keep_failed_logs(c->cfg, t);
	deploy_reset(c, t);
	if (deploy_local_sync(c, t, &r->err) < 0)
		return -1;
	/* the person's retry takes the hold's Blocked away (else it would read as a person's Blocked) */
	tracker_show(c, t, stage_deploy()->display, NULL, TRACKER_BY_PERSON);
	if (!p->self_deploy) {
		r->outcome = OUT_ADVANCED;
		snprintf(r->reason, sizeof(r->reason), "%s", msg);
		return 0; /* deploy_retry runs the engine once the claim is released */
	}
	if (deploy_mark(c, t, DEPLOY_APPROVE_REQUESTED, "\n", &r->err) < 0)
		return -1;
	return confirm_claimed(c, t, r);
}

int
deploy_retry(struct orch_ctx *c, const char *wi, struct advance_result *r)
{
	const struct project *p;
	struct task t;
	int held, rc;

	result_start(r, wi, "", "deploy_retry");
	if (task_get(c->st, wi, &t, &r->err) < 0)
		return -1;
	result_start(r, wi, t.stage, "deploy_retry");
	if ((held = engine_claim(c, &t, r)) <= 0)
		return held;
	rc = retry_claimed(c, &t, r);
	if (held == 1)
		task_release(c->st, &t);
	p = config_project(c->cfg, t.project);
	if (rc == 0 && r->outcome == OUT_ADVANCED && p && !p->self_deploy)
		return engine_advance(c, wi, NULL, 0, r);
	return rc;
}

int
deploy_confirm(struct orch_ctx *c, const char *wi, struct advance_result *r)
{
	struct task t;
	int held, rc;

	result_start(r, wi, "", "confirm_deploy");
	if (task_get(c->st, wi, &t, &r->err) < 0)
		return -1;
	result_start(r, wi, t.stage, "confirm_deploy");
	/* the claim is committed before any check, fetch or hook: two confirms at once act once */
	if ((held = engine_claim(c, &t, r)) <= 0)
		return held;
	/* a new Confirm Deploy on an item held after a failed deploy retries it */
	rc = deploy_held(c, &t) ? retry_claimed(c, &t, r) : confirm_claimed(c, &t, r);
	if (held == 1)
		task_release(c->st, &t);
	return rc;
}

/*
 * The hook's program as exec will find it (PATH for a bare name; a relative
 * path from the worktree, the hook's cwd): checked before the merge, since
 * the detached wrapper always starts and a missing hook would only show as
 * a FAILED deploy after main moved.  1 runnable, 0 not (why says so).
 */
static int
hook_runnable(const char *prog, const char *cwd, char *why, size_t wn)
{
	char rel[PATH_MAX], found[PATH_MAX];

	if (strchr(prog, '/') && prog[0] != '/') {
		if (str_fmt(rel, sizeof(rel), "%s/%s", cwd, prog) < 0) {
			snprintf(why, wn, "'%.64s' is too long a path", prog);
			return 0;
		}
		prog = rel;
	}
	if (proc_which(prog, found, sizeof(found)) == 0)
		return 1;
	snprintf(why, wn, "'%.200s' is not an executable file%s", prog, strchr(prog, '/') ? "" : " on PATH");
	return 0;
}

/*
 * Confirm Deploy approves what orch asked about (task_asks of the deploy stage, written
 * with Phase A): the tested commit then.  0 it is the commit now (or the
 * item predates the record), -1 refused with r->err.
 */
static int
confirm_bound(struct orch_ctx *c, const struct task *t, const char *sha, struct advance_result *r)
{
	struct task_ask a;
	int rc;

	if ((rc = task_ask_get(c->st, t, stage_deploy()->name, &a, &r->err)) < 0)
		return -1;
	if (rc == 0 || strcmp(a.evidence, sha) == 0)
		return 0;
	return err_set(&r->err, EX_NO,
	    "Confirm Deploy of %s was asked for the tested commit %.12s, but the tested "
	    "commit is now %.12s: not deploying; it goes through the merge gate and is asked for again",
	    t->work_item, a.evidence, sha);
}

/* The detached wrapper could not start: RESULT 127 (Phase C reports it FAILED) and an alert.  -1. */
static int
start_failed(struct orch_ctx *c, const struct task *t, const char *why, struct advance_result *r)
{
	struct orch_err me = { 0 };
	char msg[600];
	/* without the sentinel, Phase C reports it after deploy_timeout_s */
	int marked = deploy_mark(c, t, DEPLOY_RESULT, "127\n", &me) == 0;

	snprintf(msg, sizeof(msg), "deploy hook of %s could not start: %s%s%s", t->work_item, why,
	    marked ? "" : "; recorded FAILED only after deploy_timeout_s: ", marked ? "" : me.msg);
	record(c, t, "deploy_failed_to_start", "alert", msg, &r->err);
	return err_set(&r->err, EX_UNAVAILABLE, "%s", msg);
}

/*
 * What refuses a confirm before anything is fetched or merged: not a
 * self_deploy project, not at stage deploy, a deploy already initiated, a
 * deploy_hook missing or not runnable.  0 go on (*pp the project), 1
 * nothing to do (r says why), -1 refused with r->err.
 */
static int
confirm_refused(struct orch_ctx *c, const struct task *t, const struct project **pp, struct advance_result *r)
{
	const struct project *p;
	char why[300], msg[600];
	int rc;

	if ((p = *pp = config_project(c->cfg, t->project)) == NULL || !p->self_deploy) {
		snprintf(r->reason, sizeof(r->reason), "%s is not a self_deploy project: nothing to confirm",
		    t->project);
		return 1;
	}
	if (strcmp(t->stage, stage_deploy()->name) != 0 || t->blocked) {
		snprintf(r->reason, sizeof(r->reason),
		    "Confirm Deploy acts only on stage deploy (task is %s%s)", t->stage,
		    t->blocked ? ", blocked" : "");
		r->refused = 1;
		return 1;
	}
	if ((rc = deploy_has(c, t, DEPLOY_INITIATED, &r->err)) != 0) {
		if (rc < 0)
			return -1; /* not knowing whether it started is no reason to start it */
		snprintf(
		    r->reason, sizeof(r->reason), "deploy already initiated: a second confirm does nothing");
		return 1;
	}
	if (p->deploy_hook == NULL)
		return err_set(&r->err, EX_CONFIG,
		    "self_deploy project '%s' has no deploy_hook; set it in orch.yaml", p->key);
	if (!hook_runnable(p->deploy_hook[0], t->worktree, why, sizeof(why))) {
		snprintf(msg, sizeof(msg),
		    "the deploy hook of %s cannot run: %s; fix deploy_hook in orch.yaml (nothing "
		    "was merged or deployed; the confirm stands)",
		    t->work_item, why);
		gate_error_alert(c->st, t, "deploy_hook", msg);
		return err_set(&r->err, EX_UNAVAILABLE, "%s", msg);
	}
	return 0;
}

/*
 * Merged first, then deployed: the tested commit (into sha) must be on main,
 * fetched now, before any restart, and be the commit Confirm Deploy was
 * asked for.  0 on main, -1 not (or an error) with r->err.
 */
static int
confirm_on_main(struct orch_ctx *c, const struct project *p, const struct task *t, char sha[ORCH_SHA_BUF],
    struct advance_result *r)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	char main_ref[512];

	if (task_tested_sha(c->st, t, sha, &r->err) < 0)
		return -1; /* the store's error, never "not on main" */
	merge_main_ref(p, main_ref, sizeof(main_ref));
	if (strlen(sha) != ORCH_SHA_LEN || confirm_bound(c, t, sha, r) < 0 ||
	    (p->remote && git_fetch(&repo, p->remote, p->main_branch, &r->err) < 0) ||
	    git_is_ancestor(&repo, sha, main_ref, &r->err) != 1) {
		if (r->err.code == 0)
			err_set(&r->err, EX_NO, "the tested commit %.12s of %s is not on %s: not deploying",
			    sha, t->work_item, main_ref + 5);
		return -1;
	}
	return 0;
}

/*
 * Phase B's start: INITIATED (at most once: written before the hook
 * starts, with the clocks its age is read on), then the hook's wrapper
 * detached with hook.log as its output, the event and tracker Deploying.
 * 0 started (r says so), -1 with r->err.
 */
static int
start_detached(struct orch_ctx *c, const struct project *p, const struct task *t, const char *sha,
    struct advance_result *r)
{
	char dir[ORCH_PATH_MAX_1], logp[ORCH_PATH_MAX_2], wrapper[PATH_MAX + 16], tmo[16], why[300], msg[600];
	const char *argv[40];
	struct deploy_hook_cmd h;
	struct deploy_started st;
	int started;

	if (deploy_state_dir(c->cfg, t, dir, sizeof(dir)) < 0 ||
	    deploy_wrapper_path(wrapper, sizeof(wrapper)) < 0 ||
	    str_fmt(logp, sizeof(logp), "%s/" DEPLOY_HOOK_LOG, dir) < 0)
		return err_set(&r->err, EX_SOFTWARE, "cannot locate orch-deploy or the deploy state of %s",
		    t->work_item);
	/* a shared store: the deploys row is the once-only record across hosts, taken before INITIATED */
	if ((started = deploy_row_gate(c, p, t, sha, &r->err)) != 1) {
		if (started < 0)
			return -1;
		r->outcome = OUT_WAITING;
		snprintf(r->reason, sizeof(r->reason), "%s",
		    started == 2 ? "another host's deploy was recorded lost; Phase C logs it FAILED"
				 : r->err.msg);
		err_clear(&r->err);
		return 0;
	}
	deploy_started_now(&st, sha, c->cfg->job_timeout_s);
	if (mkdir_p(dir, 0700) < 0) /* the wrapper's files and hook.log */
		return err_set(&r->err, EX_IOERR,
		    "cannot create the deploy state directory '%s'; check that %s is writable", dir,
		    c->cfg->home);
	if (deploy_write_started(c, t, &st, &r->err) < 0)
		return -1;
	if (deploy_hook_cmd(p, t, sha, &h) < 0)
		return err_set(&r->err, EX_CONFIG,
		    "the deploy hook of %s cannot be built (an argument over 64 KiB?); "
		    "fix deploy_hook in orch.yaml",
		    t->work_item);
	deploy_wrapper_argv(argv, wrapper, dir, t->worktree, c->cfg->job_timeout_s, tmo, h.argv);
	started = proc_spawn_detached(argv, t->worktree, (const char *const *)h.env, logp, why, sizeof(why));
	deploy_hook_cmd_free(&h);
	if (started < 0)
		return start_failed(c, t, why, r);
	snprintf(msg, sizeof(msg), "production deploy of %.12s started (Confirm Deploy)", sha);
	if (record(c, t, "deploy_initiated", "info", msg, &r->err) < 0)
		return -1;
	tracker_show(c, t, "deploying", NULL, TRACKER_BY_ORCH);
	r->outcome = OUT_ADVANCED;
	r->passed = 1;
	snprintf(r->reason, sizeof(r->reason), "%s", msg);
	return 0;
}

/* Phase B under t's claim: refused, or the tested commit checked on main and the hook started. */
static int
confirm_claimed(struct orch_ctx *c, struct task *t, struct advance_result *r)
{
	const struct project *p = NULL;
	char sha[ORCH_SHA_BUF];
	int rc;

	str_copy(r->stage_before, sizeof(r->stage_before), t->stage);
	str_copy(r->stage_after, sizeof(r->stage_after), t->stage);
	if (deploy_local_sync(c, t, &r->err) < 0) /* another host's newer deploy: this host's files are old */
		return -1;
	if ((rc = confirm_refused(c, t, &p, r)) != 0)
		return rc < 0 ? -1 : 0;
	if (confirm_on_main(c, p, t, sha, r) < 0)
		return -1;
	/* the hook runs in this host's workspace: the branch as merged, made or brought up to date */
	if (merge_workspace_current(c, p, t, &r->err) < 0)
		return -1;
	return start_detached(c, p, t, sha, r);
}

/*
 * Past deploy_timeout_s, on the clock that does not step (deploy_age_s),
 * and not while the wrapper is alive and within its own limit: it is then
 * still the one that ends the hook and records it.
 */
static int
deploy_timed_out(const struct orch_ctx *c, const struct deploy_started *s, int wrapper_alive, long long *age)
{
	struct deploy_clock now;

	deploy_clock_now(&now);
	*age = deploy_age_s(s, &now);
	if (*age <= c->cfg->deploy_timeout_s)
		return 0;
	return !(wrapper_alive && s->limit_s > 0 && *age <= s->limit_s + DEPLOY_WRAPPER_GRACE_S);
}

/*
 * No result yet: the hook is still running, or its wrapper died (OOM,
 * reboot) or ran past deploy_timeout_s.  Then write the result ourselves
 * (137 died, 124 timed out) with an alert, so Phase C logs a FAILED deploy
 * and the usual rollback follows instead of waiting forever.  A hook whose
 * process group still runs is never recorded FAILED while its wrapper is
 * gone: it is waited for (or stopped at the timeout first).
 * 1 a result exists now, 0 still running.
 */
static int
deploy_result_due(struct orch_ctx *c, const struct task *t, char *res, size_t rn)
{
	char pidbuf[32], msg[400];
	long long pid = 0, hook = 0, age = 0;
	struct deploy_started s;
	const char *code = NULL;
	struct orch_err e = { 0 };
	int alive;

	if (deploy_read_marker(c, t, DEPLOY_RESULT, res, rn) == 0 || deploy_read_started(c, t, &s) < 0)
		return deploy_read_marker(c, t, DEPLOY_RESULT, res, rn) == 0;
	if (deploy_read_marker(c, t, DEPLOY_WRAPPER_PID, pidbuf, sizeof(pidbuf)) == 0)
		num_parse(str_trim(pidbuf), 1, INT_MAX, &pid);
	if (deploy_read_marker(c, t, DEPLOY_HOOK_PGID, pidbuf, sizeof(pidbuf)) == 0)
		num_parse(str_trim(pidbuf), 2, INT_MAX, &hook);
	alive = pid > 0 && proc_alive((long)pid);
	if (pid > 0 && !alive && !proc_group_alive((long)hook) &&
	    deploy_read_marker(c, t, DEPLOY_RESULT, res, rn) < 0) {
		code = "137\n";
		snprintf(msg, sizeof(msg),
		    "production deploy of %s: the hook's wrapper (pid %lld) died without a result; "
		    "recorded as FAILED (check the host, then hook.log under deploy-state)",
		    t->work_item, pid);
	} else if (deploy_timed_out(c, &s, alive, &age)) {
		if (hook > 0)
			proc_kill_group((long)hook);
		if (pid > 0)
			proc_kill_group((long)pid); /* the wrapper leads its own session */
		code = "124\n";
		snprintf(msg, sizeof(msg),
		    "production deploy of %s has no result after deploy_timeout_s (%d s; %lld s "
		    "since it started); recorded as FAILED and the hook stopped (check production)",
		    t->work_item, c->cfg->deploy_timeout_s, age);
	}
	if (code == NULL || deploy_mark(c, t, DEPLOY_RESULT, code, &e) < 0)
		return 0;
	record(c, t, "deploy_lost", "alert", msg, &e);
	return deploy_read_marker(c, t, DEPLOY_RESULT, res, rn) == 0;
}

static void
finalize_one(struct orch_ctx *c, const char *wi, deploy_report report, void *rctx)
{
	struct orch_err e = { 0 };
	const struct project *p;
	struct advance_result r;
	char res[300], sha[ORCH_SHA_BUF];
	struct deploy_row d;
	struct task t;
	long long code;
	int held, mine;

	if (task_get(c->st, wi, &t, &e) < 0 || (p = config_project(c->cfg, t.project)) == NULL ||
	    !p->self_deploy || deploy_local_sync(c, &t, &e) < 0 || deploy_marker(c, &t, DEPLOY_FINALIZED))
		return;
	/* another host's deploy: left to it, or recorded lost here once it is past deploy_timeout_s */
	if (!deploy_marker(c, &t, DEPLOY_INITIATED) && c->cfg->store != NULL &&
	    deploy_row_current(c->st, &t, &d, &e) == 1 && strcmp(d.host, c->st->host) != 0 &&
	    (task_tested_sha(c->st, &t, sha, &e) < 0 || deploy_row_gate(c, p, &t, sha, &e) != 2))
		return;
	if (!deploy_marker(c, &t, DEPLOY_INITIATED)) {
		/* automatic production (no human approval): a run that died after merging left it to us */
		if (!c->cfg->deploy_require_manual_approve && !t.blocked) {
			deploy_confirm(c, wi, &r);
			if (r.err.code || r.outcome != OUT_NOOP)
				report(rctx, &r);
		}
		return;
	}
	result_start(&r, wi, t.stage, "deploy_finalize");
	if ((held = engine_claim(c, &t, &r)) <= 0) {
		if (held < 0 || r.outcome == OUT_BUSY)
			report(rctx, &r);
		return;
	}
	/* under the claim: another finalizer may have done it meanwhile */
	if (strcmp(t.stage, stage_deploy()->name) != 0 || deploy_marker(c, &t, DEPLOY_FINALIZED) ||
	    !deploy_result_due(c, &t, res, sizeof(res)))
		goto out;
	if (num_parse(str_trim(res), 0, 255, &code) < 0)
		code = 255;
	/* another host recorded it lost meanwhile: that host logged it; an alert says what ended here */
	if ((mine = deploy_row_result(c, &t, (int)code, &e)) <= 0) {
		if (mine == 0 && deploy_mark(c, &t, DEPLOY_FINALIZED, "INTERRUPTED\n", &e) == 0)
			goto out;
		r.err = e;
		report(rctx, &r);
		goto out;
	}
	/* the log is committed in this host's workspace: on the branch as merged, not a stale copy of it */
	if (task_tested_sha(c->st, &t, sha, &e) < 0 ||
	    (code == 0 && merge_workspace_current(c, p, &t, &e) < 0) ||
	    deploy_write_log(c, &t, code == 0, (int)code, sha, &e) < 0 ||
	    /* a stopped item's deploy is recorded, never watched (the stop applies after it) */
	    (code == 0 && !t.stopped[0] && (p->health_cmd || p->health_url) &&
		deploy_arm_watch(c, &t, &e) < 0) ||
	    deploy_mark(c, &t, DEPLOY_FINALIZED, code == 0 ? "SUCCESS\n" : "FAILED\n", &e) < 0) {
		r.err = e;
		report(rctx, &r);
		goto out;
	}
	engine_advance(c, wi, NULL, 0, &r);
	report(rctx, &r);
out:
	if (held == 1)
		task_release(c->st, &t);
}

int
deploy_finalize(struct orch_ctx *c, deploy_report report, void *rctx, struct orch_err *e)
{
	char **wis = NULL;
	size_t i;

	if (task_at_live_stage(c->st, stage_deploy()->name, &wis, e) < 0)
		return -1;
	for (i = 0; wis[i]; i++)
		finalize_one(c, wis[i], report, rctx);
	argv_free(wis);
	/* a shared store: this host's deploys another host recorded lost, whose hooks ended here since */
	return deploy_rows_late(c, e) < 0 ? -1 : 0;
}

/*
 * The rollback_hook after a DEGRADED watch: the deploy hook's placeholders
 * and ORCH_* environment (ORCH_DEPLOY_SHA the commit that went out), its
 * output kept in rollback.log beside hook.log.  Best effort: the item is
 * blocked whatever it does; a failure is an event and an alert.
 */
static void
run_rollback_hook(struct orch_ctx *c, const struct project *p, const struct task *t)
{
	struct orch_err e = { 0 };
	struct deploy_hook_cmd h;
	struct proc_result pr;
	char sha[ORCH_SHA_BUF], msg[400];
	struct buf b;

	if (p->rollback_hook == NULL)
		return;
	if (task_tested_sha(c->st, t, sha, &e) < 0) { /* production first: the hook runs, without {sha} */
		err_warn("rollback_hook of %s runs with an empty {sha}: %s", t->work_item, e.msg);
		err_clear(&e);
	}
	if (deploy_cmd_for(p->rollback_hook, t, sha, &h) < 0) {
		snprintf(msg, sizeof(msg),
		    "the rollback_hook of %s cannot be built (an argument over 64 KiB?); fix "
		    "rollback_hook in orch.yaml and roll production back by hand",
		    t->work_item);
		record(c, t, "rollback_hook_failed", "alert", msg, &e);
		return;
	}
	struct proc_spec rb = { .argv = (const char *const *)h.argv,
		.cwd = t->worktree,
		.env_extra = (const char *const *)h.env,
		.timeout_ms = c->cfg->job_timeout_s * 1000,
		.tool = "rollback_hook",
		.observe = store_tool_observe,
		.observe_ctx = c->st };
	proc_run(&rb, &pr);
	deploy_hook_cmd_free(&h);
	buf_init(&b, 2 * PROC_DEFAULT_CAP + 128);
	buf_addf(&b, "rollback_hook exit %d\n", proc_exit_code(&pr));
	if (buf_append(&b, buf_str(&pr.out), pr.out.len) < 0 ||
	    buf_append(&b, buf_str(&pr.err), pr.err.len) < 0)
		buf_addf(&b, "\n(output cut: out of memory)\n");
	if (deploy_state_file(c->cfg, t, DEPLOY_ROLLBACK_LOG, buf_str(&b), &e) < 0)
		event_add(c->st, t->work_item, "rollback_hook_log_lost", NULL, NULL, e.msg, NULL);
	if (pr.status != PROC_OK) {
		snprintf(msg, sizeof(msg),
		    "the rollback_hook of %s exited %d: roll production back by hand (see "
		    "rollback.log under deploy-state)",
		    t->work_item, proc_exit_code(&pr));
		record(c, t, "rollback_hook_failed", "alert", msg, &e);
	}
	buf_free(&b);
	proc_result_free(&pr);
}

/* One probe of t's post-deploy watch, by the holder of its claim. */
static void
monitor_one(struct orch_ctx *c, const struct project *p, struct task *tp, deploy_report report, void *rctx)
{
	struct orch_err e = { 0 };
	char counts[64], text[1024], msg[600];
	struct advance_result r;
	struct proc_result pr;
	struct task t = *tp;
	int total, failed;

	if (!deploy_marker(c, &t, DEPLOY_WATCH) || deploy_marker(c, &t, DEPLOY_WATCHED) ||
	    deploy_read_marker(c, &t, DEPLOY_WATCH, counts, sizeof(counts)) < 0 ||
	    sscanf(counts, "%d %d", &total, &failed) != 2)
		return; /* another watcher finished it meanwhile */
	total++;
	if (p->health_cmd) {
		struct proc_spec s = { .argv = (const char *const *)p->health_cmd,
			.cwd = t.worktree,
			.timeout_ms = 60000,
			.tool = "health_cmd",
			.observe = store_tool_observe,
			.observe_ctx = c->st };
		proc_run(&s, &pr);
		failed += pr.status != PROC_OK;
		proc_result_free(&pr);
	} else {
		char why[256];
		failed += http_probe(p->health_url, c->cfg->http_timeout_s, why, sizeof(why)) < 0;
	}
	snprintf(counts, sizeof(counts), "%d %d\n", total, failed);
	result_start(&r, t.work_item, stage_last()->name, "post_deploy_watch");
	r.outcome = OUT_WAITING;
	if (deploy_mark(c, &t, DEPLOY_WATCH, counts, &e) < 0) {
		r.err = e;
		report(rctx, &r);
		return;
	}
	snprintf(r.reason, sizeof(r.reason), "health probe %d/%d (%d failed)", total,
	    c->cfg->deploy_watch_checks, failed);
	if (total >= c->cfg->deploy_watch_checks) {
		int healthy = failed == 0;
		snprintf(text, sizeof(text),
		    "---\npost_deploy_status: %s\nchecks_total: %d\nchecks_failed: %d\n---\n"
		    "# Post-deploy watch of %s\n",
		    healthy ? "HEALTHY" : "DEGRADED", total, failed, t.work_item);
		if (deploy_commit_artifact(c, &t, "16-post-deploy-log.md", text, &e) < 0 ||
		    deploy_mark(c, &t, DEPLOY_WATCHED, healthy ? "HEALTHY\n" : "DEGRADED\n", &e) < 0) {
			r.err = e;
			report(rctx, &r);
			return;
		}
		r.outcome = healthy ? OUT_ADVANCED : OUT_BLOCKED;
		snprintf(r.reason, sizeof(r.reason), "post-deploy watch %s (%d/%d probes failed)",
		    healthy ? "HEALTHY" : "DEGRADED", failed, total);
		if (healthy) {
			tracker_show(c, &t, stage_last()->display, NULL, TRACKER_BY_ORCH);
			record(c, &t, "post_deploy_healthy", "info", r.reason, &e);
		} else {
			snprintf(msg, sizeof(msg),
			    "%s after deploy of %s: blocked until a person closes it: check "
			    "production%s, then orch-deploy --accept %s (production fixed) or orch-deploy "
			    "--revert %s "
			    "(a new item takes the change out of main)",
			    r.reason, t.work_item,
			    p->rollback_hook ? "; rollback_hook run (rollback.log)" : "", t.work_item,
			    t.work_item);
			t.blocked = 1; /* an open problem until a person closes it (--accept) */
			if (transition(c, &t, "post_deploy_degraded", "alert", msg, &e) < 0)
				r.err = e;
			tracker_show(c, &t, "blocked", msg, TRACKER_BY_ORCH);
			run_rollback_hook(c, p, &t);
		}
	}
	report(rctx, &r);
}

int
deploy_monitor(struct orch_ctx *c, deploy_report report, void *rctx, struct orch_err *err)
{
	struct orch_err e = { 0 };
	char **wis = NULL;
	struct advance_result r;
	struct task t;
	size_t i;
	int held;

	/* only the tasks marked watching: the done history is never read (the marker set before the file) */
	if (task_watch_list(c->st, &wis, err) < 0)
		return -1;
	for (i = 0; wis[i]; i++) {
		const struct project *p;
		if (task_get(c->st, wis[i], &t, &e) < 0)
			continue;
		/* a shared store: the watch is the deploying host's (its own rows); the others leave it */
		if (c->cfg->store != NULL && !deploy_marker(c, &t, DEPLOY_WATCH))
			continue;
		if ((p = config_project(c->cfg, t.project)) == NULL || !(p->health_cmd || p->health_url) ||
		    t.stopped[0] || !deploy_marker(c, &t, DEPLOY_WATCH) ||
		    deploy_marker(c, &t, DEPLOY_WATCHED)) {
			task_set_watching(c->st, &t, 0, &e); /* nothing (more) to watch */
			continue;
		}
		result_start(&r, t.work_item, stage_last()->name, "post_deploy_watch");
		if ((held = engine_claim(c, &t, &r)) <= 0) {
			if (held < 0 || r.outcome == OUT_BUSY)
				report(rctx, &r);
			continue;
		}
		monitor_one(c, p, &t, report, rctx);
		if (held == 1)
			task_release(c->st, &t);
	}
	argv_free(wis);
	return 0;
}

/*
 * Whether wi waits at deploy with no deploy started and its last recorded
 * Confirm Deploy came after its last entry into stage deploy: 1 yes, 0 no
 * (none, one meant for an earlier deploy, or the deploy started).  Reads
 * only: a quiet poll writes nothing.
 */
static int
confirm_stands(struct orch_ctx *c, const char *wi)
{
	struct orch_err e = { 0 };
	struct task t;

	if (task_get(c->st, wi, &t, &e) < 0 || strcmp(t.stage, stage_deploy()->name) != 0 || t.blocked ||
	    deploy_local_sync(c, &t, &e) < 0 || deploy_marker(c, &t, DEPLOY_INITIATED))
		return 0;
	return task_event_since_entry(c->st, wi, "confirm_deploy", stage_deploy()->name);
}

int
deploy_confirm_verdict(
    struct orch_ctx *c, const char *wi, const struct gate_verdict *key, struct advance_result *r)
{
	int rc = engine_claim_verdict(c, wi, key, "confirm_deploy", "Confirm Deploy seen", r);

	if (rc == 2)
		return 0;
	if (rc == 1)
		return deploy_confirm(c, wi, r);
	if (rc < 0)
		return rc;
	/*
	 * Seen before.  The process that recorded it may have died, found the
	 * task busy or failed to fetch before the deploy started: while this
	 * deploy waits, the confirm still stands (deploy_confirm acts at most
	 * once: its claim and the initiated marker).  One given before the task
	 * last entered deploy never deploys.
	 */
	if (confirm_stands(c, wi)) {
		if (deploy_confirm(c, wi, r) < 0)
			return -1;
		if (r->outcome == OUT_ADVANCED || r->outcome == OUT_BUSY)
			return 0;
	}
	snprintf(r->reason, sizeof(r->reason), "Confirm Deploy already recorded");
	return 0;
}

/* Under t's claim: close a DEGRADED watch (production was fixed otherwise). */
static int
accept_claimed(struct orch_ctx *c, struct task *t, struct advance_result *r)
{
	char msg[300];
	int rc;

	if (!(t->blocked && stage_is_last(t->stage) && deploy_degraded(c, t))) {
		r->refused = 1;
		snprintf(r->reason, sizeof(r->reason),
		    "%s has no open DEGRADED post-deploy watch (stage %s%s): nothing "
		    "to accept",
		    t->work_item, t->stage, t->blocked ? ", blocked" : "");
		return 0;
	}
	t->blocked = 0;
	snprintf(msg, sizeof(msg),
	    "the DEGRADED production of %s was accepted as fixed by an operator "
	    "(orch-deploy --accept)",
	    t->work_item);
	if ((rc = transition(c, t, "degraded_accepted", "info", msg, &r->err)) <= 0) {
		if (rc == 0)
			snprintf(r->reason, sizeof(r->reason), "%s moved on meanwhile", t->work_item);
		return rc;
	}
	tracker_show(c, t, "done", msg, TRACKER_BY_PERSON);
	r->outcome = OUT_ADVANCED;
	r->passed = 1;
	snprintf(r->reason, sizeof(r->reason), "%s", msg);
	return 0;
}

int
deploy_accept(struct orch_ctx *c, const char *wi, struct advance_result *r)
{
	struct task t;
	int held, rc;

	result_start(r, wi, "", "deploy_accept");
	if (task_get(c->st, wi, &t, &r->err) < 0)
		return -1;
	result_start(r, wi, t.stage, "deploy_accept");
	if ((held = engine_claim(c, &t, r)) <= 0)
		return held;
	rc = accept_claimed(c, &t, r);
	if (held == 1)
		task_release(c->st, &t);
	return rc;
}
