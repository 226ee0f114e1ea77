/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "pcie" transport: a PCI function bound to vfio-pci, claimed through
 * DPDK's vfio container (so all DPDK memory is mapped for its DMA), BAR0
 * mapped and config space reached through the vfio device fd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <linux/vfio.h>
#include <rte_vfio.h>

#include "log.h"
#include "mem.h"
#include "pci.h"
#include "vfio_user.h"

#define SYSFS_PCI_DEVICES "/sys/bus/pci/devices"

struct vfio_dev {
	struct env_pci_dev pci;
	int fd;
	uint64_t cfg_offset;
	bool mem_joined; /* counted by env/mem.c: registered memory is mapped for it */
};

static int vfio_cfg_read(struct env_pci_dev *dev, void *buf, size_t len, uint32_t off)
{
	struct vfio_dev *vdev = dev->priv;
	ssize_t n = pread(vdev->fd, buf, len, (off_t)(vdev->cfg_offset + off));

	return n == (ssize_t)len ? 0 : -EIO;
}

static int vfio_cfg_write(struct env_pci_dev *dev, const void *buf, size_t len, uint32_t off)
{
	struct vfio_dev *vdev = dev->priv;
	ssize_t n = pwrite(vdev->fd, buf, len, (off_t)(vdev->cfg_offset + off));

	return n == (ssize_t)len ? 0 : -EIO;
}

static void vfio_detach(struct env_pci_dev *dev)
{
	struct vfio_dev *vdev = dev->priv;

	if (dev->bar0 != NULL)
		munmap((void *)dev->bar0, dev->bar0_len);
	if (vdev->mem_joined)
		env_mem_vfio_detach();
	rte_vfio_release_device(SYSFS_PCI_DEVICES, dev->addr, vdev->fd);
	free(vdev);
}

/* VFIO resets the function (FLR or what the device offers); BAR mappings stay valid. */
static int vfio_reset(struct env_pci_dev *dev)
{
	struct vfio_dev *vdev = dev->priv;

	if (ioctl(vdev->fd, VFIO_DEVICE_RESET) != 0) {
		PNVME_ERRLOG("pci", "%s: VFIO_DEVICE_RESET failed: %s", dev->addr, strerror(errno));
		return -errno;
	}
	return 0;
}

static const struct env_pci_dev_ops vfio_ops = {
	.cfg_read = vfio_cfg_read,
	.cfg_write = vfio_cfg_write,
	.detach = vfio_detach,
	.reset = vfio_reset,
};

static int map_bar0(struct vfio_dev *vdev)
{
	struct vfio_region_info reg = {.argsz = sizeof(reg)};
	void *addr;

	reg.index = VFIO_PCI_CONFIG_REGION_INDEX;
	if (ioctl(vdev->fd, VFIO_DEVICE_GET_REGION_INFO, &reg) != 0)
		return -errno;
	vdev->cfg_offset = reg.offset;

	memset(&reg, 0, sizeof(reg));
	reg.argsz = sizeof(reg);
	reg.index = VFIO_PCI_BAR0_REGION_INDEX;
	if (ioctl(vdev->fd, VFIO_DEVICE_GET_REGION_INFO, &reg) != 0)
		return -errno;
	if (!(reg.flags & VFIO_REGION_INFO_FLAG_MMAP) || reg.size < 0x2000)
		return -ENOTSUP;
	addr = mmap(NULL, reg.size, PROT_READ | PROT_WRITE, MAP_SHARED, vdev->fd,
		    (off_t)reg.offset);
	if (addr == MAP_FAILED)
		return -errno;
	vdev->pci.bar0 = addr;
	vdev->pci.bar0_len = reg.size;
	return 0;
}

static int vfio_attach(const char *addr, const char *params, struct env_pci_dev **out)
{
	struct vfio_device_info info = {.argsz = sizeof(info)};
	char bdf[ENV_PCI_ADDR_MAX], driver[64];
	struct vfio_dev *vdev;
	int rc;

	(void)params;
	if (env_pci_addr_normalize(addr, bdf, sizeof(bdf)) != 0) {
		PNVME_ERRLOG("pcie", "'%s' is not a PCI address (want DDDD:BB:DD.F)", addr);
		return -EINVAL;
	}
	rc = env_pci_bound_driver(bdf, driver, sizeof(driver));
	if (rc == -ENODEV) {
		PNVME_ERRLOG("pcie", "%s: no such PCI device", bdf);
		return rc;
	}
	if (strcmp(driver, "vfio-pci") != 0) {
		PNVME_ERRLOG("pcie", "%s: not bound to vfio-pci (driver: %s); "
				     "run 'pnvme-setup bind %s'",
			     bdf, driver[0] ? driver : "none", bdf);
		return -EBUSY;
	}
	if (!pnvme_env_is_initialized())
		return -ENODEV;
	if (!rte_vfio_is_enabled("vfio_pci")) {
		PNVME_ERRLOG("pcie", "%s: DPDK's VFIO is not enabled (the EAL started before "
				     "vfio-pci was loaded, or without VFIO support)", bdf);
		return -ENOTSUP;
	}

	rc = env_vfio_access_check(bdf);
	if (rc == 0)
		rc = env_memlock_guard(bdf);
	if (rc != 0)
		return rc;

	vdev = calloc(1, sizeof(*vdev));
	if (vdev == NULL)
		return -ENOMEM;
	snprintf(vdev->pci.addr, sizeof(vdev->pci.addr), "%s", bdf);
	vdev->pci.ops = &vfio_ops;
	vdev->pci.priv = vdev;
	vdev->fd = -1;
	if (rte_vfio_setup_device(SYSFS_PCI_DEVICES, bdf, &vdev->fd, &info) != 0) {
		PNVME_ERRLOG("pcie", "%s: vfio set-up failed (IOMMU group not viable, or "
				     "the device is in use)", bdf);
		env_vfio_user_hint(bdf);
		free(vdev);
		return -EIO;
	}
	rc = env_mem_vfio_attach();
	vdev->mem_joined = rc == 0;
	if (rc == 0)
		rc = map_bar0(vdev);
	if (rc == 0)
		rc = vfio_cfg_read(&vdev->pci, &vdev->pci.vendor_id, 2, 0);
	if (rc == 0)
		rc = vfio_cfg_read(&vdev->pci, &vdev->pci.device_id, 2, 2);
	/*
	 * Memory space on, bus mastering off: a controller a killed process left
	 * enabled still has its queues; it may DMA again only once the driver
	 * has disabled it (bring-up turns mastering on just before the enable).
	 */
	if (rc == 0)
		rc = env_pci_disable_bus_master(&vdev->pci);
	if (rc != 0) {
		PNVME_ERRLOG("pcie", "%s: cannot map BAR0, reach config space or map registered "
				     "memory: %s", bdf, strerror(-rc));
		vfio_detach(&vdev->pci);
		return rc;
	}
	*out = &vdev->pci;
	return 0;
}

struct enum_ctx {
	env_pci_enum_cb cb;
	void *ctx;
};

static int offer_vfio_bound(void *arg, const struct env_pci_func *func)
{
	struct enum_ctx *e = arg;

	if (strcmp(func->driver, "vfio-pci") != 0)
		return 0;
	return e->cb(e->ctx, "pcie", func->addr);
}

static int vfio_enumerate(env_pci_enum_cb cb, void *ctx)
{
	struct enum_ctx e = {cb, ctx};

	return env_pci_scan_nvme(offer_vfio_bound, &e);
}

struct env_pci_transport vfio_pci_transport = {
	.name = "pcie",
	.attach = vfio_attach,
	.enumerate = vfio_enumerate,
};
