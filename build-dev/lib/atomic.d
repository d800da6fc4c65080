build-dev/lib/atomic.o: lib/atomic.c lib/atomic.h lib/buf.h lib/err.h \
 lib/util.h
lib/atomic.h:
lib/buf.h:
lib/err.h:
lib/util.h:
