/*
 * stages: the pipeline, one row per stage (SPEC section 5) -- the one place
 * that says what a stage is and what is special about it.
 *
 * Each row holds the stage's name, the agent that works it, the next stage,
 * the tracker status shown while an item is there, the gates that decide
 * it (registry names, run in order), the artifacts those gates read, and
 * its special behaviours as named fields.  The engine, the gate
 * descriptions and --explain, engine_waits_for, poll, reconcile, deploy,
 * fix, status and the agents' brief read the row; no stage name is
 * compared as a string anywhere else (`make style` counts such comparisons
 * outside this module: zero).
 *
 * The table is static data: lookups never fail for a name the table holds
 * and return NULL for any other (a task row from a newer orch, a typo).
 */
#ifndef ORCH_STAGES_H
#define ORCH_STAGES_H

/* What a stage's gates read: the file (or glob) must exist; with key, its frontmatter key must equal pass. */
struct stage_artifact {
	const char *name, *key, *pass;
};

#define STAGE_MAX_GATES 5
#define STAGE_MAX_ARTIFACTS 5

struct stage {
	const char *name;
	const char *agent;   /* who works it; NULL for the last stage */
	const char *next;    /* NULL for the last stage */
	const char *display; /* tracker status key set on entry */
	const char *gates[STAGE_MAX_GATES];
	struct stage_artifact artifacts[STAGE_MAX_ARTIFACTS]; /* terminated by a NULL name */
	const char *rolls_back_to; /* where a red goes (NULL: the stage's own agent works it again) */
	const char
	    *human_gate; /* the gate that waits for a tracker verdict (Approved / Rejected); orch asks once */
	const char
	    *auto_fix; /* the gate whose red orch-fix may repair (project auto_fix), then back to review */
	unsigned first : 1;         /* where an item starts */
	unsigned runs_ci : 1;       /* its gate runs the project's ci_cmd at the branch head */
	unsigned binds_code : 1;    /* its verdict binds the code it judged (later stages check it) */
	unsigned lands_on_main : 1; /* leaving it merges: the edge gates, the merge lease, the push */
	unsigned deploys : 1;       /* production: the deploy hook, Confirm Deploy, the deploy hold */
	unsigned monitors : 1;      /* reached after a deploy: the post-deploy watch */
	unsigned alerts_on_red : 1; /* a red here is an alert, not a notice */
	unsigned claims : 1;  /* its gates act (ci_cmd, the report, merge, deploy): one process at a time */
	unsigned fixable : 1; /* orch-fix may commit a fix here and send the item back to review */
};

/* The row of name, or NULL. */
const struct stage *stage_get(const char *name);
/* The rows in pipeline order, terminated by a row with a NULL name. */
const struct stage *stage_table(void);
/* The first stage an item enters; the last (done); the one that deploys; the human gate; the first whose
 * verdict binds the code (review). */
const struct stage *stage_first(void);
const struct stage *stage_last(void);
const struct stage *stage_deploy(void);
const struct stage *stage_human(void);
const struct stage *stage_review(void);
/* The stage whose gate runs ci_cmd (development): its agent writes the code. */
const struct stage *stage_ci(void);
/* The first stage whose gates list gate (a registry name), or NULL. */
const struct stage *stage_with_gate(const char *gate);
/* 1 when name is the last stage (done). */
int stage_is_last(const char *name);
/* 1 when agent works some stage. */
int stage_agent_known(const char *agent);
/* The pseudo-stage of an item not started yet (events, JSON). */
extern const char stage_none[];

#endif
