/*
 * notify: the notification outbox, delivered at least once.
 *
 * notify_queue() inserts a row in the caller's open transaction, so a
 * notification exists exactly when the transition that caused it
 * committed.  notify_deliver() runs at the end of each command (cli_close)
 * and takes the rows that are due, oldest first.
 *
 * Sinks.  Every row goes to $ORCH_HOME/logs/notify.log (alerts also to
 * stderr, for cron mail) and to NOTIFY_CMD (argv, the line on stdin, the
 * row id in ORCH_NOTIFY_ID) when configured; alerts also go to Telegram
 * (Bot API sendMessage) when telegram_chat_id and a bot token are set.
 * outbox.sinks_done records the sinks that took the row, so a retry never
 * repeats a sink that already said yes.
 *
 * A row's life:
 *
 *   pending --claim--> claimed --every sink said yes--> delivered
 *      ^                  |
 *      |                  +--a sink failed (exit != 0, timeout, HTTP not 2xx)
 *      |                  |    attempts + 1, last_error, next_attempt_at =
 *      +------------------+    now + notify_backoff_s * 2^(attempts - 1)
 *                         |    (Telegram's 429: its retry_after when longer)
 *                         +--attempts reach notify_max_attempts--> dead
 *                              (event notification_dead; orch-status shows it)
 *
 *  1. A sink counts only when it said so: NOTIFY_CMD exited 0, Telegram
 *     answered 2xx.  Anything else leaves the row pending.
 *  2. One claim per row (an UPDATE recording the pid): two commands never
 *     deliver it at once.  A claim whose pid is dead is taken again (the
 *     command died mid-delivery); receivers key on ORCH_NOTIFY_ID.
 *  3. Time budget: one notify_deliver() spends at most notify_budget_s on
 *     senders (each send capped at notify_timeout_s and at what is left of
 *     the budget; a killed notify_cmd may add proc's SIGKILL grace).  Rows
 *     not reached stay pending, with no attempt counted.  After a 429 no
 *     more Telegram sends are made in this run, and every alert still owed
 *     to Telegram waits until its retry_after (its other sinks with it).
 *  4. The bot token sits in the Telegram URL's path: it never reaches a
 *     log, event, error, the store or argv; every message that could carry
 *     the URL goes through notify_mask().
 *
 * notify_deliver() returns the number of rows delivered now, or -1 with *e
 * (the store failed).  A sink's failure is not an error: it is recorded on
 * the row.
 */
#ifndef ORCH_NOTIFY_H
#define ORCH_NOTIFY_H

#include <stddef.h>

struct config;
struct orch_err;
struct store;

enum {
	NOTIFY_SINK_LOG = 1,      /* logs/notify.log and, for alerts, stderr */
	NOTIFY_SINK_CMD = 2,      /* NOTIFY_CMD */
	NOTIFY_SINK_TELEGRAM = 4, /* alerts only */
};

#define NOTIFY_TEXT_MAX 3500 /* bytes of a Telegram message (the API takes 4096 characters) */

int notify_queue(
    struct store *st, const char *level, const char *wi, const char *message, struct orch_err *e);
int notify_deliver(const struct config *cfg, struct store *st, int quiet, struct orch_err *e);
/*
 * Copy in to out (size n, always terminated), with every occurrence of
 * secret (when not NULL or empty) and every "/bot<token>" URL segment
 * replaced by "***".  Returns out.
 */
char *notify_mask(const char *in, const char *secret, char *out, size_t n);
/*
 * The bot token: ORCH_TELEGRAM_BOT_TOKEN, else telegram_bot_token_file
 * (a regular file of ours, mode 0600, one line); either must look like a
 * bot token (<digits>:<letters, digits, _ or ->), since it goes into a URL
 * path.  Malloc'd (wipe and free it), or NULL with *e (EX_CONFIG).
 */
char *notify_telegram_token(const struct config *cfg, struct orch_err *e);

/*
 * orch-status's outbox, into ob (struct cJSON is cJSON's own type): the
 * counts {pending, retrying, claimed_undelivered, dead}, then undelivered:
 * at most 20 notifications not delivered that failed at least once, the
 * dead ones first, each group newest first: {id, level, work_item, state
 * (retrying|dead), attempts, last_error, next_attempt (ISO-8601 UTC, null
 * when dead), dead_at, message (its first 300 characters)}.  0 / -1.
 */
struct cJSON;
int notify_outbox_json(struct store *st, struct cJSON *ob, struct orch_err *e);

#endif
