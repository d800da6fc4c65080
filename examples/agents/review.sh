#!/bin/sh
# Reviewer: requests changes until greet() handles None.
. "$(dirname "$0")/lib.sh"
if grep -q stranger src/app.py; then
	put "$D/12-review.md" "$(verdict verdict APPROVED 'Reviewed src/app.py: fine.')"
	log "approved"
else
	put "$D/12-review.md" "$(verdict verdict REQUEST_CHANGES '## Must fix
- greet(None) raises TypeError: handle None')"
	log "requested changes"
fi
commit "review"
