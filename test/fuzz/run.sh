#!/bin/sh
# Run one libFuzzer target for a while and say how it went in one line:
#   test/fuzz/run.sh build/fuzz/NAME SECONDS [libFuzzer options...]
# Seeds come from test/fuzz/corpus/NAME/ (read only); what the run learns goes
# to build/fuzz/corpus/NAME/ and is reused next time; a crashing input is kept
# as build/fuzz/crash/NAME/crash-<sha1>, the whole log as build/fuzz/NAME.log.
# Exit status: 0 when nothing broke, 1 on a crash, leak, timeout or OOM.
set -u
bin=$1
seconds=$2
shift 2
name=$(basename "$bin")
dir=$(dirname "$bin")
seeds=test/fuzz/corpus/$name
corpus=$dir/corpus/$name
crashes=$dir/crash/$name
log=$dir/$name.log
mkdir -p "$corpus" "$crashes"
[ -d "$seeds" ] || seeds=

"$bin" -max_total_time="$seconds" -timeout=30 -print_final_stats=1 \
	-entropic_scale_per_exec_time=1 \
	-artifact_prefix="$crashes/" "$@" "$corpus" $seeds >"$log" 2>&1
rc=$?

runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
cov=$(sed -n 's/.* cov: \([0-9]*\) .*/\1/p' "$log" | tail -n 1)
files=$(ls "$corpus" | wc -l)
if [ "$rc" -eq 0 ]; then
	echo "fuzz: $name ok: ${seconds} s, ${runs:-?} runs (${speed:-?} exec/s)," \
		"${cov:-?} edges, corpus $files inputs"
	exit 0
fi
input=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
what=$(grep -m 1 -E '^(SUMMARY: |==[0-9]+==ERROR: libFuzzer: |cq_fuzz: |pdu_fuzz: |[a-z_]+: .*(callback|outstanding|free|DMA))' "$log" |
	sed 's/^SUMMARY: //; s/^==[0-9]*==ERROR: //')
echo "fuzz: $name FAILED after ${runs:-?} runs: ${what:-exit status $rc};" \
	"input ${input:-none}; log $log; replay: $bin ${input:-}"
exit 1
