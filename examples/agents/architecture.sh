#!/bin/sh
# Architect: one ADR.
. "$(dirname "$0")/lib.sh"
put "$D/06-adr/ADR-001-greeting.md" "# ADR-001: greeting lives in src/app.py
Status: accepted. A pure function; no new dependency."
commit "ADR-001"
log "ADR committed"
