#include "status.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "buf.h"
#include "config.h"
#include "err.h"
#include "store.h"
#include "util.h"

/* Run sql and add one object per row built from the column names. */
static int
rows(struct store *st, const char *sql, cJSON *arr, struct orch_err *e)
{
	sqlite3_stmt *s;
	int rc, i;

	if (store_prepare(st, &s, sql, e) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cJSON *o = cJSON_CreateObject();
		for (i = 0; i < sqlite3_column_count(s); i++) {
			const char *name = sqlite3_column_name(s, i);
			switch (sqlite3_column_type(s, i)) {
			case SQLITE_INTEGER:
				if (strcmp(name, "blocked") == 0)
					cJSON_AddBoolToObject(o, name, sqlite3_column_int(s, i));
				else
					cJSON_AddNumberToObject(o, name, (double)sqlite3_column_int64(s, i));
				break;
			case SQLITE_NULL:
				cJSON_AddNullToObject(o, name);
				break;
			default:
				cJSON_AddStringToObject(o, name, (const char *)sqlite3_column_text(s, i));
			}
		}
		cJSON_AddItemToArray(arr, o);
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, "read status", e);
}

/* {key: count} from a two-column query. */
static int
counts(struct store *st, const char *sql, cJSON *obj, struct orch_err *e)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, &s, sql, e) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW)
		cJSON_AddNumberToObject(obj, (const char *)sqlite3_column_text(s, 0), sqlite3_column_int(s, 1));
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, "count", e);
}

static void
commands(const char *home, cJSON *obj)
{
	char dir[4200], path[4600];
	struct dirent *d;
	DIR *dp;

	if (str_fmt(dir, sizeof(dir), "%s/runs", home) < 0 || (dp = opendir(dir)) == NULL)
		return;
	while ((d = readdir(dp)) != NULL) {
		size_t l = strlen(d->d_name);
		char body[1024];
		cJSON *rec;
		FILE *f;
		size_t n;

		if (strncmp(d->d_name, "command-", 8) != 0 || l < 14 || strcmp(d->d_name + l - 5, ".json") != 0)
			continue;
		if (str_fmt(path, sizeof(path), "%s/%s", dir, d->d_name) < 0 || (f = fopen(path, "r")) == NULL)
			continue;
		n = fread(body, 1, sizeof(body) - 1, f);
		fclose(f);
		body[n] = '\0';
		if ((rec = cJSON_Parse(body)) == NULL)
			continue;	/* a torn record cannot happen (atomic writes); a foreign file is skipped */
		cJSON *name = cJSON_DetachItemFromObject(rec, "name");
		if (cJSON_IsString(name))
			cJSON_AddItemToObject(obj, name->valuestring, rec);
		else
			cJSON_Delete(rec);
		cJSON_Delete(name);
	}
	closedir(dp);
}

static int
tools(struct store *st, cJSON *obj, struct orch_err *e)
{
	sqlite3_stmt *s;
	int rc;

	if (store_prepare(st, &s, "SELECT tool, runs, failures, total_ms, last_error FROM tool_metrics ORDER BY tool", e) < 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		cJSON *t = cJSON_AddObjectToObject(obj, (const char *)sqlite3_column_text(s, 0));
		cJSON_AddNumberToObject(t, "runs", sqlite3_column_int(s, 1));
		cJSON_AddNumberToObject(t, "failures", sqlite3_column_int(s, 2));
		cJSON_AddNumberToObject(t, "total_ms", (double)sqlite3_column_int64(s, 3));
		if (sqlite3_column_type(s, 4) == SQLITE_NULL)
			cJSON_AddNullToObject(t, "last_error");
		else
			cJSON_AddStringToObject(t, "last_error", (const char *)sqlite3_column_text(s, 4));
	}
	sqlite3_finalize(s);
	return rc == SQLITE_DONE ? 0 : store_fail(st, "read tool metrics", e);
}

/*
 * Each configured project's scan of main: its last result and age, flagged
 * old when its last run ended more than STATUS_SCAN_MAX_AGE_S ago (or it
 * never ran) and failing when that run failed (phase, reason, chunk).  A
 * fixed day, not a multiple of the schedule: orch does not know its cron
 * line, and a day without a scan is wrong under any schedule.  Rows written
 * before scan_state existed fall back to the anchor's status and time.
 */
static int
scan_projects(const struct config *cfg, struct store *st, cJSON *arr, struct orch_err *e)
{
	int64_t now = time_now_us(), at;
	sqlite3_stmt *s;
	size_t i;

	if (store_prepare(st, &s, "SELECT coalesce(s.last_status, a.last_status), coalesce(s.last_run_at, a.last_run), "
	    "s.last_run_id, s.last_success, s.failure_run_id = s.last_run_id, s.failure_phase, s.failure_reason, "
	    "s.failure_chunk, s.failure_at, a.sha FROM (SELECT ?1 AS p, ?2 AS b) k "
	    "LEFT JOIN scan_state s ON s.project = k.p AND s.branch = k.b "
	    "LEFT JOIN scan_anchors a ON a.project = k.p AND a.branch = k.b", e) < 0)
		return -1;
	for (i = 0; i < cfg->nprojects; i++) {
		const struct project *p = &cfg->projects[i];
		cJSON *o = cJSON_CreateObject(), *f;
		const char *v[10] = { NULL };
		int c, failing, old;
		sqlite3_reset(s);
		sqlite3_bind_text(s, 1, p->key, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, p->main_branch, -1, SQLITE_STATIC);
		if (sqlite3_step(s) == SQLITE_ROW)
			for (c = 0; c < 10; c++)
				v[c] = (const char *)sqlite3_column_text(s, c);
		failing = v[4] && strcmp(v[4], "1") == 0;
		old = v[1] == NULL || time_parse_iso(v[1], &at) < 0 || now - at > STATUS_SCAN_MAX_AGE_S * 1000000LL;
		cJSON_AddStringToObject(o, "project", p->key);
		cJSON_AddStringToObject(o, "branch", p->main_branch);
		cJSON_AddItemToObject(o, "last_status", v[0] ? cJSON_CreateString(v[0]) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "last_run", v[1] ? cJSON_CreateString(v[1]) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "age_s", v[1] && time_parse_iso(v[1], &at) == 0 ?
		    cJSON_CreateNumber((double)((now - at) / 1000000)) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "last_run_id", v[2] ? cJSON_CreateString(v[2]) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "last_success", v[3] ? cJSON_CreateString(v[3]) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "anchor", v[9] ? cJSON_CreateString(v[9]) : cJSON_CreateNull());
		cJSON_AddBoolToObject(o, "old", old);
		cJSON_AddBoolToObject(o, "failing", failing);
		if (v[5]) {	/* the last failure, current or not */
			f = cJSON_AddObjectToObject(o, "last_failure");
			cJSON_AddStringToObject(f, "phase", v[5]);
			cJSON_AddStringToObject(f, "reason", v[6] ? v[6] : "");
			cJSON_AddItemToObject(f, "chunk", v[7] ? cJSON_CreateNumber(atof(v[7])) : cJSON_CreateNull());
			cJSON_AddStringToObject(f, "at", v[8] ? v[8] : "");
		} else {
			cJSON_AddNullToObject(o, "last_failure");
		}
		cJSON_AddItemToArray(arr, o);
	}
	sqlite3_finalize(s);
	return 0;
}

void *
status_collect(const struct config *cfg, struct store *st, struct orch_err *e)
{
	cJSON *root = cJSON_CreateObject(), *tasks, *jobs, *ob;

	tasks = cJSON_AddObjectToObject(root, "tasks");
	jobs = cJSON_AddObjectToObject(root, "jobs");
	ob = cJSON_AddObjectToObject(root, "outbox");
	if (counts(st, "SELECT name, n FROM row_counts WHERE kind = 'task' AND n > 0 ORDER BY name",
	    cJSON_AddObjectToObject(tasks, "by_stage"), e) < 0 ||
	    /* bounded: the live tasks (by their partial index), then the 20 last done; with who holds each */
	    rows(st, "SELECT t.work_item AS work_item, t.stage AS stage, t.blocked AS blocked, t.retries AS retries, "
	    "l.pid AS claimed_pid, l.host AS claimed_host FROM (SELECT * FROM (SELECT id, work_item, stage, blocked, "
	    "retries FROM tasks WHERE stage != 'done' ORDER BY blocked DESC, id DESC LIMIT 200) UNION ALL "
	    "SELECT * FROM (SELECT id, work_item, stage, blocked, retries FROM tasks WHERE stage = 'done' "
	    "ORDER BY id DESC LIMIT 20)) t LEFT JOIN leases l ON l.name = 'task:' || t.work_item",
	    cJSON_AddArrayToObject(tasks, "items"), e) < 0 ||
	    counts(st, "SELECT name, n FROM row_counts WHERE kind = 'job' AND n > 0 ORDER BY name",
	    cJSON_AddObjectToObject(jobs, "by_status"), e) < 0 ||
	    rows(st, "SELECT * FROM (SELECT j.id, t.work_item, j.agent, j.status, j.attempts, j.pid, j.lease_until "
	    "FROM jobs j JOIN tasks t ON t.id = j.task_id WHERE j.status != 'done' ORDER BY j.id DESC LIMIT 200) "
	    "UNION ALL SELECT * FROM (SELECT j.id, t.work_item, j.agent, j.status, j.attempts, j.pid, j.lease_until "
	    "FROM jobs j JOIN tasks t ON t.id = j.task_id WHERE +j.status = 'done' ORDER BY j.id DESC LIMIT 20)",
	    cJSON_AddArrayToObject(jobs, "items"), e) < 0 ||
	    tools(st, cJSON_AddObjectToObject(root, "tools"), e) < 0 ||
	    rows(st, "SELECT ts, work_item, kind, stage_from, stage_to, detail FROM events ORDER BY id DESC LIMIT 20",
	    cJSON_AddArrayToObject(root, "events"), e) < 0 ||
	    counts(st, "SELECT 'pending', count(*) FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL AND "
	    "claimed_at IS NULL AND attempts = 0 UNION ALL "
	    "SELECT 'retrying', count(*) FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL AND "
	    "claimed_at IS NULL AND attempts > 0 UNION ALL "
	    "SELECT 'claimed_undelivered', count(*) FROM outbox WHERE claimed_at IS NOT NULL AND delivered_at IS NULL "
	    "AND dead_at IS NULL UNION ALL "
	    "SELECT 'dead', count(*) FROM outbox WHERE dead_at IS NOT NULL", ob, e) < 0 ||
	    rows(st, "SELECT id, level, work_item, CASE WHEN dead_at IS NULL THEN 'retrying' ELSE 'dead' END AS state, "
	    "attempts, last_error, CASE WHEN dead_at IS NULL THEN strftime('%Y-%m-%dT%H:%M:%SZ', next_attempt_at, "
	    "'unixepoch') END AS next_attempt, dead_at, substr(message, 1, 300) AS message FROM outbox "
	    "WHERE delivered_at IS NULL AND (dead_at IS NOT NULL OR attempts > 0) ORDER BY dead_at IS NULL, id DESC "
	    "LIMIT 20", cJSON_AddArrayToObject(ob, "undelivered"), e) < 0) {
		cJSON_Delete(root);
		return NULL;
	}
	cJSON *scan = cJSON_AddObjectToObject(root, "scan");
	if (rows(st, "SELECT project, branch, sha, last_status, last_run FROM scan_anchors ORDER BY project",
	    cJSON_AddArrayToObject(scan, "anchors"), e) < 0 ||
	    rows(st, "SELECT project, rule, file, commit_sha, line, first_seen FROM scan_findings ORDER BY first_seen DESC "
	    "LIMIT 20", cJSON_AddArrayToObject(scan, "findings"), e) < 0 ||
	    scan_projects(cfg, st, cJSON_AddArrayToObject(scan, "projects"), e) < 0) {
		cJSON_Delete(root);
		return NULL;
	}
	{
		cJSON *rec = cJSON_AddObjectToObject(root, "reconcile"), *rp = cJSON_AddObjectToObject(root, "reaper");
		sqlite3_stmt *s;
		static const char *const rk[] = { "advanced", "replayed", "unblocked", "skipped_terminal", "deduped",
		    "stale_temp_removed", NULL };
		for (int i = 0; rk[i]; i++)
			cJSON_AddNumberToObject(rec, rk[i], 0);
		cJSON_AddNumberToObject(rp, "reaped", 0);
		cJSON_AddNumberToObject(rp, "leases_released", 0);
		if (store_prepare(st, &s, "SELECT name, value FROM counters", e) == 0) {
			while (sqlite3_step(s) == SQLITE_ROW) {
				const char *n = (const char *)sqlite3_column_text(s, 0), *dot = strchr(n, '.');
				cJSON *grp = dot && strncmp(n, "reaper", 6) == 0 ? rp : rec;
				if (dot)
					cJSON_ReplaceItemInObject(grp, dot + 1, cJSON_CreateNumber(sqlite3_column_int(s, 1)));
			}
			sqlite3_finalize(s);
		}
	}
	{
		/* measured by orch-reconcile (a walk of the tree is not a status read's job) */
		cJSON *wt = cJSON_AddObjectToObject(root, "worktrees");
		sqlite3_stmt *s;
		long long bytes = -1;
		if (store_prepare(st, &s, "SELECT value FROM reconcile_state WHERE key = 'worktrees_bytes'", e) == 0) {
			if (sqlite3_step(s) == SQLITE_ROW)
				bytes = sqlite3_column_int64(s, 0);
			sqlite3_finalize(s);
		}
		cJSON_AddNumberToObject(wt, "bytes", (double)bytes);
		cJSON_AddNumberToObject(wt, "retention_s", cfg->worktree_retention_s);
	}
	{
		cJSON *sec = cJSON_AddObjectToObject(root, "security");
		cJSON_AddStringToObject(sec, "dep_engine", cfg->security_dep_engine);
		if (strcmp(cfg->security_dep_engine, "osv-scanner") != 0)
			cJSON_AddStringToObject(sec, "note", "pip-audit reports no severity: its findings only warn "
			    "(severity-based blocking needs osv-scanner)");
	}
	/* orch-fix: the recent fix runs, newest first */
	if (rows(st, "SELECT id, work_item, source, status, reason, danger, commit_sha, started_at FROM fix_runs "
	    "ORDER BY id DESC LIMIT 10", cJSON_AddArrayToObject(cJSON_AddObjectToObject(root, "fix"), "runs"), e) < 0) {
		cJSON_Delete(root);
		return NULL;
	}
	commands(cfg->home, cJSON_AddObjectToObject(root, "commands"));
	return root;
}

static void
esc(struct buf *b, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '<': buf_puts(b, "&lt;"); break;
		case '>': buf_puts(b, "&gt;"); break;
		case '&': buf_puts(b, "&amp;"); break;
		case '"': buf_puts(b, "&quot;"); break;
		case '\'': buf_puts(b, "&#39;"); break;
		default: buf_append(b, s, 1);
		}
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "";
}

static double
jnum(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

/* A badge: class from the word, text escaped. */
static void
badge(struct buf *b, const char *cls, const char *text)
{
	buf_printf(b, "<span class=\"badge %s\">", cls);
	esc(b, text);
	buf_puts(b, "</span>");
}

static const char *
kind_class(const char *kind)
{
	if (strstr(kind, "blocked") || strstr(kind, "failed") || strstr(kind, "degraded") || strstr(kind, "reaped") ||
	    strstr(kind, "dead"))
		return "bad";
	if (strstr(kind, "rolled_back") || strstr(kind, "rejected") || strstr(kind, "refused"))
		return "warn";
	return "good";
}

/* Notifications that failed: dead ones are alerts nobody received, so they come before the tasks. */
static void
html_outbox(struct buf *b, const cJSON *ob)
{
	const cJSON *it, *items = cJSON_GetObjectItem(ob, "undelivered");

	buf_printf(b, "<p id=\"outbox-counts\">outbox: %d pending, %d retrying, %d dead</p>\n",
	    (int)jnum(ob, "pending"), (int)jnum(ob, "retrying"), (int)jnum(ob, "dead"));
	if (cJSON_GetArraySize(items) == 0)
		return;
	buf_puts(b, "<h2>Notifications not delivered</h2>\n<table id=\"outbox\"><tr><th>id</th><th>state</th>"
	    "<th>work item</th><th>attempts</th><th>next attempt / dead since</th><th>last error</th>"
	    "<th>message</th></tr>\n");
	cJSON_ArrayForEach(it, items) {
		int dead = strcmp(jstr(it, "state"), "dead") == 0;
		buf_printf(b, "<tr class=\"notification%s\"><td>%d</td><td>", dead ? " dead" : "", (int)jnum(it, "id"));
		badge(b, dead ? "bad" : "warn", jstr(it, "state"));
		if (strcmp(jstr(it, "level"), "alert") == 0)
			badge(b, "bad", "alert");
		buf_puts(b, "</td><td>");
		esc(b, jstr(it, "work_item"));
		buf_printf(b, "</td><td>%d</td><td>", (int)jnum(it, "attempts"));
		esc(b, dead ? jstr(it, "dead_at") : jstr(it, "next_attempt"));
		buf_puts(b, "</td><td>");
		esc(b, jstr(it, "last_error"));
		buf_puts(b, "</td><td>");
		esc(b, jstr(it, "message"));
		buf_puts(b, "</td></tr>\n");
	}
	buf_puts(b, "</table>\n");
}

int
status_html(const void *status, const char *path, int refresh_s, struct orch_err *e)
{
	const cJSON *root = status, *it, *tasks = cJSON_GetObjectItem(root, "tasks"), *jobs = cJSON_GetObjectItem(root, "jobs");
	char now[32];
	struct buf b;
	int pass, rc;

	time_iso_us(time_now_us(), now);
	buf_init(&b, 8 * BUF_MIB);
	buf_printf(&b, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"refresh\" content=\"%d\">\n<title>orch feed</title>\n<style>\n"
	    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}"
	    "table{border-collapse:collapse;margin-bottom:1.5em}td,th{border-bottom:1px solid #ddd;padding:.3em .6em;"
	    "text-align:left}.badge{border-radius:.7em;padding:.1em .6em;font-size:.85em;color:#fff;background:#777}"
	    ".good{background:#2e7d32}.warn{background:#ef6c00}.bad{background:#c62828}.stage{background:#1565c0}"
	    "tr.blocked{background:#fdecea}\n</style></head><body>\n<h1>orch feed</h1>\n"
	    "<p id=\"generated\">generated %s, refreshes every %d s</p>\n", refresh_s, now, refresh_s);
	html_outbox(&b, cJSON_GetObjectItem(root, "outbox"));
	buf_puts(&b, "<h2>Tasks</h2>\n<table id=\"tasks\"><tr><th>work item</th><th>stage</th><th>retries</th>"
	    "<th>artifacts</th></tr>\n");
	for (pass = 0; pass < 2; pass++)	/* blocked first */
		cJSON_ArrayForEach(it, cJSON_GetObjectItem(tasks, "items")) {
			int blocked = cJSON_IsTrue(cJSON_GetObjectItem(it, "blocked"));
			if (blocked != (pass == 0))
				continue;
			buf_printf(&b, "<tr class=\"task%s\" data-wi=\"", blocked ? " blocked" : "");
			esc(&b, jstr(it, "work_item"));
			buf_puts(&b, "\"><td>");
			esc(&b, jstr(it, "work_item"));
			buf_puts(&b, "</td><td>");
			badge(&b, "stage", jstr(it, "stage"));
			if (blocked)
				badge(&b, "bad", "blocked");
			buf_printf(&b, "</td><td>%d</td><td><a href=\"docs/work-items/", (int)jnum(it, "retries"));
			esc(&b, jstr(it, "work_item"));
			buf_puts(&b, "/\">docs/work-items/");
			esc(&b, jstr(it, "work_item"));
			buf_puts(&b, "/</a></td></tr>\n");
		}
	buf_puts(&b, "</table>\n<h2>Jobs not done</h2>\n<table id=\"jobs\"><tr><th>job</th><th>work item</th>"
	    "<th>agent</th><th>status</th><th>attempts</th></tr>\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(jobs, "items")) {
		const char *st = jstr(it, "status");
		if (strcmp(st, "done") == 0)
			continue;
		buf_printf(&b, "<tr><td>%d</td><td>", (int)jnum(it, "id"));
		esc(&b, jstr(it, "work_item"));
		buf_puts(&b, "</td><td>");
		esc(&b, jstr(it, "agent"));
		buf_puts(&b, "</td><td>");
		badge(&b, strcmp(st, "dead") == 0 ? "bad" : strcmp(st, "running") == 0 ? "good" : "warn", st);
		buf_printf(&b, "</td><td>%d</td></tr>\n", (int)jnum(it, "attempts"));
	}
	buf_puts(&b, "</table>\n<h2>Runs</h2>\n<table id=\"runs\"><tr><th>command</th><th>last run</th>"
	    "<th>result</th><th>duration</th></tr>\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "commands")) {
		int res = (int)jnum(it, "result");
		char rs[16];
		snprintf(rs, sizeof(rs), "%d", res);
		buf_puts(&b, "<tr class=\"run\"><td>");
		esc(&b, it->string);
		buf_puts(&b, "</td><td>");
		esc(&b, jstr(it, "last_run"));
		buf_puts(&b, "</td><td>");
		badge(&b, res == 0 ? "good" : res <= 2 ? "warn" : "bad", rs);
		buf_printf(&b, "</td><td>%d ms</td></tr>\n", (int)jnum(it, "duration_ms"));
	}
	buf_puts(&b, "</table>\n<h2>Feed</h2>\n<table id=\"feed\"><tr><th>time</th><th>work item</th><th>event</th>"
	    "<th>from</th><th>to</th><th>detail</th></tr>\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "events")) {
		buf_puts(&b, "<tr class=\"event\"><td>");
		esc(&b, jstr(it, "ts"));
		buf_puts(&b, "</td><td>");
		esc(&b, jstr(it, "work_item"));
		buf_puts(&b, "</td><td>");
		badge(&b, kind_class(jstr(it, "kind")), jstr(it, "kind"));
		buf_puts(&b, "</td><td>");
		esc(&b, jstr(it, "stage_from"));
		buf_puts(&b, "</td><td>");
		esc(&b, jstr(it, "stage_to"));
		buf_puts(&b, "</td><td>");
		esc(&b, jstr(it, "detail"));
		buf_puts(&b, "</td></tr>\n");
	}
	buf_puts(&b, "</table>\n</body></html>\n");
	rc = atomic_write(path, buf_str(&b), b.len, 0644, e);
	buf_free(&b);
	return rc;
}
