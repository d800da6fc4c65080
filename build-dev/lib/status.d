build-dev/lib/status.o: lib/status.c lib/status.h lib/atomic.h lib/buf.h \
 lib/config.h lib/engine.h lib/err.h lib/ctx.h lib/store.h lib/task.h \
 lib/util.h lib/wi.h
lib/status.h:
lib/atomic.h:
lib/buf.h:
lib/config.h:
lib/engine.h:
lib/err.h:
lib/ctx.h:
lib/store.h:
lib/task.h:
lib/util.h:
lib/wi.h:
