build-dev/lib/tracker_local.o: lib/tracker_local.c lib/config.h lib/err.h \
 lib/store.h lib/tracker.h lib/trackerkey.h lib/util.h lib/wi.h
lib/config.h:
lib/err.h:
lib/store.h:
lib/tracker.h:
lib/trackerkey.h:
lib/util.h:
lib/wi.h:
