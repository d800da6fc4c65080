#include "fixplan.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"
#include "wi.h"

static const char *const op_names[] = { "pin_dependency", "add_dependency", "remove_unused" };

const char *
fixop_type_name(enum fix_op_type t)
{
	return op_names[t];
}

static int
reject(char *why, size_t wn, const char *field, const char *what)
{
	snprintf(why, wn, "%s: %s", field, what);
	return -1;
}

/* Every key of o must be in allowed. */
static int
only_keys(const cJSON *o, const char *const *allowed, const char *field, char *why, size_t wn)
{
	const cJSON *it;
	char f[320];
	size_t i;

	cJSON_ArrayForEach(it, o) {
		for (i = 0; allowed[i]; i++)
			if (it->string && strcmp(it->string, allowed[i]) == 0)
				break;
		if (allowed[i] == NULL) {
			snprintf(f, sizeof(f), "%s%s%.60s", field, *field ? "." : "",
			    it->string ? it->string : "?");
			return reject(why, wn, f, "unknown key; see docs/fix-pipeline.md for the schema");
		}
	}
	return 0;
}

/* A required (or optional, when opt) string member copied into out. */
static int
get_str(
    const cJSON *o, const char *key, const char *field, char *out, size_t n, int opt, char *why, size_t wn)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	char f[320];

	snprintf(f, sizeof(f), "%s%s%s", field, *field ? "." : "", key);
	if (v == NULL) {
		if (opt)
			return 1;
		return reject(why, wn, f, "missing");
	}
	if (!cJSON_IsString(v))
		return reject(why, wn, f, "must be a string");
	if (v->valuestring[0] == '\0')
		return reject(why, wn, f, "must not be empty");
	if (str_copy(out, n, v->valuestring) < 0) {
		char what[64];
		snprintf(what, sizeof(what), "longer than %zu characters", n - 1);
		return reject(why, wn, f, what);
	}
	for (const char *q = out; *q; q++)
		if ((unsigned char)*q < 0x20)
			return reject(why, wn, f, "contains a control character");
	return 0;
}

int
fixplan_path_ok(const char *path)
{
	const char *p = path, *slash;
	size_t len;

	if (*p == '\0' || *p == '/')
		return 0;
	for (const char *q = p; *q; q++) /* also keeps diff headers unquoted */
		if (!isalnum((unsigned char)*q) && !strchr("._-+@/", *q))
			return 0;
	for (;;) {
		slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		if (len == 0 || (len == 1 && p[0] == '.') || (len == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		if (!slash)
			return 1;
		p = slash + 1;
	}
}

/* A Python/PyPI-ish name: letters, digits, . _ - */
static int
name_ok(const char *s, int dots_leading)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr("._-", *s) && !(dots_leading && *s == '.'))
			return 0;
	return 1;
}

static int
version_ok(const char *s)
{
	if (!isdigit((unsigned char)*s))
		return 0;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(".+!-_", *s))
			return 0;
	return 1;
}

static int
parse_details(const cJSON *d, struct fix_op *op, const char *field, char *why, size_t wn)
{
	static const char *const dep_keys[] = { "package", "version", NULL };
	static const char *const imp_keys[] = { "module", "name", "line_contains", NULL };
	char f[300];
	int rc;

	snprintf(f, sizeof(f), "%s.details", field);
	if (d == NULL)
		return reject(why, wn, f, "missing");
	if (!cJSON_IsObject(d))
		return reject(why, wn, f, "must be an object");
	if (op->type != FIX_REMOVE_UNUSED) {
		if (only_keys(d, dep_keys, f, why, wn) < 0 ||
		    get_str(d, "package", f, op->package, sizeof(op->package), 0, why, wn) < 0 ||
		    get_str(d, "version", f, op->version, sizeof(op->version), 0, why, wn) < 0)
			return -1;
		snprintf(f, sizeof(f), "%s.details.package", field);
		if (!name_ok(op->package, 0))
			return reject(why, wn, f, "not a package name (letters, digits, '.', '_', '-')");
		snprintf(f, sizeof(f), "%s.details.version", field);
		if (!version_ok(op->version))
			return reject(why, wn, f,
			    "not a release version such as 1.2.3 (an exact version, not a range)");
		return 0;
	}
	if (only_keys(d, imp_keys, f, why, wn) < 0 ||
	    get_str(d, "module", f, op->module, sizeof(op->module), 0, why, wn) < 0)
		return -1;
	if ((rc = get_str(d, "name", f, op->name, sizeof(op->name), 1, why, wn)) < 0)
		return -1;
	op->has_name = rc == 0;
	if ((rc = get_str(d, "line_contains", f, op->line_contains, sizeof(op->line_contains), 1, why, wn)) <
	    0)
		return -1;
	op->has_line_contains = rc == 0;
	snprintf(f, sizeof(f), "%s.details.module", field);
	if (!name_ok(op->module, 1))
		return reject(why, wn, f, "not a Python module name");
	snprintf(f, sizeof(f), "%s.details.name", field);
	if (op->has_name && (!name_ok(op->name, 0) || strchr(op->name, '.')))
		return reject(why, wn, f, "not a Python identifier");
	return 0;
}

static int
parse_op(const cJSON *o, const struct fix_plan *p, struct fix_op *op, size_t idx, char *why, size_t wn)
{
	static const char *const keys[] = { "type", "file", "details", NULL };
	char f[64], type[32];
	size_t i;

	snprintf(f, sizeof(f), "operations[%zu]", idx);
	if (!cJSON_IsObject(o))
		return reject(why, wn, f, "must be an object");
	if (only_keys(o, keys, f, why, wn) < 0 || get_str(o, "type", f, type, sizeof(type), 0, why, wn) < 0 ||
	    get_str(o, "file", f, op->file, sizeof(op->file), 0, why, wn) < 0)
		return -1;
	for (i = 0; i < 3; i++)
		if (strcmp(type, op_names[i]) == 0)
			op->type = (enum fix_op_type)i;
	if (i == 3 && strcmp(type, op_names[op->type]) != 0) {
		snprintf(f, sizeof(f), "operations[%zu].type", idx);
		return reject(why, wn, f, "must be pin_dependency, add_dependency or remove_unused");
	}
	for (i = 0; i < p->nfiles; i++)
		if (strcmp(p->files[i], op->file) == 0)
			break;
	if (i == p->nfiles) {
		snprintf(f, sizeof(f), "operations[%zu].file", idx);
		return reject(why, wn, f, "not listed in files");
	}
	return parse_details(cJSON_GetObjectItemCaseSensitive(o, "details"), op, f, why, wn);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

static int
cmp_op(const void *a, const void *b)
{
	const struct fix_op *x = a, *y = b;
	int c;

	if ((c = strcmp(x->file, y->file)) || (c = (int)x->type - (int)y->type) ||
	    (c = strcmp(x->package, y->package)) || (c = strcmp(x->module, y->module)) ||
	    (c = strcmp(x->name, y->name)) || (c = strcmp(x->line_contains, y->line_contains)))
		return c;
	return strcmp(x->version, y->version);
}

static int
string_list(const cJSON *root, const char *key, char (*out)[256], size_t max, size_t *n, int paths, char *why,
    size_t wn)
{
	const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, key), *it;
	char f[64];
	size_t i;

	if (arr == NULL)
		return reject(why, wn, key, "missing");
	if (!cJSON_IsArray(arr))
		return reject(why, wn, key, "must be an array of strings");
	if ((size_t)cJSON_GetArraySize(arr) > max) {
		snprintf(f, sizeof(f), "at most %zu entries", max);
		return reject(why, wn, key, f);
	}
	*n = 0;
	cJSON_ArrayForEach(it, arr) {
		snprintf(f, sizeof(f), "%s[%zu]", key, *n);
		if (!cJSON_IsString(it) || it->valuestring[0] == '\0')
			return reject(why, wn, f, "must be a non-empty string");
		if (str_copy(out[*n], 256, it->valuestring) < 0)
			return reject(why, wn, f, "longer than 255 characters");
		for (const char *q = out[*n]; *q; q++)
			if ((unsigned char)*q < 0x20)
				return reject(why, wn, f, "contains a control character");
		if (paths && !fixplan_path_ok(out[*n]))
			return reject(why, wn, f,
			    "not a normalised relative path inside the repository (forward "
			    "slashes, no '..', no '.', not absolute)");
		for (i = 0; paths && i < *n; i++)
			if (strcmp(out[i], out[*n]) == 0)
				return reject(why, wn, f, "listed twice");
		(*n)++;
	}
	qsort(out, *n, 256, cmp_str);
	return 0;
}

static int
parse_root(const cJSON *root, const char *wi, struct fix_plan *p, char *why, size_t wn)
{
	static const char *const keys[] = { "version", "work_item", "category", "summary", "confidence",
		"files", "operations", "evidence", NULL };
	const cJSON *v, *ops, *it;
	size_t i;

	if (only_keys(root, keys, "", why, wn) < 0)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(root, "version");
	if (v == NULL)
		return reject(why, wn, "version", "missing");
	if (!cJSON_IsNumber(v) || v->valuedouble != 1)
		return reject(why, wn, "version", "must be the number 1");
	if (get_str(root, "work_item", "", p->work_item, sizeof(p->work_item), 0, why, wn) < 0)
		return -1;
	if (!wi_valid(p->work_item))
		return reject(why, wn, "work_item", "not of the form ABC-123");
	if (wi && strcmp(wi, p->work_item) != 0)
		return reject(why, wn, "work_item", "names another work item than the one being fixed");
	if (get_str(root, "category", "", p->category, sizeof(p->category), 0, why, wn) < 0)
		return -1;
	if (strcmp(p->category, "dependency") != 0 && strcmp(p->category, "lint") != 0)
		return reject(why, wn, "category", "must be \"dependency\" or \"lint\"");
	if (get_str(root, "summary", "", p->summary, sizeof(p->summary), 0, why, wn) < 0)
		return -1;
	v = cJSON_GetObjectItemCaseSensitive(root, "confidence");
	if (v == NULL)
		return reject(why, wn, "confidence", "missing");
	if (!cJSON_IsNumber(v) || !isfinite(v->valuedouble) || v->valuedouble < 0 || v->valuedouble > 1)
		return reject(why, wn, "confidence", "must be a number from 0 to 1");
	p->confidence = v->valuedouble;
	if (string_list(root, "files", p->files, FIX_MAX_FILES, &p->nfiles, 1, why, wn) < 0 ||
	    string_list(root, "evidence", p->evidence, FIX_MAX_EVIDENCE, &p->nevidence, 0, why, wn) < 0)
		return -1;
	ops = cJSON_GetObjectItemCaseSensitive(root, "operations");
	if (ops == NULL)
		return reject(why, wn, "operations", "missing");
	if (!cJSON_IsArray(ops))
		return reject(why, wn, "operations", "must be an array");
	if (cJSON_GetArraySize(ops) == 0)
		return reject(why, wn, "operations", "must not be empty");
	if (cJSON_GetArraySize(ops) > FIX_MAX_OPS)
		return reject(why, wn, "operations", "at most 10 operations");
	cJSON_ArrayForEach(it, ops) {
		if (parse_op(it, p, &p->ops[p->nops], p->nops, why, wn) < 0)
			return -1;
		p->nops++;
	}
	qsort(p->ops, p->nops, sizeof(p->ops[0]), cmp_op);
	for (i = 1; i < p->nops; i++)
		if (cmp_op(&p->ops[i - 1], &p->ops[i]) == 0)
			return reject(why, wn, "operations", "the same operation is listed twice");
	return 0;
}

int
fixplan_parse(const char *text, size_t len, const char *wi, struct fix_plan *p, char *why, size_t wn)
{
	const char *end = NULL, *q = text;
	cJSON *root;
	int rc;

	memset(p, 0, sizeof(*p));
	if (len > FIX_PLAN_MAX_BYTES)
		return reject(why, wn, "plan", "over 256 KiB");
	if (memchr(text, '\0', len))
		return reject(why, wn, "plan", "contains a NUL byte");
	while (q < text + len && isspace((unsigned char)*q))
		q++;
	if (q == text + len)
		return reject(why, wn, "plan", "empty; expected one JSON object");
	if (*q != '{')
		return reject(
		    why, wn, "plan", "must be one JSON object and nothing else (text before the '{')");
	root = cJSON_ParseWithLengthOpts(q, len - (size_t)(q - text), &end, 0);
	if (root == NULL)
		return reject(why, wn, "plan", "invalid JSON; expected one object");
	while (end && end < text + len && isspace((unsigned char)*end))
		end++;
	if (end && end < text + len && *end != '\0') {
		cJSON_Delete(root);
		return reject(
		    why, wn, "plan", "must be one JSON object and nothing else (text after the '}')");
	}
	rc = parse_root(root, wi, p, why, wn);
	cJSON_Delete(root);
	return rc;
}

char *
fixplan_json(const struct fix_plan *p)
{
	cJSON *o = cJSON_CreateObject(), *files, *ops, *ev;
	char *s;
	size_t i;

	cJSON_AddNumberToObject(o, "version", 1);
	cJSON_AddStringToObject(o, "work_item", p->work_item);
	cJSON_AddStringToObject(o, "category", p->category);
	cJSON_AddStringToObject(o, "summary", p->summary);
	cJSON_AddNumberToObject(o, "confidence", p->confidence);
	files = cJSON_AddArrayToObject(o, "files");
	for (i = 0; i < p->nfiles; i++)
		cJSON_AddItemToArray(files, cJSON_CreateString(p->files[i]));
	ops = cJSON_AddArrayToObject(o, "operations");
	for (i = 0; i < p->nops; i++) {
		const struct fix_op *op = &p->ops[i];
		cJSON *oo = cJSON_CreateObject(), *d;
		cJSON_AddStringToObject(oo, "type", op_names[op->type]);
		cJSON_AddStringToObject(oo, "file", op->file);
		d = cJSON_AddObjectToObject(oo, "details");
		if (op->type != FIX_REMOVE_UNUSED) {
			cJSON_AddStringToObject(d, "package", op->package);
			cJSON_AddStringToObject(d, "version", op->version);
		} else {
			cJSON_AddStringToObject(d, "module", op->module);
			if (op->has_name)
				cJSON_AddStringToObject(d, "name", op->name);
			if (op->has_line_contains)
				cJSON_AddStringToObject(d, "line_contains", op->line_contains);
		}
		cJSON_AddItemToArray(ops, oo);
	}
	ev = cJSON_AddArrayToObject(o, "evidence");
	for (i = 0; i < p->nevidence; i++)
		cJSON_AddItemToArray(ev, cJSON_CreateString(p->evidence[i]));
	s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	return s;
}

static const char *
base_name(const char *path)
{
	const char *s = strrchr(path, '/');

	return s ? s + 1 : path;
}

static int
ends_with(const char *s, const char *suf)
{
	size_t a = strlen(s), b = strlen(suf);

	return a >= b && strcmp(s + a - b, suf) == 0;
}

/* Paths no fix may touch, whatever its category. */
static const char *
forbidden(const char *path)
{
	static const char *const dirs[] = { ".git", ".github", ".gitlab", ".circleci", ".ci", ".buildkite",
		".woodpecker", ".forgejo", ".gitea", NULL };
	static const char *const files[] = { ".gitlab-ci.yml", ".travis.yml", "Jenkinsfile",
		"azure-pipelines.yml", "bitbucket-pipelines.yml", ".drone.yml", "appveyor.yml",
		".pre-commit-config.yaml", NULL };
	const char *p = path;
	size_t i, len;

	if (strncmp(path, "docs/work-items/", 16) == 0)
		return "docs/work-items/ holds the pipeline's artifacts";
	for (;;) {
		const char *slash = strchr(p, '/');
		len = slash ? (size_t)(slash - p) : strlen(p);
		for (i = 0; dirs[i]; i++)
			if (strlen(dirs[i]) == len && strncmp(p, dirs[i], len) == 0)
				return i == 0 ? ".git/ is git's own data"
					      : "CI configuration is never patched";
		if (!slash)
			break;
		p = slash + 1;
	}
	for (i = 0; files[i]; i++)
		if (strcmp(base_name(path), files[i]) == 0)
			return "CI configuration is never patched";
	return NULL;
}

static int
category_file(const char *category, const char *path)
{
	const char *b = base_name(path);

	if (strcmp(category, "dependency") == 0)
		return strcmp(b, "pyproject.toml") == 0 ||
		    (strncmp(b, "requirements", 12) == 0 && ends_with(b, ".txt"));
	return ends_with(b, ".py") && strlen(b) > 3;
}

int
fixplan_policy(const struct fix_plan *p, char *why, size_t wn)
{
	int dep = strcmp(p->category, "dependency") == 0;
	const char *no;
	size_t i;

	if (!dep && strcmp(p->category, "lint") != 0)
		return snprintf(why, wn, "category '%s' is not supported (dependency or lint)", p->category),
		       -1;
	for (i = 0; i < p->nfiles; i++) {
		if (!fixplan_path_ok(p->files[i]))
			return snprintf(why, wn, "files[%zu] '%s' is outside the repository", i, p->files[i]),
			       -1;
		if ((no = forbidden(p->files[i])) != NULL)
			return snprintf(
				   why, wn, "files[%zu] '%s' may not be touched: %s", i, p->files[i], no),
			       -1;
		if (!category_file(p->category, p->files[i]))
			return snprintf(why, wn, "files[%zu] '%s' is outside what a %s fix may touch (%s)", i,
				   p->files[i], p->category,
				   dep ? "requirements*.txt, pyproject.toml" : "*.py"),
			       -1;
	}
	for (i = 0; i < p->nops; i++)
		if ((p->ops[i].type == FIX_REMOVE_UNUSED) == dep)
			return snprintf(why, wn, "operations[%zu] %s is not a %s operation", i,
				   op_names[p->ops[i].type], p->category),
			       -1;
	return 0;
}

static int
plan_has_file(const struct fix_plan *p, const char *path, size_t len)
{
	size_t i;

	for (i = 0; i < p->nfiles; i++)
		if (strlen(p->files[i]) == len && strncmp(p->files[i], path, len) == 0)
			return 1;
	return 0;
}

int
fixplan_patch_policy(const struct config *cfg, const struct fix_plan *p, const char *diff,
    struct fix_stats *st, char *why, size_t wn)
{
	const char *line = diff, *nl;

	memset(st, 0, sizeof(*st));
	st->bytes = (long)strlen(diff);
	for (; *line; line = nl + 1) {
		size_t len;
		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		if (strncmp(line, "+++ ", 4) == 0) {
			const char *path = line + 4;
			size_t pl = len - 4;
			if (pl > 2 && strncmp(path, "b/", 2) == 0)
				path += 2, pl -= 2;
			if (!plan_has_file(p, path, pl))
				return snprintf(why, wn,
					   "the diff touches '%.*s', which the plan does not list", (int)pl,
					   path),
				       -1;
			st->files++;
		} else if (strncmp(line, "--- ", 4) == 0) {
			;
		} else if (line[0] == '+') {
			st->added++;
		} else if (line[0] == '-') {
			st->removed++;
		}
		if (!nl)
			break;
	}
	st->danger = st->files * 10 + (st->added + st->removed) * 2 + (int)(st->bytes / 256);
	if (st->files > cfg->fix_max_files)
		return snprintf(why, wn, "the diff touches %d files, over fix_max_files %d", st->files,
			   cfg->fix_max_files),
		       -1;
	if (st->added + st->removed > cfg->fix_max_changed_lines)
		return snprintf(why, wn, "the diff changes %d lines, over fix_max_changed_lines %d",
			   st->added + st->removed, cfg->fix_max_changed_lines),
		       -1;
	if (st->bytes > cfg->fix_max_diff_bytes)
		return snprintf(why, wn, "the diff is %ld bytes, over fix_max_diff_bytes %d", st->bytes,
			   cfg->fix_max_diff_bytes),
		       -1;
	if (st->danger > cfg->fix_max_danger)
		return snprintf(why, wn, "danger score %d is over fix_max_danger %d", st->danger,
			   cfg->fix_max_danger),
		       -1;
	return 0;
}
