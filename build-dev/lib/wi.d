build-dev/lib/wi.o: lib/wi.c lib/wi.h lib/util.h
lib/wi.h:
lib/util.h:
