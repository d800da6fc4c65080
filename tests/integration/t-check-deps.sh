# scripts/check-deps.sh: a missing package is detected and named with the exact apt-get line;
# root (or sudo -n) installs through apt-get.  Nothing is uninstalled or really installed:
# pkg-config, cc, apt-get and sudo are stand-ins.
. "$(dirname "$0")/lib.sh"
CD="$TOP/scripts/check-deps.sh"
expect_rc 0 sh "$CD"
[ -z "$OUT$ERR" ] || fail "all present should be silent: $OUT $ERR"

# pkg-config that knows every module but libcjson
cat >"$TMP/pc" <<'SH'
#!/bin/sh
for a; do [ "$a" = libcjson ] && exit 1; done
exec pkg-config "$@"
SH
chmod +x "$TMP/pc"
PKG_CONFIG="$TMP/pc" ORCH_DEPS_NO_INSTALL=1 expect_rc 1 sh "$CD"
[ "$ERR" = "orch: missing build dependencies (libcjson); run: sudo apt-get install libcjson-dev" ] ||
	fail "not the one line expected: $ERR"
[ -z "$OUT" ] || fail "stdout not empty: $OUT"
PKG_CONFIG="$TMP/pc" CC=no-such-cc ORCH_DEPS_NO_INSTALL=1 expect_rc 1 sh "$CD"
[ "$ERR" = "orch: missing build dependencies (libcjson no-such-cc); run: sudo apt-get install libcjson-dev gcc libc6-dev" ] ||
	fail "missing compiler not named: $ERR"
PKG_CONFIG="$TMP/no-pkg-config" ORCH_DEPS_NO_INSTALL=1 expect_rc 1 sh "$CD"
contains "$ERR" "run: sudo apt-get install pkg-config libsqlite3-dev libcurl4-openssl-dev libcjson-dev libyaml-dev libpq-dev check"

# not root, no password-less sudo: the line, no attempt
cat >"$TMP/apt-get" <<'SH'
#!/bin/sh
echo "apt-get $*" >>"$APT_LOG"
SH
printf '#!/bin/sh\nexit 1\n' >"$TMP/sudo-no"
printf '#!/bin/sh\n[ "$1" = -n ] && shift\necho "sudo $*" >>"$APT_LOG"\nexec "$@"\n' >"$TMP/sudo-yes"
chmod +x "$TMP/apt-get" "$TMP/sudo-no" "$TMP/sudo-yes"
export APT_LOG="$TMP/apt.log" APT_GET="$TMP/apt-get"
PKG_CONFIG="$TMP/pc" ORCH_DEPS_UID=1000 SUDO="$TMP/sudo-no" expect_rc 1 sh "$CD"
[ "$ERR" = "orch: missing build dependencies (libcjson); run: sudo apt-get install libcjson-dev" ] || fail "$ERR"
[ ! -e "$APT_LOG" ] || fail "apt-get ran without root or sudo: $(cat "$APT_LOG")"
# sudo -n works: apt-get through it; the stand-in installs nothing, so the re-check says so
PKG_CONFIG="$TMP/pc" ORCH_DEPS_UID=1000 SUDO="$TMP/sudo-yes" expect_rc 1 sh "$CD"
grep -q "^sudo env DEBIAN_FRONTEND=noninteractive $TMP/apt-get install -y -qq libcjson-dev$" "$APT_LOG" || fail "no sudo apt-get install: $(cat "$APT_LOG")"
contains "$ERR" "orch: apt-get install libcjson-dev did not provide: libcjson; install them by hand"
rm -f "$APT_LOG"
# root: apt-get directly
PKG_CONFIG="$TMP/pc" ORCH_DEPS_UID=0 expect_rc 1 sh "$CD"
grep -q "^apt-get update -qq$" "$APT_LOG" || fail "no apt-get update: $(cat "$APT_LOG")"
grep -q "^apt-get install -y -qq libcjson-dev$" "$APT_LOG" || fail "no apt-get install: $(cat "$APT_LOG")"
lacks "$(cat "$APT_LOG")" sudo

# make stops before compiling anything, with that line
rm -rf "$TMP/b"
PKG_CONFIG="$TMP/pc" ORCH_DEPS_NO_INSTALL=1 expect_rc 2 make -s -C "$TOP" BUILD="$TMP/b" all
contains "$ERR" "orch: missing build dependencies (libcjson); run: sudo apt-get install libcjson-dev"
lacks "$ERR" "Package libcjson was not found"
[ ! -d "$TMP/b/lib" ] || fail "make compiled with a dependency missing"
