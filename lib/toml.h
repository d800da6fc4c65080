/*
 * toml: a strict reader of the TOML subset that lockfiles use (poetry.lock,
 * uv.lock, Cargo.lock: lib/lockfile.c).  No values are kept: the reader
 * walks the text and hands each string to a callback, so it allocates
 * nothing and its cost is one pass.
 */
#ifndef ORCH_TOML_H
#define ORCH_TOML_H

#include <stddef.h>

#define TOML_MAX_DEPTH 32
#define TOML_MAX_KEY 256  /* a table path or dotted key; longer is an error */
#define TOML_MAX_STR 4096 /* a string value; longer ones are read past and reported as NULL */

/*
 * toml_walk: a strict reader of the TOML these lockfiles use (comments,
 * [table] and [[array]] headers with dotted bare or quoted keys, key =
 * value with basic, literal and multi-line strings, integers, floats,
 * booleans, dates, arrays over several lines, inline tables; at most 32
 * levels of nesting).  For every header cb receives (table, is_array, NULL,
 * NULL, line); for every key whose value is a string, (table, is_array,
 * key, value, line), where key is dotted through inline tables
 * (`source = { registry = "x" }` gives "source.registry"); strings inside
 * arrays are not reported.  A cb returning non-zero stops the walk with its
 * value.  0, or -1 with why ("line N: ...").
 */
typedef int (*toml_cb)(
    void *ctx, const char *table, int is_array, const char *key, const char *value, int line);
int toml_walk(const char *text, size_t len, toml_cb cb, void *ctx, char *why, size_t wn);

#endif
