build-dev/cmd/orch-work.o: cmd/orch-work.c cmd/../lib/cli.h \
 cmd/../lib/config.h cmd/../lib/ctx.h cmd/../lib/err.h cmd/../lib/store.h \
 cmd/../lib/cli_cmd.h cmd/../lib/engine.h cmd/../lib/job.h \
 cmd/../lib/util.h cmd/../lib/work.h cmd/../lib/engine.h
cmd/../lib/cli.h:
cmd/../lib/config.h:
cmd/../lib/ctx.h:
cmd/../lib/err.h:
cmd/../lib/store.h:
cmd/../lib/cli_cmd.h:
cmd/../lib/engine.h:
cmd/../lib/job.h:
cmd/../lib/util.h:
cmd/../lib/work.h:
cmd/../lib/engine.h:
