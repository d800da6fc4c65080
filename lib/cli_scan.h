/*
 * cli_scan: orch-scan's bodies, part of the cli layer: they print (stdout
 * for results, stderr for errors, the way cli.c does) and return exit
 * codes.  File names, rules and reasons reach the terminal through
 * cli_put_text (control characters escaped), JSON through cli_json_str.
 */
#ifndef ORCH_CLI_SCAN_H
#define ORCH_CLI_SCAN_H

struct cli;

/* orch-scan WI: run the security gate; 0 PASS, EX_NO FAIL, EX_WAITING HOLD (scanner configuration changed).
 */
int cli_scan_item(struct cli *cl, const char *wi);
/* orch-scan --approve-config WI: record a person's approval of the branch head's scanner configuration. */
int cli_scan_approve(struct cli *cl, const char *wi);
/* orch-scan --main: each project (or only one); 0, EX_NO on findings (or partial with strict), else the
 * worst error. */
int cli_scan_main(struct cli *cl, const char *only, int strict);
/* orch-scan --resolve FP / --resolve-all --project KEY: 0, 66 nothing open matched, or an error's code. */
int cli_scan_resolve(struct cli *cl, const char *fingerprint, const char *project, const char *reason);

#endif
