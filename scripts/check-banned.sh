#!/bin/sh
# Banned calls (SPEC section 14, docs/STYLE.md).
#
# 1. The one-spawner rule, on the compiled objects: only BUILD/lib/proc.o may
#    reference a symbol that creates a process or runs a shell (fork, vfork,
#    clone, the exec family, posix_spawn, system, popen, syscall).  nm sees
#    every reference the linker resolves, so a call through a function
#    pointer (`f = fork; f();`) or a macro counts exactly like a direct one,
#    which a grep of the sources walks past.  Every object of the library,
#    the commands and the unit suites is checked.
# 2. Unsafe string and number calls, on the sources: sprintf, strcpy, strcat,
#    strtok, atoi, atol, gets (the compiler may inline or rename these, so
#    their symbols are no evidence either way).
#
# usage: check-banned.sh [BUILD]   (default build; its lib/, cmd/ and tests/ objects)
# Exits 1 naming each offender and what to do; 2 when there are no objects to check.
set -u
top=$(cd "$(dirname "$0")/.." && pwd) || exit 70
build=${1:-$top/build}
NM=${NM:-nm}
BANNED_SYMS='fork vfork _Fork clone clone3 __clone __clone2 execl execle execlp execv execve execvp execvpe
	execveat fexecve posix_spawn posix_spawnp system popen syscall'
status=0
objs=$(ls "$build"/lib/*.o "$build"/cmd/*.o "$build"/tests/*.o 2>/dev/null)
if [ -z "$objs" ] || [ ! -f "$build/lib/proc.o" ]; then
	echo "banned: no objects under $build/lib (or no $build/lib/proc.o): build first (make all)" >&2
	exit 2
fi
for o in $objs; do
	[ "$o" = "$build/lib/proc.o" ] && continue
	if ! syms=$($NM -u "$o" 2>&1); then
		echo "banned: cannot read $o with $NM: $syms" >&2
		status=1
		continue
	fi
	hits=$(printf '%s\n' "$syms" | awk -v banned="$BANNED_SYMS" '
		BEGIN { n = split(banned, b, /[ \t\n]+/); for (i = 1; i <= n; i++) if (b[i] != "") ban[b[i]] = 1 }
		{ s = $NF; sub(/@.*/, "", s); if (s in ban) printf " %s", s }')
	if [ -n "$hits" ]; then
		echo "banned: $o references$hits: only lib/proc.c may create processes (use proc_run)" >&2
		status=1
	fi
done
cd "$top" || exit 70
for f in $(ls lib/*.c lib/*.h cmd/*.c tests/unit/*.c 2>/dev/null); do
	if grep -nE '\b(system|popen|sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets)[[:space:]]*\(' "$f" |
	    grep -vE '(snprintf|vsnprintf)'; then
		echo "banned: $f uses system/popen or an unsafe string/number call (snprintf, str_copy, num_parse instead)" >&2
		status=1
	fi
done
[ $status -eq 0 ] && echo "banned-call check: ok ($(printf '%s\n' $objs | wc -l) objects, only lib/proc.o creates processes)"
exit $status
