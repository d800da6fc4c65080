#!/bin/sh
# pg-cluster.sh: a throwaway PostgreSQL cluster for the PostgreSQL store's tests.
#
# usage: scripts/pg-cluster.sh start DIR   make a cluster in DIR (absent or empty), start it on a free
#                                          port of 127.0.0.1 with a database orch, and print its URL,
#                                          postgresql://orch@127.0.0.1:PORT/orch, as the one line on stdout
#        scripts/pg-cluster.sh stop DIR    stop it (immediate: nothing in it is kept) and remove DIR;
#                                          a cluster not running, or no DIR, is not an error
#
# The server binaries (initdb, pg_ctl) come from $PG_BINDIR, else the newest /usr/lib/postgresql/*/bin,
# else PATH; without them the exit is 77 (a test skips).  The cluster trusts every local connection,
# listens on 127.0.0.1 and on a socket in DIR, and runs with fsync off: it is for tests, never for data.
# Its locale is C (UTF-8): text sorts by bytes, as SQLite's BINARY collation does.
# PostgreSQL refuses to run as root: as root DIR (mode 0700) is given to the user nobody, which runs
# the server; DIR must then be reachable by nobody (a parent such as /tmp, not a 0700 directory of root).
# Errors: one line on stderr naming what failed (and the server log's last lines when it did not start),
# exit 1; what start made is removed again.
set -eu

prog=pg-cluster
die() {
	echo "$prog: $*" >&2
	exit 1
}
usage() {
	echo "usage: $0 start DIR | $0 stop DIR" >&2
	exit 64
}

[ $# -eq 2 ] || usage
cmd=$1
dir=$2
[ -n "$dir" ] || usage
case $cmd in start | stop) ;; *) usage ;; esac
case $dir in
*\'* | *\"* | *\\*) die "DIR '$dir' has a quote or a backslash in its name: choose another" ;;
esac

# find_bindir: sets bindir to a directory holding executable initdb and pg_ctl, or returns 1
has_server() { [ -x "$1/initdb" ] && [ -x "$1/pg_ctl" ]; }
find_bindir() {
	bindir=
	if [ -n "${PG_BINDIR:-}" ]; then
		has_server "$PG_BINDIR" && bindir=$PG_BINDIR
		[ -n "$bindir" ]
		return
	fi
	for v in $(for d in /usr/lib/postgresql/*/bin; do
		[ -d "$d" ] || continue
		d=${d%/bin}
		echo "${d##*/}"
	done | sort -t. -k1,1n -k2,2n -r); do
		if has_server "/usr/lib/postgresql/$v/bin"; then
			bindir=/usr/lib/postgresql/$v/bin
			return 0
		fi
	done
	if p=$(command -v initdb 2>/dev/null) && has_server "$(dirname "$p")"; then
		bindir=$(dirname "$p")
		return 0
	fi
	return 1
}
need_server() {
	find_bindir && return 0
	echo "$prog: PostgreSQL server binaries not found: apt-get install postgresql" >&2
	exit 77
}

# as_owner CMD...: runs CMD as the cluster's user (root hands the cluster to nobody)
runas=
as_owner() {
	if [ -n "$runas" ]; then
		# the system's PATH: a caller's PATH may run through directories closed to that user (the
		# integration tests' symlink farms under their 0700 temp dir)
		runuser -u "$runas" -- /usr/bin/env PATH=/usr/local/bin:/usr/bin:/bin "$@"
	else
		"$@"
	fi
}

# the tail of a file, on stderr, to say why the server did not start
show_log() {
	[ -f "$1" ] || return 0
	echo "$prog: the last lines of $1:" >&2
	tail -n 15 "$1" | sed "s/^/$prog:   /" >&2
}

