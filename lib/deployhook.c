/* deployhook: running a deploy hook and logging it, below the engine (deployhook.h). */
#include "deployhook.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "atomic.h"
#include "buf.h"
#include "config.h"
#include "ctx.h"
#include "deploystate.h"
#include "err.h"
#include "proc.h"
#include "sizes.h"
#include "store.h"
#include "task.h"
#include "util.h"
#include "wi.h"
#include "workspace.h"

/* What the wrapper knows of its hook: where its sentinels go, and what could not be recorded. */
struct hook_note {
	const char *dir;
	char why[1200];
};

/*
 * The hook's process group, for a finalizer that must stop a deploy past
 * deploy_timeout_s.  The hook already runs: a failure here is noted for
 * hook.log, and past the timeout the finalizer still stops the wrapper.
 */
static void
note_hook_pgid(void *ctx, long pid)
{
	struct hook_note *n = ctx;
	struct orch_err e = { 0 };
	char v[32];

	snprintf(v, sizeof(v), "%ld\n", pid);
	if (deploy_mark_dir(n->dir, DEPLOY_HOOK_PGID, v, &e) == 0)
		return;
	snprintf(n->why, sizeof(n->why),
	    "orch-deploy: cannot record the hook's process group %ld: %s; past "
	    "deploy_timeout_s only the wrapper is stopped\n",
	    pid, e.msg);
}

int
deploy_hook_wrapper(const char *dir, const char *cwd, int timeout_s, const char *const *argv)
{
	struct hook_note note = { .dir = dir };
	struct proc_spec s = { .argv = argv,
		.cwd = cwd,
		.timeout_ms = timeout_s * 1000,
		.out_cap = BUF_MIB,
		.on_start = note_hook_pgid,
		.on_start_ctx = &note };
	struct proc_result pr;
	char code[16];
	int rc;

	/* who runs the hook: orch-deploy --finalize tells a dead wrapper from a slow hook */
	snprintf(code, sizeof(code), "%ld\n", (long)getpid());
	if (deploy_mark_dir(dir, DEPLOY_WRAPPER_PID, code, NULL) < 0)
		return 74;
	proc_run(&s, &pr);
	rc = proc_exit_code(&pr);
	/* the result first: whoever reads the output may be gone (an orch-advance killed meanwhile) */
	snprintf(code, sizeof(code), "%d\n", rc);
	if (deploy_mark_dir(dir, DEPLOY_RESULT, code, NULL) < 0)
		rc = 74;
	/* the wrapper is a process of its own: its stdout and stderr are hook.log (or orch-advance's pipes)
	 */
	fputs(buf_str(&pr.out), stdout);
	fputs(buf_str(&pr.err), stderr);
	fputs(note.why, stderr);
	proc_result_free(&pr);
	return rc;
}

int
deploy_commit_artifact(
    struct orch_ctx *c, const struct task *t, const char *name, const char *text, struct orch_err *e)
{
	char rel[256], msg[128];

	wi_artifact_path(t->work_item, name, rel, sizeof(rel));
	snprintf(msg, sizeof(msg), "orch: %s", name);
	return ws_commit_file(c, t, rel, text, strlen(text), msg, e);
}

int
deploy_write_log(
    struct orch_ctx *c, const struct task *t, int ok, int exit_code, const char *sha, struct orch_err *e)
{
	char text[1024], now[32];

	time_iso_us(time_now_us(), now);
	snprintf(text, sizeof(text),
	    "---\ndeploy_status: %s\nhook_exit_code: %d\ndeployed_sha: %s\n---\n"
	    "# Deploy log for %s\n\n%s: deploy hook exited %d for %s.\n",
	    ok ? "SUCCESS" : "FAILED", exit_code, sha, t->work_item, now, exit_code, sha);
	if (ok)
		return deploy_commit_artifact(c, t, "14-deploy-log.md", text, e);
	/* a failed deploy's log stays here: committed to the branch it would land on main with the next merge
	 */
	return deploy_state_file(c->cfg, t, DEPLOY_FAILED_LOG, text, e);
}

/*
 * The hook's output to hook.log beside the sentinels.  The deploy has run
 * whatever happens here: a log that cannot be written is an event, not a
 * failed deploy.
 */
static void
save_hook_log(struct orch_ctx *c, const struct task *t, const struct proc_result *pr)
{
	struct orch_err e = { 0 };
	char logp[ORCH_PATH_MAX_2], msg[1400];
	struct buf b;
	int rc;

	if (deploy_state_dir(c->cfg, t, logp, sizeof(logp)) < 0 || mkdir_p(logp, 0700) < 0 ||
	    str_fmt(logp + strlen(logp), sizeof(logp) - strlen(logp), "/" DEPLOY_HOOK_LOG) < 0) {
		rc = err_set(&e, EX_IOERR, "cannot create the deploy state directory");
	} else {
		buf_init(&b, 2 * PROC_DEFAULT_CAP); /* room for both capped outputs */
		if (buf_append(&b, buf_str(&pr->out), pr->out.len) < 0 ||
		    buf_append(&b, buf_str(&pr->err), pr->err.len) < 0)
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
	return deploy_cmd_for(p->deploy_hook, t, sha, h);
}

int
deploy_cmd_for(char *const *cmd, const struct task *t, const char *sha, struct deploy_hook_cmd *h)
{
	static const char *const names[] = { "{work_item}", "{project}", "{branch}", "{worktree}", "{sha}" };
	static const char *const vars[] = { "ORCH_WORK_ITEM", "ORCH_PROJECT", "ORCH_BRANCH", "ORCH_WORKTREE",
		"ORCH_DEPLOY_SHA" };
	const char *values[] = { t->work_item, t->project, t->branch, t->worktree, sha };
	size_t n = argv_len(cmd), i;

	memset(h, 0, sizeof(*h));
	if ((h->argv = calloc(n + 1, sizeof(*h->argv))) == NULL)
		return -1;
	for (i = 0; i < n; i++)
		if ((h->argv[i] = str_expand(cmd[i], names, values, 5)) == NULL)
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
deploy_wrapper_path(char *out, size_t n)
{
	char self[PATH_MAX], *slash;
	ssize_t k = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (k <= 0)
		return -1;
	self[k] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return -1;
	*slash = '\0';
	return str_fmt(out, n, "%s/orch-deploy", self);
}

void
deploy_wrapper_argv(const char **argv, const char *wrapper, const char *dir, const char *worktree,
    int timeout_s, char tmo[16], char *const *hook)
{
	size_t n = 0, i;

	snprintf(tmo, 16, "%d", timeout_s);
	argv[n++] = wrapper;
	argv[n++] = "--run-hook";
	argv[n++] = dir;
	argv[n++] = worktree;
	argv[n++] = tmo;
	argv[n++] = "--";
	for (i = 0; hook[i] && n < 39; i++)
		argv[n++] = hook[i];
	argv[n] = NULL;
}

/* The hook ended with code: 14-deploy-log.md, the watch when it is armed, FINALIZED.  0 / -1. */
static int
hook_finish(struct orch_ctx *c, const struct project *p, const struct task *t, const char *sha, int code,
    struct orch_err *e)
{
	int mine = deploy_row_result(c, t, code, e);

	if (mine <=
	    0) /* another host recorded it lost meanwhile and logged it: an alert says what ended here */
		return mine < 0 ? -1 : deploy_mark(c, t, DEPLOY_FINALIZED, "INTERRUPTED\n", e);
	if (deploy_write_log(c, t, code == 0, code, sha, e) < 0)
		return -1;
	if (code == 0 && (p->health_cmd || p->health_url) && deploy_arm_watch(c, t, e) < 0) {
		/* the deploy happened: finalize it all the same, then say the watch is not armed */
		struct orch_err fe = { 0 };
		if (deploy_mark(c, t, DEPLOY_FINALIZED, "SUCCESS\n", &fe) < 0)
			*e = fe;
		return -1;
	}
	return deploy_mark(c, t, DEPLOY_FINALIZED, code == 0 ? "SUCCESS\n" : "FAILED\n", e);
}

/*
 * INITIATED without FINALIZED: an earlier run started the hook and died
 * (SIGKILL runs no handler).  Its wrapper's RESULT is logged; a hook that
 * still runs is waited for (1); one that ended without a result is logged
 * FAILED (INTERRUPTED), never run again.  0 / 1 / -1.
 */
static int
hook_resume(
    struct orch_ctx *c, const struct project *p, const struct task *t, const char *sha, struct orch_err *e)
{
	struct deploy_started s;
	long long code, wrapper, hook;

	if (deploy_marker(c, t, DEPLOY_RESULT)) {
		if (deploy_marker_num(c, t, DEPLOY_RESULT, 255, &code) < 0)
			code = 255; /* unreadable: not a success */
		return hook_finish(c, p, t, sha, (int)code, e);
	}
	if (deploy_read_started(c, t, &s) < 0)
		s.pgid = 0;
	deploy_marker_num(c, t, DEPLOY_WRAPPER_PID, INT_MAX, &wrapper);
	deploy_marker_num(c, t, DEPLOY_HOOK_PGID, INT_MAX, &hook);
	if (proc_group_alive((long)s.pgid) || proc_alive((long)wrapper) || proc_group_alive((long)hook))
		return 1;
	if (deploy_marker(c, t, DEPLOY_RESULT)) /* written as the wrapper ended, between the looks */
		return hook_resume(c, p, t, sha, e);
	if (deploy_write_log(c, t, 0, 130, sha, e) < 0)
		return -1;
	return deploy_mark(c, t, DEPLOY_FINALIZED, "INTERRUPTED\n", e);
}

/*
 * What the wrapper's on_start records: its process group in the claim and in
 * INITIATED, before the wrapper may run (proc.h), so a SIGKILL of this
 * process never leaves a hook running that neither names.
 */
struct hook_start {
	struct orch_ctx *c;
	const struct task *t;
	struct deploy_started *s;
	struct task_child tc;
};

static void
note_wrapper(void *ctx, long pgid)
{
	struct hook_start *h = ctx;
	struct orch_err e = { 0 };

	task_claim_child(&h->tc, pgid);
	h->s->pgid = pgid;
	/* best effort: the wrapper writes wrapper-pid and hook-pgid itself, which say the same */
	if (deploy_write_started(h->c, h->t, h->s, &e) < 0)
		err_clear(&e);
}

/* The code the hook ended with: its wrapper's RESULT, else the wrapper's own exit (it could not write one).
 */
static int
hook_code(struct orch_ctx *c, const struct task *t, const struct proc_result *pr)
{
	long long code;

	if (deploy_marker_num(c, t, DEPLOY_RESULT, 255, &code) == 0)
		return (int)code;
	return proc_exit_code(pr);
}

int
deploy_run_hook(struct orch_ctx *c, const struct project *p, const struct task *t, struct orch_err *e)
{
	char sha[ORCH_SHA_BUF], dir[ORCH_PATH_MAX_1], wrapper[PATH_MAX], tmo[16];
	const char *argv[40];
	struct deploy_hook_cmd h;
	struct deploy_started s;
	struct proc_result pr;
	int code;

	if (task_tested_sha(c->st, t, sha, e) < 0)
		return -1;
	switch (deploy_has(c, t, DEPLOY_INITIATED, e)) {
	case 1: return hook_resume(c, p, t, sha, e);
	case 0: break;
	default: return -1; /* not knowing whether it started is no reason to start it */
	}
	/* a shared store: the deploys row is the once-only record across hosts, taken before INITIATED */
	switch (deploy_row_gate(c, p, t, sha, e)) {
	case 1: break;
	case 2: return hook_resume(c, p, t, sha, e); /* another host's, lost: logged FAILED here */
	case 0: e->code = 0; return 1;               /* e->msg says where it runs; the engine waits */
	default: return -1;
	}
	if (deploy_state_dir(c->cfg, t, dir, sizeof(dir)) < 0 ||
	    deploy_wrapper_path(wrapper, sizeof(wrapper)) < 0)
		return err_set(e, EX_SOFTWARE,
		    "cannot locate orch-deploy (the deploy hook's wrapper) beside this command "
		    "or the deploy state of %s; install orch's commands in one directory",
		    t->work_item);
	if (deploy_hook_cmd(p, t, sha, &h) < 0)
		return err_set(e, EX_CONFIG,
		    "the deploy hook of %s cannot be built (an argument over 64 KiB?); fix "
		    "deploy_hook in orch.yaml",
		    t->work_item);
	deploy_started_now(&s, "", c->cfg->job_timeout_s);
	if (mkdir_p(dir, 0700) < 0 || deploy_write_started(c, t, &s, e) < 0) {
		deploy_hook_cmd_free(&h);
		return e->code ? -1 : err_set(e, EX_IOERR, "cannot create the deploy state '%s'", dir);
	}
	deploy_wrapper_argv(argv, wrapper, dir, t->worktree, c->cfg->job_timeout_s, tmo, h.argv);
	struct hook_start hs = { c, t, &s, { c->st, t, TASK_CHILD_HOOK, task_claim_ttl(c->cfg) } };
	struct proc_spec ps = {
		.argv = argv,
		.cwd = t->worktree,
		.env_extra = (const char *const *)h.env,
		/* past the wrapper's own limit: it stops the hook and writes RESULT itself */
		.timeout_ms = (c->cfg->job_timeout_s + 30) * 1000,
		.tool = "deploy_hook",
		.observe = store_tool_observe,
		.observe_ctx = c->st,
		.on_start = note_wrapper,
		.on_start_ctx = &hs,
		/* the claim lives while the hook runs, however long; the hook itself is never stopped */
		.on_beat = task_claim_beat,
		.on_beat_ctx = &hs.tc,
		.beat_ms = task_claim_beat_ms(hs.tc.ttl_s),
	};
	proc_run(&ps, &pr);
	deploy_hook_cmd_free(&h);
	code = hook_code(c, t, &pr);
	save_hook_log(c, t, &pr);
	proc_result_free(&pr);
	return hook_finish(c, p, t, sha, code, e);
}
