/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Running without root (docs/setup.md): the checks that turn DPDK's failures
 * ("Cannot open /dev/vfio/N", "Cannot set up DMA remapping, error 12") into
 * one line that says what is missing, and a guard that keeps DPDK from
 * handing out memory vfio could not pin.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <linux/capability.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_memory.h>

#include "log.h"
#include "vfio_user.h"

#define VFIO_CONTAINER "/dev/vfio/vfio"

static bool group_node(const char *bdf, char *node, size_t len)
{
	char link[PATH_MAX], target[PATH_MAX];
	ssize_t n;
	const char *group;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(link, target, sizeof(target) - 1);
	if (n <= 0)
		return false;
	target[n] = '\0';
	group = strrchr(target, '/');
	group = group != NULL ? group + 1 : target;
	snprintf(node, len, "/dev/vfio/%.32s", group);
	if (access(node, F_OK) == 0)
		return true;
	snprintf(node, len, "/dev/vfio/noiommu-%.32s", group);
	return access(node, F_OK) == 0;
}

static const char *user_name(void)
{
	const char *u = getenv("USER");

	return u != NULL && u[0] != '\0' ? u : "$USER";
}

int env_vfio_access_check(const char *bdf)
{
	char node[PATH_MAX];
	struct stat st;

	if (access(VFIO_CONTAINER, R_OK | W_OK) != 0 && errno == EACCES) {
		PNVME_ERRLOG("pcie", "%s: no read/write access to %s (the kernel makes it mode "
				     "0666; something changed it): see docs/setup.md",
			     bdf, VFIO_CONTAINER);
		return -EACCES;
	}
	if (!group_node(bdf, node, sizeof(node)) || access(node, R_OK | W_OK) == 0 ||
	    errno != EACCES)
		return 0; /* DPDK says what else is wrong */
	if (stat(node, &st) != 0)
		st.st_uid = 0;
	if (strstr(node, "noiommu-") != NULL)
		PNVME_ERRLOG("pcie", "%s: %s is vfio's no-IOMMU mode, which only root (CAP_SYS_RAWIO) "
				     "may use",
			     bdf, node);
	else
		PNVME_ERRLOG("pcie", "%s: permission denied on %s (owner uid %u, mode %04o): as "
				     "root, run 'pnvme-setup bind --user %s %s' (docs/setup.md)",
			     bdf, node, (unsigned)st.st_uid, (unsigned)(st.st_mode & 07777),
			     user_name(), bdf);
	return -EACCES;
}

/* ---- memlock ---------------------------------------------------------------- */

static pthread_mutex_t g_guard_lock = PTHREAD_MUTEX_INITIALIZER;
static bool g_armed;
static uint64_t g_limit;                          /* bytes DPDK's memory may reach */
static uint64_t g_socket_bytes[RTE_MAX_NUMA_NODES]; /* hugepage memory per socket */
static uint64_t g_external_bytes;

static bool may_lock_unlimited(void)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0)
		return geteuid() == 0;
	return (data[CAP_IPC_LOCK / 32].effective & (1u << (CAP_IPC_LOCK % 32))) != 0;
}

/* VmLck of this process: what it has locked already (mlock, earlier pins). */
static uint64_t locked_now(void)
{
	char line[128];
	unsigned long long kib = 0;
	FILE *f = fopen("/proc/self/status", "re");

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (sscanf(line, "VmLck: %llu kB", &kib) == 1)
			break;
	fclose(f);
	return (uint64_t)kib * 1024;
}

static int count_seg(const struct rte_memseg_list *msl, const struct rte_memseg *ms, void *arg)
{
	(void)arg;
	if (msl->external)
		g_external_bytes += ms->len;
	else if (msl->socket_id >= 0 && msl->socket_id < RTE_MAX_NUMA_NODES)
		g_socket_bytes[msl->socket_id] += ms->len;
	return 0;
}

