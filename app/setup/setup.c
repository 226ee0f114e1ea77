/* pnvme-setup: list NVMe functions (found with libpciaccess), hand them to
 * vfio-pci for pnvme or back to the kernel's nvme driver (through sysfs),
 * reserve 2 MiB hugepages, set a non-root user up to run pnvme, and remove
 * hugepage files dead processes left. SPDK setup.sh's variables work too. */
#include "setup.h"

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pciaccess.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NVME_CLASS 0x010802u   /* mass storage, non-volatile memory, NVMe */
#define HUGEPAGES_2M HUGEPAGES_2M_DIR "/nr_hugepages"
#define HUGETLBFS_DIR "/dev/hugepages"


static const char usage_text[] =
    "Usage: pnvme-setup [--hugemem MB] [--user NAME] [--json] [COMMAND [BDF...]]\n"
    "Hand NVMe controllers to vfio-pci for pnvme, and back to the kernel.\n"
    "\n"
    "Commands:\n"
    "  status          list NVMe functions: address, ids, driver, IOMMU group,\n"
    "                  NUMA node, block devices, whether they are in use\n"
    "                  (the default); --json: one JSON document\n"
    "  bind [BDF...]   bind to vfio-pci (default: every NVMe function); refuses\n"
    "                  a device whose block devices are mounted or in use\n"
    "  config [BDF...] the same as bind (SPDK setup.sh's word)\n"
    "  reset [BDF...]  give back to the kernel's nvme driver\n"
    "  cleanup         remove hugepage files that dead DPDK processes left\n"
    "                  (<prefix>map_N in hugetlbfs, no lock, not open or mapped)\n"
    "  help            this text\n"
    "\n"
    "Options:\n"
    "  --hugemem MB    reserve MB MiB of 2 MiB hugepages and mount hugetlbfs at\n"
    "                  " HUGETLBFS_DIR " if none is mounted (alone or with a command)\n"
    "  --user NAME     with bind/config: let user NAME run pnvme: the vfio group\n"
    "                  nodes become NAME's (mode 0600), a hugetlbfs directory of\n"
    "                  its own, and a memlock limit in /etc/security/limits.d\n"
    "  --json          with status: JSON on stdout\n"
    "  -h, --help      this text\n"
    "  --version       the version (pnvme-setup X.Y.Z), nothing else\n"
    "\n"
    "Environment (SPDK setup.sh's names; options win):\n"
    "  HUGEMEM=MB          as --hugemem, for bind/config\n"
    "  PCI_ALLOWED=\"BDF..\" only these functions (bind, config, reset)\n"
    "  PCI_BLOCKED=\"BDF..\" never these functions\n"
    "  TARGET_USER=NAME    as --user\n"
    "Other PCI_* and HUGE* variables are warned about and ignored.\n"
    "\n"
    "BDF is a PCI address, dddd:bb:dd.f or bb:dd.f (domain 0000).\n"
    "bind, config, reset, cleanup and --hugemem need root. Exit status: 0 done,\n"
    "1 failed, 2 bad command line. docs/setup.md says more.\n";

/* Every message is one line on stderr, prefixed with the program name. */
static void error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pnvme-setup: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* Reads 1..max hex digits at *p into *val and steps over them. */
static bool hex_field(const char **p, int max, unsigned long *val)
{
    int n = 0;
    *val = 0;
    while (n < max && isxdigit((unsigned char)**p)) {
        char c = (char)tolower((unsigned char)**p);
        *val = *val * 16 + (unsigned long)(isdigit((unsigned char)c) ? c - '0' : c - 'a' + 10);
        (*p)++;
        n++;
    }
    return n > 0;
}

bool parse_bdf(const char *s, char out[BDF_LEN])
{
    unsigned long dom = 0, bus, dev, fn;
    const char *p = s;
    if (strchr(s, ':') != strrchr(s, ':')) {   /* two colons: has a domain */
        if (!hex_field(&p, 8, &dom) || *p++ != ':')
            return false;
    }
    if (!hex_field(&p, 2, &bus) || *p++ != ':' || !hex_field(&p, 2, &dev) ||
        *p++ != '.' || !hex_field(&p, 1, &fn) || *p != '\0')
        return false;
    if (dev > 0x1f || fn > 7)
        return false;
    snprintf(out, BDF_LEN, "%04lx:%02lx:%02lx.%lx", dom, bus, dev, fn);
    return true;
}

static void func_from(struct func *f, const struct pci_device *d)
{
    snprintf(f->bdf, sizeof(f->bdf), "%04x:%02x:%02x.%x",
             d->domain, d->bus, d->dev, d->func);
    f->vendor = d->vendor_id;
    f->device = d->device_id;
}

/* Every NVMe function, in the order libpciaccess lists them. */
static int find_all(struct func *out, int max)
{
    struct pci_id_match match = {
        .vendor_id = PCI_MATCH_ANY, .device_id = PCI_MATCH_ANY,
        .subvendor_id = PCI_MATCH_ANY, .subdevice_id = PCI_MATCH_ANY,
        .device_class = NVME_CLASS, .device_class_mask = 0xffffff,
    };
    struct pci_device_iterator *it = pci_id_match_iterator_create(&match);
    struct pci_device *d;
    int n = 0;
    while (it && n < max && (d = pci_device_next(it)) != NULL)
        func_from(&out[n++], d);
    pci_iterator_destroy(it);
    return n;
}

/* The function at BDF; false (after saying why) if absent or not NVMe. */
static bool find_one(const char *bdf, struct func *out)
{
    unsigned dom, bus, dev, fn;
    sscanf(bdf, "%x:%x:%x.%x", &dom, &bus, &dev, &fn);
    struct pci_slot_match match = { .domain = dom, .bus = bus, .dev = dev, .func = fn };
    struct pci_device_iterator *it = pci_slot_match_iterator_create(&match);
    struct pci_device *d = it ? pci_device_next(it) : NULL;
    bool ok = false;
    if (!d)
        error("%s: no such PCI device", bdf);
    else if ((d->device_class & 0xffffff) != NVME_CLASS)
        error("%s: not an NVMe controller (class 0x%06x)", bdf, d->device_class & 0xffffff);
    else {
        func_from(out, d);
        ok = true;
    }
    pci_iterator_destroy(it);
    return ok;
}

static int g_skipped;   /* functions PCI_ALLOWED/PCI_BLOCKED left out */

/* The functions a command acts on: those named, or all. With FILTER, those
 * PCI_ALLOWED/PCI_BLOCKED leave out are skipped (said on stdout), or refused
 * when named. -1 after an error. */
static int select_funcs(char **bdfs, int nbdf, struct func *out, int max,
                        const struct setup_env *filter)
{
    if (nbdf == 0) {
        int all = find_all(out, max), n = 0;
        for (int i = 0; i < all; i++) {
            const char *why = filter ? setup_env_excludes(filter, out[i].bdf) : NULL;
            if (why) {
                printf("%s: skipped: %s\n", out[i].bdf, why);
                g_skipped++;
            }
            else
                out[n++] = out[i];
        }
        return n;
    }
    int n = 0;
    bool ok = true;
    for (int i = 0; i < nbdf && n < max; i++) {
        char bdf[BDF_LEN];
        parse_bdf(bdfs[i], bdf);  /* syntax was checked in main */
        const char *why = filter ? setup_env_excludes(filter, bdf) : NULL;
        if (why) {
            error("%s: named, but %s; not touching it", bdf, why);
            ok = false;
        } else if (find_one(bdf, &out[n])) {
            n++;
        } else {
            ok = false;
        }
    }
    return ok ? n : -1;
}

/* modprobe NAME; says why when it cannot. */
static bool modprobe(const char *name)
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        error("cannot run modprobe: %s", strerror(errno));
        return false;
    }
    if (pid == 0) {
        execlp("modprobe", "modprobe", name, (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st)) {
        error("modprobe %s did not finish", name);
        return false;
    }
    if (WEXITSTATUS(st) == 127) {
        error("driver %s is not loaded and modprobe is not available: load it yourself", name);
        return false;
    }
    if (WEXITSTATUS(st) != 0) {
        error("modprobe %s failed (exit %d)", name, WEXITSTATUS(st));
        return false;
    }
    return true;
}

/* Driver NAME registered with the PCI bus, loading its module if needed. */
static bool have_driver(const char *name)
{
    char path[PATH_MAX];
    path_fmt(path, sizeof(path), PCI_DRIVERS "/%s", name);
    if (sysfs_exists(path))
        return true;
    if (!modprobe(name))
        return false;
    if (sysfs_exists(path))
        return true;
    error("modprobe %s succeeded but %s does not exist", name, path);
    return false;
}

static bool noiommu_mode(void)
{
    char val[8];
    return sysfs_read("/sys/module/vfio/parameters/enable_unsafe_noiommu_mode",
                     val, sizeof(val)) == 0 && (val[0] == 'Y' || val[0] == '1');
}

static int dev_write(const char *bdf, const char *attr, const char *val)
{
    char path[PATH_MAX];
    path_fmt(path, sizeof(path), PCI_DEVICES "/%s/%s", bdf, attr);
    return sysfs_write(path, val);
}

/* Moves BDF to driver TARGET: driver_override first, so no other driver
 * can claim it between the unbind and the probe. */
static bool rebind(const char *bdf, const char *target, const char *override)
{
    char driver[NAME_LEN];
    int err = dev_write(bdf, "driver_override", override);
    if (err < 0) {
        error("%s: cannot set driver_override: %s", bdf, strerror(-err));
        return false;
    }
    func_driver(bdf, driver, sizeof(driver));
    if (strcmp(driver, "none") != 0 && (err = dev_write(bdf, "driver/unbind", bdf)) < 0) {
        error("%s: cannot unbind from %s: %s", bdf, driver, strerror(-err));
        return false;
    }
    /* An error here only means no driver took it; checked just below. */
    sysfs_write("/sys/bus/pci/drivers_probe", bdf);
    func_driver(bdf, driver, sizeof(driver));
    if (strcmp(driver, target) != 0) {
        error("%s: did not bind to %s (driver now: %s)", bdf, target, driver);
        return false;
    }
    return true;
}

/* devtmpfs creates the group's node when vfio-pci binds; give it a moment. */
static bool wait_vfio_node(const char *group, char *node, size_t len)
{
    struct timespec tick = { 0, 10 * 1000 * 1000 };
    for (int i = 0; i < 100; i++) {
        if (vfio_group_node(group, node, len))
            return true;
        nanosleep(&tick, NULL);
    }
    return false;
}

/* The user bind/config sets up (--user, TARGET_USER), or NULL. */
static const struct target_user *g_user;
static int g_bound;   /* functions on vfio-pci after bind */

static bool bind_one(const struct func *f)
{
    char driver[NAME_LEN], group[NAME_LEN], why[WHY_LEN], node[PATH_MAX];
    func_driver(f->bdf, driver, sizeof(driver));
    func_iommu_group(f->bdf, group, sizeof(group));
    if (strcmp(group, "none") == 0 && !noiommu_mode()) {
        error("%s: no IOMMU group: boot with intel_iommu=on iommu=pt (or amd_iommu=on), "
              "or load vfio with enable_unsafe_noiommu_mode=1", f->bdf);
        return false;
    }
    if (strcmp(driver, "vfio-pci") != 0) {
        /* /proc/mounts and friends first: they say more, but only about
         * this mount namespace. Then what the kernel itself says. */
        if (func_in_use(f->bdf, why, sizeof(why))) {
            error("%s: in use: %s; not binding it", f->bdf, why);
            return false;
        }
        int busy = func_blocks_check(f->bdf, why, sizeof(why));
        if (busy < 0) {
            error("%s: %s%s; not binding it", f->bdf, busy == -EBUSY ? "in use: " : "", why);
            return false;
        }
        if (!rebind(f->bdf, "vfio-pci", "vfio-pci"))
            return false;
        func_iommu_group(f->bdf, group, sizeof(group));  /* noiommu: made on bind */
    }
    if (!wait_vfio_node(group, node, sizeof(node))) {
        error("%s: bound to vfio-pci but /dev/vfio/%s did not appear", f->bdf, group);
        return false;
    }
    printf("%s: %s vfio-pci, IOMMU group %s, %s\n", f->bdf,
           strcmp(driver, "vfio-pci") == 0 ? "already on" : "bound to", group, node);
    g_bound++;
    return g_user ? user_grant_node(g_user, f->bdf, node) : true;
}

/* After bind --user: what the user needs beside the group nodes. */
static bool grant_user_rest(void)
{
    char where[512];
    bool ok = true;
    if (hugetlbfs_mounted(where, sizeof(where)))
        ok = user_grant_hugetlbfs(g_user, where);
    else
        printf("%s: no hugetlbfs mounted: pnvme will use ordinary memory (--no-huge); "
               "--hugemem MB reserves and mounts\n", g_user->name);
    return user_grant_memlock(g_user) && ok;
}

static bool reset_one(const struct func *f)
{
    char driver[NAME_LEN], why[WHY_LEN];
    func_driver(f->bdf, driver, sizeof(driver));
    if (strcmp(driver, "nvme") == 0) {
        printf("%s: already on nvme\n", f->bdf);
        return true;
    }
    if (func_in_use(f->bdf, why, sizeof(why))) {
        error("%s: in use: %s; not resetting it", f->bdf, why);
        return false;
    }
    if (!rebind(f->bdf, "nvme", "\n"))   /* "\n" clears driver_override */
        return false;
    printf("%s: bound to nvme\n", f->bdf);
    return true;
}

bool hugetlbfs_mounted(char *where, size_t len)
{
    FILE *f = fopen("/proc/mounts", "re");
    if (!f)
        return false;
    char line[1024], dev[256], mnt[512], type[64];
    bool found = false;
    while (!found && fgets(line, sizeof(line), f))
        if (sscanf(line, "%255s %511s %63s", dev, mnt, type) == 3 && strcmp(type, "hugetlbfs") == 0) {
            snprintf(where, len, "%s", mnt);
            found = true;
        }
    fclose(f);
    return found;
}

unsigned long hugepages_now(const char *knob)
{
    char val[32];
    return sysfs_read(knob, val, sizeof(val)) == 0 ? strtoul(val, NULL, 10) : 0;
}

/* Reserve MB MiB of 2 MiB pages and make sure hugetlbfs is mounted. The
 * kernel may give fewer pages than asked when memory is fragmented. */
static bool reserve_hugemem(unsigned long mb)
{
    unsigned long want = (mb + 1) / 2;
    char val[32], where[512];
    snprintf(val, sizeof(val), "%lu", want);
    int err = sysfs_write(HUGEPAGES_2M, val);
    if (err == -ENOENT) {
        error("this kernel has no 2 MiB hugepages (%s missing)", HUGEPAGES_2M);
        return false;
    }
    if (err < 0) {
        error("cannot write %s: %s", HUGEPAGES_2M, strerror(-err));
        return false;
    }
    unsigned long got = hugepages_now(HUGEPAGES_2M);
    if (!hugetlbfs_mounted(where, sizeof(where))) {
        if (mkdir(HUGETLBFS_DIR, 0755) < 0 && errno != EEXIST) {
            error("cannot create %s: %s", HUGETLBFS_DIR, strerror(errno));
            return false;
        }
        if (mount("nodev", HUGETLBFS_DIR, "hugetlbfs", 0, "pagesize=2M") < 0) {
            error("cannot mount hugetlbfs at %s: %s", HUGETLBFS_DIR, strerror(errno));
            return false;
        }
        snprintf(where, sizeof(where), "%s (mounted now)", HUGETLBFS_DIR);
    }
    printf("hugepages: %lu x 2 MiB reserved (%lu MiB), hugetlbfs at %s\n", got, got * 2, where);
    if (got < want) {
        error("only %lu of %lu hugepages could be reserved (not enough free memory)", got, want);
        return false;
    }
    return true;
}

/* "nvme0n1,nvme0n2" or "-". */
static void block_list(const char *bdf, char *buf, size_t len)
{
    char names[MAX_BLOCK][NAME_LEN];
    int n = func_block_devices(bdf, names, MAX_BLOCK);
    size_t used = 0;
    snprintf(buf, len, "-");
    for (int i = 0; i < n && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? "," : "", names[i]);
}

static int cmd_status(const struct func *funcs, int n, const struct setup_env *env)
{
    char driver[NAME_LEN], group[NAME_LEN], why[WHY_LEN], blocks[256], numa[16], where[512];
    if (n == 0)
        printf("no NVMe functions found\n");
    else
        printf("%-13s %-9s %-9s %-5s %-4s %-15s %s\n",
               "BDF", "ID", "DRIVER", "IOMMU", "NUMA", "BLOCK", "USE");
    for (int i = 0; i < n; i++) {
        const char *bdf = funcs[i].bdf;
        func_driver(bdf, driver, sizeof(driver));
        func_iommu_group(bdf, group, sizeof(group));
        block_list(bdf, blocks, sizeof(blocks));
        int node = func_numa_node(bdf);
        if (node < 0)
            snprintf(numa, sizeof(numa), "-");
        else
            snprintf(numa, sizeof(numa), "%d", node);
        bool busy = func_in_use(bdf, why, sizeof(why));
        const char *excluded = setup_env_excludes(env, bdf);
        printf("%-13s %04x:%04x %-9s %-5s %-4s %-15s %s%s%s%s\n", bdf, funcs[i].vendor,
               funcs[i].device, driver, group, numa, blocks, busy ? "in use: " : "free",
               busy ? why : "", excluded ? "; skipped: " : "", excluded ? excluded : "");
    }
    unsigned long total = hugepages_now(HUGEPAGES_2M);
    unsigned long free_pages = hugepages_now(HUGEPAGES_2M_DIR "/free_hugepages");
    printf("hugepages: %lu x 2 MiB reserved, %lu free; hugetlbfs %s\n", total, free_pages,
           hugetlbfs_mounted(where, sizeof(where)) ? where : "not mounted");
    return 0;
}

static int cmd_each(const struct func *funcs, int n, bool (*op)(const struct func *))
{
    bool ok = true;
    if (n == 0)
        printf(g_skipped ? "no NVMe function left to act on\n" : "no NVMe functions found\n");
    for (int i = 0; i < n; i++)
        ok = op(&funcs[i]) && ok;
    return ok ? 0 : 1;
}

static int usage_error(const char *fmt, const char *arg)
{
    fputs("pnvme-setup: ", stderr);
    fprintf(stderr, fmt, arg);
    fputs(" (see --help)\n", stderr);
    return EXIT_USAGE;
}

bool parse_mb(const char *s, unsigned long *mb)
{
    char *end;
    errno = 0;
    if (!isdigit((unsigned char)s[0]))
        return false;
    *mb = strtoul(s, &end, 10);
    return errno == 0 && *end == '\0' && *mb <= 16ul * 1024 * 1024;
}

