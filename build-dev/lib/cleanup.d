build-dev/lib/cleanup.o: lib/cleanup.c lib/cleanup.h lib/config.h \
 lib/ctx.h lib/deploy.h lib/deploystate.h lib/engine.h lib/err.h \
 lib/git.h lib/buf.h lib/job.h lib/notify.h lib/store.h lib/task.h \
 lib/util.h
lib/cleanup.h:
lib/config.h:
lib/ctx.h:
lib/deploy.h:
lib/deploystate.h:
lib/engine.h:
lib/err.h:
lib/git.h:
lib/buf.h:
lib/job.h:
lib/notify.h:
lib/store.h:
lib/task.h:
lib/util.h:
