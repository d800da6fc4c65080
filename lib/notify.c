#include "notify.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "proc.h"
#include "store.h"
#include "util.h"

int
notify_queue(struct store *st, const char *level, const char *wi, const char *message, struct orch_err *e)
{
	sqlite3_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s, "INSERT INTO outbox(created_at, level, work_item, message) VALUES (?1, ?2, ?3, ?4)", e) < 0)
		return -1;
	sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, level, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, wi, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, message, -1, SQLITE_STATIC);
	return store_step_done(st, s, "queue notification", e);
}

/* Append one line to logs/notify.log (O_APPEND: lines never interleave). */
static void
log_line(const char *home, const char *line)
{
	char dir[4096], path[4200];
	int fd;

	if (str_fmt(dir, sizeof(dir), "%s/logs", home) < 0 || mkdir_p(dir, 0700) < 0 ||
	    str_fmt(path, sizeof(path), "%s/notify.log", dir) < 0)
		return;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return;
	/* a failed write loses nothing: the outbox row keeps the message */
	if (write(fd, line, strlen(line)) < 0) {
	}
	close(fd);
}

/* The pid of a claim whose process is gone (so the row may be claimed again), else -1. */
static int64_t
claimed_pid_dead(struct store *st, int64_t id)
{
	sqlite3_stmt *s;
	int64_t pid = -1;

	if (sqlite3_prepare_v2(st->db, "SELECT claim_pid FROM outbox WHERE id = ?1 AND delivered_at IS NULL AND "
	    "claim_pid IS NOT NULL", -1, &s, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(s, 1, id);
	if (sqlite3_step(s) == SQLITE_ROW)
		pid = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	if (proc_alive(pid))
		pid = -1;	/* alive: its delivery is under way */
	return pid;
}

static int
claim(struct store *st, int64_t id, struct orch_err *e)
{
	sqlite3_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	/* unclaimed, or claimed by a command that died before marking it delivered */
	if (store_prepare(st, &s, "UPDATE outbox SET claimed_at = ?1, claim_pid = ?3 WHERE id = ?2 AND "
	    "delivered_at IS NULL AND (claimed_at IS NULL OR claim_pid = ?4)", e) < 0)
		return -1;
	sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 2, id);
	sqlite3_bind_int(s, 3, (int)getpid());
	sqlite3_bind_int64(s, 4, claimed_pid_dead(st, id));
	if (store_step_done(st, s, "claim notification", e) < 0)
		return -1;
	return sqlite3_changes(st->db) == 1;
}

static int
mark(struct store *st, int64_t id, const char *error, struct orch_err *e)
{
	sqlite3_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s, "UPDATE outbox SET delivered_at = ?1, last_error = ?2 WHERE id = ?3", e) < 0)
		return -1;
	sqlite3_bind_text(s, 1, now, -1, SQLITE_STATIC);
	if (error)
		sqlite3_bind_text(s, 2, error, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(s, 2);
	sqlite3_bind_int64(s, 3, id);
	return store_step_done(st, s, "mark notification", e);
}

static void
run_notify_cmd(const struct config *cfg, struct store *st, int64_t id, const char *msg, char *err, size_t n)
{
	char idenv[48];
	const char *env[] = { idenv, NULL };
	struct proc_result r;
	struct proc_spec spec = {
		.argv = (const char *const *)cfg->notify_cmd, .timeout_ms = 30000, .env_extra = env,
		.stdin_data = msg, .stdin_len = strlen(msg), .out_cap = 64 * 1024,
		.tool = "notify_cmd", .observe = store_tool_observe, .observe_ctx = st,
	};

	err[0] = '\0';
	snprintf(idenv, sizeof(idenv), "ORCH_NOTIFY_ID=%lld", (long long)id);
	proc_run(&spec, &r);
	if (r.status != PROC_OK)
		proc_describe(&r, err, n);
	proc_result_free(&r);
}

int
notify_deliver(const struct config *cfg, struct store *st, int quiet, struct orch_err *e)
{
	sqlite3_stmt *s;
	int64_t ids[64];
	int nid = 0, i, delivered = 0;

	(void)quiet;
	if (store_prepare(st, &s, "SELECT id FROM outbox WHERE delivered_at IS NULL ORDER BY id LIMIT 64", e) < 0)
		return -1;
	while (sqlite3_step(s) == SQLITE_ROW && nid < 64)
		ids[nid++] = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	for (i = 0; i < nid; i++) {
		char level[8] = "", wi[32] = "", line[4096], err[300] = "";
		char *msg = NULL;
		int c;

		if ((c = claim(st, ids[i], e)) < 0)
			return -1;
		if (c == 0)
			continue;	/* another command took it */
		if (store_prepare(st, &s, "SELECT level, COALESCE(work_item, ''), message FROM outbox WHERE id = ?1", e) < 0)
			return -1;
		sqlite3_bind_int64(s, 1, ids[i]);
		if (sqlite3_step(s) == SQLITE_ROW) {
			str_copy(level, sizeof(level), (const char *)sqlite3_column_text(s, 0));
			str_copy(wi, sizeof(wi), (const char *)sqlite3_column_text(s, 1));
			msg = strdup((const char *)sqlite3_column_text(s, 2));
		}
		sqlite3_finalize(s);
		if (msg == NULL)
			return err_set(e, EX_SOFTWARE, "cannot read notification %lld", (long long)ids[i]);
		{
			char now[32];
			time_iso_us(time_now_us(), now);
			snprintf(line, sizeof(line), "%s %s %s %s\n", now, level, wi[0] ? wi : "-", msg);
		}
		log_line(cfg->home, line);
		if (strcmp(level, "alert") == 0)
			fprintf(stderr, "orch: alert: %s%s%s\n", wi, wi[0] ? ": " : "", msg);
		if (cfg->notify_cmd)
			run_notify_cmd(cfg, st, ids[i], line, err, sizeof(err));
		free(msg);
		if (mark(st, ids[i], err[0] ? err : NULL, e) < 0)
			return -1;
		delivered++;
	}
	return delivered;
}
