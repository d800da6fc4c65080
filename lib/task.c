#include "task.h"

#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "store.h"
#include "util.h"

#define TASK_COLS "id, project, work_item, issue_id, title, repo, branch, worktree, stage, blocked, " \
	"retries, review_requested"

static void
col(sqlite3_stmt *s, int i, char *dst, size_t n)
{
	const char *v = (const char *)sqlite3_column_text(s, i);

	str_copy(dst, n, v ? v : "");
}

int
task_get(struct store *st, const char *wi, struct task *t, struct orch_err *e)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, &s, "SELECT " TASK_COLS " FROM tasks WHERE work_item = ?1", e) < 0)
		return -1;
	sqlite3_bind_text(s, 1, wi, -1, SQLITE_STATIC);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		memset(t, 0, sizeof(*t));
		t->id = sqlite3_column_int64(s, 0);
		col(s, 1, t->project, sizeof(t->project));
		col(s, 2, t->work_item, sizeof(t->work_item));
		col(s, 3, t->issue_id, sizeof(t->issue_id));
		col(s, 4, t->title, sizeof(t->title));
		col(s, 5, t->repo, sizeof(t->repo));
		col(s, 6, t->branch, sizeof(t->branch));
		col(s, 7, t->worktree, sizeof(t->worktree));
		col(s, 8, t->stage, sizeof(t->stage));
		t->blocked = sqlite3_column_int(s, 9);
		t->retries = sqlite3_column_int(s, 10);
		t->review_requested = sqlite3_column_int(s, 11);
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_ROW)
		return 0;
	if (rc != SQLITE_DONE)
		return store_fail(st, "read task", e);
	return err_set(e, EX_NOINPUT, "work item '%s' has no task in orch; start it with "
	    "orch-advance --start %s", wi, wi);
}

int
task_insert(struct store *st, struct task *t, struct orch_err *e)
{
	sqlite3_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s, "INSERT INTO tasks(project, work_item, issue_id, title, repo, branch, "
	    "worktree, stage, blocked, retries, created_at, updated_at) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0, 0, ?9, ?9)", e) < 0)
		return -1;
	sqlite3_bind_text(s, 1, t->project, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, t->work_item, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, t->issue_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, t->title, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, t->repo, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, t->branch, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 7, t->worktree, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 8, t->stage, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 9, now, -1, SQLITE_STATIC);
	if (store_step_done(st, s, "insert task", e) < 0)
		return -1;
	t->id = sqlite3_last_insert_rowid(st->db);
	return 0;
}

int
task_update(struct store *st, const struct task *t, struct orch_err *e)
{
	sqlite3_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s, "UPDATE tasks SET stage = ?1, blocked = ?2, retries = ?3, "
	    "review_requested = ?4, updated_at = ?5 WHERE id = ?6", e) < 0)
		return -1;
	sqlite3_bind_text(s, 1, t->stage, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, t->blocked);
	sqlite3_bind_int(s, 3, t->retries);
	sqlite3_bind_int(s, 4, t->review_requested);
	sqlite3_bind_text(s, 5, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, t->id);
	return store_step_done(st, s, "update task", e);
}

int
task_list(struct store *st, char ***wis, struct orch_err *e)
{
	sqlite3_stmt *s;

	if (store_prepare(st, &s, "SELECT work_item FROM tasks WHERE stage != 'done' ORDER BY id", e) < 0)
		return -1;
	return store_strings(st, s, wis, e);
}

int
event_add(struct store *st, const char *wi, const char *kind, const char *from, const char *to,
    const char *detail, struct orch_err *e)
{
	sqlite3_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s, "INSERT INTO events(ts, work_item, kind, stage_from, stage_to, detail) "
	    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", e) < 0)
		return -1;
	sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, wi, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, kind, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, to, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, detail ? detail : "", -1, SQLITE_STATIC);
	return store_step_done(st, s, "record event", e);
}

int
verdict_claim(struct store *st, const char *issue_id, const char *state_id, const char *updated_at,
    const char *wi, const char *verdict, struct orch_err *e)
{
	sqlite3_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s, "INSERT OR IGNORE INTO verdicts(issue_id, state_id, issue_updated_at, work_item, "
	    "verdict, applied_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)", e) < 0)
		return -1;
	sqlite3_bind_text(s, 1, issue_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, state_id, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, updated_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, wi, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, verdict, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 6, now, -1, SQLITE_STATIC);
	if (store_step_done(st, s, "record verdict", e) < 0)
		return -1;
	return sqlite3_changes(st->db) == 1;
}
