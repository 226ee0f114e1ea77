/* SPDX-License-Identifier: BSD-3-Clause */
/* lib/env on real DPDK (no hugepages needed): DMA memory, vtophys, PCI errors. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CUnit/CUnit.h>

#include "common/capture.h"
#include "common/test_env.h"
#include "env/dma.h"
#include "env/eal_log.h"
#include "env/pci.h"
#include "pnvme/env.h"

static struct rlimit g_nofile_before; /* before the EAL started */

static void test_init_is_idempotent(void)
{
	CU_ASSERT_TRUE(pnvme_env_is_initialized());
	CU_ASSERT_EQUAL(pnvme_env_init(NULL), 0);
	CU_ASSERT_TRUE(pnvme_ticks_hz() > 0);
	uint64_t a = pnvme_ticks(), b = pnvme_ticks();
	CU_ASSERT_TRUE(b >= a);
}

static void test_zmalloc_alignment_and_zeroing(void)
{
	static const size_t aligns[] = {0, 8, 64, 512, 4096, 2 * 1024 * 1024};

	for (size_t i = 0; i < sizeof(aligns) / sizeof(aligns[0]); i++) {
		uint64_t iova = 0;
		size_t size = 3 * 4096 + 17;
		unsigned char *buf = pnvme_dma_zmalloc(size, aligns[i], &iova);
		size_t nonzero = 0;

		CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
		CU_ASSERT_EQUAL((uintptr_t)buf % (aligns[i] ? aligns[i] : 64), 0);
		CU_ASSERT_NOT_EQUAL(iova, 0);
		CU_ASSERT_EQUAL(iova, pnvme_vtophys(buf, NULL));
		for (size_t j = 0; j < size; j++)
			nonzero += buf[j] != 0;
		CU_ASSERT_EQUAL(nonzero, 0);
		memset(buf, 0xa5, size); /* dirty it so a reuse that skips zeroing shows */
		pnvme_dma_free(buf);
	}
}

static void test_zmalloc_bad_arguments(void)
{
	errno = 0;
	CU_ASSERT_PTR_NULL(pnvme_dma_zmalloc(0, 64, NULL));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(pnvme_dma_zmalloc(4096, 3, NULL));
	CU_ASSERT_EQUAL(errno, EINVAL);
	errno = 0;
	CU_ASSERT_PTR_NULL(pnvme_dma_zmalloc(4096, 4096 + 512, NULL));
	CU_ASSERT_EQUAL(errno, EINVAL);
	pnvme_dma_free(NULL); /* harmless */
}

