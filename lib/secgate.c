/*
 * The security gate, check_security_gate (SPEC section 10): first of the
 * deploy-staging -> deploy edge sub-gates, before any rebase, so a task is
 * never blamed for what main brought.
 *
 * It scans the branch's own commits (origin/main..branch head) for secrets
 * and audits requirements.txt at the branch head, writes
 * docs/work-items/<WI>/17-security-report.md (atomically, in the task's
 * worktree), commits it to the branch as orch, reads the verdict back
 * through the frontmatter parser and returns exactly that.
 *
 * The scanner's configuration is main's (or the operator's), never the
 * branch's (scancfg.h).  A branch that changes it, with no finding to fix
 * first, waits for a person: the report says security_status: HOLD, the
 * gate is GATE_WAIT until `orch-scan --approve-config WI` records an
 * approval of exactly the head's configuration blobs.  While held, the
 * report is committed once per set of blobs (a waiting item does not grow
 * a commit per tick).
 *
 * Only findings are GATE_RED (the developer fixes them).  A gate that
 * cannot run (gitleaks missing, refused by its probe, timed out, its
 * report unparsable; the remote unreachable; a fail-closed dependency feed
 * down) is GATE_ERROR: fail-closed, but the item stays where it is, no
 * retry is charged, no report is committed, the engine alerts once and the
 * next tick tries again.  The dependency feed is otherwise fail-open but
 * loud (an alert).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "config.h"
#include "ctx.h"
#include "frontmatter.h"
#include "gate.h"
#include "git.h"
#include "merge.h"
#include "scan.h"
#include "scancfg.h"
#include "task.h"
#include "util.h"
#include "wi.h"
#include "workspace.h"

int
gate_security_applies(const struct config *cfg, const struct project *p, char *why, size_t n)
{
	const char *list = cfg->security_gate_repos, *q;
	size_t kl = strlen(p->key);

	if (!cfg->security_gate_enabled) {
		if (why)
			snprintf(why, n, "security-gate disabled");
		return 0;
	}
	if (list == NULL || *list == '\0') {
		if (p->self_deploy)
			return 1;
		if (why)
			snprintf(why, n, "security-gate N/A for %s", p->key);
		return 0;
	}
	for (q = list; (q = strstr(q, p->key)) != NULL; q += kl) {
		int start = q == list || q[-1] == ',' || q[-1] == ' ';
		int end = q[kl] == '\0' || q[kl] == ',' || q[kl] == ' ';
		if (start && end)
			return 1;
	}
	if (why)
		snprintf(why, n, "security-gate N/A for %s", p->key);
	return 0;
}

/* One gate run: the range, both scans' results and the verdict drawn from them. */
struct secgate_run {
	const struct config *conf;
	char base[512], head[300], range[900], why[600], path[256];
	struct secrets_result s;
	struct deps_result d;
	int inherited;                    /* dependency findings the base has too: reported, never blocking */
	struct scancfg_change cfg;        /* does the branch change the scanner's configuration */
	char origin[SCANCFG_NFILES][320]; /* where the configuration the scan used came from */
	int block_sev, blocking, warning, fail;
	int hold;          /* no finding, but an unapproved configuration change: a person decides */
	int quiet_secrets; /* secrets found while security_secrets_block is false */
	int audit;         /* gate_result's deps_audit: 1 complete, 2 could not complete */
	char audit_note[512];
};

/* The report's section on the scanner's own configuration. */
static void
report_config(struct buf *b, const struct task *t, const struct secgate_run *g)
{
	int i;

	buf_add(b, "\n## Scanner configuration\n\n");
	for (i = 0; i < SCANCFG_NFILES; i++)
		buf_addf(b, "- %s used: %s\n", scancfg_files[i], g->origin[i]);
	if (!g->cfg.changed) {
		buf_add(b, "- the branch does not change it\n");
		return;
	}
	buf_addf(b, "- the branch changes %s (%s); the scan above did not use the branch's\n", g->cfg.files,
	    g->cfg.blobs);
	if (g->cfg.approved)
		buf_addf(b, "- approved by a person at commit %.12s (orch-scan --approve-config)\n",
		    g->cfg.approved_head);
	else
		buf_addf(b,
		    "- **held for a person**: review the change, then run `orch-scan --approve-config %s`; "
		    "the "
		    "approval counts while these blobs stay the same\n",
		    t->work_item);
}

/*
 * Does finding f block under security_dep_block?  Never when the base has
 * it too (inherited) or when it only warns about an unpinned requirement
 * (unless security_dep_unpinned_block).
 */
int
gate_dep_blocks(const struct config *cfg, const struct dep_finding *f, int block_sev)
{
	const char *p = cfg->security_dep_block ? cfg->security_dep_block : "severity";

	if (f->inherited)
		return 0;
	if (f->unpinned)
		return cfg->security_dep_unpinned_block;
	if (str_ieq(p, "none"))
		return 0;
	if (str_ieq(p, "any"))
		return 1;
	if (str_ieq(p, "fixable")) /* the tools' engines name only fixes newer than the pin */
		return f->fixable || (f->eco[0] == '\0' && f->fixes[0]);
	return f->sev != SEV_UNKNOWN && (int)f->sev >= block_sev;
}

/* One dependency finding: id, aliases, severity and its source, fixes, where, new or inherited. */
static void
report_dep(struct buf *b, const struct secgate_run *g, const struct dep_finding *f)
{
	const char *verdict = gate_dep_blocks(g->conf, f, g->block_sev) ? "blocking" : "warning";

	if (f->eco[0] ==
	    '\0') { /* the tools' engines: the line t-security-gate and orch-fix's readers know */
		buf_addf(b, "- %s %s %s: %s (%s)%s%s%s\n", f->package, f->version, f->id, sev_name(f->sev),
		    verdict, f->fixes[0] ? "; fixed in " : "", f->fixes,
		    f->inherited ? "; inherited from the base" : "");
		return;
	}
	if (f->unpinned) {
		buf_addf(b, "- unpinned: %s %s `%s` in `%s` line %d (%s%s)\n", f->eco, f->package, f->version,
		    f->file, f->line, f->inherited ? "inherited, " : "", verdict);
		return;
	}
	buf_addf(b, "- %s%s%s%s in %s%s%s %s: %s", f->id, f->aliases[0] ? " (" : "", f->aliases,
	    f->aliases[0] ? ")" : "", f->eco, f->eco[0] ? " " : "", f->package, f->version, sev_name(f->sev));
	if (f->sev_source[0])
		buf_addf(b, " (%s)", f->sev_source);
	buf_addf(b, "; %s%s", f->fixes[0] ? "fixed in " : "no fixed version known", f->fixes);
	if (f->file[0])
		buf_addf(b, "; `%s` line %d", f->file, f->line);
	buf_addf(b, "; %s, %s\n", f->inherited ? "inherited from the base" : "new", verdict);
}

static void
report_deps(struct buf *b, const struct task *t, const struct secgate_run *g)
{
	const struct deps_result *d = &g->d;
	size_t i, fixable = 0;

	buf_addf(b, "\n## Dependencies (%s)\n\n", d->engine[0] ? d->engine : "none");
	if (strcmp(d->engine, "osv") == 0)
		buf_addf(b,
		    "- %d lockfile(s), %d pinned package(s) audited at the branch head and the base; policy "
		    "security_dep_block: %s\n",
		    d->lockfiles, d->packages, g->conf->security_dep_block);
	if (d->note[0])
		buf_addf(b, "- %s%s\n", d->degraded ? "DEGRADED: " : "", d->note);
	if (d->n == 0 && !d->degraded)
		buf_add(b, "- no known vulnerabilities\n");
	for (i = 0; i < d->n; i++) {
		report_dep(b, g, &d->v[i]);
		fixable += d->v[i].fixes[0] != '\0' && !d->v[i].inherited;
	}
	/* the mechanical fix need not cost a developer's run: name the command that makes it */
	if (fixable)
		buf_addf(b,
		    "\nA fixed version is known for a vulnerable dependency: run `orch-fix %s --from-audit` "
		    "to pin "
		    "it (the fix is validated before it is committed, then reviewed).\n",
		    t->work_item);
}

static void
report_text(struct buf *b, const struct task *t, const struct secgate_run *g)
{
	const struct secrets_result *s = &g->s;
	const struct deps_result *d = &g->d;
	size_t i;

	buf_addf(b,
	    "---\nsecurity_status: %s\nsecrets_found: %zu\ndeps_blocking: %d\ndeps_warning: %d\n"
	    "deps_inherited: %d\ndeps_audit_degraded: %s\nscanner_config: %s\n---\n",
	    g->fail       ? "FAIL"
		: g->hold ? "HOLD"
			  : "PASS",
	    s->n, g->blocking, g->warning, g->inherited, d->degraded ? "true" : "false",
	    !g->cfg.changed       ? "unchanged"
		: g->cfg.approved ? "approved"
				  : "held");
	buf_addf(b, "# Security report for %s\n\nScanned %s (%d commits) of branch %s.\n", t->work_item,
	    g->range, s->commits, t->branch);
	if (g->fail || g->hold)
		buf_addf(b, "\n**%s**: %s\n", g->fail ? "FAIL" : "HOLD", g->why);
	buf_add(b, "\n## Secrets (gitleaks)\n\n");
	if (s->n == 0)
		buf_add(b, "- none found\n");
	for (i = 0; i < s->n; i++)
		buf_addf(b, "- %s in `%s` line %ld, commit %.12s, secret %s (fingerprint %s)\n", s->v[i].rule,
		    s->v[i].file, s->v[i].line, s->v[i].commit, s->v[i].masked, s->v[i].fingerprint);
	report_config(b, t, g);
	report_deps(b, t, g);
	if (strcmp(d->engine, "pip-audit") == 0 && d->n)
		buf_add(b,
		    "\npip-audit reports no severity: its findings are UNKNOWN and only warn; "
		    "severity-based blocking needs osv-scanner.\n");
}

/*
 * Only what the branch introduces can block: the same audit of the base
 * (main as fetched), and every finding of the head that the base has too
 * (same package, version and advisory) is inherited.  A base that cannot
 * be audited proves nothing: the head's findings stay new, and the audit is
 * degraded (said in the note).
 */
static int
secgate_base_deps(struct orch_ctx *c, const char *repo, struct secgate_run *g, struct orch_err *e)
{
	struct deps_result b;
	size_t i, j;

	if (g->d.n == 0)
		return 0; /* nothing to compare: the base's audit would change no verdict */
	if (scan_deps(c, repo, g->base, &b, e) < 0)
		return -1;
	if (b.degraded && !b.audited) {
		size_t l = strlen(g->d.note);
		g->d.degraded = 1;
		snprintf(g->d.note + l, sizeof(g->d.note) - l,
		    "%sthe base's audit did not complete (%.200s): every "
		    "finding counts as new",
		    l ? "; " : "", b.note);
	}
	for (i = 0; i < g->d.n; i++)
		for (j = 0; j < b.n && !g->d.v[i].inherited; j++)
			g->d.v[i].inherited = strcmp(g->d.v[i].package, b.v[j].package) == 0 &&
			    strcmp(g->d.v[i].version, b.v[j].version) == 0 &&
			    strcmp(g->d.v[i].id, b.v[j].id) == 0 && strcmp(g->d.v[i].eco, b.v[j].eco) == 0;
	deps_result_free(&b);
	return 0;
}

/* The scans proper, with the trusted configuration (scancfg.h): 0, or -1 with *e. */
static int
secgate_scans(const struct gate_ctx *gc, struct secgate_run *g, struct orch_err *e)
{
	struct orch_ctx c = { .cfg = gc->cfg, .st = gc->st };
	const struct task *t = gc->task;
	struct git repo = { .dir = t->repo, .st = gc->st };
	struct scancfg sc;
	int rc, i;

	if (scancfg_check(&repo, gc->st, t->work_item, g->base, g->head, &g->cfg, e) < 0 ||
	    scancfg_prepare(&c, gc->project, t->repo, g->base, &sc, e) < 0)
		return -1;
	for (i = 0; i < SCANCFG_NFILES; i++)
		str_copy(g->origin[i], sizeof(g->origin[i]), sc.origin[i]);
	rc = scan_secrets(&c, t->repo, g->base, g->head, 0, &sc, &g->s, e);
	scancfg_release(&sc);
	if (rc < 0)
		return -1;
	if (scan_deps(&c, t->repo, g->head, &g->d, e) < 0 || secgate_base_deps(&c, t->repo, g, e) < 0) {
		secrets_result_free(&g->s);
		deps_result_free(&g->d);
		return -1;
	}
	return 0;
}

/* Fetch main, scan the range for secrets and audit the dependencies: 0, or -1 with *e (nothing proven). */
static int
secgate_scan(const struct gate_ctx *gc, struct secgate_run *g, struct orch_err *e)
{
	const struct project *p = gc->project;
	const struct task *t = gc->task;
	struct git repo = { .dir = t->repo, .st = gc->st };

	struct orch_ctx c = { .cfg = gc->cfg, .st = gc->st };

	snprintf(g->head, sizeof(g->head), "refs/heads/%s", t->branch);
	if (p->remote &&
	    (merge_remote_trusted(&c, p, 1, e) < 0 || git_fetch(&repo, p->remote, p->main_branch, e) < 0))
		return -1;
	merge_main_ref(p, g->base, sizeof(g->base));
	snprintf(g->range, sizeof(g->range), "%s..%s", g->base + 5, t->branch);
	if (secgate_scans(gc, g, e) < 0)
		return -1;
	g->audit = g->d.degraded ? 2 : 1;
	str_copy(g->audit_note, sizeof(g->audit_note), g->d.note);
	/* no proof either way is orch's problem, not the developer's: hold the item, alert, retry later */
	if (!g->s.ok || (g->d.degraded && gc->cfg->security_dep_audit_fail_closed)) {
		if (!g->s.ok)
			err_set(e, EX_UNAVAILABLE, "the secret scan did not run: %s", g->s.error);
		else
			err_set(e, EX_UNAVAILABLE,
			    "the dependency audit is degraded and security_dep_audit_fail_closed "
			    "is set: %s",
			    g->d.note);
		secrets_result_free(&g->s);
		deps_result_free(&g->d);
		return -1;
	}
	return 0;
}

/*
 * A secret on a branch is an alert, not a notice: it was committed, so it
 * must be rotated, and the scan covers every commit of the branch, so only
 * rewriting the branch's history clears it.  The same text goes into the
 * findings (the developer's task and the tracker comment).
 */
static void
secret_alert(const struct gate_ctx *gc, const struct secgate_run *g, struct gate_result *r)
{
	const char *wi = gc->task->work_item;
	size_t n = strlen(r->alert);
	char text[900];

	snprintf(text, sizeof(text),
	    "security gate: %zu secret(s) on branch %s of %s: rotate the secret now (it is "
	    "in the branch's history); then rewrite the branch history without it: git -C '%s' rebase -i %s "
	    "(drop or edit the commit that added it); the scan covers every commit of %s, so a commit that "
	    "deletes "
	    "it is not enough",
	    g->s.n, gc->task->branch, wi, gc->task->worktree, g->base + 5, g->range);
	snprintf(r->alert + n, sizeof(r->alert) - n, "%s%s", n ? "; " : "", text);
	buf_addf(&r->findings, "%s\n\n", text);
	r->secret_on_branch = 1;
}

/* What blocks: secrets (when they do), then dependency findings at or above the threshold. */
static void
secgate_judge(const struct gate_ctx *gc, struct secgate_run *g, struct gate_result *r)
{
	size_t i;

	for (i = 0; i < g->d.n; i++) {
		g->inherited += g->d.v[i].inherited;
		if (gate_dep_blocks(gc->cfg, &g->d.v[i], g->block_sev))
			g->blocking++;
		else
			g->warning++;
	}
	if (g->s.n && gc->cfg->security_secrets_block)
		snprintf(g->why, sizeof(g->why), "%zu secret(s) found in %s", g->s.n, g->range);
	else if (g->blocking && str_ieq(gc->cfg->security_dep_block, "severity"))
		snprintf(g->why, sizeof(g->why), "%d dependency finding(s) at or above %s", g->blocking,
		    sev_name(g->block_sev));
	else if (g->blocking)
		snprintf(g->why, sizeof(g->why),
		    "%d dependency finding(s) blocking under security_dep_block: %s", g->blocking,
		    gc->cfg->security_dep_block);
	g->fail = g->why[0] != '\0';
	/* findings first (the developer fixes them); with none, a configuration change waits for a person */
	if (!g->fail && g->cfg.changed && !g->cfg.approved) {
		g->hold = 1;
		snprintf(g->why, sizeof(g->why),
		    "the branch changes the secret scanner's configuration (%s): held for "
		    "a person; review it, then run orch-scan --approve-config %s",
		    g->cfg.files, gc->task->work_item);
	}
	if (g->d.degraded)
		snprintf(r->alert, sizeof(r->alert), "security gate: dependency audit degraded for %s (%s)%s",
		    gc->task->work_item, g->d.note, g->fail ? "" : "; passing without it (fail-open)");
	if (g->s.n && gc->cfg->security_secrets_block)
		secret_alert(gc, g, r);
	/* an operator who turned the block off still hears of every secret: reported and alerted, not held */
	g->quiet_secrets = g->s.n && !gc->cfg->security_secrets_block;
	if (g->quiet_secrets)
		snprintf(r->alert + strlen(r->alert), sizeof(r->alert) - strlen(r->alert),
		    "%ssecurity gate: %zu "
		    "secret(s) found in %s of %s, not blocking (security_secrets_block is false): rotate "
		    "them",
		    r->alert[0] ? "; " : "", g->s.n, g->range, gc->task->work_item);
}

/*
 * 1 when the head already holds a HOLD report for these very blobs: a
 * waiting item is not given a new commit every tick (the commit count in a
 * fresh report would differ each time).
 */
static int
already_held(const struct gate_ctx *gc, const struct secgate_run *g)
{
	struct git repo = { .dir = gc->task->repo, .st = gc->st };
	char value[32], reason[600];
	struct orch_err e = { 0 };
	struct buf back;
	int same;

	buf_init(&back, FM_MAX_BYTES);
	same = git_read_artifact(&repo, g->head, g->path, FM_MAX_BYTES, &back, &e) == 0 && back.len &&
	    fm_verdict(back.data, back.len, "security_status", "HOLD", value, sizeof(value), reason,
		sizeof(reason)) == FM_PASS &&
	    strstr(buf_str(&back), g->cfg.blobs) != NULL;
	buf_free(&back);
	return same;
}

/* Commit the report to the branch as orch, in orch's repository (never through the workspace). */
static int
secgate_commit(const struct gate_ctx *gc, struct secgate_run *g, struct orch_err *e)
{
	const struct task *t = gc->task;
	struct orch_ctx c = { .cfg = gc->cfg, .st = gc->st };
	struct buf rep;
	int rc;

	wi_artifact_path(t->work_item, "17-security-report.md", g->path, sizeof(g->path));
	if (g->hold && already_held(gc, g))
		return 0;
	buf_init(&rep, 4 * BUF_MIB);
	report_text(&rep, t, g);
	if (g->quiet_secrets)
		buf_add(&rep,
		    "\nThe secrets above do not block: security_secrets_block is false. Rotate them.\n");
	if (buf_failed(&rep))
		rc = err_set(e, EX_SOFTWARE,
		    "the security report of %s is over its cap; report this as a bug", t->work_item);
	else
		rc = ws_commit_file(&c, t, g->path, buf_str(&rep), rep.len, "orch: security report", e);
	buf_free(&rep);
	return rc;
}

/* The verdict is what the committed report says, read back like any artifact: 0, or -1 with *e. */
static int
secgate_read_back(const struct gate_ctx *gc, struct secgate_run *g, struct gate_result *r, struct orch_err *e)
{
	struct git repo = { .dir = gc->task->repo, .st = gc->st };
	char value[32] = "", reason[600] = "";
	struct buf back;
	int rc;

	buf_init(&back, FM_MAX_BYTES);
	rc = git_read_artifact(&repo, g->head, g->path, FM_MAX_BYTES, &back, e);
	if (rc == GIT_FAILED) {
		buf_free(&back);
		return -1;
	}
	if (rc == GIT_ARTIFACT_RED) { /* the reason of the FAIL below */
		str_copy(reason, sizeof(reason), e->msg);
		err_clear(e);
	}
	if (back.len &&
	    fm_verdict(back.data, back.len, "security_status", "PASS", value, sizeof(value), reason,
		sizeof(reason)) == FM_PASS) {
		r->outcome = GATE_PASS;
		snprintf(r->reason, sizeof(r->reason), "17-security-report.md %s%s", reason,
		    r->alert[0] ? " (with a warning: see the alert)" : "");
	} else if (str_ieq(value, "HOLD")) {
		/* not the developer's to fix and no retry charged: a person approves (or the branch reverts)
		 */
		r->outcome = GATE_WAIT;
		snprintf(r->reason, sizeof(r->reason), "security gate HOLD: %s",
		    g->hold ? g->why : "17-security-report.md says HOLD");
	} else {
		const char *body = back.len ? fm_body(back.data, back.len) : NULL;
		r->outcome = GATE_RED;
		snprintf(r->reason, sizeof(r->reason), "security gate FAIL: %s", g->fail ? g->why : reason);
		if (body)
			buf_addf(
			    &r->findings, "Findings quoted from %s (secrets masked):\n%s", g->path, body);
	}
	buf_free(&back);
	return 0;
}

/* check_security_gate (see the top of this file). */
void
gate_security(const struct gate_ctx *gc, struct gate_result *r)
{
	struct secgate_run g = { .conf = gc->cfg,
		.block_sev = sev_parse(gc->cfg->security_dep_block_severity) };
	struct orch_err e = { 0 };
	int committed, rc;

	if (!gate_security_applies(gc->cfg, gc->project, g.why, sizeof(g.why))) {
		r->outcome = GATE_PASS;
		snprintf(r->reason, sizeof(r->reason), "%s", g.why);
		return;
	}
	if (gc->dry_run) {
		r->outcome = GATE_PASS;
		snprintf(r->reason, sizeof(r->reason), "dry run: the security gate is not run");
		return;
	}
	if (g.block_sev < 0)
		g.block_sev = SEV_HIGH;
	rc = secgate_scan(gc, &g, &e);
	r->deps_audit = g.audit; /* degraded is never quiet: the engine records it, pass or not */
	str_copy(r->deps_note, sizeof(r->deps_note), g.audit_note);
	if (rc < 0)
		goto error;
	secgate_judge(gc, &g, r);
	committed = secgate_commit(gc, &g, &e);
	secrets_result_free(&g.s);
	deps_result_free(&g.d);
	if (committed == 0 && secgate_read_back(gc, &g, r, &e) == 0)
		return;
	if (e.code == EX_DATAERR) { /* the branch itself is at fault (a symlinked artifact directory): red */
		r->outcome = GATE_RED;
		snprintf(r->reason, sizeof(r->reason), "security gate: %s", e.msg);
		return;
	}
error:
	/* fail-closed without blame: nobody proved the branch clean, nor dirty */
	r->outcome = GATE_ERROR;
	if (e.code == 0)
		e.code = EX_UNAVAILABLE;
	r->err = e;
	snprintf(r->reason, sizeof(r->reason),
	    "security gate could not run (fail-closed; the item stays, the "
	    "next tick retries): %s",
	    e.msg);
}

int
gate_security_config(const struct gate_ctx *gc, int approve, struct scancfg_change *ch, struct orch_err *e)
{
	const struct task *t = gc->task;
	struct git repo = { .dir = t->repo, .st = gc->st };
	char base[512], head[300];

	snprintf(head, sizeof(head), "refs/heads/%s", t->branch);
	merge_main_ref(gc->project, base, sizeof(base));
	/* an approval compares with main as it is now; --explain reads only (no network) */
	if (approve && gc->project->remote &&
	    git_fetch(&repo, gc->project->remote, gc->project->main_branch, e) < 0)
		return -1;
	if (approve)
		return scancfg_approve(&repo, gc->st, t->work_item, base, head, ch, e);
	return scancfg_check(&repo, gc->st, t->work_item, base, head, ch, e);
}
