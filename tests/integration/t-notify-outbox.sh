# The outbox delivers at least once: a notify_cmd that fails keeps the notification pending (and
# retries it on a later command), one that hangs cannot stall a command past notify_budget_s, and
# one that never works leaves a dead notification that orch-status shows (text, --json, --html).
# Settings come from the environment here (ORCH_NOTIFY_*), unlike the demo's file.
. "$(dirname "$0")/lib.sh"
agents_setup '  default: ["false"]'
echo "job_max_attempts: 1" >>"$ORCH_HOME/orch.yaml"
# the receiver fails its first call, then records each notification id it took
cat >"$TMP/recv.sh" <<EOF
cat >>"$TMP/bodies"
[ -e "$TMP/failed-once" ] || { : >"$TMP/failed-once"; echo "receiver down" >&2; exit 7; }
echo "\$ORCH_NOTIFY_ID" >>"$TMP/got"
EOF
export ORCH_NOTIFY_CMD="[\"sh\", \"$TMP/recv.sh\"]" ORCH_NOTIFY_BACKOFF_S=0

# 1. a failing receiver: the alert stays pending with the error; the next command delivers it, once
WI=$(orch-issue create --project DEMO --title "agent breaks" --state "To Analyse")
expect_rc 0 orch-poll	# started: an info notification, which the receiver refuses
[ ! -e "$TMP/got" ] || fail "a refused notification counted as received"
[ "$(sql "SELECT attempts || ' ' || CASE WHEN delivered_at IS NULL THEN 1 ELSE 0 END || ' ' || last_error FROM outbox")" = "1 1 notify_cmd: exited with code 7" ] ||
	fail "the refused notification is not pending with its error"
expect_rc 0 orch-status --json	# shows it retrying, then (backoff 0) delivers it on its way out
[ "$(printf '%s' "$OUT" | json_field '["outbox"]["retrying"]')" = 1 ] || fail "not retrying: $OUT"
contains "$OUT" "exited with code 7"
[ "$(cat "$TMP/got")" = 1 ] || fail "not delivered on the later command"
# the analyst job dies: an alert, delivered at once
orch-work -q --once
alert=$(sql "SELECT id FROM outbox WHERE level = 'alert'")
[ -n "$alert" ] || fail "no alert for the dead job"
[ "$(sql "SELECT count(*) FROM outbox WHERE delivered_at IS NULL")" = 0 ] || fail "undelivered rows"
[ "$(sort "$TMP/got" | uniq -d)" = "" ] || fail "a notification was received twice: $(cat "$TMP/got")"
[ "$(wc -l <"$TMP/got")" -eq "$(sql "SELECT count(*) FROM outbox")" ] || fail "not every notification received"
[ "$(sql "SELECT attempts FROM outbox WHERE id = 1")" = 1 ] || fail "the first row's failed attempt not counted"
expect_rc 0 orch-status
contains "$OUT" "outbox: pending 0 retrying 0 claimed_undelivered 0 dead 0"

# 2. a hanging receiver: each send is cut at notify_timeout_s, the run stops at notify_budget_s
#    (here one send fits); the rest stays pending with no attempt counted, and the command exits 0
export ORCH_NOTIFY_CMD='["sleep", "60"]' ORCH_NOTIFY_TIMEOUT_S=1 ORCH_NOTIFY_BUDGET_S=1 ORCH_NOTIFY_BACKOFF_S=3600
for i in 1 2 3 4; do orch-issue create --project DEMO --title "more $i" --state "To Analyse" >/dev/null; done
first=$(($(sql "SELECT max(id) FROM outbox") + 1))
expect_rc 0 orch-poll -q
new=$(sql "SELECT count(*) FROM outbox WHERE id >= $first")
[ "$new" -ge 4 ] || fail "expected 4 new notifications, got $new"
[ "$(sql "SELECT count(*) FROM outbox WHERE id >= $first AND attempts = 1 AND last_error LIKE '%timed out%'")" = 1 ] ||
	fail "not exactly one send in the budget: $(sql "SELECT group_concat(attempts) FROM outbox WHERE id >= $first")"
