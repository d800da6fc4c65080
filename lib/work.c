#include "work.h"

#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "brief.h"
#include "buf.h"
#include "config.h"
#include "git.h"
#include "job.h"
#include "merge.h"
#include "proc.h"
#include "sizes.h"
#include "store.h"
#include "task.h"
#include "util.h"
#include "workspace.h"

struct job_start {
	struct store *st;
	const struct job *j;
	int lease_s, lost; /* lost: the heartbeat found the lease gone (rescued by another host, cancelled) */
};

static int
write_log(const char *home, const struct job *j, const struct proc_result *pr, char *path, size_t n,
    struct orch_err *e)
{
	char dir[ORCH_PATH_MAX_1];
	struct buf b;
	int rc;

	if (str_fmt(dir, sizeof(dir), "%s/logs/jobs", home) < 0 || mkdir_p(dir, 0700) < 0 ||
	    str_fmt(
		path, n, "%s/%s-job%lld-attempt%d.log", dir, j->work_item, (long long)j->id, j->attempts) < 0)
		return err_set(e, EX_IOERR, "cannot create the job log directory under '%s'", home);
	buf_init(&b, 2 * PROC_DEFAULT_CAP + 4096);
	buf_addf(&b, "== %s job %lld attempt %d for %s (%s)\n== stdout%s\n", j->agent, (long long)j->id,
	    j->attempts, j->work_item, proc_status_name(pr->status), pr->out_truncated ? " (truncated)" : "");
	/* sized for both capped outputs: only a failed allocation stops it */
	if (buf_append(&b, buf_str(&pr->out), pr->out.len) < 0 ||
	    buf_printf(&b, "\n== stderr%s\n", pr->err_truncated ? " (truncated)" : "") < 0 ||
	    buf_append(&b, buf_str(&pr->err), pr->err.len) < 0)
		rc = err_set(
		    e, EX_IOERR, "out of memory writing the log of job %lld to '%s'", (long long)j->id, path);
	else
		rc = atomic_write(path, buf_str(&b), b.len, 0600, e);
	buf_free(&b);
	return rc;
}

static void
note_agent(void *ctx, long pid)
{
	const struct job_start *js = ctx;
	struct orch_err e = { 0 };

	/* best effort: the reaper also has the runner's pid */
	if (job_note_agent(js->st, js->j, pid, &e) == 0)
		return;
	/* cancelled before its group was noted (engine_stop could not stop it): it stops itself now */
	if (e.code == 0)
		proc_kill_group(pid);
}

/*
 * The heartbeat while the agent runs (proc_spec.on_beat): the lease renewed
 * in the store's clock.  Lost (the reaper of another host rescued the job
 * after the lease ran out, or a person cancelled it): the agent is stopped,
 * and its late outcome is discarded by the token anyway.  A store that
 * cannot answer now is no proof of loss: the agent runs on.
 */
static int
heartbeat(void *ctx)
{
	struct job_start *js = ctx;
	struct orch_err e = { 0 };

	if (job_renew(js->st, js->j, js->lease_s, &e) != 0)
		return 0;
	js->lost = 1;
	return 1;
}

/*
 * The job's brief (lib/brief.h) written to its file; its path into path.
 * 0, or -1 with r saying why the agent was not started (the job is retried).
 */
static int
write_brief(struct orch_ctx *c, const struct task *t, const struct job *j, struct buf *b, char *path,
    size_t n, struct work_result *r)
{
	struct orch_err e = { 0 };

	if (brief_build(c, t, j->stage, j->id, b, &e) < 0) {
		buf_init(b, 1); /* nothing held: the caller's buf_free stays harmless */
	} else if (brief_write(c->cfg->home, t, j->id, b, path, n, &e) == 0) {
		return 0;
	}
	buf_free(b);
	snprintf(r->proc_status, sizeof(r->proc_status), "spawn_error");
	snprintf(r->reason, sizeof(r->reason), "not started: the brief could not be written (%s)", e.msg);
	return -1;
}

/*
 * An agent_user reads its brief: the file is given to it and the
 * directories above it up to orch's home are passable (0711), not
 * listable.  0, or -1 with r's status set.
 */
static int
give_brief(struct orch_ctx *c, const struct proc_user *u, const char *path, struct work_result *r)
{
	char dir[ORCH_PATH_MAX_2], *slash;
	struct orch_err e = { 0 };

	str_copy(dir, sizeof(dir), path);
	while ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		if (strcmp(dir, c->cfg->home) == 0 || chmod(dir, 0711) < 0)
			break;
	}
	if (proc_user_chown_tree(u, path, &e) == 0)
		return 0;
	snprintf(r->proc_status, sizeof(r->proc_status), "spawn_error");
	snprintf(r->reason, sizeof(r->reason), "not started: the brief could not be given to agent_user (%s)",
	    e.msg);
	return -1;
}

/* The agent's environment: ORCH_* for the task, the job and its brief (env has room for 10). */
static int
agent_env(const struct task *t, const struct job *j, const char *brief, char **env)
{
	char arts[2048];

	if (brief_artifacts(t, j->stage, arts, sizeof(arts)) < 0)
		arts[0] = '\0';
	return asprintf(&env[0], "ORCH_WORK_ITEM=%s", t->work_item) < 0 ||
		asprintf(&env[1], "ORCH_STAGE=%s", j->stage) < 0 ||
		asprintf(&env[2], "ORCH_WORKTREE=%s", t->worktree) < 0 ||
		asprintf(&env[3], "ORCH_BRANCH=%s", t->branch) < 0 ||
		asprintf(&env[4], "ORCH_AGENT=%s", j->agent) < 0 ||
		asprintf(&env[5], "ORCH_JOB_ID=%lld", (long long)j->id) < 0 ||
		asprintf(&env[6], "ORCH_BRIEF_FILE=%s", brief) < 0 ||
		asprintf(&env[7], "ORCH_ARTIFACTS=%s", arts) < 0 ||
		asprintf(&env[8], "ORCH_TASK_DESC=%s", j->description) < 0
	    ? -1
	    : 0;
}

static void
lost(struct work_result *r, const char *when)
{
	snprintf(r->proc_status, sizeof(r->proc_status), "lost");
	snprintf(r->reason, sizeof(r->reason), "the job's lease was lost %s", when);
}

/* The lease still ours right before the agent starts: never two runners of one job at once.  1 / 0. */
static int
lease_still_ours(struct orch_ctx *c, const struct job *j, struct work_result *r)
{
	struct orch_err e = { 0 };

	if (job_renew(c->st, j, c->cfg->job_lease_s, &e) != 0)
		return 1; /* ours, or the store cannot answer now: no proof of loss */
	lost(r, "before its agent started (rescued by another host, or cancelled): not run");
	return 0;
}

/* Run the agent on its brief; fills outcome fields of r. */
static void
run_agent(
    struct orch_ctx *c, const struct task *t, const struct job *j, struct work_result *r, struct orch_err *e)
{
	const struct project *p = config_project(c->cfg, t->project);
	char *const *cmd = p ? config_agent(p, j->agent) : NULL;
	char **argv = NULL, *env[10] = { NULL }, brief[ORCH_PATH_MAX_2];
	struct proc_result pr;
	struct job_start js = { .st = c->st, .j = j, .lease_s = c->cfg->job_lease_s };
	struct proc_user user;
	struct orch_err ue = { 0 };
	struct buf b;
	size_t i, n;

	r->exit_code = -1;
	if (cmd == NULL) {
		snprintf(r->proc_status, sizeof(r->proc_status), "not_found");
		snprintf(r->reason, sizeof(r->reason),
		    "no agent command for '%s' in project '%s'; add agents: %s: "
		    "(or default:) to orch.yaml",
		    j->agent, t->project, j->agent);
		return;
	}
	/* agent_user: resolved here, in the parent; the child only switches to it (proc.h guarantee 9) */
	if (c->cfg->agent_user && proc_user_lookup(c->cfg->agent_user, &user, &ue) < 0) {
		snprintf(r->proc_status, sizeof(r->proc_status), "spawn_error");
		snprintf(r->reason, sizeof(r->reason), "%s", ue.msg);
		return;
	}
	if (!lease_still_ours(c, j, r))
		return;
	if (write_brief(c, t, j, &b, brief, sizeof(brief), r) < 0)
		return;
	if (c->cfg->agent_user && give_brief(c, &user, brief, r) < 0) {
		buf_free(&b);
		return;
	}
	n = argv_len(cmd);
	argv = calloc(n + 1, sizeof(*argv));
	for (i = 0; argv && i < n; i++)
		if ((argv[i] = job_expand_arg(
			 cmd[i], t->work_item, t->stage, t->worktree, t->branch, brief)) == NULL)
			break;
	if (argv == NULL || i < n || agent_env(t, j, brief, env) < 0) {
		snprintf(r->proc_status, sizeof(r->proc_status), "spawn_error");
		snprintf(r->reason, sizeof(r->reason), "cannot build the agent command (argument too long)");
		goto out;
	}
	struct proc_spec s = {
		.argv = (const char *const *)argv,
		.cwd = t->worktree,
		.env_extra = (const char *const *)env,
		.timeout_ms = c->cfg->job_timeout_s * 1000,
		.stdin_data = buf_str(&b),
		.stdin_len = b.len,
		.tool = j->agent,
		.observe = store_tool_observe,
		.observe_ctx = c->st,
		.on_start = note_agent,
		.on_start_ctx = &js,
		.on_beat = heartbeat,
		.on_beat_ctx = &js,
		.beat_ms = c->cfg->job_lease_s * 1000 / 4,
		.run_as = c->cfg->agent_user ? &user : NULL,
	};
	proc_run(&s, &pr);
	snprintf(r->proc_status, sizeof(r->proc_status), "%s", proc_status_name(pr.status));
	r->exit_code = pr.status == PROC_OK || pr.status == PROC_EXIT_NONZERO ? pr.exit_code : -1;
	r->duration_ms = pr.elapsed_ms;
	proc_describe(&pr, r->reason, sizeof(r->reason));
	if (js.lost)
		lost(r,
		    "while its agent ran (another host rescued it after the lease ran out, or it was "
		    "cancelled): the agent was stopped");
	if (write_log(c->cfg->home, j, &pr, r->log_path, sizeof(r->log_path), e) < 0)
		r->log_path[0] = '\0';
	proc_result_free(&pr);
out:
	for (i = 0; i < 10; i++)
		free(env[i]);
	argv_free(argv);
	buf_free(&b);
}

/*
 * Before an agent runs: the workspace's own commits first (so nothing of it
 * is lost), then orch's branch head handed to it (its reports, a rebase).
 * One host: best effort, the agent still runs on what it has and the gate
 * judges.  A shared store: the agent must start from the remote's branch
 * (its publish would otherwise leave its work for the remote's, which
 * wins), so a failure is -1 with e and the job waits for a later run.
 */
static int
workspace_prepare(struct orch_ctx *c, const struct task *t, struct orch_err *e)
{
	const struct project *p = config_project(c->cfg, t->project);
	int shared = c->cfg->store != NULL && p != NULL && p->remote != NULL, moved = 0, st;

	/* another host started the item: this host's workspace is made from the remote's branch */
	if (p != NULL && merge_workspace_ensure(c, p, t, e) < 0)
		goto failed;
	st = ws_import(c, t, &moved, e);
	/* a detached HEAD was judged red already: the next agent starts on the branch again */
	if (st == WS_RED)
		err_clear(e);
	else if (st != WS_OK) /* a person's git operation in progress, or the import failed */
		goto failed;
	/*
	 * the branch as the remote has it now: another host's agent (or a person) may have pushed since
	 * this host last looked; an agent that ran on an older head would judge and build on old work
	 */
	if (st == WS_OK && p != NULL && merge_branch_exchange(c, p, t, 1, e) <= 0) {
		event_add(c->st, t->work_item, "branch_exchange_failed", t->stage, t->stage, e->msg, NULL);
		if (shared)
			return -1;
		err_clear(e);
	}
	if (ws_sync(c, t, e) == 0)
		return 0;
	/*
	 * handing orch's branch to the workspace stays best effort everywhere (an agent_user may not reach
	 * the workspace's path through orch's home): the gate judges what the agent commits
	 */
	event_add(c->st, t->work_item, "workspace_sync_failed", t->stage, t->stage, e->msg, NULL);
	err_clear(e);
	return 0;
failed:
	event_add(c->st, t->work_item, "workspace_sync_failed", t->stage, t->stage, e->msg, NULL);
	if (shared)
		return -1;
	err_clear(e);
	return 0;
}

/*
 * After an agent ran: its commits into orch's branch and on to the remote,
 * so that a gate on any host judges them (docs/multi-host.md); the head is
 * recorded with the job, and a gate waits until its host has it.  Best
 * effort, as workspace_prepare: the gate of this host imports them anyway.
 */
static void
workspace_publish(struct orch_ctx *c, const struct task *t, struct work_result *r)
{
	const struct project *p = config_project(c->cfg, t->project);
	struct git repo = { .dir = t->repo, .st = c->st };
	struct orch_err e = { 0 };
	char ref[300];
	int moved = 0;

	/* a run whose lease was lost is nobody's: its commits stay in this host's workspace */
	if (p == NULL || p->remote == NULL || strcmp(r->proc_status, "lost") == 0)
		return;
	if (ws_import(c, t, &moved, &e) != WS_OK || merge_branch_exchange(c, p, t, 1, &e) < 0) {
		if (e.msg[0])
			event_add(
			    c->st, t->work_item, "branch_exchange_failed", t->stage, t->stage, e.msg, NULL);
		return;
	}
	/* recorded only when the remote has it (a push the remote refused): a gate on another host would
	 * wait for a commit that is not coming */
	snprintf(ref, sizeof(ref), "refs/heads/%s", t->branch);
	if (git_rev_parse(&repo, ref, r->result_sha, NULL) < 0 ||
	    !merge_branch_published(c, t, r->result_sha))
		r->result_sha[0] = '\0';
}

/* Tries of job_complete when orch.db stays locked: each waits db_busy_timeout_ms inside SQLite. */
#define WORK_RECORD_TRIES 4

/* job_complete, tried again while the store is busy (bounded): 0 / -1 with e. */
static int
complete_retrying(struct orch_ctx *c, const struct job *j, const struct job_outcome *o, const char **status,
    struct orch_err *e)
{
	int i;

	for (i = 1;; i++) {
		err_clear(e);
		if (job_complete(c->st, j, o, c->cfg->job_max_attempts, c->cfg->job_backoff_s,
			(int64_t)time(NULL), status, e) == 0)
			return 0;
		if (e->code != EX_TEMPFAIL || i >= WORK_RECORD_TRIES)
			return -1;
	}
}

static void
record_fill(struct job_record *rec, const struct job *j, const struct work_result *r, int finished)
{
	memset(rec, 0, sizeof(*rec));
	rec->job_id = j->id;
	rec->run_id = j->run_id;
	rec->attempt = j->attempts;
	str_copy(rec->work_item, sizeof(rec->work_item), j->work_item);
	str_copy(rec->agent, sizeof(rec->agent), j->agent);
	str_copy(rec->stage, sizeof(rec->stage), j->stage);
	rec->runner_pid = (long)getpid();
	str_copy(rec->token, sizeof(rec->token), j->token);
	rec->finished = finished;
	if (!finished)
		return;
	rec->ok = strcmp(r->proc_status, "ok") == 0;
	rec->interrupted = strcmp(r->proc_status, "interrupted") == 0;
	rec->exit_code = r->exit_code;
	str_copy(rec->status, sizeof(rec->status), r->proc_status);
	rec->duration_ms = r->duration_ms;
	str_copy(rec->log_path, sizeof(rec->log_path), r->log_path);
	str_copy(rec->reason, sizeof(rec->reason), r->reason);
}

/*
 * The store did not take a finished run: say what really happened (the
 * agent ran), where its outcome is kept and what comes next.
 */
static int
unrecorded(struct orch_ctx *c, const struct job *j, const struct work_result *r, const struct orch_err *sub,
    const char *kept_why, struct orch_err *e)
{
	char path[ORCH_PATH_MAX_2], store_why[700];

	if (job_record_path(c->cfg->home, j->id, j->attempts, path, sizeof(path)) < 0)
		path[0] = '\0';
	if (sub->code == EX_TEMPFAIL)
		snprintf(store_why, sizeof(store_why),
		    "orch.db stayed locked by another writer past db_busy_timeout_ms "
		    "(%d ms, %d tries)",
		    c->cfg->db_busy_timeout_ms, WORK_RECORD_TRIES);
	else
		snprintf(store_why, sizeof(store_why), "%s", sub->msg);
	if (kept_why == NULL)
		return err_set(e, sub->code,
		    "%s job %lld attempt %d of %s ran and ended %s (%s), but orch could not "
		    "record it: %s; the outcome is kept in '%s': the next orch-work or orch-reconcile "
		    "records it from "
		    "there and the agent is not run again",
		    j->agent, (long long)j->id, j->attempts, j->work_item, r->proc_status, r->reason,
		    store_why, path);
	return err_set(e, sub->code,
	    "%s job %lld attempt %d of %s ran and ended %s (%s), but orch could record it "
	    "neither in the store (%s) nor in '%s' (%s); %s",
	    j->agent, (long long)j->id, j->attempts, j->work_item, r->proc_status, r->reason, store_why, path,
	    kept_why,
	    job_agent_deploys(j->agent) ? "it deploys, so it is not run again: check production, then "
					  "orch-advance --agent deployer or --unblock"
					: "the reaper requeues it once this runner is gone");
}

/* The run's outcome into the store; the record is dropped once the store has it.  1 / -1. */
static int
record_run(
    struct orch_ctx *c, const struct job *j, struct work_result *r, const char *kept_why, struct orch_err *e)
{
	struct orch_err sub = { 0 };
	struct job_outcome o = {
		.ok = strcmp(r->proc_status, "ok") == 0,
		.exit_code = r->exit_code,
		.status = r->proc_status,
		.duration_ms = r->duration_ms,
		.log_path = r->log_path,
		.reason = r->reason,
		.interrupted = strcmp(r->proc_status, "interrupted") == 0,
		.result_sha = r->result_sha[0] ? r->result_sha : NULL,
	};

	if (complete_retrying(c, j, &o, &r->job_status, &sub) < 0)
		return unrecorded(c, j, r, &sub, kept_why, e);
	job_record_remove(c->cfg->home, j->id, j->attempts);
	/* lost: the job is no longer this run's (rescued by another host, cancelled): its outcome is not news
	 */
	if (o.ok && strcmp(r->job_status, "lost") != 0) {
		r->advanced = 1;
		engine_advance(c, j->work_item, j->agent, 0, &r->adv);
	}
	return 1;
}

int
work_settle(struct orch_ctx *c, const struct job_running *jr, struct work_result *r, struct orch_err *e)
{
	struct job_record rec;
	struct job_outcome o;
	struct job j;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((rc = job_record_read(c->cfg->home, jr->id, (int)jr->attempts, &rec, e)) <= 0)
		return rc;
	if (!rec.finished)
		return 0; /* started only: the agent may have acted, the reaper decides */
	job_record_outcome(&rec, &j, &o);
	r->job_id = j.id;
	r->attempt = j.attempts;
	str_copy(r->work_item, sizeof(r->work_item), j.work_item);
	str_copy(r->agent, sizeof(r->agent), j.agent);
	str_copy(r->proc_status, sizeof(r->proc_status), rec.status);
	str_copy(r->log_path, sizeof(r->log_path), rec.log_path);
	r->exit_code = rec.exit_code;
	r->duration_ms = rec.duration_ms;
	snprintf(r->reason, sizeof(r->reason), "recorded from its run record, not run again: %s", rec.reason);
	return record_run(c, &j, r, NULL, e);
}

/*
 * A running job whose runner and agent are gone but whose run record holds
 * the outcome (the runner could not record it): settle it before leasing
 * anything.  1 one settled (r), 0 none, -1 error.
 */
static int
settle_orphans(struct orch_ctx *c, struct work_result *r, struct orch_err *e)
{
	struct job_running v[64];
	struct orch_err sub = { 0 };
	int n = job_list_running(c->st, v, 64, e), i, rc;

	for (i = 0; i < n; i++) {
		if (v[i].pid == (long long)getpid() || proc_alive((long)v[i].pid) ||
		    proc_group_alive((long)v[i].pgid))
			continue;
		/* an unreadable record is the reaper's to report; other jobs still run */
		if ((rc = work_settle(c, &v[i], r, &sub)) < 0 && sub.code == EX_TEMPFAIL) {
			*e = sub;
			return -1;
		}
		if (rc > 0)
			return 1;
		err_clear(&sub);
	}
	return n < 0 ? -1 : 0;
}

/*
 * The run's start on disk before the agent is spawned.  A deploying agent
 * runs only when it is written (its outcome must survive the store); for
 * the others it is best effort.  0 run the agent, -1 not (r says why).
 */
static int
record_start(struct orch_ctx *c, const struct job *j, struct work_result *r)
{
	struct job_record rec;
	struct orch_err e = { 0 };

	record_fill(&rec, j, r, 0);
	if (job_record_write(c->cfg->home, &rec, &e) == 0 || !job_agent_deploys(j->agent))
		return 0;
	r->exit_code = -1;
	snprintf(r->proc_status, sizeof(r->proc_status), "spawn_error");
	snprintf(r->reason, sizeof(r->reason),
	    "not started: a deploy runs only when its run record can be written "
	    "(%s); fix ORCH_HOME, the job is retried",
	    e.msg);
	return -1;
}

int
work_run_one(struct orch_ctx *c, struct work_result *r, struct orch_err *e)
{
	int64_t now = (int64_t)time(NULL);
	struct orch_err sub = { 0 };
	struct job_record rec;
	const char *kept_why = NULL;
	struct task t;
	struct job j;
	int rc;

	memset(r, 0, sizeof(*r));
	merge_fetch_forget(); /* each job sees the remote as it is now (another host may have pushed) */
	proc_interrupt_on_signals(); /* SIGTERM/SIGINT stop the agent's group and end the loop */
	if (proc_interrupted())
		return 0;
	/* a finished run an earlier runner could not record is recorded, never run again */
	if ((rc = settle_orphans(c, r, e)) != 0)
		return rc;
	/* the lease lives while the heartbeat renews it; this host's reaper judges by the pid, others by it
	 */
	if ((rc = job_lease(c->st, (int)getpid(), c->cfg->host, now, c->cfg->job_lease_s, &j, e)) <= 0)
		return rc;
	r->job_id = j.id;
	r->attempt = j.attempts;
	str_copy(r->work_item, sizeof(r->work_item), j.work_item);
	str_copy(r->agent, sizeof(r->agent), j.agent);
	if (job_run_start(c->st, &j, (int)getpid(), e) < 0 || task_get(c->st, j.work_item, &t, e) < 0) {
		job_free(&j);
		return -1;
	}
	if (workspace_prepare(c, &t, &sub) < 0) {
		/* not the agent's failure: its attempt is given back, as an interrupted run's */
		r->exit_code = -1;
		snprintf(r->proc_status, sizeof(r->proc_status), "interrupted");
		snprintf(r->reason, sizeof(r->reason),
		    "not started: the workspace could not be brought to the remote's branch (%.600s); the "
		    "job runs again at the next look, no attempt charged",
		    sub.msg[0] ? sub.msg : "no reason given");
	} else if (record_start(c, &j, r) == 0) {
		run_agent(c, &t, &j, r, &sub);
		workspace_publish(c, &t, r);
		/* the outcome on disk first: the store may be locked now */
		record_fill(&rec, &j, r, 1);
		if (job_record_write(c->cfg->home, &rec, &sub) < 0)
			kept_why = sub.msg;
	}
	rc = record_run(c, &j, r, kept_why, e);
	job_free(&j);
	return rc;
}
