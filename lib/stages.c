#include "stages.h"

#include <stddef.h>
#include <string.h>

const char stage_none[] = "created";

static const struct stage table[] = {
	{ .name = "analysis",
	    .agent = "analyst",
	    .next = "architecture",
	    .display = "analysis",
	    .gates = { "check_analysis_complete", "check_analysis_approved" },
	    .artifacts = { { "01-brd.md", NULL, NULL }, { "02-trz.md", NULL, NULL },
		{ "03-acceptance-criteria.md", NULL, NULL }, { "04-test-plan.yaml", NULL, NULL } },
	    .first = 1,
	    .human_gate = "check_analysis_approved" },
	{ .name = "architecture",
	    .agent = "architect",
	    .next = "development",
	    .display = "in_progress",
	    .gates = { "check_architecture_done" },
	    .artifacts = { { "06-adr/ADR-*.md", NULL, NULL } } },
	{ .name = "development",
	    .agent = "developer",
	    .next = "review",
	    .display = "in_progress",
	    .gates = { "check_ci_green" },
	    .runs_ci = 1,
	    .claims = 1,
	    .fixable = 1 },
	{ .name = "review",
	    .agent = "reviewer",
	    .next = "testing",
	    .display = "code_review",
	    .gates = { "check_reviewer_verdict" },
	    .artifacts = { { "12-review.md", "verdict", "APPROVED" } },
	    .rolls_back_to = "development",
	    .binds_code = 1,
	    .fixable = 1 },
	{ .name = "testing",
	    .agent = "tester",
	    .next = "deploy-staging",
	    .display = "in_progress",
	    .gates = { "check_code_reviewed", "check_tests_passed" },
	    .artifacts = { { "13-test-report.md", "result", "PASS" } },
	    .rolls_back_to = "development",
	    .binds_code = 1,
	    .fixable = 1 },
	{ .name = "deploy-staging",
	    .agent = "staging",
	    .next = "deploy",
	    .display = "in_progress",
	    .gates = { "check_code_reviewed", "check_staging_status", "check_security_gate",
		"check_branch_mergeable" },
	    .artifacts = { { "15-staging-log.md", "staging_status", "SUCCESS" } },
	    .rolls_back_to = "development",
	    .auto_fix = "check_security_gate",
	    .lands_on_main = 1,
	    .claims = 1,
	    .fixable = 1 },
	{ .name = "deploy",
	    .agent = "deployer",
	    .next = "done",
	    .display = "deploying",
	    .gates = { "check_deploy_status", "check_merged_to_main" },
	    .artifacts = { { "14-deploy-log.md", "deploy_status", "SUCCESS" } },
	    .rolls_back_to = "development",
	    .deploys = 1,
	    .alerts_on_red = 1,
	    .claims = 1 },
	{ .name = "done", .display = "done", .monitors = 1 },
	{ .name = NULL },
};

const struct stage *
stage_table(void)
{
	return table;
}

const struct stage *
stage_get(const char *name)
{
	size_t i;

	for (i = 0; name && table[i].name; i++)
		if (strcmp(table[i].name, name) == 0)
			return &table[i];
	return NULL;
}

/* The first row for which has() holds (a bit-field cannot be addressed: one small predicate each). */
static const struct stage *
first_with(int (*has)(const struct stage *))
{
	size_t i;

	for (i = 0; table[i].name; i++)
		if (has(&table[i]))
			return &table[i];
	return NULL;
}

static int
is_first(const struct stage *s)
{
	return s->first;
}
static int
is_last(const struct stage *s)
{
	return s->next == NULL;
}
static int
is_deploy(const struct stage *s)
{
	return s->deploys;
}
static int
is_human(const struct stage *s)
{
	return s->human_gate != NULL;
}
static int
is_review(const struct stage *s)
{
	return s->binds_code;
}
static int
is_ci(const struct stage *s)
{
	return s->runs_ci;
}

const struct stage *
stage_first(void)
{
	return first_with(is_first);
}
const struct stage *
stage_last(void)
{
	return first_with(is_last);
}
const struct stage *
stage_deploy(void)
{
	return first_with(is_deploy);
}
const struct stage *
stage_human(void)
{
	return first_with(is_human);
}
const struct stage *
stage_review(void)
{
	return first_with(is_review);
}
const struct stage *
stage_ci(void)
{
	return first_with(is_ci);
}

const struct stage *
stage_with_gate(const char *gate)
{
	size_t i, k;

	for (i = 0; gate && table[i].name; i++)
		for (k = 0; k < STAGE_MAX_GATES && table[i].gates[k]; k++)
			if (strcmp(table[i].gates[k], gate) == 0)
				return &table[i];
	return NULL;
}

int
stage_is_last(const char *name)
{
	const struct stage *s = stage_get(name);

	return s && s->next == NULL;
}

int
stage_agent_known(const char *agent)
{
	size_t i;

	for (i = 0; agent && table[i].name; i++)
		if (table[i].agent && strcmp(table[i].agent, agent) == 0)
			return 1;
	return 0;
}
