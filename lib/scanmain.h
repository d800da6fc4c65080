/*
 * scanmain: continuous scanning of a project's main branch (SPEC section
 * 11, orch-scan --main).
 *
 * One run of one project, in named steps (scanmain.c):
 *   fetch      fetch the remote main (scan_fetch_retries attempts), resolve
 *              the head
 *   anchor     no anchor row -> bootstrap: record the head, scan nothing; a
 *              damaged row (not a 40-hex commit id) -> the same, with an
 *              alert; anchor == head -> no_change
 *   history    anchor not an ancestor -> the rewrite policy: reset_warn
 *              (re-anchor at the head, alert), since_date (scan the commits
 *              since the old anchor's date), strict_fail (keep the anchor,
 *              fail)
 *   chunks     scan anchor..head in chunks: N <= scan_single_max one range;
 *              N <= scan_chunked_max ranges of scan_chunk_size; more, one
 *              commit at a time; a root commit alone.  A chunk counts only
 *              when gitleaks exited with a documented code and its report
 *              parsed; at the first chunk that does not, the scan stops with
 *              the anchor at the end of the last scanned chunk (partial) or
 *              where it was (failed).  Each finding is alerted once (keyed
 *              by its fingerprint).
 *   deps       when the dependency manifest (SCAN_DEPS_MANIFEST) at the
 *              head differs from the one last audited, the security gate's
 *              dependency audit (scan_deps) runs on the head; findings at or
 *              above security_dep_block_severity alert; a degraded audit
 *              alerts and is retried on the next run
 *   review     the project's main_review command, when set, reviews the
 *              commits the chunks just scanned and writes a JSON report
 *              [{"severity","title","file","line"}]; parsed fail-closed,
 *              findings at or above main_review_block_severity alert
 *   finish     the state row (scan_state: last run, last success, the last
 *              failure with its phase, reason and chunk), the run record
 *              $ORCH_HOME/runs/scan-<run_id>-<project>.json (not for a quiet
 *              no_change run), one line in $ORCH_HOME/logs/scan.log
 */
#ifndef ORCH_SCANMAIN_H
#define ORCH_SCANMAIN_H

#include <stddef.h>
#include <stdint.h>

#include "sizes.h"

struct orch_ctx;
struct orch_err;

#define SCAN_RUN_ID_LEN 23 /* YYYYMMDDTHHMMSSZ-<6 hex> */

struct scan_main_result {
	char project[17];
	char run_id[SCAN_RUN_ID_LEN + 1];
	char status[16];   /* bootstrap no_change ok partial failed rewrite_reset */
	char strategy[16]; /* none single chunked per_commit */
	int commits, chunks, chunks_ok, findings, findings_new, fetch_attempts;
	char anchor_before[ORCH_SHA_BUF], anchor_after[ORCH_SHA_BUF], head[ORCH_SHA_BUF];
	char note[512];
	char record[ORCH_PATH_MAX_3]; /* the run record's path, "" when none was written */
	char started[32], finished[32];
	/* the run's first failure; phase "" when none (fetch head history chunk deps review store) */
	char fail_phase[16], fail_reason[512];
	int fail_chunk;    /* 1-based index of the failed chunk, 0 when not a chunk */
	char deps[16];     /* unchanged audited degraded removed */
	int deps_blocking; /* audit findings at or above security_dep_block_severity */
	char review[16];   /* none ok failed */
	int review_findings, review_blocking;
};

struct review_finding {
	int sev; /* enum sev (scan.h), never SEV_UNKNOWN */
	char title[256], file[256];
	long line;
};

/* 0 with *r filled (any status), -1 when the project could not be scanned at all (*e; still recorded). */
int scan_main_project(struct orch_ctx *c, const char *project, const char *run_id, struct scan_main_result *r,
    struct orch_err *e);
/* A new run id, YYYYMMDDTHHMMSSZ-<6 random hex> (UTC): sorts by time, unique per run.  0 / -1. */
int scan_main_run_id(char out[SCAN_RUN_ID_LEN + 1]);
/* The run's failure as JSON (a cJSON *): null, or {phase, reason (valid UTF-8), chunk}. */
void *scan_main_failure_json(const struct scan_main_result *r);
/*
 * Parse a main_review report (len bytes, no NUL inside): a JSON array of
 * objects with a severity string (LOW MEDIUM HIGH CRITICAL, any case), a
 * non-empty title string, a file string and an integer line >= 0.
 * Anything else fails the whole report: 0 with *v (malloc'd) and *n, or -1
 * with why.
 */
int scan_main_parse_review(
    const char *text, size_t len, struct review_finding **v, size_t *n, char *why, size_t wn);
/*
 * Copy src into dst (size n, always terminated) with every word shaped like
 * a secret (16+ characters of [A-Za-z0-9_+=-] holding a letter and a digit,
 * commit ids included) cut to its first 4 characters and "****"; control
 * characters but newline and tab become spaces.  For tool stderr in records.
 */
void scan_main_mask(char *dst, size_t n, const char *src);

/*
 * orch-status's view of the scan of main (struct cJSON is cJSON's own
 * type; arrays appended to).  0 / -1.
 *   scan_main_anchors_json   every anchor by project: {project, branch,
 *                            sha, last_status, last_run}
 *   scan_main_findings_json  the n open secrets first seen last: {fingerprint,
 *                            project, rule, file, commit_sha, line, first_seen}
 *   scan_main_resolved_json  the n resolved ones, the same and resolved_at,
 *                            resolved_reason
 *   scan_main_projects_json  one object per configured project, also one
 *                            never scanned: {project, branch, last_status,
 *                            last_run, age_s, last_run_id, last_success,
 *                            anchor, old (its last run ended more than
 *                            max_age_s ago, or it never ran), failing (that
 *                            run failed), last_failure: null or {phase,
 *                            reason, chunk, at}}
 */
struct cJSON;
struct config;
struct store;
int scan_main_anchors_json(struct store *st, struct cJSON *anchors, struct orch_err *e);
int scan_main_findings_json(struct store *st, int n, struct cJSON *findings, struct orch_err *e);
int scan_main_resolved_json(struct store *st, int n, struct cJSON *findings, struct orch_err *e);
/*
 * orch-scan --resolve: mark the open secrets found on main with fingerprint
 * (or, fingerprint NULL, every open one of project) as handled (rotated):
 * resolved_at and reason recorded, an event, one transaction.  They leave
 * the attention list and stay in the history.  The number resolved, or -1.
 */
int scan_main_resolve(
    struct store *st, const char *fingerprint, const char *project, const char *reason, struct orch_err *e);
int scan_main_projects_json(
    const struct config *cfg, struct store *st, int64_t max_age_s, struct cJSON *arr, struct orch_err *e);

#endif
