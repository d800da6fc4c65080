build-dev/lib/tracker_plane.o: lib/tracker_plane.c lib/config.h lib/ctx.h \
 lib/err.h lib/http.h lib/buf.h lib/store.h lib/tracker.h \
 lib/trackerkey.h lib/tracker_plane.h lib/util.h lib/wi.h
lib/config.h:
lib/ctx.h:
lib/err.h:
lib/http.h:
lib/buf.h:
lib/store.h:
lib/tracker.h:
lib/trackerkey.h:
lib/tracker_plane.h:
lib/util.h:
lib/wi.h:
