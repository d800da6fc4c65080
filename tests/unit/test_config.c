/* config: YAML + environment, strict errors with file, line and key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../../lib/config.h"
#include "../../lib/err.h"
#include "suites.h"

static int
load(const char *yaml, struct config *c, struct orch_err *e)
{
	const char *path = tmp_write("orch.yaml", yaml);

	return config_load(c, path, tmp_dir, 1, e);
}

/* The tokens leave the environment on load and stay available to orch; agent_user is a setting
 * (ORCH_AGENT_USER too). */
START_TEST(config_secrets_taken)
{
	struct config c;
	struct orch_err e = { 0 };

	setenv("ORCH_PLANE_API_TOKEN", "tok-unit-1", 1);
	setenv("ORCH_AGENT_USER", "orch-agent", 1);
	ck_assert_int_eq(load("tracker: local\n", &c, &e), 0);
	ck_assert_ptr_null(getenv("ORCH_PLANE_API_TOKEN"));
	ck_assert_str_eq(config_secret("ORCH_PLANE_API_TOKEN"), "tok-unit-1");
	ck_assert_ptr_null(config_secret("ORCH_TELEGRAM_BOT_TOKEN"));
	ck_assert_ptr_null(config_secret("PATH")); /* not a secret: not handed out */
	ck_assert_str_eq(c.agent_user, "orch-agent");
	config_free(&c);
	unsetenv("ORCH_AGENT_USER");
	ck_assert_int_eq(load("agent_user: builder\n", &c, &e), 0);
	ck_assert_str_eq(c.agent_user, "builder");
	ck_assert_str_eq(config_secret("ORCH_PLANE_API_TOKEN"), "tok-unit-1"); /* a second load keeps it */
	config_free(&c);
	config_secrets_clear();
	ck_assert_ptr_null(config_secret("ORCH_PLANE_API_TOKEN"));
}
END_TEST

START_TEST(config_defaults)
{
	struct config c;
	struct orch_err e = { 0 };

	ck_assert_int_eq(config_load(&c, NULL, tmp_dir, 1, &e), 0);
	ck_assert_str_eq(c.tracker, "local");
	ck_assert_int_eq(c.max_developer_retries, 3);
	ck_assert_int_eq(c.plane_states_ttl_s, 300);
	ck_assert_int_eq(c.db_busy_timeout_ms, 5000);
	ck_assert_int_eq(c.security_gate_enabled, 1);
	ck_assert_uint_eq(c.nprojects, 0);
	config_free(&c);
}
END_TEST

START_TEST(config_project_and_agents)
{
	struct config c;
	struct orch_err e = { 0 };
	const struct project *p;

	ck_assert_msg(
	    load("max_developer_retries: 5\nprojects:\n  - key: DEMO\n    repo: /srv/demo\n"
		 "    ci_cmd: [\"make\", \"test\"]\n    agents:\n      default: [\"run\", \"{stage}\"]\n"
		 "      reviewer: [\"review\"]\n",
		&c, &e) == 0,
	    "%s", e.msg);
	ck_assert_int_eq(c.max_developer_retries, 5);
	p = config_project(&c, "DEMO");
	ck_assert_ptr_nonnull(p);
	ck_assert_str_eq(p->main_branch, "main");
	ck_assert_ptr_null(p->remote);
	ck_assert_str_eq(p->ci_cmd[1], "test");
	ck_assert_str_eq(config_agent(p, "reviewer")[0], "review");
	ck_assert_str_eq(config_agent(p, "analyst")[1], "{stage}");
	config_free(&c);
}
END_TEST

START_TEST(config_env_overrides)
{
	struct config c;
	struct orch_err e = { 0 };

	setenv("ORCH_MAX_DEVELOPER_RETRIES", "7", 1);
	setenv("ORCH_NOTIFY_CMD", "[\"notify-send\", \"orch\"]", 1);
	ck_assert_msg(load("max_developer_retries: 5\n", &c, &e) == 0, "%s", e.msg);
	unsetenv("ORCH_MAX_DEVELOPER_RETRIES");
	unsetenv("ORCH_NOTIFY_CMD");
	ck_assert_int_eq(c.max_developer_retries, 7);
	ck_assert_str_eq(c.notify_cmd[0], "notify-send");
	config_free(&c);
}
END_TEST

START_TEST(config_env_bad_value)
{
	struct config c;
	struct orch_err e = { 0 };

	setenv("ORCH_JOB_TIMEOUT_S", "soon", 1);
	ck_assert_int_eq(load("", &c, &e), -1);
	unsetenv("ORCH_JOB_TIMEOUT_S");
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "ORCH_JOB_TIMEOUT_S"));
	config_free(&c);
}
END_TEST

static void
bad(const char *yaml, const char *want)
{
	struct config c;
	struct orch_err e = { 0 };

	ck_assert_int_eq(load(yaml, &c, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_msg(strstr(e.msg, want) != NULL, "message '%s' lacks '%s'", e.msg, want);
	config_free(&c);
}

START_TEST(config_errors_name_line_and_key)
{
	bad("tracker: local\nmax_developer_retries: many\n", "orch.yaml:2: key 'max_developer_retries'");
	bad("trakcer: local\n", "orch.yaml:1: key 'trakcer': unknown setting");
	bad("projects:\n  - key: demo\n    repo: /x\n", "key 'key'");
	bad("projects:\n  - key: D\n    repo: relative\n", "absolute path");
	bad("projects:\n  - key: D\n    repo: /x\n    ci_cmd: make test\n",
	    "orch.yaml:4: key 'ci_cmd': expected a list");
	bad("projects: [\n", "invalid YAML");
	bad("plane_api_token: abc\n", "secrets are not read from the config file");
	bad("tracker: jira\n", "'jira' is not one of local, plane");
	bad("scan_rewrite_policy: yolo\n", "key 'scan_rewrite_policy': 'yolo' is not one of reset_warn");
	bad("projects:\n  - key: D\n    repo: /x\n  - key: D\n    repo: /y\n", "defined twice");
	/* duplicates anywhere: the root cause of the old heap overflow, and every other map */
	bad("projects:\n  - key: A\n    repo: /a\nprojects:\n  - key: B\n    repo: /b\n",
	    "orch.yaml:4: key 'projects' is given twice (lines 1 and 4)");
	bad("projects:\n  - key: A\n    repo: /a\n    agents: {x: [a]}\n    agents: {y: [b], z: [c]}\n",
	    "orch.yaml:5: key 'agents' is given twice (lines 4 and 5)");
	bad("work_slots: 2\nwork_slots: 3\n", "key 'work_slots' is given twice");
}
END_TEST

/* A group-writable file is refused; with CONFIG_UNSAFE_OK it loads and says why (orch doctor). */
START_TEST(config_unsafe_mode)
{
	const char *path = tmp_write("orch.yaml", "work_slots: 2\n");
	struct orch_err e = { 0 };
	struct config c;

	ck_assert_int_eq(chmod(path, 0620), 0);
	ck_assert_int_eq(config_load(&c, path, tmp_dir, CONFIG_HOME_FIXED, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_ptr_nonnull(strstr(e.msg, "run: chmod go-w"));
	config_free(&c);
	ck_assert_int_eq(config_load(&c, path, tmp_dir, CONFIG_HOME_FIXED | CONFIG_UNSAFE_OK, &e), 0);
	ck_assert_int_eq(c.work_slots, 2);
	ck_assert_ptr_nonnull(strstr(c.unsafe, "writable by group or others (mode 620)"));
	config_free(&c);
}
END_TEST

Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, tmp_setup, tmp_teardown);
	tcase_add_test(tc, config_defaults);
	tcase_add_test(tc, config_project_and_agents);
	tcase_add_test(tc, config_env_overrides);
	tcase_add_test(tc, config_env_bad_value);
	tcase_add_test(tc, config_errors_name_line_and_key);
	tcase_add_test(tc, config_unsafe_mode);
	tcase_add_test(tc, config_secrets_taken);
	suite_add_tcase(s, tc);
	return s;
}
