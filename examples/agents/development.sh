#!/bin/sh
# Developer: the code.  On a rollback the findings quoted in the task
# description say what to fix; this example fixes the None case.
. "$(dirname "$0")/lib.sh"
case "$ORCH_TASK_DESC" in
*"Must-fix findings"*None*)
	put src/app.py 'def greet(name):
    return "hello " + (name or "stranger")'
	commit "handle None (review finding)"
	log "fixed the review finding" ;;
*)
	put src/app.py 'def greet(name):
    return "hello " + name'
	commit "greet by name"
	log "code committed" ;;
esac
