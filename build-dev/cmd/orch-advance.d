build-dev/cmd/orch-advance.o: cmd/orch-advance.c cmd/../lib/cli.h \
 cmd/../lib/config.h cmd/../lib/ctx.h cmd/../lib/err.h cmd/../lib/store.h \
 cmd/../lib/cli_cmd.h cmd/../lib/engine.h cmd/../lib/task.h \
 cmd/../lib/wi.h
cmd/../lib/cli.h:
cmd/../lib/config.h:
cmd/../lib/ctx.h:
cmd/../lib/err.h:
cmd/../lib/store.h:
cmd/../lib/cli_cmd.h:
cmd/../lib/engine.h:
cmd/../lib/task.h:
cmd/../lib/wi.h:
