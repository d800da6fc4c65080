#!/bin/sh
# Deployer: logs the deploy on the branch, then lands the branch on main
# (fast-forward only: a push that is not a fast-forward is refused and the
# job fails, to be retried).  check_merged_to_main verifies the landing.
. "$(dirname "$0")/lib.sh"
put "$D/14-deploy-log.md" "$(verdict deploy_status SUCCESS "deployed $(git rev-parse --short HEAD)")"
commit "deploy log"
git push -q origin "HEAD:refs/heads/main"
log "deployed and landed on main"
