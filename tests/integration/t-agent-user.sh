# agent_user (issue 21): orch-work runs the agent as that user and its groups, not as orch's own user, and
# the agent cannot read orch's home (orch.db).  Needs root and useradd: the test creates a system user and
# removes it on exit.
. "$(dirname "$0")/lib.sh"
if [ "$(id -u)" != 0 ] || ! command -v useradd >/dev/null 2>&1 || ! command -v userdel >/dev/null 2>&1; then
	echo "SKIP t-agent-user: NOT RUN — needs root and useradd/userdel (uid $(id -u)); agent_user is untested here" >&2
	exit 0
fi
U="orch-it-$$"
PUB=$(mktemp -d /tmp/orch-agent-pub.XXXXXX)	# what the agent user may read: its script, its output dir
trap 'userdel "$U" 2>/dev/null; [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$TMP"; rm -rf "$PUB"' EXIT
useradd --system --no-create-home --shell /usr/sbin/nologin "$U" || fail "useradd $U"
chmod 755 "$PUB"
# lib.sh hides the machine's gitleaks and crontab behind symlink farms under $TMP, which the agent user may
# not enter: the agent's PATH gets a copy it can read (with cron installed, /usr/bin is such a farm)
if [ -d "$TMP/path" ]; then
	cp -a "$TMP/path" "$PUB/path" && chmod -R go+rX "$PUB/path" || fail "copy the PATH farms to $PUB"
	PATH=$(printf '%s' "$PATH" | sed "s|$TMP/path/|$PUB/path/|g")
	export PATH
fi
mkdir "$PUB/out" && chmod 777 "$PUB/out"
cat >"$PUB/agent.sh" <<'SH'
id -u >"$AGENT_OUT/uid"
if [ "$ORCH_WORK_ITEM" = DEMO-2 ]; then	# in a workspace of its own: it commits the analysis there
	export GIT_CONFIG_GLOBAL=/dev/null
	d="docs/work-items/$ORCH_WORK_ITEM"
	mkdir -p "$d" && for f in 01-brd.md 02-trz.md 03-acceptance-criteria.md 04-test-plan.yaml; do echo x >"$d/$f"; done
	git add "$d" && git commit -qm analysis && echo committed >"$AGENT_OUT/committed"
fi
id -G >"$AGENT_OUT/groups"
if cat "$ORCH_HOME/orch.db" >/dev/null 2>&1; then echo readable; else echo denied; fi >"$AGENT_OUT/db"
SH
chmod 755 "$PUB/agent.sh"
export AGENT_OUT="$PUB/out"
pipeline_setup "agents:" "  default: [\"sh\", \"$PUB/agent.sh\"]"
sed -i "1i agent_user: $U" "$ORCH_HOME/orch.yaml"
chmod 700 "$ORCH_HOME" "$TMP"
expect_rc 0 orch-work --once
[ -f "$PUB/out/uid" ] || fail "the agent did not run as $U: $OUT $ERR"
[ "$(cat "$PUB/out/uid")" = "$(id -u "$U")" ] || fail "the agent ran as uid $(cat "$PUB/out/uid"), expected $U's $(id -u "$U")"
for g in $(cat "$PUB/out/groups"); do
	[ "$g" != 0 ] || fail "the agent kept group 0 (root): $(cat "$PUB/out/groups")"
done
[ "$(cat "$PUB/out/db")" = denied ] || fail "the agent user could read $ORCH_HOME/orch.db"
[ "$(sql "SELECT status FROM agent_runs ORDER BY id DESC LIMIT 1")" = ok ] || fail "the run was not recorded ok"
# doctor: orch (root) can switch, ORCH_HOME 0700: ok
orch doctor >"$TMP/d.out" 2>&1
contains "$(cat "$TMP/d.out")" "agents run as '$U' (uid $(id -u "$U")); ORCH_HOME is out of their reach"
# an agent_user that does not exist: the run is a spawn error naming it, never a run as root
sed -i "1s/.*/agent_user: orch-no-such-user/" "$ORCH_HOME/orch.yaml"
rm -f "$PUB/out/uid"
sql_exec "UPDATE jobs SET status = 'queued', available_at = 0 WHERE id = (SELECT max(id) FROM jobs)"
expect_rc 0 orch-work --once
contains "$OUT" "agent_user 'orch-no-such-user' is not a user on this host"
[ ! -e "$PUB/out/uid" ] || fail "the agent ran although agent_user does not exist (as uid $(cat "$PUB/out/uid"))"
# a workspace made with agent_user set is the agent's: it commits there, orch imports the branch as root
# (safe.directory from orch's own global file), and orch's home stays unreadable to it
sed -i "1s/.*/agent_user: $U/" "$ORCH_HOME/orch.yaml"
chmod 711 "$TMP"	# the directories above ORCH_HOME are the operator's: passage for the agent user
orch-issue create --project DEMO --title "Second" >/dev/null
expect_rc 0 orch-advance --start DEMO-2
W2="$ORCH_HOME/worktrees/DEMO/DEMO-2"
[ "$(stat -c %U "$W2/.git/HEAD")" = "$U" ] || fail "the workspace is not the agent's: $(stat -c %U "$W2/.git/HEAD")"
[ "$(stat -c %a "$ORCH_HOME")" = 711 ] || fail "ORCH_HOME is $(stat -c %a "$ORCH_HOME"), expected 711 (passage only)"
sql_exec "UPDATE jobs SET status = 'done' WHERE work_item IS NOT NULL AND task_id != (SELECT id FROM tasks WHERE work_item = 'DEMO-2')" 2>/dev/null ||
	sql_exec "UPDATE jobs SET status = 'done' WHERE task_id != (SELECT id FROM tasks WHERE work_item = 'DEMO-2')"
expect_rc 0 orch-work --once
[ "$(cat "$PUB/out/committed" 2>/dev/null)" = committed ] || fail "the agent could not commit in its workspace: $OUT $ERR"
[ "$(cat "$PUB/out/db")" = denied ] || fail "the agent user could read orch.db through a 0711 home"
expect_rc 2 orch-advance DEMO-2
contains "$OUT" "waiting for a human: set DEMO-2 to Approved or Rejected"
git -C "$TMP/repo" cat-file -e "refs/heads/$(sql "SELECT branch FROM tasks WHERE work_item = 'DEMO-2'"):docs/work-items/DEMO-2/01-brd.md" ||
	fail "orch did not import the agent's commit"
echo "t-agent-user: ok"
