/* text: outside text made plain, valid and bounded; the strict HTML-to-text converter (text.h). */
#include "text.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "util.h"

/* The length of the well-formed UTF-8 character at s (n bytes left), 0 when ill-formed. */
static size_t
char_len(const unsigned char *s, size_t n)
{
	size_t l = s[0] < 0x80            ? 1
	    : s[0] >= 0xc2 && s[0] < 0xe0 ? 2
	    : s[0] >= 0xe0 && s[0] < 0xf0 ? 3
	    : s[0] >= 0xf0 && s[0] < 0xf5 ? 4
					  : 0;

	return l && l <= n && utf8_valid((const char *)s, l) ? l : 0;
}

char *
text_clean(const char *src, size_t len, size_t max, int *cut)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t i = 0, o = 0, l;
	char *out = malloc(max + 4);

	*cut = 0;
	if (out == NULL)
		return NULL;
	while (i < len) {
		const char *piece = (const char *)s + i;
		if (s[i] == '\r') {
			piece = "\n";
			l = 1;
			i += i + 1 < len && s[i + 1] == '\n' ? 2 : 1;
		} else if ((l = char_len(s + i, len - i)) == 0) {
			piece = "\xef\xbf\xbd";
			l = 3;
			i++;
		} else {
			i += l;
			if ((s[i - l] < 0x20 && s[i - l] != '\n' && s[i - l] != '\t') || s[i - l] == 0x7f ||
			    (l == 2 && s[i - 2] == 0xc2 && s[i - 1] < 0xa0))
				continue; /* C0 (but LF, TAB), DEL, C1 */
		}
		if (o + l > max) {
			*cut = 1;
			break;
		}
		memcpy(out + o, piece, l);
		o += l;
	}
	out[o] = '\0';
	return out;
}

size_t
text_longest_run(const char *s, char c)
{
	size_t best = 0, run = 0;

	for (; *s; s++) {
		run = *s == c ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	return best;
}

/* ---- HTML ---- */

struct html {
	struct buf out;
	int pre;   /* inside <pre>: whitespace as written */
	int space; /* a collapsed space is owed before the next text */
	int li;    /* open <li> elements: a paragraph inside one is a line, not a paragraph */
	int item; /* a list item's "- " was just written: the paragraph inside it (<li><p>) starts no new line
		   */
};

/* Newlines at the end of the output so far. */
static int
trailing_newlines(const struct buf *b)
{
	const char *s = buf_str(b);
	size_t i = b->len;
	int n = 0;

	while (i > 0 && (s[i - 1] == '\n' || s[i - 1] == ' ')) {
		n += s[i - 1] == '\n';
		i--;
	}
	return i == 0 ? 2 : n; /* at the start: no break needed */
}

/* End the line (want 1) or the paragraph (want 2). */
static void
brk(struct html *h, int want)
{
	int have = trailing_newlines(&h->out);

	h->space = 0;
	if (h->item)
		return;
	for (; have < want; have++)
		buf_add(&h->out, "\n");
}

static void
text_char(struct html *h, const char *p, size_t n)
{
	if (!h->pre && n == 1 && isspace((unsigned char)*p)) {
		h->space = 1;
		return;
	}
	if (h->space && h->out.len > 0 && buf_str(&h->out)[h->out.len - 1] != '\n')
		buf_add(&h->out, " ");
	h->space = 0;
	h->item = 0;
	buf_addn(&h->out, p, n);
}

/* One code point as UTF-8 into o (4 bytes); invalid ones as U+FFFD.  The length. */
static size_t
utf8_put(unsigned long cp, char *o)
{
	if (cp == 0 || (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		cp = 0xfffd;
	if (cp < 0x80)
		return o[0] = (char)cp, 1;
	if (cp < 0x800)
		return o[0] = (char)(0xc0 | cp >> 6), o[1] = (char)(0x80 | (cp & 0x3f)), 2;
	if (cp < 0x10000)
		return o[0] = (char)(0xe0 | cp >> 12), o[1] = (char)(0x80 | ((cp >> 6) & 0x3f)),
		       o[2] = (char)(0x80 | (cp & 0x3f)), 3;
	o[0] = (char)(0xf0 | cp >> 18);
	o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	o[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* An entity at s (s[0] == '&'): its text into o, the bytes it took; 0 when it is not one (a literal '&'). */
static size_t
entity(const char *s, size_t n, char *o, size_t *on)
{
	static const struct {
		const char *name, *text;
	} named[] = {
		{ "amp", "&" },
		{ "lt", "<" },
		{ "gt", ">" },
		{ "quot", "\"" },
		{ "apos", "'" },
		{ "nbsp", " " },
		{ NULL, NULL },
	};
	const char *semi = memchr(s, ';', n < 12 ? n : 12);
	size_t i, len;

	if (semi == NULL)
		return 0;
	len = (size_t)(semi - s) + 1;
	if (s[1] == '#') {
		int hex = s[2] == 'x' || s[2] == 'X';
		const char *d = s + 2 + hex, *ok = hex ? "0123456789abcdefABCDEF" : "0123456789";
		if (d == semi || strspn(d, ok) != (size_t)(semi - d))
			return 0;
		*on = utf8_put(strtoul(d, NULL, hex ? 16 : 10), o);
		return len;
	}
	for (i = 0; named[i].name; i++)
		if (strlen(named[i].name) == len - 2 && strncmp(s + 1, named[i].name, len - 2) == 0) {
			*on = strlen(named[i].text);
			memcpy(o, named[i].text, *on);
			return len;
		}
	return 0;
}

/* The end of the tag that starts at s[0] == '<' (the '>'), quotes in attributes honoured; NULL unterminated.
 */
static const char *
tag_end(const char *s, const char *end)
{
	char q = 0;

	for (s++; s < end; s++) {
		if (q && *s == q)
			q = 0;
		else if (!q && (*s == '"' || *s == '\''))
			q = *s;
		else if (!q && *s == '>')
			return s;
	}
	return NULL;
}

static int
is_tag(const char *name, size_t n, const char *const *set)
{
	for (; *set; set++)
		if (strlen(*set) == n && strncasecmp(name, *set, n) == 0)
			return 1;
	return 0;
}

/* What a tag does to the text: name (n bytes), closing or not. */
static void
tag_effect(struct html *h, const char *name, size_t n, int closing)
{
	static const char *const para[] = { "p", "div", "ul", "ol", "blockquote", "table", "section", NULL };
	static const char *const line[] = { "tr", "dt", "dd", NULL };

	if (is_tag(name, n, (const char *const[]){ "br", NULL })) {
		brk(h, 0);
		buf_add(&h->out, "\n");
	} else if (is_tag(name, n, para)) {
		brk(h, h->li > 0 && !is_tag(name, n, (const char *const[]){ "ul", "ol", NULL }) ? 1 : 2);
	} else if (is_tag(name, n, line)) {
		brk(h, 1);
	} else if (is_tag(name, n, (const char *const[]){ "li", NULL })) {
		h->item = 0;
		h->li += closing ? (h->li > 0 ? -1 : 0) : 1;
		brk(h, 1);
		if (!closing) {
			buf_add(&h->out, "- ");
			h->item = 1;
		}
	} else if (is_tag(name, n, (const char *const[]){ "pre", NULL })) {
		brk(h, 2);
		h->pre = !closing;
	} else if (is_tag(name, n, (const char *const[]){ "hr", NULL })) {
		brk(h, 2);
		buf_add(&h->out, "----\n\n");
	} else if (n == 2 && (name[0] == 'h' || name[0] == 'H') && name[1] >= '1' && name[1] <= '6') {
		brk(h, 2);
		if (!closing)
			buf_addf(&h->out, "%.*s ", name[1] - '0', "######");
	}
}

/*
 * The markup at s[0] == '<': a comment, a declaration, a tag (its effect
 * applied; script and style skipped whole), or a literal '<'.  The bytes it
 * took, or 0 with why for an unterminated one.
 */
static size_t
markup(struct html *h, const char *s, const char *end, char *why, size_t wn)
{
	const char *e, *name = s + 1;
	size_t n;
	int closing;

	if (end - s >= 4 && strncmp(s, "<!--", 4) == 0) {
		e = memmem(s + 4, (size_t)(end - s - 4), "-->", 3);
		if (e == NULL)
			return snprintf(why, wn, "an HTML comment is never closed"), 0;
		return (size_t)(e + 3 - s);
	}
	closing = s + 1 < end && s[1] == '/';
	name += closing;
	if (name >= end ||
	    !(isalpha((unsigned char)*name) || (*name == '!' && !closing) || (*name == '?' && !closing))) {
		text_char(h, "<", 1);
		return 1;
	}
	if ((e = tag_end(s, end)) == NULL)
		return snprintf(why, wn, "an HTML tag '%.20s' is never closed with '>'", s), 0;
	for (n = 0; name + n < e && isalnum((unsigned char)name[n]); n++)
		;
	if (!closing && is_tag(name, n, (const char *const[]){ "script", "style", NULL })) {
		char close[16];
		const char *c;
		snprintf(close, sizeof(close), "</%.*s", (int)n, name);
		for (c = e; c && c < end; c++)
			if (strncasecmp(c, close, strlen(close)) == 0)
				break;
		if (c >= end || (e = tag_end(c, end)) == NULL)
			return snprintf(why, wn, "an HTML %.*s element is never closed", (int)n, name), 0;
	} else {
		tag_effect(h, name, n, closing);
	}
	return (size_t)(e + 1 - s);
}

int
text_from_html(const char *html, size_t len, size_t max, char **out, int *cut, char *why, size_t wn)
{
	struct html h = { .pre = 0 };
	const char *s = html, *end = html + len;
	char ent[8];
	size_t k, en;

	*out = NULL;
	buf_init(&h.out, 4 * max + 4096);
	while (s < end) {
		if (*s == '<') {
			if ((k = markup(&h, s, end, why, wn)) == 0) {
				buf_free(&h.out);
				return -1;
			}
			s += k;
		} else if (*s == '&' && (k = entity(s, (size_t)(end - s), ent, &en)) > 0) {
			text_char(&h, ent, en);
			s += k;
		} else {
			text_char(&h, s++, 1);
		}
	}
	while (h.out.len > 0 &&
	    (buf_str(&h.out)[h.out.len - 1] == '\n' || buf_str(&h.out)[h.out.len - 1] == ' '))
		h.out.len--;
	if (buf_failed(&h.out)) {
		buf_free(&h.out);
		return snprintf(why, wn, "the HTML text is over %zu bytes", 4 * max + 4096), -1;
	}
	*out = text_clean(buf_str(&h.out), h.out.len, max, cut);
	buf_free(&h.out);
	return *out ? 0 : (snprintf(why, wn, "out of memory"), -1);
}
