#!/bin/sh
# bench/hosts.py's agent: sleep SECONDS (the agent "thinking"), then do the stage's work as the
# example agent does (examples/agents/STAGE.sh: commit the artifacts whose verdicts the gates read).
# usage: sleep_agent.sh SECONDS STAGE
sleep "$1"
exec sh "$(dirname "$0")/../examples/agents/$2.sh"
