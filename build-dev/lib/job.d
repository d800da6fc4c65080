build-dev/lib/job.o: lib/job.c lib/job.h lib/buf.h lib/err.h lib/notify.h \
 lib/store.h lib/task.h lib/util.h
lib/job.h:
lib/buf.h:
lib/err.h:
lib/notify.h:
lib/store.h:
lib/task.h:
lib/util.h:
