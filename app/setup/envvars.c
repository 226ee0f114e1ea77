/* pnvme-setup: the environment variables of SPDK's scripts/setup.sh that
 * pnvme-setup honours (HUGEMEM, PCI_ALLOWED, PCI_BLOCKED, TARGET_USER), and a
 * warning for any other name in that vocabulary, so a misspelt or
 * unsupported variable is never ignored silently. */
#include "setup.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern char **environ;

/* setup.sh's variables that pnvme-setup does not implement, and what to use. */
static const struct {
    const char *name, *instead;
} unsupported[] = {
    { "NRHUGE", "HUGEMEM (MiB)" },
    { "HUGENODE", "HUGEMEM (pages are spread over nodes by the kernel)" },
    { "HUGEPGSZ", "HUGEMEM (2 MiB pages only)" },
    { "HUGE_EVEN_ALLOC", "HUGEMEM" },
    { "CLEAR_HUGE", "'pnvme-setup cleanup'" },
    { "PCI_WHITELIST", "PCI_ALLOWED" },
    { "PCI_BLACKLIST", "PCI_BLOCKED" },
    { "DRIVER_OVERRIDE", "nothing: pnvme-setup binds vfio-pci only" },
    { "SKIP_PCI", "'pnvme-setup --hugemem MB' without a command" },
    { "UNBIND_ENTIRE_IOMMU_GROUP", "nothing: bind the group's NVMe functions by name" },
};

/* Names in our prefixes that belong to someone else: libhugetlbfs reads
 * HUGETLB_*, and udev runs programs with the kernel's PCI uevent variables. */
static bool someone_elses(const char *name, size_t len)
{
    static const char *const theirs[] = { "PCI_CLASS", "PCI_ID", "PCI_SUBSYS_ID", "PCI_SLOT_NAME" };
    if (len >= 8 && strncmp(name, "HUGETLB_", 8) == 0)
        return true;
    for (size_t i = 0; i < sizeof(theirs) / sizeof(theirs[0]); i++)
        if (strlen(theirs[i]) == len && strncmp(name, theirs[i], len) == 0)
            return true;
    return false;
}

static bool is(const char *name, size_t len, const char *what)
{
    return strlen(what) == len && strncmp(name, what, len) == 0;
}

/* One warning for each variable in setup.sh's vocabulary (PCI_*, HUGE*, or
 * one of its names) that pnvme-setup does not read. */
static void warn_unknown(void)
{
    for (char **e = environ; *e; e++) {
        const char *name = *e, *eq = strchr(name, '=');
        size_t len = eq ? (size_t)(eq - name) : strlen(name);
        if (is(name, len, "HUGEMEM") || is(name, len, "PCI_ALLOWED") ||
            is(name, len, "PCI_BLOCKED") || is(name, len, "TARGET_USER") ||
            someone_elses(name, len))
            continue;
        bool known = false;
        for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++) {
            if (is(name, len, unsupported[i].name)) {
                fprintf(stderr, "pnvme-setup: warning: %s (setup.sh) is not supported, "
                        "ignored; use %s\n", unsupported[i].name, unsupported[i].instead);
                known = true;
            }
        }
        if (!known && ((len > 4 && strncmp(name, "PCI_", 4) == 0) ||
                       (len > 4 && strncmp(name, "HUGE", 4) == 0)))
            fprintf(stderr, "pnvme-setup: warning: unknown variable %.*s ignored (pnvme-setup "
                    "reads HUGEMEM, PCI_ALLOWED, PCI_BLOCKED, TARGET_USER)\n", (int)len, name);
    }
}

/* A list of PCI addresses separated by spaces, tabs, newlines or commas,
 * each normalized; an empty list is none. false, after one line, on a bad one. */
static bool parse_list(const char *var, struct bdf_list *list)
{
    const char *s = getenv(var);
    list->set = s != NULL && s[strspn(s, " \t\n,")] != '\0';
    list->n = 0;
    if (!list->set)
        return true;
    while (*s) {
        size_t skip = strspn(s, " \t\n,"), len;
        s += skip;
        len = strcspn(s, " \t\n,");
        if (len == 0)
            break;
        char word[64], bdf[BDF_LEN];
        snprintf(word, sizeof(word), "%.*s", (int)(len < sizeof(word) - 1 ? len : sizeof(word) - 1), s);
        if (len >= sizeof(word) || !parse_bdf(word, bdf)) {
            fprintf(stderr, "pnvme-setup: %s: '%.*s' is not a PCI address (dddd:bb:dd.f or "
                    "bb:dd.f) (see --help)\n", var, (int)len, s);
            return false;
        }
        if (list->n >= MAX_LISTED) {
            fprintf(stderr, "pnvme-setup: %s: more than %d addresses (see --help)\n", var,
                    MAX_LISTED);
            return false;
        }
        memcpy(list->bdf[list->n++], bdf, BDF_LEN);
        s += len;
    }
    return true;
}

bool bdf_list_has(const struct bdf_list *list, const char *bdf)
{
    for (int i = 0; i < list->n; i++)
        if (strcmp(list->bdf[i], bdf) == 0)
            return true;
    return false;
}

int setup_env_read(struct setup_env *env)
{
    memset(env, 0, sizeof(*env));
    warn_unknown();
    const char *mb = getenv("HUGEMEM");
    if (mb && mb[0]) {
        if (!parse_mb(mb, &env->hugemem_mb)) {
            fprintf(stderr, "pnvme-setup: HUGEMEM wants a number of MiB, not '%s' (see --help)\n",
                    mb);
            return EXIT_USAGE;
        }
        env->hugemem = true;
    }
    if (!parse_list("PCI_ALLOWED", &env->allowed) || !parse_list("PCI_BLOCKED", &env->blocked))
        return EXIT_USAGE;
    const char *user = getenv("TARGET_USER");
    env->target_user = user && user[0] ? user : NULL;
    return 0;
}

/* NULL when BDF is selected, else which variable leaves it out. */
const char *setup_env_excludes(const struct setup_env *env, const char *bdf)
{
    if (bdf_list_has(&env->blocked, bdf))
        return "PCI_BLOCKED lists it";
    if (env->allowed.set && !bdf_list_has(&env->allowed, bdf))
        return "PCI_ALLOWED does not list it";
    return NULL;
}

static void print_list(const char *var, const struct bdf_list *list, const char *meaning)
{
    if (!list->set)
        return;
    printf("environment: %s=", var);
    for (int i = 0; i < list->n; i++)
        printf("%s%s", i ? " " : "", list->bdf[i]);
    printf(" (%s)\n", meaning);
}

void setup_env_print(const struct setup_env *env)
{
    if (env->hugemem)
        printf("environment: HUGEMEM=%lu (MiB of 2 MiB hugepages to reserve on bind/config)\n",
               env->hugemem_mb);
    print_list("PCI_ALLOWED", &env->allowed, "only these functions");
    print_list("PCI_BLOCKED", &env->blocked, "never these functions");
    if (env->target_user)
        printf("environment: TARGET_USER=%s (the user bind/config sets up to run pnvme)\n",
               env->target_user);
}
