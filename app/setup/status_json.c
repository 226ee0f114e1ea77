/* pnvme-setup status --json: what `status` prints, as one JSON document on
 * stdout for scripts (docs/setup.md lists every field). */
#include "setup.h"

#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void json_str(const char *s)
{
    putchar('"');
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            printf("\\%c", c);
        else if (c < 0x20)
            printf("\\u%04x", c);
        else
            putchar(c);
    }
    putchar('"');
}

/* A string, or null for "none" (no driver, no IOMMU group). */
static void json_str_or_null(const char *s)
{
    if (!s || strcmp(s, "none") == 0)
        fputs("null", stdout);
    else
        json_str(s);
}

static void json_list(const struct bdf_list *l)
{
    if (!l->set) {
        fputs("null", stdout);
        return;
    }
    putchar('[');
    for (int i = 0; i < l->n; i++) {
        fputs(i ? ", " : "", stdout);
        json_str(l->bdf[i]);
    }
    putchar(']');
}

static void json_environment(const struct setup_env *env)
{
    fputs("  \"environment\": {\"HUGEMEM\": ", stdout);
    if (env->hugemem)
        printf("%lu", env->hugemem_mb);
    else
        fputs("null", stdout);
    fputs(", \"PCI_ALLOWED\": ", stdout);
    json_list(&env->allowed);
    fputs(", \"PCI_BLOCKED\": ", stdout);
    json_list(&env->blocked);
    fputs(", \"TARGET_USER\": ", stdout);
    json_str_or_null(env->target_user);
    fputs("},\n", stdout);
}

/* The vfio group node's path and owner, or nulls. */
static void json_vfio_node(const char *driver, const char *group)
{
    char node[PATH_MAX];
    struct stat st;
    if (strcmp(driver, "vfio-pci") != 0 || !vfio_group_node(group, node, sizeof(node)) ||
        stat(node, &st) < 0) {
        fputs(", \"vfio_node\": null, \"vfio_node_owner\": null, \"vfio_node_mode\": null", stdout);
        return;
    }
    struct passwd *pw = getpwuid(st.st_uid);
    fputs(", \"vfio_node\": ", stdout);
    json_str(node);
    fputs(", \"vfio_node_owner\": ", stdout);
    if (pw)
        json_str(pw->pw_name);
    else
        printf("\"%u\"", (unsigned)st.st_uid);
    printf(", \"vfio_node_mode\": \"%04o\"", (unsigned)(st.st_mode & 07777));
}

static void json_func(const struct func *f, const struct setup_env *env, bool last)
{
    char driver[NAME_LEN], group[NAME_LEN], why[WHY_LEN], names[MAX_BLOCK][NAME_LEN];
    func_driver(f->bdf, driver, sizeof(driver));
    func_iommu_group(f->bdf, group, sizeof(group));
    int nblk = func_block_devices(f->bdf, names, MAX_BLOCK);
    int node = func_numa_node(f->bdf);
    bool busy = func_in_use(f->bdf, why, sizeof(why));
    const char *excluded = setup_env_excludes(env, f->bdf);

    fputs("    {\"bdf\": ", stdout);
    json_str(f->bdf);
    printf(", \"vendor_id\": \"0x%04x\", \"device_id\": \"0x%04x\", \"driver\": ", f->vendor,
           f->device);
    json_str_or_null(driver);
    fputs(", \"iommu_group\": ", stdout);
    json_str_or_null(group);
    if (node < 0)
        fputs(", \"numa_node\": null", stdout);
    else
        printf(", \"numa_node\": %d", node);
    fputs(", \"block_devices\": [", stdout);
    for (int i = 0; i < nblk; i++) {
        fputs(i ? ", " : "", stdout);
        json_str(names[i]);
    }
    printf("], \"in_use\": %s, \"in_use_by\": ", busy ? "true" : "false");
    json_str_or_null(busy ? why : NULL);
    json_vfio_node(driver, group);
    printf(", \"selected\": %s, \"excluded_by\": ", excluded ? "false" : "true");
    json_str_or_null(excluded);
    printf("}%s\n", last ? "" : ",");
}

int cmd_status_json(const struct func *funcs, int n, const struct setup_env *env)
{
    char where[512];
    printf("{\n  \"version\": \"%s\",\n", PNVME_VERSION);
    json_environment(env);
    fputs("  \"functions\": [\n", stdout);
    for (int i = 0; i < n; i++)
        json_func(&funcs[i], env, i + 1 == n);
    printf("  ],\n  \"hugepages\": {\"page_size_kib\": 2048, \"total\": %lu, \"free\": %lu, "
           "\"hugetlbfs\": ", hugepages_now(HUGEPAGES_2M_DIR "/nr_hugepages"),
           hugepages_now(HUGEPAGES_2M_DIR "/free_hugepages"));
    json_str_or_null(hugetlbfs_mounted(where, sizeof(where)) ? where : NULL);
    fputs("}\n}\n", stdout);
    return 0;
}
