/* frontmatter: the one verdict parser, fail-closed in every listed case. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/frontmatter.h"
#include "suites.h"

static int
verdict(const char *text, const char *key, const char *pass, char *reason)
{
	char value[128];

	return fm_verdict(text, strlen(text), key, pass, value, sizeof(value), reason, 512);
}

static void
red(const char *text, const char *why)
{
	char reason[512];

	ck_assert_int_eq(verdict(text, "verdict", "APPROVED", reason), FM_RED);
	ck_assert_msg(strstr(reason, why) != NULL, "reason '%s' lacks '%s'", reason, why);
}

/* A failed read leaves an empty value, never what the caller's buffer held (--explain prints it). */
START_TEST(fm_failure_leaves_no_value)
{
	static const char *const bad[] = { "no frontmatter\n", "---\nverdict: a\nverdict: b\n---\n",
		"---\nverdict: [x]\n---\n", "---\nverdict: x\n", "\xef\xbb\xbf---\nverdict: APPROVED\n---\n",
		"---\nverdict: \"unclosed\n---\n", NULL };
	char value[64], reason[512];
	size_t i;

	for (i = 0; bad[i]; i++) {
		memset(value, 'X', sizeof(value));
		ck_assert_int_eq(fm_verdict(bad[i], strlen(bad[i]), "verdict", "APPROVED", value,
				     sizeof(value), reason, sizeof(reason)),
		    FM_RED);
		ck_assert_msg(value[0] == '\0', "input %zu left value '%.8s'", i, value);
	}
}
END_TEST

START_TEST(fm_pass_case_insensitive_trimmed)
{
	char reason[512];

	ck_assert_int_eq(
	    verdict("---\nverdict: '  approved '\n---\nbody\n", "verdict", "APPROVED", reason), FM_PASS);
	ck_assert_int_eq(verdict("---\r\nresult: Pass\r\n---\r\n", "result", "PASS", reason), FM_PASS);
}
END_TEST

START_TEST(fm_negative_authoritative)
{
	red("---\nverdict: REQUEST_CHANGES\n---\nverdict: APPROVED\n", "REQUEST_CHANGES");
	red("---\nverdict: fail\n---\n", "FAIL");
	red("---\nverdict: maybe\n---\n", "not a recognised verdict");
}
END_TEST

START_TEST(fm_prose_never_counts)
{
	red("The verdict: APPROVED\n", "no frontmatter");
	red("# Review\n---\nverdict: APPROVED\n---\n", "no frontmatter");
}
END_TEST

START_TEST(fm_fail_closed_cases)
{
	red("---\nverdict: APPROVED\n", "not closed");
	red("---\nverdict: [APPROVED\n---\n", "invalid YAML");
	red("---\n- a\n- b\n---\n", "not a YAML map");
	red("---\nother: x\n---\n", "missing");
	red("---\nverdict: [APPROVED]\n---\n", "not a single value");
	red("---\nverdict:\n  a: b\n---\n", "not a single value");
	red("---\nverdict: APPROVED\nverdict: APPROVED\n---\n", "duplicated key");
	red("---\nverdict: REQUEST_CHANGES\nnote: x\nverdict: APPROVED\n---\n", "duplicated key");
	red("---\n---\n", "not a YAML map");
}
END_TEST

START_TEST(fm_too_large_and_nul)
{
	size_t n = FM_MAX_BYTES + 10;
	char *big = malloc(n + 1), reason[512], value[64];

	memcpy(big, "---\nverdict: APPROVED\n---\n", 26);
	memset(big + 26, 'x', n - 26);
	big[n] = '\0';
	ck_assert_int_eq(
	    fm_verdict(big, n, "verdict", "APPROVED", value, sizeof(value), reason, sizeof(reason)), FM_RED);
	ck_assert_ptr_nonnull(strstr(reason, "over the 1 MiB limit"));
	free(big);
	ck_assert_int_eq(fm_verdict("---\nverdict: APPROVED\n---\n\0x", 28, "verdict", "APPROVED", value,
			     sizeof(value), reason, sizeof(reason)),
	    FM_RED);
	ck_assert_ptr_nonnull(strstr(reason, "NUL"));
}
END_TEST

/* ~100k keys under the 1 MiB cap: the duplicate check must stay linear-ish (a
 * pairwise check took 40-55 s here); the figure is in docs/fuzzing.md. */
static char *
many_keys(size_t n, const char *last)
{
	size_t cap = n * 12 + 64, o = 0, i;
	char *t = malloc(cap);

	o += (size_t)snprintf(t + o, cap - o, "---\nverdict: APPROVED\n");
	for (i = 0; i < n; i++)
		o += (size_t)snprintf(t + o, cap - o, "k%zu: v\n", i);
	snprintf(t + o, cap - o, "%s---\n", last);
	return t;
}

START_TEST(fm_many_keys)
{
	char reason[512], value[64];
	char *t = many_keys(100000, "");

	ck_assert_uint_lt(strlen(t), FM_MAX_BYTES);
	ck_assert_int_eq(
	    fm_verdict(t, strlen(t), "verdict", "APPROVED", value, sizeof(value), reason, sizeof(reason)),
	    FM_PASS);
	free(t);
	t = many_keys(100000, "k4711: again\n");
	ck_assert_int_eq(
	    fm_verdict(t, strlen(t), "verdict", "APPROVED", value, sizeof(value), reason, sizeof(reason)),
	    FM_RED);
	ck_assert_str_eq(reason, "duplicated key 'k4711' in frontmatter");
	free(t);
}
END_TEST

/* Nesting: FM_MAX_DEPTH levels are fine, one more is red before libyaml's
 * quadratic flow scanner gets to 100k levels. */
static char *
nested(size_t levels, size_t closed)
{
	size_t cap = 2 * levels + 64, o, i;
	char *t = malloc(cap);

	o = (size_t)snprintf(t, cap, "---\nverdict: APPROVED\nx: ");
	for (i = 0; i < levels; i++)
		t[o++] = '[';
	for (i = 0; i < closed; i++)
		t[o++] = ']';
	snprintf(t + o, cap - o, "\n---\n");
	return t;
}

START_TEST(fm_nesting_capped)
{
	char reason[512], value[64];
	char *t = nested(FM_MAX_DEPTH - 1, FM_MAX_DEPTH - 1);

	ck_assert_int_eq(
	    fm_verdict(t, strlen(t), "verdict", "APPROVED", value, sizeof(value), reason, sizeof(reason)),
	    FM_PASS);
	free(t);
	t = nested(FM_MAX_DEPTH, FM_MAX_DEPTH);
	ck_assert_int_eq(
	    fm_verdict(t, strlen(t), "verdict", "APPROVED", value, sizeof(value), reason, sizeof(reason)),
	    FM_RED);
	ck_assert_ptr_nonnull(strstr(reason, "nests deeper than"));
	free(t);
	t = nested(400000, 0); /* unclosed: still red by depth, not a 40 s parse */
	ck_assert_int_eq(
	    fm_verdict(t, strlen(t), "verdict", "APPROVED", value, sizeof(value), reason, sizeof(reason)),
	    FM_RED);
	ck_assert_ptr_nonnull(strstr(reason, "nests deeper than"));
	free(t);
}
END_TEST

START_TEST(fm_body_after_fence)
{
	const char *t = "---\nk: v\n---\n## Findings\n- x\n";

	ck_assert_str_eq(fm_body(t, strlen(t)), "## Findings\n- x\n");
	ck_assert_ptr_null(fm_body("no", 2));
}
END_TEST

Suite *
frontmatter_suite(void)
{
	Suite *s = suite_create("frontmatter");
	TCase *tc = tcase_create("core"), *big = tcase_create("big");

	tcase_add_test(tc, fm_pass_case_insensitive_trimmed);
	tcase_add_test(tc, fm_failure_leaves_no_value);
	tcase_add_test(tc, fm_negative_authoritative);
	tcase_add_test(tc, fm_prose_never_counts);
	tcase_add_test(tc, fm_fail_closed_cases);
	tcase_add_test(tc, fm_too_large_and_nul);
	tcase_add_test(tc, fm_body_after_fence);
	tcase_add_test(tc, fm_nesting_capped);
	/* a megabyte of keys: generous under sanitizers and load; no timing asserted */
	tcase_set_timeout(big, 120);
	tcase_add_test(big, fm_many_keys);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, big);
	return s;
}
