#include "gate.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctx.h"
#include "deploystate.h"
#include "frontmatter.h"
#include "git.h"
#include "job.h"
#include "merge.h"
#include "notify.h"
#include "proc.h"
#include "scancfg.h"
#include "sizes.h"
#include "stages.h"
#include "store.h"
#include "task.h"
#include "tracker.h"
#include "util.h"
#include "wi.h"
#include "workspace.h"

#define FINDINGS_MAX (16 * 1024)

const struct stage_artifact *
gate_stage_artifacts(const char *stage)
{
	static const struct stage_artifact none = { NULL, NULL, NULL };
	const struct stage *sd = stage_get(stage);

	return sd ? sd->artifacts : &none;
}

int
gate_describe_stage(const char *stage, const char *wi, char *out, size_t n)
{
	const struct stage_artifact *a = gate_stage_artifacts(stage);
	size_t len = 0;

	out[0] = '\0';
	if (stage_get(stage) && stage_get(stage)->runs_ci)
		return str_fmt(
		    out, n, "commit the change; the gate runs the project's ci_cmd at the branch head");
	for (; a->name; a++) {
		int k = a->key
		    ? snprintf(out + len, n - len, "%sdocs/work-items/%s/%s with frontmatter %s: %s",
			  len ? "; " : "", wi, a->name, a->key, a->pass)
		    : snprintf(out + len, n - len, "%sdocs/work-items/%s/%s", len ? ", " : "", wi, a->name);
		if (k < 0 || (size_t)k >= n - len)
			return -1;
		len += (size_t)k;
	}
	return 0;
}

void
gate_result_init(struct gate_result *r)
{
	memset(r, 0, sizeof(*r));
	buf_init(&r->findings, FINDINGS_MAX);
}

void
gate_result_free(struct gate_result *r)
{
	buf_free(&r->findings);
}

int
gate_error_alert(struct store *st, const struct task *t, const char *gate, const char *reason)
{
	struct orch_err e = { 0 };
	char key[200], msg[1200], upd[32];
	int first = 0;

	if (store_begin(st, &e) < 0)
		return -1;
	if (task_updated_at(st, t, upd, &e) < 0)
		goto fail;
	/* updated_at moves with every transition: one alert per gate per stay at a stage */
	snprintf(key, sizeof(key), "gate_error:%s:%s:%s", t->work_item, gate, upd);
	if ((first = task_note_once(st, key, &e)) < 0)
		goto fail;
	snprintf(msg, sizeof(msg), "%s held at %s by %s (no retry charged): %s", t->work_item, t->stage, gate,
	    reason);
	if (first &&
	    (event_add(st, t->work_item, "gate_error", t->stage, t->stage, reason, &e) < 0 ||
		notify_queue(st, "alert", t->work_item, msg, &e) < 0))
		goto fail;
	return store_commit(st, &e) < 0 ? -1 : first;
fail:
	store_rollback(st);
	return -1;
}

static void
red(struct gate_result *r, const char *fmt, const char *a, const char *b)
{
	r->outcome = GATE_RED;
	snprintf(r->reason, sizeof(r->reason), fmt, a, b ? b : "");
}

static void
gate_error(struct gate_result *r, const struct orch_err *e)
{
	r->outcome = GATE_ERROR;
	r->err = *e;
	snprintf(r->reason, sizeof(r->reason), "gate could not run: %s", e->msg);
}

static void
branch_ref(const struct task *t, char *out, size_t n)
{
	snprintf(out, n, "refs/heads/%s", t->branch);
}

/* The code id of commit against the project's main, the item's own documents excluded: 0, -1 with e. */
static int
code_id_of(const struct gate_ctx *c, const char *commit, char id[ORCH_SHA_BUF], struct orch_err *e)
{
	struct git g = { .dir = c->task->repo, .st = c->st };
	char main_ref[512], docs[128];

	merge_main_ref(c->project, main_ref, sizeof(main_ref));
	snprintf(docs, sizeof(docs), "docs/work-items/%s/", c->task->work_item);
	return git_code_id(&g, main_ref, commit, docs, id, e);
}

/* The branch head and its code id into r (bound): 0, or -1 with r in error. */
static int
bind_head(const struct gate_ctx *c, struct gate_result *r)
{
	struct git g = { .dir = c->task->repo, .st = c->st };
	struct orch_err e = { 0 };
	char ref[300];

	branch_ref(c->task, ref, sizeof(ref));
	if (git_rev_parse(&g, ref, r->judged_sha, &e) < 0 ||
	    code_id_of(c, r->judged_sha, r->code_id, &e) < 0) {
		gate_error(r, &e);
		return -1;
	}
	r->bound = 1;
	return 0;
}

/*
 * A verdict counts only for the code it saw: the commit that last wrote
 * path must have the head's code id.  Binds r to the head; 1 fresh, 0
 * stale (*last the commit that wrote it), -1 r in error.
 */
static int
verdict_fresh(const struct gate_ctx *c, struct gate_result *r, const char *path, char last[ORCH_SHA_BUF])
{
	struct git g = { .dir = c->task->repo, .st = c->st };
	struct orch_err e = { 0 };
	char ref[300], id[ORCH_SHA_BUF];

	if (bind_head(c, r) < 0)
		return -1;
	branch_ref(c->task, ref, sizeof(ref));
	if (git_last_commit(&g, ref, path, last, &e) < 0) {
		gate_error(r, &e);
		return -1;
	}
	if (strcmp(last, r->judged_sha) == 0)
		return 1;
	if (code_id_of(c, last, id, &e) < 0) {
		gate_error(r, &e);
		return -1;
	}
	return strcmp(id, r->code_id) == 0;
}

/* A stale verdict is a missing one: awaited on a manual stage, else its agent is asked again (a red). */
static void
verdict_stale(const struct gate_ctx *c, struct gate_result *r, const char *artifact, const char *stage,
    const char *last)
{
	r->bound = 0;
	r->outcome = c->manual ? GATE_WAIT : GATE_RED;
	if (!c->manual)
		r->rollback_to = stage;
	snprintf(r->reason, sizeof(r->reason),
	    "waiting for a fresh %s: the one on the branch was written at %.12s "
	    "for other code (the head %.12s changed the code since)",
	    artifact, last, r->judged_sha);
	if (!c->manual)
		buf_addf(&r->findings,
		    "%s on %s judged the code at %.12s; the code changed since. Judge the code at "
		    "the branch head and commit a new %s.\n",
		    artifact, c->task->branch, last, artifact);
}

/* Quote text as "> " lines into findings (capped; the cap is noted). */
static void
quote(struct buf *f, const char *text, size_t len)
{
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (buf_puts(f, "> ") < 0 || buf_append(f, p, l) < 0 || buf_puts(f, "\n") < 0) {
			buf_add(f, "> [... findings truncated; read the artifact for the rest]\n");
			return;
		}
		p += l + 1;
	}
}

/* One frontmatter verdict gate: artifact name, key, pass token. */
static void
verdict_gate(const struct gate_ctx *c, struct gate_result *r, const char *artifact, const char *key,
    const char *pass, const char *bind)
{
	struct git g = { .dir = c->task->repo, .st = c->st };
	struct buf content;
	char path[256], ref[300], value[128], why[512], last[ORCH_SHA_BUF];
	struct orch_err e = { 0 };
	int rc, fresh = 1;

	buf_init(&content, FM_MAX_BYTES);
	wi_artifact_path(c->task->work_item, artifact, path, sizeof(path));
	branch_ref(c->task, ref, sizeof(ref));
	rc = git_read_artifact(&g, ref, path, FM_MAX_BYTES, &content, &e);
	/* bind: the stage whose verdict counts only for the code it saw */
	if (rc == 0 && bind && (fresh = verdict_fresh(c, r, path, last)) <= 0) {
		if (fresh == 0)
			verdict_stale(c, r, artifact, bind, last);
	} else if (rc == GIT_FAILED) {
		gate_error(r, &e);
	} else if (rc < 0 && c->manual && strstr(e.msg, " is missing at ")) {
		r->outcome = GATE_WAIT;
		snprintf(r->reason, sizeof(r->reason), "waiting for %s (%s: %s) on %s", artifact, key, pass,
		    c->task->branch);
	} else if (rc < 0) {
		red(r, "%s%s", e.msg, NULL);
	} else if (fm_verdict(content.data ? content.data : "", content.len, key, pass, value, sizeof(value),
		       why, sizeof(why)) == FM_PASS) {
		r->outcome = GATE_PASS;
		snprintf(r->reason, sizeof(r->reason), "%s %s", artifact, why);
	} else {
		const char *body = fm_body(content.data ? content.data : "", content.len);
		red(r, "%s: %s", artifact, why);
		/* a manual stage charges a red once per version of the artifact */
		if (c->manual && git_blob_id(&g, ref, path, r->evidence, &e) < 0)
			r->evidence[0] = '\0';
		if (body && *body) {
			buf_addf(&r->findings, "Findings quoted from %s:\n", path);
			quote(&r->findings, body, strlen(body));
		}
	}
	buf_free(&content);
}

static void
check_analysis_complete(const struct gate_ctx *c, struct gate_result *r)
{
	const struct stage_artifact *a = stage_human()->artifacts;
	struct git g = { .dir = c->task->repo, .st = c->st };
	char path[256], ref[300], missing[400] = "";
	struct orch_err e = { 0 };

	branch_ref(c->task, ref, sizeof(ref));
	for (; a->name; a++) {
		struct buf b;
		int rc;
		buf_init(&b, FM_MAX_BYTES);
		wi_artifact_path(c->task->work_item, a->name, path, sizeof(path));
		rc = git_read_artifact(&g, ref, path, FM_MAX_BYTES, &b, &e);
		buf_free(&b);
		if (rc == GIT_FAILED)
			return gate_error(r, &e);
		if (rc < 0 && !(c->manual && strstr(e.msg, " is missing at ")))
			return red(r, "analysis incomplete: %s%s", e.msg, NULL);
		err_clear(&e);
		if (rc < 0)
			snprintf(missing + strlen(missing), sizeof(missing) - strlen(missing), "%s%s",
			    missing[0] ? ", " : "", a->name);
	}
	if (missing[0]) {
		r->outcome = GATE_WAIT;
		snprintf(r->reason, sizeof(r->reason), "waiting for %s on %s", missing, c->task->branch);
		return;
	}
	r->outcome = GATE_PASS;
	snprintf(r->reason, sizeof(r->reason), "analysis artifacts 01-04 committed");
}

int
gate_analysis_evidence(const struct gate_ctx *c, char *out, size_t n, struct orch_err *e)
{
	const struct stage_artifact *a = stage_human()->artifacts;
	struct git g = { .dir = c->task->repo, .st = c->st };
	char path[256], ref[300], blob[ORCH_SHA_BUF];
	size_t len = 0;

	branch_ref(c->task, ref, sizeof(ref));
	out[0] = '\0';
	for (; a->name; a++) {
		wi_artifact_path(c->task->work_item, a->name, path, sizeof(path));
		if (git_blob_id(&g, ref, path, blob, e) < 0)
			return -1;
		int k = snprintf(out + len, n - len, "%s%.2s=%s", len ? "," : "", a->name, blob);
		if (k < 0 || (size_t)k >= n - len)
			return err_set(e, EX_SOFTWARE, "the analysis evidence of %s is over %zu bytes",
			    c->task->work_item, n);
		len += (size_t)k;
	}
	return 0;
}

/*
 * An Approved counts only when orch asked for it (task_asks, kind: the human gate's stage),
 * for the artifacts as they were then, and set after the ask (the tracker's
 * updated_at past the mark orch's own status change left; orch's clock
 * when that is unknown).  1 it counts; 0 not (r waits, says why, and asks
 * again when the ask is missing or stale); -1 r in error.
 */
static int
approval_bound(const struct gate_ctx *c, struct gate_result *r, const struct tracker_issue *is)
{
	struct orch_err e = { 0 };
	struct task_ask a;
	int rc;

	if ((rc = task_ask_get(c->st, c->task, stage_human()->name, &a, &e)) < 0) {
		gate_error(r, &e);
		return -1;
	}
	r->outcome = GATE_WAIT;
	if (rc == 0 || strcmp(a.evidence, r->ask) != 0) {
		r->ask_needed = 1;
		snprintf(r->reason, sizeof(r->reason),
		    rc == 0
			? "%s is Approved, but orch had not asked for a review "
			  "of this analysis: asking now; set Approved again to approve it"
			: "the analysis of %s changed "
			  "since orch asked for its review: asking again; set Approved again to approve it",
		    c->task->work_item);
		return 0;
	}
	if (strcmp(is->updated_at, a.mark[0] ? a.mark : a.asked_at) <= 0) {
		snprintf(r->reason, sizeof(r->reason),
		    "%s was set Approved before orch asked for a review at %s: set "
		    "Approved again to approve the analysis as it is now",
		    c->task->work_item, a.asked_at);
		return 0;
	}
	return 1;
}

static void
check_analysis_approved(const struct gate_ctx *c, struct gate_result *r)
{
	struct tracker_issue is;
	struct orch_err e = { 0 };
	const char *key;

	if (c->tracker->ops->get(c->tracker, c->task->work_item, &is, &e) < 0)
		return gate_error(r, &e);
	if ((key = tracker_issue_key(c->tracker, &is, &e)) == NULL && e.code)
		return gate_error(r, &e);
	/* what a verdict here judges, and what orch asks about when it asks */
	if (gate_analysis_evidence(c, r->ask, sizeof(r->ask), &e) < 0)
		return gate_error(r, &e);
	if (key && strcmp(key, "approved") == 0 && approval_bound(c, r, &is) <= 0)
		return;
	if (key && (strcmp(key, "approved") == 0 || strcmp(key, "rejected") == 0)) {
		r->verdict.present = 1;
		str_copy(r->verdict.verdict, sizeof(r->verdict.verdict), key);
		str_copy(r->verdict.issue_id, sizeof(r->verdict.issue_id), is.id);
		str_copy(r->verdict.state_id, sizeof(r->verdict.state_id), is.state_id);
		str_copy(r->verdict.updated_at, sizeof(r->verdict.updated_at), is.updated_at);
		if (strcmp(key, "approved") == 0) {
			r->outcome = GATE_PASS;
			snprintf(r->reason, sizeof(r->reason), "analysis approved in the tracker");
		} else {
			r->outcome = GATE_RED;
			snprintf(r->reason, sizeof(r->reason), "analysis rejected in the tracker");
		}
		return;
	}
	r->outcome = GATE_WAIT;
	snprintf(r->reason, sizeof(r->reason), "waiting for a human: set %s to Approved or Rejected",
	    c->task->work_item);
	/* the ask on record must be for these artifacts: a reworked analysis is asked for again */
	struct task_ask a;
	if (task_ask_get(c->st, c->task, stage_human()->name, &a, &e) < 0)
		return gate_error(r, &e);
	r->ask_needed = strcmp(a.evidence, r->ask) != 0;
}

static void
check_architecture_done(const struct gate_ctx *c, struct gate_result *r)
{
	struct git g = { .dir = c->task->repo, .st = c->st };
	char dir[256], ref[300];
	struct orch_err e = { 0 };
	char **names = NULL;
	size_t i;

	branch_ref(c->task, ref, sizeof(ref));
	wi_artifact_path(c->task->work_item, "06-adr", dir, sizeof(dir));
	if (git_ls_dir(&g, ref, dir, &names, &e) < 0)
		return gate_error(r, &e);
	r->outcome = c->manual ? GATE_WAIT : GATE_RED;
	snprintf(r->reason, sizeof(r->reason),
	    c->manual ? "waiting for %s/ADR-*.md on the branch" : "no %s/ADR-*.md committed on the branch",
	    dir);
	for (i = 0; names[i]; i++)
		if (fnmatch("ADR-*.md", names[i], 0) == 0) {
			r->outcome = GATE_PASS;
			snprintf(r->reason, sizeof(r->reason), "%s/%s committed", dir, names[i]);
			break;
		}
	argv_free(names);
}

/*
 * With a shared store: the commit an agent left on another host must be in this host's branch
 * before a gate judges it (else the gate would judge older work).  0 go on, -1 r decided.
 */
static int
gate_awaited_commit(const struct gate_ctx *c, struct gate_result *r)
{
	struct git repo = { .dir = c->task->repo, .st = c->st };
	struct job_result_ref ref;
	struct orch_err e = { 0 };
	char head[ORCH_SHA_BUF], branch[300];
	int rc;

	if (c->cfg->store == NULL)
		return 0; /* one host: its runs' commits are in its own repository already */
	if ((rc = job_result_elsewhere(c->st, c->task->id, &ref, &e)) <= 0)
		return rc < 0 ? (gate_error(r, &e), -1) : 0;
	branch_ref(c->task, branch, sizeof(branch));
	/*
	 * Here, or not here long after the job ended: that host never pushed it (it died first), or the
	 * branch was rewritten since (the merge gate's rebase, the remote's branch taken over a stopped
	 * run's).  The branch is judged as it is: a verdict binds only the commit it judged.
	 */
	if ((git_rev_parse(&repo, branch, head, &e) == 0 &&
		(strcmp(head, ref.sha) == 0 || git_is_ancestor(&repo, ref.sha, head, NULL) == 1)) ||
	    (ref.finished_us > 0 &&
		time_now_us() - ref.finished_us > (int64_t)2 * c->cfg->job_lease_s * 1000000))
		return 0; /* the record stays: each host asks its own copy (one host's fetch is not another's)
			   */
	r->outcome = GATE_WAIT;
	snprintf(r->reason, sizeof(r->reason),
	    "waiting for %.12s, which job %lld's agent committed on host %s, to reach this host through "
	    "the remote (that host pushes it when the agent ends, and at its next tick)",
	    ref.sha, (long long)ref.job_id, ref.host);
	return -1;
}

void
gate_workspace(const struct gate_ctx *c, struct gate_result *r)
{
	struct orch_ctx oc = { .cfg = c->cfg, .st = c->st };
	struct orch_err e = { 0 };
	int moved = 0, rc;

	/* another host started the item, or this host's cache was removed: made from the branch */
	if (merge_workspace_ensure(&oc, c->project, c->task, &e) < 0) {
		if (e.code != EX_NOINPUT)
			return gate_error(r, &e);
		r->outcome = GATE_WAIT;
		snprintf(r->reason, sizeof(r->reason), "%s", e.msg);
		return;
	}

	/*
	 * A dry run imports too: the import changes no state of the item, it only
	 * makes orch's branch what the workspace committed (what a linked
	 * worktree's commit did at once), so a look sees what a tick would judge.
	 */
	r->outcome = GATE_PASS;
	switch (ws_import(&oc, c->task, &moved, &e)) {
	case WS_OK:
		snprintf(r->reason, sizeof(r->reason), "workspace %s", moved ? "imported" : "unchanged");
		/* the branch on the remote: a person's push taken, orch's branch pushed (not by a dry run) */
		rc = merge_branch_exchange(&oc, c->project, c->task, !c->dry_run, &e);
		/* the remote down is the merge gate's to report loudly; the item's work is here already */
		if (rc < 0 && !c->dry_run)
			event_add(c->st, c->task->work_item, "branch_exchange_failed", c->task->stage,
			    c->task->stage, e.msg, NULL);
		if (rc == 0) {
			r->outcome = GATE_WAIT;
			snprintf(r->reason, sizeof(r->reason), "%s", e.msg);
			return;
		}
		/* a shared store: another host's commit is waited for, also when this fetch failed */
		(void)gate_awaited_commit(c, r);
		return;
	case WS_RED: return red(r, "%s%s", e.msg, NULL);
	case WS_BUSY:
		r->outcome = GATE_WAIT;
		snprintf(r->reason, sizeof(r->reason), "%s", e.msg);
		return;
	default: return gate_error(r, &e);
	}
}

/*
 * The item's change already landed on main (a rollback from deploy): its
 * code id against main is "" with nothing left to change.  1 landed, 0 not,
 * -1 r in error.
 */
static int
landed(const struct gate_ctx *c, struct gate_result *r)
{
	struct git g = { .dir = c->task->repo, .st = c->st };
	char tested[ORCH_SHA_BUF] = "", main_ref[512];
	struct orch_err e = { 0 };
	int anc;

	if (task_tested_sha(c->st, c->task, tested, &e) < 0)
		return gate_error(r, &e), -1;
	if (strlen(tested) != 40)
		return 0;
	merge_main_ref(c->project, main_ref, sizeof(main_ref));
	if ((anc = git_is_ancestor(&g, tested, main_ref, &e)) < 0)
		gate_error(r, &e);
	return anc;
}

/*
 * Development passes only a change outside the item's documents: r waits
 * (people work the stage) or is red.  1 r is set, 0 go on (the change has
 * landed already: a rollback from deploy has nothing left to change).
 */
static int
no_change(const struct gate_ctx *c, struct gate_result *r, const char *head)
{
	int rc;

	if ((rc = landed(c, r)) != 0)
		return rc < 0;
	if (c->manual) {
		r->outcome = GATE_WAIT;
		snprintf(r->reason, sizeof(r->reason),
		    "waiting for a change outside docs/work-items/%s/ on %s (it changes "
		    "nothing against main yet)",
		    c->task->work_item, c->task->branch);
		return 1;
	}
	red(r,
	    "no change: %s changes nothing outside docs/work-items/%s/ against main; commit the code (a "
	    "project "
	    "whose work is documents sets docs_only: true)",
	    c->task->branch, c->task->work_item);
	snprintf(r->evidence, sizeof(r->evidence), "%s", head);
	return 1;
}

/* ci_cmd in a scratch copy of the branch head (never the workspace, whose files the agent may have changed).
 */
static void
check_ci_green(const struct gate_ctx *c, struct gate_result *r)
{
	struct git repo = { .dir = c->task->repo, .st = c->st };
	struct orch_ctx oc = { .cfg = c->cfg, .st = c->st };
	char head[ORCH_SHA_BUF], ref[300], desc[300], scratch[ORCH_PATH_MAX_1];
	struct orch_err e = { 0 };
	struct proc_result pr;

	if (c->project->ci_cmd == NULL)
		return red(r,
		    "project '%s' has no ci_cmd; set ci_cmd in orch.yaml (nothing merges untested)%s",
		    c->project->key, NULL);
	branch_ref(c->task, ref, sizeof(ref));
	if (git_rev_parse(&repo, ref, head, &e) < 0)
		return gate_error(r, &e);
	if (bind_head(c, r) < 0)
		return;
	if (r->code_id[0] == '\0' && !c->project->docs_only && no_change(c, r, head) != 0)
		return;
	if (ws_scratch(&oc, c->task->repo, head, scratch, sizeof(scratch), &e) < 0)
		return gate_error(r, &e);
	/* a SIGKILLed holder's ci_cmd is stopped; a live one's keeps the claim (another host may look) */
	struct task_child tc = { c->st, c->task, "ci_cmd", task_claim_ttl(c->cfg) };
	struct proc_spec s = {
		.argv = (const char *const *)c->project->ci_cmd,
		.cwd = scratch,
		.timeout_ms = c->cfg->ci_timeout_s * 1000,
		.out_cap = BUF_MIB,
		.tool = "ci_cmd",
		.observe = store_tool_observe,
		.observe_ctx = c->st,
		.on_start = task_claim_child,
		.on_start_ctx = &tc,
		.on_beat = task_claim_beat,
		.on_beat_ctx = &tc,
		.beat_ms = task_claim_beat_ms(tc.ttl_s),
	};
	proc_run(&s, &pr);
	util_rm_tree(scratch);
	if (pr.status == PROC_OK) {
		r->outcome = GATE_PASS;
		snprintf(r->reason, sizeof(r->reason), "ci_cmd passed at %.12s", head);
	} else {
		size_t tail;
		proc_describe(&pr, desc, sizeof(desc));
		red(r, "ci_cmd %s at %.12s", desc, head);
		snprintf(r->evidence, sizeof(r->evidence), "%s", head);
		buf_add(&r->findings, "CI output (last lines):\n");
		tail = pr.out.len > 3000 ? pr.out.len - 3000 : 0;
		quote(&r->findings, buf_str(&pr.out) + tail, pr.out.len - tail);
		tail = pr.err.len > 3000 ? pr.err.len - 3000 : 0;
		quote(&r->findings, buf_str(&pr.err) + tail, pr.err.len - tail);
	}
	proc_result_free(&pr);
}

/*
 * The code id of the commit a verdict judged, taken again here against the
 * same main as the head's: ids taken on another host (or before main was
 * fetched) can differ for the same code when the hosts' main differed.  The
 * recorded id when the commit is not in this repository.  Returns id.
 */
static const char *
recorded_code_id(const struct gate_ctx *c, const char *sha, char id[ORCH_SHA_BUF])
{
	char again[ORCH_SHA_BUF];
	struct orch_err e = { 0 };

	if (code_id_of(c, sha, again, &e) == 0)
		str_copy(id, ORCH_SHA_BUF, again);
	return id;
}

/*
 * A later gate passes only for the code the round's review (and testing)
 * passed: the head's code id must equal each one recorded in this round.
 * Nothing recorded in this round (an item an operator put at the stage, or
 * one in flight when orch learnt to record) is judged by its artifacts alone.
 */
static void
check_code_reviewed(const struct gate_ctx *c, struct gate_result *r)
{
	const struct stage *j;
	struct git g = { .dir = c->task->repo, .st = c->st };
	char sha[ORCH_SHA_BUF], id[ORCH_SHA_BUF], docs[128], files[600];
	struct orch_err e = { 0 };
	int rc;

	if (bind_head(c, r) < 0)
		return;
	snprintf(docs, sizeof(docs), "docs/work-items/%s/", c->task->work_item);
	/* every stage before this one whose verdict binds the code it judged (review, testing) */
	for (j = stage_table(); j->name && strcmp(j->name, c->task->stage) != 0; j++) {
		if (!j->binds_code)
			continue;
		if ((rc = task_verdict_bound(c->st, c->task, j->name, sha, id, &e)) < 0)
			return gate_error(r, &e);
		if (rc == 0 || strcmp(recorded_code_id(c, sha, id), r->code_id) == 0)
			continue;
		if (git_changed_files(&g, sha, r->judged_sha, docs, files, sizeof(files), &e) < 0 ||
		    !files[0])
			snprintf(files, sizeof(files), "(the files could not be listed: %s)",
			    e.code ? e.msg : "the code id differs");
		r->outcome = GATE_RED;
		r->bound = 0;
		r->rollback_to = stage_review()->name;
		snprintf(r->reason, sizeof(r->reason), "code changed after %s: %s", j->name, files);
		buf_addf(&r->findings,
		    "%s passed the code at %.12s; the branch head %.12s changed it (%s). It goes back "
		    "to %s: nothing ships that review did not approve.\n",
		    j->name, sha, r->judged_sha, files, stage_review()->name);
		return;
	}
	r->outcome = GATE_PASS;
	snprintf(r->reason, sizeof(r->reason), "the code at %.12s is the code this round's verdicts judged",
	    r->judged_sha);
}

/* The verdict artifact of the stage whose gates list gate, from the table. */
static void
stage_verdict(const struct gate_ctx *c, struct gate_result *r, const char *gate)
{
	const struct stage *sd = stage_with_gate(gate);
	const struct stage_artifact *a = sd ? sd->artifacts : NULL;

	if (a == NULL || a->name == NULL || a->key == NULL)
		BUG("a verdict gate's stage has no verdict artifact in the table");
	/* the deploy log has its own staleness rule (deploy_log_stale): it follows the merge */
	verdict_gate(c, r, a->name, a->key, a->pass, sd->deploys ? NULL : sd->name);
}

static void
check_reviewer_verdict(const struct gate_ctx *c, struct gate_result *r)
{
	stage_verdict(c, r, "check_reviewer_verdict");
}

static void
check_tests_passed(const struct gate_ctx *c, struct gate_result *r)
{
	stage_verdict(c, r, "check_tests_passed");
}

static void
check_staging_status(const struct gate_ctx *c, struct gate_result *r)
{
	stage_verdict(c, r, "check_staging_status");
}

/*
 * A deploy log the merge gate already tested (committed before the merge,
 * or left from an earlier round) reports another deploy, not this one: the
 * gate waits for a new log instead of passing (or rolling back) on it.
 * 1 stale (r says so), 0 not.
 */
static int
deploy_log_stale(const struct gate_ctx *c, struct gate_result *r)
{
	struct git g = { .dir = c->task->repo, .st = c->st };
	char tested[ORCH_SHA_BUF] = "", ref[300], path[256], at_test[ORCH_SHA_BUF], at_head[ORCH_SHA_BUF];
	struct orch_err e = { 0 };

	if (task_tested_sha(c->st, c->task, tested, &e) < 0)
		return gate_error(r, &e), 1; /* r is decided: the store's error */
	if (strlen(tested) != 40)
		return 0;
	wi_artifact_path(c->task->work_item, "14-deploy-log.md", path, sizeof(path));
	branch_ref(c->task, ref, sizeof(ref));
	if (git_blob_id(&g, tested, path, at_test, &e) < 0 || git_blob_id(&g, ref, path, at_head, &e) < 0 ||
	    strcmp(at_test, at_head) != 0)
		return 0; /* absent from the tested commit, or changed since: written after the merge */
	r->outcome = GATE_WAIT;
	snprintf(r->reason, sizeof(r->reason),
	    "14-deploy-log.md on %s is the one the merge gate tested at %.12s: it "
	    "predates this deploy; deploy, then commit a new log naming deployed_sha",
	    c->task->branch, tested);
	return 1;
}

/*
 * When orch runs the deploy (a hook, or self_deploy), 14-deploy-log.md is
 * orch's to write: a version orch did not write (recorded by blob id) is
 * red.  1 when r is decided, 0 to read the verdict.
 */
static int
deploy_log_forged(const struct gate_ctx *c, struct gate_result *r)
{
	struct git g = { .dir = c->task->repo, .st = c->st };
	char ref[300], path[256], blob[ORCH_SHA_BUF];
	struct orch_err e = { 0 };
	int known;

	if (!c->project->self_deploy && c->project->deploy_hook == NULL)
		return 0; /* the deployer agent writes it */
	wi_artifact_path(c->task->work_item, "14-deploy-log.md", path, sizeof(path));
	branch_ref(c->task, ref, sizeof(ref));
	if (git_blob_id(&g, ref, path, blob, &e) < 0)
		return 0; /* absent: the verdict gate says so */
	if ((known = task_blob_known(c->st, c->task->work_item, path, blob, &e)) < 0) {
		gate_error(r, &e);
		return 1;
	}
	if (known)
		return 0;
	red(r,
	    "14-deploy-log.md on %s was not written by orch, which runs this project's deploy: remove it "
	    "from "
	    "the branch (only orch's deploy log counts)%s",
	    c->task->branch, NULL);
	return 1;
}

/*
 * A deploy orch ran and recorded FAILED (deploystate.h): its log stays in the
 * deploy state, off the branch, so it never lands on main.  Red, held for a
 * person with deploy_failure: hold.  1 when r is decided, 0 not failed.
 */
static int
deploy_failed_red(const struct gate_ctx *c, struct gate_result *r)
{
	struct orch_ctx oc = { .cfg = c->cfg, .st = c->st };
	char dir[ORCH_PATH_MAX_1];
	long long code;

	if ((!c->project->self_deploy && c->project->deploy_hook == NULL) ||
	    deploy_failed_code(&oc, c->task, &code) != 1)
		return 0;
	if (deploy_state_dir(c->cfg, c->task, dir, sizeof(dir)) < 0)
		dir[0] = '\0';
	r->outcome = GATE_RED;
	r->hold = c->project->deploy_failure_hold;
	snprintf(r->reason, sizeof(r->reason),
	    "deploy hook exited %lld (its output and deploy log are in %s, not on "
	    "the branch)",
	    code, dir);
	return 1;
}

static void
check_deploy_status(const struct gate_ctx *c, struct gate_result *r)
{
	if (!deploy_failed_red(c, r) && !deploy_log_stale(c, r) && !deploy_log_forged(c, r))
		stage_verdict(c, r, "check_deploy_status");
}

/*
 * What went out: the deploy log's deployed_sha (lower-cased; orch's own logs
 * name it), else the branch head.  0 with sha set; -1 with r red (a value
 * that is not a commit) or in error (git could not answer).
 */
static int
deployed_commit(const struct gate_ctx *c, struct gate_result *r, const char *ref, char sha[ORCH_SHA_BUF])
{
	struct git g = { .dir = c->task->repo, .st = c->st };
	char path[256], why[256], val[128], got[1][ORCH_SHA_BUF];
	const char *refs[1] = { val };
	struct orch_err e = { 0 };
	struct buf log;
	int named;

	buf_init(&log, FM_MAX_BYTES);
	wi_artifact_path(c->task->work_item, "14-deploy-log.md", path, sizeof(path));
	named = git_read_artifact(&g, ref, path, FM_MAX_BYTES, &log, &e) == 0 &&
	    fm_get(log.data ? log.data : "", log.len, "deployed_sha", val, sizeof(val), why, sizeof(why)) ==
		0 &&
	    val[0] != '\0'; /* orch's own log leaves it empty when no merge was recorded */
	buf_free(&log);
	err_clear(&e);
	if (!named && c->project->land_squash && task_tested_sha(c->st, c->task, sha, NULL) == 0 &&
	    strlen(sha) == 40)
		return 0; /* squashed: the branch is the audit trail, the landed commit is what went out */
	if (!named) {
		if (git_rev_parse(&g, ref, sha, &e) == 0)
			return 0;
		gate_error(r, &e);
		return -1;
	}
	for (char *q = val; *q; q++)
		*q = (char)tolower((unsigned char)*q);
	if (strlen(val) != 40 || strspn(val, "0123456789abcdef") != 40) {
		red(r,
		    "14-deploy-log.md: deployed_sha '%s' is not a full commit id (40 hex digits); write what "
		    "`git rev-parse` prints for %s after the merge",
		    val, c->project->main_branch);
		return -1;
	}
	if (git_resolve(&g, refs, 1, got, &e) < 0) {
		if (e.code != EX_NOINPUT) {
			gate_error(r, &e);
			return -1;
		}
		red(r,
		    "14-deploy-log.md: deployed_sha %s is not a commit of this repository; write the commit "
		    "of "
		    "%s that went out",
		    val, c->project->main_branch);
		return -1;
	}
	snprintf(sha, 41, "%s", got[0]);
	return 0;
}

static void
check_merged_to_main(const struct gate_ctx *c, struct gate_result *r)
{
	struct git g = { .dir = c->task->repo, .st = c->st };
	char ref[300], main_ref[512], head[ORCH_SHA_BUF], tested[ORCH_SHA_BUF] = "";
	struct orch_err e = { 0 };
	int anc;

	branch_ref(c->task, ref, sizeof(ref));
	if (c->project->remote && git_fetch(&g, c->project->remote, c->project->main_branch, &e) < 0)
		return gate_error(r, &e);
	merge_main_ref(c->project, main_ref, sizeof(main_ref));
	if (deployed_commit(c, r, ref, head) < 0)
		return;
	if ((anc = git_is_ancestor(&g, head, main_ref, &e)) < 0)
		return gate_error(r, &e);
	if (!anc) {
		red(r, "deployed but not merged: %s is not an ancestor of %s", head, main_ref + 5);
		snprintf(r->alert, sizeof(r->alert),
		    "%s was deployed but is not on %s (%.12s): check what runs in "
		    "production (docs/deploy.md, \"is prod on main?\")",
		    c->task->work_item, main_ref + 5, head);
		return;
	}
	/* on main is not enough: what went out must hold what the merge gate tested and landed */
	if (task_tested_sha(c->st, c->task, tested, &e) < 0)
		return gate_error(r, &e);
	if (strlen(tested) == 40 && (anc = git_is_ancestor(&g, tested, head, &e)) <= 0) {
		if (anc < 0)
			return gate_error(r, &e);
		red(r,
		    "the deployed commit %s does not contain this item's merged commit %s: an older main "
		    "went "
		    "out; deploy again and name the new commit in deployed_sha",
		    head, tested);
		return;
	}
	r->outcome = GATE_PASS;
	snprintf(r->reason, sizeof(r->reason), "%.12s is on %s", head, main_ref + 5);
}

static const struct gate_def registry[] = {
	{ "check_analysis_approved", check_analysis_approved },
	{ "check_branch_mergeable", gate_mergeable },
	{ "check_analysis_complete", check_analysis_complete },
	{ "check_architecture_done", check_architecture_done },
	{ "check_ci_green", check_ci_green },
	{ "check_code_reviewed", check_code_reviewed },
	{ "check_deploy_status", check_deploy_status },
	{ "check_merged_to_main", check_merged_to_main },
	{ "check_reviewer_verdict", check_reviewer_verdict },
	{ "check_security_gate", gate_security },
	{ "check_staging_status", check_staging_status },
	{ "check_tests_passed", check_tests_passed },
	{ NULL, NULL },
};

const struct gate_def *
gate_find(const char *name)
{
	size_t i;

	for (i = 0; registry[i].name; i++)
		if (strcmp(registry[i].name, name) == 0)
			return &registry[i];
	return NULL;
}

/*
 * The state of artifact a at the branch head, as one line into out (what
 * --explain prints and orch-status quotes; the path padded to w): 0 present
 * or passes, 1 missing or red, -1 git could not answer.
 */
static int
artifact_state(
    const struct gate_ctx *c, const struct stage_artifact *a, const char *ref, int w, char *out, size_t on)
{
	struct git g = { .dir = c->task->repo, .st = c->st };
	char path[256], why[512], value[128];
	struct orch_err e = { 0 };
	struct buf content;
	int rc, st;

	wi_artifact_path(c->task->work_item, a->name, path, sizeof(path));
	if (strchr(a->name, '*')) { /* a glob: the gate lists the directory */
		char dir[256], **names = NULL;
		size_t i, found = 0;
		wi_artifact_path(c->task->work_item, "06-adr", dir, sizeof(dir));
		if (git_ls_dir(&g, ref, dir, &names, &e) == 0) {
			for (i = 0; names[i]; i++)
				found += fnmatch("ADR-*.md", names[i], 0) == 0;
			argv_free(names);
		}
		snprintf(out, on, "%-*s %s", w, path, found ? "present" : "MISSING");
		return found ? 0 : 1;
	}
	buf_init(&content, FM_MAX_BYTES);
	rc = git_read_artifact(&g, ref, path, FM_MAX_BYTES, &content, &e);
	st = rc == GIT_FAILED ? -1 : rc < 0 ? 1 : 0;
	if (rc < 0)
		snprintf(out, on, "%-*s %s", w, path,
		    rc == GIT_ARTIFACT_RED && strstr(e.msg, " is missing at ") ? "MISSING" : e.msg);
	else if (a->key == NULL)
		snprintf(out, on, "%-*s present", w, path);
	else if (fm_verdict(content.data ? content.data : "", content.len, a->key, a->pass, value,
		     sizeof(value), why, sizeof(why)) == FM_PASS)
		snprintf(out, on, "%-*s %s: %s (passes)", w, path, a->key, value);
	else {
		snprintf(out, on, "%-*s %s: %s (RED: %s; needs %s)", w, path, a->key, value[0] ? value : "-",
		    why, a->pass);
		st = 1;
	}
	buf_free(&content);
	{ /* one line: a value quoted from the artifact neither breaks it nor reaches the terminal raw */
		char clean[4 * 1200 + 1];
		str_escape_ctl(clean, sizeof(clean), out);
		snprintf(out, on, "%s", clean);
	}
	return st;
}

int
gate_pending(const struct gate_ctx *c, const char *stage, char *out, size_t n)
{
	const struct stage_artifact *a = gate_stage_artifacts(stage);
	char ref[300];
	int rc;

	branch_ref(c->task, ref, sizeof(ref));
	for (; a->name; a++)
		if ((rc = artifact_state(c, a, ref, 0, out, n)) != 0)
			return rc;
	out[0] = '\0';
	return 0;
}

/* --explain: a branch that changes the secret scanner's configuration waits for a person (scancfg.h). */
static void
explain_scanner_config(const struct gate_ctx *c, struct buf *out)
{
	struct scancfg_change ch;
	struct orch_err e = { 0 };

	if (!gate_security_applies(c->cfg, c->project, NULL, 0))
		return;
	if (gate_security_config(c, 0, &ch, &e) < 0)
		buf_addf(out, "  scanner configuration: cannot tell (%s)\n", e.msg);
	else if (ch.changed && ch.approved)
		buf_addf(out,
		    "  scanner configuration: the branch changes %s; approved at %.12s (the scan still uses "
		    "main's)\n",
		    ch.files, ch.approved_head);
	else if (ch.changed)
		buf_addf(out,
		    "  scanner configuration: the branch changes %s, so the security gate holds it for a "
		    "person: review the change, then run orch-scan --approve-config %s (it counts while %s "
		    "stay as "
		    "they are)\n",
		    ch.files, c->task->work_item, ch.files);
}

int
gate_explain(const struct gate_ctx *c, const char *stage, struct buf *out)
{
	const struct stage_artifact *a = gate_stage_artifacts(stage);
	const struct stage *sd = stage_get(stage);
	char ref[300];

	if (sd == NULL)
		return buf_printf(out, "%s is at '%s', a stage this orch does not know\n", c->task->work_item,
			   stage) < 0
		    ? -1
		    : 0;
	branch_ref(c->task, ref, sizeof(ref));
	if (sd->deploys && c->project->self_deploy) {
		/* nobody writes the log here: Confirm Deploy runs the hook and orch writes it (Phase C) */
		struct orch_ctx oc = { .cfg = c->cfg, .st = c->st };
		char host[256];
		if (deploy_marker_any(&oc, c->task, DEPLOY_INITIATED, host, sizeof(host)))
			buf_addf(out,
			    "%s at deploy (self_deploy), branch %s:\n  deploy initiated: waiting for the "
			    "hook's "
			    "result; orch-deploy --finalize then writes 14-deploy-log.md\n",
			    c->task->work_item, c->task->branch);
		else
			buf_addf(out,
			    "%s at deploy (self_deploy), branch %s:\n  waiting for Confirm Deploy (the "
			    "tracker "
			    "status, or orch-deploy --confirm %s); then the deploy hook runs and orch writes "
			    "14-deploy-log.md\n",
			    c->task->work_item, c->task->branch, c->task->work_item);
		buf_addf(out, "  and deployed_sha must be on main, holding the merged commit\n");
		return out->len ? 0 : -1;
	}
	buf_addf(out, "%s at %s (%s stage), branch %s:\n", c->task->work_item, stage,
	    c->manual ? "manual" : "automated", c->task->branch);
	for (; a->name; a++) {
		char line[1200];
		artifact_state(c, a, ref, 44, line, sizeof(line));
		buf_addf(out, "  %s\n", line);
	}
	if (sd->human_gate)
		buf_addf(out, "  then the human verdict: tracker status Approved (or Rejected)\n");
	if (sd->runs_ci)
		buf_addf(
		    out, "  ci_cmd must pass at the branch head (run by orch-advance, not by --explain)\n");
	if (sd->lands_on_main) {
		buf_addf(out,
		    "  then the security gate (17-security-report.md, written by orch) and the merge gate "
		    "(rebase onto main, ci_cmd)\n");
		explain_scanner_config(c, out);
	}
	if (sd->deploys)
		buf_addf(out,
		    "  and deployed_sha (the commit that went out) must be on main, holding the merged "
		    "commit\n");
	return out->len ? 0 : -1;
}
