build-dev/tests/test_frontmatter.o: tests/unit/test_frontmatter.c \
 tests/unit/../../lib/frontmatter.h tests/unit/suites.h
tests/unit/../../lib/frontmatter.h:
tests/unit/suites.h:
