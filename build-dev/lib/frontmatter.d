build-dev/lib/frontmatter.o: lib/frontmatter.c lib/frontmatter.h \
 lib/util.h
lib/frontmatter.h:
lib/util.h:
