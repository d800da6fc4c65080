#include "poll.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "deploy.h"
#include "http.h"
#include "gate.h"
#include "store.h"
#include "stages.h"
#include "task.h"
#include "tracker.h"
#include "util.h"

static void
key_of(const struct tracker_issue *is, const char *verdict, struct gate_verdict *k)
{
	memset(k, 0, sizeof(*k));
	k->present = 1;
	str_copy(k->verdict, sizeof(k->verdict), verdict);
	str_copy(k->issue_id, sizeof(k->issue_id), is->id);
	str_copy(k->state_id, sizeof(k->state_id), is->state_id);
	str_copy(k->updated_at, sizeof(k->updated_at), is->updated_at);
}

/* The stop a person's tracker status means (engine_stop), or NULL. */
static const char *
stop_kind(const char *key)
{
	if (strcmp(key, "cancelled") == 0)
		return TASK_STOP_CANCELLED;
	if (strcmp(key, "done") == 0)
		return TASK_STOP_DONE;
	if (strcmp(key, "blocked") == 0)
		return TASK_STOP_BLOCKED;
	return NULL;
}

/*
 * The logical key poll acts on for state s, or NULL: the actionable
 * statuses, and the ones a person stops an item with (a state of Plane's
 * cancelled or completed group is Cancelled or Done whatever its name).
 */
static const char *
poll_key(const struct tracker_state *s)
{
	static const char *const act[] = { "to_analyse", "approved", "rejected", "confirm_deploy",
		"cancelled", "done", "blocked", NULL };
	size_t i;

	if (strcmp(s->group, "cancelled") == 0)
		return "cancelled";
	if (strcmp(s->group, "completed") == 0)
		return "done";
	for (i = 0; s->key && act[i]; i++)
		if (strcmp(s->key, act[i]) == 0)
			return act[i];
	return NULL;
}

int
poll_apply_issue(
    struct orch_ctx *c, const struct tracker_issue *is, const char *key, struct advance_result *r)
{
	const char *how;
	struct gate_verdict k;
	struct orch_err e = { 0 };
	struct task t;
	int have;

	/* every path, including "nothing to do", leaves *r defined */
	memset(r, 0, sizeof(*r));
	str_copy(r->work_item, sizeof(r->work_item), is->work_item);
	r->outcome = OUT_NOOP;
	memset(&t, 0, sizeof(t));
	have = task_get(c->st, is->work_item, &t, &e) == 0;
	if (!have && e.code != EX_NOINPUT) {
		r->err = e;
		return -1;
	}
	if (strcmp(key, "to_analyse") == 0) {
		if (!have)
			return engine_start(c, is->work_item, r) < 0 ? -1 : r->outcome != OUT_NOOP;
		key_of(is, "to_analyse", &k);
		if (engine_resume(c, is->work_item, &k, r) < 0)
			return -1;
		return r->outcome != OUT_NOOP;
	}
	if (!have)
		return 0;
	if (strcmp(key, "approved") == 0 || strcmp(key, "rejected") == 0) {
		/* only the human gate takes a verdict; Approved on the deploy stage is a deliberate no-op */
		if (strcmp(t.stage, stage_deploy()->name) == 0 && strcmp(key, "approved") == 0) {
			key_of(is, "approved", &k);
			return engine_note_verdict(c, is->work_item, &k,
			    "Approved on stage deploy does nothing: only "
			    "Confirm Deploy starts a production deploy",
			    r);
		}
		if (strcmp(t.stage, stage_human()->name) != 0 || t.blocked)
			return 0;
		if (engine_advance(c, is->work_item, NULL, 0, r) < 0)
			return -1;
		return r->outcome != OUT_WAITING;
	}
	if ((how = stop_kind(key)) != NULL) {
		/* a person's stop: a status orch set itself (Blocked on a task it blocked, Done at done) is
		 * none */
		if (stage_is_last(t.stage) || t.stopped[0] ||
		    (t.blocked && strcmp(how, TASK_STOP_BLOCKED) == 0))
			return 0;
		key_of(is, key, &k);
		if (engine_stop(c, is->work_item, how, NULL, &k, r) < 0)
			return -1;
		return r->outcome == OUT_BLOCKED;
	}
	if (strcmp(key, "confirm_deploy") == 0) {
		key_of(is, "confirm_deploy", &k);
		if (deploy_confirm_verdict(c, is->work_item, &k, r) < 0)
			return -1;
		return strcmp(r->reason, "Confirm Deploy already recorded") != 0;
	}
	return 0;
}

/* The tracker label "manual" on an item orch works: every stage is people's from now on (issue 25). */
static void
poll_manual_label(struct orch_ctx *c, const struct tracker_issue *is, poll_report report, void *report_ctx,
    struct poll_stats *ps)
{
	struct advance_result r;
	struct orch_err e = { 0 };
	struct task t;

	if (task_get(c->st, is->work_item, &t, &e) < 0 || t.manual)
		return; /* not started yet (the label applies once it is), or manual already */
	if (engine_set_manual(c, is->work_item, 1, "the tracker label manual", &r) < 0 || r.err.code) {
		ps->failed++;
		report(report_ctx, &r, "label manual");
	} else if (r.outcome == OUT_ADVANCED) {
		ps->applied++;
		report(report_ctx, &r, "label manual");
	}
}

int
poll_project(struct orch_ctx *c, const char *project, poll_report report, void *report_ctx,
    struct poll_stats *ps, struct orch_err *e)
{
	struct tracker_state *states = NULL;
	struct tracker_issue *issues = NULL;
	const struct tracker_state *s;
	struct tracker tr;
	size_t ns = 0, ni = 0, i;
	int rc = -1, failed_here = ps->failed, deferred = 0;

	if (tracker_open(&tr, c, project, e) < 0)
		return -1;
	if (tr.ops->states(&tr, project, &states, &ns, e) < 0 ||
	    tr.ops->issues(&tr, project, TRACKER_LIST_CHANGED, &issues, &ni, e) < 0)
		goto out;
	for (i = 0; i < ni; i++) {
		struct advance_result r = { 0 };
		const char *key;
		int applied;

		ps->issues++;
		if ((s = tracker_state_by_id(states, ns, issues[i].state_id)) == NULL)
			continue;
		if (issues[i].manual_label && s->key && !tracker_state_terminal(s))
			poll_manual_label(c, &issues[i], report, report_ctx, ps);
		if ((key = poll_key(s)) == NULL)
			continue;
		/* a terminal status is a person's stop of a live item, never a start */
		if (tracker_state_terminal(s) && stop_kind(key) == NULL)
			continue;
		ps->actionable++;
		memset(&r, 0, sizeof(r));
		applied = poll_apply_issue(c, &issues[i], key, &r);
		/* a verdict the engine could not take yet (its job still runs, another process works the
		 * item) */
		if (!r.err.code && (r.outcome == OUT_BUSY || (applied == 0 && r.outcome == OUT_WAITING)))
			deferred++;
		if (applied < 0 || r.err.code) {
			ps->failed++;
			if (r.err.code > ps->worst)
				ps->worst = r.err.code;
			report(report_ctx, &r, s->name);
		} else if (applied > 0) {
			ps->applied++;
			report(report_ctx, &r, s->name);
		}
	}
	/* move the watermark only when every issue was applied: a failed or deferred one is seen again */
	rc = failed_here == ps->failed && !deferred && tr.ops->poll_done ? tr.ops->poll_done(&tr, project, e)
									 : 0;
out:
	free(states);
	free(issues);
	tracker_close(&tr);
	return rc;
}

int
poll_all(struct orch_ctx *c, const char *only, poll_report report, poll_failed project_failed,
    void *report_ctx, struct poll_stats *ps)
{
	size_t i, n = c->cfg->nprojects;
	int pass, worst = 0;

	/* pass 0: the projects a rate limit cut short last tick; pass 1: the rest */
	for (pass = 0; pass < 2; pass++) {
		for (i = 0; i < n; i++) {
			const char *key = c->cfg->projects[i].key;
			struct orch_err e = { 0 };
			if ((only && strcmp(only, key) != 0) ||
			    tracker_rate_limited(c->st, key) != (pass == 0))
				continue;
			if (poll_project(c, key, report, report_ctx, ps, &e) < 0) {
				project_failed(report_ctx, key, &e);
				if (e.code > worst)
					worst = e.code;
				if (c->http &&
				    (c->http->budget.limited ||
					c->http->budget.used >= c->http->budget.per_min))
					tracker_mark_rate_limited(c->st, key, 1);
			} else if (pass == 0) {
				tracker_mark_rate_limited(c->st, key, 0);
			}
		}
	}
	return ps->worst > worst ? ps->worst : worst;
}
