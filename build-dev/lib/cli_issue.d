build-dev/lib/cli_issue.o: lib/cli_issue.c lib/cli_cmd.h lib/cli.h \
 lib/config.h lib/ctx.h lib/err.h lib/store.h lib/tracker.h \
 lib/trackerkey.h lib/util.h lib/wi.h
lib/cli_cmd.h:
lib/cli.h:
lib/config.h:
lib/ctx.h:
lib/err.h:
lib/store.h:
lib/tracker.h:
lib/trackerkey.h:
lib/util.h:
lib/wi.h:
