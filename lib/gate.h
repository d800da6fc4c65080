/*
 * gate: the gate registry (SPEC section 5) — a table name -> function.
 *
 * A gate reads the committed state of a task's branch (never a working
 * file) or runs the project's ci_cmd, and fills a struct gate_result.  It
 * never writes to the store and never aborts: every failure becomes
 *   GATE_RED   with a reason (and findings to quote to the developer), or
 *   GATE_WAIT  when a human verdict is not given yet, or
 *   GATE_ERROR when the gate could not be evaluated (git broken, tracker
 *              unreachable); the engine then changes nothing.
 * A human gate that sees a verdict returns it in r->verdict; the engine
 * claims the verdict's key in the same transaction as its effect.
 */
#ifndef ORCH_GATE_H
#define ORCH_GATE_H

#include "buf.h"
#include "err.h"
#include "sizes.h"

struct config;
struct project;
struct scancfg_change;
struct store;
struct task;
struct tracker;

enum gate_outcome { GATE_PASS, GATE_RED, GATE_WAIT, GATE_ERROR };

struct gate_verdict {
	int present;
	char verdict[16]; /* approved | rejected */
	char issue_id[64], state_id[64], updated_at[40];
};

struct gate_ctx {
	const struct config *cfg;
	const struct project *project;
	struct store *st;
	struct tracker *tracker;
	const struct task *task;
	int dry_run; /* gates with effects (reports, rebases, leases) skip them */
	int manual;  /* people work the stage: a missing artifact is awaited, not red */
};

struct gate_result {
	enum gate_outcome outcome;
	char reason[1024];
	struct buf findings; /* quoted verbatim into the developer's task */
	struct gate_verdict verdict;
	struct orch_err err; /* GATE_ERROR detail */
	char alert[1536];    /* a loud warning to alert on even when the gate passes */
	char evidence[48];   /* what a red was judged on (artifact blob or branch head), for manual stages */
	/*
	 * Verdicts bound to commits: a gate that judged the code sets bound,
	 * the branch head it judged and that head's code id (git_code_id, ""
	 * for no change); the engine records them with the pass.
	 */
	int bound;
	char judged_sha[ORCH_SHA_BUF], code_id[ORCH_SHA_BUF];
	/* a red's target stage when it is not the stage's rule (NULL): "review" for code changed after review
	 */
	const char *rollback_to;
	/* a red the engine holds (blocked, no retry charged) instead of rolling back: deploy_failure: hold */
	int hold;
	/* the security gate found a secret on the branch: the fix is a rotation and a history rewrite */
	int secret_on_branch;
	/*
	 * the security gate's dependency audit: 0 not run, 1 complete, 2 could not complete (deps_note says
	 * why); the engine records it (task_deps_audit) so a degraded audit shows in orch-status
	 */
	int deps_audit;
	char deps_note[512];
	/* the human gate: orch must ask (again) for a verdict on ask (the artifacts' blob ids) */
	int ask_needed;
	char ask[512];
};

typedef void (*gate_fn)(const struct gate_ctx *c, struct gate_result *r);

struct gate_def {
	const char *name;
	gate_fn fn;
};

const struct gate_def *gate_find(const char *name);
/*
 * The first gate of every stage: the workspace's branch is imported into
 * orch's repository (lib/workspace.h); red when its HEAD is detached or on
 * another branch, waiting while a person's git operation is in progress.
 * A dry run imports too (an import changes no state of the item).
 */
void gate_workspace(const struct gate_ctx *c, struct gate_result *r);

/*
 * What a stage's gates read, from the stage table (lib/stages.h: the manual
 * workflow's contract, the agents' task descriptions and orch-advance
 * --explain all come from it): the stage's artifacts, terminated by a NULL
 * name (an unknown stage: none).
 */
struct stage_artifact;
const struct stage_artifact *gate_stage_artifacts(const char *stage);
/* "01-brd.md, 02-trz.md (...)" and what each must say, for a description. */
int gate_describe_stage(const char *stage, const char *wi, char *out, size_t n);
/* Text for orch-advance --explain: each artifact at the branch head, present/missing/red. */
int gate_explain(const struct gate_ctx *c, const char *stage, struct buf *out);
/*
 * The first artifact of stage that is missing or red at the branch head, as
 * one line ("docs/work-items/WI/01-brd.md MISSING") into out: 1 found, 0
 * all present and passing, -1 git could not answer (out says why).  Reads
 * only (orch-status: what a task waits for).
 */
int gate_pending(const struct gate_ctx *c, const char *stage, char *out, size_t n);
/* The security gate (secgate.c), registered as check_security_gate. */
void gate_security(const struct gate_ctx *c, struct gate_result *r);
/*
 * The branch's change to the secret scanner's configuration (scancfg.h)
 * against main: read only (approve 0, for --explain: main as last
 * fetched), or, with approve set, fetch main and record a person's
 * approval of the head's configuration.  0 with ch, -1 with *e.
 */
int gate_security_config(
    const struct gate_ctx *c, int approve, struct scancfg_change *ch, struct orch_err *e);
/*
 * 1 when the security gate applies to project p (enabled, and p's key is an
 * item of security_gate_repos, or that list is empty and p self-deploys);
 * else 0 with the N/A reason in why (may be NULL).
 */
/*
 * Does dependency finding f block under security_dep_block (block_sev for severity)?  Never when the base has
 * it too (inherited), nor an unpinned requirement unless security_dep_unpinned_block.  The scan of main
 * alerts the same ones.
 */
struct dep_finding;
int gate_dep_blocks(const struct config *cfg, const struct dep_finding *f, int block_sev);
int gate_security_applies(const struct config *cfg, const struct project *p, char *why, size_t n);
/*
 * The engine's GATE_ERROR hook: a gate that could not run is an operator's
 * problem.  Alert once (an event and an outbox alert, in one transaction)
 * per work item, gate and stay at a stage (keyed in notices by the task's
 * updated_at, which every transition moves); later ticks retry silently.
 * 1 alerted now, 0 already alerted, -1 store error.
 */
int gate_error_alert(struct store *st, const struct task *t, const char *gate, const char *reason);
/*
 * What the analysis human gate asks a verdict on: the blob ids of 01-04 at
 * the branch head, "name=blob,..." into out.  0, -1 with *e.
 */
int gate_analysis_evidence(const struct gate_ctx *c, char *out, size_t n, struct orch_err *e);
void gate_result_init(struct gate_result *r);
void gate_result_free(struct gate_result *r);

#endif
