/*
 * scanmain: continuous scanning of a project's main branch (SPEC section
 * 11, orch-scan --main).
 *
 *   no anchor            -> bootstrap: record the head, scan nothing
 *   anchor == head       -> no_change (writes nothing)
 *   anchor not ancestor  -> the rewrite policy: reset_warn (re-anchor at the
 *                           head, alert), since_date (scan the commits since
 *                           the old anchor's date), strict_fail (keep the
 *                           anchor, fail)
 *   otherwise            -> scan anchor..head in chunks: N <= scan_single_max
 *                           one range; N <= scan_chunked_max ranges of
 *                           scan_chunk_size; more, one commit at a time; a
 *                           root commit alone.
 * A chunk counts only when gitleaks exited with a documented code and its
 * report parsed; at the first chunk that does not, the scan stops with the
 * anchor at the end of the last scanned chunk (partial) or where it was
 * (failed).  Each finding is alerted once (keyed by its fingerprint).  One
 * run record per run: $ORCH_HOME/runs/scan-<run_id>.json.
 */
#ifndef ORCH_SCANMAIN_H
#define ORCH_SCANMAIN_H

struct orch_ctx;
struct orch_err;

struct scan_main_result {
	char project[17];
	char status[16];	/* bootstrap no_change ok partial failed rewrite_reset */
	char strategy[16];	/* none single chunked per_commit */
	int commits, chunks, chunks_ok, findings, findings_new;
	char anchor_before[41], anchor_after[41], head[41];
	char note[512];
	char record[4400];	/* the run record's path */
};

/* 0 with *r filled (any status), -1 when the project could not be read at all (*e). */
int scan_main_project(struct orch_ctx *c, const char *project, const char *run_id, struct scan_main_result *r,
    struct orch_err *e);

#endif
