build-dev/cmd/orch-fix.o: cmd/orch-fix.c cmd/../lib/cli.h \
 cmd/../lib/config.h cmd/../lib/ctx.h cmd/../lib/err.h cmd/../lib/store.h \
 cmd/../lib/fix.h cmd/../lib/buf.h cmd/../lib/fixplan.h cmd/../lib/wi.h
cmd/../lib/cli.h:
cmd/../lib/config.h:
cmd/../lib/ctx.h:
cmd/../lib/err.h:
cmd/../lib/store.h:
cmd/../lib/fix.h:
cmd/../lib/buf.h:
cmd/../lib/fixplan.h:
cmd/../lib/wi.h:
