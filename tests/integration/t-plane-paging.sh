# Cursor pagination with the same per_page, the endless-paging guard, the watermark (a changed item is
# seen with one request), the state cache TTL with a failed refresh, and a state a project lacks.
. "$(dirname "$0")/lib.sh"
export ORCH_PLANE_API_TOKEN=tok-123
plane_start --rate 1000 --tz=-03:00
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
P=cccccccc-cccc-4ccc-8ccc-cccccccccccc
plane_admin POST /_admin/project "{\"id\": \"$P\", \"identifier\": \"PG\", \"omit_states\": [\"In Review\"]}" >/dev/null
python3 - "$PLANE_URL" "$P" <<'PY'
import json, sys, urllib.request
for i in range(250):
    body = json.dumps({"project": sys.argv[2], "name": f"item {i + 1}", "state_name": "Backlog",
                       "age_s": 7200 - i}).encode()
    urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/_admin/item", data=body, method="POST"))
PY
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$(plane_project PG $P "$TMP/repo")"
stats() { plane_admin GET /_admin/stats; }

expect_rc 0 orch-issue list --project PG
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 250 ] || fail "expected 250 items"
paths=$(stats | json_field '["paths"]')
contains "$paths" "per_page=100&order_by=-updated_at&fields=id,name,sequence_id,state,updated_at,labels&expand=labels'"
contains "$paths" "per_page=100&order_by=-updated_at&fields=id,name,sequence_id,state,updated_at,labels&expand=labels&cursor=100:1:0"
contains "$paths" "&cursor=100:2:0"
lacks "$paths" "cursor=100:3:0"

plane_admin POST /_admin/reset >/dev/null
plane_admin POST /_admin/fault "{\"mode\": \"endless\", \"count\": 20, \"match\": \"$P/work-items\"}" >/dev/null
expect_rc 0 orch-issue list --project PG
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 250 ] || fail "endless paging: $(printf '%s\n' "$OUT" | wc -l) items"
[ "$(stats | json_field '["requests"]')" -le 4 ] || fail "endless paging was followed: $(stats)"

# the watermark: the first poll reads everything once, later ones one page
expect_rc 0 orch-poll
plane_admin POST /_admin/reset >/dev/null
plane_admin POST /_admin/state "{\"project\": \"$P\", \"seq\": 7, \"state_name\": \"To Analyse\"}" >/dev/null
expect_rc 0 orch-poll
contains "$OUT" "[To Analyse] PG-7: created -> analysis advanced"
# one list page, then the start: a read of the item and the PATCH to Analysis
[ "$(stats | json_field '["requests"]')" -le 4 ] || fail "watermark not used: $(stats)"
[ "$(stats | json_field '["paths"]' | grep -c 'cursor=')" -eq 0 ] || fail "paged past the watermark: $(stats)"

# a state the project lacks never fires: no In Review, so the analysis waits without it
orch-work -q --once
[ "$(orch-issue --json show PG-7 | json_field '["state"]')" = Analysis ] || fail "a missing state was set"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'tracker_error'")" = 0 ] || fail "a missing state is not an error"

# the state cache: fresh within the TTL; stale and unrefreshable still serves, loudly
plane_admin POST /_admin/reset >/dev/null
expect_rc 0 orch-issue states --project PG
lacks "$(stats | json_field '["paths"]')" "/states/"
sql_exec "UPDATE plane_states SET fetched_at = 0"
plane_admin POST /_admin/fault "{\"mode\": \"error500\", \"count\": 3, \"match\": \"/states/\"}" >/dev/null
expect_rc 0 orch-issue states --project PG
contains "$ERR" "Plane states of PG not refreshed"
contains "$OUT" "PG	Done	completed	done"
expect_rc 0 orch-issue states --project PG	# the refresh works again
contains "$(stats | json_field '["paths"]')" "/states/?per_page=100"
[ "$(sql "SELECT CASE WHEN min(fetched_at) > 0 THEN 1 ELSE 0 END FROM plane_states")" = 1 ] || fail "cache not refreshed"
ORCH_PLANE_STATES_TTL_S=0 expect_rc 0 orch-issue states --project PG
