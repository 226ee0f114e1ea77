#!/usr/bin/env bash
# Boot a QEMU guest with emulated NVMe controllers and run a command in it.
#
#   test/qemu/run.sh [options] [--] GUEST_COMMAND [ARGS...]
#   test/qemu/run.sh [options] [--] SCRIPT_FILE [ARGS...]
#
# The guest is Debian's current kernel (linux-image-amd64, fetched with apt
# into build/qemu/cache/ and reused) with a busybox initramfs built each run.
# Its /init mounts proc/sysfs/devtmpfs/tmpfs/hugetlbfs, reserves hugepages,
# loads vfio, binds every NVMe function to vfio-pci (with pnvme-setup when it
# is included, else through sysfs), lists the devices, runs the command in
# /pnvme (the repo's paths: build/bin/x is /pnvme/build/bin/x) and prints
# "PNVME-GUEST-RESULT rc=N". run.sh exits with N.
#
# GUEST_COMMAND: one argument is a shell command line ('ls /dev; echo hi');
# several are one command and its arguments. A first word that is a file on
# the host is included and run as a script (its #! line decides the shell:
# busybox sh, or bash, which is included too).
#
# Options (each has an environment knob, options win):
#   -i, --include PATH   add a file or directory (repeatable). Repo paths keep
#                        their repo-relative path under /pnvme, other paths
#                        their absolute path. ELF files bring their shared
#                        libraries (ldd) along. build/bin/ and
#                        build/test/qemu/ are always included if they exist.
#       --no-default-includes   do not add build/bin/ and build/test/qemu/.
#   -m, --mem SIZE       guest memory                 PNVME_QEMU_MEM=2G
#       --hugepages N    2 MiB hugepages reserved     PNVME_QEMU_HUGEPAGES=512
#       --smp N          guest vCPUs                  PNVME_QEMU_SMP=2
#       --layout NAME    NVMe device layout           PNVME_QEMU_LAYOUT=default
#           default: controller A at 0000:00:04.0 (serial PNVME-A) with nsid 1
#                    (512 B LBAs) and nsid 2 (4096 B LBAs); controller B at
#                    0000:00:05.0 (serial PNVME-B, mdts=2, i.e. 16 KiB) with
#                    nsid 1 (512 B). Sparse files build/qemu/*.img, each
#                    PNVME_QEMU_IMG_SIZE=256M, zeroed every run unless
#                    PNVME_QEMU_KEEP_IMAGES=1.
#           bench:   one controller at 0000:00:04.0 with one null-co
#                    namespace (1 GiB, reads return zeroes, no file I/O).
#           md:      metadata and protection information (QEMU's nvme-ns
#                    ms/mset/pi/pil): one controller per namespace format,
#                    each with nsid 1 on its own sparse image
#                    (build/qemu/md-*.img, PNVME_QEMU_MD_IMG_SIZE=16M each,
#                    data and metadata):
#                      04.0 PNVME-MD-SEP       512+8, separate buffer
#                      05.0 PNVME-MD-EXT       512+8, extended LBA
#                      06.0 PNVME-MD-PI1       512+8, separate, PI type 1 (last 8)
#                      07.0 PNVME-MD-PI3       512+8, separate, PI type 3 (first 8)
#                      08.0 PNVME-MD-4K64      4096+64, separate
#                      09.0 PNVME-MD-PI1EXT    512+8, extended, PI type 1 (last 8)
#                      0a.0 PNVME-MD-PI2EXT4K  4096+64, extended, PI type 2 (last 8)
#                    (bus 0000:00). PNVME_MD_CTRLS holds "NAME=BDF ..." in
#                    the guest, PNVME_MD_IMG_BYTES the images' size;
#                    PNVME_CTRL_A/B are the first two.
#           subsys:  namespace attachment (QEMU's nvme-subsys): one
#                    subsystem (nqn=pnvme-subsys: SUBNQN
#                    nqn.2019-08.org.qemu:pnvme-subsys) with one
#                    controller at 0000:00:04.0 (serial PNVME-SUBSYS,
#                    cntlid 0), nsid 1 attached and nsid 2 allocated but
#                    detached (nvme-ns detached=true); 512 B LBAs, sparse
#                    build/qemu/subsys-ns{1,2}.img of PNVME_QEMU_IMG_SIZE.
#           tcp:     no NVMe device: NVMe/TCP on the loopback interface
#                    against the kernel's own target (nvmet, nvmet-tcp,
#                    configfs) and initiator (nvme-tcp), set up by the test
#                    with /lib/pnvme/nvmet-lib.sh (nvmet_load,
#                    nvmet_subsys_add, nvmet_port_add/link/unlink,
#                    kernel_tcp_connect, ...; the list is at its top).
#                    nvme-cli (/usr/sbin/nvme) is included when the host has
#                    it. The modules are in every layout; this one only
#                    drops the emulated controllers.
#           none:    no NVMe device (add your own with --qemu-arg).
#       --bench          same as --layout bench.
#       --kernel-nvme    load the kernel's nvme driver at boot (poll_queues=1),
#                        before binding               PNVME_QEMU_KERNEL_NVME=0
#       --no-bind        leave devices to whatever driver has them
#                                                     PNVME_QEMU_BIND=1
#   -t, --timeout SECS   kill QEMU after SECS; the guest command gets SECS-30
#                                                     PNVME_QEMU_TIMEOUT=600
#       --accel auto|kvm|tcg  auto probes KVM once (result cached) and falls
#                        back to TCG                  PNVME_QEMU_ACCEL=auto
#       --qemu-arg ARG   extra QEMU argument (repeatable)
#                                                     PNVME_QEMU_EXTRA_ARGS (split on spaces)
#   -h, --help
# Other knobs: PNVME_QEMU_DIR (work dir, default build/qemu), PNVME_QEMU_CACHE
# (kernel cache, default $PNVME_QEMU_DIR/cache).
#
# In the guest: PNVME_CTRL_A / PNVME_CTRL_B hold the controllers' BDFs (the
# md layout's first two; PNVME_MD_CTRLS names all of its controllers),
# PNVME_LAYOUT the layout; /lib/pnvme/guest-lib.sh has helpers (load_nvme,
# load_modules ext4, nvme_functions, driver_of, ...), /lib/pnvme/nvmet-lib.sh
# the NVMe/TCP target and kernel initiator (see the tcp layout). The log is streamed and kept in
# build/qemu/last.log. Exit status: the guest's, or 124 when QEMU was killed
# at the timeout, 125 when the guest never reported (crash, panic) or the
# harness failed, 2 for a usage error. Runs are serialized with a lock.

# QEMU options are comma-separated lists, not mistaken array elements:
# shellcheck disable=SC2054
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
# shellcheck source=lib.sh
. "$HERE/lib.sh"

usage() { sed -n '2,/^$/s/^# \{0,1\}//p' "$0"; }
usage_error() { printf 'run.sh: %s (see --help)\n' "$*" >&2; exit 2; }

MEM=${PNVME_QEMU_MEM:-2G}
HUGEPAGES=${PNVME_QEMU_HUGEPAGES:-512}
SMP=${PNVME_QEMU_SMP:-2}
LAYOUT=${PNVME_QEMU_LAYOUT:-default}
KERNEL_NVME=${PNVME_QEMU_KERNEL_NVME:-0}
BIND=${PNVME_QEMU_BIND:-1}
TIMEOUT=${PNVME_QEMU_TIMEOUT:-600}
ACCEL=${PNVME_QEMU_ACCEL:-auto}
IMG_SIZE=${PNVME_QEMU_IMG_SIZE:-256M}
MD_IMG_SIZE=${PNVME_QEMU_MD_IMG_SIZE:-16M}
BUILD=${PNVME_QEMU_DIR:-$ROOT/build/qemu}
CACHE=${PNVME_QEMU_CACHE:-$BUILD/cache}
# shellcheck disable=SC2206
EXTRA=(${PNVME_QEMU_EXTRA_ARGS:-})
INCLUDES=()
DEFAULT_INCLUDES=1

while [[ $# -gt 0 ]]; do
    case $1 in
        -i|--include)   [[ $# -ge 2 ]] || usage_error "$1 needs a path"; INCLUDES+=("$2"); shift 2 ;;
        --no-default-includes) DEFAULT_INCLUDES=0; shift ;;
        -m|--mem)       [[ $# -ge 2 ]] || usage_error "$1 needs a size"; MEM=$2; shift 2 ;;
        --hugepages)    [[ $# -ge 2 ]] || usage_error "$1 needs a number"; HUGEPAGES=$2; shift 2 ;;
        --smp)          [[ $# -ge 2 ]] || usage_error "$1 needs a number"; SMP=$2; shift 2 ;;
        --layout)       [[ $# -ge 2 ]] || usage_error "$1 needs a name"; LAYOUT=$2; shift 2 ;;
        --bench)        LAYOUT=bench; shift ;;
        --kernel-nvme)  KERNEL_NVME=1; shift ;;
        --no-bind)      BIND=0; shift ;;
        -t|--timeout)   [[ $# -ge 2 ]] || usage_error "$1 needs seconds"; TIMEOUT=$2; shift 2 ;;
        --accel)        [[ $# -ge 2 ]] || usage_error "$1 needs auto, kvm or tcg"; ACCEL=$2; shift 2 ;;
        --qemu-arg)     [[ $# -ge 2 ]] || usage_error "$1 needs an argument"; EXTRA+=("$2"); shift 2 ;;
        -h|--help)      usage; exit 0 ;;
        --)             shift; break ;;
        -*)             usage_error "unknown option $1" ;;
        *)              break ;;
    esac
done
GUEST_CMD=("$@")

[[ $HUGEPAGES =~ ^[0-9]+$ ]] || usage_error "--hugepages wants a number, not '$HUGEPAGES'"
[[ $SMP =~ ^[1-9][0-9]*$ ]] || usage_error "--smp wants a number, not '$SMP'"
[[ $TIMEOUT =~ ^[1-9][0-9]*$ ]] || usage_error "--timeout wants seconds, not '$TIMEOUT'"
case $LAYOUT in default|bench|md|subsys|tcp|none) ;; *) usage_error "unknown layout '$LAYOUT'" ;; esac
case $ACCEL in auto|kvm|tcg) ;; *) usage_error "--accel wants auto, kvm or tcg" ;; esac
GUEST_TIMEOUT=$(( TIMEOUT > 60 ? TIMEOUT - 30 : TIMEOUT / 2 ))

ensure_host_tools
mkdir -p "$BUILD" "$CACHE"

# One QEMU at a time: the images, initramfs and log are shared.
exec 9>"$BUILD/.lock"
if ! flock -n 9; then
    qlog "another run.sh is running; waiting for it"
    flock 9
fi

fetch_kernel

# ---- accelerator -----------------------------------------------------------

# A KVM guest boots in ~1 s where TCG takes ~7 s, but KVM does not work on
# every host even when /dev/kvm exists, so boot a trivial guest once and
# remember the answer per host kernel and kernel package.
kvm_works() {
    [[ -w /dev/kvm ]] || return 1
    local stamp
    stamp=$CACHE/kvm-probe.$(uname -r).$KPKG
    if [[ -f $stamp ]]; then [[ $(cat "$stamp") == yes ]]; return; fi
    local dir=$BUILD/probe
    rm -rf "$dir" && mkdir -p "$dir/root"
    STAGE=$dir/root stage_busybox
    printf '#!/bin/sh\necho PNVME-KVM-OK\npoweroff -f\n' > "$dir/root/init"
    chmod +x "$dir/root/init"
    STAGE=$dir/root pack_initramfs "$dir/initrd.img"
    local out
    out=$(timeout -k 2 30 qemu-system-x86_64 -accel kvm -cpu host -m 256M -machine q35 \
          -kernel "$VMLINUZ" -initrd "$dir/initrd.img" -append "console=ttyS0 quiet panic=-1" \
          -nographic -nodefaults -serial stdio -no-reboot </dev/null 2>&1) || true
    rm -rf "$dir"
    if grep -q PNVME-KVM-OK <<<"$out"; then echo yes > "$stamp"; return 0; fi
    echo no > "$stamp"
    return 1
}

case $ACCEL in
    kvm)  QACCEL=(-accel kvm -cpu host) ;;
    tcg)  QACCEL=(-accel tcg -cpu max) ;;
    auto) if kvm_works; then QACCEL=(-accel kvm -cpu host); else QACCEL=(-accel tcg -cpu max); fi ;;
esac

# ---- devices ---------------------------------------------------------------

# Fresh (zeroed) sparse image, so every run starts from the same state.
make_image() { # make_image NAME [SIZE]
    local f=$BUILD/$1
    if [[ ${PNVME_QEMU_KEEP_IMAGES:-0} != 1 || ! -f $f ]]; then
        rm -f "$f" && truncate -s "${2:-$IMG_SIZE}" "$f"
    fi
    echo "$f"
}

QDEV=()
CTRL_A='' CTRL_B=''
case $LAYOUT in
    default)
        CTRL_A=0000:00:04.0 CTRL_B=0000:00:05.0
        QDEV+=(-drive "file=$(make_image ctrlA-ns1.img),if=none,id=a1,format=raw,discard=unmap"
               -drive "file=$(make_image ctrlA-ns2.img),if=none,id=a2,format=raw,discard=unmap"
               -device nvme,id=ca,serial=PNVME-A,addr=04.0
               -device nvme-ns,bus=ca,drive=a1,nsid=1,logical_block_size=512,physical_block_size=512
               -device nvme-ns,bus=ca,drive=a2,nsid=2,logical_block_size=4096,physical_block_size=4096
               -drive "file=$(make_image ctrlB-ns1.img),if=none,id=b1,format=raw,discard=unmap"
               -device nvme,id=cb,serial=PNVME-B,addr=05.0,mdts=2
               -device nvme-ns,bus=cb,drive=b1,nsid=1,logical_block_size=512,physical_block_size=512)
        ;;
    bench)
        CTRL_A=0000:00:04.0
        QDEV+=(-drive driver=null-co,read-zeroes=on,size=1G,if=none,id=n1
               -device nvme,id=ca,serial=PNVME-BENCH,addr=04.0
               -device nvme-ns,bus=ca,drive=n1,nsid=1,logical_block_size=512,physical_block_size=512)
        ;;
    md)
        # One controller per format, so that pnvme-perf (which drives every
        # namespace of a controller) and its -e flags meet one format at a time.
        # Small namespaces: a short random run then reads back much of what
        # it wrote, which is what --verify checks.
        MD_CTRLS=''
        md_ctrl() { # md_ctrl NAME SLOT NVME-NS-OPTIONS
            local id=md${2}
            QDEV+=(-drive "file=$(make_image "md-$1.img" "$MD_IMG_SIZE"),if=none,id=$id,format=raw,discard=unmap"
                   -device "nvme,id=c$id,serial=PNVME-MD-$1,addr=$2.0"
                   -device "nvme-ns,bus=c$id,drive=$id,nsid=1,$3")
            MD_CTRLS+="${MD_CTRLS:+ }$1=0000:00:$2.0"
        }
        md_ctrl SEP  04 logical_block_size=512,physical_block_size=512,ms=8
        md_ctrl EXT  05 logical_block_size=512,physical_block_size=512,ms=8,mset=1
        md_ctrl PI1  06 logical_block_size=512,physical_block_size=512,ms=8,pi=1
        md_ctrl PI3  07 logical_block_size=512,physical_block_size=512,ms=8,pi=3,pil=1
        md_ctrl 4K64 08 logical_block_size=4096,physical_block_size=4096,ms=64
        md_ctrl PI1EXT 09 logical_block_size=512,physical_block_size=512,ms=8,mset=1,pi=1
        md_ctrl PI2EXT4K 0a logical_block_size=4096,physical_block_size=4096,ms=64,mset=1,pi=2
        CTRL_A=0000:00:04.0 CTRL_B=0000:00:05.0
        MD_IMG_BYTES=$(stat -c %s "$BUILD/md-SEP.img")
        ;;
    subsys)
        CTRL_A=0000:00:04.0
        QDEV+=(-device nvme-subsys,id=subsys0,nqn=pnvme-subsys
               -drive "file=$(make_image subsys-ns1.img),if=none,id=s1,format=raw,discard=unmap"
               -drive "file=$(make_image subsys-ns2.img),if=none,id=s2,format=raw,discard=unmap"
               -device nvme,id=cs,serial=PNVME-SUBSYS,addr=04.0,subsys=subsys0
               -device nvme-ns,bus=cs,drive=s1,nsid=1,logical_block_size=512,physical_block_size=512
               -device nvme-ns,bus=cs,drive=s2,nsid=2,detached=true,logical_block_size=512,physical_block_size=512)
        ;;
    tcp)
        # nvme-cli for kernel_tcp_connect and nvme discover (with its libraries).
        if [[ -x /usr/sbin/nvme ]]; then INCLUDES+=(/usr/sbin/nvme); fi
        ;;
    none) ;;
