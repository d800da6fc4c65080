# Time that cannot jump (issue 24, point 5): after the clock steps back, the local tracker stamps a
# change max(now, previous + 1 us) at once (no spin, never older than before), no poll watermark is
# stored ahead of the present, and a watermark found in the future makes one poll re-list everything.
# The step back is planted: an issue and the watermark stamped a day ahead, as a clock that ran a day
# fast and was then set right leaves them.
. "$(dirname "$0")/lib.sh"
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null || fail "sample repo"
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" "  default: [\"true\"]"
A=$(orch-issue create --project DEMO --title "Stamped ahead") || fail "create issue"
expect_rc 0 orch-poll
# ISO stamps as orch writes them (microseconds, UTC): a day ahead of now
ahead=$(python3 -c 'import datetime as d; print((d.datetime.now(d.timezone.utc) + d.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))')
sql_exec "UPDATE tracker_issues SET updated_at = ?" "$ahead"
sql_exec "UPDATE local_poll SET watermark = ?" "$ahead"

orch-issue -q set "$A" "To Analyse" || fail "set $A To Analyse"
stamp=$(sql "SELECT updated_at FROM tracker_issues WHERE project = 'DEMO' AND seq = 1")
[ "$stamp" \> "$ahead" ] || fail "the change of $A was stamped $stamp, not after its previous stamp $ahead"
want=$(python3 -c 'import datetime as d, sys; t = d.datetime.strptime(sys.argv[1], "%Y-%m-%dT%H:%M:%S.%fZ"); print((t + d.timedelta(microseconds=1)).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))' "$ahead")
[ "$stamp" = "$want" ] || fail "the change of $A was stamped $stamp, expected previous + 1 us ($want)"
B=$(orch-issue create --project DEMO --title "Stamped now" --state "To Analyse") || fail "create issue"

# the watermark is a day ahead: this poll re-lists, sees both, and stores a watermark not after now
expect_rc 0 orch-poll
contains "$OUT" "$A"
contains "$OUT" "$B"
wm=$(sql "SELECT watermark FROM local_poll WHERE project = 'DEMO'")
now=$(python3 -c 'import datetime as d; print(d.datetime.now(d.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ"))')
[ "$wm" \< "$now" ] || fail "the poll stored watermark $wm, ahead of the present $now"
[ "$(sql "SELECT count(*) FROM tasks")" = 2 ] || fail "expected tasks for $A and $B"

# a later change stamped in the present is seen by the next poll, not hidden behind $A's future stamp
C=$(orch-issue create --project DEMO --title "Stamped later" --state "To Analyse") || fail "create issue"
expect_rc 0 orch-poll
contains "$OUT" "$C"
[ "$(sql "SELECT count(*) FROM tasks")" = 3 ] || fail "the poll after the step back missed $C"
# and a quiet poll re-lists only the future-stamped issue: it starts nothing twice, stores nothing ahead
expect_rc 0 orch-poll
[ "$(sql "SELECT count(*) FROM events WHERE kind = 'started'")" -le 3 ] || fail "an issue was started twice"
wm=$(sql "SELECT watermark FROM local_poll WHERE project = 'DEMO'")
[ "$wm" \< "$ahead" ] || fail "a quiet poll stored watermark $wm, ahead of the present"
echo ok
