build-dev/lib/fixplan.o: lib/fixplan.c lib/fixplan.h lib/config.h \
 lib/util.h lib/wi.h
lib/fixplan.h:
lib/config.h:
lib/util.h:
lib/wi.h:
