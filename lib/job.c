#include "job.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "buf.h"
#include "err.h"
#include "notify.h"
#include "sizes.h"
#include "store.h"
#include "task.h"
#include "util.h"

/* a dead job still needs a person: its item is still at the job's stage, not done, not stopped by a person */
#define JOB_DEAD_OPEN "(j.status = 'dead' AND j.stage = t.stage AND t.stage != 'done' AND t.stopped = '')"

static const char job_active_sql[] =
    "SELECT count(*) FROM jobs WHERE task_id = ?1 AND status IN ('queued','running') "
    "AND (CAST(?2 AS TEXT) IS NULL OR agent = ?2)";

int
job_active(struct store *st, int64_t task_id, const char *agent, struct orch_err *e)
{
	struct store_stmt *s;
	int n;

	if (store_cached(st, &s, job_active_sql, e) < 0)
		return -1;
	store_bind_int64(s, 1, task_id);
	if (agent)
		store_bind_text(s, 2, agent);
	else
		store_bind_null(s, 2);
	n = store_step(s) == STORE_ROW ? store_column_int(s, 0) : -1;
	if (n < 0)
		store_fail(st, "count jobs", e);
	store_release(st, s);
	return n;
}

int
job_latest(struct store *st, int64_t task_id, const char *stage, struct job_view *v, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	memset(v, 0, sizeof(*v));
	if (store_prepare(st, &s,
		"SELECT id, agent, status, attempts, available_at, pid FROM jobs WHERE task_id = ?1 "
		"AND stage = ?2 AND status != 'done' ORDER BY id DESC LIMIT 1",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, task_id);
	store_bind_text(s, 2, stage);
	if ((rc = store_step(s)) == STORE_ROW) {
		v->id = store_column_int64(s, 0);
		str_copy(v->agent, sizeof(v->agent), store_column_text(s, 1));
		str_copy(v->status, sizeof(v->status), store_column_text(s, 2));
		v->attempts = store_column_int(s, 3);
		v->available_at = store_column_int64(s, 4);
		v->pid = (long)store_column_int64(s, 5);
	}
	store_finalize(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return store_fail(st, "read the task's job", e);
	return rc == STORE_ROW;
}

int
job_stage_history(struct store *st, int64_t task_id, const char *stage, int64_t job_id,
    struct job_stage_history *h, struct orch_err *e)
{
	struct store_stmt *s;
	const char *d;
	int rc;

	memset(h, 0, sizeof(*h));
	if (store_prepare(st, &s,
		"SELECT (SELECT description FROM jobs WHERE task_id = ?1 AND stage = ?2 AND "
		"(?3 = 0 OR id = ?3) ORDER BY id DESC LIMIT 1), (SELECT max(r.finished_at) FROM agent_runs r "
		"JOIN jobs j "
		"ON j.id = r.job_id WHERE j.task_id = ?1 AND j.stage = ?2 AND r.finished_at IS NOT NULL)",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, task_id);
	store_bind_text(s, 2, stage);
	store_bind_int64(s, 3, job_id);
	if ((rc = store_step(s)) == STORE_ROW) {
		d = store_column_text(s, 0);
		h->description = strdup(d ? d : "");
		if (store_column_text(s, 1))
			str_copy(h->last_run, sizeof(h->last_run), store_column_text(s, 1));
	}
	store_finalize(s);
	if (rc != STORE_ROW)
		return store_fail(st, "read the stage's jobs", e);
	return h->description ? 0 : err_set(e, EX_SOFTWARE, "out of memory");
}

void
job_stage_history_free(struct job_stage_history *h)
{
	free(h->description);
	h->description = NULL;
}

int
job_backoff(struct store *st, int64_t now, int *count, int64_t *next, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	*count = 0;
	*next = 0;
	if (store_prepare(st, &s,
		"SELECT count(*), min(j.available_at) FROM jobs j JOIN tasks t ON t.id = j.task_id "
		"WHERE j.status = 'queued' AND j.available_at > ?1 AND t.blocked = 0",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, now);
	if ((rc = store_step(s)) == STORE_ROW) {
		*count = store_column_int(s, 0);
		*next = store_column_int64(s, 1);
	}
	store_finalize(s);
	return rc == STORE_ROW ? 0 : store_fail(st, "count jobs in backoff", e);
}

int
job_enqueue(struct store *st, int64_t task_id, const char *agent, const char *stage, const char *description,
    int64_t *job_id, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];
	int rc;

	if (store_prepare(st, &s,
		"SELECT id FROM jobs WHERE task_id = ?1 AND agent = ?2 "
		"AND status IN ('queued','running') ORDER BY id LIMIT 1",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, task_id);
	store_bind_text(s, 2, agent);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		*job_id = store_column_int64(s, 0);
		store_finalize(s);
		return 0;
	}
	store_finalize(s);
	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s,
		"INSERT INTO jobs(task_id, agent, stage, status, description, created_at, updated_at) "
		"VALUES (?1, ?2, ?3, 'queued', ?4, ?5, ?5)",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, task_id);
	store_bind_text(s, 2, agent);
	store_bind_text(s, 3, stage);
	store_bind_text(s, 4, description ? description : "");
	store_bind_text(s, 5, now);
	if (store_step_done(st, s, "enqueue job", e) < 0)
		return -1;
	*job_id = store_last_insert_id(st);
	return 0;
}

int
job_finish_agent(struct store *st, int64_t task_id, const char *agent, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s,
		"UPDATE jobs SET status = 'done', pid = NULL, updated_at = ?3 "
		"WHERE task_id = ?1 AND agent = ?2 AND status IN ('queued','running')",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, task_id);
	store_bind_text(s, 2, agent);
	store_bind_text(s, 3, now);
	if (store_step_done(st, s, "finish job", e) < 0)
		return -1;
	return store_changes(st);
}

int
job_lease(
    struct store *st, int pid, const char *host, int64_t now, int lease_s, struct job *j, struct orch_err *e)
{
	struct store_stmt *s;
	char stamp[32];
	int rc;

	memset(j, 0, sizeof(*j));
	if (store_begin(st, e) < 0)
		return -1;
	if (store_prepare(st, &s,
		"SELECT j.id, j.task_id, t.work_item, j.agent, j.stage, j.attempts, j.description "
		"FROM jobs j JOIN tasks t ON t.id = j.task_id WHERE j.status = 'queued' AND j.available_at "
		"<= ?1 "
		"AND t.blocked = 0 ORDER BY j.id LIMIT 1",
		e) < 0)
		goto fail;
	store_bind_int64(s, 1, now);
	rc = store_step(s);
	if (rc == STORE_ROW) {
		j->id = store_column_int64(s, 0);
		j->task_id = store_column_int64(s, 1);
		str_copy(j->work_item, sizeof(j->work_item), store_column_text(s, 2));
		str_copy(j->agent, sizeof(j->agent), store_column_text(s, 3));
		str_copy(j->stage, sizeof(j->stage), store_column_text(s, 4));
		j->attempts = store_column_int(s, 5) + 1;
		j->description = strdup(store_column_text(s, 6));
	}
	store_finalize(s);
	if (rc == STORE_DONE) {
		store_rollback(st);
		return 0;
	}
	if (rc != STORE_ROW || j->description == NULL) {
		store_fail(st, "pick a job", e);
		goto fail;
	}
	time_iso_us(time_now_us(), stamp);
	if (store_prepare(st, &s,
		"UPDATE jobs SET status = 'running', pid = ?1, lease_until = orch_now() + ?2, "
		"attempts = attempts + 1, updated_at = ?3, host = ?5, lease_token = ?6 WHERE id = ?4 AND "
		"status = 'queued'",
		e) < 0)
		goto fail;
	if (random_hex(j->token, 16) < 0) {
		store_finalize(s);
		err_set(e, EX_SOFTWARE, "no random bytes for a lease token (getrandom failed)");
		goto fail;
	}
	store_bind_int(s, 1, pid);
	store_bind_int64(s, 2, lease_s);
	store_bind_text(s, 3, stamp);
	store_bind_int64(s, 4, j->id);
	store_bind_text(s, 5, host);
	store_bind_text(s, 6, j->token);
	if (store_step_done(st, s, "lease job", e) < 0)
		goto fail;
	if (store_changes(st) != 1)
		BUG("a queued job changed inside an immediate transaction");
	if (store_commit(st, e) < 0)
		goto fail_nr;
	return 1;
fail:
	store_rollback(st);
fail_nr:
	job_free(j);
	return -1;
}

int
job_run_start(struct store *st, struct job *j, int pid, struct orch_err *e)
{
	struct store_stmt *s;
	char stamp[32];

	time_iso_us(time_now_us(), stamp);
	/* the pid is this host's (and so is the log the run writes) */
	if (store_prepare(st, &s,
		"INSERT INTO agent_runs(job_id, pid, started_at, host) VALUES (?1, ?2, ?3, ?4)", e) < 0)
		return -1;
	store_bind_int64(s, 1, j->id);
	store_bind_int(s, 2, pid);
	store_bind_text(s, 3, stamp);
	store_bind_text(s, 4, st->host);
	if (store_step_done(st, s, "record run start", e) < 0)
		return -1;
	j->run_id = store_last_insert_id(st);
	return 0;
}

static int
run_finish(struct store *st, const struct job *j, const struct job_outcome *o, struct orch_err *e)
{
	struct store_stmt *s;
	char stamp[32];

	time_iso_us(time_now_us(), stamp);
	if (store_prepare(st, &s,
		"UPDATE agent_runs SET exit_code = ?1, status = ?2, duration_ms = ?3, "
		"log_path = ?4, finished_at = ?5 WHERE id = ?6",
		e) < 0)
		return -1;
	if (o->exit_code >= 0)
		store_bind_int(s, 1, o->exit_code);
	else
		store_bind_null(s, 1);
	store_bind_text(s, 2, o->status);
	store_bind_int64(s, 3, o->duration_ms);
	store_bind_text(s, 4, o->log_path);
	store_bind_text(s, 5, stamp);
	store_bind_int64(s, 6, j->run_id);
	return store_step_done(st, s, "record run end", e);
}

int
job_result_elsewhere(struct store *st, int64_t task_id, struct job_result_ref *ref, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	memset(ref, 0, sizeof(*ref));
	if (store_prepare(st, &s,
		"SELECT j.id, j.result_sha, j.host, j.updated_at FROM jobs j JOIN tasks t ON t.id = "
		"j.task_id "
		"WHERE j.task_id = ?1 AND j.result_sha IS NOT NULL AND j.host != ?2 AND j.stage = t.stage "
		"ORDER BY j.id DESC LIMIT 1",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, task_id);
	store_bind_text(s, 2, st->host);
	if ((rc = store_step(s)) == STORE_ROW) {
		ref->job_id = store_column_int64(s, 0);
		str_copy(ref->sha, sizeof(ref->sha), store_column_text(s, 1));
		str_copy(ref->host, sizeof(ref->host), store_column_text(s, 2));
		if (time_parse_iso(store_column_text(s, 3), &ref->finished_us) < 0)
			ref->finished_us = 0;
	}
	store_finalize(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return store_fail(st, "read the commit a job left", e);
	return rc == STORE_ROW;
}

int
job_complete(struct store *st, const struct job *j, const struct job_outcome *o, int max_attempts,
    int backoff_s, int64_t now, const char **new_status, struct orch_err *e)
{
	const char *status = o->ok                         ? JOB_DONE
	    : o->interrupted || j->attempts < max_attempts ? JOB_QUEUED
							   : JOB_DEAD;
	int64_t delay = 0;
	struct store_stmt *s;
	char stamp[32], msg[700];
	int shift;

	if (!o->ok && !o->interrupted && strcmp(status, JOB_QUEUED) == 0) {
		shift = j->attempts - 1 > 20 ? 20 : j->attempts - 1;
		delay = (int64_t)backoff_s << shift;
	}
	time_iso_us(time_now_us(), stamp);
	if (store_begin(st, e) < 0)
		return -1;
	if (run_finish(st, j, o, e) < 0)
		goto fail;
	/* an interrupted run was not the agent's failure: its attempt is given back */
	if (store_prepare(st, &s,
		"UPDATE jobs SET status = ?1, pid = NULL, lease_until = NULL, agent_pgid = NULL, "
		"available_at = ?2, updated_at = ?3, attempts = attempts - ?5, last_error = coalesce(?7, "
		"last_error), result_sha = coalesce(CAST(?9 AS TEXT), result_sha) "
		"WHERE id = ?4 AND status = 'running' AND attempts = ?6 AND (lease_token = ?8 OR "
		"(lease_token IS NULL AND CAST(?8 AS TEXT) IS NULL))",
		e) < 0) /* never one leased after a reap: the attempt and the lease token fence it */
		goto fail;
	store_bind_text(s, 8, j->token[0] ? j->token : NULL);
	store_bind_text(s, 9, o->result_sha);
	store_bind_text(s, 1, status);
	store_bind_int64(s, 2, now + delay);
	store_bind_text(s, 3, stamp);
	store_bind_int64(s, 4, j->id);
	store_bind_int(s, 5, o->interrupted ? 1 : 0);
	store_bind_int(s, 6, j->attempts);
	if (!o->ok && !o->interrupted && o->reason)
		store_bind_text(s, 7, o->reason);
	if (store_step_done(st, s, "finish job", e) < 0)
		goto fail;
	if (store_changes(st) != 1) {
		/* the job was taken from us (reaped or finished by orch-advance --agent) */
		store_rollback(st);
		*new_status = "lost";
		return 0;
	}
	snprintf(msg, sizeof(msg), "%s job %lld attempt %d: %s", j->agent, (long long)j->id, j->attempts,
	    o->reason);
	if (event_add(st, j->work_item,
		o->ok                ? "job_done"
		    : o->interrupted ? "job_interrupted"
				     : "job_failed",
		j->stage, j->stage, msg, e) < 0)
		goto fail;
	if (strcmp(status, JOB_DEAD) == 0) {
		snprintf(msg, sizeof(msg),
		    "the %s agent failed %d times (job %lld): %s; %s is blocked: fix the agent "
		    "(its command under agents: in orch.yaml, its credentials; its log is %s), then "
		    "orch-advance "
		    "--unblock %s requeues the job",
		    j->agent, j->attempts, (long long)j->id, o->reason, j->work_item,
		    o->log_path && *o->log_path ? o->log_path : "under logs/jobs/", j->work_item);
		if (notify_queue(st, "alert", j->work_item, msg, e) < 0)
			goto fail;
	}
	if (store_commit(st, e) < 0)
		return -1;
	*new_status = status;
	return 0;
fail:
	store_rollback(st);
	return -1;
}

void
job_free(struct job *j)
{
	free(j->description);
	j->description = NULL;
}

int
job_renew(struct store *st, const struct job *j, int lease_s, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s,
		"UPDATE jobs SET lease_until = orch_now() + ?1 WHERE id = ?2 AND status = 'running' AND "
		"lease_token = ?3",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, lease_s);
	store_bind_int64(s, 2, j->id);
	store_bind_text(s, 3, j->token);
	if (store_step_done(st, s, "renew the job's lease", e) < 0)
		return -1;
	return store_changes(st) == 1;
}

int
job_note_agent(struct store *st, const struct job *j, long pgid, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s,
		"UPDATE jobs SET agent_pgid = ?1 WHERE id = ?2 AND status = 'running' AND (lease_token = ?3 "
		"OR "
		"(lease_token IS NULL AND CAST(?3 AS TEXT) IS NULL))",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, pgid);
	store_bind_int64(s, 2, j->id);
	store_bind_text(s, 3, j->token[0] ? j->token : NULL);
	if (store_step_done(st, s, "record the agent's process group", e) < 0)
		return -1;
	return store_changes(st) == 1 ? 0 : -1; /* not running: cancelled (e stays clear) */
}

/* exited: the latest agent run has finished while the job still says running */
static const char job_running_sql[] =
    "SELECT j.id, COALESCE(j.pid, 0), j.attempts, j.dead_strikes, "
    "t.work_item, j.agent, j.updated_at, "
    "EXISTS (SELECT 1 FROM agent_runs r WHERE r.job_id = j.id AND r.finished_at IS NOT NULL AND "
    "r.id = (SELECT max(id) FROM agent_runs WHERE job_id = j.id)), COALESCE(j.agent_pgid, 0), j.host, "
    "CASE WHEN j.lease_until < orch_now() THEN 1 ELSE 0 END "
    "FROM jobs j JOIN tasks t ON t.id = j.task_id WHERE j.status = 'running' LIMIT ?1";

int
job_list_running(struct store *st, struct job_running *v, int max, struct orch_err *e)
{
	struct store_stmt *s;
	int n = 0, rc = STORE_DONE;
	int64_t us;

	if (store_prepare(st, &s, job_running_sql, e) < 0)
		return -1;
	store_bind_int(s, 1, max);
	while (n < max && (rc = store_step(s)) == STORE_ROW) {
		memset(&v[n], 0, sizeof(v[n]));
		v[n].id = store_column_int64(s, 0);
		v[n].pid = store_column_int64(s, 1);
		v[n].attempts = store_column_int64(s, 2);
		v[n].strikes = store_column_int64(s, 3);
		str_copy(v[n].wi, sizeof(v[n].wi), store_column_text(s, 4));
		str_copy(v[n].agent, sizeof(v[n].agent), store_column_text(s, 5));
		/* parsed here, not by the engine: the two stores have different date functions */
		if (time_parse_iso(store_column_text(s, 6), &us) == 0)
			v[n].started = us / 1000000;
		v[n].exited = store_column_int(s, 7);
		v[n].pgid = store_column_int64(s, 8);
		str_copy(
		    v[n].host, sizeof(v[n].host), store_column_text(s, 9) ? store_column_text(s, 9) : "");
		v[n].expired = store_column_int(s, 10);
		n++;
	}
	if (n < max && rc != STORE_DONE) {
		store_fail(st, "list the running jobs", e);
		n = -1;
	}
	store_finalize(s);
	return n;
}

int
job_set_dead_strikes(struct store *st, int64_t job_id, int strikes, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(
		st, &s, "UPDATE jobs SET dead_strikes = ?1 WHERE id = ?2 AND status = 'running'", e) < 0)
		return -1;
	store_bind_int(s, 1, strikes);
	store_bind_int64(s, 2, job_id);
	return store_step_done(st, s, "record the job's dead strikes", e);
}

int
job_reap(struct store *st, int64_t job_id, int requeue, int64_t now, struct orch_err *e)
{
	struct store_stmt *s;
	char stamp[32];

	time_iso_us(time_now_us(), stamp);
	if (store_prepare(st, &s,
		"UPDATE jobs SET status = ?1, pid = NULL, lease_until = NULL, dead_strikes = 0, "
		"available_at = ?2, updated_at = ?3 WHERE id = ?4 AND status = 'running'",
		e) < 0)
		return -1;
	store_bind_text(s, 1, requeue ? "queued" : "dead");
	store_bind_int64(s, 2, now);
	store_bind_text(s, 3, stamp);
	store_bind_int64(s, 4, job_id);
	if (store_step_done(st, s, "reap a job", e) < 0)
		return -1;
	return store_changes(st) == 1;
}

char *
job_expand_arg(const char *arg, const char *wi, const char *stage, const char *worktree, const char *branch,
    const char *brief)
{
	static const char *const names[] = { "{work_item}", "{stage}", "{worktree}", "{branch}", "{brief}" };
	const char *values[] = { wi, stage, worktree, branch, brief };

	return str_expand(arg, names, values, 5);
}

/* orch-status's job list: the jobs not done, newest first, at most max, then the 20 newest done. */
int
job_items_json(struct store *st, int max, struct cJSON *items, struct orch_err *e)
{
	/*
	 * (j.status || ''), not the index on status: the done jobs are most of the table, read newest first
	 * by id rather than by status (an expression: neither engine's planner uses the index for it)
	 */
	return store_list_json(st,
	    "SELECT * FROM (SELECT j.id, t.work_item, j.agent, j.status, j.attempts, j.pid, j.host, "
	    "j.lease_until, CASE WHEN " JOB_DEAD_OPEN
	    " THEN 1 ELSE 0 END AS open FROM jobs j JOIN tasks t ON t.id = j.task_id WHERE j.status != "
	    "'done' ORDER BY j.id DESC LIMIT ?1) live UNION ALL SELECT * FROM (SELECT j.id, t.work_item, "
	    "j.agent, j.status, j.attempts, j.pid, j.host, j.lease_until, 0 FROM jobs j JOIN tasks t ON t.id "
	    "= "
	    "j.task_id WHERE (j.status || '') = 'done' ORDER BY j.id DESC LIMIT 20) done",
	    max, items, e);
}

int
job_dead_open(struct store *st, int *n, struct orch_err *e)
{
	struct store_stmt *s;

	*n = 0;
	if (store_prepare(st, &s,
		"SELECT count(*) FROM jobs j JOIN tasks t ON t.id = j.task_id WHERE j.status = "
		"'dead' AND " JOB_DEAD_OPEN,
		e) < 0)
		return -1;
	if (store_step(s) == STORE_ROW)
		*n = store_column_int(s, 0);
	store_finalize(s);
	return 0;
}

int
job_agent_deploys(const char *agent)
{
	return strcmp(agent, "deployer") == 0;
}

int
job_record_path(const char *home, int64_t job_id, int attempt, char *out, size_t n)
{
	return str_fmt(out, n, "%s/runs/jobs/job%lld-attempt%d.json", home, (long long)job_id, attempt);
}

static cJSON *
record_json(const struct job_record *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "job_id", (double)r->job_id);
	cJSON_AddNumberToObject(o, "attempt", r->attempt);
	cJSON_AddNumberToObject(o, "run_id", (double)r->run_id);
	cJSON_AddStringToObject(o, "work_item", r->work_item);
	cJSON_AddStringToObject(o, "agent", r->agent);
	cJSON_AddStringToObject(o, "stage", r->stage);
	cJSON_AddNumberToObject(o, "runner_pid", r->runner_pid);
	cJSON_AddStringToObject(o, "lease_token", r->token);
	cJSON_AddStringToObject(o, "phase", r->finished ? "finished" : "started");
	if (r->finished) {
		cJSON_AddBoolToObject(o, "ok", r->ok);
		cJSON_AddNumberToObject(o, "exit_code", r->exit_code);
		cJSON_AddBoolToObject(o, "interrupted", r->interrupted);
		cJSON_AddStringToObject(o, "status", r->status);
		cJSON_AddNumberToObject(o, "duration_ms", (double)r->duration_ms);
		cJSON_AddStringToObject(o, "log_path", r->log_path);
		cJSON_AddStringToObject(o, "reason", r->reason);
	}
	return o;
}

int
job_record_write(const char *home, const struct job_record *r, struct orch_err *e)
{
	char dir[ORCH_PATH_MAX_1], path[ORCH_PATH_MAX_2], *text;
	cJSON *o;
	int rc;

	if (str_fmt(dir, sizeof(dir), "%s/runs/jobs", home) < 0 || mkdir_p(dir, 0700) < 0 ||
	    job_record_path(home, r->job_id, r->attempt, path, sizeof(path)) < 0)
		return err_set(e, EX_IOERR,
		    "cannot create the run record directory under '%s': %s; make ORCH_HOME "
		    "writable",
		    home, strerror(errno));
	o = record_json(r);
	text = o ? cJSON_PrintUnformatted(o) : NULL;
	cJSON_Delete(o);
	if (text == NULL)
		return err_set(e, EX_SOFTWARE, "out of memory writing the run record '%s'", path);
	rc = atomic_write(path, text, strlen(text), 0600, e);
	free(text);
	return rc;
}

static void
json_str(const cJSON *o, const char *k, char *out, size_t n)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	str_copy(out, n, cJSON_IsString(v) ? v->valuestring : "");
}

static int64_t
json_num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? (int64_t)v->valuedouble : 0;
}

/* Fill r from the record's JSON: 0, or -1 when it is not a record of this job's attempt. */
static int
record_parse(const cJSON *o, int64_t job_id, int attempt, struct job_record *r)
{
	char phase[16];

	r->job_id = json_num(o, "job_id");
	r->attempt = (int)json_num(o, "attempt");
	r->run_id = json_num(o, "run_id");
	json_str(o, "work_item", r->work_item, sizeof(r->work_item));
	json_str(o, "agent", r->agent, sizeof(r->agent));
	json_str(o, "stage", r->stage, sizeof(r->stage));
	r->runner_pid = (long)json_num(o, "runner_pid");
	json_str(o, "lease_token", r->token, sizeof(r->token));
	json_str(o, "phase", phase, sizeof(phase));
	r->finished = strcmp(phase, "finished") == 0;
	r->ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "ok"));
	r->exit_code = (int)json_num(o, "exit_code");
	r->interrupted = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(o, "interrupted"));
	json_str(o, "status", r->status, sizeof(r->status));
	r->duration_ms = json_num(o, "duration_ms");
	json_str(o, "log_path", r->log_path, sizeof(r->log_path));
	json_str(o, "reason", r->reason, sizeof(r->reason));
	return r->job_id == job_id && r->attempt == attempt && r->work_item[0] && r->agent[0] ? 0 : -1;
}

int
job_record_read(const char *home, int64_t job_id, int attempt, struct job_record *r, struct orch_err *e)
{
	char path[ORCH_PATH_MAX_2], text[16384];
	ssize_t k;
	cJSON *o;
	int fd, rc;

	memset(r, 0, sizeof(*r));
	if (job_record_path(home, job_id, attempt, path, sizeof(path)) < 0)
		return err_set(e, EX_SOFTWARE, "the run record path under '%s' is too long", home);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno == ENOENT)
			return 0;
		return err_set(e, EX_IOERR, "cannot read the run record '%s': %s", path, strerror(errno));
	}
	k = read(fd, text, sizeof(text) - 1);
	close(fd);
	text[k > 0 ? k : 0] = '\0';
	if ((o = cJSON_Parse(text)) == NULL)
		return err_set(e, EX_DATAERR,
		    "the run record '%s' is not JSON; move it aside (the job is then "
		    "handled as a run without a record)",
		    path);
	rc = record_parse(o, job_id, attempt, r);
	cJSON_Delete(o);
	if (rc < 0)
		return err_set(e, EX_DATAERR,
		    "the run record '%s' is not job %lld attempt %d's; move it aside", path,
		    (long long)job_id, attempt);
	return 1;
}

void
job_record_remove(const char *home, int64_t job_id, int attempt)
{
	char path[ORCH_PATH_MAX_2];

	if (job_record_path(home, job_id, attempt, path, sizeof(path)) == 0)
		(void)unlink(path);
}

void
job_record_outcome(const struct job_record *r, struct job *j, struct job_outcome *o)
{
	memset(j, 0, sizeof(*j));
	j->id = r->job_id;
	j->run_id = r->run_id;
	j->attempts = r->attempt;
	str_copy(j->token, sizeof(j->token), r->token);
	str_copy(j->work_item, sizeof(j->work_item), r->work_item);
	str_copy(j->agent, sizeof(j->agent), r->agent);
	str_copy(j->stage, sizeof(j->stage), r->stage);
	*o = (struct job_outcome){ .ok = r->ok,
		.exit_code = r->exit_code,
		.status = r->status,
		.duration_ms = r->duration_ms,
		.log_path = r->log_path,
		.reason = r->reason,
		.interrupted = r->interrupted };
}

int
job_cancel_task(struct store *st, int64_t task_id, long *pgids, int max, int *np, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];

	*np = 0;
	if (store_prepare(st, &s,
		"SELECT coalesce(agent_pgid, 0) FROM jobs WHERE task_id = ?1 AND status = 'running'", e) < 0)
		return -1;
	store_bind_int64(s, 1, task_id);
	while (store_step(s) == STORE_ROW)
		if (store_column_int64(s, 0) > 0 && *np < max)
			pgids[(*np)++] = (long)store_column_int64(s, 0);
	store_finalize(s);
	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s,
		"UPDATE jobs SET status = 'done', cancelled_at = ?2, pid = NULL, lease_until = NULL, "
		"updated_at = ?2 WHERE task_id = ?1 AND status IN ('queued','running')",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, task_id);
	store_bind_text(s, 2, now);
	if (store_step_done(st, s, "cancel the item's jobs", e) < 0)
		return -1;
	return store_changes(st);
}

int
job_last(struct store *st, int64_t task_id, const char *stage, struct job_last *v, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	memset(v, 0, sizeof(*v));
	if (store_prepare(st, &s,
		"SELECT id, agent, status, attempts, coalesce(last_error, ''), updated_at FROM jobs "
		"WHERE task_id = ?1 AND stage = ?2 ORDER BY id DESC LIMIT 1",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, task_id);
	store_bind_text(s, 2, stage);
	if ((rc = store_step(s)) == STORE_ROW) {
		v->id = store_column_int64(s, 0);
		str_copy(v->agent, sizeof(v->agent), store_column_text(s, 1));
		str_copy(v->status, sizeof(v->status), store_column_text(s, 2));
		v->attempts = store_column_int(s, 3);
		str_copy(v->last_error, sizeof(v->last_error), store_column_text(s, 4));
		str_copy(v->at, sizeof(v->at), store_column_text(s, 5));
	}
	if (rc != STORE_ROW && rc != STORE_DONE)
		store_fail(st, "read the item's last job", e);
	store_finalize(s);
	return rc == STORE_ROW ? 1 : rc == STORE_DONE ? 0 : -1;
}
