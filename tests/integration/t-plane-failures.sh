# Bad responses from Plane: each leaves the store as it was, exits with the SPEC's code, never prints the
# token; one project failing does not stop the others in the same tick.
. "$(dirname "$0")/lib.sh"
export ORCH_PLANE_API_TOKEN=tok-secret-123 PLANE_TOKEN=tok-secret-123
plane_start
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
A=aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa
B=bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb
plane_admin POST /_admin/project "{\"id\": \"$A\", \"identifier\": \"ALPHA\"}" >/dev/null
plane_admin POST /_admin/project "{\"id\": \"$B\", \"identifier\": \"BETA\"}" >/dev/null
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$(plane_project ALPHA $A "$TMP/repo")" "$(plane_project BETA $B "$TMP/repo")"
expect_rc 0 orch-poll	# caches states, creates the store
plane_admin POST /_admin/item "{\"project\": \"$A\", \"name\": \"alpha item\", \"state_name\": \"Backlog\"}" >/dev/null
plane_admin POST /_admin/item "{\"project\": \"$B\", \"name\": \"beta item\", \"state_name\": \"Backlog\"}" >/dev/null

fault() {	# MODE CODE MESSAGE [count]
	plane_admin POST /_admin/reset >/dev/null
	orch-poll -q || fail "settling poll before $1 failed"	# both watermarks current
	plane_admin POST /_admin/fault "{\"mode\": \"$1\", \"count\": ${4:-1}, \"match\": \"$A/work-items\"}" >/dev/null
	before=$(store_digest)
	expect_rc "$2" orch-poll
	contains "$ERR" "orch-poll: project ALPHA: "
	contains "$ERR" "$3"
	lacks "$OUT$ERR" tok-secret-123
	[ "$(store_digest)" = "$before" ] || fail "$1 changed the store"
	# BETA was polled in the same tick
	plane_admin GET /_admin/stats | grep -q "$B/work-items" || fail "$1 on ALPHA stopped BETA"
}
fault invalid_json 65 "not JSON"
fault html 65 "not JSON ('<html><body>Login</body></html>')"
fault envelope 65 "no results list in the envelope"
fault missing_field 65 "malformed Plane work item"
fault bad_timestamp 65 "is not a timestamp"
fault truncated 69 "Transferred a partial file" 3
fault redirect 69 "redirected"
fault error500 69 "answered 500" 3
ORCH_HTTP_TIMEOUT_S=1 fault hang 69 "Timeout was reached" 3

# a 500 storm shorter than the retries is absorbed
plane_admin POST /_admin/reset >/dev/null
plane_admin POST /_admin/fault "{\"mode\": \"error500\", \"count\": 2, \"match\": \"$A/work-items\"}" >/dev/null
expect_rc 0 orch-poll

# auth: a wrong key (403) and no key at all (401) name the setting to fix
ORCH_PLANE_API_TOKEN=wrong-token expect_rc 78 orch-poll
contains "$ERR" "Plane rejected the API key (403); check ORCH_PLANE_API_TOKEN or plane_api_token_file"
lacks "$ERR" wrong-token
unset ORCH_PLANE_API_TOKEN
expect_rc 78 orch-poll
contains "$ERR" "no Plane API token: set ORCH_PLANE_API_TOKEN or plane_api_token_file"
printf 'tok-secret-123\n' >"$TMP/token"
chmod 644 "$TMP/token"
ORCH_PLANE_API_TOKEN_FILE="$TMP/token" expect_rc 78 orch-poll
contains "$ERR" "must be a regular file of yours with mode 0600"
chmod 600 "$TMP/token"
ORCH_PLANE_API_TOKEN_FILE="$TMP/token" expect_rc 0 orch-poll
export ORCH_PLANE_API_TOKEN=tok-secret-123

# an older server without work-items/: issues/ is used
plane_admin POST /_admin/reset >/dev/null
plane_admin POST /_admin/legacy '{"on": true}' >/dev/null
expect_rc 0 orch-issue list --project ALPHA
contains "$OUT" "ALPHA-1	Backlog	alpha item"
contains "$(plane_admin GET /_admin/stats)" "$A/issues/?per_page=100"
plane_admin POST /_admin/legacy '{"on": false}' >/dev/null

# a missing plane_project_id is a config error naming the key
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "  - key: GAMMA" "    repo: $TMP/repo"
expect_rc 78 orch-poll
contains "$ERR" "project 'GAMMA' uses tracker plane but has no valid plane_project_id"
