#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# pnvme-identify against the software controller (trtype:sim): human output,
# --json contents, --ns, and the errors (exit status, one line on stderr).
#
#   test/identify/identify_test.sh [path/to/pnvme-identify]
#
# The last line is "N passed, N failed"; the exit status is 1 if any failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BIN=${1:-$root/build/bin/pnvme-identify}
# What the software controller puts in Identify Controller's MN (lib/sim).
SIM_MODEL="pnvme sim controller"

. "$root/test/cli_lib.sh"

# expect_quiet WHAT: nothing on stderr.
expect_quiet() {
	if [ ! -s "$tmp/err" ]; then
		ok "$1: stderr empty"
	else
		not_ok "$1: stderr not empty" "$(cat "$tmp/err")"
	fi
}

# expect_one_line WHAT: exactly one line on stderr, starting with the tool's name.
expect_one_line() {
	n=$(wc -l <"$tmp/err")
	if [ "$n" -eq 1 ] && grep -q '^pnvme-identify: ' "$tmp/err"; then
		ok "$1: one line on stderr"
	else
		not_ok "$1: $n lines on stderr, wanted one 'pnvme-identify: ...'" "$(cat "$tmp/err")"
	fi
}


if [ ! -x "$BIN" ]; then
	echo "FAIL $BIN is missing: build it with make"
	echo "0 passed, 1 failed"
	exit 1
fi

# ---------------------------------------------------------------- human output
run -r "trtype:sim ns=2 lba=4096"
expect_rc "human ns=2 lba=4096" 0
expect_quiet "human ns=2 lba=4096"
if grep -q "^  Model number  *$SIM_MODEL\$" "$tmp/out"; then
	ok "human: model '$SIM_MODEL' shown, padding trimmed"
else
	not_ok "human: model '$SIM_MODEL' not on a 'Model number' line" "$(head -5 "$tmp/out")"
fi
if [ "$(grep -c '^Namespace [0-9]' "$tmp/out")" -eq 2 ] &&
	grep -q 'blocks of 4096 bytes' "$tmp/out" &&
	grep -q '(in use)' "$tmp/out"; then
	ok "human: two namespaces of 4096-byte blocks, format in use marked"
else
	not_ok "human: namespaces or sector size missing" "$(grep -A3 '^Namespace' "$tmp/out")"
fi
for label in "Serial number" "Firmware revision" "PCI vendor ID" "NVMe version" \
	"Controller ID" "Max data transfer" "I/O queues granted" "Max queue entries" \
	"Ready timeout" "Doorbell stride" "Namespaces" "Optional admin commands" \
	"Optional NVM commands" "Volatile write cache" "SGL" "Keep alive" \
	"Async event requests" "Abort command limit" "Shadow doorbells"; do
	grep -q "^  $label" "$tmp/out" || missing="${missing:-}$label; "
done
if [ -z "${missing:-}" ]; then
	ok "human: every controller field present"
else
	not_ok "human: fields missing: $missing"
fi
if awk 'length($0) > 100 { bad = 1 } END { exit bad }' "$tmp/out"; then
	ok "human: no line over 100 columns"
else
	not_ok "human: lines over 100 columns" "$(awk 'length($0) > 100' "$tmp/out")"
fi

# ---------------------------------------------------------------- --json
run -r "trtype:sim ns=2 lba=4096" --json
expect_rc "json ns=2 lba=4096" 0
expect_quiet "json ns=2 lba=4096"
if python3 -m json.tool <"$tmp/out" >/dev/null 2>&1; then
	ok "json ns=2 lba=4096: python3 -m json.tool parses it"
else
	not_ok "json ns=2 lba=4096: does not parse" "$(head -20 "$tmp/out")"
fi
pycheck "json ns=2 lba=4096: one controller, model, two 4096-byte namespaces" "
assert isinstance(d, list) and len(d) == 1, 'want an array of one controller: %r' % d
c = d[0]
assert c['trtype'] == 'sim', c['trtype']
assert c['model'] == '$SIM_MODEL', 'model %r' % c['model']
assert c['serial'] == c['serial'].strip() and c['serial'], 'serial %r' % c['serial']
assert c['nn'] == 2 and c['active_namespaces'] == 2, (c['nn'], c['active_namespaces'])
ns = c['namespaces']
assert [n['nsid'] for n in ns] == [1, 2], [n['nsid'] for n in ns]
for n in ns:
    assert n['sector_size'] == 4096, n['sector_size']
    assert n['size_bytes'] == n['size_blocks'] * 4096, n
    assert n['capacity_blocks'] <= n['size_blocks'], n
    f = n['lba_formats'][n['lba_format_in_use']]
    assert f['data_size'] == 4096 and f['in_use'] is True, f
    assert sum(1 for x in n['lba_formats'] if x['in_use']) == 1, n['lba_formats']
    assert isinstance(n['size_gib'], float), n['size_gib']
    assert n['eui64'] is None or len(n['eui64']) == 16, n['eui64']
assert int(c['tnvmcap']) == sum(n['size_bytes'] for n in ns), c['tnvmcap']
"
pycheck "json ns=2 lba=4096: numbers are numbers, flags are booleans" "
c = d[0]
for k in ('vid', 'ssvid', 'cntlid', 'mdts', 'max_xfer_size', 'io_queues', 'max_queue_entries',
          'ready_timeout_ms', 'doorbell_stride', 'aerl', 'acl', 'kas_ms', 'nn'):
    assert type(c[k]) is int, (k, c[k])
for k in ('shadow_doorbells', 'keep_alive'):
    assert type(c[k]) is bool, (k, c[k])
for k in ('security', 'format_nvm', 'firmware', 'namespace_management', 'doorbell_buffer_config'):
    assert type(c['oacs'][k]) is bool, k
for k in ('compare', 'write_uncorrectable', 'dataset_management', 'write_zeroes', 'timestamp', 'copy'):
    assert type(c['oncs'][k]) is bool, k
assert c['oacs']['raw'] & 0x100 == (0x100 if c['oacs']['doorbell_buffer_config'] else 0)
assert c['max_queue_entries'] >= 2 and c['io_queues'] >= 1 and c['doorbell_stride'] >= 4
assert c['version_vs']['string'].count('.') == 2, c['version_vs']
"

# MDTS: 2^mdts pages of CAP.MPSMIN (4 KiB on the sim); the driver never goes past it.
for m in 3 0; do
	run -r "trtype:sim mdts=$m" --json
	expect_rc "json mdts=$m" 0
	pycheck "json mdts=$m: MDTS bytes match, one 512-byte namespace" "
c = d[0]
assert c['mdts'] == $m, c['mdts']
if $m:
    assert c['mdts_bytes'] == (1 << $m) * c['mps_min'] == (1 << $m) * 4096, c['mdts_bytes']
    assert 0 < c['max_xfer_size'] <= c['mdts_bytes'], (c['max_xfer_size'], c['mdts_bytes'])
else:
    assert c['mdts_bytes'] is None, c['mdts_bytes']
    assert c['max_xfer_size'] > 0, c['max_xfer_size']
assert len(c['namespaces']) == 1 and c['namespaces'][0]['sector_size'] == 512, c['namespaces']
"
done
run -r "trtype:sim mdts=3"
if grep -q '^  Max data transfer  *32 KiB (MDTS 3: 32768 bytes)' "$tmp/out"; then
	ok "human mdts=3: 32 KiB"
else
	not_ok "human mdts=3: no '32 KiB (MDTS 3' line" "$(grep 'Max data' "$tmp/out")"
fi

run -r "trtype:sim noiob=64 dbbuf=0" --json
expect_rc "json noiob=64 dbbuf=0" 0
pycheck "json noiob=64 dbbuf=0: NOIOB, no Doorbell Buffer Config, no shadow doorbells" "
c = d[0]
assert c['namespaces'][0]['noiob'] == 64, c['namespaces'][0]['noiob']
assert c['oacs']['doorbell_buffer_config'] is False, c['oacs']
assert c['shadow_doorbells'] is False, c['shadow_doorbells']
"

# Two controllers, one document.
run -r "trtype:sim ns=3" -r "trtype:sim" --json
expect_rc "json two controllers" 0
pycheck "json two controllers: 3 + 1 namespaces" "
assert [len(c['namespaces']) for c in d] == [3, 1], [len(c['namespaces']) for c in d]
assert d[0]['traddr'] != d[1]['traddr'], (d[0]['traddr'], d[1]['traddr'])
"

# ---------------------------------------------------------------- --ns
run -r "trtype:sim ns=3" --ns 2 --json
expect_rc "--ns 2 json" 0
pycheck "--ns 2 json: only namespace 2" "
assert [n['nsid'] for n in d[0]['namespaces']] == [2], d[0]['namespaces']
"
run -r "trtype:sim ns=3" --ns 2
expect_rc "--ns 2 human" 0
if [ "$(grep -c '^Namespace ' "$tmp/out")" -eq 1 ] && grep -q '^Namespace 2$' "$tmp/out"; then
	ok "--ns 2 human: only namespace 2"
else
	not_ok "--ns 2 human: wrong namespaces" "$(grep '^Namespace' "$tmp/out")"
fi

# ---------------------------------------------------------------- errors
check_error() { # WHAT CODE ARGS...
	what=$1
	code=$2
	shift 2
	run "$@"
	expect_rc "$what" "$code"
	expect_one_line "$what"
	if [ ! -s "$tmp/out" ]; then
		ok "$what: nothing on stdout"
	else
		not_ok "$what: output on stdout" "$(head -3 "$tmp/out")"
	fi
}
check_error "unknown long option" 2 --bogus
check_error "unknown short option" 2 -x
check_error "-r without a value" 2 -r
check_error "stray argument" 2 -r trtype:sim extra
check_error "--ns 0" 2 -r trtype:sim --ns 0
check_error "--ns not a number" 2 -r trtype:sim --ns two
check_error "--ns 99, not active" 2 -r "trtype:sim ns=2" --ns 99
check_error "malformed -r" 2 -r "not a trid"
check_error "-r pcie without traddr" 2 -r trtype:pcie
check_error "-r unknown trtype" 2 -r trtype:rdma

# Attach failure: exit 1; the driver may log its own reason first, the tool's line is last.
run -r "trtype:sim ns=0"
expect_rc "attach failure (sim ns=0)" 1
if tail -n 1 "$tmp/err" | grep -q "^pnvme-identify: cannot attach 'trtype:sim ns=0'" &&
	[ "$(wc -l <"$tmp/err")" -le 2 ] && [ ! -s "$tmp/out" ]; then
	ok "attach failure: the tool's line last on stderr, stdout empty"
else
	not_ok "attach failure: stderr not as expected" "$(cat "$tmp/err")"
fi

run --help
expect_rc "--help" 0
expect_quiet "--help"
if grep -q '^Usage: pnvme-identify' "$tmp/out"; then ok "--help: usage on stdout"; else not_ok "--help: no usage"; fi

# ---------------------------------------------------------------- JSON escaping
# The writer on strings no controller here reports: quotes, control bytes, bad UTF-8.
if command -v "${CC:-cc}" >/dev/null 2>&1 &&
	"${CC:-cc}" -std=c11 -Wall -Wextra -Werror -I"$root/app/identify" -o "$tmp/json_escape" \
		"$here/json_escape.c" "$root/app/identify/json.c" -lm 2>"$tmp/cc.err"; then
	"$tmp/json_escape" >"$tmp/out"
	pycheck "json escaping: quotes, control characters, UTF-8 and stray bytes read back" "
assert d['quote'] == 'Model \"X\" \\\\ back', repr(d['quote'])
assert d['control'] == 'a\tb\nc\rd\be\ff\x01g\x1fh\x7fi', repr(d['control'])
assert d['utf8'] == 'caf\u00e9 \u20ac \U0001f4be', repr(d['utf8'])
assert d['latin1'] == 'caf\u00e9 \u00ff\u00c3(', repr(d['latin1'])
assert d['overlong'] == '\u00c0\u00af\u00e0\u0080\u00af\u00ed\u00a0\u0080', repr(d['overlong'])
assert d['empty'] == '' and d['key \"odd\"\n'] == 'v', d
assert d['list'] == [2**64 - 1, 2**128 - 1, 1.5, True, None, {}, []], d['list']
raw = open(sys.argv[1], 'rb').read()
assert all(b >= 0x20 or b == 0x0a for b in raw), 'raw control byte in the output'
"
else
	not_ok "json escaping: the check program does not build" "$(cat "$tmp/cc.err" 2>/dev/null)"
fi

cli_summary
