/* trackerkey: Plane state names <-> orch's logical keys, and lookups in a state list (trackerkey.h). */
#include "trackerkey.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

static const struct {
	const char *name, *key;
} keymap[] = {
	{ "Backlog", "backlog" },
	{ "Todo", "todo" },
	{ "To Analyse", "to_analyse" },
	{ "Analysis", "analysis" },
	{ "In Progress", "in_progress" },
	{ "Needs Input", "needs_input" },
	{ "In Review", "in_review" },
	{ "Code Review", "code_review" },
	{ "Approved", "approved" },
	{ "Rejected", "rejected" },
	{ "Awaiting Deploy", "awaiting_deploy" },
	{ "Confirm Deploy", "confirm_deploy" },
	{ "Deploying", "deploying" },
	{ "Monitoring after Deploy", "monitoring" },
	{ "Blocked", "blocked" },
	{ "Done", "done" },
	{ "Cancelled", "cancelled" },
	{ NULL, NULL },
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

void
tracker_detail_free(struct tracker_detail *d)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		free(d->comments[i].text);
	free(d->comments);
	free(d->description);
	memset(d, 0, sizeof(*d));
}
