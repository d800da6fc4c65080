build-dev/lib/scan.o: lib/scan.c lib/scan.h lib/atomic.h lib/config.h \
 lib/ctx.h lib/err.h lib/git.h lib/buf.h lib/proc.h lib/store.h \
 lib/util.h
lib/scan.h:
lib/atomic.h:
lib/config.h:
lib/ctx.h:
lib/err.h:
lib/git.h:
lib/buf.h:
lib/proc.h:
lib/store.h:
lib/util.h:
