#!/bin/sh
# shellcheck shell=sh
# The guest half of "make bench" (test/bench/bench.sh boots the guest with
# test/qemu/run.sh --bench --kernel-nvme and runs this script in it).
#
#   guest-bench.sh [SECONDS [REPEATS]]        (defaults: 3 and 3)
#
# On the bench layout's one controller ($PNVME_CTRL_A, a null-co namespace),
# for 4 KiB random reads at QD 1, 32, 128 and random writes at QD 32, on CPU 0:
#   pnvme           build/bin/pnvme-perf (vfio-pci), MMIO doorbells (the driver's default)
#   pnvme-shadow    the same with --shadow-doorbells (Doorbell Buffer Config)
#   io_uring        fio --ioengine=io_uring --hipri --direct=1 on /dev/nvmeXn1
#   io_uring_cmd    fio --ioengine=io_uring_cmd --cmd_type=nvme --hipri on
#                   /dev/ngXn1 (skipped, and said so, when fio lacks it)
#   fio-pnvme       fio with the pnvme ioengine (build/lib/pnvme_fio.so,
#                   thread=1) on the controller through vfio-pci, in the
#                   pnvme blocks (skipped, and said so, without the plugin)
# Every fio row runs the same job file, test/bench/bench.fio.
# and, in the pnvme blocks, random reads at QD 32 of 4 KiB and 128 KiB with
# the data pointers forced (rows apart from the 4 KiB table):
#   pnvme-prp       pnvme-perf --prp (PRP entries; a PRP list beyond 8 KiB)
#   pnvme-sgl       pnvme-perf --sgl (SGL data blocks; skipped, and said so,
#                   when pnvme-perf lacks --sgl)
# Each point is measured REPEATS times; each block of runs on one driver
# starts with a discarded 1 s run. The device moves between vfio-pci and
# the kernel's nvme driver with pnvme-setup bind/reset; the blocks alternate
# (pnvme then kernel, kernel then pnvme, ...) so slow drift of the host
# affects both sides alike, with one driver switch per repeat.
#
# Output, for the host to pick out of the serial log:
#   BENCH-META {...}   once: kernel, fio version, options used
#   BENCH-JSON {...}   one per measurement: rep, workload, qd, bs (I/O size
#                      in bytes), engine, ok,
#                      the command, and the tool's own JSON under "result"
#                      (or "error" and the tail of its stderr when it failed)
#   bench: ...         progress for people
# Exit status: 0 when every measurement produced figures, 1 otherwise.

SECS=${1:-3}
REPS=${2:-3}
CPU=0
BDF=${PNVME_CTRL_A:-}
TMP=/tmp/bench
rc=0

# shellcheck source=test/qemu/guest-lib.sh
. /lib/pnvme/guest-lib.sh

case $SECS in ''|*[!0-9]*) echo "guest-bench: SECONDS must be a whole number" >&2; exit 2 ;; esac
case $REPS in ''|*[!0-9]*) echo "guest-bench: REPEATS must be a whole number" >&2; exit 2 ;; esac
[ -n "$BDF" ] || BDF=$(nvme_functions | head -n 1)
[ -n "$BDF" ] || { echo "guest-bench: no NVMe function in the guest" >&2; exit 1; }
mkdir -p "$TMP"

# A JSON string from $1.
js() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g' | tr '\t\n' '  ')"; }
# A JSON file as one line (the tools pretty-print it).
oneline() { tr '\n\t' '  ' < "$1" | tr -s ' '; }

# ---- what this guest and these tools offer -----------------------------------

perf_help=$(pnvme-perf --help 2>&1)
has_perf_opt() { printf '%s\n' "$perf_help" | grep -Eq -- "^ +(-[A-Za-z], )?$1[ ,=]"; }
WARM=0
has_perf_opt -a && WARM=1                 # warm-up second, excluded from the figures
PERF_HIST=
has_perf_opt -L && PERF_HIST=-LL          # latency histogram in the JSON
DPTR=0
has_perf_opt --sgl && has_perf_opt --prp && DPTR=1   # data pointer rows
FIO_VERSION=$(fio --version 2>/dev/null)
URING_CMD=1
fio --enghelp=io_uring_cmd 2>/dev/null | grep -q cmd_type || URING_CMD=0
poll_queues=$(cat /sys/module/nvme/parameters/poll_queues 2>/dev/null || echo none)
FIO_JOB=/pnvme/test/bench/bench.fio
FIO_PLUGIN=/pnvme/build/lib/pnvme_fio.so
FIO_PNVME=0
[ -f "$FIO_PLUGIN" ] && [ -f "$FIO_JOB" ] && FIO_PNVME=1

printf 'BENCH-META {"kernel": %s, "cpus": %s, "bdf": %s, "seconds": %s, "repeats": %s, ' \
    "$(js "$(uname -r)")" "$(nproc)" "$(js "$BDF")" "$SECS" "$REPS"
printf '"warmup_s": %s, "perf_histogram": %s, "fio_version": %s, "io_uring_cmd": %s, ' \
    "$WARM" "$([ -n "$PERF_HIST" ] && echo true || echo false)" "$(js "$FIO_VERSION")" \
    "$([ $URING_CMD = 1 ] && echo true || echo false)"
printf '"nvme_poll_queues": %s, "cpu": %s, "dptr_rows": %s, "fio_pnvme": %s, "perf_help": %s}\n' \
    "$(js "$poll_queues")" "$CPU" "$([ $DPTR = 1 ] && echo true || echo false)" \
    "$([ $FIO_PNVME = 1 ] && echo true || echo false)" "$(js "$perf_help")"
echo "bench: $BDF, $(uname -r), ${SECS}s per run (+${WARM}s warm-up), $REPS repeats," \
     "pnvme-perf warm-up $([ $WARM = 1 ] && echo yes || echo no)," \
     "histogram $([ -n "$PERF_HIST" ] && echo yes || echo no), $FIO_VERSION," \
     "io_uring_cmd $([ $URING_CMD = 1 ] && echo yes || echo 'NOT SUPPORTED: skipped')," \
     "nvme poll_queues=$poll_queues," \
     "PRP/SGL rows $([ $DPTR = 1 ] && echo yes || echo 'NOT SUPPORTED by pnvme-perf: skipped')," \
     "fio + pnvme ioengine $([ $FIO_PNVME = 1 ] && echo yes || echo "NO $FIO_PLUGIN: skipped")"

# ---- switching the device between drivers ------------------------------------

NS_DEV='' NG_DEV=''
use_vfio() {
    [ "$(driver_of "$BDF")" = vfio-pci ] && return 0
    pnvme-setup bind "$BDF" >"$TMP/switch" 2>&1
    if [ "$(driver_of "$BDF")" != vfio-pci ]; then
        echo "bench: cannot bind $BDF to vfio-pci: $(cat "$TMP/switch")"
        return 1
    fi
}
use_kernel() {
    i=0
    if [ "$(driver_of "$BDF")" != nvme ]; then
        pnvme-setup reset "$BDF" >"$TMP/switch" 2>&1
    fi
    # The driver probes asynchronously: wait for the namespace's nodes.
    while [ $i -lt 60 ]; do
        # shellcheck disable=SC2012
        ctrl=$(ls "/sys/bus/pci/devices/$BDF/nvme" 2>/dev/null | head -n 1)
        if [ -n "$ctrl" ] && [ -e "/dev/${ctrl}n1" ]; then
            NS_DEV=/dev/${ctrl}n1 NG_DEV=/dev/ng${ctrl#nvme}n1
            [ $URING_CMD = 0 ] || [ -e "$NG_DEV" ] && break
        fi
        sleep 0.5; i=$((i + 1))
    done
    if [ $i -ge 60 ]; then
        echo "bench: $BDF did not come up on the kernel's nvme driver: $(cat "$TMP/switch" 2>/dev/null)"
        return 1
    fi
    echo "bench: $BDF on nvme: $NS_DEV, $NG_DEV," \
         "io_poll=$(cat "/sys/block/${NS_DEV#/dev/}/queue/io_poll" 2>/dev/null || echo '?')"
}

# ---- one measurement -----------------------------------------------------------

n=0
total=0
# The I/O size of the measurement in hand, in bytes (4 KiB but for the
# data-pointer rows).
BS=4096
emit_fail() {  # rep workload qd engine cmd error
    rc=1
    printf 'BENCH-JSON {"rep": %s, "workload": "%s", "qd": %s, "bs": %s, "engine": "%s", ' \
        "$1" "$2" "$3" "$BS" "$4"
    printf '"ok": false, "cmd": %s, "error": %s, "stderr": %s}\n' "$(js "$5")" "$(js "$6")" \
        "$(js "$(tail -n 5 "$TMP/err" 2>/dev/null)")"
    echo "bench: [$n/$total] rep $1 $2 QD$3 $((BS / 1024))k $4: FAILED ($6)"
}
emit_ok() {  # rep workload qd engine cmd iops
    printf 'BENCH-JSON {"rep": %s, "workload": "%s", "qd": %s, "bs": %s, "engine": "%s", ' \
        "$1" "$2" "$3" "$BS" "$4"
    printf '"ok": true, "cmd": %s, "result": %s}\n' "$(js "$5")" "$(oneline "$TMP/out")"
    echo "bench: [$n/$total] rep $1 $2 QD$3 $((BS / 1024))k $4: $(printf '%.0f' "$6") IOPS"
}

# measure REP WORKLOAD QD ENGINE [BYTES]
measure() {
    rep=$1 wl=$2 qd=$3 eng=$4 hist=
    BS=${5:-4096}
    n=$((n + 1))
    # The latency distribution plotted: the 4 KiB table's randread QD 32.
    case $eng in pnvme-prp|pnvme-sgl) ;; *) [ "$wl" = randread ] && [ "$qd" = 32 ] && hist=1 ;; esac
    rm -f "$TMP/out" "$TMP/err" "$TMP/raw"
    limit=$((SECS + WARM + 60))
    case $eng in
    pnvme|pnvme-shadow|pnvme-prp|pnvme-sgl)
        set -- pnvme-perf -r "trtype:pcie traddr:$BDF" -q "$qd" -o "$BS" -w "$wl" -t "$SECS" --json
        [ "$eng" = pnvme-shadow ] && set -- "$@" --shadow-doorbells
        [ "$eng" = pnvme-prp ] && set -- "$@" --prp
        [ "$eng" = pnvme-sgl ] && set -- "$@" --sgl
        [ $WARM = 1 ] && set -- "$@" -a 1
        [ -n "$hist" ] && [ -n "$PERF_HIST" ] && set -- "$@" "$PERF_HIST"
        cmd="taskset -c $CPU $*"
        timeout "$limit" taskset -c "$CPU" "$@" >"$TMP/raw" 2>"$TMP/err"
        st=$?
        # Anything the environment printed before the JSON object is dropped.
        sed -n '/^{/,$p' "$TMP/raw" > "$TMP/out"
        iops=$(sed -n 's/.*"name": "Total".*"iops": \([0-9.]*\).*/\1/p' "$TMP/out")
        ;;
    io_uring|io_uring_cmd|fio-pnvme)
        # The job file's variables; the engine and the filename differ.
        case $eng in
        io_uring)
            fn=$NS_DEV
            set -- fio --ioengine=io_uring --hipri --direct=1 ;;
        io_uring_cmd)
            fn=$NG_DEV
            set -- fio --ioengine=io_uring_cmd --cmd_type=nvme --hipri ;;
        fio-pnvme)
            # fio splits filenames on ':': the address with '.' instead.
            fn="trtype=pcie traddr=$(echo "$BDF" | tr : .) ns=1"
            set -- fio --ioengine="$FIO_PLUGIN" --thread=1 ;;
        esac
        set -- "$@" --eta=never --output="$TMP/out"
        # json+ carries every latency bin: the distribution plotted at QD 32.
        if [ -n "$hist" ]; then set -- "$@" --output-format=json+
        else set -- "$@" --output-format=json; fi
        set -- "$@" "$FIO_JOB"
        env="BENCH_FILENAME='$fn' BENCH_RW=$wl BENCH_QD=$qd BENCH_CPU=$CPU"
        env="$env BENCH_SECONDS=$SECS BENCH_RAMP=$WARM"
        cmd="$env $*"
        BENCH_FILENAME=$fn BENCH_RW=$wl BENCH_QD=$qd BENCH_CPU=$CPU BENCH_SECONDS=$SECS \
            BENCH_RAMP=$WARM timeout "$limit" "$@" >"$TMP/raw" 2>"$TMP/err"
        st=$?
        sect="read"; [ "$wl" = randwrite ] && sect="write"
        iops=$(awk -v s="\"$sect\" : {" 'index($0, s) {f = 1}
               f && /"iops" :/ {v = $3; gsub(/[^0-9.]/, "", v); print v; exit}' "$TMP/out" 2>/dev/null)
        [ $st = 0 ] && ! grep -q '"error" : 0' "$TMP/out" 2>/dev/null && st=1
        ;;
    esac
    if [ "$st" != 0 ]; then
        emit_fail "$rep" "$wl" "$qd" "$eng" "$cmd" "exit status $st"
    elif [ -z "$iops" ]; then
        emit_fail "$rep" "$wl" "$qd" "$eng" "$cmd" "no IOPS in the output"
    else
        emit_ok "$rep" "$wl" "$qd" "$eng" "$cmd" "$iops"
    fi
}

# settle ENGINE: one 1 s random-read QD 32 run whose figures are thrown away.
settle() {
    case $1 in
    pnvme) timeout 60 taskset -c "$CPU" pnvme-perf -r "trtype:pcie traddr:$BDF" -q 32 \
               -w randread -t 1 >/dev/null 2>&1 ;;
    *) timeout 60 fio --name=settle --filename="$NS_DEV" --ioengine=io_uring --hipri \
           --direct=1 --rw=randread --bs=4k --iodepth=32 --cpus_allowed="$CPU" \
           --time_based --runtime=1 --eta=never --output=/dev/null >/dev/null 2>&1 ;;
    esac || echo "bench: settling run on $1 failed (status $?)"
}

POINTS="randread:1 randread:32 randread:128 randwrite:32"
KERNEL_ENGINES=io_uring
[ $URING_CMD = 1 ] && KERNEL_ENGINES="io_uring io_uring_cmd"
# PRP against SGL: workload:qd:bytes, each through both engines.
DPTR_POINTS=
[ $DPTR = 1 ] && DPTR_POINTS="randread:32:4096 randread:32:131072"
DPTR_ENGINES="pnvme-prp pnvme-sgl"
npoints=$(echo "$POINTS" | wc -w)
nkern=$(echo "$KERNEL_ENGINES" | wc -w)
ndptr=$(echo "$DPTR_POINTS" | wc -w)
PNVME_ENGINES="pnvme pnvme-shadow"
[ $FIO_PNVME = 1 ] && PNVME_ENGINES="$PNVME_ENGINES fio-pnvme"
npnvme=$(echo "$PNVME_ENGINES" | wc -w)
total=$((REPS * (npoints * (npnvme + nkern) + ndptr * 2)))

block() {  # rep side
    r=$1
    if [ "$2" = pnvme ]; then
        engines=$PNVME_ENGINES
        use_vfio; up=$?
    else
        engines=$KERNEL_ENGINES
        use_kernel; up=$?
    fi
    # A discarded run first: the first I/O after a boot or a driver switch
    # is slower (the host backing guest memory, TCG translating new code).
    if [ $up = 0 ]; then
        settle "${engines%% *}"
    fi
    for p in $POINTS; do
        for e in $engines; do
            if [ $up = 0 ]; then
                measure "$r" "${p%%:*}" "${p#*:}" "$e"
            else
                n=$((n + 1)); : > "$TMP/err"; BS=4096
                emit_fail "$r" "${p%%:*}" "${p#*:}" "$e" "" "device not on the driver this needs"
            fi
        done
    done
    [ "$2" = pnvme ] || return 0
    for p in $DPTR_POINTS; do
        wl=${p%%:*} rest=${p#*:}
        for e in $DPTR_ENGINES; do
            if [ $up = 0 ]; then
                measure "$r" "$wl" "${rest%%:*}" "$e" "${rest#*:}"
            else
                n=$((n + 1)); : > "$TMP/err"; BS=${rest#*:}
                emit_fail "$r" "$wl" "${rest%%:*}" "$e" "" "device not on the driver this needs"
            fi
        done
    done
}

started=$(date +%s)
r=1
while [ $r -le "$REPS" ]; do
    if [ $((r % 2)) = 1 ]; then block "$r" pnvme; block "$r" kernel
    else block "$r" kernel; block "$r" pnvme; fi
    r=$((r + 1))
done
# Leave the device as run.sh's /init left it.
use_vfio >/dev/null 2>&1
echo "bench: $n measurements in $(( $(date +%s) - started )) s, status $rc"
exit $rc
