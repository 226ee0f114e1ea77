#!/bin/sh
# NVMe/TCP reference test: the kernel's target against the kernel's
# initiator, in the guest on loopback (the harness the pnvme TCP initiator's
# tests are built on). Run by
#   test/qemu/run.sh --layout tcp test/qemu/tcp_kernel_test.sh
#
# - nvmet (test/qemu/nvmet-lib.sh): subsystem $NQN with namespace 1 on a
#   64 MiB file on tmpfs, port 1 on 127.0.0.1:4420, port 2 on
#   127.0.0.1:8009 for discovery; both listen;
# - kernel initiator (nvme-cli): connect, the namespace has 64 MiB; a 4 MiB
#   random pattern written at 1 MiB with dd O_DIRECT in 128 KiB blocks and
#   read back equal; the target's file holds it at the same offset;
#   disconnect, the controller is gone;
# - connect with header and data digests, the pattern reads back equal; a
#   second pattern written and read back through the digested connection;
# - nvme discover on 8009 lists $NQN;
# - the port removed under a connected host (ctrl-loss-tmo 3 s): reads in
#   flight fail within a bound, the controller goes away, 4420 stops
#   listening, discovery no longer lists $NQN, a new connect fails;
# - the port linked again: connect, the data written before is still there;
# - teardown leaves configfs empty.
# One "PASS - ..." or "FAIL - ..." line per check, then "N passed, N failed";
# exit status 1 when a check failed.

. /lib/pnvme/guest-lib.sh
. /lib/pnvme/nvmet-lib.sh

NQN=nqn.2014-08.io.pnvme:tcp-kernel-test
T=/tmp/tcptest
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }
# check WHAT CMD...: exit 0 wanted; output shown on failure
check() {
    what=$1; shift
    if "$@" >"$T/out" 2>&1; then ok "$what"; else bad "$what (exit $?)"; cat "$T/out"; return 1; fi
}
done_() {
    echo "tcp_kernel_test: $pass passed, $fail failed"
    [ $fail = 0 ]
    exit $?
}
mkdir -p "$T"

# ---- target -------------------------------------------------------------------
check "nvmet_load (configfs, nvmet, nvmet-tcp, lo up)" nvmet_load || done_
BACK=$T/ns1.img
check "64 MiB backing file on tmpfs" nvmet_file "$BACK" 64 || done_
check "subsystem $NQN, namespace 1 on $BACK" nvmet_subsys_add "$NQN" "$BACK" || done_
check "port 1: tcp ipv4 127.0.0.1:4420" nvmet_port_add 1 127.0.0.1 4420 || done_
check "port 2: tcp ipv4 127.0.0.1:8009 (discovery)" nvmet_port_add 2 127.0.0.1 8009 discovery || done_
check "link $NQN to port 1 (and the discovery port)" nvmet_port_link 1 "$NQN" || done_
check "4420 listens" nvmet_listening 4420
check "8009 listens" nvmet_listening 8009
command -v nvme >/dev/null && ok "nvme-cli in the guest: $(nvme version | head -1)" ||
    echo "note: no nvme-cli in the guest: connects go through /dev/nvme-fabrics, discovery is skipped"

# ---- plain connection: write, read back -------------------------------------------
if kernel_tcp_connect "$NQN" >"$T/out" 2>&1; then
    ok "$(cat "$T/out")"
else
    bad "kernel_tcp_connect $NQN"; cat "$T/out"; nvmet_teardown; done_
fi
size=$(( $(cat "/sys/block/${KTCP_BLK#/dev/}/size") * 512 ))
[ $size = 67108864 ] && ok "$KTCP_BLK has 64 MiB" || bad "$KTCP_BLK has $size bytes, want 67108864"
echo "transport $(cat "/sys/class/nvme/$KTCP_CTRL/transport"), address $(cat "/sys/class/nvme/$KTCP_CTRL/address"), state $(cat "/sys/class/nvme/$KTCP_CTRL/state")"

head -c 4194304 /dev/urandom > "$T/pat1"
head -c 4194304 /dev/urandom > "$T/pat2"
# 4 MiB at 1 MiB: blocks 8..39 of 128 KiB
check "write pattern 1 (4 MiB at 1 MiB, dd oflag=direct bs=128k)" \
    dd if="$T/pat1" of="$KTCP_BLK" bs=128k seek=8 count=32 oflag=direct conv=notrunc
check "read back pattern 1 (dd iflag=direct)" \
    dd if="$KTCP_BLK" of="$T/rd" bs=128k skip=8 count=32 iflag=direct
check "pattern 1 read back equal" cmp "$T/pat1" "$T/rd"
dd if="$BACK" of="$T/file" bs=128k skip=8 count=32 2>/dev/null
check "the target's file holds pattern 1 at 1 MiB" cmp "$T/pat1" "$T/file"
ctrl=$KTCP_CTRL
check "disconnect" kernel_tcp_disconnect "$NQN"
[ ! -e "/sys/class/nvme/$ctrl" ] && ok "$ctrl gone" || bad "$ctrl still there"

# ---- header and data digests ---------------------------------------------------------
if kernel_tcp_connect "$NQN" --hdr-digest --data-digest >"$T/out" 2>&1; then
    ok "with --hdr-digest --data-digest: $(cat "$T/out")"
    check "read back pattern 1 with digests" \
        dd if="$KTCP_BLK" of="$T/rd" bs=128k skip=8 count=32 iflag=direct
    check "pattern 1 read back equal with digests" cmp "$T/pat1" "$T/rd"
    check "write pattern 2 (4 MiB at 8 MiB) with digests" \
        dd if="$T/pat2" of="$KTCP_BLK" bs=1M seek=8 count=4 oflag=direct conv=notrunc
    check "read back pattern 2 with digests" \
        dd if="$KTCP_BLK" of="$T/rd" bs=1M skip=8 count=4 iflag=direct
    check "pattern 2 read back equal" cmp "$T/pat2" "$T/rd"
    check "disconnect (digests)" kernel_tcp_disconnect "$NQN"
else
    bad "connect with --hdr-digest --data-digest"; cat "$T/out"
fi

# ---- discovery ---------------------------------------------------------------------
if command -v nvme >/dev/null; then
    kernel_hostnqn
    if nvme discover -t tcp -a 127.0.0.1 -s 8009 >"$T/disc" 2>&1; then
        if grep -q "subnqn: *$NQN\$" "$T/disc"; then
            ok "nvme discover -t tcp -a 127.0.0.1 -s 8009 lists $NQN"
        else
            bad "discovery on 8009 does not list $NQN"; cat "$T/disc"
        fi
    else
        bad "nvme discover on 8009 failed"; cat "$T/disc"
    fi
fi

# ---- the target port removed under a connected host ---------------------------------------
if kernel_tcp_connect "$NQN" --ctrl-loss-tmo=3 --reconnect-delay=1 >"$T/out" 2>&1; then
    ok "connect with --ctrl-loss-tmo=3 --reconnect-delay=1: $(cat "$T/out")"
    ctrl=$KTCP_CTRL blk=$KTCP_BLK
    # Reads in a loop until one fails.
    ( while dd if="$blk" of=/dev/null bs=128k count=256 iflag=direct 2>"$T/dd.err"; do :; done
      echo end > "$T/dd.end" ) &
    reader=$!
    sleep 1
    check "nvmet_port_unlink 1 $NQN under I/O" nvmet_port_unlink 1 "$NQN"
    t0=$(date +%s)
    i=0
    while [ ! -e "$T/dd.end" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    t1=$(date +%s)
    if [ -e "$T/dd.end" ]; then
        ok "reads failed $((t1 - t0)) s after the port went: $(tail -n 1 "$T/dd.err")"
    else
        bad "reads still running 30 s after the port went"; kill "$reader" 2>/dev/null
    fi
    i=0
    while [ -e "/sys/class/nvme/$ctrl" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
    [ ! -e "/sys/class/nvme/$ctrl" ] && ok "$ctrl removed by the host after ctrl-loss-tmo" ||
        bad "$ctrl still there ($(cat "/sys/class/nvme/$ctrl/state" 2>/dev/null))"
    wait "$reader" 2>/dev/null
    dmesg | grep -E 'nvme|nvmet' | tail -n 8 | sed 's/^/dmesg: /'
else
    bad "connect with --ctrl-loss-tmo=3"; cat "$T/out"
    nvmet_port_unlink 1 "$NQN"
fi
nvmet_listening 4420 && bad "4420 still listens with no subsystem linked" ||
    ok "4420 no longer listens"
if command -v nvme >/dev/null; then
    nvme discover -t tcp -a 127.0.0.1 -s 8009 >"$T/disc" 2>&1
    grep -q "subnqn: *$NQN\$" "$T/disc" && bad "discovery still lists $NQN" ||
        ok "discovery no longer lists $NQN ($(head -n 1 "$T/disc"))"
fi
if kernel_tcp_connect "$NQN" >"$T/out" 2>&1; then
    bad "a new connect to 4420 succeeded with the port unlinked"
    kernel_tcp_disconnect "$NQN"
else
    ok "a new connect fails: $(tail -n 1 "$T/out")"
fi

# ---- the port back: the data is still there -----------------------------------------------
check "link $NQN to port 1 again" nvmet_port_link 1 "$NQN"
if kernel_tcp_connect "$NQN" >"$T/out" 2>&1; then
    ok "connect again: $(cat "$T/out")"
    dd if="$KTCP_BLK" of="$T/rd" bs=128k skip=8 count=32 iflag=direct 2>/dev/null
    check "pattern 1 still there" cmp "$T/pat1" "$T/rd"
    dd if="$KTCP_BLK" of="$T/rd" bs=1M skip=8 count=4 iflag=direct 2>/dev/null
    check "pattern 2 still there" cmp "$T/pat2" "$T/rd"
else
    bad "connect after the port came back"; cat "$T/out"
fi

# ---- teardown -----------------------------------------------------------------------------
check "nvmet_teardown" nvmet_teardown
left=$(ls "$NVMET_DIR/ports" "$NVMET_DIR/subsystems" 2>/dev/null | grep -v ':$' | grep -v '^$')
[ -z "$left" ] && ok "configfs empty after teardown" || bad "left in configfs: $left"
[ -z "$(ls /sys/class/nvme 2>/dev/null)" ] && ok "no kernel controller left" ||
    bad "controllers left: $(ls /sys/class/nvme)"
done_
