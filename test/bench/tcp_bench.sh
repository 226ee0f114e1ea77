#!/bin/sh
# shellcheck shell=sh
# NVMe/TCP figures in one QEMU guest boot ("make bench-tcp" runs
#   test/qemu/run.sh --layout tcp -i "$(command -v fio)" -- test/bench/tcp_bench.sh
# ). The guest half; it prints the table itself.
#
#   tcp_bench.sh [SECONDS [REPEATS [hipri]]]  (defaults: 3 and 3)
#
# Target: the kernel's nvmet-tcp on 127.0.0.1:4420, one subsystem whose
# namespace is a null_blk device that moves no data (memory_backed=0,
# irqmode=0: a read completes at once, in the submitter's context; 1 GiB).
# Initiators, 4 KiB random reads at QD 1, 32 and 128, fio pinned to CPU 0:
#   io_uring       the kernel's nvme-tcp (connected with --nr-poll-queues=1
#                  --queue-size=256), fio --ioengine=io_uring --hipri
#                  --direct=1 on /dev/nvmeXnY
#   io_uring_cmd   the same connection, fio --ioengine=io_uring_cmd
#                  --cmd_type=nvme on /dev/ngXnY, WITHOUT --hipri (completions
#                  by the kernel initiator's receive work, not polled): on
#                  Debian's 6.1.0-57, polled io_uring_cmd over nvme-tcp takes
#                  a general protection fault in bio_poll (called from
#                  nvme_ns_head_chr_uring_cmd_iopoll with native multipath,
#                  from nvme_ns_chr_uring_cmd_iopoll with nvme-core
#                  multipath=N) on its first run here, and fio hangs in D
#                  state. A third argument "hipri" (make bench-tcp
#                  TCPBENCH_URING_CMD_HIPRI=1) asks for --hipri anyway, for
#                  a kernel with the fix. Skipped, and said so, when fio or
#                  the node lacks io_uring_cmd.
#   pnvme-tcp      pnvme-perf over its own NVMe/TCP initiator
#                  (run_pnvme_tcp_perf: -r 'trtype:tcp ... trsvcid:4420
#                  subnqn:NQN' -w randread -o 4096 -q QD, pinned to CPU 0 with
#                  taskset, the kernel's controller connected beside it but
#                  idle). While pnvme-perf --help does not mention tcp the
#                  rows say "not built" and the exit status is 1.
# Each point runs REPEATS times; each engine starts with a discarded 1 s run.
# The table has medians (and the lowest and highest IOPS).
#
# CPU. On one loopback box the target's and the kernel initiator's work
# cannot be told apart exactly: nvmet-tcp's io_work and nvme-tcp's io_work
# both run in the same high-priority per-CPU kworkers (kworker/N:MH), and
# loopback's receive softirq runs in whatever context sent the packet. So
# three honest figures, per I/O, each the median of the repeats:
#   cpu/IO     all guest CPU time used during the run (/proc/stat: every
#              CPU, everything but idle and iowait), whoever used it;
#   init/IO    the initiator process's own user+system time: fio's (its
#              JSON usr_cpu/sys_cpu), or pnvme-perf's (busybox time -f
#              '%U %S'); the submitting and polling side, with the softirq
#              work that ran inside its system calls (for pnvme, its
#              sendmsg/recvmsg: loopback delivers to the target there);
#   kwH/IO     the H kworkers' utime+stime (/proc/PID/stat of every
#              kworker/*H thread, before and after): the target's io_work
#              (receive, execute, send), plus any io_work of nvme-tcp.
# rest/IO = cpu/IO - init/IO is what the run cost outside the initiator's
# own process. With pnvme-perf as the initiator (a user-space thread pinned
# to CPU 0, polling: about one CPU for the whole run, whatever the rate)
# the kernel's nvme-tcp leaves the picture and kwH/IO is the target's alone:
# the target's CPU per I/O, reported beside, never inside, the initiator's.
#
# Output: "tcpbench: ..." progress lines, one "TCPBENCH-RUN ..." line per
# measurement, then the table. Exit status 0 when every measurement that
# ran produced figures, 1 otherwise.

SECS=${1:-3}
REPS=${2:-3}
CPU=0
NQN=nqn.2014-08.io.pnvme:tcp-bench
TMP=/tmp/tcpbench
RES=$TMP/results
rc=0

# shellcheck source=test/qemu/guest-lib.sh
. /lib/pnvme/guest-lib.sh
# shellcheck source=test/qemu/nvmet-lib.sh
. /lib/pnvme/nvmet-lib.sh

case $SECS in ''|*[!0-9]*) echo "tcp_bench: SECONDS must be a whole number" >&2; exit 2 ;; esac
case $REPS in ''|*[!0-9]*) echo "tcp_bench: REPEATS must be a whole number" >&2; exit 2 ;; esac
mkdir -p "$TMP"
: > "$RES"
say() { echo "tcpbench: $*"; }

# ---- CPU accounting -------------------------------------------------------------

# All CPUs' busy ticks (USER_HZ) so far.
busy_ticks() {
    awk '/^cpu / {print $2 + $3 + $4 + $7 + $8 + $9}' /proc/stat
}
# utime+stime ticks of every high-priority kworker alive now.
kwh_ticks() {
    for s_ in /proc/[0-9]*/stat; do
        cat "$s_" 2>/dev/null
    done | awk '{ c = $0; sub(/^[^(]*\(/, "", c); n = c; sub(/\).*/, "", n)
                  if (n !~ /^kworker\/[0-9]+:[0-9]+H/) next
                  sub(/^.*\) /, "", c); split(c, f, " "); t += f[12] + f[13] }
                END { print t + 0 }'
}
HZ=100   # USER_HZ: /proc/stat and /proc/PID/stat count in 1/100 s

# ---- the target and the kernel initiator --------------------------------------------

nvmet_load || exit 1
DEV=$(nvmet_nullb nullb0 1024 0) || exit 1
nvmet_subsys_add "$NQN" "$DEV" || exit 1
nvmet_port_add 1 127.0.0.1 4420 || exit 1
nvmet_port_link 1 "$NQN" || exit 1
kernel_tcp_connect "$NQN" --nr-poll-queues=1 --queue-size=256 || exit 1
BLK=$KTCP_BLK CHR=$KTCP_CHR
# The blk-mq queues are the path's (the head, with multipath, has none).
MQ=$(ls -d /sys/class/nvme/"$KTCP_CTRL"/nvme*n*/mq/* 2>/dev/null | wc -l)
poll=$(cat "/sys/block/${BLK#/dev/}/queue/io_poll" 2>/dev/null || echo '?')
FIO_VERSION=$(fio --version 2>/dev/null)
URING_CMD=1
fio --enghelp=io_uring_cmd 2>/dev/null | grep -q cmd_type || URING_CMD=0
[ -n "$CHR" ] || URING_CMD=0
UCMD_HIPRI=
[ "${3:-}" = hipri ] && UCMD_HIPRI=--hipri
say "$(uname -r), $(nproc) CPUs, $FIO_VERSION, target nvmet-tcp on $DEV (null_blk, no data)," \
    "initiator nvme-tcp $KTCP_CTRL ($BLK, ${CHR:-no char node}), io_poll=$poll," \
    "$MQ blk-mq queues (incl. poll), nvme-core $(cat /sys/module/nvme_core/parameters/multipath 2>/dev/null | sed 's/^/multipath=/')," \
    "io_uring_cmd ${UCMD_HIPRI:-without --hipri}, ${SECS}s x $REPS repeats, fio on CPU $CPU"

# ---- one measurement ------------------------------------------------------------------

# record ENGINE QD REP IOPS IOS BUSY_TICKS FIO_CPU_MS KWH_TICKS
record() {
    echo "TCPBENCH-RUN engine=$1 qd=$2 rep=$3 iops=$4 ios=$5 busy_ticks=$6 fio_cpu_ms=$7 kwh_ticks=$8"
    echo "$1 $2 $3 $4 $5 $6 $7 $8" >> "$RES"
}

# fio_run ENGINE QD REP (REP 0: the discarded settling run, 1 s)
fio_run() {
    eng=$1 qd=$2 rep=$3
    secs=$SECS; [ "$rep" = 0 ] && secs=1
    case $eng in
        io_uring)     set -- --ioengine=io_uring --hipri --direct=1 --filename="$BLK" ;;
        io_uring_cmd) set -- --ioengine=io_uring_cmd --cmd_type=nvme $UCMD_HIPRI --filename="$CHR" ;;
    esac
    b0=$(busy_ticks) k0=$(kwh_ticks)
    timeout $((secs + 60)) fio --name=tcp "$@" --rw=randread --bs=4k --iodepth="$qd" \
        --numjobs=1 --cpus_allowed=$CPU --time_based=1 --runtime="$secs" --norandommap=1 \
        --randrepeat=0 --eta=never --output-format=json --output="$TMP/out" >/dev/null 2>"$TMP/err"
    st=$?
    b1=$(busy_ticks) k1=$(kwh_ticks)
    [ "$rep" = 0 ] && return 0
    # read.iops, read.total_ios, and the job's usr_cpu/sys_cpu (percent of
    # its run time).
    set -- $(awk '/"read" : \{/ {r = 1} r && /"iops" :/ && !i {i = $3}
                  r && /"total_ios" :/ && !n {n = $3}
                  /"usr_cpu" :/ {u = $3} /"sys_cpu" :/ {s = $3}
                  /"runtime" :/ && r && !t {t = $3}
                  END {gsub(/[^0-9.]/, "", i); gsub(/[^0-9.]/, "", n); gsub(/[^0-9.]/, "", u)
                       gsub(/[^0-9.]/, "", s); gsub(/[^0-9.]/, "", t)
                       print i + 0, n + 0, (u + s) * t / 100}' "$TMP/out" 2>/dev/null)
    if [ "$st" != 0 ] || [ -z "$1" ] || [ "${2:-0}" = 0 ]; then
        rc=1
        say "$eng QD$qd rep $rep: FAILED (exit $st): $(tail -n 3 "$TMP/err" | tr '\n' ' ')"
        return 1
    fi
    record "$eng" "$qd" "$rep" "$1" "$2" $((b1 - b0)) "$3" $((k1 - k0))
    say "$eng QD$qd rep $rep: $(printf '%.0f' "$1") IOPS"
}

# ---- pnvme over TCP: filled in when pnvme-perf has the transport ----------------------------

# run_pnvme_tcp_perf QD REP: pnvme-perf as the NVMe/TCP initiator against the
# same target, pinned to CPU 0; records like fio_run (its "Total" IOPS, its
# own user+system time from busybox time). The kernel's controller stays
# connected beside it, idle.
PNVME_TCP=0
if pnvme-perf --help 2>&1 | grep -qiw tcp; then PNVME_TCP=1; fi
run_pnvme_tcp_perf() {
    qd=$1 rep=$2
    secs=$SECS; [ "$rep" = 0 ] && secs=1
    trid="trtype:tcp adrfam:ipv4 traddr:127.0.0.1 trsvcid:4420 subnqn:$NQN"
    b0=$(busy_ticks) k0=$(kwh_ticks)
    timeout $((secs + 60)) busybox time -o "$TMP/time" -f '%U %S' \
        taskset -c $CPU pnvme-perf -r "$trid" -q "$qd" -o 4096 \
        -w randread -t "$secs" --json >"$TMP/raw" 2>"$TMP/err"
    st=$?
    b1=$(busy_ticks) k1=$(kwh_ticks)
    [ "$rep" = 0 ] && return 0
    sed -n '/^{/,$p' "$TMP/raw" > "$TMP/out"
    # The "Total" row: {"name": "Total", "ios": N, "iops": X, ... (its first
    # "iops"; the line has read's and write's after it).
    set -- $(sed -n 's/.*"name": "Total", "ios": \([0-9]*\), "iops": \([0-9.]*\),.*/\1 \2/p' "$TMP/out" | head -n 1)
    ios=${1:-} iops=${2:-}
    if [ "$st" != 0 ] || [ -z "$iops" ] || [ "${ios:-0}" = 0 ]; then
        rc=1
        say "pnvme-tcp QD$qd rep $rep: FAILED (exit $st): $(tail -n 3 "$TMP/err" | tr '\n' ' ')"
        return 1
    fi
    # time's last line: user and system seconds; in ms for record
    ms=$(tail -n 1 "$TMP/time" 2>/dev/null | awk 'NF == 2 {printf "%.0f", ($1 + $2) * 1000}')
    record pnvme-tcp "$qd" "$rep" "$iops" "$ios" $((b1 - b0)) "${ms:-0}" $((k1 - k0))
    say "pnvme-tcp QD$qd rep $rep: $(printf '%.0f' "$iops") IOPS"
}

# ---- the runs -----------------------------------------------------------------------------

QDS="1 32 128"
ENGINES=io_uring
if [ $URING_CMD = 1 ]; then
    ENGINES="io_uring io_uring_cmd"
else
    say "io_uring_cmd: NOT SUPPORTED here (fio without it, or no /dev/ng node): skipped"
fi
started=$(date +%s)
for e in $ENGINES; do
    fio_run "$e" 32 0
    r=1
    while [ $r -le "$REPS" ]; do
        for q in $QDS; do fio_run "$e" "$q" "$r"; done
        r=$((r + 1))
    done
done
if [ $PNVME_TCP = 1 ]; then
    run_pnvme_tcp_perf 32 0
    r=1
    while [ $r -le "$REPS" ]; do
        for q in $QDS; do run_pnvme_tcp_perf "$q" "$r"; done
        r=$((r + 1))
    done
    ENGINES="$ENGINES pnvme-tcp"
else
    say "pnvme-tcp: FAILED: pnvme tcp transport not built (pnvme-perf --help does not mention tcp)"
    rc=1
fi
kernel_tcp_disconnect "$NQN"
nvmet_teardown
say "$(wc -l < "$RES") measurements in $(( $(date +%s) - started )) s"

# ---- the table --------------------------------------------------------------------------

echo
echo "NVMe/TCP over loopback, 4 KiB random reads, fio/pnvme-perf on CPU $CPU, medians of $REPS runs of ${SECS}s"
echo "(target: kernel nvmet-tcp on null_blk; io_uring polled, io_uring_cmd ${UCMD_HIPRI:-NOT polled};"
echo " CPU columns: microseconds of CPU per I/O, see tcp_bench.sh)"
printf '%-13s %4s %10s %19s %8s %8s %8s %8s\n' engine QD IOPS '(min - max)' cpu/IO init/IO rest/IO kwH/IO
for e in $ENGINES; do
    for q in $QDS; do
        awk -v e="$e" -v q="$q" -v hz=$HZ '
            function med(a, n,   i, j, t) {
                for (i = 2; i <= n; i++) for (j = i; j > 1 && a[j - 1] > a[j]; j--) {
                    t = a[j]; a[j] = a[j - 1]; a[j - 1] = t }
                return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
            }
            $1 == e && $2 == q {
                n++; iops[n] = $4
                cpu[n] = $6 / hz * 1e6 / $5; fio[n] = $7 * 1e3 / $5
                rest[n] = cpu[n] - fio[n]; kwh[n] = $8 / hz * 1e6 / $5
                if (n == 1 || $4 < lo) lo = $4
                if (n == 1 || $4 > hi) hi = $4
            }
            END {
                if (!n) { printf "%-13s %4s %10s\n", e, q, "failed"; exit }
                printf "%-13s %4s %10.0f %8.0f - %8.0f %8.1f %8.1f %8.1f %8.1f\n", e, q,
                    med(iops, n), lo, hi, med(cpu, n), med(fio, n), med(rest, n), med(kwh, n)
            }' "$RES"
    done
done
[ $PNVME_TCP = 1 ] || printf '%-13s %4s %10s\n' pnvme-tcp - 'not built'
exit $rc