static bool is_cmd(const char *cmd, const char *name)
{
    return strcmp(cmd, name) == 0;
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        { "help", no_argument, NULL, 'h' },
        { "hugemem", required_argument, NULL, 'm' },
        { "user", required_argument, NULL, 'u' },
        { "json", no_argument, NULL, 'j' },
        { "version", no_argument, NULL, 'V' },
        { NULL, 0, NULL, 0 },
    };
    unsigned long mb = 0;
    bool hugemem = false, json = false;
    const char *user = NULL;
    int c;

    opterr = 0;   /* our own one-line messages */
    while ((c = getopt_long(argc, argv, ":h", opts, NULL)) != -1) {
        switch (c) {
        case 'h':
            fputs(usage_text, stdout);
            return 0;
        case 'V':   /* the Makefile's version: this tool does not link the driver */
            printf("pnvme-setup %s\n", PNVME_VERSION);
            return 0;
        case 'm':
            if (!parse_mb(optarg, &mb))
                return usage_error("--hugemem wants a number of MiB, not '%s'", optarg);
            hugemem = true;
            break;
        case 'u':
            if (!optarg[0])
                return usage_error("--user wants a user name%s", "");
            user = optarg;
            break;
        case 'j':
            json = true;
            break;
        case ':':
            return usage_error("%s needs a value", argv[optind - 1]);
        default:
            return usage_error("unknown option '%s'", argv[optind - 1]);
        }
    }

    const char *cmd = optind < argc ? argv[optind++] : (hugemem ? "" : "status");
    char **bdfs = &argv[optind];
    int nbdf = argc - optind;
    if (is_cmd(cmd, "help")) {
        fputs(usage_text, stdout);
        return 0;
    }
    if (is_cmd(cmd, "config"))
        cmd = "bind";
    bool bind = is_cmd(cmd, "bind"), reset = is_cmd(cmd, "reset"), status = is_cmd(cmd, "status");
    bool cleanup = is_cmd(cmd, "cleanup");
    if (!bind && !reset && !status && !cleanup && cmd[0])
        return usage_error("unknown command '%s'", cmd);
    for (int i = 0; i < nbdf; i++) {
        char bdf[BDF_LEN];
        if (cleanup)
            return usage_error("cleanup takes no PCI address ('%s')", bdfs[i]);
        if (!parse_bdf(bdfs[i], bdf))
            return usage_error("'%s' is not a PCI address (dddd:bb:dd.f or bb:dd.f)", bdfs[i]);
    }
    if (user && !bind)
        return usage_error("--user goes with bind or config, not '%s'", cmd[0] ? cmd : "--hugemem");
    if (json && !status)
        return usage_error("--json goes with status, not '%s'", cmd[0] ? cmd : "--hugemem");

    struct setup_env env;
    int rc = setup_env_read(&env);
    if (rc)
        return rc;
    if (bind && !hugemem && env.hugemem) {
        hugemem = true;
        mb = env.hugemem_mb;
    }
    if (bind && !user)
        user = env.target_user;
    if (!json)
        setup_env_print(&env);

    if ((hugemem || bind || reset || cleanup) && geteuid() != 0) {
        error("%s needs root", hugemem ? "--hugemem" : cmd);
        return 1;
    }
    struct target_user target;
    if (user) {
        if (!user_lookup(user, &target))
            return 1;
        g_user = &target;
    }

    if (hugemem && !reserve_hugemem(mb))
        rc = 1;
    if (!cmd[0])
        return rc;
    if (cleanup)
        return cmd_cleanup() | rc;

    int err = pci_system_init();
    if (err) {
        error("cannot scan PCI devices: %s", strerror(err));
        return 1;
    }
    static struct func funcs[MAX_FUNCS];
    int n = select_funcs(bdfs, nbdf, funcs, MAX_FUNCS, status ? NULL : &env);
    if (n < 0)
        rc = 1;
    if (status && json)
        rc |= cmd_status_json(funcs, n < 0 ? 0 : n, &env);
    else if (n < 0)
        ;
    else if (status)
        rc |= cmd_status(funcs, n, &env);
    else if (bind) {
        rc |= (n > 0 && !have_driver("vfio-pci")) ? 1 : cmd_each(funcs, n, bind_one);
        if (g_user && g_bound > 0 && !grant_user_rest())
            rc = 1;
    } else
        rc |= (n > 0 && !have_driver("nvme")) ? 1 : cmd_each(funcs, n, reset_one);
    pci_system_cleanup();
    return rc;
}
