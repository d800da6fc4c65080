build-dev/lib/fix.o: lib/fix.c lib/fix.h lib/buf.h lib/fixplan.h \
 lib/atomic.h lib/config.h lib/ctx.h lib/engine.h lib/err.h \
 lib/fixpatch.h lib/frontmatter.h lib/gate.h lib/git.h lib/job.h \
 lib/notify.h lib/proc.h lib/scan.h lib/store.h lib/task.h lib/tracker.h \
 lib/trackerkey.h lib/util.h lib/wi.h lib/work.h
lib/fix.h:
lib/buf.h:
lib/fixplan.h:
lib/atomic.h:
lib/config.h:
lib/ctx.h:
lib/engine.h:
lib/err.h:
lib/fixpatch.h:
lib/frontmatter.h:
lib/gate.h:
lib/git.h:
lib/job.h:
lib/notify.h:
lib/proc.h:
lib/scan.h:
lib/store.h:
lib/task.h:
lib/tracker.h:
lib/trackerkey.h:
lib/util.h:
lib/wi.h:
lib/work.h:
