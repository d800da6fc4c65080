#include "engine.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "gate.h"
#include "git.h"
#include "job.h"
#include "deployhook.h"
#include "deploystate.h"
#include "fix.h"
#include "merge.h"
#include "notify.h"
#include "proc.h"
#include "stages.h"
#include "store.h"
#include "task.h"
#include "tracker.h"
#include "util.h"
#include "workspace.h"
#include "wi.h"

int
engine_stage_valid(const char *s)
{
	return stage_get(s) != NULL;
}

int
engine_agent_valid(const char *a)
{
	return stage_agent_known(a);
}

const char *
engine_next_stage(const char *s)
{
	const struct stage *d = stage_get(s);

	return d ? d->next : NULL;
}

const char *
engine_stage_agent(const char *s)
{
	const struct stage *d = stage_get(s);

	return d ? d->agent : NULL;
}

const char *
engine_outcome_name(enum engine_outcome o)
{
	static const char *const names[] = { "advanced", "rolled_back", "waiting", "blocked", "noop",
		"busy" };

	return names[o];
}

int
engine_result_exit(const struct advance_result *r)
{
	if (r->err.code)
		return r->err.code;
	switch (r->outcome) {
	case OUT_ROLLED_BACK:
	case OUT_BLOCKED: return EX_NO;
	case OUT_WAITING: return EX_WAITING;
	default: return EX_OK;
	}
}

void
engine_result_init(struct advance_result *r, const char *wi, int max)
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
	const char *event; /* events.kind */
	const char *agent; /* job to enqueue, or NULL */
	const char *job_stage;
	const char *description;
	const char *level; /* outbox level */
	const char *message;
	const struct gate_verdict *verdict; /* claim first; NULL when none */
	const char *alert;                  /* an extra alert (a gate's loud warning), or NULL */
	const char *once_key;               /* claimed first like a verdict: a repeat writes nothing */
	const struct gate_result
	    *bind; /* a pass that judged code: its commit and code id recorded (task_verdicts) */
	const char *ask_kind, *ask_evidence; /* what a human is asked to approve (task_asks) */
	const char *finish_agent; /* this agent's queued jobs are done with (people work the stage now) */
	struct stop_jobs *cancel; /* a person's stop: the task's queued and running jobs are cancelled */
};

/* The jobs a stop cancelled, and the agents' process groups to stop once it is committed. */
struct stop_jobs {
	long pgid[8];
	int n, cancelled;
};

/*
 * A stage whose agent has no command in the project's agents map (and no
 * default:) is worked by people: no job is ever enqueued for it.
 */
static int
stage_automated(const struct project *p, const struct task *t, const char *agent)
{
	return p && agent && !(t && t->manual) && config_agent(p, agent) != NULL;
}

enum { APPLY_SEEN = 0, APPLY_DONE = 1, APPLY_MOVED = 2 };

/*
 * Compare-and-set: the change was computed from t as loaded (t->version);
 * if another process changed the task meanwhile, nothing is written.
 * APPLY_DONE, APPLY_SEEN (the verdict was already applied), APPLY_MOVED
 * (the task moved on meanwhile), -1 error.  Nothing is written unless DONE.
 */
static int
apply(struct orch_ctx *c, struct task *t, const char *from, const struct change *ch, struct advance_result *r,
    struct orch_err *e)
{
	const char *agent = ch->agent;
	int claimed, rc;

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
	if (ch->once_key) {
		if ((claimed = task_note_once(c->st, ch->once_key, e)) < 0)
			goto fail;
		if (claimed == 0) {
			store_rollback(c->st);
			return 0;
		}
	}
	if (ch->agent && !stage_automated(config_project(c->cfg, t->project), t, ch->agent))
		agent = NULL; /* a manual stage: people work it, nothing to enqueue */
	if ((rc = task_update(c->st, t, e)) < 0)
		goto fail;
	if (rc == 0) {
		store_rollback(c->st);
		return APPLY_MOVED;
	}
	if (agent && job_enqueue(c->st, t->id, agent, ch->job_stage, ch->description, &r->job_id, e) < 0)
		goto fail;
	if (ch->finish_agent && job_finish_agent(c->st, t->id, ch->finish_agent, e) < 0)
		goto fail;
	if (ch->cancel &&
	    (ch->cancel->cancelled = job_cancel_task(c->st, t->id, ch->cancel->pgid, 8, &ch->cancel->n, e)) <
		0)
		goto fail;
	if (ch->bind && ch->bind->bound &&
	    task_verdict_record(c->st, t, from, ch->bind->judged_sha, ch->bind->code_id, e) < 0)
		goto fail;
	if (ch->ask_kind && task_ask_record(c->st, t, ch->ask_kind, ch->ask_evidence, e) < 0)
		goto fail;
	if (event_add(c->st, t->work_item, ch->event, from, t->stage, r->reason, e) < 0)
		goto fail;
	if (ch->message && notify_queue(c->st, ch->level, t->work_item, ch->message, e) < 0)
		goto fail;
	if (ch->alert && *ch->alert && notify_queue(c->st, "alert", t->work_item, ch->alert, e) < 0)
		goto fail;
	if (store_commit(c->st, e) < 0)
		return -1;
	str_copy(r->enq_agent, sizeof(r->enq_agent), agent ? agent : "");
	return APPLY_DONE;
fail:
	store_rollback(c->st);
	return -1;
}

/* The change lost its compare-and-set: another process moved the task; report, do not retry. */
static int
moved_on(struct advance_result *r)
{
	r->outcome = OUT_NOOP;
	r->passed = 0;
	r->enq_agent[0] = '\0';
	r->job_id = 0;
	str_copy(r->stage_after, sizeof(r->stage_after), r->stage_before);
	snprintf(r->reason, sizeof(r->reason), "%s moved on meanwhile; this evaluation was discarded",
	    r->work_item);
	return 0;
}

/* orch's own transitions: a person's stopping status is kept (tracker_display) */
static void
display(struct orch_ctx *c, struct tracker *tr, const struct task *t, const char *key, const char *comment)
{
	tracker_display(c, tr, t, key, comment, TRACKER_BY_ORCH);
}

static void
describe_rollback(
    struct buf *d, const struct task *t, const char *from, const char *gate, const struct gate_result *g)
{
	const struct stage *sd = stage_get(from);

	/* a stage that keeps its red (its own agent works it again) is retried, not rolled back */
	buf_addf(d, "%s: %s%s rolled back from %s by %s.\nReason: %s\n", t->work_item,
	    sd && !sd->rolls_back_to ? from : "work", sd && !sd->rolls_back_to ? " retried" : "", from, gate,
	    g->reason);
	if (g->findings.len)
		buf_addf(d, "\nMust-fix findings (verbatim):\n%s", buf_str(&g->findings));
	if (g->secret_on_branch)
		buf_addf(d,
		    "\nRotate the secret, rewrite the history of branch %s without it (see above), and "
		    "finish the stage.\n",
		    t->branch);
	else
		buf_addf(d, "\nFix these on branch %s, commit, and finish the stage.\n", t->branch);
}

/* What the next stage's agent (or person) must commit, from the gate table. */
static void
stage_description(const struct task *t, const char *stage, char *out, size_t n)
{
	char need[900];

	if (gate_describe_stage(stage, t->work_item, need, sizeof(need)) < 0)
		need[0] = '\0';
	snprintf(out, n, "%s: work the %s stage of \"%.300s\" on branch %s; the gate reads: %s", t->work_item,
	    stage, t->title, t->branch, need[0] ? need : "(no artifact)");
}

/* 1 the once-key was charged before (r says we wait for something new), 0 not yet, -1 error. */
static int
task_seen(struct orch_ctx *c, const char *key, struct advance_result *r)
{
	struct orch_err e = { 0 };
	struct store_stmt *s;
	int seen;

	if (store_prepare(c->st, &s, "SELECT 1 FROM notices WHERE key = ?1", &e) < 0)
		return fail(r, &e);
	store_bind_text(s, 1, key);
	seen = store_step(s) == STORE_ROW;
	store_finalize(s);
	if (!seen)
		return 0;
	r->outcome = OUT_WAITING;
	r->passed = 0;
	snprintf(r->reason + strlen(r->reason), sizeof(r->reason) - strlen(r->reason),
	    " (already acted on; waiting for a new commit)");
	return 1;
}

/* A new deploy of t: the last one's sentinels are history (and, on a shared store, its attempt noted). */
static void
deploy_begins(struct orch_ctx *c, const struct task *t)
{
	struct orch_err e = { 0 };

	deploy_reset(c, t);
	/* best effort: the next sync resets a state that is still empty */
	(void)deploy_local_sync(c, t, &e);
}

/*
 * A deploy hook started by an earlier run still runs (or another host's
 * deploy: why says so): wait for it, never judge it now.
 */
static int
hook_running(const struct task *t, const char *why, struct advance_result *r)
{
	r->outcome = OUT_WAITING;
	str_copy(r->stage_after, sizeof(r->stage_after), t->stage);
	snprintf(r->reason, sizeof(r->reason), "%s",
	    why[0] ? why
		   : "the deploy hook an earlier run started still runs; waiting for it to end (its result "
		     "is logged then)");
	return 0;
}

/*
 * auto_fix: the fix pipeline on the branch (fix.h), before anyone is
 * enqueued.  1 a fix validated and was committed (why says what), 0 not
 * (the developer gets the findings as usual), -1 a store failure in r.
 */
static int
try_auto_fix(struct orch_ctx *c, const struct project *p, const struct task *t, char *why, size_t wn,
    struct advance_result *r)
{
	struct fix_result fr;
	struct orch_err e = { 0 };
	int fixed = fix_auto(c, p, t, &fr, &e);

	if (fixed > 0)
		snprintf(why, wn, "%s", fr.reason);
	fix_result_free(&fr);
	return fixed < 0 ? fail(r, &e) : fixed;
}

/*
 * A red the gate holds for a person (a failed production deploy with
 * deploy_failure: hold): blocked at the stage, no retry charged, an alert
 * that says how to retry; nothing rolls back.
 */
static int
on_hold(struct orch_ctx *c, struct tracker *tr, struct task *t, const struct stage *sd,
    const struct gate_result *g, int dry_run, struct advance_result *r)
{
	struct orch_err e = { 0 };
	char msg[1400];
	int rc;

	r->outcome = OUT_BLOCKED;
	r->retry_count = t->retries;
	str_copy(r->stage_after, sizeof(r->stage_after), t->stage);
	if (dry_run)
		return 0;
	t->blocked = 1;
	snprintf(msg, sizeof(msg),
	    "%s held at %s: %s; fix the cause, then orch-deploy --retry %s (or Confirm Deploy) "
	    "deploys the same tested commit again",
	    t->work_item, t->stage, g->reason, t->work_item);
	struct change ch = { .event = "deploy_held", .level = "alert", .message = msg };
	if ((rc = apply(c, t, sd->name, &ch, r, &e)) < 0)
		return fail(r, &e);
	if (rc == APPLY_MOVED)
		return moved_on(r);
	display(c, tr, t, "blocked", msg);
	return 0;
}

/* A red past the retry cap: the task is blocked, the tracker says Blocked, one alert. */
static int
block_at_cap(struct orch_ctx *c, struct tracker *tr, struct task *t, const struct gate_result *g,
    const char *once, int dry_run, struct advance_result *r)
{
	struct orch_err e = { 0 };
	char msg[1400], from[24];
	int rc;

	r->outcome = OUT_BLOCKED;
	str_copy(r->stage_after, sizeof(r->stage_after), t->stage);
	if (dry_run)
		return 0;
	str_copy(from, sizeof(from), t->stage);
	t->blocked = 1;
	snprintf(msg, sizeof(msg),
	    "blocked at %s after %d retries (%s); fix it, then run orch-advance --unblock %s", t->stage,
	    t->retries, g->reason, t->work_item);
	struct change ch = {
		.event = "blocked", .level = "alert", .message = msg, .once_key = once[0] ? once : NULL
	};
	if ((rc = apply(c, t, from, &ch, r, &e)) < 0)
		return fail(r, &e);
	if (rc == APPLY_MOVED)
		return moved_on(r);
	display(c, tr, t, "blocked", msg);
	return 0;
}

static int
on_red(struct orch_ctx *c, struct tracker *tr, struct task *t, const struct stage *sd, const char *gate,
    const struct gate_result *g, int dry_run, struct advance_result *r)
{
	/* a gate may name its own target: review for code changed after review, the stage for a stale verdict
	 */
	const char *target = g->rollback_to ? g->rollback_to
	    : sd->rolls_back_to             ? sd->rolls_back_to
					    : sd->name;
	const char *agent = stage_get(target)->agent;
	const struct project *p = config_project(c->cfg, t->project);
	int manual = !stage_automated(p, t, sd->agent);
	struct orch_err e = { 0 };
	struct buf desc;
	char msg[1400], once[160] = "", fixed[600] = "";
	int rc;

	if (g->hold)
		return on_hold(c, tr, t, sd, g, dry_run, r);
	/*
	 * People work a manual stage at their pace and the gate reads it every
	 * tick: the same red evidence (artifact version, branch head) is
	 * charged once, then awaited until something new is committed.
	 */
	if (manual && g->evidence[0]) {
		snprintf(once, sizeof(once), "red:%s:%s:%s", t->work_item, sd->name, g->evidence);
		if (!dry_run && (rc = task_seen(c, once, r)) != 0)
			return rc < 0 ? rc : 0;
	}
	/* the red that blocks is no retry: the count stays at the cap, so status, alert and --json agree */
	r->retry_count = t->retries;
	if (t->retries + 1 > c->cfg->max_developer_retries)
		return block_at_cap(c, tr, t, g, once, dry_run, r);
	r->retry_count = ++t->retries;
	/* a vulnerable pin with a known fix: orch fixes it itself (auto_fix), then the fix is reviewed */
	if (!dry_run && sd->auto_fix && strcmp(gate, sd->auto_fix) == 0 && p && p->auto_fix &&
	    (rc = try_auto_fix(c, p, t, fixed, sizeof(fixed), r)) != 0) {
		if (rc < 0)
			return -1;
		target = stage_review()->name;
		agent = stage_review()->agent;
	}
	r->outcome = OUT_ROLLED_BACK;
	str_copy(r->stage_after, sizeof(r->stage_after), target);
	if (stage_automated(p, t, agent))
		str_copy(r->enq_agent, sizeof(r->enq_agent), agent);
	if (dry_run)
		return 0;
	buf_init(&desc, 64 * 1024);
	if (fixed[0])
		buf_addf(&desc,
		    "%s: orch fixed the dependency findings of the security gate itself: %s\nReview the "
		    "fix on branch %s (docs/work-items/%s/19-fix-report.md).\n",
		    t->work_item, fixed, t->branch, t->work_item);
	else
		describe_rollback(&desc, t, sd->name, gate, g);
	if (strcmp(target, sd->name) != 0)
		t->round++; /* a new round: the verdicts of the last one no longer bind */
	str_copy(t->stage, sizeof(t->stage), target);
	t->review_requested = 0;
	snprintf(msg, sizeof(msg), "%s -> %s (retry %d/%d): %s", sd->name, target, t->retries,
	    c->cfg->max_developer_retries, g->reason);
	/* a red production deploy is an operator's problem too (failed deploys alert), once: with its own
	 * alert or this */
	struct change ch = { .event = "rolled_back",
		.agent = agent,
		.job_stage = target,
		.description = buf_str(&desc),
		.level = sd->alerts_on_red && g->alert[0] == '\0' ? "alert" : "info",
		.message = msg,
		.alert = g->alert,
		.once_key = once[0] ? once : NULL };
	rc = apply(c, t, sd->name, &ch, r, &e);
	if (rc == APPLY_DONE)
		display(c, tr, t, stage_get(target)->display, buf_str(&desc));
	buf_free(&desc);
	if (rc < 0)
		return fail(r, &e);
	return rc == APPLY_MOVED ? moved_on(r) : 0;
}

/* The ask of Phase A (task_asks kind: the deploy stage's name), recorded with the pass: the tested commit. */
static void
ask_deploy(struct orch_ctx *c, const struct task *t, struct change *ch, char tested[41])
{
	if (task_tested_sha(c->st, t, tested, NULL) < 0) /* the transition's own write fails the same way */
		tested[0] = '\0';
	ch->ask_kind = stage_deploy()->name;
	ch->ask_evidence = tested;
}

/* 1 when the task row is still the version t was computed from, 0 when it moved (a cancel), -1 with e. */
static int
task_unchanged(struct orch_ctx *c, const struct task *t, struct orch_err *e)
{
	struct task now;

	if (task_get_id(c->st, t->id, &now, e) < 0)
		return -1;
	return now.version == t->version && now.stopped[0] == '\0';
}

/* Phase A (entering deploy of a self-deploying project): ask for Confirm Deploy, loudly.  0. */
static int
phase_a(struct orch_ctx *c, struct tracker *tr, struct task *t, struct advance_result *r)
{
	struct orch_err e = { 0 };
	char msg[600];

	snprintf(msg, sizeof(msg),
	    "%s is merged and ready for production: set the status to Confirm Deploy to "
	    "deploy to production",
	    t->work_item);
	/* a record for the operator (nothing reads it back): a failure is said, not fatal */
	if (deploy_mark(c, t, DEPLOY_APPROVE_REQUESTED, "\n", &e) < 0)
		snprintf(r->reason + strlen(r->reason), sizeof(r->reason) - strlen(r->reason), "; %s", e.msg);
	err_clear(&e);
	if (store_begin(c->st, &e) == 0 && notify_queue(c->st, "alert", t->work_item, msg, &e) == 0)
		store_commit(c->st, &e);
	else
		store_rollback(c->st);
	display(c, tr, t, "awaiting_deploy", msg);
	if (!c->cfg->deploy_require_manual_approve) /* no human: orch-deploy starts Phase B */
		snprintf(r->reason + strlen(r->reason), sizeof(r->reason) - strlen(r->reason),
		    "; production deploy starts at the next orch-deploy (deploy_require_manual_approve is "
		    "false)");
	return 0;
}

static int
on_pass(struct orch_ctx *c, struct tracker *tr, struct task *t, const struct project *p,
    const struct stage *sd, const struct gate_result *g, int dry_run, struct advance_result *r)
{
	const struct stage *next = stage_get(sd->next);
	int edge = sd->lands_on_main;
	const char *agent = next->agent;
	struct orch_err e = { 0 };
	char msg[1200], desc[1400], merged[600] = "", landed[ORCH_SHA_BUF];
	int rc;

	/* the deploy edge: what lands on main is exactly the tested commit */
	if (edge && !dry_run) {
		/* a person's stop (or any other change) committed while the merge gate ran: nothing lands */
		if ((rc = task_unchanged(c, t, &e)) <= 0)
			return rc < 0 ? fail(r, &e) : moved_on(r);
		if ((rc = merge_land(c, p, t, landed, &e)) < 0) {
			gate_error_alert(
			    c->st, t, "merge", e.msg); /* once per stay: the remote needs a person */
			return fail(r, &e);
		}
		if (rc == 0) {
			r->outcome = OUT_WAITING;
			snprintf(r->reason, sizeof(r->reason), "%s", e.msg);
			event_add(c->st, t->work_item, "push_refused", sd->name, sd->name, e.msg, NULL);
			return 0;
		}
		snprintf(merged, sizeof(merged), "merged %.12s into %s (%s, verified)", landed,
		    p->main_branch,
		    p->land_squash ? "squashed: the tested tree as one commit" : "fast-forward");
		if (p->self_deploy || p->deploy_hook)
			agent = NULL; /* Phase A waits for Confirm Deploy; a hook runs now */
	}
	r->outcome = OUT_ADVANCED;
	str_copy(r->stage_after, sizeof(r->stage_after), next->name);
	if (stage_automated(p, t, agent))
		str_copy(r->enq_agent, sizeof(r->enq_agent), agent);
	if (dry_run)
		return 0;
	str_copy(t->stage, sizeof(t->stage), next->name);
	t->review_requested = 0;
	snprintf(msg, sizeof(msg), "%s -> %s: %s%s%s", sd->name, next->name, g->reason, merged[0] ? "; " : "",
	    merged);
	stage_description(t, next->name, desc, sizeof(desc));
	struct change ch = { .event = "advanced",
		.agent = agent,
		.job_stage = next->name,
		.description = desc,
		.level = "info",
		.message = msg,
		.verdict = g->verdict.present ? &g->verdict : NULL,
		.alert = g->alert,
		.bind = g };
	char tested[41] = "";
	if (edge && p->self_deploy) /* Phase A asks for Confirm Deploy of exactly the tested commit */
		ask_deploy(c, t, &ch, tested);
	if (merged[0]) /* the event records what landed */
		snprintf(r->reason, sizeof(r->reason), "%s; %s", g->reason, merged);
	if ((rc = apply(c, t, sd->name, &ch, r, &e)) < 0)
		return fail(r, &e);
	if (rc == APPLY_MOVED)
		return moved_on(r);
	if (rc == APPLY_SEEN) {
		r->outcome = OUT_WAITING;
		r->enq_agent[0] = '\0';
		str_copy(r->stage_after, sizeof(r->stage_after), sd->name);
		snprintf(r->reason, sizeof(r->reason), "verdict already applied");
		return 0;
	}
	if (edge)
		deploy_begins(c, t);
	if (edge && p->self_deploy)
		return phase_a(c, tr, t, r);
	/* the post-deploy watch runs: the tracker says so until it ends in Done or Blocked */
	display(c, tr, t, next->monitors && deploy_marker(c, t, DEPLOY_WATCH) ? "monitoring" : next->display,
	    NULL);
	if (edge && p->deploy_hook) { /* a project without self_deploy: deploy now, then judge it */
		struct advance_result first = *r;
		if ((rc = deploy_run_hook(c, p, t, &e)) != 0)
			return rc < 0 ? fail(r, &e) : hook_running(t, e.msg, r);
		engine_advance(c, t->work_item, NULL, 0, r);
		str_copy(r->stage_before, sizeof(r->stage_before), first.stage_before);
	}
	return 0;
}

/*
 * The human gate is waiting: ask once (In Review + comment) per version of
 * the analysis, recording what was asked (the artifacts' blob ids) and,
 * once the tracker shows In Review, its updated_at: an Approved counts
 * only after that and only for those artifacts.
 */
static int
request_review(struct orch_ctx *c, struct tracker *tr, struct task *t, const struct gate_result *g,
    struct advance_result *r)
{
	struct orch_err e = { 0 };
	struct tracker_issue is;
	char msg[300];
	int rc;

	if (t->review_requested && !g->ask_needed)
		return 0;
	t->review_requested = 1;
	snprintf(msg, sizeof(msg),
	    "analysis of %s is ready for review: set the status to Approved or Rejected", t->work_item);
	struct change ch = { .event = "review_requested",
		.level = "info",
		.message = msg,
		.ask_kind = t->stage,
		.ask_evidence = g->ask };
	if ((rc = apply(c, t, t->stage, &ch, r, &e)) < 0)
		return fail(r, &e);
	if (rc == APPLY_MOVED)
		return moved_on(r);
	display(c, tr, t, "in_review", msg);
	/* the mark is a refinement of asked_at: without it (tracker down) orch's clock decides */
	if (tr->ops->get(tr, t->work_item, &is, &e) == 0 &&
	    task_ask_mark(c->st, t, t->stage, is.updated_at, &e) < 0)
		event_add(c->st, t->work_item, "tracker_error", t->stage, t->stage, e.msg, NULL);
	return 0;
}

static int
on_rejected(struct orch_ctx *c, struct tracker *tr, struct task *t, const struct gate_result *g, int dry_run,
    struct advance_result *r)
{
	struct orch_err e = { 0 };
	char desc[800];
	int rc;

	r->outcome = OUT_ROLLED_BACK;
	str_copy(r->stage_after, sizeof(r->stage_after), t->stage);
	str_copy(r->enq_agent, sizeof(r->enq_agent), stage_human()->agent);
	if (dry_run)
		return 0;
	t->review_requested = 0;
	snprintf(desc, sizeof(desc),
	    "%s: the analysis was rejected in the tracker; rework 01-04 on branch %s "
	    "(read the issue's comments for what to change)",
	    t->work_item, t->branch);
	struct change ch = { .event = "rejected",
		.agent = stage_human()->agent,
		.job_stage = stage_human()->name,
		.description = desc,
		.level = "info",
		.message = "analysis rejected: analyst re-enqueued",
		.verdict = &g->verdict };
	if ((rc = apply(c, t, t->stage, &ch, r, &e)) < 0)
		return fail(r, &e);
	if (rc == APPLY_MOVED)
		return moved_on(r);
	if (rc == APPLY_DONE) {
		display(c, tr, t, NULL, "rejection received: the analyst is reworking the analysis");
		return 0;
	}
	/* seen before: the rework is done (no analyst job active), ask again */
	r->outcome = OUT_WAITING;
	r->enq_agent[0] = '\0';
	snprintf(r->reason, sizeof(r->reason), "rejection already applied; waiting for a new verdict");
	return request_review(c, tr, t, g, r);
}

static int
finish_agent(struct orch_ctx *c, const struct task *t, const char *agent, struct advance_result *r)
{
	struct orch_err e = { 0 };
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

/* A task a deploy holds (deploy_hold_describe): 1 with what to do in why, 0 another block. */
static int
blocked_by_deploy(struct orch_ctx *c, const struct task *t, char *why, size_t n)
{
	const char *kind;

	return deploy_hold_describe(c, t, &kind, why, n);
}

/* What a person's stop means, for the item's reason. */
static void
stopped_reason(const struct task *t, char *out, size_t n)
{
	if (strcmp(t->stopped, TASK_STOP_CANCELLED) == 0)
		snprintf(out, n,
		    "cancelled at %s: nothing runs (terminal; the branch %s and its workspace are kept "
		    "until retention)",
		    t->stage, t->branch);
	else if (strcmp(t->stopped, TASK_STOP_DONE) == 0)
		snprintf(out, n, "set Done by a person at %s: stopped (terminal)", t->stage);
	else
		snprintf(out, n,
		    "blocked by a person at %s: held until orch-advance --unblock %s or the tracker's To "
		    "Analyse",
		    t->stage, t->work_item);
}

static void
dead_alert_text(const struct task *t, const struct job_last *j, char *msg, size_t n)
{
	snprintf(msg, n,
	    "the %s agent failed %d times: %s; %s is blocked at %s (no retry charged): fix the agent "
	    "(its command under agents: in orch.yaml, its credentials, its log under logs/jobs/), then "
	    "orch-advance "
	    "--unblock %s requeues the job",
	    j->agent, j->attempts, j->last_error[0] ? j->last_error : "its runner died (reaped)",
	    t->work_item, t->stage, t->work_item);
}

/*
 * The newest job of the stage's agent is dead: the agent cannot run, so no
 * gate is judged (it would charge the stage a retry for a missing artifact).
 * The item is blocked with the agent's last error, once; --unblock requeues
 * the job.  1 blocked (r says so), 0 no dead job, -1 error in r.
 */
static int
block_if_agent_dead(
    struct orch_ctx *c, struct task *t, const struct stage *sd, int dry_run, struct advance_result *r)
{
	struct orch_err e = { 0 };
	struct tracker tr;
	struct job_last j;
	char msg[1200];
	int rc;

	if (!stage_automated(config_project(c->cfg, t->project), t, sd->agent) ||
	    (rc = job_last(c->st, t->id, sd->name, &j, &e)) == 0)
		return 0;
	if (rc < 0)
		return fail(r, &e);
	if (strcmp(j.status, JOB_DEAD) != 0 || strcmp(j.agent, sd->agent) != 0)
		return 0;
	dead_alert_text(t, &j, msg, sizeof(msg));
	r->outcome = OUT_BLOCKED;
	str_copy(r->gate, sizeof(r->gate), "agent");
	str_copy(r->reason, sizeof(r->reason), msg);
	if (dry_run)
		return 1;
	store_snapshot_end(c->st);
	t->blocked = 1;
	/* the job's own alert (job_complete) said what to fix: the block is a notice */
	struct change ch = { .event = "blocked_agent_dead", .level = "info", .message = msg };
	if ((rc = apply(c, t, t->stage, &ch, r, &e)) < 0)
		return fail(r, &e);
	if (rc == APPLY_MOVED)
		return moved_on(r), 1;
	if (tracker_open(&tr, c, t->project, &e) == 0) {
		display(c, &tr, t, "blocked", msg);
		tracker_close(&tr);
	}
	return 1;
}

/* The task by work item, or by row id when wi is NULL (advance --all). */
static int
load(struct orch_ctx *c, const char *wi, int64_t id, struct task *t, const struct project **p,
    struct advance_result *r)
{
	struct orch_err e = { 0 };

	if (wi && !wi_valid(wi)) {
		err_set(&e, EX_USAGE, "work item '%s' is not " WI_FORM, wi);
		return fail(r, &e);
	}
	if ((wi ? task_get(c->st, wi, t, &e) : task_get_id(c->st, id, t, &e)) < 0)
		return fail(r, &e);
	str_copy(r->work_item, sizeof(r->work_item), t->work_item);
	str_copy(r->stage_before, sizeof(r->stage_before), t->stage);
	str_copy(r->stage_after, sizeof(r->stage_after), t->stage);
	r->retry_count = t->retries;
	if ((*p = config_project(c->cfg, t->project)) == NULL) {
		err_set(&e, EX_CONFIG,
		    "project '%s' of %s is not configured; add it under projects: in orch.yaml", t->project,
		    wi);
		return fail(r, &e);
	}
	return 0;
}

static int advance_claimed(struct orch_ctx *c, const struct project *p, const struct stage *sd,
    struct task *t, int dry_run, struct advance_result *r);

int
engine_claim(struct orch_ctx *c, struct task *t, struct advance_result *r)
{
	char holder[300] = "";
	struct orch_err e = { 0 };
	int claimed;

	if ((claimed = task_claim(c->st, t, task_claim_ttl(c->cfg), holder, sizeof(holder), &e)) < 0)
		return fail(r, &e);
	if (claimed == 0) {
		r->outcome = OUT_BUSY;
		snprintf(r->reason, sizeof(r->reason), "busy: %s is being worked by %s; skipped this tick",
		    t->work_item, holder);
		return 0;
	}
	/* the claim is ours: what we loaded may predate the last holder's change */
	if (task_get(c->st, t->work_item, t, &e) < 0) {
		if (claimed == 1)
			task_release(c->st, t);
		return fail(r, &e);
	}
	return claimed;
}

/* engine_advance of the task named by wi, or with row id when wi is NULL. */
static int
advance_task(struct orch_ctx *c, const char *wi, int64_t id, const char *agent_done, int dry_run,
    struct advance_result *r)
{
	const struct project *p;
	const struct stage *sd;
	struct orch_err e = { 0 };
	struct task t;
	int active, rc, claimed = 0;

	engine_result_init(r, wi ? wi : "", c->cfg->max_developer_retries);
	r->dry_run = dry_run;
	/* advance --all: the quiet majority is read under one snapshot (store.h 5) */
	if (!wi && store_snapshot_begin(c->st, &e) < 0)
		return fail(r, &e);
	if (load(c, wi, id, &t, &p, r) < 0)
		return -1;
	wi = t.work_item;
	if (agent_done && !dry_run && finish_agent(c, &t, agent_done, r) < 0)
		return -1;
	if (t.blocked) {
		r->outcome =
		    task_stopped_terminal(&t) ? OUT_NOOP : OUT_BLOCKED; /* a cancelled item: finished */
		if (t.stopped[0])
			stopped_reason(&t, r->reason, sizeof(r->reason));
		else if (!blocked_by_deploy(c, &t, r->reason, sizeof(r->reason)))
			snprintf(r->reason, sizeof(r->reason),
			    "blocked after %d retries; resume with orch-advance "
			    "--unblock %s",
			    t.retries, wi);
		return 0;
	}
	if ((sd = stage_get(t.stage)) == NULL) {
		err_set(&e, EX_DATAERR, "task %s is at unknown stage '%s'; fix the store or restart the item",
		    wi, t.stage);
		return fail(r, &e);
	}
	if (sd->next == NULL) {
		snprintf(r->reason, sizeof(r->reason), "%s", sd->name);
		return 0;
	}
	if ((active = job_active(c->st, t.id, sd->agent, &e)) < 0)
		return fail(r, &e);
	if (active > 0 && !(agent_done && dry_run && strcmp(agent_done, sd->agent) == 0)) {
		r->outcome = OUT_WAITING;
		snprintf(r->reason, sizeof(r->reason), "%s job queued or running", sd->agent);
		return 0;
	}
	/* the stage's agent could not run: that blocks the item, it is no red gate (no retry charged) */
	if (active == 0 && !agent_done && (rc = block_if_agent_dead(c, &t, sd, dry_run, r)) != 0)
		return rc < 0 ? -1 : 0;
	store_snapshot_end(c->st); /* what follows may take long (a gate): no read held across it */
	if (sd->claims && !dry_run) {
		if ((claimed = engine_claim(c, &t, r)) <= 0)
			return claimed;
		if (strcmp(t.stage, sd->name) != 0 || t.blocked) {
			if (claimed == 1)
				task_release(c->st, &t);
			return moved_on(r);
		}
	}
	rc = advance_claimed(c, p, sd, &t, dry_run, r);
	if (claimed == 1)
		task_release(c->st, &t);
	return rc;
}

int
engine_advance(
    struct orch_ctx *c, const char *wi, const char *agent_done, int dry_run, struct advance_result *r)
{
	return advance_task(c, wi, 0, agent_done, dry_run, r);
}

int
engine_advance_id(
    struct orch_ctx *c, int64_t id, const char *agent_done, int dry_run, struct advance_result *r)
{
	return advance_task(c, NULL, id, agent_done, dry_run, r);
}

/*
 * The worktree or the branch is gone (deleted under orch): no gate can ever
 * pass, so block once with the reason and an alert instead of failing every
 * tick.  1 blocked (or moved), 0 the workspace is there, -1 error.
 */
static int
block_if_workspace_gone(struct orch_ctx *c, struct tracker *tr, struct task *t, struct advance_result *r)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	struct orch_err e = { 0 };
	char ref[300], gitfile[4200], msg[1200];
	struct stat sb;
	int rc;

	snprintf(ref, sizeof(ref), "refs/heads/%s", t->branch);
	if (str_fmt(gitfile, sizeof(gitfile), "%s/.git", t->worktree) < 0)
		return 0;
	/* a shared store: this host's workspace is a cache, made from the branch (here or on the remote) */
	const struct project *p = config_project(c->cfg, t->project);
	if (c->cfg->store != NULL && p != NULL && lstat(t->worktree, &sb) < 0 &&
	    merge_workspace_ensure(c, p, t, &e) < 0) {
		/* not on the remote yet (its host pushes it at its next look): waiting, not blocked */
		r->outcome = OUT_WAITING;
		str_copy(r->reason, sizeof(r->reason), e.msg);
		return 1;
	}
	if (lstat(gitfile, &sb) == 0 && git_ref_exists(&repo, ref))
		return 0;
	snprintf(msg, sizeof(msg),
	    "%s blocked at %s: %s %s is missing; restore it (the workspace: git clone -b %s "
	    "%s %s) or restart the item, then orch-advance --unblock %s",
	    t->work_item, t->stage, lstat(gitfile, &sb) == 0 ? "branch" : "workspace",
	    lstat(gitfile, &sb) == 0 ? t->branch : t->worktree, t->branch, t->repo, t->worktree,
	    t->work_item);
	t->blocked = 1;
	r->outcome = OUT_BLOCKED;
	str_copy(r->reason, sizeof(r->reason), msg);
	struct change ch = { .event = "workspace_missing", .level = "alert", .message = msg };
	if ((rc = apply(c, t, t->stage, &ch, r, &e)) < 0)
		return fail(r, &e);
	if (rc == APPLY_MOVED)
		return moved_on(r), 1;
	display(c, tr, t, "blocked", msg);
	return 1;
}

/*
 * The workspace gate, then the stage's gates in order until one does not pass; g is the last one's result,
 * carrying an earlier sub-gate's alert, judged code and dependency audit.
 */
static void
run_gates(const struct gate_ctx *gc, const struct stage *sd, struct gate_result *g, struct advance_result *r)
{
	size_t i;

	str_copy(r->gate, sizeof(r->gate), "workspace");
	gate_workspace(gc, g); /* the workspace's commits become orch's branch, or the gate says why not */
	for (i = 0; g->outcome == GATE_PASS && sd->gates[i]; i++) {
		const struct gate_def *gd = gate_find(sd->gates[i]);
		char alert[sizeof(g->alert)];
		if (gd == NULL)
			BUG("stage names a gate missing from the registry");
		str_copy(alert, sizeof(alert), g->alert); /* an earlier sub-gate's warning stays loud */
		struct gate_result bound =
		    *g; /* and the code an earlier sub-gate judged is what the pass records */
		gate_result_free(g);
		gate_result_init(g);
		str_copy(g->alert, sizeof(g->alert), alert);
		g->bound = bound.bound;
		g->deps_audit = bound.deps_audit; /* and the audit's state, for the record */
		str_copy(g->deps_note, sizeof(g->deps_note), bound.deps_note);
		str_copy(g->judged_sha, sizeof(g->judged_sha), bound.judged_sha);
		str_copy(g->code_id, sizeof(g->code_id), bound.code_id);
		str_copy(r->gate, sizeof(r->gate), gd->name);
		gd->fn(gc, g);
		if (g->outcome != GATE_PASS)
			break;
	}
}

/* A self_deploy item whose deploy this host has not finalized: what it waits for.  0. */
static int
self_deploy_waits(struct orch_ctx *c, const struct task *t, struct advance_result *r)
{
	struct deploy_row d;
	struct orch_err e = { 0 };

	r->outcome = OUT_WAITING;
	if (!deploy_marker(c, t, DEPLOY_INITIATED) && c->cfg->store != NULL &&
	    deploy_row_current(c->st, t, &d, &e) == 1 && strcmp(d.host, c->st->host) != 0)
		snprintf(r->reason, sizeof(r->reason),
		    "the production deploy of %s (attempt %lld) %s on host %s; that host records it",
		    t->work_item, (long long)d.attempt, strcmp(d.status, "running") == 0 ? "runs" : "ended",
		    d.host);
	else
		snprintf(r->reason, sizeof(r->reason),
		    deploy_marker(c, t, DEPLOY_INITIATED)
			? "production deploy running; orch-deploy --finalize records its result"
			: "waiting for Confirm Deploy (tracker status, or orch-deploy --confirm %s)",
		    t->work_item);
	return 0;
}

/* The gates of t's stage, run by the holder of its claim (or a dry run). */
static int
advance_claimed(struct orch_ctx *c, const struct project *p, const struct stage *sd, struct task *t,
    int dry_run, struct advance_result *r)
{
	struct orch_err e = { 0 };
	struct gate_result g;
	struct tracker tr;
	int rc = 0;

	/* the run that merged died before (or while) deploying: a hook it started and that still runs is
	 * waited for */
	if (sd->deploys && !dry_run && deploy_local_sync(c, t, &e) < 0) /* another host's newer deploy */
		return fail(r, &e);
	if (sd->deploys && !p->self_deploy && p->deploy_hook && !dry_run &&
	    !deploy_marker(c, t, DEPLOY_FINALIZED) &&
	    /* the hook runs in this host's workspace: the branch as merged, made or brought up to date */
	    ((!deploy_marker(c, t, DEPLOY_INITIATED) && merge_workspace_current(c, p, t, &e) < 0) ||
		(rc = deploy_run_hook(c, p, t, &e)) != 0))
		return rc < 0 || e.code ? fail(r, &e) : hook_running(t, e.msg, r);
	if (sd->deploys && p->self_deploy && !deploy_marker(c, t, DEPLOY_FINALIZED))
		return self_deploy_waits(c, t, r);
	if (tracker_open(&tr, c, t->project, &e) < 0)
		return fail(r, &e);
	if (!dry_run && (rc = block_if_workspace_gone(c, &tr, t, r)) != 0) {
		tracker_close(&tr);
		return rc < 0 ? rc : 0;
	}
	gate_result_init(&g);
	struct gate_ctx gc = { .cfg = c->cfg,
		.project = p,
		.st = c->st,
		.tracker = &tr,
		.task = t,
		.dry_run = dry_run,
		.manual = !stage_automated(p, t, sd->agent) };
	run_gates(&gc, sd, &g, r);
	str_copy(r->reason, sizeof(r->reason), g.reason);
	r->passed = g.outcome == GATE_PASS;
	if (!dry_run && g.deps_audit &&
	    task_deps_audit(c->st, t->work_item, t->stage, g.deps_audit == 2, g.deps_note, &e) <
		0) /* a record for orch-status: said, not fatal */
		snprintf(r->reason + strlen(r->reason), sizeof(r->reason) - strlen(r->reason), "; %s", e.msg);
	switch (g.outcome) {
	case GATE_ERROR:
		r->outcome = OUT_WAITING;
		if (!dry_run) /* nothing changes; the operator hears it once */
			gate_error_alert(c->st, t, r->gate, g.reason);
		rc = fail(r, &g.err);
		break;
	case GATE_WAIT:
		r->outcome = OUT_WAITING;
		if (!dry_run && sd->human_gate && strcmp(r->gate, sd->human_gate) == 0)
			rc = request_review(c, &tr, t, &g, r); /* the human gate: ask once per analysis */
		break;
	case GATE_PASS: rc = on_pass(c, &tr, t, p, sd, &g, dry_run, r); break;
	case GATE_RED:
		if (g.verdict.present)
			rc = on_rejected(c, &tr, t, &g, dry_run, r);
		else
			rc = on_red(c, &tr, t, sd, r->gate, &g, dry_run, r);
		break;
	}
	gate_result_free(&g);
	tracker_close(&tr);
	if (sd->lands_on_main && !dry_run)
		merge_lease_release(c, t); /* the lease never outlives the run that took it */
	return rc;
}

/* 1 the task exists (r says so), 0 not yet, -1 error in r. */
static int
started_already(struct orch_ctx *c, const char *wi, struct task *t, struct advance_result *r)
{
	struct orch_err e = { 0 };

	if (task_get(c->st, wi, t, &e) == 0) {
		str_copy(r->stage_before, sizeof(r->stage_before), t->stage);
		str_copy(r->stage_after, sizeof(r->stage_after), t->stage);
		snprintf(r->reason, sizeof(r->reason), "already started (stage %s)", t->stage);
		return 1;
	}
	return e.code == EX_NOINPUT ? 0 : fail(r, &e);
}

static int start_claimed(struct orch_ctx *c, const char *wi, const char *project, const struct project *p,
    struct advance_result *r);

int
engine_start(struct orch_ctx *c, const char *wi, struct advance_result *r)
{
	char project[17], holder[300] = "";
	const struct project *p;
	struct orch_err e = { 0 };
	struct task t;
	int rc, claimed;

	engine_result_init(r, wi, c->cfg->max_developer_retries);
	/* until it starts, the item stays where it was: a noop or a busy skip says created -> created */
	str_copy(r->stage_before, sizeof(r->stage_before), stage_none);
	str_copy(r->stage_after, sizeof(r->stage_after), stage_none);
	if (wi_project(wi, project) < 0) {
		err_set(&e, EX_USAGE, "work item '%s' is not " WI_FORM, wi);
		return fail(r, &e);
	}
	if ((p = config_project(c->cfg, project)) == NULL) {
		err_set(&e, EX_NOINPUT, "project '%s' is not configured; add it under projects: in orch.yaml",
		    project);
		return fail(r, &e);
	}
	if ((rc = started_already(c, wi, &t, r)) != 0)
		return rc < 0 ? -1 : 0;
	/* one starter at a time: orch-poll and orch-reconcile seeing To Analyse at once start it once */
	memset(&t, 0, sizeof(t));
	str_copy(t.work_item, sizeof(t.work_item), wi);
	if ((claimed = task_claim(c->st, &t, task_claim_ttl(c->cfg), holder, sizeof(holder), &e)) < 0)
		return fail(r, &e);
	if (claimed == 0) {
		r->outcome = OUT_BUSY;
		snprintf(r->reason, sizeof(r->reason), "busy: %s is being started by %s; skipped this tick",
		    wi, holder);
		return 0;
	}
	if ((rc = started_already(c, wi, &t, r)) == 0)
		rc = start_claimed(c, wi, project, p, r);
	if (claimed == 1)
		task_release(c->st, &t);
	return rc < 0 ? -1 : 0;
}

/*
 * The item's branch, cut from main as the remote has it now (fetched
 * first when the project has a remote), and its workspace (a repository
 * of its own: lib/workspace.h) under <home>/worktrees/<project>/.  -1 with e.
 */
static int
start_worktree(struct orch_ctx *c, const char *wi, const char *project, const struct project *p,
    const char *title, char *branch, size_t bn, char *wt, size_t wn, struct orch_err *e)
{
	struct git g = { .dir = p->repo, .st = c->st };
	char start[512], parent[4200];

	if (wi_branch(wi, title, branch, bn) < 0 ||
	    str_fmt(wt, wn, "%s/worktrees/%s/%s", c->cfg->home, project, wi) < 0)
		return err_set(e, EX_USAGE, "names for %s are too long", wi);
	if (p->remote) {
		if (merge_remote_trusted(c, p, 1, e) < 0 || git_fetch(&g, p->remote, p->main_branch, e) < 0)
			return -1;
	}
	merge_main_ref(p, start, sizeof(start));
	if (!git_ref_exists(&g, start))
		return err_set(e, EX_NOINPUT, "'%s' not found in repo '%s'; check main_branch and remote",
		    start, p->repo);
	if (str_fmt(parent, sizeof(parent), "%s/worktrees/%s", c->cfg->home, project) < 0 ||
	    mkdir_p(parent, 0700) < 0)
		return err_set(e, EX_IOERR, "cannot create '%s'", parent);
	if (git_branch_create(&g, branch, start, e) < 0 || ws_create(c, p->repo, branch, wt, e) < 0)
		return -1;
	return 0;
}

/* Branch, worktree, task, analyst job: by the holder of the item's claim. */
static int
start_claimed(struct orch_ctx *c, const char *wi, const char *project, const struct project *p,
    struct advance_result *r)
{
	const struct stage *first = stage_first();
	char branch[256], wt[4200], desc[800], msg[600];
	struct tracker_issue is;
	struct tracker_state *states = NULL;
	const struct tracker_state *cur;
	struct orch_err e = { 0 };
	struct tracker tr;
	struct task t;
	size_t nstates = 0;
	int rc;

	if (tracker_open(&tr, c, project, &e) < 0)
		return fail(r, &e);
	if (tr.ops->get(&tr, wi, &is, &e) < 0 || tr.ops->states(&tr, project, &states, &nstates, &e) < 0)
		goto out;
	if ((cur = tracker_state_by_id(states, nstates, is.state_id)) && tracker_state_terminal(cur)) {
		snprintf(r->reason, sizeof(r->reason), "issue is %s (terminal): not started", cur->name);
		goto out;
	}
	if (start_worktree(c, wi, project, p, is.name, branch, sizeof(branch), wt, sizeof(wt), &e) < 0)
		goto out;
	memset(&t, 0, sizeof(t));
	str_copy(t.project, sizeof(t.project), project);
	str_copy(t.work_item, sizeof(t.work_item), wi);
	str_copy(t.issue_id, sizeof(t.issue_id), is.id);
	str_copy(t.title, sizeof(t.title), is.name);
	str_copy(t.repo, sizeof(t.repo), p->repo);
	str_copy(t.branch, sizeof(t.branch), branch);
	str_copy(t.worktree, sizeof(t.worktree), wt);
	str_copy(t.stage, sizeof(t.stage), first->name);
	stage_description(&t, first->name, desc, sizeof(desc));
	if (stage_automated(p, NULL, first->agent))
		snprintf(msg, sizeof(msg), "started on %s: %s enqueued", branch, first->agent);
	else
		snprintf(msg, sizeof(msg), "started on %s: %s is a manual stage (no %s command)", branch,
		    first->name, first->agent);
	snprintf(r->reason, sizeof(r->reason), "started on branch %s", branch);
	/*
	 * On the remote before the job exists: a runner on another host makes its workspace from it
	 * (docs/multi-host.md).  Best effort: the next look at the item pushes it again.
	 */
	if (merge_branch_exchange(c, p, &t, 1, &e) < 0) {
		fprintf(stderr, "%s: warning: branch %s not pushed yet: %s\n", wi, branch, e.msg);
		err_clear(&e);
	}
	if (store_begin(c->st, &e) < 0)
		goto out;
	if (task_insert(c->st, &t, &e) < 0 ||
	    (stage_automated(p, NULL, first->agent) &&
		job_enqueue(c->st, t.id, first->agent, first->name, desc, &r->job_id, &e) < 0) ||
	    event_add(c->st, wi, "started", stage_none, first->name, r->reason, &e) < 0 ||
	    notify_queue(c->st, "info", wi, msg, &e) < 0) {
		store_rollback(c->st);
		goto out;
	}
	if (store_commit(c->st, &e) < 0)
		goto out;
	r->outcome = OUT_ADVANCED;
	r->passed = 1;
	str_copy(r->stage_after, sizeof(r->stage_after), first->name);
	if (stage_automated(p, NULL, first->agent))
		str_copy(r->enq_agent, sizeof(r->enq_agent), first->agent);
	display(c, &tr, &t, first->display, NULL);
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
	const struct stage *sd;
	struct orch_err e = { 0 };
	struct tracker tr;
	struct task t;
	char msg[300];
	int rc;

	engine_result_init(r, wi, c->cfg->max_developer_retries);
	if (load(c, wi, 0, &t, &p, r) < 0)
		return -1;
	if (!t.blocked) {
		snprintf(r->reason, sizeof(r->reason), "not blocked");
		return 0;
	}
	if (task_stopped_terminal(&t)) {
		snprintf(r->reason, sizeof(r->reason),
		    "%s was %s by a person (terminal): --unblock does not restart it; "
		    "open a new issue for new work",
		    wi, strcmp(t.stopped, TASK_STOP_DONE) == 0 ? "set Done" : "cancelled");
		r->refused = 1;
		r->outcome = OUT_BLOCKED; /* a plain no: exit 1 */
		return 0;
	}
	if (blocked_by_deploy(c, &t, r->reason, sizeof(r->reason))) {
		r->refused =
		    1; /* a deploy holds it: orch-deploy --retry or --accept closes it, not --unblock */
		return 0;
	}
	sd = stage_get(t.stage);
	t.blocked = 0;
	t.retries = 0;
	t.stopped[0] = '\0';
	r->retry_count = 0;
	snprintf(r->reason, sizeof(r->reason), "unblocked by an operator; retry count reset");
	snprintf(msg, sizeof(msg), "unblocked at %s; retry count reset", t.stage);
	struct job_stage_history h = { 0 };
	struct job_last dead;
	/* a dead job blocked it: the same job is asked again (its description), not a new round of findings
	 */
	int requeue = sd && job_last(c->st, t.id, t.stage, &dead, &e) == 1 &&
	    strcmp(dead.status, JOB_DEAD) == 0 &&
	    job_stage_history(c->st, t.id, t.stage, dead.id, &h, &e) == 0 && h.description &&
	    h.description[0];
	err_clear(&e);
	struct change ch = { .event = "unblocked",
		.agent = sd ? sd->agent : NULL,
		.job_stage = t.stage,
		.description = requeue
		    ? h.description
		    : "resumed by an operator after a block: read the earlier findings and fix them",
		.level = "info",
		.message = msg };
	rc = apply(c, &t, t.stage, &ch, r, &e);
	job_stage_history_free(&h);
	if (rc < 0)
		return fail(r, &e);
	if (rc == APPLY_MOVED)
		return moved_on(r);
	r->outcome = OUT_ADVANCED;
	r->passed = 1;
	if (tracker_open(&tr, c, t.project, &e) == 0) {
		tracker_display(c, &tr, &t, sd ? sd->display : NULL, msg, TRACKER_BY_PERSON);
		tracker_close(&tr);
	}
	return 0;
}

/*
 * To Analyse on a finished item (done, cancelled, or set Done by a person):
 * orch does not restart it.  Once per verdict key: one comment that says to
 * open a new issue, and the status set back to what it was.  0 / -1.
 */
static int
resume_finished(struct orch_ctx *c, struct task *t, const struct gate_verdict *key, struct advance_result *r)
{
	const char *back = strcmp(t->stopped, TASK_STOP_CANCELLED) == 0 ? "cancelled"
	    : t->blocked && !task_stopped_terminal(t)                   ? "blocked"
									: "done";
	struct orch_err e = { 0 };
	struct tracker tr;
	char msg[600];
	int rc;

	snprintf(msg, sizeof(msg),
	    "%s is %s: To Analyse does not restart a finished item; open a new issue for new "
	    "work (its status is set back to %s)",
	    t->work_item, strcmp(back, "cancelled") == 0 ? "cancelled" : "done", tracker_name_for_key(back));
	str_copy(r->reason, sizeof(r->reason), msg);
	struct change ch = { .event = "resume_refused", .verdict = key };
	if ((rc = apply(c, t, t->stage, &ch, r, &e)) < 0)
		return fail(r, &e);
	if (rc == APPLY_MOVED)
		return moved_on(r);
	if (rc == APPLY_SEEN) {
		snprintf(r->reason, sizeof(r->reason), "To Analyse on a finished item already answered");
		return 0;
	}
	r->refused = 1;
	if (tracker_open(&tr, c, t->project, &e) == 0) {
		tracker_display(c, &tr, t, back, msg, TRACKER_BY_PERSON);
		tracker_close(&tr);
	}
	return 0;
}

int
engine_set_manual(struct orch_ctx *c, const char *wi, int on, const char *source, struct advance_result *r)
{
	const struct project *p;
	const struct stage *sd;
	struct orch_err e = { 0 };
	struct tracker tr;
	struct task t;
	char msg[400];
	int rc;

	engine_result_init(r, wi, c->cfg->max_developer_retries);
	if (load(c, wi, 0, &t, &p, r) < 0)
		return -1;
	if (t.manual == !!on) {
		snprintf(r->reason, sizeof(r->reason), "already %s", on ? "manual" : "automated");
		return 0;
	}
	sd = stage_get(t.stage);
	t.manual = !!on;
	snprintf(msg, sizeof(msg), "%s: %s (%s)", wi,
	    on ? "every stage is worked by people from now on; queued agent "
		 "jobs are cancelled"
	       : "automated again: the agents work its stages",
	    source);
	snprintf(r->reason, sizeof(r->reason), "%s", msg);
	/* back to automated: the stage's agent takes it up (apply enqueues only when the agent has a command)
	 */
	struct change ch = { .event = on ? "manual_on" : "manual_off",
		.level = "info",
		.message = msg,
		.agent = !on && sd && sd->next && !t.blocked ? sd->agent : NULL,
		.job_stage = t.stage,
		.description = "the item is automated again: work this stage",
		.finish_agent = on && sd ? sd->agent : NULL };
	if ((rc = apply(c, &t, t.stage, &ch, r, &e)) < 0)
		return fail(r, &e);
	if (rc == APPLY_MOVED)
		return moved_on(r);
	r->outcome = OUT_ADVANCED;
	if (tracker_open(&tr, c, t.project, &e) == 0) {
		display(c, &tr, &t, NULL, msg);
		tracker_close(&tr);
	}
	return 0;
}

int
engine_resume(struct orch_ctx *c, const char *wi, const struct gate_verdict *key, struct advance_result *r)
{
	const struct project *p;
	const struct stage *sd;
	struct orch_err e = { 0 };
	struct tracker tr;
	struct task t;
	char msg[300];
	int active, rc, was_blocked;

	engine_result_init(r, wi, c->cfg->max_developer_retries);
	if (load(c, wi, 0, &t, &p, r) < 0)
		return -1;
	sd = stage_get(t.stage);
	if (sd == NULL) {
		snprintf(
		    r->reason, sizeof(r->reason), "task is at unknown stage %s: nothing to resume", t.stage);
		return 0;
	}
	if (sd->next == NULL || task_stopped_terminal(&t))
		return resume_finished(c, &t, key, r);
	if ((active = job_active(c->st, t.id, sd->agent, &e)) < 0)
		return fail(r, &e);
	was_blocked = t.blocked;
	t.blocked = 0;
	t.stopped[0] = '\0';
	if (was_blocked)
		t.retries = 0;
	r->retry_count = t.retries;
	snprintf(r->reason, sizeof(r->reason), "resumed from the tracker (To Analyse)%s%s",
	    was_blocked ? "; unblocked, retry count reset" : "", active ? "; agent already at work" : "");
	snprintf(
	    msg, sizeof(msg), "resumed at %s from the tracker%s", t.stage, was_blocked ? " (unblocked)" : "");
	struct change ch = { .event = "resumed",
		.agent = active ? NULL : sd->agent,
		.job_stage = t.stage,
		.description = "resumed by an operator (tracker To Analyse): continue the stage's work",
		.level = "info",
		.message = msg,
		.verdict = key };
	if ((rc = apply(c, &t, t.stage, &ch, r, &e)) < 0)
		return fail(r, &e);
	if (rc == APPLY_MOVED)
		return moved_on(r);
	if (rc == APPLY_SEEN) {
		snprintf(r->reason, sizeof(r->reason), "resume already applied");
		return 0;
	}
	r->outcome = OUT_ADVANCED;
	r->passed = 1;
	if (tracker_open(&tr, c, t.project, &e) == 0) {
		tracker_display(c, &tr, &t, sd->display, NULL, TRACKER_BY_PERSON);
		tracker_close(&tr);
	}
	return 0;
}

int
engine_claim_verdict(struct orch_ctx *c, const char *wi, const struct gate_verdict *key, const char *event,
    const char *why, struct advance_result *r)
{
	const struct project *p;
	struct orch_err e = { 0 };
	struct task t;
	int rc;

	engine_result_init(r, wi, c->cfg->max_developer_retries);
	if (load(c, wi, 0, &t, &p, r) < 0)
		return -1;
	snprintf(r->reason, sizeof(r->reason), "%s (stage %s)", why, t.stage);
	struct change ch = { .event = event, .verdict = key };
	if ((rc = apply(c, &t, t.stage, &ch, r, &e)) < 0)
		return fail(r, &e);
	if (rc == APPLY_MOVED) {
		moved_on(r); /* the verdict stays unclaimed: the next poll sees it again */
		return 2;
	}
	return rc;
}

int
engine_note_verdict(struct orch_ctx *c, const char *wi, const struct gate_verdict *key, const char *why,
    struct advance_result *r)
{
	int rc = engine_claim_verdict(c, wi, key, "verdict_ignored", why, r);

	return rc == 2 ? 0 : rc;
}

int
engine_stage_manual(const struct config *cfg, const char *project, const char *stage)
{
	const struct stage *sd = stage_get(stage);

	return sd && sd->agent && !stage_automated(config_project(cfg, project), NULL, sd->agent);
}

/* --explain of a task a deploy holds: what happened and the choices.  1 written, 0 not such a task. */
static int
explain_held(struct orch_ctx *c, const struct task *t, struct buf *out)
{
	const char *kind;
	char why[1024];

	if (!deploy_hold_describe(c, t, &kind, why, sizeof(why)))
		return 0;
	buf_addf(out, "%s is %s, blocked (%s):\n  %s\n", t->work_item, t->stage, kind, why);
	if (strcmp(kind, "degraded") == 0)
		buf_addf(out,
		    "  main still holds the change production rolled back from (the branch %s, merged)\n"
		    "  choices: orch-deploy --accept %s (production was fixed otherwise), or orch-deploy "
		    "--revert %s "
		    "(a new work item reverts the item's merged commits on main)\n",
		    t->branch, t->work_item, t->work_item);
	else
		buf_addf(out, "  choices: orch-deploy --retry %s (same tested commit; no retry is charged)\n",
		    t->work_item);
	return 1;
}

int
engine_explain(struct orch_ctx *c, const char *wi, struct buf *out, struct orch_err *e)
{
	const struct project *p;
	const struct stage *sd;
	struct advance_result r;
	struct tracker tr;
	struct task t;
	int rc;

	engine_result_init(&r, wi, c->cfg->max_developer_retries);
	if (load(c, wi, 0, &t, &p, &r) < 0) {
		*e = r.err;
		return -1;
	}
	if (explain_held(c, &t, out))
		return buf_failed(out) ? err_set(e, EX_SOFTWARE, "the explanation of %s is over its cap", wi)
				       : 0;
	if ((sd = stage_get(t.stage)) == NULL || sd->next == NULL)
		return buf_printf(out, "%s is %s: no gate to pass\n", wi, t.stage) < 0 ? -1 : 0;
	if (tracker_open(&tr, c, t.project, e) < 0)
		return -1;
	struct gate_ctx gc = { .cfg = c->cfg,
		.project = p,
		.st = c->st,
		.tracker = &tr,
		.task = &t,
		.dry_run = 1,
		.manual = !stage_automated(p, &t, sd->agent) };
	struct gate_result g;
	gate_result_init(&g);
	gate_workspace(&gc, &g); /* explain what the workspace has committed, as the next tick would see it */
	if (g.outcome != GATE_PASS)
		buf_addf(out, "%s: workspace: %s\n", wi, g.reason);
	gate_result_free(&g);
	rc = gate_explain(&gc, t.stage, out);
	if (p->remote) /* where people work: their own clone, or the workspace on this host */
		buf_addf(out, "  work on branch %s of remote '%s' (git fetch %s %s) or in the workspace %s\n",
		    t.branch, p->remote, p->remote, t.branch, t.worktree);
	else
		buf_addf(out, "  work in the workspace %s (branch %s)\n", t.worktree, t.branch);
	if (t.blocked)
		buf_addf(
		    out, "  blocked after %d retries: orch-advance --unblock %s resumes it\n", t.retries, wi);
	tracker_close(&tr);
	if (rc == 0 && buf_failed(out))
		return err_set(e, EX_SOFTWARE,
		    "the explanation of %s is over its %zu-byte cap; report this as a bug", wi, out->max);
	return rc;
}

/* The task's job at its stage, if one is not done: 1 described in *w, 0 none, -1 error. */
static int
wait_job(struct store *st, const struct task *t, struct engine_wait *w, struct orch_err *e)
{
	struct job_view j;
	int rc;

	if ((rc = job_latest(st, t->id, t->stage, &j, e)) <= 0)
		return rc;
	if (strcmp(j.status, "running") == 0) {
		w->kind = "job";
		snprintf(w->detail, sizeof(w->detail), "%s job %lld running (attempt %d, pid %ld)", j.agent,
		    (long long)j.id, j.attempts, j.pid);
	} else if (strcmp(j.status, "queued") == 0 && j.available_at > time_now_us() / 1000000) {
		w->kind = "backoff";
		w->next_attempt = j.available_at;
		snprintf(w->detail, sizeof(w->detail),
		    "%s job %lld failed %d time%s: next attempt after its backoff", j.agent, (long long)j.id,
		    j.attempts, j.attempts == 1 ? "" : "s");
	} else if (strcmp(j.status, "queued") == 0) {
		w->kind = "job";
		snprintf(w->detail, sizeof(w->detail), "%s job %lld queued for orch-work", j.agent,
		    (long long)j.id);
	} else {
		w->kind = "dead_job";
		snprintf(w->detail, sizeof(w->detail),
		    "%s job %lld %s after %d attempts: fix the agent, then "
		    "orch-advance --unblock %s requeues it",
		    j.agent, (long long)j.id, j.status, j.attempts, t->work_item);
	}
	return 1;
}

/*
 * The deploy stage of a self-deploying project between its phases: 1
 * described, 0 not there.  A view: any host's states count (the deploying
 * host is named when it is another).
 */
static int
wait_deploy(struct orch_ctx *c, const struct project *p, const struct task *t, struct engine_wait *w)
{
	const struct stage *sd = stage_get(t->stage);
	char host[256], fin[256];

	if (!sd || !sd->deploys || !p || !p->self_deploy ||
	    !deploy_marker_any(c, t, DEPLOY_APPROVE_REQUESTED, host, sizeof(host)))
		return 0;
	if (deploy_marker_any(c, t, DEPLOY_INITIATED, host, sizeof(host))) {
		int other = strcmp(host, c->st->host) != 0;
		w->kind = "deploy";
		snprintf(w->detail, sizeof(w->detail), "production deploy %s%s%s: orch-deploy finalizes it",
		    deploy_marker_any(c, t, DEPLOY_FINALIZED, fin, sizeof(fin))
			? "finalized, the merge gate next"
			: "under way",
		    other ? " on host " : "", other ? host : "");
	} else if (c->cfg->deploy_require_manual_approve) {
		w->kind = "verdict";
		snprintf(w->detail, sizeof(w->detail), "a human verdict: tracker status Confirm Deploy");
	} else {
		w->kind = "deploy";
		snprintf(w->detail, sizeof(w->detail),
		    "the next orch-deploy starts the production deploy "
		    "(deploy_require_manual_approve is false)");
	}
	return 1;
}

int
engine_waits_for(const struct config *cfg, struct store *st, const struct task *t, int read_branch,
    struct engine_wait *w, struct orch_err *e)
{
	const struct project *p = config_project(cfg, t->project);
	const struct stage *sd = stage_get(t->stage);
	struct orch_ctx vc = { .cfg = cfg, .st = st }; /* the deploy state's reads need both */
	int rc, manual;

	memset(w, 0, sizeof(*w));
	w->kind = "";
	if (t->blocked && deploy_hold_describe(&vc, t, &w->kind, w->detail, sizeof(w->detail)))
		return 0;
	if (t->stopped[0]) {
		w->kind = task_stopped_terminal(t) ? "" : "blocked"; /* cancelled: it waits for nothing */
		stopped_reason(t, w->detail, sizeof(w->detail));
		return 0;
	}
	if (t->blocked) {
		w->kind = "blocked";
		snprintf(w->detail, sizeof(w->detail),
		    "blocked after %d retries: orch-advance --unblock %s resumes it", t->retries,
		    t->work_item);
		return 0;
	}
	if (sd == NULL || sd->next == NULL || (rc = wait_job(st, t, w, e)) > 0 || wait_deploy(&vc, p, t, w))
		return 0;
	if (rc < 0)
		return -1;
	manual = !stage_automated(p, t, sd->agent);
	if (!read_branch) {
		w->kind = manual ? "manual" : "gate";
		snprintf(w->detail, sizeof(w->detail),
		    "%s stage; branch not examined (status lists many tasks): "
		    "orch-advance --explain %s",
		    manual ? "manual" : "automated", t->work_item);
		return 0;
	}
	struct gate_ctx gc = {
		.cfg = cfg, .project = p, .st = st, .task = t, .dry_run = 1, .manual = manual
	};
	struct gate_result g;
	char line[600];
	gate_result_init(&g);
	gate_workspace(&gc, &g); /* what the workspace committed is what the next tick judges */
	gate_result_free(&g);
	rc = gate_pending(&gc, t->stage, line, sizeof(line));
	w->kind = rc < 0     ? "error"
	    : rc > 0         ? (manual ? "manual" : "artifact")
	    : sd->human_gate ? "verdict"
			     : "gate"; /* everything is in: the tracker verdict is what is awaited */
	if (rc != 0)
		snprintf(w->detail, sizeof(w->detail), "%s%s",
		    manual && rc > 0 ? "people work this stage: " : "", line);
	else if (sd->human_gate)
		snprintf(
		    w->detail, sizeof(w->detail), "a human verdict: tracker status Approved (or Rejected)");
	else
		snprintf(w->detail, sizeof(w->detail),
		    "the artifacts are in: the next orch-advance runs the gate");
	return 1;
}

/* Single item: its own exit code.  Several (--all): 0 unless one errored. */
int
engine_result_combine(int rc, const struct advance_result *r, int many)
{
	int x = engine_result_exit(r);

	if (many)
		x = r->err.code ? r->err.code : 0;
	if (x >= 64 || rc >= 64)
		return x > rc ? x : rc;
	if (x == EX_NO || rc == EX_NO)
		return EX_NO;
	return x > rc ? x : rc;
}

/* What a stop says, once (event, notice, tracker comment). */
static void
stop_message(const struct orch_ctx *c, const struct task *t, const char *how, const char *who,
    const char *reason, const char *running, char *msg, size_t n)
{
	const struct stage *sd = stage_get(t->stage);
	int merged = sd && sd->deploys; /* the deploy stage is reached by merging */
	size_t l;

	if (strcmp(how, TASK_STOP_CANCELLED) == 0)
		snprintf(msg, n,
		    "%s cancelled at %s (%s): no gate, merge or deploy runs for it any more; the branch %s "
		    "and its workspace are kept until the clean-up's retention",
		    t->work_item, t->stage, who, t->branch);
	else if (strcmp(how, TASK_STOP_DONE) == 0)
		snprintf(msg, n, "%s set Done by a person at %s: stopped; %s", t->work_item, t->stage,
		    merged ? "it was merged to main but never deployed to production"
			   : "nothing was merged to main (the branch "
			     "is kept until retention)");
	else
		snprintf(msg, n,
		    "%s blocked by a person at %s: held; orch-advance --unblock %s (or the tracker's To "
		    "Analyse) resumes it",
		    t->work_item, t->stage, t->work_item);
	l = strlen(msg);
	if (reason && *reason && l < n)
		l += (size_t)snprintf(msg + l, n - l, "; reason: %.300s", reason);
	if (running[0] && l < n)
		snprintf(msg + l, n - l, "; %s", running);
	(void)c;
}

/* After the stop's commit: the agents of the cancelled jobs and the claim's child (not a deploy hook). */
static void
stop_processes(struct orch_ctx *c, const struct task *t, const struct stop_jobs *sj)
{
	struct orch_err e = { 0 };
	char what[300];
	int i;

	for (i = 0; i < sj->n; i++) {
		proc_kill_group(sj->pgid[i]);
		snprintf(what, sizeof(what), "stopped the agent (process group %ld) of a cancelled job",
		    sj->pgid[i]);
		event_add(c->st, t->work_item, "agent_stopped", t->stage, t->stage, what, NULL);
	}
	if (task_claim_stop_child(c->st, t, what, sizeof(what), &e) == 1)
		event_add(c->st, t->work_item, "child_stopped", t->stage, t->stage, what, NULL);
}

/* 1 when a production deploy of t already runs (started, no result recorded yet): it is never killed. */
static int
deploy_running(struct orch_ctx *c, const struct task *t, char *why, size_t n)
{
	const struct stage *sd = stage_get(t->stage);
	char host[256], fin[256];

	why[0] = '\0';
	/* any host's deploy: the notice says what happens, wherever the hook runs */
	if (!sd || !sd->deploys || !deploy_marker_any(c, t, DEPLOY_INITIATED, host, sizeof(host)) ||
	    deploy_marker_any(c, t, DEPLOY_FINALIZED, fin, sizeof(fin)))
		return 0;
	snprintf(why, n,
	    "its production deploy already runs: it is not stopped; the stop applies after it (its "
	    "result is recorded when it ends, nothing more is deployed)");
	return 1;
}

/* One attempt of engine_stop on t as loaded: APPLY_* or -1. */
static int
stop_once(struct orch_ctx *c, struct task *t, const char *how, const char *reason,
    const struct gate_verdict *key, struct advance_result *r)
{
	struct orch_err e = { 0 };
	struct stop_jobs sj = { 0 };
	struct tracker tr;
	char msg[1400], running[300];
	int rc;

	deploy_running(c, t, running, sizeof(running));
	stop_message(c, t, how, key ? "by a person in the tracker" : "orch-advance --cancel", reason, running,
	    msg, sizeof(msg));
	str_copy(r->reason, sizeof(r->reason), msg);
	t->blocked = 1;
	str_copy(t->stopped, sizeof(t->stopped), how);
	struct change ch = { .event = strcmp(how, TASK_STOP_CANCELLED) == 0 ? "cancelled"
		    : strcmp(how, TASK_STOP_DONE) == 0                      ? "stopped_done"
									    : "stopped_blocked",
		.verdict = key,
		.level = "info",
		.message = msg,
		.cancel = &sj };
	if ((rc = apply(c, t, t->stage, &ch, r, &e)) != APPLY_DONE)
		return rc < 0 ? fail(r, &e) : rc;
	stop_processes(c, t, &sj);
	r->outcome = OUT_BLOCKED;
	if (tracker_open(&tr, c, t->project, &e) == 0) {
		/* the person's own status stays; the command sets Cancelled itself */
		tracker_display(c, &tr, t, key ? NULL : "cancelled", msg, TRACKER_BY_PERSON);
		tracker_close(&tr);
	}
	return APPLY_DONE;
}

int
engine_stop(struct orch_ctx *c, const char *wi, const char *how, const char *reason,
    const struct gate_verdict *key, struct advance_result *r)
{
	const struct project *p;
	struct task t;
	int rc = APPLY_MOVED, tries;

	engine_result_init(r, wi, c->cfg->max_developer_retries);
	/* a transition committed meanwhile (an agent finished, a gate passed): stop the task as it is now */
	for (tries = 0; rc == APPLY_MOVED && tries < 5; tries++) {
		if (load(c, wi, 0, &t, &p, r) < 0)
			return -1;
		if (stage_is_last(t.stage) || task_stopped_terminal(&t) ||
		    (strcmp(how, TASK_STOP_BLOCKED) == 0 && t.blocked)) {
			snprintf(r->reason, sizeof(r->reason), "%s is %s%s: nothing to stop", wi,
			    t.stopped[0] ? t.stopped : t.stage,
			    t.blocked && !t.stopped[0] ? " (blocked)" : "");
			r->refused = key == NULL;
			return 0;
		}
		if ((rc = stop_once(c, &t, how, reason, key, r)) < 0)
			return -1;
	}
	if (rc == APPLY_SEEN)
		snprintf(r->reason, sizeof(r->reason), "this tracker status was applied before");
	else if (rc == APPLY_MOVED)
		return moved_on(r);
	return 0;
}
