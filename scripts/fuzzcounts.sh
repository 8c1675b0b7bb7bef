#!/usr/bin/env bash
# Runs every fuzz target of the module for 30 s (FUZZTIME to change it),
# one at a time, and prints how many inputs each executed: each should
# reach 10,000. Run it on a quiet machine: the counts scale with the CPU
# it gets, and the load average is printed before each target.
# Usage: scripts/fuzzcounts.sh [PATTERN]  (only targets whose name matches)
set -uo pipefail
cd "$(dirname "$0")/.."

fuzztime=${FUZZTIME:-30s}
pattern=${1:-.}
logs=$(mktemp -d)
status=0
printf '%-36s %-28s %10s  %s\n' TARGET PACKAGE EXECS "LOAD (1 5 15 min)"
while IFS=: read -r file _ decl; do
	name=${decl#func }
	name=${name%%(*}
	[[ $name =~ $pattern ]] || continue
	pkg=./$(dirname "${file#./}")
	load=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || uptime)
	log=$logs/$name.log
	go test "$pkg" -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" >"$log" 2>&1 </dev/null
	rc=$?
	execs=$(grep -E '^fuzz: elapsed: .*execs: [0-9]+' "$log" | tail -1 | sed -E 's/.*execs: ([0-9]+).*/\1/')
	execs=${execs:-0}
	if [ "$rc" -ne 0 ]; then
		execs="$execs FAILED ($log)"
		status=1
	fi
	printf '%-36s %-28s %10s  %s\n' "$name" "$pkg" "$execs" "$load"
done < <(grep -rn '^func Fuzz' --include='*_test.go' . | sort)
exit $status
