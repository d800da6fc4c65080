/* store: migrations, WAL, transactions, busy -> EX_TEMPFAIL. */
#include <stdio.h>
#include <string.h>

#include "../../lib/err.h"
#include "../../lib/proc.h"
#include "../../lib/store.h"
#include "../../lib/task.h"
#include "suites.h"

START_TEST(store_migrates_in_wal)
{
	struct store st;
	sqlite3_stmt *s;

	tmp_store(&st);
	ck_assert_int_eq(tsql_int(&st, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	ck_assert_int_eq(sqlite3_prepare_v2(st.db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
	ck_assert_int_eq(sqlite3_step(s), SQLITE_ROW);
	ck_assert_str_eq((const char *)sqlite3_column_text(s, 0), "wal");
	sqlite3_finalize(s);
	store_close(&st);
	tmp_store(&st);		/* reopening applies nothing twice */
	ck_assert_int_eq(tsql_int(&st, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
	store_close(&st);
}
END_TEST

START_TEST(store_refuses_newer_schema)
{
	struct store st;
	struct orch_err e = {0};
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
	struct orch_err e = {0};
	char db[4200];

	tmp_store(&a);
	snprintf(db, sizeof(db), "%s/orch.db", tmp_dir);
	ck_assert_int_eq(store_open(&b, db, 50, &e), 0);
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
	struct orch_err e = {0};

	tmp_store(&st);
	ck_assert_int_eq(verdict_claim(&st, "i1", "s1", "2026-01-01T00:00:00.000001Z", "A-1", "approved", &e), 1);
	ck_assert_int_eq(verdict_claim(&st, "i1", "s1", "2026-01-01T00:00:00.000001Z", "A-1", "approved", &e), 0);
	ck_assert_int_eq(verdict_claim(&st, "i1", "s1", "2026-01-01T00:00:00.000002Z", "A-1", "approved", &e), 1);
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
	suite_add_tcase(s, tc);
	return s;
}
