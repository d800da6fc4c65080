build-dev/cmd/orch-status.o: cmd/orch-status.c cmd/../lib/cli.h \
 cmd/../lib/config.h cmd/../lib/ctx.h cmd/../lib/err.h cmd/../lib/store.h \
 cmd/../lib/cli_cmd.h cmd/../lib/status.h
cmd/../lib/cli.h:
cmd/../lib/config.h:
cmd/../lib/ctx.h:
cmd/../lib/err.h:
cmd/../lib/store.h:
cmd/../lib/cli_cmd.h:
cmd/../lib/status.h:
