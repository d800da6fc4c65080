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
#include "store.h"
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

/* Done tasks past the retention, not cleaned yet, oldest first. */
static int
candidates(struct store *st, int retention_s, char ***wis, struct orch_err *e)
{
	sqlite3_stmt *s;
	char cutoff[32];

	time_iso_us(time_now_us() - (int64_t)retention_s * 1000000, cutoff);
	if (store_prepare(st, &s, "SELECT work_item FROM tasks t WHERE stage = 'done' AND updated_at < ?1 AND "
	    "NOT EXISTS (SELECT 1 FROM notices WHERE key = 'worktree-removed:' || t.work_item) ORDER BY id LIMIT 64", e) < 0)
		return -1;
	sqlite3_bind_text(s, 1, cutoff, -1, SQLITE_STATIC);
	return store_strings(st, s, wis, e);
}

/* 1 removed, 0 not now (busy, job, watch), -1 failed (*e). */
static int
remove_one(struct orch_ctx *c, const char *wi, struct orch_err *e)
{
	char holder[300], key[64], msg[600];
	struct task t;
	int held, rc = 0;

	if (task_get(c->st, wi, &t, e) < 0)
		return -1;
	if (job_active(c->st, t.id, NULL, e) != 0 ||
	    (deploy_marker(c->cfg, &t, DEPLOY_WATCH) && !deploy_marker(c->cfg, &t, DEPLOY_WATCHED)))
		return e->code ? -1 : 0;
	if ((held = task_claim(c->st, &t, task_claim_ttl(c->cfg), holder, sizeof(holder), e)) <= 0)
		return held;
	struct git repo = { .dir = t.repo, .st = c->st };
	snprintf(key, sizeof(key), "worktree-removed:%s", wi);
	snprintf(msg, sizeof(msg), "removed worktree %s and branch %s (done, past worktree_retention_s)", t.worktree,
	    t.branch);
	if (git_worktree_remove(&repo, t.worktree, t.branch, e) < 0 || store_begin(c->st, e) < 0) {
		rc = -1;
	} else if (task_note_once(c->st, key, e) < 0 || event_add(c->st, wi, "worktree_removed", "done", "done", msg, e) < 0) {
		store_rollback(c->st);
		rc = -1;
	} else {
		rc = store_commit(c->st, e) < 0 ? -1 : 1;
	}
	if (held == 1)
		task_release(c->st, &t);
	return rc;
}

int
cleanup_worktrees(struct orch_ctx *c, struct cleanup_stats *cs)
{
	struct orch_err e = {0};
	char **wis = NULL, dir[4200];
	size_t i;

	memset(cs, 0, sizeof(*cs));
	if (c->cfg->worktree_retention_s > 0 && candidates(c->st, c->cfg->worktree_retention_s, &wis, &e) == 0) {
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
	cs->bytes = str_fmt(dir, sizeof(dir), "%s/worktrees", c->cfg->home) == 0 ? cleanup_disk_usage(dir) : -1;
	return 0;
}
