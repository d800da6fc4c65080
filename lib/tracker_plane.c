/*
 * The Plane tracker backend: Plane's public REST API (facts in
 * shared/reference/plane-api.md) behind struct tracker_ops.
 *
 * - States come from a per-project cache in the store (plane_states) that
 *   lives plane_states_ttl_s (0: never expires); a failed refresh keeps
 *   serving the last good set.
 * - Listing pages with the same per_page (PLANE_PER_PAGE) on every page,
 *   cursor from next_cursor, and stops on next_page_results false, an empty
 *   page or a short page.  work-items/ first, issues/ on a 404.
 * - A cheap listing (orch-poll) orders by -updated_at and stops paging at
 *   the project's watermark minus PLANE_WATERMARK_MARGIN_S; poll_done()
 *   moves the watermark (a write only when it moves).  Instants are
 *   compared, never strings.
 * - Listings remember each item's uuid by sequence (plane_items), so a get
 *   by work item id costs one request.
 * - Any malformed response (not JSON, a wrong envelope, a missing field) is
 *   EX_DATAERR and changes nothing; 401/403 is EX_CONFIG naming the token
 *   settings; unreachable, 5xx after retries and 429 are EX_UNAVAILABLE.
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "config.h"
#include "ctx.h"
#include "err.h"
#include "http.h"
#include "store.h"
#include "tracker.h"
#include "tracker_plane.h"
#include "util.h"
#include "wi.h"

#define PLANE_PER_PAGE 100
#define PLANE_MAX_PAGES 10000
#define PLANE_WATERMARK_MARGIN_S 60
#define ITEM_FIELDS "id,name,sequence_id,state,updated_at"

struct plane {
	const struct project *p;
	const char *items;	/* "work-items", or "issues" on an older server */
	int64_t seen_max_us;
	char seen_max[40];
};

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
		return err_set(e, EX_CONFIG, "tracker plane needs plane_url and plane_workspace in orch.yaml "
		    "(or ORCH_PLANE_URL, ORCH_PLANE_WORKSPACE)");
	if (strncmp(c->plane_url, "https://", 8) != 0 && strncmp(c->plane_url, "http://", 7) != 0)
		return err_set(e, EX_CONFIG, "plane_url '%s' must start with https:// (or http://)", c->plane_url);
	if (str_fmt(base, sizeof(base), "%s%sapi/v1/workspaces/%s", c->plane_url,
	    c->plane_url[strlen(c->plane_url) - 1] == '/' ? "" : "/", c->plane_workspace) < 0)
		return err_set(e, EX_CONFIG, "plane_url is too long");
	if ((token = http_token_load(c->plane_api_token_file, e)) == NULL)
		return -1;
	if ((h = calloc(1, sizeof(*h))) == NULL || http_open(h, base, token, c->http_timeout_s,
	    c->plane_rate_limit_per_min, e) < 0) {
		explicit_bzero(token, strlen(token));
		free(token);
		free(h);
		return h ? -1 : err_set(e, EX_SOFTWARE, "out of memory");
	}
	explicit_bzero(token, strlen(token));
	free(token);
	h->st = t->st;
	t->ctx->http = *out = h;
	return 0;
}

/* A short printable excerpt of a body for messages (never the request). */
static void
excerpt(const struct buf *b, char *out, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < b->len && o + 1 < n && o < 60; i++)
		out[o++] = isprint((unsigned char)b->data[i]) ? b->data[i] : ' ';
	out[o] = '\0';
}

/*
 * One request; *json is the parsed 2xx body.  404 returns -2 (so a caller
 * can fall back) with *e filled; other failures -1.
 */
static int
call(struct tracker *t, const char *method, const char *path, const char *body, cJSON **json,
    struct orch_err *e)
{
	struct http_response r;
	struct http *h;
	char ex[64];
	int rc = -1;

	*json = NULL;
	h = NULL;
	if (client(t, &h, e) < 0 || http_request(h, method, path, body, &r, e) < 0)
		return -1;
	excerpt(&r.body, ex, sizeof(ex));
	if (r.status >= 200 && r.status < 300) {
		if ((*json = cJSON_ParseWithLength(r.body.data ? r.body.data : "", r.body.len)) == NULL)
			err_set(e, EX_DATAERR, "Plane answered %s %s with something that is not JSON ('%s'); "
			    "check plane_url points at the Plane API", method, path, ex);
		else
			rc = 0;
	} else if (r.status == 401) {
		err_set(e, EX_CONFIG, "Plane refused the request (401: no API key); set ORCH_PLANE_API_TOKEN or "
		    "plane_api_token_file");
	} else if (r.status == 403) {
		err_set(e, EX_CONFIG, "Plane rejected the API key (403); check ORCH_PLANE_API_TOKEN or "
		    "plane_api_token_file, and the key's access to workspace '%s'", t->cfg->plane_workspace);
	} else if (r.status == 404) {
		err_set(e, EX_NOINPUT, "Plane has no %s (404); check plane_workspace and plane_project_id", path);
		rc = -2;
	} else if (r.status == 429) {
		err_set(e, EX_UNAVAILABLE, "Plane rate limit hit (429, retry after %lld s); this tick stops using "
		    "the key and the next one goes on", (long long)r.retry_after);
	} else if (r.status >= 300 && r.status < 400) {
		err_set(e, EX_UNAVAILABLE, "Plane redirected %s %s (HTTP %ld); set plane_url to the final address",
		    method, path, r.status);
	} else {
		err_set(e, r.status >= 500 ? EX_UNAVAILABLE : EX_DATAERR, "Plane refused %s %s (HTTP %ld: '%s')",
		    method, path, r.status, ex);
	}
	http_response_free(&r);
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
		err_set(e, EX_DATAERR, "malformed Plane response for %s: no results list in the envelope", what);
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
	return *s && strspn(s, "0123456789abcdefABCDEFghijklmnopqrstuvwxyzGHIJKLMNOPQRSTUVWXYZ-_") == strlen(s);
}

static int
parse_item(const struct project *p, const cJSON *o, struct tracker_issue *is, struct orch_err *e)
{
	const cJSON *seq = cJSON_GetObjectItemCaseSensitive(o, "sequence_id");
	const cJSON *state = cJSON_GetObjectItemCaseSensitive(o, "state");
	const char *id = jstr(o, "id"), *name = jstr(o, "name"), *upd = jstr(o, "updated_at"), *sid;
	int64_t us;

	sid = cJSON_IsObject(state) ? jstr(state, "id") : cJSON_IsString(state) ? state->valuestring : NULL;
	if (!cJSON_IsObject(o) || id == NULL || name == NULL || upd == NULL || sid == NULL ||
	    !cJSON_IsNumber(seq) || seq->valuedouble < 1 || seq->valuedouble > 999999999)
		return err_set(e, EX_DATAERR, "malformed Plane work item: a field of id, name, sequence_id, state, "
		    "updated_at is missing or has the wrong type");
	if (!uuid_like(id) || !uuid_like(sid))	/* both go into request paths */
		return err_set(e, EX_DATAERR, "malformed Plane work item: id '%.40s' or state '%.40s' is not a uuid",
		    id, sid);
	if (time_parse_iso(upd, &us) < 0)
		return err_set(e, EX_DATAERR, "malformed Plane work item %s: updated_at '%.40s' is not a timestamp", id, upd);
	memset(is, 0, sizeof(*is));
	if (str_copy(is->id, sizeof(is->id), id) < 0 || str_copy(is->state_id, sizeof(is->state_id), sid) < 0 ||
	    str_copy(is->updated_at, sizeof(is->updated_at), upd) < 0)
		return err_set(e, EX_DATAERR, "malformed Plane work item: an id or timestamp is too long");
	str_copy(is->name, sizeof(is->name), name);	/* a long title is cut for display only */
	str_copy(is->project, sizeof(is->project), p->key);
	is->seq = (long)seq->valuedouble;
	snprintf(is->work_item, sizeof(is->work_item), "%s-%ld", p->key, is->seq);
	return 0;
}

/* ---- states ---- */

static int
states_cached(struct tracker *t, const char *project, int fresh_only, struct tracker_state **v, size_t *n,
    struct orch_err *e)
{
	sqlite3_stmt *s;
	size_t cap = 8;
	int64_t now = (int64_t)time(NULL), ttl = t->cfg->plane_states_ttl_s;

	*v = NULL;
	*n = 0;
	if (store_prepare(t->st, &s, "SELECT id, name, grp FROM plane_states WHERE project = ?1 AND "
	    "(?2 = 0 OR ?3 = 0 OR fetched_at >= ?4) ORDER BY seq, name", e) < 0)
		return -1;
	sqlite3_bind_text(s, 1, project, -1, SQLITE_STATIC);
	sqlite3_bind_int(s, 2, fresh_only);
	sqlite3_bind_int64(s, 3, ttl);
	sqlite3_bind_int64(s, 4, now - ttl);
	while (sqlite3_step(s) == SQLITE_ROW) {
		if (*v == NULL || *n == cap) {
			struct tracker_state *nv = realloc(*v, (cap *= 2) * sizeof(**v));
			if (nv == NULL) {
				sqlite3_finalize(s);
				free(*v);
				return err_set(e, EX_SOFTWARE, "out of memory");
			}
			*v = nv;
		}
		struct tracker_state *ts = &(*v)[(*n)++];
		memset(ts, 0, sizeof(*ts));
		str_copy(ts->id, sizeof(ts->id), (const char *)sqlite3_column_text(s, 0));
		str_copy(ts->name, sizeof(ts->name), (const char *)sqlite3_column_text(s, 1));
		str_copy(ts->group, sizeof(ts->group), (const char *)sqlite3_column_text(s, 2));
		ts->key = tracker_key_for_name(ts->name);
	}
	sqlite3_finalize(s);
	return 0;
}

static int
states_store(struct tracker *t, const char *project, const cJSON *all, struct orch_err *e)
{
	const cJSON *it;
	sqlite3_stmt *s;
	int64_t now = (int64_t)time(NULL);

	if (store_begin(t->st, e) < 0)
		return -1;
	if (store_prepare(t->st, &s, "DELETE FROM plane_states WHERE project = ?1", e) < 0)
		goto fail;
	sqlite3_bind_text(s, 1, project, -1, SQLITE_STATIC);
	if (store_step_done(t->st, s, "clear state cache", e) < 0)
		goto fail;
	cJSON_ArrayForEach(it, all) {
		const cJSON *seq = cJSON_GetObjectItemCaseSensitive(it, "sequence");
		if (store_prepare(t->st, &s, "INSERT OR REPLACE INTO plane_states(project, id, name, grp, seq, fetched_at) "
		    "VALUES (?1, ?2, ?3, ?4, ?5, ?6)", e) < 0)
			goto fail;
		sqlite3_bind_text(s, 1, project, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, jstr(it, "id"), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 3, jstr(it, "name"), -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 4, jstr(it, "group"), -1, SQLITE_STATIC);
		sqlite3_bind_double(s, 5, cJSON_IsNumber(seq) ? seq->valuedouble : 0);
		sqlite3_bind_int64(s, 6, now);
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
	struct orch_err fe = {0};

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
		fprintf(stderr, "orch: warning: Plane states of %s not refreshed (%s); using the cached set\n",
		    project, fe.msg);
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
	sqlite3_stmt *s;
	int64_t w = 0;

	if (sqlite3_prepare_v2(t->st->db, "SELECT watermark_us FROM plane_poll WHERE project = ?1", -1, &s, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_text(s, 1, project, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		w = sqlite3_column_int64(s, 0);
	sqlite3_finalize(s);
	return w;
}

/* Remember seq -> uuid for get(); existing rows are left alone (no write on a quiet tick). */
static void
remember(struct tracker *t, const struct tracker_issue *v, size_t n)
{
	sqlite3_stmt *s;
	int own = sqlite3_get_autocommit(t->st->db);
	size_t i;

	if (n == 0 || sqlite3_prepare_v2(t->st->db, "INSERT OR IGNORE INTO plane_items(project, seq, id) "
	    "VALUES (?1, ?2, ?3)", -1, &s, NULL) != SQLITE_OK)
		return;
	if (own)
		sqlite3_exec(t->st->db, "BEGIN", NULL, NULL, NULL);
	for (i = 0; i < n; i++) {
		sqlite3_bind_text(s, 1, v[i].project, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 2, v[i].seq);
		sqlite3_bind_text(s, 3, v[i].id, -1, SQLITE_STATIC);
		sqlite3_step(s);
		sqlite3_reset(s);
	}
	sqlite3_finalize(s);
	if (own)
		sqlite3_exec(t->st->db, "COMMIT", NULL, NULL, NULL);	/* a cache: losing it costs a listing */
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

static int
plane_issues(struct tracker *t, const char *project, int full, struct tracker_issue **v, size_t *n,
    struct orch_err *e)
{
	struct plane *pl = t->impl;
	int64_t stop_us = full ? 0 : watermark_of(t, project), us;
	const cJSON *res, *it;
	const char *cursor;
	char path[1024], cur[128] = "";
	size_t cap = 0;
	cJSON *json;
	int page, rc, older = 0;

	*v = NULL;
	*n = 0;
	if (stop_us)
		stop_us -= (int64_t)PLANE_WATERMARK_MARGIN_S * 1000000;
	for (page = 0; page < PLANE_MAX_PAGES && !older; page++) {
		snprintf(path, sizeof(path), "/projects/%s/%s/?per_page=%d&order_by=-updated_at&fields=" ITEM_FIELDS "%s%s",
		    pl->p->plane_project_id, pl->items, PLANE_PER_PAGE, cur[0] ? "&cursor=" : "", cur);
		rc = call(t, "GET", path, NULL, &json, e);
		if (rc == -2 && page == 0 && strcmp(pl->items, "work-items") == 0) {
			pl->items = "issues";	/* a server older than v1.1.0 */
			page--;
			continue;
		}
		if (rc < 0 || (res = results_of(json, "work items", e)) == NULL)
			goto fail;
		cJSON_ArrayForEach(it, res) {
			struct tracker_issue is;
			if (parse_item(pl->p, it, &is, e) < 0)
				goto fail;
			time_parse_iso(is.updated_at, &us);
			if (us > pl->seen_max_us) {
				pl->seen_max_us = us;
				str_copy(pl->seen_max, sizeof(pl->seen_max), is.updated_at);
			}
			if (stop_us && us < stop_us) {
				older = 1;	/* ordered by -updated_at: the rest is older still */
				continue;
			}
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
	remember(t, *v, *n);
	return 0;
fail:
	cJSON_Delete(json);
	free(*v);
	*v = NULL;
	*n = 0;
	return -1;
}

static int
plane_poll_done(struct tracker *t, const char *project, struct orch_err *e)
{
	struct plane *pl = t->impl;
	sqlite3_stmt *s;

	if (pl->seen_max_us == 0 || pl->seen_max_us <= watermark_of(t, project))
		return 0;	/* nothing newer: a quiet tick writes nothing */
	if (store_prepare(t->st, &s, "INSERT INTO plane_poll(project, watermark, watermark_us) VALUES (?1, ?2, ?3) "
	    "ON CONFLICT(project) DO UPDATE SET watermark = ?2, watermark_us = ?3", e) < 0)
		return -1;
	sqlite3_bind_text(s, 1, project, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, pl->seen_max, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 3, pl->seen_max_us);
	return store_step_done(t->st, s, "move the Plane watermark", e);
}

/* The issue uuid of wi: from its task when orch has one, else by listing. */
static int
issue_id_of(struct tracker *t, const char *wi, char id[64], struct orch_err *e)
{
	struct tracker_issue *v = NULL;
	sqlite3_stmt *s;
	size_t n = 0, i;
	const char *dash = strchr(wi, '-');
	long seq = strtol(dash + 1, NULL, 10);	/* wi is valid */
	int found = 0;

	if (sqlite3_prepare_v2(t->st->db, "SELECT issue_id FROM tasks WHERE work_item = ?1 UNION ALL "
	    "SELECT id FROM plane_items WHERE project = ?2 AND seq = ?3", -1, &s, NULL) == SQLITE_OK) {
		sqlite3_bind_text(s, 1, wi, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, ((struct plane *)t->impl)->p->key, -1, SQLITE_STATIC);
		sqlite3_bind_int64(s, 3, seq);
		if (sqlite3_step(s) == SQLITE_ROW)
			found = str_copy(id, 64, (const char *)sqlite3_column_text(s, 0)) == 0;
		sqlite3_finalize(s);
	}
	if (found)
		return 0;
	if (plane_issues(t, ((struct plane *)t->impl)->p->key, 1, &v, &n, e) < 0)
		return -1;
	for (i = 0; i < n && !found; i++)
		if (v[i].seq == seq)
			found = str_copy(id, 64, v[i].id) == 0;
	free(v);
	return found ? 0 : err_set(e, EX_NOINPUT, "work item '%s' does not exist in Plane", wi);
}

static int
item_call(struct tracker *t, const char *method, const char *id, const char *suffix, cJSON *body,
    struct tracker_issue *out, struct orch_err *e)
{
	struct plane *pl = t->impl;
	char path[1024], *text = body ? cJSON_PrintUnformatted(body) : NULL;
	cJSON *json;
	int rc;

	snprintf(path, sizeof(path), "/projects/%s/%s/%s%s", pl->p->plane_project_id, pl->items, id, suffix);
	rc = call(t, method, path, text, &json, e);
	free(text);
	if (rc < 0)
		return -1;
	rc = out ? parse_item(pl->p, json, out, e) : 0;
	cJSON_Delete(json);
	return rc;
}

static int
plane_get(struct tracker *t, const char *wi, struct tracker_issue *out, struct orch_err *e)
{
	char id[64];

	if (!wi_valid(wi))
		return err_set(e, EX_USAGE, "work item '%s' is not of the form ABC-123", wi);
	if (issue_id_of(t, wi, id, e) < 0)
		return -1;
	return item_call(t, "GET", id, "/", NULL, out, e);
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

static int
plane_comment(struct tracker *t, const struct tracker_issue *is, const char *text, struct orch_err *e)
{
	struct buf html;
	cJSON *b;
	int rc;

	buf_init(&html, 256 * 1024);
	buf_puts(&html, "<p>");
	for (; *text; text++) {
		const char *rep = *text == '<' ? "&lt;" : *text == '>' ? "&gt;" : *text == '&' ? "&amp;" :
		    *text == '"' ? "&quot;" : *text == '\n' ? "<br>" : NULL;
		if ((rep ? buf_puts(&html, rep) : buf_append(&html, text, 1)) < 0)
			break;	/* a comment is cut at 256 KiB */
	}
	buf_puts(&html, "</p>");
	b = cJSON_CreateObject();
	cJSON_AddStringToObject(b, "comment_html", buf_str(&html));
	buf_free(&html);
	rc = item_call(t, "POST", is->id, "/comments/", b, NULL, e);
	cJSON_Delete(b);
	return rc;
}

static int
plane_create(struct tracker *t, const char *project, const char *title, const char *state_id,
    struct tracker_issue *out, struct orch_err *e)
{
	struct plane *pl = t->impl;
	char path[1024], *text;
	cJSON *b = cJSON_CreateObject(), *json;
	int rc;

	(void)project;
	cJSON_AddStringToObject(b, "name", title);
	cJSON_AddStringToObject(b, "state", state_id);
	text = cJSON_PrintUnformatted(b);
	cJSON_Delete(b);
	snprintf(path, sizeof(path), "/projects/%s/%s/", pl->p->plane_project_id, pl->items);
	rc = call(t, "POST", path, text, &json, e);
	free(text);
	if (rc < 0)
		return -1;
	rc = parse_item(pl->p, json, out, e);
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
		return err_set(e, EX_CONFIG, "project '%s' uses tracker plane but has no valid plane_project_id "
		    "(the project's uuid) in orch.yaml", p->key);
	if ((pl = calloc(1, sizeof(*pl))) == NULL)
		return err_set(e, EX_SOFTWARE, "out of memory");
	pl->p = p;
	pl->items = "work-items";
	t->impl = pl;
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
	.poll_done = plane_poll_done,
	.close = plane_close,
};

/* ---- the parsers alone (tracker_plane.h) ---- */

int
plane_parse_items(const struct project *p, const char *body, size_t len, struct tracker_issue **v,
    size_t *n, int *more, char *cursor, size_t cn, struct orch_err *e)
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
		if (parse_item(p, it, &is, e) < 0)
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
