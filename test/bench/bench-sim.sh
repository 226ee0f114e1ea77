#!/bin/sh
# make bench-sim: what the driver costs per I/O, apart from the device.
#  1. instructions per I/O by callgrind against an in-process fake device:
#     submission (inside pnvme_ns_cmd_read/write) and completion (inside
#     pnvme_qpair_process_completions, the benchmark's 2-instruction callback
#     included) apart, reads and writes, QD 1 and 128, 30 s I/O timeouts on;
#     then where they go: the top 5 by file:function (inlined code counts
#     under the header it comes from, e.g. lib/pcie/pcie_qpair.h:pnvme_ns_cmd_read).
#     Instruction counts do not move with the machine's load;
#  2. pnvme-perf's own instructions per I/O beside the driver's, counted the
#     same way against the software controller: inside its completion
#     callback, which does the tool's bookkeeping (random LBA, latency
#     histogram, clock reads) and submits the next I/O, less the driver's
#     submission; so that the tool does not hide the driver;
#  3. wall-clock ns per I/O against the fake device;
#  4. IOPS and MMIO doorbell writes per I/O against the software controller's
#     thread (trtype:sim), 4 KiB random reads at QD 1 and 128 on one core.
# Wall-clock figures move with the machine's load. Prints figures; no pass/fail.
set -eu
bench=build/test/bench/hotpath_bench
perf=build/bin/pnvme-perf
n=20000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# Instructions of one run of the fake device, collected only inside the named functions.
count() { # out qd op functions...
	out=$1 qd=$2 op=$3
	shift 3
	toggles=
	for f in "$@"; do toggles="$toggles --toggle-collect=$f"; done
	# shellcheck disable=SC2086
	valgrind --tool=callgrind --callgrind-out-file="$out" $toggles \
		$bench fake "$qd" $n "$op" >/dev/null 2>"$out.log"
	sed -n 's/^summary: *//p' "$out" | head -n 1
}

# Exclusive instructions of the first function matching a pattern.
self_of() { # file pattern
	callgrind_annotate "$1" 2>/dev/null | grep -E "$2" | head -n 1 | awk '{gsub(",", "", $1); print $1 + 0}'
}

# Inclusive instructions of a function (its own line, not a caller's).
incl_of() { # file function
	callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
		grep -E "[:]$2( |$)" | head -n 1 | awk '{gsub(",", "", $1); print $1 + 0}'
}

# Calls to a function, from callgrind's call records.
calls_to() { # file function
	awk -v f="$2" '
		/^c?fn=\([0-9]+\)/ {
			id = $1; sub(/^c?fn=/, "", id)
			if (NF > 1) name[id] = $2
			cur = ($1 ~ /^cfn=/) ? id : ""
			next
		}
		/^calls=/ && cur != "" && name[cur] == f { split($1, a, "="); n += a[2] }
		{ cur = "" }
		END { print n + 0 }' "$1"
}

per_io() { # instructions ios
	awk -v i="$1" -v n="$2" 'BEGIN { printf "%.1f", i / n }'
}

echo "== driver instructions per I/O (callgrind, fake device, 4 KiB, 30 s timeouts on)"
if command -v valgrind >/dev/null 2>&1; then
	printf '%-6s %4s %8s %11s %8s   %s\n' op QD submit completion total "(completion includes the benchmark's callback: 2)"
	for op in read write; do
		for qd in 1 128; do
			sub=$(count "$tmp/s" $qd $op pnvme_ns_cmd_$op)
			cpl=$(count "$tmp/c" $qd $op pnvme_qpair_process_completions)
			printf '%-6s %4s %8s %11s %8s\n' $op $qd "$(per_io "$sub" $n)" \
				"$(per_io "$cpl" $n)" "$(per_io $((sub + cpl)) $n)"
		done
	done
	for qd in 1 128; do
		count "$tmp/t$qd" $qd read pnvme_ns_cmd_read pnvme_qpair_process_completions >/dev/null
		echo "-- where they go, reads at QD $qd: top 5 file:function, instructions per I/O"
		callgrind_annotate "$tmp/t$qd" 2>/dev/null | grep -E '^ *[0-9,]+ .*:' | grep -v 'PROGRAM TOTALS' |
			head -n 5 | awk -v n=$n '{ c = $1; gsub(",", "", c); $1 = ""; printf "%8.1f %s\n", c / n, $0 }'
	done

	echo "== pnvme-perf's own instructions per I/O beside the driver's (callgrind, trtype:sim, 4 KiB random reads, 1 s)"
	echo "   counted inside its completion callback (io_done), which also submits the next I/O:"
	echo "   the tool's bookkeeping (random LBA, latency histogram, clock reads) and the driver's submission"
	for qd in 1 128; do
		out="$tmp/p$qd"
		# --fair-sched: the sim's thread gets its turns (without, bring-up can time out).
		valgrind --tool=callgrind --fair-sched=yes --callgrind-out-file="$out" --toggle-collect=io_done \
			$perf -r 'trtype:sim' -q $qd -o 4096 -w randread -t 1 >"$out.txt" 2>"$out.log" || {
			echo "QD $qd: pnvme-perf failed under valgrind:"
			tail -n 3 "$out.log"
			continue
		}
		ios=$(calls_to "$out" io_done)
		total=$(sed -n 's/^summary: *//p' "$out" | head -n 1)
		rd=$(incl_of "$out" pnvme_ns_cmd_read)
		[ -n "$ios" ] && [ "$ios" -gt 0 ] || { echo "QD $qd: no callback counted"; continue; }
		echo "-- QD $qd ($ios I/Os): tool $(per_io $((total - rd)) "$ios"), driver's submission $(per_io "$rd" "$ios") (no doorbell: it rings after the callbacks)"
		callgrind_annotate "$out" 2>/dev/null | grep -E '^ *[0-9,]+ .*:' | grep -v 'PROGRAM TOTALS' |
			grep -v -E 'lib/(nvme|pcie|env)/' | head -n 5 |
			awk -v n="$ios" '{ c = $1; gsub(",", "", c); $1 = ""; printf "%8.1f %s\n", c / n, $0 }'
	done
else
	echo "valgrind not installed (apt-get install valgrind): instruction counts skipped"
fi
echo "== driver time per I/O (fake device; moves with the machine's load)"
$bench fake 1 2000000 2>/dev/null
$bench fake 128 2000000 2>/dev/null
echo "== against the software controller (trtype:sim), 4 KiB random reads, 3 s each"
for qd in 1 128; do
	$bench sim $qd 3 noshadow 2>/dev/null
	$bench sim $qd 3 noshadow batch 2>/dev/null
	$bench sim $qd 3 batch 2>/dev/null
done
