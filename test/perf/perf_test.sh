#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# pnvme-perf against the software controller (trtype:sim), a second or two per
# run: --json contents and consistency, the table and -L/-LL/-LLL, --verify,
# threads, -d, --rate, warm-up, the progress line, metadata formats and
# protection information (-e), --sgl/--prp, I/O errors, invalid
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
assert t['pi_failures'] == 0 and d['pi_failures'] == 0, t
assert t['invalid_completions'] == 0 and d['invalid_completions'] == 0, t
for k in ('workload', 'queue_depth', 'io_size', 'read_pct', 'seconds', 'warmup_s', 'max_ios',
          'rate_iops', 'threads', 'cores', 'qpairs_per_ns', 'verify', 'batch', 'controllers',
          'dptr_mode', 'pi_flags', 'pi_apptag', 'namespace_formats'):
    assert k in d['config'], k
assert len(d['config']['namespace_formats']) == d['config']['namespaces'], d['config']
import re, time
assert re.fullmatch(r'[0-9]+[.][0-9]+[.][0-9]+', d['version']), d['version']
assert abs(d['timestamp'] - time.time()) < 600 and d['timestamp_ms'] // 1000 == d['timestamp'], d['timestamp']
assert d['time'] == time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime(d['timestamp'])), d['time']
P = ('50.000000', '90.000000', '99.000000', '99.900000', '99.990000')
US = ('p50', 'p90', 'p99', 'p99_9', 'p99_99')
def lat_ns_ok(name, n, us, ios):
    if ios == 0:
        assert n is None and us is None, (name, n, us)
        return
    assert n['N'] == ios, (name, n['N'], ios)
    v = [n['min']] + [n['percentile'][k] for k in P] + [n['max']]
    assert v == sorted(v) and v[0] > 0, (name, n)
    assert n['min'] <= n['mean'] <= n['max'], (name, n)
    # the microsecond figures are the same figures, in microseconds
    assert abs(us['min'] * 1000 - n['min']) <= 1 and abs(us['max'] * 1000 - n['max']) <= 1, (name, us, n)
    assert abs(us['avg'] * 1000 - n['mean']) <= 1, (name, us, n)
    for a, b in zip(US, P):
        assert abs(us[a] * 1000 - n['percentile'][b]) <= 1, (name, a, us[a], n['percentile'][b])
for r in rows + d['threads'] + [t]:
    if r['ios'] == 0:
        continue
    lat_ns_ok(r['name'], r['lat_ns'], r['lat_us'], r['ios'])
    rd, wr = r['read'], r['write']
    assert rd['ios'] == r['reads'] and wr['ios'] == r['writes'], (r['name'], rd['ios'], wr['ios'])
    assert rd['bytes'] + wr['bytes'] == r['ios'] * d['config']['io_size'], r['name']
    assert abs(rd['iops'] + wr['iops'] - r['iops']) <= 0.01 * r['iops'] + 0.2, (r['name'], rd['iops'], wr['iops'], r['iops'])
    for x in (rd, wr):
        lat_ns_ok(r['name'], x['lat_ns'], x['lat_us'], x['ios'])
    # the whole row's latency lies within its directions'
    mins = [x['lat_ns']['min'] for x in (rd, wr) if x['ios']]
    maxs = [x['lat_ns']['max'] for x in (rd, wr) if x['ios']]
    assert r['lat_ns']['min'] == min(mins) and r['lat_ns']['max'] == max(maxs), r['name']
"

# ---------------------------------------------------------------- --help
run --help
expect_rc "--help" 0
missing=
for o in -r -q -o -w -M -t -a -d -n -c -P -L -e --rate --no-cpu-time --verify --json --batch \
	--no-shadow-doorbells --queue-size --sgl --prp --help --version --status-interval; do
	grep -Eq -- "^ +(-[A-Za-z], )?$o[ ,=]" "$tmp/out" || missing="$missing $o"
done
if [ -z "$missing" ]; then
	ok "--help documents every option"
else
	not_ok "--help misses:$missing"
fi

run --version
expect_version pnvme-perf

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

# ---------------------------------------------------------------- -LLL: the round trip in phases
for db in "" --cq-doorbell-first; do
	run -r "trtype:sim" -q 1 -t 1 -LLL $db
	expect_rc "table -LLL $db" 0
	# Every phase has a row of six figures; the phases of a round trip fit in it.
	if grep -q '^Round trip in phases' "$tmp/out" &&
		[ "$(grep -cE '^(submit -> SQ doorbell|doorbell -> CQE seen|CQE seen -> callback) +([0-9.]+ +){5}[0-9.]+$' "$tmp/out")" -eq 3 ]; then
		ok "table -LLL $db: three phases with mean, percentiles and max"
	else
		not_ok "table -LLL $db: phases missing" "$(tail -12 "$tmp/out")"
	fi
done
run -r "trtype:sim" -q 4 -t 1 -L
if grep -q '^Round trip in phases' "$tmp/out"; then
	not_ok "no phases without -LLL"
else
	ok "no phases without -LLL"
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

# ---------------------------------------------------------------- --status-interval
# Into a file (not a terminal): one whole line every N seconds, and the JSON on
# stdout stays one document.
run -r "trtype:sim" -q 4 -t 4 --status-interval 1 --json
expect_rc "--status-interval 1 into a file" 0
n=$(grep -c '^ *[0-9][0-9]* s  *\(warm-up\|running\|ending\)  *[0-9][0-9]* IOPS  *[0-9.]* MiB/s  *[0-9][0-9]* errors$' "$tmp/err")
if [ "$n" -ge 3 ] && [ "$n" -le 5 ] && ! grep -q "$(printf '\r')" "$tmp/err"; then
	ok "--status-interval 1, 4 s: $n whole progress lines on stderr, no carriage return"
else
	not_ok "--status-interval 1, 4 s: $n progress lines, wanted 3..5 whole lines" "$(cat "$tmp/err")"
fi
pycheck "--status-interval: stdout is still one JSON document" "$CONSISTENT
assert d['config']['status_interval'] == 1
"
run -r "trtype:sim" -q 4 -t 3 --status-interval 2s
expect_rc "--status-interval 2s" 0
n=$(grep -c 'IOPS.*MiB/s.*errors$' "$tmp/err")
if [ "$n" = 1 ] && grep -q '^ *2 s ' "$tmp/err"; then
	ok "--status-interval 2s, 3 s: one line, at 2 s"
else
	not_ok "--status-interval 2s, 3 s: $n lines, wanted one at 2 s" "$(cat "$tmp/err")"
fi
run -r "trtype:sim" -q 4 -t 2 --status-interval=1m
expect_rc "--status-interval=1m, 2 s" 0
if grep -q 'IOPS' "$tmp/err"; then
	not_ok "--status-interval=1m: no line before a minute" "$(cat "$tmp/err")"
else
	ok "--status-interval=1m over 2 s: no line"
fi
usage "--status-interval 0" "status interval (--status-interval) must be 1 to 86400 seconds" --status-interval 0
usage "--status-interval 5x" "not '5x'" --status-interval 5x
usage "--status-interval without a value" "status-interval needs a value" --status-interval

# ---------------------------------------------------------------- mixed: read and write apart
run -r "trtype:sim" -q 16 -w randrw -M 70 -t 1 --json
expect_rc "json randrw 70/30" 0
pycheck "json randrw: read and write sections, both with I/O" "$CONSISTENT
assert t['read']['ios'] > t['write']['ios'] > 0, (t['read']['ios'], t['write']['ios'])
assert set(t['read']) == {'ios', 'bytes', 'iops', 'mib_per_s', 'lat_us', 'lat_ns'}, sorted(t['read'])
"
run -r "trtype:sim" -q 4 -w randread -t 1 --json
pycheck "json randread: the write section is empty, its latencies null" "$CONSISTENT
assert t['write']['ios'] == 0 and t['write']['lat_ns'] is None and t['write']['lat_us'] is None
assert t['read']['ios'] == t['ios'] and t['read']['lat_ns'] == t['lat_ns']
"

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

# --nsid: one namespace of each controller; one that is not active is refused.
run -r "trtype:sim ns=2" -q 8 -w randrw -t 1 --verify --nsid 2
expect_rc "--nsid 2 of 2 namespaces" 0
if grep -q ' ns 2 ' "$tmp/out" && ! grep -q ' ns 1 ' "$tmp/out" &&
	grep -q 'verify: [1-9][0-9]* reads checked, 0 mismatches' "$tmp/out"; then
	ok "--nsid 2: ns 2 driven and verified, ns 1 left alone"
else
	not_ok "--nsid 2: not ns 2 alone" "$(cat "$tmp/out")"
fi
run -r "trtype:sim ns=2" -t 1 --nsid 3
n=$(wc -l <"$tmp/err")
if [ "$rc" -eq 1 ] && [ "$n" -eq 1 ] && grep -q 'has no active namespace 3' "$tmp/err" &&
	[ ! -s "$tmp/out" ]; then
	ok "--nsid 3 (not active): exit 1, one line, no I/O"
else
	not_ok "--nsid 3: exit $rc, $n line(s)" "$(cat "$tmp/err" "$tmp/out")"
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
# Measured time runs to the end of the drain: on a starved host the sim's
# thread can take most of a second to answer the last I/Os, so the bound
# sits below warm-up + run (2 s) rather than near 1 s.
pycheck "-a 1: the warm-up is not in the measured time" "$CONSISTENT
assert 0.9 < d['elapsed_s'] < 1.9, d['elapsed_s']
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
usage "-e unknown word" "unknown word 'PRCHK_CRC'" -e PRACT,PRCHK_CRC
usage "-e empty word" "empty word" -e PRCHK_GUARD,
usage "--sgl and --prp" "not both" --sgl --prp
usage "--nsid 0" "namespace ID (--nsid)" --nsid 0
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

# ---------------------------------------------------------------- metadata and PI
# Formats of the software controller (docs/sim.md: ms, mset, pi, pil). Every
# run writes and reads at random with --verify: the data of every block, the
# metadata bytes but PI, and where PI reaches the host, pnvme_pi_verify.
# md_run SIM_PARAMS EXTRA_ARGS...: one such run, exit 0.
# A small namespace: random reads land on blocks this short run wrote, even on a busy machine.
md_run() {
	params=$1
	shift
	run -r "trtype:sim size=4M $params" -w randrw -M 50 -q 16 -t 1 --verify --json "$@"
	expect_rc "metadata '$params' $*" 0
}
# md_check WHAT FORMAT PYTHON: the JSON is consistent, names FORMAT (a python tuple:
# sector_size, metadata_size, extended, pi_type, pi_first), verified reads; PYTHON holds.
md_check() {
	what=$1 fmt=$2 extra=$3
	pycheck "$what: formats named, data verified, no mismatch" "$CONSISTENT
f = d['config']['namespace_formats'][0]
want = $fmt
got = (f['sector_size'], f['metadata_size'], f['metadata_extended'], f['pi_type'], f['pi_first'])
assert got == want, (got, want)
assert t['verified'] > 0, 'nothing verified'
assert t['reads'] > 0 and t['writes'] > 0
$extra"
}

md_run "ms=8"
md_check "ms=8 (separate)" "(512, 8, False, 0, False)" "
assert f['pi_checked'] is False and f['pi_generated'] is False and f['metadata_moved'] is True
assert t['pi_verified'] == 0"
md_run "ms=8 mset=1"
md_check "ms=8 mset=1 (extended)" "(512, 8, True, 0, False)" "
assert f['metadata_moved'] is True"
md_run "ms=64 lba=4096"
md_check "ms=64 lba=4096" "(4096, 64, False, 0, False)" "
assert d['config']['io_size'] == 4096"
md_run "ms=64 lba=4096 mset=1" -o 16k
md_check "ms=64 lba=4096 mset=1 -o 16k (extended, 4 blocks per I/O)" "(4096, 64, True, 0, False)" ""

# PI written by the tool (no -e: the controller checks nothing, the host does).
md_run "ms=8 pi=1"
md_check "ms=8 pi=1" "(512, 8, False, 1, False)" "
assert f['pi_generated'] is True and f['pi_checked'] is True and f['io_flags'] == []
assert t['pi_verified'] > 0, t
assert d['config']['pi_apptag'] == 0x5043"
md_run "ms=8 pi=1" -e PRCHK_GUARD,PRCHK_REFTAG,PRCHK_APPTAG
md_check "ms=8 pi=1 -e PRCHK_GUARD,PRCHK_REFTAG,PRCHK_APPTAG" "(512, 8, False, 1, False)" "
assert d['config']['pi_flags'] == ['PRCHK_GUARD', 'PRCHK_REFTAG', 'PRCHK_APPTAG'], d['config']['pi_flags']
assert f['io_flags'] == d['config']['pi_flags']
assert t['pi_verified'] > 0, t"
# PRACT with 8 bytes of PI: the controller inserts and strips it, nothing but data moves.
md_run "ms=8 pi=1" -e PRACT,PRCHK_GUARD,PRCHK_REFTAG
md_check "ms=8 pi=1 -e PRACT,PRCHK_GUARD,PRCHK_REFTAG" "(512, 8, False, 1, False)" "
assert f['pi_generated'] is False and f['metadata_moved'] is False and f['pi_checked'] is False
assert t['pi_verified'] == 0"
md_run "ms=8 pi=3 pil=1"
md_check "ms=8 pi=3 pil=1" "(512, 8, False, 3, True)" "
assert t['pi_verified'] > 0, t"
md_run "ms=8 pi=3 pil=1" -e PRCHK_GUARD,PRCHK_APPTAG
md_check "ms=8 pi=3 pil=1 -e PRCHK_GUARD,PRCHK_APPTAG" "(512, 8, False, 3, True)" "
assert t['pi_verified'] > 0, t"
md_run "ms=8 pi=3 pil=1 mset=1" -e PRACT,PRCHK_GUARD,PRCHK_APPTAG
md_check "ms=8 pi=3 pil=1 mset=1 -e PRACT,... (extended, data alone in the buffer)" \
	"(512, 8, True, 3, True)" "
assert f['metadata_moved'] is False and f['pi_checked'] is False"
# PRACT with 16 bytes of metadata: the controller writes the PI, the host checks it.
md_run "ms=16 mset=1 pi=2" -e PRACT,PRCHK_GUARD,PRCHK_REFTAG,PRCHK_APPTAG
md_check "ms=16 mset=1 pi=2 -e PRACT,... (the controller's PI checked by the host)" \
	"(512, 16, True, 2, False)" "
assert f['pi_generated'] is False and f['metadata_moved'] is True and f['pi_checked'] is True
assert t['pi_verified'] > 0, t"
# Writes only, every check on: the controller checks the PI the tool computed.
run -r "trtype:sim ms=8 pi=1" -w randwrite -q 16 -t 1 -e PRCHK_GUARD,PRCHK_REFTAG,PRCHK_APPTAG --json
expect_rc "ms=8 pi=1 randwrite, every PRCHK: the controller accepts the tool's PI" 0
pycheck "ms=8 pi=1 randwrite, every PRCHK: no error" "$CONSISTENT
assert t['writes'] == t['ios'] > 0"

# The table names the data pointers, the PI flags, the format; PI checks count apart.
run -r "trtype:sim ms=8 pi=1" -w randrw -q 8 -t 1 --verify -e PRCHK_GUARD,PRCHK_APPTAG
expect_rc "table, ms=8 pi=1 -e" 0
if grep -q 'data pointers auto, PI flags PRCHK_GUARD,PRCHK_APPTAG' "$tmp/out" &&
	grep -q '^Namespace sim0 ns 1: 512 + 8 bytes (separate metadata), PI type 1 in the last 8 bytes; PI written by pnvme-perf, checked on reads' "$tmp/out" &&
	grep -q '^verify: [1-9][0-9]* reads checked, 0 mismatches' "$tmp/out" &&
	grep -q '^protection information: [1-9][0-9]* reads checked, 0 mismatches' "$tmp/out"; then
	ok "table: data pointers, PI flags, the format, PI checks apart"
else
	not_ok "table: metadata lines missing" "$(cat "$tmp/out")"
fi
# No metadata: the plain calls; the report says so.
run -r "trtype:sim" -q 4 -t 1 --json
expect_rc "no metadata" 0
pycheck "no metadata: dptr auto, no PI flags, format without metadata" "
f = d['config']['namespace_formats'][0]
assert d['config']['dptr_mode'] == 'auto' and d['config']['pi_flags'] == [], d['config']
assert f['metadata_size'] == 0 and f['pi_type'] == 0 and f['pi_generated'] is False, f
"

# -e on a namespace without PI: found once attached, exit 2, the tool's line last.
for params in "ms=8" "" "ms=8 mset=1"; do
	run -r "trtype:sim $params" -t 1 -e PRCHK_GUARD
	if [ "$rc" -eq 2 ] && tail -n 1 "$tmp/err" |
		grep -q '^pnvme-perf: -e PRCHK_GUARD: sim0 ns 1 has no protection information'; then
		ok "usage: -e on 'trtype:sim $params' (no PI): exit 2, named last"
	else
		not_ok "usage: -e on 'trtype:sim $params': exit $rc" "$(cat "$tmp/err")"
	fi
done

# ---------------------------------------------------------------- data pointers
for mode in sgl prp; do
	MODE=$(echo $mode | tr a-z A-Z)
	run -r "trtype:sim sgl=1 ms=8 pi=1" -w randrw -q 16 -o 16k -t 1 --verify \
		-e PRCHK_GUARD,PRCHK_REFTAG --$mode --json
	expect_rc "--$mode on 'sgl=1 ms=8 pi=1', -o 16k" 0
	pycheck "--$mode on 'sgl=1 ms=8 pi=1': verified, the mode named" "$CONSISTENT
assert d['config']['dptr_mode'] == '$MODE', d['config']['dptr_mode']
assert t['verified'] > 0 and t['pi_verified'] > 0, t
"
	run -r "trtype:sim sgl=1" -w randrw -q 16 -o 64k -t 1 --verify --$mode --json
	expect_rc "--$mode on 'sgl=1' (no metadata), -o 64k" 0
	pycheck "--$mode on 'sgl=1' (no metadata): verified" "$CONSISTENT
assert d['config']['dptr_mode'] == '$MODE'
assert t['verified'] > 0, t
"
done
run -r "trtype:sim sgl=1" -q 4 -t 1 --sgl
if [ "$rc" -eq 0 ] && grep -q ', data pointers SGL, PI flags none$' "$tmp/out"; then
	ok "table: --sgl named in the header"
else
	not_ok "table: --sgl: exit $rc or not named" "$(head -3 "$tmp/out"; cat "$tmp/err")"
fi
# A controller without SGLs: one clear line, exit 1.
run -r "trtype:sim sgl=0" -q 4 -t 1 --sgl
if [ "$rc" -eq 1 ] && tail -n 1 "$tmp/err" | grep -q '^pnvme-perf: --sgl, but controller sim0 does not take SGLs' &&
	[ "$(grep -c '^pnvme-perf: ' "$tmp/err")" -eq 1 ]; then
	ok "--sgl on 'sgl=0': exit 1, one line saying so"
else
	not_ok "--sgl on 'sgl=0': exit $rc" "$(cat "$tmp/err")"
fi
run -r "trtype:sim sgl=0" -q 4 -t 1 --prp --verify -w randrw
expect_rc "--prp on 'sgl=0'" 0

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
