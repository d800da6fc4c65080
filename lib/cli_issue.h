/*
 * cli_issue: orch-issue's subcommands, the local tracker's whole interface
 * and tracker operations for operators on either backend.  Part of the cli
 * layer: it prints and returns exit codes; titles and comments reach the
 * terminal through cli_put_text and JSON through cli_json_str.
 */
#ifndef ORCH_CLI_ISSUE_H
#define ORCH_CLI_ISSUE_H

struct cli;

/* orch-issue's subcommand options, filled by cmd/orch-issue.c. */
struct cli_issue_args {
	const char *project, *state, *title;
	const char *description, *description_file; /* create, edit: at most one of them */
};
/* orch-issue VERB ...: operands in cl->args (the verb first); the exit code. */
int cli_issue_run(struct cli *cl, const struct cli_issue_args *a);

#endif
