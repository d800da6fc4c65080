/*
 * scan: the secret scanner (gitleaks) and the dependency audit (pip-audit,
 * osv-scanner) as orch runs them (SPEC sections 10 and 11; the tools' facts
 * in shared/reference/scanners.md).
 *
 * Secrets (scan_secrets):
 *  1. scan_gitleaks_probe reads the binary's own interface: `gitleaks
 *     --help` lists `git` (8.19+) or only `detect` (up to 8.18, and Debian
 *     13's 8.16, whose `gitleaks version` says "version is set by build
 *     process"); `gitleaks SUB --help` must list every flag orch passes.
 *     The version is shown, and refines only (a readable one below 8 is
 *     refused); an unreadable version is never a failure.  The same probe
 *     is what `orch doctor` reports.  Always --exit-code 2 (leaks) so that 1
 *     means an error, --redact so a secret never reaches disk or memory of
 *     ours in full, a JSON report file parsed by field name.  Its rules and
 *     ignore list are the trusted ones of scancfg.h, never the branch's.
 *  2. The range is verified first (rev-parse --verify of both ends) because
 *     gitleaks 8.27+ exits 0 on a bad revision; a "[git]" line on its stderr
 *     is an error too.  A scan counts only when the exit code is one
 *     gitleaks documents AND its report parsed: anything else is
 *     !ok, which every caller treats as fail-closed: an infrastructure
 *     failure (the gate keeps the item where it is), never a finding.
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

#include "sizes.h"

struct orch_ctx;
struct orch_err;
struct scancfg;

#define SCAN_REPORT_CAP (16 * 1024 * 1024)
/* The manifest the dependency audit reads, at the repository's root (orch-scan --main audits when it
 * changes). */
#define SCAN_DEPS_MANIFEST "requirements.txt"
#define SCAN_STDERR_SNIP 512 /* bytes of a scanner's stderr kept for a run record */

enum sev { SEV_UNKNOWN, SEV_LOW, SEV_MEDIUM, SEV_HIGH, SEV_CRITICAL };

struct secret_finding {
	char rule[64], file[256], commit[ORCH_SHA_BUF], fingerprint[400], masked[80];
	long line;
};

struct secrets_result {
	int ok;          /* the scan counts (documented exit + parsed report) */
	char error[512]; /* why not, when !ok */
	size_t n;
	struct secret_finding *v;
	int commits;   /* commits scanned (gitleaks' own count when it
			* logs one, else the range's); 0 unless ok */
	int exit_code; /* gitleaks' exit as a shell reports it; -1 when it did not run */
	char stderr_tail[SCAN_STDERR_SNIP + 1]; /* the last bytes of its stderr, raw (callers mask) */
};

struct gitleaks_probe {
	int ok;           /* the gate can run it */
	int use_git;      /* `git DIR` (8.19+), else `detect --source DIR` */
	int ignore_flag;  /* --gitleaks-ignore-path is listed (8.18.2+) */
	int major, minor; /* -1 when the version is unreadable */
	char version[64]; /* what `gitleaks version` printed, one line */
	char error[512];  /* why not, when !ok: one line saying what to do */
};

struct dep_finding {
	char package[128], version[64], id[64];
	enum sev sev;
	char fixes[256]; /* fixed versions the advisory names, comma-separated; "" when none */
	/* the osv engine fills the rest (the tools' engines leave them empty) */
	char eco[16];        /* PyPI, npm, Go, crates.io */
	char aliases[160];   /* CVE-/GHSA-/PYSEC- ids, comma-separated */
	char sev_source[48]; /* "CVSS_V4 9.3", "CVSS_V3 9.8", "database_specific", "none" */
	char file[256];      /* the lockfile of the pin, "" unknown */
	int line;            /* its line, 0 unknown */
	int fixable;         /* a fixed version newer than the pin is known */
	int unpinned;  /* not an advisory: a requirement without an exact pin (version holds its specifier) */
	int inherited; /* the base has the same package, version and advisory: never blocks */
};

struct deps_result {
	int audited;  /* a manifest existed and the engine answered */
	int degraded; /* the engine could not answer (or only in part: note says what) */
	char engine[16];
	char note[512]; /* degraded reason, or "no manifest" */
	size_t n;
	struct dep_finding *v;
	int lockfiles, packages; /* osv: lockfiles read, distinct pins queried */
	int requests, cached;    /* osv: HTTP requests sent, records served from the cache */
};

/*
 * Scan the commits of from..to (from NULL: to and its ancestors; with
 * single set, only the commit to) in repo, with the trusted configuration
 * sc (scancfg_prepare): gitleaks runs in sc->dir, git reaches repo through
 * GIT_DIR, so nothing in repo's work tree is read as configuration.
 * Returns 0 (see r->ok), -1 only for an internal failure (*e).
 */
int scan_secrets(struct orch_ctx *c, const char *repo, const char *from, const char *to, int single,
    const struct scancfg *sc, struct secrets_result *r, struct orch_err *e);
int scan_deps(
    struct orch_ctx *c, const char *repo, const char *ref, struct deps_result *r, struct orch_err *e);
/*
 * Probe the gitleaks on PATH (three short runs, each recorded in the tool
 * metrics).  0 usable, -1 not (p->error).  The gate and `orch doctor` both
 * call this, so doctor never says ok while the gate refuses.
 */
int scan_gitleaks_probe(struct orch_ctx *c, struct gitleaks_probe *p);
/* One line for doctor and reports: the version (or "unreadable") and the subcommand. */
void scan_gitleaks_describe(const struct gitleaks_probe *p, char *out, size_t n);
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
