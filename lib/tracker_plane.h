/*
 * tracker_plane: the Plane backend's response parsers on their own, so that
 * tests/fuzz can feed them hostile bodies without a server.  They apply
 * exactly the checks a live listing applies (tracker_plane.c).
 *
 * plane_parse_items(): one listing page (an envelope with results[], or a
 * bare array) into a malloc'd array of issues of project p; *more says
 * whether the page asks for another, with its cursor in cursor[cn].
 * plane_parse_states(): one page of states; *n counts the valid ones.
 * Both return 0, or -1 with *e (EX_DATAERR) and nothing allocated.
 */
#ifndef ORCH_TRACKER_PLANE_H
#define ORCH_TRACKER_PLANE_H

#include <stddef.h>

struct orch_err;
struct project;
struct tracker_issue;

int plane_parse_items(const struct project *p, const char *body, size_t len, struct tracker_issue **v,
    size_t *n, int *more, char *cursor, size_t cn, struct orch_err *e);
int plane_parse_states(const char *body, size_t len, size_t *n, struct orch_err *e);

struct store;
/* plane_poll's rate-limit mark (a project cut short by the limit on an earlier tick): 1 / 0. */
int plane_rate_limited(struct store *st, const char *project);
/* Remember (limited = 1) or forget it; writes only on a change. */
void plane_mark_rate_limited(struct store *st, const char *project, int limited);

#endif
