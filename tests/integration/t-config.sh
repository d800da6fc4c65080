# Config errors exit 78 naming file, line and key; env overrides; secrets refused in the file.
. "$(dirname "$0")/lib.sh"
mkdir -p "$ORCH_HOME"
printf 'tracker: local\nmax_developer_retries: lots\n' >"$ORCH_HOME/orch.yaml"
expect_rc 78 orch-advance --all
contains "$ERR" "orch-advance: $ORCH_HOME/orch.yaml:2: key 'max_developer_retries': 'lots' is not an integer"
printf 'projects:\n  - key: DEMO\n    repo: /x\n    ci_cmd: make test\n' >"$TMP/c.yaml"
expect_rc 78 orch-issue --config "$TMP/c.yaml" list
contains "$ERR" "$TMP/c.yaml:4: key 'ci_cmd': expected a list of strings"
printf 'projects: [\n' >"$TMP/c.yaml"
expect_rc 78 orch-advance --config "$TMP/c.yaml" --all
contains "$ERR" "invalid YAML"
printf 'plane_api_token: s3cr3t\n' >"$TMP/c.yaml"
expect_rc 78 orch-advance --config "$TMP/c.yaml" --all
contains "$ERR" "secrets are not read from the config file"
lacks "$ERR" "s3cr3t"
expect_rc 78 orch-advance --config "$TMP/missing.yaml" --all
contains "$ERR" "cannot read config"
printf 'tracker: local\n' >"$ORCH_HOME/orch.yaml"
ORCH_WORK_SLOTS=0 expect_rc 78 orch-advance --all
contains "$ERR" "environment ORCH_WORK_SLOTS: '0' is not an integer in 1..64"
expect_rc 0 orch-advance --all
