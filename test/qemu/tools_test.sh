#!/bin/sh
# Guest side: pnvme-identify and pnvme-perf against QEMU's controllers through
# vfio-pci (run by guest-check.sh). Ends with "N passed, N failed".
A=$PNVME_CTRL_A
B=$PNVME_CTRL_B
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
check() { # check NAME COMMAND...: exit status 0
	name=$1
	shift
	if "$@" >/tmp/out 2>&1; then ok "$name"; else bad "$name (exit $?)"; cat /tmp/out; fi
}

check "identify A" pnvme-identify -r "$A"
grep -q "QEMU NVMe Ctrl" /tmp/out && ok "identify shows the model" || bad "identify shows the model"
grep -q "4096 bytes" /tmp/out && ok "identify shows the 4 KiB namespace" || bad "identify shows the 4 KiB namespace"
check "identify --json B" pnvme-identify --json -r "$B"
grep -q '"model": *"QEMU NVMe Ctrl' /tmp/out && ok "identify JSON model" || bad "identify JSON model"
check "identify probes both" pnvme-identify
[ "$(grep -c '^Controller' /tmp/out)" = 2 ] && ok "two controllers probed" || bad "two controllers probed"

check "perf randrw verify on A" pnvme-perf -r "$A" -q 32 -o 4096 -w randrw -M 70 -t 2 --verify
grep -q "0 mismatches" /tmp/out && ok "perf A: no mismatch" || bad "perf A: no mismatch"
cat /tmp/out
check "perf split I/O on B (64 KiB over 16 KiB MDTS)" pnvme-perf -r "$B" -q 8 -o 65536 -w randrw -t 2 --verify
grep -q "0 mismatches" /tmp/out && ok "perf B: no mismatch" || bad "perf B: no mismatch"
check "perf with no -r takes the vfio-bound controllers" pnvme-perf -q 4 -t 1
grep -q "bound to vfio-pci" /tmp/out && ok "perf says which controllers" || bad "perf says which controllers"
pnvme-perf -q 0 >/tmp/out 2>&1
[ $? = 2 ] && ok "perf -q 0 is a usage error" || bad "perf -q 0 is a usage error"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
