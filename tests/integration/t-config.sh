# Config errors exit 78 naming file, line and key; env overrides; secrets refused in the file.
. "$(dirname "$0")/lib.sh"
mkdir -p "$ORCH_HOME"
printf 'tracker: local\nmax_developer_retries: lots\n' >"$ORCH_HOME/orch.yaml"
expect_rc 78 orch-advance --all
contains "$ERR" "orch-advance: $ORCH_HOME/orch.yaml:2: key 'max_developer_retries': 'lots' is not an integer"
printf 'projects:\n  - key: DEMO\n    repo: /x\n    ci_cmd: make test\n' >"$TMP/c.yaml"
expect_rc 78 orch-issue --config "$TMP/c.yaml" list
contains "$ERR" "$TMP/c.yaml:4: key 'ci_cmd': expected a list of strings"
printf 'projects: [\n' >"$TMP/c.yaml"
expect_rc 78 orch-advance --config "$TMP/c.yaml" --all
contains "$ERR" "invalid YAML"
printf 'plane_api_token: s3cr3t\n' >"$TMP/c.yaml"
expect_rc 78 orch-advance --config "$TMP/c.yaml" --all
contains "$ERR" "secrets are not read from the config file"
lacks "$ERR" "s3cr3t"
expect_rc 78 orch-advance --config "$TMP/missing.yaml" --all
contains "$ERR" "cannot read config"
printf 'tracker: local\n' >"$ORCH_HOME/orch.yaml"
ORCH_WORK_SLOTS=0 expect_rc 78 orch-advance --all
contains "$ERR" "environment ORCH_WORK_SLOTS: '0' is not an integer in 1..64"
expect_rc 0 orch-advance --all
ORCH_TRACKER=bogus expect_rc 78 orch-advance --all
contains "$ERR" "environment ORCH_TRACKER: 'bogus' is not one of local, plane; fix or unset it"
lacks "$ERR" "orch.yaml"

# A project without tracker: takes the global one as it stands after the whole file and the environment.
git init -q "$TMP/trk"
printf 'projects:\n  - key: TRK\n    repo: %s\ntracker: plane\n' "$TMP/trk" >"$TMP/trk.yaml"
expect_rc 78 orch-issue --config "$TMP/trk.yaml" list
contains "$ERR" "project 'TRK' uses tracker plane"
printf 'tracker: PLANE\nprojects:\n  - key: TRK\n    repo: %s\n' "$TMP/trk" >"$TMP/trk.yaml"
expect_rc 78 orch-issue --config "$TMP/trk.yaml" list	# any case, as the global check takes it
contains "$ERR" "project 'TRK' uses tracker plane"
printf 'projects:\n  - key: TRK\n    repo: %s\n' "$TMP/trk" >"$TMP/trk.yaml"
expect_rc 0 orch-issue --config "$TMP/trk.yaml" list
ORCH_TRACKER=plane expect_rc 78 orch-issue --config "$TMP/trk.yaml" list
contains "$ERR" "project 'TRK' uses tracker plane"
printf 'projects:\n  - key: TRK\n    repo: %s\n    tracker: local\n' "$TMP/trk" >"$TMP/trk.yaml"
ORCH_TRACKER=plane expect_rc 0 orch-issue --config "$TMP/trk.yaml" list

# A bad value names its own line, not its project's; what a project lacks names the project's line.
bad() {	# file-text line key message
	printf "$1" >"$TMP/bad.yaml"
	expect_rc 78 orch-issue list --config "$TMP/bad.yaml"
	contains "$ERR" "$TMP/bad.yaml:$2: key '$3': $4"
}
bad 'projects:\n  - key: A\n    remote: origin\n    repo: rel/path\n' 4 repo "project needs repo: an absolute path"
bad 'projects:\n  - repo: /a\n    key: demo\n' 3 key "project key 'demo' is not valid"
bad 'projects:\n  - key: A\n    repo: /a\n    tracker: jira\n' 4 tracker "'jira' is not local or plane"
bad 'projects:\n  - repo: /a\n    ci_cmd: ["true"]\n' 2 key "project needs key: its work items are KEY-N"
bad 'projects:\n  - key: A\n    repo: /a\n  - key: B\n    repo: /b\n  - key: A\n    repo: /c\n' 6 key \
    "project 'A' (first at line 2) is defined twice"
# branch and remote names git would refuse, or read as an option, stop at load, not at the first gate
for name in 'a..b' 'has space' '-x' '--upload-pack=touch pwned' '.hidden' 'x.lock' 'a@{1}' 'a~1' 'a:b' 'a//b' 'a/' '@'; do
	bad "projects:\n  - key: A\n    repo: /a\n    main_branch: '$name'\n" 4 main_branch "'$name' is not a usable git name"
	bad "projects:\n  - key: A\n    repo: /a\n    remote: '$name'\n" 4 remote "'$name' is not a usable git name"
done
[ ! -e pwned ] && [ ! -e "$TMP/pwned" ] || fail "a remote name ran as an option"
printf 'projects:\n  - key: TRK\n    repo: %s\n    main_branch: release/2.x\n    remote: up_stream-1\n' "$TMP/trk" >"$TMP/ok.yaml"
expect_rc 0 orch-issue list --config "$TMP/ok.yaml"

# Hostile or careless config: duplicate keys anywhere, unsafe owner or mode, not a regular file, too big, too deep.
dup() {	# file-text key first second
	printf "$1" >"$TMP/dup.yaml"
	expect_rc 78 orch-issue list --config "$TMP/dup.yaml"
	contains "$ERR" "$TMP/dup.yaml:$4: key '$2' is given twice (lines $3 and $4); keep one"
}
dup 'tracker: local\nwork_slots: 2\ntracker: plane\n' tracker 1 3
dup 'projects:\n  - key: A\n    repo: /a\nprojects:\n  - key: B\n    repo: /b\n  - key: C\n    repo: /c\n' projects 1 4
dup 'projects:\n  - key: A\n    repo: /a\n    remote: origin\n    repo: /b\n' repo 3 5
dup 'projects:\n  - key: A\n    repo: /a\n    agents:\n      x: ["a"]\n    agents:\n      y: ["b"]\n      z: ["c"]\n' agents 4 6
dup 'projects:\n  - key: A\n    repo: /a\n    agents:\n      dev: ["a"]\n      dev: ["b"]\n' dev 5 6

printf 'tracker: local\n' >"$TMP/safe.yaml"
chmod 664 "$TMP/safe.yaml"
expect_rc 78 orch-advance --all --config "$TMP/safe.yaml"
contains "$ERR" "config '$TMP/safe.yaml' is writable by group or others (mode 664)"
contains "$ERR" "run: chmod go-w '$TMP/safe.yaml'"
chmod 602 "$TMP/safe.yaml"
expect_rc 78 orch-status --config "$TMP/safe.yaml"
contains "$ERR" "writable by group or others (mode 602)"
# doctor runs anyway and names the fix as a FAIL line
expect_rc 1 orch-doctor --config "$TMP/safe.yaml"
contains "$OUT" "FAIL config: config '$TMP/safe.yaml' is writable by group or others (mode 602)"
contains "$OUT" "chmod go-w"
chmod 600 "$TMP/safe.yaml"
expect_rc 0 orch-advance --all --config "$TMP/safe.yaml"
if [ "$(id -u)" = 0 ]; then
	chown 65534 "$TMP/safe.yaml"
	expect_rc 78 orch-advance --all --config "$TMP/safe.yaml"
	contains "$ERR" "is owned by uid 65534, neither you (uid 0) nor root"
	contains "$ERR" "run: chown 0 '$TMP/safe.yaml'"
	chown 0 "$TMP/safe.yaml"
else
	owned=$(find /etc /usr/share -maxdepth 2 -type f -user root 2>/dev/null | head -1)
	echo "t-config: not root: config owned by another user checked only for root-owned files ($owned)"
fi

# a FIFO nobody writes to must not block (timeout is the failure, not the synchronisation)
mkfifo "$TMP/fifo.yaml"
expect_rc 78 timeout 20 orch-issue list --config "$TMP/fifo.yaml"
contains "$ERR" "config '$TMP/fifo.yaml' is not a regular file (a FIFO)"
expect_rc 78 orch-issue list --config "$TMP"
contains "$ERR" "is not a regular file (a directory)"
mv "$ORCH_HOME/orch.yaml" "$TMP/keep.yaml"
mkfifo "$ORCH_HOME/orch.yaml"
expect_rc 78 timeout 20 orch-advance --all
contains "$ERR" "is not a regular file (a FIFO)"
rm "$ORCH_HOME/orch.yaml"
mv "$TMP/keep.yaml" "$ORCH_HOME/orch.yaml"

# size cap before parsing; nesting cap while parsing (libyaml events), both fast
python3 -c 'import sys; sys.stdout.write("# " + "x" * (1024 * 1024) + "\n")' >"$TMP/big.yaml"
expect_rc 78 orch-issue list --config "$TMP/big.yaml"
contains "$ERR" "over the limit of 1048576"
python3 -c 'import sys; sys.stdout.write("x: " + "[" * 200000 + "]" * 200000 + "\n")' >"$TMP/deep.yaml"
expect_rc 78 orch-issue list --config "$TMP/deep.yaml"
contains "$ERR" "$TMP/deep.yaml:1: nested more than 32 levels deep"
printf 'projects:\n' >"$TMP/deep2.yaml"
i=0; ind=''; while [ $i -lt 40 ]; do printf '%s- \n' "$ind" >>"$TMP/deep2.yaml"; ind="$ind  "; i=$((i + 1)); done
expect_rc 78 orch-issue list --config "$TMP/deep2.yaml"
contains "$ERR" "nested more than 32 levels deep"
