build-dev/lib/config.o: lib/config.c lib/config.h lib/err.h lib/util.h \
 lib/wi.h
lib/config.h:
lib/err.h:
lib/util.h:
lib/wi.h:
