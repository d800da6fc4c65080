build-dev/tests/test_notify.o: tests/unit/test_notify.c \
 tests/unit/../../lib/config.h tests/unit/../../lib/err.h \
 tests/unit/../../lib/notify.h tests/unit/../../lib/store.h \
 tests/unit/suites.h
tests/unit/../../lib/config.h:
tests/unit/../../lib/err.h:
tests/unit/../../lib/notify.h:
tests/unit/../../lib/store.h:
tests/unit/suites.h:
