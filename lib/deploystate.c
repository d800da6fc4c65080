/* deploystate: the deploy sentinels and the hook run below the engine (deploystate.h). */
#include "deploystate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "buf.h"
#include "config.h"
#include "ctx.h"
#include "err.h"
#include "git.h"
#include "proc.h"
#include "store.h"
#include "task.h"
#include "util.h"
#include "wi.h"
#include "workspace.h"

int
deploy_state_dir(const struct config *cfg, const struct task *t, char *out, size_t n)
{
	return str_fmt(out, n, "%s/deploy-state/%s/%s", cfg->home, t->project, t->work_item);
}

/* The sentinel files, indexed by enum deploy_sentinel (the states in deploystate.h). */
static const char *const sentinel_file[DEPLOY_NSENTINELS] = {
	[DEPLOY_APPROVE_REQUESTED] = "approve-requested",
	[DEPLOY_INITIATED] = "initiated",
	[DEPLOY_WRAPPER_PID] = "wrapper-pid",
	[DEPLOY_HOOK_PGID] = "hook-pgid",
	[DEPLOY_RESULT] = "result",
	[DEPLOY_FINALIZED] = "finalized",
	[DEPLOY_WATCH] = "watch",
	[DEPLOY_WATCHED] = "watched",
};

const char *
deploy_sentinel_file(enum deploy_sentinel s)
{
	return (unsigned)s < DEPLOY_NSENTINELS ? sentinel_file[s] : "unknown";
}

int
deploy_marker_path(const struct config *cfg, const struct task *t, enum deploy_sentinel s, char *out, size_t n)
{
	char dir[4200];

	if (deploy_state_dir(cfg, t, dir, sizeof(dir)) < 0)
		return -1;
	return str_fmt(out, n, "%s/%s", dir, deploy_sentinel_file(s));
}

int
deploy_marker(const struct config *cfg, const struct task *t, enum deploy_sentinel s)
{
	char path[4300];
	struct stat sb;

	return deploy_marker_path(cfg, t, s, path, sizeof(path)) == 0 && lstat(path, &sb) == 0;
}

void
deploy_reset(const struct config *cfg, const struct task *t)
{
	char path[4300];
	int s;

	for (s = 0; s < DEPLOY_NSENTINELS; s++)
		if (deploy_marker_path(cfg, t, (enum deploy_sentinel)s, path, sizeof(path)) == 0)
			unlink(path);
}

int
deploy_mark(const struct config *cfg, const struct task *t, enum deploy_sentinel s, const char *content,
    struct orch_err *e)
{
	char dir[4200], path[4300];

	if (deploy_state_dir(cfg, t, dir, sizeof(dir)) < 0 || mkdir_p(dir, 0700) < 0 ||
	    deploy_marker_path(cfg, t, s, path, sizeof(path)) < 0)
		return err_set(e, EX_IOERR, "cannot create the deploy state of %s under '%s'", t->work_item, cfg->home);
	return atomic_write(path, content, strlen(content), 0600, e);
}

int
deploy_read_marker(const struct config *cfg, const struct task *t, enum deploy_sentinel s, char *out, size_t n)
{
	char path[4300];
	ssize_t k;
	int fd;

	if (deploy_marker_path(cfg, t, s, path, sizeof(path)) < 0 ||
	    (fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return -1;
	k = read(fd, out, n - 1);
	close(fd);
	out[k > 0 ? k : 0] = '\0';
	return 0;
}

int
deploy_commit_artifact(struct orch_ctx *c, const struct task *t, const char *name, const char *text, struct orch_err *e)
{
	char rel[256], msg[128];

	wi_artifact_path(t->work_item, name, rel, sizeof(rel));
	snprintf(msg, sizeof(msg), "orch: %s", name);
	return ws_commit_file(c, t, rel, text, strlen(text), msg, e);
}

int
deploy_write_log(struct orch_ctx *c, const struct task *t, int ok, int exit_code, const char *sha,
    struct orch_err *e)
{
	char text[1024], now[32];

	time_iso_us(time_now_us(), now);
	snprintf(text, sizeof(text), "---\ndeploy_status: %s\nhook_exit_code: %d\ndeployed_sha: %s\n---\n"
	    "# Deploy log for %s\n\n%s: deploy hook exited %d for %s.\n", ok ? "SUCCESS" : "FAILED", exit_code, sha,
	    t->work_item, now, exit_code, sha);
	return deploy_commit_artifact(c, t, "14-deploy-log.md", text, e);
}

/*
 * The hook's output to hook.log beside the sentinels.  The deploy has run
 * whatever happens here: a log that cannot be written is an event, not a
 * failed deploy.
 */
static void
save_hook_log(struct orch_ctx *c, const struct task *t, const struct proc_result *pr)
{
	struct orch_err e = {0};
	char logp[4300], msg[1400];
	struct buf b;
	int rc;

	if (deploy_state_dir(c->cfg, t, logp, sizeof(logp)) < 0 || mkdir_p(logp, 0700) < 0 ||
	    str_fmt(logp + strlen(logp), sizeof(logp) - strlen(logp), "/" DEPLOY_HOOK_LOG) < 0) {
		rc = err_set(&e, EX_IOERR, "cannot create the deploy state directory");
	} else {
		buf_init(&b, 2 * PROC_DEFAULT_CAP);	/* room for both capped outputs */
		if (buf_append(&b, buf_str(&pr->out), pr->out.len) < 0 || buf_append(&b, buf_str(&pr->err), pr->err.len) < 0)
			rc = err_set(&e, EX_IOERR, "out of memory");
		else
			rc = atomic_write_file(logp, &b, &e);
		buf_free(&b);
	}
	if (rc == 0)
		return;
	snprintf(msg, sizeof(msg), "the deploy hook's output could not be saved to '%s': %s", logp, e.msg);
	err_clear(&e);
	event_add(c->st, t->work_item, "deploy_hook_log_lost", NULL, NULL, msg, &e);
}

int
deploy_hook_cmd(const struct project *p, const struct task *t, const char *sha, struct deploy_hook_cmd *h)
{
	static const char *const names[] = { "{work_item}", "{project}", "{branch}", "{worktree}", "{sha}" };
	static const char *const vars[] = { "ORCH_WORK_ITEM", "ORCH_PROJECT", "ORCH_BRANCH", "ORCH_WORKTREE",
		"ORCH_DEPLOY_SHA" };
	const char *values[] = { t->work_item, t->project, t->branch, t->worktree, sha };
	size_t n = argv_len(p->deploy_hook), i;

	memset(h, 0, sizeof(*h));
	if ((h->argv = calloc(n + 1, sizeof(*h->argv))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if ((h->argv[i] = str_expand(p->deploy_hook[i], names, values, 5)) == NULL)
			goto fail;
	for (i = 0; i < 5; i++)
		if (asprintf(&h->env[i], "%s=%s", vars[i], values[i]) < 0) {
			h->env[i] = NULL;
			goto fail;
		}
	return 0;
fail:
	deploy_hook_cmd_free(h);
	return -1;
}

void
deploy_hook_cmd_free(struct deploy_hook_cmd *h)
{
	size_t i;

	argv_free(h->argv);
	for (i = 0; i < 5; i++)
		free(h->env[i]);
	memset(h, 0, sizeof(*h));
}

int
deploy_run_hook(struct orch_ctx *c, const struct project *p, const struct task *t, struct orch_err *e)
{
	struct deploy_hook_cmd h;
	char sha[41];
	struct proc_result pr;
	int code;

	task_tested_sha(c->st, t, sha);
	if (deploy_marker(c->cfg, t, DEPLOY_INITIATED)) {
		/* an earlier run started it and died: never run a deploy twice; record it as failed */
		if (deploy_write_log(c, t, 0, 130, sha, e) < 0)
			return -1;
		return deploy_mark(c->cfg, t, DEPLOY_FINALIZED, "INTERRUPTED\n", e);
	}
	if (deploy_hook_cmd(p, t, sha, &h) < 0)
		return err_set(e, EX_CONFIG, "the deploy hook of %s cannot be built (an argument over 64 KiB?); fix "
		    "deploy_hook in orch.yaml", t->work_item);
	if (deploy_mark(c->cfg, t, DEPLOY_INITIATED, "\n", e) < 0) {
		deploy_hook_cmd_free(&h);
		return -1;
	}
	struct proc_spec s = {
		.argv = (const char *const *)h.argv, .cwd = t->worktree, .env_extra = (const char *const *)h.env,
		.timeout_ms = c->cfg->job_timeout_s * 1000, .tool = "deploy_hook", .observe = store_tool_observe,
		.observe_ctx = c->st,
	};
	proc_run(&s, &pr);
	deploy_hook_cmd_free(&h);
	code = proc_exit_code(&pr);
	save_hook_log(c, t, &pr);
	proc_result_free(&pr);
	if (deploy_write_log(c, t, code == 0, code, sha, e) < 0)
		return -1;
	if (code == 0 && (p->health_cmd || p->health_url) && deploy_arm_watch(c, t, e) < 0) {
		/* the deploy happened: finalize it all the same, then say the watch is not armed */
		struct orch_err fe = {0};
		if (deploy_mark(c->cfg, t, DEPLOY_FINALIZED, "SUCCESS\n", &fe) < 0)
			*e = fe;
		return -1;
	}
	return deploy_mark(c->cfg, t, DEPLOY_FINALIZED, code == 0 ? "SUCCESS\n" : "FAILED\n", e);
}

int
deploy_arm_watch(struct orch_ctx *c, const struct task *t, struct orch_err *e)
{
	/* the row first: a crash between the two leaves a flag the monitor clears, never a watch it cannot see */
	if (task_set_watching(c->st, t, 1, e) < 0)
		return -1;
	return deploy_mark(c->cfg, t, DEPLOY_WATCH, "0 0\n", e);
}
