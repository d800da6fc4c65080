build-dev/tests/test_store.o: tests/unit/test_store.c \
 tests/unit/../../lib/err.h tests/unit/../../lib/proc.h \
 tests/unit/../../lib/buf.h tests/unit/../../lib/store.h \
 tests/unit/../../lib/task.h tests/unit/suites.h
tests/unit/../../lib/err.h:
tests/unit/../../lib/proc.h:
tests/unit/../../lib/buf.h:
tests/unit/../../lib/store.h:
tests/unit/../../lib/task.h:
tests/unit/suites.h:
