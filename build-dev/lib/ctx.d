build-dev/lib/ctx.o: lib/ctx.c lib/ctx.h lib/http.h lib/buf.h
lib/ctx.h:
lib/http.h:
lib/buf.h:
