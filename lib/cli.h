/*
 * cli: the shared set-up and tear-down of every orch command, so that each
 * command file only parses its own options, calls lib, and maps the result to an
 * exit code (SPEC section 9).
 *
 * Calling sequence:
 *   cli_init(&cl, "orch-advance", USAGE);
 *   while ((opt = cli_getopt(&cl, argc, argv, longopts)) > 0)
 *           switch (opt) { the command's own options, argument in cl.optarg }
 *   if (opt < 0) return cl.exit;     (--help, --version, or a usage error printed)
 *   operands: cl.args[0 .. cl.nargs)
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
	OPT_CONFIG = 0x100,
	OPT_HOME,
	OPT_JSON,
	OPT_WAIT,
	OPT_HELP,
	OPT_VERSION,
	OPT_CMD_BASE = 0x200, /* command-specific long options start here */
};

enum { CLI_SKIPPED = -2 };

/* The common options plus at most this many of a command's own. */
#define CLI_MAX_OPTS 24

struct cli {
	const char *prog;
	const char *usage; /* synopsis, same as the man page */
	const char *config_file, *home_opt;
	int json, quiet, wait;
	int config_unsafe_ok; /* orch doctor: load a badly owned/writable config to report it */
	struct config cfg;
	struct store st;
	struct orch_ctx ctxv, *ctx;        /* ctx: config + store + shared HTTP client, after cli_open */
	const char *lock_name;             /* default prog; orch-work locks per slot */
	int cluster_singleton;             /* once in the cluster, not once per host (store_lock_try) */
	void (*host_part)(struct cli *cl); /* a singleton's part on every host: before the cluster lock */
	int cfg_loaded, store_open, lock_fd;
	int64_t t0;
	/* cli_getopt's state and results */
	struct option lopts[CLI_MAX_OPTS + 8];
	unsigned char given[CLI_MAX_OPTS + 8]; /* per lopts entry: seen once already */
	int nlopts, nargs, exit;
	char **args;        /* the operands, in order, with options removed */
	const char *optarg; /* the argument of the option cli_getopt returned */
};

void cli_init(struct cli *cl, const char *prog, const char *usage);
/*
 * GNU option order for every command: options (the command's own in opts,
 * NULL-terminated, plus the common --config --help --home --json -q --wait
 * --version) anywhere among the operands, `--` ends options.  Returns a
 * command option's val (argument in cl->optarg); 0 when parsing is done
 * (operands in cl->args, cl->nargs); -1 when the command must stop with
 * cl->exit (0 after --help/--version; EX_USAGE after a usage error, which
 * names the offending option: "unknown option --jsn").  An option that takes
 * a value takes one: given twice, or with an empty value, it is a usage
 * error (last-wins would drop the first silently).
 */
int cli_getopt(struct cli *cl, int argc, char **argv, const struct option *opts);
/* Print "<prog>: <message>" and the usage to stderr; returns EX_USAGE. */
int cli_usage_error(struct cli *cl, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/*
 * Check the operand count: what names them ("WI", "one WI", "WI..."), e.g.
 * "orch-scan takes one WI, got 2"; EX_USAGE after printing, else 0.
 */
int cli_operands(struct cli *cl, const char *verb, int min, int max, const char *what);
int cli_usage(struct cli *cl); /* prints usage, returns EX_USAGE */
int cli_open(struct cli *cl);
int cli_open_nolock(struct cli *cl);                     /* config only, no lock, no store */
int cli_error(struct cli *cl, const struct orch_err *e); /* prints, returns e->code */
int cli_close(struct cli *cl, int rc);
/* Print a cJSON value as one line on stdout and free it; always valid UTF-8 (bad bytes become U+FFFD). */
void cli_print_json(void *json);
/* Add a string to a cJSON object as valid UTF-8 (ill-formed bytes become U+FFFD). */
void cli_json_str(void *obj, const char *key, const char *val);
/* Print text for a terminal: control characters escaped (str_escape_ctl). */
void cli_put_text(const char *text);

struct advance_result;
/* An engine result as the SPEC's JSON object (a cJSON *), or as one text line. */
void *cli_advance_json(const struct advance_result *r);
void cli_advance_text(struct cli *cl, const struct advance_result *r);
/*
 * One result of a command that acts on many items: added to arr (a cJSON
 * array, with field = label) under --json, else printed as "[label] line".
 */
void cli_report_tagged(
    struct cli *cl, void *arr, const char *field, const char *label, const struct advance_result *r);

#endif
