/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The environment on DPDK's EAL: start-up (or the program's own EAL), DMA
 * memory, address translation, time.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "../../dpdk-config/eal_args.h"
#include "dma.h"
#include "eal_log.h"
#include "log.h"
#include "mem.h"
#include "pci.h"
#include "pnvme/env.h"

#define MAX_EAL_ARGS 64
static struct {
	pthread_mutex_t lock; /* init and fini */
	bool initialized;
	bool hugepages;
	bool owns_eal; /* pnvme started the EAL (and shuts it down in fini) */
	bool eal_shut; /* ... and did: DPDK cannot start one again in this process */
} g_env = {.lock = PTHREAD_MUTEX_INITIALIZER};

/* Memseg lists cached for vtophys; DPDK reserves their VA ranges at start-up. */
struct env_dma_map env_dma_map;

void pnvme_env_opts_init(struct pnvme_env_opts *opts, size_t opts_size)
{
	struct pnvme_env_opts defaults = {
		.opts_size = opts_size,
		.name = "pnvme",
		.lcores = NULL, /* the first CPU this thread may run on */
		.mem_mb = PNVME_EAL_DEFAULT_MEM_MB,
	};

	if (opts == NULL)
		return;
	if (opts_size > sizeof(defaults))
		opts_size = sizeof(defaults);
	memcpy(opts, &defaults, opts_size);
}

/* Hugepages are usable when some are free and hugetlbfs is mounted. */
static bool hugepages_available(void)
{
	char line[256];
	long free_pages = 0;
	bool mounted = false;
	FILE *f = fopen("/proc/meminfo", "r");

	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL)
		sscanf(line, "HugePages_Free: %ld", &free_pages);
	fclose(f);
	f = fopen("/proc/mounts", "r");
	if (f == NULL)
		return false;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strstr(line, " hugetlbfs ") != NULL)
			mounted = true;
	}
	fclose(f);
	return free_pages > 0 && mounted;
}

static int cache_memseg_list(const struct rte_memseg_list *msl, void *arg)
{
	(void)arg;
	struct env_dma_range *r = &env_dma_map.ranges[env_dma_map.n_ranges];

	if (env_dma_map.n_ranges == ENV_MAX_DMA_RANGES)
		return 1;
	/* External memory is the program's (or registered through pnvme_mem_register). */
	if (msl->base_va == NULL || msl->len == 0 || msl->external)
		return 0;
	r->start = (uintptr_t)msl->base_va;
	r->len = msl->len;
	env_dma_map.n_ranges++;
	return 0;
}

/*
 * Is an EAL up that pnvme did not start? rte_eal_init() counts the lcores
 * first and picks the IOVA mode later; both are set once it has returned.
 */
static bool eal_started_by_program(void)
{
	return !g_env.owns_eal && rte_lcore_count() > 0 && rte_eal_iova_mode() != RTE_IOVA_DC;
}

/* What pnvme needs of any EAL; adopted ones are checked here, with one clear line. */
static int eal_check(void)
{
	if (rte_eal_process_type() != RTE_PROC_PRIMARY) {
		PNVME_ERRLOG("env", "the EAL is a secondary process: pnvme needs a primary one "
				    "(it claims devices and maps memory itself)");
		return -ENOTSUP;
	}
	if (rte_eal_iova_mode() != RTE_IOVA_VA && rte_eal_iova_mode() != RTE_IOVA_PA) {
		PNVME_ERRLOG("env", "the EAL has no IOVA mode: rte_eal_init() did not finish");
		return -ENODEV;
	}
	return 0;
}

static void cache_memory(void)
{
	env_dma_map.n_ranges = 0;
	memset(env_dma_map.ranges, 0, sizeof(env_dma_map.ranges));
	rte_memseg_list_walk(cache_memseg_list, NULL);
	env_dma_map.iova_va = rte_eal_iova_mode() == RTE_IOVA_VA;
	env_dma_map.first_va.start = env_dma_map.first_va.end = 0;
	if (env_dma_map.iova_va && env_dma_map.n_ranges > 0) {
		env_dma_map.first_va.start = env_dma_map.ranges[0].start;
		env_dma_map.first_va.end = env_dma_map.ranges[0].start + env_dma_map.ranges[0].len;
	}
}

/* The program's EAL: its memory, IOVA mode and vfio container; its log stays its own. */
static int adopt_eal(void)
{
	int rc = eal_check();

	if (rc != 0)
		return rc;
	cache_memory();
	g_env.hugepages = rte_eal_has_hugepages() != 0;
	g_env.initialized = true;
	PNVME_INFOLOG("env", "using the EAL the program started: %s, IOVA as %s, %u memory "
			     "ranges, vfio %s",
		      g_env.hugepages ? "hugepages" : "no hugepages",
		      env_dma_map.iova_va ? "VA" : "PA", env_dma_map.n_ranges,
		      rte_vfio_is_enabled("vfio_pci") ? "enabled" : "not enabled");
	return 0;
}

/* Copy the field named f from the caller's opts if the caller's struct has it. */
#define OPT(user, opts, f)                                                          \
	do {                                                                        \
		if ((user) != NULL && offsetof(struct pnvme_env_opts, f) +          \
						  sizeof((user)->f) <=              \
					  (user)->opts_size)                        \
			(opts).f = (user)->f;                                       \
	} while (0)

static int start_eal(const struct pnvme_env_opts *user_opts)
{
	struct pnvme_env_opts opts;
	const char *argv[MAX_EAL_ARGS];
	char mem_arg[32], lcore_arg[16], log_arg[32];
	int argc = 0;
	cpu_set_t saved_affinity;
	struct rlimit saved_nofile;
	bool have_affinity, have_nofile;
	int rc;

	pnvme_env_opts_init(&opts, sizeof(opts));
	OPT(user_opts, opts, name);
	OPT(user_opts, opts, lcores);
	OPT(user_opts, opts, mem_mb);
	OPT(user_opts, opts, no_huge);
	OPT(user_opts, opts, eal_args);
	OPT(user_opts, opts, eal_argc);
	OPT(user_opts, opts, raise_fd_limit);
	if (opts.eal_argc < 0 || opts.eal_argc > MAX_EAL_ARGS - 16 ||
	    (opts.eal_argc > 0 && opts.eal_args == NULL))
		return -EINVAL;

	/* The EAL pins the calling thread to its main lcore: give the caller its CPUs back. */
	have_affinity = pthread_getaffinity_np(pthread_self(), sizeof(saved_affinity),
					       &saved_affinity) == 0;
	/* DPDK raises the soft open-file limit to the hard limit (rte_eal_memseg_init). */
	have_nofile = getrlimit(RLIMIT_NOFILE, &saved_nofile) == 0;
	g_env.hugepages = !opts.no_huge && hugepages_available();
	argv[argc++] = opts.name ? opts.name : "pnvme";
	argv[argc++] = "-l";
	if (opts.lcores == NULL) {
		/* EAL refuses a main lcore outside the process's CPU set (taskset). */
		int cpu = 0;

		if (have_affinity) {
			while (cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &saved_affinity))
				cpu++;
		}
		snprintf(lcore_arg, sizeof(lcore_arg), "%d", cpu < CPU_SETSIZE ? cpu : 0);
	}
	argv[argc++] = opts.lcores ? opts.lcores : lcore_arg;
	for (const char *a[] = {PNVME_EAL_ARGS_ALWAYS, NULL}, **p = a; *p; p++)
		argv[argc++] = *p;
	if (g_env.hugepages) {
		for (const char *a[] = {PNVME_EAL_ARGS_HUGE, NULL}, **p = a; *p; p++)
			argv[argc++] = *p;
	} else {
		for (const char *a[] = {PNVME_EAL_ARGS_NO_HUGE, NULL}, **p = a; *p; p++)
			argv[argc++] = *p;
		snprintf(mem_arg, sizeof(mem_arg), "%u", opts.mem_mb ? opts.mem_mb : 1024u);
		argv[argc++] = "-m";
		argv[argc++] = mem_arg;
		if (!opts.no_huge)
			PNVME_NOTICELOG("env", "no hugepages reserved and mounted; using %s MiB of "
					       "ordinary memory (--no-huge)", mem_arg);
	}
	/* DPDK's own lines at pnvme's level (at most info), through pnvme's log. */
	snprintf(log_arg, sizeof(log_arg), "--log-level=%u",
		 env_eal_level_from_pnvme(pnvme_log_get_level()));
	argv[argc++] = log_arg;
	for (int i = 0; i < opts.eal_argc; i++)
		argv[argc++] = opts.eal_args[i];
	argv[argc] = NULL;

	for (int i = 0; i < argc; i++)
		PNVME_DEBUGLOG("env", "EAL arg %d: %s", i, argv[i]);

	if (env_eal_log_route() != 0)
		PNVME_WARNLOG("env", "cannot route DPDK's log through pnvme's: it goes to stderr");
	rc = rte_eal_init(argc, (char **)argv);
	if (have_nofile && !opts.raise_fd_limit)
		setrlimit(RLIMIT_NOFILE, &saved_nofile);
	if (rc < 0) {
		rc = rte_errno ? -rte_errno : -EIO;
		PNVME_ERRLOG("env", "DPDK EAL initialisation failed: %s", rte_strerror(-rc));
		return rc;
	}
	if (have_affinity)
		pthread_setaffinity_np(pthread_self(), sizeof(saved_affinity), &saved_affinity);
	g_env.owns_eal = true;
	rc = eal_check();
	if (rc != 0)
		return rc;
	cache_memory();
	g_env.initialized = true;
	PNVME_INFOLOG("env", "EAL up: %s, IOVA as %s, %u memory ranges",
		      g_env.hugepages ? "hugepages" : "no hugepages",
		      env_dma_map.iova_va ? "VA" : "PA", env_dma_map.n_ranges);
	return 0;
}

