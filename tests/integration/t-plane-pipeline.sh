# The plane backend end to end: orch-issue, orch-poll, orch-work, orch-advance against the fake Plane;
# a quiet tick costs one request per project and writes nothing.
. "$(dirname "$0")/lib.sh"
export ORCH_PLANE_API_TOKEN=tok-123
plane_start --rate 200	# ticks back to back, not a minute apart: each job's brief reads the item and its comments
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
P=11111111-1111-4111-8111-111111111111
plane_admin POST /_admin/project "{\"id\": \"$P\", \"identifier\": \"DEMO\"}" >/dev/null
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$(plane_project DEMO $P "$TMP/repo")"

expect_rc 0 orch-issue states --project DEMO
contains "$OUT" "DEMO	Confirm Deploy	started	confirm_deploy"
WI=$(orch-issue create --project DEMO --title "Greet users" --state "To Analyse") || fail "create through Plane"
[ "$WI" = DEMO-1 ] || fail "created $WI"
expect_rc 0 orch-issue list --project DEMO
contains "$OUT" "DEMO-1	To Analyse	Greet users"
expect_rc 0 orch-issue comment DEMO-1 'needs <b>care</b> & "quotes"'
contains "$(plane_admin GET "/_admin/items?project=$P")" 'needs &lt;b&gt;care&lt;/b&gt; &amp; &quot;quotes&quot;'
expect_rc 66 orch-issue set DEMO-1 "No Such State"

n=0
while [ $n -lt 30 ]; do
	n=$((n + 1))
	orch-poll -q || fail "orch-poll failed"
	orch-work -q --once || fail "orch-work failed"
	orch-advance -q --all
	s=$(orch-issue --json show "$WI" | json_field '["state"]')
	[ "$s" = "In Review" ] && orch-issue -q set "$WI" Approved
	[ "$s" = Done ] && break
done
[ "$s" = Done ] || fail "$WI is $s in Plane after $n ticks"
items=$(plane_admin GET "/_admin/items?project=$P")
contains "$items" "rolled back from review"	# the rollback comment reached Plane
contains "$items" '"state_name": "Done"'
[ "$(sql "SELECT count(*) FROM verdicts")" -ge 1 ] || fail "the Approved verdict was not keyed"
# orch-status shows the Plane status orch last set or saw, without asking Plane
expect_rc 0 orch-status --json
[ "$(printf '%s' "$OUT" | json_field '["tasks"]["items"][0]["tracker_status"]')" = Done ] || fail "tracker status: $OUT"

# a quiet tick: one list request, nothing written
orch-poll -q
plane_admin POST /_admin/reset >/dev/null
before=$(store_digest)
expect_rc 0 orch-poll
[ -z "$OUT" ] || fail "quiet tick printed: $OUT"
[ "$(store_digest)" = "$before" ] || fail "a quiet tick changed the store"
st=$(plane_admin GET /_admin/stats)
[ "$(echo "$st" | json_field '["requests"]')" = 1 ] || fail "a quiet tick should cost one request: $st"
contains "$st" "order_by=-updated_at"
lacks "$st" "states"	# the state cache (TTL 300 s) answered
lacks "$(cat "$ORCH_HOME"/logs/*.log "$ORCH_HOME"/logs/jobs/*.log)" "tok-123"
