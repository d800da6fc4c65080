# One view (issue 27): orch-status shows every host's commands, running jobs and claims (text, JSON, page).
# First on the suite's store (SQLite in make check: the one host, its commands the run records), with host
# names another host wrote that are hostile (control characters, markup, 5000 bytes); then two homes with
# different host: names share one PostgreSQL database (the check-pg cluster's, else a throwaway one;
# without PostgreSQL that part says so and is skipped) and each sees both; a quiet rerun writes no row;
# a store error there leaves the exit code alone; orch doctor shows the connection's keepalives.
. "$(dirname "$0")/lib.sh"
export ORCH_HOST=solo	# every command of the set-up too (a shared store records each by its host)
pipeline_setup
ESC=$(printf '\033')
EVIL="evil
$ESC[2J<b>\"host'"
LONG=$(python3 -c 'print("L" * 5000)')
# status_hosts: orch-status --json's hosts, each as "host: commands | jobs | claims" lines (sorted),
# without orch-status's own run (it records itself after it looked) and without times
status_hosts() {
	orch-status --json | python3 -c '
import json, sys
for name, h in sorted(json.load(sys.stdin)["hosts"].items()):
    cmds = " ".join("%s=%s" % (c, v["result"]) for c, v in sorted(h["commands"].items()) if c != "orch-status")
    jobs = " ".join("%s:%s:%s" % (j["id"], j["work_item"], j["agent"]) for j in h["jobs"])
    claims = " ".join("%s:%s:%s" % (c["work_item"], c["pid"], c["expires_in_s"] > 0) for c in h["claims"])
    print("%r %d: %s | %s | %s" % (name[:20], len(name), cmds, jobs, claims))' || fail "orch-status --json is not JSON with hosts"
}

# the suite's store: this host and its commands
expect_rc 0 orch-poll
expect_rc 0 orch-status --json
[ "$(printf '%s' "$OUT" | json_field '["hosts"]["solo"]["commands"]["orch-poll"]["result"]')" = 0 ] ||
	fail "solo's orch-poll is not in hosts: $OUT"
printf '%s' "$OUT" | json_field '["hosts"]["solo"]["commands"]["orch-advance"]["last_run"]' >/dev/null ||
	fail "solo's orch-advance is not in hosts: $OUT"
[ "$(printf '%s' "$OUT" | json_field '["hosts"]["solo"]["jobs"]')" = "[]" ] || fail "solo runs a job: $OUT"
expect_rc 0 orch-status
contains "$OUT" "
hosts:
  solo: orch-"
contains "$OUT" "; 0 running jobs; 0 claims"
# hostile host names in the store (another host's rows): JSON stays JSON, text one escaped line each
sql_exec "UPDATE jobs SET status = 'running', host = ?1, pid = 4242" "$EVIL"
sql_exec "INSERT INTO leases (name, task_id, work_item, pid, acquired_at, host, expires_at, token)
	VALUES ('task:DEMO-1', 1, 'DEMO-1', 4343, '2026-01-01T00:00:00Z', ?1, 0, 't')" "$LONG"
got=$(status_hosts)
contains "$got" "'evil\\n\\x1b[2J<b>\"host\\'' 18:  | 1:DEMO-1:analyst | "
contains "$got" "'LLLLLLLLLLLLLLLLLLLL' 5000:  |  | DEMO-1:4343:False"
expect_rc 0 orch-status
lacks "$OUT" "$ESC"
contains "$OUT" "  evil\\n\\x1b[2J<b>\"host': no command recorded; 1 running job; 0 claims"
contains "$OUT" "  $(python3 -c 'print("L" * 64)')...: no command recorded; 0 running jobs; 1 claim
"
expect_rc 0 orch-status --html "$TMP/page.html"
page=$(cat "$TMP/page.html")
contains "$page" '<table id="hosts">'
contains "$page" "<td>evil
$ESC[2J&lt;b&gt;&quot;host&#39;</td>"
contains "$page" "DEMO-1 pid 4343, expired"
lacks "$page" "<b>\"host"
sql_exec "DELETE FROM leases"
sql_exec "UPDATE jobs SET status = 'queued', host = ''"

# two hosts, one PostgreSQL database
if [ -n "$TEST_PG" ]; then
	new_store
else
	pg_store "part of t-status-hosts (two hosts)" "t-status-hosts: ok"
fi
unset ORCH_HOST
A="$TMP/home-a" B="$TMP/home-b"
mkdir -p "$A" "$B"
{ cat "$ORCH_HOME/orch.yaml"; echo "host: host-a"; } >"$A/orch.yaml"
{ cat "$ORCH_HOME/orch.yaml"; echo "host: host-b"; } >"$B/orch.yaml"
export ORCH_HOME=$A
WI=$(orch-issue create --project DEMO --title "two hosts") || fail "create issue on host-a"
expect_rc 0 orch-advance --start "$WI"
ORCH_HOME=$B expect_rc 0 orch-poll
# host-a runs the item's job, host-b holds its claim (the rows a runner and a gate write)
sql_exec "UPDATE jobs SET status = 'running', host = 'host-a', pid = 4242, lease_until = orch_now() + 60"
sql_exec "INSERT INTO leases (name, task_id, work_item, pid, acquired_at, host, expires_at, token)
	VALUES ('task:$WI', 1, '$WI', 4343, '2026-01-01T00:00:00Z', 'host-b', orch_now() + 60, 't')"
want="'host-a' 6: orch-advance=0 orch-issue=0 | 1:$WI:analyst | 
'host-b' 6: orch-poll=0 |  | $WI:4343:True"
[ "$(status_hosts)" = "$want" ] || fail "host-a's view: $(status_hosts)"
[ "$(ORCH_HOME=$B status_hosts)" = "$want" ] || fail "host-b's view differs: $(ORCH_HOME=$B status_hosts)"
ORCH_HOME=$B expect_rc 0 orch-status
contains "$OUT" "  host-a: orch-status "
contains "$OUT" "(result 0, at 20"
contains "$OUT" "; 1 running job; 0 claims"
contains "$OUT" "  host-b: orch-"
contains "$OUT" "; 0 running jobs; 1 claim
"
contains "$OUT" "job 1 $WI analyst running attempts 0 on host-a"
ORCH_HOME=$B expect_rc 0 orch-status --html -
contains "$OUT" '<tr class="host"><td>host-a</td>'
contains "$OUT" "job 1 $WI analyst<br>"
contains "$OUT" "$WI pid 4343, expires in "
# a quiet rerun writes no row; a new result, or a row 5 minutes old, is written
row() { sql "SELECT result || ' ' || last_run FROM host_commands WHERE host = 'host-b' AND name = '$1'"; }
before=$(row orch-poll)
ORCH_HOME=$B expect_rc 0 orch-poll
[ "$(row orch-poll)" = "$before" ] || fail "a quiet orch-poll rewrote its row: $before -> $(row orch-poll)"
ORCH_HOME=$B expect_rc 66 orch-issue show DEMO-99
case "$(row orch-issue)" in "66 "*) ;; *) fail "a failed run's result not recorded: $(row orch-issue)" ;; esac
ORCH_HOME=$B expect_rc 0 orch-issue list
case "$(row orch-issue)" in "0 "*) ;; *) fail "the next result not recorded: $(row orch-issue)" ;; esac
sql_exec "UPDATE host_commands SET last_run = '2020-01-01T00:00:00.000000Z' WHERE host = 'host-b'"
ORCH_HOME=$B expect_rc 0 orch-poll
case "$(row orch-poll)" in "0 2020-"*) fail "a 5-minute-old row was not rewritten: $(row orch-poll)" ;; esac
# the store refuses the row: the command's exit code stands, and it says so
sql_exec "ALTER TABLE host_commands ADD CONSTRAINT refuse_b CHECK (host <> 'host-b') NOT VALID"
ORCH_HOME=$B expect_rc 0 orch-issue list
contains "$ERR" "orch-issue: warning: other hosts' orch-status shows this command's previous run: "
ORCH_HOME=$B expect_rc 66 orch-issue show DEMO-99
contains "$ERR" "warning: other hosts' orch-status shows this command's previous run"
sql_exec "ALTER TABLE host_commands DROP CONSTRAINT refuse_b"
# hostile rows in host_commands: a 5000-byte host, control characters in a host and a command, no number
sql_exec "INSERT INTO host_commands (host, name, last_run, result, duration_ms, pid) VALUES
	(?1, 'orch-poll', '2026-01-01T00:00:00.000000Z', '0', 1, 1),
	(?2, ?3, 'not a time', 'abc', 2, 2)" "$LONG" "$EVIL" "orch-$ESC[31mred"
got=$(status_hosts)
contains "$got" "'LLLLLLLLLLLLLLLLLLLL' 5000: orch-poll=0 |  | "
contains "$got" "'evil\\n\\x1b[2J<b>\"host\\'' 18: orch-$ESC[31mred=abc |  | "
expect_rc 0 orch-status
lacks "$OUT" "$ESC"
contains "$OUT" "  evil\\n\\x1b[2J<b>\"host': orch-\\x1b[31mred (result abc, at not a time); 0 running jobs; 0 claims"
contains "$OUT" "...: orch-poll "
expect_rc 0 orch-status --html "$TMP/page.html"
lacks "$(cat "$TMP/page.html")" "<b>\"host"
contains "$(cat "$TMP/page.html")" '<span class="badge bad">abc</span>'

# orch doctor: the connection's keepalives, orch's defaults and the URL's own, and what they mean
expect_rc 1 orch doctor	# cron FAILs: the test has no crontab
contains "$OUT" "ok   store keepalives: TCP to 127.0.0.1: libpq keepalives on (idle 30 s, interval 10 s, 3 probes; orch's defaults); server: tcp_keepalives_idle "
contains "$OUT" "client_connection_check_interval 10s"
lacks "$OUT" "WARN store keepalives: client_connection_check_interval"
opts="options=-c%20tcp_keepalives_idle%3D30%20-c%20tcp_keepalives_interval%3D10%20-c%20tcp_keepalives_count%3D3"
URL=$ORCH_DATABASE_URL
ORCH_DATABASE_URL="$URL?keepalives_idle=5&$opts%20-c%20client_connection_check_interval%3D0" expect_rc 1 orch doctor	# cron FAILs: the test has no crontab
contains "$OUT" "ok   store keepalives: TCP to 127.0.0.1: libpq keepalives on (idle 5 s, interval 10 s, 3 probes; from the URL); server: tcp_keepalives_idle 30 s, interval 10 s, count 3; client_connection_check_interval 0"
contains "$OUT" "WARN store keepalives: client_connection_check_interval is 0 on this session"
lacks "$OUT" "notices a vanished host's idle session only after"
ORCH_DATABASE_URL="$URL?keepalives=0&options=-c%20tcp_keepalives_idle%3D7200%20-c%20tcp_keepalives_interval%3D75%20-c%20tcp_keepalives_count%3D9" expect_rc 1 orch doctor	# cron FAILs: the test has no crontab
contains "$OUT" "WARN store keepalives: libpq's keepalives are off (keepalives=0 in the URL)"
contains "$OUT" "WARN store keepalives: the server notices a vanished host's idle session only after about 132 min (its tcp_keepalives_idle 7200 s + 9 x 75 s)"
echo "t-status-hosts: ok"
