build-dev/tests/test_scanmain.o: tests/unit/test_scanmain.c \
 tests/unit/../../lib/scan.h tests/unit/../../lib/scanmain.h \
 tests/unit/suites.h
tests/unit/../../lib/scan.h:
tests/unit/../../lib/scanmain.h:
tests/unit/suites.h:
