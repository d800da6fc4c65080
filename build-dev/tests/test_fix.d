build-dev/tests/test_fix.o: tests/unit/test_fix.c \
 tests/unit/../../lib/buf.h tests/unit/../../lib/config.h \
 tests/unit/../../lib/ctx.h tests/unit/../../lib/err.h \
 tests/unit/../../lib/fix.h tests/unit/../../lib/buf.h \
 tests/unit/../../lib/fixplan.h tests/unit/../../lib/store.h \
 tests/unit/../../lib/task.h tests/unit/../../lib/fixpatch.h \
 tests/unit/../../lib/fixplan.h tests/unit/../../lib/util.h \
 tests/unit/suites.h
tests/unit/../../lib/buf.h:
tests/unit/../../lib/config.h:
tests/unit/../../lib/ctx.h:
tests/unit/../../lib/err.h:
tests/unit/../../lib/fix.h:
tests/unit/../../lib/buf.h:
tests/unit/../../lib/fixplan.h:
tests/unit/../../lib/store.h:
tests/unit/../../lib/task.h:
tests/unit/../../lib/fixpatch.h:
tests/unit/../../lib/fixplan.h:
tests/unit/../../lib/util.h:
tests/unit/suites.h:
