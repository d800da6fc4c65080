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
#include "scan.h"
#include "task.h"
#include "util.h"
#include "wi.h"

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

static void
report_text(struct buf *b, const struct task *t, const char *range, const struct secrets_result *s,
    const struct deps_result *d, int blocking, int warning, int block_sev, int fail, const char *why)
{
	size_t i, fixable;

	buf_printf(b, "---\nsecurity_status: %s\nsecrets_found: %zu\ndeps_blocking: %d\ndeps_warning: %d\n"
	    "deps_audit_degraded: %s\n---\n", fail ? "FAIL" : "PASS", s->n, blocking, warning,
	    d->degraded ? "true" : "false");
	buf_printf(b, "# Security report for %s\n\nScanned %s (%d commits) of branch %s.\n", t->work_item, range,
	    s->commits, t->branch);
	if (fail)
		buf_printf(b, "\n**FAIL**: %s\n", why);
	buf_puts(b, "\n## Secrets (gitleaks)\n\n");
	if (s->n == 0)
		buf_puts(b, "- none found\n");
	for (i = 0; i < s->n; i++)
		buf_printf(b, "- %s in `%s` line %ld, commit %.12s, secret %s (fingerprint %s)\n", s->v[i].rule,
		    s->v[i].file, s->v[i].line, s->v[i].commit, s->v[i].masked, s->v[i].fingerprint);
	buf_printf(b, "\n## Dependencies (%s)\n\n", d->engine[0] ? d->engine : "none");
	if (d->note[0])
		buf_printf(b, "- %s%s\n", d->degraded ? "DEGRADED: " : "", d->note);
	else if (d->n == 0)
		buf_puts(b, "- no known vulnerabilities\n");
	for (i = 0, fixable = 0; i < d->n; i++) {
		buf_printf(b, "- %s %s %s: %s (%s)%s%s\n", d->v[i].package, d->v[i].version, d->v[i].id,
		    sev_name(d->v[i].sev), d->v[i].sev != SEV_UNKNOWN && (int)d->v[i].sev >= block_sev ? "blocking" : "warning",
		    d->v[i].fixes[0] ? "; fixed in " : "", d->v[i].fixes);
		fixable += d->v[i].fixes[0] != '\0';
	}
	/* the mechanical fix need not cost a developer's run: name the command that makes it */
	if (fixable)
		buf_printf(b, "\nA fixed version is known for a vulnerable dependency: run `orch-fix %s --from-audit` to pin "
		    "it (the fix is validated before it is committed, then reviewed).\n", t->work_item);
	if (strcmp(d->engine, "pip-audit") == 0 && d->n)
		buf_puts(b, "\npip-audit reports no severity: its findings are UNKNOWN and only warn; "
		    "severity-based blocking needs osv-scanner.\n");
}

/*
 * The verdict of one scan: the FAIL reason in why ("" for PASS), the alerts
 * of a passing gate in r->alert, the report in rep.  Frees s and d; -1 when
 * nothing proves the branch clean or dirty (e says why).
 */
static int
judge(const struct gate_ctx *gc, const char *range, struct secrets_result *s, struct deps_result *d,
    struct buf *rep, char *why, size_t wn, struct gate_result *r, struct orch_err *e)
{
	const struct task *t = gc->task;
	int block_sev = sev_parse(gc->cfg->security_dep_block_severity), blocking = 0, warning = 0, fail;
	int quiet_secrets = s->n && !gc->cfg->security_secrets_block;
	size_t i;

	if (block_sev < 0)
		block_sev = SEV_HIGH;
	for (i = 0; i < d->n; i++)
		if (d->v[i].sev != SEV_UNKNOWN && (int)d->v[i].sev >= block_sev)
			blocking++;
		else
			warning++;
	/* no proof either way is orch's problem, not the developer's: hold the item, alert, retry later */
	if (!s->ok || (d->degraded && gc->cfg->security_dep_audit_fail_closed)) {
		if (!s->ok)
			err_set(e, EX_UNAVAILABLE, "the secret scan did not run: %s", s->error);
		else
			err_set(e, EX_UNAVAILABLE, "the dependency audit is degraded and security_dep_audit_fail_closed "
			    "is set: %s", d->note);
		secrets_result_free(s);
		deps_result_free(d);
		return -1;
	}
	if (s->n && !quiet_secrets)
		snprintf(why, wn, "%zu secret(s) found in %s", s->n, range);
	else if (blocking)
		snprintf(why, wn, "%d dependency finding(s) at or above %s", blocking, sev_name(block_sev));
	fail = why[0] != '\0';
	if (d->degraded)
		snprintf(r->alert, sizeof(r->alert), "security gate: dependency audit degraded for %s (%s)%s",
		    t->work_item, d->note, fail ? "" : "; passing without it (fail-open)");
	/* an operator who turned the block off still hears of every secret: reported and alerted, not held */
	if (quiet_secrets)
		snprintf(r->alert + strlen(r->alert), sizeof(r->alert) - strlen(r->alert), "%ssecurity gate: %zu "
		    "secret(s) found in %s of %s, not blocking (security_secrets_block is false): rotate them",
		    r->alert[0] ? "; " : "", s->n, range, t->work_item);
	buf_init(rep, 4 * BUF_MIB);
	report_text(rep, t, range, s, d, blocking, warning, block_sev, fail, why);
	if (quiet_secrets)
		buf_puts(rep, "\nThe secrets above do not block: security_secrets_block is false. Rotate them.\n");
	secrets_result_free(s);
	deps_result_free(d);
	return 0;
}

void
gate_security(const struct gate_ctx *gc, struct gate_result *r)
{
	struct orch_ctx c = { .cfg = gc->cfg, .st = gc->st };
	const struct project *p = gc->project;
	const struct task *t = gc->task;
	struct git repo = { .dir = t->repo, .st = gc->st }, wt = { .dir = t->worktree, .st = gc->st };
	char base[512], head[300], path[256], full[4400], why[600] = "", value[32], reason[600], range[900];
	struct secrets_result s;
	struct deps_result d;
	struct buf rep, back;
	struct orch_err e = {0};

	if (gc->dry_run && gate_security_applies(gc->cfg, p, why, sizeof(why))) {
		r->outcome = GATE_PASS;
		snprintf(r->reason, sizeof(r->reason), "dry run: the security gate is not run");
		return;
	}
	if (!gate_security_applies(gc->cfg, p, why, sizeof(why))) {
		r->outcome = GATE_PASS;
		snprintf(r->reason, sizeof(r->reason), "%s", why);
		return;
	}
	snprintf(head, sizeof(head), "refs/heads/%s", t->branch);
	if (p->remote) {
		if (git_fetch(&repo, p->remote, p->main_branch, &e) < 0)
			goto error;
		snprintf(base, sizeof(base), "refs/remotes/%s/%s", p->remote, p->main_branch);
	} else {
		snprintf(base, sizeof(base), "refs/heads/%s", p->main_branch);
	}
	snprintf(range, sizeof(range), "%s..%s", base + 5, t->branch);
	if (scan_secrets(&c, t->worktree, base, head, 0, &s, &e) < 0)
		goto error;
	if (scan_deps(&c, t->repo, head, &d, &e) < 0) {
		secrets_result_free(&s);
		goto error;
	}
	if (judge(gc, range, &s, &d, &rep, why, sizeof(why), r, &e) < 0)
		goto error;
	wi_artifact_path(t->work_item, "17-security-report.md", path, sizeof(path));
	snprintf(full, sizeof(full), "%s/docs/work-items/%s", t->worktree, t->work_item);
	if (mkdir_p(full, 0755) < 0 || str_fmt(full, sizeof(full), "%s/%s", t->worktree, path) < 0 ||
	    atomic_write(full, buf_str(&rep), rep.len, 0644, &e) < 0 ||
	    git_commit_path(&wt, path, "orch: security report", &e) < 0) {
		buf_free(&rep);
		goto error;
	}
	buf_free(&rep);
	/* the verdict is what the committed report says, read back like any artifact */
	buf_init(&back, FM_MAX_BYTES);
	if (git_read_artifact(&repo, head, path, FM_MAX_BYTES, &back, reason, sizeof(reason), &e) == -2) {
		buf_free(&back);
		goto error;
	}
	if (back.len && fm_verdict(back.data, back.len, "security_status", "PASS", value, sizeof(value), reason,
	    sizeof(reason)) == FM_PASS) {
		r->outcome = GATE_PASS;
		snprintf(r->reason, sizeof(r->reason), "17-security-report.md %s%s", reason,
		    r->alert[0] ? " (with a warning: see the alert)" : "");
	} else {
		const char *body = back.len ? fm_body(back.data, back.len) : NULL;
		r->outcome = GATE_RED;
		snprintf(r->reason, sizeof(r->reason), "security gate FAIL: %s", why[0] ? why : reason);
		if (body)
			buf_printf(&r->findings, "Findings quoted from %s (secrets masked):\n%s", path, body);
	}
	buf_free(&back);
	return;
error:
	/* fail-closed without blame: nobody proved the branch clean, nor dirty */
	r->outcome = GATE_ERROR;
	if (e.code == 0)
		e.code = EX_UNAVAILABLE;
	r->err = e;
	snprintf(r->reason, sizeof(r->reason), "security gate could not run (fail-closed; the item stays, the "
	    "next tick retries): %s", e.msg);
}
