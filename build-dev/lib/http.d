build-dev/lib/http.o: lib/http.c lib/http.h lib/buf.h lib/curlload.h \
 lib/err.h lib/store.h lib/util.h
lib/http.h:
lib/buf.h:
lib/curlload.h:
lib/err.h:
lib/store.h:
lib/util.h:
