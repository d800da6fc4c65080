/*
 * store_pg: the PostgreSQL driver of the store interface (issue 27).
 *
 * Contract: only store.c calls these; every other module talks to the store
 * interface of store.h, which dispatches here when the store was opened on a
 * postgresql:// URL (`store:` in orch.yaml or ORCH_DATABASE_URL).  libpq is
 * loaded at run time (pqload.h).
 *  1. store_pg_open() connects (TCP keepalives, connect_timeout, lock_timeout
 *     from db_busy_timeout_ms, client_connection_check_interval; the URL's
 *     own parameters win), then migrates under a transaction-scoped advisory
 *     lock, so two hosts never migrate at once: an empty database gets the
 *     schema at STORE_SCHEMA_VERSION (store_pgschema.h); one newer than this
 *     binary is refused (EX_CONFIG).  st->path holds the URL with any
 *     password masked: it is what messages show.
 *  2. Statements: SQL with ?N parameters (translated to $N outside quotes),
 *     text-format values, run at the first step; the whole result is held
 *     and stepped a row at a time.  Booleans read as 1 and 0, as SQLite's
 *     comparisons do.
 *  3. Writes take turns, as under SQLite's one write lock (store.h 2): every
 *     write holds a session advisory lock, the writer lock.  store_begin()
 *     takes it, then BEGIN ISOLATION LEVEL SERIALIZABLE, so the
 *     transaction's snapshot has what the writer before it committed and
 *     two writers never fail each other half way; COMMIT or ROLLBACK drops
 *     it.  A write outside a transaction is one of its own holding the lock
 *     (pg_advisory_xact_lock).  Waiting longer than lock_timeout
 *     (db_busy_timeout_ms) is busy; a dead client's lock goes with its
 *     session.  SERIALIZABLE stays the net for any writer that bypasses the
 *     lock.  A snapshot is REPEATABLE READ READ ONLY and takes no lock.  A
 *     COMMIT of a transaction an error already aborted is a failure, never
 *     a silent rollback.
 *  4. Errors: serialization failures, deadlocks, lock and statement
 *     timeouts are EX_TEMPFAIL with "nothing was written" (as SQLITE_BUSY
 *     is); a lost or refused connection is EX_UNAVAILABLE; a full disk is
 *     EX_IOERR; anything else EX_SOFTWARE.  The URL's password never
 *     appears in a message.
 */
#ifndef ORCH_STORE_PG_H
#define ORCH_STORE_PG_H

#include <stdint.h>

struct orch_err;
struct store;
struct store_pg_stmt;

int store_pg_open(struct store *st, const char *url, int busy_timeout_ms, struct orch_err *e);
void store_pg_close(struct store *st);
/* One or more statements without parameters: 0 / -1 with e. */
int store_pg_exec(struct store *st, const char *sql, struct orch_err *e);
int store_pg_prepare(struct store *st, const char *sql, struct store_pg_stmt **out, struct orch_err *e);
/* STORE_ROW, STORE_DONE, or 1 (an error: store_pg_fail() says which). */
int store_pg_step(struct store_pg_stmt *s);
void store_pg_bind(struct store_pg_stmt *s, int i, const char *v);
int store_pg_bind_count(const struct store_pg_stmt *s);
const char *store_pg_column_text(const struct store_pg_stmt *s, int i);
int64_t store_pg_column_int64(const struct store_pg_stmt *s, int i);
int store_pg_column_is_null(const struct store_pg_stmt *s, int i);
int store_pg_column_is_int(const struct store_pg_stmt *s, int i);
int store_pg_column_count(const struct store_pg_stmt *s);
const char *store_pg_column_name(const struct store_pg_stmt *s, int i);
/* 1 when the statement only reads (a SELECT): a snapshot may stay open around it. */
int store_pg_readonly(const struct store_pg_stmt *s);
void store_pg_reset(struct store_pg_stmt *s);
void store_pg_clear_bindings(struct store_pg_stmt *s);
void store_pg_finalize(struct store_pg_stmt *s);
int64_t store_pg_changes(const struct store *st);
int64_t store_pg_last_insert_id(struct store *st);
int store_pg_in_transaction(const struct store *st);
/* BEGIN (snapshot: the read-only kind), COMMIT, ROLLBACK: 0 / -1 with e. */
int store_pg_begin(struct store *st, int snapshot, struct orch_err *e);
int store_pg_commit(struct store *st, struct orch_err *e);
void store_pg_rollback(struct store *st);
/* The last error on the connection as *e, what says what orch was doing; returns -1. */
int store_pg_fail(struct store *st, const char *what, struct orch_err *e);

#endif
