/*
 * fixplan: the FixPlan schema and the fix policy (docs/fix-pipeline.md).
 *
 * A plan is one JSON object and nothing else:
 *   {"version": 1, "work_item", "category": "dependency"|"lint",
 *    "summary" (<= 200 chars), "confidence" (0..1), "files": [...],
 *    "operations": [{"type", "file", "details": {...}}], "evidence": [...]}
 * Parsing is strict: unknown keys are rejected at every level, every
 * rejection names the field ("operations[1].details.version: missing").
 * After parsing, files, operations and evidence are sorted so that equal
 * plans compare equal (fixplan_json() prints the canonical form).
 *
 * Policy, before patching (fixplan_policy): the operation types belong to
 * the category; each file is one the category may touch (requirements*.txt
 * and pyproject.toml for dependency, *.py for lint), never .git/, CI
 * configuration or docs/work-items/.  After patching (fixplan_patch_policy):
 * the diff touches only the plan's files, every operation changed its own
 * file, and the danger score stays under the configured thresholds.
 *
 * Return conventions: 0 accepted, -1 rejected with the reason in why.
 */
#ifndef ORCH_FIXPLAN_H
#define ORCH_FIXPLAN_H

#include <stddef.h>

struct config;

#define FIX_MAX_OPS 10
#define FIX_MAX_FILES 10
#define FIX_MAX_EVIDENCE 32
#define FIX_SUMMARY_MAX 200
#define FIX_PLAN_MAX_BYTES (256 * 1024)

enum fix_op_type { FIX_PIN, FIX_ADD, FIX_REMOVE_UNUSED };

struct fix_op {
	enum fix_op_type type;
	char file[256];
	char package[128], version[64];                  /* pin_dependency, add_dependency */
	char module[256], name[128], line_contains[256]; /* remove_unused */
	int has_name, has_line_contains;
};

struct fix_plan {
	char work_item[32];
	char category[16];
	char summary[FIX_SUMMARY_MAX + 1];
	double confidence;
	size_t nfiles, nops, nevidence;
	char files[FIX_MAX_FILES][256];
	struct fix_op ops[FIX_MAX_OPS];
	char evidence[FIX_MAX_EVIDENCE][256];
};

/* The diff's measure, for the danger score. */
struct fix_stats {
	int files, added, removed;
	long bytes;
	int danger;
};

const char *fixop_type_name(enum fix_op_type t);
/* Parse text (exactly one JSON object) into *p; wi, when set, must match work_item. */
int fixplan_parse(const char *text, size_t len, const char *wi, struct fix_plan *p, char *why, size_t wn);
/* The canonical JSON of a parsed plan (malloc'd, one line). */
char *fixplan_json(const struct fix_plan *p);
/* A normalised repository path: forward slashes, relative, no '.', '..' or empty parts. */
int fixplan_path_ok(const char *path);
int fixplan_policy(const struct fix_plan *p, char *why, size_t wn);
/*
 * Measure a unified diff (as fixpatch writes it), compute the danger score,
 * and check it against cfg's fix_max_* thresholds and the plan's files.
 */
int fixplan_patch_policy(const struct config *cfg, const struct fix_plan *p, const char *diff,
    struct fix_stats *st, char *why, size_t wn);

#endif
