#include "fix.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "config.h"
#include "ctx.h"
#include "err.h"
#include "fixpatch.h"
#include "frontmatter.h"
#include "gate.h"
#include "git.h"
#include "job.h"
#include "notify.h"
#include "osv.h"
#include "proc.h"
#include "scan.h"
#include "sizes.h"
#include "stages.h"
#include "store.h"
#include "task.h"
#include "tracker.h"
#include "util.h"
#include "wi.h"
#include "workspace.h"

#define FILE_CAP BUF_MIB
#define TAIL 2000

/* A finished run's verdict: status and reason (always returns 0: the run is recorded). */
static int outcome(struct fix_result *r, const char *status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int
outcome(struct fix_result *r, const char *status, const char *fmt, ...)
{
	va_list ap;

	str_copy(r->status, sizeof(r->status), status);
	va_start(ap, fmt);
	vsnprintf(r->reason, sizeof(r->reason), fmt, ap);
	va_end(ap);
	for (char *q = r->reason; *q; q++)
		if (*q == '\n')
			*q = ' ';
	return 0;
}

void
fix_result_free(struct fix_result *r)
{
	free(r->plan_json);
	r->plan_json = NULL;
	buf_free(&r->diff);
	buf_free(&r->vlog);
}

/* git in dir with orch's identity; out of proc's envelope into *pr. */
static void
git_in(struct orch_ctx *c, const char *dir, const char *const *args, struct proc_result *pr)
{
	struct git g = { .dir = dir, .st = c->st };

	git_run_as_orch(&g, args, pr);
}

/* 0 ok, else -1 with the first line of git's complaint in why. */
static int
git_do(struct orch_ctx *c, const char *dir, const char *const *args, char *why, size_t wn)
{
	struct proc_result pr;
	char desc[200];
	int rc = 0;

	git_in(c, dir, args, &pr);
	if (pr.status != PROC_OK) {
		proc_describe(&pr, desc, sizeof(desc));
		snprintf(why, wn, "git %s %s: %.300s", args[0], desc, buf_str(&pr.err));
		rc = -1;
	}
	proc_result_free(&pr);
	return rc;
}

/* ---- the store ---- */

static int
record_start(struct orch_ctx *c, struct fix_result *r, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];

	time_iso_us(time_now_us(), now);
	/* under the task's claim no other run of this item is alive: one still "running" was stopped */
	if (store_prepare(c->st, &s,
		"UPDATE fix_runs SET status = 'interrupted', reason = 'stopped before it "
		"finished (signal or crash)', finished_at = ?1 WHERE work_item = ?2 AND status = 'running'",
		e) < 0)
		return -1;
	store_bind_text(s, 1, now);
	store_bind_text(s, 2, r->work_item);
	if (store_step_done(c->st, s, "close an interrupted fix run", e) < 0)
		return -1;
	if (store_prepare(c->st, &s,
		"INSERT INTO fix_runs (work_item, source, status, started_at) "
		"VALUES (?1, ?2, 'running', ?3)",
		e) < 0)
		return -1;
	store_bind_text(s, 1, r->work_item);
	store_bind_text(s, 2, r->source);
	store_bind_text(s, 3, now);
	if (store_step_done(c->st, s, "record the fix run", e) < 0)
		return -1;
	r->run_id = store_last_insert_id(c->st);
	return 0;
}

static int
record_finish(struct orch_ctx *c, const struct fix_result *r, struct orch_err *e)
{
	struct store_stmt *s;
	char now[32];
	int i = 1;

	time_iso_us(time_now_us(), now);
	if (store_prepare(c->st, &s,
		"UPDATE fix_runs SET source = ?1, status = ?2, reason = ?3, plan_json = ?4, "
		"plan_decision = ?5, diff = ?6, diff_files = ?7, diff_added = ?8, diff_removed = ?9, "
		"diff_bytes = ?10, danger = ?11, patch_decision = ?12, validation = ?13, base_sha = ?14, "
		"commit_sha = ?15, repairs = ?16, finished_at = ?17 WHERE id = ?18",
		e) < 0)
		return -1;
	store_bind_text(s, i++, r->source);
	store_bind_text(s, i++, r->status);
	store_bind_text(s, i++, r->reason);
	store_bind_text(s, i++, r->plan_json);
	store_bind_text(s, i++, r->plan_decision[0] ? r->plan_decision : NULL);
	store_bind_text(s, i++, r->diff.len ? buf_str(&r->diff) : NULL);
	store_bind_int(s, i++, r->stats.files);
	store_bind_int(s, i++, r->stats.added);
	store_bind_int(s, i++, r->stats.removed);
	store_bind_int64(s, i++, r->stats.bytes);
	store_bind_int(s, i++, r->stats.danger);
	store_bind_text(s, i++, r->patch_decision[0] ? r->patch_decision : NULL);
	store_bind_text(s, i++, r->validation[0] ? r->validation : NULL);
	store_bind_text(s, i++, r->base[0] ? r->base : NULL);
	store_bind_text(s, i++, r->commit[0] ? r->commit : NULL);
	store_bind_int(s, i++, r->repairs);
	store_bind_text(s, i++, now);
	store_bind_int64(s, i++, r->run_id);
	return store_step_done(c->st, s, "record the fix run", e);
}

/* ---- plans ---- */

static int
accept_plan(struct fix_result *r, const char *text, size_t len, char *why, size_t wn)
{
	if (fixplan_parse(text, len, r->work_item, &r->plan, why, wn) < 0)
		return -1;
	r->have_plan = 1;
	free(r->plan_json);
	r->plan_json = fixplan_json(&r->plan);
	return 0;
}

/* The file a finding's pin is in: the osv engine says; the tools' engines read only the root
 * requirements.txt. */
static const char *
pin_file(const struct dep_finding *f)
{
	return f->file[0] ? f->file : "requirements.txt";
}

/*
 * The version fixing every advisory of package pkg pinned in file: for each, the lowest fixed version above
 * the pin within its major, else the lowest above it (osv_fix_choice); the highest of those.  "-ID" when
 * advisory ID has no fixed version; "" when none is above the pin.  The advisories' ids are appended to ids.
 */
static void
lowest_fix(const struct deps_result *d, const char *pkg, const char *file, char *out, size_t n, char *ids,
    size_t idn)
{
	size_t i;

	out[0] = '\0';
	for (i = 0; i < d->n; i++) {
		char best[64];
		if (d->v[i].unpinned || strcmp(d->v[i].package, pkg) != 0 ||
		    strcmp(pin_file(&d->v[i]), file) != 0)
			continue;
		snprintf(ids + strlen(ids), idn - strlen(ids), "%s%s", *ids ? "," : "", d->v[i].id);
		osv_fix_choice(d->v[i].version, d->v[i].fixes, best, sizeof(best));
		if (!best[0] && d->v[i].fixes[0])
			continue; /* fixed at or below the pin: this advisory asks nothing more */
		if (!best[0]) {
			snprintf(out, n, "-%s", d->v[i].id); /* marks "no fix for this advisory" */
			return;
		}
		if (!out[0] || fixpatch_version_cmp(best, out) > 0)
			str_copy(out, n, best);
	}
}

/* 1 when orch-fix can edit the file of f's pin (a requirements file: fixplan's dependency files). */
static int
fixable_file(const struct dep_finding *f)
{
	const char *b = strrchr(pin_file(f), '/');

	b = b ? b + 1 : pin_file(f);
	return (f->eco[0] == '\0' || strcmp(f->eco, "PyPI") == 0) && strncmp(b, "requirements", 12) == 0 &&
	    strlen(b) > 4 && strcmp(b + strlen(b) - 4, ".txt") == 0;
}

static void
note_skip(char *skipped, size_t n, const struct dep_finding *f, const char *why)
{
	size_t l = strlen(skipped);

	snprintf(
	    skipped + l, n - l, "%s%s %s (%s %s)", l ? ", " : "", f->package, f->version, why, pin_file(f));
}

static int
seen_file(const char *const *files, size_t n, const char *file)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(files[i], file) == 0)
			return 1;
	return 0;
}

/* One pin_dependency operation: f's package to version in f's file. */
static void
plan_pin(cJSON *ops, const struct dep_finding *f, const char *version)
{
	cJSON *op = cJSON_CreateObject(), *det;

	cJSON_AddStringToObject(op, "type", "pin_dependency");
	cJSON_AddStringToObject(op, "file", pin_file(f));
	det = cJSON_AddObjectToObject(op, "details");
	cJSON_AddStringToObject(det, "package", f->package);
	cJSON_AddStringToObject(det, "version", version);
	cJSON_AddItemToArray(ops, op);
}

static int
cmp_id(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The plan --from-audit, as JSON text, from the audit d of the branch head. */
static int
plan_from_audit(
    const struct fix_result *r, const struct deps_result *d, struct buf *json, char *why, size_t wn)
{
	cJSON *o = cJSON_CreateObject(), *ops, *ev, *fl;
	char summary[FIX_SUMMARY_MAX + 1] = "", skipped[600] = "";
	const char *files[FIX_MAX_OPS];
	char *idv[64];
	size_t i, j, nid = 0, nops = 0, nfiles = 0;

	cJSON_AddNumberToObject(o, "version", 1);
	cJSON_AddStringToObject(o, "work_item", r->work_item);
	cJSON_AddStringToObject(o, "category", "dependency");
	ops = cJSON_AddArrayToObject(o, "operations");
	for (i = 0; i < d->n; i++) {
		const struct dep_finding *f = &d->v[i];
		char fix[80], ids[400] = "";
		if (f->unpinned)
			continue;
		for (j = 0; j < i; j++)
			if (!d->v[j].unpinned && strcmp(d->v[j].package, f->package) == 0 &&
			    strcmp(pin_file(&d->v[j]), pin_file(f)) == 0)
				break;
		if (j < i)
			continue; /* package seen in this file */
		if (!fixable_file(f)) {
			note_skip(skipped, sizeof(skipped), f,
			    "orch-fix edits requirements files only: upgrade it in");
			continue;
		}
		lowest_fix(d, f->package, pin_file(f), fix, sizeof(fix), ids, sizeof(ids));
		if (fix[0] == '-' || fix[0] == '\0') {
			note_skip(skipped, sizeof(skipped), f,
			    fix[0] ? "an advisory has no fixed version, in"
				   : "no fixed version above the pin, in");
			continue;
		}
		if (nops == FIX_MAX_OPS)
			break;
		plan_pin(ops, f, fix);
		if (nfiles < FIX_MAX_OPS && !seen_file(files, nfiles, pin_file(f)))
			files[nfiles++] = pin_file(f);
		nops++;
		snprintf(summary + strlen(summary), sizeof(summary) - strlen(summary), "%s%s %s -> %s",
		    *summary ? "; " : "pin ", f->package, f->version, fix);
		for (j = 0; j < d->n && nid < 64; j++)
			if (strcmp(d->v[j].package, f->package) == 0 && !d->v[j].unpinned)
				idv[nid++] = d->v[j].id;
	}
	if (nops == 0) {
		cJSON_Delete(o);
		snprintf(why, wn, "the audit (%s) found %s; nothing to pin%s%s",
		    d->engine[0] ? d->engine : "none",
		    d->n ? "no vulnerable dependency with a fixed version" : "no vulnerable dependency",
		    *skipped ? ": " : "", skipped);
		return -1;
	}
	qsort(idv, nid, sizeof(*idv), cmp_id);
	cJSON_AddStringToObject(o, "summary", summary);
	cJSON_AddNumberToObject(o, "confidence", 1);
	fl = cJSON_AddArrayToObject(o, "files");
	for (i = 0; i < nfiles; i++)
		cJSON_AddItemToArray(fl, cJSON_CreateString(files[i]));
	ev = cJSON_AddArrayToObject(o, "evidence");
	for (i = 0; i < nid; i++)
		if (i == 0 || strcmp(idv[i], idv[i - 1]) != 0)
			cJSON_AddItemToArray(ev, cJSON_CreateString(idv[i]));
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (text == NULL || buf_puts(json, text) < 0) {
		free(text);
		snprintf(why, wn, "the plan built from the audit is over %zu bytes", json->max);
		return -1;
	}
	free(text);
	return 0;
}

int
fix_plan_file_check(const char *path, char *why, size_t wn)
{
	struct stat sb;

	if (stat(path, &sb) < 0) {
		snprintf(why, wn, "cannot read plan file '%s': %s; give the path of a JSON plan", path,
		    strerror(errno));
		return EX_NOINPUT;
	}
	if (!S_ISREG(sb.st_mode)) {
		snprintf(why, wn,
		    "plan file '%s' is not a regular file (a directory, FIFO or device); give the path "
		    "of a JSON plan",
		    path);
		return EX_USAGE;
	}
	return 0;
}

static int
read_plan_file(const char *path, struct buf *b, char *why, size_t wn)
{
	char chunk[8192];
	struct stat sb;
	ssize_t k;
	int fd;

	/* O_NONBLOCK: a FIFO put in the file's place after the check must not hang the claimed run */
	if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0) {
		snprintf(why, wn, "cannot read plan file '%s': %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
		close(fd);
		snprintf(why, wn, "plan file '%s' is not a regular file; give the path of a JSON plan", path);
		return -1;
	}
	while ((k = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(b, chunk, (size_t)k) < 0) {
			close(fd);
			snprintf(why, wn, "plan file '%s' is over 256 KiB", path);
			return -1;
		}
	close(fd);
	return 0;
}

static char *const *
fixer_agent(const struct project *p)
{
	size_t i;

	for (i = 0; i < p->nagents; i++) /* no default: a stage agent is not a plan writer */
		if (strcmp(p->agents[i].name, "fixer") == 0)
			return p->agents[i].argv;
	return NULL;
}

/* The fixer runs as agent_user when one is set (config.h): its identity in u; 0, or -1 with why. */
static int
fixer_user(
    const struct config *cfg, struct proc_user *u, const struct proc_user **run_as, char *why, size_t wn)
{
	struct orch_err e = { 0 };

	*run_as = NULL;
	if (cfg->agent_user == NULL)
		return 0;
	if (proc_user_lookup(cfg->agent_user, u, &e) < 0) {
		snprintf(why, wn, "the fixer agent cannot run: %s", e.msg);
		return -1;
	}
	*run_as = u;
	return 0;
}

/* Run the fixer once with prompt on stdin; its stdout into out; 0 ran ok / -1 why. */
static int
fixer_once(struct orch_ctx *c, const struct task *t, char *const *cmd, const char *prompt, int attempt,
    const char *errors, struct buf *out, char *why, size_t wn)
{
	char *argv[32] = { NULL }, *env[8] = { NULL }, desc[300];
	const struct proc_user *run_as;
	struct proc_user user;
	struct proc_result pr;
	size_t i, n = argv_len(cmd);
	int rc = 0;

	if (fixer_user(c->cfg, &user, &run_as, why, wn) < 0)
		return -1;
	for (i = 0; i < n && i < 31; i++)
		argv[i] = job_expand_arg(cmd[i], t->work_item, "fix", t->worktree, t->branch, "");
	if (asprintf(&env[0], "ORCH_WORK_ITEM=%s", t->work_item) < 0 ||
	    asprintf(&env[1], "ORCH_STAGE=fix") < 0 ||
	    asprintf(&env[2], "ORCH_WORKTREE=%s", t->worktree) < 0 ||
	    asprintf(&env[3], "ORCH_BRANCH=%s", t->branch) < 0 || asprintf(&env[4], "ORCH_AGENT=fixer") < 0 ||
	    asprintf(&env[5], "ORCH_FIX_ATTEMPT=%d", attempt) < 0 ||
	    asprintf(&env[6], "ORCH_FIX_ERRORS=%s", errors) < 0)
		env[6] = NULL;
	struct proc_spec s = { .argv = (const char *const *)argv,
		.cwd = t->worktree,
		.env_extra = (const char *const *)env,
		.timeout_ms = c->cfg->job_timeout_s * 1000,
		.out_cap = FIX_PLAN_MAX_BYTES,
		.stdin_data = prompt,
		.stdin_len = strlen(prompt),
		.tool = "fixer",
		.observe = store_tool_observe,
		.observe_ctx = c->st,
		.run_as = run_as };
	proc_run(&s, &pr);
	if (pr.status != PROC_OK) {
		proc_describe(&pr, desc, sizeof(desc));
		snprintf(why, wn, "the fixer agent %s", desc);
		rc = -1;
	}
	buf_reset(out);
	if (buf_append(out, buf_str(&pr.out), pr.out.len) < 0 && rc == 0) {
		snprintf(why, wn, "the fixer agent's answer (%zu bytes) does not fit in memory", pr.out.len);
		rc = -1;
	}
	proc_result_free(&pr);
	for (i = 0; i < 7; i++)
		free(env[i]);
	for (i = 0; argv[i]; i++)
		free(argv[i]);
	return rc;
}

static int
plan_from_agent(struct orch_ctx *c, const struct task *t, char *const *cmd, const char *findings,
    struct fix_result *r, char *why, size_t wn)
{
	struct buf prompt, out;
	int attempt, rc = -1;

	buf_init(&prompt, 2 * FIX_PLAN_MAX_BYTES);
	buf_init(&out, FIX_PLAN_MAX_BYTES + 1);
	why[0] = '\0';
	for (attempt = 0; attempt <= FIX_MAX_REPAIRS; attempt++) {
		buf_reset(&prompt);
		buf_addf(&prompt,
		    "Write a FixPlan for %s (branch %s) as ONE JSON object on stdout and nothing else.\n"
		    "Schema: docs/fix-pipeline.md (version 1; category dependency or lint; operations "
		    "pin_dependency, "
		    "add_dependency, remove_unused).\n",
		    t->work_item, t->branch);
		if (findings && *findings)
			buf_addf(&prompt, "\nFindings:\n%.20000s\n", findings);
		if (attempt) {
			buf_addf(&prompt, "\nYour previous answer was rejected: %s\nPrevious answer:\n", why);
			if (buf_append(&prompt, buf_str(&out), out.len) < 0)
				buf_add(&prompt, "(too long to quote)");
			buf_add(&prompt, "\n");
		}
		r->repairs = attempt;
		if (buf_failed(&prompt)) { /* cannot happen within the caps above; never send a cut prompt */
			snprintf(why, wn, "the fixer prompt is over its %zu-byte cap", prompt.max);
			break;
		}
		if (fixer_once(c, t, cmd, buf_str(&prompt), attempt, why, &out, why, wn) == 0 &&
		    accept_plan(r, buf_str(&out), out.len, why, wn) == 0) {
			rc = 0;
			break;
		}
	}
	if (rc < 0) {
		char last[600];
		str_copy(last, sizeof(last), why);
		snprintf(why, wn, "the fixer agent's plan is still invalid after %d repairs: %s",
		    FIX_MAX_REPAIRS, last);
	}
	buf_free(&prompt);
	buf_free(&out);
	return rc;
}

/* ---- validation ---- */

static int
has_finding(const struct deps_result *d, const char *pkg, const char *id)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (fixpatch_name_eq(d->v[i].package, strlen(d->v[i].package), pkg) &&
		    strcmp(d->v[i].id, id) == 0)
			return 1;
	return 0;
}

static int
plan_names(const struct fix_plan *p, const char *pkg)
{
	size_t i;

	for (i = 0; i < p->nops; i++)
		if (fixpatch_name_eq(pkg, strlen(pkg), p->ops[i].package))
			return 1;
	for (i = 0; i < p->nevidence; i++)
		if (strcmp(p->evidence[i], pkg) == 0)
			return 1;
	return 0;
}

/* The re-run audit: the plan's advisories gone, nothing new.  0 / -1 why. */
static int
audit_compare(const struct fix_plan *p, const struct deps_result *before, const struct deps_result *after,
    char *why, size_t wn)
{
	size_t i, j;

	if (before->degraded || after->degraded)
		return snprintf(why, wn,
			   "the dependency audit is degraded (%s); a dependency fix cannot be validated",
			   before->degraded ? before->note : after->note),
		       -1;
	for (i = 0; i < before->n; i++) {
		int planned = plan_names(p, before->v[i].package);
		for (j = 0; j < p->nevidence; j++)
			planned |= strcmp(p->evidence[j], before->v[i].id) == 0;
		if (!planned || !has_finding(after, before->v[i].package, before->v[i].id))
			continue;
		for (j = 0; j < after->n && strcmp(after->v[j].id, before->v[i].id) != 0; j++)
			;
		return snprintf(why, wn,
			   "the audit still reports %s for %s %s: that version does not fix the advisory",
			   before->v[i].id, before->v[i].package, j < after->n ? after->v[j].version : "?"),
		       -1;
	}
	for (i = 0; i < after->n; i++)
		if (!has_finding(before, after->v[i].package, after->v[i].id))
			return snprintf(why, wn, "the audit reports a new advisory %s for %s %s",
				   after->v[i].id, after->v[i].package, after->v[i].version),
			       -1;
	return 0;
}

static void
tail_into(struct buf *log, const char *title, const struct proc_result *pr)
{
	size_t o = pr->out.len > TAIL ? pr->out.len - TAIL : 0,
	       e = pr->err.len > TAIL ? pr->err.len - TAIL : 0;

	buf_addf(log, "== %s\n%s%s", title, buf_str(&pr->out) + o, buf_str(&pr->err) + e);
}

/* ---- the report and the commit ---- */

static void
report_text(struct buf *b, const struct task *t, const struct project *p, const struct fix_result *r)
{
	cJSON *plan = cJSON_Parse(r->plan_json ? r->plan_json : "{}");
	char *pretty = plan ? cJSON_Print(plan) : NULL;
	size_t vl = r->vlog.len, from = vl > TAIL ? vl - TAIL : 0;

	buf_addf(b,
	    "---\nfix_status: VALIDATED\nfix_run: %lld\ncategory: %s\ndanger_score: %d\ndiff_files: %d\n"
	    "diff_added: %d\ndiff_removed: %d\n---\n",
	    (long long)r->run_id, r->plan.category, r->stats.danger, r->stats.files, r->stats.added,
	    r->stats.removed);
	buf_addf(b,
	    "# Fix report for %s\n\n%s\n\nPlan from %s, patched deterministically at %.12s of %s; "
	    "validated in a scratch worktree.\n\n## Plan\n\n```json\n%s\n```\n\n",
	    t->work_item, r->plan.summary, r->source, r->base, t->branch, pretty ? pretty : "{}");
	buf_addf(b,
	    "## Diff stats\n\n- files: %d\n- lines added: %d, removed: %d\n- bytes: %ld\n- danger score: %d "
	    "(limit fix_max_danger)\n\n",
	    r->stats.files, r->stats.added, r->stats.removed, r->stats.bytes, r->stats.danger);
	buf_addf(b, "## Validation\n\n%s\n\nci_cmd: %s\n\nOutput (tail):\n\n```\n%s\n```\n", r->validation,
	    p->ci_cmd ? p->ci_cmd[0] : "-", buf_str(&r->vlog) + from);
	free(pretty);
	cJSON_Delete(plan);
}

static void
commit_message(struct buf *m, const struct fix_result *r)
{
	size_t i;

	buf_addf(m, "orch-fix: %s\n\n%s fix run %lld for %s.\nOperations:\n", r->plan.summary,
	    r->plan.category, (long long)r->run_id, r->work_item);
	for (i = 0; i < r->plan.nops; i++) {
		const struct fix_op *op = &r->plan.ops[i];
		if (op->type == FIX_REMOVE_UNUSED)
			buf_addf(m, "- remove_unused %s: %s%s%s\n", op->file, op->module,
			    op->has_name ? "." : "", op->has_name ? op->name : "");
		else
			buf_addf(m, "- %s %s: %s==%s\n", fixop_type_name(op->type), op->file, op->package,
			    op->version);
	}
	if (r->plan.nevidence) {
		buf_add(m, "Advisories:");
		for (i = 0; i < r->plan.nevidence; i++)
			buf_addf(m, " %s", r->plan.evidence[i]);
		buf_add(m, "\n");
	}
	buf_addf(m, "Danger score %d; validated by git apply --check, ci_cmd%s.\n", r->stats.danger,
	    strcmp(r->plan.category, "dependency") == 0 ? " and the dependency audit" : "");
}

/* Write r->diff to a fresh file under <home>/runs/tmp (git apply reads a file); -1 with r's outcome set. */
static int
write_patch(struct orch_ctx *c, struct fix_result *r, char *diffpath, size_t dn)
{
	struct orch_err e = { 0 };
	char rnd[17];

	if (random_hex(rnd, 8) < 0 || str_fmt(diffpath, dn, "%s/runs/tmp", c->cfg->home) < 0 ||
	    mkdir_p(diffpath, 0700) < 0 ||
	    str_fmt(diffpath, dn, "%s/runs/tmp/%s-fix.diff", c->cfg->home, rnd) < 0 ||
	    atomic_write_file(diffpath, &r->diff, &e) < 0)
		return outcome(
			   r, "error", "cannot write the patch under '%s/runs/tmp': %s", c->cfg->home, e.msg),
		       -1;
	return 0;
}

/* Apply the patch in scratch and commit the plan's files with msg; -1 with r's outcome set. */
static int
apply_and_commit(struct orch_ctx *c, const char *scratch, const char *diffpath, const struct buf *msg,
    struct fix_result *r)
{
	const char *check[] = { "apply", "--check", "--", diffpath, NULL };
	const char *apply[] = { "apply", "--", diffpath, NULL };
	const char *commit[] = { "commit", "-q", "--no-verify", "-m", buf_str(msg), NULL };
	char why[1024];
	size_t i;

	/* a patch that does not apply is the plan's failure; one that fails after --check is ours */
	if (git_do(c, scratch, check, why, sizeof(why)) < 0)
		return outcome(r, "failed", "the patch does not apply at %.12s: %s", r->base, why), -1;
	if (git_do(c, scratch, apply, why, sizeof(why)) < 0)
		return outcome(r, "error", "%s", why), -1;
	buf_add(&r->vlog, "== git apply --check: clean\n");
	for (i = 0; i < r->plan.nfiles; i++) {
		const char *add[] = { "add", "--", r->plan.files[i], NULL };
		if (git_do(c, scratch, add, why, sizeof(why)) < 0)
			return outcome(r, "error", "%s", why), -1;
	}
	if (git_do(c, scratch, commit, why, sizeof(why)) < 0)
		return outcome(r, "error", "%s", why), -1;
	return 0;
}

/* The project's ci_cmd on the patched tree; -1 with r's outcome set. */
static int
run_ci(struct orch_ctx *c, const struct project *p, const char *scratch, struct fix_result *r)
{
	struct proc_result pr;
	char why[1024];

	if (p->ci_cmd == NULL)
		return outcome(r, "failed",
			   "project '%s' has no ci_cmd; a fix cannot be validated (set ci_cmd in orch.yaml)",
			   p->key),
		       -1;
	struct proc_spec s = { .argv = (const char *const *)p->ci_cmd,
		.cwd = scratch,
		.timeout_ms = c->cfg->ci_timeout_s * 1000,
		.out_cap = BUF_MIB,
		.tool = "ci_cmd",
		.observe = store_tool_observe,
		.observe_ctx = c->st };
	proc_run(&s, &pr);
	tail_into(&r->vlog, "ci_cmd", &pr);
	if (pr.status != PROC_OK) {
		proc_describe(&pr, why, sizeof(why));
		outcome(r, "failed", "ci_cmd %s on the patched tree (ci_timeout_s %d)", why,
		    c->cfg->ci_timeout_s);
		snprintf(r->validation, sizeof(r->validation), "ci_cmd %s", why);
		proc_result_free(&pr);
		return -1;
	}
	snprintf(r->validation, sizeof(r->validation), "git apply --check: clean; ci_cmd passed in %lld ms",
	    (long long)pr.elapsed_ms);
	proc_result_free(&pr);
	return 0;
}

/* A dependency fix must clear the plan's advisories and add none: audit the patched tree; -1 with r's outcome
 * set. */
static int
audit_patched(struct orch_ctx *c, const char *scratch, const struct deps_result *before, struct fix_result *r)
{
	size_t vl = strlen(r->validation);
	struct orch_err e = { 0 };
	struct deps_result after;
	char why[1024];

	if (scan_deps(c, scratch, "HEAD", &after, &e) < 0)
		return outcome(r, "error", "the audit of the patched tree failed: %s", e.msg), -1;
	buf_addf(
	    &r->vlog, "== audit (%s): %zu finding(s) before, %zu after\n", after.engine, before->n, after.n);
	if (audit_compare(&r->plan, before, &after, why, sizeof(why)) < 0) {
		deps_result_free(&after);
		outcome(r, "failed", "%s", why);
		snprintf(r->validation + vl, sizeof(r->validation) - vl, "; audit: %s", why);
		return -1;
	}
	snprintf(r->validation + vl, sizeof(r->validation) - vl,
	    "; audit (%s): the plan's advisories are gone, no new ones (%zu finding(s) left)", after.engine,
	    after.n);
	deps_result_free(&after);
	return 0;
}

/* Amend the validated commit with the fix report (one commit) and take its id; -1 with r's outcome set. */
static int
commit_report(struct orch_ctx *c, const struct project *p, const struct task *t, const char *scratch,
    const struct buf *msg, struct fix_result *r)
{
	char why[1024] = "", path[256], blob[ORCH_SHA_BUF], info[400];
	struct git g = { .dir = scratch, .st = c->st };
	struct orch_err e = { 0 };
	struct buf rep;
	int rc = -1;

	buf_init(&rep, 4 * BUF_MIB);
	report_text(&rep, t, p, r);
	if (buf_failed(msg)) {
		outcome(r, "error", "the fix commit message is over its cap; report this as a bug");
		buf_free(&rep);
		return -1;
	}
	wi_artifact_path(t->work_item, "19-fix-report.md", path, sizeof(path));
	/* into the index as a blob, never through the work tree (a symlinked directory there leads out of it)
	 */
	const char *add[] = { "update-index", "--add", "--cacheinfo", info, NULL };
	const char *amend[] = { "commit", "-q", "--no-verify", "--amend", "-m", buf_str(msg), NULL };
	if (git_hash_blob(&g, buf_str(&rep), rep.len, blob, &e) < 0 ||
	    task_blob_record(c->st, t->work_item, path, blob, &e) < 0 ||
	    str_fmt(info, sizeof(info), "100644,%s,%s", blob, path) < 0 ||
	    git_do(c, scratch, add, why, sizeof(why)) < 0 || git_do(c, scratch, amend, why, sizeof(why)) < 0)
		outcome(r, "error", "cannot commit the fix report: %s", e.msg[0] ? e.msg : why);
	else
		rc =
		    git_rev_parse(&g, "HEAD", r->commit, &e) < 0 ? (outcome(r, "error", "%s", e.msg), -1) : 0;
	buf_free(&rep);
	return rc;
}

/*
 * In scratch: apply and commit the patch, run ci_cmd, audit a dependency
 * fix, then amend the report in.  0 validated (r->commit set), -1 not.
 */
static int
validate(struct orch_ctx *c, const struct project *p, const struct task *t, const struct deps_result *before,
    const char *scratch, struct fix_result *r)
{
	char diffpath[ORCH_PATH_MAX_3];
	struct buf msg;
	int rc = -1;

	if (write_patch(c, r, diffpath, sizeof(diffpath)) < 0)
		return -1;
	buf_init(&msg, 64 * 1024);
	commit_message(&msg, r);
	if (apply_and_commit(c, scratch, diffpath, &msg, r) == 0 && run_ci(c, p, scratch, r) == 0 &&
	    (strcmp(r->plan.category, "dependency") != 0 || audit_patched(c, scratch, before, r) == 0))
		rc = commit_report(c, p, t, scratch, &msg, r);
	buf_free(&msg);
	unlink(diffpath);
	return rc;
}

/*
 * Move the branch to the validated commit in orch's repository (after the
 * workspace's own commits are imported: one made meanwhile wins), then hand
 * it to the workspace; 0 / -1 (r->status set).
 */
static int
land(struct orch_ctx *c, const struct task *t, struct fix_result *r)
{
	struct orch_err e = { 0 };
	char ref[300], why[900];
	int moved = 0, st;

	if ((st = ws_import(c, t, &moved, &e)) < 0)
		return outcome(r, "error", "cannot read the task's workspace: %s", e.msg), -1;
	if (st != WS_OK)
		return outcome(r, "failed", "%s; then run orch-fix %s again", e.msg, t->work_item), -1;
	snprintf(ref, sizeof(ref), "refs/heads/%s", t->branch);
	const char *upd[] = { "update-ref", "-m", "orch-fix: validated fix", ref, r->commit, r->base, NULL };
	if (moved || git_do(c, t->repo, upd, why, sizeof(why)) < 0)
		return outcome(r, "failed",
			   "the branch %s moved from %.12s during the fix; nothing committed, run "
			   "orch-fix %s again",
			   t->branch, r->base, t->work_item),
		       -1;
	if (ws_sync(c, t, &e) < 0)
		event_add(c->st, t->work_item, "workspace_sync_failed", t->stage, t->stage, e.msg, NULL);
	return 0;
}

/* Back to review: one transaction for the task, the reviewer job, the event, the note, the run row. */
static int
advance(struct orch_ctx *c, const struct project *p, struct task *t, struct fix_result *r, struct orch_err *e)
{
	const struct stage *sd = stage_get(t->stage), *rv = stage_review();
	char from[24], desc[700], msg[700];
	int64_t job = 0;
	int moved;

	if (sd == NULL || !sd->fixable || t->blocked) {
		snprintf(r->reason + strlen(r->reason), sizeof(r->reason) - strlen(r->reason),
		    "; the task stays at %s%s", t->stage,
		    t->blocked ? " (blocked: orch-advance --unblock first)" : "");
		return record_finish(c, r, e);
	}
	str_copy(from, sizeof(from), t->stage);
	str_copy(t->stage, sizeof(t->stage), rv->name);
	t->review_requested = 0;
	snprintf(desc, sizeof(desc),
	    "%s: review the fix orch committed on branch %s (%s; see "
	    "docs/work-items/%s/19-fix-report.md)",
	    t->work_item, t->branch, r->plan.summary, t->work_item);
	snprintf(msg, sizeof(msg), "%s -> %s: fix validated and committed (%.12s): %s", from, rv->name,
	    r->commit, r->plan.summary);
	str_copy(r->stage_after, sizeof(r->stage_after), rv->name);
	if (store_begin(c->st, e) < 0)
		return -1;
	if ((moved = task_update(c->st, t, e)) <= 0) {
		store_rollback(c->st);
		if (moved < 0)
			return -1;
		str_copy(t->stage, sizeof(t->stage), from);
		r->stage_after[0] = '\0';
		snprintf(r->reason + strlen(r->reason), sizeof(r->reason) - strlen(r->reason),
		    "; the task moved on meanwhile, its stage is left as it is");
		return record_finish(c, r, e);
	}
	if (job_finish_agent(c->st, t->id, stage_ci()->agent, e) < 0 ||
	    (config_agent(p, rv->agent) &&
		job_enqueue(c->st, t->id, rv->agent, rv->name, desc, &job, e) < 0) ||
	    event_add(c->st, t->work_item, "fixed", from, rv->name, msg, e) < 0 ||
	    notify_queue(c->st, "info", t->work_item, msg, e) < 0 || record_finish(c, r, e) < 0) {
		store_rollback(c->st);
		return -1;
	}
	if (store_commit(c->st, e) < 0)
		return -1;
	{
		struct tracker tr;
		struct tracker_issue is;
		struct orch_err te = { 0 };
		if (tracker_open(&tr, c, t->project, &te) == 0) {
			if (tr.ops->get(&tr, t->work_item, &is, &te) < 0 ||
			    tracker_set_status(&tr, &is, rv->display, &te) < 0)
				event_add(
				    c->st, t->work_item, "tracker_error", rv->name, rv->name, te.msg, NULL);
			tracker_close(&tr);
		}
	}
	return 0;
}

/* The plan, by source; 0 / -1 with r->status set. */
static int
get_plan(struct orch_ctx *c, const struct project *p, const struct task *t, const struct fix_opts *o,
    struct deps_result *before, int *audited, struct fix_result *r, struct orch_err *e)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	char why[1024], path[256], head[300];
	struct buf text;
	int rc;

	/* everything is read at the head the patch will be made from */
	str_copy(head, sizeof(head), r->base);
	buf_init(&text, FIX_PLAN_MAX_BYTES + 1);
	if (o->from_audit) {
		if (scan_deps(c, t->repo, head, before, e) < 0) {
			buf_free(&text);
			return outcome(r, "error", "the audit failed: %s", e->msg), -1;
		}
		*audited = 1;
		if (before->degraded) {
			buf_free(&text);
			return outcome(r, "error",
				   "the dependency audit (%s) could not complete: %s; `orch doctor` "
				   "checks the engine: run orch-fix again once it answers",
				   before->engine, before->note),
			       -1;
		}
		if (plan_from_audit(r, before, &text, why, sizeof(why)) < 0) {
			buf_free(&text);
			return outcome(r, "invalid", "%s", why), -1;
		}
	} else if (o->plan_file) {
		if (read_plan_file(o->plan_file, &text, why, sizeof(why)) < 0) {
			buf_free(&text);
			return outcome(r, "invalid", "%s", why), -1;
		}
	} else {
		wi_artifact_path(t->work_item, "18-fix-plan.json", path, sizeof(path));
		rc = git_read_artifact(&repo, head, path, FIX_PLAN_MAX_BYTES, &text, e);
		if (rc == GIT_FAILED) {
			buf_free(&text);
			return outcome(r, "error", "%s", e->msg), -1;
		}
		if (rc < 0) { /* red: the reason moves to why (a missing plan is asked of the fixer) */
			str_copy(why, sizeof(why), e->msg);
			err_clear(e);
		}
		if (rc < 0 && !strstr(why, "missing")) {
			buf_free(&text);
			return outcome(r, "invalid", "%s", why), -1;
		}
		if (rc < 0) {
			char *const *cmd = fixer_agent(p);
			struct buf sec;
			if (cmd == NULL) {
				buf_free(&text);
				return outcome(r, "invalid",
					   "no plan for %s: pass --from-audit or --plan FILE, commit %s, or "
					   "configure a fixer agent",
					   t->work_item, path),
				       -1;
			}
			str_copy(r->source, sizeof(r->source), "agent");
			buf_init(&sec, FIX_PLAN_MAX_BYTES);
			wi_artifact_path(t->work_item, "17-security-report.md", path, sizeof(path));
			if (git_read_artifact(&repo, head, path, FIX_PLAN_MAX_BYTES, &sec, e) < 0)
				err_clear(e); /* no report: the fixer works from the plan's request alone */
			rc = plan_from_agent(c, t, cmd, buf_str(&sec), r, why, sizeof(why));
			buf_free(&sec);
			buf_free(&text);
			if (rc < 0)
				return outcome(r, "invalid", "%s", why), -1;
			return 0;
		}
		str_copy(r->source, sizeof(r->source), "branch");
	}
	rc = accept_plan(r, text.data ? text.data : "", text.len, why, sizeof(why));
	buf_free(&text);
	if (rc < 0)
		return outcome(r, "invalid", "the plan is invalid: %s", why), -1;
	return 0;
}

/* Policy, then the patch from the files at base; 0 / -1 with r->status set. */
static int
make_patch(struct orch_ctx *c, const struct task *t, struct fix_result *r, struct orch_err *e)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	char why[1024];
	size_t i, j;

	if (fixplan_policy(&r->plan, why, sizeof(why)) < 0) {
		snprintf(r->plan_decision, sizeof(r->plan_decision), "blocked: %s", why);
		return outcome(r, "blocked", "policy: %s", why), -1;
	}
	for (i = 0; i < r->plan.nfiles; i++) {
		struct buf cur, next;
		buf_init(&cur, FILE_CAP);
		int rc = git_read_artifact(&repo, r->base, r->plan.files[i], FILE_CAP, &cur, e);
		if (rc < 0) {
			buf_free(&cur);
			if (rc == GIT_FAILED)
				return outcome(r, "error", "%s", e->msg), -1;
			str_copy(why, sizeof(why), e->msg);
			err_clear(e);
			snprintf(
			    r->plan_decision, sizeof(r->plan_decision), "blocked: files[%zu]: %s", i, why);
			return outcome(r, "blocked", "policy: files[%zu]: %s", i, why), -1;
		}
		buf_init(&next, FILE_CAP);
		if (buf_append(&next, cur.data ? cur.data : "", cur.len) < 0) {
			buf_free(&next);
			buf_free(&cur);
			return outcome(r, "error", "out of memory copying '%s'", r->plan.files[i]), -1;
		}
		for (j = 0; j < r->plan.nops; j++) {
			struct buf out;
			if (strcmp(r->plan.ops[j].file, r->plan.files[i]) != 0)
				continue;
			buf_init(&out, FILE_CAP);
			if (fixpatch_apply(
				&r->plan.ops[j], buf_str(&next), next.len, &out, why, sizeof(why)) < 0) {
				buf_free(&out);
				buf_free(&next);
				buf_free(&cur);
				snprintf(r->plan_decision, sizeof(r->plan_decision), "allowed");
				return outcome(r, "invalid", "operations[%zu] %s: %s", j,
					   fixop_type_name(r->plan.ops[j].type), why),
				       -1;
			}
			buf_free(&next);
			next = out;
		}
		if (git_diff_texts(&repo, r->plan.files[i], buf_str(&cur), cur.len, buf_str(&next), next.len,
			&r->diff, e) < 0) {
			buf_free(&next);
			buf_free(&cur);
			if (e->code != EX_DATAERR)
				return outcome(r, "error", "%s", e->msg), -1;
			err_clear(e);
			return outcome(r, "blocked", "policy: the diff is over its size cap"), -1;
		}
		buf_free(&next);
		buf_free(&cur);
	}
	snprintf(r->plan_decision, sizeof(r->plan_decision), "allowed");
	if (fixplan_patch_policy(c->cfg, &r->plan, buf_str(&r->diff), &r->stats, why, sizeof(why)) < 0) {
		snprintf(r->patch_decision, sizeof(r->patch_decision), "blocked: %s", why);
		return outcome(r, "blocked", "policy after patching: %s", why), -1;
	}
	snprintf(r->patch_decision, sizeof(r->patch_decision), "allowed (danger %d)", r->stats.danger);
	return 0;
}

/* Validate in a scratch repository (lib/workspace.h), then land; 0 / -1 with r->status set. */
static int
validate_and_land(struct orch_ctx *c, const struct project *p, const struct task *t,
    const struct deps_result *before, struct fix_result *r)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	char scratch[ORCH_PATH_MAX_3], dst[300];
	struct orch_err e = { 0 };
	int rc;

	if (ws_scratch(c, t->repo, r->base, scratch, sizeof(scratch), &e) < 0)
		return outcome(r, "error", "cannot make a scratch repository: %s", e.msg), -1;
	snprintf(dst, sizeof(dst), "refs/orch/fix/%s", t->work_item);
	rc = validate(c, p, t, before, scratch, r);
	if (rc == 0 && git_fetch_into(&repo, scratch, "HEAD", dst, &e) < 0)
		rc =
		    (outcome(r, "error", "cannot take the validated commit from the scratch: %s", e.msg), -1);
	util_rm_tree(scratch);
	if (rc < 0 || land(c, t, r) < 0) {
		r->commit[0] = '\0'; /* validated maybe, but not on the branch */
		return -1;
	}
	return 0;
}

static int
pipeline(struct orch_ctx *c, const struct project *p, struct task *t, const struct fix_opts *o,
    struct fix_result *r, struct orch_err *e)
{
	struct git repo = { .dir = t->repo, .st = c->st };
	struct deps_result before = { 0 };
	int audited = 0, rc = -1, moved = 0, ws;
	char head[300];

	/* the workspace's commits first: the fix is planned on what the item's branch really holds */
	if ((ws = ws_import(c, t, &moved, e)) != WS_OK) {
		outcome(r, ws < 0 ? "error" : "failed", "%s", e->msg);
		err_clear(e);
		return -1;
	}
	snprintf(head, sizeof(head), "refs/heads/%s", t->branch);
	if (git_rev_parse(&repo, head, r->base, e) < 0) {
		outcome(r, "error", "%s", e->msg);
		err_clear(e);
		return -1;
	}
	if (get_plan(c, p, t, o, &before, &audited, r, e) < 0 || make_patch(c, t, r, e) < 0)
		goto out;
	if (o->dry_run) {
		rc = outcome(r, "dry_run", "dry run: the plan and the diff are printed; nothing changed");
		goto out;
	}
	if (strcmp(r->plan.category, "dependency") == 0 && !audited) {
		if (scan_deps(c, t->repo, r->base, &before, e) < 0) {
			outcome(r, "error", "the audit failed: %s", e->msg);
			goto out;
		}
		audited = 1;
	}
	if (validate_and_land(c, p, t, &before, r) < 0)
		goto out;
	rc = outcome(r, "validated", "fix validated and committed as %.12s on %s", r->commit, t->branch);
out:
	err_clear(e);
	deps_result_free(&before);
	return rc;
}

static int
run(struct orch_ctx *c, const struct fix_opts *o, struct fix_result *r, struct orch_err *e)
{
	const struct project *p;
	char holder[300] = "";
	struct task t;
	int rc, claimed;

	memset(r, 0, sizeof(*r));
	buf_init(&r->diff, 4 * BUF_MIB);
	buf_init(&r->vlog, 4 * BUF_MIB);
	str_copy(r->work_item, sizeof(r->work_item), o->work_item);
	str_copy(r->source, sizeof(r->source), o->from_audit ? "audit" : o->plan_file ? "file" : "branch");
	if (task_get(c->st, o->work_item, &t, e) < 0)
		return -1;
	if ((p = config_project(c->cfg, t.project)) == NULL)
		return err_set(e, EX_CONFIG, "project '%s' of %s is not configured; add it to orch.yaml",
		    t.project, t.work_item);
	if (o->dry_run)
		return pipeline(c, p, &t, o, r, e), 0;
	if (record_start(c, r, e) < 0)
		return -1;
	/* one process works a task at a time: the engine (already ours when it calls fix_auto), or us */
	if ((claimed = task_claim(c->st, &t, task_claim_ttl(c->cfg), holder, sizeof(holder), e)) < 0)
		return -1;
	if (claimed == 0) {
		outcome(r, "busy", "%s is being worked by %s; try again later", t.work_item, holder);
		return record_finish(c, r, e);
	}
	if (task_get(c->st, o->work_item, &t, e) < 0)
		rc = -1;
	else if ((rc = pipeline(c, p, &t, o, r, e)) == 0 && !o->no_advance)
		rc = advance(c, p, &t, r, e);
	else
		rc = record_finish(c, r, e);
	if (claimed == 1)
		task_release(c->st, &t);
	return rc;
}

