/* tracker: the local backend behind the interface; keys, terminal states. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/config.h"
#include "../../lib/ctx.h"
#include "../../lib/err.h"
#include "../../lib/store.h"
#include "../../lib/tracker.h"
#include "../../lib/wi.h"
#include "suites.h"

static struct config cfg;
static struct store st;
static struct tracker tr;
static struct orch_ctx ctx;

static void
setup(void)
{
	struct orch_err e = { 0 };

	tmp_setup();
	ck_assert_int_eq(config_load(&cfg, tmp_write("orch.yaml", "projects:\n  - key: DEMO\n    repo: /x\n"),
			     tmp_dir, 1, &e),
	    0);
	tmp_store(&st);
	ctx.cfg = &cfg;
	ctx.st = &st;
	ck_assert_int_eq(tracker_open(&tr, &ctx, "DEMO", &e), 0);
}

static void
teardown(void)
{
	tracker_close(&tr);
	store_close(&st);
	config_free(&cfg);
	tmp_teardown();
}

START_TEST(tracker_states_seeded_with_groups)
{
	struct tracker_state *v = NULL;
	const struct tracker_state *s;
	struct orch_err e = { 0 };
	size_t n = 0;

	ck_assert_int_eq(tr.ops->states(&tr, "DEMO", &v, &n, &e), 0);
	ck_assert_uint_eq(n, 17);
	s = tracker_state_by_key(v, n, "confirm_deploy");
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s->name, "Confirm Deploy");
	ck_assert(!tracker_state_terminal(s));
	ck_assert(tracker_state_terminal(tracker_state_by_key(v, n, "done")));
	ck_assert(tracker_state_terminal(tracker_state_by_key(v, n, "cancelled")));
	ck_assert_str_eq(tracker_state_by_key(v, n, "done")->group, "completed");
	free(v);
}
END_TEST

START_TEST(tracker_create_set_comment)
{
	struct tracker_issue a, b, got;
	struct orch_err e = { 0 };
	char before[40], **comments = NULL;

	ck_assert_int_eq(tr.ops->create(&tr, "DEMO", "first", "DEMO:backlog", &a, &e), 0);
	ck_assert_int_eq(tr.ops->create(&tr, "DEMO", "second", "DEMO:backlog", &b, &e), 0);
	ck_assert_str_eq(a.work_item, "DEMO-1");
	ck_assert_str_eq(b.work_item, "DEMO-2");
	snprintf(before, sizeof(before), "%s", a.updated_at);
	ck_assert_int_eq(tracker_set_status(&tr, &a, "approved", &e), TRACKER_SET);
	ck_assert_int_eq(tr.ops->get(&tr, "DEMO-1", &got, &e), 0);
	ck_assert_str_eq(got.state_id, "DEMO:approved");
	ck_assert_int_gt(strcmp(got.updated_at, before), 0);
	ck_assert_int_eq(tr.ops->comment(&tr, &got, "hello", &e), 0);
	ck_assert_int_eq(tr.ops->comments(&tr, &got, &comments, &e), 0);
	ck_assert_ptr_nonnull(strstr(comments[0], "hello"));
	argv_free(comments);
}
END_TEST

START_TEST(tracker_missing_state_never_fires)
{
	struct tracker_issue a;
	struct orch_err e = { 0 };

	ck_assert_int_eq(tr.ops->create(&tr, "DEMO", "x", "DEMO:backlog", &a, &e), 0);
	ck_assert_int_eq(
	    store_exec(&st, "DELETE FROM tracker_states WHERE id = 'DEMO:confirm_deploy'", &e), 0);
	ck_assert_int_eq(tracker_set_status(&tr, &a, "confirm_deploy", &e), TRACKER_SKIPPED);
	ck_assert_str_eq(a.state_id, "DEMO:backlog");
}
END_TEST

START_TEST(tracker_unknown_items)
{
	struct tracker_issue a;
	struct orch_err e = { 0 };

	ck_assert_int_eq(tr.ops->get(&tr, "DEMO-9", &a, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_int_eq(tr.ops->get(&tr, "OTHER-1", &a, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_ptr_nonnull(strstr(e.msg, "not configured"));
	ck_assert_str_eq(tracker_key_for_name("monitoring after deploy"), "monitoring");
	ck_assert_ptr_null(tracker_key_for_name("Whatever"));
}
END_TEST

/* orch-status's tracker column, from the store alone: the local tracker's state, else what orch saw, else
 * null */
START_TEST(tracker_status_from_the_store)
{
	cJSON *local = cJSON_CreateObject(), *seen = cJSON_CreateObject(), *none = cJSON_CreateObject();
	struct tracker_issue a;
	struct orch_err e = { 0 };

	ck_assert_int_eq(tr.ops->create(&tr, "DEMO", "x", "DEMO:backlog", &a, &e), 0);
	ck_assert_int_eq(tracker_set_status(&tr, &a, "approved", &e), TRACKER_SET); /* orch saw Approved */
	ck_assert_int_eq(store_exec(&st, "UPDATE tracker_issues SET state_id = 'DEMO:backlog'", &e), 0);
	ck_assert_int_eq(tracker_status_json(&st, a.id, a.work_item, local, &e), 0);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(local, "tracker_status")), "Backlog");
	ck_assert(cJSON_IsString(cJSON_GetObjectItem(local, "tracker_seen_at")));
	ck_assert_int_eq(tracker_status_json(&st, "not-a-local-issue", a.work_item, seen, &e), 0);
	ck_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(seen, "tracker_status")), "Approved");
	ck_assert_int_eq(tracker_status_json(&st, "not-a-local-issue", "DEMO-9", none, &e), 0);
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(none, "tracker_status")));
	ck_assert(cJSON_IsNull(cJSON_GetObjectItem(none, "tracker_seen_at")));
	cJSON_Delete(local);
	cJSON_Delete(seen);
	cJSON_Delete(none);
}
END_TEST

/* Identifiers as Plane accepts them (Project.FORBIDDEN_IDENTIFIER_CHARS_PATTERN, upper()), within paths'
 * safety. */
START_TEST(wi_plane_identifiers)
{
	char br[256], proj[WI_KEY_BYTES + 1];

	ck_assert(wi_project_key_valid("1ST"));
	ck_assert(wi_project_key_valid("123"));
	ck_assert(wi_project_key_valid("MY_APP"));
	ck_assert(wi_project_key_valid("_"));
	ck_assert(wi_project_key_valid("\xc3\x89TAT"));              /* ÉTAT */
	ck_assert(wi_project_key_valid("\xd0\x96\xd0\x9a"));         /* ЖК */
	ck_assert(wi_project_key_valid("\xe6\x97\xa5\xe6\x9c\xac")); /* 日本 */
	ck_assert(wi_project_key_valid("ABCDEFGHIJKL"));             /* Plane's 12 */
	ck_assert(wi_project_key_valid("ABCDEFGHIJKLMNOP"));         /* orch's older 16 */
	ck_assert(!wi_project_key_valid("ABCDEFGHIJKLMNOPQ"));
	ck_assert(!wi_project_key_valid(
	    "\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96\xd0\x96")); /* 18 bytes */
	ck_assert(!wi_project_key_valid(""));
	ck_assert(!wi_project_key_valid("A-B"));
	ck_assert(!wi_project_key_valid("Ab"));
	ck_assert(!wi_project_key_valid("A.B"));
	ck_assert(!wi_project_key_valid("A/B"));
	ck_assert(!wi_project_key_valid(".."));
	ck_assert(!wi_project_key_valid("A B"));
	ck_assert(!wi_project_key_valid("A~1"));
	ck_assert(!wi_project_key_valid("A^B"));
	ck_assert(!wi_project_key_valid("A:B"));
	ck_assert(!wi_project_key_valid("A\\B"));
	ck_assert(!wi_project_key_valid("A\xe2\x80\xae"
					"B")); /* U+202E, a bidi override */
	ck_assert(!wi_project_key_valid("A\xc2\xa0"
					"B")); /* U+00A0, a no-break space */
	ck_assert(!wi_project_key_valid("A\xc3\x97"
					"B"));             /* U+00D7, x */
	ck_assert(!wi_project_key_valid("A\xc0\x80"));     /* overlong NUL */
	ck_assert(!wi_project_key_valid("A\xed\xa0\x80")); /* a surrogate */
	ck_assert(!wi_project_key_valid("A\xff"));
	ck_assert(!wi_project_key_valid("A\xd0")); /* cut short */
	ck_assert(wi_valid("1\xd0\x96_X-12"));
	ck_assert_int_eq(wi_project("1\xd0\x96_X-12", proj), 0);
	ck_assert_str_eq(proj, "1\xd0\x96_X");
	ck_assert_int_eq(wi_branch("1\xd0\x96_X-12", "Fix: it", br, sizeof(br)), 0);
	ck_assert_str_eq(br, "feature/1\xd0\x96_X-12-fix-it");
	ck_assert(!wi_valid("A-B-1"));
}
END_TEST

Suite *
tracker_suite(void)
{
	Suite *s = suite_create("tracker");
	TCase *tc = tcase_create("local");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, tracker_states_seeded_with_groups);
	tcase_add_test(tc, tracker_create_set_comment);
	tcase_add_test(tc, tracker_missing_state_never_fires);
	tcase_add_test(tc, tracker_unknown_items);
	tcase_add_test(tc, tracker_status_from_the_store);
	tcase_add_test(tc, wi_plane_identifiers);
	suite_add_tcase(s, tc);
	return s;
}
