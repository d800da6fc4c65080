/*
 * wi: work item ids and the names derived from them (SPEC section 4).
 *
 * A work item id is <KEY>-<seq>: seq matches [1-9][0-9]{0,8}; KEY is a
 * Plane project identifier as Plane accepts it (makeplane/plane, Project
 * model and serializers): uppercase ASCII letters, digits (first too), '_'
 * and non-ASCII letters, at most 12 characters, never '-' or punctuation.
 * orch caps a key at WI_KEY_BYTES bytes of UTF-8 (12 ASCII characters, and
 * the 16-letter keys older orch accepted, fit; 12 Cyrillic letters do not)
 * and refuses controls, spaces, bidi overrides and malformed UTF-8, so an id
 * is safe as a branch name component and a path component (no '/', '.',
 * '~', '^', ':', '\\', space).  Nothing else is ever used to build a path
 * or a branch name.  wi_slug() turns a
 * free-text title into [a-z0-9-]{1,40}, so shell metacharacters in titles
 * never reach a branch name (and no shell is used anywhere anyway).
 */
#ifndef ORCH_WI_H
#define ORCH_WI_H

#include <stddef.h>

#define WI_KEY_BYTES 16 /* bytes of UTF-8; project[17] buffers elsewhere rely on it */
#define WI_MAX 32       /* 16 + 1 + 9 + NUL, rounded */
/* For messages about a refused key (config, commands). */
/* How an id is written, for messages: the number has no leading zero and at most nine digits. */
#define WI_FORM "of the form ABC-123 (a project key, '-', a number from 1 to 999999999)"
#define WI_KEY_RULE \
	"a Plane project identifier: uppercase letters, digits, '_' or non-ASCII letters, " \
	"at most 16 bytes, no '-' or punctuation"

int wi_valid(const char *s);
/* Project key (the part before '-') of a valid id into out[17]. */
int wi_project(const char *wi, char out[WI_KEY_BYTES + 1]);
int wi_project_key_valid(const char *key); /* a Plane identifier within WI_KEY_BYTES */
void wi_slug(const char *title, char *out, size_t n);
/* Every item branch starts with this (the remote's item branches are fetched by it). */
#define WI_BRANCH_PREFIX "feature/"
/* feature/<WI>-<slug> */
int wi_branch(const char *wi, const char *title, char *out, size_t n);

/* Path of artifact name for work item wi: docs/work-items/<WI>/<name>. */
int wi_artifact_path(const char *wi, const char *name, char *out, size_t n);

#endif
