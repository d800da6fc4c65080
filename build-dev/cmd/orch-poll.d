build-dev/cmd/orch-poll.o: cmd/orch-poll.c cmd/../lib/cli.h \
 cmd/../lib/config.h cmd/../lib/ctx.h cmd/../lib/err.h cmd/../lib/store.h \
 cmd/../lib/poll.h cmd/../lib/engine.h cmd/../lib/wi.h
cmd/../lib/cli.h:
cmd/../lib/config.h:
cmd/../lib/ctx.h:
cmd/../lib/err.h:
cmd/../lib/store.h:
cmd/../lib/poll.h:
cmd/../lib/engine.h:
cmd/../lib/wi.h:
