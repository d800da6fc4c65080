/*
 * Plane responses: a listing page body -> work items, a states page -> a
 * count, or EX_DATAERR.  Invariants: a failure allocates nothing and says
 * why; every parsed item has a valid work item id of the project (the key
 * plus a sequence in 1..999999999), a non-empty uuid and state safe in a
 * request path, an
 * updated_at that parses as an instant, and terminated strings; a cursor
 * to follow fits its buffer.  The same bytes as a response header line:
 * the rate-limit numbers are left alone, set to -1, or set to a number in
 * 0..2^40, and Retry-After is set exactly when the line names it.
 */
#include <strings.h>

#include "../../lib/config.h"
#include "../../lib/err.h"
#include "../../lib/http.h"
#include "../../lib/tracker.h"
#include "../../lib/tracker_plane.h"
#include "../../lib/util.h"
#include "../../lib/wi.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct project p = { .key = "ORCH" };
	struct tracker_issue *v = (void *)1;
	struct orch_err e = { 0 };
	char *body = malloc(len ? len : 1), cursor[128], prefix[32];
	size_t n = 7, i;
	int more = 7, rc;
	int64_t us;

	if (body == NULL)
		abort();
	memcpy(body, data, len);
	rc = plane_parse_items(&p, body, len, &v, &n, &more, cursor, sizeof(cursor), &e);
	if (rc < 0) {
		FUZZ_CHECK(v == NULL && n == 0 && more == 0, "partial state after a failure");
		FUZZ_CHECK(e.code == EX_DATAERR && e.msg[0], "error %d '%s'", e.code, e.msg);
	} else {
		FUZZ_CHECK(n == 0 || v != NULL, "items missing");
		for (i = 0; i < n; i++) {
			FUZZ_CHECK(wi_valid(v[i].work_item), "work item '%s'", v[i].work_item);
			snprintf(prefix, sizeof(prefix), "ORCH-%ld", v[i].seq);
			FUZZ_CHECK(strcmp(prefix, v[i].work_item) == 0 && strcmp(v[i].project, "ORCH") == 0,
			    "item %s of %s", v[i].work_item, v[i].project);
			FUZZ_CHECK(
			    v[i].id[0] && v[i].state_id[0], "item %s lacks id or state", v[i].work_item);
			FUZZ_CHECK(strcspn(v[i].id, "/.?#%& ") == strlen(v[i].id), "id '%s' unsafe in a path",
			    v[i].id);
			FUZZ_CHECK(memchr(v[i].name, '\0', sizeof(v[i].name)) != NULL, "name unterminated");
			FUZZ_CHECK(
			    time_parse_iso(v[i].updated_at, &us) == 0, "updated_at '%s'", v[i].updated_at);
		}
		if (more)
			FUZZ_CHECK(strlen(cursor) < sizeof(cursor), "cursor");
		free(v);
	}
	memset(&e, 0, sizeof(e));
	n = 7;
	rc = plane_parse_states(body, len, &n, &e);
	FUZZ_CHECK(
	    rc == 0 || (n == 0 && e.code == EX_DATAERR && e.msg[0]), "states failure %d '%s'", e.code, e.msg);
	{
		int64_t h[3] = { -7, -7, -7 };
		http_header_scan(body, len, h);
		for (i = 0; i < 3; i++)
			FUZZ_CHECK(h[i] == -7 || h[i] == -1 || (h[i] >= 0 && h[i] <= (int64_t)1 << 40),
			    "header %zu: %lld", i, (long long)h[i]);
		FUZZ_CHECK((h[0] != -7) == (len > 12 && strncasecmp(body, "retry-after:", 12) == 0),
		    "Retry-After %lld", (long long)h[0]);
	}
	free(body);
	return 0;
}
