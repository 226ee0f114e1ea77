# SPDX-License-Identifier: BSD-3-Clause
# Shared by the tools' shell tests (sourced after setting BIN): counters, a
# scratch directory, and running the tool under test.
#   ok WHAT / not_ok WHAT [DETAIL]   count a result
#   run ARGS...                      $BIN's stdout, stderr, status in $tmp/out, $tmp/err, $rc
#   expect_rc WHAT CODE              after run
#   pycheck WHAT PYTHON              assertions on the JSON in $tmp/out
#   expect_version TOOL              after run --version: "TOOL X.Y.Z" alone, exit 0
#   cli_summary                      "N passed, N failed" and the exit status

pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

ok() {
	pass=$((pass + 1))
	echo "ok   $1"
}

not_ok() {
	fail=$((fail + 1))
	echo "FAIL $1"
	if [ $# -gt 1 ]; then
		printf '%s\n' "$2" | sed 's/^/     | /'
	fi
}

run() {
	"$BIN" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

expect_rc() {
	if [ "$rc" -eq "$2" ]; then
		ok "$1: exit $2"
	else
		not_ok "$1: exit $rc, wanted $2" "$(tail -n 5 "$tmp/err")"
	fi
}

# pycheck WHAT PYTHON: PYTHON runs with d = the JSON document in $tmp/out and
# must print nothing and exit 0 (assert with a message).
pycheck() {
	if msg=$(python3 -c "import json,sys
d = json.load(open(sys.argv[1]))
$2" "$tmp/out" 2>&1); then
		ok "$1"
	else
		not_ok "$1" "$msg"
	fi
}

# The version in the Makefile (VERSION_MAJOR/MINOR/PATCH), where the tools get theirs.
make_version() {
	v=
	for f in MAJOR MINOR PATCH; do
		v="$v${v:+.}$(sed -n "s/^VERSION_$f := *//p" "$root/Makefile")"
	done
	echo "$v"
}

expect_version() {
	want="$1 $(make_version)"
	if [ "$rc" -eq 0 ] && [ "$(cat "$tmp/out")" = "$want" ] && [ ! -s "$tmp/err" ]; then
		ok "--version: '$want' on stdout, exit 0"
	else
		not_ok "--version: exit $rc, wanted 0 and '$want' alone on stdout" \
			"$(cat "$tmp/out" "$tmp/err")"
	fi
}

cli_summary() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
