/* The osv dependency engine (osv.h): lockfiles at a ref, the OSV API over lib/http.c, the record cache. */
#include "osv.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "config.h"
#include "ctx.h"
#include "cvss.h"
#include "err.h"
#include "git.h"
#include "http.h"
#include "lockfile.h"
#include "scan.h"
#include "store.h"
#include "util.h"

#define OSV_TREE_CAP (64 * BUF_MIB)

static void
note_add(char *note, size_t nn, const char *fmt, const char *a, const char *b)
{
	size_t l = strlen(note);

	if (l + 8 >= nn)
		return;
	snprintf(note + l, nn - l, "%s", l ? "; " : "");
	l = strlen(note);
	snprintf(note + l, nn - l, fmt, a, b);
}

/* 1 when a directory of path is named in the CSV exclude (a name, or a path from the root). */
static int
excluded(const char *path, const char *exclude)
{
	const char *p = exclude;

	while (p && *p) {
		size_t n = strcspn(p, ","), pl = strlen(path);
		const char *q;
		while (n && *p == ' ')
			p++, n--;
		for (q = path; n && q + n < path + pl; q = strchr(q, '/') + 1) {
			if (memcmp(q, p, n) == 0 && q[n] == '/' && (q == path || q[-1] == '/'))
				return 1;
			if (strchr(q, '/') == NULL)
				break;
		}
		p += n;
		p += *p == ',';
	}
	return 0;
}

/* A tree listing's entries: path and blob id of each regular file. */
struct entry {
	const char *path;
	char id[41];
};

static size_t
tree_entries(struct buf *tree, struct entry **out)
{
	char *p = tree->data, *end = tree->data + tree->len;
	size_t n = 0, cap = 0;

	*out = NULL;
	while (p && p < end) {
		char *z = memchr(p, '\0', (size_t)(end - p)),
		     *tab = z ? memchr(p, '\t', (size_t)(z - p)) : NULL;
		if (z == NULL || tab == NULL)
			break;
		/* "<mode> blob <40 hex>\t<path>": symlinks (120000) and submodules are never read */
		if (strncmp(p, "100", 3) == 0 && tab - p >= 52 && memcmp(tab - 46, " blob ", 6) == 0) {
			if (n == cap) {
				struct entry *nv = realloc(*out, (cap = cap ? cap * 2 : 256) * sizeof(*nv));
				if (nv == NULL)
					break;
				*out = nv;
			}
			memcpy((*out)[n].id, tab - 40, 40);
			(*out)[n].id[40] = '\0';
			(*out)[n++].path = tab + 1;
		}
		p = z + 1;
	}
	return n;
}

/* Read and parse the entries want[0..n-1] into s; includes of requirements files go to inc (paths). */
static int
read_parse(const struct git *g, const struct entry *const *want, size_t n, int includes, struct lockset *s,
    char (*inc)[256], size_t *ninc, char *note, size_t nn, struct orch_err *e)
{
	char(*ids)[41] = calloc(n ? n : 1, sizeof(*ids));
	struct buf *b = calloc(n ? n : 1, sizeof(*b));
	size_t i, j;
	int rc = -1;

	if (ids == NULL || b == NULL) {
		err_set(e, EX_SOFTWARE, "out of memory reading lockfiles");
		goto out;
	}
	for (i = 0; i < n; i++) {
		memcpy(ids[i], want[i]->id, 41);
		buf_init(&b[i], LOCK_MAX_TEXT);
	}
	if (n && git_read_blobs(g, (const char(*)[41])ids, n, LOCK_MAX_TEXT, b, e) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		char why[256];
		/* an -r include is a requirements file whatever its name (base.txt) */
		if (lockfile_parse(includes ? LOCK_REQUIREMENTS : lockfile_kind(want[i]->path), want[i]->path,
			buf_str(&b[i]), b[i].len, s, why, sizeof(why)) < 0)
			note_add(note, nn, "%s does not parse: %s", want[i]->path, why);
		for (j = 0; j < s->nincludes && *ninc < 64; j++)
			memcpy(inc[(*ninc)++], s->includes[j], 256);
	}
	rc = 0;
out:
	for (i = 0; b && i < n; i++)
		buf_free(&b[i]);
	free(b);
	free(ids);
	return rc;
}

/* The -r includes (lockfile_kind may say NONE: base.txt), read once each, up to OSV_INCLUDE_DEPTH. */
static int
read_includes(const struct git *g, const struct entry *ent, size_t ne, char (*inc)[256], size_t ninc,
    const struct entry **seen, size_t *nseen, struct lockset *s, char *note, size_t nn, struct orch_err *e)
{
	int depth;

	for (depth = 0; depth < OSV_INCLUDE_DEPTH && ninc; depth++) {
		const struct entry *want[64];
		char next[64][256];
		size_t nw = 0, nnext = 0, i, j, k;
		for (i = 0; i < ninc; i++) {
			for (j = 0; j < ne && strcmp(ent[j].path, inc[i]) != 0; j++)
				;
			for (k = 0; k < *nseen && j < ne && seen[k] != &ent[j]; k++)
				;
			if (j == ne)
				note_add(note, nn, "%s (an -r include) is not committed%s", inc[i], "");
			else if (k == *nseen && nw < 64 && *nseen < OSV_MAX_LOCKFILES)
				want[nw++] = seen[(*nseen)++] = &ent[j];
		}
		if (read_parse(g, want, nw, 1, s, next, &nnext, note, nn, e) < 0)
			return -1;
		memcpy(inc, next, nnext * sizeof(next[0]));
		ninc = nnext;
	}
	return 0;
}

int
osv_collect(const struct git *g, const char *ref, const char *exclude, struct lockset *s, int *files,
    char *note, size_t nn, struct orch_err *e)
{
	const struct entry **want = NULL;
	struct entry *ent = NULL;
	char(*inc)[256] = NULL;
	size_t ne, nw = 0, ninc = 0, i;
	struct buf tree;
	int rc = -1;

	note[0] = '\0';
	*files = 0;
	buf_init(&tree, OSV_TREE_CAP);
	if (git_ls_tree_r(g, ref, &tree, e) < 0)
		goto out;
	ne = tree_entries(&tree, &ent);
	want = calloc(OSV_MAX_LOCKFILES, sizeof(*want));
	inc = calloc(64, sizeof(*inc));
	if (want == NULL || inc == NULL) {
		err_set(e, EX_SOFTWARE, "out of memory listing the lockfiles of '%.80s'", ref);
		goto out;
	}
	for (i = 0; i < ne; i++)
		if (lockfile_kind(ent[i].path) != LOCK_NONE && !excluded(ent[i].path, exclude)) {
			if (nw == OSV_MAX_LOCKFILES) {
				note_add(note, nn,
				    "more than %s lockfiles: the rest (from %s) are not audited", "500",
				    ent[i].path);
				break;
			}
			want[nw++] = &ent[i];
		}
	if (read_parse(g, want, nw, 0, s, inc, &ninc, note, nn, e) < 0 ||
	    read_includes(g, ent, ne, inc, ninc, want, &nw, s, note, nn, e) < 0)
		goto out;
	*files = (int)nw;
	rc = 0;
out:
	free(inc);
	free(want);
	free(ent);
	buf_free(&tree);
	return rc;
}

/* FNV-1a, 64 bits, from h: a change detector, not a security boundary. */
static uint64_t
fnv(uint64_t h, const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return h;
}

int
osv_lockfiles_id(
    const struct git *g, const char *ref, const char *exclude, char *id, size_t n, struct orch_err *e)
{
	uint64_t a = 0xcbf29ce484222325ULL, b = 0x84222325cbf29ce4ULL;
	struct entry *ent = NULL;
	struct buf tree;
	size_t ne, i, found = 0;

	id[0] = '\0';
	buf_init(&tree, OSV_TREE_CAP);
	if (git_ls_tree_r(g, ref, &tree, e) < 0) {
		buf_free(&tree);
		return -1;
	}
	ne = tree_entries(&tree, &ent);
	for (i = 0; i < ne; i++)
		if (lockfile_kind(ent[i].path) != LOCK_NONE && !excluded(ent[i].path, exclude)) {
			a = fnv(fnv(a, ent[i].path, strlen(ent[i].path) + 1), ent[i].id, 40);
			b = fnv(fnv(b, ent[i].id, 40), ent[i].path, strlen(ent[i].path) + 1);
			found++;
		}
	if (found)
		snprintf(id, n, "L%016llx%016llx", (unsigned long long)a, (unsigned long long)b);
	free(ent);
	buf_free(&tree);
	return 0;
}

/* The major version: the digits before the first '.' (after a leading 'v'), -1 when there are none. */
static long
major_of(const char *v)
{
	long m = 0;
	int any = 0;

	if (*v == 'v')
		v++;
	for (; *v >= '0' && *v <= '9' && m < 1000000; v++, any = 1)
		m = m * 10 + (*v - '0');
	return any ? m : -1;
}

void
osv_fix_choice(const char *pin, const char *fixes, char *out, size_t n)
{
	char same[64] = "", any[64] = "";
	const char *p = fixes;

	while (p && *p) {
		size_t l = strcspn(p, ",");
		char v[64];
		snprintf(v, sizeof(v), "%.*s", (int)(l < sizeof(v) ? l : sizeof(v) - 1), p);
		if (v[0] && osv_vercmp(v, pin) > 0) {
			if (!any[0] || osv_vercmp(v, any) < 0)
				str_copy(any, sizeof(any), v);
			if (major_of(v) == major_of(pin) && (!same[0] || osv_vercmp(v, same) < 0))
				str_copy(same, sizeof(same), v);
		}
		p += l;
		p += *p == ',';
	}
	snprintf(out, n, "%s", same[0] ? same : any);
}

/* An advisory id safe in a request path and a report line: letters, digits, '-', '_', '.', ':'. */
static int
id_ok(const char *id)
{
	size_t n = id ? strlen(id) : 0;

	return n > 0 && n < 64 &&
	    strspn(id, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:") == n &&
	    id[0] != '.';
}

static int
hit_add(struct osv_query *q, const char *id, const char *mod)
{
	size_t i;

	for (i = 0; i < q->n; i++)
		if (strcmp(q->v[i].id, id) == 0)
			return 0;
	if (q->n == q->cap) {
		struct osv_hit *nv = realloc(q->v, (q->cap = q->cap ? q->cap * 2 : 4) * sizeof(*nv));
		if (nv == NULL)
			return -1;
		q->v = nv;
	}
	snprintf(q->v[q->n].id, sizeof(q->v[0].id), "%s", id);
	snprintf(q->v[q->n].modified, sizeof(q->v[0].modified), "%s", mod ? mod : "");
	q->n++;
	return 0;
}

/* Check the whole answer first, then append: a bad answer changes nothing. */
static int
batch_check(const cJSON *res, size_t n, char *why, size_t wn)
{
	const cJSON *r, *v;

	if (!cJSON_IsArray(res) || (size_t)cJSON_GetArraySize(res) != n) {
		snprintf(why, wn, "the querybatch answer has no \"results\" array of %zu entries", n);
		return -1;
	}
	cJSON_ArrayForEach(r, res) {
		const cJSON *vulns = cJSON_GetObjectItemCaseSensitive(r, "vulns");
		const cJSON *tok = cJSON_GetObjectItemCaseSensitive(r, "next_page_token");
		if (!cJSON_IsObject(r) || (vulns && !cJSON_IsArray(vulns)) || (tok && !cJSON_IsString(tok)) ||
		    (tok && (strlen(tok->valuestring) >= 512 || strpbrk(tok->valuestring, "\"\\\n")))) {
			snprintf(why, wn,
			    "a querybatch result is not {\"vulns\": [...], \"next_page_token\": \"...\"}");
			return -1;
		}
		cJSON_ArrayForEach(v, vulns)
			if (!id_ok(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "id")))) {
				snprintf(
				    why, wn, "a querybatch result names a vulnerability without a valid id");
				return -1;
			}
	}
	return 0;
}

int
osv_parse_batch(
    const char *json, size_t len, struct osv_query *q, const size_t *idx, size_t n, char *why, size_t wn)
{
	cJSON *j = cJSON_ParseWithLength(json, len);
	const cJSON *res = cJSON_GetObjectItemCaseSensitive(j, "results"), *r, *v;
	size_t i = 0;

	if (batch_check(res, n, why, wn) < 0) {
		cJSON_Delete(j);
		return -1;
	}
	cJSON_ArrayForEach(r, res) {
		struct osv_query *one = &q[idx[i++]];
		const char *tok =
		    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(r, "next_page_token"));
		snprintf(one->token, sizeof(one->token), "%s", tok ? tok : "");
		cJSON_ArrayForEach(v, cJSON_GetObjectItemCaseSensitive(r, "vulns"))
			if (hit_add(one, cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "id")),
				cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(v, "modified"))) < 0) {
				cJSON_Delete(j);
				snprintf(why, wn, "out of memory");
				return -1;
			}
	}
	cJSON_Delete(j);
	return 0;
}

void
osv_queries_free(struct osv_query *q, size_t n)
{
	size_t i;

	for (i = 0; q && i < n; i++)
		free(q[i].v);
	free(q);
}

/* The body of one querybatch: the queries idx[0..n-1], with their page tokens after the first page. */
static char *
batch_body(const struct osv_query *q, const size_t *idx, size_t n)
{
	cJSON *root = cJSON_CreateObject(), *arr = cJSON_AddArrayToObject(root, "queries");
	char *out = NULL;
	size_t i;

	for (i = 0; arr && i < n; i++) {
		const struct osv_query *one = &q[idx[i]];
		cJSON *o = cJSON_CreateObject(), *pk = cJSON_AddObjectToObject(o, "package");
		cJSON_AddItemToArray(arr, o);
		cJSON_AddStringToObject(pk, "name", one->p->name);
		cJSON_AddStringToObject(pk, "ecosystem", one->p->eco);
		cJSON_AddStringToObject(o, "version", one->p->version);
		if (one->token[0])
			cJSON_AddStringToObject(o, "page_token", one->token);
	}
	if (arr)
		out = cJSON_PrintUnformatted(root);
	cJSON_Delete(root);
	return out;
}

/* One POST of the queries idx[0..n-1]: 0, or -1 with why (the audit is degraded). */
static int
batch_send(struct http *h, struct osv_query *q, const size_t *idx, size_t n, char *why, size_t wn)
{
	struct http_response resp;
	struct orch_err e = { 0 };
	char *body = batch_body(q, idx, n), ex[HTTP_EXCERPT_MAX + 1];
	int rc;

	if (body == NULL) {
		snprintf(why, wn, "out of memory building a querybatch");
		return -1;
	}
	rc = http_request(h, "POST", "/v1/querybatch", body, &resp, &e);
	cJSON_free(body);
	if (rc < 0) {
		snprintf(why, wn, "%s", e.msg);
		return -1;
	}
	if (resp.status != 200) {
		http_excerpt(h, &resp.body, ex, sizeof(ex));
		snprintf(why, wn, "OSV answered %ld to POST /v1/querybatch: %s", resp.status, ex);
		rc = -1;
	} else
		rc = osv_parse_batch(buf_str(&resp.body), resp.body.len, q, idx, n, why, wn);
	http_response_free(&resp);
	return rc;
}

/* Every query, page after page: 0, or -1 with why. */
static int
query_all(struct http *h, struct osv_query *q, size_t nq, char *why, size_t wn)
{
	size_t *idx = calloc(nq ? nq : 1, sizeof(*idx)), n, i, off;
	int page, rc = 0;

	if (idx == NULL) {
		snprintf(why, wn, "out of memory");
		return -1;
	}
	for (page = 0; rc == 0; page++) {
		for (n = 0, i = 0; i < nq; i++)
			if (page == 0 || q[i].token[0])
				idx[n++] = i;
		if (n == 0)
			break;
		if (page == OSV_MAX_PAGES) {
			snprintf(why, wn, "OSV still had more pages after %d: the rest was not read",
			    OSV_MAX_PAGES);
			rc = -1;
			break;
		}
		for (off = 0; off < n && rc == 0; off += OSV_BATCH_MAX)
			rc = batch_send(
			    h, q, idx + off, n - off < OSV_BATCH_MAX ? n - off : OSV_BATCH_MAX, why, wn);
	}
	free(idx);
	return rc;
}

/* ---- the record cache (table osv_vulns) ---- */

/* 1 with *text (malloc'd) when id is cached with this modified (any modified when mod is ""), else 0. */
static int
cache_get(struct store *st, const char *id, const char *mod, char **text)
{
	struct orch_err e = { 0 };
	struct store_stmt *s;
	int hit = 0;

	*text = NULL;
	if (!store_is_open(st) ||
	    store_cached(st, &s, "SELECT modified, record FROM osv_vulns WHERE id = ?1", &e) < 0)
		return 0;
	store_bind_text(s, 1, id);
	if (store_step(s) == STORE_ROW && (!*mod || strcmp(store_column_text(s, 0), mod) == 0)) {
		*text = strdup(store_column_text(s, 1));
		hit = *text != NULL;
	}
	store_release(st, s);
	return hit;
}

