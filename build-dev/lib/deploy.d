build-dev/lib/deploy.o: lib/deploy.c lib/deploy.h lib/deploystate.h \
 lib/engine.h lib/err.h lib/ctx.h lib/atomic.h lib/config.h lib/gate.h \
 lib/buf.h lib/http.h lib/git.h lib/merge.h lib/notify.h lib/proc.h \
 lib/store.h lib/task.h lib/tracker.h lib/trackerkey.h lib/util.h
lib/deploy.h:
lib/deploystate.h:
lib/engine.h:
lib/err.h:
lib/ctx.h:
lib/atomic.h:
lib/config.h:
lib/gate.h:
lib/buf.h:
lib/http.h:
lib/git.h:
lib/merge.h:
lib/notify.h:
lib/proc.h:
lib/store.h:
lib/task.h:
lib/tracker.h:
lib/trackerkey.h:
lib/util.h:
