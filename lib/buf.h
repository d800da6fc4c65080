/*
 * buf: the one growable byte buffer, with a size cap fixed at creation.
 *
 * Invariants: data is NULL or NUL-terminated at data[len]; len <= max.
 * buf_append() fails (returns -1, buffer unchanged) when the result would
 * exceed max: HTTP bodies, child output and file reads go through it, and
 * an input over its cap is an error, never a silent truncation.
 * buf_free() releases; buf_detach() hands the memory to the caller.
 *
 * Two ways to append.  The checked calls (buf_append, buf_puts,
 * buf_printf) return -1 and must be checked where the input is read.  The
 * builders (buf_add, buf_addn, buf_addf) compose text piece by piece (pages,
 * reports, messages): a failed builder append marks the buffer, every later
 * builder append is skipped (a checked call's failure is its caller's to
 * handle and marks nothing), and whoever consumes the text checks buf_failed() once
 * (atomic_write_file() refuses a marked buffer), so a cut-short text is an
 * error there, never a silently truncated file.
 */
#ifndef ORCH_BUF_H
#define ORCH_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
	int failed; /* a builder append failed since init/reset: the text is cut short */
};

#define BUF_MIB ((size_t)1 << 20)

void buf_init(struct buf *b, size_t max);
int buf_append(struct buf *b, const void *p, size_t n) __attribute__((warn_unused_result));
int buf_puts(struct buf *b, const char *s) __attribute__((warn_unused_result));
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3), warn_unused_result));
void buf_add(struct buf *b, const char *s);
void buf_addn(struct buf *b, const void *p, size_t n);
void buf_addf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_failed(const struct buf *b) __attribute__((warn_unused_result));
const char *buf_str(const struct buf *b); /* "" when empty */
void buf_reset(struct buf *b);
char *buf_detach(struct buf *b);
void buf_free(struct buf *b);

#endif
