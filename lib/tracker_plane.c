/*
 * The Plane tracker backend: Plane's public REST API (facts in
 * shared/reference/plane-api.md) behind struct tracker_ops.
 *
 * - States come from a per-project cache in the store (plane_states) that
 *   lives plane_states_ttl_s (0: never expires); a failed refresh keeps
 *   serving the last good set.
 * - Listing pages with the same per_page (PLANE_PER_PAGE) on every page,
 *   cursor from next_cursor, and stops on next_page_results false, an empty
 *   page or a short page.
 * - Paths: work-items/ (Plane v1.1.0 on) or issues/ (before).  Every call
 *   (list, get, by identifier, PATCH, comment, create) falls back to the
 *   other flavour on a 404 of no route ("Page not found", not "does not
 *   exist"), and the flavour that answered is remembered per server in
 *   plane_servers, so the next run starts on it.
 * - A cheap listing (orch-poll) orders by -updated_at and stops paging at
 *   the project's watermark minus PLANE_WATERMARK_MARGIN_S; poll_done()
 *   moves the watermark (a write only when it moves).  Instants are
 *   compared, never strings.  The watermark is never stored ahead of the
 *   server's present (its Date header plus PLANE_PRESENT_MARGIN_S): an item
 *   stamped in the future is listed again until the present passes it, and
 *   a stored watermark found ahead of the present (the server's clock
 *   stepped back) makes that tick re-list everything once.
 * - Listings remember each item's uuid by sequence (plane_items); a get of
 *   an item orch has not listed is one request by identifier
 *   (workspaces/<slug>/work-items/<KEY>-<seq>/), never a listing.
 * - Creates and comments carry external_source "orch" and a deterministic
 *   external_id, so a POST retried after a lost answer is Plane's 409 with
 *   the existing id, which is success.
 * - Any malformed response (not JSON, a wrong envelope, a missing field) is
 *   EX_DATAERR and changes nothing; 401/403 is EX_CONFIG naming what to fix:
 *   the token (not valid), the role (a write refused: Guest), the
 *   membership or plane_project_id (a read refused), or the key (a lookup
 *   by identifier refused); unreachable, 5xx after retries and 429 are
 *   EX_UNAVAILABLE.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "ctx.h"
#include "err.h"
#include "http.h"
#include "store.h"
#include "text.h"
#include "tracker.h"
#include "tracker_plane.h"
#include "util.h"
#include "wi.h"

#define PLANE_PER_PAGE 100
#define PLANE_MAX_PAGES 10000
#define PLANE_WATERMARK_MARGIN_S 60
#define PLANE_PRESENT_MARGIN_S 2 /* Date has whole seconds and is written after the listed stamps */
#define PLANE_NAME_MAX 255       /* Plane's Issue.name max_length */
/* labels expanded to {id, name, color}: the label "manual" makes every stage of the item manual */
#define ITEM_FIELDS "id,name,sequence_id,state,updated_at,labels&expand=labels"
/* external_source of what orch creates: its comments are told apart by it */
#define PLANE_ORCH_SOURCE "orch"
#define PLANE_COMMENT_PAGES 3 /* newest first: TRACKER_COMMENTS_MAX needs at most 2 pages of 100 */

struct plane {
	const struct project *p;
	int64_t seen_max_us; /* the newest updated_at listed that is not ahead of the server's present */
	char seen_max[40];
	int64_t wm_us;    /* the project's watermark, read once (-1: not yet) */
	int stepped_back; /* the stored watermark was ahead of the server's present: replace it */
	int gone;         /* the last 404 said "does not exist" (not a missing route) */
	int diagnosing;   /* inside forbidden(): no second diagnosis */
};

/* The flavour of paths remembered for this server; -1 when never detected. */
static int
flavour_load(struct store *st, const char *base)
{
	struct store_stmt *s;
	int legacy = -1;

	if (st == NULL ||
	    store_prepare(st, &s, "SELECT items_path FROM plane_servers WHERE base = ?1", NULL) < 0)
		return -1;
	store_bind_text(s, 1, base);
	if (store_step(s) == STORE_ROW)
		legacy = strcmp(store_column_text(s, 0), "issues") == 0;
	store_finalize(s);
	return legacy;
}

/* Remember which paths this server answers (one write, the first time or on a change). */
static void
flavour_store(struct http *h, int legacy)
{
	struct store_stmt *s;

	if (h->legacy_paths == legacy)
		return;
	h->legacy_paths = legacy;
	if (h->st == NULL ||
	    store_prepare(h->st, &s,
		"INSERT INTO plane_servers(base, items_path, detected_at) "
		"VALUES (?1, ?2, ?3) ON CONFLICT(base) DO UPDATE SET items_path = ?2, detected_at = ?3",
		NULL) < 0)
		return;
	store_bind_text(s, 1, h->base);
	store_bind_text(s, 2, legacy ? "issues" : "work-items");
	store_bind_int64(s, 3, (int64_t)time(NULL));
	/* a cache: losing it costs one 404 next run */
	if (store_step_done(h->st, s, "remember the server's paths", NULL) < 0)
		return;
}

static int
client(struct tracker *t, struct http **out, struct orch_err *e)
{
	const struct config *c = t->cfg;
	char base[1024];
	char *token;
	struct http *h;

	if (t->ctx->http) {
		*out = t->ctx->http;
		return 0;
	}
	if (c->plane_url == NULL || c->plane_workspace == NULL)
		return err_set(e, EX_CONFIG,
		    "tracker plane needs plane_url and plane_workspace in orch.yaml "
		    "(or ORCH_PLANE_URL, ORCH_PLANE_WORKSPACE)");
	if (strncmp(c->plane_url, "https://", 8) != 0 && strncmp(c->plane_url, "http://", 7) != 0)
		return err_set(
		    e, EX_CONFIG, "plane_url '%s' must start with https:// (or http://)", c->plane_url);
	if (str_fmt(base, sizeof(base), "%s%sapi/v1/workspaces/%s", c->plane_url,
		c->plane_url[strlen(c->plane_url) - 1] == '/' ? "" : "/", c->plane_workspace) < 0)
		return err_set(e, EX_CONFIG, "plane_url is too long");
	if ((token = http_token_load(c->plane_api_token_file, e)) == NULL)
		return -1;
	if ((h = calloc(1, sizeof(*h))) == NULL ||
	    http_open(h, base, token, c->http_timeout_s, c->plane_rate_limit_per_min, e) < 0) {
		explicit_bzero(token, strlen(token));
		free(token);
		free(h);
		return h ? -1 : err_set(e, EX_SOFTWARE, "out of memory");
	}
	explicit_bzero(token, strlen(token));
	free(token);
	h->st = t->st;
	h->legacy_paths = flavour_load(t->st, base);
	t->ctx->http = *out = h;
	return 0;
}

/* What call() answers besides 0 (a 2xx) and -1 (any other failure). */
enum { PLANE_NOT_FOUND = -2, PLANE_CONFLICT = -3 };

static int call(struct tracker *t, const char *method, const char *path, const char *body, cJSON **json,
    struct orch_err *e);

static int
is_write(const char *method)
{
	return strcmp(method, "GET") != 0;
}

/*
 * Plane's 403 "You do not have permission to perform this action." means
 * one of four things; say which, by the call that failed: a lookup by
 * identifier (the key is not a project identifier the user can see), a
 * write other than a comment (the Guest role: it reads and comments only),
 * or a read (not a member, or a wrong plane_project_id: the project's own
 * endpoint answers 404 for a uuid the workspace does not have).
 */
static int
forbidden(struct tracker *t, const char *method, const char *path, struct orch_err *e)
{
	struct plane *pl = t->impl;
	const struct project *p = pl->p;
	char ppath[512];
	cJSON *json = NULL;
	struct orch_err pe = { 0 };
	int rc;

	if (strncmp(path, "/work-items/", 12) == 0 || strncmp(path, "/issues/", 8) == 0)
		return err_set(e, EX_CONFIG,
		    "Plane refused to look up %s by identifier (403): no project with "
		    "identifier '%s' lets the API key's user in; set key of that project to the Plane "
		    "project's "
		    "identifier (orch doctor checks it)",
		    path, p->key);
	if (is_write(method) && strstr(path, "/comments/") == NULL)
		return err_set(e, EX_CONFIG,
		    "Plane refused %s on project %s (403: no permission to write): the API "
		    "key's user has the Guest role there; give it the Member or Admin role (Plane: Project "
		    "settings, "
		    "Members)",
		    method, p->key);
	if (pl->diagnosing)
		return err_set(e, EX_CONFIG, "Plane refused %s on project %s (403)", method, p->key);
	pl->diagnosing = 1;
	snprintf(ppath, sizeof(ppath), "/projects/%s/", p->plane_project_id);
	rc = call(t, "GET", ppath, NULL, &json, &pe);
	pl->diagnosing = 0;
	cJSON_Delete(json);
	if (rc == PLANE_NOT_FOUND)
		return err_set(e, EX_CONFIG,
		    "plane_project_id '%s' of project %s is not a project of workspace '%s' "
		    "(Plane answers 403 for it); copy the uuid from the project's URL in Plane",
		    p->plane_project_id, p->key, t->cfg->plane_workspace);
	return err_set(e, EX_CONFIG,
	    "the API key's user is not a member of Plane project %s (%s, 403 on %s); "
	    "add it to the project with the Member or Admin role (Plane: Project settings, Members)%s",
	    p->key, p->plane_project_id, method, rc == 0 ? "" : ", or check plane_project_id");
}

/*
 * One request; *json is the parsed 2xx body.  404 returns PLANE_NOT_FOUND
 * (so a caller can fall back) with *e filled and pl->gone set when Plane
 * said the resource does not exist (rather than that no such route
 * exists); 409 returns PLANE_CONFLICT with *json the parsed body (a repeat
 * of an external id); other failures -1.
 */
static int
call(struct tracker *t, const char *method, const char *path, const char *body, cJSON **json,
    struct orch_err *e)
{
	struct plane *pl = t->impl;
	struct http_response r;
	struct http *h;
	char ex[64];
	int rc = -1;

	*json = NULL;
	h = NULL;
	pl->gone = 0;
	if (client(t, &h, e) < 0 || http_request(h, method, path, body, &r, e) < 0)
		return -1;
	http_excerpt(h, &r.body, ex, sizeof(ex)); /* the token masked: a server may echo the request */
	if ((r.status >= 200 && r.status < 300) || r.status == 409) {
		if ((*json = cJSON_ParseWithLength(r.body.data ? r.body.data : "", r.body.len)) == NULL)
			err_set(e, EX_DATAERR,
			    "Plane answered %s %s with something that is not JSON ('%s'); "
			    "check plane_url points at the Plane API",
			    method, path, ex);
		else if (r.status == 409)
			rc = PLANE_CONFLICT,
			err_set(e, EX_DATAERR, "Plane answered %s %s with 409 ('%s')", method, path, ex);
		else
			rc = 0;
	} else if (r.status == 401) {
		err_set(e, EX_CONFIG,
		    "Plane refused the request (401: no API key); set ORCH_PLANE_API_TOKEN or "
		    "plane_api_token_file");
	} else if (r.status == 403 &&
	    memmem(r.body.data ? r.body.data : "", r.body.len, "token is not valid", 18)) {
		err_set(e, EX_CONFIG,
		    "Plane rejected the API key (403); check ORCH_PLANE_API_TOKEN or "
		    "plane_api_token_file, and the key's access to workspace '%s'",
		    t->cfg->plane_workspace);
	} else if (r.status == 403) {
		forbidden(t, method, path, e);
	} else if (r.status == 404) {
		pl->gone = memmem(r.body.data ? r.body.data : "", r.body.len, "does not exist", 14) != NULL;
		err_set(e, EX_NOINPUT, "Plane has no %s (404%s); check plane_workspace and plane_project_id",
		    path, pl->gone ? ": deleted, archived or a draft" : ": no such route");
		rc = PLANE_NOT_FOUND;
	} else if (r.status == 429) {
		if (r.retry_after >= 0)
			err_set(e, EX_UNAVAILABLE,
			    "Plane rate limit hit (429, retry after %lld s); this tick stops "
			    "using the key and the next one goes on",
			    (long long)r.retry_after);
		else
			err_set(e, EX_UNAVAILABLE,
			    "Plane rate limit hit (429, no Retry-After); this tick stops "
			    "using the key and the next one goes on");
	} else if (r.status >= 300 && r.status < 400) {
		err_set(e, EX_UNAVAILABLE,
		    "Plane redirected %s %s (HTTP %ld); set plane_url to the final address", method, path,
		    r.status);
	} else {
		err_set(e, r.status >= 500 ? EX_UNAVAILABLE : EX_DATAERR,
		    "Plane refused %s %s (HTTP %ld: '%s')", method, path, r.status, ex);
	}
	http_response_free(&r);
	return rc;
}

/*
 * A call on an items path: pre + "work-items" or "issues" + post.  A 404 of
 * no route tries the other flavour; whichever answers is remembered.
 */
static int
items_call(struct tracker *t, const char *method, const char *pre, const char *post, const char *body,
    cJSON **json, struct orch_err *e)
{
	struct plane *pl = t->impl;
	struct http *h;
	char path[1024];
	int rc, legacy;

	if (client(t, &h, e) < 0)
		return -1;
	legacy = h->legacy_paths == 1;
	if (str_fmt(path, sizeof(path), "%s%s%s", pre, legacy ? "issues" : "work-items", post) < 0)
		return err_set(e, EX_USAGE, "Plane path for '%.64s' is too long", post);
	rc = call(t, method, path, body, json, e);
	if (rc == PLANE_NOT_FOUND && !pl->gone) {
		struct orch_err first = *e;
		snprintf(path, sizeof(path), "%s%s%s", pre, legacy ? "work-items" : "issues", post);
		rc = call(t, method, path, body, json, e);
		if (rc == PLANE_NOT_FOUND && !pl->gone) {
			*e = first; /* neither route exists: report the first */
			return PLANE_NOT_FOUND;
		}
		legacy = !legacy;
	}
	if (rc == 0 || rc == PLANE_CONFLICT || (rc == PLANE_NOT_FOUND && pl->gone))
		flavour_store(h, legacy); /* this server answers these paths */
	return rc;
}

static const char *
jstr(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);

	return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* results[] of an envelope (or a bare array); NULL with *e when malformed. */
static const cJSON *
results_of(const cJSON *json, const char *what, struct orch_err *e)
{
	const cJSON *r = cJSON_IsArray(json) ? json : cJSON_GetObjectItemCaseSensitive(json, "results");

	if (!cJSON_IsArray(r))
		err_set(
		    e, EX_DATAERR, "malformed Plane response for %s: no results list in the envelope", what);
	return cJSON_IsArray(r) ? r : NULL;
}

/* Whether to fetch another page after this one. */
static int
more_pages(const cJSON *json, const cJSON *results, const char **cursor)
{
	const cJSON *next = cJSON_GetObjectItemCaseSensitive(json, "next_page_results");

	*cursor = jstr(json, "next_cursor");
	return cJSON_IsObject(json) && cJSON_IsTrue(next) && *cursor && cJSON_GetArraySize(results) > 0 &&
	    cJSON_GetArraySize(results) >= PLANE_PER_PAGE;
}

/* Plane's ids are uuids: non-empty letters, digits and '-' (no '/', '.', '?'). */
static int
uuid_like(const char *s)
{
	return *s &&
	    strspn(s, "0123456789abcdefABCDEFghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ-_") == strlen(s);
}

/*
 * 1 when labels (expanded label objects) holds one named "manual"; a server
 * that does not expand them sends ids only, which name nothing here.
 */
static int
has_manual_label(const cJSON *labels)
{
	const cJSON *l;

	if (!cJSON_IsArray(labels))
		return 0;
	cJSON_ArrayForEach(l, labels)
		if (cJSON_IsObject(l) && jstr(l, "name") && str_ieq(jstr(l, "name"), "manual"))
			return 1;
	return 0;
}

static int
parse_item(
    const struct project *p, const cJSON *o, struct tracker_issue *is, int64_t *us_out, struct orch_err *e)
{
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(o, "sequence_id");
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(o, "state");
	const char *id = jstr(o, "id"), *name = jstr(o, "name"), *upd = jstr(o, "updated_at"), *sid;
	int64_t us;

	sid = cJSON_IsObject(state) ? jstr(state, "id") : cJSON_IsString(state) ? state->valuestring : NULL;
	if (!cJSON_IsObject(o) || id == NULL || name == NULL || upd == NULL || sid == NULL ||
	    !cJSON_IsNumber(seq) || seq->valuedouble < 1 || seq->valuedouble > 999999999)
		return err_set(e, EX_DATAERR,
		    "malformed Plane work item: a field of id, name, sequence_id, state, "
		    "updated_at is missing or has the wrong type");
	if (!uuid_like(id) || !uuid_like(sid)) /* both go into request paths */
		return err_set(e, EX_DATAERR,
		    "malformed Plane work item: id '%.40s' or state '%.40s' is not a uuid", id, sid);
	if (time_parse_iso(upd, &us) < 0)
		return err_set(e, EX_DATAERR,
		    "malformed Plane work item %s: updated_at '%.40s' is not a timestamp", id, upd);
	memset(is, 0, sizeof(*is));
	if (str_copy(is->id, sizeof(is->id), id) < 0 ||
	    str_copy(is->state_id, sizeof(is->state_id), sid) < 0 ||
	    str_copy(is->updated_at, sizeof(is->updated_at), upd) < 0)
		return err_set(e, EX_DATAERR, "malformed Plane work item: an id or timestamp is too long");
	str_copy(is->name, sizeof(is->name), name); /* a long title is cut for display only */
	str_copy(is->project, sizeof(is->project), p->key);
	is->seq = (long)seq->valuedouble;
	snprintf(is->work_item, sizeof(is->work_item), "%s-%ld", p->key, is->seq);
	is->manual_label = has_manual_label(cJSON_GetObjectItemCaseSensitive(o, "labels"));
	if (us_out)
		*us_out = us;
	return 0;
}

/* ---- states ---- */

/* A per-project query prepared once per run (kept in the ctx); reset and unbound, ready to bind. */
static struct store_stmt *
run_query(struct tracker *t, int slot, const char *sql, struct orch_err *e)
{
	struct store_stmt **q = &t->ctx->plane_q[slot];

	if (*q) {
		store_reset(*q);
		store_clear_bindings(*q);
		return *q;
	}
	return store_prepare(t->st, q, sql, e) < 0 ? NULL : *q;
}

static int
states_cached(struct tracker *t, const char *project, int fresh_only, struct tracker_state **v, size_t *n,
    struct orch_err *e)
{
	struct store_stmt *s;
	size_t cap = 8;
	int64_t now = (int64_t)time(NULL), ttl = t->cfg->plane_states_ttl_s;

	*v = NULL;
	*n = 0;
	if ((s = run_query(t, CTX_PLANE_STATES,
		 "SELECT id, name, grp FROM plane_states WHERE project = ?1 AND "
		 "(?2 = 0 OR ?3 = 0 OR fetched_at >= ?4) ORDER BY seq, name",
		 e)) == NULL)
		return -1;
	store_bind_text(s, 1, project);
	store_bind_int(s, 2, fresh_only);
	store_bind_int64(s, 3, ttl);
	store_bind_int64(s, 4, now - ttl);
	while (store_step(s) == STORE_ROW) {
		if (*v == NULL || *n == cap) {
			struct tracker_state *nv = realloc(*v, (cap *= 2) * sizeof(**v));
			if (nv == NULL) {
				store_reset(s);
				free(*v);
				return err_set(e, EX_SOFTWARE, "out of memory");
			}
			*v = nv;
		}
		struct tracker_state *ts = &(*v)[(*n)++];
		memset(ts, 0, sizeof(*ts));
		str_copy(ts->id, sizeof(ts->id), store_column_text(s, 0));
		str_copy(ts->name, sizeof(ts->name), store_column_text(s, 1));
		str_copy(ts->group, sizeof(ts->group), store_column_text(s, 2));
		ts->key = tracker_key_for_name(ts->name);
	}
	store_reset(s); /* ends the read; the statement stays prepared for the next project */
	return 0;
}

static int
states_store(struct tracker *t, const char *project, const cJSON *all, struct orch_err *e)
{
	const cJSON *it;
	struct store_stmt *s;
	int64_t now = (int64_t)time(NULL);

	if (store_begin(t->st, e) < 0)
		return -1;
	if (store_prepare(t->st, &s, "DELETE FROM plane_states WHERE project = ?1", e) < 0)
		goto fail;
	store_bind_text(s, 1, project);
	if (store_step_done(t->st, s, "clear state cache", e) < 0)
		goto fail;
	cJSON_ArrayForEach(it, all) {
		const cJSON *seq = cJSON_GetObjectItemCaseSensitive(it, "sequence");
		if (store_prepare(t->st, &s,
			"INSERT INTO plane_states(project, id, name, grp, seq, fetched_at) "
			"VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (project, id) DO UPDATE SET name = "
			"excluded.name, grp = excluded.grp, seq = excluded.seq, fetched_at = "
			"excluded.fetched_at",
			e) < 0)
			goto fail;
		store_bind_text(s, 1, project);
		store_bind_text(s, 2, jstr(it, "id"));
		store_bind_text(s, 3, jstr(it, "name"));
		store_bind_text(s, 4, jstr(it, "group"));
		store_bind_double(s, 5, cJSON_IsNumber(seq) ? seq->valuedouble : 0);
		store_bind_int64(s, 6, now);
		if (store_step_done(t->st, s, "cache state", e) < 0)
			goto fail;
	}
	return store_commit(t->st, e);
fail:
	store_rollback(t->st);
	return -1;
}

static int
states_fetch(struct tracker *t, const char *project, struct orch_err *e)
{
	struct plane *pl = t->impl;
	cJSON *all = cJSON_CreateArray(), *json;
	const cJSON *res, *it;
	const char *cursor = NULL;
	char path[1024], cur[128] = "";
	int page, rc = -1;

	for (page = 0; page < PLANE_MAX_PAGES; page++) {
		snprintf(path, sizeof(path), "/projects/%s/states/?per_page=%d%s%s", pl->p->plane_project_id,
		    PLANE_PER_PAGE, cur[0] ? "&cursor=" : "", cur);
		if (call(t, "GET", path, NULL, &json, e) < 0)
			goto out;
		if ((res = results_of(json, "states", e)) == NULL) {
			cJSON_Delete(json);
			goto out;
		}
		cJSON_ArrayForEach(it, res) {
			const char *g = jstr(it, "group");
			if (jstr(it, "id") == NULL || jstr(it, "name") == NULL || g == NULL) {
				err_set(e, EX_DATAERR, "malformed Plane state: id, name or group missing");
				cJSON_Delete(json);
				goto out;
			}
			cJSON_AddItemToArray(all, cJSON_Duplicate(it, 1));
		}
		if (!more_pages(json, res, &cursor) || strlen(cursor) >= sizeof(cur)) {
			cJSON_Delete(json);
			break;
		}
		str_copy(cur, sizeof(cur), cursor);
		cJSON_Delete(json);
	}
	rc = states_store(t, project, all, e);
out:
	cJSON_Delete(all);
	return rc;
}

static int
plane_states(struct tracker *t, const char *project, struct tracker_state **v, size_t *n, struct orch_err *e)
{
	struct orch_err fe = { 0 };

	if (states_cached(t, project, 1, v, n, e) < 0)
		return -1;
	if (*n > 0)
		return 0;
	free(*v);
	if (states_fetch(t, project, &fe) == 0)
		return states_cached(t, project, 0, v, n, e);
	/* the refresh failed: keep serving the last good set, loudly */
	if (states_cached(t, project, 0, v, n, e) < 0)
		return -1;
	if (*n > 0) {
		err_warn(
		    "warning: Plane states of %s not refreshed (%s); using the cached set", project, fe.msg);
		return 0;
	}
	free(*v);
	*v = NULL;
	*e = fe;
	return -1;
}

/* ---- work items ---- */

static int64_t
watermark_of(struct tracker *t, const char *project)
{
	struct plane *pl = t->impl;
	struct store_stmt *s;
	int64_t w = 0;

	if (pl->wm_us >= 0)
		return pl->wm_us;
	if ((s = run_query(t, CTX_PLANE_WATERMARK, "SELECT watermark_us FROM plane_poll WHERE project = ?1",
		 NULL)) == NULL)
		return 0;
	store_bind_text(s, 1, project);
	if (store_step(s) == STORE_ROW)
		w = store_column_int64(s, 0);
	store_reset(s);
	return pl->wm_us = w;
}

/*
 * Remember seq -> uuid for get(), in one transaction.  Callers pass only
 * items changed after the watermark: an older one was remembered by the
 * poll that moved the watermark past it, so a quiet tick and a repeated
 * full listing touch no row (a lost row costs one lookup by identifier).
 */
static void
remember(struct tracker *t, const struct tracker_issue *v, size_t n)
{
	struct store_stmt *s;
	int own = !store_in_transaction(t->st);
	size_t i;

	if (n == 0 ||
	    store_prepare(t->st, &s,
		"INSERT INTO plane_items(project, seq, id) "
		"VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING",
		NULL) < 0)
		return;
	if (own)
		store_exec(t->st, "BEGIN", NULL);
	for (i = 0; i < n; i++) {
		store_bind_text(s, 1, v[i].project);
		store_bind_int64(s, 2, v[i].seq);
		store_bind_text(s, 3, v[i].id);
		if (store_step(s) !=
		    STORE_DONE) { /* a cache of ids: the next listing fills what is missing */
			store_fail(t->st, "cache the items' ids", NULL);
			break;
		}
		store_reset(s);
	}
	store_finalize(s);
	if (own)
		store_exec(t->st, "COMMIT", NULL); /* a cache: losing it costs a listing */
}

static int
push(struct tracker_issue **v, size_t *n, size_t *cap, const struct tracker_issue *is)
{
	if (*n == *cap) {
		struct tracker_issue *nv = realloc(*v, (*cap = *cap ? *cap * 2 : 64) * sizeof(**v));
		if (nv == NULL)
			return -1;
		*v = nv;
	}
	(*v)[(*n)++] = *is;
	return 0;
}

/* A full listing sizes its array once from the envelope's total (capped), not by doubling. */
static int
reserve(struct tracker_issue **v, size_t *cap, const cJSON *json)
{
	const cJSON *total = cJSON_GetObjectItemCaseSensitive(json, "total_results");
	size_t want;

	if (!cJSON_IsNumber(total) || total->valuedouble < 1)
		return 0;
	want = total->valuedouble > 10000
	    ? 10000
	    : (size_t)total->valuedouble; /* a server cannot make us reserve more */
	if ((*v = malloc(want * sizeof(**v))) == NULL)
		return -1;
	*cap = want;
	return 0;
}

/*
 * "Now" on the server's clock, from the Date of its last answer plus a small
 * margin (the local clock when no answer carried one): a watermark is never
 * stored ahead of it, so an item stamped in the future cannot hide the
 * changes stamped after it in real time.
 */
static int64_t
present_us(struct tracker *t)
{
	int64_t now = t->ctx->http ? http_server_now_us(t->ctx->http) : -1;

	return (now > 0 ? now : time_now_us()) + (int64_t)PLANE_PRESENT_MARGIN_S * 1000000;
}

static int
plane_issues(
    struct tracker *t, const char *project, int full, struct tracker_issue **v, size_t *n, struct orch_err *e)
{
	struct plane *pl = t->impl;
	int64_t stop_us = full ? 0 : watermark_of(t, project), us, present;
	const cJSON *res, *it;
	const char *cursor;
	char pre[512], path[1024], cur[128] = "";
	int64_t wm = watermark_of(t, project);
	size_t cap = 0, fresh = 0;
	cJSON *json = NULL;
	int page, rc, older = 0;

	*v = NULL;
	*n = 0;
	if (stop_us)
		stop_us -= (int64_t)PLANE_WATERMARK_MARGIN_S * 1000000;
	snprintf(pre, sizeof(pre), "/projects/%s/", pl->p->plane_project_id);
	for (page = 0; page < PLANE_MAX_PAGES && !older; page++) {
		snprintf(path, sizeof(path), "/?per_page=%d&order_by=-updated_at&fields=" ITEM_FIELDS "%s%s",
		    PLANE_PER_PAGE, cur[0] ? "&cursor=" : "", cur);
		rc = items_call(t, "GET", pre, path, NULL, &json, e);
		if (rc < 0 || (res = results_of(json, "work items", e)) == NULL)
			goto fail;
		present = present_us(t);
		if (page == 0 && !full && wm > present) {
			/* the watermark is ahead of the server's present (its clock stepped back): re-list
			 * once */
			pl->stepped_back = 1;
			stop_us = wm = 0;
		}
		if (page == 0 && stop_us == 0 && reserve(v, &cap, json) < 0) {
			err_set(e, EX_SOFTWARE, "out of memory listing work items");
			goto fail;
		}
		cJSON_ArrayForEach(it, res) {
			struct tracker_issue is;
			if (parse_item(pl->p, it, &is, &us, e) < 0)
				goto fail;
			if (us > pl->seen_max_us && us <= present) {
				pl->seen_max_us = us;
				str_copy(pl->seen_max, sizeof(pl->seen_max), is.updated_at);
			}
			if (stop_us && us < stop_us) {
				older = 1; /* ordered by -updated_at: the rest is older still */
				continue;
			}
			if (us > wm && fresh == *n)
				fresh++; /* newest first: the changed items are a prefix */
			if (push(v, n, &cap, &is) < 0) {
				err_set(e, EX_SOFTWARE, "out of memory listing work items");
				goto fail;
			}
		}
		if (!more_pages(json, res, &cursor) || strlen(cursor) >= sizeof(cur)) {
			cJSON_Delete(json);
			break;
		}
		str_copy(cur, sizeof(cur), cursor);
		cJSON_Delete(json);
	}
	remember(t, *v, fresh);
	return 0;
fail:
	cJSON_Delete(json);
	free(*v);
	*v = NULL;
	*n = 0;
	return -1;
}

int
plane_rate_limited(struct store *st, const char *project)
{
	struct store_stmt *s;
	int limited = 0;

	if (store_prepare(
		st, &s, "SELECT rate_limited_at IS NOT NULL FROM plane_poll WHERE project = ?1", NULL) < 0)
		return 0;
	store_bind_text(s, 1, project);
	if (store_step(s) == STORE_ROW)
		limited = store_column_int(s, 0);
	store_finalize(s);
	return limited;
}

void
plane_mark_rate_limited(struct store *st, const char *project, int limited)
{
	struct store_stmt *s;

	if (plane_rate_limited(st, project) == limited)
		return;
	if (store_prepare(st, &s,
		"INSERT INTO plane_poll(project, rate_limited_at) VALUES (?1, ?2) "
		"ON CONFLICT(project) DO UPDATE SET rate_limited_at = ?2",
		NULL) < 0)
		return;
	store_bind_text(s, 1, project);
	if (limited)
		store_bind_int64(s, 2, (int64_t)time(NULL));
	else
		store_bind_null(s, 2);
	(void)store_step_done(st, s, "record the rate limit", NULL); /* checked; the next 429 sets it again */
}

static int
plane_poll_done(struct tracker *t, const char *project, struct orch_err *e)
{
	struct plane *pl = t->impl;
	struct store_stmt *s;

	if (!pl->stepped_back && (pl->seen_max_us == 0 || pl->seen_max_us <= watermark_of(t, project)))
		return 0; /* nothing newer: a quiet tick writes nothing */
	if (store_prepare(t->st, &s,
		"INSERT INTO plane_poll(project, watermark, watermark_us) VALUES (?1, ?2, ?3) "
		"ON CONFLICT(project) DO UPDATE SET watermark = ?2, watermark_us = ?3",
		e) < 0)
		return -1;
	store_bind_text(s, 1, project);
	store_bind_text(s, 2, pl->seen_max);
	store_bind_int64(s, 3, pl->seen_max_us);
	if (store_step_done(t->st, s, "move the Plane watermark", e) < 0)
		return -1;
	pl->wm_us = pl->seen_max_us;
	pl->stepped_back = 0;
	return 0;
}

/* The issue uuid of wi when orch knows it (its task, or an earlier listing); 0 found, -1 not. */
static int
issue_id_of(struct tracker *t, const char *wi, long seq, char id[64])
{
	struct store_stmt *s;
	int found = 0;

	if (store_prepare(t->st, &s,
		"SELECT issue_id FROM tasks WHERE work_item = ?1 UNION ALL "
		"SELECT id FROM plane_items WHERE project = ?2 AND seq = ?3",
		NULL) < 0)
		return -1;
	store_bind_text(s, 1, wi);
	store_bind_text(s, 2, ((struct plane *)t->impl)->p->key);
	store_bind_int64(s, 3, seq);
	if (store_step(s) == STORE_ROW)
		found = str_copy(id, 64, store_column_text(s, 0)) == 0;
	store_finalize(s);
	return found ? 0 : -1;
}

/* An item answer: parsed into out, and it must be of this project. */
static int
item_of(struct tracker *t, const cJSON *json, struct tracker_issue *out, struct orch_err *e)
{
	struct plane *pl = t->impl;
	const char *proj = jstr(json, "project");

	if (proj && strcmp(proj, pl->p->plane_project_id) != 0)
		return err_set(e, EX_CONFIG,
		    "a Plane work item with identifier %s-... belongs to project %s, not to "
		    "plane_project_id %s; set key to the Plane project's identifier (orch doctor checks it)",
		    pl->p->key, proj, pl->p->plane_project_id);
	return parse_item(pl->p, json, out, NULL, e);
}

static int
item_call(struct tracker *t, const char *method, const char *id, const char *suffix, cJSON *body,
    struct tracker_issue *out, struct orch_err *e)
{
	struct plane *pl = t->impl;
	char pre[512], post[512], *text = body ? cJSON_PrintUnformatted(body) : NULL;
	cJSON *json;
	int rc;

	snprintf(pre, sizeof(pre), "/projects/%s/", pl->p->plane_project_id);
	snprintf(post, sizeof(post), "/%s%s", id, suffix);
	rc = items_call(t, method, pre, post, text, &json, e);
	free(text);
	if (rc == PLANE_CONFLICT && out == NULL) {
		cJSON_Delete(json); /* a repeat of this external_id: Plane has it already */
		return 0;
	}
	if (rc < 0) {
		cJSON_Delete(json);
		return -1;
	}
	rc = out ? item_of(t, json, out, e) : 0;
	cJSON_Delete(json);
	return rc;
}

/* key percent-encoded for a path (non-ASCII letters are UTF-8 bytes). */
static void
key_path(const char *key, char *out, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0;

	for (; *key && o + 4 < n; key++) {
		unsigned char c = (unsigned char)*key;
		if (c < 0x80) {
			out[o++] = (char)c;
		} else {
			out[o++] = '%';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		}
	}
	out[o] = '\0';
}

/* The oldest servers have no lookup by identifier: a listing finds the item. */
static int
get_by_listing(struct tracker *t, const char *wi, long seq, struct tracker_issue *out, struct orch_err *e)
{
	struct tracker_issue *v = NULL;
	size_t n = 0, i;
	int rc;

	if (plane_issues(t, ((struct plane *)t->impl)->p->key, 1, &v, &n, e) < 0)
		return -1;
	for (i = 0; i < n && v[i].seq != seq; i++)
		;
	rc = i < n ? (*out = v[i], 0) : err_set(e, EX_NOINPUT, "work item '%s' does not exist in Plane", wi);
	free(v);
	return rc;
}

/* One request by identifier: workspaces/<slug>/work-items/<KEY>-<seq>/ (issues/ before v1.1.0). */
static int
get_by_identifier(struct tracker *t, const char *wi, long seq, struct tracker_issue *out, struct orch_err *e)
{
	struct plane *pl = t->impl;
	char key[64], post[128];
	cJSON *json;
	int rc;

	key_path(pl->p->key, key, sizeof(key));
	snprintf(post, sizeof(post), "/%s-%ld/", key, seq);
	rc = items_call(t, "GET", "/", post, NULL, &json, e);
	if (rc == PLANE_NOT_FOUND && !pl->gone)
		return get_by_listing(t, wi, seq, out, e); /* a server from before 2024-04 (PR #4170) */
	if (rc == PLANE_NOT_FOUND && pl->gone)
		err_set(
		    e, EX_NOINPUT, "work item '%s' does not exist in Plane (or is archived or a draft)", wi);
	if (rc < 0) {
		cJSON_Delete(json);
		return -1;
	}
	rc = item_of(t, json, out, e);
	cJSON_Delete(json);
	if (rc == 0)
		remember(t, out, 1);
	return rc;
}

static int
plane_get(struct tracker *t, const char *wi, struct tracker_issue *out, struct orch_err *e)
{
	char id[64];
	long seq;

	if (!wi_valid(wi))
		return err_set(e, EX_USAGE, "work item '%s' is not " WI_FORM, wi);
	seq = strtol(strchr(wi, '-') + 1, NULL, 10); /* wi is valid */
	if (issue_id_of(t, wi, seq, id) < 0)
		return get_by_identifier(t, wi, seq, out, e);
	if (item_call(t, "GET", id, "/", NULL, out, e) < 0) {
		if (((struct plane *)t->impl)->gone)
			err_set(e, EX_NOINPUT,
			    "work item '%s' does not exist in Plane (or is archived or a draft)", wi);
		return -1;
	}
	return 0;
}

static int
plane_set_state(struct tracker *t, struct tracker_issue *is, const char *state_id, struct orch_err *e)
{
	cJSON *b = cJSON_CreateObject();
	int rc;

	cJSON_AddStringToObject(b, "state", state_id);
	rc = item_call(t, "PATCH", is->id, "/", b, is, e);
	cJSON_Delete(b);
	return rc;
}

/* FNV-1a, 64 bits: a short stable digest for external ids (not security). */
static uint64_t
fnv64(uint64_t h, const char *s)
{
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return (h ^ 0xff) * 0x100000001b3ULL; /* a separator between parts */
}

/*
 * A comment's external_id: the work item, the last event orch recorded for
 * it (the transition the comment reports) and a digest of the text.  The
 * same comment for the same event is the same id, on a retry and on a
 * re-run alike.
 */
static void
comment_external_id(struct tracker *t, const struct tracker_issue *is, const char *text, char *out, size_t n)
{
	struct store_stmt *s;
	int64_t ev = 0;

	if (store_prepare(t->st, &s, "SELECT max(id) FROM events WHERE work_item = ?1", NULL) == 0) {
		store_bind_text(s, 1, is->work_item);
		if (store_step(s) == STORE_ROW)
			ev = store_column_int64(s, 0);
		store_finalize(s);
	}
	snprintf(out, n, "orch:%s:e%lld:%016llx", is->id, (long long)ev,
	    (unsigned long long)fnv64(0xcbf29ce484222325ULL, text));
}

/* A comment as Plane stores it; source "orch" marks orch's own (tracker_detail's by_orch). */
static int
post_comment(struct tracker *t, const struct tracker_issue *is, const char *text, const char *source,
    struct orch_err *e)
{
	struct buf html;
	char ext[160];
	cJSON *b;
	int rc;

	buf_init(&html, 256 * 1024);
	buf_add(&html, "<p>");
	for (; *text; text++) {
		const char *rep = *text == '<' ? "&lt;"
		    : *text == '>'             ? "&gt;"
		    : *text == '&'             ? "&amp;"
		    : *text == '"'             ? "&quot;"
		    : *text == '\n'            ? "<br>"
					       : NULL;
		if ((rep ? buf_puts(&html, rep) : buf_append(&html, text, 1)) < 0)
			break; /* a comment is cut at 256 KiB */
	}
	buf_add(&html, "</p>");
	comment_external_id(t, is, buf_str(&html), ext, sizeof(ext));
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "comment_html", buf_str(&html));
	cJSON_AddStringToObject(b, "external_source", source);
	cJSON_AddStringToObject(b, "external_id", ext);
	buf_free(&html);
	rc = item_call(t, "POST", is->id, "/comments/", b, NULL, e);
	cJSON_Delete(b);
	return rc;
}

static int
plane_comment(struct tracker *t, const struct tracker_issue *is, const char *text, struct orch_err *e)
{
	return post_comment(t, is, text, PLANE_ORCH_SOURCE, e);
}

/* orch-issue comment: a person's words, posted with the API key but not marked as orch's own. */
static int
plane_person_comment(struct tracker *t, const struct tracker_issue *is, const char *text, struct orch_err *e)
{
	return post_comment(t, is, text, "orch-issue", e);
}

/* Characters (code points) of UTF-8 text, as Plane counts a name's length. */
static size_t
utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n;
}

static int
plane_create(struct tracker *t, const char *project, const char *title, const char *state_id,
    struct tracker_issue *out, struct orch_err *e)
{
	struct plane *pl = t->impl;
	char pre[512], ext[64], *text;
	const char *dup;
	cJSON *b = cJSON_CreateObject(), *json;
	int rc;

	(void)project;
	if (utf8_chars(title) > PLANE_NAME_MAX) {
		cJSON_Delete(b);
		return err_set(e, EX_USAGE, "title is %zu characters; Plane allows at most %d: shorten it",
		    utf8_chars(title), PLANE_NAME_MAX);
	}
	/* the same title in the same project is the same create: a retry, or a re-run, never a duplicate */
	snprintf(ext, sizeof(ext), "orch:create:%016llx",
	    (unsigned long long)fnv64(fnv64(0xcbf29ce484222325ULL, pl->p->plane_project_id), title));
	cJSON_AddStringToObject(b, "name", title);
	cJSON_AddStringToObject(b, "state", state_id);
	cJSON_AddStringToObject(b, "external_source", "orch");
	cJSON_AddStringToObject(b, "external_id", ext);
	text = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	snprintf(pre, sizeof(pre), "/projects/%s/", pl->p->plane_project_id);
	rc = items_call(t, "POST", pre, "/", text, &json, e);
	free(text);
	if (rc == PLANE_CONFLICT && (dup = jstr(json, "id")) != NULL && strlen(dup) < 64) {
		char id[64];
		str_copy(id, sizeof(id), dup); /* Plane has it: the answer to an earlier try was lost */
		cJSON_Delete(json);
		return item_call(t, "GET", id, "/", NULL, out, e);
	}
	if (rc < 0) {
		cJSON_Delete(json);
		return -1;
	}
	rc = item_of(t, json, out, e);
	cJSON_Delete(json);
	return rc;
}

/* For orch doctor: the Plane project's identifier (GET .../projects/<uuid>/). */
int
tracker_plane_identifier(struct tracker *t, char *out, size_t n, struct orch_err *e)
{
	struct plane *pl = t->impl;
	char path[512];
	const char *id;
	cJSON *json;
	int rc;

	snprintf(path, sizeof(path), "/projects/%s/", pl->p->plane_project_id);
	if ((rc = call(t, "GET", path, NULL, &json, e)) == PLANE_NOT_FOUND)
		err_set(e, EX_CONFIG,
		    "plane_project_id '%s' of project %s is not a project of workspace '%s'; copy the "
		    "uuid from the project's URL in Plane",
		    pl->p->plane_project_id, pl->p->key, t->cfg->plane_workspace);
	if (rc < 0) {
		cJSON_Delete(json);
		return -1;
	}
	rc = (id = jstr(json, "identifier")) == NULL || str_copy(out, n, id) < 0
	    ? err_set(e, EX_DATAERR, "malformed Plane project %s: no identifier", pl->p->plane_project_id)
	    : 0;
	cJSON_Delete(json);
	return rc;
}

static void
plane_close(struct tracker *t)
{
	free(t->impl);
	t->impl = NULL;
}

int
tracker_plane_open(struct tracker *t, const struct project *p, struct orch_err *e)
{
	struct plane *pl;

	if (p->plane_project_id == NULL || *p->plane_project_id == '\0' || strchr(p->plane_project_id, '/') ||
	    strchr(p->plane_project_id, '?'))
		return err_set(e, EX_CONFIG,
		    "project '%s' uses tracker plane but has no valid plane_project_id "
		    "(the project's uuid) in orch.yaml",
		    p->key);
	if ((pl = calloc(1, sizeof(*pl))) == NULL)
		return err_set(e, EX_SOFTWARE, "out of memory");
	pl->p = p;
	pl->wm_us = -1;
	t->impl = pl;
	return 0;
}

/* ---- the issue's body and conversation (tracker_detail) ---- */

/*
 * Plain text of a description or comment: the HTML converted (text.h: it
 * keeps paragraphs and lists), else the stripped field Plane may send.
 * HTML that is not what Plane writes, with nothing stripped beside it, is
 * a note saying so, never guessed at.  NULL out of memory.
 */
static char *
plain_of(const cJSON *o, const char *stripped, const char *html, size_t max)
{
	const char *st = jstr(o, stripped), *h = jstr(o, html);
	char why[160] = "", note[256], *out;
	int cut;

	if (h && text_from_html(h, strlen(h), max, &out, &cut, why, sizeof(why)) == 0)
		return out;
	if (st || h == NULL)
		return text_clean(st ? st : "", st ? strlen(st) : 0, max, &cut);
	snprintf(note, sizeof(note), "(orch could not read this text: %s; read it in Plane)", why);
	return text_clean(note, strlen(note), max, &cut);
}

/* One comment of a listing into c: 0, -1 with *e (malformed). */
static int
parse_comment(const cJSON *o, struct tracker_comment *c, struct orch_err *e)
{
	const char *at = jstr(o, "created_at"), *src = jstr(o, "external_source");
	int64_t us;

	if (!cJSON_IsObject(o) || at == NULL || time_parse_iso(at, &us) < 0 || strlen(at) >= sizeof(c->at))
		return err_set(
		    e, EX_DATAERR, "malformed Plane comment: created_at is missing or not a timestamp");
	if (jstr(o, "comment_html") == NULL && jstr(o, "comment_stripped") == NULL)
		return err_set(
		    e, EX_DATAERR, "malformed Plane comment: neither comment_html nor comment_stripped");
	str_copy(c->at, sizeof(c->at), at);
	c->by_orch = src && strcmp(src, PLANE_ORCH_SOURCE) == 0;
	if ((c->text = plain_of(o, "comment_stripped", "comment_html", TRACKER_COMMENT_MAX)) == NULL)
		return err_set(e, EX_SOFTWARE, "out of memory reading comments");
	return 0;
}

static int
older_first(const void *a, const void *b)
{
	int64_t x = 0, y = 0;

	time_parse_iso(((const struct tracker_comment *)a)->at, &x); /* parsed when listed */
	time_parse_iso(((const struct tracker_comment *)b)->at, &y);
	return x < y ? -1 : x > y;
}

/* The newest TRACKER_COMMENTS_MAX comments (listed newest first, PLANE_COMMENT_PAGES at most), oldest first.
 */
static int
plane_detail_comments(
    struct tracker *t, const struct tracker_issue *is, struct tracker_detail *d, struct orch_err *e)
{
	struct plane *pl = t->impl;
	char pre[512], post[512], cursor[64] = "";
	const cJSON *res, *it;
	const char *cur;
	cJSON *json;
	int page, more = 1;

	if ((d->comments = calloc(TRACKER_COMMENTS_MAX, sizeof(*d->comments))) == NULL)
		return err_set(e, EX_SOFTWARE, "out of memory reading comments");
	snprintf(pre, sizeof(pre), "/projects/%s/", pl->p->plane_project_id);
	for (page = 0; more && page < PLANE_COMMENT_PAGES && d->n < TRACKER_COMMENTS_MAX; page++) {
		snprintf(post, sizeof(post), "/%s/comments/?per_page=%d&order_by=-created_at%s%s", is->id,
		    PLANE_PER_PAGE, cursor[0] ? "&cursor=" : "", cursor);
		if (items_call(t, "GET", pre, post, NULL, &json, e) < 0 ||
		    (res = results_of(json, "comments", e)) == NULL) {
			cJSON_Delete(json);
			return -1;
		}
		cJSON_ArrayForEach(it, res) {
			if (d->n == TRACKER_COMMENTS_MAX) {
				d->cut = 1;
				break;
			}
			if (parse_comment(it, &d->comments[d->n], e) < 0) {
				cJSON_Delete(json);
				return -1;
			}
			d->n++;
		}
		more = more_pages(json, res, &cur) && str_copy(cursor, sizeof(cursor), cur) == 0 &&
		    strspn(cursor, "0123456789:-") == strlen(cursor);
		cJSON_Delete(json);
	}
	d->cut |= more;
	qsort(d->comments, d->n, sizeof(*d->comments), older_first);
	return 0;
}

/* GET the item (its description) and its comments: 2 requests, more for a long conversation. */
static int
plane_detail(struct tracker *t, const struct tracker_issue *is, struct tracker_detail *d, struct orch_err *e)
{
	struct plane *pl = t->impl;
	char pre[512], post[128];
	cJSON *json;

	memset(d, 0, sizeof(*d));
	if (!uuid_like(is->id))
		return err_set(e, EX_DATAERR, "Plane work item id '%.40s' is not a uuid", is->id);
	snprintf(pre, sizeof(pre), "/projects/%s/", pl->p->plane_project_id);
	snprintf(post, sizeof(post), "/%s/", is->id);
	if (items_call(t, "GET", pre, post, NULL, &json, e) < 0) {
		cJSON_Delete(json);
		return -1;
	}
	d->description = cJSON_IsObject(json)
	    ? plain_of(json, "description_stripped", "description_html", TRACKER_DESC_MAX)
	    : NULL;
	cJSON_Delete(json);
	if (d->description == NULL) {
		tracker_detail_free(d);
		return err_set(
		    e, EX_DATAERR, "malformed Plane work item %s: not an object, or out of memory", is->id);
	}
	if (plane_detail_comments(t, is, d, e) < 0) {
		tracker_detail_free(d);
		return -1;
	}
	return 0;
}

const struct tracker_ops tracker_plane_ops = {
	.kind = "plane",
	.states = plane_states,
	.issues = plane_issues,
	.get = plane_get,
	.set_state = plane_set_state,
	.comment = plane_comment,
	.create = plane_create,
	.comments = NULL,
	.detail = plane_detail,
	.person_comment = plane_person_comment,
	.poll_done = plane_poll_done,
	.close = plane_close,
};

/* ---- the parsers alone (tracker_plane.h) ---- */

int
plane_parse_items(const struct project *p, const char *body, size_t len, struct tracker_issue **v, size_t *n,
    int *more, char *cursor, size_t cn, struct orch_err *e)
{
	cJSON *json = cJSON_ParseWithLength(body, len);
	const cJSON *res, *it;
	const char *cur;
	size_t cap = 0;

	*v = NULL;
	*n = 0;
	*more = 0;
	if (json == NULL)
		return err_set(e, EX_DATAERR, "Plane answered with something that is not JSON");
	if ((res = results_of(json, "work items", e)) == NULL)
		goto fail;
	cJSON_ArrayForEach(it, res) {
		struct tracker_issue is;
		if (parse_item(p, it, &is, NULL, e) < 0)
			goto fail;
		if (push(v, n, &cap, &is) < 0) {
			err_set(e, EX_SOFTWARE, "out of memory listing work items");
			goto fail;
		}
	}
	*more = more_pages(json, res, &cur) && str_copy(cursor, cn, cur) == 0;
	cJSON_Delete(json);
	return 0;
fail:
	cJSON_Delete(json);
	free(*v);
	*v = NULL;
	*n = 0;
	return -1;
}

int
plane_parse_states(const char *body, size_t len, size_t *n, struct orch_err *e)
{
	cJSON *json = cJSON_ParseWithLength(body, len);
	const cJSON *res, *it;

	*n = 0;
	if (json == NULL)
		return err_set(e, EX_DATAERR, "Plane answered with something that is not JSON");
	if ((res = results_of(json, "states", e)) == NULL) {
		cJSON_Delete(json);
		return -1;
	}
	cJSON_ArrayForEach(it, res) {
		if (jstr(it, "id") == NULL || jstr(it, "name") == NULL || jstr(it, "group") == NULL) {
			cJSON_Delete(json);
			*n = 0;
			return err_set(e, EX_DATAERR, "malformed Plane state: id, name or group missing");
		}
		(*n)++;
	}
	cJSON_Delete(json);
	return 0;
}
