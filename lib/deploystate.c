/* deploystate: the deploy sentinels, the one place their files are named, written and read (deploystate.h).
 */
#include "deploystate.h"

#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "config.h"
#include "ctx.h"
#include "err.h"
#include "sizes.h"
#include "stages.h"
#include "task.h"
#include "util.h"

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
deploy_marker_path(
    const struct config *cfg, const struct task *t, enum deploy_sentinel s, char *out, size_t n)
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
		return err_set(
		    e, EX_IOERR, "cannot create the deploy state of %s under '%s'", t->work_item, cfg->home);
	return atomic_write(path, content, strlen(content), 0600, e);
}

int
deploy_mark_dir(const char *dir, enum deploy_sentinel s, const char *content, struct orch_err *e)
{
	char path[ORCH_PATH_MAX_2];

	if (str_fmt(path, sizeof(path), "%s/%s", dir, deploy_sentinel_file(s)) < 0)
		return err_set(e, EX_IOERR, "the deploy state directory '%s' is too long", dir);
	return atomic_write(path, content, strlen(content), 0600, e);
}

int
deploy_read_marker(
    const struct config *cfg, const struct task *t, enum deploy_sentinel s, char *out, size_t n)
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
deploy_state_file(
    const struct config *cfg, const struct task *t, const char *name, const char *text, struct orch_err *e)
{
	char dir[ORCH_PATH_MAX_1], path[ORCH_PATH_MAX_2];

	if (deploy_state_dir(cfg, t, dir, sizeof(dir)) < 0 || mkdir_p(dir, 0700) < 0 ||
	    str_fmt(path, sizeof(path), "%s/%s", dir, name) < 0)
		return err_set(e, EX_IOERR,
		    "cannot create the deploy state of %s under '%s'; check that it is "
		    "writable",
		    t->work_item, cfg->home);
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
	if (deploy_read_marker(cfg, t, DEPLOY_RESULT, v, sizeof(v)) < 0 ||
	    num_parse(str_trim(v), 0, 255, code) < 0)
		*code = 255;
	return 1;
}

int
deploy_degraded(const struct config *cfg, const struct task *t)
{
	char v[32];

	return deploy_read_marker(cfg, t, DEPLOY_WATCHED, v, sizeof(v)) == 0 &&
	    strcmp(str_trim(v), "DEGRADED") == 0;
}

/* What a blocked item held by a deploy waits for: 1 described (kind, detail), 0 not such an item. */
int
deploy_hold_describe(
    const struct config *cfg, const struct task *t, const char **kind, char *detail, size_t n)
{
	long long code;

	if (!t->blocked)
		return 0;
	if (strcmp(t->stage, stage_deploy()->name) == 0 && deploy_failed_code(cfg, t, &code) == 1) {
		*kind = "deploy_failed";
		snprintf(detail, n,
		    "the production deploy failed (hook exited %lld; hook.log under deploy-state) and "
		    "is held (deploy_failure: hold): fix the cause, then orch-deploy --retry %s deploys the "
		    "same "
		    "tested commit again",
		    code, t->work_item);
		return 1;
	}
	if (stage_is_last(t->stage) && deploy_degraded(cfg, t)) {
		*kind = "degraded";
		snprintf(detail, n,
		    "the post-deploy watch was DEGRADED: production may not run main's head (the "
		    "rollback_hook ran if set; rollback.log under deploy-state); when production is fixed: "
		    "orch-deploy --accept %s; to take the change out of main: orch-deploy --revert %s",
		    t->work_item, t->work_item);
		return 1;
	}
	return 0;
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
deploy_write_started(
    const struct config *cfg, const struct task *t, const struct deploy_started *s, struct orch_err *e)
{
	char text[512];

	if (str_fmt(text, sizeof(text), "%s\nwall %lld\nboottime %lld\nboot_id %s\nlimit_s %lld\n", s->sha,
		s->wall, s->boottime, s->boot_id[0] ? s->boot_id : "-", s->limit_s) < 0)
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
	s->wall = (long long)sb.st_mtime; /* an older orch's record: no stamps but its mtime */
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
deploy_marker_num(
    const struct config *cfg, const struct task *t, enum deploy_sentinel m, long long max, long long *n)
{
	char v[32];

	*n = 0;
	if (deploy_read_marker(cfg, t, m, v, sizeof(v)) < 0)
		return -1;
	return num_parse(str_trim(v), 0, max, n);
}

int
deploy_arm_watch(struct orch_ctx *c, const struct task *t, struct orch_err *e)
{
	/* the row first: a crash between the two leaves a flag the monitor clears, never a watch it cannot
	 * see */
	if (task_set_watching(c->st, t, 1, e) < 0)
		return -1;
	return deploy_mark(c->cfg, t, DEPLOY_WATCH, "0 0\n", e);
}
