build-dev/lib/notify.o: lib/notify.c lib/notify.h lib/config.h lib/err.h \
 lib/http.h lib/buf.h lib/proc.h lib/store.h lib/task.h lib/util.h
lib/notify.h:
lib/config.h:
lib/err.h:
lib/http.h:
lib/buf.h:
lib/proc.h:
lib/store.h:
lib/task.h:
lib/util.h:
