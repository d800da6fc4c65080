build-dev/tests/test_tracker.o: tests/unit/test_tracker.c \
 tests/unit/../../lib/config.h tests/unit/../../lib/ctx.h \
 tests/unit/../../lib/err.h tests/unit/../../lib/store.h \
 tests/unit/../../lib/tracker.h tests/unit/../../lib/trackerkey.h \
 tests/unit/../../lib/wi.h tests/unit/suites.h
tests/unit/../../lib/config.h:
tests/unit/../../lib/ctx.h:
tests/unit/../../lib/err.h:
tests/unit/../../lib/store.h:
tests/unit/../../lib/tracker.h:
tests/unit/../../lib/trackerkey.h:
tests/unit/../../lib/wi.h:
tests/unit/suites.h:
