build-dev/lib/gate.o: lib/gate.c lib/gate.h lib/buf.h lib/err.h \
 lib/config.h lib/frontmatter.h lib/git.h lib/merge.h lib/notify.h \
 lib/proc.h lib/store.h lib/task.h lib/tracker.h lib/trackerkey.h \
 lib/util.h lib/wi.h
lib/gate.h:
lib/buf.h:
lib/err.h:
lib/config.h:
lib/frontmatter.h:
lib/git.h:
lib/merge.h:
lib/notify.h:
lib/proc.h:
lib/store.h:
lib/task.h:
lib/tracker.h:
lib/trackerkey.h:
lib/util.h:
lib/wi.h:
