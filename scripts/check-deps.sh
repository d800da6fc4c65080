#!/bin/sh
# The build dependencies, checked before make builds anything (make deps; make
# demo and make check run it first).  All present: silent, exit 0.  Missing ones
# are installed with apt-get when run as root (or through `sudo -n` when that
# works without a password); otherwise one line names the exact command to run
# and the exit is 1.
#
# Environment: PKG_CONFIG (default pkg-config), CC (default cc);
# ORCH_DEPS_NO_INSTALL=1 never installs, only names the command;
# APT_GET (default apt-get), SUDO (default sudo) and ORCH_DEPS_UID (default
# id -u) let tests take each path without installing anything.
PKG_CONFIG=${PKG_CONFIG:-pkg-config}
CC=${CC:-cc}
APT_GET=${APT_GET:-apt-get}
SUDO=${SUDO:-sudo}

# pkg-config module -> the Debian package that provides it
modules="sqlite3:libsqlite3-dev libcurl:libcurl4-openssl-dev libcjson:libcjson-dev yaml-0.1:libyaml-dev libpq:libpq-dev check:check"

missing() {
	pkgs="" names=""
	if command -v "$PKG_CONFIG" >/dev/null 2>&1; then
		have_pc=1
	else
		have_pc=0
		pkgs="pkg-config" names="pkg-config"
	fi
	for m in $modules; do
		mod=${m%%:*} pkg=${m#*:}
		if [ $have_pc = 0 ] || ! "$PKG_CONFIG" --exists "$mod" 2>/dev/null; then
			pkgs="$pkgs $pkg" names="$names $mod"
		fi
	done
	command -v "$CC" >/dev/null 2>&1 || { pkgs="$pkgs gcc libc6-dev"; names="$names $CC"; }
	command -v git >/dev/null 2>&1 || { pkgs="$pkgs git"; names="$names git"; }
	command -v python3 >/dev/null 2>&1 || { pkgs="$pkgs python3"; names="$names python3"; }
	pkgs=${pkgs# } names=${names# }
}

missing
[ -z "$pkgs" ] && exit 0
how=""
if [ "${ORCH_DEPS_NO_INSTALL:-0}" != 1 ] && command -v "$APT_GET" >/dev/null 2>&1; then
	if [ "${ORCH_DEPS_UID:-$(id -u)}" = 0 ]; then
		how=""
	elif command -v "$SUDO" >/dev/null 2>&1 && "$SUDO" -n true 2>/dev/null; then
		how="$SUDO -n"
	else
		how=none
	fi
else
	how=none
fi
if [ "$how" = none ]; then
	echo "orch: missing build dependencies ($names); run: sudo apt-get install $pkgs" >&2
	exit 1
fi
echo "orch: installing missing build dependencies: $pkgs" >&2
$how "$APT_GET" update -qq >&2 &&
	$how env DEBIAN_FRONTEND=noninteractive "$APT_GET" install -y -qq $pkgs >&2	# env: sudo drops the caller's
want=$pkgs
missing
if [ -n "$pkgs" ]; then
	echo "orch: apt-get install $want did not provide: $names; install them by hand: sudo apt-get install $pkgs" >&2
	exit 1
fi
exit 0
