/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Namespaces: their backing memory (one anonymous MAP_NORESERVE mapping each,
 * so untouched blocks cost nothing and read as zeroes), their identifiers,
 * and the changes a test makes (format, removal), which the host learns of
 * through a Namespace Attribute Changed notice and the Changed Namespace List
 * log page.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim_internal.h"

#define AER_NOTICE 2
#define AER_INFO_NS_ATTR_CHANGED 0x00

static uint64_t fnv1a(const char *s, uint64_t h)
{
	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 0x100000001b3ull;
	return h;
}

/* Identifiers stable for a name: the same sim name gives the same IDs each run. */
static void ns_ids(struct sim_ns *ns, const char *name, uint32_t nsid)
{
	uint64_t h = fnv1a(name, 0xcbf29ce484222325ull) ^ ((uint64_t)nsid * 0x9e3779b97f4a7c15ull);

	for (int i = 0; i < 8; i++) {
		ns->eui64[i] = (uint8_t)(h >> (56 - 8 * i));
		ns->nguid[i] = ns->eui64[i];
		ns->nguid[8 + i] = (uint8_t)(nsid >> (8 * (i % 4)));
		ns->uuid[i] = ns->eui64[i];
		ns->uuid[8 + i] = (uint8_t)~ns->eui64[i];
	}
	ns->uuid[6] = (uint8_t)((ns->uuid[6] & 0x0f) | 0x40); /* version 4 */
	ns->uuid[8] = (uint8_t)((ns->uuid[8] & 0x3f) | 0x80); /* variant 1 */
}

static void *map_zeroes(uint64_t bytes)
{
	void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}


static void ns_unmap(struct sim_ns *ns)
{
	if (ns->data != NULL)
		munmap(ns->data, ns->bytes);
	if (ns->md != NULL)
		munmap(ns->md, ns->md_bytes);
	ns->data = NULL;
	ns->md = NULL;
	ns->bytes = 0;
	ns->md_bytes = 0;
}

/* Blocks as f says, bytes of data in all: fresh memory, reads as zeroes. */
static int ns_map(struct sim_ns *ns, const struct sim_ns_format *f, uint64_t bytes)
{
	uint64_t nsze = bytes / f->lba_size, md_bytes = nsze * f->ms;
	uint8_t *data = map_zeroes(bytes), *md = NULL;

	if (data == NULL)
		return -ENOMEM;
	if (md_bytes != 0 && (md = map_zeroes(md_bytes)) == NULL) {
		munmap(data, bytes);
		return -ENOMEM;
	}
	ns_unmap(ns);
	ns->data = data;
	ns->bytes = bytes;
	ns->md = md;
	ns->md_bytes = md_bytes;
	ns->lba_shift = (uint32_t)__builtin_ctz(f->lba_size);
	ns->nsze = nsze;
	ns->ms = f->ms;
	ns->ext = f->ext;
	ns->pi = f->pi;
	ns->pil = f->pil;
	ns->allocated = true;
	return 0;
}

/* A format a real namespace could have (as the ms/mset/pi/pil parameters are checked). */
bool sim_ns_format_valid(const struct sim_ns_format *f)
{
	if (f->lba_size < 512 || f->lba_size > 65536 || (f->lba_size & (f->lba_size - 1)) != 0)
		return false;
	if (f->ms > SIM_MS_MAX || f->pi > 3 || (f->ext && f->ms == 0))
		return false;
	return (f->pi == 0 || f->ms >= 8) && (!f->pil || f->pi != 0);
}

int sim_ns_init(struct pnvme_sim *sim)
{
	sim->ns = calloc(sim->p.nn, sizeof(*sim->ns));
	if (sim->ns == NULL)
		return -ENOMEM;
	/* IDs above ns= stay unallocated until a Namespace Management create. */
	for (uint32_t i = sim->p.ns_count; i < sim->p.nn; i++)
		ns_ids(&sim->ns[i], sim->name, i + 1);
	for (uint32_t i = 0; i < sim->p.ns_count; i++) {
		uint32_t k = i < sim->p.n_lba_sizes ? i : sim->p.n_lba_sizes - 1;
		struct sim_ns_format f = {
			.lba_size = sim->p.lba_sizes[k], .ms = sim->p.ms, .ext = sim->p.mset,
			.pi = (uint8_t)sim->p.pi, .pil = sim->p.pil,
		};

		if (ns_map(&sim->ns[i], &f, sim->p.ns_size) != 0) {
			PNVME_ERRLOG("sim", "%s: cannot map %llu bytes for namespace %u",
				     sim->name, (unsigned long long)sim->p.ns_size, i + 1);
			return -ENOMEM;
		}
		sim->ns[i].active = true;
		ns_ids(&sim->ns[i], sim->name, i + 1);
	}
	return 0;
}

void sim_ns_fini(struct pnvme_sim *sim)
{
	if (sim->ns == NULL)
		return;
	for (uint32_t i = 0; i < sim->p.nn; i++)
		ns_unmap(&sim->ns[i]);
	free(sim->ns);
	sim->ns = NULL;
}

struct sim_ns *sim_ns_active(struct pnvme_sim *sim, uint32_t nsid)
{
	if (nsid == 0 || nsid > sim->p.nn || !sim->ns[nsid - 1].active)
		return NULL;
	return &sim->ns[nsid - 1];
}

/* ---------------------------------------------------------------- changes */

static void changed_add(struct pnvme_sim *sim, uint32_t nsid)
{
	for (unsigned i = 0; i < sim->n_changed && i < SIM_CHANGED_NS_MAX; i++) {
		if (sim->changed_ns[i] == nsid)
			return;
	}
	if (sim->n_changed < SIM_CHANGED_NS_MAX)
		sim->changed_ns[sim->n_changed] = nsid;
	if (sim->n_changed <= SIM_CHANGED_NS_MAX)
		sim->n_changed++; /* SIM_CHANGED_NS_MAX + 1: more than the list holds */
}

/*
 * A namespace changed: list it, and send a Namespace Attribute Changed notice
 * if the host enabled them (AEC bit 8) and has read the log page (RAE clear)
 * since the last one.
 */
void sim_ns_changed(struct pnvme_sim *sim, uint32_t nsid)
{
	changed_add(sim, nsid);
	if (!(sim->feat.aec & SIM_AEC_NS_ATTR) || sim->ns_notice_masked)
		return;
	if (sim_event_push(sim, AER_NOTICE, AER_INFO_NS_ATTR_CHANGED,
			   SIM_LOG_CHANGED_NS_LIST) == 0)
		sim->ns_notice_masked = true;
}

/* The Changed Namespace List log page; read with RAE clear, it empties and unmasks. */
void sim_changed_ns_log(const struct pnvme_sim *sim, uint32_t *list)
{
	if (sim->n_changed > SIM_CHANGED_NS_MAX) {
		list[0] = SIM_NSID_ALL; /* more changed than the list holds */
		return;
	}
	memcpy(list, sim->changed_ns, sim->n_changed * sizeof(list[0]));
}

void sim_changed_ns_clear(struct pnvme_sim *sim)
{
	sim->n_changed = 0;
	sim->ns_notice_masked = false;
}

struct format_arg {
	uint32_t nsid;
	struct sim_ns_format f;
	bool keep_md;  /* pnvme_sim_ns_format: the metadata format stays */
	uint64_t bytes;
};

static int do_format(struct pnvme_sim *sim, void *arg)
{
	struct format_arg *a = arg;
	struct sim_ns *ns = sim_ns_active(sim, a->nsid);
	uint64_t bytes;

	if (ns == NULL)
		return -ENOENT;
	if (a->keep_md) {
		a->f.ms = ns->ms;
		a->f.ext = ns->ext;
		a->f.pi = ns->pi;
		a->f.pil = ns->pil;
	}
	bytes = a->bytes ? a->bytes : ns->bytes;
	if (bytes % a->f.lba_size != 0)
		return -EINVAL;
	if (ns_map(ns, &a->f, bytes) != 0)
		return -ENOMEM;
	sim_ns_changed(sim, a->nsid);
	return 0;
}

static int format(struct pnvme_sim *sim, struct format_arg *a)
{
	if (sim == NULL || a->nsid == 0 || a->nsid > sim->p.nn || !sim_ns_format_valid(&a->f))
		return -EINVAL;
	if (a->bytes != 0 && (a->bytes < SIM_PAGE_SIZE || a->bytes > SIM_NS_SIZE_MAX ||
			      a->bytes % a->f.lba_size != 0))
		return -EINVAL;
	return sim_call(sim, do_format, a);
}

int pnvme_sim_ns_format(struct pnvme_sim *sim, uint32_t nsid, uint32_t lba_size,
			uint64_t size_bytes)
{
	struct format_arg a = {
		.nsid = nsid, .f = {.lba_size = lba_size}, .keep_md = true, .bytes = size_bytes,
	};

	return format(sim, &a);
}

int pnvme_sim_ns_format_md(struct pnvme_sim *sim, uint32_t nsid, uint32_t lba_size,
			   uint32_t ms, bool extended, uint8_t pi, bool pil, uint64_t size_bytes)
{
	struct format_arg a = {
		.nsid = nsid,
		.f = {.lba_size = lba_size, .ms = ms, .ext = extended, .pi = pi, .pil = pil},
		.bytes = size_bytes,
	};

	return format(sim, &a);
}

static int do_ns_remove(struct pnvme_sim *sim, void *arg)
{
	uint32_t nsid = *(const uint32_t *)arg;
	struct sim_ns *ns = sim_ns_active(sim, nsid);

	if (ns == NULL)
		return -ENOENT;
	sim_ns_release(ns);
	sim_ns_changed(sim, nsid);
	return 0;
}

int pnvme_sim_ns_remove(struct pnvme_sim *sim, uint32_t nsid)
{
	if (sim == NULL || nsid == 0 || nsid > sim->p.nn)
		return -EINVAL;
	return sim_call(sim, do_ns_remove, &nsid);
}

/* ---------------------------------------------------------------- for admin commands */

void sim_ns_release(struct sim_ns *ns)
{
	ns_unmap(ns);
	ns->nsze = 0;
	ns->ms = 0;
	ns->ext = ns->pil = false;
	ns->pi = 0;
	ns->active = false;
	ns->allocated = false;
}

void sim_ns_current_format(const struct sim_ns *ns, struct sim_ns_format *f)
{
	f->lba_size = 1u << ns->lba_shift;
	f->ms = ns->ms;
	f->ext = ns->ext;
	f->pi = ns->pi;
	f->pil = ns->pil;
}

/* Device side: fresh memory in format f (erasing the data); an attached one notifies. */
int sim_ns_remap(struct pnvme_sim *sim, uint32_t nsid, const struct sim_ns_format *f,
		 uint64_t bytes)
{
	struct sim_ns *ns = &sim->ns[nsid - 1];

	if (bytes == 0)
		bytes = ns->bytes - ns->bytes % f->lba_size;
	if (bytes < f->lba_size || !sim_ns_format_valid(f))
		return -EINVAL;
	if (ns_map(ns, f, bytes) != 0)
		return -ENOMEM;
	if (ns->active)
		sim_ns_changed(sim, nsid);
	return 0;
}

uint64_t sim_unallocated_bytes(const struct pnvme_sim *sim)
{
	uint64_t total = sim->p.ns_size * sim->p.nn, used = 0;

	for (uint32_t i = 0; i < sim->p.nn; i++)
		used += sim->ns[i].allocated ? sim->ns[i].bytes : 0;
	return used < total ? total - used : 0;
}
