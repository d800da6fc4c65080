/* orch-scan: the security gate for one work item, or the incremental scan of main (SPEC 10, 11). */
#include <stdio.h>
#include <string.h>

#include "../lib/cli.h"
#include "../lib/cli_scan.h"
#include "../lib/wi.h"

#define USAGE \
	"orch-scan [-q] [--config FILE] [--home DIR] [--json] [--wait] WI\n" \
	"       orch-scan [-q] [--config FILE] [--home DIR] [--json] [--wait] --approve-config WI\n" \
	"       orch-scan [-q] [--config FILE] [--home DIR] [--json] [--strict] [--wait] --main [--project " \
	"KEY]\n" \
	"       orch-scan [-q] [--config FILE] [--home DIR] [--json] [--wait] --resolve FINGERPRINT " \
	"--reason TEXT\n" \
	"       orch-scan [-q] [--config FILE] [--home DIR] [--json] [--wait] --resolve-all --project KEY " \
	"--reason TEXT"

enum {
	OPT_MAIN = OPT_CMD_BASE,
	OPT_PROJECT,
	OPT_STRICT,
	OPT_APPROVE,
	OPT_REASON,
	OPT_RESOLVE,
	OPT_RESOLVE_ALL
};

static const struct option longopts[] = {
	{ "approve-config", no_argument, NULL, OPT_APPROVE },
	{ "main", no_argument, NULL, OPT_MAIN },
	{ "project", required_argument, NULL, OPT_PROJECT },
	{ "reason", required_argument, NULL, OPT_REASON },
	{ "resolve", required_argument, NULL, OPT_RESOLVE },
	{ "resolve-all", no_argument, NULL, OPT_RESOLVE_ALL },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ NULL, 0, NULL, 0 },
};

/* --resolve FINGERPRINT | --resolve-all --project KEY, with --reason TEXT. */
static int
resolve(struct cli *cl, const char *fp, int all, const char *only, const char *reason)
{
	int rc;

	if (cli_operands(cl, "orch-scan --resolve", 0, 0, NULL))
		return EX_USAGE;
	if ((fp != NULL) == all)
		return cli_usage_error(cl, "give one of --resolve FINGERPRINT, --resolve-all --project KEY");
	if (all != (only != NULL) || (fp && only))
		return cli_usage_error(
		    cl, "--resolve-all needs --project KEY; --resolve takes a fingerprint alone");
	if (reason == NULL || reason[0] == '\0')
		return cli_usage_error(
		    cl, "--reason TEXT is required: say how the secret was handled (rotated when)");
	if (only && !wi_project_key_valid(only))
		return cli_usage_error(cl, "project key '%s' is not valid: " WI_KEY_RULE, only);
	if ((rc = cli_open(cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	return cli_close(cl, cli_scan_resolve(cl, fp, only, reason));
}

int
main(int argc, char **argv)
{
	const char *only = NULL, *fp = NULL, *reason = NULL;
	int opt, rc, mainscan = 0, strict = 0, approve = 0, all = 0;
	struct cli cl;

	cli_init(&cl, "orch-scan", USAGE);
	while ((opt = cli_getopt(&cl, argc, argv, longopts)) > 0) {
		switch (opt) {
		case OPT_APPROVE: approve = 1; break;
		case OPT_MAIN: mainscan = 1; break;
		case OPT_PROJECT: only = cl.optarg; break;
		case OPT_STRICT: strict = 1; break;
		case OPT_REASON: reason = cl.optarg; break;
		case OPT_RESOLVE: fp = cl.optarg; break;
		case OPT_RESOLVE_ALL: all = 1; break;
		}
	}
	if (opt < 0)
		return cl.exit;
	if (fp || all || reason) {
		if (mainscan || strict || approve)
			return cli_usage_error(&cl,
			    "--resolve and --resolve-all do not go with --main, --strict or "
			    "--approve-config");
		return resolve(&cl, fp, all, only, reason);
	}
	if (mainscan ? cli_operands(&cl, "orch-scan --main", 0, 0, NULL)
		     : cli_operands(&cl, "orch-scan", 1, 1, "one WI"))
		return EX_USAGE;
	if (!mainscan && (only || strict))
		return cli_usage_error(&cl, "--project and --strict go with --main");
	if (mainscan && approve)
		return cli_usage_error(&cl, "--approve-config takes one WI, not --main");
	if (!mainscan && !wi_valid(cl.args[0]))
		return cli_usage_error(&cl, "work item '%s' is not " WI_FORM, cl.args[0]);
	if (only && !wi_project_key_valid(only))
		return cli_usage_error(&cl, "project key '%s' is not valid: " WI_KEY_RULE, only);
	cl.cluster_singleton = mainscan; /* the scan of main: once for every host of a shared store */
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	if (only && config_project(&cl.cfg, only) == NULL) {
		fprintf(stderr, "orch-scan: project '%s' is not configured\n", only);
		return cli_close(&cl, EX_NOINPUT);
	}
	rc = mainscan ? cli_scan_main(&cl, only, strict)
	    : approve ? cli_scan_approve(&cl, cl.args[0])
		      : cli_scan_item(&cl, cl.args[0]);
	return cli_close(&cl, rc);
}
