/*
 * The decisions of the modules the integration tests cover end to end (gate, merge, poll, reconcile,
 * deploy), each on its own: a real store, a real git repo and the local tracker, no command.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/buf.h"
#include "../../lib/config.h"
#include "../../lib/ctx.h"
#include "../../lib/deploy.h"
#include "../../lib/engine.h"
#include "../../lib/err.h"
#include "../../lib/gate.h"
#include "../../lib/stages.h"
#include "../../lib/merge.h"
#include "../../lib/poll.h"
#include "../../lib/reconcile.h"
#include "../../lib/store.h"
#include "../../lib/task.h"
#include "../../lib/tracker.h"
#include "suites.h"

static struct config cfg;
static struct store st;
static struct orch_ctx ctx;
static const char *repo;
static char wt[4300];

static void
setup(void)
{
	struct orch_err e = { 0 };
	struct tracker tr;
	struct tracker_issue is;
	char yaml[4600];

	tmp_setup();
	repo = tmp_git_repo();
	snprintf(yaml, sizeof(yaml),
	    "projects:\n  - key: T\n    repo: %s\n    ci_cmd: [\"true\"]\n    self_deploy: true\n"
	    "    deploy_hook: [\"true\"]\n    agents:\n      default: [\"true\"]\n",
	    repo);
	ck_assert_int_eq(config_load(&cfg, tmp_write("orch.yaml", yaml), tmp_dir, 1, &e), 0);
	tmp_store(&st);
	ctx.cfg = &cfg;
	ctx.st = &st;
	ck_assert_int_eq(tracker_open(&tr, &ctx, "T", &e), 0);
	ck_assert_int_eq(tr.ops->create(&tr, "T", "a title", "T:to_analyse", &is, &e), 0);
	tracker_close(&tr);
	snprintf(wt, sizeof(wt), "%s/worktrees/T/T-1", tmp_dir);
}

static void
teardown(void)
{
	ctx_close(&ctx);
	store_close(&st);
	config_free(&cfg);
	tmp_teardown();
}

static void
start(void)
{
	struct advance_result r;

	ck_assert_int_eq(engine_start(&ctx, "T-1", &r), 0);
	ck_assert_int_eq(r.outcome, OUT_ADVANCED);
}

/* Commit docs/work-items/T-1/NAME with content on the task's branch. */
static void
commit(const char *name, const char *content)
{
	char rel[512], path[600];

	snprintf(rel, sizeof(rel), "docs/work-items/T-1/%s", name);
	tsh(tmp_dir, "mkdir", "-p", "worktrees/T/T-1/docs/work-items/T-1", NULL);
	snprintf(path, sizeof(path), "worktrees/T/T-1/%s", rel);
	tmp_write(path, content);
	tsh(wt, "git", "add", rel, NULL);
	tsh(wt, "git", "commit", "-qm", name, NULL);
}

/* Run the registered gate name on task T-1; the outcome, the reason in r. */
static enum gate_outcome
run_gate(const char *name, int manual, struct gate_result *r)
{
	const struct gate_def *g = gate_find(name);
	struct orch_err e = { 0 };
	struct task t;
	struct gate_ctx gc = { .cfg = &cfg,
		.project = config_project(&cfg, "T"),
		.st = &st,
		.task = &t,
		.dry_run = 1,
		.manual = manual };

	ck_assert_ptr_nonnull(g);
	ck_assert_int_eq(task_get(&st, "T-1", &t, &e), 0);
	gate_result_init(r);
	gate_workspace(&gc, r); /* as the engine does first: the workspace's commits become the branch */
	ck_assert_int_eq(r->outcome, GATE_PASS);
	gate_result_free(r);
	gate_result_init(r);
	g->fn(&gc, r);
	return r->outcome;
}

START_TEST(gate_table_lookups)
{
	const struct stage_artifact *a;
	const struct stage *sd;
	char out[512], tiny[16];

	ck_assert_ptr_nonnull(gate_find("check_security_gate"));
	ck_assert_ptr_null(gate_find("check_nothing"));
	ck_assert_ptr_null(gate_find(""));
	a = gate_stage_artifacts("testing");
	ck_assert_str_eq(a->name, "13-test-report.md");
	ck_assert_str_eq(a->key, "result");
	ck_assert_str_eq(a->pass, "PASS");
	ck_assert_ptr_null(gate_stage_artifacts("no-such-stage")->name);
	/* the stage table: one row per stage, the special behaviours as named fields */
	ck_assert_str_eq(stage_first()->name, "analysis");
	ck_assert_str_eq(stage_human()->human_gate, "check_analysis_approved");
	ck_assert_str_eq(stage_ci()->name, "development");
	ck_assert_str_eq(stage_review()->name, "review");
	ck_assert_str_eq(stage_deploy()->name, "deploy");
	ck_assert_str_eq(stage_last()->name, "done");
	ck_assert(stage_is_last("done") && !stage_is_last("deploy") && !stage_is_last("nope"));
	ck_assert_ptr_eq(stage_with_gate("check_branch_mergeable"), stage_get("deploy-staging"));
	ck_assert(stage_get("deploy-staging")->lands_on_main && stage_get("deploy")->alerts_on_red);
	ck_assert_ptr_null(stage_get("nope"));
	ck_assert(stage_agent_known("tester") && !stage_agent_known("testing"));
	for (sd = stage_table(); sd->next; sd++) /* the chain ends at the last stage, through every row */
		ck_assert_ptr_eq(stage_get(sd->next), sd + 1);
	ck_assert_int_eq(gate_describe_stage("analysis", "T-1", out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "docs/work-items/T-1/01-brd.md, docs/work-items/T-1/02-trz.md"));
	ck_assert_int_eq(gate_describe_stage("review", "T-1", out, sizeof(out)), 0);
	ck_assert_str_eq(out, "docs/work-items/T-1/12-review.md with frontmatter verdict: APPROVED");
	ck_assert_int_eq(gate_describe_stage("development", "T-1", out, sizeof(out)), 0);
	ck_assert_ptr_nonnull(strstr(out, "ci_cmd"));
	/* a description that does not fit is an error, never a cut sentence */
	ck_assert_int_eq(gate_describe_stage("analysis", "T-1", tiny, sizeof(tiny)), -1);
}
END_TEST

/* Each verdict gate: a missing artifact is red (awaited when people work the stage), the pass value
 * passes, anything else is red naming what it found. */
START_TEST(gate_verdicts_decide)
{
	static const struct {
		const char *gate, *file, *key, *pass;
	} v[] = {
		{ "check_reviewer_verdict", "12-review.md", "verdict", "APPROVED" },
		{ "check_tests_passed", "13-test-report.md", "result", "PASS" },
		{ "check_staging_status", "15-staging-log.md", "staging_status", "SUCCESS" },
		{ "check_deploy_status", "14-deploy-log.md", "deploy_status", "SUCCESS" },
	};
	struct gate_result r;
	char doc[256];
	size_t i;

	/* the deployer agent writes the deploy log (no hook, no self_deploy): orch's own log is below */
	cfg.projects[0].self_deploy = 0;
	argv_free(cfg.projects[0].deploy_hook);
	cfg.projects[0].deploy_hook = NULL;
	start();
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_msg(run_gate(v[i].gate, 0, &r) == GATE_RED, "%s without %s: %d", v[i].gate,
		    v[i].file, r.outcome);
		ck_assert_msg(strstr(r.reason, v[i].file) != NULL, "reason names the file: %s", r.reason);
		gate_result_free(&r);
		ck_assert_int_eq(run_gate(v[i].gate, 1, &r), GATE_WAIT);
		gate_result_free(&r);
		snprintf(doc, sizeof(doc), "---\n%s: NOPE\n---\nfindings: it broke\n", v[i].key);
		commit(v[i].file, doc);
		ck_assert_int_eq(run_gate(v[i].gate, 0, &r), GATE_RED);
		ck_assert_msg(strstr(r.reason, "NOPE") != NULL, "reason quotes the value: %s", r.reason);
		gate_result_free(&r);
		snprintf(doc, sizeof(doc), "---\n%s: %s\n---\nall good\n", v[i].key, v[i].pass);
		commit(v[i].file, doc);
		ck_assert_msg(run_gate(v[i].gate, 0, &r) == GATE_PASS, "%s: %s", v[i].gate, r.reason);
		gate_result_free(&r);
	}
	/* when orch runs the deploy, a deploy log it did not write is red, whatever it says */
	cfg.projects[0].self_deploy = 1;
	ck_assert_int_eq(run_gate("check_deploy_status", 0, &r), GATE_RED);
	ck_assert_msg(strstr(r.reason, "was not written by orch") != NULL, "%s", r.reason);
	gate_result_free(&r);
}
END_TEST

START_TEST(gate_explain_lists_what_is_read)
{
	const struct project *p = config_project(&cfg, "T");
	struct orch_err e = { 0 };
	struct task t;
	struct gate_ctx gc = { .cfg = &cfg, .project = p, .st = &st, .task = &t, .dry_run = 1 };
	struct buf out;

	start();
	commit("01-brd.md", "b");
	ck_assert_int_eq(task_get(&st, "T-1", &t, &e), 0);
	buf_init(&out, BUF_MIB);
	ck_assert_int_eq(gate_explain(&gc, "analysis", &out), 0);
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "T-1 at analysis (automated stage)"));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "01-brd.md"));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "02-trz.md"));
	ck_assert_ptr_nonnull(strstr(buf_str(&out), "Approved (or Rejected)"));
	{ /* deploy: the log a person (or the deployer) writes; a self_deploy project waits for Confirm Deploy
	   */
		struct project q = *p;
		gc.project = &q;
		q.self_deploy = 0;
		buf_reset(&out);
		ck_assert_int_eq(gate_explain(&gc, "deploy", &out), 0);
		ck_assert_ptr_nonnull(
		    strstr(buf_str(&out), "deployed_sha (the commit that went out) must be on main"));
		q.self_deploy = 1;
		buf_reset(&out);
		ck_assert_int_eq(gate_explain(&gc, "deploy", &out), 0);
		ck_assert_ptr_nonnull(strstr(buf_str(&out), "T-1 at deploy (self_deploy)"));
		ck_assert_ptr_nonnull(strstr(buf_str(&out), "waiting for Confirm Deploy"));
		ck_assert_ptr_null(strstr(buf_str(&out), "MISSING"));
	}
	buf_free(&out);
}
END_TEST

START_TEST(merge_main_ref_and_merged_gate)
{
	struct project p = { .main_branch = "main" };
	struct gate_result r;
	char ref[300];

	merge_main_ref(&p, ref, sizeof(ref));
	ck_assert_str_eq(ref, "refs/heads/main");
	p.remote = "origin";
	merge_main_ref(&p, ref, sizeof(ref));
	ck_assert_str_eq(ref, "refs/remotes/origin/main");
	/* the branch has a commit main lacks: not merged; merged into main (no remote): passes */
	start();
	commit("14-deploy-log.md", "---\ndeploy_status: SUCCESS\n---\n");
	ck_assert_int_ne(run_gate("check_merged_to_main", 0, &r), GATE_PASS);
	gate_result_free(&r);
	tsh(repo, "git", "merge", "-q", "--no-edit", "feature/T-1-a-title", NULL);
	ck_assert_msg(run_gate("check_merged_to_main", 0, &r) == GATE_PASS, "after the merge: %s", r.reason);
	gate_result_free(&r);
}
END_TEST

static int reports;

static void
count_report(void *c, const struct advance_result *r, const char *status)
{
	(void)c;
	(void)r;
	(void)status;
	reports++;
}

/* To Analyse starts the task once; polling again applies nothing; a blocked task is left alone. */
START_TEST(poll_starts_once)
{
	struct orch_err e = { 0 };
	struct poll_stats ps = { 0 };
	struct task t;

	reports = 0;
	ck_assert_int_eq(poll_project(&ctx, "T", count_report, NULL, &ps, &e), 0);
	ck_assert_int_eq(ps.issues, 1);
	ck_assert_int_eq(ps.applied, 1);
	ck_assert_int_eq(ps.failed, 0);
	ck_assert_int_eq(task_get(&st, "T-1", &t, &e), 0);
	ck_assert_str_eq(t.stage, "analysis");
	memset(&ps, 0, sizeof(ps));
	ck_assert_int_eq(poll_project(&ctx, "T", count_report, NULL, &ps, &e), 0);
	ck_assert_int_eq(ps.applied, 0);
	ck_assert_int_eq(tsql_int(&st, "SELECT count(*) FROM tasks"), 1);
	/* an unknown project is an error naming it, not a crash */
	ck_assert_int_lt(poll_project(&ctx, "NOPE", count_report, NULL, &ps, &e), 0);
	ck_assert_ptr_nonnull(strstr(e.msg, "NOPE"));
}
END_TEST

static void
no_report(void *c, const char *what, const struct advance_result *r)
{
	(void)c;
	(void)what;
	(void)r;
	reports++;
}

/* The reconciler never advances a blocked task, and a quiet store gives zero counters. */
START_TEST(reconcile_leaves_blocked_alone)
{
	struct reconcile_stats rs;
	struct orch_err e = { 0 };
	struct task t;

	reports = 0;
	ck_assert_int_eq(reconcile_run(&ctx, no_report, NULL, &rs, &e), 0);
	ck_assert_int_eq(rs.advanced + rs.replayed + rs.unblocked + rs.reaped + rs.failed, 0);
	start();
	commit("01-brd.md", "b");
	commit("02-trz.md", "t");
	commit("03-acceptance-criteria.md", "a");
	commit("04-test-plan.yaml", "p: 1");
	ck_assert_int_eq(task_get(&st, "T-1", &t, &e), 0);
	t.blocked = 1;
	ck_assert_int_eq(task_update(&st, &t, &e), 1);
	ck_assert_int_eq(reconcile_run(&ctx, no_report, NULL, &rs, &e), 0);
	ck_assert_int_eq(rs.advanced, 0);
	ck_assert_int_eq(rs.failed, 0);
	ck_assert_int_eq(task_get(&st, "T-1", &t, &e), 0);
	ck_assert_str_eq(t.stage, "analysis");
	ck_assert_int_eq(t.blocked, 1);
}
END_TEST

static void
deploy_seen(void *c, const struct advance_result *r)
{
	(void)c;
	(void)r;
	reports++;
}

/* Confirm Deploy acts only at stage deploy, unblocked; an unknown item is an error; with no deploy
 * running, finalize and monitor report nothing. */
START_TEST(deploy_confirm_only_at_deploy)
{
	struct advance_result r;
	struct orch_err e = { 0 };
	struct task t;

	reports = 0;
	ck_assert_int_eq(deploy_confirm(&ctx, "T-9", &r), -1);
	start();
	ck_assert_int_eq(deploy_confirm(&ctx, "T-1", &r), 0);
	ck_assert_ptr_nonnull(
	    strstr(r.reason, "Confirm Deploy acts only on stage deploy (task is analysis)"));
	ck_assert_int_eq(task_get(&st, "T-1", &t, &e), 0);
	ck_assert_str_eq(t.stage, "analysis");
	snprintf(t.stage, sizeof(t.stage), "deploy");
	t.blocked = 1;
	ck_assert_int_eq(task_update(&st, &t, &e), 1);
	ck_assert_int_eq(deploy_confirm(&ctx, "T-1", &r), 0);
	ck_assert_ptr_nonnull(strstr(r.reason, "(task is deploy, blocked)"));
	ck_assert_int_eq(deploy_finalize(&ctx, deploy_seen, NULL, &e), 0);
	ck_assert_int_eq(deploy_monitor(&ctx, deploy_seen, NULL, &e), 0);
	ck_assert_int_eq(reports, 0);
}
END_TEST

Suite *
decide_suite(void)
{
	Suite *s = suite_create("decide");
	TCase *tc = tcase_create("decide");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, gate_table_lookups);
	tcase_add_test(tc, gate_verdicts_decide);
	tcase_add_test(tc, gate_explain_lists_what_is_read);
	tcase_add_test(tc, merge_main_ref_and_merged_gate);
	tcase_add_test(tc, poll_starts_once);
	tcase_add_test(tc, reconcile_leaves_blocked_alone);
	tcase_add_test(tc, deploy_confirm_only_at_deploy);
	suite_add_tcase(s, tc);
	return s;
}