start() {
	need_server
	[ ! -e "$dir/data" ] || die "$dir/data exists already: a cluster is there (stop it: $0 stop $dir)"
	made_dir=0
	if [ -d "$dir" ]; then
		[ -z "$(ls -A "$dir")" ] || die "DIR '$dir' is not empty: start wants an absent or empty one"
	else
		mkdir "$dir" || die "cannot create DIR '$dir'"
		made_dir=1
	fi
	dir=$(cd "$dir" && pwd)
	trap 'undo' EXIT
	trap 'exit 130' HUP INT TERM
	# the server's socket is DIR/.s.PGSQL.PORT, and a socket path is at most 107 bytes
	[ ${#dir} -le 90 ] || die "DIR '$dir' is too long for the server's socket (at most 90 bytes)"
	chmod 0700 "$dir"
	if [ "$(id -u)" = 0 ]; then
		if ! command -v runuser >/dev/null 2>&1; then
			echo "$prog: as root, runuser (util-linux) is needed to run PostgreSQL as nobody" >&2
			exit 77
		fi
		if ! id nobody >/dev/null 2>&1; then
			echo "$prog: running as root and there is no user nobody to run PostgreSQL as" >&2
			exit 77
		fi
		runas=nobody
		chown nobody "$dir"
	fi
	: >"$dir/.pg-cluster"
	as_owner test -w "$dir" ||
		die "DIR '$dir' is not reachable by the user $runas (a parent directory is closed to it)"
	command -v python3 >/dev/null 2>&1 || die "python3 is needed to pick a free port"

	cd "$dir"
	if ! as_owner "$bindir/initdb" -A trust -U orch --no-sync -E UTF8 --locale=C -D "$dir/data" \
		>"$dir/initdb.log" 2>&1; then
		show_log "$dir/initdb.log"
		die "initdb failed in $dir/data"
	fi
	# a port free now may be taken before the server binds it: try again with another
	tries=0
	while :; do
		port=$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
		opts="-c listen_addresses=127.0.0.1 -p $port -k '$dir' -c fsync=off -c synchronous_commit=off"
		opts="$opts -c full_page_writes=off"
		rm -f "$dir/log"
		as_owner "$bindir/pg_ctl" -w -D "$dir/data" -o "$opts" -l "$dir/log" start >/dev/null 2>&1 &&
			break
		tries=$((tries + 1))
		if [ $tries -ge 5 ] || ! grep -q 'Address already in use' "$dir/log" 2>/dev/null; then
			show_log "$dir/log"
			die "the server did not start (pg_ctl start, port $port; the log is above)"
		fi
	done
	if [ -x "$bindir/createdb" ]; then
		if ! "$bindir/createdb" -h 127.0.0.1 -p "$port" -U orch orch \
			>/dev/null 2>"$dir/createdb.log"; then
			show_log "$dir/createdb.log"
			die "createdb orch failed (port $port)"
		fi
	else
		psql=$bindir/psql
		[ -x "$psql" ] || psql=psql
		if ! "$psql" -X -q -h 127.0.0.1 -p "$port" -U orch -d postgres -c 'CREATE DATABASE orch' \
			>/dev/null 2>"$dir/createdb.log"; then
			show_log "$dir/createdb.log"
			die "CREATE DATABASE orch failed (port $port)"
		fi
	fi
	trap - EXIT HUP INT TERM
	echo "postgresql://orch@127.0.0.1:$port/orch"
}

# undo: start failed half way: stop a server it started and remove what it made
undo() {
	rc=$?
	cd /
	if [ -f "$dir/data/postmaster.pid" ]; then
		as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || :
	fi
	rm -rf "$dir/data" "$dir/log" "$dir/initdb.log" "$dir/createdb.log" "$dir/.pg-cluster"
	[ "$made_dir" = 0 ] || rmdir "$dir" 2>/dev/null || :
	exit "$rc"
}

stop() {
	[ -e "$dir" ] || return 0
	[ -d "$dir" ] || die "DIR '$dir' is not a directory"
	[ -f "$dir/.pg-cluster" ] ||
		die "DIR '$dir' was not made by pg-cluster.sh start (no $dir/.pg-cluster): not removing it"
	dir=$(cd "$dir" && pwd)
	if [ -f "$dir/data/PG_VERSION" ]; then
		owner=$(stat -c %U "$dir/data")
		[ "$(id -u)" != 0 ] || [ "$owner" = root ] || runas=$owner
		cd /
		if [ -f "$dir/data/postmaster.pid" ]; then
			need_server
			# pg_ctl status: 0 running, 3 not running
			st=0
			as_owner "$bindir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1 || st=$?
			if [ $st = 0 ]; then
				as_owner "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 ||
					die "pg_ctl stop failed for $dir/data: the server is still running"
			fi
		fi
	fi
	rm -rf "$dir"
}

$cmd