esac

# ---- initramfs -------------------------------------------------------------

STAGE=$BUILD/initramfs
rm -rf "$STAGE"
mkdir -p "$STAGE"/{proc,sys,dev,tmp,run,root,etc,pnvme,var/run,var/tmp,lib/pnvme,lib/modules/pnvme}
stage_busybox
# bash, so guest scripts may be bash scripts (cheap: ~1.5 MB with libs).
[[ -x /bin/bash ]] && stage_file /bin/bash /bin/bash

install_module_set vfio "$STAGE/lib/modules/pnvme" \
    irqbypass vfio vfio_iommu_type1 vfio_virqfd vfio-pci-core vfio-pci
# crct10dif_generic and crc64_rocksoft_generic are soft dependencies (the
# algorithms crc-t10dif and crc64-rocksoft look up), so they are named here.
install_module_set nvme "$STAGE/lib/modules/pnvme" \
    crct10dif_common crct10dif_generic crc-t10dif crc64 crc64_rocksoft_generic \
    crc64-rocksoft t10-pi nvme-core nvme
# ext4 (mounts ext2 too), for tests that need a mounted namespace.
install_module_set ext4 "$STAGE/lib/modules/pnvme" crc32c_generic ext4
# NVMe/TCP (test/qemu/nvmet-lib.sh): the target, configfs its interface,
# crc32c for header and data digests (a soft dependency, named by hand);
# the kernel's initiator; null_blk for RAM namespaces (made through configfs).
install_module_set nvmet "$STAGE/lib/modules/pnvme" \
    configfs crct10dif_common crct10dif_generic crc-t10dif crc64 crc64_rocksoft_generic \
    crc64-rocksoft t10-pi crc32c_generic nvmet nvmet-tcp
install_module_set nvmf "$STAGE/lib/modules/pnvme" \
    crct10dif_common crct10dif_generic crc-t10dif crc64 crc64_rocksoft_generic \
    crc64-rocksoft t10-pi crc32c_generic nvme-core nvme-fabrics nvme-tcp
install_module_set nullb "$STAGE/lib/modules/pnvme" configfs null_blk

cp "$HERE/guest-lib.sh" "$STAGE/lib/pnvme/guest-lib.sh"
cp "$HERE/nvmet-lib.sh" "$STAGE/lib/pnvme/nvmet-lib.sh"
cp "$HERE/init" "$STAGE/init" && chmod 755 "$STAGE/init"

if [[ $DEFAULT_INCLUDES == 1 ]]; then
    for d in "$ROOT/build/bin" "$ROOT/build/test/qemu"; do
        [[ -d $d ]] && INCLUDES+=("$d")
    done
fi
for inc in "${INCLUDES[@]}"; do stage_include "$inc"; done