static void test_vtophys_every_page_of_2m(void)
{
	const size_t size = 2 * 1024 * 1024;
	uint64_t iova;
	unsigned char *buf = pnvme_dma_zmalloc(size, 4096, &iova);
	unsigned bad = 0, short_len = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	for (size_t off = 0; off < size; off += 4096) {
		uint64_t len = size - off;
		uint64_t pa = pnvme_vtophys(buf + off, &len);

		/* The env promises IOVA-contiguous buffers: each page is iova + off. */
		bad += pa != iova + off;
		short_len += len != size - off;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(short_len, 0);
	/* An address inside a page translates with its offset. */
	CU_ASSERT_EQUAL(pnvme_vtophys(buf + 4096 + 123, NULL), iova + 4096 + 123);
	pnvme_dma_free(buf);
}

static void test_vtophys_rejects_ordinary_memory(void)
{
	static char not_dma[4096];
	int on_stack;
	uint64_t len = 4096;

	CU_ASSERT_EQUAL(pnvme_vtophys(not_dma, &len), PNVME_VTOPHYS_ERROR);
	CU_ASSERT_EQUAL(pnvme_vtophys(&on_stack, NULL), PNVME_VTOPHYS_ERROR);
	CU_ASSERT_EQUAL(pnvme_vtophys(NULL, NULL), PNVME_VTOPHYS_ERROR);
	/* A device sees no host memory behind a bogus bus address. */
	CU_ASSERT_PTR_NULL(env_pci_iova_to_vaddr((uintptr_t)not_dma, 64));
}

static void test_iova_to_vaddr_checks_the_whole_range(void)
{
	uint64_t iova;
	void *buf = pnvme_dma_zmalloc(8192, 4096, &iova);

	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	CU_ASSERT_PTR_EQUAL(env_pci_iova_to_vaddr(iova, 8192), buf);
	pnvme_dma_free(buf);
}

static void test_pci_addr_normalize(void)
{
	char out[32];

	CU_ASSERT_EQUAL(env_pci_addr_normalize("00:04.0", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "0000:00:04.0");
	CU_ASSERT_EQUAL(env_pci_addr_normalize("0001:af:1f.7", out, sizeof(out)), 0);
	CU_ASSERT_STRING_EQUAL(out, "0001:af:1f.7");
	CU_ASSERT_EQUAL(env_pci_addr_normalize("0000:00:20.0", out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(env_pci_addr_normalize("0000:00:04.8", out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(env_pci_addr_normalize("nvme0", out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(env_pci_addr_normalize("00:04.0x", out, sizeof(out)), -EINVAL);
	CU_ASSERT_EQUAL(env_pci_addr_normalize(NULL, out, sizeof(out)), -EINVAL);
}

static void test_pci_attach_errors(void)
{
	struct env_pci_dev *dev = NULL;

	CU_ASSERT_EQUAL(env_pci_attach("pcie", "0000:ee:1f.7", "", &dev), -ENODEV);
	CU_ASSERT_EQUAL(env_pci_attach("pcie", "not-an-address", "", &dev), -EINVAL);
	CU_ASSERT_EQUAL(env_pci_attach("rdma", "x", "", &dev), -EPROTONOSUPPORT);
	CU_ASSERT_EQUAL(env_pci_attach(NULL, "x", "", &dev), -EINVAL);
	CU_ASSERT_PTR_NULL(dev);
}

static int fake_attach(const char *addr, const char *params, struct env_pci_dev **out)
{
	(void)params;
	(void)out;
	return strcmp(addr, "fake0") == 0 ? -EALREADY : -ENODEV;
}

static int count_fakes(void *ctx, const char *trtype, const char *addr)
{
	if (strcmp(trtype, "fake") == 0 && strcmp(addr, "fake0") == 0)
		(*(int *)ctx)++;
	return 0;
}

static int fake_enumerate(env_pci_enum_cb cb, void *ctx)
{
	return cb(ctx, "fake", "fake0");
}

static void test_pci_registered_transport(void)
{
	static struct env_pci_transport fake = {
		.name = "fake", .attach = fake_attach, .enumerate = fake_enumerate};
	struct env_pci_dev *dev = NULL;
	int found = 0;

	env_pci_transport_register(&fake);
	CU_ASSERT_PTR_EQUAL(env_pci_transport_find("fake"), &fake);
	CU_ASSERT_EQUAL(env_pci_attach("fake", "fake0", "", &dev), -EALREADY);
	CU_ASSERT_EQUAL(env_pci_enumerate(count_fakes, &found), 0);
	CU_ASSERT_EQUAL(found, 1);
	env_pci_transport_unregister(&fake);
	CU_ASSERT_PTR_NULL(env_pci_transport_find("fake"));
	CU_ASSERT_EQUAL(env_pci_attach("fake", "fake0", "", &dev), -EPROTONOSUPPORT);
}

static void test_log_levels(void)
{
	enum pnvme_log_level old = pnvme_log_get_level();

	pnvme_log_set_level(PNVME_LOG_DEBUG);
	CU_ASSERT_EQUAL(pnvme_log_get_level(), PNVME_LOG_DEBUG);
	pnvme_log_set_level(old);
	CU_ASSERT_EQUAL(pnvme_log_get_level(), old);
}

/* ------------------------------------------------------------ registered memory */

static void *map_pages(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	CU_ASSERT_NOT_EQUAL_FATAL(p, MAP_FAILED);
	return p;
}

static void test_mem_register_bad_arguments(void)
{
	uint8_t *m = map_pages(4 * 4096);
	uint8_t *dma = pnvme_dma_zmalloc(8192, 4096, NULL);

	CU_ASSERT_PTR_NOT_NULL_FATAL(dma);
	CU_ASSERT_EQUAL(pnvme_mem_register(NULL, 4096), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_mem_register(m, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_mem_register(m + 512, 4096), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_mem_register(m, 4096 + 512), -EINVAL);
	/* Above 48-bit addresses (the table's one-word format) and wrapping. */
	CU_ASSERT_EQUAL(pnvme_mem_register((void *)(1ull << 48), 4096), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_mem_register((void *)(UINT64_MAX - 4095), 8192), -EINVAL);
	/* DPDK's own memory is DMA-able already. */
	CU_ASSERT_EQUAL(pnvme_mem_register(dma, 4096), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_mem_unregister(m, 4096), -ENOENT);
	CU_ASSERT_EQUAL(pnvme_mem_unregister(NULL, 4096), -ENOENT);
	pnvme_dma_free(dma);
	munmap(m, 4 * 4096);
}

static void test_mem_register_translates(void)
{
	const size_t len = 16 * 4096;
	uint8_t *m = map_pages(len + 4096); /* the page after the region is ours too */
	uint64_t run = 1u << 20;

	CU_ASSERT_EQUAL(pnvme_vtophys(m, NULL), PNVME_VTOPHYS_ERROR);
	CU_ASSERT_EQUAL_FATAL(pnvme_mem_register(m, len), 0);
	/* IOVA as VA: the identity, contiguous to the end of the region and no further. */
	CU_ASSERT_EQUAL(pnvme_vtophys(m + 100, &run), (uintptr_t)(m + 100));
	CU_ASSERT_EQUAL(run, len - 100);
	CU_ASSERT_EQUAL(env_vtophys_range(m, len), (uintptr_t)m);
	CU_ASSERT_EQUAL(env_vtophys_range(m + 4096, len - 4096), (uintptr_t)(m + 4096));
	CU_ASSERT_EQUAL(env_vtophys_range(m + 4096, len), PNVME_VTOPHYS_ERROR);
	CU_ASSERT_EQUAL(pnvme_vtophys(m + len, NULL), PNVME_VTOPHYS_ERROR);
	/* A device behind the PCI interface reaches it. */
	CU_ASSERT_PTR_EQUAL(env_pci_iova_to_vaddr((uintptr_t)m, len), m);
	CU_ASSERT_PTR_NULL(env_pci_iova_to_vaddr((uintptr_t)m, len + 1));
	/* Overlaps, from any side. */
	CU_ASSERT_EQUAL(pnvme_mem_register(m, len), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_mem_register(m + 4096, 4096), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_mem_register(m - 4096, 8192), -EINVAL);
	/* Exactly what was registered comes back. */
	CU_ASSERT_EQUAL(pnvme_mem_unregister(m, len - 4096), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_mem_unregister(m + 4096, len - 4096), -ENOENT);
	CU_ASSERT_EQUAL(pnvme_mem_unregister(m, len), 0);
	CU_ASSERT_EQUAL(pnvme_vtophys(m, NULL), PNVME_VTOPHYS_ERROR);
	CU_ASSERT_EQUAL(env_vtophys_range(m, 4096), PNVME_VTOPHYS_ERROR);
	CU_ASSERT_PTR_NULL(env_pci_iova_to_vaddr((uintptr_t)m, 4096));
	CU_ASSERT_EQUAL(pnvme_mem_unregister(m, len), -ENOENT);
	munmap(m, len + 4096);
}

static void test_mem_register_neighbours(void)
{
	uint8_t *m = map_pages(3 * 4096);
	uint64_t run = 3 * 4096;

	CU_ASSERT_EQUAL_FATAL(pnvme_mem_register(m, 4096), 0);
	CU_ASSERT_EQUAL_FATAL(pnvme_mem_register(m + 4096, 2 * 4096), 0);
	/* Two regions side by side are two runs: a buffer over both is not one. */
	CU_ASSERT_EQUAL(pnvme_vtophys(m, &run), (uintptr_t)m);
	CU_ASSERT_EQUAL(run, 4096);
	CU_ASSERT_EQUAL(env_vtophys_range(m, 8192), PNVME_VTOPHYS_ERROR);
	CU_ASSERT_EQUAL(env_vtophys_range(m + 4096, 8192), (uintptr_t)(m + 4096));
	CU_ASSERT_EQUAL(pnvme_mem_unregister(m, 4096), 0);
	CU_ASSERT_EQUAL(env_vtophys_range(m + 4096, 8192), (uintptr_t)(m + 4096));
	CU_ASSERT_EQUAL(pnvme_mem_unregister(m + 4096, 2 * 4096), 0);
	munmap(m, 3 * 4096);
}

static void test_mem_register_full_table(void)
{
	const unsigned n = ENV_MAX_EXT_REGIONS;
	uint8_t *m = map_pages((n + 1) * 4096);
	unsigned ok = 0, gone = 0;

	/* One page each, side by side. */
	for (unsigned i = 0; i < n; i++)
		ok += pnvme_mem_register(m + (size_t)i * 4096, 4096) == 0;
	CU_ASSERT_EQUAL(ok, n);
	CU_ASSERT_EQUAL(pnvme_mem_register(m + (size_t)n * 4096, 4096), -ENOSPC);
	/* A slot freed is used again, and every region still translates. */
	CU_ASSERT_EQUAL(pnvme_mem_unregister(m + 7 * 4096, 4096), 0);
	CU_ASSERT_EQUAL(pnvme_mem_register(m + (size_t)n * 4096, 4096), 0);
	CU_ASSERT_EQUAL(pnvme_vtophys(m + (size_t)n * 4096 + 8, NULL), (uintptr_t)m + n * 4096 + 8);
	CU_ASSERT_EQUAL(pnvme_vtophys(m + 7 * 4096, NULL), PNVME_VTOPHYS_ERROR);
	for (unsigned i = 0; i <= n; i++) {
		if (i != 7)
			gone += pnvme_mem_unregister(m + (size_t)i * 4096, 4096) == 0;
	}
	CU_ASSERT_EQUAL(gone, n);
	munmap(m, (n + 1) * 4096);
}

/* ------------------------------------------------------------ logging */

struct log_seen {
	int calls;
	enum pnvme_log_level level;
	char component[32];
	char msg[256];
};

static void log_cb(void *arg, enum pnvme_log_level level, const char *component, const char *msg)
{
	struct log_seen *s = arg;

	s->calls++;
	s->level = level;
	snprintf(s->component, sizeof(s->component), "%s", component);
	snprintf(s->msg, sizeof(s->msg), "%s", msg);
}

static void test_log_callback(void)
{
	enum pnvme_log_level old = pnvme_log_get_level();
	struct log_seen seen = {0};
	struct fd_capture cap;
	char out[512];

	pnvme_log_set_level(PNVME_LOG_NOTICE);
	pnvme_log_set_callback(log_cb, &seen);
	CU_ASSERT_EQUAL_FATAL(capture_start(&cap), 0);
	pnvme_log(PNVME_LOG_WARN, "test", "one %d\n", 1);
	pnvme_log(PNVME_LOG_INFO, "test", "below the level");
	CU_ASSERT_EQUAL(capture_end(&cap, out, sizeof(out)), 0);
	CU_ASSERT_EQUAL(seen.calls, 1);
	CU_ASSERT_EQUAL(seen.level, PNVME_LOG_WARN);
	CU_ASSERT_STRING_EQUAL(seen.component, "test");
	CU_ASSERT_STRING_EQUAL(seen.msg, "one 1"); /* one line, no newline */

	/* Longer than any fixed buffer: delivered whole. */
	char big[1500];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	pnvme_log(PNVME_LOG_ERROR, "test", "%s", big);
	CU_ASSERT_EQUAL(seen.calls, 2);
	CU_ASSERT_EQUAL(strlen(seen.msg), sizeof(seen.msg) - 1); /* (our copy is short) */

	/* Back to stderr. */
	pnvme_log_set_callback(NULL, NULL);
	CU_ASSERT_EQUAL_FATAL(capture_start(&cap), 0);
	pnvme_log(PNVME_LOG_ERROR, "test", "to stderr");
	capture_end(&cap, out, sizeof(out));
	CU_ASSERT_STRING_EQUAL(out, "pnvme error: test: to stderr\n");
	CU_ASSERT_EQUAL(seen.calls, 2);
	pnvme_log_set_level(old);
}

static void test_log_level_mapping(void)
{
	CU_ASSERT_EQUAL(env_eal_level_to_pnvme(1), PNVME_LOG_ERROR); /* emergency */
	CU_ASSERT_EQUAL(env_eal_level_to_pnvme(4), PNVME_LOG_ERROR);
	CU_ASSERT_EQUAL(env_eal_level_to_pnvme(5), PNVME_LOG_WARN);
	CU_ASSERT_EQUAL(env_eal_level_to_pnvme(6), PNVME_LOG_NOTICE);
	CU_ASSERT_EQUAL(env_eal_level_to_pnvme(7), PNVME_LOG_INFO);
	CU_ASSERT_EQUAL(env_eal_level_to_pnvme(8), PNVME_LOG_DEBUG);
	CU_ASSERT_EQUAL(env_eal_level_from_pnvme(PNVME_LOG_ERROR), 4);
	CU_ASSERT_EQUAL(env_eal_level_from_pnvme(PNVME_LOG_WARN), 5);
	CU_ASSERT_EQUAL(env_eal_level_from_pnvme(PNVME_LOG_NOTICE), 6);
	CU_ASSERT_EQUAL(env_eal_level_from_pnvme(PNVME_LOG_INFO), 7);
	CU_ASSERT_EQUAL(env_eal_level_from_pnvme(PNVME_LOG_DEBUG), 7);
}

/* ------------------------------------------------------------ process-wide effects */

static void test_threads_are_the_documented_ones(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	int threads = 0, intr = 0;
	char path[300], comm[32];

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((e = readdir(d)) != NULL) {
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		threads++;
		snprintf(path, sizeof(path), "/proc/self/task/%s/comm", e->d_name);
		f = fopen(path, "r");
		if (f != NULL && fgets(comm, sizeof(comm), f) != NULL)
			intr += strcmp(comm, "eal-intr-thread\n") == 0;
		if (f != NULL)
			fclose(f);
	}
	closedir(d);
	/* docs/api.md: the caller's thread and DPDK's interrupt thread, nothing else. */
	CU_ASSERT_EQUAL(threads, 2);
	CU_ASSERT_EQUAL(intr, 1);
}

static void test_fd_limit_left_alone(void)
{
	struct rlimit now;

	CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_NOFILE, &now), 0);
	CU_ASSERT_EQUAL(now.rlim_cur, g_nofile_before.rlim_cur);
	CU_ASSERT_EQUAL(now.rlim_max, g_nofile_before.rlim_max);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"init is idempotent, ticks advance", test_init_is_idempotent},
		{"dma_zmalloc aligns and zeroes", test_zmalloc_alignment_and_zeroing},
		{"dma_zmalloc bad arguments get EINVAL", test_zmalloc_bad_arguments},
		{"vtophys: every 4 KiB page of a 2 MiB buffer", test_vtophys_every_page_of_2m},
		{"vtophys rejects memory that is not DMA-able", test_vtophys_rejects_ordinary_memory},
		{"iova_to_vaddr checks the whole range", test_iova_to_vaddr_checks_the_whole_range},
		{"PCI address normalisation", test_pci_addr_normalize},
		{"PCI attach errors are clear", test_pci_attach_errors},
		{"a registered transport is found and enumerated", test_pci_registered_transport},
		{"log level set/get", test_log_levels},
		{"mem_register: bad arguments get EINVAL, unknown ENOENT",
		 test_mem_register_bad_arguments},
		{"mem_register: vtophys, the device view, overlaps, unregister",
		 test_mem_register_translates},
		{"mem_register: regions side by side are separate runs", test_mem_register_neighbours},
		{"mem_register: 64 regions, a freed slot used again", test_mem_register_full_table},
		{"log callback: one line, the level, back to stderr", test_log_callback},
		{"DPDK log levels map to pnvme's and back", test_log_level_mapping},
		{"only the documented threads run", test_threads_are_the_documented_ones},
		{"the open-file limit is where it was", test_fd_limit_left_alone},
		{NULL, NULL},
	};

	getrlimit(RLIMIT_NOFILE, &g_nofile_before);
	test_env_init();
	test_add_suite("env", NULL, NULL, tests);
	return test_run_all();
}
