/*
 * store: orch.db, the SQLite state store every command shares.
 *
 * Contract:
 *  1. store_open() creates the file (0600) when missing, sets WAL mode, the
 *     busy timeout and foreign keys, and applies the forward-only
 *     migrations up to STORE_SCHEMA_VERSION (PRAGMA user_version).  A
 *     database newer than this binary is refused (EX_CONFIG).
 *  2. store_begin() starts BEGIN IMMEDIATE: the write lock is taken up
 *     front, so a transaction never fails half way for lock reasons.  A
 *     database still busy after the timeout is EX_TEMPFAIL (75) and nothing
 *     was written.  store_commit() / store_rollback() end it.
 *  3. Every state transition (stage change, job enqueue, event, outbox
 *     notification, applied verdict) is written inside one such
 *     transaction by its module.
 *  4. Errors come back as -1 with the SQLite message and a class in *e:
 *     busy/locked -> EX_TEMPFAIL, disk full / I/O / read-only / corrupt ->
 *     EX_IOERR, else EX_SOFTWARE.
 *  5. store_snapshot_begin() opens a read transaction (BEGIN DEFERRED), so
 *     that the reads that follow share one WAL read lock instead of taking
 *     and dropping one per statement (three system calls each: the bulk
 *     of a quiet `orch-advance --all`).  store_snapshot_end() ends it,
 *     and so does any write: store_begin(), store_exec(), and
 *     store_prepare() / store_cached() of a statement that is not
 *     read-only, so a write never lands inside the read.  What was read
 *     under it may be stale by then: writes are conditioned on the state
 *     they were computed from (task_update), never on the snapshot.
 *  6. A file that is not a whole database (no SQLite header, shorter than
 *     its header says, or corrupt pages) is refused with EX_IOERR naming
 *     the file, and never re-created or rewritten: only an empty file is
 *     initialised.
 *
 * Tables: tasks, jobs, agent_runs, events, verdicts (UNIQUE key), tool_metrics,
 * tracker_states / tracker_issues / tracker_comments (local tracker),
 * outbox (notifications: attempts, next_attempt_at, sinks_done, dead_at); plane_states (the Plane state
 * cache) and plane_poll (per-project watermark, the tick's resume point), plane_items (work item sequence ->
 * Plane uuid, learnt from listings), plane_servers (the paths each Plane server answers); scan_anchors,
 * scan_findings and scan_state (orch-scan --main: last run, last success,
 * last failure, the audited manifest); leases (the merge lease) and
 * tasks.tested_sha (the commit the merge gate tested); counters
 * (reconcile/reaper), reconcile_state, jobs.dead_strikes; fix_runs (orch-fix).  Command run records are
 * files, not rows (see cli.h), so a quiet tick writes nothing here.
 */
#ifndef ORCH_STORE_H
#define ORCH_STORE_H

#include <stdint.h>

struct orch_err;
struct proc_result;
struct sqlite3; /* the SQLite driver's connection: only store.c includes <sqlite3.h> */
struct pg_conn;

#define STORE_CORRUPT_ADVICE \
	"orch leaves it as it is: stop the cron jobs, then restore it from a " \
	"backup or move it aside to start with an empty store (docs/operations.md, Failure modes)"

#define STORE_SCHEMA_VERSION 26

/*
 * A few statements run once per live item on every tick (task_get,
 * job_active); parsing their SQL each time was half of a quiet
 * `orch-advance --all`.  store_cached() keeps them prepared for the life of
 * the connection; the caller gives one back with store_release().
 */
#define STORE_CACHE_SLOTS 8

struct store {
	struct sqlite3 *db; /* the SQLite driver's connection, or NULL */
	struct pg_conn *pg; /* libpq's PGconn when the store is PostgreSQL (store_pg.h), or NULL */
	struct store_pg_state {
		int64_t changes, total_changes;
		char sqlstate[6], msg[512]; /* the last error */
		int writer;                 /* holds the writer lock (store_pg.h 3) */
	} pgs;
	char path[4096]; /* the file, or the URL with its password masked */
	struct store_cache {
		const char *sql; /* the caller's literal: compared by address */
		struct store_stmt *stmt;
		int busy;
	} cache[STORE_CACHE_SLOTS];
	int snapshot; /* a store_snapshot_begin() read transaction is open */
	/*
	 * The host this process acts as in a shared store (config host:, set by
	 * store_set_host; the system's host name until then): every row that
	 * names a process names its host too (task.h's claims, job.h's leases).
	 */
	char host[256];
};

/* path: orch.db's file, or a postgresql:// URL (store_is_url): the PostgreSQL driver (store_pg.h). */
int store_open(struct store *st, const char *path, int busy_timeout_ms, struct orch_err *e);
int store_is_url(const char *path);
/* Name the host this store's rows are written by (truncated to fit); NULL or "" keeps the system's name. */
void store_set_host(struct store *st, const char *host);
void store_close(struct store *st);
int store_begin(struct store *st, struct orch_err *e);
int store_snapshot_begin(struct store *st, struct orch_err *e);
void store_snapshot_end(struct store *st);
int store_commit(struct store *st, struct orch_err *e);
void store_rollback(struct store *st);
int store_exec(struct store *st, const char *sql, struct orch_err *e);
/*
 * The statement interface every SQL-owning module uses (issue 27: one store
 * interface, and nothing outside store.c calls SQLite; `make style` checks
 * it).  SQL names its parameters ?1, ?2 ...; store_prepare() makes a
 * statement, the binds fill it (text is copied; NULL text binds NULL),
 * store_step() runs it a row at a time: STORE_ROW, STORE_DONE, or anything
 * else an error to hand to store_fail().  Columns count from 0; a NULL
 * text column is NULL.  store_reset() readies a statement for another run
 * and keeps its bindings; store_finalize() frees it (NULL is fine).
 */
struct store_stmt;
enum { STORE_ROW = 100, STORE_DONE = 101 };
int store_prepare(struct store *st, struct store_stmt **stmt, const char *sql, struct orch_err *e);
int store_step(struct store_stmt *s);
void store_bind_text(struct store_stmt *s, int i, const char *v);
void store_bind_int64(struct store_stmt *s, int i, int64_t v);
void store_bind_int(struct store_stmt *s, int i, int v);
void store_bind_double(struct store_stmt *s, int i, double v);
void store_bind_null(struct store_stmt *s, int i);
int store_bind_count(struct store_stmt *s);
const char *store_column_text(struct store_stmt *s, int i);
int64_t store_column_int64(struct store_stmt *s, int i);
int store_column_int(struct store_stmt *s, int i);
int store_column_is_null(struct store_stmt *s, int i);
int store_column_is_int(struct store_stmt *s, int i); /* an integer value (orch-status's JSON numbers) */
int store_column_count(struct store_stmt *s);
const char *store_column_name(struct store_stmt *s, int i);
void store_reset(struct store_stmt *s);
void store_clear_bindings(struct store_stmt *s);
void store_finalize(struct store_stmt *s);
/* Rows the last INSERT/UPDATE/DELETE changed; the rowid of the last INSERT; all changes of the connection. */
int64_t store_changes(struct store *st);
int64_t store_last_insert_id(struct store *st);
int64_t store_total_changes(struct store *st);
/* 1 while a transaction (store_begin, or a snapshot) is open on the connection; 1 when the store is open. */
int store_in_transaction(struct store *st);
int store_is_open(const struct store *st);
/*
 * store_prepare() for a statement that runs many times per command: sql must
 * be a string literal (the cache compares its address).  A statement that is
 * busy (the same SQL nested) or a full cache falls back to a fresh prepare.
 * Give it back with store_release(), never store_finalize().
 */
int store_cached(struct store *st, struct store_stmt **stmt, const char *sql, struct orch_err *e);
/* Reset a store_cached() statement for its next use (or finalize an uncached one). */
void store_release(struct store *st, struct store_stmt *stmt);
/*
 * A command that runs once in the whole cluster (orch-poll, orch-reconcile,
 * orch-scan --main) takes this lock beside its flock: on PostgreSQL a
 * session advisory lock keyed by name, held until the connection closes
 * (also when the host dies: the server drops the session, keepalives and
 * client_connection_check_interval notice it).  1 held, 0 another host's
 * command holds it, -1 with e.  SQLite: always 1 (the store is one host's).
 */
int store_lock_try(struct store *st, const char *name, struct orch_err *e);
/*
 * What orch doctor reports of the store in use: the engine and its version,
 * where (a file, or the URL with its password masked), the schema version,
 * and on PostgreSQL whether one session serves consecutive statements (not
 * so behind a pooler in transaction mode, which breaks the singletons'
 * session locks) and client_connection_check_interval.  0 / -1 with e.
 */
struct store_info {
	char engine[64], where[4096], schema[16], check_interval[32];
	int session_kept;
};
int store_describe(struct store *st, struct store_info *info, struct orch_err *e);
/* Turn the last SQLite error into *e with context; returns -1. */
int store_fail(struct store *st, const char *what, struct orch_err *e);
/* Step a statement that returns no rows (and finalize it). */
int store_step_done(struct store *st, struct store_stmt *stmt, const char *what, struct orch_err *e);

/*
 * Step a prepared (and bound) statement to the end, collecting column 0 of
 * each row into a NULL-terminated list (free with argv_free); the
 * statement is finalized either way.  0 / -1.
 */
int store_strings(struct store *st, struct store_stmt *stmt, char ***out, struct orch_err *e);

/*
 * The one writer of tool_metrics: add runs, failures and ms to tool's row;
 * last_error (NULL keeps the old one) is the latest failure's words.  0 / -1.
 */
int store_tool_record(struct store *st, const char *tool, int runs, int failures, int64_t ms,
    const char *last_error, struct orch_err *e);
/* proc observer: per-tool metrics (runs, failures, total_ms, last_error) through store_tool_record(). */
void store_tool_observe(void *st, const char *tool, const struct proc_result *r);

/*
 * orch-status's reads go through the modules that own the tables; these
 * turn their statements into JSON (struct cJSON is cJSON's own type).
 * Each steps a prepared, bound statement to the end and finalizes it
 * either way.  0 / -1.
 *   store_rows_json    one object per row, keyed by column name: integer
 *                      -> number (a column named "blocked" -> bool),
 *                      NULL -> null, else string; appended to arr
 *   store_counts_json  {column 0: column 1} of a two-column query into obj
 */
struct cJSON;
int store_rows_json(struct store *st, struct store_stmt *s, struct cJSON *arr, struct orch_err *e);
int store_counts_json(struct store *st, struct store_stmt *s, struct cJSON *obj, struct orch_err *e);
/* store_rows_json of sql, its ?1 (when it has one) bound to limit: the owners' bounded lists. */
int store_list_json(struct store *st, const char *sql, int limit, struct cJSON *arr, struct orch_err *e);
/* row_counts (kept by triggers on tasks and jobs): {name: n} of kind "task" (stage) or "job" (status), n > 0.
 */
int store_row_counts_json(struct store *st, const char *kind, struct cJSON *obj, struct orch_err *e);
/* tool_metrics: {tool: {runs, failures, total_ms, last_error}} into obj, by tool name. */
int store_tool_metrics_json(struct store *st, struct cJSON *obj, struct orch_err *e);

#endif
