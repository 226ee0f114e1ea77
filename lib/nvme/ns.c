/* SPDX-License-Identifier: BSD-3-Clause */
/* Namespaces: geometry from Identify Namespace. */
#include <string.h>

#include "ctrlr.h"

void nvme_ns_init(struct pnvme_ns *ns, struct pnvme_ctrlr *ctrlr, uint32_t nsid,
		  const struct pnvme_ns_data *data)
{
	uint32_t lbads;

	memset(ns, 0, sizeof(*ns));
	ns->ctrlr = ctrlr;
	ns->id = nsid;
	if (data == NULL || data->nsze == 0)
		return;
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
	nvme_ns_update_fast_path(ns);
}

void nvme_ns_update_fast_path(struct pnvme_ns *ns)
{
	ns->fast_max_sectors = ns->boundary ? 0 : ns->max_sectors;
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
