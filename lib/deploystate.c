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

int
deploy_state_dir(const struct config *cfg, const struct task *t, char *out, size_t n)
{
	return str_fmt(out, n, "%s/deploy-state/%s/%s", cfg->home, t->project, t->work_item);
}

int
deploy_marker(const struct config *cfg, const struct task *t, const char *name)
{
	char dir[4200], path[4300];
	struct stat sb;

	return deploy_state_dir(cfg, t, dir, sizeof(dir)) == 0 && str_fmt(path, sizeof(path), "%s/%s", dir, name) == 0 &&
	    lstat(path, &sb) == 0;
}

void
deploy_reset(const struct config *cfg, const struct task *t)
{
	static const char *const names[] = { "approve-requested", "initiated", "wrapper-pid", "hook-pgid", "result", "finalized",
		"watch", "watched", NULL };
	char dir[4200], path[4300];
	size_t i;

	if (deploy_state_dir(cfg, t, dir, sizeof(dir)) < 0)
		return;
	for (i = 0; names[i]; i++)
		if (str_fmt(path, sizeof(path), "%s/%s", dir, names[i]) == 0)
			unlink(path);
}

int
deploy_mark(const struct config *cfg, const struct task *t, const char *name, const char *content,
    struct orch_err *e)
{
	char dir[4200], path[4300];

	if (deploy_state_dir(cfg, t, dir, sizeof(dir)) < 0 || mkdir_p(dir, 0700) < 0 ||
	    str_fmt(path, sizeof(path), "%s/%s", dir, name) < 0)
		return err_set(e, EX_IOERR, "cannot create the deploy state of %s under '%s'", t->work_item, cfg->home);
	return atomic_write(path, content, strlen(content), 0600, e);
}

int
deploy_read_marker(const struct config *cfg, const struct task *t, const char *name, char *out, size_t n)
{
	char dir[4200], path[4300];
	ssize_t k;
	int fd;

	if (deploy_state_dir(cfg, t, dir, sizeof(dir)) < 0 || str_fmt(path, sizeof(path), "%s/%s", dir, name) < 0 ||
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
	struct git wt = { .dir = t->worktree, .st = c->st };
	char rel[256], full[4400], dir[4400], msg[128];

	wi_artifact_path(t->work_item, name, rel, sizeof(rel));
	snprintf(dir, sizeof(dir), "%s/docs/work-items/%s", t->worktree, t->work_item);
	snprintf(msg, sizeof(msg), "orch: %s", name);
	if (mkdir_p(dir, 0755) < 0 || str_fmt(full, sizeof(full), "%s/%s", t->worktree, rel) < 0)
		return err_set(e, EX_IOERR, "cannot write %s in '%s'", rel, t->worktree);
	if (atomic_write(full, text, strlen(text), 0644, e) < 0)
		return -1;
	return git_commit_path(&wt, rel, msg, e);
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

int
deploy_run_hook(struct orch_ctx *c, const struct project *p, const struct task *t, struct orch_err *e)
{
	char sha[41], logp[4300];
	struct proc_result pr;
	int code;

	task_tested_sha(c->st, t, sha);
	if (deploy_marker(c->cfg, t, "initiated")) {
		/* an earlier run started it and died: never run a deploy twice; record it as failed */
		if (deploy_write_log(c, t, 0, 130, sha, e) < 0)
			return -1;
		return deploy_mark(c->cfg, t, "finalized", "INTERRUPTED\n", e);
	}
	if (deploy_mark(c->cfg, t, "initiated", "\n", e) < 0)
		return -1;
	struct proc_spec s = {
		.argv = (const char *const *)p->deploy_hook, .cwd = t->worktree, .timeout_ms = c->cfg->job_timeout_s * 1000,
		.tool = "deploy_hook", .observe = store_tool_observe, .observe_ctx = c->st,
	};
	proc_run(&s, &pr);
	code = proc_exit_code(&pr);
	if (deploy_state_dir(c->cfg, t, logp, sizeof(logp)) == 0 && mkdir_p(logp, 0700) == 0 &&
	    str_fmt(logp + strlen(logp), sizeof(logp) - strlen(logp), "/hook.log") == 0) {
		struct buf b;
		buf_init(&b, 2 * PROC_DEFAULT_CAP);
		buf_append(&b, buf_str(&pr.out), pr.out.len);
		buf_append(&b, buf_str(&pr.err), pr.err.len);
		atomic_write_file(logp, &b, NULL);
		buf_free(&b);
	}
	proc_result_free(&pr);
	if (deploy_write_log(c, t, code == 0, code, sha, e) < 0)
		return -1;
	if (code == 0 && (p->health_cmd || p->health_url))
		deploy_mark(c->cfg, t, "watch", "0 0\n", e);
	return deploy_mark(c->cfg, t, "finalized", code == 0 ? "SUCCESS\n" : "FAILED\n", e);
}
