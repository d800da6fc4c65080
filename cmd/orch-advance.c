/* orch-advance: run the current stage's gate of tasks and move them (SPEC 7, 9). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cli.h"
#include "../lib/engine.h"
#include "../lib/task.h"
#include "../lib/wi.h"

#define USAGE "orch-advance [-q] [--agent NAME] [--config FILE] [--dry-run] [--home DIR] [--json] [--wait]\n" \
	"                    WI... | --all | --start WI | --unblock WI"

enum { OPT_AGENT = OPT_CMD_BASE, OPT_ALL, OPT_DRY_RUN, OPT_START, OPT_UNBLOCK };

static const struct option longopts[] = {
	{ "agent", required_argument, NULL, OPT_AGENT },
	{ "all", no_argument, NULL, OPT_ALL },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "start", required_argument, NULL, OPT_START },
	{ "unblock", required_argument, NULL, OPT_UNBLOCK },
	CLI_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

static cJSON *
result_json(const struct advance_result *r)
{
	cJSON *o = cJSON_CreateObject(), *enq, *retry;

	cJSON_AddStringToObject(o, "work_item", r->work_item);
	cJSON_AddStringToObject(o, "stage_before", r->stage_before);
	cJSON_AddStringToObject(o, "stage_after", r->stage_after);
	cJSON_AddStringToObject(o, "outcome", r->err.code ? "error" : engine_outcome_name(r->outcome));
	if (r->gate[0])
		cJSON_AddStringToObject(o, "gate", r->gate);
	else
		cJSON_AddNullToObject(o, "gate");
	cJSON_AddBoolToObject(o, "passed", r->passed);
	cJSON_AddStringToObject(o, "reason", r->err.code ? r->err.msg : r->reason);
	if (r->enq_agent[0]) {
		enq = cJSON_AddObjectToObject(o, "enqueued");
		cJSON_AddStringToObject(enq, "agent", r->enq_agent);
		if (r->job_id)
			cJSON_AddNumberToObject(enq, "job_id", (double)r->job_id);
		else
			cJSON_AddNullToObject(enq, "job_id");
	} else {
		cJSON_AddNullToObject(o, "enqueued");
	}
	retry = cJSON_AddObjectToObject(o, "retry");
	cJSON_AddNumberToObject(retry, "count", r->retry_count);
	cJSON_AddNumberToObject(retry, "max", r->retry_max);
	if (r->dry_run)
		cJSON_AddBoolToObject(o, "dry_run", 1);
	if (r->err.code)
		cJSON_AddNumberToObject(o, "exit_code", r->err.code);
	return o;
}

static void
result_text(struct cli *cl, const struct advance_result *r)
{
	if (r->err.code) {
		fprintf(stderr, "%s: %s\n", cl->prog, r->err.msg);
		return;
	}
	if (cl->quiet)
		return;
	printf("%s: %s -> %s %s%s", r->work_item, r->stage_before, r->stage_after,
	    engine_outcome_name(r->outcome), r->dry_run ? " (dry run)" : "");
	if (r->gate[0] || r->reason[0])
		printf(" (%s%s%s)", r->gate, r->gate[0] ? ": " : "", r->reason);
	if (r->enq_agent[0]) {
		if (r->job_id)
			printf("; enqueued %s job %lld", r->enq_agent, (long long)r->job_id);
		else
			printf("; would enqueue %s", r->enq_agent);
	}
	if (r->outcome == OUT_ROLLED_BACK || r->outcome == OUT_BLOCKED)
		printf("; retry %d/%d", r->retry_count, r->retry_max);
	putchar('\n');
}

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
	const char *agent = NULL, *start = NULL, *unblock = NULL;
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
		case OPT_START: start = optarg; break;
		case OPT_UNBLOCK: unblock = optarg; break;
		default:
			if ((rc = cli_common_opt(&cl, opt, optarg)) != 0)
				return rc == CLI_EXIT_NOW ? 0 : rc;
		}
	}
	argc -= optind;
	argv += optind;
	n = (argc > 0) + all + (start != NULL) + (unblock != NULL);
	if (n != 1) {
		fprintf(stderr, "orch-advance: give exactly one of WI..., --all, --start WI, --unblock WI\n");
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
	if ((start && !wi_valid(start)) || (unblock && !wi_valid(unblock))) {
		fprintf(stderr, "orch-advance: work item '%s' is not of the form ABC-123\n", start ? start : unblock);
		return EX_USAGE;
	}
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	struct orch_ctx ctx = { .cfg = &cl.cfg, .st = &cl.st };
	if (start || unblock) {
		if (start)
			engine_start(&ctx, start, &r);
		else
			engine_unblock(&ctx, unblock, &r);
		if (cl.json)
			cli_print_json(result_json(&r));
		else
			result_text(&cl, &r);
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
		engine_advance(&ctx, wis[i], agent, dry, &r);
		if (all && r.outcome == OUT_NOOP && !r.err.code)
			continue;	/* done tasks: nothing to say */
		rc = combine(rc, &r, many);
		if (arr)
			cJSON_AddItemToArray(arr, result_json(&r));
		else if (cl.json)
			cli_print_json(result_json(&r));
		else
			result_text(&cl, &r);
	}
	if (arr)
		cli_print_json(arr);
	for (i = 0; wis[i]; i++)
		free(wis[i]);
	free(wis);
	return cli_close(&cl, rc);
}
