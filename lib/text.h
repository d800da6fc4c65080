/*
 * text: text from outside (a tracker's descriptions and comments) made
 * safe to show and to quote: plain, valid UTF-8, bounded.  No I/O.
 *
 * text_clean(): bytes as text.  Invalid UTF-8 becomes U+FFFD, CR LF and a
 * lone CR become LF, other control characters but TAB are dropped, and the
 * result is cut at max bytes on a character boundary (*cut then 1).
 *
 * text_from_html(): a strict, small HTML-to-text converter for Plane's
 * description_html and comment_html (what Plane's editor writes).  Block
 * elements (p, div, h1-h6, ul, ol, li, blockquote, pre, table, tr, hr) end
 * a paragraph, br a line, li starts "- ", h<n> starts n '#'; pre keeps
 * its whitespace, elsewhere runs of whitespace are one space; script and
 * style are dropped with their content, every other tag is dropped and
 * its text kept.  Entities: the five XML ones, &nbsp; and numeric
 * references (a NUL, a surrogate or a code point over U+10FFFF is U+FFFD);
 * an unknown entity stays as written.  A '<' that does not open a tag is
 * text.  A tag or comment that is never closed is an error (-1, why says
 * where): the input is not what Plane writes, and is not guessed at.
 * The result goes through text_clean().
 *
 * Return conventions: text_clean() returns a malloc'd string or NULL (out
 * of memory); text_from_html() 0 with *out malloc'd, -1 with why.
 */
#ifndef ORCH_TEXT_H
#define ORCH_TEXT_H

#include <stddef.h>

char *text_clean(const char *src, size_t len, size_t max, int *cut);
int text_from_html(const char *html, size_t len, size_t max, char **out, int *cut, char *why, size_t wn);
/* The longest run of the character c in s (a Markdown fence must be longer than any run of '`' inside it). */
size_t text_longest_run(const char *s, char c);

#endif