int pnvme_env_init(const struct pnvme_env_opts *user_opts)
{
	int rc = 0;

	pthread_mutex_lock(&g_env.lock);
	if (g_env.initialized) {
		rc = 0;
	} else if (g_env.eal_shut) {
		PNVME_ERRLOG("env", "pnvme_env_fini() shut down the EAL pnvme had started, and DPDK "
				    "cannot start one again in this process");
		rc = -ESHUTDOWN;
	} else if (eal_started_by_program()) {
		rc = adopt_eal();
	} else {
		rc = start_eal(user_opts);
	}
	pthread_mutex_unlock(&g_env.lock);
	return rc;
}

void pnvme_env_fini(void)
{
	pthread_mutex_lock(&g_env.lock);
	if (!g_env.initialized) {
		pthread_mutex_unlock(&g_env.lock);
		return;
	}
	if (env_pci_attached() > 0) {
		pthread_mutex_unlock(&g_env.lock);
		PNVME_ERRLOG("env", "pnvme_env_fini() with %u controller(s) attached: detach them "
				    "first; the environment stays up", env_pci_attached());
		return;
	}
	env_mem_fini();
	g_env.initialized = false;
	env_dma_map.iova_va = false;
	env_dma_map.first_va.start = env_dma_map.first_va.end = 0;
	env_dma_map.n_ranges = 0;
	memset(env_dma_map.ranges, 0, sizeof(env_dma_map.ranges));
	if (g_env.owns_eal) {
		/* Its memory goes back to the system; its interrupt thread stays (docs/api.md). */
		rte_eal_cleanup();
		g_env.eal_shut = true;
	}
	pthread_mutex_unlock(&g_env.lock);
}

bool pnvme_env_is_initialized(void)
{
	return g_env.initialized;
}

bool pnvme_env_uses_hugepages(void)
{
	return g_env.hugepages;
}

void *pnvme_dma_zmalloc(size_t size, size_t align, uint64_t *iova)
{
	void *buf;
	uint64_t len = size;
	int rc;

	if (size == 0 || (align & (align - 1)) != 0) {
		errno = EINVAL;
		return NULL;
	}
	if (!g_env.initialized && (rc = pnvme_env_init(NULL)) != 0) {
		errno = -rc;
		return NULL;
	}
	buf = rte_zmalloc("pnvme", size, align ? align : 64);
	if (buf == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	/* With IOVA as PA a buffer may straddle discontiguous pages: refuse it. */
	if (pnvme_vtophys(buf, &len) == PNVME_VTOPHYS_ERROR || len < size) {
		rte_free(buf);
		errno = ENOMEM;
		return NULL;
	}
	if (iova != NULL)
		*iova = pnvme_vtophys(buf, NULL);
	return buf;
}

void pnvme_dma_free(void *buf)
{
	rte_free(buf);
}

uint64_t pnvme_vtophys(const void *vaddr, uint64_t *len)
{
	uintptr_t va = (uintptr_t)vaddr;

	if (likely(env_dma_map.iova_va)) {
		for (unsigned i = 0; i < env_dma_map.n_ranges; i++) {
			const struct env_dma_range *r = &env_dma_map.ranges[i];

			if (va - r->start < r->len) {
				if (len != NULL && *len > r->len - (va - r->start))
					*len = r->len - (va - r->start);
				return va;
			}
		}
		/* Registered memory: the region holding va's first byte. */
		uint64_t w = env_ext_find(va, 1);

		if (w == 0)
			return PNVME_VTOPHYS_ERROR;
		if (len != NULL && *len > env_ext_len(w) - (va - env_ext_start(w)))
			*len = env_ext_len(w) - (va - env_ext_start(w));
		return va;
	}
	if (!g_env.initialized)
		return PNVME_VTOPHYS_ERROR;

	/* IOVA as PA: contiguous within one memseg (page). */
	struct rte_memseg *ms = rte_mem_virt2memseg(vaddr, NULL);
	uint64_t off;

	if (ms == NULL || ms->iova == RTE_BAD_IOVA)
		return PNVME_VTOPHYS_ERROR;
	off = va - (uintptr_t)ms->addr;
	if (len != NULL && *len > ms->len - off)
		*len = ms->len - off;
	return ms->iova + off;
}

uint64_t pnvme_ticks(void)
{
	return rte_get_timer_cycles();
}

uint64_t pnvme_ticks_hz(void)
{
	static uint64_t hz;

	if (hz == 0 && g_env.initialized)
		hz = rte_get_timer_hz();
	return hz ? hz : rte_get_tsc_hz();
}
