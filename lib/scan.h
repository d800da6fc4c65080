/*
 * scan: the secret scanner (gitleaks) and the dependency audit (pip-audit,
 * osv-scanner) as orch runs them (SPEC sections 10 and 11; the tools' facts
 * in shared/reference/scanners.md).
 *
 * Secrets (scan_secrets):
 *  1. `gitleaks version` picks the subcommand: `detect --source DIR` up to
 *     8.18, `git DIR` from 8.19.  Always --exit-code 2 (leaks) so that 1
 *     means an error, --redact so a secret never reaches disk or memory of
 *     ours in full, a JSON report file parsed by field name.
 *  2. The range is verified first (rev-parse --verify of both ends) because
 *     gitleaks 8.27+ exits 0 on a bad revision; a "[git]" line on its stderr
 *     is an error too.  A scan counts only when the exit code is one
 *     gitleaks documents AND its report parsed: anything else is
 *     SCAN_ERROR, which every caller treats as fail-closed.
 *  3. A finding is kept as rule, file, line, commit and fingerprint; the
 *     secret itself is shown only masked.
 * Dependencies (scan_deps): the manifest is requirements.txt as committed
 * at the ref; pip-audit findings have no severity (UNKNOWN); osv-scanner's
 * come from max_severity (CVSS) or database_specific.severity.  A missing
 * tool, an unreachable feed or unparseable output is "degraded".
 */
#ifndef ORCH_SCAN_H
#define ORCH_SCAN_H

#include <stddef.h>

struct orch_ctx;
struct orch_err;

#define SCAN_REPORT_CAP (16 * 1024 * 1024)

enum sev { SEV_UNKNOWN, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };

struct secret_finding {
	char rule[64], file[256], commit[41], fingerprint[400], masked[80];
	long line;
};

struct secrets_result {
	int ok;			/* the scan counts (documented exit + parsed report) */
	char error[512];	/* why not, when !ok */
	size_t n;
	struct secret_finding *v;
	int commits;		/* commits in the range */
};

struct dep_finding {
	char package[128], version[64], id[64];
	enum sev sev;
	char fixes[256];	/* fixed versions the advisory names, comma-separated; "" when none */
};

struct deps_result {
	int audited;		/* a manifest existed and the engine answered */
	int degraded;		/* the engine could not answer */
	char engine[16];
	char note[512];		/* degraded reason, or "no manifest" */
	size_t n;
	struct dep_finding *v;
};

/*
 * Scan the commits of from..to (from NULL: to and its ancestors; with
 * single set, only the commit to) in repo.  Returns 0 (see r->ok), -1 only
 * for an internal failure (*e).
 */
int scan_secrets(struct orch_ctx *c, const char *repo, const char *from, const char *to, int single,
    struct secrets_result *r, struct orch_err *e);
int scan_deps(struct orch_ctx *c, const char *repo, const char *ref, struct deps_result *r, struct orch_err *e);
void secrets_result_free(struct secrets_result *r);
void deps_result_free(struct deps_result *r);
const char *sev_name(enum sev s);
/* "HIGH" -> SEV_HIGH; -1 when not a level. */
int sev_parse(const char *s);
/*
 * The report parsers alone (tests/fuzz): 0 with the findings appended to r,
 * or -1 (gitleaks: with r->error, r->v freed) when the text is not a report.
 * pip-audit and osv-scanner texts are NUL-terminated.
 */
int scan_parse_gitleaks(const char *text, size_t len, struct secrets_result *r);
int scan_parse_pip_audit(const char *text, struct deps_result *r);
int scan_parse_osv(const char *text, struct deps_result *r);

#endif
