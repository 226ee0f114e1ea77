/* pnvme-setup: what the kernel says about a PCI function, from sysfs and
 * procfs. Nothing here changes anything. */
#include "setup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* snprintf for paths; false when the result would not fit (the compiler
 * cannot prove that for names read from directories). */
bool path_fmt(char *buf, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, len, fmt, ap);
    va_end(ap);
    return n >= 0 && (size_t)n < len;
}

int sysfs_read(const char *path, char *buf, size_t len)
{
    FILE *f = fopen(path, "re");
    if (!f)
        return -errno;
    int err = 0;
    if (!fgets(buf, (int)len, f))
        err = ferror(f) ? -EIO : -ENODATA;
    fclose(f);
    if (!err)
        buf[strcspn(buf, "\n")] = '\0';
    return err;
}

/* sysfs reports a refused value as the write's error, so check it. */
int sysfs_write(const char *path, const char *s)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -errno;
    int err = write(fd, s, strlen(s)) < 0 ? -errno : 0;
    if (close(fd) < 0 && !err)
        err = -errno;
    return err;
}

/* Last component of a symlink's target: sysfs names drivers, IOMMU groups
 * and holders by linking to them. */
int sysfs_link_name(const char *path, char *buf, size_t len)
{
    char target[PATH_MAX];
    ssize_t n = readlink(path, target, sizeof(target) - 1);
    if (n < 0)
        return -errno;
    target[n] = '\0';
    const char *base = strrchr(target, '/');
    base = base ? base + 1 : target;
    if (strlen(base) >= len)
        return -ENAMETOOLONG;
    memcpy(buf, base, strlen(base) + 1);
    return 0;
}

bool sysfs_exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static void dev_attr(char *buf, size_t len, const char *bdf, const char *attr)
{
    if (!path_fmt(buf, len, PCI_DEVICES "/%s/%s", bdf, attr))
        buf[0] = '\0';   /* cannot happen with a normalized BDF */
}

static void link_or_none(const char *bdf, const char *attr, char *buf, size_t len)
{
    char path[PATH_MAX];
    dev_attr(path, sizeof(path), bdf, attr);
    if (sysfs_link_name(path, buf, len) < 0)
        snprintf(buf, len, "none");
}

void func_driver(const char *bdf, char *buf, size_t len)
{
    link_or_none(bdf, "driver", buf, len);
}

void func_iommu_group(const char *bdf, char *buf, size_t len)
{
    link_or_none(bdf, "iommu_group", buf, len);
}

int func_numa_node(const char *bdf)
{
    char path[PATH_MAX], val[32];
    dev_attr(path, sizeof(path), bdf, "numa_node");
    return sysfs_read(path, val, sizeof(val)) == 0 ? atoi(val) : -1;
}

static bool add_name(char names[][NAME_LEN], int *n, int max, const char *name)
{
    for (int i = 0; i < *n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    if (*n >= max || strlen(name) >= NAME_LEN)
        return false;
    memcpy(names[(*n)++], name, strlen(name) + 1);
    return true;
}

/* A path device "nvme0c0n1" (native multipath) belongs to the disk whose
 * multipath/ directory links to it; that disk is what gets mounted. */
static void add_multipath_head(char names[][NAME_LEN], int *n, int max, const char *path_dev)
{
    char pattern[PATH_MAX];
    glob_t g;
    path_fmt(pattern, sizeof(pattern), "/sys/block/*/multipath/%s", path_dev);
    if (glob(pattern, 0, NULL, &g) != 0)
        return;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        /* /sys/block/<head>/multipath/<path_dev> */
        char *head = g.gl_pathv[i] + strlen("/sys/block/");
        char *slash = strchr(head, '/');
        if (slash) {
            *slash = '\0';
            add_name(names, n, max, head);
        }
    }
    globfree(&g);
}

/* Is NAME "nvme<N>n<M>" (a disk) or "nvme<N>c<C>n<M>" (a multipath path)? */
static int nvme_block_kind(const char *name)
{
    unsigned a, b, c;
    char tail;
    if (sscanf(name, "nvme%uc%un%u%c", &a, &b, &c, &tail) == 3)
        return 2;
    if (sscanf(name, "nvme%un%u%c", &a, &b, &tail) == 2)
        return 1;
    return 0;
}

/* Block devices the kernel's nvme driver made for BDF's controller(s). */
int func_block_devices(const char *bdf, char names[][NAME_LEN], int max)
{
    char path[PATH_MAX];
    int n = 0;
    dev_attr(path, sizeof(path), bdf, "nvme");
    DIR *ctrls = opendir(path);
    if (!ctrls)
        return 0;
    struct dirent *c;
    while ((c = readdir(ctrls)) != NULL) {
        if (strncmp(c->d_name, "nvme", 4) != 0)
            continue;
        char cpath[PATH_MAX];
        if (!path_fmt(cpath, sizeof(cpath), "%s/%s", path, c->d_name))
            continue;
        DIR *d = opendir(cpath);
        if (!d)
            continue;
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            int kind = nvme_block_kind(e->d_name);
            if (kind == 1)
                add_name(names, &n, max, e->d_name);
            else if (kind == 2)
                add_multipath_head(names, &n, max, e->d_name);
        }
        closedir(d);
    }
    closedir(ctrls);
    return n;
}

/* dev_t of a block device or partition, from /sys/class/block/NAME/dev. */
static bool block_devt(const char *name, dev_t *out)
{
    char path[PATH_MAX], val[32];
    unsigned maj, min;
    path_fmt(path, sizeof(path), "/sys/class/block/%s/dev", name);
    if (sysfs_read(path, val, sizeof(val)) < 0 || sscanf(val, "%u:%u", &maj, &min) != 2)
        return false;
    *out = makedev(maj, min);
    return true;
}

/* Does the path in a mounts/swaps line name this device node? Compared by
 * device number, so /dev/disk/by-uuid/... links count too. */
static bool names_devt(const char *file, dev_t devt)
{
    struct stat st;
    return file[0] == '/' && stat(file, &st) == 0 && S_ISBLK(st.st_mode) && st.st_rdev == devt;
}

/* First line of a "/proc/mounts"-like table whose first field is DEVT;
 * copies its second field (mount point) when WHERE is given. */
static bool table_has(const char *table, dev_t devt, char *where, size_t len)
{
    FILE *f = fopen(table, "re");
    if (!f)
        return false;
    char line[1024], dev[512], mnt[512];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f)) {
        if (sscanf(line, "%511s %511s", dev, mnt) == 2 && names_devt(dev, devt)) {
            found = true;
            if (where)
                snprintf(where, len, "%s", mnt);
        }
    }
    fclose(f);
    return found;
}

/* The group's character device: /dev/vfio/N, or /dev/vfio/noiommu-N when
 * vfio runs without an IOMMU. */
bool vfio_group_node(const char *group, char *buf, size_t len)
{
    path_fmt(buf, len, "/dev/vfio/%s", group);
    if (sysfs_exists(buf))
        return true;
    path_fmt(buf, len, "/dev/vfio/noiommu-%s", group);
    return sysfs_exists(buf);
}

/* A process holding NODE open (found through /proc/<pid>/fd): unbinding
 * its device would break that process, or, for vfio, block until it exits.
 * Needs root to see other users' processes. */
static bool node_open_by(const char *node, char *why, size_t len)
{
    DIR *proc = opendir("/proc");
    if (!proc)
        return false;
    struct dirent *p;
    bool found = false;
    while (!found && (p = readdir(proc)) != NULL) {
        if (!isdigit((unsigned char)p->d_name[0]))
            continue;
        char fdir[PATH_MAX];
        path_fmt(fdir, sizeof(fdir), "/proc/%s/fd", p->d_name);
        DIR *fds = opendir(fdir);
        if (!fds)
            continue;
        struct dirent *f;
        while (!found && (f = readdir(fds)) != NULL) {
            char link[PATH_MAX], target[PATH_MAX];
            if (!path_fmt(link, sizeof(link), "%s/%s", fdir, f->d_name))
                continue;
            ssize_t n = readlink(link, target, sizeof(target) - 1);
            if (n <= 0)
                continue;
            target[n] = '\0';
            if (strcmp(target, node) == 0) {
                char comm_path[PATH_MAX], comm[64] = "?";
                path_fmt(comm_path, sizeof(comm_path), "/proc/%s/comm", p->d_name);
                sysfs_read(comm_path, comm, sizeof(comm));
                snprintf(why, len, "%s open by pid %s (%s)", node, p->d_name, comm);
                found = true;
            }
        }
        closedir(fds);
    }
    closedir(proc);
    return found;
}

/* Why NAME (a disk or partition, no children) is busy, if it is. */
static bool one_block_in_use(const char *name, char *why, size_t len)
{
    dev_t devt;
    char mnt[512], path[PATH_MAX];
    if (!block_devt(name, &devt))
        return false;
    if (table_has("/proc/mounts", devt, mnt, sizeof(mnt))) {
        snprintf(why, len, "mounted at %s (%s)", mnt, name);
        return true;
    }
    if (table_has("/proc/swaps", devt, NULL, 0)) {
        snprintf(why, len, "swap on %s", name);
        return true;
    }
    /* Holders are stacked devices: device-mapper, md RAID, bcache... */
    path_fmt(path, sizeof(path), "/sys/class/block/%s/holders", name);
    DIR *d = opendir(path);
    if (!d)
        return false;
    struct dirent *e;
    bool held = false;
    while (!held && (e = readdir(d)) != NULL) {
        if (e->d_name[0] != '.') {
            snprintf(why, len, "%s held by %s", name, e->d_name);
            held = true;
        }
    }
    closedir(d);
    if (held)
        return true;
    path_fmt(path, sizeof(path), "/dev/%s", name);
    return node_open_by(path, why, len);
}

