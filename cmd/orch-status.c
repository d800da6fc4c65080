/* orch-status: tasks, jobs, command runs, tool metrics, recent events (SPEC 9). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../lib/cli.h"
#include "../lib/status.h"

#define USAGE "orch-status [-q] [--config FILE] [--home DIR] [--html FILE] [--json] [--wait]"

enum { OPT_HTML = OPT_CMD_BASE };

static const struct option longopts[] = {
	{ "html", required_argument, NULL, OPT_HTML },
	CLI_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

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
		printf(" %s %d", c->string, c->valueint);
	if (cJSON_GetArraySize(obj) == 0)
		printf(" none");
	putchar('\n');
}

static void
print_text(const cJSON *root)
{
	const cJSON *tasks = cJSON_GetObjectItem(root, "tasks"), *jobs = cJSON_GetObjectItem(root, "jobs"), *it;

	print_counts("tasks", cJSON_GetObjectItem(tasks, "by_stage"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(tasks, "items"))
		if (strcmp(str(it, "stage"), "done") != 0)
			printf("  %s %s%s retries %lld\n", str(it, "work_item"), str(it, "stage"),
			    cJSON_IsTrue(cJSON_GetObjectItem(it, "blocked")) ? " BLOCKED" : "", num(it, "retries"));
	print_counts("jobs", cJSON_GetObjectItem(jobs, "by_status"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(jobs, "items"))
		if (strcmp(str(it, "status"), "done") != 0)
			printf("  job %lld %s %s %s attempts %lld\n", num(it, "id"), str(it, "work_item"),
			    str(it, "agent"), str(it, "status"), num(it, "attempts"));
	printf("commands:\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "commands"))
		printf("  %-14s last %s result %lld %lld ms\n", it->string, str(it, "last_run"), num(it, "result"),
		    num(it, "duration_ms"));
	printf("tools:\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "tools"))
		printf("  %-14s runs %lld failures %lld total %lld ms%s%s\n", it->string, num(it, "runs"),
		    num(it, "failures"), num(it, "total_ms"), cJSON_IsString(cJSON_GetObjectItem(it, "last_error")) ?
		    "; last error: " : "", cJSON_IsString(cJSON_GetObjectItem(it, "last_error")) ?
		    str(it, "last_error") : "");
	print_counts("outbox", cJSON_GetObjectItem(root, "outbox"));
	it = cJSON_GetObjectItem(root, "security");
	printf("security: dependency engine %s%s%s\n", str(it, "dep_engine"),
	    cJSON_GetObjectItem(it, "note") ? "; " : "", cJSON_GetObjectItem(it, "note") ? str(it, "note") : "");
	print_counts("reconcile", cJSON_GetObjectItem(root, "reconcile"));
	print_counts("reaper", cJSON_GetObjectItem(root, "reaper"));
	print_counts("worktrees", cJSON_GetObjectItem(root, "worktrees"));
	printf("scan of main:\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "scan"), "anchors"))
		printf("  %s %s at %.12s: %s (%s)\n", str(it, "project"), str(it, "branch"), str(it, "sha"),
		    str(it, "last_status"), str(it, "last_run"));
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(cJSON_GetObjectItem(root, "scan"), "findings"))
		printf("  SECRET %s %s in '%s' line %lld, commit %.12s (first seen %s)\n", str(it, "project"),
		    str(it, "rule"), str(it, "file"), num(it, "line"), str(it, "commit_sha"), str(it, "first_seen"));
	printf("events (newest first):\n");
	cJSON_ArrayForEach(it, cJSON_GetObjectItem(root, "events"))
		printf("  %s %s %s %s -> %s: %s\n", str(it, "ts"), str(it, "work_item"), str(it, "kind"),
		    str(it, "stage_from"), str(it, "stage_to"), str(it, "detail"));
}

int
main(int argc, char **argv)
{
	struct orch_err e = {0};
	const char *html = NULL;
	struct cli cl;
	cJSON *root;
	int opt, rc;

	cli_init(&cl, "orch-status", USAGE);
	while ((opt = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
		if (opt == OPT_HTML) {
			html = optarg;
			continue;
		}
		if ((rc = cli_common_opt(&cl, opt, optarg)) != 0)
			return rc == CLI_EXIT_NOW ? 0 : rc;
	}
	if (optind != argc || (html && cl.json))
		return cli_usage(&cl);
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	if ((root = status_collect(&cl.cfg, &cl.st, &e)) == NULL)
		return cli_close(&cl, cli_error(&cl, &e));
	if (html) {
		rc = status_html(root, html, 60, &e) < 0 ? cli_error(&cl, &e) : 0;
		cJSON_Delete(root);
		return cli_close(&cl, rc);
	}
	if (cl.json) {
		cli_print_json(root);
	} else {
		if (!cl.quiet)
			print_text(root);
		cJSON_Delete(root);
	}
	return cli_close(&cl, 0);
}
