/*
 * atomic: write a whole file so that a reader sees the old content or the
 * new, never a part: temp file in the same directory (O_EXCL), write,
 * fsync, rename over the target, fsync the directory.  On any failure the
 * temp file is removed and the target is untouched.  Every file orch
 * writes goes through atomic_write().
 */
#ifndef ORCH_ATOMIC_H
#define ORCH_ATOMIC_H

#include <stddef.h>

struct orch_err;

int atomic_write(const char *path, const void *data, size_t len, unsigned mode,
    struct orch_err *e);
struct buf;
/* atomic_write of a buffer, mode 0600. */
int atomic_write_file(const char *path, const struct buf *b, struct orch_err *e);

#endif
