/*
 * atomic: write a whole file so that a reader sees the old content or the
 * new, never a part: temp file in the same directory (O_EXCL), write,
 * fsync, rename over the target, fsync the directory.  On any failure the
 * temp file is removed and the target is untouched.  Every file orch
 * writes goes through atomic_write().
 *
 * The target, when it exists, must be a regular file or a symlink: a
 * symlink is replaced by the new file (never written through), and a
 * directory, FIFO, device or socket is refused (EX_IOERR) before anything
 * is created.  Temp files are named "<target>.tmp.<16 hex>"; one left by a
 * killed writer is removed by atomic_sweep_stale().
 */
#ifndef ORCH_ATOMIC_H
#define ORCH_ATOMIC_H

#include <stddef.h>

struct orch_err;

int atomic_write(const char *path, const void *data, size_t len, unsigned mode, struct orch_err *e);
struct buf;
/*
 * atomic_write of a buffer (atomic_write_file: mode 0600); a buffer whose
 * builder appends failed (buf_failed) is refused: never a truncated file.
 */
int atomic_write_buf(const char *path, const struct buf *b, unsigned mode, struct orch_err *e)
    __attribute__((warn_unused_result));
int atomic_write_file(const char *path, const struct buf *b, struct orch_err *e)
    __attribute__((warn_unused_result));
/*
 * Remove orch's temp files ("*.tmp.<16 hex>", regular, not symlinks) whose
 * mtime is older than max_age_s, under dir and its subdirectories (at
 * most ATOMIC_SWEEP_DEPTH levels; symlinked directories are not entered).
 * A missing dir is not an error.  Returns the number removed, or -1 with
 * *e when dir cannot be read.
 */
#define ATOMIC_SWEEP_DEPTH 4
int atomic_sweep_stale(const char *dir, long max_age_s, struct orch_err *e);
/*
 * atomic_sweep_stale() over the ORCH_HOME directories orch writes with
 * atomic_write (runs/, deploy-state/, logs/; never worktrees/ nor an
 * --html target's directory, which are not orch's alone).  Returns the
 * number removed; an unreadable directory is skipped.
 */
#define ATOMIC_STALE_S 3600
int atomic_sweep_home(const char *home, long max_age_s);
/* 1 when name is an orch temp file name ("<name>.tmp.<16 hex>"). */
int atomic_is_temp_name(const char *name);
/* fsync the directory holding path (after a rename into it); 0 / -1 with e. */
int atomic_sync_parent(const char *path, struct orch_err *e);

#endif
