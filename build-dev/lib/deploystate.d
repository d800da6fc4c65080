build-dev/lib/deploystate.o: lib/deploystate.c lib/deploystate.h \
 lib/atomic.h lib/buf.h lib/config.h lib/ctx.h lib/err.h lib/git.h \
 lib/proc.h lib/store.h lib/task.h lib/util.h lib/wi.h
lib/deploystate.h:
lib/atomic.h:
lib/buf.h:
lib/config.h:
lib/ctx.h:
lib/err.h:
lib/git.h:
lib/proc.h:
lib/store.h:
lib/task.h:
lib/util.h:
lib/wi.h:
