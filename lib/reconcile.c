#include "reconcile.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "atomic.h"
#include "cleanup.h"
#include "config.h"
#include "gate.h"
#include "job.h"
#include "notify.h"
#include "poll.h"
#include "proc.h"
#include "store.h"
#include "stages.h"
#include "task.h"
#include "tracker.h"
#include "util.h"
#include "work.h"

/* A bookkeeping write that failed (a busy store): said once, counted as a failure of the run. */
static void
bookkeeping_failed(struct reconcile_stats *rs, const struct orch_err *e)
{
	err_warn("reconcile: %s", e->msg);
	rs->failed++;
	if (e->code > rs->worst)
		rs->worst = e->code;
}

static void
count(struct store *st, const char *name, int n, struct reconcile_stats *rs)
{
	struct orch_err e = { 0 };
	struct store_stmt *s;

	if (n == 0)
		return;
	if (store_prepare(st, &s,
		"INSERT INTO counters(name, value) VALUES (?1, ?2) "
		"ON CONFLICT(name) DO UPDATE SET value = counters.value + ?2",
		&e) < 0)
		return bookkeeping_failed(rs, &e);
	store_bind_text(s, 1, name);
	store_bind_int(s, 2, n);
	if (store_step_done(st, s, "count the reconciler's work", &e) < 0)
		bookkeeping_failed(rs, &e);
}

/* F-1: idle tasks whose gate passes now. */
static void
gate_side(struct orch_ctx *c, reconcile_report report, void *rctx, struct reconcile_stats *rs)
{
	struct orch_err e = { 0 };
	struct advance_result r;
	char **wis = NULL;
	struct task t;
	size_t i;

	if (task_list(c->st, &wis, &e) < 0) {
		rs->failed++;
		return;
	}
	for (i = 0; wis[i]; i++) {
		const char *agent;
		if (task_get(c->st, wis[i], &t, &e) < 0 || t.blocked ||
		    strcmp(t.stage, stage_human()->name) == 0 ||
		    (agent = engine_stage_agent(t.stage)) == NULL || job_active(c->st, t.id, NULL, &e) != 0)
			continue;
		engine_advance(c, wis[i], NULL, 1, &r); /* look first: only a pass is F-1's business */
		if (r.err.code || r.outcome != OUT_ADVANCED)
			continue;
		engine_advance(c, wis[i], NULL, 0, &r);
		if (r.err.code) {
			rs->failed++;
			if (r.err.code > rs->worst)
				rs->worst = r.err.code;
		} else if (r.outcome == OUT_ADVANCED) {
			rs->advanced++;
		}
		report(rctx, "gate", &r);
	}
	argv_free(wis);
}

static int
due(struct store *st, const char *key, int every_s)
{
	struct store_stmt *s;
	long long last = 0;
	int64_t now = (int64_t)time(NULL);

	if (store_prepare(st, &s, "SELECT value FROM reconcile_state WHERE key = ?1", NULL) == 0) {
		store_bind_text(s, 1, key);
		if (store_step(s) == STORE_ROW)
			num_parse(store_column_text(s, 0), 0, (long long)1 << 40, &last);
		store_finalize(s);
	}
	return now - last >= every_s;
}

static void
state_set(struct store *st, const char *key, const char *v, struct reconcile_stats *rs)
{
	struct orch_err e = { 0 };
	struct store_stmt *s;

	if (store_prepare(st, &s,
		"INSERT INTO reconcile_state(key, value) VALUES (?1, ?2) "
		"ON CONFLICT (key) DO UPDATE SET value = excluded.value",
		&e) < 0)
		return bookkeeping_failed(rs, &e);
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, v);
	if (store_step_done(st, s, "record the reconciler's state", &e) < 0)
		bookkeeping_failed(rs, &e);
}

/* key's last run is now (the full listing's schedule). */
static void
done_at(struct store *st, const char *key, struct reconcile_stats *rs)
{
	char v[32];

	snprintf(v, sizeof(v), "%lld", (long long)time(NULL));
	state_set(st, key, v, rs);
}

/* Once per (issue, state): 1 when this call is the first (a store error counts as not first). */
static int
notice_once(struct store *st, const char *key)
{
	return task_note_once(st, key, NULL) == 1;
}

/* F-2 for one open issue: replay its actionable status when its effect is missing. */
static void
replay_issue(struct orch_ctx *c, const struct tracker_issue *is, const struct tracker_state *s,
    reconcile_report report, void *rctx, struct reconcile_stats *rs)
{
	int64_t grace_us = (int64_t)c->cfg->reconcile_grace_s * 1000000, us;
	struct orch_err e = { 0 };
	struct advance_result r;
	struct task before;
	int had, applied;
	char nk[200], msg[300];

	if (s == NULL || s->key == NULL)
		return;
	if (tracker_state_terminal(s)) {
		rs->skipped_terminal++; /* never actionable, whatever happened */
		return;
	}
	if (strcmp(s->key, "to_analyse") && strcmp(s->key, "approved") && strcmp(s->key, "rejected") &&
	    strcmp(s->key, "confirm_deploy"))
		return;
	if (time_parse_iso(is->updated_at, &us) == 0 && time_now_us() - us < grace_us)
		return; /* orch-poll's business for now */
	had = task_get(c->st, is->work_item, &before, &e) == 0;
	err_clear(&e);
	applied = poll_apply_issue(c, is, s->key, &r);
	if (applied < 0 || r.err.code) {
		rs->failed++;
		if (r.err.code > rs->worst)
			rs->worst = r.err.code;
		report(rctx, "tracker", &r);
		return;
	}
	if (applied == 0) {
		rs->deduped++;
		return;
	}
	rs->replayed++;
	report(rctx, "tracker", &r);
	if (!had ||
	    (strcmp(r.stage_after, before.stage) == 0 && !(before.blocked && r.outcome == OUT_ADVANCED)))
		return;
	snprintf(nk, sizeof(nk), "unblocked:%s:%s:%s", is->id, is->state_id, is->updated_at);
	if (!c->cfg->reconcile_notify_unblock || !notice_once(c->st, nk))
		return;
	snprintf(
	    msg, sizeof(msg), "unblocked by the reconciler: %s is now at %s", is->work_item, r.stage_after);
	if (store_begin(c->st, &e) == 0 && notify_queue(c->st, "info", is->work_item, msg, &e) == 0)
		store_commit(c->st, &e);
	else
		store_rollback(c->st);
	rs->unblocked++;
}

/* F-2: replay actionable statuses whose effect is missing. */
static void
tracker_side(struct orch_ctx *c, reconcile_report report, void *rctx, struct reconcile_stats *rs)
{
	size_t p, i, ns, ni;

	for (p = 0; p < c->cfg->nprojects; p++) {
		const char *key = c->cfg->projects[p].key;
		struct tracker_state *states = NULL;
		struct tracker_issue *issues = NULL;
		struct orch_err e = { 0 };
		struct tracker tr;
		char dkey[64];

		snprintf(dkey, sizeof(dkey), "full_list:%s", key);
		if (!due(c->st, dkey, c->cfg->reconcile_full_list_s))
			continue;
		if (tracker_open(&tr, c, key, &e) < 0 || tr.ops->states(&tr, key, &states, &ns, &e) < 0 ||
		    tr.ops->issues(&tr, key, TRACKER_LIST_OPEN, &issues, &ni, &e) < 0) {
			err_warn("reconcile: project %s: %s", key, e.msg);
			rs->failed++;
			if (e.code > rs->worst)
				rs->worst = e.code;
			free(states);
			if (tr.ops)
				tracker_close(&tr);
			continue;
		}
		done_at(c->st, dkey, rs);
		for (i = 0; i < ni; i++)
			replay_issue(c, &issues[i], tracker_state_by_id(states, ns, issues[i].state_id),
			    report, rctx, rs);
		free(states);
		free(issues);
		tracker_close(&tr);
	}
}

/* The runner died (kill -9) but its agent runs on: stop the agent; the job is requeued once it is gone. */
static void
reap_orphan(struct orch_ctx *c, const char *wi, long long job, long long pgid)
{
	char msg[300];
	struct orch_err e = { 0 };

	proc_kill_group((long)pgid);
	snprintf(msg, sizeof(msg),
	    "job %lld: its runner is gone but its agent (process group %lld) ran on; "
	    "stopped it, the job is requeued once the group is gone",
	    job, pgid);
	event_add(c->st, wi, "orphan_agent_stopped", NULL, NULL, msg, &e);
}

/* A live job past reaper_max_running_s: never requeued, reported once. */
static void
overdue(struct orch_ctx *c, const char *wi, long long job, long long pid)
{
	char key[64], msg[300];
	struct orch_err e = { 0 };

	snprintf(key, sizeof(key), "overdue:%lld", job);
	if (!notice_once(c->st, key))
		return;
	snprintf(msg, sizeof(msg),
	    "job %lld of %s (runner pid %lld) is still running past reaper_max_running_s (%d s); "
	    "it is not requeued while alive: check the agent",
	    job, wi, pid, c->cfg->reaper_max_running_s);
	if (store_begin(c->st, &e) == 0 && event_add(c->st, wi, "job_overdue", NULL, NULL, msg, &e) == 0 &&
	    notify_queue(c->st, "alert", wi, msg, &e) == 0)
		store_commit(c->st, &e);
	else
		store_rollback(c->st);
}

#define REAPER_BATCH 256 /* jobs looked at per pass; the rest wait for the next one */

/* Record this check's verdict on a job that looks dead (or clear it once it lives). */
static void
strike(struct orch_ctx *c, const struct job_running *j, int dead)
{
	if (dead == (j->strikes > 0))
		return;
	/* a lost write only delays the reaping by one check: the next one strikes again */
	(void)job_set_dead_strikes(c->st, j->id, dead, NULL);
}

/*
 * A deploying job (the deployer) whose agent started may have deployed
 * although nothing recorded it: it is never run again automatically.
 * Started means its process group was noted or its run record exists (an
 * unreadable one counts: when in doubt, production is not deployed twice).
 */
static int
may_have_deployed(struct orch_ctx *c, const struct job_running *j)
{
	struct job_record rec;
	struct orch_err e = { 0 };

	if (!job_agent_deploys(j->agent))
		return 0;
	return j->pgid != 0 || job_record_read(c->cfg->home, j->id, (int)j->attempts, &rec, &e) != 0;
}

/*
 * Requeue a dead job (or mark it dead past job_max_attempts, or when it may
 * have deployed), with its event and notification in one transaction.
 * Returns 1 when reaped.
 */
static int
reap_job(struct orch_ctx *c, const struct job_running *j, const char *why, int64_t now, char *msg, size_t mn)
{
	int deployed = may_have_deployed(c, j);
	int requeue = j->attempts < c->cfg->job_max_attempts && !deployed;
	struct orch_err e = { 0 };

	if (deployed)
		snprintf(msg, mn,
		    "reaped %s job %lld (pid %lld) of %s: %s; its agent started and may have deployed "
		    "without a recorded outcome, so it is not run again: check production, then orch-advance "
		    "--agent %s "
		    "%s if it deployed, or orch-advance --unblock %s to deploy again",
		    j->agent, j->id, j->pid, j->wi, why, j->agent, j->wi, j->wi);
	else
		snprintf(msg, mn, "reaped %s job %lld (pid %lld on %s): %s; %s", j->agent, j->id, j->pid,
		    j->host[0] ? j->host : c->cfg->host, why, requeue ? "requeued" : "dead");
	if (store_begin(c->st, &e) < 0)
		return 0;
	/* not 1: another process settled the job between our read and this write */
	if (job_reap(c->st, j->id, requeue, now, &e) != 1 ||
	    event_add(c->st, j->wi, "reaped", NULL, NULL, msg, &e) < 0 ||
	    notify_queue(c->st, requeue ? "info" : "alert", j->wi, msg, &e) < 0) {
		store_rollback(c->st);
		return 0;
	}
	return store_commit(c->st, &e) == 0;
}

/*
 * A job whose runner and agent are gone but whose run record holds the
 * outcome is completed from it, never requeued (work_settle).  1 when the
 * record decided (settled, or it could not be read now: the next tick
 * looks again), 0 no finished record.
 */
static int
settled(struct orch_ctx *c, const struct job_running *j, reconcile_report report, void *rctx,
    struct reconcile_stats *rs)
{
	struct work_result w;
	struct advance_result r;
	struct orch_err e = { 0 };
	int rc;

	if (proc_alive((long)j->pid) || proc_group_alive((long)j->pgid) ||
	    (rc = work_settle(c, j, &w, &e)) == 0)
		return 0;
	memset(&r, 0, sizeof(r));
	snprintf(r.work_item, sizeof(r.work_item), "%s", j->wi);
	r.outcome = OUT_NOOP;
	if (rc < 0) {
		rs->failed++;
		if (e.code > rs->worst)
			rs->worst = e.code;
		r.err = e;
	} else if (w.advanced) {
		r = w.adv;
	} else {
		snprintf(r.reason, sizeof(r.reason), "%s job %lld %s: %s", w.agent, (long long)w.job_id,
		    w.job_status, w.reason);
	}
	report(rctx, "reaper", &r);
	return 1;
}

/* Why a running job is to be reaped now, or NULL (orphans and overdue jobs are handled here too). */
static const char *
reap_reason(struct orch_ctx *c, const struct job_running *j, int64_t now)
{
	int runner = proc_alive(j->pid), agent = proc_group_alive(j->pgid);
	int dead = !runner && !agent;

	/*
	 * Liveness, not age, decides: a job is requeued only when its
	 * runner and its agent's process group are both gone, so two
	 * agents never share a worktree.
	 */
	if (!runner && agent) {
		reap_orphan(c, j->wi, j->id, j->pgid);
		return NULL;
	}
	if (runner && j->started && now - j->started > c->cfg->reaper_max_running_s) {
		overdue(c, j->wi, j->id, j->pid);
		return NULL;
	}
	if (j->exited && !agent)
		return "its run recorded an exit while the job still said running";
	/* SPEC: dead on two consecutive ticks, so one unlucky look never requeues a job */
	if (dead && j->strikes >= 1)
		return "its runner and its agent are gone (2 consecutive checks)";
	strike(c, j, dead);
	return NULL;
}

/* Leases whose holder died: delete them so the next holder can take them. */
static void
release_dead_leases(struct orch_ctx *c, struct reconcile_stats *rs)
{
	int n = task_lease_release_dead(c->st, NULL);

	/* a failure leaves the leases to the next tick; a dead holder's lease is taken over meanwhile */
	if (n > 0)
		rs->leases_released += n;
}

/* 1 when another host's runner leased the job (a shared store, docs/multi-host.md). */
static int
remote_job(const struct orch_ctx *c, const struct job_running *j)
{
	return j->host[0] && strcmp(j->host, c->cfg->host) != 0;
}

/* The reaper: jobs whose runner is gone, and leases of dead holders. */
static void
reaper(struct orch_ctx *c, reconcile_report report, void *rctx, struct reconcile_stats *rs)
{
	int64_t now = (int64_t)time(NULL);
	struct job_running v[REAPER_BATCH];
	int n = job_list_running(c->st, v, REAPER_BATCH, NULL), i;

	/* n < 0: the listing failed; nothing is reaped and the next tick looks again */
	for (i = 0; i < n; i++) {
		const char *why;
		struct advance_result r;
		char msg[700];

		if (remote_job(c, &v[i])) {
			/* another host's runner: its pid means nothing here, its heartbeat says it lives */
			if (!v[i].expired)
				continue;
			why = "its lease ran out in the store's clock: its host stopped renewing it (gone, "
			      "or cut "
			      "off from the store)";
		} else if (settled(c, &v[i], report, rctx, rs)) {
			continue;
		} else {
			why = reap_reason(c, &v[i], now);
		}
		if (why == NULL || !reap_job(c, &v[i], why, now, msg, sizeof(msg)))
			continue;
		rs->reaped++;
		memset(&r, 0, sizeof(r));
		snprintf(r.work_item, sizeof(r.work_item), "%s", v[i].wi);
		snprintf(r.reason, sizeof(r.reason), "%s", msg);
		r.outcome = OUT_NOOP;
		report(rctx, "reaper", &r);
	}
	release_dead_leases(c, rs);
}

int
reconcile_run(
    struct orch_ctx *c, reconcile_report report, void *rctx, struct reconcile_stats *rs, struct orch_err *e)
{
	(void)e;
	memset(rs, 0, sizeof(*rs));
	if (c->cfg->reaper_enabled)
		reaper(c, report, rctx, rs);
	if (c->cfg->reconcile_enabled) {
		if (c->cfg->reconcile_tracker_enabled)
			tracker_side(c, report, rctx, rs);
		gate_side(c, report, rctx, rs);
	}
	/* temp files left by writers killed mid-write (kill -9) */
	count(c->st, "reconcile.stale_temp_removed", atomic_sweep_home(c->cfg->home, ATOMIC_STALE_S), rs);
	count(c->st, "reconcile.advanced", rs->advanced, rs);
	count(c->st, "reconcile.replayed", rs->replayed, rs);
	count(c->st, "reconcile.unblocked", rs->unblocked, rs);
	count(c->st, "reconcile.skipped_terminal", rs->skipped_terminal, rs);
	count(c->st, "reconcile.deduped", rs->deduped, rs);
	{
		struct cleanup_stats cs;
		char v[32];
		cleanup_worktrees(c, &cs);
		rs->worktrees_removed = cs.removed;
		count(c->st, "cleanup.worktrees_removed", cs.removed, rs);
		snprintf(v, sizeof(v), "%lld", (long long)cs.bytes);
		state_set(c->st, "worktrees_bytes", v, rs);
	}
	count(c->st, "reaper.reaped", rs->reaped, rs);
	count(c->st, "reaper.leases_released", rs->leases_released, rs);
	return 0;
}

/* orch-status: the counters, every known one shown (0 before its first count). */
int
reconcile_counters_json(struct store *st, struct cJSON *rec, struct cJSON *reaper, struct orch_err *e)
{
	static const char *const rk[] = { "advanced", "replayed", "unblocked", "skipped_terminal", "deduped",
		"stale_temp_removed", NULL };
	struct store_stmt *s;
	int rc;

	for (int i = 0; rk[i]; i++)
		cJSON_AddNumberToObject(rec, rk[i], 0);
	cJSON_AddNumberToObject(reaper, "reaped", 0);
	cJSON_AddNumberToObject(reaper, "leases_released", 0);
	if (store_prepare(st, &s, "SELECT name, value FROM counters", e) < 0)
		return -1;
	while ((rc = store_step(s)) == STORE_ROW) {
		const char *n = store_column_text(s, 0), *dot = strchr(n, '.');
		cJSON *grp = dot && strncmp(n, "reaper", 6) == 0 ? reaper : rec;
		/* a replace, not an add: only the counters listed above are shown */
		if (dot)
			cJSON_ReplaceItemInObject(grp, dot + 1, cJSON_CreateNumber(store_column_int(s, 1)));
	}
	store_finalize(s);
	return rc == STORE_DONE ? 0 : store_fail(st, "read the counters", e);
}

/* orch-status: the worktrees' disk as the last run measured it (a walk of the tree is not a status read's
 * job). */
int
reconcile_worktrees_bytes(struct store *st, long long *bytes, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	*bytes = -1;
	if (store_prepare(st, &s, "SELECT value FROM reconcile_state WHERE key = 'worktrees_bytes'", e) < 0)
		return -1;
	if ((rc = store_step(s)) == STORE_ROW)
		*bytes = store_column_int64(s, 0);
	store_finalize(s);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : store_fail(st, "read the worktrees' size", e);
}
