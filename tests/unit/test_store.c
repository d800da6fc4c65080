/* store: migrations, WAL, transactions, busy -> EX_TEMPFAIL. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/err.h"
#include "../../lib/proc.h"
#include "../../lib/store.h"
#include "../../lib/task.h"
#include "suites.h"

/* A fresh orch.db in a, and a second connection b to it (busy timeout 50 ms): two processes. */
static void
two_connections(struct store *a, struct store *b)
{
	struct orch_err e = { 0 };
	char db[4200];

	tmp_store(a);
	snprintf(db, sizeof(db), "%s/orch.db", tmp_dir);
	ck_assert_int_eq(store_open(b, db, 50, &e), 0);
}

START_TEST(store_migrates_in_wal)
{
	struct store st;
	struct store_stmt *s;

	tmp_store(&st);
	ck_assert_int_eq(tsql_int(&st, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(store_prepare(&st, &s, "PRAGMA journal_mode", NULL), 0);
	ck_assert_int_eq(store_step(s), STORE_ROW);
	ck_assert_str_eq(store_column_text(s, 0), "wal");
	store_finalize(s);
	store_close(&st);
	tmp_store(&st); /* reopening applies nothing twice */
	ck_assert_int_eq(tsql_int(&st, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	store_close(&st);
}
END_TEST

START_TEST(store_refuses_newer_schema)
{
	struct store st;
	struct orch_err e = { 0 };
	char db[4200];

	tmp_store(&st);
	ck_assert_int_eq(store_exec(&st, "PRAGMA user_version = 999", &e), 0);
	store_close(&st);
	snprintf(db, sizeof(db), "%s/orch.db", tmp_dir);
	ck_assert_int_eq(store_open(&st, db, 100, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "newer than this orch"));
}
END_TEST

START_TEST(store_busy_is_tempfail_and_writes_nothing)
{
	struct store a, b;
	struct orch_err e = { 0 };

	two_connections(&a, &b);
	ck_assert_int_eq(store_begin(&a, &e), 0);
	ck_assert_int_eq(event_add(&a, "A-1", "x", NULL, NULL, "held", &e), 0);
	ck_assert_int_eq(store_begin(&b, &e), -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(e.msg, "busy"));
	store_rollback(&a);
	ck_assert_int_eq(tsql_int(&b, "SELECT count(*) FROM events"), 0);
	store_close(&a);
	store_close(&b);
}
END_TEST

START_TEST(store_verdict_key_is_unique)
{
	struct store st;
	struct orch_err e = { 0 };

	tmp_store(&st);
	ck_assert_int_eq(
	    verdict_claim(&st, "i1", "s1", "2026-01-01T00:00:00.000001Z", "A-1", "approved", &e), 1);
	ck_assert_int_eq(
	    verdict_claim(&st, "i1", "s1", "2026-01-01T00:00:00.000001Z", "A-1", "approved", &e), 0);
	ck_assert_int_eq(
	    verdict_claim(&st, "i1", "s1", "2026-01-01T00:00:00.000002Z", "A-1", "approved", &e), 1);
	ck_assert_int_eq(tsql_int(&st, "SELECT count(*) FROM verdicts"), 2);
	store_close(&st);
}
END_TEST

START_TEST(store_tool_metrics)
{
	struct store st;
	struct proc_result r;
	const char *ok[] = { "true", NULL }, *no[] = { "false", NULL };
	struct proc_spec s = { .argv = ok, .timeout_ms = 5000, .observe = store_tool_observe, .tool = "t" };

	tmp_store(&st);
	s.observe_ctx = &st;
	proc_run(&s, &r);
	proc_result_free(&r);
	s.argv = no;
	proc_run(&s, &r);
	proc_result_free(&r);
	ck_assert_int_eq(tsql_int(&st, "SELECT runs FROM tool_metrics WHERE tool='t'"), 2);
	ck_assert_int_eq(tsql_int(&st, "SELECT failures FROM tool_metrics WHERE tool='t'"), 1);
	ck_assert_int_eq(tsql_int(&st, "SELECT last_error = 'exited with code 1' FROM tool_metrics"), 1);
	store_close(&st);
}
END_TEST

/* row_counts follows every insert, stage change and delete, so orch-status never counts the history */
START_TEST(store_row_counts_follow_tasks_and_jobs)
{
	static const char mismatch[] =
	    "SELECT count(*) FROM (SELECT stage AS name, count(*) AS n FROM tasks GROUP BY stage "
	    "EXCEPT SELECT name, n FROM row_counts WHERE kind = 'task' AND n > 0) UNION ALL "
	    "SELECT count(*) FROM (SELECT name, n FROM row_counts WHERE kind = 'task' AND n > 0 EXCEPT "
	    "SELECT stage, count(*) FROM tasks GROUP BY stage)";
	struct store st;
	struct orch_err e = { 0 };
	struct store_stmt *s;
	int i;

	tmp_store(&st);
	ck_assert_int_eq(store_exec(&st,
			     "WITH RECURSIVE g(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM g "
			     "WHERE value < 30) INSERT INTO tasks(project, work_item, issue_id, title, repo, "
			     "branch, worktree, "
			     "stage, created_at, updated_at) SELECT 'P', 'P-' || value, 'i' || value, 't', "
			     "'/r', 'b' || value, '/w', "
			     "CASE WHEN value % 3 = 0 THEN 'done' ELSE 'analysis' END, 'x', 'x' FROM g",
			     &e),
	    0);
	ck_assert_int_eq(store_exec(&st,
			     "INSERT INTO jobs(task_id, agent, stage, status, created_at, updated_at) "
			     "SELECT id, 'a', 'analysis', 'queued', 'x', 'x' FROM tasks",
			     &e),
	    0);
	ck_assert_int_eq(
	    store_exec(&st,
		"UPDATE tasks SET stage = 'review' WHERE id % 5 = 0; "
		"UPDATE tasks SET stage = stage WHERE id = 1; DELETE FROM jobs WHERE task_id > 25 OR task_id "
		"= 7; "
		"UPDATE jobs SET status = 'done' WHERE task_id % 2 = 0; DELETE FROM tasks WHERE id = 7",
		&e),
	    0);
	ck_assert_int_eq(store_prepare(&st, &s, mismatch, NULL), 0);
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(store_step(s), STORE_ROW);
		ck_assert_int_eq(store_column_int(s, 0), 0);
	}
	store_finalize(s);
	ck_assert_int_eq(tsql_int(&st, "SELECT n FROM row_counts WHERE kind = 'job' AND name = 'done'"), 12);
	ck_assert_int_eq(
	    tsql_int(&st, "SELECT n FROM row_counts WHERE kind = 'job' AND name = 'queued'"), 12);
	ck_assert_int_eq(
	    tsql_int(&st, "SELECT n FROM row_counts WHERE kind = 'task' AND name = 'review'"), 6);
	store_close(&st);
}
END_TEST

/* a cached statement is reused, a nested use of the same SQL gets its own, and close frees them */
/*
 * A snapshot: reads share one read transaction and do not see another
 * connection's later commit; store_begin() ends it, so the write is
 * committed on its own; inside a write transaction it is a no-op, and its
 * end does not commit that transaction.
 */
START_TEST(store_snapshot_reads_then_writes)
{
	struct store a, b;
	struct orch_err e = { 0 };

	two_connections(&a, &b);
	ck_assert_int_eq(store_snapshot_begin(&a, &e), 0);
	ck_assert_int_eq(store_snapshot_begin(&a, &e), 0); /* already open: nothing nests */
	ck_assert_int_eq(tsql_int(&a, "SELECT count(*) FROM events"), 0);
	ck_assert_int_eq(event_add(&b, "A-1", "x", NULL, NULL, "other", &e), 0);
	ck_assert_int_eq(tsql_int(&a, "SELECT count(*) FROM events"), 0); /* the snapshot's view */
	ck_assert_int_eq(store_begin(&a, &e), 0); /* ends the snapshot: sees the commit */
	ck_assert_int_eq(tsql_int(&a, "SELECT count(*) FROM events"), 1);
	ck_assert_int_eq(event_add(&a, "A-2", "x", NULL, NULL, "ours", &e), 0);
	ck_assert_int_eq(store_snapshot_begin(&a, &e), 0); /* in a write: no-op */
	store_snapshot_end(&a);
	ck_assert_int_eq(tsql_int(&b, "SELECT count(*) FROM events"), 1); /* not committed by it */
	ck_assert_int_eq(store_commit(&a, &e), 0);
	ck_assert_int_eq(tsql_int(&b, "SELECT count(*) FROM events"), 2);
	ck_assert_int_eq(store_snapshot_begin(&a, &e), 0);
	store_close(&a);                          /* closes an open snapshot */
	ck_assert_int_eq(store_begin(&b, &e), 0); /* nothing left holding a lock */
	store_rollback(&b);
	store_close(&b);
}
END_TEST

START_TEST(store_cached_statements)
{
	static const char sql[] = "SELECT ?1 + 1";
	struct store st;
	struct orch_err e = { 0 };
	struct store_stmt *a, *b, *c;

	tmp_store(&st);
	ck_assert_int_eq(store_cached(&st, &a, sql, &e), 0);
	ck_assert_int_eq(store_cached(&st, &b, sql, &e), 0); /* a is busy: a fresh one */
	ck_assert_ptr_ne(a, b);
	store_bind_int(a, 1, 41);
	ck_assert_int_eq(store_step(a), STORE_ROW);
	ck_assert_int_eq(store_column_int(a, 0), 42);
	store_release(&st, b);
	store_release(&st, a);
	ck_assert_int_eq(store_cached(&st, &c, sql, &e), 0);
	ck_assert_ptr_eq(c, a); /* reused, reset and unbound */
	ck_assert_int_eq(store_step(c), STORE_ROW);
	ck_assert(store_column_is_null(c, 0));
	store_release(&st, c);
	ck_assert_int_eq(store_cached(&st, &a, "SELECT nonsense FROM", &e), -1);
	ck_assert_ptr_null(a);
	store_close(&st);
}
END_TEST

/* rows as orch-status shows them: integers as numbers, a "blocked" column as a flag, NULL as null, the rest
 * as text */
START_TEST(store_rows_and_counts_json)
{
	cJSON *arr = cJSON_CreateArray(), *obj = cJSON_CreateObject(), *o;
	struct store st;
	struct orch_err e = { 0 };
	struct store_stmt *s;

	tmp_store(&st);
	ck_assert_int_eq(store_prepare(&st, &s,
			     "SELECT 7 AS n, 1 AS blocked, NULL AS z, 'x' AS t, 1.5 AS r "
			     "UNION ALL SELECT 8, 0, NULL, 'y', 2",
			     &e),
	    0);
	ck_assert_int_eq(store_rows_json(&st, s, arr, &e), 0);
	ck_assert_int_eq(cJSON_GetArraySize(arr), 2);
	o = cJSON_GetArrayItem(arr, 0);
	ck_assert_double_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(o, "n")), 7);
	ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(o, "blocked")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(o, "z")));
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(o, "t")), "x");
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(o, "r")), "1.5");
	o = cJSON_GetArrayItem(arr, 1);
	ck_assert(cJSON_IsFalse(cJSON_GetObjectItem(o, "blocked")));
	ck_assert_double_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(o, "r")), 2);
	ck_assert_int_eq(store_prepare(&st, &s, "SELECT 'a', 1 UNION ALL SELECT 'b', 2", &e), 0);
	ck_assert_int_eq(store_counts_json(&st, s, obj, &e), 0);
	ck_assert_double_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(obj, "a")), 1);
	ck_assert_double_eq(cJSON_GetNumberValue(cJSON_GetObjectItem(obj, "b")), 2);
	/* an error while stepping (integer overflow) fails the read */
	ck_assert_int_eq(store_prepare(&st, &s, "SELECT abs(-9223372036854775807 - 1) AS n", &e), 0);
	ck_assert_int_eq(store_rows_json(&st, s, arr, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "read status"));
	cJSON_Delete(arr);
	cJSON_Delete(obj);
	store_close(&st);
}
END_TEST

Suite *
store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, store_migrates_in_wal);
	tcase_add_test(tc, store_refuses_newer_schema);
	tcase_add_test(tc, store_busy_is_tempfail_and_writes_nothing);
	tcase_add_test(tc, store_verdict_key_is_unique);
	tcase_add_test(tc, store_tool_metrics);
	tcase_add_test(tc, store_row_counts_follow_tasks_and_jobs);
	tcase_add_test(tc, store_cached_statements);
	tcase_add_test(tc, store_snapshot_reads_then_writes);
	tcase_add_test(tc, store_rows_and_counts_json);
	suite_add_tcase(s, tc);
	return s;
}