/* Calls FN on disk NAME, then on each of its partitions (the entries of
 * /sys/block/NAME that have a "partition" file), until one returns true. */
static bool disk_and_partitions(const char *name, bool (*fn)(const char *, void *), void *arg)
{
    if (fn(name, arg))
        return true;
    char path[PATH_MAX];
    path_fmt(path, sizeof(path), "/sys/block/%s", name);
    DIR *d = opendir(path);
    if (!d)
        return false;
    struct dirent *e;
    bool hit = false;
    while (!hit && (e = readdir(d)) != NULL) {
        char part[PATH_MAX];
        if (strncmp(e->d_name, name, strlen(name)) != 0)
            continue;
        if (path_fmt(part, sizeof(part), "%s/%s/partition", path, e->d_name) &&
            sysfs_exists(part))
            hit = fn(e->d_name, arg);
    }
    closedir(d);
    return hit;
}

struct why_buf {
    char *why;
    size_t len;
    int err;   /* excl_check_cb: the first failure that is not EBUSY */
};

static bool block_in_use_cb(const char *name, void *arg)
{
    struct why_buf *w = arg;
    return one_block_in_use(name, w->why, w->len);
}

/* A disk is busy when it or any of its partitions is. */
static bool disk_in_use(const char *name, char *why, size_t len)
{
    struct why_buf w = { why, len, 0 };
    return disk_and_partitions(name, block_in_use_cb, &w);
}

/* The kernel's own check: an exclusive open of a block device (O_EXCL) fails
 * with EBUSY while anything claims it, whatever /proc/mounts shows us: a file
 * system mounted in any mount namespace, or lazily unmounted with files still
 * open, swap, md, dm. The descriptor is closed at once. Stops at EBUSY; other
 * failures are remembered and the walk goes on. */
static bool excl_check_cb(const char *name, void *arg)
{
    struct why_buf *w = arg;
    char node[PATH_MAX];
    struct stat st;
    dev_t devt;
    path_fmt(node, sizeof(node), "/dev/%s", name);
    int fd = open(node, O_RDONLY | O_EXCL | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0 && errno == EBUSY) {
        snprintf(w->why, w->len, "%s held (the kernel refused an exclusive open: a mount in "
                 "some mount namespace, a lazily unmounted file system with open files, swap, "
                 "md or dm)", node);
        return true;
    }
    if (fd < 0) {
        int err = errno;
        if (!w->err) {
            w->err = -err;
            snprintf(w->why, w->len, "cannot open %s exclusively to check that it is unused: %s",
                     node, strerror(err));
        }
        return false;
    }
    bool wrong = fstat(fd, &st) < 0 || !S_ISBLK(st.st_mode) ||
                 (block_devt(name, &devt) && st.st_rdev != devt);
    close(fd);
    if (wrong && !w->err) {
        w->err = -ENODEV;
        snprintf(w->why, w->len, "cannot check that %s is unused: it is not the block device "
                 "sysfs calls %s", node, name);
    }
    return false;
}

int func_blocks_check(const char *bdf, char *why, size_t len)
{
    char names[MAX_BLOCK][NAME_LEN];
    struct why_buf w = { why, len, 0 };
    int n = func_block_devices(bdf, names, MAX_BLOCK);
    for (int i = 0; i < n; i++)
        if (disk_and_partitions(names[i], excl_check_cb, &w))
            return -EBUSY;
    return w.err;
}

bool func_in_use(const char *bdf, char *why, size_t len)
{
    char names[MAX_BLOCK][NAME_LEN], group[NAME_LEN], driver[NAME_LEN];
    int n = func_block_devices(bdf, names, MAX_BLOCK);
    for (int i = 0; i < n; i++)
        if (disk_in_use(names[i], why, len))
            return true;
    if (func_blocks_check(bdf, why, len) == -EBUSY)
        return true;
    func_driver(bdf, driver, sizeof(driver));
    func_iommu_group(bdf, group, sizeof(group));
    char node[PATH_MAX];
    if (strcmp(driver, "vfio-pci") == 0 && vfio_group_node(group, node, sizeof(node)))
        return node_open_by(node, why, len);
    return false;
}
