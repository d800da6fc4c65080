build-dev/tests/test_engine.o: tests/unit/test_engine.c \
 tests/unit/../../lib/config.h tests/unit/../../lib/deploystate.h \
 tests/unit/../../lib/engine.h tests/unit/../../lib/err.h \
 tests/unit/../../lib/ctx.h tests/unit/../../lib/err.h \
 tests/unit/../../lib/store.h tests/unit/../../lib/task.h \
 tests/unit/../../lib/tracker.h tests/unit/../../lib/trackerkey.h \
 tests/unit/suites.h
tests/unit/../../lib/config.h:
tests/unit/../../lib/deploystate.h:
tests/unit/../../lib/engine.h:
tests/unit/../../lib/err.h:
tests/unit/../../lib/ctx.h:
tests/unit/../../lib/err.h:
tests/unit/../../lib/store.h:
tests/unit/../../lib/task.h:
tests/unit/../../lib/tracker.h:
tests/unit/../../lib/trackerkey.h:
tests/unit/suites.h:
