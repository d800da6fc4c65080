#!/bin/sh
# Deployer (projects without a deploy_hook): orch has already merged the
# tested commit into main; deploy it and log which commit went out.
# check_merged_to_main then verifies deployed_sha is on main.
. "$(dirname "$0")/lib.sh"
sha=$(git rev-parse HEAD)
put "$D/14-deploy-log.md" "$(printf -- '---\ndeploy_status: SUCCESS\ndeployed_sha: %s\n---\ndeployed %s' "$sha" "$sha")"
commit "deploy log"
log "deployed $sha"
