# Titles: too long, invalid UTF-8 or control characters are refused at create; whatever a
# tracker holds is escaped on a terminal and valid UTF-8 in JSON.
. "$(dirname "$0")/lib.sh"
pipeline_setup
long=$(python3 -c 'print("x" * 256)')
expect_rc 64 orch-issue create --project DEMO --title "$long"
contains "$ERR" "orch-issue: the title is 256 characters; Plane allows at most 255; shorten it"
expect_rc 0 orch-issue create --project DEMO --title "$(python3 -c 'print("y" * 255)')"
[ "$OUT" = DEMO-2 ] || fail "a 255-byte title was refused: $OUT"
expect_rc 0 orch-issue show DEMO-2 --json
[ "$(echo "$OUT" | json_field '["title"]')" = "$(python3 -c 'print("y" * 255)')" ] || fail "255-byte title not whole"
accents=$(python3 -c 'print("\u00e9" * 127)')	# 254 bytes
expect_rc 0 orch-issue create --project DEMO --title "$accents"
expect_rc 0 orch-issue show DEMO-3
contains "$OUT" "$accents"
expect_rc 64 orch-issue create --project DEMO --title "$(printf 'caf\351')"
contains "$ERR" "the title is not valid UTF-8"
expect_rc 64 orch-issue create --project DEMO --title "$(printf 'a\033[2Jb')"
contains "$ERR" "the title holds a control character (byte 0x1b at 1)"
expect_rc 64 orch-issue create --project DEMO --title "$(printf 'one\ntwo')"
contains "$ERR" "control character (byte 0x0a at 3)"
expect_rc 64 orch-issue create --project DEMO --title "   "
contains "$ERR" "the title is empty"
[ "$(sql "SELECT count(*) FROM tracker_issues")" = 3 ] || fail "a refused title was stored"

# comments: invalid UTF-8 refused; control characters stored, escaped when shown
expect_rc 64 orch-issue comment DEMO-2 "$(printf 'bad \377 byte')"
contains "$ERR" "the comment is not valid UTF-8"
expect_rc 0 orch-issue comment DEMO-2 "$(printf 'see\033]0;pwned\007 and\nFAKE-9\tDone\tforged')"
expect_rc 0 orch-issue show DEMO-2
contains "$OUT" 'see\x1b]0;pwned\x07 and\nFAKE-9\tDone\tforged'
lacks "$OUT" "$(printf '\033')"
[ "$(printf '%s\n' "$OUT" | wc -l)" -eq 2 ] || fail "a comment forged a line: $OUT"

# what a tracker (Plane, an old store) may hold: escape bytes, and broken UTF-8 (a blob: SQLite only,
# PostgreSQL's text holds valid UTF-8 alone)
sql_exec "UPDATE tracker_issues SET name = ? WHERE seq = 2" "$(printf 'evil\033[31m red \302\233 csi')"
broken=
if sqlite_only "broken UTF-8 in the store (PostgreSQL's text refuses it)"; then
	python3 - "$ORCH_HOME/orch.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("UPDATE tracker_issues SET name = ? WHERE seq = 3", (b"caf\xe9 \xff\xfe end",))
c.commit()
PY
	broken=1
fi
expect_rc 0 orch-issue show DEMO-2
contains "$OUT" 'evil\x1b[31m red \u009b csi'
lacks "$OUT" "$(printf '\033')"
expect_rc 0 orch-issue list --project DEMO
[ -z "$broken" ] || contains "$OUT" 'caf\xe9 \xff\xfe end'
orch-issue list --project DEMO --json >"$TMP/list.json" || fail "list --json"
python3 - "$TMP/list.json" "$broken" <<'PY' || fail "list --json is not valid UTF-8 JSON"
import json, sys
data = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", errors="strict"))
titles = {d["work_item"]: d["title"] for d in data}
assert not sys.argv[2] or titles["DEMO-3"] == "caf\ufffd \ufffd\ufffd end", titles["DEMO-3"]
assert titles["DEMO-2"].startswith("evil\x1b[31m"), titles["DEMO-2"]
PY
orch-issue show DEMO-2 --json >"$TMP/show.json" || fail "show --json"
python3 -c 'import json,sys; json.loads(open(sys.argv[1],"rb").read().decode("utf-8","strict"))' "$TMP/show.json" ||
	fail "show --json is not valid UTF-8"
# an event detail quoting tool output or a title is escaped in orch-status's text
sql_exec "INSERT INTO events(ts, work_item, kind, detail) VALUES ('2026-01-01T00:00:00Z', 'DEMO-2', 'note', ?)" \
	"$(printf 'quoted \033[2J title\nforged line')"
expect_rc 0 orch-status
contains "$OUT" 'quoted \x1b[2J title\nforged line'
lacks "$OUT" "$(printf '\033')"
# every command's JSON is valid UTF-8, whatever bytes the store holds (orch-status included)
pg_skip "broken UTF-8 in the store (PostgreSQL's text refuses it)"
python3 - "$ORCH_HOME/orch.db" <<'PY'
import sqlite3, sys
c = sqlite3.connect(sys.argv[1])
c.execute("INSERT INTO events(ts, work_item, kind, detail) VALUES ('2026-01-01T00:00:01Z', 'DEMO-3', 'note', ?)",
          (b"broken \xc3 utf-8 \xff",))
c.commit()
PY
orch-status --json >"$TMP/status.json" || fail "status --json"
python3 - "$TMP/status.json" <<'PY' || fail "orch-status --json is not valid UTF-8 JSON"
import json, sys
d = json.loads(open(sys.argv[1], "rb").read().decode("utf-8", errors="strict"))
assert any("broken \ufffd utf-8 \ufffd" in e["detail"] for e in d["events"]), d["events"]
PY
