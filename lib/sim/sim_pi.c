/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * End-to-end protection information (NVMe Base 1.4 8.3, NVM Command Set):
 * an 8-byte tuple in the first or last eight bytes of each block's metadata,
 * big-endian on the wire: a CRC-16 T10-DIF guard, an application tag and a
 * reference tag. The guard covers the block's data and, when the tuple is the
 * last eight bytes of a larger metadata area, the metadata bytes before it.
 *
 * Stored form: the tuple as on the wire, but with the application and
 * reference tag bytes inverted. Never-written and deallocated metadata is
 * zero in memory and so reads as guard 0000h (the CRC of zeroes, DLFEAT bit
 * 4), application tag FFFFh and reference tag FFFFFFFFh: the escape values,
 * which turn checking off for such a block whatever the PI type.
 */
#include <errno.h>
#include <string.h>

#include <isa-l/crc.h>

#include "sim_internal.h"

#define PI_LEN 8u

void sim_pi_args(const struct pnvme_cmd *cmd, struct sim_pi_args *a)
{
	a->pract = (cmd->cdw12 & PNVME_PRINFO_PRACT) != 0;
	a->prchk = cmd->cdw12 & PNVME_PRINFO_PRCHK_MASK;
	a->ref = cmd->cdw14;
	a->app = PNVME_CDW15_APP_TAG(cmd->cdw15);
	a->mask = PNVME_CDW15_APP_MASK(cmd->cdw15);
}

/* Offset of the tuple in a block's metadata. */
uint32_t sim_pi_off(const struct sim_ns *ns)
{
	return ns->pil ? 0 : ns->ms - PI_LEN;
}

/* The guard for a block: its data, and the metadata before a tuple that comes last. */
uint16_t sim_pi_guard(const struct sim_ns *ns, const uint8_t *data, const uint8_t *md)
{
	uint16_t crc = crc16_t10dif(0, data, 1ull << ns->lba_shift);

	if (!ns->pil && ns->ms > PI_LEN)
		crc = crc16_t10dif(crc, md, ns->ms - PI_LEN);
	return crc;
}

static void pi_from_wire(const uint8_t *w, struct sim_pi *pi)
{
	pi->guard = (uint16_t)(w[0] << 8 | w[1]);
	pi->app = (uint16_t)(w[2] << 8 | w[3]);
	pi->ref = (uint32_t)w[4] << 24 | (uint32_t)w[5] << 16 | (uint32_t)w[6] << 8 | w[7];
}

static void pi_to_wire(const struct sim_pi *pi, uint8_t *w)
{
	w[0] = (uint8_t)(pi->guard >> 8);
	w[1] = (uint8_t)pi->guard;
	w[2] = (uint8_t)(pi->app >> 8);
	w[3] = (uint8_t)pi->app;
	w[4] = (uint8_t)(pi->ref >> 24);
	w[5] = (uint8_t)(pi->ref >> 16);
	w[6] = (uint8_t)(pi->ref >> 8);
	w[7] = (uint8_t)pi->ref;
}

/* The tags' bytes flip between wire and stored form. */
static void tags_flip(uint8_t *tuple)
{
	for (unsigned i = 2; i < PI_LEN; i++)
		tuple[i] = (uint8_t)~tuple[i];
}

/* A block's metadata as the host sees it, from the stored form (ns->ms bytes). */
void sim_md_load(const struct sim_ns *ns, uint8_t *dst, const uint8_t *stored)
{
	memcpy(dst, stored, ns->ms);
	if (ns->pi)
		tags_flip(dst + sim_pi_off(ns));
}

void sim_md_store(const struct sim_ns *ns, uint8_t *stored, const uint8_t *src)
{
	memcpy(stored, src, ns->ms);
	if (ns->pi)
		tags_flip(stored + sim_pi_off(ns));
}

/* The tuple of a block, from metadata as the host sees it. */
void sim_pi_get(const struct sim_ns *ns, const uint8_t *md, struct sim_pi *pi)
{
	pi_from_wire(md + sim_pi_off(ns), pi);
}

void sim_pi_put(const struct sim_ns *ns, uint8_t *md, const struct sim_pi *pi)
{
	pi_to_wire(pi, md + sim_pi_off(ns));
}

/*
 * The tuple the controller makes for block i of a command (PRACT, or Write
 * Zeroes): the guard given, the command's application tag, and its initial
 * reference tag, counted up per block for types 1 and 2 and kept for type 3.
 */
void sim_pi_make(const struct sim_ns *ns, const struct sim_pi_args *a, uint64_t i,
		 uint16_t guard, struct sim_pi *pi)
{
	pi->guard = guard;
	pi->app = a->app;
	pi->ref = ns->pi == 3 ? a->ref : (uint32_t)(a->ref + i);
}

/*
 * Check block i's tuple as PRCHK asks; guard is the CRC computed over the
 * block. An application tag of FFFFh (types 1, 2), or FFFFh with a reference
 * tag of FFFFFFFFh (type 3), disables every check of the block. The
 * application tag is compared under the command's mask; the reference tag
 * against the initial one plus i for types 1 and 2, and not at all for type
 * 3, whose reference tag belongs to the host. Returns the first failure in
 * the order guard, application tag, reference tag.
 */
uint16_t sim_pi_check(const struct sim_ns *ns, const struct sim_pi_args *a, uint64_t i,
		      const struct sim_pi *pi, uint16_t guard)
{
	if (pi->app == PNVME_PI_APP_TAG_ESCAPE &&
	    (ns->pi != 3 || pi->ref == PNVME_PI_REF_TAG_ESCAPE))
		return SIM_OK;
	if ((a->prchk & PNVME_PRINFO_PRCHK_GUARD) && pi->guard != guard)
		return sim_status(PNVME_SCT_MEDIA_ERROR, PNVME_SC_GUARD_CHECK_ERROR, true);
	if ((a->prchk & PNVME_PRINFO_PRCHK_APPTAG) && ((pi->app ^ a->app) & a->mask) != 0)
		return sim_status(PNVME_SCT_MEDIA_ERROR, PNVME_SC_APPLICATION_TAG_CHECK_ERROR, true);
	if ((a->prchk & PNVME_PRINFO_PRCHK_REFTAG) && ns->pi != 3 &&
	    pi->ref != (uint32_t)(a->ref + i))
		return sim_status(PNVME_SCT_MEDIA_ERROR, PNVME_SC_REFERENCE_TAG_CHECK_ERROR, true);
	return SIM_OK;
}

/* ---------------------------------------------------------------- fault hook */

struct corrupt_arg {
	uint32_t nsid;
	uint64_t lba;
	enum pnvme_sim_pi_field what;
};

static int do_corrupt(struct pnvme_sim *sim, void *arg)
{
	const struct corrupt_arg *a = arg;
	struct sim_ns *ns = sim_ns_active(sim, a->nsid);
	uint8_t *tuple;

	if (ns == NULL)
		return -ENOENT;
	if (ns->pi == 0 || a->lba >= ns->nsze)
		return -EINVAL;
	/* The lowest bit of the field, in the stored form: a flip is a flip either way. */
	tuple = ns->md + a->lba * ns->ms + sim_pi_off(ns);
	switch (a->what) {
	case PNVME_SIM_PI_GUARD:
		tuple[1] ^= 1;
		break;
	case PNVME_SIM_PI_APP_TAG:
		tuple[3] ^= 1;
		break;
	default:
		tuple[7] ^= 1;
		break;
	}
	return 0;
}

int pnvme_sim_corrupt_pi(struct pnvme_sim *sim, uint32_t nsid, uint64_t lba,
			 enum pnvme_sim_pi_field what)
{
	struct corrupt_arg a = {.nsid = nsid, .lba = lba, .what = what};

	if (sim == NULL || nsid == 0 || nsid > sim->p.nn ||
	    (what != PNVME_SIM_PI_GUARD && what != PNVME_SIM_PI_APP_TAG &&
	     what != PNVME_SIM_PI_REF_TAG))
		return -EINVAL;
	return sim_call(sim, do_corrupt, &a);
}
