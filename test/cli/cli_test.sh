#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# pnvme-cli against the software controller (trtype:sim): every subcommand in
# normal and JSON output, JSON checked against the keys nvme-cli 2.x prints
# (nvme-cli-keys/), format then the new block size, namespace management,
# firmware download in pieces and commit, sanitize, self-test, destructive
# commands refused without --force and a terminal, and bad input (one line on
# stderr, non-zero exit, the device unchanged).
#
#   test/cli/cli_test.sh [path/to/pnvme-cli]
#
# The last line is "N passed, N failed"; the exit status is 1 if any failed.
set -u

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
BIN=${1:-$root/build/bin/pnvme-cli}
KEYS=$here/nvme-cli-keys
export PNVME_LOG=warn

. "$root/test/cli_lib.sh"

if [ ! -x "$BIN" ]; then
	echo "FAIL $BIN is missing: build it with make"
	echo "0 passed, 1 failed"
	exit 1
fi

SIM="trtype:sim traddr:clisim size=64M ns=2 nn=4"

# expect_one_line WHAT: one line on stderr, "pnvme-cli ...".
expect_one_line() {
	n=$(wc -l <"$tmp/err")
	if [ "$n" -eq 1 ] && grep -q '^pnvme-cli' "$tmp/err"; then
		ok "$1: one line on stderr"
	else
		not_ok "$1: $n lines on stderr, wanted one 'pnvme-cli ...'" "$(cat "$tmp/err")"
	fi
}

# keys WHAT KEYFILE: $tmp/out has exactly nvme-cli's keys and types.
keys() {
	if msg=$(python3 "$here/check_keys.py" "$KEYS/$2.keys" "$tmp/out" clisim 2>&1); then
		ok "$1: nvme-cli's keys and types ($2.keys)"
	else
		not_ok "$1: not nvme-cli's keys" "$msg"
	fi
}

# batch SCRIPT: run the lines on one attached controller; output in $tmp/out.
batch() {
	printf '%s\n' "$1" >"$tmp/script"
	"$BIN" batch "$SIM" "$tmp/script" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# ---------------------------------------------------------------- the validator itself
echo '{"vid": 1, "serial": "x"}' >"$tmp/out"
if python3 "$here/check_keys.py" "$KEYS/id-ctrl.keys" "$tmp/out" >/dev/null 2>&1; then
	not_ok "check_keys.py accepts a document with invented keys"
else
	ok "check_keys.py refuses missing and invented keys"
fi

# ---------------------------------------------------------------- read-only subcommands
for c in id-ctrl id-ns smart-log error-log fw-log; do
	run "$c" "$SIM" -o json
	expect_rc "$c -o json" 0
	keys "$c -o json" "$c"
	run "$c" "$SIM"
	expect_rc "$c (normal)" 0
	if [ -s "$tmp/out" ] && [ ! -s "$tmp/err" ]; then
		ok "$c (normal): output, nothing on stderr"
	else
		not_ok "$c (normal): no output or stderr" "$(cat "$tmp/err")"
	fi
done

run id-ctrl "$SIM" -o json
pycheck "id-ctrl: sim values under nvme-cli's names" "
assert d['mn'].rstrip() == 'pnvme sim controller', d['mn']
assert len(d['sn']) == 20 and d['sn'].startswith('PNSIM'), 'sn keeps its padding: %r' % d['sn']
assert d['vid'] == 0xfffe and d['nn'] == 4 and d['cntlid'] == 1, d
assert d['oacs'] & 0x1e == 0x1e, 'format, firmware, ns management, self-test: %#x' % d['oacs']
assert d['fwug'] == 1 and (d['frmw'] >> 1) & 7 == 3, d['frmw']
assert int(d['tnvmcap']) == 4 * 64 << 20 and int(d['unvmcap']) == 2 * 64 << 20, d['unvmcap']
assert len(d['psds']) == d['npss'] + 1 and d['psds'][0]['max_power'] == 2500"
run id-ctrl "$SIM" -o binary
if [ "$(wc -c <"$tmp/out")" -eq 4096 ] && [ "$(dd if="$tmp/out" bs=1 skip=24 count=20 2>/dev/null)" = "pnvme sim controller" ]; then
	ok "id-ctrl -o binary: the 4096-byte structure, MN at byte 24"
else
	not_ok "id-ctrl -o binary: not the raw structure" "$(wc -c <"$tmp/out")"
fi
run id-ctrl "$SIM" -H
expect_rc "id-ctrl -H" 0
# has_after FIELD LINE: LINE (a fixed string) is among the -H lines under "FIELD :".
has_after() {
	awk -v f="$1" -v l="$2" '
		/^[a-z0-9_]+ *:/ { cur = $1 }
		/^  \[/ && cur == f && index($0, l) { found = 1 }
		END { exit !found }' "$tmp/out"
}
# The sim's values: cmic 0, oaes 0x300, ctratt 0x40, oacs 0x11e, frmw 0x16, lpa 4,
# sanicap 7, oncs 0x4d, fna 0, vwc 7, sgls 0x90001, wctemp 343 K.
n=0
for pair in "cmic|[1:1] : 0	Two or More Controllers in the NVM Subsystem: No" \
	"oaes|[9:9] : 0x1	Firmware Activation Notice Supported" \
	"oaes|[11:11] : 0	Asymmetric Namespace Access Change Notice Not Supported" \
	"ctratt|[6:6] : 0x1	Traffic Based Keep Alive Supported" \
	"oacs|[3:3] : 0x1	Namespace Management and Attachment Supported" \
	"oacs|[0:0] : 0	Security Send and Receive Not Supported" \
	"frmw|[3:1] : 0x3	Number of Firmware Slots" \
	"frmw|[4:4] : 0x1	Firmware Activation Without Reset Supported" \
	"lpa|[2:2] : 0x1	Extended Data for Get Log Page (offsets) Supported" \
	"sanicap|[2:2] : 0x1	Overwrite Sanitize Supported" \
	"oncs|[6:6] : 0x1	Timestamp Supported" "oncs|[4:4] : 0	Save and Select" \
	"fna|[0:0] : 0	Format Applies to All Namespaces: No" \
	"vwc|[0:0] : 0x1	Volatile Write Cache Present: Yes" \
	"vwc|[2:1] : 0x3	Flush with NSID FFFFFFFFh: Supported" \
	"sgls|[1:0] : 0x1	SGLs Supported, any alignment" \
	"sgls|[16:16] : 0x1	SGL Bit Bucket Descriptor Supported" \
	"wctemp|70 C (343 K)"; do
	if ! has_after "${pair%%|*}" "${pair#*|}"; then
		not_ok "id-ctrl -H: no '${pair#*|}' under ${pair%%|*}" "$(grep -A12 "^${pair%%|*} " "$tmp/out")"
		n=$((n + 1))
	fi
done
[ "$n" -eq 0 ] && ok "id-ctrl -H: cmic oaes ctratt oacs frmw lpa sanicap oncs fna vwc sgls wctemp decoded"
run id-ctrl "$SIM"
if grep -q '^  \[' "$tmp/out"; then
	not_ok "id-ctrl without -H: decoded lines" "$(grep '^  \[' "$tmp/out" | head -3)"
else
	ok "id-ctrl without -H: no decoded lines"
fi
run id-ns "$SIM" -n 1 -H
n=0
for pair in "nsfeat|[0:0] : 0	Thin Provisioning Not Supported" \
	"flbas|[4:4] : 0	Metadata at the End of the Data LBA (extended): No" \
	"flbas|[3:0] : 0	LBA Format Index" \
	"mc|[1:1] : 0x1	Metadata in a Separate Buffer Supported" \
	"dpc|[0:0] : 0x1	Protection Information Type 1 Supported" \
	"dps|[2:0] : 0	Protection Information Disabled" \
	"nmic|[0:0] : 0	Namespace May Be Attached to Two or More Controllers: No"; do
	if ! has_after "${pair%%|*}" "${pair#*|}"; then
		not_ok "id-ns -H: no '${pair#*|}' under ${pair%%|*}" "$(grep -A6 "^${pair%%|*} " "$tmp/out")"
		n=$((n + 1))
	fi
done
if [ "$n" -eq 0 ] && [ "$(grep -c '(in use)$' "$tmp/out")" -eq 1 ] &&
	grep -q '^LBA Format  0 : Metadata Size: 0   bytes - Data Size: 512  bytes - Relative Performance: 0 Best (in use)$' "$tmp/out" &&
	grep -q '^LBA Format  4 : Metadata Size: 8   bytes - Data Size: 4096 bytes' "$tmp/out"; then
	ok "id-ns -H: nsfeat flbas mc dpc dps nmic decoded, LBA formats with the one in use"
else
	not_ok "id-ns -H: LBA format lines" "$(grep -i 'lba format' "$tmp/out")"
fi
run smart-log "$SIM" -H
if grep -q '^critical_warning: 0$' "$tmp/out" &&
	[ "$(grep -c '^  \[[0-5]:[0-5]\] : 0	' "$tmp/out")" -eq 6 ] &&
	grep -q '^  \[3:3\] : 0	Media Placed in Read-Only Mode$' "$tmp/out" &&
	grep -q '^temperature: 40 C (313 K)$' "$tmp/out" && ! grep -q '^temperature *: 0x' "$tmp/out"; then
	ok "smart-log -H: six critical_warning bits, temperature in Celsius and Kelvin"
else
	not_ok "smart-log -H" "$(head -12 "$tmp/out")"
fi

run id-ns "$SIM" -n 2 -o json
pycheck "id-ns -n 2: nsze, flbas, six LBA formats as lbafs[{ms,ds,rp}]" "
assert d['nsze'] == d['ncap'] == d['nuse'] == (64 << 20) // 512, d['nsze']
assert d['flbas'] == 0 and d['nlbaf'] == 5 and len(d['lbafs']) == 6
assert [(f['ds'], f['ms']) for f in d['lbafs']] == [(9, 0), (9, 8), (9, 64), (12, 0), (12, 8), (12, 64)]
assert len(d['eui64']) == 16 and len(d['nguid']) == 32"

run list "$SIM" -o json
expect_rc "list -o json" 0
pycheck "list -o json: Devices[] as nvme-cli names them, one per namespace" "
devs = d['Devices']
assert [x['NameSpace'] for x in devs] == [1, 2], devs
for x in devs:
    assert x['DevicePath'] == 'clisim' and x['SectorSize'] == 512 and x['MaximumLBA'] == 131072
    assert x['ModelNumber'] == 'pnvme sim controller' and x['PhysicalSize'] == 64 << 20"
run list "$SIM"
if grep -q '^Node ' "$tmp/out" && [ "$(grep -c '^clisim ' "$tmp/out")" -eq 2 ]; then
	ok "list: a header and one line per namespace"
else
	not_ok "list: table wrong" "$(cat "$tmp/out")"
fi

run list-ns "$SIM" -o json
pycheck "list-ns -o json: nsid_list of the active IDs" "
assert d == {'nsid_list': [{'nsid': 1}, {'nsid': 2}]}, d"
run list-ns "$SIM"
if [ "$(cat "$tmp/out")" = "$(printf '[   0]:0x1\n[   1]:0x2')" ]; then
	ok "list-ns: nvme-cli's '[   0]:0x1' lines"
else
	not_ok "list-ns: lines wrong" "$(cat "$tmp/out")"
fi

run smart-log "$SIM" -o json -H
pycheck "smart-log -H -o json: critical_warning decoded, temperature in K" "
assert d['critical_warning']['value'] == 0 and 'available_spare' in d['critical_warning']
assert d['temperature'] == 313 and d['avail_spare'] == 100"

run error-log "$SIM" -e 4 -o json
pycheck "error-log -e 4: four entries" "assert len(d['errors']) == 4"

run fw-log "$SIM" -o json
pycheck "fw-log: slot 1 active, running 0.1" "
v = d['clisim']
assert v['Active Firmware Slot (afi)'] == 1, v
assert v['Firmware Rev Slot 1'].endswith('(0.1.....)'), v"

run get-feature "$SIM" -f 7 -H
expect_rc "get-feature -f 7 -H" 0
if grep -q '^get-feature:0x07 (Number of Queues), Current value:0x000f000f$' "$tmp/out" &&
	grep -q 'NSQA): 16' "$tmp/out"; then
	ok "get-feature -f 7: nvme-cli's line, -H decodes NSQA/NCQA"
else
	not_ok "get-feature -f 7: output" "$(cat "$tmp/out")"
fi
run get-feature "$SIM" -f 6 -s 3
if grep -q 'Supported capabilities value' "$tmp/out" && grep -q 'changeable' "$tmp/out"; then
	ok "get-feature -s 3: capabilities"
else
	not_ok "get-feature -s 3" "$(cat "$tmp/out" "$tmp/err")"
fi
run get-feature "$SIM"
if [ "$(grep -c '^get-feature:' "$tmp/out")" -ge 9 ]; then
	ok "get-feature without -f: every standard feature"
else
	not_ok "get-feature without -f" "$(cat "$tmp/out")"
fi

batch "set-feature -f 4 -v 0x160
get-feature -f 4 -H"
expect_rc "set-feature then get-feature" 0
if grep -q '^set-feature:0x04 (Temperature Threshold), value:0x00000160, cdw12:00000000, save:0$' "$tmp/out" &&
	grep -q 'value:0x00000160$' "$tmp/out" && grep -q '79 C (352 K)' "$tmp/out"; then
	ok "set-feature -f 4 -v 0x160: set, read back, decoded"
else
	not_ok "set-feature: output" "$(cat "$tmp/out" "$tmp/err")"
fi

run reset "$SIM"
expect_rc "reset" 0

run --version
if [ "$rc" -eq 0 ] && grep -q "^pnvme-cli $(make_version)\$" "$tmp/out"; then
	ok "--version"
else
	not_ok "--version" "$(cat "$tmp/out")"
fi

# ---------------------------------------------------------------- format
batch "format -n 1 -l 3 --force
id-ns -n 1 -o json
list -o json"
expect_rc "format -l 3 then id-ns, list" 0
sed -n '/^{/,/^}/p' "$tmp/out" | python3 -c "
import json, sys
text = sys.stdin.read()
docs, dec, i = [], json.JSONDecoder(), 0
while i < len(text):
    if text[i].isspace():
        i += 1
        continue
    o, i = dec.raw_decode(text, i)
    docs.append(o)
ns, lst = docs
assert ns['flbas'] == 3 and ns['lbafs'][3]['ds'] == 12, ns['flbas']
assert ns['nsze'] == (64 << 20) // 4096, ns['nsze']
assert [x['SectorSize'] for x in lst['Devices']] == [4096, 512], lst
" >"$tmp/py" 2>&1 && ok "format -l 3: namespace 1 has 4096-byte blocks (handles rescanned), 2 unchanged" ||
	not_ok "format -l 3: not reformatted" "$(cat "$tmp/py" "$tmp/out")"
if grep -q '^Success formatting namespace:1$' "$tmp/out"; then
	ok "format: nvme-cli's success line"
else
	not_ok "format: no success line" "$(head -3 "$tmp/out")"
fi
batch "format -n 2 --block-size 4096 --force
id-ns -n 2"
if grep -q '^flbas *: 3' "$tmp/out"; then
	ok "format --block-size 4096: the 4096-byte format without metadata"
else
	not_ok "format --block-size" "$(cat "$tmp/out" "$tmp/err")"
fi

# ---------------------------------------------------------------- destructive: refused
for c in "format -n 1 -l 3" "sanitize -a 2" "delete-ns -n 1" "fw-commit -s 2 -a 1"; do
	# shellcheck disable=SC2086
	run $c "$SIM" </dev/null
	expect_rc "$c without --force, stdin not a terminal" 1
	expect_one_line "$c without --force"
	if grep -q 'refusing .*without --force' "$tmp/err"; then
		ok "$c without --force: says why"
	else
		not_ok "$c without --force: no reason" "$(cat "$tmp/err")"
	fi
done
batch "format -n 1 -l 3
id-ns -n 1 -o json"
expect_rc "batch: format without --force" 1
if grep -q '"flbas": 0,' "$tmp/out"; then
	ok "batch: format without --force refused, namespace unchanged"
else
	not_ok "batch: format without --force changed the namespace" "$(cat "$tmp/out")"
fi

# A controller the kernel's nvme driver holds (a fake sysfs).
mkdir -p "$tmp/sys/bus/pci/devices/0000:01:00.0" "$tmp/sys/bus/pci/drivers/nvme"
ln -s ../../../../bus/pci/drivers/nvme "$tmp/sys/bus/pci/devices/0000:01:00.0/driver"
PNVME_SYSFS_ROOT=$tmp/sys run format 0000:01:00.0 --force
expect_rc "format of a kernel-bound controller" 1
expect_one_line "format of a kernel-bound controller"
if grep -q "in use by the kernel's nvme driver" "$tmp/err"; then
	ok "format of a kernel-bound controller: refused as the kernel's"
else
	not_ok "format of a kernel-bound controller" "$(cat "$tmp/err")"
fi

# ---------------------------------------------------------------- bad input
check_bad() { # WHAT EXPECTED-RE ARGS...
	what=$1
	re=$2
	shift 2
	run "$@"
	if [ "$rc" -ne 0 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && grep -q "$re" "$tmp/err" &&
		[ ! -s "$tmp/out" ]; then
		ok "$what: one line, exit $rc"
	else
		not_ok "$what: exit $rc" "$(cat "$tmp/err" "$tmp/out")"
	fi
}
check_bad "unknown subcommand" "unknown subcommand 'frob'" frob "$SIM"
check_bad "unknown option" "unknown option" id-ctrl "$SIM" --frob
check_bad "bad namespace" "namespace 9 does not exist" id-ns "$SIM" -n 9
check_bad "namespace 0" "namespace 0 does not exist" smart-log "$SIM" -n 0
check_bad "feature out of range" "out of range (0x01..0xff)" set-feature "$SIM" -f 0x100 -v 1
check_bad "sel out of range" "sel 4 is out of range" get-feature "$SIM" -f 7 -s 4
check_bad "firmware file missing" "firmware file '/nonexistent/fw.bin'" fw-download "$SIM" -f /nonexistent/fw.bin
check_bad "nonexistent LBA format" "LBA format 9 does not exist" format "$SIM" -l 9 --force
check_bad "no device" "no device given" id-ctrl
check_bad "a kernel device node" "kernel device" id-ctrl /dev/nvme0
check_bad "bad output format" "unknown output format" id-ctrl "$SIM" -o yaml
check_bad "not a number" "is not a number" id-ns "$SIM" -n one
batch "format -n 1 -l 9 --force
set-feature -f 4 -v 0x10000000000
id-ns -n 1 -o json
get-feature -f 4"
if [ "$rc" -eq 1 ] && grep -q '"flbas": 0,' "$tmp/out" && grep -q 'value:0x00000157$' "$tmp/out"; then
	ok "bad format and feature value: the device unchanged (flbas 0, threshold 343 K)"
else
	not_ok "bad input changed the device" "$(cat "$tmp/out" "$tmp/err")"
fi

# ---------------------------------------------------------------- namespace management
batch "create-ns -s 8192 -f 3
list-ns -a -o json
list-ns -o json
attach-ns -n 3
list-ns -o json
id-ns -n 3 -o json
detach-ns -n 3
list-ns -o json
delete-ns -n 3 --force
list-ns -a -o json"
expect_rc "create/attach/detach/delete-ns" 0
if grep -q '^create-ns: Success, created nsid:3$' "$tmp/out"; then
	ok "create-ns: nsid 3 created"
else
	not_ok "create-ns" "$(cat "$tmp/out" "$tmp/err")"
fi
python3 - "$tmp/out" >"$tmp/py" 2>&1 <<'PY' && ok "ns management: allocated, attached, 8192 x 4096 bytes, detached, deleted" || not_ok "ns management lists" "$(cat "$tmp/py")"
import json, sys
text = open(sys.argv[1]).read()
docs, dec, i = [], json.JSONDecoder(), 0
while i < len(text):
    if text[i] == '{':
        o, i = dec.raw_decode(text, i)
        docs.append(o)
    else:
        i += 1
ids = lambda d: [x['nsid'] for x in d['nsid_list']]
alloc, active0, active1, ns3, active2, alloc2 = docs
assert ids(alloc) == [1, 2, 3] and ids(active0) == [1, 2], (alloc, active0)
assert ids(active1) == [1, 2, 3] and ns3['nsze'] == 8192 and ns3['flbas'] == 3, ns3
assert ids(active2) == [1, 2] and ids(alloc2) == [1, 2], (active2, alloc2)
PY
batch "create-ns -s 999999999
attach-ns -n 1
detach-ns -n 4"
if [ "$rc" -eq 1 ] && grep -q 'Namespace Insufficient Capacity' "$tmp/err" &&
	grep -q 'Namespace Already Attached' "$tmp/err" &&
	grep -q 'Invalid Namespace or Format' "$tmp/err"; then
	ok "ns management errors: capacity, already attached, unallocated"
else
	not_ok "ns management errors" "$(cat "$tmp/err")"
fi

# ---------------------------------------------------------------- firmware
printf 'PNVMEFW2' >"$tmp/fw.bin"
head -c 12280 /dev/zero >>"$tmp/fw.bin" # 12 KiB: three 4 KiB pieces (FWUG)
batch "fw-download -f $tmp/fw.bin
fw-commit -s 2 -a 3 --force
fw-log -o json
id-ctrl -o json"
expect_rc "fw-download, fw-commit -a 3" 0
python3 - "$tmp/out" >"$tmp/py" 2>&1 <<'PY' && ok "firmware: slot 2 holds PNVMEFW2 and runs it (afi 2, fr)" || not_ok "firmware" "$(cat "$tmp/py" "$tmp/out")"
import json, sys
text = open(sys.argv[1]).read()
docs, dec, i = [], json.JSONDecoder(), 0
while i < len(text):
    if text[i] == '{':
        o, i = dec.raw_decode(text, i)
        docs.append(o)
    else:
        i += 1
fw, ctrl = docs
v = fw['clisim']
assert v['Active Firmware Slot (afi)'] == 2 and v['Firmware Rev Slot 2'].endswith('(PNVMEFW2)'), v
assert ctrl['fr'] == 'PNVMEFW2', ctrl['fr']
PY
batch "fw-download -f $tmp/fw.bin -x 8192
fw-commit -s 3 -a 1 --force
fw-log -o json
reset
fw-log -o json"
if grep -q '"Active Firmware Slot (afi)": 49,' "$tmp/out" && grep -q '"Active Firmware Slot (afi)": 3,' "$tmp/out"; then
	ok "fw-commit -a 1: slot 3 next (afi 0x31), running after reset"
else
	not_ok "fw-commit -a 1 then reset" "$(cat "$tmp/out" "$tmp/err")"
fi
head -c 4096 /dev/zero >"$tmp/bad.bin"
batch "fw-download -f $tmp/bad.bin
fw-commit -s 2 -a 3 --force
fw-log -o json"
if [ "$rc" -eq 1 ] && grep -q 'Invalid Firmware Image' "$tmp/err" && ! grep -q 'Slot 2' "$tmp/out"; then
	ok "fw-commit of an image with no revision: Invalid Firmware Image, slot 2 empty"
else
	not_ok "bad firmware image" "$(cat "$tmp/out" "$tmp/err")"
fi
run fw-download "$SIM" -f "$tmp/fw.bin" -x 6144
expect_rc "fw-download -x 6144 (not a FWUG multiple)" 1
expect_one_line "fw-download -x 6144"
# An image in two files: --offset is the byte offset of the second.
printf 'PNVMEFW4' >"$tmp/fw-a.bin"
head -c 4088 /dev/zero >>"$tmp/fw-a.bin" # 4 KiB at 0
head -c 8192 /dev/zero >"$tmp/fw-b.bin" # 8 KiB at 4096
batch "fw-download -f $tmp/fw-a.bin
fw-download -f $tmp/fw-b.bin --offset 4096
fw-download -f $tmp/fw-b.bin -o 4096
fw-download -f $tmp/fw-b.bin -o 16384
fw-commit -s 2 -a 3 --force
fw-log -o json"
# The sim takes pieces in order: 4096 again overlaps (the image is 12 KiB), 16384 leaves a gap.
if [ "$(grep -c '^Firmware download success$' "$tmp/out")" -eq 2 ] &&
	grep -q 'of 8192 bytes at offset 4096: .*Overlapping Range' "$tmp/err" &&
	grep -q 'of 8192 bytes at offset 16384: Invalid Field' "$tmp/err" &&
	grep -q '"Firmware Rev Slot 2": .*(PNVMEFW4)' "$tmp/out"; then
	ok "fw-download --offset: 4 KiB at 0 + 8 KiB at 4096 make one image, committed"
else
	not_ok "fw-download --offset" "$(cat "$tmp/out" "$tmp/err")"
fi
# Bad offsets: one line, non-zero, and the image being downloaded is unchanged.
for o in 100 2048 1048576 8589934592; do
	run fw-download "$SIM" -f "$tmp/fw-b.bin" -o $o
	expect_rc "fw-download --offset $o" 1
	expect_one_line "fw-download --offset $o"
done
batch "fw-download -f $tmp/fw-a.bin
fw-download -f $tmp/fw-b.bin -o 2048
fw-download -f $tmp/fw-b.bin -o 1048576
fw-download -f $tmp/fw-b.bin -o 4096
fw-commit -s 3 -a 3 --force
fw-log -o json"
if grep -q 'offset 2048: not a multiple of FWUG (4096 bytes), nothing downloaded' "$tmp/err" &&
	grep -q 'of 8192 bytes at offset 1048576: Invalid Field' "$tmp/err" &&
	[ "$(grep -c '^Firmware download success$' "$tmp/out")" -eq 2 ] &&
	grep -q '"Firmware Rev Slot 3": .*(PNVMEFW4)' "$tmp/out"; then
	ok "fw-download: bad offsets say why and change nothing (4096 still follows)"
else
	not_ok "fw-download bad offsets" "$(cat "$tmp/out" "$tmp/err")"
fi

# ---------------------------------------------------------------- sanitize, self-test
SIM_SLOW="$SIM sanitize_ms=60000"
printf 'sanitize -a 2 --force\nsanitize-log -o json\nsanitize -a 2 --force\nformat -l 3 --force\n' >"$tmp/script"
"$BIN" batch "$SIM_SLOW" "$tmp/script" >"$tmp/out" 2>"$tmp/err"
if grep -q '"status": "(2) Sanitize in Progress."' "$tmp/out" &&
	grep -q 'Sanitize: Sanitize In Progress' "$tmp/err" && grep -q 'Format NVM: Sanitize In Progress' "$tmp/err"; then
	ok "sanitize: in progress in the log; another sanitize and a format refused meanwhile"
else
	not_ok "sanitize in progress" "$(cat "$tmp/out" "$tmp/err")"
fi
batch "sanitize -a 4 --force
device-self-test -s 1 --wait
sanitize-log -o json
self-test-log -o json
self-test-log"
expect_rc "sanitize to completion, self-test" 0
if grep -q '"sprog": 65535' "$tmp/out" && grep -q '"status": "(1) Most Recent Sanitize Command Completed Successfully."' "$tmp/out" &&
	grep -q '"global_erased": 1' "$tmp/out"; then
	ok "sanitize-log: completed, progress full, global erased"
else
	not_ok "sanitize completed" "$(cat "$tmp/out")"
fi
if grep -q '"Self test result": 0,' "$tmp/out" && grep -q '"Self test code": 1,' "$tmp/out" &&
	grep -q 'Operation completed without error' "$tmp/out"; then
	ok "device-self-test --wait: a short test's result in self-test-log"
else
	not_ok "self-test" "$(cat "$tmp/out" "$tmp/err")"
fi
# A controller reset aborts a short self-test (result 2h); an extended one runs on.
SIM="$SIM selftest_ms=60000"
batch "device-self-test -s 1
reset
self-test-log
device-self-test -s 2
reset
self-test-log -o json"
SIM=${SIM% selftest_ms=60000}
if [ "$rc" -eq 0 ] && grep -q 'Operation Result   : 0x2 Operation was aborted by a Controller Level Reset' "$tmp/out" &&
	grep -q '"Current Device Self-Test Operation": 2,' "$tmp/out"; then
	ok "reset: a short self-test aborted (result 2h), an extended one still running"
else
	not_ok "self-test across reset" "$(cat "$tmp/out" "$tmp/err")"
fi
check_bad "self-test code" "self-test-code 0x3" device-self-test "$SIM" -s 3
check_bad "sanitize action" "sanact 7" sanitize "$SIM" -a 7 --force

cli_summary
