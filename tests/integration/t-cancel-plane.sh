# Issue 23 point 1 on the fake Plane: --cancel while the agent runs, a person's Cancelled (a state of
# Plane's cancelled group) and Done stop the item; orch never writes its status over them; To Analyse
# on a cancelled item is one comment and the status set back.
. "$(dirname "$0")/lib.sh"
export ORCH_PLANE_API_TOKEN=tok-123 ORCH_JOB_BACKOFF_S=0
plane_start
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
mkfifo "$TMP/ready" "$TMP/never"
cat >"$TMP/block.sh" <<EOF
echo \$\$ >"$TMP/ready"
read x <"$TMP/never"
EOF
P=77777777-7777-4777-8777-777777777777
plane_admin POST /_admin/project "{\"id\": \"$P\", \"identifier\": \"CX\"}" >/dev/null
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "  - key: CX" "    plane_project_id: $P" "    repo: $TMP/repo" \
	"    remote: origin" "    agents:" "      analyst: [\"sh\", \"$TMP/block.sh\"]" \
	"      default: [\"sh\", \"$TOP/examples/agents/{stage}.sh\"]"
chmod go-w "$ORCH_HOME/orch.yaml"
events() { sql "SELECT count(*) FROM events WHERE work_item = '$1' AND kind = '$2'"; }

A=$(orch-issue create --project CX --title "cancel me" --state "To Analyse") || fail "create"
orch-poll -q || fail "poll"
orch-work -q --once >/dev/null 2>&1 &
wpid=$!
read -r agent <"$TMP/ready"
i=0
while [ -z "$(sql "SELECT agent_pgid FROM jobs WHERE agent_pgid IS NOT NULL")" ]; do
	i=$((i + 1)); [ $i -lt 500 ] || fail "the agent was never noted"; sleep 0.01
done
expect_rc 0 orch-advance --cancel "$A"
wait_gone "$agent" || fail "the running agent survived --cancel"
wait "$wpid"
[ "$(state_of "$A")" = Cancelled ] || fail "Plane shows $(state_of "$A"), expected Cancelled"
orch-poll -q && orch-advance -q --all
[ "$(state_of "$A")" = Cancelled ] || fail "orch wrote $(state_of "$A") over Cancelled"
[ "$(events "$A" cancelled)" = 1 ] || fail "expected one cancelled event"
orch-issue -q set "$A" "To Analyse" && orch-poll -q || fail "To Analyse"
[ "$(state_of "$A")" = Cancelled ] || fail "To Analyse on a cancelled item left $(state_of "$A")"
n=$(plane_admin GET "/_admin/items?project=$P" | python3 -c 'import json,sys; print(sum("open a new issue" in
    str(c) for i in json.load(sys.stdin) if i["name"] == "cancel me" for c in i["comments"]))')
[ "$n" = 1 ] || fail "expected one 'open a new issue' comment in Plane, got $n"

# a person's Cancelled in Plane at development: stopped, the finished agent's work is not judged
B=$(orch-issue create --project CX --title "cancelled in Plane" --state "To Analyse") || fail "create B"
orch-poll -q || fail "poll B"
sql_exec "UPDATE jobs SET status = 'done' WHERE status = 'queued'"
sql_exec "UPDATE tasks SET stage = 'development' WHERE work_item = '$B'"
orch-issue -q set "$B" Cancelled
orch-poll -q || fail "poll Cancelled"
[ "$(sql "SELECT stopped FROM tasks WHERE work_item = '$B'")" = cancelled ] || fail "Plane's Cancelled did not stop $B"
orch-advance -q --all
[ "$(sql "SELECT stage FROM tasks WHERE work_item = '$B'")" = development ] || fail "$B moved after Cancelled"
[ "$(state_of "$B")" = Cancelled ] || fail "orch wrote $(state_of "$B") over Plane's Cancelled"
# a person's Done on the third item: stopped, nothing merged
C=$(orch-issue create --project CX --title "done in Plane" --state "To Analyse") || fail "create C"
orch-poll -q || fail "poll C"
orch-issue -q set "$C" Done && orch-poll -q || fail "poll Done"
[ "$(sql "SELECT stopped FROM tasks WHERE work_item = '$C'")" = done ] || fail "Plane's Done did not stop $C"
[ "$(sql "SELECT count(*) FROM outbox WHERE work_item = '$C' AND message LIKE '%nothing was merged%'")" = 1 ] ||
	fail "no 'nothing was merged' notice"
[ "$(sql "SELECT count(*) FROM jobs j JOIN tasks t ON t.id = j.task_id WHERE t.work_item = '$C' AND
    j.status IN ('queued', 'running')")" = 0 ] || fail "$C's queued job was not cancelled"
echo ok
