# A Plane server before v1.1.0 (only issues/ paths, makeplane/plane PR #7871): the whole pipeline --
# create, poll, start, every state change, comments, lookups by identifier -- runs on issues/; the
# flavour is detected once and remembered per server, so later runs send no work-items/ request.
. "$(dirname "$0")/lib.sh"
export ORCH_PLANE_API_TOKEN=tok-123
plane_start --tz Z --rate 200	# ticks back to back: each job's brief reads the item and its comments
plane_admin POST /_admin/legacy '{"on": true}' >/dev/null
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
P=44444444-4444-4444-8444-444444444444
plane_admin POST /_admin/project "{\"id\": \"$P\", \"identifier\": \"OLD\"}" >/dev/null
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$(plane_project OLD $P "$TMP/repo")"
stats() { plane_admin GET /_admin/stats; }

WI=$(orch-issue create --project OLD --title "Greet users" --state "To Analyse") || fail "create on a legacy server"
[ "$WI" = OLD-1 ] || fail "created $WI"
[ "$(sql "SELECT items_path FROM plane_servers")" = issues ] || fail "the flavour was not remembered"
# an item created by a human in Plane, never listed by orch: one request by identifier on issues/
plane_admin POST /_admin/item "{\"project\": \"$P\", \"name\": \"by hand\", \"state_name\": \"Backlog\", \"whole_s\": true}" >/dev/null
plane_admin POST /_admin/reset >/dev/null
expect_rc 0 orch-issue show OLD-2
contains "$OUT" "by hand"
[ "$(stats | json_field '["requests"]')" = 1 ] || fail "a lookup should be one request: $(stats)"
contains "$(stats | json_field '["paths"][0]')" "GET /api/v1/workspaces/acme/issues/OLD-2/"
[ "$(stats | json_field '["unrouted"]')" = "[]" ] || fail "work-items/ was tried again: $(stats)"

plane_admin POST /_admin/reset >/dev/null
n=0
while [ $n -lt 30 ]; do
	n=$((n + 1))
	orch-poll -q || fail "orch-poll failed on a legacy server"
	orch-work -q --once || fail "orch-work failed"
	orch-advance -q --all
	s=$(orch-issue --json show "$WI" | json_field '["state"]')
	[ "$s" = "In Review" ] && orch-issue -q set "$WI" Approved
	[ "$s" = Done ] && break
done
[ "$s" = Done ] || fail "$WI is $s in Plane after $n ticks (events: $(sql "SELECT group_concat(kind || ':' || detail, ' | ') FROM events WHERE kind = 'tracker_error'"))"
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'tracker_error'")" = 0 ] || fail "tracker errors on a legacy server"
items=$(plane_admin GET "/_admin/items?project=$P")
contains "$items" "rolled back from review"	# a comment reached Plane through issues/
st=$(stats)
contains "$st" "PATCH /api/v1/workspaces/acme/projects/$P/issues/"
contains "$st" "POST /api/v1/workspaces/acme/projects/$P/issues/"
lacks "$(echo "$st" | json_field '["paths"]')" "work-items"
[ "$(echo "$st" | json_field '["unrouted"]')" = "[]" ] || fail "work-items/ was tried after detection: $st"

# a stale memory (the store says work-items/, the server is still old): one 404, then issues/ again
plane_admin POST /_admin/reset >/dev/null
sql_exec "UPDATE plane_servers SET items_path = 'work-items'"
expect_rc 0 orch-issue list --project OLD
contains "$OUT" "OLD-2	Backlog	by hand"
[ "$(sql "SELECT items_path FROM plane_servers")" = issues ] || fail "the flavour was not detected again"
[ "$(stats | json_field '["unrouted"].__len__()')" = 1 ] || fail "more than one 404 to detect: $(stats)"

# older still (before makeplane/plane#4170, 2024-04): no lookup by identifier; a listing finds the item
plane_admin POST /_admin/legacy '{"on": true, "no_ident": true}' >/dev/null
sql_exec "DELETE FROM plane_items WHERE seq = 2"
expect_rc 0 orch-issue show OLD-2
contains "$OUT" "by hand"
