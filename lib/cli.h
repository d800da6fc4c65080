/*
 * cli: the shared set-up and tear-down of every orch command, so that each
 * command file only parses its own options, calls lib, and maps the result to an
 * exit code (SPEC section 9).
 *
 * Calling sequence:
 *   cli_init(&cl, "orch-advance");
 *   getopt_long loop: unknown-to-the-command options go to cli_common_opt()
 *   rc = cli_open(&cl);            home, config, lock, store
 *   if (rc == CLI_SKIPPED) return 0;   (lock held: one line printed)
 *   if (rc) return rc;              (message printed, exit class)
 *   ... work ...
 *   return cli_close(&cl, exit_code);  notifications, the run record
 *                                      $ORCH_HOME/runs/command-<prog>.json
 *                                      (a file: a quiet tick writes no
 *                                      row), stdout flushed and checked
 *
 * Messages go to stderr as "<prog>: <message>".
 */
#ifndef ORCH_CLI_H
#define ORCH_CLI_H

#include <getopt.h>
#include <stdint.h>

#include "config.h"
#include "ctx.h"
#include "err.h"
#include "store.h"

#define ORCH_VERSION "0.1.0"

enum {
	OPT_CONFIG = 0x100, OPT_HOME, OPT_JSON, OPT_WAIT, OPT_HELP, OPT_VERSION,
	OPT_CMD_BASE = 0x200,	/* command-specific long options start here */
};

#define CLI_COMMON_LONGOPTS \
	{ "config", required_argument, NULL, OPT_CONFIG }, \
	{ "help", no_argument, NULL, OPT_HELP }, \
	{ "home", required_argument, NULL, OPT_HOME }, \
	{ "json", no_argument, NULL, OPT_JSON }, \
	{ "quiet", no_argument, NULL, 'q' }, \
	{ "version", no_argument, NULL, OPT_VERSION }, \
	{ "wait", no_argument, NULL, OPT_WAIT }

enum { CLI_SKIPPED = -2, CLI_EXIT_NOW = -3 };

struct cli {
	const char *prog;
	const char *usage;	/* synopsis, same as the man page */
	const char *config_file, *home_opt;
	int json, quiet, wait;
	struct config cfg;
	struct store st;
	struct orch_ctx ctxv, *ctx;	/* ctx: config + store + shared HTTP client, after cli_open */
	const char *lock_name;	/* default prog; orch-work locks per slot */
	int cfg_loaded, store_open, lock_fd;
	int64_t t0;
};

void cli_init(struct cli *cl, const char *prog, const char *usage);
/* Handle a common option; returns 0 handled, CLI_EXIT_NOW (help/version printed, exit 0), or EX_USAGE. */
int cli_common_opt(struct cli *cl, int opt, const char *arg);
int cli_usage(struct cli *cl);		/* prints usage, returns EX_USAGE */
int cli_open(struct cli *cl);
int cli_open_nolock(struct cli *cl);	/* config only, no lock, no store */
int cli_error(struct cli *cl, const struct orch_err *e);	/* prints, returns e->code */
int cli_close(struct cli *cl, int rc);
/* Print a cJSON value as one line on stdout and free it. */
void cli_print_json(void *json);

struct advance_result;
/* An engine result as the SPEC's JSON object (a cJSON *), or as one text line. */
void *cli_advance_json(const struct advance_result *r);
void cli_advance_text(struct cli *cl, const struct advance_result *r);
/*
 * One result of a command that acts on many items: added to arr (a cJSON
 * array, with field = label) under --json, else printed as "[label] line".
 */
void cli_report_tagged(struct cli *cl, void *arr, const char *field, const char *label,
    const struct advance_result *r);

#endif
