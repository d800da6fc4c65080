build-dev/lib/engine.o: lib/engine.c lib/engine.h lib/err.h lib/ctx.h \
 lib/config.h lib/gate.h lib/buf.h lib/git.h lib/job.h lib/deploystate.h \
 lib/fix.h lib/fixplan.h lib/merge.h lib/notify.h lib/store.h lib/task.h \
 lib/tracker.h lib/trackerkey.h lib/util.h lib/wi.h
lib/engine.h:
lib/err.h:
lib/ctx.h:
lib/config.h:
lib/gate.h:
lib/buf.h:
lib/git.h:
lib/job.h:
lib/deploystate.h:
lib/fix.h:
lib/fixplan.h:
lib/merge.h:
lib/notify.h:
lib/store.h:
lib/task.h:
lib/tracker.h:
lib/trackerkey.h:
lib/util.h:
lib/wi.h:
