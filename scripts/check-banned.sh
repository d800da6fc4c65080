#!/bin/sh
# Banned calls (SPEC section 14, docs/STYLE.md): only lib/proc.c may create
# processes; nothing calls system() or popen(); unsafe string and number
# functions are not used anywhere.  Exits 1 naming each offending line.
cd "$(dirname "$0")/.." || exit 70
status=0
files=$(ls lib/*.c lib/*.h cmd/*.c tests/unit/*.c 2>/dev/null)
for f in $files; do
	if [ "$f" != lib/proc.c ]; then
		if grep -nE '\b(fork|vfork|execv|execvp|execvpe|execve|execl|execlp|execle|posix_spawnp?)[[:space:]]*\(' "$f"; then
			echo "banned: $f creates a process; only lib/proc.c may (use proc_run)" >&2
			status=1
		fi
	fi
	if grep -nE '\b(system|popen|sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets)[[:space:]]*\(' "$f" |
	    grep -vE '(snprintf|vsnprintf)'; then
		echo "banned: $f uses system/popen or an unsafe string/number call" >&2
		status=1
	fi
done
[ $status -eq 0 ] && echo "banned-call check: ok"
exit $status
