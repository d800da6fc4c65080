/*
 * frontmatter: the one verdict parser (SPEC section 6).  Every gate that
 * reads a machine verdict calls fm_verdict(); nothing else parses them.
 *
 * Format: the text begins with a line "---"; the YAML mapping ends at the
 * next line "---"; what follows is prose that never changes a verdict.
 *
 * fm_verdict() returns FM_PASS when key's scalar value equals pass_token,
 * FM_RED otherwise, and fills reason with one line saying why.  It fails
 * closed: no frontmatter, unclosed frontmatter, invalid YAML, a root that is
 * not a map, a missing key, a non-scalar value, a duplicated key (anywhere
 * at the top level), nesting deeper than FM_MAX_DEPTH, a NUL byte, or text
 * over FM_MAX_BYTES is FM_RED with a reason naming the case.  Values are
 * trimmed and compared case-insensitively; the negative tokens (FAIL,
 * FAILED, REQUEST_CHANGES, DEGRADED) are authoritative, and any other value
 * is red as unrecognised.
 * The artifact-level cases (missing file, symlink) are the caller's: see
 * git_read_artifact().
 */
#ifndef ORCH_FRONTMATTER_H
#define ORCH_FRONTMATTER_H

#include <stddef.h>

#define FM_MAX_BYTES ((size_t)1 << 20)
#define FM_MAX_DEPTH 32 /* nested lists/maps; the root map is level 1 */

enum fm_result { FM_RED = 0, FM_PASS = 1 };

int fm_verdict(const char *text, size_t len, const char *key, const char *pass_token, char *value, size_t vn,
    char *reason, size_t rn);
/* Get key's scalar value; 0 ok, -1 with reason (same fail-closed rules). */
int fm_get(const char *text, size_t len, const char *key, char *value, size_t vn, char *reason, size_t rn);
/* The negative tokens, NULL-terminated (what a brief lists as red values). */
const char *const *fm_negative_tokens(void);
/* The negative token that answers pass_token (APPROVED: REQUEST_CHANGES, PASS: FAIL, ...), for examples. */
const char *fm_negative_for(const char *pass_token);
/* The prose after the closing "---" (points into text), or NULL. */
const char *fm_body(const char *text, size_t len);

#endif
