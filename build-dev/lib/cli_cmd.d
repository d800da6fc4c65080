build-dev/lib/cli_cmd.o: lib/cli_cmd.c lib/cli_cmd.h lib/cli.h \
 lib/config.h lib/ctx.h lib/err.h lib/store.h lib/gate.h lib/buf.h \
 lib/notify.h lib/proc.h lib/scanmain.h lib/task.h lib/util.h lib/wi.h \
 lib/work.h lib/engine.h
lib/cli_cmd.h:
lib/cli.h:
lib/config.h:
lib/ctx.h:
lib/err.h:
lib/store.h:
lib/gate.h:
lib/buf.h:
lib/notify.h:
lib/proc.h:
lib/scanmain.h:
lib/task.h:
lib/util.h:
lib/wi.h:
lib/work.h:
lib/engine.h:
