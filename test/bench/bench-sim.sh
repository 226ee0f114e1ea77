#!/bin/sh
# make bench-sim: what the driver costs per I/O, apart from the device.
#  1. instructions per I/O (submit + reap) by callgrind, counting only inside
#     pnvme_ns_cmd_read() and pnvme_qpair_process_completions() against an
#     in-process fake device: repeatable, whatever else the machine does;
#  2. wall-clock ns per I/O against the same fake device;
#  3. IOPS and MMIO doorbell writes per I/O against the software controller's
#     thread (trtype:sim), 4 KiB random reads at QD 1 and 128 on one core.
# Prints figures; no pass/fail.
set -eu
bench=build/test/bench/hotpath_bench
n=20000
echo "== driver instructions per I/O (callgrind, fake device, 4 KiB reads)"
if command -v valgrind >/dev/null 2>&1; then
	for qd in 1 128; do
		out=$(mktemp)
		valgrind --tool=callgrind --callgrind-out-file="$out" \
			--toggle-collect='pnvme_ns_cmd_read' \
			--toggle-collect='pnvme_qpair_process_completions' \
			$bench fake $qd $n >/dev/null 2>"$out.log"
		ir=$(sed -n 's/^summary: *//p' "$out" | head -n 1)
		echo "QD $qd: $ir instructions for $n I/Os = $((ir / n)) per I/O (submit + completion)"
		rm -f "$out" "$out.log"
	done
else
	echo "valgrind not installed (apt-get install valgrind): instruction counts skipped"
fi
echo "== driver time per I/O (fake device)"
$bench fake 1 2000000 2>/dev/null
$bench fake 128 2000000 2>/dev/null
echo "== against the software controller (trtype:sim), 4 KiB random reads, 3 s each"
for qd in 1 128; do
	$bench sim $qd 3 noshadow 2>/dev/null
	$bench sim $qd 3 noshadow batch 2>/dev/null
	$bench sim $qd 3 batch 2>/dev/null
done
