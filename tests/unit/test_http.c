/* http: token loading, the request budget, unreachable servers; ISO instants. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/err.h"
#include "../../lib/http.h"
#include "../../lib/util.h"
#include "suites.h"

START_TEST(http_token_sources)
{
	struct orch_err e = { 0 };
	char *t, link[4300];
	const char *f;

	setenv("ORCH_PLANE_API_TOKEN", "from-env", 1);
	t = http_token_load("/nonexistent", &e);
	ck_assert_str_eq(t, "from-env");
	free(t);
	unsetenv("ORCH_PLANE_API_TOKEN");
	f = tmp_write("tok", "  from-file\n");
	chmod(f, 0600);
	t = http_token_load(f, &e);
	ck_assert_str_eq(t, "from-file");
	free(t);
	chmod(f, 0640);
	ck_assert_ptr_null(http_token_load(f, &e));
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "mode 0600"));
	ck_assert_ptr_null(strstr(e.msg, "from-file"));
	chmod(f, 0600);
	snprintf(link, sizeof(link), "%s/link", tmp_dir);
	ck_assert_int_eq(symlink(f, link), 0);
	ck_assert_ptr_null(http_token_load(link, &e));
	ck_assert_ptr_null(http_token_load(NULL, &e));
	ck_assert_ptr_nonnull(strstr(e.msg, "set ORCH_PLANE_API_TOKEN or plane_api_token_file"));
}
END_TEST

START_TEST(http_unreachable_and_budget)
{
	struct orch_err e = { 0 };
	struct http_response r;
	struct http h;

	/* port 9 on loopback: nothing listens there (connection refused, no network) */
	ck_assert_int_eq(http_open(&h, "http://127.0.0.1:9/api", "secret-token", 2, 4, &e), 0);
	h.backoff_ms = 1;
	ck_assert_int_eq(http_request(&h, "GET", "/x/", NULL, &r, &e), -1);
	http_response_free(&r);
	ck_assert_int_eq(e.code, EX_UNAVAILABLE);
	ck_assert_ptr_null(strstr(e.msg, "secret-token"));
	ck_assert_int_eq(h.budget.used, HTTP_RETRIES);
	ck_assert_int_eq(http_request(&h, "GET", "/x/", NULL, &r, &e), -1); /* one attempt left */
	http_response_free(&r);
	ck_assert_int_eq(h.budget.used, 4);
	ck_assert_int_eq(http_request(&h, "GET", "/x/", NULL, &r, &e), -1);
	http_response_free(&r);
	ck_assert_int_eq(h.budget.used, 4); /* nothing sent beyond the budget */
	ck_assert_ptr_nonnull(strstr(e.msg, "budget of 4 requests spent"));
	http_close(&h);
}
END_TEST

START_TEST(time_parse_instants)
{
	int64_t a, b, c;

	ck_assert_int_eq(time_parse_iso("2026-11-24T10:09:55.123456+05:30", &a), 0);
	ck_assert_int_eq(time_parse_iso("2026-11-24T04:39:55.123456Z", &b), 0);
	ck_assert_int_eq(a, b);
	ck_assert_int_eq(time_parse_iso("2026-11-24T01:39:55.1234-03:00", &c), 0);
	ck_assert_int_eq(c, b - 56);
	ck_assert_int_eq(time_parse_iso("2026-11-24T04:39:55Z", &c), 0);
	ck_assert_int_eq(c, b - 123456);
	ck_assert_int_eq(time_parse_iso("yesterday", &c), -1);
	ck_assert_int_eq(time_parse_iso("2026-11-24T04:39:55", &c), -1);
	ck_assert_int_eq(time_parse_iso("2026-11-24T04:39:55+5", &c), -1);
	/* the calendar, against timegm() */
	for (int64_t t = -86400LL * 365 * 30; t < 86400LL * 365 * 200; t += 86400LL * 97 + 3607) {
		struct tm tm;
		time_t tt = (time_t)t;
		char buf[40];
		gmtime_r(&tt, &tm);
		strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
		ck_assert_int_eq(time_parse_iso(buf, &c), 0);
		ck_assert_int_eq(c, t * 1000000);
	}
	ck_assert_int_eq(time_parse_iso("2024-02-29T00:00:00Z", &c), 0);
	ck_assert_int_eq(time_parse_iso("2023-02-29T00:00:00Z", &c), -1);
	ck_assert_int_eq(time_parse_iso("2100-02-29T00:00:00Z", &c), -1);
	ck_assert_int_eq(time_parse_iso("2026-13-01T00:00:00Z", &c), -1);
	ck_assert_int_eq(time_parse_iso("2026-04-31T00:00:00Z", &c), -1);
	ck_assert_int_eq(time_parse_iso("2026-04-30T24:00:00Z", &c), -1);
	ck_assert_int_eq(time_parse_iso("2026-04-30T23:00:00.Z", &c), -1);
	ck_assert_int_eq(time_parse_iso("2026-04-30T23:00:00Zx", &c), -1);
	ck_assert_int_eq(time_parse_iso(" 2026-04-30T23:00:00Z", &c), -1);
	ck_assert_int_eq(time_parse_iso("2026-04-30T23:00:00+24:00", &c), -1);
	ck_assert_int_eq(time_parse_iso("2026-04-30T23:00:00.1234567891Z", &c), 0); /* past µs: dropped */
}
END_TEST

/* The server's Date header: the present a Plane watermark may not pass (issue 24). */
START_TEST(http_date_header)
{
	int64_t us;

	ck_assert_int_eq(time_parse_iso("1994-11-06T08:49:37Z", &us), 0);
	ck_assert_int_eq(http_date_parse(" Sun, 06 Nov 1994 08:49:37 GMT\r\n"), us / 1000000);
	ck_assert_int_eq(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT"), us / 1000000);
	ck_assert_int_eq(http_date_parse("Sun, 06 Nux 1994 08:49:37 GMT"), -1);
	ck_assert_int_eq(http_date_parse("Sun, 06 ovD 1994 08:49:37 GMT"), -1); /* not a month's start */
	ck_assert_int_eq(http_date_parse("Sun, 31 Feb 1994 08:49:37 GMT"), -1);
	ck_assert_int_eq(http_date_parse("Sunday, 06-Nov-94 08:49:37 GMT"), -1);
	ck_assert_int_eq(http_date_parse("Sun, 06 Nov 1994 08:49:37 PST"), -1);
	ck_assert_int_eq(http_date_parse(""), -1);
}
END_TEST

Suite *
http_suite(void)
{
	Suite *s = suite_create("http");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, http_token_sources);
	tcase_add_test(tc, http_unreachable_and_budget);
	tcase_add_test(tc, time_parse_instants);
	tcase_add_test(tc, http_date_header);
	suite_add_tcase(s, tc);
	return s;
}
