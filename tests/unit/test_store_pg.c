/*
 * The PostgreSQL driver (lib/store_pg.c) through the store interface.  The
 * cases without a server always run; those with one run when
 * TEST_PG_URL names an empty database (make check-pg creates one in its
 * throwaway cluster), each on rows of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/err.h"
#include "../../lib/store.h"
#include "../../lib/store_pg.h"
#include "suites.h"

static const char *
pg_url(void)
{
	return getenv("TEST_PG_URL");
}

static void
pg_open(struct store *st, int busy_ms)
{
	struct orch_err e = { 0 };

	ck_assert_msg(store_open(st, pg_url(), busy_ms, &e) == 0, "open %s: %s", pg_url(), e.msg);
}

static void
pg_run(struct store *st, const char *sql)
{
	struct orch_err e = { 0 };

	ck_assert_msg(store_exec(st, sql, &e) == 0, "%s: %s", sql, e.msg);
}

/* ?N outside quotes are parameters; quoted ones are text; the highest N counts. */
START_TEST(pg_parameters_outside_quotes)
{
	struct store st = { 0 };
	struct store_pg_stmt *s;
	struct orch_err e = { 0 };

	ck_assert_int_eq(
	    store_pg_prepare(&st, "SELECT '?1', \"?9\", ?1 FROM t WHERE a = ?12 OR b = ?3", &s, &e), 0);
	ck_assert_int_eq(store_pg_bind_count(s), 12);
	ck_assert_int_eq(store_pg_readonly(s), 1);
	store_pg_finalize(s);
	ck_assert_int_eq(store_pg_prepare(&st, "  update t SET a = ?1", &s, &e), 0);
	ck_assert_int_eq(store_pg_readonly(s), 0);
	store_pg_finalize(s);
	ck_assert_int_eq(store_pg_prepare(&st, "SELECT ?33", &s, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "over 32 parameters"));
}
END_TEST

/* A server that is not there: EX_UNAVAILABLE, and the URL's password never in the message. */
START_TEST(pg_unreachable_masks_password)
{
	struct store st;
	struct orch_err e = { 0 };

	ck_assert_int_eq(store_open(&st, "postgresql://orch:s3cret-pw@127.0.0.1:1/orch", 200, &e), -1);
	ck_assert_int_eq(e.code, EX_UNAVAILABLE);
	ck_assert_ptr_null(strstr(e.msg, "s3cret-pw"));
	ck_assert_ptr_nonnull(strstr(e.msg, "postgresql://orch:****@127.0.0.1:1/orch"));
	ck_assert_ptr_nonnull(strstr(e.msg, "cannot connect"));
	ck_assert(!store_is_open(&st));
}
END_TEST

/* Two connections open (and migrate) one database: one schema, each version recorded once. */
START_TEST(pg_open_twice_one_schema)
{
	struct store a, b;

	pg_open(&a, 1000);
	pg_open(&b, 1000);
	ck_assert_int_eq(tsql_int(&a, "SELECT count(*) - count(DISTINCT version) FROM orch_schema"), 0);
	ck_assert_int_eq(tsql_int(&b, "SELECT max(version) FROM orch_schema"), STORE_SCHEMA_VERSION);
	store_close(&a);
	store_close(&b);
}
END_TEST

/* Values round-trip as SQLite gives them: integers, NULL text, booleans as 1/0, changes, insert ids. */
START_TEST(pg_values_round_trip)
{
	struct store st;
	struct store_stmt *s;
	struct orch_err e = { 0 };
	int64_t id;

	pg_open(&st, 1000);
	ck_assert_int_eq(store_prepare(&st, &s,
			     "INSERT INTO events(ts, work_item, kind, detail) VALUES (?1, ?2, ?3, ?4)", &e),
	    0);
	store_bind_text(s, 1, "2026-12-07T00:00:00Z");
	store_bind_text(s, 2, NULL);
	store_bind_text(s, 3, "pg_values_round_trip");
	store_bind_text(s, 4, "it's \"quoted\" ?1");
	ck_assert_int_eq(store_step(s), STORE_DONE);
	store_finalize(s);
	ck_assert_int_eq(store_changes(&st), 1);
	ck_assert_int_gt(id = store_last_insert_id(&st), 0);
	ck_assert_int_eq(
	    store_prepare(&st, &s,
		"SELECT id, work_item, detail, id = ?1, count(*) OVER () FROM events WHERE kind = ?2", &e),
	    0);
	store_bind_int64(s, 1, id);
	store_bind_text(s, 2, "pg_values_round_trip");
	ck_assert_int_eq(store_step(s), STORE_ROW);
	ck_assert_int_eq(store_column_int64(s, 0), id);
	ck_assert(store_column_is_int(s, 0));
	ck_assert(store_column_is_null(s, 1));
	ck_assert_ptr_null(store_column_text(s, 1));
	ck_assert_str_eq(store_column_text(s, 2), "it's \"quoted\" ?1");
	ck_assert_str_eq(store_column_text(s, 3), "1");
	ck_assert_int_eq(store_column_int(s, 4), 1);
	ck_assert_str_eq(store_column_name(s, 2), "detail");
	ck_assert_int_eq(store_step(s), STORE_DONE);
	store_reset(s); /* bindings kept: the same row again */
	ck_assert_int_eq(store_step(s), STORE_ROW);
	ck_assert_int_eq(store_column_int64(s, 0), id);
	store_finalize(s);
	ck_assert_int_eq(store_prepare(&st, &s, "UPDATE events SET detail = 'x' WHERE kind = ?1", &e), 0);
	store_bind_text(s, 1, "no-such-kind");
	ck_assert_int_eq(store_step(s), STORE_DONE);
	store_finalize(s);
	ck_assert_int_eq(store_changes(&st), 0);
	store_close(&st);
}
END_TEST

/* One bound write of its own (outside a transaction): 0, or -1 with e. */
static int
pg_write(struct store *st, const char *sql, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s, sql, e) < 0)
		return -1;
	return store_step_done(st, s, "write", e);
}

/*
 * Writers take turns (store_pg.h 3): while one holds a transaction, another's transaction, and its
 * write outside one, are busy past db_busy_timeout_ms: EX_TEMPFAIL, nothing written; then it goes on.
 */
START_TEST(pg_locked_row_is_tempfail)
{
	struct store a, b;
	struct orch_err e = { 0 };

	pg_open(&a, 1000);
	pg_open(&b, 200);
	pg_run(&a, "INSERT INTO counters(name, value) VALUES ('pg_locked_row', 1) ON CONFLICT DO NOTHING");
	ck_assert_int_eq(store_begin(&a, &e), 0);
	pg_run(&a, "UPDATE counters SET value = value + 1 WHERE name = 'pg_locked_row'");
	ck_assert_int_eq(store_begin(&b, &e), -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_ptr_nonnull(strstr(e.msg, "nothing was written"));
	ck_assert(!store_in_transaction(&b));
	memset(&e, 0, sizeof(e));
	ck_assert_int_eq(
	    pg_write(&b, "UPDATE counters SET value = 100 WHERE name = 'pg_locked_row'", &e), -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert(!store_in_transaction(&b));
	ck_assert_int_eq(store_commit(&a, &e), 0);
	ck_assert_int_eq(tsql_int(&b, "SELECT value FROM counters WHERE name = 'pg_locked_row'"), 2);
	/* the lock went with the commit: both writers go on */
	ck_assert_int_eq(
	    pg_write(&b, "UPDATE counters SET value = value + 1 WHERE name = 'pg_locked_row'", &e), 0);
	ck_assert_int_eq(store_begin(&b, &e), 0);
	ck_assert_int_eq(store_commit(&b, &e), 0);
	ck_assert_int_eq(store_begin(&a, &e), 0);
	store_rollback(&a);
	ck_assert_int_eq(
	    pg_write(&b, "UPDATE counters SET value = value + 1 WHERE name = 'pg_locked_row'", &e), 0);
	ck_assert_int_eq(tsql_int(&a, "SELECT value FROM counters WHERE name = 'pg_locked_row'"), 4);
	store_close(&a);
	store_close(&b);
}
END_TEST

/*
 * SERIALIZABLE, the net under the writer lock: a transaction that read what another committed meanwhile
 * (b, a transaction outside the lock) fails, as busy, not silently.
 */
START_TEST(pg_serialization_failure_is_tempfail)
{
	struct store a, b;
	struct orch_err e = { 0 };

	pg_open(&a, 1000);
	pg_open(&b, 1000);
	pg_run(&a,
	    "INSERT INTO counters(name, value) VALUES ('pg_ser_x', 0), ('pg_ser_y', 0) ON CONFLICT DO "
	    "NOTHING");
	ck_assert_int_eq(store_begin(&a, &e), 0);
	pg_run(&b, "BEGIN ISOLATION LEVEL SERIALIZABLE");
	ck_assert_int_ge(tsql_int(&a, "SELECT value FROM counters WHERE name = 'pg_ser_x'"), 0);
	ck_assert_int_ge(tsql_int(&b, "SELECT value FROM counters WHERE name = 'pg_ser_y'"), 0);
	pg_run(&a, "UPDATE counters SET value = value + 1 WHERE name = 'pg_ser_y'");
	pg_run(&b, "UPDATE counters SET value = value + 1 WHERE name = 'pg_ser_x'");
	ck_assert_int_eq(store_commit(&a, &e), 0);
	ck_assert_int_eq(store_commit(&b, &e), -1); /* write skew: b read x's old value */
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert(!store_in_transaction(&b));
	store_close(&a);
	store_close(&b);
}
END_TEST

/* SQLite's INDEXED BY is dropped outside quotes (the driver's one dialect shim); quoted text is kept. */
START_TEST(pg_indexed_by_dropped)
{
	struct store st;
	struct store_stmt *s;
	struct orch_err e = { 0 };

	pg_open(&st, 1000);
	ck_assert_int_eq(
	    store_prepare(&st, &s,
		"SELECT count(*), 'x INDEXED BY y' FROM tasks t INDEXED BY tasks_live\n"
		"WHERE t.stage != ?1 AND t.id NOT IN (SELECT id FROM tasks INDEXED  BY tasks_stopped)",
		&e),
	    0);
	store_bind_text(s, 1, "done");
	ck_assert_msg(store_step(s) == STORE_ROW, "%s", st.pgs.msg);
	ck_assert_int_eq(store_column_int(s, 0), 0);
	ck_assert_str_eq(store_column_text(s, 1), "x INDEXED BY y");
	store_finalize(s);
	store_close(&st);
}
END_TEST

/* A COMMIT after a failed statement is a failure (PostgreSQL would answer ROLLBACK and succeed). */
START_TEST(pg_commit_of_aborted_transaction_fails)
{
	struct store st;
	struct orch_err e = { 0 };

	pg_open(&st, 1000);
	ck_assert_int_eq(store_begin(&st, &e), 0);
	pg_run(&st, "INSERT INTO counters(name, value) VALUES ('pg_aborted', 1) ON CONFLICT DO NOTHING");
	ck_assert_int_eq(store_exec(&st, "SELECT no_such_column FROM counters", &e), -1);
	ck_assert_int_eq(store_commit(&st, &e), -1);
	ck_assert(!store_in_transaction(&st));
	ck_assert_int_eq(tsql_int(&st, "SELECT count(*) FROM counters WHERE name = 'pg_aborted'"), 0);
	store_close(&st);
}
END_TEST

Suite *
store_pg_suite(void)
{
	Suite *s = suite_create("store_pg");
	TCase *tc = tcase_create("driver");

	tcase_add_test(tc, pg_parameters_outside_quotes);
	tcase_add_test(tc, pg_unreachable_masks_password);
	suite_add_tcase(s, tc);
	if (pg_url() == NULL) {
		fprintf(stderr, "store_pg: TEST_PG_URL unset: the server cases run under make check-pg\n");
		return s;
	}
	tc = tcase_create("server");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, pg_open_twice_one_schema);
	tcase_add_test(tc, pg_values_round_trip);
	tcase_add_test(tc, pg_locked_row_is_tempfail);
	tcase_add_test(tc, pg_serialization_failure_is_tempfail);
	tcase_add_test(tc, pg_commit_of_aborted_transaction_fails);
	tcase_add_test(tc, pg_indexed_by_dropped);
	suite_add_tcase(s, tc);
	return s;
}
