build-dev/lib/tracker.o: lib/tracker.c lib/tracker.h lib/trackerkey.h \
 lib/config.h lib/ctx.h lib/err.h lib/store.h lib/tracker_plane.h \
 lib/util.h
lib/tracker.h:
lib/trackerkey.h:
lib/config.h:
lib/ctx.h:
lib/err.h:
lib/store.h:
lib/tracker_plane.h:
lib/util.h:
