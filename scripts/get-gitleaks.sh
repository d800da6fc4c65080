#!/bin/sh
# get-gitleaks.sh: fetch Debian 13 (trixie)'s gitleaks package by name into a
# private directory and print the path of its binary.
#
# The machine's apt configuration is never touched: apt-get runs with a
# private one-line sources list (the mirror host the machine's own sources
# already name, suite trixie, main), no sources.list.d, and private lists
# and cache directories.  Debian 12's archive keyring already holds the
# trixie keys, so the Release file is verified as usual (no trusted=yes).
# Idempotent: an extracted binary that runs is reused.
#
# Usage: scripts/get-gitleaks.sh [DIR]   (default: .cache/gitleaks in the
# project tree, or $ORCH_GITLEAKS_DIR).  Exit 0 and the path on stdout, or
# exit 1 with one line on stderr saying what failed.
set -eu

die() { echo "get-gitleaks: $*" >&2; exit 1; }

top=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-${ORCH_GITLEAKS_DIR:-$top/.cache/gitleaks}}
bin=$dir/root/usr/bin/gitleaks

if [ -x "$bin" ] && "$bin" --help >/dev/null 2>&1; then
	echo "$bin"
	exit 0
fi

command -v apt-get >/dev/null 2>&1 || die "apt-get not found; this script needs a Debian-like system"
command -v dpkg-deb >/dev/null 2>&1 || die "dpkg-deb not found; install dpkg"

# The mirror host the machine already uses (deb822 or one-line format).
mirror=""
for f in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list.d/*.sources; do
	[ -r "$f" ] || continue
	mirror=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)\/\{0,1\}[[:space:]]*$/\1/p;s/^URIs:[[:space:]]*\([^[:space:]]*\/debian\)[[:space:]].*/\1/p' "$f" | head -n 1)
	[ -n "$mirror" ] && break
done
if [ -z "$mirror" ] && [ -r /etc/apt/sources.list ]; then
	mirror=$(awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /^(https?|ftp):\/\/.*\/debian\/?$/) { sub(/\/$/, "", $i); print $i; exit } }' /etc/apt/sources.list)
fi
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || die "$keyring not found; install debian-archive-keyring"

mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/deb"
printf 'deb [signed-by=%s] %s trixie main\n' "$keyring" "$mirror" >"$dir/sources.list"

apt() {
	apt-get -q \
	    -o Dir::Etc::SourceList="$dir/sources.list" \
	    -o Dir::Etc::SourceParts=/dev/null \
	    -o Dir::State::Lists="$dir/lists" \
	    -o Dir::Cache="$dir/cache" \
	    -o Dir::State::Status=/var/lib/dpkg/status \
	    -o APT::Sandbox::User="$(id -un)" \
	    "$@"
}

apt update >"$dir/update.log" 2>&1 ||
	die "apt-get update from $mirror (trixie) failed; see $dir/update.log"
rm -f "$dir"/deb/gitleaks_*.deb
(cd "$dir/deb" && apt download gitleaks) >"$dir/download.log" 2>&1 ||
	die "apt-get download gitleaks failed; see $dir/download.log"
deb=$(ls "$dir"/deb/gitleaks_*.deb 2>/dev/null | head -n 1)
[ -n "$deb" ] || die "no gitleaks .deb after download; see $dir/download.log"
rm -rf "$dir/root"
dpkg-deb -x "$deb" "$dir/root" || die "dpkg-deb -x $deb failed"
[ -x "$bin" ] || die "$deb holds no usr/bin/gitleaks"
"$bin" --help >/dev/null 2>&1 || die "$bin does not run (gitleaks --help failed)"
echo "$bin"
