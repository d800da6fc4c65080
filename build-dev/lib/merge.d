build-dev/lib/merge.o: lib/merge.c lib/merge.h lib/config.h lib/ctx.h \
 lib/err.h lib/gate.h lib/buf.h lib/git.h lib/proc.h lib/store.h \
 lib/task.h lib/util.h
lib/merge.h:
lib/config.h:
lib/ctx.h:
lib/err.h:
lib/gate.h:
lib/buf.h:
lib/git.h:
lib/proc.h:
lib/store.h:
lib/task.h:
lib/util.h:
