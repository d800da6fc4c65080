/* orch-issue: tracker operations for operators; the local tracker's whole interface (SPEC 9). */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/cli.h"
#include "../lib/config.h"
#include "../lib/tracker.h"
#include "../lib/util.h"
#include "../lib/wi.h"

#define USAGE "orch-issue [-q] [--config FILE] [--home DIR] [--json] [--wait] COMMAND ...\n" \
	"  create --project KEY --title TEXT [--state NAME]\n" \
	"  list [--project KEY] [--state NAME]\n" \
	"  show WI\n" \
	"  set WI STATE_NAME\n" \
	"  comment WI TEXT\n" \
	"  states [--project KEY]"

enum { OPT_PROJECT = OPT_CMD_BASE, OPT_STATE, OPT_TITLE };

static const struct option longopts[] = {
	{ "project", required_argument, NULL, OPT_PROJECT },
	{ "state", required_argument, NULL, OPT_STATE },
	{ "title", required_argument, NULL, OPT_TITLE },
	CLI_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 },
};

struct args {
	const char *project, *state, *title;
	char **rest;
	int nrest;
};

static cJSON *
issue_json(const struct tracker_issue *is, const char *state_name)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "work_item", is->work_item);
	cJSON_AddStringToObject(o, "id", is->id);
	cJSON_AddStringToObject(o, "title", is->name);
	cJSON_AddStringToObject(o, "state", state_name);
	cJSON_AddStringToObject(o, "state_id", is->state_id);
	cJSON_AddStringToObject(o, "updated_at", is->updated_at);
	return o;
}

static int
open_tracker(struct cli *cl, struct tracker *t, const char *project, struct tracker_state **states,
    size_t *n, struct orch_err *e)
{
	if (tracker_open(t, cl->ctx, project, e) < 0)
		return -1;
	if (t->ops->states(t, project, states, n, e) < 0) {
		tracker_close(t);
		return -1;
	}
	return 0;
}

static const char *
state_name(const struct tracker_state *v, size_t n, const char *id)
{
	const struct tracker_state *s = tracker_state_by_id(v, n, id);

	return s ? s->name : "(unknown state)";
}

static int
need_state(const struct tracker_state *v, size_t n, const char *name, const char *project,
    const struct tracker_state **out, struct orch_err *e)
{
	if ((*out = tracker_state_by_name(v, n, name)) == NULL)
		return err_set(e, EX_NOINPUT, "state '%s' does not exist in project '%s'; list them with "
		    "orch-issue states --project %s", name, project, project);
	return 0;
}

static int
do_create(struct cli *cl, struct args *a, struct orch_err *e)
{
	struct tracker_state *v = NULL;
	const struct tracker_state *s;
	struct tracker_issue is;
	struct tracker t;
	size_t n = 0;
	int rc = -1;

	if (a->project == NULL || a->title == NULL || a->nrest)
		return err_set(e, EX_USAGE, "create needs --project KEY and --title TEXT");
	if (!wi_project_key_valid(a->project))
		return err_set(e, EX_USAGE, "project key '%s' must match ^[A-Z][A-Z0-9]{0,15}$", a->project);
	if (open_tracker(cl, &t, a->project, &v, &n, e) < 0)
		return -1;
	if (a->state) {
		if (need_state(v, n, a->state, a->project, &s, e) < 0)
			goto out;
	} else if ((s = tracker_state_by_key(v, n, "backlog")) == NULL && (s = n ? &v[0] : NULL) == NULL) {
		err_set(e, EX_DATAERR, "project '%s' has no states", a->project);
		goto out;
	}
	if (t.ops->create(&t, a->project, a->title, s->id, &is, e) < 0)
		goto out;
	if (cl->json)
		cli_print_json(issue_json(&is, s->name));
	else
		printf("%s\n", is.work_item);
	rc = 0;
out:
	free(v);
	tracker_close(&t);
	return rc;
}

static int
list_project(struct cli *cl, const char *project, const char *state, cJSON *arr, struct orch_err *e)
{
	struct tracker_state *v = NULL;
	const struct tracker_state *want = NULL;
	struct tracker_issue *is = NULL;
	struct tracker t;
	size_t n = 0, ni = 0, i;
	int rc = -1;

	if (open_tracker(cl, &t, project, &v, &n, e) < 0)
		return -1;
	if (state && need_state(v, n, state, project, &want, e) < 0)
		goto out;
	if (t.ops->issues(&t, project, 1, &is, &ni, e) < 0)
		goto out;
	for (i = 0; i < ni; i++) {
		const char *sn = state_name(v, n, is[i].state_id);
		if (want && strcmp(want->id, is[i].state_id) != 0)
			continue;
		if (arr)
			cJSON_AddItemToArray(arr, issue_json(&is[i], sn));
		else
			printf("%s\t%s\t%s\n", is[i].work_item, sn, is[i].name);
	}
	rc = 0;
out:
	free(is);
	free(v);
	tracker_close(&t);
	return rc;
}

static int
do_list(struct cli *cl, struct args *a, struct orch_err *e)
{
	cJSON *arr = cl->json ? cJSON_CreateArray() : NULL;
	size_t i;
	int rc = 0;

	if (a->nrest)
		return err_set(e, EX_USAGE, "list takes no arguments, only --project and --state");
	if (a->project)
		rc = list_project(cl, a->project, a->state, arr, e);
	for (i = 0; !a->project && rc == 0 && i < cl->cfg.nprojects; i++)
		rc = list_project(cl, cl->cfg.projects[i].key, a->state, arr, e);
	if (arr) {
		if (rc == 0)
			cli_print_json(arr);
		else
			cJSON_Delete(arr);
	}
	return rc;
}

static int
do_states(struct cli *cl, struct args *a, struct orch_err *e)
{
	cJSON *arr = cl->json ? cJSON_CreateArray() : NULL;
	size_t p, i;

	if (a->nrest)
		return err_set(e, EX_USAGE, "states takes no arguments, only --project");
	for (p = 0; p < cl->cfg.nprojects; p++) {
		const char *key = cl->cfg.projects[p].key;
		struct tracker_state *v = NULL;
		struct tracker t;
		size_t n = 0;
		if (a->project && strcmp(a->project, key) != 0)
			continue;
		if (open_tracker(cl, &t, key, &v, &n, e) < 0) {
			cJSON_Delete(arr);
			return -1;
		}
		for (i = 0; i < n; i++) {
			if (arr) {
				cJSON *o = cJSON_CreateObject();
				cJSON_AddStringToObject(o, "project", key);
				cJSON_AddStringToObject(o, "id", v[i].id);
				cJSON_AddStringToObject(o, "name", v[i].name);
				cJSON_AddStringToObject(o, "group", v[i].group);
				if (v[i].key)
					cJSON_AddStringToObject(o, "key", v[i].key);
				else
					cJSON_AddNullToObject(o, "key");
				cJSON_AddItemToArray(arr, o);
			} else {
				printf("%s\t%s\t%s\t%s\n", key, v[i].name, v[i].group, v[i].key ? v[i].key : "-");
			}
		}
		free(v);
		tracker_close(&t);
	}
	if (a->project && config_project(&cl->cfg, a->project) == NULL) {
		cJSON_Delete(arr);
		return err_set(e, EX_NOINPUT, "project '%s' is not configured", a->project);
	}
	if (arr)
		cli_print_json(arr);
	return 0;
}

/* show / set / comment: one work item. */
static int
do_item(struct cli *cl, const char *verb, struct args *a, struct orch_err *e)
{
	struct tracker_state *v = NULL;
	const struct tracker_state *s;
	struct tracker_issue is;
	struct tracker t;
	char project[17];
	size_t n = 0;
	int want = strcmp(verb, "show") == 0 ? 1 : 2, rc = -1;
	char **comments = NULL;

	if (a->nrest != want || a->project || a->state || a->title)
		return err_set(e, EX_USAGE, "%s takes %s", verb, want == 1 ? "WI" :
		    strcmp(verb, "set") == 0 ? "WI STATE_NAME" : "WI TEXT");
	if (wi_project(a->rest[0], project) < 0)
		return err_set(e, EX_USAGE, "work item '%s' is not of the form ABC-123", a->rest[0]);
	if (open_tracker(cl, &t, project, &v, &n, e) < 0)
		return -1;
	if (t.ops->get(&t, a->rest[0], &is, e) < 0)
		goto out;
	if (strcmp(verb, "set") == 0) {
		if (need_state(v, n, a->rest[1], project, &s, e) < 0 || t.ops->set_state(&t, &is, s->id, e) < 0)
			goto out;
	} else if (strcmp(verb, "comment") == 0) {
		if (a->rest[1][0] == '\0') {
			err_set(e, EX_USAGE, "comment text is empty");
			goto out;
		}
		if (t.ops->comment(&t, &is, a->rest[1], e) < 0)
			goto out;
	}
	if (want == 1 && t.ops->comments && t.ops->comments(&t, &is, &comments, e) < 0)
		goto out;
	if (cl->json) {
		cJSON *o = issue_json(&is, state_name(v, n, is.state_id));
		if (comments)
			cJSON_AddItemToObject(o, "comments", cJSON_CreateStringArray((const char *const *)comments,
			    (int)argv_len(comments)));
		cli_print_json(o);
	} else if (!cl->quiet || want == 1) {
		printf("%s\t%s\t%s\n", is.work_item, state_name(v, n, is.state_id), is.name);
		for (size_t i = 0; comments && comments[i]; i++)
			printf("comment %s\n", comments[i]);
	}
	rc = 0;
out:
	argv_free(comments);
	free(v);
	tracker_close(&t);
	return rc;
}

int
main(int argc, char **argv)
{
	struct args a = {0};
	struct orch_err e = {0};
	const char *verb;
	struct cli cl;
	int opt, rc;

	cli_init(&cl, "orch-issue", USAGE);
	while ((opt = getopt_long(argc, argv, "+q", longopts, NULL)) != -1)
		if ((rc = cli_common_opt(&cl, opt, optarg)) != 0)
			return rc == CLI_EXIT_NOW ? 0 : rc;
	if (optind >= argc)
		return cli_usage(&cl);
	verb = argv[optind];
	optind++;
	while ((opt = getopt_long(argc, argv, "+q", longopts, NULL)) != -1) {
		switch (opt) {
		case OPT_PROJECT: a.project = optarg; break;
		case OPT_STATE: a.state = optarg; break;
		case OPT_TITLE: a.title = optarg; break;
		default:
			if ((rc = cli_common_opt(&cl, opt, optarg)) != 0)
				return rc == CLI_EXIT_NOW ? 0 : rc;
		}
	}
	a.rest = argv + optind;
	a.nrest = argc - optind;
	if (strcmp(verb, "create") && strcmp(verb, "list") && strcmp(verb, "show") && strcmp(verb, "set") &&
	    strcmp(verb, "comment") && strcmp(verb, "states")) {
		fprintf(stderr, "orch-issue: unknown command '%s'\n", verb);
		return cli_usage(&cl);
	}
	if (a.project && !wi_project_key_valid(a.project)) {
		fprintf(stderr, "orch-issue: project key '%s' must match ^[A-Z][A-Z0-9]{0,15}$\n", a.project);
		return EX_USAGE;
	}
	if ((strcmp(verb, "show") == 0 || strcmp(verb, "set") == 0 || strcmp(verb, "comment") == 0) &&
	    a.nrest > 0 && !wi_valid(a.rest[0])) {
		fprintf(stderr, "orch-issue: work item '%s' is not of the form ABC-123\n", a.rest[0]);
		return EX_USAGE;
	}
	if ((rc = cli_open(&cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	if (strcmp(verb, "create") == 0)
		rc = do_create(&cl, &a, &e);
	else if (strcmp(verb, "list") == 0)
		rc = do_list(&cl, &a, &e);
	else if (strcmp(verb, "states") == 0)
		rc = do_states(&cl, &a, &e);
	else
		rc = do_item(&cl, verb, &a, &e);
	return cli_close(&cl, rc < 0 ? cli_error(&cl, &e) : 0);
}
