build-dev/cmd/orch-reconcile.o: cmd/orch-reconcile.c cmd/../lib/cli.h \
 cmd/../lib/config.h cmd/../lib/ctx.h cmd/../lib/err.h cmd/../lib/store.h \
 cmd/../lib/reconcile.h cmd/../lib/engine.h
cmd/../lib/cli.h:
cmd/../lib/config.h:
cmd/../lib/ctx.h:
cmd/../lib/err.h:
cmd/../lib/store.h:
cmd/../lib/reconcile.h:
cmd/../lib/engine.h:
