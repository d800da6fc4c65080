/*
 * trackerkey: the pure part of the tracker interface, below the backends
 * and the interface (SPEC 8).  Plane's state names map to orch's logical
 * keys (In Review -> in_review, ...); a key a project lacks resolves to
 * nothing, and what it would trigger never fires (fail-closed).  Terminal
 * states are group completed/cancelled, or keys done/cancelled when the
 * group is unknown.  No I/O, no store.
 */
#ifndef ORCH_TRACKERKEY_H
#define ORCH_TRACKERKEY_H

#include <stddef.h>

struct tracker_state {
	char id[64];
	char name[64];
	char group[16];
	const char *key; /* logical key, NULL when the name is not one orch knows */
};

const char *tracker_key_for_name(const char *name);
const char *tracker_name_for_key(const char *key);
const struct tracker_state *tracker_state_by_key(const struct tracker_state *v, size_t n, const char *key);
const struct tracker_state *tracker_state_by_id(const struct tracker_state *v, size_t n, const char *id);
const struct tracker_state *tracker_state_by_name(const struct tracker_state *v, size_t n, const char *name);
int tracker_state_terminal(const struct tracker_state *s);

/*
 * The body and its conversation, as a brief shows them (plain
 * text, valid UTF-8, bounded: untrusted input).  by_orch: orch wrote the
 * comment itself (the local tracker's by_orch column; Plane's
 * external_source "orch" on the comments orch posts).
 */
#define TRACKER_DESC_MAX (64 * 1024)    /* a description longer than this is cut, and says so */
#define TRACKER_COMMENT_MAX (16 * 1024) /* each comment likewise */
#define TRACKER_COMMENTS_MAX 200        /* the newest this many comments */
struct tracker_comment {
	char at[40]; /* created_at, ISO-8601 */
	int by_orch;
	char *text; /* malloc'd */
};
struct tracker_detail {
	char *description;                /* malloc'd, "" when none */
	struct tracker_comment *comments; /* oldest first */
	size_t n;
	int cut; /* older comments were left out (over TRACKER_COMMENTS_MAX) */
};
void tracker_detail_free(struct tracker_detail *d);

#endif
