/* orch-issue's subcommands: tracker operations for operators, the local tracker's whole interface. */
#include "cli_issue.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "cli.h"
#include "config.h"
#include "tracker.h"
#include "util.h"
#include "wi.h"

/* A comment is a paragraph or a pasted log tail, not a file. */
#define COMMENT_MAX (64 * 1024)

static cJSON *
issue_json(const struct tracker_issue *is, const char *state_name)
{
	cJSON *o = cJSON_CreateObject();

	cJSON_AddStringToObject(o, "work_item", is->work_item);
	cJSON_AddStringToObject(o, "id", is->id);
	cli_json_str(o, "title", is->name);
	cJSON_AddStringToObject(o, "state", state_name);
	cJSON_AddStringToObject(o, "state_id", is->state_id);
	cJSON_AddStringToObject(o, "updated_at", is->updated_at);
	return o;
}

/* One issue as a line; the title is escaped (it may hold anything a tracker stored). */
static void
print_issue(const struct tracker_issue *is, const char *state)
{
	printf("%s\t%s\t", is->work_item, state);
	cli_put_text(is->name);
	putchar('\n');
}

/* Comments: some text, valid UTF-8, at most COMMENT_MAX bytes (control characters are escaped on output). */
static int
comment_check(const char *text, struct orch_err *e)
{
	size_t len = strlen(text);

	if (strspn(text, " \t\n") == len)
		return err_set(e, EX_USAGE, "comment text is empty");
	if (len > COMMENT_MAX)
		return err_set(e, EX_USAGE, "the comment is %zu bytes long, the limit is %d; shorten it", len,
		    COMMENT_MAX);
	if (!utf8_valid(text, len))
		return err_set(e, EX_USAGE, "the comment is not valid UTF-8; re-type it in a UTF-8 terminal");
	return 0;
}

/*
 * The description an operator gave (--description TEXT or --description-file
 * FILE, "-" for stdin) into *out (malloc'd): valid UTF-8, at most
 * TRACKER_DESC_MAX bytes.  0 none given, 1 given, -1 with *e.
 */
static int
description_arg(const struct cli_issue_args *a, char **out, struct orch_err *e)
{
	struct buf b;
	FILE *f;
	char chunk[4096];
	size_t n;

	*out = NULL;
	if (a->description && a->description_file)
		return err_set(e, EX_USAGE, "give --description or --description-file, not both");
	if (a->description)
		return (*out = strdup(a->description)) ? 1 : err_set(e, EX_SOFTWARE, "out of memory");
	if (a->description_file == NULL)
		return 0;
	if ((f = strcmp(a->description_file, "-") == 0 ? stdin : fopen(a->description_file, "r")) == NULL)
		return err_set(e, EX_NOINPUT, "cannot read description file '%s': %s; give a readable file",
		    a->description_file, strerror(errno));
	buf_init(&b, TRACKER_DESC_MAX);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		if (buf_append(&b, chunk, n) < 0)
			break;
	if (ferror(f) || n > 0) {
		err_set(e, ferror(f) ? EX_IOERR : EX_USAGE, "description file '%s' %s", a->description_file,
		    ferror(f) ? "could not be read to the end" : "is over 64 KiB; shorten it");
		n = 1;
	}
	if (f != stdin)
		fclose(f);
	if (n > 0 || (*out = strdup(buf_str(&b))) == NULL) {
		buf_free(&b);
		return e->code ? -1 : err_set(e, EX_SOFTWARE, "out of memory");
	}
	buf_free(&b);
	return 1;
}

/* A description must be valid UTF-8 without NUL bytes (its length is what strlen says). */
static int
description_check(const char *text, struct orch_err *e)
{
	if (!utf8_valid(text, strlen(text)))
		return err_set(
		    e, EX_USAGE, "the description is not valid UTF-8; convert it (iconv -t UTF-8)");
	if (strlen(text) > TRACKER_DESC_MAX)
		return err_set(e, EX_USAGE, "the description is %zu bytes long, the limit is %d; shorten it",
		    strlen(text), TRACKER_DESC_MAX);
	return 0;
}

/* Set a description on a tracker that stores one (the local one); Plane's is edited in Plane. */
static int
set_description(struct tracker *t, struct tracker_issue *is, const char *text, struct orch_err *e)
{
	if (t->ops->set_description == NULL)
		return err_set(e, EX_USAGE,
		    "the %s tracker's descriptions are edited in the tracker itself, not with "
		    "orch-issue; %s's description was not changed",
		    t->ops->kind, is->work_item);
	return t->ops->set_description(t, is, text, e);
}

static int
open_tracker(struct cli *cl, struct tracker *t, const char *project, struct tracker_state **states, size_t *n,
    struct orch_err *e)
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
		return err_set(e, EX_NOINPUT,
		    "state '%s' does not exist in project '%s'; list them with "
		    "orch-issue states --project %s",
		    name, project, project);
	return 0;
}

static int
do_create(struct cli *cl, const struct cli_issue_args *a, struct orch_err *e)
{
	struct tracker_state *v = NULL;
	const struct tracker_state *s;
	struct tracker_issue is;
	struct tracker t;
	size_t n = 0;
	int rc = -1;
	char why[200], *desc = NULL;

	if (a->project == NULL || a->title == NULL || cl->nargs != 1)
		return err_set(e, EX_USAGE, "create needs --project KEY and --title TEXT, and no operand");
	if (title_check(a->title, why, sizeof(why)) < 0)
		return err_set(e, EX_USAGE, "%s", why);
	if (!wi_project_key_valid(a->project))
		return err_set(e, EX_USAGE, "project key '%s' is not valid: " WI_KEY_RULE, a->project);
	if (description_arg(a, &desc, e) < 0 || (desc && description_check(desc, e) < 0) ||
	    open_tracker(cl, &t, a->project, &v, &n, e) < 0) {
		free(desc);
		return -1;
	}
	if (a->state) {
		if (need_state(v, n, a->state, a->project, &s, e) < 0)
			goto out;
	} else if ((s = tracker_state_by_key(v, n, "backlog")) == NULL && (s = n ? &v[0] : NULL) == NULL) {
		err_set(e, EX_DATAERR, "project '%s' has no states", a->project);
		goto out;
	}
	if (t.ops->create(&t, a->project, a->title, s->id, &is, e) < 0)
		goto out;
	if (desc && set_description(&t, &is, desc, e) < 0) {
		struct orch_err sub = *e;
		err_set(e, sub.code,
		    "%s was created without its description: %s; give it with orch-issue edit %s "
		    "--description-file FILE",
		    is.work_item, sub.msg, is.work_item);
		goto out;
	}
	if (cl->json)
		cli_print_json(issue_json(&is, s->name));
	else
		printf("%s\n", is.work_item);
	rc = 0;
out:
	free(desc);
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
	if (t.ops->issues(&t, project, TRACKER_LIST_ALL, &is, &ni, e) < 0)
		goto out;
	for (i = 0; i < ni; i++) {
		const char *sn = state_name(v, n, is[i].state_id);
		if (want && strcmp(want->id, is[i].state_id) != 0)
			continue;
		if (arr)
			cJSON_AddItemToArray(arr, issue_json(&is[i], sn));
		else
			print_issue(&is[i], sn);
	}
	rc = 0;
out:
	free(is);
	free(v);
	tracker_close(&t);
	return rc;
}

static int
do_list(struct cli *cl, const struct cli_issue_args *a, struct orch_err *e)
{
	cJSON *arr = cl->json ? cJSON_CreateArray() : NULL;
	size_t i;
	int rc = 0;

	if (cl->nargs != 1)
		return err_set(e, EX_USAGE,
		    "list takes no operand, got %d; filter with --project and --state", cl->nargs - 1);
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
do_states(struct cli *cl, const struct cli_issue_args *a, struct orch_err *e)
{
	cJSON *arr = cl->json ? cJSON_CreateArray() : NULL;
	size_t p, i;

	if (cl->nargs != 1)
		return err_set(
		    e, EX_USAGE, "states takes no operand, got %d; filter with --project", cl->nargs - 1);
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
				printf("%s\t%s\t%s\t%s\n", key, v[i].name, v[i].group,
				    v[i].key ? v[i].key : "-");
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

/* show: the issue, its description (when the tracker has them) and its comments. */
static int
show_item(struct cli *cl, struct tracker *t, const struct tracker_issue *is, const char *state, int show,
    struct orch_err *e)
{
	struct tracker_detail d = { 0 };
	char **comments = NULL;
	size_t i;

	/* Plane's detail costs two requests of the key's budget: orch-brief shows it, show stays one request
	 */
	show = show ? 1 + (t->ops->detail && strcmp(t->ops->kind, "local") == 0) : 0;
	if (show == 2 && t->ops->detail(t, is, &d, e) < 0)
		return -1;
	if (show && t->ops->comments && t->ops->comments(t, is, &comments, e) < 0) {
		tracker_detail_free(&d);
		return -1;
	}
	if (cl->json) {
		cJSON *o = issue_json(is, state), *arr;
		if (show == 2)
			cli_json_str(o, "description", d.description);
		if (comments) {
			arr = cJSON_AddArrayToObject(o, "comments");
			for (i = 0; comments[i] != NULL; i++) {
				cJSON *wrap = cJSON_CreateObject();
				cli_json_str(wrap, "c", comments[i]);
				cJSON_AddItemToArray(arr, cJSON_DetachItemFromObject(wrap, "c"));
				cJSON_Delete(wrap);
			}
		}
		cli_print_json(o);
	} else if (!cl->quiet || show) {
		print_issue(is, state);
		if (d.description && d.description[0]) {
			fputs("description ", stdout);
			cli_put_text(d.description);
			putchar('\n');
		}
		for (i = 0; comments && comments[i]; i++) {
			fputs("comment ", stdout);
			cli_put_text(comments[i]);
			putchar('\n');
		}
	}
	argv_free(comments);
	tracker_detail_free(&d);
	return 0;
}

/* The operands of show / set / comment / edit: 0, -1 with *e. */
static int
item_args(struct cli *cl, const char *verb, const struct cli_issue_args *a, int want, struct orch_err *e)
{
	int edit = strcmp(verb, "edit") == 0;

	if (cl->nargs - 1 != want)
		return err_set(e, EX_USAGE, "%s takes %s, got %d operand%s", verb,
		    want == 1                      ? "one WI"
			: strcmp(verb, "set") == 0 ? "WI STATE_NAME"
			: strstr(verb, "label")    ? "WI LABEL"
						   : "WI TEXT",
		    cl->nargs - 1, cl->nargs == 2 ? "" : "s");
	if (a->project || a->state || a->title)
		return err_set(e, EX_USAGE, "%s takes no --project, --state or --title", verb);
	if (edit && !a->description && !a->description_file)
		return err_set(e, EX_USAGE, "edit needs --description TEXT or --description-file FILE");
	if (!edit && (a->description || a->description_file))
		return err_set(e, EX_USAGE, "--description goes with create and edit, not %s", verb);
	if (want == 2 && strcmp(verb, "comment") == 0)
		return comment_check(cl->args[2], e);
	return 0;
}

/* show / set / comment / edit: one work item. */
static int
do_item(struct cli *cl, const char *verb, const struct cli_issue_args *a, struct orch_err *e)
{
	struct tracker_state *v = NULL;
	const struct tracker_state *s;
	struct tracker_issue is;
	struct tracker t;
	char project[17], *desc = NULL;
	size_t n = 0;
	int show = strcmp(verb, "show") == 0, want = show || strcmp(verb, "edit") == 0 ? 1 : 2, rc = -1;
	const char *wi = cl->nargs > 1 ? cl->args[1] : "", *arg;

	if (item_args(cl, verb, a, want, e) < 0)
		return -1;
	arg = want == 2 ? cl->args[2] : NULL;
	if (wi_project(wi, project) < 0)
		return err_set(e, EX_USAGE, "work item '%s' is not " WI_FORM, wi);
	if (!show && want == 1 && (description_arg(a, &desc, e) < 0 || description_check(desc, e) < 0)) {
		free(desc);
		return -1;
	}
	if (open_tracker(cl, &t, project, &v, &n, e) < 0) {
		free(desc);
		return -1;
	}
	if (t.ops->get(&t, wi, &is, e) < 0)
		goto out;
	if (strcmp(verb, "set") == 0) {
		if (need_state(v, n, arg, project, &s, e) < 0 || t.ops->set_state(&t, &is, s->id, e) < 0)
			goto out;
	} else if (strcmp(verb, "comment") == 0) {
		if ((t.ops->person_comment ? t.ops->person_comment : t.ops->comment)(&t, &is, arg, e) < 0)
			goto out;
	} else if (strstr(verb, "label")) {
		if (t.ops->set_label == NULL) {
			err_set(e, EX_USAGE, "%s's labels are set in its own interface, not with orch-issue",
			    t.ops->kind);
			goto out;
		}
		if (t.ops->set_label(&t, &is, arg, verb[0] == 'l', e) < 0)
			goto out;
	} else if (desc && set_description(&t, &is, desc, e) < 0) {
		goto out;
	}
	rc = show_item(cl, &t, &is, state_name(v, n, is.state_id), show, e);
out:
	free(desc);
	free(v);
	tracker_close(&t);
	return rc;
}

static const char *const verbs[] = { "create", "list", "show", "set", "comment", "states", "edit", "label",
	"unlabel", NULL };

int
cli_issue_run(struct cli *cl, const struct cli_issue_args *a)
{
	struct orch_err e = { 0 };
	const char *verb;
	size_t i;
	int rc;

	if (cl->nargs == 0)
		return cli_usage_error(cl,
		    "give a command: create, list, show, set, comment, edit, label, unlabel or "
		    "states");
	verb = cl->args[0];
	for (i = 0; verbs[i] && strcmp(verbs[i], verb) != 0; i++)
		;
	if (verbs[i] == NULL)
		return cli_usage_error(cl, "unknown command '%s'", verb);
	if (a->project && !wi_project_key_valid(a->project))
		return cli_usage_error(cl, "project key '%s' is not valid: " WI_KEY_RULE, a->project);
	if (((i >= 2 && i <= 4) || i >= 6) && cl->nargs > 1 && !wi_valid(cl->args[1]))
		return cli_usage_error(cl, "work item '%s' is not " WI_FORM, cl->args[1]);
	if ((rc = cli_open(cl)) != 0)
		return rc == CLI_SKIPPED ? 0 : rc;
	if (i == 0)
		rc = do_create(cl, a, &e);
	else if (i == 1)
		rc = do_list(cl, a, &e);
	else if (i == 5)
		rc = do_states(cl, a, &e);
	else
		rc = do_item(cl, verb, a, &e);
	return cli_close(cl, rc < 0 ? cli_error(cl, &e) : 0);
}
