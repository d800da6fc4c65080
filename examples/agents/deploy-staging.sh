#!/bin/sh
# Staging deployer: a pretend staging deploy.
. "$(dirname "$0")/lib.sh"
put "$D/15-staging-log.md" "$(verdict staging_status SUCCESS "staged $(git rev-parse --short HEAD)")"
commit "staging log"
log "staged"
