/*
 * buf: the one growable byte buffer, with a size cap fixed at creation.
 *
 * Invariants: data is NULL or NUL-terminated at data[len]; len <= max.
 * buf_append() fails (returns -1, buffer unchanged) when the result would
 * exceed max: HTTP bodies, child output and file reads go through it, and
 * an input over its cap is an error, never a silent truncation.
 * buf_free() releases; buf_detach() hands the memory to the caller.
 */
#ifndef ORCH_BUF_H
#define ORCH_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

#define BUF_MIB ((size_t)1 << 20)

void buf_init(struct buf *b, size_t max);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *buf_str(const struct buf *b);	/* "" when empty */
void buf_reset(struct buf *b);
char *buf_detach(struct buf *b);
void buf_free(struct buf *b);

#endif
