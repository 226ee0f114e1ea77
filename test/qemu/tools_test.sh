#!/bin/sh
# Guest side: pnvme-identify and pnvme-perf against QEMU's controllers through
# vfio-pci (progress into a pipe, JSON), and pnvme-perf killed with SIGKILL mid-run then run again (run by
# guest-check.sh). Ends with "N passed, N failed".
A=$PNVME_CTRL_A
B=$PNVME_CTRL_B
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }
check() { # check NAME COMMAND...: exit status 0
	name=$1
	shift
	if "$@" >/tmp/out 2>&1; then ok "$name"; else bad "$name (exit $?)"; cat /tmp/out; fi
}

check "identify A" pnvme-identify -r "$A"
grep -q "QEMU NVMe Ctrl" /tmp/out && ok "identify shows the model" || bad "identify shows the model"
grep -q "4096 bytes" /tmp/out && ok "identify shows the 4 KiB namespace" || bad "identify shows the 4 KiB namespace"
check "identify --json B" pnvme-identify --json -r "$B"
grep -q '"model": *"QEMU NVMe Ctrl' /tmp/out && ok "identify JSON model" || bad "identify JSON model"
check "identify probes both" pnvme-identify
[ "$(grep -c '^Controller' /tmp/out)" = 2 ] && ok "two controllers probed" || bad "two controllers probed"

check "perf randrw verify on A" pnvme-perf -r "$A" -q 32 -o 4096 -w randrw -M 70 -t 2 --verify
grep -q "0 mismatches" /tmp/out && ok "perf A: no mismatch" || bad "perf A: no mismatch"
cat /tmp/out
check "perf split I/O on B (64 KiB over 16 KiB MDTS)" pnvme-perf -r "$B" -q 8 -o 65536 -w randrw -t 2 --verify
grep -q "0 mismatches" /tmp/out && ok "perf B: no mismatch" || bad "perf B: no mismatch"
# Into a pipe, as under a service manager: a whole progress line every
# --status-interval seconds on stderr, the JSON alone on stdout.
pnvme-perf -r "$A" -q 8 -w randrw -t 3 --status-interval 1 --json 2>/tmp/progress | cat >/tmp/out
n=$(grep -c '^ *[0-9][0-9]* s  *[a-z-]*  *[0-9][0-9]* IOPS .*errors$' /tmp/progress)
[ "$n" -ge 2 ] && [ "$n" -le 4 ] && ok "perf --status-interval 1 into a pipe: $n progress lines" ||
	{ bad "perf --status-interval 1 into a pipe: $n progress lines, wanted 2..4"; cat /tmp/progress; }
grep -q '"read": {"ios": [1-9]' /tmp/out && grep -q '"write": {"ios": [1-9]' /tmp/out &&
	grep -q '"lat_ns": {"N": ' /tmp/out && grep -q '"version": ' /tmp/out &&
	ok "perf JSON: version, read and write sections, lat_ns" ||
	{ bad "perf JSON: version, read and write sections, lat_ns"; head -c 3000 /tmp/out; }
check "perf with no -r takes the vfio-bound controllers" pnvme-perf -q 4 -t 1
grep -q "bound to vfio-pci" /tmp/out && ok "perf says which controllers" || bad "perf says which controllers"
pnvme-perf -q 0 >/tmp/out 2>&1
[ $? = 2 ] && ok "perf -q 0 is a usage error" || bad "perf -q 0 is a usage error"

# kill -9 in the middle of a verified write-heavy run, with I/O queues and
# commands in flight. A rerun must attach and pass its own verify, and the
# killed process must leave no hugepage files behind (DPDK runs --in-memory).
# Twice: as vfio-pci leaves the function (here it resets it, FLR, when the
# process's descriptors close, and again when the next one opens it), and with
# the function's resets turned off, so the controller is still enabled when
# the rerun attaches and the driver's bring-up has to disable it.
hp_free() { sed -n 's/^HugePages_Free: *//p' /proc/meminfo; }
# CC (0x14) of controller A, read through /dev/mem: readable once vfio has
# let the BAR go, else empty.
bar_a=$(cut -d' ' -f1 "/sys/bus/pci/devices/$A/resource" | head -1)
cc_a() { devmem $((bar_a + 0x14)) 32 2>/dev/null; }

kill_and_rerun() { # kill_and_rerun WHAT [want-enabled]
	what=$1
	free_before=$(hp_free)
	pnvme-perf -r "$A" -q 32 -w randrw -M 30 -t 60 --verify >/tmp/killed.out 2>&1 &
	kpid=$!
	i=0
	while ! grep -q ' per qpair' /tmp/killed.out && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
	sleep 2 # set-up is done at the header: give the workers time to get I/O going
	if kill -0 "$kpid" 2>/dev/null && grep -q ' per qpair' /tmp/killed.out; then
		ok "$what: perf --verify running on A (set up, I/O started)"
	else
		bad "$what: perf --verify running on A"
		cat /tmp/killed.out
	fi
	kill -9 "$kpid"
	wait "$kpid"
	krc=$?
	[ $krc = 137 ] && ok "$what: perf killed with SIGKILL mid-run" ||
		bad "$what: perf killed with SIGKILL mid-run (exit $krc)"
	left=$(ls -A /dev/hugepages 2>/dev/null | wc -l)
	[ "$left" = 0 ] && ok "$what: no hugepage files left by the killed process" ||
		{ bad "$what: hugepage files left by the killed process: $left"; ls -la /dev/hugepages; }
	i=0
	while [ "$(hp_free)" != "$free_before" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	[ "$(hp_free)" = "$free_before" ] && ok "$what: every hugepage free again ($free_before)" ||
		bad "$what: hugepages free: $(hp_free), $free_before before the killed run"
	if [ "${2:-}" = want-enabled ]; then
		cc=$(cc_a)
		if [ -n "$cc" ] && [ $((cc & 1)) = 1 ]; then
			ok "$what: A left enabled (CC $cc): the rerun's bring-up must disable it"
		else
			bad "$what: A not left enabled (CC '${cc:-unreadable}')"
		fi
	fi
	check "$what: perf --verify after kill -9 attaches and runs" \
		pnvme-perf -r "$A" -q 32 -w randrw -M 30 -t 2 --verify
	grep -q "verify: [1-9][0-9]* reads checked, 0 mismatches" /tmp/out &&
		ok "$what: perf after kill -9: reads checked, no mismatch" ||
		bad "$what: perf after kill -9: reads checked, no mismatch"
	tail -2 /tmp/out
}

kill_and_rerun "kill -9"
reset_file=/sys/bus/pci/devices/$A/reset_method
if [ -w "$reset_file" ] && methods=$(cat "$reset_file") && echo > "$reset_file" 2>/dev/null; then
	kill_and_rerun "kill -9, no function reset" want-enabled
	echo "$methods" > "$reset_file"
	[ "$(cat "$reset_file")" = "$methods" ] && ok "reset methods of A back ($methods)" ||
		bad "reset methods of A back to $methods"
else
	bad "cannot turn off the function resets of A ($reset_file)"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
