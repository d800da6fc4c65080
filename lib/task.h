/*
 * task: orch's record of a work item in the pipeline (SPEC section 4), and
 * the per-task rows written with every transition: events and applied verdicts.
 *
 * Reads return 0 / -1 (EX_NOINPUT: no task for that work item).  Writes
 * are plain statements; the engine wraps each transition's writes (task
 * update + job + event + outbox) in one store transaction.
 *
 * Jobs are in job.h.
 */
#ifndef ORCH_TASK_H
#define ORCH_TASK_H

#include <stdint.h>

struct orch_err;
struct store;

struct task {
	int64_t id;
	char project[17];
	char work_item[32];
	char issue_id[64];
	char title[512];
	char repo[4096];
	char branch[256];
	char worktree[4096];
	char stage[24];
	int blocked;
	int retries;
	int review_requested;	/* the human gate's "please review" was posted */
};

int task_get(struct store *st, const char *wi, struct task *t, struct orch_err *e);
int task_insert(struct store *st, struct task *t, struct orch_err *e);
/* Write stage, blocked, retries, review_requested and updated_at. */
int task_update(struct store *st, const struct task *t, struct orch_err *e);
/* Work item ids of the tasks not done (the ones --all visits), in id order. */
int task_list(struct store *st, char ***wis, struct orch_err *e);

int event_add(struct store *st, const char *wi, const char *kind, const char *from, const char *to,
    const char *detail, struct orch_err *e);

/* Applied human verdicts: 1 inserted (apply it now), 0 already applied. */
int verdict_claim(struct store *st, const char *issue_id, const char *state_id, const char *updated_at,
    const char *wi, const char *verdict, struct orch_err *e);

#endif
