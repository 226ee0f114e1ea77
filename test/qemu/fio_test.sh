#!/bin/sh
# Guest side: fio with the pnvme ioengine against QEMU's emulated controller
# on vfio-pci, the host tier's verify job (test/fio/verify.fio: randrw,
# crc32c, QD 32, two jobs) on controller A's namespace 1, then fio's JSON read
# for each job's error and read count (run by guest-check.sh; check.sh
# includes fio, the plugin and the job file). Ends with "N passed, N failed".
A=$PNVME_CTRL_A
PLUGIN=/pnvme/build/lib/pnvme_fio.so
JOB=/pnvme/test/fio/verify.fio
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok: $1"; }
bad() { fail=$((fail + 1)); echo "FAIL: $1"; }

if ! command -v fio >/dev/null || [ ! -f "$PLUGIN" ] || [ ! -f "$JOB" ]; then
	bad "fio, $PLUGIN or $JOB not in the guest"
	echo "$pass passed, $fail failed"
	exit 1
fi
# SPDK's spelling of the address: fio splits filenames on ':'.
traddr=$(echo "$A" | tr : .)
# 8 MiB per job at 4 KiB: 2048 reads each (the randrw reads and the verify
# reads of every block written), under TCG in a few seconds.
if PNVME_FIO_PLUGIN=$PLUGIN PNVME_FIO_NO_HUGE=0 PNVME_FIO_SIZE=8M \
	PNVME_FIO_FILENAME="trtype=pcie traddr=$traddr ns=1" \
	fio --output-format=json --output=/tmp/fio.json "$JOB" >/tmp/fio.out 2>&1; then
	ok "fio randrw verify=crc32c QD 32, 2 jobs, on $A"
else
	bad "fio randrw verify=crc32c QD 32, 2 jobs, on $A (exit $?)"
	cat /tmp/fio.out
fi
# One "error" per job, each 0; two "total_ios" of 2048 (the jobs' reads).
errors=$(grep -c '"error" : 0,' /tmp/fio.json 2>/dev/null)
[ "$errors" = 2 ] && ok "both jobs: error 0" || { bad "both jobs: error 0 ($errors)"; cat /tmp/fio.json; }
reads=$(grep -A 8 '"read" : {' /tmp/fio.json 2>/dev/null | grep -c '"total_ios" : 2048,')
[ "$reads" = 2 ] && ok "both jobs: 2048 reads" || bad "both jobs: 2048 reads ($reads)"

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
