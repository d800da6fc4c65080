# Plane's description (description_html, converted) and comments reach the brief; orch's own comments
# (external_source "orch") are told apart from people's.
. "$(dirname "$0")/lib.sh"
export ORCH_PLANE_API_TOKEN=tok-123
plane_start
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
P=11111111-1111-4111-8111-111111111111
plane_admin POST /_admin/project "{\"id\": \"$P\", \"identifier\": \"DEMO\"}" >/dev/null
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$(plane_project DEMO $P "$TMP/repo")"
# a work item as Plane's editor stores it
python3 - "$PLANE_URL" "$P" <<'PY' || fail "cannot create the item"
import json, sys, urllib.request
html = ('<p class="editor-paragraph-block">Visitors are <strong>greeted</strong> by name &amp; title.</p>'
        '<ul class="list-disc pl-7 space-y-[--list-spacing-y] tight" data-tight="true"><li class="not-prose space-y-2">'
        '<p class="editor-paragraph-block">first&nbsp;rule</p></li><li class="not-prose space-y-2">'
        '<p class="editor-paragraph-block">second &lt;rule&gt;</p></li></ul>'
        '<pre><code class="language-python">greet("ada")\n    # ```\n</code></pre><p></p>')
body = {"project": sys.argv[2], "name": "Greet users", "state_name": "To Analyse", "description_html": html}
req = urllib.request.Request(sys.argv[1] + "/_admin/item", method="POST", data=json.dumps(body).encode(),
                             headers={"Content-Type": "application/json"})
urllib.request.urlopen(req).read()
PY
orch-poll -q || fail "orch-poll failed"
WI=DEMO-1
plane_admin POST /_admin/comment "{\"project\": \"$P\", \"seq\": 1, \"comment_html\": \"<p>Please also greet <em>strangers</em>.</p>\"}" >/dev/null
plane_admin POST /_admin/comment "{\"project\": \"$P\", \"seq\": 1, \"comment_html\": \"<p>orch moved it</p>\", \"external_source\": \"orch\", \"external_id\": \"orch:x\"}" >/dev/null
expect_rc 0 orch-issue comment "$WI" "an operator's note"

expect_rc 0 orch-brief "$WI"
contains "$OUT" "# Brief: $WI, stage analysis"
contains "$OUT" "Visitors are greeted by name & title.

- first rule
- second <rule>

greet(\"ada\")
    # \`\`\`"
contains "$OUT" "it ends at the closing 4-backtick fence"	# the description holds a run of 3
contains "$OUT" "Please also greet strangers."
contains "$OUT" "an operator's note"	# orch-issue comment is a person's, not orch's
lacks "$OUT" "orch moved it"
# show stays one request of the key's budget (orch-brief is where Plane's description is read)
plane_admin POST /_admin/reset >/dev/null
expect_rc 0 orch-issue show "$WI"
lacks "$OUT" "description "
[ "$(plane_admin GET /_admin/stats | json_field '["requests"]')" = 1 ] || fail "show cost more than one request"

# the agent's run gets the same brief in its file
orch-work -q --once || fail "orch-work failed"
contains "$(cat "$ORCH_HOME/briefs/$WI/job1.md")" "Please also greet strangers."
# a description Plane would never write (an unclosed tag) is not guessed at
plane_admin POST /_admin/item "{\"project\": \"$P\", \"name\": \"Broken\", \"state_name\": \"To Analyse\", \"description_html\": \"<p>cut <strong\"}" >/dev/null
orch-poll -q || fail "orch-poll failed"
expect_rc 0 orch-brief DEMO-2
contains "$OUT" "(orch could not read this text: an HTML tag '<strong' is never closed with '>'; read it in Plane)"
# Plane unreachable: the brief still comes, and says so
kill "$PLANE_PID"
wait "$PLANE_PID" 2>/dev/null
expect_rc 0 orch-brief "$WI"
contains "$OUT" "The tracker could not be read for the description and comments"
contains "$OUT" "## The analysis stage's contract"
echo "ok t-plane-brief"
