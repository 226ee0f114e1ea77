/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Calls into the device side. A test hook that changes what only the device
 * side may touch (queues, namespaces, BAR0) hands a function to the device
 * thread and waits until it has run there, at the start of the thread's next
 * pass. In step mode the caller is the device side and the function runs at
 * once.
 */
#include <stdatomic.h>

#include "sim_internal.h"

void sim_call_init(struct pnvme_sim *sim)
{
	pthread_mutex_init(&sim->call_lock, NULL);
	pthread_cond_init(&sim->call_cond, NULL);
	atomic_init(&sim->call_pending, false);
}

void sim_call_fini(struct pnvme_sim *sim)
{
	pthread_cond_destroy(&sim->call_cond);
	pthread_mutex_destroy(&sim->call_lock);
}

int sim_call(struct pnvme_sim *sim, sim_call_fn fn, void *arg)
{
	struct sim_call c = {.fn = fn, .arg = arg};

	if (!sim->has_thread) {
		sim->now_ns = sim_now_ns();
		return fn(sim, arg);
	}
	pthread_mutex_lock(&sim->call_lock);
	while (sim->call != NULL) /* one at a time */
		pthread_cond_wait(&sim->call_cond, &sim->call_lock);
	sim->call = &c;
	atomic_store_explicit(&sim->call_pending, true, memory_order_release);
	while (!c.done)
		pthread_cond_wait(&sim->call_cond, &sim->call_lock);
	pthread_mutex_unlock(&sim->call_lock);
	return c.rc;
}

/* Device thread, at the start of a pass: run the call waiting, if any. */
void sim_call_serve(struct pnvme_sim *sim)
{
	struct sim_call *c;

	if (!atomic_load_explicit(&sim->call_pending, memory_order_acquire))
		return;
	pthread_mutex_lock(&sim->call_lock);
	c = sim->call;
	if (c != NULL) {
		c->rc = c->fn(sim, c->arg);
		c->done = true;
		sim->call = NULL;
		atomic_store_explicit(&sim->call_pending, false, memory_order_relaxed);
		pthread_cond_broadcast(&sim->call_cond);
	}
	pthread_mutex_unlock(&sim->call_lock);
}
