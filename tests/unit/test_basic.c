/* buf, wi, atomic, lock: the small modules. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/atomic.h"
#include "../../lib/buf.h"
#include "../../lib/cli.h"
#include "../../lib/err.h"
#include "../../lib/lock.h"
#include "../../lib/util.h"
#include "../../lib/wi.h"
#include "suites.h"

START_TEST(buf_cap_is_an_error)
{
	struct buf b;

	buf_init(&b, 8);
	ck_assert_int_eq(buf_puts(&b, "1234"), 0);
	ck_assert_int_eq(buf_puts(&b, "5678"), 0);
	ck_assert_int_eq(buf_puts(&b, "9"), -1);
	ck_assert_str_eq(buf_str(&b), "12345678");
	ck_assert_uint_eq(b.len, 8);
	buf_free(&b);
	ck_assert_str_eq(buf_str(&b), "");
}
END_TEST

START_TEST(buf_printf_grows)
{
	struct buf b;
	char big[2000];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, BUF_MIB);
	ck_assert_int_eq(buf_printf(&b, "%s-%d", big, 42), 0);
	ck_assert_uint_eq(b.len, 1999 + 3);
	ck_assert_str_eq(b.data + 1999, "-42");
	buf_free(&b);
}
END_TEST

/* A builder that overflows marks the buffer, skips every later append, and the file is refused whole. */
START_TEST(buf_builder_failure_is_sticky_and_refused)
{
	char dir[] = "/tmp/orch-buf-XXXXXX", path[64];
	struct orch_err e = { 0 };
	struct buf b;
	struct stat sb;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/page.html", dir);
	buf_init(&b, 8);
	ck_assert_int_eq(buf_puts(&b, "123456789"), -1); /* a checked failure is the caller's: no mark */
	ck_assert_int_eq(buf_failed(&b), 0);
	buf_add(&b, "1234");
	buf_addf(&b, "%d", 56789); /* over the cap: marked, unchanged */
	ck_assert_int_eq(buf_failed(&b), 1);
	ck_assert_str_eq(buf_str(&b), "1234");
	buf_add(&b, "5"); /* would fit, but the text is already cut: skipped */
	buf_addn(&b, "6", 1);
	ck_assert_str_eq(buf_str(&b), "1234");
	ck_assert_int_eq(atomic_write_buf(path, &b, 0644, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "cut short"));
	ck_assert_int_eq(stat(path, &sb), -1);
	buf_reset(&b); /* a reset starts a new text */
	ck_assert_int_eq(buf_failed(&b), 0);
	buf_addf(&b, "%s", "ok");
	ck_assert_int_eq(atomic_write_file(path, &b, &e), 0);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_uint_eq((unsigned)sb.st_size, 2);
	buf_free(&b);
	unlink(path);
	rmdir(dir);
}
END_TEST

START_TEST(wi_accepts_and_rejects)
{
	ck_assert(wi_valid("ORCH-22"));
	ck_assert(wi_valid("A-1"));
	ck_assert(wi_valid("ABCDEFGHIJKLMNOP-123456789"));
	ck_assert(!wi_valid("../x"));
	ck_assert(!wi_valid("orch-1"));
	ck_assert(!wi_valid("A-0"));
	ck_assert(!wi_valid("A-01"));
	ck_assert(!wi_valid("ABCDEFGHIJKLMNOPQ-1"));
	ck_assert(!wi_valid("A-1234567890"));
	ck_assert(wi_valid("1A-1")); /* Plane allows a leading digit (lib/wi.h) */
	ck_assert(!wi_valid("A-1/../../etc"));
	ck_assert(!wi_valid("A-1 "));
	ck_assert(!wi_valid(""));
	ck_assert(!wi_valid("A1"));
}
END_TEST

START_TEST(wi_branch_is_safe)
{
	char br[256], proj[17];

	ck_assert_int_eq(wi_branch("DEMO-7", "Fix $(rm -rf /); `id` & \"quotes\"", br, sizeof(br)), 0);
	ck_assert_str_eq(br, "feature/DEMO-7-fix-rm-rf-id-quotes");
	ck_assert_int_eq(wi_branch("DEMO-7", "!!!", br, sizeof(br)), 0);
	ck_assert_str_eq(br, "feature/DEMO-7-item");
	ck_assert_int_eq(wi_branch("../x", "t", br, sizeof(br)), -1);
	ck_assert_int_eq(wi_project("AB1-9", proj), 0);
	ck_assert_str_eq(proj, "AB1");
}
END_TEST

START_TEST(atomic_write_replaces_whole_file)
{
	struct orch_err e = { 0 };
	char path[4200], got[64] = "";
	FILE *f;
	struct stat sb;

	snprintf(path, sizeof(path), "%s/out.txt", tmp_dir);
	ck_assert_int_eq(atomic_write(path, "first", 5, 0600, &e), 0);
	ck_assert_int_eq(atomic_write(path, "second", 6, 0600, &e), 0);
	f = fopen(path, "r");
	ck_assert_ptr_nonnull(fgets(got, sizeof(got), f));
	fclose(f);
	ck_assert_str_eq(got, "second");
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
}
END_TEST

START_TEST(atomic_write_fails_cleanly)
{
	struct orch_err e = { 0 };
	char path[4200];

	snprintf(path, sizeof(path), "%s/no/such/dir/out.txt", tmp_dir);
	ck_assert_int_eq(atomic_write(path, "x", 1, 0600, &e), -1);
	ck_assert_int_eq(e.code, EX_IOERR);
	ck_assert_ptr_nonnull(strstr(e.msg, "cannot create"));
}
END_TEST

START_TEST(lock_second_taker_is_busy)
{
	struct orch_err e = { 0 };
	int a = -1, b = -1;

	ck_assert_int_eq(lock_take(tmp_dir, "orch-test", 0, &a, &e), LOCK_TAKEN);
	ck_assert_int_eq(lock_take(tmp_dir, "orch-test", 0, &b, &e), LOCK_BUSY);
	lock_release(a);
	ck_assert_int_eq(lock_take(tmp_dir, "orch-test", 0, &b, &e), LOCK_TAKEN);
	lock_release(b);
}
END_TEST

START_TEST(num_parse_ranges)
{
	long long v;

	ck_assert_int_eq(num_parse("42", 0, 100, &v), 0);
	ck_assert_int_eq(v, 42);
	ck_assert_int_eq(num_parse("101", 0, 100, &v), -1);
	ck_assert_int_eq(num_parse("4x", 0, 100, &v), -1);
	ck_assert_int_eq(num_parse("", 0, 100, &v), -1);
	ck_assert_int_eq(num_parse(" 4", 0, 100, &v), -1);
}
END_TEST

