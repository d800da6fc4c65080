# Writes as Plane answers them: a POST saved whose answer is lost is retried with the same
# external_id and Plane's 409 is success (no duplicate item or comment); a name over 255
# characters is refused; Retry-After is Plane's computed wait (a short one is waited out, an
# absent one is said so); timestamps in UTC with 'Z' and without a fraction move the watermark.
. "$(dirname "$0")/lib.sh"
export ORCH_PLANE_API_TOKEN=tok-123
plane_start --tz Z --rate 5
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
P=88888888-8888-4888-8888-888888888888
plane_admin POST /_admin/project "{\"id\": \"$P\", \"identifier\": \"WR\"}" >/dev/null
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$(plane_project WR $P "$TMP/repo")"
stats() { plane_admin GET /_admin/stats; }
items() { plane_admin GET "/_admin/items?project=$P"; }
count() { items | python3 -c "import json,sys; print(sum(1 for i in json.load(sys.stdin) if i['name'] == sys.argv[1]))" "$1"; }
expect_rc 0 orch-issue states --project WR
plane_admin POST /_admin/reset >/dev/null

# a create saved by Plane whose answer is lost: the retry is a 409 with the id, and one item exists
plane_admin POST /_admin/fault "{\"mode\": \"lost_answer\", \"count\": 1, \"match\": \"$P/work-items/\"}" >/dev/null
expect_rc 0 orch-issue create --project WR --title "Only once"
[ "$OUT" = WR-1 ] || fail "created '$OUT'"
[ "$(count "Only once")" = 1 ] || fail "a lost answer duplicated the item: $(items)"
contains "$(items)" '"external_source": "orch"'
# a re-run of the same create (the answer never came back to the human): the same item
plane_admin POST /_admin/reset >/dev/null
expect_rc 0 orch-issue create --project WR --title "Only once"
[ "$OUT" = WR-1 ] || fail "re-run created '$OUT'"
[ "$(count "Only once")" = 1 ] || fail "a re-run duplicated the item"

# a comment whose answer is lost: one comment
plane_admin POST /_admin/reset >/dev/null
plane_admin POST /_admin/fault "{\"mode\": \"lost_answer\", \"count\": 1, \"match\": \"/comments/\"}" >/dev/null
expect_rc 0 orch-issue comment WR-1 "said once"
[ "$(items | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["comments"]))')" = 1 ] ||
	fail "a lost answer duplicated the comment: $(items)"
[ "$(stats | json_field '["requests"]')" = 3 ] || fail "expected a GET, the lost POST and its retry: $(stats)"

# a name over 255 characters: refused before sending, naming the limit
long=$(python3 -c 'print("é" * 256)')
plane_admin POST /_admin/reset >/dev/null
expect_rc 64 orch-issue create --project WR --title "$long"
contains "$ERR" "title is 256 characters; Plane allows at most 255"
[ "$(stats | json_field '["requests"]')" = 0 ] || fail "a refused title was sent"
expect_rc 0 orch-issue create --project WR --title "$(python3 -c 'print("é" * 255)')"

# Retry-After: 5 requests per minute, all spent 57 s ago: Plane says wait <= 3 s, orch waits and goes on
plane_admin POST /_admin/reset >/dev/null
plane_admin POST /_admin/burn '{"n": 5, "age_s": 57}' >/dev/null
expect_rc 0 orch-issue list --project WR
contains "$OUT" "WR-1	Backlog	Only once"
[ "$(stats | json_field '["limited"]')" = 1 ] || fail "expected one 429 then a success: $(stats)"
# a long wait stops the key for the tick and says how long
plane_admin POST /_admin/reset >/dev/null
plane_admin POST /_admin/burn '{"n": 5, "age_s": 20}' >/dev/null
expect_rc 69 orch-issue list --project WR
wait_s=$(printf '%s\n' "$ERR" | sed -n 's/.*429, retry after \([0-9]*\) s.*/\1/p')
[ -n "$wait_s" ] && [ "$wait_s" -le 40 ] && [ "$wait_s" -ge 30 ] || fail "not Plane's computed wait (~40 s): $ERR"
# no Retry-After at all: said so, not invented
plane_admin POST /_admin/reset >/dev/null
plane_admin POST /_admin/retry_after '{"on": false}' >/dev/null
plane_admin POST /_admin/burn '{"n": 5}' >/dev/null
expect_rc 69 orch-issue list --project WR
contains "$ERR" "Plane rate limit hit (429, no Retry-After)"

# 'Z' without a fraction: an item changed on a whole second is seen, once, by the watermark
plane_admin POST /_admin/reset >/dev/null
expect_rc 0 orch-poll
plane_admin POST /_admin/item "{\"project\": \"$P\", \"name\": \"whole second\", \"state_name\": \"To Analyse\", \"whole_s\": true}" >/dev/null
items | python3 -c 'import json,re,sys; assert re.fullmatch(r"\S+T\d\d:\d\d:\d\dZ", json.load(sys.stdin)[-1]["updated_at"])' ||
	fail "the fake should send a whole second in UTC: $(items)"
plane_admin POST /_admin/reset >/dev/null	# 5 per minute: a fresh window for each tick
expect_rc 0 orch-poll
contains "$OUT" "WR-3: created -> analysis"
plane_admin POST /_admin/reset >/dev/null
expect_rc 0 orch-poll
lacks "$OUT" "WR-3"
