build-dev/lib/lock.o: lib/lock.c lib/lock.h lib/err.h lib/util.h
lib/lock.h:
lib/err.h:
lib/util.h:
