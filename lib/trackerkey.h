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
	const char *key;	/* logical key, NULL when the name is not one orch knows */
};

const char *tracker_key_for_name(const char *name);
const char *tracker_name_for_key(const char *key);
const struct tracker_state *tracker_state_by_key(const struct tracker_state *v, size_t n, const char *key);
const struct tracker_state *tracker_state_by_id(const struct tracker_state *v, size_t n, const char *id);
const struct tracker_state *tracker_state_by_name(const struct tracker_state *v, size_t n, const char *name);
int tracker_state_terminal(const struct tracker_state *s);

#endif
