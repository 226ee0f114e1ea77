#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Runs each example program with no arguments (the software controller,
# trtype:sim); one passes when it exits 0 within a minute.
#
#   test/examples/run.sh [PROGRAM...]     (default: build/examples/*)
#
# The last line is "examples: N passed, N failed".
set -u
root=$(cd "$(dirname "$0")/../.." && pwd)
[ $# -gt 0 ] || set -- "$root"/build/examples/*
pass=0
fail=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for p in "$@"; do
	name=$(basename "$p")
	if [ ! -x "$p" ]; then
		echo "FAIL $name: not built ($p)"
		fail=$((fail + 1))
		continue
	fi
	timeout 60 "$p" >"$out" 2>&1
	rc=$?
	if [ "$rc" -eq 0 ]; then
		echo "ok   $name: $(tail -n 1 "$out")"
		pass=$((pass + 1))
	else
		echo "FAIL $name: exit status $rc"
		sed 's/^/     | /' "$out"
		fail=$((fail + 1))
	fi
done
echo "examples: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
