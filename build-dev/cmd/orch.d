build-dev/cmd/orch.o: cmd/orch.c cmd/../lib/cli.h cmd/../lib/config.h \
 cmd/../lib/ctx.h cmd/../lib/err.h cmd/../lib/store.h cmd/../lib/proc.h \
 cmd/../lib/buf.h cmd/../lib/util.h
cmd/../lib/cli.h:
cmd/../lib/config.h:
cmd/../lib/ctx.h:
cmd/../lib/err.h:
cmd/../lib/store.h:
cmd/../lib/proc.h:
cmd/../lib/buf.h:
cmd/../lib/util.h:
