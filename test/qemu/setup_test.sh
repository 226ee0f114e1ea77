#!/bin/sh
# Guest-side test of pnvme-setup (busybox sh): status, reset to the kernel's
# nvme driver, bind to vfio-pci, and the refusals: a namespace mounted (here,
# in another mount namespace, or lazily unmounted with a file open), used as
# swap or held open, a vfio group held open. Checks outcomes in sysfs.
#
#   test/qemu/run.sh test/qemu/setup_test.sh      (needs build/bin/pnvme-setup)

. /lib/pnvme/guest-lib.sh

A=$PNVME_CTRL_A
B=$PNVME_CTRL_B
pass=0
fail=0

ok()  { pass=$((pass + 1)); echo "ok   - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }

# check DESC CMD...: CMD's exit status decides.
check() {
    desc=$1; shift
    if "$@"; then ok "$desc"; else bad "$desc"; fi
}

# expect STATUS DESC CMD...: runs CMD (output kept in /tmp/out) and wants
# exit status STATUS; shows the output when it gets another.
expect() {
    want=$1 desc=$2; shift 2
    "$@" > /tmp/out 2>&1
    got=$?
    if [ "$got" = "$want" ]; then ok "$desc"; else bad "$desc (exit $got, wanted $want)"; fi
    [ "$got" = "$want" ] || sed 's/^/    | /' /tmp/out
}

out_has() { grep -q -- "$1" /tmp/out; }
one_line() { [ "$(wc -l < /tmp/out)" = 1 ]; }
driver_is() { [ "$(driver_of "$1")" = "$2" ]; }
vfio_node_of() { echo "/dev/vfio/$(iommu_group_of "$1")"; }

# The disks (namespaces) the nvme driver made for BDF; with native
# multipath the controller directory has nvmeXcYnZ, the disk is its head.
disks_of() {
    for p in /sys/bus/pci/devices/"$1"/nvme/nvme*/nvme*; do
        n=$(basename "$p")
        case $n in
            nvme*c*n*) for h in /sys/block/*/multipath/"$n"; do
                           [ -e "$h" ] && basename "$(dirname "$(dirname "$h")")"
                       done ;;
            nvme*n*)   echo "$n" ;;
        esac
    done
}

# Namespaces show up after the driver's asynchronous scan.
wait_disks() {
    i=0
    while [ "$(disks_of "$1" | wc -l)" -lt "$2" ] && [ $i -lt 100 ]; do
        sleep 0.1; i=$((i + 1))
    done
    [ "$(disks_of "$1" | wc -l)" -ge "$2" ]
}

# Starts a process holding NODE open as its stdin; sets HOLDER.
hold_open() {
    # shellcheck disable=SC2217  # sleep only has to hold the descriptor
    sleep 120 < "$1" &
    HOLDER=$!
    i=0
    while [ "$(readlink "/proc/$HOLDER/fd/0")" != "$1" ] && [ $i -lt 50 ]; do
        sleep 0.1; i=$((i + 1))
    done
}
release() { kill "$HOLDER"; wait "$HOLDER" 2>/dev/null; }

echo "== status after boot (/init ran pnvme-setup bind)"
expect 0 "status" pnvme-setup status
cat /tmp/out
check "status shows $A on vfio-pci" grep -q "^$A .* vfio-pci " /tmp/out
check "status shows $B on vfio-pci" grep -q "^$B .* vfio-pci " /tmp/out
check "$A bound to vfio-pci in sysfs" driver_is "$A" vfio-pci
check "$B bound to vfio-pci in sysfs" driver_is "$B" vfio-pci
check "$A has $(vfio_node_of "$A")" test -c "$(vfio_node_of "$A")"
check "$B has $(vfio_node_of "$B")" test -c "$(vfio_node_of "$B")"
expect 0 "bind again is a no-op" pnvme-setup bind "$A"
check "  ... saying so" out_has "already on vfio-pci"

echo "== reset to the kernel's nvme driver"
check "nvme modules load" load_nvme
expect 0 "reset $A (short BDF ${A#0000:})" pnvme-setup reset "${A#0000:}"
check "$A bound to nvme in sysfs" driver_is "$A" nvme
check "driver_override cleared" test "$(cat /sys/bus/pci/devices/"$A"/driver_override)" = "(null)"
check "$A has its 2 namespaces as disks" wait_disks "$A" 2
d1=$(disks_of "$A" | head -1)
d2=$(disks_of "$A" | tail -1)
echo "   disks of $A: $d1 $d2"
expect 0 "status" pnvme-setup status
check "status shows $A on nvme with $d1 and $d2, free" \
    grep -q "^$A .* nvme .*$d1.* free" /tmp/out

echo "== bind refuses a namespace in use"
hold_open "/dev/$d1"
expect 1 "bind $A while /dev/$d1 is open" pnvme-setup bind "$A"
check "  ... one line naming the process" sh -c "grep -q 'in use: /dev/$d1 open by pid $HOLDER' /tmp/out && [ \$(wc -l < /tmp/out) = 1 ]"
check "  ... $A still on nvme" driver_is "$A" nvme
release

fs_ok=0
if load_modules ext4 && mke2fs -q -b 4096 "/dev/$d2" > /dev/null && mkdir -p /mnt && mount -t ext2 "/dev/$d2" /mnt; then
    fs_ok=1
    expect 1 "bind $A while $d2 is mounted" pnvme-setup bind "$A"
    check "  ... says mounted at /mnt" out_has "in use: mounted at /mnt ($d2)"
    check "  ... $A still on nvme" driver_is "$A" nvme
    expect 0 "status" pnvme-setup status
    check "status says in use: mounted at /mnt" grep -q "^$A .*in use: mounted at /mnt" /tmp/out
    umount /mnt
else
    bad "could not mount an ext2 file system on /dev/$d2"
fi

# Holds the kernel sees and our /proc/mounts does not: pnvme-setup's
# exclusive open of each block device must find them.
held_line() {   # the one line bind printed names /dev/$d2 as held
    grep -q "^pnvme-setup: $A: in use: /dev/$d2 held (the kernel refused an exclusive open" /tmp/out &&
        [ "$(wc -l < /tmp/out)" = 1 ]
}
not_in_our_mounts() { ! grep -q "^/dev/$d2 " /proc/mounts; }
if [ $fs_ok = 1 ]; then
    echo "== bind refuses $d2 mounted in another mount namespace"
    rm -f /tmp/ns-mounted
    mkdir -p /mnt2
    # unshare execs sh in a new, private mount namespace; sh mounts, then
    # becomes sleep: the namespace (and its mount) lives as long as NSPID.
    unshare -m --propagation private \
        sh -c "mount -t ext2 /dev/$d2 /mnt2 && touch /tmp/ns-mounted && exec sleep 120" &
    NSPID=$!
    i=0
    while [ ! -e /tmp/ns-mounted ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    check "  ... mounted there" test -e /tmp/ns-mounted
    check "  ... and not in this namespace's /proc/mounts" not_in_our_mounts
    expect 1 "bind $A while $d2 is mounted in another mount namespace" pnvme-setup bind "$A"
    check "  ... one line: in use: /dev/$d2 held" held_line
    check "  ... $A still on nvme" driver_is "$A" nvme
    kill "$NSPID"; wait "$NSPID" 2>/dev/null

    echo "== bind refuses $d2 lazily unmounted with a file still open"
    if mount -t ext2 "/dev/$d2" /mnt && echo data > /mnt/held && exec 3< /mnt/held && umount -l /mnt; then
        check "  ... gone from /proc/mounts" not_in_our_mounts
        expect 1 "bind $A while a file on lazily unmounted $d2 is open" pnvme-setup bind "$A"
        check "  ... one line: in use: /dev/$d2 held" held_line
        check "  ... $A still on nvme" driver_is "$A" nvme
    else
        bad "could not mount $d2, open a file on it and unmount it lazily"
    fi
    exec 3<&-   # the last reference: the file system goes, and with it the hold
fi

echo "== bind back to vfio-pci"
expect 0 "bind $A" pnvme-setup bind "$A"
check "$A bound to vfio-pci in sysfs" driver_is "$A" vfio-pci
check "$A has $(vfio_node_of "$A")" test -c "$(vfio_node_of "$A")"
check "$A's disks are gone" test -z "$(disks_of "$A")"

hold_open "$(vfio_node_of "$A")"
expect 1 "reset $A while its vfio group is open" pnvme-setup reset "$A"
check "  ... names the process" out_has "open by pid $HOLDER"
check "  ... $A still on vfio-pci" driver_is "$A" vfio-pci
release

echo "== all functions at once"
expect 0 "reset (all)" pnvme-setup reset
check "$A on nvme" driver_is "$A" nvme
check "$B on nvme" driver_is "$B" nvme
check "$B has its namespace as a disk" wait_disks "$B" 1
db=$(disks_of "$B" | head -1)
if mkswap "/dev/$db" > /dev/null && swapon "/dev/$db"; then
    expect 1 "bind (all) with swap on $db" pnvme-setup bind
    check "  ... says swap" out_has "$B: in use: swap on $db"
    check "  ... $A bound anyway" driver_is "$A" vfio-pci
    check "  ... $B still on nvme" driver_is "$B" nvme
    swapoff "/dev/$db"
else
    bad "could not swapon /dev/$db"
fi
expect 0 "bind (all)" pnvme-setup bind
check "$A on vfio-pci" driver_is "$A" vfio-pci
check "$B on vfio-pci" driver_is "$B" vfio-pci
expect 0 "reset then bind $B again" sh -c "pnvme-setup reset $B && pnvme-setup bind $B"
check "$B on vfio-pci" driver_is "$B" vfio-pci

echo "== errors"
expect 1 "bind a device that is not NVMe" pnvme-setup bind 00:1f.0
check "  ... one line: not an NVMe controller" sh -c "grep -q 'not an NVMe controller' /tmp/out && [ \$(wc -l < /tmp/out) = 1 ]"
expect 1 "bind a device that does not exist" pnvme-setup bind 0000:42:00.0
check "  ... one line: no such PCI device" sh -c "grep -q 'no such PCI device' /tmp/out && [ \$(wc -l < /tmp/out) = 1 ]"
expect 2 "bad BDF" pnvme-setup reset 00:20.0
check "  ... one line" one_line
expect 2 "unknown command" pnvme-setup unbind

echo "== hugepages"
expect 0 "--hugemem 64" pnvme-setup --hugemem 64
check "  ... 32 pages reserved" test "$(cat /proc/sys/vm/nr_hugepages)" = 32
check "  ... reported" out_has "hugepages: 32 x 2 MiB reserved (64 MiB), hugetlbfs at /dev/hugepages"
expect 0 "--hugemem 1024 with status" pnvme-setup --hugemem 1024 status
check "  ... 512 pages reserved" test "$(cat /proc/sys/vm/nr_hugepages)" = 512
umount /dev/hugepages
expect 0 "--hugemem 1024 mounts hugetlbfs when none is" pnvme-setup --hugemem 1024
check "  ... mounted" grep -q ' /dev/hugepages hugetlbfs ' /proc/mounts

echo "== config is bind; PCI_ALLOWED and PCI_BLOCKED"
expect 0 "reset (all)" pnvme-setup reset
expect 0 "PCI_BLOCKED=$B config (all)" env PCI_BLOCKED="$B" pnvme-setup config
check "  ... prints the variable" out_has "^environment: PCI_BLOCKED=$B (never these"
check "  ... says $B is skipped" out_has "^$B: skipped: PCI_BLOCKED lists it"
check "  ... $A on vfio-pci" driver_is "$A" vfio-pci
check "  ... $B left on nvme" driver_is "$B" nvme
expect 1 "PCI_ALLOWED=$A config $B (named, not allowed)" env PCI_ALLOWED="$A" pnvme-setup config "$B"
check "  ... one error line" sh -c "grep -q '^pnvme-setup: $B: named, but PCI_ALLOWED does not list it' /tmp/out && [ \$(grep -c '^pnvme-setup:' /tmp/out) = 1 ]"
check "  ... $B still on nvme" driver_is "$B" nvme
expect 0 "PCI_ALLOWED=${B#0000:} config (all)" env PCI_ALLOWED="${B#0000:}" pnvme-setup config
check "  ... $B on vfio-pci" driver_is "$B" vfio-pci
expect 0 "status --json" pnvme-setup status --json
check "  ... $A: driver vfio-pci, IOMMU group, node" grep -q "\"bdf\": \"$A\", \"vendor_id\": \"0x1b36\", \"device_id\": \"0x0010\", \"driver\": \"vfio-pci\", \"iommu_group\": \"$(iommu_group_of "$A")\"" /tmp/out
check "  ... $A not in use, selected" grep -q "\"bdf\": \"$A\".*\"in_use\": false, \"in_use_by\": null.*\"selected\": true, \"excluded_by\": null" /tmp/out
check "  ... hugepages" grep -q "\"hugepages\": {\"page_size_kib\": 2048, \"total\": $(cat /proc/sys/vm/nr_hugepages), " /tmp/out

echo "== cleanup: hugepage files of dead processes"
mkdir -p /dev/hugepages/svc
truncate -s 2M /dev/hugepages/rtemap_0          # a DPDK process died and left it
truncate -s 4M /dev/hugepages/svc/spdk_pid99map_3   # under --huge-dir, SPDK's prefix
truncate -s 2M /dev/hugepages/rtemap_1          # still open (below)
truncate -s 2M /dev/hugepages/notes             # not a DPDK name: never touched
hold_open /dev/hugepages/rtemap_1
expect 0 "cleanup" pnvme-setup cleanup
cat /tmp/out
check "  ... rtemap_0 removed" test ! -e /dev/hugepages/rtemap_0
check "  ... svc/spdk_pid99map_3 removed" test ! -e /dev/hugepages/svc/spdk_pid99map_3
check "  ... rtemap_1 kept: the holder has it open" test -e /dev/hugepages/rtemap_1
check "  ... says who" out_has "kept /dev/hugepages/rtemap_1: pid $HOLDER (sleep) has it open"
check "  ... notes (not DPDK's) kept" test -e /dev/hugepages/notes
check "  ... sums up" out_has "cleanup: 2 stale hugepage file(s) removed (6 MiB), 1 in use kept"
release
expect 0 "cleanup once the holder is gone" pnvme-setup cleanup
check "  ... rtemap_1 removed" test ! -e /dev/hugepages/rtemap_1
rm -f /dev/hugepages/notes; rmdir /dev/hugepages/svc

echo "== final status"
pnvme-setup status
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
