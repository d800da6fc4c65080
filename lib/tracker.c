#include "tracker.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctx.h"
#include "err.h"
#include "store.h"
#include "task.h"
#include "tracker_plane.h"
#include "util.h"

/*
 * The backends, in one place (git's transport vtables, curl's protocol
 * handlers): a name and how to open it.  Adding a tracker is a row here.
 */
static int
local_open(struct tracker *t, const struct project *p, struct orch_err *e)
{
	(void)p;
	(void)e;
	t->ops = &tracker_local_ops;
	return 0;
}

static int
plane_open(struct tracker *t, const struct project *p, struct orch_err *e)
{
	if (p == NULL)
		return err_set(e, EX_NOINPUT,
		    "the plane tracker needs a configured project; add it under projects: in "
		    "orch.yaml");
	t->ops = &tracker_plane_ops;
	return tracker_plane_open(t, p, e);
}

static const struct {
	const char *name;
	int (*open)(struct tracker *t, const struct project *p, struct orch_err *e);
} backends[] = {
	{ "local", local_open },
	{ "plane", plane_open },
	{ NULL, NULL },
};

int
tracker_open(struct tracker *t, struct orch_ctx *c, const char *project, struct orch_err *e)
{
	const struct project *p = project ? config_project(c->cfg, project) : NULL;
	const char *kind = p ? p->tracker : c->cfg->tracker;
	size_t i;

	memset(t, 0, sizeof(*t));
	t->cfg = c->cfg;
	t->st = c->st;
	t->ctx = c;
	for (i = 0; backends[i].name; i++)
		if (strcmp(backends[i].name, kind) == 0)
			return backends[i].open(t, p, e);
	return err_set(
	    e, EX_CONFIG, "tracker '%s' is not one of local, plane; fix tracker: in orch.yaml", kind);
}

void
tracker_close(struct tracker *t)
{
	if (t->ops && t->ops->close)
		t->ops->close(t);
	t->ops = NULL;
}

/*
 * Remember the status orch set or saw on the issue, for orch-status (a Plane
 * issue's status is otherwise only on the server), with when it was first
 * seen; an unchanged status writes nothing.  A cache: a failed write leaves
 * the last one, whose seen_at says how old it is.
 */
static void
seen(struct tracker *t, const struct tracker_issue *is, const struct tracker_state *s)
{
	struct store_stmt *q;
	char now[32];

	if (t->st == NULL || s == NULL || is->work_item[0] == '\0' ||
	    store_prepare(t->st, &q,
		"INSERT INTO tracker_seen(work_item, status, seen_at) VALUES (?1, ?2, ?3) "
		"ON CONFLICT(work_item) DO UPDATE SET status = ?2, seen_at = ?3 "
		"WHERE tracker_seen.status != ?2",
		NULL) < 0)
		return;
	time_iso_us(time_now_us(), now);
	store_bind_text(q, 1, is->work_item);
	store_bind_text(q, 2, s->name);
	store_bind_text(q, 3, now);
	(void)store_step_done(t->st, q, "remember the tracker status", NULL);
}

const char *
tracker_issue_key(struct tracker *t, const struct tracker_issue *is, struct orch_err *e)
{
	struct tracker_state *v = NULL;
	const struct tracker_state *s;
	const char *key = NULL;
	size_t n = 0;

	if (t->ops->states(t, is->project, &v, &n, e) < 0)
		return NULL;
	if ((s = tracker_state_by_id(v, n, is->state_id)) != NULL)
		key = s->key;
	seen(t, is, s);
	free(v);
	return key;
}

int
tracker_set_status(struct tracker *t, struct tracker_issue *is, const char *key, struct orch_err *e)
{
	struct tracker_state *v = NULL;
	const struct tracker_state *s;
	size_t n = 0;
	int rc;

	if (t->ops->states(t, is->project, &v, &n, e) < 0)
		return -1;
	if ((s = tracker_state_by_key(v, n, key)) == NULL) {
		free(v);
		return TRACKER_SKIPPED;
	}
	if (strcmp(is->state_id, s->id) == 0)
		rc = TRACKER_SET; /* already there: no write, updated_at kept */
	else
		rc = t->ops->set_state(t, is, s->id, e) < 0 ? -1 : TRACKER_SET;
	if (rc == TRACKER_SET)
		seen(t, is, s);
	free(v);
	return rc;
}

int
tracker_rate_limited(struct store *st, const char *project)
{
	return plane_rate_limited(st, project);
}

void
tracker_mark_rate_limited(struct store *st, const char *project, int limited)
{
	plane_mark_rate_limited(st, project, limited);
}

int
tracker_status_json(
    struct store *st, const char *issue_id, const char *wi, struct cJSON *item, struct orch_err *e)
{
	char local[256]; /* a local state's name: the seeded ones are short */
	struct store_stmt *s;
	int have, rc;

	if ((have = tracker_local_state_name(st, issue_id, local, sizeof(local), e)) < 0 ||
	    store_cached(st, &s, "SELECT status, seen_at FROM tracker_seen WHERE work_item = ?1", e) < 0)
		return -1;
	store_bind_text(s, 1, wi);
	if ((rc = store_step(s)) != STORE_ROW && rc != STORE_DONE) {
		store_fail(st, "read the tracker status orch saw", e);
		store_release(st, s);
		return -1;
	}
	/* the local tracker's own state first: it is the truth, tracker_seen only what orch last saw */
	cJSON_AddItemToObject(item, "tracker_status",
	    have                  ? cJSON_CreateString(local)
		: rc == STORE_ROW ? cJSON_CreateString(store_column_text(s, 0))
				  : cJSON_CreateNull());
	cJSON_AddItemToObject(item, "tracker_seen_at",
	    rc == STORE_ROW ? cJSON_CreateString(store_column_text(s, 1)) : cJSON_CreateNull());
	store_release(st, s);
	return 0;
}

/*
 * A status a person stops an item with is never overwritten by orch's own
 * (issue 23): the tracker's Cancelled or Done on a task that is not
 * finished, its Blocked on a task orch did not block, or any status of a
 * stopped task.  The next orch-poll applies the person's status.  1 keep
 * (an event says so), 0 write.
 */
static int
tracker_person_status(struct orch_ctx *c, struct tracker *tr, const struct task *t,
    const struct tracker_issue *is, const char *key)
{
	struct orch_err e = { 0 };
	const char *cur = tracker_issue_key(tr, is, &e);
	char why[300];

	if (t->stopped[0] == '\0' &&
	    (cur == NULL || strcmp(cur, key) == 0 ||
		(strcmp(cur, "cancelled") != 0 && strcmp(cur, "done") != 0 &&
		    (strcmp(cur, "blocked") != 0 || t->blocked))))
		return 0;
	snprintf(why, sizeof(why), "tracker status %s kept (set by a person%s): orch did not write %s",
	    cur ? cur : "?", t->stopped[0] ? ", the item is stopped" : "; the next orch-poll applies it",
	    key);
	event_add(c->st, t->work_item, "tracker_status_kept", t->stage, t->stage, why, NULL);
	return 1;
}

void
tracker_display(struct orch_ctx *c, struct tracker *tr, const struct task *t, const char *key,
    const char *comment, enum tracker_writer by)
{
	struct tracker_issue is;
	struct orch_err e = { 0 };

	if (tr->ops->get(tr, t->work_item, &is, &e) < 0)
		goto fail;
	if (key && (by == TRACKER_BY_PERSON || !tracker_person_status(c, tr, t, &is, key)) &&
	    tracker_set_status(tr, &is, key, &e) < 0)
		goto fail;
	if (comment && tr->ops->comment(tr, &is, comment, &e) < 0)
		goto fail;
	return;
fail:
	event_add(c->st, t->work_item, "tracker_error", t->stage, t->stage, e.msg, NULL);
}

void
tracker_show(
    struct orch_ctx *c, const struct task *t, const char *key, const char *comment, enum tracker_writer by)
{
	struct tracker tr;
	struct orch_err e = { 0 };

	if (tracker_open(&tr, c, t->project, &e) < 0) {
		event_add(c->st, t->work_item, "tracker_error", t->stage, t->stage, e.msg, NULL);
		return;
	}
	tracker_display(c, &tr, t, key, comment, by);
	tracker_close(&tr);
}
