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
split(const char *text, size_t len, const char **ys, const char **ye, const char **body,
    char *reason, size_t rn)
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
	yaml_node_pair_t *a, *b;
	int rc = -1;

	if (split(text, len, &ys, &ye, &body, reason, rn) < 0)
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
	for (a = root->data.mapping.pairs.start; a < root->data.mapping.pairs.top; a++) {
		yaml_node_t *k = yaml_document_get_node(&doc, a->key);
		if (k->type != YAML_SCALAR_NODE)
			continue;
		for (b = a + 1; b < root->data.mapping.pairs.top; b++) {
			yaml_node_t *k2 = yaml_document_get_node(&doc, b->key);
			if (k2->type == YAML_SCALAR_NODE && strcmp((char *)k->data.scalar.value,
			    (char *)k2->data.scalar.value) == 0) {
				snprintf(reason, rn, "duplicated key '%.64s' in frontmatter", (char *)k->data.scalar.value);
				goto out;
			}
		}
		if (strcmp((char *)k->data.scalar.value, key) == 0)
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
fm_verdict(const char *text, size_t len, const char *key, const char *pass_token,
    char *value, size_t vn, char *reason, size_t rn)
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
