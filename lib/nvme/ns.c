/* SPDX-License-Identifier: BSD-3-Clause */
/* Namespaces: geometry from Identify Namespace. */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "ctrlr.h"
#include "env/log.h"

/* Metadata and PI of the format in use; false for one this driver cannot drive. */
static bool md_format(struct pnvme_ns *ns, const struct pnvme_ns_data *d)
{
	const struct pnvme_lbaf *f = &d->lbaf[PNVME_FLBAS_FORMAT(d->flbas)];

	ns->md_size = f->ms;
	ns->md_extended = f->ms != 0 && (d->flbas & PNVME_FLBAS_EXTENDED);
	ns->pi_type = (uint8_t)PNVME_DPS_PI_TYPE(d->dps);
	ns->pi_first = (d->dps & PNVME_DPS_PI_FIRST) != 0;
	ns->ext_sector_size = ns->sector_size + (ns->md_extended ? f->ms : 0);
	if (ns->pi_type > PNVME_PI_TYPE3 || (ns->pi_type != 0 && f->ms < 8)) {
		PNVME_ERRLOG("ns", "%s namespace %u: protection information type %u with %u bytes "
				   "of metadata: not a format this driver can use; I/O refused "
				   "(-ENOTSUP)", ns->ctrlr->trid.traddr, ns->id, ns->pi_type, f->ms);
		return false;
	}
	return true;
}

/*
 * Writers of a namespace's fields one at a time: a tool's rescan and the AER's
 * may run in two threads, and the last gate store must be the last writer's
 * (else a namespace removed by one could be left open by the other). Rare, and
 * never on the I/O path.
 */
static pthread_mutex_t g_ns_update = PTHREAD_MUTEX_INITIALIZER;

static void update_fast_path(struct pnvme_ns *ns);

/* nvme_ns_init() with the lock held. */
static void ns_init(struct pnvme_ns *ns, struct pnvme_ctrlr *ctrlr, uint32_t nsid,
		    const struct pnvme_ns_data *data)
{
	/* Gone stays gone when a second rescan (the AER's and a tool's) sees it again. */
	bool was_active = ns->ctrlr != NULL &&
			  (ns->active || atomic_load_explicit(&ns->io_block, memory_order_relaxed) ==
						 NVME_NS_IO_REMOVED);
	uint8_t block = NVME_NS_IO_INACTIVE;
	uint32_t lbads;

	/* The inline path's gate first, then the slow path's (before any field changes). */
	atomic_store_explicit(&ns->fast_max_sectors, 0, memory_order_seq_cst);
	atomic_store_explicit(&ns->io_block, NVME_NS_IO_INACTIVE, memory_order_seq_cst);
	ns->ctrlr = ctrlr;
	ns->id = nsid;
	ns->nsid_dw01 = (uint64_t)nsid << 32;
	ns->active = false;
	ns->sector_size = ns->lba_shift = 0;
	ns->num_sectors = 0;
	ns->max_sectors = ns->boundary = ns->boundary_mask = 0;
	ns->md_size = ns->ext_sector_size = ns->max_sectors_ext = 0;
	ns->pi_type = 0;
	ns->pi_first = ns->md_extended = false;
	if (data == NULL || data->nsze == 0) {
		memset(&ns->data, 0, sizeof(ns->data));
		/* A namespace that was there and is gone fails its I/O with -ENXIO. */
		atomic_store_explicit(&ns->io_block,
				      was_active ? NVME_NS_IO_REMOVED : NVME_NS_IO_INACTIVE,
				      memory_order_release);
		return;
	}
	ns->data = *data;
	lbads = data->lbaf[PNVME_FLBAS_FORMAT(data->flbas)].lbads;
	if (lbads < 9 || lbads > 16)
		return; /* not a block size this driver can use: leave it inactive */
	ns->active = true;
	ns->lba_shift = lbads;
	ns->sector_size = 1u << lbads;
	ns->num_sectors = data->nsze;
	ns->max_sectors = ctrlr->max_xfer >> lbads;
	if (ns->max_sectors > 65536) /* NLB is 16 bits */
		ns->max_sectors = 65536;
	if (data->nsfeat & PNVME_NSFEAT_OPTPERF || data->noiob != 0) {
		ns->boundary = data->noiob;
		if (ns->boundary && (ns->boundary & (ns->boundary - 1)) == 0)
			ns->boundary_mask = ns->boundary - 1;
	}
	block = md_format(ns, data) ? NVME_NS_IO_OK : NVME_NS_IO_FORMAT;
	ns->max_sectors_ext = ctrlr->max_xfer / ns->ext_sector_size;
	if (ns->max_sectors_ext > 65536)
		ns->max_sectors_ext = 65536;
	atomic_store_explicit(&ns->io_block, block, memory_order_release);
	update_fast_path(ns);
}

/*
 * Fill, or update in place (bring-up after a reset, a rescan): the handle
 * stays where the user holds it. I/O is refused while the fields change.
 */
void nvme_ns_init(struct pnvme_ns *ns, struct pnvme_ctrlr *ctrlr, uint32_t nsid,
		  const struct pnvme_ns_data *data)
{
	pthread_mutex_lock(&g_ns_update);
	ns_init(ns, ctrlr, nsid, data);
	pthread_mutex_unlock(&g_ns_update);
}

int nvme_ns_io_errno(const struct pnvme_ns *ns, const struct pnvme_qpair *qp)
{
	if (ns == NULL || qp == NULL || qp->ctrlr != ns->ctrlr)
		return -EINVAL;
	switch (atomic_load_explicit(&ns->io_block, memory_order_acquire)) {
	case NVME_NS_IO_REMOVED:
		return -ENXIO;
	case NVME_NS_IO_FORMAT:
		return -ENOTSUP;
	case NVME_NS_IO_OK:
		return 0;
	default:
		return -EINVAL;
	}
}

/*
 * The inline path carries plain blocks only: a boundary or metadata sends I/O
 * to rw(). Never more than the namespace holds, so that its range check is one
 * compare (lba <= num_sectors - count cannot wrap). Nothing while io_block
 * refuses I/O: the slow path then says why. Called after the fields are set.
 */
void nvme_ns_update_fast_path(struct pnvme_ns *ns)
{
	pthread_mutex_lock(&g_ns_update);
	update_fast_path(ns);
	pthread_mutex_unlock(&g_ns_update);
}

static void update_fast_path(struct pnvme_ns *ns)
{
	uint32_t max = ns->max_sectors;

	if (max > ns->num_sectors)
		max = (uint32_t)ns->num_sectors;
	if (ns->boundary || ns->md_size ||
	    atomic_load_explicit(&ns->io_block, memory_order_relaxed) != NVME_NS_IO_OK)
		max = 0;
	atomic_store_explicit(&ns->fast_max_sectors, max, memory_order_release);
}

uint32_t pnvme_ns_get_id(const struct pnvme_ns *ns)
{
	return ns->id;
}

bool pnvme_ns_is_active(const struct pnvme_ns *ns)
{
	return ns->active;
}

const struct pnvme_ns_data *pnvme_ns_get_data(const struct pnvme_ns *ns)
{
	return &ns->data;
}

uint32_t pnvme_ns_get_sector_size(const struct pnvme_ns *ns)
{
	return ns->sector_size;
}

uint64_t pnvme_ns_get_num_sectors(const struct pnvme_ns *ns)
{
	return ns->num_sectors;
}

uint64_t pnvme_ns_get_size(const struct pnvme_ns *ns)
{
	return ns->num_sectors << ns->lba_shift;
}

uint32_t pnvme_ns_get_optimal_io_boundary(const struct pnvme_ns *ns)
{
	return ns->boundary;
}

uint32_t pnvme_ns_get_md_size(const struct pnvme_ns *ns)
{
	return ns->md_size;
}

bool pnvme_ns_md_is_extended(const struct pnvme_ns *ns)
{
	return ns->md_extended;
}

uint32_t pnvme_ns_get_extended_sector_size(const struct pnvme_ns *ns)
{
	return ns->ext_sector_size;
}

enum pnvme_pi_type pnvme_ns_get_pi_type(const struct pnvme_ns *ns)
{
	return (enum pnvme_pi_type)ns->pi_type;
}

bool pnvme_ns_pi_is_first(const struct pnvme_ns *ns)
{
	return ns->pi_first;
}
