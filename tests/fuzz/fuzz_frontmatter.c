/*
 * frontmatter: bytes -> a verdict or a fail-closed reason.  Invariants: the
 * result is FM_RED or FM_PASS; a reason is always given; a pass means the
 * value is the pass token (case-insensitive); fm_get agrees with the
 * verdict; a NUL byte or no leading fence is never a pass; fm_body points
 * inside the text.
 */
#include <strings.h>

#include "../../lib/frontmatter.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	char *text = malloc(len ? len : 1), value[128], reason[512], v2[128], r2[512];
	const char *body;
	int res, got;

	if (text == NULL)
		abort();
	memcpy(text, data, len); /* exactly len bytes: no terminator to lean on */
	value[0] = reason[0] = '\0';
	res = fm_verdict(text, len, "verdict", "APPROVED", value, sizeof(value), reason, sizeof(reason));
	FUZZ_CHECK(res == FM_RED || res == FM_PASS, "result %d", res);
	FUZZ_CHECK(reason[0] != '\0', "no reason for result %d", res);
	FUZZ_CHECK(strlen(reason) < sizeof(reason), "reason unterminated");
	got = fm_get(text, len, "verdict", v2, sizeof(v2), r2, sizeof(r2));
	if (res == FM_PASS) {
		FUZZ_CHECK(strcasecmp(value, "APPROVED") == 0, "pass with value '%s'", value);
		FUZZ_CHECK(got == 0 && strcmp(v2, value) == 0, "fm_get disagrees: %d '%s'", got, v2);
		FUZZ_CHECK(len >= 4 && memcmp(text, "---", 3) == 0, "pass without a leading fence");
		FUZZ_CHECK(memchr(text, '\0', len) == NULL, "pass with a NUL byte");
	}
	if (got < 0)
		FUZZ_CHECK(res == FM_RED && strcmp(r2, reason) == 0,
		    "fm_get failed ('%s') but verdict said '%s'", r2, reason);
	body = fm_body(text, len);
	if (body)
		FUZZ_CHECK(body >= text && body <= text + len, "body outside the text");
	free(text);
	return 0;
}
