/* notify: outbox rows delivered once, to the log and NOTIFY_CMD. */
#include <stdio.h>
#include <string.h>

#include "../../lib/config.h"
#include "../../lib/err.h"
#include "../../lib/notify.h"
#include "../../lib/store.h"
#include "suites.h"

START_TEST(notify_delivered_once)
{
	struct config cfg;
	struct store st;
	struct orch_err e = {0};
	char yaml[4500], got[256] = "";
	FILE *f;

	snprintf(yaml, sizeof(yaml), "notify_cmd: [\"tee\", \"-a\", \"%s/sent.txt\"]\n", tmp_dir);
	ck_assert_int_eq(config_load(&cfg, tmp_write("orch.yaml", yaml), tmp_dir, 1, &e), 0);
	tmp_store(&st);
	ck_assert_int_eq(store_begin(&st, &e), 0);
	ck_assert_int_eq(notify_queue(&st, "info", "A-1", "moved", &e), 0);
	ck_assert_int_eq(store_commit(&st, &e), 0);
	ck_assert_int_eq(store_begin(&st, &e), 0);
	ck_assert_int_eq(notify_queue(&st, "info", "A-1", "rolled back, never committed", &e), 0);
	store_rollback(&st);
	ck_assert_int_eq(notify_deliver(&cfg, &st, 1, &e), 1);
	ck_assert_int_eq(notify_deliver(&cfg, &st, 1, &e), 0);
	snprintf(yaml, sizeof(yaml), "%s/sent.txt", tmp_dir);
	f = fopen(yaml, "r");
	ck_assert_ptr_nonnull(f);
	ck_assert_ptr_nonnull(fgets(got, sizeof(got), f));
	ck_assert_ptr_nonnull(strstr(got, "info A-1 moved"));
	ck_assert_ptr_null(fgets(got, sizeof(got), f));
	fclose(f);
	snprintf(yaml, sizeof(yaml), "%s/logs/notify.log", tmp_dir);
	f = fopen(yaml, "r");
	ck_assert_ptr_nonnull(f);
	fclose(f);
	store_close(&st);
	config_free(&cfg);
}
END_TEST

Suite *
notify_suite(void)
{
	Suite *s = suite_create("notify");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, notify_delivered_once);
	suite_add_tcase(s, tc);
	return s;
}
