# orch-deploy --revert WI (issue 23 point 4), on both trackers: an item whose post-deploy watch was
# DEGRADED opens a new work item (a tracker issue "Revert WI: <title>") whose branch holds one commit of
# orch's, on top of main, reverting the item's merged commits; the new item goes through the pipeline
# like any other (the example agents work it) and reaches main, which then no longer holds the reverted
# change.  The degraded item is closed as handled (Done, reverted_by the new item); a second --revert says
# which item reverts it; an item that is not DEGRADED is refused (exit 1).
. "$(dirname "$0")/lib.sh"
export ORCH_DEPLOY_WATCH_CHECKS=1 ORCH_PLANE_API_TOKEN=tok-123
printf 'true\n' >"$TMP/hook.sh"
plane_start --rate 100000
P=22222222-2222-4222-8222-222222222222
plane_admin POST /_admin/project "{\"id\": \"$P\", \"identifier\": \"DEMO\"}" >/dev/null

config() {	# TRACKER DIR: production is unhealthy while DIR/unhealthy exists
	extra="    deploy_hook: [\"sh\", \"$TMP/hook.sh\"]
    health_cmd: [\"sh\", \"-c\", \"test ! -f $2/unhealthy\"]"
	if [ "$1" = plane ]; then
		plane_config "$ORCH_HOME/orch.yaml" "$2/repo" "$(plane_project DEMO $P "$2/repo")" "$extra"
	else
		write_config "$ORCH_HOME/orch.yaml" "$2/repo" 'agents:' \
			"  default: [\"sh\", \"$TOP/examples/agents/{stage}.sh\"]"
		printf '%s\n' "$extra" >>"$ORCH_HOME/orch.yaml"
	fi
	chmod go-w "$ORCH_HOME/orch.yaml"
}

# until_done WI: cron rounds (the example agents, a person's Approved at review) until WI is done
until_done() {
	n=0
	while [ $n -lt 40 ]; do
		n=$((n + 1))
		orch-poll -q || fail "$TRACKER: orch-poll failed"
		orch-work -q --max-jobs 2 || fail "$TRACKER: orch-work failed"
		orch-advance -q --all
		orch-deploy -q || fail "$TRACKER: orch-deploy failed"
		[ "$(state_of "$1")" = "In Review" ] && orch-issue -q set "$1" Approved
		[ "$(sql "SELECT stage FROM tasks WHERE work_item = '$1'")" = done ] &&
			[ -n "$(deploy_state watched "$1")" ] && return 0
	done
	fail "$TRACKER: $1 not done after $n rounds: $(sql "SELECT group_concat(work_item || ':' || stage || ':' || blocked) FROM tasks")"
}

for TRACKER in local plane; do
	new_home "$TMP/$TRACKER-home"
	R="$TMP/$TRACKER"
	mkdir -p "$ORCH_HOME" "$R"
	make_sample_repo "$R" >/dev/null || fail "sample repo"
	config "$TRACKER" "$R"
	: >"$R/unhealthy"
	WI=$(orch-issue create --project DEMO --title "greet on $TRACKER" --state "To Analyse") || fail "create"
	MOD="src/greet_$(printf '%s' "$WI" | tr 'A-Z-' 'a-z_').py"
	until_done "$WI"
	git -C "$R/repo" fetch -q origin
	git -C "$R/repo" cat-file -e "origin/main:$MOD" || fail "$TRACKER: $WI's change is not on main"
	[ "$(deploy_state watched)" = DEGRADED ] || fail "$TRACKER: the watch was not DEGRADED"
	[ "$(sql "SELECT blocked FROM tasks WHERE work_item = '$WI'")" = 1 ] || fail "$TRACKER: $WI is not blocked"
	expect_rc 0 orch-advance --explain "$WI"
	contains "$OUT" "orch-deploy --revert $WI"
	base=$(sql "SELECT landed_base FROM tasks WHERE work_item = '$WI'")
	landed=$(sql "SELECT tested_sha FROM tasks WHERE work_item = '$WI'")
	git -C "$R/repo" merge-base --is-ancestor "$base" "$landed" && [ "$base" != "$landed" ] ||
		fail "$TRACKER: landed_base $base is not under the landed $landed"

	# --revert: a new item, started, its branch one revert commit of orch's on main
	expect_rc 0 orch-deploy --revert "$WI"
	NWI=$(sql "SELECT reverted_by FROM tasks WHERE work_item = '$WI'")
	[ -n "$NWI" ] && [ "$NWI" != "$WI" ] || fail "$TRACKER: no reverting item recorded: $OUT"
	contains "$OUT" "handled by $NWI"
	contains "$(orch-issue --json show "$NWI" | json_field '["title"]')" "Revert $WI: greet on $TRACKER"
	[ "$(sql "SELECT stage FROM tasks WHERE work_item = '$NWI'")" = analysis ] || fail "$TRACKER: $NWI not at analysis"
	[ "$(state_of "$WI")" = Done ] || fail "$TRACKER: $WI after --revert: $(state_of "$WI")"
	[ "$(sql "SELECT blocked FROM tasks WHERE work_item = '$WI'")" = 0 ] || fail "$TRACKER: $WI still blocked"
	[ "$(sql "SELECT count(*) FROM events WHERE kind = 'degraded_reverted' AND work_item = '$WI'")" = 1 ] ||
		fail "$TRACKER: no degraded_reverted event"
	NWT="$ORCH_HOME/worktrees/DEMO/$NWI"
	[ "$(git -C "$NWT" log -1 --format=%an HEAD)" = orch ] || fail "$TRACKER: the revert is not orch's: $(git -C "$NWT" log -1 --format=%an)"
	contains "$(git -C "$NWT" log -1 --format=%s HEAD)" "Revert $WI"
	[ "$(git -C "$NWT" rev-parse HEAD^)" = "$(git -C "$R/repo" rev-parse origin/main)" ] ||
		fail "$TRACKER: the revert commit is not on top of main"
	git -C "$NWT" cat-file -e "HEAD:$MOD" 2>/dev/null && fail "$TRACKER: the branch still holds $MOD"
	git -C "$NWT" cat-file -e "HEAD:docs/work-items/$WI/01-brd.md" || fail "$TRACKER: the revert dropped $WI's docs"
	# idempotent, and refused where there is nothing to revert
	expect_rc 1 orch-deploy --revert "$WI"
	contains "$OUT$ERR" "reverted already by $NWI"
	expect_rc 1 orch-deploy --revert "$NWI"
	contains "$OUT$ERR" "no open DEGRADED post-deploy watch"
	[ "$(sql "SELECT count(*) FROM tasks")" = 2 ] || fail "$TRACKER: a second item was opened"

	# the revert item goes through the pipeline and reaches main (production healthy again)
	rm -f "$R/unhealthy"
	until_done "$NWI"
	[ "$(deploy_state watched "$NWI")" = HEALTHY ] || fail "$TRACKER: $NWI's watch"
	[ "$(state_of "$NWI")" = Done ] || fail "$TRACKER: $NWI: $(state_of "$NWI")"
	git -C "$R/repo" fetch -q origin
	git -C "$R/repo" cat-file -e "origin/main:$MOD" 2>/dev/null && fail "$TRACKER: main still holds $MOD"
	git -C "$R/repo" log --format=%s origin/main | grep -q "^Revert $WI" || fail "$TRACKER: the revert is not on main"
done
echo "ok t-deploy-revert"
