/* pnvme-setup: what a non-root user needs to run pnvme (docs/setup.md):
 *  - the vfio group's character device, /dev/vfio/N, owned by the user, mode
 *    0600 (the container node /dev/vfio/vfio is 0666 from the kernel);
 *  - a hugetlbfs directory of its own, for DPDK programs that keep hugepage
 *    files (pnvme's EAL runs --in-memory and only needs to read the mount);
 *  - a memlock limit that covers the memory it maps for DMA: vfio pins every
 *    page it maps and counts it against RLIMIT_MEMLOCK of a process without
 *    CAP_IPC_LOCK. A limit lives in a process; pnvme-setup writes it where
 *    pam_limits reads it for the user's next session. */
#include "setup.h"
#include "../../dpdk-config/eal_args.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LIMITS_DIR "/etc/security/limits.d"
#define HUGEPAGE_SIZES "/sys/kernel/mm/hugepages"

/* Room for memory a program registers itself (pnvme_mem_register) and for
 * DPDK's own small allocations outside the hugepages. */
#define MEMLOCK_EXTRA_KIB (64ul * 1024)
/* The ordinary memory pnvme's EAL takes without hugepages (--no-huge -m). */
#define NO_HUGE_MIB ((unsigned long)PNVME_EAL_DEFAULT_MEM_MB)

bool user_lookup(const char *name, struct target_user *u)
{
    errno = 0;
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        if (errno)
            fprintf(stderr, "pnvme-setup: cannot look user '%s' up: %s\n", name, strerror(errno));
        else
            fprintf(stderr, "pnvme-setup: no such user '%s'\n", name);
        return false;
    }
    snprintf(u->name, sizeof(u->name), "%s", pw->pw_name);
    u->uid = pw->pw_uid;
    u->gid = pw->pw_gid;
    return true;
}

/* The group node becomes the user's alone: owner rw, nobody else. */
bool user_grant_node(const struct target_user *u, const char *bdf, const char *node)
{
    if (strstr(node, "noiommu-")) {
        fprintf(stderr, "pnvme-setup: %s: %s is vfio's no-IOMMU mode, which needs "
                "CAP_SYS_RAWIO: a non-root user cannot use it\n", bdf, node);
        return false;
    }
    if (chown(node, u->uid, u->gid) < 0 || chmod(node, 0600) < 0) {
        fprintf(stderr, "pnvme-setup: %s: cannot give %s to %s: %s\n", bdf, node, u->name,
                strerror(errno));
        return false;
    }
    printf("%s: %s owned by %s, mode 0600\n", bdf, node, u->name);
    return true;
}

/* Every hugepage size's reserved pages, in KiB. */
static unsigned long hugepages_kib(void)
{
    DIR *d = opendir(HUGEPAGE_SIZES);
    unsigned long total = 0;
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        unsigned long kib;
        char path[PATH_MAX], val[32];
        if (sscanf(e->d_name, "hugepages-%lukB", &kib) != 1 ||
            !path_fmt(path, sizeof(path), HUGEPAGE_SIZES "/%s/nr_hugepages", e->d_name) ||
            sysfs_read(path, val, sizeof(val)) < 0)
            continue;
        total += kib * strtoul(val, NULL, 10);
    }
    closedir(d);
    return total;
}

/* limits.d file for the user: both limits, so the process can use it all. */
static bool write_limits(const struct target_user *u, unsigned long kib, char *path, size_t len)
{
    char tmp[PATH_MAX];
    if (mkdir("/etc/security", 0755) < 0 && errno != EEXIST)
        return false;
    if (mkdir(LIMITS_DIR, 0755) < 0 && errno != EEXIST)
        return false;
    if (!path_fmt(path, len, LIMITS_DIR "/pnvme-%s.conf", u->name) ||
        !path_fmt(tmp, sizeof(tmp), "%s.tmp", path))
        return false;
    FILE *f = fopen(tmp, "we");
    if (!f)
        return false;
    fchmod(fileno(f), 0644);
    fprintf(f, "# Written by pnvme-setup bind --user %s: vfio pins the memory pnvme maps for\n"
            "# DMA and counts it against the memlock limit (KiB). See pnvme's docs/setup.md.\n"
            "%s soft memlock %lu\n%s hard memlock %lu\n", u->name, u->name, kib, u->name, kib);
    bool ok = fflush(f) == 0 && fsync(fileno(f)) == 0;
    ok = fclose(f) == 0 && ok;
    if (!ok || rename(tmp, path) < 0) {
        unlink(tmp);
        return false;
    }
    return true;
}

bool user_grant_memlock(const struct target_user *u)
{
    char path[PATH_MAX];
    unsigned long huge = hugepages_kib();
    /* No hugepages: pnvme's EAL falls back to NO_HUGE_MIB of ordinary memory. */
    unsigned long kib = (huge ? huge : NO_HUGE_MIB * 1024) + MEMLOCK_EXTRA_KIB;
    if (!write_limits(u, kib, path, sizeof(path))) {
        fprintf(stderr, "pnvme-setup: cannot write %s/pnvme-%s.conf: %s\n", LIMITS_DIR, u->name,
                strerror(errno));
        return false;
    }
    printf("%s: memlock limit %lu KiB (%s + %lu MiB) in %s; a new login "
           "session gets it (pam_limits), a systemd unit needs LimitMEMLOCK=%luK\n",
           u->name, kib, huge ? "the hugepages reserved" : "no hugepages: --no-huge's 1024 MiB",
           MEMLOCK_EXTRA_KIB / 1024, path, kib);
    return true;
}

/* <hugetlbfs mount>/<user>, the user's alone (mode 0700). */
bool user_grant_hugetlbfs(const struct target_user *u, const char *mount_point)
{
    char dir[PATH_MAX];
    struct stat st;
    if (!path_fmt(dir, sizeof(dir), "%s/%s", mount_point, u->name)) {
        fprintf(stderr, "pnvme-setup: %s/%s: path too long\n", mount_point, u->name);
        return false;
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        fprintf(stderr, "pnvme-setup: cannot create %s: %s\n", dir, strerror(errno));
        return false;
    }
    if (lstat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
        fprintf(stderr, "pnvme-setup: %s exists and is not a directory\n", dir);
        return false;
    }
    if (chown(dir, u->uid, u->gid) < 0 || chmod(dir, 0700) < 0) {
        fprintf(stderr, "pnvme-setup: cannot give %s to %s: %s\n", dir, u->name, strerror(errno));
        return false;
    }
    printf("%s: hugetlbfs directory %s, mode 0700 (DPDK's --huge-dir for programs that "
           "keep hugepage files; pnvme's own EAL runs --in-memory)\n", u->name, dir);
    return true;
}
