build-dev/tests/main.o: tests/unit/main.c tests/unit/../../lib/err.h \
 tests/unit/../../lib/proc.h tests/unit/../../lib/buf.h \
 tests/unit/../../lib/store.h tests/unit/../../lib/util.h \
 tests/unit/suites.h
tests/unit/../../lib/err.h:
tests/unit/../../lib/proc.h:
tests/unit/../../lib/buf.h:
tests/unit/../../lib/store.h:
tests/unit/../../lib/util.h:
tests/unit/suites.h:
