#!/bin/sh
# make bench-qd1: queue depth 1 under QEMU, many short runs in one guest boot.
#
#   qd1_series.sh [RUNS] [SECONDS]     (in the guest; the bench layout)
#
# QD 1 round trips under QEMU are multimodal (docs/bench.md, "Queue depth 1").
# One mode per run is what decides a run's IOPS, so this takes many short
# runs rather than a few long ones: RUNS (12) pairs of SECONDS (1) each,
# pnvme-perf -q 1 -LLL with the default doorbell order (SQ tail, then CQ head)
# alternating with --cq-doorbell-first, pinned to CPU 0. Each run prints one
# line: IOPS, the round trip's p50, and -LLL's three phase p50s; the summary
# counts runs per mode (p50 below 12 us, 12-30 us, above 30 us) and prints
# the median IOPS per order. Nothing is asserted about speed.
RUNS=${1:-12}
SECS=${2:-1}
. /lib/pnvme/guest-lib.sh
BDF=${PNVME_CTRL_A:-$(nvme_functions | head -n 1)}
[ -n "$BDF" ] || { echo "qd1: no NVMe function in the guest" >&2; exit 1; }
OUT=/tmp/qd1
mkdir -p "$OUT"
: > "$OUT/rows"

run() { # ORDER-NAME [perf options]
	name=$1
	shift
	timeout $((SECS + 30)) taskset -c 0 pnvme-perf -r "trtype:pcie traddr:$BDF" -q 1 -o 4096 \
		-w randread -t "$SECS" -LLL "$@" > "$OUT/raw" 2> "$OUT/err" || {
		echo "qd1: pnvme-perf failed:" >&2
		cat "$OUT/err" >&2
		return 1
	}
	awk -v name="$name" '
		/I\/Os in/ { ios = $1; secs = $4 }
		$1 == "Total" && p50 == "" { p50 = $6 }
		/^submit -> SQ doorbell/ { sub_p50 = $6 }
		/^doorbell -> CQE seen/ { dev_p50 = $6 }
		/^CQE seen -> callback/ { cb_p50 = $6 }
		END {
			if (secs > 0) iops = ios / secs
			printf "%-10s %10.0f %9.2f %9.3f %9.2f %9.3f\n", name, iops, p50, sub_p50, dev_p50, cb_p50
		}' "$OUT/raw" | tee -a "$OUT/rows"
}

echo "queue depth 1, $RUNS x 2 runs of $SECS s, controller $BDF (null-co), CPU 0"
printf '%-10s %10s %9s %9s %9s %9s\n' order IOPS "p50 us" "sub->db" "db->CQE" "CQE->cb"
i=0
while [ $i -lt "$RUNS" ]; do
	run sq-first || exit 1
	run cq-first --cq-doorbell-first || exit 1
	i=$((i + 1))
done

echo
echo "runs per mode (round trip p50: fast < 12 us, middle 12-30 us, slow > 30 us) and median IOPS"
for name in sq-first cq-first; do
	grep "^$name " "$OUT/rows" | awk -v name="$name" '
		{ rt = $3; if (rt < 12) f++; else if (rt <= 30) m++; else s++; v[NR] = $2 }
		END {
			n = NR
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
			med = (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
			printf "%-10s fast %2d  middle %2d  slow %2d  median IOPS %.0f\n", name, f, m, s, med
		}'
done
