/* job: enqueue dedupe, leasing, backoff, dead + alert; work_expand. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/deploystate.h"
#include "../../lib/err.h"
#include "../../lib/job.h"
#include "../../lib/store.h"
#include "../../lib/task.h"
#include "../../lib/work.h"
#include "suites.h"

static struct store st;
static struct task t;

static void
setup(void)
{
	struct orch_err e = { 0 };

	tmp_setup();
	tmp_store(&st);
	memset(&t, 0, sizeof(t));
	snprintf(t.project, sizeof(t.project), "A");
	snprintf(t.work_item, sizeof(t.work_item), "A-1");
	snprintf(t.issue_id, sizeof(t.issue_id), "i");
	snprintf(t.repo, sizeof(t.repo), "/r");
	snprintf(t.branch, sizeof(t.branch), "b");
	snprintf(t.worktree, sizeof(t.worktree), "/w");
	snprintf(t.stage, sizeof(t.stage), "analysis");
	ck_assert_int_eq(task_insert(&st, &t, &e), 0);
}

static void
teardown(void)
{
	store_close(&st);
	tmp_teardown();
}

static int
count(const char *sql)
{
	return tsql_int(&st, sql);
}

START_TEST(job_enqueue_dedupes)
{
	struct orch_err e = { 0 };
	int64_t j1, j2;

	ck_assert_int_eq(job_enqueue(&st, t.id, "analyst", "analysis", "d", &j1, &e), 0);
	ck_assert_int_eq(job_enqueue(&st, t.id, "analyst", "analysis", "d", &j2, &e), 0);
	ck_assert_int_eq(j1, j2);
	ck_assert_int_eq(job_active(&st, t.id, "analyst", &e), 1);
	ck_assert_int_eq(job_finish_agent(&st, t.id, "analyst", &e), 1);
	ck_assert_int_eq(job_active(&st, t.id, NULL, &e), 0);
	ck_assert_int_eq(job_enqueue(&st, t.id, "analyst", "analysis", "d", &j2, &e), 0);
	ck_assert_int_ne(j1, j2);
}
END_TEST

/* The lease token fences: renewal and completion by a runner whose lease was taken over change nothing. */
START_TEST(job_lease_token_fences)
{
	struct job j, stale;
	struct orch_err e = { 0 };
	struct job_outcome ok = { .ok = 1, .exit_code = 0, .status = "ok", .reason = "done" };
	const char *ns;
	int64_t id;

	ck_assert_int_eq(job_enqueue(&st, t.id, "analyst", "analysis", "d", &id, &e), 0);
	ck_assert_int_eq(job_lease(&st, 1, "host-a", 1000, 60, &j, &e), 1);
	ck_assert_int_eq(job_renew(&st, &j, 60, &e), 1);
	stale = j;
	stale.description = NULL;
	/* host-a's lease ran out: another host's reaper requeued it, host-b leased it with a new token */
	ck_assert_int_eq(store_begin(&st, &e), 0);
	ck_assert_int_eq(job_reap(&st, id, 1, 1000, &e), 1);
	ck_assert_int_eq(store_commit(&st, &e), 0);
	job_free(&j);
	ck_assert_int_eq(job_lease(&st, 2, "host-b", 1000, 60, &j, &e), 1);
	ck_assert_str_ne(j.token, stale.token);
	ck_assert_int_eq(job_renew(&st, &stale, 60, &e), 0); /* lost: host-a's heartbeat stops its agent */
	ck_assert_int_eq(job_note_agent(&st, &stale, 77, &e), -1);
	stale.attempts = j.attempts; /* even with the attempt count right, the token decides */
	ck_assert_int_eq(job_complete(&st, &stale, &ok, 3, 30, 1000, &ns, &e), 0);
	ck_assert_str_eq(ns, "lost");
	ck_assert_int_eq(count("SELECT count(*) FROM jobs WHERE status = 'running' AND host = 'host-b'"), 1);
	ck_assert_int_eq(job_complete(&st, &j, &ok, 3, 30, 1000, &ns, &e), 0);
	ck_assert_str_eq(ns, "done");
	job_free(&j);
}
END_TEST

/*
 * A task claim by another host: held while its expiry (the store's clock) is ahead, renewed by its holder's
 * beat, taken over once it ran out; the first holder's beat, child note and release then change nothing.
 */
START_TEST(task_claim_across_hosts)
{
	struct orch_err e = { 0 };
	struct task_child a_child = { &st, &t, "ci_cmd", 60 };
	char holder[300] = "";

	store_set_host(&st, "host-a");
	ck_assert_int_eq(task_claim(&st, &t, 60, holder, sizeof(holder), &e), 1);
	ck_assert_int_eq(task_claim(&st, &t, 60, holder, sizeof(holder), &e), 2); /* nested: ours */
	store_set_host(&st, "host-b");
	ck_assert_int_eq(task_claim(&st, &t, 60, holder, sizeof(holder), &e), 0);
	ck_assert_ptr_nonnull(strstr(holder, "on host host-a"));
	task_release(&st, &t); /* host-b's release does not drop host-a's claim */
	ck_assert_int_eq(count("SELECT count(*) FROM leases WHERE host = 'host-a'"), 1);
	/* host-a's beat renews it from an expiry in the past: host-b still waits */
	ck_assert_int_eq(store_exec(&st, "UPDATE leases SET expires_at = orch_now() - 5", &e), 0);
	store_set_host(&st, "host-a");
	ck_assert_int_eq(task_claim_beat(&a_child), 0);
	store_set_host(&st, "host-b");
	ck_assert_int_eq(task_claim(&st, &t, 60, holder, sizeof(holder), &e), 0);
	/* host-a stops renewing (gone): its claim runs out and host-b takes it */
	ck_assert_int_eq(store_exec(&st, "UPDATE leases SET expires_at = orch_now() - 1", &e), 0);
	ck_assert_int_eq(task_claim(&st, &t, 60, holder, sizeof(holder), &e), 1);
	store_set_host(&st, "host-a");
	ck_assert_int_ne(task_claim_beat(&a_child), 0); /* lost: host-a's ci_cmd is stopped */
	task_claim_child(&a_child, 4242);
	task_release(&st, &t);
	ck_assert_int_eq(count("SELECT count(*) FROM leases WHERE host = 'host-b' AND child_pgid = 0"), 1);
	/* the reaper on host-a leaves host-b's claim alone, whatever its pid */
	ck_assert_int_eq(store_exec(&st, "UPDATE leases SET pid = 999999999", &e), 0);
	ck_assert_int_eq(task_lease_release_dead(&st, &e), 0);
	ck_assert_int_eq(count("SELECT count(*) FROM leases"), 1);
	/* a deploy hook's beat never asks to stop the hook, even when the claim was lost */
	a_child.kind = TASK_CHILD_HOOK;
	ck_assert_int_eq(task_claim_beat(&a_child), 0);
}
END_TEST

START_TEST(job_lease_once_oldest_first)
{
	struct orch_err e = { 0 };
	struct job a, b, c;
	int64_t j1, j2;

	ck_assert_int_eq(job_enqueue(&st, t.id, "analyst", "analysis", "first", &j1, &e), 0);
	ck_assert_int_eq(job_enqueue(&st, t.id, "architect", "analysis", "second", &j2, &e), 0);
	ck_assert_int_eq(job_lease(&st, 4242, "test-host", 1000, 60, &a, &e), 1);
	ck_assert_int_eq(a.id, j1);
	ck_assert_int_eq(a.attempts, 1);
	ck_assert_str_eq(a.description, "first");
	ck_assert_int_eq(job_lease(&st, 4243, "test-host", 1000, 60, &b, &e), 1);
	ck_assert_int_eq(b.id, j2);
	ck_assert_int_eq(job_lease(&st, 4244, "test-host", 1000, 60, &c, &e), 0);
	/* the lease in the store's clock, its host and its token (fencing: job_complete) */
	ck_assert_int_eq(
	    count("SELECT count(*) FROM jobs WHERE status = 'running' AND pid = 4242 AND "
		  "lease_until BETWEEN orch_now() + 58 AND orch_now() + 60 AND host = 'test-host'"),
	    1);
	ck_assert_int_eq(strlen(a.token), 32);
	ck_assert_str_ne(a.token, b.token);
	job_free(&a);
	job_free(&b);
}
END_TEST

START_TEST(job_failure_backoff_then_dead)
{
	struct orch_err e = { 0 };
	struct job j;
	const char *ns;
	int64_t id;
	struct job_outcome fail = { .ok = 0,
		.exit_code = 3,
		.status = "exit_nonzero",
		.log_path = "/l",
		.reason = "exited with code 3" };

	ck_assert_int_eq(job_enqueue(&st, t.id, "analyst", "analysis", "d", &id, &e), 0);
	ck_assert_int_eq(job_lease(&st, 1, "test-host", 1000, 60, &j, &e), 1);
	ck_assert_int_eq(job_run_start(&st, &j, 1, &e), 0);
	ck_assert_int_eq(job_complete(&st, &j, &fail, 2, 30, 1000, &ns, &e), 0);
	ck_assert_str_eq(ns, "queued");
	ck_assert_int_eq(count("SELECT available_at FROM jobs"), 1030);
	job_free(&j);
	ck_assert_int_eq(job_lease(&st, 1, "test-host", 1029, 60, &j, &e), 0); /* backoff not over */
	ck_assert_int_eq(job_lease(&st, 1, "test-host", 1030, 60, &j, &e), 1);
	ck_assert_int_eq(j.attempts, 2);
	ck_assert_int_eq(job_run_start(&st, &j, 1, &e), 0);
	ck_assert_int_eq(job_complete(&st, &j, &fail, 2, 30, 1040, &ns, &e), 0);
	ck_assert_str_eq(ns, "dead");
	job_free(&j);
	ck_assert_int_eq(count("SELECT count(*) FROM outbox WHERE level = 'alert' AND message LIKE '%agent "
			       "failed 2 times%--unblock%'"),
	    1);
	ck_assert_int_eq(
	    count("SELECT count(*) FROM agent_runs WHERE exit_code = 3 AND finished_at IS NOT NULL"), 2);
}
END_TEST

START_TEST(job_taken_away_is_lost)
{
	struct orch_err e = { 0 };
	struct job j;
	const char *ns;
	int64_t id;
	struct job_outcome ok = { .ok = 1, .exit_code = 0, .status = "ok", .log_path = "", .reason = "ok" };

	ck_assert_int_eq(job_enqueue(&st, t.id, "analyst", "analysis", "d", &id, &e), 0);
	ck_assert_int_eq(job_lease(&st, 1, "test-host", 1000, 60, &j, &e), 1);
	ck_assert_int_eq(job_run_start(&st, &j, 1, &e), 0);
	ck_assert_int_eq(job_finish_agent(&st, t.id, "analyst", &e), 1);
	ck_assert_int_eq(job_complete(&st, &j, &ok, 3, 30, 1000, &ns, &e), 0);
	ck_assert_str_eq(ns, "lost");
	job_free(&j);
}
END_TEST

START_TEST(job_record_round_trip)
{
	struct orch_err e = { 0 };
	struct job_record w, r;
	struct job_outcome o;
	struct job j;

	memset(&w, 0, sizeof(w));
	w.job_id = 7;
	w.run_id = 9;
	w.attempt = 2;
	snprintf(w.work_item, sizeof(w.work_item), "A-1");
	snprintf(w.agent, sizeof(w.agent), "deployer");
	snprintf(w.stage, sizeof(w.stage), "deploy");
	ck_assert_int_eq(job_record_read(tmp_dir, 7, 2, &r, &e), 0); /* none yet */
	ck_assert_int_eq(job_record_write(tmp_dir, &w, &e), 0);
	ck_assert_int_eq(job_record_read(tmp_dir, 7, 2, &r, &e), 1);
	ck_assert_int_eq(r.finished, 0);
	w.finished = 1;
	w.ok = 1;
	snprintf(w.status, sizeof(w.status), "ok");
	snprintf(w.reason, sizeof(w.reason), "ran \"quoted\"\nline");
	ck_assert_int_eq(job_record_write(tmp_dir, &w, &e), 0);
	ck_assert_int_eq(job_record_read(tmp_dir, 7, 2, &r, &e), 1);
	ck_assert_int_eq(r.finished, 1);
	ck_assert_str_eq(r.reason, "ran \"quoted\"\nline");
	job_record_outcome(&r, &j, &o);
	ck_assert_int_eq(j.run_id, 9);
	ck_assert_int_eq(j.attempts, 2);
	ck_assert_int_eq(o.ok, 1);
	ck_assert_int_eq(job_record_read(tmp_dir, 7, 3, &r, &e), 0); /* another attempt's: none */
	ck_assert_int_eq(job_agent_deploys("deployer"), 1);
	ck_assert_int_eq(job_agent_deploys("developer"), 0);
	job_record_remove(tmp_dir, 7, 2);
	ck_assert_int_eq(job_record_read(tmp_dir, 7, 2, &r, &e), 0);
}
END_TEST