int
fix_run(struct orch_ctx *c, const struct fix_opts *o, struct fix_result *r, struct orch_err *e)
{
	return run(c, o, r, e);
}

int
fix_auto(struct orch_ctx *c, const struct project *p, const struct task *t, struct fix_result *r,
    struct orch_err *e)
{
	struct fix_opts o = { .work_item = t->work_item, .from_audit = 1, .no_advance = 1 };

	struct git repo = { .dir = t->repo, .st = c->st };
	char path[256], head[300], value[32] = "", why[512] = "";
	struct buf rep;
	int rc;

	memset(r, 0, sizeof(*r));
	if (!p->auto_fix)
		return outcome(r, "skipped", "auto_fix is off for %s", p->key);
	/* a pin never clears a secret: only a report without secrets is worth a dependency fix */
	wi_artifact_path(t->work_item, "17-security-report.md", path, sizeof(path));
	snprintf(head, sizeof(head), "refs/heads/%s", t->branch);
	buf_init(&rep, FM_MAX_BYTES);
	rc = git_read_artifact(&repo, head, path, FM_MAX_BYTES, &rep, e);
	if (rc == GIT_ARTIFACT_RED) {
		str_copy(why, sizeof(why), e->msg);
		err_clear(e);
	} else if (rc == 0)
		rc = fm_get(rep.data ? rep.data : "", rep.len, "secrets_found", value, sizeof(value), why,
		    sizeof(why));
	buf_free(&rep);
	if (rc == GIT_FAILED)
		return -1;
	if (rc < 0 || strcmp(value, "0") != 0)
		return outcome(r, "skipped", "no auto-fix: %s",
		    rc < 0 ? why : "the security gate found secrets, which a dependency fix does not clear");
	if (run(c, &o, r, e) < 0)
		return -1;
	return strcmp(r->status, "validated") == 0;
}

void *
fix_result_json(const struct fix_result *r)
{
	cJSON *o = cJSON_CreateObject(), *st;

	if (r->run_id)
		cJSON_AddNumberToObject(o, "run_id", (double)r->run_id);
	else
		cJSON_AddNullToObject(o, "run_id");
	cJSON_AddStringToObject(o, "work_item", r->work_item);
	cJSON_AddStringToObject(o, "source", r->source);
	cJSON_AddStringToObject(o, "status", r->status);
	cJSON_AddStringToObject(o, "reason", r->reason);
	cJSON *plan = r->plan_json ? cJSON_Parse(r->plan_json) : NULL;
	if (plan)
		cJSON_AddItemToObject(o, "plan", plan);
	else
		cJSON_AddNullToObject(o, "plan");
	cJSON_AddStringToObject(o, "plan_decision", r->plan_decision);
	cJSON_AddStringToObject(o, "diff", buf_str(&r->diff));
	st = cJSON_AddObjectToObject(o, "diff_stats");
	cJSON_AddNumberToObject(st, "files", r->stats.files);
	cJSON_AddNumberToObject(st, "added", r->stats.added);
	cJSON_AddNumberToObject(st, "removed", r->stats.removed);
	cJSON_AddNumberToObject(st, "bytes", (double)r->stats.bytes);
	cJSON_AddNumberToObject(o, "danger", r->stats.danger);
	cJSON_AddStringToObject(o, "patch_decision", r->patch_decision);
	cJSON_AddStringToObject(o, "validation", r->validation);
	cJSON_AddStringToObject(o, "base", r->base);
	if (r->commit[0])
		cJSON_AddStringToObject(o, "commit", r->commit);
	else
		cJSON_AddNullToObject(o, "commit");
	cJSON_AddNumberToObject(o, "repairs", r->repairs);
	if (r->stage_after[0])
		cJSON_AddStringToObject(o, "stage_after", r->stage_after);
	else
		cJSON_AddNullToObject(o, "stage_after");
	return o;
}

/* The n newest fix runs, for orch-status. */
int
fix_runs_json(struct store *st, int n, struct cJSON *runs, struct orch_err *e)
{
	return store_list_json(st,
	    "SELECT id, work_item, source, status, reason, danger, commit_sha, started_at "
	    "FROM fix_runs ORDER BY id DESC LIMIT ?1",
	    n, runs, e);
}
