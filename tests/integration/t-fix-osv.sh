# orch-fix --from-audit with the osv engine (fake_osv.py): the plan comes from this engine's findings, each
# pin moved to the fixed version within its major where one exists, in the requirements file where it is
# (a subdirectory too), validated by the same audit and committed; a lockfile orch-fix cannot edit and a
# pin without a fix are named; an audit that cannot complete exits 69 saying what is wrong.
. "$(dirname "$0")/lib.sh"
standins gitleaks
osv_start
pipeline_setup "agents:" "  reviewer: [\"true\"]"
head_of() { git -C "$WT" rev-parse HEAD; }
show() { git -C "$TMP/repo" show "refs/heads/$BR:$1"; }

# requests 2.19.1 (fixed in 2.20.0), urllib3 1.24.1 (two advisories: 1.24.2 and 1.24.3), an unpinned
# flask, and a Cargo.lock orch-fix does not edit
agent_commit "$WT" deps svc/requirements.txt "$(printf '# runtime\nrequests==2.19.1\nurllib3==1.24.1  # http\nflask>=1.0\n')"
agent_commit "$WT" crate Cargo.lock "$(printf '[[package]]\nname = "smallvec"\nversion = "0.6.9"\nsource = "registry+https://github.com/rust-lang/crates.io-index"\n')"
at_stage development
before=$(head_of)
expect_rc 0 orch-fix --dry-run --from-audit "$WI"
contains "$OUT" '"file":"svc/requirements.txt","details":{"package":"requests","version":"2.20.0"}'
contains "$OUT" '"package":"urllib3","version":"1.24.3"'
contains "$OUT" '"files":["svc/requirements.txt"]'
contains "$OUT" "+urllib3==1.24.3  # http"
lacks "$OUT" "smallvec"
lacks "$OUT" '"package":"flask"'
[ "$(head_of)" = "$before" ] || fail "--dry-run moved the branch"

# the real run: the same audit validates it (the advisories gone, nothing new), committed, back to review
expect_rc 0 orch-fix --json --from-audit "$WI"
[ "$(printf "%s\n" "$OUT" | json_field '["status"]')" = validated ] || fail "not validated: $OUT"
contains "$(show svc/requirements.txt)" "requests==2.20.0"
contains "$(show svc/requirements.txt)" "urllib3==1.24.3  # http"
[ "$(sql "SELECT source || ' ' || status FROM fix_runs ORDER BY id DESC LIMIT 1")" = "audit validated" ] || fail "fix run not recorded"

# what is left (smallvec in Cargo.lock) is not a requirements file: nothing to pin, 65, named
at_stage development
expect_rc 65 orch-fix --from-audit "$WI"
contains "$ERR" "smallvec 0.6.9 (orch-fix edits requirements files only: upgrade it in Cargo.lock)"

# the audit cannot complete: 69, what is wrong and what to do (not "try again later")
ORCH_SECURITY_OSV_URL=http://127.0.0.1:1 expect_rc 69 orch-fix --from-audit "$WI"
contains "$ERR" "the dependency audit (osv) could not complete: OSV request POST http://127.0.0.1:1/v1/querybatch failed"
contains "$ERR" "\`orch doctor\` checks the engine"
echo "t-fix-osv: ok"
