/*
 * cli_cmd: the bodies of commands that would not fit a short command file: the
 * security gate and the scan of main as orch-scan prints them, orch-status's
 * text view, orch-work's JSON record, and orch-issue's subcommands.  Part of
 * the cli layer: these print (stdout for results, stderr for errors, the
 * way cli.c does) and return exit codes.  Titles, comments and event details
 * reach the terminal through cli_put_text (control characters escaped) and
 * JSON through cli_json_str (valid UTF-8).
 */
#ifndef ORCH_CLI_CMD_H
#define ORCH_CLI_CMD_H

struct cli;
struct work_result;

/* orch-scan WI: run the security gate; 0 PASS, EX_NO FAIL, EX_WAITING HOLD (scanner configuration changed).
 */
int cli_scan_item(struct cli *cl, const char *wi);
/* orch-scan --approve-config WI: record a person's approval of the branch head's scanner configuration. */
int cli_scan_approve(struct cli *cl, const char *wi);
/* orch-scan --main: each project (or only one); 0, EX_NO on findings (or partial with strict), else the worst
 * error. */
int cli_scan_main(struct cli *cl, const char *only, int strict);
/* orch-scan --resolve FP / --resolve-all --project KEY: 0, 66 nothing open matched, or an error's code. */
int cli_scan_resolve(struct cli *cl, const char *fingerprint, const char *project, const char *reason);
/* orch-status's text view of status_collect's cJSON. */
void cli_status_text(const void *root);
/* orch-work --json's record of one job (a cJSON *). */
void *cli_work_json(const struct work_result *r);

/* orch-issue's subcommand options, filled by cmd/orch-issue.c. */
struct cli_issue_args {
	const char *project, *state, *title;
	const char *description, *description_file; /* create, edit: at most one of them */
};
/* orch-issue VERB ...: operands in cl->args (the verb first); the exit code. */
int cli_issue_run(struct cli *cl, const struct cli_issue_args *a);

/* orch-brief WI [--stage S]: the brief an agent of that stage receives (lib/brief.h); the exit code. */
int cli_brief(struct cli *cl, const char *wi, const char *stage);

/* orch-advance --explain WI: what the current stage's gate reads; the exit code. */
int cli_explain(struct cli *cl, const char *wi);

#endif
