#!/usr/bin/env bash
# make bench: pnvme beside the kernel's io_uring path, in one QEMU guest boot.
#
#   test/bench/bench.sh [run.sh options]
#
# Boots the guest once (test/qemu/run.sh --bench --kernel-nvme: one controller
# with a null-co namespace, the kernel's nvme driver loaded with poll_queues=1,
# fio included) and runs test/bench/guest-bench.sh in it: 4 KiB random reads at
# QD 1, 32, 128 and random writes at QD 32 on one core, through pnvme-perf
# (shadow doorbells on and off) and through fio, one job file
# (test/bench/bench.fio) for every fio row (io_uring polled on the block
# device, io_uring_cmd on the NVMe char device, the pnvme ioengine on the
# controller through vfio-pci), each point REPEATS times;
# and pnvme-perf with PRP against SGL data pointers (--prp, --sgl), random
# reads at QD 32 of 4 KiB and 128 KiB, in the same pnvme blocks.
# Then test/bench/bench-report.py takes the medians, prints one table with
# pnvme's IOPS ratio to each kernel row and one of PRP against SGL, and
# writes build/bench/results.json;
# gnuplot draws build/bench/latency.png (test/bench/plot.gp).
#
# Knobs: PNVME_BENCH_SECONDS=3 (per run), PNVME_BENCH_REPEATS=3,
#        PNVME_BENCH_OUT=build/bench. Extra arguments go to run.sh.
# Exit status: 0 with a table of measured figures; non-zero when the guest
# failed or a measurement is missing. Nothing is asserted about speed.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
SECS=${PNVME_BENCH_SECONDS:-3}
REPS=${PNVME_BENCH_REPEATS:-3}
OUT=${PNVME_BENCH_OUT:-build/bench}

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }
[[ $SECS =~ ^[1-9][0-9]*$ ]] || die "PNVME_BENCH_SECONDS must be a whole number of seconds"
[[ $REPS =~ ^[1-9][0-9]*$ ]] || die "PNVME_BENCH_REPEATS must be a positive number"
for b in pnvme-perf pnvme-setup; do
    [[ -x build/bin/$b ]] || die "build/bin/$b missing: run make first"
done

# Host tools: fio (copied into the guest), python3 (the report), gnuplot (the
# plot). test/deps.sh bench installs fio and gnuplot; python3 is asked for here.
want=()
command -v fio >/dev/null || want+=(fio)
command -v gnuplot >/dev/null || want+=(gnuplot-nox)
command -v python3 >/dev/null || want+=(python3)
if [[ ${#want[@]} -gt 0 ]]; then
    [[ $EUID -eq 0 ]] || die "missing: ${want[*]} (apt-get install ${want[*]})"
    echo "bench: installing ${want[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${want[@]}" >/dev/null ||
        die "apt-get install ${want[*]} failed"
fi

mkdir -p "$OUT"
rm -rf "$OUT/plot" "$OUT/results.json" "$OUT/latency.png"   # nothing stale
LOG=$OUT/guest.log
# 4 points x 5 engines + 2 points x 2 data-pointer modes, x REPEATS runs of
# SECS (+1 s warm-up, + start-up), plus boot and driver switches; run.sh's
# guest timeout is 30 s less.
TIMEOUT=$(( REPS * 24 * (SECS + 4) + 180 ))

# How busy the host was with other work than this guest: all CPUs' busy time
# from /proc/stat less the CPU time of this script's children (QEMU), in ticks.
host_ticks() {  # prints: busy total children
    awk '/^cpu /{t = 0; for (i = 2; i <= 9; i++) t += $i; print t - $5 - $6, t}' /proc/stat |
        tr '\n' ' '
    awk '{print $16 + $17}' "/proc/$$/stat"
}
read -r busy0 total0 kids0 < <(host_ticks)

echo "bench: one guest boot, ${SECS}s per run, $REPS repeats (log: $LOG)"
start=$SECONDS
set +e
# The guest's BENCH-* lines are for the report; people see the rest.
fio_pnvme=()
if [[ -f build/lib/pnvme_fio.so ]]; then
    fio_pnvme=(-i build/lib/pnvme_fio.so)
else
    echo "bench: build/lib/pnvme_fio.so missing (make fio-plugin): no fio + pnvme rows"
fi
test/qemu/run.sh --bench --kernel-nvme --timeout "$TIMEOUT" -i "$(command -v fio)" \
    -i test/bench/bench.fio "${fio_pnvme[@]}" "$@" \
    -- test/bench/guest-bench.sh "$SECS" "$REPS" 2>&1 |
    tee "$LOG" | grep -av '^BENCH-'
guest_rc=${PIPESTATUS[0]}
set -e
read -r busy1 total1 kids1 < <(host_ticks)
host_busy=$(awk -v b=$((busy1 - busy0)) -v t=$((total1 - total0)) -v k=$((kids1 - kids0)) \
    'BEGIN { v = t > 0 ? 100 * (b - k) / t : 0; printf "%.1f", v < 0 ? 0 : v }')
echo "bench: guest done in $(( SECONDS - start ))s, status $guest_rc"

report_rc=0
python3 test/bench/bench-report.py --log "$LOG" --out "$OUT" \
    --repeats "$REPS" --guest-status "$guest_rc" --host-busy "$host_busy" || report_rc=$?

if [[ -f $OUT/plot/iops.dat ]]; then
    if gnuplot -e "dir='$OUT/plot'" -e "out='$OUT/latency.png'" test/bench/plot.gp; then
        echo "bench: plot $OUT/latency.png"
    else
        echo "bench: gnuplot failed; no plot" >&2
        [[ $report_rc -ne 0 ]] || report_rc=1
    fi
fi
echo "bench: figures $OUT/results.json, guest log $LOG, $(( SECONDS - start ))s in all"
if [[ $guest_rc -ne 0 ]]; then
    echo "bench: FAILED: the guest exited with status $guest_rc" >&2
    exit "$guest_rc"
fi
exit "$report_rc"
