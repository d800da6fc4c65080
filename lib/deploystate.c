/* deploystate: the deploy sentinels, the one place their files are named, written and read (deploystate.h).
 */
#include "deploystate.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "config.h"
#include "ctx.h"
#include "err.h"
#include "notify.h"
#include "sizes.h"
#include "stages.h"
#include "store.h"
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

/*
 * The states a command of orch decides are rows of deploy_marks (this
 * host's, of the task's current deploy); the three the hook's wrapper writes
 * (it runs without the store) stay files in the deploy state directory.
 */
static const char in_store[DEPLOY_NSENTINELS] = {
	[DEPLOY_APPROVE_REQUESTED] = 1,
	[DEPLOY_INITIATED] = 1,
	[DEPLOY_FINALIZED] = 1,
	[DEPLOY_WATCH] = 1,
	[DEPLOY_WATCHED] = 1,
};

/*
 * The task's current deploy (the deploys rows and deploy_marks): how many
 * deploys of it began, counted from the transitions that begin one (the edge
 * into deploy, deploy_retry), which commit with their events, so a crash
 * between a transition and the hook's start cannot lose or repeat a count.
 * wi is the work item's placeholder.
 */
#define DEPLOY_ATTEMPT_SQL(wi) \
	"(SELECT count(*) FROM events WHERE work_item = " wi " AND ((stage_to = 'deploy' AND stage_from != " \
	"'deploy') OR kind = 'deploy_retry'))"

/* A file the wrapper (or an older orch) wrote: 0 read into out, -1 absent. */
static int
file_read(const struct config *cfg, const struct task *t, enum deploy_sentinel s, char *out, size_t n)
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

/*
 * A row of m for t's current deploy, this host's (mine) or any host's (this
 * host's first): 1 its value into out and its host into host (either may be
 * NULL), 0 none, -1 the store did not answer (e).
 */
static int
mark_find(struct orch_ctx *c, const struct task *t, enum deploy_sentinel m, int mine, char *out, size_t n,
    char *host, size_t hn, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	if (store_prepare(c->st, &s,
		"SELECT value, host FROM deploy_marks WHERE task_id = ?1 AND (?5 = 0 OR host = ?2) AND name "
		"= "
		"?4 AND attempt = " DEPLOY_ATTEMPT_SQL(
		    "?3") " ORDER BY CASE WHEN host = ?2 THEN 0 ELSE 1 END, "
			  "updated_at DESC LIMIT 1",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	store_bind_text(s, 2, c->st->host);
	store_bind_text(s, 3, t->work_item);
	store_bind_text(s, 4, sentinel_file[m]);
	store_bind_int(s, 5, mine);
	if ((rc = store_step(s)) == STORE_ROW) {
		if (out)
			str_copy(out, n, store_column_text(s, 0));
		if (host)
			str_copy(host, hn, store_column_text(s, 1));
	}
	store_finalize(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return store_fail(c->st, "read the deploy's state", e);
	return rc == STORE_ROW;
}

int
deploy_has(struct orch_ctx *c, const struct task *t, enum deploy_sentinel s, struct orch_err *e)
{
	char path[ORCH_PATH_MAX_2];
	struct stat sb;

	if (in_store[s])
		return mark_find(c, t, s, 1, NULL, 0, NULL, 0, e);
	return deploy_marker_path(c->cfg, t, s, path, sizeof(path)) == 0 && lstat(path, &sb) == 0;
}

int
deploy_marker(struct orch_ctx *c, const struct task *t, enum deploy_sentinel s)
{
	struct orch_err e = { 0 };

	return deploy_has(c, t, s, &e) == 1;
}

int
deploy_marker_any(struct orch_ctx *c, const struct task *t, enum deploy_sentinel s, char *host, size_t n)
{
	struct orch_err e = { 0 };

	host[0] = '\0';
	return in_store[s] && mark_find(c, t, s, 0, NULL, 0, host, n, &e) == 1;
}

void
deploy_reset(struct orch_ctx *c, const struct task *t)
{
	char path[ORCH_PATH_MAX_2];
	struct store_stmt *st;
	int s;

	for (s = 0; s < DEPLOY_NSENTINELS; s++)
		if (deploy_marker_path(c->cfg, t, (enum deploy_sentinel)s, path, sizeof(path)) == 0)
			unlink(path);
	/* the rows of earlier deploys are never read again (mark_find takes the current one's): tidying */
	if (store_prepare(c->st, &st,
		"DELETE FROM deploy_marks WHERE task_id = ?1 AND host = ?2 AND attempt < " DEPLOY_ATTEMPT_SQL(
		    "?3"),
		NULL) < 0)
		return;
	store_bind_int64(st, 1, t->id);
	store_bind_text(st, 2, c->st->host);
	store_bind_text(st, 3, t->work_item);
	(void)store_step_done(c->st, st, "forget the last deploy's state", NULL);
}

/*
 * Write this host's row of m for t's current deploy (keep: a row already
 * there stays, for the import below).  0 / -1 with e.
 */
static int
mark_put(struct orch_ctx *c, const struct task *t, enum deploy_sentinel m, const char *value, int keep,
    struct orch_err *e)
{
	struct store_stmt *s;

#define MARK_INSERT \
	"INSERT INTO deploy_marks(task_id, attempt, host, name, value, updated_at) VALUES " \
	"(?1, " DEPLOY_ATTEMPT_SQL( \
	    "?3") ", ?2, ?4, ?5, orch_now()) ON CONFLICT (task_id, attempt, host, name) DO "
	if (store_prepare(c->st, &s,
		keep ? MARK_INSERT "NOTHING"
		     : MARK_INSERT "UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	store_bind_text(s, 2, c->st->host);
	store_bind_text(s, 3, t->work_item);
	store_bind_text(s, 4, sentinel_file[m]);
	store_bind_text(s, 5, value);
	return store_step_done(c->st, s, "record the deploy's state", e);
}

/* One deploy's files as an orch before deploy_marks left them: its rows (never over a newer row).  0 / -1. */
static int
import_task(struct orch_ctx *c, const char *wi, struct orch_err *e)
{
	char v[1024], path[ORCH_PATH_MAX_2];
	struct stat sb;
	struct task t;
	int m;

	if (task_get(c->st, wi, &t, e) < 0) {
		if (e->code != EX_NOINPUT)
			return -1;
		err_clear(e); /* a directory of no task (cleaned, another store's): nothing to import */
		return 0;
	}
	for (m = 0; m < DEPLOY_NSENTINELS; m++) {
		if (!in_store[m] || file_read(c->cfg, &t, (enum deploy_sentinel)m, v, sizeof(v) - 32) < 0)
			continue;
		/* a record older than its stamps: its file's mtime is when it started */
		if (m == DEPLOY_INITIATED && strstr(v, "\nwall ") == NULL &&
		    deploy_marker_path(c->cfg, &t, DEPLOY_INITIATED, path, sizeof(path)) == 0 &&
		    lstat(path, &sb) == 0)
			snprintf(v + strlen(v), 32, "%swall %lld\n",
			    v[0] && v[strlen(v) - 1] != '\n' ? "\n" : "", (long long)sb.st_mtime);
		if (mark_put(c, &t, (enum deploy_sentinel)m, v, 1, e) < 0)
			return -1;
	}
	return 0;
}

int
deploy_import_files(struct orch_ctx *c, struct orch_err *e)
{
	char top[ORCH_PATH_MAX_1], dir[ORCH_PATH_MAX_1];
	struct store_stmt *s;
	struct dirent *pe, *we;
	DIR *pd, *wd;
	int rc;

	if (store_prepare(c->st, &s,
		"SELECT 1 FROM deploy_marks WHERE task_id = 0 AND host = ?1 AND name = 'files-imported'",
		e) < 0)
		return -1;
	store_bind_text(s, 1, c->st->host);
	rc = store_step(s);
	store_finalize(s);
	if (rc == STORE_ROW)
		return 0;
	if (rc != STORE_DONE)
		return store_fail(c->st, "read the deploy's state", e);
	if (str_fmt(top, sizeof(top), "%s/deploy-state", c->cfg->home) < 0)
		return err_set(e, EX_IOERR, "the orch home path is too long");
	if ((pd = opendir(top)) != NULL) {
		while ((pe = readdir(pd)) != NULL) {
			if (pe->d_name[0] == '.' || str_fmt(dir, sizeof(dir), "%s/%s", top, pe->d_name) < 0 ||
			    (wd = opendir(dir)) == NULL)
				continue;
			while ((we = readdir(wd)) != NULL)
				if (we->d_name[0] != '.' && import_task(c, we->d_name, e) < 0)
					break;
			closedir(wd);
			if (e->code)
				break;
		}
		closedir(pd);
		if (e->code)
			return -1;
	}
	if (store_prepare(c->st, &s,
		"INSERT INTO deploy_marks(task_id, attempt, host, name, value, updated_at) VALUES (0, 0, ?1, "
		"'files-imported', '', orch_now()) ON CONFLICT (task_id, attempt, host, name) DO NOTHING",
		e) < 0)
		return -1;
	store_bind_text(s, 1, c->st->host);
	return store_step_done(c->st, s, "record the deploy state's import", e);
}

int
deploy_mark(
    struct orch_ctx *c, const struct task *t, enum deploy_sentinel s, const char *content, struct orch_err *e)
{
	char dir[ORCH_PATH_MAX_1], path[ORCH_PATH_MAX_2];

	if (in_store[s])
		return mark_put(c, t, s, content, 0, e);
	if (deploy_state_dir(c->cfg, t, dir, sizeof(dir)) < 0 || mkdir_p(dir, 0700) < 0 ||
	    deploy_marker_path(c->cfg, t, s, path, sizeof(path)) < 0)
		return err_set(e, EX_IOERR, "cannot create the deploy state of %s under '%s'", t->work_item,
		    c->cfg->home);
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
deploy_read_marker(struct orch_ctx *c, const struct task *t, enum deploy_sentinel s, char *out, size_t n)
{
	struct orch_err e = { 0 };

	if (in_store[s])
		return mark_find(c, t, s, 1, out, n, NULL, 0, &e) == 1 ? 0 : -1;
	return file_read(c->cfg, t, s, out, n);
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
deploy_failed_code(struct orch_ctx *c, const struct task *t, long long *code)
{
	char v[32];

	*code = 0;
	if (deploy_read_marker(c, t, DEPLOY_FINALIZED, v, sizeof(v)) < 0)
		return 0;
	if (strcmp(str_trim(v), "INTERRUPTED") == 0) {
		*code = 130;
		return 1;
	}
	if (strcmp(str_trim(v), "FAILED") != 0)
		return 0;
	if (deploy_read_marker(c, t, DEPLOY_RESULT, v, sizeof(v)) < 0 ||
	    num_parse(str_trim(v), 0, 255, code) < 0)
		*code = 255;
	return 1;
}

int
deploy_degraded(struct orch_ctx *c, const struct task *t)
{
	char v[32];

	return deploy_read_marker(c, t, DEPLOY_WATCHED, v, sizeof(v)) == 0 &&
	    strcmp(str_trim(v), "DEGRADED") == 0;
}

/* What a blocked item held by a deploy waits for: 1 described (kind, detail), 0 not such an item. */
int
deploy_hold_describe(struct orch_ctx *c, const struct task *t, const char **kind, char *detail, size_t n)
{
	long long code;

	if (!t->blocked)
		return 0;
	if (strcmp(t->stage, stage_deploy()->name) == 0 && deploy_failed_code(c, t, &code) == 1) {
		*kind = "deploy_failed";
		snprintf(detail, n,
		    "the production deploy failed (hook exited %lld; hook.log under deploy-state) and "
		    "is held (deploy_failure: hold): fix the cause, then orch-deploy --retry %s deploys the "
		    "same "
		    "tested commit again",
		    code, t->work_item);
		return 1;
	}
	if (stage_is_last(t->stage) && deploy_degraded(c, t)) {
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
    struct orch_ctx *c, const struct task *t, const struct deploy_started *s, struct orch_err *e)
{
	char text[512];

	if (str_fmt(text, sizeof(text), "%s\nwall %lld\nboottime %lld\nboot_id %s\nlimit_s %lld\n", s->sha,
		s->wall, s->boottime, s->boot_id[0] ? s->boot_id : "-", s->limit_s) < 0)
		return err_set(e, EX_SOFTWARE, "the deploy record of %s does not fit", t->work_item);
	if (s->pgid > 0)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "pgid %lld\n", s->pgid);
	return deploy_mark(c, t, DEPLOY_INITIATED, text, e);
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
deploy_read_started(struct orch_ctx *c, const struct task *t, struct deploy_started *s)
{
	char text[1024], path[ORCH_PATH_MAX_2], *line, *next;
	struct stat sb;

	memset(s, 0, sizeof(*s));
	if (deploy_read_marker(c, t, DEPLOY_INITIATED, text, sizeof(text)) < 0)
		return -1;
	for (line = text; line; line = next) {
		if ((next = strchr(line, '\n')) != NULL)
			*next++ = '\0';
		if (line == text)
			str_copy(s->sha, sizeof(s->sha), line);
		else
			started_line(s, line);
	}
	/* the file of an orch older than the stamps: its mtime is all there is */
	if (s->wall == 0 && deploy_marker_path(c->cfg, t, DEPLOY_INITIATED, path, sizeof(path)) == 0 &&
	    lstat(path, &sb) == 0)
		s->wall = (long long)sb.st_mtime;
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
    struct orch_ctx *c, const struct task *t, enum deploy_sentinel m, long long max, long long *n)
{
	char v[32];

	*n = 0;
	if (deploy_read_marker(c, t, m, v, sizeof(v)) < 0)
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
	return deploy_mark(c, t, DEPLOY_WATCH, "0 0\n", e);
}

/* The deploys rows (issue 27): attempt is the task's current deploy (DEPLOY_ATTEMPT_SQL). */
static int
deploy_attempt(struct store *st, const struct task *t, int64_t *attempt, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	if (store_prepare(st, &s, "SELECT " DEPLOY_ATTEMPT_SQL("?1"), e) < 0)
		return -1;
	store_bind_text(s, 1, t->work_item);
	if ((rc = store_step(s)) == STORE_ROW)
		*attempt = store_column_int64(s, 0);
	store_finalize(s);
	return rc == STORE_ROW ? 0 : store_fail(st, "count the task's deploys", e);
}

int
deploy_row_start(
    struct store *st, const struct task *t, const char *sha, struct deploy_row *d, struct orch_err *e)
{
	struct store_stmt *s;
	int64_t attempt;
	int rc;

	if (deploy_attempt(st, t, &attempt, e) < 0 ||
	    store_prepare(st, &s,
		"INSERT INTO deploys(task_id, work_item, attempt, host, sha, started_at) VALUES (?1, ?2, ?3, "
		"?4, ?5, orch_now()) ON CONFLICT (task_id, attempt) DO NOTHING",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	store_bind_text(s, 2, t->work_item);
	store_bind_int64(s, 3, attempt);
	store_bind_text(s, 4, st->host);
	store_bind_text(s, 5, sha ? sha : "");
	if (store_step_done(st, s, "record the deploy's start", e) < 0)
		return -1;
	rc = store_changes(st) == 1;
	if (deploy_row_current(st, t, d, e) < 0)
		return -1;
	return rc;
}

int
deploy_row_current(struct store *st, const struct task *t, struct deploy_row *d, struct orch_err *e)
{
	struct store_stmt *s;
	int64_t attempt;
	int rc;

	memset(d, 0, sizeof(*d));
	if (deploy_attempt(st, t, &attempt, e) < 0 ||
	    store_prepare(st, &s,
		"SELECT attempt, host, status, orch_now() - started_at, CASE WHEN result IS NULL THEN -1 "
		"ELSE "
		"result END, finished_by FROM deploys WHERE task_id = ?1 AND attempt = ?2",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	store_bind_int64(s, 2, attempt);
	if ((rc = store_step(s)) == STORE_ROW) {
		d->attempt = store_column_int64(s, 0);
		str_copy(d->host, sizeof(d->host), store_column_text(s, 1));
		str_copy(d->status, sizeof(d->status), store_column_text(s, 2));
		d->age_s = store_column_int64(s, 3);
		d->result = (int)store_column_int64(s, 4);
		str_copy(d->finished_by, sizeof(d->finished_by), store_column_text(s, 5));
	}
	store_finalize(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return store_fail(st, "read the deploy's row", e);
	return rc == STORE_ROW;
}

int
deploy_row_finish(
    struct store *st, const struct task *t, const char *status, int code, int mine_only, struct orch_err *e)
{
	struct store_stmt *s;
	int64_t attempt;

	if (deploy_attempt(st, t, &attempt, e) < 0 ||
	    store_prepare(st, &s,
		"UPDATE deploys SET status = ?3, result = ?4, finished_at = orch_now(), finished_by = ?5 "
		"WHERE "
		"task_id = ?1 AND attempt = ?2 AND status = 'running' AND (?6 = 0 OR host = ?5)",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	store_bind_int64(s, 2, attempt);
	store_bind_text(s, 3, status);
	store_bind_int(s, 4, code);
	store_bind_text(s, 5, st->host);
	store_bind_int(s, 6, mine_only);
	if (store_step_done(st, s, "record the deploy's result", e) < 0)
		return -1;
	return store_changes(st) == 1;
}

/* A lost deploy's late end: its row says so, so the alert is sent once. */
static int
row_mark_late(struct store *st, const struct task *t, int code, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s,
		"UPDATE deploys SET status = 'late', result = ?3 WHERE task_id = ?1 AND host = ?2 AND status "
		"= 'lost'",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, t->id);
	store_bind_text(s, 2, st->host);
	store_bind_int(s, 3, code);
	return store_step_done(st, s, "record the deploy's late result", e);
}

/* An event and an alert, one transaction. */
static int
row_alert(struct store *st, const struct task *t, const char *kind, const char *msg, struct orch_err *e)
{
	if (store_begin(st, e) < 0)
		return -1;
	if (event_add(st, t->work_item, kind, t->stage, t->stage, msg, e) < 0 ||
	    notify_queue(st, "alert", t->work_item, msg, e) < 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, e);
}

/* Another host's deploy gave no result in time: lost (124) here, so the usual path logs it FAILED. */
static int
row_adopt_lost(
    struct orch_ctx *c, const struct task *t, const char *sha, const struct deploy_row *d, struct orch_err *e)
{
	struct deploy_started s;
	char dir[ORCH_PATH_MAX_1], msg[700];
	int rc;

	if ((rc = deploy_row_finish(c->st, t, "lost", 124, 0, e)) < 0)
		return -1;
	if (rc == 0) {
		err_set(e, EX_WAITING, "the production deploy of %s on host %s ended meanwhile", t->work_item,
		    d->host);
		return 0;
	}
	snprintf(msg, sizeof(msg),
	    "production deploy of %s on host %s has no result after deploy_timeout_s (%d s; %lld s since it "
	    "started): recorded as FAILED by host %s and never started again; check production and that "
	    "host",
	    t->work_item, d->host, c->cfg->deploy_timeout_s, (long long)d->age_s, c->st->host);
	deploy_started_now(&s, sha, 0);
	if (deploy_state_dir(c->cfg, t, dir, sizeof(dir)) < 0 || mkdir_p(dir, 0700) < 0)
		return err_set(
		    e, EX_IOERR, "cannot create the deploy state of %s under ORCH_HOME", t->work_item);
	if (deploy_write_started(c, t, &s, e) < 0 || deploy_mark(c, t, DEPLOY_RESULT, "124\n", e) < 0 ||
	    row_alert(c->st, t, "deploy_lost", msg, e) < 0)
		return -1;
	return 2;
}

int
deploy_row_gate(
    struct orch_ctx *c, const struct project *p, const struct task *t, const char *sha, struct orch_err *e)
{
	struct deploy_row d;
	int rc;

	/* one host: the row records the deploy (orch-status, the history); the host is always this one */
	if (c->cfg->store == NULL)
		return deploy_row_start(c->st, t, sha, &d, e) < 0 ? -1 : 1;
	if ((rc = deploy_row_current(c->st, t, &d, e)) < 0)
		return -1;
	/* this host's row without INITIATED (written before any hook starts): no hook ran, start it */
	if (rc == 1 && strcmp(d.host, c->st->host) == 0)
		return 1;
	if (rc == 1 && strcmp(d.status, "running") == 0 &&
	    d.age_s > (int64_t)c->cfg->deploy_timeout_s + DEPLOY_WRAPPER_GRACE_S)
		return row_adopt_lost(c, t, sha, &d, e);
	if (rc == 1) {
		err_set(e, EX_WAITING,
		    "the production deploy of %s (attempt %lld) %s on host %s; that host records its "
		    "result",
		    t->work_item, (long long)d.attempt, strcmp(d.status, "running") == 0 ? "runs" : "ended",
		    d.host);
		return 0;
	}
	if (p->deploy_host && strcmp(p->deploy_host, c->st->host) != 0) {
		err_set(e, EX_WAITING, "deploys of %s run on host %s (deploy_host); waiting for it", p->key,
		    p->deploy_host);
		return 0;
	}
	if ((rc = deploy_row_start(c->st, t, sha, &d, e)) != 0)
		return rc;
	err_set(e, EX_WAITING, "the production deploy of %s was started on host %s meanwhile", t->work_item,
	    d.host);
	return 0; /* not here: e says why */
}

int
deploy_row_result(struct orch_ctx *c, const struct task *t, int code, struct orch_err *e)
{
	struct deploy_row d;
	char msg[700];
	int rc;

	if (c->cfg->store == NULL) /* one host: nobody else records it */
		return deploy_row_finish(c->st, t, code == 0 ? "success" : "failed", code, 0, e) < 0 ? -1 : 1;
	if ((rc = deploy_row_finish(c->st, t, code == 0 ? "success" : "failed", code, 1, e)) != 0)
		return rc;
	/* no row (started before the store was shared), or this host recorded another's deploy lost */
	if ((rc = deploy_row_current(c->st, t, &d, e)) <= 0 || strcmp(d.status, "lost") != 0 ||
	    strcmp(d.finished_by, c->st->host) == 0)
		return rc < 0 ? -1 : 1;
	snprintf(msg, sizeof(msg),
	    "production deploy of %s ended here on host %s with exit code %d after host %s had recorded it "
	    "lost (FAILED): production may have the change; check it (orch started nothing again)",
	    t->work_item, c->st->host, code, d.finished_by);
	if (store_begin(c->st, e) < 0)
		return -1;
	if (row_mark_late(c->st, t, code, e) < 0 ||
	    event_add(c->st, t->work_item, "deploy_late_result", t->stage, t->stage, msg, e) < 0 ||
	    notify_queue(c->st, "alert", t->work_item, msg, e) < 0) {
		store_rollback(c->st);
		return -1;
	}
	return store_commit(c->st, e) < 0 ? -1 : 0;
}

int
deploy_rows_late(struct orch_ctx *c, struct orch_err *e)
{
	char wis[16][32];
	struct store_stmt *s;
	struct task t;
	long long code;
	int n = 0, i, done = 0;

	if (c->cfg->store == NULL)
		return 0;
	if (store_prepare(c->st, &s,
		"SELECT work_item FROM deploys WHERE host = ?1 AND status = 'lost' LIMIT 16", e) < 0)
		return -1;
	store_bind_text(s, 1, c->st->host);
	while (n < 16 && store_step(s) == STORE_ROW)
		str_copy(wis[n++], sizeof(wis[0]), store_column_text(s, 0));
	store_finalize(s);
	for (i = 0; i < n; i++) {
		/* the hook still runs here (no RESULT yet): its end is seen on a later pass */
		if (task_get(c->st, wis[i], &t, e) < 0 ||
		    deploy_marker_num(c, &t, DEPLOY_RESULT, 255, &code) < 0)
			continue;
		if (deploy_row_result(c, &t, (int)code, e) < 0)
			return -1;
		if (deploy_mark(c, &t, DEPLOY_FINALIZED, "INTERRUPTED\n", e) < 0)
			return -1;
		done++;
	}
	return done;
}

int
deploy_local_sync(struct orch_ctx *c, const struct task *t, struct orch_err *e)
{
	char dir[ORCH_PATH_MAX_1], path[ORCH_PATH_MAX_2], now[32], have[32] = "";
	int64_t attempt = 0;
	ssize_t k;
	int fd;

	if (c->cfg->store == NULL)
		return 0;
	if (deploy_attempt(c->st, t, &attempt, e) < 0)
		return -1;
	snprintf(now, sizeof(now), "%lld\n", (long long)attempt);
	if (deploy_state_dir(c->cfg, t, dir, sizeof(dir)) < 0 ||
	    str_fmt(path, sizeof(path), "%s/" DEPLOY_ATTEMPT_FILE, dir) < 0)
		return err_set(e, EX_IOERR, "the deploy state path of %s is too long", t->work_item);
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) >= 0) {
		k = read(fd, have, sizeof(have) - 1);
		close(fd);
		have[k > 0 ? k : 0] = '\0';
	}
	if (strcmp(have, now) == 0)
		return 0;
	deploy_reset(c, t); /* another host began a deploy since this one's files were written */
	return deploy_state_file(c->cfg, t, DEPLOY_ATTEMPT_FILE, now, e);
}
