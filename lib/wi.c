#include "wi.h"

#include <ctype.h>
#include <string.h>

#include "util.h"

int
wi_project_key_valid(const char *key)
{
	size_t i;

	if (key == NULL || !(key[0] >= 'A' && key[0] <= 'Z'))
		return 0;
	for (i = 1; key[i]; i++) {
		if (i > 15)
			return 0;
		if (!((key[i] >= 'A' && key[i] <= 'Z') || (key[i] >= '0' && key[i] <= '9')))
			return 0;
	}
	return 1;
}

int
wi_valid(const char *s)
{
	const char *dash;
	char key[17];
	size_t klen, i;

	if (s == NULL || (dash = strchr(s, '-')) == NULL)
		return 0;
	klen = (size_t)(dash - s);
	if (klen == 0 || klen > 16)
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
wi_project(const char *wi, char out[17])
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
	return str_fmt(out, n, "feature/%s-%s", wi, slug);
}

int
wi_artifact_path(const char *wi, const char *name, char *out, size_t n)
{
	return str_fmt(out, n, "docs/work-items/%s/%s", wi, name);
}