/* Keep a record; a cache that cannot be written costs a fetch next time, nothing else. */
static void
cache_put(struct store *st, const char *id, const char *mod, const char *text)
{
	struct orch_err e = { 0 };
	struct store_stmt *s;
	char now[32];

	if (!store_is_open(st) ||
	    store_cached(st, &s,
		"INSERT INTO osv_vulns (id, modified, record, fetched_at) VALUES (?1, ?2, ?3, ?4) "
		"ON CONFLICT (id) DO UPDATE SET modified = excluded.modified, record = excluded.record, "
		"fetched_at = excluded.fetched_at",
		&e) < 0)
		return;
	time_iso_us(time_now_us(), now);
	store_bind_text(s, 1, id);
	store_bind_text(s, 2, mod);
	store_bind_text(s, 3, text);
	store_bind_text(s, 4, now);
	if (store_step(s) != STORE_DONE) /* a cache: the record is fetched again next time */
		store_fail(st, "cache an OSV record", NULL);
	store_release(st, s);
}

/* The record of hit: from the cache, else GET /v1/vulns/{id} (then cached).  0 with *text, -1 with why. */
static int
record_get(struct http *h, struct store *st, const struct osv_hit *hit, char **text, int *cached, char *why,
    size_t wn)
{
	struct http_response resp;
	struct orch_err e = { 0 };
	char path[128], ex[HTTP_EXCERPT_MAX + 1];
	cJSON *j;
	const char *mod;

	if (cache_get(st, hit->id, hit->modified, text)) {
		(*cached)++;
		return 0;
	}
	snprintf(path, sizeof(path), "/v1/vulns/%s", hit->id);
	if (http_request(h, "GET", path, NULL, &resp, &e) < 0) {
		snprintf(why, wn, "%s", e.msg);
		return -1;
	}
	j = resp.status == 200 ? cJSON_ParseWithLength(resp.body.data, resp.body.len) : NULL;
	mod = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "modified"));
	if (resp.status != 200 || !cJSON_IsObject(j) || mod == NULL ||
	    !cJSON_IsString(cJSON_GetObjectItemCaseSensitive(j, "id")) ||
	    strcmp(cJSON_GetObjectItemCaseSensitive(j, "id")->valuestring, hit->id) != 0) {
		http_excerpt(h, &resp.body, ex, sizeof(ex));
		snprintf(why, wn, "OSV answered %ld to GET %s, not its record: %s", resp.status, path, ex);
		cJSON_Delete(j);
		http_response_free(&resp);
		return -1;
	}
	cache_put(st, hit->id, hit->modified[0] ? hit->modified : mod, buf_str(&resp.body));
	cJSON_Delete(j);
	*text = buf_detach(&resp.body);
	http_response_free(&resp);
	return *text ? 0 : -1;
}

/* ---- records to findings ---- */

static int
name_eq(const char *eco, const char *a, const char *b)
{
	char na[128], nb[128];

	if (strcmp(eco, "PyPI") != 0)
		return strcmp(a, b) == 0;
	lock_pypi_name(a, strlen(a), na, sizeof(na));
	lock_pypi_name(b, strlen(b), nb, sizeof(nb));
	return strcmp(na, nb) == 0;
}

/* The affected[] entry of the pin's package, or NULL. */
static const cJSON *
affected_of(const cJSON *rec, const char *eco, const char *name, const cJSON *after)
{
	const cJSON *a = after ? after->next
	    : cJSON_GetObjectItemCaseSensitive(rec, "affected")
	    ? cJSON_GetObjectItemCaseSensitive(rec, "affected")->child
	    : NULL;

	for (; a; a = a->next) {
		const cJSON *pk = cJSON_GetObjectItemCaseSensitive(a, "package");
		const char *e = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pk, "ecosystem"));
		const char *n = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(pk, "name"));
		if (e && n && strcmp(e, eco) == 0 && name_eq(eco, n, name))
			return a;
	}
	return NULL;
}

/* The highest CVSS v3 (best[0]) and v4 (best[1]) scores of a severity[] array; *bad4 when a v4 vector is
 * refused. */
static void
cvss_max(const cJSON *sevs, double best[2], int *bad4)
{
	const cJSON *s;

	cJSON_ArrayForEach(s, sevs) {
		const char *type = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "type"));
		const char *vec = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(s, "score"));
		int v4 = type && strcmp(type, "CVSS_V4") == 0;
		char why[80];
		double sc;
		if (type == NULL || (!v4 && strcmp(type, "CVSS_V3") != 0))
			continue;
		if (cvss_score(vec, &sc, why, sizeof(why)) != 0)
			*bad4 |= v4;
		else if (sc > best[v4])
			best[v4] = sc;
	}
}

static int
word_sev(const char *w)
{
	static const char *const words[] = { "LOW", "MEDIUM", "HIGH", "CRITICAL" };
	int i;

	if (w && str_ieq(w, "MODERATE"))
		return SEV_MEDIUM;
	for (i = 0; w && i < 4; i++)
		if (str_ieq(w, words[i]))
			return SEV_LOW + i;
	return -1;
}

/* Severity: the computed CVSS v4 score, else the v3 one, else the database's word, else unknown; with its
 * source. */
static void
record_sev(const cJSON *rec, const char *eco, const char *name, struct dep_finding *f)
{
	const cJSON *a = NULL;
	double best[2] = { -1, -1 };
	int v4 = 0, w, k;

	cvss_max(cJSON_GetObjectItemCaseSensitive(rec, "severity"), best, &v4);
	while ((a = affected_of(rec, eco, name, a)) != NULL)
		cvss_max(cJSON_GetObjectItemCaseSensitive(a, "severity"), best, &v4);
	k = best[1] > 0 ? 1 : 0;
	if (best[k] > 0) {
		f->sev = (enum sev)cvss_rating(best[k]);
		snprintf(f->sev_source, sizeof(f->sev_source), "CVSS_V%d %.1f", k ? 4 : 3, best[k]);
		return;
	}
	w = word_sev(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetObjectItemCaseSensitive(rec, "database_specific"), "severity")));
	while (w < 0 && (a = affected_of(rec, eco, name, a)) != NULL)
		w = word_sev(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(
		    cJSON_GetObjectItemCaseSensitive(a, "database_specific"), "severity")));
	f->sev = w < 0 ? SEV_UNKNOWN : (enum sev)w;
	snprintf(f->sev_source, sizeof(f->sev_source), "%s%s", w >= 0 ? "database_specific" : "none",
	    v4 ? " (CVSS_V4 not computed)" : "");
}

/* Fixed versions of the pin's package from its ranges' events; fixable when one is newer than the pin. */
static void
record_fixes(const cJSON *rec, const char *eco, const char *name, const char *version, struct dep_finding *f)
{
	const cJSON *a = NULL, *rg, *ev;

	while ((a = affected_of(rec, eco, name, a)) != NULL)
		cJSON_ArrayForEach(rg, cJSON_GetObjectItemCaseSensitive(a, "ranges"))
			cJSON_ArrayForEach(ev, cJSON_GetObjectItemCaseSensitive(rg, "events")) {
				const char *fx =
				    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(ev, "fixed"));
				size_t l = strlen(f->fixes);
				if (fx == NULL || *fx == '\0' || strlen(fx) > 60 || strpbrk(fx, ", \n\r\t"))
					continue;
				if (l &&
				    (strstr(f->fixes, fx) !=
					NULL)) /* listed (or a prefix of one: harmless) */
					continue;
				if (l + strlen(fx) + 2 < sizeof(f->fixes))
					snprintf(
					    f->fixes + l, sizeof(f->fixes) - l, "%s%s", l ? "," : "", fx);
				f->fixable |= osv_vercmp(fx, version) > 0;
			}
}

int
osv_parse_record(const char *json, size_t len, const char *eco, const char *name, const char *version,
    struct dep_finding *f, char *why, size_t wn)
{
	cJSON *j = cJSON_ParseWithLength(json, len);
	const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(j, "id"));
	const cJSON *al;

	if (!cJSON_IsObject(j) || !id_ok(id)) {
		snprintf(why, wn, "not an OSV record (no valid \"id\")");
		cJSON_Delete(j);
		return -1;
	}
	if (cJSON_GetObjectItemCaseSensitive(j, "withdrawn")) {
		cJSON_Delete(j);
		return 0;
	}
	memset(f, 0, sizeof(*f));
	snprintf(f->id, sizeof(f->id), "%s", id);
	snprintf(f->eco, sizeof(f->eco), "%s", eco);
	snprintf(f->package, sizeof(f->package), "%s", name);
	snprintf(f->version, sizeof(f->version), "%s", version);
	cJSON_ArrayForEach(al, cJSON_GetObjectItemCaseSensitive(j, "aliases")) {
		size_t l = strlen(f->aliases);
		if (id_ok(cJSON_GetStringValue(al)) && l + strlen(al->valuestring) + 2 < sizeof(f->aliases))
			snprintf(
			    f->aliases + l, sizeof(f->aliases) - l, "%s%s", l ? "," : "", al->valuestring);
	}
	record_sev(j, eco, name, f);
	record_fixes(j, eco, name, version, f);
	cJSON_Delete(j);
	return 1;
}

/* Pre-release words sort before the release they precede; "post" (and anything else) after it. */
static int
pre_word(const char *s, size_t n)
{
	static const char *const w[] = { "a", "alpha", "b", "beta", "c", "rc", "pre", "preview", "dev",
		NULL };
	int i;

	for (i = 0; w[i]; i++)
		if (strlen(w[i]) == n && strncasecmp(s, w[i], n) == 0)
			return 1;
	return 0;
}

int
osv_vercmp(const char *a, const char *b)
{
	a += *a == 'v' || *a == 'V';
	b += *b == 'v' || *b == 'V';
	for (;;) {
		size_t na, nb;
		a += strspn(a, ".-+_~");
		b += strspn(b, ".-+_~");
		if (!*a || !*b) { /* one ran out: a pre-release word after it makes the longer one older */
			const char *rest = *a ? a : b;
			int sign = *a ? 1 : -1;
			if (!*rest)
				return 0;
			na = strspn(rest, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ");
			return pre_word(rest, na) ? -sign : sign;
		}
		if (isdigit((unsigned char)*a) && isdigit((unsigned char)*b)) {
			while (*a == '0' && isdigit((unsigned char)a[1]))
				a++;
			while (*b == '0' && isdigit((unsigned char)b[1]))
				b++;
			na = strspn(a, "0123456789");
			nb = strspn(b, "0123456789");
			if (na != nb)
				return na < nb ? -1 : 1;
			if (strncmp(a, b, na) != 0)
				return strncmp(a, b, na) < 0 ? -1 : 1;
		} else if (isdigit((unsigned char)*a) != isdigit((unsigned char)*b))
			return isdigit((unsigned char)*a) ? 1 : -1; /* a number is newer than a word */
		else {
			int c;
			na = strcspn(a, "0123456789.-+_~");
			nb = strcspn(b, "0123456789.-+_~");
			c = strncasecmp(a, b, na < nb ? na : nb);
			if (c || na != nb)
				return c ? (c < 0 ? -1 : 1) : na < nb ? -1 : 1;
		}
		a += na;
		b += nb;
	}
}

/* ---- the audit ---- */

static int
finding_add(struct deps_result *r, const struct dep_finding *f)
{
	struct dep_finding *nv = realloc(r->v, (r->n + 1) * sizeof(*nv));

	if (nv == NULL)
		return -1;
	r->v = nv;
	r->v[r->n++] = *f;
	return 0;
}

static void
degrade(struct deps_result *r, const char *why)
{
	r->degraded = 1;
	note_add(r->note, sizeof(r->note), "%s%s", why, "");
}

/* The distinct pinned packages as queries; the unpinned ones straight into r as findings. */
static struct osv_query *
queries_of(const struct lockset *s, struct deps_result *r, size_t *nq)
{
	struct osv_query *q = calloc(s->n ? s->n : 1, sizeof(*q));
	size_t i, j;

	*nq = 0;
	for (i = 0; q && i < s->n; i++) {
		const struct lockpkg *p = &s->v[i];
		if (!p->pinned) {
			struct dep_finding f = { .sev = SEV_UNKNOWN, .unpinned = 1, .line = p->line };
			snprintf(f.id, sizeof(f.id), "UNPINNED");
			snprintf(f.package, sizeof(f.package), "%s", p->name);
			snprintf(
			    f.version, sizeof(f.version), "%s", p->version[0] ? p->version : "any version");
			snprintf(f.eco, sizeof(f.eco), "%s", p->eco);
			snprintf(f.file, sizeof(f.file), "%s", p->file);
			snprintf(f.sev_source, sizeof(f.sev_source), "not pinned");
			(void)finding_add(r, &f);
			continue;
		}
		for (j = 0; j < *nq; j++)
			if (strcmp(q[j].p->eco, p->eco) == 0 && strcmp(q[j].p->name, p->name) == 0 &&
			    strcmp(q[j].p->version, p->version) == 0)
				break;
		if (j == *nq)
			q[(*nq)++].p = p;
	}
	return q;
}

/* Step 3 and 4: each query's records (cache or GET) to findings.  0, or -1 with why (degraded). */
static int
findings_of(struct http *h, struct store *st, struct osv_query *q, size_t nq, struct deps_result *r,
    char *why, size_t wn)
{
	size_t i, k;

	for (i = 0; i < nq; i++)
		for (k = 0; k < q[i].n; k++) {
			struct dep_finding f;
			char *text = NULL;
			int rc;
			if (record_get(h, st, &q[i].v[k], &text, &r->cached, why, wn) < 0)
				return -1;
			rc = osv_parse_record(
			    text, strlen(text), q[i].p->eco, q[i].p->name, q[i].p->version, &f, why, wn);
			free(text);
			if (rc < 0)
				return -1;
			if (rc == 0)
				continue; /* withdrawn */
			snprintf(f.file, sizeof(f.file), "%s", q[i].p->file);
			f.line = q[i].p->line;
			if (finding_add(r, &f) < 0) {
				snprintf(why, wn, "out of memory");
				return -1;
			}
		}
	return 0;
}

static int
osv_http(const struct config *cfg, struct store *st, struct http *h, char *why, size_t wn)
{
	struct orch_err e = { 0 };
	const char *u = cfg->security_osv_url;

	if (u == NULL || (strncmp(u, "https://", 8) != 0 && strncmp(u, "http://", 7) != 0)) {
		snprintf(why, wn,
		    "security_osv_url '%.80s' is not an http(s) URL; set it to https://api.osv.dev or a "
		    "mirror",
		    u ? u : "");
		return -1;
	}
	if (http_open(h, u, NULL, cfg->http_timeout_s, cfg->security_osv_budget, &e) < 0) {
		snprintf(why, wn, "%s", e.msg);
		return -1;
	}
	http_identity(h, "OSV", "osv", "security_osv_url", "security_osv_budget", 1);
	h->st = st;
	return 0;
}

int
osv_audit(struct orch_ctx *c, const char *repo, const char *ref, struct deps_result *r, struct orch_err *e)
{
	struct git g = { .dir = repo, .st = c->st };
	struct lockset s = { 0 };
	struct osv_query *q;
	struct http h;
	char why[400] = "";
	size_t nq;

	memset(r, 0, sizeof(*r));
	snprintf(r->engine, sizeof(r->engine), "osv");
	if (osv_collect(
		&g, ref, c->cfg->security_dep_exclude, &s, &r->lockfiles, r->note, sizeof(r->note), e) < 0)
		return -1;
	r->degraded = r->note[0] != '\0';
	if ((q = queries_of(&s, r, &nq)) == NULL) {
		lockset_free(&s);
		return err_set(e, EX_SOFTWARE, "out of memory auditing '%.80s'", ref);
	}
	r->packages = (int)nq;
	r->audited = 1;
	if (r->lockfiles == 0 && !r->degraded)
		snprintf(r->note, sizeof(r->note), "no lockfile at %.200s: nothing to audit", ref);
	if (nq && osv_http(c->cfg, c->st, &h, why, sizeof(why)) == 0) {
		if (query_all(&h, q, nq, why, sizeof(why)) < 0 ||
		    findings_of(&h, c->st, q, nq, r, why, sizeof(why)) < 0)
			r->audited = 0;
		r->requests = h.budget.used;
		http_close(&h);
	} else if (nq)
		r->audited = 0;
	if (!r->audited)
		degrade(r, why);
	osv_queries_free(q, nq);
	lockset_free(&s);
	return 0;
}

int
osv_probe(const struct config *cfg, char *why, size_t wn)
{
	struct http_response resp;
	struct orch_err e = { 0 };
	struct http h;
	int rc;

	if (osv_http(cfg, NULL, &h, why, wn) < 0)
		return -1;
	/* on failure http_request frees the body itself */
	if ((rc = http_request(&h, "POST", "/v1/querybatch", "{\"queries\":[]}", &resp, &e)) < 0)
		snprintf(why, wn, "%s", e.msg);
	else {
		if (resp.status != 200) {
			snprintf(why, wn, "%s answered %ld to POST /v1/querybatch", cfg->security_osv_url,
			    resp.status);
			rc = -1;
		}
		http_response_free(&resp);
	}
	http_close(&h);
	return rc;
}
