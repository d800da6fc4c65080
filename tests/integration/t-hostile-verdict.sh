# A verdict value is text from the branch: a red artifact whose value carries escape sequences and a
# newline reaches --explain, the notification log, notify_cmd and the rollback reason as one escaped
# line, never as raw control bytes or a forged second line.
. "$(dirname "$0")/lib.sh"
printf '#!/bin/sh\ncat >>"%s"\n' "$TMP/notified" >"$TMP/notify.sh" && chmod +x "$TMP/notify.sh"
pipeline_setup
printf 'notify_cmd: ["%s"]\n' "$TMP/notify.sh" >>"$ORCH_HOME/orch.yaml"
at_stage review
hostile=$(printf '"\\e]0;pwned\\a\\e[2J\\nFAKE: DEMO-1 review -> testing advanced"')
agent_commit "$WT" review "$D/12-review.md" "$(printf -- '---\nverdict: %s\n---\nno\n' "$hostile")"
expect_rc 0 orch-advance --explain "$WI"
contains "$OUT" "12-review.md"
contains "$OUT" '\x1b]0;pwned\x07\x1b[2J\nFAKE'
raw() { printf '%s' "$1" | od -An -c | grep -q '033\|\\a\|007'; }
raw "$OUT" && fail "--explain printed raw control bytes"
expect_rc 1 orch-advance --agent reviewer "$WI"
contains "$OUT" "rolled_back"
raw "$OUT$ERR" && fail "the rollback printed raw control bytes"
for f in "$ORCH_HOME/logs/notify.log" "$TMP/notified"; do
	[ -s "$f" ] || fail "$f is empty"
	raw "$(cat "$f")" && fail "$f holds raw control bytes"
	grep -q '^FAKE' "$f" && fail "$f holds a forged line: $(cat "$f")"
	contains "$(cat "$f")" 'review -> development (retry 1/'
done
true
