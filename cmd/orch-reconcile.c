/* orch-reconcile: repair drift from what is observed now, reap dead jobs and leases (SPEC 13). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../lib/cleanup.h"
#include "../lib/cli.h"
#include "../lib/reconcile.h"

#define USAGE "orch-reconcile [-q] [--config FILE] [--home DIR] [--json] [--wait]"

struct out {
	struct cli *cl;
	cJSON *arr;
};

static void
report(void *ctx, const char *what, const struct advance_result *r)
{
	struct out *o = ctx;

	cli_report_tagged(o->cl, o->arr, "by", what, r);
}

/* Every host: its caches of items cleaned on another host (a shared store; nothing on SQLite). */
static void
host_caches(struct cli *cl)
{
	struct cleanup_stats cs;

	cleanup_host_caches(cl->ctx, &cs);
	if (cs.removed && !cl->quiet && !cl->json)
		printf("orch-reconcile: removed %d workspace cache(s) of items cleaned on another host\n",
		    cs.removed);
	if (cs.failed)
		fprintf(stderr,
		    "orch-reconcile: %d workspace cache(s) of cleaned items could not be removed on this "
		    "host "
		    "(last: %s); the next run tries again, or remove them by hand\n",
		    cs.failed, cs.why);
}

int
main(int argc, char **argv)
{
	struct reconcile_stats rs;
	struct orch_err e = { 0 };
	struct out o = { 0 };
	struct cli cl;
	int opt, rc;

	cli_init(&cl, "orch-reconcile", USAGE);
	cl.cluster_singleton = 1; /* one reconciler for every host of a shared store */
	cl.host_part = host_caches;
	while ((opt = cli_getopt(&cl, argc, argv, NULL)) > 0)
		;
	if (opt < 0)
		return cl.exit;
	if (cli_operands(&cl, "orch-reconcile", 0, 0, NULL))
		return EX_USAGE;
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	o.cl = &cl;
	o.arr = cl.json ? cJSON_CreateArray() : NULL;
	reconcile_run(cl.ctx, report, &o, &rs, &e);
	if (o.arr) {
		cJSON *top = cJSON_CreateObject();
		cJSON_AddItemToObject(top, "applied", o.arr);
		cJSON_AddNumberToObject(top, "advanced", rs.advanced);
		cJSON_AddNumberToObject(top, "replayed", rs.replayed);
		cJSON_AddNumberToObject(top, "unblocked", rs.unblocked);
		cJSON_AddNumberToObject(top, "skipped_terminal", rs.skipped_terminal);
		cJSON_AddNumberToObject(top, "deduped", rs.deduped);
		cJSON_AddNumberToObject(top, "reaped", rs.reaped);
		cJSON_AddNumberToObject(top, "leases_released", rs.leases_released);
		cli_print_json(top);
	}
	return cli_close(&cl, rs.worst);
}
