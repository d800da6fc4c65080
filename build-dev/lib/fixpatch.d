build-dev/lib/fixpatch.o: lib/fixpatch.c lib/fixpatch.h lib/buf.h \
 lib/fixplan.h
lib/fixpatch.h:
lib/buf.h:
lib/fixplan.h:
