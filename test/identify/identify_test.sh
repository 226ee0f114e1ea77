#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# pnvme-identify against the software controller (trtype:sim): human output,
# --json contents, metadata/PI formats, SGLS and FUSES (human parsed back and
# compared with JSON), --ns, and the errors (exit status, one line on stderr).
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
	"Async event requests" "Abort command limit" "Shadow doorbells" "Fused operations"; do
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

# ---------------------------------------------------------------- metadata, PI, SGLS, FUSES
# The human output parsed back and compared with --json of the same controller:
# LBA formats (NLBAF + 1 of them, the one in use marked), metadata in use, MC,
# DPC, DPS, SGLS, FUSES and ONCS. Then each as the sim's parameters asked.
HUMAN_VS_JSON="
import os, re
human = open(os.path.join(os.path.dirname(sys.argv[1]), 'human')).read()
def line(label, field):
    # the labelled line and the lines it wraps onto (indented to the value column)
    m = re.search(r'^  ' + label + r' +(.*(?:\\n {26}\\S.*)*)', human, re.M)
    assert m, 'no %s line' % label
    text = re.sub(r'\\n {26}', ' ', m.group(1))
    m = re.fullmatch(r'(.*) \\(' + field + r' 0x([0-9a-f]+)\\)', text)
    assert m, 'no %s in %r' % (field, text)
    return m.group(1), int(m.group(2), 16)
c = d[0]
n = c['namespaces'][0]
m = re.search(r'^  LBA formats +(\\d+) \\(NLBAF (\\d+)\\)$', human, re.M)
assert m, 'no LBA formats line'
assert int(m.group(1)) == int(m.group(2)) + 1 == n['num_lba_formats'] == len(n['lba_formats']), m.groups()
rows = re.findall(r'^    #(\\d+) +data (\\d+) bytes, metadata (\\d+) bytes, performance (best|better|good|degraded)( \\(in use\\))?$', human, re.M)
got = [(int(i), int(ds), int(ms), p, bool(u)) for i, ds, ms, p, u in rows]
want = [(f['index'], f['data_size'], f['metadata_size'], f['performance'], f['in_use']) for f in n['lba_formats']]
assert got == want, (got, want)
assert [f['index'] for f in n['lba_formats'] if f['in_use']] == [n['lba_format_in_use']], n['lba_formats']
rp = ['best', 'better', 'good', 'degraded']
assert all(rp[f['relative_performance']] == f['performance'] for f in n['lba_formats'])
fi = n['lba_formats'][n['lba_format_in_use']]
assert fi['data_size'] == n['sector_size'] and fi['metadata_size'] == n['metadata_size'], (fi, n)
words, flbas = line('Metadata', 'FLBAS')
assert flbas == n['flbas'] and n['metadata_extended'] == bool(flbas & 0x10)
if n['metadata_size'] == 0:
    assert words == 'none', words
else:
    assert words.startswith('%d bytes per block, ' % n['metadata_size']), words
    assert ('extended LBA' in words) == n['metadata_extended'], words
words, mc = line('Metadata capabilities', 'MC')
assert mc == n['mc']['raw'] and n['mc']['extended'] == bool(mc & 1) and n['mc']['separate'] == bool(mc & 2)
assert ('extended LBA' in words) == n['mc']['extended'] and ('separate buffer' in words) == n['mc']['separate'], words
words, dpc = line('PI capabilities', 'DPC')
assert dpc == n['dpc']['raw']
for i, k in enumerate(('type1', 'type2', 'type3', 'first', 'last')):
    assert n['dpc'][k] == bool(dpc & (1 << i)), (k, dpc)
for k, w in (('type1', 'type 1'), ('type2', 'type 2'), ('type3', 'type 3'), ('first', 'first 8 bytes'), ('last', 'last 8 bytes')):
    assert (w in words) == n['dpc'][k], (w, words)
words, dps = line('PI in use', 'DPS')
assert dps == n['dps']['raw'] and n['dps']['pi_type'] == dps & 7 and n['dps']['first'] == bool(dps & 8)
if dps & 7 == 0:
    assert words == 'none', words
else:
    assert words == 'type %d, in the %s 8 bytes of metadata' % (dps & 7, 'first' if dps & 8 else 'last'), words
words, sgls = line('SGL', 'SGLS')
g = c['sgl']
assert sgls == g['raw'], (sgls, g)
assert g['supported'] == (sgls & 3 in (1, 2)) and g['byte_aligned'] == (sgls & 3 == 1) and g['dword_aligned'] == (sgls & 3 == 2), g
assert words == {0: 'not supported', 1: 'supported, byte-aligned data blocks', 2: 'supported, dword-aligned data blocks', 3: 'reserved value'}[sgls & 3], words
names = {'keyed_data_block': 'keyed SGL data block', 'bit_bucket': 'bit bucket', 'byte_aligned_metadata': 'byte-aligned contiguous metadata', 'longer_than_data': 'SGL longer than data', 'mptr_sgl': 'MPTR as an SGL', 'address_as_offset': 'address as offset', 'transport_data_block': 'transport SGL data block'}
bits = {'keyed_data_block': 2, 'bit_bucket': 16, 'byte_aligned_metadata': 17, 'longer_than_data': 18, 'mptr_sgl': 19, 'address_as_offset': 20, 'transport_data_block': 21}
for k, b in bits.items():
    assert g[k] == bool(sgls & (1 << b)), (k, sgls)
sgl_block = human[human.index('  SGL '):human.index('  Fused operations')]
if g['supported']:
    yes = [w.split(';')[0] for w in re.findall(r'^    supported +(.*(?:\\n {26}.*)*)', sgl_block, re.M)[0].replace('\\n', ' ').split(', ')]
    yes = [w.strip() for w in yes]
    assert sorted(w for w in yes if w != 'none') == sorted(names[k] for k in names if g[k]), (yes, g)
else:
    assert 'supported ' not in sgl_block.split('\\n', 1)[1], sgl_block
words, fuses = line('Fused operations', 'FUSES')
assert fuses == c['fuses']['raw'] and c['fuses']['compare_and_write'] == bool(fuses & 1), c['fuses']
assert ('compare and write' in words) == c['fuses']['compare_and_write'] and (words == 'none') == (fuses & 1 == 0), words
m = re.search(r'^  Optional NVM commands \\(ONCS 0x([0-9a-f]{4})\\)$', human, re.M)
assert m and int(m.group(1), 16) == c['oncs']['raw'], 'ONCS'
"

# id_both WHAT PARAMS: the human output (into $tmp/human) and --json of trtype:sim PARAMS.
id_both() {
	run -r "trtype:sim $2"
	expect_rc "$1: human" 0
	expect_quiet "$1: human"
	cp "$tmp/out" "$tmp/human"
	run -r "trtype:sim $2" --json
	expect_rc "$1: json" 0
	pycheck "$1: human output and JSON agree" "$HUMAN_VS_JSON"
}

# id_format WHAT PARAMS DATA MS EXTENDED PI FIRST: the format in use and its capabilities.
id_format() {
	id_both "$1" "$2"
	pycheck "$1: in use: $3 + $4 bytes, extended $5, PI type $6, first $7" "
n = d[0]['namespaces'][0]
f = n['lba_formats'][n['lba_format_in_use']]
assert (f['data_size'], f['metadata_size']) == ($3, $4), f
assert (n['sector_size'], n['metadata_size']) == ($3, $4), n
assert n['metadata_extended'] is $5, n['flbas']
assert n['dps']['pi_type'] == $6, n['dps']
if $4:
    assert n['mc']['extended' if $5 else 'separate'], ('MC lacks the mode in use', n['mc'])
if $6:
    assert n['dps']['first'] is $7, n['dps']
    assert n['dpc']['type$6'] and n['dpc']['first' if $7 else 'last'], ('DPC lacks what DPS uses', n['dpc'])
"
}

id_format "no metadata" "" 512 0 False 0 False
id_format "ms=8" "ms=8" 512 8 False 0 False
id_format "ms=8 mset=1" "ms=8 mset=1" 512 8 True 0 False
id_format "ms=8 pi=1" "ms=8 pi=1" 512 8 False 1 False
id_format "ms=8 pi=3 pil=1" "ms=8 pi=3 pil=1" 512 8 False 3 True
id_format "ms=16 mset=1 pi=2" "ms=16 mset=1 pi=2" 512 16 True 2 False
id_format "ms=64 lba=4096" "ms=64 lba=4096" 4096 64 False 0 False
# The human lines as a person reads them.
run -r "trtype:sim ms=8 pi=3 pil=1"
if grep -q '^    #[0-9]* *data 512 bytes, metadata 8 bytes, performance [a-z]* (in use)$' "$tmp/out" &&
	grep -q '^  Metadata  *8 bytes per block, in a separate buffer (FLBAS 0x[0-9a-f]*)$' "$tmp/out" &&
	grep -q '^  PI in use  *type 3, in the first 8 bytes of metadata (DPS 0x0b)$' "$tmp/out" &&
	grep -q '^  PI capabilities  *type ' "$tmp/out"; then
	ok "human ms=8 pi=3 pil=1: format, metadata and PI lines"
else
	not_ok "human ms=8 pi=3 pil=1: lines missing" "$(grep -A8 '^  LBA formats' "$tmp/out")"
fi

# SGLS as the sim reports it: sgl=1 some SGL support, sgl=0 none.
id_both "sgl=1" "sgl=1"
pycheck "sgl=1: SGLs supported" "
g = d[0]['sgl']
assert g['supported'] and g['raw'] & 3 in (1, 2), g
"
id_both "sgl=0" "sgl=0"
pycheck "sgl=0: no SGLs" "
g = d[0]['sgl']
assert not g['supported'] and g['raw'] & 3 == 0, g
"
if grep -q '^  SGL  *not supported (SGLS 0x[0-9a-f]\{8\})$' "$tmp/human"; then
	ok "human sgl=0: 'not supported'"
else
	not_ok "human sgl=0: no 'SGL ... not supported' line" "$(grep -A2 '^  SGL' "$tmp/human")"
fi
# ONCS as docs/sim.md says: compare, dataset management, write zeroes, timestamp.
run -r "trtype:sim" --json
pycheck "ONCS: compare, dataset management, write zeroes" "
o = d[0]['oncs']
assert o['compare'] and o['dataset_management'] and o['write_zeroes'], o
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
if grep -q -- '--version' "$tmp/out"; then ok "--help: names --version"; else not_ok "--help: no --version"; fi
run --version
expect_version pnvme-identify

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
