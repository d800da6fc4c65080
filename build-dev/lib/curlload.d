build-dev/lib/curlload.o: lib/curlload.c lib/curlload.h
lib/curlload.h:
