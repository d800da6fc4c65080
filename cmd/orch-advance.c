/* orch-advance: run the current stage's gate of tasks and move them (SPEC 7, 9). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cli.h"
#include "../lib/cli_view.h"
#include "../lib/engine.h"
#include "../lib/task.h"
#include "../lib/wi.h"

#define USAGE \
	"orch-advance [-q] [--agent NAME] [--config FILE] [--dry-run] [--home DIR] [--json] [--wait]\n" \
	"                    WI... | --all | --start WI | --unblock WI | --explain WI | --manual WI | " \
	"--auto WI\n" \
	"                    | --cancel WI [--reason TEXT]"

enum {
	OPT_AGENT = OPT_CMD_BASE,
	OPT_ALL,
	OPT_CANCEL,
	OPT_DRY_RUN,
	OPT_EXPLAIN,
	OPT_REASON,
	OPT_START,
	OPT_UNBLOCK,
	OPT_MANUAL,
	OPT_AUTO
};

static const struct option longopts[] = {
	{ "agent", required_argument, NULL, OPT_AGENT },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "cancel", required_argument, NULL, OPT_CANCEL },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "explain", required_argument, NULL, OPT_EXPLAIN },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "start", required_argument, NULL, OPT_START },
	{ "unblock", required_argument, NULL, OPT_UNBLOCK },
	{ "manual", required_argument, NULL, OPT_MANUAL },
	{ "auto", required_argument, NULL, OPT_AUTO },
	{ NULL, 0, NULL, 0 },
};

typedef int (*one_fn)(struct orch_ctx *, const char *, struct advance_result *);

static int
manual_on(struct orch_ctx *c, const char *wi, struct advance_result *r)
{
	return engine_set_manual(c, wi, 1, "orch-advance --manual", r);
}

static int
manual_off(struct orch_ctx *c, const char *wi, struct advance_result *r)
{
	return engine_set_manual(c, wi, 0, "orch-advance --auto", r);
}

/* --start, --unblock, --manual or --auto WI: one item, one answer. */
static int
one_item(struct cli *cl, one_fn fn, const char *wi)
{
	struct advance_result r;

	fn(cl->ctx, wi, &r);
	if (cl->json)
		cli_print_json(cli_advance_json(&r));
	else
		cli_advance_text(cl, &r);
	return cli_close(cl, engine_result_exit(&r));
}

/* --cancel WI [--reason TEXT]: a person stops the item (engine_stop). */
static int
cancel(struct cli *cl, const char *wi, const char *reason)
{
	struct advance_result r;

	engine_stop(cl->ctx, wi, TASK_STOP_CANCELLED, reason, NULL, &r);
	if (cl->json)
		cli_print_json(cli_advance_json(&r));
	else
		cli_advance_text(cl, &r);
	return cli_close(cl, r.err.code ? r.err.code : r.refused ? EX_NO : EX_OK);
}

/* --cancel's own checks and lock: 0, or the usage error's exit code. */
static int
cancel_usage(struct cli *cl, const char *wi, const char *reason, int simulated)
{
	if (reason && !wi)
		return cli_usage_error(cl, "--reason goes with --cancel WI");
	if (wi && simulated)
		return cli_usage_error(cl, "--dry-run and --agent apply to WI... and --all, not to --cancel");
	if (wi && !wi_valid(wi))
		return cli_usage_error(cl, "work item '%s' is not " WI_FORM, wi);
	if (wi) /* a cancel must not wait for the run it stops: its own lock (engine_stop is a
		   compare-and-set) */
		cl->lock_name = "orch-advance-cancel";
	return 0;
}

/* --agent names an agent, each WI operand is a work item: 0, or the usage error's exit code. */
static int
check_operands(struct cli *cl, const char *agent, int argc, char **argv)
{
	int i;

	if (agent && engine_stage_valid(agent))
		return cli_usage_error(
		    cl, "--agent takes an agent name (analyst, developer, ...), not a stage");
	if (agent && !engine_agent_valid(agent))
		return cli_usage_error(cl,
		    "--agent '%s' is not an agent: analyst, architect, developer, reviewer, "
		    "tester, staging or deployer",
		    agent);
	for (i = 0; i < argc; i++)
		if (!wi_valid(argv[i]))
			return cli_usage_error(cl, "work item '%s' is not " WI_FORM, argv[i]);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *agent = NULL, *one = NULL, *oname = NULL, *explain = NULL, *cancel_wi = NULL,
		   *reason = NULL;
	int all = 0, dry = 0, opt, rc = 0, n = 0, i, many;
	one_fn fn = NULL;
	struct advance_result r;
	int64_t *ids = NULL;
	size_t nids = 0;
	struct cli cl;
	cJSON *arr = NULL;

	cli_init(&cl, "orch-advance", USAGE);
	while ((opt = cli_getopt(&cl, argc, argv, longopts)) > 0) {
		switch (opt) {
		case OPT_AGENT: agent = cl.optarg; break;
		case OPT_ALL: all = 1; break;
		case OPT_CANCEL: cancel_wi = cl.optarg; break;
		case OPT_DRY_RUN: dry = 1; break;
		case OPT_EXPLAIN: explain = cl.optarg; break;
		case OPT_START: fn = engine_start, oname = "--start", n++, one = cl.optarg; break;
		case OPT_UNBLOCK: fn = engine_unblock, oname = "--unblock", n++, one = cl.optarg; break;
		case OPT_MANUAL: fn = manual_on, oname = "--manual", n++, one = cl.optarg; break;
		case OPT_AUTO: fn = manual_off, oname = "--auto", n++, one = cl.optarg; break;
		case OPT_REASON: reason = cl.optarg; break;
		}
	}
	if (opt < 0)
		return cl.exit;
	argc = cl.nargs;
	argv = cl.args;
	n += (argc > 0) + all + (explain != NULL) + (cancel_wi != NULL);
	if (n != 1)
		return cli_usage_error(&cl,
		    "give exactly one of WI..., --all, --start WI, --unblock WI, --explain WI, "
		    "--manual WI, --auto WI, --cancel WI");
	if ((rc = cancel_usage(&cl, cancel_wi, reason, dry || agent)) != 0)
		return rc;
	if ((dry || agent) && one) /* they act on one item: nothing to simulate */
		return cli_usage_error(
		    &cl, "--dry-run and --agent apply to WI... and --all, not to %s", oname);
	if ((rc = check_operands(&cl, agent, argc, argv)) != 0)
		return rc;
	if ((one || explain) && !wi_valid(one ? one : explain))
		return cli_usage_error(&cl, "work item '%s' is not " WI_FORM, one ? one : explain);
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	if (explain)
		return cli_close(&cl, cli_explain(&cl, explain));
	if (cancel_wi)
		return cancel(&cl, cancel_wi, reason);
	if (one)
		return one_item(&cl, fn, one);
	if (all) {
		struct orch_err e = { 0 };
		if (store_snapshot_begin(&cl.st, &e) < 0 || task_list_ids(&cl.st, &ids, &nids, &e) < 0)
			return cli_close(&cl, cli_error(&cl, &e));
	}
	many = all || argc > 1;
	if (cl.json && many)
		arr = cJSON_CreateArray();
	rc = 0;
	for (i = 0; all ? (size_t)i < nids : i < argc; i++) {
		if (all)
			engine_advance_id(cl.ctx, ids[i], agent, dry, &r);
		else
			engine_advance(cl.ctx, argv[i], agent, dry, &r);
		if (all && r.outcome == OUT_NOOP && !r.err.code)
			continue; /* done tasks: nothing to say */
		rc = engine_result_combine(rc, &r, many);
		if (arr)
			cJSON_AddItemToArray(arr, cli_advance_json(&r));
		else if (cl.json)
			cli_print_json(cli_advance_json(&r));
		else
			cli_advance_text(&cl, &r);
	}
	store_snapshot_end(&cl.st);
	if (arr)
		cli_print_json(arr);
	free(ids);
	return cli_close(&cl, rc);
}
