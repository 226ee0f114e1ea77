#!/bin/sh
# Guest side of the third boot of "make check-qemu" (test/qemu/check.sh runs
# test/qemu/run.sh --layout subsys with this script): namespace attachment
# with pnvme-cli on QEMU 7.2's subsystem model (nvme-subsys), one controller
# at 0000:00:04.0 with nsid 1 attached and nsid 2 allocated but detached.
#
# - id-ctrl: the controller's ID (cntlid) and the subsystem's NQN;
# - list-ns shows 1 only; list-ns -a (allocated) shows 1 and 2; id-ns -n 2 is
#   zero-filled (an inactive NSID), id-ns -n 2 --force has its size;
# - attach-ns -n 2 -c CNTLID, then list-ns shows 1 and 2, pnvme-perf --verify
#   --nsid 2 drives ns 2 alone with reads checked and no mismatch, and a run
#   without --nsid drives both; attach-ns again is refused (Namespace Already
#   Attached) with one line and a non-zero exit;
# - detach-ns -n 2 -c CNTLID, then list-ns shows 1 only (list-ns -a still 1
#   and 2), pnvme-perf --nsid 2 is refused before any I/O (one line, exit 1),
#   a run without --nsid drives ns 1 only; detach-ns again is refused
#   (Namespace Not Attached);
# - create-ns and delete-ns -n 2 --force fail with one line and a non-zero
#   exit, and nothing changes (QEMU 7.2 sets OACS bit 3 but implements no
#   Namespace Management command: it answers Invalid Command Opcode);
# - attach-ns / detach-ns without -c (this controller) do the same.
#
# Ends with "N passed, N failed"; exit status 1 when a check failed.
#   test/qemu/run.sh --layout subsys test/qemu/nsattach_test.sh
A=$PNVME_CTRL_A
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok   - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }
# check WHAT CMD...: exit 0, output in /tmp/out
check() {
    what=$1; shift
    if "$@" >/tmp/out 2>&1; then ok "$what"; else bad "$what (exit $?)"; cat /tmp/out; fi
}
# refused WHAT ERE CMD...: non-zero exit, one line of output matching ERE
refused() {
    what=$1 ere=$2; shift 2
    "$@" >/tmp/out 2>&1
    rc=$?
    lines=$(wc -l </tmp/out)
    if [ "$rc" != 0 ] && [ "$lines" = 1 ] && grep -Eq -- "$ere" /tmp/out; then
        ok "$what: exit $rc, '$(cat /tmp/out)'"
    else
        bad "$what: exit $rc, $lines line(s), want /$ere/"; cat /tmp/out
    fi
}
# ids: the namespace IDs of list-ns output in /tmp/out, space separated
ids() { sed -n 's/^\[ *[0-9]*\]:0x\([0-9a-f]*\)$/\1/p' /tmp/out | tr '\n' ' ' | sed 's/ $//'; }
# list_is WHAT WANT [list-ns options]
list_is() {
    what=$1 want=$2; shift 2
    if pnvme-cli list-ns "$A" "$@" >/tmp/out 2>&1 && [ "$(ids)" = "$want" ]; then
        ok "$what: $want"
    else
        bad "$what: '$(ids)', want '$want'"; cat /tmp/out
    fi
}
# perf: a short verified run on A, output in /tmp/perf
perf() { # perf [pnvme-perf options]
    pnvme-perf -r "$A" -q 8 -o 4096 -w randrw -t 1 --verify "$@" >/tmp/perf 2>&1
}
started=$(date +%s)

[ "$PNVME_LAYOUT" = subsys ] && [ -n "$A" ] || {
    bad "not booted with run.sh --layout subsys (PNVME_LAYOUT=$PNVME_LAYOUT)"
    echo "$pass passed, $fail failed"; exit 1; }

check "id-ctrl -o json" pnvme-cli id-ctrl "$A" -o json
cntlid=$(sed -n 's/^  "cntlid": *\([0-9]*\).*/\1/p' /tmp/out)
oacs=$(sed -n 's/^  "oacs": *\([0-9]*\).*/\1/p' /tmp/out)
subnqn=$(sed -n 's/^  "subnqn": *"\(.*\)".*/\1/p' /tmp/out)
[ -n "$cntlid" ] && ok "cntlid $cntlid, oacs $oacs" || bad "no cntlid in id-ctrl"
[ "$subnqn" = nqn.2019-08.org.qemu:pnvme-subsys ] && ok "subnqn $subnqn" || bad "subnqn '$subnqn'"

list_is "list-ns (active)" "1"
list_is "list-ns -a (allocated)" "1 2" -a
# An inactive NSID: Identify Namespace (CNS 0) returns zeroes (NVMe base spec), and
# pnvme-cli, like nvme-cli, prints them; --force (CNS 11h) reads the allocated one.
zero_ns() { # zero_ns WHAT
    if pnvme-cli id-ns "$A" -n 2 -o json >/tmp/out 2>&1 && grep -Eq '^  "nsze": *0,' /tmp/out; then
        ok "$1: id-ns -n 2 is zero-filled (inactive)"
    else
        bad "$1: id-ns -n 2 not zero-filled"; cat /tmp/out
    fi
}
zero_ns "detached at boot"
check "id-ns -n 2 --force (allocated)" pnvme-cli id-ns "$A" -n 2 --force -o json
grep -Eq '^  "nsze": *[1-9]' /tmp/out && ok "allocated ns 2 has a size" || { bad "id-ns --force: no nsze"; cat /tmp/out; }

# ---- attach --------------------------------------------------------------------
check "attach-ns -n 2 -c $cntlid" pnvme-cli attach-ns "$A" -n 2 -c "$cntlid"
grep -q 'attach-ns: Success, nsid:2' /tmp/out || { bad "attach-ns output"; cat /tmp/out; }
list_is "list-ns after attach" "1 2"
list_is "list-ns -a after attach" "1 2" -a
refused "attach-ns again" "[Aa]lready [Aa]ttached" pnvme-cli attach-ns "$A" -n 2 -c "$cntlid"
if perf --nsid 2; then ok "pnvme-perf --verify --nsid 2 with ns 2 attached"; else bad "pnvme-perf --nsid 2 with ns 2 attached (exit $?)"; cat /tmp/perf; fi
if grep -q ' ns 2 ' /tmp/perf && ! grep -q ' ns 1 ' /tmp/perf &&
    grep -q 'verify: [1-9][0-9]* reads checked, 0 mismatches' /tmp/perf; then
    ok "perf drove ns 2 alone, reads verified, no mismatch"
else
    bad "perf did not drive ns 2 cleanly"; cat /tmp/perf
fi
if perf; then ok "pnvme-perf --verify (every active namespace)"; else bad "pnvme-perf (exit $?)"; cat /tmp/perf; fi
grep -q ' ns 1 ' /tmp/perf && grep -q ' ns 2 ' /tmp/perf && ok "perf drove ns 1 and 2" || { bad "perf did not drive both"; cat /tmp/perf; }

# ---- detach --------------------------------------------------------------------
check "detach-ns -n 2 -c $cntlid" pnvme-cli detach-ns "$A" -n 2 -c "$cntlid"
grep -q 'detach-ns: Success, nsid:2' /tmp/out || { bad "detach-ns output"; cat /tmp/out; }
list_is "list-ns after detach" "1"
list_is "list-ns -a after detach" "1 2" -a
zero_ns "after detach"
refused "detach-ns again" "[Nn]ot [Aa]ttached" pnvme-cli detach-ns "$A" -n 2 -c "$cntlid"
refused "pnvme-perf --nsid 2 after detach" "has no active namespace 2" pnvme-perf -r "$A" -q 8 -t 1 --verify --nsid 2
if perf; then ok "pnvme-perf --verify after detach"; else bad "pnvme-perf after detach (exit $?)"; cat /tmp/perf; fi
if grep -q ' ns 1 ' /tmp/perf && ! grep -q ' ns 2 ' /tmp/perf; then
    ok "perf drives ns 1 only"
else
    bad "perf still sees ns 2"; cat /tmp/perf
fi

# ---- create-ns: no Namespace Management on QEMU 7.2 ----------------------------
# OACS bit 3 says Namespace Management is supported, so pnvme-cli sends the command
# and QEMU answers Invalid Command Opcode: one line naming both, exit 1.
if [ -n "$oacs" ] && [ $((oacs & 8)) != 0 ]; then ok "OACS $oacs: bit 3 (Namespace Management) set by QEMU 7.2"; else bad "OACS '$oacs': bit 3 clear"; fi
refused "create-ns" "Namespace Management \(create\): Invalid Command Opcode" pnvme-cli create-ns "$A" -s 1024
list_is "list-ns after create-ns" "1"
list_is "list-ns -a after create-ns" "1 2" -a
refused "delete-ns -n 2 --force" "Namespace Management \(delete\): Invalid Command Opcode" pnvme-cli delete-ns "$A" -n 2 --force
list_is "list-ns -a after delete-ns" "1 2" -a

# ---- without -c: this controller (its own cntlid) --------------------------------
check "attach-ns -n 2 (no -c: this controller)" pnvme-cli attach-ns "$A" -n 2
list_is "list-ns after attach without -c" "1 2"
check "detach-ns -n 2 (no -c: this controller)" pnvme-cli detach-ns "$A" -n 2
list_is "list-ns after detach without -c" "1"

echo "nsattach: $(( $(date +%s) - started )) s"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
