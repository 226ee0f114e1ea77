/* pnvme-setup: shared declarations between setup.c (commands) and sysfs.c
 * (what the kernel says about a PCI function, read from sysfs and procfs). */
#ifndef PNVME_SETUP_H
#define PNVME_SETUP_H

#include <stdbool.h>
#include <stddef.h>

#define PCI_DEVICES "/sys/bus/pci/devices"
#define PCI_DRIVERS "/sys/bus/pci/drivers"

/* Longest text we keep for a name (driver, group, block device) or a reason. */
enum { NAME_LEN = 64, WHY_LEN = 512, MAX_BLOCK = 64 };

bool path_fmt(char *buf, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Plain file helpers; they return 0 or a negative errno. */
int sysfs_read(const char *path, char *buf, size_t len);
int sysfs_write(const char *path, const char *s);
int sysfs_link_name(const char *path, char *buf, size_t len);
bool sysfs_exists(const char *path);

/* One PCI function, by its normalized address "dddd:bb:dd.f". */
void func_driver(const char *bdf, char *buf, size_t len);       /* "none" if unbound */
void func_iommu_group(const char *bdf, char *buf, size_t len);  /* "none" if no IOMMU */
int func_numa_node(const char *bdf);                             /* -1 if unknown */
int func_block_devices(const char *bdf, char names[][NAME_LEN], int max);
bool vfio_group_node(const char *group, char *buf, size_t len); /* true if it exists */

/* Fills why and returns true when something holds the function: a mounted,
 * swapped-on, stacked or open namespace, a namespace the kernel will not let
 * us open exclusively (func_blocks_check), or an open vfio group. */
bool func_in_use(const char *bdf, char *why, size_t len);

/* Opens each block device of BDF (every namespace and its partitions, from
 * sysfs) with O_EXCL and closes it again. -EBUSY, with why, when one is
 * claimed (a mount in any namespace, a lazily unmounted file system, swap, md,
 * dm); another negative errno, with why, when one could not be checked; else 0. */
int func_blocks_check(const char *bdf, char *why, size_t len);

#endif