START_TEST(utf8_checks_and_escapes)
{
	char out[64], why[200];

	ck_assert_int_eq(utf8_valid("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14), 1);
	ck_assert_int_eq(utf8_valid("caf\xe9", 4), 0);          /* Latin-1 */
	ck_assert_int_eq(utf8_valid("\xc0\xaf", 2), 0);         /* overlong '/' */
	ck_assert_int_eq(utf8_valid("\xed\xa0\x80", 3), 0);     /* surrogate */
	ck_assert_int_eq(utf8_valid("\xf4\x90\x80\x80", 4), 0); /* past U+10FFFF */
	ck_assert_int_eq(utf8_valid("\xe2\x82", 2), 0);         /* truncated */
	utf8_sanitize(out, sizeof(out),
	    "a\xff"
	    "b\xc3\xa9");
	ck_assert_str_eq(out,
	    "a\xef\xbf\xbd"
	    "b\xc3\xa9");
	utf8_sanitize(out, 4, "ab\xc3\xa9"); /* never cuts a character */
	ck_assert_str_eq(out, "ab");
	str_escape_ctl(out, sizeof(out), "x\033[2J\ny\t\\ \xc2\x9b \xff \xc3\xa9");
	ck_assert_str_eq(out, "x\\x1b[2J\\ny\\t\\\\ \\u009b \\xff \xc3\xa9");
	str_escape_ctl(out, 6, "ab\033cd"); /* an escape is never cut in half */
	ck_assert_str_eq(out, "ab");
	ck_assert_int_eq(title_check("Greet users", why, sizeof(why)), 0);
	ck_assert_int_eq(title_check("", why, sizeof(why)), -1);
	ck_assert_int_eq(title_check("a\tb", why, sizeof(why)), -1);
	ck_assert_ptr_nonnull(strstr(why, "control character (byte 0x09 at 1)"));
	ck_assert_int_eq(title_check("abc\xe2\x80\xae"
				     "evil",
			     why, sizeof(why)),
	    -1); /* RLO */
	ck_assert_ptr_nonnull(strstr(why, "bidirectional control (U+202E at byte 3)"));
	ck_assert_int_eq(title_check("x\xe2\x81\xa6"
				     "y",
			     why, sizeof(why)),
	    -1); /* LRI */
	ck_assert_ptr_nonnull(strstr(why, "U+2066"));
	ck_assert_int_eq(
	    title_check("caf\xc3\xa9 \xe2\x80\x94 \xe2\x80\xaf ok", why, sizeof(why)), 0); /* dash, NNBSP */
	memset(out, 'x', sizeof(out));
	out[sizeof(out) - 1] = '\0';
	ck_assert_int_eq(title_check(out, why, sizeof(why)), 0);
}
END_TEST

/* cli_getopt: options anywhere, operands in order, -- ends options, errors say which option. */
START_TEST(cli_getopt_permutes)
{
	static const struct option opts[] = { { "project", required_argument, NULL, OPT_CMD_BASE },
		{ NULL, 0, NULL, 0 } };
	char a0[] = "orch-x", a1[] = "show", a2[] = "--json", a3[] = "A-1", a4[] = "--project", a5[] = "K",
	     a6[] = "-q", a7[] = "--", a8[] = "--literal";
	char *argv[] = { a0, a1, a2, a3, a4, a5, a6, a7, a8, NULL };
	char b1[] = "list", b2[] = "--jsn";
	char *bad[] = { a0, b1, b2, NULL };
	struct cli cl;
	int opt, got = 0;

	cli_init(&cl, "orch-x", "orch-x ...");
	while ((opt = cli_getopt(&cl, 9, argv, opts)) > 0) {
		ck_assert_int_eq(opt, OPT_CMD_BASE);
		ck_assert_str_eq(cl.optarg, "K");
		got++;
	}
	ck_assert_int_eq(opt, 0);
	ck_assert_int_eq(got, 1);
	ck_assert_int_eq(cl.json, 1);
	ck_assert_int_eq(cl.quiet, 1);
	ck_assert_int_eq(cl.nargs, 3);
	ck_assert_str_eq(cl.args[0], "show");
	ck_assert_str_eq(cl.args[1], "A-1");
	ck_assert_str_eq(cl.args[2], "--literal");
	cli_init(&cl, "orch-x", "orch-x ...");
	ck_assert_int_eq(cli_getopt(&cl, 3, bad, opts), -1);
	ck_assert_int_eq(cl.exit, EX_USAGE);
	{ /* a value option given twice, or empty, is a usage error, never a silent last-wins */
		char c1[] = "--project", c2[] = "A", c3[] = "--project", c4[] = "B", d1[] = "--project=";
		char *twice[] = { a0, c1, c2, c3, c4, NULL }, *empty[] = { a0, d1, NULL };
		cli_init(&cl, "orch-x", "orch-x ...");
		ck_assert_int_eq(cli_getopt(&cl, 5, twice, opts), OPT_CMD_BASE);
		ck_assert_int_eq(cli_getopt(&cl, 5, twice, opts), -1);
		ck_assert_int_eq(cl.exit, EX_USAGE);
		cli_init(&cl, "orch-x", "orch-x ...");
		ck_assert_int_eq(cli_getopt(&cl, 2, empty, opts), -1);
		ck_assert_int_eq(cl.exit, EX_USAGE);
	}
}
END_TEST

Suite *
buf_suite(void)
{
	Suite *s = suite_create("buf+util");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, buf_cap_is_an_error);
	tcase_add_test(tc, buf_printf_grows);
	tcase_add_test(tc, buf_builder_failure_is_sticky_and_refused);
	tcase_add_test(tc, num_parse_ranges);
	tcase_add_test(tc, utf8_checks_and_escapes);
	tcase_add_test(tc, cli_getopt_permutes);
	suite_add_tcase(s, tc);
	return s;
}

Suite *
wi_suite(void)
{
	Suite *s = suite_create("wi");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, wi_accepts_and_rejects);
	tcase_add_test(tc, wi_branch_is_safe);
	suite_add_tcase(s, tc);
	return s;
}

Suite *
atomic_suite(void)
{
	Suite *s = suite_create("atomic");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, atomic_write_replaces_whole_file);
	tcase_add_test(tc, atomic_write_fails_cleanly);
	suite_add_tcase(s, tc);
	return s;
}

Suite *
lock_suite(void)
{
	Suite *s = suite_create("lock");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, lock_second_taker_is_busy);
	suite_add_tcase(s, tc);
	return s;
}
