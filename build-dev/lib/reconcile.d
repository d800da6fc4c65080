build-dev/lib/reconcile.o: lib/reconcile.c lib/reconcile.h lib/engine.h \
 lib/err.h lib/ctx.h lib/atomic.h lib/cleanup.h lib/config.h lib/gate.h \
 lib/buf.h lib/job.h lib/notify.h lib/poll.h lib/proc.h lib/store.h \
 lib/task.h lib/tracker.h lib/trackerkey.h lib/util.h
lib/reconcile.h:
lib/engine.h:
lib/err.h:
lib/ctx.h:
lib/atomic.h:
lib/cleanup.h:
lib/config.h:
lib/gate.h:
lib/buf.h:
lib/job.h:
lib/notify.h:
lib/poll.h:
lib/proc.h:
lib/store.h:
lib/task.h:
lib/tracker.h:
lib/trackerkey.h:
lib/util.h:
