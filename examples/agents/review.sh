#!/bin/sh
# Reviewer: requests changes until greet() handles None.
. "$(dirname "$0")/lib.sh"
mod="src/greet_$(printf '%s' "$ORCH_WORK_ITEM" | tr 'A-Z-' 'a-z_').py"
if grep -q stranger "$mod"; then
	put "$D/12-review.md" "$(verdict verdict APPROVED "Reviewed $mod at $(git rev-parse --short HEAD): fine.")"
	log "approved"
else
	put "$D/12-review.md" "$(verdict verdict REQUEST_CHANGES "## Must fix
- greet(None) in $mod raises TypeError: handle None")"
	log "requested changes"
fi
commit "review"
