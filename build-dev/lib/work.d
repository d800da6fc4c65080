build-dev/lib/work.o: lib/work.c lib/work.h lib/engine.h lib/err.h \
 lib/ctx.h lib/atomic.h lib/buf.h lib/config.h lib/job.h lib/proc.h \
 lib/store.h lib/task.h lib/util.h
lib/work.h:
lib/engine.h:
lib/err.h:
lib/ctx.h:
lib/atomic.h:
lib/buf.h:
lib/config.h:
lib/job.h:
lib/proc.h:
lib/store.h:
lib/task.h:
lib/util.h:
