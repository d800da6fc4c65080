/* engine: transitions, rollbacks with findings, retry cap, exactly-once verdicts. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/config.h"
#include "../../lib/deploystate.h"
#include "../../lib/engine.h"
#include "../../lib/err.h"
#include "../../lib/store.h"
#include "../../lib/task.h"
#include "../../lib/tracker.h"
#include "suites.h"

static struct config cfg;
static struct store st;
static struct orch_ctx ctx;
static char wt[4300];
static const char *repo;

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
	    "projects:\n  - key: T\n    repo: %s\n    ci_cmd: [\"true\"]\n    agents:\n      default: "
	    "[\"true\"]\n",
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
	store_close(&st);
	config_free(&cfg);
	tmp_teardown();
}

static int
count(const char *sql)
{
	return tsql_int(&st, sql);
}

static void
commit(const char *name, const char *content)
{
	char rel[512], path[600];

	snprintf(rel, sizeof(rel), "docs/work-items/T-1/%s", name);
	snprintf(path, sizeof(path), "worktrees/T/T-1/docs/work-items/T-1");
	tsh(tmp_dir, "mkdir", "-p", path, NULL);
	if (strchr(name, '/')) {
		snprintf(path, sizeof(path), "worktrees/T/T-1/docs/work-items/T-1/06-adr");
		tsh(tmp_dir, "mkdir", "-p", path, NULL);
	}
	snprintf(path, sizeof(path), "worktrees/T/T-1/%s", rel);
	tmp_write(path, content);
	tsh(wt, "git", "add", rel, NULL);
	tsh(wt, "git", "commit", "-qm", name, NULL);
}

static void
set_state(const char *name)
{
	struct tracker tr;
	struct tracker_issue is;
	struct orch_err e = { 0 };
	struct tracker_state *v = NULL;
	size_t n = 0;

	ck_assert_int_eq(tracker_open(&tr, &ctx, "T", &e), 0);
	ck_assert_int_eq(tr.ops->get(&tr, "T-1", &is, &e), 0);
	ck_assert_int_eq(tr.ops->states(&tr, "T", &v, &n, &e), 0);
	ck_assert_int_eq(tr.ops->set_state(&tr, &is, tracker_state_by_name(v, n, name)->id, &e), 0);
	free(v);
	tracker_close(&tr);
}

static void
adv(const char *agent, enum engine_outcome want, const char *stage_after)
{
	struct advance_result r;

	engine_advance(&ctx, "T-1", agent, 0, &r);
	ck_assert_msg(r.err.code == 0, "advance error: %s", r.err.msg);
	ck_assert_msg(r.outcome == want, "outcome %s (%s), want %s", engine_outcome_name(r.outcome), r.reason,
	    engine_outcome_name(want));
	ck_assert_str_eq(r.stage_after, stage_after);
}

static void
analysis_done(void)
{
	commit("01-brd.md", "b");
	commit("02-trz.md", "t");
	commit("03-acceptance-criteria.md", "a");
	commit("04-test-plan.yaml", "p: 1");
}

static void
start(void)
{
	struct advance_result r;

	ck_assert_int_eq(engine_start(&ctx, "T-1", &r), 0);
	ck_assert_int_eq(r.outcome, OUT_ADVANCED);
	ck_assert_str_eq(r.stage_after, "analysis");
}

/*
 * Every deploy state has its own name; orch's states are rows, the wrapper's
 * files; a file planted under a row's name is not read; a new deploy (a
 * transition into deploy) starts from no rows, and deploy_reset forgets all.
 */
START_TEST(deploy_sentinels_named_and_reset)
{
	struct orch_err e = { 0 };
	struct task t;
	char got[64], dir[4200], path[4300];
	int i, j;

	start();
	ck_assert_int_eq(task_get(ctx.st, "T-1", &t, &e), 0);
	ck_assert_str_eq(deploy_sentinel_file(DEPLOY_INITIATED), "initiated");
	ck_assert_str_eq(deploy_sentinel_file(DEPLOY_RESULT), "result");
	ck_assert_str_eq(deploy_sentinel_file(DEPLOY_NSENTINELS), "unknown");
	ck_assert_str_eq(deploy_sentinel_file((enum deploy_sentinel) - 1), "unknown");
	for (i = 0; i < DEPLOY_NSENTINELS; i++) {
		ck_assert_ptr_nonnull(deploy_sentinel_file((enum deploy_sentinel)i));
		ck_assert_str_ne(deploy_sentinel_file((enum deploy_sentinel)i), "unknown");
		for (j = 0; j < i; j++)
			ck_assert_str_ne(deploy_sentinel_file((enum deploy_sentinel)i),
			    deploy_sentinel_file((enum deploy_sentinel)j));
		ck_assert_int_eq(deploy_marker(&ctx, &t, (enum deploy_sentinel)i), 0);
		ck_assert_int_eq(deploy_mark(&ctx, &t, (enum deploy_sentinel)i,
				     deploy_sentinel_file((enum deploy_sentinel)i), &e),
		    0);
		ck_assert_int_eq(deploy_marker(&ctx, &t, (enum deploy_sentinel)i), 1);
		ck_assert_int_eq(deploy_read_marker(&ctx, &t, (enum deploy_sentinel)i, got, sizeof(got)), 0);
		ck_assert_str_eq(got, deploy_sentinel_file((enum deploy_sentinel)i));
	}
	/* the decisions are rows; only the wrapper's three are files */
	ck_assert_int_eq(count("SELECT count(*) FROM deploy_marks"), DEPLOY_NSENTINELS - 3);
	ck_assert_int_eq(deploy_marker_path(&cfg, &t, DEPLOY_RESULT, path, sizeof(path)), 0);
	ck_assert_int_eq(access(path, F_OK), 0);
	ck_assert_int_eq(deploy_marker_path(&cfg, &t, DEPLOY_FINALIZED, path, sizeof(path)), 0);
	ck_assert_int_ne(access(path, F_OK), 0);
	/* a new deploy begins (its transition's event): the last one's rows are not its own */
	ck_assert_int_eq(event_add(ctx.st, "T-1", "advanced", "deploy-staging", "deploy", "", &e), 0);
	ck_assert_int_eq(deploy_marker(&ctx, &t, DEPLOY_FINALIZED), 0);
	ck_assert_int_eq(deploy_mark(&ctx, &t, DEPLOY_WATCH, "1 0\n", &e), 0);
	/* a planted file under a row's name says nothing */
	ck_assert_int_eq(deploy_state_dir(&cfg, &t, dir, sizeof(dir)), 0);
	snprintf(path, sizeof(path), "%s/finalized", dir);
	FILE *f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("SUCCESS\n", f);
	fclose(f);
	ck_assert_int_eq(deploy_marker(&ctx, &t, DEPLOY_FINALIZED), 0);
	deploy_reset(&ctx, &t);
	ck_assert_int_eq(access(path, F_OK), -1);
	for (i = 0; i < DEPLOY_NSENTINELS; i++)
		if (i != DEPLOY_WATCH)
			ck_assert_int_eq(deploy_marker(&ctx, &t, (enum deploy_sentinel)i), 0);
	/* the current deploy's rows stay (reset runs as it begins); the earlier one's are gone */
	ck_assert_int_eq(count("SELECT count(*) FROM deploy_marks"), 1);
	ck_assert_int_eq(deploy_read_marker(&ctx, &t, DEPLOY_WATCHED, got, sizeof(got)), -1);
}
END_TEST

START_TEST(engine_start_is_idempotent)
{
	struct advance_result r;

	start();
	ck_assert_int_eq(engine_start(&ctx, "T-1", &r), 0);
	ck_assert_int_eq(r.outcome, OUT_NOOP);
	ck_assert_int_eq(count("SELECT count(*) FROM jobs"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM tracker_issues WHERE state_id = 'T:analysis'"), 1);
	ck_assert_int_eq(engine_start(&ctx, "T-2", &r), -1);
	ck_assert_int_eq(r.err.code, EX_NOINPUT);
}
END_TEST

START_TEST(engine_waits_for_job_then_human)
{
	start();
	adv(NULL, OUT_WAITING, "analysis"); /* analyst job queued */
	analysis_done();
	adv("analyst", OUT_WAITING, "analysis"); /* human gate */
	ck_assert_int_eq(count("SELECT count(*) FROM tracker_issues WHERE state_id = 'T:in_review'"), 1);
	set_state("Approved");
	adv(NULL, OUT_ADVANCED, "architecture");
	ck_assert_int_eq(count("SELECT count(*) FROM verdicts"), 1);
	ck_assert_int_eq(
	    count("SELECT count(*) FROM jobs WHERE agent = 'architect' AND status = 'queued'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM events WHERE kind = 'advanced'"), 1);
	ck_assert_int_eq(
	    count("SELECT count(*) FROM outbox WHERE message LIKE 'analysis -> architecture%'"), 1);
}
END_TEST

START_TEST(engine_rejected_applied_once)
{
	start();
	analysis_done();
	adv("analyst", OUT_WAITING, "analysis");
	set_state("Rejected");
	adv(NULL, OUT_ROLLED_BACK, "analysis");
	ck_assert_int_eq(count("SELECT count(*) FROM jobs WHERE agent = 'analyst'"), 2);
	adv("analyst", OUT_WAITING, "analysis"); /* same Rejected seen again */
	adv(NULL, OUT_WAITING, "analysis");
	ck_assert_int_eq(count("SELECT count(*) FROM jobs WHERE agent = 'analyst'"), 2);
	ck_assert_int_eq(count("SELECT count(*) FROM verdicts"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM tracker_issues WHERE state_id = 'T:in_review'"), 1);
}
END_TEST

static void
to_stage(const char *stage)
{
	char sql[256];
	struct orch_err e = { 0 };

	snprintf(sql, sizeof(sql), "UPDATE tasks SET stage = '%s'; UPDATE jobs SET status = 'done'", stage);
	ck_assert_int_eq(store_exec(&st, sql, &e), 0);
}

START_TEST(engine_rollback_quotes_findings_and_caps)
{
	struct advance_result r;
	struct store_stmt *s;
	int i;

	start();
	commit("12-review.md", "---\nverdict: REQUEST_CHANGES\n---\n- must fix the null check\n");
	for (i = 1; i <= 3; i++) {
		to_stage("review");
		adv(NULL, OUT_ROLLED_BACK, "development");
	}
	ck_assert_int_eq(store_prepare(&st, &s,
			     "SELECT description FROM jobs WHERE agent = 'developer' "
			     "ORDER BY id DESC LIMIT 1",
			     NULL),
	    0);
	ck_assert_int_eq(store_step(s), STORE_ROW);
	ck_assert_ptr_nonnull(strstr(store_column_text(s, 0), "> - must fix the null check"));
	store_finalize(s);
	to_stage("review");
	adv(NULL, OUT_BLOCKED, "review");
	ck_assert_int_eq(count("SELECT blocked FROM tasks"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM tracker_issues WHERE state_id = 'T:blocked'"), 1);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE level = 'alert'"), 1);
	adv(NULL, OUT_BLOCKED, "review"); /* never advanced automatically */
	ck_assert_int_eq(engine_unblock(&ctx, "T-1", &r), 0);
	ck_assert_int_eq(count("SELECT blocked + retries FROM tasks"), 0);
	ck_assert_int_eq(
	    count("SELECT count(*) FROM jobs WHERE agent = 'reviewer' AND status = 'queued'"), 1);
}
END_TEST

START_TEST(engine_ci_red_reenqueues_developer)
{
	struct orch_err e = { 0 };

	start();
	to_stage("development");
	adv(NULL, OUT_ROLLED_BACK, "development"); /* no change outside the item's documents: red before CI */
	ck_assert_int_eq(count("SELECT count(*) FROM events WHERE detail LIKE 'no change: %'"), 1);
	tmp_write("worktrees/T/T-1/code.c", "int x;\n");
	tsh(wt, "git", "add", "code.c", NULL);
	tsh(wt, "git", "commit", "-qm", "code", NULL);
	to_stage("development");
	argv_free(cfg.projects[0].ci_cmd);
	cfg.projects[0].ci_cmd = config_parse_argv("[\"sh\", \"-c\", \"echo broken test; exit 1\"]", &e);
	adv(NULL, OUT_ROLLED_BACK, "development");
	ck_assert_int_eq(count("SELECT count(*) FROM jobs WHERE agent = 'developer' AND status = 'queued' "
			       "AND description LIKE '%> broken test%'"),
	    1);
	/* CI runs what would merge, in a scratch copy: an uncommitted file in the workspace is not seen */
	tmp_write("worktrees/T/T-1/dirty", "x");
	argv_free(cfg.projects[0].ci_cmd);
	cfg.projects[0].ci_cmd = config_parse_argv("[\"sh\", \"-c\", \"test ! -e dirty\"]", &e);
	to_stage("development");
	adv(NULL, OUT_ADVANCED, "review");
}
END_TEST

START_TEST(engine_merged_to_main_local)
{
	char sha[64];

	start();
	commit("14-deploy-log.md", "---\ndeploy_status: SUCCESS\n---\n");
	to_stage("deploy");
	adv(NULL, OUT_ROLLED_BACK, "development");
	ck_assert_int_eq(
	    count("SELECT count(*) FROM events WHERE detail LIKE 'deployed but not merged%'"), 1);
	snprintf(sha, sizeof(sha), "%s", tsh(wt, "git", "rev-parse", "HEAD", NULL));
	sha[40] = '\0';
	tsh(repo, "git", "merge", "-q", "--ff-only", sha, NULL);
	to_stage("deploy");
	adv(NULL, OUT_ADVANCED, "done");
	adv(NULL, OUT_NOOP, "done");
}
END_TEST

START_TEST(engine_bad_artifacts_are_red)
{
	start();
	commit("13-test-report.md", "result: PASS\n");
	to_stage("testing");
	adv(NULL, OUT_ROLLED_BACK, "development");
	ck_assert_int_eq(count("SELECT count(*) FROM events WHERE detail LIKE '%no frontmatter%'"), 1);
	commit("13-test-report.md", "---\nresult: PASS\nresult: FAIL\n---\n");
	to_stage("testing");
	adv(NULL, OUT_ROLLED_BACK, "development");
	ck_assert_int_eq(count("SELECT count(*) FROM events WHERE detail LIKE '%duplicated key%'"), 1);
}
END_TEST

START_TEST(engine_dry_run_writes_nothing)
{
	struct advance_result r;
	int events;

	start();
	commit("12-review.md", "---\nverdict: REQUEST_CHANGES\n---\n");
	to_stage("review");
	events = count("SELECT count(*) FROM events");
	engine_advance(&ctx, "T-1", NULL, 1, &r);
	ck_assert_msg(r.outcome == OUT_ROLLED_BACK, "%d [%s] %s", r.outcome, r.gate, r.reason);
	ck_assert_str_eq(r.enq_agent, "developer");
	ck_assert_int_eq(count("SELECT count(*) FROM events"), events);
	ck_assert_int_eq(count("SELECT count(*) FROM tasks WHERE stage = 'review' AND retries = 0"), 1);
}
END_TEST

Suite *
engine_suite(void)
{
	Suite *s = suite_create("engine");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, deploy_sentinels_named_and_reset);
	tcase_add_test(tc, engine_start_is_idempotent);
	tcase_add_test(tc, engine_waits_for_job_then_human);
	tcase_add_test(tc, engine_rejected_applied_once);
	tcase_add_test(tc, engine_rollback_quotes_findings_and_caps);
	tcase_add_test(tc, engine_ci_red_reenqueues_developer);
	tcase_add_test(tc, engine_merged_to_main_local);
	tcase_add_test(tc, engine_bad_artifacts_are_red);
	tcase_add_test(tc, engine_dry_run_writes_nothing);
	suite_add_tcase(s, tc);
	return s;
}
