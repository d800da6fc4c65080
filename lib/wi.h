/*
 * wi: work item ids and the names derived from them (SPEC section 4).
 *
 * A work item id matches ^[A-Z][A-Z0-9]{0,15}-[1-9][0-9]{0,8}$.  Nothing
 * else is ever used to build a path or a branch name.  wi_slug() turns a
 * free-text title into [a-z0-9-]{1,40}, so shell metacharacters in titles
 * never reach a branch name (and no shell is used anywhere anyway).
 */
#ifndef ORCH_WI_H
#define ORCH_WI_H

#include <stddef.h>

#define WI_MAX 32	/* 16 + 1 + 9 + NUL, rounded */

int wi_valid(const char *s);
/* Project key (the part before '-') of a valid id into out[17]. */
int wi_project(const char *wi, char out[17]);
int wi_project_key_valid(const char *key);	/* ^[A-Z][A-Z0-9]{0,15}$ */
void wi_slug(const char *title, char *out, size_t n);
/* feature/<WI>-<slug> */
int wi_branch(const char *wi, const char *title, char *out, size_t n);

/* Path of artifact name for work item wi: docs/work-items/<WI>/<name>. */
int wi_artifact_path(const char *wi, const char *name, char *out, size_t n);

#endif
