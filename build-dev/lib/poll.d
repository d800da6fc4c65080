build-dev/lib/poll.o: lib/poll.c lib/poll.h lib/engine.h lib/err.h \
 lib/ctx.h lib/config.h lib/deploy.h lib/deploystate.h lib/http.h \
 lib/buf.h lib/gate.h lib/store.h lib/task.h lib/tracker.h \
 lib/trackerkey.h lib/util.h
lib/poll.h:
lib/engine.h:
lib/err.h:
lib/ctx.h:
lib/config.h:
lib/deploy.h:
lib/deploystate.h:
lib/http.h:
lib/buf.h:
lib/gate.h:
lib/store.h:
lib/task.h:
lib/tracker.h:
lib/trackerkey.h:
lib/util.h:
