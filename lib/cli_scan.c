/* orch-scan's bodies: the security gate of one item, a person's approval of its scanner configuration, the
 * scan of main and the resolution of its findings, as orch-scan prints them. */
#include "cli_scan.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "err.h"
#include "gate.h"
#include "notify.h"
#include "scancfg.h"
#include "scanmain.h"
#include "task.h"
#include "util.h"
#include "wi.h"

int
cli_scan_item(struct cli *cl, const char *wi)
{
	struct gate_result g;
	struct orch_err e = { 0 };
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
	gate_workspace(&gc, &g); /* what the workspace committed, exactly as a tick would judge it */
	if (g.outcome == GATE_PASS)
		gate_security(&gc, &g);
	if (g.deps_audit && task_deps_audit(&cl->st, wi, t.stage, g.deps_audit == 2, g.deps_note, &e) < 0)
		fprintf(stderr, "orch-scan: %s (orch-status may not show this audit)\n", e.msg);
	err_clear(&e);
	if (g.alert[0]) {
		if (store_begin(&cl->st, &e) == 0 && notify_queue(&cl->st, "alert", wi, g.alert, &e) == 0)
			store_commit(&cl->st, &e);
		else
			store_rollback(&cl->st);
	}
	/* could not run (GATE_ERROR) is not a FAIL verdict: fail-closed with its own status and exit code */
	rc = g.outcome == GATE_PASS   ? 0
	    : g.outcome == GATE_ERROR ? EX_UNAVAILABLE
	    : g.outcome == GATE_WAIT  ? EX_WAITING
				      : EX_NO;
	status = rc == 0 ? "PASS" : rc == EX_NO ? "FAIL" : rc == EX_WAITING ? "HOLD" : "ERROR";
	if (cl->json) {
		cJSON *o = cJSON_CreateObject();
		char path[256];
		wi_artifact_path(wi, "17-security-report.md", path, sizeof(path));
		cJSON_AddStringToObject(o, "work_item", wi);
		cJSON_AddStringToObject(o, "security_status", status);
		cli_json_str(o, "reason", g.reason);
		cJSON_AddStringToObject(o, "report", path);
		cli_print_json(o);
	} else if (!cl->quiet) {
		printf("%s: security %s (%s)\n", wi, status, g.reason);
	}
	gate_result_free(&g);
	return rc;
}

int
cli_scan_approve(struct cli *cl, const char *wi)
{
	struct scancfg_change ch;
	struct orch_err e = { 0 };
	const struct project *p;
	struct task t;

	if (task_get(&cl->st, wi, &t, &e) < 0)
		return cli_error(cl, &e);
	if ((p = config_project(&cl->cfg, t.project)) == NULL) {
		err_set(&e, EX_CONFIG, "project '%s' of %s is not configured", t.project, wi);
		return cli_error(cl, &e);
	}
	struct gate_ctx gc = { .cfg = &cl->cfg, .project = p, .st = &cl->st, .task = &t };
	struct gate_result g;
	gate_result_init(&g);
	gate_workspace(&gc, &g); /* approve what the workspace committed: the head the next tick judges */
	if (g.outcome != GATE_PASS) {
		err_set(&e, EX_TEMPFAIL, "%s: nothing approved: %s", wi, g.reason);
		gate_result_free(&g);
		return cli_error(cl, &e);
	}
	gate_result_free(&g);
	if (gate_security_config(&gc, 1, &ch, &e) < 0)
		return cli_error(cl, &e);
	if (cl->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddStringToObject(o, "work_item", wi);
		cJSON_AddBoolToObject(o, "changed", ch.changed);
		cJSON_AddBoolToObject(o, "approved", ch.approved);
		cJSON_AddStringToObject(o, "files", ch.files);
		cJSON_AddStringToObject(o, "head", ch.approved_head);
		cJSON_AddStringToObject(o, "blobs", ch.blobs);
		cli_print_json(o);
	} else if (!cl->quiet && !ch.changed) {
		printf("%s: branch %s does not change the scanner's configuration; nothing to approve\n", wi,
		    t.branch);
	} else if (!cl->quiet) {
		printf("%s: scanner configuration (%s) approved at %.12s; the next security gate run lifts "
		       "the hold "
		       "while %s stay as they are\n",
		    wi, ch.files, ch.approved_head, ch.files);
	}
	return 0;
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
	cli_json_str(o, "note", r->note);
	cJSON_AddStringToObject(o, "record", r->record);
	cJSON_AddStringToObject(o, "run_id", r->run_id);
	cJSON_AddStringToObject(o, "started", r->started);
	cJSON_AddStringToObject(o, "finished", r->finished);
	cJSON_AddStringToObject(o, "deps", r->deps);
	cJSON_AddNumberToObject(o, "deps_blocking", r->deps_blocking);
	cJSON_AddStringToObject(o, "review", r->review);
	cJSON_AddNumberToObject(o, "review_findings", r->review_findings);
	cJSON_AddNumberToObject(o, "review_blocking", r->review_blocking);
	cJSON_AddItemToObject(o, "failure", scan_main_failure_json(r));
	return o;
}

static void
print_main(const struct scan_main_result *r)
{
	printf("%s: %s (%s, %d commits, %d/%d chunks, %d findings, %d new) anchor %.12s%s%s\n", r->project,
	    r->status, r->strategy, r->commits, r->chunks_ok, r->chunks, r->findings, r->findings_new,
	    r->anchor_after, r->note[0] ? ": " : "", r->note);
	if (strcmp(r->deps, "audited") == 0 || strcmp(r->deps, "degraded") == 0)
		printf("%s: dependency audit %s, %d finding(s) at or above the block severity\n", r->project,
		    r->deps, r->deps_blocking);
	if (strcmp(r->review, "none") != 0)
		printf("%s: main review %s, %d finding(s), %d alerted\n", r->project, r->review,
		    r->review_findings, r->review_blocking);
	if (r->fail_phase[0]) {
		printf("%s: failed in %s", r->project, r->fail_phase);
		if (r->fail_chunk > 0)
			printf(" (chunk %d)", r->fail_chunk);
		printf(": ");
		cli_put_text(r->fail_reason); /* quotes tool output */
		putchar('\n');
	}
}

int
cli_scan_resolve(struct cli *cl, const char *fingerprint, const char *project, const char *reason)
{
	struct orch_err e = { 0 };
	int n;

	if ((n = scan_main_resolve(&cl->st, fingerprint, project, reason, &e)) < 0)
		return cli_error(cl, &e);
	if (cl->json) {
		cJSON *o = cJSON_CreateObject();
		cJSON_AddNumberToObject(o, "resolved", n);
		cli_print_json(o);
	} else if (!cl->quiet || n == 0) {
		printf("orch-scan: %d secret(s) found on main resolved%s\n", n,
		    n                 ? ""
			: fingerprint ? ": no open finding has that fingerprint (orch-status lists them)"
				      : ": the project has no open finding");
	}
	return n ? 0 : EX_NOINPUT;
}

int
cli_scan_main(struct cli *cl, const char *only, int strict)
{
	struct scan_main_result r;
	char run_id[SCAN_RUN_ID_LEN + 1];
	cJSON *arr;
	size_t i;
	int rc = 0;

	if (scan_main_run_id(run_id) < 0) {
		struct orch_err e = { 0 };
		err_set(&e, EX_SOFTWARE, "cannot make a run id (no randomness from the kernel)");
		return cli_error(cl, &e);
	}
	arr = cl->json ? cJSON_CreateArray() : NULL;
	for (i = 0; i < cl->cfg.nprojects; i++) {
		const char *key = cl->cfg.projects[i].key;
		struct orch_err e = { 0 };
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
			print_main(&r);
		/* found something: secrets, or audit/review findings that alerted */
		if ((r.findings || r.deps_blocking || r.review_blocking) && rc < EX_NO)
			rc = EX_NO;
		if (strict && rc < EX_NO &&
		    (!strcmp(r.status, "partial") || !strcmp(r.status, "failed") || r.fail_phase[0]))
			rc = EX_NO;
	}
	if (arr)
		cli_print_json(arr);
	return rc;
}
