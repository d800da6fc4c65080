#include "status.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

void *
status_collect(const struct config *cfg, struct store *st, struct orch_err *e)
{
	cJSON *root = cJSON_CreateObject(), *tasks, *jobs, *ob;

	tasks = cJSON_AddObjectToObject(root, "tasks");
	jobs = cJSON_AddObjectToObject(root, "jobs");
	ob = cJSON_AddObjectToObject(root, "outbox");
	if (counts(st, "SELECT stage, count(*) FROM tasks GROUP BY stage ORDER BY stage",
	    cJSON_AddObjectToObject(tasks, "by_stage"), e) < 0 ||
	    rows(st, "SELECT work_item, stage, blocked, retries FROM tasks ORDER BY blocked DESC, "
	    "stage = 'done', id DESC LIMIT 200", cJSON_AddArrayToObject(tasks, "items"), e) < 0 ||
	    counts(st, "SELECT status, count(*) FROM jobs GROUP BY status ORDER BY status",
	    cJSON_AddObjectToObject(jobs, "by_status"), e) < 0 ||
	    rows(st, "SELECT j.id, t.work_item, j.agent, j.status, j.attempts, j.pid, j.lease_until "
	    "FROM jobs j JOIN tasks t ON t.id = j.task_id ORDER BY j.status = 'done', j.id DESC LIMIT 200",
	    cJSON_AddArrayToObject(jobs, "items"), e) < 0 ||
	    tools(st, cJSON_AddObjectToObject(root, "tools"), e) < 0 ||
	    rows(st, "SELECT ts, work_item, kind, stage_from, stage_to, detail FROM events ORDER BY id DESC LIMIT 20",
	    cJSON_AddArrayToObject(root, "events"), e) < 0 ||
	    counts(st, "SELECT 'pending', count(*) FROM outbox WHERE claimed_at IS NULL UNION ALL "
	    "SELECT 'claimed_undelivered', count(*) FROM outbox WHERE claimed_at IS NOT NULL AND delivered_at IS NULL",
	    ob, e) < 0) {
		cJSON_Delete(root);
		return NULL;
	}
	cJSON *scan = cJSON_AddObjectToObject(root, "scan");
	if (rows(st, "SELECT project, branch, sha, last_status, last_run FROM scan_anchors ORDER BY project",
	    cJSON_AddArrayToObject(scan, "anchors"), e) < 0 ||
	    rows(st, "SELECT project, rule, file, commit_sha, line, first_seen FROM scan_findings ORDER BY first_seen DESC "
	    "LIMIT 20", cJSON_AddArrayToObject(scan, "findings"), e) < 0) {
		cJSON_Delete(root);
		return NULL;
	}
	{
		cJSON *rec = cJSON_AddObjectToObject(root, "reconcile"), *rp = cJSON_AddObjectToObject(root, "reaper");
		sqlite3_stmt *s;
		static const char *const rk[] = { "advanced", "replayed", "unblocked", "skipped_terminal", "deduped", NULL };
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
	commands(cfg->home, cJSON_AddObjectToObject(root, "commands"));
	return root;
}
