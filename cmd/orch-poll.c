/* orch-poll: read each project's tracker and apply actionable statuses (SPEC 9). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../lib/cli.h"
#include "../lib/poll.h"
#include "../lib/wi.h"

#define USAGE "orch-poll [-q] [--config FILE] [--home DIR] [--json] [--project KEY] [--wait]"

enum { OPT_PROJECT = OPT_CMD_BASE };

static const struct option longopts[] = {
	{ "project", required_argument, NULL, OPT_PROJECT },
	{ NULL, 0, NULL, 0 },
};

struct out {
	struct cli *cl;
	cJSON *arr;
};

static void
report(void *ctx, const struct advance_result *r, const char *status)
{
	struct out *o = ctx;

	cli_report_tagged(o->cl, o->arr, "tracker_status", status, r);
}

static void
failed(void *ctx, const char *project, const struct orch_err *e)
{
	struct out *o = ctx;

	fprintf(stderr, "%s: project %s: %s\n", o->cl->prog, project, e->msg);
}

int
main(int argc, char **argv)
{
	const char *only = NULL;
	struct poll_stats ps = { 0 };
	struct out o = { 0 };
	struct cli cl;
	int opt, rc;

	cli_init(&cl, "orch-poll", USAGE);
	cl.cluster_singleton = 1; /* one poller for every host of a shared store */
	while ((opt = cli_getopt(&cl, argc, argv, longopts)) == OPT_PROJECT)
		only = cl.optarg;
	if (opt < 0)
		return cl.exit;
	if (cli_operands(&cl, "orch-poll", 0, 0, NULL))
		return EX_USAGE;
	if (only && !wi_project_key_valid(only))
		return cli_usage_error(&cl, "project key '%s' is not valid: " WI_KEY_RULE, only);
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	if (only && config_project(&cl.cfg, only) == NULL) {
		fprintf(stderr,
		    "orch-poll: project '%s' is not configured; add it under projects: in orch.yaml\n", only);
		return cli_close(&cl, EX_NOINPUT);
	}
	o.cl = &cl;
	o.arr = cl.json ? cJSON_CreateArray() : NULL;
	rc = poll_all(cl.ctx, only, report, failed, &o, &ps);
	if (o.arr)
		cli_print_json(o.arr);
	return cli_close(&cl, rc);
}
