build-dev/tests/test_proc.o: tests/unit/test_proc.c \
 tests/unit/../../lib/proc.h tests/unit/../../lib/buf.h \
 tests/unit/suites.h
tests/unit/../../lib/proc.h:
tests/unit/../../lib/buf.h:
tests/unit/suites.h:
