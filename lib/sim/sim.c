/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The sim controller's life: creation from parameters, the registry of live
 * controllers by name, and the device thread or step-mode polling.
 */
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "sim_internal.h"

#define IDLE_SLEEP_NS 30000
#define THREAD_BUDGET 64 /* commands per SQ per pass: fairness between queues */

static pthread_mutex_t g_registry_lock = PTHREAD_MUTEX_INITIALIZER;
static struct pnvme_sim *g_sims;

uint64_t sim_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* ---------------------------------------------------------------- registry */

static struct pnvme_sim *find_locked(const char *name)
{
	for (struct pnvme_sim *s = g_sims; s != NULL; s = s->next) {
		if (strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

/* Name the controller (first free "simN" for "") and make it findable. */
static int registry_add(struct pnvme_sim *sim, const char *name)
{
	int rc = 0;

	pthread_mutex_lock(&g_registry_lock);
	if (name[0] == '\0') {
		for (unsigned i = 0;; i++) {
			snprintf(sim->name, sizeof(sim->name), "sim%u", i);
			if (find_locked(sim->name) == NULL)
				break;
		}
	} else if (find_locked(name) != NULL) {
		rc = -EEXIST;
	} else {
		snprintf(sim->name, sizeof(sim->name), "%s", name);
	}
	if (rc == 0) {
		sim->next = g_sims;
		g_sims = sim;
	}
	pthread_mutex_unlock(&g_registry_lock);
	return rc;
}

static void registry_remove(struct pnvme_sim *sim)
{
	pthread_mutex_lock(&g_registry_lock);
	for (struct pnvme_sim **p = &g_sims; *p != NULL; p = &(*p)->next) {
		if (*p == sim) {
			*p = sim->next;
			break;
		}
	}
	pthread_mutex_unlock(&g_registry_lock);
}

struct pnvme_sim *pnvme_sim_get(const char *name)
{
	struct pnvme_sim *sim;

	if (name == NULL)
		return NULL;
	pthread_mutex_lock(&g_registry_lock);
	sim = find_locked(name);
	pthread_mutex_unlock(&g_registry_lock);
	return sim;
}

const char *pnvme_sim_name(const struct pnvme_sim *sim)
{
	return sim->name;
}

volatile void *pnvme_sim_bar0(struct pnvme_sim *sim)
{
	return sim->bar;
}

size_t pnvme_sim_bar0_len(const struct pnvme_sim *sim)
{
	return sim->bar_len;
}

/* ---------------------------------------------------------------- processing */

static bool bus_master(const struct pnvme_sim *sim)
{
	uint8_t cmd = __atomic_load_n(&sim->cfg[SIM_PCI_COMMAND], __ATOMIC_RELAXED);

	return (cmd & SIM_PCI_COMMAND_MASTER) != 0;
}

/* One pass over registers, doorbells and queues. Returns commands processed. */
static unsigned step(struct pnvme_sim *sim, unsigned budget)
{
	unsigned n = 0;

	sim->now_ns = sim_now_ns();
	sim->n_posted = 0;
	sim_call_serve(sim);
	if (unlikely(atomic_load_explicit(&sim->removed, memory_order_relaxed))) {
		sim_removed_step(sim);
		return 0;
	}
	sim_regs_step(sim);
	/* Without bus mastering the controller cannot reach host memory: it waits. */
	if (sim->state != SIM_ST_READY || sim_is_fatal(sim) || !bus_master(sim))
		return 0;
	sim_doorbells_scan(sim);
	if (sim_is_fatal(sim))
		return 0;
	sim->n_posted += sim_cqs_post(sim);
	if (unlikely(sim->n_bogus != 0))
		sim->n_posted += sim_bogus_post(sim);
	sim_stall_step(sim);
	sim_admin_step(sim);
	if (sim->admin_wait == NULL && sim->sqs[0] != NULL)
		n += sim_sq_process(sim, sim->sqs[0], budget);
	for (uint32_t qid = 1; qid <= sim->sq_hi; qid++) {
		if (sim->sqs[qid] != NULL)
			n += sim_sq_process(sim, sim->sqs[qid], budget);
	}
	sim->n_posted += sim_cqs_post(sim);
	/* A deletion or event that became possible just now completes in this pass. */
	sim_admin_step(sim);
	sim->n_posted += sim_cqs_post(sim);
	return n;
}

int pnvme_sim_poll(struct pnvme_sim *sim)
{
	if (sim->has_thread)
		return -EBUSY;
	return (int)step(sim, UINT_MAX);
}

static void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static void affinity_all(void)
{
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	cpu_set_t set;

	/* DPDK pins its threads; the device thread may run anywhere. */
	CPU_ZERO(&set);
	for (long i = 0; i < ncpu && i < CPU_SETSIZE; i++)
		CPU_SET((size_t)i, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

/* Spin while busy, then sleep in short naps so an idle sim costs no core. */
static void *device_thread(void *arg)
{
	struct pnvme_sim *sim = arg;
	uint64_t idle_ns = (uint64_t)sim->p.idle_us * 1000, last_busy = sim_now_ns();
	const struct timespec nap = {.tv_sec = 0, .tv_nsec = IDLE_SLEEP_NS};

	affinity_all();
	pthread_setname_np(pthread_self(), "pnvme-sim");
	prctl(PR_SET_TIMERSLACK, 1000UL); /* naps of 30 us, not 30 + 50 */
	while (!atomic_load_explicit(&sim->stop, memory_order_acquire)) {
		unsigned n = step(sim, THREAD_BUDGET);

		if (n != 0 || sim->n_posted != 0)
			last_busy = sim->now_ns;
		else if (sim->now_ns - last_busy < idle_ns)
			cpu_relax();
		else
			nanosleep(&nap, NULL);
	}
	return NULL;
}

static void sim_free(struct pnvme_sim *sim)
{
	if (sim->has_thread) {
		atomic_store_explicit(&sim->stop, true, memory_order_release);
		pthread_join(sim->thread, NULL);
	}
	if (sim->sqs != NULL && sim->cqs != NULL && sim->db_seen != NULL)
		sim_queues_reset(sim);
	sim_ns_fini(sim);
	sim_fw_fini(sim);
	sim_sgl_fini(&sim->sgl);
	sim_sgl_fini(&sim->mdsgl);
	free(sim->sqs);
	free(sim->cqs);
	free(sim->db_seen);
	free(sim->bar);
	pthread_mutex_destroy(&sim->lock);
	sim_call_fini(sim);
	free(sim);
}

static size_t bar_size(const struct sim_params *p)
{
	size_t len = PNVME_REG_DBS + 2 * ((size_t)p->queues + 1) * (4u << p->dstrd);

	len = (len + SIM_PAGE_SIZE - 1) & ~(size_t)SIM_PAGE_MASK;
	return len < 16384 ? 16384 : len;
}

static int sim_setup(struct pnvme_sim *sim)
{
	uint32_t slots = 2 * (sim->p.queues + 1);

	sim->bar_len = bar_size(&sim->p);
	sim->bar = aligned_alloc(SIM_PAGE_SIZE, sim->bar_len);
	sim->sqs = calloc(sim->p.queues + 1, sizeof(*sim->sqs));
	sim->cqs = calloc(sim->p.queues + 1, sizeof(*sim->cqs));
	sim->db_seen = calloc(slots, sizeof(*sim->db_seen));
	if (sim->bar == NULL || sim->sqs == NULL || sim->cqs == NULL || sim->db_seen == NULL)
		return -ENOMEM;
	memset(sim->bar, 0, sim->bar_len);
	atomic_init(&sim->latency_us, sim->p.latency_us);
	atomic_init(&sim->ready_ms, sim->p.fault_ready_ms >= 0 ? (unsigned)sim->p.fault_ready_ms
							       : sim->p.ready_ms);
	atomic_init(&sim->never_ready, sim->p.never_ready);
	atomic_init(&sim->stop, false);
	atomic_init(&sim->abort_mode, PNVME_SIM_ABORT_NORMAL);
	atomic_init(&sim->removed, false);
	sim->epoch_ns = sim_now_ns();
	sim_regs_init(sim);
	sim_features_reset(sim);
	sim_pci_init(sim);
	return 0;
}

static int start_thread(struct pnvme_sim *sim)
{
	int rc = pthread_create(&sim->thread, NULL, device_thread, sim);

	if (rc != 0) {
		PNVME_ERRLOG("sim", "%s: cannot start the device thread: %s", sim->name,
			     strerror(rc));
		return -rc;
	}
	sim->has_thread = true;
	return 0;
}

int pnvme_sim_create(const char *name, const char *params, struct pnvme_sim **out)
{
	struct pnvme_sim *sim;
	int rc;

	if (out == NULL)
		return -EINVAL;
	if (name == NULL)
		name = "";
	if (strlen(name) >= ENV_PCI_ADDR_MAX) {
		PNVME_ERRLOG("sim", "name '%s' is too long (max %d)", name, ENV_PCI_ADDR_MAX - 1);
		return -EINVAL;
	}
	sim = calloc(1, sizeof(*sim));
	if (sim == NULL)
		return -ENOMEM;
	sim_faults_init(sim);
	sim_call_init(sim);
	rc = sim_params_parse(name[0] ? name : "sim", params, &sim->p);
	if (rc == 0)
		rc = sim_setup(sim);
	if (rc != 0) {
		sim_free(sim);
		return rc;
	}
	rc = registry_add(sim, name);
	if (rc != 0) {
		PNVME_ERRLOG("sim", "a sim controller named '%s' exists already", name);
		sim_free(sim);
		return rc;
	}
	snprintf(sim->pci.addr, sizeof(sim->pci.addr), "%s", sim->name);
	rc = sim_ns_init(sim);
	if (rc == 0 && sim->p.fault_io != 0)
		rc = pnvme_sim_fail_next(sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC, sim->p.fault_io,
					 PNVME_SCT_MEDIA_ERROR, PNVME_SC_UNRECOVERED_READ_ERROR, true);
	if (rc == 0 && sim->p.fault_bogus != 0)
		rc = pnvme_sim_bogus_cid_next(sim, PNVME_SIM_IO, PNVME_SIM_ANY_OPC,
					      sim->p.fault_bogus);
	if (rc == 0) {
		sim_identify_init(sim);
		sim_fw_init(sim);
		sim_self_test_init(sim);
		if (sim->p.thread)
			rc = start_thread(sim);
	}
	if (rc != 0) {
		pnvme_sim_destroy(sim);
		return rc;
	}
	*out = sim;
	return 0;
}

void pnvme_sim_destroy(struct pnvme_sim *sim)
{
	if (sim == NULL)
		return;
	registry_remove(sim);
	sim_free(sim);
}
