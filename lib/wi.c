#include "wi.h"

#include <ctype.h>
#include <string.h>

#include "util.h"

/*
 * One UTF-8 encoded code point at s (strict: shortest form, no surrogates);
 * its length, or 0 when malformed.
 */
static size_t
utf8_decode(const unsigned char *s, unsigned long *cp)
{
	size_t len, i;
	unsigned long min;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0)
		len = 2, *cp = s[0] & 0x1f, min = 0x80;
	else if ((s[0] & 0xf0) == 0xe0)
		len = 3, *cp = s[0] & 0x0f, min = 0x800;
	else if ((s[0] & 0xf8) == 0xf0)
		len = 4, *cp = s[0] & 0x07, min = 0x10000;
	else
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		*cp = (*cp << 6) | (s[i] & 0x3f);
	}
	if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff))
		return 0;
	return len;
}

/*
 * A non-ASCII code point Plane keeps in an identifier and that is safe in a
 * branch name and a path: a letter-like character, never a control, a
 * space, a bidi override or a symbol of Latin-1 (U+0080..U+00BF, × and ÷).
 */
static int
key_cp_ok(unsigned long cp)
{
	if (cp < 0xc0 || cp == 0xd7 || cp == 0xf7)
		return 0;
	if ((cp >= 0x2000 && cp <= 0x206f) || cp == 0x3000 || cp == 0xfeff || cp >= 0xfff0)
		return 0; /* spaces, joiners, bidi controls, BOM, specials */
	return 1;
}

int
wi_project_key_valid(const char *key)
{
	const unsigned char *s = (const unsigned char *)key;
	unsigned long cp;
	size_t len;

	if (key == NULL || *key == '\0' || strlen(key) > WI_KEY_BYTES)
		return 0;
	for (; *s; s += len) {
		if ((len = utf8_decode(s, &cp)) == 0)
			return 0;
		if (len == 1 && !((cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') || cp == '_'))
			return 0; /* lowercase, '-' and punctuation: never in a Plane identifier */
		if (len > 1 && !key_cp_ok(cp))
			return 0;
	}
	return 1;
}

int
wi_valid(const char *s)
{
	const char *dash;
	char key[WI_KEY_BYTES + 1];
	size_t klen, i;

	if (s == NULL || (dash = strchr(s, '-')) == NULL)
		return 0;
	klen = (size_t)(dash - s);
	if (klen == 0 || klen > WI_KEY_BYTES)
		return 0;
	memcpy(key, s, klen);
	key[klen] = '\0';
	if (!wi_project_key_valid(key))
		return 0;
	if (!(dash[1] >= '1' && dash[1] <= '9'))
		return 0;
	for (i = 1; dash[i]; i++)
		if (i > 9 || !(dash[i] >= '0' && dash[i] <= '9'))
			return 0;
	return 1;
}

int
wi_project(const char *wi, char out[WI_KEY_BYTES + 1])
{
	const char *dash;

	if (!wi_valid(wi))
		return -1;
	dash = strchr(wi, '-');
	memcpy(out, wi, (size_t)(dash - wi));
	out[dash - wi] = '\0';
	return 0;
}

void
wi_slug(const char *title, char *out, size_t n)
{
	size_t o = 0, max = n - 1 < 40 ? n - 1 : 40;
	int dash = 0;

	for (; title && *title && o < max; title++) {
		unsigned char c = (unsigned char)*title;
		if (isalnum(c) && c < 128) {
			if (dash && o > 0 && o < max - 1)
				out[o++] = '-';
			dash = 0;
			out[o++] = (char)tolower(c);
		} else {
			dash = 1;
		}
	}
	out[o] = '\0';
	if (o == 0)
		str_copy(out, n, "item");
}

int
wi_branch(const char *wi, const char *title, char *out, size_t n)
{
	char slug[48];

	if (!wi_valid(wi))
		return -1;
	wi_slug(title, slug, sizeof(slug));
	return str_fmt(out, n, WI_BRANCH_PREFIX "%s-%s", wi, slug);
}

int
wi_artifact_path(const char *wi, const char *name, char *out, size_t n)
{
	return str_fmt(out, n, "docs/work-items/%s/%s", wi, name);
}