static uint64_t total_bytes(int except_socket)
{
	uint64_t total = g_external_bytes;

	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (s != except_socket)
			total += g_socket_bytes[s];
	return total;
}

/* Runs with DPDK's memory hotplug lock held: only our own counters here. */
static void on_mem_event(enum rte_mem_event type, const void *addr, size_t len, void *arg)
{
	const struct rte_memseg_list *msl = rte_mem_virt2memseg_list(addr);

	(void)arg;
	if (msl == NULL || msl->external || msl->socket_id < 0 ||
	    msl->socket_id >= RTE_MAX_NUMA_NODES)
		return;
	if (type == RTE_MEM_EVENT_ALLOC)
		g_socket_bytes[msl->socket_id] += len;
	else if (g_socket_bytes[msl->socket_id] >= len)
		g_socket_bytes[msl->socket_id] -= len;
}

/* NEW_LEN is the socket's memory after the allocation DPDK is about to make. */
static int validate(int socket_id, size_t cur_limit, size_t new_len)
{
	uint64_t total = total_bytes(socket_id) + new_len;

	(void)cur_limit;
	if (total <= g_limit)
		return 0;
	PNVME_ERRLOG("env", "DMA memory would grow to %llu KiB, over what this process may lock "
			    "(%llu KiB: ulimit -l less what it has locked): vfio pins all of it, so "
			    "the allocation is refused; raise the memlock limit (docs/setup.md)",
		     (unsigned long long)(total >> 10), (unsigned long long)(g_limit >> 10));
	return -1;
}

static void arm(void)
{
	char name[] = "pnvme-memlock";

	/* Dynamic memory only: with --no-huge it is all there already (checked below). */
	if (rte_mem_event_callback_register(name, on_mem_event, NULL) != 0)
		return;
	for (unsigned i = 0; i < rte_socket_count(); i++)
		rte_mem_alloc_validator_register(name, validate, rte_socket_id_by_idx(i), 0);
}

int env_memlock_guard(const char *bdf)
{
	struct rlimit rl;
	uint64_t have, locked;
	int rc = 0;

	if (may_lock_unlimited() || getrlimit(RLIMIT_MEMLOCK, &rl) != 0 ||
	    rl.rlim_cur == RLIM_INFINITY)
		return 0;
	pthread_mutex_lock(&g_guard_lock);
	if (!g_armed) {
		locked = locked_now();
		g_limit = rl.rlim_cur > locked ? rl.rlim_cur - locked : 0;
		memset(g_socket_bytes, 0, sizeof(g_socket_bytes));
		g_external_bytes = 0;
		rte_memseg_walk(count_seg, NULL);
		have = total_bytes(-1);
		if (have > g_limit) {
			PNVME_ERRLOG("pcie", "%s: vfio must pin this process's %llu KiB of DMA memory, "
					     "over what it may lock (%llu KiB: ulimit -l less what it "
					     "has locked); raise the memlock limit (docs/setup.md)",
				     bdf, (unsigned long long)(have >> 10),
				     (unsigned long long)(g_limit >> 10));
			rc = -ENOMEM;
		} else {
			arm();
			g_armed = true;
		}
	}
	pthread_mutex_unlock(&g_guard_lock);
	return rc;
}

void env_vfio_user_hint(const char *bdf)
{
	struct rlimit rl;

	if (may_lock_unlimited() || getrlimit(RLIMIT_MEMLOCK, &rl) != 0)
		return;
	if (rl.rlim_cur == RLIM_INFINITY)
		PNVME_ERRLOG("pcie", "%s: running without root: see docs/setup.md for what vfio "
				     "needs", bdf);
	else
		PNVME_ERRLOG("pcie", "%s: running without root, memlock limit %llu KiB: vfio pins "
				     "all DMA memory against it (docs/setup.md)",
			     bdf, (unsigned long long)(rl.rlim_cur >> 10));
}
