#!/bin/sh
# pnvme's NVMe/TCP initiator against the kernel's target (nvmet-tcp), in the
# guest on loopback; the kernel's own initiator (nvme-tcp, nvme-cli) is the
# reference it is compared with. Run by test/qemu/check.sh (fourth boot) and
#   test/qemu/run.sh --layout tcp --mem 3G test/qemu/tcp_test.sh
#
# Target (test/qemu/nvmet-lib.sh):
#   $NQN_A  nsid 1: null_blk nullb0, 128 MiB in RAM, 512-byte blocks, discard
#                   (deallocated blocks read zeroes)
#           nsid 2: a 128 MiB file on tmpfs (buffered_io), 4096-byte blocks
#   $NQN_B  nsid 1: null_blk nullb1, 128 MiB in RAM, 512-byte blocks
#   port 1 127.0.0.1:4420 (A and B), port 2 :8009 discovery (lists both),
#   port 3 :4421 (A only, for the port-removal test).
#
# Then, once with digests off and once with header and data digests on
# (hdgst:1 ddgst:1 in the transport ID; --hdr-digest --data-digest for the
# kernel); TCP_TEST_DIGESTS="off" or "on" runs one of them:
#   identify  pnvme-identify, text and --json: model, serial, subsystem NQN,
#             namespaces, their block size and size in blocks equal to what
#             nvme-cli id-ctrl/id-ns say through the kernel's initiator;
#   driver    the shared driver suite (build/test/qemu/driver_test with
#             PNVME_TRID_A/B): integrity at QD 1/32/deeper than the queue,
#             split I/O, write zeroes, deallocate, flush, admin passthrough,
#             detach and reset with I/O in flight, two threads, bad input;
#             probe and shadow doorbells skipped by name (PCIe only);
#   perf      pnvme-perf --verify -w randrw -q 32 -t 2: exit 0, reads checked
#             > 0, 0 mismatches, no I/O error;
#   fio       fio with the pnvme ioengine, test/fio/verify.fio (randrw,
#             crc32c, QD 32, two jobs of 4 MiB) on $NQN_A nsid 1: error 0 and
#             1024 reads in each job;
#   cross     pnvme writes a random pattern at known LBAs of both namespaces
#             (test/qemu/tools/blockio), the kernel reads it back with dd
#             O_DIRECT; the kernel writes one, pnvme reads it back; equal;
#   discover  pnvme-cli discover -t tcp -a 127.0.0.1 -s 8009 (-g -G) lists the
#             same entries as nvme discover, field for field; pnvme_discover()
#             itself (blockio discover TRID) the same subsystem NQNs;
#   removal   pnvme-perf on :4421 and the port unlinked 3 s into the run:
#             pnvme-perf ends by itself within 90 s (never killed), reports
#             I/O errors, loses no I/O (lost_ios 0); a new run with the port
#             gone fails; the port linked again, a verified run works.
#   flap      (digests off only) the port unlinked for 1 s under
#             pnvme-perf --verify -t 7 (inside
#             the glue's reconnect window of reset attempts x 2 s): the
#             controller reconnects and I/O goes on (progress lines with
#             IOPS after the flap), none lost, no mismatch, exit 0 or 1 (I/O
#             in flight at the drop may end in an error).
# One "PASS - ..." or "FAIL - ..." line per check, then
# "tcp_test: N passed, N failed"; exit status 1 when a check failed. Nothing
# here is skipped into a pass: while pnvme has no tcp transport every pnvme
# check fails.

. /lib/pnvme/guest-lib.sh
. /lib/pnvme/nvmet-lib.sh

NQN_A=nqn.2014-08.io.pnvme:tcp-a
NQN_B=nqn.2014-08.io.pnvme:tcp-b
ADDR="trtype:tcp adrfam:ipv4 traddr:127.0.0.1"
TA="$ADDR trsvcid:4420 subnqn:$NQN_A"
TB="$ADDR trsvcid:4420 subnqn:$NQN_B"
TA3="$ADDR trsvcid:4421 subnqn:$NQN_A"
T=/tmp/tcptest
BLOCKIO=/pnvme/build/test/qemu/tools/blockio
DRIVER_TEST=/pnvme/build/test/qemu/driver_test
FIO_PLUGIN=/pnvme/build/lib/pnvme_fio.so
FIO_JOB=/pnvme/test/fio/verify.fio
MODES=${TCP_TEST_DIGESTS:-off on}
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "PASS - $*"; }
bad() { fail=$((fail + 1)); echo "FAIL - $*"; }
# check WHAT CMD...: exit 0 wanted; output shown on failure
check() {
    what=$1; shift
    if "$@" >"$T/out" 2>&1; then ok "$what"; else bad "$what (exit $?)"; tail -n 20 "$T/out"; return 1; fi
}
done_() {
    echo "tcp_test: $pass passed, $fail failed in $(( $(date +%s) - started )) s"
    [ $fail = 0 ]
    exit $?
}
# Seconds since the start, for the log.
started=$(date +%s)
stamp() { echo "=== tcp_test: $* ($(( $(date +%s) - started )) s)"; }
# timeout's status when it killed the command: 124 (coreutils) or 128+15 (busybox).
timed_out() { [ "$1" = 124 ] || [ "$1" = 143 ] || [ "$1" = 137 ]; }
mkdir -p "$T"

# ---- the target ---------------------------------------------------------------------
stamp "target"
check "nvmet_load" nvmet_load || done_
NULLA=$(nvmet_nullb nullb0 128 1 1) && ok "null_blk $NULLA: 128 MiB in RAM, 512-byte blocks, discard" ||
    { bad "null_blk nullb0"; done_; }
NULLB=$(nvmet_nullb nullb1 128 1) && ok "null_blk $NULLB: 128 MiB in RAM, 512-byte blocks" ||
    { bad "null_blk nullb1"; done_; }
check "128 MiB file on tmpfs" nvmet_file "$T/ns2.img" 128 || done_
check "$NQN_A nsid 1 on $NULLA" nvmet_subsys_add "$NQN_A" "$NULLA" 1 || done_
check "$NQN_A nsid 2 on $T/ns2.img" nvmet_subsys_add "$NQN_A" "$T/ns2.img" 2 || done_
check "$NQN_B nsid 1 on $NULLB" nvmet_subsys_add "$NQN_B" "$NULLB" 1 || done_
check "port 1 127.0.0.1:4420" nvmet_port_add 1 127.0.0.1 4420 || done_
check "port 2 127.0.0.1:8009 (discovery)" nvmet_port_add 2 127.0.0.1 8009 discovery || done_
check "port 3 127.0.0.1:4421" nvmet_port_add 3 127.0.0.1 4421 || done_
check "link $NQN_A to port 1 (and discovery)" nvmet_port_link 1 "$NQN_A" || done_
check "link $NQN_B to port 1 (and discovery)" nvmet_port_link 1 "$NQN_B" || done_
check "link $NQN_A to port 3" nvmet_port_link 3 "$NQN_A" || done_
command -v nvme >/dev/null && ok "nvme-cli: $(nvme version | head -n 1)" ||
    bad "no nvme-cli in the guest: the kernel's side of the comparisons cannot run"
[ -x "$BLOCKIO" ] && ok "$BLOCKIO is there" || bad "$BLOCKIO missing (make tests)"
if pnvme-identify --help 2>&1 | grep -qw tcp; then
    ok "pnvme-identify --help mentions tcp"
else
    bad "pnvme-identify --help does not mention tcp: is the tcp transport built?"
fi

# ---- what the kernel's initiator says -------------------------------------------------------
stamp "kernel reference"
# field NAME FILE: nvme-cli's "name : value" line, value without padding
field() { sed -n "s/^$1 *: *//p" "$2" | head -n 1 | sed 's/ *$//'; }
KMN='' KSN='' KSUBNQN=''
if kernel_tcp_connect "$NQN_A" >"$T/out" 2>&1; then
    ok "$(cat "$T/out")"
    nvme id-ctrl "/dev/$KTCP_CTRL" >"$T/kidctrl" 2>&1
    KMN=$(field mn "$T/kidctrl") KSN=$(field sn "$T/kidctrl") KSUBNQN=$(field subnqn "$T/kidctrl")
    [ -n "$KMN" ] && [ -n "$KSN" ] && [ "$KSUBNQN" = "$NQN_A" ] &&
        ok "kernel id-ctrl: mn '$KMN', sn '$KSN', subnqn '$KSUBNQN'" ||
        { bad "kernel id-ctrl"; cat "$T/kidctrl"; }
    : > "$T/kns"
    for n in 1 2; do
        nvme id-ns "/dev/$KTCP_CTRL" -n "$n" >"$T/kidns" 2>&1
        nsze=$(field nsze "$T/kidns")
        # the format in use: "lbaf  N : ms:0   lbads:12 rp:0 (in use)"
        lbads=$(sed -n 's/.*lbads:\([0-9]*\).*in use.*/\1/p' "$T/kidns" | head -n 1)
        if [ -n "$nsze" ] && [ -n "$lbads" ]; then
            echo "$n $((nsze)) $((1 << lbads))" >> "$T/kns"
        else
            bad "kernel id-ns -n $n"; cat "$T/kidns"
        fi
    done
    ok "kernel id-ns: $(tr '\n' ';' < "$T/kns") (nsid blocks bytes)"
    check "kernel_tcp_disconnect" kernel_tcp_disconnect "$NQN_A"
else
    bad "kernel_tcp_connect $NQN_A"; cat "$T/out"
fi
KSERIAL_B=$(cat "$NVMET_DIR/subsystems/$NQN_B/attr_serial" 2>/dev/null)
export PNVME_TRID_MODEL="$KMN"

# ---- each mode ------------------------------------------------------------------------------
for mode in $MODES; do
    case $mode in
        off) DIG='' KDIG='' ;;
        on)  DIG=' hdgst:1 ddgst:1' KDIG='--hdr-digest --data-digest' ;;
        *)   bad "TCP_TEST_DIGESTS: unknown mode '$mode'"; continue ;;
    esac
    M="[digests $mode]"

    # -- identify, text and JSON, against the kernel's figures
    stamp "$M identify"
    if timeout 60 pnvme-identify -r "$TA$DIG" >"$T/id.txt" 2>&1; then
        ok "$M pnvme-identify -r '$TA$DIG'"
        v=$(sed -n 's/^  Model number *//p' "$T/id.txt" | sed 's/ *$//')
        [ -n "$KMN" ] && [ "$v" = "$KMN" ] && ok "$M text: model '$v' as the kernel's" ||
            bad "$M text: model '$v', kernel '$KMN'"
        v=$(sed -n 's/^  Serial number *//p' "$T/id.txt" | sed 's/ *$//')
        [ -n "$KSN" ] && [ "$v" = "$KSN" ] && ok "$M text: serial '$v' as the kernel's" ||
            bad "$M text: serial '$v', kernel '$KSN'"
        v=$(sed -n 's/^  Subsystem NQN *//p' "$T/id.txt" | sed 's/ *$//')
        [ "$v" = "$NQN_A" ] && [ "$v" = "$KSUBNQN" ] && ok "$M text: subsystem NQN '$v'" ||
            bad "$M text: subsystem NQN '$v', kernel '$KSUBNQN'"
        # "Namespace N" then "  Size   BLOCKS blocks of BYTES bytes = ..."
        awk '/^Namespace [0-9]+/ {n = $2}
             n && /^  Size / {print n, $2, $5; n = 0}' "$T/id.txt" > "$T/pns"
        if [ -s "$T/kns" ] && cmp -s "$T/kns" "$T/pns"; then
            ok "$M text: namespaces $(tr '\n' ';' < "$T/pns") as the kernel's"
        else
            bad "$M text: namespaces '$(tr '\n' ';' < "$T/pns")', kernel '$(tr '\n' ';' < "$T/kns")'"
        fi
    else
        bad "$M pnvme-identify -r '$TA$DIG' (exit $?)"; tail -n 5 "$T/id.txt"
    fi
    if timeout 60 pnvme-identify -r "$TA$DIG" --json >"$T/id.json" 2>"$T/id.err"; then
        ok "$M pnvme-identify --json"
        # jv KEY: the first "KEY": value of the document (strings unquoted)
        jv() { sed -n "s/^ *\"$1\": \"\{0,1\}\([^\"]*\)\"\{0,1\},\{0,1\}\$/\1/p" "$T/id.json" | head -n 1; }
        [ -n "$KMN" ] && [ "$(jv model)" = "$KMN" ] && [ "$(jv serial)" = "$KSN" ] &&
            [ "$(jv subnqn)" = "$NQN_A" ] && [ "$(jv trtype)" = tcp ] &&
            ok "$M json: model, serial, subnqn as the kernel's, trtype tcp" ||
            bad "$M json: model '$(jv model)' serial '$(jv serial)' subnqn '$(jv subnqn)' trtype '$(jv trtype)'"
        awk '/"nsid":/ {gsub(/[^0-9]/, "", $2); n = $2}
             /"size_blocks":/ {gsub(/[^0-9]/, "", $2); b = $2}
             /"sector_size":/ && n {gsub(/[^0-9]/, "", $2); print n, b, $2; n = 0}' \
            "$T/id.json" > "$T/pjns"
        cmp -s "$T/kns" "$T/pjns" && [ -s "$T/kns" ] &&
            ok "$M json: namespaces $(tr '\n' ';' < "$T/pjns") as the kernel's" ||
            bad "$M json: namespaces '$(tr '\n' ';' < "$T/pjns")', kernel '$(tr '\n' ';' < "$T/kns")'"
    else
        bad "$M pnvme-identify --json (exit $?)"; tail -n 5 "$T/id.err"
    fi
    if timeout 60 pnvme-identify -r "$TB$DIG" >"$T/idb.txt" 2>&1 &&
       grep -q "^  Subsystem NQN *$NQN_B" "$T/idb.txt" &&
       grep -q "^  Serial number *$KSERIAL_B" "$T/idb.txt"; then
        ok "$M pnvme-identify on $NQN_B: its NQN, serial $KSERIAL_B (nvmet's attr_serial)"
    else
        bad "$M pnvme-identify on $NQN_B"; tail -n 5 "$T/idb.txt"
    fi

    # -- the driver suite over TCP
    stamp "$M driver suite"
    if [ -x "$DRIVER_TEST" ]; then
        PNVME_TRID_A="$TA$DIG" PNVME_TRID_B="$TB$DIG" timeout 240 "$DRIVER_TEST" >"$T/drv" 2>&1
        st=$?
        grep -E '^driver|Test: |passed|FAILED|SKIP|Run Summary|tests |asserts ' "$T/drv" | sed 's/^/    /'
        # CUnit's summary: "tests  TOTAL RAN PASSED FAILED INACTIVE"
        n=$(awk '$1 == "tests" {print $4}' "$T/drv")
        if [ $st = 0 ] && [ "${n:-0}" -gt 0 ]; then
            ok "$M driver suite over TCP: $n tests passed, $(grep -c 'driver: SKIP' "$T/drv") skipped (PCIe only)"
        else
            timed_out $st && echo "    (killed after 240 s: a hang)"
            bad "$M driver suite over TCP (exit $st, $n tests passed)"
            grep -v '\.\.\.passed$' "$T/drv" | tail -n 30
        fi
    else
        bad "$M $DRIVER_TEST missing"
    fi

    # -- pnvme-perf --verify
    stamp "$M perf"
    timeout 60 pnvme-perf -r "$TA$DIG" -w randrw -M 50 -q 32 -t 2 --verify >"$T/perf" 2>&1
    st=$?
    checked=$(sed -n 's/^verify: \([0-9]*\) reads checked, \([0-9]*\) mismatches.*/\1/p' "$T/perf")
    mism=$(sed -n 's/^verify: \([0-9]*\) reads checked, \([0-9]*\) mismatches.*/\2/p' "$T/perf")
    if [ $st = 0 ] && [ "${checked:-0}" -gt 0 ] && [ "$mism" = 0 ] && ! grep -q '^I/O errors' "$T/perf"; then
        ok "$M pnvme-perf --verify randrw QD 32 2 s: $(grep '^ *Total' "$T/perf" | awk '{print $2}') IOPS, $checked reads checked, 0 mismatches"
    else
        bad "$M pnvme-perf --verify (exit $st, checked '${checked}', mismatches '${mism}')"; tail -n 15 "$T/perf"
    fi

    # -- fio with the pnvme ioengine (check.sh includes fio, the engine and the job)
    stamp "$M fio"
    if command -v fio >/dev/null && [ -f "$FIO_PLUGIN" ] && [ -f "$FIO_JOB" ]; then
        # fio's filenames: '=' for ':' between key and value, '\:' inside the NQN.
        fname="trtype=tcp traddr=127.0.0.1 trsvcid=4420 subnqn=$(echo "$NQN_A" | sed 's/:/\\:/g')"
        [ -n "$DIG" ] && fname="$fname hdgst=1 ddgst=1"
        # 4 MiB a job at 4 KiB: 1024 reads each (the randrw reads and the
        # verify reads of every block written).
        PNVME_FIO_PLUGIN=$FIO_PLUGIN PNVME_FIO_NO_HUGE=1 PNVME_FIO_SIZE=4M \
            PNVME_FIO_FILENAME="$fname ns=1" timeout 180 fio --output-format=json \
            --output="$T/fio.json" "$FIO_JOB" >"$T/fio.out" 2>&1
        st=$?
        errors=$(grep -c '"error" : 0,' "$T/fio.json" 2>/dev/null)
        reads=$(grep -A 8 '"read" : {' "$T/fio.json" 2>/dev/null | grep -c '"total_ios" : 1024,')
        if [ $st = 0 ] && [ "$errors" = 2 ] && [ "$reads" = 2 ]; then
            ok "$M fio (pnvme ioengine) randrw verify=crc32c QD 32, 2 jobs: error 0, 1024 reads each"
        else
            bad "$M fio (pnvme ioengine) over TCP (exit $st, errors 0: $errors of 2, 1024 reads: $reads of 2)"
            tail -n 15 "$T/fio.out"
        fi
    else
        bad "$M fio, $FIO_PLUGIN or $FIO_JOB not in the guest"
    fi

    # -- the kernel reads what pnvme wrote, pnvme reads what the kernel wrote
    stamp "$M cross-check with the kernel"
    if kernel_tcp_connect "$NQN_A" $KDIG >"$T/out" 2>&1; then
        ok "$M $(cat "$T/out")"
        kdev=${KTCP_BLK%n*}
        for n in 1 2; do
            bs=$(awk -v n="$n" '$1 == n {print $3}' "$T/kns")
            [ -n "$bs" ] || { bad "$M nsid $n: no block size from the kernel"; continue; }
            blk=${kdev}n$n
            # 256 KiB: pnvme writes at byte 1 MiB, the kernel at 2 MiB.
            nb=$((262144 / bs))
            head -c 262144 /dev/urandom > "$T/p1"
            head -c 262144 /dev/urandom > "$T/p2"
            if timeout 60 "$BLOCKIO" write "$TA$DIG" "$n" $((1048576 / bs)) "$nb" "$T/p1" >"$T/out" 2>&1 &&
               dd if="$blk" of="$T/r1" bs=64k skip=16 count=4 iflag=direct 2>/dev/null &&
               cmp -s "$T/p1" "$T/r1"; then
                ok "$M nsid $n: pnvme wrote 256 KiB at LBA $((1048576 / bs)), the kernel read it back equal ($blk)"
            else
                bad "$M nsid $n: pnvme write, kernel read back"; cat "$T/out"
            fi
            if dd if="$T/p2" of="$blk" bs=64k seek=32 count=4 oflag=direct conv=notrunc 2>"$T/out" &&
               timeout 60 "$BLOCKIO" read "$TA$DIG" "$n" $((2097152 / bs)) "$nb" "$T/r2" >>"$T/out" 2>&1 &&
               cmp -s "$T/p2" "$T/r2"; then
                ok "$M nsid $n: the kernel wrote 256 KiB at LBA $((2097152 / bs)), pnvme read it back equal"
            else
                bad "$M nsid $n: kernel write, pnvme read back"; cat "$T/out"
            fi
        done
        check "$M kernel_tcp_disconnect" kernel_tcp_disconnect "$NQN_A"
    else
        bad "$M kernel_tcp_connect $NQN_A $KDIG"; cat "$T/out"
    fi

    # -- discovery on 8009, beside nvme discover
    stamp "$M discover"
    kernel_hostnqn
    nvme discover -t tcp -a 127.0.0.1 -s 8009 >"$T/kdisc" 2>&1 ||
        { bad "$M nvme discover on 8009"; cat "$T/kdisc"; }
    sed -n 's/^subnqn: *//p' "$T/kdisc" | sed 's/ *$//' | sort -u > "$T/kdisc.nqn"
    sed -n 's/^trsvcid: *//p' "$T/kdisc" | sed 's/ *$//' | sort -u > "$T/kdisc.svc"
    grep -qx "$NQN_A" "$T/kdisc.nqn" && grep -qx "$NQN_B" "$T/kdisc.nqn" ||
        bad "$M nvme discover does not list both subsystems: $(tr '\n' ' ' < "$T/kdisc.nqn")"
    DG=''
    [ "$mode" = on ] && DG='-g -G'
    # shellcheck disable=SC2086  # DG: zero or two words
    if timeout 60 pnvme-cli discover -t tcp -a 127.0.0.1 -s 8009 $DG >"$T/pdisc" 2>&1; then
        ok "$M pnvme-cli discover -t tcp -a 127.0.0.1 -s 8009 $DG"
        sed -n 's/^subnqn: *//p' "$T/pdisc" | sed 's/ *$//' | sort -u > "$T/pdisc.nqn"
        sed -n 's/^trsvcid: *//p' "$T/pdisc" | sed 's/ *$//' | sort -u > "$T/pdisc.svc"
        if [ -s "$T/kdisc.nqn" ] && cmp -s "$T/kdisc.nqn" "$T/pdisc.nqn" &&
           cmp -s "$T/kdisc.svc" "$T/pdisc.svc"; then
            ok "$M pnvme-cli discover lists what nvme discover lists: $(tr '\n' ' ' < "$T/pdisc.nqn")on $(tr '\n' ' ' < "$T/pdisc.svc")"
        else
            bad "$M discover: pnvme '$(tr '\n' ' ' < "$T/pdisc.nqn")' on '$(tr '\n' ' ' < "$T/pdisc.svc")', kernel '$(tr '\n' ' ' < "$T/kdisc.nqn")' on '$(tr '\n' ' ' < "$T/kdisc.svc")'"
            cat "$T/pdisc"
        fi
        # The whole entries, field for field, as nvme-cli prints them.
        grep -E '^(trtype|adrfam|subtype|treq|portid|trsvcid|subnqn|traddr|eflags|sectype):' "$T/kdisc" |
            sed 's/ *$//' > "$T/kdisc.f"
        grep -E '^(trtype|adrfam|subtype|treq|portid|trsvcid|subnqn|traddr|eflags|sectype):' "$T/pdisc" |
            sed 's/ *$//' > "$T/pdisc.f"
        if [ -s "$T/kdisc.f" ] && cmp -s "$T/kdisc.f" "$T/pdisc.f"; then
            ok "$M pnvme-cli discover prints each entry's fields as nvme discover does ($(grep -c '^subnqn' "$T/pdisc.f") entries)"
        else
            bad "$M pnvme-cli discover's entries differ from nvme discover's"
            diff "$T/kdisc.f" "$T/pdisc.f" 2>/dev/null | head -n 20 || paste "$T/kdisc.f" "$T/pdisc.f" | head -n 20
        fi
    else
        bad "$M pnvme-cli discover on 8009 (exit $?)"; tail -n 5 "$T/pdisc"
    fi
    if timeout 60 "$BLOCKIO" discover "$ADDR trsvcid:8009$DIG" >"$T/adisc" 2>&1 &&
       sed -n 's/^subnqn \([^ ]*\) .*/\1/p' "$T/adisc" | sort -u | cmp -s "$T/kdisc.nqn" -; then
        ok "$M pnvme_discover('$ADDR trsvcid:8009$DIG'): $(tail -n 1 "$T/adisc"), the NQNs nvme discover lists"
    else
        bad "$M pnvme_discover('$ADDR trsvcid:8009$DIG')"; cat "$T/adisc"
    fi

    # -- the port removed under pnvme-perf
    stamp "$M port removed mid-run"
    t0=$(date +%s)
    timeout 90 pnvme-perf -r "$TA3$DIG" -w randrw -M 50 -q 32 -t 15 --verify --json \
        >"$T/rm.json" 2>"$T/rm.err" &
    perf=$!
    sleep 3
    check "$M nvmet_port_unlink 3 $NQN_A under pnvme-perf" nvmet_port_unlink 3 "$NQN_A"
    tu=$(date +%s)
    wait $perf
    st=$?
    t1=$(date +%s)
    errs=$(sed -n 's/^ *"errors": \([0-9]*\).*/\1/p' "$T/rm.json" | tail -n 1)
    lost=$(sed -n 's/^ *"lost_ios": \([0-9]*\).*/\1/p' "$T/rm.json" | tail -n 1)
    if timed_out $st; then
        bad "$M pnvme-perf still running 90 s after it started: killed (hang)"
    elif [ $st = 1 ] && [ "${errs:-0}" -gt 0 ] && [ "$lost" = 0 ]; then
        ok "$M pnvme-perf ended by itself $((t1 - tu)) s after the unlink ($((t1 - t0)) s after its start): exit 1, $errs I/O errors reported, 0 lost"
    else
        bad "$M pnvme-perf with the port removed: exit $st, errors '$errs', lost_ios '$lost' (want exit 1, errors > 0, lost 0)"
    fi
    sed 's/^/    stderr: /' "$T/rm.err" | tail -n 12
    nvmet_listening 4421 && bad "$M 4421 still listens" || ok "$M 4421 no longer listens"
    timeout 60 pnvme-perf -r "$TA3$DIG" -w randread -q 8 -t 1 >"$T/out" 2>&1
    st=$?
    [ $st = 1 ] && ok "$M a new pnvme-perf run with the port gone fails: $(tail -n 1 "$T/out")" ||
        { bad "$M a new run with the port gone: exit $st, want 1"; tail -n 5 "$T/out"; }
    check "$M nvmet_port_link 3 $NQN_A again" nvmet_port_link 3 "$NQN_A"
    timeout 60 pnvme-perf -r "$TA3$DIG" -w randrw -M 50 -q 32 -t 2 --verify >"$T/perf" 2>&1
    st=$?
    checked=$(sed -n 's/^verify: \([0-9]*\) reads checked, 0 mismatches.*/\1/p' "$T/perf")
    [ $st = 0 ] && [ "${checked:-0}" -gt 0 ] &&
        ok "$M after the port came back: pnvme-perf --verify exit 0, $checked reads checked, 0 mismatches" ||
        { bad "$M after the port came back: pnvme-perf exit $st"; tail -n 8 "$T/perf"; }

    # -- the port flaps: gone for about a second, inside the reconnect window
    # (digests off only: the reconnect does not depend on them, the removal
    # above already reconnects with them; and check-qemu's boot stays short)
    [ "$mode" = off ] || continue
    stamp "$M port flaps under pnvme-perf"
    timeout 90 pnvme-perf -r "$TA3$DIG" -w randrw -M 50 -q 32 -t 7 --verify --json \
        --status-interval 1 >"$T/flap.json" 2>"$T/flap.err" &
    perf=$!
    sleep 2
    nvmet_port_unlink 3 "$NQN_A" && sleep 1 && nvmet_port_link 3 "$NQN_A" ||
        bad "$M unlink and link again 4421"
    wait $perf
    st=$?
    lost=$(sed -n 's/^ *"lost_ios": \([0-9]*\).*/\1/p' "$T/flap.json" | tail -n 1)
    vf=$(sed -n 's/^ *"verify_failures": \([0-9]*\).*/\1/p' "$T/flap.json" | tail -n 1)
    errs=$(sed -n 's/^ *"errors": \([0-9]*\).*/\1/p' "$T/flap.json" | tail -n 1)
    # progress lines "    N s running   IOPS ...": I/O moving again after the flap (from 5 s on)
    after=$(awk '$2 == "s" && $1 >= 5 && $4 > 0 {n++} END {print n + 0}' "$T/flap.err")
    if timed_out $st; then
        bad "$M port flap: pnvme-perf killed after 90 s (hang)"
    elif [ $st -le 1 ] && [ "$lost" = 0 ] && [ "$vf" = 0 ] && [ "$after" -gt 0 ] &&
         ! grep -q 'failed during the run' "$T/flap.err"; then
        ok "$M port flap (1 s): the controller reconnected, I/O went on ($after progress lines with I/O from 5 s), exit $st, $errs I/O errors (in flight at the drop), 0 lost, 0 mismatches"
    else
        bad "$M port flap: exit $st, lost '$lost', verify failures '$vf', errors '$errs', $after progress lines with I/O after the flap"
        grep -v '^ *[0-9]* s ' "$T/flap.err" | tail -n 10
    fi
    grep '^ *[0-9]* s ' "$T/flap.err" | tr '\n' '|' | sed 's/  */ /g; s/^/    progress: /'; echo
done

# ---- teardown --------------------------------------------------------------------------------
stamp "teardown"
check "nvmet_teardown" nvmet_teardown
done_
