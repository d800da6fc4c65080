#include "work.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "buf.h"
#include "config.h"
#include "job.h"
#include "proc.h"
#include "store.h"
#include "task.h"
#include "util.h"

struct job_start {
	struct store *st;
	int64_t job_id;
};

static int
write_log(const char *home, const struct job *j, const struct proc_result *pr, char *path, size_t n,
    struct orch_err *e)
{
	char dir[4200];
	struct buf b;
	int rc;

	if (str_fmt(dir, sizeof(dir), "%s/logs/jobs", home) < 0 || mkdir_p(dir, 0700) < 0 ||
	    str_fmt(path, n, "%s/%s-job%lld-attempt%d.log", dir, j->work_item, (long long)j->id, j->attempts) < 0)
		return err_set(e, EX_IOERR, "cannot create the job log directory under '%s'", home);
	buf_init(&b, 2 * PROC_DEFAULT_CAP + 4096);
	buf_addf(&b, "== %s job %lld attempt %d for %s (%s)\n== stdout%s\n", j->agent, (long long)j->id,
	    j->attempts, j->work_item, proc_status_name(pr->status), pr->out_truncated ? " (truncated)" : "");
	/* sized for both capped outputs: only a failed allocation stops it */
	if (buf_append(&b, buf_str(&pr->out), pr->out.len) < 0 ||
	    buf_printf(&b, "\n== stderr%s\n", pr->err_truncated ? " (truncated)" : "") < 0 ||
	    buf_append(&b, buf_str(&pr->err), pr->err.len) < 0)
		rc = err_set(e, EX_IOERR, "out of memory writing the log of job %lld to '%s'", (long long)j->id, path);
	else
		rc = atomic_write(path, buf_str(&b), b.len, 0600, e);
	buf_free(&b);
	return rc;
}

static void
note_agent(void *ctx, long pid)
{
	const struct job_start *js = ctx;
	struct orch_err e = {0};

	job_note_agent(js->st, js->job_id, pid, &e);	/* best effort: the reaper also has the runner's pid */
}

/* Run the agent; fills outcome fields of r. */
static void
run_agent(struct orch_ctx *c, const struct task *t, const struct job *j, struct work_result *r,
    struct orch_err *e)
{
	const struct project *p = config_project(c->cfg, t->project);
	char *const *cmd = p ? config_agent(p, j->agent) : NULL;
	char **argv = NULL, *env[8] = { NULL };
	struct proc_result pr;
	struct job_start js = { c->st, j->id };
	struct proc_user user;
	struct orch_err ue = {0};
	size_t i, n;

	r->exit_code = -1;
	if (cmd == NULL) {
		snprintf(r->proc_status, sizeof(r->proc_status), "not_found");
		snprintf(r->reason, sizeof(r->reason), "no agent command for '%s' in project '%s'; add agents: %s: "
		    "(or default:) to orch.yaml", j->agent, t->project, j->agent);
		return;
	}
	/* agent_user: resolved here, in the parent; the child only switches to it (proc.h guarantee 9) */
	if (c->cfg->agent_user && proc_user_lookup(c->cfg->agent_user, &user, &ue) < 0) {
		snprintf(r->proc_status, sizeof(r->proc_status), "spawn_error");
		snprintf(r->reason, sizeof(r->reason), "%s", ue.msg);
		return;
	}
	n = argv_len(cmd);
	argv = calloc(n + 1, sizeof(*argv));
	for (i = 0; argv && i < n; i++)
		if ((argv[i] = job_expand_arg(cmd[i], t->work_item, t->stage, t->worktree, t->branch)) == NULL)
			break;
	if (argv == NULL || i < n) {
		snprintf(r->proc_status, sizeof(r->proc_status), "spawn_error");
		snprintf(r->reason, sizeof(r->reason), "cannot build the agent command (argument too long)");
		argv_free(argv);
		return;
	}
	if (asprintf(&env[0], "ORCH_WORK_ITEM=%s", t->work_item) < 0 ||
	    asprintf(&env[1], "ORCH_STAGE=%s", j->stage) < 0 ||
	    asprintf(&env[2], "ORCH_WORKTREE=%s", t->worktree) < 0 ||
	    asprintf(&env[3], "ORCH_BRANCH=%s", t->branch) < 0 ||
	    asprintf(&env[4], "ORCH_AGENT=%s", j->agent) < 0 ||
	    asprintf(&env[5], "ORCH_JOB_ID=%lld", (long long)j->id) < 0 ||
	    asprintf(&env[6], "ORCH_TASK_DESC=%s", j->description) < 0)
		env[6] = NULL;
	struct proc_spec s = {
		.argv = (const char *const *)argv, .cwd = t->worktree, .env_extra = (const char *const *)env,
		.timeout_ms = c->cfg->job_timeout_s * 1000, .stdin_data = j->description,
		.stdin_len = strlen(j->description), .tool = j->agent,
		.observe = store_tool_observe, .observe_ctx = c->st, .on_start = note_agent, .on_start_ctx = &js,
		.run_as = c->cfg->agent_user ? &user : NULL,
	};
	proc_run(&s, &pr);
	snprintf(r->proc_status, sizeof(r->proc_status), "%s", proc_status_name(pr.status));
	r->exit_code = pr.status == PROC_OK || pr.status == PROC_EXIT_NONZERO ? pr.exit_code : -1;
	r->duration_ms = pr.elapsed_ms;
	proc_describe(&pr, r->reason, sizeof(r->reason));
	if (write_log(c->cfg->home, j, &pr, r->log_path, sizeof(r->log_path), e) < 0)
		r->log_path[0] = '\0';
	proc_result_free(&pr);
	for (i = 0; i < 7; i++)
		free(env[i]);
	argv_free(argv);
}

int
work_run_one(struct orch_ctx *c, struct work_result *r, struct orch_err *e)
{
	int64_t now = (int64_t)time(NULL);
	struct orch_err sub = {0};
	struct task t;
	struct job j;
	int rc;

	memset(r, 0, sizeof(*r));
	proc_interrupt_on_signals();	/* SIGTERM/SIGINT stop the agent's group and end the loop */
	if (proc_interrupted())
		return 0;
	/* the lease outlives the timeout a little, so the reaper never races a live run */
	if ((rc = job_lease(c->st, (int)getpid(), now, c->cfg->job_timeout_s + 60, &j, e)) <= 0)
		return rc;
	r->job_id = j.id;
	r->attempt = j.attempts;
	str_copy(r->work_item, sizeof(r->work_item), j.work_item);
	str_copy(r->agent, sizeof(r->agent), j.agent);
	if (job_run_start(c->st, &j, (int)getpid(), e) < 0 || task_get(c->st, j.work_item, &t, e) < 0) {
		job_free(&j);
		return -1;
	}
	run_agent(c, &t, &j, r, &sub);
	struct job_outcome o = {
		.ok = strcmp(r->proc_status, "ok") == 0, .exit_code = r->exit_code, .status = r->proc_status,
		.duration_ms = r->duration_ms, .log_path = r->log_path, .reason = r->reason,
		.interrupted = strcmp(r->proc_status, "interrupted") == 0,
	};
	rc = job_complete(c->st, &j, &o, c->cfg->job_max_attempts, c->cfg->job_backoff_s, (int64_t)time(NULL),
	    &r->job_status, e);
	if (rc == 0 && o.ok) {
		r->advanced = 1;
		engine_advance(c, j.work_item, j.agent, 0, &r->adv);
	}
	job_free(&j);
	return rc < 0 ? -1 : 1;
}
