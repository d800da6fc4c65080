/*
 * lock: one exclusive flock per command, $ORCH_HOME/locks/<name>.lock.
 *
 * lock_take() returns LOCK_TAKEN (fd in *fd, held until lock_release() or
 * process exit, so a killed run never leaves a stale lock), LOCK_BUSY when
 * another run holds it and wait is 0 (the caller prints one line and exits
 * 0), or -1 with *e filled.  With wait set it blocks until the lock frees.
 */
#ifndef ORCH_LOCK_H
#define ORCH_LOCK_H

struct orch_err;

enum { LOCK_TAKEN = 0, LOCK_BUSY = 1 };

int lock_take(const char *home, const char *name, int wait, int *fd, struct orch_err *e);
void lock_release(int fd);

#endif
