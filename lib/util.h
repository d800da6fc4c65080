/*
 * util: small helpers shared by every module: bounded string copy with a
 * truncation check, range-checked number parsing (no atoi), clocks, and
 * the ISO-8601 UTC timestamp orch writes everywhere.
 */
#ifndef ORCH_UTIL_H
#define ORCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* Copy src into dst of size n; -1 when it would not fit (dst then empty). */
int str_copy(char *dst, size_t n, const char *src);
/* snprintf that returns -1 on error or truncation. */
int str_fmt(char *dst, size_t n, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Parse a decimal integer in [min,max]; -1 on garbage or out of range. */
int num_parse(const char *s, long long min, long long max, long long *out);
int str_ieq(const char *a, const char *b); /* case-insensitive equality */
char *str_trim(char *s);                   /* in place, returns s */
int64_t time_mono_ms(void);
int64_t time_now_us(void); /* wall clock, microseconds */
/*
 * A clock that does not step (NTP, a resumed VM): seconds since boot,
 * suspend included (CLOCK_BOOTTIME).  It starts again at a reboot: keep
 * the boot id (time_boot_id) beside a stamp and compare only on one boot.
 */
int64_t time_boot_s(void);
/* This boot's id (/proc/sys/kernel/random/boot_id, trimmed) into out; "" when unknown. */
void time_boot_id(char *out, size_t n);
/* Format microseconds since the epoch as 2026-11-24T04:39:55.123456Z. */
void time_iso_us(int64_t us, char out[32]);
/*
 * Parse an ISO-8601 instant (2026-11-24T04:39:55.123456+05:30, ...Z, with or
 * without fraction) into microseconds since the epoch, UTC.  0 / -1.
 */
int time_parse_iso(const char *s, int64_t *us);
/*
 * An instant for people: local time to the second ("2026-11-24 05:39:55
 * CET") into local, and its UTC ISO-8601 value to the second
 * ("2026-11-24T04:39:55Z") into iso (either may be NULL).
 */
void time_local_s(int64_t unix_s, char local[48], char iso[24]);
/* mkdir -p with the given mode; 0 or -1 (errno set). */
int mkdir_p(const char *path, unsigned mode);
/* Remove a directory tree orch made (symlinks removed, never followed); best effort. */
void util_rm_tree(const char *path);
/* Random lowercase hex id of 2*nbytes characters (nbytes <= 32). */
int random_hex(char *out, size_t nbytes);

/* Titles of work items: at most TITLE_MAX characters (Plane's name limit) and TITLE_MAX_BYTES bytes (orch's
 * buffers). */
#define TITLE_MAX 255
#define TITLE_MAX_BYTES 511
/* 1 when s[0..n) is well-formed UTF-8 (no overlongs, surrogates, > U+10FFFF). */
int utf8_valid(const char *s, size_t n);
/*
 * Copy src into dst (size n, always terminated, cut at a character
 * boundary) as valid UTF-8: each byte of an ill-formed sequence becomes
 * U+FFFD.  For JSON output, which must be valid UTF-8 whatever the store holds.
 */
void utf8_sanitize(char *dst, size_t n, const char *src);
/*
 * Copy src into dst for a terminal: control characters (C0, DEL, C1) become
 * \n, \t, \r, \\ or \xHH, invalid UTF-8 bytes \xHH; a title can never move
 * the cursor, clear the screen or forge a second line.
 */
void str_escape_ctl(char *dst, size_t n, const char *src);
/* arg with each names[i] ("{work_item}") replaced by values[i]; malloc'd, NULL when over 64 KiB. */
char *str_expand(const char *arg, const char *const *names, const char *const *values, size_t n);
/* Why a title cannot be stored (into why), or 0 when it can: empty, too long, bad UTF-8, control characters.
 */
int title_check(const char *title, char *why, size_t wn);
/* A NULL-terminated vector of malloc'd strings (a parsed command, a list of names): free it and its strings.
 */
void argv_free(char **argv);
/* Its length, without the NULL (0 for NULL). */
size_t argv_len(char *const *argv);

#endif
