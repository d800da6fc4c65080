#!/bin/sh
# Developer: the code, one module per work item.  On a rollback the findings
# quoted in the task description say what to fix; this example fixes the
# None case the reviewer asks for.
. "$(dirname "$0")/lib.sh"
mod="src/greet_$(printf '%s' "$ORCH_WORK_ITEM" | tr 'A-Z-' 'a-z_').py"
case "$ORCH_TASK_DESC" in
*"Must-fix findings"*None*)
	put "$mod" 'def greet(name):
    return "hello " + (name or "stranger")'
	commit "handle None (review finding)"
	log "fixed the review finding" ;;
*)
	put "$mod" 'def greet(name):
    return "hello " + name'
	commit "greet by name"
	log "code committed" ;;
esac
