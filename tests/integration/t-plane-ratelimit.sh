# The request budget: never above plane_rate_limit_per_min, the server's X-RateLimit-Remaining obeyed,
# a 429 stops the key's requests for the tick, and the next tick continues where this one stopped.
. "$(dirname "$0")/lib.sh"
export ORCH_PLANE_API_TOKEN=tok-123
plane_start --rate 10
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
lines=""
for k in P1 P2 P3; do
	id=$(python3 -c 'import uuid; print(uuid.uuid4())')
	eval "ID_$k=$id"
	plane_admin POST /_admin/project "{\"id\": \"$id\", \"identifier\": \"$k\"}" >/dev/null
done
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$(plane_project P1 $ID_P1 "$TMP/repo")" \
	"$(plane_project P2 $ID_P2 "$TMP/repo")" "$(plane_project P3 $ID_P3 "$TMP/repo")"
expect_rc 0 orch-poll	# 3 state listings + 3 item listings
stats() { plane_admin GET /_admin/stats; }

# our own budget: 2 per minute, so the third project is not asked this tick
plane_admin POST /_admin/reset >/dev/null
ORCH_PLANE_RATE_LIMIT_PER_MIN=2 expect_rc 69 orch-poll
contains "$ERR" "project P3: Plane rate limit budget of 2 requests spent"
[ "$(stats | json_field '["requests"]')" = 2 ] || fail "more requests than the budget: $(stats)"
plane_admin POST /_admin/reset >/dev/null
expect_rc 0 orch-poll
contains "$(stats | json_field '["paths"][0]')" "$ID_P3"	# continued where the last tick stopped
[ "$(sql "SELECT count(*) FROM plane_poll WHERE rate_limited_at IS NOT NULL")" = 0 ] || fail "cut not cleared"

# the server's X-RateLimit-Remaining: 10 per minute, 8 spent by someone else: after 2 we stop asking
plane_admin POST /_admin/reset >/dev/null
plane_admin POST /_admin/burn '{"n": 8}' >/dev/null
expect_rc 69 orch-poll
[ "$(stats | json_field '["limited"]')" = 0 ] || fail "the client should stop before a 429: $(stats)"
contains "$ERR" "Plane rate limit reached"

# a 429 (the window filled behind our back): no request after it in this tick
plane_admin POST /_admin/reset >/dev/null
plane_admin POST /_admin/burn '{"n": 10}' >/dev/null
expect_rc 69 orch-poll
contains "$ERR" "Plane rate limit hit (429, retry after "	# the window's computed wait: 60 s or just under
[ "$(stats | json_field '["limited"]')" = 1 ] || fail "requests went on after a 429: $(stats)"
[ "$(sql "SELECT count(*) FROM plane_poll WHERE rate_limited_at IS NOT NULL")" = 3 ] || fail "cut projects not recorded"
plane_admin POST /_admin/reset >/dev/null
expect_rc 0 orch-poll
