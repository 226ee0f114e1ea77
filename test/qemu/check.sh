#!/bin/sh
# "make check-qemu": four guest boots, one after the other.
#   1. default device layout: test/qemu/guest-check.sh, i.e. the pnvme-setup
#      guest test, tools_test.sh, nonroot_test.sh (pnvme run by a user
#      without root), cli_test.sh (pnvme-cli, and nvme-cli from the host on
#      the kernel's driver), fio_test.sh (fio with the pnvme ioengine),
#      then every executable in build/test/qemu/;
#   2. layout md (namespaces with metadata and protection information, one
#      controller each): test/qemu/md_test.sh;
#   3. layout subsys (QEMU's nvme-subsys, nsid 2 allocated but detached):
#      test/qemu/nsattach_test.sh, namespace attachment with pnvme-cli;
#   4. layout tcp (no NVMe device: the kernel's nvmet-tcp on loopback, 3 GiB
#      of guest memory for its RAM namespaces): test/qemu/guest-tcp.sh, i.e.
#      tcp_kernel_test.sh (kernel target, kernel initiator) then tcp_test.sh
#      (pnvme's NVMe/TCP initiator against it, compared with the kernel's).
# Options are passed to run.sh for every boot (the second, third and fourth
# ones' layouts stay md, subsys and tcp). Each boot's console log is kept as
# check-default.log, check-md.log, check-subsys.log and check-tcp.log beside
# run.sh's last.log. Exit status: the first failed boot's, else 0.
#   test/qemu/check.sh [run.sh options]
here=$(cd "$(dirname "$0")" && pwd)
dir=${PNVME_QEMU_DIR:-$here/../../build/qemu}

t0=$(date +%s)
# fio, the pnvme ioengine and its job file for fio_test.sh (make check builds
# the plugin; without it the guest test says so and fails).
# They go before the caller's options, which stay last in "$@".
for f in "$(command -v fio)" "$here/../../build/lib/pnvme_fio.so" "$here/../fio/verify.fio"; do
	[ -n "$f" ] && [ -f "$f" ] && set -- --include "$(realpath "$f")" "$@"
done
"$here/run.sh" --include "$here/setup_test.sh" --include "$here/tools_test.sh" \
	--include "$here/nonroot_test.sh" --include "$here/cli_test.sh" \
	--include "$here/fio_test.sh" --include /usr/sbin/nvme "$@" \
	-- "$here/guest-check.sh"
rc1=$?
cp "$dir/last.log" "$dir/check-default.log" 2>/dev/null
t1=$(date +%s)
"$here/run.sh" "$@" --layout md -- "$here/md_test.sh"
rc2=$?
cp "$dir/last.log" "$dir/check-md.log" 2>/dev/null
t2=$(date +%s)
"$here/run.sh" "$@" --layout subsys -- "$here/nsattach_test.sh"
rc3=$?
cp "$dir/last.log" "$dir/check-subsys.log" 2>/dev/null
t3=$(date +%s)
"$here/run.sh" --mem 3G "$@" --layout tcp --include "$here/tcp_kernel_test.sh" \
	--include "$here/tcp_test.sh" -- "$here/guest-tcp.sh"
rc4=$?
cp "$dir/last.log" "$dir/check-tcp.log" 2>/dev/null
t4=$(date +%s)

echo "check-qemu: default layout exit $rc1 ($((t1 - t0)) s), md layout exit $rc2 ($((t2 - t1)) s), subsys layout exit $rc3 ($((t3 - t2)) s), tcp layout exit $rc4 ($((t4 - t3)) s)"
[ "$rc1" != 0 ] && exit "$rc1"
[ "$rc2" != 0 ] && exit "$rc2"
[ "$rc3" != 0 ] && exit "$rc3"
exit "$rc4"