# The guest command, as a script for the guest's sh.
quote() { local s=${1//\'/\'\\\'\'}; printf "'%s'" "$s"; }
{
    echo '# written by test/qemu/run.sh'
    if [[ ${#GUEST_CMD[@]} -eq 0 ]]; then
        echo 'true'
    elif [[ -f ${GUEST_CMD[0]} ]]; then
        stage_file "${GUEST_CMD[0]}" "$(guest_path "${GUEST_CMD[0]}")"
        chmod +x "$STAGE$(guest_path "${GUEST_CMD[0]}")"
        printf 'exec %s' "$(quote "$(guest_path "${GUEST_CMD[0]}")")"
        for a in "${GUEST_CMD[@]:1}"; do printf ' %s' "$(quote "$a")"; done
        echo
    elif [[ ${#GUEST_CMD[@]} -eq 1 ]]; then
        printf '%s\n' "${GUEST_CMD[0]}"
    else
        for a in "${GUEST_CMD[@]}"; do printf '%s ' "$(quote "$a")"; done
        echo
    fi
} > "$STAGE/etc/pnvme-cmd.sh"

cat > "$STAGE/etc/pnvme.conf" <<EOF
PNVME_HUGEPAGES=$HUGEPAGES
PNVME_GUEST_TIMEOUT=$GUEST_TIMEOUT
PNVME_LOAD_NVME=$KERNEL_NVME
PNVME_BIND=$BIND
export PNVME_LAYOUT=$LAYOUT
export PNVME_CTRL_A=$CTRL_A
export PNVME_CTRL_B=$CTRL_B
export PNVME_MD_CTRLS='${MD_CTRLS:-}'
export PNVME_MD_IMG_BYTES=${MD_IMG_BYTES:-0}
EOF

pack_initramfs "$BUILD/initramfs.img"

# ---- boot ------------------------------------------------------------------

QEMU=(qemu-system-x86_64 "${QACCEL[@]}" -smp "$SMP" -m "$MEM"
      -machine q35,kernel-irqchip=split
      # First, before the devices it translates for. aw-bits=48: the default
      # 39 bits is below user virtual addresses, which DPDK uses as IOVAs.
      -device intel-iommu,intremap=on,caching-mode=on,aw-bits=48
      -kernel "$VMLINUZ" -initrd "$BUILD/initramfs.img"
      -append "console=ttyS0 quiet panic=-1 intel_iommu=on iommu=pt"
      -nographic -nodefaults -serial stdio -no-reboot
      "${QDEV[@]}" "${EXTRA[@]}")

LOG=$BUILD/last.log
qlog "$KPKG, ${QACCEL[1]}, layout $LAYOUT, ${MEM} RAM, $HUGEPAGES hugepages, timeout ${TIMEOUT}s"
printf '%q ' "${QEMU[@]}" > "$BUILD/last.cmd"; echo >> "$BUILD/last.cmd"
start=$SECONDS
set +e
# sed drops the serial console's carriage returns and SeaBIOS's terminal
# escapes, unbuffered so the log streams live; stdin is /dev/null so QEMU
# leaves the terminal alone.
timeout -k 10 "$TIMEOUT" "${QEMU[@]}" </dev/null 2>&1 |
    sed -u 's/\r$//; s/\x1bc//g; s/\x1b\[[0-9;?]*[A-Za-z]//g' | tee "$LOG"
qrc=${PIPESTATUS[0]}
set -e
elapsed=$(( SECONDS - start ))

line=$(grep -a 'PNVME-GUEST-RESULT rc=' "$LOG" | tail -1 || true)
if [[ $line =~ PNVME-GUEST-RESULT\ rc=([0-9]+) ]]; then
    rc=${BASH_REMATCH[1]}
    qlog "guest finished in ${elapsed}s: rc=$rc"
    exit "$rc"
fi
if [[ $qrc -eq 124 || $qrc -eq 137 ]]; then
    qlog "FAILED: QEMU killed after ${TIMEOUT}s timeout, no result from the guest (log: $LOG)"
    exit 124
fi
qlog "FAILED: guest gave no PNVME-GUEST-RESULT line (QEMU exit $qrc after ${elapsed}s; crash or panic?) (log: $LOG)"
exit 125