[ "$(sql "SELECT count(*) FROM outbox WHERE id >= $first AND attempts = 0 AND delivered_at IS NULL AND claimed_at IS NULL")" = $((new - 1)) ] ||
	fail "the rows past the budget are not pending untouched"
expect_rc 0 orch-status -q	# the next command goes on with the next one
[ "$(sql "SELECT count(*) FROM outbox WHERE id >= $first AND attempts = 1")" = 2 ] || fail "the next command did not go on"

# 3. a receiver that never works: dead after notify_max_attempts, an event, shown everywhere
sql_exec "DELETE FROM outbox WHERE delivered_at IS NULL"
export ORCH_NOTIFY_CMD='["false"]' ORCH_NOTIFY_BACKOFF_S=0 ORCH_NOTIFY_MAX_ATTEMPTS=2
orch-work -q --once 2>"$TMP/work.err"	# a queued analyst job dies: a new alert, first attempt fails
contains "$(cat "$TMP/work.err")" "orch: alert: "
expect_rc 0 orch-status -q		# second attempt: dead
contains "$ERR" "not delivered after 2 attempts"
dead=$(sql "SELECT id FROM outbox WHERE dead_at IS NOT NULL AND level = 'alert'")
[ -n "$dead" ] || fail "no dead alert: $(sql "SELECT group_concat(id || ':' || attempts || ':' || level) FROM outbox WHERE delivered_at IS NULL")"
WI=$(sql "SELECT work_item FROM outbox WHERE id = $dead")
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'notification_dead' AND detail LIKE 'notification $dead (alert)%'")" = 1 ] ||
	fail "no notification_dead event"
expect_rc 0 orch-status
contains "$OUT" "DEAD notification $dead alert $WI attempts 2"
contains "$OUT" "notify_cmd: exited with code 1"
contains "$OUT" "notification_dead"
expect_rc 0 orch-status --json
[ "$(printf '%s' "$OUT" | json_field '["outbox"]["undelivered"][0]["state"]')" = dead ] || fail "json: $OUT"
[ "$(printf '%s' "$OUT" | json_field '["outbox"]["undelivered"][0]["id"]')" = "$dead" ] || fail "json: $OUT"
[ "$(printf '%s' "$OUT" | json_field '["outbox"]["dead"]')" -ge 1 ] || fail "json dead count: $OUT"
expect_rc 0 orch-status --html "$TMP/feed.html"
python3 - "$TMP/feed.html" "$dead" <<'PY' || fail "the dead notification is not in the feed"
import sys
from html.parser import HTMLParser
page, dead = open(sys.argv[1]).read(), sys.argv[2]
class P(HTMLParser):
    def __init__(self):
        super().__init__()
        self.order, self.cells, self.row = [], [], None
    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "table":
            self.order.append(a.get("id"))
        if tag == "tr" and "notification" in a.get("class", ""):
            self.row = [a.get("class")]
    def handle_endtag(self, tag):
        if tag == "tr" and self.row:
            self.cells.append(self.row)
            self.row = None
    def handle_data(self, d):
        if self.row is not None and d.strip():
            self.row.append(d.strip())
p = P()
p.feed(page)
assert p.order.index("outbox") < p.order.index("tasks"), p.order  # the undelivered come first
rows = [r for r in p.cells if r[1] == dead]
assert rows and "dead" in rows[0][0] and "dead" in rows[0] and "alert" in rows[0], p.cells
PY
# a dead notification is never tried again
n=$(sql "SELECT attempts FROM outbox WHERE id = $dead")
orch-status -q
[ "$(sql "SELECT attempts FROM outbox WHERE id = $dead")" = "$n" ] || fail "a dead notification was retried"
echo ok
