#!/bin/bash
# fio with the pnvme ioengine (build/lib/pnvme_fio.so) against the software
# controller (trtype=sim): verified mixed I/O at QD 32 in two jobs, trim and
# read-back of zeroes, two namespaces in one job, fio's pacing options, PI,
# one SQ doorbell write per fio commit, a device error, and the filenames and
# set-ups that must fail with a message; then the verify job over NVMe/TCP
# against the tests' fake target (build/test/fio/tcp_target_serve).
# Every fio run writes JSON, which python3 checks (test/fio/check_json.py).
#
#   test/fio/fio_test.sh [PLUGIN]     (default build/lib/pnvme_fio.so)
#
# Prints "fio: N passed, N failed"; exit status non-zero on a failure.
set -u
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
PLUGIN=$(realpath "${1:-build/lib/pnvme_fio.so}")
DIR=$ROOT/test/fio
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

if ! command -v fio >/dev/null || [ ! -f "$PLUGIN" ]; then
	echo "fio: fio or $PLUGIN missing (make fio-plugin)"
	echo "fio: 0 passed, 1 failed"
	exit 1
fi
export PNVME_FIO_PLUGIN=$PLUGIN PNVME_FIO_NO_HUGE=1
# A plugin built with --enable-asan needs the sanitizer's runtime loaded first.
asan=$(ldd "$PLUGIN" 2>/dev/null | awk '/libasan/ { print $3; exit }')
if [ -n "$asan" ]; then
	export LD_PRELOAD=$asan ASAN_OPTIONS=detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}
fi

ok() { echo "  ok   $1"; passed=$((passed + 1)); }
bad() { echo "  FAIL $1"; shift; [ $# -gt 0 ] && printf '       %s\n' "$@"; failed=$((failed + 1)); }

# run NAME CHECK-ARGS... -- FIO-ARGS...: fio with JSON output, then the check.
run() {
	local name=$1 checks=() rc
	shift
	while [ "$1" != -- ]; do checks+=("$1"); shift; done
	shift
	# In $tmp: fio leaves its verify state files in the working directory.
	(cd "$tmp" && timeout 300 fio --output-format=json --output="$tmp/$name.json" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err")
	rc=$?
	if [ $rc -ne 0 ]; then
		bad "$name: fio exited with status $rc" "$(tail -n 5 "$tmp/$name.err")"
		return
	fi
	if out=$(python3 "$DIR/check_json.py" "$tmp/$name.json" "${checks[@]}" 2>&1); then
		ok "$name: $out"
	else
		bad "$name" "$out"
	fi
}

# must_fail NAME MESSAGE FIO-ARGS...: fio exits non-zero and stderr says MESSAGE.
must_fail() {
	local name=$1 msg=$2 rc
	shift 2
	(cd "$tmp" && timeout 120 fio "$@" >"$tmp/$name.out" 2>"$tmp/$name.err")
	rc=$?
	if [ $rc -eq 0 ]; then
		bad "$name: fio exited with status 0"
	elif [ $rc -gt 128 ] || grep -q "AddressSanitizer\|Segmentation" "$tmp/$name.err"; then
		bad "$name: fio crashed (status $rc)" "$(tail -n 3 "$tmp/$name.err")"
	elif ! grep -qF -- "$msg" "$tmp/$name.err"; then
		bad "$name: no '$msg' on stderr" "$(tail -n 3 "$tmp/$name.err")"
	else
		ok "$name: status $rc, \"$(grep -F -- "$msg" "$tmp/$name.err" | head -n 1)\""
	fi
}

echo "fio: $(fio --version), plugin $PLUGIN"

# 64 MiB per job at 4 KiB: every block once (random map), each write verified.
PNVME_FIO_FILENAME="trtype=sim traddr=verify size=256M ns=1" PNVME_FIO_SIZE=64M \
	run randrw-verify --jobs 2 --read-ios 16384 --min-write-ios 1 -- "$DIR/verify.fio"
run trim --job fill:write=512 --job trim:trim=512 --job zeroes:read=512 -- "$DIR/trim.fio"
run two-namespaces --jobs 1 --min-write-ios 100 --min-sync-ios 1 -- "$DIR/namespaces.fio"
run options --jobs 2 --job-min paced:read=100 --job-min unbatched:write=10 \
	--max-read-iops 700 -- "$DIR/options.fio"
# Protection information type 1, inserted and checked by the controller (PRACT).
run pi --jobs 1 --read-ios 2048 -- --name=pi --ioengine="$PLUGIN" --thread=1 \
	--filename="trtype=sim traddr=pi lba=4096 ms=8 pi=1 ns=1" --pnvme_no_huge=1 \
	--pnvme_pract=1 --pnvme_prchk=guard,reftag --rw=randwrite --bs=4k --size=8M \
	--iodepth=8 --verify=crc32c

# NVMe/TCP: the same verify job against the tests' fake target on 127.0.0.1
# (test/common/tcp_target.c as a process: 1 MiB in 512 B sectors, so 256 KiB
# a job), digests off and on; fio writes the NQN's ':' as '\:'. The target
# exits non-zero if it saw a protocol error.
SERVE=$ROOT/build/test/fio/tcp_target_serve
NQN='nqn.2014-08.org.example\:disk1'
if [ -x "$SERVE" ]; then
	"$SERVE" >"$tmp/tt.port" 2>"$tmp/tt.err" &
	tt=$!
	for _ in $(seq 50); do [ -s "$tmp/tt.port" ] && break; sleep 0.1; done
	port=$(head -n 1 "$tmp/tt.port")
	PNVME_FIO_FILENAME="trtype=tcp traddr=127.0.0.1 trsvcid=$port subnqn=$NQN ns=1" \
		PNVME_FIO_SIZE=256K run tcp-verify --jobs 2 --read-ios 64 --min-write-ios 1 -- \
		"$DIR/verify.fio"
	PNVME_FIO_FILENAME="trtype=tcp traddr=127.0.0.1 trsvcid=$port subnqn=$NQN hdgst=1 ddgst=1" \
		PNVME_FIO_SIZE=256K run tcp-verify-digests --jobs 2 --read-ios 64 --min-write-ios 1 -- \
		"$DIR/verify.fio"
	must_fail tcp-no-subnqn "trtype=tcp needs subnqn=" --name=t --ioengine="$PLUGIN" \
		--rw=read --size=64K --pnvme_no_huge=1 --thread=1 \
		--filename="trtype=tcp traddr=127.0.0.1 trsvcid=$port ns=1"
	must_fail tcp-wrong-nqn "cannot attach 'trtype:tcp traddr:127.0.0.1 trsvcid=$port" \
		--name=t --ioengine="$PLUGIN" --rw=read --size=64K --pnvme_no_huge=1 --thread=1 \
		--filename="trtype=tcp traddr=127.0.0.1 trsvcid=$port subnqn=nqn.2014-08.org.example\\:none ns=1"
	kill "$tt"
	if wait "$tt"; then
		ok "tcp target: no protocol error"
	else
		bad "tcp target: exit status $?" "$(cat "$tmp/tt.err")"
	fi
else
	bad "tcp: $SERVE missing (make tests)"
fi

# commit rings the SQ doorbell once per batch: fio queues 16 and commits, so
# 2048 reads take 128 doorbell writes (fio reaps 16 at a time, queues 16 again);
# with pnvme_batch=0 each command rings.
doorbells() {  # NAME BATCH WANT
	local name=$1 line
	(cd "$tmp" && timeout 120 fio --name="$name" --ioengine="$PLUGIN" --thread=1 \
		--filename="trtype=sim traddr=db ns=1" --pnvme_no_huge=1 --rw=randread --bs=4k \
		--size=8M --iodepth=32 --iodepth_batch_submit=16 --iodepth_batch_complete_min=16 \
		--iodepth_batch_complete_max=16 \
		--pnvme_batch="$2" --pnvme_stats=1 --output-format=json --output="$tmp/$name.json" \
		>"$tmp/$name.out" 2>"$tmp/$name.err")
	line=$(grep "^pnvme: $name thread" "$tmp/$name.err")
	if [[ $line == *": 2048 commands, $3 SQ doorbell writes,"* ]]; then
		ok "$name: ${line#pnvme: }"
	else
		bad "$name: wanted 2048 commands, $3 SQ doorbell writes" "${line:-$(tail -n 3 "$tmp/$name.err")}"
	fi
}
doorbells doorbell-per-commit 1 128
doorbells doorbell-per-command 0 2048

common=(--name=t --ioengine="$PLUGIN" --rw=read --size=1M --pnvme_no_huge=1)
must_fail bad-trtype "pnvme: filename 'trtype=foo ns=1': trtype=foo: pnvme knows" \
	"${common[@]}" --thread=1 --filename="trtype=foo ns=1"
must_fail bad-word "is not key=value" "${common[@]}" --thread=1 --filename="trtype=sim bogus"
must_fail bad-traddr "traddr=0000.00 is not a PCI address" \
	"${common[@]}" --thread=1 --filename="trtype=pcie traddr=0000.00 ns=1"
must_fail no-thread "add thread=1" "${common[@]}" --filename="trtype=sim ns=1"
must_fail no-namespace "has no active namespace 3 (NN 2" \
	"${common[@]}" --thread=1 --filename="trtype=sim traddr=nn nn=2 ns=3"
must_fail no-device "cannot attach 'trtype:pcie traddr:0000:ff:1f.7'" \
	"${common[@]}" --thread=1 --filename="trtype=pcie traddr=0000.ff.1f.7 ns=1"
must_fail bad-sim-param "cannot attach 'trtype:sim traddr:fio lba=777'" \
	"${common[@]}" --thread=1 --filename="trtype=sim lba=777"
must_fail bad-dptr "--pnvme_dptr=xyz: auto, prp or sgl" \
	"${common[@]}" --thread=1 --filename="trtype=sim ns=1" --pnvme_dptr=xyz
must_fail no-pi "has no protection information" \
	"${common[@]}" --thread=1 --filename="trtype=sim ns=1" --pnvme_pract=1
must_fail no-sgl "the controller takes no SGLs" \
	"${common[@]}" --thread=1 --filename="trtype=sim sgl=0 ns=1" --pnvme_dptr=sgl
# The device fails the first read: fio's error, with the NVMe status.
must_fail io-error "NVMe status Unrecovered Read Error" \
	"${common[@]}" --thread=1 --filename="trtype=sim fault_io=1 ns=1"

echo "fio: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
