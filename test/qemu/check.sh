#!/bin/sh
# "make check-qemu": one guest boot (default device layout) that runs
# test/qemu/guest-check.sh: the pnvme-setup guest test, then every
# executable in build/test/qemu/. Options are passed to run.sh.
#   test/qemu/check.sh [run.sh options]
here=$(cd "$(dirname "$0")" && pwd)
exec "$here/run.sh" --include "$here/setup_test.sh" --include "$here/tools_test.sh" "$@" -- "$here/guest-check.sh"
