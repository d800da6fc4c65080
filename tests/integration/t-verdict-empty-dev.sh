# Development passes only a change outside docs/work-items/: an empty development stage is red (and a red
# against the retry cap); docs_only: true turns the rule off for a project whose work is documents.
. "$(dirname "$0")/lib.sh"
pipeline_setup
analyst_work "$WT" "$WI"
agent_commit "$WT" adr "$D/06-adr/ADR-001.md" "# ADR"
at_stage development
expect_rc 1 orch-advance --agent developer "$WI"
contains "$OUT" "development -> development rolled_back"
contains "$OUT" "no change: $BR changes nothing outside docs/work-items/$WI/ against main"
[ "$(sql "SELECT retries FROM tasks")" = 1 ] || fail "an empty development was not charged"
printf '    docs_only: true\n' >"$TMP/extra"
sed -i "/^    ci_cmd:/r $TMP/extra" "$ORCH_HOME/orch.yaml"
at_stage development
expect_rc 0 orch-advance --agent developer "$WI"
contains "$OUT" "development -> review advanced"
