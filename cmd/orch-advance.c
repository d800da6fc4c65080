/* orch-advance: run the current stage's gate of tasks and move them (SPEC 7, 9). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/buf.h"
#include "../lib/cli.h"
#include "../lib/engine.h"
#include "../lib/task.h"
#include "../lib/wi.h"

#define USAGE "orch-advance [-q] [--agent NAME] [--config FILE] [--dry-run] [--home DIR] [--json] [--wait]\n" \
	"                    WI... | --all | --start WI | --unblock WI | --explain WI"

enum { OPT_AGENT = OPT_CMD_BASE, OPT_ALL, OPT_DRY_RUN, OPT_EXPLAIN, OPT_START, OPT_UNBLOCK };

static const struct option longopts[] = {
	{ "agent", required_argument, NULL, OPT_AGENT },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "explain", required_argument, NULL, OPT_EXPLAIN },
	{ "start", required_argument, NULL, OPT_START },
	{ "unblock", required_argument, NULL, OPT_UNBLOCK },
	CLI_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

/* Single item: its own exit code.  Several (--all): 0 unless one errored. */
static int
combine(int rc, const struct advance_result *r, int many)
{
	int x = engine_result_exit(r);

	if (many)
		x = r->err.code ? r->err.code : 0;
	if (x >= 64 || rc >= 64)
		return x > rc ? x : rc;
	if (x == EX_NO || rc == EX_NO)
		return EX_NO;
	return x > rc ? x : rc;
}

int
main(int argc, char **argv)
{
	const char *agent = NULL, *start = NULL, *unblock = NULL, *explain = NULL;
	int all = 0, dry = 0, opt, rc = 0, n, i, many;
	struct advance_result r;
	char **wis = NULL;
	struct cli cl;
	cJSON *arr = NULL;

	cli_init(&cl, "orch-advance", USAGE);
	while ((opt = getopt_long(argc, argv, "q", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_AGENT: agent = optarg; break;
		case OPT_ALL: all = 1; break;
		case OPT_DRY_RUN: dry = 1; break;
		case OPT_EXPLAIN: explain = optarg; break;
		case OPT_START: start = optarg; break;
		case OPT_UNBLOCK: unblock = optarg; break;
		default:
			if ((rc = cli_common_opt(&cl, opt, optarg)) != 0)
				return rc == CLI_EXIT_NOW ? 0 : rc;
		}
	}
	argc -= optind;
	argv += optind;
	n = (argc > 0) + all + (start != NULL) + (unblock != NULL) + (explain != NULL);
	if (n != 1) {
		fprintf(stderr, "orch-advance: give exactly one of WI..., --all, --start WI, --unblock WI, --explain WI\n");
		return cli_usage(&cl);
	}
	if (agent && engine_stage_valid(agent)) {
		fprintf(stderr, "orch-advance: --agent takes an agent name (analyst, developer, ...), not a stage\n");
		return EX_USAGE;
	}
	for (i = 0; i < argc; i++)
		if (!wi_valid(argv[i])) {
			fprintf(stderr, "orch-advance: work item '%s' is not of the form ABC-123\n", argv[i]);
			return EX_USAGE;
		}
	if ((start && !wi_valid(start)) || (unblock && !wi_valid(unblock)) || (explain && !wi_valid(explain))) {
		fprintf(stderr, "orch-advance: work item '%s' is not of the form ABC-123\n",
		    start ? start : unblock ? unblock : explain);
		return EX_USAGE;
	}
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	if (explain) {
		struct orch_err e = {0};
		struct buf b;
		buf_init(&b, BUF_MIB);
		rc = engine_explain(cl.ctx, explain, &b, &e) < 0 ? cli_error(&cl, &e) : 0;
		if (rc == 0)
			fputs(buf_str(&b), stdout);
		buf_free(&b);
		return cli_close(&cl, rc);
	}
	if (start || unblock) {
		if (start)
			engine_start(cl.ctx, start, &r);
		else
			engine_unblock(cl.ctx, unblock, &r);
		if (cl.json)
			cli_print_json(cli_advance_json(&r));
		else
			cli_advance_text(&cl, &r);
		return cli_close(&cl, engine_result_exit(&r));
	}
	if (all) {
		struct orch_err e = {0};
		if (task_list(&cl.st, &wis, &e) < 0)
			return cli_close(&cl, cli_error(&cl, &e));
	} else {
		if ((wis = calloc((size_t)argc + 1, sizeof(*wis))) == NULL)
			return cli_close(&cl, EX_SOFTWARE);
		for (i = 0; i < argc; i++)
			wis[i] = strdup(argv[i]);
	}
	many = all || argc > 1;
	if (cl.json && many)
		arr = cJSON_CreateArray();
	rc = 0;
	for (i = 0; wis[i]; i++) {
		engine_advance(cl.ctx, wis[i], agent, dry, &r);
		if (all && r.outcome == OUT_NOOP && !r.err.code)
			continue;	/* done tasks: nothing to say */
		rc = combine(rc, &r, many);
		if (arr)
			cJSON_AddItemToArray(arr, cli_advance_json(&r));
		else if (cl.json)
			cli_print_json(cli_advance_json(&r));
		else
			cli_advance_text(&cl, &r);
	}
	if (arr)
		cli_print_json(arr);
	for (i = 0; wis[i]; i++)
		free(wis[i]);
	free(wis);
	return cli_close(&cl, rc);
}
