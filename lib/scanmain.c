#include "scanmain.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "config.h"
#include "ctx.h"
#include "err.h"
#include "gate.h"
#include "git.h"
#include "merge.h"
#include "notify.h"
#include "osv.h"
#include "proc.h"
#include "scan.h"
#include "scancfg.h"
#include "sizes.h"
#include "store.h"
#include "task.h"
#include "util.h"

struct chunk {
	char from[ORCH_SHA_BUF], to[ORCH_SHA_BUF]; /* from "" with single: the commit to alone */
	int single;
	const char *result;
	int findings;
	int exit_code;                  /* gitleaks' exit, -1 when it did not run */
	char err[SCAN_STDERR_SNIP + 1]; /* the tail of its stderr, masked */
};

/* One project's run: what its steps share. */
struct run {
	struct orch_ctx *c;
	const struct project *p;
	struct git g;
	struct scan_main_result *r;
	struct orch_err *e;
	struct chunk *ch;
	size_t nch;
	char **window;
	char base[ORCH_SHA_BUF], date[64];
	int rewritten;
	char deps_blob[ORCH_SHA_BUF]; /* the manifest's blob last audited ("" none); deps_known: the row had
					 one */
	int deps_known;
	char failing[16];             /* the phase the previous run failed in, "" when it did not */
	cJSON *deps_rec, *review_rec; /* record sections, NULL when the step did not run */
};

#define REVIEW_REPORT_CAP (1024 * 1024)

/* 1 with the row's sha text (whatever it holds), 0 when there is no row. */
static int
anchor_get(struct store *st, const char *project, const char *branch, char *sha, size_t n)
{
	struct store_stmt *s;
	int found = 0;
	const char *v;

	if (store_prepare(st, &s, "SELECT sha FROM scan_anchors WHERE project = ?1 AND branch = ?2", NULL) <
	    0)
		return 0;
	store_bind_text(s, 1, project);
	store_bind_text(s, 2, branch);
	if (store_step(s) == STORE_ROW) {
		found = 1;
		v = store_column_text(s, 0);
		snprintf(sha, n, "%s", v ? v : "");
	}
	store_finalize(s);
	return found;
}

/* A commit id as orch writes it: 40 lowercase hex digits. */
static int
is_sha(const char *s)
{
	size_t i;

	for (i = 0; i < 40; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return s[40] == '\0';
}

static int
anchor_set(struct store *st, const char *project, const char *branch, const char *sha, const char *status,
    struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	if (store_prepare(st, &s,
		"INSERT INTO scan_anchors(project, branch, sha, last_status, last_run) "
		"VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT(project, branch) DO UPDATE SET sha = ?3, "
		"last_status = ?4, "
		"last_run = ?5",
		e) < 0)
		return -1;
	store_bind_text(s, 1, project);
	store_bind_text(s, 2, branch);
	store_bind_text(s, 3, sha);
	store_bind_text(s, 4, status);
	store_bind_text(s, 5, now);
	return store_step_done(st, s, "record the scan anchor", e);
}

/* Record a finding and alert it, once per fingerprint; 1 new, 0 known, -1 error. */
static int
finding_once(struct store *st, const char *project, const struct secret_finding *f, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32], msg[900];
	int isnew;

	time_iso_us(time_now_us(), now);
	if (store_begin(st, e) < 0)
		return -1;
	if (store_prepare(st, &s,
		"INSERT INTO scan_findings(fingerprint, project, rule, file, commit_sha, "
		"line, first_seen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING",
		e) < 0)
		goto fail;
	store_bind_text(s, 1, f->fingerprint);
	store_bind_text(s, 2, project);
	store_bind_text(s, 3, f->rule);
	store_bind_text(s, 4, f->file);
	store_bind_text(s, 5, f->commit);
	store_bind_int64(s, 6, f->line);
	store_bind_text(s, 7, now);
	if (store_step_done(st, s, "record a finding", e) < 0)
		goto fail;
	isnew = store_changes(st) == 1;
	snprintf(msg, sizeof(msg),
	    "secret on main of %s: %s in '%s' line %ld, commit %.12s (secret %s); rotate it, "
	    "then remove it",
	    project, f->rule, f->file, f->line, f->commit, f->masked);
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
parent_of(struct git *g, const char *sha, char out[ORCH_SHA_BUF])
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
	char from[ORCH_SHA_BUF];

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
	size = n <= (size_t)c->cfg->scan_single_max ? n
	    : n <= (size_t)c->cfg->scan_chunked_max ? (size_t)c->cfg->scan_chunk_size
						    : 1;
	snprintf(strategy, sn, "%s", size == n ? "single" : size == 1 ? "per_commit" : "chunked");
	i = 0;
	if (from[0] == '\0') { /* a root commit: scanned on its own */
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

int
scan_main_run_id(char out[SCAN_RUN_ID_LEN + 1])
{
	time_t now = time(NULL);
	struct tm tm;
	char rnd[7];

	if (gmtime_r(&now, &tm) == NULL || random_hex(rnd, 3) < 0 ||
	    strftime(out, SCAN_RUN_ID_LEN + 1, "%Y%m%dT%H%M%SZ-", &tm) != 17)
		return -1;
	memcpy(out + 17, rnd, 7);
	return 0;
}

static int
secret_char(int ch)
{
	return isalnum(ch) || ch == '_' || ch == '+' || ch == '=' || ch == '-';
}

void
scan_main_mask(char *dst, size_t n, const char *src)
{
	size_t k = 0, w, i;
	int alpha, digit;

	if (n == 0)
		return;
	while (*src && k + 1 < n) {
		for (w = 0, alpha = digit = 0; secret_char((unsigned char)src[w]); w++) {
			alpha |= isalpha((unsigned char)src[w]) != 0;
			digit |= isdigit((unsigned char)src[w]) != 0;
		}
		if (w >= 16 && alpha && digit) {
			for (i = 0; i < 4 && k + 1 < n; i++)
				dst[k++] = src[i];
			for (i = 0; i < 4 && k + 1 < n; i++)
				dst[k++] = '*';
			src += w;
		} else if (w > 0) {
			for (i = 0; i < w && k + 1 < n; i++)
				dst[k++] = src[i];
			src += w;
		} else {
			unsigned char ch = (unsigned char)*src++;
			dst[k++] = ch < 0x20 && ch != '\n' && ch != '\t' ? ' ' : ch == 0x7f ? ' ' : (char)ch;
		}
	}
	dst[k] = '\0';
}

/* One line of at most n bytes (newlines and control characters become spaces) for scan.log and alerts. */
static void
flat(char *dst, size_t n, const char *src)
{
	size_t k = 0;

	for (; src && *src && k + 1 < n; src++)
		dst[k++] = (unsigned char)*src < 0x20 || *src == 0x7f ? ' ' : *src;
	dst[k] = '\0';
}

/* The run's first failure is the one kept (later ones follow from it). */
static void
fail_at(struct run *u, const char *phase, int chunk, const char *reason)
{
	struct scan_main_result *r = u->r;

	if (r->fail_phase[0])
		return;
	snprintf(r->fail_phase, sizeof(r->fail_phase), "%s", phase);
	scan_main_mask(r->fail_reason, sizeof(r->fail_reason), reason); /* reasons quote tool stderr */
	flat(r->fail_reason, sizeof(r->fail_reason), r->fail_reason);
	r->fail_chunk = chunk;
}

/* Queue one alert in its own transaction; -1 with *e. */
static int
alert(struct run *u, const char *msg)
{
	if (store_begin(u->c->st, u->e) < 0)
		return -1;
	if (notify_queue(u->c->st, "alert", NULL, msg, u->e) < 0) {
		store_rollback(u->c->st);
		return -1;
	}
	return store_commit(u->c->st, u->e);
}

/* From the state row: the manifest last audited, and whether the previous run failed (and where). */
static void
state_get(struct run *u)
{
	struct store_stmt *s;

	if (store_prepare(u->c->st, &s,
		"SELECT deps_blob, CASE WHEN failure_run_id = last_run_id THEN failure_phase "
		"END FROM scan_state WHERE project = ?1 AND branch = ?2",
		NULL) < 0)
		return;
	store_bind_text(s, 1, u->r->project);
	store_bind_text(s, 2, u->p->main_branch);
	if (store_step(s) == STORE_ROW) {
		if (!store_column_is_null(s, 0)) {
			u->deps_known = 1;
			snprintf(u->deps_blob, sizeof(u->deps_blob), "%s", store_column_text(s, 0));
		}
		if (!store_column_is_null(s, 1))
			snprintf(u->failing, sizeof(u->failing), "%s", store_column_text(s, 1));
	}
	store_finalize(s);
}

/* Write the state row: the last run, the last success, and the failure when this run had one. */
static int
state_put(struct run *u)
{
	struct scan_main_result *r = u->r;
	int failed = r->fail_phase[0] != '\0';
	struct store_stmt *s;

	if (store_prepare(u->c->st, &s,
		"INSERT INTO scan_state(project, branch, last_run_id, last_run_at, last_status, "
		"last_success, failure_run_id, failure_at, failure_phase, failure_reason, failure_chunk, "
		"deps_blob) "
		"VALUES (?1, ?2, ?3, ?4, ?5, CASE WHEN ?6 THEN NULL ELSE ?4 END, CASE WHEN ?6 THEN ?3 END, "
		"CASE WHEN ?6 THEN ?4 END, CASE WHEN ?6 THEN ?7 END, CASE WHEN ?6 THEN ?8 END, ?9, ?10) "
		"ON CONFLICT(project, branch) DO UPDATE SET last_run_id = ?3, last_run_at = ?4, last_status "
		"= ?5, "
		"last_success = CASE WHEN ?6 THEN scan_state.last_success ELSE ?4 END, "
		"failure_run_id = CASE WHEN ?6 THEN ?3 ELSE scan_state.failure_run_id END, "
		"failure_at = CASE WHEN ?6 THEN ?4 ELSE scan_state.failure_at END, "
		"failure_phase = CASE WHEN ?6 THEN ?7 ELSE scan_state.failure_phase END, "
		"failure_reason = CASE WHEN ?6 THEN ?8 ELSE scan_state.failure_reason END, "
		"failure_chunk = CASE WHEN ?6 THEN ?9 ELSE scan_state.failure_chunk END, "
		"deps_blob = coalesce(?10, scan_state.deps_blob)",
		u->e) < 0)
		return -1;
	store_bind_text(s, 1, r->project);
	store_bind_text(s, 2, u->p->main_branch);
	store_bind_text(s, 3, r->run_id);
	store_bind_text(s, 4, r->finished);
	store_bind_text(s, 5, r->status);
	store_bind_int(s, 6, failed);
	store_bind_text(s, 7, r->fail_phase);
	store_bind_text(s, 8, r->fail_reason);
	if (failed && r->fail_chunk > 0)
		store_bind_int(s, 9, r->fail_chunk);
	if (u->deps_known)
		store_bind_text(s, 10, u->deps_blob);
	return store_step_done(u->c->st, s, "record the main scan's state", u->e);
}

static void
record_chunks(cJSON *o, const struct chunk *ch, size_t nch)
{
	cJSON *arr = cJSON_AddArrayToObject(o, "chunks");
	size_t i;

	for (i = 0; i < nch; i++) {
		cJSON *x = cJSON_CreateObject();
		cJSON_AddStringToObject(x, "from", ch[i].from);
		cJSON_AddStringToObject(x, "to", ch[i].to);
		cJSON_AddStringToObject(x, "result", ch[i].result ? ch[i].result : "not_scanned");
		cJSON_AddNumberToObject(x, "findings", ch[i].findings);
		if (ch[i].result && ch[i].exit_code >= 0)
			cJSON_AddNumberToObject(x, "exit_code", ch[i].exit_code);
		else
			cJSON_AddNullToObject(x, "exit_code");
		cJSON_AddStringToObject(x, "stderr", ch[i].result ? ch[i].err : "");
		cJSON_AddItemToArray(arr, x);
	}
}

/* runs/scan-<run_id>-<project>.json, atomically; r->record names it (or stays "" when it could not be
 * written). */
static void
write_record(struct run *u)
{
	struct scan_main_result *r = u->r;
	cJSON *o = cJSON_CreateObject(), *w;
	char dir[ORCH_PATH_MAX_1], path[ORCH_PATH_MAX_3], *text;
	struct orch_err e = { 0 };

	cJSON_AddStringToObject(o, "run_id", r->run_id);
	cJSON_AddStringToObject(o, "project", r->project);
	cJSON_AddStringToObject(o, "branch", u->p->main_branch);
	cJSON_AddStringToObject(o, "started", r->started);
	cJSON_AddStringToObject(o, "finished", r->finished);
	cJSON_AddNumberToObject(o, "fetch_attempts", r->fetch_attempts);
	w = cJSON_AddObjectToObject(o, "window");
	cJSON_AddStringToObject(w, "from", r->anchor_before);
	cJSON_AddStringToObject(w, "to", r->head);
	cJSON_AddNumberToObject(w, "commits", r->commits);
	cJSON_AddStringToObject(o, "strategy", r->strategy);
	record_chunks(o, u->ch, u->nch);
	cJSON_AddStringToObject(o, "final_anchor", r->anchor_after);
	cJSON_AddStringToObject(o, "status", r->status);
	cJSON_AddNumberToObject(o, "findings", r->findings);
	cJSON_AddNumberToObject(o, "findings_new", r->findings_new);
	cJSON_AddStringToObject(o, "note", r->note);
	cJSON_AddItemToObject(o, "failure", scan_main_failure_json(r));
	cJSON_AddItemToObject(o, "deps", u->deps_rec ? u->deps_rec : cJSON_CreateNull());
	cJSON_AddItemToObject(o, "review", u->review_rec ? u->review_rec : cJSON_CreateNull());
	u->deps_rec = u->review_rec = NULL; /* owned by o now */
	text = cJSON_Print(o);
	cJSON_Delete(o);
	if (text && str_fmt(dir, sizeof(dir), "%s/runs", u->c->cfg->home) == 0 && mkdir_p(dir, 0700) == 0 &&
	    str_fmt(path, sizeof(path), "%s/scan-%s-%s.json", dir, r->run_id, r->project) == 0 &&
	    atomic_write(path, text, strlen(text), 0600, &e) == 0)
		snprintf(r->record, sizeof(r->record), "%s", path);
	free(text);
}

/*
 * One summary line per run in logs/scan.log.  An append-only log, not a
 * replaced file: one write() of the whole line on an O_APPEND descriptor
 * lands at the end of the file in one piece even beside another writer (a
 * manual run next to cron's), and rewriting the whole log through a temp
 * file for each line (the atomic-file rule) would cost its size every run.
 * A lost line loses nothing: the state row and the run record hold the run.
 */
static void
log_line(struct run *u)
{
	struct scan_main_result *r = u->r;
	char dir[ORCH_PATH_MAX_1], path[ORCH_PATH_MAX_3], line[1400], reason[600], fail[48];
	int fd, len;

	flat(reason, sizeof(reason), r->fail_reason);
	if (r->fail_chunk > 0)
		snprintf(fail, sizeof(fail), "%s:%d", r->fail_phase, r->fail_chunk);
	else
		snprintf(fail, sizeof(fail), "%s", r->fail_phase[0] ? r->fail_phase : "none");
	len = snprintf(line, sizeof(line),
	    "%s %s %s %s strategy=%s commits=%d chunks=%d/%d findings=%d new=%d "
	    "deps=%s review=%s anchor=%.12s failure=%s%s%s\n",
	    r->finished, r->run_id, r->project, r->status, r->strategy, r->commits, r->chunks_ok, r->chunks,
	    r->findings, r->findings_new, r->deps[0] ? r->deps : "-", r->review,
	    r->anchor_after[0] ? r->anchor_after : "-", fail, reason[0] ? ": " : "", reason);
	if (len < 0)
		return;
	if ((size_t)len >= sizeof(line)) { /* keep the newline: a cut reason must not join the next line */
		len = sizeof(line) - 1;
		line[len - 1] = '\n';
	}
	if (str_fmt(dir, sizeof(dir), "%s/logs", u->c->cfg->home) < 0 || mkdir_p(dir, 0700) < 0 ||
	    str_fmt(path, sizeof(path), "%s/scan.log", dir) < 0)
		return;
	if ((fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0)
		return;
	if (write(fd, line, (size_t)len) < 0) {
	}
	close(fd);
}

/* Fetch the remote main (scan_fetch_retries attempts), then resolve the head; -1 with *e. */
static int
step_fetch(struct run *u)
{
	const struct project *p = u->p;
	char head_ref[512];
	int attempt;

	if (p->remote) {
		for (attempt = 0; attempt < u->c->cfg->scan_fetch_retries; attempt++) {
			err_clear(u->e);
			u->r->fetch_attempts++;
			if (git_fetch(&u->g, p->remote, p->main_branch, u->e) == 0)
				break;
		}
		if (u->e->code) {
			fail_at(u, "fetch", 0, u->e->msg);
			return -1;
		}
	}
	merge_main_ref(p, head_ref, sizeof(head_ref));
	if (git_rev_parse(&u->g, head_ref, u->r->head, u->e) < 0) {
		fail_at(u, "head", 0, u->e->msg);
		return -1;
	}
	return 0;
}

/*
 * The anchor: none -> bootstrap; a damaged row -> bootstrap with an alert;
 * the head -> no_change.  1 when the run is over, 0 go on, -1 with *e.
 */
static int
step_anchor(struct run *u)
{
	struct scan_main_result *r = u->r;
	const char *branch = u->p->main_branch;
	char raw[256] = "", shown[64];
	int found = anchor_get(u->c->st, r->project, branch, raw, sizeof(raw));

	if (found && is_sha(raw)) {
		snprintf(r->anchor_before, sizeof(r->anchor_before), "%s", raw);
		snprintf(r->anchor_after, sizeof(r->anchor_after), "%s", raw);
		if (strcmp(raw, r->head) != 0)
			return 0;
		snprintf(r->status, sizeof(r->status), "no_change");
		return 1;
	}
	snprintf(r->status, sizeof(r->status), "bootstrap");
	snprintf(r->anchor_after, sizeof(r->anchor_after), "%s", r->head);
	if (!found) {
		snprintf(r->note, sizeof(r->note), "first run: anchored at %.12s, nothing scanned", r->head);
		return anchor_set(u->c->st, r->project, branch, r->head, r->status, u->e) < 0 ? -1 : 1;
	}
	utf8_sanitize(shown, sizeof(shown), raw);
	flat(shown, sizeof(shown), shown);
	snprintf(r->note, sizeof(r->note),
	    "the scan anchor of %s %s was damaged ('%s' is not a commit id): "
	    "re-anchored at %.12s as a first run; commits pushed before this run and after the last good "
	    "anchor were not scanned (scan them with gitleaks by hand)",
	    r->project, branch, shown, r->head);
	if (store_begin(u->c->st, u->e) < 0)
		return -1;
	if (anchor_set(u->c->st, r->project, branch, r->head, r->status, u->e) < 0 ||
	    notify_queue(u->c->st, "alert", NULL, r->note, u->e) < 0) {
		store_rollback(u->c->st);
		return -1;
	}
	return store_commit(u->c->st, u->e) < 0 ? -1 : 1;
}

/* The committer date of sha (ISO), "" when git cannot say. */
static void
commit_date(struct run *u, const char *sha, char *out, size_t n)
{
	const char *argv[] = { "show", "-s", "--format=%cI", sha, NULL };
	struct proc_result pr;

	out[0] = '\0';
	git_run(&u->g, argv, &pr);
	if (pr.status == PROC_OK)
		snprintf(out, n, "%.*s", (int)strcspn(buf_str(&pr.out), "\n"), buf_str(&pr.out));
	proc_result_free(&pr);
}

/* Main rewritten (the anchor not an ancestor of the head)?  The policy decides; 1 over, 0 go on, -1 *e. */
static int
step_history(struct run *u)
{
	struct scan_main_result *r = u->r;
	const char *policy = u->c->cfg->scan_rewrite_policy;
	char sha[ORCH_SHA_BUF];
	int known = git_rev_parse(&u->g, r->anchor_before, sha, NULL) == 0;

	u->rewritten = !known || git_is_ancestor(&u->g, r->anchor_before, r->head, NULL) != 1;
	if (!u->rewritten) {
		snprintf(u->base, sizeof(u->base), "%s", r->anchor_before);
		return 0;
	}
	if (strcmp(policy, "strict_fail") == 0) {
		snprintf(r->status, sizeof(r->status), "failed");
		snprintf(r->note, sizeof(r->note),
		    "main was rewritten (%.12s is not an ancestor of %.12s); policy "
		    "strict_fail keeps the anchor: check main, then re-anchor by setting scan_rewrite_policy",
		    r->anchor_before, r->head);
		fail_at(u, "history", 0, r->note);
		return 1;
	}
	if (strcmp(policy, "since_date") == 0 && known)
		commit_date(u, r->anchor_before, u->date, sizeof(u->date));
	if (u->date[0])
		return 0;
	/* reset_warn, or since_date without the old commit */
	snprintf(r->status, sizeof(r->status), "rewrite_reset");
	snprintf(r->anchor_after, sizeof(r->anchor_after), "%s", r->head);
	snprintf(r->note, sizeof(r->note),
	    "main of %s was rewritten (%.12s is not an ancestor of %.12s): "
	    "re-anchored at the new head without scanning",
	    r->project, r->anchor_before, r->head);
	if (store_begin(u->c->st, u->e) < 0)
		return -1;
	if (anchor_set(u->c->st, r->project, u->p->main_branch, r->head, r->status, u->e) < 0 ||
	    notify_queue(u->c->st, "alert", NULL, r->note, u->e) < 0) {
		store_rollback(u->c->st);
		return -1;
	}
	return store_commit(u->c->st, u->e) < 0 ? -1 : 1;
}

/* The window of new commits and its chunks; -1 with *e. */
static int
step_window(struct run *u)
{
	struct scan_main_result *r = u->r;
	size_t nw;

	if (rev_list(&u->g, u->rewritten ? NULL : r->anchor_before, r->head, u->rewritten ? u->date : NULL,
		&u->window, u->e) < 0) {
		fail_at(u, "history", 0, u->e->msg);
		return -1;
	}
	nw = argv_len(u->window);
	r->commits = (int)nw;
	if (u->rewritten)
		snprintf(r->note, sizeof(r->note), "main was rewritten: scanning the %zu commits since %s",
		    nw, u->date);
	u->nch = plan(u->c, &u->g, u->window, nw, u->base, &u->ch, r->strategy, sizeof(r->strategy));
	r->chunks = (int)u->nch;
	snprintf(r->status, sizeof(r->status), "ok");
	return 0;
}

/* Record and alert the findings of one scanned chunk; -1 with *e. */
static int
chunk_findings(struct run *u, const struct secrets_result *s)
{
	size_t j;
	int isnew;

	u->r->findings += (int)s->n;
	for (j = 0; j < s->n; j++) {
		if ((isnew = finding_once(u->c->st, u->r->project, &s->v[j], u->e)) < 0)
			return -1;
		u->r->findings_new += isnew;
	}
	return 0;
}

/* Scan the chunks in order, stopping at the first that fails; the anchor follows the last scanned one. */
static int
scan_chunks(struct run *u, const struct scancfg *sc)
{
	struct scan_main_result *r = u->r;
	char msg[700], why[512];
	size_t i;

	for (i = 0; i < u->nch; i++) {
		struct chunk *k = &u->ch[i];
		struct secrets_result s;
		if (scan_secrets(
			u->c, u->p->repo, k->single ? NULL : k->from, k->to, k->single, sc, &s, u->e) < 0) {
			fail_at(u, "chunk", (int)i + 1, u->e->msg);
			return -1;
		}
		k->exit_code = s.exit_code;
		scan_main_mask(k->err, sizeof(k->err), s.stderr_tail);
		k->result = s.ok ? "scanned" : "error";
		k->findings = (int)s.n;
		if (!s.ok) {
			scan_main_mask(why, sizeof(why), s.error); /* it quotes gitleaks' stderr */
			snprintf(r->status, sizeof(r->status), r->chunks_ok ? "partial" : "failed");
			snprintf(
			    r->note, sizeof(r->note), "stopped at chunk %zu of %zu: %s", i + 1, u->nch, why);
			fail_at(u, "chunk", (int)i + 1, why);
			secrets_result_free(&s);
			break;
		}
		if (chunk_findings(u, &s) < 0) {
			secrets_result_free(&s);
			fail_at(u, "store", 0, u->e->msg);
			return -1;
		}
		secrets_result_free(&s);
		r->chunks_ok++;
		snprintf(r->anchor_after, sizeof(r->anchor_after), "%s", k->to);
	}
	if (strcmp(r->anchor_after, r->anchor_before) != 0 &&
	    anchor_set(u->c->st, r->project, u->p->main_branch, r->anchor_after, r->status, u->e) < 0)
		return -1;
	if (strcmp(r->status, "ok") == 0)
		return 0;
	snprintf(msg, sizeof(msg), "scan of main of %s %s: %s", r->project, r->status, r->note);
	return alert(u, msg);
}

/* The chunks, with the scanner's configuration as main's fetched head holds it (or the operator's;
 * scancfg.h). */
static int
step_chunks(struct run *u)
{
	struct scancfg sc;
	int rc;

	if (scancfg_prepare(u->c, u->p, u->p->repo, u->r->head, &sc, u->e) < 0) {
		fail_at(u, "config", 0, u->e->msg);
		return -1;
	}
	rc = scan_chunks(u, &sc);
	scancfg_release(&sc);
	return rc;
}

/*
 * What the audit reads at ref, to tell a change: the osv engine's lockfiles (osv_lockfiles_id), a tool
 * engine's manifest blob; "" when there is none (or ref is not a commit here).
 */
static void
manifest_blob(struct run *u, const char *ref, char out[ORCH_SHA_BUF])
{
	struct orch_err e = { 0 };

	if (ref[0] != '\0' && strcmp(u->c->cfg->security_dep_engine, "osv") == 0) {
		if (osv_lockfiles_id(&u->g, ref, u->c->cfg->security_dep_exclude, out, ORCH_SHA_BUF, &e) < 0)
			out[0] = '\0';
		return;
	}
	if (ref[0] == '\0' || git_blob_id(&u->g, ref, SCAN_DEPS_MANIFEST, out, NULL) < 0)
		out[0] = '\0';
}

/*
 * The osv engine's findings on main, the ones a branch would be blocked by (gate_dep_blocks) and that every
 * item in flight inherits: one alert per advisory and project (a notices key), with the orch-fix plan line.
 */
static int
deps_inherited_alerts(struct run *u, const struct deps_result *d, int block)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		const struct dep_finding *f = &d->v[i];
		char key[200], fix[64], msg[1200];
		int rc;
		if (f->unpinned || !gate_dep_blocks(u->c->cfg, f, block))
			continue;
		osv_fix_choice(f->version, f->fixes, fix, sizeof(fix));
		snprintf(key, sizeof(key), "deps-main:%s:%s", u->r->project, f->id);
		snprintf(msg, sizeof(msg),
		    "dependency audit of main of %s: %s%s%s%s in %s %s %s (%s), `%s` line %d; items "
		    "in flight inherit it and are not blocked by it; %s%s%s%s%s%s",
		    u->r->project, f->id, f->aliases[0] ? " (" : "", f->aliases, f->aliases[0] ? ")" : "",
		    f->eco, f->package, f->version, sev_name(f->sev), f->file, f->line,
		    fix[0] ? "suggested orch-fix plan: pin_dependency "
			   : "no fixed "
			     "version is known: remove or replace the package",
		    fix[0] ? f->package : "", fix[0] ? " " : "", f->version, fix[0] ? " -> " : "", fix);
		if (store_begin(u->c->st, u->e) < 0)
			return -1;
		if ((rc = task_note_once(u->c->st, key, u->e)) < 0 ||
		    (rc == 1 && notify_queue(u->c->st, "alert", NULL, msg, u->e) < 0)) {
			store_rollback(u->c->st);
			return -1;
		}
		if (store_commit(u->c->st, u->e) < 0)
			return -1;
	}
	return 0;
}

/* The audit's findings for the record; *blocking counts those at or above block. */
static cJSON *
deps_record(const struct deps_result *d, int block, const char *manifest, int *blocking)
{
	cJSON *o = cJSON_CreateObject(), *arr;
	size_t i;

	cJSON_AddStringToObject(o, "manifest", SCAN_DEPS_MANIFEST);
	cJSON_AddStringToObject(o, "blob", manifest);
	cJSON_AddStringToObject(o, "engine", d->engine);
	cJSON_AddBoolToObject(o, "audited", d->audited);
	cJSON_AddBoolToObject(o, "degraded", d->degraded);
	cJSON_AddStringToObject(o, "note", d->note);
	arr = cJSON_AddArrayToObject(o, "findings");
	for (i = 0; i < d->n; i++) {
		cJSON *x = cJSON_CreateObject();
		int blocks = d->v[i].sev != SEV_UNKNOWN && (int)d->v[i].sev >= block;
		cJSON_AddStringToObject(x, "package", d->v[i].package);
		cJSON_AddStringToObject(x, "version", d->v[i].version);
		cJSON_AddStringToObject(x, "id", d->v[i].id);
		cJSON_AddStringToObject(x, "severity", sev_name(d->v[i].sev));
		cJSON_AddStringToObject(x, "fixes", d->v[i].fixes);
		cJSON_AddBoolToObject(x, "blocking", blocks);
		cJSON_AddItemToArray(arr, x);
		*blocking += blocks;
	}
	cJSON_AddNumberToObject(o, "blocking", *blocking);
	return o;
}

/* One alert naming the audit's findings at or above block (the first ten). */
static int
deps_alert(struct run *u, const struct deps_result *d, int block)
{
	struct buf b;
	size_t i;
	int shown = 0, rc;

	buf_init(&b, 16 * 1024);
	buf_addf(&b, "dependency audit of main of %s at %.12s (%s changed): %d finding(s) at or above %s:",
	    u->r->project, u->r->head, SCAN_DEPS_MANIFEST, u->r->deps_blocking, sev_name((enum sev)block));
	for (i = 0; i < d->n && shown < 10; i++)
		if (d->v[i].sev != SEV_UNKNOWN && (int)d->v[i].sev >= block) {
			buf_addf(&b, "%s %s %s %s (%s)%s%s", shown ? ";" : "", d->v[i].package,
			    d->v[i].version, d->v[i].id, sev_name(d->v[i].sev),
			    d->v[i].fixes[0] ? ", fixed in " : "", d->v[i].fixes);
			shown++;
		}
	buf_add(&b, "; upgrade them on main (the run record lists every finding)");
	/* a text over the cap still alerts, without the list */
	rc = alert(u,
	    buf_failed(&b) ? "dependency audit of main: findings at or above the block severity; upgrade "
			     "them on main (the run record lists every finding)"
			   : buf_str(&b));
	buf_free(&b);
	return rc;
}

/*
 * The security gate's dependency audit (scan_deps) on the head, when the
 * manifest there is not the one last audited: a change on main, or an audit
 * that could not run before (retried every run, alerted once per streak).
 */
static int
step_deps(struct run *u)
{
	struct scan_main_result *r = u->r;
	int block = sev_parse(u->c->cfg->security_dep_block_severity);
	char cur[ORCH_SHA_BUF], base[ORCH_SHA_BUF], msg[900];
	struct deps_result d;

	manifest_blob(u, r->head, cur);
	if (u->deps_known)
		snprintf(base, sizeof(base), "%s", u->deps_blob);
	else if (strcmp(r->status, "bootstrap") == 0)
		snprintf(
		    base, sizeof(base), "%s", cur); /* a first run audits nothing, like it scans nothing */
	else
		manifest_blob(u, r->anchor_before, base);
	u->deps_known = 1;
	snprintf(r->deps, sizeof(r->deps), "%s",
	    strcmp(base, cur) == 0 ? "unchanged"
		: cur[0]           ? "audited"
				   : "removed");
	if (strcmp(base, cur) == 0 || cur[0] == '\0') {
		snprintf(u->deps_blob, sizeof(u->deps_blob), "%s", cur);
		return 0;
	}
	if (block < SEV_LOW)
		block = SEV_HIGH;
	if (scan_deps(u->c, u->p->repo, r->head, &d, u->e) < 0) {
		fail_at(u, "deps", 0, u->e->msg);
		return -1;
	}
	u->deps_rec = deps_record(&d, block, cur, &r->deps_blocking);
	if (!d.audited) { /* degraded, or a manifest it could not read: retried next run */
		snprintf(r->deps, sizeof(r->deps), "degraded");
		fail_at(u, "deps", 0, d.note);
		snprintf(msg, sizeof(msg),
		    "dependency audit of main of %s at %.12s could not run: %s; %s changed "
		    "and is not audited yet: the next run retries",
		    r->project, r->head, d.note,
		    strcmp(u->c->cfg->security_dep_engine, "osv") == 0 ? "a lockfile" : SCAN_DEPS_MANIFEST);
		deps_result_free(&d);
		return strcmp(u->failing, "deps") == 0 ? 0 : alert(u, msg);
	}
	snprintf(u->deps_blob, sizeof(u->deps_blob), "%s", cur);
	if (strcmp(d.engine, "osv") == 0 ? deps_inherited_alerts(u, &d, block) < 0
					 : r->deps_blocking && deps_alert(u, &d, block) < 0) {
		deps_result_free(&d);
		return -1;
	}
	deps_result_free(&d);
	return 0;
}

int
scan_main_parse_review(
    const char *text, size_t len, struct review_finding **v, size_t *n, char *why, size_t wn)
{
	cJSON *json = memchr(text, '\0', len) ? NULL : cJSON_ParseWithLength(text, len), *it;
	size_t i = 0;

	*v = NULL;
	*n = 0;
	if (!cJSON_IsArray(json)) {
		snprintf(why, wn, "the report is not a JSON array of findings%s",
		    json ? "" : " (not JSON at all)");
		goto fail;
	}
	if ((*v = calloc((size_t)cJSON_GetArraySize(json) + 1, sizeof(**v))) == NULL) {
		snprintf(why, wn, "out of memory");
		goto fail;
	}
	cJSON_ArrayForEach(it, json) {
		const cJSON *sv = cJSON_GetObjectItemCaseSensitive(it, "severity"),
			    *ti = cJSON_GetObjectItemCaseSensitive(it, "title"),
			    *fi = cJSON_GetObjectItemCaseSensitive(it, "file"),
			    *li = cJSON_GetObjectItemCaseSensitive(it, "line");
		int sev = cJSON_IsString(sv) ? sev_parse(sv->valuestring) : -1;
		i++;
		if (!cJSON_IsObject(it)) {
			snprintf(why, wn, "finding %zu is not an object", i);
			goto fail;
		}
		if (sev < SEV_LOW) {
			snprintf(
			    why, wn, "finding %zu: severity must be one of LOW, MEDIUM, HIGH, CRITICAL", i);
			goto fail;
		}
		if (!cJSON_IsString(ti) || ti->valuestring[0] == '\0' || !cJSON_IsString(fi) ||
		    !cJSON_IsNumber(li) || li->valuedouble < 0 || li->valuedouble > 1e9 ||
		    li->valuedouble != (double)(long)li->valuedouble) {
			snprintf(why, wn,
			    "finding %zu: needs a non-empty string title, a string file and an integer "
			    "line >= 0",
			    i);
			goto fail;
		}
		(*v)[*n].sev = sev;
		utf8_sanitize((*v)[*n].title, sizeof((*v)[*n].title), ti->valuestring);
		utf8_sanitize((*v)[*n].file, sizeof((*v)[*n].file), fi->valuestring);
		(*v)[*n].line = (long)li->valuedouble;
		(*n)++;
	}
	cJSON_Delete(json);
	return 0;
fail:
	cJSON_Delete(json);
	free(*v);
	*v = NULL;
	*n = 0;
	return -1;
}

/* arg with {from} {to} {range} {report} {project} replaced; malloc'd, NULL when out of memory. */
static char *
review_arg(const char *arg, const char *const *values)
{
	static const char *const names[] = { "{from}", "{to}", "{range}", "{report}", "{project}" };
	struct buf b;
	size_t i;

	buf_init(&b, 64 * 1024);
	while (*arg) {
		for (i = 0; i < 5 && strncmp(arg, names[i], strlen(names[i])) != 0; i++)
			;
		if (i < 5 ? buf_puts(&b, values[i]) < 0 : buf_append(&b, arg, 1) < 0) {
			buf_free(&b);
			return NULL;
		}
		arg += i < 5 ? strlen(names[i]) : 1;
	}
	return buf_detach(&b);
}

/* Read the report file (at most REVIEW_REPORT_CAP bytes); -1 with why. */
static int
review_read(const char *path, struct buf *b, char *why, size_t wn)
{
	char chunk[16384];
	ssize_t k;
	int fd;

	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		snprintf(why, wn, "it wrote no report at {report} (%s)", strerror(errno));
		return -1;
	}
	while ((k = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(b, chunk, (size_t)k) < 0) {
			close(fd);
			snprintf(why, wn, "its report is over %d KiB", REVIEW_REPORT_CAP >> 10);
			return -1;
		}
	close(fd);
	return k < 0 ? (snprintf(why, wn, "its report cannot be read (%s)", strerror(errno)), -1) : 0;
}

/* Run main_review on range; 0 with the report in *b, -1 with why (the review failed). */
static int
review_exec(struct run *u, const char *const *values, struct buf *b, int *exit_code, char *why, size_t wn)
{
	char **argv = calloc(argv_len(u->p->main_review) + 1, sizeof(*argv)), desc[300], tail[400];
	struct proc_result pr;
	size_t i;
	int rc = -1;

	for (i = 0; argv && u->p->main_review[i]; i++)
		if ((argv[i] = review_arg(u->p->main_review[i], values)) == NULL)
			break;
	if (argv == NULL || u->p->main_review[i]) {
		argv_free(argv);
		snprintf(why, wn, "out of memory");
		return -1;
	}
	struct proc_spec s = { .argv = (const char *const *)argv,
		.cwd = u->p->repo,
		.tool = "main_review",
		.timeout_ms = u->c->cfg->job_timeout_s * 1000,
		.out_cap = 256 * 1024,
		.observe = store_tool_observe,
		.observe_ctx = u->c->st };
	unlink(values[3]);
	proc_run(&s, &pr);
	*exit_code = proc_exit_code(&pr);
	if (pr.status != PROC_OK) {
		proc_describe(&pr, desc, sizeof(desc));
		scan_main_mask(tail, sizeof(tail),
		    pr.err.len > 300 ? buf_str(&pr.err) + pr.err.len - 300 : buf_str(&pr.err));
		flat(tail, sizeof(tail), tail);
		for (i = strlen(tail); i > 0 && tail[i - 1] == ' '; i--)
			tail[i - 1] = '\0';
		snprintf(why, wn, "main_review %s%s%s", desc, tail[0] ? ": " : "", tail);
	} else {
		rc = review_read(values[3], b, why, wn);
	}
	proc_result_free(&pr);
	argv_free(argv);
	unlink(values[3]);
	return rc;
}

/* The review's section of the record, and one alert for its failure or its findings at or above block. */
static int
review_report(struct run *u, const char *range, int ok, const char *why, int exit_code,
    const struct review_finding *v, size_t n, int block)
{
	struct scan_main_result *r = u->r;
	cJSON *o = cJSON_CreateObject(), *arr;
	struct buf b;
	size_t i;
	int rc = 0;

	cJSON_AddStringToObject(o, "range", range);
	cJSON_AddStringToObject(o, "status", ok ? "ok" : "failed");
	cJSON_AddNumberToObject(o, "exit_code", exit_code);
	cJSON_AddStringToObject(o, "reason", ok ? "" : why);
	cJSON_AddStringToObject(o, "block_severity", sev_name((enum sev)block));
	arr = cJSON_AddArrayToObject(o, "findings");
	buf_init(&b, 16 * 1024);
	buf_addf(&b, "main review of %s (%s) ", r->project, range);
	for (i = 0; i < n; i++) {
		cJSON *x = cJSON_CreateObject();
		char title[200];
		cJSON_AddStringToObject(x, "severity", sev_name((enum sev)v[i].sev));
		cJSON_AddStringToObject(x, "title", v[i].title);
		cJSON_AddStringToObject(x, "file", v[i].file);
		cJSON_AddNumberToObject(x, "line", (double)v[i].line);
		cJSON_AddBoolToObject(x, "alerted", v[i].sev >= block);
		cJSON_AddItemToArray(arr, x);
		if (v[i].sev < block || r->review_blocking++ >= 10)
			continue;
		flat(title, sizeof(title), v[i].title);
		buf_addf(&b, "%s [%s] %s (%s:%ld)",
		    r->review_blocking > 1 ? ";" : "found:", sev_name((enum sev)v[i].sev), title, v[i].file,
		    v[i].line);
	}
	r->review_findings = (int)n;
	cJSON_AddNumberToObject(o, "alerted", r->review_blocking);
	u->review_rec = o;
	if (!ok)
		buf_addf(&b,
		    "failed, so these commits are not reviewed: %s; fix the main_review command (orch.yaml)",
		    why);
	else if (r->review_blocking)
		buf_addf(&b, "; %d finding(s) at or above %s (the run record lists them all)",
		    r->review_blocking, sev_name((enum sev)block));
	if (!ok || r->review_blocking) /* a text over the cap still alerts, without the list */
		rc = alert(u,
		    buf_failed(&b) ? "main review: failed or found findings at or above the block severity; "
				     "the run record lists them"
				   : buf_str(&b));
	buf_free(&b);
	return rc;
}

/*
 * The project's main_review command over the commits the chunks just
 * scanned (each commit is reviewed once, when the secret scan passes it).
 * Its report is parsed fail-closed: anything but a well-formed findings
 * array is a failed review, alerted and recorded.
 */
static int
step_review(struct run *u)
{
	struct scan_main_result *r = u->r;
	int block = sev_parse(u->c->cfg->main_review_block_severity), exit_code = -1, ok, rc;
	char from[ORCH_SHA_BUF], range[100], report[ORCH_PATH_MAX_3], why[600] = "";
	struct review_finding *v = NULL;
	struct buf b;
	size_t n = 0;

	if (u->p->main_review == NULL || u->nch == 0 || strcmp(r->anchor_after, r->anchor_before) == 0)
		return 0;
	snprintf(from, sizeof(from), "%s", u->ch[0].single ? "" : u->ch[0].from);
	if (from[0])
		snprintf(range, sizeof(range), "%s..%s", from, r->anchor_after);
	else
		snprintf(range, sizeof(range), "%s", r->anchor_after);
	if (str_fmt(report, sizeof(report), "%s/runs/tmp", u->c->cfg->home) < 0 ||
	    mkdir_p(report, 0700) < 0 ||
	    str_fmt(report, sizeof(report), "%s/runs/tmp/review-%s-%s.json", u->c->cfg->home, r->run_id,
		r->project) < 0)
		return err_set(
		    u->e, EX_IOERR, "cannot make '%s/runs/tmp' for the review report", u->c->cfg->home);
	const char *values[] = { from, r->anchor_after, range, report, r->project };
	if (block < SEV_LOW)
		block = SEV_HIGH;
	buf_init(&b, REVIEW_REPORT_CAP);
	ok = review_exec(u, values, &b, &exit_code, why, sizeof(why)) == 0 &&
	    scan_main_parse_review(b.data ? b.data : "", b.len, &v, &n, why, sizeof(why)) == 0;
	buf_free(&b);
	snprintf(r->review, sizeof(r->review), ok ? "ok" : "failed");
	if (!ok) {
		char reason[700];
		snprintf(reason, sizeof(reason), "the review of %s failed: %s", range, why);
		fail_at(u, "review", 0, reason);
	}
	rc = review_report(u, range, ok, why, exit_code, v, n, block);
	free(v);
	return rc;
}

/* The state row, the run record (not for a quiet no_change run) and the scan.log line. */
static int
finish(struct run *u, int rc)
{
	struct scan_main_result *r = u->r;
	struct orch_err e2 = { 0 }, *saved = u->e;

	if (rc < 0)
		fail_at(u, "store", 0, u->e->msg); /* kept only when no step said where it failed */
	time_iso_us(time_now_us(), r->finished);
	u->e = &e2;
	if (state_put(u) < 0 && rc == 0) {
		*saved = e2;
		rc = -1;
	}
	u->e = saved;
	if (strcmp(r->status, "no_change") != 0 || r->fail_phase[0] || u->deps_rec)
		write_record(u);
	log_line(u);
	return rc;
}

static int
run_steps(struct run *u)
{
	int over;

	if (step_fetch(u) < 0)
		return -1;
	if ((over = step_anchor(u)) == 0 && (over = step_history(u)) == 0) {
		if (step_window(u) < 0 || step_chunks(u) < 0)
			return -1;
	}
	if (over < 0)
		return -1;
	if (step_deps(u) < 0)
		return -1;
	return step_review(u);
}

int
scan_main_project(struct orch_ctx *c, const char *project, const char *run_id, struct scan_main_result *r,
    struct orch_err *e)
{
	struct run u = { .c = c, .p = config_project(c->cfg, project), .r = r, .e = e };
	int rc;

	memset(r, 0, sizeof(*r));
	snprintf(r->project, sizeof(r->project), "%s", project);
	snprintf(r->run_id, sizeof(r->run_id), "%s", run_id);
	if (u.p == NULL)
		return err_set(e, EX_NOINPUT, "project '%s' is not configured", project);
	u.g = (struct git){ .dir = u.p->repo, .st = c->st };
	time_iso_us(time_now_us(), r->started);
	snprintf(r->status, sizeof(r->status), "failed"); /* until a step says otherwise */
	snprintf(r->strategy, sizeof(r->strategy), "none");
	snprintf(r->review, sizeof(r->review), "none");
	state_get(&u);
	rc = finish(&u, run_steps(&u));
	cJSON_Delete(u.deps_rec);
	cJSON_Delete(u.review_rec);
	free(u.ch);
	argv_free(u.window);
	return rc;
}

void *
scan_main_failure_json(const struct scan_main_result *r)
{
	char reason[sizeof(r->fail_reason) * 3]; /* each bad byte may grow to U+FFFD's three */
	cJSON *f;

	if (!r->fail_phase[0])
		return cJSON_CreateNull();
	f = cJSON_CreateObject();
	cJSON_AddStringToObject(f, "phase", r->fail_phase);
	utf8_sanitize(reason, sizeof(reason), r->fail_reason); /* it quotes tool stderr */
	cJSON_AddStringToObject(f, "reason", reason);
	if (r->fail_chunk > 0)
		cJSON_AddNumberToObject(f, "chunk", r->fail_chunk);
	else
		cJSON_AddNullToObject(f, "chunk");
	return f;
}

/* orch-status: every anchor (last result and run), by project. */
int
scan_main_anchors_json(struct store *st, struct cJSON *anchors, struct orch_err *e)
{
	return store_list_json(st,
	    "SELECT project, branch, sha, last_status, last_run FROM scan_anchors "
	    "ORDER BY project",
	    0, anchors, e);
}

/* orch-status: the n open secrets (not resolved) first seen last. */
int
scan_main_findings_json(struct store *st, int n, struct cJSON *findings, struct orch_err *e)
{
	return store_list_json(st,
	    "SELECT fingerprint, project, rule, file, commit_sha, line, first_seen FROM "
	    "scan_findings WHERE resolved_at IS NULL ORDER BY first_seen DESC LIMIT ?1",
	    n, findings, e);
}

/* orch-status: the n secrets resolved last, with when and why. */
int
scan_main_resolved_json(struct store *st, int n, struct cJSON *findings, struct orch_err *e)
{
	return store_list_json(st,
	    "SELECT fingerprint, project, rule, file, commit_sha, line, first_seen, resolved_at, "
	    "resolved_reason FROM scan_findings WHERE resolved_at IS NOT NULL ORDER BY resolved_at DESC "
	    "LIMIT ?1",
	    n, findings, e);
}

int
scan_main_resolve(
    struct store *st, const char *fingerprint, const char *project, const char *reason, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32], msg[600];
	int n;

	time_iso_us(time_now_us(), now);
	if (store_begin(st, e) < 0)
		return -1;
	if (store_prepare(st, &s,
		"UPDATE scan_findings SET resolved_at = ?1, resolved_reason = ?2 WHERE "
		"resolved_at IS NULL AND (CAST(?3 AS TEXT) IS NULL OR fingerprint = ?3) AND "
		"(CAST(?4 AS TEXT) IS NULL OR project = ?4)",
		e) < 0)
		goto fail;
	store_bind_text(s, 1, now);
	store_bind_text(s, 2, reason);
	store_bind_text(s, 3, fingerprint);
	store_bind_text(s, 4, project);
	if (store_step_done(st, s, "resolve secrets found on main", e) < 0)
		goto fail;
	if ((n = store_changes(st)) > 0) {
		snprintf(msg, sizeof(msg), "%d secret(s) found on main resolved (%s%s): %s", n,
		    fingerprint ? "fingerprint " : "project ", fingerprint ? fingerprint : project, reason);
		if (event_add(st, NULL, "secret_resolved", NULL, NULL, msg, e) < 0)
			goto fail;
	}
	return store_commit(st, e) < 0 ? -1 : n;
fail:
	store_rollback(st);
	return -1;
}

/*
 * orch-status: each configured project's scan of main, its last result and age, old when its last run ended
 * more than max_age_s ago (or it never ran), failing when that run failed (phase, reason, chunk).  Rows
 * written before scan_state existed fall back to the anchor's status and time.
 */
int
scan_main_projects_json(
    const struct config *cfg, struct store *st, int64_t max_age_s, struct cJSON *arr, struct orch_err *e)
{
	int64_t now = time_now_us(), at;
	struct store_stmt *s;
	size_t i;

	if (store_prepare(st, &s,
		"SELECT coalesce(s.last_status, a.last_status), coalesce(s.last_run_at, a.last_run), "
		"s.last_run_id, s.last_success, s.failure_run_id = s.last_run_id, s.failure_phase, "
		"s.failure_reason, "
		"s.failure_chunk, s.failure_at, a.sha FROM (SELECT ?1 AS p, ?2 AS b) k "
		"LEFT JOIN scan_state s ON s.project = k.p AND s.branch = k.b "
		"LEFT JOIN scan_anchors a ON a.project = k.p AND a.branch = k.b",
		e) < 0)
		return -1;
	for (i = 0; i < cfg->nprojects; i++) {
		const struct project *p = &cfg->projects[i];
		cJSON *o = cJSON_CreateObject(), *f;
		const char *v[10] = { NULL };
		int c, failing, old;
		store_reset(s);
		store_bind_text(s, 1, p->key);
		store_bind_text(s, 2, p->main_branch);
		if (store_step(s) == STORE_ROW)
			for (c = 0; c < 10; c++)
				v[c] = store_column_text(s, c);
		failing = v[4] && strcmp(v[4], "1") == 0;
		old = v[1] == NULL || time_parse_iso(v[1], &at) < 0 || now - at > max_age_s * 1000000LL;
		cJSON_AddStringToObject(o, "project", p->key);
		cJSON_AddStringToObject(o, "branch", p->main_branch);
		cJSON_AddItemToObject(o, "last_status", v[0] ? cJSON_CreateString(v[0]) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "last_run", v[1] ? cJSON_CreateString(v[1]) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "age_s",
		    v[1] && time_parse_iso(v[1], &at) == 0
			? cJSON_CreateNumber((double)((now - at) / 1000000))
			: cJSON_CreateNull());
		cJSON_AddItemToObject(o, "last_run_id", v[2] ? cJSON_CreateString(v[2]) : cJSON_CreateNull());
		cJSON_AddItemToObject(
		    o, "last_success", v[3] ? cJSON_CreateString(v[3]) : cJSON_CreateNull());
		cJSON_AddItemToObject(o, "anchor", v[9] ? cJSON_CreateString(v[9]) : cJSON_CreateNull());
		cJSON_AddBoolToObject(o, "old", old);
		cJSON_AddBoolToObject(o, "failing", failing);
		if (v[5]) { /* the last failure, current or not */
			f = cJSON_AddObjectToObject(o, "last_failure");
			cJSON_AddStringToObject(f, "phase", v[5]);
			cJSON_AddStringToObject(f, "reason", v[6] ? v[6] : "");
			cJSON_AddItemToObject(
			    f, "chunk", v[7] ? cJSON_CreateNumber(atof(v[7])) : cJSON_CreateNull());
			cJSON_AddStringToObject(f, "at", v[8] ? v[8] : "");
		} else {
			cJSON_AddNullToObject(o, "last_failure");
		}
		cJSON_AddItemToArray(arr, o);
	}
	store_finalize(s);
	return 0;
}
