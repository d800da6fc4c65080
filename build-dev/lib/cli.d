build-dev/lib/cli.o: lib/cli.c lib/cli.h lib/config.h lib/ctx.h lib/err.h \
 lib/store.h lib/atomic.h lib/engine.h lib/lock.h lib/notify.h lib/util.h
lib/cli.h:
lib/config.h:
lib/ctx.h:
lib/err.h:
lib/store.h:
lib/atomic.h:
lib/engine.h:
lib/lock.h:
lib/notify.h:
lib/util.h:
