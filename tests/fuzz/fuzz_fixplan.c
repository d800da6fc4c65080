/*
 * FixPlan JSON (lib/fixplan.c).  Invariants: a rejection names a field and
 * says why; an accepted plan keeps the schema's bounds (at most FIX_MAX_OPS
 * operations, every operation's file listed in files, every file a
 * normalised relative path, files sorted and unique, confidence in 0..1,
 * summary within its cap); its canonical JSON parses again to the same
 * canonical JSON (equal plans compare equal).
 */
#include "../../lib/fixplan.h"
#include "fuzz.h"

static void
check_plan(const struct fix_plan *p)
{
	size_t i, j;

	FUZZ_CHECK(p->nops >= 1 && p->nops <= FIX_MAX_OPS, "%zu operations", p->nops);
	FUZZ_CHECK(p->nfiles <= FIX_MAX_FILES && p->nevidence <= FIX_MAX_EVIDENCE, "list bounds");
	FUZZ_CHECK(p->confidence >= 0 && p->confidence <= 1, "confidence %g", p->confidence);
	FUZZ_CHECK(strlen(p->summary) <= FIX_SUMMARY_MAX, "summary of %zu bytes", strlen(p->summary));
	for (i = 0; i < p->nfiles; i++) {
		FUZZ_CHECK(fixplan_path_ok(p->files[i]), "file '%s' not normalised", p->files[i]);
		if (i > 0)
			FUZZ_CHECK(strcmp(p->files[i - 1], p->files[i]) < 0, "files not sorted and unique");
	}
	for (i = 0; i < p->nops; i++) {
		for (j = 0; j < p->nfiles; j++)
			if (strcmp(p->ops[i].file, p->files[j]) == 0)
				break;
		FUZZ_CHECK(j < p->nfiles, "operation %zu's file '%s' not in files", i, p->ops[i].file);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *text = fuzz_str(data, len), why[256], why2[256];
	struct fix_plan *p = calloc(2, sizeof(*p));
	char *json, *json2;

	FUZZ_CHECK(p != NULL, "out of memory");
	why[0] = '\0';
	if (fixplan_parse(text, len, NULL, &p[0], why, sizeof(why)) < 0) {
		FUZZ_CHECK(why[0] != '\0', "a rejection without a reason");
		goto out;
	}
	check_plan(&p[0]);
	json = fixplan_json(&p[0]);
	FUZZ_CHECK(json != NULL, "no canonical JSON for an accepted plan");
	FUZZ_CHECK(fixplan_parse(json, strlen(json), NULL, &p[1], why2, sizeof(why2)) == 0,
	    "the canonical form is rejected: %s", why2);
	json2 = fixplan_json(&p[1]);
	FUZZ_CHECK(json2 != NULL && strcmp(json, json2) == 0, "canonical form not stable");
	free(json);
	free(json2);
out:
	free(p);
	free(text);
	return 0;
}
