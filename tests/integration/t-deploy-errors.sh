# orch-deploy --finalize / --monitor that cannot list the items due: the store's own reason and its exit
# class on stderr, never "internal error" with an empty message (issue 22, point 2).
. "$(dirname "$0")/lib.sh"
pipeline_setup
expect_rc 0 orch-deploy --finalize
expect_rc 0 orch-deploy --monitor
# a damaged store: the indexes the listings read are gone (orch-deploy opens the store all the same)
pg_skip "the damage is a missing index, which only SQLite's INDEXED BY refuses (PostgreSQL plans without it)"
sql_exec "DROP INDEX tasks_live"
expect_rc 70 orch-deploy --finalize	# the store's class for a statement it cannot prepare (EX_SOFTWARE)
contains "$ERR" "orch-deploy: "
contains "$ERR" "no such index: tasks_live"
lacks "$ERR" "internal error"
expect_rc 0 orch-deploy --monitor	# the watch reads another index
sql_exec "DROP INDEX tasks_watching"
expect_rc 70 orch-deploy --monitor
contains "$ERR" "tasks_watching"
lacks "$ERR" "internal error"
# both verbs of a plain tick: each failure said once, the exit class kept
expect_rc 70 orch-deploy
contains "$ERR" "no such index: tasks_live"
contains "$ERR" "tasks_watching"
