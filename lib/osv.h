/*
 * osv: the built-in dependency engine (security_dep_engine: osv).  It reads
 * the lockfiles committed at a ref (lockfile.h; never the work tree, nothing
 * of the repository is run), asks the OSV API which advisories affect each
 * pin, and turns the records into findings (scan.h's struct dep_finding).
 *
 * Calling sequence (osv_audit):
 *  1. osv_collect: `git ls-tree -r` of the ref; every lockfile not under a
 *     directory named in security_dep_exclude; the blobs in one `git
 *     cat-file --batch`, then the `-r` includes of requirements files (read
 *     the same way, up to OSV_INCLUDE_DEPTH).  A file that does not parse is
 *     degraded (named in the note), the others are still audited.
 *  2. POST /v1/querybatch with every distinct pinned (ecosystem, name,
 *     version), at most OSV_BATCH_MAX queries a request; a result with
 *     next_page_token is asked again with page_token (at most OSV_MAX_PAGES).
 *     The answer holds ids and `modified` only.
 *  3. GET /v1/vulns/{id} for each id whose record is not cached with the same
 *     `modified` (table osv_vulns, migration 18; written only by this module).
 *  4. Each (pin, record): severity from the highest CVSS v4.0 score of the
 *     record's vectors, else the highest v3 one (cvss.h), else
 *     database_specific.severity, else
 *     UNKNOWN (sev_source says which); fixed versions from the affected
 *     ranges of that package; fixable when one is newer than the pin
 *     (osv_vercmp).  A withdrawn record is no finding.
 *
 * HTTP goes through lib/http.c (timeouts, no redirects, a body cap, retries
 * with backoff on connection errors, 5xx and 429, and a budget of
 * security_osv_budget requests per audit).  No secret is involved.  An
 * unreachable or failing server, an answer that is not the API's, or a spent
 * budget makes the audit degraded (r->degraded, r->note), never an error:
 * the gate's fail-open/closed setting decides.
 *
 * osv_audit returns 0 (see r), or -1 with *e only when git itself failed.
 */
#ifndef ORCH_OSV_H
#define ORCH_OSV_H

#include <stddef.h>

struct config;
struct dep_finding;
struct deps_result;
struct git;
struct lockset;
struct orch_ctx;
struct orch_err;

#define OSV_BATCH_MAX 1000 /* the API's limit of queries per querybatch */
#define OSV_MAX_PAGES 20
#define OSV_MAX_LOCKFILES 500
#define OSV_INCLUDE_DEPTH 5

struct osv_hit {
	char id[64];
	char modified[40];
};

/* One query and what the server answered for it. */
struct osv_query {
	const struct lockpkg *p;
	size_t n, cap;
	struct osv_hit *v;
	char token[512]; /* next_page_token, "" when complete */
};

int osv_audit(
    struct orch_ctx *c, const char *repo, const char *ref, struct deps_result *r, struct orch_err *e);
/*
 * The pins of every lockfile at ref (step 1): 0 with s filled, *files the
 * number of lockfiles read and note listing those that did not parse (""
 * when all did); -1 with *e when git failed.
 */
int osv_collect(const struct git *g, const char *ref, const char *exclude, struct lockset *s, int *files,
    char *note, size_t nn, struct orch_err *e);
/*
 * A querybatch answer for the queries q[idx[0..n-1]] (in that order): their
 * ids appended (duplicates dropped), next_page_token into token.  0, or -1
 * with why (not the API's answer: nothing appended).
 */
int osv_parse_batch(
    const char *json, size_t len, struct osv_query *q, const size_t *idx, size_t n, char *why, size_t wn);
/*
 * One OSV record as it bears on pin (eco, name, version): 1 with *f filled,
 * 0 when it is withdrawn, -1 with why when it is not an OSV record.
 */
int osv_parse_record(const char *json, size_t len, const char *eco, const char *name, const char *version,
    struct dep_finding *f, char *why, size_t wn);
/* Compare versions as the ecosystems mostly order them (numbers numerically, pre-releases first): <0, 0, >0.
 */
int osv_vercmp(const char *a, const char *b);
/*
 * The identity of the lockfiles at ref (the scan of main audits again only when it changes): a hash of the
 * path and blob id of every lockfile osv_collect would read, "" when there is none.  0, or -1 with *e.
 */
int osv_lockfiles_id(
    const struct git *g, const char *ref, const char *exclude, char *id, size_t n, struct orch_err *e);
/*
 * The fixed version to move pin to, from fixes (comma-separated): the lowest above the pin within its major,
 * else the lowest above it; "" when none is above the pin.
 */
void osv_fix_choice(const char *pin, const char *fixes, char *out, size_t n);
/* orch doctor: does security_osv_url answer a querybatch?  0, or -1 with why. */
int osv_probe(const struct config *cfg, char *why, size_t wn);
void osv_queries_free(struct osv_query *q, size_t n);

#endif
