# Plane as it really is, for identity and permissions: lookups by identifier (one request, never a
# listing), orch doctor checking key = the Plane project's identifier, identifiers Plane accepts
# (a leading digit, '_', a non-ASCII letter) safe in branch names and paths, hostile ones refused,
# archived and draft items gone, and each 403 (not a member, a wrong uuid, a Guest's write) naming
# what to fix.
. "$(dirname "$0")/lib.sh"
export ORCH_PLANE_API_TOKEN=tok-123
plane_start
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
P=55555555-5555-4555-8555-555555555555
K=ID
plane_admin POST /_admin/project "{\"id\": \"$P\", \"identifier\": \"$K\"}" >/dev/null
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$(plane_project "$K" $P "$TMP/repo")"
stats() { plane_admin GET /_admin/stats; }
item() { plane_admin POST /_admin/item "{\"project\": \"$1\", \"name\": \"$2\", \"state_name\": \"${3:-Backlog}\"${4:+, $4}}" >/dev/null; }

# -- by identifier: an item orch never listed costs one request, not a listing
for i in 1 2 3 4 5; do item $P "item $i"; done
expect_rc 0 orch-issue states --project "$K"	# the state cache
plane_admin POST /_admin/reset >/dev/null
expect_rc 0 orch-issue show "$K-4"
contains "$OUT" "item 4"
[ "$(stats | json_field '["requests"]')" = 1 ] || fail "a lookup by identifier should be one request: $(stats)"
contains "$(stats | json_field '["paths"][0]')" "GET /api/v1/workspaces/acme/work-items/ID-4/"
plane_admin POST /_admin/reset >/dev/null
expect_rc 0 orch-issue show "$K-4"	# now the uuid is known: one GET of the item
contains "$(stats | json_field '["paths"][0]')" "/projects/$P/work-items/"
expect_rc 66 orch-issue show "$K-99"
contains "$ERR" "work item '$K-99' does not exist in Plane"

# -- archived and draft items vanish from listing and detail
item $P "a draft" Backlog '"draft": true'
plane_admin POST /_admin/archive "{\"project\": \"$P\", \"seq\": 2}" >/dev/null
expect_rc 0 orch-issue list --project "$K"
lacks "$OUT" "item 2"
lacks "$OUT" "a draft"
contains "$OUT" "$K-5	Backlog	item 5"
expect_rc 66 orch-issue show "$K-6"
contains "$ERR" "does not exist in Plane (or is archived or a draft)"

# -- an identifier Plane accepts (digit first, a Cyrillic letter, '_') is safe in a branch name and a
#    path: the item is found by identifier (percent-encoded), starts, and gets both
I=56565656-5656-4565-8565-565656565656
K='1Ж_X'
plane_admin POST /_admin/project "{\"id\": \"$I\", \"identifier\": \"$K\"}" >/dev/null
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$(plane_project "$K" $I "$TMP/repo")"
for i in 1 2 3 4 5 6; do item $I "item $i"; done
plane_admin POST /_admin/reset >/dev/null
expect_rc 0 orch-issue show "$K-6"
contains "$(stats | json_field '["paths"][-1]')" "GET /api/v1/workspaces/acme/work-items/1%D0%96_X-6/"
item $I "Greet users" "To Analyse"
expect_rc 0 orch-poll
contains "$OUT" "$K-7"
expect_rc 0 orch-work -q --once
br=$(git -C "$TMP/repo" for-each-ref --format='%(refname:short)' "refs/heads/feature/")
[ "$br" = "feature/$K-7-greet-users" ] || fail "branch '$br'"
git check-ref-format "refs/heads/$br" || fail "'$br' is not a valid ref"
[ -d "$ORCH_HOME/worktrees/$K/$K-7" ] || fail "no worktree at worktrees/$K/$K-7: $(ls -R "$ORCH_HOME/worktrees" | head)"
[ "$(sql "SELECT worktree FROM tasks WHERE work_item = '$K-7'")" = "$ORCH_HOME/worktrees/$K/$K-7" ] || fail "worktree path"

# -- hostile identifiers are refused before they reach a path or a ref
for bad in 'A-B' 'A/B' 'A.B' 'ab' 'A B' "$(printf 'A\342\200\256B')" '..' 'A:B' "$(printf 'A\377')" 'ABCDEFGHIJKLMNOPQ'; do
	mkdir -p "$TMP/bad"
	plane_config "$TMP/bad/orch.yaml" "$TMP/repo" "$(plane_project "$bad" $P "$TMP/repo")"
	ORCH_HOME="$TMP/bad" expect_rc 78 orch-poll
	contains "$ERR" "orch.yaml:"	# the line of the key (or of the bytes YAML refuses)
done
[ ! -e "$TMP/bad/worktrees" ] || fail "a refused key made a path"

# -- orch doctor: the key must be the Plane project's identifier
expect_rc 1 orch-doctor	# 1: no crontab here
contains "$OUT" "ok   tracker $K: key $K is the Plane project's identifier"
lacks "$OUT" "FAIL tracker"
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$(plane_project WRONG $I "$TMP/repo")"
expect_rc 1 orch-doctor
contains "$OUT" "FAIL tracker WRONG: key WRONG is not the Plane project's identifier '$K'"
contains "$OUT" "set key: $K"
expect_rc 78 orch-issue show WRONG-1	# by identifier: no project WRONG the user can see
contains "$ERR" "set key of that project to the Plane project's identifier"

# -- 403 told apart: a wrong project uuid, a project the user is not a member of, a Guest's write
Q=66666666-6666-4666-8666-666666666666
G=77777777-7777-4777-8777-777777777777
plane_admin POST /_admin/project "{\"id\": \"$Q\", \"identifier\": \"NM\", \"role\": \"none\"}" >/dev/null
plane_admin POST /_admin/project "{\"id\": \"$G\", \"identifier\": \"GU\", \"role\": \"guest\"}" >/dev/null
item $G "guest item" "To Analyse"
W=99999999-9999-4999-8999-999999999999
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$(plane_project WU $W "$TMP/repo")" \
	"$(plane_project NM $Q "$TMP/repo")" "$(plane_project GU $G "$TMP/repo")"
plane_admin POST /_admin/reset >/dev/null
expect_rc 78 orch-issue list --project WU
contains "$ERR" "plane_project_id '$W' of project WU is not a project of workspace 'acme'"
expect_rc 78 orch-issue list --project NM
contains "$ERR" "the API key's user is not a member of Plane project NM"
contains "$ERR" "Member or Admin"
lacks "$ERR" "ORCH_PLANE_API_TOKEN"
[ "$(stats | json_field '["limited"]')" = 0 ] || fail "403s counted by the limiter"
expect_rc 0 orch-issue list --project GU	# a Guest reads
expect_rc 0 orch-issue comment GU-1 "a guest may comment"
expect_rc 78 orch-issue set GU-1 Analysis
contains "$ERR" "Guest role"
contains "$ERR" "give it the Member or Admin role"
expect_rc 78 orch-issue create --project GU --title "no"
contains "$ERR" "Guest role"
ORCH_PLANE_API_TOKEN=not-the-key expect_rc 78 orch-issue list --project GU
contains "$ERR" "Plane rejected the API key (403); check ORCH_PLANE_API_TOKEN"
