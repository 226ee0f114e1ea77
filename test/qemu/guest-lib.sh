# shellcheck shell=sh
# Guest-side helpers (busybox sh). Installed in the initramfs as
# /lib/pnvme/guest-lib.sh; /init and guest test scripts source it.

PNVME_MODDIR=/lib/modules/pnvme
NVME_CLASS=0x010802

# Load the module set SET (vfio or nvme) in the order the host resolved.
# Modules already loaded (or built in) are fine; other failures are reported.
load_modules() {
    set_=$1; shift
    [ -f "$PNVME_MODDIR/$set_.list" ] || { echo "guest: no module list $set_" >&2; return 1; }
    rc_=0
    for ko_ in $(cat "$PNVME_MODDIR/$set_.list"); do
        name_=$(echo "${ko_%.ko}" | tr - _)
        [ -d "/sys/module/$name_" ] && continue
        args_=
        [ "$name_" = nvme ] && args_="$*"
        # shellcheck disable=SC2086
        insmod "$PNVME_MODDIR/$ko_" $args_ || { echo "guest: insmod $ko_ failed" >&2; rc_=1; }
    done
    return $rc_
}

# Load the kernel's NVMe driver (with one poll queue for polled io_uring).
load_nvme() { load_modules nvme poll_queues=1; }

# Every NVMe function's BDF, one a line.
nvme_functions() {
    for d_ in /sys/bus/pci/devices/*; do
        [ "$(cat "$d_/class" 2>/dev/null)" = "$NVME_CLASS" ] && basename "$d_"
    done
}

# Driver bound to BDF now, or "none".
driver_of() {
    if [ -e "/sys/bus/pci/devices/$1/driver" ]; then
        basename "$(readlink "/sys/bus/pci/devices/$1/driver")"
    else
        echo none
    fi
}

# IOMMU group of BDF, or "none".
iommu_group_of() {
    if [ -e "/sys/bus/pci/devices/$1/iommu_group" ]; then
        basename "$(readlink "/sys/bus/pci/devices/$1/iommu_group")"
    else
        echo none
    fi
}

# Hand BDF to vfio-pci through sysfs alone (used when pnvme-setup is absent).
bind_vfio_sysfs() {
    dev_=/sys/bus/pci/devices/$1
    [ -e "$dev_/driver" ] && echo "$1" > "$dev_/driver/unbind"
    echo vfio-pci > "$dev_/driver_override"
    echo "$1" > /sys/bus/pci/drivers_probe
    [ "$(driver_of "$1")" = vfio-pci ]
}

# One line per NVMe function: BDF, ids, driver, IOMMU group, /dev/vfio node.
print_devices() {
    for b_ in $(nvme_functions); do
        g_=$(iommu_group_of "$b_")
        node_=-
        [ -e "/dev/vfio/$g_" ] && node_=/dev/vfio/$g_
        echo "guest: nvme $b_ $(cat "/sys/bus/pci/devices/$b_/vendor"):$(cat "/sys/bus/pci/devices/$b_/device")" \
             "driver=$(driver_of "$b_") iommu_group=$g_ node=$node_"
    done
}
