build-dev/lib/proc.o: lib/proc.c lib/proc.h lib/buf.h lib/util.h
lib/proc.h:
lib/buf.h:
lib/util.h:
