/* orch-issue: tracker operations for operators; the local tracker's whole interface (SPEC 9). */
#include "../lib/cli.h"
#include "../lib/cli_issue.h"

#define USAGE \
	"orch-issue [-q] [--config FILE] [--home DIR] [--json] [--wait] COMMAND ...\n" \
	"  create --project KEY --title TEXT [--state NAME] [--description TEXT | --description-file " \
	"FILE]\n" \
	"  list [--project KEY] [--state NAME]\n" \
	"  show WI\n" \
	"  set WI STATE_NAME\n" \
	"  edit WI --description TEXT | --description-file FILE\n" \
	"  comment WI TEXT\n" \
	"  states [--project KEY]"

enum { OPT_PROJECT = OPT_CMD_BASE, OPT_STATE, OPT_TITLE, OPT_DESC, OPT_DESC_FILE };

static const struct option longopts[] = {
	{ "description", required_argument, NULL, OPT_DESC },
	{ "description-file", required_argument, NULL, OPT_DESC_FILE },
	{ "project", required_argument, NULL, OPT_PROJECT },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "title", required_argument, NULL, OPT_TITLE },
	{ NULL, 0, NULL, 0 },
};

int
main(int argc, char **argv)
{
	struct cli_issue_args a = { 0 };
	struct cli cl;
	int opt;

	cli_init(&cl, "orch-issue", USAGE);
	while ((opt = cli_getopt(&cl, argc, argv, longopts)) > 0) {
		switch (opt) {
		case OPT_PROJECT: a.project = cl.optarg; break;
		case OPT_STATE: a.state = cl.optarg; break;
		case OPT_TITLE: a.title = cl.optarg; break;
		case OPT_DESC: a.description = cl.optarg; break;
		case OPT_DESC_FILE: a.description_file = cl.optarg; break;
		}
	}
	if (opt < 0)
		return cl.exit;
	return cli_issue_run(&cl, &a);
}
