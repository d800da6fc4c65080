# The store under faults (docs/operations.md, Failure modes): a truncated, foreign or corrupt orch.db is
# refused with 74 naming the file and left byte-for-byte as it was; an empty one is initialised; a read-only
# store and a full filesystem are 74 with what to do, nothing half-written, and the next run goes on.
. "$(dirname "$0")/lib.sh"
pg_skip "its subject is the orch.db file (truncated, foreign, corrupt, read-only, on a full disk)"
pipeline_setup
DB="$ORCH_HOME/orch.db"
orch-status >/dev/null || fail "orch-status on a good store"
[ ! -s "$DB-wal" ] || fail "WAL left after a clean run (the copies below need a checkpointed file)"
cp "$DB" "$TMP/good.db"
tasks=$(sql "SELECT count(*) FROM tasks")

# refused_as WHAT: every command refuses the file with 74, names it, and leaves it untouched
refused_as() {
	sum=$(cksum <"$DB")
	for cmd in "orch-status" "orch-advance --all" "orch-issue list"; do
		expect_rc 74 $cmd
		contains "$ERR" "database '$DB' $1"
		contains "$ERR" "restore it from a backup or move it aside"
	done
	[ "$(cksum <"$DB")" = "$sum" ] || fail "a refused database was changed"
	[ ! -e "$DB-wal" ] || [ ! -s "$DB-wal" ] || fail "a refused database grew a WAL"
}

head -c 8192 "$TMP/good.db" >"$DB"
refused_as "is truncated (8192 bytes of"
head -c 4000 "$TMP/good.db" >"$DB"
refused_as "is truncated (4000 bytes of"
printf 'not a database at all, just text that someone wrote here by mistake.............................\n' >"$DB"
refused_as "is not a SQLite database"
# every page after the header page overwritten (size kept): SQLite's own corruption check
cp "$TMP/good.db" "$DB"
python3 -c 'import sys; d=bytearray(open(sys.argv[1],"rb").read()); d[4096:]=bytes((i*7+3)%256 for i in range(len(d)-4096)); open(sys.argv[1],"wb").write(d)' "$DB"
refused_as "is corrupt"

# the good file back: everything is there again (nothing was re-created over it)
cp "$TMP/good.db" "$DB"
expect_rc 0 orch-status
[ "$(sql "SELECT count(*) FROM tasks")" = "$tasks" ] || fail "tasks lost"
# an empty file (a crash before the first commit) is initialised, not refused
: >"$DB"
expect_rc 0 orch-status
[ "$(sql "PRAGMA user_version")" -gt 0 ] || fail "an empty orch.db was not initialised"
cp "$TMP/good.db" "$DB"
rm -f "$DB-wal" "$DB-shm"

# A read-only store, and a full filesystem: a tmpfs where this environment lets us mount one (root in CI),
# else permissions (non-root) and RLIMIT_FSIZE.
MNT="$TMP/mnt"
mkdir -p "$MNT"
if [ "${ORCH_FAULTS_NO_MOUNT:-0}" != 1 ] && [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=4m,mode=0700 orch-faults "$MNT" 2>/dev/null; then
	trap 'umount "$MNT" 2>/dev/null; [ "${KEEP_TMP:-0}" = 1 ] || rm -rf "$TMP"' EXIT
	mounted=1
else
	mounted=0
fi
H2="$MNT/home"
mkdir -p "$H2"
cp -R "$ORCH_HOME/." "$H2/" 2>/dev/null || fail "copy the home"
cp "$TMP/good.db" "$H2/orch.db"
export ORCH_HOME="$H2"
DB="$H2/orch.db"
expect_rc 0 orch-status
issues=$(sql "SELECT count(*) FROM tracker_issues")
events=$(sql "SELECT count(*) FROM events")

# read-only
if [ $mounted = 1 ]; then
	mount -o remount,ro "$MNT" || fail "remount read-only"
elif [ "$(id -u)" != 0 ]; then
	chmod 0500 "$H2"
	chmod 0400 "$DB"
fi
if [ $mounted = 1 ] || [ "$(id -u)" != 0 ]; then
	sum=$(cksum <"$DB")
	expect_rc 74 orch-issue create --project DEMO --title "on a read-only store"
	contains "$ERR" "$H2"
	contains "$ERR" "writable"
	expect_rc 74 orch-advance --all
	contains "$ERR" "writable"
	[ "$(cksum <"$DB")" = "$sum" ] || fail "a read-only store changed"
	if [ $mounted = 1 ]; then mount -o remount,rw "$MNT"; else chmod 0700 "$H2"; chmod 0600 "$DB"; fi
	[ "$(sql "SELECT count(*) FROM tracker_issues")" = "$issues" ] || fail "issues changed on a read-only store"
else
	echo "SKIP read-only store: root without a mountable tmpfs ignores permissions" >&2
fi

# full: fill the filesystem (tmpfs) or cap the file size (RLIMIT_FSIZE; SIGXFSZ ignored so writes fail
# with EFBIG instead of killing the command)
if [ $mounted = 1 ]; then
	dd if=/dev/zero of="$MNT/filler" bs=64k 2>/dev/null
	full() { "$@"; }
else
	# 2 KiB: no WAL frame (4 KiB pages) and no page past the first fits; reading is unaffected
	full() { sh -c 'trap "" XFSZ; ulimit -f 4; exec "$@"' sh "$@"; }
fi
rm -f "$DB-wal" "$DB-shm"
for i in 1 2 3 4 5 6 7 8; do	# enough writes to need new pages
	full orch-issue create --project DEMO --title "full disk $i with a long title $(printf '%0400d' 0)" \
	    >"$TMP/out" 2>"$TMP/err"
	rc=$?
	[ $rc = 0 ] || break
done
ERR=$(cat "$TMP/err")
[ $rc = 74 ] || fail "a write on a full filesystem exited $rc, expected 74: $ERR"
contains "$ERR" "$H2"
contains "$ERR" "full"
created=$((i - 1))
rm -f "$MNT/filler"
[ "$(sql "SELECT count(*) FROM tracker_issues")" = $((issues + created)) ] || fail "a failed write left a partial issue"
expect_rc 0 orch-issue create --project DEMO --title "after the disk was freed"
[ "$(sql "SELECT count(*) FROM tracker_issues")" = $((issues + created + 1)) ] || fail "the store did not go on"
[ "$(sql "PRAGMA integrity_check")" = ok ] || fail "the store is not intact after a full disk"
