build-dev/lib/scanmain.o: lib/scanmain.c lib/scanmain.h lib/atomic.h \
 lib/config.h lib/ctx.h lib/err.h lib/git.h lib/buf.h lib/notify.h \
 lib/proc.h lib/scan.h lib/store.h lib/util.h
lib/scanmain.h:
lib/atomic.h:
lib/config.h:
lib/ctx.h:
lib/err.h:
lib/git.h:
lib/buf.h:
lib/notify.h:
lib/proc.h:
lib/scan.h:
lib/store.h:
lib/util.h:
