/* Read-only views the commands print: orch-status's text, orch-work's JSON record, --explain, orch brief. */
#include "cli_view.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "brief.h"
#include "buf.h"
#include "cli.h"
#include "engine.h"
#include "err.h"
#include "job.h"
#include "proc.h"
#include "stages.h"
#include "task.h"
#include "util.h"
#include "work.h"

static const char *
str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : "-";
}

static long long
num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsNumber(v) ? (long long)v->valuedouble : 0;
}

static void
print_counts(const char *title, const cJSON *obj)
{
	const cJSON *c;

	printf("%s:", title);
	cJSON_ArrayForEach(c, obj)
		if (cJSON_IsNumber(c))
			printf(" %s %d", c->string, c->valueint);
	if (cJSON_GetArraySize(obj) == 0)
		printf(" none");
	putchar('\n');
}

/* A host's name as another host wrote it: escaped, and cut (on a character) past host:'s 64 bytes. */
static void
print_host_name(const char *name)
{
	char cut[80];
	size_t n = strlen(name);

	if (n <= 64) {
		cli_put_text(n ? name : "(no host)");
		return;
	}
	for (n = 64; n > 0 && ((unsigned char)name[n] & 0xC0) == 0x80; n--)
		;
	snprintf(cut, sizeof(cut), "%.*s...", (int)n, name);
	cli_put_text(cut);
}

/* This host's name as the status says it (its "this_host": config host:, not the system's name). */
static const char *view_host = "";

/* Who works a task now (its claim); a holder gone from this host is taken over by the next run. */
static void
print_claim(const cJSON *it)
{
	printf("; claimed by pid %lld on ", num(it, "claimed_pid"));
	print_host_name(str(it, "claimed_host"));
	if (strcmp(view_host, str(it, "claimed_host")) == 0 && !proc_alive((long)num(it, "claimed_pid")))
		printf(" (holder gone: the next run takes it over)");
}

/* "5s", "3m", "2h", "4d": how long ago, at a glance. */
static void
age_text(long long s, char *out, size_t n)
{
	if (s < 120)
		snprintf(out, n, "%llds", s < 0 ? 0 : s);
	else if (s < 7200)
		snprintf(out, n, "%lldm", s / 60);
	else if (s < 172800)
		snprintf(out, n, "%lldh", s / 3600);
	else
		snprintf(out, n, "%lldd", s / 86400);
}

/* One project's scan of main: the last result, its age, and OLD / FAILING flags (status.c). */
static void
print_scan_project(const cJSON *it)
{
	const cJSON *f = cJSON_GetObjectItem(it, "last_failure");
	char age[32];

	printf("  %s %s: ", str(it, "project"), str(it, "branch"));
	if (!cJSON_IsString(cJSON_GetObjectItem(it, "last_run"))) {
		printf("never scanned OLD (schedule orch-scan --main)\n");
		return;
	}
	age_text(num(it, "age_s"), age, sizeof(age));
	printf("%s %s ago (run %s, at %s), anchor %.12s, last success %s", str(it, "last_status"), age,
	    str(it, "last_run_id"), str(it, "last_run"), str(it, "anchor"), str(it, "last_success"));
	if (cJSON_IsTrue(cJSON_GetObjectItem(it, "old")))
		printf(" OLD (no scan for over a day: check orch-scan --main's schedule)");
	if (cJSON_IsTrue(cJSON_GetObjectItem(it, "failing"))) {
		printf(" FAILING in %s", str(f, "phase"));
		if (cJSON_IsNumber(cJSON_GetObjectItem(f, "chunk")))
			printf(" (chunk %lld)", num(f, "chunk"));
		printf(": ");
		cli_put_text(str(f, "reason")); /* quotes tool output */
	}
	putchar('\n');
}

/* The most urgent first: secrets on main, blocked tasks, dead jobs, degraded feeds (status.c's attention). */
static void
print_attention(const cJSON *root)
{
	const cJSON *a = cJSON_GetObjectItem(root, "attention"), *it;

	printf("attention: %lld secrets on main, %lld blocked, %lld dead jobs, %d degraded\n",
	    num(a, "secrets_on_main"), num(a, "blocked"), num(a, "dead_jobs"),
	    cJSON_GetArraySize(cJSON_GetObjectItem(a, "degraded")));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(a, "degraded")) {
		printf("  DEGRADED ");
		cli_put_text(cJSON_IsString(it) ? it->valuestring : "");
		putchar('\n');
	}
}

/* A task: stage, retries, who holds it, the tracker's status, what it waits for (engine_waits_for). */
static void
print_task(const cJSON *it)
{
	const cJSON *w = cJSON_GetObjectItem(it, "waits");

	const char *stop = str(it, "stopped");

	printf("  %s %s%s%s%s retries %lld", str(it, "work_item"), str(it, "stage"),
	    cJSON_IsTrue(cJSON_GetObjectItem(it, "blocked")) ? " BLOCKED" : "", *stop ? " STOPPED:" : "",
	    stop, num(it, "retries"));
	if (cJSON_IsNumber(cJSON_GetObjectItem(it, "claimed_pid")))
		print_claim(it);
	if (cJSON_IsString(cJSON_GetObjectItem(it, "tracker_status"))) {
		printf("; tracker '");
		cli_put_text(str(it, "tracker_status")); /* a Plane state's name is the workspace's choice */
		putchar('\'');
	}
	if (cJSON_IsObject(w) && str(w, "kind")[0]) {
		printf("; waits for %s: ", str(w, "kind"));
		cli_put_text(str(w, "detail")); /* quotes artifact values from the branch */
		if (cJSON_IsString(cJSON_GetObjectItem(w, "next_attempt")))
			printf(" (next attempt %s)", str(w, "next_attempt"));
	}
	putchar('\n');
}

/* One job that is not done: a running one says on which host (a shared store, docs/multi-host.md). */
static void
print_job(const cJSON *it)
{
	int running = strcmp(str(it, "status"), JOB_RUNNING) == 0;

	printf("  job %lld %s %s %s attempts %lld", num(it, "id"), str(it, "work_item"), str(it, "agent"),
	    str(it, "status"), num(it, "attempts"));
	if (running && *str(it, "host")) { /* another host's text (a shared store) */
		printf(" on ");
		print_host_name(str(it, "host"));
	}
	printf("%s\n",
	    strcmp(str(it, "status"), JOB_DEAD) == 0 && num(it, "open") == 0
		? " (the item moved on: needs nobody)"
		: "");
}

/* One host (status.h: hosts): the command it ran last and when, its running jobs, its claims. */
static void
print_host(const cJSON *h)
{
	const cJSON *it, *newest = NULL;
	int jobs = cJSON_GetArraySize(cJSON_GetObjectItem(h, "jobs")),
	    claims = cJSON_GetArraySize(cJSON_GetObjectItem(h, "claims"));
	int64_t at;
	char age[32];

	cJSON_ArrayForEach(it, cJSON_GetObjectItem(h, "commands")) /* one format's stamps sort as text */
		if (newest == NULL || strcmp(str(it, "last_run"), str(newest, "last_run")) > 0)
			newest = it;
	printf("  ");
	print_host_name(h->string);
	if (newest == NULL) {
		printf(": no command recorded");
	} else {
		printf(": ");
		cli_put_text(newest->string);
		if (time_parse_iso(str(newest, "last_run"), &at) == 0) {
			age_text((time_now_us() - at) / 1000000, age, sizeof(age));
			printf(" %s ago", age);
		}
		printf(" (result ");
		if (cJSON_IsString(cJSON_GetObjectItem(newest, "result"))) /* not orch's: another writer's */
			cli_put_text(str(newest, "result"));
		else
			printf("%lld", num(newest, "result"));
		printf(", at ");
		cli_put_text(str(newest, "last_run"));
		putchar(')');
	}
	printf(
	    "; %d running job%s; %d claim%s\n", jobs, jobs == 1 ? "" : "s", claims, claims == 1 ? "" : "s");
}

void
cli_status_text(const void *rootv)
{
	const cJSON *root = rootv;
	const cJSON *tasks = cJSON_GetObjectItem(root, "tasks"), *jobs = cJSON_GetObjectItem(root, "jobs"),
		    *it;

	view_host = str(root, "this_host");
	print_attention(root);
	print_counts("tasks", cJSON_GetObjectItem(tasks, "by_stage"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(tasks, "items"))
		if (!stage_is_last(str(it, "stage")) ||
		    cJSON_IsNumber(cJSON_GetObjectItem(it, "claimed_pid")) ||
		    cJSON_IsTrue(cJSON_GetObjectItem(it, "blocked"))) /* done and blocked: a DEGRADED watch */
			print_task(it);
	print_counts("jobs", cJSON_GetObjectItem(jobs, "by_status"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(jobs, "items"))
		if (strcmp(str(it, "status"), JOB_DONE) != 0)
			print_job(it);
	printf("commands:\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "commands"))
		printf("  %-14s last %s result %lld %lld ms\n", it->string, str(it, "last_run"),
		    num(it, "result"), num(it, "duration_ms"));
	printf("hosts:\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "hosts"))
		print_host(it);
	printf("tools:\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "tools"))
		printf("  %-14s runs %lld failures %lld total %lld ms%s%s\n", it->string, num(it, "runs"),
		    num(it, "failures"), num(it, "total_ms"),
		    cJSON_IsString(cJSON_GetObjectItem(it, "last_error")) ? "; last error: " : "",
		    cJSON_IsString(cJSON_GetObjectItem(it, "last_error")) ? str(it, "last_error") : "");
	print_counts("outbox", cJSON_GetObjectItem(root, "outbox"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "outbox"), "undelivered"))
		printf("  %s notification %lld %s %s attempts %lld, %s %s: %s; message: %s\n",
		    strcmp(str(it, "state"), "dead") == 0 ? "DEAD" : "retrying", num(it, "id"),
		    str(it, "level"), str(it, "work_item"), num(it, "attempts"),
		    strcmp(str(it, "state"), "dead") == 0 ? "dead since" : "next attempt",
		    strcmp(str(it, "state"), "dead") == 0 ? str(it, "dead_at") : str(it, "next_attempt"),
		    str(it, "last_error"), str(it, "message"));
	it = cJSON_GetObjectItem(root, "security");
	printf("security: dependency engine %s%s%s\n", str(it, "dep_engine"),
	    cJSON_GetObjectItem(it, "note") ? "; " : "",
	    cJSON_GetObjectItem(it, "note") ? str(it, "note") : "");
	print_counts("reconcile", cJSON_GetObjectItem(root, "reconcile"));
	print_counts("reaper", cJSON_GetObjectItem(root, "reaper"));
	it = cJSON_GetObjectItem(root, "worktrees");
	if (num(it, "bytes") < 0) /* -1: orch-reconcile has not measured them yet */
		printf("worktrees: not measured yet (orch-reconcile measures them); retention_s %lld\n",
		    num(it, "retention_s"));
	else
		print_counts("worktrees", it);
	printf("scan of main:\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "scan"), "projects"))
		print_scan_project(it);
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "scan"), "findings")) {
		printf("  SECRET %s %s in '", str(it, "project"), str(it, "rule"));
		cli_put_text(str(it, "file")); /* a file name is the committer's choice */
		printf("' line %lld, commit %.12s (first seen %s); fingerprint %s\n", num(it, "line"),
		    str(it, "commit_sha"), str(it, "first_seen"), str(it, "fingerprint"));
	}
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "scan"), "resolved")) {
		printf("  resolved %s %s in '", str(it, "project"), str(it, "rule"));
		cli_put_text(str(it, "file"));
		printf("' commit %.12s at %s: ", str(it, "commit_sha"), str(it, "resolved_at"));
		cli_put_text(str(it, "resolved_reason")); /* an operator's text */
		putchar('\n');
	}
	printf("fix runs (newest first):\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "fix"), "runs")) {
		printf("  %lld %s %s (%s, danger %lld) %.12s: ", num(it, "id"), str(it, "work_item"),
		    str(it, "status"), str(it, "source"), num(it, "danger"), str(it, "commit_sha"));
		cli_put_text(str(it, "reason")); /* reasons quote tool output */
		putchar('\n');
	}
	printf("events (newest first):\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "events")) {
		printf("  %s %s %s %s -> %s: ", str(it, "ts"), str(it, "work_item"), str(it, "kind"),
		    str(it, "stage_from"), str(it, "stage_to"));
		cli_put_text(str(it, "detail")); /* details quote titles and tool output */
		putchar('\n');
	}
}

void *
cli_work_json(const struct work_result *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddNumberToObject(o, "job_id", (double)r->job_id);
	cJSON_AddStringToObject(o, "work_item", r->work_item);
	cJSON_AddStringToObject(o, "agent", r->agent);
	cJSON_AddNumberToObject(o, "attempt", r->attempt);
	cJSON_AddStringToObject(o, "job_status", r->job_status ? r->job_status : "");
	cJSON_AddStringToObject(o, "run_status", r->proc_status);
	if (r->exit_code >= 0)
		cJSON_AddNumberToObject(o, "exit_code", r->exit_code);
	else
		cJSON_AddNullToObject(o, "exit_code");
	cJSON_AddNumberToObject(o, "duration_ms", (double)r->duration_ms);
	cJSON_AddStringToObject(o, "log", r->log_path);
	cli_json_str(o, "reason", r->reason);
	if (r->advanced)
		cJSON_AddItemToObject(o, "advance", cli_advance_json(&r->adv));
	else
		cJSON_AddNullToObject(o, "advance");
	return o;
}

int
cli_explain(struct cli *cl, const char *wi)
{
	struct orch_err e = { 0 };
	struct buf b;
	int rc;

	buf_init(&b, BUF_MIB);
	rc = engine_explain(cl->ctx, wi, &b, &e) < 0 ? cli_error(cl, &e) : 0;
	if (rc == 0 && cl->json) {
		cJSON *o = cJSON_CreateObject(), *lines = cJSON_AddArrayToObject(o, "lines");
		cJSON_AddStringToObject(o, "work_item", wi);
		for (const char *p = buf_str(&b), *nl; *p; p = *nl ? nl + 1 : nl) {
			char line[1300], clean[3 * sizeof(line)];
			nl = strchrnul(p, '\n');
			snprintf(line, sizeof(line), "%.*s", (int)(nl - p), p);
			utf8_sanitize(clean, sizeof(clean), line);
			cJSON_AddItemToArray(lines, cJSON_CreateString(clean));
		}
		cli_print_json(o);
	} else if (rc == 0) {
		fputs(buf_str(&b), stdout);
	}
	buf_free(&b);
	return rc;
}

int
cli_brief(struct cli *cl, const char *wi, const char *stage)
{
	struct orch_err e = { 0 };
	struct task t;
	struct buf b;
	int rc;

	if (task_get(cl->ctx->st, wi, &t, &e) < 0)
		return cli_error(cl, &e);
	if (stage == NULL && engine_stage_agent(t.stage) == NULL) {
		err_set(&e, EX_USAGE,
		    "%s is at stage '%s', which has no agent to brief; name one with --stage", wi, t.stage);
		return cli_error(cl, &e);
	}
	if (brief_build(cl->ctx, &t, stage ? stage : t.stage, 0, &b, &e) < 0)
		return cli_error(cl, &e);
	if (cl->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "work_item", wi);
		cJSON_AddStringToObject(o, "stage", stage ? stage : t.stage);
		cli_json_str(o, "brief", buf_str(&b));
		cli_print_json(o);
	} else {
		fputs(buf_str(&b), stdout);
	}
	rc = 0;
	buf_free(&b);
	return rc;
}
