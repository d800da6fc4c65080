/* A strict reader of the lockfiles' TOML (toml.h): one pass, strings to a callback, nothing kept. */
#include "toml.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct tp {
	const char *p, *end;
	int line;
	char why[240];
	toml_cb cb;
	void *ctx;
	char table[TOML_MAX_KEY];
	int is_array;
	int stopped; /* the callback's non-zero value */
	char sval[TOML_MAX_STR];
};

static int
fail(struct tp *t, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(t->why, sizeof(t->why), "line %d: ", t->line);

	va_start(ap, fmt);
	if (n > 0 && (size_t)n < sizeof(t->why))
		vsnprintf(t->why + n, sizeof(t->why) - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static void
skip_ws(struct tp *t)
{
	while (t->p < t->end && (*t->p == ' ' || *t->p == '\t'))
		t->p++;
}

static void
skip_comment(struct tp *t)
{
	if (t->p < t->end && *t->p == '#')
		while (t->p < t->end && *t->p != '\n')
			t->p++;
}

/* Blanks, comments and newlines (inside arrays). */
static void
skip_all(struct tp *t)
{
	for (;;) {
		skip_ws(t);
		skip_comment(t);
		if (t->p < t->end && *t->p == '\r' && t->p + 1 < t->end && t->p[1] == '\n')
			t->p++;
		if (t->p < t->end && *t->p == '\n') {
			t->p++;
			t->line++;
			continue;
		}
		return;
	}
}

/* The end of a line: blanks, a comment, then a newline or the end of the text. */
static int
end_of_line(struct tp *t)
{
	skip_ws(t);
	skip_comment(t);
	if (t->p < t->end && *t->p == '\r')
		t->p++;
	if (t->p >= t->end)
		return 0;
	if (*t->p != '\n')
		return fail(t, "unexpected '%c' after a value", *t->p);
	t->p++;
	t->line++;
	return 0;
}

/* Append c to out (size n, length *len); -1 when full. */
static int
put(char *out, size_t n, size_t *len, char c)
{
	if (*len + 1 >= n)
		return -1;
	out[(*len)++] = c;
	out[*len] = '\0';
	return 0;
}

/* An escape or code point TOML does not allow (put_utf8, escape); -1 is "out of room". */
#define TOML_BAD_ESCAPE (-2)

static int
put_utf8(char *out, size_t n, size_t *len, unsigned long cp)
{
	char b[4];
	int k, i;

	if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF) || cp == 0)
		return TOML_BAD_ESCAPE;
	if (cp < 0x80)
		b[0] = (char)cp, k = 1;
	else if (cp < 0x800)
		b[0] = (char)(0xC0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3F)), k = 2;
	else if (cp < 0x10000)
		b[0] = (char)(0xE0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3F)),
		b[2] = (char)(0x80 | (cp & 0x3F)), k = 3;
	else
		b[0] = (char)(0xF0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), b[3] = (char)(0x80 | (cp & 0x3F)), k = 4;
	for (i = 0; i < k; i++)
		if (put(out, n, len, b[i]) < 0)
			return -1;
	return 0;
}

/* One escape after a backslash in a basic string: 0, -1 full, TOML_BAD_ESCAPE invalid. */
static int
escape(struct tp *t, char *out, size_t n, size_t *len)
{
	static const char from[] = "btnfr\"\\", to[] = "\b\t\n\f\r\"\\";
	const char *m;
	unsigned long cp = 0;
	int digits, i;

	if (t->p >= t->end)
		return TOML_BAD_ESCAPE;
	if ((m = strchr(from, *t->p)) != NULL && *t->p) {
		t->p++;
		return put(out, n, len, to[m - from]);
	}
	if (*t->p != 'u' && *t->p != 'U')
		return TOML_BAD_ESCAPE;
	digits = *t->p++ == 'u' ? 4 : 8;
	for (i = 0; i < digits; i++, t->p++) {
		char c = t->p < t->end ? *t->p : '\0';
		int v = c >= '0' && c <= '9' ? c - '0'
		    : c >= 'a' && c <= 'f'   ? c - 'a' + 10
		    : c >= 'A' && c <= 'F'   ? c - 'A' + 10
					     : -1;
		if (v < 0)
			return TOML_BAD_ESCAPE;
		cp = cp << 4 | (unsigned long)v;
	}
	return put_utf8(out, n, len, cp);
}

/*
 * A string at t->p (", ', """ or '''): its value into out (n bytes) when it
 * fits, else *fits = 0 and the rest is read past.  0, or -1 with t->why.
 */
static int
parse_string(struct tp *t, char *out, size_t n, int *fits)
{
	char q = *t->p;
	int multi = t->end - t->p >= 3 && t->p[1] == q && t->p[2] == q, start = t->line;
	size_t len = 0;

	*fits = 1;
	out[0] = '\0';
	t->p += multi ? 3 : 1;
	if (multi && t->p < t->end && *t->p == '\n') /* a newline right after the opening quotes is dropped */
		t->p++, t->line++;
	for (;;) {
		int rc = 0;
		if (t->p >= t->end)
			return fail(t, "a string opened on line %d is not closed", start);
		if (*t->p == q && (!multi || (t->end - t->p >= 3 && t->p[1] == q && t->p[2] == q))) {
			t->p += multi ? 3 : 1;
			return 0;
		}
		if (*t->p == '\n' && !multi)
			return fail(t, "a newline inside a one-line string");
		if (*t->p == '\0' ||
		    ((unsigned char)*t->p < 0x20 && *t->p != '\t' && *t->p != '\n' && *t->p != '\r'))
			return fail(t, "a control character inside a string");
		if (*t->p == '\\' && q == '"') {
			t->p++;
			if (multi && t->p < t->end &&
			    (*t->p == '\n' || *t->p == ' ' || *t->p == '\t' || *t->p == '\r')) {
				/* a line-ending backslash: the newline and the blanks after it vanish */
				while (t->p < t->end && strchr(" \t\r\n", *t->p) && *t->p)
					t->line += *t->p++ == '\n';
				continue;
			}
			rc = escape(t, out, n, &len);
			if (rc == TOML_BAD_ESCAPE)
				return fail(t, "an invalid escape in a string");
		} else {
			t->line += *t->p == '\n';
			rc = put(out, n, &len, *t->p++);
		}
		if (rc < 0)
			*fits = 0;
	}
}

static int
bare_char(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
	    c == '-';
}

/* A dotted key (bare or quoted segments) appended to out (size n, length *len). */
static int
parse_key(struct tp *t, char *out, size_t n, size_t *len)
{
	for (;;) {
		char seg[TOML_MAX_KEY];
		int fits = 1;
		size_t i;
		skip_ws(t);
		if (t->p < t->end && (*t->p == '"' || *t->p == '\'')) {
			if (t->end - t->p >= 3 && t->p[1] == *t->p && t->p[2] == *t->p)
				return fail(t, "a multi-line string cannot be a key");
			if (parse_string(t, seg, sizeof(seg), &fits) < 0)
				return -1;
		} else {
			for (i = 0; t->p < t->end && bare_char(*t->p); t->p++)
				if (i + 1 < sizeof(seg))
					seg[i++] = *t->p;
				else
					fits = 0;
			seg[i] = '\0';
			if (i == 0)
				return fail(t, "a key is expected");
		}
		if (!fits || *len + strlen(seg) + 2 > n)
			return fail(t, "a key longer than %d bytes", TOML_MAX_KEY - 1);
		if (*len)
			out[(*len)++] = '.';
		memcpy(out + *len, seg, strlen(seg) + 1);
		*len += strlen(seg);
		skip_ws(t);
		if (t->p >= t->end || *t->p != '.')
			return 0;
		t->p++;
	}
}

/* An integer, float, boolean or date: its characters, checked for a plausible start. */
static int
parse_scalar(struct tp *t)
{
	const char *s = t->p;
	size_t n;

	while (t->p < t->end && (bare_char(*t->p) || *t->p == '.' || *t->p == ':' || *t->p == '+'))
		t->p++;
	n = (size_t)(t->p - s);
	if (n == 0)
		return fail(t, "a value is expected");
	if ((n == 4 && memcmp(s, "true", 4) == 0) || (n == 5 && memcmp(s, "false", 5) == 0))
		return 0;
	if ((*s >= '0' && *s <= '9') || *s == '+' || *s == '-' ||
	    (n == 3 && (!memcmp(s, "inf", 3) || !memcmp(s, "nan", 3))))
		return 0;
	return fail(t, "'%.*s' is not a TOML value", (int)(n > 24 ? 24 : n), s);
}

static int parse_value(struct tp *t, const char *key, int report, int depth);

static int
parse_array(struct tp *t, int depth)
{
	t->p++;
	for (;;) {
		skip_all(t);
		if (t->p >= t->end)
			return fail(t, "an array is not closed");
		if (*t->p == ']') {
			t->p++;
			return 0;
		}
		if (parse_value(t, "", 0, depth + 1) < 0)
			return -1;
		skip_all(t);
		if (t->p < t->end && *t->p == ',')
			t->p++;
		else if (t->p < t->end && *t->p != ']')
			return fail(t, "',' or ']' expected in an array");
	}
}

static int
parse_inline(struct tp *t, const char *key, int report, int depth)
{
	t->p++;
	skip_ws(t);
	if (t->p < t->end && *t->p == '}') {
		t->p++;
		return 0;
	}
	for (;;) {
		char k[TOML_MAX_KEY];
		size_t kl = strlen(key);
		if (kl + 2 > sizeof(k))
			return fail(t, "a key longer than %d bytes", TOML_MAX_KEY - 1);
		memcpy(k, key, kl + 1);
		if (parse_key(t, k, sizeof(k), &kl) < 0)
			return -1;
		if (t->p >= t->end || *t->p != '=')
			return fail(t, "'=' expected after a key");
		t->p++;
		if (parse_value(t, k, report, depth + 1) < 0)
			return -1;
		skip_ws(t);
		if (t->p < t->end && *t->p == '}') {
			t->p++;
			return 0;
		}
		if (t->p >= t->end || *t->p != ',')
			return fail(t, "',' or '}' expected in an inline table");
		t->p++;
	}
}

static int
parse_value(struct tp *t, const char *key, int report, int depth)
{
	int fits, rc;

	if (depth > TOML_MAX_DEPTH)
		return fail(t, "nesting deeper than %d", TOML_MAX_DEPTH);
	skip_ws(t);
	if (t->p >= t->end)
		return fail(t, "a value is expected");
	if (*t->p == '"' || *t->p == '\'') {
		int line = t->line;
		if (parse_string(t, t->sval, sizeof(t->sval), &fits) < 0)
			return -1;
		if (report && t->cb &&
		    (rc = t->cb(t->ctx, t->table, t->is_array, key, fits ? t->sval : NULL, line))) {
			t->stopped = rc;
			return fail(t, "stopped by the reader");
		}
		return 0;
	}
	if (*t->p == '[')
		return parse_array(t, depth);
	if (*t->p == '{')
		return parse_inline(t, key, report, depth);
	return parse_scalar(t);
}

/* A [table] or [[array]] header. */
static int
parse_header(struct tp *t)
{
	size_t len = 0;
	int arr = t->end - t->p >= 2 && t->p[1] == '[', rc;

	t->p += arr ? 2 : 1;
	t->table[0] = '\0';
	if (parse_key(t, t->table, sizeof(t->table), &len) < 0)
		return -1;
	if (t->end - t->p < (arr ? 2 : 1) || *t->p != ']' || (arr && t->p[1] != ']'))
		return fail(t, "'%s' expected to close a table header", arr ? "]]" : "]");
	t->p += arr ? 2 : 1;
	t->is_array = arr;
	if (t->cb && (rc = t->cb(t->ctx, t->table, arr, NULL, NULL, t->line))) {
		t->stopped = rc;
		return fail(t, "stopped by the reader");
	}
	return end_of_line(t);
}

int
toml_walk(const char *text, size_t len, toml_cb cb, void *ctx, char *why, size_t wn)
{
	static struct tp zero;
	struct tp t = zero;

	t.p = text;
	t.end = text + len;
	t.line = 1;
	t.cb = cb;
	t.ctx = ctx;
	while (t.p < t.end) {
		int rc;
		skip_all(&t);
		if (t.p >= t.end)
			break;
		if (*t.p == '[')
			rc = parse_header(&t);
		else {
			char k[TOML_MAX_KEY] = "";
			size_t kl = 0;
			rc = parse_key(&t, k, sizeof(k), &kl);
			if (rc == 0 && (t.p >= t.end || *t.p != '='))
				rc = fail(&t, "'=' expected after the key '%.40s'", k);
			else if (rc == 0) {
				t.p++;
				rc = parse_value(&t, k, 1, 0);
			}
			if (rc == 0)
				rc = end_of_line(&t);
		}
		if (rc < 0) {
			snprintf(why, wn, "%s", t.why);
			return t.stopped ? t.stopped : -1;
		}
	}
	return 0;
}
