/* orch-brief: the brief an agent of a work item's stage receives (docs/agents.md). */
#include "../lib/cli.h"
#include "../lib/cli_view.h"
#include "../lib/engine.h"
#include "../lib/wi.h"

#define USAGE "orch-brief [-q] [--config FILE] [--home DIR] [--json] [--stage STAGE] [--wait] WI"

enum { OPT_STAGE = OPT_CMD_BASE };

static const struct option longopts[] = {
	{ "stage", required_argument, NULL, OPT_STAGE },
	{ NULL, 0, NULL, 0 },
};

int
main(int argc, char **argv)
{
	const char *stage = NULL;
	struct cli cl;
	int opt, rc;

	cli_init(&cl, "orch-brief", USAGE);
	while ((opt = cli_getopt(&cl, argc, argv, longopts)) == OPT_STAGE)
		stage = cl.optarg;
	if (opt < 0)
		return cl.exit;
	if (cli_operands(&cl, "orch-brief", 1, 1, "one WI"))
		return EX_USAGE;
	if (!wi_valid(cl.args[0]))
		return cli_usage_error(&cl, "work item '%s' is not " WI_FORM, cl.args[0]);
	if (stage && (!engine_stage_valid(stage) || engine_stage_agent(stage) == NULL))
		return cli_usage_error(&cl,
		    "stage '%s' has no agent to brief; give one of analysis, architecture, "
		    "development, review, testing, deploy-staging, deploy",
		    stage);
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	return cli_close(&cl, cli_brief(&cl, cl.args[0], stage));
}
