build-dev/tests/test_basic.o: tests/unit/test_basic.c \
 tests/unit/../../lib/atomic.h tests/unit/../../lib/buf.h \
 tests/unit/../../lib/cli.h tests/unit/../../lib/config.h \
 tests/unit/../../lib/ctx.h tests/unit/../../lib/err.h \
 tests/unit/../../lib/store.h tests/unit/../../lib/err.h \
 tests/unit/../../lib/lock.h tests/unit/../../lib/util.h \
 tests/unit/../../lib/wi.h tests/unit/suites.h
tests/unit/../../lib/atomic.h:
tests/unit/../../lib/buf.h:
tests/unit/../../lib/cli.h:
tests/unit/../../lib/config.h:
tests/unit/../../lib/ctx.h:
tests/unit/../../lib/err.h:
tests/unit/../../lib/store.h:
tests/unit/../../lib/err.h:
tests/unit/../../lib/lock.h:
tests/unit/../../lib/util.h:
tests/unit/../../lib/wi.h:
tests/unit/suites.h:
