build-dev/lib/trackerkey.o: lib/trackerkey.c lib/trackerkey.h lib/util.h
lib/trackerkey.h:
lib/util.h:
