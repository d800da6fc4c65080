/* scanmain: the run id's shape, the stderr mask, the main_review report parser (fail-closed). */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/scan.h"
#include "../../lib/scanmain.h"
#include "suites.h"

START_TEST(run_id_shape)
{
	char a[SCAN_RUN_ID_LEN + 1], b[SCAN_RUN_ID_LEN + 1];
	regex_t re;

	ck_assert_int_eq(regcomp(&re, "^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$", REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_int_eq(scan_main_run_id(a), 0);
	ck_assert_int_eq(scan_main_run_id(b), 0);
	ck_assert_msg(regexec(&re, a, 0, NULL, 0) == 0, "run id '%s'", a);
	ck_assert_uint_eq(strlen(a), SCAN_RUN_ID_LEN);
	ck_assert_str_ne(a, b); /* 24 random bits: a clash here is one in 16 million */
	regfree(&re);
}
END_TEST

START_TEST(mask_secrets)
{
	/* the fake keys are put together at run time: orch's own history is scanned by gitleaks (.ci/run) */
	char out[256], aws[32], in[128], gh[64];

	snprintf(aws, sizeof(aws), "%s%s", "AKIA", "Z7QH4JX2KD5LWE3P");
	snprintf(gh, sizeof(gh), "%s%s", "ghp_", "0123456789abcdefghijABCDEFGHIJ012345");
	snprintf(in, sizeof(in), "leak %s in x\npanic: runtime error\x1b[0m", aws);
	scan_main_mask(out, sizeof(out), in);
	ck_assert_str_eq(out, "leak AKIA**** in x\npanic: runtime error [0m");
	scan_main_mask(out, sizeof(out), gh);
	ck_assert_str_eq(out, "ghp_****");
	scan_main_mask(out, sizeof(out), "INF 12 commits scanned, a-very-long-word-without-digits");
	ck_assert_str_eq(out, "INF 12 commits scanned, a-very-long-word-without-digits");
	scan_main_mask(out, 6, aws); /* truncated, never the secret */
	ck_assert_str_eq(out, "AKIA*");
}
END_TEST

static int
parse(const char *text, struct review_finding **v, size_t *n, char *why)
{
	return scan_main_parse_review(text, strlen(text), v, n, why, 256);
}

/* A secret saved under its own name (issue 24): never in full in the file or the fingerprint. */
START_TEST(finding_fields_masked)
{
	const char *key = "AKIA"
			  "Z7QH4JX2KD5LWE3P"; /* split: orch's own scan */
	char report[1024];
	struct secrets_result r = { 0 };

	/* the scanner ignored --redact: the secret is replaced wherever it appears */
	snprintf(report, sizeof(report),
	    "[{\"RuleID\": \"aws\", \"File\": \"k/%s.txt\", \"Commit\": \"c1\", "
	    "\"StartLine\": 1, \"Secret\": \"%s\", \"Fingerprint\": \"c1:k/%s.txt:aws:1\"}]",
	    key, key, key);
	ck_assert_int_eq(scan_parse_gitleaks(report, strlen(report), &r), 0);
	ck_assert_str_eq(r.v[0].file, "k/AKIA****.txt");
	ck_assert_str_eq(r.v[0].fingerprint, "c1:k/AKIA****.txt:aws:1");
	secrets_result_free(&r);
	/* redacted (orch never learns it): secret-shaped words of the name; ordinary names stay */
	memset(&r, 0, sizeof(r));
	snprintf(report, sizeof(report),
	    "[{\"RuleID\": \"aws\", \"File\": \"%s\", \"Commit\": \"c1\", "
	    "\"StartLine\": 1, \"Secret\": \"REDACTED\", \"Fingerprint\": \"\"}, {\"RuleID\": \"aws\", "
	    "\"File\": \"db/0001_initial_migration.py\", \"Commit\": \"c1\", \"StartLine\": 2, "
	    "\"Secret\": \"REDACTED\", \"Fingerprint\": \"\"}]",
	    key);
	ck_assert_int_eq(scan_parse_gitleaks(report, strlen(report), &r), 0);
	ck_assert_str_eq(r.v[0].file, "AKIA****");
	ck_assert_str_eq(r.v[0].fingerprint, "c1:AKIA****:aws:1");
	ck_assert_str_eq(r.v[1].file, "db/0001_initial_migration.py");
	secrets_result_free(&r);
}
END_TEST

START_TEST(review_good)
{
	struct review_finding *v;
	char why[256];
	size_t n;

	ck_assert_int_eq(
	    parse("[{\"severity\":\"high\",\"title\":\"t\",\"file\":\"a.c\",\"line\":3,\"extra\":1},"
		  "{\"severity\":\"LOW\",\"title\":\"u\",\"file\":\"\",\"line\":0}]",
		&v, &n, why),
	    0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(v[0].sev, SEV_HIGH);
	ck_assert_str_eq(v[0].file, "a.c");
	ck_assert_int_eq(v[0].line, 3);
	ck_assert_int_eq(v[1].sev, SEV_LOW);
	free(v);
	ck_assert_int_eq(parse("[]", &v, &n, why), 0);
	ck_assert_uint_eq(n, 0);
	free(v);
}
END_TEST

START_TEST(review_hostile)
{
	static const char *const bad[] = {
		"",
		"not json",
		"{}",
		"null",
		"[1]",
		"[{\"severity\":\"HIGH\"}]",
		"[{\"severity\":\"SEVERE\",\"title\":\"t\",\"file\":\"f\",\"line\":1}]",
		"[{\"severity\":\"UNKNOWN\",\"title\":\"t\",\"file\":\"f\",\"line\":1}]",
		"[{\"severity\":7,\"title\":\"t\",\"file\":\"f\",\"line\":1}]",
		"[{\"severity\":\"HIGH\",\"title\":\"\",\"file\":\"f\",\"line\":1}]",
		"[{\"severity\":\"HIGH\",\"title\":\"t\",\"file\":null,\"line\":1}]",
		"[{\"severity\":\"HIGH\",\"title\":\"t\",\"file\":\"f\",\"line\":\"1\"}]",
		"[{\"severity\":\"HIGH\",\"title\":\"t\",\"file\":\"f\",\"line\":-1}]",
		"[{\"severity\":\"HIGH\",\"title\":\"t\",\"file\":\"f\",\"line\":1.5}]",
		"[{\"severity\":\"HIGH\",\"title\":\"t\",\"file\":\"f\",\"line\":1}, 2]",
		NULL,
	};
	struct review_finding *v;
	char why[256];
	size_t n, i;

	for (i = 0; bad[i]; i++) {
		why[0] = '\0';
		ck_assert_msg(parse(bad[i], &v, &n, why) == -1, "accepted '%s'", bad[i]);
		ck_assert_ptr_null(v);
		ck_assert_msg(why[0] != '\0', "no reason for '%s'", bad[i]);
	}
	/* a NUL inside the report is not a report */
	ck_assert_int_eq(scan_main_parse_review("[]\0[1]", 6, &v, &n, why, sizeof(why)), -1);
}
END_TEST

Suite *
scanmain_suite(void)
{
	Suite *s = suite_create("scanmain");
	TCase *tc = tcase_create("scanmain");

	tcase_add_test(tc, run_id_shape);
	tcase_add_test(tc, mask_secrets);
	tcase_add_test(tc, finding_fields_masked);
	tcase_add_test(tc, review_good);
	tcase_add_test(tc, review_hostile);
	suite_add_tcase(s, tc);
	return s;
}
