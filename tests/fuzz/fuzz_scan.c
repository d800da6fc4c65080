/*
 * Scanner reports: the same bytes through the gitleaks, pip-audit and
 * osv-scanner parsers.  Invariants: a gitleaks failure says why and keeps
 * no findings; a finding's file has no control characters, its secret is
 * shown masked (at most 4 characters, then "****"), its fingerprint is set;
 * a dependency finding has a package, a version, an id and a severity in
 * range; a failed dependency parse adds nothing.
 */
#include "../../lib/scan.h"
#include "fuzz.h"

static void
check_deps(const struct deps_result *r, int rc)
{
	size_t i;

	if (rc < 0)
		FUZZ_CHECK(r->n == 0 && r->v == NULL, "a failed parse kept %zu findings", r->n);
	for (i = 0; i < r->n; i++) {
		const struct dep_finding *f = &r->v[i];
		FUZZ_CHECK(f->package[0] && f->version[0] && f->id[0], "finding %zu lacks a field", i);
		FUZZ_CHECK(f->sev >= SEV_UNKNOWN && f->sev <= SEV_CRITICAL, "severity %d", (int)f->sev);
		FUZZ_CHECK(sev_name(f->sev) != NULL, "severity name");
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *text = fuzz_str(data, len);
	struct secrets_result s;
	struct deps_result d;
	size_t i;
	int rc;

	memset(&s, 0, sizeof(s));
	rc = scan_parse_gitleaks(text, len, &s);
	if (rc < 0) {
		FUZZ_CHECK(s.error[0] && s.n == 0 && s.v == NULL, "gitleaks failure left state or no reason");
	} else {
		for (i = 0; i < s.n; i++) {
			const struct secret_finding *f = &s.v[i];
			size_t ml = strlen(f->masked);
			for (const char *q = f->file; *q; q++)
				FUZZ_CHECK((unsigned char)*q >= 0x20, "control byte in file name");
			FUZZ_CHECK(ml >= 4 && ml <= 8 && strcmp(f->masked + ml - 4, "****") == 0, "mask '%s'",
			    f->masked);
			FUZZ_CHECK(f->fingerprint[0] != '\0', "finding %zu without a fingerprint", i);
			FUZZ_CHECK(f->line >= 0 && f->line <= 1000000000L, "line %ld", f->line);
		}
	}
	secrets_result_free(&s);
	memset(&d, 0, sizeof(d));
	rc = scan_parse_pip_audit(text, &d);
	check_deps(&d, rc);
	deps_result_free(&d);
	memset(&d, 0, sizeof(d));
	rc = scan_parse_osv(text, &d);
	check_deps(&d, rc);
	deps_result_free(&d);
	free(text);
	return 0;
}
