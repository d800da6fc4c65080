build-dev/tests/test_decide.o: tests/unit/test_decide.c \
 tests/unit/../../lib/buf.h tests/unit/../../lib/config.h \
 tests/unit/../../lib/ctx.h tests/unit/../../lib/deploy.h \
 tests/unit/../../lib/deploystate.h tests/unit/../../lib/engine.h \
 tests/unit/../../lib/err.h tests/unit/../../lib/ctx.h \
 tests/unit/../../lib/engine.h tests/unit/../../lib/err.h \
 tests/unit/../../lib/gate.h tests/unit/../../lib/buf.h \
 tests/unit/../../lib/merge.h tests/unit/../../lib/poll.h \
 tests/unit/../../lib/reconcile.h tests/unit/../../lib/store.h \
 tests/unit/../../lib/task.h tests/unit/../../lib/tracker.h \
 tests/unit/../../lib/trackerkey.h tests/unit/suites.h
tests/unit/../../lib/buf.h:
tests/unit/../../lib/config.h:
tests/unit/../../lib/ctx.h:
tests/unit/../../lib/deploy.h:
tests/unit/../../lib/deploystate.h:
tests/unit/../../lib/engine.h:
tests/unit/../../lib/err.h:
tests/unit/../../lib/ctx.h:
tests/unit/../../lib/engine.h:
tests/unit/../../lib/err.h:
tests/unit/../../lib/gate.h:
tests/unit/../../lib/buf.h:
tests/unit/../../lib/merge.h:
tests/unit/../../lib/poll.h:
tests/unit/../../lib/reconcile.h:
tests/unit/../../lib/store.h:
tests/unit/../../lib/task.h:
tests/unit/../../lib/tracker.h:
tests/unit/../../lib/trackerkey.h:
tests/unit/suites.h:
