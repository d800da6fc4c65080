/*
 * cli_view: the read-only views commands print, part of the cli layer:
 * orch-status's text, orch-work's JSON record of a job, orch-advance
 * --explain and orch brief.  They change nothing.  Titles, comments and
 * event details reach the terminal through cli_put_text (control
 * characters escaped) and JSON through cli_json_str (valid UTF-8).
 */
#ifndef ORCH_CLI_VIEW_H
#define ORCH_CLI_VIEW_H

struct cli;
struct work_result;

/* orch-status's text view of status_collect's cJSON. */
void cli_status_text(const void *root);
/* orch-work --json's record of one job (a cJSON *). */
void *cli_work_json(const struct work_result *r);
/* orch-brief WI [--stage S]: the brief an agent of that stage receives (lib/brief.h); the exit code. */
int cli_brief(struct cli *cl, const char *wi, const char *stage);
/* orch-advance --explain WI: what the current stage's gate reads; the exit code. */
int cli_explain(struct cli *cl, const char *wi);

#endif
