/* deploystate: the deploy sentinels and the hook run below the engine (deploystate.h). */
#include "deploystate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
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
#include "sizes.h"
#include "stages.h"
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
	char dir[ORCH_PATH_MAX_1];

	if (deploy_state_dir(cfg, t, dir, sizeof(dir)) < 0)
		return -1;
	return str_fmt(out, n, "%s/%s", dir, deploy_sentinel_file(s));
}

int
deploy_marker(const struct config *cfg, const struct task *t, enum deploy_sentinel s)
{
	char path[ORCH_PATH_MAX_2];
	struct stat sb;

	return deploy_marker_path(cfg, t, s, path, sizeof(path)) == 0 && lstat(path, &sb) == 0;
}

void
deploy_reset(const struct config *cfg, const struct task *t)
{
	char path[ORCH_PATH_MAX_2];
	int s;

	for (s = 0; s < DEPLOY_NSENTINELS; s++)
		if (deploy_marker_path(cfg, t, (enum deploy_sentinel)s, path, sizeof(path)) == 0)
			unlink(path);
}

int
deploy_mark(const struct config *cfg, const struct task *t, enum deploy_sentinel s, const char *content,
    struct orch_err *e)
{
	char dir[ORCH_PATH_MAX_1], path[ORCH_PATH_MAX_2];

	if (deploy_state_dir(cfg, t, dir, sizeof(dir)) < 0 || mkdir_p(dir, 0700) < 0 ||
	    deploy_marker_path(cfg, t, s, path, sizeof(path)) < 0)
		return err_set(e, EX_IOERR, "cannot create the deploy state of %s under '%s'", t->work_item, cfg->home);
	return atomic_write(path, content, strlen(content), 0600, e);
}

int
deploy_read_marker(const struct config *cfg, const struct task *t, enum deploy_sentinel s, char *out, size_t n)
{
	char path[ORCH_PATH_MAX_2];
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
	if (ok)
		return deploy_commit_artifact(c, t, "14-deploy-log.md", text, e);
	/* a failed deploy's log stays here: committed to the branch it would land on main with the next merge */
	return deploy_state_file(c->cfg, t, DEPLOY_FAILED_LOG, text, e);
}

int
deploy_state_file(const struct config *cfg, const struct task *t, const char *name, const char *text,
    struct orch_err *e)
{
	char dir[ORCH_PATH_MAX_1], path[ORCH_PATH_MAX_2];

	if (deploy_state_dir(cfg, t, dir, sizeof(dir)) < 0 || mkdir_p(dir, 0700) < 0 ||
	    str_fmt(path, sizeof(path), "%s/%s", dir, name) < 0)
		return err_set(e, EX_IOERR, "cannot create the deploy state of %s under '%s'; check that it is "
		    "writable", t->work_item, cfg->home);
	return atomic_write(path, text, strlen(text), 0600, e);
}

int
deploy_failed_code(const struct config *cfg, const struct task *t, long long *code)
{
	char v[32];

	*code = 0;
	if (deploy_read_marker(cfg, t, DEPLOY_FINALIZED, v, sizeof(v)) < 0)
		return 0;
	if (strcmp(str_trim(v), "INTERRUPTED") == 0) {
		*code = 130;
		return 1;
	}
	if (strcmp(str_trim(v), "FAILED") != 0)
		return 0;
	if (deploy_read_marker(cfg, t, DEPLOY_RESULT, v, sizeof(v)) < 0 || num_parse(str_trim(v), 0, 255, code) < 0)
		*code = 255;
	return 1;
}

int
deploy_degraded(const struct config *cfg, const struct task *t)
{
	char v[32];

	return deploy_read_marker(cfg, t, DEPLOY_WATCHED, v, sizeof(v)) == 0 && strcmp(str_trim(v), "DEGRADED") == 0;
}

/* What a blocked item held by a deploy waits for: 1 described (kind, detail), 0 not such an item. */
int
deploy_hold_describe(const struct config *cfg, const struct task *t, const char **kind, char *detail, size_t n)
{
	long long code;

	if (!t->blocked)
		return 0;
	if (strcmp(t->stage, stage_deploy()->name) == 0 && deploy_failed_code(cfg, t, &code) == 1) {
		*kind = "deploy_failed";
		snprintf(detail, n, "the production deploy failed (hook exited %lld; hook.log under deploy-state) and "
		    "is held (deploy_failure: hold): fix the cause, then orch-deploy --retry %s deploys the same "
		    "tested commit again", code, t->work_item);
		return 1;
	}
	if (stage_is_last(t->stage) && deploy_degraded(cfg, t)) {
		*kind = "degraded";
		snprintf(detail, n, "the post-deploy watch was DEGRADED: production may not run main's head (the "
		    "rollback_hook ran if set; rollback.log under deploy-state); when production is fixed: "
		    "orch-deploy --accept %s", t->work_item);
		return 1;
	}
	return 0;
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
	char logp[ORCH_PATH_MAX_2], msg[1400];
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

void
deploy_clock_now(struct deploy_clock *now)
{
	now->wall = (long long)(time_now_us() / 1000000);
	now->boottime = (long long)time_boot_s();
	time_boot_id(now->boot_id, sizeof(now->boot_id));
}

void
deploy_started_now(struct deploy_started *s, const char *sha, int limit_s)
{
	struct deploy_clock now;

	memset(s, 0, sizeof(*s));
	deploy_clock_now(&now);
	str_copy(s->sha, sizeof(s->sha), sha);
	s->wall = now.wall;
	s->boottime = now.boottime;
	str_copy(s->boot_id, sizeof(s->boot_id), now.boot_id);
	s->limit_s = limit_s;
}

int
deploy_write_started(const struct config *cfg, const struct task *t, const struct deploy_started *s,
    struct orch_err *e)
{
	char text[512];

	if (str_fmt(text, sizeof(text), "%s\nwall %lld\nboottime %lld\nboot_id %s\nlimit_s %lld\n", s->sha, s->wall,
	    s->boottime, s->boot_id[0] ? s->boot_id : "-", s->limit_s) < 0)
		return err_set(e, EX_SOFTWARE, "the deploy record of %s does not fit", t->work_item);
	if (s->pgid > 0)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "pgid %lld\n", s->pgid);
	return deploy_mark(cfg, t, DEPLOY_INITIATED, text, e);
}

/* One "key value" line of the record into s (unknown keys are skipped: a newer orch may add some). */
static void
started_line(struct deploy_started *s, char *line)
{
	char *v = strchr(line, ' ');
	long long n;

	if (v == NULL)
		return;
	*v++ = '\0';
	if (strcmp(line, "boot_id") == 0)
		str_copy(s->boot_id, sizeof(s->boot_id), strcmp(v, "-") ? v : "");
	else if (num_parse(v, -(1LL << 40), 1LL << 40, &n) < 0)
		return;
	else if (strcmp(line, "wall") == 0)
		s->wall = n;
	else if (strcmp(line, "boottime") == 0)
		s->boottime = n;
	else if (strcmp(line, "limit_s") == 0)
		s->limit_s = n;
	else if (strcmp(line, "pgid") == 0)
		s->pgid = n;
}

int
deploy_read_started(const struct config *cfg, const struct task *t, struct deploy_started *s)
{
	char text[1024], path[ORCH_PATH_MAX_2], *line, *next;
	struct stat sb;

	memset(s, 0, sizeof(*s));
	if (deploy_read_marker(cfg, t, DEPLOY_INITIATED, text, sizeof(text)) < 0 ||
	    deploy_marker_path(cfg, t, DEPLOY_INITIATED, path, sizeof(path)) < 0 || lstat(path, &sb) < 0)
		return -1;
	s->wall = (long long)sb.st_mtime;	/* an older orch's record: no stamps but its mtime */
	for (line = text; line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line == text)
			str_copy(s->sha, sizeof(s->sha), line);
		else
			started_line(s, line);
	}
	return 0;
}

long long
deploy_age_s(const struct deploy_started *s, const struct deploy_clock *now)
{
	/* the same boot: the clock that does not step; after a reboot the wall clock is all there is */
	if (s->boot_id[0] && strcmp(s->boot_id, now->boot_id) == 0)
		return now->boottime - s->boottime;
	return now->wall - s->wall;
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
deploy_wrapper_argv(const char **argv, const char *wrapper, const char *dir, const char *worktree, int timeout_s,
    char tmo[16], char *const *hook)
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

/* The exit code a sentinel holds: 0 read into *code, -1 absent or not a number. */
static int
marker_num(const struct config *cfg, const struct task *t, enum deploy_sentinel m, long long max, long long *n)
{
	char v[32];

	*n = 0;
	if (deploy_read_marker(cfg, t, m, v, sizeof(v)) < 0)
		return -1;
	return num_parse(str_trim(v), 0, max, n);
}

/*
 * INITIATED without FINALIZED: an earlier run started the hook and died
 * (SIGKILL runs no handler).  Its wrapper's RESULT is logged; a hook that
 * still runs is waited for (1); one that ended without a result is logged
 * FAILED (INTERRUPTED), never run again.  0 / 1 / -1.
 */
static int
hook_resume(struct orch_ctx *c, const struct project *p, const struct task *t, const char *sha, struct orch_err *e)
{
	struct deploy_started s;
	long long code, wrapper, hook;

	if (deploy_marker(c->cfg, t, DEPLOY_RESULT)) {
		if (marker_num(c->cfg, t, DEPLOY_RESULT, 255, &code) < 0)
			code = 255;	/* unreadable: not a success */
		return hook_finish(c, p, t, sha, (int)code, e);
	}
	if (deploy_read_started(c->cfg, t, &s) < 0)
		s.pgid = 0;
	marker_num(c->cfg, t, DEPLOY_WRAPPER_PID, INT_MAX, &wrapper);
	marker_num(c->cfg, t, DEPLOY_HOOK_PGID, INT_MAX, &hook);
	if (proc_group_alive((long)s.pgid) || proc_alive((long)wrapper) || proc_group_alive((long)hook))
		return 1;
	if (deploy_marker(c->cfg, t, DEPLOY_RESULT))	/* written as the wrapper ended, between the looks */
		return hook_resume(c, p, t, sha, e);
	if (deploy_write_log(c, t, 0, 130, sha, e) < 0)
		return -1;
	return deploy_mark(c->cfg, t, DEPLOY_FINALIZED, "INTERRUPTED\n", e);
}

/* What the wrapper's on_start records: its process group in the claim and in INITIATED. */
struct hook_start {
	const struct config *cfg;
	const struct task *t;
	struct deploy_started *s;
	struct task_child tc;
};

static void
note_wrapper(void *ctx, long pgid)
{
	struct hook_start *h = ctx;
	struct orch_err e = {0};

	task_claim_child(&h->tc, pgid);
	h->s->pgid = pgid;
	/* best effort: the wrapper writes wrapper-pid and hook-pgid itself, which say the same */
	if (deploy_write_started(h->cfg, h->t, h->s, &e) < 0)
		err_clear(&e);
}

/* The code the hook ended with: its wrapper's RESULT, else the wrapper's own exit (it could not write one). */
static int
hook_code(const struct config *cfg, const struct task *t, const struct proc_result *pr)
{
	long long code;

	if (marker_num(cfg, t, DEPLOY_RESULT, 255, &code) == 0)
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

	task_tested_sha(c->st, t, sha);
	if (deploy_marker(c->cfg, t, DEPLOY_INITIATED))
		return hook_resume(c, p, t, sha, e);
	if (deploy_state_dir(c->cfg, t, dir, sizeof(dir)) < 0 || deploy_wrapper_path(wrapper, sizeof(wrapper)) < 0)
		return err_set(e, EX_SOFTWARE, "cannot locate orch-deploy (the deploy hook's wrapper) beside this command "
		    "or the deploy state of %s; install orch's commands in one directory", t->work_item);
	if (deploy_hook_cmd(p, t, sha, &h) < 0)
		return err_set(e, EX_CONFIG, "the deploy hook of %s cannot be built (an argument over 64 KiB?); fix "
		    "deploy_hook in orch.yaml", t->work_item);
	deploy_started_now(&s, "", c->cfg->job_timeout_s);
	if (mkdir_p(dir, 0700) < 0 || deploy_write_started(c->cfg, t, &s, e) < 0) {
		deploy_hook_cmd_free(&h);
		return e->code ? -1 : err_set(e, EX_IOERR, "cannot create the deploy state '%s'", dir);
	}
	deploy_wrapper_argv(argv, wrapper, dir, t->worktree, c->cfg->job_timeout_s, tmo, h.argv);
	struct hook_start hs = { c->cfg, t, &s, { c->st, t, TASK_CHILD_HOOK } };
	struct proc_spec ps = {
		.argv = argv, .cwd = t->worktree, .env_extra = (const char *const *)h.env,
		/* past the wrapper's own limit: it stops the hook and writes RESULT itself */
		.timeout_ms = (c->cfg->job_timeout_s + 30) * 1000, .tool = "deploy_hook", .observe = store_tool_observe,
		.observe_ctx = c->st, .on_start = note_wrapper, .on_start_ctx = &hs,
	};
	proc_run(&ps, &pr);
	deploy_hook_cmd_free(&h);
	code = hook_code(c->cfg, t, &pr);
	save_hook_log(c, t, &pr);
	proc_result_free(&pr);
	return hook_finish(c, p, t, sha, code, e);
}

int
deploy_arm_watch(struct orch_ctx *c, const struct task *t, struct orch_err *e)
{
	/* the row first: a crash between the two leaves a flag the monitor clears, never a watch it cannot see */
	if (task_set_watching(c->st, t, 1, e) < 0)
		return -1;
	return deploy_mark(c->cfg, t, DEPLOY_WATCH, "0 0\n", e);
}
