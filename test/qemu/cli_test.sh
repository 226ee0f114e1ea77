#!/bin/sh
# Guest side (busybox sh, run by guest-check.sh): pnvme-cli against QEMU's
# emulated controllers. Controller A on the kernel's nvme driver first:
# nvme-cli's id-ctrl/id-ns JSON there, and pnvme-cli refusing it; then A back
# on vfio-pci: pnvme-cli id-ctrl/id-ns JSON, whose top-level fields must equal
# nvme-cli's, smart-log, error-log, fw-log, list, get-feature, and format of
# namespace 1 to 4096-byte blocks, a verified pnvme-perf run on the new
# format, and back. nvme-cli comes from the host (/usr/sbin/nvme, check.sh
# includes it). Ends with "N passed, N failed".
# shellcheck disable=SC1091
. /lib/pnvme/guest-lib.sh
A=$PNVME_CTRL_A
B=$PNVME_CTRL_B
NVME=/usr/sbin/nvme
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }
# check WHAT CMD...: exit 0, output in /tmp/out
check() {
    what=$1; shift
    if "$@" >/tmp/out 2>&1; then ok "$what"; else bad "$what (exit $?)"; cat /tmp/out; fi
}
# json_has FILE KEY...: a top-level "KEY": in FILE for each
json_has() {
    f=$1; shift
    for k in "$@"; do grep -q "^  \"$k\": *" "$f" || { echo "no key $k"; return 1; }; done
}
# The top-level scalar members of a pretty-printed JSON object, one "key=value"
# a line, sorted (nvme-cli's json-c writes "key":value, pnvme-cli "key": value).
flat() {
    sed -n 's/^  "\([^"]*\)": *\([^[{].*\)$/\1=\2/p' "$1" | sed 's/,$//' | sort
}
# same_fields NVME-JSON PNVME-JSON WHAT: every top-level field both print is equal.
same_fields() {
    flat "$1" >/tmp/k.flat
    flat "$2" >/tmp/p.flat
    shared=0
    diff_=
    while IFS= read -r line; do
        key=${line%%=*}
        theirs=$(grep "^$key=" /tmp/p.flat)
        [ -z "$theirs" ] && continue
        shared=$((shared + 1))
        [ "$theirs" = "$line" ] || diff_="$diff_ [$line | $theirs]"
    done </tmp/k.flat
    if [ -z "$diff_" ] && [ "$shared" -ge "$4" ]; then
        ok "$3: $shared fields shared with nvme-cli, all equal"
    else
        bad "$3: $shared shared fields, differing:$diff_"
    fi
}

# The namespaces the nvme driver made for BDF show up after its asynchronous scan.
disks_of() { ls -d /sys/bus/pci/devices/"$1"/nvme/nvme*/nvme*n* 2>/dev/null; }
wait_disks() {
    i=0
    while [ "$(disks_of "$1" | wc -l)" -lt "$2" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

# same_keys NVME-JSON PNVME-JSON WHAT: the same top-level keys in both.
same_keys() {
    sed -n 's/^  "\([^"]*\)":.*/\1/p' "$1" | sort >/tmp/k.keys
    sed -n 's/^  "\([^"]*\)":.*/\1/p' "$2" | sort >/tmp/p.keys
    if cmp -s /tmp/k.keys /tmp/p.keys && [ -s /tmp/k.keys ]; then
        ok "$3: the same $(wc -l </tmp/k.keys) keys as nvme-cli"
    else
        bad "$3: keys differ (< nvme-cli, > pnvme-cli)"; diff /tmp/k.keys /tmp/p.keys
    fi
}

# ---------------------------------------------------------------- on the kernel's driver
echo "== $A on the kernel's nvme driver: nvme-cli's view"
check "nvme modules load" load_nvme
check "pnvme-setup reset $A" pnvme-setup reset "$A"
i=0
while [ ! -e "/sys/bus/pci/devices/$A/nvme" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
ctrl=$(ls "/sys/bus/pci/devices/$A/nvme" 2>/dev/null | head -1)
i=0
while [ ! -c "/dev/$ctrl" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
# The node comes before the controller is live (EAGAIN until then).
i=0
while [ "$(cat "/sys/class/nvme/$ctrl/state" 2>/dev/null)" != live ] && [ $i -lt 100 ]; do
    sleep 0.1; i=$((i + 1))
done
if [ -n "$ctrl" ] && [ -c "/dev/$ctrl" ] && [ "$(cat "/sys/class/nvme/$ctrl/state")" = live ]; then
    ok "$A is /dev/$ctrl, live"
else
    bad "$A has no live /dev/nvmeX"
fi
wait_disks "$A" 2
check "nvme id-ctrl /dev/$ctrl -o json" "$NVME" id-ctrl "/dev/$ctrl" -o json
cp /tmp/out /tmp/kernel-id-ctrl.json
check "nvme id-ns -n 1 -o json" "$NVME" id-ns "/dev/$ctrl" -n 1 -o json
cp /tmp/out /tmp/kernel-id-ns.json
check "nvme smart-log -o json" "$NVME" smart-log "/dev/$ctrl" -o json
cp /tmp/out /tmp/kernel-smart.json
pnvme-cli format "$A" --force >/tmp/out 2>&1
rc=$?
if [ $rc = 1 ] && grep -q "in use by the kernel's nvme driver" /tmp/out && [ "$(wc -l </tmp/out)" = 1 ]; then
    ok "pnvme-cli format of a kernel-bound controller: refused, one line"
else
    bad "pnvme-cli format of a kernel-bound controller (exit $rc)"; cat /tmp/out
fi
check "pnvme-setup bind $A (back to vfio-pci)" pnvme-setup bind "$A"

# ---------------------------------------------------------------- on vfio-pci
echo "== $A on vfio-pci: pnvme-cli"
check "pnvme-cli id-ctrl -o json" pnvme-cli id-ctrl "$A" -o json
cp /tmp/out /tmp/pnvme-id-ctrl.json
check "id-ctrl: nvme-cli's keys" json_has /tmp/pnvme-id-ctrl.json vid ssvid sn mn fr mdts \
    cntlid ver oacs frmw lpa elpe npss wctemp cctemp tnvmcap unvmcap sqes cqes nn oncs \
    vwc sgls subnqn psds
grep -q '"mn": "QEMU NVMe Ctrl' /tmp/pnvme-id-ctrl.json && ok "id-ctrl: mn" || bad "id-ctrl: mn"
same_fields /tmp/kernel-id-ctrl.json /tmp/pnvme-id-ctrl.json "id-ctrl vs nvme id-ctrl" 60
same_keys /tmp/kernel-id-ctrl.json /tmp/pnvme-id-ctrl.json "id-ctrl vs nvme id-ctrl"
check "pnvme-cli id-ns -n 1 -o json" pnvme-cli id-ns "$A" -n 1 -o json
cp /tmp/out /tmp/pnvme-id-ns.json
check "id-ns: nvme-cli's keys" json_has /tmp/pnvme-id-ns.json nsze ncap nuse nlbaf flbas \
    mc dpc dps nvmcap eui64 nguid lbafs
same_fields /tmp/kernel-id-ns.json /tmp/pnvme-id-ns.json "id-ns vs nvme id-ns" 20
same_keys /tmp/kernel-id-ns.json /tmp/pnvme-id-ns.json "id-ns vs nvme id-ns"
check "pnvme-cli smart-log -o json" pnvme-cli smart-log "$A" -o json
cp /tmp/out /tmp/pnvme-smart.json
same_keys /tmp/kernel-smart.json /tmp/pnvme-smart.json "smart-log vs nvme smart-log"
check "smart-log: nvme-cli's keys" json_has /tmp/pnvme-smart.json critical_warning temperature \
    avail_spare spare_thresh percent_used data_units_read host_read_commands power_cycles \
    power_on_hours unsafe_shutdowns media_errors num_err_log_entries
check "pnvme-cli smart-log" pnvme-cli smart-log "$A"
check "pnvme-cli error-log -o json" pnvme-cli error-log "$A" -o json
grep -q '"error_count":' /tmp/out && grep -q '"status_field":' /tmp/out && ok "error-log: entries" ||
    bad "error-log: entries"
check "pnvme-cli fw-log -o json" pnvme-cli fw-log "$A" -o json
grep -q '"Active Firmware Slot (afi)": 1' /tmp/out && ok "fw-log: slot 1 active" || bad "fw-log"
check "pnvme-cli get-feature -f 7 -H" pnvme-cli get-feature "$A" -f 7 -H
grep -q '^get-feature:0x07 (Number of Queues), Current value:' /tmp/out && ok "get-feature line" ||
    bad "get-feature line"
check "pnvme-cli list (every vfio-bound controller)" pnvme-cli list
[ "$(grep -c "^$A " /tmp/out)" = 2 ] && [ "$(grep -c "^$B " /tmp/out)" = 1 ] &&
    ok "list: A's two namespaces and B's one" || { bad "list"; cat /tmp/out; }

echo "== format namespace 1 of $A to 4096-byte blocks, I/O, and back"
pnvme-cli format "$A" -n 1 -b 4096 </dev/null >/tmp/out 2>&1
[ $? = 1 ] && grep -q 'refusing .*without --force' /tmp/out && ok "format without --force refused" ||
    { bad "format without --force"; cat /tmp/out; }
check "pnvme-cli format -n 1 -b 4096 --force" pnvme-cli format "$A" -n 1 -b 4096 --force
check "id-ns after format" pnvme-cli id-ns "$A" -n 1
grep -q '^lbaf  *[0-9]* : ms:0   lbads:12 .*(in use)' /tmp/out && ok "namespace 1 in a 4096-byte format" ||
    { bad "namespace 1 not reformatted"; cat /tmp/out; }
check "pnvme-perf --verify at 4096-byte blocks" pnvme-perf -r "$A" -q 8 -o 4096 -w randrw -t 1 --verify
grep -q "0 mismatches" /tmp/out && ok "perf after format: no mismatch" || bad "perf after format"
pnvme-cli format "$A" -n 1 -l 63 --force >/tmp/out 2>&1
[ $? = 1 ] && [ "$(wc -l </tmp/out)" = 1 ] && ok "format to a nonexistent LBA format: one line" ||
    { bad "format -l 63"; cat /tmp/out; }
check "pnvme-cli format -n 1 -b 512 --force (back)" pnvme-cli format "$A" -n 1 -b 512 --force
check "id-ns -o json after the way back" pnvme-cli id-ns "$A" -n 1 -o json
grep -q '"flbas": 0,' /tmp/out && ok "namespace 1 back to 512-byte blocks" || bad "not back to 512"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
