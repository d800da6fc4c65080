/*
 * The local tracker: issues, states and comments in orch.db, with Plane's
 * state names and groups.  Issue ids are random hex (like Plane's uuids);
 * work item ids are <PROJECT>-<seq>.  updated_at is microsecond UTC and
 * strictly increases on every change of an issue, so a human verdict key
 * (issue, state, updated_at) is never reused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "err.h"
#include "store.h"
#include "text.h"
#include "tracker.h"
#include "util.h"
#include "wi.h"

static const struct {
	const char *name, *group;
} seed[] = {
	{ "Backlog", "backlog" },
	{ "Todo", "unstarted" },
	{ "To Analyse", "unstarted" },
	{ "Analysis", "started" },
	{ "In Progress", "started" },
	{ "Needs Input", "started" },
	{ "In Review", "started" },
	{ "Code Review", "started" },
	{ "Approved", "started" },
	{ "Rejected", "started" },
	{ "Awaiting Deploy", "started" },
	{ "Confirm Deploy", "started" },
	{ "Deploying", "started" },
	{ "Monitoring after Deploy", "started" },
	{ "Blocked", "started" },
	{ "Done", "completed" },
	{ "Cancelled", "cancelled" },
	{ NULL, NULL },
};

static int
known_project(struct tracker *t, const char *project, struct orch_err *e)
{
	if (!wi_project_key_valid(project))
		return err_set(e, EX_USAGE, "project key '%s' is not valid: " WI_KEY_RULE, project);
	if (config_project(t->cfg, project) == NULL)
		return err_set(e, EX_NOINPUT, "project '%s' is not configured; add it under projects: in %s",
		    project, t->cfg->path ? t->cfg->path : "orch.yaml");
	return 0;
}

int
tracker_local_seed(struct store *st, const char *project, struct orch_err *e)
{
	struct store_stmt *s;
	char id[96];
	int i, have;

	if (store_prepare(st, &s, "SELECT count(*) FROM tracker_states WHERE project = ?1", e) < 0)
		return -1;
	store_bind_text(s, 1, project);
	have = store_step(s) == STORE_ROW ? store_column_int(s, 0) : 0;
	store_finalize(s);
	if (have > 0)
		return 0; /* seeded (an operator may have removed some: keep that) */
	for (i = 0; seed[i].name; i++) {
		snprintf(id, sizeof(id), "%s:%s", project, tracker_key_for_name(seed[i].name));
		if (store_prepare(st, &s,
			"INSERT INTO tracker_states(id, project, name, grp, seq) "
			"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING",
			e) < 0)
			return -1;
		store_bind_text(s, 1, id);
		store_bind_text(s, 2, project);
		store_bind_text(s, 3, seed[i].name);
		store_bind_text(s, 4, seed[i].group);
		store_bind_int(s, 5, i + 1);
		if (store_step_done(st, s, "seed tracker states", e) < 0)
			return -1;
	}
	return 0;
}

static int
local_states(struct tracker *t, const char *project, struct tracker_state **v, size_t *n, struct orch_err *e)
{
	struct store_stmt *s;
	size_t cap = 24;

	*v = NULL;
	*n = 0;
	if (known_project(t, project, e) < 0 || tracker_local_seed(t->st, project, e) < 0)
		return -1;
	if (store_prepare(
		t->st, &s, "SELECT id, name, grp FROM tracker_states WHERE project = ?1 ORDER BY seq", e) < 0)
		return -1;
	store_bind_text(s, 1, project);
	if ((*v = calloc(cap, sizeof(**v))) == NULL) {
		store_finalize(s);
		return err_set(e, EX_SOFTWARE, "out of memory");
	}
	while (store_step(s) == STORE_ROW && *n < cap) {
		struct tracker_state *ts = &(*v)[(*n)++];
		str_copy(ts->id, sizeof(ts->id), store_column_text(s, 0));
		str_copy(ts->name, sizeof(ts->name), store_column_text(s, 1));
		str_copy(ts->group, sizeof(ts->group), store_column_text(s, 2));
		ts->key = tracker_key_for_name(ts->name);
	}
	store_finalize(s);
	return 0;
}

/* 1 when the comma-separated list holds name (case-insensitive). */
static int
label_in(const char *list, const char *name)
{
	size_t n = strlen(name);

	for (const char *p = list; p && *p; p += strcspn(p, ",") + (p[strcspn(p, ",")] == ',')) {
		if (strncasecmp(p, name, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
	}
	return 0;
}

static void
row_issue(struct store_stmt *s, struct tracker_issue *is)
{
	memset(is, 0, sizeof(*is));
	str_copy(is->id, sizeof(is->id), store_column_text(s, 0));
	str_copy(is->project, sizeof(is->project), store_column_text(s, 1));
	is->seq = store_column_int64(s, 2);
	str_copy(is->name, sizeof(is->name), store_column_text(s, 3));
	str_copy(is->state_id, sizeof(is->state_id), store_column_text(s, 4));
	str_copy(is->updated_at, sizeof(is->updated_at), store_column_text(s, 5));
	snprintf(is->work_item, sizeof(is->work_item), "%s-%ld", is->project, is->seq);
	is->manual_label = label_in(store_column_text(s, 6), "manual");
}

#define ISSUE_COLS "id, project, seq, name, state_id, updated_at, labels"

/* What a poll listed: the watermark poll_done stores, and whether the stored one was ahead of the present. */
struct local_poll_mark {
	char listed[40];  /* newest listed updated_at not after now; "" none */
	int stepped_back; /* the stored watermark was in the future: it is replaced, not only moved up */
};

/*
 * Bind ?2 of a changed-only listing: the project's watermark, or "" (a
 * full re-list, once) when it is ahead of the present: the clock stepped
 * back, and a change stamped now would sort below it forever.
 */
static int
local_since(struct tracker *t, const char *project, struct store_stmt *list, struct orch_err *e)
{
	struct local_poll_mark *m;
	struct store_stmt *s;
	char wm[40] = "", now[32];

	free(t->impl);
	if ((t->impl = m = calloc(1, sizeof(*m))) == NULL)
		return err_set(e, EX_SOFTWARE, "out of memory");
	if (store_prepare(t->st, &s, "SELECT watermark FROM local_poll WHERE project = ?1", e) < 0)
		return -1;
	store_bind_text(s, 1, project);
	if (store_step(s) == STORE_ROW && store_column_text(s, 0))
		str_copy(wm, sizeof(wm), store_column_text(s, 0));
	store_finalize(s);
	time_iso_us(time_now_us(), now);
	if (strcmp(wm, now) > 0) {
		m->stepped_back = 1;
		wm[0] = '\0';
	}
	store_bind_text(list, 2, wm);
	return 0;
}

static int
local_issues(
    struct tracker *t, const char *project, int full, struct tracker_issue **v, size_t *n, struct orch_err *e)
{
	struct store_stmt *s;
	size_t cap = 16;
	int rc;

	*v = NULL;
	*n = 0;
	if (known_project(t, project, e) < 0)
		return -1;
	/*
	 * A poll reads only what changed after its watermark (by the index on
	 * (project, updated_at)).  updated_at is microsecond UTC and strictly
	 * increases per issue; verdicts are guarded by their UNIQUE key, not by
	 * this, and the reconciler's full listing is the net for anything a
	 * watermark could miss.
	 */
	if (store_prepare(t->st, &s,
		full == TRACKER_LIST_ALL ? "SELECT " ISSUE_COLS
					   " FROM tracker_issues WHERE project = ?1 ORDER BY seq"
		    : full == TRACKER_LIST_OPEN
		    ? "SELECT " ISSUE_COLS
		      " FROM tracker_issues WHERE project = ?1 AND state_id NOT IN (SELECT id FROM "
		      "tracker_states WHERE project = ?1 AND grp IN ('completed', 'cancelled')) ORDER BY seq"
		    : "SELECT " ISSUE_COLS
		      " FROM tracker_issues WHERE project = ?1 AND updated_at > ?2 ORDER BY updated_at",
		e) < 0)
		return -1;
	store_bind_text(s, 1, project);
	if (full == TRACKER_LIST_CHANGED && local_since(t, project, s, e) < 0) {
		store_finalize(s);
		return -1;
	}
	if ((*v = calloc(cap, sizeof(**v))) == NULL)
		goto oom;
	while ((rc = store_step(s)) == STORE_ROW) {
		if (*n == cap) {
			struct tracker_issue *nv = realloc(*v, (cap *= 2) * sizeof(**v));
			if (nv == NULL)
				goto oom;
			*v = nv;
		}
		row_issue(s, &(*v)[(*n)++]);
	}
	store_finalize(s);
	if (rc != STORE_DONE)
		return store_fail(t->st, "list issues", e);
	if (full == TRACKER_LIST_CHANGED) {
		/* poll_done moves the watermark to what was listed, not to what came since, and never ahead
		 * of now */
		struct local_poll_mark *m = t->impl;
		char now[32];
		size_t i;

		time_iso_us(time_now_us(), now);
		for (i = *n; i > 0 && strcmp((*v)[i - 1].updated_at, now) > 0; i--)
			; /* a stamp ahead of the present (the clock stepped back) is listed again next tick
			   */
		if (i > 0)
			str_copy(m->listed, sizeof(m->listed), (*v)[i - 1].updated_at);
	}
	return 0;
oom:
	store_finalize(s);
	free(*v);
	*v = NULL;
	return err_set(e, EX_SOFTWARE, "out of memory");
}

static int
local_get(struct tracker *t, const char *wi, struct tracker_issue *out, struct orch_err *e)
{
	char project[17];
	const char *dash;
	struct store_stmt *s;
	int rc;

	if (wi_project(wi, project) < 0)
		return err_set(e, EX_USAGE, "work item '%s' is not " WI_FORM, wi);
	if (known_project(t, project, e) < 0)
		return -1;
	dash = strchr(wi, '-');
	if (store_prepare(t->st, &s,
		"SELECT " ISSUE_COLS " FROM tracker_issues WHERE project = ?1 AND seq = ?2", e) < 0)
		return -1;
	store_bind_text(s, 1, project);
	store_bind_int64(s, 2, strtoll(dash + 1, NULL, 10)); /* validated digits */
	rc = store_step(s);
	if (rc == STORE_ROW)
		row_issue(s, out);
	store_finalize(s);
	if (rc == STORE_ROW)
		return 0;
	if (rc != STORE_DONE)
		return store_fail(t->st, "read issue", e);
	return err_set(e, EX_NOINPUT,
	    "work item '%s' does not exist in the local tracker; "
	    "list them with orch-issue list",
	    wi);
}

/*
 * A fresh updated_at strictly after prev, in O(1): max(now, prev + 1 us).
 * After a clock step back prev is in the future and the stamp goes on from
 * it (one microsecond later), never back below it.
 */
static void
next_stamp(const char *prev, char out[40])
{
	int64_t now = time_now_us(), p;
	char iso[32];

	if (prev && time_parse_iso(prev, &p) == 0 && p >= now)
		now = p + 1;
	time_iso_us(now, iso);
	str_copy(out, 40, iso);
}

static int
local_set_state(struct tracker *t, struct tracker_issue *is, const char *state_id, struct orch_err *e)
{
	struct store_stmt *s;
	char stamp[40];

	next_stamp(is->updated_at, stamp);
	if (store_prepare(t->st, &s,
		"UPDATE tracker_issues SET state_id = ?1, updated_at = ?2 WHERE id = ?3 "
		"AND EXISTS (SELECT 1 FROM tracker_states WHERE id = ?1 AND project = "
		"tracker_issues.project)",
		e) < 0)
		return -1;
	store_bind_text(s, 1, state_id);
	store_bind_text(s, 2, stamp);
	store_bind_text(s, 3, is->id);
	if (store_step_done(t->st, s, "set issue state", e) < 0)
		return -1;
	if (store_changes(t->st) != 1)
		return err_set(
		    e, EX_DATAERR, "state '%s' does not belong to project '%s'", state_id, is->project);
	str_copy(is->state_id, sizeof(is->state_id), state_id);
	str_copy(is->updated_at, sizeof(is->updated_at), stamp);
	return 0;
}

static int
add_comment(
    struct tracker *t, const struct tracker_issue *is, const char *text, int by_orch, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32], *clean;
	size_t n = strlen(text) * 3 + 1;
	int rc;

	/* orch's own comments quote tool output: stored as valid UTF-8 so every reader can show them */
	if ((clean = malloc(n)) == NULL)
		return err_set(e, EX_SOFTWARE, "out of memory");
	utf8_sanitize(clean, n, text);
	time_iso_us(time_now_us(), now);
	if (store_prepare(t->st, &s,
		"INSERT INTO tracker_comments(issue_id, body, created_at, by_orch) VALUES (?1, ?2, ?3, ?4)",
		e) < 0) {
		free(clean);
		return -1;
	}
	store_bind_text(s, 1, is->id);
	store_bind_text(s, 2, clean);
	store_bind_text(s, 3, now);
	store_bind_int(s, 4, by_orch);
	rc = store_step_done(t->st, s, "add comment", e);
	free(clean);
	return rc;
}

static int
local_comment(struct tracker *t, const struct tracker_issue *is, const char *text, struct orch_err *e)
{
	return add_comment(t, is, text, 1, e);
}

static int
local_person_comment(struct tracker *t, const struct tracker_issue *is, const char *text, struct orch_err *e)
{
	return add_comment(t, is, text, 0, e);
}

/* Add (on) or remove a label of the issue; its updated_at moves (the poll sees it).  0 / -1 with e. */
static int
local_set_label(struct tracker *t, struct tracker_issue *is, const char *label, int on, struct orch_err *e)
{
	struct store_stmt *s;
	char now[40];

	if (*label == '\0' || strlen(label) > 64 || strpbrk(label, ", \t\r\n"))
		return err_set(e, EX_USAGE,
		    "label '%.64s' is not a label: 1 to 64 characters, no comma or blank", label);
	next_stamp(is->updated_at, now);
	if (store_prepare(t->st, &s,
		on ? "UPDATE tracker_issues SET labels = CASE WHEN labels = '' THEN ?1 ELSE "
		     "labels || ',' || ?1 END, updated_at = ?2 WHERE id = ?3 AND ',' || lower(labels) || ',' "
		     "NOT LIKE "
		     "'%,' || lower(?1) || ',%'"
		   : "UPDATE tracker_issues SET labels = trim(replace(',' || labels || ',', ',' || "
		     "?1 || ',', ','), ','), updated_at = ?2 WHERE id = ?3",
		e) < 0)
		return -1;
	store_bind_text(s, 1, label);
	store_bind_text(s, 2, now);
	store_bind_text(s, 3, is->id);
	return store_step_done(t->st, s, "set a label", e);
}

static int
local_set_description(struct tracker *t, struct tracker_issue *is, const char *text, struct orch_err *e)
{
	struct store_stmt *s;
	char stamp[40];

	if (strlen(text) > TRACKER_DESC_MAX || !utf8_valid(text, strlen(text)))
		return err_set(e, EX_USAGE,
		    "the description is over %d bytes or not valid UTF-8; shorten it or "
		    "convert it to UTF-8",
		    TRACKER_DESC_MAX);
	next_stamp(is->updated_at, stamp);
	if (store_prepare(t->st, &s,
		"UPDATE tracker_issues SET description = ?1, updated_at = ?2 WHERE id = ?3", e) < 0)
		return -1;
	store_bind_text(s, 1, text);
	store_bind_text(s, 2, stamp);
	store_bind_text(s, 3, is->id);
	if (store_step_done(t->st, s, "set the description", e) < 0)
		return -1;
	str_copy(is->updated_at, sizeof(is->updated_at), stamp);
	return 0;
}

/* The newest TRACKER_COMMENTS_MAX comments, oldest first, into d. */
static int
local_detail_comments(
    struct tracker *t, const struct tracker_issue *is, struct tracker_detail *d, struct orch_err *e)
{
	struct store_stmt *s;
	int rc, cut;

	if (store_prepare(t->st, &s,
		"SELECT created_at, by_orch, body, total FROM (SELECT c.*, count(*) OVER () "
		"AS total FROM tracker_comments c WHERE issue_id = ?1 ORDER BY id DESC LIMIT ?2) newest "
		"ORDER BY id",
		e) < 0)
		return -1;
	store_bind_text(s, 1, is->id);
	store_bind_int(s, 2, TRACKER_COMMENTS_MAX);
	if ((d->comments = calloc(TRACKER_COMMENTS_MAX, sizeof(*d->comments))) == NULL) {
		store_finalize(s);
		return err_set(e, EX_SOFTWARE, "out of memory");
	}
	while ((rc = store_step(s)) == STORE_ROW && d->n < TRACKER_COMMENTS_MAX) {
		struct tracker_comment *c = &d->comments[d->n];
		const char *body = store_column_text(s, 2);
		str_copy(c->at, sizeof(c->at), store_column_text(s, 0));
		c->by_orch = store_column_int(s, 1);
		d->cut = store_column_int(s, 3) > TRACKER_COMMENTS_MAX;
		if ((c->text = text_clean(
			 body ? body : "", body ? strlen(body) : 0, TRACKER_COMMENT_MAX, &cut)) == NULL)
			break;
		d->n++;
	}
	store_finalize(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return store_fail(t->st, "read comments", e);
	return rc == STORE_ROW || rc == STORE_DONE ? 0 : -1;
}

static int
local_detail(struct tracker *t, const struct tracker_issue *is, struct tracker_detail *d, struct orch_err *e)
{
	struct store_stmt *s;
	const char *desc;
	int rc, cut;

	memset(d, 0, sizeof(*d));
	if (store_prepare(t->st, &s, "SELECT description FROM tracker_issues WHERE id = ?1", e) < 0)
		return -1;
	store_bind_text(s, 1, is->id);
	rc = store_step(s);
	desc = rc == STORE_ROW ? store_column_text(s, 0) : NULL;
	d->description = text_clean(desc ? desc : "", desc ? strlen(desc) : 0, TRACKER_DESC_MAX, &cut);
	store_finalize(s);
	if (rc != STORE_ROW && rc != STORE_DONE)
		return store_fail(t->st, "read the description", e);
	if (d->description == NULL || local_detail_comments(t, is, d, e) < 0) {
		tracker_detail_free(d);
		return e->code ? -1 : err_set(e, EX_SOFTWARE, "out of memory");
	}
	return 0;
}

static int
local_create(struct tracker *t, const char *project, const char *title, const char *state_id,
    struct tracker_issue *out, struct orch_err *e)
{
	struct store_stmt *s;
	char id[40], now[32], why[200];
	int rc;

	/* checked here too: a title that cannot be shown whole must never be stored */
	if (title_check(title, why, sizeof(why)) < 0)
		return err_set(e, EX_USAGE, "%s", why);
	if (known_project(t, project, e) < 0 || tracker_local_seed(t->st, project, e) < 0)
		return -1;
	if (random_hex(id, 16) < 0)
		return err_set(e, EX_SOFTWARE, "cannot make a random issue id");
	time_iso_us(time_now_us(), now);
	/* seq in the same statement: two concurrent creates never share one */
	if (store_prepare(t->st, &s,
		"INSERT INTO tracker_issues(id, project, seq, name, state_id, created_at, updated_at) "
		"SELECT ?1, ?2, COALESCE(MAX(seq), 0) + 1, ?3, ?4, ?5, ?5 FROM tracker_issues WHERE project "
		"= ?2",
		e) < 0)
		return -1;
	store_bind_text(s, 1, id);
	store_bind_text(s, 2, project);
	store_bind_text(s, 3, title);
	store_bind_text(s, 4, state_id);
	store_bind_text(s, 5, now);
	if (store_step_done(t->st, s, "create issue", e) < 0)
		return -1;
	if (store_prepare(t->st, &s, "SELECT " ISSUE_COLS " FROM tracker_issues WHERE id = ?1", e) < 0)
		return -1;
	store_bind_text(s, 1, id);
	rc = store_step(s);
	if (rc == STORE_ROW)
		row_issue(s, out);
	store_finalize(s);
	return rc == STORE_ROW ? 0 : store_fail(t->st, "read created issue", e);
}

static int
local_comments(struct tracker *t, const struct tracker_issue *is, char ***bodies, struct orch_err *e)
{
	struct store_stmt *s;

	if (store_prepare(t->st, &s,
		"SELECT created_at || ' ' || body FROM tracker_comments "
		"WHERE issue_id = ?1 ORDER BY id",
		e) < 0)
		return -1;
	store_bind_text(s, 1, is->id);
	return store_strings(t->st, s, bodies, e);
}

/*
 * Everything issues(full = 0) returned was applied: the newest updated_at
 * not ahead of the present becomes the watermark.  It writes only when the
 * watermark moves up (a quiet tick writes nothing), or replaces one that
 * was in the future (a clock step back: the re-list was the one catch-up).
 */
static int
local_poll_done(struct tracker *t, const char *project, struct orch_err *e)
{
	struct local_poll_mark *m = t->impl;
	struct store_stmt *s;

	if (m == NULL || (m->listed[0] == '\0' && !m->stepped_back))
		return 0; /* nothing listed: nothing to move */
	if (store_prepare(t->st, &s,
		"INSERT INTO local_poll(project, watermark) SELECT ?1, ?2 WHERE ?3 OR ?2 > "
		"COALESCE((SELECT watermark FROM local_poll WHERE project = ?1), '') "
		"ON CONFLICT(project) DO UPDATE SET watermark = excluded.watermark",
		e) < 0)
		return -1;
	store_bind_text(s, 1, project);
	store_bind_text(s, 2, m->listed);
	store_bind_int(s, 3, m->stepped_back);
	return store_step_done(t->st, s, "move the poll watermark", e);
}

static void
local_close(struct tracker *t)
{
	free(t->impl);
	t->impl = NULL;
}

const struct tracker_ops tracker_local_ops = {
	.kind = "local",
	.states = local_states,
	.issues = local_issues,
	.get = local_get,
	.set_state = local_set_state,
	.comment = local_comment,
	.create = local_create,
	.comments = local_comments,
	.detail = local_detail,
	.set_description = local_set_description,
	.set_label = local_set_label,
	.person_comment = local_person_comment,
	.poll_done = local_poll_done,
	.close = local_close,
};

/*
 * orch-status, from the store alone: the name of the state the local tracker holds issue issue_id in, into
 * name (size n).  1, 0 when the local tracker has no such issue, -1 with *e.
 */
int
tracker_local_state_name(struct store *st, const char *issue_id, char *name, size_t n, struct orch_err *e)
{
	struct store_stmt *s;
	int rc;

	/* cached: orch-status asks once per listed task */
	if (store_cached(st, &s,
		"SELECT s.name FROM tracker_issues i JOIN tracker_states s ON s.id = i.state_id "
		"WHERE i.id = ?1",
		e) < 0)
		return -1;
	store_bind_text(s, 1, issue_id);
	if ((rc = store_step(s)) == STORE_ROW)
		str_copy(name, n, store_column_text(s, 0));
	else if (rc != STORE_DONE)
		store_fail(st, "read an issue's state", e);
	store_release(st, s);
	return rc == STORE_ROW ? 1 : rc == STORE_DONE ? 0 : -1;
}
