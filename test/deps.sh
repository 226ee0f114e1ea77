#!/bin/sh
# Install the Debian packages a pnvme step needs, when they are missing.
#   test/deps.sh build   compiler, pkg-config, DPDK, libpciaccess, CUnit, ISA-L
#   test/deps.sh check   build + what the test tiers use (QEMU, busybox, cpio, python3,
#                        nvme-cli (the QEMU tier compares pnvme-cli with it), and
#                        libsystemd-dev: a static link against Debian's DPDK asks
#                        for -lsystemd, through libpcap and dbus-1; fio,
#                        and dpkg-dev for apt-get source fio: make fio-plugin)
#   test/deps.sh bench   check + fio, gnuplot, valgrind
#   test/deps.sh fuzz    build + clang-14 and libFuzzer (make fuzz)
# Without root or apt-get it only says what is missing.
set -u
step=${1:-build}
pkgs="gcc g++ make pkg-config libdpdk-dev libpciaccess-dev libcunit1-dev libisal-dev"
case "$step" in
check) pkgs="$pkgs qemu-system-x86 busybox-static cpio kmod libsystemd-dev fio dpkg-dev python3 nvme-cli" ;;
bench) pkgs="$pkgs qemu-system-x86 busybox-static cpio kmod fio dpkg-dev gnuplot-nox valgrind python3" ;;
fuzz) pkgs="$pkgs clang-14 libfuzzer-14-dev" ;;
esac

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
	echo "pnvme: missing Debian packages:$missing (install them as root)" >&2
	exit 0
fi
echo "pnvme: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# An old or absent package list finds nothing: refresh it once.
apt-get install -y -qq $missing >/dev/null 2>&1 ||
	{ apt-get update -qq && apt-get install -y -qq $missing >/dev/null; } ||
	{ echo "pnvme: apt-get could not install:$missing" >&2; exit 1; }
