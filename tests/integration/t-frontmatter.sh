# Fail-closed artifacts: each case is a red gate with a reason, never a crash; uncommitted work never counts.
. "$(dirname "$0")/lib.sh"
export ORCH_MAX_DEVELOPER_RETRIES=50
pipeline_setup

red_with() {	# reason, then the artifact content is already committed
	at_stage review
	expect_rc 1 orch-advance --json "$WI"
	[ "$(echo "$OUT" | json_field '["outcome"]')" = rolled_back ] || fail "expected a red gate: $OUT"
	contains "$(echo "$OUT" | json_field '["reason"]')" "$1"
}
agent_commit "$WT" prose "$D/12-review.md" "The reviewer says verdict: APPROVED in prose only."
red_with "no frontmatter"
agent_commit "$WT" dup "$D/12-review.md" "$(printf -- '---\nverdict: APPROVED\nverdict: APPROVED\n---')"
red_with "duplicated key 'verdict'"
agent_commit "$WT" yaml "$D/12-review.md" "$(printf -- '---\nverdict: [APPROVED\n---')"
red_with "invalid YAML"
agent_commit "$WT" list "$D/12-review.md" "$(printf -- '---\nverdict:\n  - APPROVED\n---')"
red_with "not a single value"
agent_commit "$WT" nokey "$D/12-review.md" "$(printf -- '---\nreviewer: bob\n---')"
red_with "key 'verdict' missing"
rm -f "$WT/$D/12-review.md"
ln -s /etc/hostname "$WT/$D/12-review.md"
git -C "$WT" add "$D/12-review.md" && git -C "$WT" commit -qm symlink
red_with "is a symlink"
git -C "$WT" rm -q "$D/12-review.md"
mkdir -p "$WT/$D"
{ printf -- '---\nverdict: APPROVED\n---\n'; head -c 1100000 /dev/zero | tr '\0' x; } >"$WT/$D/12-review.md"
git -C "$WT" add "$D/12-review.md" && git -C "$WT" commit -qm big
red_with "over the 1048576-byte limit"

# an approved review that is only in the working tree does not count
git -C "$WT" rm -q "$D/12-review.md" && git -C "$WT" commit -qm rm
mkdir -p "$WT/$D"
verdict_doc verdict APPROVED ok >"$WT/$D/12-review.md"
red_with "missing at refs/heads/$BR (not committed?)"
git -C "$WT" add "$D/12-review.md" && git -C "$WT" commit -qm ok
at_stage review
expect_rc 0 orch-advance "$WI"
contains "$OUT" "review -> testing advanced"
