build-dev/tests/test_http.o: tests/unit/test_http.c \
 tests/unit/../../lib/err.h tests/unit/../../lib/http.h \
 tests/unit/../../lib/buf.h tests/unit/../../lib/util.h \
 tests/unit/suites.h
tests/unit/../../lib/err.h:
tests/unit/../../lib/http.h:
tests/unit/../../lib/buf.h:
tests/unit/../../lib/util.h:
tests/unit/suites.h:
