build-dev/lib/git.o: lib/git.c lib/git.h lib/buf.h lib/config.h lib/err.h \
 lib/proc.h lib/store.h lib/util.h
lib/git.h:
lib/buf.h:
lib/config.h:
lib/err.h:
lib/proc.h:
lib/store.h:
lib/util.h:
