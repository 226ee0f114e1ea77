#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# pnvme-perf against the software controller (trtype:sim), a second or two per
# run: --json contents and consistency, the table and -L/-LL, --verify,
# threads, -d, --rate, warm-up, the progress line, I/O errors, invalid
# completions (a device breaking the protocol), and the usage errors (exit
# status 2, one line on stderr). Figures are only checked for consistency,
# never against a speed, except --rate, whose whole point is the rate.
#
#   test/perf/perf_test.sh [path/to/pnvme-perf]
#
# The last line is "N passed, N failed"; the exit status is 1 if any failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BIN=${1:-$root/build/bin/pnvme-perf}

. "$root/test/cli_lib.sh"


# usage WHAT WORD ARGS...: exit 2, and stderr is one line naming the problem.
usage() {
	what=$1 word=$2
	shift 2
	run "$@"
	n=$(wc -l <"$tmp/err")
	if [ "$rc" -eq 2 ] && [ "$n" -eq 1 ] && grep -q "^pnvme-perf: .*$word" "$tmp/err"; then
		ok "usage: $what: exit 2, one line naming it"
	else
		not_ok "usage: $what: exit $rc, $n line(s), wanted 2 and one line with '$word'" \
			"$(cat "$tmp/err")"
	fi
}

if [ ! -x "$BIN" ]; then
	echo "FAIL $BIN is missing: build it with make"
	echo "0 passed, 1 failed"
	exit 1
fi
ncpus=$(python3 -c 'import os; print(len(os.sched_getaffinity(0)))')
# A mask of the first two CPUs this process may use, and their numbers.
mask2=$(python3 -c 'import os; c = sorted(os.sched_getaffinity(0))[:2]; print(hex(sum(1 << x for x in c)))')
cpus2=$(python3 -c 'import os; print(sorted(os.sched_getaffinity(0))[:2])')

# Checks that hold for every JSON document of the tool.
CONSISTENT="
t = d['total']
rows = d['namespaces']
assert t['name'] == 'Total', t['name']
assert t['iops'] > 0 and t['ios'] > 0, (t['iops'], t['ios'])
assert t['ios'] == sum(r['ios'] for r in rows), ('rows', t['ios'], [r['ios'] for r in rows])
assert t['ios'] == sum(r['ios'] for r in d['threads']), 'thread rows'
assert t['reads'] + t['writes'] == t['ios'], (t['reads'], t['writes'])
assert d['elapsed_s'] > 0 and abs(t['iops'] * d['elapsed_s'] - t['ios']) <= 0.01 * t['ios'] + 1
assert abs(t['mib_per_s'] - t['iops'] * d['config']['io_size'] / 1048576) <= 0.01 * t['mib_per_s'] + 0.01
for r in rows + d['threads'] + [t]:
    l = r['lat_us']
    if r['ios'] == 0:
        continue
    assert 0 < l['min'] <= l['p50'] <= l['p90'] <= l['p99'] <= l['p99_9'] <= l['p99_99'] <= l['max'], (r['name'], l)
    assert l['min'] <= l['avg'] <= l['max'], (r['name'], l)
    c = r['cpu_ns_per_io']
    if d['config']['cpu_time']:
        assert c['submit'] > 0 and c['complete'] > 0, (r['name'], c)
        assert abs(c['total'] - c['submit'] - c['complete']) < 0.2, c
    else:
        assert c is None, c
assert t['errors'] == 0 and d['errors'] == 0 and t['verify_failures'] == 0, t
assert t['invalid_completions'] == 0 and d['invalid_completions'] == 0, t
for k in ('workload', 'queue_depth', 'io_size', 'read_pct', 'seconds', 'warmup_s', 'max_ios',
          'rate_iops', 'threads', 'cores', 'qpairs_per_ns', 'verify', 'batch', 'controllers'):
    assert k in d['config'], k
"

# ---------------------------------------------------------------- --help
run --help
expect_rc "--help" 0
missing=
for o in -r -q -o -w -M -t -a -d -n -c -P -L --rate --no-cpu-time --verify --json --batch \
	--no-shadow-doorbells --queue-size --help; do
	grep -Eq -- "^ +(-[A-Za-z], )?$o[ ,=]" "$tmp/out" || missing="$missing $o"
done
if [ -z "$missing" ]; then
	ok "--help documents every option"
else
	not_ok "--help misses:$missing"
fi

# ---------------------------------------------------------------- --json at QD 32
run -r "trtype:sim" -q 32 -t 1 --json
expect_rc "json QD 32" 0
if python3 -m json.tool <"$tmp/out" >/dev/null 2>&1; then
	ok "json QD 32: one document that json.load reads"
else
	not_ok "json QD 32: does not parse" "$(head -c 2000 "$tmp/out")"
fi
pycheck "json QD 32: numbers consistent" "$CONSISTENT
assert d['config']['queue_depth'] == 32 and d['config']['workload'] == 'randread'
assert len(rows) == 1 and rows[0]['name'].endswith(' ns 1'), rows
assert 'histogram' not in t, 'no histogram without -LL'
assert d['rate'] is None
"
if grep -q '"name": "Total".*"iops": [0-9]' "$tmp/out"; then
	ok "json QD 32: the Total row and its iops on one line (make bench reads it so)"
else
	not_ok "json QD 32: no line with the Total name and its iops"
fi

# ---------------------------------------------------------------- -LL in JSON, QD 1
run -r "trtype:sim" -q 1 -t 1 --json -LL
expect_rc "json -LL QD 1" 0
pycheck "json -LL QD 1: histograms under every row and the total add up" "$CONSISTENT
for r in rows + d['threads'] + [t]:
    h = r['histogram']
    assert sum(b['count'] for b in h) == r['ios'], (r['name'], sum(b['count'] for b in h), r['ios'])
    assert all(b['count'] > 0 and b['lo_us'] < b['hi_us'] for b in h), 'empty or inverted bucket'
    assert all(a['hi_us'] <= b['lo_us'] for a, b in zip(h, h[1:])), 'buckets out of order'
    assert h[0]['lo_us'] <= r['lat_us']['min'] and r['lat_us']['max'] < h[-1]['hi_us'] + 0.001
"

# ---------------------------------------------------------------- the table, -L, -LL
run -r "trtype:sim" -q 32 -t 1 -LL
expect_rc "table -LL" 0
if grep -q '^ *CPU  *Namespace  *IOPS' "$tmp/out" && grep -q '^  *Total  *[0-9]' "$tmp/out" &&
	grep -q 'p99.99' "$tmp/out" && grep -q '^Latency histogram: Total' "$tmp/out" &&
	grep -q 'sub(ns)' "$tmp/out"; then
	ok "table -LL: header, Total row, percentiles, histogram, cpu columns"
else
	not_ok "table -LL: something missing" "$(head -30 "$tmp/out")"
fi
if grep -q "$(printf '\r')" "$tmp/err" || grep -q 'IOPS' "$tmp/err"; then
	not_ok "no progress line when stderr is not a terminal" "$(cat "$tmp/err")"
else
	ok "no progress line when stderr is not a terminal"
fi

# ---------------------------------------------------------------- progress on a terminal
if script -qec "true" /dev/null >/dev/null 2>&1; then
	script -qec "'$BIN' -r trtype:sim -q 4 -t 2 >/dev/null" /dev/null >"$tmp/tty" 2>&1
	if grep -q 'IOPS.*MiB/s.*errors' "$tmp/tty"; then
		ok "progress line each second when stderr is a terminal"
	else
		not_ok "no progress line on a terminal" "$(cat "$tmp/tty")"
	fi
else
	ok "progress on a terminal: skipped (no script(1))"
fi

# ---------------------------------------------------------------- --verify
run -r "trtype:sim" -q 16 -w randrw -M 50 -t 2 --verify --json
expect_rc "verify randrw" 0
pycheck "verify randrw: reads checked, 0 mismatches" "$CONSISTENT
assert t['verified'] > 0, 'nothing verified'
assert t['verify_failures'] == 0 and d['verify_failures'] == 0
assert t['reads'] > 0 and t['writes'] > 0
"
run -r "trtype:sim ns=2" -q 8 -w randrw -M 70 -t 1 -P 2 --verify
expect_rc "verify table, 2 namespaces x 2 qpairs" 0
if grep -q 'verify: [1-9][0-9]* reads checked, 0 mismatches' "$tmp/out"; then
	ok "verify table: '0 mismatches'"
else
	not_ok "verify table: no '0 mismatches' line" "$(tail -5 "$tmp/out")"
fi

# ---------------------------------------------------------------- threads
if [ "$ncpus" -ge 2 ]; then
	run -r "trtype:sim" -q 8 -t 1 -n 2 --json
	expect_rc "threads -n 2" 0
	pycheck "threads -n 2: a row per thread, on two CPUs" "$CONSISTENT
assert d['config']['threads'] == 2, d['config']
assert sorted(r['thread'] for r in rows) == [0, 1], rows
assert len(d['threads']) == 2 and all(r['ios'] > 0 for r in d['threads']), d['threads']
assert len(set(r['core'] for r in d['threads'])) == 2, 'both threads on one CPU'
"
	run -r "trtype:sim ns=2" -r "trtype:sim" -q 4 -t 1 -c "$mask2" -P 2 --json
	expect_rc "threads -c $mask2, two controllers, three namespaces, -P 2" 0
	pycheck "threads -c $mask2: thread x namespace rows" "$CONSISTENT
assert d['config']['cores'] == $cpus2, d['config']['cores']
assert len(rows) == 6, [r['name'] for r in rows]
assert len(d['config']['controllers']) == 2
assert all(r['ios'] > 0 for r in rows), rows
"
else
	ok "threads: skipped (one CPU)"
fi

# ---------------------------------------------------------------- -d, -a
run -r "trtype:sim" -q 32 -t 10 -d 1000 --json
expect_rc "-d 1000" 0
pycheck "-d 1000: stops at 1000 I/Os or a few more" "$CONSISTENT
assert 1000 <= t['ios'] <= 1000 + 32, t['ios']
assert d['elapsed_s'] < 9, d['elapsed_s']
"
run -r "trtype:sim" -q 8 -t 1 -a 1 --json
expect_rc "-a 1 -t 1" 0
pycheck "-a 1: the warm-up is not in the measured time" "$CONSISTENT
assert 0.9 < d['elapsed_s'] < 1.5, d['elapsed_s']
assert d['config']['warmup_s'] == 1
"

# ---------------------------------------------------------------- --rate
run -r "trtype:sim" -q 32 --rate 2000 -t 2 --json
expect_rc "--rate 2000 -t 2" 0
pycheck "--rate 2000: about 2000 IOPS (within 20%)" "$CONSISTENT
assert 1600 <= t['iops'] <= 2400, t['iops']
assert d['rate']['target_iops'] == 2000 and d['config']['open_loop'] is True, d['rate']
assert abs(d['rate']['achieved_iops'] - t['iops']) < 1
"
run -r "trtype:sim" -q 16 --rate 1000 -t 1 --no-cpu-time --json
expect_rc "--rate 1000 --no-cpu-time" 0
pycheck "--no-cpu-time: cpu figures null" "$CONSISTENT
assert t['cpu_ns_per_io'] is None and d['config']['cpu_time'] is False
"

# ---------------------------------------------------------------- a large depth
# 32768 tasks and buffers (128 MiB of them) and a 32769-entry queue: set-up is
# linear and keeps the admin queue polled, so the controller's keep-alive timer
# does not run out (one allocation per buffer took long enough for it to).
run -r "trtype:sim mqes=65535" -q 32768 -t 1 --json
expect_rc "-q 32768" 0
pycheck "-q 32768: I/O done, no errors" "$CONSISTENT
assert d['config']['queue_depth'] == 32768
"

# ---------------------------------------------------------------- usage errors
usage "unknown workload" "workload" -w foo
usage "QD 0" "queue depth" -q 0
usage "-M over 100" "-M" -w randrw -M 101
usage "bad core mask" "core mask" -c 0xzz
usage "empty core mask" "core mask" -c 0
usage "more threads than CPUs" "threads" -n $((ncpus + 1))
usage "unknown option" "unknown option" --frobnicate
usage "missing value" "needs a value" -q
usage "--rate 0" "rate" --rate 0
usage "-n and -c" "not both" -n 1 -c 1
# The sector size is known only once the controller is up: the tool's line is the last.
run -r "trtype:sim lba=4096" -o 512 -t 1
last=$(tail -n 1 "$tmp/err")
if [ "$rc" -eq 2 ] && printf '%s\n' "$last" | grep -q '^pnvme-perf: .*512.*sector size 4096'; then
	ok "usage: I/O size not a multiple of the sector size: exit 2, named last"
else
	not_ok "usage: I/O size vs sector size: exit $rc" "$(cat "$tmp/err")"
fi
run -r "trtype:sim size=64K" -q 64 --verify -t 1
if [ "$rc" -eq 2 ] && tail -n 1 "$tmp/err" | grep -q '^pnvme-perf: .*too few'; then
	ok "usage: namespace too small for the depth: exit 2"
else
	not_ok "usage: namespace too small: exit $rc" "$(cat "$tmp/err")"
fi

# ---------------------------------------------------------------- I/O errors
# The sim fails its first 3 I/O commands: the run goes on, reports them, exits 1.
run -r "trtype:sim fault_io=3" -q 4 -t 1 --json
expect_rc "I/O errors" 1
pycheck "I/O errors counted in --json" "assert d['total']['errors'] == 3, d['total']['errors']"
grep -q "Unrecovered Read Error" "$tmp/err" && ok "I/O error named on stderr" ||
	not_ok "I/O error named on stderr" "$(cat "$tmp/err")"

# ---------------------------------------------------------------- protocol breaks
# The sim posts an extra completion with a CID not outstanding for its first 3
# I/O commands: the driver drops them; the I/O itself succeeds, but the run
# cannot be trusted, so it fails: counted in the table and JSON, one line, exit 1.
run -r "trtype:sim fault_bogus=3" -q 4 -t 1 --json
expect_rc "invalid completions" 1
pycheck "invalid completions counted in --json" "
assert d['invalid_completions'] == 3, d['invalid_completions']
assert d['total']['invalid_completions'] == 3, d['total']
assert sum(r['invalid_completions'] for r in d['namespaces']) == 3, d['namespaces']
assert d['total']['errors'] == 0 and d['total']['ios'] > 0, d['total']
"
n=$(grep -c '^pnvme-perf: ' "$tmp/err")
if [ "$n" -eq 1 ] && grep -q '^pnvme-perf: the device broke the protocol: 3 invalid completion(s) .* on sim0 ns 1' "$tmp/err"; then
	ok "invalid completions: one line on stderr naming them and the qpair"
else
	not_ok "invalid completions: wanted one pnvme-perf line on stderr" "$(cat "$tmp/err")"
fi
run -r "trtype:sim fault_bogus=2" -q 4 -t 1
expect_rc "invalid completions, table" 1
grep -q '^invalid completions: 2 ' "$tmp/out" && ok "invalid completions in the table" ||
	not_ok "invalid completions in the table" "$(tail -5 "$tmp/out")"
run -r "trtype:sim" -q 4 -t 1 --json
pycheck "no invalid completions from a well-behaved device" "
assert d['invalid_completions'] == 0 and d['total']['invalid_completions'] == 0, d['total']
"

cli_summary
