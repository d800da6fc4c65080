#include "notify.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "http.h"
#include "proc.h"
#include "sizes.h"
#include "store.h"
#include "task.h"
#include "util.h"

#define NOTIFY_BATCH 64
#define NOTIFY_BACKOFF_MAX_S 86400

/* One outbox row being delivered. */
struct row {
	int64_t id;
	char level[8], wi[32];
	char *msg;
	int attempts, done;
};

/* One notify_deliver() run: its budget and what the senders learnt on the way. */
struct run {
	const struct config *cfg;
	struct store *st;
	int64_t deadline_ms; /* monotonic end of the delivery budget */
	int telegram;        /* telegram_chat_id is set */
	int token_tried;     /* the token is read once, when the first alert needs it */
	char *token;
	char token_err[300];
	int64_t tg_hold_until; /* epoch s: after a 429, no Telegram send before this, nor in this run */
};

int
notify_queue(struct store *st, const char *level, const char *wi, const char *message, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32], *line;
	size_t n = strlen(message) * 4 + 1; /* a byte grows to at most four ("\\x1b") */
	int rc;

	/*
	 * One notification is one line in notify.log, notify_cmd's stdin and
	 * Telegram: text quoted from an artifact (a verdict value, a reason) can
	 * neither forge a second line nor drive the terminal of whoever reads it.
	 */
	if ((line = malloc(n)) == NULL)
		return err_set(e, EX_SOFTWARE, "out of memory queueing a notification");
	str_escape_ctl(line, n, message);
	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s,
		"INSERT INTO outbox(created_at, level, work_item, message) VALUES (?1, ?2, ?3, ?4)", e) < 0) {
		free(line);
		return -1;
	}
	store_bind_text(s, 1, now);
	store_bind_text(s, 2, level);
	store_bind_text(s, 3, wi);
	store_bind_text(s, 4, line);
	rc = store_step_done(st, s, "queue notification", e);
	free(line);
	return rc;
}

static int
token_char(char c)
{
	return isalnum((unsigned char)c) || c == '_' || c == '-' || c == ':';
}

/* Length of a "/bot<id>:<secret>" segment at p (a Bot API URL's path), else 0. */
static size_t
bot_segment(const char *p)
{
	size_t n = 4;
	int colon = 0;

	if (strncmp(p, "/bot", 4) != 0)
		return 0;
	for (; token_char(p[n]); n++)
		colon |= p[n] == ':';
	return colon ? n : 0;
}

char *
notify_mask(const char *in, const char *secret, char *out, size_t n)
{
	size_t sl = secret ? strlen(secret) : 0, o = 0, seg;

	if (n == 0)
		return out;
	while (in && *in && o + 1 < n) {
		const char *put = NULL;
		if (sl && strncmp(in, secret, sl) == 0) {
			put = "***";
			in += sl;
		} else if ((seg = bot_segment(in)) > 0) {
			put = "/bot***";
			in += seg;
		}
		if (put == NULL) {
			out[o++] = *in++;
			continue;
		}
		for (; *put && o + 1 < n; put++)
			out[o++] = *put;
	}
	out[o] = '\0';
	return out;
}

/* The token goes into a URL path: only the characters a Bot API token has, with its ':'. */
static int
token_valid(const char *t)
{
	size_t i;

	for (i = 0; t[i]; i++)
		if (!token_char(t[i]))
			return 0;
	return i > 2 && strchr(t, ':') != NULL && i < 256;
}

char *
notify_telegram_token(const struct config *cfg, struct orch_err *e)
{
	const char *env = config_secret("ORCH_TELEGRAM_BOT_TOKEN"), *file = cfg->telegram_bot_token_file;
	struct stat sb;
	char buf[512], *tok;
	ssize_t n;
	int fd;

	if (env && *env) {
		if (!token_valid(env)) {
			err_set(e, EX_CONFIG,
			    "ORCH_TELEGRAM_BOT_TOKEN is not a bot token (<digits>:<letters, digits, _ or "
			    "->)");
			return NULL;
		}
		return strdup(env);
	}
	if (file == NULL || *file == '\0') {
		err_set(e, EX_CONFIG,
		    "no Telegram bot token: set ORCH_TELEGRAM_BOT_TOKEN or telegram_bot_token_file");
		return NULL;
	}
	if ((fd = open(file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		err_set(e, EX_CONFIG, "cannot read telegram_bot_token_file '%s': %s", file, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (sb.st_mode & 077) || sb.st_uid != geteuid()) {
		close(fd);
		err_set(e, EX_CONFIG,
		    "telegram_bot_token_file '%s' must be a regular file of yours with mode 0600 "
		    "(chmod 600 it)",
		    file);
		return NULL;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n > 0 ? n : 0] = '\0';
	tok = strdup(str_trim(buf));
	explicit_bzero(buf, sizeof(buf));
	if (tok == NULL || !token_valid(tok)) {
		if (tok)
			explicit_bzero(tok, strlen(tok));
		free(tok);
		err_set(e, EX_CONFIG,
		    "telegram_bot_token_file '%s' must hold one bot token on one line "
		    "(<digits>:<letters, digits, _ or ->)",
		    file);
		return NULL;
	}
	return tok;
}

/* Append one line to logs/notify.log (O_APPEND: lines never interleave). */
static void
log_line(const char *home, const char *line)
{
	char dir[ORCH_PATH_MAX], path[ORCH_PATH_MAX_1];
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

/*
 * The pid of a claim by this host whose process is gone (so the row may be
 * claimed again), else -1.  Another host's claim is judged by its age
 * (NOTIFY_CLAIM_STALE_S, claim()): a pid means nothing here.
 */
static int64_t
claimed_pid_dead(struct store *st, int64_t id)
{
	struct store_stmt *s;
	int64_t pid = -1;

	if (store_prepare(st, &s,
		"SELECT claim_pid FROM outbox WHERE id = ?1 AND delivered_at IS NULL AND "
		"claim_pid IS NOT NULL AND (claim_host = ?2 OR claim_host = '')",
		NULL) < 0)
		return -1;
	store_bind_int64(s, 1, id);
	store_bind_text(s, 2, st->host);
	if (store_step(s) == STORE_ROW)
		pid = store_column_int64(s, 0);
	store_finalize(s);
	if (proc_alive(pid))
		pid = -1; /* alive: its delivery is under way */
	return pid;
}

/* A claim by another host older than this is its vanished command's: delivered again (at least once). */
#define NOTIFY_CLAIM_STALE_S 600

static int
claim(struct store *st, int64_t id, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32], stale[32];

	time_iso_us(time_now_us(), now);
	time_iso_us(time_now_us() - (int64_t)NOTIFY_CLAIM_STALE_S * 1000000, stale);
	/* unclaimed, or claimed by a command that died before finishing it (here, or long ago elsewhere) */
	if (store_prepare(st, &s,
		"UPDATE outbox SET claimed_at = ?1, claim_pid = ?3, claim_host = ?5 WHERE id = ?2 AND "
		"delivered_at IS NULL AND dead_at IS NULL AND (claimed_at IS NULL OR ((claim_host = ?5 OR "
		"claim_host = '') AND claim_pid = ?4) OR (claim_host NOT IN (?5, '') AND claimed_at < ?6))",
		e) < 0)
		return -1;
	store_bind_text(s, 1, now);
	store_bind_int64(s, 2, id);
	store_bind_int(s, 3, (int)getpid());
	store_bind_int64(s, 4, claimed_pid_dead(st, id));
	store_bind_text(s, 5, st->host);
	store_bind_text(s, 6, stale);
	if (store_step_done(st, s, "claim notification", e) < 0)
		return -1;
	return store_changes(st) == 1;
}

static int
row_load(struct store *st, struct row *r, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s,
		"SELECT level, COALESCE(work_item, ''), message, attempts, sinks_done FROM outbox "
		"WHERE id = ?1",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, r->id);
	if (store_step(s) == STORE_ROW) {
		str_copy(r->level, sizeof(r->level), store_column_text(s, 0));
		str_copy(r->wi, sizeof(r->wi), store_column_text(s, 1));
		r->msg = strdup(store_column_text(s, 2));
		r->attempts = store_column_int(s, 3);
		r->done = store_column_int(s, 4);
	}
	store_finalize(s);
	if (r->msg == NULL)
		return err_set(e, EX_SOFTWARE, "cannot read notification %lld", (long long)r->id);
	return 0;
}

static int64_t
left_ms(const struct run *run)
{
	return run->deadline_ms - time_mono_ms();
}

/* The per-send timeout: notify_timeout_s, cut to what is left of the budget. */
static int64_t
send_timeout_ms(const struct run *run)
{
	int64_t per = (int64_t)run->cfg->notify_timeout_s * 1000, left = left_ms(run);

	return left < per ? left : per;
}

/* Sends return 1 the sink took it, 0 it failed (why in err), -1 not tried (budget spent, or held). */
static int
send_cmd(struct run *run, const struct row *r, const char *line, char *err, size_t n)
{
	char idenv[48];
	const char *env[] = { idenv, NULL };
	struct proc_result pr;
	struct proc_spec spec = {
		.argv = (const char *const *)run->cfg->notify_cmd,
		.env_extra = env,
		.stdin_data = line,
		.stdin_len = strlen(line),
		.out_cap = 64 * 1024,
		.tool = "notify_cmd",
		.observe = store_tool_observe,
		.observe_ctx = run->st,
	};
	int ok;

	if ((spec.timeout_ms = (int)send_timeout_ms(run)) <= 0)
		return -1;
	snprintf(idenv, sizeof(idenv), "ORCH_NOTIFY_ID=%lld", (long long)r->id);
	proc_run(&spec, &pr);
	if (!(ok = pr.status == PROC_OK)) {
		char desc[256];
		proc_describe(&pr, desc, sizeof(desc));
		snprintf(err, n, "notify_cmd: %s", desc);
	}
	proc_result_free(&pr);
	return ok;
}

/* The sendMessage body: plain text (no parse_mode: a message is never markup), capped. */
static char *
telegram_body(const struct config *cfg, const struct row *r)
{
	char text[NOTIFY_TEXT_MAX + 1];
	size_t len;
	cJSON *o;
	char *out;

	snprintf(text, sizeof(text), "orch alert%s%s: %s", r->wi[0] ? " " : "", r->wi, r->msg);
	if ((len = strlen(text)) == sizeof(text) - 1) { /* cut: never inside a UTF-8 sequence */
		while (len > 0 && ((unsigned char)text[len - 1] & 0xc0) == 0x80)
			len--;
		if (len > 0 && (unsigned char)text[len - 1] >= 0xc0)
			len--;
		text[len] = '\0';
	}
	if ((o = cJSON_CreateObject()) == NULL)
		return NULL;
	cJSON_AddStringToObject(o, "chat_id", cfg->telegram_chat_id);
	cJSON_AddStringToObject(o, "text", text);
	cJSON_AddBoolToObject(o, "disable_web_page_preview", 1);
	out = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return out;
}

/* Telegram's 429 says how long to wait in parameters.retry_after (else the Retry-After header). */
static int64_t
retry_after_of(const struct http_response *resp)
{
	cJSON *o = cJSON_ParseWithLength(buf_str(&resp->body), resp->body.len);
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(o, "parameters"), "retry_after");
	int64_t ra = cJSON_IsNumber(v) ? (int64_t)v->valuedouble : resp->retry_after;

	cJSON_Delete(o);
	if (ra <= 0)
		ra = 60;
	return ra > NOTIFY_BACKOFF_MAX_S ? NOTIFY_BACKOFF_MAX_S : ra;
}

static void
describe_answer(const struct http_response *resp, char *err, size_t n)
{
	cJSON *o = cJSON_ParseWithLength(buf_str(&resp->body), resp->body.len);
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(o, "description");

	snprintf(err, n,
	    "telegram sendMessage answered HTTP %ld%s%.200s; check telegram_chat_id and the bot token",
	    resp->status, cJSON_IsString(d) ? ": " : "", cJSON_IsString(d) ? d->valuestring : "");
	cJSON_Delete(o);
}

/* After a 429 every alert still owed to Telegram waits for retry_after, not only the one refused. */
static void
hold_telegram(struct store *st, int64_t until)
{
	struct store_stmt *s;

	if (store_prepare(st, &s,
		"UPDATE outbox SET next_attempt_at = CASE WHEN next_attempt_at > ?1 THEN next_attempt_at "
		"ELSE ?1 END WHERE "
		"level = 'alert' AND delivered_at IS NULL AND dead_at IS NULL AND (sinks_done & ?2) = 0",
		NULL) < 0)
		return; /* the refused row still gets its own next attempt in finish() */
	store_bind_int64(s, 1, until);
	store_bind_int(s, 2, NOTIFY_SINK_TELEGRAM);
	/* best effort, and checked: a busy store leaves each row its own next attempt (finish()) */
	if (store_step_done(st, s, "hold the alerts back", NULL) < 0)
		return;
}

static int
send_telegram(struct run *run, const struct row *r, char *err, size_t n, int64_t *retry_after)
{
	struct http_response resp;
	struct orch_err te = { 0 };
	char url[ORCH_PATH_MAX_1], why[256], *body;
	int64_t t0 = time_mono_ms(), timeout = send_timeout_ms(run);
	size_t bl;
	int ok = 0;

	if (run->tg_hold_until || timeout <= 0)
		return -1;
	if (!run->token_tried) {
		run->token_tried = 1;
		if ((run->token = notify_telegram_token(run->cfg, &te)) == NULL)
			str_copy(run->token_err, sizeof(run->token_err), te.msg);
	}
	if (run->token == NULL) {
		snprintf(err, n, "telegram: %s", run->token_err);
		return 0;
	}
	bl = strlen(run->cfg->telegram_api_url);
	while (bl > 0 && run->cfg->telegram_api_url[bl - 1] == '/')
		bl--;
	if (str_fmt(url, sizeof(url), "%.*s/bot%s/sendMessage", (int)bl, run->cfg->telegram_api_url,
		run->token) < 0 ||
	    (body = telegram_body(run->cfg, r)) == NULL) {
		explicit_bzero(url, sizeof(url));
		snprintf(err, n, "telegram: telegram_api_url is too long, or out of memory");
		return 0;
	}
	if (http_post_json(url, body, (long)timeout, &resp, why, sizeof(why)) < 0) {
		snprintf(
		    err, n, "telegram sendMessage failed: %s; check telegram_api_url and the network", why);
	} else {
		if (resp.status >= 200 && resp.status <= 299) {
			ok = 1;
		} else if (resp.status == 429) {
			*retry_after = retry_after_of(&resp);
			run->tg_hold_until = (int64_t)time(NULL) + *retry_after;
			hold_telegram(run->st, run->tg_hold_until);
			snprintf(err, n, "telegram rate limit (HTTP 429): retry after %lld s",
			    (long long)*retry_after);
		} else {
			describe_answer(&resp, err, n);
		}
		http_response_free(&resp);
	}
	explicit_bzero(url, sizeof(url));
	free(body);
	if (!ok) {
		char masked[512];
		str_copy(err, n, notify_mask(err, run->token, masked, sizeof(masked)));
	}
	/* the "telegram" metrics row (err already masked); metrics are best effort */
	(void)store_tool_record(run->st, "telegram", 1, !ok, time_mono_ms() - t0, ok ? NULL : err, NULL);
	return ok;
}

static int64_t
backoff_s(const struct config *cfg, int attempts)
{
	int64_t b = cfg->notify_backoff_s;
	int i;

	for (i = 1; i < attempts && b < NOTIFY_BACKOFF_MAX_S; i++)
		b *= 2;
	return b > NOTIFY_BACKOFF_MAX_S ? NOTIFY_BACKOFF_MAX_S : b;
}

/* Dead: the row, its event, in one transaction; and said on stderr and in the log. */
static int
mark_dead(struct run *run, const struct row *r, const char *why, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32], detail[900], line[1100];

	time_iso_us(time_now_us(), now);
	snprintf(detail, sizeof(detail), "notification %lld (%s) not delivered after %d attempts: %s",
	    (long long)r->id, r->level, r->attempts + 1, why);
	if (store_begin(run->st, e) < 0)
		return -1;
	if (store_prepare(run->st, &s,
		"UPDATE outbox SET attempts = attempts + 1, sinks_done = ?2, last_error = ?3, "
		"dead_at = ?4, claimed_at = NULL, claim_pid = NULL WHERE id = ?1",
		e) < 0)
		goto fail;
	store_bind_int64(s, 1, r->id);
	store_bind_int(s, 2, r->done);
	store_bind_text(s, 3, why);
	store_bind_text(s, 4, now);
	if (store_step_done(run->st, s, "mark notification dead", e) < 0 ||
	    event_add(run->st, r->wi[0] ? r->wi : NULL, "notification_dead", NULL, NULL, detail, e) < 0 ||
	    store_commit(run->st, e) < 0)
		goto fail;
	snprintf(line, sizeof(line), "%s dead %s %s\n", now, r->wi[0] ? r->wi : "-", detail);
	log_line(run->cfg->home, line);
	err_warn("%s%s%s; see orch-status", r->wi, r->wi[0] ? ": " : "", detail);
	return 0;
fail:
	store_rollback(run->st);
	return -1;
}

/*
 * Write what this attempt did: delivered, failed (why set: attempts + 1 and
 * the backoff, or dead at the cap), or only cut short (no attempt counted).
 */
static int
finish(struct run *run, const struct row *r, int required, const char *why, int64_t retry_after,
    struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];
	int64_t next = 0, t = (int64_t)time(NULL);

	time_iso_us(time_now_us(), now);
	if ((r->done & required) == required) {
		if (store_prepare(run->st, &s,
			"UPDATE outbox SET delivered_at = ?2, sinks_done = ?3 WHERE id = ?1", e) < 0)
			return -1;
		store_bind_text(s, 2, now);
	} else if (why && r->attempts + 1 >= run->cfg->notify_max_attempts) {
		return mark_dead(run, r, why, e);
	} else if (why) {
		next = backoff_s(run->cfg, r->attempts + 1);
		if (retry_after > next)
			next = retry_after;
		if (store_prepare(run->st, &s,
			"UPDATE outbox SET sinks_done = ?3, attempts = attempts + 1, "
			"last_error = ?2, next_attempt_at = ?4, claimed_at = NULL, claim_pid = NULL WHERE id "
			"= ?1",
			e) < 0)
			return -1;
		store_bind_text(s, 2, why);
		store_bind_int64(s, 4, t + next);
	} else {
		/* not reached this run (budget spent, Telegram held): back in the queue as it was */
		if (store_prepare(run->st, &s,
			"UPDATE outbox SET sinks_done = ?3, next_attempt_at = "
			"CASE WHEN next_attempt_at > ?2 THEN next_attempt_at ELSE ?2 END, claimed_at = NULL, "
			"claim_pid = NULL WHERE id = ?1",
			e) < 0)
			return -1;
		store_bind_int64(s, 2, run->tg_hold_until);
	}
	store_bind_int64(s, 1, r->id);
	store_bind_int(s, 3, r->done);
	return store_step_done(run->st, s, "record notification delivery", e);
}

/* Every sink the row still needs, in order; 1 delivered now, 0 not (yet), -1 store error. */
static int
deliver_row(struct run *run, struct row *r, struct orch_err *e)
{
	int alert = strcmp(r->level, "alert") == 0, required = NOTIFY_SINK_LOG, got;
	char line[4096], now[32], why[1024] = "", one[600];
	int64_t retry_after = 0;

	if (run->cfg->notify_cmd)
		required |= NOTIFY_SINK_CMD;
	if (run->telegram && alert)
		required |= NOTIFY_SINK_TELEGRAM;
	time_iso_us(time_now_us(), now);
	snprintf(line, sizeof(line), "%s %s %s %s\n", now, r->level, r->wi[0] ? r->wi : "-", r->msg);
	if (!(r->done & NOTIFY_SINK_LOG)) {
		log_line(run->cfg->home, line);
		if (alert)
			err_warn("alert: %s%s%s", r->wi, r->wi[0] ? ": " : "", r->msg);
		r->done |= NOTIFY_SINK_LOG;
	}
	if ((required & ~r->done & NOTIFY_SINK_CMD) &&
	    (got = send_cmd(run, r, line, one, sizeof(one))) >= 0) {
		if (got)
			r->done |= NOTIFY_SINK_CMD;
		else
			snprintf(why, sizeof(why), "%s", one);
	}
	if ((required & ~r->done & NOTIFY_SINK_TELEGRAM) &&
	    (got = send_telegram(run, r, one, sizeof(one), &retry_after)) >= 0) {
		if (got)
			r->done |= NOTIFY_SINK_TELEGRAM;
		else
			snprintf(
			    why + strlen(why), sizeof(why) - strlen(why), "%s%s", why[0] ? "; " : "", one);
	}
	if (finish(run, r, required, why[0] ? why : NULL, retry_after, e) < 0)
		return -1;
	return (r->done & required) == required;
}

int
notify_deliver(const struct config *cfg, struct store *st, int quiet, struct orch_err *e)
{
	struct run run = { .cfg = cfg, .st = st };
	struct store_stmt *s;
	int64_t ids[NOTIFY_BATCH];
	int nid = 0, i, c, rc, delivered = 0;

	(void)quiet; /* alerts reach stderr even under -q: cron mail is how they are seen */
	run.deadline_ms = time_mono_ms() + (int64_t)cfg->notify_budget_s * 1000;
	run.telegram = cfg->telegram_chat_id && *cfg->telegram_chat_id;
	if (store_prepare(st, &s,
		"SELECT id FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL AND "
		"next_attempt_at <= ?1 ORDER BY id LIMIT 64",
		e) < 0)
		return -1;
	store_bind_int64(s, 1, (int64_t)time(NULL));
	while (store_step(s) == STORE_ROW && nid < NOTIFY_BATCH)
		ids[nid++] = store_column_int64(s, 0);
	store_finalize(s);
	for (i = 0, rc = 0; i < nid && rc == 0 && left_ms(&run) > 0; i++) {
		struct row r = { .id = ids[i] };

		if ((c = claim(st, ids[i], e)) < 0) {
			rc = -1;
		} else if (c == 1) { /* 0: another command took it */
			if (row_load(st, &r, e) < 0 || (c = deliver_row(&run, &r, e)) < 0)
				rc = -1;
			else
				delivered += c;
		}
		free(r.msg);
	}
	if (run.token) {
		explicit_bzero(run.token, strlen(run.token));
		free(run.token);
	}
	if (rc < 0) {
		char masked[sizeof(e->msg)];
		str_copy(e->msg, sizeof(e->msg), notify_mask(e->msg, NULL, masked, sizeof(masked)));
		return -1;
	}
	return delivered;
}

/*
 * orch-status's outbox: the counts by state, and the notifications that failed at least once and are not
 * delivered (the dead ones first, each group newest first; 20 at most), their message cut to 300 characters.
 */
int
notify_outbox_json(struct store *st, struct cJSON *ob, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(st, &s,
		"SELECT 'pending', count(*) FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL "
		"AND claimed_at IS NULL AND attempts = 0 UNION ALL "
		"SELECT 'retrying', count(*) FROM outbox WHERE delivered_at IS NULL AND dead_at IS NULL AND "
		"claimed_at IS NULL AND attempts > 0 UNION ALL "
		"SELECT 'claimed_undelivered', count(*) FROM outbox WHERE claimed_at IS NOT NULL AND "
		"delivered_at IS NULL "
		"AND dead_at IS NULL UNION ALL "
		"SELECT 'dead', count(*) FROM outbox WHERE dead_at IS NOT NULL",
		e) < 0 ||
	    store_counts_json(st, s, ob, e) < 0)
		return -1;
	cJSON *arr = cJSON_AddArrayToObject(ob, "undelivered"), *it, *na;
	char iso[24];

	if (store_list_json(st,
		"SELECT id, level, work_item, CASE WHEN dead_at IS NULL THEN 'retrying' ELSE "
		"'dead' END AS state, attempts, last_error, CASE WHEN dead_at IS NULL THEN "
		"next_attempt_at END AS next_attempt, dead_at, substr(message, 1, 300) AS message "
		"FROM outbox "
		"WHERE delivered_at IS NULL AND (dead_at IS NOT NULL OR attempts > 0) ORDER BY CASE WHEN "
		"dead_at IS NULL THEN 1 ELSE 0 END, id DESC "
		"LIMIT ?1",
		20, arr, e) < 0)
		return -1;
	/* next_attempt as UTC ISO text: formatted here, the two stores' date functions differ */
	cJSON_ArrayForEach(it, arr) {
		if (cJSON_IsNumber(na = cJSON_GetObjectItemCaseSensitive(it, "next_attempt"))) {
			time_local_s((int64_t)na->valuedouble, NULL, iso);
			cJSON_ReplaceItemInObjectCaseSensitive(it, "next_attempt", cJSON_CreateString(iso));
		}
	}
	return 0;
}
