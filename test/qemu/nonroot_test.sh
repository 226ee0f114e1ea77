#!/bin/sh
# Guest side (busybox sh, run by guest-check.sh as root): pnvme run by a
# user without root. A user made for the test (an /etc/passwd line: the
# initramfs has no adduser) is refused with a line that names what is
# missing; after 'pnvme-setup bind --user' (and TARGET_USER with config) it
# runs pnvme-perf --verify, under the memlock limit pnvme-setup wrote, applied
# with ulimit -l as pam_limits would at login (busybox su has no PAM). A limit
# too small is refused up front, or allocation by allocation, and the device
# never faults on memory vfio could not pin. Ends with "N passed, N failed".
. /lib/pnvme/guest-lib.sh

A=$PNVME_CTRL_A
B=$PNVME_CTRL_B
U=pnvme-svc
UID_=4242
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }
check() { desc=$1; shift; if "$@"; then ok "$desc"; else bad "$desc"; fi; }
# expect STATUS DESC CMD...: output kept in /tmp/out, shown on a surprise.
expect() {
	want=$1 desc=$2
	shift 2
	"$@" >/tmp/out 2>&1
	got=$?
	if [ "$got" = "$want" ]; then ok "$desc"; else bad "$desc (exit $got, wanted $want)"; fi
	[ "$got" = "$want" ] || sed 's/^/    | /' /tmp/out
}
# expect_fail DESC CMD...: any non-zero exit.
expect_fail() {
	desc=$1
	shift
	"$@" >/tmp/out 2>&1
	got=$?
	if [ "$got" != 0 ]; then ok "$desc (exit $got)"; else bad "$desc (exit 0)"; sed 's/^/    | /' /tmp/out; fi
}
out_has() { grep -q -- "$1" /tmp/out; }
show_out() { sed 's/^/    | /' /tmp/out; }
# as_user CMD: CMD (a shell line) run by the test user; busybox su asks root
# for no password.
as_user() { su -s /bin/sh "$U" -c "$*"; }
node_of() { echo "/dev/vfio/$(iommu_group_of "$1")"; }
owner_mode() { stat -c '%u %a' "$1"; }   # the guest's /etc/passwd has no root line
dmar_faults() { dmesg | grep -c 'DMAR: \[DMA'; }

grep -q "^$U:" /etc/passwd || echo "$U:x:$UID_:$UID_:pnvme test user:/tmp:/bin/sh" >>/etc/passwd
grep -q "^$U:" /etc/group || echo "$U:x:$UID_:" >>/etc/group
check "user $U exists (uid $UID_)" test "$(as_user id -u)" = "$UID_"
NA=$(node_of "$A")
NB=$(node_of "$B")
PERF="pnvme-perf -r $A -q 16 -o 4096 -w randrw -M 50 -t 2 --verify"

echo "== without pnvme-setup bind --user"
check "$NA is root's (uid 0), mode 600" test "$(owner_mode "$NA")" = "0 600"
expect_fail "pnvme-perf as $U is refused" as_user "$PERF"
check "  ... names $NA, permission denied, and the command that grants it" \
	out_has "permission denied on $NA (owner uid 0, mode 0600): as root, run 'pnvme-setup bind --user $U $A'"
check "  ... and nothing from DPDK about the group" sh -c "! grep -q 'VFIO group' /tmp/out"
show_out

echo "== pnvme-setup bind --user $U $A"
expect 0 "bind --user $U $A" pnvme-setup bind --user "$U" "$A"
show_out
check "$NA is $U's, mode 600" test "$(owner_mode "$NA")" = "$UID_ 600"
check "$NB (not named) is still root's" test "$(owner_mode "$NB")" = "0 600"
check "/dev/hugepages/$U is $U's, mode 700" test "$(owner_mode "/dev/hugepages/$U")" = "$UID_ 700"
ww=$(find /dev/vfio /dev/hugepages -perm -0002 ! -type l ! -path /dev/vfio/vfio)
check "nothing world-writable under /dev/vfio (but the kernel's container node) or /dev/hugepages" test -z "$ww"
limits=/etc/security/limits.d/pnvme-$U.conf
kib=$(sed -n "s/^$U hard memlock \([0-9]*\)$/\1/p" "$limits" 2>/dev/null)
soft=$(sed -n "s/^$U soft memlock \([0-9]*\)$/\1/p" "$limits" 2>/dev/null)
hp_kib=$(($(cat /proc/sys/vm/nr_hugepages) * 2048))
check "$limits: soft = hard memlock ($kib KiB)" test -n "$kib" -a "$kib" = "$soft"
check "  ... covers the $hp_kib KiB of hugepages reserved" test "${kib:-0}" -ge "$hp_kib"
check "  ... as bind said" out_has "$U: memlock limit $kib KiB"
expect 0 "status --json" pnvme-setup status --json
check "  ... $A's node owner $U, mode 0600" grep -q "\"bdf\": \"$A\".*\"vfio_node\": \"$NA\", \"vfio_node_owner\": \"$U\", \"vfio_node_mode\": \"0600\"" /tmp/out

echo "== pnvme-perf --verify as $U, memlock $kib KiB (what pam_limits would apply)"
faults=$(dmar_faults)
expect 0 "pnvme-perf --verify as $U" sh -c "ulimit -l $kib && exec su -s /bin/sh $U -c 'id -u; $PERF'"
show_out
check "  ... ran as uid $UID_" test "$(head -1 /tmp/out)" = "$UID_"
check "  ... reads checked, no mismatch" out_has "verify: [1-9][0-9]* reads checked, 0 mismatches"
check "  ... on hugepages (not --no-huge)" sh -c "! grep -q 'no-huge' /tmp/out"
check "  ... no error line" sh -c "! grep -q 'error' /tmp/out"
check "  ... no IOMMU fault" test "$(dmar_faults)" = "$faults"

echo "== a memlock limit too small"
expect_fail "memlock 1 MiB: refused at attach" sh -c "ulimit -l 1024 && exec su -s /bin/sh $U -c '$PERF'"
show_out
check "  ... says vfio must pin more than it may lock" out_has "$A: vfio must pin this process's [0-9]* KiB of DMA memory, over what it may lock (1024 KiB"
faults=$(dmar_faults)
expect_fail "memlock 24 MiB, 128 x 128 KiB in flight: the allocation that crosses it is refused" \
	sh -c "ulimit -l 24576 && exec su -s /bin/sh $U -c 'pnvme-perf -r $A -q 128 -o 131072 -w randrw -t 2 --verify'"
show_out
check "  ... says so" out_has "DMA memory would grow to [0-9]* KiB, over what this process may lock"
check "  ... and the device never faulted on unmapped memory" test "$(dmar_faults)" = "$faults"

echo "== TARGET_USER with config (setup.sh's spelling)"
expect 0 "TARGET_USER=$U pnvme-setup config $B" env TARGET_USER="$U" pnvme-setup config "$B"
check "  ... prints the variable" out_has "^environment: TARGET_USER=$U "
check "$NB is $U's, mode 600" test "$(owner_mode "$NB")" = "$UID_ 600"
expect 0 "pnvme-perf --verify as $U on $B" sh -c "ulimit -l $kib && exec su -s /bin/sh $U -c 'pnvme-perf -r $B -q 8 -o 65536 -w randrw -t 2 --verify'"
check "  ... reads checked, no mismatch" out_has "verify: [1-9][0-9]* reads checked, 0 mismatches"

# Back to root's, as the kernel made them, for the tests after this one.
chown 0:0 "$NA" "$NB"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
