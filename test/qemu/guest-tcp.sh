#!/bin/sh
# Guest side of the fourth boot of test/qemu/check.sh (layout tcp): the
# kernel's NVMe/TCP target against the kernel's initiator
# (tcp_kernel_test.sh, the reference), then pnvme's initiator against the
# same target (tcp_test.sh), each one's exit status deciding; ends with
# "tcp: N passed, N failed". check.sh includes both scripts beside this one.
passed=0
failed=0
run_one() {
    echo "=== $1"
    if "$1"; then passed=$((passed + 1)); else echo "=== $1 FAILED (exit $?)"; failed=$((failed + 1)); fi
}
run_one "$(dirname "$0")/tcp_kernel_test.sh"
run_one "$(dirname "$0")/tcp_test.sh"
echo "tcp: $passed passed, $failed failed"
[ "$failed" = 0 ]
