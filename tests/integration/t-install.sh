# make install (issue 16): into a temp DESTDIR with a PREFIX unlike /usr/local, every binary, man page,
# systemd unit and the example crontab land under DESTDIR/PREFIX, each unit's ExecStart names
# PREFIX/bin and no unit keeps /usr/local; a PREFIX with '+' and '.' is taken as given, one with a space or
# '&' is refused.  Then `systemd-analyze verify` on units installed with a PREFIX that exists (verify checks
# that ExecStart is executable); without systemd-analyze that part is skipped with a loud line.
. "$(dirname "$0")/lib.sh"
BUILD=$(cd "$BIN/.." && pwd)
if [ ! -f "$BUILD/liborch.a" ]; then
	echo "SKIP t-install: $BIN is not a build dir (valgrind wrappers?); nothing installed" >&2
	exit 0
fi
inst() { make -s --no-print-directory -C "$TOP" BUILD="$BUILD" "$@" install >"$TMP/make.out" 2>&1 ||
	fail "make install $*: $(tail -n 20 "$TMP/make.out")"; }

PFX=/opt/orch+1.0
inst DESTDIR="$TMP/dest" PREFIX="$PFX"
R="$TMP/dest$PFX"
for b in orch orch-advance orch-deploy orch-doctor orch-fix orch-issue orch-poll orch-reconcile orch-scan orch-status orch-work; do
	[ -x "$R/bin/$b" ] || fail "$b not installed in $R/bin"
done
[ -f "$R/share/man/man1/orch.1" ] || fail "man pages not installed"
units=$(ls "$R/lib/systemd/system")
n=0
for u in "$TOP"/cron/*.service "$TOP"/cron/*.timer; do
	name=$(basename "$u")
	f="$R/lib/systemd/system/$name"
	[ -f "$f" ] || fail "unit $name not installed (have: $units)"
	[ "$(stat -c %a "$f")" = 644 ] || fail "$name has mode $(stat -c %a "$f"), not 644"
	lacks "$(cat "$f")" "/usr/local"
	lacks "$(cat "$f")" '$(PREFIX)'
	n=$((n + 1))
done
[ "$n" -ge 14 ] || fail "only $n units in cron/"
for u in "$R"/lib/systemd/system/*.service; do
	exe=$(sed -n 's/^ExecStart=\([^ ]*\).*/\1/p' "$u")
	[ "$exe" = "$PFX/bin/$(basename "$u" .service)" ] || fail "$(basename "$u"): ExecStart runs '$exe', expected $PFX/bin/$(basename "$u" .service)"
	contains "$(cat "$u")" "StateDirectory=orch"
done
contains "$(cat "$R/lib/systemd/system/orch-work.service")" "ExecStart=$PFX/bin/orch-work -q --max-jobs 5"
contains "$(cat "$R/lib/systemd/system/orch-status.service")" "ExecStart=$PFX/bin/orch-status --html /var/www/orch/index.html"
contains "$(cat "$R/share/doc/orch/crontab.example")" "PATH=$PFX/bin:/usr/bin:/bin"
# the source units are untouched by the rewrite
contains "$(cat "$TOP/cron/orch-poll.service")" "ExecStart=/usr/local/bin/orch-poll -q"
# SYSTEMD_UNIT_DIR moves the units only
inst DESTDIR="$TMP/dest2" PREFIX=/usr SYSTEMD_UNIT_DIR=/etc/systemd/system
contains "$(cat "$TMP/dest2/etc/systemd/system/orch-scan.service")" "ExecStart=/usr/bin/orch-scan -q --main"
[ -x "$TMP/dest2/usr/bin/orch-scan" ] || fail "PREFIX=/usr: binaries not in /usr/bin"

# a PREFIX that a unit file or the recipe cannot carry as it is: refused, nothing installed
make -s --no-print-directory -C "$TOP" BUILD="$BUILD" DESTDIR="$TMP/dest3" PREFIX='/opt/a b&c' install >"$TMP/make.out" 2>&1 &&
	fail "make install took PREFIX='/opt/a b&c'"
contains "$(cat "$TMP/make.out")" "install: DESTDIR, PREFIX, SYSTEMD_UNIT_DIR and DOC_DIR may hold only letters"
[ ! -e "$TMP/dest3" ] || fail "a refused install left files: $(find "$TMP/dest3" | head -5)"

# systemd's own check, on units whose ExecStart exists: installed with the temp dir as PREFIX
if ! command -v systemd-analyze >/dev/null 2>&1; then
	echo "SKIP systemd-analyze verify: systemd-analyze is not installed (apt-get install systemd); the units are NOT verified" >&2
	echo "systemd-analyze: SKIPPED (not installed) - units not verified"
	exit 0
fi
inst PREFIX="$TMP/prefix"
U="$TMP/prefix/lib/systemd/system"
systemd-analyze verify "$U"/*.service "$U"/*.timer >"$TMP/verify.out" 2>&1 ||
	fail "systemd-analyze verify failed: $(cat "$TMP/verify.out")"
# warnings (an unknown key, a bad value) exit 0: any output at all is a failure here
[ ! -s "$TMP/verify.out" ] || fail "systemd-analyze verify complained: $(cat "$TMP/verify.out")"
# and the check is real: a unit whose ExecStart is missing fails it
sed 's|^ExecStart=[^ ]*|ExecStart=/nonexistent/orch-poll|' "$U/orch-poll.service" >"$TMP/orch-poll.service"
systemd-analyze verify "$TMP/orch-poll.service" >/dev/null 2>&1 && fail "systemd-analyze verify passed a unit with a missing ExecStart"
echo "systemd-analyze verify: $(ls "$U" | wc -l) units ok"
