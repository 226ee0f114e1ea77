/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A program that starts DPDK itself, as a storage service would: rte_eal_init()
 * with its own arguments first, then pnvme uses that EAL, does verified I/O
 * from memory the program mapped and registered (pnvme_mem_register), refuses
 * what it must (unregistered memory, unregistering memory with I/O in flight,
 * an EAL whose IOVA mode it cannot use), and leaves the EAL running at fini.
 * Its own process: the EAL can start only once.
 */
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include <rte_eal.h>
#include <rte_log.h>
#include <rte_malloc.h>

#include <CUnit/CUnit.h>

#include "common/test_env.h"
#include "pnvme/nvme.h"
#include "pnvme/sim.h"

#define REGION (2u * 1024 * 1024)

static FILE *g_log_stream_before; /* the program's DPDK log stream */
static uint8_t *g_mem;            /* the program's memory: mmap'd, registered */
static struct pnvme_ctrlr *g_ctrlr;
static struct pnvme_ns *g_ns;
static struct pnvme_qpair *g_qp;

/*
 * DPDK here cannot run IOVA as PA (no hugepages, so no physical addresses:
 * rte_eal_init refuses it). pnvme's view of the mode is faked instead: this
 * definition takes pnvme's calls; DPDK's own calls keep DPDK's answer.
 */
static bool g_fake_pa;

enum rte_iova_mode rte_eal_iova_mode(void)
{
	static enum rte_iova_mode (*real)(void);

	if (g_fake_pa)
		return RTE_IOVA_PA;
	if (real == NULL)
		real = (enum rte_iova_mode(*)(void))dlsym(RTLD_NEXT, "rte_eal_iova_mode");
	return real();
}

/* Log lines, kept to look for words in them (any thread may log). */
static char g_log[16384];
static pthread_mutex_t g_log_lock = PTHREAD_MUTEX_INITIALIZER;

static void log_cb(void *arg, enum pnvme_log_level level, const char *component, const char *msg)
{
	size_t used;

	(void)arg;
	pthread_mutex_lock(&g_log_lock);
	used = strlen(g_log);
	snprintf(g_log + used, sizeof(g_log) - used, "%d %s: %s\n", (int)level, component, msg);
	pthread_mutex_unlock(&g_log_lock);
}

static bool logged(const char *words)
{
	return strstr(g_log, words) != NULL;
}

static bool wait_io(struct io_wait *w, int n)
{
	uint64_t deadline = pnvme_ticks() + 10 * pnvme_ticks_hz();

	while (pnvme_ticks() < deadline) {
		int done = 0;

		for (int i = 0; i < n; i++)
			done += w[i].calls;
		if (done == n)
			return true;
		pnvme_qpair_process_completions(g_qp, 0);
	}
	return false;
}

static void fill(uint8_t *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (uint8_t)(seed * 131 + i * 7 + (i >> 9));
}

/* ------------------------------------------------------------ an EAL pnvme cannot use */

static void test_iova_pa_refused(void)
{
	struct pnvme_ctrlr *c = NULL;

	g_fake_pa = true;
	g_log[0] = '\0';
	CU_ASSERT_EQUAL_FATAL(pnvme_env_init(NULL), 0); /* a pcie controller could use it */
	CU_ASSERT_TRUE(pnvme_env_is_initialized());
	CU_ASSERT_EQUAL(pnvme_mem_register(g_mem, REGION), -ENOTSUP);
	CU_ASSERT_TRUE(logged("registered memory needs IOVA as VA"));
	CU_ASSERT_EQUAL(pnvme_connect("trtype:sim traddr:pa", NULL, &c), -ENOTSUP);
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_TRUE(logged("trtype:sim needs IOVA as VA"));
	pnvme_env_fini();
	CU_ASSERT_FALSE(pnvme_env_is_initialized());
	g_fake_pa = false;
}

/* ------------------------------------------------------------ the program's EAL */

static void test_uses_programs_eal(void)
{
	struct pnvme_env_opts opts;
	const char *args[] = {"--this-is-not-an-eal-option"};
	void *buf;

	/* The EAL is up: opts' EAL fields are not used (a bad argument would fail). */
	pnvme_env_opts_init(&opts, sizeof(opts));
	opts.eal_args = args;
	opts.eal_argc = 1;
	CU_ASSERT_EQUAL_FATAL(pnvme_env_init(&opts), 0);
	CU_ASSERT_TRUE(pnvme_env_is_initialized());
	CU_ASSERT_FALSE(pnvme_env_uses_hugepages());
	CU_ASSERT_TRUE(logged("using the EAL the program started"));
	/* Its memory... */
	buf = pnvme_dma_zmalloc(8192, 4096, NULL);
	CU_ASSERT_PTR_NOT_NULL(buf);
	CU_ASSERT_NOT_EQUAL(pnvme_vtophys(buf, NULL), PNVME_VTOPHYS_ERROR);
	pnvme_dma_free(buf);
	/* ...and its log stream, untouched. */
	CU_ASSERT_PTR_EQUAL(rte_log_get_stream(), g_log_stream_before);
}

static void test_io_from_registered_memory(void)
{
	struct io_wait w[4] = {0};
	uint8_t *out = g_mem, *in = g_mem + REGION / 2;
	struct iovec iov[2] = {{in + 8192, 4096}, {in + 4096, 4096}}; /* reversed halves */

	CU_ASSERT_EQUAL_FATAL(pnvme_mem_register(g_mem, REGION), 0);
	CU_ASSERT_EQUAL_FATAL(pnvme_connect("trtype:sim traddr:embed size=64M", NULL, &g_ctrlr), 0);
	g_ns = pnvme_ctrlr_get_ns(g_ctrlr, pnvme_ctrlr_get_first_active_ns(g_ctrlr));
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_ns);
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &g_qp), 0);
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_get_sector_size(g_ns), 512);

	/* 64 KiB: a PRP list, in the tracker's DPDK page, pointing into our memory. */
	fill(out, 65536, 1);
	memset(in, 0, 65536);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write(g_ns, g_qp, out, 0, 128, io_cb, &w[0], 0), 0);
	CU_ASSERT_TRUE_FATAL(wait_io(w, 1));
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(g_ns, g_qp, in, 0, 128, io_cb, &w[1], 0), 0);
	CU_ASSERT_TRUE_FATAL(wait_io(w, 2));
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w[0].cpl));
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w[1].cpl));
	CU_ASSERT_EQUAL(memcmp(out, in, 65536), 0);

	/* Vectored, elements out of order. */
	memset(in + 4096, 0, 8192);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_readv(g_ns, g_qp, iov, 2, 0, 16, io_cb, &w[2], 0), 0);
	CU_ASSERT_TRUE_FATAL(wait_io(w, 3));
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w[2].cpl));
	CU_ASSERT_EQUAL(memcmp(in + 8192, out, 4096), 0);
	CU_ASSERT_EQUAL(memcmp(in + 4096, out + 4096, 4096), 0);
}

static void test_io_from_unregistered_memory(void)
{
	struct io_wait w = {0};
	uint8_t *other = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
			      0);
	struct iovec iov[2] = {{g_mem, 4096}, {other, 4096}};

	CU_ASSERT_NOT_EQUAL_FATAL(other, MAP_FAILED);
	CU_ASSERT_PTR_NOT_NULL_FATAL(g_qp);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write(g_ns, g_qp, other, 0, 8, io_cb, &w, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(g_ns, g_qp, other, 0, 128, io_cb, &w, 0), -EINVAL);
	/* Half in the region, half beyond its end. */
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(g_ns, g_qp, g_mem + REGION - 2048, 0, 8, io_cb, &w, 0),
			-EINVAL);
	/* One element of an iovec outside. */
	CU_ASSERT_EQUAL(pnvme_ns_cmd_writev(g_ns, g_qp, iov, 2, 0, 16, io_cb, &w, 0), -EINVAL);
	CU_ASSERT_EQUAL(w.calls, 0);
	CU_ASSERT_EQUAL(pnvme_qpair_get_num_outstanding(g_qp), 0);
	munmap(other, 65536);
}

static void test_unregister_with_io_outstanding(void)
{
	struct io_wait w[3] = {0};
	uint8_t *elsewhere = pnvme_dma_zmalloc(4096, 4096, NULL);
	struct iovec iov[2] = {{g_mem + 3 * 4096, 4096}, {g_mem + 4096, 4096}};

	CU_ASSERT_PTR_NOT_NULL_FATAL(g_qp);
	CU_ASSERT_PTR_NOT_NULL_FATAL(elsewhere);
	/* Submitted, not polled: outstanding until its callback runs. */
	fill(g_mem + 4096, 4096, 3);
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_write(g_ns, g_qp, g_mem + 4096, 8, 8, io_cb, &w[0], 0),
			      0);
	CU_ASSERT_EQUAL(pnvme_mem_unregister(g_mem, REGION), -EBUSY);
	/* Still registered, and the write goes on normally. */
	CU_ASSERT_EQUAL(pnvme_vtophys(g_mem, NULL), (uintptr_t)g_mem);
	CU_ASSERT_TRUE_FATAL(wait_io(w, 1));
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w[0].cpl));

	/* Vectored: found through the caller's iovec. */
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_readv(g_ns, g_qp, iov, 2, 0, 16, io_cb, &w[1], 0), 0);
	CU_ASSERT_EQUAL(pnvme_mem_unregister(g_mem, REGION), -EBUSY);
	CU_ASSERT_TRUE_FATAL(wait_io(w, 2));
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&w[1].cpl));
	CU_ASSERT_FALSE(logged("process_vm_readv refused")); /* really looked */

	/*
	 * Waiting in the software queue, not on the device yet (one tracker):
	 * found too, and both go on normally after the refusal.
	 */
	struct pnvme_io_qpair_opts o;
	struct pnvme_qpair *small;
	struct io_wait q[2] = {0};

	pnvme_ctrlr_get_default_io_qpair_opts(g_ctrlr, &o, sizeof(o));
	o.io_queue_size = 2;
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(g_ctrlr, &o, &small), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write(g_ns, small, elsewhere, 32, 8, io_cb, &q[0], 0), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_readv(g_ns, small, iov, 2, 0, 16, io_cb, &q[1], 0), 0);
	CU_ASSERT_EQUAL(pnvme_mem_unregister(g_mem, REGION), -EBUSY);
	for (uint64_t end = pnvme_ticks() + 10 * pnvme_ticks_hz();
	     q[0].calls + q[1].calls < 2 && pnvme_ticks() < end;)
		pnvme_qpair_process_completions(small, 0);
	CU_ASSERT_EQUAL(q[0].calls + q[1].calls, 2);
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&q[0].cpl));
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&q[1].cpl));
	CU_ASSERT_EQUAL(pnvme_ctrlr_free_io_qpair(small), 0);

	/*
	 * I/O on other memory does not hold the region, though its request last
	 * carried an MPTR into it: the inline write keeps no MPTR of the request's
	 * earlier command (the free list gives the same request back).
	 */
	struct pnvme_cmd raw = {.opc = PNVME_OPC_READ, .nsid = pnvme_ns_get_id(g_ns), .cdw12 = 7,
				.mptr = (uintptr_t)(g_mem + 8192)};
	struct io_wait r = {0};

	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_cmd_io_raw(g_ctrlr, g_qp, &raw, elsewhere, 4096, io_cb, &r),
			      0);
	CU_ASSERT_TRUE_FATAL(wait_io(&r, 1));
	CU_ASSERT_FALSE(pnvme_cpl_is_error(&r.cpl));
	CU_ASSERT_EQUAL_FATAL(pnvme_ns_cmd_write(g_ns, g_qp, elsewhere, 0, 8, io_cb, &w[2], 0), 0);
	CU_ASSERT_EQUAL(pnvme_mem_unregister(g_mem, REGION), 0);
	CU_ASSERT_TRUE(wait_io(w, 3));
	pnvme_dma_free(elsewhere);
}

/*
 * Another thread owns a qpair and keeps polling it: its requests on the region
 * are found while it runs, and its I/O on other memory never holds the region.
 */
struct owner {
	struct pnvme_qpair *qp;
	uint8_t *buf;        /* in the region */
	uint8_t *other;      /* DPDK memory */
	_Atomic int phase;   /* 1: its region I/O is submitted; 2: stop */
	_Atomic int region_done;
	int errors;
};

static void *owner_main(void *arg)
{
	struct owner *o = arg;
	struct io_wait w[8] = {0}, other = {0};
	int submitted = 0;

	for (int i = 0; i < 8; i++)
		o->errors += pnvme_ns_cmd_read(g_ns, o->qp, o->buf + i * 4096, i * 8, 8, io_cb, &w[i],
					       0) != 0;
	atomic_store(&o->phase, 1);
	while (atomic_load(&o->phase) != 2) {
		/* Other memory, again and again, while the main thread checks. */
		if (other.calls == submitted) {
			o->errors += pnvme_ns_cmd_write(g_ns, o->qp, o->other, 0, 8, io_cb, &other,
							0) != 0;
			submitted++;
		}
		pnvme_qpair_process_completions(o->qp, 0);
		int done = 0;

		for (int i = 0; i < 8; i++)
			done += w[i].calls;
		if (done == 8)
			atomic_store(&o->region_done, 1);
	}
	while (other.calls != submitted)
		pnvme_qpair_process_completions(o->qp, 0);
	for (int i = 0; i < 8; i++)
		o->errors += pnvme_cpl_is_error(&w[i].cpl);
	o->errors += pnvme_cpl_is_error(&other.cpl);
	return NULL;
}

static void test_unregister_while_owner_polls(void)
{
	struct pnvme_sim *sim = pnvme_sim_get("embed");
	struct owner o = {.buf = g_mem + 64 * 4096};
	pthread_t th;
	int busy = 0, spins = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(sim);
	CU_ASSERT_EQUAL_FATAL(pnvme_vtophys(g_mem, NULL), (uintptr_t)g_mem); /* registered */
	CU_ASSERT_EQUAL_FATAL(pnvme_ctrlr_alloc_io_qpair(g_ctrlr, NULL, &o.qp), 0);
	o.other = pnvme_dma_zmalloc(4096, 4096, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(o.other);
	pnvme_sim_set_latency_us(sim, 300000); /* its reads stay in flight a while */
	CU_ASSERT_EQUAL_FATAL(pthread_create(&th, NULL, owner_main, &o), 0);
	while (atomic_load(&o.phase) != 1)
		sched_yield();
	/* Submitted before we ask (the phase store orders it): found, never missed. */
	while (!atomic_load(&o.region_done)) {
		int rc = pnvme_mem_unregister(g_mem, REGION);

		if (rc == 0) { /* they completed between two looks */
			CU_ASSERT_EQUAL(pnvme_mem_register(g_mem, REGION), 0);
			break;
		}
		busy += rc == -EBUSY;
		spins++;
	}
	CU_ASSERT_TRUE(busy > 0);
	CU_ASSERT_EQUAL(busy, spins); /* nothing but EBUSY while they were in flight */
	pnvme_sim_set_latency_us(sim, 0);
	while (!atomic_load(&o.region_done))
		sched_yield();
	/* Now only writes from other memory come and go: the region is free to go. */
	for (int i = 0; i < 200; i++) {
		CU_ASSERT_EQUAL_FATAL(pnvme_mem_unregister(g_mem, REGION), 0);
		CU_ASSERT_EQUAL_FATAL(pnvme_mem_register(g_mem, REGION), 0);
	}
	atomic_store(&o.phase, 2);
	pthread_join(th, NULL);
	CU_ASSERT_EQUAL(o.errors, 0);
	CU_ASSERT_EQUAL(pnvme_ctrlr_free_io_qpair(o.qp), 0);
	pnvme_dma_free(o.other);
}

static void test_io_after_unregister(void)
{
	struct io_wait w = {0};
	struct iovec iov = {g_mem, 4096};

	CU_ASSERT_PTR_NOT_NULL_FATAL(g_qp);
	CU_ASSERT_EQUAL(pnvme_vtophys(g_mem, NULL), PNVME_VTOPHYS_ERROR);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_write(g_ns, g_qp, g_mem, 0, 8, io_cb, &w, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(g_ns, g_qp, g_mem, 0, 128, io_cb, &w, 0), -EINVAL);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_readv(g_ns, g_qp, &iov, 1, 0, 8, io_cb, &w, 0), -EINVAL);
	CU_ASSERT_EQUAL(w.calls, 0);
	CU_ASSERT_EQUAL(pnvme_mem_unregister(g_mem, REGION), -ENOENT);
	/* Registered again, it works again. */
	CU_ASSERT_EQUAL_FATAL(pnvme_mem_register(g_mem, REGION), 0);
	CU_ASSERT_EQUAL(pnvme_ns_cmd_read(g_ns, g_qp, g_mem, 0, 8, io_cb, &w, 0), 0);
	CU_ASSERT_TRUE(wait_io(&w, 1));
}

static void test_fini_leaves_programs_eal(void)
{
	void *p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(g_ctrlr);
	/* Not with a controller attached. */
	g_log[0] = '\0';
	pnvme_env_fini();
	CU_ASSERT_TRUE(pnvme_env_is_initialized());
	CU_ASSERT_TRUE(logged("detach them first"));
	CU_ASSERT_EQUAL(pnvme_detach(g_ctrlr), 0);
	g_ctrlr = NULL;
	g_qp = NULL;

	pnvme_env_fini();
	CU_ASSERT_FALSE(pnvme_env_is_initialized());
	/* Registrations are gone (from DPDK too: registering again works below). */
	CU_ASSERT_EQUAL(pnvme_vtophys(g_mem, NULL), PNVME_VTOPHYS_ERROR);
	/* The program's EAL still runs. */
	p = rte_malloc("after-fini", 4096, 0);
	CU_ASSERT_PTR_NOT_NULL(p);
	rte_free(p);

	/* And pnvme uses it again. */
	CU_ASSERT_EQUAL(pnvme_env_init(NULL), 0);
	CU_ASSERT_EQUAL(pnvme_mem_register(g_mem, REGION), 0);
	CU_ASSERT_EQUAL(pnvme_connect("trtype:sim traddr:again", NULL, &g_ctrlr), 0);
	CU_ASSERT_EQUAL(pnvme_detach(g_ctrlr), 0);
	CU_ASSERT_EQUAL(pnvme_mem_unregister(g_mem, REGION), 0);
	pnvme_env_fini();
	CU_ASSERT_PTR_EQUAL(rte_log_get_stream(), g_log_stream_before);
}

/* The program's own EAL start: no hugepages here, IOVA as VA, on a CPU we may use. */
static int start_programs_eal(void)
{
	char cpu[16];
	cpu_set_t set;
	int first = 0;
	char *argv[] = {"embedder", "--no-huge", "-m", "512", "--no-shconf", "--no-pci",
			"--iova-mode=va", "--no-telemetry", "--log-level=error", "-l", cpu, NULL};

	if (sched_getaffinity(0, sizeof(set), &set) == 0) {
		while (first < CPU_SETSIZE - 1 && !CPU_ISSET(first, &set))
			first++;
	}
	snprintf(cpu, sizeof(cpu), "%d", first);
	return rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])) - 1, argv);
}

int main(void)
{
	static const struct test_case tests[] = {
		{"an EAL running IOVA as PA: sim and registered memory refused, clearly",
		 test_iova_pa_refused},
		{"pnvme uses the program's EAL: memory, not its log stream", test_uses_programs_eal},
		{"verified I/O from mmap'd memory the program registered",
		 test_io_from_registered_memory},
		{"I/O from memory not registered: EINVAL", test_io_from_unregistered_memory},
		{"unregister with I/O outstanding on the region: EBUSY",
		 test_unregister_with_io_outstanding},
		{"unregister, then I/O on that memory: EINVAL", test_io_after_unregister},
		{"another thread's qpair: its I/O on the region found while it polls",
		 test_unregister_while_owner_polls},
		{"fini leaves the program's EAL running; init uses it again",
		 test_fini_leaves_programs_eal},
		{NULL, NULL},
	};
	int rc;

	if (start_programs_eal() < 0) {
		fprintf(stderr, "embed_eal_test: the program's own rte_eal_init failed\n");
		return 1;
	}
	g_log_stream_before = rte_log_get_stream();
	g_mem = mmap(NULL, REGION, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (g_mem == MAP_FAILED)
		return 1;
	pnvme_log_set_level(PNVME_LOG_INFO);
	pnvme_log_set_callback(log_cb, NULL);
	test_add_suite("embed", NULL, NULL, tests);
	rc = test_run_all();
	pnvme_log_set_callback(NULL, NULL);
	munmap(g_mem, REGION);
	rte_eal_cleanup();
	return rc;
}
