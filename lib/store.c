#include "store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "proc.h"
#include "sizes.h"
#include "store_pg.h"
#include "util.h"

static const char *const migrations[STORE_SCHEMA_VERSION] = {
	/* 1: the foundation */
	"CREATE TABLE tasks ("
	" id INTEGER PRIMARY KEY,"
	" project TEXT NOT NULL,"
	" work_item TEXT NOT NULL UNIQUE,"
	" issue_id TEXT NOT NULL,"
	" title TEXT NOT NULL DEFAULT '',"
	" repo TEXT NOT NULL,"
	" branch TEXT NOT NULL,"
	" worktree TEXT NOT NULL,"
	" stage TEXT NOT NULL,"
	" blocked INTEGER NOT NULL DEFAULT 0,"
	" retries INTEGER NOT NULL DEFAULT 0,"
	" review_requested INTEGER NOT NULL DEFAULT 0,"
	" created_at TEXT NOT NULL,"
	" updated_at TEXT NOT NULL);"
	"CREATE TABLE jobs ("
	" id INTEGER PRIMARY KEY,"
	" task_id INTEGER NOT NULL REFERENCES tasks(id),"
	" agent TEXT NOT NULL,"
	" stage TEXT NOT NULL,"
	" status TEXT NOT NULL CHECK (status IN ('queued','running','done','failed','dead')),"
	" attempts INTEGER NOT NULL DEFAULT 0,"
	" description TEXT NOT NULL DEFAULT '',"
	" pid INTEGER,"
	" lease_until INTEGER,"
	" available_at INTEGER NOT NULL DEFAULT 0,"
	" created_at TEXT NOT NULL,"
	" updated_at TEXT NOT NULL);"
	"CREATE INDEX jobs_status ON jobs(status, available_at);"
	"CREATE INDEX jobs_task ON jobs(task_id, status);"
	"CREATE TABLE agent_runs ("
	" id INTEGER PRIMARY KEY,"
	" job_id INTEGER NOT NULL REFERENCES jobs(id),"
	" pid INTEGER,"
	" exit_code INTEGER,"
	" status TEXT,"
	" duration_ms INTEGER,"
	" log_path TEXT,"
	" started_at TEXT NOT NULL,"
	" finished_at TEXT);"
	"CREATE TABLE events ("
	" id INTEGER PRIMARY KEY,"
	" ts TEXT NOT NULL,"
	" work_item TEXT,"
	" kind TEXT NOT NULL,"
	" stage_from TEXT,"
	" stage_to TEXT,"
	" detail TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE verdicts ("
	" id INTEGER PRIMARY KEY,"
	" issue_id TEXT NOT NULL,"
	" state_id TEXT NOT NULL,"
	" issue_updated_at TEXT NOT NULL,"
	" work_item TEXT NOT NULL,"
	" verdict TEXT NOT NULL,"
	" applied_at TEXT NOT NULL,"
	" UNIQUE (issue_id, state_id, issue_updated_at));"
	"CREATE TABLE tool_metrics ("
	" tool TEXT PRIMARY KEY,"
	" runs INTEGER NOT NULL DEFAULT 0,"
	" failures INTEGER NOT NULL DEFAULT 0,"
	" total_ms INTEGER NOT NULL DEFAULT 0,"
	" last_error TEXT);"
	"CREATE TABLE tracker_states ("
	" id TEXT PRIMARY KEY,"
	" project TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" grp TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" UNIQUE (project, name));"
	"CREATE TABLE tracker_issues ("
	" id TEXT PRIMARY KEY,"
	" project TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" name TEXT NOT NULL,"
	" state_id TEXT NOT NULL REFERENCES tracker_states(id),"
	" created_at TEXT NOT NULL,"
	" updated_at TEXT NOT NULL,"
	" UNIQUE (project, seq));"
	"CREATE TABLE tracker_comments ("
	" id INTEGER PRIMARY KEY,"
	" issue_id TEXT NOT NULL REFERENCES tracker_issues(id),"
	" body TEXT NOT NULL,"
	" created_at TEXT NOT NULL);"
	"CREATE TABLE outbox ("
	" id INTEGER PRIMARY KEY,"
	" created_at TEXT NOT NULL,"
	" level TEXT NOT NULL CHECK (level IN ('info','alert')),"
	" work_item TEXT,"
	" message TEXT NOT NULL,"
	" claimed_at TEXT,"
	" delivered_at TEXT,"
	" last_error TEXT);"
	"CREATE INDEX outbox_pending ON outbox(delivered_at, claimed_at);"
	"CREATE INDEX tasks_stage ON tasks(stage);",
	/* 2: the Plane backend */
	"CREATE TABLE plane_states ("
	" project TEXT NOT NULL,"
	" id TEXT NOT NULL,"
	" name TEXT NOT NULL,"
	" grp TEXT NOT NULL,"
	" seq REAL NOT NULL DEFAULT 0,"
	" fetched_at INTEGER NOT NULL,"
	" PRIMARY KEY (project, id));"
	"CREATE TABLE plane_poll ("
	" project TEXT PRIMARY KEY,"
	" watermark TEXT,"
	" watermark_us INTEGER,"
	" rate_limited_at INTEGER);"
	"CREATE TABLE plane_items ("
	" project TEXT NOT NULL,"
	" seq INTEGER NOT NULL,"
	" id TEXT NOT NULL,"
	" PRIMARY KEY (project, seq));",
	/* 3: continuous scanning of main */
	"CREATE TABLE scan_anchors ("
	" project TEXT NOT NULL,"
	" branch TEXT NOT NULL,"
	" sha TEXT NOT NULL,"
	" last_status TEXT NOT NULL,"
	" last_run TEXT NOT NULL,"
	" PRIMARY KEY (project, branch));"
	"CREATE TABLE scan_findings ("
	" fingerprint TEXT PRIMARY KEY,"
	" project TEXT NOT NULL,"
	" rule TEXT NOT NULL,"
	" file TEXT NOT NULL,"
	" commit_sha TEXT NOT NULL,"
	" line INTEGER NOT NULL,"
	" first_seen TEXT NOT NULL);",
	/* 4: merge and deploy */
	"CREATE TABLE leases ("
	" name TEXT PRIMARY KEY,"
	" task_id INTEGER NOT NULL,"
	" work_item TEXT NOT NULL,"
	" pid INTEGER NOT NULL,"
	" acquired_at TEXT NOT NULL);"
	"ALTER TABLE tasks ADD COLUMN tested_sha TEXT;",
	/* 5: the reconciler and the reaper */
	"CREATE TABLE counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE reconcile_state (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE notices (key TEXT PRIMARY KEY, sent_at TEXT NOT NULL);"
	"ALTER TABLE jobs ADD COLUMN dead_strikes INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE outbox ADD COLUMN claim_pid INTEGER;",
	/* 6: compare-and-set transitions, per-task claims, the agent's process group */
	"ALTER TABLE tasks ADD COLUMN version INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE leases ADD COLUMN host TEXT NOT NULL DEFAULT '';"
	"ALTER TABLE leases ADD COLUMN expires_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE jobs ADD COLUMN agent_pgid INTEGER;",
	/* 7: a tick costs what changed: the local tracker's watermark, indexes for the live rows */
	"CREATE TABLE local_poll (project TEXT PRIMARY KEY, watermark TEXT NOT NULL);"
	"CREATE INDEX tracker_issues_updated ON tracker_issues(project, updated_at);"
	"CREATE INDEX tasks_live ON tasks(id) WHERE stage != 'done';"
	"CREATE INDEX jobs_live ON jobs(id) WHERE status != 'done';",
	/* 8: at-least-once notification delivery (lib/notify.h) */
	"ALTER TABLE outbox ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE outbox ADD COLUMN next_attempt_at INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE outbox ADD COLUMN sinks_done INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE outbox ADD COLUMN dead_at TEXT;"
	"CREATE INDEX outbox_due ON outbox(delivered_at, dead_at, next_attempt_at);",
	/* 9: which paths each Plane server answers (work-items/, or issues/ before v1.1.0) */
	"CREATE TABLE plane_servers ("
	" base TEXT PRIMARY KEY,"
	" items_path TEXT NOT NULL CHECK (items_path IN ('work-items','issues')),"
	" detected_at INTEGER NOT NULL);",
	/* 10: the fix pipeline (orch-fix) */
	"CREATE TABLE fix_runs ("
	" id INTEGER PRIMARY KEY,"
	" work_item TEXT NOT NULL,"
	" source TEXT NOT NULL,"
	" status TEXT NOT NULL,"
	" reason TEXT NOT NULL DEFAULT '',"
	" plan_json TEXT,"
	" plan_decision TEXT,"
	" diff TEXT,"
	" diff_files INTEGER NOT NULL DEFAULT 0,"
	" diff_added INTEGER NOT NULL DEFAULT 0,"
	" diff_removed INTEGER NOT NULL DEFAULT 0,"
	" diff_bytes INTEGER NOT NULL DEFAULT 0,"
	" danger INTEGER NOT NULL DEFAULT 0,"
	" patch_decision TEXT,"
	" validation TEXT,"
	" base_sha TEXT,"
	" commit_sha TEXT,"
	" repairs INTEGER NOT NULL DEFAULT 0,"
	" started_at TEXT NOT NULL,"
	" finished_at TEXT);"
	"CREATE INDEX fix_runs_item ON fix_runs(work_item, id);",
	/*
	 * 11: tasks per stage and jobs per status, kept by triggers so that
	 * orch-status counts without reading the history (one row per value)
	 */
	"CREATE TABLE row_counts (kind TEXT NOT NULL, name TEXT NOT NULL, n INTEGER NOT NULL,"
	" PRIMARY KEY (kind, name)) WITHOUT ROWID;"
	"INSERT INTO row_counts SELECT 'task', stage, count(*) FROM tasks GROUP BY stage;"
	"INSERT INTO row_counts SELECT 'job', status, count(*) FROM jobs GROUP BY status;"
	"CREATE TRIGGER tasks_count_ins AFTER INSERT ON tasks BEGIN"
	" INSERT INTO row_counts VALUES ('task', NEW.stage, 1) ON CONFLICT (kind, name) DO UPDATE SET n = n "
	"+ 1; END;"
	"CREATE TRIGGER tasks_count_del AFTER DELETE ON tasks BEGIN"
	" UPDATE row_counts SET n = n - 1 WHERE kind = 'task' AND name = OLD.stage; END;"
	"CREATE TRIGGER tasks_count_upd AFTER UPDATE OF stage ON tasks WHEN OLD.stage IS NOT NEW.stage BEGIN"
	" UPDATE row_counts SET n = n - 1 WHERE kind = 'task' AND name = OLD.stage;"
	" INSERT INTO row_counts VALUES ('task', NEW.stage, 1) ON CONFLICT (kind, name) DO UPDATE SET n = n "
	"+ 1; END;"
	"CREATE TRIGGER jobs_count_ins AFTER INSERT ON jobs BEGIN"
	" INSERT INTO row_counts VALUES ('job', NEW.status, 1) ON CONFLICT (kind, name) DO UPDATE SET n = n "
	"+ 1; END;"
	"CREATE TRIGGER jobs_count_del AFTER DELETE ON jobs BEGIN"
	" UPDATE row_counts SET n = n - 1 WHERE kind = 'job' AND name = OLD.status; END;"
	"CREATE TRIGGER jobs_count_upd AFTER UPDATE OF status ON jobs WHEN OLD.status IS NOT NEW.status BEGIN"
	" UPDATE row_counts SET n = n - 1 WHERE kind = 'job' AND name = OLD.status;"
	" INSERT INTO row_counts VALUES ('job', NEW.status, 1) ON CONFLICT (kind, name) DO UPDATE SET n = n "
	"+ 1; END;"
	/* and the clean-up reads only done tasks it has not finished with: 0 pending, 1 removed, 2 gave up */
	"ALTER TABLE tasks ADD COLUMN cleaned INTEGER NOT NULL DEFAULT 0;"
	"UPDATE tasks SET cleaned = 1 WHERE 'worktree-removed:' || work_item IN (SELECT key FROM notices);"
	"CREATE INDEX tasks_uncleaned ON tasks(updated_at) WHERE stage = 'done' AND cleaned = 0;"
	/*
	 * the post-deploy watch reads only the tasks it watches (set before the
	 * watch marker is written, cleared when the watch ends); an upgraded
	 * store marks those deployed with no watch result after the deploy
	 */
	"ALTER TABLE tasks ADD COLUMN watching INTEGER NOT NULL DEFAULT 0;"
	"CREATE INDEX tasks_watching ON tasks(id) WHERE watching = 1;"
	"CREATE INDEX events_item ON events(work_item, kind, id);"
	"UPDATE tasks SET watching = 1 WHERE stage = 'done' AND EXISTS (SELECT 1 FROM events d WHERE "
	" d.work_item = tasks.work_item AND d.kind = 'deploy_initiated' AND NOT EXISTS (SELECT 1 FROM events "
	"w "
	" WHERE w.work_item = d.work_item AND w.kind IN ('post_deploy_healthy', 'post_deploy_degraded') AND "
	"w.id > d.id));",
	/* 12: the main scan's run state (lib/scanmain.h): last run, last success, the last failure */
	"CREATE TABLE scan_state ("
	" project TEXT NOT NULL,"
	" branch TEXT NOT NULL,"
	" last_run_id TEXT NOT NULL,"
	" last_run_at TEXT NOT NULL,"
	" last_status TEXT NOT NULL,"
	" last_success TEXT,"
	" failure_run_id TEXT,"
	" failure_at TEXT,"
	" failure_phase TEXT,"
	" failure_reason TEXT,"
	" failure_chunk INTEGER,"
	" deps_blob TEXT,"
	" PRIMARY KEY (project, branch));",
	/* 13: the tracker status orch last set or saw per work item (orch-status shows it; tracker.c owns it)
	 */
	"CREATE TABLE tracker_seen ("
	" work_item TEXT PRIMARY KEY,"
	" status TEXT NOT NULL,"
	" seen_at TEXT NOT NULL);",
	/*
	 * 14: what orch trusts, recorded when it first saw it (docs/security-model.md): each project's remote
	 * URL, and the blobs of the artifacts only orch writes (a branch carrying another version is red)
	 */
	"CREATE TABLE trusted_remotes ("
	" project TEXT PRIMARY KEY,"
	" url TEXT NOT NULL,"
	" recorded_at TEXT NOT NULL);"
	"CREATE TABLE orch_blobs ("
	" work_item TEXT NOT NULL,"
	" path TEXT NOT NULL,"
	" blob TEXT NOT NULL,"
	" PRIMARY KEY (work_item, path, blob));",
	/*
	 * 15: a person's approval of a branch's scanner configuration (lib/scancfg.h):
	 * the commit it was given at and the blob ids it covers ("name=id ...")
	 */
	"CREATE TABLE scan_config_approvals ("
	" id INTEGER PRIMARY KEY,"
	" work_item TEXT NOT NULL,"
	" head TEXT NOT NULL,"
	" blobs TEXT NOT NULL,"
	" approved_by TEXT NOT NULL,"
	" approved_at TEXT NOT NULL);"
	"CREATE INDEX scan_config_approvals_item ON scan_config_approvals(work_item, blobs);",
	/*
	 * 16: verdicts bound to commits (docs/security-model.md): the round (rollbacks so far), each passing
	 * gate's judged commit and code id, and what a human was asked to approve (task.c owns them)
	 */
	"ALTER TABLE tasks ADD COLUMN round INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE task_verdicts ("
	" id INTEGER PRIMARY KEY,"
	" task_id INTEGER NOT NULL,"
	" stage TEXT NOT NULL,"
	" round INTEGER NOT NULL,"
	" sha TEXT NOT NULL,"
	" code_id TEXT NOT NULL,"
	" at TEXT NOT NULL);"
	"CREATE INDEX task_verdicts_round ON task_verdicts(task_id, round, stage, id);"
	"CREATE TABLE task_asks ("
	" id INTEGER PRIMARY KEY,"
	" task_id INTEGER NOT NULL,"
	" kind TEXT NOT NULL,"
	" asked_at TEXT NOT NULL,"
	" mark TEXT NOT NULL DEFAULT '',"
	" evidence TEXT NOT NULL);"
	"CREATE INDEX task_asks_kind ON task_asks(task_id, kind, id);",
	/*
	 * 17: a claim holds the process group of the child its holder runs (the deploy hook's wrapper,
	 * ci_cmd): a holder killed with SIGKILL leaves it, and the next claimer waits for that group
	 * (lib/task.h)
	 */
	("ALTER TABLE leases ADD COLUMN child_pgid INTEGER NOT NULL DEFAULT 0;"
	 "ALTER TABLE leases ADD COLUMN child_kind TEXT NOT NULL DEFAULT '';"),
	/*
	 * 18: the osv engine's cache of OSV records (lib/osv.h): one row per advisory id, the record as the
	 * server sent it and its `modified`, so a record is fetched again only when OSV says it changed
	 */
	("CREATE TABLE osv_vulns ("
	 " id TEXT PRIMARY KEY,"
	 " modified TEXT NOT NULL,"
	 " record TEXT NOT NULL,"
	 " fetched_at TEXT NOT NULL);"),
	/*
	 * 19: a secret found on main can be resolved (rotated) by a person: it leaves the attention list and
	 * stays in the history with when and why (orch-scan --resolve; scanmain owns the table)
	 */
	("ALTER TABLE scan_findings ADD COLUMN resolved_at TEXT;"
	 "ALTER TABLE scan_findings ADD COLUMN resolved_reason TEXT;"),
	/*
	 * 20: the issue body and the conversation (issue 25): the local tracker's descriptions, and which
	 * comments orch wrote itself (a brief shows people's only; comments from before this are orch's)
	 */
	("ALTER TABLE tracker_issues ADD COLUMN description TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE tracker_comments ADD COLUMN by_orch INTEGER NOT NULL DEFAULT 1;"),
	/*
	 * 21: manual per item (issue 25): every stage of an item worked by people, from orch-advance --manual
	 * or the tracker label "manual" (the local tracker's labels, comma-separated)
	 */
	("ALTER TABLE tasks ADD COLUMN manual INTEGER NOT NULL DEFAULT 0;"
	 "ALTER TABLE tracker_issues ADD COLUMN labels TEXT NOT NULL DEFAULT '';"),
	/*
	 * 22: a person stops an item (issue 23 point 1): tasks.stopped says who stopped it and how ('' live,
	 * cancelled, done, blocked: a person's tracker status or orch-advance --cancel); a job cancelled with
	 * its item is done with cancelled_at set (it never ran, or its agent was stopped)
	 */
	("ALTER TABLE tasks ADD COLUMN stopped TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE jobs ADD COLUMN cancelled_at TEXT;"
	 "CREATE INDEX tasks_stopped ON tasks(updated_at) WHERE stopped IN ('cancelled', 'done') AND cleaned "
	 "= 0;"
	 /* and a job's last failure, the reason a dead job blocks its item with (issue 23 point 2) */
	 "ALTER TABLE jobs ADD COLUMN last_error TEXT;"),
	/*
	 * 23: reverting a DEGRADED item (orch-deploy --revert, issue 23 point 4): the main commit an item
	 * landed on (its merged commits are landed_base..tested_sha) and the work item that reverts it
	 */
	("ALTER TABLE tasks ADD COLUMN landed_base TEXT;"
	 "ALTER TABLE tasks ADD COLUMN reverted_by TEXT NOT NULL DEFAULT '';"),
	/*
	 * 24: leases that survive hosts (issue 27): a running job names the host whose runner leased it and
	 * carries the lease's random token; completion and the agent's process group are conditioned on the
	 * token, so a job rescued after its lease expired cannot be completed by its first runner.
	 * lease_until counts in the database's clock (orch_now(): store_pg.h, store_open).
	 * The PostgreSQL migration of the same number is in lib/store_pg.c.
	 */
	("ALTER TABLE jobs ADD COLUMN host TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE jobs ADD COLUMN lease_token TEXT;"),
	/*
	 * 25: more than one host (issue 27).  A claim carries a random token and expires in the database's
	 * clock (lib/task.h).  deploys: one row per deploy of a task (attempt counts from 1), inserted by the
	 * host that starts the hook, which alone records its result (lib/deploystate.h).  jobs.result_sha:
	 * the branch head an agent's run left, pushed to the remote, which a gate on any host waits for
	 * (work.h).  host_commands: each host's last run of each command, for orch-status's view of every
	 * host (lib/status.h).
	 */
	("ALTER TABLE leases ADD COLUMN token TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE outbox ADD COLUMN claim_host TEXT NOT NULL DEFAULT '';"
	 "ALTER TABLE jobs ADD COLUMN result_sha TEXT;"
	 "ALTER TABLE agent_runs ADD COLUMN host TEXT NOT NULL DEFAULT '';"
	 "CREATE TABLE deploys ("
	 " id INTEGER PRIMARY KEY,"
	 " task_id INTEGER NOT NULL,"
	 " work_item TEXT NOT NULL,"
	 " attempt INTEGER NOT NULL,"
	 " host TEXT NOT NULL,"
	 " sha TEXT NOT NULL DEFAULT '',"
	 " started_at INTEGER NOT NULL,"
	 " status TEXT NOT NULL DEFAULT 'running',"
	 " result INTEGER,"
	 " finished_at INTEGER,"
	 " finished_by TEXT NOT NULL DEFAULT '',"
	 " UNIQUE (task_id, attempt));"
	 "CREATE TABLE host_commands ("
	 " host TEXT NOT NULL,"
	 " name TEXT NOT NULL,"
	 " last_run TEXT NOT NULL,"
	 " result TEXT NOT NULL,"
	 " duration_ms INTEGER NOT NULL DEFAULT 0,"
	 " pid INTEGER NOT NULL DEFAULT 0,"
	 " PRIMARY KEY (host, name));"),
	/*
	 * 26: deploy state in the store (issue 27).  deploy_marks: where each host's deploy of a task stands
	 * (initiated, approve-requested, finalized, watch, watched; lib/deploystate.h), one row per task,
	 * attempt, host and state, where orch-home files held them before.  The hook's wrapper still writes
	 * its own facts (its pid, its hook's group, the exit code) as files: it runs without the store.
	 * The PostgreSQL migration of the same number is in lib/store_pg.c.
	 */
	("CREATE TABLE deploy_marks ("
	 " task_id INTEGER NOT NULL,"
	 " attempt INTEGER NOT NULL,"
	 " host TEXT NOT NULL,"
	 " name TEXT NOT NULL,"
	 " value TEXT NOT NULL,"
	 " updated_at INTEGER NOT NULL,"
	 " PRIMARY KEY (task_id, attempt, host, name));"),
};

static int
classify(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED: return EX_TEMPFAIL;
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_CANTOPEN:
	case SQLITE_READONLY:
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB: return EX_IOERR;
	default: return EX_SOFTWARE;
	}
}

int
store_fail(struct store *st, const char *what, struct orch_err *e)
{
	int rc, code;

	if (st->pg)
		return store_pg_fail(st, what, e);
	rc = st->db ? sqlite3_extended_errcode(st->db) : SQLITE_ERROR;
	code = classify(rc);

	if (code == EX_TEMPFAIL)
		return err_set(e, code,
		    "database '%s' is busy (%s): another orch command holds it; "
		    "nothing was written, retry on the next tick",
		    st->path, what);
	if ((rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB)
		return err_set(e, code, "database '%s' is corrupt (%s: %s); " STORE_CORRUPT_ADVICE, st->path,
		    what, sqlite3_errmsg(st->db));
	if ((rc & 0xff) == SQLITE_FULL)
		return err_set(e, code,
		    "database '%s': %s: the disk is full; nothing was written, free space "
		    "and the next tick goes on",
		    st->path, what);
	if ((rc & 0xff) == SQLITE_IOERR)
		return err_set(e, code,
		    "database '%s': %s: %s; check that the file system under ORCH_HOME is not "
		    "full or failing; nothing was committed and the next tick retries",
		    st->path, what, sqlite3_errmsg(st->db));
	if ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_CANTOPEN)
		return err_set(e, code,
		    "database '%s': %s: %s; make ORCH_HOME and orch.db writable by the "
		    "user orch runs as",
		    st->path, what, sqlite3_errmsg(st->db));
	return err_set(
	    e, code, "database '%s': %s: %s", st->path, what, st->db ? sqlite3_errmsg(st->db) : "not open");
}

/* The SQLite driver's statement (store.h: the statement interface). */
struct store_stmt {
	struct store *st;
	sqlite3_stmt *lite;       /* the SQLite driver's, or */
	struct store_pg_stmt *pg; /* the PostgreSQL driver's (store_pg.h) */
};

int
store_is_url(const char *path)
{
	return strncmp(path, "postgresql://", 13) == 0 || strncmp(path, "postgres://", 11) == 0;
}

int
store_step(struct store_stmt *s)
{
	if (s->pg)
		return store_pg_step(s->pg);
	int rc = sqlite3_step(s->lite);

	return rc == SQLITE_ROW ? STORE_ROW : rc == SQLITE_DONE ? STORE_DONE : rc;
}

void
store_bind_text(struct store_stmt *s, int i, const char *v)
{
	if (s->pg)
		store_pg_bind(s->pg, i, v);
	else if (v == NULL)
		sqlite3_bind_null(s->lite, i);
	else
		sqlite3_bind_text(s->lite, i, v, -1, SQLITE_TRANSIENT);
}

void
store_bind_int64(struct store_stmt *s, int i, int64_t v)
{
	char text[24];

	if (s->pg) {
		snprintf(text, sizeof(text), "%lld", (long long)v);
		store_pg_bind(s->pg, i, text);
		return;
	}
	sqlite3_bind_int64(s->lite, i, v);
}

void
store_bind_int(struct store_stmt *s, int i, int v)
{
	if (s->pg)
		return store_bind_int64(s, i, v);
	sqlite3_bind_int(s->lite, i, v);
}

void
store_bind_double(struct store_stmt *s, int i, double v)
{
	char text[40];

	if (s->pg) {
		snprintf(text, sizeof(text), "%.17g", v);
		store_pg_bind(s->pg, i, text);
		return;
	}
	sqlite3_bind_double(s->lite, i, v);
}

void
store_bind_null(struct store_stmt *s, int i)
{
	if (s->pg)
		return store_pg_bind(s->pg, i, NULL);
	sqlite3_bind_null(s->lite, i);
}

int
store_bind_count(struct store_stmt *s)
{
	if (s->pg)
		return store_pg_bind_count(s->pg);
	return sqlite3_bind_parameter_count(s->lite);
}

const char *
store_column_text(struct store_stmt *s, int i)
{
	if (s->pg)
		return store_pg_column_text(s->pg, i);
	return (const char *)sqlite3_column_text(s->lite, i);
}

int64_t
store_column_int64(struct store_stmt *s, int i)
{
	if (s->pg)
		return store_pg_column_int64(s->pg, i);
	return sqlite3_column_int64(s->lite, i);
}

int
store_column_int(struct store_stmt *s, int i)
{
	if (s->pg)
		return (int)store_pg_column_int64(s->pg, i);
	return sqlite3_column_int(s->lite, i);
}

int
store_column_is_null(struct store_stmt *s, int i)
{
	if (s->pg)
		return store_pg_column_is_null(s->pg, i);
	return sqlite3_column_type(s->lite, i) == SQLITE_NULL;
}

int
store_column_is_int(struct store_stmt *s, int i)
{
	if (s->pg)
		return store_pg_column_is_int(s->pg, i);
	return sqlite3_column_type(s->lite, i) == SQLITE_INTEGER;
}

int
store_column_count(struct store_stmt *s)
{
	if (s->pg)
		return store_pg_column_count(s->pg);
	return sqlite3_column_count(s->lite);
}

const char *
store_column_name(struct store_stmt *s, int i)
{
	if (s->pg)
		return store_pg_column_name(s->pg, i);
	return sqlite3_column_name(s->lite, i);
}

void
store_reset(struct store_stmt *s)
{
	if (s->pg)
		return store_pg_reset(s->pg);
	sqlite3_reset(s->lite);
}

void
store_clear_bindings(struct store_stmt *s)
{
	if (s->pg)
		return store_pg_clear_bindings(s->pg);
	sqlite3_clear_bindings(s->lite);
}

void
store_finalize(struct store_stmt *s)
{
	if (s == NULL)
		return;
	if (s->pg)
		store_pg_finalize(s->pg);
	else
		sqlite3_finalize(s->lite);
	free(s);
}

int64_t
store_changes(struct store *st)
{
	if (st->pg)
		return store_pg_changes(st);
	return sqlite3_changes(st->db);
}

int64_t
store_last_insert_id(struct store *st)
{
	if (st->pg)
		return store_pg_last_insert_id(st);
	return sqlite3_last_insert_rowid(st->db);
}

int64_t
store_total_changes(struct store *st)
{
	if (st->pg)
		return st->pgs.total_changes;
	return sqlite3_total_changes(st->db);
}

int
store_in_transaction(struct store *st)
{
	if (st->pg)
		return store_pg_in_transaction(st);
	return st->db && !sqlite3_get_autocommit(st->db);
}

int
store_is_open(const struct store *st)
{
	return st && (st->db || st->pg);
}

/* Wrap a prepared statement of either driver: 0, or -1 with e (out of memory). */
static int
stmt_wrap(struct store *st, sqlite3_stmt *lite, struct store_pg_stmt *pg, struct store_stmt **out,
    struct orch_err *e)
{
	if ((*out = malloc(sizeof(**out))) == NULL) {
		sqlite3_finalize(lite);
		store_pg_finalize(pg);
		return err_set(e, EX_SOFTWARE, "out of memory preparing a statement on '%s'", st->path);
	}
	(*out)->st = st;
	(*out)->lite = lite;
	(*out)->pg = pg;
	return 0;
}

/* Prepare on the store's driver (persistent: a statement store_cached keeps). */
static int
driver_prepare(
    struct store *st, const char *sql, int persistent, struct store_stmt **stmt, struct orch_err *e)
{
	sqlite3_stmt *lite = NULL;
	struct store_pg_stmt *pg = NULL;

	*stmt = NULL;
	if (st->pg)
		return store_pg_prepare(st, sql, &pg, e) < 0 ? -1 : stmt_wrap(st, NULL, pg, stmt, e);
	if ((persistent ? sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &lite, NULL)
			: sqlite3_prepare_v2(st->db, sql, -1, &lite, NULL)) != SQLITE_OK)
		return store_fail(st, "prepare", e);
	return stmt_wrap(st, lite, NULL, stmt, e);
}

/* A write ends a snapshot first (store.h 5): a prepared statement says whether it writes. */
static void
snapshot_guard(struct store *st, struct store_stmt *stmt)
{
	if (st->snapshot && !(stmt->pg ? store_pg_readonly(stmt->pg) : sqlite3_stmt_readonly(stmt->lite)))
		store_snapshot_end(st);
}

int
store_exec(struct store *st, const char *sql, struct orch_err *e)
{
	store_snapshot_end(st); /* pragmas and migrations: never inside a read */
	if (st->pg)
		return store_pg_exec(st, sql, e);
	if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, "exec", e);
	return 0;
}

int
store_prepare(struct store *st, struct store_stmt **stmt, const char *sql, struct orch_err *e)
{
	if (driver_prepare(st, sql, 0, stmt, e) < 0)
		return -1;
	snapshot_guard(st, *stmt);
	return 0;
}

int
store_cached(struct store *st, struct store_stmt **stmt, const char *sql, struct orch_err *e)
{
	struct store_cache *free_slot = NULL;
	size_t i;

	for (i = 0; i < STORE_CACHE_SLOTS; i++) {
		struct store_cache *c = &st->cache[i];
		if (c->sql == sql && !c->busy) {
			c->busy = 1;
			*stmt = c->stmt;
			snapshot_guard(st, *stmt);
			return 0;
		}
		if (c->sql == NULL && free_slot == NULL)
			free_slot = c;
	}
	if (free_slot == NULL)
		return store_prepare(st, stmt, sql, e);
	if (driver_prepare(st, sql, 1, stmt, e) < 0)
		return -1;
	free_slot->sql = sql;
	free_slot->stmt = *stmt;
	free_slot->busy = 1;
	snapshot_guard(st, *stmt);
	return 0;
}

void
store_release(struct store *st, struct store_stmt *stmt)
{
	size_t i;

	for (i = 0; i < STORE_CACHE_SLOTS; i++)
		if (st->cache[i].stmt == stmt && st->cache[i].busy) {
			/* the step's error was read by the caller; reset only re-reports it */
			store_reset(stmt);
			store_clear_bindings(stmt);
			st->cache[i].busy = 0;
			return;
		}
	store_finalize(stmt);
}

int
store_step_done(struct store *st, struct store_stmt *stmt, const char *what, struct orch_err *e)
{
	int rc = store_step(stmt);

	if (rc != STORE_DONE && rc != STORE_ROW) {
		store_fail(st, what, e);
		store_finalize(stmt);
		return -1;
	}
	store_finalize(stmt);
	return 0;
}

int
store_strings(struct store *st, struct store_stmt *stmt, char ***out, struct orch_err *e)
{
	size_t n = 0, cap = 8;
	char **v, **nv;
	int rc;

	if ((v = calloc(cap, sizeof(*v))) == NULL)
		goto oom;
	while ((rc = store_step(stmt)) == STORE_ROW) {
		const char *text = store_column_text(stmt, 0);
		if (n + 2 > cap) {
			if ((nv = realloc(v, (cap *= 2) * sizeof(*v))) == NULL)
				goto oom;
			v = nv;
		}
		if ((v[n] = strdup(text ? text : "")) == NULL)
			goto oom;
		v[++n] = NULL;
	}
	store_finalize(stmt);
	if (rc != STORE_DONE) {
		argv_free(v);
		return store_fail(st, "read rows", e);
	}
	*out = v;
	return 0;
oom:
	store_finalize(stmt);
	argv_free(v);
	return err_set(e, EX_SOFTWARE, "out of memory reading rows");
}

static int
migrate(struct store *st, struct orch_err *e)
{
	struct store_stmt *s;
	int version, v;
	char sql[64];

	if (store_prepare(st, &s, "PRAGMA user_version", e) < 0)
		return -1;
	if (store_step(s) != STORE_ROW) {
		store_finalize(s);
		return store_fail(st, "read schema version", e);
	}
	version = store_column_int(s, 0);
	store_finalize(s);
	if (version > STORE_SCHEMA_VERSION)
		return err_set(e, EX_CONFIG,
		    "database '%s' has schema version %d, newer than this orch (%d); "
		    "upgrade orch",
		    st->path, version, STORE_SCHEMA_VERSION);
	for (v = version; v < STORE_SCHEMA_VERSION; v++) {
		if (store_begin(st, e) < 0)
			return -1;
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", v + 1);
		if (store_exec(st, migrations[v], e) < 0 || store_exec(st, sql, e) < 0) {
			store_rollback(st);
			return -1;
		}
		if (store_commit(st, e) < 0)
			return -1;
	}
	return 0;
}

/* orch_now(): the store's clock in unix seconds, the SQL both engines share for lease times. */
static void
sql_orch_now(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	(void)argc;
	(void)argv;
	sqlite3_result_int64(ctx, (sqlite3_int64)time(NULL));
}

static uint32_t
be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/*
 * Refuse a file that is not a whole SQLite database before SQLite opens it:
 * a truncated file would fail on the first page it lacks, possibly after
 * other writes.  Empty is fine (new, or a crash before the first commit,
 * which lives in the WAL); with a non-empty WAL SQLite recovers itself.
 */
static int
check_file(int fd, const char *path, struct orch_err *e)
{
	unsigned char h[100];
	char wal[ORCH_PATH_MAX_1];
	struct stat sb, wb;
	uint64_t page, need;

	if (fstat(fd, &sb) < 0)
		return err_set(e, EX_IOERR, "cannot stat database '%s': %s", path, strerror(errno));
	if (sb.st_size == 0)
		return 0;
	if (str_fmt(wal, sizeof(wal), "%s-wal", path) == 0 && stat(wal, &wb) == 0 && wb.st_size > 0)
		return 0;
	if (sb.st_size < (off_t)sizeof(h) || pread(fd, h, sizeof(h), 0) != (ssize_t)sizeof(h) ||
	    memcmp(h, "SQLite format 3", 16) != 0)
		return err_set(e, EX_IOERR,
		    "database '%s' is not a SQLite database (%lld bytes, no SQLite "
		    "header); " STORE_CORRUPT_ADVICE,
		    path, (long long)sb.st_size);
	page = h[16] == 0 && h[17] == 1 ? 65536 : (uint64_t)(h[16] << 8 | h[17]);
	need = page * be32(h + 28);
	if (be32(h + 24) == be32(h + 92) && need > (uint64_t)sb.st_size)
		return err_set(e, EX_IOERR,
		    "database '%s' is truncated (%lld bytes of %llu); " STORE_CORRUPT_ADVICE, path,
		    (long long)sb.st_size, (unsigned long long)need);
	return 0;
}

/*
 * Before SQLite's first use: no up-front page-cache block and no lookaside
 * buffer per connection.  Both are set up by writing through every slot,
 * some 200 KiB a command mostly never uses, and each page touched is a page
 * fault: a measurable share of a quiet tick (docs/performance.md).  Pages
 * are then allocated as they are read.  Later calls (the library already
 * initialised) are refused by SQLite and harmless.
 */
static void
store_memory_config(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	sqlite3_config(SQLITE_CONFIG_PAGECACHE, NULL, 0, 0);
	sqlite3_config(SQLITE_CONFIG_LOOKASIDE, 0, 0);
}

void
store_set_host(struct store *st, const char *host)
{
	if (host != NULL && host[0] != '\0') {
		snprintf(st->host, sizeof(st->host), "%s", host);
		return;
	}
	if (gethostname(st->host, sizeof(st->host) - 1) < 0)
		st->host[0] = '\0';
	st->host[sizeof(st->host) - 1] = '\0';
}

int
store_open(struct store *st, const char *path, int busy_timeout_ms, struct orch_err *e)
{
	int fd;

	memset(st, 0, sizeof(*st));
	store_set_host(st, NULL);
	if (store_is_url(path))
		return store_pg_open(st, path, busy_timeout_ms, e);
	if (str_copy(st->path, sizeof(st->path), path) < 0)
		return err_set(e, EX_USAGE, "database path '%s' is too long", path);
	/* create with 0600 ourselves: sqlite would honour the umask only */
	if ((fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return err_set(e, EX_IOERR,
		    "cannot open database '%s': %s; make ORCH_HOME and orch.db writable "
		    "by the user orch runs as",
		    path, strerror(errno));
	if (check_file(fd, path, e) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	store_memory_config();
	if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
		store_fail(st, "open", e);
		store_close(st);
		return -1;
	}
	sqlite3_busy_timeout(st->db, busy_timeout_ms);
	if (sqlite3_create_function(st->db, "orch_now", 0, SQLITE_UTF8, NULL, sql_orch_now, NULL, NULL) !=
	    SQLITE_OK) {
		store_fail(st, "define orch_now()", e);
		store_close(st);
		return -1;
	}
	if (store_exec(st, "PRAGMA journal_mode=WAL", e) < 0 ||
	    store_exec(st, "PRAGMA foreign_keys=ON", e) < 0 ||
	    store_exec(st, "PRAGMA synchronous=NORMAL", e) < 0 || migrate(st, e) < 0) {
		store_close(st);
		return -1;
	}
	return 0;
}

void
store_close(struct store *st)
{
	size_t i;

	for (i = 0; i < STORE_CACHE_SLOTS; i++)
		if (st->cache[i].stmt)
			store_finalize(st->cache[i].stmt);
	memset(st->cache, 0, sizeof(st->cache));
	if (st->db) {
		store_snapshot_end(st);
		sqlite3_close(st->db);
	}
	st->db = NULL;
	store_pg_close(st);
}

int
store_snapshot_begin(struct store *st, struct orch_err *e)
{
	if (st->snapshot || store_in_transaction(st))
		return 0;
	if (st->pg) {
		if (store_pg_begin(st, 1, e) < 0)
			return -1;
	} else if (sqlite3_exec(st->db, "BEGIN DEFERRED", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, "begin read transaction", e);
	st->snapshot = 1;
	return 0;
}

void
store_snapshot_end(struct store *st)
{
	if (!st->snapshot)
		return;
	st->snapshot = 0;
	if (st->pg) {
		store_pg_rollback(st); /* it read only: nothing to keep */
		return;
	}
	/* a read transaction: COMMIT only drops the read lock; ROLLBACK if it fails */
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int
store_begin(struct store *st, struct orch_err *e)
{
	store_snapshot_end(st);
	if (st->pg)
		return store_pg_begin(st, 0, e);
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return store_fail(st, "begin transaction", e);
	return 0;
}

int
store_commit(struct store *st, struct orch_err *e)
{
	if (st->pg)
		return store_pg_commit(st, e);
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		store_fail(st, "commit", e);
		store_rollback(st);
		return -1;
	}
	return 0;
}

void
store_rollback(struct store *st)
{
	if (st->pg)
		store_pg_rollback(st);
	else if (st->db && store_in_transaction(st))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int
store_tool_record(struct store *st, const char *tool, int runs, int failures, int64_t ms,
    const char *last_error, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s,
		"INSERT INTO tool_metrics(tool, runs, failures, total_ms, last_error) "
		"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(tool) DO UPDATE SET runs = tool_metrics.runs + ?2, "
		"failures = tool_metrics.failures + ?3, total_ms = tool_metrics.total_ms + ?4, "
		"last_error = COALESCE(?5, tool_metrics.last_error)",
		e) < 0)
		return -1;
	store_bind_text(s, 1, tool);
	store_bind_int(s, 2, runs);
	store_bind_int(s, 3, failures);
	store_bind_int64(s, 4, ms);
	if (last_error)
		store_bind_text(s, 5, last_error);
	else
		store_bind_null(s, 5);
	return store_step_done(st, s, "record tool metrics", e);
}

void
store_tool_observe(void *ctx, const char *tool, const struct proc_result *r)
{
	char desc[300];

	proc_describe(r, desc, sizeof(desc));
	/* metrics are best effort: never fail a run for them */
	(void)store_tool_record(ctx, tool, 1, r->failed, r->elapsed_ms, r->failed ? desc : NULL, NULL);
}

/*
 * The read side for orch-status: rows as JSON for the modules that own the tables, so that the view
 * holds no SQL.  A column named "blocked" is a flag (tasks.blocked), shown as a bool.
 */
int
store_list_json(struct store *st, const char *sql, int limit, struct cJSON *arr, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s, sql, e) < 0)
		return -1;
	if (store_bind_count(s) > 0)
		store_bind_int(s, 1, limit);
	return store_rows_json(st, s, arr, e);
}

int
store_rows_json(struct store *st, struct store_stmt *s, struct cJSON *arr, struct orch_err *e)
{
	int rc, i;

	while ((rc = store_step(s)) == STORE_ROW) {
		cJSON *o = cJSON_CreateObject();
		for (i = 0; i < store_column_count(s); i++) {
			const char *name = store_column_name(s, i);
			if (store_column_is_null(s, i))
				cJSON_AddNullToObject(o, name);
			else if (store_column_is_int(s, i) && strcmp(name, "blocked") == 0)
				cJSON_AddBoolToObject(o, name, store_column_int(s, i));
			else if (store_column_is_int(s, i))
				cJSON_AddNumberToObject(o, name, (double)store_column_int64(s, i));
			else
				cJSON_AddStringToObject(o, name, store_column_text(s, i));
		}
		cJSON_AddItemToArray(arr, o);
	}
	store_finalize(s);
	return rc == STORE_DONE ? 0 : store_fail(st, "read status", e);
}

int
store_counts_json(struct store *st, struct store_stmt *s, struct cJSON *obj, struct orch_err *e)
{
	int rc;

	while ((rc = store_step(s)) == STORE_ROW)
		cJSON_AddNumberToObject(obj, store_column_text(s, 0), store_column_int(s, 1));
	store_finalize(s);
	return rc == STORE_DONE ? 0 : store_fail(st, "count", e);
}

int
store_row_counts_json(struct store *st, const char *kind, struct cJSON *obj, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(
		st, &s, "SELECT name, n FROM row_counts WHERE kind = ?1 AND n > 0 ORDER BY name", e) < 0)
		return -1;
	store_bind_text(s, 1, kind);
	return store_counts_json(st, s, obj, e);
}

int
store_tool_metrics_json(struct store *st, struct cJSON *obj, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	if (store_prepare(st, &s,
		"SELECT tool, runs, failures, total_ms, last_error FROM tool_metrics ORDER BY tool", e) < 0)
		return -1;
	while ((rc = store_step(s)) == STORE_ROW) {
		cJSON *t = cJSON_AddObjectToObject(obj, store_column_text(s, 0));
		cJSON_AddNumberToObject(t, "runs", store_column_int(s, 1));
		cJSON_AddNumberToObject(t, "failures", store_column_int(s, 2));
		cJSON_AddNumberToObject(t, "total_ms", (double)store_column_int64(s, 3));
		if (store_column_is_null(s, 4))
			cJSON_AddNullToObject(t, "last_error");
		else
			cJSON_AddStringToObject(t, "last_error", store_column_text(s, 4));
	}
	store_finalize(s);
	return rc == STORE_DONE ? 0 : store_fail(st, "read tool metrics", e);
}

int
store_lock_try(struct store *st, const char *name, struct orch_err *e)
{
	struct store_stmt *s;
	uint64_t key = 1469598103934665603ULL; /* FNV-1a of "orch:" name: the advisory lock's key */
	const char *p;
	int rc, held;

	if (!st->pg)
		return 1; /* one host's store: the command's flock is the whole lock */
	for (p = "orch:"; *p; p++)
		key = (key ^ (unsigned char)*p) * 1099511628211ULL;
	for (p = name; *p; p++)
		key = (key ^ (unsigned char)*p) * 1099511628211ULL;
	if (store_prepare(st, &s, "SELECT pg_try_advisory_lock(?1)", e) < 0)
		return -1;
	store_bind_int64(s, 1, (int64_t)key);
	rc = store_step(s);
	held = rc == STORE_ROW ? store_column_int(s, 0) : -1;
	store_finalize(s);
	return held < 0 ? store_fail(st, "take the cluster-wide command lock", e) : held;
}

/* The first column of a one-row query as text into out ("" when no row): 0 / -1 with e. */
static int
query_text(struct store *st, const char *sql, char *out, size_t n, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	out[0] = '\0';
	if (store_prepare(st, &s, sql, e) < 0)
		return -1;
	if ((rc = store_step(s)) == STORE_ROW)
		str_copy(out, n, store_column_text(s, 0) ? store_column_text(s, 0) : "");
	store_finalize(s);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : store_fail(st, "describe the store", e);
}

int
store_describe(struct store *st, struct store_info *info, struct orch_err *e)
{
	char a[32], b[32];

	memset(info, 0, sizeof(*info));
	str_copy(info->where, sizeof(info->where), st->path);
	if (!st->pg) {
		snprintf(info->engine, sizeof(info->engine), "SQLite %s", sqlite3_libversion());
		return query_text(st, "PRAGMA user_version", info->schema, sizeof(info->schema), e);
	}
	if (query_text(st, "SELECT current_setting('server_version')", b, sizeof(b), e) < 0 ||
	    query_text(st, "SELECT max(version) FROM orch_schema", info->schema, sizeof(info->schema), e) < 0)
		return -1;
	snprintf(info->engine, sizeof(info->engine), "PostgreSQL %s", b);
	/* a pooler in transaction mode hands each statement another server session: session locks break */
	if (query_text(st, "SELECT pg_backend_pid()", a, sizeof(a), e) < 0 ||
	    query_text(st, "SELECT pg_backend_pid()", b, sizeof(b), e) < 0)
		return -1;
	info->session_kept = strcmp(a, b) == 0;
	return query_text(st, "SELECT current_setting('client_connection_check_interval')",
	    info->check_interval, sizeof(info->check_interval), e);
}
