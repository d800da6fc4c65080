build-dev/lib/doctor.o: lib/doctor.c lib/doctor.h lib/config.h lib/ctx.h \
 lib/engine.h lib/err.h lib/gate.h lib/buf.h lib/git.h lib/proc.h \
 lib/scan.h lib/store.h lib/tracker.h lib/trackerkey.h lib/util.h
lib/doctor.h:
lib/config.h:
lib/ctx.h:
lib/engine.h:
lib/err.h:
lib/gate.h:
lib/buf.h:
lib/git.h:
lib/proc.h:
lib/scan.h:
lib/store.h:
lib/tracker.h:
lib/trackerkey.h:
lib/util.h:
