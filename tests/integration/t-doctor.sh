# orch doctor catches each misconfiguration it lists, one line each with what to do; exit 1 on problems.
. "$(dirname "$0")/lib.sh"
unset ORCH_DOCTOR_CRONTAB_FILE	# this test drives `crontab -l`: a stand-in, first on PATH (lib.sh hides the real one)
standins gitleaks pip-audit
cat >"$TMP/standins/crontab" <<'SH'
#!/bin/sh
[ -n "${CRONTAB_TEXT:-}" ] || { echo "no crontab for $(id -un)" >&2; exit 1; }
printf '%s\n' "$CRONTAB_TEXT"
SH
chmod +x "$TMP/standins/crontab"
TICK="* * * * * orch-poll -q; orch-work -q; orch-advance -q --all; orch-deploy -q; orch-reconcile -q"
export CRONTAB_TEXT="PATH=$BIN:$TMP/standins:$SYS_PATH
$TICK"
pipeline_setup
chmod 700 "$ORCH_HOME"
expect_rc 0 orch doctor
contains "$OUT" "ok   git: git version"
contains "$OUT" "ok   tracker DEMO: local tracker reachable, 17 states"
contains "$OUT" "ok   cron: crontab runs every command of a tick"
contains "$OUT" "ok   cron PATH: every tool the tick runs is on PATH=$BIN:$TMP/standins:$SYS_PATH"
contains "$OUT" "ok   project DEMO: repo $TMP/repo, remote origin at"
full=$OUT
# -q: the WARN and FAIL lines only, the same exit status (nothing when all is well)
expect_rc 0 orch doctor -q
lacks "$OUT" "ok   "
[ "$OUT" = "$(printf '%s\n' "$full" | grep -v '^ok   ')" ] || fail "doctor -q is not the full report's WARN/FAIL lines: '$OUT'"
CRONTAB_TEXT= expect_rc 1 orch doctor -q
contains "$OUT" "FAIL cron:"
lacks "$OUT" "ok   "
# every probe is a tool run and records its metrics (SPEC 14): the versions, the gitleaks probe, the
# remote, crontab -l; a probe of a tool that is not installed is a recorded failure saying so
metrics() { sql "SELECT runs || ' ' || failures || ' ' || COALESCE(last_error, '-') FROM tool_metrics WHERE tool = '$1'"; }
sql_exec "DELETE FROM tool_metrics"
expect_rc 0 orch doctor
for t in git gitleaks pip-audit crontab; do
	m=$(metrics "$t")
	[ -n "$m" ] || fail "no tool_metrics row for $t after orch doctor"
	case "$m" in "0 "*) fail "$t metrics count no run: $m" ;; *" 0 -") ;; *) fail "$t probe recorded a failure: $m" ;; esac
done
[ "$(metrics gitleaks | cut -d' ' -f1)" -ge 3 ] || fail "the gitleaks probe is three runs: $(metrics gitleaks)"
contains "$(metrics osv-scanner)" "1 1 cannot run 'osv-scanner'"

# the tools must be on cron's PATH, not only on the shell's
CRONTAB_TEXT="$TICK" ORCH_SECURITY_GATE_REPOS=DEMO expect_rc 1 orch-doctor
# (cron's built-in PATH is the machine's own: a gitleaks installed there is found)
missing="orch-poll orch-work orch-advance orch-deploy orch-reconcile"
[ -e /usr/bin/gitleaks ] || [ -e /bin/gitleaks ] || missing="$missing gitleaks"
contains "$OUT" "FAIL cron PATH: not found on cron's PATH=/usr/bin:/bin (from the crontab): $missing"
CRONTAB_TEXT="  PATH=$BIN:$SYS_PATH
$TICK" ORCH_SECURITY_GATE_REPOS=DEMO expect_rc 1 orch-doctor
contains "$OUT" "FAIL cron PATH: not found on cron's PATH=$BIN:$SYS_PATH (from the crontab): gitleaks"

# agent commands: missing, not executable, on the shell's PATH only; a remote that is not there
printf '#!/bin/sh\n' >"$TMP/noexec.sh"
mkdir -p "$TMP/mybin" && printf '#!/bin/sh\n' >"$TMP/mybin/my-agent" && chmod +x "$TMP/mybin/my-agent"
write_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "agents:" "  analyst: [\"/nonexistent/analyst\"]" \
	"  developer: [\"$TMP/noexec.sh\"]" "  reviewer: [\"my-agent\", \"{stage}\"]" "  tester: [\"sh\", \"-c\", \"true\"]"
sed -i 's/remote: origin/remote: upstream/' "$ORCH_HOME/orch.yaml"
PATH="$TMP/mybin:$PATH" expect_rc 1 orch-doctor
contains "$OUT" "FAIL project DEMO: agent analyst: command '/nonexistent/analyst' is not found; install it or fix agents: in orch.yaml"
contains "$OUT" "FAIL project DEMO: agent developer: command '$TMP/noexec.sh' is not executable (chmod +x it)"
contains "$OUT" "ok   project DEMO: agent reviewer: $TMP/mybin/my-agent"
contains "$OUT" "ok   project DEMO: agent tester: $(command -v sh)"
contains "$OUT" "FAIL cron PATH: not found on cron's PATH=$BIN:$TMP/standins:$SYS_PATH (from the crontab): /nonexistent/analyst $TMP/noexec.sh my-agent"
contains "$OUT" "FAIL project DEMO: repo $TMP/repo has no remote 'upstream'; add it (git -C $TMP/repo remote add upstream URL)"
# the project's own commands too: a deploy hook that is not there shows now, not when production is due
write_config "$TMP/cmds.yaml" "$TMP/repo" "deploy_hook: [\"/nonexistent/deploy\"]" "health_cmd: [\"./bin/health\"]" \
	"rollback_hook: [\"$TMP/noexec.sh\"]"
expect_rc 1 orch-doctor --config "$TMP/cmds.yaml"
contains "$OUT" "FAIL project DEMO: deploy_hook: command '/nonexistent/deploy' is not found; install it or fix deploy_hook: in orch.yaml"
contains "$OUT" "WARN project DEMO: health_cmd: command './bin/health' is not found in the repository's checkout"
contains "$OUT" "FAIL project DEMO: rollback_hook: command '$TMP/noexec.sh' is not executable (chmod +x it)"
lacks "$OUT" "ci_cmd: command"
pipeline_config_again() { write_config "$ORCH_HOME/orch.yaml" "$TMP/repo"; }
pipeline_config_again

ORCH_SECURITY_GATE_REPOS=DEMO PATH="$BIN:$SYS_PATH" expect_rc 1 orch-doctor
contains "$OUT" "FAIL gitleaks: gitleaks is not installed (not on PATH)"
contains "$OUT" "FAIL dependency audit: neither pip-audit nor osv-scanner is installed"
# doctor runs the gate's own probe: Debian's 8.16 is ok; what the gate refuses, doctor fails with the same words
STANDIN_GITLEAKS_VERSION=debian expect_rc 0 orch-doctor
contains "$OUT" "ok   gitleaks: gitleaks (version unreadable: 'version is set by build process'; runs 'detect --source DIR'"
ORCH_SECURITY_GATE_REPOS=DEMO STANDIN_GITLEAKS_MODE=noflag expect_rc 1 orch-doctor
contains "$OUT" "FAIL gitleaks: 'gitleaks git --help' does not list --redact, which orch passes"
STANDIN_GITLEAKS_MODE=vnoise expect_rc 0 orch-doctor	# a newline and a BEL before "v8.30.1": one clean line
contains "$OUT" "ok   gitleaks: gitleaks v8.30.1 (runs 'git DIR')"

CRONTAB_TEXT= expect_rc 1 orch-doctor
contains "$OUT" "FAIL cron: no crontab for this user"
# ORCH_DOCTOR_CRONTAB_FILE: the crontab's text from a file, crontab -l not run (its stand-in would say ok)
printf '%s\n' "$CRONTAB_TEXT" >"$TMP/crontab.txt"
ORCH_DOCTOR_CRONTAB_FILE="$TMP/crontab.txt" expect_rc 0 orch-doctor
contains "$OUT" "ok   cron: crontab runs every command of a tick"
ORCH_DOCTOR_CRONTAB_FILE="$TMP/no-crontab" expect_rc 1 orch-doctor
contains "$OUT" "FAIL cron: no crontab for this user (ORCH_DOCTOR_CRONTAB_FILE: no file to read)"
CRONTAB_TEXT="* * * * * orch-poll; orch-work; orch-advance; orch-deploy" expect_rc 1 orch-doctor
contains "$OUT" "FAIL cron: the crontab does not run: orch-reconcile"

chmod 777 "$ORCH_HOME"
expect_rc 1 orch-doctor
contains "$OUT" "FAIL ORCH_HOME: $ORCH_HOME is writable by others (mode 777); chmod 700 it"
chmod 700 "$ORCH_HOME"

printf 'tok\n' >"$TMP/token" && chmod 644 "$TMP/token"
ORCH_PLANE_API_TOKEN_FILE="$TMP/token" expect_rc 1 orch-doctor
contains "$OUT" "FAIL token file: $TMP/token has mode 644; chmod 600 it"

sql_exec "DELETE FROM tracker_states WHERE name = ?" "In Review"
expect_rc 1 orch-doctor
contains "$OUT" "FAIL tracker DEMO: local tracker lacks the states 'In Review'"

write_config "$ORCH_HOME/orch.yaml" "$TMP/nowhere" "self_deploy: true"
expect_rc 1 orch-doctor
contains "$OUT" "FAIL project DEMO: repo $TMP/nowhere does not exist; clone the project there or fix repo: in $ORCH_HOME/orch.yaml"
# the commands name the missing directory, not a missing git
orch-issue create --project DEMO --title "second" >/dev/null
orch-advance --start DEMO-2 >"$TMP/out" 2>&1
contains "$(cat "$TMP/out")" "cannot run 'git' in '$TMP/nowhere': cannot enter that directory: No such file or directory"
lacks "$(cat "$TMP/out")" "install it or fix PATH"
contains "$OUT" "FAIL project DEMO: self_deploy without deploy_hook"
sql_exec "DELETE FROM tracker_states WHERE name = ?" "Confirm Deploy"
expect_rc 1 orch-doctor
contains "$OUT" "'Confirm Deploy'"

# a Plane tracker that cannot be reached, or without a token
printf 'tracker: plane\nplane_url: http://127.0.0.1:9\nplane_workspace: acme\nhttp_timeout_s: 1\nprojects:\n  - key: PL\n    plane_project_id: x1\n    repo: %s\n    ci_cmd: ["true"]\n' "$TMP/repo" >"$ORCH_HOME/orch.yaml"
expect_rc 1 orch-doctor
contains "$OUT" "FAIL tracker PL: no Plane API token"
ORCH_PLANE_API_TOKEN=t expect_rc 1 orch-doctor
contains "$OUT" "FAIL tracker PL: Plane request GET"
lacks "$OUT" "X-API-Key"
