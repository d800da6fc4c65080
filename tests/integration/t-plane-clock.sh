# Time that cannot jump, on Plane (issue 24, point 5): a work item stamped a day ahead never becomes the
# watermark (the present is the server's Date header plus a small margin), so it cannot blind orch-poll
# to a later change; a stored watermark found ahead of the present (the server's clock stepped back)
# makes one poll re-list everything.
. "$(dirname "$0")/lib.sh"
export ORCH_PLANE_API_TOKEN=tok-123
plane_start --rate 1000 --tz Z
mkdir -p "$ORCH_HOME"
make_sample_repo "$TMP" >/dev/null
P=dddddddd-dddd-4ddd-8ddd-dddddddddddd
plane_admin POST /_admin/project "{\"id\": \"$P\", \"identifier\": \"DEMO\"}" >/dev/null
plane_config "$ORCH_HOME/orch.yaml" "$TMP/repo" "$(plane_project DEMO $P "$TMP/repo")"
plane_admin POST /_admin/item "{\"project\": \"$P\", \"name\": \"settled\", \"state_name\": \"Backlog\", \"age_s\": 600}" >/dev/null
plane_admin POST /_admin/item "{\"project\": \"$P\", \"name\": \"from the future\", \"state_name\": \"Backlog\", \"age_s\": -86400}" >/dev/null
plane_admin POST /_admin/item "{\"project\": \"$P\", \"name\": \"later\", \"state_name\": \"Backlog\", \"age_s\": 300}" >/dev/null
now_us() { python3 -c 'import time; print(int(time.time() * 1000000))'; }

expect_rc 0 orch-poll
wm=$(sql "SELECT watermark_us FROM plane_poll WHERE project = 'DEMO'")
[ -n "$wm" ] || fail "no watermark after a poll"
[ "$wm" -lt "$(($(now_us) + 60000000))" ] || fail "watermark $wm stored ahead of the present"
# a human moves DEMO-3 now: its stamp is a day older than DEMO-2's, and the poll still sees it
plane_admin POST /_admin/state "{\"project\": \"$P\", \"seq\": 3, \"state_name\": \"To Analyse\"}" >/dev/null
expect_rc 0 orch-poll
contains "$OUT" "DEMO-3"
[ "$(sql "SELECT count(*) FROM tasks WHERE work_item = 'DEMO-3'")" = 1 ] || fail "DEMO-3 was not started"
wm=$(sql "SELECT watermark_us FROM plane_poll WHERE project = 'DEMO'")
[ "$wm" -lt "$(($(now_us) + 60000000))" ] || fail "watermark $wm stored ahead of the present"

# a watermark from before the server's clock stepped back (a day ahead): one poll re-lists everything
sql_exec "UPDATE plane_poll SET watermark_us = ?, watermark = 'ahead' WHERE project = 'DEMO'" "$(($(now_us) + 86400000000))"
plane_admin POST /_admin/state "{\"project\": \"$P\", \"seq\": 1, \"state_name\": \"To Analyse\"}" >/dev/null
expect_rc 0 orch-poll
contains "$OUT" "DEMO-1"
wm=$(sql "SELECT watermark_us FROM plane_poll WHERE project = 'DEMO'")
[ "$wm" -lt "$(($(now_us) + 60000000))" ] || fail "the re-list left watermark $wm ahead of the present"
# the next quiet poll stops at the watermark again: one request
plane_admin POST /_admin/reset >/dev/null
expect_rc 0 orch-poll
[ "$(plane_admin GET /_admin/stats | json_field '["requests"]')" -le 2 ] || fail "a quiet poll re-listed: $(plane_admin GET /_admin/stats)"
[ "$(sql "SELECT count(*) FROM tasks")" = 2 ] || fail "expected tasks for DEMO-1 and DEMO-3 only"
echo ok
