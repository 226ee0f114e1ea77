#!/bin/sh
# Guest side of test/qemu/check.sh: runs test/qemu/setup_test.sh,
# tools_test.sh, nonroot_test.sh, cli_test.sh and fio_test.sh, then each
# executable in build/test/qemu/ (cwd is /pnvme), each one's exit status
# deciding; ends with "qemu: N passed, N failed".
passed=0
failed=0
run_one() {
    echo "=== $1"
    if "$1"; then passed=$((passed + 1)); else echo "=== $1 FAILED (exit $?)"; failed=$((failed + 1)); fi
}
# check.sh includes setup_test.sh beside this script.
run_one "$(dirname "$0")/setup_test.sh"
run_one "$(dirname "$0")/tools_test.sh"
run_one "$(dirname "$0")/nonroot_test.sh"
run_one "$(dirname "$0")/cli_test.sh"
run_one "$(dirname "$0")/fio_test.sh"
for t in build/test/qemu/*; do
    [ -f "$t" ] && [ -x "$t" ] && run_one "$t"
done
echo "qemu: $passed passed, $failed failed"
[ "$failed" = 0 ]
