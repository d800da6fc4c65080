#include "store_pg.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "err.h"
#include "pqload.h"
#include "store.h"
#include "store_pgschema.h"
#include "util.h"

/* pg_advisory_xact_lock key of the migration: "orchmigr" as an integer, so no other use collides */
#define PG_MIGRATE_LOCK 0x6f7263686d696772LL
/* the session advisory lock every write holds (contract 3): "orchwrit" as an integer */
#define PG_WRITER_LOCK "8030590385886751092"
#define PG_MAX_PARAMS 32
#define PG_BOOLOID 16
#define PG_INT8OID 20
#define PG_INT2OID 21
#define PG_INT4OID 23
#define PG_NUMERICOID 1700

struct store_pg_stmt {
	struct store *st;
	char *sql; /* ?N made $N */
	int nparams, readonly, started, row, nrows;
	char *vals[PG_MAX_PARAMS];
	PGresult *res;
};

static const struct pq_api *pq;

static PGconn *
conn(const struct store *st)
{
	return (PGconn *)st->pg;
}

/* Keep the last error of a result (or of the connection) for store_pg_fail. */
static void
note_error(struct store *st, const PGresult *r)
{
	const char *state = r ? pq->result_error_field(r, PG_DIAG_SQLSTATE) : NULL;
	const char *msg = r ? pq->result_error_field(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;

	snprintf(st->pgs.sqlstate, sizeof(st->pgs.sqlstate), "%s", state ? state : "");
	snprintf(st->pgs.msg, sizeof(st->pgs.msg), "%s",
	    msg          ? msg
		: st->pg ? pq->error_message(conn(st))
			 : "not connected");
	st->pgs.msg[strcspn(st->pgs.msg, "\n")] = '\0';
}

int
store_pg_fail(struct store *st, const char *what, struct orch_err *e)
{
	const char *s = st->pgs.sqlstate;

	if (st->pg && pq->status(conn(st)) != CONNECTION_OK)
		return err_set(e, EX_UNAVAILABLE,
		    "database '%s': %s: the connection is lost (%s); check that PostgreSQL is up and "
		    "reachable (orch doctor); nothing was written, the next tick retries",
		    st->path, what, st->pgs.msg);
	if (strcmp(s, "40001") == 0 || strcmp(s, "40P01") == 0 || strcmp(s, "55P03") == 0 ||
	    strcmp(s, "57014") == 0)
		return err_set(e, EX_TEMPFAIL,
		    "database '%s' is busy (%s: %s): another orch command holds it; nothing was "
		    "written, retry on the next tick",
		    st->path, what, st->pgs.msg);
	if (strncmp(s, "08", 2) == 0)
		return err_set(e, EX_UNAVAILABLE, "database '%s': %s: %s; check that PostgreSQL is reachable",
		    st->path, what, st->pgs.msg);
	if (strncmp(s, "53", 2) == 0)
		return err_set(e, EX_IOERR,
		    "database '%s': %s: %s; the server is out of disk or memory: nothing was written",
		    st->path, what, st->pgs.msg);
	return err_set(e, EX_SOFTWARE, "database '%s': %s: %s%s%s%s", st->path, what, st->pgs.msg,
	    s[0] ? " (SQLSTATE " : "", s[0] ? s : "", s[0] ? ")" : "");
}

/* The URL as messages show it: a password between "user:" and "@" is masked. */
static void
mask_url(const char *url, char *out, size_t n)
{
	const char *scheme = strstr(url, "://"), *at, *colon;

	snprintf(out, n, "%s", url);
	if (scheme == NULL || (at = strchr(scheme + 3, '@')) == NULL)
		return;
	colon = memchr(scheme + 3, ':', (size_t)(at - scheme - 3));
	if (colon)
		snprintf(out, n, "%.*s:****%s", (int)(colon - url), url, at);
}

static int
exec_ok(struct store *st, const char *sql, const char *what, struct orch_err *e)
{
	PGresult *r = pq->exec(conn(st), sql);
	ExecStatusType rs = r ? pq->result_status(r) : PGRES_FATAL_ERROR;

	if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
		note_error(st, r);
		pq->clear(r);
		return store_pg_fail(st, what, e);
	}
	pq->clear(r);
	return 0;
}

int
store_pg_exec(struct store *st, const char *sql, struct orch_err *e)
{
	return exec_ok(st, sql, "exec", e);
}

/* The schema version, or -1 with e; under the migration lock. */
static int64_t
schema_version(struct store *st, struct orch_err *e)
{
	PGresult *r = pq->exec(conn(st), "SELECT coalesce(max(version), 0) FROM orch_schema");
	int64_t v;

	if (r == NULL || pq->result_status(r) != PGRES_TUPLES_OK || pq->ntuples(r) != 1) {
		note_error(st, r);
		pq->clear(r);
		return store_pg_fail(st, "read the schema version", e);
	}
	v = strtoll(pq->getvalue(r, 0, 0), NULL, 10);
	pq->clear(r);
	return v;
}

/*
 * PostgreSQL's migrations after the schema of store_pgschema.h (version 23): each the same change
 * as SQLite's migration of that number in store.c, in PostgreSQL's words.
 */
static const struct {
	int version;
	const char *sql;
} pg_migrations[] = {
	{ 24,
	    "ALTER TABLE jobs ADD COLUMN host TEXT NOT NULL DEFAULT '';"
	    "ALTER TABLE jobs ADD COLUMN lease_token TEXT;"
	    /* the database's clock, so that hosts whose clocks differ agree on when a lease expires */
	    "CREATE FUNCTION orch_now() RETURNS bigint LANGUAGE sql VOLATILE AS "
	    "'SELECT CAST(floor(extract(epoch FROM clock_timestamp())) AS bigint)';" },
	{ 25,
	    "ALTER TABLE leases ADD COLUMN token TEXT NOT NULL DEFAULT '';"
	    "ALTER TABLE outbox ADD COLUMN claim_host TEXT NOT NULL DEFAULT '';"
	    "ALTER TABLE jobs ADD COLUMN result_sha TEXT;"
	    "ALTER TABLE agent_runs ADD COLUMN host TEXT NOT NULL DEFAULT '';"
	    "CREATE TABLE deploys ("
	    " id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,"
	    " task_id BIGINT NOT NULL,"
	    " work_item TEXT NOT NULL,"
	    " attempt BIGINT NOT NULL,"
	    " host TEXT NOT NULL,"
	    " sha TEXT NOT NULL DEFAULT '',"
	    " started_at BIGINT NOT NULL,"
	    " status TEXT NOT NULL DEFAULT 'running',"
	    " result BIGINT,"
	    " finished_at BIGINT,"
	    " finished_by TEXT NOT NULL DEFAULT '',"
	    " UNIQUE (task_id, attempt));"
	    "CREATE TABLE host_commands ("
	    " host TEXT NOT NULL,"
	    " name TEXT NOT NULL,"
	    " last_run TEXT NOT NULL,"
	    " result TEXT NOT NULL,"
	    " duration_ms BIGINT NOT NULL DEFAULT 0,"
	    " pid BIGINT NOT NULL DEFAULT 0,"
	    " PRIMARY KEY (host, name));" },
	{ 26,
	    "CREATE TABLE deploy_marks ("
	    " task_id BIGINT NOT NULL,"
	    " attempt BIGINT NOT NULL,"
	    " host TEXT NOT NULL,"
	    " name TEXT NOT NULL,"
	    " value TEXT NOT NULL,"
	    " updated_at BIGINT NOT NULL,"
	    " PRIMARY KEY (task_id, attempt, host, name));" },
};

/* Contract 1: migrate under a transaction-scoped advisory lock. */
static int
migrate(struct store *st, struct orch_err *e)
{
	char sql[160];
	int64_t v;
	size_t i;

	snprintf(sql, sizeof(sql),
	    "BEGIN; SELECT pg_advisory_xact_lock(%lld); "
	    "CREATE TABLE IF NOT EXISTS orch_schema (version BIGINT NOT NULL)",
	    (long long)PG_MIGRATE_LOCK);
	if (exec_ok(st, sql, "take the migration lock", e) < 0 || (v = schema_version(st, e)) < 0)
		goto fail;
	if (v > STORE_SCHEMA_VERSION) {
		err_set(e, EX_CONFIG,
		    "database '%s' has schema %lld, newer than this orch's %d: upgrade orch on this host "
		    "(every host shares the schema)",
		    st->path, (long long)v, STORE_SCHEMA_VERSION);
		goto fail;
	}
	if (v == 0) {
		if (exec_ok(st, store_pg_schema_v23, "create the schema", e) < 0 ||
		    exec_ok(st, "INSERT INTO orch_schema VALUES (23)", "record the schema version", e) < 0)
			goto fail;
		v = 23;
	}
	for (i = 0; i < sizeof(pg_migrations) / sizeof(pg_migrations[0]); i++) {
		if (pg_migrations[i].version <= v)
			continue;
		snprintf(sql, sizeof(sql), "INSERT INTO orch_schema VALUES (%d)", pg_migrations[i].version);
		if (exec_ok(st, pg_migrations[i].sql, "migrate the schema", e) < 0 ||
		    exec_ok(st, sql, "record the schema version", e) < 0)
			goto fail;
	}
	return exec_ok(st, "COMMIT", "commit the migration", e);
fail:
	store_pg_rollback(st);
	return -1;
}

static void
quiet_notice(void *arg, const char *message)
{
	(void)arg;
	(void)message; /* CREATE ... IF NOT EXISTS says "already exists, skipping": not for the terminal */
}

int
store_pg_open(struct store *st, const char *url, int busy_timeout_ms, struct orch_err *e)
{
	char options[200];
	/* orch's defaults first: the URL's own parameters (expand_dbname) override them */
	const char *keys[] = { "connect_timeout", "keepalives", "keepalives_idle", "keepalives_interval",
		"keepalives_count", "application_name", "options", "dbname", NULL };
	const char *vals[] = { "10", "1", "30", "10", "3", "orch", options, url, NULL };

	memset(&st->pgs, 0, sizeof(st->pgs));
	mask_url(url, st->path, sizeof(st->path));
	if ((pq = pq_api_load(e)) == NULL)
		return -1;
	snprintf(options, sizeof(options),
	    "-c lock_timeout=%d -c client_connection_check_interval=10000 -c "
	    "idle_in_transaction_session_timeout=600000",
	    busy_timeout_ms > 0 ? busy_timeout_ms : 5000);
	st->pg = (struct pg_conn *)pq->connectdb_params(keys, vals, 1);
	if (st->pg == NULL || pq->status(conn(st)) != CONNECTION_OK) {
		char msg[400];
		snprintf(msg, sizeof(msg), "%s", st->pg ? pq->error_message(conn(st)) : "out of memory");
		msg[strcspn(msg, "\n")] = '\0';
		store_pg_close(st);
		return err_set(e, EX_UNAVAILABLE,
		    "cannot connect to the database '%s': %s; check the URL (store: in orch.yaml or "
		    "ORCH_DATABASE_URL) and that PostgreSQL is up",
		    st->path, msg);
	}
	pq->set_notice_processor(conn(st), quiet_notice, NULL);
	if (migrate(st, e) < 0) {
		store_pg_close(st);
		return -1;
	}
	return 0;
}

void
store_pg_close(struct store *st)
{
	if (st->pg && pq)
		pq->finish(conn(st));
	st->pg = NULL;
}

static int
ident_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* The length of "INDEXED BY name" at p (a word starting there), else 0. */
static size_t
indexed_by(const char *sql, const char *p)
{
	const char *q = p + 7;

	if ((p > sql && ident_char(p[-1])) || strncasecmp(p, "INDEXED", 7) != 0 || (*q != ' ' && *q != '\n'))
		return 0;
	q += strspn(q, " \n");
	if (strncasecmp(q, "BY", 2) != 0 || (q[2] != ' ' && q[2] != '\n'))
		return 0;
	q += 2 + strspn(q + 2, " \n");
	if (!ident_char(*q))
		return 0;
	while (ident_char(*q))
		q++;
	return (size_t)(q - p);
}

/*
 * ?N becomes $N outside quoted strings and identifiers; the highest N is the parameter count.  The one
 * dialect shim: SQLite's "INDEXED BY name" is dropped.  It makes SQLite's planner use a partial index
 * (tasks_live, tasks_uncleaned, ...) it would not choose by itself; PostgreSQL has no such clause, and
 * its planner weighs the partial indexes from their predicates and the table's statistics.
 */
static int
translate(const char *sql, char **out, int *nparams)
{
	size_t n = strlen(sql), skip;
	char *o = malloc(n + 1), *w = o, quote = 0;
	const char *p;

	*nparams = 0;
	if (o == NULL)
		return -1;
	for (p = sql; *p; p++) {
		if (quote) {
			if (*p == quote)
				quote = 0;
		} else if (*p == '\'' || *p == '"') {
			quote = *p;
		} else if (*p == '?' && p[1] >= '1' && p[1] <= '9') {
			int v = (int)strtol(p + 1, NULL, 10);
			if (v > *nparams)
				*nparams = v;
			*w++ = '$';
			continue;
		} else if ((skip = indexed_by(sql, p)) > 0) {
			p += skip - 1;
			continue;
		}
		*w++ = *p;
	}
	*w = '\0';
	*out = o;
	return *nparams <= PG_MAX_PARAMS ? 0 : -1;
}

int
store_pg_prepare(struct store *st, const char *sql, struct store_pg_stmt **out, struct orch_err *e)
{
	struct store_pg_stmt *s = calloc(1, sizeof(*s));
	const char *p = sql + strspn(sql, " \t\n");

	*out = NULL;
	if (s == NULL || translate(sql, &s->sql, &s->nparams) < 0) {
		if (s)
			free(s->sql);
		free(s);
		return err_set(e, EX_SOFTWARE,
		    "cannot prepare a statement for '%s' (out of memory, or over %d parameters): %.80s",
		    st->path, PG_MAX_PARAMS, sql);
	}
	s->st = st;
	s->readonly = strncasecmp(p, "SELECT", 6) == 0;
	*out = s;
	return 0;
}

void
store_pg_bind(struct store_pg_stmt *s, int i, const char *v)
{
	if (i < 1 || i > PG_MAX_PARAMS)
		return;
	free(s->vals[i - 1]);
	s->vals[i - 1] = v ? strdup(v) : NULL;
}

int
store_pg_bind_count(const struct store_pg_stmt *s)
{
	return s->nparams;
}

/* Run a command, keeping no error: the clean-up after a failure already recorded. */
static void
exec_quiet(struct store *st, const char *sql)
{
	pq->clear(pq->exec(conn(st), sql));
}

/* Contract 3: a write outside a transaction is a transaction of its own that holds the writer lock. */
static int
own_write_begin(struct store *st)
{
	PGresult *r = pq->exec(conn(st), "BEGIN; SELECT pg_advisory_xact_lock(" PG_WRITER_LOCK ")");

	if (r == NULL || pq->result_status(r) != PGRES_TUPLES_OK) {
		note_error(st, r);
		pq->clear(r);
		exec_quiet(st, "ROLLBACK");
		return -1;
	}
	pq->clear(r);
	return 0;
}

int
store_pg_step(struct store_pg_stmt *s)
{
	struct store *st = s->st;
	ExecStatusType rs;
	int own;

	if (!s->started) {
		own = !s->readonly && !st->pgs.writer && pq->transaction_status(conn(st)) == PQTRANS_IDLE;
		if (own && own_write_begin(st) < 0)
			return 1;
		pq->clear(s->res); /* a failed run's result (NULL is fine) */
		s->res = pq->exec_params(
		    conn(st), s->sql, s->nparams, NULL, (const char *const *)s->vals, NULL, NULL, 0);
		rs = s->res ? pq->result_status(s->res) : PGRES_FATAL_ERROR;
		if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
			note_error(st, s->res);
			if (own)
				exec_quiet(st, "ROLLBACK");
			return 1;
		}
		if (own && exec_ok(st, "COMMIT", "commit", NULL) < 0)
			return 1;
		s->started = 1;
		s->row = -1;
		s->nrows = rs == PGRES_TUPLES_OK ? pq->ntuples(s->res) : 0;
		if (!s->readonly) { /* store_changes(): rows the last write changed */
			st->pgs.changes = strtoll(pq->cmd_tuples(s->res), NULL, 10);
			st->pgs.total_changes += st->pgs.changes;
		}
	}
	if (s->row + 1 < s->nrows) {
		s->row++;
		return STORE_ROW;
	}
	s->row = s->nrows;
	return STORE_DONE;
}

static int
in_row(const struct store_pg_stmt *s, int i)
{
	return s->res && s->row >= 0 && s->row < s->nrows && i >= 0 && i < pq->nfields(s->res);
}

const char *
store_pg_column_text(const struct store_pg_stmt *s, int i)
{
	const char *v;

	if (!in_row(s, i) || pq->getisnull(s->res, s->row, i))
		return NULL;
	v = pq->getvalue(s->res, s->row, i);
	if (pq->ftype(s->res, i) == PG_BOOLOID)
		return strcmp(v, "t") == 0 ? "1" : "0";
	return v;
}

int64_t
store_pg_column_int64(const struct store_pg_stmt *s, int i)
{
	const char *v = store_pg_column_text(s, i);

	return v ? strtoll(v, NULL, 10) : 0;
}

int
store_pg_column_is_null(const struct store_pg_stmt *s, int i)
{
	return !in_row(s, i) || pq->getisnull(s->res, s->row, i);
}

int
store_pg_column_is_int(const struct store_pg_stmt *s, int i)
{
	Oid t;

	if (store_pg_column_is_null(s, i))
		return 0;
	t = pq->ftype(s->res, i);
	return t == PG_INT8OID || t == PG_INT4OID || t == PG_INT2OID || t == PG_BOOLOID ||
	    (t == PG_NUMERICOID && strchr(pq->getvalue(s->res, s->row, i), '.') == NULL);
}

int
store_pg_column_count(const struct store_pg_stmt *s)
{
	return s->res ? pq->nfields(s->res) : 0;
}

const char *
store_pg_column_name(const struct store_pg_stmt *s, int i)
{
	return s->res && i >= 0 && i < pq->nfields(s->res) ? pq->fname(s->res, i) : NULL;
}

int
store_pg_readonly(const struct store_pg_stmt *s)
{
	return s->readonly;
}

void
store_pg_reset(struct store_pg_stmt *s)
{
	if (s->res)
		pq->clear(s->res);
	s->res = NULL;
	s->started = s->nrows = 0;
	s->row = -1;
}

void
store_pg_clear_bindings(struct store_pg_stmt *s)
{
	int i;

	for (i = 0; i < PG_MAX_PARAMS; i++) {
		free(s->vals[i]);
		s->vals[i] = NULL;
	}
}

void
store_pg_finalize(struct store_pg_stmt *s)
{
	if (s == NULL)
		return;
	store_pg_reset(s);
	store_pg_clear_bindings(s);
	free(s->sql);
	free(s);
}

int64_t
store_pg_changes(const struct store *st)
{
	return st->pgs.changes;
}

int64_t
store_pg_last_insert_id(struct store *st)
{
	PGresult *r = pq->exec(conn(st), "SELECT lastval()");
	int64_t v = 0;

	if (r && pq->result_status(r) == PGRES_TUPLES_OK && pq->ntuples(r) == 1)
		v = strtoll(pq->getvalue(r, 0, 0), NULL, 10);
	pq->clear(r);
	return v;
}

int
store_pg_in_transaction(const struct store *st)
{
	return st->pg && pq->transaction_status(conn(st)) != PQTRANS_IDLE;
}

/* Drop the writer lock store_pg_begin took (after the transaction ended: an aborted one refuses it). */
static void
writer_unlock(struct store *st)
{
	if (st->pgs.writer && st->pg)
		exec_quiet(st, "SELECT pg_advisory_unlock(" PG_WRITER_LOCK ")");
	st->pgs.writer = 0;
}

int
store_pg_begin(struct store *st, int snapshot, struct orch_err *e)
{
	if (snapshot)
		return exec_ok(
		    st, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "begin read transaction", e);
	/*
	 * Contract 3: the writer lock before BEGIN, so that the transaction's snapshot, taken by its first
	 * statement, holds everything the writer before it committed (a lock taken inside would come after
	 * the snapshot, and the transaction would fail on the rows that writer changed)
	 */
	if (!st->pgs.writer) {
		if (exec_ok(st, "SELECT pg_advisory_lock(" PG_WRITER_LOCK ")", "begin transaction", e) < 0)
			return -1;
		st->pgs.writer = 1;
	}
	if (exec_ok(st, "BEGIN ISOLATION LEVEL SERIALIZABLE", "begin transaction", e) < 0) {
		writer_unlock(st);
		return -1;
	}
	return 0;
}

int
store_pg_commit(struct store *st, struct orch_err *e)
{
	if (pq->transaction_status(conn(st)) == PQTRANS_INERROR) {
		/* COMMIT would answer "ROLLBACK" and succeed: an aborted transaction is a failed commit, for
		 * the reason of the statement that aborted it (still the last error recorded) */
		store_pg_rollback(st);
		return store_pg_fail(st, "commit (an earlier statement aborted the transaction)", e);
	}
	if (exec_ok(st, "COMMIT", "commit", e) < 0) {
		store_pg_rollback(st);
		return -1;
	}
	writer_unlock(st);
	return 0;
}

void
store_pg_rollback(struct store *st)
{
	if (store_pg_in_transaction(st))
		exec_quiet(st, "ROLLBACK");
	writer_unlock(st);
}
