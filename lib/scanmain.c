#include "scanmain.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "config.h"
#include "ctx.h"
#include "err.h"
#include "git.h"
#include "notify.h"
#include "proc.h"
#include "scan.h"
#include "store.h"
#include "util.h"

struct chunk {
	char from[41], to[41];	/* from "" with single: the commit to alone */
	int single;
	const char *result;
	int findings;
};

static int
anchor_get(struct store *st, const char *project, const char *branch, char sha[41])
{
	sqlite3_stmt *s;
	int found = 0;

	if (store_prepare(st, &s, "SELECT sha FROM scan_anchors WHERE project = ?1 AND branch = ?2", NULL) < 0)
		return 0;
	sqlite3_bind_text(s, 1, project, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, branch, -1, SQLITE_STATIC);
	if (sqlite3_step(s) == SQLITE_ROW)
		found = str_copy(sha, 41, (const char *)sqlite3_column_text(s, 0)) == 0;
	sqlite3_finalize(s);
	return found;
}

static int
anchor_set(struct store *st, const char *project, const char *branch, const char *sha, const char *status,
    struct orch_err *e)
{
	sqlite3_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s, "INSERT INTO scan_anchors(project, branch, sha, last_status, last_run) "
	    "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(project, branch) DO UPDATE SET sha = ?3, last_status = ?4, "
	    "last_run = ?5", e) < 0)
		return -1;
	sqlite3_bind_text(s, 1, project, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, branch, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, sha, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, status, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, now, -1, SQLITE_STATIC);
	return store_step_done(st, s, "record the scan anchor", e);
}

/* Record a finding and alert it, once per fingerprint; 1 new, 0 known, -1 error. */
static int
finding_once(struct store *st, const char *project, const struct secret_finding *f, struct orch_err *e)
{
	sqlite3_stmt *s;
	char now[32], msg[900];
	int isnew;

	time_iso_us(time_now_us(), now);
	if (store_begin(st, e) < 0)
		return -1;
	if (store_prepare(st, &s, "INSERT OR IGNORE INTO scan_findings(fingerprint, project, rule, file, commit_sha, "
	    "line, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)", e) < 0)
		goto fail;
	sqlite3_bind_text(s, 1, f->fingerprint, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 2, project, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 3, f->rule, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 4, f->file, -1, SQLITE_STATIC);
	sqlite3_bind_text(s, 5, f->commit, -1, SQLITE_STATIC);
	sqlite3_bind_int64(s, 6, f->line);
	sqlite3_bind_text(s, 7, now, -1, SQLITE_STATIC);
	if (store_step_done(st, s, "record a finding", e) < 0)
		goto fail;
	isnew = sqlite3_changes(st->db) == 1;
	snprintf(msg, sizeof(msg), "secret on main of %s: %s in '%s' line %ld, commit %.12s (secret %s); rotate it, "
	    "then remove it", project, f->rule, f->file, f->line, f->commit, f->masked);
	if (isnew && notify_queue(st, "alert", NULL, msg, e) < 0)
		goto fail;
	return store_commit(st, e) < 0 ? -1 : isnew;
fail:
	store_rollback(st);
	return -1;
}

static int
rev_list(struct git *g, const char *from, const char *to, const char *since, char ***out, struct orch_err *e)
{
	char range[100], sincearg[80];
	const char *argv[8];
	struct proc_result r;
	char *p, *nl, **v;
	size_t n = 0, cap = 16;
	int k = 0;

	argv[k++] = "rev-list";
	argv[k++] = "--reverse";
	if (since) {
		snprintf(sincearg, sizeof(sincearg), "--since=%s", since);
		argv[k++] = sincearg;
	}
	if (from)
		snprintf(range, sizeof(range), "%s..%s", from, to);
	argv[k++] = from ? range : to;
	argv[k] = NULL;
	git_run(g, argv, &r);
	if (r.status != PROC_OK) {
		proc_describe(&r, range, sizeof(range));
		proc_result_free(&r);
		return err_set(e, EX_UNAVAILABLE, "git rev-list %s", range);
	}
	v = calloc(cap, sizeof(*v));
	for (p = r.out.data; v && p && *p; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL)
			break;
		*nl = '\0';
		if (n + 2 > cap) {
			char **nv = realloc(v, (cap *= 2) * sizeof(*v));
			if (nv == NULL)
				break;
			v = nv;
		}
		v[n++] = strdup(p);
		v[n] = NULL;
	}
	proc_result_free(&r);
	if (v == NULL)
		return err_set(e, EX_SOFTWARE, "out of memory");
	*out = v;
	return 0;
}

/* The parent of sha, or "" for a root commit. */
static void
parent_of(struct git *g, const char *sha, char out[41])
{
	char spec[64];

	snprintf(spec, sizeof(spec), "%s^", sha);
	if (git_rev_parse(g, spec, out, NULL) < 0)
		out[0] = '\0';
}

/* Plan the chunks of window[0..n) whose base (exclusive) is base ("" = the first commit's parent). */
static size_t
plan(struct orch_ctx *c, struct git *g, char **window, size_t n, const char *base, struct chunk **out,
    char *strategy, size_t sn)
{
	size_t size, i, k = 0;
	struct chunk *v = calloc(n + 2, sizeof(*v));
	char from[41];

	if (n == 0 || v == NULL) {
		free(v);
		*out = NULL;
		snprintf(strategy, sn, "none");
		return 0;
	}
	if (base[0])
		snprintf(from, sizeof(from), "%s", base);
	else
		parent_of(g, window[0], from);
	size = n <= (size_t)c->cfg->scan_single_max ? n : n <= (size_t)c->cfg->scan_chunked_max ?
	    (size_t)c->cfg->scan_chunk_size : 1;
	snprintf(strategy, sn, "%s", size == n ? "single" : size == 1 ? "per_commit" : "chunked");
	i = 0;
	if (from[0] == '\0') {	/* a root commit: scanned on its own */
		snprintf(v[k].to, sizeof(v[k].to), "%s", window[0]);
		v[k++].single = 1;
		snprintf(from, sizeof(from), "%s", window[0]);
		i = 1;
	}
	for (; i < n; i += size) {
		size_t last = i + size - 1 < n ? i + size - 1 : n - 1;
		snprintf(v[k].from, sizeof(v[k].from), "%s", from);
		snprintf(v[k].to, sizeof(v[k].to), "%s", window[last]);
		snprintf(from, sizeof(from), "%s", window[last]);
		k++;
	}
	*out = v;
	return k;
}

static void
write_record(struct orch_ctx *c, const char *run_id, struct scan_main_result *r, const char *branch,
    const struct chunk *ch, size_t nch)
{
	cJSON *o = cJSON_CreateObject(), *w, *arr;
	char dir[4200], *text;
	struct orch_err e = {0};
	size_t i;

	cJSON_AddStringToObject(o, "run_id", run_id);
	cJSON_AddStringToObject(o, "project", r->project);
	cJSON_AddStringToObject(o, "branch", branch);
	w = cJSON_AddObjectToObject(o, "window");
	cJSON_AddStringToObject(w, "from", r->anchor_before);
	cJSON_AddStringToObject(w, "to", r->head);
	cJSON_AddNumberToObject(w, "commits", r->commits);
	cJSON_AddStringToObject(o, "strategy", r->strategy);
	arr = cJSON_AddArrayToObject(o, "chunks");
	for (i = 0; i < nch; i++) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "from", ch[i].from);
		cJSON_AddStringToObject(x, "to", ch[i].to);
		cJSON_AddStringToObject(x, "result", ch[i].result ? ch[i].result : "not_scanned");
		cJSON_AddNumberToObject(x, "findings", ch[i].findings);
		cJSON_AddItemToArray(arr, x);
	}
	cJSON_AddStringToObject(o, "final_anchor", r->anchor_after);
	cJSON_AddStringToObject(o, "status", r->status);
	cJSON_AddNumberToObject(o, "findings", r->findings);
	cJSON_AddNumberToObject(o, "findings_new", r->findings_new);
	cJSON_AddStringToObject(o, "note", r->note);
	text = cJSON_Print(o);
	cJSON_Delete(o);
	if (text && str_fmt(dir, sizeof(dir), "%s/runs", c->cfg->home) == 0 && mkdir_p(dir, 0700) == 0 &&
	    str_fmt(r->record, sizeof(r->record), "%s/scan-%s-%s.json", dir, run_id, r->project) == 0)
		atomic_write(r->record, text, strlen(text), 0600, &e);
	free(text);
}

int
scan_main_project(struct orch_ctx *c, const char *project, const char *run_id, struct scan_main_result *r,
    struct orch_err *e)
{
	const struct project *p = config_project(c->cfg, project);
	char head_ref[512], base[41] = "", date[64] = "", msg[700];
	struct chunk *ch = NULL;
	char **window = NULL;
	size_t nch = 0, i, j, nw;
	int attempt, rc = 0, rewritten = 0;
	struct git g;

	memset(r, 0, sizeof(*r));
	snprintf(r->project, sizeof(r->project), "%s", project);
	if (p == NULL)
		return err_set(e, EX_NOINPUT, "project '%s' is not configured", project);
	g = (struct git){ .dir = p->repo, .st = c->st };
	if (p->remote) {
		for (attempt = 0; attempt < c->cfg->scan_fetch_retries; attempt++) {
			err_clear(e);
			if (git_fetch(&g, p->remote, p->main_branch, e) == 0)
				break;
		}
		if (e->code)
			return -1;
		snprintf(head_ref, sizeof(head_ref), "refs/remotes/%s/%s", p->remote, p->main_branch);
	} else {
		snprintf(head_ref, sizeof(head_ref), "refs/heads/%s", p->main_branch);
	}
	if (git_rev_parse(&g, head_ref, r->head, e) < 0)
		return -1;
	snprintf(r->strategy, sizeof(r->strategy), "none");
	if (!anchor_get(c->st, project, p->main_branch, r->anchor_before)) {
		snprintf(r->status, sizeof(r->status), "bootstrap");
		snprintf(r->anchor_after, sizeof(r->anchor_after), "%s", r->head);
		snprintf(r->note, sizeof(r->note), "first run: anchored at %.12s, nothing scanned", r->head);
		rc = anchor_set(c->st, project, p->main_branch, r->head, r->status, e);
		write_record(c, run_id, r, p->main_branch, NULL, 0);
		return rc;
	}
	snprintf(r->anchor_after, sizeof(r->anchor_after), "%s", r->anchor_before);
	if (strcmp(r->anchor_before, r->head) == 0) {
		snprintf(r->status, sizeof(r->status), "no_change");
		return 0;	/* a quiet run writes nothing */
	}
	{
		char sha[41];
		int known = git_rev_parse(&g, r->anchor_before, sha, NULL) == 0;
		rewritten = !known || git_is_ancestor(&g, r->anchor_before, r->head, NULL) != 1;
		if (rewritten && strcmp(c->cfg->scan_rewrite_policy, "since_date") == 0 && known) {
			const char *argv[] = { "show", "-s", "--format=%cI", r->anchor_before, NULL };
			struct proc_result pr;
			git_run(&g, argv, &pr);
			if (pr.status == PROC_OK)
				snprintf(date, sizeof(date), "%.*s", (int)strcspn(buf_str(&pr.out), "\n"), buf_str(&pr.out));
			proc_result_free(&pr);
		}
	}
	if (rewritten && (strcmp(c->cfg->scan_rewrite_policy, "strict_fail") == 0)) {
		snprintf(r->status, sizeof(r->status), "failed");
		snprintf(r->note, sizeof(r->note), "main was rewritten (%.12s is not an ancestor of %.12s); policy "
		    "strict_fail keeps the anchor: check main, then re-anchor by setting scan_rewrite_policy", r->anchor_before,
		    r->head);
		write_record(c, run_id, r, p->main_branch, NULL, 0);
		return 0;
	}
	if (rewritten && date[0] == '\0') {	/* reset_warn, or since_date without the old commit */
		snprintf(r->status, sizeof(r->status), "rewrite_reset");
		snprintf(r->anchor_after, sizeof(r->anchor_after), "%s", r->head);
		snprintf(r->note, sizeof(r->note), "main of %s was rewritten (%.12s is not an ancestor of %.12s): "
		    "re-anchored at the new head without scanning", project, r->anchor_before, r->head);
		if (store_begin(c->st, e) < 0)
			return -1;
		if (anchor_set(c->st, project, p->main_branch, r->head, r->status, e) < 0 ||
		    notify_queue(c->st, "alert", NULL, r->note, e) < 0) {
			store_rollback(c->st);
			return -1;
		}
		if (store_commit(c->st, e) < 0)
			return -1;
		write_record(c, run_id, r, p->main_branch, NULL, 0);
		return 0;
	}
	if (rev_list(&g, rewritten ? NULL : r->anchor_before, r->head, rewritten ? date : NULL, &window, e) < 0)
		return -1;
	nw = argv_len(window);
	r->commits = (int)nw;
	if (!rewritten)
		snprintf(base, sizeof(base), "%s", r->anchor_before);
	else
		snprintf(r->note, sizeof(r->note), "main was rewritten: scanning the %zu commits since %s", nw, date);
	nch = plan(c, &g, window, nw, base, &ch, r->strategy, sizeof(r->strategy));
	r->chunks = (int)nch;
	snprintf(r->status, sizeof(r->status), "ok");
	for (i = 0; i < nch; i++) {
		struct secrets_result s;
		if (scan_secrets(c, p->repo, ch[i].single ? NULL : ch[i].from, ch[i].to, ch[i].single, &s, e) < 0)
			break;
		if (!s.ok) {
			ch[i].result = "error";
			snprintf(r->status, sizeof(r->status), r->chunks_ok ? "partial" : "failed");
			snprintf(r->note, sizeof(r->note), "stopped at chunk %zu of %zu: %s", i + 1, nch, s.error);
			secrets_result_free(&s);
			break;
		}
		ch[i].result = "scanned";
		ch[i].findings = (int)s.n;
		r->findings += (int)s.n;
		for (j = 0; j < s.n; j++) {
			int isnew = finding_once(c->st, project, &s.v[j], e);
			if (isnew < 0) {
				secrets_result_free(&s);
				goto out;
			}
			r->findings_new += isnew;
		}
		secrets_result_free(&s);
		r->chunks_ok++;
		snprintf(r->anchor_after, sizeof(r->anchor_after), "%s", ch[i].to);
	}
	if (e->code == 0 && strcmp(r->anchor_after, r->anchor_before) != 0)
		anchor_set(c->st, project, p->main_branch, r->anchor_after, r->status, e);
	if (strcmp(r->status, "ok") != 0 && e->code == 0) {
		snprintf(msg, sizeof(msg), "scan of main of %s %s: %s", project, r->status, r->note);
		if (store_begin(c->st, e) == 0 && notify_queue(c->st, "alert", NULL, msg, e) == 0)
			store_commit(c->st, e);
		else
			store_rollback(c->st);
	}
out:
	write_record(c, run_id, r, p->main_branch, ch, nch);
	free(ch);
	argv_free(window);
	return e->code ? -1 : 0;
}
