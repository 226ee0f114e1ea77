# shellcheck shell=bash
# Host-side helpers for test/qemu/run.sh: packages, guest kernel, initramfs, QEMU
# arguments. Sourced, not run. Every function logs through qlog (stderr).

qlog()  { printf 'run.sh: %s\n' "$*" >&2; }
qdie()  { printf 'run.sh: error: %s\n' "$*" >&2; exit 125; }

# True when /bin/busybox exists and needs no shared libraries.
is_static_busybox() {
    [[ -x /bin/busybox ]] || return 1
    ! ldd /bin/busybox >/dev/null 2>&1
}

# Install the Debian packages the harness needs when a command is missing.
# Only as root, and only non-interactively; otherwise say what to install.
ensure_host_tools() {
    local want=() cmd pkg
    for pair in qemu-system-x86_64:qemu-system-x86 cpio:cpio gzip:gzip \
                apt-get:apt dpkg:dpkg timeout:coreutils flock:util-linux; do
        cmd=${pair%%:*} pkg=${pair#*:}
        command -v "$cmd" >/dev/null 2>&1 || want+=("$pkg")
    done
    # busybox-static, not busybox: the guest has no libc of its own.
    is_static_busybox || want+=(busybox-static)
    [[ ${#want[@]} -eq 0 ]] && return 0
    if [[ $EUID -ne 0 ]]; then
        qdie "missing packages: ${want[*]} (run as root or: apt-get install ${want[*]})"
    fi
    qlog "installing ${want[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq "${want[@]}" >/dev/null 2>&1 || {
        apt-get update -qq >/dev/null 2>&1
        apt-get install -y -qq "${want[@]}" >/dev/null || qdie "apt-get install ${want[*]} failed"
    }
}

# Bump when fetch_kernel keeps different files, so old caches are redone.
CACHE_LAYOUT=3

# Name of the kernel package linux-image-amd64 points at today, e.g.
# linux-image-6.1.0-56-amd64. Empty when apt knows nothing (no lists, offline).
current_kernel_pkg() {
    apt-cache depends linux-image-amd64 2>/dev/null |
        sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -1
}

# Decompress a kernel module to DST: busybox insmod may not read .ko.xz/.ko.zst.
unpack_module() {
    local src=$1 dst=$2
    case $src in
        *.ko)     cp "$src" "$dst" ;;
        *.ko.xz)  command -v xz >/dev/null || apt-get install -y -qq xz-utils >/dev/null
                  xz -dc "$src" > "$dst" ;;
        *.ko.zst) command -v zstd >/dev/null || apt-get install -y -qq zstd >/dev/null
                  zstd -qdc "$src" > "$dst" ;;
        *.ko.gz)  gzip -dc "$src" > "$dst" ;;
        *) return 1 ;;
    esac
}

# Fetch and unpack the kernel package into $CACHE/<pkg>/ once; sets KDIR,
# VMLINUZ. Falls back to the newest cached kernel when apt cannot name one.
fetch_kernel() {
    local pkg dir
    pkg=$(current_kernel_pkg)
    if [[ -z $pkg ]]; then
        qlog "apt-cache knows no linux-image-amd64: running apt-get update"
        apt-get update -qq >/dev/null 2>&1 || true
        pkg=$(current_kernel_pkg)
    fi
    if [[ -z $pkg ]]; then
        dir=$(ls -d "$CACHE"/linux-image-*/ 2>/dev/null | sort -V | tail -1)
        [[ -n $dir ]] || qdie "cannot resolve linux-image-amd64 and no cached kernel in $CACHE"
        pkg=$(basename "$dir")
        qlog "using cached kernel $pkg"
    fi
    KDIR=$CACHE/$pkg
    # .done holds the cache layout version: a new one means fetch again.
    if [[ $(cat "$KDIR/.done" 2>/dev/null) != "$CACHE_LAYOUT" ]]; then
        qlog "fetching $pkg"
        rm -rf "$KDIR" && mkdir -p "$KDIR/deb"
        # apt-get download writes into the current directory; the _apt
        # sandbox warning about root-owned directories is harmless.
        (cd "$KDIR/deb" && apt-get download -qq "$pkg" 2>&1 | grep -v 'unsandboxed' >&2) || true
        ls "$KDIR"/deb/*.deb >/dev/null 2>&1 || qdie "apt-get download $pkg failed"
        dpkg -x "$KDIR"/deb/*.deb "$KDIR/root" || qdie "dpkg -x failed for $pkg"
        rm -rf "$KDIR/deb"
        # Keep only what a storage test guest can need (~25 MB, not ~400):
        # vfio, nvme (host and target), ext4 (to test "in use" for real),
        # configfs (nvmet's interface), null_blk (a RAM namespace for nvmet)
        # and their helpers.
        find "$KDIR"/root/lib/modules/*/kernel -mindepth 1 -maxdepth 1 \
            ! -name virt ! -name crypto ! -name lib ! -name block ! -name arch \
            ! -name drivers ! -name fs -exec rm -rf {} +
        find "$KDIR"/root/lib/modules/*/kernel/drivers -mindepth 1 -maxdepth 1 \
            ! -name vfio ! -name nvme ! -name block -exec rm -rf {} +
        find "$KDIR"/root/lib/modules/*/kernel/drivers/block -mindepth 1 -maxdepth 1 \
            ! -name null_blk -exec rm -rf {} +
        find "$KDIR"/root/lib/modules/*/kernel/fs -mindepth 1 -maxdepth 1 \
            ! -name ext4 ! -name jbd2 ! -name mbcache.ko\* ! -name configfs -exec rm -rf {} +
        echo "$CACHE_LAYOUT" > "$KDIR/.done"
    fi
    VMLINUZ=$(ls "$KDIR"/root/boot/vmlinuz-* 2>/dev/null | head -1)
    [[ -f $VMLINUZ ]] || qdie "no vmlinuz in $KDIR"
    KPKG=$pkg
}

# Path of module NAME (dashes and underscores are interchangeable) in KDIR.
find_module() {
    local n1=${1//_/-} n2=${1//-/_}
    find "$KDIR/root/lib/modules" \( -name "$n1.ko*" -o -name "$n2.ko*" \) 2>/dev/null | head -1
}

# Module names MOD depends on, from the depends= string in its .modinfo
# (read with tr, so no kmod/binutils is needed on the host).
module_depends() {
    local f=$1 tmp
    case $f in
        *.ko) tr '\0' '\n' < "$f" ;;
        *) tmp=$(mktemp); unpack_module "$f" "$tmp"; tr '\0' '\n' < "$tmp"; rm -f "$tmp" ;;
    esac | sed -n 's/^depends=//p' | head -1 | tr ',' ' '
}

# Append NAME and, first, everything it depends on to the array ORDER,
# skipping what is already there or absent (built in, or gone from a newer
# kernel, e.g. vfio_virqfd was folded into vfio after 6.1).
declare -a ORDER
resolve_module() {
    local name=$1 f dep m
    for m in "${ORDER[@]}"; do [[ ${m//-/_} == "${name//-/_}" ]] && return 0; done
    f=$(find_module "$name")
    if [[ -z $f ]]; then
        grep -qE "/${name//[-_]/[-_]}\.ko" "$KDIR"/root/lib/modules/*/modules.builtin 2>/dev/null ||
            qlog "note: module $name not in $KPKG (skipped)"
        return 0
    fi
    for dep in $(module_depends "$f"); do resolve_module "$dep"; done
    ORDER+=("$name")
}

# Copy the modules wanted by LIST (an ordered name list, soft dependencies
# included by hand) into DEST, and write DEST/<set>.list in load order.
install_module_set() {
    local set=$1 dest=$2; shift 2
    local m f
    ORDER=()
    for m in "$@"; do resolve_module "$m"; done
    : > "$dest/$set.list"
    for m in "${ORDER[@]}"; do
        f=$(find_module "$m")
        unpack_module "$f" "$dest/$m.ko" || qdie "cannot unpack $f"
        echo "$m.ko" >> "$dest/$set.list"
    done
}

# Copy FILE into the staging tree at GUEST_PATH plus the shared libraries it
# needs (ldd lists the dynamic loader too), each at the path ldd names.
stage_file() {
    local src=$1 dst=$2 lib
    mkdir -p "$STAGE/$(dirname "$dst")"
    cp -L --preserve=mode "$src" "$STAGE/$dst"
    head -c 4 "$src" | grep -q "ELF" || return 0   # ldd only ELF files
    for lib in $(ldd "$src" 2>/dev/null | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p; s/^[[:space:]]*\(\/[^ ]*\) (.*/\1/p'); do
        [[ -e $STAGE$lib ]] && continue
        mkdir -p "$STAGE$(dirname "$lib")"
        cp -L "$lib" "$STAGE$lib"
    done
}

# Where a host path lands in the guest: paths inside the repo keep their
# repo-relative path under /pnvme (the guest's working directory), others
# keep their absolute path.
guest_path() {
    local abs
    abs=$(realpath -m "$1")
    case $abs in
        "$ROOT"/*) echo "/pnvme/${abs#"$ROOT"/}" ;;
        *) echo "$abs" ;;
    esac
}

# Stage a file or (recursively) a directory.
stage_include() {
    local src=$1 f
    [[ -e $src ]] || qdie "--include $src: no such file or directory"
    if [[ -d $src ]]; then
        while IFS= read -r -d '' f; do stage_file "$f" "$(guest_path "$f")"; done \
            < <(find "$src" -type f -print0)
    else
        stage_file "$src" "$(guest_path "$src")"
    fi
}

# Busybox and one symlink per applet, at the paths busybox itself names.
# (~400 applets: one fork each for ln, none for the directories, which are few.)
stage_busybox() {
    local a d
    local -A made=()
    mkdir -p "$STAGE/bin"
    cp /bin/busybox "$STAGE/bin/busybox"
    for a in $(/bin/busybox --list-full); do
        [[ -e $STAGE/$a ]] && continue
        d=.
        [[ $a == */* ]] && d=${a%/*}
        if [[ -z ${made[$d]:-} ]]; then
            mkdir -p "$STAGE/$d"
            made[$d]=1
        fi
        ln -s /bin/busybox "$STAGE/$a"
    done
}

# Write the gzip'd newc cpio of STAGE to $1.
pack_initramfs() {
    (cd "$STAGE" && find . -print0 | LC_ALL=C sort -z | cpio -o -0 -H newc --quiet) | gzip -1 > "$1"
}
