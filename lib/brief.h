/*
 * brief: what an agent (or a person) is told for one job of a stage,
 * as Markdown (issue 25; docs/agents.md).
 *
 * A brief holds, in this order: orch's rules (the branch, main, orch's own
 * artifacts, the paperwork directory); the stage's contract, generated
 * from the gates' table (gate_stage_artifacts(): each artifact's path, its
 * frontmatter key, the value that passes, the values that are red, what
 * any other value meets, and an example); the paths of earlier stages'
 * artifacts; on a rollback, the job's description verbatim (the gate's
 * reason and the findings it quotes); then the work item from the
 * tracker: title, description, and people's comments since the stage's
 * agent last finished a run (orch's own comments are left out).
 *
 * Invariants:
 *  1. Text orch did not write (the tracker's title, description and
 *     comments, and findings quoted from artifacts) is only ever inside a
 *     labelled fenced block whose fence is longer than any run of
 *     backticks in the text, so nothing in it can close the fence or pass
 *     for a heading or a rule of orch's.
 *  2. A tracker that cannot be read does not stop the brief: it says so
 *     where the description would be (the job still runs).
 *  3. brief_write() writes the file atomically, mode 0600, under
 *     $ORCH_HOME/briefs/<WI>/ (outside every repository).
 *
 * Return conventions: 0, or -1 with *e.
 */
#ifndef ORCH_BRIEF_H
#define ORCH_BRIEF_H

#include <stddef.h>
#include <stdint.h>

struct buf;
struct orch_ctx;
struct orch_err;
struct task;

/* The brief of t at stage for job job_id (0: the newest job at stage, for orch brief) into out. */
int brief_build(struct orch_ctx *c, const struct task *t, const char *stage, int64_t job_id, struct buf *out,
    struct orch_err *e);
/* Write b as the brief of job job_id of t; its path into path (size n). */
int brief_write(const char *home, const struct task *t, int64_t job_id, const struct buf *b, char *path,
    size_t n, struct orch_err *e);
/*
 * The stage's artifacts for a checker (ORCH_ARTIFACTS; examples/agents/llm):
 * "path[:key=pass]" separated by spaces, "" for development.  0, -1 too long.
 */
int brief_artifacts(const struct task *t, const char *stage, char *out, size_t n);
/* A fenced, labelled block of text orch did not write (invariant 1), appended to out. */
void brief_fence(struct buf *out, const char *label, const char *text);

#endif
