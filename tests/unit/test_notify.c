/* notify: outbox rows delivered at least once, to the log and NOTIFY_CMD; retries, budget, dead rows. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "../../lib/config.h"
#include "../../lib/err.h"
#include "../../lib/notify.h"
#include "../../lib/store.h"
#include "suites.h"

/* Load a config whose text is yaml (notify settings) and open a fresh store. */
static void
setup_cfg(struct config *cfg, struct store *st, const char *yaml)
{
	struct orch_err e = { 0 };

	ck_assert_msg(
	    config_load(cfg, tmp_write("orch.yaml", yaml), tmp_dir, 1, &e) == 0, "config: %s", e.msg);
	tmp_store(st);
}

static void
queue(struct store *st, const char *level, const char *msg)
{
	struct orch_err e = { 0 };

	ck_assert_int_eq(store_begin(st, &e), 0);
	ck_assert_int_eq(notify_queue(st, level, "A-1", msg, &e), 0);
	ck_assert_int_eq(store_commit(st, &e), 0);
}

static int
deliver(const struct config *cfg, struct store *st)
{
	struct orch_err e = { 0 };
	int n = notify_deliver(cfg, st, 1, &e);

	ck_assert_msg(n >= 0, "notify_deliver: %s", e.msg);
	return n;
}

static int
lines_in(const char *name)
{
	char path[4300], line[512];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmp_dir, name);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f))
		n++;
	fclose(f);
	return n;
}

START_TEST(notify_delivered_once)
{
	struct config cfg;
	struct store st;
	struct orch_err e = { 0 };
	char yaml[4500], got[256] = "";
	FILE *f;

	snprintf(yaml, sizeof(yaml), "notify_cmd: [\"tee\", \"-a\", \"%s/sent.txt\"]\n", tmp_dir);
	setup_cfg(&cfg, &st, yaml);
	queue(&st, "info", "moved");
	ck_assert_int_eq(store_begin(&st, &e), 0);
	ck_assert_int_eq(notify_queue(&st, "info", "A-1", "rolled back, never committed", &e), 0);
	store_rollback(&st);
	ck_assert_int_eq(deliver(&cfg, &st), 1);
	ck_assert_int_eq(deliver(&cfg, &st), 0);
	snprintf(yaml, sizeof(yaml), "%s/sent.txt", tmp_dir);
	f = fopen(yaml, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(got, sizeof(got), f));
	ck_assert_ptr_nonnull(strstr(got, "info A-1 moved"));
	ck_assert_ptr_null(fgets(got, sizeof(got), f));
	fclose(f);
	ck_assert_int_eq(lines_in("logs/notify.log"), 1);
	ck_assert_int_eq(tsql_int(&st, "SELECT sinks_done FROM outbox"), NOTIFY_SINK_LOG | NOTIFY_SINK_CMD);
	store_close(&st);
	config_free(&cfg);
}
END_TEST

/* A receiver that fails its first call and takes the second: delivered once, on the later run. */
START_TEST(notify_failed_then_delivered)
{
	struct config cfg;
	struct store st;
	char yaml[4500], script[4600];

	snprintf(script, sizeof(script),
	    "cat >/dev/null; [ -e '%s/once' ] || { : >'%s/once'; exit 3; }; "
	    "echo \"$ORCH_NOTIFY_ID\" >>'%s/got'\n",
	    tmp_dir, tmp_dir, tmp_dir);
	tmp_write("recv.sh", script);
	snprintf(yaml, sizeof(yaml), "notify_cmd: [\"sh\", \"%s/recv.sh\"]\nnotify_backoff_s: 0\n", tmp_dir);
	setup_cfg(&cfg, &st, yaml);
	queue(&st, "alert", "blocked");
	ck_assert_int_eq(deliver(&cfg, &st), 0);
	ck_assert_int_eq(tsql_int(&st,
			     "SELECT count(*) FROM outbox WHERE delivered_at IS NULL AND attempts = 1 "
			     "AND last_error LIKE 'notify_cmd: %exit%3%' AND claimed_at IS NULL"),
	    1);
	ck_assert_int_eq(lines_in("got"), 0);
	ck_assert_int_eq(deliver(&cfg, &st), 1);
	ck_assert_int_eq(lines_in("got"), 1);
	ck_assert_int_eq(deliver(&cfg, &st), 0);
	ck_assert_int_eq(lines_in("got"), 1);
	/* the log line and the stderr alert were written once, on the first attempt */
	ck_assert_int_eq(lines_in("logs/notify.log"), 1);
	store_close(&st);
	config_free(&cfg);
}
END_TEST

/* The backoff doubles from notify_backoff_s; a row not yet due is not attempted. */
START_TEST(notify_backoff_doubles)
{
	struct config cfg;
	struct store st;
	struct orch_err e = { 0 };
	int i, want[] = { 10, 20, 40 };

	setup_cfg(&cfg, &st, "notify_cmd: [\"false\"]\nnotify_backoff_s: 10\n");
	queue(&st, "info", "x");
	for (i = 0; i < 3; i++) {
		int64_t now = (int64_t)time(NULL);
		ck_assert_int_eq(deliver(&cfg, &st), 0);
		int wait = tsql_int(&st, "SELECT next_attempt_at FROM outbox") - (int)now;
		ck_assert_msg(wait >= want[i] && wait <= want[i] + 2, "attempt %d: next in %d s, want %d",
		    i + 1, wait, want[i]);
		ck_assert_int_eq(deliver(&cfg, &st), 0); /* not due: untouched */
		ck_assert_int_eq(tsql_int(&st, "SELECT attempts FROM outbox"), i + 1);
		ck_assert_int_eq(store_exec(&st, "UPDATE outbox SET next_attempt_at = 0", &e), 0);
	}
	store_close(&st);
	config_free(&cfg);
}
END_TEST

/* At notify_max_attempts the row is dead: an event, never tried again. */
START_TEST(notify_dead_after_cap)
{
	struct config cfg;
	struct store st;
	int i;

	setup_cfg(&cfg, &st, "notify_cmd: [\"false\"]\nnotify_backoff_s: 0\nnotify_max_attempts: 3\n");
	queue(&st, "alert", "deploy failed");
	for (i = 0; i < 5; i++)
		ck_assert_int_eq(deliver(&cfg, &st), 0);
	ck_assert_int_eq(
	    tsql_int(&st, "SELECT attempts FROM outbox WHERE dead_at IS NOT NULL AND delivered_at IS NULL"),
	    3);
	ck_assert_int_eq(tsql_int(&st,
			     "SELECT count(*) FROM events WHERE kind = 'notification_dead' AND "
			     "work_item = 'A-1' AND detail LIKE 'notification 1 (alert) not delivered after "
			     "3 attempts: notify_cmd%'"),
	    1);
	store_close(&st);
	config_free(&cfg);
}
END_TEST

/*
 * A notify_cmd that hangs: each send is cut at notify_timeout_s and the run
 * stops when notify_budget_s is spent; the rows not reached stay pending with
 * no attempt counted, and the next run goes on with them.
 */
START_TEST(notify_hanging_cmd_budget)
{
	struct config cfg;
	struct store st;
	int i, tried;

	setup_cfg(&cfg, &st,
	    "notify_cmd: [\"sleep\", \"60\"]\nnotify_timeout_s: 1\nnotify_budget_s: 2\n"
	    "notify_backoff_s: 3600\n");
	for (i = 0; i < 6; i++)
		queue(&st, "info", "slow");
	ck_assert_int_eq(deliver(&cfg, &st), 0);
	tried = tsql_int(&st, "SELECT count(*) FROM outbox WHERE attempts = 1");
	ck_assert_msg(tried >= 1 && tried <= 2, "%d sends in a 2 s budget of 1 s sends", tried);
	ck_assert_int_eq(
	    tsql_int(&st, "SELECT count(*) FROM outbox WHERE attempts = 0 AND sinks_done = 0"), 6 - tried);
	ck_assert_int_eq(
	    tsql_int(&st,
		"SELECT count(*) FROM outbox WHERE delivered_at IS NOT NULL OR dead_at IS NOT NULL "
		"OR claimed_at IS NOT NULL"),
	    0);
	ck_assert_int_eq(
	    tsql_int(&st, "SELECT count(*) FROM outbox WHERE attempts = 1 AND last_error LIKE '%timed out%'"),
	    tried);
	/* the next run takes the rows not reached (the failed ones wait for their backoff) */
	ck_assert_int_eq(deliver(&cfg, &st), 0);
	ck_assert_int_gt(tsql_int(&st, "SELECT count(*) FROM outbox WHERE attempts = 1"), tried);
	ck_assert_int_eq(tsql_int(&st, "SELECT max(attempts) FROM outbox"), 1);
	store_close(&st);
	config_free(&cfg);
}
END_TEST

START_TEST(notify_mask_hides_tokens)
{
	char out[256];

	ck_assert_str_eq(notify_mask("POST https://api.telegram.org/bot123:AAbc-_x/sendMessage failed", NULL,
			     out, sizeof(out)),
	    "POST https://api.telegram.org/bot***/sendMessage failed");
	ck_assert_str_eq(notify_mask("token 123:AAbc in text, twice 123:AAbc", "123:AAbc", out, sizeof(out)),
	    "token *** in text, twice ***");
	ck_assert_str_eq(
	    notify_mask("/bottle of /bot and /bots", NULL, out, sizeof(out)), "/bottle of /bot and /bots");
	ck_assert_str_eq(notify_mask("", "s", out, sizeof(out)), "");
	ck_assert_str_eq(notify_mask("abcdef", "cd", out, 4), "ab*");
}
END_TEST

/* Telegram needs a chat and a token together; the token must look like one and sit in a 0600 file. */
START_TEST(notify_telegram_config)
{
	struct config cfg;
	struct orch_err e = { 0 };
	char yaml[4500], *tok;

	setenv("ORCH_TELEGRAM_BOT_TOKEN", "12:ab", 1);
	ck_assert_int_eq(config_load(&cfg, tmp_write("orch.yaml", "tracker: local\n"), tmp_dir, 1, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "telegram_chat_id is not"));
	config_free(&cfg);
	ck_assert_int_eq(config_load(&cfg,
			     tmp_write("orch.yaml",
				 "telegram_chat_id: \"42\"\n"
				 "telegram_api_url: ftp://x\n"),
			     tmp_dir, 1, &e),
	    -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "is not an http(s) URL"));
	config_free(&cfg);
	setenv("ORCH_TELEGRAM_BOT_TOKEN", "12:ab/../x", 1);
	ck_assert_int_eq(
	    config_load(&cfg, tmp_write("orch.yaml", "telegram_chat_id: \"42\"\n"), tmp_dir, 1, &e), 0);
	ck_assert_ptr_null(notify_telegram_token(&cfg, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "is not a bot token"));
	ck_assert_ptr_null(strstr(e.msg, "12:ab"));
	config_free(&cfg);
	unsetenv("ORCH_TELEGRAM_BOT_TOKEN");
	config_secrets_clear(); /* config_load kept the token it took out of the environment */
	snprintf(yaml, sizeof(yaml), "telegram_chat_id: \"42\"\ntelegram_bot_token_file: %s/tok\n", tmp_dir);
	ck_assert_int_eq(config_load(&cfg, tmp_write("orch.yaml", yaml), tmp_dir, 1, &e), 0);
	ck_assert_ptr_null(notify_telegram_token(&cfg, &e)); /* missing */
	ck_assert_int_eq(chmod(tmp_write("tok", "123:AbC_-x\n"), 0644), 0);
	ck_assert_ptr_null(notify_telegram_token(&cfg, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "mode 0600"));
	ck_assert_int_eq(chmod(tmp_write("tok", "123:AbC_-x\n"), 0600), 0);
	tok = notify_telegram_token(&cfg, &e);
	ck_assert_ptr_nonnull(tok);
	ck_assert_str_eq(tok, "123:AbC_-x");
	free(tok);
	config_free(&cfg);
}
END_TEST

Suite *
notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, notify_delivered_once);
	tcase_add_test(tc, notify_failed_then_delivered);
	tcase_add_test(tc, notify_backoff_doubles);
	tcase_add_test(tc, notify_dead_after_cap);
	tcase_add_test(tc, notify_hanging_cmd_budget);
	tcase_add_test(tc, notify_mask_hides_tokens);
	tcase_add_test(tc, notify_telegram_config);
	suite_add_tcase(s, tc);
	return s;
}
