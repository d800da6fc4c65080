#include "status.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "buf.h"
#include "config.h"
#include "engine.h"
#include "err.h"
#include "fix.h"
#include "job.h"
#include "notify.h"
#include "reconcile.h"
#include "scanmain.h"
#include "sizes.h"
#include "store.h"
#include "proc.h"
#include "stages.h"
#include "task.h"
#include "tracker.h"
#include "util.h"
#include "wi.h"

static void
commands(const char *home, cJSON *obj)
{
	char dir[ORCH_PATH_MAX_1], path[4600];
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

		if (strncmp(d->d_name, "command-", 8) != 0 || l < 14 ||
		    strcmp(d->d_name + l - 5, ".json") != 0)
			continue;
		if (str_fmt(path, sizeof(path), "%s/%s", dir, d->d_name) < 0 ||
		    (f = fopen(path, "r")) == NULL)
			continue;
		n = fread(body, 1, sizeof(body) - 1, f);
		fclose(f);
		body[n] = '\0';
		if ((rec = cJSON_Parse(body)) == NULL)
			continue; /* a torn record cannot happen (atomic writes); a foreign file is skipped */
		cJSON *name = cJSON_DetachItemFromObject(rec, "name");
		if (cJSON_IsString(name))
			cJSON_AddItemToObject(obj, name->valuestring, rec);
		else
			cJSON_Delete(rec);
		cJSON_Delete(name);
	}
	closedir(dp);
}

/* Where a task's artifacts are: the path on its branch, and a link when the project names its repository
 * browser. */
static void
artifacts(const struct config *cfg, const struct task *t, cJSON *it)
{
	cJSON *a = cJSON_AddObjectToObject(it, "artifacts");
	const struct project *p = config_project(cfg, t->project);
	char path[256];
	struct buf u;

	if (wi_artifact_path(t->work_item, "", path, sizeof(path)) < 0)
		path[0] = '\0';
	cJSON_AddStringToObject(a, "path", path);
	if (p == NULL || p->repo_browse_url == NULL) {
		cJSON_AddNullToObject(a, "url");
		return;
	}
	buf_init(&u, 64 * 1024);
	for (const char *q = p->repo_browse_url; *q;) {
		int is_path = strncmp(q, "{path}", 6) == 0, is_branch = strncmp(q, "{branch}", 8) == 0;
		const char *val = is_path ? path : is_branch ? t->branch : NULL;
		if (val == NULL) {
			buf_addn(&u, q++, 1);
			continue;
		}
		q += is_path ? 6 : 8;
		for (; *val; val++) /* percent-encoded: a branch name is the author's choice */
			if (strchr("/-._~", *val) || (*val >= '0' && *val <= '9') ||
			    ((*val | 32) >= 'a' && (*val | 32) <= 'z'))
				buf_addn(&u, val, 1);
			else
				buf_addf(&u, "%%%02X", (unsigned char)*val);
	}
	if (buf_failed(&u))
		cJSON_AddNullToObject(a, "url"); /* over 64 KiB: no link rather than a cut one */
	else
		cJSON_AddStringToObject(a, "url", buf_str(&u));
	buf_free(&u);
}

/*
 * Each listed task's tracker status, title and artifacts, and what each live one waits for
 * (engine_waits_for); the branch read for STATUS_BRANCH_READS.
 */
static int
task_details(const struct config *cfg, struct store *st, cJSON *items, struct orch_err *e)
{
	int reads = STATUS_BRANCH_READS;
	struct engine_wait w;
	struct task t;
	cJSON *it;

	cJSON_ArrayForEach(it, items) {
		const cJSON *wi = cJSON_GetObjectItem(it, "work_item");
		int rc;
		if (!cJSON_IsString(wi) || task_get(st, wi->valuestring, &t, e) < 0 ||
		    tracker_status_json(st, t.issue_id, t.work_item, it, e) < 0)
			return -1;
		cJSON_AddStringToObject(it, "title", t.title);
		artifacts(cfg, &t, it);
		if (stage_is_last(t.stage) && !t.blocked) /* a done item blocked: a DEGRADED watch */
			continue;
		if ((rc = engine_waits_for(cfg, st, &t, reads > 0, &w, e)) < 0)
			return -1;
		reads -= rc;
		cJSON *wj = cJSON_AddObjectToObject(it, "waits");
		cJSON_AddStringToObject(wj, "kind", w.kind);
		cJSON_AddStringToObject(wj, "detail", w.detail);
		if (w.next_attempt) {
			char iso[24];
			time_local_s(w.next_attempt, NULL, iso);
			cJSON_AddStringToObject(wj, "next_attempt", iso);
		} else {
			cJSON_AddNullToObject(wj, "next_attempt");
		}
	}
	return 0;
}

/*
 * Tasks: the live ones (capped), then the 20 last done; who holds each, the tracker status (the local
 * tracker's own, else the one orch last set or saw), and what each waits for.
 */
static int
collect_tasks(const struct config *cfg, struct store *st, cJSON *root, struct orch_err *e)
{
	cJSON *tasks = cJSON_AddObjectToObject(root, "tasks"),
	      *items = cJSON_AddArrayToObject(tasks, "items");

	if (store_row_counts_json(st, "task", cJSON_AddObjectToObject(tasks, "by_stage"), e) < 0 ||
	    task_items_json(st, STATUS_MAX_ITEMS, items, e) < 0)
		return -1;
	return task_details(cfg, st, items, e);
}

static int
collect_jobs(const struct config *cfg, struct store *st, cJSON *root, struct orch_err *e)
{
	cJSON *jobs = cJSON_AddObjectToObject(root, "jobs");

	int open;

	(void)cfg;
	if (store_row_counts_json(st, "job", cJSON_AddObjectToObject(jobs, "by_status"), e) < 0 ||
	    job_items_json(st, STATUS_MAX_ITEMS, cJSON_AddArrayToObject(jobs, "items"), e) < 0 ||
	    job_dead_open(st, &open, e) < 0)
		return -1;
	cJSON_AddNumberToObject(jobs, "dead_open", open);
	return 0;
}

static int
collect_tools(const struct config *cfg, struct store *st, cJSON *root, struct orch_err *e)
{
	(void)cfg;
	return store_tool_metrics_json(st, cJSON_AddObjectToObject(root, "tools"), e);
}

static int
collect_events(const struct config *cfg, struct store *st, cJSON *root, struct orch_err *e)
{
	(void)cfg;
	return task_events_json(st, STATUS_EVENTS, cJSON_AddArrayToObject(root, "events"), e);
}

static int
collect_outbox(const struct config *cfg, struct store *st, cJSON *root, struct orch_err *e)
{
	(void)cfg;
	return notify_outbox_json(st, cJSON_AddObjectToObject(root, "outbox"), e);
}

/*
 * The scan of main: each project's anchor (last result and run), the secrets found, newest first, and each
 * configured project's last scan, flagged old past STATUS_SCAN_MAX_AGE_S: a fixed day, not a multiple of
 * the schedule, since orch does not know its cron line and a day without a scan is wrong under any schedule.
 */
static int
collect_scan(const struct config *cfg, struct store *st, cJSON *root, struct orch_err *e)
{
	cJSON *scan = cJSON_AddObjectToObject(root, "scan");

	return scan_main_anchors_json(st, cJSON_AddArrayToObject(scan, "anchors"), e) < 0 ||
		scan_main_findings_json(st, STATUS_FINDINGS, cJSON_AddArrayToObject(scan, "findings"), e) <
		    0 ||
		scan_main_resolved_json(st, STATUS_FINDINGS, cJSON_AddArrayToObject(scan, "resolved"), e) <
		    0 ||
		scan_main_projects_json(
		    cfg, st, STATUS_SCAN_MAX_AGE_S, cJSON_AddArrayToObject(scan, "projects"), e) < 0
	    ? -1
	    : 0;
}

static int
collect_counters(const struct config *cfg, struct store *st, cJSON *root, struct orch_err *e)
{
	cJSON *rec = cJSON_AddObjectToObject(root, "reconcile"),
	      *rp = cJSON_AddObjectToObject(root, "reaper");

	(void)cfg;
	return reconcile_counters_json(st, rec, rp, e);
}

/* The worktrees' disk, as measured by orch-reconcile (-1 before its first run). */
static int
collect_worktrees(const struct config *cfg, struct store *st, cJSON *root, struct orch_err *e)
{
	cJSON *wt = cJSON_AddObjectToObject(root, "worktrees");
	long long bytes;

	if (reconcile_worktrees_bytes(st, &bytes, e) < 0)
		return -1;
	cJSON_AddNumberToObject(wt, "bytes", (double)bytes);
	cJSON_AddNumberToObject(wt, "retention_s", cfg->worktree_retention_s);
	return 0;
}

/*
 * The dependency engine and what it needs (looked up, not run: status starts no process and asks no server),
 * and the live items whose last audit could not complete (security.degraded_audits).
 */
static int
collect_security(const struct config *cfg, struct store *st, cJSON *root, struct orch_err *e)
{
	cJSON *sec = cJSON_AddObjectToObject(root, "security");
	const char *engine = cfg->security_dep_engine;
	char path[ORCH_PATH_MAX], note[600];
	int osv = proc_which("osv-scanner", path, sizeof(path)) == 0,
	    pip = proc_which("pip-audit", path, sizeof(path)) == 0;

	cJSON_AddStringToObject(sec, "dep_engine", engine);
	if (strcmp(engine, "osv") == 0) { /* built in: nothing to install, a server to reach */
		snprintf(note, sizeof(note), "the osv engine asks %s (orch doctor checks that it answers)",
		    cfg->security_osv_url);
		cJSON_AddStringToObject(sec, "note", note);
	} else {
		if (strcmp(engine, "auto") == 0)
			engine = osv ? "osv-scanner" : "pip-audit";
		if (strcmp(engine, "osv-scanner") == 0 ? !osv : !pip)
			cJSON_AddStringToObject(sec, "note",
			    strcmp(cfg->security_dep_engine, "auto") == 0
				? "neither osv-scanner nor pip-audit is on PATH: the dependency audit is "
				  "degraded (fail-open "
				  "unless security_dep_audit_fail_closed); security_dep_engine: osv needs "
				  "neither"
				: "the dependency engine is not on PATH: the dependency audit is degraded "
				  "(fail-open unless "
				  "security_dep_audit_fail_closed); security_dep_engine: osv needs no tool");
		else if (strcmp(engine, "pip-audit") == 0)
			cJSON_AddStringToObject(sec, "note",
			    "pip-audit reports no severity: its findings only warn "
			    "(security_dep_engine: osv reads the severity from the advisory)");
	}
	return task_deps_degraded_json(st, cJSON_AddArrayToObject(sec, "degraded_audits"), e);
}

/* orch-fix: the recent fix runs, newest first. */
static int
collect_fix(const struct config *cfg, struct store *st, cJSON *root, struct orch_err *e)
{
	(void)cfg;
	return fix_runs_json(
	    st, STATUS_FIX_RUNS, cJSON_AddArrayToObject(cJSON_AddObjectToObject(root, "fix"), "runs"), e);
}

static int
collect_commands(const struct config *cfg, struct store *st, cJSON *root, struct orch_err *e)
{
	(void)st;
	(void)e;
	commands(cfg->home, cJSON_AddObjectToObject(root, "commands"));
	return 0;
}

/* hosts[name], created with its three lists when it is new. */
static cJSON *
host_entry(cJSON *hosts, const char *name)
{
	cJSON *h = cJSON_GetObjectItemCaseSensitive(hosts, name);

	if (h == NULL) {
		h = cJSON_AddObjectToObject(hosts, name);
		cJSON_AddObjectToObject(h, "commands");
		cJSON_AddArrayToObject(h, "jobs");
		cJSON_AddArrayToObject(h, "claims");
	}
	return h;
}

/*
 * A command row into its host's commands, keyed by name: the result is stored as text and shown as the
 * number it is, as in the run records (text that is no number, written by something else, stays text).
 */
static void
host_command(cJSON *cmds, cJSON *row)
{
	cJSON *name = cJSON_DetachItemFromObject(row, "name"), *res = cJSON_GetObjectItem(row, "result");
	long long n;

	if (cJSON_IsString(res) && num_parse(res->valuestring, -1000000, 1000000, &n) == 0)
		cJSON_ReplaceItemInObject(row, "result", cJSON_CreateNumber((double)n));
	if (cJSON_IsString(name) && cJSON_GetObjectItemCaseSensitive(cmds, name->valuestring) == NULL)
		cJSON_AddItemToObject(cmds, name->valuestring, row);
	else
		cJSON_Delete(row);
	cJSON_Delete(name);
}

/* The rows of sql (?1: limit), each moved under its host's list (or commands object) key, without "host". */
static int
host_rows(struct store *st, const char *sql, int limit, const char *key, cJSON *hosts, struct orch_err *e)
{
	cJSON *rows = cJSON_CreateArray(), *row;

	if (store_list_json(st, sql, limit, rows, e) < 0) {
		cJSON_Delete(rows);
		return -1;
	}
	while ((row = cJSON_DetachItemFromArray(rows, 0)) != NULL) {
		cJSON *h = cJSON_DetachItemFromObject(row, "host");
		cJSON *to =
		    cJSON_GetObjectItem(host_entry(hosts, cJSON_IsString(h) ? h->valuestring : ""), key);
		if (cJSON_IsObject(to))
			host_command(to, row);
		else
			cJSON_AddItemToArray(to, row);
		cJSON_Delete(h);
	}
	cJSON_Delete(rows);
	return 0;
}

/*
 * hosts: each host's commands, running jobs and claims, from the store, so that every host shows the same
 * (docs/multi-host.md, One view).  On SQLite the store is one host's and its commands are the run records
 * (the files read above; docs/decisions.md 14); a shared store has them in host_commands (cli.c writes
 * them).  A claim's expires_in_s counts in the store's clock (orch_now()): negative, it ran out and the
 * next claimant takes it over.  The one section with SQL of its own: it reads three owners' tables by host.
 */
static int
collect_hosts(const struct config *cfg, struct store *st, cJSON *root, struct orch_err *e)
{
	cJSON *hosts = cJSON_AddObjectToObject(root, "hosts");

	cJSON_AddStringToObject(root, "this_host", cfg->host); /* whose pids the view may judge */
	if (cfg->store == NULL)
		cJSON_ReplaceItemInObject(host_entry(hosts, cfg->host), "commands",
		    cJSON_Duplicate(cJSON_GetObjectItem(root, "commands"), 1));
	else if (host_rows(st,
		     "SELECT host, name, last_run, result, duration_ms FROM host_commands "
		     "ORDER BY host, name LIMIT ?1",
		     STATUS_MAX_HOST_ROWS, "commands", hosts, e) < 0)
		return -1;
	if (host_rows(st,
		"SELECT j.host AS host, j.id AS id, t.work_item AS work_item, j.agent AS agent "
		"FROM jobs j JOIN tasks t ON t.id = j.task_id WHERE j.status = 'running' "
		"ORDER BY j.id LIMIT ?1",
		STATUS_MAX_ITEMS, "jobs", hosts, e) < 0)
		return -1;
	return host_rows(st,
	    "SELECT host, work_item, pid, expires_at - orch_now() AS expires_in_s FROM leases "
	    "WHERE name LIKE 'task:%' ORDER BY name LIMIT ?1",
	    STATUS_MAX_ITEMS, "claims", hosts, e);
}

/* The number at o[k1][k2] (k2 NULL: o[k1]), 0 when absent. */
static int
num_at(const cJSON *o, const char *k1, const char *k2)
{
	const cJSON *v = cJSON_GetObjectItem(o, k1);

	if (k2)
		v = cJSON_GetObjectItem(v, k2);
	return cJSON_IsNumber(v) ? v->valueint : 0;
}

/* How many of the items of arr have key equal to value (or true, for value NULL). */
static int
count_where(const cJSON *arr, const char *key, const char *value)
{
	const cJSON *it;
	int n = 0;

	cJSON_ArrayForEach(it, arr) {
		const cJSON *v = cJSON_GetObjectItem(it, key);
		n += value ? cJSON_IsString(v) && strcmp(v->valuestring, value) == 0 : cJSON_IsTrue(v);
	}
	return n;
}

/*
 * Degraded is never quiet: each live item whose last dependency audit could not complete, and each project
 * whose scan of main fails in its dependency audit, is a degraded line.
 */
static void
attention_audits(const cJSON *root, cJSON *deg)
{
	const cJSON *it, *sec = cJSON_GetObjectItem(root, "security");
	char line[800];

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(sec, "degraded_audits")) {
		snprintf(line, sizeof(line), "dependency audit of %s degraded (%s): %s",
		    cJSON_GetStringValue(cJSON_GetObjectItem(it, "work_item")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(sec, "dep_engine")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(it, "detail")));
		cJSON_AddItemToArray(deg, cJSON_CreateString(line));
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "scan"), "projects")) {
		const cJSON *f = cJSON_GetObjectItem(it, "last_failure");
		const char *phase = cJSON_GetStringValue(cJSON_GetObjectItem(f, "phase"));
		if (!cJSON_IsTrue(cJSON_GetObjectItem(it, "failing")) || !phase || strcmp(phase, "deps") != 0)
			continue;
		snprintf(line, sizeof(line), "dependency audit of main of %s degraded: %s",
		    cJSON_GetStringValue(cJSON_GetObjectItem(it, "project")),
		    cJSON_GetStringValue(cJSON_GetObjectItem(f, "reason")));
		cJSON_AddItemToArray(deg, cJSON_CreateString(line));
	}
}

/*
 * What needs a person, most urgent first, from the sections collected above (the text status and the page
 * both open with it): secrets on main, blocked tasks, dead jobs, then degraded feeds, one line each.
 */
static int
collect_attention(const struct config *cfg, struct store *st, cJSON *root, struct orch_err *e)
{
	cJSON *a = cJSON_AddObjectToObject(root, "attention"), *deg, *it;
	const cJSON *scan = cJSON_GetObjectItem(root, "scan"), *ob = cJSON_GetObjectItem(root, "outbox");
	char line[600];

	(void)cfg;
	(void)st;
	(void)e;
	cJSON_AddNumberToObject(
	    a, "secrets_on_main", cJSON_GetArraySize(cJSON_GetObjectItem(scan, "findings")));
	cJSON_AddNumberToObject(a, "blocked",
	    count_where(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "tasks"), "items"), "blocked", NULL));
	/* a dead job whose item moved on (or is done) needs nobody */
	cJSON_AddNumberToObject(a, "dead_jobs", num_at(root, "jobs", "dead_open"));
	deg = cJSON_AddArrayToObject(a, "degraded");
	if (num_at(ob, "dead", NULL) > 0) {
		snprintf(line, sizeof(line), "outbox: %d notifications dead (alerts nobody received)",
		    num_at(ob, "dead", NULL));
		cJSON_AddItemToArray(deg, cJSON_CreateString(line));
	}
	if (num_at(ob, "retrying", NULL) > 0) {
		snprintf(
		    line, sizeof(line), "outbox: %d notifications retrying", num_at(ob, "retrying", NULL));
		cJSON_AddItemToArray(deg, cJSON_CreateString(line));
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(scan, "anchors")) {
		const char *ls = cJSON_GetStringValue(cJSON_GetObjectItem(it, "last_status"));
		if (ls && (strcmp(ls, "failed") == 0 || strcmp(ls, "partial") == 0)) {
			snprintf(line, sizeof(line), "scan of main %s: %s (%s)",
			    cJSON_GetStringValue(cJSON_GetObjectItem(it, "project")), ls,
			    cJSON_GetStringValue(cJSON_GetObjectItem(it, "last_run")));
			cJSON_AddItemToArray(deg, cJSON_CreateString(line));
		}
	}
	attention_audits(root, deg);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "commands")) {
		double res = cJSON_GetNumberValue(cJSON_GetObjectItem(it, "result"));
		if (res >= 64) { /* 1 and 2 are red and waiting, the pipeline's own answers */
			snprintf(line, sizeof(line), "%s: last run exited %d", it->string, (int)res);
			cJSON_AddItemToArray(deg, cJSON_CreateString(line));
		}
	}
	return 0;
}

/*
 * The sections, in the order they are collected (attention last: it reads the others).  A new section is
 * one function and one row here, and one renderer in each of the text and HTML writers.
 */
static const struct {
	int (*fn)(const struct config *cfg, struct store *st, cJSON *root, struct orch_err *e);
} sections[] = {
	{ collect_tasks },
	{ collect_jobs },
	{ collect_commands },
	{ collect_hosts },
	{ collect_tools },
	{ collect_events },
	{ collect_outbox },
	{ collect_scan },
	{ collect_counters },
	{ collect_worktrees },
	{ collect_security },
	{ collect_fix },
	{ collect_attention },
};

void *
status_collect(const struct config *cfg, struct store *st, struct orch_err *e)
{
	cJSON *root = cJSON_CreateObject();
	size_t i;

	for (i = 0; i < sizeof(sections) / sizeof(sections[0]); i++)
		if (sections[i].fn(cfg, st, root, e) < 0) {
			cJSON_Delete(root);
			return NULL;
		}
	return root;
}

static void
esc(struct buf *b, const char *s)
{
	for (; s && *s; s++)
		switch (*s) {
		case '<': buf_add(b, "&lt;"); break;
		case '>': buf_add(b, "&gt;"); break;
		case '&': buf_add(b, "&amp;"); break;
		case '"': buf_add(b, "&quot;"); break;
		case '\'': buf_add(b, "&#39;"); break;
		default: buf_addn(b, s, 1);
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
	buf_addf(b, "<span class=\"badge %s\">", cls);
	esc(b, text);
	buf_add(b, "</span>");
}

static const char *
kind_class(const char *kind)
{
	if (strstr(kind, "blocked") || strstr(kind, "failed") || strstr(kind, "degraded") ||
	    strstr(kind, "reaped") || strstr(kind, "dead"))
		return "bad";
	if (strstr(kind, "rolled_back") || strstr(kind, "rejected") || strstr(kind, "refused"))
		return "warn";
	return "good";
}

/* A table with its id and header cells, from "a|b|c". */
static void
table_open(struct buf *b, const char *id, const char *cols)
{
	buf_addf(b, "<table id=\"%s\"><tr>", id);
	for (const char *c = cols; *c;) {
		size_t n = strcspn(c, "|");
		buf_addf(b, "<th>%.*s</th>", (int)n, c);
		c += n + (c[n] == '|');
	}
	buf_add(b, "</tr>\n");
}

static void
cell(struct buf *b, const char *text)
{
	buf_add(b, "<td>");
	esc(b, text);
	buf_add(b, "</td>");
}

/* An instant: local time to the second, its UTC ISO-8601 value in the tooltip; text that is no instant, as
 * is. */
static void
when(struct buf *b, const char *iso)
{
	char local[48], utc[24];
	int64_t us;

	if (time_parse_iso(iso, &us) < 0) {
		esc(b, iso);
		return;
	}
	time_local_s(us / 1000000 - (us % 1000000 < 0), local, utc);
	buf_addf(b, "<time datetime=\"%s\" title=\"%s\">", utc, utc);
	esc(b, local);
	buf_add(b, "</time>");
}

static void
cell_when(struct buf *b, const char *iso)
{
	buf_add(b, "<td>");
	when(b, iso);
	buf_add(b, "</td>");
}

/* The counts that open the page, the most urgent first. */
static void
html_attention(struct buf *b, const cJSON *root)
{
	const cJSON *a = cJSON_GetObjectItem(root, "attention");
	int sec = (int)jnum(a, "secrets_on_main"), blk = (int)jnum(a, "blocked"),
	    dj = (int)jnum(a, "dead_jobs");
	const cJSON *deg = cJSON_GetObjectItem(a, "degraded");

	buf_addf(b,
	    "<p id=\"attention\"><span class=\"badge %s\">%d secrets on main</span> <span class=\"badge %s\">"
	    "%d blocked</span> <span class=\"badge %s\">%d dead jobs</span> <span class=\"badge %s\">%d "
	    "degraded</span>"
	    "</p>\n",
	    sec ? "bad" : "good", sec, blk ? "bad" : "good", blk, dj ? "bad" : "good", dj,
	    cJSON_GetArraySize(deg) ? "warn" : "good", cJSON_GetArraySize(deg));
}

static void
html_secrets(struct buf *b, const cJSON *root)
{
	const cJSON *it, *f = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "scan"), "findings");

	if (cJSON_GetArraySize(f) == 0)
		return;
	buf_add(b, "<h2>Secrets found on main</h2>\n");
	table_open(b, "secrets", "project|rule|file|line|commit|first seen");
	cJSON_ArrayForEach(it, f) {
		buf_add(b, "<tr class=\"secret\">");
		cell(b, jstr(it, "project"));
		cell(b, jstr(it, "rule"));
		cell(b, jstr(it, "file"));
		buf_addf(b, "<td>%d</td><td>", (int)jnum(it, "line"));
		esc(b, jstr(it, "commit_sha"));
		buf_add(b, "</td>");
		cell_when(b, jstr(it, "first_seen"));
		buf_add(b, "</tr>\n");
	}
	buf_add(b, "</table>\n");
}

/* What the task waits for: the engine's kind as a badge, its words, and a backoff's next attempt. */
static void
html_waits(struct buf *b, const cJSON *w)
{
	const char *kind = jstr(w, "kind");

	buf_add(b, "<td class=\"waits\" data-kind=\"");
	esc(b, kind);
	buf_add(b, "\">");
	if (kind[0])
		badge(b,
		    !strcmp(kind, "blocked") || !strcmp(kind, "dead_job") || !strcmp(kind, "error") ? "bad"
			: !strcmp(kind, "verdict") || !strcmp(kind, "manual") || !strcmp(kind, "artifact")
			? "warn"
			: "stage",
		    kind);
	buf_add(b, " ");
	esc(b, jstr(w, "detail"));
	if (cJSON_IsString(cJSON_GetObjectItem(w, "next_attempt"))) {
		buf_add(b, "; next attempt ");
		when(b, jstr(w, "next_attempt"));
	}
	buf_add(b, "</td>");
}

/* One task: work item and title, stage, tracker status, what it waits for, retries, claim, artifacts. */
static void
html_task(struct buf *b, const cJSON *it)
{
	int blocked = cJSON_IsTrue(cJSON_GetObjectItem(it, "blocked"));
	const cJSON *a = cJSON_GetObjectItem(it, "artifacts");

	buf_addf(b, "<tr class=\"task%s\" data-wi=\"", blocked ? " blocked" : "");
	esc(b, jstr(it, "work_item"));
	buf_add(b, "\"><td>");
	esc(b, jstr(it, "work_item"));
	buf_add(b, "<br><span class=\"title\">");
	esc(b, jstr(it, "title"));
	buf_add(b, "</span></td><td>");
	badge(b, "stage", jstr(it, "stage"));
	if (blocked)
		badge(b, "bad", "blocked");
	buf_add(b, "</td><td class=\"tracker\">");
	esc(b, jstr(it, "tracker_status"));
	if (cJSON_IsString(cJSON_GetObjectItem(it, "tracker_seen_at"))) {
		buf_add(b, "<br><small>seen ");
		when(b, jstr(it, "tracker_seen_at"));
		buf_add(b, "</small>");
	}
	buf_add(b, "</td>");
	html_waits(b, cJSON_GetObjectItem(it, "waits"));
	buf_addf(b, "<td>%d</td><td>", (int)jnum(it, "retries"));
	if (cJSON_IsNumber(cJSON_GetObjectItem(it, "claimed_pid"))) {
		buf_addf(b, "pid %d on ", (int)jnum(it, "claimed_pid"));
		esc(b, jstr(it, "claimed_host"));
	}
	buf_add(b, "</td><td>");
	if (cJSON_IsString(cJSON_GetObjectItem(a, "url"))) { /* a link only where the repository browser is */
		buf_add(b, "<a href=\"");
		esc(b, jstr(a, "url"));
		buf_add(b, "\">");
		esc(b, jstr(a, "path"));
		buf_add(b, "</a>");
	} else {
		buf_add(b, "<code class=\"path\">");
		esc(b, jstr(a, "path"));
		buf_add(b, "</code>");
	}
	buf_add(b, "</td></tr>\n");
}

#define TASK_COLS "work item|stage|tracker|waits for|retries|claimed by|artifacts"

static void
html_blocked(struct buf *b, const cJSON *root)
{
	const cJSON *it, *items = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "tasks"), "items");

	if (jnum(cJSON_GetObjectItem(root, "attention"), "blocked") == 0)
		return;
	buf_add(b, "<h2>Blocked</h2>\n");
	table_open(b, "blocked", TASK_COLS);
	cJSON_ArrayForEach(it, items)
		if (cJSON_IsTrue(cJSON_GetObjectItem(it, "blocked")))
			html_task(b, it);
	buf_add(b, "</table>\n");
}

/* Jobs of one kind: dead ones (want_dead) for their own section, else the others not done. */
static void
html_jobs_of(struct buf *b, const cJSON *root, int want_dead)
{
	const cJSON *it;

	table_open(b, want_dead ? "dead-jobs" : "jobs", "job|work item|agent|status|attempts");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "jobs"), "items")) {
		const char *st = jstr(it, "status");
		int open_dead = strcmp(st, JOB_DEAD) == 0 && jnum(it, "open") != 0;
		if (strcmp(st, JOB_DONE) == 0 || open_dead != want_dead)
			continue;
		buf_addf(b, "<tr class=\"job\"><td>%d</td>", (int)jnum(it, "id"));
		cell(b, jstr(it, "work_item"));
		cell(b, jstr(it, "agent"));
		buf_add(b, "<td>");
		badge(b, strcmp(st, "dead") == 0 ? "bad" : strcmp(st, "running") == 0 ? "good" : "warn", st);
		buf_addf(b, "</td><td>%d</td></tr>\n", (int)jnum(it, "attempts"));
	}
	buf_add(b, "</table>\n");
}

/* Shown when a listed job is dead, not by the count: a page never hides a dead job it was given. */
static void
html_dead_jobs(struct buf *b, const cJSON *root)
{
	const cJSON *it;
	int any = 0;

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "jobs"), "items"))
		any |= strcmp(jstr(it, "status"), "dead") == 0 && jnum(it, "open") != 0;
	if (!any)
		return;
	buf_add(b, "<h2>Dead jobs</h2>\n");
	html_jobs_of(b, root, 1);
}

/* Notifications that failed: dead ones are alerts nobody received, so they come before the tasks. */
static void
html_outbox(struct buf *b, const cJSON *ob)
{
	const cJSON *it, *items = cJSON_GetObjectItem(ob, "undelivered");

	buf_addf(b, "<p id=\"outbox-counts\">outbox: %d pending, %d retrying, %d dead</p>\n",
	    (int)jnum(ob, "pending"), (int)jnum(ob, "retrying"), (int)jnum(ob, "dead"));
	if (cJSON_GetArraySize(items) == 0)
		return;
	buf_add(b,
	    "<h2>Notifications not delivered</h2>\n<table id=\"outbox\"><tr><th>id</th><th>state</th>"
	    "<th>work item</th><th>attempts</th><th>next attempt / dead since</th><th>last error</th>"
	    "<th>message</th></tr>\n");
	cJSON_ArrayForEach(it, items) {
		int dead = strcmp(jstr(it, "state"), "dead") == 0;
		buf_addf(b, "<tr class=\"notification%s\"><td>%d</td><td>", dead ? " dead" : "",
		    (int)jnum(it, "id"));
		badge(b, dead ? "bad" : "warn", jstr(it, "state"));
		if (strcmp(jstr(it, "level"), "alert") == 0)
			badge(b, "bad", "alert");
		buf_add(b, "</td><td>");
		esc(b, jstr(it, "work_item"));
		buf_addf(b, "</td><td>%d</td><td>", (int)jnum(it, "attempts"));
		when(b, dead ? jstr(it, "dead_at") : jstr(it, "next_attempt"));
		buf_add(b, "</td><td>");
		esc(b, jstr(it, "last_error"));
		buf_add(b, "</td><td>");
		esc(b, jstr(it, "message"));
		buf_add(b, "</td></tr>\n");
	}
	buf_add(b, "</table>\n");
}

static void
html_tasks(struct buf *b, const cJSON *root)
{
	const cJSON *it;

	buf_add(b, "<h2>Tasks</h2>\n");
	table_open(b, "tasks", TASK_COLS);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "tasks"), "items"))
		if (!cJSON_IsTrue(cJSON_GetObjectItem(it, "blocked")))
			html_task(b, it);
	buf_add(b, "</table>\n");
}

static void
html_jobs(struct buf *b, const cJSON *root)
{
	buf_add(b, "<h2>Jobs not done</h2>\n");
	html_jobs_of(b, root, 0);
}

static void
html_runs(struct buf *b, const cJSON *root)
{
	const cJSON *it;

	buf_add(b, "<h2>Runs</h2>\n");
	table_open(b, "runs", "command|last run|result|duration");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "commands")) {
		int res = (int)jnum(it, "result");
		char rs[16];
		snprintf(rs, sizeof(rs), "%d", res);
		buf_add(b, "<tr class=\"run\">");
		cell(b, it->string);
		cell_when(b, jstr(it, "last_run"));
		buf_add(b, "<td>");
		badge(b, res == 0 ? "good" : res <= 2 ? "warn" : "bad", rs);
		buf_addf(b, "</td><td>%d ms</td></tr>\n", (int)jnum(it, "duration_ms"));
	}
	buf_add(b, "</table>\n");
}

/* The command of a host's commands that ran last (ISO stamps of one format sort as text), or NULL. */
static const cJSON *
html_newest(const cJSON *cmds)
{
	const cJSON *it, *best = NULL;

	cJSON_ArrayForEach(it, cmds)
		if (best == NULL || strcmp(jstr(it, "last_run"), jstr(best, "last_run")) > 0)
			best = it;
	return best;
}

/* One host: its newest command, its running jobs and its claims (status.h: hosts). */
static void
html_host(struct buf *b, const cJSON *h)
{
	const cJSON *it, *nc = html_newest(cJSON_GetObjectItem(h, "commands"));
	char rs[32];

	buf_add(b, "<tr class=\"host\">");
	cell(b, h->string);
	cell(b, nc ? nc->string : "none recorded");
	cell_when(b, nc ? jstr(nc, "last_run") : "");
	buf_add(b, "<td>");
	if (nc && cJSON_IsString(cJSON_GetObjectItem(nc, "result"))) { /* no exit code: not orch's row */
		badge(b, "bad", jstr(nc, "result"));
	} else if (nc) {
		snprintf(rs, sizeof(rs), "%d", (int)jnum(nc, "result"));
		badge(b, jnum(nc, "result") == 0 ? "good" : jnum(nc, "result") <= 2 ? "warn" : "bad", rs);
	}
	buf_add(b, "</td><td>");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(h, "jobs")) {
		buf_addf(b, "job %d ", (int)jnum(it, "id"));
		esc(b, jstr(it, "work_item"));
		buf_add(b, " ");
		esc(b, jstr(it, "agent"));
		buf_add(b, "<br>");
	}
	buf_add(b, "</td><td>");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(h, "claims")) {
		long long left = (long long)jnum(it, "expires_in_s");
		esc(b, jstr(it, "work_item"));
		if (left < 0) /* ran out: the next claimant takes it over */
			buf_addf(b, " pid %d, expired %lld s ago<br>", (int)jnum(it, "pid"), -left);
		else
			buf_addf(b, " pid %d, expires in %lld s<br>", (int)jnum(it, "pid"), left);
	}
	buf_add(b, "</td></tr>\n");
}

static void
html_hosts(struct buf *b, const cJSON *root)
{
	const cJSON *it;

	buf_add(b, "<h2>Hosts</h2>\n");
	table_open(b, "hosts", "host|newest command|last run|result|running jobs|claims");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "hosts"))
		html_host(b, it);
	buf_add(b, "</table>\n");
}

static void
html_tools(struct buf *b, const cJSON *root)
{
	const cJSON *it;

	buf_add(b, "<h2>Tools</h2>\n");
	table_open(b, "tools", "tool|runs|failures|total|last error");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "tools")) {
		buf_add(b, "<tr class=\"tool\">");
		cell(b, it->string);
		buf_addf(b, "<td>%d</td><td>%d</td><td>%lld ms</td>", (int)jnum(it, "runs"),
		    (int)jnum(it, "failures"), (long long)jnum(it, "total_ms"));
		cell(b, jstr(it, "last_error"));
		buf_add(b, "</tr>\n");
	}
	buf_add(b, "</table>\n");
}

/* The scan of main: each project's anchor with its last result (the secrets it found lead the page). */
static void
html_scan(struct buf *b, const cJSON *root)
{
	const cJSON *it;

	buf_add(b, "<h2>Scan of main</h2>\n");
	table_open(b, "scan", "project|branch|anchor|last result|last run|last success|flags");
	/* scan.projects: every configured project, also one never scanned (scan_main_projects_json) */
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "scan"), "projects")) {
		const cJSON *f = cJSON_GetObjectItem(it, "last_failure");
		const char *ls = jstr(it, "last_status");
		int failing = cJSON_IsTrue(cJSON_GetObjectItem(it, "failing")),
		    old = cJSON_IsTrue(cJSON_GetObjectItem(it, "old"));
		char sha[13], why[600];
		snprintf(sha, sizeof(sha), "%s", jstr(it, "anchor"));
		buf_add(b, "<tr class=\"anchor\">");
		cell(b, jstr(it, "project"));
		cell(b, jstr(it, "branch"));
		cell(b, sha);
		buf_add(b, "<td>");
		badge(b, !failing && (!strcmp(ls, "ok") || !strcmp(ls, "bootstrap")) ? "good" : "bad",
		    ls[0] ? ls : "never");
		buf_add(b, "</td>");
		cell_when(b, jstr(it, "last_run"));
		cell_when(b, jstr(it, "last_success"));
		buf_add(b, "<td>");
		if (old)
			badge(b, "bad", "OLD");
		if (failing) {
			snprintf(why, sizeof(why), "FAILING in %s: %s", jstr(f, "phase"), jstr(f, "reason"));
			badge(b, "bad", why);
		}
		buf_add(b, "</td></tr>\n");
	}
	buf_add(b, "</table>\n");
}

/* name value rows of a {name: number} object. */
static void
count_rows(struct buf *b, const char *group, const cJSON *obj)
{
	const cJSON *c;

	cJSON_ArrayForEach(c, obj)
		if (cJSON_IsNumber(c)) {
			buf_addf(b, "<tr class=\"counter\"><td>%s</td>", group);
			cell(b, c->string);
			buf_addf(b, "<td>%lld</td></tr>\n", (long long)c->valuedouble);
		}
}

/* The counters: outbox, reconciler, reaper, the worktrees' disk; the security engine's note. */
static void
html_counters(struct buf *b, const cJSON *root)
{
	const cJSON *sec = cJSON_GetObjectItem(root, "security");

	buf_add(b, "<h2>Counters</h2>\n");
	table_open(b, "counters", "group|counter|value");
	count_rows(b, "outbox", cJSON_GetObjectItem(root, "outbox"));
	count_rows(b, "reconcile", cJSON_GetObjectItem(root, "reconcile"));
	count_rows(b, "reaper", cJSON_GetObjectItem(root, "reaper"));
	count_rows(b, "worktrees", cJSON_GetObjectItem(root, "worktrees"));
	buf_add(b, "</table>\n<p id=\"security\">security: dependency engine ");
	esc(b, jstr(sec, "dep_engine"));
	if (cJSON_IsString(cJSON_GetObjectItem(sec, "note"))) {
		buf_add(b, "; ");
		esc(b, jstr(sec, "note"));
	}
	buf_add(b, "</p>\n");
}

static void
html_fix(struct buf *b, const cJSON *root)
{
	const cJSON *it;

	buf_add(b, "<h2>Fix runs</h2>\n");
	table_open(b, "fix", "run|work item|status|source|danger|commit|reason|started");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "fix"), "runs")) {
		buf_addf(b, "<tr class=\"fix\"><td>%d</td>", (int)jnum(it, "id"));
		cell(b, jstr(it, "work_item"));
		cell(b, jstr(it, "status"));
		cell(b, jstr(it, "source"));
		buf_addf(b, "<td>%d</td>", (int)jnum(it, "danger"));
		cell(b, jstr(it, "commit_sha"));
		cell(b, jstr(it, "reason"));
		cell_when(b, jstr(it, "started_at"));
		buf_add(b, "</tr>\n");
	}
	buf_add(b, "</table>\n");
}

static void
html_feed(struct buf *b, const cJSON *root)
{
	const cJSON *it;

	buf_add(b, "<h2>Feed</h2>\n");
	table_open(b, "feed", "time|work item|event|from|to|detail");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "events")) {
		buf_add(b, "<tr class=\"event\">");
		cell_when(b, jstr(it, "ts"));
		cell(b, jstr(it, "work_item"));
		buf_add(b, "<td>");
		badge(b, kind_class(jstr(it, "kind")), jstr(it, "kind"));
		buf_add(b, "</td>");
		cell(b, jstr(it, "stage_from"));
		cell(b, jstr(it, "stage_to"));
		cell(b, jstr(it, "detail"));
		buf_add(b, "</tr>\n");
	}
	buf_add(b, "</table>\n");
}

/* Degraded feeds, one line each, then the notifications nobody received. */
static void
html_degraded(struct buf *b, const cJSON *root)
{
	const cJSON *it, *deg = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "attention"), "degraded");

	if (cJSON_GetArraySize(deg)) {
		buf_add(b, "<h2>Degraded feeds</h2>\n<ul id=\"degraded\">\n");
		cJSON_ArrayForEach(it, deg) {
			buf_add(b, "<li>");
			esc(b, cJSON_IsString(it) ? it->valuestring : "");
			buf_add(b, "</li>\n");
		}
		buf_add(b, "</ul>\n");
	}
	html_outbox(b, cJSON_GetObjectItem(root, "outbox"));
}

/*
 * The page's sections, the most urgent first: what needs a person (secrets on main, blocked items, dead jobs,
 * degraded feeds and the notifications nobody received), then the rest.  A new section is a row here.
 */
static void (*const html_sections[])(struct buf *b, const cJSON *root) = {
	html_attention,
	html_secrets,
	html_blocked,
	html_dead_jobs,
	html_degraded,
	html_tasks,
	html_jobs,
	html_runs,
	html_hosts,
	html_scan,
	html_tools,
	html_counters,
	html_fix,
	html_feed,
};

int
status_html(const void *status, const char *path, int refresh_s, struct orch_err *e)
{
	char local[48], utc[24];
	struct buf b;
	size_t i;
	int rc;

	time_local_s(time_now_us() / 1000000, local, utc);
	buf_init(&b, 8 * BUF_MIB);
	buf_addf(&b,
	    "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	    "<meta http-equiv=\"refresh\" content=\"%d\">\n<title>orch feed</title>\n<style>\n"
	    "body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#222}h1{font-size:1.4em}"
	    "table{border-collapse:collapse;margin-bottom:1.5em}td,th{border-bottom:1px solid "
	    "#ddd;padding:.3em .6em;"
	    "text-align:left;vertical-align:top}.badge{border-radius:.7em;padding:.1em "
	    ".6em;font-size:.85em;color:#fff;"
	    "background:#777}.good{background:#2e7d32}.warn{background:#ef6c00}.bad{background:#c62828}"
	    ".stage{background:#1565c0}tr.blocked,tr.secret{background:#fdecea}.title{color:#555}"
	    "time{border-bottom:1px dotted #999}\n</style></head><body>\n<h1>orch feed</h1>\n"
	    "<p id=\"generated\">generated <time datetime=\"%s\" title=\"%s\">",
	    refresh_s, utc, utc);
	esc(&b, local); /* the zone's name comes from TZ */
	buf_addf(&b, "</time>, refreshes every %d s</p>\n", refresh_s);
	for (i = 0; i < sizeof(html_sections) / sizeof(html_sections[0]); i++)
		html_sections[i](&b, status);
	buf_add(&b, "</body></html>\n");
	if (strcmp(path, "-") != 0)
		rc = atomic_write_buf(path, &b, 0644, e);
	else if (buf_failed(&b)) /* as atomic_write_buf(): never a page cut short */
		rc = err_set(e, EX_SOFTWARE,
		    "not writing the page: its text was cut short (over its %zu-byte cap "
		    "or out of memory); report this as a bug",
		    b.max);
	else {
		/* a failed write leaves ferror(stdout) set: cli_close() reports it (74) */
		(void)fwrite(buf_str(&b), 1, b.len, stdout);
		rc = 0;
	}
	buf_free(&b);
	return rc;
}
