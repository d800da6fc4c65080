/*
 * tracker: the interface every tracker backend implements (SPEC section 8),
 * and the logical state keys orch acts on.
 *
 * Operations: list states (id, name, group), list issues, get one issue by
 * work item id, set an issue's state, add a comment, create an issue.
 * Each returns 0, or -1 with *e (EX_NOINPUT for an unknown issue or
 * project, EX_UNAVAILABLE when the tracker cannot be reached, EX_DATAERR
 * for a malformed response).
 *
 * Logical keys come from state names (tracker_key_for_name).  A key whose
 * state a project lacks resolves to nothing and the behaviour it would
 * trigger never fires: tracker_set_status() then returns TRACKER_SKIPPED.
 * Terminal issues (group completed/cancelled; keys done/cancelled when the
 * group is unknown) are never actionable.
 *
 * Backends: local (tracker_local.c, issues in orch.db) and plane
 * (tracker_plane.c, Plane's REST API through http.c).
 */
#ifndef ORCH_TRACKER_H
#define ORCH_TRACKER_H

#include <stddef.h>

#include "trackerkey.h"

struct config;
struct orch_ctx;
struct orch_err;
struct store;

struct tracker_issue {
	char id[64];
	char work_item[32];
	char project[17];
	long seq;
	char name[512];
	char state_id[64];
	char updated_at[40];
	int manual_label; /* the item carries the label "manual": people work every stage (issue 25) */
};

struct tracker;

enum { TRACKER_LIST_CHANGED = 0, TRACKER_LIST_ALL = 1, TRACKER_LIST_OPEN = 2 };

struct tracker_ops {
	const char *kind;
	int (*states)(
	    struct tracker *t, const char *project, struct tracker_state **v, size_t *n, struct orch_err *e);
	/*
	 * full = TRACKER_LIST_ALL: every issue.  TRACKER_LIST_CHANGED: at least
	 * every issue changed since the last poll_done (a backend may return
	 * all; plane pages by -updated_at down to its watermark).
	 * TRACKER_LIST_OPEN: at least every issue outside the completed and
	 * cancelled state groups (the reconciler's net: the local backend
	 * leaves the finished history in the store instead of in memory).
	 */
	int (*issues)(struct tracker *t, const char *project, int full, struct tracker_issue **v, size_t *n,
	    struct orch_err *e);
	int (*get)(struct tracker *t, const char *wi, struct tracker_issue *out, struct orch_err *e);
	int (*set_state)(
	    struct tracker *t, struct tracker_issue *is, const char *state_id, struct orch_err *e);
	int (*comment)(
	    struct tracker *t, const struct tracker_issue *is, const char *text, struct orch_err *e);
	int (*create)(struct tracker *t, const char *project, const char *title, const char *state_id,
	    struct tracker_issue *out, struct orch_err *e);
	/* Comments of an issue, oldest first, NULL-terminated (for orch-issue show). */
	int (*comments)(
	    struct tracker *t, const struct tracker_issue *is, char ***bodies, struct orch_err *e);
	/* The issue's description and comments (NULL: the backend has neither). */
	int (*detail)(struct tracker *t, const struct tracker_issue *is, struct tracker_detail *out,
	    struct orch_err *e);
	/* Replace the issue's description (NULL: edit it in the tracker itself). */
	int (*set_description)(
	    struct tracker *t, struct tracker_issue *is, const char *text, struct orch_err *e);
	/* add (on) or remove a label; NULL where labels are set in the tracker's own interface (Plane) */
	int (*set_label)(
	    struct tracker *t, struct tracker_issue *is, const char *label, int on, struct orch_err *e);
	/* A person's comment (orch-issue comment): never counted as orch's own. */
	int (*person_comment)(
	    struct tracker *t, const struct tracker_issue *is, const char *text, struct orch_err *e);
	/* The caller applied everything issues(full = 0) returned: move the watermark (may be NULL). */
	int (*poll_done)(struct tracker *t, const char *project, struct orch_err *e);
	void (*close)(struct tracker *t);
};

struct tracker {
	const struct tracker_ops *ops;
	const struct config *cfg;
	struct store *st;
	struct orch_ctx *ctx;
	void *impl;
};

enum { TRACKER_SET = 0, TRACKER_SKIPPED = 1 };

/* Open the backend configured for project (its tracker, else the global one). */
int tracker_open(struct tracker *t, struct orch_ctx *c, const char *project, struct orch_err *e);
void tracker_close(struct tracker *t);
/*
 * Whether project's last poll was cut short by the tracker's rate limit (the
 * next poll serves it first), and marking it; the state is the backend's
 * (plane_poll), kept for any backend.
 */
int tracker_rate_limited(struct store *st, const char *project);
void tracker_mark_rate_limited(struct store *st, const char *project, int limited);

/* Logical key of the issue's current state (NULL when unknown). */
const char *tracker_issue_key(struct tracker *t, const struct tracker_issue *is, struct orch_err *e);
/* Set the issue's state by logical key; TRACKER_SKIPPED when the project lacks it. */
int tracker_set_status(struct tracker *t, struct tracker_issue *is, const char *key, struct orch_err *e);
struct task;
/* Who writes a display status: orch's own transitions keep a person's status, a person's command does not. */
enum tracker_writer { TRACKER_BY_ORCH, TRACKER_BY_PERSON };
/*
 * After a transition's commit: t's display status by key (NULL: unchanged)
 * and a comment (NULL: none).  The one tracker write of the pipeline: with
 * TRACKER_BY_ORCH a person's stopping status (Cancelled or Done on an
 * unfinished task, Blocked orch did not set, any status of a stopped task)
 * is kept and a tracker_status_kept event says so; TRACKER_BY_PERSON (a
 * person's --unblock, --cancel, --retry, --accept...) writes over it.
 * Never fails: a tracker that cannot be written is recorded as a
 * tracker_error event on t (repaired by the next transition or the
 * reconciler).  tracker_show() opens t's tracker for it (a tracker that
 * cannot be opened is recorded the same way).
 */
void tracker_display(struct orch_ctx *c, struct tracker *tr, const struct task *t, const char *key,
    const char *comment, enum tracker_writer by);
void tracker_show(
    struct orch_ctx *c, const struct task *t, const char *key, const char *comment, enum tracker_writer by);

/* The plane backend (tracker_plane.c). */
extern const struct tracker_ops tracker_plane_ops;
struct project;
int tracker_plane_open(struct tracker *t, const struct project *p, struct orch_err *e);
/* The Plane project's identifier (for orch doctor: it must equal the project's key). */
int tracker_plane_identifier(struct tracker *t, char *out, size_t n, struct orch_err *e);

/* The local backend's ops (for tests and tracker_open). */
extern const struct tracker_ops tracker_local_ops;
/* Seed the standard states of project in the local tracker (idempotent). */
int tracker_local_seed(struct store *st, const char *project, struct orch_err *e);

/*
 * orch-status, from the store alone (no tracker is asked): the tracker
 * status of task wi (issue issue_id) as item's "tracker_status" — the
 * local tracker's state when it holds the issue, else the status orch last
 * set or saw (tracker_seen) — and "tracker_seen_at", when orch saw that;
 * null when unknown (struct cJSON is cJSON's own type).  0 / -1.
 */
struct cJSON;
int tracker_status_json(
    struct store *st, const char *issue_id, const char *wi, struct cJSON *item, struct orch_err *e);
/* The name of the local tracker's state of issue_id, into name (size n): 1, 0 when it has no such issue, -1
 * with *e. */
int tracker_local_state_name(
    struct store *st, const char *issue_id, char *name, size_t n, struct orch_err *e);

#endif
