#include "frontmatter.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util.h"

static const char *const negative[] = { "FAIL", "FAILED", "REQUEST_CHANGES", "DEGRADED", NULL };

/* Is the line starting at p (ending before end) exactly "---" (CR allowed)? */
static int
is_fence(const char *p, const char *end)
{
	size_t n = (size_t)(end - p);

	return (n == 3 && memcmp(p, "---", 3) == 0) || (n == 4 && memcmp(p, "---\r", 4) == 0);
}

/* Find the YAML block; returns 0 with [*ys,*ye) and *body, or -1 with reason. */
static int
split(const char *text, size_t len, const char **ys, const char **ye, const char **body, char *reason,
    size_t rn)
{
	const char *end = text + len, *nl, *p;

	if (len > FM_MAX_BYTES) {
		snprintf(reason, rn, "artifact is %zu bytes, over the 1 MiB limit", len);
		return -1;
	}
	if (memchr(text, '\0', len)) {
		snprintf(reason, rn, "artifact contains a NUL byte (not a text file)");
		return -1;
	}
	nl = memchr(text, '\n', len);
	if (nl == NULL || !is_fence(text, nl)) {
		snprintf(reason, rn, "no frontmatter: the file must begin with a line '---'");
		return -1;
	}
	*ys = p = nl + 1;
	while (p < end) {
		const char *le = memchr(p, '\n', (size_t)(end - p));
		if (le == NULL)
			le = end;
		if (is_fence(p, le)) {
			*ye = p;
			*body = le < end ? le + 1 : end;
			return 0;
		}
		p = le + 1;
	}
	snprintf(reason, rn, "frontmatter is not closed: no second line '---'");
	return -1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/*
 * A scalar key that occurs twice at the top level into *dup (NULL: none).
 * Sorting makes it O(n log n): an agent can write ~100k keys under the
 * size cap, and a pairwise check cost tens of seconds per evaluation.
 */
static int
dup_key(yaml_document_t *doc, yaml_node_t *root, const char **dup)
{
	size_t n = 0, i, max = (size_t)(root->data.mapping.pairs.top - root->data.mapping.pairs.start);
	const char **keys;
	yaml_node_pair_t *a;

	*dup = NULL;
	if (max == 0)
		return 0;
	if ((keys = calloc(max, sizeof(*keys))) == NULL)
		return -1;
	for (a = root->data.mapping.pairs.start; a < root->data.mapping.pairs.top; a++) {
		yaml_node_t *k = yaml_document_get_node(doc, a->key);
		if (k->type == YAML_SCALAR_NODE)
			keys[n++] = (const char *)k->data.scalar.value;
	}
	qsort(keys, n, sizeof(*keys), cmp_str);
	for (i = 1; i < n && *dup == NULL; i++)
		if (strcmp(keys[i - 1], keys[i]) == 0)
			*dup = keys[i];
	free(keys);
	return 0;
}

/*
 * Walk the events once and refuse nesting deeper than FM_MAX_DEPTH before
 * building the document: libyaml's scanner is quadratic in flow nesting
 * (100k '[' cost ~40 s), and stopping at the cap bounds it.  A syntax
 * error is left to the loader, which reports it with its line.
 */
static int
depth_ok(const char *ys, size_t n, char *reason, size_t rn)
{
	yaml_parser_t p;
	yaml_event_t ev;
	int depth = 0, rc = 0, done = 0;

	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)ys, n);
	while (!done && yaml_parser_parse(&p, &ev)) {
		if (ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_MAPPING_START_EVENT)
			depth++;
		else if (ev.type == YAML_SEQUENCE_END_EVENT || ev.type == YAML_MAPPING_END_EVENT)
			depth--;
		done = ev.type == YAML_STREAM_END_EVENT;
		yaml_event_delete(&ev);
		if (depth > FM_MAX_DEPTH) {
			snprintf(reason, rn,
			    "frontmatter nests deeper than %d levels; a verdict is a flat map", FM_MAX_DEPTH);
			rc = -1;
			break;
		}
	}
	yaml_parser_delete(&p);
	return rc;
}

const char *
fm_body(const char *text, size_t len)
{
	const char *ys, *ye, *body;
	char reason[8];

	if (split(text, len, &ys, &ye, &body, reason, sizeof(reason)) < 0)
		return NULL;
	return body;
}

int
fm_get(const char *text, size_t len, const char *key, char *value, size_t vn, char *reason, size_t rn)
{
	const char *ys, *ye, *body;
	yaml_parser_t p;
	yaml_document_t doc;
	yaml_node_t *root, *found = NULL;
	yaml_node_pair_t *a;
	const char *dup;
	int rc = -1;

	if (vn)
		value[0] = '\0'; /* a failure below leaves no value, never stale bytes (orch-advance --explain
				    prints it) */
	if (split(text, len, &ys, &ye, &body, reason, rn) < 0 ||
	    depth_ok(ys, (size_t)(ye - ys), reason, rn) < 0)
		return -1;
	yaml_parser_initialize(&p);
	yaml_parser_set_input_string(&p, (const unsigned char *)ys, (size_t)(ye - ys));
	if (!yaml_parser_load(&p, &doc)) {
		snprintf(reason, rn, "invalid YAML in frontmatter at line %lu: %s",
		    (unsigned long)p.problem_mark.line + 2, p.problem ? p.problem : "parse error");
		yaml_parser_delete(&p);
		return -1;
	}
	root = yaml_document_get_root_node(&doc);
	if (root == NULL || root->type != YAML_MAPPING_NODE) {
		snprintf(reason, rn, "frontmatter is not a YAML map of keys");
		goto out;
	}
	if (dup_key(&doc, root, &dup) < 0) {
		snprintf(reason, rn, "frontmatter has too many keys to check (out of memory)");
		goto out;
	}
	if (dup) {
		snprintf(reason, rn, "duplicated key '%.64s' in frontmatter", dup);
		goto out;
	}
	for (a = root->data.mapping.pairs.start; a < root->data.mapping.pairs.top; a++) {
		yaml_node_t *k = yaml_document_get_node(&doc, a->key);
		if (k->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value, key) == 0)
			found = yaml_document_get_node(&doc, a->value);
	}
	if (found == NULL) {
		snprintf(reason, rn, "key '%s' missing from frontmatter", key);
		goto out;
	}
	if (found->type != YAML_SCALAR_NODE) {
		snprintf(reason, rn, "key '%s' is not a single value (list or map)", key);
		goto out;
	}
	{
		char tmp[256];
		if (str_copy(tmp, sizeof(tmp), (char *)found->data.scalar.value) < 0) {
			snprintf(reason, rn, "value of '%s' is too long", key);
			goto out;
		}
		if (str_copy(value, vn, str_trim(tmp)) < 0) {
			snprintf(reason, rn, "value of '%s' is too long", key);
			goto out;
		}
	}
	rc = 0;
out:
	yaml_document_delete(&doc);
	yaml_parser_delete(&p);
	return rc;
}

int
fm_verdict(const char *text, size_t len, const char *key, const char *pass_token, char *value, size_t vn,
    char *reason, size_t rn)
{
	size_t i;

	if (fm_get(text, len, key, value, vn, reason, rn) < 0)
		return FM_RED;
	for (i = 0; negative[i]; i++)
		if (str_ieq(value, negative[i])) {
			snprintf(reason, rn, "%s: %s", key, negative[i]);
			return FM_RED;
		}
	if (str_ieq(value, pass_token)) {
		snprintf(reason, rn, "%s: %s", key, pass_token);
		return FM_PASS;
	}
	snprintf(reason, rn, "%s: '%.64s' is not a recognised verdict (expected %s)", key, value, pass_token);
	return FM_RED;
}

const char *const *
fm_negative_tokens(void)
{
	return negative;
}

const char *
fm_negative_for(const char *pass_token)
{
	static const struct {
		const char *pass, *red;
	} pair[] = {
		{ "APPROVED", "REQUEST_CHANGES" },
		{ "PASS", "FAIL" },
		{ "SUCCESS", "FAILED" },
		{ "HEALTHY", "DEGRADED" },
		{ NULL, NULL },
	};
	size_t i;

	for (i = 0; pair[i].pass; i++)
		if (str_ieq(pass_token, pair[i].pass))
			return pair[i].red;
	return "FAIL";
}
