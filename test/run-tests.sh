#!/bin/sh
# Run CUnit test binaries one after another, print each one's summary, and
# close with one total line: "TIER: N passed, N failed".
# Exit status is non-zero if any test failed or any binary did not finish.
set -u
tier=$1
shift
passed=0
failed=0
broken=0
for t in "$@"; do
	out=$("$t" 2>&1)
	rc=$?
	printf '%s\n' "$out"
	# CUnit's run summary: "tests  <total> <ran> <passed> <failed> <inactive>"
	line=$(printf '%s\n' "$out" | awk '$1 == "tests" && NF >= 5 { print $3, $4, $5 }' | tail -n 1)
	if [ -z "$line" ]; then
		echo "$tier: $t ended without a CUnit summary (exit status $rc)"
		broken=$((broken + 1))
		continue
	fi
	p=$(echo "$line" | cut -d' ' -f2)
	f=$(echo "$line" | cut -d' ' -f3)
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		echo "$tier: $t exited with status $rc"
		broken=$((broken + 1))
	fi
done
failed=$((failed + broken))
echo "$tier: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
