/*
 * The lockfile parsers (lib/lockfile.c, lib/toml.c) and the CVSS
 * calculator (lib/cvss.c): the same hostile bytes as every format orch
 * reads.  Invariants: a failure says why, with a line number where the
 * format has lines, and leaves the set as it was; a success gives pins with
 * an ecosystem, a non-empty name without control bytes, a version within
 * its cap, a line >= 0 and pinned 0 or 1; a parse is deterministic; a CVSS
 * score is within 0..10 with one decimal, a refusal says why.
 */
#include "../../lib/cvss.h"
#include "../../lib/lockfile.h"
#include "fuzz.h"

static const char *const paths[] = { "requirements.txt", "package-lock.json", "Pipfile.lock", "poetry.lock",
	"uv.lock", "Cargo.lock", "go.mod" };

static void
check_set(const struct lockset *s, const char *path)
{
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		const struct lockpkg *p = &s->v[i];
		FUZZ_CHECK(p->eco[0] && p->name[0], "%s: pin %zu without ecosystem or name", path, i);
		for (j = 0; p->name[j]; j++)
			FUZZ_CHECK((unsigned char)p->name[j] >= 0x20 && p->name[j] != 0x7f,
			    "%s: a control byte in name %zu", path, i);
		FUZZ_CHECK(strlen(p->version) < sizeof(p->version) && p->line >= 0 &&
			(p->pinned == 0 || p->pinned == 1),
		    "%s: pin %zu out of range", path, i);
		FUZZ_CHECK(strcmp(p->file, path) == 0, "%s: pin %zu names file %s", path, i, p->file);
	}
	for (i = 0; i < s->nincludes; i++) {
		const char *inc = s->includes[i], *seg;
		FUZZ_CHECK(inc[0] && inc[0] != '/', "%s: include '%s' is not from the root", path, inc);
		for (seg = inc; seg; seg = strchr(seg, '/') ? strchr(seg, '/') + 1 : NULL)
			FUZZ_CHECK(strncmp(seg, "..", 2) != 0 || (seg[2] != '/' && seg[2] != '\0'),
			    "%s: include '%s' leaves the repository", path, inc);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *text = fuzz_str(data, len), why[256], why2[256];
	struct lockset a = { 0 }, b = { 0 };
	double score;
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		enum lock_kind k = lockfile_kind(paths[i]);
		int ra, rb;
		why[0] = why2[0] = '\0';
		ra = lockfile_parse(k, paths[i], text, len, &a, why, sizeof(why));
		rb = lockfile_parse(k, paths[i], text, len, &b, why2, sizeof(why2));
		FUZZ_CHECK(ra == rb && a.n == b.n && (ra == 0 || strcmp(why, why2) == 0),
		    "%s: not deterministic", paths[i]);
		if (ra < 0) {
			FUZZ_CHECK(why[0] != '\0' && a.n == 0 && a.nincludes == 0,
			    "%s: a failure without a reason or "
			    "with pins kept",
			    paths[i]);
			FUZZ_CHECK(k == LOCK_NPM || k == LOCK_PIPFILE || strncmp(why, "line ", 5) == 0 ||
				strstr(why, "NUL") || strstr(why, "limit"),
			    "%s: a failure without its line: %s", paths[i], why);
		} else
			check_set(&a, paths[i]);
		lockset_free(&a);
		lockset_free(&b);
	}
	why[0] = '\0';
	if (cvss_score(text, &score, why, sizeof(why)) == 0)
		FUZZ_CHECK(score >= 0.0 && score <= 10.0 &&
			(long)(score * 10 + 0.5) == (long)(score * 10 + 0.5000001),
		    "cvss score %f", score);
	else
		FUZZ_CHECK(why[0] != '\0', "a refused vector without a reason");
	free(text);
	return 0;
}
