/* pnvme-setup: shared declarations between setup.c (the command line and
 * bind/reset), sysfs.c (what the kernel says about a PCI function, read from
 * sysfs and procfs), envvars.c (setup.sh's environment), user.c (set-up for a
 * non-root user), cleanup.c (stale hugepage files) and status_json.c. */
#ifndef PNVME_SETUP_H
#define PNVME_SETUP_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define PCI_DEVICES "/sys/bus/pci/devices"
#define PCI_DRIVERS "/sys/bus/pci/drivers"

/* Longest text we keep for a name (driver, group, block device) or a reason. */
enum { NAME_LEN = 64, WHY_LEN = 512, MAX_BLOCK = 64 };
enum { EXIT_USAGE = 2, MAX_FUNCS = 256, BDF_LEN = 24, MAX_LISTED = 64 };  /* "ffffffff:ff:1f.7" fits */

#define HUGEPAGES_2M_DIR "/sys/kernel/mm/hugepages/hugepages-2048kB"

struct func {
    char bdf[BDF_LEN];
    unsigned vendor, device;
};

/* "dddd:bb:dd.f" or "bb:dd.f" into sysfs's spelling "0000:bb:dd.f". */
bool parse_bdf(const char *s, char out[BDF_LEN]);
/* A decimal number of MiB, at most 16 TiB. */
bool parse_mb(const char *s, unsigned long *mb);

/* SPDK setup.sh's environment (envvars.c). */
struct bdf_list {
    bool set;                        /* the variable is set and not blank */
    int n;
    char bdf[MAX_LISTED][BDF_LEN];   /* normalized */
};
struct setup_env {
    bool hugemem;                    /* HUGEMEM: MiB of hugepages for bind/config */
    unsigned long hugemem_mb;
    struct bdf_list allowed, blocked;   /* PCI_ALLOWED, PCI_BLOCKED */
    const char *target_user;         /* TARGET_USER, or NULL */
};
/* Reads the variables and warns (one line each) about names in setup.sh's
 * vocabulary that pnvme-setup does not read. 0, or EXIT_USAGE after one
 * line about a bad value. */
int setup_env_read(struct setup_env *env);
void setup_env_print(const struct setup_env *env);   /* "environment: ..." lines */
const char *setup_env_excludes(const struct setup_env *env, const char *bdf);
bool bdf_list_has(const struct bdf_list *list, const char *bdf);

/* A non-root user pnvme runs as (user.c). */
struct target_user {
    char name[NAME_LEN];
    uid_t uid;
    gid_t gid;
};
bool user_lookup(const char *name, struct target_user *u);
bool user_grant_node(const struct target_user *u, const char *bdf, const char *node);
bool user_grant_hugetlbfs(const struct target_user *u, const char *mount_point);
bool user_grant_memlock(const struct target_user *u);

/* Stale DPDK hugepage files (cleanup.c); the exit status. */
int cmd_cleanup(void);

/* The first hugetlbfs mount point, from /proc/mounts. */
bool hugetlbfs_mounted(char *where, size_t len);
unsigned long hugepages_now(const char *knob);

/* status --json (status_json.c); the exit status. */
int cmd_status_json(const struct func *funcs, int n, const struct setup_env *env);

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
