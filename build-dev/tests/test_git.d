build-dev/tests/test_git.o: tests/unit/test_git.c \
 tests/unit/../../lib/err.h tests/unit/../../lib/git.h \
 tests/unit/../../lib/buf.h tests/unit/suites.h
tests/unit/../../lib/err.h:
tests/unit/../../lib/git.h:
tests/unit/../../lib/buf.h:
tests/unit/suites.h:
