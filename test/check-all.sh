#!/bin/bash
# make check: every test tier present, one after another; each tier's own
# summary line is kept and a total closes the run:
#   "check: N passed, N failed"
# Exit status is non-zero if any tier failed.
set -u
cd "$(dirname "$0")/.."
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0

tier() {
	local name=$1
	shift
	echo "=== $name"
	"$@" 2>&1 | tee -a "$log"
	local rc=${PIPESTATUS[0]}
	if [ "$rc" -ne 0 ]; then
		echo "=== $name FAILED (exit status $rc)"
		status=1
	fi
}

tier unit test/run-tests.sh unit build/test/unit/*_ut
tier sim test/run-tests.sh sim build/test/sim/*_test
tier headers make --no-print-directory headers-check
# Only pnvme_* names in both libraries; libpnvme.a links beside colliding names.
tier abi test/abi/abi_test.sh
# Each examples/*.c program against the software controller.
tier examples test/examples/run.sh
# make install/uninstall, and the examples built out of the tree with pkg-config
# against what was installed, shared and static.
tier install test/install/install_test.sh
tier setup-cli test/setup/cli_test.sh build/bin/pnvme-setup
tier perf test/perf/perf_test.sh
if [ -x test/identify/identify_test.sh ]; then
	tier identify test/identify/identify_test.sh
fi
# pnvme-cli against the sim: every subcommand, nvme-cli's JSON keys, bad input.
tier cli test/cli/cli_test.sh build/bin/pnvme-cli
# fio with the pnvme ioengine against the software controller (make fio-plugin).
tier fio test/fio/fio_test.sh
# Random verified I/O while every kind of fault fires (SOAK_SECONDS, default 120).
tier soak build/test/soak/soak "${SOAK_SECONDS:-120}"
if command -v qemu-system-x86_64 >/dev/null 2>&1; then
	tier qemu test/qemu/check.sh
else
	echo "=== qemu: qemu-system-x86_64 not installed; guest tier not run"
	status=1
fi

# Sum the tiers' "NAME: N passed, N failed" lines.
read -r passed failed < <(tr -d '\r' <"$log" |
	sed -nE 's/^([a-z-]+: )?([0-9]+) passed, ([0-9]+) failed.*/\2 \3/p' |
	awk '{ p += $1; f += $2 } END { print p + 0, f + 0 }')
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
echo "check: $passed passed, $failed failed"
exit $status
