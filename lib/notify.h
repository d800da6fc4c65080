/*
 * notify: the notification outbox.
 *
 * notify_queue() inserts a row in the caller's open transaction, so a
 * notification exists exactly when the transition that caused it
 * committed.  notify_deliver() runs at the end of each command: it claims
 * each pending row (one UPDATE, so two commands never both take it),
 * appends it to $ORCH_HOME/logs/notify.log, prints alerts on stderr, and
 * runs NOTIFY_CMD (argv, message on stdin) when configured, then marks it
 * delivered.  A row claimed by a command that died before delivering stays
 * claimed and is shown by orch-status (delivered at most once; see
 * docs/decisions.md).  Returns the number delivered, or -1.
 */
#ifndef ORCH_NOTIFY_H
#define ORCH_NOTIFY_H

struct config;
struct orch_err;
struct store;

int notify_queue(struct store *st, const char *level, const char *wi, const char *message,
    struct orch_err *e);
int notify_deliver(const struct config *cfg, struct store *st, int quiet, struct orch_err *e);

#endif