/* A completion of an attempt that was reaped and leased again never settles the new attempt. */
START_TEST(job_complete_only_its_attempt)
{
	struct orch_err e = { 0 };
	struct job j, again;
	const char *ns;
	int64_t id;
	struct job_outcome ok = { .ok = 1, .exit_code = 0, .status = "ok", .log_path = "", .reason = "ok" };

	ck_assert_int_eq(job_enqueue(&st, t.id, "analyst", "analysis", "d", &id, &e), 0);
	ck_assert_int_eq(job_lease(&st, 1, "test-host", 1000, 60, &j, &e), 1);
	ck_assert_int_eq(job_run_start(&st, &j, 1, &e), 0);
	ck_assert_int_eq(job_reap(&st, j.id, 1, 1000, &e), 1);
	ck_assert_int_eq(job_lease(&st, 2, "test-host", 1000, 60, &again, &e), 1);
	ck_assert_int_eq(job_complete(&st, &j, &ok, 3, 30, 1000, &ns, &e), 0);
	ck_assert_str_eq(ns, "lost");
	ck_assert_int_eq(count("SELECT count(*) FROM jobs WHERE status = 'running' AND attempts = 2"), 1);
	job_free(&j);
	job_free(&again);
}
END_TEST

/* A deploy's age: CLOCK_BOOTTIME on one boot (a wall clock step does not count), the wall clock after a
 * reboot. */
START_TEST(deploy_age_ignores_wall_steps)
{
	struct deploy_started s = { .wall = 1000, .boottime = 50, .boot_id = "boot-a" };
	struct deploy_clock now = { .wall = 1000 + 86400, .boottime = 80, .boot_id = "boot-a" };

	ck_assert_int_eq(deploy_age_s(&s, &now), 30);
	snprintf(now.boot_id, sizeof(now.boot_id), "boot-b");
	ck_assert_int_eq(deploy_age_s(&s, &now), 86400);
	s.boot_id[0] = '\0'; /* a record of an older orch: its wall time (mtime) */
	snprintf(now.boot_id, sizeof(now.boot_id), "boot-a");
	ck_assert_int_eq(deploy_age_s(&s, &now), 86400);
}
END_TEST

START_TEST(work_expand_placeholders)
{
	char *s = job_expand_arg(
	    "{worktree}/x-{work_item}-{stage}-{branch}-{nope}", "A-1", "review", "/w", "f/b", "/b.md");

	ck_assert_str_eq(s, "/w/x-A-1-review-f/b-{nope}");
	free(s);
	s = job_expand_arg("--message-file={brief}", "A-1", "review", "/w", "f/b", "/h/briefs/A-1/job3.md");
	ck_assert_str_eq(s, "--message-file=/h/briefs/A-1/job3.md");
	free(s);
}
END_TEST

Suite *
job_suite(void)
{
	Suite *s = suite_create("job");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, job_enqueue_dedupes);
	tcase_add_test(tc, job_lease_once_oldest_first);
	tcase_add_test(tc, job_lease_token_fences);
	tcase_add_test(tc, task_claim_across_hosts);
	tcase_add_test(tc, job_failure_backoff_then_dead);
	tcase_add_test(tc, job_taken_away_is_lost);
	tcase_add_test(tc, work_expand_placeholders);
	tcase_add_test(tc, job_record_round_trip);
	tcase_add_test(tc, job_complete_only_its_attempt);
	tcase_add_test(tc, deploy_age_ignores_wall_steps);
	suite_add_tcase(s, tc);
	return s;
}
