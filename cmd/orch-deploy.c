/* orch-deploy: due deploy work — Confirm Deploy, finalizing, the post-deploy watch (SPEC 12). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../lib/cli.h"
#include "../lib/deploy.h"
#include "../lib/revert.h"
#include "../lib/util.h"
#include "../lib/wi.h"

#define USAGE \
	"orch-deploy [-q] [--config FILE] [--home DIR] [--json] [--wait]\n" \
	"            [--accept WI | --confirm WI | --finalize | --monitor | --retry WI | --revert WI]"

enum { OPT_ACCEPT = OPT_CMD_BASE, OPT_CONFIRM, OPT_FINALIZE, OPT_MONITOR, OPT_RETRY, OPT_REVERT };

static const struct option longopts[] = {
	{ "accept", required_argument, NULL, OPT_ACCEPT },
	{ "confirm", required_argument, NULL, OPT_CONFIRM },
	{ "finalize", no_argument, NULL, OPT_FINALIZE },
	{ "monitor", no_argument, NULL, OPT_MONITOR },
	{ "retry", required_argument, NULL, OPT_RETRY },
	{ "revert", required_argument, NULL, OPT_REVERT },
	{ NULL, 0, NULL, 0 },
};

struct out {
	struct cli *cl;
	cJSON *arr;
	int rc;
};

static void
report(void *ctx, const struct advance_result *r)
{
	struct out *o = ctx;

	if (r->err.code && r->err.code > o->rc)
		o->rc = r->err.code;
	if (o->arr)
		cJSON_AddItemToArray(o->arr, cli_advance_json(r));
	else
		cli_advance_text(o->cl, r);
}

/* orch-deploy --run-hook DIR CWD TIMEOUT_S -- ARGV...: the detached hook's wrapper (internal). */
static int
run_hook(int argc, char **argv)
{
	long long tmo;

	if (argc < 7 || strcmp(argv[5], "--") != 0 || num_parse(argv[4], 1, 86400 * 7, &tmo) < 0) {
		fprintf(stderr,
		    "orch-deploy: --run-hook DIR CWD TIMEOUT_S -- ARGV... is internal to orch-deploy "
		    "--confirm\n");
		return EX_USAGE;
	}
	return deploy_hook_wrapper(argv[2], argv[3], (int)tmo, (const char *const *)argv + 6);
}

/* One item's verb (--accept, --confirm, --retry, --revert): its result, and a plain no (exit 1) when refused.
 */
static void
one_item(struct out *o, struct orch_ctx *ctx, const char *wi,
    int (*verb)(struct orch_ctx *, const char *, struct advance_result *))
{
	struct advance_result r;

	verb(ctx, wi, &r);
	report(o, &r);
	if (!r.err.code && r.refused)
		o->rc = EX_NO; /* not at the stage the verb acts on: a plain no (SPEC section 9) */
}

int
main(int argc, char **argv)
{
	const char *confirm = NULL, *accept = NULL, *retry = NULL, *revert = NULL, *wi;
	int opt, rc, finalize = 0, monitor = 0;
	struct orch_err e = { 0 };
	struct out o = { 0 };
	struct cli cl;

	if (argc > 1 && strcmp(argv[1], "--run-hook") == 0)
		return run_hook(argc, argv);
	cli_init(&cl, "orch-deploy", USAGE);
	while ((opt = cli_getopt(&cl, argc, argv, longopts)) > 0) {
		switch (opt) {
		case OPT_ACCEPT: accept = cl.optarg; break;
		case OPT_CONFIRM: confirm = cl.optarg; break;
		case OPT_RETRY: retry = cl.optarg; break;
		case OPT_REVERT: revert = cl.optarg; break;
		case OPT_FINALIZE: finalize = 1; break;
		case OPT_MONITOR: monitor = 1; break;
		}
	}
	if (opt < 0)
		return cl.exit;
	if (cli_operands(&cl, "orch-deploy", 0, 0, NULL))
		return EX_USAGE;
	if ((confirm != NULL) + (accept != NULL) + (retry != NULL) + (revert != NULL) + finalize + monitor >
	    1)
		return cli_usage_error(&cl,
		    "give at most one of --accept WI, --confirm WI, --finalize, --monitor, "
		    "--retry WI, --revert WI");
	wi = confirm ? confirm : accept ? accept : retry ? retry : revert;
	if (wi && !wi_valid(wi))
		return cli_usage_error(&cl, "work item '%s' is not " WI_FORM, wi);
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	o.cl = &cl;
	o.arr = cl.json ? cJSON_CreateArray() : NULL;
	if (wi) {
		one_item(&o, cl.ctx, wi,
		    confirm      ? deploy_confirm
			: accept ? deploy_accept
			: retry  ? deploy_retry
				 : deploy_revert);
	} else {
		if (!monitor && deploy_finalize(cl.ctx, report, &o, &e) < 0)
			o.rc = cli_error(&cl, &e);
		err_clear(&e);
		if (!finalize && deploy_monitor(cl.ctx, report, &o, &e) < 0)
			o.rc = cli_error(&cl, &e);
	}
	if (o.arr)
		cli_print_json(o.arr);
	return cli_close(&cl, o.rc);
}
