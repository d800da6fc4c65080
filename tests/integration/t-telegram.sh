# Alerts reach Telegram (Bot API sendMessage, a fake server on 127.0.0.1) from the outbox: only
# alerts, the text as queued, retried after a 500, held for a 429's retry_after; tracker comments go on
# beside it; the bot token (in the URL's path) is nowhere under ORCH_HOME, in no output, no child's env.
. "$(dirname "$0")/lib.sh"
TOKEN="7654321098:AAE-orchFakeTok_en9Zq"
SECRET=${TOKEN#*:}

mkfifo "$TMP/tg.port"
python3 "$TOP/tests/integration/fake_telegram.py" --token "$TOKEN" >"$TMP/tg.port" 2>"$TMP/tg.err" 8>&- &
TG_PID=$!
read -r _ TG_PORT <"$TMP/tg.port" || fail "fake Telegram did not start: $(cat "$TMP/tg.err")"
TG="http://127.0.0.1:$TG_PORT"
trap 'kill $TG_PID 2>/dev/null; [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$TMP"' EXIT
tg_plan() { python3 -c 'import sys,urllib.request; urllib.request.urlopen(urllib.request.Request(sys.argv[1]+"/_admin/plan", data=sys.argv[2].encode(), method="POST")).read()' "$TG" "$1"; }
tg_requests() { python3 -c 'import sys,urllib.request; print(urllib.request.urlopen(sys.argv[1]+"/_admin/requests").read().decode())' "$TG"; }
tg_count() { tg_requests | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
tg_field() { tg_requests | json_field "$1"; }
# every command's output goes to $TMP/all-output too: the token must be in none of it
run() { expect_rc "$@"; printf '%s\n%s\n' "$OUT" "$ERR" >>"$TMP/all-output"; }

# a receiver beside Telegram that records its environment: orch's secrets never reach a child
cat >"$TMP/recv.sh" <<EOF
cat >/dev/null
env >>"$TMP/recv-env"
EOF
pipeline_setup
{
	echo "telegram_chat_id: \"-1001234567\""
	echo "telegram_api_url: $TG/"
	echo "notify_backoff_s: 0"
	echo "notify_cmd: [\"sh\", \"$TMP/recv.sh\"]"
	cat "$ORCH_HOME/orch.yaml"
} >"$TMP/orch.yaml" && mv "$TMP/orch.yaml" "$ORCH_HOME/orch.yaml"

# chat id without a token: a config error, not alerts dropped in silence
run 78 orch-status
contains "$ERR" "telegram_chat_id' is set but there is no bot token"
# a "token" that would change the URL's path is refused: the alert waits for a real one (below)
export ORCH_TELEGRAM_BOT_TOKEN="1:x/../../_admin/plan?"

# 1. the retry cap blocks DEMO-1: one alert; info notifications never go to Telegram
agent_commit "$WT" review "$D/12-review.md" "$(verdict_doc verdict REQUEST_CHANGES '- "quotes" <b>tags</b> & `ticks`')"
for i in 1 2 3 4; do
	at_stage review
	run 1 orch-advance "$WI"
done
contains "$ERR" "orch: alert: DEMO-1: blocked at review"
[ "$(tg_count)" = 0 ] || fail "sent with a bad token: $(tg_requests)"
contains "$(sql "SELECT last_error FROM outbox WHERE level = 'alert'")" "ORCH_TELEGRAM_BOT_TOKEN is not a bot token"
export ORCH_TELEGRAM_BOT_TOKEN="$TOKEN"
run 0 orch-status -q
[ "$(tg_count)" = 1 ] || fail "expected one message (the alert), got: $(tg_requests)"
[ "$(tg_field '[0]["chat_id"]')" = "-1001234567" ] || fail "chat id: $(tg_requests)"
alert=$(sql "SELECT message FROM outbox WHERE level = 'alert'")
[ "$(tg_field '[0]["text"]')" = "orch alert DEMO-1: $alert" ] || fail "text: $(tg_requests) vs $alert"
[ "$(sql "SELECT count(*) FROM outbox WHERE delivered_at IS NULL")" = 0 ] || fail "undelivered rows"
[ "$(sql "SELECT sinks_done FROM outbox WHERE level = 'alert'")" = 7 ] || fail "not every sink took the alert"
[ "$(sql "SELECT count(*) FROM outbox WHERE level = 'info' AND (sinks_done & 4) != 0")" = 0 ] || fail "info rows went to Telegram"
# tracker comments for the alert go on beside Telegram
run 0 orch-issue show "$WI"
contains "$OUT" "Blocked"
[ "$(sql "SELECT count(*) FROM tracker_comments WHERE body LIKE '%blocked%'")" -ge 1 ] || fail "no tracker comment for the block"

# 2. a 500: the alert stays pending with the error; the next command sends it again and it is delivered
tg_plan 500
run 0 orch-advance --unblock "$WI"
for i in 1 2 3 4; do
	at_stage review
	run 1 orch-advance "$WI"
done
id=$(sql "SELECT max(id) FROM outbox WHERE level = 'alert'")
[ "$(sql "SELECT attempts || ' ' || CASE WHEN delivered_at IS NULL THEN 1 ELSE 0 END FROM outbox WHERE id = $id")" = "1 1" ] || fail "the 500 counted as delivered"
contains "$(sql "SELECT last_error FROM outbox WHERE id = $id")" "telegram sendMessage answered HTTP 500: Internal Server Error"
[ "$(sql "SELECT sinks_done FROM outbox WHERE id = $id")" = 3 ] || fail "notify_cmd took it; Telegram did not"
run 0 orch-status -q
[ "$(tg_count)" = 3 ] || fail "no second send: $(tg_requests)"
[ "$(tg_field '[1]["text"]')" = "$(tg_field '[2]["text"]')" ] || fail "the retry sent another text"
[ "$(sql "SELECT CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END FROM outbox WHERE id = $id")" = 1 ] || fail "not delivered after the retry"
[ "$(wc -l <"$TMP/recv-env")" -gt 0 ] || fail "notify_cmd never ran"
nc=$(grep -c '^ORCH_NOTIFY_ID=' "$TMP/recv-env")
[ "$nc" = "$(sql "SELECT count(*) FROM outbox WHERE (sinks_done & 2) != 0")" ] || fail "notify_cmd ran $nc times: a retry for Telegram repeated it"

# 2b. a Telegram that hangs: the request is cut at notify_timeout_s, the alert stays pending
tg_plan hang:10
export ORCH_NOTIFY_TIMEOUT_S=1 ORCH_NOTIFY_BACKOFF_S=3600
run 0 orch-advance --unblock "$WI"
for i in 1 2 3 4; do at_stage review; run 1 orch-advance "$WI"; done
unset ORCH_NOTIFY_TIMEOUT_S ORCH_NOTIFY_BACKOFF_S
id=$(sql "SELECT max(id) FROM outbox WHERE level = 'alert'")
[ "$(sql "SELECT attempts || ' ' || CASE WHEN delivered_at IS NULL THEN 1 ELSE 0 END FROM outbox WHERE id = $id")" = "1 1" ] || fail "a hung send counted as delivered"
contains "$(sql "SELECT last_error FROM outbox WHERE id = $id")" "telegram sendMessage failed: Timeout was reached"
sql_exec "UPDATE outbox SET next_attempt_at = 0 WHERE id = $id"
run 0 orch-status -q
[ "$(sql "SELECT CASE WHEN delivered_at IS NOT NULL THEN 1 ELSE 0 END FROM outbox WHERE id = $id")" = 1 ] || fail "not delivered after the hang"

# 3. a 429 with retry_after 120: that alert and every other one owed to Telegram wait 120 s
#    (no attempt for the others), then go
tg_plan 500,500
export ORCH_NOTIFY_BACKOFF_S=3600	# two alerts refused, each waiting for its backoff
run 0 orch-advance --unblock "$WI"
for i in 1 2 3 4; do at_stage review; run 1 orch-advance "$WI"; done
run 0 orch-advance --unblock "$WI"
for i in 1 2 3 4; do at_stage review; run 1 orch-advance "$WI"; done
unset ORCH_NOTIFY_BACKOFF_S
before=$(tg_count)
first=$(sql "SELECT min(id) FROM outbox WHERE level = 'alert' AND delivered_at IS NULL")
second=$(sql "SELECT max(id) FROM outbox WHERE level = 'alert' AND delivered_at IS NULL")
[ "$first" != "$second" ] || fail "expected two pending alerts"
sql_exec "UPDATE outbox SET next_attempt_at = 0 WHERE id IN ($first, $second)"	# both due now
tg_plan 429:120
now=$(date +%s)
run 0 orch-status -q
[ "$(tg_count)" = $((before + 1)) ] || fail "sent on after a 429: $(tg_requests)"
contains "$(sql "SELECT last_error FROM outbox WHERE id = $first")" "telegram rate limit (HTTP 429): retry after 120 s"
for r in $first $second; do
	wait=$(($(sql "SELECT next_attempt_at FROM outbox WHERE id = $r") - now))
	[ "$wait" -ge 118 ] || fail "alert $r waits $wait s, not retry_after"
done
[ "$(sql "SELECT attempts FROM outbox WHERE id = $second")" = 1 ] || fail "the held alert counted an attempt"
run 0 orch-status -q
[ "$(tg_count)" = $((before + 1)) ] || fail "sent before retry_after"
sql_exec "UPDATE outbox SET next_attempt_at = 0 WHERE id IN ($first, $second)"	# 120 s later
run 0 orch-status -q
[ "$(tg_count)" = $((before + 3)) ] || fail "not sent after retry_after: $(tg_requests)"
[ "$(sql "SELECT count(*) FROM outbox WHERE delivered_at IS NULL")" = 0 ] || fail "undelivered after retry_after"

# 4. a hostile server that repeats the URL (token and all) in its error: masked wherever it lands
tg_plan echo
run 0 orch-advance --unblock "$WI"
for i in 1 2 3 4; do at_stage review; run 1 orch-advance "$WI"; done
id=$(sql "SELECT max(id) FROM outbox WHERE level = 'alert'")
contains "$(sql "SELECT last_error FROM outbox WHERE id = $id")" "cannot route /bot***/sendMessage for ***"
run 0 orch-status
contains "$OUT" "/bot***/sendMessage"
run 0 orch-status --json
run 0 orch-status --html "$TMP/feed.html"
cat "$TMP/feed.html" >>"$TMP/all-output"

# 5. the token from telegram_bot_token_file (mode 0600 only), the environment variable unset
tg_plan 500
export ORCH_NOTIFY_BACKOFF_S=3600
run 0 orch-advance --unblock "$WI"
for i in 1 2 3 4; do at_stage review; run 1 orch-advance "$WI"; done
unset ORCH_NOTIFY_BACKOFF_S ORCH_TELEGRAM_BOT_TOKEN
id=$(sql "SELECT max(id) FROM outbox WHERE level = 'alert' AND delivered_at IS NULL")
[ -n "$id" ] || fail "no pending alert"
printf '%s\n' "$TOKEN" >"$TMP/tg-token"
chmod 644 "$TMP/tg-token"
echo "telegram_bot_token_file: $TMP/tg-token" >>"$TMP/extra"
{ cat "$TMP/extra"; cat "$ORCH_HOME/orch.yaml"; } >"$TMP/orch.yaml" && mv "$TMP/orch.yaml" "$ORCH_HOME/orch.yaml"
sql_exec "UPDATE outbox SET next_attempt_at = 0"
run 0 orch-status -q
contains "$(sql "SELECT last_error FROM outbox WHERE id = $id")" "must be a regular file of yours with mode 0600"
chmod 600 "$TMP/tg-token"
before=$(tg_count)
run 0 orch-status -q
[ "$(tg_count)" = $((before + 1)) ] || fail "the token file was not used"
[ "$(sql "SELECT count(*) FROM outbox WHERE delivered_at IS NULL")" = 0 ] || fail "undelivered with the token file"

# the token: nowhere under ORCH_HOME (the store and its WAL, logs, run records), in no command's
# output or the HTML feed, and in no child's environment
if grep -r -a -l -F -e "$TOKEN" -e "$SECRET" "$ORCH_HOME" "$TMP/all-output" "$TMP/recv-env"; then
	fail "the bot token was written down"
fi
[ "$(sql "SELECT count(*) FROM tool_metrics WHERE tool = 'telegram' AND runs >= 8")" = 1 ] || fail "no telegram metrics"
echo ok
