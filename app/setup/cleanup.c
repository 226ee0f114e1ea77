/* pnvme-setup cleanup: hugepage files that DPDK programs left behind when
 * they died (killed, crashed) hold their pages until someone removes them.
 * DPDK names them <prefix>map_<n> (rtemap_0, spdk_pid42map_3) in a hugetlbfs
 * mount or a directory under it (--huge-dir), and a live process holds a
 * shared flock on each file it uses. A file is stale when an exclusive lock
 * is granted (no flock, no fcntl record lock) and no process has it open or
 * mapped (/proc/PID/fd, /proc/PID/map_files): it is removed, as DPDK's own
 * start-up does for its prefix. Anything else is left alone. */
#include "setup.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct tally {
    unsigned removed, kept, failed;
    unsigned long long bytes;
};

/* "<anything>map_<digits>": DPDK's name for a hugepage file. */
static bool dpdk_name(const char *name)
{
    const char *m = strstr(name, "map_");
    const char *last = NULL;
    while (m) {
        last = m;
        m = strstr(m + 1, "map_");
    }
    if (!last || !last[4])
        return false;
    for (const char *p = last + 4; *p; p++)
        if (!isdigit((unsigned char)*p))
            return false;
    return true;
}

/* A process that has DEV:INO open or mapped; writes "pid N (comm)" to WHO. */
static bool open_or_mapped(dev_t dev, ino_t ino, char *who, size_t len)
{
    static const char *const dirs[] = { "fd", "map_files" };
    DIR *proc = opendir("/proc");
    if (!proc)
        return false;
    struct dirent *p;
    bool found = false;
    while (!found && (p = readdir(proc)) != NULL) {
        if (!isdigit((unsigned char)p->d_name[0]) || (pid_t)atoi(p->d_name) == getpid())
            continue;
        for (int k = 0; k < 2 && !found; k++) {
            char dpath[PATH_MAX];
            path_fmt(dpath, sizeof(dpath), "/proc/%s/%s", p->d_name, dirs[k]);
            DIR *d = opendir(dpath);
            if (!d)
                continue;
            struct dirent *e;
            while (!found && (e = readdir(d)) != NULL) {
                char link[PATH_MAX];
                struct stat st;
                if (e->d_name[0] == '.' || !path_fmt(link, sizeof(link), "%s/%s", dpath, e->d_name))
                    continue;
                if (stat(link, &st) == 0 && st.st_dev == dev && st.st_ino == ino) {
                    char comm_path[PATH_MAX], comm[64] = "?";
                    path_fmt(comm_path, sizeof(comm_path), "/proc/%s/comm", p->d_name);
                    sysfs_read(comm_path, comm, sizeof(comm));
                    snprintf(who, len, "pid %d (%.64s) has it %s", atoi(p->d_name), comm,
                             k == 0 ? "open" : "mapped");
                    found = true;
                }
            }
            closedir(d);
        }
    }
    closedir(proc);
    return found;
}

/* A record (fcntl) lock someone else holds on any byte of the file. */
static bool record_locked(int fd)
{
    struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 0 };
    return fcntl(fd, F_GETLK, &fl) == 0 && fl.l_type != F_UNLCK;
}

static void clean_file(const char *path, struct tally *t)
{
    char who[160];
    struct stat st;
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0 || fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        return;   /* gone meanwhile, or not a plain file: not ours to judge */
    }
    const char *held = NULL;
    if (flock(fd, LOCK_EX | LOCK_NB) < 0)
        held = errno == EWOULDBLOCK ? "a process holds a lock on it" : "cannot lock it";
    else if (record_locked(fd))
        held = "a process holds a record lock on it";
    else if (open_or_mapped(st.st_dev, st.st_ino, who, sizeof(who)))
        held = who;
    if (held) {
        printf("kept %s: %s\n", path, held);
        t->kept++;
    } else if (unlink(path) < 0) {
        fprintf(stderr, "pnvme-setup: cannot remove %s: %s\n", path, strerror(errno));
        t->failed++;
    } else {
        printf("removed %s (%lld bytes; no live process uses it)\n", path, (long long)st.st_size);
        t->removed++;
        t->bytes += (unsigned long long)st.st_size;
    }
    close(fd);
}

/* DPDK's files in DIR, and in its subdirectories when DEPTH allows. */
static void clean_dir(const char *dir, int depth, struct tally *t)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "pnvme-setup: cannot read %s: %s\n", dir, strerror(errno));
        t->failed++;
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char path[PATH_MAX];
        struct stat st;
        if (e->d_name[0] == '.' || !path_fmt(path, sizeof(path), "%s/%s", dir, e->d_name) ||
            lstat(path, &st) < 0)
            continue;
        if (S_ISDIR(st.st_mode) && depth > 0)
            clean_dir(path, depth - 1, t);
        else if (S_ISREG(st.st_mode) && dpdk_name(e->d_name))
            clean_file(path, t);
    }
    closedir(d);
}

int cmd_cleanup(void)
{
    FILE *f = fopen("/proc/mounts", "re");
    if (!f) {
        fprintf(stderr, "pnvme-setup: cannot read /proc/mounts: %s\n", strerror(errno));
        return 1;
    }
    struct tally t = { 0, 0, 0, 0 };
    char line[1024], dev[256], mnt[512], type[64];
    int mounts = 0;
    while (fgets(line, sizeof(line), f))
        if (sscanf(line, "%255s %511s %63s", dev, mnt, type) == 3 &&
            strcmp(type, "hugetlbfs") == 0) {
            mounts++;
            clean_dir(mnt, 1, &t);   /* the mount and per-user directories under it */
        }
    fclose(f);
    if (mounts == 0)
        printf("cleanup: no hugetlbfs mounted, nothing to clean\n");
    else
        printf("cleanup: %u stale hugepage file(s) removed (%llu MiB), %u in use kept\n",
               t.removed, t.bytes >> 20, t.kept);
    return t.failed ? 1 : 0;
}
