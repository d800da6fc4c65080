#include "tracker.h"

#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ctx.h"
#include "err.h"
#include "util.h"

static const struct { const char *name, *key; } keymap[] = {
	{ "Backlog", "backlog" }, { "Todo", "todo" }, { "To Analyse", "to_analyse" },
	{ "Analysis", "analysis" }, { "In Progress", "in_progress" }, { "Needs Input", "needs_input" },
	{ "In Review", "in_review" }, { "Code Review", "code_review" }, { "Approved", "approved" },
	{ "Rejected", "rejected" }, { "Awaiting Deploy", "awaiting_deploy" },
	{ "Confirm Deploy", "confirm_deploy" }, { "Deploying", "deploying" },
	{ "Monitoring after Deploy", "monitoring" }, { "Blocked", "blocked" }, { "Done", "done" },
	{ "Cancelled", "cancelled" }, { NULL, NULL },
};

const char *
tracker_key_for_name(const char *name)
{
	size_t i;

	for (i = 0; keymap[i].name; i++)
		if (str_ieq(keymap[i].name, name))
			return keymap[i].key;
	return NULL;
}

const char *
tracker_name_for_key(const char *key)
{
	size_t i;

	for (i = 0; keymap[i].name; i++)
		if (strcmp(keymap[i].key, key) == 0)
			return keymap[i].name;
	return NULL;
}

const struct tracker_state *
tracker_state_by_key(const struct tracker_state *v, size_t n, const char *key)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (v[i].key && strcmp(v[i].key, key) == 0)
			return &v[i];
	return NULL;
}

const struct tracker_state *
tracker_state_by_id(const struct tracker_state *v, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].id, id) == 0)
			return &v[i];
	return NULL;
}

const struct tracker_state *
tracker_state_by_name(const struct tracker_state *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (str_ieq(v[i].name, name))
			return &v[i];
	return NULL;
}

int
tracker_state_terminal(const struct tracker_state *s)
{
	if (s->group[0])
		return strcmp(s->group, "completed") == 0 || strcmp(s->group, "cancelled") == 0;
	return s->key && (strcmp(s->key, "done") == 0 || strcmp(s->key, "cancelled") == 0);
}

int
tracker_open(struct tracker *t, struct orch_ctx *c, const char *project, struct orch_err *e)
{
	const struct project *p = project ? config_project(c->cfg, project) : NULL;
	const char *kind = p ? p->tracker : c->cfg->tracker;

	memset(t, 0, sizeof(*t));
	t->cfg = c->cfg;
	t->st = c->st;
	t->ctx = c;
	if (strcmp(kind, "local") == 0) {
		t->ops = &tracker_local_ops;
		return 0;
	}
	if (p == NULL)
		return err_set(e, EX_NOINPUT, "project '%s' is not configured; add it under projects: in orch.yaml",
		    project ? project : "(none)");
	t->ops = &tracker_plane_ops;
	return tracker_plane_open(t, p, e);
}

void
tracker_close(struct tracker *t)
{
	if (t->ops && t->ops->close)
		t->ops->close(t);
	t->ops = NULL;
}

const char *
tracker_issue_key(struct tracker *t, const struct tracker_issue *is, struct orch_err *e)
{
	struct tracker_state *v = NULL;
	const struct tracker_state *s;
	const char *key = NULL;
	size_t n = 0;

	if (t->ops->states(t, is->project, &v, &n, e) < 0)
		return NULL;
	if ((s = tracker_state_by_id(v, n, is->state_id)) != NULL)
		key = s->key;
	free(v);
	return key;
}

int
tracker_set_status(struct tracker *t, struct tracker_issue *is, const char *key, struct orch_err *e)
{
	struct tracker_state *v = NULL;
	const struct tracker_state *s;
	size_t n = 0;
	int rc;

	if (t->ops->states(t, is->project, &v, &n, e) < 0)
		return -1;
	if ((s = tracker_state_by_key(v, n, key)) == NULL) {
		free(v);
		return TRACKER_SKIPPED;
	}
	if (strcmp(is->state_id, s->id) == 0)
		rc = TRACKER_SET;	/* already there: no write, updated_at kept */
	else
		rc = t->ops->set_state(t, is, s->id, e) < 0 ? -1 : TRACKER_SET;
	free(v);
	return rc;
}
