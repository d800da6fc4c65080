/*
 * ctx: what one command run hands to the library: the loaded config, the
 * open store, and the HTTP client shared by every Plane request of the run
 * (opened on first use by the plane tracker, closed by ctx_close), so that
 * connections are reused and one rate budget covers all projects, and the
 * plane tracker's per-project statements, prepared once for all projects.
 */
#ifndef ORCH_CTX_H
#define ORCH_CTX_H

struct config;
struct http;
struct store;

struct store_stmt;

enum { CTX_PLANE_STATES, CTX_PLANE_WATERMARK, CTX_PLANE_NQ };

struct orch_ctx {
	const struct config *cfg;
	struct store *st;
	struct http *http; /* NULL until the plane tracker needs it */
	/* the plane tracker's per-project queries, prepared once per run (finalized by ctx_close) */
	struct store_stmt *plane_q[CTX_PLANE_NQ];
};

void ctx_close(struct orch_ctx *c);

#endif
