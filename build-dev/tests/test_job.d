build-dev/tests/test_job.o: tests/unit/test_job.c \
 tests/unit/../../lib/err.h tests/unit/../../lib/job.h \
 tests/unit/../../lib/store.h tests/unit/../../lib/task.h \
 tests/unit/../../lib/work.h tests/unit/../../lib/engine.h \
 tests/unit/../../lib/err.h tests/unit/../../lib/ctx.h \
 tests/unit/suites.h
tests/unit/../../lib/err.h:
tests/unit/../../lib/job.h:
tests/unit/../../lib/store.h:
tests/unit/../../lib/task.h:
tests/unit/../../lib/work.h:
tests/unit/../../lib/engine.h:
tests/unit/../../lib/err.h:
tests/unit/../../lib/ctx.h:
tests/unit/suites.h:
