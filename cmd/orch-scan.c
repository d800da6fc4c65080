/* orch-scan: the security gate for one work item, or the incremental scan of main (SPEC 10, 11). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../lib/cli.h"
#include "../lib/gate.h"
#include "../lib/notify.h"
#include "../lib/scanmain.h"
#include "../lib/task.h"
#include "../lib/util.h"
#include "../lib/wi.h"

#define USAGE "orch-scan [-q] [--config FILE] [--home DIR] [--json] [--wait] WI\n" \
	"       orch-scan [-q] [--config FILE] [--home DIR] [--json] [--strict] [--wait] --main [--project KEY]"

enum { OPT_MAIN = OPT_CMD_BASE, OPT_PROJECT, OPT_STRICT };

static const struct option longopts[] = {
	{ "main", no_argument, NULL, OPT_MAIN },
	{ "project", required_argument, NULL, OPT_PROJECT },
	{ "strict", no_argument, NULL, OPT_STRICT },
	CLI_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

static int
scan_item(struct cli *cl, const char *wi)
{
	struct gate_result g;
	struct orch_err e = {0};
	const char *status;
	struct task t;
	const struct project *p;
	int rc;

	if (task_get(&cl->st, wi, &t, &e) < 0)
		return cli_error(cl, &e);
	if ((p = config_project(&cl->cfg, t.project)) == NULL) {
		err_set(&e, EX_CONFIG, "project '%s' of %s is not configured", t.project, wi);
		return cli_error(cl, &e);
	}
	struct gate_ctx gc = { .cfg = &cl->cfg, .project = p, .st = &cl->st, .task = &t };
	gate_result_init(&g);
	gate_security(&gc, &g);
	if (g.alert[0]) {
		if (store_begin(&cl->st, &e) == 0 && notify_queue(&cl->st, "alert", wi, g.alert, &e) == 0)
			store_commit(&cl->st, &e);
		else
			store_rollback(&cl->st);
	}
	/* could not run (GATE_ERROR) is not a FAIL verdict: fail-closed with its own status and exit code */
	rc = g.outcome == GATE_PASS ? 0 : g.outcome == GATE_ERROR ? EX_UNAVAILABLE : EX_NO;
	status = rc == 0 ? "PASS" : rc == EX_NO ? "FAIL" : "ERROR";
	if (cl->json) {
		cJSON *o = cJSON_CreateObject();
		char path[256];
		gate_artifact_path(wi, "17-security-report.md", path, sizeof(path));
		cJSON_AddStringToObject(o, "work_item", wi);
		cJSON_AddStringToObject(o, "security_status", status);
		cJSON_AddStringToObject(o, "reason", g.reason);
		cJSON_AddStringToObject(o, "report", path);
		cli_print_json(o);
	} else if (!cl->quiet) {
		printf("%s: security %s (%s)\n", wi, status, g.reason);
	}
	gate_result_free(&g);
	return rc;
}

static cJSON *
main_json(const struct scan_main_result *r)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "project", r->project);
	cJSON_AddStringToObject(o, "status", r->status);
	cJSON_AddStringToObject(o, "strategy", r->strategy);
	cJSON_AddNumberToObject(o, "commits", r->commits);
	cJSON_AddNumberToObject(o, "chunks", r->chunks);
	cJSON_AddNumberToObject(o, "chunks_scanned", r->chunks_ok);
	cJSON_AddNumberToObject(o, "findings", r->findings);
	cJSON_AddNumberToObject(o, "findings_new", r->findings_new);
	cJSON_AddStringToObject(o, "anchor_before", r->anchor_before);
	cJSON_AddStringToObject(o, "anchor_after", r->anchor_after);
	cJSON_AddStringToObject(o, "head", r->head);
	cJSON_AddStringToObject(o, "note", r->note);
	cJSON_AddStringToObject(o, "record", r->record);
	return o;
}

static int
scan_main(struct cli *cl, const char *only, int strict)
{
	struct scan_main_result r;
	char run_id[64], stamp[32], rnd[9];
	cJSON *arr = cl->json ? cJSON_CreateArray() : NULL;
	size_t i;
	int rc = 0;

	time_iso_us(time_now_us(), stamp);
	random_hex(rnd, 4);
	snprintf(run_id, sizeof(run_id), "%.19s-%s", stamp, rnd);
	for (char *q = run_id; *q; q++)
		if (*q == ':')
			*q = '-';
	for (i = 0; i < cl->cfg.nprojects; i++) {
		const char *key = cl->cfg.projects[i].key;
		struct orch_err e = {0};
		if (only && strcmp(only, key) != 0)
			continue;
		if (scan_main_project(cl->ctx, key, run_id, &r, &e) < 0) {
			fprintf(stderr, "orch-scan: project %s: %s\n", key, e.msg);
			if (e.code > rc)
				rc = e.code;
			continue;
		}
		if (arr)
			cJSON_AddItemToArray(arr, main_json(&r));
		else if (!cl->quiet)
			printf("%s: %s (%s, %d commits, %d/%d chunks, %d findings, %d new) anchor %.12s%s%s\n", key,
			    r.status, r.strategy, r.commits, r.chunks_ok, r.chunks, r.findings, r.findings_new,
			    r.anchor_after, r.note[0] ? ": " : "", r.note);
		if (r.findings && rc < EX_NO)
			rc = EX_NO;
		if (strict && rc < EX_NO && (!strcmp(r.status, "partial") || !strcmp(r.status, "failed")))
			rc = EX_NO;
	}
	if (arr)
		cli_print_json(arr);
	return rc;
}

int
main(int argc, char **argv)
{
	const char *only = NULL;
	int opt, rc, mainscan = 0, strict = 0;
	struct cli cl;

	cli_init(&cl, "orch-scan", USAGE);
	while ((opt = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_MAIN: mainscan = 1; break;
		case OPT_PROJECT: only = optarg; break;
		case OPT_STRICT: strict = 1; break;
		default:
			if ((rc = cli_common_opt(&cl, opt, optarg)) != 0)
				return rc == CLI_EXIT_NOW ? 0 : rc;
		}
	}
	if (mainscan ? optind != argc : (optind != argc - 1 || only || strict))
		return cli_usage(&cl);
	if (!mainscan && !wi_valid(argv[optind])) {
		fprintf(stderr, "orch-scan: work item '%s' is not of the form ABC-123\n", argv[optind]);
		return EX_USAGE;
	}
	if (only && !wi_project_key_valid(only)) {
		fprintf(stderr, "orch-scan: project key '%s' must match ^[A-Z][A-Z0-9]{0,15}$\n", only);
		return EX_USAGE;
	}
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	if (only && config_project(&cl.cfg, only) == NULL) {
		fprintf(stderr, "orch-scan: project '%s' is not configured\n", only);
		return cli_close(&cl, EX_NOINPUT);
	}
	rc = mainscan ? scan_main(&cl, only, strict) : scan_item(&cl, argv[optind]);
	return cli_close(&cl, rc);
}
