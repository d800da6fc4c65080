build-dev/lib/task.o: lib/task.c lib/task.h lib/config.h lib/err.h \
 lib/proc.h lib/buf.h lib/store.h lib/util.h
lib/task.h:
lib/config.h:
lib/err.h:
lib/proc.h:
lib/buf.h:
lib/store.h:
lib/util.h:
