/* SPDX-License-Identifier: BSD-3-Clause */
/* Discovery of NVMe functions (class 0x010802) through libpciaccess. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <pciaccess.h>

#include "log.h"
#include "pci.h"

int env_pci_bound_driver(const char *bdf, char *driver, size_t len)
{
	char path[PATH_MAX], target[PATH_MAX];
	const char *base;
	ssize_t n;

	driver[0] = '\0';
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s", bdf);
	if (access(path, F_OK) != 0)
		return -ENODEV;
	snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/driver", bdf);
	n = readlink(path, target, sizeof(target) - 1);
	if (n <= 0)
		return 0;
	target[n] = '\0';
	base = strrchr(target, '/');
	base = base ? base + 1 : target;
	if (strlen(base) >= len)
		return -ENAMETOOLONG;
	memcpy(driver, base, strlen(base) + 1);
	return 0;
}

int env_pci_scan_nvme(env_pci_func_cb cb, void *ctx)
{
	struct pci_id_match match = {
		.vendor_id = PCI_MATCH_ANY,
		.device_id = PCI_MATCH_ANY,
		.subvendor_id = PCI_MATCH_ANY,
		.subdevice_id = PCI_MATCH_ANY,
		.device_class = ENV_PCI_CLASS_NVME,
		.device_class_mask = 0xffffff,
	};
	struct pci_device_iterator *it;
	struct pci_device *pdev;
	int rc;

	rc = pci_system_init();
	if (rc != 0) {
		/* No PCI in this system (a container, say): nothing to offer. */
		PNVME_DEBUGLOG("pci", "libpciaccess: %s", strerror(rc));
		return 0;
	}
	it = pci_id_match_iterator_create(&match);
	if (it == NULL) {
		pci_system_cleanup();
		return -ENOMEM;
	}
	rc = 0;
	while (rc == 0 && (pdev = pci_device_next(it)) != NULL) {
		struct env_pci_func func = {
			.vendor_id = pdev->vendor_id,
			.device_id = pdev->device_id,
		};

		snprintf(func.addr, sizeof(func.addr), "%04x:%02x:%02x.%x", pdev->domain,
			 pdev->bus, pdev->dev, pdev->func);
		env_pci_bound_driver(func.addr, func.driver, sizeof(func.driver));
		rc = cb(ctx, &func);
	}
	pci_iterator_destroy(it);
	pci_system_cleanup();
	return rc;
}
