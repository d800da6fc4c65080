#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <ftw.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "sizes.h"

int
str_copy(char *dst, size_t n, const char *src)
{
	size_t l = strlen(src);

	if (l >= n) {
		if (n)
			dst[0] = '\0';
		return -1;
	}
	memcpy(dst, src, l + 1);
	return 0;
}

int
str_fmt(char *dst, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(dst, n, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= n)
		return -1;
	return 0;
}

int
num_parse(const char *s, long long min, long long max, long long *out)
{
	char *end;
	long long v;

	if (s == NULL || *s == '\0' || isspace((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || *end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int
str_ieq(const char *a, const char *b)
{
	return strcasecmp(a, b) == 0;
}

char *
str_trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int64_t
time_boot_s(void)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_BOOTTIME, &ts) < 0)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec;
}

void
time_boot_id(char *out, size_t n)
{
	ssize_t k;
	int fd = open("/proc/sys/kernel/random/boot_id", O_RDONLY | O_CLOEXEC);

	out[0] = '\0';
	if (fd < 0)
		return;
	k = read(fd, out, n - 1);
	close(fd);
	out[k > 0 ? k : 0] = '\0';
	str_trim(out);
}

int64_t
time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
time_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
time_iso_us(int64_t us, char out[32])
{
	time_t s = (time_t)(us / 1000000);
	struct tm tm;
	char base[24];

	gmtime_r(&s, &tm);
	strftime(base, sizeof(base), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, 32, "%s.%06ldZ", base, (long)(us % 1000000));
}

void
time_local_s(int64_t unix_s, char local[48], char iso[24])
{
	time_t s = (time_t)unix_s;
	struct tm tm;

	if (local && (localtime_r(&s, &tm) == NULL || strftime(local, 48, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0))
		snprintf(local, 48, "@%lld", (long long)unix_s);
	if (iso && (gmtime_r(&s, &tm) == NULL || strftime(iso, 24, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0))
		snprintf(iso, 24, "@%lld", (long long)unix_s);
}

/* n decimal digits at s into *v; 0 when all are digits. */
static int
digits_at(const char *s, int n, int *v)
{
	for (*v = 0; n > 0; n--, s++) {
		if (*s < '0' || *s > '9')
			return -1;
		*v = *v * 10 + (*s - '0');
	}
	return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
static int64_t
days_from_civil(int y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/*
 * Strict and without libc's locale machinery (a listing parses one per
 * item): YYYY-MM-DDTHH:MM:SS, an optional fraction (digits past the 6th
 * are dropped), then Z or +HH:MM / -HH:MM.
 */
int
time_parse_iso(const char *s, int64_t *us)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int y, mo, d, h, mi, sec, oh = 0, om = 0, digits = 0, leap;
	long frac = 0;
	const char *p = s + 19;

	if (strlen(s) < 20 || digits_at(s, 4, &y) || s[4] != '-' || digits_at(s + 5, 2, &mo) || s[7] != '-' ||
	    digits_at(s + 8, 2, &d) || s[10] != 'T' || digits_at(s + 11, 2, &h) || s[13] != ':' ||
	    digits_at(s + 14, 2, &mi) || s[16] != ':' || digits_at(s + 17, 2, &sec))
		return -1;
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 ||
	    mi > 59 || sec > 60)
		return -1;
	if (*p == '.') {
		for (p++; *p >= '0' && *p <= '9'; p++, digits++)
			if (digits < 6)
				frac = frac * 10 + (*p - '0');
		if (digits == 0)
			return -1;
		for (; digits < 6; digits++)
			frac *= 10;
	}
	if (*p == 'Z' && p[1] == '\0') {
		/* UTC */
	} else if ((*p == '+' || *p == '-') && strlen(p) == 6 && digits_at(p + 1, 2, &oh) == 0 &&
	    p[3] == ':' && digits_at(p + 4, 2, &om) == 0 && oh <= 23 && om <= 59) {
		if (*p == '-')
			oh = -oh, om = -om;
	} else {
		return -1;
	}
	*us = ((days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec) - (oh * 3600 + om * 60)) *
		1000000 +
	    frac;
	return 0;
}

int
mkdir_p(const char *path, unsigned mode)
{
	char tmp[ORCH_PATH_MAX];
	char *p;

	if (str_copy(tmp, sizeof(tmp), path) < 0) {
		errno = ENAMETOOLONG;
		return -1;
	}
	for (p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, mode) < 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	if (mkdir(tmp, mode) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb;
	(void)f;
	if (flag == FTW_DP)
		rmdir(path);
	else
		unlink(path);
	return 0;
}

void
util_rm_tree(const char *path)
{
	nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
random_hex(char *out, size_t nbytes)
{
	unsigned char raw[32];
	size_t i;

	if (nbytes > sizeof(raw) || getrandom(raw, nbytes, 0) != (ssize_t)nbytes)
		return -1;
	for (i = 0; i < nbytes; i++)
		snprintf(out + 2 * i, 3, "%02x", raw[i]);
	return 0;
}

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), 0 when ill-formed. */
static size_t
utf8_seq(const unsigned char *s, size_t n)
{
	unsigned c = s[0];
	size_t len, i;
	unsigned cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4, cp = c & 0x07;
	else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, UTF-16 surrogates and code points past U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return len;
}

int
utf8_valid(const char *s, size_t n)
{
	size_t i = 0, l;

	while (i < n) {
		if ((l = utf8_seq((const unsigned char *)s + i, n - i)) == 0)
			return 0;
		i += l;
	}
	return 1;
}

void
utf8_sanitize(char *dst, size_t n, const char *src)
{
	size_t i = 0, o = 0, sl = strlen(src), l;

	if (n == 0)
		return;
	while (i < sl) {
		const char *piece = src + i;
		if ((l = utf8_seq((const unsigned char *)src + i, sl - i)) == 0) {
			piece = "\xef\xbf\xbd";
			l = 3;
			i++;
		} else {
			i += l;
		}
		if (o + l >= n)
			break;
		memcpy(dst + o, piece, l);
		o += l;
	}
	dst[o] = '\0';
}

char *
str_expand(const char *arg, const char *const *names, const char *const *values, size_t n)
{
	struct buf b;
	size_t i;

	buf_init(&b, 64 * 1024);
	while (*arg) {
		for (i = 0; i < n; i++)
			if (strncmp(arg, names[i], strlen(names[i])) == 0)
				break;
		if (i < n) {
			buf_add(&b, values[i]);
			arg += strlen(names[i]);
		} else {
			buf_addn(&b, arg++, 1);
		}
	}
	if (buf_failed(&b)) {
		buf_free(&b);
		return NULL;
	}
	return buf_detach(&b);
}

void
str_escape_ctl(char *dst, size_t n, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, sl = strlen(src), l;
	char esc[8];

	if (n == 0)
		return;
	while (i < sl) {
		l = utf8_seq(s + i, sl - i);
		esc[0] = '\0';
		if (l == 0 || s[i] < 0x20 || s[i] == 0x7f) {
			if (s[i] == '\n' || s[i] == '\t' || s[i] == '\r')
				snprintf(esc, sizeof(esc), "\\%c",
				    s[i] == '\n'       ? 'n'
					: s[i] == '\t' ? 't'
						       : 'r');
			else
				snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
			l = 1;
		} else if (s[i] == '\\') {
			snprintf(esc, sizeof(esc), "\\\\");
		} else if (l == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0) {
			snprintf(esc, sizeof(esc), "\\u%04x", s[i + 1]); /* C1 controls: CSI and friends */
		}
		if (esc[0]) {
			if (o + strlen(esc) >= n)
				break;
			memcpy(dst + o, esc, strlen(esc));
			o += strlen(esc);
		} else {
			if (o + l >= n)
				break;
			memcpy(dst + o, s + i, l);
			o += l;
		}
		i += l;
	}
	dst[o] = '\0';
}

int
title_check(const char *title, char *why, size_t wn)
{
	size_t len = strlen(title), i, chars;

	if (len == 0 || strspn(title, " \t") == len)
		return snprintf(why, wn, "the title is empty; give a few words that say what the item is"),
		       -1;
	if (!utf8_valid(title, len))
		return snprintf(why, wn, "the title is not valid UTF-8; re-type it in a UTF-8 terminal"), -1;
	for (i = 0, chars = 0; i < len; i++)
		chars += ((unsigned char)title[i] & 0xc0) != 0x80;
	if (chars > TITLE_MAX)
		return snprintf(why, wn,
			   "the title is %zu characters; Plane allows at most %d; shorten it (details go "
			   "into a comment)",
			   chars, TITLE_MAX),
		       -1;
	if (len > TITLE_MAX_BYTES)
		return snprintf(why, wn,
			   "the title is %zu bytes long, the limit is %d; shorten it (details go "
			   "into a comment)",
			   len, TITLE_MAX_BYTES),
		       -1;
	for (i = 0; i < len; i++) {
		const unsigned char *u = (const unsigned char *)title + i;
		if (u[0] < 0x20 || u[0] == 0x7f)
			return snprintf(why, wn,
				   "the title holds a control character (byte 0x%02x at %zu); use "
				   "plain text on one line",
				   u[0], i),
			       -1;
		/* bidi overrides and isolates (U+202A..U+202E, U+2066..U+2069) reorder what a reader sees */
		if (i + 2 < len && u[0] == 0xe2 &&
		    ((u[1] == 0x80 && u[2] >= 0xaa && u[2] <= 0xae) ||
			(u[1] == 0x81 && u[2] >= 0xa6 && u[2] <= 0xa9)))
			return snprintf(why, wn,
				   "the title holds a bidirectional control (U+%04X at byte %zu), which "
				   "reorders what readers see; use plain text",
				   0x2000 + ((u[1] & 0x3f) << 6) + (u[2] & 0x3f), i),
			       -1;
	}
	return 0;
}

void
argv_free(char **argv)
{
	size_t i;

	for (i = 0; argv && argv[i]; i++)
		free(argv[i]);
	free(argv);
}

size_t
argv_len(char *const *argv)
{
	size_t n = 0;

	while (argv && argv[n])
		n++;
	return n;
}
