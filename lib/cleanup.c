#include "cleanup.h"

#include <fts.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "config.h"
#include "ctx.h"
#include "deploy.h"
#include "engine.h"
#include "err.h"
#include "git.h"
#include "job.h"
#include "notify.h"
#include "sizes.h"
#include "store.h"
#include "stages.h"
#include "task.h"
#include "util.h"

int64_t
cleanup_disk_usage(const char *dir)
{
	char *paths[] = { (char *)dir, NULL };
	int64_t total = 0;
	FTSENT *f;
	FTS *fts;

	if ((fts = fts_open(paths, FTS_PHYSICAL | FTS_NOCHDIR, NULL)) == NULL)
		return -1;
	while ((f = fts_read(fts)) != NULL)
		if (f->fts_info != FTS_DP && f->fts_statp)
			total += (int64_t)f->fts_statp->st_blocks * 512;
	fts_close(fts);
	return total;
}

/* A removal git refused: recorded and alerted once, then left to the operator. */
static int
gave_up(struct orch_ctx *c, const struct task *t, const char *why, struct orch_err *e)
{
	char msg[1400];

	snprintf(msg, sizeof(msg),
	    "cannot remove the worktree %s of %s (%s); orch-reconcile will not try again: remove "
	    "it with git worktree remove --force and git branch -D %s in %s",
	    t->worktree, t->work_item, why, t->branch, t->repo);
	if (store_begin(c->st, e) < 0)
		return -1;
	if (task_set_cleaned(c->st, t, TASK_CLEAN_GAVE_UP, e) < 0 ||
	    event_add(c->st, t->work_item, "worktree_cleanup_failed", stage_last()->name, stage_last()->name,
		msg, e) < 0 ||
	    notify_queue(c->st, "alert", t->work_item, msg, e) < 0) {
		store_rollback(c->st);
		return -1;
	}
	return store_commit(c->st, e);
}

/* 1 removed, 0 not now (busy, job, watch), -1 failed (*e). */
static int
remove_one(struct orch_ctx *c, const char *wi, struct orch_err *e)
{
	struct orch_err ge = { 0 };
	char holder[300], msg[600];
	struct task t;
	int held, rc = 0;

	if (task_get(c->st, wi, &t, e) < 0)
		return -1;
	if (job_active(c->st, t.id, NULL, e) != 0 ||
	    (deploy_marker(c, &t, DEPLOY_WATCH) && !deploy_marker(c, &t, DEPLOY_WATCHED)))
		return e->code ? -1 : 0;
	if ((held = task_claim(c->st, &t, task_claim_ttl(c->cfg), holder, sizeof(holder), e)) <= 0)
		return held;
	struct git repo = { .dir = t.repo, .st = c->st };
	snprintf(msg, sizeof(msg), "removed worktree %s and branch %s (done, past worktree_retention_s)",
	    t.worktree, t.branch);
	if (git_worktree_remove(&repo, t.worktree, t.branch, &ge) < 0) {
		rc = -1;
		if (gave_up(c, &t, ge.msg, e) == 0)
			*e = ge;
	} else if (store_begin(c->st, e) < 0) {
		rc = -1;
	} else if (task_set_cleaned(c->st, &t, TASK_CLEAN_REMOVED, e) < 0 ||
	    event_add(c->st, wi, "worktree_removed", stage_last()->name, stage_last()->name, msg, e) < 0) {
		store_rollback(c->st);
		rc = -1;
	} else {
		rc = store_commit(c->st, e) < 0 ? -1 : 1;
	}
	if (held == 1)
		task_release(c->st, &t);
	return rc;
}

/* This host's cache of an item cleaned on another host: 1 removed, 0 none here (or not now), -1 (*e). */
static int
remove_cache(struct orch_ctx *c, const char *wi, struct orch_err *e)
{
	char msg[1200];
	struct stat sb;
	struct task t;

	if (task_get(c->st, wi, &t, e) < 0)
		return -1;
	if (t.worktree[0] == '\0' || lstat(t.worktree, &sb) < 0 ||
	    (deploy_marker(c, &t, DEPLOY_WATCH) && !deploy_marker(c, &t, DEPLOY_WATCHED)))
		return 0;
	struct git repo = { .dir = t.repo, .st = c->st };
	if (git_worktree_remove(&repo, t.worktree, t.branch, e) < 0)
		return -1;
	snprintf(msg, sizeof(msg),
	    "host %s removed its cache of the item: worktree %s and branch %s (cleaned on another host)",
	    c->st->host, t.worktree, t.branch);
	return event_add(c->st, wi, "worktree_removed", stage_last()->name, stage_last()->name, msg, e) < 0
	    ? -1
	    : 1;
}

int
cleanup_host_caches(struct orch_ctx *c, struct cleanup_stats *cs)
{
	struct orch_err e = { 0 };
	char **wis = NULL;
	size_t i;
	int rc;

	memset(cs, 0, sizeof(*cs));
	if (c->cfg->store == NULL || task_cleaned_recent(c->st, 256, &wis, &e) < 0)
		return 0;
	for (i = 0; wis[i]; i++) {
		err_clear(&e);
		if ((rc = remove_cache(c, wis[i], &e)) > 0)
			cs->removed++;
		else if (rc < 0 && ++cs->failed)
			snprintf(cs->why, sizeof(cs->why), "%s: %s", wis[i], e.msg);
	}
	argv_free(wis);
	return 0;
}

int
cleanup_worktrees(struct orch_ctx *c, struct cleanup_stats *cs)
{
	struct orch_err e = { 0 };
	char **wis = NULL, dir[ORCH_PATH_MAX_1], cutoff[32];
	size_t i;

	memset(cs, 0, sizeof(*cs));
	time_iso_us(time_now_us() - (int64_t)c->cfg->worktree_retention_s * 1000000, cutoff);
	if (c->cfg->worktree_retention_s > 0 && task_cleanup_due(c->st, cutoff, 64, &wis, &e) == 0) {
		for (i = 0; wis[i]; i++) {
			int rc;
			err_clear(&e);
			if ((rc = remove_one(c, wis[i], &e)) > 0)
				cs->removed++;
			else if (rc < 0)
				cs->failed++;
		}
		argv_free(wis);
	}
	cs->bytes =
	    str_fmt(dir, sizeof(dir), "%s/worktrees", c->cfg->home) == 0 ? cleanup_disk_usage(dir) : -1;
	return 0;
}
