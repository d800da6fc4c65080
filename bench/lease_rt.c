/*
 * bench/lease_rt: the store round trips of one agent job as orch-work makes
 * them, through liborch's own functions on an open connection: enqueue
 * (job_enqueue, the engine's side), lease (job_lease: the pick and the
 * update in one writer transaction), the run record (job_run_start) and the
 * completion (job_complete: the run's end and the job's new status in one
 * transaction).  The store is orch.db in a directory (SQLite) or a
 * postgresql:// URL; lease_rt.py runs both in one invocation and prints the
 * ratio.  A benchmark tool, not part of orch.
 *
 * usage: lease_rt STORE ROUNDS
 * prints one line per operation: "OP median_us p90_us mean_us"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/err.h"
#include "../lib/job.h"
#include "../lib/store.h"
#include "../lib/task.h"
#include "../lib/util.h"

enum { OP_ENQUEUE, OP_LEASE, OP_RUN_START, OP_COMPLETE, OP_CYCLE, OPS };
static const char *const op_name[OPS] = { "enqueue", "lease", "run_start", "complete", "lease+complete" };

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int
fail(const char *what, const struct orch_err *e)
{
	fprintf(stderr, "lease_rt: %s: %s\n", what, e->msg[0] ? e->msg : "failed");
	return 1;
}

static void
report(int op, int64_t *v, int n)
{
	int64_t sum = 0;
	int i;

	qsort(v, (size_t)n, sizeof(*v), cmp_i64);
	for (i = 0; i < n; i++)
		sum += v[i];
	printf(
	    "%s %.1f %.1f %.1f\n", op_name[op], (double)v[n / 2], (double)v[(n * 9) / 10], (double)sum / n);
}

int
main(int argc, char **argv)
{
	struct job_outcome ok = { 1, 0, "exited", 1000, "/dev/null", NULL, 0 };
	struct orch_err e = { 0 };
	int64_t *t[OPS], t0, t1, t2, t3, t4, id;
	const char *ns;
	struct store st;
	struct task tk;
	char path[4200];
	struct job j;
	int rounds, i, op;

	if (argc != 3 || (rounds = (int)strtol(argv[2], NULL, 10)) <= 0) {
		fprintf(stderr, "usage: lease_rt STORE ROUNDS\n");
		return 64;
	}
	if (store_is_url(argv[1]))
		snprintf(path, sizeof(path), "%s", argv[1]);
	else
		snprintf(path, sizeof(path), "%s/orch.db", argv[1]);
	if (store_open(&st, path, 5000, &e) < 0)
		return fail("store_open", &e);
	memset(&tk, 0, sizeof(tk));
	snprintf(tk.project, sizeof(tk.project), "BENCH");
	snprintf(tk.work_item, sizeof(tk.work_item), "BENCH-%ld", (long)getpid());
	snprintf(tk.issue_id, sizeof(tk.issue_id), "bench-%ld", (long)getpid());
	snprintf(tk.title, sizeof(tk.title), "lease round trips");
	snprintf(tk.repo, sizeof(tk.repo), "/nonexistent");
	snprintf(tk.branch, sizeof(tk.branch), "feature/bench");
	snprintf(tk.worktree, sizeof(tk.worktree), "/nonexistent");
	snprintf(tk.stage, sizeof(tk.stage), "analysis");
	if (task_insert(&st, &tk, &e) < 0)
		return fail("task_insert", &e);
	for (op = 0; op < OPS; op++)
		if ((t[op] = calloc((size_t)rounds, sizeof(int64_t))) == NULL)
			return 1;
	for (i = 0; i < rounds; i++) {
		t0 = time_now_us();
		if (job_enqueue(&st, tk.id, "analyst", "analysis", "bench", &id, &e) < 0)
			return fail("job_enqueue", &e);
		t1 = time_now_us();
		if (job_lease(&st, (int)getpid(), "bench-host", time_now_us() / 1000000, 120, &j, &e) != 1)
			return fail("job_lease", &e);
		t2 = time_now_us();
		if (job_run_start(&st, &j, (int)getpid(), &e) < 0)
			return fail("job_run_start", &e);
		t3 = time_now_us();
		if (job_complete(&st, &j, &ok, 3, 30, time_now_us() / 1000000, &ns, &e) < 0)
			return fail("job_complete", &e);
		t4 = time_now_us();
		if (strcmp(ns, JOB_DONE) != 0) {
			fprintf(
			    stderr, "lease_rt: job %lld is %s after its completion\n", (long long)j.id, ns);
			return 1;
		}
		job_free(&j);
		t[OP_ENQUEUE][i] = t1 - t0;
		t[OP_LEASE][i] = t2 - t1;
		t[OP_RUN_START][i] = t3 - t2;
		t[OP_COMPLETE][i] = t4 - t3;
		t[OP_CYCLE][i] = t4 - t1;
	}
	for (op = 0; op < OPS; op++) {
		report(op, t[op], rounds);
		free(t[op]);
	}
	store_close(&st);
	return 0;
}
