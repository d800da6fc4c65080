/* orch-fix: plan -> patch -> validate -> commit for one work item (docs/fix-pipeline.md). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../lib/cli.h"
#include "../lib/fix.h"
#include "../lib/wi.h"

#define USAGE \
	"orch-fix [-q] [--config FILE] [--dry-run] [--home DIR] [--json] [--no-advance] [--wait]\n" \
	"         [--from-audit | --plan FILE] WI"

enum { OPT_DRY_RUN = OPT_CMD_BASE, OPT_FROM_AUDIT, OPT_NO_ADVANCE, OPT_PLAN };

static const struct option longopts[] = {
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "from-audit", no_argument, NULL, OPT_FROM_AUDIT },
	{ "no-advance", no_argument, NULL, OPT_NO_ADVANCE },
	{ "plan", required_argument, NULL, OPT_PLAN },
	{ NULL, 0, NULL, 0 },
};

/* validated/dry_run 0; refused by policy or validation 1; a bad plan 65; a tool failed 69; busy 75. */
static int
exit_of(const struct fix_result *r)
{
	if (!strcmp(r->status, "validated") || !strcmp(r->status, "dry_run"))
		return 0;
	if (!strcmp(r->status, "invalid"))
		return EX_DATAERR;
	if (!strcmp(r->status, "error"))
		return EX_UNAVAILABLE;
	if (!strcmp(r->status, "busy"))
		return EX_TEMPFAIL;
	return EX_NO;
}

static void
print_text(struct cli *cl, const struct fix_result *r)
{
	if (!strcmp(r->status, "dry_run")) {
		printf("plan: %s\n%s", r->plan_json ? r->plan_json : "-", buf_str(&r->diff));
		return;
	}
	if (cl->quiet && !exit_of(r))
		return;
	if (exit_of(r))
		fprintf(stderr, "orch-fix: %s: fix %s: %s\n", r->work_item, r->status, r->reason);
	else
		printf("%s: fix %s (run %lld, danger %d, %d file(s) +%d -%d)%s%s\n", r->work_item, r->status,
		    (long long)r->run_id, r->stats.danger, r->stats.files, r->stats.added, r->stats.removed,
		    r->stage_after[0] ? "; back to " : "", r->stage_after);
}

int
main(int argc, char **argv)
{
	struct fix_opts o = { 0 };
	struct fix_result r;
	struct orch_err e = { 0 };
	struct cli cl;
	char why[600];
	int opt, rc;

	cli_init(&cl, "orch-fix", USAGE);
	while ((opt = cli_getopt(&cl, argc, argv, longopts)) > 0) {
		switch (opt) {
		case OPT_DRY_RUN: o.dry_run = 1; break;
		case OPT_FROM_AUDIT: o.from_audit = 1; break;
		case OPT_NO_ADVANCE: o.no_advance = 1; break;
		case OPT_PLAN: o.plan_file = cl.optarg; break;
		}
	}
	if (opt < 0)
		return cl.exit;
	if (cli_operands(&cl, "orch-fix", 1, 1, "one WI"))
		return EX_USAGE;
	if (o.from_audit && o.plan_file)
		return cli_usage_error(
		    &cl, "--from-audit and --plan FILE are two sources of a plan; give one");
	o.work_item = cl.args[0];
	if (!wi_valid(o.work_item))
		return cli_usage_error(&cl, "work item '%s' is not " WI_FORM, o.work_item);
	if (o.plan_file && (rc = fix_plan_file_check(o.plan_file, why, sizeof(why))) != 0) {
		fprintf(stderr, "orch-fix: %s\n", why);
		return rc;
	}
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	if (fix_run(cl.ctx, &o, &r, &e) < 0) {
		fix_result_free(&r);
		return cli_close(&cl, cli_error(&cl, &e));
	}
	if (cl.json)
		cli_print_json(fix_result_json(&r));
	else
		print_text(&cl, &r);
	rc = exit_of(&r);
	fix_result_free(&r);
	return cli_close(&cl, rc);
}
