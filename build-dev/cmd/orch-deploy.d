build-dev/cmd/orch-deploy.o: cmd/orch-deploy.c cmd/../lib/cli.h \
 cmd/../lib/config.h cmd/../lib/ctx.h cmd/../lib/err.h cmd/../lib/store.h \
 cmd/../lib/deploy.h cmd/../lib/deploystate.h cmd/../lib/engine.h \
 cmd/../lib/util.h cmd/../lib/wi.h
cmd/../lib/cli.h:
cmd/../lib/config.h:
cmd/../lib/ctx.h:
cmd/../lib/err.h:
cmd/../lib/store.h:
cmd/../lib/deploy.h:
cmd/../lib/deploystate.h:
cmd/../lib/engine.h:
cmd/../lib/util.h:
cmd/../lib/wi.h:
