/*
 * fixpatch: the deterministic patch generator of the fix pipeline.  No
 * LLM, no re-serialising: every operation is a targeted line edit, and
 * lines it does not change keep every byte.
 *
 *   pin_dependency  requirements*.txt: the one line requiring the package
 *                   becomes name[extras]==version, its markers and comment
 *                   kept; pyproject.toml: the one Poetry entry
 *                   ([tool.poetry.dependencies], dev-dependencies, group
 *                   tables; a string or an inline table's version) or PEP
 *                   621 string ([project] dependencies, optional-dependencies)
 *   add_dependency  a new `pkg==version` line (requirements), a new
 *                   `pkg = "version"` line (Poetry) or a new array element
 *                   (PEP 621); refused when the package is already there
 *   remove_unused   Python imports: `import a, b`, `from m import a, b as c`
 *                   and parenthesised multi-line forms; only the named
 *                   symbol goes, the statement when it becomes empty
 *
 * fixpatch_diff() is git's unified diff of the two texts (git_diff_texts:
 * git diff --no-index, three lines of context, every knob pinned); the
 * same inputs give the same bytes.
 *
 * Return conventions: 0 ok; -1 the operation cannot apply, why says so.
 */
#ifndef ORCH_FIXPATCH_H
#define ORCH_FIXPATCH_H

#include <stddef.h>

struct buf;
struct fix_op;

int fixpatch_apply(
    const struct fix_op *op, const char *in, size_t len, struct buf *out, char *why, size_t wn);
/* Append the diff of path from a to b to diff (nothing when equal); -1 when over diff's cap or git failed. */
int fixpatch_diff(const char *path, const char *a, size_t alen, const char *b, size_t blen, struct buf *diff);
/* Compare release versions ("1.10" > "1.9", "1.0" == "1", "2.0rc1" < "2.0"): <0, 0, >0. */
int fixpatch_version_cmp(const char *a, const char *b);
/* PEP 503 name equality: case-insensitive, runs of - _ . equal. */
int fixpatch_name_eq(const char *a, size_t alen, const char *b);

#endif
