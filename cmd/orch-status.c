/* orch-status: tasks, jobs, command runs, tool metrics, recent events (SPEC 9). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "../lib/cli.h"
#include "../lib/cli_view.h"
#include "../lib/status.h"

#define USAGE "orch-status [-q] [--config FILE] [--home DIR] [--html FILE] [--json] [--wait]"

enum { OPT_HTML = OPT_CMD_BASE };

static const struct option longopts[] = {
	{ "html", required_argument, NULL, OPT_HTML },
	{ NULL, 0, NULL, 0 },
};

int
main(int argc, char **argv)
{
	struct orch_err e = { 0 };
	const char *html = NULL;
	struct cli cl;
	cJSON *root;
	int opt, rc;

	cli_init(&cl, "orch-status", USAGE);
	while ((opt = cli_getopt(&cl, argc, argv, longopts)) == OPT_HTML)
		html = cl.optarg;
	if (opt < 0)
		return cl.exit;
	if (cli_operands(&cl, "orch-status", 0, 0, NULL))
		return EX_USAGE;
	if (html && cl.json)
		return cli_usage_error(&cl, "give --html FILE or --json, not both");
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	if ((root = status_collect(&cl.cfg, &cl.st, &e)) == NULL)
		return cli_close(&cl, cli_error(&cl, &e));
	if (html) {
		rc = status_html(root, html, 60, &e) < 0 ? cli_error(&cl, &e) : 0;
		cJSON_Delete(root);
		return cli_close(&cl, rc);
	}
	if (cl.json) {
		cli_print_json(root);
	} else {
		if (!cl.quiet)
			cli_status_text(root);
		cJSON_Delete(root);
	}
	return cli_close(&cl, 0);
}
