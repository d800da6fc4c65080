build-dev/lib/store.o: lib/store.c lib/store.h lib/config.h lib/err.h \
 lib/proc.h lib/buf.h lib/util.h
lib/store.h:
lib/config.h:
lib/err.h:
lib/proc.h:
lib/buf.h:
lib/util.h:
