#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "gate.h"
#include "git.h"
#include "job.h"
#include "deploy.h"
#include "merge.h"
#include "notify.h"
#include "store.h"
#include "task.h"
#include "tracker.h"
#include "util.h"
#include "wi.h"

struct stage_def {
	const char *name, *agent, *next, *display;
	const char *gates[4];
	int rolls_back;		/* red goes back to development */
};

static const struct stage_def stages[] = {
	{ "analysis", "analyst", "architecture", "analysis",
	  { "check_analysis_complete", "check_analysis_approved" }, 0 },
	{ "architecture", "architect", "development", "in_progress", { "check_architecture_done" }, 0 },
	{ "development", "developer", "review", "in_progress", { "check_ci_green" }, 0 },
	{ "review", "reviewer", "testing", "code_review", { "check_reviewer_verdict" }, 1 },
	{ "testing", "tester", "deploy-staging", "in_progress", { "check_tests_passed" }, 1 },
	{ "deploy-staging", "staging", "deploy", "in_progress", { "check_staging_status", "check_security_gate", "check_branch_mergeable" }, 1 },
	{ "deploy", "deployer", "done", "deploying", { "check_deploy_status", "check_merged_to_main" }, 1 },
	{ "done", NULL, NULL, "done", { NULL }, 0 },
	{ NULL, NULL, NULL, NULL, { NULL }, 0 },
};

static const struct stage_def *
stage_find(const char *name)
{
	size_t i;

	for (i = 0; stages[i].name; i++)
		if (strcmp(stages[i].name, name) == 0)
			return &stages[i];
	return NULL;
}

int engine_stage_valid(const char *s) { return stage_find(s) != NULL; }

const char *
engine_next_stage(const char *s)
{
	const struct stage_def *d = stage_find(s);

	return d ? d->next : NULL;
}

const char *
engine_stage_agent(const char *s)
{
	const struct stage_def *d = stage_find(s);

	return d ? d->agent : NULL;
}

const char *
engine_outcome_name(enum engine_outcome o)
{
	static const char *const names[] = { "advanced", "rolled_back", "waiting", "blocked", "noop" };

	return names[o];
}

int
engine_result_exit(const struct advance_result *r)
{
	if (r->err.code)
		return r->err.code;
	switch (r->outcome) {
	case OUT_ROLLED_BACK:
	case OUT_BLOCKED:
		return EX_NO;
	case OUT_WAITING:
		return EX_WAITING;
	default:
		return EX_OK;
	}
}

static void
result_init(struct advance_result *r, const char *wi, int max)
{
	memset(r, 0, sizeof(*r));
	str_copy(r->work_item, sizeof(r->work_item), wi);
	r->outcome = OUT_NOOP;
	r->retry_max = max;
}

static int
fail(struct advance_result *r, const struct orch_err *e)
{
	r->err = *e;
	if (r->err.code == 0)
		r->err.code = EX_SOFTWARE;
	return -1;
}

/* What one transition writes, all in one transaction. */
struct change {
	const char *event;		/* events.kind */
	const char *agent;		/* job to enqueue, or NULL */
	const char *job_stage;
	const char *description;
	const char *level;		/* outbox level */
	const char *message;
	const struct gate_verdict *verdict;	/* claim first; NULL when none */
	const char *alert;		/* an extra alert (a gate's loud warning), or NULL */
};

/* 1 applied, 0 the verdict was already applied (nothing written), -1 error. */
static int
apply(struct orch_ctx *c, const struct task *t, const char *from, const struct change *ch,
    struct advance_result *r, struct orch_err *e)
{
	int claimed;

	if (store_begin(c->st, e) < 0)
		return -1;
	if (ch->verdict) {
		if ((claimed = verdict_claim(c->st, ch->verdict->issue_id, ch->verdict->state_id,
		    ch->verdict->updated_at, t->work_item, ch->verdict->verdict, e)) < 0)
			goto fail;
		if (claimed == 0) {
			store_rollback(c->st);
			return 0;
		}
	}
	if (task_update(c->st, t, e) < 0)
		goto fail;
	if (ch->agent && job_enqueue(c->st, t->id, ch->agent, ch->job_stage, ch->description, &r->job_id, e) < 0)
		goto fail;
	if (event_add(c->st, t->work_item, ch->event, from, t->stage, r->reason, e) < 0)
		goto fail;
	if (ch->message && notify_queue(c->st, ch->level, t->work_item, ch->message, e) < 0)
		goto fail;
	if (ch->alert && *ch->alert && notify_queue(c->st, "alert", t->work_item, ch->alert, e) < 0)
		goto fail;
	if (store_commit(c->st, e) < 0)
		return -1;
	if (ch->agent)
		str_copy(r->enq_agent, sizeof(r->enq_agent), ch->agent);
	return 1;
fail:
	store_rollback(c->st);
	return -1;
}

/* Display status and comment after a commit; failures are recorded, not fatal. */
static void
display(struct orch_ctx *c, struct tracker *tr, const struct task *t, const char *key, const char *comment)
{
	struct tracker_issue is;
	struct orch_err e = {0};

	if (tr->ops->get(tr, t->work_item, &is, &e) < 0 ||
	    (key && tracker_set_status(tr, &is, key, &e) < 0) ||
	    (comment && tr->ops->comment(tr, &is, comment, &e) < 0))
		event_add(c->st, t->work_item, "tracker_error", t->stage, t->stage, e.msg, NULL);
}

static void
describe_rollback(struct buf *d, const struct task *t, const char *from, const char *gate,
    const struct gate_result *g)
{
	buf_printf(d, "%s: %s rolled back from %s by %s.\nReason: %s\n", t->work_item,
	    strcmp(from, "development") == 0 ? "development retried" : "work", from, gate, g->reason);
	if (g->findings.len)
		buf_printf(d, "\nMust-fix findings (verbatim):\n%s", buf_str(&g->findings));
	buf_printf(d, "\nFix these on branch %s, commit, and finish the stage.\n", t->branch);
}

static int
on_red(struct orch_ctx *c, struct tracker *tr, struct task *t, const struct stage_def *sd,
    const char *gate, const struct gate_result *g, int dry_run, struct advance_result *r)
{
	const char *target = sd->rolls_back ? "development" : sd->name;
	const char *agent = sd->rolls_back ? "developer" : sd->agent;
	struct orch_err e = {0};
	struct buf desc;
	char msg[1400];
	int rc;

	t->retries++;
	r->retry_count = t->retries;
	if (t->retries > c->cfg->max_developer_retries) {
		r->outcome = OUT_BLOCKED;
		str_copy(r->stage_after, sizeof(r->stage_after), t->stage);
		if (dry_run)
			return 0;
		t->blocked = 1;
		snprintf(msg, sizeof(msg), "blocked at %s after %d retries (%s); fix it, then run "
		    "orch-advance --unblock %s", t->stage, t->retries - 1, g->reason, t->work_item);
		struct change ch = { .event = "blocked", .level = "alert", .message = msg };
		if (apply(c, t, sd->name, &ch, r, &e) < 0)
			return fail(r, &e);
		display(c, tr, t, "blocked", msg);
		return 0;
	}
	r->outcome = OUT_ROLLED_BACK;
	str_copy(r->stage_after, sizeof(r->stage_after), target);
	str_copy(r->enq_agent, sizeof(r->enq_agent), agent);
	if (dry_run)
		return 0;
	buf_init(&desc, 64 * 1024);
	describe_rollback(&desc, t, sd->name, gate, g);
	str_copy(t->stage, sizeof(t->stage), target);
	t->review_requested = 0;
	snprintf(msg, sizeof(msg), "%s -> %s (retry %d/%d): %s", sd->name, target, t->retries,
	    c->cfg->max_developer_retries, g->reason);
	struct change ch = { .event = "rolled_back", .agent = agent, .job_stage = target,
		.description = buf_str(&desc), .level = "info", .message = msg, .alert = g->alert };
	rc = apply(c, t, sd->name, &ch, r, &e);
	if (rc > 0)
		display(c, tr, t, stage_find(target)->display, buf_str(&desc));
	buf_free(&desc);
	if (rc < 0)
		return fail(r, &e);
	return 0;
}

static int
on_pass(struct orch_ctx *c, struct tracker *tr, struct task *t, const struct project *p, const struct stage_def *sd,
    const struct gate_result *g, int dry_run, struct advance_result *r)
{
	const struct stage_def *next = stage_find(sd->next);
	int edge = strcmp(sd->name, "deploy-staging") == 0;
	const char *agent = next->agent;
	struct orch_err e = {0};
	char msg[1200], desc[600], merged[600] = "";
	int rc;

	/* the deploy edge: what lands on main is exactly the tested commit */
	if (edge && !dry_run) {
		if ((rc = merge_land(c, p, t, merged, sizeof(merged), &e)) < 0)
			return fail(r, &e);
		if (rc == 0) {
			r->outcome = OUT_WAITING;
			snprintf(r->reason, sizeof(r->reason), "%s", merged);
			event_add(c->st, t->work_item, "push_refused", sd->name, sd->name, merged, NULL);
			return 0;
		}
		if (p->self_deploy || p->deploy_hook)
			agent = NULL;	/* Phase A waits for Confirm Deploy; a hook runs now */
	}
	r->outcome = OUT_ADVANCED;
	str_copy(r->stage_after, sizeof(r->stage_after), next->name);
	if (agent)
		str_copy(r->enq_agent, sizeof(r->enq_agent), agent);
	if (dry_run)
		return 0;
	str_copy(t->stage, sizeof(t->stage), next->name);
	t->review_requested = 0;
	snprintf(msg, sizeof(msg), "%s -> %s: %s%s%s", sd->name, next->name, g->reason, merged[0] ? "; " : "", merged);
	snprintf(desc, sizeof(desc), "%s: work the %s stage of \"%.300s\" on branch %s", t->work_item,
	    next->name, t->title, t->branch);
	struct change ch = { .event = "advanced", .agent = agent, .job_stage = next->name,
		.description = desc, .level = "info", .message = msg,
		.verdict = g->verdict.present ? &g->verdict : NULL, .alert = g->alert };
	if ((rc = apply(c, t, sd->name, &ch, r, &e)) < 0)
		return fail(r, &e);
	if (rc == 0) {
		r->outcome = OUT_WAITING;
		r->enq_agent[0] = '\0';
		str_copy(r->stage_after, sizeof(r->stage_after), sd->name);
		snprintf(r->reason, sizeof(r->reason), "verdict already applied");
		return 0;
	}
	if (merged[0])
		snprintf(r->reason, sizeof(r->reason), "%s; %s", g->reason, merged);
	if (edge)
		deploy_reset(c->cfg, t);	/* a new deploy: the last one's sentinels are history */
	if (edge && p->self_deploy) {	/* Phase A */
		snprintf(msg, sizeof(msg), "%s is merged and ready for production: set the status to Confirm Deploy to "
		    "deploy to production", t->work_item);
		deploy_mark(c->cfg, t, "approve-requested", "\n", &e);
		if (store_begin(c->st, &e) == 0 && notify_queue(c->st, "alert", t->work_item, msg, &e) == 0)
			store_commit(c->st, &e);
		else
			store_rollback(c->st);
		display(c, tr, t, "awaiting_deploy", msg);
		return 0;
	}
	display(c, tr, t, next->display, NULL);
	if (edge && p->deploy_hook) {	/* a project without self_deploy: deploy now, then judge it */
		struct advance_result first = *r;
		if (deploy_run_hook(c, p, t, &e) < 0)
			return fail(r, &e);
		engine_advance(c, t->work_item, NULL, 0, r);
		str_copy(r->stage_before, sizeof(r->stage_before), first.stage_before);
	}
	return 0;
}

/* The human gate is waiting: ask once (In Review + comment). */
static int
request_review(struct orch_ctx *c, struct tracker *tr, struct task *t, struct advance_result *r)
{
	struct orch_err e = {0};
	char msg[300];

	if (t->review_requested)
		return 0;
	t->review_requested = 1;
	snprintf(msg, sizeof(msg), "analysis of %s is ready for review: set the status to Approved or Rejected",
	    t->work_item);
	struct change ch = { .event = "review_requested", .level = "info", .message = msg };
	if (apply(c, t, t->stage, &ch, r, &e) < 0)
		return fail(r, &e);
	display(c, tr, t, "in_review", msg);
	return 0;
}

static int
on_rejected(struct orch_ctx *c, struct tracker *tr, struct task *t, const struct gate_result *g,
    int dry_run, struct advance_result *r)
{
	struct orch_err e = {0};
	char desc[800];
	int rc;

	r->outcome = OUT_ROLLED_BACK;
	str_copy(r->stage_after, sizeof(r->stage_after), t->stage);
	str_copy(r->enq_agent, sizeof(r->enq_agent), "analyst");
	if (dry_run)
		return 0;
	t->review_requested = 0;
	snprintf(desc, sizeof(desc), "%s: the analysis was rejected in the tracker; rework 01-04 on branch %s "
	    "(read the issue's comments for what to change)", t->work_item, t->branch);
	struct change ch = { .event = "rejected", .agent = "analyst", .job_stage = "analysis",
		.description = desc, .level = "info", .message = "analysis rejected: analyst re-enqueued",
		.verdict = &g->verdict };
	if ((rc = apply(c, t, t->stage, &ch, r, &e)) < 0)
		return fail(r, &e);
	if (rc == 1) {
		display(c, tr, t, NULL, "rejection received: the analyst is reworking the analysis");
		return 0;
	}
	/* seen before: the rework is done (no analyst job active), ask again */
	r->outcome = OUT_WAITING;
	r->enq_agent[0] = '\0';
	snprintf(r->reason, sizeof(r->reason), "rejection already applied; waiting for a new verdict");
	return request_review(c, tr, t, r);
}

static int
finish_agent(struct orch_ctx *c, const struct task *t, const char *agent, struct advance_result *r)
{
	struct orch_err e = {0};
	int n;

	if (store_begin(c->st, &e) < 0)
		return fail(r, &e);
	if ((n = job_finish_agent(c->st, t->id, agent, &e)) < 0 ||
	    (n > 0 && event_add(c->st, t->work_item, "agent_finished", t->stage, t->stage, agent, &e) < 0)) {
		store_rollback(c->st);
		return fail(r, &e);
	}
	return store_commit(c->st, &e) < 0 ? fail(r, &e) : 0;
}

static int
load(struct orch_ctx *c, const char *wi, struct task *t, const struct project **p, struct advance_result *r)
{
	struct orch_err e = {0};

	if (!wi_valid(wi)) {
		err_set(&e, EX_USAGE, "work item '%s' is not of the form ABC-123", wi);
		return fail(r, &e);
	}
	if (task_get(c->st, wi, t, &e) < 0)
		return fail(r, &e);
	str_copy(r->stage_before, sizeof(r->stage_before), t->stage);
	str_copy(r->stage_after, sizeof(r->stage_after), t->stage);
	r->retry_count = t->retries;
	if ((*p = config_project(c->cfg, t->project)) == NULL) {
		err_set(&e, EX_CONFIG, "project '%s' of %s is not configured; add it under projects: in orch.yaml",
		    t->project, wi);
		return fail(r, &e);
	}
	return 0;
}

int
engine_advance(struct orch_ctx *c, const char *wi, const char *agent_done, int dry_run,
    struct advance_result *r)
{
	const struct project *p;
	const struct stage_def *sd;
	struct orch_err e = {0};
	struct gate_result g;
	struct tracker tr;
	struct task t;
	int active, rc = 0;
	size_t i;

	result_init(r, wi, c->cfg->max_developer_retries);
	r->dry_run = dry_run;
	if (load(c, wi, &t, &p, r) < 0)
		return -1;
	if (agent_done && !dry_run && finish_agent(c, &t, agent_done, r) < 0)
		return -1;
	if (t.blocked) {
		r->outcome = OUT_BLOCKED;
		snprintf(r->reason, sizeof(r->reason), "blocked after %d retries; resume with orch-advance --unblock %s",
		    t.retries, wi);
		return 0;
	}
	if ((sd = stage_find(t.stage)) == NULL) {
		err_set(&e, EX_DATAERR, "task %s is at unknown stage '%s'; fix the store or restart the item", wi, t.stage);
		return fail(r, &e);
	}
	if (sd->next == NULL) {
		snprintf(r->reason, sizeof(r->reason), "done");
		return 0;
	}
	if ((active = job_active(c->st, t.id, sd->agent, &e)) < 0)
		return fail(r, &e);
	if (active > 0 && !(agent_done && dry_run && strcmp(agent_done, sd->agent) == 0)) {
		r->outcome = OUT_WAITING;
		snprintf(r->reason, sizeof(r->reason), "%s job queued or running", sd->agent);
		return 0;
	}
	if (strcmp(t.stage, "deploy") == 0 && !p->self_deploy && p->deploy_hook && !dry_run &&
	    !deploy_marker(c->cfg, &t, "finalized") && deploy_run_hook(c, p, &t, &e) < 0)
		return fail(r, &e);	/* the run that merged died before (or while) deploying */
	if (strcmp(t.stage, "deploy") == 0 && p->self_deploy && !deploy_marker(c->cfg, &t, "finalized")) {
		r->outcome = OUT_WAITING;
		snprintf(r->reason, sizeof(r->reason), deploy_marker(c->cfg, &t, "initiated") ?
		    "production deploy running; orch-deploy --finalize records its result" :
		    "waiting for Confirm Deploy (tracker status, or orch-deploy --confirm %s)", wi);
		return 0;
	}
	if (tracker_open(&tr, c, t.project, &e) < 0)
		return fail(r, &e);
	gate_result_init(&g);
	struct gate_ctx gc = { .cfg = c->cfg, .project = p, .st = c->st, .tracker = &tr, .task = &t,
		.dry_run = dry_run };
	for (i = 0; sd->gates[i]; i++) {
		const struct gate_def *gd = gate_find(sd->gates[i]);
		char alert[sizeof(g.alert)];
		if (gd == NULL)
			BUG("stage names a gate missing from the registry");
		str_copy(alert, sizeof(alert), g.alert);	/* an earlier sub-gate's warning stays loud */
		gate_result_free(&g);
		gate_result_init(&g);
		str_copy(g.alert, sizeof(g.alert), alert);
		str_copy(r->gate, sizeof(r->gate), gd->name);
		gd->fn(&gc, &g);
		if (g.outcome != GATE_PASS)
			break;
	}
	str_copy(r->reason, sizeof(r->reason), g.reason);
	r->passed = g.outcome == GATE_PASS;
	switch (g.outcome) {
	case GATE_ERROR:
		r->outcome = OUT_WAITING;
		if (!dry_run)	/* nothing changes; the operator hears it once */
			gate_error_alert(c->st, &t, r->gate, g.reason);
		rc = fail(r, &g.err);
		break;
	case GATE_WAIT:
		r->outcome = OUT_WAITING;
		if (!dry_run)
			rc = request_review(c, &tr, &t, r);
		break;
	case GATE_PASS:
		rc = on_pass(c, &tr, &t, p, sd, &g, dry_run, r);
		break;
	case GATE_RED:
		if (g.verdict.present)
			rc = on_rejected(c, &tr, &t, &g, dry_run, r);
		else
			rc = on_red(c, &tr, &t, sd, r->gate, &g, dry_run, r);
		break;
	}
	gate_result_free(&g);
	tracker_close(&tr);
	if (strcmp(sd->name, "deploy-staging") == 0 && !dry_run)
		merge_lease_release(c, &t);	/* the lease never outlives the run that took it */
	return rc;
}

int
engine_start(struct orch_ctx *c, const char *wi, struct advance_result *r)
{
	char project[17], branch[256], start[512], wt[4200], desc[800], msg[600];
	const struct project *p;
	struct tracker_issue is;
	struct tracker_state *states = NULL;
	const struct tracker_state *cur;
	struct orch_err e = {0};
	struct tracker tr;
	struct task t;
	size_t nstates = 0;
	int rc;

	result_init(r, wi, c->cfg->max_developer_retries);
	str_copy(r->stage_before, sizeof(r->stage_before), "created");
	if (wi_project(wi, project) < 0) {
		err_set(&e, EX_USAGE, "work item '%s' is not of the form ABC-123", wi);
		return fail(r, &e);
	}
	if ((p = config_project(c->cfg, project)) == NULL) {
		err_set(&e, EX_NOINPUT, "project '%s' is not configured; add it under projects: in orch.yaml", project);
		return fail(r, &e);
	}
	if (task_get(c->st, wi, &t, &e) == 0) {
		str_copy(r->stage_before, sizeof(r->stage_before), t.stage);
		str_copy(r->stage_after, sizeof(r->stage_after), t.stage);
		snprintf(r->reason, sizeof(r->reason), "already started (stage %s)", t.stage);
		return 0;
	}
	if (e.code != EX_NOINPUT)
		return fail(r, &e);
	err_clear(&e);
	if (tracker_open(&tr, c, project, &e) < 0)
		return fail(r, &e);
	if (tr.ops->get(&tr, wi, &is, &e) < 0 || tr.ops->states(&tr, project, &states, &nstates, &e) < 0)
		goto out;
	if ((cur = tracker_state_by_id(states, nstates, is.state_id)) && tracker_state_terminal(cur)) {
		snprintf(r->reason, sizeof(r->reason), "issue is %s (terminal): not started", cur->name);
		goto out;
	}
	struct git g = { .dir = p->repo, .st = c->st };
	if (wi_branch(wi, is.name, branch, sizeof(branch)) < 0 ||
	    str_fmt(wt, sizeof(wt), "%s/worktrees/%s/%s", c->cfg->home, project, wi) < 0) {
		err_set(&e, EX_USAGE, "names for %s are too long", wi);
		goto out;
	}
	if (p->remote) {
		if (git_fetch(&g, p->remote, p->main_branch, &e) < 0)
			goto out;
		snprintf(start, sizeof(start), "refs/remotes/%s/%s", p->remote, p->main_branch);
	} else {
		snprintf(start, sizeof(start), "refs/heads/%s", p->main_branch);
	}
	if (!git_ref_exists(&g, start)) {
		err_set(&e, EX_NOINPUT, "'%s' not found in repo '%s'; check main_branch and remote", start, p->repo);
		goto out;
	}
	{
		char parent[4200];
		if (str_fmt(parent, sizeof(parent), "%s/worktrees/%s", c->cfg->home, project) < 0 ||
		    mkdir_p(parent, 0700) < 0) {
			err_set(&e, EX_IOERR, "cannot create '%s'", parent);
			goto out;
		}
	}
	if (git_branch_create(&g, branch, start, &e) < 0 || git_worktree_add(&g, wt, branch, &e) < 0)
		goto out;
	memset(&t, 0, sizeof(t));
	str_copy(t.project, sizeof(t.project), project);
	str_copy(t.work_item, sizeof(t.work_item), wi);
	str_copy(t.issue_id, sizeof(t.issue_id), is.id);
	str_copy(t.title, sizeof(t.title), is.name);
	str_copy(t.repo, sizeof(t.repo), p->repo);
	str_copy(t.branch, sizeof(t.branch), branch);
	str_copy(t.worktree, sizeof(t.worktree), wt);
	str_copy(t.stage, sizeof(t.stage), "analysis");
	snprintf(desc, sizeof(desc), "%s: analyse \"%.300s\"; commit 01-brd.md, 02-trz.md, "
	    "03-acceptance-criteria.md and 04-test-plan.yaml under docs/work-items/%s/ on branch %s",
	    wi, is.name, wi, branch);
	snprintf(msg, sizeof(msg), "started on %s: analyst enqueued", branch);
	snprintf(r->reason, sizeof(r->reason), "started on branch %s", branch);
	if (store_begin(c->st, &e) < 0)
		goto out;
	if (task_insert(c->st, &t, &e) < 0 ||
	    job_enqueue(c->st, t.id, "analyst", "analysis", desc, &r->job_id, &e) < 0 ||
	    event_add(c->st, wi, "started", "created", "analysis", r->reason, &e) < 0 ||
	    notify_queue(c->st, "info", wi, msg, &e) < 0) {
		store_rollback(c->st);
		goto out;
	}
	if (store_commit(c->st, &e) < 0)
		goto out;
	r->outcome = OUT_ADVANCED;
	r->passed = 1;
	str_copy(r->stage_after, sizeof(r->stage_after), "analysis");
	str_copy(r->enq_agent, sizeof(r->enq_agent), "analyst");
	display(c, &tr, &t, "analysis", NULL);
out:
	rc = e.code ? fail(r, &e) : 0;
	free(states);
	tracker_close(&tr);
	return rc;
}

int
engine_unblock(struct orch_ctx *c, const char *wi, struct advance_result *r)
{
	const struct project *p;
	const struct stage_def *sd;
	struct orch_err e = {0};
	struct tracker tr;
	struct task t;
	char msg[300];

	result_init(r, wi, c->cfg->max_developer_retries);
	if (load(c, wi, &t, &p, r) < 0)
		return -1;
	if (!t.blocked) {
		snprintf(r->reason, sizeof(r->reason), "not blocked");
		return 0;
	}
	sd = stage_find(t.stage);
	t.blocked = 0;
	t.retries = 0;
	r->retry_count = 0;
	snprintf(r->reason, sizeof(r->reason), "unblocked by an operator; retry count reset");
	snprintf(msg, sizeof(msg), "unblocked at %s; retry count reset", t.stage);
	struct change ch = { .event = "unblocked", .agent = sd ? sd->agent : NULL, .job_stage = t.stage,
		.description = "resumed by an operator after a block: read the earlier findings and fix them",
		.level = "info", .message = msg };
	if (apply(c, &t, t.stage, &ch, r, &e) < 0)
		return fail(r, &e);
	r->outcome = OUT_ADVANCED;
	r->passed = 1;
	if (tracker_open(&tr, c, t.project, &e) == 0) {
		display(c, &tr, &t, sd ? sd->display : NULL, msg);
		tracker_close(&tr);
	}
	return 0;
}

int
engine_resume(struct orch_ctx *c, const char *wi, const struct gate_verdict *key, struct advance_result *r)
{
	const struct project *p;
	const struct stage_def *sd;
	struct orch_err e = {0};
	struct tracker tr;
	struct task t;
	char msg[300];
	int active, rc, was_blocked;

	result_init(r, wi, c->cfg->max_developer_retries);
	if (load(c, wi, &t, &p, r) < 0)
		return -1;
	sd = stage_find(t.stage);
	if (sd == NULL || sd->next == NULL) {
		snprintf(r->reason, sizeof(r->reason), "task is %s: nothing to resume", t.stage);
		return 0;
	}
	if ((active = job_active(c->st, t.id, sd->agent, &e)) < 0)
		return fail(r, &e);
	was_blocked = t.blocked;
	t.blocked = 0;
	if (was_blocked)
		t.retries = 0;
	r->retry_count = t.retries;
	snprintf(r->reason, sizeof(r->reason), "resumed from the tracker (To Analyse)%s%s",
	    was_blocked ? "; unblocked, retry count reset" : "", active ? "; agent already at work" : "");
	snprintf(msg, sizeof(msg), "resumed at %s from the tracker%s", t.stage, was_blocked ? " (unblocked)" : "");
	struct change ch = { .event = "resumed", .agent = active ? NULL : sd->agent, .job_stage = t.stage,
		.description = "resumed by an operator (tracker To Analyse): continue the stage's work",
		.level = "info", .message = msg, .verdict = key };
	if ((rc = apply(c, &t, t.stage, &ch, r, &e)) < 0)
		return fail(r, &e);
	if (rc == 0) {
		snprintf(r->reason, sizeof(r->reason), "resume already applied");
		return 0;
	}
	r->outcome = OUT_ADVANCED;
	r->passed = 1;
	if (tracker_open(&tr, c, t.project, &e) == 0) {
		display(c, &tr, &t, sd->display, NULL);
		tracker_close(&tr);
	}
	return 0;
}

/* Claim a verdict key with an event and nothing else: 1 claimed now, 0 seen before, -1 error. */
static int
claim_event(struct orch_ctx *c, const char *wi, const struct gate_verdict *key, const char *event,
    const char *why, struct advance_result *r)
{
	const struct project *p;
	struct orch_err e = {0};
	struct task t;
	int rc;

	result_init(r, wi, c->cfg->max_developer_retries);
	if (load(c, wi, &t, &p, r) < 0)
		return -1;
	snprintf(r->reason, sizeof(r->reason), "%s (stage %s)", why, t.stage);
	struct change ch = { .event = event, .verdict = key };
	if ((rc = apply(c, &t, t.stage, &ch, r, &e)) < 0)
		return fail(r, &e);
	return rc;
}

int
engine_confirm_deploy(struct orch_ctx *c, const char *wi, const struct gate_verdict *key,
    struct advance_result *r)
{
	int rc = claim_event(c, wi, key, "confirm_deploy", "Confirm Deploy seen", r);

	if (rc == 0)
		snprintf(r->reason, sizeof(r->reason), "Confirm Deploy already recorded");
	return rc == 1 ? deploy_confirm(c, wi, r) : rc;
}

int
engine_note_verdict(struct orch_ctx *c, const char *wi, const struct gate_verdict *key, const char *why,
    struct advance_result *r)
{
	return claim_event(c, wi, key, "verdict_ignored", why, r);
}
