/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One PCI interface in front of every way pnvme reaches a PCI function: a real
 * one through vfio ("pcie"), or a provider that registers itself (a software
 * device, a test's fake). The driver sees only a BAR0 mapping and config space.
 */
#ifndef PNVME_ENV_PCI_H
#define PNVME_ENV_PCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ENV_PCI_CLASS_NVME 0x010802u
#define ENV_PCI_ADDR_MAX 64

struct env_pci_dev;

struct env_pci_dev_ops {
	int (*cfg_read)(struct env_pci_dev *dev, void *buf, size_t len, uint32_t offset);
	int (*cfg_write)(struct env_pci_dev *dev, const void *buf, size_t len, uint32_t offset);
	/* Unmap, release and free the device. */
	void (*detach)(struct env_pci_dev *dev);
	/* Function-level reset (may be NULL: not offered). */
	int (*reset)(struct env_pci_dev *dev);
};

struct env_pci_dev {
	char addr[ENV_PCI_ADDR_MAX]; /* "0000:00:04.0", or a provider's own name */
	uint16_t vendor_id;
	uint16_t device_id;
	volatile void *bar0;
	size_t bar0_len;
	const struct env_pci_dev_ops *ops;
	void *priv; /* the transport's own state */
};

/* Called for each device a transport can offer; non-zero stops the walk. */
typedef int (*env_pci_enum_cb)(void *ctx, const char *trtype, const char *addr);

struct env_pci_transport {
	const char *name; /* matched against the transport ID's trtype */
	/* Attach the device at addr; params are the transport ID's other "k=v" words. */
	int (*attach)(const char *addr, const char *params, struct env_pci_dev **out);
	/* Offer the devices that can be attached now (may be NULL). */
	int (*enumerate)(env_pci_enum_cb cb, void *ctx);
	/* A software device that reads host memory at bus addresses: IOVA must be VA. */
	bool needs_iova_va;
	struct env_pci_transport *next;
};

/* Add a provider (a software device, a test's fake); vfio is always known. */
void env_pci_transport_register(struct env_pci_transport *t);
void env_pci_transport_unregister(struct env_pci_transport *t);
const struct env_pci_transport *env_pci_transport_find(const char *name);

int env_pci_attach(const char *trtype, const char *addr, const char *params,
		     struct env_pci_dev **out);
void env_pci_detach(struct env_pci_dev *dev);
int env_pci_enumerate(env_pci_enum_cb cb, void *ctx);
/* Devices attached and not detached yet. */
unsigned env_pci_attached(void);

/*
 * The device side of DMA, for software devices: the host address behind a bus
 * address range, or NULL if [iova, iova+len) is not DMA-able memory.
 */
void *env_pci_iova_to_vaddr(uint64_t iova, size_t len);

/* Set the bus master enable bit so the function can DMA. */
int env_pci_enable_bus_master(struct env_pci_dev *dev);
/* Clear it (memory space stays on): the function can no longer reach memory. */
int env_pci_disable_bus_master(struct env_pci_dev *dev);
/* Function-level reset, where the transport offers one; -ENOTSUP otherwise. */
int env_pci_reset(struct env_pci_dev *dev);

/* The built-in provider: real functions through vfio-pci. */
extern struct env_pci_transport vfio_pci_transport;

/* NVMe functions (class 0x010802) as libpciaccess sees them. */
struct env_pci_func {
	char addr[16];
	uint16_t vendor_id, device_id;
	char driver[32]; /* bound kernel driver, "" for none */
};
typedef int (*env_pci_func_cb)(void *ctx, const struct env_pci_func *func);
int env_pci_scan_nvme(env_pci_func_cb cb, void *ctx);

/* The kernel driver bound to bdf ("" for none); -ENODEV if there is no such device. */
int env_pci_bound_driver(const char *bdf, char *driver, size_t len);

/* Normalise "00:04.0" or "0000:00:04.0" to "0000:00:04.0"; -EINVAL if malformed. */
int env_pci_addr_normalize(const char *in, char *out, size_t out_len);

#endif /* PNVME_ENV_PCI_H */
