/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The program's own memory made DMA-able: registered with DPDK as external
 * memory (rte_extmem_register), mapped in DPDK's vfio container while a vfio
 * device is attached (rte_vfio_container_dma_map, IOVA = VA), and published to
 * the I/O path as one word per region (dma.h). Only registration and
 * unregistration take the lock; the I/O path reads the words.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_memory.h>
#include <rte_vfio.h>

#include "dma.h"
#include "log.h"
#include "mem.h"

struct region {
	uintptr_t start;
	uint64_t len;
	bool used;
	bool closing;    /* an unregister is checking it */
	bool dma_mapped; /* in DPDK's vfio container */
};

static pthread_mutex_t g_mem_lock = PTHREAD_MUTEX_INITIALIZER;
static struct region g_regions[ENV_MAX_EXT_REGIONS]; /* index = slot in env_dma_map.ext */
static unsigned g_vfio_devices;                      /* pnvme's devices in the container */
static env_mem_busy_fn g_busy_fn;

void env_mem_set_busy_check(env_mem_busy_fn fn)
{
	pthread_mutex_lock(&g_mem_lock);
	g_busy_fn = fn;
	pthread_mutex_unlock(&g_mem_lock);
}

static bool overlaps(uintptr_t a, uint64_t alen, uintptr_t b, uint64_t blen)
{
	return a < b + blen && b < a + alen;
}

static void publish(unsigned slot, uint64_t word)
{
	atomic_store_explicit(&env_dma_map.ext[slot], word, memory_order_release);
}

/* Map or unmap r in DPDK's default vfio container; 0 or a negative errno. */
static int vfio_map(struct region *r, bool map)
{
	int rc;

	rte_errno = 0;
	if (map)
		rc = rte_vfio_container_dma_map(RTE_VFIO_DEFAULT_CONTAINER_FD, r->start, r->start,
						r->len);
	else
		rc = rte_vfio_container_dma_unmap(RTE_VFIO_DEFAULT_CONTAINER_FD, r->start,
						  r->start, r->len);
	if (rc != 0) {
		rc = rte_errno ? -rte_errno : -EIO;
		PNVME_ERRLOG("mem", "cannot %s [%#lx, +%#lx) in the vfio container: %s",
			     map ? "map" : "unmap", (unsigned long)r->start, (unsigned long)r->len,
			     strerror(-rc));
		return rc;
	}
	r->dma_mapped = map;
	return 0;
}

/* DPDK's external memory: the largest page size that tiles the region keeps its table short. */
static int dpdk_register(uintptr_t start, uint64_t len)
{
	uint64_t pgsz = (start | len) & -(start | len);
	rte_iova_t *iova;
	unsigned n;
	int rc;

	if (pgsz > (1ull << 30))
		pgsz = 1ull << 30;
	n = (unsigned)(len / pgsz);
	iova = malloc(sizeof(*iova) * n);
	if (iova == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < n; i++)
		iova[i] = start + (uint64_t)i * pgsz; /* IOVA as VA */
	rte_errno = 0;
	rc = rte_extmem_register((void *)start, len, iova, n, pgsz);
	free(iova);
	if (rc != 0) {
		rc = rte_errno ? -rte_errno : -EIO;
		if (rc == -EEXIST) {
			PNVME_ERRLOG("mem", "[%#lx, +%#lx) is known to DPDK already "
					    "(rte_extmem_register by the program?)",
				     (unsigned long)start, (unsigned long)len);
			return -EINVAL;
		}
		PNVME_ERRLOG("mem", "rte_extmem_register [%#lx, +%#lx): %s", (unsigned long)start,
			     (unsigned long)len, strerror(-rc));
	}
	return rc;
}

static void dpdk_unregister(struct region *r)
{
	if (r->dma_mapped)
		vfio_map(r, false);
	if (rte_extmem_unregister((void *)r->start, r->len) != 0)
		PNVME_ERRLOG("mem", "rte_extmem_unregister [%#lx, +%#lx): %s",
			     (unsigned long)r->start, (unsigned long)r->len, rte_strerror(rte_errno));
}

static int check_args(uintptr_t start, uint64_t len)
{
	long page = sysconf(_SC_PAGESIZE);
	uint64_t align = page > 0 ? (uint64_t)page : 4096;

	if (start == 0 || len == 0 || start % align != 0 || len % align != 0 ||
	    start % (1u << ENV_EXT_PAGE_SHIFT) != 0 || len % (1u << ENV_EXT_PAGE_SHIFT) != 0)
		return -EINVAL;
	if (len > ENV_EXT_MAX_LEN || start >= ENV_EXT_MAX_ADDR || len > ENV_EXT_MAX_ADDR - start)
		return -EINVAL;
	return 0;
}

int pnvme_mem_register(void *vaddr, size_t size)
{
	uintptr_t start = (uintptr_t)vaddr;
	uint64_t len = size;
	struct region *r = NULL;
	unsigned slot;
	int rc;

	if (check_args(start, len) != 0) {
		PNVME_ERRLOG("mem", "pnvme_mem_register(%p, %#zx): not page aligned, empty, or "
				    "beyond 48-bit addresses", vaddr, size);
		return -EINVAL;
	}
	if (!pnvme_env_is_initialized() && (rc = pnvme_env_init(NULL)) != 0)
		return rc;
	if (!env_dma_map.iova_va) {
		PNVME_ERRLOG("mem", "registered memory needs IOVA as VA; the EAL runs IOVA as PA "
				    "(start it with --iova-mode=va)");
		return -ENOTSUP;
	}
	pthread_mutex_lock(&g_mem_lock);
	for (unsigned i = 0; i < env_dma_map.n_ranges; i++) {
		if (overlaps(start, len, env_dma_map.ranges[i].start, env_dma_map.ranges[i].len)) {
			PNVME_ERRLOG("mem", "[%p, +%#zx) overlaps DPDK's own memory", vaddr, size);
			rc = -EINVAL;
			goto out;
		}
	}
	slot = ENV_MAX_EXT_REGIONS;
	for (unsigned i = 0; i < ENV_MAX_EXT_REGIONS; i++) {
		if (g_regions[i].used && overlaps(start, len, g_regions[i].start, g_regions[i].len)) {
			PNVME_ERRLOG("mem", "[%p, +%#zx) overlaps registered [%#lx, +%#lx)", vaddr,
				     size, (unsigned long)g_regions[i].start,
				     (unsigned long)g_regions[i].len);
			rc = -EINVAL;
			goto out;
		}
		if (!g_regions[i].used && slot == ENV_MAX_EXT_REGIONS)
			slot = i;
	}
	if (slot == ENV_MAX_EXT_REGIONS) {
		PNVME_ERRLOG("mem", "%d regions are registered already", ENV_MAX_EXT_REGIONS);
		rc = -ENOSPC;
		goto out;
	}
	rc = dpdk_register(start, len);
	if (rc != 0)
		goto out;
	r = &g_regions[slot];
	*r = (struct region){.start = start, .len = len, .used = true};
	if (g_vfio_devices > 0 && (rc = vfio_map(r, true)) != 0) {
		dpdk_unregister(r);
		*r = (struct region){0};
		goto out;
	}
	/* Mapped before it is published: the first I/O on it finds the IOMMU ready. */
	publish(slot, env_ext_pack(start, len));
	if (slot >= atomic_load_explicit(&env_dma_map.n_ext, memory_order_relaxed))
		atomic_store_explicit(&env_dma_map.n_ext, slot + 1, memory_order_release);
	PNVME_INFOLOG("mem", "registered [%p, +%#zx)%s", vaddr, size,
		      r->dma_mapped ? ", mapped in the vfio container" : "");
out:
	pthread_mutex_unlock(&g_mem_lock);
	return rc;
}

static struct region *find(uintptr_t start)
{
	for (unsigned i = 0; i < ENV_MAX_EXT_REGIONS; i++) {
		if (g_regions[i].used && g_regions[i].start == start)
			return &g_regions[i];
	}
	return NULL;
}

int pnvme_mem_unregister(void *vaddr, size_t size)
{
	uintptr_t start = (uintptr_t)vaddr;
	struct region *r;
	env_mem_busy_fn busy_fn;
	int busy;

	pthread_mutex_lock(&g_mem_lock);
	r = find(start);
	if (r == NULL) {
		pthread_mutex_unlock(&g_mem_lock);
		return -ENOENT;
	}
	if (r->len != size) {
		pthread_mutex_unlock(&g_mem_lock);
		PNVME_ERRLOG("mem", "pnvme_mem_unregister(%p, %#zx): the region is %#lx bytes",
			     vaddr, size, (unsigned long)r->len);
		return -EINVAL;
	}
	if (r->closing) { /* another thread is unregistering it */
		pthread_mutex_unlock(&g_mem_lock);
		return -EBUSY;
	}
	/*
	 * The region stays usable while the driver looks for requests on it:
	 * requests submitted before may still be posted (and translated) or
	 * reach the device meanwhile. The check takes the driver's controller
	 * and admin locks: not under ours, which an admin callback may want for
	 * pnvme_mem_register.
	 */
	r->closing = true;
	busy_fn = g_busy_fn;
	pthread_mutex_unlock(&g_mem_lock);

	busy = busy_fn != NULL ? busy_fn(start, size) : 0;

	pthread_mutex_lock(&g_mem_lock);
	r->closing = false;
	if (busy != 0) {
		pthread_mutex_unlock(&g_mem_lock);
		if (busy > 0)
			PNVME_WARNLOG("mem", "[%p, +%#zx) still has I/O outstanding: not "
					     "unregistered", vaddr, size);
		return busy > 0 ? -EBUSY : busy;
	}
	/* Nothing in flight: out of the table first, then out of the IOMMU and DPDK. */
	publish((unsigned)(r - g_regions), 0);
	dpdk_unregister(r);
	*r = (struct region){0};
	pthread_mutex_unlock(&g_mem_lock);
	PNVME_INFOLOG("mem", "unregistered [%p, +%#zx)", vaddr, size);
	return 0;
}

int env_mem_vfio_attach(void)
{
	int rc = 0;

	pthread_mutex_lock(&g_mem_lock);
	if (g_vfio_devices++ == 0) {
		for (unsigned i = 0; i < ENV_MAX_EXT_REGIONS && rc == 0; i++) {
			if (g_regions[i].used && !g_regions[i].dma_mapped)
				rc = vfio_map(&g_regions[i], true);
		}
		if (rc != 0) {
			for (unsigned i = 0; i < ENV_MAX_EXT_REGIONS; i++) {
				if (g_regions[i].dma_mapped)
					vfio_map(&g_regions[i], false);
			}
			g_vfio_devices--;
		}
	}
	pthread_mutex_unlock(&g_mem_lock);
	return rc;
}

void env_mem_vfio_detach(void)
{
	pthread_mutex_lock(&g_mem_lock);
	/* While the group is still in the container: its IOMMU takes the unmap. */
	if (g_vfio_devices > 0 && --g_vfio_devices == 0) {
		for (unsigned i = 0; i < ENV_MAX_EXT_REGIONS; i++) {
			if (g_regions[i].dma_mapped)
				vfio_map(&g_regions[i], false);
		}
	}
	pthread_mutex_unlock(&g_mem_lock);
}

void env_mem_fini(void)
{
	pthread_mutex_lock(&g_mem_lock);
	for (unsigned i = 0; i < ENV_MAX_EXT_REGIONS; i++) {
		if (!g_regions[i].used)
			continue;
		publish(i, 0);
		dpdk_unregister(&g_regions[i]);
		g_regions[i] = (struct region){0};
	}
	atomic_store_explicit(&env_dma_map.n_ext, 0, memory_order_release);
	pthread_mutex_unlock(&g_mem_lock);
}
