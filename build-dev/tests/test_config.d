build-dev/tests/test_config.o: tests/unit/test_config.c \
 tests/unit/../../lib/config.h tests/unit/../../lib/err.h \
 tests/unit/suites.h
tests/unit/../../lib/config.h:
tests/unit/../../lib/err.h:
tests/unit/suites.h:
