build-dev/lib/secgate.o: lib/secgate.c lib/atomic.h lib/config.h \
 lib/ctx.h lib/frontmatter.h lib/gate.h lib/buf.h lib/err.h lib/git.h \
 lib/scan.h lib/task.h lib/util.h lib/wi.h
lib/atomic.h:
lib/config.h:
lib/ctx.h:
lib/frontmatter.h:
lib/gate.h:
lib/buf.h:
lib/err.h:
lib/git.h:
lib/scan.h:
lib/task.h:
lib/util.h:
lib/wi.h:
