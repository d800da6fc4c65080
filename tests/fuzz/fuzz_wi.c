/*
 * wi: work item ids and branch slugs.  Invariants: an id of the old ASCII
 * form ^[A-Z][A-Z0-9]{0,15}-[1-9][0-9]{0,8}$ (checked here independently)
 * is valid; a valid id has one '-' before a [1-9][0-9]{0,8} number, no
 * control, space or path/ref metacharacter, and round-trips through
 * wi_project and its number; a slug is [a-z0-9-]{1,40}
 * with no leading, trailing or doubled '-' (path- and ref-safe); a branch is
 * "feature/<id>-<slug>" and a valid git ref name.
 */
#include <ctype.h>

#include "../../lib/wi.h"
#include "fuzz.h"

/* The SPEC's pattern, written out again on purpose (not wi.c's code). */
static int
id_matches(const char *s)
{
	size_t i = 0, k;

	if (!(s[0] >= 'A' && s[0] <= 'Z'))
		return 0;
	for (i = 1; isupper((unsigned char)s[i]) || isdigit((unsigned char)s[i]); i++)
		;
	if (i > 16 || s[i] != '-')
		return 0;
	k = ++i;
	if (!(s[i] >= '1' && s[i] <= '9'))
		return 0;
	while (isdigit((unsigned char)s[i]))
		i++;
	return s[i] == '\0' && i - k <= 9;
}

static void
check_slug(const char *slug, size_t n)
{
	size_t l = strlen(slug), i;

	FUZZ_CHECK(l >= 1 && l <= 40 && l < n, "slug '%s' length %zu (n %zu)", slug, l, n);
	for (i = 0; i < l; i++)
		FUZZ_CHECK(
		    (slug[i] >= 'a' && slug[i] <= 'z') || isdigit((unsigned char)slug[i]) || slug[i] == '-',
		    "slug '%s' has byte 0x%02x", slug, (unsigned char)slug[i]);
	FUZZ_CHECK(
	    slug[0] != '-' && slug[l - 1] != '-' && strstr(slug, "--") == NULL, "slug '%s' dashes", slug);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *s = fuzz_str(data, len), key[17], slug[64], branch[128], back[64];
	size_t n = len ? 5 + data[0] % 60 : 48, bl;
	int valid = wi_valid(s);

	/* the old ASCII pattern stays valid; anything valid is path- and ref-safe (wi.h) */
	if (id_matches(s))
		FUZZ_CHECK(valid, "wi_valid('%s') refused an ASCII id", s);
	if (valid) {
		const char *dash = strrchr(s, '-');
		for (const unsigned char *q = (const unsigned char *)s; *q; q++)
			FUZZ_CHECK(*q > 0x20 && *q != 0x7f && !strchr("/.~^:\\?*[", *q),
			    "id '%s' has byte 0x%02x", s, *q);
		FUZZ_CHECK(dash && dash > s && strchr(s, '-') == dash && dash[1] >= '1' && dash[1] <= '9' &&
			strlen(dash + 1) <= 9 && strspn(dash + 1, "0123456789") == strlen(dash + 1),
		    "id '%s' shape", s);
		FUZZ_CHECK(wi_project(s, key) == 0 && wi_project_key_valid(key), "project of '%s'", s);
		snprintf(back, sizeof(back), "%s-%ld", key, strtol(strchr(s, '-') + 1, NULL, 10));
		FUZZ_CHECK(strcmp(back, s) == 0, "'%s' does not round-trip ('%s')", s, back);
	} else {
		FUZZ_CHECK(wi_project(s, key) < 0, "wi_project accepted invalid '%s'", s);
	}
	wi_slug(s, slug, n);
	check_slug(slug, n);
	if (wi_branch(s, s, branch, sizeof(branch)) == 0) {
		FUZZ_CHECK(valid, "branch for invalid id '%s'", s);
		bl = strlen(branch);
		FUZZ_CHECK(strncmp(branch, "feature/", 8) == 0 && strncmp(branch + 8, s, strlen(s)) == 0 &&
			branch[8 + strlen(s)] == '-',
		    "branch '%s'", branch);
		check_slug(branch + 9 + strlen(s), 48);
		FUZZ_CHECK(strstr(branch, "..") == NULL && strstr(branch, "//") == NULL &&
			branch[bl - 1] != '/' && strcspn(branch, " ~^:?*[\\") == bl &&
			(bl < 5 || strcmp(branch + bl - 5, ".lock") != 0),
		    "branch '%s' is not a safe ref name", branch);
	} else {
		FUZZ_CHECK(!valid, "no branch for valid id '%s'", s);
	}
	{
		char tiny[8]; /* short buffers: never overrun, always terminated */
		size_t tn = len ? 1 + data[len - 1] % 8 : 1;
		wi_slug(s, tiny, tn);
		FUZZ_CHECK(strlen(tiny) < tn, "slug overran a %zu-byte buffer", tn);
	}
	free(s);
	return 0;
}
