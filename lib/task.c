#include "task.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "proc.h"
#include "sizes.h"
#include "store.h"
#include "util.h"

#define TASK_COLS \
	"id, project, work_item, issue_id, title, repo, branch, worktree, stage, blocked, " \
	"retries, review_requested, version, round, manual, stopped"

static void
col(struct store_stmt *s, int i, char *dst, size_t n)
{
	const char *v = store_column_text(s, i);

	str_copy(dst, n, v ? v : "");
}

static const char task_get_sql[] = "SELECT " TASK_COLS " FROM tasks WHERE work_item = ?1";
static const char task_get_id_sql[] = "SELECT " TASK_COLS " FROM tasks WHERE id = ?1";

static int task_read(
    struct store *st, struct store_stmt *s, const char *wi, struct task *t, struct orch_err *e);

int
task_get(struct store *st, const char *wi, struct task *t, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_cached(st, &s, task_get_sql, e) < 0)
		return -1;
	store_bind_text(s, 1, wi);
	return task_read(st, s, wi, t, e);
}

/*
 * By rowid: advance --all walks the live tasks in id order, and ids of live
 * tasks lie together where their work item names, in text order, need not.
 */
int
task_get_id(struct store *st, int64_t id, struct task *t, struct orch_err *e)
{
	struct store_stmt *s;
	char wi[32];

	if (store_cached(st, &s, task_get_id_sql, e) < 0)
		return -1;
	store_bind_int64(s, 1, id);
	snprintf(wi, sizeof(wi), "task %lld", (long long)id);
	return task_read(st, s, wi, t, e);
}

static const struct config *task_paths_cfg;

void
task_local_paths(const struct config *cfg)
{
	task_paths_cfg = cfg;
}

/*
 * A shared store's row names the paths of the host that started the task: this host's are its own
 * project's repository and its own ORCH_HOME's workspace (docs/multi-host.md).  One host's store
 * keeps the row's (a legacy linked worktree lives elsewhere).
 */
static void
task_localize(struct task *t)
{
	const struct config *cfg = task_paths_cfg;
	const struct project *p;

	if (cfg == NULL || cfg->store == NULL)
		return;
	if ((p = config_project(cfg, t->project)) != NULL)
		str_copy(t->repo, sizeof(t->repo), p->repo);
	if (str_fmt(t->worktree, sizeof(t->worktree), "%s/worktrees/%s/%s", cfg->home, t->project,
		t->work_item) < 0)
		t->worktree[0] = '\0'; /* too long for this host: every use of it fails loudly */
}

/* One row of TASK_COLS from s (released here): 0, -1 with e (EX_NOINPUT: no such task). */
static int
task_read(struct store *st, struct store_stmt *s, const char *wi, struct task *t, struct orch_err *e)
{
	int rc;

	rc = store_step(s);
	if (rc == STORE_ROW) {
		memset(t, 0, sizeof(*t));
		t->id = store_column_int64(s, 0);
		col(s, 1, t->project, sizeof(t->project));
		col(s, 2, t->work_item, sizeof(t->work_item));
		col(s, 3, t->issue_id, sizeof(t->issue_id));
		col(s, 4, t->title, sizeof(t->title));
		col(s, 5, t->repo, sizeof(t->repo));
		col(s, 6, t->branch, sizeof(t->branch));
		col(s, 7, t->worktree, sizeof(t->worktree));
		col(s, 8, t->stage, sizeof(t->stage));
		t->blocked = store_column_int(s, 9);
		t->retries = store_column_int(s, 10);
		t->review_requested = store_column_int(s, 11);
		t->version = store_column_int64(s, 12);
		t->round = store_column_int(s, 13);
		t->manual = store_column_int(s, 14);
		col(s, 15, t->stopped, sizeof(t->stopped));
		task_localize(t);
	}
	if (rc != STORE_ROW && rc != STORE_DONE)
		store_fail(st, "read task", e);
	store_release(st, s);
	if (rc != STORE_DONE)
		return rc == STORE_ROW ? 0 : -1;
	return err_set(e, EX_NOINPUT,
	    "work item '%s' has no task in orch; start it with "
	    "orch-advance --start %s",
	    wi, wi);
}

int
task_insert(struct store *st, struct task *t, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s,
		"INSERT INTO tasks(project, work_item, issue_id, title, repo, branch, "
		"worktree, stage, blocked, retries, created_at, updated_at) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, 0, ?9, ?9)",
		e) < 0)
		return -1;
	store_bind_text(s, 1, t->project);
	store_bind_text(s, 2, t->work_item);
	store_bind_text(s, 3, t->issue_id);
	store_bind_text(s, 4, t->title);
	store_bind_text(s, 5, t->repo);
	store_bind_text(s, 6, t->branch);
	store_bind_text(s, 7, t->worktree);
	store_bind_text(s, 8, t->stage);
	store_bind_text(s, 9, now);
	if (store_step_done(st, s, "insert task", e) < 0)
		return -1;
	t->id = store_last_insert_id(st);
	return 0;
}

int
task_update(struct store *st, struct task *t, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s,
		"UPDATE tasks SET stage = ?1, blocked = ?2, retries = ?3, "
		"review_requested = ?4, updated_at = ?5, round = ?8, manual = ?9, stopped = ?10, version = "
		"version + 1 "
		"WHERE id = ?6 AND version = ?7",
		e) < 0)
		return -1;
	store_bind_text(s, 1, t->stage);
	store_bind_int(s, 2, t->blocked);
	store_bind_int(s, 3, t->retries);
	store_bind_int(s, 4, t->review_requested);
	store_bind_text(s, 5, now);
	store_bind_int64(s, 6, t->id);
	store_bind_int64(s, 7, t->version);
	store_bind_int(s, 8, t->round);
	store_bind_int(s, 9, t->manual);
	store_bind_text(s, 10, t->stopped);
	if (store_step_done(st, s, "update task", e) < 0)
		return -1;
	if (store_changes(st) != 1)
		return 0;
	t->version++;
	return 1;
}

static void
lease_name(const struct task *t, char *out, size_t n)
{
	snprintf(out, n, "task:%s", t->work_item);
}

/*
 * The holder of a claim on this host is dead, but the child it ran may not
 * be: 1 its process group lives on (holder says what happens), 0 it is gone.
 * A deploy hook is waited for; any other child is stopped (its result was
 * its dead holder's).
 */
static int
child_lives(long pid, long child, const char *kind, char *holder, size_t hn)
{
	if (!proc_group_alive(child))
		return 0;
	if (strcmp(kind, TASK_CHILD_HOOK) == 0) {
		snprintf(holder, hn,
		    "the deploy hook (process group %ld) that pid %ld started before it died; waiting for "
		    "it to end",
		    child, pid);
		return 1;
	}
	proc_kill_group(child);
	snprintf(holder, hn,
	    "the %s (process group %ld) of pid %ld, which died; stopped it, the claim is free once it "
	    "is gone",
	    kind[0] ? kind : "child", child, pid);
	return 1;
}

struct claim_row {
	int found, live; /* live: not past its expiry in the store's clock */
	long pid, child;
	int64_t expires_in;
	char host[256], kind[32], token[33];
};

/*
 * This process's claim token: random, made once.  Renewing, recording a
 * child and releasing are conditioned on it, so a process whose claim was
 * taken over (it expired) changes nothing of the next holder's, and a pid
 * reused on the same host is not taken for the old holder.
 */
static const char *
claim_token(void)
{
	static char token[33];

	if (token[0] == '\0' && random_hex(token, 16) < 0)
		snprintf(token, sizeof(token), "pid%ld-%lld", (long)getpid(), (long long)time(NULL));
	return token;
}

static int
claim_read(struct store *st, const char *name, struct claim_row *row, struct orch_err *e)
{
	struct store_stmt *s;

	memset(row, 0, sizeof(*row));
	if (store_prepare(st, &s,
		"SELECT pid, host, expires_at - orch_now(), child_pgid, child_kind, token FROM leases "
		"WHERE name = ?1",
		e) < 0)
		return -1;
	store_bind_text(s, 1, name);
	if (store_step(s) == STORE_ROW) {
		row->found = 1;
		row->pid = (long)store_column_int64(s, 0);
		str_copy(row->host, sizeof(row->host), store_column_text(s, 1));
		row->expires_in = store_column_int64(s, 2);
		row->live = row->expires_in > 0;
		row->child = (long)store_column_int64(s, 3);
		str_copy(row->kind, sizeof(row->kind), store_column_text(s, 4));
		str_copy(row->token, sizeof(row->token), store_column_text(s, 5));
	}
	store_finalize(s);
	return 0;
}

/*
 * 1 when the claim in row keeps another process out (holder says whose):
 * a holder on this host is judged by its pid (and the child it left), one
 * on another host by its expiry in the store's clock, which its holder
 * renews while its long children run.
 */
static int
claim_held(struct store *st, const struct claim_row *row, char *holder, size_t hn)
{
	if (!row->found)
		return 0;
	if (strcmp(row->host, st->host) != 0) {
		if (!row->live)
			return 0;
		snprintf(holder, hn, "pid %ld on host %s (its claim runs out in %lld s unless renewed)",
		    row->pid, row->host[0] ? row->host : "(unnamed)", (long long)row->expires_in);
		return 1;
	}
	if (proc_alive(row->pid)) {
		snprintf(holder, hn, "pid %ld on %s", row->pid, row->host[0] ? row->host : "this host");
		return 1;
	}
	return child_lives(row->pid, row->child, row->kind, holder, hn);
}

int
task_claim(struct store *st, const struct task *t, int ttl_s, char *holder, size_t hn, struct orch_err *e)
{
	struct claim_row row;
	char name[64];

	lease_name(t, name, sizeof(name));
	if (store_begin(st, e) < 0)
		return -1;
	if (claim_read(st, name, &row, e) < 0)
		goto fail;
	if (row.found && strcmp(row.token, claim_token()) == 0 && strcmp(row.host, st->host) == 0) {
		store_rollback(st);
		return 2;
	}
	if (claim_held(st, &row, holder, hn)) {
		store_rollback(st);
		return 0;
	}
	if (task_lease_put(st, name, t, (long)getpid(), ttl_s, e) < 0)
		goto fail;
	if (store_commit(st, e) < 0)
		return -1;
	return 1;
fail:
	store_rollback(st);
	return -1;
}

void
task_claim_child(void *ctx, long pgid)
{
	const struct task_child *c = ctx;
	struct store_stmt *s;
	char name[64];

	lease_name(c->t, name, sizeof(name));
	if (store_prepare(c->st, &s,
		"UPDATE leases SET child_pgid = ?1, child_kind = ?2 WHERE name = ?3 AND token = ?4 AND "
		"host = ?5",
		NULL) < 0)
		return;
	store_bind_int64(s, 1, pgid);
	store_bind_text(s, 2, c->kind);
	store_bind_text(s, 3, name);
	store_bind_text(s, 4, claim_token());
	store_bind_text(s, 5, c->st->host);
	/* best effort: the deploy hook's own sentinels say it runs all the same */
	(void)store_step_done(c->st, s, "record the claim's child", NULL);
}

int
task_claim_beat(void *ctx)
{
	const struct task_child *c = ctx;
	struct store_stmt *s;
	char name[64];

	if (c->ttl_s <= 0)
		return 0;
	lease_name(c->t, name, sizeof(name));
	if (store_prepare(c->st, &s,
		"UPDATE leases SET expires_at = orch_now() + ?1 WHERE name = ?2 AND token = ?3 AND host = ?4",
		NULL) < 0)
		return 0; /* the store is busy or gone: the claim lives until its expiry; try again */
	store_bind_int64(s, 1, c->ttl_s);
	store_bind_text(s, 2, name);
	store_bind_text(s, 3, claim_token());
	store_bind_text(s, 4, c->st->host);
	if (store_step_done(c->st, s, "renew the task claim", NULL) < 0)
		return 0;
	/* the claim is another's: its child's result would be nobody's (a deploy hook is never stopped) */
	return store_changes(c->st) == 0 && strcmp(c->kind, TASK_CHILD_HOOK) != 0;
}

void
task_release(struct store *st, const struct task *t)
{
	struct store_stmt *s;
	char name[64];
	struct orch_err e = { 0 };

	lease_name(t, name, sizeof(name));
	if (store_prepare(st, &s, "DELETE FROM leases WHERE name = ?1 AND token = ?2 AND host = ?3", &e) < 0)
		return;
	store_bind_text(s, 1, name);
	store_bind_text(s, 2, claim_token());
	store_bind_text(s, 3, st->host);
	store_step_done(st, s, "release the task claim", &e);
}

int
task_list_ids(struct store *st, int64_t **ids, size_t *n, struct orch_err *e)
{
	struct store_stmt *s;
	size_t cap = 0;
	int rc;

	*ids = NULL;
	*n = 0;
	if (store_prepare(st, &s,
		"SELECT id FROM tasks INDEXED BY tasks_live WHERE stage != 'done' ORDER BY id", e) < 0)
		return -1;
	while ((rc = store_step(s)) == STORE_ROW) {
		if (*n == cap) {
			int64_t *more = realloc(*ids, (cap = cap ? 2 * cap : 64) * sizeof(**ids));
			if (more == NULL) {
				store_finalize(s);
				free(*ids);
				*ids = NULL;
				return err_set(e, EX_SOFTWARE, "out of memory listing the live tasks");
			}
			*ids = more;
		}
		(*ids)[(*n)++] = store_column_int64(s, 0);
	}
	store_finalize(s);
	if (rc != STORE_DONE) {
		free(*ids);
		*ids = NULL;
		*n = 0;
		return store_fail(st, "list the live tasks", e);
	}
	return 0;
}

int
task_lease_holder(struct store *st, const char *name, struct task_lease *l, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	memset(l, 0, sizeof(*l));
	if (store_prepare(st, &s,
		"SELECT task_id, work_item, pid, host, CASE WHEN expires_at > orch_now() THEN 1 ELSE 0 END "
		"FROM leases WHERE name = ?1",
		e) < 0)
		return -1;
	store_bind_text(s, 1, name);
	if ((rc = store_step(s)) == STORE_ROW) {
		l->task_id = store_column_int64(s, 0);
		col(s, 1, l->work_item, sizeof(l->work_item));
		l->pid = (long)store_column_int64(s, 2);
		col(s, 3, l->host, sizeof(l->host));
		l->live = store_column_int64(s, 4) != 0;
	}
	if (rc != STORE_ROW && rc != STORE_DONE)
		store_fail(st, "read the lease", e);
	store_finalize(s);
	return rc == STORE_ROW ? 1 : rc == STORE_DONE ? 0 : -1;
}

int
task_lease_alive(const struct store *st, const struct task_lease *l)
{
	if (l->task_id == 0)
		return 0;
	if (l->host[0] == '\0' || strcmp(l->host, st->host) == 0)
		return proc_alive(l->pid);
	return l->live;
}

int
task_lease_put(
    struct store *st, const char *name, const struct task *t, long pid, int ttl_s, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s,
		"INSERT INTO leases(name, task_id, work_item, pid, acquired_at, host, expires_at, token) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6, orch_now() + ?7, ?8) ON CONFLICT (name) DO UPDATE SET "
		"task_id = excluded.task_id, work_item = excluded.work_item, pid = excluded.pid, "
		"acquired_at = excluded.acquired_at, host = excluded.host, expires_at = excluded.expires_at, "
		"token = excluded.token, child_pgid = 0, child_kind = ''",
		e) < 0)
		return -1;
	store_bind_text(s, 1, name);
	store_bind_int64(s, 2, t->id);
	store_bind_text(s, 3, t->work_item);
	store_bind_int64(s, 4, pid);
	store_bind_text(s, 5, now);
	store_bind_text(s, 6, st->host);
	store_bind_int64(s, 7, ttl_s);
	store_bind_text(s, 8, claim_token());
	return store_step_done(st, s, "take the lease", e);
}

void
task_lease_drop(struct store *st, const char *name, const struct task *t)
{
	struct store_stmt *s;

	if (store_prepare(st, &s, "DELETE FROM leases WHERE name = ?1 AND task_id = ?2", NULL) < 0)
		return;
	store_bind_text(s, 1, name);
	store_bind_int64(s, 2, t->id);
	/* a lease left behind is its holder's pid's: the reaper drops it once that process is gone */
	(void)store_step_done(st, s, "drop the lease", NULL);
}

int
task_lease_release_dead(struct store *st, struct orch_err *e)
{
	struct {
		char name[64];
		long long pid;
	} dead[32];
	struct store_stmt *s;
	int k = 0, j, n = 0;

	/*
	 * Only this host's: a pid means nothing on another host, whose claims run out in the store's clock
	 * instead (task_claim takes an expired one over).  A dead holder's child that lives on keeps its
	 * claim: the next claimer waits for it (task_claim).
	 */
	if (store_prepare(
		st, &s, "SELECT name, pid, child_pgid FROM leases WHERE host = ?1 OR host = ''", e) < 0)
		return -1;
	store_bind_text(s, 1, st->host);
	while (k < 32 && store_step(s) == STORE_ROW)
		if (!proc_alive((long)store_column_int64(s, 1)) &&
		    !proc_group_alive((long)store_column_int64(s, 2)) &&
		    str_copy(dead[k].name, sizeof(dead[k].name), store_column_text(s, 0)) == 0)
			dead[k++].pid = store_column_int64(s, 1);
	store_finalize(s);
	for (j = 0; j < k; j++) {
		/* the pid and host too: a live process may have taken the lease over since it was read */
		if (store_prepare(st, &s,
			"DELETE FROM leases WHERE name = ?1 AND pid = ?2 AND (host = ?3 OR host = '')",
			e) < 0)
			return -1;
		store_bind_text(s, 1, dead[j].name);
		store_bind_int64(s, 2, dead[j].pid);
		store_bind_text(s, 3, st->host);
		if (store_step_done(st, s, "release a dead holder's lease", e) < 0)
			return -1;
		n += store_changes(st);
	}
	return n;
}

int
task_updated_at(struct store *st, const struct task *t, char out[32], struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	out[0] = '\0';
	if (store_prepare(st, &s, "SELECT updated_at FROM tasks WHERE id = ?1", e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	if ((rc = store_step(s)) == STORE_ROW)
		col(s, 0, out, 32);
	if (rc != STORE_ROW && rc != STORE_DONE)
		store_fail(st, "read the task's updated_at", e);
	store_finalize(s);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

int
task_list(struct store *st, char ***wis, struct orch_err *e)
{
	struct store_stmt *s;

	/* the partial index tasks_live: cost follows the live tasks, not the history */
	if (store_prepare(st, &s,
		"SELECT work_item FROM tasks INDEXED BY tasks_live WHERE stage != 'done' ORDER BY id", e) < 0)
		return -1;
	return store_strings(st, s, wis, e);
}

int
event_add(struct store *st, const char *wi, const char *kind, const char *from, const char *to,
    const char *detail, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s,
		"INSERT INTO events(ts, work_item, kind, stage_from, stage_to, detail) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		e) < 0)
		return -1;
	store_bind_text(s, 1, now);
	store_bind_text(s, 2, wi);
	store_bind_text(s, 3, kind);
	store_bind_text(s, 4, from);
	store_bind_text(s, 5, to);
	store_bind_text(s, 6, detail ? detail : "");
	return store_step_done(st, s, "record event", e);
}

int
task_deps_audit(
    struct store *st, const char *wi, const char *stage, int degraded, const char *note, struct orch_err *e)
{
	const char *kind = degraded ? "deps_degraded" : "deps_audited", *detail = degraded ? note : "";
	struct store_stmt *s;
	char **last;
	int same;

	if (store_prepare(st, &s,
		"SELECT CASE WHEN kind = ?2 AND detail = ?3 THEN 'same' ELSE 'new' END FROM events "
		"WHERE work_item = ?1 AND kind IN ('deps_audited', 'deps_degraded') ORDER BY id DESC LIMIT 1",
		e) < 0)
		return -1;
	store_bind_text(s, 1, wi);
	store_bind_text(s, 2, kind);
	store_bind_text(s, 3, detail);
	if (store_strings(st, s, &last, e) < 0)
		return -1;
	/* a first audit that completed is no news */
	same = last[0] ? strcmp(last[0], "same") == 0 : !degraded;
	argv_free(last);
	return same ? 0 : event_add(st, wi, kind, stage, stage, detail, e);
}

int
verdict_claim(struct store *st, const char *issue_id, const char *state_id, const char *updated_at,
    const char *wi, const char *verdict, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s,
		"INSERT INTO verdicts(issue_id, state_id, issue_updated_at, work_item, "
		"verdict, applied_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
		e) < 0)
		return -1;
	store_bind_text(s, 1, issue_id);
	store_bind_text(s, 2, state_id);
	store_bind_text(s, 3, updated_at);
	store_bind_text(s, 4, wi);
	store_bind_text(s, 5, verdict);
	store_bind_text(s, 6, now);
	if (store_step_done(st, s, "record verdict", e) < 0)
		return -1;
	return store_changes(st) == 1;
}

int
task_note_once(struct store *st, const char *key, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(
		st, &s, "INSERT INTO notices(key, sent_at) VALUES (?1, ?2) ON CONFLICT DO NOTHING", e) < 0)
		return -1;
	store_bind_text(s, 1, key);
	store_bind_text(s, 2, now);
	if (store_step_done(st, s, "record a once-only key", e) < 0)
		return -1;
	return store_changes(st) == 1;
}

int
task_cleanup_due(struct store *st, const char *cutoff, int limit, char ***wis, struct orch_err *e)
{
	struct store_stmt *s;

	/* and the items a person cancelled or set Done: kept until the same retention (issue 23) */
	if (store_prepare(st, &s,
		"SELECT work_item FROM (SELECT work_item, updated_at FROM tasks INDEXED BY "
		"tasks_uncleaned WHERE stage = 'done' AND cleaned = 0 AND updated_at < ?1 UNION ALL SELECT "
		"work_item, "
		"updated_at FROM tasks INDEXED BY tasks_stopped WHERE stopped IN ('cancelled', 'done') AND "
		"stage != 'done' "
		"AND cleaned = 0 AND updated_at < ?1) due ORDER BY updated_at LIMIT ?2",
		e) < 0)
		return -1;
	store_bind_text(s, 1, cutoff);
	store_bind_int(s, 2, limit);
	return store_strings(st, s, wis, e);
}

int
task_cleaned_recent(struct store *st, int limit, char ***wis, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(
		st, &s, "SELECT work_item FROM tasks WHERE cleaned = 1 ORDER BY id DESC LIMIT ?1", e) < 0)
		return -1;
	store_bind_int(s, 1, limit);
	return store_strings(st, s, wis, e);
}

int
task_set_cleaned(struct store *st, const struct task *t, int state, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s, "UPDATE tasks SET cleaned = ?2 WHERE id = ?1", e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	store_bind_int(s, 2, state);
	return store_step_done(st, s, "record the clean-up", e);
}

int
task_at_live_stage(struct store *st, const char *stage, char ***wis, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s,
		"SELECT work_item FROM tasks INDEXED BY tasks_live WHERE stage != 'done' AND "
		"stage = ?1 ORDER BY id",
		e) < 0)
		return -1;
	store_bind_text(s, 1, stage);
	return store_strings(st, s, wis, e);
}

int
task_watch_list(struct store *st, char ***wis, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s,
		"SELECT work_item FROM tasks INDEXED BY tasks_watching WHERE watching = 1 AND "
		"stage = 'done' ORDER BY id",
		e) < 0)
		return -1;
	return store_strings(st, s, wis, e);
}

int
task_set_watching(struct store *st, const struct task *t, int on, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s, "UPDATE tasks SET watching = ?2 WHERE id = ?1", e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	store_bind_int(s, 2, on);
	return store_step_done(st, s, "record the post-deploy watch", e);
}

int
task_tested_sha(struct store *st, const struct task *t, char sha[ORCH_SHA_BUF], struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	sha[0] = '\0';
	if (store_prepare(st, &s, "SELECT tested_sha FROM tasks WHERE id = ?1", e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	if ((rc = store_step(s)) == STORE_ROW && store_column_text(s, 0))
		snprintf(sha, ORCH_SHA_BUF, "%s", store_column_text(s, 0));
	if (rc != STORE_ROW && rc != STORE_DONE)
		store_fail(st, "reading the tested commit", e);
	store_finalize(s);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

int
task_set_tested(struct store *st, const struct task *t, const char *sha, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s, "UPDATE tasks SET tested_sha = ?1 WHERE id = ?2", e) < 0)
		return -1;
	if (sha)
		store_bind_text(s, 1, sha);
	else
		store_bind_null(s, 1);
	store_bind_int64(s, 2, t->id);
	return store_step_done(st, s, "record the tested commit", e);
}

/* One text column of t's row into out (size n, "" when NULL); 0 / -1 with e. */
static int
task_text_column(
    struct store *st, const struct task *t, const char *sql, char *out, size_t n, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	out[0] = '\0';
	if (store_prepare(st, &s, sql, e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	if ((rc = store_step(s)) == STORE_ROW && store_column_text(s, 0))
		snprintf(out, n, "%s", store_column_text(s, 0));
	store_finalize(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return err_set(
		    e, EX_TEMPFAIL, "cannot read task %s from the store; run orch doctor", t->work_item);
	return 0;
}

int
task_landed_base(struct store *st, const struct task *t, char sha[ORCH_SHA_BUF])
{
	struct orch_err e = { 0 };

	return task_text_column(st, t, "SELECT landed_base FROM tasks WHERE id = ?1", sha, ORCH_SHA_BUF, &e);
}

/* Write one text column of t's row (sql binds ?1 the value, ?2 the id); what: the failure's words.  0 / -1.
 */
static int
task_set_text_column(struct store *st, const struct task *t, const char *sql, const char *v, const char *what,
    struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s, sql, e) < 0)
		return -1;
	store_bind_text(s, 1, v);
	store_bind_int64(s, 2, t->id);
	return store_step_done(st, s, what, e);
}

int
task_set_landed_base(struct store *st, const struct task *t, const char *sha, struct orch_err *e)
{
	return task_set_text_column(st, t, "UPDATE tasks SET landed_base = ?1 WHERE id = ?2", sha,
	    "record the main commit the item landed on", e);
}

int
task_reverted_by(struct store *st, const struct task *t, char *wi, size_t n, struct orch_err *e)
{
	return task_text_column(st, t, "SELECT reverted_by FROM tasks WHERE id = ?1", wi, n, e);
}

int
task_set_reverted_by(struct store *st, const struct task *t, const char *wi, struct orch_err *e)
{
	return task_set_text_column(st, t, "UPDATE tasks SET reverted_by = ?1 WHERE id = ?2", wi,
	    "record the item that reverts it", e);
}

int
task_blob_record(struct store *st, const char *wi, const char *path, const char *blob, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s,
		"INSERT INTO orch_blobs (work_item, path, blob) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
		e) < 0)
		return -1;
	store_bind_text(s, 1, wi);
	store_bind_text(s, 2, path);
	store_bind_text(s, 3, blob);
	return store_step_done(st, s, "record an artifact orch wrote", e);
}

int
task_blob_known(struct store *st, const char *wi, const char *path, const char *blob, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	if (store_prepare(
		st, &s, "SELECT 1 FROM orch_blobs WHERE work_item = ?1 AND path = ?2 AND blob = ?3", e) < 0)
		return -1;
	store_bind_text(s, 1, wi);
	store_bind_text(s, 2, path);
	store_bind_text(s, 3, blob);
	rc = store_step(s);
	store_finalize(s);
	if (rc == STORE_ROW || rc == STORE_DONE)
		return rc == STORE_ROW;
	return store_fail(st, "read the artifacts orch wrote", e);
}

int
task_remote_get(struct store *st, const char *project, char *url, size_t n, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	url[0] = '\0';
	if (store_prepare(st, &s, "SELECT url FROM trusted_remotes WHERE project = ?1", e) < 0)
		return -1;
	store_bind_text(s, 1, project);
	if ((rc = store_step(s)) == STORE_ROW && store_column_text(s, 0))
		snprintf(url, n, "%s", store_column_text(s, 0));
	store_finalize(s);
	if (rc == STORE_ROW || rc == STORE_DONE)
		return rc == STORE_ROW;
	return store_fail(st, "read the trusted remote", e);
}

int
task_remote_put(struct store *st, const char *project, const char *url, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s,
		"INSERT INTO trusted_remotes (project, url, recorded_at) VALUES (?1, ?2, ?3) "
		"ON CONFLICT (project) DO UPDATE SET url = excluded.url, recorded_at = excluded.recorded_at",
		e) < 0)
		return -1;
	store_bind_text(s, 1, project);
	store_bind_text(s, 2, url);
	store_bind_text(s, 3, now);
	return store_step_done(st, s, "record the trusted remote", e);
}

int
task_event_since_entry(struct store *st, const char *wi, const char *kind, const char *stage)
{
	struct orch_err e = { 0 };
	struct store_stmt *s;
	int after = 0;

	if (store_prepare(st, &s,
		"SELECT (SELECT max(id) FROM events WHERE work_item = ?1 AND kind = ?2) "
		"> coalesce((SELECT max(id) FROM events WHERE work_item = ?1 AND kind = 'advanced' AND "
		"stage_to = ?3), 0)",
		&e) < 0)
		return 0;
	store_bind_text(s, 1, wi);
	store_bind_text(s, 2, kind);
	store_bind_text(s, 3, stage);
	if (store_step(s) == STORE_ROW)
		after = store_column_int(s, 0) == 1;
	store_finalize(s);
	return after;
}

int
task_claim_ttl(const struct config *cfg)
{
	/* outlives the longest gate work (ci_cmd, scanners, a hook) so a live holder never loses it */
	return cfg->ci_timeout_s + 2 * cfg->security_scan_timeout_s + cfg->job_timeout_s + 300;
}

/*
 * orch-status's task list: the live tasks, blocked first then newest, at most max (their partial
 * index keeps this cheap), then the 20 last done; with the pid and host of each one's claim.
 */
int
task_items_json(struct store *st, int max, struct cJSON *items, struct orch_err *e)
{
	/* an item a person cancelled or set Done is finished, not blocked: it needs nobody */
	return store_list_json(st,
	    "SELECT t.work_item AS work_item, t.stage AS stage, (t.blocked != 0 AND t.stopped NOT IN "
	    "('cancelled', 'done')) AS blocked, t.stopped AS stopped, t.retries AS retries, l.pid AS "
	    "claimed_pid, l.host AS claimed_host FROM (SELECT * FROM (SELECT id, work_item, stage, "
	    "blocked, retries, stopped FROM tasks WHERE stage != 'done' ORDER BY blocked DESC, id DESC "
	    "LIMIT ?1) live UNION ALL SELECT * FROM (SELECT id, work_item, stage, blocked, retries, stopped "
	    "FROM tasks WHERE stage = 'done' ORDER BY blocked DESC, id DESC LIMIT 20) done) t "
	    "LEFT JOIN leases l ON l.name = 'task:' || t.work_item",
	    max, items, e);
}

/* The last n events, newest first. */
int
task_events_json(struct store *st, int n, struct cJSON *events, struct orch_err *e)
{
	return store_list_json(st,
	    "SELECT ts, work_item, kind, stage_from, stage_to, detail FROM events "
	    "ORDER BY id DESC LIMIT ?1",
	    n, events, e);
}

int
task_deps_degraded_json(struct store *st, struct cJSON *arr, struct orch_err *e)
{
	return store_list_json(st,
	    "SELECT t.work_item AS work_item, t.stage AS stage, v.detail AS detail, v.ts AS ts "
	    "FROM tasks t INDEXED BY tasks_live JOIN events v ON v.id = (SELECT max(id) FROM events WHERE "
	    "work_item = "
	    "t.work_item AND kind IN ('deps_audited', 'deps_degraded')) WHERE t.stage != 'done' AND "
	    "t.stopped = '' "
	    "AND v.kind = 'deps_degraded' ORDER BY t.id LIMIT ?1",
	    100, arr, e);
}

int
task_verdict_record(struct store *st, const struct task *t, const char *stage, const char *sha,
    const char *code_id, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s,
		"INSERT INTO task_verdicts(task_id, stage, round, sha, code_id, at) "
		"VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	store_bind_text(s, 2, stage);
	store_bind_int(s, 3, t->round);
	store_bind_text(s, 4, sha);
	store_bind_text(s, 5, code_id);
	store_bind_text(s, 6, now);
	return store_step_done(st, s, "record the judged commit", e);
}

int
task_verdict_bound(struct store *st, const struct task *t, const char *stage, char sha[ORCH_SHA_BUF],
    char code_id[ORCH_SHA_BUF], struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	sha[0] = code_id[0] = '\0';
	if (store_prepare(st, &s,
		"SELECT sha, code_id FROM task_verdicts WHERE task_id = ?1 AND round = ?2 AND "
		"stage = ?3 ORDER BY id DESC LIMIT 1",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	store_bind_int(s, 2, t->round);
	store_bind_text(s, 3, stage);
	if ((rc = store_step(s)) == STORE_ROW) {
		col(s, 0, sha, 41);
		col(s, 1, code_id, 41);
	}
	store_finalize(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return store_fail(st, "read the judged commit", e);
	return rc == STORE_ROW;
}

int
task_ask_record(
    struct store *st, const struct task *t, const char *kind, const char *evidence, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s,
		"INSERT INTO task_asks(task_id, kind, asked_at, evidence) VALUES (?1, ?2, ?3, ?4)", e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	store_bind_text(s, 2, kind);
	store_bind_text(s, 3, now);
	store_bind_text(s, 4, evidence);
	return store_step_done(st, s, "record what a human was asked", e);
}

int
task_ask_mark(struct store *st, const struct task *t, const char *kind, const char *mark, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s,
		"UPDATE task_asks SET mark = ?3 WHERE id = (SELECT max(id) FROM task_asks WHERE "
		"task_id = ?1 AND kind = ?2)",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	store_bind_text(s, 2, kind);
	store_bind_text(s, 3, mark);
	return store_step_done(st, s, "record the tracker's mark of an ask", e);
}

int
task_ask_get(struct store *st, const struct task *t, const char *kind, struct task_ask *a, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	memset(a, 0, sizeof(*a));
	if (store_prepare(st, &s,
		"SELECT asked_at, mark, evidence FROM task_asks WHERE task_id = ?1 AND kind = ?2 "
		"ORDER BY id DESC LIMIT 1",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	store_bind_text(s, 2, kind);
	if ((rc = store_step(s)) == STORE_ROW) {
		col(s, 0, a->asked_at, sizeof(a->asked_at));
		col(s, 1, a->mark, sizeof(a->mark));
		col(s, 2, a->evidence, sizeof(a->evidence));
	}
	store_finalize(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return store_fail(st, "read what a human was asked", e);
	return rc == STORE_ROW;
}

int
task_stopped_terminal(const struct task *t)
{
	return strcmp(t->stopped, TASK_STOP_CANCELLED) == 0 || strcmp(t->stopped, TASK_STOP_DONE) == 0;
}

int
task_claim_stop_child(struct store *st, const struct task *t, char *what, size_t wn, struct orch_err *e)
{
	struct claim_row row;
	char name[64];

	what[0] = '\0';
	lease_name(t, name, sizeof(name));
	if (claim_read(st, name, &row, e) < 0)
		return -1;
	if (!row.found || row.child <= 0 || !proc_group_alive(row.child))
		return 0;
	if (strcmp(row.kind, TASK_CHILD_HOOK) == 0) {
		snprintf(what, wn,
		    "the production deploy hook (process group %ld) already runs: it is not stopped; "
		    "the stop applies after it, and its result is kept in deploy-state",
		    row.child);
		return 2;
	}
	proc_kill_group(row.child);
	snprintf(what, wn, "stopped the %s (process group %ld)", row.kind[0] ? row.kind : "child", row.child);
	return 1;
}

int
task_claim_beat_ms(int ttl_s)
{
	int ms = ttl_s > 0 ? ttl_s * 250 : 60000;

	return ms > 60000 ? 60000 : ms < 1000 ? 1000 : ms;
}
