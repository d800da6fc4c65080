#!/bin/sh
# Analyst: the four analysis artifacts.
. "$(dirname "$0")/lib.sh"
title=$(printf '%s' "$ORCH_TASK_DESC" | sed -n 's/.*analyse "\(.*\)".*/\1/p' | head -n 1)
put "$D/01-brd.md" "# Business requirements: ${title:-$ORCH_WORK_ITEM}
Users are greeted by name."
put "$D/02-trz.md" "# Technical requirements
greet(name) in src/app.py returns 'hello <name>'."
put "$D/03-acceptance-criteria.md" "- greet('ada') == 'hello ada'
- greet(None) does not crash"
put "$D/04-test-plan.yaml" "tests:
  - greet_by_name
  - greet_none"
commit "analysis"
log "analysis committed"
